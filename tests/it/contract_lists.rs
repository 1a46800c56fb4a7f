//! The contract list's totals and pages (issue 17): for any filter the count and the two amount
//! sums over every matching contract, exact; pages that visit every row once in either order;
//! bad page parameters refused naming the field.

use std::collections::{BTreeMap, BTreeSet};

use rocket::http::Status;
use serde_json::Value;
use techledger::domain::{ContractType, Money, OfficeCode, Role, Subtype};
use techledger::ledger::Command;

use crate::both;
use crate::support::*;

/// A yuan string of the API ("1234.50", "-0.01") as fen, exactly.
fn fen(yuan: &str) -> i128 {
    let (sign, digits) = match yuan.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, yuan),
    };
    let (whole, frac) = digits.split_once('.').expect("two decimals");
    assert_eq!(frac.len(), 2, "{yuan}");
    sign * (whole.parse::<i128>().expect("whole") * 100 + frac.parse::<i128>().expect("fen"))
}

/// What the test registered, to add up independently of the API.
#[derive(Debug, Clone)]
struct Registered {
    office: &'static str,
    contract_type: &'static str,
    status: String,
    title: String,
    signed_on: &'static str,
    contract_fen: i128,
    technical_fen: i128,
}

/// Every page of `/api/v1/contracts?{filter}` at `limit`: the ids in order, and the totals,
/// checked to be the same on every page.
async fn walk(app: &TestApp, token: &str, filter: &str, limit: u32) -> (Vec<String>, Value) {
    let mut ids = Vec::new();
    let mut totals: Option<Value> = None;
    let mut after: Option<String> = None;
    let mut item_sums = (0i128, 0i128);
    for _ in 0..1000 {
        let mut path = format!("/api/v1/contracts?limit={limit}");
        if !filter.is_empty() {
            path.push('&');
            path.push_str(filter);
        }
        if let Some(a) = &after {
            path.push_str(&format!("&after={a}"));
        }
        let (s, page) = app.get(&path, Some(token)).await;
        assert_eq!(s, Status::Ok, "{path}: {page}");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= limit as usize, "{path}");
        for c in items {
            ids.push(c["id"].as_str().expect("id").to_string());
            item_sums.0 += fen(c["contract_amount"].as_str().expect("amount"));
            item_sums.1 += fen(c["technical_amount"].as_str().expect("amount"));
        }
        match &totals {
            None => totals = Some(page["totals"].clone()),
            Some(t) => assert_eq!(t, &page["totals"], "{path}: the totals of every page agree"),
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => {
                let totals = totals.expect("a page");
                // The pages add up to the totals.
                assert_eq!(
                    (
                        fen(totals["contract_amount"].as_str().expect("sum")),
                        fen(totals["technical_amount"].as_str().expect("sum"))
                    ),
                    item_sums,
                    "{filter} at {limit}"
                );
                return (ids, totals);
            }
        }
    }
    panic!("{filter}: no last page after 1000 pages");
}

