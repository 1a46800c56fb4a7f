//! Online submissions (issue 16): applicants submit a contract form with the signed contract
//! and see only their own; the office's registrars return, accept and refuse; files are kept
//! by their SHA-256 and a swapped one is found by verification.

use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};
use techledger::attachments::AttachmentStore;
use techledger::domain::{OfficeCode, Role};

use crate::support::*;
use crate::{both, both_with};

/// The smallest PDF-looking file (the kind is told by `%PDF-`).
fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% signed contract: {text}\n%%EOF\n").into_bytes()
}

/// A contract form whose seller is the party with `credit_code(seller)`.
fn form(seller: u32, buyer: u32, amount: &str) -> Value {
    json!({
        "title": "玉米收获机械关键技术开发合同",
        "contract_type": "development",
        "seller": {"name": format!("测试企业{seller}有限公司"), "credit_code": credit_code(seller).as_str(), "kind": "enterprise", "region": "371302"},
        "buyer": {"name": format!("测试企业{buyer}有限公司"), "credit_code": credit_code(buyer).as_str(), "kind": "enterprise", "region": "371311"},
        "signed_on": "2026-03-01",
        "contract_amount": amount,
        "technical_amount": amount,
        "tech_field": "agriculture",
        "ip_type": "patent",
        "office": "371302"
    })
}

const BOUNDARY: &str = "tlBoundary7MA4YWxkTrZu0gW";

/// A multipart body with the form (when given) and the file (name, bytes).
fn multipart(form: Option<&Value>, file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    if let Some(form) = form {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"submission\"\r\nContent-Type: application/json\r\n\r\n{form}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(app: &TestApp, path: &str, token: &str, body: Vec<u8>) -> (Status, Value) {
    let res = app
        .client
        .post(path.to_string())
        .header(ContentType::new("multipart", "form-data").with_params(("boundary", BOUNDARY)))
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(body)
        .dispatch()
        .await;
    read(res).await
}

async fn submit(app: &TestApp, token: &str, form: &Value, file: &[u8]) -> (Status, Value) {
    upload(
        app,
        "/api/v1/submissions",
        token,
        multipart(Some(form), Some(("contract.pdf", file))),
    )
    .await
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|x| x["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Every stored attachment file (not the temporary ones).
fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    let dir = app.config.data_dir.join("attachments");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            for f in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                out.push(f.path());
            }
        }
    }
    out
}

