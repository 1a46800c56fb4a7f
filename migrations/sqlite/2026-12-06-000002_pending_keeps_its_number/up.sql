-- A registered contract that an amendment sends back for a fresh approval keeps its
-- registration number (and its registration time) while it is pending: the rule "a pending
-- contract has no number" becomes "a pending contract is not approved".
--
-- SQLite cannot drop a CHECK constraint, so the table is rebuilt the way its documentation
-- describes (https://sqlite.org/lang_altertable.html#otheralter): foreign keys off, outside a
-- transaction of diesel's (metadata.toml), the rows copied into the new table, which takes the
-- old one's name, and the indexes made again. Any index on contracts made by an earlier
-- migration must be repeated here.
PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE IF EXISTS contracts_rebuilt;
CREATE TABLE contracts_rebuilt (
    id TEXT PRIMARY KEY,
    registration_no TEXT NULL UNIQUE CHECK (registration_no IS NULL OR length(registration_no) = 16),
    office TEXT NOT NULL REFERENCES offices (code),
    status TEXT NOT NULL CHECK (status IN ('pending', 'registered', 'refused', 'voided')),
    review TEXT NOT NULL CHECK (review IN ('unreviewed', 'confirmed', 'disputed')),
    version INTEGER NOT NULL CHECK (version >= 1),
    title TEXT NOT NULL CHECK (length(title) > 0),
    contract_type TEXT NOT NULL REFERENCES contract_types (code),
    subtype TEXT NULL,
    seller_id TEXT NOT NULL REFERENCES parties (id),
    buyer_id TEXT NOT NULL REFERENCES parties (id),
    signed_on DATE NOT NULL,
    valid_until DATE NULL,
    contract_amount_fen BIGINT NOT NULL CHECK (contract_amount_fen BETWEEN 0 AND 100000000000000),
    technical_amount_fen BIGINT NOT NULL CHECK (technical_amount_fen >= 0),
    tech_field TEXT NOT NULL REFERENCES tech_fields (code),
    ip_type TEXT NOT NULL REFERENCES ip_types (code),
    seller_region TEXT NOT NULL REFERENCES regions (code),
    seller_kind TEXT NOT NULL REFERENCES party_kinds (code),
    buyer_region TEXT NOT NULL REFERENCES regions (code),
    buyer_kind TEXT NOT NULL REFERENCES party_kinds (code),
    flow TEXT NOT NULL CHECK (flow IN ('local', 'outflow', 'inflow', 'other')),
    introduced BOOLEAN NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    registered_at TIMESTAMP NULL,
    -- the period the contract counts in: its registration year and month in Asia/Shanghai
    registered_year INTEGER NULL,
    registered_month INTEGER NULL CHECK (registered_month IS NULL OR registered_month BETWEEN 1 AND 12),
    approved_by TEXT NULL REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL,
    CHECK (technical_amount_fen <= contract_amount_fen),
    CHECK (seller_id <> buyer_id),
    CHECK (valid_until IS NULL OR valid_until >= signed_on),
    CHECK ((registration_no IS NULL) = (registered_at IS NULL)),
    CHECK ((registered_at IS NULL) = (registered_year IS NULL)),
    CHECK ((registered_at IS NULL) = (registered_month IS NULL)),
    CHECK (status <> 'registered' OR registration_no IS NOT NULL),
    CHECK (status <> 'pending' OR approved_by IS NULL),
    FOREIGN KEY (contract_type, subtype) REFERENCES contract_subtypes (contract_type, code)
);
INSERT INTO contracts_rebuilt (id, registration_no, office, status, review, version, title, contract_type, subtype, seller_id, buyer_id, signed_on, valid_until, contract_amount_fen, technical_amount_fen, tech_field, ip_type, seller_region, seller_kind, buyer_region, buyer_kind, flow, introduced, created_by, created_at, registered_at, registered_year, registered_month, approved_by, updated_at, audit_seq)
    SELECT id, registration_no, office, status, review, version, title, contract_type, subtype, seller_id, buyer_id, signed_on, valid_until, contract_amount_fen, technical_amount_fen, tech_field, ip_type, seller_region, seller_kind, buyer_region, buyer_kind, flow, introduced, created_by, created_at, registered_at, registered_year, registered_month, approved_by, updated_at, audit_seq FROM contracts;
DROP TABLE contracts;
ALTER TABLE contracts_rebuilt RENAME TO contracts;
CREATE INDEX contracts_office_year ON contracts (office, registered_year);
CREATE INDEX contracts_year_status ON contracts (registered_year, status);
CREATE INDEX contracts_seller ON contracts (seller_id);
CREATE INDEX contracts_buyer ON contracts (buyer_id);
CREATE INDEX contracts_signed_on ON contracts (signed_on);
CREATE INDEX contracts_review ON contracts (review, status);
COMMIT;
PRAGMA foreign_keys = ON;
