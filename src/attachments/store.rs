//! The directory of attachments: receiving an upload (hashed and size-checked as it streams to
//! a private temporary file), keeping it under its digest, reading it back, re-hashing it.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use rocket::tokio::fs::File;
use rocket::tokio::io::AsyncWriteExt;
use sha2::{Digest, Sha256};

use super::AttachmentKind;
use crate::audit::entry::to_hex;

/// The attachments directory under a data directory.
#[derive(Debug, Clone)]
pub struct AttachmentStore {
    dir: PathBuf,
}

/// Why an upload was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// Larger than the limit.
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    /// Empty.
    #[error("the file is empty")]
    Empty,
    /// Not a PDF, JPEG or PNG by its content.
    #[error("the file is not a PDF, JPEG or PNG by its content")]
    WrongKind,
    /// The disk.
    #[error("storing the file failed: {0}")]
    Io(#[from] io::Error),
}

/// An upload being written to its temporary file.
pub struct Receiving {
    temp: Option<PathBuf>,
    file: File,
    hasher: Sha256,
    head: Vec<u8>,
    size: u64,
    limit: u64,
}

/// A complete upload, in its temporary file until kept (removed when dropped).
#[derive(Debug)]
pub struct Received {
    temp: Option<PathBuf>,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Its kind, by content.
    pub kind: AttachmentKind,
    /// Bytes.
    pub size: u64,
}

/// What re-hashing a stored attachment found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileCheck {
    /// The content has the digest it is stored under.
    Intact,
    /// No file under that digest.
    Missing,
    /// The file's content hashes to another digest.
    Changed {
        /// The digest of what is there now.
        actual: String,
    },
}

