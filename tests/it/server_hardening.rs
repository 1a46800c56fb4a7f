//! Server hardening: read timeouts for headers and bodies, private data files, `/metrics` and
//! the details of `/health` only for operators, HSTS behind HTTPS, and control characters in
//! the login's `next`.

use rocket::http::{ContentType, Header, Status};

use crate::support::*;
use crate::{both, both_with};

/// Posts the login form with `next` (already form-encoded).
async fn form_login_with_next(app: &TestApp, next: &str) -> (Status, Option<String>) {
    let page = app.client.get("/login").dispatch().await;
    let csrf = page
        .cookies()
        .get("tl_login_csrf")
        .unwrap()
        .value()
        .to_string();
    let res = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .header(Header::new("Accept", "text/html"))
        .header(Header::new("Cookie", format!("tl_login_csrf={csrf}")))
        .body(format!(
            "username=reg1&password={}&csrf={csrf}&next={next}",
            PASSWORD.replace(' ', "+")
        ))
        .dispatch()
        .await;
    let location = res.headers().get_one("Location").map(str::to_string);
    (res.status(), location)
}

both!(a_control_character_in_the_login_next_is_a_400, |app| {
    app.registrar("reg1").await;
    for next in [
        "%2Fcontracts%09x",
        "%2Fa%0Ab",
        "%2F%00",
        "%2Fx%7Fy",
        "%2Fa+b",
    ] {
        let (status, location) = form_login_with_next(&app, next).await;
        assert_eq!(status, Status::BadRequest, "next={next} → {location:?}");
        assert_eq!(location, None, "no redirect, no session");
    }
    let (status, location) = form_login_with_next(&app, "%2Fcontracts").await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(location.as_deref(), Some("/contracts"));
    for next in ["/a%09b", "%2Fa%09b"] {
        let res = app
            .client
            .get(format!("/login?next={next}"))
            .header(Header::new("Accept", "text/html"))
            .dispatch()
            .await;
        // In a query string every control character is refused before any route runs, with
        // the 422 naming the parameter that all routes answer.
        assert_eq!(
            res.status(),
            Status::UnprocessableEntity,
            "GET /login?next={next}"
        );
    }
});

both_with!(
    metrics_and_health_details_are_for_operators_only,
    |config| {
        config.ops.token = Some("an-ops-token-of-some-length".into());
        config.ops.addresses = vec!["192.0.2.10".parse().unwrap()];
    },
    |app| {
        let reg = app.registrar("reg1").await;
        let get = |path: &'static str, peer: &'static str, auth: Option<String>| {
            let mut req = app
                .client
                .get(path)
                .remote(peer.parse::<std::net::SocketAddr>().unwrap());
            if let Some(a) = auth {
                req = req.header(Header::new("Authorization", a));
            }
            req.dispatch()
        };
        // A plain /health says only whether the service is ready.
        let res = get("/health", "198.51.100.1:1", None).await;
        assert_eq!(res.status(), Status::Ok);
        assert_eq!(res.into_string().await.unwrap(), "{\"status\":\"ok\"}");
        // /metrics: refused to anyone else, users included.
        for auth in [
            None,
            Some("Bearer wrong-token".to_string()),
            Some(format!("Bearer {}", reg.token)),
        ] {
            let res = get("/metrics", "198.51.100.1:1", auth.clone()).await;
            assert_eq!(res.status(), Status::Forbidden, "{auth:?}");
            assert_eq!(
                res.content_type().unwrap().to_string(),
                "application/problem+json"
            );
        }
        let token = Some("Bearer an-ops-token-of-some-length".to_string());
        let res = get("/metrics", "198.51.100.1:1", token.clone()).await;
        assert_eq!(res.status(), Status::Ok);
        assert!(res.into_string().await.unwrap().contains("techledger_"));
        let res = get("/metrics", "192.0.2.10:5000", None).await;
        assert_eq!(res.status(), Status::Ok, "from an ops address");
        let (status, body) = read(get("/health", "198.51.100.1:1", token).await).await;
        assert_eq!(status, Status::Ok);
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(body["database"], app.backend.name());
        assert_eq!(body["migrations_pending"], 0);
    }
);

both_with!(
    hsts_is_sent_when_the_session_cookie_is_secure,
    |config| {
        config.auth.secure_cookie = true;
    },
    |app| {
        for path in ["/health", "/login", "/api/v1/me"] {
            let res = app.client.get(path).dispatch().await;
            assert_eq!(
                res.headers().get_one("Strict-Transport-Security"),
                Some("max-age=31536000"),
                "{path}"
            );
        }
    }
);

