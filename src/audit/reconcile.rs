//! Reconciliation: replays the chain's payloads into the ledger tables they imply — parties
//! and their versions, contracts, versions, reviews, amount entries, rollups, counters, users,
//! keys, imports — and compares them with the database row by row. A row edited behind the
//! application's back disagrees with the chain and is reported with its table, key and the
//! seq of the entry that last set it.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::entry::AuditEntry;
use crate::db::DbConn;
use crate::db::models::contracts::{
    ContractDetailsRow, ContractRow, ContractVersionRow, ReviewRow,
};
use crate::db::models::parties::{PartyRow, PartyVersionRow};
use crate::db::models::rollups::{AmountEntryRow, PartyRollupRow, RollupRow};
use crate::db::models::users::UserRow;
use crate::db::schema;
use crate::ledger::projection::{self, Delta, PartyKey, RollupKey};
use crate::records::{
    ContractState, PASSWORD_DIGEST_KEY, PartyState, ReviewRecord, UserState, password_hash_digest,
};

/// One disagreement between the chain and the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Discrepancy {
    /// The table.
    pub table: String,
    /// The row's key.
    pub key: String,
    /// seq of the entry that last set this row (when the chain has one).
    pub seq: Option<i64>,
    /// What differs.
    pub detail: String,
}

/// The result of a reconciliation.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Reconciliation {
    /// True when every table matches the chain.
    pub ok: bool,
    /// Rows compared per table.
    pub rows: BTreeMap<String, usize>,
    /// The first disagreements found (at most 100), lowest seq first.
    pub discrepancies: Vec<Discrepancy>,
}

/// Everything the chain implies, built entry by entry.
#[derive(Default)]
pub struct Replay {
    parties: HashMap<String, PartyState>,
    party_versions: HashMap<(String, i32), (PartyVersionRow, i64)>,
    contracts: HashMap<String, ContractState>,
    contract_versions: HashMap<(String, i32), (ContractVersionRow, i64)>,
    reviews: HashMap<String, ReviewRecord>,
    amount_entries: HashMap<(i64, i32), AmountEntryRow>,
    /// Each user's state and the digest of its password hash (absent in entries written
    /// before payloads carried it).
    users: HashMap<String, (UserState, Option<String>)>,
    keys: HashMap<
        String,
        (
            String,
            chrono::NaiveDateTime,
            Option<chrono::NaiveDateTime>,
            i64,
        ),
    >,
    imports: HashMap<String, (ImportFacts, i64)>,
    /// Witnesses' cosignatures by `<tree size>/<witness>`: (signature line, signed_at, time).
    cosignatures: HashMap<String, (CosignatureFacts, i64)>,
    submissions: super::submission_replay::SubmissionReplay,
    attachments: Option<crate::attachments::AttachmentStore>,
    rollup_seq: HashMap<RollupKey, i64>,
    party_rollup_seq: HashMap<PartyKey, i64>,
    problems: Vec<Discrepancy>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ImportFacts {
    actor_id: String,
    file_name: Option<String>,
    file_sha256: String,
    rows_total: i32,
    rows_accepted: i32,
    rows_rejected: i32,
    partial: bool,
    recorded_at: chrono::NaiveDateTime,
}

/// What a `log.cosign` entry says of its row of `tlog_cosignatures`.
type CosignatureFacts = (String, i64, chrono::NaiveDateTime, i64);

fn state<T: serde::de::DeserializeOwned>(entry: &AuditEntry, key: &str) -> Result<T, String> {
    let value = entry.payload.get(key).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| format!("payload.{key} does not parse: {e}"))
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

impl Replay {
    /// A replay that also re-hashes the attached files the chain names, in `store`.
    pub fn with_attachments(store: crate::attachments::AttachmentStore) -> Replay {
        Replay {
            attachments: Some(store),
            ..Replay::default()
        }
    }

    /// Applies one (already verified) entry.
    pub fn apply(&mut self, entry: &AuditEntry) {
        if let Err(detail) = self.try_apply(entry) {
            self.problems.push(Discrepancy {
                table: "audit_entries".into(),
                key: entry.seq.to_string(),
                seq: Some(entry.seq),
                detail,
            });
        }
    }

