//! Faults, against real `techledger serve` processes: SIGKILL during concurrent writes (on
//! SQLite and PostgreSQL), PostgreSQL going away and coming back (a private server of the
//! test's own), and SQLite's disk filling up (a tiny tmpfs).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::server::*;
use crate::support::temp_dir;

/// The registrations acknowledged (201), as (id, registration number).
type Acknowledged = Arc<Mutex<Vec<(String, String)>>>;

/// Registrations sent by `threads` clients until `stop` (or an error: the server is gone);
/// what was acknowledged (201), as (id, registration number).
fn writers(
    server: &Server,
    token: &str,
    threads: u32,
    stop: &Arc<AtomicBool>,
) -> (Acknowledged, Vec<std::thread::JoinHandle<()>>) {
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let handles = (0..threads)
        .map(|t| {
            let (port, token, stop, acknowledged) = (
                server.port,
                token.to_string(),
                Arc::clone(stop),
                Arc::clone(&acknowledged),
            );
            std::thread::spawn(move || {
                for k in 0..2_000u32 {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let body = registration(10_000 + t * 2_000 + k, "1000.00");
                    match http(port, "POST", "/api/v1/contracts", Some(&token), Some(&body)) {
                        Ok(r) if r.status == 201 => acknowledged.lock().unwrap().push((
                            r.body["id"].as_str().unwrap().to_string(),
                            r.body["registration_no"].as_str().unwrap().to_string(),
                        )),
                        Ok(r) => panic!("a registration answered {}: {}", r.status, r.body),
                        // The server was killed: whatever was not answered is not owed.
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    (acknowledged, handles)
}

fn killed_during_writes(db: Database) {
    let dir = temp_dir();
    let data_dir = dir.join("data");
    add_registrar(&db.url, &data_dir, "reg1");
    let mut server = Server::start(&db.url, &data_dir);
    let token = server.login("reg1");
    let stop = Arc::new(AtomicBool::new(false));
    let (acknowledged, handles) = writers(&server, &token, 6, &stop);
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 40 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    stop.store(true, Ordering::SeqCst);
    for h in handles {
        h.join().expect("a writer thread");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 40,
        "only {} registrations were acknowledged before the kill",
        acknowledged.len()
    );

    let server = Server::start(&db.url, &data_dir);
    let token = server.login("reg1");
    for (id, number) in &acknowledged {
        let r = server
            .request(
                "GET",
                &format!("/api/v1/contracts/{id}"),
                Some(&token),
                None,
            )
            .expect("read back");
        assert_eq!(
            r.status, 200,
            "acknowledged contract {id} is gone: {}",
            r.body
        );
        assert_eq!(r.body["registration_no"], number.as_str(), "{id}");
    }
    drop(server);
    let (ok, out) = verify(&db.url, &data_dir);
    assert!(ok, "after the kill: {out}");
}

mod killed_during_concurrent_writes {
    use super::*;

    #[test]
    fn sqlite() {
        let dir = temp_dir();
        killed_during_writes(Database::sqlite(&dir));
    }

    #[test]
    fn postgres() {
        if let Some(db) = Database::postgres() {
            killed_during_writes(db);
        }
    }
}

/// PostgreSQL stops under a running server: writes answer 503 with Retry-After, nothing is
/// half-written, and the server carries on when the database is back.
#[test]
fn postgres_going_away_and_coming_back() {
    let Some(pg) = PrivatePostgres::start() else {
        eprintln!("skipped: no private PostgreSQL could be started here");
        return;
    };
    let url = pg.create_database("ledger");
    let dir = temp_dir();
    let data_dir = dir.join("data");
    add_registrar(&url, &data_dir, "reg1");
    let server = Server::start(&url, &data_dir);
    let token = server.login("reg1");
    let register = |n: u32| {
        server
            .request(
                "POST",
                "/api/v1/contracts",
                Some(&token),
                Some(&registration(n, "1000.00")),
            )
            .expect("the server answers")
    };
    let mut acknowledged = 0;
    for n in 0..3 {
        let r = register(n);
        assert_eq!(r.status, 201, "{}", r.body);
        acknowledged += 1;
    }

    pg.pg_ctl("stop");
    for n in 10..13 {
        let r = register(n);
        assert_eq!(
            r.status, 503,
            "a write while the database is away: {}",
            r.body
        );
        assert!(r.header("Retry-After").is_some(), "{:?}", r.headers);
        assert_eq!(
            r.body["type"]
                .as_str()
                .map(|t| t.ends_with("database_unavailable")),
            Some(true),
            "{}",
            r.body
        );
    }
    let r = server
        .request("GET", "/api/v1/contracts", Some(&token), None)
        .expect("the server answers");
    assert_eq!(
        r.status, 503,
        "a read while the database is away: {}",
        r.body
    );
    assert!(r.header("Retry-After").is_some(), "{:?}", r.headers);

    pg.pg_ctl("start");
    let started = Instant::now();
    let mut n = 20;
    loop {
        let r = register(n);
        n += 1;
        if r.status == 201 {
            acknowledged += 1;
            break;
        }
        assert_eq!(r.status, 503, "{}", r.body);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not recover: {}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Reads recover too, and hold exactly what was acknowledged.
    let started = Instant::now();
    let list = loop {
        let r = server
            .request("GET", "/api/v1/contracts?limit=100", Some(&token), None)
            .expect("the server answers");
        if r.status == 200 {
            break r.body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "reads did not recover: {}",
            r.body
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let items = list["items"].as_array().map_or(0, Vec::len);
    assert_eq!(items, acknowledged, "{list}");
    drop(server);
    let (ok, out) = verify(&url, &data_dir);
    assert!(ok, "after the database came back: {out}");
}

/// A tiny tmpfs mounted for one test, unmounted when dropped.
struct TinyDisk {
    dir: std::path::PathBuf,
}

impl TinyDisk {
    fn mount(size: &str) -> Option<TinyDisk> {
        let dir = temp_dir().join("disk");
        std::fs::create_dir_all(&dir).ok()?;
        let out = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&dir)
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!(
                "skipped: cannot mount a tmpfs here ({})",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        Some(TinyDisk { dir })
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.dir).status();
    }
}

/// Fills what is left of the disk; the file that did it.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("filler");
    let block = vec![0u8; 4096];
    while file.write_all(&block).is_ok() {}
    let _ = file.sync_all();
    path
}

#[test]
fn sqlite_disk_full() {
    let Some(disk) = TinyDisk::mount("8m") else {
        return;
    };
    let dir = temp_dir();
    let data_dir = dir.join("data");
    let url = format!("sqlite://{}", disk.dir.join("techledger.db").display());
    add_registrar(&url, &data_dir, "reg1");
    let server = Server::start(&url, &data_dir);
    let token = server.login("reg1");
    let register = |n: u32| {
        server
            .request(
                "POST",
                "/api/v1/contracts",
                Some(&token),
                Some(&registration(n, "1000.00")),
            )
            .expect("the server answers")
    };
    let mut acknowledged = 0;
    for n in 0..3 {
        assert_eq!(register(n).status, 201);
        acknowledged += 1;
    }
    let filler = fill(&disk.dir);
    let mut refused = 0;
    for n in 10..40 {
        let r = register(n);
        match r.status {
            201 => acknowledged += 1,
            503 => {
                assert_eq!(
                    r.body["type"].as_str().map(|t| t.ends_with("storage_full")),
                    Some(true),
                    "{}",
                    r.body
                );
                assert!(r.header("Retry-After").is_some(), "{:?}", r.headers);
                refused += 1;
            }
            other => panic!("a registration on a full disk answered {other}: {}", r.body),
        }
    }
    assert!(refused > 0, "the full disk refused nothing");
    std::fs::remove_file(filler).expect("free the disk");
    let r = register(100);
    assert_eq!(r.status, 201, "after the disk was freed: {}", r.body);
    acknowledged += 1;
    let r = server
        .request("GET", "/api/v1/contracts?limit=100", Some(&token), None)
        .expect("list");
    assert_eq!(
        r.body["items"].as_array().map_or(0, Vec::len),
        acknowledged,
        "{}",
        r.body
    );
    drop(server);
    let (ok, out) = verify(&url, &data_dir);
    assert!(ok, "after the disk was full: {out}");
}
