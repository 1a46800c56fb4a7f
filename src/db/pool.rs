//! Establishing connections (with the SQLite pragmas techledger relies on) and the reader pool.

use std::sync::atomic::{AtomicU64, Ordering};
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

impl DbError {
    /// The database cannot be reached (down, restarting, the connection lost): the client
    /// may retry, nothing of theirs is at fault.
    pub fn is_unreachable(&self) -> bool {
        match self {
            DbError::Connect { .. } | DbError::Pool(_) => true,
            DbError::Query(e) => is_connection_error(e),
            DbError::Migration(_) | DbError::Task(_) | DbError::OutOfRange(_) => false,
        }
    }
}

/// Whether a query failed because the connection to the database is gone: diesel says so for
/// a connection libpq found bad, but a server shutting down answers first with an ordinary
/// error (57P01 "terminating connection due to administrator command", 57P03 "the database
/// system is starting up"), known only by its message.
pub fn is_connection_error(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            [
                "terminating connection",
                "server closed the connection",
                "the database system is",
                "no connection to the server",
                "could not connect",
                "Connection refused",
            ]
            .iter()
            .any(|s| m.contains(s))
        }
        _ => false,
    }
}

/// When (milliseconds since the Unix epoch) a connection was last found lost; for a while
/// after, connections returned to the pool are pinged so that dead ones are dropped (r2d2
/// cannot tell a PostgreSQL connection whose server restarted from a good one by itself).
static LAST_CONNECTION_LOST: AtomicU64 = AtomicU64::new(0);

/// How long after a lost connection returned connections are checked.
const CHECK_AFTER_LOSS: Duration = Duration::from_secs(60);

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Records that a connection to the database was found lost.
pub fn note_connection_lost() {
    LAST_CONNECTION_LOST.store(now_millis(), Ordering::Relaxed);
}

fn connection_lost_recently() -> bool {
    let at = LAST_CONNECTION_LOST.load(Ordering::Relaxed);
    at != 0 && now_millis().saturating_sub(at) < CHECK_AFTER_LOSS.as_millis() as u64
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
        std::thread::panicking()
            || conn.is_broken()
            || (connection_lost_recently() && conn.ping().is_err())
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
