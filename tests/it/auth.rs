//! Sign-in, tokens and roles: forged tokens refused, revocation at once, throttling, and a
//! role × route matrix over every mounted route.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rocket::http::{Header, Status};
use serde_json::{Value, json};
use techledger::domain::{OfficeCode, Role};

use crate::both;
use crate::support::*;

both!(a_login_returns_a_bearer_token_and_me_answers, |app| {
    let reg = app.registrar("reg1").await;
    let (status, me) = app.get("/api/v1/me", Some(&reg.token)).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(me["username"], "reg1");
    assert_eq!(me["role"], "registrar");
    assert_eq!(me["office"], "371302");
    assert!(me.get("password_hash").is_none());
    let (status, body) = app
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            &json!({"username": "reg1", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
});

both!(
    unknown_users_and_wrong_passwords_get_the_same_answer,
    |app| {
        app.registrar("reg1").await;
        let (s1, unknown) = app
            .send(
                "POST",
                "/api/v1/auth/login",
                None,
                &json!({"username": "nobody", "password": PASSWORD}),
            )
            .await;
        let (s2, wrong) = app
            .send(
                "POST",
                "/api/v1/auth/login",
                None,
                &json!({"username": "reg1", "password": "wrong password!"}),
            )
            .await;
        assert_eq!(s1, Status::Unauthorized);
        assert_eq!(s2, Status::Unauthorized);
        assert_eq!(unknown["detail"], wrong["detail"]);
        assert_eq!(unknown["type"], wrong["type"]);
        // A name no user can have (PostgreSQL would refuse the NUL) is just another unknown
        // user.
        let (s3, odd) = app
            .send(
                "POST",
                "/api/v1/auth/login",
                None,
                &json!({"username": "reg1\u{0}", "password": PASSWORD}),
            )
            .await;
        assert_eq!(s3, Status::Unauthorized);
        assert_eq!(odd["detail"], wrong["detail"]);
    }
);

fn forge(token: &str, edit: impl FnOnce(&mut Value, &mut Value)) -> String {
    let mut parts = token.split('.');
    let mut header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    let signature = parts.next().unwrap().to_string();
    edit(&mut header, &mut claims);
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        signature
    )
}

async fn status_with(app: &TestApp, token: &str) -> Status {
    app.get("/api/v1/me", Some(token)).await.0
}

both!(forged_tokens_are_refused, |app| {
    let reg = app.registrar("reg1").await;
    assert_eq!(status_with(&app, &reg.token).await, Status::Ok);
    // alg none, no signature
    let none = forge(&reg.token, |h, _| h["alg"] = json!("none"));
    let none = format!("{}.", none.rsplit_once('.').unwrap().0);
    assert_eq!(status_with(&app, &none).await, Status::Unauthorized);
    // HS256 signed with the public key as the secret
    let (_, jwks) = app.get("/.well-known/jwks.json", None).await;
    let public = jwks["keys"][0]["x"].as_str().unwrap().to_string();
    // (by hand: the server's jsonwebtoken cryptography knows only EdDSA and would not make it)
    let kid = jsonwebtoken::decode_header(&reg.token)
        .unwrap()
        .kid
        .unwrap();
    let header =
        URL_SAFE_NO_PAD.encode(json!({"typ": "JWT", "alg": "HS256", "kid": kid}).to_string());
    let claims_part = reg.token.split('.').nth(1).unwrap();
    let signed = format!("{header}.{claims_part}");
    let mac = hmac_sha256(public.as_bytes(), signed.as_bytes());
    let hs = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac));
    assert_eq!(status_with(&app, &hs).await, Status::Unauthorized);
    // a changed payload (role), signature kept
    let changed = forge(&reg.token, |_, c| c["role"] = json!("admin"));
    assert_eq!(status_with(&app, &changed).await, Status::Unauthorized);
    let other_user = forge(&reg.token, |_, c| c["sub"] = json!("someone-else"));
    assert_eq!(status_with(&app, &other_user).await, Status::Unauthorized);
    // wrong audience / issuer / expired: re-signed with a key of our own making is refused,
    // and so is the real signature over changed claims
    for edit in [
        (|_: &mut Value, c: &mut Value| c["aud"] = json!("other")) as fn(&mut Value, &mut Value),
        |_, c| c["iss"] = json!("other"),
        |_, c| c["exp"] = json!(1_000_000_000),
        |h, _| h["kid"] = json!("0000000000000000"),
    ] {
        assert_eq!(
            status_with(&app, &forge(&reg.token, edit)).await,
            Status::Unauthorized
        );
    }
    // garbage
    assert_eq!(status_with(&app, "not.a.token").await, Status::Unauthorized);
    let res = app
        .client
        .get("/api/v1/me")
        .header(Header::new("Authorization", "Basic abc"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Unauthorized);
    assert_eq!(
        res.headers().get_one("WWW-Authenticate"),
        Some("Bearer realm=\"techledger\"")
    );
});

