//! Errors over HTTP: every failure answers `application/problem+json` (RFC 9457) with the
//! fields at fault named in `errors`. Every error of every layer is mapped to a status here,
//! and only here.

use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::db::DbError;
use crate::ledger::{FieldError, LedgerError};

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:techledger:problem:<code>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What happened, for a person.
    pub detail: String,
    /// Each bad field (empty when the problem is not about fields).
    pub errors: Vec<FieldError>,
    /// Request id (also in `X-Request-Id`), to quote to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Extension members (e.g. `rejected` rows of an import).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: Map<String, Value>,
}

impl Problem {
    /// A problem of `status` with a stable `code`.
    pub fn new(status: Status, code: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:techledger:problem:{code}"),
            title: status.reason().unwrap_or("Error").to_string(),
            status: status.code,
            detail: detail.into(),
            errors: Vec::new(),
            request_id: None,
            extensions: Map::new(),
        }
    }

    /// With field errors.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Problem {
        self.errors = errors;
        self
    }
}

/// Every way an API request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The write path refused or failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Storage failed on the read path.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The request cannot be read at all (malformed JSON, a bad header).
    #[error("{detail}")]
    BadRequest {
        /// What is wrong.
        detail: String,
        /// Fields at fault, if known.
        errors: Vec<FieldError>,
    },
    /// The request is well-formed but its values are invalid.
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    /// No token, or one that does not verify.
    #[error("{0}")]
    Unauthorized(String),
    /// The role or office may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The user may not give these values (another office's code, say): 403 naming the fields.
    #[error("{detail}")]
    ForbiddenFields {
        /// What is not allowed.
        detail: String,
        /// The fields at fault.
        errors: Vec<FieldError>,
    },
    /// Nothing there.
    #[error("{0}")]
    NotFound(String),
    /// The path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<String>),
    /// Too many failed logins.
    #[error("too many attempts")]
    TooManyRequests {
        /// Seconds until the next attempt is allowed.
        retry_after: u64,
    },
    /// A one-at-a-time operation is already running.
    #[error("{detail}")]
    Busy {
        /// Seconds until it is expected to end.
        retry_after: u64,
        /// What is running.
        detail: String,
    },
    /// The body is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// A field (an uploaded file) is larger than allowed: 413 naming it.
    #[error("{}: {}", .0.field, .0.message)]
    TooLargeField(FieldError),
    /// The body's media type is not accepted.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Something of ours failed.
    #[error("{0}")]
    Internal(String),
    /// The database cannot be reached (a guard found it so): 503 with Retry-After.
    #[error("the database is unavailable: {0}")]
    DatabaseUnavailable(String),
    /// The audit chain's own integrity does not hold (its keys cannot be trusted): nothing a
    /// client did, and nothing to serve until an operator looks.
    #[error("{0}")]
    Integrity(String),
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        ApiError::Db(DbError::Query(e))
    }
}

