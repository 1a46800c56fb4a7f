//! The writer: owns the write connection and commits every queued command in one transaction
//! (group commit), each command in its own savepoint, answering every caller only after the
//! commit. A caller who finds nobody else writing runs its command on its own thread instead
//! of queueing it (see `Ledger::enter`).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError, mpsc};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::r2d2::R2D2Connection;
use rocket::tokio::sync::oneshot;

use super::pending::Pending;
use super::tx::Tx;
use super::{
    Command, LedgerError, Outcome, PartyRef, Principal, Request, contracts, cosign, idempotency,
    imports, keys, parties, reviews, submissions, users,
};
use crate::audit::chain::{self, ChainHead};
use crate::audit::checkpoint::{self, Checkpoint};
use crate::audit::keys::{KeyPair, KeyPurpose, KeyStore};
use crate::audit::merkle::Frontier;
use crate::audit::note::VerifierKey;
use crate::config::Config;
use crate::db::models::{audit_keys, parties as party_rows};
use crate::db::{DatabaseUrl, DbConn, DbError};
use crate::domain::Money;
use crate::records::PartyState;

/// The parts of the configuration the write path uses.
#[derive(Debug, Clone)]
pub struct LedgerSettings {
    /// Technical amount at or above which a contract waits for a second registrar.
    pub large_contract_threshold: Money,
    /// At most this many commands per transaction.
    pub group_commit_max: usize,
    /// Idempotency keys are kept this long.
    pub idempotency_retention: chrono::Duration,
    /// A checkpoint after this many entries…
    pub checkpoint_every_entries: i64,
    /// … or after this long, when the chain grew.
    pub checkpoint_every: Duration,
    /// The transparency log's origin (empty: derived from the root key at start).
    pub log_origin: String,
    /// The witnesses whose cosignatures of checkpoints the log accepts (`audit.witnesses`).
    pub witnesses: Vec<VerifierKey>,
    /// The write path maintains the Merkle tree: always, except in a benchmark measuring what
    /// the tree costs (`bench_hooks`, compiled only with the `bench-hooks` feature).
    pub(crate) merkle_tree: bool,
}

impl LedgerSettings {
    /// From the configuration.
    pub fn from_config(config: &Config) -> LedgerSettings {
        LedgerSettings {
            large_contract_threshold: config.ledger.large_contract_threshold,
            group_commit_max: config.ledger.group_commit_max,
            idempotency_retention: chrono::Duration::hours(i64::from(
                config.ledger.idempotency_retention_hours,
            )),
            checkpoint_every_entries: i64::try_from(config.audit.checkpoint_every_entries)
                .unwrap_or(i64::MAX),
            checkpoint_every: Duration::from_secs(config.audit.checkpoint_every_seconds),
            log_origin: config.audit.log_origin.clone(),
            // Checked when the configuration was loaded.
            witnesses: config
                .audit
                .witnesses
                .iter()
                .filter_map(|w| VerifierKey::parse(w).ok())
                .collect(),
            merkle_tree: true,
        }
    }
}

/// Counters of the write path (exported on `/metrics`).
#[derive(Debug, Default)]
pub struct LedgerMetrics {
    /// Transactions committed.
    pub commits: AtomicU64,
    /// Of those, run on the caller's own thread, nobody else writing.
    pub commits_on_caller: AtomicU64,
    /// Commands committed.
    pub commands: AtomicU64,
    /// Commands refused or failed.
    pub refused: AtomicU64,
    /// Audit entries appended.
    pub entries: AtomicU64,
    /// Transactions that failed as a whole.
    pub failed_batches: AtomicU64,
}

/// What the writer shares with every handle: the counters `/metrics` reads and the test hook.
#[derive(Default)]
struct Common {
    metrics: LedgerMetrics,
    fault: AtomicBool,
}

struct Shared {
    common: Common,
    /// The transparency log's origin.
    origin: String,
    /// Requests submitted whose callers do not have their answer yet.
    in_flight: AtomicUsize,
    /// The write connection and what goes with it; held by whoever runs a transaction.
    writer: Mutex<Writer>,
}

impl Shared {
    /// The writer, waiting for whoever holds it. A round catches a panic of its transaction
    /// (and rolls it back); a lock poisoned by a panic elsewhere in a round leaves the
    /// writer's state whole, so it is taken all the same.
    fn writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The writer if nobody holds it.
    fn idle_writer(&self) -> Option<MutexGuard<'_, Writer>> {
        match self.writer.try_lock() {
            Ok(writer) => Some(writer),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

/// Who hands a job to the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// A thread that may block: runs the job itself when nobody else is writing.
    Blocking,
    /// A task of an async runtime: the same where tokio lets a worker block (its
    /// multi-threaded runtime, through `block_in_place`); elsewhere it queues.
    Task,
    /// Always queues.
    Queue,
}

/// Counts a request in flight from its submission until its caller has the answer (or gives
/// up waiting).
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

type Reply<T> = oneshot::Sender<Result<T, LedgerError>>;

enum Job {
    Run(Box<Request>, Reply<Outcome>),
    /// A checkpoint of the head (`None`) or of the first `n` entries (`Some(n)`).
    Checkpoint(Option<i64>, Reply<Checkpoint>),
}

/// The handle through which every change enters the ledger. Cheap to clone.
#[derive(Clone)]
pub struct Ledger {
    sender: mpsc::Sender<Job>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").finish_non_exhaustive()
    }
}

