//! `techledger demo` on both backends: the numbers asked for, every status, planted cases, a
//! chain that verifies and reconciles, the same data for the same seed, and a second run that
//! adds data.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use diesel::prelude::*;
use techledger::app::Services;
use techledger::audit::keys::{KeyPurpose, KeyStore};
use techledger::db::schema::{audit_entries, contracts, parties, reviews, users};
use techledger::db::{Backend, Db};
use techledger::demo::{self, DemoOptions, DemoReport};
use techledger::domain::{CreditCode, RegionCode};

use crate::both;
use crate::support::*;

/// The services `demo::run` needs, on the test app's database and writer.
fn services(app: &TestApp) -> Services {
    let config = app.config.clone();
    let pool = techledger::db::connect(&config.database_url, 2).expect("pool");
    let keys = KeyStore::open(&config.data_dir).expect("keys");
    let tokens = techledger::auth::TokenIssuer::new(
        keys.current_or_create(KeyPurpose::Token).expect("key"),
        &config.auth,
    );
    let db = Db::new(pool, app.backend);
    Services {
        read: techledger::app::ReadDb(db.clone()),
        db,
        ledger: app.ledger.clone(),
        tokens,
        passwords: Arc::new(techledger::auth::Passwords::new(64, 1).expect("passwords")),
        keys,
        config: Arc::new(config),
    }
}

fn options(contracts: u64, seed: u64) -> DemoOptions {
    DemoOptions {
        contracts,
        seed,
        years: DemoOptions::default_years(),
        progress: false,
        force: false,
    }
}

async fn run_demo(app: &TestApp, options: DemoOptions) -> DemoReport {
    let services = services(app);
    rocket::tokio::task::spawn_blocking(move || demo::run(&services, &options))
        .await
        .expect("demo task")
        .expect("the demo runs")
}

/// A second fresh app on the same backend as `app`.
async fn fresh_like(app: &TestApp) -> TestApp {
    match app.backend {
        Backend::Sqlite => TestApp::sqlite().await,
        Backend::Postgres => TestApp::postgres().await.expect("postgres"),
    }
}

/// (registration order) title, contract amount, signing date, office, registration number.
type Row = (String, i64, NaiveDate, String, Option<String>);

/// The contracts in the order they were registered (the audit chain's order).
fn registered_sequence(app: &TestApp) -> Vec<Row> {
    let mut conn = app.connect();
    let order: Vec<String> = audit_entries::table
        .filter(audit_entries::action.eq("contract.register"))
        .order(audit_entries::seq.asc())
        .select(audit_entries::entity_id)
        .load(&mut conn)
        .expect("register entries");
    let rows: Vec<(String, String, i64, NaiveDate, String, Option<String>)> = contracts::table
        .select((
            contracts::id,
            contracts::title,
            contracts::contract_amount_fen,
            contracts::signed_on,
            contracts::office,
            contracts::registration_no,
        ))
        .load(&mut conn)
        .expect("contracts");
    let by_id: HashMap<String, Row> = rows
        .into_iter()
        .map(|(id, t, a, s, o, n)| (id, (t, a, s, o, n)))
        .collect();
    order.iter().map(|id| by_id[id].clone()).collect()
}

fn count_by(app: &TestApp, column: &str) -> BTreeMap<String, i64> {
    let mut conn = app.connect();
    let values: Vec<String> = match column {
        "status" => contracts::table.select(contracts::status).load(&mut conn),
        "review" => contracts::table.select(contracts::review).load(&mut conn),
        "contract_type" => contracts::table
            .select(contracts::contract_type)
            .load(&mut conn),
        "flow" => contracts::table.select(contracts::flow).load(&mut conn),
        other => panic!("column {other}"),
    }
    .expect("column");
    let mut counts = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_insert(0) += 1;
    }
    counts
}

