//! `techledger witness`: an auditor's witness of the transparency log (C2SP
//! tlog-cosignature v1). Run on another machine with its own key and its own state file, it
//! fetches the log's latest checkpoint, checks the log's signature with a key it was given (not
//! one the server names), checks that the new tree extends the last one it cosigned (an RFC 9162
//! consistency proof), and only then cosigns it and sends the cosignature to the log, which
//! serves it with the checkpoint. A log that rewrote history cannot produce that proof: the
//! witness refuses, says which sizes and roots disagree, and exits 3.
//!
//! Existing C2SP witnesses are pushed to (tlog-witness `add-checkpoint`, the log calls them);
//! this one pulls, so the log needs no list of witness addresses and a witness needs no open
//! port: it sends `POST /log/cosignature` `{"tree_size","cosignature"}`.

pub mod cli;
pub mod http;
pub mod key;
pub mod state;

use serde::Deserialize;

use self::http::BaseUrl;
use self::key::WitnessKey;
use self::state::WitnessState;
use crate::audit::entry::AuditEntry;
use crate::audit::merkle::{self, Hash};
use crate::audit::note::{self, CheckpointBody, VerifierKey};
use crate::audit::receipt;
use crate::audit::rotation::KeyHistory;
use crate::audit::trust::Anchors;

/// How the witness knows the log's keys — never from the server's word alone.
#[derive(Debug, Clone)]
pub enum LogKeys {
    /// Vkeys given to the witness (`--log-key`); their name is the log's origin.
    Pinned(Vec<VerifierKey>),
    /// The root key's fingerprint (`--trust-root`): the keys and origin come from `/log/keys`,
    /// every key endorsed from that root by the rotation entries.
    Anchored(Anchors),
}

/// Why a round did not end in a cosignature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The log contradicts itself or what the witness cosigned before (a fork, a rollback, a
    /// signature that does not hold): nothing is signed.
    #[error("REFUSED: {0}")]
    Refused(String),
    /// The round could not be completed (network, an answer that is not what the API says).
    #[error("{0}")]
    Failed(String),
}

/// What a round did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Round {
    /// A new checkpoint was cosigned and the log took the cosignature.
    Signed {
        /// The log's origin.
        origin: String,
        /// The tree size cosigned.
        size: u64,
        /// Its root hash.
        root: Hash,
        /// The size it was proven consistent with (None: the witness's first checkpoint).
        from: Option<u64>,
        /// The `log.cosign` entry that recorded it (or the earlier one, if the log had it).
        audit_seq: i64,
    },
    /// The log has not grown since the last cosignature.
    Unchanged {
        /// Its size.
        size: u64,
    },
}

impl std::fmt::Display for Round {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Round::Signed {
                origin,
                size,
                root,
                from,
                audit_seq,
            } => {
                write!(
                    f,
                    "cosigned {origin} size {size} root {}",
                    merkle::hex(root)
                )?;
                match from {
                    Some(m) => write!(f, " (consistent with size {m})")?,
                    None => write!(f, " (first checkpoint this witness signs)")?,
                }
                write!(f, "; the log recorded it as entry {audit_seq}")
            }
            Round::Unchanged { size } => write!(f, "unchanged: size {size} is cosigned already"),
        }
    }
}

/// A witness of one log.
pub struct Witness {
    /// The log.
    pub base: BaseUrl,
    /// Its keys.
    pub log_keys: LogKeys,
    /// The witness's own key.
    pub key: WitnessKey,
    /// Where the witness keeps the last checkpoint it cosigned.
    pub state: std::path::PathBuf,
}

#[derive(Deserialize)]
struct KeysAnswer {
    origin: String,
    rotations: Vec<AuditEntry>,
}

#[derive(Deserialize)]
struct ProofAnswer {
    hashes: Vec<String>,
}

#[derive(Deserialize)]
struct StoredAnswer {
    audit_seq: i64,
}

fn failed(e: impl std::fmt::Display) -> WitnessError {
    WitnessError::Failed(e.to_string())
}

impl Witness {
    /// The log's origin and keys as checkpoint verifiers.
    async fn keys(&self) -> Result<(String, Vec<(String, VerifierKey)>), WitnessError> {
        match &self.log_keys {
            LogKeys::Pinned(keys) => {
                let origin = keys
                    .first()
                    .map(|k| k.name.clone())
                    .ok_or_else(|| failed("no log key"))?;
                Ok((
                    origin,
                    keys.iter().map(|k| (k.encode(), k.clone())).collect(),
                ))
            }
            LogKeys::Anchored(anchors) => {
                let answer = http::get(&self.base, "/log/keys").await.map_err(failed)?;
                if answer.status != 200 {
                    return Err(failed(format!(
                        "GET /log/keys answered {}: {}",
                        answer.status,
                        answer.text()
                    )));
                }
                let keys: KeysAnswer = serde_json::from_slice(&answer.body)
                    .map_err(|e| failed(format!("GET /log/keys: {e}")))?;
                let history = KeyHistory::from_rotations(&keys.rotations).map_err(|f| {
                    WitnessError::Refused(format!(
                        "the log's key rotation at seq {} does not hold: {}",
                        f.seq, f.reason
                    ))
                })?;
                anchors.check(&history).map_err(|f| {
                    WitnessError::Refused(format!(
                        "the log's keys are not anchored in the trusted root: {}",
                        f.reason
                    ))
                })?;
                let verifiers = receipt::checkpoint_keys(&history, &keys.origin);
                Ok((keys.origin, verifiers))
            }
        }
    }

