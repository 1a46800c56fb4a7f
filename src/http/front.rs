//! The front listener: read timeouts Rocket 0.5 cannot set.
//!
//! Rocket 0.5 builds its hyper connections itself with `header_read_timeout(None)` and no
//! timer, and offers no public way to hand it a listener; its `keep_alive` only bounds idle
//! time between requests. A client sending its headers one byte a second therefore held a
//! connection (and whatever it reserved) for as long as it liked. So `techledger serve` puts
//! this listener in front: it accepts the public connections itself and serves them with hyper
//! (the HTTP implementation Rocket uses) configured with
//!
//! - a header timeout (`http.header_timeout_seconds`): a request's headers must arrive whole
//!   within it, or the connection is closed; an idle keep-alive connection waiting for its
//!   next request is closed after the same time;
//! - a body timeout (`http.body_timeout_seconds`): once the headers are in, the body must
//!   arrive whole within it, or the client gets 408 and the connection is closed.
//!
//! Each complete request is passed on, over one loopback connection per client connection, to
//! Rocket listening on an ephemeral port of 127.0.0.1. The client's address travels in a
//! header whose name is random per process (Rocket's `ip_header`), so nobody can forge it by
//! connecting to the loopback port directly; headers that only concern one hop are dropped.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rocket::tokio::net::{TcpListener, TcpStream};
use rocket::tokio::sync::Mutex;
use rocket::tokio::{self, time::Sleep};

use crate::config::HttpConfig;

/// How the front treats its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrontSettings {
    /// A request's headers must arrive within this time (also the idle keep-alive limit).
    pub header_timeout: Duration,
    /// A request's body must arrive within this time after its headers.
    pub body_timeout: Duration,
    /// Whether a connection may carry more than one request.
    pub keep_alive: bool,
}

impl FrontSettings {
    /// The settings in the configuration.
    pub fn from_config(http: &HttpConfig) -> FrontSettings {
        FrontSettings {
            header_timeout: Duration::from_secs(http.header_timeout_seconds),
            body_timeout: Duration::from_secs(http.body_timeout_seconds),
            keep_alive: http.keep_alive,
        }
    }
}

/// The front listener and the name of the header it passes the client's address in.
#[derive(Debug)]
pub struct Front {
    settings: FrontSettings,
    peer_header: HeaderName,
}

/// What the front answers with.
type FrontBody = BoxBody<Bytes, hyper::Error>;

impl Front {
    /// A front with `settings` and a fresh, unguessable peer header name.
    pub fn new(settings: FrontSettings) -> Front {
        let name = format!("x-techledger-peer-{}", uuid::Uuid::new_v4().simple());
        Front {
            settings,
            peer_header: HeaderName::from_bytes(name.as_bytes())
                .unwrap_or(HeaderName::from_static("x-techledger-peer")),
        }
    }

    /// The header Rocket must take the client's address from (its `ip_header`).
    pub fn peer_header(&self) -> &str {
        self.peer_header.as_str()
    }

