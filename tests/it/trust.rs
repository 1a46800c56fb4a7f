//! Trust in the audit keys does not come from the database being checked. Each test plays an
//! attacker who can write the database (but not the server's data directory) and checks that
//! every verifier — `GET /api/v1/audit/verify`, `techledger verify` of the database and of an
//! export, the served JWKS, the start of `serve` — refuses what they made.

use diesel::prelude::*;
use serde_json::{Value, json};
use techledger::audit::chain::AuditRow;
use techledger::audit::entry::{ActorRef, AuditEntry, EntityRef, EntryBody, EntryClaims};
use techledger::audit::keys::{KeyPair, KeyPurpose};
use techledger::db::schema::{audit_entries, audit_head, signing_keys, users};
use techledger::domain::Role;
use techledger::ledger::Command;

use crate::both;
use crate::support::*;

/// A registrar, an auditor and two registered contracts.
async fn history(app: &TestApp) -> (TestUser, TestUser) {
    let registrar = app.registrar("reg1").await;
    let auditor = app.user("aud1", Role::Auditor, None).await;
    for (s, b) in [(1, 2), (3, 4)] {
        run(
            app,
            &registrar,
            Command::RegisterContract(contract(s, b, "1250000.00", "1000000.00")),
        )
        .await;
    }
    (registrar, auditor)
}

/// The chain as stored, in seq order.
fn entries(app: &TestApp) -> Vec<AuditEntry> {
    audit_entries::table
        .order(audit_entries::seq.asc())
        .select(AuditRow::as_select())
        .load(&mut app.connect())
        .unwrap()
        .into_iter()
        .map(|r| r.into_entry().unwrap())
        .collect()
}

/// An entry after `prev` (seq, hash), hashed and signed with `key` as the ledger would.
fn forge(
    prev: (i64, &str),
    key: &KeyPair,
    action: &str,
    entity: EntityRef,
    payload: Value,
) -> AuditEntry {
    let seq = prev.0 + 1;
    let id = uuid::Uuid::now_v7().to_string();
    let at = techledger::time::rfc3339(techledger::time::now());
    let hash = EntryBody {
        seq,
        id: &id,
        at: &at,
        actor: None,
        action,
        entity: &entity,
        payload: &payload,
        prev_hash: prev.1,
    }
    .hash()
    .unwrap();
    let signature = key
        .sign(&EntryClaims {
            seq,
            hash: hash.clone(),
            prev_hash: prev.1.to_string(),
            iat: 1_790_000_000,
        })
        .unwrap();
    AuditEntry {
        seq,
        id,
        at,
        actor: None,
        action: action.into(),
        entity,
        payload,
        prev_hash: prev.1.to_string(),
        hash,
        kid: key.kid().into(),
        signature,
    }
}

/// The stored form of an entry.
fn row(e: &AuditEntry) -> AuditRow {
    let actor: Option<&ActorRef> = e.actor.as_ref();
    AuditRow {
        seq: e.seq,
        id: e.id.clone(),
        at: techledger::time::parse_rfc3339(&e.at).unwrap(),
        actor_id: actor.map(|a| a.id.clone()),
        actor_username: actor.map(|a| a.username.clone()),
        actor_role: actor.map(|a| a.role.clone()),
        action: e.action.clone(),
        entity_type: e.entity.kind.clone(),
        entity_id: e.entity.id.clone(),
        payload: techledger::audit::canonical::to_canonical_string(&e.payload).unwrap(),
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
        kid: e.kid.clone(),
        signature: e.signature.clone(),
    }
}

/// The announcement of `key` after `prev` (seq, hash), naming `previous` as the key it
/// replaces, endorsed by `endorser` when given.
fn announce(
    prev: (i64, &str),
    key: &KeyPair,
    previous: Option<&str>,
    endorser: Option<&KeyPair>,
) -> AuditEntry {
    let seq = prev.0 + 1;
    let at = techledger::time::now();
    let endorsement =
        endorser.map(|e| techledger::audit::rotation::endorse(e, key, seq, at).unwrap());
    forge(
        prev,
        key,
        "key.rotate",
        EntityRef {
            kind: "key".into(),
            id: key.kid().into(),
        },
        json!({"kid": key.kid(), "algorithm": "EdDSA", "public_key": key.public_key(),
               "fingerprint": key.fingerprint(), "valid_from": techledger::time::rfc3339(at),
               "previous": previous, "endorsement": endorsement}),
    )
}

