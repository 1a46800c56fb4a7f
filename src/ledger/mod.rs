//! The ONE write path. Every state change is a [`Command`] executed by the writer thread in a
//! single database transaction that validates, writes the append-only rows, updates the
//! projections and rollups, and appends exactly one signed audit entry per change — or does
//! nothing at all. HTTP handlers, the CLI, imports and the demo generator all come through
//! [`Ledger::execute`]; the functions that write ledger tables are private to this module.
//!
//! One writer thread per process owns the write connection and takes commands from a queue;
//! it commits everything queued (up to `group_commit_max`) in one transaction, each command in
//! its own savepoint (or none, for a registration that writes nothing before the commit), and
//! answers each caller only after the commit. Across processes, the locked chain-head row
//! keeps one chain.
//!
//! What a transaction writes waits in memory (module `pending`) until the commit, or until a
//! command that could read it: the append-only rows, the summed rollup deltas, the counters,
//! the idempotency answers. Audit entries are hashed as they are made and signed together at
//! that point, on every core. On PostgreSQL, where each statement is a network round trip, all
//! of it goes in one statement (module `one_statement`), and what the queued commands will read
//! (parties, idempotency keys) is read in one statement when the transaction starts.

mod approval;
mod command;
mod contracts;
mod cosign;
mod duplicates;
mod error;
mod headroom;
mod idempotency;
mod imports;
mod keys;
mod one_statement;
mod parties;
mod pending;
pub mod projection;
mod reviews;
mod submissions;
pub(crate) mod text;
mod tx;
mod users;
mod writer;

pub use command::{
    Command, ContractAmendment, ContractParticulars, ImportCommand, ImportRow, NewContract,
    NewParty, NewUser, PartyRef, PartyUpdate, RowReport, UserUpdate, has_technical_split,
};
pub use cosign::Cosignature;
pub use error::{FieldError, LedgerError};
pub use submissions::{Decision, SubmissionDraft};
pub use users::check_fields as user_field_rules;
pub use writer::{Ledger, LedgerMetrics, LedgerSettings, StartError};

use serde::{Deserialize, Serialize};

use crate::domain::{OfficeCode, Role};

/// A signed-in user acting on the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// User id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Office (registrars).
    pub office: Option<OfficeCode>,
}

/// On whose behalf a command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The system itself: first start, key registration, the operator's shell.
    System,
    /// Someone who is not signed in (the public sign-up page): may only sign up.
    Public,
    /// A user.
    User(Actor),
}

impl Principal {
    /// The user, if any.
    pub fn actor(&self) -> Option<&Actor> {
        match self {
            Principal::System | Principal::Public => None,
            Principal::User(a) => Some(a),
        }
    }
}

/// What a committed command answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// seq of the audit entry that recorded the (main) change.
    pub audit_seq: i64,
    /// Whether a record was created (HTTP 201) rather than changed (200).
    pub created: bool,
    /// The resulting record, in its wire form.
    pub body: serde_json::Value,
    /// True when this is the stored answer to an earlier request with the same idempotency key.
    #[serde(skip)]
    pub replayed: bool,
}

/// An idempotency key with the hash of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The client's key.
    pub key: String,
    /// SHA-256 of method, path and body.
    pub request_hash: String,
}

/// A command with its context.
#[derive(Debug, Clone)]
pub struct Request {
    /// On whose behalf.
    pub principal: Principal,
    /// What to do.
    pub command: Command,
    /// Retry safety.
    pub idempotency: Option<IdempotencyKey>,
    /// Validate and compute everything, then roll back: the answer a real run would give,
    /// with nothing written.
    pub dry_run: bool,
    /// The operator's shell (never HTTP) loading registrations made before techledger: a
    /// contract may then carry its historical registration time.
    pub historical: bool,
    /// The caller saw the duplicate warning and registers anyway: a contract like a live one
    /// (same parties, type, amounts, signing date), or a file imported before.
    pub confirm_duplicate: bool,
}

impl Request {
    /// A plain request.
    pub fn new(principal: Principal, command: Command) -> Request {
        Request {
            principal,
            command,
            idempotency: None,
            dry_run: false,
            historical: false,
            confirm_duplicate: false,
        }
    }
}
