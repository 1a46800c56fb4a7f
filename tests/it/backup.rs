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
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    to
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
