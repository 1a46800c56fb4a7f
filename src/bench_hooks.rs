//! Hooks for the benchmarks in `benches/` only, compiled with the `bench-hooks` cargo feature,
//! which no default build and no deployment enables: nothing here is reachable from the
//! configuration, the environment, HTTP or the command line of a `techledger` built the
//! ordinary way (without the feature this module does not exist, and the write path always
//! maintains the Merkle tree).
//!
//! [`open_without_merkle_tree`] lets `benches/write_path.rs` measure the write path with the
//! Merkle tree and without it in the same run (issue 15: the tree may cost at most 5 %). The
//! ledger it starts appends audit entries exactly as usual (chained, hashed, signed) but
//! neither computes nor stores the tree's hashes, and refuses checkpoints (their root is the
//! tree's), so it stores none. What it leaves behind is a database whose tree ends where that
//! ledger took over — the shape of a database made before the tree existed, which the next
//! ordinary start brings up to date (`audit::tlog::catch_up`, under the head lock) before it
//! writes anything.

use crate::app::{Services, StartError};
use crate::config::Config;
use crate::ledger::LedgerSettings;

/// [`crate::app::open_without_bootstrap`], with a write path that does not maintain the Merkle
/// tree.
pub fn open_without_merkle_tree(config: Config) -> Result<Services, StartError> {
    let mut settings = LedgerSettings::from_config(&config);
    settings.merkle_tree = false;
    crate::app::open_with_settings(config, settings)
}
