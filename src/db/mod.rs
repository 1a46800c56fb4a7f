//! Storage: one diesel connection type for SQLite and PostgreSQL, chosen from the URL scheme,
//! a pool for readers, embedded migrations per backend, and the read-side queries.
//!
//! A lookup by a unique key reads with `get_result`, not `first`: `first` adds `LIMIT ?`, the
//! SQLite bundled here plans with the bound limit's value, and binding it again (even to the
//! same 1) expires the statement, so every execution was prepared anew (~11 µs, measured on the
//! registration counter read).
//!
//! Row types insert `None` as NULL (`treat_none_as_default_value = false`; no column has a
//! default): with diesel's default a `None` leaves its column out, so the SQL text of an insert
//! depended on the values and diesel rebuilt and hashed it on every insert to find the prepared
//! statement (~15 µs for a registration's three rows); now it is found by the row's type.

pub mod models;
pub(crate) mod pool;
pub mod schema;

mod kept_prepared;
mod migrate;

mod url;

pub use kept_prepared::KeptPrepared;
pub use migrate::{MigrationState, embedded_versions, migration_state, run_migrations};
pub use pool::{DbError, Pool, connect, establish, is_connection_error, note_connection_lost};
pub use url::{Backend, DatabaseUrl};

/// Runs one diesel expression on the concrete connection of either backend. The query is still
/// written once; only the hot write path uses this, because diesel prepares and caches a
/// statement on the concrete connection without rebuilding its SQL through the multi-backend
/// layer on every call.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Postgres($c) => $body,
        }
    };
}

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

/// The read side: a pool of connections, used from async handlers on blocking threads.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Wraps a pool.
    pub fn new(pool: Pool, backend: Backend) -> Db {
        Db { pool, backend }
    }

    /// Which backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `f` with a pooled connection on a blocking thread.
    pub async fn run<T, E>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(DbError::Pool)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| E::from(DbError::Task(format!("a database task failed: {e}"))))?
    }

    /// Runs `f` with a pooled connection on the current thread (CLI, start-up).
    pub fn run_blocking<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let mut conn = self.pool.get().map_err(DbError::Pool)?;
        f(&mut conn)
    }
}

/// Runs `f` on one consistent snapshot of the database (several statements, one point in
/// time): PostgreSQL in a repeatable-read transaction, SQLite in a read transaction.
pub fn read_snapshot<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    conn.transaction(|conn| {
        if let DbConn::Postgres(pg) = conn {
            pg.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        f(conn)
    })
}

#[cfg(test)]
mod tests {
    /// Row types insert `None` as NULL (see the module documentation), which is only the same
    /// as leaving the column out while no column has a default.
    #[test]
    fn no_column_has_a_default() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut checked = 0;
        for backend in std::fs::read_dir(&root).expect("migrations") {
            for migration in std::fs::read_dir(backend.expect("a backend").path()).expect("dir") {
                let up = migration.expect("a migration").path().join("up.sql");
                let sql = std::fs::read_to_string(&up).expect("up.sql").to_uppercase();
                assert!(
                    !sql.contains("DEFAULT"),
                    "{} gives a column a default; the row types insert None as NULL",
                    up.display()
                );
                checked += 1;
            }
        }
        assert!(checked >= 4, "found {checked} migrations");
    }
}
