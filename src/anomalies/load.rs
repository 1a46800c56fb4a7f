//! The queries: one for the contracts, one for the offices' history, and, for the contracts
//! and parties that findings name, their titles, registration times and names (in chunks).

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate, NaiveDateTime};
use diesel::connection::DefaultLoadingMode;
use diesel::dsl::case_when;
use diesel::prelude::*;

use super::data::{Dataset, Details, OfficeHistory, RawRow};
use crate::db::DbConn;
use crate::db::schema::{contracts, parties, rollups};

/// Ids per `IN (…)` list: far below SQLite's and PostgreSQL's bind-parameter limits.
const CHUNK: usize = 1000;

/// Adds the registered contracts whose registration year lies in `first..=last` to `data`,
/// row by row (the rows are never all held twice). Their registration time is read only for
/// contracts registered in `late.0` and signed before `late.1`: the only ones that can be
/// late (see `late_cutoff`).
pub(crate) fn rows(
    conn: &mut DbConn,
    first: i32,
    last: i32,
    late: (i32, NaiveDate),
    data: &mut Dataset,
) -> QueryResult<()> {
    let (late_year, cutoff) = late;
    let may_be_late = contracts::registered_year
        .eq(late_year)
        .and(contracts::signed_on.lt(cutoff));
    let rows = contracts::table
        .filter(contracts::registered_year.between(first, last))
        .filter(contracts::status.eq("registered"))
        .select((
            contracts::registration_no,
            contracts::office,
            contracts::contract_type.eq("development"),
            contracts::seller_id,
            contracts::buyer_id,
            contracts::signed_on,
            contracts::contract_amount_fen,
            contracts::technical_amount_fen,
            case_when(may_be_late, contracts::registered_at),
            contracts::registered_year,
            contracts::registered_month,
        ))
        .load_iter::<RawRow, DefaultLoadingMode>(conn)?;
    for row in rows {
        data.push(row?);
    }
    Ok(())
}

/// The signing date before which a contract registered in `year` may have been registered
/// more than `days` after signing: registration falls on 31 December of `year` at the latest.
/// Never before `no_cutoff()`.
pub(crate) fn late_cutoff(year: i32, days: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31)
        .and_then(|last| last.checked_sub_days(Days::new(u64::from(days))))
        .map_or(no_cutoff(), |d| d.max(no_cutoff()))
}

/// A cutoff no contract is signed before: 1 January of year 1 (PostgreSQL's dates start in
/// 4713 BC, chrono's far earlier, so this is representable on both backends).
pub(crate) fn no_cutoff() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default()
}

/// Each office's December and whole-year turnover in the years before `year`, from the
/// rollups the ledger maintains in every write transaction.
pub(crate) fn office_history(
    conn: &mut DbConn,
    year: i32,
) -> QueryResult<BTreeMap<String, OfficeHistory>> {
    let cells: Vec<(i32, i32, String, i64)> = rollups::table
        .filter(rollups::dimension.eq("office"))
        .filter(rollups::year.lt(year))
        .select((
            rollups::year,
            rollups::month,
            rollups::key,
            rollups::turnover_fen,
        ))
        .load(conn)?;
    let mut history: BTreeMap<String, OfficeHistory> = BTreeMap::new();
    for (y, month, office, fen) in cells {
        if fen <= 0 {
            continue;
        }
        let h = history.entry(office).or_default();
        h.total_fen += i128::from(fen);
        if month == 12 {
            h.december_fen += i128::from(fen);
        }
        h.years.insert(y);
    }
    Ok(history)
}

/// Id, title and registration date of the contracts with registration numbers `numbers`.
pub(crate) fn details(
    conn: &mut DbConn,
    numbers: &[String],
) -> QueryResult<HashMap<String, Details>> {
    let mut out = HashMap::with_capacity(numbers.len());
    for chunk in numbers.chunks(CHUNK) {
        let found: Vec<(Option<String>, String, String, Option<NaiveDateTime>)> = contracts::table
            .filter(contracts::registration_no.eq_any(chunk))
            .select((
                contracts::registration_no,
                contracts::id,
                contracts::title,
                contracts::registered_at,
            ))
            .load(conn)?;
        out.extend(found.into_iter().filter_map(|(no, id, title, at)| {
            let registered_on = at.map(crate::time::shanghai_date);
            no.map(|no| {
                (
                    no,
                    Details {
                        id,
                        title,
                        registered_on,
                    },
                )
            })
        }));
    }
    Ok(out)
}

/// Names of the parties `ids`.
pub(crate) fn party_names(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<HashMap<String, String>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<(String, String)> = parties::table
            .filter(parties::id.eq_any(chunk))
            .select((parties::id, parties::name))
            .load(conn)?;
        out.extend(found);
    }
    Ok(out)
}