/// Makes the database say what the attacker wants: the entries appended, `signing_keys`
/// naming `key` as current, the registrar an admin, and the head moved.
fn store_forgery(app: &TestApp, forged: &[AuditEntry], key: &KeyPair, replace_keys: bool) {
    let mut conn = app.connect();
    let now = techledger::time::now();
    if replace_keys {
        diesel::delete(signing_keys::table)
            .execute(&mut conn)
            .unwrap();
    } else {
        diesel::update(signing_keys::table)
            .set(signing_keys::retired_at.eq(Some(now)))
            .execute(&mut conn)
            .unwrap();
    }
    let rotate = forged
        .iter()
        .find(|e| e.action == "key.rotate")
        .expect("a forged rotation");
    diesel::insert_into(signing_keys::table)
        .values((
            signing_keys::kid.eq(key.kid()),
            signing_keys::purpose.eq("audit"),
            signing_keys::algorithm.eq("EdDSA"),
            signing_keys::public_key.eq(key.public_key()),
            signing_keys::valid_from.eq(techledger::time::parse_rfc3339(&rotate.at).unwrap()),
            signing_keys::retired_at.eq(None::<chrono::NaiveDateTime>),
            signing_keys::audit_seq.eq(rotate.seq),
        ))
        .execute(&mut conn)
        .unwrap();
    for e in forged {
        diesel::insert_into(audit_entries::table)
            .values(row(e))
            .execute(&mut conn)
            .unwrap();
    }
    let last = forged.last().unwrap();
    diesel::update(audit_head::table)
        .set((
            audit_head::seq.eq(last.seq),
            audit_head::hash.eq(&last.hash),
            audit_head::kid.eq(Some(key.kid())),
        ))
        .execute(&mut conn)
        .unwrap();
    diesel::update(users::table.filter(users::username.eq("reg1")))
        .set(users::role.eq("admin"))
        .execute(&mut conn)
        .unwrap();
}

/// A forged rotation to the attacker's own key — naming the genuine key as the previous one
/// and endorsed by `endorser` (none: signed only by the new key itself) — then an entry that
/// promotes the registrar to admin. Returns the attacker's key and the rotation's seq.
fn forge_rotation(app: &TestApp, endorser: Option<&KeyPair>) -> (KeyPair, i64) {
    let chain = entries(app);
    let head = chain.last().unwrap();
    let genuine = chain
        .iter()
        .rev()
        .find(|e| e.action == "key.rotate")
        .unwrap()
        .kid
        .clone();
    let attacker = KeyPair::generate();
    let rotation = announce((head.seq, &head.hash), &attacker, Some(&genuine), endorser);
    let user = users::table
        .filter(users::username.eq("reg1"))
        .select(users::id)
        .first::<String>(&mut app.connect())
        .unwrap();
    let promote = forge(
        (rotation.seq, &rotation.hash),
        &attacker,
        "user.update",
        EntityRef {
            kind: "user".into(),
            id: user,
        },
        json!({"command": {"command": "update_user", "role": "admin"}}),
    );
    let seq = rotation.seq;
    store_forgery(app, &[rotation, promote], &attacker, false);
    (attacker, seq)
}

/// `techledger::app::open` (blocking) for `config`.
async fn open(config: &techledger::config::Config) -> Result<techledger::app::Services, String> {
    let config = config.clone();
    rocket::tokio::task::spawn_blocking(move || techledger::app::open(config))
        .await
        .unwrap()
        .map_err(|e| e.to_string())
}

fn url_of(app: &TestApp) -> String {
    match &app.config.database_url {
        techledger::db::DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
        techledger::db::DatabaseUrl::Postgres(u) => u.clone(),
    }
}

