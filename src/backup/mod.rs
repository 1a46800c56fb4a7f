//! `techledger backup DIR` and `techledger restore DIR --database URL`.
//!
//! A backup is a directory: the data (`data.sqlite3`, a copy made by SQLite's `VACUUM INTO`,
//! or `data.sql`, a `pg_dump` snapshot), the public keys (`jwks.json`), a signed checkpoint
//! taken just before the data (`checkpoint.json`) and `manifest.json` with every file's size
//! and SHA-256. The private signing keys are not in it: they are secrets, kept (and backed up)
//! with the data directory.
//!
//! SQLite's online backup API is reachable from here only through raw FFI (diesel does not
//! expose its handle, and this crate has no unsafe code); `VACUUM INTO` gives the same thing
//! that matters — a consistent copy taken in one read transaction while the server keeps
//! writing — and compacts it on the way.
//!
//! The signed contracts of online submissions (`<data_dir>/attachments/<ab>/<sha256>`) are
//! copied into the backup's `attachments/` after the data, each listed in the manifest: a file
//! is kept before the entry naming it is written, so every attachment the snapshot names is
//! there. A file whose content no longer has its name's SHA-256 stops the backup.
//!
//! A restore trusts nothing it reads: the files must match the manifest, the target must be
//! empty, and after loading, the whole chain (hashes, links, signatures from the backup's keys
//! or a pinned root), the reconciliation of every table against it, every attachment the
//! chain names re-hashed where the restore put it, and the checkpoint must hold before it
//! reports success. When they do not, what was loaded is removed again (and the attachments it
//! added).

mod manifest;
mod pg_tools;

use std::path::{Path, PathBuf};

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;

pub use manifest::{ATTACHMENTS, FileEntry, Manifest, attachment_name};

use crate::app::Services;
use crate::attachments::{AttachmentStore, FileCheck};
use crate::audit::checkpoint::{Checkpoint, CheckpointClaims};
use crate::audit::trust::Anchors;
use crate::audit::verify::{Jwks, KeySet};
use crate::db::{Backend, DatabaseUrl, DbConn};

/// The public keys' file.
pub const JWKS: &str = "jwks.json";
/// The checkpoint's file.
pub const CHECKPOINT: &str = "checkpoint.json";

/// The data file of a backup of `backend`.
pub fn data_file(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "data.sqlite3",
        Backend::Postgres => "data.sql",
    }
}

/// Why a backup or a restore failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A file or directory.
    #[error("{0}")]
    Io(String),
    /// The backup does not match its manifest, or is not a backup.
    #[error("refused: {0}")]
    Damaged(String),
    /// The target database is not an empty one of the backup's backend.
    #[error("refused: {0}")]
    Target(String),
    /// `pg_dump` or `psql`.
    #[error("{0}")]
    Tool(String),
    /// The restored data does not verify (and was removed again).
    #[error("refused: {0}")]
    Unverified(String),
    /// The database or the ledger.
    #[error("{0}")]
    Storage(String),
}

impl BackupError {
    fn io(path: &Path, e: std::io::Error) -> BackupError {
        BackupError::Io(format!("{}: {e}", path.display()))
    }

    fn storage(e: impl std::fmt::Display) -> BackupError {
        BackupError::Storage(e.to_string())
    }
}

