//! Operations: health, metrics, the JWKS, the OpenAPI document and its browsable docs, and
//! static assets. All public.

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
use crate::ledger::Ledger;

/// Readiness of the service.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` (then the status is 503).
    pub status: &'static str,
    /// The running version.
    pub version: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Migrations applied.
    pub migrations_applied: usize,
    /// Migrations this binary has that the database lacks (0 when current).
    pub migrations_pending: usize,
    /// Entries in the audit chain.
    pub audit_entries: i64,
    /// What is wrong, when unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Is the service ready: database reachable, migrations current.
#[utoipa::path(get, operation_id = "ops_health", path = "/health", tag = "operations",
    responses((status = 200, description = "Ready", body = Health), (status = 503, description = "Not ready", body = Health)))]
#[get("/health")]
pub async fn health(db: &State<Db>) -> (Status, Json<Health>) {
    let backend = db.backend().name();
    let probe = db
        .run(|conn| {
            let state = crate::db::migration_state(conn)?;
            let head = crate::audit::chain::read_head(conn)?;
            Ok::<_, crate::db::DbError>((state, head.seq))
        })
        .await;
    match probe {
        Ok((state, entries)) => {
            let ok = state.pending == 0;
            (
                if ok {
                    Status::Ok
                } else {
                    Status::ServiceUnavailable
                },
                Json(Health {
                    status: if ok { "ok" } else { "unavailable" },
                    version: env!("CARGO_PKG_VERSION"),
                    database: backend,
                    migrations_applied: state.applied,
                    migrations_pending: state.pending,
                    audit_entries: entries,
                    detail: (!ok)
                        .then(|| "migrations are pending: run `techledger migrate`".to_string()),
                }),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                Status::ServiceUnavailable,
                Json(Health {
                    status: "unavailable",
                    version: env!("CARGO_PKG_VERSION"),
                    database: backend,
                    migrations_applied: 0,
                    migrations_pending: 0,
                    audit_entries: 0,
                    detail: Some("the database is unreachable".into()),
                }),
            )
        }
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, operation_id = "ops_metrics", path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
#[get("/metrics")]
pub fn metrics(http: &State<HttpMetrics>, ledger: &State<Ledger>) -> (ContentType, String) {
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
