//! The command line. Exit codes: 0 success, 1 failure (including a chain that does not
//! verify), 2 bad configuration or usage, 3 a witness refused to cosign (a fork).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::app::{self, Services};
use crate::config::Config;
use crate::domain::{OfficeCode, Role};
use crate::ledger::{Command, NewUser, Principal, Request};

#[derive(Parser)]
#[command(
    name = "techledger",
    version,
    about = "Technology transaction ledger of the Linyi Technology Achievement Trading Centre (临沂市技术成果交易中心)"
)]
struct Cli {
    /// Configuration file (default: config/techledger.toml when it exists).
    #[arg(long, global = true, env = "TECHLEDGER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

// Parsed once per run: the size of the verify arguments does not matter.
#[allow(clippy::large_enum_variant)]
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
    /// Verify the audit chain: an exported file offline, or a database; a proof, a receipt.
    #[command(args_conflicts_with_subcommands = true)]
    Verify {
        #[command(subcommand)]
        what: Option<crate::audit::cli::VerifyCmd>,
        #[command(flatten)]
        args: crate::audit::cli::VerifyArgs,
    },
    /// Witness the transparency log (an auditor's own key and state, on another machine):
    /// cosign each new checkpoint that extends the last one cosigned, refuse a fork (exit 3).
    #[command(args_conflicts_with_subcommands = true)]
    Witness {
        #[command(subcommand)]
        what: Option<crate::witness::cli::WitnessCmd>,
        #[command(flatten)]
        args: crate::witness::cli::WitnessArgs,
    },
    /// Import contracts from a CSV or XLSX file (English or Chinese headers) as a registrar.
    Import {
        /// The file.
        file: PathBuf,
        /// The registrar the contracts are registered by (their office registers them).
        #[arg(long)]
        user: String,
        /// Check every row and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import the good rows even when some are rejected.
        #[arg(long)]
        partial: bool,
        /// Import a file imported before, and rows like live contracts (same parties, type,
        /// amounts, signing date); without it both are refused.
        #[arg(long)]
        confirm_duplicate: bool,
    },
    /// Fill the ledger with realistic synthetic Linyi data through the normal write path.
    Demo {
        /// How many contracts.
        #[arg(long, default_value_t = 1000)]
        contracts: u64,
        /// Seed of the generator (the same seed gives the same data).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Registration years, e.g. 2024-2026 (default: this year and the two before).
        #[arg(long)]
        years: Option<String>,
        /// Add demo data to a database that already holds contracts (refused without it).
        #[arg(long)]
        force: bool,
    },
    /// Back up the database into DIR: the data (a consistent snapshot), the public keys, a
    /// signed checkpoint and a manifest with every file's SHA-256. The private keys stay in
    /// the data directory (back them up separately, as secrets).
    Backup {
        /// Directory to write (created; must be empty if it exists).
        dir: PathBuf,
    },
    /// Restore a backup into an empty database, then verify the whole chain, the
    /// reconciliation and the backup's checkpoint; what does not verify is removed again.
    Restore {
        /// The backup directory.
        dir: PathBuf,
        /// The empty target database (sqlite://PATH of a file that does not exist yet, or
        /// postgres://… of a new database).
        #[arg(long)]
        database: String,
        /// The pinned fingerprint of the chain's root key (otherwise the backup's own JWKS is
        /// what the signatures are checked against).
        #[arg(long)]
        trust_root: Option<String>,
        /// The data directory the restored server is to use: the backup's attachments go into
        /// its attachments/ (default: the configured data directory).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Create the audit signing key (and show the root fingerprint to publish), or rotate it.
    Keygen {
        /// Replace the current key with a new one it endorses; the old one stays in the JWKS,
        /// retired, and its private half leaves the key directory.
        #[arg(long)]
        rotate: bool,
        /// With --rotate: keep the retired private key in `<data_dir>/keys-retired` instead of
        /// destroying it.
        #[arg(long, requires = "rotate")]
        keep_retired: bool,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create a user; the password is read from standard input.
    Add {
        /// Login name.
        #[arg(long)]
        username: String,
        /// registrar, auditor, official, admin or applicant.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Registration office (required for registrars and applicants), e.g. 371302.
        #[arg(long)]
        office: Option<String>,
        /// The unified social credit code of the party an applicant submits for (applicants
        /// only).
        #[arg(long)]
        credit_code: Option<String>,
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
    Applicant,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Registrar => Role::Registrar,
            RoleArg::Auditor => Role::Auditor,
            RoleArg::Official => Role::Official,
            RoleArg::Admin => Role::Admin,
            RoleArg::Applicant => Role::Applicant,
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
        Cmd::Verify { what, args } => crate::audit::cli::verify(config, what, args)
            .map_err(|(code, message)| Failure { code, message }),
        Cmd::Witness { what, args } => crate::witness::cli::run(what, args)
            .map_err(|(code, message)| Failure { code, message }),
        Cmd::Keygen {
            rotate,
            keep_retired,
        } => keygen(config, rotate, keep_retired),
        Cmd::Backup { dir } => backup(config, &dir),
        Cmd::Restore {
            dir,
            database,
            trust_root,
            data_dir,
        } => restore(
            &dir,
            &database,
            trust_root.as_deref(),
            data_dir.as_deref().unwrap_or(&config.data_dir),
        ),
        Cmd::Demo {
            contracts,
            seed,
            years,
            force,
        } => demo(config, contracts, seed, years.as_deref(), force),
        Cmd::Import {
            file,
            user,
            dry_run,
            partial,
            confirm_duplicate,
        } => import(
            config,
            &file,
            &user,
            ImportFlags {
                dry_run,
                partial,
                confirm_duplicate,
            },
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("techledger: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Logs go to standard error; `RUST_LOG` overrides the configured filter. A filter is a
/// comma-separated list of `level` and `target=level` directives (`info,techledger::ledger=debug`);
/// one that does not parse falls back to `info`.
pub fn init_logging(filter: &str) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // Rocket's own chatter (its banner, "no matching routes") says nothing our access log
    // does not; its errors reach us as values and are reported once.
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| format!("{filter},rocket=off,_=off"));
    let filter: tracing_subscriber::filter::Targets = filter.parse().unwrap_or_else(|_| {
        tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO)
    });
    // Colour only on a terminal: a log file or journal gets plain text, no escape codes.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_target(false),
        )
        .try_init();
}

fn serve(config: Config) -> Result<(), Failure> {
    let address = format!("{}:{}", config.address, config.port);
    let database = config.database_url.redacted();
    let bind = (config.address, config.port);
    rocket::execute(async move {
        let services = rocket::tokio::task::spawn_blocking(move || app::open(config))
            .await
            .map_err(|e| app::StartError::Other(e.to_string()))??;
        let listener = rocket::tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| app::StartError::Other(format!("cannot listen on {address}: {e}")))?;
        let serving = app::serve(services, listener).await?;
        tracing::info!(%address, %database, "techledger is listening");
        eprintln!("techledger: listening on http://{address} (database {database})");
        serving.finished().await
    })?;
    Ok(())
}

fn migrate(config: Config) -> Result<(), Failure> {
    let mut conn =
        crate::db::establish(&config.database_url).map_err(|e| Failure::failed(e.to_string()))?;
    let applied =
        crate::db::run_migrations(&mut conn).map_err(|e| Failure::failed(e.to_string()))?;
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
        credit_code,
        display_name,
        password_stdin: _,
    } = command;
    let office = office
        .map(|o| OfficeCode::parse(&o).map_err(|e| Failure::usage(format!("--office: {e}"))))
        .transpose()?;
    let credit_code = credit_code
        .map(|c| {
            crate::domain::CreditCode::parse(c.trim())
                .map_err(|e| Failure::usage(format!("--credit-code: {e}")))
        })
        .transpose()?;
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|e| {
            Failure::usage(format!("cannot read the password from standard input: {e}"))
        })?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(Failure::usage(format!(
            "no password on standard input: pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | techledger user add --username {username} … --password-stdin` ({})",
            crate::auth::password::rules_en()
        )));
    }
    if let Some(p) = crate::auth::password::check_rules(&username, &password).first() {
        return Err(Failure::usage(format!("password: {}", p.message)));
    }
    let services = open(config)?;
    let hash = services
        .passwords
        .hash(&password)
        .map_err(|e| Failure::failed(e.to_string()))?;
    let command = Command::CreateUser(NewUser {
        credit_code,
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
        let summary = crate::audit::bundle::write(&services, &dir)
            .map_err(|e| Failure::failed(e.to_string()))?;
        println!("{summary}");
        return Ok(());
    }
    let mut conn =
        crate::db::establish(&config.database_url).map_err(|e| Failure::failed(e.to_string()))?;
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
                    let line = entry
                        .to_line()
                        .map_err(|e| Failure::failed(e.to_string()))?;
                    writeln!(out, "{line}").map_err(|e| Failure::failed(e.to_string()))?;
                }
            }
        }
        ExportCmd::Jwks => {
            let keys = crate::audit::keys::KeyStore::open(&config.data_dir)
                .map_err(|e| Failure::failed(e.to_string()))?;
            let jwks = crate::audit::jwks::served(&mut conn, &keys)
                .map_err(|e| Failure::failed(e.to_string()))?;
            let text =
                serde_json::to_string_pretty(&jwks).map_err(|e| Failure::failed(e.to_string()))?;
            writeln!(out, "{text}").map_err(|e| Failure::failed(e.to_string()))?;
        }
        ExportCmd::Bundle { .. } => {}
    }
    out.flush().map_err(|e| Failure::failed(e.to_string()))
}

