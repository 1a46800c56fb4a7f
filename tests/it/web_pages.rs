//! The registrar, audit and admin pages: each refuses users without its role and sends
//! browsers without a session to the login page; every write a page makes with the session
//! cookie is refused without the session's CSRF token and then writes nothing; the pages carry
//! no inline script or style (the CSP forbids them) and follow the language switch.

#![allow(clippy::unwrap_used)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rocket::http::{ContentType, Cookie, Header, Status};
use serde_json::{Value, json};
use techledger::domain::{OfficeCode, Role};
use techledger::ledger::Command;

use crate::both;
use crate::support::*;

const R: &str = "registrar";
const A: &str = "auditor";
const O: &str = "official";
const D: &str = "admin";
const P: &str = "applicant";

/// Every page of these areas with the roles that may open it (`<id>`: a contract id, `<sub>`:
/// a submission of the applicant to the registrar's office).
const PAGES: &[(&str, &[&str])] = &[
    ("/", &[R, A, O, D]),
    ("/contracts/new", &[R]),
    ("/contracts", &[R, A, O]),
    (
        "/contracts?year=2026&office=371302&status=pending&q=abc&lang=zh&after=x",
        &[R, A, O],
    ),
    ("/contracts/<id>", &[R, A, O]),
    ("/approvals", &[R]),
    ("/import", &[R]),
    ("/audit", &[A, D]),
    ("/audit/entries", &[A, D]),
    (
        "/audit/entries?action=contract.&entity_type=contract&from=2026-01-01&after_seq=5",
        &[A, D],
    ),
    ("/audit/queue", &[A]),
    ("/anomalies", &[A, D]),
    ("/anomalies?year=2026&rule=splitting", &[A, D]),
    ("/admin/users", &[D]),
    ("/account", &[R, A, O, D, P]),
    ("/applicants", &[R]),
    ("/submissions/queue", &[R]),
    ("/submissions", &[P]),
    ("/submissions/new", &[P]),
    ("/submissions/<sub>", &[R, A, P]),
    ("/submissions/<sub>/edit", &[P]),
];

/// The pages anyone may open without signing in (beside the login page).
const PUBLIC_PAGES: &[&str] = &["/verify", "/verify?no=2026371302000001", "/sign-up"];

/// A request body with its media type.
type Body = Option<(ContentType, Vec<u8>)>;

/// A write a page makes: who, method, path, body, and its status when the token is sent.
type Write<'a> = (&'a TestUser, &'static str, String, Body, Status);

/// The session cookie of a signed-in user (its value is the login token).
fn cookie(token: &str) -> Cookie<'static> {
    Cookie::new("tl_session", token.to_string())
}

/// The CSRF token a page embeds for its scripts (`<meta name="csrf-token" content="…">`).
fn csrf_of(html: &str) -> String {
    let start = html
        .find("<meta name=\"csrf-token\" content=\"")
        .expect("csrf meta")
        + 33;
    html[start..start + html[start..].find('"').expect("end of csrf")].to_string()
}

/// The CSRF claim inside a login token.
fn csrf_claim(token: &str) -> String {
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    claims["csrf"].as_str().unwrap().to_string()
}

/// GET a page as a browser: status, Location, body.
async fn browse(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
) -> (Status, Option<String>, String) {
    let mut req = app
        .client
        .get(path.to_string())
        .header(Header::new("Accept", "text/html,application/xhtml+xml"));
    if let Some(t) = token {
        req = req.cookie(cookie(t));
    }
    let res = req.dispatch().await;
    let status = res.status();
    let location = res.headers().get_one("Location").map(str::to_string);
    let body = res.into_string().await.unwrap_or_default();
    assert!(status.code < 500, "{path}: {status}: {body}");
    (status, location, body)
}

/// A write with the session cookie (as a page script makes it), with or without a CSRF token.
async fn cookie_write(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    csrf: Option<&str>,
    body: Body,
    key: Option<&str>,
) -> (Status, Value) {
    let mut req = match method {
        "POST" => app.client.post(path.to_string()),
        "PATCH" => app.client.patch(path.to_string()),
        other => panic!("method {other}"),
    };
    req = req
        .cookie(cookie(token))
        .header(Header::new("Accept", "application/json"));
    if let Some(c) = csrf {
        req = req.header(Header::new("X-CSRF-Token", c.to_string()));
    }
    if let Some(k) = key {
        req = req.header(Header::new("Idempotency-Key", k.to_string()));
    }
    if let Some((ct, bytes)) = body {
        req = req.header(ct).body(bytes);
    }
    read(req.dispatch().await).await
}

