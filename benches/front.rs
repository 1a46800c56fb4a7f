//! Benchmark: what the front listener (read timeouts, `http::front`) costs a request. The same
//! services are served twice — through `app::serve` (front, then Rocket on a loopback port) and
//! by Rocket alone on its own port, as before — and each answers `GET /health` on keep-alive
//! connections: one connection at a time (median latency) and 16 at once (requests/s).
//!
//! Run: `cargo bench --bench front` — `TECHLEDGER_BENCH_REQUESTS` (per run, default 5,000).

use std::net::SocketAddr;
use std::time::Instant;

use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
use rocket::tokio::net::TcpStream;
use techledger::config::Config;
use techledger::db::DatabaseUrl;

/// The allocator the `techledger` binary uses, so that the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const REQUEST: &[u8] = b"GET /health HTTP/1.1\r\nHost: techledger\r\n\r\n";

/// Sends one request on a keep-alive connection and reads the whole answer.
async fn one(stream: &mut TcpStream, buf: &mut Vec<u8>) {
    stream.write_all(REQUEST).await.expect("write");
    buf.clear();
    let mut chunk = [0u8; 4096];
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
                assert!(head.starts_with("http/1.1 200"), "{head}");
                return;
            }
        }
    }
}

async fn measure(name: &str, address: SocketAddr, requests: usize) {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut buf = Vec::new();
    for _ in 0..200 {
        one(&mut stream, &mut buf).await;
    }
    let mut latencies = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        one(&mut stream, &mut buf).await;
        latencies.push(started.elapsed().as_secs_f64() * 1e6);
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let median = latencies[latencies.len() / 2];
    let p99 = latencies[latencies.len() * 99 / 100];
    let started = Instant::now();
    let per = requests / 16;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            rocket::tokio::spawn(async move {
                let mut stream = TcpStream::connect(address).await.expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let mut buf = Vec::new();
                for _ in 0..per {
                    one(&mut stream, &mut buf).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let rate = (per * 16) as f64 / started.elapsed().as_secs_f64();
    println!(
        "  {name:<22} one connection: median {median:>7.1} µs, p99 {p99:>7.1} µs; 16 connections: {rate:>8.0} requests/s"
    );
}

fn services(dir: &std::path::Path, name: &str) -> techledger::app::Services {
    let mut config = Config {
        database_url: DatabaseUrl::Sqlite(dir.join(format!("{name}.db"))),
        data_dir: dir.join(name),
        port: 0,
        ..Config::default()
    };
    config.auth.argon2_memory_kib = 64;
    config.auth.argon2_iterations = 1;
    techledger::app::open_without_bootstrap(config).expect("open")
}

#[rocket::main]
async fn main() {
    let requests: usize = std::env::var("TECHLEDGER_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let dir =
        std::env::temp_dir().join(format!("tl-bench-front-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("GET /health over HTTP/1.1 keep-alive, {requests} requests each, {cores} cores");

    // Rocket alone, as `techledger serve` ran before the front listener.
    let plain = {
        let d = dir.clone();
        rocket::tokio::task::spawn_blocking(move || services(&d, "plain"))
            .await
            .expect("task")
    };
    let (tx, rx) = rocket::tokio::sync::oneshot::channel::<u16>();
    let tx = std::sync::Mutex::new(Some(tx));
    let rocket = techledger::app::rocket(plain).attach(rocket::fairing::AdHoc::on_liftoff(
        "port",
        move |r| {
            let port = r.config().port;
            Box::pin(async move {
                if let Some(tx) = tx.lock().ok().and_then(|mut t| t.take()) {
                    let _ = tx.send(port);
                }
            })
        },
    ));
    let ignited = rocket.ignite().await.expect("ignite");
    let plain_shutdown = ignited.shutdown();
    let plain_server = rocket::tokio::spawn(ignited.launch());
    let plain_port = rx.await.expect("port");

    let fronted = {
        let d = dir.clone();
        rocket::tokio::task::spawn_blocking(move || services(&d, "front"))
            .await
            .expect("task")
    };
    let listener = rocket::tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let serving = techledger::app::serve(fronted, listener)
        .await
        .expect("serve");

    for round in 1..=2 {
        println!("round {round}");
        measure(
            "Rocket alone",
            SocketAddr::from(([127, 0, 0, 1], plain_port)),
            requests,
        )
        .await;
        measure("front + Rocket", serving.address, requests).await;
    }
    plain_shutdown.notify();
    let _ = plain_server.await;
    let _ = serving.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