fn backup(config: Config, dir: &std::path::Path) -> Result<(), Failure> {
    let services = open(config)?;
    let summary =
        crate::backup::backup(&services, dir).map_err(|e| Failure::failed(e.to_string()))?;
    println!("{summary}");
    Ok(())
}

fn restore(
    dir: &std::path::Path,
    database: &str,
    trust_root: Option<&str>,
    data_dir: &std::path::Path,
) -> Result<(), Failure> {
    let target: crate::db::DatabaseUrl = database
        .parse()
        .map_err(|e| Failure::usage(format!("--database: {e}")))?;
    let restored = crate::backup::restore(dir, &target, trust_root, data_dir)
        .map_err(|e| Failure::failed(e.to_string()))?;
    println!(
        "OK restored {} entries into {}, head {}; {} ledger rows reconcile with the chain; it holds the backup's checkpoint at seq {}; {} attachments in {} match their recorded SHA-256",
        restored.entries,
        target.redacted(),
        restored.head_hash,
        restored.rows,
        restored.checkpoint,
        restored.attachments,
        data_dir.join(crate::backup::ATTACHMENTS).display()
    );
    Ok(())
}

fn keygen(config: Config, rotate: bool, keep_retired: bool) -> Result<(), Failure> {
    let services = open(config)?;
    if rotate {
        let outcome = services
            .ledger
            .execute_blocking(Request::new(
                Principal::System,
                Command::RotateKey { keep_retired },
            ))
            .map_err(|e| Failure::failed(e.to_string()))?;
        println!(
            "rotated: new key {} (fingerprint {}), endorsed by the previous key {}, audit seq {}",
            outcome.body["kid"].as_str().unwrap_or_default(),
            outcome.body["fingerprint"].as_str().unwrap_or_default(),
            outcome.body["previous"].as_str().unwrap_or("none"),
            outcome.audit_seq
        );
    } else {
        let key = services
            .keys
            .current_or_create(crate::audit::keys::KeyPurpose::Audit)
            .map_err(|e| Failure::failed(e.to_string()))?;
        println!(
            "audit signing key {} (fingerprint {})",
            key.kid(),
            key.fingerprint()
        );
    }
    let root = services
        .db
        .run_blocking(|conn| {
            crate::audit::rotation::load(conn).map_err(|e| crate::db::DbError::Task(e.to_string()))
        })
        .map_err(|e| Failure::failed(e.to_string()))?
        .map_err(|e| Failure::failed(e.to_string()))?;
    if let Some(root) = root.root() {
        println!(
            "root of trust: key {} fingerprint {} (publish it; auditors pin it with `techledger verify --trust-root`)",
            root.kid,
            root.fingerprint()
        );
    }
    Ok(())
}