/// Runs the techledger binary on the test database with `data_dir` (at most a minute: `serve`
/// must refuse to start, not hang).
fn cli(app: &TestApp, data_dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_techledger"))
        .args(args)
        .current_dir(&app.dir)
        .env("TECHLEDGER_DATABASE_URL", url_of(app))
        .env("TECHLEDGER_DATA_DIR", data_dir)
        .env("TECHLEDGER_PORT", "1")
        .env_remove("TECHLEDGER_CONFIG")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The JWKS as served, and the root fingerprint, before the attack (what an auditor kept).
async fn published(app: &TestApp) -> (std::path::PathBuf, String) {
    let (status, jwks) = app.get("/.well-known/jwks.json", None).await;
    assert_eq!(status.code, 200, "{jwks}");
    let path = app.dir.join("published-jwks.json");
    std::fs::write(&path, jwks.to_string()).unwrap();
    let root = app
        .key_store()
        .current(KeyPurpose::Audit)
        .unwrap()
        .unwrap()
        .fingerprint();
    (path, root)
}

/// `GET /.well-known/jwks.json`: status and body (a 503 is expected after an attack, which
/// the usual helper treats as a test failure).
async fn served_jwks(app: &TestApp) -> (u16, String) {
    let res = app.client.get("/.well-known/jwks.json").dispatch().await;
    let status = res.status().code;
    (status, res.into_string().await.unwrap_or_default())
}

fn export(app: &TestApp) -> std::path::PathBuf {
    let path = app.dir.join("export.jsonl");
    let lines: Vec<String> = entries(app).iter().map(|e| e.to_line().unwrap()).collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

both!(a_forged_key_rotation_is_refused_by_every_verifier, |app| {
    let (_, auditor) = history(&app).await;
    let (jwks, root) = published(&app).await;
    let (attacker, rotation_seq) = forge_rotation(&app, None);

    // The server's verification, anchored on its own key.
    let result = verify(&app);
    assert!(!result.ok, "{result:?}");
    assert_eq!(result.first_bad_seq, Some(rotation_seq), "{result:?}");
    let detail = result.detail.unwrap_or_default();
    assert!(
        detail.contains("not signed by the previous key"),
        "{detail}"
    );
    let (status, body) = app.get("/api/v1/audit/verify", Some(&auditor.token)).await;
    assert_eq!(status.code, 200);
    assert_eq!(body["ok"], false, "{body}");
    assert_eq!(body["first_bad_seq"], rotation_seq, "{body}");

    // The JWKS is never the attacker's.
    let (status, body) = served_jwks(&app).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("not signed by the previous key"), "{body}");
    assert!(!body.contains(attacker.public_key()), "{body}");

    // The command line, with the data directory's keys and with only the database's.
    let (code, out) = cli(&app, &app.config.data_dir, &["verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("FAIL seq {rotation_seq}")), "{out}");
    let empty = temp_dir();
    let (code, out) = cli(&app, &empty, &["verify"]);
    assert_eq!(
        code, 1,
        "the missing endorsement fails even without outside keys: {out}"
    );
    assert!(out.contains("not signed by the previous key"), "{out}");

    // An export, checked against the JWKS published before and against the pinned root.
    let file = export(&app);
    let file = file.to_str().unwrap();
    for anchor in [
        vec!["--jwks", jwks.to_str().unwrap()],
        vec!["--trust-root", root.as_str()],
    ] {
        let mut args = vec!["verify", file];
        args.extend(anchor);
        let (code, out) = cli(&app, &empty, &args);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains(&format!("FAIL seq {rotation_seq}")), "{out}");
    }

    // The server refuses to start on it.
    let err = open(&app.config).await.err().expect("refused");
    assert!(err.contains("refusing to start"), "{err}");
    assert!(err.contains("not signed by the previous key"), "{err}");
    let (code, out) = cli(&app, &app.config.data_dir, &["serve"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("refusing to start"), "{out}");
});

// The attacker rewrites the whole chain from its first entry with a root key of their own:
// it holds together on its own, so only an outside anchor can tell — and every one does.
both!(
    a_chain_rewritten_under_a_new_root_fails_every_outside_anchor,
    |app| {
        let (_, auditor) = history(&app).await;
        let (jwks, root) = published(&app).await;
        let attacker = KeyPair::generate();
        let genuine = entries(&app);
        let mut rewritten: Vec<AuditEntry> = Vec::new();
        for e in &genuine {
            let prev = rewritten.last().map_or(
                (0, techledger::audit::entry::GENESIS_HASH.to_string()),
                |p| (p.seq, p.hash.clone()),
            );
            let mut next = if e.action == "key.rotate" {
                announce((prev.0, &prev.1), &attacker, None, None)
            } else {
                forge(
                    (prev.0, &prev.1),
                    &attacker,
                    &e.action,
                    e.entity.clone(),
                    e.payload.clone(),
                )
            };
            next.actor = e.actor.clone();
            next.at = e.at.clone();
            // Re-hash and re-sign with the actor and time kept.
            let body = EntryBody {
                seq: next.seq,
                id: &next.id,
                at: &next.at,
                actor: next.actor.as_ref(),
                action: &next.action,
                entity: &next.entity,
                payload: &next.payload,
                prev_hash: &next.prev_hash,
            };
            next.hash = body.hash().unwrap();
            next.signature = attacker
                .sign(&EntryClaims {
                    seq: next.seq,
                    hash: next.hash.clone(),
                    prev_hash: next.prev_hash.clone(),
                    iat: 1_790_000_000,
                })
                .unwrap();
            rewritten.push(next);
        }
        let mut conn = app.connect();
        diesel::delete(audit_entries::table)
            .execute(&mut conn)
            .unwrap();
        diesel::delete(techledger::db::schema::audit_checkpoints::table)
            .execute(&mut conn)
            .unwrap();
        drop(conn);
        store_forgery(&app, &rewritten, &attacker, true);
        // Put the registrar back: this attacker only wants the chain to be theirs.
        diesel::update(users::table.filter(users::username.eq("reg1")))
            .set(users::role.eq("registrar"))
            .execute(&mut app.connect())
            .unwrap();
        // And rebuilds the Merkle tree over the rewritten entries.
        let mut conn = app.connect();
        diesel::delete(techledger::db::schema::tlog_hashes::table)
            .execute(&mut conn)
            .unwrap();
        techledger::audit::tlog::catch_up(&mut conn, rewritten.len() as i64).unwrap();
        drop(conn);

        // On its own the rewritten chain holds, and the verifier says its keys are not independent.
        let mut conn = app.connect();
        let alone = techledger::audit::verify::verify_database(
            &mut conn,
            2,
            &techledger::audit::trust::Anchors::none("database"),
        )
        .unwrap();
        assert!(alone.ok, "{alone:?}");
        let trust = alone.trust.unwrap();
        assert!(!trust.independent);
        assert!(
            trust
                .note
                .contains("keys taken from the database: not independent"),
            "{}",
            trust.note
        );
        let empty = temp_dir();
        let (code, out) = cli(&app, &empty, &["verify"]);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("keys taken from the database: not independent"),
            "{out}"
        );

        // Every outside anchor refuses it.
        let result = verify(&app);
        assert!(!result.ok, "{result:?}");
        assert!(
            result
                .detail
                .as_deref()
                .unwrap_or("")
                .contains("someone else signs this chain"),
            "{result:?}"
        );
        let (_, body) = app.get("/api/v1/audit/verify", Some(&auditor.token)).await;
        assert_eq!(body["ok"], false, "{body}");
        let (status, body) = served_jwks(&app).await;
        assert_eq!(status, 503, "{body}");
        let (code, out) = cli(&app, &app.config.data_dir, &["verify"]);
        assert_eq!(code, 1, "{out}");
        let file = export(&app);
        let (code, out) = cli(
            &app,
            &empty,
            &[
                "verify",
                file.to_str().unwrap(),
                "--jwks",
                jwks.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("none of the"), "{out}");
        let (code, out) = cli(
            &app,
            &empty,
            &["verify", file.to_str().unwrap(), "--trust-root", &root],
        );
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("not the pinned"), "{out}");
        let err = open(&app.config).await.err().expect("refused");
        assert!(err.contains("has no private half"), "{err}");
    }
);

// Even the previous key's genuine endorsement, if an attacker got hold of a retired key, does
// not let them sign: the server refuses a current key whose private half it does not hold.
both!(
    an_endorsed_rotation_to_a_key_the_server_lacks_stops_the_server,
    |app| {
        history(&app).await;
        let genuine = app.key_store().current(KeyPurpose::Audit).unwrap().unwrap();
        let (attacker, seq) = forge_rotation(&app, Some(&genuine));
        let result = verify(&app);
        assert!(!result.ok, "{result:?}");
        assert_eq!(result.first_bad_seq, Some(seq), "{result:?}");
        assert!(
            result
                .detail
                .as_deref()
                .unwrap_or("")
                .contains("someone else signs"),
            "{result:?}"
        );
        let err = open(&app.config).await.err().expect("refused");
        assert!(
            err.contains(&format!("current signing key {} ", attacker.kid())),
            "{err}"
        );
        assert!(err.contains("has no private half"), "{err}");
    }
);

both!(
    a_rotation_is_endorsed_and_takes_the_old_key_out_of_the_key_directory,
    |app| {
        let (_, auditor) = history(&app).await;
        let admin = app.user("root", Role::Admin, None).await;
        let store = app.key_store();
        let first = store.current(KeyPurpose::Audit).unwrap().unwrap();
        let (status, rotated) = app
            .post("/api/v1/audit/keys/rotate", &admin.token, &json!({}))
            .await;
        assert_eq!(status.code, 201, "{rotated}");
        assert_eq!(rotated["previous"], first.kid());
        let second = rotated["kid"].as_str().unwrap().to_string();
        assert!(
            !store.has(KeyPurpose::Audit, first.kid()),
            "the old key is destroyed"
        );
        assert!(
            !store
                .retired_dir()
                .join(format!("audit-{}.pem", first.kid()))
                .exists()
        );
        assert_eq!(
            store.current(KeyPurpose::Audit).unwrap().unwrap().kid(),
            second
        );
        // Kept when asked.
        let (status, again) = app
            .post(
                "/api/v1/audit/keys/rotate?keep_retired=true",
                &admin.token,
                &json!({}),
            )
            .await;
        assert_eq!(status.code, 201, "{again}");
        assert!(!store.has(KeyPurpose::Audit, &second));
        assert!(
            store
                .retired_dir()
                .join(format!("audit-{second}.pem"))
                .is_file()
        );
        let (status, bad) = app
            .post(
                "/api/v1/audit/keys/rotate?keep_retired=maybe",
                &admin.token,
                &json!({}),
            )
            .await;
        assert_eq!(status.code, 422, "{bad}");
        // Writes after the rotations verify, anchored on the data directory and on the root.
        let registrar = app.registrar("reg2").await;
        run(
            &app,
            &registrar,
            Command::RegisterContract(contract(5, 6, "10.00", "10.00")),
        )
        .await;
        let (_, body) = app.get("/api/v1/audit/verify", Some(&auditor.token)).await;
        assert_eq!(body["ok"], true, "{body}");
        assert_eq!(body["trust"]["keys"], 3, "{body}");
        assert_eq!(
            body["trust"]["root_fingerprint"],
            first.fingerprint(),
            "{body}"
        );
        let (_, jwks) = app.get("/.well-known/jwks.json", None).await;
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 3, "{jwks}");
        assert!(
            keys[0]["last_seq"].is_i64() && keys[2].get("last_seq").is_none(),
            "{jwks}"
        );
        let file = export(&app);
        let (code, out) = cli(
            &app,
            &temp_dir(),
            &[
                "verify",
                file.to_str().unwrap(),
                "--trust-root",
                &first.fingerprint(),
            ],
        );
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("pinned by its fingerprint"), "{out}");
        // The server starts again on it.
        drop(open(&app.config).await.expect("starts"));
    }
);