fn json_body(v: &Value) -> Body {
    Some((ContentType::JSON, v.to_string().into_bytes()))
}

/// Entries in the audit chain (verified on the way).
fn entries(app: &TestApp) -> u64 {
    let v = verify(app);
    assert!(v.ok, "{v:?}");
    v.entries
}

/// A registered contract of Lanshan recorded by `user` (inline parties `seller`, `buyer`).
async fn registered(
    app: &TestApp,
    user: &TestUser,
    seller: u32,
    buyer: u32,
    technical: &str,
) -> Value {
    run(
        app,
        user,
        Command::RegisterContract(contract(seller, buyer, technical, technical)),
    )
    .await
    .body
}

/// One user of each role, a registered contract (the pages' `<id>`) and a submission of the
/// applicant to the registrar's office (`<sub>`).
struct Staff {
    registrar: TestUser,
    auditor: TestUser,
    official: TestUser,
    admin: TestUser,
    applicant: TestUser,
    contract: String,
    submission: String,
}

impl Staff {
    async fn new(app: &TestApp) -> Staff {
        let registrar = app.registrar("reg1").await;
        let contract = registered(app, &registrar, 1, 2, "120000.00").await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let applicant = app.applicant("app1", 31).await;
        let (status, submitted) = submit_signed(
            app,
            &applicant.token,
            &submission_form(31, 32, "150000.00"),
            &signed_pdf("pages"),
        )
        .await;
        assert_eq!(status, Status::Created, "{submitted}");
        Staff {
            auditor: app.user("aud1", Role::Auditor, None).await,
            official: app.user("off1", Role::Official, None).await,
            admin: app.user("root", Role::Admin, None).await,
            submission: submitted["id"].as_str().unwrap().to_string(),
            registrar,
            applicant,
            contract,
        }
    }

    /// A page path with its `<id>` and `<sub>` filled in.
    fn fill(&self, path: &str) -> String {
        path.replace("<id>", &self.contract)
            .replace("<sub>", &self.submission)
    }

    /// The user of a role (R, A, O, D or P).
    fn of(&self, role: &str) -> &TestUser {
        match role {
            R => &self.registrar,
            A => &self.auditor,
            O => &self.official,
            P => &self.applicant,
            _ => &self.admin,
        }
    }
}

both!(
    pages_send_anonymous_browsers_to_the_login_page_and_refuse_api_clients,
    |app| {
        for (path, _) in PAGES {
            let path = path
                .replace("<id>", "00000000-0000-7000-8000-000000000000")
                .replace("<sub>", "00000000-0000-7000-8000-000000000000");
            let (status, location, _) = browse(&app, &path, None).await;
            assert_eq!(status, Status::SeeOther, "{path}");
            let location = location.expect("Location");
            assert!(
                location.starts_with("/login?next=%2F") || location.starts_with("/login?next=/"),
                "{path} → {location}"
            );
            let plain = path.split('?').next().unwrap();
            assert!(
                location.contains(&plain.replace('/', "%2F")) || location.contains(plain),
                "{path} → {location}"
            );
            // An API client (no text/html) gets 401 problem+json instead.
            let res = app.client.get(path.clone()).dispatch().await;
            assert_eq!(res.status(), Status::Unauthorized, "{path}");
        }
    }
);

