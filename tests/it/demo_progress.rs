//! `techledger demo` writing to a log file or a pipe (issue 17): plain progress lines, no
//! terminal escape codes (a bar is drawn only on a terminal).

use crate::both;

both!(demo_progress_on_a_pipe_is_plain_lines, |app| {
    // `cli` runs the real binary with stdout and stderr to pipes.
    let out = app.cli(&["demo", "--contracts", "40", "--seed", "3"]);
    let stderr = String::from_utf8(out.stderr.clone()).expect("UTF-8");
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        !out.stderr.contains(&0x1b) && !out.stdout.contains(&0x1b),
        "no escape codes: {stderr:?}"
    );
    assert!(!stderr.contains('\r'), "no redrawn lines: {stderr:?}");
    let progress: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("demo progress: "))
        .collect();
    for phase in [
        "parties 主体",
        "contracts 合同",
        "approvals, reviews 复核",
        "done 完成",
    ] {
        assert!(
            progress.iter().any(|l| l.contains(phase)),
            "a line for {phase}: {stderr}"
        );
    }
    // Every tenth of the work once, beside the phase lines: a short log, not one line a step.
    let tenths = progress.iter().filter(|l| l.ends_with("0 %)")).count();
    assert!((10..=16).contains(&progress.len()), "{progress:#?}");
    assert!(tenths >= 10, "{progress:#?}");
    let last = progress.last().expect("lines");
    assert!(
        last.starts_with("demo progress: done 完成") && last.ends_with("(100 %)"),
        "{last}"
    );
});
