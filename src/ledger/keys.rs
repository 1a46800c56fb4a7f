//! `key.rotate`: a new audit signing key takes over. The entry announcing a key is signed by
//! that key, and — for every key but the first, the root of trust — carries an endorsement by
//! the key it replaces (see [`crate::audit::rotation`]), so the chain itself records every key
//! it was ever signed with and who vouched for each.

use diesel::prelude::*;
use serde_json::json;

use super::tx::Tx;
use super::{LedgerError, Outcome, Principal};
use crate::audit::keys::KeyPair;
use crate::audit::rotation;
use crate::db::models::audit_keys::SigningKeyRow;
use crate::db::schema::signing_keys;
use crate::domain::Role;

/// Who may rotate: the system (first start, the operator's shell) or an admin.
pub(super) fn may_rotate(tx: &Tx<'_>) -> Result<(), LedgerError> {
    match tx.principal {
        Principal::System => Ok(()),
        Principal::Public | Principal::User(_) => tx
            .require(&[Role::Admin], "rotate signing keys", "轮换签名密钥")
            .map(|_| ()),
    }
}

/// Registers `key` (the key now signing) and retires `previous`, which endorses it; without a
/// previous key, `key` becomes the chain's root of trust.
pub(super) fn register(
    tx: &mut Tx<'_>,
    key: &KeyPair,
    previous: Option<&KeyPair>,
) -> Result<Outcome, LedgerError> {
    let kid = key.kid().to_string();
    let public_key = key.public_key().to_string();
    let fingerprint = key.fingerprint();
    let previous_kid = previous.map(|p| p.kid().to_string());
    let now = tx.now;
    let (_, stamp) = tx.change(rotation::ROTATE_ACTION, "key", |w, stamp| {
        let endorsement = previous
            .map(|p| rotation::endorse(p, key, stamp.seq, now))
            .transpose()
            .map_err(|e| LedgerError::Storage(e.to_string()))?;
        if let Some(prev) = &previous_kid {
            diesel::update(signing_keys::table.find(prev))
                .set(signing_keys::retired_at.eq(Some(now)))
                .execute(w.conn()?)?;
        }
        diesel::insert_into(signing_keys::table)
            .values(SigningKeyRow {
                kid: kid.clone(),
                purpose: "audit".into(),
                algorithm: "EdDSA".into(),
                public_key: public_key.clone(),
                valid_from: now,
                retired_at: None,
                audit_seq: stamp.seq,
            })
            .execute(w.conn()?)?;
        crate::audit::chain::set_head_signer(w.conn()?, &kid)?;
        let payload = json!({
            "kid": kid,
            "algorithm": "EdDSA",
            "public_key": public_key,
            "fingerprint": fingerprint,
            "valid_from": crate::time::rfc3339(now),
            "previous": previous_kid,
            "endorsement": endorsement,
        });
        Ok((kid.clone(), payload, ()))
    })?;
    Ok(Outcome {
        audit_seq: stamp.seq,
        created: true,
        body: json!({
            "kid": kid,
            "public_key": public_key,
            "fingerprint": fingerprint,
            "previous": previous_kid,
            "audit_seq": stamp.seq,
        }),
        replayed: false,
    })
}
