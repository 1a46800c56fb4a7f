//! The audit log as a transparency log: the Merkle tree kept with the chain, C2SP checkpoints,
//! tiles and entry bundles, RFC 9162 proofs, receipts — each checked here against a tree
//! recomputed from the exported entries, never against the server's own word.

use diesel::connection::SimpleConnection;
use rocket::http::{Header, Status};
use serde_json::{Value, json};
use techledger::audit::entry::AuditEntry;
use techledger::audit::keys::KeyPurpose;
use techledger::audit::merkle::{self, Frontier, Hash};
use techledger::audit::note::{CheckpointBody, Note, VerifierKey};
use techledger::domain::Role;
use techledger::ledger::Command;

use crate::both;
use crate::support::*;

/// Two registrations and an auditor.
async fn history(app: &TestApp) -> (TestUser, TestUser, Vec<String>) {
    let registrar = app.registrar("reg1").await;
    let auditor = app.user("aud1", Role::Auditor, None).await;
    let mut ids = Vec::new();
    for (s, b) in [(1, 2), (3, 4)] {
        let outcome = run(
            app,
            &registrar,
            Command::RegisterContract(contract(s, b, "1250000.00", "1000000.00")),
        )
        .await;
        ids.push(outcome.body["id"].as_str().unwrap().to_string());
    }
    (registrar, auditor, ids)
}

/// The exported chain.
async fn export(app: &TestApp, auditor: &TestUser) -> Vec<AuditEntry> {
    let res = app
        .client
        .get("/api/v1/audit/export")
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", auditor.token),
        ))
        .dispatch()
        .await;
    let text = res.into_string().await.unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn leaf(entry: &AuditEntry) -> Hash {
    merkle::leaf_hash(entry.body().canonical().unwrap().as_bytes())
}

/// The root of the first `size` entries, computed here from the export.
fn root_of(entries: &[AuditEntry], size: usize) -> Hash {
    let mut tree = Frontier::default();
    for e in &entries[..size] {
        tree.append(leaf(e));
    }
    tree.root()
}

/// A raw GET: status, content type and body bytes.
async fn raw(app: &TestApp, path: &str, token: Option<&str>) -> (Status, String, Vec<u8>) {
    let mut req = app.client.get(path.to_string());
    if let Some(t) = token {
        req = req.header(Header::new("Authorization", format!("Bearer {t}")));
    }
    let res = req.dispatch().await;
    let status = res.status();
    let ct = res
        .content_type()
        .map(|c| c.to_string())
        .unwrap_or_default();
    (status, ct, res.into_bytes().await.unwrap_or_default())
}

/// The log's current signing key as a checkpoint verifier, from `/log/keys`.
async fn log_key(app: &TestApp) -> (String, VerifierKey, Value) {
    let (status, keys) = app.get("/log/keys", None).await;
    assert_eq!(status.code, 200, "{keys}");
    let origin = keys["origin"].as_str().unwrap().to_string();
    let vkey = VerifierKey::parse(keys["vkey"].as_str().unwrap()).unwrap();
    (origin, vkey, keys)
}

async fn checkpoint_note(app: &TestApp) -> (String, Note, CheckpointBody) {
    let (status, ct, body) = raw(app, "/log/checkpoint", None).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(ct, "text/plain; charset=utf-8");
    let text = String::from_utf8(body).unwrap();
    let note = Note::parse(&text).unwrap();
    let body = CheckpointBody::parse(&note.text).unwrap();
    (text, note, body)
}

both!(the_checkpoint_is_a_signed_note_over_the_trees_root, |app| {
    let (_, auditor, _) = history(&app).await;
    let (origin, vkey, keys) = log_key(&app).await;
    let root_kid = app
        .key_store()
        .current(KeyPurpose::Audit)
        .unwrap()
        .unwrap()
        .kid()
        .to_string();
    assert_eq!(origin, format!("techledger.linyi/{root_kid}"));
    assert_eq!(keys["rotations"].as_array().unwrap().len(), 1);
    let (_, note, body) = checkpoint_note(&app).await;
    assert!(note.signed_by(&vkey), "{note:?}");
    assert_eq!(body.origin, origin);
    let entries = export(&app, &auditor).await;
    assert_eq!(
        body.size,
        entries.len() as u64,
        "the checkpoint covers the head"
    );
    assert_eq!(body.root, root_of(&entries, entries.len()));
    // The JWS checkpoint of the same size names the same root.
    let (_, jws) = app
        .get("/api/v1/audit/checkpoint", Some(&auditor.token))
        .await;
    assert_eq!(jws["root_hash"], merkle::hex(&body.root), "{jws}");
    // The server's own verification checks the stored tree and checkpoints.
    let result = verify(&app);
    assert!(result.ok, "{result:?}");
});