async fn actions_after(app: &TestApp, auditor: &TestUser, seq: i64) -> Vec<String> {
    let (s, body) = app
        .get(
            &format!("/api/v1/audit/entries?after_seq={seq}&limit=500"),
            Some(&auditor.token),
        )
        .await;
    assert_eq!(s, Status::Ok, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

both!(
    an_applicant_submits_and_only_they_and_the_office_see_it,
    |app| {
        let auditor = app.user("aud1", Role::Auditor, None).await;
        let seller = app.applicant("seller1", 31).await;
        let colleague = app.applicant("seller2", 31).await;
        let other_party = app.applicant("buyer1", 32).await;
        let registrar = app.registrar("reg1").await;
        let elsewhere = app
            .user(
                "reg2",
                Role::Registrar,
                Some(OfficeCode::parse("371311").unwrap()),
            )
            .await;
        let before = app.head_seq();
        let file = pdf("v1");
        let (s, sub) = submit(&app, &seller.token, &form(31, 32, "300000.00"), &file).await;
        assert_eq!(s, Status::Created, "{sub}");
        assert_eq!(sub["status"], "submitted");
        assert_eq!(sub["version"], 1);
        assert_eq!(sub["office"], "371302");
        let id = sub["id"].as_str().unwrap().to_string();

        // Stored once, by its SHA-256, private.
        let sha = techledger::audit::entry::sha256_hex(&file);
        let path = AttachmentStore::new(&app.config.data_dir)
            .path_of(&sha)
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), file);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            assert_eq!(
                std::fs::metadata(path.parent().unwrap())
                    .unwrap()
                    .permissions()
                    .mode()
                    & 0o777,
                0o700
            );
        }
        // One entry, carrying the file's digest.
        assert_eq!(
            actions_after(&app, &auditor, before).await,
            ["submission.submit"]
        );
        let (_, entry) = app
            .get(
                &format!("/api/v1/audit/entries/{}", before + 1),
                Some(&auditor.token),
            )
            .await;
        assert_eq!(entry["payload"]["version"]["file"]["sha256"], sha.as_str());

        // The applicant reads it, its versions and its file.
        let (s, mine) = app.get("/api/v1/submissions", Some(&seller.token)).await;
        assert_eq!(s, Status::Ok);
        assert_eq!(mine.as_array().unwrap().len(), 1);
        assert_eq!(mine[0]["title"], "玉米收获机械关键技术开发合同");
        let (s, detail) = app
            .get(&format!("/api/v1/submissions/{id}"), Some(&seller.token))
            .await;
        assert_eq!(s, Status::Ok, "{detail}");
        assert_eq!(detail["versions"][0]["file"]["kind"], "pdf");
        let res = app
            .client
            .get(format!("/api/v1/submissions/{id}/versions/1/file"))
            .header(Header::new(
                "Authorization",
                format!("Bearer {}", seller.token),
            ))
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::Ok);
        assert_eq!(res.content_type(), Some(ContentType::PDF));
        assert_eq!(res.into_bytes().await.unwrap(), file);

        // Attackers: a colleague of the same party, the other party, another office's registrar,
        // and anyone guessing ids see nothing and change nothing.
        for attacker in [&colleague, &other_party] {
            let (s, list) = app.get("/api/v1/submissions", Some(&attacker.token)).await;
            assert_eq!(s, Status::Ok);
            assert_eq!(list, json!([]));
            for path in [
                format!("/api/v1/submissions/{id}"),
                format!("/api/v1/submissions/{id}/versions/1/file"),
            ] {
                assert_eq!(
                    app.get(&path, Some(&attacker.token)).await.0,
                    Status::NotFound,
                    "{path}"
                );
            }
            let (s, _) = upload(
                &app,
                &format!("/api/v1/submissions/{id}/versions"),
                &attacker.token,
                multipart(Some(&form(31, 32, "1.00")), None),
            )
            .await;
            assert_eq!(s, Status::NotFound);
            let (s, _) = app
                .post(
                    &format!("/api/v1/submissions/{id}/accept"),
                    &attacker.token,
                    &json!({"version": 1}),
                )
                .await;
            assert_eq!(s, Status::Forbidden);
        }
        let guessed = "01900000-0000-7000-8000-000000000000";
        assert_eq!(
            app.get(
                &format!("/api/v1/submissions/{guessed}"),
                Some(&seller.token)
            )
            .await
            .0,
            Status::NotFound
        );
        assert_eq!(
            app.get(&format!("/api/v1/submissions/{id}"), Some(&elsewhere.token))
                .await
                .0,
            Status::NotFound
        );
        let (s, _) = app
            .post(
                &format!("/api/v1/submissions/{id}/refuse"),
                &elsewhere.token,
                &json!({"version": 1, "reason": "不是本点的"}),
            )
            .await;
        assert_eq!(s, Status::Forbidden);
        let (_, queue) = app.get("/api/v1/submissions", Some(&elsewhere.token)).await;
        assert_eq!(queue, json!([]));
        // An applicant may not submit for a party other than their own.
        let (s, problem) = submit(
            &app,
            &other_party.token,
            &form(31, 32, "300000.00"),
            &pdf("x"),
        )
        .await;
        assert_eq!(s, Status::UnprocessableEntity);
        assert!(
            fields(&problem).contains(&"seller.credit_code".to_string()),
            "{problem}"
        );

        // The office's registrar sees it in the queue, with its time there.
        let (_, queue) = app
            .get(
                "/api/v1/submissions?status=submitted",
                Some(&registrar.token),
            )
            .await;
        assert_eq!(queue.as_array().unwrap().len(), 1);
        assert_eq!(queue[0]["working_days_waiting"], 0);
        assert_eq!(queue[0]["overdue"], false);
        assert_eq!(app.head_seq(), before + 1, "the attackers wrote nothing");
        assert!(verify(&app).ok);
    }
);

