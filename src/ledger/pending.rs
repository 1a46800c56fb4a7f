//! Writes a transaction keeps in memory until just before it commits: the rollup deltas
//! (summed, so a batch of commands touches each rollup row once), the registration counters
//! (read once per office and year), and the append-only rows of the changes — audit entries,
//! contracts, contract versions, amount entries — inserted many to a statement, because on
//! PostgreSQL a write transaction costs one network round trip per statement. Every change is
//! logged so that a command that fails inside its savepoint can take its own part back out.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use diesel::prelude::*;
use serde::Serialize;

use super::LedgerError;
use super::idempotency::{KeyId, KeyRow, Known};
use super::one_statement::{OnConflict, OneStatement};
use super::projection::{Delta, PartyKey, RollupKey};
use crate::audit::chain::{self, AuditRow, ChainHead, UnsignedEntry};
use crate::audit::keys::KeyPair;
use crate::audit::merkle::Frontier;
use crate::audit::signing;
use crate::audit::tlog::{self, HashRow};
use crate::db::models::contracts::{ContractDetailsRow, ContractRow, ContractVersionRow};
use crate::db::models::rollups::{AmountEntryRow, PartyRollupRow, RollupRow};
use crate::db::schema::{
    amount_entries, audit_entries, contract_details, contract_versions, contracts,
    idempotency_keys, registration_counters, rollups,
};
use crate::db::{DbConn, KeptPrepared};
use crate::records::PartyState;

/// A counter's key: (office code, year).
type CounterKey = (String, i32);

/// The in-memory writes of one transaction.
#[derive(Debug, Default)]
pub(super) struct Pending {
    rollups: Vec<(RollupKey, Delta)>,
    party: Vec<(PartyKey, Delta)>,
    /// Current value of each counter touched (written by an upsert: the row may not exist).
    counters: HashMap<CounterKey, i32>,
    /// Undo log of the counters: the value before each change (None: not loaded before).
    counter_log: Vec<(CounterKey, Option<i32>)>,
    /// Parties read in this transaction, by id (the writer reads every party its queued
    /// registrations name in one statement; imports name the same parties again and again),
    /// with the ids in the order they were remembered, to forget them on rollback.
    parties: HashMap<String, PartyState>,
    /// Credit code → id of the parties above.
    party_codes: HashMap<String, String>,
    party_log: Vec<String>,
    rows: Rows,
    /// The keys the waiting audit entries are to be signed with.
    signers: Vec<KeyPair>,
    /// Idempotency keys read when the transaction started or inserted since: (user id, key)
    /// → (request hash, answer), None when the database has none.
    keys_known: HashMap<KeyId, Known>,
    /// The Merkle tree's frontier after the entries appended so far.
    tree: Option<Frontier>,
    /// The ledger does not maintain the tree (`bench_hooks`): entries are appended without.
    without_tree: bool,
    /// Each year's turnover as stored when the transaction first looked (fen).
    stored_turnover: HashMap<i32, i128>,
    /// What this transaction's commands add to each year's turnover (fen): the `total` rollup
    /// deltas in `rollups`, summed as they come and taken back out on rollback.
    added_turnover: HashMap<i32, i128>,
}

/// Append-only rows not inserted yet. Nothing in a transaction reads them back before they are
/// written: the writer writes them before every command other than a registration, and a
/// registration reads none of these tables.
#[derive(Debug, Default)]
struct Rows {
    audit: Vec<UnsignedEntry>,
    contracts: Vec<ContractRow>,
    details: Vec<ContractDetailsRow>,
    versions: Vec<ContractVersionRow>,
    amounts: Vec<AmountEntryRow>,
    keys: Vec<KeyRow>,
    /// The Merkle tree's new stored hashes.
    tree: Vec<HashRow>,
}

impl Rows {
    fn len(&self) -> usize {
        self.audit.len()
            + self.contracts.len()
            + self.details.len()
            + self.versions.len()
            + self.amounts.len()
            + self.keys.len()
            + self.tree.len()
    }
}

