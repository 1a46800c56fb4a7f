//! Large-contract approval that cannot be bypassed (issue 14, point 2) and reviews that belong
//! to a version (point 3), over HTTP on both backends. Each test checks the totals (summary and
//! breakdowns) and the audit chain (`GET /api/v1/audit/verify` and the reconciliation) after
//! the steps it takes.

use rocket::http::{Header, Status};
use serde_json::{Value, json};
use techledger::domain::{Money, Role, Total};

use crate::both;
use crate::support::*;

fn party(n: u32, region: &str) -> Value {
    json!({"name": format!("复核测试主体{n}有限公司"), "credit_code": credit_code(n).as_str(), "kind": "enterprise", "region": region})
}

/// A contract between two new inline parties (`n`, `n + 1`) with both amounts in yuan.
fn contract(n: u32, amount: &str) -> Value {
    json!({
        "title": "一种盐碱地改良技术开发",
        "contract_type": "development",
        "subtype": "commissioned",
        "seller": party(n, "320102"),
        "buyer": party(n + 1, "371302"),
        "signed_on": "2026-03-01",
        "contract_amount": amount,
        "technical_amount": amount,
        "tech_field": "agriculture",
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

fn fen(yuan: &Value) -> i64 {
    let s = yuan.as_str().unwrap();
    Money::parse(s)
        .map(|m| m.fen())
        .or_else(|_| Total::parse(s).map(|t| t.fen()))
        .unwrap()
}

/// The people of one office (Lanshan): three registrars, an auditor and an official.
struct Office {
    a: TestUser,
    b: TestUser,
    c: TestUser,
    auditor: TestUser,
    official: TestUser,
}

async fn office(app: &TestApp) -> Office {
    Office {
        a: app.registrar("reg-a").await,
        b: app.registrar("reg-b").await,
        c: app.registrar("reg-c").await,
        auditor: app.user("aud", Role::Auditor, None).await,
        official: app.user("off", Role::Official, None).await,
    }
}

async fn register(app: &TestApp, who: &TestUser, body: &Value) -> Value {
    let (s, c) = app.post("/api/v1/contracts", &who.token, body).await;
    assert_eq!(s, Status::Created, "{c}");
    c
}

async fn amend(app: &TestApp, who: &TestUser, id: &str, change: Value) -> (Status, Value) {
    app.post(
        &format!("/api/v1/contracts/{id}/amendments"),
        &who.token,
        &change,
    )
    .await
}

async fn approve(app: &TestApp, who: &TestUser, id: &str, version: i64) -> (Status, Value) {
    app.post(
        &format!("/api/v1/contracts/{id}/approve"),
        &who.token,
        &json!({ "version": version }),
    )
    .await
}

/// An approval naming its version in `If-Match` only, without a body.
async fn approve_if_match(app: &TestApp, who: &TestUser, id: &str, tag: &str) -> (Status, Value) {
    let res = app
        .client
        .post(format!("/api/v1/contracts/{id}/approve"))
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", who.token),
        ))
        .header(Header::new("If-Match", tag.to_string()))
        .dispatch()
        .await;
    read(res).await
}

async fn current(app: &TestApp, who: &TestUser, id: &str) -> Value {
    let (s, c) = app
        .get(&format!("/api/v1/contracts/{id}"), Some(&who.token))
        .await;
    assert_eq!(s, Status::Ok, "{c}");
    c
}

/// This year's counted turnover (fen) and contracts, after checking that every breakdown adds
/// up to the summary.
async fn totals(app: &TestApp, official: &TestUser) -> (i64, i64) {
    let year = techledger::stats::this_year();
    let (s, summary) = app
        .get(
            &format!("/api/v1/stats/summary?year={year}"),
            Some(&official.token),
        )
        .await;
    assert_eq!(s, Status::Ok, "{summary}");
    let turnover = fen(&summary["turnover"]);
    let contracts = summary["contracts"].as_i64().unwrap();
    for by in ["office", "review", "month"] {
        let (s, b) = app
            .get(
                &format!("/api/v1/stats/breakdown?year={year}&by={by}"),
                Some(&official.token),
            )
            .await;
        assert_eq!(s, Status::Ok, "{b}");
        let rows = b["rows"].as_array().unwrap();
        let sum: i64 = rows.iter().map(|r| fen(&r["turnover"])).sum();
        let count: i64 = rows.iter().map(|r| r["contracts"].as_i64().unwrap()).sum();
        assert_eq!(
            (sum, count),
            (turnover, contracts),
            "the {by} rows add up to the summary"
        );
    }
    (turnover, contracts)
}

/// The chain verifies and every table reconciles with it, through the API and directly.
async fn chain_holds(app: &TestApp, auditor: &TestUser) {
    let (s, v) = app.get("/api/v1/audit/verify", Some(&auditor.token)).await;
    assert_eq!(s, Status::Ok, "{v}");
    assert_eq!(v["ok"], true, "{v}");
    let direct = verify(app);
    assert!(direct.ok, "{direct:?}");
}

/// The audit actions recorded for contract `id`, oldest first.
async fn actions(app: &TestApp, auditor: &TestUser, id: &str) -> Vec<String> {
    let (s, page) = app
        .get(
            &format!("/api/v1/audit/entries?limit=500&entity_type=contract&entity_id={id}"),
            Some(&auditor.token),
        )
        .await;
    assert_eq!(s, Status::Ok, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

const YUAN: i64 = 100;

both!(
    a_registrar_who_amended_a_pending_contract_cannot_approve_it,
    |app| {
        let o = office(&app).await;
        let c = register(&app, &o.a, &contract(1, "5500000.00")).await;
        assert_eq!(c["status"], "pending");
        let id = c["id"].as_str().unwrap();
        // The reproduction: B inflates A's pending contract, then approves it himself.
        let (s, amended) = amend(
            &app,
            &o.b,
            id,
            json!({"contract_amount": "999999999999.00", "technical_amount": "999999999999.00", "reason": "更正金额"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{amended}");
        assert_eq!(amended["status"], "pending");
        let version = amended["version"].as_i64().unwrap();
        let (s, p) = approve(&app, &o.b, id, version).await;
        assert_eq!(s, Status::Forbidden, "the amender cannot approve: {p}");
        assert_eq!(p["type"], "urn:techledger:problem:forbidden");
        let (s, _) = approve(&app, &o.a, id, version).await;
        assert_eq!(s, Status::Forbidden, "nor can the author");
        assert_eq!(
            totals(&app, &o.official).await,
            (0, 0),
            "nothing counts yet"
        );
        assert_eq!(current(&app, &o.a, id).await["status"], "pending");
        // A third registrar, who wrote none of it, can.
        let (s, a) = approve(&app, &o.c, id, version).await;
        assert_eq!(s, Status::Ok, "{a}");
        assert_eq!(a["status"], "registered");
        assert_eq!(a["approved_by"], o.c.actor.id.as_str());
        assert_eq!(totals(&app, &o.official).await, (999_999_999_999 * YUAN, 1));
        chain_holds(&app, &o.auditor).await;
    }
);

both!(
    an_approved_large_contract_amended_by_its_author_goes_back_to_pending,
    |app| {
        let o = office(&app).await;
        let c = register(&app, &o.a, &contract(1, "6000000.00")).await;
        let id = c["id"].as_str().unwrap();
        let (s, a) = approve(&app, &o.b, id, 1).await;
        assert_eq!(s, Status::Ok, "{a}");
        let number = a["registration_no"].as_str().unwrap().to_string();
        assert_eq!(totals(&app, &o.official).await, (6_000_000 * YUAN, 1));
        // The reproduction: the author raises it to 900 billion after the approval.
        let (s, raised) = amend(
            &app,
            &o.a,
            id,
            json!({"contract_amount": "900000000000.00", "technical_amount": "900000000000.00", "reason": "补充协议"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{raised}");
        assert_eq!(raised["status"], "pending", "it must not stay registered");
        assert_eq!(
            raised["registration_no"],
            number.as_str(),
            "it keeps its number"
        );
        assert!(
            raised["approved_by"].is_null(),
            "this version is not approved"
        );
        assert_eq!(
            totals(&app, &o.official).await,
            (0, 0),
            "its amounts left the totals"
        );
        let (s, p) = approve(&app, &o.a, id, 3).await;
        assert_eq!(s, Status::Forbidden, "{p}");
        // B approved version 1 and wrote nothing: B may approve version 3.
        let (s, again) = approve(&app, &o.b, id, 3).await;
        assert_eq!(s, Status::Ok, "{again}");
        assert_eq!(again["status"], "registered");
        assert_eq!(again["registration_no"], number.as_str());
        assert_eq!(
            again["registered_at"], a["registered_at"],
            "it counts where it did"
        );
        assert_eq!(totals(&app, &o.official).await, (900_000_000_000 * YUAN, 1));
        // Even an amendment that leaves the amounts alone needs a fresh approval while the
        // contract stays large.
        let (s, retitled) = amend(
            &app,
            &o.a,
            id,
            json!({"title": "一种盐碱地改良技术开发（二期）", "reason": "名称更正"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{retitled}");
        assert_eq!(retitled["status"], "pending");
        assert_eq!(totals(&app, &o.official).await, (0, 0));
        assert_eq!(
            actions(&app, &o.auditor, id).await,
            vec![
                "contract.register",
                "contract.approve",
                "contract.amend",
                "contract.approve",
                "contract.amend"
            ],
            "one entry for each step"
        );
        chain_holds(&app, &o.auditor).await;
    }
);

both!(
    an_approval_made_after_viewing_version_1_does_not_register_version_3,
    |app| {
        let o = office(&app).await;
        let c = register(&app, &o.a, &contract(1, "6000000.00")).await;
        let id = c["id"].as_str().unwrap();
        let seen = current(&app, &o.c, id).await;
        assert_eq!(seen["version"], 1);
        for amount in ["7000000.00", "800000000.00"] {
            let (s, a) = amend(
                &app,
                &o.a,
                id,
                json!({"contract_amount": amount, "technical_amount": amount, "reason": "更正"}),
            )
            .await;
            assert_eq!(s, Status::Ok, "{a}");
        }
        let (s, p) = approve(&app, &o.c, id, 1).await;
        assert_eq!(s, Status::Conflict, "{p}");
        assert_eq!(p["type"], "urn:techledger:problem:stale_version");
        let detail = p["detail"].as_str().unwrap();
        assert!(
            detail.contains("version 1") && detail.contains("version 3"),
            "{detail}"
        );
        assert!(p["detail_zh"].as_str().is_some_and(|d| !d.is_empty()));
        let (s, p) = approve_if_match(&app, &o.c, id, "\"1\"").await;
        assert_eq!(s, Status::Conflict, "{p}");
        assert_eq!(p["type"], "urn:techledger:problem:stale_version");
        // No version at all, an unreadable one, or two that disagree: named, nothing written.
        let (s, p) = app
            .post(
                &format!("/api/v1/contracts/{id}/approve"),
                &o.c.token,
                &json!({}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{p}");
        assert_eq!(fields(&p), vec!["version"]);
        let (s, p) = app
            .post(
                &format!("/api/v1/contracts/{id}/approve"),
                &o.c.token,
                &json!({"version": "three"}),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{p}");
        assert_eq!(fields(&p), vec!["version"]);
        for bad in ["*", "\"x\"", "W/\"3\""] {
            let (s, p) = app
                .send_with(
                    "POST",
                    &format!("/api/v1/contracts/{id}/approve"),
                    Some(&o.c.token),
                    &json!({}),
                    &[("If-Match", bad)],
                )
                .await;
            assert_eq!(s, Status::UnprocessableEntity, "{bad}: {p}");
            assert_eq!(fields(&p), vec!["If-Match"], "{bad}");
        }
        let (s, p) = app
            .send_with(
                "POST",
                &format!("/api/v1/contracts/{id}/approve"),
                Some(&o.c.token),
                &json!({"version": 3}),
                &[("If-Match", "\"1\"")],
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{p}");
        assert_eq!(fields(&p), vec!["version"]);
        assert_eq!(current(&app, &o.c, id).await["status"], "pending");
        assert_eq!(totals(&app, &o.official).await, (0, 0));
        // The version the approver saw, as If-Match: registered.
        let (s, a) = approve_if_match(&app, &o.c, id, "\"3\"").await;
        assert_eq!(s, Status::Ok, "{a}");
        assert_eq!(a["status"], "registered");
        assert_eq!(a["technical_amount"], "800000000.00");
        assert_eq!(totals(&app, &o.official).await, (800_000_000 * YUAN, 1));
        chain_holds(&app, &o.auditor).await;
    }
);

both!(
    raising_a_registered_contract_over_the_threshold_sends_it_back_for_approval,
    |app| {
        let o = office(&app).await;
        let small = register(&app, &o.a, &contract(1, "1000000.00")).await;
        assert_eq!(small["status"], "registered");
        let number = small["registration_no"].as_str().unwrap().to_string();
        let id = small["id"].as_str().unwrap();
        assert_eq!(totals(&app, &o.official).await, (1_000_000 * YUAN, 1));
        let (s, raised) = amend(
            &app,
            &o.a,
            id,
            json!({"contract_amount": "6000000.00", "technical_amount": "6000000.00", "reason": "追加研发内容"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "not refused: {raised}");
        assert_eq!(raised["status"], "pending");
        assert_eq!(raised["registration_no"], number.as_str());
        assert_eq!(
            totals(&app, &o.official).await,
            (0, 0),
            "out of the totals until approved"
        );
        let (s, _) = approve(&app, &o.a, id, 2).await;
        assert_eq!(s, Status::Forbidden, "the amender cannot approve");
        let (s, a) = approve(&app, &o.b, id, 2).await;
        assert_eq!(s, Status::Ok, "{a}");
        assert_eq!(a["status"], "registered");
        assert_eq!(a["registration_no"], number.as_str(), "the same number");
        assert_eq!(a["registered_at"], small["registered_at"]);
        assert_eq!(totals(&app, &o.official).await, (6_000_000 * YUAN, 1));
        // No number was used up: the next small contract takes the next one.
        let next = register(&app, &o.a, &contract(3, "10.00")).await;
        let year = techledger::stats::this_year();
        assert_eq!(next["registration_no"], format!("{year}371302000002"));
        assert_eq!(
            actions(&app, &o.auditor, id).await,
            vec!["contract.register", "contract.amend", "contract.approve"]
        );
        chain_holds(&app, &o.auditor).await;
    }
);

both!(
    lowering_a_large_registered_contract_below_the_threshold_keeps_it_registered,
    |app| {
        let o = office(&app).await;
        let c = register(&app, &o.a, &contract(1, "6000000.00")).await;
        let id = c["id"].as_str().unwrap();
        let (s, a) = approve(&app, &o.b, id, 1).await;
        assert_eq!(s, Status::Ok, "{a}");
        let (s, lowered) = amend(
            &app,
            &o.a,
            id,
            json!({"contract_amount": "4000000.00", "technical_amount": "4000000.00", "reason": "部分解除"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{lowered}");
        assert_eq!(lowered["status"], "registered");
        assert_eq!(lowered["registration_no"], a["registration_no"]);
        assert_eq!(totals(&app, &o.official).await, (4_000_000 * YUAN, 1));
        chain_holds(&app, &o.auditor).await;
    }
);

both!(
    a_pending_contract_amended_below_the_threshold_is_registered_but_cannot_be_chained_into_a_bypass,
    |app| {
        let o = office(&app).await;
        // The author lowers his own pending contract: registered as any small contract.
        let c = register(&app, &o.a, &contract(1, "6000000.00")).await;
        let id = c["id"].as_str().unwrap();
        let (s, lowered) = amend(
            &app,
            &o.a,
            id,
            json!({"contract_amount": "4900000.00", "technical_amount": "4900000.00", "reason": "更正"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{lowered}");
        assert_eq!(lowered["status"], "registered");
        let number = lowered["registration_no"].as_str().unwrap().to_string();
        assert_eq!(totals(&app, &o.official).await, (4_900_000 * YUAN, 1));
        // ... and raises it again: back to pending, for somebody else to approve.
        let (s, raised) = amend(
            &app,
            &o.a,
            id,
            json!({"contract_amount": "999999999999.00", "technical_amount": "999999999999.00", "reason": "更正"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{raised}");
        assert_eq!(raised["status"], "pending");
        assert_eq!(raised["registration_no"], number.as_str());
        assert_eq!(totals(&app, &o.official).await, (0, 0));
        let (s, _) = approve(&app, &o.a, id, 3).await;
        assert_eq!(s, Status::Forbidden, "no self-approval through the detour");

        // The same detour by a second registrar on the author's contract.
        let d = register(&app, &o.a, &contract(3, "6000000.00")).await;
        let id2 = d["id"].as_str().unwrap();
        let (s, down) = amend(
            &app,
            &o.b,
            id2,
            json!({"technical_amount": "1000000.00", "reason": "技术交易额核减"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{down}");
        assert_eq!(down["status"], "registered");
        let (s, up) = amend(
            &app,
            &o.b,
            id2,
            json!({"technical_amount": "6000000.00", "reason": "技术交易额更正"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{up}");
        assert_eq!(up["status"], "pending");
        for who in [&o.a, &o.b] {
            let (s, p) = approve(&app, who, id2, 3).await;
            assert_eq!(s, Status::Forbidden, "{}: {p}", who.actor.username);
        }
        let (s, ok) = approve(&app, &o.c, id2, 3).await;
        assert_eq!(s, Status::Ok, "{ok}");
        assert_eq!(ok["registration_no"], down["registration_no"]);
        // The first contract: C (who wrote none of it) approves.
        let (s, ok) = approve(&app, &o.c, id, 3).await;
        assert_eq!(s, Status::Ok, "{ok}");
        assert_eq!(
            totals(&app, &o.official).await,
            ((999_999_999_999 + 6_000_000) * YUAN, 2)
        );
        chain_holds(&app, &o.auditor).await;
    }
);

both!(
    an_amendment_resets_the_review_and_history_names_the_version_reviewed,
    |app| {
        let o = office(&app).await;
        let c = register(&app, &o.a, &contract(1, "100000.00")).await;
        let id = c["id"].as_str().unwrap();
        let review = |verdict: &'static str| {
            let path = format!("/api/v1/contracts/{id}/reviews");
            let token = o.auditor.token.clone();
            let app = &app;
            async move {
                app.post(
                    &path,
                    &token,
                    &json!({"verdict": verdict, "note": "核对发票"}),
                )
                .await
            }
        };
        let (s, r) = review("confirmed").await;
        assert_eq!(s, Status::Created, "{r}");
        assert_eq!(r["contract_version"], 1);
        assert_eq!(current(&app, &o.a, id).await["review"], "confirmed");
        let (s, amended) = amend(
            &app,
            &o.a,
            id,
            json!({"contract_amount": "120000.00", "reason": "补充协议"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{amended}");
        assert_eq!(amended["version"], 2);
        assert_eq!(
            amended["review"], "unreviewed",
            "the confirmation was of version 1"
        );
        let year = techledger::stats::this_year();
        let (_, by_review) = app
            .get(
                &format!("/api/v1/stats/breakdown?year={year}&by=review"),
                Some(&o.official.token),
            )
            .await;
        let count = |key: &str| {
            by_review["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["key"] == key)
                .map_or(0, |r| r["contracts"].as_i64().unwrap())
        };
        assert_eq!((count("confirmed"), count("unreviewed")), (0, 1));
        let (s, r2) = review("disputed").await;
        assert_eq!(s, Status::Created, "{r2}");
        assert_eq!(r2["contract_version"], 2);
        let (_, h) = app
            .get(
                &format!("/api/v1/contracts/{id}/history"),
                Some(&o.auditor.token),
            )
            .await;
        let reviews = h["reviews"].as_array().unwrap();
        assert_eq!(reviews.len(), 2);
        assert_eq!(
            (
                reviews[0]["verdict"].clone(),
                reviews[0]["contract_version"].clone()
            ),
            (json!("confirmed"), json!(1))
        );
        assert_eq!(
            (
                reviews[1]["verdict"].clone(),
                reviews[1]["contract_version"].clone()
            ),
            (json!("disputed"), json!(2))
        );
        let versions = h["versions"].as_array().unwrap();
        assert_eq!(
            (versions.len(), versions[1]["change"].as_str()),
            (2, Some("amend"))
        );
        assert_eq!(h["contract"]["review"], "disputed");
        assert_eq!(totals(&app, &o.official).await, (120_000 * YUAN, 1));
        chain_holds(&app, &o.auditor).await;
    }
);

/// Reverts and re-applies this change's migration (`pending_keeps_its_number`) on `conn`.
fn migrate_down_and_up(conn: &mut techledger::db::DbConn) {
    use diesel::migration::{Migration, MigrationSource};
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
    const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
    const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
    fn down_and_up<DB, C>(c: &mut C, source: EmbeddedMigrations)
    where
        DB: diesel::backend::Backend,
        C: MigrationHarness<DB>,
        EmbeddedMigrations: MigrationSource<DB>,
    {
        let all: Vec<Box<dyn Migration<DB>>> = source.migrations().unwrap();
        let ours = all
            .iter()
            .find(|m| m.name().to_string().ends_with("_pending_keeps_its_number"))
            .expect("the migration is embedded");
        c.revert_migration(ours.as_ref()).expect("down");
        c.run_migration(ours.as_ref()).expect("up again");
    }
    match conn {
        techledger::db::DbConn::Sqlite(c) => down_and_up(c, SQLITE),
        techledger::db::DbConn::Postgres(c) => down_and_up(c, POSTGRES),
    }
}

both!(
    the_migration_keeps_every_contract_and_its_references,
    |app| {
        use diesel::prelude::*;
        let o = office(&app).await;
        let small = register(&app, &o.a, &contract(1, "1000000.00")).await;
        let large = register(&app, &o.a, &contract(3, "6000000.00")).await;
        let waiting = register(&app, &o.a, &contract(5, "7000000.00")).await;
        let (s, _) = approve(&app, &o.b, large["id"].as_str().unwrap(), 1).await;
        assert_eq!(s, Status::Ok);
        let (s, _) = amend(
            &app,
            &o.a,
            small["id"].as_str().unwrap(),
            json!({"contract_amount": "1200000.00", "reason": "更正"}),
        )
        .await;
        assert_eq!(s, Status::Ok);
        let before = totals(&app, &o.official).await;
        let rows = |conn: &mut techledger::db::DbConn| {
            use techledger::db::schema::{amount_entries, contract_versions, contracts};
            (
                contracts::table.count().get_result::<i64>(conn).unwrap(),
                contract_versions::table
                    .count()
                    .get_result::<i64>(conn)
                    .unwrap(),
                amount_entries::table
                    .count()
                    .get_result::<i64>(conn)
                    .unwrap(),
            )
        };
        let mut conn = app.connect();
        let counted = rows(&mut conn);
        migrate_down_and_up(&mut conn);
        assert_eq!(rows(&mut conn), counted, "every row is still there");
        if let techledger::db::DbConn::Sqlite(c) = &mut conn {
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let broken: Count =
                diesel::sql_query("SELECT count(*) AS n FROM pragma_foreign_key_check")
                    .get_result(c)
                    .unwrap();
            assert_eq!(broken.n, 0, "every reference to a contract still holds");
            let on: Count = diesel::sql_query("SELECT foreign_keys AS n FROM pragma_foreign_keys")
                .get_result(c)
                .unwrap();
            assert_eq!(on.n, 1, "foreign keys are enforced again");
        }
        assert_eq!(totals(&app, &o.official).await, before);
        chain_holds(&app, &o.auditor).await;
        // The new rule is in force: a pending contract may keep a number, but is never approved.
        let (s, raised) = amend(
            &app,
            &o.a,
            small["id"].as_str().unwrap(),
            json!({"technical_amount": "1200000.00", "contract_amount": "9000000.00", "reason": "追加"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{raised}");
        let (s, raised) = amend(
            &app,
            &o.a,
            small["id"].as_str().unwrap(),
            json!({"technical_amount": "9000000.00", "reason": "追加"}),
        )
        .await;
        assert_eq!(s, Status::Ok, "{raised}");
        assert_eq!(raised["status"], "pending");
        assert!(raised["registration_no"].is_string());
        let approved_pending = diesel::sql_query(format!(
            "UPDATE contracts SET approved_by = created_by WHERE id = '{}'",
            waiting["id"].as_str().unwrap()
        ))
        .execute(&mut conn);
        assert!(
            approved_pending.is_err(),
            "the database refuses a pending contract marked approved"
        );
        chain_holds(&app, &o.auditor).await;
    }
);

both!(
    the_openapi_document_describes_the_version_and_the_office,
    |app| {
        let res = app.client.get("/openapi.json").dispatch().await;
        let doc: Value = res.into_json().await.unwrap();
        let schema = |name: &str| doc["components"]["schemas"][name].clone();
        let approve = &doc["paths"]["/api/v1/contracts/{id}/approve"]["post"];
        let body_ref = approve["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_default();
        assert!(body_ref.ends_with("/ApproveBody"), "{approve}");
        assert!(schema("ApproveBody")["properties"]["version"].is_object());
        assert!(
            approve["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "If-Match" && p["in"] == "header"),
            "{approve}"
        );
        for status in ["403", "409", "422"] {
            assert!(approve["responses"][status].is_object(), "{status}");
        }
        assert!(schema("ContractBody")["properties"]["office"].is_object());
    }
);

/// The literal `TL.t("…")` keys a page script asks for (not those it builds: `"x." + code`).
fn keys_used(script: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(format!("{}/static/{script}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    text.split("TL.t(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"'))
        .filter(|(_, after)| after.starts_with(')'))
        .map(|(key, _)| key.to_string())
        .collect()
}

both!(
    the_approval_pages_carry_every_string_their_scripts_use,
    |app| {
        let registrar = app.registrar("reg-a").await;
        let c = register(&app, &registrar, &contract(1, "10.00")).await;
        for (path, script) in [
            ("/approvals".to_string(), "approvals.js"),
            (
                format!("/contracts/{}", c["id"].as_str().unwrap()),
                "contract.js",
            ),
        ] {
            for lang in ["zh", "en"] {
                let res = app
                    .client
                    .get(format!("{path}?lang={lang}"))
                    .header(Header::new("Accept", "text/html"))
                    .header(Header::new(
                        "Authorization",
                        format!("Bearer {}", registrar.token),
                    ))
                    .dispatch()
                    .await;
                assert_eq!(res.status(), Status::Ok, "{path}");
                let html = res.into_string().await.unwrap();
                let json = html
                    .split("<script type=\"application/json\" id=\"i18n\">")
                    .nth(1)
                    .and_then(|rest| rest.split("</script>").next())
                    .unwrap_or_else(|| panic!("{path} embeds its strings"));
                let strings: Value = serde_json::from_str(json).unwrap();
                for key in keys_used(script) {
                    assert!(
                        strings[&key].as_str().is_some_and(|s| !s.is_empty()),
                        "{path} ({lang}) lacks {key} used by {script}"
                    );
                }
            }
        }
    }
);
