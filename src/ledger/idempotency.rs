//! Idempotency keys: the first answer to a POST, replayed when the same key comes again.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{IdempotencyKey, LedgerError, Outcome};
use crate::db::DbConn;
use crate::db::schema::idempotency_keys;

/// The stored answer for `key` of `user`: `Ok(Some)` to replay, `Err` when the key came with
/// a different request.
pub(super) fn find(
    conn: &mut DbConn,
    user: &str,
    key: &IdempotencyKey,
) -> Result<Option<Outcome>, LedgerError> {
    let stored: Option<(String, String)> = idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(user))
        .filter(idempotency_keys::key.eq(&key.key))
        .select((idempotency_keys::request_hash, idempotency_keys::outcome))
        .first(conn)
        .optional()?;
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

/// Stores the answer for `key`.
pub(super) fn store(
    conn: &mut DbConn,
    user: &str,
    key: &IdempotencyKey,
    outcome: &Outcome,
    now: NaiveDateTime,
) -> Result<(), LedgerError> {
    let text = serde_json::to_string(outcome).map_err(|e| LedgerError::Storage(e.to_string()))?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user),
            idempotency_keys::key.eq(&key.key),
            idempotency_keys::request_hash.eq(&key.request_hash),
            idempotency_keys::outcome.eq(text),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets keys older than `before`.
pub(super) fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
        .execute(conn)
}
