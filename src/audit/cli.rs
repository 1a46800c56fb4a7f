//! `techledger verify`: an exported file offline, or a database (chain and reconciliation) —
//! with the keys anchored in something outside the chain: a pinned root fingerprint
//! (`--trust-root`), an independently kept JWKS (`--jwks`), or the data directory's own keys.

use std::io::BufRead;
use std::path::PathBuf;

use super::checkpoint::{Checkpoint, CheckpointClaims};
use super::entry::AuditEntry;
use super::rotation::KeyHistory;
use super::trust::{Anchors, TrustReport};
use super::verify::{ChainVerifier, open_jws};
use crate::config::Config;

type Fail = (u8, String);

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The anchors of a verification: `--trust-root` and `--jwks` when given; otherwise the keys
/// of the configured data directory when it holds any; otherwise none, said out loud.
fn anchors(
    config: &Config,
    jwks: Option<&PathBuf>,
    trust_root: Option<&str>,
    own: &'static str,
) -> Result<Anchors, Fail> {
    let mut anchors = Anchors::none(own);
    if let Some(fp) = trust_root {
        anchors = anchors
            .with_root(fp)
            .map_err(|e| (2, format!("--trust-root: {e}")))?;
    }
    if let Some(path) = jwks {
        anchors = anchors
            .with_jwks_file(path)
            .map_err(|e| (2, format!("--jwks: {e}")))?;
    }
    if anchors.independent() {
        return Ok(anchors);
    }
    let keys_dir = config.data_dir.join("keys");
    if keys_dir.is_dir()
        && let Ok(store) = super::keys::KeyStore::open(&config.data_dir)
        && let Ok(with_dir) = anchors.clone().with_key_store(&store)
    {
        return Ok(with_dir);
    }
    Ok(anchors)
}

/// Runs `techledger verify`. Prints `OK …` and a `trust: …` line saying where the trust in the
/// keys came from, and returns Ok; or prints `FAIL seq N: …` and returns exit code 1.
pub fn verify(
    config: Config,
    file: Option<PathBuf>,
    jwks: Option<PathBuf>,
    trust_root: Option<String>,
    checkpoint: Option<PathBuf>,
    database: Option<String>,
) -> Result<(), Fail> {
    match (file, database) {
        (Some(file), None) => {
            let anchors = anchors(&config, jwks.as_ref(), trust_root.as_deref(), "export")?;
            verify_file(&file, &anchors, checkpoint.as_ref())
        }
        (None, database) => {
            if checkpoint.is_some() {
                return Err((2, "--checkpoint goes with an exported file".into()));
            }
            let url = match database {
                Some(url) => url.parse().map_err(|e| (2, format!("--database: {e}")))?,
                None => config.database_url.clone(),
            };
            let anchors = anchors(&config, jwks.as_ref(), trust_root.as_deref(), "database")?;
            verify_db(&url, &anchors)
        }
        (Some(_), Some(_)) => Err((2, "give a file or --database, not both".into())),
    }
}

fn say_trust(trust: Option<&TrustReport>) {
    if let Some(t) = trust {
        println!(
            "trust: {} (root key {}, fingerprint {})",
            t.note, t.root_kid, t.root_fingerprint
        );
    }
}

fn verify_file(
    file: &PathBuf,
    anchors: &Anchors,
    checkpoint: Option<&PathBuf>,
) -> Result<(), Fail> {
    let reader = std::fs::File::open(file).map_err(|e| (2, format!("{}: {e}", file.display())))?;
    let mut verifier = ChainVerifier::new(anchors, threads());
    let mut hashes: Vec<String> = Vec::new();
    for line in std::io::BufReader::new(reader).lines() {
        let line = line.map_err(|e| (2, format!("{}: {e}", file.display())))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<AuditEntry>(&line) {
            Ok(entry) => {
                if checkpoint.is_some() {
                    hashes.push(entry.hash.clone());
                }
                verifier.push(entry);
            }
            Err(e) => verifier.unreadable(format!("not an audit entry: {e}")),
        }
        if verifier.failed() {
            break;
        }
    }
    let history = verifier.history().clone();
    let result = verifier.finish();
    if !result.ok {
        println!(
            "FAIL seq {}: {}",
            result.first_bad_seq.unwrap_or(0),
            result.detail.unwrap_or_default()
        );
        return Err((1, "the audit chain does not verify".into()));
    }
    if let Some(path) = checkpoint {
        check_checkpoint(path, &history, &hashes)?;
    }
    println!(
        "OK {} entries, head {}",
        result.entries,
        result.head_hash.unwrap_or_default()
    );
    say_trust(result.trust.as_ref());
    Ok(())
}

/// A checkpoint must be signed by the key that signed the chain at its tree size and match
/// the entry at that size.
fn check_checkpoint(path: &PathBuf, history: &KeyHistory, hashes: &[String]) -> Result<(), Fail> {
    let text =
        std::fs::read_to_string(path).map_err(|e| (2, format!("{}: {e}", path.display())))?;
    let cp: Checkpoint = serde_json::from_str(&text)
        .map_err(|e| (2, format!("{}: not a checkpoint: {e}", path.display())))?;
    let fail = |why: String| {
        println!("FAIL checkpoint: {why}");
        Err((1, "the checkpoint does not verify".to_string()))
    };
    let Some(key) = history.signer_of(cp.tree_size).filter(|k| k.kid == cp.kid) else {
        return fail(format!(
            "signed by key {}, which is not the key that signed the chain at seq {}",
            cp.kid, cp.tree_size
        ));
    };
    let claims: CheckpointClaims = match open_jws(&cp.signature, &cp.kid, &key.key) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    if claims.tree_size != cp.tree_size || claims.head_hash != cp.head_hash {
        return fail("signed claims differ from the checkpoint".into());
    }
    match usize::try_from(cp.tree_size)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| hashes.get(i))
    {
        Some(h) if *h == cp.head_hash => Ok(()),
        Some(_) => fail(format!(
            "the entry at seq {} does not have the checkpoint's hash",
            cp.tree_size
        )),
        None => fail(format!(
            "the export ends before seq {}: entries were removed",
            cp.tree_size
        )),
    }
}

fn verify_db(url: &crate::db::DatabaseUrl, anchors: &Anchors) -> Result<(), Fail> {
    let mut conn = crate::db::establish(url).map_err(|e| (1, e.to_string()))?;
    let result = super::verify::verify_database(&mut conn, threads(), anchors)
        .map_err(|e| (1, e.to_string()))?;
    if result.ok {
        let rows: usize = result
            .reconciliation
            .as_ref()
            .map_or(0, |r| r.rows.values().sum());
        println!(
            "OK {} entries, head {}; {rows} ledger rows reconcile with the chain",
            result.entries,
            result.head_hash.unwrap_or_default()
        );
        say_trust(result.trust.as_ref());
        Ok(())
    } else {
        println!(
            "FAIL seq {}: {}",
            result
                .first_bad_seq
                .map_or("?".to_string(), |s| s.to_string()),
            result.detail.unwrap_or_default()
        );
        if let Some(r) = result.reconciliation {
            for d in r.discrepancies.iter().skip(1).take(20) {
                println!(
                    "  also: {} {} (seq {:?}): {}",
                    d.table, d.key, d.seq, d.detail
                );
            }
        }
        Err((1, "the database does not verify".into()))
    }
}
