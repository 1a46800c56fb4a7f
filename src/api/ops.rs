//! Operations: health, metrics, the JWKS, the OpenAPI document and its browsable docs, and
//! static assets. All public except `/metrics` and the details of `/health` (operators).

use std::sync::Arc;

use rocket::http::{ContentType, Status};
use rocket::serde::json::Json;
use rocket::{State, get};
use serde::Serialize;

use super::problem::{ApiError, ApiResult};
use crate::audit::verify::Jwks;
use crate::config::Config;
use crate::db::Db;
use crate::http::metrics::HttpMetrics;
use crate::http::ops_access::{Operator, OpsAccess};
use crate::ledger::Ledger;

/// Readiness of the service. Everyone gets `status`; operators (see `http::ops_access`) also
/// get the details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` (then the status is 503).
    pub status: &'static str,
    /// The running version (operators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'static str>,
    /// `sqlite` or `postgres` (operators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
    /// Migrations applied (operators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migrations_applied: Option<usize>,
    /// Migrations this binary has that the database lacks (operators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migrations_pending: Option<usize>,
    /// Entries in the audit chain (operators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_entries: Option<i64>,
    /// What is wrong, when unavailable (operators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Is the service ready: database reachable, migrations current. The answer's status says it
/// to everyone; the details are for operators only (`ops.token`, `ops.addresses`).
#[utoipa::path(get, operation_id = "ops_health", path = "/health", tag = "operations",
    params(("Authorization" = Option<String>, Header, description = "`Bearer <ops.token>` for the details")),
    responses((status = 200, description = "Ready", body = Health), (status = 503, description = "Not ready", body = Health)))]
#[get("/health")]
pub async fn health(db: &State<Db>, ops: OpsAccess) -> (Status, Json<Health>) {
    let backend = db.backend().name();
    let probe = db
        .run(|conn| {
            let state = crate::db::migration_state(conn)?;
            let head = crate::audit::chain::read_head(conn)?;
            Ok::<_, crate::db::DbError>((state, head.seq))
        })
        .await;
    let (ok, mut details) = match probe {
        Ok((state, entries)) => {
            let ok = state.pending == 0;
            (
                ok,
                Health {
                    status: "",
                    version: Some(env!("CARGO_PKG_VERSION")),
                    database: Some(backend),
                    migrations_applied: Some(state.applied),
                    migrations_pending: Some(state.pending),
                    audit_entries: Some(entries),
                    detail: (!ok)
                        .then(|| "migrations are pending: run `techledger migrate`".to_string()),
                },
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                false,
                Health {
                    status: "",
                    version: Some(env!("CARGO_PKG_VERSION")),
                    database: Some(backend),
                    migrations_applied: None,
                    migrations_pending: None,
                    audit_entries: None,
                    detail: Some("the database is unreachable".into()),
                },
            )
        }
    };
    details.status = if ok { "ok" } else { "unavailable" };
    let body = if ops.0 {
        details
    } else {
        Health {
            status: details.status,
            version: None,
            database: None,
            migrations_applied: None,
            migrations_pending: None,
            audit_entries: None,
            detail: None,
        }
    };
    let status = if ok {
        Status::Ok
    } else {
        Status::ServiceUnavailable
    };
    (status, Json(body))
}

/// Prometheus metrics (text exposition format), for operators only.
#[utoipa::path(get, operation_id = "ops_metrics", path = "/metrics", tag = "operations",
    params(("Authorization" = Option<String>, Header, description = "`Bearer <ops.token>`, unless asked from an address in ops.addresses")),
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"),
        (status = 403, description = "Not an operator", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/metrics")]
pub fn metrics(
    _operator: Operator,
    http: &State<HttpMetrics>,
    ledger: &State<Ledger>,
) -> (ContentType, String) {
    (
        ContentType::new("text", "plain").with_params(("version", "0.0.4")),
        http.render(ledger.metrics()),
    )
}

/// Every public key that ever signed the audit chain (Ed25519 OKP keys with kid, the seqs and
/// times each signs), from the chain's verified key history.
#[utoipa::path(get, operation_id = "ops_jwks", path = "/.well-known/jwks.json", tag = "audit",
    responses((status = 200, description = "JSON Web Key Set", body = Jwks)))]
#[get("/.well-known/jwks.json")]
pub async fn jwks(
    db: &State<Db>,
    keys: &State<crate::audit::keys::KeyStore>,
) -> ApiResult<Json<Jwks>> {
    let keys = keys.inner().clone();
    let jwks = db
        .run(move |conn| Ok::<_, crate::db::DbError>(crate::audit::jwks::served(conn, &keys)))
        .await??;
    Ok(Json(jwks))
}

/// The OpenAPI 3.1 document of this API.
#[get("/openapi.json")]
pub fn openapi() -> (ContentType, String) {
    (ContentType::JSON, super::openapi::document_json())
}

/// Browsable API documentation (RapiDoc, served from this binary).
#[get("/docs")]
pub fn docs() -> (ContentType, &'static str) {
    (
        ContentType::HTML,
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>techledger API</title>
<script type="module" src="/static/vendor/rapidoc/rapidoc-min.js"></script></head>
<body><rapi-doc spec-url="/openapi.json" load-fonts="false" render-style="read" show-header="false"
 allow-try="true" allow-authentication="true" heading-text="techledger API"></rapi-doc></body></html>"#,
    )
}

/// Static assets embedded in the binary.
#[get("/static/<path..>")]
pub fn asset(path: std::path::PathBuf) -> ApiResult<crate::web::assets::Asset> {
    let path = path.to_string_lossy().replace('\\', "/");
    crate::web::assets::find(&path).ok_or_else(|| ApiError::not_found(format!("no asset {path}")))
}

/// The configuration is managed for handlers that need it.
pub type SharedConfig = Arc<Config>;

/// Where requests with control characters in their path or query end up (see
/// `http::control_chars`): a 422 naming the parameter.
#[get("/__refused_input")]
pub fn refused_input(refused: crate::http::control_chars::RefusedInput) -> ApiError {
    let parameter = refused.0.unwrap_or_else(|| "path".into());
    ApiError::invalid(
        &parameter,
        "must not contain control characters",
        "不能包含控制字符",
    )
}
