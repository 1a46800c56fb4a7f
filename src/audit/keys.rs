//! Ed25519 signing keys: generated here, kept in the data directory (mode 0600), never in the
//! database or a log. Two purposes: `audit` signs the chain and checkpoints, `token` signs
//! login tokens — separate keys, so a leaked token key cannot forge the audit trail.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Key-file failures.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or writing a key file failed.
    #[error("key file {path}: {reason}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A key file does not hold an Ed25519 PKCS#8 key.
    #[error("key file {0} does not hold an Ed25519 private key")]
    Malformed(PathBuf),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
}

/// What a key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPurpose {
    /// The audit chain and its checkpoints.
    Audit,
    /// Login tokens.
    Token,
}

impl KeyPurpose {
    fn file_prefix(self) -> &'static str {
        match self {
            KeyPurpose::Audit => "audit",
            KeyPurpose::Token => "token",
        }
    }
}

/// An Ed25519 key pair ready to sign JWS.
#[derive(Clone)]
pub struct KeyPair {
    kid: String,
    public_key: String,
    signing: SigningKey,
    /// The base64url JWS header, `{"typ":"JWT","alg":"EdDSA","kid":…}` as jsonwebtoken writes it.
    header: String,
    verifying: ed25519_dalek::VerifyingKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The key id of a public key: the first 16 hex digits of its SHA-256.
pub fn kid_of(public_key: &[u8; 32]) -> String {
    let digest = Sha256::digest(public_key);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The fingerprint of a public key: lower-case hex SHA-256 of its 32 bytes (the kid is its
/// first 16 digits). Auditors pin the root key by it (`techledger verify --trust-root`).
pub fn fingerprint(key: &ed25519_dalek::VerifyingKey) -> String {
    super::entry::sha256_hex(key.as_bytes())
}

/// A fingerprint as an operator may write it: 64 hex digits, any case, optionally after
/// `sha256:`.
pub fn parse_fingerprint(text: &str) -> Option<String> {
    let text = text.trim();
    let hex = text
        .strip_prefix("sha256:")
        .unwrap_or(text)
        .to_ascii_lowercase();
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

impl KeyPair {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> KeyPair {
        let signing = SigningKey::generate(&mut rand::rngs::OsRng);
        Self::from_signing_key(&signing)
    }

    /// The key with this 32-byte Ed25519 seed (tests and published examples).
    pub fn from_seed(seed: &[u8; 32]) -> KeyPair {
        Self::from_signing_key(&SigningKey::from_bytes(seed))
    }

    fn from_signing_key(signing: &SigningKey) -> KeyPair {
        let verifying = signing.verifying_key();
        let public = verifying.to_bytes();
        let kid = kid_of(&public);
        // As jsonwebtoken writes it (a test compares the bytes): typ, alg, kid in this order.
        let header = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"typ":"JWT","alg":"EdDSA","kid":{}}}"#,
            serde_json::Value::String(kid.clone())
        ));
        KeyPair {
            kid,
            public_key: URL_SAFE_NO_PAD.encode(public),
            signing: signing.clone(),
            header,
            verifying,
        }
    }

    /// The key id published in the JWKS and every JWS header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key, base64url without padding (the JWK `x`).
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The public key as jsonwebtoken takes it, for verifying our own login tokens.
    pub fn decoding_key(&self) -> jsonwebtoken::DecodingKey {
        jsonwebtoken::DecodingKey::from_ed_der(self.verifying.as_bytes())
    }

    /// The public key, for fast verification.
    pub fn verifying_key(&self) -> &ed25519_dalek::VerifyingKey {
        &self.verifying
    }

    /// See [`fingerprint`].
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.verifying)
    }

    /// Signs `claims` as a compact JWS with header `{"typ":"JWT","alg":"EdDSA","kid":…}`.
    ///
    /// The bytes are exactly those of `jsonwebtoken::encode` with this key (Ed25519 is
    /// deterministic; a test compares the two), but the parsed key is kept: jsonwebtoken parses
    /// the PKCS#8 key again for every signature, which was half the cost of signing an entry.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, KeyError> {
        use ed25519_dalek::Signer;
        let claims = serde_json::to_vec(claims).map_err(|e| KeyError::Sign(e.to_string()))?;
        let mut jws = String::with_capacity(self.header.len() + claims.len() * 4 / 3 + 100);
        jws.push_str(&self.header);
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(&claims, &mut jws);
        let signature = self.signing.sign(jws.as_bytes());
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(signature.to_bytes(), &mut jws);
        Ok(jws)
    }

    /// A plain Ed25519 signature of `message` (signed notes).
    pub fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.signing.sign(message).to_bytes()
    }

    /// The private key as jsonwebtoken takes it: tests compare our signatures with its.
    #[cfg(test)]
    pub(crate) fn encoding_key(&self) -> Result<jsonwebtoken::EncodingKey, KeyError> {
        let der = self
            .signing
            .to_pkcs8_der()
            .map_err(|e| KeyError::Sign(e.to_string()))?;
        Ok(jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()))
    }
}

