//! The chain in the database: the locked head row and appending signed entries.
//!
//! Every write transaction locks the head row first (`UPDATE … SET seq = seq`). On PostgreSQL
//! that row lock serialises every writer of every server process on one database; on SQLite
//! the write turns the transaction into a write transaction at once, so two processes never
//! deadlock upgrading a read lock. Either way there is one linear chain.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::canonical::CanonicalError;
use super::entry::{ActorRef, AuditEntry, EntityRef, EntryBody, EntryClaims, iat_of};
use super::keys::{KeyError, KeyPair};
use super::merkle::Hash;
use crate::db::schema::{audit_entries, audit_head};
use crate::db::{DbConn, KeptPrepared};

/// Failures while appending to the chain.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The payload has no canonical form.
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
    /// Signing failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Storage failed.
    #[error("audit storage: {0}")]
    Db(#[from] diesel::result::Error),
    /// The chain's signing keys do not hold: a rotation the previous key did not sign, or a
    /// current key that is not this server's.
    #[error("the audit chain's signing keys cannot be trusted (seq {seq}): {reason}")]
    Untrusted {
        /// seq of the `key.rotate` entry in question.
        seq: i64,
        /// Why.
        reason: String,
    },
    /// The entry would be larger than a transparency-log entry may be.
    #[error("the change is too large to record ({bytes} bytes; at most 65535)")]
    TooLarge {
        /// Its size.
        bytes: usize,
    },
    /// A stored entry could not be read back.
    #[error("audit entry {seq} is unreadable: {reason}")]
    Corrupt {
        /// Its seq.
        seq: i64,
        /// Why.
        reason: String,
    },
}

/// The last entry of the chain (seq 0 and the genesis hash when it is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// seq of the last entry.
    pub seq: i64,
    /// hash of the last entry.
    pub hash: String,
}

/// Locks the head row for the rest of the transaction and reads it, with the kid of the key
/// that signs the next entry (None on a chain that has none yet).
pub(crate) fn lock_head(conn: &mut DbConn) -> QueryResult<(ChainHead, Option<String>)> {
    // One statement (kept prepared: it starts every write transaction) that locks and reads.
    let lock =
        KeptPrepared::new("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash, kid");
    let head = crate::on_backend!(conn, c => lock.get_result::<HeadRow>(c))?;
    Ok((
        ChainHead {
            seq: head.seq,
            hash: head.hash,
        },
        head.kid,
    ))
}

#[derive(QueryableByName)]
struct HeadRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    hash: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    kid: Option<String>,
}

/// Makes `kid` the key that signs the next entries (a rotation, in its transaction).
pub(crate) fn set_head_signer(conn: &mut DbConn, kid: &str) -> QueryResult<()> {
    diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
        .set(audit_head::kid.eq(Some(kid)))
        .execute(conn)?;
    Ok(())
}

/// Reads the head without locking it.
pub fn read_head(conn: &mut DbConn) -> QueryResult<ChainHead> {
    let (seq, hash) = audit_head::table
        .filter(audit_head::id.eq(1))
        .select((audit_head::seq, audit_head::hash))
        .get_result::<(i64, String)>(conn)?;
    Ok(ChainHead { seq, hash })
}

/// The hash of entry `seq`.
pub fn entry_hash(conn: &mut DbConn, seq: i64) -> QueryResult<String> {
    audit_entries::table
        .find(seq)
        .select(audit_entries::hash)
        .get_result(conn)
}

/// Stores the head after appending.
pub(crate) fn store_head(conn: &mut DbConn, head: &ChainHead) -> QueryResult<()> {
    let store = store_head_statement(head);
    crate::on_backend!(conn, c => store.execute(c))?;
    Ok(())
}

/// The statement that moves the head to `head` (PostgreSQL folds it into its one write
/// statement).
pub(crate) fn store_head_statement(head: &ChainHead) -> KeptPrepared {
    KeptPrepared::new("UPDATE audit_head SET seq = ")
        .bigint(head.seq)
        .sql(", hash = ")
        .text(head.hash.clone())
        .sql(" WHERE id = 1")
}

/// An audit entry before it is hashed and signed.
#[derive(Debug, Clone)]
pub struct EntryDraft {
    /// When the change is committed.
    pub at: NaiveDateTime,
    /// Who made it.
    pub actor: Option<ActorRef>,
    /// What kind of change.
    pub action: &'static str,
    /// The record changed.
    pub entity: EntityRef,
    /// The command and resulting state.
    pub payload: Value,
}

