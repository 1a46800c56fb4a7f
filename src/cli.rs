//! The command line. Exit codes: 0 success, 1 failure (including a chain that does not
//! verify), 2 bad configuration or usage.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::app::{self, Services};
use crate::config::Config;
use crate::domain::{OfficeCode, Role};
use crate::ledger::{Command, NewUser, Principal, Request};

#[derive(Parser)]
#[command(name = "techledger", version, about = "Technology transaction ledger of the Linyi Technology Achievement Trading Centre (临沂市技术成果交易中心)")]
struct Cli {
    /// Configuration file (default: config/techledger.toml when it exists).
    #[arg(long, global = true, env = "TECHLEDGER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve HTTP (the default).
    Serve,
    /// Apply pending migrations and exit (a no-op when current).
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// Write data out.
    Export {
        #[command(subcommand)]
        what: ExportCmd,
    },
    /// Verify the audit chain: an exported file offline, or a database.
    Verify {
        /// An export (`techledger export audit > audit.jsonl`); omit with --database.
        file: Option<PathBuf>,
        /// The JWKS to verify signatures with (from /.well-known/jwks.json or `export jwks`).
        #[arg(long)]
        jwks: Option<PathBuf>,
        /// A signed checkpoint the export must contain.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// Verify (and reconcile) this database instead of a file.
        #[arg(long)]
        database: Option<String>,
    },
    /// Create the audit signing key, or rotate it (--rotate).
    Keygen {
        /// Replace the current key; the old one stays in the JWKS, retired.
        #[arg(long)]
        rotate: bool,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create a user; the password is read from standard input.
    Add {
        /// Login name.
        #[arg(long)]
        username: String,
        /// registrar, auditor, official or admin.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Registration office (required for registrars), e.g. 371302.
        #[arg(long)]
        office: Option<String>,
        /// Name shown on pages (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (the only way: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Registrar,
    Auditor,
    Official,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Registrar => Role::Registrar,
            RoleArg::Auditor => Role::Auditor,
            RoleArg::Official => Role::Official,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Subcommand)]
enum ExportCmd {
    /// The audit chain as NDJSON (one entry a line, seq order) on standard output.
    Audit,
    /// The public keys (JWKS) on standard output.
    Jwks,
    /// An offline audit bundle in DIR: the chain, the JWKS, a fresh signed checkpoint, an
    /// independent verifier and a README (Chinese and English) on how to verify it.
    Bundle {
        /// Directory to write (created; must be empty if it exists).
        dir: PathBuf,
    },
}

/// Why a command failed, and with which exit code.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }

