//! Benchmark: the summary and every breakdown at 10,000, 100,000 and 1,000,000 contracts, on
//! SQLite and (with `TECHLEDGER_BENCH_PG_URL`) PostgreSQL. The figures come from rollups kept in
//! the write transaction, so their cost must stay flat as contracts grow; beside them, in the
//! same run, the same total computed by scanning the contracts (what the rollups avoid).
//!
//! Contracts enter through the real write path (historical registration times spread over the
//! year, as `techledger demo` does), from 8 submitting threads so that group commit applies; the
//! fill rate is reported too.
//!
//! Run: `cargo bench --bench stats` — `TECHLEDGER_BENCH_SIZES` (default "10000,100000,1000000"),
//! `TECHLEDGER_BENCH_CALLS` (per figure, default 200), `TECHLEDGER_BENCH_SKIP_SQLITE` (set: PostgreSQL
//! alone).

use std::error::Error;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rand::{Rng, SeedableRng};
use techledger::config::{Config, YearTargets};
use techledger::db::DatabaseUrl;
use techledger::domain::*;
use techledger::ledger::{Actor, Command, NewContract, NewParty, PartyRef, Principal, Request};
use techledger::stats::{self, Dimension};

/// The allocator the `techledger` binary uses, so that the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

const YEAR: i32 = 2025;

struct Fixture {
    services: techledger::app::Services,
    principals: Vec<Principal>,
    parties: Vec<String>,
    rng: rand_chacha::ChaCha8Rng,
    count: usize,
}

impl Fixture {
    fn new(url: DatabaseUrl, dir: &std::path::Path) -> Result<Fixture> {
        let config = Config {
            database_url: url,
            data_dir: dir.to_path_buf(),
            ..Config::default()
        };
        let services = techledger::app::open_without_bootstrap(config)?;
        // Two registering offices: a registration number has six digits per office and year,
        // so one office cannot hold a million contracts in a year.
        let mut principals = Vec::new();
        for office in ["371302", "371311"] {
            let username = format!("bench-registrar-{office}");
            let user = services.ledger.execute_blocking(Request::new(
                Principal::System,
                Command::CreateUser(techledger::ledger::NewUser {
                    credit_code: None,
                    username: username.clone(),
                    display_name: "bench".into(),
                    role: Role::Registrar,
                    office: OfficeCode::parse(office).ok(),
                    password_hash: "x".into(),
                }),
            ))?;
            principals.push(Principal::User(Actor {
                id: user.body["id"].as_str().unwrap_or_default().to_string(),
                username,
                role: Role::Registrar,
                office: OfficeCode::parse(office).ok(),
            }));
        }
        let principal = principals[0].clone();
        let regions = [
            "371302", "371311", "371321", "310115", "320102", "330106", "370102", "370203",
            "110108", "440305",
        ];
        let mut parties = Vec::new();
        for i in 0..300u32 {
            let party = NewParty {
                legal_representative: None,
                name: format!("基准主体{i}"),
                credit_code: Some(CreditCode::complete(&format!(
                    "91371300{:08}",
                    50_000_000 + i
                ))?),
                kind: PartyKind::ALL[(i % 5) as usize],
                region: RegionCode::parse(regions[(i as usize) % regions.len()])?,
                nature_code: None,
                country: None,
            };
            let party = NewParty {
                legal_representative: None,
                credit_code: if party.kind == PartyKind::Individual {
                    None
                } else {
                    party.credit_code
                },
                ..party
            };
            let o = services
                .ledger
                .execute_blocking(Request::new(principal.clone(), Command::CreateParty(party)))?;
            parties.push(o.body["id"].as_str().unwrap_or_default().to_string());
        }
        Ok(Fixture {
            services,
            principals,
            parties,
            rng: rand_chacha::ChaCha8Rng::seed_from_u64(2026),
            count: 0,
        })
    }