/// Makes the entry after `head` (hashed, not signed yet) and advances `head`; the caller
/// signs and inserts it in the same transaction.
pub(crate) fn seal(
    head: &mut ChainHead,
    signer: &KeyPair,
    draft: EntryDraft,
) -> Result<UnsignedEntry, AuditError> {
    let seq = head.seq + 1;
    let id = uuid::Uuid::now_v7().to_string();
    let at = crate::time::rfc3339(draft.at);
    let payload_text = super::canonical::to_canonical_string(&draft.payload)?;
    let body = EntryBody {
        seq,
        id: &id,
        at: &at,
        actor: draft.actor.as_ref(),
        action: draft.action,
        entity: &draft.entity,
        payload: &draft.payload,
        prev_hash: &head.hash,
    };
    let canonical = body.canonical_around(&payload_text)?;
    if canonical.len() > super::tlog::MAX_ENTRY_BYTES {
        return Err(AuditError::TooLarge {
            bytes: canonical.len(),
        });
    }
    let hash = super::entry::sha256_hex(canonical.as_bytes());
    let leaf = super::merkle::leaf_hash(canonical.as_bytes());
    let row = AuditRow {
        seq,
        id,
        at: draft.at,
        actor_id: draft.actor.as_ref().map(|a| a.id.clone()),
        actor_username: draft.actor.as_ref().map(|a| a.username.clone()),
        actor_role: draft.actor.as_ref().map(|a| a.role.clone()),
        action: draft.action.to_string(),
        entity_type: draft.entity.kind.clone(),
        entity_id: draft.entity.id.clone(),
        payload: payload_text,
        prev_hash: std::mem::replace(&mut head.hash, hash.clone()),
        hash,
        kid: signer.kid().to_string(),
        signature: String::new(),
    };
    head.seq = seq;
    Ok(UnsignedEntry(row, leaf))
}

/// An entry hashed into the chain whose signature is still to be made. Signatures depend on
/// nothing but their own entry, so the writer makes them many at a time, on every core, just
/// before it inserts the entries; only [`UnsignedEntry::sign`] turns one into a row.
#[derive(Debug, Clone)]
pub struct UnsignedEntry(AuditRow, Hash);

impl UnsignedEntry {
    /// Its seq.
    pub fn seq(&self) -> i64 {
        self.0.seq
    }

    /// Its leaf hash in the Merkle tree.
    pub fn leaf(&self) -> Hash {
        self.1
    }

    /// The key it is to be signed with.
    pub fn kid(&self) -> &str {
        &self.0.kid
    }

    /// The row to insert, signed by `signer` (whose kid the entry names).
    pub fn sign(self, signer: &KeyPair) -> Result<AuditRow, AuditError> {
        let mut row = self.0;
        if row.kid != signer.kid() {
            return Err(KeyError::Sign(format!(
                "entry {} names key {}, not {}",
                row.seq,
                row.kid,
                signer.kid()
            ))
            .into());
        }
        row.signature = signer.sign(&EntryClaims {
            seq: row.seq,
            hash: row.hash.clone(),
            prev_hash: row.prev_hash.clone(),
            iat: iat_of(row.at),
        })?;
        Ok(row)
    }
}

/// Entries below this many are signed on the calling thread (a thread costs more).
pub const SIGN_ALONE_BELOW: usize = 64;

/// Signs `entries`, each with the signer its kid names, splitting large batches across up to
/// `threads` threads.
pub fn sign_all(
    entries: Vec<UnsignedEntry>,
    signers: &[KeyPair],
    threads: usize,
) -> Result<Vec<AuditRow>, AuditError> {
    let sign_each = |chunk: Vec<UnsignedEntry>| -> Result<Vec<AuditRow>, AuditError> {
        chunk
            .into_iter()
            .map(|entry| {
                let signer = signers
                    .iter()
                    .find(|s| s.kid() == entry.kid())
                    .ok_or_else(|| KeyError::Sign(format!("no signer for key {}", entry.kid())))?;
                entry.sign(signer)
            })
            .collect()
    };
    if entries.len() < SIGN_ALONE_BELOW || threads < 2 {
        return sign_each(entries);
    }
    let per_thread = entries.len().div_ceil(threads);
    let mut chunks = Vec::with_capacity(threads);
    let mut rest = entries;
    while rest.len() > per_thread {
        let tail = rest.split_off(per_thread);
        chunks.push(std::mem::replace(&mut rest, tail));
    }
    chunks.push(rest);
    let first = chunks.remove(0);
    std::thread::scope(|scope| {
        let others: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || sign_each(chunk)))
            .collect();
        let mut signed = sign_each(first)?;
        for handle in others {
            let part = handle
                .join()
                .map_err(|_| KeyError::Sign("a signing thread panicked".into()))??;
            signed.extend(part);
        }
        Ok(signed)
    })
}

