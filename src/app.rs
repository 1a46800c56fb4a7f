//! Building the service: storage, migrations, keys, the writer, the first admin, and the
//! Rocket instance with every route, catcher and fairing.

use std::sync::Arc;

use rocket::data::{ByteUnit, Limits};
use rocket::{Build, Rocket};

use crate::audit::keys::{KeyPurpose, KeyStore};
use crate::auth::{LoginLimiter, Passwords, PublicLookupLimiter, SignUpLimiter, TokenIssuer};
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

/// The readers of the read path (statistics, contract lists): a streaming replica's pool when
/// `read_database_url` is set — its answers lag the primary by the replication delay, and say
/// which audit seq they reflect — else the primary's.
#[derive(Debug, Clone)]
pub struct ReadDb(pub Db);

/// Everything a running service holds, opened and checked.
pub struct Services {
    /// The configuration.
    pub config: Arc<Config>,
    /// Readers.
    pub db: Db,
    /// The read path's readers: a replica's when one is configured, else `db`.
    pub read: ReadDb,
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
    let settings = LedgerSettings::from_config(&config);
    open_with_settings(config, settings)
}

/// [`open_without_bootstrap`] with the write path's settings given (`bench_hooks`).
pub(crate) fn open_with_settings(
    config: Config,
    settings: LedgerSettings,
) -> Result<Services, StartError> {
    let pool = crate::db::connect(&config.database_url, config.database_pool_size)?;
    let db = Db::new(pool, config.database_url.backend());
    let applied = db.run_blocking(crate::db::run_migrations)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    crate::private_files::private_dir(&config.data_dir).map_err(|e| {
        StartError::Other(format!(
            "cannot create the data directory {}: {e}",
            config.data_dir.display()
        ))
    })?;
    let keys = KeyStore::open(&config.data_dir)?;
    let ledger = Ledger::start(&config.database_url, keys.clone(), settings)?;
    let tokens = TokenIssuer::new(keys.current_or_create(KeyPurpose::Token)?, &config.auth);
    let passwords = Arc::new(
        Passwords::new(config.auth.argon2_memory_kib, config.auth.argon2_iterations)
            .map_err(|e| StartError::Other(e.to_string()))?,
    );
    let read = match &config.read_database_url {
        Some(url) => {
            let pool = crate::db::connect(url, config.database_pool_size)?;
            tracing::info!(replica = %url.redacted(), "statistics and lists read from the replica");
            ReadDb(Db::new(pool, url.backend()))
        }
        None => ReadDb(db.clone()),
    };
    let services = Services {
        config: Arc::new(config),
        read,
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
        credit_code: None,
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

/// Mounts routes, catchers and fairings on opened services, listening where the configuration
/// says (with no read timeouts: `techledger serve` uses [`serve`], which adds them).
pub fn rocket(services: Services) -> Rocket<Build> {
    let (address, port) = (services.config.address, services.config.port);
    rocket_on(services, address, port, None)
}

/// The same, listening on `address:port`, taking the client's address from `ip_header` (set
/// by the front listener) instead of the TCP peer when given.
fn rocket_on(
    services: Services,
    address: std::net::IpAddr,
    port: u16,
    ip_header: Option<String>,
) -> Rocket<Build> {
    let config = &services.config;
    let limits = Limits::default()
        .limit("json", ByteUnit::Kibibyte(config.limits.json_kib))
        .limit("string", ByteUnit::Kibibyte(config.limits.json_kib))
        .limit("bytes", ByteUnit::Mebibyte(config.limits.import_mib))
        .limit("form", ByteUnit::Kibibyte(config.limits.json_kib))
        .limit("data-form", ByteUnit::Mebibyte(config.limits.import_mib))
        .limit("file", ByteUnit::Mebibyte(config.limits.import_mib));
    let rocket_config = rocket::Config {
        address,
        port,
        limits,
        log_level: rocket::config::LogLevel::Off,
        cli_colors: false,
        ident: rocket::config::Ident::try_new("techledger").unwrap_or_default(),
        // The TCP peer, or the one the front listener accepted (a header name only this process
        // knows); proxies' headers are weighed by `http::client_addr`, never by Rocket.
        ip_header: ip_header.map(rocket::http::uncased::Uncased::from),
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
        .manage(crate::attachments::AttachmentStore::new(
            &services.config.data_dir,
        ))
        .manage(Arc::clone(&services.config))
        .manage(services.db)
        .manage(services.read)
        .manage(services.ledger)
        .manage(services.tokens)
        .manage(services.passwords)
        .manage(services.keys)
        .manage(limiter)
        .manage(verify_gate)
        .manage(SignUpLimiter::new(config.auth.failed_logins_per_minute))
        .manage(PublicLookupLimiter::new(
            config.auth.public_lookups_per_minute,
        ))
        .manage(crate::http::metrics::HttpMetrics::default())
        .attach(crate::http::Plumbing)
        .mount("/", crate::api::root_routes())
        .mount("/", crate::web::routes())
        .mount("/api/v1", crate::api::routes())
        .register("/", crate::api::catchers::catchers())
}

/// A running server: the public address and the way to stop it.
pub struct Serving {
    /// The address clients connect to.
    pub address: std::net::SocketAddr,
    shutdown: rocket::Shutdown,
    server: rocket::tokio::task::JoinHandle<Result<Rocket<rocket::Ignite>, rocket::Error>>,
}

impl Serving {
    /// Waits until the server stops (Ctrl-C, SIGTERM, or [`Serving::stop`]).
    pub async fn finished(self) -> Result<(), StartError> {
        match self.server.await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(StartError::Other(format!("the server stopped: {e}"))),
            Err(e) => Err(StartError::Other(format!("the server task failed: {e}"))),
        }
    }

    /// Stops the server and waits for it.
    pub async fn stop(self) -> Result<(), StartError> {
        self.shutdown.clone().notify();
        self.finished().await
    }
}

/// Serves opened services to the clients of `listener`: the front listener (read timeouts,
/// see `http::front`) accepts them and passes each request to Rocket on a loopback port.
pub async fn serve(
    services: Services,
    listener: rocket::tokio::net::TcpListener,
) -> Result<Serving, StartError> {
    use crate::http::front::{Front, FrontSettings};
    let address = listener
        .local_addr()
        .map_err(|e| StartError::Other(format!("the listener has no address: {e}")))?;
    let front = Arc::new(Front::new(FrontSettings::from_config(
        &services.config.http,
    )));
    let (bound, upstream_port) = rocket::tokio::sync::oneshot::channel::<u16>();
    let bound = std::sync::Mutex::new(Some(bound));
    let rocket = rocket_on(
        services,
        std::net::IpAddr::from([127, 0, 0, 1]),
        0,
        Some(front.peer_header().to_string()),
    )
    .attach(rocket::fairing::AdHoc::on_liftoff(
        "the loopback port, for the front listener",
        move |rocket| {
            let port = rocket.config().port;
            Box::pin(async move {
                if let Some(tx) = bound.lock().ok().and_then(|mut b| b.take()) {
                    let _ = tx.send(port);
                }
            })
        },
    ));
    let ignited = rocket
        .ignite()
        .await
        .map_err(|e| StartError::Other(format!("cannot start the server: {e}")))?;
    let shutdown = ignited.shutdown();
    let server = rocket::tokio::spawn(ignited.launch());
    let port = upstream_port
        .await
        .map_err(|_| StartError::Other("the server stopped before it listened".into()))?;
    let upstream = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    rocket::tokio::spawn(front.serve(listener, upstream, shutdown.clone()));
    Ok(Serving {
        address,
        shutdown,
        server,
    })
}
