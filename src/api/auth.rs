//! Signing in: `POST /api/v1/auth/login`, `GET /api/v1/me`.

use std::net::IpAddr;
use std::sync::Arc;

use rocket::serde::json::Json;
use rocket::{State, get, post};
use serde::{Deserialize, Serialize};

use super::json::ApiJson;
use super::problem::{ApiError, ApiResult};
use crate::auth::{AuthUser, LoginLimiter, Passwords, TokenIssuer};
use crate::db::Db;
use crate::db::models::users as user_rows;
pub use crate::http::client_addr::ClientAddr;
use crate::records::UserState;

/// Credentials.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A login token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginAnswer {
    /// The JWT to send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// When it expires (RFC 3339).
    pub expires_at: String,
    /// Who signed in.
    pub user: UserState,
    /// CSRF token of the session (pages send it back in `X-CSRF-Token`).
    #[serde(skip)]
    pub csrf: String,
}

const INVALID: &str = "invalid username or password";

/// Checks credentials, the attempt reserved with the limiter before the password is checked
/// (see `auth::rate_limit`); the same answer, in about the same time, for an unknown user, a
/// wrong password and an inactive user.
pub async fn sign_in(
    db: &Db,
    passwords: &Arc<Passwords>,
    tokens: &TokenIssuer,
    limiter: &LoginLimiter,
    client: Option<IpAddr>,
    username: &str,
    password: &str,
) -> ApiResult<LoginAnswer> {
    let attempt = limiter
        .reserve(username, client)
        .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
    let name = username.to_string();
    // A name with control characters belongs to nobody (and PostgreSQL would refuse a NUL in
    // the lookup): it is an unknown user, answered after the same password check as any other.
    let row = if crate::ledger::text::is_line(username) {
        db.run(move |conn| user_rows::by_username(conn, &name).map_err(crate::db::DbError::from))
            .await?
    } else {
        None
    };
    let hashing = Arc::clone(passwords);
    let candidate = password.to_string();
    let hash = row.as_ref().map(|r| r.password_hash.clone());
    let matches =
        rocket::tokio::task::spawn_blocking(move || hashing.verify(&candidate, hash.as_deref()))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    let row = match row {
        Some(row) if matches && row.active => row,
        _ => {
            limiter.failed(attempt);
            return Err(ApiError::Unauthorized(INVALID.into()));
        }
    };
    limiter.succeeded(attempt);
    let state = UserState::from_row(&row)?;
    let (token, expires, csrf) = tokens
        .issue(
            &row.id,
            &row.role,
            row.office.as_deref(),
            row.token_generation,
            crate::time::now(),
        )
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(LoginAnswer {
        token,
        token_type: "Bearer",
        expires_at: crate::time::rfc3339(expires),
        user: state,
        csrf,
    })
}

/// Signs in and returns a token.
#[utoipa::path(post, operation_id = "auth_login", path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in", body = LoginAnswer),
        (status = 401, description = "Unknown user, wrong password or inactive user (one answer for all)", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
#[post("/auth/login", data = "<body>")]
pub async fn login(
    body: ApiJson<LoginBody>,
    client: ClientAddr,
    db: &State<Db>,
    passwords: &State<Arc<Passwords>>,
    tokens: &State<TokenIssuer>,
    limiter: &State<LoginLimiter>,
) -> ApiResult<Json<LoginAnswer>> {
    let body = body.0;
    sign_in(
        db,
        passwords,
        tokens,
        limiter,
        client.0,
        &body.username,
        &body.password,
    )
    .await
    .map(Json)
}

/// The signed-in user.
#[utoipa::path(get, operation_id = "auth_me", path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = UserState), (status = 401, description = "No valid token", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/me")]
pub async fn me(user: AuthUser, db: &State<Db>) -> ApiResult<Json<UserState>> {
    let id = user.actor.id.clone();
    let row = db
        .run(move |conn| user_rows::by_id(conn, &id).map_err(crate::db::DbError::from))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the user no longer exists".into()))?;
    Ok(Json(UserState::from_row(&row)?))
}