    fn try_apply(&mut self, entry: &AuditEntry) -> Result<(), String> {
        let at = crate::time::parse_rfc3339(&entry.at).ok_or("at is not a time")?;
        let actor_id = entry.actor.as_ref().map(|a| a.id.clone());
        match entry.action.as_str() {
            "party.create" | "party.update" => {
                let s: PartyState = state(entry, "state")?;
                let reason = text(entry.payload.get("command").and_then(|c| c.get("reason")));
                let row = projection::party_version_row(&s, reason, actor_id);
                self.party_versions
                    .insert((s.id.clone(), s.version), (row, entry.seq));
                self.parties.insert(s.id.clone(), s);
            }
            "contract.register" | "contract.amend" | "contract.approve" | "contract.refuse"
            | "contract.void" => {
                let s: ContractState = state(entry, "state")?;
                let change = entry.action.trim_start_matches("contract.");
                let reason = text(entry.payload.get("reason"));
                let actor = actor_id.ok_or("a contract change without an actor")?;
                let before = self.contracts.get(&s.id);
                for line in projection::amount_lines(before, &s, entry.seq, at) {
                    self.track_line(&line, entry.seq);
                    self.amount_entries
                        .insert((line.audit_seq, line.line), line);
                }
                let row = projection::contract_version_row(&s, change, reason, actor);
                self.contract_versions
                    .insert((s.id.clone(), s.version), (row, entry.seq));
                self.contracts.insert(s.id.clone(), s);
            }
            "contract.review" => {
                let s: ContractState = state(entry, "state")?;
                let r: ReviewRecord = state(entry, "review")?;
                let before = self.contracts.get(&s.id);
                for line in projection::amount_lines(before, &s, entry.seq, at) {
                    self.track_line(&line, entry.seq);
                    self.amount_entries
                        .insert((line.audit_seq, line.line), line);
                }
                self.reviews.insert(r.id.clone(), r);
                self.contracts.insert(s.id.clone(), s);
            }
            "user.create" | "user.update" | "user.sign_up" | "user.activate" => {
                let s: UserState = state(entry, "state")?;
                let digest = text(entry.payload.get(PASSWORD_DIGEST_KEY));
                self.users.insert(s.id.clone(), (s, digest));
            }
            "key.rotate" => {
                let kid: String = state(entry, "kid")?;
                let public_key: String = state(entry, "public_key")?;
                if let Some(prev) = text(entry.payload.get("previous"))
                    && let Some(k) = self.keys.get_mut(&prev)
                {
                    k.2 = Some(at);
                }
                self.keys.insert(kid, (public_key, at, None, entry.seq));
            }
            "import.commit" => {
                let command = entry.payload.get("command").cloned().unwrap_or(Value::Null);
                let rejected = entry
                    .payload
                    .get("rejected")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                let facts = ImportFacts {
                    actor_id: actor_id.ok_or("an import without an actor")?,
                    file_name: text(command.get("file_name")),
                    file_sha256: text(command.get("file_sha256")).unwrap_or_default(),
                    rows_total: command
                        .get("rows_total")
                        .and_then(Value::as_i64)
                        .unwrap_or(0) as i32,
                    rows_accepted: entry
                        .payload
                        .get("accepted")
                        .and_then(Value::as_i64)
                        .unwrap_or(0) as i32,
                    rows_rejected: rejected as i32,
                    partial: command
                        .get("partial")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    recorded_at: at,
                };
                self.imports
                    .insert(entry.entity.id.clone(), (facts, entry.seq));
            }
            "log.cosign" => {
                let tree_size: i64 = state(entry, "tree_size")?;
                let witness: String = state(entry, "witness")?;
                let line: String = state(entry, "signature_line")?;
                let signed_at: i64 = state(entry, "signed_at")?;
                if entry.entity.id != tree_size.to_string() {
                    return Err("a cosignature entry about another checkpoint".into());
                }
                self.cosignatures.insert(
                    format!("{tree_size}/{witness}"),
                    ((line, signed_at, at, entry.seq), entry.seq),
                );
            }
            action if action.starts_with("submission.") => self.submissions.apply(entry)?,
            other => return Err(format!("unknown action {other:?}")),
        }
        Ok(())
    }

    fn track_line(&mut self, line: &AmountEntryRow, seq: i64) {
        let (rollup, party) = projection::rollup_deltas(std::slice::from_ref(line));
        for key in rollup.into_keys() {
            self.rollup_seq.insert(key, seq);
        }
        for key in party.into_keys() {
            self.party_rollup_seq.insert(key, seq);
        }
    }

