//! The largest total: a year's turnover is at most `Total::MAX` (i64::MAX fen, about 9.2 × 10¹⁶
//! yuan — 92,233 contracts at the 10¹² yuan maximum). Every rollup is a part of its year's
//! turnover (technical amounts are at most the contract amounts; offices, months, types and
//! parties split the year), so a change that keeps each year within that bound keeps every
//! stored total and every sum the read path makes representable. A change that would not is
//! refused, naming `contract_amount`, before it writes anything.

use std::collections::BTreeMap;

use super::tx::{Tx, Writes};
use super::{FieldError, LedgerError};
use crate::db::models::rollups::AmountEntryRow;
use crate::domain::Total;

/// The room left in `turnover` (fen) under the largest total.
fn room(turnover: i128) -> i128 {
    i128::from(Total::MAX.fen()) - turnover
}

/// The refusal of an amount that does not fit in the `room` (fen) left in `year`.
pub(super) fn refusal(year: i32, room: i128) -> FieldError {
    let left = i64::try_from(room.max(0))
        .ok()
        .and_then(|fen| Total::from_fen(fen).ok())
        .unwrap_or(Total::ZERO);
    FieldError::new(
        "contract_amount",
        format!(
            "this amount would take the turnover of {year} past the largest total the ledger can hold ({} yuan); {left} yuan are left",
            Total::MAX
        ),
        format!(
            "该金额将使 {year} 年成交额超出账本可记录的最大合计（{} 元），剩余可登记 {left} 元",
            Total::MAX
        ),
    )
}

/// Whether `fen` more fit in `year`'s turnover as it stands in this command's transaction; a
/// refusal names the field. (Reads the year's stored turnover once per transaction.)
pub(super) fn check_registration(
    tx: &mut Tx<'_>,
    year: i32,
    fen: i64,
) -> Result<Option<FieldError>, LedgerError> {
    let left = room(tx.year_turnover(year)?);
    Ok((i128::from(fen) > left).then(|| refusal(year, left)))
}

/// Refuses amount lines that would take any year's turnover past the largest total.
pub(super) fn check_lines(w: &mut Writes<'_>, lines: &[AmountEntryRow]) -> Result<(), LedgerError> {
    let mut added: BTreeMap<i32, i128> = BTreeMap::new();
    for l in lines {
        *added.entry(l.year).or_default() += i128::from(l.contract_fen);
    }
    for (year, fen) in added {
        if fen <= 0 {
            continue;
        }
        let left = room(w.year_turnover(year)?);
        if fen > left {
            return Err(LedgerError::Invalid(vec![refusal(year, left)]));
        }
    }
    Ok(())
}