/// Writes a backup of the service's database into `dir` (created; must be empty if it
/// exists) and returns a one-line summary.
pub fn backup(services: &Services, dir: &Path) -> Result<String, BackupError> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| BackupError::io(dir, e))?
            .next()
            .is_some()
    {
        return Err(BackupError::Io(format!("{} is not empty", dir.display())));
    }
    crate::private_files::private_dir(dir).map_err(|e| BackupError::io(dir, e))?;
    // The checkpoint first: the data taken after it holds at least its entries.
    let checkpoint = services
        .ledger
        .checkpoint_blocking()
        .map_err(BackupError::storage)?;
    let backend = services.db.backend();
    let data = dir.join(data_file(backend));
    match &services.config.database_url {
        DatabaseUrl::Sqlite(_) => {
            let target = data
                .to_str()
                .ok_or_else(|| BackupError::Io(format!("{} is not UTF-8", data.display())))?
                .replace('\'', "''");
            services
                .db
                .run_blocking(|conn| {
                    diesel::sql_query(format!("VACUUM INTO '{target}'"))
                        .execute(conn)
                        .map_err(crate::db::DbError::from)
                })
                .map_err(BackupError::storage)?;
        }
        DatabaseUrl::Postgres(url) => pg_tools::dump(url, &data)?,
    }
    let jwks = services
        .db
        .run_blocking(|conn| {
            crate::audit::jwks::served(conn, &services.keys)
                .map_err(|e| crate::db::DbError::Task(e.to_string()))
        })
        .map_err(BackupError::storage)?;
    write_json(&dir.join(JWKS), &jwks)?;
    write_json(&dir.join(CHECKPOINT), &checkpoint)?;
    let files = [data_file(backend), JWKS, CHECKPOINT]
        .into_iter()
        .map(|name| {
            private_file(&dir.join(name))?;
            FileEntry::of(dir, name)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let attachments = copy_attachments(&AttachmentStore::new(&services.config.data_dir), dir)?;
    let bytes: u64 = files.iter().chain(&attachments).map(|f| f.bytes).sum();
    let attachment_count = attachments.len();
    Manifest {
        format: manifest::FORMAT.to_string(),
        backend: backend.name().to_string(),
        created_at: crate::time::rfc3339(crate::time::now()),
        techledger_version: env!("CARGO_PKG_VERSION").to_string(),
        checkpoint_tree_size: checkpoint.tree_size,
        checkpoint_head_hash: checkpoint.head_hash.clone(),
        files,
        attachments,
    }
    .write(dir)?;
    private_file(&dir.join(manifest::FILE))?;
    Ok(format!(
        "backup of the {} database and {attachment_count} attachments written to {} ({bytes} bytes; checkpoint at seq {}, head {})",
        backend.name(),
        dir.display(),
        checkpoint.tree_size,
        checkpoint.head_hash
    ))
}

/// Copies every kept attachment into the backup's `attachments/`, checking each still has its
/// name's SHA-256 (a changed file is not backed up as if it were the recorded one).
fn copy_attachments(store: &AttachmentStore, dir: &Path) -> Result<Vec<FileEntry>, BackupError> {
    let source = |e: std::io::Error| BackupError::Io(format!("the attachments directory: {e}"));
    let mut out = Vec::new();
    for digest in store.kept().map_err(source)? {
        let Some(from) = store.path_of(&digest) else {
            continue;
        };
        let name = attachment_name(&digest);
        let to = dir.join(&name);
        if let Some(parent) = to.parent() {
            crate::private_files::private_dir(parent).map_err(|e| BackupError::io(parent, e))?;
        }
        std::fs::copy(&from, &to).map_err(|e| BackupError::io(&from, e))?;
        private_file(&to)?;
        let entry = FileEntry::of(dir, &name)?;
        if entry.sha256 != digest {
            return Err(BackupError::Damaged(format!(
                "the attachment {} no longer has its SHA-256 (its content hashes to {}): run techledger verify; nothing was backed up",
                from.display(),
                entry.sha256
            )));
        }
        out.push(entry);
    }
    Ok(out)
}

/// Puts the backup's attachments into `store` (a file already there must be the same), and
/// returns the paths it added, which a refused restore removes again.
fn put_attachments(
    dir: &Path,
    manifest: &Manifest,
    store: &AttachmentStore,
) -> Result<Vec<PathBuf>, BackupError> {
    let mut added = Vec::new();
    let result = (|| {
        for listed in &manifest.attachments {
            let digest = &listed.sha256;
            let Some(to) = store.path_of(digest) else {
                return Err(BackupError::Damaged(format!(
                    "{} is not a digest",
                    listed.name
                )));
            };
            match store.check(digest).map_err(|e| BackupError::io(&to, e))? {
                FileCheck::Intact => continue,
                FileCheck::Changed { actual } => {
                    return Err(BackupError::Target(format!(
                        "{} holds other content (SHA-256 {actual}) under the name of a backed-up attachment: move it away first",
                        to.display()
                    )));
                }
                FileCheck::Missing => {}
            }
            if let Some(parent) = to.parent() {
                crate::private_files::private_dir(parent)
                    .map_err(|e| BackupError::io(parent, e))?;
            }
            let partial = with_suffix(&to, ".restoring");
            std::fs::copy(dir.join(&listed.name), &partial)
                .map_err(|e| BackupError::io(&partial, e))?;
            private_file(&partial)?;
            std::fs::rename(&partial, &to).map_err(|e| BackupError::io(&to, e))?;
            added.push(to);
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(added),
        Err(e) => {
            remove_all(&added);
            Err(e)
        }
    }
}

fn remove_all(paths: &[PathBuf]) {
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), BackupError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| BackupError::Io(format!("{}: {e}", path.display())))?;
    std::fs::write(path, text + "\n").map_err(|e| BackupError::io(path, e))
}

/// The backup holds password hashes and every contract: only its owner may read it.
fn private_file(path: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| BackupError::io(path, e))?;
    }
    Ok(())
}

