//! Idempotency keys: the first answer to a POST, replayed when the same key comes again.
//!
//! A key's answer is kept with the transaction's other waiting rows and inserted with them
//! (one statement on PostgreSQL); the keys of every queued request are read in one statement
//! when the transaction starts. Several processes sharing one database stay safe: the key is
//! the primary key, so a second process inserting it fails its transaction, whose commands are
//! then run again one by one and find the stored answer.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::pending::Pending;
use super::{IdempotencyKey, LedgerError, Outcome};
use crate::db::DbConn;
use crate::db::schema::idempotency_keys;

/// A stored answer, as inserted.
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = idempotency_keys, treat_none_as_default_value = false)]
pub(super) struct KeyRow {
    pub user_id: String,
    pub key: String,
    pub request_hash: String,
    pub outcome: String,
    pub created_at: NaiveDateTime,
}

/// A key as stored: (user id, the client's key).
pub(super) type KeyId = (String, String);

/// What is known about a key in this transaction: (request hash, answer), or None when the
/// database has none.
pub(super) type Known = Option<(String, String)>;

/// Reads the stored answers of `keys` (user id, key) in one statement.
pub(super) fn read_many(
    conn: &mut DbConn,
    keys: &[(&str, &str)],
) -> Result<Vec<(KeyId, Known)>, LedgerError> {
    let users: Vec<&str> = keys.iter().map(|(u, _)| *u).collect();
    let names: Vec<&str> = keys.iter().map(|(_, k)| *k).collect();
    // Both columns of the primary key, so that the lookup is an index search, not a scan of
    // the day's keys.
    let stored: Vec<(String, String, String, String)> = idempotency_keys::table
        .filter(idempotency_keys::user_id.eq_any(&users))
        .filter(idempotency_keys::key.eq_any(&names))
        .select((
            idempotency_keys::user_id,
            idempotency_keys::key,
            idempotency_keys::request_hash,
            idempotency_keys::outcome,
        ))
        .load(conn)?;
    Ok(keys
        .iter()
        .map(|(user, key)| {
            let found = stored
                .iter()
                .find(|(u, k, _, _)| u == user && k == key)
                .map(|(_, _, hash, outcome)| (hash.clone(), outcome.clone()));
            ((user.to_string(), key.to_string()), found)
        })
        .collect())
}

/// The stored answer for `key` of `user`: `Ok(Some)` to replay, `Err` when the key came with
/// a different request.
pub(super) fn find(
    conn: &mut DbConn,
    pending: &Pending,
    user: &str,
    key: &IdempotencyKey,
) -> Result<Option<Outcome>, LedgerError> {
    let stored = match pending.key(user, &key.key) {
        Some(known) => known,
        None => idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(user))
            .filter(idempotency_keys::key.eq(&key.key))
            .select((idempotency_keys::request_hash, idempotency_keys::outcome))
            .get_result(conn)
            .optional()?,
    };
    match stored {
        None => Ok(None),
        Some((hash, _)) if hash != key.request_hash => Err(LedgerError::conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request",
            "该幂等键已用于另一个请求",
        )),
        Some((_, outcome)) => {
            let mut outcome: Outcome = serde_json::from_str(&outcome)
                .map_err(|e| LedgerError::Storage(format!("stored outcome: {e}")))?;
            outcome.replayed = true;
            Ok(Some(outcome))
        }
    }
}

/// Keeps the answer for `key`, to be inserted with the transaction's other rows.
pub(super) fn store(
    pending: &mut Pending,
    user: &str,
    key: &IdempotencyKey,
    outcome: &Outcome,
    now: NaiveDateTime,
) -> Result<(), LedgerError> {
    let text = serde_json::to_string(outcome).map_err(|e| LedgerError::Storage(e.to_string()))?;
    pending.defer_key(KeyRow {
        user_id: user.to_string(),
        key: key.key.clone(),
        request_hash: key.request_hash.clone(),
        outcome: text,
        created_at: now,
    });
    Ok(())
}

/// Forgets keys older than `before`.
pub(super) fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
        .execute(conn)
}
