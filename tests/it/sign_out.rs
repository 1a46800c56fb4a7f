//! Signing out revokes the token (not only the cookie); a user changes their own password and
//! signs out everywhere.

use diesel::prelude::*;
use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};
use techledger::domain::Role;
use techledger::ledger::{Command, LedgerError, Request, UserUpdate};

use crate::both;
use crate::support::*;

async fn me(app: &TestApp, token: &str) -> Status {
    app.get("/api/v1/me", Some(token)).await.0
}

/// The page login: (session cookie value, the session's CSRF token).
async fn page_login(app: &TestApp, username: &str) -> (String, String) {
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
            "username={username}&password={}&csrf={login_csrf}",
            PASSWORD.replace(' ', "+")
        ))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    let token = res
        .headers()
        .get("Set-Cookie")
        .find_map(|c| c.strip_prefix("tl_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            token.split('.').nth(1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    (token, claims["csrf"].as_str().unwrap().to_string())
}

fn revoked_rows(app: &TestApp) -> i64 {
    use techledger::db::schema::revoked_tokens as r;
    r::table.count().get_result(&mut app.connect()).unwrap()
}

both!(signing_out_of_the_pages_ends_the_token_itself, |app| {
    // The reproduction: the logout only deleted the cookie; the token kept working for 8 h.
    app.registrar("reg1").await;
    let (token, csrf) = page_login(&app, "reg1").await;
    let other = app.login("reg1", PASSWORD).await;
    assert_eq!(me(&app, &token).await, Status::Ok);
    let res = app
        .client
        .post("/logout")
        .header(ContentType::Form)
        .header(Header::new("Cookie", format!("tl_session={token}")))
        .body(format!("csrf={csrf}"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    assert_eq!(
        me(&app, &token).await,
        Status::Unauthorized,
        "the signed-out token is refused"
    );
    assert_eq!(me(&app, &other).await, Status::Ok, "other sessions go on");
});

both!(
    signing_out_through_the_api_revokes_the_bearer_token,
    |app| {
        let reg = app.registrar("reg1").await;
        let second = app.login("reg1", PASSWORD).await;
        let (s, _) = app
            .send("POST", "/api/v1/auth/logout", Some(&reg.token), &json!({}))
            .await;
        assert_eq!(s, Status::NoContent);
        assert_eq!(me(&app, &reg.token).await, Status::Unauthorized);
        assert_eq!(me(&app, &second).await, Status::Ok);
        let (s, _) = app
            .send("POST", "/api/v1/auth/logout", Some(&reg.token), &json!({}))
            .await;
        assert_eq!(
            s,
            Status::Unauthorized,
            "a revoked token cannot sign out again"
        );
        // Revocations are kept until their token would have expired anyway, then purged.
        assert_eq!(revoked_rows(&app), 1);
        {
            use techledger::db::schema::revoked_tokens as r;
            diesel::update(r::table)
                .set(
                    r::expires_at.eq(chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
                        .unwrap()
                        .and_hms_opt(0, 0, 0)
                        .unwrap()),
                )
                .execute(&mut app.connect())
                .unwrap();
        }
        let (s, _) = app
            .send("POST", "/api/v1/auth/logout", Some(&second), &json!({}))
            .await;
        assert_eq!(s, Status::NoContent);
        assert_eq!(revoked_rows(&app), 1, "the expired revocation was purged");
        // Revocations are session state: no audit entry, and the chain still verifies.
        assert!(verify(&app).ok);
    }
);

both!(a_user_changes_their_own_password, |app| {
    let reg = app.registrar("reg1").await;
    let other = app.registrar("reg2").await;
    let new_password = "Spring-Lotus-2026-new";
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let (s, body) = app
        .post(
            "/api/v1/me/password",
            &reg.token,
            &change("not my password", new_password),
        )
        .await;
    assert_eq!(s, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["errors"][0]["field"], "current_password", "{body}");
    let (s, body) = app
        .post(
            "/api/v1/me/password",
            &reg.token,
            &change(PASSWORD, "short"),
        )
        .await;
    assert_eq!(s, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["errors"][0]["field"], "new_password", "{body}");
    let before = verify(&app).entries;
    let (s, body) = app
        .post(
            "/api/v1/me/password",
            &reg.token,
            &change(PASSWORD, new_password),
        )
        .await;
    assert_eq!(s, Status::Ok, "{body}");
    let seq = body["audit_seq"].as_i64().unwrap();
    assert_eq!(verify(&app).entries, before + 1, "one audit entry");
    // The change is audited as user.update by the user, without secrets.
    let admin = app.user("root", Role::Admin, None).await;
    let (_, entry) = app
        .get(&format!("/api/v1/audit/entries/{seq}"), Some(&admin.token))
        .await;
    assert_eq!(entry["action"], "user.update");
    assert_eq!(entry["actor"]["username"], "reg1");
    assert_eq!(entry["payload"]["command"]["password_changed"], true);
    let text = entry.to_string();
    assert!(!text.contains(new_password) && !text.contains(PASSWORD));
    assert!(!text.contains("argon2"), "{text}");
    // Every session of the user ended; the new password works, the old one does not.
    assert_eq!(me(&app, &reg.token).await, Status::Unauthorized);
    assert_eq!(me(&app, &other.token).await, Status::Ok);
    let (s, _) = app
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            &json!({"username": "reg1", "password": PASSWORD}),
        )
        .await;
    assert_eq!(s, Status::Unauthorized);
    app.login("reg1", new_password).await;
    assert!(verify(&app).ok);
    // Nobody changes someone else's password this way, even through the ledger.
    let refused = app
        .ledger
        .execute(Request::new(
            other.principal(),
            Command::UpdateUser(UserUpdate {
                id: reg.actor.id.clone(),
                display_name: None,
                role: None,
                office: None,
                active: None,
                password_hash: Some("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA".into()),
                password_changed: true,
                revoke_tokens: false,
            }),
        ))
        .await;
    assert!(
        matches!(refused, Err(LedgerError::Forbidden { .. })),
        "{refused:?}"
    );
});

both!(guessing_the_current_password_is_throttled, |app| {
    // A stolen session cannot be used to guess the password it lacks.
    let reg = app.registrar("reg1").await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let (s, _) = app
            .post(
                "/api/v1/me/password",
                &reg.token,
                &json!({"current_password": format!("guess number {i}"), "new_password": "Spring-Lotus-2026-new"}),
            )
            .await;
        statuses.push(s.code);
    }
    assert_eq!(&statuses[..10], &[422; 10]);
    assert_eq!(statuses[10], 429, "{statuses:?}");
});

both!(signing_out_everywhere_ends_every_token_of_the_user, |app| {
    let reg = app.registrar("reg1").await;
    let second = app.login("reg1", PASSWORD).await;
    let other = app.registrar("reg2").await;
    let before = verify(&app).entries;
    let (s, body) = app
        .send(
            "POST",
            "/api/v1/auth/logout-everywhere",
            Some(&second),
            &json!({}),
        )
        .await;
    assert_eq!(s, Status::Ok, "{body}");
    assert!(body["audit_seq"].as_i64().unwrap() > 0);
    assert_eq!(
        verify(&app).entries,
        before + 1,
        "audited as one user.update"
    );
    assert_eq!(me(&app, &reg.token).await, Status::Unauthorized);
    assert_eq!(me(&app, &second).await, Status::Unauthorized);
    assert_eq!(me(&app, &other.token).await, Status::Ok);
    let fresh = app.login("reg1", PASSWORD).await;
    assert_eq!(me(&app, &fresh).await, Status::Ok);
    assert!(verify(&app).ok);
});