    /// Compares everything replayed with the database.
    pub fn compare(self, conn: &mut DbConn) -> QueryResult<Reconciliation> {
        let mut out = Comparison::default();
        out.problems.extend(self.problems.iter().cloned());

        // Parties.
        let rows: Vec<PartyRow> = schema::parties::table
            .select(PartyRow::as_select())
            .load(conn)?;
        let expected: HashMap<String, (PartyRow, i64)> = self
            .parties
            .values()
            .map(|s| (s.id.clone(), (s.to_row(), s.audit_seq)))
            .collect();
        out.table(
            "parties",
            rows.into_iter().map(|r| (r.id.clone(), r)).collect(),
            expected,
        );

        let rows: Vec<PartyVersionRow> = schema::party_versions::table
            .select(PartyVersionRow::as_select())
            .load(conn)?;
        out.table(
            "party_versions",
            rows.into_iter()
                .map(|r| (format!("{}/v{}", r.party_id, r.version), r))
                .collect(),
            self.party_versions
                .into_iter()
                .map(|((id, v), row)| (format!("{id}/v{v}"), row))
                .collect(),
        );

        // Contracts.
        let rows: Vec<ContractRow> = schema::contracts::table
            .select(ContractRow::as_select())
            .load(conn)?;
        let expected: HashMap<String, (ContractRow, i64)> = self
            .contracts
            .values()
            .map(|s| (s.id.clone(), (s.to_row(), s.audit_seq)))
            .collect();
        out.table(
            "contracts",
            rows.into_iter().map(|r| (r.id.clone(), r)).collect(),
            expected,
        );

        // A contract's own number, contacts and technical amount split (a row only for a
        // contract that has any).
        let rows: Vec<ContractDetailsRow> = schema::contract_details::table
            .select(ContractDetailsRow::as_select())
            .load(conn)?;
        out.table(
            "contract_details",
            rows.into_iter()
                .map(|r| (r.contract_id.clone(), r))
                .collect(),
            self.contracts
                .values()
                .filter_map(|s| s.details_row().map(|r| (s.id.clone(), (r, s.audit_seq))))
                .collect(),
        );

        let rows: Vec<ContractVersionRow> = schema::contract_versions::table
            .select(ContractVersionRow::as_select())
            .load(conn)?;
        out.table(
            "contract_versions",
            rows.into_iter()
                .map(|r| (format!("{}/v{}", r.contract_id, r.version), r))
                .collect(),
            self.contract_versions
                .into_iter()
                .map(|((id, v), row)| (format!("{id}/v{v}"), row))
                .collect(),
        );

        let rows: Vec<ReviewRow> = schema::reviews::table
            .select(ReviewRow::as_select())
            .load(conn)?;
        out.table(
            "reviews",
            rows.into_iter().map(|r| (r.id.clone(), r)).collect(),
            self.reviews
                .values()
                .map(|r| (r.id.clone(), (r.to_row(), r.audit_seq)))
                .collect(),
        );

        // Amount entries, rollups, party rollups.
        let rows: Vec<AmountEntryRow> = schema::amount_entries::table
            .select(AmountEntryRow::as_select())
            .load(conn)?;
        let lines: Vec<AmountEntryRow> = self.amount_entries.values().cloned().collect();
        out.table(
            "amount_entries",
            rows.into_iter()
                .map(|r| (format!("{}/{}", r.audit_seq, r.line), r))
                .collect(),
            self.amount_entries
                .into_values()
                .map(|r| {
                    (
                        format!("{}/{}", r.audit_seq, r.line),
                        (r.clone(), r.audit_seq),
                    )
                })
                .collect(),
        );
        let (rollups, party_rollups) = projection::rollup_deltas(&lines);
        let rows: Vec<RollupRow> = schema::rollups::table
            .select(RollupRow::as_select())
            .load(conn)?;
        let key_of = |y: i32, m: i32, d: &str, k: &str| format!("{y}-{m:02}/{d}/{k}");
        out.totals(
            "rollups",
            rows.into_iter()
                .map(|r| {
                    (
                        key_of(r.year, r.month, &r.dimension, &r.key),
                        [r.turnover_fen, r.technical_fen, r.contracts, r.introduced]
                            .map(i128::from),
                    )
                })
                .collect(),
            rollups
                .into_iter()
                .map(|(k, d)| {
                    let seq = self.rollup_seq.get(&k).copied().unwrap_or(0);
                    (key_of(k.0, k.1, k.2, &k.3), (d, seq))
                })
                .collect(),
        );
        let rows: Vec<PartyRollupRow> = schema::party_rollups::table
            .select(PartyRollupRow::as_select())
            .load(conn)?;
        out.totals(
            "party_rollups",
            rows.into_iter()
                .map(|r| {
                    (
                        format!("{}/{}/{}", r.year, r.side, r.party_id),
                        [r.turnover_fen, r.technical_fen, r.contracts, 0].map(i128::from),
                    )
                })
                .collect(),
            party_rollups
                .into_iter()
                .map(|(k, d)| {
                    let seq = self.party_rollup_seq.get(&k).copied().unwrap_or(0);
                    (
                        format!("{}/{}/{}", k.0, k.1, k.2),
                        ([d[0], d[1], d[2], 0], seq),
                    )
                })
                .collect(),
        );

        // Registration counters: the highest number handed out per office and year.
        let mut counters: HashMap<String, (Delta, i64)> = HashMap::new();
        for s in self.contracts.values() {
            if let Some(no) = &s.registration_no {
                let key = format!("{}/{}", no.office().code(), no.year());
                let e = counters.entry(key).or_insert(([0; 4], s.audit_seq));
                if i128::from(no.seq()) > e.0[0] {
                    *e = ([i128::from(no.seq()), 0, 0, 0], s.audit_seq);
                }
            }
        }
        let rows: Vec<(String, i32, i32)> = schema::registration_counters::table
            .select((
                schema::registration_counters::office,
                schema::registration_counters::year,
                schema::registration_counters::last_seq,
            ))
            .load(conn)?;
        out.totals(
            "registration_counters",
            rows.into_iter()
                .map(|(o, y, s)| (format!("{o}/{y}"), [i128::from(s), 0, 0, 0]))
                .collect(),
            counters,
        );

        // Users: every column, the password hash compared by its digest (an entry written
        // before payloads carried the digest cannot say, so its row's hash is taken as is).
        let rows: Vec<UserRow> = schema::users::table
            .select(UserRow::as_select())
            .load(conn)?;
        let actual: HashMap<String, UserRow> = rows
            .into_iter()
            .map(|mut r| {
                r.password_hash = password_hash_digest(&r.password_hash);
                (r.id.clone(), r)
            })
            .collect();
        let expected = self
            .users
            .values()
            .map(|(s, digest)| {
                let digest = digest
                    .clone()
                    .or_else(|| actual.get(&s.id).map(|r| r.password_hash.clone()));
                (
                    s.id.clone(),
                    (s.to_row(digest.unwrap_or_default()), s.audit_seq),
                )
            })
            .collect();
        out.table("users", actual, expected);

        // Signing keys.
        let rows = crate::db::models::audit_keys::all(conn)?;
        out.table(
            "signing_keys",
            rows.into_iter()
                .map(|r| {
                    (
                        r.kid.clone(),
                        (r.public_key, r.valid_from, r.retired_at, r.audit_seq),
                    )
                })
                .collect(),
            self.keys
                .into_iter()
                .map(|(kid, k)| (kid, (k.clone(), k.3)))
                .collect(),
        );

        // Imports.
        type ImportColumns = (
            String,
            String,
            Option<String>,
            String,
            i32,
            i32,
            i32,
            bool,
            chrono::NaiveDateTime,
        );
        let rows: Vec<ImportColumns> = schema::imports::table
            .select((
                schema::imports::id,
                schema::imports::actor_id,
                schema::imports::file_name,
                schema::imports::file_sha256,
                schema::imports::rows_total,
                schema::imports::rows_accepted,
                schema::imports::rows_rejected,
                schema::imports::partial,
                schema::imports::recorded_at,
            ))
            .load(conn)?;
        out.table(
            "imports",
            rows.into_iter()
                .map(|r| {
                    (
                        r.0.clone(),
                        ImportFacts {
                            actor_id: r.1,
                            file_name: r.2,
                            file_sha256: r.3,
                            rows_total: r.4,
                            rows_accepted: r.5,
                            rows_rejected: r.6,
                            partial: r.7,
                            recorded_at: r.8,
                        },
                    )
                })
                .collect(),
            self.imports,
        );

        // Witnesses' cosignatures.
        let rows: Vec<(i64, String, String, i64, chrono::NaiveDateTime, i64)> =
            schema::tlog_cosignatures::table
                .select((
                    schema::tlog_cosignatures::tree_size,
                    schema::tlog_cosignatures::witness,
                    schema::tlog_cosignatures::signature_line,
                    schema::tlog_cosignatures::signed_at,
                    schema::tlog_cosignatures::received_at,
                    schema::tlog_cosignatures::audit_seq,
                ))
                .load(conn)?;
        out.table(
            "tlog_cosignatures",
            rows.into_iter()
                .map(|r| (format!("{}/{}", r.0, r.1), (r.2, r.3, r.4, r.5)))
                .collect(),
            self.cosignatures,
        );

        self.submissions
            .compare(conn, self.attachments.as_ref(), &mut out)?;
        Ok(out.finish())
    }
}

#[derive(Default)]
pub(super) struct Comparison {
    rows: BTreeMap<String, usize>,
    problems: Vec<Discrepancy>,
}

impl Comparison {
    /// Counts what was compared outside a table (files).
    pub(super) fn count(&mut self, what: &str, n: usize) {
        self.rows.insert(what.to_string(), n);
    }

