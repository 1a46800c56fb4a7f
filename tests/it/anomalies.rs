//! Anomaly rules on a real ledger: contracts registered through the one write path (with
//! historical registration times, as loaded from the operator's shell), then `evaluate` on
//! SQLite and on PostgreSQL. Every rule finds its planted case; clean data, including cases
//! just outside each parameter, gives no finding.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use techledger::anomalies::{self, Finding, PartyRole, Rule, Severity};
use techledger::domain::{ContractType, OfficeCode, Role};
use techledger::ledger::{Command, NewContract, Request};

use crate::both;
use crate::support::*;

/// The year the findings are about (December of it is in the past, so it can be planted).
const YEAR: i32 = 2025;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// 10:00 in Asia/Shanghai on `s`.
fn morning(s: &str) -> NaiveDateTime {
    date(s).and_hms_opt(2, 0, 0).expect("time")
}

/// A registrar of `office`.
async fn registrar_of(app: &TestApp, username: &str, office: &str) -> TestUser {
    app.user(
        username,
        Role::Registrar,
        Some(OfficeCode::parse(office).expect("office")),
    )
    .await
}

/// Registers `c` signed on `signed` and registered on `registered` (a historical
/// registration); returns its registration number and id.
async fn book(
    app: &TestApp,
    user: &TestUser,
    mut c: NewContract,
    signed: &str,
    registered: &str,
) -> (String, String) {
    c.signed_on = date(signed);
    c.registered_at = Some(morning(registered));
    let outcome = app
        .ledger
        .execute(Request {
            principal: user.principal(),
            command: Command::RegisterContract(c),
            idempotency: None,
            dry_run: false,
            historical: true,
            // The scenes plant duplicates for the rules to find.
            confirm_duplicate: true,
        })
        .await
        .expect("historical registration succeeds");
    assert_eq!(outcome.body["status"], "registered", "{}", outcome.body);
    let no = outcome.body["registration_no"]
        .as_str()
        .expect("registration number")
        .to_string();
    let id = outcome.body["id"].as_str().expect("id").to_string();
    (no, id)
}

/// A transfer contract between inline parties `seller` and `buyer` (its technical amount
/// below its contract amount unless given so).
fn transfer(seller: u32, buyer: u32, amount: &str, technical: &str) -> NewContract {
    let mut c = contract(seller, buyer, amount, technical);
    c.contract_type = ContractType::Transfer;
    c.subtype = None;
    c
}

/// All rules over `YEAR` with the service's configuration.
fn evaluate(app: &TestApp) -> Vec<Finding> {
    let mut conn = app.connect();
    anomalies::evaluate(
        &mut conn,
        YEAR,
        Rule::ALL,
        &app.config.anomalies,
        app.config.ledger.large_contract_threshold,
    )
    .expect("evaluation runs")
}

/// Each finding as (rule, its registration numbers sorted).
fn summary(findings: &[Finding]) -> Vec<(Rule, Vec<String>)> {
    findings
        .iter()
        .map(|f| {
            let mut nos: Vec<String> = f
                .contracts
                .iter()
                .map(|c| c.registration_no.clone())
                .collect();
            nos.sort();
            (f.rule, nos)
        })
        .collect()
}

fn sorted(mut nos: Vec<String>) -> Vec<String> {
    nos.sort();
    nos
}

