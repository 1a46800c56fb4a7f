//! Configuration: built-in defaults, then `config/techledger.toml` (or `--config FILE`), then
//! `TECHLEDGER_*` environment variables (nested keys with `__`, e.g.
//! `TECHLEDGER_AUTH__TOKEN_LIFETIME_MINUTES`).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::db::DatabaseUrl;
use crate::domain::{Money, OfficeCode};

/// The default configuration file, relative to the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "config/techledger.toml";

/// Environment variables with our prefix that are not configuration keys.
const NON_CONFIG_ENV: &[&str] = &[
    "ADMIN_PASSWORD",
    "DEMO_PASSWORD",
    "TEST_PG_URL",
    "BENCH_PG_URL",
    "CONFIG",
];

/// Everything the service can be configured with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub address: IpAddr,
    /// TCP port to listen on.
    pub port: u16,
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: DatabaseUrl,
    /// A PostgreSQL streaming replica of `database_url` for the read path (statistics and
    /// contract lists); writes, sign-in and everything else stay on the primary.
    pub read_database_url: Option<DatabaseUrl>,
    /// Directory for signing keys (and the SQLite file by default).
    pub data_dir: PathBuf,
    /// Reader connections in the pool.
    pub database_pool_size: u32,
    /// Log filter in `tracing` syntax (`info`, `techledger=debug,info`, …).
    pub log: String,
    /// Where the public reaches this service (`https://ledger.example.cn`): the links printed
    /// on registration certificates (their QR codes) start with it.
    pub public_base_url: String,
    /// Tokens, passwords and login throttling.
    pub auth: AuthConfig,
    /// The write path.
    pub ledger: LedgerConfig,
    /// Checkpoints of the audit chain.
    pub audit: AuditConfig,
    /// Request body limits.
    pub limits: LimitsConfig,
    /// The HTTP server: timeouts, the client's address behind a proxy, HSTS.
    pub http: HttpConfig,
    /// Who may read `/metrics` and the details of `/health`.
    pub ops: OpsConfig,
    /// Targets per year (`default` applies to years without their own entry).
    pub targets: TargetsConfig,
    /// Anomaly rules and their parameters.
    pub anomalies: AnomalyConfig,
    /// Online submissions: the attached file's size, the queue's deadline.
    pub submissions: SubmissionsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            address: IpAddr::from([127, 0, 0, 1]),
            port: 8000,
            database_url: DatabaseUrl::Sqlite(PathBuf::from("data/techledger.db")),
            read_database_url: None,
            data_dir: PathBuf::from("data"),
            database_pool_size: 8,
            log: "info".into(),
            public_base_url: "http://127.0.0.1:8000".into(),
            auth: AuthConfig::default(),
            ledger: LedgerConfig::default(),
            audit: AuditConfig::default(),
            limits: LimitsConfig::default(),
            http: HttpConfig::default(),
            ops: OpsConfig::default(),
            targets: TargetsConfig::default(),
            anomalies: AnomalyConfig::default(),
            submissions: SubmissionsConfig::default(),
        }
    }
}

/// Tokens, passwords and login throttling.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Lifetime of a login token, in minutes.
    pub token_lifetime_minutes: u32,
    /// `iss` of our tokens.
    pub issuer: String,
    /// `aud` of our tokens.
    pub audience: String,
    /// Login attempts allowed per client address in a minute (then 429), and failed logins of
    /// one username before each further attempt must wait (1 s, doubling).
    pub failed_logins_per_minute: u32,
    /// The longest a username's attempts are made to wait after repeated failures.
    pub login_backoff_max_seconds: u64,
    /// Anonymous lookups of a registration's public receipt (the `/verify` page) allowed per
    /// client address in a minute (then 429).
    pub public_lookups_per_minute: u32,
    /// Argon2id memory cost in KiB.
    pub argon2_memory_kib: u32,
    /// Argon2id time cost (passes).
    pub argon2_iterations: u32,
    /// Mark the session cookie `Secure` (set when served over HTTPS, e.g. behind a proxy).
    pub secure_cookie: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            token_lifetime_minutes: 480,
            issuer: "techledger".into(),
            audience: "techledger".into(),
            failed_logins_per_minute: 10,
            login_backoff_max_seconds: 300,
            public_lookups_per_minute: 60,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            secure_cookie: false,
        }
    }
}

/// The write path.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LedgerConfig {
    /// Technical amount at or above which a contract needs a second registrar's approval.
    pub large_contract_threshold: Money,
    /// At most this many queued commands are committed in one transaction (group commit).
    pub group_commit_max: usize,
    /// Idempotency keys are kept at least this many hours.
    pub idempotency_retention_hours: u32,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            large_contract_threshold: Money::from_fen(500_000_000).unwrap_or(Money::ZERO),
            group_commit_max: 128,
            idempotency_retention_hours: 48,
        }
    }
}

