//! Where a verifier's trust in the signing keys comes from. The chain names its own keys (see
//! [`super::rotation`]); that proves nothing to someone who suspects the database, since whoever
//! rewrites the database can rewrite the whole chain with keys of their own. So a verification
//! anchors the chain's keys in something from outside it: a pinned fingerprint of the root key,
//! a JWKS obtained independently (published earlier, kept by the auditor), or the private keys
//! in the server's data directory. Without any of these it still checks the chain, but says
//! that its keys were taken from the chain itself.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::keys::{KeyPurpose, KeyStore, parse_fingerprint};
use super::rotation::KeyHistory;
use super::verify::{Jwks, KeySet};

/// The outside facts a verification checks the chain's keys against; every one given must
/// hold.
#[derive(Debug, Clone, Default)]
pub struct Anchors {
    /// A pinned fingerprint of the root key (lower-case hex SHA-256 of the public key).
    root: Option<String>,
    /// An independently obtained JWKS: where it came from, and its keys.
    jwks: Option<(String, KeySet)>,
    /// The private keys of a data directory: where, and their public halves. The chain's
    /// current key must be one of them.
    data_dir: Option<(String, KeySet)>,
    /// What the keys were taken from when nothing else is given (`database`, `export`).
    own: &'static str,
}

/// A check of the keys against the anchors that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("seq {seq}: {reason}")]
pub struct TrustFailure {
    /// seq of the entry that announced the key in question.
    pub seq: i64,
    /// Why.
    pub reason: String,
}

/// How a verification came to trust the keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrustReport {
    /// Whether the keys were checked against something outside the chain.
    pub independent: bool,
    /// What they were checked against: `trust_root`, `jwks`, `data_dir`; or `database` /
    /// `export` when they were taken from the chain itself.
    pub sources: Vec<String>,
    /// The root key: the first key of the chain.
    pub root_kid: String,
    /// Its fingerprint (pin it with `techledger verify --trust-root`).
    pub root_fingerprint: String,
    /// The key signing now.
    pub current_kid: String,
    /// How many keys the chain was signed with.
    pub keys: usize,
    /// In words.
    pub note: String,
}

impl Anchors {
    /// No outside anchor: the keys are taken from `own` (`database` or `export`), and the
    /// report says so.
    pub fn none(own: &'static str) -> Anchors {
        Anchors {
            own,
            ..Anchors::default()
        }
    }

    /// Pins the root key by its fingerprint.
    pub fn with_root(mut self, fingerprint: &str) -> Result<Anchors, String> {
        self.root = Some(parse_fingerprint(fingerprint).ok_or_else(|| {
            format!("{fingerprint:?} is not a key fingerprint (64 hex digits, SHA-256 of the public key)")
        })?);
        Ok(self)
    }

    /// Anchors on a JWKS obtained from `source`.
    pub fn with_jwks(mut self, source: &str, jwks: &Jwks) -> Result<Anchors, String> {
        let keys = KeySet::from_jwks(jwks)?;
        if keys.is_empty() {
            return Err(format!("{source}: the JWKS holds no key"));
        }
        self.jwks = Some((source.to_string(), keys));
        Ok(self)
    }

    /// Anchors on a JWKS file.
    pub fn with_jwks_file(self, path: &Path) -> Result<Anchors, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let jwks: Jwks = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a JWKS: {e}", path.display()))?;
        self.with_jwks(&path.display().to_string(), &jwks)
    }

    /// Anchors on the audit keys of a data directory's key store.
    pub fn with_key_store(mut self, store: &KeyStore) -> Result<Anchors, String> {
        let mut keys = KeySet::default();
        for pair in store
            .public_keys(KeyPurpose::Audit)
            .map_err(|e| e.to_string())?
        {
            keys.insert(pair.kid().to_string(), *pair.verifying_key());
        }
        if keys.is_empty() {
            return Err(format!(
                "{}: no audit signing key in this data directory",
                store.dir().display()
            ));
        }
        self.data_dir = Some((store.dir().display().to_string(), keys));
        Ok(self)
    }

    /// Whether anything outside the chain was given.
    pub fn independent(&self) -> bool {
        self.root.is_some() || self.jwks.is_some() || self.data_dir.is_some()
    }

    /// Checks `history` against every anchor given.
    pub fn check(&self, history: &KeyHistory) -> Result<TrustReport, TrustFailure> {
        let (Some(root), Some(current)) = (history.root(), history.current()) else {
            return Err(TrustFailure {
                seq: 1,
                reason: "the chain announces no signing key".into(),
            });
        };
        let mut sources = Vec::new();
        let mut notes = Vec::new();
        if let Some(pinned) = &self.root {
            let actual = root.fingerprint();
            if &actual != pinned {
                return Err(TrustFailure {
                    seq: root.first_seq,
                    reason: format!(
                        "the chain's root key {} has fingerprint {actual}, not the pinned {pinned}: \
                         this is not the chain that root started",
                        root.kid
                    ),
                });
            }
            sources.push("trust_root".to_string());
            notes.push(format!(
                "root key {} pinned by its fingerprint, every later key endorsed by the one before",
                root.kid
            ));
        }
        if let Some((source, keys)) = &self.jwks {
            let mut common = 0;
            for (kid, key) in keys.iter() {
                if let Some(known) = history.get(kid) {
                    if known.key != *key {
                        return Err(TrustFailure {
                            seq: known.first_seq,
                            reason: format!(
                                "key {kid} of {source} is not the key the chain announces under that id"
                            ),
                        });
                    }
                    common += 1;
                }
            }
            if common == 0 {
                return Err(TrustFailure {
                    seq: root.first_seq,
                    reason: format!(
                        "none of the {} keys of {source} signs this chain",
                        keys.len()
                    ),
                });
            }
            sources.push("jwks".to_string());
            notes.push(format!(
                "{common} of the {} keys of {source} sign this chain",
                keys.len()
            ));
        }
        if let Some((dir, keys)) = &self.data_dir {
            if keys.public(&current.kid) != Some(&current.key) {
                return Err(TrustFailure {
                    seq: current.first_seq,
                    reason: format!(
                        "the chain's current signing key {} (announced at seq {}) is not a key of {dir}: \
                         someone else signs this chain",
                        current.kid, current.first_seq
                    ),
                });
            }
            sources.push("data_dir".to_string());
            notes.push(format!(
                "the current key {} is the signing key in {dir}",
                current.kid
            ));
        }
        let independent = !sources.is_empty();
        if !independent {
            sources.push(self.own.to_string());
            notes.push(format!(
                "keys taken from the {}: not independent (pin the root with --trust-root or give --jwks)",
                self.own
            ));
        }
        Ok(TrustReport {
            independent,
            sources,
            root_kid: root.kid.clone(),
            root_fingerprint: root.fingerprint(),
            current_kid: current.kid.clone(),
            keys: history.keys().len(),
            note: notes.join("; "),
        })
    }
}
