//! Test support: every test gets its own fresh database — a temporary SQLite file, or a new
//! PostgreSQL database (created here and dropped afterwards) when `TECHLEDGER_TEST_PG_URL`
//! names a server — and a service built exactly as `techledger serve` builds it.

#![allow(dead_code)]

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use serde_json::{Value, json};
use techledger::config::Config;
use techledger::db::{Backend, DatabaseUrl, DbConn};
use techledger::domain::{OfficeCode, Role};
use techledger::ledger::{Actor, Command, Ledger, NewUser, Principal, Request};

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A PostgreSQL database that exists for one test.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn create(admin_url: &str) -> PgDatabase {
        let name = format!("tl_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(admin_url).unwrap_or_else(|e| {
            panic!("TECHLEDGER_TEST_PG_URL is set but PostgreSQL is unreachable: {e}")
        });
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
        PgDatabase {
            admin_url: admin_url.to_string(),
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A running service on a fresh database.
pub struct TestApp {
    pub client: Client,
    pub backend: Backend,
    pub config: Config,
    pub ledger: Ledger,
    pub dir: PathBuf,
    pg: Option<PgDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The PostgreSQL server for tests, if configured.
pub fn pg_admin_url() -> Option<String> {
    std::env::var("TECHLEDGER_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A configuration on a fresh temporary directory, cheap to hash passwords with.
pub fn test_config(database_url: DatabaseUrl, dir: &std::path::Path) -> Config {
    let mut config = Config {
        database_url,
        data_dir: dir.to_path_buf(),
        database_pool_size: 4,
        ..Config::default()
    };
    config.auth.argon2_memory_kib = 64;
    config.auth.argon2_iterations = 1;
    config
}

/// A fresh temporary directory.
pub fn temp_dir() -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("techledger-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

impl TestApp {
    /// A service on a fresh SQLite file.
    pub async fn sqlite() -> TestApp {
        Self::sqlite_with(|_| {}).await
    }

    /// The same, with a configuration tweak.
    pub async fn sqlite_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = temp_dir();
        let url = DatabaseUrl::Sqlite(dir.join("techledger.db"));
        Self::start(url, dir, None, tweak).await
    }

    /// A service on a fresh PostgreSQL database, or None (and a note) without a server.
    pub async fn postgres() -> Option<TestApp> {
        Self::postgres_with(|_| {}).await
    }

    /// The same, with a configuration tweak.
    pub async fn postgres_with(tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let Some(admin) = pg_admin_url() else {
            eprintln!(
                "skipped: TECHLEDGER_TEST_PG_URL is not set, so the PostgreSQL half of this test did not run"
            );
            return None;
        };
        let db = PgDatabase::create(&admin);
        let url: DatabaseUrl = db.url.parse().expect("pg url");
        Some(Self::start(url, temp_dir(), Some(db), tweak).await)
    }

    async fn start(
        url: DatabaseUrl,
        dir: PathBuf,
        pg: Option<PgDatabase>,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut config = test_config(url, &dir);
        tweak(&mut config);
        let backend = config.database_url.backend();
        let opened = config.clone();
        let services = rocket::tokio::task::spawn_blocking(move || techledger::app::open(opened))
            .await
            .expect("open task")
            .expect("service opens");
        let ledger = services.ledger.clone();
        let client = Client::tracked(techledger::app::rocket(services))
            .await
            .expect("rocket");
        TestApp {
            client,
            backend,
            config,
            ledger,
            dir,
            pg,
        }
    }

    /// A direct connection to the test database (for inspecting and tampering).
    pub fn connect(&self) -> DbConn {
        techledger::db::establish(&self.config.database_url).expect("connect")
    }

    /// The seq of the audit chain's head (0 before the first entry).
    pub fn head_seq(&self) -> i64 {
        techledger::audit::chain::read_head(&mut self.connect())
            .expect("head")
            .seq
    }

    /// Creates a user through the ledger and signs them in.
    pub async fn user(&self, username: &str, role: Role, office: Option<OfficeCode>) -> TestUser {
        self.user_with(username, role, office, None).await
    }

    /// An active applicant of Lanshan (371302) for the party with `credit_code(n)`.
    pub async fn applicant(&self, username: &str, n: u32) -> TestUser {
        self.user_with(
            username,
            Role::Applicant,
            Some(OfficeCode::parse("371302").expect("office")),
            Some(credit_code(n)),
        )
        .await
    }

    /// Creates a user (an applicant with their credit code) and signs them in.
    pub async fn user_with(
        &self,
        username: &str,
        role: Role,
        office: Option<OfficeCode>,
        credit_code: Option<techledger::domain::CreditCode>,
    ) -> TestUser {
        let passwords = techledger::auth::Passwords::new(64, 1).expect("passwords");
        let command = Command::CreateUser(NewUser {
            credit_code,
            username: username.into(),
            display_name: username.into(),
            role,
            office,
            password_hash: passwords.hash(PASSWORD).expect("hash"),
        });
        let outcome = self
            .ledger
            .execute(Request::new(Principal::System, command))
            .await
            .expect("create user");
        let id = outcome.body["id"].as_str().expect("id").to_string();
        let token = self.login(username, PASSWORD).await;
        TestUser {
            token,
            actor: Actor {
                id,
                username: username.into(),
                role,
                office,
            },
        }
    }

    /// A registrar of Lanshan (371302).
    pub async fn registrar(&self, username: &str) -> TestUser {
        self.user(
            username,
            Role::Registrar,
            Some(OfficeCode::parse("371302").expect("office")),
        )
        .await
    }

    /// Signs in; panics unless it works.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let res = self
            .client
            .post("/api/v1/auth/login")
            .header(ContentType::JSON)
            .body(json!({"username": username, "password": password}).to_string())
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::Ok, "login of {username}");
        let body: Value = res.into_json().await.expect("json");
        body["token"].as_str().expect("token").to_string()
    }

    /// GET with a token; returns status and JSON body (Null when not JSON).
    pub async fn get(&self, path: &str, token: Option<&str>) -> (Status, Value) {
        let mut req = self.client.get(path.to_string());
        if let Some(t) = token {
            req = req.header(Header::new("Authorization", format!("Bearer {t}")));
        }
        read(req.dispatch().await).await
    }

    /// A JSON request with a token.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> (Status, Value) {
        self.send_with(method, path, token, body, &[]).await
    }

    /// A JSON request with a token and extra headers.
    pub async fn send_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> (Status, Value) {
        let mut req = match method {
            "POST" => self.client.post(path.to_string()),
            "PATCH" => self.client.patch(path.to_string()),
            "PUT" => self.client.put(path.to_string()),
            "DELETE" => self.client.delete(path.to_string()),
            other => panic!("method {other}"),
        };
        req = req.header(ContentType::JSON).body(body.to_string());
        if let Some(t) = token {
            req = req.header(Header::new("Authorization", format!("Bearer {t}")));
        }
        for (name, value) in headers {
            req = req.header(Header::new(name.to_string(), value.to_string()));
        }
        read(req.dispatch().await).await
    }

    /// POST with a token.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (Status, Value) {
        self.send("POST", path, Some(token), body).await
    }
}