both!(
    list_totals_equal_a_brute_force_sum_and_pages_cover_every_row_once,
    |app| {
        let lanshan = app.registrar("reg1").await;
        let hedong = app
            .user(
                "reg2",
                Role::Registrar,
                Some(OfficeCode::parse("371312").expect("office")),
            )
            .await;
        // Amounts past 2^32 fen (42,949,672.96 yuan) use both halves of the split sums; those
        // at or above the large-contract threshold wait as pending and are listed too.
        let plan: [(&TestUser, &str, &str, &str, &str); 14] = [
            (&lanshan, "development", "100.00", "50.00", "2026-01-05"),
            (&lanshan, "development", "0.01", "0.01", "2026-02-10"),
            (
                &lanshan,
                "consulting",
                "999999999999.99",
                "4999999.99",
                "2026-02-11",
            ),
            (
                &lanshan,
                "consulting",
                "42949672.96",
                "42949672.95",
                "2026-02-12",
            ),
            (
                &lanshan,
                "development",
                "123456789.01",
                "23456789.01",
                "2026-03-01",
            ),
            (&lanshan, "service", "77777.77", "7777.77", "2026-03-02"),
            (
                &lanshan,
                "development",
                "4294967.29",
                "4294967.29",
                "2026-03-03",
            ),
            (
                &hedong,
                "development",
                "888888888888.88",
                "1.00",
                "2026-01-20",
            ),
            (&hedong, "consulting", "3.33", "3.33", "2026-02-14"),
            (
                &hedong,
                "service",
                "600000000.00",
                "4000000.00",
                "2026-02-15",
            ),
            (
                &hedong,
                "development",
                "5000000.00",
                "5000000.00",
                "2026-02-16",
            ),
            (&hedong, "development", "10.10", "10.10", "2026-02-17"),
            (&hedong, "service", "1000.00", "999.99", "2026-03-04"),
            (&hedong, "consulting", "0.99", "0.98", "2026-03-05"),
        ];
        let mut registered: BTreeMap<String, Registered> = BTreeMap::new();
        for (i, (user, kind, amount, technical, signed)) in plan.into_iter().enumerate() {
            let n = i as u32;
            let mut c = contract(300 + n, 400 + n, amount, technical);
            c.contract_type = ContractType::from_code(kind).expect("type");
            c.subtype = (kind == "development")
                .then(|| Subtype::parse(ContractType::Development, "commissioned").expect("st"));
            c.title = format!("合计测试合同{i:02}");
            c.signed_on = chrono::NaiveDate::parse_from_str(signed, "%Y-%m-%d").expect("date");
            let outcome = run(&app, user, Command::RegisterContract(c)).await;
            let id = outcome.body["id"].as_str().expect("id").to_string();
            registered.insert(
                id,
                Registered {
                    office: user.actor.office.expect("office").code(),
                    contract_type: kind,
                    status: outcome.body["status"].as_str().expect("status").to_string(),
                    title: format!("合计测试合同{i:02}"),
                    signed_on: signed,
                    contract_fen: fen(&Money::parse(amount).expect("amount").to_string()),
                    technical_fen: fen(&Money::parse(technical).expect("amount").to_string()),
                },
            );
        }
        // One voided contract: listed under its status, counted in the totals of a list that
        // shows it (the list's totals are of the rows it lists, whatever their status).
        let voided = registered
            .iter()
            .find(|(_, r)| r.status == "registered" && r.contract_type == "service")
            .map(|(id, _)| id.clone())
            .expect("a registered service contract");
        let office = registered[&voided].office;
        let voider = if office == "371302" {
            &lanshan
        } else {
            &hedong
        };
        run(
            &app,
            voider,
            Command::VoidContract {
                id: voided.clone(),
                reason: "测试作废".into(),
            },
        )
        .await;
        if let Some(r) = registered.get_mut(&voided) {
            r.status = "voided".into();
        }
        assert!(registered.values().any(|r| r.status == "pending"));

        type Keep = fn(&Registered) -> bool;
        let filters: [(&str, Keep); 9] = [
            ("", |_| true),
            ("office=371312", |r| r.office == "371312"),
            ("contract_type=consulting", |r| {
                r.contract_type == "consulting"
            }),
            ("status=pending", |r| r.status == "pending"),
            ("status=registered&office=371302", |r| {
                r.status == "registered" && r.office == "371302"
            }),
            ("status=voided", |r| r.status == "voided"),
            ("signed_from=2026-02-11&signed_to=2026-02-16", |r| {
                ("2026-02-11"..="2026-02-16").contains(&r.signed_on)
            }),
            // 合计测试合同1 (titles 10–13).
            (
                "q=%E5%90%88%E8%AE%A1%E6%B5%8B%E8%AF%95%E5%90%88%E5%90%8C1",
                |r| r.title.starts_with("合计测试合同1"),
            ),
            ("contract_type=service&status=refused", |_| false),
        ];
        for (filter, keep) in filters {
            let expected: BTreeMap<&String, &Registered> =
                registered.iter().filter(|(_, r)| keep(r)).collect();
            let count = expected.len() as i64;
            let contract_sum: i128 = expected.values().map(|r| r.contract_fen).sum();
            let technical_sum: i128 = expected.values().map(|r| r.technical_fen).sum();
            let expected_ids: BTreeSet<String> = expected.keys().map(|id| id.to_string()).collect();
            for sort in ["", "&sort=amount_desc"] {
                for limit in [1, 3, 500] {
                    let query = format!("{filter}{sort}");
                    let query = query.trim_start_matches('&');
                    let (ids, totals) = walk(&app, &lanshan.token, query, limit).await;
                    let unique: BTreeSet<String> = ids.iter().cloned().collect();
                    assert_eq!(unique.len(), ids.len(), "{query} at {limit}: a row twice");
                    assert_eq!(unique, expected_ids, "{query} at {limit}: every row once");
                    assert_eq!(totals["count"], count, "{query}");
                    assert_eq!(
                        fen(totals["contract_amount"].as_str().expect("sum")),
                        contract_sum,
                        "{query}"
                    );
                    assert_eq!(
                        fen(totals["technical_amount"].as_str().expect("sum")),
                        technical_sum,
                        "{query}"
                    );
                }
            }
        }
        // The whole list, written out: past what 64-bit yuan-with-decimals code would round.
        let (_, all) = walk(&app, &hedong.token, "", 500).await;
        assert_eq!(all["count"], 14);
        assert_eq!(all["contract_amount"], "1889664669210.33");
        assert_eq!(all["technical_amount"], "84710272.42");
        // An official reads the same totals.
        let official = app.user("off1", Role::Official, None).await;
        let (_, same) = walk(&app, &official.token, "", 7).await;
        assert_eq!(same, all);
    }
);

