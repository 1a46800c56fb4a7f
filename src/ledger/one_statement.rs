//! PostgreSQL: the rows of several tables written by ONE statement, because each statement of
//! a transaction is a network round trip and a write round would otherwise spend most of its
//! time waiting on them. Each table's rows travel as one JSON array bound as a parameter and
//! are turned back into rows by `jsonb_populate_recordset` (the table's own row type, so each
//! value is converted by the column's own type); each table is a data-modifying `WITH` part.
//! PostgreSQL checks foreign keys at the end of the statement, so the parts may reference
//! one another.
//!
//! Column names come from the rows' serde field names, which are the diesel field names and
//! so the column names (diesel's `Insertable` derive maps them one to one). No value is ever
//! spliced into the SQL text.

use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Text};
use diesel::{PgConnection, QueryResult, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;

use crate::audit::chain::ChainHead;

/// What happens to a row whose key is already stored.
#[derive(Debug, Clone, Copy)]
pub(super) enum OnConflict {
    /// Nothing may be there already (append-only rows): the statement fails.
    Refuse,
    /// Running totals: `columns` are added to the stored ones.
    Add {
        key: &'static [&'static str],
        columns: &'static [&'static str],
    },
    /// `columns` replace the stored ones.
    Replace {
        key: &'static [&'static str],
        columns: &'static [&'static str],
    },
}

impl OnConflict {
    /// The `ON CONFLICT` clause (empty when refusing).
    fn clause(self, table: &str) -> String {
        let (key, set): (&[&str], Vec<String>) = match self {
            OnConflict::Refuse => return String::new(),
            OnConflict::Add { key, columns } => (
                key,
                columns
                    .iter()
                    .map(|c| format!("{c} = {table}.{c} + EXCLUDED.{c}"))
                    .collect(),
            ),
            OnConflict::Replace { key, columns } => (
                key,
                columns
                    .iter()
                    .map(|c| format!("{c} = EXCLUDED.{c}"))
                    .collect(),
            ),
        };
        format!(
            " ON CONFLICT ({}) DO UPDATE SET {}",
            key.join(", "),
            set.join(", ")
        )
    }
}

/// One value bound to the statement.
#[derive(Debug)]
enum Bind {
    Text(String),
    BigInt(i64),
}

/// A statement being put together.
#[derive(Debug, Default)]
pub(super) struct OneStatement {
    parts: Vec<String>,
    binds: Vec<Bind>,
}

impl OneStatement {
    /// Inserts `rows` into `table` (nothing when there are none).
    pub fn insert<T: Serialize>(
        &mut self,
        table: &'static str,
        rows: &[T],
        on_conflict: OnConflict,
    ) -> QueryResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let serialise =
            |e: serde_json::Error| diesel::result::Error::SerializationError(Box::new(e));
        let columns: Vec<String> = match serde_json::to_value(&rows[0]).map_err(serialise)? {
            Value::Object(first) => first.keys().map(|k| quoted(k)).collect(),
            _ => {
                return Err(diesel::result::Error::SerializationError(
                    format!("rows for {table} are not JSON objects").into(),
                ));
            }
        };
        self.binds
            .push(Bind::Text(serde_json::to_string(rows).map_err(serialise)?));
        let list = columns.join(", ");
        let upsert = on_conflict.clause(table);
        self.parts.push(format!(
            "INSERT INTO {table} ({list}) SELECT {list} FROM jsonb_populate_recordset(NULL::{table}, ${}::jsonb){upsert}",
            self.binds.len()
        ));
        Ok(())
    }

    /// Moves the chain head to `head`.
    pub fn store_head(&mut self, head: &ChainHead) {
        self.binds.push(Bind::BigInt(head.seq));
        self.binds.push(Bind::Text(head.hash.clone()));
        let n = self.binds.len();
        self.parts.push(format!(
            "UPDATE audit_head SET seq = ${}, hash = ${n} WHERE id = 1",
            n - 1
        ));
    }

    /// Runs it: one round trip, whatever the number of tables and rows.
    pub fn execute(self, conn: &mut PgConnection) -> QueryResult<()> {
        if self.parts.is_empty() {
            return Ok(());
        }
        let with = self
            .parts
            .iter()
            .enumerate()
            .map(|(i, part)| format!("w{i} AS ({part})"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut query: BoxedSqlQuery<'static, Pg, SqlQuery> =
            diesel::sql_query(format!("WITH {with} SELECT 1")).into_boxed();
        for bind in self.binds {
            query = match bind {
                Bind::Text(v) => query.bind::<Text, _>(v),
                Bind::BigInt(v) => query.bind::<BigInt, _>(v),
            };
        }
        query.execute(conn).map(|_| ())
    }
}

/// A column name as an SQL identifier (they are Rust field names; quoting keeps reserved words
/// such as `key` safe).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        year: i32,
        key: &'static str,
    }

    #[test]
    fn nothing_to_write_is_no_statement() {
        let mut s = OneStatement::default();
        s.insert::<Row>("rollups", &[], OnConflict::Refuse)
            .expect("empty is fine");
        assert!(s.parts.is_empty() && s.binds.is_empty());
    }

    #[test]
    fn each_table_is_one_part_with_its_own_parameter() {
        let mut s = OneStatement::default();
        s.insert(
            "rollups",
            &[Row {
                year: 2026,
                key: "a",
            }],
            OnConflict::Add {
                key: &["year", "key"],
                columns: &["contracts"],
            },
        )
        .expect("serialisable");
        s.store_head(&ChainHead {
            seq: 7,
            hash: "0".repeat(64),
        });
        assert_eq!(
            s.parts[0],
            "INSERT INTO rollups (\"key\", \"year\") SELECT \"key\", \"year\" FROM \
             jsonb_populate_recordset(NULL::rollups, $1::jsonb) ON CONFLICT (year, key) DO \
             UPDATE SET contracts = rollups.contracts + EXCLUDED.contracts"
        );
        assert_eq!(
            s.parts[1],
            "UPDATE audit_head SET seq = $2, hash = $3 WHERE id = 1"
        );
        match &s.binds[0] {
            Bind::Text(json) => assert_eq!(json, r#"[{"year":2026,"key":"a"}]"#),
            other => panic!("unexpected bind {other:?}"),
        }
    }
}
