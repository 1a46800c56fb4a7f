//! Answers of writes: 201 for a new record, 200 for a change, the record with its
//! `audit_seq`, and the idempotency plumbing (`Idempotency-Key` in, the first answer again
//! out, marked `Idempotent-Replayed: true`).

use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};

use super::json::BodyHash;
use super::problem::ApiError;
use crate::auth::guards::remember;
use crate::ledger::{IdempotencyKey, Outcome as LedgerOutcome};

/// A committed write, as the answer.
pub struct Written(pub LedgerOutcome);

impl<'r> Responder<'r, 'static> for Written {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let body = serde_json::to_vec(&self.0.body).unwrap_or_default();
        let mut res = Response::build();
        res.status(if self.0.created {
            Status::Created
        } else {
            Status::Ok
        })
        .header(ContentType::JSON)
        .header(Header::new("X-Audit-Seq", self.0.audit_seq.to_string()))
        .sized_body(body.len(), Cursor::new(body));
        if self.0.replayed {
            res.header(Header::new("Idempotent-Replayed", "true"));
        }
        res.ok()
    }
}

/// The `Idempotency-Key` header, if sent (1–255 visible ASCII characters).
#[derive(Debug, Clone)]
pub struct IdempotencyHeader(pub Option<String>);

impl IdempotencyHeader {
    /// The key for a request to `path` with body hash `body`.
    pub fn key(&self, method: &str, path: &str, body: &BodyHash) -> Option<IdempotencyKey> {
        self.0.as_ref().map(|key| IdempotencyKey {
            key: key.clone(),
            request_hash: crate::audit::entry::sha256_hex(
                format!("{method} {path}\n{}", body.0).as_bytes(),
            ),
        })
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for IdempotencyHeader {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        match req.headers().get_one("Idempotency-Key") {
            None => Outcome::Success(IdempotencyHeader(None)),
            Some(k)
                if !k.is_empty()
                    && k.len() <= 255
                    && k.bytes().all(|b| (0x21..0x7f).contains(&b)) =>
            {
                Outcome::Success(IdempotencyHeader(Some(k.to_string())))
            }
            Some(_) => {
                let error = || ApiError::BadRequest {
                    detail: "Idempotency-Key must be 1–255 visible ASCII characters".into(),
                    errors: vec![],
                };
                remember(req, error());
                Outcome::Error((Status::BadRequest, error()))
            }
        }
    }
}

/// A file to download: its media type, a file name, and the body.
pub struct Attachment<R> {
    /// Media type.
    pub content_type: ContentType,
    /// File name offered to the browser (ASCII).
    pub filename: String,
    /// The body responder.
    pub body: R,
}

impl<'r, 'o: 'r, R: Responder<'r, 'o>> Responder<'r, 'o> for Attachment<R> {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'o> {
        let mut res = self.body.respond_to(req)?;
        res.set_header(self.content_type);
        res.set_header(Header::new(
            "Content-Disposition",
            format!(
                "attachment; filename=\"{}\"",
                self.filename.replace('"', "")
            ),
        ));
        Ok(res)
    }
}