/// A signed-in test user.
pub struct TestUser {
    pub token: String,
    pub actor: Actor,
}

impl TestUser {
    /// The principal for direct ledger calls.
    pub fn principal(&self) -> Principal {
        Principal::User(self.actor.clone())
    }
}

/// Status and JSON body of a response.
pub async fn read(res: LocalResponse<'_>) -> (Status, Value) {
    let status = res.status();
    let content_type = res.content_type();
    let text = res.into_string().await.unwrap_or_default();
    if let Some(ct) = content_type
        && (ct.is_json() || ct.sub() == "problem+json")
    {
        assert!(status.code < 500, "server error {status}: {text}");
        return (status, serde_json::from_str(&text).unwrap_or(Value::Null));
    }
    assert!(status.code < 500, "server error {status}: {text}");
    (status, Value::Null)
}

/// Runs a test body on SQLite and on PostgreSQL: `both!(name, |app| async move { … });`
#[macro_export]
macro_rules! both {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[rocket::async_test]
            async fn sqlite() {
                let $app = $crate::support::TestApp::sqlite().await;
                $body
            }

            #[rocket::async_test]
            async fn postgres() {
                let Some($app) = $crate::support::TestApp::postgres().await else {
                    return;
                };
                $body
            }
        }
    };
}

/// [`both!`] with a configuration tweak applied to both halves:
/// `both_with!(name, |config| { … }, |app| { … });`
#[macro_export]
macro_rules! both_with {
    ($name:ident, |$config:ident| $tweak:block, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn tweak($config: &mut techledger::config::Config) $tweak

            #[rocket::async_test]
            async fn sqlite() {
                let $app = $crate::support::TestApp::sqlite_with(tweak).await;
                $body
            }

            #[rocket::async_test]
            async fn postgres() {
                let Some($app) = $crate::support::TestApp::postgres_with(tweak).await else {
                    return;
                };
                $body
            }
        }
    };
}

