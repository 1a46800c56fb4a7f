//! The audit trail over HTTP (auditors and admins): entries, the NDJSON export (streamed),
//! checkpoints, verification, key rotation (admins).

use rocket::http::ContentType;
use rocket::response::stream::ByteStream;
use rocket::serde::json::Json;
use rocket::{State, get, post};
use serde::Serialize;

use super::problem::{ApiError, ApiResult};
use super::written::Written;
use crate::audit::chain::{self, AuditError};
use crate::audit::checkpoint::{self, Checkpoint};
use crate::audit::entry::AuditEntry;
use crate::audit::gate::{GateError, VerifyGate};
use crate::audit::keys::KeyStore;
use crate::audit::trust::Anchors;
use crate::audit::verify::DatabaseVerification;
use crate::auth::guards::{Admin, AuditReader};
use crate::db::{Db, DbError};
use crate::ledger::{Command, Ledger};

impl From<AuditError> for ApiError {
    fn from(e: AuditError) -> Self {
        match e {
            AuditError::Untrusted { .. } => ApiError::Integrity(e.to_string()),
            e => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<GateError<AuditError>> for ApiError {
    fn from(e: GateError<AuditError>) -> Self {
        match e {
            GateError::Busy { retry_after, last } => ApiError::Busy {
                retry_after,
                detail: match last {
                    Some(l) => format!(
                        "a verification is already running; try again in {retry_after} seconds \
                         (the last one ended at {})",
                        crate::time::rfc3339(l.ended_at)
                    ),
                    None => format!(
                        "a verification is already running; try again in {retry_after} seconds"
                    ),
                },
            },
            GateError::Failed(e) => ApiError::from(e),
            GateError::Unavailable(e) => ApiError::Internal(e),
        }
    }
}

fn db_err(e: AuditError) -> DbError {
    DbError::Task(e.to_string())
}

/// A page of audit entries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryPage {
    /// Entries in seq order.
    pub items: Vec<AuditEntry>,
    /// `after_seq` of the next page, or null at the head.
    pub next: Option<i64>,
}

/// Query parameters of the entries list.
#[derive(Debug, Default, rocket::FromForm)]
pub struct EntryQuery<'r> {
    after_seq: Option<&'r str>,
    limit: Option<&'r str>,
    actor: Option<&'r str>,
    action: Option<&'r str>,
    entity_type: Option<&'r str>,
    entity_id: Option<&'r str>,
    from: Option<&'r str>,
    to: Option<&'r str>,
}

fn time_param(name: &str, value: Option<&str>) -> ApiResult<Option<chrono::NaiveDateTime>> {
    let text = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    match text(value) {
        None => Ok(None),
        Some(v) => crate::time::parse_rfc3339(&v)
            .or_else(|| {
                super::fields::parse_date(&v)
                    .ok()
                    .map(|d| crate::time::end_of_shanghai_day(d) - chrono::Duration::days(1))
            })
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid(
                    name,
                    "an RFC 3339 time or a date YYYY-MM-DD (Asia/Shanghai)",
                    "应为RFC 3339时间或YYYY-MM-DD日期",
                )
            }),
    }
}

/// Entries after `after_seq` (default 0), at most `limit` (default 50, max 500), optionally
/// filtered by actor (id or username), action (exact, or a prefix like `contract.`), entity
/// and time (`from` inclusive, `to` exclusive; RFC 3339 or a day in Asia/Shanghai).
#[utoipa::path(get, operation_id = "audit_entries", path = "/api/v1/audit/entries", tag = "audit", security(("bearer" = [])),
    params(("after_seq" = Option<i64>, Query, description = "Entries with seq above this"),
           ("limit" = Option<i64>, Query, description = "1–500, default 50"),
           ("actor" = Option<String>, Query, description = "User id or username"),
           ("action" = Option<String>, Query, description = "contract.register, or a prefix such as contract."),
           ("entity_type" = Option<String>, Query, description = "contract, party, user, key, import"),
           ("entity_id" = Option<String>, Query, description = "The record's id"),
           ("from" = Option<String>, Query, description = "At or after (RFC 3339, or YYYY-MM-DD)"),
           ("to" = Option<String>, Query, description = "Before (RFC 3339, or YYYY-MM-DD: before that day starts)")),
    responses((status = 200, description = "Entries", body = EntryPage)))]
#[get("/audit/entries?<query..>")]
pub async fn entries(
    _reader: AuditReader,
    query: EntryQuery<'_>,
    db: &State<Db>,
) -> ApiResult<Json<EntryPage>> {
    let after = super::query::int("after_seq", query.after_seq, 0, 0, i64::MAX)?;
    let limit = super::query::limit(query.limit)?;
    let text = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let filter = chain::EntryFilter {
        actor: text(query.actor),
        action: text(query.action),
        entity_type: text(query.entity_type),
        entity_id: text(query.entity_id),
        from: time_param("from", query.from)?,
        to: time_param("to", query.to)?,
    };
    let items = db
        .run(move |conn| chain::filtered_entries(conn, &filter, after, limit).map_err(db_err))
        .await?;
    let next = (items.len() as i64 == limit)
        .then(|| items.last().map(|e| e.seq))
        .flatten();
    Ok(Json(EntryPage { items, next }))
}

