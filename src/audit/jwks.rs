//! The public keys as a JWKS (`/.well-known/jwks.json`), and the verifier's key set built from
//! the database.

use super::verify::{Jwk, Jwks, KeySet, PublicKey, decode_public_key};
use crate::db::models::audit_keys::SigningKeyRow;

/// The JWKS of every key that ever signed, with its validity window.
pub fn jwks(rows: &[SigningKeyRow]) -> Jwks {
    Jwks {
        keys: rows
            .iter()
            .map(|r| Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x: r.public_key.clone(),
                kid: r.kid.clone(),
                alg: Some("EdDSA".into()),
                key_use: Some("sig".into()),
                valid_from: Some(crate::time::rfc3339(r.valid_from)),
                valid_until: r.retired_at.map(crate::time::rfc3339),
            })
            .collect(),
    }
}

/// The key set of the stored keys; a key whose public half does not decode is left out (its
/// entries then fail verification, naming the key).
pub fn key_set(rows: &[SigningKeyRow]) -> KeySet {
    let mut set = KeySet::default();
    for r in rows {
        if let Some(key) = decode_public_key(&r.public_key) {
            set.insert(
                r.kid.clone(),
                PublicKey {
                    key,
                    valid_from: Some(r.valid_from),
                    valid_until: r.retired_at,
                },
            );
        }
    }
    set
}
