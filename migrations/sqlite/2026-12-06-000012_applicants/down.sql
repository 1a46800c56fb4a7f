-- Back to the four staff roles (fails while an applicant exists: the copy breaks the CHECK).
PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE IF EXISTS users_rebuilt;
CREATE TABLE users_rebuilt (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('registrar', 'auditor', 'official', 'admin')),
    office TEXT NULL REFERENCES offices (code),
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    -- bumped whenever the user is deactivated or their role, office or password changes:
    -- every token carrying an older generation stops working at once
    token_generation BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL,
    CHECK (role <> 'registrar' OR office IS NOT NULL)
);
INSERT INTO users_rebuilt (id, username, display_name, role, office, password_hash, active, token_generation, created_at, updated_at, audit_seq)
    SELECT id, username, display_name, role, office, password_hash, active, token_generation, created_at, updated_at, audit_seq FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
COMMIT;
PRAGMA foreign_keys = ON;
