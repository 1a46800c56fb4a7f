//! Statistics: the summary and every breakdown equal a brute-force recomputation over the
//! contracts after a random history of registrations, amendments, approvals, reviews and
//! voids; `as_of` reproduces a past day exactly.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rocket::http::Status;
use serde_json::Value;
use techledger::domain::*;
use techledger::ledger::{Command, ContractAmendment, PartyRef, Request};

use crate::both;
use crate::support::*;

fn fen(yuan: &Value) -> i64 {
    Money::parse(yuan.as_str().unwrap())
        .map(|m| m.fen())
        .or_else(|_| Total::parse(yuan.as_str().unwrap()).map(|t| t.fen()))
        .unwrap()
}

/// Sums over the contracts table: (dimension, key) → (turnover, technical, contracts, introduced).
fn brute_force(app: &TestApp, year: i32) -> BTreeMap<(String, String), [i64; 4]> {
    use diesel::prelude::*;
    let rows = techledger::db::schema::contracts::table
        .select(techledger::db::models::contracts::ContractRow::as_select())
        .load(&mut app.connect())
        .unwrap();
    let mut out: BTreeMap<(String, String), [i64; 4]> = BTreeMap::new();
    for r in rows
        .into_iter()
        .filter(|r| r.status == "registered" && r.registered_year == Some(year))
    {
        let add = [
            r.contract_amount_fen,
            r.technical_amount_fen,
            1,
            i64::from(r.introduced),
        ];
        for (d, k) in [
            ("total", String::new()),
            ("office", r.office.clone()),
            ("contract_type", r.contract_type.clone()),
            ("tech_field", r.tech_field.clone()),
            ("ip_type", r.ip_type.clone()),
            ("seller_kind", r.seller_kind.clone()),
            ("flow", r.flow.clone()),
            ("review", r.review.clone()),
            ("month", format!("{:02}", r.registered_month.unwrap())),
        ] {
            let e = out.entry((d.to_string(), k)).or_default();
            for (a, b) in e.iter_mut().zip(add) {
                *a += b;
            }
        }
    }
    out
}

