//! `contract.register`, `contract.amend`, `contract.approve`, `contract.refuse`,
//! `contract.void`.

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use super::tx::{Stamp, Tx, Writes};
use super::{
    Actor, ContractAmendment, ContractParticulars, FieldError, LedgerError, NewContract, Outcome,
    PartyRef, approval, duplicates, headroom, parties, projection,
};
use crate::db::DbConn;
use crate::db::models::contracts as contract_rows;
use crate::db::schema::{contract_details, contracts};
use crate::domain::{
    ContractStatus, ContractType, Flow, Money, OfficeCode, RegistrationNo, ReviewState, Role,
    Subtype, is_introduced,
};
use crate::records::{ContractState, PartyState};

const TITLE_MAX: usize = 300;
const REASON_MAX: usize = 1000;

pub(super) fn register(tx: &mut Tx<'_>, cmd: &NewContract) -> Result<Outcome, LedgerError> {
    let state = register_one(tx, cmd)?;
    let mut answer = outcome(state.audit_seq, true, &state)?;
    if !tx.warnings.is_empty()
        && let Some(body) = answer.body.as_object_mut()
    {
        body.insert("warnings".into(), json!(tx.warnings));
    }
    Ok(answer)
}

/// The second registrar of a historical large registration: named only when loading history,
/// only for a contract at or above the large-contract threshold, and only as another active
/// registrar of the recording registrar's office (as the approvals page would require).
fn historical_approver(
    tx: &mut Tx<'_>,
    cmd: &NewContract,
    historical: bool,
    actor: &Actor,
    errors: &mut Vec<FieldError>,
) -> Result<Option<String>, LedgerError> {
    let Some(id) = &cmd.approved_by else {
        return Ok(None);
    };
    if !historical {
        errors.push(FieldError::new(
            "approved_by",
            "only a historical registration names its approver; a new large contract is approved on the approvals page",
            "只有历史登记数据才能指定复核人；新的大额合同须在复核页面由另一名登记员复核",
        ));
        return Ok(None);
    }
    if cmd.technical_amount < tx.settings.large_contract_threshold {
        errors.push(FieldError::new(
            "approved_by",
            "only a large contract has a second registrar's approval",
            "只有大额合同需要第二名登记员复核",
        ));
        return Ok(None);
    }
    let approver = crate::db::models::users::by_id(tx.conn()?, id)?;
    let fits = approver.as_ref().is_some_and(|u| {
        u.active
            && u.role == Role::Registrar.code()
            && u.office.as_deref() == actor.office.map(OfficeCode::code)
            && u.id != actor.id
    });
    if !fits {
        errors.push(FieldError::new(
            "approved_by",
            "the approver must be another active registrar of the same office",
            "复核人须为本登记点的另一名在岗登记员",
        ));
        return Ok(None);
    }
    Ok(Some(id.clone()))
}