both!(
    proofs_lead_to_the_checkpoints_root_and_bad_parameters_are_named,
    |app| {
        let (registrar, auditor, _) = history(&app).await;
        let (_, _, first) = checkpoint_note(&app).await;
        for n in 10..15 {
            run(
                &app,
                &registrar,
                Command::CreateParty(enterprise(n, "371302")),
            )
            .await;
        }
        let (_, _, second) = checkpoint_note(&app).await;
        assert!(second.size > first.size);
        let entries = export(&app, &auditor).await;
        for seq in 1..=second.size {
            let (status, proof) = app
                .get(
                    &format!(
                        "/api/v1/audit/proof/inclusion?seq={seq}&tree_size={}",
                        second.size
                    ),
                    None,
                )
                .await;
            assert_eq!(status.code, 200, "{proof}");
            let hashes: Vec<Hash> = proof["hashes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| merkle::parse_hex(h.as_str().unwrap()).unwrap())
                .collect();
            let leaf = leaf(&entries[seq as usize - 1]);
            assert_eq!(proof["leaf_hash"], merkle::hex(&leaf));
            assert!(merkle::verify_inclusion(
                seq - 1,
                second.size,
                &leaf,
                &hashes,
                &second.root
            ));
        }
        let (status, proof) = app
            .get(
                &format!(
                    "/api/v1/audit/proof/consistency?from={}&to={}",
                    first.size, second.size
                ),
                None,
            )
            .await;
        assert_eq!(status.code, 200, "{proof}");
        let hashes: Vec<Hash> = proof["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| merkle::parse_hex(h.as_str().unwrap()).unwrap())
            .collect();
        assert!(merkle::verify_consistency(
            first.size,
            second.size,
            &first.root,
            &second.root,
            &hashes
        ));
        let head = second.size;
        for (path, field) in [
            (
                "/api/v1/audit/proof/inclusion?seq=0&tree_size=3".to_string(),
                "seq",
            ),
            (
                format!("/api/v1/audit/proof/inclusion?seq=2&tree_size={}", head + 1),
                "tree_size",
            ),
            (
                "/api/v1/audit/proof/inclusion?seq=4&tree_size=3".to_string(),
                "seq",
            ),
            (
                "/api/v1/audit/proof/inclusion?tree_size=3".to_string(),
                "seq",
            ),
            (
                "/api/v1/audit/proof/inclusion?seq=x&tree_size=3".to_string(),
                "seq",
            ),
            (
                "/api/v1/audit/proof/consistency?from=0&to=3".to_string(),
                "from",
            ),
            (
                "/api/v1/audit/proof/consistency?from=4&to=3".to_string(),
                "from",
            ),
            (
                format!("/api/v1/audit/proof/consistency?from=1&to={}", head + 1),
                "to",
            ),
        ] {
            let (status, body) = app.get(&path, None).await;
            assert_eq!(status.code, 422, "{path}: {body}");
            assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
        }
    }
);

both!(
    tiles_and_entry_bundles_are_the_trees_hashes_and_entries,
    |app| {
        let (registrar, auditor, _) = history(&app).await;
        // Past one full tile of 256 leaves.
        for n in 100..360 {
            run(
                &app,
                &registrar,
                Command::CreateParty(enterprise(n, "371302")),
            )
            .await;
        }
        let (_, _, cp) = checkpoint_note(&app).await;
        let entries = export(&app, &auditor).await;
        let size = entries.len() as u64;
        assert!(size > 256, "{size}");
        let (status, ct, full) = raw(&app, "/log/tile/0/000", None).await;
        assert_eq!(
            (status, ct.as_str()),
            (Status::Ok, "application/octet-stream")
        );
        let leaves: Vec<u8> = entries[..256].iter().flat_map(leaf).collect();
        assert_eq!(full, leaves);
        let width = size - 256;
        let (status, _, partial) = raw(&app, &format!("/log/tile/0/001.p/{width}"), None).await;
        assert_eq!(status, Status::Ok);
        assert_eq!(partial.len() as u64, width * 32);
        let (status, _, level1) = raw(&app, "/log/tile/1/000.p/1", None).await;
        assert_eq!(status, Status::Ok);
        assert_eq!(level1, root_of(&entries, 256).to_vec());
        assert_eq!(cp.root, root_of(&entries, cp.size as usize));
        for missing in [
            format!("/log/tile/0/001.p/{}", width + 1),
            "/log/tile/0/002".to_string(),
            "/log/tile/0/0001".to_string(),
            "/log/tile/x/000".to_string(),
        ] {
            let (status, _, _) = raw(&app, &missing, None).await;
            assert_eq!(status, Status::NotFound, "{missing}");
        }
        // Entry bundles: for auditors only; each entry hashes to its leaf.
        let (status, _, _) = raw(&app, "/log/tile/entries/000", None).await;
        assert_eq!(status, Status::Unauthorized);
        let (status, _, _) = raw(&app, "/log/tile/entries/000", Some(&registrar.token)).await;
        assert_eq!(status, Status::Forbidden);
        let (status, _, bundle) = raw(&app, "/log/tile/entries/000", Some(&auditor.token)).await;
        assert_eq!(status, Status::Ok);
        let mut rest = bundle.as_slice();
        let mut n = 0;
        while !rest.is_empty() {
            let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
            assert_eq!(merkle::leaf_hash(&rest[2..2 + len]), leaf(&entries[n]));
            rest = &rest[2 + len..];
            n += 1;
        }
        assert_eq!(n, 256);
    }
);

both!(
    a_receipt_verifies_offline_and_a_tampered_one_does_not,
    |app| {
        let (registrar, _, ids) = history(&app).await;
        let root = app
            .key_store()
            .current(KeyPurpose::Audit)
            .unwrap()
            .unwrap()
            .fingerprint();
        let (status, receipt) = app
            .get(
                &format!("/api/v1/contracts/{}/receipt", ids[0]),
                Some(&registrar.token),
            )
            .await;
        assert_eq!(status.code, 200, "{receipt}");
        assert_eq!(receipt["entry"]["entity"]["id"], ids[0].as_str());
        let anchors = techledger::audit::trust::Anchors::none("receipt")
            .with_root(&root)
            .unwrap();
        let parsed: techledger::audit::receipt::Receipt =
            serde_json::from_value(receipt.clone()).unwrap();
        let report = techledger::audit::receipt::verify(&parsed, &anchors).expect("verifies");
        assert_eq!(report.action, "contract.register");
        // Offline, from the command line.
        let dir = temp_dir();
        let file = dir.join("receipt.json");
        std::fs::write(&file, receipt.to_string()).unwrap();
        let run_cli = |args: &[&str]| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_techledger"))
                .args(args)
                .current_dir(&dir)
                .env("TECHLEDGER_DATA_DIR", dir.join("no-data"))
                .output()
                .unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).to_string(),
            )
        };
        let (code, out) = run_cli(&["verify", "receipt", "receipt.json", "--trust-root", &root]);
        assert_eq!(code, Some(0), "{out}");
        assert!(out.starts_with("OK receipt: entry seq"), "{out}");
        // Tampered: the amount, the proof, the checkpoint, or another root.
        let mut amount = receipt.clone();
        amount["entry"]["payload"]["state"]["contract_amount"] = json!("9250000.00");
        let mut proof = receipt.clone();
        if let Some(first) = proof["inclusion"]["hashes"]
            .as_array_mut()
            .and_then(|h| h.first_mut())
        {
            *first = json!("00".repeat(32));
        } else {
            proof["inclusion"]["leaf_index"] = json!(7);
        }
        let mut checkpoint = receipt.clone();
        let text = checkpoint["checkpoint"].as_str().unwrap().to_string();
        let mut lines: Vec<&str> = text.split('\n').collect();
        let forged_size = format!("{}", lines[1].parse::<u64>().unwrap() + 1);
        lines[1] = &forged_size;
        checkpoint["checkpoint"] = json!(lines.join("\n"));
        for (name, bad, why) in [
            ("amount", amount, "hash does not match"),
            ("proof", proof, "not in the tree"),
            ("checkpoint", checkpoint, "not signed by any key"),
        ] {
            let parsed: techledger::audit::receipt::Receipt =
                serde_json::from_value(bad.clone()).unwrap();
            let err = techledger::audit::receipt::verify(&parsed, &anchors).expect_err(name);
            assert!(err.contains(why), "{name}: {err}");
            std::fs::write(&file, bad.to_string()).unwrap();
            let (code, out) =
                run_cli(&["verify", "receipt", "receipt.json", "--trust-root", &root]);
            assert_eq!(code, Some(1), "{name}: {out}");
            assert!(out.starts_with("FAIL receipt:"), "{name}: {out}");
        }
        std::fs::write(&file, receipt.to_string()).unwrap();
        let (code, out) = run_cli(&[
            "verify",
            "receipt",
            "receipt.json",
            "--trust-root",
            &"ab".repeat(32),
        ]);
        assert_eq!(code, Some(1), "{out}");
        assert!(out.contains("not the pinned"), "{out}");
        // An unknown contract is a clean 404.
        let (status, _) = app
            .get(
                "/api/v1/contracts/00000000-0000-7000-8000-000000000000/receipt",
                Some(&registrar.token),
            )
            .await;
        assert_eq!(status.code, 404);
        std::fs::remove_dir_all(dir).ok();
    }
);