both!(every_page_refuses_users_without_its_role, |app| {
    let staff = Staff::new(&app).await;
    for (path, allowed) in PAGES {
        let path = staff.fill(path);
        for role in [R, A, O, D, P] {
            let user = staff.of(role);
            if role == P && path == "/" {
                // An applicant may not read statistics: they land on their submissions.
                let (status, location, _) = browse(&app, &path, Some(&user.token)).await;
                assert_eq!(status, Status::SeeOther, "{path} as {role}");
                assert_eq!(location.as_deref(), Some("/submissions"));
                continue;
            }
            let (status, _, body) = browse(&app, &path, Some(&user.token)).await;
            if allowed.contains(&role) {
                assert_eq!(status, Status::Ok, "{path} as {role}");
                assert!(
                    body.contains("<html lang=\"zh-CN\">"),
                    "{path} as {role}: Chinese by default"
                );
                assert_eq!(
                    csrf_of(&body),
                    csrf_claim(&user.token),
                    "{path} embeds the session's CSRF token"
                );
                assert!(body.contains("id=\"i18n\""), "{path} embeds its strings");
            } else {
                assert_eq!(status, Status::Forbidden, "{path} as {role}");
                assert!(body.contains("403"), "{path} as {role}: the 403 page");
            }
        }
    }
});

both!(
    pages_carry_no_inline_script_style_or_handler_and_their_scripts_are_served,
    |app| {
        let staff = Staff::new(&app).await;
        let mut scripts = std::collections::BTreeSet::new();
        for (path, allowed) in PAGES {
            let user = staff.of(allowed[0]);
            let path = staff.fill(path);
            let (status, _, html) = browse(&app, &path, Some(&user.token)).await;
            assert_eq!(status, Status::Ok, "{path}");
            assert!(
                !html.contains(" style=\""),
                "{path} has an inline style attribute"
            );
            let lower = html.to_lowercase();
            for handler in [
                " onclick=",
                " onchange=",
                " onsubmit=",
                " oninput=",
                " onload=",
                " onerror=",
                "javascript:",
            ] {
                assert!(!lower.contains(handler), "{path} has {handler}");
            }
            for (i, _) in html.match_indices("<script") {
                let tag = &html[i..i + html[i..].find('>').unwrap()];
                assert!(
                    tag.contains(" src=\"/static/") || tag.contains("type=\"application/json\""),
                    "{path} has an inline script: {tag}"
                );
                if let Some(s) = tag.find("src=\"") {
                    let src = &tag[s + 5..];
                    scripts.insert(src[..src.find('"').unwrap()].to_string());
                }
            }
            assert!(!html.contains("<style"), "{path} has a style element");
        }
        for script in &scripts {
            let res = app.client.get(script.clone()).dispatch().await;
            assert_eq!(res.status(), Status::Ok, "{script}");
            assert_eq!(
                res.content_type(),
                Some(ContentType::JavaScript),
                "{script}"
            );
        }
        for expected in [
            "/static/pages.js",
            "/static/contract-form.js",
            "/static/contracts.js",
            "/static/contract.js",
            "/static/approvals.js",
            "/static/import.js",
            "/static/audit.js",
            "/static/admin.js",
            "/static/applicants.js",
            "/static/submissions.js",
            "/static/submission.js",
        ] {
            assert!(scripts.contains(expected), "no page loads {expected}");
        }
    }
);

