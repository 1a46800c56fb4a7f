//! The JSON body guard: parses a request body into `T`, answering problem+json that names the
//! field for anything a client can get wrong (wrong media type, too large, malformed, an
//! unknown field, a value of the wrong type).

use rocket::data::{Data, FromData, Outcome, ToByteUnit};
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use serde::de::DeserializeOwned;

use super::problem::ApiError;
use crate::auth::guards::remember;
use crate::ledger::FieldError;

/// A JSON request body, with the SHA-256 of its bytes (for idempotency keys).
#[derive(Debug)]
pub struct ApiJson<T>(pub T, pub BodyHash);

/// Lower-case hex SHA-256 of a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyHash(pub String);

fn fail<'r, T>(req: &Request<'_>, status: Status, error: ApiError) -> Outcome<'r, T, ApiError> {
    let copy = match &error {
        ApiError::BadRequest { detail, errors } => ApiError::BadRequest {
            detail: detail.clone(),
            errors: errors.clone(),
        },
        ApiError::Invalid(errors) => ApiError::Invalid(errors.clone()),
        ApiError::TooLarge(d) => ApiError::TooLarge(d.clone()),
        ApiError::UnsupportedMediaType(d) => ApiError::UnsupportedMediaType(d.clone()),
        other => ApiError::Internal(other.to_string()),
    };
    remember(req, copy);
    Outcome::Error((status, error))
}

/// Parses JSON bytes into `T`, naming the field on failure.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = match result {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            return Err(if inner.is_syntax() || inner.is_eof() {
                ApiError::BadRequest {
                    detail: format!("the body is not valid JSON: {inner}"),
                    errors: vec![],
                }
            } else {
                let field = if path == "." {
                    unknown_field(&inner.to_string()).unwrap_or_else(|| "body".into())
                } else {
                    path
                };
                let message = strip_position(&inner.to_string());
                ApiError::Invalid(vec![FieldError::new(
                    field,
                    message.clone(),
                    format!("字段格式不正确：{message}"),
                )])
            });
        }
    };
    de.end().map_err(|e| ApiError::BadRequest {
        detail: format!("the body is not valid JSON: {e}"),
        errors: vec![],
    })?;
    Ok(value)
}

/// serde reports an unknown field at the parent's path; the field itself is in the message.
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_string())
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Reads a JSON request body's bytes, answering the problem a client caused otherwise.
async fn read_json_bytes(req: &Request<'_>, data: Data<'_>) -> Result<Vec<u8>, (Status, ApiError)> {
    match req.content_type() {
        Some(ct) if ct.is_json() => {}
        Some(ct) if ct.top() == "application" && ct.sub().as_str().ends_with("+json") => {}
        None => {}
        Some(other) => {
            return Err((
                Status::UnsupportedMediaType,
                ApiError::UnsupportedMediaType(format!("send application/json, not {other}")),
            ));
        }
    }
    let limit = req.limits().get("json").unwrap_or(256.kibibytes());
    match data.open(limit).into_bytes().await {
        Ok(b) if b.is_complete() => Ok(b.into_inner()),
        Ok(_) => Err((
            Status::PayloadTooLarge,
            ApiError::TooLarge(format!("the body is larger than {limit}")),
        )),
        Err(e) => Err((
            Status::BadRequest,
            ApiError::BadRequest {
                detail: format!("the body could not be read: {e}"),
                errors: vec![],
            },
        )),
    }
}

/// Parses read bytes into a body guard's value, or the outcome of the failure.
fn parsed<'r, T: DeserializeOwned, G>(
    req: &Request<'_>,
    bytes: &[u8],
    make: impl FnOnce(T, BodyHash) -> G,
) -> Outcome<'r, G, ApiError> {
    match parse::<T>(bytes) {
        Ok(v) => Outcome::Success(make(v, BodyHash(crate::audit::entry::sha256_hex(bytes)))),
        Err(e) => {
            let status = match &e {
                ApiError::BadRequest { .. } => Status::BadRequest,
                _ => Status::UnprocessableEntity,
            };
            fail(req, status, e)
        }
    }
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned + Send> FromData<'r> for ApiJson<T> {
    type Error = ApiError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self, ApiError> {
        match read_json_bytes(req, data).await {
            Ok(bytes) => parsed(req, &bytes, ApiJson),
            Err((status, e)) => fail(req, status, e),
        }
    }
}

/// A JSON request body that may be left out altogether (an empty body is `None`); otherwise
/// read exactly as [`ApiJson`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

#[rocket::async_trait]
impl<'r, T: DeserializeOwned + Send> FromData<'r> for OptionalJson<T> {
    type Error = ApiError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self, ApiError> {
        match read_json_bytes(req, data).await {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
                Outcome::Success(OptionalJson(None))
            }
            Ok(bytes) => parsed(req, &bytes, |v, _| OptionalJson(Some(v))),
            Err((status, e)) => fail(req, status, e),
        }
    }
}

/// Whether a content type is JSON (used by routes that take several body types).
pub fn is_json(ct: Option<&ContentType>) -> bool {
    ct.is_some_and(|c| c.is_json())
}
