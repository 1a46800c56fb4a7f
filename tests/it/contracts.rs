//! Registrars' contracts over HTTP: every validation rule, numbering, large contracts,
//! amendments and voids, idempotency, office scope, history and CSV.

use rocket::futures::future::join_all;
use rocket::http::{Header, Status};
use serde_json::{Value, json};
use techledger::domain::{OfficeCode, Role};

use crate::both;
use crate::support::*;

fn party(n: u32, region: &str) -> Value {
    json!({"name": format!("合同主体{n}有限公司"), "credit_code": credit_code(n).as_str(), "kind": "enterprise", "region": region})
}

fn body(seller: u32, buyer: u32, amount: &str, technical: &str) -> Value {
    json!({
        "title": "一种智能农机控制系统技术开发",
        "contract_type": "development",
        "subtype": "commissioned",
        "seller": party(seller, "320102"),
        "buyer": party(buyer, "371302"),
        "signed_on": "2026-03-01",
        "valid_until": "2027-03-01",
        "contract_amount": amount,
        "technical_amount": technical,
        "tech_field": "advanced_manufacturing",
        "ip_type": "patent"
    })
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().map_or(vec![], |e| {
        e.iter()
            .map(|e| e["field"].as_str().unwrap_or("").to_string())
            .collect()
    })
}

both!(
    a_registration_gets_its_number_and_counts_its_parties,
    |app| {
        let reg = app.registrar("reg1").await;
        let (s, c) = app
            .post(
                "/api/v1/contracts",
                &reg.token,
                &body(1, 2, "1250000.00", "1000000.00"),
            )
            .await;
        assert_eq!(s, Status::Created, "{c}");
        assert_eq!(c["status"], "registered");
        let year = chrono::Utc::now().format("%Y").to_string();
        assert_eq!(c["registration_no"], format!("{year}371302000001"));
        assert_eq!(c["contract_amount"], "1250000.00");
        assert_eq!(c["flow"], "inflow");
        assert_eq!(
            c["introduced"], true,
            "a Jiangsu seller and a Linyi buyer, development: introduced"
        );
        assert!(c["audit_seq"].as_i64().unwrap() > 0);
        let receipt = c["receipt"].as_str().expect("the answer names its receipt");
        let (s, r) = app.get(receipt, Some(&reg.token)).await;
        assert_eq!(s, Status::Ok, "{r}");
        assert_eq!(r["entry"]["seq"], c["audit_seq"]);
        // The inline seller now exists and is matched by its credit code next time.
        let (s, c2) = app
            .post(
                "/api/v1/contracts",
                &reg.token,
                &body(1, 3, "10.00", "10.00"),
            )
            .await;
        assert_eq!(s, Status::Created);
        assert_eq!(c2["seller_id"], c["seller_id"]);
        assert_eq!(c2["registration_no"], format!("{year}371302000002"));
        let (s, by_no) = app
            .get(
                &format!("/api/v1/contracts/by-number/{year}371302000001"),
                Some(&reg.token),
            )
            .await;
        assert_eq!(s, Status::Ok);
        assert_eq!(by_no["id"], c["id"]);
        assert_eq!(by_no["seller_name"], "合同主体1有限公司");
    }
);

