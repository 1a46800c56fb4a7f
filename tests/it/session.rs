//! The page session: the login form's CSRF cookie, the session cookie's flags, CSRF on
//! cookie-authenticated writes, logout.

use rocket::http::{ContentType, Header, Status};
use serde_json::json;

use crate::both;
use crate::support::*;

/// Signs in through the login form; returns (session cookie value, csrf token of the session).
async fn form_login(app: &TestApp, username: &str) -> (String, String) {
    let page = app.client.get("/login").dispatch().await;
    assert_eq!(page.status(), Status::Ok);
    let login_csrf = page
        .cookies()
        .get("tl_login_csrf")
        .expect("login csrf cookie")
        .value()
        .to_string();
    let html = page.into_string().await.unwrap();
    assert!(
        html.contains(&login_csrf),
        "the form carries the same token"
    );
    let res = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .header(Header::new("Cookie", format!("tl_login_csrf={login_csrf}")))
        .body(format!(
            "username={username}&password={}&csrf={login_csrf}&next=%2Fcontracts",
            PASSWORD.replace(' ', "+")
        ))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    assert_eq!(res.headers().get_one("Location"), Some("/contracts"));
    let set_cookie: Vec<&str> = res.headers().get("Set-Cookie").collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("tl_session="))
        .expect("session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");
    assert!(
        !session.contains("Secure"),
        "not Secure unless configured for HTTPS: {session}"
    );
    let token = session
        .trim_start_matches("tl_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            token.split('.').nth(1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    (token, claims["csrf"].as_str().unwrap().to_string())
}

both!(the_login_form_needs_its_csrf_token, |app| {
    app.registrar("reg1").await;
    let res = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .header(Header::new("Accept", "text/html"))
        .body(format!(
            "username=reg1&password={}&csrf=forged",
            PASSWORD.replace(' ', "+")
        ))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Forbidden);
    assert!(
        res.headers()
            .get("Set-Cookie")
            .all(|c| !c.starts_with("tl_session="))
    );
    let (token, _) = form_login(&app, "reg1").await;
    assert!(!token.is_empty());
});

both!(cookie_writes_need_the_csrf_header_and_reads_do_not, |app| {
    app.registrar("reg1").await;
    let (session, csrf) = form_login(&app, "reg1").await;
    let cookie = Header::new("Cookie", format!("tl_session={session}"));
    let res = app
        .client
        .get("/api/v1/me")
        .header(cookie.clone())
        .dispatch()
        .await;
    assert_eq!(
        res.status(),
        Status::Ok,
        "a GET with the cookie needs no CSRF token"
    );
    let party = json!({"name": "某公司", "credit_code": credit_code(1).as_str(), "kind": "enterprise", "region": "371302"});
    let res = app
        .client
        .post("/api/v1/parties")
        .header(ContentType::JSON)
        .header(cookie.clone())
        .body(party.to_string())
        .dispatch()
        .await;
    assert_eq!(
        res.status(),
        Status::Forbidden,
        "a cookie write without X-CSRF-Token"
    );
    let res = app
        .client
        .post("/api/v1/parties")
        .header(ContentType::JSON)
        .header(cookie.clone())
        .header(Header::new("X-CSRF-Token", "wrong"))
        .body(party.to_string())
        .dispatch()
        .await;
    assert_eq!(
        res.status(),
        Status::Forbidden,
        "a cookie write with a wrong token"
    );
    assert_eq!(
        verify(&app).entries,
        3,
        "nothing was written (key, bootstrap admin, reg1)"
    );
    let res = app
        .client
        .post("/api/v1/parties")
        .header(ContentType::JSON)
        .header(cookie.clone())
        .header(Header::new("X-CSRF-Token", csrf.clone()))
        .body(party.to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    // Logout needs the token too.
    let res = app
        .client
        .post("/logout")
        .header(ContentType::Form)
        .header(cookie.clone())
        .body("csrf=wrong")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Forbidden);
    let res = app
        .client
        .post("/logout")
        .header(ContentType::Form)
        .header(cookie)
        .body(format!("csrf={csrf}"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    assert!(
        res.headers()
            .get("Set-Cookie")
            .any(|c| c.starts_with("tl_session=;"))
    );
});

both!(
    browsers_without_a_session_are_sent_to_the_login_page,
    |app| {
        let res = app
            .client
            .get("/?year=2026")
            .header(Header::new("Accept", "text/html"))
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::SeeOther);
        assert_eq!(
            res.headers().get_one("Location"),
            Some("/login?next=/%3Fyear%3D2026")
        );
        let res = app
            .client
            .get("/login?next=//evil.example")
            .dispatch()
            .await;
        let html = res.into_string().await.unwrap();
        assert!(
            html.contains("name=\"next\" value=\"/\""),
            "no open redirect"
        );
        let res = app.client.get("/").dispatch().await;
        assert_eq!(
            res.status(),
            Status::Unauthorized,
            "API clients get problem+json, not a redirect"
        );
    }
);

both!(the_secure_flag_follows_the_configuration, |app| {
    drop(app);
    let app = match app_kind() {
        "postgres" => match TestApp::postgres_with(|c| c.auth.secure_cookie = true).await {
            Some(a) => a,
            None => return,
        },
        _ => TestApp::sqlite_with(|c| c.auth.secure_cookie = true).await,
    };
    app.registrar("reg1").await;
    let page = app.client.get("/login").dispatch().await;
    let login_csrf = page
        .cookies()
        .get("tl_login_csrf")
        .unwrap()
        .value()
        .to_string();
    let res = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .header(Header::new("Cookie", format!("tl_login_csrf={login_csrf}")))
        .body(format!(
            "username=reg1&password={}&csrf={login_csrf}",
            PASSWORD.replace(' ', "+")
        ))
        .dispatch()
        .await;
    let session = res
        .headers()
        .get("Set-Cookie")
        .find(|c| c.starts_with("tl_session="))
        .unwrap()
        .to_string();
    assert!(session.contains("Secure"), "{session}");
});

fn app_kind() -> &'static str {
    let name = std::thread::current()
        .name()
        .unwrap_or_default()
        .to_string();
    if name.ends_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    }
}
