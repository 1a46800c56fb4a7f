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

use diesel::{PgConnection, QueryResult, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;

use crate::audit::chain::{self, ChainHead};
use crate::db::KeptPrepared;

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
    /// The `ON CONFLICT` clause (empty when refusing); SQLite takes it as it is.
    pub fn clause(self, table: &str) -> String {
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

/// A statement being put together: one `WITH` part per table.
#[derive(Debug, Default)]
pub(super) struct OneStatement {
    parts: Vec<KeptPrepared>,
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
        let list = columns.join(", ");
        self.parts.push(
            KeptPrepared::new(format!(
                "INSERT INTO {table} ({list}) SELECT {list} FROM jsonb_populate_recordset(NULL::{table}, "
            ))
            .text(serde_json::to_string(rows).map_err(serialise)?)
            .sql(format!("::jsonb){}", on_conflict.clause(table))),
        );
        Ok(())
    }

    /// Moves the chain head to `head`.
    pub fn store_head(&mut self, head: &ChainHead) {
        self.parts.push(chain::store_head_statement(head));
    }

    /// The whole statement (None when there is nothing to write). Its text depends only on
    /// which tables have rows, so the connection keeps the few variants prepared and
    /// PostgreSQL plans each once.
    fn into_statement(self) -> Option<KeptPrepared> {
        let mut parts = self.parts.into_iter().enumerate();
        let (_, first) = parts.next()?;
        let mut statement = KeptPrepared::new("WITH w0 AS (").then(first).sql(")");
        for (i, part) in parts {
            statement = statement.sql(format!(", w{i} AS (")).then(part).sql(")");
        }
        Some(statement.sql(" SELECT 1"))
    }

    /// Runs it: one round trip, whatever the number of tables and rows.
    pub fn execute(self, conn: &mut PgConnection) -> QueryResult<()> {
        match self.into_statement() {
            Some(statement) => statement.execute(conn).map(|_| ()),
            None => Ok(()),
        }
    }
}

/// A column name as an SQL identifier (they are Rust field names; quoting keeps reserved words
/// such as `key` safe).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use diesel::pg::Pg;

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
        assert!(s.into_statement().is_none());
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
        let statement = s.into_statement().expect("two parts");
        let shown = diesel::debug_query::<Pg, _>(&statement).to_string();
        let hash = "0".repeat(64);
        assert_eq!(
            shown,
            format!(
                "WITH w0 AS (INSERT INTO rollups (\"key\", \"year\") SELECT \"key\", \"year\" FROM \
                 jsonb_populate_recordset(NULL::rollups, $1::jsonb) ON CONFLICT (year, key) DO \
                 UPDATE SET contracts = rollups.contracts + EXCLUDED.contracts), \
                 w1 AS (UPDATE audit_head SET seq = $2, hash = $3 WHERE id = 1) SELECT 1 \
                 -- binds: [\"[{{\\\"year\\\":2026,\\\"key\\\":\\\"a\\\"}}]\", 7, \"{hash}\"]"
            )
        );
    }
}