both!(every_bad_field_is_named_at_once, |app| {
    let reg = app.registrar("reg1").await;
    let mut b = body(1, 2, "1.234", "-5");
    b["seller"]["credit_code"] = json!("91371300MA3R064567");
    b["buyer"]["region"] = json!("371371");
    b["signed_on"] = json!("2026-02-31");
    b["contract_type"] = json!("gift");
    b["tech_field"] = json!("magic");
    b["ip_type"] = json!("secret");
    let (s, p) = app.post("/api/v1/contracts", &reg.token, &b).await;
    assert_eq!(s, Status::UnprocessableEntity);
    let f = fields(&p);
    for want in [
        "contract_amount",
        "technical_amount",
        "seller.credit_code",
        "buyer.region",
        "signed_on",
        "contract_type",
        "tech_field",
        "ip_type",
    ] {
        assert!(f.iter().any(|x| x == want), "{want} not named in {p}");
    }
    assert!(
        p["errors"][0]["message_zh"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    let (_, list) = app.get("/api/v1/contracts", Some(&reg.token)).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing was written"
    );
});

both!(amount_rules_are_enforced, |app| {
    let reg = app.registrar("reg1").await;
    for (amount, technical, field) in [
        ("100.00", "100.01", "technical_amount"),
        ("1000000000000.01", "1.00", "contract_amount"),
        ("-1", "0", "contract_amount"),
        ("12.345", "1", "contract_amount"),
        ("abc", "1", "contract_amount"),
    ] {
        let (s, p) = app
            .post(
                "/api/v1/contracts",
                &reg.token,
                &body(1, 2, amount, technical),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{amount}/{technical}");
        assert!(
            fields(&p).contains(&field.to_string()),
            "{amount}/{technical}: {p}"
        );
    }
    let mut b = body(1, 2, "1.00", "1.00");
    b["contract_amount"] = json!(1.5);
    let (s, p) = app.post("/api/v1/contracts", &reg.token, &b).await;
    assert_eq!(
        s,
        Status::UnprocessableEntity,
        "a JSON number is refused: {p}"
    );
    assert_eq!(fields(&p), vec!["contract_amount"]);
    let (s, c) = app
        .post(
            "/api/v1/contracts",
            &reg.token,
            &body(1, 2, "1000000000000.00", "0"),
        )
        .await;
    assert_eq!(s, Status::Created, "the maximum itself is fine: {c}");
});

both!(the_same_party_cannot_be_seller_and_buyer, |app| {
    let reg = app.registrar("reg1").await;
    let (_, c) = app
        .post(
            "/api/v1/contracts",
            &reg.token,
            &body(1, 2, "10.00", "10.00"),
        )
        .await;
    let mut b = body(1, 2, "10.00", "10.00");
    b.as_object_mut().unwrap().remove("seller");
    b.as_object_mut().unwrap().remove("buyer");
    b["seller_id"] = c["seller_id"].clone();
    b["buyer_id"] = c["seller_id"].clone();
    let (s, p) = app.post("/api/v1/contracts", &reg.token, &b).await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(fields(&p).contains(&"buyer_id".to_string()), "{p}");
    let mut b = body(1, 1, "10.00", "10.00");
    b["buyer"]["region"] = json!("371302");
    let (s, _) = app.post("/api/v1/contracts", &reg.token, &b).await;
    assert_eq!(
        s,
        Status::UnprocessableEntity,
        "two inline parties with one credit code"
    );
});

both!(
    sixty_four_concurrent_registrations_get_consecutive_numbers,
    |app| {
        let reg = app.registrar("reg1").await;
        let calls = (0..32u32).map(|i| {
            let app = &app;
            let token = reg.token.clone();
            async move {
                app.post(
                    "/api/v1/contracts",
                    &token,
                    &body(100 + i * 2, 101 + i * 2, "10.00", "10.00"),
                )
                .await
            }
        });
        let mut numbers: Vec<String> = join_all(calls)
            .await
            .into_iter()
            .map(|(s, c)| {
                assert_eq!(s, Status::Created, "{c}");
                c["registration_no"].as_str().unwrap().to_string()
            })
            .collect();
        // The local client's requests are futures of one task, each finished before the next
        // is polled; through the ledger from threads the registrations are really concurrent.
        let threads: Vec<_> = (0..8u32)
            .map(|t| {
                let (ledger, principal) = (app.ledger.clone(), reg.principal());
                std::thread::spawn(move || {
                    (0..4u32)
                        .map(|i| {
                            let n = 200 + (t * 4 + i) * 2;
                            let c = contract(n, n + 1, "10.00", "10.00");
                            let request = techledger::ledger::Request::new(
                                principal.clone(),
                                techledger::ledger::Command::RegisterContract(c),
                            );
                            let outcome = ledger.execute_blocking(request).expect("registered");
                            outcome.body["registration_no"]
                                .as_str()
                                .unwrap()
                                .to_string()
                        })
                        .collect::<Vec<String>>()
                })
            })
            .collect();
        for thread in threads {
            numbers.extend(thread.join().expect("a registering thread"));
        }
        numbers.sort();
        let year = chrono::Utc::now().format("%Y").to_string();
        let want: Vec<String> = (1..=64).map(|n| format!("{year}371302{n:06}")).collect();
        assert_eq!(numbers, want);
    }
);

both!(a_large_contract_waits_for_a_second_registrar, |app| {
    let author = app.registrar("reg1").await;
    let second = app.registrar("reg2").await;
    let other_office = app
        .user(
            "reg3",
            Role::Registrar,
            Some(OfficeCode::parse("371311").unwrap()),
        )
        .await;
    let (s, c) = app
        .post(
            "/api/v1/contracts",
            &author.token,
            &body(1, 2, "6000000.00", "5000000.00"),
        )
        .await;
    assert_eq!(s, Status::Created);
    assert_eq!(c["status"], "pending");
    assert!(c["registration_no"].is_null());
    let id = c["id"].as_str().unwrap();
    let (s, p) = app
        .post(
            &format!("/api/v1/contracts/{id}/approve"),
            &author.token,
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(s, Status::Forbidden, "the author cannot approve: {p}");
    let (s, _) = app
        .post(
            &format!("/api/v1/contracts/{id}/approve"),
            &other_office.token,
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(s, Status::Forbidden, "another office cannot approve");
    let (s, a) = app
        .post(
            &format!("/api/v1/contracts/{id}/approve"),
            &second.token,
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(s, Status::Ok, "{a}");
    assert_eq!(a["status"], "registered");
    assert!(a["registration_no"].as_str().unwrap().ends_with("000001"));
    assert_eq!(a["approved_by"].as_str(), Some(second.actor.id.as_str()));
    let (s, _) = app
        .post(
            &format!("/api/v1/contracts/{id}/approve"),
            &second.token,
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(s, Status::Conflict, "no longer pending");
    // Refusal needs a reason.
    let (_, c) = app
        .post(
            "/api/v1/contracts",
            &author.token,
            &body(3, 4, "9000000.00", "8000000.00"),
        )
        .await;
    let id = c["id"].as_str().unwrap();
    let (s, p) = app
        .post(
            &format!("/api/v1/contracts/{id}/refuse"),
            &second.token,
            &json!({}),
        )
        .await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert_eq!(fields(&p), vec!["reason"]);
    let (s, r) = app
        .post(
            &format!("/api/v1/contracts/{id}/refuse"),
            &second.token,
            &json!({"reason": "材料不全"}),
        )
        .await;
    assert_eq!(s, Status::Ok);
    assert_eq!(r["status"], "refused");
    assert!(r["registration_no"].is_null());
});

both!(
    amend_and_void_keep_history_and_refuse_changes_after_a_void,
    |app| {
        let reg = app.registrar("reg1").await;
        let other = app
            .user(
                "reg3",
                Role::Registrar,
                Some(OfficeCode::parse("371311").unwrap()),
            )
            .await;
        let (_, c) = app
            .post(
                "/api/v1/contracts",
                &reg.token,
                &body(1, 2, "1250000.00", "1000000.00"),
            )
            .await;
        let id = c["id"].as_str().unwrap().to_string();
        let (s, p) = app
            .post(
                &format!("/api/v1/contracts/{id}/amendments"),
                &reg.token,
                &json!({"contract_amount": "1300000.00"}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "a reason is required");
        assert_eq!(fields(&p), vec!["reason"]);
        let (s, p) = app
            .post(
                &format!("/api/v1/contracts/{id}/amendments"),
                &reg.token,
                &json!({"technical_amount": "2000000.00", "reason": "更正"}),
            )
            .await;
        assert_eq!(
            s,
            Status::UnprocessableEntity,
            "technical above contract: {p}"
        );
        let (s, p) = app
            .post(
                &format!("/api/v1/contracts/{id}/amendments"),
                &other.token,
                &json!({"contract_amount": "1300000.00", "reason": "更正"}),
            )
            .await;
        assert_eq!(s, Status::Forbidden, "another office: {p}");
        let (s, a) = app
            .post(
                &format!("/api/v1/contracts/{id}/amendments"),
                &reg.token,
                &json!({"contract_amount": "1100000.00", "reason": "合同金额更正"}),
            )
            .await;
        assert_eq!(s, Status::Ok, "{a}");
        assert_eq!(a["version"], 2);
        assert_eq!(a["contract_amount"], "1100000.00");
        let (s, v) = app
            .post(
                &format!("/api/v1/contracts/{id}/void"),
                &reg.token,
                &json!({"reason": "双方解除合同"}),
            )
            .await;
        assert_eq!(s, Status::Ok);
        assert_eq!(v["status"], "voided");
        let (s, p) = app
            .post(
                &format!("/api/v1/contracts/{id}/amendments"),
                &reg.token,
                &json!({"contract_amount": "1.00", "reason": "x"}),
            )
            .await;
        assert_eq!(s, Status::Conflict);
        assert_eq!(p["type"], "urn:techledger:problem:contract_voided");
        let (s, _) = app
            .post(
                &format!("/api/v1/contracts/{id}/void"),
                &reg.token,
                &json!({"reason": "again"}),
            )
            .await;
        assert_eq!(s, Status::Conflict);
        let (s, h) = app
            .get(&format!("/api/v1/contracts/{id}/history"), Some(&reg.token))
            .await;
        assert_eq!(s, Status::Ok);
        let versions = h["versions"].as_array().unwrap();
        assert_eq!(versions.len(), 3);
        assert_eq!(versions[1]["change"], "amend");
        assert_eq!(versions[1]["reason"], "合同金额更正");
        assert_eq!(versions[1]["actor"]["username"], "reg1");
        let diff = versions[1]["diff"].as_array().unwrap();
        assert_eq!(diff.len(), 1, "{diff:?}");
        assert_eq!(diff[0]["field"], "contract_amount");
        assert_eq!(diff[0]["from"], "1250000.00");
        assert_eq!(diff[0]["to"], "1100000.00");
        assert_eq!(versions[2]["change"], "void");
        assert!(verify(&app).ok);
    }
);

both!(idempotency_keys_replay_the_first_answer, |app| {
    let reg = app.registrar("reg1").await;
    let b = body(1, 2, "10.00", "10.00");
    let key = [("Idempotency-Key", "order-7f3a")];
    let (s1, first) = app
        .send_with("POST", "/api/v1/contracts", Some(&reg.token), &b, &key)
        .await;
    assert_eq!(s1, Status::Created);
    let entries = verify(&app).entries;
    let res = app
        .client
        .post("/api/v1/contracts")
        .header(rocket::http::ContentType::JSON)
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", reg.token),
        ))
        .header(Header::new("Idempotency-Key", "order-7f3a"))
        .body(b.to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    assert_eq!(res.headers().get_one("Idempotent-Replayed"), Some("true"));
    let second: Value = res.into_json().await.unwrap();
    assert_eq!(first, second);
    assert_eq!(verify(&app).entries, entries, "the retry wrote nothing");
    let (s, p) = app
        .send_with(
            "POST",
            "/api/v1/contracts",
            Some(&reg.token),
            &body(1, 2, "11.00", "11.00"),
            &key,
        )
        .await;
    assert_eq!(s, Status::Conflict);
    assert_eq!(p["type"], "urn:techledger:problem:idempotency_key_reused");
});

both!(lists_filter_page_and_export_csv, |app| {
    let reg = app.registrar("reg1").await;
    for i in 0..5 {
        app.post(
            "/api/v1/contracts",
            &reg.token,
            &body(10 + i * 2, 11 + i * 2, "100.00", "50.00"),
        )
        .await;
    }
    let mut b = body(90, 91, "200.00", "100.00");
    b["contract_type"] = json!("service");
    b["subtype"] = json!("training");
    b["title"] = json!("农业技术培训");
    app.post("/api/v1/contracts", &reg.token, &b).await;
    let (_, page) = app.get("/api/v1/contracts?limit=4", Some(&reg.token)).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    let next = page["next"].as_str().unwrap();
    let (_, rest) = app
        .get(
            &format!("/api/v1/contracts?limit=4&after={next}"),
            Some(&reg.token),
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert!(rest["next"].is_null());
    let (_, service) = app
        .get("/api/v1/contracts?contract_type=service", Some(&reg.token))
        .await;
    assert_eq!(service["items"].as_array().unwrap().len(), 1);
    let (_, q) = app
        .get("/api/v1/contracts?q=%E5%9F%B9%E8%AE%AD", Some(&reg.token))
        .await;
    assert_eq!(q["items"][0]["title"], "农业技术培训");
    let year = chrono::Utc::now().format("%Y").to_string();
    let (_, by_year) = app
        .get(
            &format!("/api/v1/contracts?year={year}&office=371302&status=registered"),
            Some(&reg.token),
        )
        .await;
    assert_eq!(by_year["items"].as_array().unwrap().len(), 6);
    let (s, p) = app
        .get(
            "/api/v1/contracts?year=abc&office=999&signed_from=2026-13-01",
            Some(&reg.token),
        )
        .await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert!(!fields(&p).is_empty());
    let res = app
        .client
        .get("/api/v1/contracts.csv?contract_type=service")
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", reg.token),
        ))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    assert!(
        res.headers()
            .get_one("Content-Disposition")
            .unwrap()
            .contains("contracts.csv")
    );
    let bytes = res.into_bytes().await.unwrap();
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF], "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("登记号,合同名称"));
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].contains("农业技术培训")
            && lines[1].contains("200.00")
            && lines[1].contains("技术培训")
    );
});

both!(
    registrars_read_everything_but_write_only_their_office,
    |app| {
        let reg = app.registrar("reg1").await;
        let other = app
            .user(
                "reg3",
                Role::Registrar,
                Some(OfficeCode::parse("371311").unwrap()),
            )
            .await;
        let (_, c) = app
            .post(
                "/api/v1/contracts",
                &reg.token,
                &body(1, 2, "10.00", "10.00"),
            )
            .await;
        let id = c["id"].as_str().unwrap();
        let (s, _) = app
            .get(&format!("/api/v1/contracts/{id}"), Some(&other.token))
            .await;
        assert_eq!(s, Status::Ok);
        let (s, _) = app
            .post(
                &format!("/api/v1/contracts/{id}/void"),
                &other.token,
                &json!({"reason": "x"}),
            )
            .await;
        assert_eq!(s, Status::Forbidden);
        let (s, _) = app
            .get(
                "/api/v1/contracts/00000000-0000-7000-8000-000000000000",
                Some(&other.token),
            )
            .await;
        assert_eq!(s, Status::NotFound);
    }
);

both!(only_auditors_review_and_reviews_are_audited, |app| {
    let reg = app.registrar("reg1").await;
    let aud = app.user("aud1", Role::Auditor, None).await;
    let (_, c) = app
        .post(
            "/api/v1/contracts",
            &reg.token,
            &body(1, 2, "10.00", "10.00"),
        )
        .await;
    let id = c["id"].as_str().unwrap();
    let (s, _) = app
        .post(
            &format!("/api/v1/contracts/{id}/reviews"),
            &reg.token,
            &json!({"verdict": "confirmed"}),
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    let (s, p) = app
        .post(
            &format!("/api/v1/contracts/{id}/reviews"),
            &aud.token,
            &json!({"verdict": "disputed"}),
        )
        .await;
    assert_eq!(
        s,
        Status::UnprocessableEntity,
        "a dispute needs a note: {p}"
    );
    let (s, r) = app
        .post(
            &format!("/api/v1/contracts/{id}/reviews"),
            &aud.token,
            &json!({"verdict": "disputed", "note": "金额与发票不符"}),
        )
        .await;
    assert_eq!(s, Status::Created, "{r}");
    let (_, after) = app
        .get(&format!("/api/v1/contracts/{id}"), Some(&reg.token))
        .await;
    assert_eq!(after["review"], "disputed");
    assert_eq!(
        after["status"], "registered",
        "a disputed contract stays counted"
    );
    let (_, h) = app
        .get(&format!("/api/v1/contracts/{id}/history"), Some(&aud.token))
        .await;
    assert_eq!(h["reviews"][0]["note"], "金额与发票不符");
    assert_eq!(h["reviews"][0]["reviewer"]["username"], "aud1");
    let (_, entry) = app
        .get(
            &format!("/api/v1/audit/entries/{}", r["audit_seq"]),
            Some(&aud.token),
        )
        .await;
    assert_eq!(entry["action"], "contract.review");
    assert!(verify(&app).ok);
});

/// Creates a seller in Shanghai (1) and a buyer in Lanshan (2); their ids.
async fn seller_and_buyer(app: &TestApp, registrar: &TestUser) -> (String, String) {
    let mut ids = Vec::new();
    for (n, region) in [(1, "310115"), (2, "371302")] {
        let party = run(
            app,
            registrar,
            techledger::ledger::Command::CreateParty(enterprise(n, region)),
        )
        .await;
        ids.push(party.body["id"].as_str().expect("id").to_string());
    }
    (ids.remove(0), ids.remove(0))
}

both!(
    a_registration_queued_after_a_party_update_sees_the_update,
    |app| {
        use techledger::ledger::{Command, PartyRef, PartyUpdate, Request};
        let registrar = app.registrar("reg1").await;
        let (seller_id, buyer_id) = seller_and_buyer(&app, &registrar).await;
        // Each round submits a registration, a move of the seller and another registration at once,
        // so the writer usually takes them into one transaction, whose party cache must follow the
        // move: the first contract counts as inflow or local as the seller stood before, the
        // second as it stands after.
        let regions = ["371302", "320102", "371311", "310115"];
        let by_id = |c: &techledger::ledger::NewContract| techledger::ledger::NewContract {
            particulars: Default::default(),
            seller: PartyRef::Id(seller_id.clone()),
            buyer: PartyRef::Id(buyer_id.clone()),
            ..c.clone()
        };
        let mut before = "310115";
        for (round, region) in regions.into_iter().enumerate() {
            let template = contract(1, 2, "1000.00", "800.00");
            // Queued even when the writer is idle, so they can share a transaction.
            let first = app.ledger.execute_queued(Request {
                // The same contract on purpose, round after round.
                confirm_duplicate: true,
                ..Request::new(
                    registrar.principal(),
                    Command::RegisterContract(by_id(&template)),
                )
            });
            let moved = app.ledger.execute_queued(Request::new(
                registrar.principal(),
                Command::UpdateParty(PartyUpdate {
                    legal_representative: None,
                    id: seller_id.clone(),
                    name: None,
                    region: Some(techledger::domain::RegionCode::parse(region).expect("region")),
                    country: None,
                    reason: Some(format!("moved, round {round}")),
                }),
            ));
            let second = app.ledger.execute_queued(Request {
                // The same contract on purpose, round after round.
                confirm_duplicate: true,
                ..Request::new(
                    registrar.principal(),
                    Command::RegisterContract(by_id(&template)),
                )
            });
            let (first, moved, second) = rocket::tokio::join!(first, moved, second);
            let (first, second) = (first.expect("first"), second.expect("second"));
            moved.expect("move");
            assert_eq!(first.body["seller_region"], before, "round {round}");
            assert_eq!(second.body["seller_region"], region, "round {round}");
            before = region;
        }
        let verification = verify(&app);
        assert!(verification.ok, "{verification:?}");
    }
);

both!(
    one_idempotency_key_queued_several_times_registers_once,
    |app| {
        use techledger::ledger::{Command, IdempotencyKey, PartyRef, Request};
        let registrar = app.registrar("reg1").await;
        let (seller_id, buyer_id) = seller_and_buyer(&app, &registrar).await;
        let registration = Command::RegisterContract(techledger::ledger::NewContract {
            particulars: Default::default(),
            seller: PartyRef::Id(seller_id),
            buyer: PartyRef::Id(buyer_id),
            ..contract(1, 2, "1000.00", "800.00")
        });
        let request = |key: &str, hash: &str| Request {
            principal: registrar.principal(),
            command: registration.clone(),
            idempotency: Some(IdempotencyKey {
                key: key.into(),
                request_hash: hash.into(),
            }),
            dry_run: false,
            historical: false,
            // Several keys for one contract, on purpose.
            confirm_duplicate: true,
        };
        let entries = verify(&app).entries;
        // Queued together, so the writer usually takes them into one transaction: the first
        // registers, the same key and request again replays that answer, the same key with another
        // request is refused, and another key registers its own contract.
        let (a, b, c, d) = rocket::tokio::join!(
            app.ledger.execute_queued(request("k-1", "h-1")),
            app.ledger.execute_queued(request("k-1", "h-1")),
            app.ledger.execute_queued(request("k-1", "h-2")),
            app.ledger.execute_queued(request("k-2", "h-1")),
        );
        let (a, b, d) = (a.expect("first"), b.expect("replay"), d.expect("other key"));
        assert!(!a.replayed && b.replayed && !d.replayed);
        assert_eq!(a.body, b.body);
        assert_ne!(a.body["id"], d.body["id"]);
        match c {
            Err(techledger::ledger::LedgerError::Conflict { code, .. }) => {
                assert_eq!(code, "idempotency_key_reused")
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        // In a later transaction the stored answer is replayed the same way.
        let again = app
            .ledger
            .execute(request("k-1", "h-1"))
            .await
            .expect("replay");
        assert!(again.replayed);
        assert_eq!(again.body, a.body);
        let verification = verify(&app);
        assert!(verification.ok, "{verification:?}");
        assert_eq!(
            verification.entries,
            entries + 2,
            "two registrations, nothing else"
        );
        assert_eq!(
            app.ledger
                .metrics()
                .failed_batches
                .load(std::sync::atomic::Ordering::Relaxed),
            0,
            "the repeated key was answered inside the transaction, not by failing it"
        );
    }
);

both!(
    control_characters_in_text_are_refused_naming_the_field,
    |app| {
        let reg = app.registrar("reg1").await;
        let mut b = body(1, 2, "10.00", "10.00");
        b["title"] = json!("合同\u{0}名称");
        b["seller"]["name"] = json!("卖方\u{7}公司");
        let (s, p) = app.post("/api/v1/contracts", &reg.token, &b).await;
        assert_eq!(s, Status::UnprocessableEntity, "{p}");
        let named = fields(&p);
        assert!(named.contains(&"title".to_string()), "{named:?}");
        assert!(named.contains(&"seller.name".to_string()), "{named:?}");
        // In a path or a query (where PostgreSQL would refuse the NUL) it is a 422 naming the
        // parameter, before any route runs.
        for (path, field) in [
            ("/api/v1/contracts?q=%00", "q"),
            ("/api/v1/parties?limit=5&q=a%00b", "q"),
            ("/api/v1/contracts/a%00b", "path"),
            ("/api/v1/contracts/by-number/%1b", "path"),
        ] {
            let (s, p) = app.get(path, Some(&reg.token)).await;
            assert_eq!(s, Status::UnprocessableEntity, "{path}: {p}");
            assert_eq!(fields(&p), vec![field.to_string()], "{path}");
        }
        let (s, p) = app
            .send_with(
                "POST",
                "/api/v1/contracts?x=%00",
                Some(&reg.token),
                &body(3, 4, "10.00", "10.00"),
                &[],
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{p}");
        assert_eq!(fields(&p), vec!["x".to_string()]);
        // Party ids are UUIDs: anything else is named, not looked up.
        let mut by_id = body(5, 6, "10.00", "10.00");
        by_id.as_object_mut().expect("object").remove("seller");
        by_id["seller_id"] = json!("a\u{0}b");
        let (s, p) = app.post("/api/v1/contracts", &reg.token, &by_id).await;
        assert_eq!(s, Status::UnprocessableEntity, "{p}");
        assert_eq!(fields(&p), vec!["seller_id".to_string()]);
        let verification = verify(&app);
        assert!(verification.ok, "{verification:?}");
    }
);

both!(a_registration_may_name_its_own_office_but_no_other, |app| {
    let reg = app.registrar("reg1").await;
    let mut own = body(1, 2, "10.00", "10.00");
    own["office"] = json!("371302");
    let (s, c) = app.post("/api/v1/contracts", &reg.token, &own).await;
    assert_eq!(s, Status::Created, "the registrar's own office: {c}");
    assert_eq!(c["office"], "371302");
    // A client may send back the object it read, office included.
    let mut echoed = body(3, 4, "10.00", "10.00");
    echoed["office"] = c["office"].clone();
    let (s, _) = app.post("/api/v1/contracts", &reg.token, &echoed).await;
    assert_eq!(s, Status::Created);
    let entries = verify(&app).entries;
    let mut other = body(5, 6, "10.00", "10.00");
    other["office"] = json!("371311");
    let (s, p) = app.post("/api/v1/contracts", &reg.token, &other).await;
    assert_eq!(s, Status::Forbidden, "{p}");
    assert_eq!(fields(&p), vec!["office"], "{p}");
    assert!(
        p["errors"][0]["message_zh"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    for bad in [json!("999999"), json!("3713"), json!(371302)] {
        let mut b = body(5, 6, "10.00", "10.00");
        b["office"] = bad.clone();
        let (s, p) = app.post("/api/v1/contracts", &reg.token, &b).await;
        assert_eq!(s, Status::UnprocessableEntity, "{bad}: {p}");
        assert_eq!(fields(&p), vec!["office"], "{bad}: {p}");
    }
    let verification = verify(&app);
    assert!(verification.ok, "{verification:?}");
    assert_eq!(verification.entries, entries, "the refusals wrote nothing");
});

both!(
    a_historical_large_registration_names_its_second_registrar,
    |app| {
        use techledger::ledger::{Command, LedgerError, Request};
        let a = app.registrar("reg-a").await;
        let b = app.registrar("reg-b").await;
        let elsewhere = app
            .user(
                "reg-c",
                Role::Registrar,
                Some(OfficeCode::parse("371311").unwrap()),
            )
            .await;
        let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 10)
            .unwrap()
            .and_hms_opt(2, 0, 0);
        let large = |n: u32, approver: Option<&str>, registered_at| {
            let mut c = contract(n, n + 1, "6000000.00", "6000000.00");
            c.registered_at = registered_at;
            c.approved_by = approver.map(str::to_string);
            c
        };
        let load = |c, historical| {
            app.ledger.execute(Request {
                historical,
                ..Request::new(a.principal(), Command::RegisterContract(c))
            })
        };
        let refused_on_approver = |r: Result<techledger::ledger::Outcome, LedgerError>| matches!(r, Err(LedgerError::Invalid(errors)) if errors.iter().any(|e| e.field == "approved_by"));
        // The other registrar of the office: registered, and the record names them.
        let outcome = load(large(1, Some(&b.actor.id), at), true).await.unwrap();
        assert_eq!(outcome.body["status"], "registered", "{}", outcome.body);
        assert_eq!(outcome.body["approved_by"], b.actor.id.as_str());
        // Not oneself, not another office's registrar, not a small contract, not a new one.
        assert!(refused_on_approver(
            load(large(3, Some(&a.actor.id), at), true).await
        ));
        assert!(refused_on_approver(
            load(large(5, Some(&elsewhere.actor.id), at), true).await
        ));
        let mut small = large(7, Some(&b.actor.id), at);
        small.contract_amount = techledger::domain::Money::parse("1000.00").unwrap();
        small.technical_amount = techledger::domain::Money::parse("1000.00").unwrap();
        assert!(refused_on_approver(load(small, true).await));
        assert!(refused_on_approver(
            load(large(9, Some(&b.actor.id), None), false).await
        ));
        let (_, list) = app.get("/api/v1/contracts", Some(&a.token)).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
        assert!(verify(&app).ok);
    }
);
