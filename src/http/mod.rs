//! HTTP plumbing shared by the API and the pages: request ids and the access log, metrics,
//! security headers.

pub mod client_addr;
pub mod control_chars;
pub mod front;
pub mod metrics;
pub mod ops_access;

use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Header;
use rocket::request::{FromRequest, Outcome};
use rocket::{Data, Request, Response};

/// The id of a request: sent back as `X-Request-Id` and in every log line about it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

struct Started(Instant);

/// The request id of `req` (made on first use).
pub fn request_id<'a>(req: &'a Request<'_>) -> &'a str {
    &req.local_cache(|| {
        let incoming = req.headers().get_one("X-Request-Id").filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
        RequestId(
            incoming.map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_string),
        )
    })
    .0
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RequestId {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(RequestId(request_id(req).to_string()))
    }
}

/// Assigns request ids, writes the access log, records metrics, and sets security headers.
pub struct Plumbing;

#[rocket::async_trait]
impl Fairing for Plumbing {
    fn info(&self) -> Info {
        Info {
            name: "request ids, access log, metrics, security headers",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        req.local_cache(|| Started(Instant::now()));
        let _ = request_id(req);
        control_chars::divert(req);
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let elapsed = req.local_cache(|| Started(Instant::now())).0.elapsed();
        let id = request_id(req).to_string();
        let route = req
            .route()
            .map_or_else(|| "unmatched".to_string(), |r| r.uri.as_str().to_string());
        let status = res.status().code;
        if let Some(metrics) = req.rocket().state::<metrics::HttpMetrics>() {
            metrics.record(req.method().as_str(), &route, status, elapsed);
        }
        tracing::info!(
            request_id = %id,
            method = %req.method(),
            path = %req.uri().path(),
            status,
            micros = elapsed.as_micros() as u64,
            "request"
        );
        res.set_header(Header::new("X-Request-Id", id));
        set_security_headers(req, res);
    }
}

/// HSTS when `auth.secure_cookie` is on: one year (no `includeSubDomains`: the other hosts of
/// the domain are not ours to decide for).
pub const HSTS: &str = "max-age=31536000";

/// The content security policy of every answer: nothing but our own origin, no inline
/// scripts, no framing. The API docs page alone allows inline styles (RapiDoc generates them).
fn set_security_headers(req: &Request<'_>, res: &mut Response<'_>) {
    let styles = if req.uri().path() == "/docs" {
        "'self' 'unsafe-inline'"
    } else {
        "'self'"
    };
    res.set_header(Header::new(
        "Content-Security-Policy",
        format!(
            "default-src 'self'; script-src 'self'; style-src {styles}; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'"
        ),
    ));
    res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
    res.set_header(Header::new("X-Frame-Options", "DENY"));
    res.set_header(Header::new("Referrer-Policy", "no-referrer"));
    res.set_header(Header::new("Cross-Origin-Opener-Policy", "same-origin"));
    if !res.headers().contains("Cache-Control") {
        res.set_header(Header::new("Cache-Control", "no-store"));
    }
    // Served over HTTPS (that is what a Secure session cookie says): browsers are to keep to it.
    if req
        .rocket()
        .state::<std::sync::Arc<crate::config::Config>>()
        .is_some_and(|c| c.auth.secure_cookie)
    {
        res.set_header(Header::new("Strict-Transport-Security", HSTS));
    }
}
