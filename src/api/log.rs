//! The audit log as a C2SP transparency log: the signed checkpoint, the Merkle tree's tiles,
//! the entry bundles (auditors), the keys, and RFC 9162 proofs. Checkpoints, tiles, keys and
//! proofs are public — they are hashes and signatures, and anyone must be able to check that
//! the log only grows; the entries themselves (contracts, parties, users) are for auditors.

use std::io::Cursor;

use rocket::http::uri::Segments;
use rocket::http::uri::fmt::Path;
use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::serde::json::Json;
use rocket::{State, get, post};
use serde::{Deserialize, Serialize};

use super::problem::{ApiError, ApiResult};
use crate::audit::chain::{self, AuditError};
use crate::audit::checkpoint::{self as checkpoints, Checkpoint};
use crate::audit::entry::AuditEntry;
use crate::audit::merkle::{self, Tile};
use crate::audit::note::{Note, VerifierKey};
use crate::audit::receipt::{Inclusion, Receipt};
use crate::audit::{rotation, tlog};
use crate::auth::guards::AuditReader;
use crate::db::{Db, DbError};
use crate::ledger::{Command, Cosignature, FieldError, Ledger, Principal};

/// A body with its media type and caching.
pub struct Served {
    content_type: ContentType,
    cache: &'static str,
    body: Vec<u8>,
}

impl<'r> Responder<'r, 'static> for Served {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Response::build()
            .status(Status::Ok)
            .header(self.content_type)
            .header(Header::new("Cache-Control", self.cache))
            .header(Header::new("Access-Control-Allow-Origin", "*"))
            .sized_body(self.body.len(), Cursor::new(self.body))
            .ok()
    }
}

/// Tiles and bundles never change once they exist (a partial tile is a different path).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub(crate) fn db_err(e: AuditError) -> DbError {
    DbError::Task(e.to_string())
}

/// The latest checkpoint with a signed note, made now if the stored ones do not cover the
/// chain's head.
pub(crate) async fn latest(db: &Db, ledger: &Ledger) -> ApiResult<Checkpoint> {
    let stored = db
        .run(|conn| {
            let head = chain::read_head(conn)?;
            Ok::<_, DbError>(checkpoints::latest_note(conn)?.filter(|c| c.tree_size >= head.seq))
        })
        .await?;
    match stored {
        Some(c) => Ok(c),
        None => Ok(ledger.checkpoint().await?),
    }
}

/// A checkpoint's note with the cosignatures stored for it.
pub(crate) async fn with_cosignatures(db: &Db, cp: &Checkpoint) -> ApiResult<String> {
    let note = cp
        .note
        .clone()
        .ok_or_else(|| ApiError::Internal("the checkpoint has no signed note".into()))?;
    let size = cp.tree_size;
    let lines = db
        .run(move |conn| Ok::<_, DbError>(checkpoints::cosignature_lines(conn, size)?))
        .await?;
    if lines.is_empty() {
        return Ok(note);
    }
    let mut parsed = Note::parse(&note).map_err(|e| ApiError::Internal(e.to_string()))?;
    for line in lines {
        if let Ok(line) = crate::audit::note::SignatureLine::parse(&line) {
            parsed.signatures.push(line);
        }
    }
    Ok(parsed.encode())
}

/// The log's latest signed checkpoint (C2SP tlog-checkpoint), with the witnesses'
/// cosignatures.
#[utoipa::path(get, operation_id = "log_checkpoint", path = "/log/checkpoint", tag = "transparency log",
    responses((status = 200, description = "A signed note: origin, tree size, base64 root hash, a blank line, signature lines", content_type = "text/plain; charset=utf-8", body = String)))]
#[get("/log/checkpoint")]
pub async fn checkpoint(db: &State<Db>, ledger: &State<Ledger>) -> ApiResult<Served> {
    let cp = latest(db, ledger).await?;
    Ok(Served {
        content_type: ContentType::new("text", "plain").with_params(("charset", "utf-8")),
        cache: "no-cache",
        body: with_cosignatures(db, &cp).await?.into_bytes(),
    })
}

