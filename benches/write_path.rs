//! Benchmark: registrations per second through the one write path at 1, 16 and 64 concurrent
//! writers, on SQLite and (with `TECHLEDGER_BENCH_PG_URL`) PostgreSQL, beside a baseline
//! measured in the same run with the same durability settings: the same rows written by plain
//! SQL, one registration per transaction, one statement at a time (for PostgreSQL also
//! `bench/pgbench-registration.sh`), and — the ceiling of any transaction at all — one
//! contract-sized row per transaction (`bench/pgbench-insert.sh`).
//!
//! Each registration is a full `contract.register` command with two existing parties: the
//! contract row, its version, its amount entry, eight rollup rows, two party rollups, the
//! registration counter and one signed, hash-chained audit entry — in one transaction that may
//! be shared with other queued commands (group commit).
//!
//! Run: `cargo bench --bench write_path` — environment: `TECHLEDGER_BENCH_N` (registrations per
//! measurement, default 3000), `TECHLEDGER_BENCH_RUNS` (default 3; the median is reported),
//! `TECHLEDGER_BENCH_WRITERS` (default "1,16,64"), `TECHLEDGER_BENCH_KEYS` (set: every
//! registration carries an Idempotency-Key, as the pages send, and the plain-SQL baseline also
//! looks each key up and stores it with the answer), `TECHLEDGER_BENCH_ASYNC` (set: the writers
//! are tasks of a multi-threaded tokio runtime awaiting `Ledger::execute`, as the HTTP handlers
//! do, instead of threads calling `execute_blocking`).
//!
//! Built with `--features bench-hooks`, each run also measures the write path without the
//! Merkle tree (`techledger::bench_hooks`: the same entries, chained and signed, but no tree
//! hashes and no checkpoints), alternating with the ordinary one, on the same database: what
//! maintaining the tree costs (issue 15's goal: at most 5 %): the ratio of the medians, and
//! the median of each run's own ratio (the two measurements of a run are back to back, so
//! that one sees the load the other saw). `TECHLEDGER_BENCH_BASELINES=0` skips the plain-SQL
//! baselines (for a longer series of the tree's cost alone).

use std::error::Error;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Bool, Integer, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use techledger::config::Config;
use techledger::db::{DatabaseUrl, DbConn};
use techledger::domain::*;
use techledger::ledger::{
    Actor, Command, IdempotencyKey, NewContract, NewParty, PartyRef, Principal, Request,
};

/// The allocator the `techledger` binary uses, so that the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// The write path ordinary (`Tree::Maintained`) or without the Merkle tree.
#[derive(Clone, Copy, PartialEq)]
enum Tree {
    Maintained,
    #[cfg_attr(not(feature = "bench-hooks"), allow(dead_code))]
    Without,
}

/// The services on `config`, their write path with or without the Merkle tree.
fn open(config: Config, tree: Tree) -> Result<techledger::app::Services> {
    match tree {
        Tree::Maintained => Ok(techledger::app::open_without_bootstrap(config)?),
        #[cfg(feature = "bench-hooks")]
        Tree::Without => Ok(techledger::bench_hooks::open_without_merkle_tree(config)?),
        #[cfg(not(feature = "bench-hooks"))]
        Tree::Without => Err("build with --features bench-hooks".into()),
    }
}