/// What a successful restore found.
#[derive(Debug, Clone)]
pub struct Restored {
    /// Entries in the restored chain.
    pub entries: u64,
    /// Its head hash.
    pub head_hash: String,
    /// Ledger rows reconciled against the chain.
    pub rows: usize,
    /// The checkpoint of the backup, found in the restored chain.
    pub checkpoint: i64,
    /// Attachments of the backup, in place under the data directory and re-hashed.
    pub attachments: usize,
}

/// Restores the backup in `dir` into the empty database `target` and its attachments into
/// `<data_dir>/attachments`; `trust_root` pins the chain's root key (otherwise the backup's own
/// JWKS is all the keys are checked against).
pub fn restore(
    dir: &Path,
    target: &DatabaseUrl,
    trust_root: Option<&str>,
    data_dir: &Path,
) -> Result<Restored, BackupError> {
    let (manifest, backend) = Manifest::read_and_check(dir)?;
    if backend != target.backend() {
        return Err(BackupError::Target(format!(
            "the backup is of a {} database and restores only onto {} (the target is {})",
            backend.name(),
            backend.name(),
            target.redacted()
        )));
    }
    let store = AttachmentStore::new(data_dir);
    let added = put_attachments(dir, &manifest, &store)?;
    let result =
        restore_data(dir, &manifest, backend, target, trust_root, &store).map(|restored| {
            Restored {
                attachments: manifest.attachments.len(),
                ..restored
            }
        });
    if result.is_err() {
        remove_all(&added);
    }
    result
}

fn restore_data(
    dir: &Path,
    manifest: &Manifest,
    backend: crate::db::Backend,
    target: &DatabaseUrl,
    trust_root: Option<&str>,
    store: &AttachmentStore,
) -> Result<Restored, BackupError> {
    let mut anchors = Anchors::none("backup")
        .with_jwks_file(&dir.join(JWKS))
        .map_err(BackupError::Damaged)?;
    if let Some(root) = trust_root {
        anchors = anchors
            .with_root(root)
            .map_err(|e| BackupError::Target(format!("--trust-root: {e}")))?;
    }
    let checkpoint = read_checkpoint(dir, manifest)?;
    let data = dir.join(data_file(backend));
    match target {
        DatabaseUrl::Sqlite(path) => restore_sqlite(&data, path, |conn| {
            check_restored(conn, &anchors, dir, &checkpoint, store)
        }),
        DatabaseUrl::Postgres(url) => {
            let mut conn = crate::db::establish(target).map_err(BackupError::storage)?;
            if !pg_is_empty(&mut conn)? {
                return Err(BackupError::Target(format!(
                    "{} is not empty: restore only into a new, empty database",
                    target.redacted()
                )));
            }
            drop(conn);
            pg_tools::load(url, &data).inspect_err(|_| {
                let _ = clear_pg(target);
            })?;
            let result = crate::db::establish(target)
                .map_err(BackupError::storage)
                .and_then(|mut conn| check_restored(&mut conn, &anchors, dir, &checkpoint, store));
            if result.is_err() {
                clear_pg(target)?;
            }
            result
        }
    }
}

fn read_checkpoint(dir: &Path, manifest: &Manifest) -> Result<Checkpoint, BackupError> {
    let path = dir.join(CHECKPOINT);
    let text = std::fs::read_to_string(&path).map_err(|e| BackupError::io(&path, e))?;
    let checkpoint: Checkpoint = serde_json::from_str(&text)
        .map_err(|e| BackupError::Damaged(format!("{CHECKPOINT}: not a checkpoint: {e}")))?;
    if checkpoint.tree_size != manifest.checkpoint_tree_size
        || checkpoint.head_hash != manifest.checkpoint_head_hash
    {
        return Err(BackupError::Damaged(format!(
            "{CHECKPOINT} is not the checkpoint the manifest names"
        )));
    }
    Ok(checkpoint)
}

