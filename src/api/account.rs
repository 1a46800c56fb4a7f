//! The signed-in user's own account: `POST /api/v1/auth/logout` (this token),
//! `POST /api/v1/auth/logout-everywhere` (every token of the user), `POST /api/v1/me/password`.

use std::sync::Arc;

use rocket::http::{CookieJar, Status};
use rocket::{State, post};
use serde::Deserialize;

use super::auth::ClientAddr;
use super::json::ApiJson;
use super::problem::{ApiError, ApiResult};
use super::written::Written;
use crate::auth::guards::SESSION_COOKIE;
use crate::auth::{AuthUser, LoginLimiter, Passwords, password, revocations};
use crate::db::models::users as user_rows;
use crate::db::{Db, DbError};
use crate::ledger::{Command, FieldError, Ledger, UserUpdate};

/// Withdraws the token `jti` (valid until `expires`) of `user_id`; see `auth::revocations`
/// for why this is session state and not an audited ledger change.
pub async fn revoke_token(
    db: &Db,
    jti: String,
    user_id: String,
    expires: chrono::NaiveDateTime,
) -> Result<(), DbError> {
    db.run(move |conn| {
        revocations::revoke(conn, &jti, &user_id, expires, crate::time::now())
            .map_err(DbError::from)
    })
    .await
}

/// Signs out: the token that made this request stops working at once (the session cookie,
/// if that is how it came, is deleted too). Other sessions of the user go on.
#[utoipa::path(post, operation_id = "auth_logout", path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Signed out; the token is revoked"),
        (status = 401, description = "No valid token", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/auth/logout")]
pub async fn logout(user: AuthUser, db: &State<Db>, jar: &CookieJar<'_>) -> ApiResult<Status> {
    revoke_token(
        db,
        user.token_id.clone(),
        user.actor.id.clone(),
        user.token_expires,
    )
    .await?;
    if user.via_cookie {
        jar.remove(rocket::http::Cookie::build(SESSION_COOKIE).path("/"));
    }
    Ok(Status::NoContent)
}

/// Signs out everywhere: every token the user holds stops working (their token generation
/// moves on, audited as `user.update`).
#[utoipa::path(post, operation_id = "auth_logout_everywhere", path = "/api/v1/auth/logout-everywhere", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "Every session ended; the user with the audit_seq", body = crate::records::UserState),
        (status = 401, description = "No valid token", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/auth/logout-everywhere")]
pub async fn logout_everywhere(
    user: AuthUser,
    ledger: &State<Ledger>,
    jar: &CookieJar<'_>,
) -> ApiResult<Written> {
    let command = Command::UpdateUser(UserUpdate {
        id: user.actor.id.clone(),
        display_name: None,
        role: None,
        office: None,
        active: None,
        password_hash: None,
        password_changed: false,
        revoke_tokens: true,
    });
    let written = Written(ledger.submit(user.principal(), command).await?);
    if user.via_cookie {
        jar.remove(rocket::http::Cookie::build(SESSION_COOKIE).path("/"));
    }
    Ok(written)
}

/// A change of one's own password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    pub current_password: String,
    /// The new one: at least 10 characters, not containing the username.
    pub new_password: String,
}

/// Changes the signed-in user's password. The current password is checked (and counted by
/// login throttling, so a stolen session cannot guess it); every session of the user ends,
/// this one included. Audited as `user.update` with `password_changed`, never the password.
#[utoipa::path(post, operation_id = "me_change_password", path = "/api/v1/me/password", tag = "auth", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 200, description = "Changed; sign in again with the new password", body = crate::records::UserState),
        (status = 422, description = "Wrong current password, or the new one breaks a rule", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords; see Retry-After", body = super::problem::Problem, content_type = "application/problem+json")))]
#[allow(clippy::too_many_arguments)]
#[post("/me/password", data = "<body>")]
pub async fn change_password(
    user: AuthUser,
    body: ApiJson<PasswordChange>,
    client: ClientAddr,
    db: &State<Db>,
    ledger: &State<Ledger>,
    passwords: &State<Arc<Passwords>>,
    limiter: &State<LoginLimiter>,
    jar: &CookieJar<'_>,
) -> ApiResult<Written> {
    let body = body.0;
    let username = user.actor.username.clone();
    let mut errors: Vec<FieldError> = password::check_rules(&username, &body.new_password)
        .into_iter()
        .map(|e| FieldError {
            field: "new_password".into(),
            ..e
        })
        .collect();
    if body.new_password == body.current_password {
        errors.push(FieldError::new(
            "new_password",
            "must differ from the current password",
            "新密码不能与当前密码相同",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let attempt = limiter
        .reserve(&username, client.0)
        .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
    let id = user.actor.id.clone();
    let row = db
        .run(move |conn| user_rows::by_id(conn, &id).map_err(DbError::from))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the user no longer exists".into()))?;
    let hashing = Arc::clone(passwords);
    let (current, new) = (body.current_password, body.new_password);
    let (matches, new_hash) = rocket::tokio::task::spawn_blocking(move || {
        let matches = hashing.verify(&current, Some(&row.password_hash));
        let new_hash = matches.then(|| hashing.hash(&new));
        (matches, new_hash)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    if !matches {
        limiter.failed(attempt);
        return Err(ApiError::invalid(
            "current_password",
            "is not your current password",
            "当前密码不正确",
        ));
    }
    limiter.succeeded(attempt);
    let new_hash = new_hash
        .ok_or_else(|| ApiError::Internal("no new hash".into()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let command = Command::UpdateUser(UserUpdate {
        id: user.actor.id.clone(),
        display_name: None,
        role: None,
        office: None,
        active: None,
        password_hash: Some(new_hash),
        password_changed: true,
        revoke_tokens: false,
    });
    let written = Written(ledger.submit(user.principal(), command).await?);
    if user.via_cookie {
        jar.remove(rocket::http::Cookie::build(SESSION_COOKIE).path("/"));
    }
    Ok(written)
}
