//! Signed checkpoints: the chain's size and head hash at a moment, signed by the audit key, so
//! that a later truncation or rewrite of the chain contradicts something already published.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::chain::{AuditError, ChainHead};
use super::keys::{KeyError, KeyPair};
use super::merkle::Hash;
use super::note::{self, CheckpointBody, Note};
use crate::db::DbConn;
use crate::db::schema::audit_checkpoints;

/// A signed checkpoint as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Checkpoint {
    /// Number of entries covered (= seq of the head).
    pub tree_size: i64,
    /// hash of the entry at seq = tree_size.
    pub head_hash: String,
    /// When it was signed (RFC 3339).
    pub at: String,
    /// Signing key.
    pub kid: String,
    /// Compact JWS (EdDSA) over `{"tree_size","head_hash","at","iat"}`.
    pub signature: String,
    /// The Merkle tree's root hash at this size (hex); absent on checkpoints made before the
    /// tree existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_hash: Option<String>,
    /// The same checkpoint as a C2SP tlog-checkpoint signed note (what `/log/checkpoint`
    /// serves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The claims a checkpoint's signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointClaims {
    /// Entries covered.
    pub tree_size: i64,
    /// Head hash.
    pub head_hash: String,
    /// When (RFC 3339).
    pub at: String,
    /// When (seconds since the epoch).
    pub iat: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_checkpoints, treat_none_as_default_value = false)]
struct CheckpointRow {
    tree_size: i64,
    head_hash: String,
    at: NaiveDateTime,
    kid: String,
    signature: String,
    root_hash: Option<Vec<u8>>,
    note: Option<String>,
}

impl From<CheckpointRow> for Checkpoint {
    fn from(r: CheckpointRow) -> Self {
        Checkpoint {
            tree_size: r.tree_size,
            head_hash: r.head_hash,
            at: crate::time::rfc3339(r.at),
            kid: r.kid,
            signature: r.signature,
            root_hash: r.root_hash.as_deref().map(super::entry::to_hex),
            note: r.note,
        }
    }
}

/// Signs and stores a checkpoint of `head`, whose Merkle tree has root `root` — as a JWS and
/// as a C2SP signed note under `origin` (or returns the stored one of the same size).
pub(crate) fn store(
    conn: &mut DbConn,
    head: &ChainHead,
    root: &Hash,
    origin: &str,
    signer: &KeyPair,
    at: NaiveDateTime,
) -> Result<Checkpoint, AuditError> {
    if let Some(existing) = by_size(conn, head.seq)? {
        return Ok(existing);
    }
    let at_text = crate::time::rfc3339(at);
    let signature = signer.sign(&CheckpointClaims {
        tree_size: head.seq,
        head_hash: head.hash.clone(),
        at: at_text,
        iat: crate::time::unix_seconds(at),
    })?;
    let text = CheckpointBody {
        origin: origin.to_string(),
        size: u64::try_from(head.seq).unwrap_or(0),
        root: *root,
    }
    .text();
    let line = note::sign(&text, origin, signer).map_err(|e| KeyError::Sign(e.to_string()))?;
    let row = CheckpointRow {
        tree_size: head.seq,
        head_hash: head.hash.clone(),
        at,
        kid: signer.kid().to_string(),
        signature,
        root_hash: Some(root.to_vec()),
        note: Some(
            Note {
                text,
                signatures: vec![line],
            }
            .encode(),
        ),
    };
    diesel::insert_into(audit_checkpoints::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.into())
}

/// The stored checkpoint covering `size` entries.
pub fn by_size(conn: &mut DbConn, size: i64) -> QueryResult<Option<Checkpoint>> {
    audit_checkpoints::table
        .find(size)
        .select(CheckpointRow::as_select())
        .get_result(conn)
        .optional()
        .map(|r| r.map(Checkpoint::from))
}

/// The newest stored checkpoint that has a signed note (every one since the Merkle tree).
pub fn latest_note(conn: &mut DbConn) -> QueryResult<Option<Checkpoint>> {
    audit_checkpoints::table
        .filter(audit_checkpoints::note.is_not_null())
        .order(audit_checkpoints::tree_size.desc())
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()
        .map(|r| r.map(Checkpoint::from))
}

/// The smallest stored checkpoint with a signed note covering at least `size` entries.
pub fn covering(conn: &mut DbConn, size: i64) -> QueryResult<Option<Checkpoint>> {
    audit_checkpoints::table
        .filter(audit_checkpoints::note.is_not_null())
        .filter(audit_checkpoints::tree_size.ge(size))
        .order(audit_checkpoints::tree_size.asc())
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()
        .map(|r| r.map(Checkpoint::from))
}

/// The witnesses' signature lines stored for the checkpoint of `size`.
pub fn cosignature_lines(conn: &mut DbConn, size: i64) -> QueryResult<Vec<String>> {
    use crate::db::schema::tlog_cosignatures;
    tlog_cosignatures::table
        .filter(tlog_cosignatures::tree_size.eq(size))
        .order(tlog_cosignatures::witness.asc())
        .select(tlog_cosignatures::signature_line)
        .load(conn)
}

/// The newest stored checkpoint.
pub fn latest(conn: &mut DbConn) -> QueryResult<Option<Checkpoint>> {
    audit_checkpoints::table
        .order(audit_checkpoints::tree_size.desc())
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()
        .map(|r| r.map(Checkpoint::from))
}

/// Stored checkpoints, newest first, below `before` (a tree size) when given.
pub fn list(conn: &mut DbConn, before: Option<i64>, limit: i64) -> QueryResult<Vec<Checkpoint>> {
    let mut q = audit_checkpoints::table
        .select(CheckpointRow::as_select())
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(audit_checkpoints::tree_size.lt(b));
    }
    Ok(q.order(audit_checkpoints::tree_size.desc())
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(Checkpoint::from)
        .collect())
}