/// Rows taken out of a transaction's memory, with the keys to sign their audit entries.
#[derive(Debug)]
pub(super) struct RowsToInsert {
    rows: Rows,
    signers: Vec<KeyPair>,
    /// The audit entries, once signed ahead of the insert (they come before any left in
    /// `rows`).
    signed: Vec<AuditRow>,
}

impl RowsToInsert {
    /// Signs the audit entries now, on this thread (an import signs on its building thread,
    /// which has time to spare while another inserts).
    pub fn sign_here(&mut self) -> Result<(), LedgerError> {
        let unsigned = std::mem::take(&mut self.rows.audit);
        self.signed
            .extend(chain::sign_all(unsigned, &self.signers, 1)?);
        Ok(())
    }

    /// Inserts them, signing the audit entries not signed yet: on PostgreSQL on every core,
    /// then one statement; on SQLite on the signing thread while the other rows are inserted
    /// (nothing references the audit entries, so they go in last). The other rows are only
    /// read: an import hands them back to the thread that made them, to free them there (the
    /// allocator locks when one thread frees what another allocated; an import's audit
    /// entries come signed, so none go to the signing thread).
    pub fn insert(&mut self, conn: &mut DbConn) -> Result<(), LedgerError> {
        match conn {
            DbConn::Postgres(c) => {
                let mut statement = OneStatement::default();
                self.add_to(&mut statement)?;
                statement.execute(c)?;
            }
            DbConn::Sqlite(c) => self.insert_sqlite(c, |_| Ok(()))?,
        }
        Ok(())
    }

    /// PostgreSQL: signs what is not signed yet on every core, and adds the rows to the one
    /// statement of a flush.
    fn add_to(&mut self, statement: &mut OneStatement) -> Result<(), LedgerError> {
        let unsigned = std::mem::take(&mut self.rows.audit);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.signed
            .extend(chain::sign_all(unsigned, &self.signers, cores)?);
        self.rows.add_to(statement, &self.signed)?;
        Ok(())
    }

    /// SQLite: the audit entries are signed on the signing thread while this one inserts the
    /// other rows and does `meanwhile` (a flush's upserts); they go in last.
    fn insert_sqlite(
        &mut self,
        c: &mut SqliteConnection,
        meanwhile: impl FnOnce(&mut SqliteConnection) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        let signing = signing::begin(std::mem::take(&mut self.rows.audit), &self.signers);
        let inserted = self
            .rows
            .insert_others(c)
            .map_err(LedgerError::from)
            .and_then(|()| meanwhile(c));
        let signed = signing.finish();
        inserted?;
        self.signed.extend(signed?);
        for row in &self.signed {
            diesel::insert_into(audit_entries::table)
                .values(row)
                .execute(c)?;
        }
        Ok(())
    }
}

/// A point to roll the pending writes back to.
#[derive(Debug, Clone)]
pub(super) struct Mark {
    /// The Merkle tree's frontier then.
    tree: Option<Frontier>,
    tree_rows: usize,
    rollups: usize,
    party: usize,
    counter_log: usize,
    party_log: usize,
    audit: usize,
    contracts: usize,
    details: usize,
    versions: usize,
    amounts: usize,
    keys: usize,
}

impl Rows {
    /// PostgreSQL: adds everything to the one statement of the flush (`audit`: the signed
    /// entries).
    fn add_to(&self, statement: &mut OneStatement, audit: &[AuditRow]) -> QueryResult<()> {
        statement.insert("audit_entries", audit, OnConflict::Refuse)?;
        statement.insert("contracts", &self.contracts, OnConflict::Refuse)?;
        statement.insert("contract_details", &self.details, OnConflict::Refuse)?;
        statement.insert("contract_versions", &self.versions, OnConflict::Refuse)?;
        statement.insert("amount_entries", &self.amounts, OnConflict::Refuse)?;
        statement.insert("idempotency_keys", &self.keys, OnConflict::Refuse)?;
        statement.insert("tlog_hashes", &self.tree, OnConflict::Refuse)?;
        Ok(())
    }