both!(
    demo_writes_the_contracts_asked_for_with_every_status_and_a_verifying_chain,
    |app| {
        let report = run_demo(&app, options(300, 7)).await;
        assert_eq!(report.contracts, 300, "{report}");
        assert_eq!(report.users, 32);
        assert!(
            report.password.is_some(),
            "a generated password is reported once"
        );
        assert!(report.parties >= 50);
        assert!(
            report.pending_approved >= 1 && report.pending_refused >= 1 && report.pending_left >= 1,
            "{report}"
        );
        assert!(
            report.amended >= 1
                && report.voided >= 1
                && report.reviewed >= 2
                && report.disputed >= 1,
            "{report}"
        );

        let mut conn = app.connect();
        let total: i64 = contracts::table
            .count()
            .get_result(&mut conn)
            .expect("count");
        assert_eq!(total, 300);
        let statuses = count_by(&app, "status");
        for status in ["registered", "pending", "refused", "voided"] {
            assert!(
                statuses.get(status).copied().unwrap_or(0) > 0,
                "no {status} contract: {statuses:?}"
            );
        }
        assert_eq!(statuses["pending"], report.pending_left as i64);
        assert_eq!(statuses["refused"], report.pending_refused as i64);
        assert_eq!(statuses["voided"], report.voided as i64);
        let reviews_states = count_by(&app, "review");
        assert!(
            reviews_states.contains_key("confirmed") && reviews_states.contains_key("disputed"),
            "{reviews_states:?}"
        );
        let review_rows: i64 = reviews::table
            .count()
            .get_result(&mut conn)
            .expect("reviews");
        assert_eq!(review_rows, report.reviewed as i64);
        let types = count_by(&app, "contract_type");
        assert!(
            types["service"] > types.get("licensing").copied().unwrap_or(0),
            "{types:?}"
        );
        let flows = count_by(&app, "flow");
        assert!(
            flows.contains_key("local")
                && flows.contains_key("inflow")
                && flows.contains_key("outflow"),
            "{flows:?}"
        );

        // Registered contracts carry a number, pending and refused ones none; numbers are unique.
        let numbered: Vec<(String, Option<String>)> = contracts::table
            .select((contracts::status, contracts::registration_no))
            .load(&mut conn)
            .expect("numbers");
        let mut seen = std::collections::HashSet::new();
        for (status, no) in &numbered {
            match status.as_str() {
                "pending" | "refused" => assert!(no.is_none()),
                _ => assert!(seen.insert(no.clone().expect("a registered contract has a number"))),
            }
        }
        // Registrations lie in the past, after signing.
        let now = techledger::time::now();
        let dates: Vec<(NaiveDate, Option<chrono::NaiveDateTime>)> = contracts::table
            .select((contracts::signed_on, contracts::registered_at))
            .load(&mut conn)
            .expect("dates");
        for (signed, registered) in dates {
            if let Some(at) = registered {
                assert!(at <= now && at.date() >= signed);
            }
        }

        // Every large contract that stands was approved by a second registrar, the historical
        // ones too (as real ones were), and registration never precedes the signing.
        let threshold = app.config.ledger.large_contract_threshold.fen();
        let large: Vec<(String, Option<String>)> = contracts::table
            .filter(contracts::technical_amount_fen.ge(threshold))
            .filter(contracts::status.eq_any(["registered", "voided"]))
            .select((contracts::created_by, contracts::approved_by))
            .load(&mut conn)
            .expect("large contracts");
        assert!(large.len() >= 5, "{}", large.len());
        for (created_by, approved_by) in &large {
            let approver = approved_by
                .as_ref()
                .expect("a large contract names its approver");
            assert_ne!(approver, created_by, "approved by a second registrar");
        }

        // Parties: valid credit codes with their own region, real regions.
        let rows: Vec<(Option<String>, String, String)> = parties::table
            .select((parties::credit_code, parties::region, parties::kind))
            .load(&mut conn)
            .expect("parties");
        assert_eq!(rows.len() as u64, report.parties);
        for (code, region, kind) in &rows {
            let region = RegionCode::parse(region).expect("a real region");
            match code {
                Some(code) => {
                    let code = CreditCode::parse(code).expect("a valid credit code");
                    assert_eq!(code.registering_region(), region.as_str());
                }
                None => assert!(kind == "individual" || region.is_abroad()),
            }
        }
        let linyi = rows
            .iter()
            .filter(|(_, r, _)| r.starts_with("3713"))
            .count();
        assert!(linyi * 2 > rows.len(), "most parties are in Linyi");

        // One planted case of each rule, naming contracts that exist.
        let rules: std::collections::BTreeSet<&str> =
            report.planted.iter().map(|(r, _)| *r).collect();
        assert_eq!(
            rules.into_iter().collect::<Vec<_>>(),
            [
                "concentration",
                "duplicate",
                "full_technical",
                "late_registration",
                "round_trip",
                "splitting",
                "year_end_surge"
            ]
        );
        for (rule, ids) in &report.planted {
            assert!(!ids.is_empty(), "{rule}");
            let found: i64 = contracts::table
                .filter(contracts::id.eq_any(ids))
                .count()
                .get_result(&mut conn)
                .expect("ids");
            assert_eq!(found, ids.len() as i64, "{rule}");
        }

        let demo_users: i64 = users::table
            .filter(users::username.like("demo-%"))
            .count()
            .get_result(&mut conn)
            .expect("users");
        assert_eq!(demo_users, 32);

        let verification = verify(&app);
        assert!(verification.ok, "{verification:?}");
    }
);

