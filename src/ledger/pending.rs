//! Writes a transaction keeps in memory until just before it commits: the rollup deltas
//! (summed, so a batch of commands touches each rollup row once), the registration counters
//! (read once per office and year), and the append-only rows of the changes — audit entries,
//! contracts, contract versions, amount entries — inserted many to a statement, because on
//! PostgreSQL a write transaction costs one network round trip per statement. Every change is
//! logged so that a command that fails inside its savepoint can take its own part back out.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::projection::{Delta, PartyKey, RollupKey};
use crate::audit::chain::AuditRow;
use crate::db::DbConn;
use crate::db::models::contracts::{ContractRow, ContractVersionRow};
use crate::db::models::rollups::{AmountEntryRow, PartyRollupRow, RollupRow};
use crate::db::schema::{
    amount_entries, audit_entries, contract_versions, contracts, party_rollups,
    registration_counters, rollups,
};
use crate::records::PartyState;

/// A counter's key: (office code, year).
type CounterKey = (String, i32);

/// The in-memory writes of one transaction.
#[derive(Debug, Default)]
pub(super) struct Pending {
    rollups: Vec<(RollupKey, Delta)>,
    party: Vec<(PartyKey, Delta)>,
    /// Current value of each counter touched, and whether its row exists in the database.
    counters: HashMap<CounterKey, (i32, bool)>,
    /// Undo log of the counters: the value before each change (None: not loaded before).
    counter_log: Vec<(CounterKey, Option<(i32, bool)>)>,
    /// Parties read by credit code in this transaction (imports name the same parties again
    /// and again), with the order they were remembered in, to forget them on rollback.
    parties: HashMap<String, PartyState>,
    party_log: Vec<String>,
    rows: Rows,
}

/// Append-only rows not inserted yet. Nothing in a transaction reads them back before they are
/// written: the writer writes them before every command other than a registration, and a
/// registration reads none of these tables.
#[derive(Debug, Default)]
struct Rows {
    audit: Vec<AuditRow>,
    contracts: Vec<ContractRow>,
    versions: Vec<ContractVersionRow>,
    amounts: Vec<AmountEntryRow>,
}

impl Rows {
    fn len(&self) -> usize {
        self.audit.len() + self.contracts.len() + self.versions.len() + self.amounts.len()
    }
}

/// A point to roll the pending writes back to.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark {
    rollups: usize,
    party: usize,
    counter_log: usize,
    party_log: usize,
    audit: usize,
    contracts: usize,
    versions: usize,
    amounts: usize,
}

/// Rows per statement on PostgreSQL: well under its 65,535 bind parameters for the widest row
/// (contracts, 29 columns).
const ROWS_PER_STATEMENT: usize = 500;

/// Runs `$statement` over `$rows`: on PostgreSQL with `$values` a chunk of many rows (each
/// statement is a round trip); on SQLite with `$values` one row, because a single-row statement
/// stays prepared, SQLite has no round trips to save, and diesel has no multi-row upsert there.
macro_rules! in_statements {
    ($conn:expr, $rows:expr, |$c:ident, $values:ident| $statement:expr) => {
        match $conn {
            DbConn::Postgres($c) => {
                for $values in $rows.chunks(ROWS_PER_STATEMENT) {
                    $statement?;
                }
            }
            DbConn::Sqlite($c) => {
                for $values in $rows.iter() {
                    $statement?;
                }
            }
        }
    };
}

impl Pending {
    /// The current point.
    pub fn mark(&self) -> Mark {
        Mark {
            rollups: self.rollups.len(),
            party: self.party.len(),
            counter_log: self.counter_log.len(),
            party_log: self.party_log.len(),
            audit: self.rows.audit.len(),
            contracts: self.rows.contracts.len(),
            versions: self.rows.versions.len(),
            amounts: self.rows.amounts.len(),
        }
    }

    /// Keeps an audit entry to insert.
    pub fn defer_audit(&mut self, row: AuditRow) {
        self.rows.audit.push(row);
    }