both!(
    a_browser_signs_in_through_the_form_and_writes_only_with_the_pages_csrf_token,
    |app| {
        app.registrar("reg1").await;
        // The login form: its CSRF cookie and hidden field.
        let res = app
            .client
            .get("/login?next=/contracts/new")
            .dispatch()
            .await;
        let login_cookie = res
            .cookies()
            .get("tl_login_csrf")
            .expect("login csrf cookie")
            .value()
            .to_string();
        let form = res.into_string().await.unwrap();
        let start = form.find("name=\"csrf\" value=\"").unwrap() + 19;
        let login_csrf = &form[start..start + form[start..].find('"').unwrap()];
        assert_eq!(login_csrf, login_cookie);
        let res = app
            .client
            .post("/login")
            .header(ContentType::Form)
            .cookie(Cookie::new("tl_login_csrf", login_cookie.clone()))
            .body(format!(
                "username=reg1&password={}&csrf={login_csrf}&next=%2Fcontracts%2Fnew",
                PASSWORD.replace(' ', "+")
            ))
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::SeeOther);
        assert_eq!(res.headers().get_one("Location"), Some("/contracts/new"));
        let session = res.cookies().get("tl_session").expect("session cookie");
        assert_eq!(session.http_only(), Some(true));
        let token = session.value().to_string();
        // The page the browser lands on carries the CSRF token its scripts send back.
        let (status, _, html) = browse(&app, "/contracts/new", Some(&token)).await;
        assert_eq!(status, Status::Ok);
        let csrf = csrf_of(&html);
        assert!(!csrf.is_empty());
        // The contract form's post: refused without the token or with another, accepted with it.
        let body = json!({
            "title": "数控机床远程运维技术开发", "contract_type": "development", "subtype": "commissioned",
            "seller": {"name": "上海某某科技有限公司", "credit_code": credit_code(11).as_str(), "kind": "enterprise", "region": "310115"},
            "buyer": {"name": "临沂某某机械有限公司", "credit_code": credit_code(12).as_str(), "kind": "enterprise", "region": "371302"},
            "signed_on": "2026-03-01", "contract_amount": "1250000.00", "technical_amount": "1000000.00",
            "tech_field": "advanced_manufacturing", "ip_type": "patent"
        });
        let before = entries(&app);
        let (status, problem) = cookie_write(
            &app,
            "POST",
            "/api/v1/contracts",
            &token,
            None,
            json_body(&body),
            Some("k1"),
        )
        .await;
        assert_eq!(status, Status::Forbidden, "{problem}");
        let (status, _) = cookie_write(
            &app,
            "POST",
            "/api/v1/contracts",
            &token,
            Some("not-the-token"),
            json_body(&body),
            Some("k1"),
        )
        .await;
        assert_eq!(status, Status::Forbidden);
        assert_eq!(entries(&app), before, "nothing was written");
        let (status, created) = cookie_write(
            &app,
            "POST",
            "/api/v1/contracts",
            &token,
            Some(&csrf),
            json_body(&body),
            Some("k1"),
        )
        .await;
        assert_eq!(status, Status::Created, "{created}");
        assert_eq!(created["status"], "registered", "{created}");
        // The same form posted again (a double click) registers nothing new.
        let after = entries(&app);
        let (status, again) = cookie_write(
            &app,
            "POST",
            "/api/v1/contracts",
            &token,
            Some(&csrf),
            json_body(&body),
            Some("k1"),
        )
        .await;
        assert_eq!(status, Status::Created);
        assert_eq!(again["id"], created["id"]);
        assert_eq!(entries(&app), after);
        // Signing out is a form post that needs the token too.
        let res = app
            .client
            .post("/logout")
            .header(ContentType::Form)
            .cookie(cookie(&token))
            .body("csrf=wrong")
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::Forbidden);
        let res = app
            .client
            .post("/logout")
            .header(ContentType::Form)
            .cookie(cookie(&token))
            .body(format!("csrf={csrf}"))
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::SeeOther);
    }
);

