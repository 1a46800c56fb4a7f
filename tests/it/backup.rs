//! `techledger backup` and `techledger restore`: a backup restores into an empty database and
//! verifies; a damaged file, an altered audit entry (with the manifest made to match) and a
//! non-empty target are refused with a non-zero exit, leaving nothing usable behind.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use techledger::ledger::Command;

use crate::both;
use crate::support::*;

async fn some_contracts(app: &TestApp) {
    let registrar = app.registrar("reg1").await;
    for (s, b) in [(1, 2), (3, 4), (5, 6)] {
        run(
            app,
            &registrar,
            Command::RegisterContract(contract(s, b, "1250000.00", "1000000.00")),
        )
        .await;
    }
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn copy_dir(from: &Path) -> PathBuf {
    let to = temp_dir().join("backup");
    copy_tree(from, &to);
    to
}

/// Copies a directory with its subdirectories (a backup's `attachments/<ab>/`).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// The manifest of a backup, as JSON.
fn manifest_of(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Every file under `dir` (recursively), relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                let path = entry.path();
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// Makes the manifest match `name` again after it was altered (an attacker who can edit the
/// backup can edit its manifest too: the chain must catch it).
fn reseal(dir: &Path, name: &str) {
    let entry = techledger::backup::FileEntry::of(dir, name).unwrap();
    let path = dir.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for file in manifest["files"].as_array_mut().unwrap() {
        if file["name"] == name {
            *file = serde_json::to_value(&entry).unwrap();
        }
    }
    std::fs::write(&path, manifest.to_string()).unwrap();
}

/// Nothing usable at `url` after a refused restore: no SQLite file (nor its `.restoring`
/// copy), or a PostgreSQL database without tables.
fn assert_left_empty(url: &str) {
    match url.parse::<techledger::db::DatabaseUrl>().unwrap() {
        techledger::db::DatabaseUrl::Sqlite(path) => {
            assert!(!path.exists(), "{} was left behind", path.display());
            let partial = PathBuf::from(format!("{}.restoring", path.display()));
            assert!(!partial.exists(), "{} was left behind", partial.display());
        }
        techledger::db::DatabaseUrl::Postgres(url) => {
            use diesel::{Connection, PgConnection, RunQueryDsl};
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut conn = PgConnection::establish(&url).unwrap();
            let n: N = diesel::sql_query(
                "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .get_result(&mut conn)
            .unwrap();
            assert_eq!(n.n, 0, "tables were left in the refused target");
        }
    }
}

/// Changes a party's name in one audit entry of the backup's data, and reseals the manifest.
fn alter_an_audit_entry(dir: &Path, backend: techledger::db::Backend) {
    match backend {
        techledger::db::Backend::Sqlite => {
            let path = dir.join("data.sqlite3");
            let mut conn =
                techledger::db::establish(&techledger::db::DatabaseUrl::Sqlite(path)).unwrap();
            conn.batch_execute(
                "UPDATE audit_entries SET payload = replace(payload, '测试企业3有限公司', '测试企业9有限公司') \
                 WHERE seq = (SELECT max(seq) FROM audit_entries WHERE payload LIKE '%测试企业3有限公司%')",
            )
            .unwrap();
            drop(conn);
            reseal(dir, "data.sqlite3");
        }
        techledger::db::Backend::Postgres => {
            let path = dir.join("data.sql");
            let dump = std::fs::read_to_string(&path).unwrap();
            let start = dump
                .find("COPY public.audit_entries ")
                .expect("the audit block");
            let end = start + dump[start..].find("\n\\.\n").expect("its end");
            let block = &dump[start..end];
            assert!(block.contains("测试企业3有限公司"), "{block}");
            let altered = format!(
                "{}{}{}",
                &dump[..start],
                block.replacen("测试企业3有限公司", "测试企业9有限公司", 1),
                &dump[end..]
            );
            std::fs::write(&path, altered).unwrap();
            reseal(dir, "data.sql");
        }
    }
}

both!(
    a_backup_restores_into_an_empty_database_and_verifies,
    |app| {
        some_contracts(&app).await;
        let dir = temp_dir().join("backup");
        let out = app.cli(&["backup", dir.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("checkpoint at seq"), "{}", text(&out));
        let data = techledger::backup::data_file(app.backend);
        for file in [data, "jwks.json", "checkpoint.json", "manifest.json"] {
            assert!(dir.join(file).is_file(), "{file} missing");
        }
        // Written after the backup: not in it.
        let registrar = app.registrar("reg2").await;
        run(
            &app,
            &registrar,
            Command::RegisterContract(contract(7, 8, "10.00", "10.00")),
        )
        .await;
        let entries_in_backup = {
            let cp: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join("checkpoint.json")).unwrap(),
            )
            .unwrap();
            cp["tree_size"].as_i64().unwrap()
        };

        let (target, _pg) = app.empty_database();
        let out = app.cli(&["restore", dir.to_str().unwrap(), "--database", &target]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).starts_with(&format!("OK restored {entries_in_backup} entries")),
            "{}",
            text(&out)
        );
        // The restored database is whole: the verifier agrees, and it cannot be restored over.
        let out = app.cli(&["verify", "--database", &target]);
        assert!(out.status.success(), "{}", text(&out));
        let out = app.cli(&["restore", dir.to_str().unwrap(), "--database", &target]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(text(&out).contains("not empty"), "{}", text(&out));
    }
);

both!(
    a_damaged_or_altered_backup_is_refused_and_leaves_nothing,
    |app| {
        some_contracts(&app).await;
        let dir = temp_dir().join("backup");
        let out = app.cli(&["backup", dir.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
        let data = techledger::backup::data_file(app.backend);

        // A byte flipped in the data: the manifest's hash does not match.
        let flipped = copy_dir(&dir);
        let mut bytes = std::fs::read(flipped.join(data)).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(flipped.join(data), bytes).unwrap();
        let (target, _pg) = app.empty_database();
        let out = app.cli(&["restore", flipped.to_str().unwrap(), "--database", &target]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            text(&out).contains(&format!("{data} does not match the manifest")),
            "{}",
            text(&out)
        );
        assert_left_empty(&target);

        // An audit entry altered and the manifest made to match: the chain does not verify.
        let altered = copy_dir(&dir);
        alter_an_audit_entry(&altered, app.backend);
        let out = app.cli(&["restore", altered.to_str().unwrap(), "--database", &target]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            text(&out).contains("the restored data does not verify at seq"),
            "{}",
            text(&out)
        );
        assert_left_empty(&target);

        // A missing key file.
        let keyless = copy_dir(&dir);
        std::fs::remove_file(keyless.join("jwks.json")).unwrap();
        let out = app.cli(&["restore", keyless.to_str().unwrap(), "--database", &target]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            text(&out).contains("jwks.json is missing"),
            "{}",
            text(&out)
        );
        assert_left_empty(&target);

        // The untouched backup still restores into the same target.
        let out = app.cli(&["restore", dir.to_str().unwrap(), "--database", &target]);
        assert!(out.status.success(), "{}", text(&out));
    }
);

both!(attachments_are_backed_up_restored_and_checked, |app| {
    // Two submissions: two signed contracts in <data_dir>/attachments.
    let seller = app.applicant("seller1", 21).await;
    let mut digests = Vec::new();
    for (buyer, text) in [(22, "first"), (23, "second")] {
        let file = signed_pdf(text);
        let (status, body) = submit_signed(
            &app,
            &seller.token,
            &submission_form(21, buyer, "150000.00"),
            &file,
        )
        .await;
        assert_eq!(status, rocket::http::Status::Created, "{body}");
        digests.push(techledger::audit::entry::sha256_hex(&file));
    }
    digests.sort();
    let dir = temp_dir().join("backup");
    let out = app.cli(&["backup", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("and 2 attachments"), "{}", text(&out));
    // Listed in the manifest under their names, with their hashes, and copied.
    let manifest = manifest_of(&dir);
    let listed: Vec<(String, String)> = manifest["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = digests
        .iter()
        .map(|d| (format!("attachments/{}/{d}", &d[..2]), d.clone()))
        .collect();
    assert_eq!(listed, expected);
    for (name, digest) in &listed {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(&techledger::audit::entry::sha256_hex(&bytes), digest);
    }

    // Restored into a new data directory: the files are put back and re-hashed.
    let data_dir = temp_dir().join("data");
    let (target, _pg) = app.empty_database();
    let restore = |backup: &Path, target: &str, data_dir: &Path| {
        app.cli(&[
            "restore",
            backup.to_str().unwrap(),
            "--database",
            target,
            "--data-dir",
            data_dir.to_str().unwrap(),
        ])
    };
    let out = restore(&dir, &target, &data_dir);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("2 attachments in")
            && text(&out).contains("match their recorded SHA-256"),
        "{}",
        text(&out)
    );
    assert_eq!(
        files_under(&data_dir.join("attachments")),
        listed
            .iter()
            .map(|(n, _)| n["attachments/".len()..].to_string())
            .collect::<Vec<_>>()
    );
    for (name, _) in &listed {
        assert_eq!(
            std::fs::read(data_dir.join(name)).unwrap(),
            std::fs::read(dir.join(name)).unwrap()
        );
    }
    // The restored server's verifier agrees (it re-hashes the attachments too).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_techledger"))
        .args(["verify", "--database", &target])
        .env("TECHLEDGER_DATA_DIR", &data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));

    let (first, _) = &listed[0];
    // An attachment changed in the backup: refused before anything is loaded.
    let changed = copy_dir(&dir);
    std::fs::write(changed.join(first), signed_pdf("swapped")).unwrap();
    let (target, _pg2) = app.empty_database();
    let fresh = temp_dir().join("data");
    let out = restore(&changed, &target, &fresh);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "the attachment {first} does not match the manifest"
        )),
        "{}",
        text(&out)
    );
    assert_left_empty(&target);
    assert!(files_under(&fresh).is_empty(), "{:?}", files_under(&fresh));

    // …and with the manifest made to match it: its name is its hash, so that is refused too.
    let entry = techledger::backup::FileEntry::of(&changed, first).unwrap();
    let path = changed.join("manifest.json");
    let mut m = manifest_of(&changed);
    for f in m["attachments"].as_array_mut().unwrap() {
        if f["name"] == first.as_str() {
            *f = serde_json::to_value(&entry).unwrap();
        }
    }
    std::fs::write(&path, m.to_string()).unwrap();
    let out = restore(&changed, &target, &fresh);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("not the one its name is"),
        "{}",
        text(&out)
    );
    assert_left_empty(&target);

    // An attachment missing from the backup.
    let missing = copy_dir(&dir);
    std::fs::remove_file(missing.join(first)).unwrap();
    let out = restore(&missing, &target, &fresh);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("the attachment {first} is missing")),
        "{}",
        text(&out)
    );
    assert_left_empty(&target);

    // …and dropped from the manifest too: the restored chain names it, so the restore's
    // verification finds it missing, and removes what it loaded and the other attachment.
    let mut m = manifest_of(&missing);
    m["attachments"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["name"] != first.as_str());
    std::fs::write(missing.join("manifest.json"), m.to_string()).unwrap();
    let out = restore(&missing, &target, &fresh);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("the restored data does not verify"),
        "{}",
        text(&out)
    );
    assert_left_empty(&target);
    assert!(files_under(&fresh).is_empty(), "{:?}", files_under(&fresh));

    // The untouched backup still restores there.
    let out = restore(&dir, &target, &fresh);
    assert!(out.status.success(), "{}", text(&out));
});