/// One entry.
#[utoipa::path(get, operation_id = "audit_entry", path = "/api/v1/audit/entries/{seq}", tag = "audit", security(("bearer" = [])),
    params(("seq" = i64, Path, description = "Position in the chain")),
    responses((status = 200, description = "The entry", body = AuditEntry), (status = 404, description = "No such entry", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/audit/entries/<seq>")]
pub async fn entry(_reader: AuditReader, seq: &str, db: &State<Db>) -> ApiResult<Json<AuditEntry>> {
    let n: i64 = seq
        .parse()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| ApiError::not_found(format!("no audit entry {seq}")))?;
    let mut page = db
        .run(move |conn| chain::entries_after(conn, n - 1, 1).map_err(db_err))
        .await?;
    match page.pop() {
        Some(e) if e.seq == n => Ok(Json(e)),
        _ => Err(ApiError::not_found(format!("no audit entry {n}"))),
    }
}

/// The whole chain as NDJSON, one canonical entry a line in seq order, streamed page by page.
#[utoipa::path(get, operation_id = "audit_export", path = "/api/v1/audit/export", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "application/x-ndjson", body = String, content_type = "application/x-ndjson")))]
#[get("/audit/export")]
pub fn export(_reader: AuditReader, db: &State<Db>) -> (ContentType, ByteStream![Vec<u8>]) {
    let db = db.inner().clone();
    let stream = ByteStream! {
        let mut after = 0;
        loop {
            let page = db.run(move |conn| chain::entries_after(conn, after, 2000).map_err(db_err)).await;
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "audit export stopped");
                    break;
                }
            };
            let Some(last) = page.last() else { break };
            after = last.seq;
            let mut chunk = Vec::with_capacity(page.len() * 800);
            for entry in &page {
                if let Ok(line) = entry.to_line() {
                    chunk.extend_from_slice(line.as_bytes());
                    chunk.push(b'\n');
                }
            }
            yield chunk;
        }
    };
    (ContentType::new("application", "x-ndjson"), stream)
}

/// A signed checkpoint of the chain as it stands (the stored one when it covers the head).
#[utoipa::path(get, operation_id = "audit_current_checkpoint", path = "/api/v1/audit/checkpoint", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "Signed checkpoint", body = Checkpoint)))]
#[get("/audit/checkpoint")]
pub async fn current_checkpoint(
    _reader: AuditReader,
    db: &State<Db>,
    ledger: &State<Ledger>,
) -> ApiResult<Json<Checkpoint>> {
    let stored = db
        .run(|conn| {
            let head = chain::read_head(conn)?;
            Ok::<_, DbError>(checkpoint::by_size(conn, head.seq)?)
        })
        .await?;
    match stored {
        Some(c) => Ok(Json(c)),
        None => Ok(Json(ledger.checkpoint().await?)),
    }
}

/// Stored checkpoints, newest first.
#[utoipa::path(get, operation_id = "audit_checkpoints", path = "/api/v1/audit/checkpoints", tag = "audit", security(("bearer" = [])),
    params(("before" = Option<i64>, Query, description = "Tree sizes below this"), ("limit" = Option<i64>, Query, description = "1–500, default 50")),
    responses((status = 200, description = "Checkpoints", body = super::Page<Checkpoint>)))]
#[get("/audit/checkpoints?<before>&<limit>")]
pub async fn checkpoints(
    _reader: AuditReader,
    before: Option<&str>,
    limit: Option<&str>,
    db: &State<Db>,
) -> ApiResult<Json<super::Page<Checkpoint>>> {
    let before = before
        .map(|b| super::query::int("before", Some(b), 0, 0, i64::MAX))
        .transpose()?;
    let limit = super::query::limit(limit)?;
    let items = db
        .run(move |conn| checkpoint::list(conn, before, limit).map_err(DbError::from))
        .await?;
    let next = (items.len() as i64 == limit)
        .then(|| items.last().map(|c| c.tree_size.to_string()))
        .flatten();
    Ok(Json(super::Page { items, next }))
}

/// Verifies the whole chain in the database and reconciles every ledger table with it: one
/// verification at a time per process, on a connection of its own (see [`VerifyGate`]).
#[utoipa::path(get, operation_id = "audit_verify", path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "Result (ok false names the first bad seq)", body = DatabaseVerification),
        (status = 429, description = "Another verification is running; see Retry-After", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/audit/verify")]
pub async fn verify(
    _reader: AuditReader,
    gate: &State<VerifyGate>,
    keys: &State<KeyStore>,
    config: &State<std::sync::Arc<crate::config::Config>>,
) -> ApiResult<Json<DatabaseVerification>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The server's own signing key anchors the chain: a key the database names but this data
    // directory does not hold fails the verification.
    let anchors = Anchors::none("database")
        .with_key_store(keys)
        .map_err(ApiError::Internal)?;
    let attachments = crate::attachments::AttachmentStore::new(&config.data_dir);
    // The gate decides when and on which connection; what is verified is verify's own business.
    let result = gate
        .run(move |conn| {
            crate::audit::verify::verify_database_and_files(conn, threads, &anchors, attachments)
        })
        .await?;
    Ok(Json(result))
}

/// Rotates the audit signing key (admins): the new key is endorsed by the old one, old entries
/// stay verifiable with the old key, whose private half leaves the key directory (into
/// `keys-retired` with `keep_retired=true`, else destroyed).
#[utoipa::path(post, operation_id = "audit_rotate_key", path = "/api/v1/audit/keys/rotate", tag = "audit", security(("bearer" = [])),
    params(("keep_retired" = Option<bool>, Query, description = "Keep the retired private key in keys-retired (default false: destroyed)")),
    responses((status = 201, description = "The new key: kid, public_key, fingerprint, previous, audit_seq", body = Object)))]
#[post("/audit/keys/rotate?<keep_retired>")]
pub async fn rotate_key(
    admin: Admin,
    keep_retired: Option<&str>,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let keep_retired = match keep_retired {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "keep_retired",
                "must be true or false",
                "应为 true 或 false",
            ));
        }
    };
    Ok(Written(
        ledger
            .submit(admin.principal(), Command::RotateKey { keep_retired })
            .await?,
    ))
}