both!(every_rule_finds_its_planted_case, |app| {
    let lanshan = app.registrar("reg-lanshan").await;
    let luozhuang = registrar_of(&app, "reg-luozhuang", "371311").await;
    let hedong = registrar_of(&app, "reg-hedong", "371312").await;
    let mut expected: BTreeMap<Rule, Vec<String>> = BTreeMap::new();

    // Lanshan gets nine contracts in 2025, too few for the concentration rule (which would
    // otherwise see the split contracts' seller there).
    // 1. duplicate: the same contract registered twice.
    let d1 = book(
        &app,
        &lanshan,
        transfer(1, 2, "100000.00", "80000.00"),
        "2025-03-01",
        "2025-03-05",
    )
    .await;
    let d2 = book(
        &app,
        &lanshan,
        transfer(1, 2, "100000.00", "80000.00"),
        "2025-03-01",
        "2025-03-20",
    )
    .await;
    expected.insert(Rule::Duplicate, sorted(vec![d1.0.clone(), d2.0]));

    // 2. splitting: three contracts 4.6–4.9 million yuan of technical amount within 19 days.
    let mut split = Vec::new();
    for (technical, signed) in [
        ("4600000.00", "2025-04-01"),
        ("4999999.99", "2025-04-10"),
        ("4500000.00", "2025-04-20"),
    ] {
        split.push(
            book(
                &app,
                &lanshan,
                transfer(3, 4, "5200000.00", technical),
                signed,
                "2025-04-25",
            )
            .await
            .0,
        );
    }
    expected.insert(Rule::Splitting, sorted(split));

    // 3. round trip: 5 → 6 and 6 → 5, 6.7 % apart.
    let r1 = book(
        &app,
        &lanshan,
        transfer(5, 6, "300000.00", "200000.00"),
        "2025-05-01",
        "2025-05-03",
    )
    .await;
    let r2 = book(
        &app,
        &lanshan,
        transfer(6, 5, "280000.00", "200000.00"),
        "2025-06-01",
        "2025-06-03",
    )
    .await;
    expected.insert(Rule::RoundTrip, sorted(vec![r1.0, r2.0]));

    // 5. late registration: 383 days after signing.
    let late = book(
        &app,
        &lanshan,
        transfer(9, 10, "50000.00", "40000.00"),
        "2024-01-15",
        "2025-02-01",
    )
    .await;
    expected.insert(Rule::LateRegistration, vec![late.0]);

    // 7. full technical: a 2-million development contract, all of it technical.
    let full = book(
        &app,
        &lanshan,
        contract(11, 12, "2000000.00", "2000000.00"),
        "2025-07-01",
        "2025-07-02",
    )
    .await;
    expected.insert(Rule::FullTechnical, vec![full.0]);

    // 4. year-end surge in Luozhuang: December made 25 % of 2024, and 60 % of 2025.
    for (n, month) in [(30u32, "03"), (32, "06"), (34, "09"), (36, "12")] {
        let day = format!("2024-{month}-10");
        book(
            &app,
            &luozhuang,
            transfer(n, n + 1, "100000.00", "80000.00"),
            &day,
            &day,
        )
        .await;
    }
    let mut december = Vec::new();
    for (n, month) in [
        (40u32, "06"),
        (42, "07"),
        (44, "12"),
        (46, "12"),
        (48, "12"),
    ] {
        let day = format!("2025-{month}-10");
        let booked = book(
            &app,
            &luozhuang,
            transfer(n, n + 1, "100000.00", "80000.00"),
            &day,
            &day,
        )
        .await;
        if month == "12" {
            december.push(booked.0);
        }
    }
    expected.insert(Rule::YearEndSurge, sorted(december));

    // 6. concentration in Hedong: party 60 sells 6 of its 10 contracts of equal amounts.
    let mut concentrated = Vec::new();
    for k in 0..10u32 {
        let seller = if k < 6 { 60 } else { 70 + k };
        let day = format!("2025-{:02}-05", k + 2);
        let booked = book(
            &app,
            &hedong,
            transfer(seller, 80 + k, "100000.00", "80000.00"),
            &day,
            &day,
        )
        .await;
        if k < 6 {
            concentrated.push(booked.0);
        }
    }
    expected.insert(Rule::Concentration, sorted(concentrated));

    let findings = evaluate(&app);
    let found = summary(&findings);
    let wanted: Vec<(Rule, Vec<String>)> = expected.into_iter().collect();
    assert_eq!(found, wanted, "{findings:#?}");

    // The findings carry titles, names, offices and the numbers that explain them.
    let duplicate = &findings[0];
    assert_eq!(duplicate.severity, Severity::High);
    assert_eq!(duplicate.office.as_deref(), Some("371302"));
    assert_eq!(duplicate.contracts[0].title, "技术开发合同 1-2");
    assert_eq!(duplicate.contracts[0].amount, "100000.00");
    assert_eq!(duplicate.contracts[0].signed_on, date("2025-03-01"));
    assert_eq!(duplicate.parties[0].name, "测试企业1有限公司");
    assert_eq!(duplicate.parties[0].role, PartyRole::Seller);
    assert_eq!(duplicate.parties[1].name, "测试企业2有限公司");
    let surge = findings
        .iter()
        .find(|f| f.rule == Rule::YearEndSurge)
        .expect("surge");
    assert_eq!(surge.office.as_deref(), Some("371311"));
    assert_eq!(surge.contract_count, 3);
    assert!(surge.detail_en.contains("(60.0 %)"), "{}", surge.detail_en);
    assert!(
        surge.detail_en.contains("(2024) December made 25.0 %"),
        "{}",
        surge.detail_en
    );
    let concentration = findings
        .iter()
        .find(|f| f.rule == Rule::Concentration)
        .expect("concentration");
    assert_eq!(concentration.office.as_deref(), Some("371312"));
    assert_eq!(concentration.parties[0].name, "测试企业60有限公司");
    assert_eq!(concentration.parties[0].role, PartyRole::Seller);
    let late_finding = findings
        .iter()
        .find(|f| f.rule == Rule::LateRegistration)
        .expect("late");
    assert!(
        late_finding.detail_en.contains("383 days later"),
        "{}",
        late_finding.detail_en
    );

    // One rule at a time gives the same finding.
    let mut conn = app.connect();
    let only = anomalies::evaluate(
        &mut conn,
        YEAR,
        &[Rule::Duplicate],
        &app.config.anomalies,
        app.config.ledger.large_contract_threshold,
    )
    .expect("evaluation runs");
    assert_eq!(only, vec![findings[0].clone()]);

    // Voiding one of the duplicates leaves nothing to report for that rule.
    run(
        &app,
        &lanshan,
        Command::VoidContract {
            id: d1.1,
            reason: "登记重复".into(),
        },
    )
    .await;
    let after = evaluate(&app);
    assert!(
        after.iter().all(|f| f.rule != Rule::Duplicate),
        "{after:#?}"
    );
    assert_eq!(after.len(), findings.len() - 1);
});

