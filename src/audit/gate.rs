//! One database verification at a time per process, each on a database connection of its own.
//!
//! Verifying replays the whole chain and reconciles every table: seconds of reads on a large
//! ledger. Run on the reader pool, ten concurrent requests held every reader connection and
//! `/health` answered 503. So a verification opens a connection of its own (never one of the
//! readers'), and only one runs in a process at a time: a request that finds one running
//! waits up to `audit.verify_wait_seconds` for it to end and then runs its own, or is answered
//! 429 with `Retry-After` (what is left of the running one, judged by the last one's length).
//! The gate is held until the verification itself ends, even when the client that asked for
//! it has gone away.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use rocket::tokio;

use crate::db::{DatabaseUrl, DbConn};

/// Lets one verification run at a time, on its own connection.
#[derive(Debug)]
pub struct VerifyGate {
    url: DatabaseUrl,
    wait: Duration,
    running: Arc<tokio::sync::Mutex<()>>,
    runs: Arc<Mutex<Runs>>,
}

/// When the running verification started, and how the last one went.
#[derive(Debug, Default)]
struct Runs {
    current: Option<Instant>,
    last: Option<LastRun>,
}

/// The last verification that ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastRun {
    /// When it ended (UTC).
    pub ended_at: NaiveDateTime,
    /// How long it took.
    pub took: Duration,
}

/// Why the gate did not run the work, or how the work failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateError<E> {
    /// Another verification is running; try again in `retry_after` seconds.
    #[error("a verification is already running; try again in {retry_after} seconds")]
    Busy {
        /// Seconds until the running one is expected to end (at least 1).
        retry_after: u64,
        /// The last verification that ended, if any.
        last: Option<LastRun>,
    },
    /// The work ran and failed.
    #[error(transparent)]
    Failed(E),
    /// The connection could not be opened, or the task did not finish.
    #[error("{0}")]
    Unavailable(String),
}

impl VerifyGate {
    /// A gate for the database at `url`; a request waits at most `wait` for a running
    /// verification before it is told to come back.
    pub fn new(url: DatabaseUrl, wait: Duration) -> VerifyGate {
        VerifyGate {
            url,
            wait,
            running: Arc::new(tokio::sync::Mutex::new(())),
            runs: Arc::new(Mutex::new(Runs::default())),
        }
    }

    /// Runs `work` on a fresh connection once no other verification of this process runs,
    /// or answers [`GateError::Busy`] after waiting as configured.
    pub async fn run<T, E>(
        &self,
        work: impl FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, GateError<E>>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        let Ok(held) =
            tokio::time::timeout(self.wait, Arc::clone(&self.running).lock_owned()).await
        else {
            return Err(self.busy());
        };
        let url = self.url.clone();
        let runs = Arc::clone(&self.runs);
        let task = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            set(&runs, |r| r.current = Some(started));
            let result = match crate::db::establish(&url) {
                Ok(mut conn) => work(&mut conn).map_err(GateError::Failed),
                Err(e) => Err(GateError::Unavailable(e.to_string())),
            };
            set(&runs, |r| {
                r.current = None;
                r.last = Some(LastRun {
                    ended_at: crate::time::now(),
                    took: started.elapsed(),
                });
            });
            // Released only here, when the work has ended, even if the caller went away.
            drop(held);
            result
        });
        task.await
            .map_err(|e| GateError::Unavailable(format!("the verification task failed: {e}")))?
    }

    /// The last verification that ended, if any.
    pub fn last_run(&self) -> Option<LastRun> {
        self.runs.lock().ok().and_then(|r| r.last)
    }

    fn busy<E>(&self) -> GateError<E> {
        let (current, last) = self
            .runs
            .lock()
            .map(|r| (r.current, r.last))
            .unwrap_or((None, None));
        let expected = last.map_or(Duration::from_secs(1), |l| l.took);
        let elapsed = current.map_or(Duration::ZERO, |c| c.elapsed());
        let left = expected.saturating_sub(elapsed);
        GateError::Busy {
            retry_after: left.as_secs_f64().ceil().max(1.0) as u64,
            last,
        }
    }
}

fn set(runs: &Mutex<Runs>, change: impl FnOnce(&mut Runs)) {
    if let Ok(mut r) = runs.lock() {
        change(&mut r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(wait: Duration) -> (VerifyGate, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("tl-gate-{}", uuid::Uuid::new_v4().simple()));
        let url = DatabaseUrl::Sqlite(dir.join("gate.db"));
        (VerifyGate::new(url, wait), dir)
    }

    /// Starts a run that holds the gate until `release` is sent; returns once it runs.
    async fn hold(
        gate: &VerifyGate,
    ) -> (
        impl std::future::Future<Output = Result<(), GateError<String>>> + '_,
        std::sync::mpsc::Sender<()>,
    ) {
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (entered, is_running) = tokio::sync::oneshot::channel::<()>();
        let run = gate.run(move |_| {
            let _ = entered.send(());
            released.recv().map_err(|e| e.to_string())
        });
        (
            async move {
                let (result, _) = tokio::join!(run, is_running);
                result
            },
            release,
        )
    }

    #[rocket::async_test]
    async fn a_second_run_waits_for_the_first_then_runs() {
        let (gate, dir) = gate(Duration::from_secs(600));
        let (first, release) = hold(&gate).await;
        let second = async {
            // Queued behind the first; it runs once the first is released.
            gate.run(|_| Ok::<_, String>(2)).await
        };
        let releaser = async {
            tokio::task::yield_now().await;
            release.send(()).unwrap();
        };
        let (a, b, ()) = tokio::join!(first, second, releaser);
        assert_eq!(a, Ok(()));
        assert_eq!(b, Ok(2));
        assert!(gate.last_run().is_some());
        std::fs::remove_dir_all(dir).ok();
    }

    #[rocket::async_test]
    async fn a_run_that_finds_one_running_is_busy_with_a_retry_time() {
        let (gate, dir) = gate(Duration::ZERO);
        let (first, release) = hold(&gate).await;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let probe = async {
            // Let the first one take the gate.
            while gate.runs.lock().unwrap().current.is_none() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let busy = gate.run(|_| Ok::<_, String>(())).await;
            release.send(()).unwrap();
            let _ = tx.send(());
            busy
        };
        let (a, busy, _) = tokio::join!(first, probe, rx);
        assert_eq!(a, Ok(()));
        match busy {
            Err(GateError::Busy { retry_after, last }) => {
                assert!(retry_after >= 1);
                assert!(last.is_none(), "nothing had ended yet");
            }
            other => panic!("expected busy, got {other:?}"),
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
