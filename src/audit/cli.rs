//! `techledger verify`: an exported file offline, or a database (chain and reconciliation) —
//! with the keys anchored in something outside the chain: a pinned root fingerprint
//! (`--trust-root`), an independently kept JWKS (`--jwks`), or the data directory's own keys.

use std::io::BufRead;
use std::path::PathBuf;

use super::checkpoint::{Checkpoint, CheckpointClaims};
use super::entry::AuditEntry;
use super::merkle;
use super::note::{CheckpointBody, VerifierKey};
use super::receipt::{Inclusion, Receipt};
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

/// `techledger verify`'s arguments (without a subcommand).
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// An export (`techledger export audit > audit.jsonl`); omit with --database.
    pub file: Option<PathBuf>,
    /// A JWKS kept independently of the server (an earlier `/.well-known/jwks.json` or
    /// `export jwks`): its keys must be the chain's own, and one of them must sign it.
    #[arg(long)]
    pub jwks: Option<PathBuf>,
    /// The pinned fingerprint of the chain's root key (64 hex digits: SHA-256 of the public
    /// key, as `techledger keygen` prints it): every later key must be endorsed from it.
    #[arg(long)]
    pub trust_root: Option<String>,
    /// With an export: a signed checkpoint it must contain (`GET /api/v1/audit/checkpoint`).
    /// With --inclusion: the signed note (`GET /log/checkpoint`) the proof leads to; with
    /// --consistency: the older and then the newer signed note.
    #[arg(long)]
    pub checkpoint: Vec<PathBuf>,
    /// Verify (and reconcile) this database instead of a file.
    #[arg(long)]
    pub database: Option<String>,
    /// An inclusion proof (`GET /api/v1/audit/proof/inclusion`) of --entry in --checkpoint.
    #[arg(long, requires_all = ["entry", "log_keys"])]
    pub inclusion: Option<PathBuf>,
    /// A consistency proof (`GET /api/v1/audit/proof/consistency`) between two --checkpoint.
    #[arg(long, requires = "log_keys", conflicts_with = "inclusion")]
    pub consistency: Option<PathBuf>,
    /// The audit entry an inclusion proof is for (one line of an export, or the API's JSON).
    #[arg(long)]
    pub entry: Option<PathBuf>,
    /// The log's keys (`GET /log/keys`): its origin and key rotations, checked from
    /// --trust-root or --jwks.
    #[arg(long)]
    pub log_keys: Option<PathBuf>,
}

/// `techledger verify`'s subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum VerifyCmd {
    /// A receipt (`GET /api/v1/contracts/{id}/receipt`): the entry, its inclusion proof, the
    /// signed checkpoint and the keys vouching for it, checked from the pinned root.
    Receipt {
        /// The receipt file.
        file: PathBuf,
        /// A JWKS kept independently of the server.
        #[arg(long)]
        jwks: Option<PathBuf>,
        /// The pinned fingerprint of the root key.
        #[arg(long)]
        trust_root: Option<String>,
    },
    /// Published figures (`GET /api/v1/stats/summary`, `…/breakdown`): checks the export up
    /// to the checkpoint the figures name against that checkpoint, recomputes the year's
    /// summary and every breakdown from the entries' contract states (not from any table of
    /// the server) and compares them to the fen, naming every difference. Without --summary
    /// and --breakdowns it prints the recomputed figures as JSON.
    Figures(FiguresArgs),
}

/// `techledger verify figures`'s arguments.
#[derive(Debug, clap::Args)]
pub struct FiguresArgs {
    /// The registration year of the figures.
    #[arg(long)]
    pub year: i32,
    /// The checkpoint the figures name: its signed note (`"checkpoint"."note"` of the summary,
    /// or `GET /log/checkpoint/{tree_size}`).
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// The audit export (`GET /api/v1/audit/export`), at least up to the checkpoint's size.
    #[arg(long)]
    pub export: PathBuf,
    /// The pinned fingerprint of the root key.
    #[arg(long)]
    pub trust_root: Option<String>,
    /// A JWKS kept independently of the server.
    #[arg(long)]
    pub jwks: Option<PathBuf>,
    /// The log's keys (`GET /log/keys`): its origin, and the rotations of keys announced after
    /// the export ends (a checkpoint signed later, by a newer key); checked from the anchors.
    #[arg(long)]
    pub log_keys: Option<PathBuf>,
    /// The published summary to compare.
    #[arg(long)]
    pub summary: Option<PathBuf>,
    /// A directory of published breakdowns to compare, one file per dimension named after
    /// it: office.json, contract_type.json, tech_field.json, ip_type.json, seller_kind.json,
    /// flow.json, month.json, review.json.
    #[arg(long)]
    pub breakdowns: Option<PathBuf>,
}