    /// Accepts connections on `listener` and serves them through to Rocket at `upstream`,
    /// until `stop` resolves.
    pub async fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        upstream: SocketAddr,
        stop: impl Future<Output = ()>,
    ) {
        tokio::pin!(stop);
        loop {
            let accepted = tokio::select! {
                biased;
                () = &mut stop => return,
                accepted = listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, peer)) => {
                    tokio::spawn(Arc::clone(&self).connection(stream, peer, upstream));
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    async fn connection(
        self: Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        upstream: SocketAddr,
    ) {
        let _ = stream.set_nodelay(true);
        let link = Arc::new(Mutex::new(None));
        let front = Arc::clone(&self);
        let service = hyper::service::service_fn(move |req| {
            let (front, link) = (Arc::clone(&front), Arc::clone(&link));
            async move { Ok::<_, Infallible>(front.forward(req, peer, &link, upstream).await) }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.settings.header_timeout)
            .keep_alive(self.settings.keep_alive);
        if let Err(e) = builder
            .serve_connection(TokioIo::new(stream), service)
            .await
        {
            tracing::debug!(%peer, error = %e, "connection closed");
        }
    }

    /// Passes one request on to Rocket and its answer back.
    async fn forward(
        &self,
        req: Request<Incoming>,
        peer: SocketAddr,
        link: &Mutex<Option<SendRequest<DeadlineBody>>>,
        upstream: SocketAddr,
    ) -> Response<FrontBody> {
        let (mut parts, body) = req.into_parts();
        drop_hop_by_hop(&mut parts.headers);
        // The front answers `Expect: 100-continue` itself when the body is read.
        parts.headers.remove(header::EXPECT);
        let peer_ip = HeaderValue::from_str(&peer.ip().to_string())
            .unwrap_or(HeaderValue::from_static("0.0.0.0"));
        parts.headers.insert(self.peer_header.clone(), peer_ip);
        let timed_out = Arc::new(AtomicBool::new(false));
        let body = DeadlineBody::new(body, self.settings.body_timeout, Arc::clone(&timed_out));
        let request = Request::from_parts(parts, body);

        let mut link = link.lock().await;
        let mut sender = match link.take() {
            Some(s) if !s.is_closed() => s,
            _ => match connect(upstream).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "the front cannot reach the server");
                    return problem(StatusCode::BAD_GATEWAY, "the server is not reachable");
                }
            },
        };
        if sender.ready().await.is_err() {
            match connect(upstream).await {
                Ok(s) => sender = s,
                Err(_) => return problem(StatusCode::BAD_GATEWAY, "the server is not reachable"),
            }
        }
        match sender.send_request(request).await {
            Ok(response) => {
                *link = Some(sender);
                let (mut parts, body) = response.into_parts();
                drop_hop_by_hop(&mut parts.headers);
                Response::from_parts(parts, body.boxed())
            }
            Err(_) if timed_out.load(Ordering::SeqCst) => {
                let mut res = problem(
                    StatusCode::REQUEST_TIMEOUT,
                    "the request body did not arrive in time",
                );
                res.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                res
            }
            Err(e) => {
                tracing::warn!(error = %e, "the server did not answer a request");
                problem(StatusCode::BAD_GATEWAY, "the server did not answer")
            }
        }
    }
}

async fn connect(upstream: SocketAddr) -> std::io::Result<SendRequest<DeadlineBody>> {
    let stream = TcpStream::connect(upstream).await?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "loopback connection closed");
        }
    });
    Ok(sender)
}

/// Headers that concern one connection only (RFC 9110 §7.6.1), and those the `Connection`
/// header names.
fn drop_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        header::CONNECTION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
        header::PROXY_AUTHENTICATE,
    ] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
    headers.remove("proxy-connection");
}

/// A problem+json answer of the front itself.
fn problem(status: StatusCode, detail: &str) -> Response<FrontBody> {
    let code = match status {
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        _ => "bad_gateway",
    };
    let body = serde_json::json!({
        "type": format!("urn:techledger:problem:{code}"),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "errors": [],
    })
    .to_string();
    let mut res = Response::new(
        Full::new(Bytes::from(body))
            .map_err(|never: Infallible| match never {})
            .boxed(),
    );
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

/// A request body that must arrive whole before its deadline.
pub struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
    timed_out: Arc<AtomicBool>,
}

impl DeadlineBody {
    fn new(inner: Incoming, within: Duration, timed_out: Arc<AtomicBool>) -> DeadlineBody {
        DeadlineBody {
            inner,
            deadline: Box::pin(tokio::time::sleep(within)),
            timed_out,
        }
    }
}

/// Why a body was not passed on whole.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The client did not send it in time.
    #[error("the request body did not arrive in time")]
    Timeout,
    /// Reading it from the client failed.
    #[error(transparent)]
    Client(#[from] hyper::Error),
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(BodyError::from))),
            Poll::Pending => {
                if this.deadline.as_mut().poll(cx).is_ready() {
                    this.timed_out.store(true, Ordering::SeqCst);
                    return Poll::Ready(Some(Err(BodyError::Timeout)));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
