-- Applicants (申请人, issue 16): a user who submits contracts online for one party, the seller
-- named by its unified social credit code, to the registration office that activates them.
-- The role joins the users' CHECK, and users gain the credit code an applicant is bound to:
-- every applicant has one and an office, nobody else has a credit code.
--
-- SQLite cannot change a CHECK constraint, so the table is rebuilt as in
-- 2026-12-06-000002_pending_keeps_its_number (https://sqlite.org/lang_altertable.html#otheralter):
-- foreign keys off, outside a transaction of diesel's (metadata.toml), the rows copied into the
-- new table, which takes the old one's name. The tables that refer to users keep referring to
-- it by name. users has no index of its own beyond its keys.
PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE IF EXISTS users_rebuilt;
CREATE TABLE users_rebuilt (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('registrar', 'auditor', 'official', 'admin', 'applicant')),
    office TEXT NULL REFERENCES offices (code),
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    -- bumped whenever the user is deactivated or their role, office or password changes:
    -- every token carrying an older generation stops working at once
    token_generation BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL,
    -- the party an applicant submits for (its unified social credit code)
    credit_code TEXT NULL CHECK (credit_code IS NULL OR length(credit_code) = 18),
    CHECK (role <> 'registrar' OR office IS NOT NULL),
    CHECK ((role = 'applicant') = (credit_code IS NOT NULL)),
    CHECK (role <> 'applicant' OR office IS NOT NULL)
);
INSERT INTO users_rebuilt (id, username, display_name, role, office, password_hash, active, token_generation, created_at, updated_at, audit_seq, credit_code)
    SELECT id, username, display_name, role, office, password_hash, active, token_generation, created_at, updated_at, audit_seq, NULL FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
COMMIT;
PRAGMA foreign_keys = ON;