both!(no_hsts_over_plain_http, |app| {
    let res = app.client.get("/health").dispatch().await;
    assert_eq!(res.headers().get_one("Strict-Transport-Security"), None);
});

both_with!(
    the_data_directory_and_the_database_files_are_private,
    |config| {
        // A data directory that does not exist yet, with the SQLite database in it.
        let fresh = config.data_dir.join("fresh").join("data");
        if let techledger::db::DatabaseUrl::Sqlite(_) = config.database_url {
            config.database_url = techledger::db::DatabaseUrl::Sqlite(fresh.join("techledger.db"));
        }
        config.data_dir = fresh;
    },
    |app| {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        app.registrar("reg1").await;
        assert_eq!(mode(&app.config.data_dir), 0o700, "the data directory");
        if let techledger::db::DatabaseUrl::Sqlite(db) = &app.config.database_url {
            assert_eq!(mode(db), 0o600, "{}", db.display());
            for suffix in ["-wal", "-shm"] {
                let file = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
                if file.exists() {
                    assert_eq!(mode(&file), 0o600, "{}", file.display());
                }
            }
        }
    }
);

both_with!(
    an_existing_data_directory_is_narrowed_to_the_owner,
    |config| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    },
    |app| {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&app.config.data_dir)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
);

mod timeouts {
    //! Through the real listener (the front): these need sockets, not Rocket's local client,
    //! and no storage beyond starting up, so they run on SQLite only.

    use std::net::{IpAddr, SocketAddr};
    use std::time::Duration;

    use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
    use rocket::tokio::net::{TcpSocket, TcpStream};
    use rocket::tokio::time::timeout;
    use techledger::app::Serving;
    use techledger::config::Config;
    use techledger::db::DatabaseUrl;

    use crate::support::*;

    /// A server on an ephemeral port with 2-second header and body timeouts.
    pub async fn serving(tweak: impl FnOnce(&mut Config)) -> (Serving, std::path::PathBuf) {
        let dir = temp_dir();
        let mut config = test_config(DatabaseUrl::Sqlite(dir.join("techledger.db")), &dir);
        config.http.header_timeout_seconds = 2;
        config.http.body_timeout_seconds = 2;
        tweak(&mut config);
        let services = rocket::tokio::task::spawn_blocking(move || techledger::app::open(config))
            .await
            .unwrap()
            .unwrap();
        let listener = rocket::tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        (
            techledger::app::serve(services, listener).await.unwrap(),
            dir,
        )
    }