both!(
    every_cookie_write_of_the_pages_is_refused_without_the_csrf_token,
    |app| {
        let a = app.registrar("reg-a").await;
        let b = app.registrar("reg-b").await;
        let auditor = app.user("aud1", Role::Auditor, None).await;
        let admin = app.user("root", Role::Admin, None).await;
        let small = registered(&app, &a, 1, 2, "120000.00").await;
        let small_id = small["id"].as_str().unwrap().to_string();
        let to_void = registered(&app, &a, 3, 4, "80000.00").await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let large = registered(&app, &a, 5, 6, "6000000.00").await;
        assert_eq!(large["status"], "pending");
        let large_id = large["id"].as_str().unwrap().to_string();
        let to_refuse = registered(&app, &a, 7, 8, "7000000.00").await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (_, users) = app.get("/api/v1/users", Some(&admin.token)).await;
        let bootstrap_id = users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == "admin")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let csv = format!(
            "\u{feff}合同名称,合同类型,合同子类型,卖方统一社会信用代码,卖方名称,卖方类型,卖方所在地区,买方统一社会信用代码,买方名称,买方类型,买方所在地区,签订日期,有效期至,合同成交额,技术交易额,技术领域,知识产权类型\r\n\
         导入合同一,技术开发,委托开发,{},导入卖方一有限公司,企业,310115,{},导入买方一有限公司,企业,371302,2026-02-01,,300000.00,250000.00,先进制造,专利\r\n",
            credit_code(21).as_str(),
            credit_code(22).as_str()
        );
        // Online submissions: one to return and correct, one to refuse, one to accept, and
        // an applicant waiting for activation.
        let applicant = app.applicant("app1", 31).await;
        let mut submitted = Vec::new();
        for buyer in [32, 33, 34] {
            let (status, body) = submit_signed(
                &app,
                &applicant.token,
                &submission_form(31, buyer, "150000.00"),
                &signed_pdf(&format!("for {buyer}")),
            )
            .await;
            assert_eq!(status, Status::Created, "{body}");
            submitted.push(body["id"].as_str().unwrap().to_string());
        }
        let (status, waiting) = app
            .send(
                "POST",
                "/api/v1/auth/sign-up",
                None,
                &json!({"username": "waiting1", "password": "Spring-Lotus-2026", "display_name": "临沂某某科技有限公司",
                        "credit_code": credit_code(36).as_str(), "office": "371302"}),
            )
            .await;
        assert_eq!(status, Status::Created, "{waiting}");
        let waiting_id = waiting["id"].as_str().unwrap().to_string();
        let csv_type = ContentType::new("text", "csv");
        let new_user = json!({"username": "clerk2", "password": "Spring-Lotus-2026", "role": "registrar", "office": "371311"});
        // (who, method, path, body, the status with the token)
        let writes: Vec<Write<'_>> = vec![
            (
                &applicant,
                "POST",
                "/api/v1/submissions".to_string(),
                Some(signed_multipart(
                    &submission_form(31, 35, "160000.00"),
                    &signed_pdf("new"),
                )),
                Status::Created,
            ),
            (
                &a,
                "POST",
                format!("/api/v1/submissions/{}/return", submitted[0]),
                json_body(
                    &json!({"version": 1, "reasons": [{"field": "title", "reason": "名称与合同文本不一致"}]}),
                ),
                Status::Ok,
            ),
            (
                &applicant,
                "POST",
                format!("/api/v1/submissions/{}/versions", submitted[0]),
                Some(signed_multipart(
                    &submission_form(31, 32, "150000.00"),
                    &signed_pdf("corrected"),
                )),
                Status::Ok,
            ),
            (
                &a,
                "POST",
                format!("/api/v1/submissions/{}/refuse", submitted[1]),
                json_body(&json!({"version": 1, "reason": "不属于技术合同"})),
                Status::Ok,
            ),
            (
                &a,
                "POST",
                format!("/api/v1/submissions/{}/accept", submitted[2]),
                json_body(&json!({"version": 1})),
                Status::Ok,
            ),
            (
                &a,
                "POST",
                format!("/api/v1/applicants/{waiting_id}/activate"),
                None,
                Status::Ok,
            ),
            (
                &a,
                "POST",
                format!("/api/v1/contracts/{small_id}/amendments"),
                json_body(&json!({"title": "改名后的合同", "reason": "合同名称笔误"})),
                Status::Ok,
            ),
            (
                &a,
                "POST",
                format!("/api/v1/contracts/{to_void}/void"),
                json_body(&json!({"reason": "双方解除合同"})),
                Status::Ok,
            ),
            (
                &b,
                "POST",
                format!("/api/v1/contracts/{large_id}/approve"),
                json_body(&json!({"version": 1})),
                Status::Ok,
            ),
            (
                &b,
                "POST",
                format!("/api/v1/contracts/{to_refuse}/refuse"),
                json_body(&json!({"reason": "材料不全"})),
                Status::Ok,
            ),
            (
                &auditor,
                "POST",
                format!("/api/v1/contracts/{small_id}/reviews"),
                json_body(&json!({"verdict": "confirmed", "note": ""})),
                Status::Created,
            ),
            (
                &a,
                "POST",
                "/api/v1/imports?dry_run=false&partial=false".to_string(),
                Some((csv_type, csv.into_bytes())),
                Status::Created,
            ),
            (
                &admin,
                "POST",
                "/api/v1/users".to_string(),
                json_body(&new_user),
                Status::Created,
            ),
            (
                &admin,
                "PATCH",
                format!("/api/v1/users/{bootstrap_id}"),
                json_body(&json!({"display_name": "系统管理员"})),
                Status::Ok,
            ),
            (
                &admin,
                "POST",
                "/api/v1/audit/keys/rotate".to_string(),
                None,
                Status::Created,
            ),
        ];
        for (i, (user, method, path, body, ok)) in writes.into_iter().enumerate() {
            let key = format!("key-{i}");
            let before = entries(&app);
            let (status, problem) = cookie_write(
                &app,
                method,
                &path,
                &user.token,
                None,
                body.clone(),
                Some(&key),
            )
            .await;
            assert_eq!(
                status,
                Status::Forbidden,
                "{method} {path} without the token: {problem}"
            );
            assert!(
                problem["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("CSRF"),
                "{problem}"
            );
            let other = if user.actor.id == b.actor.id { &a } else { &b };
            let (status, _) = cookie_write(
                &app,
                method,
                &path,
                &user.token,
                Some(&csrf_claim(&other.token)),
                body.clone(),
                Some(&key),
            )
            .await;
            assert_eq!(
                status,
                Status::Forbidden,
                "{method} {path} with another session's token"
            );
            assert_eq!(
                entries(&app),
                before,
                "{method} {path}: nothing written without the token"
            );
            let (status, answer) = cookie_write(
                &app,
                method,
                &path,
                &user.token,
                Some(&csrf_claim(&user.token)),
                body,
                Some(&key),
            )
            .await;
            assert_eq!(status, ok, "{method} {path} with the token: {answer}");
            assert!(
                entries(&app) > before,
                "{method} {path}: written with the token"
            );
        }
        // The same writes with a bearer token need no CSRF token (API clients).
        let path = format!("/api/v1/contracts/{large_id}/reviews");
        let (status, _) = app
            .post(
                &path,
                &auditor.token,
                &json!({"verdict": "disputed", "note": "金额存疑"}),
            )
            .await;
        assert_eq!(status, Status::Created);
    }
);