both!(clean_data_and_near_misses_give_no_finding, |app| {
    let lanshan = app.registrar("reg-lanshan").await;
    let luozhuang = registrar_of(&app, "reg-luozhuang", "371311").await;

    // Ordinary contracts through the year, distinct parties and amounts.
    for k in 0..10u32 {
        let amount = format!("{}.00", 100_000 + k * 7_919);
        let day = format!("2025-{:02}-{:02}", k + 1, k + 3);
        book(
            &app,
            &lanshan,
            transfer(100 + k, 200 + k, &amount, "50000.00"),
            &day,
            &day,
        )
        .await;
    }
    // Duplicate near miss: one day apart; and one fen apart.
    book(
        &app,
        &lanshan,
        transfer(1, 2, "100000.00", "80000.00"),
        "2025-03-01",
        "2025-03-05",
    )
    .await;
    book(
        &app,
        &lanshan,
        transfer(1, 2, "100000.00", "80000.00"),
        "2025-03-02",
        "2025-03-05",
    )
    .await;
    book(
        &app,
        &lanshan,
        transfer(1, 2, "100000.01", "80000.00"),
        "2025-03-01",
        "2025-03-05",
    )
    .await;
    // Splitting near misses: 31 days from first to last; and only two in the window.
    for signed in ["2025-04-01", "2025-04-10", "2025-05-02"] {
        book(
            &app,
            &luozhuang,
            transfer(3, 4, "5200000.00", "4600000.00"),
            signed,
            "2025-05-03",
        )
        .await;
    }
    // Round trip near miss: amounts 21 % apart.
    book(
        &app,
        &luozhuang,
        transfer(5, 6, "100000.00", "50000.00"),
        "2025-05-01",
        "2025-05-03",
    )
    .await;
    book(
        &app,
        &luozhuang,
        transfer(6, 5, "79000.00", "50000.00"),
        "2025-06-01",
        "2025-06-03",
    )
    .await;
    // Late registration near miss: exactly 365 days after signing.
    book(
        &app,
        &luozhuang,
        transfer(9, 10, "50000.00", "40000.00"),
        "2024-02-01",
        "2025-01-31",
    )
    .await;
    // Full technical near misses: one fen of non-technical cost; and a transfer at 100 %.
    book(
        &app,
        &luozhuang,
        contract(11, 12, "2000000.00", "1999999.99"),
        "2025-07-01",
        "2025-07-02",
    )
    .await;
    book(
        &app,
        &luozhuang,
        transfer(13, 14, "2000000.00", "2000000.00"),
        "2025-07-01",
        "2025-07-02",
    )
    .await;
    // A duplicate of 2024 only (not this year's).
    book(
        &app,
        &luozhuang,
        transfer(15, 16, "60000.00", "50000.00"),
        "2024-05-01",
        "2024-05-02",
    )
    .await;
    book(
        &app,
        &luozhuang,
        transfer(15, 16, "60000.00", "50000.00"),
        "2024-05-01",
        "2024-05-03",
    )
    .await;

    let findings = evaluate(&app);
    assert_eq!(summary(&findings), vec![], "{findings:#?}");

    // The same near misses with one parameter moved just enough are found, so the clean
    // result above is not an accident of the data.
    let mut loose = app.config.anomalies.clone();
    loose.split_window_days = 31;
    loose.round_trip_amount_tolerance_percent = 21;
    loose.late_registration_days = 364;
    let mut conn = app.connect();
    let found = anomalies::evaluate(
        &mut conn,
        YEAR,
        Rule::ALL,
        &loose,
        app.config.ledger.large_contract_threshold,
    )
    .expect("evaluation runs");
    let rules: Vec<Rule> = found.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        vec![Rule::Splitting, Rule::RoundTrip, Rule::LateRegistration],
        "{found:#?}"
    );
});

