//! Storage: one diesel connection type for SQLite and PostgreSQL, chosen from the URL scheme,
//! a pool for readers, embedded migrations per backend, and the read-side queries.

pub mod models;
pub(crate) mod pool;
pub mod schema;

mod migrate;

mod url;

pub use migrate::{MigrationState, embedded_versions, migration_state, run_migrations};
pub use pool::{DbError, Pool, connect, establish};
pub use url::{Backend, DatabaseUrl};

/// A connection to either backend. All query code is written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// SQLite (bundled), the zero-setup default.
    Sqlite(diesel::SqliteConnection),
    /// PostgreSQL, the production backend.
    Postgres(diesel::PgConnection),
}

impl DbConn {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Postgres(_) => Backend::Postgres,
        }
    }
}
