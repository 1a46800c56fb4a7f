//! Row types (one file per table group) and the read-side queries over them. Rows are plain
//! data; the write functions live in `ledger`, the only module that writes ledger tables.

pub mod audit_keys;
pub mod code_tables;
pub mod contracts;
pub mod parties;
pub mod rollups;
pub mod submissions;
pub mod users;

/// A stored value that does not parse as what its column must hold: the database was edited
/// behind the application's back, or is damaged.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{table} {id}: column {column} holds {value:?}, which is not valid")]
pub struct CorruptRow {
    /// Table name.
    pub table: &'static str,
    /// Row id.
    pub id: String,
    /// Column name.
    pub column: &'static str,
    /// The stored value.
    pub value: String,
}

/// Parses a stored column, naming the row on failure.
pub(crate) fn column<T, E>(
    table: &'static str,
    id: &str,
    column: &'static str,
    value: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, CorruptRow> {
    parse(value).map_err(|_| CorruptRow {
        table,
        id: id.to_string(),
        column,
        value: value.to_string(),
    })
}