    /// Records a disagreement found outside [`Comparison::table`].
    pub(super) fn problem(&mut self, discrepancy: Discrepancy) {
        self.problems.push(discrepancy);
    }

    /// Compares a table keyed by `key` with what the chain implies.
    pub(super) fn table<R: PartialEq + std::fmt::Debug>(
        &mut self,
        table: &str,
        actual: HashMap<String, R>,
        expected: HashMap<String, (R, i64)>,
    ) {
        self.rows.insert(table.to_string(), actual.len());
        for (key, (want, seq)) in &expected {
            match actual.get(key) {
                None => self.problems.push(Discrepancy {
                    table: table.into(),
                    key: key.clone(),
                    seq: Some(*seq),
                    detail: "the chain records this row; the database does not have it".into(),
                }),
                Some(have) if have != want => self.problems.push(Discrepancy {
                    table: table.into(),
                    key: key.clone(),
                    seq: Some(*seq),
                    detail: describe_difference(have, want),
                }),
                Some(_) => {}
            }
        }
        for key in actual.keys() {
            if !expected.contains_key(key) {
                self.problems.push(Discrepancy {
                    table: table.into(),
                    key: key.clone(),
                    seq: None,
                    detail: "the database has this row; no audit entry records it".into(),
                });
            }
        }
    }