    /// SQLite: one prepared single-row insert each (no round trips to save there; a single-row
    /// statement stays prepared), the audit entries aside.
    fn insert_others(&self, c: &mut SqliteConnection) -> QueryResult<()> {
        for row in &self.contracts {
            diesel::insert_into(contracts::table)
                .values(row)
                .execute(c)?;
        }
        for row in &self.details {
            diesel::insert_into(contract_details::table)
                .values(row)
                .execute(c)?;
        }
        for row in &self.versions {
            diesel::insert_into(contract_versions::table)
                .values(row)
                .execute(c)?;
        }
        for row in &self.amounts {
            diesel::insert_into(amount_entries::table)
                .values(row)
                .execute(c)?;
        }
        for row in &self.keys {
            diesel::insert_into(idempotency_keys::table)
                .values(row)
                .execute(c)?;
        }
        // A registration adds two tree hashes on average: sixteen to a statement.
        upsert_in_chunks(c, self.tree.clone(), 16, tree_insert)?;
        Ok(())
    }
}

/// A rollup row adds to the stored one.
const ROLLUPS_ADD: OnConflict = OnConflict::Add {
    key: &["year", "month", "dimension", "key"],
    columns: &["turnover_fen", "technical_fen", "contracts", "introduced"],
};

/// A party rollup row adds to the stored one.
const PARTY_ROLLUPS_ADD: OnConflict = OnConflict::Add {
    key: &["year", "side", "party_id"],
    columns: &["turnover_fen", "technical_fen", "contracts"],
};

/// A registration counter replaces the stored one.
const COUNTERS_REPLACE: OnConflict = OnConflict::Replace {
    key: &["office", "year"],
    columns: &["last_seq"],
};

/// The ON CONFLICT clauses of SQLite's upserts, made once.
static ROLLUPS_ON_CONFLICT: LazyLock<String> = LazyLock::new(|| ROLLUPS_ADD.clause("rollups"));
static PARTY_ROLLUPS_ON_CONFLICT: LazyLock<String> =
    LazyLock::new(|| PARTY_ROLLUPS_ADD.clause("party_rollups"));
static COUNTERS_ON_CONFLICT: LazyLock<String> =
    LazyLock::new(|| COUNTERS_REPLACE.clause("registration_counters"));

/// A registration counter as written.
#[derive(Debug, Serialize)]
struct CounterRow {
    office: String,
    year: i32,
    last_seq: i32,
}

impl Pending {
    /// The current point.
    pub fn mark(&self) -> Mark {
        Mark {
            tree: self.tree.clone(),
            tree_rows: self.rows.tree.len(),
            rollups: self.rollups.len(),
            party: self.party.len(),
            counter_log: self.counter_log.len(),
            party_log: self.party_log.len(),
            audit: self.rows.audit.len(),
            contracts: self.rows.contracts.len(),
            details: self.rows.details.len(),
            versions: self.rows.versions.len(),
            amounts: self.rows.amounts.len(),
            keys: self.rows.keys.len(),
        }
    }

    /// Keeps an audit entry to sign with `signer` and insert, and appends it to the Merkle
    /// tree.
    pub fn defer_audit(
        &mut self,
        entry: UnsignedEntry,
        signer: &KeyPair,
    ) -> Result<(), LedgerError> {
        if !self.without_tree {
            let tree = self.tree.as_mut().ok_or_else(|| {
                LedgerError::Storage("the Merkle tree was not loaded for this transaction".into())
            })?;
            let index = tree.size();
            if u64::try_from(entry.seq()).ok() != Some(index + 1) {
                return Err(LedgerError::Storage(format!(
                    "entry {} does not follow the Merkle tree of {index} leaves",
                    entry.seq()
                )));
            }
            let hashes = tree.append(entry.leaf());
            self.rows.tree.extend(tlog::rows_for(index, hashes));
        }
        if !self.signers.iter().any(|s| s.kid() == signer.kid()) {
            self.signers.push(signer.clone());
        }
        self.rows.audit.push(entry);
        Ok(())
    }

    /// Starts the transaction's Merkle tree from the stored tree's frontier.
    pub fn start_tree(&mut self, frontier: Frontier) {
        self.tree = Some(frontier);
    }

