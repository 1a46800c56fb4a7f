-- A stored cosignature is a change like any other: the `log.cosign` audit entry that recorded
-- it is named by audit_seq. No code wrote this table before this migration (POST
-- /log/cosignature came with it), so it is rebuilt, empty, with the column NOT NULL.
DROP TABLE tlog_cosignatures;
CREATE TABLE tlog_cosignatures (
    tree_size BIGINT NOT NULL REFERENCES audit_checkpoints (tree_size),
    witness TEXT NOT NULL,
    signature_line TEXT NOT NULL,
    signed_at BIGINT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL,
    PRIMARY KEY (tree_size, witness)
);