both!(
    expired_and_wrongly_addressed_tokens_signed_with_our_key_are_refused,
    |app| {
        // Tokens signed with the real key: only the claims are wrong.
        let reg = app.registrar("reg1").await;
        let keys = techledger::audit::keys::KeyStore::open(&app.config.data_dir).unwrap();
        let key = keys
            .current(techledger::audit::keys::KeyPurpose::Token)
            .unwrap()
            .unwrap();
        let claims: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(reg.token.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        let sign = |edit: fn(&mut Value)| {
            let mut c = claims.clone();
            edit(&mut c);
            key.sign(&c).unwrap()
        };
        assert_eq!(
            status_with(&app, &sign(|_| {})).await,
            Status::Ok,
            "re-signing unchanged claims works"
        );
        assert_eq!(
            status_with(&app, &sign(|c| c["exp"] = json!(1_000_000_000))).await,
            Status::Unauthorized
        );
        assert_eq!(
            status_with(&app, &sign(|c| c["aud"] = json!("elsewhere"))).await,
            Status::Unauthorized
        );
        assert_eq!(
            status_with(&app, &sign(|c| c["iss"] = json!("elsewhere"))).await,
            Status::Unauthorized
        );
        assert_eq!(
            status_with(&app, &sign(|c| c["tgen"] = json!(0))).await,
            Status::Unauthorized
        );
        // The audit key is not a token key.
        let audit = keys
            .current(techledger::audit::keys::KeyPurpose::Audit)
            .unwrap()
            .unwrap();
        assert_eq!(
            status_with(&app, &audit.sign(&claims).unwrap()).await,
            Status::Unauthorized
        );
    }
);

both!(
    deactivating_or_changing_a_user_revokes_their_tokens_at_once,
    |app| {
        let admin = app.user("root", Role::Admin, None).await;
        let reg = app.registrar("reg1").await;
        let aud = app.user("aud1", Role::Auditor, None).await;
        assert_eq!(status_with(&app, &reg.token).await, Status::Ok);
        let (s, body) = app
            .send(
                "PATCH",
                &format!("/api/v1/users/{}", reg.actor.id),
                Some(&admin.token),
                &json!({"active": false}),
            )
            .await;
        assert_eq!(s, Status::Ok, "{body}");
        assert!(body["audit_seq"].as_i64().unwrap() > 0);
        assert_eq!(status_with(&app, &reg.token).await, Status::Unauthorized);
        let (s, _) = app
            .send(
                "POST",
                "/api/v1/auth/login",
                None,
                &json!({"username": "reg1", "password": PASSWORD}),
            )
            .await;
        assert_eq!(s, Status::Unauthorized, "an inactive user cannot sign in");
        // Role change revokes too.
        let (s, _) = app
            .send(
                "PATCH",
                &format!("/api/v1/users/{}", aud.actor.id),
                Some(&admin.token),
                &json!({"role": "official"}),
            )
            .await;
        assert_eq!(s, Status::Ok);
        assert_eq!(status_with(&app, &aud.token).await, Status::Unauthorized);
        // A display-name change does not.
        let fresh = app.login("aud1", PASSWORD).await;
        let (s, _) = app
            .send(
                "PATCH",
                &format!("/api/v1/users/{}", aud.actor.id),
                Some(&admin.token),
                &json!({"display_name": "审计 一"}),
            )
            .await;
        assert_eq!(s, Status::Ok);
        assert_eq!(status_with(&app, &fresh).await, Status::Ok);
    }
);

both!(users_are_managed_by_admins_with_password_rules, |app| {
    let admin = app.user("root", Role::Admin, None).await;
    let reg = app.registrar("reg1").await;
    let new = json!({"username": "clerk", "password": "Spring-Lotus-2026", "role": "registrar", "office": "371311"});
    let (s, _) = app.post("/api/v1/users", &reg.token, &new).await;
    assert_eq!(s, Status::Forbidden);
    let (s, body) = app
        .post(
            "/api/v1/users",
            &admin.token,
            &json!({"username": "clerk", "password": "short", "role": "boss", "office": "999999"}),
        )
        .await;
    assert_eq!(s, Status::UnprocessableEntity);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"password") && fields.contains(&"role") && fields.contains(&"office"),
        "{body}"
    );
    let (s, body) = app
        .post(
            "/api/v1/users",
            &admin.token,
            &json!({"username": "clerk", "password": "xxclerkxxxxx", "role": "auditor"}),
        )
        .await;
    assert_eq!(
        s,
        Status::UnprocessableEntity,
        "the password may not contain the username: {body}"
    );
    let (s, body) = app.post("/api/v1/users", &admin.token, &new).await;
    assert_eq!(s, Status::Created, "{body}");
    assert_eq!(body["office"], "371311");
    let (s, _) = app.post("/api/v1/users", &admin.token, &new).await;
    assert_eq!(s, Status::Conflict);
    app.login("clerk", "Spring-Lotus-2026").await;
    // Deactivating the bootstrap admin leaves `root` the last active admin, who cannot then
    // demote or deactivate themselves.
    let (_, list) = app.get("/api/v1/users", Some(&admin.token)).await;
    let bootstrap = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "admin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, body) = app
        .send(
            "PATCH",
            &format!("/api/v1/users/{bootstrap}"),
            Some(&admin.token),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(s, Status::Ok, "{body}");
    let (s, body) = app
        .send(
            "PATCH",
            &format!("/api/v1/users/{}", admin.actor.id),
            Some(&admin.token),
            &json!({"role": "official"}),
        )
        .await;
    assert_eq!(s, Status::Conflict, "{body}");
    assert_eq!(body["type"], "urn:techledger:problem:last_admin");
});