/// The key files under `<data_dir>/keys`.
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    /// Opens (creating, mode 0700) the key directory under `data_dir`.
    pub fn open(data_dir: &Path) -> Result<KeyStore, KeyError> {
        let dir = data_dir.join("keys");
        fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        restrict(&dir, 0o700)?;
        Ok(KeyStore { dir })
    }

    fn pointer(&self, purpose: KeyPurpose) -> PathBuf {
        self.dir.join(format!("{}.current", purpose.file_prefix()))
    }

    fn key_file(&self, purpose: KeyPurpose, kid: &str) -> PathBuf {
        self.dir
            .join(format!("{}-{kid}.pem", purpose.file_prefix()))
    }

    /// The current key of `purpose`, if one was made.
    pub fn current(&self, purpose: KeyPurpose) -> Result<Option<KeyPair>, KeyError> {
        let pointer = self.pointer(purpose);
        let kid = match fs::read_to_string(&pointer) {
            Ok(kid) => kid.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(&pointer, e)),
        };
        self.load(purpose, &kid).map(Some)
    }

    /// Loads the key `kid` of `purpose`.
    pub fn load(&self, purpose: KeyPurpose, kid: &str) -> Result<KeyPair, KeyError> {
        let path = self.key_file(purpose, kid);
        let pem = fs::read_to_string(&path).map_err(|e| io_error(&path, e))?;
        let signing =
            SigningKey::from_pkcs8_pem(&pem).map_err(|_| KeyError::Malformed(path.clone()))?;
        let pair = KeyPair::from_signing_key(&signing);
        if pair.kid != kid {
            return Err(KeyError::Malformed(path));
        }
        Ok(pair)
    }

    /// The current key of `purpose`, generating the first one if there is none.
    pub fn current_or_create(&self, purpose: KeyPurpose) -> Result<KeyPair, KeyError> {
        match self.current(purpose)? {
            Some(pair) => Ok(pair),
            None => self.create(purpose),
        }
    }

    /// Generates a new key of `purpose`, stores it (0600) and makes it the current one.
    pub fn create(&self, purpose: KeyPurpose) -> Result<KeyPair, KeyError> {
        let pair = KeyPair::generate();
        self.save(purpose, &pair)?;
        self.set_current(purpose, pair.kid())?;
        Ok(pair)
    }

    /// Stores `pair` (0600) without making it the current key.
    pub fn save(&self, purpose: KeyPurpose, pair: &KeyPair) -> Result<(), KeyError> {
        let pem = pair
            .signing
            .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .map_err(|e| KeyError::Sign(e.to_string()))?;
        write_private(&self.key_file(purpose, &pair.kid), pem.as_bytes())
    }

    /// Makes the stored key `kid` the current one of `purpose`.
    pub fn set_current(&self, purpose: KeyPurpose, kid: &str) -> Result<(), KeyError> {
        let pointer = self.pointer(purpose);
        let tmp = pointer.with_extension("current.tmp");
        fs::write(&tmp, format!("{kid}\n")).map_err(|e| io_error(&tmp, e))?;
        fs::rename(&tmp, &pointer).map_err(|e| io_error(&pointer, e))?;
        Ok(())
    }

    /// Whether the private key `kid` of `purpose` is here.
    pub fn has(&self, purpose: KeyPurpose, kid: &str) -> bool {
        self.key_file(purpose, kid).is_file()
    }

    /// Takes the private key `kid` out of the serving directory: into `<data_dir>/keys-retired`
    /// (mode 0700) when `keep`, otherwise overwritten and deleted. A retired key signs nothing
    /// any more, so a server that is broken into later holds no key that could re-sign the past.
    pub fn retire(&self, purpose: KeyPurpose, kid: &str, keep: bool) -> Result<(), KeyError> {
        let path = self.key_file(purpose, kid);
        if !path.exists() {
            return Ok(());
        }
        if keep {
            let dir = self.retired_dir();
            fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
            restrict(&dir, 0o700)?;
            let to = dir.join(path.file_name().unwrap_or_default());
            fs::rename(&path, &to).map_err(|e| io_error(&to, e))?;
        } else {
            let len = fs::metadata(&path).map_err(|e| io_error(&path, e))?.len();
            let mut file = fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| io_error(&path, e))?;
            file.write_all(&vec![0u8; usize::try_from(len).unwrap_or(0)])
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error(&path, e))?;
            fs::remove_file(&path).map_err(|e| io_error(&path, e))?;
        }
        Ok(())
    }

    /// Where retired keys are kept when asked to.
    pub fn retired_dir(&self) -> PathBuf {
        self.dir
            .parent()
            .map_or_else(|| self.dir.join("retired"), |d| d.join("keys-retired"))
    }

    /// The public halves of the private keys of `purpose` in the serving directory: what this
    /// data directory can vouch for without asking the database.
    pub fn public_keys(&self, purpose: KeyPurpose) -> Result<Vec<KeyPair>, KeyError> {
        let prefix = format!("{}-", purpose.file_prefix());
        let mut keys = Vec::new();
        let entries = fs::read_dir(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&self.dir, e))?;
            let name = entry.file_name();
            let Some(kid) = name
                .to_str()
                .and_then(|n| n.strip_prefix(&prefix))
                .and_then(|n| n.strip_suffix(".pem"))
            else {
                continue;
            };
            keys.push(self.load(purpose, kid)?);
        }
        keys.sort_by(|a, b| a.kid.cmp(&b.kid));
        Ok(keys)
    }

    /// The key directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// When the current-key pointer of `purpose` last changed (to notice a rotation made by
    /// another process sharing the data directory).
    pub fn pointer_stamp(&self, purpose: KeyPurpose) -> Option<std::time::SystemTime> {
        fs::metadata(self.pointer(purpose))
            .and_then(|m| m.modified())
            .ok()
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| io_error(path, e))?;
    file.write_all(bytes).map_err(|e| io_error(path, e))?;
    file.sync_all().map_err(|e| io_error(path, e))?;
    Ok(())
}

