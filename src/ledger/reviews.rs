//! `contract.review`: an auditor confirms or disputes a contract.

use diesel::prelude::*;
use serde_json::json;

use super::tx::Tx;
use super::{FieldError, LedgerError, Outcome, contracts, projection};
use crate::db::schema::{contracts as contracts_table, reviews};
use crate::domain::{ContractStatus, ReviewState, Role};
use crate::records::{ContractState, ReviewRecord};

const NOTE_MAX: usize = 2000;

pub(super) fn review(
    tx: &mut Tx<'_>,
    id: &str,
    verdict: ReviewState,
    note: &str,
) -> Result<Outcome, LedgerError> {
    let actor = tx.require(&[Role::Auditor], "review contracts", "审核合同")?;
    let current = contracts::load(tx.conn()?, id)?;
    if !matches!(
        current.status,
        ContractStatus::Registered | ContractStatus::Voided
    ) {
        return Err(LedgerError::conflict(
            "not_reviewable",
            format!(
                "a {} contract is not in the ledger's figures and cannot be reviewed",
                current.status.code()
            ),
            format!("「{}」状态的合同不能审核", current.status.label_zh()),
        ));
    }
    if current.created_by == actor.id {
        return Err(LedgerError::forbidden(
            "nobody reviews their own contract",
            "不能审核自己登记的合同",
        ));
    }
    let mut errors = Vec::new();
    let note = note.trim();
    if verdict == ReviewState::Unreviewed {
        errors.push(FieldError::new(
            "verdict",
            "must be confirmed or disputed",
            "审核结论应为「已确认」或「有异议」",
        ));
    }
    if verdict == ReviewState::Disputed && note.is_empty() {
        errors.push(FieldError::new(
            "note",
            "a dispute needs a note saying why",
            "提出异议时必须说明原因",
        ));
    }
    if note.chars().count() > NOTE_MAX {
        errors.push(FieldError::new(
            "note",
            format!("at most {NOTE_MAX} characters"),
            format!("审核意见不能超过{NOTE_MAX}个字符"),
        ));
    }
    super::text::check_lines("note", note, &mut errors);
    if !errors.is_empty() {
        return Err(LedgerError::Invalid(errors));
    }
    let reviewer_id = actor.id.clone();
    let now = tx.now;
    let command = json!({"command": "review", "id": id, "verdict": verdict, "note": note});
    let (review, stamp) = tx.change("contract.review", "contract", |w, stamp| {
        let review = ReviewRecord {
            id: uuid::Uuid::now_v7().to_string(),
            contract_id: current.id.clone(),
            contract_version: current.version,
            verdict,
            note: note.to_string(),
            reviewer_id,
            recorded_at: now,
            audit_seq: stamp.seq,
        };
        let state = ContractState {
            review: verdict,
            updated_at: now,
            audit_seq: stamp.seq,
            ..current.clone()
        };
        diesel::insert_into(reviews::table)
            .values(review.to_row())
            .execute(w.conn()?)?;
        diesel::update(contracts_table::table.find(&state.id))
            .set(state.to_row())
            .execute(w.conn()?)?;
        projection::apply(
            w,
            &projection::amount_lines(Some(&current), &state, stamp.seq, stamp.at),
        )?;
        let payload = json!({"command": command, "review": review, "state": state});
        Ok((state.id.clone(), payload, review))
    })?;
    Ok(Outcome {
        audit_seq: stamp.seq,
        created: true,
        body: serde_json::to_value(&review).map_err(|e| LedgerError::Storage(e.to_string()))?,
        replayed: false,
    })
}