both_with!(
    bad_uploads_are_refused_naming_the_field_and_write_nothing,
    |config| {
        config.submissions.max_file_mib = 1;
    },
    |app| {
        let seller = app.applicant("seller1", 41).await;
        let before = app.head_seq();
        let good = form(41, 42, "100000.00");

        // Larger than the limit (1 MiB here), though a real PDF by its first bytes.
        let mut big = pdf("big");
        big.resize(1024 * 1024 + 1, b' ');
        let (s, problem) = submit(&app, &seller.token, &good, &big).await;
        assert_eq!(s, Status::PayloadTooLarge, "{problem}");
        assert_eq!(fields(&problem), ["file"]);

        // A program named contract.pdf and sent as application/pdf: refused by its content.
        let (s, problem) = submit(&app, &seller.token, &good, b"MZ\x90\x00\x03 not a pdf").await;
        assert_eq!(s, Status::UnprocessableEntity, "{problem}");
        assert_eq!(fields(&problem), ["file"]);

        // No file.
        let (s, problem) = upload(
            &app,
            "/api/v1/submissions",
            &seller.token,
            multipart(Some(&good), None),
        )
        .await;
        assert_eq!(s, Status::UnprocessableEntity);
        assert_eq!(fields(&problem), ["file"]);

        // Missing fields, each named.
        let mut missing = good.clone();
        let map = missing.as_object_mut().unwrap();
        map.remove("title");
        map.remove("contract_amount");
        map.remove("office");
        let (s, problem) = submit(&app, &seller.token, &missing, &pdf("ok")).await;
        assert_eq!(s, Status::UnprocessableEntity, "{problem}");
        let named = fields(&problem);
        for f in ["title", "contract_amount", "office"] {
            assert!(named.contains(&f.to_string()), "{f} in {problem}");
        }
        // No form at all; not multipart; a form that is not JSON.
        let (s, problem) = upload(
            &app,
            "/api/v1/submissions",
            &seller.token,
            multipart(None, Some(("c.pdf", &pdf("ok")))),
        )
        .await;
        assert_eq!(s, Status::UnprocessableEntity);
        assert_eq!(fields(&problem), ["submission"]);
        let (s, _) = app.post("/api/v1/submissions", &seller.token, &good).await;
        assert_eq!(s, Status::UnsupportedMediaType);
        let mut broken = multipart(None, None);
        broken.splice(
            0..0,
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"submission\"\r\n\r\n{{not json\r\n").bytes(),
        );
        let (s, _) = upload(&app, "/api/v1/submissions", &seller.token, broken).await;
        assert_eq!(s, Status::BadRequest);
        // A part the form does not have (schemathesis sends them): 422 naming it.
        let mut extra = multipart(Some(&good), Some(("c.pdf", &pdf("ok"))));
        extra.splice(
            0..0,
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nplease\r\n"
            )
            .bytes(),
        );
        let (s, problem) = upload(&app, "/api/v1/submissions", &seller.token, extra).await;
        assert_eq!(s, Status::UnprocessableEntity, "{problem}");
        assert_eq!(fields(&problem), ["note"]);

        assert_eq!(app.head_seq(), before, "nothing was recorded");
        let mut conn = app.connect();
        use diesel::prelude::*;
        let n: i64 = techledger::db::schema::submissions::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(n, 0);
        assert_eq!(
            stored_files(&app),
            Vec::<std::path::PathBuf>::new(),
            "no file kept"
        );
        let incoming = app.config.data_dir.join("attachments/incoming");
        assert_eq!(
            std::fs::read_dir(incoming).map(|d| d.count()).unwrap_or(0),
            0
        );
    }
);