/// Why the ledger could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The signing key.
    #[error(transparent)]
    Key(#[from] crate::audit::keys::KeyError),
    /// The first transaction (registering the signing key) failed.
    #[error("the ledger could not start: {0}")]
    Ledger(#[from] LedgerError),
    /// The chain's signing keys cannot be trusted, or this data directory cannot sign for it.
    #[error("refusing to start: {0}")]
    Untrusted(String),
}

impl Ledger {
    /// Opens the write connection, checks the chain's key history and finds this data
    /// directory's key for it (see [`signer_for`]), starts the writer thread and, on a new
    /// chain, registers the key as its root of trust.
    pub fn start(
        url: &DatabaseUrl,
        keystore: KeyStore,
        settings: LedgerSettings,
    ) -> Result<Ledger, StartError> {
        let mut conn = crate::db::pool::establish(url)?;
        let (signer, root_kid) = signer_for(&mut conn, &keystore)?;
        let mut settings = settings;
        if settings.log_origin.is_empty() {
            settings.log_origin = format!("techledger.linyi/{root_kid}");
        }
        catch_up_tree(&mut conn)?;
        let merkle_tree = settings.merkle_tree;
        let mut writer = Writer {
            conn,
            url: url.clone(),
            keystore,
            signer,
            rotations: Vec::new(),
            tree: None,
            settings,
            last_checkpoint: (0, Instant::now()),
            last_purge: Instant::now(),
            connection_lost: false,
        };
        writer.last_checkpoint.0 = checkpoint::latest(&mut writer.conn)
            .map_err(DbError::from)?
            .map_or(0, |c| c.tree_size);
        let shared = Arc::new(Shared {
            common: Common::default(),
            origin: writer.settings.log_origin.clone(),
            in_flight: AtomicUsize::new(0),
            writer: Mutex::new(writer),
        });
        let (sender, receiver) = mpsc::channel();
        let for_thread = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("techledger-writer".into())
            .spawn(move || run_queue(&for_thread, &receiver))
            .map_err(|e| LedgerError::Storage(format!("cannot start the writer thread: {e}")))?;
        let ledger = Ledger { sender, shared };
        // An empty round registers the signing key before anyone reads the JWKS (without the
        // tree there are no checkpoints: the first command registers it).
        if merkle_tree {
            ledger.checkpoint_blocking()?;
        }
        Ok(ledger)
    }

    /// Executes a request; answers after the commit.
    pub async fn execute(&self, request: Request) -> Result<Outcome, LedgerError> {
        let (reply, answer) = oneshot::channel();
        let _in_flight = self.enter(Job::Run(Box::new(request), reply), Caller::Task)?;
        answer.await.map_err(|_| LedgerError::Unavailable)?
    }

    /// Executes a request through the writer thread's queue even when nobody else is writing,
    /// answering after the commit. For a caller that sends many requests before awaiting their
    /// answers (the demo's pipeline): queued, they are committed together, in the order sent;
    /// [`Ledger::execute`] would run each alone on the caller's thread, the queue being empty
    /// each time.
    pub async fn execute_queued(&self, request: Request) -> Result<Outcome, LedgerError> {
        let (reply, answer) = oneshot::channel();
        let _in_flight = self.enter(Job::Run(Box::new(request), reply), Caller::Queue)?;
        answer.await.map_err(|_| LedgerError::Unavailable)?
    }

    /// Executes `command` on behalf of `principal`.
    pub async fn submit(
        &self,
        principal: Principal,
        command: Command,
    ) -> Result<Outcome, LedgerError> {
        self.execute(Request::new(principal, command)).await
    }

    /// The same, for code outside an async runtime (the CLI).
    pub fn execute_blocking(&self, request: Request) -> Result<Outcome, LedgerError> {
        let (reply, answer) = oneshot::channel();
        let _in_flight = self.enter(Job::Run(Box::new(request), reply), Caller::Blocking)?;
        answer
            .blocking_recv()
            .map_err(|_| LedgerError::Unavailable)?
    }

    /// A signed checkpoint of the chain as it stands (stored; the latest one when it already
    /// covers the head).
    pub async fn checkpoint(&self) -> Result<Checkpoint, LedgerError> {
        let (reply, answer) = oneshot::channel();
        let _in_flight = self.enter(Job::Checkpoint(None, reply), Caller::Task)?;
        answer.await.map_err(|_| LedgerError::Unavailable)?
    }

    /// The same, outside an async runtime.
    pub fn checkpoint_blocking(&self) -> Result<Checkpoint, LedgerError> {
        let (reply, answer) = oneshot::channel();
        let _in_flight = self.enter(Job::Checkpoint(None, reply), Caller::Blocking)?;
        answer
            .blocking_recv()
            .map_err(|_| LedgerError::Unavailable)?
    }

    /// A signed checkpoint of the first `size` entries (1 ≤ `size` ≤ the committed head): the
    /// stored one of that size, or one made now — its root from the stored Merkle tree, its
    /// JWS head hash the hash of entry `size` — signed with the current key. Figures read at a
    /// past head are bound to the log through it. There is at most one checkpoint per size,
    /// so callers that pass only sizes their own reads produced (never a client's number)
    /// make at most one write per entry the chain ever had.
    pub async fn checkpoint_at(&self, size: i64) -> Result<Checkpoint, LedgerError> {
        let (reply, answer) = oneshot::channel();
        let _in_flight = self.enter(Job::Checkpoint(Some(size), reply), Caller::Task)?;
        answer.await.map_err(|_| LedgerError::Unavailable)?
    }

    /// The same, outside an async runtime.
    pub fn checkpoint_at_blocking(&self, size: i64) -> Result<Checkpoint, LedgerError> {
        let (reply, answer) = oneshot::channel();
        let _in_flight = self.enter(Job::Checkpoint(Some(size), reply), Caller::Blocking)?;
        answer
            .blocking_recv()
            .map_err(|_| LedgerError::Unavailable)?
    }

    /// Hands `job` to the writer: runs it on this thread when it is the only request in flight
    /// and the writer is idle, queues it otherwise. Queued jobs are committed together, which
    /// is what makes many writers fast; one writer alone gains nothing from the queue and pays
    /// for it — the writer thread's wake-up and the caller's (~50 µs a command on this kind of
    /// machine, a tenth of a registration).
    ///
    /// A request counts as in flight until its caller has the answer or drops the future
    /// awaiting it; a request dropped while queued is still executed, possibly after one sent
    /// later that found the writer idle (with an Idempotency-Key a retry answers either way).
    fn enter(&self, job: Job, caller: Caller) -> Result<InFlight<'_>, LedgerError> {
        let alone = self.shared.in_flight.fetch_add(1, Ordering::AcqRel) == 0;
        let in_flight = InFlight(&self.shared.in_flight);
        let may_block = match caller {
            Caller::Blocking => true,
            Caller::Task => rocket::tokio::runtime::Handle::try_current().is_ok_and(|h| {
                h.runtime_flavor() == rocket::tokio::runtime::RuntimeFlavor::MultiThread
            }),
            Caller::Queue => false,
        };
        let idle = if alone && may_block {
            self.shared.idle_writer()
        } else {
            None
        };
        let common = &self.shared.common;
        match idle {
            Some(mut writer) => {
                let commits = common.metrics.commits.load(Ordering::Relaxed);
                if caller == Caller::Task {
                    rocket::tokio::task::block_in_place(|| writer.round(vec![job], common));
                } else {
                    writer.round(vec![job], common);
                }
                if common.metrics.commits.load(Ordering::Relaxed) != commits {
                    common
                        .metrics
                        .commits_on_caller
                        .fetch_add(1, Ordering::Relaxed);
                }
            }
            None => self
                .sender
                .send(job)
                .map_err(|_| LedgerError::Unavailable)?,
        }
        Ok(in_flight)
    }

    /// The transparency log's origin (its checkpoints' first line and signer name).
    pub fn log_origin(&self) -> &str {
        &self.shared.origin
    }

    /// The write path's counters.
    pub fn metrics(&self) -> &LedgerMetrics {
        &self.shared.common.metrics
    }

    /// Test hook: the next change fails right after its audit entry was inserted, which must
    /// roll the whole command back.
    #[doc(hidden)]
    pub fn inject_fault_after_audit_insert(&self) {
        self.shared.common.fault.store(true, Ordering::SeqCst);
    }
}