impl From<crate::db::models::CorruptRow> for ApiError {
    fn from(e: crate::db::models::CorruptRow) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl ApiError {
    /// One invalid field.
    pub fn invalid(
        field: &str,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> ApiError {
        ApiError::Invalid(vec![FieldError::new(field, message, message_zh)])
    }

    /// A 404 for `what`.
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::NotFound(what.into())
    }

    /// The problem document and extra headers for this error.
    pub fn to_problem(&self) -> (Problem, Vec<Header<'static>>) {
        let mut headers = Vec::new();
        let problem = match self {
            ApiError::Ledger(e) => match e {
                LedgerError::Invalid(errors) => Problem::new(
                    Status::UnprocessableEntity,
                    "validation_failed",
                    "the request has invalid fields",
                )
                .with_errors(errors.clone()),
                LedgerError::NotFound { entity, id } => Problem::new(
                    Status::NotFound,
                    "not_found",
                    format!("{entity} {id} not found"),
                ),
                LedgerError::Conflict {
                    code,
                    message,
                    message_zh,
                } => {
                    let mut p = Problem::new(Status::Conflict, code, message.clone());
                    p.extensions
                        .insert("detail_zh".into(), Value::String(message_zh.clone()));
                    p
                }
                LedgerError::Forbidden {
                    message,
                    message_zh,
                } => {
                    let mut p = Problem::new(Status::Forbidden, "forbidden", message.clone());
                    p.extensions
                        .insert("detail_zh".into(), Value::String(message_zh.clone()));
                    p
                }
                LedgerError::ImportRejected(rows) => {
                    let mut p = Problem::new(
                        Status::UnprocessableEntity,
                        "import_rejected",
                        format!(
                            "{} rows were rejected; nothing was imported (use partial=true to import the good rows)",
                            rows.len()
                        ),
                    );
                    p.extensions.insert(
                        "rejected".into(),
                        serde_json::to_value(rows).unwrap_or(Value::Null),
                    );
                    p
                }
                LedgerError::Storage(_) => internal(),
                LedgerError::Unavailable => Problem::new(
                    Status::ServiceUnavailable,
                    "unavailable",
                    "the ledger is not accepting writes right now",
                ),
                LedgerError::DatabaseUnavailable(reason) => {
                    database_unavailable(&mut headers, reason)
                }
                LedgerError::StorageFull(reason) => {
                    tracing::error!(%reason, "the database's disk is full");
                    headers.push(Header::new("Retry-After", STORAGE_FULL_RETRY.to_string()));
                    let mut p = Problem::new(
                        Status::ServiceUnavailable,
                        "storage_full",
                        "the database's disk is full: nothing was written; try again later",
                    );
                    p.extensions.insert(
                        "detail_zh".into(),
                        Value::String("数据库磁盘已满，未写入任何内容，请稍后重试".into()),
                    );
                    p
                }
            },
            ApiError::Db(e) if e.is_unreachable() => {
                database_unavailable(&mut headers, &e.to_string())
            }
            ApiError::DatabaseUnavailable(reason) => database_unavailable(&mut headers, reason),
            ApiError::Db(_) | ApiError::Internal(_) => internal(),
            ApiError::Integrity(detail) => {
                tracing::error!(%detail, "the audit chain's integrity does not hold");
                Problem::new(Status::ServiceUnavailable, "integrity", detail.clone())
            }
            ApiError::BadRequest { detail, errors } => {
                Problem::new(Status::BadRequest, "bad_request", detail.clone())
                    .with_errors(errors.clone())
            }
            ApiError::Invalid(errors) => Problem::new(
                Status::UnprocessableEntity,
                "validation_failed",
                "the request has invalid fields",
            )
            .with_errors(errors.clone()),
            ApiError::Unauthorized(detail) => {
                headers.push(Header::new(
                    "WWW-Authenticate",
                    "Bearer realm=\"techledger\"",
                ));
                Problem::new(Status::Unauthorized, "unauthorized", detail.clone())
            }
            ApiError::Forbidden(detail) => {
                Problem::new(Status::Forbidden, "forbidden", detail.clone())
            }
            ApiError::ForbiddenFields { detail, errors } => {
                Problem::new(Status::Forbidden, "forbidden", detail.clone())
                    .with_errors(errors.clone())
            }
            ApiError::NotFound(detail) => {
                Problem::new(Status::NotFound, "not_found", detail.clone())
            }
            ApiError::MethodNotAllowed(allowed) => {
                headers.push(Header::new("Allow", allowed.join(", ")));
                Problem::new(
                    Status::MethodNotAllowed,
                    "method_not_allowed",
                    format!("this path answers {}", allowed.join(", ")),
                )
            }
            ApiError::TooManyRequests { retry_after } => {
                headers.push(Header::new("Retry-After", retry_after.to_string()));
                Problem::new(
                    Status::TooManyRequests,
                    "too_many_requests",
                    format!("too many failed attempts; try again in {retry_after} seconds"),
                )
            }
            ApiError::Busy {
                retry_after,
                detail,
            } => {
                headers.push(Header::new("Retry-After", retry_after.to_string()));
                Problem::new(Status::TooManyRequests, "busy", detail.clone())
            }
            ApiError::TooLarge(detail) => {
                Problem::new(Status::PayloadTooLarge, "too_large", detail.clone())
            }
            ApiError::TooLargeField(error) => {
                Problem::new(Status::PayloadTooLarge, "too_large", error.message.clone())
                    .with_errors(vec![error.clone()])
            }
            ApiError::UnsupportedMediaType(detail) => Problem::new(
                Status::UnsupportedMediaType,
                "unsupported_media_type",
                detail.clone(),
            ),
        };
        (problem, headers)
    }
}

/// Seconds a client is asked to wait while the database is away.
const DATABASE_RETRY: u64 = 5;
/// … and while its disk is full (an operator has to act).
const STORAGE_FULL_RETRY: u64 = 60;

fn database_unavailable(headers: &mut Vec<Header<'static>>, reason: &str) -> Problem {
    tracing::warn!(%reason, "the database is unavailable");
    crate::db::note_connection_lost();
    headers.push(Header::new("Retry-After", DATABASE_RETRY.to_string()));
    let mut p = Problem::new(
        Status::ServiceUnavailable,
        "database_unavailable",
        "the database cannot be reached; try again shortly (a retry with the same Idempotency-Key cannot apply a change twice)",
    );
    p.extensions.insert(
        "detail_zh".into(),
        Value::String(
            "暂时无法连接数据库，请稍后重试（使用相同的 Idempotency-Key 重试不会重复写入）".into(),
        ),
    );
    p
}

fn internal() -> Problem {
    Problem::new(
        Status::InternalServerError,
        "internal",
        "the server failed; the error was logged with this request's id",
    )
}

/// Writes `problem` as the response.
pub fn respond(
    req: &Request<'_>,
    mut problem: Problem,
    headers: Vec<Header<'static>>,
) -> response::Result<'static> {
    problem.request_id = Some(crate::http::request_id(req).to_string());
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut res = Response::build();
    res.status(Status::from_code(problem.status).unwrap_or(Status::InternalServerError))
        .header(ContentType::new("application", "problem+json"))
        .sized_body(body.len(), Cursor::new(body));
    for h in headers {
        res.header(h);
    }
    res.ok()
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let (problem, headers) = self.to_problem();
        if problem.status >= 500 {
            tracing::error!(request_id = %crate::http::request_id(req), error = %self, "request failed");
        }
        respond(req, problem, headers)
    }
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;