/// Runs `techledger verify`. Prints `OK …` and a `trust: …` line saying where the trust in the
/// keys came from, and returns Ok; or prints `FAIL …` and returns exit code 1.
pub fn verify(config: Config, what: Option<VerifyCmd>, args: VerifyArgs) -> Result<(), Fail> {
    let anchored =
        |jwks: Option<&PathBuf>, root: Option<&str>, own| anchors(&config, jwks, root, own);
    match what {
        Some(VerifyCmd::Receipt {
            file,
            jwks,
            trust_root,
        }) => {
            return verify_receipt(
                &file,
                &anchored(jwks.as_ref(), trust_root.as_deref(), "receipt")?,
            );
        }
        Some(VerifyCmd::Figures(f)) => {
            let anchors = anchored(f.jwks.as_ref(), f.trust_root.as_deref(), "export")?;
            return verify_figures(&f, &anchors);
        }
        None => {}
    }
    let own_anchors = |own| anchored(args.jwks.as_ref(), args.trust_root.as_deref(), own);
    if let Some(proof) = &args.inclusion {
        return verify_inclusion(proof, &args, &own_anchors("log keys")?);
    }
    if let Some(proof) = &args.consistency {
        return verify_consistency(proof, &args, &own_anchors("log keys")?);
    }
    match (&args.file, &args.database) {
        (Some(file), None) => {
            if args.checkpoint.len() > 1 {
                return Err((2, "give one --checkpoint with an export".into()));
            }
            verify_file(file, &own_anchors("export")?, args.checkpoint.first())
        }
        (None, database) => {
            if !args.checkpoint.is_empty() {
                return Err((
                    2,
                    "--checkpoint goes with an exported file or a proof".into(),
                ));
            }
            let url = match database {
                Some(url) => url.parse().map_err(|e| (2, format!("--database: {e}")))?,
                None => config.database_url.clone(),
            };
            let attachments = crate::attachments::AttachmentStore::new(&config.data_dir);
            verify_db(&url, &own_anchors("database")?, attachments)
        }
        (Some(_), Some(_)) => Err((2, "give a file or --database, not both".into())),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &PathBuf, what: &str) -> Result<T, Fail> {
    let text =
        std::fs::read_to_string(path).map_err(|e| (2, format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| (2, format!("{}: not {what}: {e}", path.display())))
}

fn fail(what: &str, why: String) -> Fail {
    println!("FAIL {what}: {why}");
    (1, format!("the {what} does not verify"))
}

fn verify_receipt(file: &PathBuf, anchors: &Anchors) -> Result<(), Fail> {
    let receipt: Receipt = read_json(file, "a receipt")?;
    let report = super::receipt::verify(&receipt, anchors).map_err(|e| fail("receipt", e))?;
    println!(
        "OK receipt: entry seq {} ({} {}) is in the log {} at tree size {} (root {}), the checkpoint signed by key {}{}",
        report.seq,
        report.action,
        report.entity,
        receipt.origin,
        report.tree_size,
        report.root_hash,
        report.signed_by,
        if report.cosigned_by.is_empty() {
            String::new()
        } else {
            format!("; cosigned by {}", report.cosigned_by.join(", "))
        }
    );
    say_trust(Some(&report.trust));
    Ok(())
}

/// The log's checkpoint verifiers from `GET /log/keys`, its rotations checked from the anchors.
type LogKeys = (String, Vec<(String, VerifierKey)>, TrustReport);

fn log_keys(args: &VerifyArgs, anchors: &Anchors) -> Result<LogKeys, Fail> {
    let path = args
        .log_keys
        .as_ref()
        .ok_or((2, "--log-keys is required".to_string()))?;
    let (origin, history, trust) = load_log_keys(path, anchors)?;
    let verifiers = super::receipt::checkpoint_keys(&history, &origin);
    Ok((origin, verifiers, trust))
}

/// The log's origin and key history from `GET /log/keys`, the rotations checked from the
/// anchors.
fn load_log_keys(
    path: &PathBuf,
    anchors: &Anchors,
) -> Result<(String, KeyHistory, TrustReport), Fail> {
    #[derive(serde::Deserialize)]
    struct Published {
        origin: String,
        rotations: Vec<AuditEntry>,
    }
    let keys: Published = read_json(path, "the log's keys (GET /log/keys)")?;
    let history = KeyHistory::from_rotations(&keys.rotations).map_err(|f| {
        fail(
            "log keys",
            format!("key rotation at seq {}: {}", f.seq, f.reason),
        )
    })?;
    let trust = anchors
        .check(&history)
        .map_err(|f| fail("log keys", format!("trust: {}", f.reason)))?;
    Ok((keys.origin, history, trust))
}

fn read_checkpoint(
    path: &PathBuf,
    origin: &str,
    keys: &[(String, VerifierKey)],
) -> Result<CheckpointBody, Fail> {
    let text =
        std::fs::read_to_string(path).map_err(|e| (2, format!("{}: {e}", path.display())))?;
    super::receipt::open_checkpoint(&text, origin, keys)
        .map(|(body, _, _)| body)
        .map_err(|e| fail("checkpoint", format!("{}: {e}", path.display())))
}

fn hashes_of(list: &[String]) -> Result<Vec<merkle::Hash>, Fail> {
    list.iter()
        .map(|h| merkle::parse_hex(h).ok_or_else(|| (2, format!("{h:?} is not a hash"))))
        .collect()
}

fn verify_inclusion(
    proof_path: &PathBuf,
    args: &VerifyArgs,
    anchors: &Anchors,
) -> Result<(), Fail> {
    let (origin, keys, trust) = log_keys(args, anchors)?;
    let [checkpoint] = args.checkpoint.as_slice() else {
        return Err((
            2,
            "--inclusion takes one --checkpoint (GET /log/checkpoint)".into(),
        ));
    };
    let body = read_checkpoint(checkpoint, &origin, &keys)?;
    let proof: Inclusion = read_json(proof_path, "an inclusion proof")?;
    let entry_path = args
        .entry
        .as_ref()
        .ok_or((2, "--entry is required".to_string()))?;
    let entry: AuditEntry = read_json(entry_path, "an audit entry")?;
    let leaf = merkle::leaf_hash(
        entry
            .body()
            .canonical()
            .map_err(|e| (2, e.to_string()))?
            .as_bytes(),
    );
    if proof.seq != entry.seq || u64::try_from(proof.tree_size).ok() != Some(body.size) {
        return Err(fail(
            "inclusion",
            format!(
                "the proof is for seq {} in a tree of {}; the entry is seq {} and the checkpoint's tree has {}",
                proof.seq, proof.tree_size, entry.seq, body.size
            ),
        ));
    }
    let hashes = hashes_of(&proof.hashes)?;
    let index =
        u64::try_from(entry.seq - 1).map_err(|_| (2, "seq must be at least 1".to_string()))?;
    if !merkle::verify_inclusion(index, body.size, &leaf, &hashes, &body.root) {
        return Err(fail(
            "inclusion",
            format!(
                "entry seq {} is not in the checkpoint's tree: the proof does not lead to its root",
                entry.seq
            ),
        ));
    }
    println!(
        "OK inclusion: entry seq {} (leaf hash {}) is in the log {origin} at tree size {} (root {})",
        entry.seq,
        merkle::hex(&leaf),
        body.size,
        merkle::hex(&body.root)
    );
    say_trust(Some(&trust));
    Ok(())
}

fn verify_consistency(
    proof_path: &PathBuf,
    args: &VerifyArgs,
    anchors: &Anchors,
) -> Result<(), Fail> {
    let (origin, keys, trust) = log_keys(args, anchors)?;
    let [old, new] = args.checkpoint.as_slice() else {
        return Err((
            2,
            "--consistency takes two --checkpoint: the older, then the newer".into(),
        ));
    };
    let old = read_checkpoint(old, &origin, &keys)?;
    let new = read_checkpoint(new, &origin, &keys)?;
    #[derive(serde::Deserialize)]
    struct Proof {
        from: i64,
        to: i64,
        hashes: Vec<String>,
    }
    let proof: Proof = read_json(proof_path, "a consistency proof")?;
    if u64::try_from(proof.from).ok() != Some(old.size)
        || u64::try_from(proof.to).ok() != Some(new.size)
    {
        return Err(fail(
            "consistency",
            format!(
                "the proof is from {} to {}; the checkpoints are of {} and {}",
                proof.from, proof.to, old.size, new.size
            ),
        ));
    }
    let hashes = hashes_of(&proof.hashes)?;
    if !merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &hashes) {
        return Err(fail(
            "consistency",
            format!(
                "the tree of {} entries (root {}) is not a prefix of the tree of {} (root {}): the log was rewritten",
                old.size,
                merkle::hex(&old.root),
                new.size,
                merkle::hex(&new.root)
            ),
        ));
    }
    println!(
        "OK consistency: the log {origin} at size {} (root {}) is a prefix of the log at size {} (root {})",
        old.size,
        merkle::hex(&old.root),
        new.size,
        merkle::hex(&new.root)
    );
    say_trust(Some(&trust));
    Ok(())
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

/// `techledger verify figures`: the chain of the export, the checkpoint's signature by a key
/// of the chain and its root against the export's first `size` entries, then the figures.
fn verify_figures(args: &FiguresArgs, anchors: &Anchors) -> Result<(), Fail> {
    use super::figures::{self, At, FigureReplay};
    let note = std::fs::read_to_string(&args.checkpoint)
        .map_err(|e| (2, format!("{}: {e}", args.checkpoint.display())))?;
    let parsed = super::note::Note::parse(&note)
        .map_err(|e| fail("checkpoint", format!("not a signed note: {e}")))?;
    let body = CheckpointBody::parse(&parsed.text).map_err(|e| fail("checkpoint", e.0))?;
    let size = i64::try_from(body.size)
        .ok()
        .filter(|s| *s >= 1)
        .ok_or_else(|| fail("checkpoint", "it covers no entry".into()))?;
    let published = |path: &PathBuf| -> Result<serde_json::Value, Fail> {
        read_json(path, "a published figures document (JSON)")
    };
    let summary = args.summary.as_ref().map(published).transpose()?;
    let breakdowns = args
        .breakdowns
        .as_ref()
        .map(|dir| published_breakdowns(dir))
        .transpose()?;

    // The chain, every entry of the export; the tree and the figures, its first `size`.
    let reader = std::fs::File::open(&args.export)
        .map_err(|e| (2, format!("{}: {e}", args.export.display())))?;
    let mut verifier = ChainVerifier::new(anchors, threads());
    let mut tree = merkle::Frontier::default();
    let mut replay = FigureReplay::new();
    let mut replay_failure = None;
    let mut lines = std::io::BufReader::new(reader).lines();
    'read: loop {
        // A batch of lines, parsed and (up to the checkpoint's size) leaf-hashed in parallel;
        // then, in order, the tree, the replay and the chain.
        let mut batch = Vec::with_capacity(LINES_PER_BATCH);
        for line in lines.by_ref() {
            let line = line.map_err(|e| (2, format!("{}: {e}", args.export.display())))?;
            if !line.trim().is_empty() {
                batch.push(line);
            }
            if batch.len() == LINES_PER_BATCH {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        let leaves_wanted = usize::try_from(size - tree.size() as i64).unwrap_or(0);
        for parsed in parse_and_hash(batch, leaves_wanted) {
            match parsed {
                Ok((entry, leaf)) => {
                    if let Some(leaf) = leaf {
                        tree.append(leaf);
                        if replay_failure.is_none()
                            && let Err(e) = replay.apply(&entry)
                        {
                            replay_failure = Some(e);
                        }
                    }
                    verifier.push(entry);
                }
                Err(e) => verifier.unreadable(e),
            }
            if verifier.failed() {
                break 'read;
            }
        }
    }
    let mut history = verifier.history().clone();
    let result = verifier.finish();
    if !result.ok {
        println!(
            "FAIL seq {}: {}",
            result.first_bad_seq.unwrap_or(0),
            result.detail.unwrap_or_default()
        );
        return Err((1, "the audit chain does not verify".into()));
    }
    if (tree.size() as i64) < size {
        println!(
            "FAIL seq {}: the checkpoint covers {size} entries but the export ends at seq {} (truncated)",
            tree.size() + 1,
            tree.size()
        );
        return Err((1, "the export does not reach the checkpoint".into()));
    }

    // The checkpoint: signed by a key of the chain (or, with --log-keys, a later one).
    let mut origin = body.origin.clone();
    if let Some(path) = &args.log_keys {
        let (log_origin, later, _) = load_log_keys(path, anchors)?;
        if later.root().map(|k| &k.key) != history.root().map(|k| &k.key) {
            return Err(fail(
                "log keys",
                "their root key is not the export's root key".into(),
            ));
        }
        origin = log_origin;
        if later.keys().len() > history.keys().len() {
            history = later;
        }
    }
    let keys = super::receipt::checkpoint_keys(&history, &origin);
    let (_, _, signed_by) = super::receipt::open_checkpoint(&note, &origin, &keys)
        .map_err(|e| fail("checkpoint", e))?;
    let root = tree.root();
    if root != body.root {
        println!(
            "FAIL checkpoint: the export's first {size} entries have Merkle root {}, the signed checkpoint says {}: the export is not the log the checkpoint signs",
            merkle::hex(&root),
            merkle::hex(&body.root)
        );
        return Err((1, "the checkpoint does not verify".into()));
    }
    if let Some(e) = replay_failure {
        println!("FAIL seq {}: figures: {}", e.seq, e.reason);
        return Err((1, "the figures cannot be recomputed".into()));
    }
    let figures = replay.figures(args.year).map_err(|e| fail("figures", e))?;
    let at = At {
        tree_size: size,
        root_hash: merkle::hex(&root),
    };
    let checked = format!(
        "the export's first {size} entries are the log {origin} at the checkpoint signed by key {signed_by} (root {})",
        at.root_hash
    );
    if summary.is_none() && breakdowns.is_none() {
        eprintln!("OK {checked}");
        if let Some(t) = result.trust.as_ref() {
            eprintln!(
                "trust: {} (root key {}, fingerprint {})",
                t.note, t.root_kid, t.root_fingerprint
            );
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&figures::to_json(&figures, args.year, &at))
                .map_err(|e| (2, e.to_string()))?
        );
        return Ok(());
    }
    let mut differences = Vec::new();
    let mut compared = Vec::new();
    if let Some(s) = &summary {
        differences.extend(figures::compare_summary(s, &figures, args.year, &at));
        compared.push("the summary".to_string());
    }
    for (by, doc) in breakdowns.iter().flatten() {
        differences.extend(figures::compare_breakdown(
            doc, &figures, *by, args.year, &at,
        ));
    }
    if let Some(b) = &breakdowns {
        compared.push(format!(
            "{} breakdowns ({})",
            b.len(),
            b.iter()
                .map(|(by, _)| by.code())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !differences.is_empty() {
        println!(
            "FAIL figures: {} published figure(s) of {} differ from the log at size {size}:",
            differences.len(),
            args.year
        );
        for d in &differences {
            println!("  {d}");
        }
        return Err((1, "the published figures are not the log's".into()));
    }
    println!(
        "OK figures of {}: {} agree to the fen with the export up to seq {size} — turnover {}, technical amount {}, {} contracts, {} introduced; {checked}",
        args.year,
        compared.join(" and "),
        crate::stats::yuan(figures.total.turnover_fen),
        crate::stats::yuan(figures.total.technical_fen),
        figures.total.contracts,
        figures.total.introduced,
    );
    say_trust(result.trust.as_ref());
    Ok(())
}

/// Lines of an export handled together by [`parse_and_hash`].
const LINES_PER_BATCH: usize = 8192;

/// Parses each line as an audit entry and, for the first `leaves` of them, computes its Merkle
/// leaf hash — spread over the machine's threads, the answers in the lines' order.
fn parse_and_hash(
    lines: Vec<String>,
    leaves: usize,
) -> Vec<Result<(AuditEntry, Option<merkle::Hash>), String>> {
    let one = |(i, line): (usize, &String)| {
        let entry = serde_json::from_str::<AuditEntry>(line)
            .map_err(|e| format!("not an audit entry: {e}"))?;
        let leaf = if i < leaves {
            let canonical = entry.body().canonical().map_err(|e| e.to_string())?;
            Some(merkle::leaf_hash(canonical.as_bytes()))
        } else {
            None
        };
        Ok((entry, leaf))
    };
    let per_thread = lines.len().div_ceil(threads()).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = lines
            .chunks(per_thread)
            .enumerate()
            .map(|(c, chunk)| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(i, line)| one((c * per_thread + i, line)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|_| vec![Err("a verification thread failed".to_string())])
            })
            .collect()
    })
}

/// The breakdowns found in `dir`, one `<dimension>.json` each.
fn published_breakdowns(
    dir: &std::path::Path,
) -> Result<Vec<(crate::stats::Dimension, serde_json::Value)>, Fail> {
    let mut out = Vec::new();
    for by in crate::stats::Dimension::ALL {
        let path = dir.join(format!("{}.json", by.code()));
        if path.exists() {
            out.push((by, read_json(&path, "a published breakdown (JSON)")?));
        }
    }
    if out.is_empty() {
        return Err((
            2,
            format!(
                "{}: no breakdown in it (office.json, contract_type.json, … month.json, review.json)",
                dir.display()
            ),
        ));
    }
    Ok(out)
}

/// Verifies and reconciles a database, re-hashing the attachments in the data directory.
fn verify_db(
    url: &crate::db::DatabaseUrl,
    anchors: &Anchors,
    attachments: crate::attachments::AttachmentStore,
) -> Result<(), Fail> {
    let mut conn = crate::db::establish(url).map_err(|e| (1, e.to_string()))?;
    let result =
        super::verify::verify_database_and_files(&mut conn, threads(), anchors, attachments)
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
