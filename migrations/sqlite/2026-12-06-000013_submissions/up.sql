-- Online submissions (issue 16): an applicant's contract form with the signed contract, in the
-- queue of the office it chose. `submissions` is the current state, a projection of the
-- submission.* audit entries; `submission_versions` keeps every form submitted and is never
-- changed (a correction is a new version). The signed contract itself is a file stored by its
-- SHA-256 under <data_dir>/attachments (see src/attachments); only its digest is here and in
-- the audit entry.
CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    applicant_id TEXT NOT NULL REFERENCES users (id),
    office TEXT NOT NULL REFERENCES offices (code),
    status TEXT NOT NULL CHECK (status IN ('submitted', 'returned', 'accepted', 'refused')),
    version INTEGER NOT NULL CHECK (version >= 1),
    -- When the current version was submitted: the start of its time in the queue.
    queued_at TIMESTAMP NOT NULL,
    -- The contract an accepted submission registered (no foreign key: contract rows are
    -- written at the commit, after this row).
    contract_id TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX submissions_applicant ON submissions (applicant_id, created_at);
CREATE INDEX submissions_queue ON submissions (office, status, queued_at);
CREATE INDEX submissions_contract ON submissions (contract_id);

CREATE TABLE submission_versions (
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    -- The contract form as the applicant submitted it (JSON, the API's contract body).
    form TEXT NOT NULL,
    file_sha256 TEXT NOT NULL CHECK (length(file_sha256) = 64),
    file_kind TEXT NOT NULL CHECK (file_kind IN ('pdf', 'jpeg', 'png')),
    file_size BIGINT NOT NULL CHECK (file_size > 0),
    file_name TEXT,
    submitted_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL,
    PRIMARY KEY (submission_id, version)
);
CREATE INDEX submission_versions_file ON submission_versions (file_sha256);

-- The registrar's decision on a version: returned (with reasons per field), accepted (with the
-- contract it registered) or refused (with a reason). At most one per version; never changed.
CREATE TABLE submission_decisions (
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    version INTEGER NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('returned', 'accepted', 'refused')),
    -- A return's reasons per field (JSON [{"field", "reason"}]).
    return_reasons TEXT,
    refusal_reason TEXT,
    contract_id TEXT,
    decided_by TEXT NOT NULL REFERENCES users (id),
    decided_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL,
    PRIMARY KEY (submission_id, version),
    FOREIGN KEY (submission_id, version) REFERENCES submission_versions (submission_id, version)
);
