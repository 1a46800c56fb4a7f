//! Figures recomputed from the log: a year's summary and every breakdown, from the contract
//! states the `contract.*` entries carry — never from the rollups — so that a published figure
//! can be checked by anyone holding the export up to the checkpoint it names.
//!
//! The counting rules are the ledger's, shared where they are pure functions: a contract
//! counts when its latest state up to the checkpoint is `registered` (voided, refused and
//! pending ones do not; [`ContractState::counts`]), in the year and month of its registration
//! time in Asia/Shanghai ([`ContractState::period`]); its flow is [`Flow::of`] its parties'
//! regions and it is introduced by [`is_introduced`] — both recomputed here from the regions
//! the state records, not taken from its own `flow` and `introduced` fields. Amounts are
//! integer fen; every sum is checked for overflow.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::entry::AuditEntry;
use crate::config::TargetMeasure;
use crate::domain::{Flow, Total, is_introduced};
use crate::records::ContractState;
use crate::stats::{Counted, Dimension, Figures, YearFigures};

/// The `contract.*` actions whose payload carries the contract's resulting `state`.
const STATE_ACTIONS: [&str; 6] = [
    "contract.register",
    "contract.amend",
    "contract.approve",
    "contract.refuse",
    "contract.void",
    "contract.review",
];

/// Why the entries cannot be replayed into figures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("seq {seq}: {reason}")]
pub struct ReplayError {
    /// The entry.
    pub seq: i64,
    /// Why.
    pub reason: String,
}

/// The contract states of a prefix of the log, entry by entry.
#[derive(Debug, Default)]
pub struct FigureReplay {
    contracts: HashMap<String, ContractState>,
    entries: i64,
}

impl FigureReplay {
    /// A replay of no entry yet.
    pub fn new() -> FigureReplay {
        FigureReplay::default()
    }

    /// Entries applied so far (the tree size the figures stand at).
    pub fn entries(&self) -> i64 {
        self.entries
    }

    /// Applies the next entry (entries must come in seq order, from 1, already verified).
    pub fn apply(&mut self, entry: &AuditEntry) -> Result<(), ReplayError> {
        let fail = |reason: String| ReplayError {
            seq: entry.seq,
            reason,
        };
        if entry.seq != self.entries + 1 {
            return Err(fail(format!(
                "expected seq {} here: the figures need every entry in order",
                self.entries + 1
            )));
        }
        self.entries = entry.seq;
        if !entry.action.starts_with("contract.") {
            return Ok(());
        }
        if !STATE_ACTIONS.contains(&entry.action.as_str()) {
            return Err(fail(format!(
                "unknown contract action {:?}: its effect on the figures is not known",
                entry.action
            )));
        }
        let state = entry
            .payload
            .get("state")
            .ok_or_else(|| fail(format!("{} without payload.state", entry.action)))?;
        let state = ContractState::deserialize(state)
            .map_err(|e| fail(format!("payload.state is not a contract state: {e}")))?;
        if entry.entity.kind != "contract" || entry.entity.id != state.id {
            return Err(fail(format!(
                "the entry is about {}:{} but carries the state of contract {}",
                entry.entity.kind, entry.entity.id, state.id
            )));
        }
        self.contracts.insert(state.id.clone(), state);
        Ok(())
    }

    /// The figures of `year` as the entries applied left them.
    pub fn figures(&self, year: i32) -> Result<YearFigures, String> {
        let mut out = YearFigures::at(self.entries);
        let mut turnover = Total::ZERO;
        let mut technical = Total::ZERO;
        // In id order, so that the same export always sums the same way.
        let mut ids: Vec<&String> = self.contracts.keys().collect();
        ids.sort();
        for id in ids {
            let Some((y, counted)) = self.contracts.get(id).and_then(counted) else {
                continue;
            };
            if y != year {
                continue;
            }
            turnover = add(turnover, counted.turnover_fen)?;
            technical = add(technical, counted.technical_fen)?;
            out.count(&counted)?;
        }
        Ok(out)
    }
}

fn add(total: Total, fen: i64) -> Result<Total, String> {
    Total::from_fen(fen)
        .ok()
        .and_then(|f| total.checked_add(f))
        .ok_or_else(|| "the year's total exceeds what an amount can hold".to_string())
}