/// The stored checkpoint of exactly `size` entries (C2SP tlog-checkpoint), with the
/// witnesses' cosignatures: the one a summary or breakdown names as the state its figures were
/// computed at. Reads only: a size nobody's figures named may have none (404).
#[utoipa::path(get, operation_id = "log_checkpoint_of_size", path = "/log/checkpoint/{size}", tag = "transparency log",
    params(("size" = i64, Path, description = "Tree size (entries)")),
    responses((status = 200, description = "A signed note: origin, tree size, base64 root hash, a blank line, signature lines", content_type = "text/plain; charset=utf-8", body = String),
        (status = 404, description = "No checkpoint of that size is stored", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/log/checkpoint/<size>")]
pub async fn checkpoint_of_size(size: &str, db: &State<Db>) -> ApiResult<Served> {
    let not_found = || {
        ApiError::NotFound(format!(
            "no signed checkpoint of {size:?} entries is stored"
        ))
    };
    let wanted: i64 = size
        .parse()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(not_found)?;
    let cp = db
        .run(move |conn| Ok::<_, DbError>(checkpoints::by_size(conn, wanted)?))
        .await?
        .filter(|c| c.note.is_some())
        .ok_or_else(not_found)?;
    Ok(Served {
        content_type: ContentType::new("text", "plain").with_params(("charset", "utf-8")),
        cache: "no-cache",
        body: with_cosignatures(db, &cp).await?.into_bytes(),
    })
}

/// The path of a tile or bundle, as its raw segments.
fn tile_path(segments: &Segments<'_, Path>, entries: bool) -> ApiResult<Tile> {
    let path = segments.clone().collect::<Vec<_>>().join("/");
    Tile::parse(&path, entries).ok_or_else(|| {
        ApiError::NotFound(format!(
            "{path} is not a tile path (tlog-tiles: <L>/<N>[.p/<W>], N in three-digit elements)"
        ))
    })
}

/// A Merkle tree tile (C2SP tlog-tiles): concatenated 32-byte hashes.
#[utoipa::path(get, operation_id = "log_tile", path = "/log/tile/{path}", tag = "transparency log",
    params(("path" = String, Path, description = "<L>/<N>[.p/<W>], e.g. 0/x001/234 or 1/000.p/17")),
    responses((status = 200, description = "The tile", content_type = "application/octet-stream", body = Vec<u8>), (status = 404, description = "No such tile (yet)", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/log/tile/<path..>", rank = 2)]
pub async fn tile(path: Segments<'_, Path>, db: &State<Db>) -> ApiResult<Served> {
    let tile = tile_path(&path, false)?;
    let body = db
        .run(move |conn| {
            let head = chain::read_head(conn)?;
            if !tile.exists_in(u64::try_from(head.seq).unwrap_or(0)) {
                return Ok(None);
            }
            tlog::tile(conn, &tile)
                .map(Some)
                .map_err(|e| db_err(e.into()))
        })
        .await?
        .ok_or_else(|| ApiError::NotFound("the log does not hold this tile yet".into()))?;
    Ok(Served {
        content_type: ContentType::Binary,
        cache: IMMUTABLE,
        body,
    })
}

/// An entry bundle (C2SP tlog-tiles): each entry's leaf data — its canonical JSON without
/// `hash`, `kid` and `signature` — after a big-endian uint16 length. Auditors and admins.
#[utoipa::path(get, operation_id = "log_entries", path = "/log/tile/entries/{path}", tag = "transparency log", security(("bearer" = [])),
    params(("path" = String, Path, description = "<N>[.p/<W>]")),
    responses((status = 200, description = "The bundle", content_type = "application/octet-stream", body = Vec<u8>), (status = 404, description = "No such bundle (yet)", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/log/tile/entries/<path..>", rank = 1)]
pub async fn entries(
    _reader: AuditReader,
    path: Segments<'_, Path>,
    db: &State<Db>,
) -> ApiResult<Served> {
    let tile = tile_path(&path, true)?;
    let body = db
        .run(move |conn| {
            let head = chain::read_head(conn)?;
            if !tile.exists_in(u64::try_from(head.seq).unwrap_or(0)) {
                return Ok(None);
            }
            tlog::entry_bundle(conn, &tile).map(Some).map_err(db_err)
        })
        .await?
        .ok_or_else(|| ApiError::NotFound("the log does not hold this bundle yet".into()))?;
    Ok(Served {
        content_type: ContentType::Binary,
        cache: IMMUTABLE,
        body,
    })
}

/// The log's keys.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogKeys {
    /// The origin: the first line of every checkpoint, the name checkpoints are signed under.
    pub origin: String,
    /// The key signing checkpoints now, as a C2SP vkey.
    pub vkey: String,
    /// Every key that ever signed, oldest first, as vkeys.
    pub vkeys: Vec<String>,
    /// The `key.rotate` entries announcing them: the first is the root of trust, each later one
    /// endorsed by the key before it — check them from a pinned root fingerprint.
    pub rotations: Vec<AuditEntry>,
    /// Witness keys whose cosignatures this log accepts and serves.
    pub witnesses: Vec<String>,
}

/// Every key of the log's history (from its `key.rotate` entries), oldest first, as C2SP
/// vkeys under `origin`.
pub(crate) fn vkeys(rotations: &[AuditEntry], origin: &str) -> ApiResult<Vec<String>> {
    let history = rotation::KeyHistory::from_rotations(rotations).map_err(|f| {
        ApiError::Integrity(format!(
            "the key history does not hold at seq {}: {}",
            f.seq, f.reason
        ))
    })?;
    history
        .keys()
        .iter()
        .map(|k| {
            VerifierKey::new(origin, crate::audit::note::ALG_ED25519, k.key)
                .map(|v| v.encode())
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .collect()
}

/// The log's signing keys as C2SP vkeys, with the rotation entries that vouch for them.
#[utoipa::path(get, operation_id = "log_keys", path = "/log/keys", tag = "transparency log",
    responses((status = 200, description = "Keys", body = LogKeys)))]
#[get("/log/keys")]
pub async fn keys(
    db: &State<Db>,
    ledger: &State<Ledger>,
    config: &State<std::sync::Arc<crate::config::Config>>,
) -> ApiResult<Json<LogKeys>> {
    let origin = ledger.log_origin().to_string();
    let rotations = db
        .run(|conn| rotation::load_rotations(conn).map_err(db_err))
        .await?;
    let vkeys = vkeys(&rotations, &origin)?;
    Ok(Json(LogKeys {
        vkey: vkeys.last().cloned().unwrap_or_default(),
        vkeys,
        origin,
        rotations,
        witnesses: config.audit.witnesses.clone(),
    }))
}

/// A consistency proof.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    /// The older tree size.
    pub from: i64,
    /// The newer tree size.
    pub to: i64,
    /// The proof (hex), RFC 9162 §2.1.4.
    pub hashes: Vec<String>,
}

fn hexes(hashes: Vec<merkle::Hash>) -> Vec<String> {
    hashes.iter().map(merkle::hex).collect()
}

/// The inclusion proof of entry `seq` in the tree of `tree_size` entries.
pub fn prove_inclusion(
    conn: &mut crate::db::DbConn,
    seq: i64,
    tree_size: i64,
) -> Result<Inclusion, DbError> {
    let index = (seq - 1) as u64;
    let mut stored = tlog::Stored(conn);
    let leaf = merkle::HashSource::hashes(&mut stored, &[merkle::stored_hash_index(0, index)])
        .map_err(|e| db_err(e.into()))?;
    let hashes = merkle::inclusion_proof(index, tree_size as u64, &mut stored)
        .map_err(|e| db_err(e.into()))?;
    Ok(Inclusion {
        seq,
        tree_size,
        leaf_index: seq - 1,
        leaf_hash: leaf.first().map(merkle::hex).unwrap_or_default(),
        hashes: hexes(hashes),
    })
}

/// The head's seq, and a 422 naming `field` unless `value` lies in `min..=head`.
async fn within_head(db: &Db, field: &'static str, value: i64, min: i64) -> ApiResult<i64> {
    let head = db
        .run(|conn| Ok::<_, DbError>(chain::read_head(conn)?.seq))
        .await?;
    if value < min || value > head {
        return Err(ApiError::invalid(
            field,
            format!("must be from {min} to the log's size ({head})"),
            format!("应在{min}到日志当前大小（{head}）之间"),
        ));
    }
    Ok(head)
}

/// The inclusion proof of an entry in a tree (RFC 9162), public.
#[utoipa::path(get, operation_id = "audit_proof_inclusion", path = "/api/v1/audit/proof/inclusion", tag = "transparency log",
    params(("seq" = i64, Query, description = "The entry"), ("tree_size" = i64, Query, description = "The tree (a checkpoint's size), at least seq")),
    responses((status = 200, description = "The proof", body = Inclusion), (status = 422, description = "seq or tree_size out of range", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/audit/proof/inclusion?<seq>&<tree_size>")]
pub async fn inclusion(
    seq: Option<&str>,
    tree_size: Option<&str>,
    db: &State<Db>,
) -> ApiResult<Json<Inclusion>> {
    let seq = required_int("seq", seq)?;
    let tree_size = required_int("tree_size", tree_size)?;
    within_head(db, "tree_size", tree_size, 1).await?;
    if seq < 1 || seq > tree_size {
        return Err(ApiError::invalid(
            "seq",
            "must be from 1 to tree_size",
            "应在1到tree_size之间",
        ));
    }
    Ok(Json(
        db.run(move |conn| prove_inclusion(conn, seq, tree_size))
            .await?,
    ))
}

/// The consistency proof between two trees (RFC 9162), public.
#[utoipa::path(get, operation_id = "audit_proof_consistency", path = "/api/v1/audit/proof/consistency", tag = "transparency log",
    params(("from" = i64, Query, description = "The older tree size (≥ 1)"), ("to" = i64, Query, description = "The newer tree size")),
    responses((status = 200, description = "The proof", body = ConsistencyProof), (status = 422, description = "from or to out of range", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/audit/proof/consistency?<from>&<to>")]
pub async fn consistency(
    from: Option<&str>,
    to: Option<&str>,
    db: &State<Db>,
) -> ApiResult<Json<ConsistencyProof>> {
    let from = required_int("from", from)?;
    let to = required_int("to", to)?;
    within_head(db, "to", to, 1).await?;
    if from < 1 || from > to {
        return Err(ApiError::invalid(
            "from",
            "must be from 1 to `to`",
            "应在1到to之间",
        ));
    }
    let hashes = db
        .run(move |conn| {
            merkle::consistency_proof(from as u64, to as u64, &mut tlog::Stored(conn))
                .map_err(|e| db_err(e.into()))
        })
        .await?;
    Ok(Json(ConsistencyProof {
        from,
        to,
        hashes: hexes(hashes),
    }))
}

fn required_int(name: &'static str, value: Option<&str>) -> ApiResult<i64> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Err(ApiError::invalid(name, "is required", "必填")),
        Some(v) => v
            .parse::<i64>()
            .map_err(|_| ApiError::invalid(name, "must be an integer", "应为整数")),
    }
}

/// A receipt for a contract: the audit entry that set its current state, its inclusion proof,
/// the signed checkpoint that covers it and the key rotations vouching for the checkpoint's
/// signer — checkable offline with `techledger verify receipt FILE --trust-root …`.
#[utoipa::path(get, operation_id = "contracts_receipt", path = "/api/v1/contracts/{id}/receipt", tag = "transparency log", security(("bearer" = [])),
    params(("id" = String, Path, description = "Contract id")),
    responses((status = 200, description = "The receipt", body = Receipt), (status = 404, description = "No such contract", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/contracts/<id>/receipt", rank = 2)]
pub async fn receipt(
    _reader: crate::auth::guards::LedgerReader,
    id: &str,
    db: &State<Db>,
    ledger: &State<Ledger>,
) -> ApiResult<super::written::Attachment<Json<Receipt>>> {
    let contract_id = id.to_string();
    let seq = db
        .run(move |conn| {
            Ok::<_, DbError>(
                crate::db::models::contracts::by_id(conn, &contract_id)?.map(|c| c.audit_seq),
            )
        })
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no contract {id}")))?;
    receipt_for(db, ledger, seq)
        .await
        .map(|r| super::written::Attachment {
            content_type: ContentType::JSON,
            filename: format!("receipt-{}.json", r.entry.entity.id),
            body: Json(r),
        })
}

/// The audit entry `seq`, which must exist.
pub(crate) fn entry_at(conn: &mut crate::db::DbConn, seq: i64) -> Result<AuditEntry, DbError> {
    chain::entries_after(conn, seq - 1, 1)
        .map_err(db_err)?
        .into_iter()
        .next()
        .ok_or_else(|| DbError::Task(format!("entry {seq} is missing")))
}

/// The receipt of entry `seq`.
pub(crate) async fn receipt_for(db: &Db, ledger: &Ledger, seq: i64) -> ApiResult<Receipt> {
    let stored = db
        .run(move |conn| Ok::<_, DbError>(checkpoints::covering(conn, seq)?))
        .await?;
    let cp = match stored {
        Some(c) => c,
        None => ledger.checkpoint().await?,
    };
    let size = cp.tree_size;
    let note = with_cosignatures(db, &cp).await?;
    let (entry, inclusion, rotations) = db
        .run(move |conn| {
            let entry = entry_at(conn, seq)?;
            let inclusion = prove_inclusion(conn, seq, size)?;
            let rotations: Vec<AuditEntry> = rotation::load_rotations(conn)
                .map_err(db_err)?
                .into_iter()
                .filter(|r| r.seq <= size.max(seq))
                .collect();
            Ok::<_, DbError>((entry, inclusion, rotations))
        })
        .await?;
    Ok(Receipt {
        origin: ledger.log_origin().to_string(),
        entry,
        inclusion,
        checkpoint: note,
        rotations,
    })
}

/// A witness's cosignature of a checkpoint the log served.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CosignatureBody {
    /// The tree size of the checkpoint cosigned (its second line).
    pub tree_size: Option<i64>,
    /// The C2SP tlog-cosignature v1 signature line over that checkpoint's text:
    /// `— <witness name> base64(key ID ‖ 8-byte time ‖ Ed25519 signature)`.
    pub cosignature: Option<String>,
}

/// A stored cosignature, as answered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CosignatureStored {
    /// The checkpoint's tree size.
    pub tree_size: i64,
    /// The witness (its key name).
    pub witness: String,
    /// The stored signature line.
    pub cosignature: String,
    /// The `log.cosign` entry that recorded it.
    pub audit_seq: i64,
}

/// Stores a witness's cosignature (C2SP tlog-cosignature v1) of a stored checkpoint, served
/// from then on as an extra signature line of `/log/checkpoint` and `/log/checkpoint/{size}`.
/// No account: the signature is the credential, and only witness keys in `audit.witnesses`
/// are accepted. Recorded by one `log.cosign` audit entry; a witness's second cosignature of
/// the same checkpoint is answered with the first (200, `Idempotent-Replayed`), writing nothing.
#[utoipa::path(post, operation_id = "log_cosignature", path = "/log/cosignature", tag = "transparency log", request_body = CosignatureBody,
    responses((status = 201, description = "Stored: `{tree_size, witness, cosignature, audit_seq}`", body = CosignatureStored),
        (status = 200, description = "This witness had cosigned this checkpoint already: the stored cosignature", body = CosignatureStored),
        (status = 403, description = "Not a witness key this log accepts (names `cosignature`)", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such checkpoint (`tree_size`), or a cosignature that does not parse or hold (`cosignature`)", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/log/cosignature", data = "<body>")]
pub async fn cosign(
    body: super::json::ApiJson<CosignatureBody>,
    ledger: &State<Ledger>,
    config: &State<std::sync::Arc<crate::config::Config>>,
) -> ApiResult<super::written::Written> {
    let body = body.0;
    let mut errors = Vec::new();
    let tree_size = match body.tree_size {
        None => {
            errors.push(FieldError::new("tree_size", "is required", "必填"));
            None
        }
        Some(n) if n < 1 => {
            errors.push(FieldError::new(
                "tree_size",
                "must be at least 1",
                "应不小于1",
            ));
            None
        }
        Some(n) => Some(n),
    };
    let line = match body.cosignature.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("cosignature", "is required", "必填"));
            None
        }
        Some(text) => match crate::audit::note::SignatureLine::parse(text) {
            Ok(line) if line.bytes.len() == 72 => Some(line),
            Ok(_) => {
                errors.push(FieldError::new(
                    "cosignature",
                    "a cosignature/v1 carries an 8-byte time and a 64-byte Ed25519 signature after its key ID",
                    "共同签名应在密钥ID后包含8字节时间和64字节Ed25519签名",
                ));
                None
            }
            Err(e) => {
                errors.push(FieldError::new(
                    "cosignature",
                    format!("not a signature line: {e}"),
                    "不是有效的签名行",
                ));
                None
            }
        },
    };
    let (Some(tree_size), Some(line)) = (tree_size, line) else {
        return Err(ApiError::Invalid(errors));
    };
    let known = config
        .audit
        .witnesses
        .iter()
        .any(|w| VerifierKey::parse(w).is_ok_and(|k| line.is_by(&k)));
    if !known {
        return Err(ApiError::ForbiddenFields {
            detail: format!(
                "{:?} (key ID {}) is not a witness this log accepts",
                line.name,
                crate::audit::entry::to_hex(&line.id)
            ),
            errors: vec![FieldError::new(
                "cosignature",
                "signed by a key that is not in the log's audit.witnesses",
                "签名密钥不在本日志配置的见证方（audit.witnesses）之列",
            )],
        });
    }
    let outcome = ledger
        .execute(crate::ledger::Request::new(
            Principal::Public,
            Command::Cosign(Cosignature { tree_size, line }),
        ))
        .await?;
    Ok(super::written::Written(outcome))
}
