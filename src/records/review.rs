//! An auditor's review of a contract.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::models::contracts::ReviewRow;
use crate::db::models::{CorruptRow, column};
use crate::domain::ReviewState;

/// A review as the API shows it and the audit trail records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRecord {
    /// UUID.
    pub id: String,
    /// The contract.
    pub contract_id: String,
    /// The contract version reviewed.
    pub contract_version: i32,
    /// confirmed | disputed.
    #[schema(value_type = String, example = "confirmed")]
    pub verdict: ReviewState,
    /// The auditor's note.
    pub note: String,
    /// The auditor.
    pub reviewer_id: String,
    /// When.
    #[serde(with = "super::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: NaiveDateTime,
    /// Its audit entry.
    pub audit_seq: i64,
}

impl ReviewRecord {
    /// The row.
    pub fn to_row(&self) -> ReviewRow {
        ReviewRow {
            id: self.id.clone(),
            contract_id: self.contract_id.clone(),
            contract_version: self.contract_version,
            verdict: self.verdict.code().to_string(),
            note: self.note.clone(),
            reviewer_id: self.reviewer_id.clone(),
            recorded_at: self.recorded_at,
            audit_seq: self.audit_seq,
        }
    }

    /// Reads a row back.
    pub fn from_row(row: ReviewRow) -> Result<ReviewRecord, CorruptRow> {
        Ok(ReviewRecord {
            verdict: column(
                "reviews",
                &row.id,
                "verdict",
                &row.verdict,
                ReviewState::from_code,
            )?,
            id: row.id,
            contract_id: row.contract_id,
            contract_version: row.contract_version,
            note: row.note,
            reviewer_id: row.reviewer_id,
            recorded_at: row.recorded_at,
            audit_seq: row.audit_seq,
        })
    }
}