both!(
    admins_do_not_write_the_ledger_and_auditors_do_not_register,
    |app| {
        let admin = app.user("root", Role::Admin, None).await;
        let aud = app.user("aud1", Role::Auditor, None).await;
        let official = app.user("off1", Role::Official, None).await;
        let body = json!({"name": "某公司", "credit_code": credit_code(1).as_str(), "kind": "enterprise", "region": "371302"});
        for token in [&admin.token, &aud.token, &official.token] {
            let (s, _) = app.post("/api/v1/parties", token, &body).await;
            assert_eq!(s, Status::Forbidden);
        }
        let reg = app.registrar("reg1").await;
        let (s, _) = app.post("/api/v1/parties", &reg.token, &body).await;
        assert_eq!(s, Status::Created);
        let _ = OfficeCode::ALL;
    }
);

/// Who may call each route: the roles whose requests get past the guard.
fn matrix() -> BTreeMap<(&'static str, &'static str), &'static [&'static str]> {
    const R: &str = "registrar";
    const A: &str = "auditor";
    const O: &str = "official";
    const D: &str = "admin";
    const P: &str = "applicant";
    const PUBLIC: &[&str] = &["public"];
    const OPS: &[&str] = &["ops"];
    const READERS: &[&str] = &[R, A, O];
    // Every staff role; applicants see their own submissions and nothing else.
    const ALL: &[&str] = &[R, A, O, D];
    const SIGNED_IN: &[&str] = &[R, A, O, D, P];
    const AUDIT: &[&str] = &[A, D];
    BTreeMap::from([
        (("GET", "/health"), PUBLIC),
        // Operators only (ops.token or ops.addresses), whatever the role.
        (("GET", "/metrics"), OPS),
        (("GET", "/openapi.json"), PUBLIC),
        (("GET", "/docs"), PUBLIC),
        (("GET", "/static/<path..>"), PUBLIC),
        (("GET", "/.well-known/jwks.json"), PUBLIC),
        (("GET", "/log/checkpoint"), PUBLIC),
        (("GET", "/log/checkpoint/<size>"), PUBLIC),
        (("GET", "/log/tile/<path..>"), PUBLIC),
        (("GET", "/log/tile/entries/<path..>"), AUDIT),
        (("GET", "/log/keys"), PUBLIC),
        // A witness's signature is its credential (only configured witness keys are taken).
        (("POST", "/log/cosignature"), PUBLIC),
        (
            ("GET", "/api/v1/audit/proof/inclusion?<seq>&<tree_size>"),
            PUBLIC,
        ),
        (
            ("GET", "/api/v1/audit/proof/consistency?<from>&<to>"),
            PUBLIC,
        ),
        (("GET", "/api/v1/contracts/<id>/receipt"), READERS),
        (
            (
                "GET",
                "/api/v1/public/registrations/<registration_no>/receipt",
            ),
            PUBLIC,
        ),
        // Only ever answers 422: requests with control characters in their path or query.
        (("GET", "/__refused_input"), PUBLIC),
        (("POST", "/api/v1/auth/login"), PUBLIC),
        (("POST", "/api/v1/auth/sign-up"), PUBLIC),
        (("GET", "/api/v1/applicants?<active>"), &[R, D][..]),
        (("POST", "/api/v1/applicants"), &[R][..]),
        (("POST", "/api/v1/applicants/<id>/activate"), &[R][..]),
        (("GET", "/login?<next>"), PUBLIC),
        (("GET", "/verify?<no>"), PUBLIC),
        (("POST", "/login"), PUBLIC),
        (("POST", "/logout"), PUBLIC),
        // Staff see the dashboard; an applicant is sent on to their submissions (303).
        (("GET", "/?<year>"), SIGNED_IN),
        (("GET", "/sign-up"), PUBLIC),
        (("GET", "/applicants"), &[R][..]),
        (("GET", "/submissions"), &[P][..]),
        (("GET", "/submissions/new"), &[P][..]),
        (("GET", "/submissions/<id>/edit"), &[P][..]),
        (("GET", "/submissions/queue"), &[R][..]),
        (("GET", "/submissions/<id>"), &[R, A, P][..]),
        (("GET", "/contracts/new"), &[R][..]),
        (("GET", "/contracts?<f..>"), READERS),
        (("GET", "/contracts/<id>"), READERS),
        (("GET", "/approvals"), &[R][..]),
        (("GET", "/import"), &[R][..]),
        (("GET", "/audit"), AUDIT),
        (("GET", "/audit/entries?<f..>"), AUDIT),
        (("GET", "/audit/queue"), &[A][..]),
        (("GET", "/anomalies?<year>&<rule>"), AUDIT),
        (("GET", "/admin/users"), &[D][..]),
        (("GET", "/api/v1/me"), SIGNED_IN),
        (("POST", "/api/v1/auth/logout"), SIGNED_IN),
        (("POST", "/api/v1/auth/logout-everywhere"), SIGNED_IN),
        (("POST", "/api/v1/me/password"), SIGNED_IN),
        (("GET", "/account"), SIGNED_IN),
        (("POST", "/api/v1/users"), &[D][..]),
        (("GET", "/api/v1/users"), &[D][..]),
        (("GET", "/api/v1/users/<id>"), &[D][..]),
        (("PATCH", "/api/v1/users/<id>"), &[D][..]),
        (("GET", "/api/v1/audit/entries?<query..>"), AUDIT),
        (("GET", "/api/v1/audit/entries/<seq>"), AUDIT),
        (("GET", "/api/v1/audit/export"), AUDIT),
        (("GET", "/api/v1/audit/checkpoint"), AUDIT),
        (("GET", "/api/v1/audit/checkpoints?<before>&<limit>"), AUDIT),
        (("GET", "/api/v1/audit/verify"), AUDIT),
        (
            ("POST", "/api/v1/audit/keys/rotate?<keep_retired>"),
            &[D][..],
        ),
        (("POST", "/api/v1/parties"), &[R][..]),
        (
            ("GET", "/api/v1/parties?<q>&<credit_code>&<limit>&<after>"),
            READERS,
        ),
        (("GET", "/api/v1/parties/<id>"), READERS),
        (("PATCH", "/api/v1/parties/<id>"), &[R][..]),
        (("GET", "/api/v1/parties/<id>/history"), READERS),
        (("POST", "/api/v1/contracts"), &[R][..]),
        (("GET", "/api/v1/contracts?<query..>"), READERS),
        (("GET", "/api/v1/contracts.csv?<query..>"), READERS),
        (("GET", "/api/v1/contracts/<id>"), READERS),
        (
            ("GET", "/api/v1/contracts/by-number/<registration_no>"),
            READERS,
        ),
        (("POST", "/api/v1/contracts/<id>/amendments"), &[R][..]),
        (("POST", "/api/v1/contracts/<id>/void"), &[R][..]),
        (("POST", "/api/v1/contracts/<id>/approve"), &[R][..]),
        (("POST", "/api/v1/contracts/<id>/refuse"), &[R][..]),
        (("POST", "/api/v1/contracts/<id>/reviews"), &[A][..]),
        (("GET", "/api/v1/contracts/<id>/history"), READERS),
        (
            ("GET", "/api/v1/contracts/<id>/certificate.pdf"),
            &[R, A, O, P][..],
        ),
        (("POST", "/api/v1/submissions"), &[P][..]),
        (("POST", "/api/v1/submissions/<id>/versions"), &[P][..]),
        (("GET", "/api/v1/submissions?<status>"), &[P, R, A][..]),
        (("GET", "/api/v1/submissions/<id>"), &[P, R, A][..]),
        (
            ("GET", "/api/v1/submissions/<id>/versions/<version>/file"),
            &[P, R, A][..],
        ),
        (("POST", "/api/v1/submissions/<id>/return"), &[R][..]),
        (("POST", "/api/v1/submissions/<id>/refuse"), &[R][..]),
        (("POST", "/api/v1/submissions/<id>/accept"), &[R][..]),
        (("GET", "/api/v1/stats/summary?<year>&<as_of>"), ALL),
        (("GET", "/api/v1/stats/breakdown?<year>&<by>&<as_of>"), ALL),
        (
            ("GET", "/api/v1/stats/top-parties?<year>&<side>&<limit>"),
            ALL,
        ),
        (("GET", "/api/v1/stats/report.xlsx?<year>&<as_of>"), ALL),
        (("GET", "/api/v1/codes"), SIGNED_IN),
        (("GET", "/api/v1/regions?<parent>"), SIGNED_IN),
        (
            (
                "POST",
                "/api/v1/imports?<dry_run>&<partial>&<confirm_duplicate>",
            ),
            &[R][..],
        ),
        (("GET", "/api/v1/imports/template.csv"), ALL),
        (("GET", "/api/v1/imports/template.xlsx"), ALL),
        (("GET", "/api/v1/anomalies?<year>&<rule>"), AUDIT),
    ])
}

