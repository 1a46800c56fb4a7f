//! The context a command runs in: the open transaction, the locked chain head and the signer.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDateTime;
use diesel::RunQueryDsl;
use serde_json::Value;

use super::pending::{Mark, Pending, RowsToInsert};
use super::{Actor, LedgerError, LedgerSettings, Principal};
use crate::audit::chain::{self, ChainHead, EntryDraft};
use crate::audit::entry::{ActorRef, EntityRef};
use crate::audit::keys::KeyPair;
use crate::db::DbConn;
use crate::db::models::parties::PartyRow;
use crate::db::schema::audit_entries;
use crate::domain::Role;
use crate::records::PartyState;

/// Where an entry will stand in the chain, known before its rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    /// The seq the entry will get.
    pub seq: i64,
    /// Its time.
    pub at: NaiveDateTime,
}

/// What a change's write function gets: the connection, and the writes kept until commit.
pub(super) struct Writes<'w> {
    /// The open transaction (None while an import lends it to its inserter thread).
    conn: Option<&'w mut DbConn>,
    /// Set when the connection was wanted while lent.
    wanted: &'w mut bool,
    /// Rollup deltas and registration counters, written just before the commit.
    pub pending: &'w mut Pending,
}

impl Writes<'_> {
    /// The open transaction.
    pub fn conn(&mut self) -> Result<&mut DbConn, LedgerError> {
        lent_or(self.conn.as_deref_mut(), self.wanted)
    }

    /// The next value of a registration counter (read from the database the first time).
    pub fn next_counter(&mut self, office: &str, year: i32) -> Result<i32, LedgerError> {
        let Writes {
            conn,
            wanted,
            pending,
        } = self;
        pending.next_counter(office, year, || lent_or(conn.as_deref_mut(), wanted))
    }

    /// The turnover of `year` as it stands in this transaction, fen.
    pub fn year_turnover(&mut self, year: i32) -> Result<i128, LedgerError> {
        let Writes {
            conn,
            wanted,
            pending,
        } = self;
        pending.year_turnover(year, || lent_or(conn.as_deref_mut(), wanted))
    }
}

/// The connection, or the error that tells an import to take it back from its inserter and
/// run the row again: a registration reaches for the connection before it writes anything to
/// the database, and the import puts back what it wrote in memory (`Tx::restore`).
fn lent_or<'c>(
    conn: Option<&'c mut DbConn>,
    wanted: &mut bool,
) -> Result<&'c mut DbConn, LedgerError> {
    conn.ok_or_else(|| {
        *wanted = true;
        LedgerError::Storage("the connection is lent to the import's inserter".into())
    })
}

/// A running command.
pub(super) struct Tx<'a> {
    /// The open transaction (None while an import lends it to its inserter thread).
    conn: Option<&'a mut DbConn>,
    /// Set when the connection was wanted while lent.
    pub conn_wanted: bool,
    pending: &'a mut Pending,
    head: &'a mut ChainHead,
    signer: &'a KeyPair,
    pub principal: &'a Principal,
    pub settings: &'a LedgerSettings,
    fault: &'a AtomicBool,
    pub now: NaiveDateTime,
    /// Historical registration times are allowed (the operator's shell).
    pub historical: bool,
    /// The command will be rolled back (a dry run): report everything, refuse nothing early.
    pub dry_run: bool,
    /// Set when a change starts writing: a command refused before that left nothing behind.
    pub wrote: bool,
    /// The command runs in its own savepoint (a command without one must not write to the
    /// database before the commit, so an injected fault waits for one that has).
    pub in_savepoint: bool,
    /// Things the caller should know that did not stop the command (an inline party matched
    /// on its credit code under another name).
    pub warnings: Vec<super::FieldError>,
    /// Duplicates are confirmed (see `duplicates`).
    pub confirm_duplicates: bool,
    /// The live contracts an import checks its rows against (None: ask the database).
    pub known_contracts: Option<super::duplicates::Known>,
}

