//! Public halves of the audit signing keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::signing_keys;

/// A signing-key row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys, treat_none_as_default_value = false)]
pub struct SigningKeyRow {
    /// Key id.
    pub kid: String,
    /// `audit`.
    pub purpose: String,
    /// `EdDSA`.
    pub algorithm: String,
    /// base64url public key.
    pub public_key: String,
    /// First instant it signs.
    pub valid_from: NaiveDateTime,
    /// When it was retired.
    pub retired_at: Option<NaiveDateTime>,
    /// seq of the key.rotate entry that registered it.
    pub audit_seq: i64,
}

/// Every key, oldest first.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<SigningKeyRow>> {
    signing_keys::table
        .order((signing_keys::valid_from.asc(), signing_keys::kid.asc()))
        .select(SigningKeyRow::as_select())
        .load(conn)
}

/// The key `kid`.
pub fn by_kid(conn: &mut DbConn, kid: &str) -> QueryResult<Option<SigningKeyRow>> {
    signing_keys::table
        .find(kid)
        .select(SigningKeyRow::as_select())
        .get_result(conn)
        .optional()
}
