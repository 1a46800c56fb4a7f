-- The Merkle tree over the audit entries (RFC 6962), as the hashes stored when each leaf is
-- appended: the leaf hash and every subtree it completes, numbered as in Go's sumdb tlog so
-- that the table only grows at its end. Written in the transaction that appends the entries.
CREATE TABLE tlog_hashes (
    id BIGINT PRIMARY KEY CHECK (id >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32)
);

-- Each checkpoint is also signed as a C2SP tlog-checkpoint (a signed note over origin, tree
-- size and root hash). Checkpoints stored before the tree existed have neither.
ALTER TABLE audit_checkpoints ADD COLUMN root_hash BLOB NULL;
ALTER TABLE audit_checkpoints ADD COLUMN note TEXT NULL;

-- Cosignatures of checkpoints by witnesses (C2SP tlog-cosignature): signature lines over a
-- stored checkpoint's note, from a configured witness key.
CREATE TABLE tlog_cosignatures (
    tree_size BIGINT NOT NULL REFERENCES audit_checkpoints (tree_size),
    witness TEXT NOT NULL,
    signature_line TEXT NOT NULL,
    signed_at BIGINT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tree_size, witness)
);
