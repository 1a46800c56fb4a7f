//! Key rotation as the chain records it. Every `key.rotate` entry announces the key that signs
//! from that entry on, and is signed by that key. From the second one on it also carries an
//! endorsement — a JWS by the key it replaces, over the new key and the entry's seq — so that
//! someone who can only write the database cannot bring in a key of their own: the first key is
//! the root of trust, and every later key is vouched for by the one before it.
//!
//! [`KeyHistory`] follows the rotations in chain order and says which key signs each seq; it is
//! built while a verifier streams the chain, or from the `key.rotate` entries alone (the served
//! JWKS, the start-up check).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use super::chain::{AuditError, AuditRow};
use super::entry::AuditEntry;
use super::keys::{KeyError, KeyPair, fingerprint, kid_of};
use super::verify::{Jwk, Jwks, decode_public_key, open_jws};
use crate::db::DbConn;

/// The action of the entries that announce keys.
pub const ROTATE_ACTION: &str = "key.rotate";

/// The `purpose` claim of an endorsement (so that no other JWS of a key passes for one).
pub const ENDORSEMENT_PURPOSE: &str = "techledger key rotation";

/// What the previous key signs when it hands over to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndorsementClaims {
    /// Always [`ENDORSEMENT_PURPOSE`].
    pub purpose: String,
    /// seq of the `key.rotate` entry that announces the new key.
    pub seq: i64,
    /// The new key's id.
    pub kid: String,
    /// The new key, base64url (the JWK `x`).
    pub public_key: String,
    /// The endorsing (previous) key's id.
    pub previous: String,
    /// Signing time, seconds since the epoch.
    pub iat: i64,
}

/// `previous` vouches for `next`, which is announced by the entry at `seq`.
pub fn endorse(
    previous: &KeyPair,
    next: &KeyPair,
    seq: i64,
    at: NaiveDateTime,
) -> Result<String, KeyError> {
    previous.sign(&EndorsementClaims {
        purpose: ENDORSEMENT_PURPOSE.into(),
        seq,
        kid: next.kid().to_string(),
        public_key: next.public_key().to_string(),
        previous: previous.kid().to_string(),
        iat: crate::time::unix_seconds(at),
    })
}

/// The payload of a `key.rotate` entry, as far as trust goes.
#[derive(Debug, Deserialize)]
struct Announcement {
    kid: String,
    algorithm: String,
    public_key: String,
    previous: Option<String>,
    #[serde(default)]
    endorsement: Option<String>,
}

/// One key of a chain's history and the seqs it signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoricKey {
    /// Key id.
    pub kid: String,
    /// The public key, base64url.
    pub x: String,
    /// The public key.
    pub key: VerifyingKey,
    /// seq of the entry that announced it (the first it signs).
    pub first_seq: i64,
    /// The last seq it signs; None while it is the current key.
    pub last_seq: Option<i64>,
    /// When it was announced.
    pub valid_from: NaiveDateTime,
    /// When the next key was announced.
    pub valid_until: Option<NaiveDateTime>,
}

impl HistoricKey {
    /// Lower-case hex SHA-256 of the public key (what `--trust-root` pins).
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.key)
    }
}

/// A rotation that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("seq {seq}: {reason}")]
pub struct RotationFailure {
    /// seq of the bad `key.rotate` entry.
    pub seq: i64,
    /// Why.
    pub reason: String,
}

/// The keys a chain was signed with, in order, each vouched for by the one before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyHistory {
    keys: Vec<HistoricKey>,
}