/// How `import` runs.
#[derive(Debug, Clone, Copy)]
struct ImportFlags {
    dry_run: bool,
    partial: bool,
    confirm_duplicate: bool,
}

fn import(
    config: Config,
    file: &std::path::Path,
    username: &str,
    flags: ImportFlags,
) -> Result<(), Failure> {
    let ImportFlags {
        dry_run,
        partial,
        confirm_duplicate,
    } = flags;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let bytes =
        std::fs::read(file).map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
    let hint = match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .as_deref()
    {
        Some("xlsx") => Some(crate::import::XLSX_CONTENT_TYPE),
        Some("csv") => Some(crate::import::CSV_CONTENT_TYPE),
        _ => None,
    };
    let kind = crate::import::FileKind::detect(hint, &bytes)
        .map_err(|e| Failure::failed(format!("{}: {e}", file.display())))?;
    let sha = crate::audit::entry::sha256_hex(&bytes);
    let parsed = crate::import::parse(&bytes, kind, &config.limits.xlsx())
        .map_err(|e| Failure::failed(format!("{}: {e}", file.display())))?;
    let services = open(config)?;
    let name = username.to_string();
    let row = services
        .db
        .run_blocking(|conn| {
            crate::db::models::users::by_username(conn, &name).map_err(crate::db::DbError::from)
        })
        .map_err(|e| Failure::failed(e.to_string()))?
        .filter(|u| u.active)
        .ok_or_else(|| Failure::usage(format!("--user: no active user {username}")))?;
    let state =
        crate::records::UserState::from_row(&row).map_err(|e| Failure::failed(e.to_string()))?;
    let actor = crate::ledger::Actor {
        id: state.id,
        username: state.username,
        role: state.role,
        office: state.office,
    };
    let total = parsed.rows.len();
    let progress = Arc::new(AtomicUsize::new(0));
    let command = Command::Import(crate::ledger::ImportCommand {
        file_name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
        file_sha256: sha,
        rows_total: parsed.rows_total,
        rows: parsed.rows,
        rejected: parsed.rejected,
        partial,
        progress: Some(Arc::clone(&progress)),
    });
    let request = Request {
        dry_run,
        confirm_duplicate,
        ..Request::new(Principal::User(actor), command)
    };
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} rows {per_sec} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(if dry_run { "checking" } else { "importing" });
    let ledger = services.ledger.clone();
    let worker = std::thread::spawn(move || ledger.execute_blocking(request));
    while !worker.is_finished() {
        bar.set_position(progress.load(Ordering::Relaxed) as u64);
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bar.set_position(progress.load(Ordering::Relaxed) as u64);
    bar.finish_and_clear();
    let result = worker
        .join()
        .map_err(|_| Failure::failed("the import thread failed"))?;
    let print_rejected = |rows: &[crate::ledger::RowReport]| {
        for r in rows.iter().take(50) {
            for e in &r.errors {
                println!(
                    "  row {}: {}: {} ({})",
                    r.row,
                    e.field,
                    cli_wording(&e.message),
                    e.message_zh
                );
            }
        }
        if rows.len() > 50 {
            println!("  … and {} more rejected rows", rows.len() - 50);
        }
    };
    match result {
        Ok(outcome) => {
            let rejected: Vec<crate::ledger::RowReport> =
                serde_json::from_value(outcome.body["rejected"].clone()).unwrap_or_default();
            println!(
                "{} {} of {} rows{}",
                if dry_run {
                    "dry run: would import"
                } else {
                    "imported"
                },
                outcome.body["accepted"],
                outcome.body["rows"],
                if dry_run {
                    String::new()
                } else {
                    format!(
                        " (import {}, audit seq {})",
                        outcome.body["import_id"].as_str().unwrap_or(""),
                        outcome.audit_seq
                    )
                }
            );
            if !rejected.is_empty() {
                println!("{} rows rejected:", rejected.len());
                print_rejected(&rejected);
                if dry_run {
                    // A check that finds bad rows fails, so that a script stops before the import.
                    return Err(Failure::failed(format!(
                        "dry run: {} rows would be rejected",
                        rejected.len()
                    )));
                }
            }
            Ok(())
        }
        Err(crate::ledger::LedgerError::ImportRejected(rows)) => {
            println!(
                "nothing {}: {} rows rejected (with --partial the good rows are imported):",
                if dry_run {
                    "would be imported"
                } else {
                    "imported"
                },
                rows.len()
            );
            print_rejected(&rows);
            Err(Failure::failed(if dry_run {
                "dry run: the import would be refused"
            } else {
                "the import was refused"
            }))
        }
        Err(e) => Err(Failure::failed(cli_wording(&e.to_string()))),
    }
}

