//! A command whose reader goes away (`techledger verify | head -1`) ends quietly, as Unix tools
//! do, not with a panic and a backtrace.

use crate::both;
use crate::support::*;

both!(a_closed_pipe_ends_a_command_quietly, |app| {
    app.registrar("reg1").await;
    let url = match &app.config.database_url {
        techledger::db::DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
        techledger::db::DatabaseUrl::Postgres(u) => u.clone(),
    };
    // The read end is closed before the command starts: its first line meets a broken pipe.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_techledger"))
        .args(["verify", "--database", &url])
        .current_dir(temp_dir())
        .env("TECHLEDGER_DATA_DIR", &app.config.data_dir)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
});