struct Writer {
    conn: DbConn,
    url: DatabaseUrl,
    keystore: KeyStore,
    signer: KeyPair,
    /// Rotations made in the running transaction: the keys they replaced, to take out of the
    /// key directory once the transaction commits (or to sign with again if it does not).
    rotations: Vec<Rotated>,
    /// The Merkle tree's frontier as the last committed transaction left it (read again when
    /// the chain grew elsewhere meanwhile).
    tree: Option<Frontier>,
    settings: LedgerSettings,
    /// (tree size, when) of the last checkpoint this writer stored.
    last_checkpoint: (i64, Instant),
    last_purge: Instant,
    /// The last attempt to reconnect failed.
    connection_lost: bool,
}

/// A key replaced in the running transaction.
struct Rotated {
    /// The key that signed before.
    old: KeyPair,
    /// The key that took over.
    new_kid: String,
    /// Keep the old private key in `keys-retired` rather than destroying it.
    keep_retired: bool,
}

/// A caller waiting for its answer.
enum Waiting {
    Run(Reply<Outcome>),
    Checkpoint(Reply<Checkpoint>),
}

/// What a transaction does for one job.
enum Work {
    /// Runs a request.
    Run(Box<Request>),
    /// Makes a checkpoint: of the head (`None`) or of the first `n` entries.
    Checkpoint(Option<i64>),
}

/// What a job produced inside the transaction, before the commit decides its fate.
enum Done {
    Outcome(Result<Outcome, LedgerError>),
    Checkpoint(Result<Checkpoint, LedgerError>),
}

/// Rows a transaction keeps waiting before it inserts them between two commands.
const ROWS_WAITING_MAX: usize = 2000;

/// Makes a savepoint roll back while keeping what it computed.
enum JobError {
    Failed(LedgerError),
    DryRun(Box<Outcome>),
}

impl From<diesel::result::Error> for JobError {
    fn from(e: diesel::result::Error) -> Self {
        JobError::Failed(e.into())
    }
}

impl From<LedgerError> for JobError {
    fn from(e: LedgerError) -> Self {
        JobError::Failed(e)
    }
}

