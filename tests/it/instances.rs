//! Two `techledger serve` processes on one PostgreSQL database, written to at once with
//! registrations, amendments and imports by registrars of two offices, for a bounded time.
//! Afterwards: one chain that verifies, registration numbers consecutive per office and year,
//! the summary's turnover equal to the sum of what every acknowledged write left, counted by
//! the clients themselves.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::server::*;
use crate::support::{credit_code, temp_dir};

/// What one client saw acknowledged: each contract's id → its contract amount in fen now.
type Ledger = HashMap<String, i64>;

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// A CSV file of `rows` contracts between new parties numbered from `first`.
fn csv_file(first: u32, amounts: &[i64]) -> Vec<u8> {
    let mut text = String::from(
        "合同名称,合同类型,合同子类型,卖方统一社会信用代码,卖方名称,卖方类型,卖方所在地区,\
买方统一社会信用代码,买方名称,买方类型,买方所在地区,签订日期,有效期至,合同成交额（元）,技术交易额（元）,技术领域,知识产权类型\r\n",
    );
    for (i, fen) in amounts.iter().enumerate() {
        let n = first + 2 * i as u32;
        text.push_str(&format!(
            "导入合同{n},技术开发,委托开发,{},导入卖方{n}有限公司,企业,310115,{},导入买方{n}有限公司,企业,371302,2026-03-01,2027-12-31,{},{},先进制造,专利\r\n",
            credit_code(n),
            credit_code(n + 1),
            yuan(*fen),
            yuan(*fen),
        ));
    }
    text.into_bytes()
}

/// One client: registers, amends its own contracts and imports small files on `port` until
/// `deadline`; returns what was acknowledged.
fn client(port: u16, token: &str, seed: u32, deadline: Instant) -> Ledger {
    let mut mine = Ledger::new();
    let mut ids: Vec<String> = Vec::new();
    let mut k: u32 = 0;
    while Instant::now() < deadline && k < 400 {
        k += 1;
        // Parties numbered apart per client and step: no registration repeats another.
        let n = seed * 100_000 + k * 10;
        match k % 7 {
            3 | 5 if !ids.is_empty() => {
                let id = &ids[(k as usize * 31) % ids.len()];
                let fen = 200_000 + i64::from(k) * 100 + i64::from(seed);
                let r = http(
                    port,
                    "POST",
                    &format!("/api/v1/contracts/{id}/amendments"),
                    Some(token),
                    Some(&json!({
                        "contract_amount": yuan(fen),
                        "technical_amount": yuan(fen),
                        "reason": "更正金额"
                    })),
                )
                .expect("amend");
                assert!(
                    r.status == 200 || r.status == 201,
                    "amendment: {} {}",
                    r.status,
                    r.body
                );
                mine.insert(id.clone(), fen);
            }
            6 => {
                let amounts = [300_000 + i64::from(k), 310_000 + i64::from(seed), 320_000];
                let r = http_raw(
                    port,
                    "POST",
                    "/api/v1/imports?dry_run=false",
                    Some(token),
                    "text/csv",
                    &csv_file(n, &amounts),
                )
                .expect("import");
                assert!(
                    r.status == 200 || r.status == 201,
                    "import: {} {}",
                    r.status,
                    r.body
                );
                let created = r.body["contracts"].as_array().expect("contracts");
                assert_eq!(created.len(), amounts.len(), "{}", r.body);
                for (id, fen) in created.iter().zip(amounts) {
                    let id = id.as_str().expect("id").to_string();
                    mine.insert(id.clone(), fen);
                    ids.push(id);
                }
            }
            _ => {
                let fen = 100_000 + i64::from(k);
                let r = http(
                    port,
                    "POST",
                    "/api/v1/contracts",
                    Some(token),
                    Some(&registration_of(n, fen)),
                )
                .expect("register");
                assert_eq!(r.status, 201, "registration: {}", r.body);
                let id = r.body["id"].as_str().expect("id").to_string();
                mine.insert(id.clone(), fen);
                ids.push(id);
            }
        }
    }
    mine
}

fn registration_of(n: u32, fen: i64) -> serde_json::Value {
    let mut body = registration(n, &yuan(fen));
    body["title"] = json!(format!("多实例合同 {n}"));
    body
}

#[test]
fn two_instances_on_one_postgres_database() {
    let Some(db) = Database::postgres() else {
        return;
    };
    let dir = temp_dir();
    // One data directory: every instance signs with the chain's one key.
    let data_dir = dir.join("data");
    add_registrar_of(&db.url, &data_dir, "lanshan", "371302");
    add_registrar_of(&db.url, &data_dir, "luozhuang", "371311");
    add_user(&db.url, &data_dir, "official", "official", None);
    let a = Server::start(&db.url, &data_dir);
    let b = Server::start(&db.url, &data_dir);
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut clients = Vec::new();
    for (seed, (server, user)) in [
        (&a, "lanshan"),
        (&b, "lanshan"),
        (&a, "luozhuang"),
        (&b, "luozhuang"),
    ]
    .into_iter()
    .enumerate()
    {
        let (port, token) = (server.port, server.login(user));
        clients.push(std::thread::spawn(move || {
            client(port, &token, seed as u32 + 1, deadline)
        }));
    }
    let mut expected = Ledger::new();
    for c in clients {
        expected.extend(c.join().expect("a client"));
    }
    assert!(
        expected.len() > 20,
        "only {} contracts were written",
        expected.len()
    );

    // Registration numbers: consecutive from 1 in every office and year.
    let official = a.login("official");
    let mut numbers: BTreeMap<(String, String), Vec<u32>> = BTreeMap::new();
    let mut year = String::new();
    for id in expected.keys() {
        let r = a
            .request(
                "GET",
                &format!("/api/v1/contracts/{id}"),
                Some(&official),
                None,
            )
            .expect("read");
        assert_eq!(r.status, 200, "{}", r.body);
        let no = r.body["registration_no"]
            .as_str()
            .expect("a number")
            .to_string();
        assert_eq!(no.len(), 16, "{no}");
        year = no[..4].to_string();
        numbers
            .entry((no[..4].to_string(), no[4..10].to_string()))
            .or_default()
            .push(no[10..].parse().expect("serial"));
    }
    assert_eq!(numbers.len(), 2, "{numbers:?}");
    for ((year, office), mut serials) in numbers {
        serials.sort_unstable();
        let expected_serials: Vec<u32> = (1..=serials.len() as u32).collect();
        assert_eq!(serials, expected_serials, "numbers of {office} in {year}");
    }

    // Totals: what the clients were acknowledged, summed by brute force.
    let total: i64 = expected.values().sum();
    for server in [&a, &b] {
        let r = server
            .request(
                "GET",
                &format!("/api/v1/stats/summary?year={year}"),
                Some(&official),
                None,
            )
            .expect("summary");
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["turnover"], yuan(total).as_str(), "{}", r.body);
        assert_eq!(r.body["contracts"], expected.len(), "{}", r.body);
    }
    drop((a, b));
    let (ok, out) = verify(&db.url, &data_dir);
    assert!(ok, "after two instances wrote: {out}");
}
