//! Files only the service's own user may read: the data directory (signing keys, and the
//! SQLite database by default) is 0700, the SQLite database and its `-wal` and `-shm` files
//! 0600. Elsewhere than on Unix these do nothing.

use std::io;
use std::path::{Path, PathBuf};

/// Creates `dir` (and its missing parents) with mode 0700, or narrows an existing one to 0700.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if dir.is_dir() {
            let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::info!(dir = %dir.display(), "narrowing the data directory to mode 0700");
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            }
            return Ok(());
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Makes the SQLite database at `path` private before SQLite opens it: a missing file is
/// created empty with mode 0600 (an empty file is an empty database, and SQLite gives the
/// `-wal` and `-shm` files it creates the database file's mode); existing ones are narrowed
/// to 0600.
pub fn private_sqlite_files(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map(drop)
                .or_else(|e| match e.kind() {
                    io::ErrorKind::AlreadyExists => Ok(()),
                    _ => Err(e),
                })?;
        }
        for file in sqlite_files(path) {
            if let Ok(meta) = std::fs::metadata(&file)
                && meta.permissions().mode() & 0o077 != 0
            {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// The database file and the files SQLite keeps beside it in WAL mode.
fn sqlite_files(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}