    /// Registers contracts until there are `target`; returns registrations/s.
    fn grow(&mut self, target: usize) -> f64 {
        let plan: Vec<NewContract> = (self.count..target)
            .map(|_| {
                let s = self.rng.gen_range(0..self.parties.len());
                let b =
                    (s + 1 + self.rng.gen_range(0..self.parties.len() - 1)) % self.parties.len();
                let fen = self.rng.gen_range(100_000_i64..400_000_000);
                let month = self.rng.gen_range(1..=12u32);
                let day = self.rng.gen_range(1..=28u32);
                NewContract {
                    particulars: Default::default(),
                    title: "基准合同".into(),
                    contract_type: ContractType::ALL[self.rng.gen_range(0..5)],
                    subtype: None,
                    seller: PartyRef::Id(self.parties[s].clone()),
                    buyer: PartyRef::Id(self.parties[b].clone()),
                    signed_on: chrono::NaiveDate::from_ymd_opt(YEAR, month, 1).unwrap_or_default(),
                    valid_until: None,
                    contract_amount: Money::from_fen(fen).unwrap_or(Money::ZERO),
                    technical_amount: Money::from_fen(fen / 2).unwrap_or(Money::ZERO),
                    tech_field: TechField::ALL[self.rng.gen_range(0..11)],
                    ip_type: IpType::ALL[self.rng.gen_range(0..8)],
                    registered_at: chrono::NaiveDate::from_ymd_opt(YEAR, month, day)
                        .and_then(|d| d.and_hms_opt(2, 0, 0)),
                    approved_by: None,
                }
            })
            .collect();
        let started = Instant::now();
        let ledger = &self.services.ledger;
        let principals = &self.principals;
        let chunks: Vec<&[NewContract]> = plan.chunks(plan.len().div_ceil(8).max(1)).collect();
        std::thread::scope(|s| {
            for (i, chunk) in chunks.into_iter().enumerate() {
                let principal = &principals[i % principals.len()];
                s.spawn(move || {
                    for c in chunk {
                        let request = Request {
                            historical: true,
                            confirm_duplicate: true,
                            ..Request::new(principal.clone(), Command::RegisterContract(c.clone()))
                        };
                        if let Err(e) = ledger.execute_blocking(request) {
                            eprintln!("registration failed: {e}");
                        }
                    }
                });
            }
        });
        let rate = plan.len() as f64 / started.elapsed().as_secs_f64();
        self.count = target;
        rate
    }
}

fn time_ms(calls: usize, mut f: impl FnMut()) -> (f64, f64) {
    f();
    let samples: Vec<f64> = (0..calls)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    (percentile(samples.clone(), 0.5), percentile(samples, 0.95))
}

fn run(name: &str, url: DatabaseUrl, sizes: &[usize], calls: usize) -> Result<()> {
    let dir =
        std::env::temp_dir().join(format!("tl-bench-stats-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let mut fixture = Fixture::new(url, &dir)?;
    let targets = YearTargets::default();
    for &size in sizes {
        let rate = fixture.grow(size);
        let mut conn = techledger::db::establish(&fixture.services.config.database_url)?;
        println!(
            "{name}: {size} contracts (filled at {rate:.0} registrations/s through the write path)"
        );
        let (p50, p95) = time_ms(calls, || {
            let _ = stats::summary(&mut conn, YEAR, None, &targets);
        });
        println!("  {:<14} p50 {p50:>7.3} ms   p95 {p95:>7.3} ms", "summary");
        for by in Dimension::ALL {
            let (p50, p95) = time_ms(calls, || {
                let _ = stats::breakdown(&mut conn, YEAR, by, None, &targets);
            });
            println!("  {:<14} p50 {p50:>7.3} ms   p95 {p95:>7.3} ms", by.code());
        }
        let (p50, _) = time_ms(calls.min(20), || {
            use techledger::db::schema::contracts::dsl::*;
            let _: Option<i64> = contracts
                .filter(registered_year.eq(YEAR))
                .filter(status.eq("registered"))
                .select(diesel::dsl::sql::<
                    diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
                >("CAST(SUM(contract_amount_fen) AS BIGINT)"))
                .first(&mut conn)
                .unwrap_or(None);
        });
        println!(
            "  {:<14} p50 {p50:>7.3} ms   (baseline: the same total by scanning the contracts)",
            "scan"
        );
    }
    drop(fixture);
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

fn main() -> Result<()> {
    let sizes: Vec<usize> = std::env::var("TECHLEDGER_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let calls: usize = std::env::var("TECHLEDGER_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("statistics read path, {calls} calls per figure, {cores} cores");
    let dir = std::env::temp_dir().join(format!(
        "tl-bench-stats-db-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir)?;
    // TECHLEDGER_BENCH_SKIP_SQLITE=1 measures PostgreSQL alone.
    if std::env::var_os("TECHLEDGER_BENCH_SKIP_SQLITE").is_none() {
        run(
            "sqlite",
            DatabaseUrl::Sqlite(dir.join("stats.db")),
            &sizes,
            calls,
        )?;
    }
    if let Ok(admin) = std::env::var("TECHLEDGER_BENCH_PG_URL") {
        let name = format!("tl_bench_{}", uuid::Uuid::new_v4().simple());
        let mut a = diesel::PgConnection::establish(&admin)?;
        a.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let result = run("postgres", format!("{base}/{name}").parse()?, &sizes, calls);
        let _ = a.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        result?;
    }
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