    /// Appends entries without the Merkle tree (a ledger started by `bench_hooks`): no tree
    /// hashes, and no root to sign a checkpoint with.
    pub fn run_without_tree(&mut self) {
        self.without_tree = true;
    }

    /// The Merkle tree as the transaction leaves it.
    pub fn tree(&self) -> Option<&Frontier> {
        self.tree.as_ref()
    }

    /// The root of the Merkle tree as it stands in this transaction.
    pub fn tree_root(&self) -> Result<crate::audit::merkle::Hash, LedgerError> {
        self.tree.as_ref().map(Frontier::root).ok_or_else(|| {
            LedgerError::Storage("the Merkle tree was not loaded for this transaction".into())
        })
    }

    /// Keeps a new contract to insert.
    pub fn defer_contract(&mut self, row: ContractRow) {
        self.rows.contracts.push(row);
    }

    /// A contract waiting to be inserted that matches `wanted`: its id and number.
    pub fn find_contract(
        &self,
        wanted: impl Fn(&ContractRow) -> bool,
    ) -> Option<(String, Option<String>)> {
        self.rows
            .contracts
            .iter()
            .find(|r| wanted(r))
            .map(|r| (r.id.clone(), r.registration_no.clone()))
    }

    /// Keeps a contract's details row to insert.
    pub fn defer_details(&mut self, row: ContractDetailsRow) {
        self.rows.details.push(row);
    }

    /// Keeps a contract version to insert.
    pub fn defer_version(&mut self, row: ContractVersionRow) {
        self.rows.versions.push(row);
    }

    /// Keeps amount entries to insert.
    pub fn defer_amounts(&mut self, rows: &[AmountEntryRow]) {
        self.rows.amounts.extend_from_slice(rows);
    }

    /// How many rows wait to be inserted.
    pub fn rows_waiting(&self) -> usize {
        self.rows.len()
    }

    /// Inserts the waiting rows: one statement on PostgreSQL.
    pub fn flush_rows(&mut self, conn: &mut DbConn) -> Result<(), LedgerError> {
        self.take_rows_to_insert().insert(conn)
    }

    /// The waiting rows, taken out to be inserted elsewhere (an import inserts them on another
    /// thread while it builds the next ones).
    pub fn take_rows_to_insert(&mut self) -> RowsToInsert {
        RowsToInsert {
            rows: self.take_rows(),
            signers: self.signers.clone(),
            signed: Vec::new(),
        }
    }

    /// The waiting rows, to insert now; their idempotency keys stay known.
    fn take_rows(&mut self) -> Rows {
        let rows = std::mem::take(&mut self.rows);
        for k in &rows.keys {
            self.keys_known.insert(
                (k.user_id.clone(), k.key.clone()),
                Some((k.request_hash.clone(), k.outcome.clone())),
            );
        }
        rows
    }

    /// Keeps an idempotency key's answer to insert.
    pub fn defer_key(&mut self, row: KeyRow) {
        self.rows.keys.push(row);
    }

    /// Remembers what the database holds for idempotency keys.
    pub fn know_keys(&mut self, known: impl IntoIterator<Item = (KeyId, Known)>) {
        self.keys_known.extend(known);
    }

    /// What this transaction knows of `key` of `user` (None: it must ask the database).
    pub fn key(&self, user: &str, key: &str) -> Option<Known> {
        if let Some(row) = self
            .rows
            .keys
            .iter()
            .rev()
            .find(|r| r.user_id == user && r.key == key)
        {
            return Some(Some((row.request_hash.clone(), row.outcome.clone())));
        }
        self.keys_known
            .get(&(user.to_string(), key.to_string()))
            .cloned()
    }

    /// A party already read in this transaction, by id.
    pub fn party(&self, id: &str) -> Option<&PartyState> {
        self.parties.get(id)
    }

    /// A party already read in this transaction, by credit code.
    pub fn party_with_code(&self, credit_code: &str) -> Option<&PartyState> {
        self.party_codes
            .get(credit_code)
            .and_then(|id| self.parties.get(id))
    }

