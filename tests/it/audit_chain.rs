//! The write path and the audit chain: one linear chain under concurrency, all-or-nothing
//! commands, tampering detected and named, offline verification, key rotation, checkpoints.

use diesel::connection::SimpleConnection;
use rocket::futures::future::join_all;
use techledger::domain::Role;
use techledger::ledger::{Command, LedgerError, Principal, Request};

use crate::both;
use crate::support::*;

both!(
    sixty_four_concurrent_writers_make_one_unbroken_chain,
    |app| {
        let registrar = app.registrar("reg1").await;
        let start = verify(&app).entries;
        // Really concurrent: 32 threads blocking and 32 tasks spawned on the runtime, so that
        // commands run on their callers' threads and through the writer's queue alike.
        let requests = |w: u32| -> Vec<Request> {
            (0..50u32)
                .map(|i| {
                    Request::new(
                        registrar.principal(),
                        Command::CreateParty(enterprise(w * 50 + i + 1000, "371302")),
                    )
                })
                .collect()
        };
        let threads: Vec<_> = (0..32u32)
            .map(|w| {
                let (ledger, requests) = (app.ledger.clone(), requests(w));
                std::thread::spawn(move || {
                    for request in requests {
                        ledger.execute_blocking(request).expect("create party");
                    }
                })
            })
            .collect();
        let tasks: Vec<_> = (32..64u32)
            .map(|w| {
                let (ledger, requests) = (app.ledger.clone(), requests(w));
                rocket::tokio::spawn(async move {
                    for request in requests {
                        ledger.execute(request).await.expect("create party");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a writer task");
        }
        for thread in threads {
            thread.join().expect("a writer thread");
        }
        let result = verify(&app);
        assert!(result.ok, "{result:?}");
        assert_eq!(result.entries, start + 3200);
        let mut conn = app.connect();
        use diesel::prelude::*;
        use techledger::db::schema::audit_entries::dsl::*;
        let (count, max): (i64, Option<i64>) = audit_entries
            .select((diesel::dsl::count_star(), diesel::dsl::max(seq)))
            .first(&mut conn)
            .unwrap();
        assert_eq!(Some(count), max, "seq runs from 1 without gaps");
    }
);

both!(
    callers_alone_run_their_own_commands_and_callers_together_share_the_writer,
    |app| {
        use std::sync::atomic::Ordering::Relaxed;
        let registrar = app.registrar("reg1").await;
        let start = verify(&app).entries;
        let metrics = || {
            let m = app.ledger.metrics();
            (m.commits.load(Relaxed), m.commits_on_caller.load(Relaxed))
        };
        let party = |n: u32| {
            Request::new(
                registrar.principal(),
                Command::CreateParty(enterprise(n, "371302")),
            )
        };
        // One caller at a time, blocking or awaiting on a multi-threaded runtime: each
        // command is its own transaction, run on the caller's thread.
        let before = metrics();
        let ledger = app.ledger.clone();
        let requests: Vec<Request> = (0..5).map(party).collect();
        std::thread::spawn(move || {
            for request in requests {
                ledger.execute_blocking(request).expect("alone, blocking");
            }
        })
        .join()
        .expect("the blocking caller");
        for n in 5..10 {
            app.ledger.execute(party(n)).await.expect("alone, awaiting");
        }
        let after = metrics();
        assert_eq!(after.0 - before.0, 10, "one transaction per command");
        assert_eq!(after.1 - before.1, 10, "all on their callers' threads");
        // A current-thread runtime may not block: its commands always go to the writer thread.
        let ledger = app.ledger.clone();
        let requests: Vec<Request> = (10..15).map(party).collect();
        std::thread::spawn(move || {
            let runtime = rocket::tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            for request in requests {
                runtime
                    .block_on(ledger.execute(request))
                    .expect("on a current-thread runtime");
            }
        })
        .join()
        .expect("the current-thread caller");
        assert_eq!(
            metrics().1,
            after.1,
            "none ran on the current-thread runtime"
        );
        // Many callers at once, of every kind: one chain, nothing lost.
        let threads: Vec<_> = (0..4u32)
            .map(|t| {
                let ledger = app.ledger.clone();
                let requests: Vec<Request> = (0..25).map(|i| party(100 + t * 25 + i)).collect();
                std::thread::spawn(move || {
                    for request in requests {
                        ledger
                            .execute_blocking(request)
                            .expect("together, blocking");
                    }
                })
            })
            .collect();
        let tasks = (0..4u32).map(|t| {
            let ledger = app.ledger.clone();
            let requests: Vec<Request> = (0..25).map(|i| party(200 + t * 25 + i)).collect();
            async move {
                for request in requests {
                    ledger.execute(request).await.expect("together, awaiting");
                }
            }
        });
        join_all(tasks).await;
        for thread in threads {
            thread.join().expect("a blocking caller");
        }
        let result = verify(&app);
        assert!(result.ok, "{result:?}");
        assert_eq!(result.entries, start + 15 + 200);
    }
);

both!(
    a_failure_after_the_audit_insert_rolls_the_whole_command_back,
    |app| {
        let registrar = app.registrar("reg1").await;
        let before = verify(&app);
        app.ledger.inject_fault_after_audit_insert();
        let failed = app
            .ledger
            .execute(Request::new(
                registrar.principal(),
                Command::CreateParty(enterprise(1, "371302")),
            ))
            .await;
        assert!(matches!(failed, Err(LedgerError::Storage(_))), "{failed:?}");
        let after = verify(&app);
        assert!(after.ok);
        assert_eq!(after.entries, before.entries, "no audit entry survived");
        let (status, body) = app
            .get(
                &format!("/api/v1/audit/entries?after_seq={}", before.entries),
                Some(&registrar.token),
            )
            .await;
        assert_eq!(
            status.code, 403,
            "registrars do not read the audit trail: {body}"
        );
        let mut conn = app.connect();
        use diesel::prelude::*;
        let parties: i64 = techledger::db::schema::parties::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(parties, 0, "no party row survived");
        // The ledger goes on normally.
        run(
            &app,
            &registrar,
            Command::CreateParty(enterprise(1, "371302")),
        )
        .await;
        assert!(verify(&app).ok);
    }
);

/// Registers two contracts (four parties) and returns the contract ids.
async fn some_history(app: &TestApp) -> (TestUser, Vec<String>) {
    let registrar = app.registrar("reg1").await;
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
    (registrar, ids)
}

/// seq of the first entry with `action`.
fn seq_of(app: &TestApp, action: &str) -> i64 {
    use diesel::prelude::*;
    use techledger::db::schema::audit_entries as a;
    a::table
        .filter(a::action.eq(action))
        .order(a::seq.asc())
        .select(a::seq)
        .first(&mut app.connect())
        .expect("an entry with that action")
}

fn tamper(app: &TestApp, sql: &str) {
    app.connect().batch_execute(sql).expect("tamper");
}

both!(a_changed_payload_byte_is_named_by_seq, |app| {
    some_history(&app).await;
    let clean = verify(&app);
    assert!(clean.ok, "{clean:?}");
    let seq = seq_of(&app, "contract.register");
    tamper(
        &app,
        &format!(
            "UPDATE audit_entries SET payload = replace(payload, '1250000.00', '1250000.01') WHERE seq = {seq}"
        ),
    );
    let result = verify(&app);
    assert!(!result.ok);
    assert_eq!(result.first_bad_seq, Some(seq));
    assert!(result.detail.unwrap().contains("hash"));
});

both!(a_deleted_entry_is_named_by_seq, |app| {
    some_history(&app).await;
    tamper(&app, "DELETE FROM audit_entries WHERE seq = 4");
    let result = verify(&app);
    assert!(!result.ok);
    assert_eq!(result.first_bad_seq, Some(4));
});

both!(swapped_entries_are_named_by_seq, |app| {
    some_history(&app).await;
    tamper(
        &app,
        "UPDATE audit_entries SET seq = 1000000 WHERE seq = 4; UPDATE audit_entries SET seq = 4 WHERE seq = 5; \
         UPDATE audit_entries SET seq = 5 WHERE seq = 1000000;",
    );
    let result = verify(&app);
    assert!(!result.ok);
    assert_eq!(result.first_bad_seq, Some(4));
});

both!(an_edited_contract_amount_is_named_with_its_entry, |app| {
    let (_, ids) = some_history(&app).await;
    tamper(
        &app,
        &format!(
            "UPDATE contracts SET contract_amount_fen = contract_amount_fen + 100 WHERE id = '{}'",
            ids[1]
        ),
    );
    let result = verify(&app);
    assert!(!result.ok, "{result:?}");
    let detail = result.detail.unwrap();
    assert!(detail.starts_with("contracts"), "{detail}");
    assert!(detail.contains(&ids[1]), "{detail}");
    assert!(detail.contains("contract_amount_fen"), "{detail}");
    let registered = seq_of(&app, "contract.register");
    assert!(
        result.first_bad_seq.unwrap() > registered,
        "the second contract's entry is named"
    );
});

both!(an_edited_rollup_is_named, |app| {
    some_history(&app).await;
    tamper(
        &app,
        "UPDATE rollups SET turnover_fen = turnover_fen - 1 WHERE dimension = 'office'",
    );
    let result = verify(&app);
    assert!(!result.ok);
    let detail = result.detail.unwrap();
    assert!(
        detail.starts_with("rollups") && detail.contains("office/371302"),
        "{detail}"
    );
    assert!(result.first_bad_seq.is_some());
});

both!(an_edited_party_name_is_named_with_its_entry, |app| {
    some_history(&app).await;
    tamper(
        &app,
        "UPDATE parties SET name = '影子公司' WHERE credit_code IS NOT NULL AND name LIKE '%3有限公司'",
    );
    let result = verify(&app);
    assert!(!result.ok);
    let detail = result.detail.unwrap();
    assert!(
        detail.starts_with("parties") && detail.contains("影子公司"),
        "{detail}"
    );
    assert!(result.first_bad_seq.is_some());
});

both!(a_removed_head_entry_contradicts_the_head_row, |app| {
    some_history(&app).await;
    let last = verify(&app).entries;
    tamper(
        &app,
        &format!("DELETE FROM audit_entries WHERE seq = {last}"),
    );
    let result = verify(&app);
    assert!(!result.ok);
    assert_eq!(result.first_bad_seq, Some(last as i64));
});

both!(rotated_keys_leave_old_entries_verifiable, |app| {
    let (registrar, _) = some_history(&app).await;
    let admin = app.user("root", Role::Admin, None).await;
    let (status, rotated) = app
        .post(
            "/api/v1/audit/keys/rotate",
            &admin.token,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status.code, 201, "{rotated}");
    run(
        &app,
        &registrar,
        Command::RegisterContract(contract(5, 6, "10.00", "10.00")),
    )
    .await;
    let result = verify(&app);
    assert!(result.ok, "{result:?}");
    let (_, jwks) = app.get("/.well-known/jwks.json", None).await;
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter()
            .any(|k| k["kid"] == rotated["previous"] && k["valid_until"].is_string())
    );
    assert!(
        keys.iter()
            .any(|k| k["kid"] == rotated["kid"] && k.get("valid_until").is_none())
    );
});

both!(the_checkpoint_covers_the_head_and_verifies, |app| {
    some_history(&app).await;
    let auditor = app.user("aud", Role::Auditor, None).await;
    let (status, cp) = app
        .get("/api/v1/audit/checkpoint", Some(&auditor.token))
        .await;
    assert_eq!(status.code, 200, "{cp}");
    let (_, verify_body) = app.get("/api/v1/audit/verify", Some(&auditor.token)).await;
    assert_eq!(verify_body["ok"], true, "{verify_body}");
    assert_eq!(cp["tree_size"], verify_body["entries"]);
    assert_eq!(cp["head_hash"], verify_body["head_hash"]);
    let (_, jwks) = app.get("/.well-known/jwks.json", None).await;
    let jwks: techledger::audit::verify::Jwks = serde_json::from_value(jwks).unwrap();
    let keys = techledger::audit::verify::KeySet::from_jwks(&jwks).unwrap();
    let kid = cp["kid"].as_str().unwrap();
    let claims: techledger::audit::checkpoint::CheckpointClaims =
        techledger::audit::verify::open_jws(
            cp["signature"].as_str().unwrap(),
            kid,
            keys.public(kid).unwrap(),
        )
        .unwrap();
    assert_eq!(serde_json::json!(claims.tree_size), cp["tree_size"]);
    let (_, again) = app
        .get("/api/v1/audit/checkpoint", Some(&auditor.token))
        .await;
    assert_eq!(
        again, cp,
        "the stored checkpoint is reused while it covers the head"
    );
});

both!(
    the_export_verifies_offline_and_a_tampered_line_fails,
    |app| {
        some_history(&app).await;
        let auditor = app.user("aud", Role::Auditor, None).await;
        let res = app
            .client
            .get("/api/v1/audit/export")
            .header(rocket::http::Header::new(
                "Authorization",
                format!("Bearer {}", auditor.token),
            ))
            .dispatch()
            .await;
        assert_eq!(res.status().code, 200);
        assert_eq!(
            res.content_type().unwrap().to_string(),
            "application/x-ndjson"
        );
        let export = res.into_string().await.unwrap();
        let (_, jwks) = app.get("/.well-known/jwks.json", None).await;
        let dir = temp_dir();
        std::fs::write(dir.join("audit.jsonl"), &export).unwrap();
        std::fs::write(dir.join("jwks.json"), jwks.to_string()).unwrap();
        let bin = env!("CARGO_BIN_EXE_techledger");
        let out = std::process::Command::new(bin)
            .args(["verify", "audit.jsonl", "--jwks", "jwks.json"])
            .current_dir(&dir)
            .env("TECHLEDGER_DATABASE_URL", "sqlite://unused.db")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.starts_with(&format!("OK {} entries", export.lines().count())),
            "{stdout}"
        );
        let tampered = export.replacen("测试企业3有限公司", "测试企业9有限公司", 1);
        std::fs::write(dir.join("audit.jsonl"), tampered).unwrap();
        let out = std::process::Command::new(bin)
            .args(["verify", "audit.jsonl", "--jwks", "jwks.json"])
            .current_dir(&dir)
            .env("TECHLEDGER_DATABASE_URL", "sqlite://unused.db")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        assert!(stdout.starts_with("FAIL seq "), "{stdout}");
        std::fs::remove_dir_all(dir).ok();
    }
);

both!(the_system_and_users_are_named_in_entries, |app| {
    let registrar = app.registrar("reg1").await;
    run(
        &app,
        &registrar,
        Command::CreateParty(enterprise(7, "371302")),
    )
    .await;
    let auditor = app.user("aud", Role::Auditor, None).await;
    let (_, page) = app
        .get("/api/v1/audit/entries?limit=500", Some(&auditor.token))
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items[0]["action"], "key.rotate");
    assert!(items[0]["actor"].is_null());
    let party = items
        .iter()
        .find(|e| e["action"] == "party.create")
        .unwrap();
    assert_eq!(party["actor"]["username"], "reg1");
    assert_eq!(party["actor"]["role"], "registrar");
    for e in items {
        assert!(
            !e.to_string().contains("argon2"),
            "no password hash in any entry"
        );
    }
    let _ = Principal::System;
});

#[rocket::async_test]
async fn checkpoints_are_stored_every_n_entries() {
    let app = TestApp::sqlite_with(|c| c.audit.checkpoint_every_entries = 5).await;
    let registrar = app.registrar("reg1").await;
    for i in 0..12 {
        run(
            &app,
            &registrar,
            Command::CreateParty(enterprise(100 + i, "371302")),
        )
        .await;
    }
    let auditor = app.user("aud", Role::Auditor, None).await;
    let (_, list) = app
        .get("/api/v1/audit/checkpoints", Some(&auditor.token))
        .await;
    let sizes: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tree_size"].as_i64().unwrap())
        .collect();
    assert!(sizes.len() >= 2, "{sizes:?}");
    for pair in sizes.windows(2) {
        assert!(
            pair[0] - pair[1] >= 5,
            "at least 5 entries apart: {sizes:?}"
        );
    }
}

both!(
    the_database_verifies_from_the_command_line_and_exports_a_bundle,
    |app| {
        some_history(&app).await;
        let bin = env!("CARGO_BIN_EXE_techledger");
        let dir = temp_dir();
        let url = match &app.config.database_url {
            techledger::db::DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            techledger::db::DatabaseUrl::Postgres(u) => u.clone(),
        };
        let cli = |args: &[&str]| {
            std::process::Command::new(bin)
                .args(args)
                .current_dir(&dir)
                .env("TECHLEDGER_DATABASE_URL", &url)
                .env("TECHLEDGER_DATA_DIR", &app.config.data_dir)
                .output()
                .unwrap()
        };
        let out = cli(&["verify"]);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("reconcile"), "{stdout}");
        let out = cli(&["export", "bundle", "bundle"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for file in [
            "audit.jsonl",
            "jwks.json",
            "checkpoint.json",
            "README.md",
            "verify_audit_export.py",
        ] {
            assert!(dir.join("bundle").join(file).is_file(), "{file}");
        }
        let out = cli(&[
            "verify",
            "bundle/audit.jsonl",
            "--jwks",
            "bundle/jwks.json",
            "--checkpoint",
            "bundle/checkpoint.json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        tamper(&app, "UPDATE contracts SET title = 'x' WHERE version = 1");
        let out = cli(&["verify"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("FAIL seq "));
        std::fs::remove_dir_all(dir).ok();
    }
);

#[rocket::async_test]
async fn a_grown_chain_gets_a_timed_checkpoint_and_an_idle_one_does_not() {
    let app = TestApp::sqlite_with(|c| c.audit.checkpoint_every_seconds = 1).await;
    let registrar = app.registrar("reg1").await;
    run(
        &app,
        &registrar,
        Command::CreateParty(enterprise(1, "371302")),
    )
    .await;
    rocket::tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let auditor = app.user("aud", Role::Auditor, None).await;
    let head = verify(&app).entries as i64;
    let (_, list) = app
        .get("/api/v1/audit/checkpoints", Some(&auditor.token))
        .await;
    let newest = list["items"][0]["tree_size"].as_i64().unwrap();
    assert!(
        newest >= head - 2,
        "a checkpoint within seconds of the growth: {newest} vs head {head}"
    );
    // Idle: the writer stays idle (no new checkpoints without growth).
    rocket::tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (_, again) = app
        .get("/api/v1/audit/checkpoints", Some(&auditor.token))
        .await;
    assert!(
        again["items"].as_array().unwrap().len() <= list["items"].as_array().unwrap().len() + 1
    );
    assert_eq!(
        app.ledger
            .metrics()
            .failed_batches
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

both!(
    a_row_refused_when_a_shared_transaction_writes_fails_only_its_own_command,
    |app| {
        let registrar = app.registrar("reg1").await;
        // The database refuses one contract row when the waiting rows are inserted, as a
        // constraint nobody checked beforehand would.
        let mut conn = app.connect();
        let trigger = match conn {
            techledger::db::DbConn::Sqlite(_) => {
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON contracts WHEN NEW.title = 'BOOM' \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
            }
            techledger::db::DbConn::Postgres(_) => {
                "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.title = 'BOOM' THEN RAISE EXCEPTION 'refused by the test'; END IF; \
                 RETURN NEW; END $$; CREATE TRIGGER refuse_boom BEFORE INSERT ON contracts \
                 FOR EACH ROW EXECUTE FUNCTION refuse_boom();"
            }
        };
        conn.batch_execute(trigger).expect("trigger");
        let before = verify(&app);
        let jobs = (0..24u32).map(|i| {
            let app = &app;
            let principal = registrar.principal();
            async move {
                let mut c = contract(2000 + i * 2, 2001 + i * 2, "100000.00", "50000.00");
                if i == 11 {
                    c.title = "BOOM".into();
                }
                // Queued even when the writer is idle: they are meant to share a transaction.
                app.ledger
                    .execute_queued(Request::new(principal, Command::RegisterContract(c)))
                    .await
            }
        });
        let results = join_all(jobs).await;
        for (i, r) in results.iter().enumerate() {
            assert_eq!(r.is_err(), i == 11, "job {i}: {r:?}");
        }
        let after = verify(&app);
        assert!(after.ok, "{after:?}");
        // 23 contracts, each with its two new parties: three entries apiece.
        assert_eq!(after.entries, before.entries + 23 * 3);
    }
);

both!(a_swapped_password_hash_is_named_with_its_user, |app| {
    // Someone with write access to the database gives the admin a hash whose password they
    // know: the chain's digest of the hash no longer matches the row.
    let admin = app.user("root", Role::Admin, None).await;
    let other = app.registrar("reg1").await;
    let clean = verify(&app);
    assert!(clean.ok, "{clean:?}");
    tamper(
        &app,
        &format!(
            "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE id = '{}') WHERE id = '{}'",
            other.actor.id, admin.actor.id
        ),
    );
    let result = verify(&app);
    assert!(!result.ok, "{result:?}");
    let detail = result.detail.unwrap();
    assert!(detail.starts_with("users"), "{detail}");
    assert!(detail.contains(&admin.actor.id), "{detail}");
    assert!(detail.contains("password_hash"), "{detail}");
    assert!(
        !detail.contains("argon2"),
        "only digests are shown: {detail}"
    );
});

both!(
    user_entries_carry_a_digest_of_the_hash_never_the_hash,
    |app| {
        let admin = app.user("root", Role::Admin, None).await;
        let reg = app.registrar("reg1").await;
        let (s, _) = app
            .send(
                "PATCH",
                &format!("/api/v1/users/{}", reg.actor.id),
                Some(&admin.token),
                &serde_json::json!({"password": "a brand new secret"}),
            )
            .await;
        assert_eq!(s, rocket::http::Status::Ok);
        let (_, page) = app
            .get(
                "/api/v1/audit/entries?action=user.&limit=500",
                Some(&admin.token),
            )
            .await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() >= 4, "{page}");
        let stored: String = {
            use diesel::prelude::*;
            use techledger::db::schema::users as u;
            u::table
                .filter(u::id.eq(&reg.actor.id))
                .select(u::password_hash)
                .get_result(&mut app.connect())
                .unwrap()
        };
        let last = items
            .iter()
            .rev()
            .find(|e| e["entity"]["id"] == reg.actor.id.as_str())
            .unwrap();
        assert_eq!(
            last["payload"]["password_hash_sha256"],
            techledger::audit::entry::sha256_hex(stored.as_bytes()).as_str()
        );
        for e in items {
            let digest = e["payload"]["password_hash_sha256"].as_str().unwrap();
            assert_eq!(digest.len(), 64, "{e}");
            assert!(!e.to_string().contains("argon2"), "{e}");
        }
        assert!(verify(&app).ok);
    }
);
