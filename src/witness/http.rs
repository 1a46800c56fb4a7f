//! A small HTTP/1.1 client for the witness (hyper, already in the build for the front
//! listener): plain `http://` only. Everything the witness reads is signed or proven, and what
//! it sends is signed, so TLS adds no integrity here; a log served only over HTTPS is reached
//! through a local TLS tunnel (README, witness section).

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rocket::tokio::net::TcpStream;
use rocket::tokio::time::timeout;

/// How long one request may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read (a checkpoint is a few hundred bytes, a proof a few KiB).
const MAX_BODY: usize = 1 << 20;

/// A log's base URL: `http://host[:port][/prefix]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    host: String,
    port: u16,
    prefix: String,
}

impl BaseUrl {
    /// Parses `http://host[:port][/prefix]`.
    pub fn parse(url: &str) -> Result<BaseUrl, String> {
        let rest = url.trim().strip_prefix("http://").ok_or_else(|| {
            format!("{url:?}: the witness speaks plain http:// (reach an https:// log through a local TLS tunnel)")
        })?;
        let (authority, prefix) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (inside, after) = v6
                .split_once(']')
                .ok_or_else(|| format!("{url:?}: an IPv6 address ends with ]"))?;
            (&authority[..inside.len() + 2], after)
        } else {
            match authority.split_once(':') {
                Some((h, _)) => (h, &authority[h.len()..]),
                None => (authority, ""),
            }
        };
        let port = match port.strip_prefix(':') {
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| format!("{url:?}: {p:?} is not a port"))?,
            None if port.is_empty() => 80,
            None => return Err(format!("{url:?} is not http://host[:port][/prefix]")),
        };
        if host.is_empty() || host.contains(['@', '?', '#']) || prefix.contains(['?', '#']) {
            return Err(format!("{url:?} is not http://host[:port][/prefix]"));
        }
        Ok(BaseUrl {
            host: host.to_string(),
            port,
            prefix: prefix.to_string(),
        })
    }

    /// What the user gave, normalised.
    pub fn display(&self) -> String {
        format!("http://{}:{}{}", self.host, self.port, self.prefix)
    }
}

/// An answer: status and body.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as text (lossy), for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// GET `path` (with its query) under `base`.
pub async fn get(base: &BaseUrl, path: &str) -> Result<Answer, String> {
    send(base, "GET", path, None).await
}

/// POST a JSON `body` to `path` under `base`.
pub async fn post_json(base: &BaseUrl, path: &str, body: Vec<u8>) -> Result<Answer, String> {
    send(base, "POST", path, Some(body)).await
}

async fn send(
    base: &BaseUrl,
    method: &str,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<Answer, String> {
    let what = format!("{method} {}{path}", base.display());
    timeout(TIMEOUT, exchange(base, method, path, body))
        .await
        .map_err(|_| format!("{what}: no answer within {} s", TIMEOUT.as_secs()))?
        .map_err(|e| format!("{what}: {e}"))
}

async fn exchange(
    base: &BaseUrl,
    method: &str,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<Answer, String> {
    let host = base.host.trim_start_matches('[').trim_end_matches(']');
    let stream = TcpStream::connect((host, base.port))
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    let driver = rocket::tokio::spawn(connection);
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(format!("{}{path}", base.prefix))
        .header(hyper::header::HOST, format!("{}:{}", base.host, base.port))
        .header(
            hyper::header::USER_AGENT,
            concat!("techledger-witness/", env!("CARGO_PKG_VERSION")),
        )
        .header(hyper::header::CONNECTION, "close");
    if body.is_some() {
        request = request.header(hyper::header::CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    let mut incoming = response.into_body();
    while let Some(frame) = incoming.frame().await {
        if let Ok(data) = frame.map_err(|e| e.to_string())?.into_data() {
            if body.len() + data.len() > MAX_BODY {
                return Err(format!("the answer is larger than {MAX_BODY} bytes"));
            }
            body.extend_from_slice(&data);
        }
    }
    driver.abort();
    Ok(Answer { status, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_parse() {
        let u = BaseUrl::parse("http://127.0.0.1:8000").unwrap();
        assert_eq!(u.display(), "http://127.0.0.1:8000");
        let u = BaseUrl::parse("http://log.example/ledger/").unwrap();
        assert_eq!(u.display(), "http://log.example:80/ledger");
        assert_eq!(
            BaseUrl::parse("http://[::1]:9000").unwrap().display(),
            "http://[::1]:9000"
        );
        for bad in [
            "https://log.example",
            "log.example",
            "http://",
            "http://a:b",
            "http://u@h",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