/// Checkpoints of the audit chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Store a signed checkpoint after this many new entries.
    pub checkpoint_every_entries: u64,
    /// … or when this many seconds passed since the last one and the chain grew.
    pub checkpoint_every_seconds: u64,
    /// The transparency log's origin (the first line of its checkpoints, the name its
    /// checkpoints are signed under); empty: `techledger.linyi/<kid of the root key>`.
    pub log_origin: String,
    /// Witnesses whose cosignatures of checkpoints are accepted: C2SP vkeys of type 0x04
    /// (`<name>+<key ID>+<base64 key>`).
    pub witnesses: Vec<String>,
    /// `GET /api/v1/audit/verify` runs one verification at a time: another request waits this
    /// many seconds for the running one to end, then is answered 429 with `Retry-After`.
    pub verify_wait_seconds: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            checkpoint_every_entries: 1000,
            checkpoint_every_seconds: 300,
            log_origin: String::new(),
            witnesses: Vec::new(),
            verify_wait_seconds: 2,
        }
    }
}

/// Request body limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest JSON body, in KiB.
    pub json_kib: u64,
    /// Largest spreadsheet import, in MiB.
    pub import_mib: u64,
    /// The most one part (zip entry) of an uploaded XLSX may inflate to, in MiB.
    pub xlsx_entry_mib: u64,
    /// The most all parts of an uploaded XLSX together may inflate to, in MiB.
    pub xlsx_inflated_mib: u64,
    /// The most shared strings (`uniqueCount`, and references `count`) an XLSX may announce.
    pub xlsx_shared_strings: u64,
}

impl LimitsConfig {
    /// The limits an uploaded XLSX is checked against before it is parsed.
    pub fn xlsx(&self) -> crate::import::XlsxLimits {
        crate::import::XlsxLimits::new(
            self.xlsx_entry_mib,
            self.xlsx_inflated_mib,
            self.xlsx_shared_strings,
        )
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            json_kib: 256,
            import_mib: 64,
            xlsx_entry_mib: 256,
            xlsx_inflated_mib: 512,
            xlsx_shared_strings: 4_000_000,
        }
    }
}

/// The HTTP server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// A request's headers must arrive within this many seconds, or the connection is closed
    /// (also how long an idle keep-alive connection is kept).
    pub header_timeout_seconds: u64,
    /// A request's body must arrive within this many seconds after its headers (then 408).
    pub body_timeout_seconds: u64,
    /// Whether a connection may carry more than one request.
    pub keep_alive: bool,
    /// The header a trusted reverse proxy puts the client's address in (`X-Forwarded-For`,
    /// `X-Real-IP`); none by default.
    pub client_ip_header: Option<String>,
    /// Peers whose `client_ip_header` is believed; from anyone else it is ignored.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            header_timeout_seconds: 10,
            body_timeout_seconds: 120,
            keep_alive: true,
            client_ip_header: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Who may read `/metrics` and the details of `/health`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpsConfig {
    /// A bearer token that opens them (give it in `TECHLEDGER_OPS__TOKEN`, not in the file).
    pub token: Option<String>,
    /// Client addresses that may read them without a token.
    pub addresses: Vec<IpAddr>,
}

/// Which contracts a turnover target counts, by flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetMeasure {
    /// Every registered contract.
    All,
    /// Contracts whose seller is in Linyi (技术输出 plus local).
    Outflow,
    /// Contracts whose buyer is in Linyi (技术吸纳 plus local).
    Inflow,
}

/// One year's targets.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearTargets {
    /// Technology contract turnover (合同成交额) target, in yuan.
    pub turnover: Money,
    /// Number of achievements (registered contracts) traded.
    pub contracts: u64,
    /// Achievements introduced from the Yangtze River Delta, Jinan and Qingdao.
    pub introduced: u64,
    /// Which contracts the turnover target counts.
    #[serde(default = "default_measure")]
    pub measure: TargetMeasure,
    /// Optional turnover targets per registration office.
    #[serde(default)]
    pub offices: BTreeMap<OfficeCode, Money>,
}

fn default_measure() -> TargetMeasure {
    TargetMeasure::All
}

impl Default for YearTargets {
    fn default() -> Self {
        YearTargets {
            // 200 亿元
            turnover: Money::from_fen(2_000_000_000_000).unwrap_or(Money::MAX),
            contracts: 1000,
            introduced: 50,
            measure: TargetMeasure::All,
            offices: BTreeMap::new(),
        }
    }
}

/// Targets per year.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TargetsConfig {
    /// Targets of any year not listed in `years`.
    pub default: YearTargets,
    /// Targets of particular years, keyed by the year (`"2026"`).
    pub years: BTreeMap<String, YearTargets>,
}