both!(pages_follow_the_language_switch, |app| {
    let registrar = app.registrar("reg1").await;
    let admin = app.user("root", Role::Admin, None).await;
    let (_, _, html) = browse(&app, "/contracts/new?lang=en", Some(&registrar.token)).await;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Register a contract"));
    assert!(html.contains("Technical amount"));
    // The browser (this client keeps cookies) remembers the choice…
    let (_, _, html) = browse(&app, "/approvals", Some(&registrar.token)).await;
    assert!(html.contains("<h1>Approvals</h1>"));
    // …until switched back.
    let (_, _, html) = browse(&app, "/contracts/new?lang=zh", Some(&registrar.token)).await;
    assert!(html.contains("<h1>登记技术合同</h1>"));
    assert!(html.contains("技术交易额"));
    // The language cookie alone.
    let res = app
        .client
        .get("/admin/users")
        .header(Header::new("Accept", "text/html"))
        .cookie(cookie(&admin.token))
        .cookie(Cookie::new("tl_lang", "en"))
        .dispatch()
        .await;
    let html = res.into_string().await.unwrap();
    assert!(html.contains("<h1>Users</h1>"), "{html}");
    assert!(html.contains("At least 10 characters, not containing the username"));
});

both!(the_contract_page_offers_each_role_its_own_actions, |app| {
    let registrar = app.registrar("reg1").await;
    let other_office = app
        .user(
            "reg9",
            Role::Registrar,
            Some(OfficeCode::parse("371311").unwrap()),
        )
        .await;
    let auditor = app.user("aud1", Role::Auditor, None).await;
    let official = app.user("off1", Role::Official, None).await;
    let id = registered(&app, &registrar, 1, 2, "120000.00").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/contracts/{id}");
    let (_, _, html) = browse(&app, &path, Some(&registrar.token)).await;
    assert!(
        html.contains("id=\"amend-form\"")
            && html.contains("id=\"void-form\"")
            && html.contains("id=\"refuse-form\"")
    );
    assert!(!html.contains("id=\"review-form\"") && !html.contains("id=\"entries\""));
    assert!(html.contains(&format!("data-id=\"{id}\"")));
    assert!(html.contains(&format!("data-user=\"{}\"", registrar.actor.id)));
    // Another office's registrar gets the same frame; the script hides the actions for a
    // contract of another office (and the API refuses them: tested with the API).
    let (status, _, html) = browse(&app, &path, Some(&other_office.token)).await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("data-office=\"371311\""));
    let (_, _, html) = browse(&app, &path, Some(&auditor.token)).await;
    assert!(html.contains("id=\"review-form\"") && html.contains("id=\"entries\""));
    assert!(!html.contains("id=\"amend-form\""));
    let (_, _, html) = browse(&app, &path, Some(&official.token)).await;
    assert!(
        !html.contains("id=\"review-form\"")
            && !html.contains("id=\"amend-form\"")
            && !html.contains("id=\"entries\"")
    );
    // A path that is not a contract id is the 404 page, with no markup from it.
    let (status, _, html) = browse(&app, "/contracts/%3Cscript%3Ex", Some(&official.token)).await;
    assert_eq!(status, Status::NotFound);
    assert!(!html.contains("<script>x"));
});