/// Where a contract state counts: its registration year and its keys along every dimension,
/// or None when it does not count (not registered, or never numbered).
pub fn counted(state: &ContractState) -> Option<(i32, Counted)> {
    if !state.counts() {
        return None;
    }
    let (year, month) = state.period()?;
    Some((
        year,
        Counted {
            month,
            office: state.office.code().to_string(),
            contract_type: state.contract_type.code().to_string(),
            tech_field: state.tech_field.code().to_string(),
            ip_type: state.ip_type.code().to_string(),
            seller_kind: state.seller_kind.code().to_string(),
            flow: Flow::of(&state.seller_region, &state.buyer_region)
                .code()
                .to_string(),
            review: state.review.code().to_string(),
            introduced: is_introduced(
                state.contract_type,
                &state.seller_region,
                &state.buyer_region,
            ),
            turnover_fen: state.contract_amount.fen(),
            technical_fen: state.technical_amount.fen(),
        },
    ))
}

/// The checkpoint recomputed figures stand at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    /// Tree size.
    pub tree_size: i64,
    /// Root hash (hex), recomputed from the entries.
    pub root_hash: String,
}

/// The rows of a breakdown recomputed: every key of the dimension in display order, then any
/// key the display order does not know.
fn rows(figures: &YearFigures, by: Dimension) -> Vec<(String, String, String, Figures)> {
    let mut out: Vec<(String, String, String, Figures)> = by
        .keys()
        .into_iter()
        .map(|(key, zh, en)| {
            let f = figures.get(by, &key);
            (key, zh, en, f)
        })
        .collect();
    for (key, f) in figures.keys_of(by) {
        if !out.iter().any(|(k, ..)| *k == key) {
            out.push((key, String::new(), String::new(), f));
        }
    }
    out
}

/// The recomputed figures as JSON: the summary's figures, the turnover each target measure
/// counts, and every breakdown, amounts as the API writes them.
pub fn to_json(figures: &YearFigures, year: i32, at: &At) -> Value {
    let breakdowns: serde_json::Map<String, Value> = Dimension::ALL
        .iter()
        .map(|by| {
            let rows: Vec<Value> = rows(figures, *by)
                .into_iter()
                .map(|(key, zh, en, f)| {
                    json!({
                        "key": key, "label_zh": zh, "label_en": en,
                        "turnover": crate::stats::yuan(f.turnover_fen),
                        "technical_amount": crate::stats::yuan(f.technical_fen),
                        "contracts": f.contracts, "introduced": f.introduced,
                    })
                })
                .collect();
            (by.code().to_string(), Value::Array(rows))
        })
        .collect();
    let measured = |m| crate::stats::yuan(crate::stats::measured_turnover(figures, m));
    json!({
        "year": year,
        "checkpoint": {"tree_size": at.tree_size, "root_hash": at.root_hash},
        "turnover": crate::stats::yuan(figures.total.turnover_fen),
        "technical_amount": crate::stats::yuan(figures.total.technical_fen),
        "contracts": figures.total.contracts,
        "introduced": figures.total.introduced,
        "measured_turnover": {
            "all": measured(TargetMeasure::All),
            "outflow": measured(TargetMeasure::Outflow),
            "inflow": measured(TargetMeasure::Inflow),
        },
        "breakdowns": breakdowns,
    })
}

/// A published figure that is not the recomputed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Which figure: `summary turnover`, `breakdown office row 371302 contracts`, ….
    pub what: String,
    /// As published.
    pub published: String,
    /// As recomputed from the log.
    pub recomputed: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: published {}, recomputed {}",
            self.what, self.published, self.recomputed
        )
    }
}

/// Collects differences.
struct Diffs<'a> {
    prefix: String,
    out: &'a mut Vec<Difference>,
}