impl TargetsConfig {
    /// The targets that apply to `year`.
    pub fn for_year(&self, year: i32) -> &YearTargets {
        self.years.get(&year.to_string()).unwrap_or(&self.default)
    }
}

/// Anomaly rules and their parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnomalyConfig {
    /// Splitting: this many contracts or more between the same parties…
    pub split_min_contracts: u32,
    /// … signed within this many days…
    pub split_window_days: u32,
    /// … each within this percentage below the large-contract threshold.
    pub split_margin_percent: u32,
    /// Round-tripping: A→B and B→A within this many days…
    pub round_trip_window_days: u32,
    /// … with amounts within this percentage of each other.
    pub round_trip_amount_tolerance_percent: u32,
    /// Year-end surge: an office's December share of its year above this percentage…
    pub year_end_share_percent: u32,
    /// … and at least this many times its December share in earlier years.
    pub year_end_history_factor_percent: u32,
    /// Late registration: registered more than this many days after signing.
    pub late_registration_days: u32,
    /// Concentration: one party above this percentage of an office's turnover.
    pub concentration_percent: u32,
    /// … only for offices with at least this many contracts in the year.
    pub concentration_min_contracts: u32,
    /// Technical amount equal to the contract amount on development contracts of at least
    /// this amount (such contracts usually include equipment or materials).
    pub full_technical_min_amount: Money,
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        AnomalyConfig {
            split_min_contracts: 3,
            split_window_days: 30,
            split_margin_percent: 10,
            round_trip_window_days: 365,
            round_trip_amount_tolerance_percent: 20,
            year_end_share_percent: 30,
            year_end_history_factor_percent: 200,
            late_registration_days: 365,
            concentration_percent: 50,
            concentration_min_contracts: 10,
            full_technical_min_amount: Money::from_fen(100_000_000).unwrap_or(Money::ZERO),
        }
    }
}

/// Online submissions (issue 16).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SubmissionsConfig {
    /// Largest signed contract an applicant may attach, in MiB.
    pub max_file_mib: u64,
    /// A submission waiting longer than this many working days is flagged in the queue.
    pub overdue_working_days: u32,
    /// Weekdays that are public holidays (the State Council's yearly arrangement).
    pub holidays: Vec<chrono::NaiveDate>,
    /// Weekend days that are working days under that arrangement (调休上班).
    pub working_weekend_days: Vec<chrono::NaiveDate>,
}

impl Default for SubmissionsConfig {
    fn default() -> Self {
        SubmissionsConfig {
            max_file_mib: 20,
            overdue_working_days: 5,
            holidays: Vec::new(),
            working_weekend_days: Vec::new(),
        }
    }
}

