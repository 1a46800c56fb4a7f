//! Load driver: registrations over HTTP (`POST /api/v1/contracts`, as a registrar, through the
//! front listener and Rocket as `techledger serve` runs them) from 64 keep-alive connections,
//! with the median rate and the latency percentiles, beside baselines measured in the same run:
//! the batched ceiling (the same registrations handed straight to `Ledger::execute` by 64 tasks,
//! no HTTP: what the group-commit write path can do) on SQLite and PostgreSQL, and on PostgreSQL
//! `bench/pgbench-registration.sh` at the same number of clients (one registration's rows per
//! transaction, chained, without hashing or signing).
//!
//! Rounds alternate ceiling and HTTP so that both see the same machine load.
//!
//! Run: `cargo bench --bench http_registrations` — environment: `TECHLEDGER_BENCH_PG_URL`
//! (PostgreSQL admin URL: also measure PostgreSQL), `TECHLEDGER_BENCH_N` (registrations per
//! round, default 3,000), `TECHLEDGER_BENCH_RUNS` (rounds, default 3; medians reported),
//! `TECHLEDGER_BENCH_CONNECTIONS` (default 64), `TECHLEDGER_BENCH_PGBENCH=0` (skip pgbench).

use std::error::Error;
use std::net::SocketAddr;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
use rocket::tokio::net::TcpStream;
use techledger::config::Config;
use techledger::db::DatabaseUrl;
use techledger::domain::*;
use techledger::ledger::{Actor, Command, NewContract, NewUser, PartyRef, Principal, Request};

/// The allocator the `techledger` binary uses, so that the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

const PASSWORD: &str = "bench password 2026";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The `q` quantile (0–1) of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A database for one target, dropped afterwards.
struct Target {
    name: &'static str,
    url: DatabaseUrl,
    dir: std::path::PathBuf,
    pg: Option<(String, String)>,
}

