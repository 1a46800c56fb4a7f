-- Login tokens withdrawn before their expiry (signing out). Session state, not ledger state:
-- no audit entry records a row here (see src/auth/revocations.rs); a row is purged once its
-- token would have expired anyway.
CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP NOT NULL
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