/// An audit entry as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = audit_entries, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct AuditRow {
    /// seq.
    pub seq: i64,
    /// id.
    pub id: String,
    /// at (UTC).
    pub at: NaiveDateTime,
    /// actor id.
    pub actor_id: Option<String>,
    /// actor username.
    pub actor_username: Option<String>,
    /// actor role.
    pub actor_role: Option<String>,
    /// action.
    pub action: String,
    /// entity type.
    pub entity_type: String,
    /// entity id.
    pub entity_id: String,
    /// canonical JSON payload.
    pub payload: String,
    /// prev_hash.
    pub prev_hash: String,
    /// hash.
    pub hash: String,
    /// kid.
    pub kid: String,
    /// JWS.
    pub signature: String,
}

impl AuditRow {
    /// The wire form of this row.
    pub fn into_entry(self) -> Result<AuditEntry, AuditError> {
        let payload: Value =
            serde_json::from_str(&self.payload).map_err(|e| AuditError::Corrupt {
                seq: self.seq,
                reason: format!("payload is not JSON: {e}"),
            })?;
        let actor = match (self.actor_id, self.actor_username, self.actor_role) {
            (Some(id), Some(username), Some(role)) => Some(ActorRef { id, username, role }),
            (None, None, None) => None,
            _ => {
                return Err(AuditError::Corrupt {
                    seq: self.seq,
                    reason: "actor is partly missing".into(),
                });
            }
        };
        Ok(AuditEntry {
            seq: self.seq,
            id: self.id,
            at: crate::time::rfc3339(self.at),
            actor,
            action: self.action,
            entity: EntityRef {
                kind: self.entity_type,
                id: self.entity_id,
            },
            payload,
            prev_hash: self.prev_hash,
            hash: self.hash,
            kid: self.kid,
            signature: self.signature,
        })
    }
}

/// Filters of the audit entries browser. `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// Actor user id or username.
    pub actor: Option<String>,
    /// Exact action (`contract.register`) or a prefix ending in `.` (`contract.`).
    pub action: Option<String>,
    /// Entity type.
    pub entity_type: Option<String>,
    /// Entity id.
    pub entity_id: Option<String>,
    /// At or after (UTC).
    pub from: Option<NaiveDateTime>,
    /// Before (UTC).
    pub to: Option<NaiveDateTime>,
}

/// Entries with `seq > after` matching `filter`, in seq order, at most `limit`.
pub fn filtered_entries(
    conn: &mut DbConn,
    filter: &EntryFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, AuditError> {
    let mut q = audit_entries::table
        .filter(audit_entries::seq.gt(after))
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some(actor) = &filter.actor {
        q = q.filter(
            audit_entries::actor_id
                .eq(actor.clone())
                .or(audit_entries::actor_username.eq(actor.clone())),
        );
    }
    if let Some(action) = &filter.action {
        q = match action.strip_suffix('.') {
            Some(prefix) => q.filter(
                audit_entries::action
                    .like(format!(
                        "{}.%",
                        crate::db::models::parties::escape_like(prefix)
                    ))
                    .escape('\\'),
            ),
            None => q.filter(audit_entries::action.eq(action.clone())),
        };
    }
    if let Some(t) = &filter.entity_type {
        q = q.filter(audit_entries::entity_type.eq(t.clone()));
    }
    if let Some(id) = &filter.entity_id {
        q = q.filter(audit_entries::entity_id.eq(id.clone()));
    }
    if let Some(from) = filter.from {
        q = q.filter(audit_entries::at.ge(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(audit_entries::at.lt(to));
    }
    q.order(audit_entries::seq.asc())
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(AuditRow::into_entry)
        .collect()
}

/// Entries with `seq > after`, in order, at most `limit`.
pub fn entries_after(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, AuditError> {
    audit_entries::table
        .filter(audit_entries::seq.gt(after))
        .order(audit_entries::seq.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?
        .into_iter()
        .map(AuditRow::into_entry)
        .collect()
}