    /// The checkpoint the log serves at `path`, checked against its keys.
    async fn checkpoint(
        &self,
        path: &str,
        origin: &str,
        keys: &[(String, VerifierKey)],
    ) -> Result<(CheckpointBody, String), WitnessError> {
        let answer = http::get(&self.base, path).await.map_err(failed)?;
        if answer.status != 200 {
            return Err(failed(format!(
                "GET {path} answered {}: {}",
                answer.status,
                answer.text()
            )));
        }
        let text = String::from_utf8(answer.body)
            .map_err(|_| WitnessError::Refused(format!("GET {path}: not UTF-8 text")))?;
        let (body, parsed, _) = receipt::open_checkpoint(&text, origin, keys)
            .map_err(|e| WitnessError::Refused(format!("GET {path}: {e}")))?;
        Ok((body, parsed.text))
    }

    /// One round: fetch, check, cosign, send, remember.
    pub async fn round(&self) -> Result<Round, WitnessError> {
        let (origin, keys) = self.keys().await?;
        let (body, text) = self.checkpoint("/log/checkpoint", &origin, &keys).await?;
        let last = WitnessState::load(&self.state).map_err(failed)?;
        let from = match &last {
            None => None,
            Some(last) => {
                if last.origin != body.origin {
                    return Err(failed(format!(
                        "the state file is for the log {:?}, this log is {:?}",
                        last.origin, body.origin
                    )));
                }
                let old_root = last.root_hash().map_err(failed)?;
                if body.size == last.size && body.root == old_root {
                    return Ok(Round::Unchanged { size: body.size });
                }
                if body.size <= last.size {
                    return Err(WitnessError::Refused(format!(
                        "the log's checkpoint says size {} root {}, but this witness cosigned size {} root {}: {}",
                        body.size,
                        merkle::hex(&body.root),
                        last.size,
                        last.root,
                        if body.size == last.size {
                            "two different trees of the same size (a fork)"
                        } else {
                            "the log went back to a smaller tree"
                        }
                    )));
                }
                self.check_consistency(last, &old_root, &body, &origin, &keys)
                    .await?;
                Some(last.size)
            }
        };
        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
        let line = note::cosign(&text, &self.key.name, &self.key.key, now)
            .map_err(|e| failed(format!("signing: {e}")))?;
        WitnessState {
            origin: body.origin.clone(),
            size: body.size,
            root: merkle::hex(&body.root),
            signed_at: now,
        }
        .save(&self.state)
        .map_err(failed)?;
        let request = serde_json::json!({"tree_size": body.size, "cosignature": line.encode()});
        let answer = http::post_json(
            &self.base,
            "/log/cosignature",
            serde_json::to_vec(&request).map_err(failed)?,
        )
        .await
        .map_err(failed)?;
        if answer.status != 200 && answer.status != 201 {
            return Err(failed(format!(
                "the log did not take the cosignature of size {} (it is signed and remembered): {} {}",
                body.size,
                answer.status,
                answer.text()
            )));
        }
        let stored: StoredAnswer = serde_json::from_slice(&answer.body)
            .map_err(|e| failed(format!("POST /log/cosignature: {e}")))?;
        Ok(Round::Signed {
            origin: body.origin,
            size: body.size,
            root: body.root,
            from,
            audit_seq: stored.audit_seq,
        })
    }

    /// The new tree must extend the one last cosigned: the log's consistency proof from its
    /// size to the new one must hold between the two roots.
    async fn check_consistency(
        &self,
        last: &WitnessState,
        old_root: &Hash,
        new: &CheckpointBody,
        origin: &str,
        keys: &[(String, VerifierKey)],
    ) -> Result<(), WitnessError> {
        let path = format!(
            "/api/v1/audit/proof/consistency?from={}&to={}",
            last.size, new.size
        );
        let answer = http::get(&self.base, &path).await.map_err(failed)?;
        let proof: Option<Vec<Hash>> = (answer.status == 200)
            .then(|| serde_json::from_slice::<ProofAnswer>(&answer.body).ok())
            .flatten()
            .and_then(|p| p.hashes.iter().map(|h| merkle::parse_hex(h)).collect());
        let holds = proof.as_deref().is_some_and(|proof| {
            merkle::verify_consistency(last.size, new.size, old_root, &new.root, proof)
        });
        if holds {
            return Ok(());
        }
        // What the log says of the old size now, if it still serves a checkpoint of it.
        let claim = match self
            .checkpoint(&format!("/log/checkpoint/{}", last.size), origin, keys)
            .await
        {
            Ok((old, _)) if old.root != *old_root => format!(
                "; the log now signs root {} for size {}",
                merkle::hex(&old.root),
                last.size
            ),
            _ => String::new(),
        };
        Err(WitnessError::Refused(format!(
            "fork: the log's checkpoint of size {} (root {}) does not extend the checkpoint of size {} (root {}) this witness cosigned — {}{claim}",
            new.size,
            merkle::hex(&new.root),
            last.size,
            last.root,
            match proof {
                Some(_) => "its consistency proof does not hold".to_string(),
                None => format!(
                    "it gave no consistency proof ({} {})",
                    answer.status,
                    answer.text().trim()
                ),
            }
        )))
    }
}