async fn random_history(app: &TestApp, seed: u64, operations: usize) -> i32 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let offices = ["371302", "371311", "371371"];
    let mut registrars = Vec::new();
    for (i, o) in offices.iter().enumerate() {
        let office = OfficeCode::parse(o).unwrap();
        registrars.push(
            app.user(&format!("reg{i}a"), Role::Registrar, Some(office))
                .await,
        );
        registrars.push(
            app.user(&format!("reg{i}b"), Role::Registrar, Some(office))
                .await,
        );
    }
    let auditor = app.user("aud", Role::Auditor, None).await;
    let regions = [
        "371302", "371321", "310115", "320102", "370102", "370203", "110108", "440305",
    ];
    let year = techledger::stats::this_year();
    let mut contracts: Vec<(String, usize)> = Vec::new();
    let mut party_n = 0u32;
    for _ in 0..operations {
        let roll = rng.gen_range(0..100);
        if roll < 55 || contracts.is_empty() {
            let who = rng.gen_range(0..registrars.len());
            let amount = rng.gen_range(1_000i64..800_000_000);
            let technical = amount * rng.gen_range(50..=100) / 100;
            let t = ContractType::ALL[rng.gen_range(0..5)];
            party_n += 2;
            let mut seller = enterprise(party_n, regions[rng.gen_range(0..regions.len())]);
            let buyer = enterprise(party_n + 1, regions[rng.gen_range(0..regions.len())]);
            seller.kind = PartyKind::ALL[rng.gen_range(0..5)];
            if seller.kind == PartyKind::Individual {
                seller.credit_code = None;
            }
            let historical = rng.gen_bool(0.6);
            let month = rng.gen_range(1..=12u32);
            let registered_at = chrono::NaiveDate::from_ymd_opt(year, month, 15)
                .unwrap()
                .and_hms_opt(2, 0, 0)
                .filter(|t| *t < techledger::time::now() && historical);
            let contract = techledger::ledger::NewContract {
                particulars: Default::default(),
                title: format!("合同{party_n}"),
                contract_type: t,
                subtype: None,
                seller: PartyRef::Inline(seller),
                buyer: PartyRef::Inline(buyer),
                signed_on: chrono::NaiveDate::from_ymd_opt(year, 1, 2).unwrap(),
                valid_until: None,
                contract_amount: Money::from_fen(amount).unwrap(),
                technical_amount: Money::from_fen(technical).unwrap(),
                tech_field: TechField::ALL[rng.gen_range(0..11)],
                ip_type: IpType::ALL[rng.gen_range(0..8)],
                registered_at,
                approved_by: None,
            };
            let outcome = app
                .ledger
                .execute(Request {
                    historical: true,
                    ..Request::new(
                        registrars[who].principal(),
                        Command::RegisterContract(contract),
                    )
                })
                .await
                .expect("register");
            let id = outcome.body["id"].as_str().unwrap().to_string();
            contracts.push((id, who));
        } else {
            let (id, who) = contracts[rng.gen_range(0..contracts.len())].clone();
            let author = &registrars[who];
            let second = &registrars[who ^ 1];
            let command = match rng.gen_range(0..5) {
                0 => {
                    // The version as it stands: this game is about the totals, not about
                    // stale approvals.
                    let version = techledger::db::models::contracts::by_id(&mut app.connect(), &id)
                        .unwrap()
                        .map_or(1, |c| c.version);
                    Command::ApproveContract { id, version }
                }
                1 => Command::VoidContract {
                    id,
                    reason: "解除".into(),
                },
                2 => Command::ReviewContract {
                    id,
                    verdict: if rng.gen_bool(0.5) {
                        ReviewState::Confirmed
                    } else {
                        ReviewState::Disputed
                    },
                    note: "核查".into(),
                },
                _ => {
                    let amount = rng.gen_range(1_000i64..400_000_000);
                    Command::AmendContract(ContractAmendment {
                        party_contract_no: None,
                        seller_contact: None,
                        buyer_contact: None,
                        technical_split: None,
                        id,
                        title: None,
                        contract_type: Some(ContractType::ALL[rng.gen_range(0..5)]),
                        subtype: Some(None),
                        seller_id: None,
                        buyer_id: None,
                        signed_on: None,
                        valid_until: None,
                        contract_amount: Some(Money::from_fen(amount).unwrap()),
                        technical_amount: Some(Money::from_fen(amount / 2).unwrap()),
                        tech_field: Some(TechField::ALL[rng.gen_range(0..11)]),
                        ip_type: None,
                        reason: "更正".into(),
                    })
                }
            };
            let principal = match &command {
                Command::ReviewContract { .. } => auditor.principal(),
                Command::ApproveContract { .. } => second.principal(),
                _ => author.principal(),
            };
            // Refusals (voided twice, approving a registered contract…) are part of the game.
            let _ = app.ledger.execute(Request::new(principal, command)).await;
        }
    }
    year
}

async fn check_against_brute_force(app: &TestApp, token: &str, year: i32) {
    let expected = brute_force(app, year);
    let get = |d: &str, k: &str| {
        expected
            .get(&(d.to_string(), k.to_string()))
            .copied()
            .unwrap_or_default()
    };
    let (s, summary) = app
        .get(&format!("/api/v1/stats/summary?year={year}"), Some(token))
        .await;
    assert_eq!(s, Status::Ok, "{summary}");
    let total = get("total", "");
    assert_eq!(fen(&summary["turnover"]), total[0]);
    assert_eq!(fen(&summary["technical_amount"]), total[1]);
    assert_eq!(summary["contracts"], total[2]);
    assert_eq!(summary["introduced"], total[3]);
    for by in [
        "office",
        "contract_type",
        "tech_field",
        "ip_type",
        "seller_kind",
        "flow",
        "month",
        "review",
    ] {
        let (s, b) = app
            .get(
                &format!("/api/v1/stats/breakdown?year={year}&by={by}"),
                Some(token),
            )
            .await;
        assert_eq!(s, Status::Ok, "{b}");
        let mut sum = [0i64; 4];
        for row in b["rows"].as_array().unwrap() {
            let key = row["key"].as_str().unwrap();
            let want = get(by, key);
            let have = [
                fen(&row["turnover"]),
                fen(&row["technical_amount"]),
                row["contracts"].as_i64().unwrap(),
                row["introduced"].as_i64().unwrap(),
            ];
            assert_eq!(have, want, "{by} {key}");
            for (a, b) in sum.iter_mut().zip(have) {
                *a += b;
            }
        }
        assert_eq!(sum, total, "the {by} rows add up to the summary");
    }
}