/// A configuration that could not be loaded, as one line naming the key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl Config {
    /// Loads the configuration: defaults, then `file` (or the default file when it exists),
    /// then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.is_file() {
                    return Err(ConfigError(format!(
                        "configuration file {} does not exist",
                        path.display()
                    )));
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None => {
                let default = Path::new(DEFAULT_CONFIG_FILE);
                if default.is_file() {
                    figment = figment.merge(Toml::file_exact(default));
                }
            }
        }
        figment = figment.merge(
            Env::prefixed("TECHLEDGER_")
                .ignore(NON_CONFIG_ENV)
                .split("__"),
        );
        Self::from_figment(&figment)
    }

    /// Extracts and checks a configuration from any figment (tests build their own).
    pub fn from_figment(figment: &Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract().map_err(|e| ConfigError(one_line(e)))?;
        config.check()?;
        Ok(config)
    }

    /// Rules serde cannot express.
    fn check(&self) -> Result<(), ConfigError> {
        let bad =
            |key: &str, why: &str| Err(ConfigError(format!("invalid value for `{key}`: {why}")));
        if self.submissions.max_file_mib == 0 || self.submissions.max_file_mib > 1024 {
            return bad("submissions.max_file_mib", "must be between 1 and 1024");
        }
        if self.submissions.overdue_working_days == 0 {
            return bad("submissions.overdue_working_days", "must be at least 1");
        }
        if let Some(read) = &self.read_database_url
            && (read.backend() != crate::db::Backend::Postgres
                || self.database_url.backend() != crate::db::Backend::Postgres)
        {
            return bad(
                "read_database_url",
                "a read replica is a PostgreSQL streaming replica of a PostgreSQL database_url",
            );
        }
        if self.database_pool_size == 0 || self.database_pool_size > 256 {
            return bad("database_pool_size", "must be between 1 and 256");
        }
        let base = self.public_base_url.as_str();
        if !(base.starts_with("http://") || base.starts_with("https://"))
            || base.contains(['?', '#', ' '])
            || base.trim_end_matches('/').len() <= "https://".len()
        {
            return bad(
                "public_base_url",
                "must be an http:// or https:// address without a query, e.g. https://ledger.example.cn",
            );
        }
        if self.auth.token_lifetime_minutes == 0 || self.auth.token_lifetime_minutes > 7 * 24 * 60 {
            return bad("auth.token_lifetime_minutes", "must be between 1 and 10080");
        }
        if self.auth.issuer.is_empty() || self.auth.audience.is_empty() {
            return bad("auth.issuer", "issuer and audience must not be empty");
        }
        if self.auth.failed_logins_per_minute == 0 {
            return bad("auth.failed_logins_per_minute", "must be at least 1");
        }
        if self.auth.public_lookups_per_minute == 0 {
            return bad("auth.public_lookups_per_minute", "must be at least 1");
        }
        if self.auth.login_backoff_max_seconds == 0 || self.auth.login_backoff_max_seconds > 86_400
        {
            return bad(
                "auth.login_backoff_max_seconds",
                "must be between 1 and 86400",
            );
        }
        if self.http.header_timeout_seconds == 0 || self.http.header_timeout_seconds > 3600 {
            return bad("http.header_timeout_seconds", "must be between 1 and 3600");
        }
        if self.http.body_timeout_seconds == 0 || self.http.body_timeout_seconds > 86_400 {
            return bad("http.body_timeout_seconds", "must be between 1 and 86400");
        }
        if let Some(h) = &self.http.client_ip_header
            && (h.is_empty() || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return bad(
                "http.client_ip_header",
                "must be a header name such as X-Forwarded-For",
            );
        }
        if self.auth.argon2_memory_kib < 8 || self.auth.argon2_iterations == 0 {
            return bad(
                "auth.argon2_memory_kib",
                "argon2 needs at least 8 KiB and 1 iteration",
            );
        }
        if self.ledger.group_commit_max == 0 {
            return bad("ledger.group_commit_max", "must be at least 1");
        }
        if self.ledger.large_contract_threshold == Money::ZERO {
            return bad("ledger.large_contract_threshold", "must be above 0");
        }
        if self.audit.checkpoint_every_entries == 0 || self.audit.checkpoint_every_seconds == 0 {
            return bad(
                "audit.checkpoint_every_entries",
                "checkpoint intervals must be at least 1",
            );
        }
        if !self.audit.log_origin.is_empty()
            && let Err(e) = crate::audit::note::check_name(&self.audit.log_origin)
        {
            return bad("audit.log_origin", &e.to_string());
        }
        for w in &self.audit.witnesses {
            match crate::audit::note::VerifierKey::parse(w) {
                Ok(k) if k.alg == crate::audit::note::ALG_COSIGNATURE_V1 => {}
                Ok(_) => {
                    return bad(
                        "audit.witnesses",
                        "a witness key is a cosignature key (type 0x04)",
                    );
                }
                Err(e) => return bad("audit.witnesses", &e.to_string()),
            }
        }
        if self.audit.verify_wait_seconds > 3600 {
            return bad("audit.verify_wait_seconds", "must be at most 3600");
        }
        if self.limits.json_kib == 0 || self.limits.import_mib == 0 {
            return bad("limits.json_kib", "limits must be at least 1");
        }
        for (key, value) in [
            ("limits.xlsx_entry_mib", self.limits.xlsx_entry_mib),
            ("limits.xlsx_inflated_mib", self.limits.xlsx_inflated_mib),
            (
                "limits.xlsx_shared_strings",
                self.limits.xlsx_shared_strings,
            ),
        ] {
            if value == 0 {
                return bad(key, "limits must be at least 1");
            }
        }
        for year in self.targets.years.keys() {
            match year.parse::<i32>() {
                Ok(y) if (2000..=2999).contains(&y) => {}
                _ => {
                    return bad(
                        &format!("targets.years.{year}"),
                        "the key must be a year like \"2026\"",
                    );
                }
            }
        }
        if self.anomalies.split_margin_percent > 100
            || self.anomalies.concentration_percent > 100
            || self.anomalies.year_end_share_percent > 100
        {
            return bad("anomalies", "percentages must be between 0 and 100");
        }
        Ok(())
    }
}

/// Figment errors can be chains; the operator gets one line that names the key and source.
fn one_line(error: figment::Error) -> String {
    let mut lines = Vec::new();
    for e in error {
        let key = if e.path.is_empty() {
            String::new()
        } else {
            format!(" for `{}`", e.path.join("."))
        };
        let source = e
            .metadata
            .as_ref()
            .map(|m| match &m.source {
                Some(figment::Source::File(p)) => format!(" (in {})", p.display()),
                _ if m.name.contains("environment") && !e.path.is_empty() => {
                    format!(" (from TECHLEDGER_{})", e.path.join("__").to_uppercase())
                }
                _ => format!(" (from {})", m.name),
            })
            .unwrap_or_default();
        lines.push(format!("invalid configuration{key}: {}{source}", e.kind));
    }
    lines.join("; ")
}
