//! `techledger witness`: the command line of the witness. Exit codes: 0 cosigned (or nothing
//! new), 1 a round could not be completed, 2 bad usage, 3 refused — the log contradicts what
//! this witness cosigned before (a fork or a rollback) or its signature does not hold.

use std::path::PathBuf;
use std::time::Duration;

use super::http::BaseUrl;
use super::key::WitnessKey;
use super::{LogKeys, Witness, WitnessError};
use crate::audit::note::{ALG_ED25519, VerifierKey};
use crate::audit::trust::Anchors;

/// `techledger witness`'s arguments (without a subcommand).
#[derive(Debug, clap::Args)]
pub struct WitnessArgs {
    /// The log's base URL, `http://host[:port][/prefix]`.
    #[arg(long)]
    pub url: Option<String>,
    /// The log's key as a C2SP vkey (`<origin>+<key ID>+<key>`, `GET /log/keys` as checked
    /// once by hand), or a file of them, one a line; repeat for several. Its name is the origin.
    #[arg(long, conflicts_with = "trust_root")]
    pub log_key: Vec<String>,
    /// Instead of --log-key: the pinned fingerprint of the log's root key (64 hex digits); the
    /// witness then takes the keys from `/log/keys` only as endorsed from that root.
    #[arg(long)]
    pub trust_root: Option<String>,
    /// The witness's private key file (`techledger witness keygen`).
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// The witness's state file: the last checkpoint it cosigned (created on the first run).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// One round, then exit.
    #[arg(long, conflicts_with = "interval")]
    pub once: bool,
    /// Seconds between rounds (without --once). Every cosignature the log stores is one audit
    /// entry, so the log grows by at most one entry per witness per interval.
    #[arg(long, default_value_t = 300)]
    pub interval: u64,
}

/// `techledger witness`'s subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum WitnessCmd {
    /// Creates the witness's key (a new file, mode 0600) and prints its vkey for the log's
    /// `audit.witnesses`.
    Keygen {
        /// The key file to create.
        #[arg(long)]
        key: PathBuf,
        /// The witness's name (how its signature lines name it), e.g. `audit.example/w1`.
        #[arg(long)]
        name: String,
    },
    /// Prints the vkey of an existing witness key.
    Vkey {
        /// The key file.
        #[arg(long)]
        key: PathBuf,
    },
}

type Fail = (u8, String);

/// Runs `techledger witness`.
pub fn run(what: Option<WitnessCmd>, args: WitnessArgs) -> Result<(), Fail> {
    match what {
        Some(WitnessCmd::Keygen { key, name }) => {
            let generated = WitnessKey::generate(&name).map_err(|e| (2, e))?;
            generated.save(&key).map_err(|e| (1, e))?;
            println!("{}", generated.vkey().encode());
            eprintln!(
                "witness key written to {} (mode 0600); give the line above to the log's operator for audit.witnesses",
                key.display()
            );
            Ok(())
        }
        Some(WitnessCmd::Vkey { key }) => {
            let key = WitnessKey::load(&key).map_err(|e| (1, e))?;
            println!("{}", key.vkey().encode());
            Ok(())
        }
        None => witness(args),
    }
}

/// Vkeys from `--log-key`: each a vkey, or a file of vkeys.
fn pinned_keys(given: &[String]) -> Result<Vec<VerifierKey>, Fail> {
    let mut keys = Vec::new();
    for g in given {
        let text = if std::path::Path::new(g).is_file() {
            std::fs::read_to_string(g).map_err(|e| (2, format!("--log-key {g}: {e}")))?
        } else {
            g.clone()
        };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let key = VerifierKey::parse(line).map_err(|e| (2, format!("--log-key: {e}")))?;
            if key.alg != ALG_ED25519 {
                return Err((2, "--log-key: a log key has signature type 0x01".into()));
            }
            keys.push(key);
        }
    }
    if let Some(first) = keys.first()
        && keys.iter().any(|k| k.name != first.name)
    {
        return Err((2, "--log-key: the keys name different logs".into()));
    }
    Ok(keys)
}

fn witness(args: WitnessArgs) -> Result<(), Fail> {
    let missing = |what: &str| (2, format!("witness: {what} is required"));
    let base = BaseUrl::parse(&args.url.ok_or_else(|| missing("--url"))?)
        .map_err(|e| (2, format!("--url: {e}")))?;
    let log_keys = match (&args.trust_root, args.log_key.is_empty()) {
        (Some(fp), _) => LogKeys::Anchored(
            Anchors::none("the witness has no key store")
                .with_root(fp)
                .map_err(|e| (2, format!("--trust-root: {e}")))?,
        ),
        (None, false) => LogKeys::Pinned(pinned_keys(&args.log_key)?),
        (None, true) => return Err(missing("--log-key or --trust-root")),
    };
    let key = WitnessKey::load(&args.key.ok_or_else(|| missing("--key"))?).map_err(|e| (2, e))?;
    let witness = Witness {
        base,
        log_keys,
        key,
        state: args.state.ok_or_else(|| missing("--state"))?,
    };
    let runtime = rocket::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| (1, e.to_string()))?;
    runtime.block_on(async {
        loop {
            match witness.round().await {
                Ok(round) => println!("{round}"),
                Err(e @ WitnessError::Refused(_)) => return Err((3, e.to_string())),
                Err(e) if args.once => return Err((1, e.to_string())),
                Err(e) => eprintln!(
                    "techledger witness: {e} (trying again in {} s)",
                    args.interval
                ),
            }
            if args.once {
                return Ok(());
            }
            rocket::tokio::time::sleep(Duration::from_secs(args.interval.max(1))).await;
        }
    })
}
