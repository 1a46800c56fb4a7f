//! The witness's memory: the last checkpoint it cosigned (origin, tree size, root hash), in a
//! JSON file replaced atomically (a temporary file beside it, synced, renamed over it, the
//! directory synced), so a crash leaves the old state or the new one, never half of either.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::audit::merkle::{self, Hash};

/// The last checkpoint the witness cosigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessState {
    /// The log's origin.
    pub origin: String,
    /// Its tree size.
    pub size: u64,
    /// Its root hash (hex).
    pub root: String,
    /// When it was cosigned (POSIX seconds).
    pub signed_at: u64,
}

impl WitnessState {
    /// The root hash.
    pub fn root_hash(&self) -> Result<Hash, String> {
        merkle::parse_hex(&self.root)
            .ok_or_else(|| format!("the state's root {:?} is not a hash", self.root))
    }

    /// The state in `path`; None when there is no file yet (a witness's first checkpoint).
    pub fn load(path: &Path) -> Result<Option<WitnessState>, String> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| format!("{}: not a witness state: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Replaces the state in `path` atomically.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("{}: {e}", path.display());
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .ok_or_else(|| format!("{} is not a file name", path.display()))?;
        let temp = dir.join(format!(
            ".{}.{}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let mut body = serde_json::to_vec_pretty(self).map_err(|e| e.to_string())?;
        body.push(b'\n');
        let mut file = std::fs::File::create(&temp).map_err(fail)?;
        let written = file.write_all(&body).and_then(|()| file.sync_all());
        drop(file);
        if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path)) {
            let _ = std::fs::remove_file(&temp);
            return Err(fail(e));
        }
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_is_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("tl-wstate-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        assert_eq!(WitnessState::load(&path).unwrap(), None);
        let mut state = WitnessState {
            origin: "log.example/a".into(),
            size: 3,
            root: merkle::hex(&[7u8; 32]),
            signed_at: 1,
        };
        state.save(&path).unwrap();
        state.size = 4;
        state.save(&path).unwrap();
        assert_eq!(WitnessState::load(&path).unwrap(), Some(state.clone()));
        assert_eq!(state.root_hash().unwrap(), [7u8; 32]);
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        std::fs::write(&path, "{").unwrap();
        assert!(WitnessState::load(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