both!(
    a_data_directory_without_the_chains_key_cannot_start,
    |app| {
        history(&app).await;
        let mut other = app.config.clone();
        other.data_dir = temp_dir();
        let err = open(&other).await.err().expect("refused");
        assert!(err.contains("has no private half"), "{err}");
        assert!(err.contains("refusing to start"), "{err}");
    }
);

both!(an_interrupted_rotation_is_completed_at_start, |app| {
    history(&app).await;
    let admin = app.user("root", Role::Admin, None).await;
    let store = app.key_store();
    let first = store.current(KeyPurpose::Audit).unwrap().unwrap();
    let (_, rotated) = app
        .post(
            "/api/v1/audit/keys/rotate?keep_retired=true",
            &admin.token,
            &json!({}),
        )
        .await;
    // The process stopped after the commit, before it moved the pointer.
    store.set_current(KeyPurpose::Audit, first.kid()).unwrap();
    drop(open(&app.config).await.expect("starts"));
    assert_eq!(
        store.current(KeyPurpose::Audit).unwrap().unwrap().kid(),
        rotated["kid"].as_str().unwrap()
    );
});

// A second process on the same database and data directory follows a rotation made by the
// first: its next entry is signed by the new key, never by the retired one.
both!(
    a_second_process_follows_a_rotation_made_by_the_first,
    |app| {
        let (registrar, auditor) = history(&app).await;
        let other = open(&app.config).await.expect("second process");
        let admin = app.user("root", Role::Admin, None).await;
        let (status, _) = app
            .post("/api/v1/audit/keys/rotate", &admin.token, &json!({}))
            .await;
        assert_eq!(status.code, 201);
        other
            .ledger
            .execute(techledger::ledger::Request::new(
                registrar.principal(),
                Command::RegisterContract(contract(7, 8, "10.00", "10.00")),
            ))
            .await
            .expect("the other process writes");
        let (_, body) = app.get("/api/v1/audit/verify", Some(&auditor.token)).await;
        assert_eq!(body["ok"], true, "{body}");
    }
);
