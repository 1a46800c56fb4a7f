//! `party.create`, `party.update`.

use diesel::prelude::*;
use serde_json::json;

use super::projection::party_version_row;
use super::tx::Tx;
use super::{FieldError, LedgerError, NewParty, Outcome, PartyUpdate};
use crate::db::models::parties as party_rows;
use crate::db::schema::{parties, party_versions};
use crate::domain::Role;
use crate::records::PartyState;

/// Registrars record parties (for every office: parties are shared).
fn may_write_parties<'a>(tx: &Tx<'a>) -> Result<(), LedgerError> {
    tx.require(&[Role::Registrar], "record parties", "登记合同主体")
        .map(|_| ())
}

pub(super) fn create(tx: &mut Tx<'_>, cmd: &NewParty) -> Result<Outcome, LedgerError> {
    may_write_parties(tx)?;
    let state = insert(tx, cmd)?;
    outcome(state.audit_seq, true, &state)
}

/// Creates a party (one `party.create` entry). Shared with contract registration, which
/// creates inline parties that are new.
pub(super) fn insert(tx: &mut Tx<'_>, cmd: &NewParty) -> Result<PartyState, LedgerError> {
    let errors = cmd.check();
    if !errors.is_empty() {
        return Err(LedgerError::Invalid(errors));
    }
    if let Some(code) = &cmd.credit_code
        && let Some(existing) = party_rows::by_credit_code(tx.conn()?, code.as_str())?
    {
        return Err(LedgerError::conflict(
            "duplicate_credit_code",
            format!(
                "party {} already has credit code {}",
                existing.id,
                code.as_str()
            ),
            format!(
                "统一社会信用代码 {} 已被主体「{}」使用",
                code.as_str(),
                existing.name
            ),
        ));
    }
    let now = tx.now;
    let created_by = tx.actor_id();
    let command = serde_json::to_value(cmd).map_err(|e| LedgerError::Storage(e.to_string()))?;
    let (state, _) = tx.change("party.create", "party", |w, stamp| {
        let state = PartyState {
            id: uuid::Uuid::now_v7().to_string(),
            name: cmd.name.trim().to_string(),
            credit_code: cmd.credit_code.clone(),
            kind: cmd.kind,
            region: cmd.region,
            nature_code: cmd.nature_code.clone(),
            country: cmd.country.clone(),
            legal_representative: cmd
                .legal_representative
                .as_deref()
                .map(|n| n.trim().to_string()),
            version: 1,
            created_by: created_by.clone(),
            created_at: now,
            updated_at: now,
            audit_seq: stamp.seq,
        };
        diesel::insert_into(parties::table)
            .values(state.to_row())
            .execute(w.conn()?)?;
        diesel::insert_into(party_versions::table)
            .values(party_version_row(&state, None, created_by))
            .execute(w.conn()?)?;
        let payload = json!({"command": command, "state": state});
        Ok((state.id.clone(), payload, state))
    })?;
    Ok(state)
}

pub(super) fn update(tx: &mut Tx<'_>, cmd: &PartyUpdate) -> Result<Outcome, LedgerError> {
    may_write_parties(tx)?;
    tx.forget_party(&cmd.id);
    let row = party_rows::by_id(tx.conn()?, &cmd.id)?.ok_or_else(|| LedgerError::NotFound {
        entity: "party",
        id: cmd.id.clone(),
    })?;
    let current = PartyState::from_row(row)?;
    let region = cmd.region.unwrap_or(current.region);
    let country = match &cmd.country {
        Some(c) => c.clone(),
        None if region.is_abroad() == current.region.is_abroad() => current.country.clone(),
        None => None,
    };
    let next = PartyState {
        name: cmd
            .name
            .as_deref()
            .map(str::trim)
            .map(str::to_string)
            .unwrap_or(current.name.clone()),
        region,
        country,
        legal_representative: match &cmd.legal_representative {
            Some(n) => n.as_deref().map(|n| n.trim().to_string()),
            None => current.legal_representative.clone(),
        },
        version: current.version + 1,
        updated_at: tx.now,
        ..current.clone()
    };
    // The same rules as for a new party.
    let as_new = NewParty {
        name: next.name.clone(),
        credit_code: next.credit_code.clone(),
        kind: next.kind,
        region: next.region,
        nature_code: next.nature_code.clone(),
        country: next.country.clone(),
        legal_representative: next.legal_representative.clone(),
    };
    let mut errors: Vec<FieldError> = as_new.check();
    if let Some(reason) = &cmd.reason
        && reason.chars().count() > 500
    {
        errors.push(FieldError::new(
            "reason",
            "at most 500 characters",
            "原因不能超过500个字符",
        ));
    }
    if let Some(reason) = &cmd.reason {
        super::text::check_lines("reason", reason, &mut errors);
    }
    if !errors.is_empty() {
        return Err(LedgerError::Invalid(errors));
    }
    if next.name == current.name
        && next.region == current.region
        && next.country == current.country
        && next.legal_representative == current.legal_representative
    {
        return Err(LedgerError::invalid(
            "body",
            "nothing to change",
            "没有需要修改的内容",
        ));
    }
    let actor_id = tx.actor_id();
    let reason = cmd.reason.clone();
    let command = serde_json::to_value(cmd).map_err(|e| LedgerError::Storage(e.to_string()))?;
    let (state, stamp) = tx.change("party.update", "party", |w, stamp| {
        let state = PartyState {
            audit_seq: stamp.seq,
            ..next
        };
        diesel::update(parties::table.find(&state.id))
            .set(state.to_row())
            .execute(w.conn()?)?;
        diesel::insert_into(party_versions::table)
            .values(party_version_row(&state, reason, actor_id))
            .execute(w.conn()?)?;
        let payload = json!({"command": command, "state": state});
        Ok((state.id.clone(), payload, state))
    })?;
    outcome(stamp.seq, false, &state)
}

fn outcome(seq: i64, created: bool, state: &PartyState) -> Result<Outcome, LedgerError> {
    Ok(Outcome {
        audit_seq: seq,
        created,
        body: serde_json::to_value(state).map_err(|e| LedgerError::Storage(e.to_string()))?,
        replayed: false,
    })
}
