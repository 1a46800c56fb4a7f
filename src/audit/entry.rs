//! One audit entry: its wire form, its hash and the claims its signature covers.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::canonical::{CanonicalError, to_canonical_string};

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who made a change (absent for changes the system makes itself, e.g. at first start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActorRef {
    /// User id.
    pub id: String,
    /// Username at the time of the change.
    pub username: String,
    /// Role at the time of the change.
    pub role: String,
}

/// What a change was about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EntityRef {
    /// `contract`, `party`, `user`, `key` or `import`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its id.
    pub id: String,
}

/// An audit entry exactly as exported (`GET /api/v1/audit/export`, one per line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// Entry id (UUID).
    pub id: String,
    /// When the change was committed, RFC 3339 UTC with microseconds.
    pub at: String,
    /// Who made the change; null for the system.
    pub actor: Option<ActorRef>,
    /// `contract.register`, `party.update`, …
    pub action: String,
    /// The record changed.
    pub entity: EntityRef,
    /// The command and the resulting state (amounts as decimal strings; never floats).
    #[schema(value_type = Object)]
    pub payload: Value,
    /// `hash` of the previous entry (64 zeros for seq 1).
    pub prev_hash: String,
    /// SHA-256 of the canonical JSON of this entry without `hash`, `kid` and `signature`.
    pub hash: String,
    /// Key id of the signing key (see `/.well-known/jwks.json`).
    pub kid: String,
    /// Compact JWS (EdDSA) over `{"seq","hash","prev_hash","iat"}`.
    pub signature: String,
}

/// The claims an entry's signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryClaims {
    /// The entry's seq.
    pub seq: i64,
    /// The entry's hash.
    pub hash: String,
    /// The entry's prev_hash.
    pub prev_hash: String,
    /// Signing time, seconds since the epoch.
    pub iat: i64,
}

/// The fields that are hashed, before there is a hash.
#[derive(Debug, Clone)]
pub struct EntryBody<'a> {
    /// seq.
    pub seq: i64,
    /// id.
    pub id: &'a str,
    /// at, as on the wire.
    pub at: &'a str,
    /// actor.
    pub actor: Option<&'a ActorRef>,
    /// action.
    pub action: &'a str,
    /// entity.
    pub entity: &'a EntityRef,
    /// payload.
    pub payload: &'a Value,
    /// prev_hash.
    pub prev_hash: &'a str,
}

impl EntryBody<'_> {
    /// The canonical JSON that is hashed.
    pub fn canonical(&self) -> Result<String, CanonicalError> {
        let value = serde_json::json!({
            "seq": self.seq,
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "entity": self.entity,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
        });
        to_canonical_string(&value)
    }

    /// The same bytes as [`EntryBody::canonical`], around a payload already in canonical form
    /// (the writer stores that form too, so it is made once, and the payload is not copied).
    /// Canonical key order puts `action`, `actor`, `at`, `entity`, `id` before `payload`, and
    /// `prev_hash`, `seq` after it.
    pub fn canonical_around(&self, canonical_payload: &str) -> Result<String, CanonicalError> {
        let before = serde_json::json!({
            "action": self.action,
            "actor": self.actor,
            "at": self.at,
            "entity": self.entity,
            "id": self.id,
        });
        let mut out = to_canonical_string(&before)?;
        out.pop(); // the closing brace
        out.reserve(canonical_payload.len() + self.prev_hash.len() + 40);
        out.push_str(",\"payload\":");
        out.push_str(canonical_payload);
        out.push_str(",\"prev_hash\":");
        out.push_str(&to_canonical_string(&Value::from(self.prev_hash))?);
        out.push_str(",\"seq\":");
        out.push_str(&self.seq.to_string());
        out.push('}');
        Ok(out)
    }

    /// Lower-case hex SHA-256 of the canonical JSON.
    pub fn hash(&self) -> Result<String, CanonicalError> {
        Ok(sha256_hex(self.canonical()?.as_bytes()))
    }
}

impl AuditEntry {
    /// The hashed part of this entry.
    pub fn body(&self) -> EntryBody<'_> {
        EntryBody {
            seq: self.seq,
            id: &self.id,
            at: &self.at,
            actor: self.actor.as_ref(),
            action: &self.action,
            entity: &self.entity,
            payload: &self.payload,
            prev_hash: &self.prev_hash,
        }
    }

    /// The whole entry as one canonical JSON line (the export format).
    pub fn to_line(&self) -> Result<String, CanonicalError> {
        let value = serde_json::to_value(self).map_err(|e| CanonicalError::Float(e.to_string()))?;
        to_canonical_string(&value)
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from_digit((b >> 4) as u32, 16).unwrap_or('0'));
        out.push(char::from_digit((b & 15) as u32, 16).unwrap_or('0'));
    }
    out
}

/// The signing time claimed for an entry committed at `at`.
pub fn iat_of(at: NaiveDateTime) -> i64 {
    crate::time::unix_seconds(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer's way of making the hashed bytes must give exactly what every verifier
    /// computes with [`EntryBody::canonical`].
    #[test]
    fn canonical_around_a_payload_is_the_canonical_body() {
        let actor = ActorRef {
            id: "0192a0b0-0000-7000-8000-000000000001".into(),
            username: "登记员\"一\"\\".into(),
            role: "registrar".into(),
        };
        let entity = EntityRef {
            kind: "contract".into(),
            id: "0192a0b0-0000-7000-8000-0000000000ff".into(),
        };
        let payloads = [
            serde_json::json!({}),
            serde_json::json!({"state": {"title": "临沂\n合同", "amount": "12.50", "n": -3}, "command": [1, null, true]}),
            serde_json::json!({"payload": "\"payload\":null", "€": "\u{1f600}", "a\u{7f}": 1}),
        ];
        let prev_hash = "ab".repeat(32);
        for actor in [None, Some(&actor)] {
            for payload in &payloads {
                let body = EntryBody {
                    seq: 42,
                    id: "0192a0b0-0000-7000-8000-00000000002a",
                    at: "2026-11-30T08:00:00.123456Z",
                    actor,
                    action: "contract.register",
                    entity: &entity,
                    payload,
                    prev_hash: &prev_hash,
                };
                let around = body
                    .canonical_around(&to_canonical_string(payload).expect("canonical"))
                    .expect("canonical");
                assert_eq!(around, body.canonical().expect("canonical"));
            }
        }
    }
}
