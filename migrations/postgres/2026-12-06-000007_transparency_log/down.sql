DROP TABLE tlog_cosignatures;
ALTER TABLE audit_checkpoints DROP COLUMN note;
ALTER TABLE audit_checkpoints DROP COLUMN root_hash;
DROP TABLE tlog_hashes;