both!(
    a_registrar_returns_the_applicant_corrects_and_the_registrar_accepts,
    |app| {
        let auditor = app.user("aud1", Role::Auditor, None).await;
        let seller = app.applicant("seller1", 51).await;
        let stranger = app.applicant("seller2", 53).await;
        let registrar = app.registrar("reg1").await;
        let (_, sub) = submit(&app, &seller.token, &form(51, 52, "300000.00"), &pdf("v1")).await;
        let id = sub["id"].as_str().unwrap().to_string();
        let start = app.head_seq();

        // Bad returns: no reasons, a field that is not on the form.
        let (s, problem) = app
            .post(
                &format!("/api/v1/submissions/{id}/return"),
                &registrar.token,
                &json!({"version": 1, "reasons": []}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity);
        assert_eq!(fields(&problem), ["reasons"]);
        let (s, problem) = app
            .post(
                &format!("/api/v1/submissions/{id}/return"),
                &registrar.token,
                &json!({"version": 1, "reasons": [{"field": "password", "reason": "x"}]}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity);
        assert_eq!(fields(&problem), ["reasons[0].field"]);
        let (s, problem) = app
            .post(
                &format!("/api/v1/submissions/{id}/accept"),
                &registrar.token,
                &json!({}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity);
        assert_eq!(fields(&problem), ["version"]);

        // Returned with a reason per field.
        let (s, returned) = app
        .post(
            &format!("/api/v1/submissions/{id}/return"),
            &registrar.token,
            &json!({"version": 1, "reasons": [{"field": "contract_amount", "reason": "与合同文本第五条金额不符"}]}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{returned}");
        assert_eq!(returned["status"], "returned");
        let (_, mine) = app.get("/api/v1/submissions", Some(&seller.token)).await;
        assert_eq!(mine[0]["status"], "returned");
        assert_eq!(
            mine[0]["decision"]["return_reasons"][0]["field"],
            "contract_amount"
        );
        assert_eq!(
            mine[0]["decision"]["return_reasons"][0]["reason"],
            "与合同文本第五条金额不符"
        );
        let (s, _) = app
            .post(
                &format!("/api/v1/submissions/{id}/accept"),
                &registrar.token,
                &json!({"version": 1}),
            )
            .await;
        assert_eq!(
            s,
            Status::Conflict,
            "a returned submission is not in the queue"
        );

        // Corrected: a new version, the file kept, the first version untouched.
        let (s, v2) = upload(
            &app,
            &format!("/api/v1/submissions/{id}/versions"),
            &seller.token,
            multipart(Some(&form(51, 52, "350000.00")), None),
        )
        .await;
        assert_eq!(s, Status::Ok, "{v2}");
        assert_eq!(v2["version"], 2);
        assert_eq!(v2["status"], "submitted");
        let (_, detail) = app
            .get(&format!("/api/v1/submissions/{id}"), Some(&seller.token))
            .await;
        assert_eq!(
            detail["versions"][0]["form"]["contract_amount"],
            "300000.00"
        );
        assert_eq!(
            detail["versions"][1]["form"]["contract_amount"],
            "350000.00"
        );
        assert_eq!(detail["versions"][0]["file"], detail["versions"][1]["file"]);
        assert_eq!(detail["decisions"][0]["decision"], "returned");

        // Accepting the version read before the correction is a conflict; the current one registers.
        let (s, _) = app
            .post(
                &format!("/api/v1/submissions/{id}/accept"),
                &registrar.token,
                &json!({"version": 1}),
            )
            .await;
        assert_eq!(s, Status::Conflict);
        let (s, accepted) = app
            .post(
                &format!("/api/v1/submissions/{id}/accept"),
                &registrar.token,
                &json!({"version": 2}),
            )
            .await;
        assert_eq!(s, Status::Ok, "{accepted}");
        assert_eq!(accepted["status"], "accepted");
        assert_eq!(accepted["contract"]["status"], "registered");
        assert_eq!(accepted["contract"]["contract_amount"], "350000.00");
        let contract_id = accepted["contract_id"].as_str().unwrap().to_string();
        let number = accepted["contract"]["registration_no"]
            .as_str()
            .unwrap()
            .to_string();

        // Decided: no more corrections, no second decision.
        let (s, _) = upload(
            &app,
            &format!("/api/v1/submissions/{id}/versions"),
            &seller.token,
            multipart(Some(&form(51, 52, "1.00")), None),
        )
        .await;
        assert_eq!(s, Status::Conflict);
        let (s, _) = app
            .post(
                &format!("/api/v1/submissions/{id}/refuse"),
                &registrar.token,
                &json!({"version": 2, "reason": "x"}),
            )
            .await;
        assert_eq!(s, Status::Conflict);

        // The applicant downloads the certificate of their contract; nobody else's applicant can.
        let res = app
            .client
            .get(format!("/api/v1/contracts/{contract_id}/certificate.pdf"))
            .header(Header::new(
                "Authorization",
                format!("Bearer {}", seller.token),
            ))
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::Ok);
        let bytes = res.into_bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(
            app.get(
                &format!("/api/v1/contracts/{contract_id}/certificate.pdf"),
                Some(&stranger.token)
            )
            .await
            .0,
            Status::NotFound
        );
        assert_eq!(
            app.get(
                &format!("/api/v1/contracts/{contract_id}"),
                Some(&seller.token)
            )
            .await
            .0,
            Status::Forbidden,
            "applicants read certificates, not the ledger"
        );
        assert!(number.len() == 16, "{number}");

        // One entry per step (the new parties and the contract are the registration's own).
        assert_eq!(
            actions_after(&app, &auditor, start).await,
            [
                "submission.return",
                "submission.resubmit",
                "party.create",
                "party.create",
                "contract.register",
                "submission.accept"
            ]
        );
        assert!(verify(&app).ok, "{:?}", verify(&app));
    }
);

both!(a_registrar_refuses_with_a_reason, |app| {
    let seller = app.applicant("seller1", 61).await;
    let registrar = app.registrar("reg1").await;
    let (_, sub) = submit(&app, &seller.token, &form(61, 62, "80000.00"), &pdf("r")).await;
    let id = sub["id"].as_str().unwrap().to_string();
    let (s, problem) = app
        .post(
            &format!("/api/v1/submissions/{id}/refuse"),
            &registrar.token,
            &json!({"version": 1, "reason": "  "}),
        )
        .await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert_eq!(fields(&problem), ["reason"]);
    let (s, refused) = app
        .post(
            &format!("/api/v1/submissions/{id}/refuse"),
            &registrar.token,
            &json!({"version": 1, "reason": "不属于技术合同：为设备买卖合同"}),
        )
        .await;
    assert_eq!(s, Status::Ok, "{refused}");
    assert_eq!(refused["status"], "refused");
    let (_, mine) = app.get("/api/v1/submissions", Some(&seller.token)).await;
    assert_eq!(
        mine[0]["decision"]["refusal_reason"],
        "不属于技术合同：为设备买卖合同"
    );
    assert_eq!(mine[0]["contract_id"], Value::Null);
    let (s, _) = upload(
        &app,
        &format!("/api/v1/submissions/{id}/versions"),
        &seller.token,
        multipart(Some(&form(61, 62, "80000.00")), None),
    )
    .await;
    assert_eq!(s, Status::Conflict);
    let verification = verify(&app);
    assert!(verification.ok);
    // The auditor's page names each reconciled table in words (issue 17).
    let rows = verification.reconciliation.expect("reconciled").rows;
    assert!(rows.contains_key("submission_decisions"), "{rows:?}");
    for table in rows.keys() {
        assert!(
            techledger::web::i18n::T::has(&format!("aud.table.{table}")),
            "the audit page has no words for the table {table}"
        );
    }
});

both!(a_large_submission_is_accepted_as_pending, |app| {
    let seller = app.applicant("seller1", 71).await;
    let registrar = app.registrar("reg1").await;
    let (_, sub) = submit(
        &app,
        &seller.token,
        &form(71, 72, "6000000.00"),
        &pdf("large"),
    )
    .await;
    let id = sub["id"].as_str().unwrap().to_string();
    let (s, accepted) = app
        .post(
            &format!("/api/v1/submissions/{id}/accept"),
            &registrar.token,
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(s, Status::Ok, "{accepted}");
    assert_eq!(accepted["contract"]["status"], "pending");
    assert_eq!(accepted["contract"]["registration_no"], Value::Null);
});

both!(submissions_go_through_the_duplicate_check, |app| {
    let seller = app.applicant("seller1", 81).await;
    let registrar = app.registrar("reg1").await;
    let mut registered = form(81, 82, "120000.00");
    registered.as_object_mut().unwrap().remove("office");
    let (s, body) = app
        .post("/api/v1/contracts", &registrar.token, &registered)
        .await;
    assert_eq!(s, Status::Created, "{body}");

    let (s, problem) = submit(&app, &seller.token, &form(81, 82, "120000.00"), &pdf("dup")).await;
    assert_eq!(s, Status::UnprocessableEntity, "{problem}");
    assert_eq!(fields(&problem), ["confirm_duplicate"]);
    assert_eq!(
        stored_files(&app).len(),
        0,
        "a refused submission keeps no file"
    );

    let mut confirmed = form(81, 82, "120000.00");
    confirmed["confirm_duplicate"] = json!(true);
    let (s, sub) = submit(&app, &seller.token, &confirmed, &pdf("dup")).await;
    assert_eq!(s, Status::Created, "{sub}");
    let id = sub["id"].as_str().unwrap().to_string();
    let (s, problem) = app
        .post(
            &format!("/api/v1/submissions/{id}/accept"),
            &registrar.token,
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert_eq!(fields(&problem), ["confirm_duplicate"]);
    let (s, accepted) = app
        .post(
            &format!("/api/v1/submissions/{id}/accept"),
            &registrar.token,
            &json!({"version": 1, "confirm_duplicate": true}),
        )
        .await;
    assert_eq!(s, Status::Ok, "{accepted}");
});

both!(a_swapped_attachment_is_found_by_verify, |app| {
    let seller = app.applicant("seller1", 91).await;
    let file = pdf("the signed original");
    let (s, _) = submit(&app, &seller.token, &form(91, 92, "50000.00"), &file).await;
    assert_eq!(s, Status::Created);
    let store = AttachmentStore::new(&app.config.data_dir);
    let check = |app: &TestApp| {
        let mut conn = app.connect();
        techledger::audit::verify::verify_database_and_files(
            &mut conn,
            2,
            &app.anchors(),
            store.clone(),
        )
        .expect("verification runs")
    };
    let result = check(&app);
    assert!(result.ok, "{result:?}");
    assert_eq!(result.reconciliation.unwrap().rows["attachments"], 1);

    let sha = techledger::audit::entry::sha256_hex(&file);
    let path = store.path_of(&sha).unwrap();
    std::fs::write(&path, pdf("a forged contract with another amount")).unwrap();
    let result = check(&app);
    assert!(!result.ok);
    let detail = result.detail.unwrap();
    assert!(detail.starts_with("attachments "), "{detail}");
    assert!(detail.contains("changed or swapped"), "{detail}");
    std::fs::remove_file(&path).unwrap();
    let result = check(&app);
    assert!(result.detail.unwrap().contains("missing"));
});

both_with!(
    a_submission_waiting_too_long_is_flagged,
    |config| {
        config.submissions.overdue_working_days = 2;
    },
    |app| {
        let seller = app.applicant("seller1", 95).await;
        let registrar = app.registrar("reg1").await;
        let (_, sub) = submit(&app, &seller.token, &form(95, 96, "50000.00"), &pdf("old")).await;
        let id = sub["id"].as_str().unwrap().to_string();
        // Two weeks ago: at least eight working days, whatever the weekday today.
        let then = techledger::time::now() - chrono::Duration::days(14);
        let mut conn = app.connect();
        use diesel::prelude::*;
        use techledger::db::schema::submissions;
        diesel::update(submissions::table.find(&id))
            .set(submissions::queued_at.eq(then))
            .execute(&mut conn)
            .unwrap();
        let (_, queue) = app.get("/api/v1/submissions", Some(&registrar.token)).await;
        assert!(
            queue[0]["working_days_waiting"].as_u64().unwrap() >= 8,
            "{queue}"
        );
        assert_eq!(queue[0]["overdue"], true);
    }
);

both!(the_openapi_document_describes_the_multipart_bodies, |app| {
    // So that schemathesis (and any client generator) builds the parts: an object with the
    // form as JSON and the file as binary, no other part.
    let res = app.client.get("/openapi.json").dispatch().await;
    let doc: Value = res.into_json().await.unwrap();
    for (path, required) in [
        ("/api/v1/submissions", vec!["submission", "file"]),
        ("/api/v1/submissions/{id}/versions", vec!["submission"]),
    ] {
        let media = &doc["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"];
        assert_eq!(
            media["encoding"]["submission"]["contentType"], "application/json",
            "{path}: {media}"
        );
        let name = media["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: {media}"))
            .rsplit('/')
            .next()
            .unwrap();
        let schema = &doc["components"]["schemas"][name];
        assert_eq!(schema["type"], "object", "{path}: {schema}");
        assert_eq!(schema["additionalProperties"], false, "{path}: {schema}");
        assert_eq!(
            schema["properties"]["submission"]["$ref"], "#/components/schemas/ContractBody",
            "{path}: {schema}"
        );
        assert_eq!(
            schema["properties"]["file"]["format"], "binary",
            "{path}: {schema}"
        );
        let mut listed: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        listed.sort_unstable();
        let mut required = required;
        required.sort_unstable();
        assert_eq!(listed, required, "{path}");
    }
});

both!(
    the_particulars_of_a_submission_reach_the_registered_contract,
    |app| {
        let seller = app.applicant("seller1", 71).await;
        let registrar = app.registrar("reg1").await;
        let mut particulars = form(71, 72, "600000.00");
        particulars["technical_amount"] = json!("500000.00");
        particulars["party_contract_no"] = json!("LY-2026-0071");
        particulars["seller"]["legal_representative"] = json!("王法人");
        particulars["seller_contact"] = json!({"name": "李联系", "phone": "13812345678"});
        particulars["buyer_contact"] = json!({"name": "赵联系", "phone": "0539-8123456"});
        particulars["technical_split"] =
            json!({"principal": "400000.00", "related_services": "100000.00"});
        let (s, sub) = submit(&app, &seller.token, &particulars, &pdf("p")).await;
        assert_eq!(s, Status::Created, "{sub}");
        let id = sub["id"].as_str().unwrap().to_string();
        let (s, accepted) = app
            .post(
                &format!("/api/v1/submissions/{id}/accept"),
                &registrar.token,
                &json!({"version": 1}),
            )
            .await;
        assert_eq!(s, Status::Ok, "{accepted}");
        let contract_id = accepted["contract_id"].as_str().unwrap();
        let (s, c) = app
            .get(
                &format!("/api/v1/contracts/{contract_id}"),
                Some(&registrar.token),
            )
            .await;
        assert_eq!(s, Status::Ok, "{c}");
        assert_eq!(c["party_contract_no"], "LY-2026-0071");
        assert_eq!(c["seller_contact"]["phone"], "13812345678");
        assert_eq!(c["buyer_contact"]["name"], "赵联系");
        assert_eq!(c["technical_split"]["principal"], "400000.00");
        assert_eq!(c["technical_split"]["related_services"], "100000.00");
        let seller_id = c["seller_id"].as_str().unwrap();
        let (_, party) = app
            .get(
                &format!("/api/v1/parties/{seller_id}"),
                Some(&registrar.token),
            )
            .await;
        assert_eq!(party["legal_representative"], "王法人");
        assert!(verify(&app).ok);
    }
);
