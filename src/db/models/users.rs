//! Users.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::users;

/// A user row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct UserRow {
    /// UUID.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Name shown on pages.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Office code (registrars).
    pub office: Option<String>,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Can log in.
    pub active: bool,
    /// Tokens of older generations are void.
    pub token_generation: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// seq of the last audit entry that changed it.
    pub audit_seq: i64,
    /// The credit code of the party an applicant submits for (applicants only).
    pub credit_code: Option<String>,
}

/// The user `id`.
pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()
}

/// The user called `username`.
pub fn by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()
}

/// All users, by username.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<UserRow>> {
    users::table
        .order(users::username.asc())
        .select(UserRow::as_select())
        .load(conn)
}

/// Number of active admins.
pub fn active_admins(conn: &mut DbConn) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq("admin"))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)
}

/// The applicants registering at `office` (every office when None), newest first.
pub fn applicants(conn: &mut DbConn, office: Option<&str>) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table
        .filter(users::role.eq("applicant"))
        .into_boxed();
    if let Some(office) = office {
        query = query.filter(users::office.eq(office.to_string()));
    }
    query
        .order((users::created_at.desc(), users::id.desc()))
        .select(UserRow::as_select())
        .load(conn)
}
