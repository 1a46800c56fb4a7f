//! Online submissions (issue 16): an applicant submits a contract form with the signed
//! contract for an office's queue (`submission.submit`) and may correct it while it waits or
//! after it was returned (`submission.resubmit`: a new version, the old one kept); a registrar
//! of that office returns it with reasons per field (`submission.return`), refuses it
//! (`submission.refuse`) or accepts it (`submission.accept`), which registers its contract
//! through the same rules as a registrar's own registration (`contract.register`, and
//! `party.create` for a new party, in the same transaction). Each step is one audit entry
//! carrying the submission's state; the submitted version's entry carries the form and the
//! attached file's SHA-256.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::contracts::{self, Checked};
use super::tx::Tx;
use super::{FieldError, LedgerError, NewContract, Outcome, PartyRef};
use crate::db::models::submissions as rows;
use crate::db::models::users as user_rows;
use crate::db::schema::{submission_decisions, submission_versions, submissions};
use crate::domain::{OfficeCode, Role, SubmissionStatus};
use crate::records::{
    AttachedFile, FieldReason, SubmissionDecision, SubmissionState, SubmissionVersion,
};

/// A version of the form to submit.
#[derive(Debug, Clone, Serialize)]
pub struct SubmissionDraft {
    /// The office whose queue it goes to.
    pub office: OfficeCode,
    /// The form as the applicant filled it (what the registrar reads and accepts).
    pub form: serde_json::Value,
    /// The form, parsed.
    #[serde(skip)]
    pub contract: NewContract,
    /// The signed contract (already stored under its digest); a resubmission without one
    /// keeps the previous version's.
    pub file: Option<AttachedFile>,
}

/// A registrar's decision on the version they read.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Back to the applicant, with what to correct.
    Return {
        /// Reasons per field.
        reasons: Vec<FieldReason>,
    },
    /// Registered.
    Accept {
        /// The version's form, parsed (by the caller, from the stored form).
        #[serde(skip)]
        contract: Box<NewContract>,
    },
    /// Refused.
    Refuse {
        /// Why.
        reason: String,
    },
}

/// The fields of the contract form a return may name (and their sub-fields: `seller.name`).
const FORM_FIELDS: [&str; 18] = [
    "title",
    "contract_type",
    "subtype",
    "seller",
    "buyer",
    "signed_on",
    "valid_until",
    "contract_amount",
    "technical_amount",
    "tech_field",
    "ip_type",
    "office",
    "party_contract_no",
    "seller_contact",
    "buyer_contact",
    "technical_split",
    "file",
    "confirm_duplicate",
];

const REASON_MAX: usize = 1000;
const REASONS_MAX: usize = 30;

fn is_form_field(field: &str) -> bool {
    let root = field.split('.').next().unwrap_or_default();
    FORM_FIELDS.contains(&root)
        && field.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
}

/// Every check a version must pass to enter the queue: the seller is the applicant's own party,
/// given by its fields; the contract passes the registration rules (a duplicate of a live
/// contract only when confirmed); a file is attached.
fn check_draft(
    tx: &mut Tx<'_>,
    draft: &SubmissionDraft,
    credit_code: Option<&str>,
) -> Result<(), LedgerError> {
    let mut errors = Vec::new();
    for (side, party) in [
        ("seller", &draft.contract.seller),
        ("buyer", &draft.contract.buyer),
    ] {
        if !matches!(party, PartyRef::Inline(_)) {
            errors.push(FieldError::new(
                format!("{side}_id"),
                format!("an applicant gives the {side}'s fields ({side}), not a party id"),
                "申请人请填写合同主体的信息，而不是主体编号",
            ));
        }
    }
    if let PartyRef::Inline(seller) = &draft.contract.seller
        && seller.credit_code.as_ref().map(|c| c.as_str()) != credit_code
    {
        errors.push(FieldError::new(
            "seller.credit_code",
            format!(
                "the seller is the party you submit for: its credit code is {}",
                credit_code.unwrap_or("-")
            ),
            format!(
                "卖方（技术提供方）应为您所代表的单位，统一社会信用代码为{}",
                credit_code.unwrap_or("-")
            ),
        ));
    }
    if draft.file.is_none() {
        errors.push(FieldError::new(
            "file",
            "attach the signed contract (PDF, JPEG or PNG)",
            "请上传已签署的合同文本（PDF、JPEG或PNG）",
        ));
    }
    let Checked {
        errors: contract_errors,
        ..
    } = contracts::check_new(tx, &draft.contract)?;
    errors.extend(contract_errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(LedgerError::Invalid(errors))
    }
}

/// The signed-in applicant's bound credit code.
fn applicant_code(tx: &mut Tx<'_>) -> Result<(String, Option<String>), LedgerError> {
    let actor = tx.require(&[Role::Applicant], "submit contracts", "提交合同")?;
    let id = actor.id.clone();
    let row = user_rows::by_id(tx.conn()?, &id)?.ok_or_else(|| LedgerError::NotFound {
        entity: "user",
        id: id.clone(),
    })?;
    Ok((id, row.credit_code))
}