/// The writer thread: commits the queued jobs, as many together as have arrived, and makes the
/// timed checkpoints; returns when every handle is gone.
fn run_queue(shared: &Shared, receiver: &mpsc::Receiver<Job>) {
    loop {
        let wait = shared.writer().until_checkpoint_due();
        let mut jobs = Vec::new();
        match receiver.recv_timeout(wait) {
            Ok(job) => jobs.push(job),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        let mut writer = shared.writer();
        // Those that came while a caller ran its own command join this transaction.
        while jobs.len() < writer.settings.group_commit_max {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        // A round catches a panic of its transaction; one anywhere else must not end the
        // thread, or queued callers would get no answer from then on.
        if std::panic::catch_unwind(AssertUnwindSafe(|| writer.round(jobs, &shared.common)))
            .is_err()
        {
            tracing::error!("the writer thread recovered from a panic outside a transaction");
        }
    }
}

impl Writer {
    fn until_checkpoint_due(&self) -> Duration {
        self.settings
            .checkpoint_every
            .saturating_sub(self.last_checkpoint.1.elapsed())
            .max(Duration::from_millis(50))
    }

    /// One transaction for every job taken; a panic inside fails the jobs, not the writer.
    fn round(&mut self, jobs: Vec<Job>, common: &Common) {
        if self.connection_lost {
            self.recover_connection();
        }
        if self.connection_lost {
            // Still away: answer at once rather than fail a transaction on a dead connection.
            let e = LedgerError::DatabaseUnavailable("the writer cannot reconnect".into());
            for job in jobs {
                match job {
                    Job::Run(_, reply) => {
                        common.metrics.refused.fetch_add(1, Ordering::Relaxed);
                        let _ = reply.send(Err(e.clone()));
                    }
                    Job::Checkpoint(_, reply) => {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
            return;
        }
        if jobs.is_empty() {
            // Woken for a timed checkpoint: only worth a write transaction if the chain grew
            // (here or in another process) since the last one.
            match chain::read_head(&mut self.conn) {
                Ok(head) if head.seq <= self.last_checkpoint.0 => {
                    self.last_checkpoint.1 = Instant::now();
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the writer cannot read the chain head");
                    self.last_checkpoint.1 = Instant::now();
                    self.recover_connection();
                    return;
                }
            }
        }
        let mut waiting = Vec::with_capacity(jobs.len());
        let mut work = Vec::with_capacity(jobs.len());
        for job in jobs {
            match job {
                Job::Run(request, reply) => {
                    waiting.push(Waiting::Run(reply));
                    work.push(Work::Run(request));
                }
                Job::Checkpoint(size, reply) => {
                    waiting.push(Waiting::Checkpoint(reply));
                    work.push(Work::Checkpoint(size));
                }
            }
        }
        let mut reached_commit = false;
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.transaction(&work, common, &mut reached_commit)
        }))
        .unwrap_or_else(|_| {
            reached_commit = true;
            Err(LedgerError::Storage(
                "the writer panicked; the transaction was rolled back".into(),
            ))
        });
        let metrics = &common.metrics;
        match result {
            Ok(done) => {
                metrics.commits.fetch_add(1, Ordering::Relaxed);
                for (waiter, done) in waiting.into_iter().zip(done) {
                    match (waiter, done) {
                        (Waiting::Run(reply), Done::Outcome(r)) => {
                            let counter = if r.is_ok() {
                                &metrics.commands
                            } else {
                                &metrics.refused
                            };
                            counter.fetch_add(1, Ordering::Relaxed);
                            let _ = reply.send(r);
                        }
                        (Waiting::Checkpoint(reply), Done::Checkpoint(r)) => {
                            let _ = reply.send(r);
                        }
                        _ => {}
                    }
                }
            }
            Err(e) if waiting.len() > 1 && !reached_commit => {
                // One job may have made the shared transaction fail (a row refused when the
                // waiting rows were inserted, say): run each alone, so only that one fails.
                // Never after the commit was tried: it may have gone through.
                tracing::warn!(error = %e, jobs = waiting.len(), "a shared write transaction failed; running its jobs one by one");
                metrics.failed_batches.fetch_add(1, Ordering::Relaxed);
                self.recover_connection();
                for (waiter, request) in waiting.into_iter().zip(work) {
                    let job = match (waiter, request) {
                        (Waiting::Run(reply), Work::Run(request)) => Job::Run(request, reply),
                        (Waiting::Checkpoint(reply), Work::Checkpoint(size)) => {
                            Job::Checkpoint(size, reply)
                        }
                        (Waiting::Run(reply), Work::Checkpoint(_)) => {
                            let _ = reply.send(Err(e.clone()));
                            continue;
                        }
                        (Waiting::Checkpoint(reply), Work::Run(_)) => {
                            let _ = reply.send(Err(e.clone()));
                            continue;
                        }
                    };
                    self.round(vec![job], common);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = waiting.len(), "a write transaction failed as a whole");
                metrics.failed_batches.fetch_add(1, Ordering::Relaxed);
                let lost = self.recover_connection();
                let e = match e {
                    LedgerError::Storage(reason) if lost => {
                        LedgerError::DatabaseUnavailable(reason)
                    }
                    e => e,
                };
                for waiter in waiting {
                    match waiter {
                        Waiting::Run(reply) => {
                            metrics.refused.fetch_add(1, Ordering::Relaxed);
                            let _ = reply.send(Err(e.clone()));
                        }
                        Waiting::Checkpoint(reply) => {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        }
    }

    /// Runs `work` in one transaction; `reached_commit` tells a failed commit (whose outcome
    /// is unknown) from a failure before it.
    fn transaction(
        &mut self,
        work: &[Work],
        common: &Common,
        reached_commit: &mut bool,
    ) -> Result<Vec<Done>, LedgerError> {
        let Writer {
            conn,
            keystore,
            signer,
            rotations,
            tree,
            settings,
            last_checkpoint,
            last_purge,
            ..
        } = self;
        let mut entries_before = 0;
        let mut entries_after = 0;
        let mut tree_after = None;
        let done = conn.transaction::<_, LedgerError, _>(|conn| {
            let (mut head, head_signer) = chain::lock_head(conn)?;
            entries_before = head.seq;
            follow_rotation(keystore, head_signer.as_deref(), signer)?;
            let size = u64::try_from(head.seq).unwrap_or(0);
            let frontier = match tree.take() {
                _ if !settings.merkle_tree => None,
                Some(f) if f.size() == size => Some(f),
                _ => Some(
                    crate::audit::tlog::frontier(conn, size)
                        .map_err(|e| LedgerError::Storage(e.to_string()))?,
                ),
            };
            let mut round = Round {
                keystore,
                signer,
                rotations,
                settings,
                fault: &common.fault,
                pending: Pending::default(),
            };
            match frontier {
                Some(frontier) => round.pending.start_tree(frontier),
                None => round.pending.run_without_tree(),
            }
            round.ensure_registered(conn, &mut head, head_signer.as_deref())?;
            round.read_ahead(conn, work)?;
            let mut done = Vec::with_capacity(work.len());
            for job in work {
                match job {
                    Work::Run(request) => {
                        // Registrations read none of the rows waiting; anything else might
                        // (an amendment reads its contract), and an import starts with none
                        // waiting so that it may write its own rows as it goes.
                        if !matches!(request.command, Command::RegisterContract(_))
                            || round.pending.rows_waiting() >= ROWS_WAITING_MAX
                        {
                            round.pending.flush_rows(conn)?;
                        }
                        let saved = head.clone();
                        let mark = round.pending.mark();
                        let result = round.run_request(conn, &mut head, request);
                        if result.is_err() || request.dry_run {
                            head = saved;
                            round.pending.rollback(mark);
                        }
                        done.push(Done::Outcome(result));
                    }
                    Work::Checkpoint(_) if !settings.merkle_tree => {
                        done.push(Done::Checkpoint(Err(without_tree())));
                    }
                    Work::Checkpoint(Some(size)) => {
                        done.push(Done::Checkpoint(checkpoint_of_prefix(
                            conn,
                            *size,
                            entries_before,
                            &settings.log_origin,
                            round.signer,
                        )));
                    }
                    Work::Checkpoint(None) => {
                        round.pending.flush_rows(conn)?;
                        let root = round.pending.tree_root()?;
                        done.push(Done::Checkpoint(
                            checkpoint::store(
                                conn,
                                &head,
                                &root,
                                &settings.log_origin,
                                round.signer,
                                crate::time::now(),
                            )
                            .map_err(LedgerError::from)
                            .inspect(|c| *last_checkpoint = (c.tree_size, Instant::now())),
                        ));
                    }
                }
            }
            let moved = head.seq != entries_before;
            round.pending.flush(conn, moved.then_some(&head))?;
            let due = settings.merkle_tree
                && head.seq > last_checkpoint.0
                && (head.seq - last_checkpoint.0 >= settings.checkpoint_every_entries
                    || last_checkpoint.1.elapsed() >= settings.checkpoint_every);
            if due {
                let root = round.pending.tree_root()?;
                let c = checkpoint::store(
                    conn,
                    &head,
                    &root,
                    &settings.log_origin,
                    round.signer,
                    crate::time::now(),
                )?;
                *last_checkpoint = (c.tree_size, Instant::now());
            }
            if last_purge.elapsed() > Duration::from_secs(3600) {
                idempotency::purge(conn, crate::time::now() - settings.idempotency_retention)?;
                *last_purge = Instant::now();
            }
            entries_after = head.seq;
            tree_after = round.pending.tree().cloned();
            *reached_commit = true;
            Ok(done)
        });
        // The frontier is kept only when the transaction surely committed.
        *tree = if done.is_ok() { tree_after } else { None };
        finish_rotations(keystore, signer, rotations, done.is_ok(), *reached_commit);
        let done = done?;
        let appended = u64::try_from(entries_after - entries_before).unwrap_or(0);
        common
            .metrics
            .entries
            .fetch_add(appended, Ordering::Relaxed);
        Ok(done)
    }

    /// After a failed transaction the connection may be broken (or left mid-transaction by a
    /// panic): replace it when it does not answer. True when it did not (the connection was
    /// lost, whether or not a new one could be made); `connection_lost` stays set while the
    /// database cannot be reached, and the next round tries again before it runs anything.
    fn recover_connection(&mut self) -> bool {
        if self.conn.ping().is_ok() && !self.conn.is_broken() {
            self.connection_lost = false;
            return false;
        }
        crate::db::note_connection_lost();
        match crate::db::pool::establish(&self.url) {
            Ok(conn) => {
                self.conn = conn;
                self.tree = None;
                if self.connection_lost {
                    tracing::info!("the writer reconnected to the database");
                }
                self.connection_lost = false;
            }
            Err(e) => {
                if !self.connection_lost {
                    tracing::error!(error = %e, "the writer cannot reconnect to the database");
                }
                self.connection_lost = true;
            }
        }
        true
    }
}

/// A checkpoint asked of a ledger that does not maintain the Merkle tree (`bench_hooks`).
fn without_tree() -> LedgerError {
    LedgerError::Storage("this ledger does not maintain the Merkle tree: no checkpoints".into())
}

/// The checkpoint of the first `size` entries: the stored one, or one signed now. Only
/// entries committed before this transaction (`committed`, the head it locked) qualify: their
/// Merkle tree hashes are in the database, and a size beyond them is nobody's read.
fn checkpoint_of_prefix(
    conn: &mut DbConn,
    size: i64,
    committed: i64,
    origin: &str,
    signer: &KeyPair,
) -> Result<Checkpoint, LedgerError> {
    if size < 1 || size > committed {
        return Err(LedgerError::NotFound {
            entity: "checkpoint",
            id: format!("size {size} (the chain has {committed} entries)"),
        });
    }
    if let Some(stored) = checkpoint::by_size(conn, size)? {
        return Ok(stored);
    }
    let root = crate::audit::tlog::root(conn, size as u64)
        .map_err(|e| LedgerError::Storage(e.to_string()))?;
    let hash = chain::entry_hash(conn, size)?;
    Ok(checkpoint::store(
        conn,
        &ChainHead { seq: size, hash },
        &root,
        origin,
        signer,
        crate::time::now(),
    )?)
}

/// Another process sharing the database (and the data directory) may have rotated the key:
/// the head row names the key that signs next, read under the head's lock, so no entry is ever
/// signed by a key the chain has already replaced.
fn follow_rotation(
    keystore: &KeyStore,
    head_signer: Option<&str>,
    signer: &mut KeyPair,
) -> Result<(), LedgerError> {
    let Some(kid) = head_signer.filter(|kid| *kid != signer.kid()) else {
        return Ok(());
    };
    *signer = keystore.load(KeyPurpose::Audit, kid).map_err(|e| {
        LedgerError::Storage(format!(
            "the chain is now signed by key {kid}, which this process cannot load: {e}"
        ))
    })?;
    tracing::info!(kid, "following a key rotation made by another process");
    Ok(())
}

/// After a transaction: a committed rotation makes the new key current on disk and takes the
/// replaced keys out of the key directory; a failed one puts the old key back in charge and,
/// when the transaction surely did not commit, destroys the new key.
fn finish_rotations(
    keystore: &KeyStore,
    signer: &mut KeyPair,
    rotations: &mut Vec<Rotated>,
    committed: bool,
    reached_commit: bool,
) {
    if rotations.is_empty() {
        return;
    }
    let done = std::mem::take(rotations);
    if committed {
        if let Some(last) = done.last()
            && let Err(e) = keystore.set_current(KeyPurpose::Audit, &last.new_kid)
        {
            tracing::error!(error = %e, "the rotation committed but the key pointer was not updated; the next start completes it");
        }
        for r in &done {
            if let Err(e) = keystore.retire(KeyPurpose::Audit, r.old.kid(), r.keep_retired) {
                tracing::error!(error = %e, kid = r.old.kid(), "a retired signing key could not be taken out of the key directory");
            }
        }
        return;
    }
    if let Some(first) = done.first() {
        *signer = first.old.clone();
    }
    if !reached_commit {
        for r in &done {
            let _ = keystore.retire(KeyPurpose::Audit, &r.new_kid, false);
        }
    }
}

/// The key this data directory signs the chain in the database with, after checking the
/// chain's key history: every rotation endorsed by the key before it, the `signing_keys` table
/// agreeing with the history, and the chain's current key held here (its private half in this
/// data directory). A new chain takes this directory's key (made if there is none) as its root.
/// Anything else refuses to start: a server must never sign for a chain whose keys someone
/// else controls.
fn signer_for(conn: &mut DbConn, keystore: &KeyStore) -> Result<(KeyPair, String), StartError> {
    let untrusted = |why: String| StartError::Untrusted(why);
    let history = crate::audit::rotation::load(conn)
        .map_err(|e| DbError::Task(e.to_string()))?
        .map_err(|f| {
            untrusted(format!(
                "the audit chain's key rotation at seq {} does not hold: {}",
                f.seq, f.reason
            ))
        })?;
    let rows = audit_keys::all(conn).map_err(DbError::from)?;
    let agrees = rows.len() == history.keys().len()
        && history.keys().iter().all(|k| {
            rows.iter().any(|r| {
                r.kid == k.kid
                    && r.public_key == k.x
                    && r.audit_seq == k.first_seq
                    && r.retired_at.is_some() == k.last_seq.is_some()
            })
        });
    if !agrees {
        return Err(untrusted(
            "the signing_keys table disagrees with the keys the audit chain announces: it was \
             changed behind the ledger"
                .into(),
        ));
    }
    let Some(current) = history.current() else {
        let key = keystore.current_or_create(KeyPurpose::Audit)?;
        let root = key.kid().to_string();
        return Ok((key, root));
    };
    if !keystore.has(KeyPurpose::Audit, &current.kid) {
        return Err(untrusted(format!(
            "the audit chain's current signing key {} (announced at seq {}) has no private half \
             in {}: this data directory cannot sign for this database (restore audit-{}.pem, or \
             start with the data directory that belongs to this database)",
            current.kid,
            current.first_seq,
            keystore.dir().display(),
            current.kid
        )));
    }
    let pair = keystore.load(KeyPurpose::Audit, &current.kid)?;
    if *pair.verifying_key() != current.key {
        return Err(untrusted(format!(
            "the key file of {} is not the key the chain announces",
            current.kid
        )));
    }
    if keystore
        .current(KeyPurpose::Audit)
        .ok()
        .flatten()
        .is_none_or(|k| k.kid() != current.kid)
    {
        // A rotation committed just before the process stopped: finish it.
        keystore.set_current(KeyPurpose::Audit, &current.kid)?;
        tracing::warn!(kid = current.kid, "completed an interrupted key rotation");
    }
    let root = history.root().map_or_else(String::new, |r| r.kid.clone());
    if let Some(root) = history.root() {
        tracing::info!(
            root = root.kid,
            fingerprint = root.fingerprint(),
            "audit chain verified back to its root key; auditors pin it with `techledger verify --trust-root`"
        );
    }
    Ok((pair, root))
}

/// Brings the Merkle tree up to the chain's head (a database made before the tree, or one
/// restored without it), under the head lock.
fn catch_up_tree(conn: &mut DbConn) -> Result<(), StartError> {
    let added = conn
        .transaction::<_, LedgerError, _>(|conn| {
            let (head, _) = chain::lock_head(conn)?;
            Ok(crate::audit::tlog::catch_up(conn, head.seq)?)
        })
        .map_err(StartError::Ledger)?;
    if added > 0 {
        tracing::info!(
            leaves = added,
            "built the Merkle tree over entries made before it"
        );
    }
    Ok(())
}

/// What one write transaction works with.
struct Round<'r> {
    keystore: &'r KeyStore,
    signer: &'r mut KeyPair,
    rotations: &'r mut Vec<Rotated>,
    settings: &'r LedgerSettings,
    fault: &'r AtomicBool,
    pending: Pending,
}

impl Round<'_> {
    fn tx<'t>(
        &'t mut self,
        conn: &'t mut DbConn,
        head: &'t mut ChainHead,
        principal: &'t Principal,
    ) -> Tx<'t> {
        Tx::new(
            conn,
            &mut self.pending,
            head,
            self.signer,
            principal,
            self.settings,
            self.fault,
        )
    }

    /// On a chain without a key yet, registers the signing key as its root of trust.
    fn ensure_registered(
        &mut self,
        conn: &mut DbConn,
        head: &mut ChainHead,
        head_signer: Option<&str>,
    ) -> Result<(), LedgerError> {
        if head_signer == Some(self.signer.kid()) {
            return Ok(());
        }
        if head_signer.is_some() || head.seq > 0 || !audit_keys::all(conn)?.is_empty() {
            return Err(LedgerError::Storage(format!(
                "the chain is not signed by this process's key {} (the head names {head_signer:?})",
                self.signer.kid()
            )));
        }
        let principal = Principal::System;
        let key = self.signer.clone();
        let mut tx = self.tx(conn, head, &principal);
        keys::register(&mut tx, &key, None).map(|_| ())
    }

    /// Reads what the queued requests will ask for, a statement for all of them instead of
    /// one each (on PostgreSQL each is a round trip): every existing party the registrations
    /// name, and every idempotency key.
    fn read_ahead(&mut self, conn: &mut DbConn, work: &[Work]) -> Result<(), LedgerError> {
        let mut ids = Vec::new();
        let mut codes = Vec::new();
        let mut keys = Vec::new();
        for request in work.iter().filter_map(|w| match w {
            Work::Run(request) => Some(request),
            Work::Checkpoint(_) => None,
        }) {
            if let (Some(actor), Some(key)) = (request.principal.actor(), &request.idempotency) {
                keys.push((actor.id.as_str(), key.key.as_str()));
            }
            if let Command::RegisterContract(c) = &request.command {
                for party in [&c.seller, &c.buyer] {
                    match party {
                        PartyRef::Id(id) => ids.push(id.as_str()),
                        PartyRef::CreditCode(code) => codes.push(code.as_str()),
                        PartyRef::Inline(new) => {
                            codes.extend(new.credit_code.as_ref().map(|c| c.as_str()))
                        }
                    }
                }
            }
        }
        if !ids.is_empty() || !codes.is_empty() {
            for row in party_rows::by_ids_or_codes(conn, &ids, &codes)? {
                self.pending.remember_party(PartyState::from_row(row)?);
            }
        }
        if !keys.is_empty() {
            let known = idempotency::read_many(conn, &keys)?;
            self.pending.know_keys(known);
        }
        Ok(())
    }

    /// One request: a replay when its idempotency key was answered before; otherwise run in
    /// its own savepoint (rolled back after a dry run), unless it writes nothing to the
    /// database before the commit (see [`writes_only_in_memory`]) — then the transaction's
    /// in-memory writes are its only trace, and the writer takes them back on failure. A
    /// savepoint and its release are two round trips on PostgreSQL.
    fn run_request(
        &mut self,
        conn: &mut DbConn,
        head: &mut ChainHead,
        request: &Request,
    ) -> Result<Outcome, LedgerError> {
        let key = request
            .principal
            .actor()
            .map(|a| a.id.as_str())
            .zip(request.idempotency.as_ref());
        if let Some((user, key)) = key
            && let Some(stored) = idempotency::find(conn, &self.pending, user, key)?
        {
            return Ok(stored);
        }
        let outcome = if writes_only_in_memory(request, self.fault.load(Ordering::SeqCst)) {
            let mut tx = self.tx(conn, head, &request.principal);
            tx.historical = request.historical;
            tx.confirm_duplicates = request.confirm_duplicate;
            tx.in_savepoint = false;
            dispatch(&mut tx, &request.command)?
        } else {
            self.run_in_savepoint(conn, head, request)?
        };
        if let Some((user, key)) = key {
            idempotency::store(&mut self.pending, user, key, &outcome, crate::time::now())?;
        }
        Ok(outcome)
    }

    fn run_in_savepoint(
        &mut self,
        conn: &mut DbConn,
        head: &mut ChainHead,
        request: &Request,
    ) -> Result<Outcome, LedgerError> {
        let result = conn.transaction::<Outcome, JobError, _>(|conn| {
            let outcome = if let Command::RotateKey { keep_retired } = request.command {
                if request.dry_run {
                    return Err(JobError::Failed(LedgerError::invalid(
                        "dry_run",
                        "a key rotation cannot be rehearsed",
                        "密钥轮换不能试运行",
                    )));
                }
                self.rotate(conn, head, &request.principal, keep_retired)?
            } else {
                let mut tx = self.tx(conn, head, &request.principal);
                tx.historical = request.historical;
                tx.confirm_duplicates = request.confirm_duplicate;
                tx.confirm_duplicates = request.confirm_duplicate;
                tx.dry_run = request.dry_run;
                dispatch(&mut tx, &request.command)?
            };
            if request.dry_run {
                return Err(JobError::DryRun(Box::new(outcome)));
            }
            Ok(outcome)
        });
        match result {
            Ok(outcome) => Ok(outcome),
            Err(JobError::DryRun(outcome)) => Ok(*outcome),
            Err(JobError::Failed(e)) => Err(e),
        }
    }

    /// A new audit signing key takes over: stored (not yet current on disk), endorsed by the
    /// key it replaces, announced by an entry it signs itself. The key pointer moves and the old
    /// key leaves the key directory only after the commit ([`finish_rotations`]).
    fn rotate(
        &mut self,
        conn: &mut DbConn,
        head: &mut ChainHead,
        principal: &Principal,
        keep_retired: bool,
    ) -> Result<Outcome, LedgerError> {
        keys::may_rotate(&self.tx(conn, head, principal))?;
        let fresh = KeyPair::generate();
        self.keystore
            .save(KeyPurpose::Audit, &fresh)
            .map_err(|e| LedgerError::Storage(e.to_string()))?;
        let old = std::mem::replace(self.signer, fresh.clone());
        let mut tx = self.tx(conn, head, principal);
        match keys::register(&mut tx, &fresh, Some(&old)) {
            Ok(outcome) => {
                self.rotations.push(Rotated {
                    old,
                    new_kid: fresh.kid().to_string(),
                    keep_retired,
                });
                Ok(outcome)
            }
            Err(e) => {
                *self.signer = old;
                let _ = self.keystore.retire(KeyPurpose::Audit, fresh.kid(), false);
                Err(e)
            }
        }
    }
}

/// A registration whose parties exist, other than a dry run, reads the database but writes
/// nothing to it before the commit: its rows, rollups, counter and idempotency key wait in
/// [`Pending`]. (A fault injected for tests inserts its audit entry at once, so it needs the
/// savepoint; a registration with an inline party may create that party.)
fn writes_only_in_memory(request: &Request, fault_armed: bool) -> bool {
    let existing = |p: &PartyRef| matches!(p, PartyRef::Id(_) | PartyRef::CreditCode(_));
    !fault_armed
        && !request.dry_run
        && matches!(&request.command, Command::RegisterContract(c) if existing(&c.seller) && existing(&c.buyer))
}

fn dispatch(tx: &mut Tx<'_>, command: &Command) -> Result<Outcome, LedgerError> {
    match command {
        Command::CreateUser(c) => users::create(tx, c),
        Command::UpdateUser(c) => users::update(tx, c),
        Command::SignUp(c) => users::sign_up(tx, c),
        Command::ActivateApplicant { id } => users::activate(tx, id),
        Command::CreateParty(c) => parties::create(tx, c),
        Command::UpdateParty(c) => parties::update(tx, c),
        Command::RegisterContract(c) => contracts::register(tx, c),
        Command::AmendContract(c) => contracts::amend(tx, c),
        Command::ApproveContract { id, version } => contracts::approve(tx, id, *version),
        Command::RefuseContract { id, reason } => contracts::refuse(tx, id, reason),
        Command::VoidContract { id, reason } => contracts::void(tx, id, reason),
        Command::ReviewContract { id, verdict, note } => reviews::review(tx, id, *verdict, note),
        Command::Import(c) => imports::import(tx, c),
        Command::Cosign(c) => cosign::cosign(tx, c),
        Command::Submit(d) => submissions::submit(tx, d),
        Command::Resubmit { id, draft } => submissions::resubmit(tx, id, draft),
        Command::DecideSubmission {
            id,
            version,
            decision,
        } => submissions::decide(tx, id, *version, decision),
        Command::RotateKey { .. } => Err(LedgerError::Storage(
            "key rotation is handled by the writer".into(),
        )),
    }
}