both!(
    the_same_seed_gives_the_same_contracts_on_a_fresh_database,
    |app| {
        let first = run_demo(&app, options(300, 42)).await;
        let other = fresh_like(&app).await;
        let second = run_demo(&other, options(300, 42)).await;
        assert_eq!(first.effective_seed, 42);
        assert_eq!(second.effective_seed, 42);
        let (a, b) = (registered_sequence(&app), registered_sequence(&other));
        assert_eq!(a.len(), 300);
        assert_eq!(
            a, b,
            "the same seed gives the same (title, amount, signing date, office, number) sequence"
        );
        assert_eq!(
            first
                .planted
                .iter()
                .map(|(r, ids)| (*r, ids.len()))
                .collect::<Vec<_>>(),
            second
                .planted
                .iter()
                .map(|(r, ids)| (*r, ids.len()))
                .collect::<Vec<_>>()
        );
        let third = fresh_like(&app).await;
        run_demo(&third, options(300, 43)).await;
        assert_ne!(
            registered_sequence(&third),
            a,
            "another seed gives other data"
        );
    }
);

both!(a_database_with_contracts_is_refused_without_force, |app| {
    run_demo(&app, options(20, 5)).await;
    let services = services(&app);
    let result = rocket::tokio::task::spawn_blocking(move || demo::run(&services, &options(10, 5)))
        .await
        .expect("demo task");
    match result {
        Err(demo::DemoError::NotEmpty(20)) => {}
        other => panic!("a second run without --force: {other:?}"),
    }
    let mut conn = app.connect();
    let total: i64 = contracts::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(total, 20, "nothing was added");
});

both!(a_second_run_adds_data_and_reuses_the_demo_users, |app| {
    let first = run_demo(&app, options(120, 5)).await;
    assert_eq!(first.users, 32);
    let second = run_demo(
        &app,
        DemoOptions {
            force: true,
            ..options(80, 5)
        },
    )
    .await;
    assert_eq!((second.users, second.users_reused), (0, 32));
    assert!(
        second.password.is_none(),
        "no new password when every user existed"
    );
    assert_ne!(
        second.effective_seed, 5,
        "the seed is mixed with what the database holds"
    );
    let mut conn = app.connect();
    let total: i64 = contracts::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(total, 200);
    let verification = verify(&app);
    assert!(verification.ok, "{verification:?}");
});

both!(a_demo_user_with_another_role_is_not_taken_over, |app| {
    app.user("demo-auditor", techledger::domain::Role::Official, None)
        .await;
    let services = services(&app);
    let result = rocket::tokio::task::spawn_blocking(move || demo::run(&services, &options(10, 1)))
        .await
        .expect("demo task");
    assert!(
        matches!(result, Err(demo::DemoError::UserConflict { .. })),
        "{result:?}"
    );
});

both!(
    the_auditors_rules_find_the_planted_cases_and_nothing_else,
    |app| {
        use std::collections::{BTreeSet, HashSet};
        use techledger::anomalies::{Rule, evaluate};
        let report = run_demo(&app, options(600, 11)).await;
        let mut planted: HashMap<&str, HashSet<String>> = HashMap::new();
        for (rule, ids) in &report.planted {
            planted
                .entry(*rule)
                .or_default()
                .extend(ids.iter().cloned());
        }
        let (config, threshold) = (
            app.config.anomalies.clone(),
            app.config.ledger.large_contract_threshold,
        );
        let mut conn = app.connect();
        let (first, last) = DemoOptions::default_years();
        let mut found = BTreeSet::new();
        for year in first..=last {
            for finding in
                evaluate(&mut conn, year, Rule::ALL, &config, threshold).expect("the rules run")
            {
                let rule = finding.rule.code();
                let ids = planted.get(rule).cloned().unwrap_or_default();
                let named: Vec<&str> = finding.contracts.iter().map(|c| c.id.as_str()).collect();
                if rule == "year_end_surge" {
                    // The surge lists the office's whole December, planted and clean.
                    assert!(
                        named.iter().any(|id| ids.contains(*id)),
                        "a surge nobody planted: {finding:?}"
                    );
                } else {
                    assert!(
                        named.iter().all(|id| ids.contains(*id)),
                        "a finding nobody planted: {finding:?}"
                    );
                }
                found.insert(rule);
            }
        }
        assert_eq!(
            found.len(),
            Rule::ALL.len(),
            "every rule finds its planted case: {found:?}"
        );
    }
);