/// Whether `sha256` is 64 lower-case hex digits (anything else never names a file).
pub fn is_digest(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl AttachmentStore {
    /// The store of `data_dir` (nothing is created until a file arrives).
    pub fn new(data_dir: &Path) -> AttachmentStore {
        AttachmentStore {
            dir: data_dir.join("attachments"),
        }
    }

    /// The digests of every kept file (not the uploads still arriving in `incoming/`), sorted;
    /// none when nothing was ever kept.
    pub fn kept(&self) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        let top = match std::fs::read_dir(&self.dir) {
            Ok(top) => top,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for shard in top {
            let shard = shard?;
            let name = shard.file_name();
            let Some(prefix) = name.to_str() else {
                continue;
            };
            if prefix.len() != 2 || !shard.file_type()?.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(shard.path())? {
                let file = file?;
                if let Some(digest) = file.file_name().to_str()
                    && is_digest(digest)
                    && digest.starts_with(prefix)
                    && file.file_type()?.is_file()
                {
                    out.push(digest.to_string());
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Where the file with `sha256` lives (None for something that is not a digest).
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_digest(sha256).then(|| self.dir.join(&sha256[..2]).join(sha256))
    }

    /// Starts receiving an upload of at most `limit` bytes.
    pub async fn begin(&self, limit: u64) -> Result<Receiving, ReceiveError> {
        let temp_dir = self.dir.join("incoming");
        crate::private_files::private_dir(&self.dir)?;
        crate::private_files::private_dir(&temp_dir)?;
        let temp = temp_dir.join(uuid::Uuid::new_v4().simple().to_string());
        let mut options = rocket::tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let file = options.open(&temp).await?;
        Ok(Receiving {
            temp: Some(temp),
            file,
            hasher: Sha256::new(),
            head: Vec::with_capacity(16),
            size: 0,
            limit,
        })
    }

    /// Moves a received file to its place under its digest (a file already there has the same
    /// content: the temporary one is dropped). Returns its digest.
    pub fn keep(&self, mut received: Received) -> io::Result<String> {
        let Some(target) = self.path_of(&received.sha256) else {
            return Err(io::Error::other("not a digest"));
        };
        let Some(temp) = received.temp.take() else {
            return Ok(received.sha256.clone());
        };
        if let Some(parent) = target.parent() {
            crate::private_files::private_dir(parent)?;
        }
        if target.exists() {
            std::fs::remove_file(&temp)?;
        } else {
            std::fs::rename(&temp, &target)?;
        }
        Ok(received.sha256.clone())
    }

    /// The content of the file with `sha256`.
    pub async fn read(&self, sha256: &str) -> io::Result<Vec<u8>> {
        let path = self
            .path_of(sha256)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not a digest"))?;
        rocket::tokio::fs::read(path).await
    }

    /// Re-hashes the file stored under `sha256`.
    pub fn check(&self, sha256: &str) -> io::Result<FileCheck> {
        let Some(path) = self.path_of(sha256) else {
            return Ok(FileCheck::Missing);
        };
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(FileCheck::Missing),
            Err(e) => return Err(e),
        };
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let actual = to_hex(&hasher.finalize());
        Ok(if actual == sha256 {
            FileCheck::Intact
        } else {
            FileCheck::Changed { actual }
        })
    }
}

impl Receiving {
    /// Takes the next chunk.
    pub async fn push(&mut self, chunk: &[u8]) -> Result<(), ReceiveError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(ReceiveError::TooLarge(self.limit));
        }
        if self.head.len() < 8 {
            let want = (8 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..want]);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await?;
        Ok(())
    }

    /// The whole file has arrived: checks its kind and flushes it.
    pub async fn finish(mut self) -> Result<Received, ReceiveError> {
        if self.size == 0 {
            return Err(ReceiveError::Empty);
        }
        let kind = AttachmentKind::sniff(&self.head).ok_or(ReceiveError::WrongKind)?;
        self.file.flush().await?;
        self.file.sync_all().await?;
        Ok(Received {
            temp: self.temp.take(),
            sha256: to_hex(&std::mem::take(&mut self.hasher).finalize()),
            kind,
            size: self.size,
        })
    }
}

impl Drop for Receiving {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}

impl Drop for Received {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store() -> (AttachmentStore, PathBuf) {
        let dir = std::env::temp_dir().join(format!("tl-att-{}", uuid::Uuid::new_v4().simple()));
        (AttachmentStore::new(&dir), dir)
    }

    #[rocket::async_test]
    async fn a_file_is_kept_under_its_digest_privately_and_once() {
        let (store, dir) = temp_store();
        let body = b"%PDF-1.4 signed contract".to_vec();
        let mut r = store.begin(1024).await.unwrap();
        r.push(&body[..3]).await.unwrap();
        r.push(&body[3..]).await.unwrap();
        let received = r.finish().await.unwrap();
        assert_eq!(received.kind, AttachmentKind::Pdf);
        assert_eq!(received.sha256, crate::audit::entry::sha256_hex(&body));
        let sha = store.keep(received).unwrap();
        assert_eq!(store.read(&sha).await.unwrap(), body);
        assert_eq!(store.check(&sha).unwrap(), FileCheck::Intact);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = store.path_of(&sha).unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
            assert_eq!(mode(&dir.join("attachments")), 0o700);
        }
        // The same content again: still one file, nothing left in incoming/.
        let mut r = store.begin(1024).await.unwrap();
        r.push(&body).await.unwrap();
        store.keep(r.finish().await.unwrap()).unwrap();
        let incoming = std::fs::read_dir(dir.join("attachments/incoming")).unwrap();
        assert_eq!(incoming.count(), 0);
        std::fs::write(store.path_of(&sha).unwrap(), b"%PDF-1.4 another contract").unwrap();
        assert!(matches!(
            store.check(&sha).unwrap(),
            FileCheck::Changed { .. }
        ));
        std::fs::remove_file(store.path_of(&sha).unwrap()).unwrap();
        assert_eq!(store.check(&sha).unwrap(), FileCheck::Missing);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[rocket::async_test]
    async fn too_large_empty_or_of_another_kind_leaves_nothing() {
        let (store, dir) = temp_store();
        let mut r = store.begin(10).await.unwrap();
        assert!(matches!(
            r.push(b"%PDF-1.4 more than ten bytes").await,
            Err(ReceiveError::TooLarge(10))
        ));
        drop(r);
        let r = store.begin(10).await.unwrap();
        assert!(matches!(r.finish().await, Err(ReceiveError::Empty)));
        let mut r = store.begin(100).await.unwrap();
        r.push(b"MZ\x90\x00 a program").await.unwrap();
        assert!(matches!(r.finish().await, Err(ReceiveError::WrongKind)));
        let incoming = std::fs::read_dir(dir.join("attachments/incoming")).unwrap();
        assert_eq!(incoming.count(), 0);
        assert_eq!(store.path_of("../../etc/passwd"), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
