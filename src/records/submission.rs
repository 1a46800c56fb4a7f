//! An applicant's online submission (issue 16) and the versions of its form.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::attachments::AttachmentKind;
use crate::db::models::submissions::{SubmissionDecisionRow, SubmissionRow, SubmissionVersionRow};
use crate::db::models::{CorruptRow, column};
use crate::domain::{OfficeCode, SubmissionStatus};

/// A registrar's reason for returning one field of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldReason {
    /// The field of the contract form (`contract_amount`, `seller.name`, `file`, …).
    pub field: String,
    /// What to correct.
    pub reason: String,
}

/// A submission as the API shows it and its audit entries record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionState {
    /// UUID.
    pub id: String,
    /// The applicant who submitted it (its only reader among applicants).
    pub applicant_id: String,
    /// The office whose queue it is in.
    #[schema(value_type = String, example = "371302")]
    pub office: OfficeCode,
    /// submitted | returned | accepted | refused.
    #[schema(value_type = String, example = "submitted")]
    pub status: SubmissionStatus,
    /// The current version of its form (1, then one more per resubmission).
    pub version: i32,
    /// When the current version was submitted: the start of its time in the queue.
    #[serde(with = "super::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub queued_at: NaiveDateTime,
    /// The contract its acceptance registered.
    pub contract_id: Option<String>,
    /// Created.
    #[serde(with = "super::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Last changed.
    #[serde(with = "super::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
    /// seq of the audit entry of the last change.
    pub audit_seq: i64,
}

/// The signed contract attached to a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachedFile {
    /// SHA-256 of the content (its name in the attachments directory).
    pub sha256: String,
    /// pdf | jpeg | png, by content.
    #[schema(value_type = String, example = "pdf")]
    pub kind: AttachmentKind,
    /// Bytes.
    pub size: i64,
    /// The name it was uploaded under (for display only).
    pub name: Option<String>,
}

/// One submitted version of the form, never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionVersion {
    /// The submission.
    pub submission_id: String,
    /// 1, 2, …
    pub version: i32,
    /// The contract form as submitted (the body of `POST /api/v1/contracts`).
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// The signed contract.
    pub file: AttachedFile,
    /// When.
    #[serde(with = "super::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: NaiveDateTime,
    /// seq of the audit entry that recorded it.
    pub audit_seq: i64,
}

impl SubmissionState {
    /// The row.
    pub fn to_row(&self) -> SubmissionRow {
        SubmissionRow {
            id: self.id.clone(),
            applicant_id: self.applicant_id.clone(),
            office: self.office.code().to_string(),
            status: self.status.code().to_string(),
            version: self.version,
            queued_at: self.queued_at,
            contract_id: self.contract_id.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            audit_seq: self.audit_seq,
        }
    }

    /// Reads a row back.
    pub fn from_row(row: &SubmissionRow) -> Result<SubmissionState, CorruptRow> {
        let t = "submissions";
        let id = &row.id;
        Ok(SubmissionState {
            id: id.clone(),
            applicant_id: row.applicant_id.clone(),
            office: column(t, id, "office", &row.office, OfficeCode::parse)?,
            status: column(t, id, "status", &row.status, SubmissionStatus::from_code)?,
            version: row.version,
            queued_at: row.queued_at,
            contract_id: row.contract_id.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            audit_seq: row.audit_seq,
        })
    }
}

impl SubmissionVersion {
    /// The row.
    pub fn to_row(&self) -> SubmissionVersionRow {
        SubmissionVersionRow {
            submission_id: self.submission_id.clone(),
            version: self.version,
            form: self.form.to_string(),
            file_sha256: self.file.sha256.clone(),
            file_kind: self.file.kind.code().to_string(),
            file_size: self.file.size,
            file_name: self.file.name.clone(),
            submitted_at: self.submitted_at,
            audit_seq: self.audit_seq,
        }
    }

    /// Reads a row back.
    pub fn from_row(row: &SubmissionVersionRow) -> Result<SubmissionVersion, CorruptRow> {
        let t = "submission_versions";
        let id = format!("{}/v{}", row.submission_id, row.version);
        Ok(SubmissionVersion {
            submission_id: row.submission_id.clone(),
            version: row.version,
            form: column(t, &id, "form", &row.form, |s| {
                serde_json::from_str::<serde_json::Value>(s)
            })?,
            file: AttachedFile {
                sha256: row.file_sha256.clone(),
                kind: column(t, &id, "file_kind", &row.file_kind, |k| {
                    AttachmentKind::from_code(k).ok_or(())
                })?,
                size: row.file_size,
                name: row.file_name.clone(),
            },
            submitted_at: row.submitted_at,
            audit_seq: row.audit_seq,
        })
    }
}

/// A registrar's decision on one version, never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionDecision {
    /// The submission.
    pub submission_id: String,
    /// The version decided on.
    pub version: i32,
    /// returned | accepted | refused.
    #[schema(value_type = String, example = "returned")]
    pub decision: SubmissionStatus,
    /// A return's reasons, per field.
    pub return_reasons: Vec<FieldReason>,
    /// A refusal's reason.
    pub refusal_reason: Option<String>,
    /// The contract an acceptance registered.
    pub contract_id: Option<String>,
    /// The registrar.
    pub decided_by: String,
    /// When.
    #[serde(with = "super::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub decided_at: NaiveDateTime,
    /// seq of the audit entry that recorded it.
    pub audit_seq: i64,
}

impl SubmissionDecision {
    /// The row.
    pub fn to_row(&self) -> SubmissionDecisionRow {
        SubmissionDecisionRow {
            submission_id: self.submission_id.clone(),
            version: self.version,
            decision: self.decision.code().to_string(),
            return_reasons: if self.return_reasons.is_empty() {
                None
            } else {
                serde_json::to_string(&self.return_reasons).ok()
            },
            refusal_reason: self.refusal_reason.clone(),
            contract_id: self.contract_id.clone(),
            decided_by: self.decided_by.clone(),
            decided_at: self.decided_at,
            audit_seq: self.audit_seq,
        }
    }

    /// Reads a row back.
    pub fn from_row(row: &SubmissionDecisionRow) -> Result<SubmissionDecision, CorruptRow> {
        let t = "submission_decisions";
        let id = format!("{}/v{}", row.submission_id, row.version);
        Ok(SubmissionDecision {
            submission_id: row.submission_id.clone(),
            version: row.version,
            decision: column(
                t,
                &id,
                "decision",
                &row.decision,
                SubmissionStatus::from_code,
            )?,
            return_reasons: match &row.return_reasons {
                None => Vec::new(),
                Some(text) => column(t, &id, "return_reasons", text, |s| {
                    serde_json::from_str::<Vec<FieldReason>>(s)
                })?,
            },
            refusal_reason: row.refusal_reason.clone(),
            contract_id: row.contract_id.clone(),
            decided_by: row.decided_by.clone(),
            decided_at: row.decided_at,
            audit_seq: row.audit_seq,
        })
    }
}