impl KeyHistory {
    /// Follows one more `key.rotate` entry (in chain order). The entry's own hash and
    /// signature are not checked here: a chain verifier checks them with every other entry's;
    /// [`KeyHistory::from_rotations`] checks them itself.
    pub fn push(&mut self, entry: &AuditEntry) -> Result<&HistoricKey, RotationFailure> {
        let fail = |reason: String| RotationFailure {
            seq: entry.seq,
            reason,
        };
        let a: Announcement = serde_json::from_value(entry.payload.clone())
            .map_err(|e| fail(format!("the key announcement does not parse: {e}")))?;
        if a.algorithm != "EdDSA" {
            return Err(fail(format!(
                "algorithm {:?}; only EdDSA keys sign",
                a.algorithm
            )));
        }
        let key = decode_public_key(&a.public_key)
            .ok_or_else(|| fail("public_key is not an Ed25519 public key".into()))?;
        if kid_of(key.as_bytes()) != a.kid {
            return Err(fail(format!(
                "kid {:?} is not the id of the announced key",
                a.kid
            )));
        }
        if entry.entity.kind != "key" || entry.entity.id != a.kid {
            return Err(fail("the entry's entity is not the announced key".into()));
        }
        if entry.kid != a.kid {
            return Err(fail(format!(
                "the announcement of key {} is signed by key {}, not by the key it announces",
                a.kid, entry.kid
            )));
        }
        if self.keys.iter().any(|k| k.kid == a.kid) {
            return Err(fail(format!("key {} is announced a second time", a.kid)));
        }
        let at = crate::time::parse_rfc3339(&entry.at)
            .ok_or_else(|| fail("at is not an RFC 3339 time".into()))?;
        match self.keys.last() {
            None => {
                if a.previous.is_some() || a.endorsement.is_some() {
                    return Err(fail(
                        "the first key of the chain (its root of trust) names a previous key"
                            .into(),
                    ));
                }
            }
            Some(previous) => {
                if entry.seq <= previous.first_seq {
                    return Err(fail("rotations are out of order".into()));
                }
                if a.previous.as_deref() != Some(previous.kid.as_str()) {
                    return Err(fail(format!(
                        "the rotation names {:?} as the previous key, but key {} signs before it",
                        a.previous, previous.kid
                    )));
                }
                let endorsement = a.endorsement.as_deref().ok_or_else(|| {
                    fail(format!(
                        "the rotation to key {} is not signed by the previous key {}",
                        a.kid, previous.kid
                    ))
                })?;
                let claims: EndorsementClaims = open_jws(endorsement, &previous.kid, &previous.key)
                    .map_err(|e| {
                        fail(format!(
                            "the rotation to key {} is not signed by the previous key {}: {e}",
                            a.kid, previous.kid
                        ))
                    })?;
                if claims.purpose != ENDORSEMENT_PURPOSE
                    || claims.seq != entry.seq
                    || claims.kid != a.kid
                    || claims.public_key != a.public_key
                    || claims.previous != previous.kid
                {
                    return Err(fail(format!(
                        "the previous key {} endorsed something else than this rotation",
                        previous.kid
                    )));
                }
            }
        }
        if let Some(previous) = self.keys.last_mut() {
            previous.last_seq = Some(entry.seq - 1);
            previous.valid_until = Some(at);
        }
        self.keys.push(HistoricKey {
            kid: a.kid,
            x: a.public_key,
            key,
            first_seq: entry.seq,
            last_seq: None,
            valid_from: at,
            valid_until: None,
        });
        Ok(self.keys.last().expect("just pushed"))
    }

    /// The history of a chain's `key.rotate` entries alone (in seq order), checking each
    /// entry's hash and its signature by the key it announces as well.
    pub fn from_rotations(entries: &[AuditEntry]) -> Result<KeyHistory, RotationFailure> {
        let mut history = KeyHistory::default();
        for entry in entries {
            if entry.action != ROTATE_ACTION {
                return Err(RotationFailure {
                    seq: entry.seq,
                    reason: format!("{} is not a key rotation", entry.action),
                });
            }
            let key = history.push(entry)?.key;
            super::verify::check_entry(entry, &key).map_err(|reason| RotationFailure {
                seq: entry.seq,
                reason,
            })?;
        }
        Ok(history)
    }

    /// The keys, oldest first.
    pub fn keys(&self) -> &[HistoricKey] {
        &self.keys
    }

    /// The first key: the root of trust.
    pub fn root(&self) -> Option<&HistoricKey> {
        self.keys.first()
    }

    /// The key that signs from now on.
    pub fn current(&self) -> Option<&HistoricKey> {
        self.keys.last()
    }

    /// The key `kid`.
    pub fn get(&self, kid: &str) -> Option<&HistoricKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// The key that signs `seq`.
    pub fn signer_of(&self, seq: i64) -> Option<&HistoricKey> {
        self.keys
            .iter()
            .rev()
            .find(|k| k.first_seq <= seq && k.last_seq.is_none_or(|last| seq <= last))
    }

    /// The JWKS of these keys, each with the seqs and times it signs.
    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: self
                .keys
                .iter()
                .map(|k| Jwk {
                    kty: "OKP".into(),
                    crv: "Ed25519".into(),
                    x: k.x.clone(),
                    kid: k.kid.clone(),
                    alg: Some("EdDSA".into()),
                    key_use: Some("sig".into()),
                    valid_from: Some(crate::time::rfc3339(k.valid_from)),
                    valid_until: k.valid_until.map(crate::time::rfc3339),
                    first_seq: Some(k.first_seq),
                    last_seq: k.last_seq,
                })
                .collect(),
        }
    }
}

/// The `key.rotate` entries of the chain in the database, in seq order.
pub fn load_rotations(conn: &mut DbConn) -> Result<Vec<AuditEntry>, AuditError> {
    use crate::db::schema::audit_entries;
    audit_entries::table
        .filter(audit_entries::action.eq(ROTATE_ACTION))
        .order(audit_entries::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)?
        .into_iter()
        .map(AuditRow::into_entry)
        .collect()
}