    fn failed(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<app::StartError> for Failure {
    fn from(e: app::StartError) -> Self {
        Failure::failed(e.to_string())
    }
}

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("techledger: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.log);
    let result = match cli.command.unwrap_or(Cmd::Serve) {
        Cmd::Serve => serve(config),
        Cmd::Migrate => migrate(config),
        Cmd::User { command } => user(config, command),
        Cmd::Export { what } => export(config, what),
        Cmd::Verify {
            file,
            jwks,
            checkpoint,
            database,
        } => crate::audit::cli::verify(config, file, jwks, checkpoint, database).map_err(|(code, message)| Failure { code, message }),
        Cmd::Keygen { rotate } => keygen(config, rotate),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("techledger: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Logs go to standard error; `RUST_LOG` overrides the configured filter.
pub fn init_logging(filter: &str) {
    // Rocket's own chatter (its banner, "no matching routes") says nothing our access log
    // does not; its errors reach us as values and are reported once.
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| format!("{filter},rocket=off,_=off"));
    let filter = tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn serve(config: Config) -> Result<(), Failure> {
    let address = format!("{}:{}", config.address, config.port);
    let database = config.database_url.redacted();
    rocket::execute(async move {
        let rocket = app::build(config).await?;
        let ignited = rocket
            .ignite()
            .await
            .map_err(|e| app::StartError::Other(format!("cannot start the server: {e}")))?;
        tracing::info!(%address, %database, "techledger is listening");
        eprintln!("techledger: listening on http://{address} (database {database})");
        ignited
            .launch()
            .await
            .map_err(|e| app::StartError::Other(format!("the server stopped: {e}")))?;
        Ok::<(), app::StartError>(())
    })?;
    Ok(())
}

fn migrate(config: Config) -> Result<(), Failure> {
    let mut conn = crate::db::establish(&config.database_url).map_err(|e| Failure::failed(e.to_string()))?;
    let applied = crate::db::run_migrations(&mut conn).map_err(|e| Failure::failed(e.to_string()))?;
    if applied.is_empty() {
        println!("the database is up to date");
    } else {
        for v in applied {
            println!("applied {v}");
        }
    }
    Ok(())
}

fn open(config: Config) -> Result<Services, Failure> {
    Ok(app::open_without_bootstrap(config)?)
}

fn user(config: Config, command: UserCmd) -> Result<(), Failure> {
    let UserCmd::Add {
        username,
        role,
        office,
        display_name,
        password_stdin: _,
    } = command;
    let office = office
        .map(|o| OfficeCode::parse(&o).map_err(|e| Failure::usage(format!("--office: {e}"))))
        .transpose()?;
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|e| Failure::usage(format!("cannot read the password from standard input: {e}")))?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    if let Some(p) = crate::auth::password::check_rules(&username, &password).first() {
        return Err(Failure::usage(format!("password: {}", p.message)));
    }
    let services = open(config)?;
    let hash = services.passwords.hash(&password).map_err(|e| Failure::failed(e.to_string()))?;
    let command = Command::CreateUser(NewUser {
        display_name: display_name.unwrap_or_else(|| username.clone()),
        username,
        role: role.into(),
        office,
        password_hash: hash,
    });
    let outcome = services
        .ledger
        .execute_blocking(Request::new(Principal::System, command))
        .map_err(|e| Failure::failed(e.to_string()))?;
    println!(
        "created user {} (audit seq {})",
        outcome.body["id"].as_str().unwrap_or_default(),
        outcome.audit_seq
    );
    Ok(())
}

fn export(config: Config, what: ExportCmd) -> Result<(), Failure> {
    if let ExportCmd::Bundle { dir } = what {
        let services = open(config)?;
        let summary = crate::audit::bundle::write(&services, &dir).map_err(|e| Failure::failed(e.to_string()))?;
        println!("{summary}");
        return Ok(());
    }
    let mut conn = crate::db::establish(&config.database_url).map_err(|e| Failure::failed(e.to_string()))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match what {
        ExportCmd::Audit => {
            let mut after = 0;
            loop {
                let page = crate::audit::chain::entries_after(&mut conn, after, 5000)
                    .map_err(|e| Failure::failed(e.to_string()))?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for entry in &page {
                    let line = entry.to_line().map_err(|e| Failure::failed(e.to_string()))?;
                    writeln!(out, "{line}").map_err(|e| Failure::failed(e.to_string()))?;
                }
            }
        }
        ExportCmd::Jwks => {
            let rows = crate::db::models::audit_keys::all(&mut conn).map_err(|e| Failure::failed(e.to_string()))?;
            let jwks = crate::audit::jwks::jwks(&rows);
            let text = serde_json::to_string_pretty(&jwks).map_err(|e| Failure::failed(e.to_string()))?;
            writeln!(out, "{text}").map_err(|e| Failure::failed(e.to_string()))?;
        }
        ExportCmd::Bundle { .. } => {}
    }
    out.flush().map_err(|e| Failure::failed(e.to_string()))
}

fn keygen(config: Config, rotate: bool) -> Result<(), Failure> {
    let services = open(config)?;
    if rotate {
        let outcome = services
            .ledger
            .execute_blocking(Request::new(Principal::System, Command::RotateKey))
            .map_err(|e| Failure::failed(e.to_string()))?;
        println!(
            "rotated: new key {} (previous {}), audit seq {}",
            outcome.body["kid"].as_str().unwrap_or_default(),
            outcome.body["previous"].as_str().unwrap_or("none"),
            outcome.audit_seq
        );
    } else {
        let key = services
            .keys
            .current_or_create(crate::audit::keys::KeyPurpose::Audit)
            .map_err(|e| Failure::failed(e.to_string()))?;
        println!("audit signing key {} (registered in the chain)", key.kid());
    }
    Ok(())
}
