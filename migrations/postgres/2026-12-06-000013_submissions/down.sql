DROP TABLE submission_decisions;
DROP TABLE submission_versions;
DROP TABLE submissions;