/// The ledger's advice in the words of this command line: its messages name the API's
/// `confirm_duplicate=true`, which here is the `--confirm-duplicate` flag.
fn cli_wording(message: &str) -> String {
    message
        .replace(
            "send it with confirm_duplicate=true",
            "run the import again with --confirm-duplicate",
        )
        .replace(
            "send it again with confirm_duplicate=true",
            "run the import again with --confirm-duplicate",
        )
        .replace("confirm_duplicate=true", "--confirm-duplicate")
}

fn demo(
    config: Config,
    contracts: u64,
    seed: u64,
    years: Option<&str>,
    force: bool,
) -> Result<(), Failure> {
    let this_year = crate::stats::this_year();
    let years = match years {
        None => crate::demo::DemoOptions::default_years(),
        Some(text) => {
            let parse = |s: &str| {
                s.trim()
                    .parse::<i32>()
                    .ok()
                    .filter(|y| (2000..=this_year).contains(y))
            };
            let (from, to) = match text.split_once('-') {
                Some((a, b)) => (parse(a), parse(b)),
                None => (parse(text), parse(text)),
            };
            match (from, to) {
                (Some(a), Some(b)) if a <= b => (a, b),
                _ => {
                    return Err(Failure::usage(format!(
                        "--years: give a range like 2024-{this_year} of years not after this one"
                    )));
                }
            }
        }
    };
    if contracts == 0 {
        return Err(Failure::usage("--contracts: at least 1"));
    }
    let services = open(config)?;
    let options = crate::demo::DemoOptions {
        contracts,
        seed,
        years,
        progress: true,
        force,
    };
    let report =
        crate::demo::run(&services, &options).map_err(|e| Failure::failed(e.to_string()))?;
    println!(
        "demo: {} contracts ({} large approved, {} refused, {} amended of which {} approved again, {} voided, {} reviewed) between {} parties in {}–{}, {:.1} s",
        report.contracts,
        report.pending_approved,
        report.pending_refused,
        report.amended,
        report.reapproved,
        report.voided,
        report.reviewed,
        report.parties,
        report.years.0,
        report.years.1,
        report.elapsed.as_secs_f64()
    );
    for (rule, ids) in &report.planted {
        println!("  planted {rule}: {} contracts", ids.len());
    }
    if let Some(password) = &report.password {
        // Printed once, to the terminal only.
        println!(
            "demo users (demo-<office>-a/-b, demo-auditor, demo-official) have the password {password}"
        );
    } else {
        println!(
            "demo users (demo-<office>-a/-b, demo-auditor, demo-official) use the password in TECHLEDGER_DEMO_PASSWORD"
        );
    }
    Ok(())
}
