//! Server-rendered pages (Chinese first, English available) and the static assets they use.
//! Pages are frames rendered with askama; their scripts (no inline scripts: the CSP forbids
//! them) call the JSON API with the session cookie and the page's CSRF token.

pub mod account;
pub mod admin;
pub mod assets;
pub mod audit_pages;
pub mod dashboard;
pub mod i18n;
pub mod layout;
pub mod registrar;
pub mod session;
pub mod submissions;
pub mod verify;

use std::io::Cursor;

use askama::Template;
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::{Route, routes};

/// Every page route.
pub fn routes() -> Vec<Route> {
    let mut all = routes![
        session::form,
        session::submit,
        session::logout,
        dashboard::page
    ];
    all.extend(registrar::routes());
    all.extend(audit_pages::routes());
    all.extend(admin::routes());
    all.extend(account::routes());
    all.extend(verify::routes());
    all.extend(submissions::routes());
    all
}

/// A rendered page with its status.
pub struct Page<T: Template> {
    status: Status,
    template: T,
}

impl<T: Template> Page<T> {
    /// 200 with `template`.
    pub fn ok(template: T) -> Page<T> {
        Page {
            status: Status::Ok,
            template,
        }
    }

    /// Another status with `template`.
    pub fn with_status(status: Status, template: T) -> Page<T> {
        Page { status, template }
    }
}

impl<'r, T: Template> Responder<'r, 'static> for Page<T> {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        match self.template.render() {
            Ok(body) => Response::build()
                .status(self.status)
                .header(ContentType::HTML)
                .sized_body(body.len(), Cursor::new(body))
                .ok(),
            Err(e) => {
                tracing::error!(request_id = %crate::http::request_id(req), error = %e, "a page failed to render");
                error_page(req, Status::InternalServerError)
            }
        }
    }
}

/// Whether a request comes from a browser page rather than an API client.
pub fn wants_html(req: &Request<'_>) -> bool {
    let path = req.uri().path().as_str();
    let api = [
        "/api/",
        "/.well-known/",
        "/health",
        "/metrics",
        "/openapi.json",
        "/static/",
    ]
    .iter()
    .any(|p| path.starts_with(p));
    !api && req
        .accept()
        .is_some_and(|a| a.preferred().media_type().is_html())
}

/// A plain error page for browsers.
pub fn error_page(req: &Request<'_>, status: Status) -> response::Result<'static> {
    let (zh, en) = match status.code {
        401 => ("请先登录", "Please sign in"),
        403 => ("您没有权限访问此页面", "You may not open this page"),
        404 => ("页面不存在", "Page not found"),
        405 => ("不支持的请求方式", "Method not allowed"),
        _ if status.code >= 500 => (
            "服务器出错，请稍后再试",
            "The server failed; please try again",
        ),
        _ => ("请求有误", "Bad request"),
    };
    let id = crate::http::request_id(req);
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{code} · techledger</title>\
         <link rel=\"icon\" href=\"/static/favicon.svg\"><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body class=\"error-page\"><main>\
         <h1>{code}</h1><p>{zh}</p><p lang=\"en\">{en}</p><p class=\"muted\">request id {id}</p>\
         <p><a href=\"/\">返回首页 · Home</a></p></main></body></html>",
        code = status.code
    );
    Response::build()
        .status(status)
        .header(ContentType::HTML)
        .sized_body(body.len(), Cursor::new(body))
        .ok()
}

/// Browsers that are not signed in go to the login page, then back.
pub fn login_redirect(req: &Request<'_>) -> response::Result<'static> {
    let next = req.uri().to_string();
    let location = format!("/login?next={}", urlencode(&next));
    Response::build()
        .status(Status::SeeOther)
        .raw_header("Location", location)
        .ok()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