/// `submission.submit`.
pub(super) fn submit(tx: &mut Tx<'_>, draft: &SubmissionDraft) -> Result<Outcome, LedgerError> {
    let (applicant_id, code) = applicant_code(tx)?;
    check_draft(tx, draft, code.as_deref())?;
    let file = draft
        .file
        .clone()
        .ok_or_else(|| LedgerError::Storage("no file".into()))?;
    let now = tx.now;
    let command = serde_json::to_value(draft).map_err(|e| LedgerError::Storage(e.to_string()))?;
    let (state, stamp) = tx.change("submission.submit", "submission", |w, stamp| {
        let state = SubmissionState {
            id: uuid::Uuid::now_v7().to_string(),
            applicant_id: applicant_id.clone(),
            office: draft.office,
            status: SubmissionStatus::Submitted,
            version: 1,
            queued_at: now,
            contract_id: None,
            created_at: now,
            updated_at: now,
            audit_seq: stamp.seq,
        };
        let version = SubmissionVersion {
            submission_id: state.id.clone(),
            version: 1,
            form: draft.form.clone(),
            file,
            submitted_at: now,
            audit_seq: stamp.seq,
        };
        diesel::insert_into(submissions::table)
            .values(state.to_row())
            .execute(w.conn()?)?;
        diesel::insert_into(submission_versions::table)
            .values(version.to_row())
            .execute(w.conn()?)?;
        let payload = json!({"command": command, "state": state, "version": version});
        Ok((state.id.clone(), payload, state))
    })?;
    outcome(stamp.seq, true, &state)
}

/// The submission `id`, if the acting applicant may see it: another's is not found.
fn own(tx: &mut Tx<'_>, id: &str, applicant_id: &str) -> Result<SubmissionState, LedgerError> {
    let row = rows::by_id(tx.conn()?, id)?;
    match row {
        Some(row) if row.applicant_id == applicant_id => Ok(SubmissionState::from_row(&row)?),
        _ => Err(LedgerError::NotFound {
            entity: "submission",
            id: id.to_string(),
        }),
    }
}

/// `submission.resubmit`: a new version of a submission still in the queue or returned.
pub(super) fn resubmit(
    tx: &mut Tx<'_>,
    id: &str,
    draft: &SubmissionDraft,
) -> Result<Outcome, LedgerError> {
    let (applicant_id, code) = applicant_code(tx)?;
    let current = own(tx, id, &applicant_id)?;
    if !matches!(
        current.status,
        SubmissionStatus::Submitted | SubmissionStatus::Returned
    ) {
        return Err(LedgerError::conflict(
            "submission_decided",
            format!(
                "the submission was {} and can no longer change",
                current.status.code()
            ),
            format!("该申请已{}，不能再修改", current.status.label_zh()),
        ));
    }
    let mut draft = draft.clone();
    if draft.file.is_none() {
        let previous = rows::version(tx.conn()?, id, current.version)?
            .ok_or_else(|| LedgerError::Storage(format!("submission {id} lost its version")))?;
        draft.file = Some(SubmissionVersion::from_row(&previous)?.file);
    }
    check_draft(tx, &draft, code.as_deref())?;
    let file = draft
        .file
        .clone()
        .ok_or_else(|| LedgerError::Storage("no file".into()))?;
    let now = tx.now;
    let command = json!({"command": "resubmit_submission", "id": id, "draft": draft});
    let (state, stamp) = tx.change("submission.resubmit", "submission", |w, stamp| {
        let state = SubmissionState {
            office: draft.office,
            status: SubmissionStatus::Submitted,
            version: current.version + 1,
            queued_at: now,
            updated_at: now,
            audit_seq: stamp.seq,
            ..current
        };
        let version = SubmissionVersion {
            submission_id: state.id.clone(),
            version: state.version,
            form: draft.form.clone(),
            file,
            submitted_at: now,
            audit_seq: stamp.seq,
        };
        diesel::update(submissions::table.find(&state.id))
            .set(state.to_row())
            .execute(w.conn()?)?;
        diesel::insert_into(submission_versions::table)
            .values(version.to_row())
            .execute(w.conn()?)?;
        let payload = json!({"command": command, "state": state, "version": version});
        Ok((state.id.clone(), payload, state))
    })?;
    outcome(stamp.seq, false, &state)
}

