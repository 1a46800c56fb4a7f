//! Benchmark: registrations per second through the one write path at 1, 16 and 64 concurrent
//! writers, on SQLite and (with `TECHLEDGER_BENCH_PG_URL`) PostgreSQL, beside a baseline
//! measured in the same run: the same number of rows inserted by plain SQL, one transaction
//! each, with the same durability settings (for PostgreSQL also `bench/pgbench-insert.sh`).
//!
//! Each registration is a full `contract.register` command with two existing parties: the
//! contract row, its version, its amount entry, eight rollup rows, two party rollups, the
//! registration counter and one signed, hash-chained audit entry — in one transaction that may
//! be shared with other queued commands (group commit).
//!
//! Run: `cargo bench --bench write_path` — environment: `TECHLEDGER_BENCH_N` (registrations per
//! measurement, default 3000), `TECHLEDGER_BENCH_RUNS` (default 3; the median is reported),
//! `TECHLEDGER_BENCH_WRITERS` (default "1,16,64"), `TECHLEDGER_BENCH_KEYS` (set: every
//! registration carries an Idempotency-Key, as the pages send).

use std::error::Error;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use techledger::config::Config;
use techledger::db::{DatabaseUrl, DbConn};
use techledger::domain::*;
use techledger::ledger::{
    Actor, Command, IdempotencyKey, NewContract, NewParty, PartyRef, Principal, Request,
};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tl-bench-{tag}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).ok();
    dir
}

struct Target {
    name: &'static str,
    url: DatabaseUrl,
    dir: std::path::PathBuf,
    pg: Option<(String, String)>,
}

impl Target {
    fn sqlite() -> Target {
        let dir = temp_dir("sqlite");
        Target {
            name: "sqlite",
            url: DatabaseUrl::Sqlite(dir.join("bench.db")),
            dir,
            pg: None,
        }
    }