impl Diffs<'_> {
    fn differ(&mut self, what: &str, published: String, recomputed: String) {
        self.out.push(Difference {
            what: format!("{} {what}", self.prefix),
            published,
            recomputed,
        });
    }

    /// An amount field, compared to the fen.
    fn amount(&mut self, doc: &Value, field: &str, want_fen: i64) {
        let got = doc.get(field);
        let fen = got
            .and_then(Value::as_str)
            .and_then(|s| Total::parse(s).ok());
        if fen.map(|t| t.fen()) != Some(want_fen) {
            self.differ(field, shown(got), crate::stats::yuan(want_fen));
        }
    }

    /// A count field.
    fn count(&mut self, doc: &Value, field: &str, want: i64) {
        let got = doc.get(field);
        if got.and_then(Value::as_i64) != Some(want) {
            self.differ(field, shown(got), want.to_string());
        }
    }

    /// The year and the checkpoint a published document names.
    fn stands_at(&mut self, doc: &Value, year: i32, at: &At) {
        self.count(doc, "year", i64::from(year));
        let cp = doc.get("checkpoint").unwrap_or(&Value::Null);
        let size = cp.get("tree_size");
        if size.and_then(Value::as_i64) != Some(at.tree_size) {
            self.differ(
                "checkpoint tree_size",
                shown(size),
                at.tree_size.to_string(),
            );
        }
        let root = cp.get("root_hash");
        if root.and_then(Value::as_str) != Some(at.root_hash.as_str()) {
            self.differ("checkpoint root_hash", shown(root), at.root_hash.clone());
        }
        if let Some(seq) = doc.get("audit_seq")
            && seq.as_i64() != Some(at.tree_size)
        {
            self.differ("audit_seq", shown(Some(seq)), at.tree_size.to_string());
        }
    }
}

