-- The ledger: append-only entries, current-state projections, rollups and the audit chain.
-- The same text runs on SQLite and PostgreSQL (a test keeps the two folders identical where
-- they should be). Identifiers are TEXT (UUIDs), times TIMESTAMP in UTC, money BIGINT fen.
-- Projection tables (users, parties, contracts, rollups…) are written only by the ledger's
-- write path, in the same transaction as the audit entry that records the change.

-- Users of the system. A projection of the user.* audit entries (the password hash is the one
-- column no audit entry carries).
CREATE TABLE users (
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

-- Contract parties (合同主体): current state.
CREATE TABLE parties (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) > 0),
    credit_code TEXT NULL UNIQUE CHECK (credit_code IS NULL OR length(credit_code) = 18),
    kind TEXT NOT NULL REFERENCES party_kinds (code),
    region TEXT NOT NULL REFERENCES regions (code),
    nature_code TEXT NULL,
    country TEXT NULL CHECK (country IS NULL OR length(country) = 3),
    version INTEGER NOT NULL CHECK (version >= 1),
    created_by TEXT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL,
    -- individuals and foreign parties carry no unified social credit code; everyone else must
    CHECK ((credit_code IS NULL) = (kind = 'individual' OR region = '000000')),
    -- a foreign party names its country; a domestic one must not
    CHECK ((country IS NOT NULL) = (region = '000000'))
);
CREATE INDEX parties_name ON parties (name);

-- Every version of every party, never updated or deleted.
CREATE TABLE party_versions (
    party_id TEXT NOT NULL REFERENCES parties (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    name TEXT NOT NULL,
    credit_code TEXT NULL,
    kind TEXT NOT NULL,
    region TEXT NOT NULL,
    nature_code TEXT NULL,
    country TEXT NULL,
    reason TEXT NULL,
    actor_id TEXT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL,
    PRIMARY KEY (party_id, version)
);

-- Technology contracts (技术合同): current state, the projection of contract_versions.
-- seller_/buyer_ region and kind are the parties' attributes as recorded on the registration
-- form when the contract was registered; later edits of a party do not move past statistics.
CREATE TABLE contracts (
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
    CHECK (status <> 'pending' OR registration_no IS NULL),
    FOREIGN KEY (contract_type, subtype) REFERENCES contract_subtypes (contract_type, code)
);
CREATE INDEX contracts_office_year ON contracts (office, registered_year);
CREATE INDEX contracts_year_status ON contracts (registered_year, status);
CREATE INDEX contracts_seller ON contracts (seller_id);
CREATE INDEX contracts_buyer ON contracts (buyer_id);
CREATE INDEX contracts_signed_on ON contracts (signed_on);
CREATE INDEX contracts_review ON contracts (review, status);

-- Every version of every contract, never updated or deleted. A version is written by each
-- change of the contract: register, amend, approve, refuse, void.
CREATE TABLE contract_versions (
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    change TEXT NOT NULL CHECK (change IN ('register', 'amend', 'approve', 'refuse', 'void')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'registered', 'refused', 'voided')),
    registration_no TEXT NULL,
    title TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    subtype TEXT NULL,
    seller_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    signed_on DATE NOT NULL,
    valid_until DATE NULL,
    contract_amount_fen BIGINT NOT NULL,
    technical_amount_fen BIGINT NOT NULL,
    tech_field TEXT NOT NULL,
    ip_type TEXT NOT NULL,
    reason TEXT NULL,
    actor_id TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL,
    PRIMARY KEY (contract_id, version),
    CHECK (technical_amount_fen <= contract_amount_fen)
);

-- Amount entries: the signed deltas every change makes to the totals, in the period the
-- contract counts in. Summing them up to a day reproduces the totals as they stood that day
-- (stats as_of); summing all of them reproduces the rollups.
CREATE TABLE amount_entries (
    audit_seq BIGINT NOT NULL,
    line INTEGER NOT NULL,
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    recorded_at TIMESTAMP NOT NULL,
    -- calendar day of the change in Asia/Shanghai
    recorded_on DATE NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    office TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    tech_field TEXT NOT NULL,
    ip_type TEXT NOT NULL,
    seller_kind TEXT NOT NULL,
    flow TEXT NOT NULL,
    review TEXT NOT NULL,
    introduced BOOLEAN NOT NULL,
    seller_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    contract_fen BIGINT NOT NULL,
    technical_fen BIGINT NOT NULL,
    contracts INTEGER NOT NULL CHECK (contracts BETWEEN -1 AND 1),
    PRIMARY KEY (audit_seq, line)
);
CREATE INDEX amount_entries_year_day ON amount_entries (year, recorded_on);
CREATE INDEX amount_entries_contract ON amount_entries (contract_id);

