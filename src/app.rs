//! Building the service: storage, migrations, keys, the writer, the first admin, and the
//! Rocket instance with every route, catcher and fairing.

use std::sync::Arc;

use rocket::data::{ByteUnit, Limits};
use rocket::{Build, Rocket};

use crate::audit::keys::{KeyPurpose, KeyStore};
use crate::auth::{LoginLimiter, Passwords, TokenIssuer};
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::domain::Role;
use crate::ledger::{Command, Ledger, LedgerSettings, NewUser, Principal, Request};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Keys.
    #[error(transparent)]
    Key(#[from] crate::audit::keys::KeyError),
    /// The writer.
    #[error(transparent)]
    Ledger(#[from] crate::ledger::StartError),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// Everything a running service holds, opened and checked.
pub struct Services {
    /// The configuration.
    pub config: Arc<Config>,
    /// Readers.
    pub db: Db,
    /// The write path.
    pub ledger: Ledger,
    /// Login tokens.
    pub tokens: TokenIssuer,
    /// Password hashing.
    pub passwords: Arc<Passwords>,
    /// The key files.
    pub keys: KeyStore,
}

/// Opens storage, applies migrations, loads keys, starts the writer and creates the first
/// admin when there is none. Blocking: call it outside the async runtime or via
/// [`build`].
pub fn open(config: Config) -> Result<Services, StartError> {
    let services = open_without_bootstrap(config)?;
    bootstrap_admin(&services)?;
    Ok(services)
}

/// [`open`] without creating the first admin (for the command line's own commands).
pub fn open_without_bootstrap(config: Config) -> Result<Services, StartError> {
    let pool = crate::db::connect(&config.database_url, config.database_pool_size)?;
    let db = Db::new(pool, config.database_url.backend());
    let applied = db.run_blocking(crate::db::run_migrations)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    let keys = KeyStore::open(&config.data_dir)?;
    let ledger = Ledger::start(
        &config.database_url,
        keys.clone(),
        LedgerSettings::from_config(&config),
    )?;
    let tokens = TokenIssuer::new(keys.current_or_create(KeyPurpose::Token)?, &config.auth);
    let passwords = Arc::new(
        Passwords::new(config.auth.argon2_memory_kib, config.auth.argon2_iterations)
            .map_err(|e| StartError::Other(e.to_string()))?,
    );
    let services = Services {
        config: Arc::new(config),
        db,
        ledger,
        tokens,
        passwords,
        keys,
    };
    Ok(services)
}

/// On a database without an active admin: creates `admin` with the password from
/// `TECHLEDGER_ADMIN_PASSWORD`, or a generated one printed once.
fn bootstrap_admin(services: &Services) -> Result<(), StartError> {
    let admins = services.db.run_blocking(|conn| {
        crate::db::models::users::active_admins(conn).map_err(DbError::from)
    })?;
    if admins > 0 {
        return Ok(());
    }
    let (password, generated) = match std::env::var("TECHLEDGER_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (crate::auth::password::generate(), true),
    };
    let problems = crate::auth::password::check_rules("admin", &password);
    if let Some(p) = problems.first() {
        return Err(StartError::Other(format!(
            "TECHLEDGER_ADMIN_PASSWORD: {}",
            p.message
        )));
    }
    let hash = services
        .passwords
        .hash(&password)
        .map_err(|e| StartError::Other(e.to_string()))?;
    let command = Command::CreateUser(NewUser {
        username: "admin".into(),
        display_name: "管理员".into(),
        role: Role::Admin,
        office: None,
        password_hash: hash,
    });
    services
        .ledger
        .execute_blocking(Request::new(Principal::System, command))
        .map_err(|e| StartError::Other(format!("cannot create the first admin: {e}")))?;
    if generated {
        // Printed once, to the terminal only (never to the log).
        println!("techledger: created the first admin user `admin` with password {password}");
        println!("techledger: this password is shown only once; change it after signing in");
    } else {
        tracing::info!("created the first admin user `admin` from TECHLEDGER_ADMIN_PASSWORD");
    }
    Ok(())
}

/// The Rocket instance for `config`, with everything opened.
pub async fn build(config: Config) -> Result<Rocket<Build>, StartError> {
    let services = rocket::tokio::task::spawn_blocking(move || open(config))
        .await
        .map_err(|e| StartError::Other(e.to_string()))??;
    Ok(rocket(services))
}

/// Mounts routes, catchers and fairings on opened services.
pub fn rocket(services: Services) -> Rocket<Build> {
    let config = &services.config;
    let limits = Limits::default()
        .limit("json", ByteUnit::Kibibyte(config.limits.json_kib))
        .limit("string", ByteUnit::Kibibyte(config.limits.json_kib))
        .limit("bytes", ByteUnit::Mebibyte(config.limits.import_mib))
        .limit("form", ByteUnit::Kibibyte(config.limits.json_kib))
        .limit("data-form", ByteUnit::Mebibyte(config.limits.import_mib))
        .limit("file", ByteUnit::Mebibyte(config.limits.import_mib));
    let rocket_config = rocket::Config {
        address: config.address,
        port: config.port,
        limits,
        log_level: rocket::config::LogLevel::Off,
        cli_colors: false,
        ident: rocket::config::Ident::try_new("techledger").unwrap_or_default(),
        // Only the peer address counts for login throttling; a client could forge X-Real-IP.
        ip_header: None,
        ..rocket::Config::default()
    };
    let limiter = LoginLimiter::new(
        config.auth.failed_logins_per_minute,
        std::time::Duration::from_secs(config.auth.login_backoff_max_seconds),
    );
    let verify_gate = crate::audit::gate::VerifyGate::new(
        config.database_url.clone(),
        std::time::Duration::from_secs(config.audit.verify_wait_seconds),
    );
    rocket::custom(rocket_config)
        .manage(Arc::clone(&services.config))
        .manage(services.db)
        .manage(services.ledger)
        .manage(services.tokens)
        .manage(services.passwords)
        .manage(services.keys)
        .manage(limiter)
        .manage(verify_gate)
        .manage(crate::http::metrics::HttpMetrics::default())
        .attach(crate::http::Plumbing)
        .mount("/", crate::api::root_routes())
        .mount("/", crate::web::routes())
        .mount("/api/v1", crate::api::routes())
        .register("/", crate::api::catchers::catchers())
}
