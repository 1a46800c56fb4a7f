//! Establishing connections (with the SQLite pragmas techledger relies on) and the reader pool.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, R2D2Connection};

use super::{DatabaseUrl, DbConn};

/// Storage failures. Client mistakes never end up here; these are the server's own problems.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database could not be reached or opened.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// What the driver said.
        reason: String,
    },
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// No pooled connection became free in time.
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A blocking database task did not finish.
    #[error("{0}")]
    Task(String),
    /// Stored figures add up past the 64-bit range (the ledger never writes such; something
    /// else wrote the database).
    #[error("stored figures out of range: {0}")]
    OutOfRange(String),
}

/// SQLite settings for every connection: write-ahead log so readers never block the writer,
/// foreign keys enforced, wait for a busy lock instead of failing, and `synchronous=FULL` so
/// that an acknowledged commit survives a power cut.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 15000; \
     PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; \
     PRAGMA cache_size = -32768; \
     PRAGMA temp_store = MEMORY;";

/// Opens one connection to the database `url` names.
pub fn establish(url: &DatabaseUrl) -> Result<DbConn, DbError> {
    let connect_error = |reason: String| DbError::Connect {
        url: url.redacted(),
        reason,
    };
    match url {
        DatabaseUrl::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                && !dir.is_dir()
            {
                crate::private_files::private_dir(dir)
                    .map_err(|e| connect_error(format!("cannot create {}: {e}", dir.display())))?;
            }
            crate::private_files::private_sqlite_files(path)
                .map_err(|e| connect_error(format!("cannot make it private: {e}")))?;
            let path_str = path
                .to_str()
                .ok_or_else(|| connect_error("the path is not valid UTF-8".into()))?;
            let mut conn = diesel::SqliteConnection::establish(path_str)
                .map_err(|e| connect_error(e.to_string()))?;
            conn.batch_execute(SQLITE_PRAGMAS)
                .map_err(|e| connect_error(e.to_string()))?;
            Ok(DbConn::Sqlite(conn))
        }
        DatabaseUrl::Postgres(raw) => {
            let conn = diesel::PgConnection::establish(raw)
                .map_err(|e| connect_error(redact_in(&e.to_string(), raw, url)))?;
            Ok(DbConn::Postgres(conn))
        }
    }
}

/// libpq sometimes echoes the URL it was given; never let the password through.
fn redact_in(message: &str, raw: &str, url: &DatabaseUrl) -> String {
    message.replace(raw, &url.redacted())
}

/// Hands out connections to the readers.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = DbError;

    fn connect(&self) -> Result<DbConn, DbError> {
        establish(&self.url)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        conn.ping().map_err(DbError::Query)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// The reader pool.
pub type Pool = diesel::r2d2::Pool<Manager>;

/// Checks that the database is reachable, then builds a pool of `size` connections.
pub fn connect(url: &DatabaseUrl, size: u32) -> Result<Pool, DbError> {
    // One direct attempt first: its error names the real cause, where the pool would only
    // say that it timed out.
    drop(establish(url)?);
    diesel::r2d2::Pool::builder()
        .max_size(size.max(1))
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(false)
        .build(Manager { url: url.clone() })
        .map_err(DbError::Pool)
}
