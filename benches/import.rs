//! Benchmark: a 100,000-row CSV import (Chinese headers, parties inline by credit code) on
//! SQLite and (with `TECHLEDGER_BENCH_PG_URL`) PostgreSQL: reading the file, then the whole
//! import through the write path in one transaction (one `contract.register` audit entry per
//! row and one `import.commit`). Goal: ≥ 10,000 rows/s on SQLite.
//!
//! Run: `cargo bench --bench import` — `TECHLEDGER_BENCH_ROWS` (default 100000),
//! `TECHLEDGER_BENCH_RUNS` (default 3; median).

use std::error::Error;
use std::fmt::Write;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use techledger::config::Config;
use techledger::db::DatabaseUrl;
use techledger::domain::{CreditCode, OfficeCode, Role};
use techledger::import::{self, FileKind};
use techledger::ledger::{Actor, Command, ImportCommand, NewUser, Principal, Request};

/// The allocator the `techledger` binary uses, so that the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn csv(rows: usize) -> Result<Vec<u8>> {
    let mut out = String::from(
        "\u{feff}合同名称,合同类型,卖方统一社会信用代码,卖方名称,卖方类型,卖方所在地区,买方统一社会信用代码,买方名称,买方类型,买方所在地区,签订日期,合同成交额,技术交易额,技术领域,知识产权类型\n",
    );
    let regions = ["371302", "371311", "320102", "310115", "370102", "330106"];
    for i in 0..rows {
        let s = (i * 7) % 1000;
        let b = 1000 + (i * 13) % 1000;
        let seller = CreditCode::complete(&format!("91371300{:08}", 60_000_000 + s))?;
        let buyer = CreditCode::complete(&format!("91371300{:08}", 60_000_000 + b))?;
        let amount = 10_000 + (i * 7919) % 4_000_000;
        writeln!(
            out,
            "技术服务合同{i},技术服务,{seller},卖方企业{s}有限公司,企业,{},{buyer},买方企业{b}有限公司,企业,{},2026-0{}-1{},{amount}.00,{}.00,先进制造,未涉及知识产权",
            regions[s % regions.len()],
            regions[b % regions.len()],
            1 + i % 9,
            i % 9,
            amount / 2
        )?;
    }
    Ok(out.into_bytes())
}

fn run(url: DatabaseUrl, bytes: &[u8], runs: usize) -> Result<(f64, f64)> {
    let mut parse_rates = Vec::new();
    let mut import_rates = Vec::new();
    for run in 0..runs {
        let dir =
            std::env::temp_dir().join(format!("tl-bench-import-{}", uuid::Uuid::new_v4().simple()));
        let mut created: Option<(String, String)> = None;
        let url = match &url {
            DatabaseUrl::Sqlite(_) => DatabaseUrl::Sqlite(dir.join("import.db")),
            DatabaseUrl::Postgres(admin) => {
                let name = format!("tl_bench_{}", uuid::Uuid::new_v4().simple());
                PgConnection::establish(admin)?
                    .batch_execute(&format!("CREATE DATABASE {name}"))?;
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                created = Some((admin.clone(), name.clone()));
                format!("{base}/{name}").parse()?
            }
        };
        let config = Config {
            database_url: url.clone(),
            data_dir: dir.clone(),
            ..Config::default()
        };
        let services = techledger::app::open_without_bootstrap(config)?;
        let user = services.ledger.execute_blocking(Request::new(
            Principal::System,
            Command::CreateUser(NewUser {
                credit_code: None,
                username: "importer".into(),
                display_name: "importer".into(),
                role: Role::Registrar,
                office: OfficeCode::parse("371302").ok(),
                password_hash: "x".into(),
            }),
        ))?;
        let actor = Actor {
            id: user.body["id"].as_str().unwrap_or_default().to_string(),
            username: "importer".into(),
            role: Role::Registrar,
            office: OfficeCode::parse("371302").ok(),
        };
        let started = Instant::now();
        let parsed = import::parse(bytes, FileKind::Csv, &Default::default())?;
        parse_rates.push(parsed.rows_total as f64 / started.elapsed().as_secs_f64());
        let rows = parsed.rows_total;
        let command = Command::Import(ImportCommand {
            file_name: Some("bench.csv".into()),
            file_sha256: techledger::audit::entry::sha256_hex(bytes),
            rows_total: parsed.rows_total,
            rows: parsed.rows,
            rejected: parsed.rejected,
            partial: false,
            progress: None,
        });
        let started = Instant::now();
        let outcome = services
            .ledger
            .execute_blocking(Request::new(Principal::User(actor), command))?;
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(outcome.body["accepted"].as_u64(), Some(rows as u64));
        import_rates.push(rows as f64 / seconds);
        eprintln!("  run {}: {rows} rows imported in {seconds:.1} s", run + 1);
        drop(services);
        if let Some((admin, name)) = created {
            PgConnection::establish(&admin)?
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        }
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok((median(parse_rates), median(import_rates)))
}

fn main() -> Result<()> {
    let rows: usize = std::env::var("TECHLEDGER_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = std::env::var("TECHLEDGER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let bytes = csv(rows)?;
    println!(
        "import of {rows} rows ({} MB CSV), median of {runs} runs, {cores} cores",
        bytes.len() / 1_000_000
    );
    let (parse, import) = run(DatabaseUrl::Sqlite("unused".into()), &bytes, runs)?;
    println!(
        "  sqlite:   reading {parse:>9.0} rows/s   importing {import:>8.0} rows/s (goal ≥ 10,000)"
    );
    if let Ok(admin) = std::env::var("TECHLEDGER_BENCH_PG_URL") {
        let (parse, import) = run(DatabaseUrl::Postgres(admin), &bytes, runs)?;
        println!("  postgres: reading {parse:>9.0} rows/s   importing {import:>8.0} rows/s");
    }
    Ok(())
}
