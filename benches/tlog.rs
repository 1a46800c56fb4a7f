//! Benchmark: inclusion and consistency proofs from the stored Merkle tree of a log of
//! 1,000,000 entries (goal: an inclusion proof's p50 ≤ 2 ms), on SQLite and (with
//! `TECHLEDGER_BENCH_PG_URL`) PostgreSQL, beside the floor of any answer from the database
//! measured in the same run: one primary-key lookup of one stored hash.
//!
//! A proof is what `GET /api/v1/audit/proof/inclusion` computes (`api::log::prove_inclusion`):
//! the leaf's hash and the audit path, read in one statement per 500 hashes.
//!
//! Run: `cargo bench --bench tlog` — environment: `TECHLEDGER_BENCH_LEAVES` (default
//! 1,000,000), `TECHLEDGER_BENCH_PROOFS` (default 2000).

use std::error::Error;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use techledger::audit::merkle::{self, Frontier};
use techledger::db::{DatabaseUrl, DbConn};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A small deterministic generator (xorshift), so runs pick the same leaves.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Fills `tlog_hashes` with the tree of `leaves` synthetic leaves and moves the head there.
fn fill(conn: &mut DbConn, leaves: u64, postgres: bool) -> Result<()> {
    let started = Instant::now();
    let mut tree = Frontier::default();
    let mut rows: Vec<String> = Vec::with_capacity(1000);
    let blob = |h: &[u8]| {
        let hex = techledger::audit::entry::to_hex(h);
        if postgres {
            format!("decode('{hex}', 'hex')")
        } else {
            format!("x'{hex}'")
        }
    };
    conn.batch_execute("BEGIN")?;
    for n in 0..leaves {
        let first = merkle::stored_hash_index(0, n);
        for (i, h) in tree
            .append(merkle::leaf_hash(format!("entry {n}").as_bytes()))
            .into_iter()
            .enumerate()
        {
            rows.push(format!("({}, {})", first + i as u64, blob(&h)));
        }
        if rows.len() >= 1000 {
            conn.batch_execute(&format!(
                "INSERT INTO tlog_hashes (id, hash) VALUES {}",
                rows.join(",")
            ))?;
            rows.clear();
        }
    }
    if !rows.is_empty() {
        conn.batch_execute(&format!(
            "INSERT INTO tlog_hashes (id, hash) VALUES {}",
            rows.join(",")
        ))?;
    }
    conn.batch_execute(&format!(
        "UPDATE audit_head SET seq = {leaves} WHERE id = 1"
    ))?;
    conn.batch_execute("COMMIT")?;
    if postgres {
        conn.batch_execute("ANALYZE tlog_hashes")?;
    }
    println!(
        "  built a tree of {leaves} leaves ({} stored hashes) in {:.1} s",
        merkle::stored_hash_count(leaves),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn measure(name: &str, conn: &mut DbConn, leaves: u64, proofs: usize) -> Result<()> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let size = leaves as i64;
    // The floor: one stored hash by its key.
    let mut floor = Vec::with_capacity(proofs);
    for _ in 0..proofs {
        let id = merkle::stored_hash_index(0, rng.below(leaves));
        let t = Instant::now();
        let h = merkle::HashSource::hashes(&mut techledger::audit::tlog::Stored(conn), &[id])?;
        floor.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(h);
    }
    // Every proof is checked against the root (after its time is taken): a path of the wrong
    // hashes would make a fast and worthless benchmark.
    let root = merkle::root(leaves, &mut techledger::audit::tlog::Stored(conn))?;
    let mut inclusion = Vec::with_capacity(proofs);
    for _ in 0..proofs {
        let seq = rng.below(leaves) as i64 + 1;
        let t = Instant::now();
        let proof = techledger::api::log::prove_inclusion(conn, seq, size)?;
        inclusion.push(t.elapsed().as_secs_f64() * 1e3);
        let leaf = merkle::parse_hex(&proof.leaf_hash).ok_or("leaf hash")?;
        let path = proof
            .hashes
            .iter()
            .map(|h| merkle::parse_hex(h))
            .collect::<Option<Vec<_>>>()
            .ok_or("proof hash")?;
        assert!(
            merkle::verify_inclusion(seq as u64 - 1, leaves, &leaf, &path, &root),
            "the proof of entry {seq} does not lead to the root"
        );
    }
    // One at a time: proofs per second of proving time.
    let per_second = proofs as f64 / (inclusion.iter().sum::<f64>() / 1e3);
    let mut consistency = Vec::with_capacity(proofs);
    for _ in 0..proofs {
        let from = rng.below(leaves - 1) + 1;
        let t = Instant::now();
        let p =
            merkle::consistency_proof(from, leaves, &mut techledger::audit::tlog::Stored(conn))?;
        consistency.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(p);
    }
    for v in [&mut floor, &mut inclusion, &mut consistency] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    println!(
        "  {name}: inclusion proof p50 {:.3} ms, p99 {:.3} ms ({per_second:.0} proofs/s, one at a time); \
         consistency proof p50 {:.3} ms, p99 {:.3} ms; one stored hash by key (floor) p50 {:.3} ms",
        percentile(&inclusion, 0.5),
        percentile(&inclusion, 0.99),
        percentile(&consistency, 0.5),
        percentile(&consistency, 0.99),
        percentile(&floor, 0.5),
    );
    Ok(())
}

fn main() -> Result<()> {
    let leaves: u64 = std::env::var("TECHLEDGER_BENCH_LEAVES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let proofs: usize = std::env::var("TECHLEDGER_BENCH_PROOFS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("proofs from a stored tree of {leaves} leaves, {proofs} proofs each, {cores} cores");

    let dir = std::env::temp_dir().join(format!("tl-bench-tlog-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let url = DatabaseUrl::Sqlite(dir.join("tlog.db"));
    let mut conn = techledger::db::establish(&url)?;
    techledger::db::run_migrations(&mut conn)?;
    fill(&mut conn, leaves, false)?;
    measure("SQLite", &mut conn, leaves, proofs)?;
    drop(conn);
    std::fs::remove_dir_all(&dir).ok();

    if let Ok(admin_url) = std::env::var("TECHLEDGER_BENCH_PG_URL") {
        let name = format!("tl_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&admin_url)?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        let url: DatabaseUrl = format!("{base}/{name}").parse()?;
        let result = (|| -> Result<()> {
            let mut conn = techledger::db::establish(&url)?;
            techledger::db::run_migrations(&mut conn)?;
            fill(&mut conn, leaves, true)?;
            measure("PostgreSQL", &mut conn, leaves, proofs)
        })();
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        result?;
    }
    Ok(())
}
