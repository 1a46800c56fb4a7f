//! Verifying a chain: every seq in order without gaps, every link, every hash, every signature
//! (Ed25519 over the JWS, with the key the entry names, inside that key's validity window).
//! The same code checks an exported file offline, a database, and the server's own chain.
//! Signatures and hashes are checked in parallel and with batch verification; the order
//! checks are sequential and cheap.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::entry::{AuditEntry, EntryClaims, GENESIS_HASH};
use super::rotation::{KeyHistory, ROTATE_ACTION};
use super::trust::{Anchors, TrustReport};

/// Public keys by kid: what a JWKS file or a data directory vouches for (trust anchors).
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, VerifyingKey>,
}

/// One JWK of our JWKS.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    /// Key id.
    pub kid: String,
    /// Always `EdDSA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Always `sig`.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    /// First instant the key signed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// When the key was retired (RFC 3339); absent for the current key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// seq of the `key.rotate` entry that announced the key: the first entry it signs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seq: Option<i64>,
    /// The last entry it signs; absent for the current key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seq: Option<i64>,
}

/// A JSON Web Key Set.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

impl KeySet {
    /// Adds a key.
    pub fn insert(&mut self, kid: String, key: VerifyingKey) {
        self.keys.insert(kid, key);
    }

    /// Builds a key set from a JWKS, refusing anything that is not an Ed25519 public key.
    pub fn from_jwks(jwks: &Jwks) -> Result<KeySet, String> {
        let mut set = KeySet::default();
        for jwk in &jwks.keys {
            if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
                return Err(format!("key {}: not an Ed25519 (OKP) key", jwk.kid));
            }
            if jwk.alg.as_deref().is_some_and(|a| a != "EdDSA") {
                return Err(format!("key {}: alg must be EdDSA", jwk.kid));
            }
            let key = decode_public_key(&jwk.x)
                .ok_or_else(|| format!("key {}: x is not an Ed25519 public key", jwk.kid))?;
            if set.keys.insert(jwk.kid.clone(), key).is_some() {
                return Err(format!("key {} appears twice", jwk.kid));
            }
        }
        Ok(set)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The public key `kid`.
    pub fn public(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.get(kid)
    }

    /// Every key, by kid.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &VerifyingKey)> {
        self.keys.iter()
    }
}

/// Decodes a base64url Ed25519 public key.
pub fn decode_public_key(x: &str) -> Option<VerifyingKey> {
    let bytes = URL_SAFE_NO_PAD.decode(x).ok()?;
    let array: [u8; 32] = bytes.try_into().ok()?;
    VerifyingKey::from_bytes(&array).ok()
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Verification {
    /// True when every entry holds and the keys are anchored as asked.
    pub ok: bool,
    /// Entries checked (all of them when `ok`).
    pub entries: u64,
    /// seq of the head when ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_hash: Option<String>,
    /// The first seq that does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_seq: Option<i64>,
    /// Why it does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Where the trust in the signing keys came from, when the chain holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<TrustReport>,
}

/// A failed check at a chain position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The seq that should be at this position.
    pub seq: i64,
    /// What is wrong.
    pub reason: String,
}

/// Verifies entries as they stream in, in chunks, using `threads` threads for the
/// independent checks. Which key signs each entry is not looked up by the kid the entry
/// names: the verifier follows the chain's own `key.rotate` entries (each endorsed by the key
/// before it, see [`super::rotation`]) and expects exactly the key whose turn it is; at the end
/// the keys must be anchored by something from outside the chain (`anchors`).
pub struct ChainVerifier<'a> {
    anchors: &'a Anchors,
    threads: usize,
    chunk: Vec<AuditEntry>,
    expected_seq: i64,
    prev_hash: String,
    verified: u64,
    failure: Option<Failure>,
    history: KeyHistory,
}

const CHUNK: usize = 8192;

impl<'a> ChainVerifier<'a> {
    /// A verifier for a chain that starts at seq 1.
    pub fn new(anchors: &'a Anchors, threads: usize) -> Self {
        ChainVerifier {
            anchors,
            threads: threads.max(1),
            chunk: Vec::with_capacity(CHUNK),
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
            verified: 0,
            failure: None,
            history: KeyHistory::default(),
        }
    }

    /// True once a failure was found (later entries are ignored).
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// Feeds the next entry.
    pub fn push(&mut self, entry: AuditEntry) {
        if self.failure.is_some() {
            return;
        }
        self.chunk.push(entry);
        if self.chunk.len() >= CHUNK {
            self.flush();
        }
    }

