//! The witness (`techledger witness`, C2SP tlog-cosignature v1) against real servers: it
//! cosigns a growing log and the log serves its cosignatures; it refuses a log that rewrote
//! history — a copy of the database with an old entry rewritten and the tree rebuilt, as an
//! attacker with write access to the database would serve it — and names the sizes and roots
//! that disagree; and `POST /log/cosignature` takes only good cosignatures by configured
//! witnesses.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use ed25519_dalek::SigningKey;
use rocket::http::{ContentType, Status};
use serde_json::{Value, json};
use techledger::audit::merkle;
use techledger::audit::note::{self, CheckpointBody, Note, VerifierKey};
use techledger::ledger::Command;
use techledger::witness::key::WitnessKey;
use techledger::witness::state::WitnessState;

use crate::both_with;
use crate::support::*;

const WITNESS: &str = "audit.example/w1";

/// The configured witness's key (a fixed seed: the configuration names it before the test).
fn witness_key() -> WitnessKey {
    WitnessKey {
        name: WITNESS.into(),
        key: SigningKey::from_bytes(&[42u8; 32]),
    }
}

fn with_witness(config: &mut techledger::config::Config) {
    config.audit.witnesses = vec![witness_key().vkey().encode()];
}

/// Registers contracts between new parties `first`, `first + 1`, ….
async fn grow(app: &TestApp, registrar: &TestUser, first: u32, contracts: u32) {
    for i in 0..contracts {
        let n = first + 2 * i;
        run(
            app,
            registrar,
            Command::RegisterContract(contract(n, n + 1, "1250000.00", "1000000.00")),
        )
        .await;
    }
}

/// The log's current key as a vkey (what an auditor checks once and hands the witness).
async fn log_vkey(app: &TestApp) -> String {
    let (status, keys) = app.get("/log/keys", None).await;
    assert_eq!(status, Status::Ok);
    keys["vkey"].as_str().unwrap().to_string()
}

/// The witness's files: its key (0600) and where its state goes.
fn witness_files(app: &TestApp, name: &str) -> (PathBuf, PathBuf) {
    let dir = app.dir.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("witness.key");
    witness_key().save(&key).unwrap();
    (key, dir.join("state.json"))
}

/// One round of `techledger witness --once`: exit code, standard output and error.
async fn witness_once(url: &str, vkey: &str, key: &Path, state: &Path) -> (i32, String) {
    let args: Vec<String> = vec![
        "witness".into(),
        "--once".into(),
        "--url".into(),
        url.into(),
        "--log-key".into(),
        vkey.into(),
        "--key".into(),
        key.display().to_string(),
        "--state".into(),
        state.display().to_string(),
    ];
    // Blocking on the child elsewhere: the servers it talks to run on this test's runtime.
    let out = rocket::tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_techledger"))
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The note the log serves at `path`.
async fn served_note(app: &TestApp, path: &str) -> Note {
    let res = app.client.get(path.to_string()).dispatch().await;
    assert_eq!(res.status(), Status::Ok, "{path}");
    Note::parse(&res.into_string().await.unwrap()).unwrap()
}

both_with!(
    the_witness_cosigns_a_growing_log_and_the_log_serves_it,
    |config| { with_witness(config) },
    |app| {
        let registrar = app.registrar("reg1").await;
        let auditor = app
            .user("aud1", techledger::domain::Role::Auditor, None)
            .await;
        grow(&app, &registrar, 1, 2).await;
        let serving = serve_config(app.config.clone()).await;
        let url = format!("http://{}", serving.address);
        let vkey = log_vkey(&app).await;
        let log_key = VerifierKey::parse(&vkey).unwrap();
        let (key, state) = witness_files(&app, "w1");

        // First round: nothing to be consistent with yet.
        let (code, out) = witness_once(&url, &vkey, &key, &state).await;
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("first checkpoint this witness signs"), "{out}");
        let first = WitnessState::load(&state).unwrap().unwrap();
        // The cosignature was recorded by one log.cosign entry, right after the checkpoint.
        assert_eq!(app.head_seq(), first.size as i64 + 1);
        let (status, entry) = app
            .get(
                &format!("/api/v1/audit/entries/{}", first.size + 1),
                Some(&auditor.token),
            )
            .await;
        assert_eq!(status, Status::Ok);
        assert_eq!(entry["action"], "log.cosign");
        assert_eq!(entry["actor"], Value::Null);
        assert_eq!(
            entry["entity"],
            json!({"type": "checkpoint", "id": first.size.to_string()})
        );
        assert_eq!(entry["payload"]["witness"], WITNESS);
        // The log serves it with the checkpoint: signed by the log, cosigned by the witness.
        let served = served_note(&app, &format!("/log/checkpoint/{}", first.size)).await;
        assert!(served.signed_by(&log_key));
        assert!(
            served.cosigned_by(&witness_key().vkey()).is_some(),
            "{served:?}"
        );
        let body = CheckpointBody::parse(&served.text).unwrap();
        assert_eq!(merkle::hex(&body.root), first.root);

        // The log grows; the next round proves the new tree extends the cosigned one.
        grow(&app, &registrar, 11, 3).await;
        let (code, out) = witness_once(&url, &vkey, &key, &state).await;
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains(&format!("consistent with size {}", first.size)),
            "{out}"
        );
        let second = WitnessState::load(&state).unwrap().unwrap();
        assert!(second.size >= first.size + 4, "{second:?}");
        let latest = served_note(&app, "/log/checkpoint").await;
        let at = served_note(&app, &format!("/log/checkpoint/{}", second.size)).await;
        assert!(at.cosigned_by(&witness_key().vkey()).is_some());
        // The latest checkpoint covers the second cosignature's own entry: not cosigned yet.
        assert!(CheckpointBody::parse(&latest.text).unwrap().size > second.size);
        // The chain verifies and tlog_cosignatures reconciles with the log.cosign entries.
        let verification = verify(&app);
        assert!(verification.ok, "{verification:?}");
        let rows = &verification.reconciliation.unwrap().rows;
        assert_eq!(rows.get("tlog_cosignatures"), Some(&2));
        serving.stop().await.unwrap();
    }
);

