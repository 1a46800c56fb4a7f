//! `techledger verify`: an exported file offline (needs only the export and the JWKS), or a
//! database (chain and reconciliation).

use std::io::BufRead;
use std::path::PathBuf;

use super::checkpoint::{Checkpoint, CheckpointClaims};
use super::entry::AuditEntry;
use super::verify::{ChainVerifier, Jwks, KeySet};
use crate::config::Config;

type Fail = (u8, String);

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `techledger verify`. Prints `OK …` and returns Ok, or prints `FAIL seq N: …` and
/// returns exit code 1.
pub fn verify(
    config: Config,
    file: Option<PathBuf>,
    jwks: Option<PathBuf>,
    checkpoint: Option<PathBuf>,
    database: Option<String>,
) -> Result<(), Fail> {
    match (file, database) {
        (Some(file), None) => {
            let jwks = jwks.ok_or((2, "--jwks JWKS is required to verify a file".to_string()))?;
            verify_file(&file, &jwks, checkpoint.as_ref())
        }
        (None, Some(url)) => {
            let url: crate::db::DatabaseUrl =
                url.parse().map_err(|e| (2, format!("--database: {e}")))?;
            verify_db(&url)
        }
        (None, None) => verify_db(&config.database_url),
        (Some(_), Some(_)) => Err((2, "give a file or --database, not both".into())),
    }
}

fn verify_file(file: &PathBuf, jwks: &PathBuf, checkpoint: Option<&PathBuf>) -> Result<(), Fail> {
    let jwks_text =
        std::fs::read_to_string(jwks).map_err(|e| (2, format!("{}: {e}", jwks.display())))?;
    let jwks: Jwks = serde_json::from_str(&jwks_text)
        .map_err(|e| (2, format!("{}: not a JWKS: {e}", jwks.display())))?;
    let keys = KeySet::from_jwks(&jwks).map_err(|e| (2, format!("JWKS: {e}")))?;
    let reader = std::fs::File::open(file).map_err(|e| (2, format!("{}: {e}", file.display())))?;
    let mut verifier = ChainVerifier::new(&keys, threads());
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
        check_checkpoint(path, &keys, &hashes)?;
    }
    println!(
        "OK {} entries, head {}",
        result.entries,
        result.head_hash.unwrap_or_default()
    );
    Ok(())
}

/// A checkpoint must be signed by a known key and match the entry at its tree size.
fn check_checkpoint(path: &PathBuf, keys: &KeySet, hashes: &[String]) -> Result<(), Fail> {
    let text =
        std::fs::read_to_string(path).map_err(|e| (2, format!("{}: {e}", path.display())))?;
    let cp: Checkpoint = serde_json::from_str(&text)
        .map_err(|e| (2, format!("{}: not a checkpoint: {e}", path.display())))?;
    let claims: CheckpointClaims = verify_jws(&cp.signature, &cp.kid, keys).map_err(|e| {
        println!("FAIL checkpoint: {e}");
        (1, "the checkpoint does not verify".to_string())
    })?;
    let fail = |why: String| {
        println!("FAIL checkpoint: {why}");
        Err((1, "the checkpoint does not verify".to_string()))
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

/// Verifies a compact EdDSA JWS with the key `kid` and returns its claims.
pub fn verify_jws<T: serde::de::DeserializeOwned>(
    token: &str,
    kid: &str,
    keys: &KeySet,
) -> Result<T, String> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a compact JWS".into());
    };
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("bad JWS header")?;
    if header["alg"] != "EdDSA" || header["kid"] != kid {
        return Err("the JWS header is not EdDSA with the named key".into());
    }
    let key = keys
        .public(kid)
        .ok_or_else(|| format!("unknown key {kid}"))?;
    let sig = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| "bad signature encoding")?;
    let sig = ed25519_dalek::Signature::from_slice(&sig).map_err(|_| "bad signature length")?;
    key.verify_strict(format!("{h}.{c}").as_bytes(), &sig)
        .map_err(|_| "the signature does not verify")?;
    let claims = URL_SAFE_NO_PAD
        .decode(c)
        .map_err(|_| "bad claims encoding")?;
    serde_json::from_slice(&claims).map_err(|e| format!("bad claims: {e}"))
}

fn verify_db(url: &crate::db::DatabaseUrl) -> Result<(), Fail> {
    let mut conn = crate::db::establish(url).map_err(|e| (1, e.to_string()))?;
    let result =
        super::verify::verify_database(&mut conn, threads()).map_err(|e| (1, e.to_string()))?;
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