    /// Remembers a party as read from the database.
    pub fn remember_party(&mut self, party: PartyState) {
        if let Some(code) = &party.credit_code {
            self.party_codes
                .insert(code.as_str().to_string(), party.id.clone());
        }
        let id = party.id.clone();
        if self.parties.insert(id.clone(), party).is_none() {
            self.party_log.push(id);
        }
    }

    /// Forgets a party about to change, so that the next read sees the change.
    pub fn forget_party(&mut self, id: &str) {
        if let Some(party) = self.parties.remove(id)
            && let Some(code) = &party.credit_code
        {
            self.party_codes.remove(code.as_str());
        }
    }

    /// Forgets everything recorded after `mark`.
    pub fn rollback(&mut self, mark: Mark) {
        if mark.rollups < self.rollups.len() {
            for ((year, _, dimension, _), delta) in self.rollups.drain(mark.rollups..) {
                if dimension == "total" {
                    *self.added_turnover.entry(year).or_default() -= delta[0];
                }
            }
        }
        self.party.truncate(mark.party);
        // Rows flushed since the mark (an import writes its own rows as it goes) are undone by
        // the command's savepoint; truncating to a longer length is a no-op.
        self.rows.audit.truncate(mark.audit);
        self.rows.contracts.truncate(mark.contracts);
        self.rows.details.truncate(mark.details);
        self.rows.versions.truncate(mark.versions);
        self.rows.amounts.truncate(mark.amounts);
        self.rows.keys.truncate(mark.keys);
        self.rows.tree.truncate(mark.tree_rows);
        self.tree = mark.tree;
        // A party read after the mark may have been created after it, and is gone now.
        let forgotten: Vec<String> = self.party_log.drain(mark.party_log..).collect();
        for id in forgotten {
            self.forget_party(&id);
        }
        while self.counter_log.len() > mark.counter_log {
            if let Some((key, before)) = self.counter_log.pop() {
                match before {
                    Some(v) => {
                        self.counters.insert(key, v);
                    }
                    None => {
                        self.counters.remove(&key);
                    }
                }
            }
        }
    }

    /// Records rollup deltas.
    pub fn add(&mut self, rollups: BTreeMap<RollupKey, Delta>, party: BTreeMap<PartyKey, Delta>) {
        for ((year, _, dimension, _), delta) in &rollups {
            if *dimension == "total" {
                *self.added_turnover.entry(*year).or_default() += delta[0];
            }
        }
        self.rollups.extend(rollups);
        self.party.extend(party);
    }

