//! Online submissions and their versions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{submission_decisions, submission_versions, submissions};

/// A submission row (the current state).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = submissions, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct SubmissionRow {
    /// UUID.
    pub id: String,
    /// The applicant.
    pub applicant_id: String,
    /// The office whose queue it is in.
    pub office: String,
    /// Status code.
    pub status: String,
    /// Current version.
    pub version: i32,
    /// When the current version was submitted.
    pub queued_at: NaiveDateTime,
    /// The contract an acceptance registered.
    pub contract_id: Option<String>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// seq of the last audit entry that changed it.
    pub audit_seq: i64,
}

/// A submitted version of the form (append-only).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = submission_versions)]
pub struct SubmissionVersionRow {
    /// The submission.
    pub submission_id: String,
    /// 1, 2, …
    pub version: i32,
    /// The form (JSON).
    pub form: String,
    /// SHA-256 of the attached file.
    pub file_sha256: String,
    /// pdf | jpeg | png.
    pub file_kind: String,
    /// Bytes.
    pub file_size: i64,
    /// The uploaded file's name.
    pub file_name: Option<String>,
    /// When.
    pub submitted_at: NaiveDateTime,
    /// seq of the audit entry that recorded it.
    pub audit_seq: i64,
}

/// Which submissions a list shows.
#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    /// Only this applicant's.
    pub applicant_id: Option<String>,
    /// Only this office's.
    pub office: Option<String>,
    /// Only in this status.
    pub status: Option<String>,
}

/// The submission `id`.
pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<SubmissionRow>> {
    submissions::table
        .find(id)
        .select(SubmissionRow::as_select())
        .first(conn)
        .optional()
}

/// The submission whose acceptance registered `contract_id`.
pub fn by_contract(conn: &mut DbConn, contract_id: &str) -> QueryResult<Option<SubmissionRow>> {
    submissions::table
        .filter(submissions::contract_id.eq(contract_id))
        .select(SubmissionRow::as_select())
        .first(conn)
        .optional()
}

/// Submissions matching `filter`, longest in the queue first, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: &SubmissionFilter,
    limit: i64,
) -> QueryResult<Vec<SubmissionRow>> {
    let mut query = submissions::table
        .select(SubmissionRow::as_select())
        .into_boxed();
    if let Some(a) = &filter.applicant_id {
        query = query.filter(submissions::applicant_id.eq(a.clone()));
    }
    if let Some(o) = &filter.office {
        query = query.filter(submissions::office.eq(o.clone()));
    }
    if let Some(s) = &filter.status {
        query = query.filter(submissions::status.eq(s.clone()));
    }
    query
        .order((submissions::queued_at.asc(), submissions::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Every version of submission `id`, oldest first.
pub fn versions(conn: &mut DbConn, id: &str) -> QueryResult<Vec<SubmissionVersionRow>> {
    submission_versions::table
        .filter(submission_versions::submission_id.eq(id))
        .select(SubmissionVersionRow::as_select())
        .order(submission_versions::version.asc())
        .load(conn)
}

/// Version `version` of submission `id`.
pub fn version(
    conn: &mut DbConn,
    id: &str,
    version: i32,
) -> QueryResult<Option<SubmissionVersionRow>> {
    submission_versions::table
        .find((id, version))
        .select(SubmissionVersionRow::as_select())
        .first(conn)
        .optional()
}

/// A registrar's decision on a version (append-only).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = submission_decisions)]
pub struct SubmissionDecisionRow {
    /// The submission.
    pub submission_id: String,
    /// The version decided on.
    pub version: i32,
    /// returned | accepted | refused.
    pub decision: String,
    /// A return's reasons per field (JSON).
    pub return_reasons: Option<String>,
    /// A refusal's reason.
    pub refusal_reason: Option<String>,
    /// The contract an acceptance registered.
    pub contract_id: Option<String>,
    /// The registrar.
    pub decided_by: String,
    /// When.
    pub decided_at: NaiveDateTime,
    /// seq of the audit entry that recorded it.
    pub audit_seq: i64,
}

/// Every decision on submission `id`, oldest first.
pub fn decisions(conn: &mut DbConn, id: &str) -> QueryResult<Vec<SubmissionDecisionRow>> {
    submission_decisions::table
        .filter(submission_decisions::submission_id.eq(id))
        .select(SubmissionDecisionRow::as_select())
        .order(submission_decisions::version.asc())
        .load(conn)
}