/// SQLite: the copy goes to `<target>.restoring` and becomes `<target>` only once it verifies;
/// otherwise it is deleted.
fn restore_sqlite(
    data: &Path,
    target: &Path,
    check: impl FnOnce(&mut DbConn) -> Result<Restored, BackupError>,
) -> Result<Restored, BackupError> {
    let non_empty = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.len() > 0);
    if non_empty(target) || non_empty(&with_suffix(target, "-wal")) {
        return Err(BackupError::Target(format!(
            "{} exists and is not empty: restore only into a new database file",
            target.display()
        )));
    }
    let partial = with_suffix(target, ".restoring");
    let remove_partial = || {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(with_suffix(&partial, suffix));
        }
    };
    remove_partial();
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::private_files::private_dir(parent).map_err(|e| BackupError::io(parent, e))?;
    }
    std::fs::copy(data, &partial).map_err(|e| BackupError::io(&partial, e))?;
    private_file(&partial)?;
    let result = crate::db::establish(&DatabaseUrl::Sqlite(partial.clone()))
        .map_err(BackupError::storage)
        .and_then(|mut conn| {
            let result = check(&mut conn);
            if result.is_ok() {
                // Everything into the main file, so the rename below moves all of it.
                conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    .map_err(BackupError::storage)?;
            }
            result
        });
    match result {
        Ok(restored) => {
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(with_suffix(target, suffix));
                let _ = std::fs::remove_file(with_suffix(&partial, suffix));
            }
            std::fs::rename(&partial, target).map_err(|e| BackupError::io(target, e))?;
            Ok(restored)
        }
        Err(e) => {
            remove_partial();
            Err(e)
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn pg_is_empty(conn: &mut DbConn) -> Result<bool, BackupError> {
    let count: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM information_schema.tables \
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    .get_result(conn)
    .map_err(BackupError::storage)?;
    Ok(count.n == 0)
}

/// Removes what a failed restore loaded, leaving the database empty as it was found.
fn clear_pg(target: &DatabaseUrl) -> Result<(), BackupError> {
    let mut conn = crate::db::establish(target).map_err(BackupError::storage)?;
    conn.batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        .map_err(|e| {
            BackupError::Storage(format!(
                "the restored data did not verify and could not be removed ({e}): drop the database {} by hand; it is not to be used",
                target.redacted()
            ))
        })
}

/// Brings the restored database to this version's schema, then verifies the chain, the
/// reconciliation (every attachment the chain names re-hashed in `store`) and the backup's
/// checkpoint.
fn check_restored(
    conn: &mut DbConn,
    anchors: &Anchors,
    dir: &Path,
    checkpoint: &Checkpoint,
    store: &AttachmentStore,
) -> Result<Restored, BackupError> {
    crate::db::run_migrations(conn).map_err(BackupError::storage)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let verified =
        crate::audit::verify::verify_database_and_files(conn, threads, anchors, store.clone())
            .map_err(|e| BackupError::Unverified(format!("the restored chain: {e}")))?;
    if !verified.ok {
        return Err(BackupError::Unverified(format!(
            "the restored data does not verify at seq {}: {}",
            verified
                .first_bad_seq
                .map_or_else(|| "?".to_string(), |s| s.to_string()),
            verified.detail.unwrap_or_default()
        )));
    }
    let jwks_path = dir.join(JWKS);
    let jwks: Jwks = std::fs::read_to_string(&jwks_path)
        .map_err(|e| BackupError::io(&jwks_path, e))
        .and_then(|t| {
            serde_json::from_str(&t).map_err(|e| BackupError::Damaged(format!("{JWKS}: {e}")))
        })?;
    let keys = KeySet::from_jwks(&jwks).map_err(BackupError::Damaged)?;
    let unverified = |why: String| BackupError::Unverified(format!("the checkpoint: {why}"));
    let key = keys.public(&checkpoint.kid).ok_or_else(|| {
        unverified(format!(
            "signed by {}, not a key of the chain",
            checkpoint.kid
        ))
    })?;
    let claims: CheckpointClaims =
        crate::audit::verify::open_jws(&checkpoint.signature, &checkpoint.kid, key)
            .map_err(unverified)?;
    if claims.tree_size != checkpoint.tree_size || claims.head_hash != checkpoint.head_hash {
        return Err(unverified("its signed claims differ from it".into()));
    }
    if checkpoint.tree_size > 0 {
        let hash = crate::audit::chain::entry_hash(conn, checkpoint.tree_size).map_err(|_| {
            unverified(format!(
                "the restored chain ends before seq {}: entries are missing",
                checkpoint.tree_size
            ))
        })?;
        if hash != checkpoint.head_hash {
            return Err(unverified(format!(
                "the entry at seq {} does not have the checkpoint's hash",
                checkpoint.tree_size
            )));
        }
    }
    Ok(Restored {
        entries: verified.entries,
        head_hash: verified.head_hash.unwrap_or_default(),
        rows: verified
            .reconciliation
            .as_ref()
            .map_or(0, |r| r.rows.values().sum()),
        checkpoint: checkpoint.tree_size,
        attachments: 0,
    })
}