fn restrict(path: &Path, mode: u32) -> Result<(), KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .map_err(|e| io_error(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

fn io_error(path: &Path, e: std::io::Error) -> KeyError {
    KeyError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Algorithm, DecodingKey, Header};

    use super::*;

    #[test]
    fn keys_are_written_private_and_reload_to_the_same_kid() {
        let dir = std::env::temp_dir().join(format!("tl-keys-{}", uuid::Uuid::new_v4()));
        let store = KeyStore::open(&dir).unwrap();
        assert!(store.current(KeyPurpose::Audit).unwrap().is_none());
        let made = store.current_or_create(KeyPurpose::Audit).unwrap();
        let again = store.current_or_create(KeyPurpose::Audit).unwrap();
        assert_eq!(made.kid(), again.kid());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = dir.join("keys").join(format!("audit-{}.pem", made.kid()));
            assert_eq!(
                fs::metadata(file).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let rotated = store.create(KeyPurpose::Audit).unwrap();
        assert_ne!(rotated.kid(), made.kid());
        assert_eq!(
            store.current(KeyPurpose::Audit).unwrap().unwrap().kid(),
            rotated.kid()
        );
        assert!(store.current(KeyPurpose::Token).unwrap().is_none());
        fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn our_jws_is_byte_for_byte_jsonwebtokens() {
        crate::auth::jwt_crypto::install();
        let pair = KeyPair::generate();
        let claims =
            serde_json::json!({"seq": 7, "hash": "ab", "prev_hash": "cd", "iat": 1_790_000_000});
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(pair.kid().to_string());
        let theirs = jsonwebtoken::encode(&header, &claims, &pair.encoding_key().unwrap()).unwrap();
        assert_eq!(pair.sign(&claims).unwrap(), theirs);
    }

    #[test]
    fn a_jws_verifies_with_the_public_key_only() {
        crate::auth::jwt_crypto::install();
        let pair = KeyPair::generate();
        let token = pair
            .sign(&serde_json::json!({"seq": 1, "hash": "ab"}))
            .unwrap();
        let key = DecodingKey::from_ed_components(pair.public_key()).unwrap();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).unwrap();
        assert_eq!(data.claims["seq"], 1);
        assert_eq!(data.header.kid.as_deref(), Some(pair.kid()));
    }
}