impl Target {
    fn new(name: &'static str, pg_admin: Option<&str>) -> Result<Target> {
        let dir = std::env::temp_dir().join(format!(
            "tl-bench-http-{name}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir)?;
        match pg_admin {
            None => Ok(Target {
                name,
                url: DatabaseUrl::Sqlite(dir.join("bench.db")),
                dir,
                pg: None,
            }),
            Some(admin) => {
                let db = format!("tl_bench_http_{}", uuid::Uuid::new_v4().simple());
                PgConnection::establish(admin)?.batch_execute(&format!("CREATE DATABASE {db}"))?;
                let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
                Ok(Target {
                    name,
                    url: format!("{base}/{db}").parse()?,
                    dir,
                    pg: Some((admin.to_string(), db)),
                })
            }
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some((admin, db)) = &self.pg
            && let Ok(mut c) = PgConnection::establish(admin)
        {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Sends one request on a keep-alive connection and reads the whole answer: (status, body).
async fn exchange(stream: &mut TcpStream, request: &[u8], buf: &mut Vec<u8>) -> (u16, String) {
    stream.write_all(request).await.expect("write");
    buf.clear();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the server closed the connection");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .expect("content-length");
            if buf.len() >= end + 4 + length {
                let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
                let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + length]).into_owned();
                return (status, body);
            }
        }
    }
}

fn post(path: &str, token: Option<&str>, body: &str) -> Vec<u8> {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    format!(
        "POST {path} HTTP/1.1\r\nHost: techledger\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The contract every registration registers: the same parties, amounts and date each time, so
/// each one is a confirmed duplicate (the check runs all the same, as in `write_path`).
fn contract_json(seller: &str, buyer: &str, n: usize) -> String {
    serde_json::json!({
        "title": format!("基准合同{n}"),
        "contract_type": "development",
        "seller_id": seller,
        "buyer_id": buyer,
        "signed_on": "2026-01-05",
        "contract_amount": "1250000.00",
        "technical_amount": "1000000.00",
        "tech_field": "advanced_manufacturing",
        "ip_type": "patent",
        "confirm_duplicate": true,
    })
    .to_string()
}

/// One round over HTTP: `n` registrations from `connections` connections; (rate, latencies ms).
async fn http_round(
    address: SocketAddr,
    token: &str,
    parties: &(String, String),
    connections: usize,
    n: usize,
    offset: usize,
) -> (f64, Vec<f64>) {
    let per = n / connections;
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let (token, (seller, buyer)) = (token.to_string(), parties.clone());
            rocket::tokio::spawn(async move {
                let mut stream = TcpStream::connect(address).await.expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let mut buf = Vec::new();
                let mut latencies = Vec::with_capacity(per);
                for i in 0..per {
                    let body = contract_json(&seller, &buyer, offset + c * per + i);
                    let request = post("/api/v1/contracts", Some(&token), &body);
                    let sent = Instant::now();
                    let (status, answer) = exchange(&mut stream, &request, &mut buf).await;
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                    assert_eq!(status, 201, "{answer}");
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(n);
    for t in tasks {
        latencies.extend(t.await.expect("task"));
    }
    let rate = latencies.len() as f64 / started.elapsed().as_secs_f64();
    latencies.sort_by(|a, b| a.total_cmp(b));
    (rate, latencies)
}

/// One round of the same registrations handed to the ledger by `writers` tasks, no HTTP.
async fn ceiling_round(
    ledger: &techledger::ledger::Ledger,
    actor: &Actor,
    contract: &NewContract,
    writers: usize,
    n: usize,
    offset: usize,
) -> f64 {
    let per = n / writers;
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let (ledger, actor, contract) = (ledger.clone(), actor.clone(), contract.clone());
            rocket::tokio::spawn(async move {
                for i in 0..per {
                    let mut contract = contract.clone();
                    contract.title = format!("基准合同c{}", offset + w * per + i);
                    let mut request = Request::new(
                        Principal::User(actor.clone()),
                        Command::RegisterContract(contract),
                    );
                    request.confirm_duplicate = true;
                    ledger.execute(request).await.expect("registration");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    (per * writers) as f64 / started.elapsed().as_secs_f64()
}

/// `bench/pgbench-registration.sh` at `clients` clients: its median tx/s.
fn pgbench(admin: &str, clients: usize) -> Option<f64> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/pgbench-registration.sh");
    let out = std::process::Command::new(script)
        .arg(admin)
        .env("PGBENCH_CLIENTS", clients.to_string())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.split_once("clients:").map(|(_, r)| r.trim().to_string()))
        .and_then(|r| r.split_whitespace().next().and_then(|v| v.parse().ok()))
}

async fn measure(target: Target, n: usize, runs: usize, connections: usize) -> Result<()> {
    let mut config = Config {
        database_url: target.url.clone(),
        data_dir: target.dir.join("data"),
        port: 0,
        ..Config::default()
    };
    config.auth.argon2_memory_kib = 64;
    config.auth.argon2_iterations = 1;
    let services = rocket::tokio::task::spawn_blocking(move || {
        techledger::app::open_without_bootstrap(config)
    })
    .await??;
    let ledger = services.ledger.clone();
    let hash = services.passwords.hash(PASSWORD)?;
    let office = OfficeCode::parse("371302").ok();
    let user = ledger
        .execute(Request::new(
            Principal::System,
            Command::CreateUser(NewUser {
                credit_code: None,
                username: "bench".into(),
                display_name: "bench".into(),
                role: Role::Registrar,
                office,
                password_hash: hash,
            }),
        ))
        .await?;
    let actor = Actor {
        id: user.body["id"].as_str().unwrap_or_default().to_string(),
        username: "bench".into(),
        role: Role::Registrar,
        office,
    };
    let serving = techledger::app::serve(
        services,
        rocket::tokio::net::TcpListener::bind("127.0.0.1:0").await?,
    )
    .await?;
    let address = serving.address;
    let mut stream = TcpStream::connect(address).await?;
    let mut buf = Vec::new();
    let login = format!("{{\"username\":\"bench\",\"password\":\"{PASSWORD}\"}}");
    let (status, body) = exchange(
        &mut stream,
        &post("/api/v1/auth/login", None, &login),
        &mut buf,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token: serde_json::Value = serde_json::from_str(&body)?;
    let token = token["token"].as_str().ok_or("no token")?.to_string();
    let mut ids = Vec::new();
    for (i, (code, region)) in [
        ("913713001682510225", "320102"),
        ("9137130016829134XT", "371302"),
    ]
    .into_iter()
    .enumerate()
    {
        let party = serde_json::json!({
            "name": format!("基准企业{i}"), "credit_code": code, "kind": "enterprise", "region": region,
        })
        .to_string();
        let (status, body) = exchange(
            &mut stream,
            &post("/api/v1/parties", Some(&token), &party),
            &mut buf,
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body)?;
        ids.push(v["id"].as_str().ok_or("no id")?.to_string());
    }
    let parties = (ids[0].clone(), ids[1].clone());
    let contract = NewContract {
        particulars: Default::default(),
        title: String::new(),
        contract_type: ContractType::Development,
        subtype: None,
        seller: PartyRef::Id(parties.0.clone()),
        buyer: PartyRef::Id(parties.1.clone()),
        signed_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).ok_or("date")?,
        valid_until: None,
        contract_amount: Money::parse("1250000.00")?,
        technical_amount: Money::parse("1000000.00")?,
        tech_field: TechField::AdvancedManufacturing,
        ip_type: IpType::Patent,
        registered_at: None,
        approved_by: None,
    };
    // Warm-up: connections, prepared statements, the first pages of the tables.
    http_round(
        address,
        &token,
        &parties,
        connections,
        connections * 4,
        10_000_000,
    )
    .await;

    let (mut http_rates, mut ceilings, mut p50s, mut p99s) = (vec![], vec![], vec![], vec![]);
    for round in 0..runs {
        let offset = round * n * 2;
        ceilings.push(ceiling_round(&ledger, &actor, &contract, connections, n, offset).await);
        let (rate, latencies) =
            http_round(address, &token, &parties, connections, n, offset + n).await;
        http_rates.push(rate);
        p50s.push(quantile(&latencies, 0.50));
        p99s.push(quantile(&latencies, 0.99));
        println!(
            "  {} round {}: HTTP {rate:>7.0} registrations/s (p50 {:.1} ms, p99 {:.1} ms); ceiling {:>7.0}/s",
            target.name,
            round + 1,
            quantile(&latencies, 0.50),
            quantile(&latencies, 0.99),
            ceilings[round],
        );
    }
    let _ = serving.stop().await;
    let (http, ceiling) = (median(http_rates), median(ceilings));
    println!(
        "{}: HTTP at {connections} connections {http:.0} registrations/s, p50 {:.1} ms, p99 {:.1} ms (medians of {runs}); batched ceiling (Ledger::execute, {connections} tasks) {ceiling:.0}/s: HTTP = {:.2}x the ceiling",
        target.name,
        median(p50s),
        median(p99s),
        http / ceiling,
    );
    if let Some((admin, _)) = &target.pg
        && std::env::var("TECHLEDGER_BENCH_PGBENCH").as_deref() != Ok("0")
    {
        let admin = admin.clone();
        match rocket::tokio::task::spawn_blocking(move || pgbench(&admin, connections)).await? {
            Some(tps) => println!(
                "{}: bench/pgbench-registration.sh at {connections} clients {tps:.0} tx/s: HTTP = {:.2}x pgbench",
                target.name,
                http / tps
            ),
            None => println!("{}: pgbench did not run (is it installed?)", target.name),
        }
    }
    Ok(())
}

#[rocket::main]
async fn main() -> Result<()> {
    let n = env_or("TECHLEDGER_BENCH_N", 3000);
    let runs = env_or("TECHLEDGER_BENCH_RUNS", 3);
    let connections = env_or("TECHLEDGER_BENCH_CONNECTIONS", 64);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!(
        "registrations over HTTP, {connections} keep-alive connections, {n} per round, {runs} rounds, {cores} cores"
    );
    measure(Target::new("sqlite", None)?, n, runs, connections).await?;
    if let Ok(admin) = std::env::var("TECHLEDGER_BENCH_PG_URL") {
        measure(Target::new("postgres", Some(&admin))?, n, runs, connections).await?;
    }
    Ok(())
}