    /// Keeps a new contract to insert.
    pub fn defer_contract(&mut self, row: ContractRow) {
        self.rows.contracts.push(row);
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

    /// Inserts the waiting rows, in the order their foreign keys need.
    pub fn flush_rows(&mut self, conn: &mut DbConn) -> QueryResult<()> {
        let rows = std::mem::take(&mut self.rows);
        in_statements!(conn, rows.audit, |c, v| diesel::insert_into(
            audit_entries::table
        )
        .values(v)
        .execute(c));
        in_statements!(conn, rows.contracts, |c, v| diesel::insert_into(
            contracts::table
        )
        .values(v)
        .execute(c));
        in_statements!(conn, rows.versions, |c, v| diesel::insert_into(
            contract_versions::table
        )
        .values(v)
        .execute(c));
        in_statements!(conn, rows.amounts, |c, v| diesel::insert_into(
            amount_entries::table
        )
        .values(v)
        .execute(c));
        Ok(())
    }

    /// A party already read by its credit code in this transaction.
    pub fn party(&self, credit_code: &str) -> Option<&PartyState> {
        self.parties.get(credit_code)
    }

    /// Remembers a party read by its credit code.
    pub fn remember_party(&mut self, credit_code: &str, party: PartyState) {
        if self
            .parties
            .insert(credit_code.to_string(), party)
            .is_none()
        {
            self.party_log.push(credit_code.to_string());
        }
    }

    /// Forgets everything recorded after `mark`.
    pub fn rollback(&mut self, mark: Mark) {
        self.rollups.truncate(mark.rollups);
        self.party.truncate(mark.party);
        // Rows flushed since the mark (an import writes its own rows as it goes) are undone by
        // the command's savepoint; truncating to a longer length is a no-op.
        self.rows.audit.truncate(mark.audit);
        self.rows.contracts.truncate(mark.contracts);
        self.rows.versions.truncate(mark.versions);
        self.rows.amounts.truncate(mark.amounts);
        // A party read after the mark may have been created after it, and is gone now.
        for code in self.party_log.drain(mark.party_log..) {
            self.parties.remove(&code);
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
        self.rollups.extend(rollups);
        self.party.extend(party);
    }

    /// Takes the next value of the registration counter of `office` in `year`.
    pub fn next_counter(&mut self, conn: &mut DbConn, office: &str, year: i32) -> QueryResult<i32> {
        let key = (office.to_string(), year);
        let current = match self.counters.get(&key) {
            Some(v) => Some(*v),
            None => {
                let stored: Option<i32> = registration_counters::table
                    .filter(registration_counters::office.eq(office))
                    .filter(registration_counters::year.eq(year))
                    .select(registration_counters::last_seq)
                    .first(conn)
                    .optional()?;
                Some(stored.map_or((0, false), |v| (v, true)))
            }
        };
        let before = self.counters.get(&key).copied();
        let (value, exists) = current.unwrap_or((0, false));
        self.counter_log.push((key.clone(), before));
        self.counters.insert(key, (value + 1, exists));
        Ok(value + 1)
    }

    /// Writes everything to the database and starts over.
    pub fn flush(&mut self, conn: &mut DbConn) -> QueryResult<()> {
        self.flush_rows(conn)?;
        let mut rollup_sums: BTreeMap<RollupKey, Delta> = BTreeMap::new();
        for (key, d) in self.rollups.drain(..) {
            add(rollup_sums.entry(key).or_default(), &d);
        }
        let mut party_sums: BTreeMap<PartyKey, Delta> = BTreeMap::new();
        for (key, d) in self.party.drain(..) {
            add(party_sums.entry(key).or_default(), &d);
        }
        // One upsert per table (on PostgreSQL each statement is a round trip): a new row
        // takes the delta, an existing one adds it.
        let rollup_rows: Vec<RollupRow> = rollup_sums
            .into_iter()
            .filter(|(_, d)| *d != [0; 4])
            .map(|((year, month, dimension, key), d)| RollupRow {
                year,
                month,
                dimension: dimension.to_string(),
                key,
                turnover_fen: d[0],
                technical_fen: d[1],
                contracts: d[2],
                introduced: d[3],
            })
            .collect();
        in_statements!(conn, rollup_rows, |c, v| diesel::insert_into(
            rollups::table
        )
        .values(v)
        .on_conflict((
            rollups::year,
            rollups::month,
            rollups::dimension,
            rollups::key
        ))
        .do_update()
        .set((
            rollups::turnover_fen.eq(rollups::turnover_fen + excluded(rollups::turnover_fen)),
            rollups::technical_fen.eq(rollups::technical_fen + excluded(rollups::technical_fen)),
            rollups::contracts.eq(rollups::contracts + excluded(rollups::contracts)),
            rollups::introduced.eq(rollups::introduced + excluded(rollups::introduced)),
        ))
        .execute(c));
        let party_rows: Vec<PartyRollupRow> = party_sums
            .into_iter()
            .filter(|(_, d)| *d != [0; 4])
            .map(|((year, side, party_id), d)| PartyRollupRow {
                year,
                side: side.to_string(),
                party_id,
                turnover_fen: d[0],
                technical_fen: d[1],
                contracts: d[2],
            })
            .collect();
        in_statements!(conn, party_rows, |c, v| diesel::insert_into(
            party_rollups::table
        )
        .values(v)
        .on_conflict((
            party_rollups::year,
            party_rollups::side,
            party_rollups::party_id
        ))
        .do_update()
        .set((
            party_rollups::turnover_fen
                .eq(party_rollups::turnover_fen + excluded(party_rollups::turnover_fen)),
            party_rollups::technical_fen
                .eq(party_rollups::technical_fen + excluded(party_rollups::technical_fen)),
            party_rollups::contracts
                .eq(party_rollups::contracts + excluded(party_rollups::contracts)),
        ))
        .execute(c));
        for ((office, year), (value, exists)) in self.counters.drain() {
            if exists {
                diesel::update(
                    registration_counters::table
                        .filter(registration_counters::office.eq(&office))
                        .filter(registration_counters::year.eq(year)),
                )
                .set(registration_counters::last_seq.eq(value))
                .execute(conn)?;
            } else {
                diesel::insert_into(registration_counters::table)
                    .values((
                        registration_counters::office.eq(&office),
                        registration_counters::year.eq(year),
                        registration_counters::last_seq.eq(value),
                    ))
                    .execute(conn)?;
            }
        }
        self.counter_log.clear();
        Ok(())
    }
}

fn add(total: &mut Delta, delta: &Delta) {
    for (t, d) in total.iter_mut().zip(delta) {
        *t += d;
    }
}