fn concrete(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    path.split('/')
        .map(|seg| match seg {
            "<path..>" => "app.css".to_string(),
            "<seq>" => "1".to_string(),
            "<registration_no>" => "2026371302000001".to_string(),
            s if s.starts_with('<') => "00000000-0000-7000-8000-000000000000".to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

both!(every_route_checks_its_role, |app| {
    let admin = app.user("root", Role::Admin, None).await;
    let registrar = app.registrar("reg1").await;
    let auditor = app.user("aud1", Role::Auditor, None).await;
    let official = app.user("off1", Role::Official, None).await;
    let applicant = app.applicant("app1", 7).await;
    let mut tokens = [
        ("registrar", "reg1", registrar.token.clone()),
        ("auditor", "aud1", auditor.token.clone()),
        ("official", "off1", official.token.clone()),
        ("admin", "root", admin.token.clone()),
        ("applicant", "app1", applicant.token.clone()),
    ];
    let matrix = matrix();
    let routes: Vec<(String, String)> = app
        .client
        .rocket()
        .routes()
        .map(|r| (r.method.as_str().to_string(), r.uri.to_string()))
        .collect();
    for (method, uri) in &routes {
        let allowed = matrix
            .get(&(method.as_str(), uri.as_str()))
            .unwrap_or_else(|| {
                panic!("{method} {uri} is not in the role matrix: add it with its roles")
            });
        let path = concrete(uri);
        let call = |token: Option<&str>| {
            let mut req = app.client.req(method.parse().unwrap(), path.clone());
            req.add_header(rocket::http::ContentType::JSON);
            req.set_body("{}");
            if let Some(t) = token {
                req.add_header(Header::new("Authorization", format!("Bearer {t}")));
            }
            req
        };
        let anonymous = call(None).dispatch().await.status();
        if allowed.contains(&"ops") {
            assert_eq!(
                anonymous,
                Status::Forbidden,
                "{method} {uri} without a token"
            );
            for (role, _, token) in &tokens {
                let status = call(Some(token.as_str())).dispatch().await.status();
                assert_eq!(status, Status::Forbidden, "{method} {uri} as {role}");
            }
            continue;
        }
        if allowed.contains(&"public") {
            assert!(
                anonymous.code != 401 && anonymous.code != 403,
                "{method} {uri} is public but answered {anonymous}"
            );
            continue;
        }
        assert_eq!(
            anonymous,
            Status::Unauthorized,
            "{method} {uri} without a token"
        );
        // Signing out ends the token it is called with (and signing out everywhere every
        // token of the user): those routes get a fresh one, and the others one made after.
        let ends_session = uri.starts_with("/api/v1/auth/logout");
        for (role, username, token) in tokens.iter_mut() {
            if ends_session {
                *token = app.login(username, PASSWORD).await;
            }
            let status = call(Some(token.as_str())).dispatch().await.status();
            let role = *role;
            if ends_session {
                *token = app.login(username, PASSWORD).await;
            }
            if allowed.contains(&role) {
                assert!(
                    status.code != 401 && status.code != 403,
                    "{method} {uri} as {role} answered {status}"
                );
                assert!(
                    status.code < 500,
                    "{method} {uri} as {role} answered {status}"
                );
            } else {
                assert_eq!(status, Status::Forbidden, "{method} {uri} as {role}");
            }
        }
    }
    assert_eq!(
        routes.len(),
        matrix.len(),
        "the matrix lists a route that is not mounted"
    );
});

/// HMAC-SHA256 (RFC 2104), for the HS256 confusion token above.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

#[test]
fn hmac_sha256_matches_rfc_4231_test_case_2() {
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    assert_eq!(
        techledger::audit::entry::to_hex(&mac),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}