both_with!(
    the_witness_refuses_a_log_that_rewrote_history,
    |config| { with_witness(config) },
    |app| {
        let registrar = app.registrar("reg1").await;
        grow(&app, &registrar, 1, 3).await;
        let real = serve_config(app.config.clone()).await;
        let real_url = format!("http://{}", real.address);
        let vkey = log_vkey(&app).await;
        let (key, state) = witness_files(&app, "w1");
        let (code, out) = witness_once(&real_url, &vkey, &key, &state).await;
        assert_eq!(code, 0, "{out}");
        grow(&app, &registrar, 21, 2).await;
        let (code, out) = witness_once(&real_url, &vkey, &key, &state).await;
        assert_eq!(code, 0, "{out}");
        let signed = WitnessState::load(&state).unwrap().unwrap();

        // An attacker with write access to the database serves a copy with an old
        // registration's amount rewritten, its Merkle tree rebuilt from the rewritten entries
        // (the server does that on start when the tree is gone) and new checkpoints, signed
        // with the log's real key.
        let (fork_url, _fork_db) = app.copy_database();
        {
            let mut conn = techledger::db::establish(&fork_url).unwrap();
            let registration: (i64, String) = {
                use diesel::prelude::*;
                use techledger::db::schema::audit_entries::dsl::*;
                let q = audit_entries
                    .filter(action.eq("contract.register"))
                    .order(seq.asc())
                    .select((seq, payload));
                q.first::<(i64, String)>(&mut conn).unwrap()
            };
            let (rewritten_seq, payload) = registration;
            assert!(payload.contains("1250000.00"));
            let payload = payload
                .replacen("1250000.00", "9250000.00", 1)
                .replace('\'', "''");
            conn.batch_execute(&format!(
                "UPDATE audit_entries SET payload = '{payload}' WHERE seq = {rewritten_seq};
                 DELETE FROM tlog_cosignatures; DELETE FROM audit_checkpoints; DELETE FROM tlog_hashes;"
            ))
            .unwrap();
        }
        let mut fork_config = app.config.clone();
        fork_config.database_url = fork_url;
        let fork = serve_config(fork_config).await;
        let fork_url = format!("http://{}", fork.address);

        let (code, out) = witness_once(&fork_url, &vkey, &key, &state).await;
        assert_eq!(code, 3, "the witness refuses with exit code 3: {out}");
        let fork_checkpoint = {
            let text = techledger::witness::http::get(
                &techledger::witness::http::BaseUrl::parse(&fork_url).unwrap(),
                "/log/checkpoint",
            )
            .await
            .unwrap()
            .text();
            CheckpointBody::parse(&Note::parse(&text).unwrap().text).unwrap()
        };
        assert!(out.contains("REFUSED: fork"), "{out}");
        for needle in [
            format!(
                "size {} (root {})",
                fork_checkpoint.size,
                merkle::hex(&fork_checkpoint.root)
            ),
            format!("size {} (root {})", signed.size, signed.root),
        ] {
            assert!(out.contains(&needle), "{needle} in {out}");
        }
        // Nothing was signed or remembered: the state is the real log's.
        assert_eq!(WitnessState::load(&state).unwrap().unwrap(), signed);

        // The real log goes on, and the witness goes on cosigning it.
        grow(&app, &registrar, 41, 1).await;
        let (code, out) = witness_once(&real_url, &vkey, &key, &state).await;
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains(&format!("consistent with size {}", signed.size)),
            "{out}"
        );
        fork.stop().await.unwrap();
        real.stop().await.unwrap();
    }
);