    /// The turnover of `year` as it stands in this transaction (fen): the stored rollups, read
    /// once (`conn` is asked for only then), and what the transaction added.
    pub fn year_turnover<'c>(
        &mut self,
        year: i32,
        conn: impl FnOnce() -> Result<&'c mut DbConn, LedgerError>,
    ) -> Result<i128, LedgerError> {
        let stored = match self.stored_turnover.get(&year) {
            Some(fen) => *fen,
            None => {
                let rows: Vec<i64> = rollups::table
                    .filter(rollups::year.eq(year))
                    .filter(rollups::dimension.eq("total"))
                    .select(rollups::turnover_fen)
                    .load(conn()?)?;
                let fen = rows.into_iter().map(i128::from).sum();
                self.stored_turnover.insert(year, fen);
                fen
            }
        };
        Ok(stored + self.added_turnover.get(&year).copied().unwrap_or(0))
    }

    /// Takes the next value of the registration counter of `office` in `year`; `conn` is asked
    /// for only when the counter is not in memory yet.
    pub fn next_counter<'c>(
        &mut self,
        office: &str,
        year: i32,
        conn: impl FnOnce() -> Result<&'c mut DbConn, LedgerError>,
    ) -> Result<i32, LedgerError> {
        let key = (office.to_string(), year);
        let before = self.counters.get(&key).copied();
        let value = match before {
            Some(v) => v,
            None => registration_counters::table
                .filter(registration_counters::office.eq(office))
                .filter(registration_counters::year.eq(year))
                .select(registration_counters::last_seq)
                .get_result::<i32>(conn()?)
                .optional()?
                .unwrap_or(0),
        };
        self.counter_log.push((key.clone(), before));
        self.counters.insert(key, value + 1);
        Ok(value + 1)
    }

    /// Writes everything to the database, with the chain head when it moved, and starts over.
    /// On PostgreSQL that is one statement.
    pub fn flush(
        &mut self,
        conn: &mut DbConn,
        head: Option<&ChainHead>,
    ) -> Result<(), LedgerError> {
        let mut rows = self.take_rows_to_insert();
        let (rollup_rows, party_rows) = self.sums()?;
        let counters: Vec<(CounterKey, i32)> = self.counters.drain().collect();
        self.counter_log.clear();
        match conn {
            DbConn::Postgres(c) => {
                let mut statement = OneStatement::default();
                rows.add_to(&mut statement)?;
                statement.insert("rollups", &rollup_rows, ROLLUPS_ADD)?;
                statement.insert("party_rollups", &party_rows, PARTY_ROLLUPS_ADD)?;
                let counter_rows: Vec<CounterRow> = counters
                    .into_iter()
                    .map(|((office, year), last_seq)| CounterRow {
                        office,
                        year,
                        last_seq,
                    })
                    .collect();
                statement.insert("registration_counters", &counter_rows, COUNTERS_REPLACE)?;
                if let Some(head) = head {
                    statement.store_head(head);
                }
                statement.execute(c)?;
                Ok(())
            }
            DbConn::Sqlite(c) => {
                rows.insert_sqlite(c, |c| upsert_sqlite(c, rollup_rows, party_rows, counters))?;
                if let Some(head) = head {
                    chain::store_head(conn, head)?;
                }
                Ok(())
            }
        }
    }

    /// The rollup deltas summed per row (a batch touches each row once), zero sums left out;
    /// an error if a sum leaves the 64-bit range of the columns (the ledger refuses any change
    /// that would take a year's turnover there, and every rollup is a part of that).
    fn sums(&mut self) -> Result<(Vec<RollupRow>, Vec<PartyRollupRow>), LedgerError> {
        self.stored_turnover.clear();
        self.added_turnover.clear();
        let mut rollup_sums: BTreeMap<RollupKey, Delta> = BTreeMap::new();
        for (key, d) in self.rollups.drain(..) {
            add(rollup_sums.entry(key).or_default(), &d);
        }
        let mut party_sums: BTreeMap<PartyKey, Delta> = BTreeMap::new();
        for (key, d) in self.party.drain(..) {
            add(party_sums.entry(key).or_default(), &d);
        }
        let rollup_rows = rollup_sums
            .into_iter()
            .filter(|(_, d)| *d != [0; 4])
            .map(|((year, month, dimension, key), d)| {
                let [turnover_fen, technical_fen, contracts, introduced] = narrow(&d)?;
                Ok(RollupRow {
                    year,
                    month,
                    dimension: dimension.to_string(),
                    key,
                    turnover_fen,
                    technical_fen,
                    contracts,
                    introduced,
                })
            })
            .collect::<Result<_, LedgerError>>()?;
        let party_rows = party_sums
            .into_iter()
            .filter(|(_, d)| *d != [0; 4])
            .map(|((year, side, party_id), d)| {
                let [turnover_fen, technical_fen, contracts, _] = narrow(&d)?;
                Ok(PartyRollupRow {
                    year,
                    side: side.to_string(),
                    party_id,
                    turnover_fen,
                    technical_fen,
                    contracts,
                })
            })
            .collect::<Result<_, LedgerError>>()?;
        Ok((rollup_rows, party_rows))
    }
}

fn add(total: &mut Delta, delta: &Delta) {
    for (t, d) in total.iter_mut().zip(delta) {
        *t += d;
    }
}

