//! The witness's own key: an Ed25519 key for C2SP tlog-cosignature v1, kept in a file only its
//! owner can read, in the signer-key text form of Go's `note` package with the cosignature
//! type: `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 ‖ 32-byte seed)>`.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;

use crate::audit::note::{ALG_COSIGNATURE_V1, VerifierKey, check_name, key_id};

/// A witness key: its name and the signing key.
pub struct WitnessKey {
    /// The key name: the witness's name in its signature lines.
    pub name: String,
    /// The Ed25519 key.
    pub key: SigningKey,
}

impl std::fmt::Debug for WitnessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WitnessKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl WitnessKey {
    /// A fresh key from the operating system's random source.
    pub fn generate(name: &str) -> Result<WitnessKey, String> {
        check_name(name).map_err(|e| e.to_string())?;
        Ok(WitnessKey {
            name: name.to_string(),
            key: SigningKey::generate(&mut rand::rngs::OsRng),
        })
    }

    /// The verifier key the log's operator puts in `audit.witnesses`.
    pub fn vkey(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            alg: ALG_COSIGNATURE_V1,
            key: self.key.verifying_key(),
        }
    }

    /// The private key's text.
    fn encode(&self) -> String {
        let id = key_id(
            &self.name,
            ALG_COSIGNATURE_V1,
            self.key.verifying_key().as_bytes(),
        );
        let mut material = vec![ALG_COSIGNATURE_V1];
        material.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}\n",
            self.name,
            crate::audit::entry::to_hex(&id),
            STANDARD.encode(material)
        )
    }

    /// Parses the private key's text; its key ID must match.
    pub fn parse(text: &str) -> Result<WitnessKey, String> {
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or("a witness key file holds PRIVATE+KEY+<name>+<key ID>+<key>")?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err("a witness key file holds PRIVATE+KEY+<name>+<key ID>+<key>".into());
        };
        check_name(name).map_err(|e| e.to_string())?;
        let material = STANDARD
            .decode(material)
            .map_err(|_| "the witness key is not base64")?;
        let (alg, seed) = material.split_first().ok_or("the witness key is empty")?;
        if *alg != ALG_COSIGNATURE_V1 {
            return Err(format!(
                "the key has signature type 0x{alg:02x}, not 0x04 (cosignature/v1)"
            ));
        }
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| "the witness key is not a 32-byte Ed25519 seed")?;
        let key = WitnessKey {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        };
        if key.vkey().encode().split('+').nth(1) != Some(id.to_ascii_lowercase().as_str()) {
            return Err("the witness key's ID does not match its name and key".into());
        }
        Ok(key)
    }

    /// Writes the key to a new file `path` with mode 0600 (never over an existing file).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        file.write_all(self.encode().as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads the key from `path`, refusing a file others may read or write.
    pub fn load(path: &Path) -> Result<WitnessKey, String> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(format!(
                    "{}: the witness key is open to others (mode {:o}); chmod 600 it",
                    path.display(),
                    mode & 0o777
                ));
            }
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        WitnessKey::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_round_trips_and_is_private() {
        let dir = std::env::temp_dir().join(format!("tl-wkey-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("witness.key");
        let key = WitnessKey::generate("witness.example/w1").unwrap();
        key.save(&path).unwrap();
        let back = WitnessKey::load(&path).unwrap();
        assert_eq!(back.vkey(), key.vkey());
        assert!(VerifierKey::parse(&key.vkey().encode()).is_ok());
        assert!(key.save(&path).is_err(), "never over an existing key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(
                WitnessKey::load(&path)
                    .unwrap_err()
                    .contains("open to others")
            );
        }
        let text = key.encode();
        assert!(WitnessKey::parse(&text.replace("w1+", "w2+")).is_err());
        assert!(WitnessKey::generate("has space").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
