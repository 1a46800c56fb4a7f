//! Auditors' anomaly rules (domain.md Part A): rule-based findings about possible fake or
//! inflated contracts, each naming the contracts and saying why, with numbers.
//!
//! [`evaluate`] reads the registered contracts of the year (and the year before) in one
//! streamed query of the few columns the rules need, plus the office rollups of earlier years
//! for `year_end_surge`; evaluates the rules in memory with sorting and hash maps over compact
//! rows (no heap data per contract); then reads ids, titles, registration dates and party
//! names for only what the findings name (in chunks of 1,000), all in one read transaction.
//! The registration time is read only for contracts that can be late (signed more than
//! `late_registration_days` before the end of the year): parsing it for every row would cost
//! more than the rest of the row. `benches/anomalies.rs` times it on a national year.
//!
//! Decisions an auditor should know:
//! - Only contracts with status `registered` count; "the year" is the registration year
//!   (`contracts.registered_year`, Asia/Shanghai).
//! - `duplicate`, `splitting` and `round_trip` compare contracts with each other, across the
//!   turn of the year too: they also read the registered contracts of the previous year, and
//!   report a group when at least one of its contracts was registered in the year evaluated.
//!   A group spanning two years is therefore reported in the year of its later registration,
//!   where the inflated figure is.
//! - `duplicate`: same seller, same buyer (direction matters), same contract amount, same
//!   signing date; one finding per group of two or more.
//! - `splitting`: the same seller → buyer direction (B→A contracts are `round_trip`'s
//!   business). Each contract's technical amount lies in
//!   [threshold × (100 − margin) / 100, threshold) — the technical amount, because that is what
//!   the large-contract approval looks at. At least `split_min_contracts` of them signed within
//!   `split_window_days` (last signing date minus first); overlapping such windows are merged
//!   into one finding.
//! - `round_trip`: an A→B and a B→A contract signed at most `round_trip_window_days` apart
//!   whose contract amounts differ by at most `round_trip_amount_tolerance_percent` of the
//!   larger one. One finding per pair of parties, naming every contract in a matching pair.
//! - `year_end_surge`: December share = December turnover / year turnover of the office. The
//!   history is pooled over all earlier years with turnover (sum of their Decembers / sum of
//!   their years), read from the rollups; an office without earlier turnover is judged on
//!   the share limit alone. A history without December turnover makes any December share
//!   "at least the factor" of it.
//! - `late_registration`: the registration date in Asia/Shanghai minus the signing date, in
//!   days, above the limit; one finding per contract.
//! - `concentration`: a party's turnover as seller, and separately as buyer, in one office's
//!   year; one finding per office, party and side.
//! - `full_technical`: development contracts with a contract amount above zero and at least
//!   the minimum; one finding per contract.
//! - A finding lists at most 50 contracts (the largest for `year_end_surge` and
//!   `concentration`, otherwise by signing date) and says how many there are in all.
//! - Findings are ordered by rule (`Rule::ALL` order), severity, office (findings without a
//!   single office first), then the first contract's registration number.

mod data;
mod finding;
mod load;
mod rule;
mod rules;
#[cfg(test)]
mod tests;
mod wide;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::Connection;
use diesel::result::QueryResult;

pub use finding::{Finding, FindingContract, FindingParty, PartyRole};
pub use rule::{Rule, RuleInfo, RuleParameter, Severity};

use crate::config::AnomalyConfig;
use crate::db::DbConn;
use crate::domain::Money;
use data::{Dataset, Details};
use rules::{Draft, Params};

/// The most contracts one finding lists.
pub const LIST_LIMIT: usize = 50;

/// Evaluates `rules` over the contracts registered in `year` (see the module documentation
/// for what each rule reads). `threshold` is the ledger's large-contract threshold
/// (`config.ledger.large_contract_threshold`). An empty `rules` finds nothing.
pub fn evaluate(
    conn: &mut DbConn,
    year: i32,
    rules: &[Rule],
    config: &AnomalyConfig,
    threshold: Money,
) -> QueryResult<Vec<Finding>> {
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    // One read transaction: on SQLite (WAL) every query below sees the same snapshot.
    conn.transaction(|conn| {
        let compares = rules.iter().any(|r| r.compares_contracts());
        let first = if compares {
            year.saturating_sub(1)
        } else {
            year
        };
        let history = if rules.contains(&Rule::YearEndSurge) {
            load::office_history(conn, year)?
        } else {
            BTreeMap::new()
        };
        let late = if rules.contains(&Rule::LateRegistration) {
            load::late_cutoff(year, config.late_registration_days)
        } else {
            load::no_cutoff()
        };
        let mut data = Dataset::new(year, history);
        load::rows(conn, first, year, (year, late), &mut data)?;
        let drafts = rules::run(&data, rules, &Params { config, threshold });
        let drafts = cap(drafts);
        let (numbers, party_ids) = referenced(&data, &drafts);
        let details = load::details(conn, &numbers)?;
        let names = load::party_names(conn, &party_ids)?;
        Ok(assemble(&data, drafts, &details, &names))
    })
}

