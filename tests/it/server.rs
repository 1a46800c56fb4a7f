//! Real `techledger serve` processes for the fault and instance tests: started on a free
//! loopback port, spoken to over plain HTTP/1.1, killed with SIGKILL. Also a private
//! PostgreSQL server of a test's own (initdb, its own port and folder) that the test may stop
//! and start without touching the shared one.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{PASSWORD, temp_dir};

/// The database of a server test: its URL, and what to drop afterwards.
pub struct Database {
    pub url: String,
    _pg: Option<crate::support::PgDatabase>,
}

impl Database {
    /// A fresh SQLite file in `dir`.
    pub fn sqlite(dir: &Path) -> Database {
        Database {
            url: format!("sqlite://{}", dir.join("techledger.db").display()),
            _pg: None,
        }
    }

    /// A fresh database on the shared PostgreSQL test server, or None without one.
    pub fn postgres() -> Option<Database> {
        let Some(admin) = crate::support::pg_admin_url() else {
            eprintln!(
                "skipped: TECHLEDGER_TEST_PG_URL is not set, so the PostgreSQL half of this test did not run"
            );
            return None;
        };
        let db = crate::support::PgDatabase::create(&admin);
        Some(Database {
            url: db.url.clone(),
            _pg: Some(db),
        })
    }
}

/// The `techledger` command with a database and data directory, cheap password hashing.
pub fn techledger(url: &str, data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_techledger"));
    c.env("TECHLEDGER_DATABASE_URL", url)
        .env("TECHLEDGER_DATA_DIR", data_dir)
        .env("TECHLEDGER_AUTH__ARGON2_MEMORY_KIB", "64")
        .env("TECHLEDGER_AUTH__ARGON2_ITERATIONS", "1")
        .env("TECHLEDGER_ADMIN_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn");
    c
}

/// Creates a registrar of Lanshan (371302) with the test password, from the command line.
pub fn add_registrar(url: &str, data_dir: &Path, username: &str) {
    add_registrar_of(url, data_dir, username, "371302");
}

/// Creates a registrar of `office` with the test password, from the command line.
pub fn add_registrar_of(url: &str, data_dir: &Path, username: &str, office: &str) {
    add_user(url, data_dir, username, "registrar", Some(office));
}