    fn postgres(admin: &str) -> Result<Target> {
        let name = format!("tl_bench_{}", uuid::Uuid::new_v4().simple());
        PgConnection::establish(admin)?.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
        Ok(Target {
            name: "postgres",
            url: format!("{base}/{name}").parse()?,
            dir: temp_dir("pg"),
            pg: Some((admin.to_string(), name)),
        })
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg
            && let Ok(mut c) = PgConnection::establish(admin)
        {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn code(n: u32) -> CreditCode {
    CreditCode::complete(&format!("91371300{n:08}")).expect("valid code")
}

/// Registrations/s with `writers` threads submitting `n` registrations in total.
fn ledger_rate(target: &Target, writers: usize, n: usize) -> Result<f64> {
    let mut config = Config {
        database_url: target.url.clone(),
        data_dir: temp_dir("data"),
        ..Config::default()
    };
    config.auth.argon2_memory_kib = 64;
    config.auth.argon2_iterations = 1;
    let services = techledger::app::open_without_bootstrap(config.clone())?;
    let ledger = &services.ledger;
    let username = format!("bench{}", uuid::Uuid::new_v4().simple());
    let user = ledger.execute_blocking(Request::new(
        Principal::System,
        Command::CreateUser(techledger::ledger::NewUser {
            username: username.clone(),
            display_name: "bench".into(),
            role: Role::Registrar,
            office: OfficeCode::parse("371302").ok(),
            password_hash: "x".into(),
        }),
    ))?;
    let actor = Actor {
        id: user.body["id"].as_str().unwrap_or_default().to_string(),
        username,
        role: Role::Registrar,
        office: OfficeCode::parse("371302").ok(),
    };
    let principal = Principal::User(actor);
    let seed = rand_code_base();
    let mut ids = Vec::new();
    for i in 0..2u32 {
        let party = NewParty {
            name: format!("基准企业{i}"),
            credit_code: Some(code(seed + i)),
            kind: PartyKind::Enterprise,
            region: RegionCode::parse(if i == 0 { "320102" } else { "371302" })?,
            nature_code: None,
            country: None,
        };
        let o = ledger
            .execute_blocking(Request::new(principal.clone(), Command::CreateParty(party)))?;
        ids.push(o.body["id"].as_str().unwrap_or_default().to_string());
    }
    let contract = NewContract {
        title: "基准合同".into(),
        contract_type: ContractType::Development,
        subtype: None,
        seller: PartyRef::Id(ids[0].clone()),
        buyer: PartyRef::Id(ids[1].clone()),
        signed_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).ok_or("date")?,
        valid_until: None,
        contract_amount: Money::parse("1250000.00")?,
        technical_amount: Money::parse("1000000.00")?,
        tech_field: TechField::AdvancedManufacturing,
        ip_type: IpType::Patent,
        registered_at: None,
    };
    let per_writer = n / writers;
    let with_keys = std::env::var_os("TECHLEDGER_BENCH_KEYS").is_some();
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..writers {
            let principal = principal.clone();
            let contract = contract.clone();
            s.spawn(move || {
                for _ in 0..per_writer {
                    let mut request = Request::new(
                        principal.clone(),
                        Command::RegisterContract(contract.clone()),
                    );
                    if with_keys {
                        // As the pages send them: a fresh key per registration.
                        request.idempotency = Some(IdempotencyKey {
                            key: uuid::Uuid::new_v4().to_string(),
                            request_hash: "0".repeat(64),
                        });
                    }
                    if let Err(e) = ledger.execute_blocking(request) {
                        eprintln!("registration failed: {e}");
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    Ok((per_writer * writers) as f64 / elapsed)
}

fn rand_code_base() -> u32 {
    (uuid::Uuid::new_v4().as_u128() % 90_000_000) as u32
}

/// Plain SQL: `n` single-row inserts of a contract-sized row, one transaction each, from
/// `writers` connections.
fn plain_rate(target: &Target, writers: usize, n: usize) -> Result<f64> {
    let mut conn = techledger::db::establish(&target.url)?;
    conn.batch_execute(
        "CREATE TABLE IF NOT EXISTS bench_plain (id TEXT PRIMARY KEY, payload TEXT NOT NULL, amount BIGINT NOT NULL)",
    )?;
    let per_writer = n / writers;
    let payload = "x".repeat(900);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..writers {
            let url = target.url.clone();
            let payload = payload.clone();
            s.spawn(move || {
                let Ok(mut c): std::result::Result<DbConn, _> = techledger::db::establish(&url) else { return };
                for _ in 0..per_writer {
                    let id = uuid::Uuid::now_v7().to_string();
                    let sql = format!("INSERT INTO bench_plain (id, payload, amount) VALUES ('{id}', '{payload}', 125000000)");
                    if let Err(e) = c.batch_execute(&sql) {
                        eprintln!("plain insert failed: {e}");
                    }
                }
            });
        }
    });
    Ok((per_writer * writers) as f64 / started.elapsed().as_secs_f64())
}

fn main() -> Result<()> {
    let n: usize = std::env::var("TECHLEDGER_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let runs: usize = std::env::var("TECHLEDGER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("write path: {n} registrations per measurement, median of {runs} runs, {cores} cores");
    println!(
        "{:<9} {:>7} {:>16} {:>16} {:>7}",
        "backend", "writers", "ledger reg/s", "plain SQL tx/s", "ratio"
    );
    let mut targets = vec![Target::sqlite()];
    if let Ok(admin) = std::env::var("TECHLEDGER_BENCH_PG_URL") {
        targets.push(Target::postgres(&admin)?);
    } else {
        println!("(set TECHLEDGER_BENCH_PG_URL to measure PostgreSQL too)");
    }
    let writer_counts: Vec<usize> = std::env::var("TECHLEDGER_BENCH_WRITERS")
        .ok()
        .map(|v| v.split(',').filter_map(|w| w.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 16, 64]);
    for target in &targets {
        for &writers in &writer_counts {
            let mut ledger = Vec::new();
            let mut plain = Vec::new();
            for _ in 0..runs {
                ledger.push(ledger_rate(target, writers, n)?);
                plain.push(plain_rate(target, writers, n)?);
            }
            let (l, p) = (median(ledger), median(plain));
            println!(
                "{:<9} {:>7} {:>16.0} {:>16.0} {:>6.2}x",
                target.name,
                writers,
                l,
                p,
                l / p
            );
        }
    }
    Ok(())
}