/// A draft with its list cut to `LIST_LIMIT`, and the full count.
type Capped = (Draft, usize);

/// Cuts every draft's contract list to `LIST_LIMIT`, keeping the count.
fn cap(drafts: Vec<Draft>) -> Vec<Capped> {
    drafts
        .into_iter()
        .map(|mut d| {
            let count = d.contracts.len();
            d.contracts.truncate(LIST_LIMIT);
            (d, count)
        })
        .collect()
}

/// The registration numbers and party ids the drafts name, each once.
fn referenced(data: &Dataset, drafts: &[Capped]) -> (Vec<String>, Vec<String>) {
    let mut numbers = BTreeSet::new();
    let mut parties = BTreeSet::new();
    for (d, _) in drafts {
        numbers.extend(d.contracts.iter().map(|&i| data.row(i).number));
        parties.extend(d.parties.iter().map(|&(p, _)| p));
    }
    (
        numbers.into_iter().map(|n| data.number(n)).collect(),
        parties.into_iter().map(|p| data.party_id(p)).collect(),
    )
}

/// Turns drafts into findings with ids, titles and names, in the documented order.
fn assemble(
    data: &Dataset,
    drafts: Vec<Capped>,
    details: &HashMap<String, Details>,
    names: &HashMap<String, String>,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> = drafts
        .into_iter()
        .map(|(d, count)| Finding {
            rule: d.rule,
            severity: d.rule.severity(),
            office: d.office.map(|o| data.office(o).to_string()),
            parties: d
                .parties
                .iter()
                .map(|&(p, role)| {
                    let id = data.party_id(p);
                    let name = names.get(&id).cloned().unwrap_or_default();
                    FindingParty { id, name, role }
                })
                .collect(),
            contracts: d
                .contracts
                .iter()
                .map(|&i| {
                    let r = data.row(i);
                    let registration_no = data.number(r.number);
                    let d = details.get(&registration_no).cloned().unwrap_or_default();
                    FindingContract {
                        id: d.id,
                        registration_no,
                        title: d.title,
                        office: data.office(r.office).to_string(),
                        seller_id: data.party_id(r.seller),
                        buyer_id: data.party_id(r.buyer),
                        amount: rules::yuan_text(r.amount),
                        technical_amount: rules::yuan_text(r.technical),
                        signed_on: r.signed_on,
                        // A registered contract always has a registration time, and contracts
                        // are never deleted; the fallbacks only serve tests without a database.
                        registered_on: d.registered_on.or(r.registered_on).unwrap_or(r.signed_on),
                    }
                })
                .collect(),
            contract_count: count as u64,
            detail_en: d.detail_en,
            detail_zh: d.detail_zh,
        })
        .collect();
    findings.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    findings
}

/// Rule, severity, office, first contract (number, id), parties, text.
type OrderKey<'a> = (
    Rule,
    Severity,
    Option<&'a str>,
    Option<(&'a str, &'a str)>,
    Vec<&'a str>,
    &'a str,
);

/// The sort key of a finding: rule, severity, office, first contract, then the rest for ties.
fn order_key(f: &Finding) -> OrderKey<'_> {
    (
        f.rule,
        f.severity,
        f.office.as_deref(),
        f.contracts
            .first()
            .map(|c| (c.registration_no.as_str(), c.id.as_str())),
        f.parties.iter().map(|p| p.id.as_str()).collect(),
        f.detail_en.as_str(),
    )
}

/// Evaluates a dataset without a database (contract details from `details`), for unit tests.
#[cfg(test)]
fn evaluate_dataset(
    data: &Dataset,
    rules: &[Rule],
    config: &AnomalyConfig,
    threshold: Money,
    details: &HashMap<String, Details>,
) -> Vec<Finding> {
    let drafts = rules::run(data, rules, &Params { config, threshold });
    assemble(data, cap(drafts), details, &HashMap::new())
}