/// Registrations/s with `writers` threads submitting `n` registrations in total.
fn ledger_rate(target: &Target, writers: usize, n: usize, tree: Tree) -> Result<f64> {
    let mut config = Config {
        database_url: target.url.clone(),
        // The target's own: every measurement opens the same database, whose chain only the
        // key made at the first one may sign.
        data_dir: target.dir.join("data"),
        ..Config::default()
    };
    config.auth.argon2_memory_kib = 64;
    config.auth.argon2_iterations = 1;
    let services = open(config.clone(), tree)?;
    let ledger = &services.ledger;
    let username = format!("bench{}", uuid::Uuid::new_v4().simple());
    let user = ledger.execute_blocking(Request::new(
        Principal::System,
        Command::CreateUser(techledger::ledger::NewUser {
            credit_code: None,
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
            legal_representative: None,
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
        particulars: Default::default(),
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
        approved_by: None,
    };
    let per_writer = n / writers;
    let with_keys = std::env::var_os("TECHLEDGER_BENCH_KEYS").is_some();
    let request = move || {
        let mut request = Request::new(
            principal.clone(),
            Command::RegisterContract(contract.clone()),
        );
        // The same contract again and again: each one a confirmed duplicate (the duplicate
        // check runs all the same; its cost is part of what this measures).
        request.confirm_duplicate = true;
        if with_keys {
            // As the pages send them: a fresh key per registration.
            request.idempotency = Some(IdempotencyKey {
                key: uuid::Uuid::new_v4().to_string(),
                request_hash: "0".repeat(64),
            });
        }
        request
    };
    if std::env::var_os("TECHLEDGER_BENCH_ASYNC").is_some() {
        // As the HTTP handlers submit: tasks of a multi-threaded tokio runtime with a worker
        // per core (Rocket's default), each awaiting its answer.
        let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let started = Instant::now();
        runtime.block_on(async {
            let tasks: Vec<_> = (0..writers)
                .map(|_| {
                    let (ledger, request) = (ledger.clone(), request.clone());
                    rocket::tokio::spawn(async move {
                        for _ in 0..per_writer {
                            if let Err(e) = ledger.execute(request()).await {
                                eprintln!("registration failed: {e}");
                            }
                        }
                    })
                })
                .collect();
            for task in tasks {
                let _ = task.await;
            }
        });
        return Ok((per_writer * writers) as f64 / started.elapsed().as_secs_f64());
    }
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..writers {
            let request = request.clone();
            s.spawn(move || {
                for _ in 0..per_writer {
                    if let Err(e) = ledger.execute_blocking(request()) {
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
/// `writers` connections — the ceiling of any transaction at all.
fn one_row_rate(target: &Target, writers: usize, n: usize) -> Result<f64> {
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

/// The contract the write path registered, read back so that the baseline writes the same
/// rows with the same values.
#[derive(QueryableByName, Clone)]
struct ContractTemplate {
    #[diesel(sql_type = Text)]
    registration_no: String,
    #[diesel(sql_type = Text)]
    office: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    contract_type: String,
    #[diesel(sql_type = Text)]
    seller_id: String,
    #[diesel(sql_type = Text)]
    buyer_id: String,
    #[diesel(sql_type = Text)]
    signed_on: String,
    #[diesel(sql_type = BigInt)]
    contract_amount_fen: i64,
    #[diesel(sql_type = BigInt)]
    technical_amount_fen: i64,
    #[diesel(sql_type = Text)]
    tech_field: String,
    #[diesel(sql_type = Text)]
    ip_type: String,
    #[diesel(sql_type = Text)]
    seller_region: String,
    #[diesel(sql_type = Text)]
    seller_kind: String,
    #[diesel(sql_type = Text)]
    buyer_region: String,
    #[diesel(sql_type = Text)]
    buyer_kind: String,
    #[diesel(sql_type = Text)]
    flow: String,
    #[diesel(sql_type = Bool)]
    introduced: bool,
    #[diesel(sql_type = Text)]
    created_by: String,
    #[diesel(sql_type = Integer)]
    registered_year: i32,
    #[diesel(sql_type = Integer)]
    registered_month: i32,
}

/// The audit entry of that registration.
#[derive(QueryableByName, Clone)]
struct EntryTemplate {
    #[diesel(sql_type = Text)]
    actor_id: String,
    #[diesel(sql_type = Text)]
    actor_username: String,
    #[diesel(sql_type = Text)]
    actor_role: String,
    #[diesel(sql_type = Text)]
    payload: String,
    #[diesel(sql_type = Text)]
    kid: String,
    #[diesel(sql_type = Text)]
    signature: String,
}

/// What the write path stored for an Idempotency-Key (with `TECHLEDGER_BENCH_KEYS`).
#[derive(QueryableByName, Clone)]
struct KeyTemplate {
    #[diesel(sql_type = Text)]
    outcome: String,
}

#[derive(QueryableByName)]
struct KeysFound {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Head {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Text)]
    hash: String,
}

#[derive(QueryableByName)]
struct Counter {
    #[diesel(sql_type = Integer)]
    last_seq: i32,
}

/// An SQL string literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn templates(conn: &mut DbConn) -> Result<(ContractTemplate, EntryTemplate, Option<KeyTemplate>)> {
    let contract = diesel::sql_query(
        "SELECT registration_no, office, title, contract_type, seller_id, buyer_id, \
         CAST(signed_on AS TEXT) AS signed_on, contract_amount_fen, technical_amount_fen, \
         tech_field, ip_type, seller_region, seller_kind, buyer_region, buyer_kind, flow, \
         introduced, created_by, registered_year, registered_month \
         FROM contracts WHERE status = 'registered' ORDER BY audit_seq DESC LIMIT 1",
    )
    .get_result::<ContractTemplate>(conn)?;
    let entry = diesel::sql_query(
        "SELECT actor_id, actor_username, actor_role, payload, kid, signature \
         FROM audit_entries WHERE action = 'contract.register' ORDER BY seq DESC LIMIT 1",
    )
    .get_result::<EntryTemplate>(conn)?;
    let key = if std::env::var_os("TECHLEDGER_BENCH_KEYS").is_some() {
        Some(
            diesel::sql_query("SELECT outcome FROM idempotency_keys LIMIT 1")
                .get_result::<KeyTemplate>(conn)?,
        )
    } else {
        None
    };
    Ok((contract, entry, key))
}

/// One registration's rows by plain SQL in one transaction, one statement at a time as an
/// application (or pgbench) sends them: lock the chain head, take the next registration
/// number, insert the contract, its version, its amount entry and its audit entry (chained to
/// the head; hash and signature are copied, not computed), add to the eight rollups and the two
/// party rollups, move the head. With `key` (an Idempotency-Key on every registration), also
/// look the new key up and store it with the answer, as the write path does.
fn plain_registration(
    c: &mut DbConn,
    contract: &ContractTemplate,
    entry: &EntryTemplate,
    key: Option<&KeyTemplate>,
) -> Result<()> {
    let sqlite = matches!(c, DbConn::Sqlite(_));
    c.batch_execute(if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" })?;
    let done = (|| -> Result<()> {
        let lock = if sqlite {
            "SELECT seq, hash FROM audit_head WHERE id = 1"
        } else {
            "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
        };
        let head = diesel::sql_query(lock).get_result::<Head>(c)?;
        let new_key = lit(&uuid::Uuid::new_v4().to_string());
        if key.is_some() {
            let found = diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM idempotency_keys WHERE user_id = {} AND key = {new_key}",
                lit(&contract.created_by)
            ))
            .get_result::<KeysFound>(c)?;
            if found.n > 0 {
                return Err("a fresh key was found".into());
            }
        }
        let (year, month) = (contract.registered_year, contract.registered_month);
        let office = lit(&contract.office);
        let counter = diesel::sql_query(format!(
            "INSERT INTO registration_counters (office, year, last_seq) VALUES ({office}, {year}, 1) \
             ON CONFLICT (office, year) DO UPDATE SET last_seq = registration_counters.last_seq + 1 \
             RETURNING last_seq"
        ))
        .get_result::<Counter>(c)?;
        let number = lit(&format!(
            "{}{:06}",
            &contract.registration_no[..10],
            counter.last_seq
        ));
        let seq = head.seq + 1;
        let id = lit(&uuid::Uuid::now_v7().to_string());
        let now = lit(&chrono::Utc::now()
            .naive_utc()
            .format("%F %T%.6f")
            .to_string());
        let today = lit(&chrono::Utc::now().date_naive().to_string());
        let t = contract;
        let (title, ctype, seller, buyer, signed) = (
            lit(&t.title),
            lit(&t.contract_type),
            lit(&t.seller_id),
            lit(&t.buyer_id),
            lit(&t.signed_on),
        );
        let (field, ip, kind, flow, actor) = (
            lit(&t.tech_field),
            lit(&t.ip_type),
            lit(&t.seller_kind),
            lit(&t.flow),
            lit(&t.created_by),
        );
        let (cf, tf) = (t.contract_amount_fen, t.technical_amount_fen);
        let introduced = if t.introduced { "TRUE" } else { "FALSE" };
        c.batch_execute(&format!(
            "INSERT INTO contracts (id, registration_no, office, status, review, version, title, \
             contract_type, subtype, seller_id, buyer_id, signed_on, valid_until, contract_amount_fen, \
             technical_amount_fen, tech_field, ip_type, seller_region, seller_kind, buyer_region, \
             buyer_kind, flow, introduced, created_by, created_at, registered_at, registered_year, \
             registered_month, approved_by, updated_at, audit_seq) VALUES ({id}, {number}, {office}, \
             'registered', 'unreviewed', 1, {title}, {ctype}, NULL, {seller}, {buyer}, {signed}, NULL, \
             {cf}, {tf}, {field}, {ip}, {}, {kind}, {}, {}, {flow}, {introduced}, {actor}, {now}, \
             {now}, {year}, {month}, NULL, {now}, {seq})",
            lit(&t.seller_region),
            lit(&t.buyer_region),
            lit(&t.buyer_kind),
        ))?;
        c.batch_execute(&format!(
            "INSERT INTO contract_versions (contract_id, version, change, status, registration_no, \
             title, contract_type, subtype, seller_id, buyer_id, signed_on, valid_until, \
             contract_amount_fen, technical_amount_fen, tech_field, ip_type, reason, actor_id, \
             recorded_at, audit_seq) VALUES ({id}, 1, 'register', 'registered', {number}, {title}, \
             {ctype}, NULL, {seller}, {buyer}, {signed}, NULL, {cf}, {tf}, {field}, {ip}, NULL, \
             {actor}, {now}, {seq})"
        ))?;
        c.batch_execute(&format!(
            "INSERT INTO amount_entries (audit_seq, line, contract_id, recorded_at, recorded_on, year, \
             month, office, contract_type, tech_field, ip_type, seller_kind, flow, review, introduced, \
             seller_id, buyer_id, contract_fen, technical_fen, contracts) VALUES ({seq}, 1, {id}, \
             {now}, {today}, {year}, {month}, {office}, {ctype}, {field}, {ip}, {kind}, {flow}, \
             'unreviewed', {introduced}, {seller}, {buyer}, {cf}, {tf}, 1)"
        ))?;
        let e = entry;
        let hash = lit(&format!(
            "{:032x}{:032x}",
            uuid::Uuid::new_v4().as_u128(),
            uuid::Uuid::new_v4().as_u128()
        ));
        c.batch_execute(&format!(
            "INSERT INTO audit_entries (seq, id, at, actor_id, actor_username, actor_role, action, \
             entity_type, entity_id, payload, prev_hash, hash, kid, signature) VALUES ({seq}, \
             {}, {now}, {}, {}, {}, 'contract.register', 'contract', {id}, {}, {}, {hash}, {}, {})",
            lit(&uuid::Uuid::now_v7().to_string()),
            lit(&e.actor_id),
            lit(&e.actor_username),
            lit(&e.actor_role),
            lit(&e.payload),
            lit(&head.hash),
            lit(&e.kid),
            lit(&e.signature),
        ))?;
        let in_count = i32::from(t.introduced);
        for (dimension, key) in [
            ("total", String::new()),
            ("office", t.office.clone()),
            ("contract_type", t.contract_type.clone()),
            ("tech_field", t.tech_field.clone()),
            ("ip_type", t.ip_type.clone()),
            ("seller_kind", t.seller_kind.clone()),
            ("flow", t.flow.clone()),
            ("review", "unreviewed".to_string()),
        ] {
            c.batch_execute(&format!(
                "INSERT INTO rollups (year, month, dimension, key, turnover_fen, technical_fen, \
                 contracts, introduced) VALUES ({year}, {month}, '{dimension}', {}, {cf}, {tf}, 1, \
                 {in_count}) ON CONFLICT (year, month, dimension, key) DO UPDATE SET \
                 turnover_fen = rollups.turnover_fen + EXCLUDED.turnover_fen, \
                 technical_fen = rollups.technical_fen + EXCLUDED.technical_fen, \
                 contracts = rollups.contracts + EXCLUDED.contracts, \
                 introduced = rollups.introduced + EXCLUDED.introduced",
                lit(&key)
            ))?;
        }
        for (side, party) in [("seller", &seller), ("buyer", &buyer)] {
            c.batch_execute(&format!(
                "INSERT INTO party_rollups (year, side, party_id, turnover_fen, technical_fen, \
                 contracts) VALUES ({year}, '{side}', {party}, {cf}, {tf}, 1) \
                 ON CONFLICT (year, side, party_id) DO UPDATE SET \
                 turnover_fen = party_rollups.turnover_fen + EXCLUDED.turnover_fen, \
                 technical_fen = party_rollups.technical_fen + EXCLUDED.technical_fen, \
                 contracts = party_rollups.contracts + EXCLUDED.contracts"
            ))?;
        }
        if let Some(key) = key {
            c.batch_execute(&format!(
                "INSERT INTO idempotency_keys (user_id, key, request_hash, outcome, created_at) \
                 VALUES ({actor}, {new_key}, {}, {}, {now})",
                lit(&"0".repeat(64)),
                lit(&key.outcome),
            ))?;
        }
        c.batch_execute(&format!(
            "UPDATE audit_head SET seq = {seq}, hash = {hash} WHERE id = 1"
        ))?;
        Ok(())
    })();
    match done {
        Ok(()) => Ok(c.batch_execute("COMMIT")?),
        Err(e) => {
            let _ = c.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

/// Plain SQL, the same rows as the write path: `n` registrations, one transaction each, from
/// `writers` connections (the ceiling the write path is measured against).
fn same_rows_rate(target: &Target, writers: usize, n: usize) -> Result<f64> {
    let (contract, entry, key) = templates(&mut techledger::db::establish(&target.url)?)?;
    let per_writer = n / writers;
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..writers {
            let url = target.url.clone();
            let (contract, entry, key) = (contract.clone(), entry.clone(), key.clone());
            s.spawn(move || {
                let Ok(mut c): std::result::Result<DbConn, _> = techledger::db::establish(&url)
                else {
                    return;
                };
                for _ in 0..per_writer {
                    if let Err(e) = plain_registration(&mut c, &contract, &entry, key.as_ref()) {
                        eprintln!("plain registration failed: {e}");
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
    let without_tree = cfg!(feature = "bench-hooks");
    let baselines = std::env::var("TECHLEDGER_BENCH_BASELINES").as_deref() != Ok("0");
    if !without_tree {
        println!(
            "(build with --features bench-hooks to measure the write path without the Merkle tree too)"
        );
    }
    println!(
        "{:<9} {:>7} {:>13} {:>13} {:>19} {:>15} {:>7} {:>13} {:>7}",
        "backend",
        "writers",
        "ledger reg/s",
        "no-tree reg/s",
        "tree cost (paired)",
        "same rows tx/s",
        "ratio",
        "one row tx/s",
        "ratio"
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
            let (mut ledger, mut bare, mut same, mut one, mut paired) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for run in 0..runs {
                // With and without the tree alternate which goes first.
                if without_tree && run % 2 == 1 {
                    bare.push(ledger_rate(target, writers, n, Tree::Without)?);
                }
                ledger.push(ledger_rate(target, writers, n, Tree::Maintained)?);
                if without_tree && run % 2 == 0 {
                    bare.push(ledger_rate(target, writers, n, Tree::Without)?);
                }
                if let (Some(l), Some(b)) = (ledger.last(), bare.last()) {
                    paired.push((b - l) / b * 100.0);
                }
                if baselines {
                    same.push(same_rows_rate(target, writers, n)?);
                    one.push(one_row_rate(target, writers, n)?);
                }
            }
            let l = median(ledger);
            let (b, cost) = if bare.is_empty() {
                ("—".to_string(), "—".to_string())
            } else {
                let b = median(bare);
                (
                    format!("{b:.0}"),
                    format!("{:+.1} % ({:+.1} %)", (b - l) / b * 100.0, median(paired)),
                )
            };
            let (s, o) = if baselines {
                let (s, o) = (median(same), median(one));
                (
                    format!("{s:>15.0} {:>6.2}x", l / s),
                    format!("{o:>13.0} {:>6.2}x", l / o),
                )
            } else {
                ("—".to_string(), "—".to_string())
            };
            println!(
                "{:<9} {:>7} {:>13.0} {:>13} {:>19} {:>23} {:>21}",
                target.name, writers, l, b, cost, s, o
            );
        }
    }
    Ok(())
}