    /// Records that the entry at the next position could not even be read.
    pub fn unreadable(&mut self, reason: String) {
        self.flush();
        if self.failure.is_none() {
            self.failure = Some(Failure {
                seq: self.expected_seq,
                reason,
            });
        }
    }

    /// The key history read so far (complete once every entry was pushed and flushed).
    pub fn history(&mut self) -> &KeyHistory {
        self.flush();
        &self.history
    }

    /// Finishes and reports.
    pub fn finish(mut self) -> Verification {
        self.flush();
        let failed = |entries, seq, detail: String| Verification {
            ok: false,
            entries,
            head_hash: None,
            first_bad_seq: Some(seq),
            detail: Some(detail),
            trust: None,
        };
        match self.failure {
            None if self.verified == 0 => failed(0, 1, "the chain is empty".into()),
            None => match self.anchors.check(&self.history) {
                Ok(trust) => Verification {
                    ok: true,
                    entries: self.verified,
                    head_hash: Some(self.prev_hash),
                    first_bad_seq: None,
                    detail: None,
                    trust: Some(trust),
                },
                Err(f) => failed(self.verified, f.seq, format!("trust: {}", f.reason)),
            },
            Some(f) => failed(self.verified, f.seq, f.reason),
        }
    }

    /// The hash of the last verified entry.
    pub fn head_hash(&self) -> &str {
        &self.prev_hash
    }

    fn flush(&mut self) {
        if self.chunk.is_empty() || self.failure.is_some() {
            self.chunk.clear();
            return;
        }
        let chunk = std::mem::take(&mut self.chunk);
        // Order, links and whose turn it is to sign: sequential.
        let mut first_bad: Option<(usize, String)> = None;
        let mut expected = self.expected_seq;
        let mut prev = self.prev_hash.clone();
        let mut signers = Vec::with_capacity(chunk.len());
        for (i, entry) in chunk.iter().enumerate() {
            if entry.seq != expected {
                let reason = if entry.seq > expected {
                    format!(
                        "found seq {} where seq {expected} belongs: an entry is missing or out of order",
                        entry.seq
                    )
                } else {
                    format!(
                        "found seq {} again where seq {expected} belongs: an entry is duplicated or out of order",
                        entry.seq
                    )
                };
                first_bad = Some((i, reason));
                break;
            }
            if entry.prev_hash != prev {
                first_bad = Some((
                    i,
                    "prev_hash does not match the hash of the previous entry".into(),
                ));
                break;
            }
            match self.signer_of(entry) {
                Ok(key) => signers.push(key),
                Err(reason) => {
                    first_bad = Some((i, reason));
                    break;
                }
            }
            prev = entry.hash.clone();
            expected += 1;
        }
        // Hashes and signatures: independent per entry, checked in parallel up to the first
        // order failure.
        let limit = first_bad.as_ref().map_or(chunk.len(), |(i, _)| *i);
        let content_failure = check_contents(&chunk[..limit], &signers, self.threads);
        let failure = match (first_bad, content_failure) {
            (Some((i, r)), Some((j, s))) => Some(if j < i { (j, s) } else { (i, r) }),
            (a, b) => a.or(b),
        };
        match failure {
            Some((i, reason)) => {
                self.verified += i as u64;
                self.failure = Some(Failure {
                    seq: self.expected_seq + i as i64,
                    reason,
                });
            }
            None => {
                self.verified += chunk.len() as u64;
                self.expected_seq = expected;
                self.prev_hash = prev;
            }
        }
    }

    /// The key that must have signed `entry`: the one announced last, after following the
    /// entry itself when it announces a key.
    fn signer_of(&mut self, entry: &AuditEntry) -> Result<VerifyingKey, String> {
        if entry.action == ROTATE_ACTION {
            self.history
                .push(entry)
                .map_err(|f| format!("key rotation: {}", f.reason))?;
        }
        let current = self.history.current().ok_or(
            "signed before the chain announced any key (the first entry must be a key.rotate)",
        )?;
        if entry.kid != current.kid {
            return Err(format!(
                "signed with key {:?} where key {} signs (announced at seq {})",
                entry.kid, current.kid, current.first_seq
            ));
        }
        Ok(current.key)
    }
}