/// Creates a user with the test password, from the command line.
pub fn add_user(url: &str, data_dir: &Path, username: &str, role: &str, office: Option<&str>) {
    let mut args = vec!["user", "add", "--username", username, "--role", role];
    if let Some(office) = office {
        args.extend(["--office", office]);
    }
    args.push("--password-stdin");
    let mut child = techledger(url, data_dir)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("techledger user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("password");
    let out = child.wait_with_output().expect("user add");
    assert!(
        out.status.success(),
        "user add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A free loopback port (free when asked; the server binds it right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running `techledger serve`.
pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub url: String,
    pub data_dir: PathBuf,
    pub log: PathBuf,
}

impl Server {
    /// Starts a server on `url` with `data_dir` and waits until `/health` answers.
    pub fn start(url: &str, data_dir: &Path) -> Server {
        let port = free_port();
        let log = data_dir.join(format!("server-{port}.log"));
        std::fs::create_dir_all(data_dir).expect("data dir");
        let child = techledger(url, data_dir)
            .arg("serve")
            .env("TECHLEDGER_ADDRESS", "127.0.0.1")
            .env("TECHLEDGER_PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("techledger serve");
        let mut server = Server {
            child: Some(child),
            port,
            url: url.to_string(),
            data_dir: data_dir.to_path_buf(),
            log,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            if let Ok(r) = http(self.port, "GET", "/health", None, None)
                && r.status < 500
            {
                return;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("the server exited ({status}): {}", self.log_text());
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the server did not start: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What the server logged.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no flushing, nothing.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Signs in; the token.
    pub fn login(&self, username: &str) -> String {
        let r = http(
            self.port,
            "POST",
            "/api/v1/auth/login",
            None,
            Some(&json!({"username": username, "password": PASSWORD})),
        )
        .expect("login request");
        assert_eq!(r.status, 200, "login of {username}: {}", r.body);
        r.body["token"].as_str().expect("token").to_string()
    }

    /// A request to this server.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> std::io::Result<Response> {
        http(self.port, method, path, token, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An answer.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Response {
    /// A header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request with a JSON body (or none) on its own connection.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<Response> {
    let body = body.map(Value::to_string).unwrap_or_default();
    http_raw(
        port,
        method,
        path,
        token,
        "application/json",
        body.as_bytes(),
    )
}

/// One HTTP/1.1 request on its own connection (`Connection: close`).
pub fn http_raw(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut content = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
    {
        content = dechunk(&content).ok_or_else(|| bad("bad chunked body"))?;
    }
    let body = serde_json::from_slice(&content).unwrap_or(Value::Null);
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// The JSON of a registration between two new parties (`n` makes them unique).
pub fn registration(n: u32, amount: &str) -> Value {
    let party = |m: u32, region: &str| {
        json!({
            "name": format!("故障测试企业{m}有限公司"),
            "credit_code": crate::support::credit_code(m).as_str(),
            "kind": "enterprise",
            "region": region
        })
    };
    json!({
        "title": format!("技术开发合同 {n}"),
        "contract_type": "development",
        "subtype": "commissioned",
        "seller": party(2 * n, "320102"),
        "buyer": party(2 * n + 1, "371302"),
        "signed_on": "2026-03-01",
        "contract_amount": amount,
        "technical_amount": amount,
        "tech_field": "advanced_manufacturing",
        "ip_type": "patent"
    })
}

/// `techledger verify --database URL` with the data directory's keys: its output, and whether
/// it passed.
pub fn verify(url: &str, data_dir: &Path) -> (bool, String) {
    let out = techledger(url, data_dir)
        .args(["verify", "--database", url])
        .output()
        .expect("techledger verify");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A PostgreSQL server of one test's own, run as the `postgres` OS user from Debian's
/// binaries: initdb in a temporary folder, its own port, its own socket directory. Stopped
/// and removed when dropped.
pub struct PrivatePostgres {
    bin: PathBuf,
    pub dir: PathBuf,
    pub port: u16,
}

impl PrivatePostgres {
    /// Starts one, or None (with the reason) where that cannot be done here.
    pub fn start() -> Option<PrivatePostgres> {
        crate::support::pg_admin_url()?;
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("initdb").is_file())?;
        let dir = temp_dir().join("pg");
        let port = free_port();
        let ok = Command::new("install")
            .args(["-d", "-o", "postgres", "-g", "postgres", "-m", "0700"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: cannot make a folder for a private PostgreSQL (not root?)");
            return None;
        }
        let pg = PrivatePostgres { bin, dir, port };
        let out = pg
            .as_postgres("initdb")
            .args(["--auth=trust", "--username=postgres", "--no-sync", "-D"])
            .arg(pg.dir.join("data"))
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!(
                "skipped: initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return None;
        }
        pg.pg_ctl("start");
        Some(pg)
    }

    fn as_postgres(&self, program: &str) -> Command {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(self.bin.join(program));
        c
    }

    /// `pg_ctl start` or `pg_ctl stop` (fast), waiting for it.
    pub fn pg_ctl(&self, action: &str) {
        let mut c = self.as_postgres("pg_ctl");
        c.arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "60"]);
        if action == "start" {
            c.arg("-o").arg(format!(
                "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
                self.port,
                self.dir.display()
            ));
        } else {
            c.args(["-m", "fast"]);
        }
        let out = c.arg(action).output().expect("pg_ctl");
        assert!(
            out.status.success(),
            "pg_ctl {action}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A new database on it.
    pub fn create_database(&self, name: &str) -> String {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", self.port);
        let mut conn = diesel::PgConnection::establish(&admin).expect("private PostgreSQL");
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
