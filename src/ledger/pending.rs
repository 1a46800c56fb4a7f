//! Writes a transaction keeps in memory until just before it commits: the rollup deltas
//! (summed, so a batch of commands touches each rollup row once) and the registration
//! counters (read once per office and year). Every change is logged so that a command or an
//! import row that fails inside its savepoint can take its own part back out.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use super::projection::{Delta, PartyKey, RollupKey};
use crate::db::DbConn;
use crate::db::models::rollups::{PartyRollupRow, RollupRow};
use crate::db::schema::{party_rollups, registration_counters, rollups};
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
}

/// A point to roll the pending writes back to.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark(usize, usize, usize, usize);

impl Pending {
    /// The current point.
    pub fn mark(&self) -> Mark {
        Mark(
            self.rollups.len(),
            self.party.len(),
            self.counter_log.len(),
            self.party_log.len(),
        )
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
        self.rollups.truncate(mark.0);
        self.party.truncate(mark.1);
        // A party read after the mark may have been created after it, and is gone now.
        for code in self.party_log.drain(mark.3..) {
            self.parties.remove(&code);
        }
        while self.counter_log.len() > mark.2 {
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
        let mut rollup_sums: BTreeMap<RollupKey, Delta> = BTreeMap::new();
        for (key, d) in self.rollups.drain(..) {
            add(rollup_sums.entry(key).or_default(), &d);
        }
        let mut party_sums: BTreeMap<PartyKey, Delta> = BTreeMap::new();
        for (key, d) in self.party.drain(..) {
            add(party_sums.entry(key).or_default(), &d);
        }
        for ((year, month, dimension, key), d) in rollup_sums {
            if d == [0; 4] {
                continue;
            }
            let updated = diesel::update(
                rollups::table
                    .filter(rollups::year.eq(year))
                    .filter(rollups::month.eq(month))
                    .filter(rollups::dimension.eq(dimension))
                    .filter(rollups::key.eq(&key)),
            )
            .set((
                rollups::turnover_fen.eq(rollups::turnover_fen + d[0]),
                rollups::technical_fen.eq(rollups::technical_fen + d[1]),
                rollups::contracts.eq(rollups::contracts + d[2]),
                rollups::introduced.eq(rollups::introduced + d[3]),
            ))
            .execute(conn)?;
            if updated == 0 {
                diesel::insert_into(rollups::table)
                    .values(RollupRow {
                        year,
                        month,
                        dimension: dimension.to_string(),
                        key,
                        turnover_fen: d[0],
                        technical_fen: d[1],
                        contracts: d[2],
                        introduced: d[3],
                    })
                    .execute(conn)?;
            }
        }
        for ((year, side, party_id), d) in party_sums {
            if d == [0; 4] {
                continue;
            }
            let updated = diesel::update(
                party_rollups::table
                    .filter(party_rollups::year.eq(year))
                    .filter(party_rollups::side.eq(side))
                    .filter(party_rollups::party_id.eq(&party_id)),
            )
            .set((
                party_rollups::turnover_fen.eq(party_rollups::turnover_fen + d[0]),
                party_rollups::technical_fen.eq(party_rollups::technical_fen + d[1]),
                party_rollups::contracts.eq(party_rollups::contracts + d[2]),
            ))
            .execute(conn)?;
            if updated == 0 {
                diesel::insert_into(party_rollups::table)
                    .values(PartyRollupRow {
                        year,
                        side: side.to_string(),
                        party_id,
                        turnover_fen: d[0],
                        technical_fen: d[1],
                        contracts: d[2],
                    })
                    .execute(conn)?;
            }
        }
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