both!(
    summary_and_breakdowns_equal_a_brute_force_recomputation,
    |app| {
        let year = random_history(&app, 20261125, 160).await;
        let official = app.user("off", Role::Official, None).await;
        check_against_brute_force(&app, &official.token, year).await;
        assert!(verify(&app).ok, "rollups reconcile with the chain");
    }
);

both!(
    as_of_yesterday_does_not_change_when_today_writes_arrive,
    |app| {
        let year = random_history(&app, 7, 40).await;
        let official = app.user("off", Role::Official, None).await;
        let yesterday = techledger::time::shanghai_date(techledger::time::now())
            .pred_opt()
            .unwrap();
        let url = format!("/api/v1/stats/summary?year={year}&as_of={yesterday}");
        let (_, before) = app.get(&url, Some(&official.token)).await;
        assert_eq!(before["turnover"], "0.00", "everything was written today");
        let (_, today_before) = app
            .get(
                &format!("/api/v1/stats/summary?year={year}"),
                Some(&official.token),
            )
            .await;
        random_history_more(&app).await;
        let (_, after) = app.get(&url, Some(&official.token)).await;
        assert_eq!(before, after);
        let today = techledger::time::shanghai_date(techledger::time::now());
        let (_, as_of_today) = app
            .get(
                &format!("/api/v1/stats/summary?year={year}&as_of={today}"),
                Some(&official.token),
            )
            .await;
        let (_, now) = app
            .get(
                &format!("/api/v1/stats/summary?year={year}"),
                Some(&official.token),
            )
            .await;
        assert_eq!(
            as_of_today["turnover"], now["turnover"],
            "as of today equals the current figures"
        );
        assert_ne!(now["turnover"], today_before["turnover"]);
        let (s, p) = app
            .get(
                "/api/v1/stats/summary?as_of=2999-01-01",
                Some(&official.token),
            )
            .await;
        assert_eq!(s, Status::UnprocessableEntity, "{p}");
    }
);

async fn random_history_more(app: &TestApp) {
    let reg = app
        .user(
            "late",
            Role::Registrar,
            Some(OfficeCode::parse("371302").unwrap()),
        )
        .await;
    run(
        app,
        &reg,
        Command::RegisterContract(contract(9001, 9002, "777.77", "700.00")),
    )
    .await;
}

both!(targets_progress_and_the_report, |app| {
    let reg = app.registrar("reg1").await;
    run(
        &app,
        &reg,
        Command::RegisterContract(contract(1, 2, "2000000.00", "1000000.00")),
    )
    .await;
    let official = app.user("off", Role::Official, None).await;
    let (_, s) = app
        .get("/api/v1/stats/summary", Some(&official.token))
        .await;
    assert_eq!(s["targets"]["turnover"], "20000000000.00");
    assert_eq!(s["targets"]["contracts"], 1000);
    assert_eq!(s["targets"]["introduced"], 50);
    assert_eq!(s["progress"]["turnover"], 0.0001);
    assert_eq!(s["progress"]["contracts"], 0.001);
    assert_eq!(
        s["introduced"], 1,
        "Shanghai seller, Linyi buyer, development"
    );
    assert!(s["audit_seq"].as_i64().unwrap() > 0);
    assert!(["seasonal", "run_rate", "complete"].contains(&s["forecast_method"].as_str().unwrap()));
    let (_, top) = app
        .get(
            "/api/v1/stats/top-parties?side=seller",
            Some(&official.token),
        )
        .await;
    assert_eq!(top[0]["name"], "测试企业1有限公司");
    let res = app
        .client
        .get("/api/v1/stats/report.xlsx")
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {}", official.token),
        ))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let bytes = res.into_bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX (zip) file");
    // The summary sheet says how the forecast was made in words, not the API's code.
    let sheet = crate::figures::summary_sheet(&bytes);
    let method = sheet
        .lines()
        .find(|l| l.starts_with("预测方法："))
        .expect("the forecast method row");
    for code in ["complete", "seasonal", "run_rate", "none"] {
        assert!(!method.contains(code), "{method}");
    }
    assert!(method.chars().count() > 8, "{method}");
    let (s, p) = app
        .get("/api/v1/stats/breakdown?by=color", Some(&official.token))
        .await;
    assert_eq!(s, Status::UnprocessableEntity);
    assert_eq!(p["errors"][0]["field"], "by");
});