/// The verified key history of the chain in the database.
pub fn load(conn: &mut DbConn) -> Result<Result<KeyHistory, RotationFailure>, AuditError> {
    Ok(KeyHistory::from_rotations(&load_rotations(conn)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::chain::{ChainHead, EntryDraft, seal};
    use crate::audit::entry::{EntityRef, GENESIS_HASH};

    /// A chain of rotations: `keys[0]` the root, each next one endorsed by the one before
    /// unless `endorse_with` says otherwise, with a party entry between rotations.
    fn chain(keys: &[KeyPair], endorse_with: &[Option<&KeyPair>]) -> Vec<AuditEntry> {
        let mut head = ChainHead {
            seq: 0,
            hash: GENESIS_HASH.into(),
        };
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .expect("time");
        let mut out = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let seq = head.seq + 1;
            let previous = i.checked_sub(1).map(|p| &keys[p]);
            let endorser = endorse_with.get(i).copied().flatten().or(previous);
            let endorsement = match (previous, endorser) {
                (Some(_), Some(by)) => Some(endorse(by, key, seq, at).expect("endorse")),
                _ => None,
            };
            let payload = serde_json::json!({
                "kid": key.kid(), "algorithm": "EdDSA", "public_key": key.public_key(),
                "valid_from": crate::time::rfc3339(at),
                "previous": previous.map(|p| p.kid()), "endorsement": endorsement,
            });
            let draft = EntryDraft {
                at,
                actor: None,
                action: "key.rotate",
                entity: EntityRef {
                    kind: "key".into(),
                    id: key.kid().into(),
                },
                payload,
            };
            let row = seal(&mut head, key, draft)
                .expect("seal")
                .sign(key)
                .expect("sign");
            out.push(row.into_entry().expect("entry"));
        }
        out
    }

    #[test]
    fn cross_signed_rotations_make_a_history_with_seq_windows() {
        let keys = [
            KeyPair::generate(),
            KeyPair::generate(),
            KeyPair::generate(),
        ];
        let entries = chain(&keys, &[]);
        let history = KeyHistory::from_rotations(&entries).expect("history");
        assert_eq!(history.keys().len(), 3);
        assert_eq!(history.root().map(|k| k.kid.as_str()), Some(keys[0].kid()));
        assert_eq!(history.keys()[0].last_seq, Some(1));
        assert_eq!(
            history.signer_of(2).map(|k| k.kid.as_str()),
            Some(keys[1].kid())
        );
        assert_eq!(
            history.signer_of(99).map(|k| k.kid.as_str()),
            Some(keys[2].kid())
        );
        let jwks = history.jwks();
        assert_eq!(jwks.keys[2].first_seq, Some(3));
        assert!(jwks.keys[2].last_seq.is_none());
    }

    #[test]
    fn a_rotation_without_the_previous_keys_signature_is_refused() {
        let keys = [KeyPair::generate(), KeyPair::generate()];
        let forger = KeyPair::generate();
        // Endorsed by a stranger, not by the previous key.
        let entries = chain(&keys, &[None, Some(&forger)]);
        let err = KeyHistory::from_rotations(&entries).expect_err("refused");
        assert_eq!(err.seq, 2);
        assert!(
            err.reason.contains("not signed by the previous key"),
            "{err}"
        );
        // No endorsement at all.
        let mut entries = chain(&keys, &[]);
        entries[1].payload["endorsement"] = serde_json::Value::Null;
        let err = KeyHistory::from_rotations(&entries).expect_err("refused");
        assert!(
            err.reason.contains("not signed by the previous key"),
            "{err}"
        );
    }

    #[test]
    fn an_endorsement_for_another_seq_or_key_is_refused() {
        let keys = [KeyPair::generate(), KeyPair::generate()];
        let mut entries = chain(&keys, &[]);
        let at = crate::time::now();
        // The previous key's genuine endorsement, but for another place in the chain.
        entries[1].payload["endorsement"] =
            serde_json::Value::from(endorse(&keys[0], &keys[1], 7, at).expect("endorse"));
        let mut h = KeyHistory::default();
        h.push(&entries[0]).expect("root");
        let err = h.push(&entries[1]).expect_err("refused");
        assert!(err.reason.contains("endorsed something else"), "{err}");
    }

    #[test]
    fn the_root_may_not_name_a_previous_key_and_a_key_comes_once() {
        let keys = [KeyPair::generate()];
        let mut entries = chain(&keys, &[]);
        entries[0].payload["previous"] = serde_json::Value::from("0123456789abcdef");
        let mut h = KeyHistory::default();
        assert!(h.push(&entries[0]).is_err());
        let entries = chain(&keys, &[]);
        let mut h = KeyHistory::default();
        h.push(&entries[0]).expect("root");
        assert!(h.push(&entries[0]).is_err());
    }
}