both!(
    inclusion_and_consistency_verify_offline_and_a_forked_log_does_not,
    |app| {
        let (registrar, auditor, _) = history(&app).await;
        let root = app
            .key_store()
            .current(KeyPurpose::Audit)
            .unwrap()
            .unwrap()
            .fingerprint();
        let dir = temp_dir();
        let (_, _, keys) = log_key(&app).await;
        std::fs::write(dir.join("keys.json"), keys.to_string()).unwrap();
        let (old_text, _, old) = checkpoint_note(&app).await;
        std::fs::write(dir.join("old.txt"), &old_text).unwrap();
        for n in 20..27 {
            run(
                &app,
                &registrar,
                Command::CreateParty(enterprise(n, "371302")),
            )
            .await;
        }
        let (new_text, _, new) = checkpoint_note(&app).await;
        std::fs::write(dir.join("new.txt"), &new_text).unwrap();
        let (_, proof) = app
            .get(
                &format!(
                    "/api/v1/audit/proof/consistency?from={}&to={}",
                    old.size, new.size
                ),
                None,
            )
            .await;
        std::fs::write(dir.join("consistency.json"), proof.to_string()).unwrap();
        let entries = export(&app, &auditor).await;
        let seq = 3;
        std::fs::write(
            dir.join("entry.json"),
            serde_json::to_string(&entries[seq - 1]).unwrap(),
        )
        .unwrap();
        let (_, inclusion) = app
            .get(
                &format!(
                    "/api/v1/audit/proof/inclusion?seq={seq}&tree_size={}",
                    new.size
                ),
                None,
            )
            .await;
        std::fs::write(dir.join("inclusion.json"), inclusion.to_string()).unwrap();
        let run_cli = |args: &[&str]| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_techledger"))
                .args(args)
                .current_dir(&dir)
                .env("TECHLEDGER_DATA_DIR", dir.join("no-data"))
                .output()
                .unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).to_string(),
            )
        };
        let consistency = [
            "verify",
            "--consistency",
            "consistency.json",
            "--checkpoint",
            "old.txt",
            "--checkpoint",
            "new.txt",
            "--log-keys",
            "keys.json",
            "--trust-root",
            &root,
        ];
        let (code, out) = run_cli(&consistency);
        assert_eq!(code, Some(0), "{out}");
        assert!(out.starts_with("OK consistency"), "{out}");
        let (code, out) = run_cli(&[
            "verify",
            "--inclusion",
            "inclusion.json",
            "--checkpoint",
            "new.txt",
            "--entry",
            "entry.json",
            "--log-keys",
            "keys.json",
            "--trust-root",
            &root,
        ]);
        assert_eq!(code, Some(0), "{out}");
        assert!(out.starts_with("OK inclusion: entry seq 3"), "{out}");
        // A fork: the old entries rewritten (entry 2's payload changed, the tree rebuilt from it)
        // and a checkpoint of that other tree signed with the log's own key — what a server
        // showing two histories would publish. The consistency proof to it must fail.
        let mut forked = entries.clone();
        forked[1].payload["forked"] = json!(true);
        let key = app.key_store().current(KeyPurpose::Audit).unwrap().unwrap();
        let forked_root = root_of(&forked, new.size as usize);
        let text = CheckpointBody {
            origin: new.origin.clone(),
            size: new.size,
            root: forked_root,
        }
        .text();
        let signed = Note {
            signatures: vec![techledger::audit::note::sign(&text, &new.origin, &key).unwrap()],
            text,
        };
        std::fs::write(dir.join("new.txt"), signed.encode()).unwrap();
        let (code, out) = run_cli(&consistency);
        assert_eq!(code, Some(1), "{out}");
        assert!(out.contains("the log was rewritten"), "{out}");
        std::fs::remove_dir_all(dir).ok();
    }
);

