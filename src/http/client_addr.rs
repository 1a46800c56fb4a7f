//! The client's address: the TCP peer, or — only when the peer is a configured trusted proxy —
//! the address that proxy wrote in the configured header (`http.client_ip_header`).
//!
//! With a list header such as `X-Forwarded-For` each proxy appends the address it received the
//! request from, so the entries left of the last proxy's are whatever the client sent. The
//! client is therefore the right-most entry that is not itself a trusted proxy.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use rocket::request::{FromRequest, Outcome, Request};

use crate::config::{Config, HttpConfig};

/// The client's address, as login throttling and the operations allow-list see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientAddr {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(ClientAddr(client_addr(req)))
    }
}

/// The client's address of `req` (see the module documentation).
pub fn client_addr(req: &Request<'_>) -> Option<IpAddr> {
    // `client_ip` is the TCP peer; behind techledger's own front listener (`http::front`) it is
    // the peer the front accepted, passed in a header whose name only this process knows.
    let peer = req.client_ip();
    let Some(config) = req.rocket().state::<Arc<Config>>() else {
        return peer;
    };
    let values = config
        .http
        .client_ip_header
        .as_deref()
        .map(|name| req.headers().get(name).collect::<Vec<_>>())
        .unwrap_or_default();
    resolve(peer, &values, &config.http)
}

/// The client behind `peer`, given the values of the configured header in the order received.
pub fn resolve(peer: Option<IpAddr>, values: &[&str], http: &HttpConfig) -> Option<IpAddr> {
    let peer_ip = peer?;
    if http.client_ip_header.is_none() || !http.trusted_proxies.contains(&peer_ip) {
        return Some(peer_ip);
    }
    let entries: Vec<&str> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer_ip;
    for entry in entries.iter().rev() {
        let Some(ip) = parse(entry) else {
            // Garbage where an address should be: nothing left of it can be believed.
            return Some(client);
        };
        client = ip;
        if !http.trusted_proxies.contains(&ip) {
            break;
        }
    }
    Some(client)
}

fn parse(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .and_then(|e| e.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(trusted: &[&str]) -> HttpConfig {
        HttpConfig {
            client_ip_header: Some("X-Forwarded-For".into()),
            trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(),
            ..HttpConfig::default()
        }
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let h = http(&["10.0.0.1"]);
        assert_eq!(resolve(ip("10.0.0.1"), &["192.0.2.7"], &h), ip("192.0.2.7"));
        assert_eq!(resolve(ip("10.0.0.9"), &["192.0.2.7"], &h), ip("10.0.0.9"));
        assert_eq!(resolve(ip("10.0.0.1"), &[], &h), ip("10.0.0.1"));
        assert_eq!(resolve(None, &["192.0.2.7"], &h), None);
        let none = HttpConfig {
            client_ip_header: None,
            ..http(&["10.0.0.1"])
        };
        assert_eq!(
            resolve(ip("10.0.0.1"), &["192.0.2.7"], &none),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_client_is_the_right_most_address_that_is_not_a_proxy() {
        let h = http(&["10.0.0.1", "10.0.0.2"]);
        let forged = "6.6.6.6, 192.0.2.7, 10.0.0.2";
        assert_eq!(resolve(ip("10.0.0.1"), &[forged], &h), ip("192.0.2.7"));
        assert_eq!(
            resolve(ip("10.0.0.1"), &["6.6.6.6", "192.0.2.8:4711"], &h),
            ip("192.0.2.8")
        );
        assert_eq!(
            resolve(ip("10.0.0.1"), &["6.6.6.6, garbage"], &h),
            ip("10.0.0.1")
        );
        assert_eq!(
            resolve(ip("10.0.0.1"), &["[2001:db8::1]"], &h),
            ip("2001:db8::1")
        );
    }
}