both!(
    the_audit_pages_show_admins_and_auditors_their_own_tabs_and_actions,
    |app| {
        let auditor = app.user("aud1", Role::Auditor, None).await;
        let admin = app.user("root", Role::Admin, None).await;
        let (_, _, html) = browse(&app, "/audit", Some(&auditor.token)).await;
        assert!(html.contains("href=\"/audit/queue\"") && html.contains("href=\"/audit/entries\""));
        assert!(!html.contains("id=\"rotate\""));
        assert!(
            html.contains("href=\"/api/v1/audit/export\"")
                && html.contains("href=\"/.well-known/jwks.json\"")
        );
        let (_, _, html) = browse(&app, "/audit", Some(&admin.token)).await;
        assert!(
            !html.contains("href=\"/audit/queue\""),
            "the queue is the auditors'"
        );
        assert!(html.contains("id=\"rotate\""));
        // Filters are kept in the form; an unknown rule is ignored.
        let (_, _, html) = browse(
            &app,
            "/audit/entries?actor=reg1&entity_type=party&after_seq=12",
            Some(&auditor.token),
        )
        .await;
        assert!(
            html.contains("value=\"reg1\"")
                && html.contains("<option value=\"party\" selected>")
                && html.contains("value=\"12\"")
        );
        let (_, _, html) = browse(
            &app,
            "/anomalies?year=2026&rule=splitting",
            Some(&auditor.token),
        )
        .await;
        assert!(
            html.contains("<option value=\"splitting\" selected>")
                && html.contains("data-rule=\"splitting\"")
        );
        let (status, _, html) = browse(
            &app,
            "/anomalies?year=abc&rule=%3Cb%3E",
            Some(&auditor.token),
        )
        .await;
        assert_eq!(status, Status::Ok);
        assert!(html.contains("data-rule=\"\""));
    }
);

both!(the_contract_list_page_keeps_its_filters, |app| {
    let official = app.user("off1", Role::Official, None).await;
    let path = "/contracts?year=2026&office=371302&contract_type=transfer&status=pending&review=disputed&q=%E6%95%B0%E6%8E%A7&signed_from=2026-01-01&sort=amount_desc";
    let (status, _, html) = browse(&app, path, Some(&official.token)).await;
    assert_eq!(status, Status::Ok);
    for selected in [
        "<option value=\"2026\" selected>",
        "<option value=\"371302\" selected>",
        "<option value=\"transfer\" selected>",
        "<option value=\"pending\" selected>",
        "<option value=\"disputed\" selected>",
        "<option value=\"amount_desc\" selected>",
    ] {
        assert!(html.contains(selected), "{selected}");
    }
    assert!(html.contains("value=\"数控\"") && html.contains("value=\"2026-01-01\""));
    assert!(
        html.contains("href=\"/api/v1/contracts.csv\""),
        "the export link, completed by the script"
    );
});

/// The prefixes of the translation tables' keys.
const KEY_PREFIXES: &[&str] = &[
    "acct.", "adm.", "app.", "aud.", "chart.", "common.", "dash.", "form.", "http.", "login.",
    "nav.", "reg.", "review.", "role.", "status.", "verify.",
];