both!(bad_page_parameters_are_refused_naming_the_field, |app| {
    let reg = app.registrar("reg1").await;
    let outcome = run(
        &app,
        &reg,
        Command::RegisterContract(contract(1, 2, "100.00", "10.00")),
    )
    .await;
    let id = outcome.body["id"].as_str().expect("id").to_string();
    let cases = [
        ("limit=0".to_string(), "limit"),
        ("limit=501".to_string(), "limit"),
        ("limit=abc".to_string(), "limit"),
        ("limit=-1".to_string(), "limit"),
        ("limit=1.5".to_string(), "limit"),
        ("after=not-a-cursor".to_string(), "after"),
        ("after=%27%20OR%201%3D1".to_string(), "after"),
        // A cursor of the other order.
        ("sort=amount_desc&after=".to_string() + &id, "after"),
        (format!("sort=amount_desc&after=-5:{id}"), "after"),
        (format!("sort=amount_desc&after=x:{id}"), "after"),
        ("sort=amount_desc&after=100:nope".to_string(), "after"),
        (format!("after=10000:{id}"), "after"),
        ("sort=largest".to_string(), "sort"),
    ];
    for (query, field) in cases {
        let path = format!("/api/v1/contracts?{query}");
        let res = app
            .client
            .get(path.clone())
            .header(rocket::http::Header::new(
                "Authorization",
                format!("Bearer {}", reg.token),
            ))
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::UnprocessableEntity, "{path}");
        assert_eq!(
            res.content_type().map(|c| c.to_string()).as_deref(),
            Some("application/problem+json"),
            "{path}"
        );
        let problem: Value = res.into_json().await.expect("json");
        let named: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(named, vec![field], "{path}: {problem}");
    }
    // The cursors the list hands out are taken, in both orders.
    for sort in ["", "&sort=amount_desc"] {
        let (s, page) = app
            .get(
                &format!("/api/v1/contracts?limit=1{sort}"),
                Some(&reg.token),
            )
            .await;
        assert_eq!(s, Status::Ok);
        assert!(page["next"].is_null(), "one contract, one page");
        assert_eq!(page["totals"]["count"], 1);
        // The answer says which audit entry it reflects: here, the chain's head.
        assert_eq!(page["audit_seq"], app.head_seq(), "{page}");
        let cursor = match sort {
            "" => id.clone(),
            _ => format!("10000:{id}"),
        };
        let (s, page) = app
            .get(
                &format!("/api/v1/contracts?limit=1{sort}&after={cursor}"),
                Some(&reg.token),
            )
            .await;
        assert_eq!(s, Status::Ok, "{page}");
        assert_eq!(page["items"].as_array().expect("items").len(), 0);
        assert_eq!(
            page["totals"]["count"], 1,
            "the totals are of the filter, not the page"
        );
    }
});
