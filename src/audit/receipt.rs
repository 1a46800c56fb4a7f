//! Receipts: an audit entry with the proof that the log holds it — its inclusion proof in a
//! signed checkpoint, and the `key.rotate` entries that vouch for the checkpoint's signer from
//! the root of trust. Whoever keeps a receipt can check it offline, years later, with nothing
//! but the root key's fingerprint (or a JWKS kept independently).

use serde::{Deserialize, Serialize};

use super::entry::AuditEntry;
use super::merkle::{self, Hash};
use super::note::{self, CheckpointBody, Note, VerifierKey};
use super::rotation::KeyHistory;
use super::trust::{Anchors, TrustReport};

/// An entry's inclusion proof (the wire form of `GET /api/v1/audit/proof/inclusion`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Inclusion {
    /// The entry.
    pub seq: i64,
    /// The tree it is proven in.
    pub tree_size: i64,
    /// Its leaf index (seq − 1).
    pub leaf_index: i64,
    /// Its leaf hash (hex).
    pub leaf_hash: String,
    /// The audit path (hex).
    pub hashes: Vec<String>,
}

/// A receipt (`GET /api/v1/contracts/{id}/receipt`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    /// The transparency log's origin.
    pub origin: String,
    /// The entry.
    pub entry: AuditEntry,
    /// Its inclusion proof in the checkpoint's tree.
    pub inclusion: Inclusion,
    /// The checkpoint: a C2SP signed note (with any witness cosignatures).
    pub checkpoint: String,
    /// The `key.rotate` entries up to the checkpoint's signer (the first is the root of trust).
    pub rotations: Vec<AuditEntry>,
}

/// What a verified receipt shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptReport {
    /// The entry's seq.
    pub seq: i64,
    /// Its action.
    pub action: String,
    /// The record it is about (`contract:<id>`).
    pub entity: String,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// Its root hash (hex).
    pub root_hash: String,
    /// The key that signed the checkpoint.
    pub signed_by: String,
    /// Names of the cosignature lines it carries (not checked without the witnesses' keys).
    pub cosigned_by: Vec<String>,
    /// How the keys were trusted.
    pub trust: TrustReport,
}

/// Every key of a verified history as a checkpoint verifier under `origin`.
pub fn checkpoint_keys(history: &KeyHistory, origin: &str) -> Vec<(String, VerifierKey)> {
    history
        .keys()
        .iter()
        .filter_map(|k| {
            VerifierKey::new(origin, note::ALG_ED25519, k.key)
                .ok()
                .map(|v| (k.kid.clone(), v))
        })
        .collect()
}

/// A checkpoint note signed by one of `keys` under `origin`: its body, and which key.
pub fn open_checkpoint(
    text: &str,
    origin: &str,
    keys: &[(String, VerifierKey)],
) -> Result<(CheckpointBody, Note, String), String> {
    let parsed =
        Note::parse(text).map_err(|e| format!("the checkpoint is not a signed note: {e}"))?;
    let body = CheckpointBody::parse(&parsed.text).map_err(|e| e.to_string())?;
    if body.origin != origin {
        return Err(format!(
            "the checkpoint is of the log {:?}, not {origin:?}",
            body.origin
        ));
    }
    let signer = keys
        .iter()
        .find(|(_, k)| parsed.signed_by(k))
        .map(|(kid, _)| kid.clone())
        .ok_or("the checkpoint is not signed by any key of the log")?;
    Ok((body, parsed, signer))
}

/// Checks a receipt: the key history from its rotations, anchored by `anchors`; the
/// checkpoint's signature by one of those keys; the entry's hash and signature by the key
/// whose turn it was; and its inclusion in the checkpoint's tree.
pub fn verify(receipt: &Receipt, anchors: &Anchors) -> Result<ReceiptReport, String> {
    let history = KeyHistory::from_rotations(&receipt.rotations)
        .map_err(|f| format!("key rotation at seq {}: {}", f.seq, f.reason))?;
    let trust = anchors
        .check(&history)
        .map_err(|f| format!("trust: {}", f.reason))?;
    let keys = checkpoint_keys(&history, &receipt.origin);
    let (body, parsed, signed_by) = open_checkpoint(&receipt.checkpoint, &receipt.origin, &keys)?;
    let entry = &receipt.entry;
    let signer = history
        .signer_of(entry.seq)
        .ok_or("the entry comes before the first key")?;
    super::verify::check_entry(entry, &signer.key).map_err(|e| format!("the entry: {e}"))?;
    if entry.kid != signer.kid {
        return Err(format!(
            "the entry is signed by key {}, where key {} signs",
            entry.kid, signer.kid
        ));
    }
    let proof = &receipt.inclusion;
    if proof.seq != entry.seq
        || proof.leaf_index != entry.seq - 1
        || u64::try_from(proof.tree_size).ok() != Some(body.size)
    {
        return Err("the inclusion proof is not for this entry and checkpoint".into());
    }
    let leaf = merkle::leaf_hash(
        entry
            .body()
            .canonical()
            .map_err(|e| e.to_string())?
            .as_bytes(),
    );
    let hashes = proof
        .hashes
        .iter()
        .map(|h| merkle::parse_hex(h).ok_or_else(|| format!("{h:?} is not a hash")))
        .collect::<Result<Vec<Hash>, String>>()?;
    if !merkle::verify_inclusion(
        (entry.seq - 1) as u64,
        body.size,
        &leaf,
        &hashes,
        &body.root,
    ) {
        return Err(format!(
            "the entry is not in the tree of the checkpoint (size {}): the proof does not lead to its root",
            body.size
        ));
    }
    Ok(ReceiptReport {
        seq: entry.seq,
        action: entry.action.clone(),
        entity: format!("{}:{}", entry.entity.kind, entry.entity.id),
        tree_size: body.size,
        root_hash: merkle::hex(&body.root),
        signed_by,
        cosigned_by: parsed
            .signatures
            .iter()
            .filter(|s| s.name != receipt.origin)
            .map(|s| s.name.clone())
            .collect(),
        trust,
    })
}
