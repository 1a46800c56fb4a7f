//! Benchmark: what the revocation check adds to the request guard. Every authenticated request
//! reads its user; since signing out revokes single tokens, the same statement also asks
//! whether the token's `jti` was revoked (`auth::revocations::user_and_revoked`). Measured
//! beside the lookup the guard made before (`db::models::users::by_id`), with many revoked
//! tokens in the table, and the whole `GET /api/v1/me` through Rocket's local client for scale.
//! SQLite, and PostgreSQL with `TECHLEDGER_BENCH_PG_URL`.
//!
//! Run: `cargo bench --bench guard` — `TECHLEDGER_BENCH_GUARD_CALLS` (per round, default
//! 2,000), `TECHLEDGER_BENCH_REVOKED` (revoked tokens in the table, default 10,000).

use std::time::Instant;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use rocket::http::{Header, Status};
use techledger::config::Config;
use techledger::db::DatabaseUrl;
use techledger::domain::Role;
use techledger::ledger::{Command, NewUser, Principal, Request};

/// The allocator the `techledger` binary uses, so that the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Microseconds per call over one round of `calls` calls.
fn per_call(calls: usize, mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..calls {
        f();
    }
    started.elapsed().as_secs_f64() * 1e6 / calls as f64
}

async fn run(name: &str, url: DatabaseUrl, dir: &std::path::Path) {
    let calls = env("TECHLEDGER_BENCH_GUARD_CALLS", 2000);
    let revoked = env("TECHLEDGER_BENCH_REVOKED", 10_000);
    let mut config = Config {
        database_url: url.clone(),
        data_dir: dir.join(name),
        ..Config::default()
    };
    config.auth.argon2_memory_kib = 64;
    config.auth.argon2_iterations = 1;
    let opened = config.clone();
    let services = rocket::tokio::task::spawn_blocking(move || {
        techledger::app::open_without_bootstrap(opened)
    })
    .await
    .expect("task")
    .expect("open");
    let hash = services
        .passwords
        .hash("the right password 1")
        .expect("hash");
    let outcome = services
        .ledger
        .execute(Request::new(
            Principal::System,
            Command::CreateUser(NewUser {
                credit_code: None,
                username: "clerk".into(),
                display_name: "clerk".into(),
                role: Role::Auditor,
                office: None,
                password_hash: hash,
            }),
        ))
        .await
        .expect("user");
    let user_id = outcome.body["id"].as_str().expect("id").to_string();
    let mut conn = techledger::db::establish(&url).expect("connect");
    // Many signed-out tokens, none of them the one asked about.
    let now = techledger::time::now();
    let later = now + chrono::Duration::hours(8);
    for chunk in (0..revoked).collect::<Vec<_>>().chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| format!("('revoked{i:08}', '{user_id}', '{later}', '{now}')"))
            .collect();
        conn.batch_execute(&format!(
            "INSERT INTO revoked_tokens (jti, user_id, expires_at, revoked_at) VALUES {}",
            values.join(",")
        ))
        .expect("revocations");
    }
    let jti = "a-token-never-revoked";
    let before = |conn: &mut techledger::db::DbConn| {
        techledger::db::models::users::by_id(conn, &user_id)
            .expect("query")
            .expect("user");
    };
    let after = |conn: &mut techledger::db::DbConn| {
        let (_, revoked) = techledger::auth::revocations::user_and_revoked(conn, &user_id, jti)
            .expect("query")
            .expect("user");
        assert!(!revoked);
    };
    // Warm both up, then alternate their rounds so that drift hits both alike.
    for _ in 0..calls {
        before(&mut conn);
        after(&mut conn);
    }
    let (mut before_rounds, mut after_rounds) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        before_rounds.push(per_call(calls, || before(&mut conn)));
        after_rounds.push(per_call(calls, || after(&mut conn)));
    }
    let (before, after) = (median(before_rounds), median(after_rounds));
    let client = rocket::local::asynchronous::Client::untracked(techledger::app::rocket(services))
        .await
        .expect("rocket");
    let res = client
        .post("/api/v1/auth/login")
        .header(rocket::http::ContentType::JSON)
        .body(r#"{"username":"clerk","password":"the right password 1"}"#)
        .dispatch()
        .await;
    let body: serde_json::Value = res.into_json().await.expect("login");
    let token = body["token"].as_str().expect("token").to_string();
    let mut rounds = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        for _ in 0..calls / 4 {
            let res = client
                .get("/api/v1/me")
                .header(Header::new("Authorization", format!("Bearer {token}")))
                .dispatch()
                .await;
            assert_eq!(res.status(), Status::Ok);
        }
        rounds.push(started.elapsed().as_secs_f64() * 1e6 / (calls / 4) as f64);
    }
    let me = median(rounds);
    println!("{name}: {revoked} revoked tokens in the table, median of 7 rounds of {calls}");
    println!("  guard lookup before (user by id):             {before:>8.1} µs");
    println!(
        "  guard lookup now (user + revoked, one query):  {after:>8.1} µs  ({:+.1} µs)",
        after - before
    );
    println!("  GET /api/v1/me end to end (local client):      {me:>8.1} µs");
}

#[rocket::main]
async fn main() {
    let dir =
        std::env::temp_dir().join(format!("tl-bench-guard-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("request guard, {cores} cores");
    run("sqlite", DatabaseUrl::Sqlite(dir.join("guard.db")), &dir).await;
    if let Ok(admin) = std::env::var("TECHLEDGER_BENCH_PG_URL") {
        let name = format!("tl_bench_{}", uuid::Uuid::new_v4().simple());
        let mut a = diesel::PgConnection::establish(&admin).expect("postgres");
        a.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        run(
            "postgres",
            format!("{base}/{name}").parse().expect("url"),
            &dir,
        )
        .await;
        let _ = a.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
    let _ = std::fs::remove_dir_all(dir);
}