-- Running totals per registration year and month along one dimension at a time
-- (dimension 'total' has key ''), maintained in the write transaction so a dashboard reads a
-- few hundred rows whatever the number of contracts.
CREATE TABLE rollups (
    year INTEGER NOT NULL,
    month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    dimension TEXT NOT NULL CHECK (dimension IN ('total', 'office', 'contract_type', 'tech_field', 'ip_type', 'seller_kind', 'flow', 'review')),
    key TEXT NOT NULL,
    turnover_fen BIGINT NOT NULL,
    technical_fen BIGINT NOT NULL,
    contracts BIGINT NOT NULL,
    introduced BIGINT NOT NULL,
    PRIMARY KEY (year, month, dimension, key)
);

-- Running totals per registration year and party, as seller or as buyer (top sellers and
-- buyers, concentration).
CREATE TABLE party_rollups (
    year INTEGER NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('seller', 'buyer')),
    party_id TEXT NOT NULL REFERENCES parties (id),
    turnover_fen BIGINT NOT NULL,
    technical_fen BIGINT NOT NULL,
    contracts BIGINT NOT NULL,
    PRIMARY KEY (year, side, party_id)
);
CREATE INDEX party_rollups_rank ON party_rollups (year, side, turnover_fen);

-- The last registration number handed out per office and year (gap-free numbering).
CREATE TABLE registration_counters (
    office TEXT NOT NULL REFERENCES offices (code),
    year INTEGER NOT NULL,
    last_seq INTEGER NOT NULL CHECK (last_seq BETWEEN 1 AND 999999),
    PRIMARY KEY (office, year)
);

-- Auditors' reviews of contracts, never updated or deleted.
CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    contract_version INTEGER NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('confirmed', 'disputed')),
    note TEXT NOT NULL,
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX reviews_contract ON reviews (contract_id);

-- Spreadsheet imports that were committed.
CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    actor_id TEXT NOT NULL REFERENCES users (id),
    file_name TEXT NULL,
    file_sha256 TEXT NOT NULL,
    rows_total INTEGER NOT NULL,
    rows_accepted INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    partial BOOLEAN NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL
);

-- The audit log: a hash chain, entry n carrying the hash of entry n-1, each entry signed.
CREATE TABLE audit_entries (
    seq BIGINT PRIMARY KEY CHECK (seq >= 1),
    id TEXT NOT NULL UNIQUE,
    at TIMESTAMP NOT NULL,
    actor_id TEXT NULL,
    actor_username TEXT NULL,
    actor_role TEXT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    -- canonical JSON (RFC 8785)
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    kid TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX audit_entries_entity ON audit_entries (entity_type, entity_id);
CREATE INDEX audit_entries_actor ON audit_entries (actor_id);
CREATE INDEX audit_entries_action ON audit_entries (action);
CREATE INDEX audit_entries_at ON audit_entries (at);

-- The head of the chain: one row, locked by every write transaction before anything else, so
-- that every process sharing the database appends to one linear chain.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL CHECK (length(hash) = 64)
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Signed checkpoints of the chain (tree size and head hash), published for auditors.
CREATE TABLE audit_checkpoints (
    tree_size BIGINT PRIMARY KEY CHECK (tree_size >= 1),
    head_hash TEXT NOT NULL CHECK (length(head_hash) = 64),
    at TIMESTAMP NOT NULL,
    kid TEXT NOT NULL,
    signature TEXT NOT NULL
);

-- Public halves of the Ed25519 keys that ever signed (private keys never enter the database).
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('audit')),
    algorithm TEXT NOT NULL CHECK (algorithm = 'EdDSA'),
    public_key TEXT NOT NULL UNIQUE,
    valid_from TIMESTAMP NOT NULL,
    retired_at TIMESTAMP NULL,
    audit_seq BIGINT NOT NULL
);

-- Idempotency keys of POST requests: the first answer, replayed for a retry.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    outcome TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
