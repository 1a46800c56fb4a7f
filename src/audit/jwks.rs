//! The JWKS a server publishes (`/.well-known/jwks.json`, `techledger export jwks`): the keys
//! of its chain's verified key history — never the `signing_keys` table as it stands, which
//! anyone who can write the database could extend — and only when the chain's current key is
//! the one this server signs with.

use super::chain::AuditError;
use super::keys::KeyStore;
use super::rotation;
use super::trust::Anchors;
use super::verify::Jwks;
use crate::db::DbConn;

/// The JWKS of the chain in the database, checked against the key store's keys.
pub fn served(conn: &mut DbConn, store: &KeyStore) -> Result<Jwks, AuditError> {
    let history = rotation::load(conn)?.map_err(|f| AuditError::Untrusted {
        seq: f.seq,
        reason: format!("key rotation: {}", f.reason),
    })?;
    Anchors::none("database")
        .with_key_store(store)
        .map_err(|reason| AuditError::Untrusted { seq: 0, reason })?
        .check(&history)
        .map_err(|f| AuditError::Untrusted {
            seq: f.seq,
            reason: f.reason,
        })?;
    Ok(history.jwks())
}