/// Checks hash, JWS structure, claims and signature of each entry with the key whose turn it
/// was; returns the first failing index.
fn check_contents(
    entries: &[AuditEntry],
    signers: &[VerifyingKey],
    threads: usize,
) -> Option<(usize, String)> {
    if entries.is_empty() {
        return None;
    }
    let per_thread = entries.len().div_ceil(threads);
    let results: Vec<Option<(usize, String)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .chunks(per_thread)
            .zip(signers.chunks(per_thread))
            .enumerate()
            .map(|(n, (part, keys))| {
                scope.spawn(move || check_part(part, keys).map(|(i, r)| (n * per_thread + i, r)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Some((0, "verifier thread failed".into())))
            })
            .collect()
    });
    results.into_iter().flatten().min_by_key(|(i, _)| *i)
}

struct Prepared {
    message: Vec<u8>,
    signature: Signature,
    key: VerifyingKey,
}

fn check_part(entries: &[AuditEntry], signers: &[VerifyingKey]) -> Option<(usize, String)> {
    let mut prepared = Vec::with_capacity(entries.len());
    for (i, (entry, key)) in entries.iter().zip(signers).enumerate() {
        match prepare(entry, key) {
            Ok(p) => prepared.push(p),
            Err(reason) => {
                // Signatures before i still need checking: one of them may fail earlier.
                return first_bad_signature(&prepared)
                    .map_or(Some((i, reason)), |j| Some((j, bad_sig())));
            }
        }
    }
    first_bad_signature(&prepared).map(|j| (j, bad_sig()))
}

fn bad_sig() -> String {
    "the signature does not verify with the key it names".into()
}

/// Index of the first invalid signature; a batch check first, one by one only if it fails.
fn first_bad_signature(prepared: &[Prepared]) -> Option<usize> {
    if prepared.is_empty() {
        return None;
    }
    let messages: Vec<&[u8]> = prepared.iter().map(|p| p.message.as_slice()).collect();
    let signatures: Vec<Signature> = prepared.iter().map(|p| p.signature).collect();
    let keys: Vec<VerifyingKey> = prepared.iter().map(|p| p.key).collect();
    if ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok() {
        return None;
    }
    prepared
        .iter()
        .position(|p| p.key.verify_strict(&p.message, &p.signature).is_err())
}

/// Checks one entry on its own: its hash, and its JWS by `key`.
pub fn check_entry(entry: &AuditEntry, key: &VerifyingKey) -> Result<(), String> {
    let p = prepare(entry, key)?;
    p.key
        .verify_strict(&p.message, &p.signature)
        .map_err(|_| bad_sig())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JwsHeader {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
}

/// The parts of a compact EdDSA JWS by key `kid`, its header checked.
fn split_jws<'t>(token: &'t str, kid: &str) -> Result<(&'t str, &'t str, Signature), String> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a compact JWS".into());
    };
    let header: JwsHeader = decode_json(h).ok_or("JWS header is not valid JSON")?;
    if header.alg != "EdDSA" {
        return Err(format!(
            "JWS alg is {:?}; only EdDSA is accepted",
            header.alg
        ));
    }
    if header.typ.as_deref().is_some_and(|t| t != "JWT") {
        return Err("JWS typ must be JWT".into());
    }
    if header.kid.as_deref() != Some(kid) {
        return Err(format!("the JWS is not by key {kid}"));
    }
    let sig_bytes = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| "JWS signature is not base64url")?;
    let signature =
        Signature::from_slice(&sig_bytes).map_err(|_| "JWS signature is not 64 bytes")?;
    Ok((h, c, signature))
}

/// Verifies a compact EdDSA JWS by key `kid` (whose public half is `key`) and returns its
/// claims.
pub fn open_jws<T: serde::de::DeserializeOwned>(
    token: &str,
    kid: &str,
    key: &VerifyingKey,
) -> Result<T, String> {
    let (h, c, signature) = split_jws(token, kid)?;
    key.verify_strict(format!("{h}.{c}").as_bytes(), &signature)
        .map_err(|_| "the signature does not verify")?;
    decode_json(c).ok_or_else(|| "the JWS claims do not parse".to_string())
}