/// Posts a cosignature body.
async fn post_cosignature(app: &TestApp, body: &Value) -> (Status, Value) {
    let res = app
        .client
        .post("/log/cosignature")
        .header(ContentType::JSON)
        .body(body.to_string())
        .dispatch()
        .await;
    read(res).await
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| f["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

both_with!(
    the_log_takes_only_good_cosignatures_by_its_witnesses,
    |config| { with_witness(config) },
    |app| {
        let registrar = app.registrar("reg1").await;
        grow(&app, &registrar, 1, 2).await;
        let text = served_note(&app, "/log/checkpoint").await.text;
        let size = CheckpointBody::parse(&text).unwrap().size as i64;
        let ours = witness_key();
        let good = note::cosign(&text, WITNESS, &ours.key, 1_700_000_000).unwrap();
        let before = app.head_seq();

        // A stranger's key (well formed, validly signed): 403 naming the cosignature.
        let stranger = SigningKey::from_bytes(&[9u8; 32]);
        let line = note::cosign(&text, "stranger.example/w", &stranger, 1_700_000_000).unwrap();
        let (status, p) = post_cosignature(
            &app,
            &json!({"tree_size": size, "cosignature": line.encode()}),
        )
        .await;
        assert_eq!(status, Status::Forbidden, "{p}");
        assert_eq!(fields(&p), ["cosignature"]);
        // The witness's name with another key: not the configured witness either.
        let line = note::cosign(&text, WITNESS, &stranger, 1_700_000_000).unwrap();
        let (status, p) = post_cosignature(
            &app,
            &json!({"tree_size": size, "cosignature": line.encode()}),
        )
        .await;
        assert_eq!(status, Status::Forbidden, "{p}");

        // The configured witness, but a signature that does not hold: over another checkpoint,
        // one byte changed, or a time changed after signing.
        let other = CheckpointBody {
            size: size as u64,
            ..CheckpointBody::parse(&text).unwrap()
        };
        let other = CheckpointBody {
            root: [7u8; 32],
            ..other
        }
        .text();
        let mut tampered = good.clone();
        tampered.bytes[40] ^= 1;
        let mut retimed = good.clone();
        retimed.bytes[7] ^= 1;
        for line in [
            note::cosign(&other, WITNESS, &ours.key, 1_700_000_000).unwrap(),
            tampered,
            retimed,
        ] {
            let (status, p) = post_cosignature(
                &app,
                &json!({"tree_size": size, "cosignature": line.encode()}),
            )
            .await;
            assert_eq!(status, Status::UnprocessableEntity, "{p}");
            assert_eq!(fields(&p), ["cosignature"], "{p}");
        }
        // A good cosignature of a size the log has no checkpoint of (or a size for another
        // checkpoint): 422 naming the field at fault.
        let (status, p) = post_cosignature(
            &app,
            &json!({"tree_size": size + 100, "cosignature": good.encode()}),
        )
        .await;
        assert_eq!(status, Status::UnprocessableEntity, "{p}");
        assert_eq!(fields(&p), ["tree_size"]);
        // Malformed input, each named.
        for (body, field) in [
            (json!({"cosignature": good.encode()}), "tree_size"),
            (
                json!({"tree_size": 0, "cosignature": good.encode()}),
                "tree_size",
            ),
            (
                json!({"tree_size": "x", "cosignature": good.encode()}),
                "tree_size",
            ),
            (json!({"tree_size": size}), "cosignature"),
            (
                json!({"tree_size": size, "cosignature": "— audit.example/w1 not base64!"}),
                "cosignature",
            ),
            (
                json!({"tree_size": size, "cosignature": good.encode().replace('—', "-")}),
                "cosignature",
            ),
            (
                json!({"tree_size": size, "cosignature": note::sign(&text, WITNESS, &techledger::audit::keys::KeyPair::from_seed(&[42u8; 32])).unwrap().encode()}),
                "cosignature",
            ),
            (
                json!({"tree_size": size, "cosignature": good.encode(), "extra": 1}),
                "extra",
            ),
        ] {
            let (status, p) = post_cosignature(&app, &body).await;
            assert_eq!(status, Status::UnprocessableEntity, "{body} → {p}");
            assert_eq!(fields(&p), [field], "{body} → {p}");
        }
        assert_eq!(app.head_seq(), before, "nothing refused wrote anything");

        // The good one: stored by one entry, served with the checkpoint.
        let (status, stored) = post_cosignature(
            &app,
            &json!({"tree_size": size, "cosignature": good.encode()}),
        )
        .await;
        assert_eq!(status, Status::Created, "{stored}");
        assert_eq!(stored["audit_seq"], before + 1);
        assert_eq!(stored["witness"], WITNESS);
        assert_eq!(app.head_seq(), before + 1);
        let served = served_note(&app, &format!("/log/checkpoint/{size}")).await;
        assert_eq!(served.cosigned_by(&ours.vkey()), Some(1_700_000_000));
        // Again, even with another time: the first stands and nothing is written.
        let again = note::cosign(&text, WITNESS, &ours.key, 1_700_000_001).unwrap();
        let (status, replayed) = post_cosignature(
            &app,
            &json!({"tree_size": size, "cosignature": again.encode()}),
        )
        .await;
        assert_eq!(status, Status::Ok, "{replayed}");
        assert_eq!(replayed["audit_seq"], before + 1);
        assert_eq!(replayed["cosignature"], good.encode());
        assert_eq!(app.head_seq(), before + 1);
        assert!(verify(&app).ok);
    }
);
