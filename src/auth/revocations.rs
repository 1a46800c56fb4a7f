//! Revoked login tokens: signing out withdraws one token (by its `jti`) before it expires.
//!
//! Revocations are session state, kept outside the audit chain on purpose. DESIGN.md's rule
//! that every change writes one audit entry is about the ledger's records — contracts,
//! parties, users, keys, imports — which the chain must be able to rebuild. A login token is
//! not such a record: issuing one (signing in) writes no entry, so withdrawing one does not
//! either. A revocation changes no figure and no user, it lives only as long as its token and
//! is then purged (an append-only chain could never forget it), and reconciliation would have
//! nothing to compare it with. What does change a user record goes through the ledger: "sign
//! out everywhere" and a password change move the user's `token_generation` with a
//! `user.update` entry.
//!
//! The worst someone with write access to the database can do here is delete a revocation,
//! reviving a token they would still have to possess, until its expiry (at most
//! `auth.token_lifetime_minutes`); they cannot forge tokens, whose key is in the data directory.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::users::UserRow;
use crate::db::schema::{revoked_tokens, users};

/// Records that the token `jti` of `user_id` (valid until `expires_at`) is withdrawn, and
/// purges revocations whose tokens have expired.
pub fn revoke(
    conn: &mut DbConn,
    jti: &str,
    user_id: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::delete(revoked_tokens::table.filter(revoked_tokens::expires_at.lt(now)))
            .execute(conn)?;
        let known = revoked_tokens::table
            .find(jti)
            .select(revoked_tokens::jti)
            .get_result::<String>(conn)
            .optional()?;
        if known.is_none() {
            diesel::insert_into(revoked_tokens::table)
                .values((
                    revoked_tokens::jti.eq(jti),
                    revoked_tokens::user_id.eq(user_id),
                    revoked_tokens::expires_at.eq(expires_at),
                    revoked_tokens::revoked_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The user `user_id` and whether their token `jti` was revoked, in one statement (the guard
/// runs it on every authenticated request).
pub fn user_and_revoked(
    conn: &mut DbConn,
    user_id: &str,
    jti: &str,
) -> QueryResult<Option<(UserRow, bool)>> {
    users::table
        .find(user_id)
        .select((
            UserRow::as_select(),
            diesel::dsl::exists(revoked_tokens::table.find(jti)),
        ))
        .get_result(conn)
        .optional()
}