both!(findings_of_other_years_stay_out, |app| {
    let lanshan = app.registrar("reg-lanshan").await;
    // A duplicate registered across the turn of the year is 2025's finding, not 2024's.
    let a = book(
        &app,
        &lanshan,
        transfer(1, 2, "100000.00", "80000.00"),
        "2024-12-20",
        "2024-12-21",
    )
    .await;
    let b = book(
        &app,
        &lanshan,
        transfer(1, 2, "100000.00", "80000.00"),
        "2024-12-20",
        "2025-01-04",
    )
    .await;
    let threshold = app.config.ledger.large_contract_threshold;
    let mut conn = app.connect();
    let in_2024 = anomalies::evaluate(
        &mut conn,
        2024,
        &[Rule::Duplicate],
        &app.config.anomalies,
        threshold,
    )
    .expect("evaluation runs");
    assert_eq!(in_2024, vec![]);
    let in_2025 = evaluate(&app);
    assert_eq!(
        summary(&in_2025),
        vec![(Rule::Duplicate, sorted(vec![a.0, b.0]))]
    );
    assert!(
        in_2025[0].detail_en.contains("registered in 2024, 2025"),
        "{}",
        in_2025[0].detail_en
    );
    let in_2026 = anomalies::evaluate(&mut conn, 2026, Rule::ALL, &app.config.anomalies, threshold)
        .expect("evaluation runs");
    assert_eq!(in_2026, vec![]);
});