/// Registers one contract (creating its new inline parties first). Shared with imports.
pub(super) fn register_one(
    tx: &mut Tx<'_>,
    cmd: &NewContract,
) -> Result<ContractState, LedgerError> {
    let actor = registrar(tx, "register contracts", "登记合同")?;
    let office = own_office(actor)?;
    let Checked {
        seller,
        buyer,
        duplicate_of,
        mut errors,
    } = check_new(tx, cmd)?;
    let historical = match cmd.registered_at {
        Some(_) if !tx.historical => {
            return Err(LedgerError::forbidden(
                "a registration time can only be given when loading historical registrations from the shell",
                "只有从命令行导入历史登记数据时才能指定登记时间",
            ));
        }
        Some(at) if at > tx.now || at.date() < cmd.signed_on => {
            return Err(LedgerError::invalid(
                "registered_at",
                "a historical registration lies between the signing date and now",
                "历史登记时间应在签订日期之后、当前时间之前",
            ));
        }
        other => other,
    };
    // A historical registration was already approved by its office; only new large contracts
    // wait for a second registrar.
    let large =
        historical.is_none() && cmd.technical_amount >= tx.settings.large_contract_threshold;
    if !large {
        // Checked here, before anything is written, so that an import names the row.
        let (year, _) = crate::time::shanghai_period(historical.unwrap_or(tx.now));
        errors.extend(headroom::check_registration(
            tx,
            year,
            cmd.contract_amount.fen(),
        )?);
    }
    let approved_by = historical_approver(tx, cmd, historical.is_some(), actor, &mut errors)?;
    if !errors.is_empty() {
        return Err(LedgerError::Invalid(errors));
    }
    // Nothing is written before this point: a refused row of an import leaves no trace.
    let seller = materialise(tx, seller)?;
    let buyer = materialise(tx, buyer)?;

    let registered_at = historical.unwrap_or(tx.now);
    let now = tx.now;
    let actor_id = actor.id.clone();
    let command = serde_json::to_value(cmd).map_err(|e| LedgerError::Storage(e.to_string()))?;
    let (state, _) = tx.change("contract.register", "contract", |w, stamp| {
        let registration_no = if large {
            None
        } else {
            Some(next_registration_no(w, office, registered_at)?)
        };
        let state = ContractState {
            id: uuid::Uuid::now_v7().to_string(),
            registration_no,
            title: cmd.title.trim().to_string(),
            contract_type: cmd.contract_type,
            subtype: cmd.subtype.map(|s| s.code().to_string()),
            seller_id: seller.id.clone(),
            buyer_id: buyer.id.clone(),
            signed_on: cmd.signed_on,
            valid_until: cmd.valid_until,
            contract_amount: cmd.contract_amount,
            technical_amount: cmd.technical_amount,
            tech_field: cmd.tech_field,
            ip_type: cmd.ip_type,
            office,
            status: if large {
                ContractStatus::Pending
            } else {
                ContractStatus::Registered
            },
            review: ReviewState::Unreviewed,
            version: 1,
            seller_region: seller.region,
            seller_kind: seller.kind,
            buyer_region: buyer.region,
            buyer_kind: buyer.kind,
            flow: Flow::of(&seller.region, &buyer.region),
            introduced: is_introduced(cmd.contract_type, &seller.region, &buyer.region),
            created_by: actor_id.clone(),
            created_at: now,
            registered_at: if large { None } else { Some(registered_at) },
            approved_by: approved_by.clone(),
            updated_at: now,
            audit_seq: stamp.seq,
            party_contract_no: cmd
                .particulars
                .party_contract_no
                .as_deref()
                .map(|n| n.trim().to_string()),
            seller_contact: cmd.particulars.seller_contact.clone().map(trimmed),
            buyer_contact: cmd.particulars.buyer_contact.clone().map(trimmed),
            technical_split: cmd.particulars.technical_split,
        };
        let row = state.to_row();
        let details = state.details_row();
        w.pending.defer_contract(row);
        if let Some(details) = details {
            w.pending.defer_details(details);
        }
        record_version(w, None, &state, "register", None, actor_id.clone(), stamp)?;
        let mut payload = json!({"command": command, "state": state});
        if let Some(existing) = &duplicate_of {
            payload["duplicate_of"] = json!(existing);
        }
        Ok((state.id.clone(), payload, state))
    })?;
    duplicates::remember(tx, &state);
    Ok(state)
}

