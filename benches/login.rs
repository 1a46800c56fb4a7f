//! Benchmark: a failed login takes the same time for an unknown user as for a wrong password
//! (no user enumeration by timing). Production argon2 parameters, the real HTTP path through
//! Rocket's local client, the two cases interleaved; medians and the difference reported.
//! Goal: within 20 %.
//!
//! Run: `cargo bench --bench login` — `TECHLEDGER_BENCH_LOGINS` (per case, default 60).

use std::time::Instant;

use rocket::http::{ContentType, Status};
use techledger::config::Config;
use techledger::db::DatabaseUrl;
use techledger::domain::Role;
use techledger::ledger::{Command, NewUser, Principal, Request};

/// The allocator the `techledger` binary uses, so that the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[rocket::main]
async fn main() {
    let n: usize = std::env::var("TECHLEDGER_BENCH_LOGINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let dir =
        std::env::temp_dir().join(format!("tl-bench-login-{}", uuid::Uuid::new_v4().simple()));
    let mut config = Config {
        database_url: DatabaseUrl::Sqlite(dir.join("bench.db")),
        data_dir: dir.clone(),
        ..Config::default()
    };
    // Production hashing cost; no throttling, which would cut the measurement short.
    config.auth.failed_logins_per_minute = u32::MAX;
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
    services
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
    let client = rocket::local::asynchronous::Client::untracked(techledger::app::rocket(services))
        .await
        .expect("rocket");
    let attempt = |username: &'static str| {
        let client = &client;
        async move {
            let started = Instant::now();
            let res = client
                .post("/api/v1/auth/login")
                .header(ContentType::JSON)
                .body(format!(
                    "{{\"username\":\"{username}\",\"password\":\"a wrong password\"}}"
                ))
                .dispatch()
                .await;
            assert_eq!(res.status(), Status::Unauthorized);
            started.elapsed().as_secs_f64() * 1000.0
        }
    };
    // Warm up.
    for _ in 0..3 {
        attempt("clerk").await;
        attempt("nobody").await;
    }
    let mut unknown = Vec::with_capacity(n);
    let mut wrong = Vec::with_capacity(n);
    for _ in 0..n {
        wrong.push(attempt("clerk").await);
        unknown.push(attempt("nobody").await);
    }
    let (u, w) = (median(unknown), median(wrong));
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("failed login, median of {n} each, {cores} cores, argon2id m=19456 KiB t=2");
    println!("  unknown user:   {u:>8.2} ms");
    println!("  wrong password: {w:>8.2} ms");
    println!(
        "  difference:     {:>8.1} % (goal < 20 %)",
        (u - w).abs() / w.min(u) * 100.0
    );
    let _ = std::fs::remove_dir_all(dir);
}