/// A summed delta as the 64-bit columns hold it.
fn narrow(d: &Delta) -> Result<[i64; 4], LedgerError> {
    let mut out = [0i64; 4];
    for (o, v) in out.iter_mut().zip(d) {
        *o = i64::try_from(*v).map_err(|_| {
            LedgerError::Storage(format!("a rollup delta of {v} leaves the 64-bit range"))
        })?;
    }
    Ok(out)
}

/// SQLite: adds the sums to the rollups and party rollups and stores the counters, in
/// kept-prepared upserts (diesel would parse every upsert again each time). A registration
/// touches eight rollups and two party rollups: as many rows go in one statement, whose text is
/// then the same every time; what is left over goes in one row at a time.
fn upsert_sqlite(
    c: &mut SqliteConnection,
    rollup_rows: Vec<RollupRow>,
    party_rows: Vec<PartyRollupRow>,
    counters: Vec<(CounterKey, i32)>,
) -> Result<(), LedgerError> {
    upsert_in_chunks(c, rollup_rows, 8, rollups_upsert)?;
    upsert_in_chunks(c, party_rows, 2, party_rollups_upsert)?;
    for ((office, year), value) in counters {
        KeptPrepared::new("INSERT INTO registration_counters (office, year, last_seq) VALUES (")
            .text(office)
            .sql(", ")
            .integer(year)
            .sql(", ")
            .integer(value)
            .sql(")")
            .sql(COUNTERS_ON_CONFLICT.as_str())
            .execute(c)?;
    }
    Ok(())
}

fn upsert_in_chunks<T>(
    c: &mut SqliteConnection,
    rows: Vec<T>,
    chunk: usize,
    statement: fn(Vec<T>) -> KeptPrepared,
) -> QueryResult<()> {
    let full = rows.len() / chunk;
    let mut rows = rows.into_iter();
    for _ in 0..full {
        statement(rows.by_ref().take(chunk).collect()).execute(c)?;
    }
    for row in rows {
        statement(vec![row]).execute(c)?;
    }
    Ok(())
}

fn rollups_upsert(rows: Vec<RollupRow>) -> KeptPrepared {
    let mut statement = KeptPrepared::new(
        "INSERT INTO rollups (year, month, dimension, key, turnover_fen, technical_fen, \
         contracts, introduced) VALUES ",
    );
    for (i, r) in rows.into_iter().enumerate() {
        statement = statement
            .sql(if i == 0 { "(" } else { ", (" })
            .integer(r.year)
            .sql(", ")
            .integer(r.month)
            .sql(", ")
            .text(r.dimension)
            .sql(", ")
            .text(r.key)
            .sql(", ")
            .bigint(r.turnover_fen)
            .sql(", ")
            .bigint(r.technical_fen)
            .sql(", ")
            .bigint(r.contracts)
            .sql(", ")
            .bigint(r.introduced)
            .sql(")");
    }
    statement.sql(ROLLUPS_ON_CONFLICT.as_str())
}

fn tree_insert(rows: Vec<HashRow>) -> KeptPrepared {
    let mut statement = KeptPrepared::new("INSERT INTO tlog_hashes (id, hash) VALUES ");
    for (i, r) in rows.into_iter().enumerate() {
        statement = statement
            .sql(if i == 0 { "(" } else { ", (" })
            .bigint(r.id)
            .sql(", ")
            .binary(r.hash)
            .sql(")");
    }
    statement
}

fn party_rollups_upsert(rows: Vec<PartyRollupRow>) -> KeptPrepared {
    let mut statement = KeptPrepared::new(
        "INSERT INTO party_rollups (year, side, party_id, turnover_fen, technical_fen, \
         contracts) VALUES ",
    );
    for (i, r) in rows.into_iter().enumerate() {
        statement = statement
            .sql(if i == 0 { "(" } else { ", (" })
            .integer(r.year)
            .sql(", ")
            .text(r.side)
            .sql(", ")
            .text(r.party_id)
            .sql(", ")
            .bigint(r.turnover_fen)
            .sql(", ")
            .bigint(r.technical_fen)
            .sql(", ")
            .bigint(r.contracts)
            .sql(")");
    }
    statement.sql(PARTY_ROLLUPS_ON_CONFLICT.as_str())
}
