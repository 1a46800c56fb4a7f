//! Parties and their versions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{parties, party_versions};
use crate::db::{DbConn, KeptPrepared};

/// A party row (current state).
#[derive(
    Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = parties, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct PartyRow {
    /// UUID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: Option<String>,
    /// Kind code.
    pub kind: String,
    /// GB/T 2260 region.
    pub region: String,
    /// Party-nature code of the registration form.
    pub nature_code: Option<String>,
    /// ISO 3166 alpha-3, foreign parties only.
    pub country: Option<String>,
    /// Legal representative (法定代表人).
    pub legal_representative: Option<String>,
    /// Version.
    pub version: i32,
    /// Who created it.
    pub created_by: Option<String>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// seq of the last audit entry that changed it.
    pub audit_seq: i64,
}

/// A party version row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = party_versions, treat_none_as_default_value = false)]
pub struct PartyVersionRow {
    /// Party.
    pub party_id: String,
    /// Version.
    pub version: i32,
    /// Name.
    pub name: String,
    /// Credit code.
    pub credit_code: Option<String>,
    /// Kind.
    pub kind: String,
    /// Region.
    pub region: String,
    /// Nature code.
    pub nature_code: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Legal representative.
    pub legal_representative: Option<String>,
    /// Why it changed.
    pub reason: Option<String>,
    /// Who changed it.
    pub actor_id: Option<String>,
    /// When.
    pub recorded_at: NaiveDateTime,
    /// Its audit entry.
    pub audit_seq: i64,
}

/// The party `id`.
pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<PartyRow>> {
    parties::table
        .find(id)
        .select(PartyRow::as_select())
        .get_result(conn)
        .optional()
}

/// The parties with any of `ids` or any of `codes` (at most a few hundred of each).
pub fn by_ids_or_codes(
    conn: &mut DbConn,
    ids: &[&str],
    codes: &[&str],
) -> QueryResult<Vec<PartyRow>> {
    match conn {
        // The write path runs this at the start of every transaction. A registration names
        // two parties, mostly by id: a statement of its own for that, typed (the rows are read
        // by position, not looked up by name).
        DbConn::Sqlite(c) if codes.is_empty() && matches!(ids.len(), 1 | 2) => {
            let (first, second) = (ids[0], ids[ids.len() - 1]);
            parties::table
                .filter(parties::id.eq(first).or(parties::id.eq(second)))
                .select(PartyRow::as_select())
                .load(c)
        }
        // diesel gives SQLite one placeholder per value, a statement text (prepared again)
        // for every count; as JSON arrays the lists keep one text, kept prepared.
        DbConn::Sqlite(c) => {
            let json = |values: &[&str]| {
                serde_json::to_string(values)
                    .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
            };
            KeptPrepared::new("SELECT * FROM parties WHERE id IN (SELECT value FROM json_each(")
                .text(json(ids)?)
                .sql(")) OR credit_code IN (SELECT value FROM json_each(")
                .text(json(codes)?)
                .sql("))")
                .load::<PartyRow>(c)
        }
        // PostgreSQL binds each list as one array.
        DbConn::Postgres(c) => parties::table
            .filter(
                parties::id
                    .eq_any(ids)
                    .or(parties::credit_code.eq_any(codes)),
            )
            .select(PartyRow::as_select())
            .load(c),
    }
}

/// The party with credit code `code`.
pub fn by_credit_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<PartyRow>> {
    parties::table
        .filter(parties::credit_code.eq(code))
        .select(PartyRow::as_select())
        .get_result(conn)
        .optional()
}

/// Every version of party `id`, oldest first.
pub fn versions(conn: &mut DbConn, id: &str) -> QueryResult<Vec<PartyVersionRow>> {
    party_versions::table
        .filter(party_versions::party_id.eq(id))
        .order(party_versions::version.asc())
        .select(PartyVersionRow::as_select())
        .load(conn)
}

/// A page of parties ordered by id, optionally filtered by a name substring or a credit code.
pub fn search(
    conn: &mut DbConn,
    q: Option<&str>,
    credit_code: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<PartyRow>> {
    let mut query = parties::table.select(PartyRow::as_select()).into_boxed();
    if let Some(q) = q {
        query = query.filter(
            parties::name
                .like(format!("%{}%", escape_like(q)))
                .escape('\\'),
        );
    }
    if let Some(code) = credit_code {
        query = query.filter(parties::credit_code.eq(code.to_uppercase()));
    }
    if let Some(after) = after {
        query = query.filter(parties::id.gt(after));
    }
    query.order(parties::id.asc()).limit(limit).load(conn)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
