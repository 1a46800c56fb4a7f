//! Statements the connection keeps prepared although diesel would not by itself.
//!
//! Diesel never caches an UPDATE or an upsert (their SET list could turn out empty) nor raw
//! SQL, so the write path's UPDATEs, upserts and its one big PostgreSQL statement were parsed
//! (and, on PostgreSQL, planned) again in every transaction — on SQLite a fifth of the writer's
//! time. A [`KeptPrepared`] statement is put together from fixed SQL pieces and bound values;
//! diesel's statement cache keys it by its SQL text and bind types, so each distinct text is
//! prepared once per connection. Values are only ever bound, never spliced into the text.

use std::borrow::Cow;

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Binary, HasSqlType, Integer, Text, Untyped};
use diesel::{QueryResult, RunQueryDsl};

/// One piece of a statement.
#[derive(Debug, Clone)]
enum Piece {
    Sql(Cow<'static, str>),
    Text(String),
    BigInt(i64),
    Integer(i32),
    Binary(Vec<u8>),
}

/// A statement whose SQL text is fixed by the code, kept prepared by the connection.
#[derive(Debug, Clone, Default)]
#[must_use = "a statement does nothing until it is executed"]
pub struct KeptPrepared {
    pieces: Vec<Piece>,
}

impl KeptPrepared {
    /// Starts a statement with `sql`.
    pub fn new(sql: impl Into<Cow<'static, str>>) -> Self {
        KeptPrepared::default().sql(sql)
    }

    /// Appends SQL text. It must not depend on values (bind them instead), or every value
    /// would make a new prepared statement.
    pub fn sql(mut self, sql: impl Into<Cow<'static, str>>) -> Self {
        self.pieces.push(Piece::Sql(sql.into()));
        self
    }

    /// Appends a bound text value.
    pub fn text(mut self, value: impl Into<String>) -> Self {
        self.pieces.push(Piece::Text(value.into()));
        self
    }

    /// Appends a bound BIGINT.
    pub fn bigint(mut self, value: i64) -> Self {
        self.pieces.push(Piece::BigInt(value));
        self
    }

    /// Appends a bound INTEGER.
    pub fn integer(mut self, value: i32) -> Self {
        self.pieces.push(Piece::Integer(value));
        self
    }

    /// Appends a bound BLOB / BYTEA.
    pub fn binary(mut self, value: Vec<u8>) -> Self {
        self.pieces.push(Piece::Binary(value));
        self
    }

    /// Appends `other`, pieces and values alike.
    pub fn then(mut self, other: KeptPrepared) -> Self {
        self.pieces.extend(other.pieces);
        self
    }
}

impl QueryId for KeptPrepared {
    type QueryId = ();
    // No static id: the cache then keys the statement by its SQL text, which differs between
    // statements of this one type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> QueryFragment<DB> for KeptPrepared
where
    DB: Backend + HasSqlType<Text> + HasSqlType<BigInt> + HasSqlType<Integer> + HasSqlType<Binary>,
    String: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
    i32: ToSql<Integer, DB>,
    Vec<u8>: ToSql<Binary, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        for piece in &self.pieces {
            match piece {
                Piece::Sql(sql) => out.push_sql(sql),
                Piece::Text(v) => out.push_bind_param::<Text, _>(v)?,
                Piece::BigInt(v) => out.push_bind_param::<BigInt, _>(v)?,
                Piece::Integer(v) => out.push_bind_param::<Integer, _>(v)?,
                Piece::Binary(v) => out.push_bind_param::<Binary, _>(v)?,
            }
        }
        Ok(())
    }
}

/// Rows come back by name (`QueryableByName`), as with `diesel::sql_query`.
impl Query for KeptPrepared {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for KeptPrepared {}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::{InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;

    use super::*;

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Row {
        #[diesel(sql_type = Text)]
        k: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = Integer)]
        m: i32,
    }

    #[test]
    fn the_same_text_is_prepared_once_and_values_are_only_bound() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").expect("sqlite");
        conn.batch_execute(
            "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT NOT NULL, m INTEGER NOT NULL)",
        )
        .expect("table");
        let cached = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&cached);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().expect("events").push(sql.to_string());
            }
        });
        let upsert = |k: &str, n: i64, m: i32| {
            KeptPrepared::new("INSERT INTO t (k, n, m) VALUES (")
                .text(k)
                .sql(", ")
                .bigint(n)
                .sql(", ")
                .integer(m)
                .sql(") ON CONFLICT (k) DO UPDATE SET n = t.n + EXCLUDED.n, m = EXCLUDED.m")
        };
        let odd = "b'); DROP TABLE t; --";
        for (k, n, m) in [("a", 1, 1), ("a", 2, 5), (odd, 7, 3)] {
            upsert(k, n, m).execute(&mut conn).expect("upsert");
        }
        assert_eq!(
            cached.lock().expect("events").len(),
            1,
            "three executions, one statement put in the cache"
        );
        let rows = diesel::sql_query("SELECT k, n, m FROM t ORDER BY k")
            .load::<Row>(&mut conn)
            .expect("rows");
        let row = |k: &str, n, m| Row {
            k: k.to_string(),
            n,
            m,
        };
        assert_eq!(rows, vec![row("a", 3, 5), row(odd, 7, 3)]);
    }
}
