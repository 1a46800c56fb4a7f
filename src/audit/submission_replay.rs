//! Reconciliation of online submissions: the `submission.*` entries replayed into the rows of
//! `submissions`, `submission_versions` and `submission_decisions`, and every attachment the
//! chain names re-hashed in the attachments directory — a signed contract swapped, edited or
//! lost on disk no longer has the SHA-256 its signed entry holds.

use std::collections::HashMap;

use diesel::prelude::*;

use super::entry::AuditEntry;
use super::reconcile::{Comparison, Discrepancy};
use crate::attachments::{AttachmentStore, FileCheck};
use crate::db::DbConn;
use crate::db::models::submissions::{SubmissionDecisionRow, SubmissionRow, SubmissionVersionRow};
use crate::db::schema;
use crate::records::{SubmissionDecision, SubmissionState, SubmissionVersion};

/// What the `submission.*` entries imply.
#[derive(Default)]
pub struct SubmissionReplay {
    states: HashMap<String, SubmissionState>,
    versions: HashMap<String, (SubmissionVersionRow, i64)>,
    decisions: HashMap<String, (SubmissionDecisionRow, i64)>,
}

fn part<T: serde::de::DeserializeOwned>(entry: &AuditEntry, key: &str) -> Result<T, String> {
    let value = entry
        .payload
        .get(key)
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    serde_json::from_value(value).map_err(|e| format!("payload.{key} does not parse: {e}"))
}

impl SubmissionReplay {
    /// Applies a `submission.*` entry.
    pub fn apply(&mut self, entry: &AuditEntry) -> Result<(), String> {
        let state: SubmissionState = part(entry, "state")?;
        match entry.action.as_str() {
            "submission.submit" | "submission.resubmit" => {
                let v: SubmissionVersion = part(entry, "version")?;
                self.versions.insert(
                    format!("{}/v{}", v.submission_id, v.version),
                    (v.to_row(), entry.seq),
                );
            }
            "submission.return" | "submission.accept" | "submission.refuse" => {
                let d: SubmissionDecision = part(entry, "decision")?;
                self.decisions.insert(
                    format!("{}/v{}", d.submission_id, d.version),
                    (d.to_row(), entry.seq),
                );
            }
            other => return Err(format!("unknown action {other:?}")),
        }
        self.states.insert(state.id.clone(), state);
        Ok(())
    }

    /// Compares the replayed rows with the database, and (given the store) re-hashes every
    /// attached file.
    pub(super) fn compare(
        self,
        conn: &mut DbConn,
        attachments: Option<&AttachmentStore>,
        out: &mut Comparison,
    ) -> QueryResult<()> {
        let rows: Vec<SubmissionRow> = schema::submissions::table
            .select(SubmissionRow::as_select())
            .load(conn)?;
        out.table(
            "submissions",
            rows.into_iter().map(|r| (r.id.clone(), r)).collect(),
            self.states
                .values()
                .map(|s| (s.id.clone(), (s.to_row(), s.audit_seq)))
                .collect(),
        );
        let rows: Vec<SubmissionVersionRow> = schema::submission_versions::table
            .select(SubmissionVersionRow::as_select())
            .load(conn)?;
        out.table(
            "submission_versions",
            rows.into_iter()
                .map(|r| (format!("{}/v{}", r.submission_id, r.version), r))
                .collect(),
            self.versions.clone(),
        );
        let rows: Vec<SubmissionDecisionRow> = schema::submission_decisions::table
            .select(SubmissionDecisionRow::as_select())
            .load(conn)?;
        out.table(
            "submission_decisions",
            rows.into_iter()
                .map(|r| (format!("{}/v{}", r.submission_id, r.version), r))
                .collect(),
            self.decisions,
        );
        if let Some(store) = attachments {
            // Each file once, named by the first version that attached it.
            let mut files: HashMap<&str, (&str, i64)> = HashMap::new();
            for (key, (row, seq)) in &self.versions {
                let e = files.entry(row.file_sha256.as_str()).or_insert((key, *seq));
                if *seq < e.1 {
                    *e = (key, *seq);
                }
            }
            out.count("attachments", files.len());
            for (sha, (key, seq)) in files {
                let detail = match store.check(sha) {
                    Ok(FileCheck::Intact) => continue,
                    Ok(FileCheck::Missing) => {
                        format!("the attached file {sha} is missing from the attachments directory")
                    }
                    Ok(FileCheck::Changed { actual }) => format!(
                        "the attached file stored as {sha} now has SHA-256 {actual}: it was changed or swapped"
                    ),
                    Err(e) => format!("the attached file {sha} cannot be read: {e}"),
                };
                out.problem(Discrepancy {
                    table: "attachments".into(),
                    key: key.to_string(),
                    seq: Some(seq),
                    detail,
                });
            }
        }
        Ok(())
    }
}