    /// A connection to `to` from the local address `from`.
    pub async fn connect(to: SocketAddr, from: IpAddr) -> TcpStream {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(from, 0)).unwrap();
        socket.connect(to).await.unwrap()
    }

    /// Sends a whole request and reads the answer until the server closes: (status, text).
    pub async fn exchange(stream: &mut TcpStream, request: &str) -> (u16, String) {
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
            .await
            .expect("an answer")
            .unwrap();
        let text = String::from_utf8_lossy(&answer).to_string();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    /// Sends `bytes` one a second; true when the server closed the connection (or answered)
    /// before the last byte went out.
    async fn trickle(stream: &mut TcpStream, bytes: &[u8]) -> (bool, String) {
        for (i, byte) in bytes.iter().enumerate() {
            if stream.write_all(std::slice::from_ref(byte)).await.is_err() {
                return (true, format!("write failed after {i} bytes"));
            }
            let mut buf = [0u8; 512];
            match timeout(Duration::from_secs(1), stream.read(&mut buf)).await {
                Err(_) => continue,
                Ok(Ok(0)) | Ok(Err(_)) => return (true, format!("closed after {i} bytes")),
                Ok(Ok(n)) if i + 1 < bytes.len() => {
                    return (
                        true,
                        format!(
                            "answered after {} bytes: {}",
                            i + 1,
                            String::from_utf8_lossy(&buf[..n])
                        ),
                    );
                }
                Ok(Ok(n)) => return (false, String::from_utf8_lossy(&buf[..n]).to_string()),
            }
        }
        (false, "sent everything, no answer".into())
    }

    const LOCAL: [u8; 4] = [127, 0, 0, 1];

    #[rocket::async_test]
    async fn a_client_sending_its_headers_a_byte_a_second_is_disconnected() {
        let (server, dir) = serving(|_| {}).await;
        let mut stream = connect(server.address, IpAddr::from(LOCAL)).await;
        let head = b"GET /health HTTP/1.1\r\nHost: techledger\r\nAccept: */*\r\n\r\n";
        let (cut_off, what) = trickle(&mut stream, head).await;
        assert!(cut_off, "the server waited for the whole header: {what}");
        // Everyone else is still served.
        let mut other = connect(server.address, IpAddr::from(LOCAL)).await;
        let (status, _) = exchange(
            &mut other,
            "GET /health HTTP/1.1\r\nHost: techledger\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(status, 200);
        server.stop().await.unwrap();
        std::fs::remove_dir_all(dir).ok();
    }

    #[rocket::async_test]
    async fn fifty_slow_clients_do_not_stop_health_and_are_all_disconnected() {
        let (server, dir) = serving(|_| {}).await;
        let address = server.address;
        let slow: Vec<_> = (0..50)
            .map(|_| {
                rocket::tokio::spawn(async move {
                    let mut stream = connect(address, IpAddr::from(LOCAL)).await;
                    trickle(
                        &mut stream,
                        b"GET /health HTTP/1.1\r\nHost: techledger\r\n\r\n",
                    )
                    .await
                })
            })
            .collect();
        rocket::tokio::time::sleep(Duration::from_millis(500)).await;
        let mut stream = connect(address, IpAddr::from(LOCAL)).await;
        let (status, text) = exchange(
            &mut stream,
            "GET /health HTTP/1.1\r\nHost: techledger\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(status, 200, "{text}");
        assert!(text.ends_with("{\"status\":\"ok\"}"), "{text}");
        for client in slow {
            let (cut_off, what) = client.await.unwrap();
            assert!(cut_off, "a slow client kept its connection: {what}");
        }
        server.stop().await.unwrap();
        std::fs::remove_dir_all(dir).ok();
    }

    #[rocket::async_test]
    async fn a_body_sent_a_byte_a_second_gets_408() {
        let (server, dir) = serving(|_| {}).await;
        let mut stream = connect(server.address, IpAddr::from(LOCAL)).await;
        let body = r#"{"username":"nobody","password":"a wrong password"}"#;
        let head = format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: techledger\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let (cut_off, what) = trickle(&mut stream, body.as_bytes()).await;
        assert!(cut_off, "the server waited for the whole body: {what}");
        assert!(
            what.contains("HTTP/1.1 408") || what.starts_with("closed"),
            "{what}"
        );
        // The same request sent at once is answered as usual.
        let mut stream = connect(server.address, IpAddr::from(LOCAL)).await;
        let (status, _) = exchange(
            &mut stream,
            &format!(
                "{}{body}",
                head.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
            ),
        )
        .await;
        assert_eq!(status, 401);
        server.stop().await.unwrap();
        std::fs::remove_dir_all(dir).ok();
    }

    #[rocket::async_test]
    async fn the_front_passes_the_clients_address_and_nobody_can_forge_it() {
        let (server, dir) = serving(|c| c.ops.addresses = vec!["127.0.0.2".parse().unwrap()]).await;
        let ask = |from: [u8; 4], extra: &'static str| async move {
            let mut stream = connect(server.address, IpAddr::from(from)).await;
            exchange(
                &mut stream,
                &format!(
                    "GET /metrics HTTP/1.1\r\nHost: techledger\r\n{extra}Connection: close\r\n\r\n"
                ),
            )
            .await
            .0
        };
        assert_eq!(ask([127, 0, 0, 2], "").await, 200, "from the ops address");
        assert_eq!(ask(LOCAL, "").await, 403, "from another address");
        assert_eq!(ask(LOCAL, "X-Forwarded-For: 127.0.0.2\r\n").await, 403);
        assert_eq!(ask(LOCAL, "X-Real-IP: 127.0.0.2\r\n").await, 403);
        assert_eq!(ask(LOCAL, "X-Techledger-Peer: 127.0.0.2\r\n").await, 403);
        // Keep-alive: two requests on one connection, each passed through.
        let mut stream = connect(server.address, IpAddr::from(LOCAL)).await;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: techledger\r\n\r\n")
            .await
            .unwrap();
        let (status, text) = exchange(
            &mut stream,
            "GET /health HTTP/1.1\r\nHost: techledger\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 2, "{text}");
        server.stop().await.unwrap();
        std::fs::remove_dir_all(dir).ok();
    }
}