/// A valid unified social credit code, different for every `n` (check characters computed).
pub fn credit_code(n: u32) -> techledger::domain::CreditCode {
    techledger::domain::CreditCode::complete(&format!("91371300{n:08}")).expect("valid code")
}

/// A new enterprise party in `region`.
pub fn enterprise(n: u32, region: &str) -> techledger::ledger::NewParty {
    techledger::ledger::NewParty {
        legal_representative: None,
        name: format!("测试企业{n}有限公司"),
        credit_code: Some(credit_code(n)),
        kind: techledger::domain::PartyKind::Enterprise,
        region: techledger::domain::RegionCode::parse(region).expect("region"),
        nature_code: None,
        country: None,
    }
}

/// A contract between two inline parties with amounts in yuan.
pub fn contract(
    seller: u32,
    buyer: u32,
    amount: &str,
    technical: &str,
) -> techledger::ledger::NewContract {
    use techledger::domain::*;
    techledger::ledger::NewContract {
        particulars: Default::default(),
        title: format!("技术开发合同 {seller}-{buyer}"),
        contract_type: ContractType::Development,
        subtype: Some(Subtype::parse(ContractType::Development, "commissioned").expect("subtype")),
        seller: techledger::ledger::PartyRef::Inline(enterprise(seller, "310115")),
        buyer: techledger::ledger::PartyRef::Inline(enterprise(buyer, "371302")),
        signed_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
        valid_until: None,
        contract_amount: Money::parse(amount).expect("amount"),
        technical_amount: Money::parse(technical).expect("amount"),
        tech_field: TechField::AdvancedManufacturing,
        ip_type: IpType::Patent,
        registered_at: None,
        approved_by: None,
    }
}

/// Runs a command as `user` through the ledger, panicking on refusal.
pub async fn run(app: &TestApp, user: &TestUser, command: Command) -> techledger::ledger::Outcome {
    app.ledger
        .execute(Request {
            // Tests that set the scene register what they are told, duplicates included
            // (tests/it/duplicates.rs is about refusing them).
            confirm_duplicate: true,
            ..Request::new(user.principal(), command)
        })
        .await
        .expect("command succeeds")
}

/// Verifies and reconciles the test database, anchored on the test server's own key.
pub fn verify(app: &TestApp) -> techledger::audit::verify::DatabaseVerification {
    let mut conn = app.connect();
    techledger::audit::verify::verify_database(&mut conn, 2, &app.anchors())
        .expect("verification runs")
}

impl TestApp {
    /// The test database's URL as the command line takes it.
    pub fn database_url(&self) -> String {
        match &self.config.database_url {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => u.clone(),
        }
    }

    /// A new, empty database of the same backend: its URL, and the PostgreSQL database to
    /// drop afterwards.
    pub fn empty_database(&self) -> (String, Option<PgDatabase>) {
        match self.backend {
            Backend::Sqlite => (
                format!("sqlite://{}", temp_dir().join("techledger.db").display()),
                None,
            ),
            Backend::Postgres => {
                let db = PgDatabase::create(&pg_admin_url().expect("a PostgreSQL test server"));
                (db.url.clone(), Some(db))
            }
        }
    }

    /// Runs the `techledger` binary with this test's database and data directory.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_techledger"))
            .args(args)
            .env("TECHLEDGER_DATABASE_URL", self.database_url())
            .env("TECHLEDGER_DATA_DIR", &self.config.data_dir)
            .env("RUST_LOG", "warn")
            .output()
            .expect("the techledger binary runs")
    }

    /// The server's key store.
    pub fn key_store(&self) -> techledger::audit::keys::KeyStore {
        techledger::audit::keys::KeyStore::open(&self.config.data_dir).expect("key store")
    }

    /// Trust anchored on the server's own data directory, as `GET /api/v1/audit/verify` does.
    pub fn anchors(&self) -> techledger::audit::trust::Anchors {
        techledger::audit::trust::Anchors::none("database")
            .with_key_store(&self.key_store())
            .expect("anchors")
    }
}

