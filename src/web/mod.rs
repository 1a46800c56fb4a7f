//! Server-rendered pages (Chinese first, English available) and the static assets they use.

pub mod assets;

use std::io::Cursor;

use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Response};

/// Whether a request comes from a browser page rather than an API client.
pub fn wants_html(req: &Request<'_>) -> bool {
    let path = req.uri().path().as_str();
    let api = ["/api/", "/.well-known/", "/health", "/metrics", "/openapi.json", "/static/"]
        .iter()
        .any(|p| path.starts_with(p));
    !api && req.accept().is_some_and(|a| a.preferred().media_type().is_html())
}

/// A plain error page for browsers.
pub fn error_page(req: &Request<'_>, status: Status) -> response::Result<'static> {
    let (zh, en) = match status.code {
        401 => ("请先登录", "Please sign in"),
        403 => ("您没有权限访问此页面", "You may not open this page"),
        404 => ("页面不存在", "Page not found"),
        405 => ("不支持的请求方式", "Method not allowed"),
        _ if status.code >= 500 => ("服务器出错，请稍后再试", "The server failed; please try again"),
        _ => ("请求有误", "Bad request"),
    };
    let id = crate::http::request_id(req);
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{code} · techledger</title>\
         <link rel=\"stylesheet\" href=\"/static/app.css\"></head><body class=\"error-page\"><main>\
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
