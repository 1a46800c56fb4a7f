//! The backup's manifest: what the backup holds, each file with its size and SHA-256, so a
//! damaged or altered file is refused before anything is restored.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::BackupError;
use crate::db::Backend;

/// The format this version writes and reads.
pub const FORMAT: &str = "techledger-backup/1";

/// The manifest's file name inside a backup directory.
pub const FILE: &str = "manifest.json";

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// `sqlite` or `postgres`: a backup restores onto the backend it was taken from.
    pub backend: String,
    /// When the backup was taken (RFC 3339, UTC).
    pub created_at: String,
    /// The techledger version that wrote it.
    pub techledger_version: String,
    /// The checkpoint taken just before the data (`checkpoint.json`): the restored chain must
    /// hold it.
    pub checkpoint_tree_size: i64,
    /// Its head hash.
    pub checkpoint_head_hash: String,
    /// Every file of the backup but the manifest and the attachments.
    pub files: Vec<FileEntry>,
    /// The signed contracts of online submissions, `attachments/<ab>/<sha256>` as in the data
    /// directory: each is content-addressed, so its name is its SHA-256 too. (Backups written
    /// before attachments existed have none.)
    #[serde(default)]
    pub attachments: Vec<FileEntry>,
}

/// One file of the backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Its name inside the backup directory.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of its content (lower-case hex).
    pub sha256: String,
}

impl FileEntry {
    /// Describes the file `name` in `dir` as it is now.
    pub fn of(dir: &Path, name: &str) -> Result<FileEntry, BackupError> {
        let (bytes, sha256) = hash_file(&dir.join(name))?;
        Ok(FileEntry {
            name: name.to_string(),
            bytes,
            sha256,
        })
    }
}

/// Size and SHA-256 of a file, read in blocks (a database dump may be large).
fn hash_file(path: &Path) -> Result<(u64, String), BackupError> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| BackupError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| BackupError::io(path, e))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok((total, crate::audit::entry::to_hex(&hasher.finalize())))
}

impl Manifest {
    /// Writes the manifest into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), BackupError> {
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| BackupError::Damaged(format!("the manifest: {e}")))?;
        let path = dir.join(FILE);
        std::fs::write(&path, text + "\n").map_err(|e| BackupError::io(&path, e))
    }

    /// Reads the manifest of `dir` and checks every file it names against its size and hash,
    /// and that it names the files a backup of its backend needs.
    pub fn read_and_check(dir: &Path) -> Result<(Manifest, Backend), BackupError> {
        let path = dir.join(FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            BackupError::Damaged(format!(
                "{}: {e} (is {} a techledger backup?)",
                path.display(),
                dir.display()
            ))
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            BackupError::Damaged(format!("{}: not a manifest: {e}", path.display()))
        })?;
        if manifest.format != FORMAT {
            return Err(BackupError::Damaged(format!(
                "{}: format {:?}, this version reads {FORMAT:?}",
                path.display(),
                manifest.format
            )));
        }
        let backend = match manifest.backend.as_str() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => {
                return Err(BackupError::Damaged(format!(
                    "{}: unknown backend {other:?}",
                    path.display()
                )));
            }
        };
        for needed in [super::data_file(backend), super::JWKS, super::CHECKPOINT] {
            if !manifest.files.iter().any(|f| f.name == needed) {
                return Err(BackupError::Damaged(format!(
                    "the manifest does not list {needed}"
                )));
            }
        }
        for listed in &manifest.files {
            if listed.name.contains(['/', '\\']) || listed.name.starts_with('.') {
                return Err(BackupError::Damaged(format!(
                    "the manifest lists {:?}, which is not a file of the backup directory",
                    listed.name
                )));
            }
            let found = FileEntry::of(dir, &listed.name).map_err(|e| {
                BackupError::Damaged(format!("{} is missing or unreadable: {e}", listed.name))
            })?;
            if found != *listed {
                return Err(BackupError::Damaged(format!(
                    "{} does not match the manifest ({} bytes, SHA-256 {}; the manifest says {} bytes, SHA-256 {}): the backup is damaged or was altered",
                    listed.name, found.bytes, found.sha256, listed.bytes, listed.sha256
                )));
            }
        }
        for listed in &manifest.attachments {
            let digest = attachment_digest(&listed.name).ok_or_else(|| {
                BackupError::Damaged(format!(
                    "the manifest lists the attachment {:?}, which is not attachments/<ab>/<sha256>",
                    listed.name
                ))
            })?;
            if listed.sha256 != digest {
                return Err(BackupError::Damaged(format!(
                    "the manifest gives {} the SHA-256 {}, not the one its name is",
                    listed.name, listed.sha256
                )));
            }
            let found = FileEntry::of(dir, &listed.name).map_err(|e| {
                BackupError::Damaged(format!(
                    "the attachment {} is missing or unreadable: {e}",
                    listed.name
                ))
            })?;
            if found != *listed {
                return Err(BackupError::Damaged(format!(
                    "the attachment {} does not match the manifest ({} bytes, SHA-256 {}): the backup is damaged or was altered",
                    listed.name, found.bytes, found.sha256
                )));
            }
        }
        Ok((manifest, backend))
    }
}

/// The name of an attachment inside a backup (and under a data directory).
pub fn attachment_name(sha256: &str) -> String {
    format!("{ATTACHMENTS}/{}/{sha256}", &sha256[..2])
}

/// The directory of attachments inside a backup, as under a data directory.
pub const ATTACHMENTS: &str = "attachments";

/// The digest an attachment's name carries, if it is `attachments/<ab>/<sha256>`.
fn attachment_digest(name: &str) -> Option<&str> {
    let mut parts = name.split('/');
    let (Some(ATTACHMENTS), Some(shard), Some(digest), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    (crate::attachments::is_digest(digest) && digest.starts_with(shard) && shard.len() == 2)
        .then_some(digest)
}
