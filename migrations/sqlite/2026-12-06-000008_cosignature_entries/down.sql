DROP TABLE tlog_cosignatures;
CREATE TABLE tlog_cosignatures (
    tree_size BIGINT NOT NULL REFERENCES audit_checkpoints (tree_size),
    witness TEXT NOT NULL,
    signature_line TEXT NOT NULL,
    signed_at BIGINT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tree_size, witness)
);