impl<'a> Tx<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        conn: &'a mut DbConn,
        pending: &'a mut Pending,
        head: &'a mut ChainHead,
        signer: &'a KeyPair,
        principal: &'a Principal,
        settings: &'a LedgerSettings,
        fault: &'a AtomicBool,
    ) -> Tx<'a> {
        Tx {
            conn: Some(conn),
            conn_wanted: false,
            pending,
            head,
            signer,
            principal,
            settings,
            fault,
            now: crate::time::now(),
            historical: false,
            dry_run: false,
            wrote: false,
            in_savepoint: true,
            warnings: Vec::new(),
            confirm_duplicates: false,
            known_contracts: None,
        }
    }

    /// Records one change: `write` gets the stamp of the audit entry to come, writes the
    /// change's rows and returns the entity id, the payload and its own result; then the
    /// entry is appended. One call, one entry — the shape makes "every change has exactly one
    /// audit entry" hold by construction.
    pub fn change<T>(
        &mut self,
        action: &'static str,
        entity: &'static str,
        write: impl FnOnce(&mut Writes<'_>, Stamp) -> Result<(String, Value, T), LedgerError>,
    ) -> Result<(T, Stamp), LedgerError> {
        let stamp = Stamp {
            seq: self.head.seq + 1,
            at: self.now,
        };
        self.wrote = true;
        let (entity_id, payload, result) = write(
            &mut Writes {
                conn: self.conn.as_deref_mut(),
                wanted: &mut self.conn_wanted,
                pending: self.pending,
            },
            stamp,
        )?;
        let actor = self.principal.actor().map(|a| ActorRef {
            id: a.id.clone(),
            username: a.username.clone(),
            role: a.role.code().to_string(),
        });
        let entry = chain::seal(
            self.head,
            self.signer,
            EntryDraft {
                at: stamp.at,
                actor,
                action,
                entity: EntityRef {
                    kind: entity.to_string(),
                    id: entity_id,
                },
                payload,
            },
        )?;
        if self.in_savepoint && self.fault.swap(false, Ordering::SeqCst) {
            // Stands for a failure after the entry reached the database: insert it, then fail;
            // the command's savepoint must take it back out.
            let row = entry.sign(self.signer)?;
            crate::on_backend!(self.conn()?, c => diesel::insert_into(audit_entries::table).values(&row).execute(c))?;
            return Err(LedgerError::Storage(
                "injected fault after the audit insert".into(),
            ));
        }
        self.pending.defer_audit(entry, self.signer)?;
        Ok((result, stamp))
    }

    /// The acting user, refusing the system and any role not in `roles`.
    pub fn require(
        &self,
        roles: &[Role],
        what_en: &str,
        what_zh: &str,
    ) -> Result<&'a Actor, LedgerError> {
        match self.principal {
            Principal::User(actor) if roles.contains(&actor.role) => Ok(actor),
            _ => Err(LedgerError::forbidden(
                format!("your role may not {what_en}"),
                format!("您的角色无权{what_zh}"),
            )),
        }
    }

    /// The party with `id`, read once per transaction.
    pub fn party_by_id(&mut self, id: &str) -> Result<Option<PartyState>, LedgerError> {
        if let Some(p) = self.pending.party(id) {
            return Ok(Some(p.clone()));
        }
        let row = crate::db::models::parties::by_id(self.conn()?, id)?;
        self.remember(row)
    }

    /// The party with `credit_code`, read once per transaction.
    pub fn party_by_code(&mut self, credit_code: &str) -> Result<Option<PartyState>, LedgerError> {
        if let Some(p) = self.pending.party_with_code(credit_code) {
            return Ok(Some(p.clone()));
        }
        let row = crate::db::models::parties::by_credit_code(self.conn()?, credit_code)?;
        self.remember(row)
    }

    fn remember(&mut self, row: Option<PartyRow>) -> Result<Option<PartyState>, LedgerError> {
        let Some(row) = row else { return Ok(None) };
        let party = PartyState::from_row(row)?;
        self.pending.remember_party(party.clone());
        Ok(Some(party))
    }

    /// A party is about to change: later reads in this transaction must not see it as it was.
    pub fn forget_party(&mut self, id: &str) {
        self.pending.forget_party(id);
    }

    /// The open transaction.
    pub fn conn(&mut self) -> Result<&mut DbConn, LedgerError> {
        lent_or(self.conn.as_deref_mut(), &mut self.conn_wanted)
    }

    /// The turnover of `year` as it stands in this transaction, fen.
    pub fn year_turnover(&mut self, year: i32) -> Result<i128, LedgerError> {
        let Tx {
            conn,
            conn_wanted,
            pending,
            ..
        } = self;
        pending.year_turnover(year, || lent_or(conn.as_deref_mut(), conn_wanted))
    }

    /// Lends the connection out (an import's inserter thread); until it is given back, a
    /// command that needs it fails with `conn_wanted` set.
    pub fn lend_conn(&mut self) -> Option<&'a mut DbConn> {
        self.conn.take()
    }

    /// Takes the lent connection back.
    pub fn give_back_conn(&mut self, conn: &'a mut DbConn) {
        self.conn = Some(conn);
        self.conn_wanted = false;
    }

    /// How many rows wait in memory.
    pub fn rows_waiting(&self) -> usize {
        self.pending.rows_waiting()
    }

    /// The waiting rows, taken out to be inserted elsewhere. Only for a command that started
    /// with none waiting (the writer sees to that for imports), so that its savepoint holds
    /// exactly the rows it wrote.
    pub fn take_rows_to_insert(&mut self) -> RowsToInsert {
        self.pending.take_rows_to_insert()
    }

    /// Where the command stands: to run a row again as if it had not run.
    pub fn snapshot(&self) -> (Mark, ChainHead) {
        (self.pending.mark(), self.head.clone())
    }

    /// Back to a snapshot taken in this command.
    pub fn restore(&mut self, (mark, head): (Mark, ChainHead)) {
        self.pending.rollback(mark);
        *self.head = head;
    }

    /// The id and number of a contract this transaction registered but has not written yet
    /// that matches `wanted`.
    pub fn pending_contract(
        &self,
        wanted: impl Fn(&crate::db::models::contracts::ContractRow) -> bool,
    ) -> Option<(String, Option<String>)> {
        self.pending.find_contract(wanted)
    }

    /// The user id for audit columns (None for the system).
    pub fn actor_id(&self) -> Option<String> {
        self.principal.actor().map(|a| a.id.clone())
    }
}