both!(
    a_damaged_tree_is_named_by_verify_and_a_missing_one_is_rebuilt_at_start,
    |app| {
        let (_, _, _) = history(&app).await;
        let clean = verify(&app);
        assert!(clean.ok, "{clean:?}");
        // A stored hash changed behind the ledger: verify names it.
        app.connect()
            .batch_execute(match app.backend {
                techledger::db::Backend::Sqlite => {
                    "UPDATE tlog_hashes SET hash = zeroblob(32) WHERE id = 2"
                }
                techledger::db::Backend::Postgres => {
                    "UPDATE tlog_hashes SET hash = decode(repeat('00', 32), 'hex') WHERE id = 2"
                }
            })
            .unwrap();
        let damaged = verify(&app);
        assert!(!damaged.ok, "{damaged:?}");
        assert!(
            damaged
                .detail
                .as_deref()
                .unwrap_or("")
                .contains("stored Merkle tree hash 2"),
            "{damaged:?}"
        );
        // A database whose tree is gone (made before the tree existed): rebuilt at the next start.
        app.connect()
            .batch_execute("DELETE FROM tlog_hashes")
            .unwrap();
        let config = app.config.clone();
        let services = rocket::tokio::task::spawn_blocking(move || techledger::app::open(config))
            .await
            .unwrap()
            .expect("starts");
        drop(services);
        let rebuilt = verify(&app);
        assert!(rebuilt.ok, "{rebuilt:?}");
    }
);