/// Returns, accepts or refuses version `version` of submission `id`: a registrar of its office,
/// on the version in the queue.
pub(super) fn decide(
    tx: &mut Tx<'_>,
    id: &str,
    version: i32,
    decision: &Decision,
) -> Result<Outcome, LedgerError> {
    let actor = tx.require(&[Role::Registrar], "decide on submissions", "受理申请")?;
    let (actor_id, actor_office) = (actor.id.clone(), actor.office);
    let row = rows::by_id(tx.conn()?, id)?.ok_or_else(|| LedgerError::NotFound {
        entity: "submission",
        id: id.to_string(),
    })?;
    let current = SubmissionState::from_row(&row)?;
    if actor_office != Some(current.office) {
        return Err(LedgerError::forbidden(
            format!(
                "the submission is in the queue of office {}, not yours",
                current.office.code()
            ),
            format!("该申请提交给{}，不属于您的登记点", current.office.name_zh()),
        ));
    }
    if current.status != SubmissionStatus::Submitted {
        return Err(LedgerError::conflict(
            "submission_not_waiting",
            format!(
                "the submission is {}, not waiting in the queue",
                current.status.code()
            ),
            format!(
                "该申请当前为“{}”，不在待受理队列中",
                current.status.label_zh()
            ),
        ));
    }
    if version != current.version {
        return Err(LedgerError::conflict(
            "stale_version",
            format!(
                "the applicant submitted version {} since you read version {version}: read it again",
                current.version
            ),
            format!("申请人已提交第{}版，请重新查看后再处理", current.version),
        ));
    }
    let (status, reasons, refusal, action) = match decision {
        Decision::Return { reasons } => {
            check_reasons(reasons)?;
            (
                SubmissionStatus::Returned,
                reasons.clone(),
                None,
                "submission.return",
            )
        }
        Decision::Refuse { reason } => {
            check_reason("reason", reason)?;
            (
                SubmissionStatus::Refused,
                Vec::new(),
                Some(reason.trim().to_string()),
                "submission.refuse",
            )
        }
        Decision::Accept { .. } => (
            SubmissionStatus::Accepted,
            Vec::new(),
            None,
            "submission.accept",
        ),
    };
    // Acceptance registers the contract first, by the registration rules and in this
    // transaction: refused there, nothing is written.
    let contract = match decision {
        Decision::Accept { contract } => Some(contracts::register_one(tx, contract)?),
        _ => None,
    };
    let contract_id = contract.as_ref().map(|c| c.id.clone());
    let now = tx.now;
    let command = json!({"command": action.replace('.', "_"), "id": id, "version": version, "decision": decision});
    let (state, stamp) = tx.change(action, "submission", |w, stamp| {
        let state = SubmissionState {
            status,
            contract_id: contract_id.clone(),
            updated_at: now,
            audit_seq: stamp.seq,
            ..current
        };
        let decided = SubmissionDecision {
            submission_id: state.id.clone(),
            version,
            decision: status,
            return_reasons: reasons,
            refusal_reason: refusal,
            contract_id: contract_id.clone(),
            decided_by: actor_id.clone(),
            decided_at: now,
            audit_seq: stamp.seq,
        };
        diesel::update(submissions::table.find(&state.id))
            .set(state.to_row())
            .execute(w.conn()?)?;
        diesel::insert_into(submission_decisions::table)
            .values(decided.to_row())
            .execute(w.conn()?)?;
        let payload = json!({"command": command, "state": state, "decision": decided});
        Ok((state.id.clone(), payload, state))
    })?;
    let mut answer = outcome(stamp.seq, false, &state)?;
    if let (Some(contract), Some(body)) = (contract, answer.body.as_object_mut()) {
        body.insert(
            "contract".into(),
            serde_json::to_value(contract).map_err(|e| LedgerError::Storage(e.to_string()))?,
        );
    }
    Ok(answer)
}

fn check_reason(field: &str, reason: &str) -> Result<(), LedgerError> {
    let mut errors = Vec::new();
    let trimmed = reason.trim();
    if trimmed.is_empty() || trimmed.chars().count() > REASON_MAX {
        errors.push(FieldError::new(
            field,
            format!("1–{REASON_MAX} characters"),
            format!("理由应为1至{REASON_MAX}个字符"),
        ));
    }
    super::text::check_lines(field, reason, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(LedgerError::Invalid(errors))
    }
}

fn check_reasons(reasons: &[FieldReason]) -> Result<(), LedgerError> {
    let mut errors = Vec::new();
    if reasons.is_empty() || reasons.len() > REASONS_MAX {
        errors.push(FieldError::new(
            "reasons",
            format!("name 1–{REASONS_MAX} fields to correct, each with its reason"),
            format!("请列出1至{REASONS_MAX}个需要补正的字段及理由"),
        ));
    }
    for (i, r) in reasons.iter().enumerate() {
        if !is_form_field(&r.field) {
            errors.push(FieldError::new(
                format!("reasons[{i}].field"),
                format!("{:?} is not a field of the contract form", r.field),
                "不是合同表单中的字段",
            ));
        }
        if let Err(LedgerError::Invalid(mut e)) =
            check_reason(&format!("reasons[{i}].reason"), &r.reason)
        {
            errors.append(&mut e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(LedgerError::Invalid(errors))
    }
}

fn outcome(seq: i64, created: bool, state: &SubmissionState) -> Result<Outcome, LedgerError> {
    Ok(Outcome {
        audit_seq: seq,
        created,
        body: serde_json::to_value(state).map_err(|e| LedgerError::Storage(e.to_string()))?,
        replayed: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_names_fields_of_the_form_only() {
        for ok in [
            "contract_amount",
            "seller.name",
            "seller_contact.phone",
            "file",
        ] {
            assert!(is_form_field(ok), "{ok}");
        }
        for bad in [
            "",
            "password",
            "seller.",
            "Seller.name",
            "seller..name",
            "title;drop",
        ] {
            assert!(!is_form_field(bad), "{bad}");
        }
    }
}
