//! Login throttling: the attempt is reserved before the password is checked (concurrent guesses
//! cannot slip past the limit), a user under attack is slowed down but not locked out, and the
//! per-address limit sees the client behind a trusted proxy.

use std::net::SocketAddr;

use rocket::futures::future::join_all;
use rocket::http::{ContentType, Header, Status};
use serde_json::json;

use crate::support::*;
use crate::{both, both_with};

/// A login attempt from `peer` (the TCP peer address), with extra headers.
async fn attempt(
    app: &TestApp,
    peer: &str,
    headers: &[(&str, &str)],
    username: &str,
    password: &str,
) -> (Status, Option<u64>) {
    let mut req = app
        .client
        .post("/api/v1/auth/login")
        .header(ContentType::JSON)
        .remote(peer.parse::<SocketAddr>().unwrap())
        .body(json!({"username": username, "password": password}).to_string());
    for (name, value) in headers {
        req = req.header(Header::new(name.to_string(), value.to_string()));
    }
    let res = req.dispatch().await;
    let retry = res
        .headers()
        .get_one("Retry-After")
        .and_then(|r| r.parse().ok());
    (res.status(), retry)
}

both!(forty_concurrent_wrong_guesses_stop_at_the_limit, |app| {
    // The reproduction: every guess was checked before any failure was counted, so all forty
    // got 401.
    app.registrar("reg1").await;
    let answers = join_all(
        (0..40).map(|_| attempt(&app, "198.51.100.7:40000", &[], "reg1", "a wrong password")),
    )
    .await;
    let unauthorized = answers.iter().filter(|(s, _)| *s == Status::Unauthorized);
    let throttled: Vec<_> = answers
        .iter()
        .filter(|(s, _)| *s == Status::TooManyRequests)
        .collect();
    assert_eq!(unauthorized.count(), 10, "{answers:?}");
    assert_eq!(throttled.len(), 30, "{answers:?}");
    assert!(
        throttled
            .iter()
            .all(|(_, retry)| retry.is_some_and(|r| r >= 1))
    );
});

both!(a_guessing_attacker_cannot_lock_the_user_out, |app| {
    // The user signs in from their office; then someone guesses from many other addresses.
    app.registrar("reg1").await;
    let (s, _) = attempt(&app, "198.51.100.20:50000", &[], "reg1", PASSWORD).await;
    assert_eq!(s, Status::Ok);
    let mut answers = Vec::new();
    for i in 0..40 {
        let peer = format!("203.0.113.{}:40000", i % 8 + 1);
        answers.push(
            attempt(&app, &peer, &[], "reg1", "a wrong password")
                .await
                .0,
        );
    }
    assert_eq!(
        answers
            .iter()
            .filter(|s| **s == Status::Unauthorized)
            .count(),
        10,
        "after ten failures the guesses are slowed down: {answers:?}"
    );
    assert!(answers[10..].iter().all(|s| *s == Status::TooManyRequests));
    // The right password from where the user signs in still works.
    let (s, _) = attempt(&app, "198.51.100.20:50001", &[], "reg1", PASSWORD).await;
    assert_eq!(s, Status::Ok, "the user is not locked out");
    // … and a success does not reopen the door to the guesser.
    let (s, _) = attempt(&app, "203.0.113.9:40000", &[], "reg1", "a wrong password").await;
    assert_eq!(s, Status::TooManyRequests);
});

both!(the_eleventh_failure_from_one_address_is_throttled, |app| {
    // Ten different (unknown) names from one address: the address limit, not the user's.
    for i in 0..10 {
        let (s, _) = attempt(
            &app,
            "198.51.100.30:1",
            &[],
            &format!("nobody{i}"),
            "a wrong password",
        )
        .await;
        assert_eq!(s, Status::Unauthorized);
    }
    let (s, retry) = attempt(&app, "198.51.100.30:2", &[], "nobody99", "x").await;
    assert_eq!(s, Status::TooManyRequests);
    assert!(retry.is_some_and(|r| (1..=60).contains(&r)));
    let (s, _) = attempt(&app, "198.51.100.31:1", &[], "nobody99", "x").await;
    assert_eq!(s, Status::Unauthorized, "another address is not throttled");
});

both_with!(
    the_address_behind_a_trusted_proxy_comes_from_its_header,
    |config| {
        config.http.client_ip_header = Some("X-Forwarded-For".into());
        config.http.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    },
    |app| {
        let proxy = "127.0.0.1:44000";
        // Ten failures of one client behind the proxy (the left entries are the client's to
        // write; the right-most one not a trusted proxy is the client).
        for i in 0..10 {
            let (s, _) = attempt(
                &app,
                proxy,
                &[("X-Forwarded-For", "10.9.9.9, 192.0.2.50")],
                &format!("nobody{i}"),
                "wrong",
            )
            .await;
            assert_eq!(s, Status::Unauthorized);
        }
        let (s, _) = attempt(
            &app,
            proxy,
            &[("X-Forwarded-For", "192.0.2.50")],
            "nobody99",
            "wrong",
        )
        .await;
        assert_eq!(s, Status::TooManyRequests, "that client is throttled");
        let (s, _) = attempt(
            &app,
            proxy,
            &[("X-Forwarded-For", "192.0.2.51")],
            "nobody99",
            "wrong",
        )
        .await;
        assert_eq!(
            s,
            Status::Unauthorized,
            "another client behind the proxy is not"
        );
        // A peer that is not a trusted proxy cannot pick its address with the header.
        for i in 0..10 {
            let (s, _) = attempt(
                &app,
                "192.0.2.80:1",
                &[("X-Forwarded-For", &format!("10.0.0.{i}"))],
                &format!("other{i}"),
                "wrong",
            )
            .await;
            assert_eq!(s, Status::Unauthorized);
        }
        let (s, _) = attempt(
            &app,
            "192.0.2.80:1",
            &[("X-Forwarded-For", "10.0.0.200")],
            "other99",
            "wrong",
        )
        .await;
        assert_eq!(
            s,
            Status::TooManyRequests,
            "the header of an untrusted peer is ignored"
        );
    }
);
