//! The command line as an operator meets it: plain logs in a log file, a dry run that finds bad
//! rows fails, a missing password is named as such, and advice in the command line's own words.

use crate::both;
use crate::support::*;

/// A two-row CSV import (English headers): one good contract and, with `bad`, one whose
/// seller's credit code is mistyped.
fn csv(bad: bool) -> String {
    let mut text = String::from(
        "title,contract_type,seller.credit_code,seller.name,seller.kind,seller.region,buyer.credit_code,buyer.name,buyer.kind,buyer.region,signed_on,contract_amount,technical_amount,tech_field,ip_type\n",
    );
    text.push_str(&format!(
        "命令行导入合同,development,{},命令行卖方有限公司,enterprise,310115,{},命令行买方有限公司,enterprise,371302,2026-03-01,100000.00,80000.00,advanced_manufacturing,patent\n",
        credit_code(801),
        credit_code(802)
    ));
    if bad {
        let mut code = credit_code(803).as_str().to_string();
        let last = if code.ends_with('1') { '2' } else { '1' };
        code.pop();
        code.push(last);
        text.push_str(&format!(
            "命令行导入合同乙,development,{code},命令行卖方乙有限公司,enterprise,310115,{},命令行买方有限公司,enterprise,371302,2026-03-02,100000.00,80000.00,advanced_manufacturing,patent\n",
            credit_code(802)
        ));
    }
    text
}

both!(the_command_line_speaks_plainly, |app| {
    app.registrar("reg1").await;
    let bin = env!("CARGO_BIN_EXE_techledger");
    let dir = temp_dir();
    let url = match &app.config.database_url {
        techledger::db::DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
        techledger::db::DatabaseUrl::Postgres(u) => u.clone(),
    };
    let cli = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(bin)
            .args(args)
            .current_dir(&dir)
            .env("TECHLEDGER_DATABASE_URL", &url)
            .env("TECHLEDGER_DATA_DIR", &app.config.data_dir)
            .env("RUST_LOG", "info")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    std::fs::write(dir.join("bad.csv"), csv(true)).unwrap();
    std::fs::write(dir.join("good.csv"), csv(false)).unwrap();

    // A dry run that finds a bad row fails (a script stops before the real import); its logs,
    // going to a pipe, carry no colour codes.
    let (code, stdout, stderr) = cli(&["import", "bad.csv", "--user", "reg1", "--dry-run"], "");
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("seller.credit_code"), "{stdout}");
    assert!(stderr.contains("dry run"), "{stderr}");
    assert!(
        !stderr.is_empty() && !stderr.contains('\u{1b}'),
        "plain logs: {stderr:?}"
    );
    let (code, stdout, stderr) = cli(
        &[
            "import",
            "bad.csv",
            "--user",
            "reg1",
            "--dry-run",
            "--partial",
        ],
        "",
    );
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    let (code, stdout, stderr) = cli(&["import", "good.csv", "--user", "reg1", "--dry-run"], "");
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");

    // The same file twice: the advice names the flag, not the API's field.
    let (code, stdout, stderr) = cli(&["import", "good.csv", "--user", "reg1"], "");
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let (code, stdout, stderr) = cli(&["import", "good.csv", "--user", "reg1"], "");
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("--confirm-duplicate"), "{stderr}");
    assert!(!stderr.contains("confirm_duplicate=true"), "{stderr}");

    // `user add` with nothing on standard input says the password is missing, and its rules.
    let (code, _, stderr) = cli(
        &[
            "user",
            "add",
            "--username",
            "clerk2",
            "--role",
            "auditor",
            "--password-stdin",
        ],
        "",
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no password on standard input"), "{stderr}");
    assert!(stderr.contains("10 to 256 characters"), "{stderr}");
    std::fs::remove_dir_all(dir).ok();
});
