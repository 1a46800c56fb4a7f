//! Embedded migrations, one folder per backend with the same versions.

use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConn, DbError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// An arbitrary advisory-lock key: server instances starting together migrate one at a time.
const PG_MIGRATION_LOCK: i64 = 0x7ec1_ed6e;

/// Applies every pending migration; returns the versions applied (none when up to date).
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE)
            .map(|v| v.iter().map(|m| m.to_string()).collect())
            .map_err(|e| DbError::Migration(e.to_string())),
        DbConn::Postgres(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))
                .execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES)
                .map(|v| v.iter().map(|m| m.to_string()).collect())
                .map_err(|e| DbError::Migration(e.to_string()));
            diesel::sql_query(format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))
                .execute(c)?;
            result
        }
    }?;
    Ok(applied)
}

/// Where the database stands against the migrations built into this binary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrationState {
    /// Migrations already applied.
    pub applied: usize,
    /// Migrations this binary has that the database lacks.
    pub pending: usize,
    /// The newest applied version.
    pub latest: Option<String>,
}

/// Reads the migration state.
pub fn migration_state(conn: &mut DbConn) -> Result<MigrationState, DbError> {
    fn state<C>(c: &mut C, source: EmbeddedMigrations) -> Result<MigrationState, DbError>
    where
        C: MigrationHarness<C::Backend> + Connection,
    {
        let applied = c
            .applied_migrations()
            .map_err(|e| DbError::Migration(e.to_string()))?;
        let pending = c
            .pending_migrations(source)
            .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(MigrationState {
            applied: applied.len(),
            pending: pending.len(),
            latest: applied.iter().max().map(|v| v.to_string()),
        })
    }
    match conn {
        DbConn::Sqlite(c) => state(c, SQLITE),
        DbConn::Postgres(c) => state(c, POSTGRES),
    }
}

/// The migration versions built in for each backend (a test checks they are the same).
pub fn embedded_versions() -> (Vec<String>, Vec<String>) {
    use diesel::migration::MigrationSource;
    let names = |source: EmbeddedMigrations| -> Vec<String> {
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(&source)
            .map(|ms| ms.iter().map(|m| m.name().version().to_string()).collect())
            .unwrap_or_default()
    };
    (names(SQLITE), names(POSTGRES))
}