/// Serves `config` through the real listener on an ephemeral loopback port (for clients that
/// need a socket: the witness, say). Another server on the same database may be running.
pub async fn serve_config(config: Config) -> techledger::app::Serving {
    let services = rocket::tokio::task::spawn_blocking(move || techledger::app::open(config))
        .await
        .expect("open task")
        .expect("service opens");
    let listener = rocket::tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    techledger::app::serve(services, listener)
        .await
        .expect("serves")
}

impl TestApp {
    /// A copy of the test database as it stands now — SQLite: `VACUUM INTO` a new file;
    /// PostgreSQL: `pg_dump` into a new database (dropped with the returned handle) — for
    /// playing an attacker who serves a rewritten copy.
    pub fn copy_database(&self) -> (DatabaseUrl, Option<PgDatabase>) {
        match &self.pg {
            None => {
                let path = self
                    .dir
                    .join(format!("copy-{}.db", uuid::Uuid::new_v4().simple()));
                self.connect()
                    .batch_execute(&format!("VACUUM INTO '{}'", path.display()))
                    .expect("VACUUM INTO");
                (DatabaseUrl::Sqlite(path), None)
            }
            Some(pg) => {
                let copy = PgDatabase::create(&pg.admin_url);
                let dump = std::process::Command::new("pg_dump")
                    .args(["--no-owner", "--no-privileges", &pg.url])
                    .output()
                    .expect("pg_dump runs");
                assert!(
                    dump.status.success(),
                    "pg_dump: {}",
                    String::from_utf8_lossy(&dump.stderr)
                );
                let mut psql = std::process::Command::new("psql")
                    .args(["-q", "-v", "ON_ERROR_STOP=1", &copy.url])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .expect("psql runs");
                use std::io::Write;
                psql.stdin
                    .take()
                    .expect("stdin")
                    .write_all(&dump.stdout)
                    .expect("dump written");
                assert!(psql.wait().expect("psql ends").success(), "psql restore");
                (copy.url.parse().expect("pg url"), Some(copy))
            }
        }
    }
}

/// A PDF-looking signed contract (its kind is told by `%PDF-`), for tests of other areas that
/// need an online submission (backups, pages).
pub fn signed_pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% signed contract: {text}\n%%EOF\n").into_bytes()
}

/// A submission's contract form to Lanshan (371302) whose seller is the party with
/// `credit_code(seller)`.
pub fn submission_form(seller: u32, buyer: u32, amount: &str) -> Value {
    json!({
        "title": "玉米收获机械关键技术开发合同",
        "contract_type": "development",
        "seller": {"name": format!("测试企业{seller}有限公司"), "credit_code": credit_code(seller).as_str(), "kind": "enterprise", "region": "371302"},
        "buyer": {"name": format!("测试企业{buyer}有限公司"), "credit_code": credit_code(buyer).as_str(), "kind": "enterprise", "region": "371311"},
        "signed_on": "2026-03-01",
        "contract_amount": amount,
        "technical_amount": amount,
        "tech_field": "agriculture",
        "ip_type": "patent",
        "office": "371302"
    })
}

/// The multipart body of a submission: `form` as the part `submission`, `file` as `file`.
pub fn signed_multipart(form: &Value, file: &[u8]) -> (ContentType, Vec<u8>) {
    const BOUNDARY: &str = "tlSupportBoundary9Zk2";
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"submission\"\r\nContent-Type: application/json\r\n\r\n{form}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"contract.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (
        ContentType::new("multipart", "form-data").with_params(("boundary", BOUNDARY)),
        body,
    )
}

/// Submits `form` with `file` as the applicant `token` (multipart, as the pages send it).
pub async fn submit_signed(
    app: &TestApp,
    token: &str,
    form: &Value,
    file: &[u8],
) -> (Status, Value) {
    let (content_type, body) = signed_multipart(form, file);
    let res = app
        .client
        .post("/api/v1/submissions")
        .header(content_type)
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(body)
        .dispatch()
        .await;
    read(res).await
}