pub(super) fn amend(tx: &mut Tx<'_>, cmd: &ContractAmendment) -> Result<Outcome, LedgerError> {
    let actor = registrar(tx, "amend contracts", "变更合同")?;
    let current = load(tx.conn()?, &cmd.id)?;
    same_office(actor, &current)?;
    refuse_if_closed(&current, "amend", "变更")?;
    let mut errors = Vec::new();
    check_reason(&cmd.reason, &mut errors);
    let contract_type = cmd.contract_type.unwrap_or(current.contract_type);
    let subtype = match &cmd.subtype {
        Some(s) => s.clone(),
        None => current.subtype.clone(),
    };
    let next_title = cmd
        .title
        .as_deref()
        .map(str::trim)
        .map(str::to_string)
        .unwrap_or(current.title.clone());
    let signed_on = cmd.signed_on.unwrap_or(current.signed_on);
    let valid_until = cmd.valid_until.unwrap_or(current.valid_until);
    let contract_amount = cmd.contract_amount.unwrap_or(current.contract_amount);
    let technical_amount = cmd.technical_amount.unwrap_or(current.technical_amount);
    let particulars = ContractParticulars {
        party_contract_no: match &cmd.party_contract_no {
            Some(n) => n.as_deref().map(|n| n.trim().to_string()),
            None => current.party_contract_no.clone(),
        },
        seller_contact: match &cmd.seller_contact {
            Some(c) => c.clone().map(trimmed),
            None => current.seller_contact.clone(),
        },
        buyer_contact: match &cmd.buyer_contact {
            Some(c) => c.clone().map(trimmed),
            None => current.buyer_contact.clone(),
        },
        technical_split: match cmd.technical_split {
            Some(s) => s,
            None => current.technical_split,
        },
    };
    errors.extend(particulars.check(contract_type, technical_amount));
    errors.extend(check_content(
        tx,
        &next_title,
        contract_type,
        subtype.as_deref(),
        signed_on,
        valid_until,
        contract_amount,
        technical_amount,
    ));
    let seller = party_change(tx, cmd.seller_id.as_deref(), "seller_id", &mut errors)?;
    let buyer = party_change(tx, cmd.buyer_id.as_deref(), "buyer_id", &mut errors)?;
    let seller_id = seller
        .as_ref()
        .map_or(current.seller_id.clone(), |p| p.id.clone());
    let buyer_id = buyer
        .as_ref()
        .map_or(current.buyer_id.clone(), |p| p.id.clone());
    if seller_id == buyer_id {
        errors.push(same_party("buyer_id"));
    }
    if !errors.is_empty() {
        return Err(LedgerError::Invalid(errors));
    }
    let seller_region = seller.as_ref().map_or(current.seller_region, |p| p.region);
    let buyer_region = buyer.as_ref().map_or(current.buyer_region, |p| p.region);
    let next = ContractState {
        title: next_title,
        contract_type,
        subtype,
        seller_id,
        buyer_id,
        signed_on,
        valid_until,
        contract_amount,
        technical_amount,
        tech_field: cmd.tech_field.unwrap_or(current.tech_field),
        ip_type: cmd.ip_type.unwrap_or(current.ip_type),
        seller_region,
        seller_kind: seller.as_ref().map_or(current.seller_kind, |p| p.kind),
        buyer_region,
        buyer_kind: buyer.as_ref().map_or(current.buyer_kind, |p| p.kind),
        flow: Flow::of(&seller_region, &buyer_region),
        introduced: is_introduced(contract_type, &seller_region, &buyer_region),
        party_contract_no: particulars.party_contract_no,
        seller_contact: particulars.seller_contact,
        buyer_contact: particulars.buyer_contact,
        technical_split: particulars.technical_split,
        ..current.clone()
    };
    if next == current {
        return Err(LedgerError::invalid(
            "body",
            "nothing to change",
            "没有需要修改的内容",
        ));
    }
    // A review and an approval each belong to the version they looked at: the new version is
    // unreviewed, and it waits for a fresh approval while it is large (approval.rs).
    let status = approval::after_amendment(
        current.status,
        technical_amount,
        tx.settings.large_contract_threshold,
    );
    let now = tx.now;
    let next = ContractState {
        status,
        review: ReviewState::Unreviewed,
        approved_by: match status {
            ContractStatus::Pending => None,
            _ => current.approved_by.clone(),
        },
        // A contract registered before keeps its registration (number and period); one
        // registered now for the first time is numbered below, once the stamp is known.
        registered_at: match status {
            ContractStatus::Registered => current.registered_at.or(Some(now)),
            _ => current.registered_at,
        },
        version: current.version + 1,
        updated_at: now,
        ..next
    };
    let actor_id = actor.id.clone();
    let reason = cmd.reason.trim().to_string();
    let command = serde_json::to_value(cmd).map_err(|e| LedgerError::Storage(e.to_string()))?;
    let office = current.office;
    commit_change(
        tx,
        "contract.amend",
        "amend",
        &current,
        next,
        Some(reason),
        actor_id,
        command,
        move |w, state, _| number_if_new(w, office, state),
    )
}

