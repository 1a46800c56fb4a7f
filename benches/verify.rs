//! Benchmark: offline verification (`techledger verify FILE --jwks`) in entries per second, on
//! one thread and on every core, beside `openssl speed ed25519` verify/s on one core measured
//! in the same run.
//!
//! The chain is built in memory exactly as the ledger builds it (canonical JSON, SHA-256 links,
//! an Ed25519 JWS per entry, realistic contract payloads), written as an export file, then read
//! back and verified like the CLI does.
//!
//! Run: `cargo bench --bench verify` — `TECHLEDGER_BENCH_ENTRIES` (default 100000),
//! `TECHLEDGER_BENCH_RUNS` (default 3).

use std::io::{BufRead, Write};
use std::time::Instant;

use techledger::audit::entry::{
    ActorRef, AuditEntry, EntityRef, EntryBody, EntryClaims, GENESIS_HASH,
};
use techledger::audit::keys::KeyPair;
use techledger::audit::trust::Anchors;
use techledger::audit::verify::ChainVerifier;

/// The allocator the `techledger` binary uses, so that the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// A contract registration's entity and payload, as the ledger writes them.
fn contract_entry(i: usize) -> (&'static str, EntityRef, serde_json::Value) {
    let seq = i as i64 + 1;
    let entity = EntityRef {
        kind: "contract".into(),
        id: uuid::Uuid::now_v7().to_string(),
    };
    let payload = serde_json::json!({
        "command": {"command": "register_contract", "title": "一种智能农机控制系统技术开发", "contract_amount": "1250000.00",
                    "technical_amount": "1000000.00", "contract_type": "development", "tech_field": "advanced_manufacturing"},
        "state": {"id": entity.id, "registration_no": format!("2026371302{:06}", i % 999_999 + 1), "status": "registered",
                  "contract_amount": "1250000.00", "technical_amount": "1000000.00", "office": "371302", "version": 1,
                  "seller_region": "320102", "buyer_region": "371302", "flow": "inflow", "introduced": true, "audit_seq": seq}
    });
    ("contract.register", entity, payload)
}

fn build(n: usize, key: &KeyPair, path: &std::path::Path) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut prev = GENESIS_HASH.to_string();
    let actor = ActorRef {
        id: uuid::Uuid::now_v7().to_string(),
        username: "demo-371302-a".into(),
        role: "registrar".into(),
    };
    for i in 0..n {
        let seq = i as i64 + 1;
        let id = uuid::Uuid::now_v7().to_string();
        let at = techledger::time::rfc3339(techledger::time::now());
        // The first entry announces the key (the chain's root of trust), as in a real chain.
        let (action, entity, payload) = if i == 0 {
            let entity = EntityRef {
                kind: "key".into(),
                id: key.kid().to_string(),
            };
            let payload = serde_json::json!({"kid": key.kid(), "algorithm": "EdDSA",
                "public_key": key.public_key(), "previous": null, "endorsement": null});
            ("key.rotate", entity, payload)
        } else {
            contract_entry(i)
        };
        let body = EntryBody {
            seq,
            id: &id,
            at: &at,
            actor: Some(&actor),
            action,
            entity: &entity,
            payload: &payload,
            prev_hash: &prev,
        };
        let hash = body.hash().map_err(std::io::Error::other)?;
        let signature = key
            .sign(&EntryClaims {
                seq,
                hash: hash.clone(),
                prev_hash: prev.clone(),
                iat: 1_790_000_000,
            })
            .map_err(std::io::Error::other)?;
        let entry = AuditEntry {
            seq,
            id,
            at,
            actor: Some(actor.clone()),
            action: action.into(),
            entity,
            payload,
            prev_hash: prev,
            hash: hash.clone(),
            kid: key.kid().to_string(),
            signature,
        };
        writeln!(out, "{}", entry.to_line().map_err(std::io::Error::other)?)?;
        prev = hash;
    }
    out.flush()
}

fn verify(path: &std::path::Path, anchors: &Anchors, threads: usize) -> f64 {
    let started = Instant::now();
    let file = std::fs::File::open(path).expect("export");
    let mut v = ChainVerifier::new(anchors, threads);
    for line in std::io::BufReader::new(file).lines() {
        let entry: AuditEntry = serde_json::from_str(&line.expect("line")).expect("entry");
        v.push(entry);
    }
    let result = v.finish();
    assert!(result.ok, "{result:?}");
    result.entries as f64 / started.elapsed().as_secs_f64()
}

fn openssl_verify_per_second() -> Option<f64> {
    let out = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "3", "ed25519"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "253 bits EdDSA (Ed25519)   0.0000s   0.0001s  45000.0  12000.0": the last is verify/s.
    text.lines()
        .find(|l| l.contains("Ed25519") && l.contains("EdDSA"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
}

fn main() {
    let n: usize = std::env::var("TECHLEDGER_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = std::env::var("TECHLEDGER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let key = KeyPair::generate();
    let path = std::env::temp_dir().join(format!(
        "tl-bench-verify-{}.jsonl",
        uuid::Uuid::new_v4().simple()
    ));
    let started = Instant::now();
    build(n, &key, &path).expect("build the chain");
    println!(
        "built {n} signed entries in {:.1} s ({:.0} entries/s signing)",
        started.elapsed().as_secs_f64(),
        n as f64 / started.elapsed().as_secs_f64()
    );
    let keys = Anchors::none("export")
        .with_root(&key.fingerprint())
        .expect("root");
    let one: Vec<f64> = (0..runs).map(|_| verify(&path, &keys, 1)).collect();
    let all = median((0..runs).map(|_| verify(&path, &keys, cores)).collect());
    let openssl = openssl_verify_per_second();
    println!("offline verify of {n} entries, median of {runs} runs, {cores} cores");
    println!(
        "  techledger verify, 1 thread:      {:>9.0} entries/s",
        median(one)
    );
    println!("  techledger verify, {cores} threads:     {all:>9.0} entries/s");
    match openssl {
        Some(o) => println!(
            "  openssl speed ed25519, 1 core:   {o:>9.0} verify/s (baseline; ratio {:.2}x)",
            all / o
        ),
        None => println!("  openssl speed ed25519: not available"),
    }
    let _ = std::fs::remove_file(path);
}
