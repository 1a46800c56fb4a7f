//! Rollups and amount entries (the read side of the statistics).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::{amount_entries, party_rollups, rollups};

/// One running total.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = rollups, treat_none_as_default_value = false)]
pub struct RollupRow {
    /// Registration year.
    pub year: i32,
    /// Registration month.
    pub month: i32,
    /// `total`, `office`, `contract_type`, …
    pub dimension: String,
    /// The dimension's value ('' for total).
    pub key: String,
    /// Sum of contract amounts, fen.
    pub turnover_fen: i64,
    /// Sum of technical amounts, fen.
    pub technical_fen: i64,
    /// Number of contracts.
    pub contracts: i64,
    /// Number of introduced achievements.
    pub introduced: i64,
}

/// A party's running total as seller or buyer.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = party_rollups, treat_none_as_default_value = false)]
pub struct PartyRollupRow {
    /// Registration year.
    pub year: i32,
    /// seller | buyer.
    pub side: String,
    /// Party.
    pub party_id: String,
    /// Sum of contract amounts, fen.
    pub turnover_fen: i64,
    /// Sum of technical amounts, fen.
    pub technical_fen: i64,
    /// Number of contracts.
    pub contracts: i64,
}

/// One signed delta to the totals.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = amount_entries, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct AmountEntryRow {
    /// The audit entry that made it.
    pub audit_seq: i64,
    /// Line within that entry.
    pub line: i32,
    /// Contract.
    pub contract_id: String,
    /// When.
    pub recorded_at: NaiveDateTime,
    /// Day of the change in Asia/Shanghai.
    pub recorded_on: NaiveDate,
    /// Year the contract counts in.
    pub year: i32,
    /// Month the contract counts in.
    pub month: i32,
    /// Office.
    pub office: String,
    /// Type.
    pub contract_type: String,
    /// Field.
    pub tech_field: String,
    /// IP type.
    pub ip_type: String,
    /// Seller kind.
    pub seller_kind: String,
    /// Flow.
    pub flow: String,
    /// Review state.
    pub review: String,
    /// Introduced achievement.
    pub introduced: bool,
    /// Seller.
    pub seller_id: String,
    /// Buyer.
    pub buyer_id: String,
    /// Delta of contract amount, fen.
    pub contract_fen: i64,
    /// Delta of technical amount, fen.
    pub technical_fen: i64,
    /// Delta of the count (-1, 0, 1).
    pub contracts: i32,
}

/// Rollup rows of `year` along `dimension`.
pub fn of_year(conn: &mut DbConn, year: i32, dimension: &str) -> QueryResult<Vec<RollupRow>> {
    rollups::table
        .filter(rollups::year.eq(year))
        .filter(rollups::dimension.eq(dimension))
        .select(RollupRow::as_select())
        .load(conn)
}

/// Every rollup row.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<RollupRow>> {
    rollups::table.select(RollupRow::as_select()).load(conn)
}

/// Every party rollup row.
pub fn all_party(conn: &mut DbConn) -> QueryResult<Vec<PartyRollupRow>> {
    party_rollups::table
        .select(PartyRollupRow::as_select())
        .load(conn)
}

/// The `limit` parties with the largest turnover on `side` in `year`.
pub fn top_parties(
    conn: &mut DbConn,
    year: i32,
    side: &str,
    limit: i64,
) -> QueryResult<Vec<PartyRollupRow>> {
    party_rollups::table
        .filter(party_rollups::year.eq(year))
        .filter(party_rollups::side.eq(side))
        .order(party_rollups::turnover_fen.desc())
        .limit(limit)
        .select(PartyRollupRow::as_select())
        .load(conn)
}

/// Amount entries of `year` made by the audit entries up to `seq` (the ledger as that prefix
/// of the chain left it), in chain order.
pub fn entries_through(conn: &mut DbConn, year: i32, seq: i64) -> QueryResult<Vec<AmountEntryRow>> {
    amount_entries::table
        .filter(amount_entries::year.eq(year))
        .filter(amount_entries::audit_seq.le(seq))
        // In chain order, so that every partial sum is a total the ledger once held.
        .order((amount_entries::audit_seq, amount_entries::line))
        .select(AmountEntryRow::as_select())
        .load(conn)
}