/// Gives a contract that has just become registered for the first time its number, in the
/// year it counts in.
fn number_if_new(
    w: &mut Writes<'_>,
    office: OfficeCode,
    state: &mut ContractState,
) -> Result<(), LedgerError> {
    if state.status == ContractStatus::Registered
        && state.registration_no.is_none()
        && let Some(at) = state.registered_at
    {
        state.registration_no = Some(next_registration_no(w, office, at)?);
    }
    Ok(())
}

pub(super) fn approve(tx: &mut Tx<'_>, id: &str, version: i32) -> Result<Outcome, LedgerError> {
    decide(tx, id, Decision::Approve { version })
}

pub(super) fn refuse(tx: &mut Tx<'_>, id: &str, reason: &str) -> Result<Outcome, LedgerError> {
    decide(tx, id, Decision::Refuse { reason })
}

/// What a second registrar decides about a pending large contract.
enum Decision<'a> {
    /// Register it: the version the approver saw, which must still be the current one.
    Approve { version: i32 },
    /// Refuse it, with a reason.
    Refuse { reason: &'a str },
}

/// Approval or refusal of a pending large contract by a registrar of its office who wrote
/// none of it (approval.rs).
fn decide(tx: &mut Tx<'_>, id: &str, decision: Decision<'_>) -> Result<Outcome, LedgerError> {
    let (what_en, what_zh) = match decision {
        Decision::Refuse { .. } => ("refuse contracts", "退回合同"),
        Decision::Approve { .. } => ("approve contracts", "复核合同"),
    };
    let actor = registrar(tx, what_en, what_zh)?;
    let current = load(tx.conn()?, id)?;
    same_office(actor, &current)?;
    if current.status != ContractStatus::Pending {
        return Err(LedgerError::conflict(
            "not_pending",
            format!(
                "the contract is {}, not pending approval",
                current.status.code()
            ),
            format!(
                "该合同状态为「{}」，不在待复核状态",
                current.status.label_zh()
            ),
        ));
    }
    let versions = contract_rows::versions(tx.conn()?, id)?;
    if approval::authors(&current.created_by, &versions).contains(&actor.id) {
        return Err(LedgerError::forbidden(
            "a large contract needs a second registrar: you recorded or amended this one",
            "大额合同须由另一名登记员复核，不能复核自己登记或变更过的合同",
        ));
    }
    if let Decision::Approve { version } = decision
        && version != current.version
    {
        return Err(LedgerError::conflict(
            "stale_version",
            format!(
                "you approved version {version}, but the contract is now at version {}: read it again and approve what you see",
                current.version
            ),
            format!(
                "您复核的是第{version}版，该合同现为第{}版：请重新查看后再复核",
                current.version
            ),
        ));
    }
    let mut errors = Vec::new();
    if let Decision::Refuse { reason } = decision {
        check_reason(reason, &mut errors);
    }
    if !errors.is_empty() {
        return Err(LedgerError::Invalid(errors));
    }
    let actor_id = actor.id.clone();
    let now = tx.now;
    let (action, change, status, reason) = match decision {
        Decision::Approve { .. } => (
            "contract.approve",
            "approve",
            ContractStatus::Registered,
            None,
        ),
        Decision::Refuse { reason } => (
            "contract.refuse",
            "refuse",
            ContractStatus::Refused,
            Some(reason.trim().to_string()),
        ),
    };
    let registered = status == ContractStatus::Registered;
    let next = ContractState {
        status,
        // A contract sent back for approval by an amendment keeps the registration it had.
        registered_at: if registered {
            current.registered_at.or(Some(now))
        } else {
            current.registered_at
        },
        approved_by: registered.then(|| actor_id.clone()),
        version: current.version + 1,
        updated_at: now,
        ..current.clone()
    };
    let command = match decision {
        Decision::Approve { version } => {
            json!({"command": change, "id": id, "version": version, "reason": reason})
        }
        Decision::Refuse { .. } => json!({"command": change, "id": id, "reason": reason}),
    };
    let office = current.office;
    commit_change(
        tx,
        action,
        change,
        &current,
        next,
        reason,
        actor_id,
        command,
        move |w, state, _| number_if_new(w, office, state),
    )
}