/// Stored hashes of the tree.
#[cfg(feature = "bench-hooks")]
fn stored_hashes(app: &TestApp) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT COUNT(*) AS n FROM tlog_hashes")
        .get_result::<Count>(&mut app.connect())
        .unwrap()
        .n
}

// Only built with `--features bench-hooks`, the benchmarks' hook (`.ci/run` lints that build;
// run it with `cargo test --features bench-hooks --test it tlog::`).
#[cfg(feature = "bench-hooks")]
both!(
    a_ledger_without_the_tree_leaves_one_the_next_start_catches_up,
    |app| {
        let (registrar, auditor, _) = history(&app).await;
        let before = stored_hashes(&app);
        let config = app.config.clone();
        let without = rocket::tokio::task::spawn_blocking(move || {
            techledger::bench_hooks::open_without_merkle_tree(config)
        })
        .await
        .unwrap()
        .expect("starts without the tree");
        for n in 0..3 {
            without
                .ledger
                .execute(techledger::ledger::Request::new(
                    registrar.principal(),
                    Command::RegisterContract(contract(11 + n, 12 + n, "1250000.00", "1000000.00")),
                ))
                .await
                .expect("registered without the tree");
        }
        assert_eq!(stored_hashes(&app), before, "no tree hashes written");
        assert!(
            without.ledger.checkpoint().await.is_err(),
            "no checkpoint without the tree's root"
        );
        drop(without);
        // The next ordinary start brings the tree up to the head: it verifies, and the
        // checkpoint's root is the one recomputed from the exported entries.
        let config = app.config.clone();
        let ordinary = rocket::tokio::task::spawn_blocking(move || techledger::app::open(config))
            .await
            .unwrap()
            .expect("starts");
        drop(ordinary);
        assert!(stored_hashes(&app) > before);
        let result = verify(&app);
        assert!(result.ok, "{result:?}");
        let entries = export(&app, &auditor).await;
        let (_, _, body) = checkpoint_note(&app).await;
        assert_eq!(
            body.size,
            entries.len() as u64,
            "the checkpoint covers the head"
        );
        assert_eq!(body.root, root_of(&entries, entries.len()));
    }
);
