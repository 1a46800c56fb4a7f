//! Signing in and out of the pages: the login form (CSRF-protected by a double-submitted
//! cookie), the session cookie holding the login token (HttpOnly, SameSite=Strict, Secure when
//! configured), and logout.

use std::sync::Arc;

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::response::Redirect;
use rocket::{State, get, post};

use super::Page;
use super::layout::{Layout, PageCtx};
use crate::api::account::revoke_token;
use crate::api::auth::{ClientAddr, sign_in};
use crate::api::problem::ApiError;
use crate::auth::guards::SESSION_COOKIE;
use crate::auth::{LoginLimiter, Passwords, TokenIssuer};
use crate::config::Config;
use crate::db::Db;

/// The cookie holding the login form's CSRF token.
const LOGIN_CSRF_COOKIE: &str = "tl_login_csrf";

/// The login page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    layout: Layout,
    next: String,
    csrf: String,
    error: &'static str,
    username: String,
}

/// Only local paths are followed after signing in (no open redirects); anything else becomes
/// `/`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/login")
                && valid_location(n) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Whether `next` can be sent back as a `Location` at all: no control characters and a valid
/// origin URI (a tab or a space in it used to fail the redirect with a 500).
fn valid_location(next: &str) -> bool {
    !next.chars().any(char::is_control) && rocket::http::uri::Origin::parse(next).is_ok()
}

fn login_page(
    ctx: &PageCtx,
    jar: &CookieJar<'_>,
    next: String,
    error: &'static str,
    username: String,
) -> LoginPage {
    let csrf = uuid::Uuid::new_v4().simple().to_string();
    jar.add(
        Cookie::build((LOGIN_CSRF_COOKIE, csrf.clone()))
            .path("/login")
            .http_only(true)
            .same_site(SameSite::Strict),
    );
    LoginPage {
        layout: Layout::new(ctx, None, "login.title"),
        next,
        csrf,
        error,
        username,
    }
}

/// The login form.
#[get("/login?<next>")]
pub fn form(ctx: PageCtx, jar: &CookieJar<'_>, next: Option<&str>) -> Page<LoginPage> {
    Page::ok(login_page(&ctx, jar, safe_next(next), "", String::new()))
}

/// What the login form posts.
#[derive(FromForm)]
pub struct LoginForm<'r> {
    username: &'r str,
    password: &'r str,
    csrf: &'r str,
    next: Option<&'r str>,
}

/// The answer to a login post: a redirect, or the form again with an error.
#[derive(rocket::Responder)]
pub enum LoginAnswer {
    /// Signed in.
    Redirect(Redirect),
    /// Refused.
    Form(Page<LoginPage>),
}

/// Signs in from the form and sets the session cookie.
#[allow(clippy::too_many_arguments)]
#[post("/login", data = "<form>")]
pub async fn submit(
    ctx: PageCtx,
    jar: &CookieJar<'_>,
    form: Form<LoginForm<'_>>,
    client: ClientAddr,
    db: &State<Db>,
    passwords: &State<Arc<Passwords>>,
    tokens: &State<TokenIssuer>,
    limiter: &State<LoginLimiter>,
    config: &State<Arc<Config>>,
) -> LoginAnswer {
    if form.next.is_some_and(|n| !valid_location(n)) {
        let page = login_page(
            &ctx,
            jar,
            "/".to_string(),
            "login.bad_next",
            form.username.to_string(),
        );
        return LoginAnswer::Form(Page::with_status(Status::BadRequest, page));
    }
    let next = safe_next(form.next);
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string());
    if expected.as_deref() != Some(form.csrf) || form.csrf.is_empty() {
        let page = login_page(&ctx, jar, next, "common.error", form.username.to_string());
        return LoginAnswer::Form(Page::with_status(Status::Forbidden, page));
    }
    match sign_in(
        db,
        passwords,
        tokens,
        limiter,
        client.0,
        form.username,
        form.password,
    )
    .await
    {
        Ok(answer) => {
            jar.remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"));
            jar.add(
                Cookie::build((SESSION_COOKIE, answer.token))
                    .path("/")
                    .http_only(true)
                    .secure(config.auth.secure_cookie)
                    .same_site(SameSite::Strict)
                    .max_age(rocket::time::Duration::minutes(i64::from(
                        config.auth.token_lifetime_minutes,
                    ))),
            );
            LoginAnswer::Redirect(Redirect::to(next))
        }
        Err(e) => {
            let (status, key) = match e {
                ApiError::TooManyRequests { .. } => (Status::TooManyRequests, "login.throttled"),
                ApiError::Unauthorized(_) => (Status::Unauthorized, "login.failed"),
                _ => (Status::InternalServerError, "common.error"),
            };
            let page = login_page(&ctx, jar, next, key, form.username.to_string());
            LoginAnswer::Form(Page::with_status(status, page))
        }
    }
}

/// What the logout form posts.
#[derive(FromForm)]
pub struct LogoutForm<'r> {
    csrf: &'r str,
}

/// Signs out: the session's token is revoked (not only its cookie deleted). The form carries
/// the session's CSRF token; a post without it changes nothing.
#[post("/logout", data = "<form>")]
pub async fn logout(
    jar: &CookieJar<'_>,
    tokens: &State<TokenIssuer>,
    db: &State<Db>,
    form: Form<LogoutForm<'_>>,
) -> Result<Redirect, Status> {
    let session = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
    if let Some(claims) = session.as_deref().and_then(|t| tokens.verify(t).ok()) {
        if claims.csrf != form.csrf {
            return Err(Status::Forbidden);
        }
        let expires = chrono::DateTime::from_timestamp(claims.exp, 0)
            .map(|t| t.naive_utc())
            .ok_or(Status::BadRequest)?;
        revoke_token(db, claims.jti, claims.sub, expires)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "signing out: the token could not be revoked");
                Status::InternalServerError
            })?;
    }
    jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok(Redirect::to("/login"))
}