/// Whether `s` reads like a whole translation key (`reg.detail.approve`, not `aud.action.`).
fn looks_like_key(s: &str) -> bool {
    KEY_PREFIXES.iter().any(|p| s.starts_with(p))
        && s.len() > 4
        && !s.ends_with(['.', '_'])
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

/// Every string literal of a page script that is a whole key (`TL.t("…")`, and the keys it
/// keeps in lists and conditions before asking for them).
fn script_keys(script: &str) -> Vec<String> {
    let path = format!(
        "{}/static/{}",
        env!("CARGO_MANIFEST_DIR"),
        script.trim_start_matches("/static/")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| looks_like_key(s))
        .map(str::to_string)
        .collect()
}

/// The scripts of our own a page loads (not the vendored ones).
fn page_scripts(html: &str) -> Vec<String> {
    html.split("<script src=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(src, _)| src.to_string()))
        .filter(|src| !src.starts_with("/static/vendor/"))
        .collect()
}

/// The visible text of a page: tags and the embedded JSON removed.
fn page_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("<script") {
        text.push_str(&rest[..i]);
        rest = rest[i..].split_once("</script>").map_or("", |(_, r)| r);
    }
    text.push_str(rest);
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

both!(
    every_page_and_its_scripts_are_translated_in_both_languages,
    |app| {
        let staff = Staff::new(&app).await;
        let mut problems = Vec::new();
        // (script, language) → every string the pages loading it embed: a script shared by
        // several pages (audit.js) draws on each only what that page shows, which the browser
        // suite checks as it renders them (`data-missing-i18n`).
        let mut embedded: std::collections::BTreeMap<(String, &str), Vec<Value>> =
            Default::default();
        // (path, role, token): every page as each of its roles, the public ones signed out.
        let mut visits: Vec<(String, &str, Option<&str>)> = Vec::new();
        for (path, allowed) in PAGES {
            let path = staff.fill(path);
            for role in *allowed {
                visits.push((path.clone(), role, Some(staff.of(role).token.as_str())));
            }
        }
        for path in PUBLIC_PAGES {
            visits.push((path.to_string(), "anonymous", None));
        }
        for (path, role, token) in visits {
            for lang in ["zh", "en"] {
                let sep = if path.contains('?') { '&' } else { '?' };
                let url = format!("{path}{sep}lang={lang}");
                let (status, _, html) = browse(&app, &url, token).await;
                assert_eq!(status, Status::Ok, "{url} as {role}");
                let json = html
                    .split("<script type=\"application/json\" id=\"i18n\">")
                    .nth(1)
                    .and_then(|rest| rest.split("</script>").next())
                    .unwrap_or_else(|| panic!("{url} embeds its strings"));
                let strings: Value = serde_json::from_str(json).unwrap();
                for script in page_scripts(&html) {
                    embedded
                        .entry((script, lang))
                        .or_default()
                        .push(strings.clone());
                }
                for word in page_text(&html).split_whitespace() {
                    let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                    if looks_like_key(word) && word.contains('.') || word == "?" {
                        problems.push(format!("{url} as {role}: shows \"{word}\""));
                    }
                }
            }
        }
        for ((script, lang), pages) in &embedded {
            for key in script_keys(script) {
                if !pages
                    .iter()
                    .any(|strings| strings[&key].as_str().is_some_and(|s| !s.is_empty()))
                {
                    problems.push(format!(
                        "{script} ({lang}) asks for {key}: no page embeds it"
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
);

both!(a_bad_contract_link_is_a_clean_404_page, |app| {
    let auditor = app.user("aud1", Role::Auditor, None).await;
    let registrar = app.registrar("reg1").await;
    let id = registered(&app, &registrar, 1, 2, "120000.00").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, _) = browse(&app, &format!("/contracts/{id}"), Some(&auditor.token)).await;
    assert_eq!(status, Status::Ok);
    for bad in [
        "00000000-0000-7000-8000-000000000000".to_string(),
        "not-a-contract".to_string(),
        format!("{id}x"),
    ] {
        let (status, _, body) =
            browse(&app, &format!("/contracts/{bad}"), Some(&auditor.token)).await;
        assert_eq!(status, Status::NotFound, "{bad}");
        assert!(body.contains("页面不存在"), "{bad}: the 404 page: {body}");
        assert!(
            !body.contains("contract.js"),
            "{bad}: not the contract page"
        );
    }
});