fn shown(v: Option<&Value>) -> String {
    match v {
        None => "(missing)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Compares a published summary (`GET /api/v1/stats/summary`) with the recomputed figures:
/// the year and checkpoint it names, turnover, technical amount, contracts, introduced, and
/// the turnover its target measure counts.
pub fn compare_summary(
    published: &Value,
    figures: &YearFigures,
    year: i32,
    at: &At,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut d = Diffs {
        prefix: "summary".into(),
        out: &mut out,
    };
    d.stands_at(published, year, at);
    d.amount(published, "turnover", figures.total.turnover_fen);
    d.amount(published, "technical_amount", figures.total.technical_fen);
    d.count(published, "contracts", figures.total.contracts);
    d.count(published, "introduced", figures.total.introduced);
    let measure = published
        .get("targets")
        .and_then(|t| t.get("measure"))
        .and_then(Value::as_str);
    let measure = match measure {
        Some("outflow") => Some(TargetMeasure::Outflow),
        Some("inflow") => Some(TargetMeasure::Inflow),
        Some("all") | None => Some(TargetMeasure::All),
        Some(_) => None,
    };
    match measure {
        Some(m) if published.get("measured_turnover").is_some() => d.amount(
            published,
            "measured_turnover",
            crate::stats::measured_turnover(figures, m),
        ),
        Some(_) => {}
        None => d.differ(
            "targets measure",
            shown(published.get("targets").and_then(|t| t.get("measure"))),
            "all, outflow or inflow".into(),
        ),
    }
    out
}

/// Compares a published breakdown (`GET /api/v1/stats/breakdown?by=…`) with the recomputed
/// figures, row by row: every published row, and every recomputed row that has contracts.
pub fn compare_breakdown(
    published: &Value,
    figures: &YearFigures,
    by: Dimension,
    year: i32,
    at: &At,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut d = Diffs {
        prefix: format!("breakdown {}", by.code()),
        out: &mut out,
    };
    d.stands_at(published, year, at);
    let published_by = published.get("by").and_then(Value::as_str);
    if published_by != Some(by.code()) {
        d.differ("by", shown(published.get("by")), by.code().into());
        return out;
    }
    let empty = Vec::new();
    let published_rows = published
        .get("rows")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let mut seen = Vec::new();
    for row in published_rows {
        let key = row
            .get("key")
            .and_then(Value::as_str)
            .unwrap_or("(no key)")
            .to_string();
        let f = figures.get(by, &key);
        let mut r = Diffs {
            prefix: format!("breakdown {} row {key}", by.code()),
            out: d.out,
        };
        r.amount(row, "turnover", f.turnover_fen);
        r.amount(row, "technical_amount", f.technical_fen);
        r.count(row, "contracts", f.contracts);
        r.count(row, "introduced", f.introduced);
        seen.push(key);
    }
    for (key, _, _, f) in rows(figures, by) {
        if f != Figures::default() && !seen.contains(&key) {
            d.differ(
                &format!("row {key}"),
                "(missing)".into(),
                format!(
                    "{} / {} contracts",
                    crate::stats::yuan(f.turnover_fen),
                    f.contracts
                ),
            );
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::audit::entry::EntityRef;
    use crate::domain::*;

    fn state(id: &str, status: &str, registered_at: Option<&str>, amount: &str) -> Value {
        json!({
            "id": id, "registration_no": registered_at.map(|_| "2026371302000001"),
            "title": "t", "contract_type": "development", "subtype": null,
            "seller_id": "s", "buyer_id": "b", "signed_on": "2025-01-02", "valid_until": null,
            "contract_amount": amount, "technical_amount": "1.00",
            "tech_field": "agriculture", "ip_type": "patent", "office": "371302",
            "status": status, "review": "unreviewed", "version": 1,
            "seller_region": "310115", "seller_kind": "university",
            "buyer_region": "371302", "buyer_kind": "enterprise",
            // Deliberately wrong: the replay recomputes both from the regions.
            "flow": "other", "introduced": false,
            "created_by": "u", "created_at": "2025-01-02T00:00:00.000000Z",
            "registered_at": registered_at, "approved_by": null,
            "updated_at": "2025-01-02T00:00:00.000000Z", "audit_seq": 1,
        })
    }

    fn entry(seq: i64, action: &str, id: &str, state: Value) -> AuditEntry {
        AuditEntry {
            seq,
            id: format!("e{seq}"),
            at: "2026-01-01T00:00:00.000000Z".into(),
            actor: None,
            action: action.into(),
            entity: EntityRef {
                kind: "contract".into(),
                id: id.into(),
            },
            payload: json!({ "state": state }),
            prev_hash: String::new(),
            hash: String::new(),
            kid: String::new(),
            signature: String::new(),
        }
    }

    fn other(seq: i64) -> AuditEntry {
        AuditEntry {
            action: "party.create".into(),
            entity: EntityRef {
                kind: "party".into(),
                id: "p".into(),
            },
            payload: json!({}),
            ..entry(seq, "x", "x", Value::Null)
        }
    }

    fn replay(entries: &[AuditEntry]) -> FigureReplay {
        let mut r = FigureReplay::new();
        for e in entries {
            r.apply(e).unwrap();
        }
        r
    }

    #[test]
    fn the_latest_state_counts_in_its_shanghai_registration_year() {
        // 2025-12-31 15:59:59 UTC is 23:59:59 in Shanghai: 2025. One second later: 2026.
        let late = "2025-12-31T15:59:59.999999Z";
        let midnight = "2025-12-31T16:00:00.000000Z";
        let r = replay(&[
            other(1),
            entry(
                2,
                "contract.register",
                "a",
                state("a", "registered", Some(late), "10.00"),
            ),
            entry(
                3,
                "contract.register",
                "b",
                state("b", "registered", Some(midnight), "20.00"),
            ),
            entry(
                4,
                "contract.amend",
                "a",
                state("a", "registered", Some(late), "10.01"),
            ),
        ]);
        let y2025 = r.figures(2025).unwrap();
        assert_eq!(y2025.total.turnover_fen, 1001);
        assert_eq!(y2025.total.contracts, 1);
        assert_eq!(y2025.get(Dimension::Month, "12").contracts, 1);
        assert_eq!(y2025.audit_seq, 4);
        let y2026 = r.figures(2026).unwrap();
        assert_eq!(y2026.total.turnover_fen, 2000);
        assert_eq!(y2026.get(Dimension::Month, "01").turnover_fen, 2000);
    }

    #[test]
    fn voided_pending_and_refused_contracts_do_not_count() {
        let at = Some("2026-03-01T00:00:00.000000Z");
        let r = replay(&[
            entry(
                1,
                "contract.register",
                "a",
                state("a", "registered", at, "10.00"),
            ),
            entry(2, "contract.void", "a", state("a", "voided", at, "10.00")),
            entry(
                3,
                "contract.register",
                "b",
                state("b", "pending", None, "99.00"),
            ),
            entry(
                4,
                "contract.register",
                "c",
                state("c", "pending", None, "7.00"),
            ),
            entry(
                5,
                "contract.refuse",
                "c",
                state("c", "refused", None, "7.00"),
            ),
            // Amended over the threshold: back to pending, keeping its registration time.
            entry(
                6,
                "contract.register",
                "d",
                state("d", "registered", at, "5.00"),
            ),
            entry(
                7,
                "contract.amend",
                "d",
                state("d", "pending", at, "6000000.00"),
            ),
        ]);
        assert_eq!(r.figures(2026).unwrap().total, Figures::default());
    }

    #[test]
    fn flow_and_introduced_come_from_the_regions_not_the_states_own_fields() {
        let r = replay(&[entry(
            1,
            "contract.register",
            "a",
            state(
                "a",
                "registered",
                Some("2026-05-05T00:00:00.000000Z"),
                "3.00",
            ),
        )]);
        let f = r.figures(2026).unwrap();
        assert_eq!(f.get(Dimension::Flow, "inflow").contracts, 1);
        assert_eq!(f.get(Dimension::Flow, "other").contracts, 0);
        assert_eq!(
            f.total.introduced, 1,
            "Shanghai seller, Linyi buyer, development"
        );
        assert_eq!(
            Flow::of(
                &RegionCode::parse("310115").unwrap(),
                &RegionCode::parse("371302").unwrap()
            ),
            Flow::Inflow
        );
    }

    #[test]
    fn a_gap_an_unknown_contract_action_or_a_foreign_state_is_refused() {
        let mut r = FigureReplay::new();
        assert!(
            r.apply(&other(2))
                .unwrap_err()
                .reason
                .contains("expected seq 1")
        );
        let mut r = FigureReplay::new();
        let s = state("a", "registered", None, "1.00");
        let err = r
            .apply(&entry(1, "contract.merge", "a", s.clone()))
            .unwrap_err();
        assert!(err.reason.contains("unknown contract action"), "{err}");
        let mut r = FigureReplay::new();
        let err = r.apply(&entry(1, "contract.amend", "b", s)).unwrap_err();
        assert!(err.reason.contains("state of contract a"), "{err}");
    }

    #[test]
    fn one_fen_off_is_named_with_its_row() {
        let r = replay(&[entry(
            1,
            "contract.register",
            "a",
            state(
                "a",
                "registered",
                Some("2026-05-05T00:00:00.000000Z"),
                "3.00",
            ),
        )]);
        let f = r.figures(2026).unwrap();
        let at = At {
            tree_size: 1,
            root_hash: "ab".repeat(32),
        };
        let mut doc = to_json(&f, 2026, &at);
        let mut summary = doc.clone();
        summary["measured_turnover"] = json!("3.00");
        summary["targets"] = json!({"measure": "all"});
        assert_eq!(compare_summary(&summary, &f, 2026, &at), vec![]);
        summary["turnover"] = json!("3.01");
        let diffs = compare_summary(&summary, &f, 2026, &at);
        assert_eq!(diffs.len(), 1);
        assert_eq!(
            diffs[0].to_string(),
            "summary turnover: published 3.01, recomputed 3.00"
        );
        let mut office = json!({
            "year": 2026, "by": "office", "audit_seq": 1,
            "checkpoint": doc["checkpoint"].take(),
            "rows": doc["breakdowns"]["office"].take(),
        });
        assert_eq!(
            compare_breakdown(&office, &f, Dimension::Office, 2026, &at),
            vec![]
        );
        office["rows"][0]["technical_amount"] = json!("0.99");
        office["checkpoint"]["tree_size"] = json!(2);
        let diffs: Vec<String> = compare_breakdown(&office, &f, Dimension::Office, 2026, &at)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            diffs,
            [
                "breakdown office checkpoint tree_size: published 2, recomputed 1",
                "breakdown office row 371302 technical_amount: published 0.99, recomputed 1.00",
            ]
        );
        // A row left out of the published breakdown is named too.
        office["rows"] = json!([]);
        office["checkpoint"]["tree_size"] = json!(1);
        let diffs = compare_breakdown(&office, &f, Dimension::Office, 2026, &at);
        assert_eq!(diffs.len(), 1);
        assert!(diffs[0].what.ends_with("row 371302"), "{}", diffs[0]);
    }
}
