//! Benchmark: every anomaly rule over a national year of contracts on SQLite.
//!
//! Fills a fresh SQLite database (migrated as `techledger migrate` does) with
//! `TECHLEDGER_BENCH_CONTRACTS` registered contracts in the evaluated year (default
//! 1,000,000) and `TECHLEDGER_BENCH_PREVIOUS` in the year before (default 1,000,000: the
//! comparing rules read it too), plus planted duplicates, split contracts and round trips,
//! and three earlier years of office rollups. This is a fixture, not the ledger's write path:
//! rows go in with plain SQL in one transaction, with the users and parties the foreign keys
//! need. Then it times `anomalies::evaluate` with all rules, five runs, and prints the median.
//!
//! Run: `cargo bench --bench anomalies` (goal: under 10 s).

use std::error::Error;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use techledger::anomalies::{self, Rule};
use techledger::config::Config;
use techledger::db::{DatabaseUrl, DbConn};

/// The allocator the `techledger` binary uses, so that the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The year evaluated.
const YEAR: i32 = 2025;
/// Parties the contracts are spread over.
const PARTIES: u64 = 200_000;
/// Timed runs.
const RUNS: usize = 5;

fn main() {
    if let Err(e) = run() {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}

fn count_from_env(name: &str, default: u64) -> Result<u64, Box<dyn Error>> {
    match std::env::var(name) {
        Ok(v) => Ok(v.parse().map_err(|e| format!("{name}={v}: {e}"))?),
        Err(_) => Ok(default),
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let contracts = count_from_env("TECHLEDGER_BENCH_CONTRACTS", 1_000_000)?;
    let previous = count_from_env("TECHLEDGER_BENCH_PREVIOUS", 1_000_000)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir =
        std::env::temp_dir().join(format!("techledger-bench-anomalies-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = DatabaseUrl::Sqlite(dir.join("bench.db"));
    let result = bench(&url, contracts, previous, cores);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn bench(
    url: &DatabaseUrl,
    contracts: u64,
    previous: u64,
    cores: usize,
) -> Result<(), Box<dyn Error>> {
    let started = Instant::now();
    let mut conn = techledger::db::establish(url)?;
    techledger::db::run_migrations(&mut conn)?;
    fill(&mut conn, contracts, previous)?;
    drop(conn);
    println!(
        "fixture: {contracts} contracts registered in {YEAR}, {previous} in {}, plus planted cases; \
         filled in {:.1} s",
        YEAR - 1,
        started.elapsed().as_secs_f64()
    );

    let config = Config::default();
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut cpu_times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut findings = Vec::new();
    for run in 1..=RUNS {
        // A fresh connection per run, as a request would get from the pool.
        let mut conn = techledger::db::establish(url)?;
        let cpu = thread_cpu();
        let t = Instant::now();
        findings = anomalies::evaluate(
            &mut conn,
            YEAR,
            Rule::ALL,
            &config.anomalies,
            config.ledger.large_contract_threshold,
        )?;
        let elapsed = t.elapsed();
        // On a shared machine the wall time includes waiting for a core; the CPU time of
        // this thread (Linux) shows the work itself.
        let cpu = cpu.zip(thread_cpu()).map(|(before, after)| after - before);
        let cpu_text = cpu.map_or(String::new(), |c| {
            format!(", {:.3} s on the CPU", c.as_secs_f64())
        });
        println!(
            "run {run}: {:.3} s{cpu_text}, {} findings",
            elapsed.as_secs_f64(),
            findings.len()
        );
        times.push(elapsed);
        cpu_times.extend(cpu);
    }
    for &rule in Rule::ALL {
        let n = findings.iter().filter(|f| f.rule == rule).count();
        println!("  {:<18} {n}", rule.code());
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v.get(v.len() / 2).copied()
    };
    let cpu_text = median(cpu_times).map_or(String::new(), |c| {
        format!(" ({:.3} s on the CPU)", c.as_secs_f64())
    });
    println!(
        "anomalies::evaluate, all rules, SQLite: median {:.3} s{cpu_text} over {RUNS} runs on {cores} cores",
        median(times).unwrap_or_default().as_secs_f64()
    );
    Ok(())
}

/// CPU time of the current thread so far, where Linux reports it.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Users, parties, contracts of two years, planted cases and earlier rollups, in one
/// transaction.
fn fill(conn: &mut DbConn, contracts: u64, previous: u64) -> Result<(), Box<dyn Error>> {
    conn.batch_execute("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; BEGIN;")?;
    conn.batch_execute(&users_and_parties())?;
    conn.batch_execute(&bulk(YEAR, contracts, 8))?;
    conn.batch_execute(&bulk(YEAR - 1, previous, 9))?;
    conn.batch_execute(&planted(contracts))?;
    conn.batch_execute(&history())?;
    conn.batch_execute("COMMIT; ANALYZE;")?;
    Ok(())
}

/// One registrar per office, and `PARTIES` enterprises.
fn users_and_parties() -> String {
    format!(
        "INSERT INTO users (id, username, display_name, role, office, password_hash, active, token_generation, \
                            created_at, updated_at, audit_seq)
         SELECT 'user-' || code, 'bench-' || code, 'bench ' || code, 'registrar', code, 'x', 1, 0,
                '2020-01-01 00:00:00', '2020-01-01 00:00:00', 0
         FROM offices;
         WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < {PARTIES})
         INSERT INTO parties (id, name, credit_code, kind, region, nature_code, country, version, created_by,
                              created_at, updated_at, audit_seq)
         SELECT printf('00000000-0000-4000-8000-%012d', n), printf('基准企业%d有限公司', n),
                printf('91371300%010d', n), 'enterprise',
                CASE WHEN n % 3 = 0 THEN '310115' ELSE '371302' END, NULL, NULL, 1, NULL,
                '2020-01-01 00:00:00', '2020-01-01 00:00:00', 0
         FROM seq;"
    )
}

/// `count` registered contracts of `year` with pseudo-random parties, amounts and dates;
/// `tag` keeps ids apart between years. Built in: 0.2 % registered over 400 days after
/// signing, development contracts at 100 % technical amount (about 1 in 5,000), one office
/// (临港区) with half of its contracts registered in December, and one office (蒙阴县) where
/// one buyer takes two thirds of the contracts.
fn bulk(year: i32, count: u64, tag: u32) -> String {
    let salt = u64::from(tag) * 10_000_019;
    format!(
        "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < {count}),
         o AS (SELECT code, sort_order - 1 AS i FROM offices),
         t(i, code) AS (VALUES (0, 'development'), (1, 'transfer'), (2, 'licensing'), (3, 'consulting'),
                               (4, 'service')),
         f AS (SELECT code, sort_order - 1 AS i FROM tech_fields),
         p AS (SELECT code, sort_order - 1 AS i FROM ip_types),
         h AS (
           SELECT n,
                  ((n + {salt}) * 2654435761 + 12345) % 4294967296 AS h1,
                  ((n + {salt}) * 2246822519 + 54321) % 4294967291 AS h2,
                  ((n + {salt}) * 3266489917 + 777) % 4294967279 AS h3
           FROM seq),
         b AS (
           SELECT n, h3,
                  n % 15 AS oi,
                  h1 % {PARTIES} AS s,
                  CASE WHEN n % 15 = 10 AND n % 3 <> 0 THEN 7 ELSE h2 % {PARTIES} END AS b0,
                  CASE WHEN n % 15 = 14 AND n % 2 = 0 THEN 334 + n % 31 ELSE h1 % 365 END AS rday,
                  CASE WHEN n % 500 = 0 THEN 400 + n % 200 ELSE h2 % 60 END AS lag,
                  (1 + h3 % 1000) * 1000000 AS amount,
                  n % 5 AS ti
           FROM h),
         r AS (
           SELECT b.*, CASE WHEN b0 = s THEN (s + 1) % {PARTIES} ELSE b0 END AS bb,
                  datetime('{year}-01-01 02:00:00', printf('+%d days', rday)) AS at
           FROM b)
         INSERT INTO contracts
         SELECT printf('00000000-0000-7000-{tag}000-%012d', n),
                printf('{year}3713%s%06d', substr(o.code, 5, 2), n / 15 + 1),
                o.code, 'registered', 'unreviewed', 1, printf('技术合同第%d号', n), t.code, NULL,
                printf('00000000-0000-4000-8000-%012d', s), printf('00000000-0000-4000-8000-%012d', bb),
                date(at, printf('-%d days', lag)), NULL,
                amount,
                CASE WHEN ti = 0 AND h3 % 1000 = 999 THEN amount ELSE amount * (50 + (h3 / 1000) % 50) / 100 END,
                f.code, p.code,
                CASE WHEN s % 3 = 0 THEN '310115' ELSE '371302' END, 'enterprise',
                CASE WHEN bb % 3 = 0 THEN '310115' ELSE '371302' END, 'enterprise',
                'local', 0, 'user-' || o.code, at, at, {year}, CAST(strftime('%m', at) AS INTEGER), NULL, at, n + 1
         FROM r JOIN o ON o.i = r.oi JOIN t ON t.i = r.ti JOIN f ON f.i = r.n % 11 JOIN p ON p.i = r.n % 8;"
    )
}

/// Planted among the first `count` rows: 1 in 1,000 registered twice, 1 in 20,000 followed by
/// three contracts just under the large-contract threshold a week apart, 1 in 5,000 answered
/// by a contract back from its buyer for 90 % of the amount 20 days later.
fn planted(count: u64) -> String {
    let columns = "office, status, review, version, title, contract_type, subtype";
    let tail = "tech_field, ip_type, seller_region, seller_kind, buyer_region, buyer_kind, flow, introduced, \
                created_by, created_at, registered_at, registered_year, registered_month, approved_by, \
                updated_at, audit_seq";
    format!(
        "INSERT INTO contracts
         SELECT printf('00000000-0000-7000-a000-%012d', rowid),
                substr(registration_no, 1, 10) || printf('%06d', 900000 + CAST(substr(registration_no, 11) AS INTEGER)),
                {columns}, seller_id, buyer_id, signed_on, valid_until, contract_amount_fen, technical_amount_fen,
                {tail}
         FROM contracts WHERE rowid <= {count} AND rowid % 1000 = 0;
         INSERT INTO contracts
         SELECT printf('00000000-0000-7000-b00%d-%012d', k, rowid),
                substr(registration_no, 1, 10) || printf('%06d', 970000 + k * 1000 + rowid / 20000),
                {columns}, seller_id, buyer_id, date(signed_on, printf('-%d days', k * 7)), valid_until,
                520000000, 460000000 + k * 10000000,
                {tail}
         FROM contracts, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2)
         WHERE rowid <= {count} AND rowid % 20000 = 5;
         INSERT INTO contracts
         SELECT printf('00000000-0000-7000-c000-%012d', rowid),
                substr(registration_no, 1, 10) || printf('%06d', 980000 + rowid / 5000),
                {columns}, buyer_id, seller_id, date(signed_on, '+20 days'), valid_until,
                contract_amount_fen * 9 / 10, technical_amount_fen * 9 / 10,
                tech_field, ip_type, buyer_region, buyer_kind, seller_region, seller_kind, flow, introduced,
                created_by, created_at, datetime(registered_at, '+20 days'), registered_year,
                CAST(strftime('%m', datetime(registered_at, '+20 days')) AS INTEGER), approved_by,
                updated_at, audit_seq
         FROM contracts WHERE rowid <= {count} AND rowid % 5000 = 7 AND registered_at < '{YEAR}-12-01';"
    )
}

/// Three earlier years of office rollups with an even spread over the months.
fn history() -> String {
    format!(
        "WITH RECURSIVE m(month) AS (SELECT 1 UNION ALL SELECT month + 1 FROM m WHERE month < 12),
              y(year) AS (VALUES ({}), ({}), ({}))
         INSERT INTO rollups (year, month, dimension, key, turnover_fen, technical_fen, contracts, introduced)
         SELECT year, month, 'office', code, 100000000000, 80000000000, 1000, 0 FROM y, m, offices;",
        YEAR - 3,
        YEAR - 2,
        YEAR - 1
    )
}