pub(super) fn void(tx: &mut Tx<'_>, id: &str, reason: &str) -> Result<Outcome, LedgerError> {
    let actor = registrar(tx, "void contracts", "注销合同")?;
    let current = load(tx.conn()?, id)?;
    same_office(actor, &current)?;
    refuse_if_closed(&current, "void", "注销")?;
    let mut errors = Vec::new();
    check_reason(reason, &mut errors);
    if !errors.is_empty() {
        return Err(LedgerError::Invalid(errors));
    }
    let next = ContractState {
        status: ContractStatus::Voided,
        version: current.version + 1,
        updated_at: tx.now,
        ..current.clone()
    };
    let command = json!({"command": "void", "id": id, "reason": reason.trim()});
    let actor_id = actor.id.clone();
    commit_change(
        tx,
        "contract.void",
        "void",
        &current,
        next,
        Some(reason.trim().to_string()),
        actor_id,
        command,
        |_, _, _| Ok(()),
    )
}

/// Writes a new version of a contract: the projection, the version row, the amount entries
/// and rollups, and the audit entry. `finish` completes the state once the stamp is known.
#[allow(clippy::too_many_arguments)]
fn commit_change(
    tx: &mut Tx<'_>,
    action: &'static str,
    change: &'static str,
    current: &ContractState,
    next: ContractState,
    reason: Option<String>,
    actor_id: String,
    command: serde_json::Value,
    finish: impl FnOnce(&mut Writes<'_>, &mut ContractState, Stamp) -> Result<(), LedgerError>,
) -> Result<Outcome, LedgerError> {
    let (state, stamp) = tx.change(action, "contract", |w, stamp| {
        let mut state = ContractState {
            audit_seq: stamp.seq,
            ..next
        };
        finish(w, &mut state, stamp)?;
        diesel::update(contracts::table.find(&state.id))
            .set(state.to_row())
            .execute(w.conn()?)?;
        let details = state.details_row();
        if details != current.details_row() {
            diesel::delete(contract_details::table.find(&state.id)).execute(w.conn()?)?;
            if let Some(details) = details {
                diesel::insert_into(contract_details::table)
                    .values(details)
                    .execute(w.conn()?)?;
            }
        }
        record_version(
            w,
            Some(current),
            &state,
            change,
            reason.clone(),
            actor_id,
            stamp,
        )?;
        let payload = json!({"command": command, "reason": reason, "state": state});
        Ok((state.id.clone(), payload, state))
    })?;
    outcome(stamp.seq, false, &state)
}

/// The version row and the amount entries of a change.
fn record_version(
    w: &mut Writes<'_>,
    before: Option<&ContractState>,
    after: &ContractState,
    change: &str,
    reason: Option<String>,
    actor_id: String,
    stamp: Stamp,
) -> Result<(), LedgerError> {
    let row = projection::contract_version_row(after, change, reason, actor_id);
    w.pending.defer_version(row);
    projection::apply(
        w,
        &projection::amount_lines(before, after, stamp.seq, stamp.at),
    )?;
    Ok(())
}

/// The next registration number of `office` in the year of `at` (Asia/Shanghai): gap-free
/// because it is taken inside the transaction that holds the chain lock.
fn next_registration_no(
    w: &mut Writes<'_>,
    office: OfficeCode,
    at: NaiveDateTime,
) -> Result<RegistrationNo, LedgerError> {
    let year = crate::time::shanghai_date(at).year();
    let next = w.next_counter(office.code(), year)?;
    let year = u16::try_from(year)
        .map_err(|_| LedgerError::Storage(format!("year {year} out of range")))?;
    let seq = u32::try_from(next)
        .map_err(|_| LedgerError::Storage("registration counter out of range".into()))?;
    RegistrationNo::new(year, office, seq).map_err(|e| {
        LedgerError::conflict(
            "registration_numbers_exhausted",
            format!("no registration number left: {e}"),
            "本年度该登记点的登记号已用尽",
        )
    })
}

/// A party reference resolved without writing anything yet.
/// A new contract's parties as found, the live contract it would duplicate, and every rule it
/// breaks — checked without writing anything.
pub(super) struct Checked {
    seller: Resolved,
    buyer: Resolved,
    /// The live contract it repeats (its number, or its id).
    pub duplicate_of: Option<String>,
    /// Every rule it breaks (an unconfirmed duplicate among them).
    pub errors: Vec<FieldError>,
}

/// Checks a new contract's content, particulars and parties, and whether it repeats a live
/// contract: what registration checks, and what a submission is checked against before it
/// reaches the queue.
pub(super) fn check_new(tx: &mut Tx<'_>, cmd: &NewContract) -> Result<Checked, LedgerError> {
    let mut errors = check_content(
        tx,
        &cmd.title,
        cmd.contract_type,
        cmd.subtype.map(|s| s.code()),
        cmd.signed_on,
        cmd.valid_until,
        cmd.contract_amount,
        cmd.technical_amount,
    );
    errors.extend(
        cmd.particulars
            .check(cmd.contract_type, cmd.technical_amount),
    );
    let seller = resolve(tx, &cmd.seller, "seller", &mut errors)?;
    let buyer = resolve(tx, &cmd.buyer, "buyer", &mut errors)?;
    let buyer_field = if matches!(cmd.buyer, PartyRef::Id(_)) {
        "buyer_id"
    } else {
        "buyer"
    };
    if let (Resolved::Existing(s), Resolved::Existing(b)) = (&seller, &buyer)
        && s.id == b.id
    {
        errors.push(same_party(buyer_field));
    }
    // A contract like a live one is refused unless confirmed; a confirmed one names it.
    let mut duplicate_of = None;
    if let (Resolved::Existing(s), Resolved::Existing(b)) = (&seller, &buyer) {
        let key = (
            s.id.clone(),
            b.id.clone(),
            cmd.contract_type.code().to_string(),
            cmd.contract_amount.fen(),
            cmd.technical_amount.fen(),
            cmd.signed_on,
        );
        duplicate_of = duplicates::find(tx, &key)?;
        if let Some(existing) = &duplicate_of
            && !tx.confirm_duplicates
        {
            errors.push(duplicates::refusal(existing));
        }
    }
    if let (Resolved::New(s), Resolved::New(b)) = (&seller, &buyer)
        && s.credit_code.is_some()
        && s.credit_code == b.credit_code
    {
        errors.push(same_party(buyer_field));
    }
    Ok(Checked {
        seller,
        buyer,
        duplicate_of,
        errors,
    })
}

enum Resolved {
    Existing(PartyState),
    New(super::NewParty),
    Missing,
}

fn resolve(
    tx: &mut Tx<'_>,
    party: &PartyRef,
    side: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Resolved, LedgerError> {
    Ok(match party {
        PartyRef::Id(id) => match tx.party_by_id(id)? {
            Some(party) => Resolved::Existing(party),
            None => {
                errors.push(FieldError::new(
                    format!("{side}_id"),
                    format!("no party with id {id}"),
                    "合同主体不存在",
                ));
                Resolved::Missing
            }
        },
        PartyRef::CreditCode(code) => match tx.party_by_code(code.as_str())? {
            Some(party) => Resolved::Existing(party),
            None => {
                errors.push(FieldError::new(
                    format!("{side}.credit_code"),
                    format!("no party with credit code {code}; give its name, kind and region to create it"),
                    format!("没有统一社会信用代码为 {code} 的主体；请填写名称、类型和地区以新建"),
                ));
                Resolved::Missing
            }
        },
        PartyRef::Inline(new) => {
            let existing = match &new.credit_code {
                Some(code) => tx.party_by_code(code.as_str())?,
                None => None,
            };
            match existing {
                Some(party) => {
                    if new.name.trim() != party.name {
                        tx.warnings.push(name_differs(side, &party));
                    }
                    if let Some(legal) = new.legal_representative.as_deref()
                        && Some(legal.trim()) != party.legal_representative.as_deref()
                    {
                        tx.warnings.push(FieldError::new(
                            format!("{side}.legal_representative"),
                            format!(
                                "the party records its legal representative as {:?}; a change is a party update with its own reason",
                                party.legal_representative.as_deref().unwrap_or("")
                            ),
                            format!(
                                "该主体登记的法定代表人为「{}」，未更改；如需变更请修改合同主体",
                                party.legal_representative.as_deref().unwrap_or("")
                            ),
                        ));
                    }
                    Resolved::Existing(party)
                }
                None => {
                    let prefix = format!("{side}.");
                    let problems = new.check();
                    if problems.is_empty() {
                        Resolved::New(new.clone())
                    } else {
                        errors.extend(problems.into_iter().map(|e| e.prefixed(&prefix)));
                        Resolved::Missing
                    }
                }
            }
        }
    })
}

fn materialise(tx: &mut Tx<'_>, resolved: Resolved) -> Result<PartyState, LedgerError> {
    match resolved {
        Resolved::Existing(p) => Ok(p),
        Resolved::New(new) => parties::insert(tx, &new),
        Resolved::Missing => Err(LedgerError::Storage(
            "unresolved party after validation".into(),
        )),
    }
}

fn party_change(
    tx: &mut Tx<'_>,
    id: Option<&str>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Option<PartyState>, LedgerError> {
    let Some(id) = id else { return Ok(None) };
    match tx.party_by_id(id)? {
        Some(party) => Ok(Some(party)),
        None => {
            errors.push(FieldError::new(
                field,
                format!("no party with id {id}"),
                "合同主体不存在",
            ));
            Ok(None)
        }
    }
}

/// An inline party matched an existing one on its credit code under another name: the stored
/// party is used as it is (a rename is a party update, with its own reason and audit entry),
/// and the registrar is told so, since either the name or the code in the sheet may be wrong.
fn name_differs(side: &str, stored: &PartyState) -> FieldError {
    let code = stored.credit_code.as_ref().map_or("", |c| c.as_str());
    FieldError::new(
        format!("{side}.name"),
        format!(
            "the party with credit code {code} is recorded as \u{201c}{}\u{201d}; the recorded party was used and its name left unchanged",
            stored.name
        ),
        format!(
            "统一社会信用代码 {code} 已登记为「{}」：已使用已登记的主体，名称未更改",
            stored.name
        ),
    )
}

fn same_party(field: &str) -> FieldError {
    FieldError::new(
        field,
        "seller and buyer are the same party",
        "买方与卖方不能是同一主体",
    )
}

/// Rules on a contract's own fields, every violation named.
#[allow(clippy::too_many_arguments)]
fn check_content(
    tx: &Tx<'_>,
    title: &str,
    contract_type: ContractType,
    subtype: Option<&str>,
    signed_on: chrono::NaiveDate,
    valid_until: Option<chrono::NaiveDate>,
    contract_amount: Money,
    technical_amount: Money,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let title = title.trim();
    if title.is_empty() {
        errors.push(FieldError::new(
            "title",
            "must not be empty",
            "合同名称不能为空",
        ));
    } else if title.chars().count() > TITLE_MAX {
        errors.push(FieldError::new(
            "title",
            format!("at most {TITLE_MAX} characters"),
            format!("合同名称不能超过{TITLE_MAX}个字符"),
        ));
    }
    super::text::check_line("title", title, &mut errors);
    if let Some(code) = subtype
        && let Err(e) = Subtype::parse(contract_type, code)
    {
        errors.push(FieldError::from_domain("subtype", &e));
    }
    if technical_amount > contract_amount {
        errors.push(FieldError::new(
            "technical_amount",
            format!("the technical amount ({technical_amount}) may not exceed the contract amount ({contract_amount})"),
            format!("技术交易额（{technical_amount}元）不能高于合同成交额（{contract_amount}元）"),
        ));
    }
    let today = crate::time::shanghai_date(tx.now);
    if signed_on > today {
        errors.push(FieldError::new(
            "signed_on",
            "must not be in the future",
            "签订日期不能晚于今天",
        ));
    }
    if signed_on.year() < 1980 {
        errors.push(FieldError::new(
            "signed_on",
            "must be 1980 or later",
            "签订日期不能早于1980年",
        ));
    }
    if let Some(until) = valid_until
        && until < signed_on
    {
        errors.push(FieldError::new(
            "valid_until",
            "must not be before the signing date",
            "有效期不能早于签订日期",
        ));
    }
    errors
}

fn check_reason(reason: &str, errors: &mut Vec<FieldError>) {
    let reason = reason.trim();
    if reason.is_empty() {
        errors.push(FieldError::new(
            "reason",
            "a reason is required",
            "必须填写原因",
        ));
    } else if reason.chars().count() > REASON_MAX {
        errors.push(FieldError::new(
            "reason",
            format!("at most {REASON_MAX} characters"),
            format!("原因不能超过{REASON_MAX}个字符"),
        ));
    }
    super::text::check_lines("reason", reason, errors);
}

fn registrar<'a>(tx: &Tx<'a>, what_en: &str, what_zh: &str) -> Result<&'a Actor, LedgerError> {
    tx.require(&[Role::Registrar], what_en, what_zh)
}

fn own_office(actor: &Actor) -> Result<OfficeCode, LedgerError> {
    actor.office.ok_or_else(|| {
        LedgerError::forbidden("you have no registration office", "您没有所属登记点")
    })
}

fn same_office(actor: &Actor, contract: &ContractState) -> Result<(), LedgerError> {
    if actor.office == Some(contract.office) {
        Ok(())
    } else {
        Err(LedgerError::forbidden(
            format!(
                "the contract belongs to office {}, not yours",
                contract.office.code()
            ),
            format!("该合同属于{}，不属于您的登记点", contract.office.name_zh()),
        ))
    }
}

fn refuse_if_closed(
    contract: &ContractState,
    what_en: &str,
    what_zh: &str,
) -> Result<(), LedgerError> {
    match contract.status {
        ContractStatus::Voided => Err(LedgerError::conflict(
            "contract_voided",
            format!("a voided contract cannot be changed ({what_en})"),
            format!("已注销的合同不能{what_zh}"),
        )),
        ContractStatus::Refused => Err(LedgerError::conflict(
            "contract_refused",
            format!("a refused contract cannot be changed ({what_en})"),
            format!("未予登记的合同不能{what_zh}"),
        )),
        _ => Ok(()),
    }
}

/// The contract `id`, or 404.
pub(super) fn load(conn: &mut DbConn, id: &str) -> Result<ContractState, LedgerError> {
    let row = contract_rows::by_id(conn, id)?.ok_or_else(|| LedgerError::NotFound {
        entity: "contract",
        id: id.to_string(),
    })?;
    let details = contract_rows::details_of(conn, &[id.to_string()])?;
    Ok(ContractState::from_row(row)?.with_details(details.get(id))?)
}

/// A contact with its name trimmed.
fn trimmed(contact: crate::records::Contact) -> crate::records::Contact {
    crate::records::Contact {
        name: contact.name.trim().to_string(),
        ..contact
    }
}

fn outcome(seq: i64, created: bool, state: &ContractState) -> Result<Outcome, LedgerError> {
    Ok(Outcome {
        audit_seq: seq,
        created,
        body: serde_json::to_value(state).map_err(|e| LedgerError::Storage(e.to_string()))?,
        replayed: false,
    })
}