    /// Compares running totals (a missing row equals an all-zero one).
    fn totals(
        &mut self,
        table: &str,
        actual: HashMap<String, Delta>,
        expected: HashMap<String, (Delta, i64)>,
    ) {
        self.rows.insert(table.to_string(), actual.len());
        for (key, (want, seq)) in &expected {
            let have = actual.get(key).copied().unwrap_or_default();
            if have != *want {
                self.problems.push(Discrepancy {
                    table: table.into(),
                    key: key.clone(),
                    seq: Some(*seq),
                    detail: format!("the database holds {have:?}; the chain adds up to {want:?}"),
                });
            }
        }
        for (key, have) in &actual {
            if !expected.contains_key(key) && *have != [0; 4] {
                self.problems.push(Discrepancy {
                    table: table.into(),
                    key: key.clone(),
                    seq: None,
                    detail: format!("the database holds {have:?}; no audit entry adds to it"),
                });
            }
        }
    }

    fn finish(mut self) -> Reconciliation {
        self.problems
            .sort_by_key(|d| (d.seq.unwrap_or(i64::MAX), d.table.clone(), d.key.clone()));
        self.problems.truncate(100);
        Reconciliation {
            ok: self.problems.is_empty(),
            rows: self.rows,
            discrepancies: self.problems,
        }
    }
}

/// Names the fields that differ, from the rows' debug forms.
fn describe_difference<R: std::fmt::Debug>(have: &R, want: &R) -> String {
    let have = format!("{have:?}");
    let want = format!("{want:?}");
    let fields = |s: &str| -> Vec<String> {
        let inner = s
            .split_once('{')
            .map_or(s, |(_, rest)| rest.trim_end_matches('}'));
        inner.split(", ").map(|f| f.trim().to_string()).collect()
    };
    let (h, w) = (fields(&have), fields(&want));
    let diffs: Vec<String> = h
        .iter()
        .zip(w.iter())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| {
            format!(
                "database has {a}, the chain says {}",
                b.split_once(": ").map_or(b.as_str(), |(_, v)| v)
            )
        })
        .collect();
    if diffs.is_empty() {
        format!("database has {have}, the chain says {want}")
    } else {
        diffs.join("; ")
    }
}