fn prepare(entry: &AuditEntry, key: &VerifyingKey) -> Result<Prepared, String> {
    let computed = entry.body().hash().map_err(|e| e.to_string())?;
    if computed != entry.hash {
        return Err(format!(
            "hash does not match the content (stored {}, computed {computed})",
            short(&entry.hash)
        ));
    }
    let (h, c, signature) =
        split_jws(&entry.signature, &entry.kid).map_err(|e| format!("signature: {e}"))?;
    let claims: EntryClaims =
        decode_json(c).ok_or("JWS claims are not {seq, hash, prev_hash, iat}")?;
    if claims.seq != entry.seq || claims.hash != entry.hash || claims.prev_hash != entry.prev_hash {
        return Err("signed claims differ from the entry".into());
    }
    crate::time::parse_rfc3339(&entry.at).ok_or("at is not an RFC 3339 time")?;
    let mut message = Vec::with_capacity(h.len() + c.len() + 1);
    message.extend_from_slice(h.as_bytes());
    message.push(b'.');
    message.extend_from_slice(c.as_bytes());
    Ok(Prepared {
        message,
        signature,
        key: *key,
    })
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The full check of a database: the chain (order, links, hashes, signatures, the key
/// history anchored by `anchors`), the head row, then the reconciliation of every ledger table
/// against the chain.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DatabaseVerification {
    /// True when the chain verifies and every table reconciles.
    pub ok: bool,
    /// Entries verified.
    pub entries: u64,
    /// The first seq that does not hold (chain or reconciliation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_seq: Option<i64>,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Hash of the head entry, when the chain verifies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_hash: Option<String>,
    /// Where the trust in the signing keys came from, when the chain verifies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<TrustReport>,
    /// The reconciliation, when the chain verifies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciliation: Option<super::reconcile::Reconciliation>,
}

/// Verifies and reconciles the database behind `conn`, reading the chain in pages.
pub fn verify_database(
    conn: &mut crate::db::DbConn,
    threads: usize,
    anchors: &Anchors,
) -> Result<DatabaseVerification, super::chain::AuditError> {
    verify_replaying(conn, threads, anchors, super::reconcile::Replay::default())
}

/// [`verify_database`], and every attached file the chain names re-hashed in `attachments`
/// (a file changed or swapped on disk is a discrepancy of table `attachments`).
pub fn verify_database_and_files(
    conn: &mut crate::db::DbConn,
    threads: usize,
    anchors: &Anchors,
    attachments: crate::attachments::AttachmentStore,
) -> Result<DatabaseVerification, super::chain::AuditError> {
    let replay = super::reconcile::Replay::with_attachments(attachments);
    verify_replaying(conn, threads, anchors, replay)
}

fn verify_replaying(
    conn: &mut crate::db::DbConn,
    threads: usize,
    anchors: &Anchors,
    mut replay: super::reconcile::Replay,
) -> Result<DatabaseVerification, super::chain::AuditError> {
    let mut verifier = ChainVerifier::new(anchors, threads);
    let mut tree = super::tlog::TreeCheck::new(conn)?;
    let mut after = 0;
    loop {
        let rows: Vec<super::chain::AuditRow> = {
            use crate::db::schema::audit_entries;
            use diesel::prelude::*;
            audit_entries::table
                .filter(audit_entries::seq.gt(after))
                .order(audit_entries::seq.asc())
                .limit(10_000)
                .select(super::chain::AuditRow::as_select())
                .load(conn)?
        };
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for row in rows {
            match row.into_entry() {
                Ok(entry) => {
                    replay.apply(&entry);
                    tree.push(&entry);
                    verifier.push(entry);
                }
                Err(e) => verifier.unreadable(e.to_string()),
            }
        }
        tree.compare_stored(conn)?;
        if verifier.failed() {
            break;
        }
    }
    let history = verifier.history().clone();
    let chain = verifier.finish();
    let mut result = DatabaseVerification {
        ok: chain.ok,
        entries: chain.entries,
        first_bad_seq: chain.first_bad_seq,
        detail: chain.detail.clone(),
        head_hash: chain.head_hash.clone(),
        trust: chain.trust.clone(),
        reconciliation: None,
    };
    if !chain.ok {
        return Ok(result);
    }
    let head = super::chain::read_head(conn)?;
    if head.seq != chain.entries as i64 || Some(&head.hash) != chain.head_hash.as_ref() {
        result.ok = false;
        result.first_bad_seq = Some(head.seq.min(chain.entries as i64) + 1);
        result.detail = Some(format!(
            "the chain head row says seq {} but the chain ends at seq {}: entries were removed or added behind the ledger",
            head.seq, chain.entries
        ));
        return Ok(result);
    }
    if let Some((seq, detail)) =
        tree.finish(|origin| super::receipt::checkpoint_keys(&history, origin))
    {
        result.ok = false;
        result.first_bad_seq = Some(seq);
        result.detail = Some(detail);
        return Ok(result);
    }
    let reconciliation = replay.compare(conn)?;
    if let Some(first) = reconciliation.discrepancies.first() {
        result.ok = false;
        result.first_bad_seq = first.seq;
        result.detail = Some(format!("{} {}: {}", first.table, first.key, first.detail));
    }
    result.reconciliation = Some(reconciliation);
    Ok(result)
}
