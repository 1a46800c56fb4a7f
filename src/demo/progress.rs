//! Progress of a demo run on stderr. On a terminal it is a bar redrawn in place; anywhere else
//! (a log file, a pipe, CI) a bar would be a stream of escape codes and carriage returns, so
//! it is plain lines instead: one when each phase starts and one at every tenth of the work,
//! at most a dozen or so lines for the longest run. Tests use [`Progress::hidden`].

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How a demo run reports its progress.
pub struct Progress {
    bar: ProgressBar,
    lines: Option<Lines>,
}

/// The plain-line reporter: steps done, the last tenth reported, the phase's name.
struct Lines {
    total: u64,
    done: AtomicU64,
    tenths: AtomicU64,
    phase: Mutex<&'static str>,
}

impl Progress {
    /// Nothing shown.
    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
            lines: None,
        }
    }

    /// A bar when stderr is a terminal, plain lines otherwise; `total` steps.
    pub fn on_stderr(total: u64) -> Progress {
        if std::io::stderr().is_terminal() {
            Progress::bar(total)
        } else {
            Progress::lines(total)
        }
    }

    fn bar(total: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:<22} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} ({per_sec}, {eta})",
        ) {
            bar.set_style(style);
        }
        Progress { bar, lines: None }
    }

    fn lines(total: u64) -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
            lines: Some(Lines {
                total: total.max(1),
                done: AtomicU64::new(0),
                tenths: AtomicU64::new(0),
                phase: Mutex::new(""),
            }),
        }
    }

    /// A new phase (`"contracts 合同"`).
    pub fn set_message(&self, phase: &'static str) {
        self.bar.set_message(phase);
        if let Some(lines) = &self.lines {
            if let Ok(mut current) = lines.phase.lock() {
                *current = phase;
            }
            lines.write(phase, lines.done.load(Ordering::Relaxed));
        }
    }

    /// One more step done.
    pub fn inc(&self, steps: u64) {
        self.bar.inc(steps);
        if let Some(lines) = &self.lines {
            let done = lines.done.fetch_add(steps, Ordering::Relaxed) + steps;
            let tenths = (done.min(lines.total) * 10 / lines.total).min(10);
            // Only the step that reaches a new tenth writes it.
            if lines.tenths.fetch_max(tenths, Ordering::Relaxed) < tenths {
                let phase = lines.phase.lock().map(|p| *p).unwrap_or("");
                lines.write(phase, done);
            }
        }
    }

    /// The run is over: the bar goes, the lines say so.
    pub fn finish_and_clear(&self) {
        self.bar.finish_and_clear();
        if let Some(lines) = &self.lines {
            lines.write("done 完成", lines.done.load(Ordering::Relaxed));
        }
    }
}

impl Lines {
    fn write(&self, phase: &str, done: u64) {
        let percent = done.min(self.total) * 100 / self.total;
        let line = format!(
            "demo progress: {phase} {done}/{total} ({percent} %)",
            total = self.total
        );
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_tenths_once_each() {
        let progress = Progress::lines(95);
        progress.set_message("parties 主体");
        for _ in 0..95 {
            progress.inc(1);
        }
        let lines = progress.lines.as_ref().expect("lines");
        assert_eq!(lines.done.load(Ordering::Relaxed), 95);
        assert_eq!(lines.tenths.load(Ordering::Relaxed), 10);
    }
}
