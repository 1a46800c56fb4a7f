//! Duplicate registrations: a contract with the same parties, type, amounts and signing date
//! as a live (pending or registered) one is refused unless the caller confirms it
//! (`confirm_duplicate`) — the same contract registered twice inflates the turnover, and the
//! registrar usually meant something else (a second instalment, another contract). A confirmed
//! duplicate is registered with `duplicate_of` in its audit payload, so auditors see it.
//!
//! An import reads the live contracts signed on its rows' dates once, before its rows, and
//! adds each row it accepts, so a row repeated within the file is caught too; a single
//! registration asks the database, and the rows this transaction has not written yet.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::tx::Tx;
use super::{FieldError, LedgerError};
use crate::db::DbConn;
use crate::db::schema::contracts;
use crate::records::ContractState;

/// What makes two contracts the same: seller, buyer, type, contract and technical amount in
/// fen, signing date.
pub(super) type Key = (String, String, String, i64, i64, NaiveDate);

/// Live contracts by key, with the label that names each (its number, or its id).
#[derive(Debug, Default)]
pub(super) struct Known(HashMap<Key, String>);

/// The key of a contract.
pub(super) fn key_of(state: &ContractState) -> Key {
    (
        state.seller_id.clone(),
        state.buyer_id.clone(),
        state.contract_type.code().to_string(),
        state.contract_amount.fen(),
        state.technical_amount.fen(),
        state.signed_on,
    )
}

/// How a contract is named in a warning: its registration number, or its id while it has none.
fn label(id: String, registration_no: Option<String>) -> String {
    registration_no.unwrap_or(id)
}

/// Statuses of a live contract.
const LIVE: [&str; 2] = ["pending", "registered"];

/// The live contract a registration with `key` would duplicate, if any.
pub(super) fn find(tx: &mut Tx<'_>, key: &Key) -> Result<Option<String>, LedgerError> {
    if let Some(known) = &tx.known_contracts {
        return Ok(known.0.get(key).cloned());
    }
    if let Some(row) = tx.pending_contract(|r| {
        r.seller_id == key.0
            && r.buyer_id == key.1
            && r.contract_type == key.2
            && r.contract_amount_fen == key.3
            && r.technical_amount_fen == key.4
            && r.signed_on == key.5
            && LIVE.contains(&r.status.as_str())
    }) {
        return Ok(Some(label(row.0, row.1)));
    }
    let row: Option<(String, Option<String>)> = contracts::table
        .filter(contracts::seller_id.eq(&key.0))
        .filter(contracts::buyer_id.eq(&key.1))
        .filter(contracts::signed_on.eq(key.5))
        .filter(contracts::contract_type.eq(&key.2))
        .filter(contracts::contract_amount_fen.eq(key.3))
        .filter(contracts::technical_amount_fen.eq(key.4))
        .filter(contracts::status.eq_any(LIVE))
        .select((contracts::id, contracts::registration_no))
        .order(contracts::id.asc())
        .first(tx.conn()?)
        .optional()?;
    Ok(row.map(|(id, no)| label(id, no)))
}

/// Every live contract signed on one of `dates` (an import's), read once.
pub(super) fn load(conn: &mut DbConn, dates: &[NaiveDate]) -> Result<Known, LedgerError> {
    type Row = (
        String,
        Option<String>,
        String,
        String,
        String,
        i64,
        i64,
        NaiveDate,
    );
    let mut known = HashMap::new();
    for chunk in dates.chunks(500) {
        let rows: Vec<Row> = contracts::table
            .filter(contracts::signed_on.eq_any(chunk))
            .filter(contracts::status.eq_any(LIVE))
            .select((
                contracts::id,
                contracts::registration_no,
                contracts::seller_id,
                contracts::buyer_id,
                contracts::contract_type,
                contracts::contract_amount_fen,
                contracts::technical_amount_fen,
                contracts::signed_on,
            ))
            .load(conn)?;
        for (id, no, seller, buyer, kind, amount, technical, signed) in rows {
            known
                .entry((seller, buyer, kind, amount, technical, signed))
                .or_insert_with(|| label(id, no));
        }
    }
    Ok(Known(known))
}

/// Adds a contract just registered (an import's later rows are checked against it).
pub(super) fn remember(tx: &mut Tx<'_>, state: &ContractState) {
    if let Some(known) = &mut tx.known_contracts {
        let name = state
            .registration_no
            .as_ref()
            .map_or(state.id.clone(), |n| n.as_str().to_string());
        known.0.entry(key_of(state)).or_insert(name);
    }
}

/// The refusal of an unconfirmed duplicate, naming the contract it repeats.
pub(super) fn refusal(existing: &str) -> FieldError {
    FieldError::new(
        "confirm_duplicate",
        format!(
            "a live contract ({existing}) has the same seller, buyer, type, amounts and signing date: \
             if this is not the same contract registered twice, send it again with confirm_duplicate=true"
        ),
        format!(
            "已有买卖双方、合同类型、金额和签订日期都相同的有效合同（{existing}）：如确认不是重复登记，请确认后重新提交"
        ),
    )
}
