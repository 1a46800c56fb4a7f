//! Who may read operational details — `/metrics` and the details of `/health`: a request
//! carrying the configured `ops.token` as `Authorization: Bearer <token>`, or one from a
//! client address in `ops.addresses` (as `http::client_addr` sees it). Nobody by default.

use std::sync::Arc;

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};

use crate::api::problem::ApiError;
use crate::audit::entry::sha256_hex;
use crate::auth::guards::remember;
use crate::config::Config;

/// Whether the request may see operational details (never fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpsAccess(pub bool);

/// A request that may see operational details; others are answered 403.
#[derive(Debug, Clone, Copy)]
pub struct Operator;

/// Whether `req` carries the ops token or comes from an ops address.
pub fn allowed(req: &Request<'_>) -> bool {
    let Some(config) = req.rocket().state::<Arc<Config>>() else {
        return false;
    };
    let ops = &config.ops;
    let by_token = ops
        .token
        .as_deref()
        .filter(|t| !t.is_empty())
        .is_some_and(|token| {
            req.headers()
                .get_one("Authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
                // Digests of equal length, so the comparison says nothing about the token.
                .is_some_and(|sent| {
                    sha256_hex(sent.trim().as_bytes()) == sha256_hex(token.as_bytes())
                })
        });
    by_token || super::client_addr::client_addr(req).is_some_and(|ip| ops.addresses.contains(&ip))
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for OpsAccess {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(OpsAccess(allowed(req)))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Operator {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        if allowed(req) {
            return Outcome::Success(Operator);
        }
        let error = || {
            ApiError::Forbidden(
                "only operators may read this: send the ops token, or ask from an address in ops.addresses"
                    .into(),
            )
        };
        remember(req, error());
        Outcome::Error((Status::Forbidden, error()))
    }
}
