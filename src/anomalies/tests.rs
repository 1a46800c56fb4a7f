//! Unit tests of the pure evaluation: for every rule a planted case that is found with exactly
//! its contracts, and clean cases just outside each parameter that are not.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};

use super::data::{Dataset, Details, OfficeHistory, RawRow};
use super::*;

const YEAR: i32 = 2026;
const LANSHAN: &str = "371302";
const LUOZHUANG: &str = "371311";

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// 10:00 in Asia/Shanghai on `s`.
fn morning(s: &str) -> NaiveDateTime {
    day(s).and_hms_opt(2, 0, 0).unwrap()
}

/// A registered transfer contract `n` of `yuan` (technical amount 80 %), signed on `signed`
/// and registered the next day in Lanshan.
fn c(n: u32, seller: &str, buyer: &str, yuan: i64, signed: &str) -> RawRow {
    let registered = day(signed)
        .succ_opt()
        .unwrap()
        .and_hms_opt(2, 0, 0)
        .unwrap();
    let (year, month) = crate::time::shanghai_period(registered);
    RawRow {
        registration_no: Some(format!("R{n:04}")),
        office: LANSHAN.into(),
        development: false,
        seller_id: seller.into(),
        buyer_id: buyer.into(),
        signed_on: day(signed),
        contract_amount_fen: yuan * 100,
        technical_amount_fen: yuan * 80,
        registered_at: Some(registered),
        registered_year: Some(year),
        registered_month: Some(month as i32),
    }
}

/// Builder-style tweaks of a test row.
trait Tweak {
    fn fen(self, contract: i64, technical: i64) -> Self;
    fn technical(self, fen: i64) -> Self;
    fn registered_at(self, at: NaiveDateTime) -> Self;
    fn registered(self, day: &str) -> Self;
    fn office(self, code: &str) -> Self;
    fn development(self) -> Self;
}

impl Tweak for RawRow {
    fn fen(mut self, contract: i64, technical: i64) -> Self {
        self.contract_amount_fen = contract;
        self.technical_amount_fen = technical;
        self
    }
    fn technical(mut self, fen: i64) -> Self {
        self.technical_amount_fen = fen;
        self
    }
    fn registered_at(mut self, at: NaiveDateTime) -> Self {
        let (year, month) = crate::time::shanghai_period(at);
        self.registered_at = Some(at);
        self.registered_year = Some(year);
        self.registered_month = Some(month as i32);
        self
    }
    fn registered(self, d: &str) -> Self {
        self.registered_at(morning(d))
    }
    fn office(mut self, code: &str) -> Self {
        self.office = code.into();
        self
    }
    fn development(mut self) -> Self {
        self.development = true;
        self
    }
}

fn threshold() -> Money {
    Money::parse("5000000.00").unwrap()
}

fn run_with(
    rows: Vec<RawRow>,
    history: BTreeMap<String, OfficeHistory>,
    rules: &[Rule],
    config: &AnomalyConfig,
) -> Vec<Finding> {
    // What the database would add: an id and a title per registration number.
    let details: HashMap<String, Details> = rows
        .iter()
        .filter_map(|r| r.registration_no.clone())
        .map(|no| {
            let details = Details {
                id: format!("id-{no}"),
                title: format!("合同 {no}"),
                registered_on: None,
            };
            (no, details)
        })
        .collect();
    let data = Dataset::of(YEAR, rows, history);
    evaluate_dataset(&data, rules, config, threshold(), &details)
}

/// Findings of one rule with the default configuration and no history.
fn find(rule: Rule, rows: Vec<RawRow>) -> Vec<Finding> {
    run_with(rows, BTreeMap::new(), &[rule], &AnomalyConfig::default())
}

/// The registration numbers of each finding.
fn numbers(findings: &[Finding]) -> Vec<Vec<String>> {
    findings
        .iter()
        .map(|f| {
            f.contracts
                .iter()
                .map(|c| c.registration_no.clone())
                .collect()
        })
        .collect()
}

fn nos(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- duplicate

#[test]
fn duplicate_finds_same_parties_amount_and_signing_date() {
    let rows = vec![
        c(1, "S", "B", 1_250_000, "2026-03-01"),
        c(2, "S", "B", 1_250_000, "2026-03-01").registered("2026-04-10"),
        c(3, "S", "B", 1_250_000, "2026-03-02"),
        c(4, "X", "Y", 10_000, "2026-05-01"),
    ];
    let found = find(Rule::Duplicate, rows);
    assert_eq!(numbers(&found), vec![nos(&["R0001", "R0002"])]);
    let f = &found[0];
    assert_eq!(f.rule, Rule::Duplicate);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.office.as_deref(), Some(LANSHAN));
    assert_eq!(f.contract_count, 2);
    assert_eq!(
        f.parties
            .iter()
            .map(|p| (p.id.as_str(), p.role))
            .collect::<Vec<_>>(),
        vec![("S", PartyRole::Seller), ("B", PartyRole::Buyer)]
    );
    assert!(f.detail_en.contains("CNY 1,250,000.00"), "{}", f.detail_en);
    assert!(f.detail_en.contains("2026-03-01"), "{}", f.detail_en);
    assert!(f.detail_zh.contains("均为125.00万元"), "{}", f.detail_zh);
    assert_eq!(f.contracts[0].amount, "1250000.00");
}

#[test]
fn duplicate_ignores_a_fen_a_day_or_the_other_direction_apart() {
    let rows = vec![
        c(1, "S", "B", 1_250_000, "2026-03-01"),
        c(2, "S", "B", 1_250_000, "2026-03-01").fen(125_000_001, 100_000_000),
        c(3, "S", "B", 1_250_000, "2026-03-02"),
        c(4, "B", "S", 1_250_000, "2026-03-01"),
        c(5, "S", "C", 1_250_000, "2026-03-01"),
    ];
    assert_eq!(find(Rule::Duplicate, rows), vec![]);
}

#[test]
fn duplicate_across_the_turn_of_the_year_belongs_to_the_later_year() {
    let twin = |n| c(n, "S", "B", 300_000, "2025-12-20");
    let rows = vec![twin(1), twin(2).registered("2026-01-05")];
    assert_eq!(
        numbers(&find(Rule::Duplicate, rows)),
        vec![nos(&["R0001", "R0002"])]
    );
    // Both registered in the previous year: that year's finding, not this one's.
    assert_eq!(find(Rule::Duplicate, vec![twin(1), twin(2)]), vec![]);
}

#[test]
fn ledger_ids_and_numbers_come_back_exactly() {
    // The ledger writes lowercase UUIDs and 16-digit numbers: the compact form of the rows.
    let s = "0192f3a4-5b6c-7d8e-9f00-112233445566";
    let b = "0192f3a4-5b6c-7d8e-9f00-aabbccddeeff";
    let mut one = c(1, s, b, 500_000, "2026-03-01");
    one.registration_no = Some("2026371302000123".into());
    let mut two = c(2, s, b, 500_000, "2026-03-01");
    two.registration_no = Some("2026371302000045".into());
    let mut back = c(3, b, s, 450_000, "2026-04-01");
    back.registration_no = Some("2026371302000200".into());
    let found = run_with(
        vec![one, two, back],
        BTreeMap::new(),
        Rule::ALL,
        &AnomalyConfig::default(),
    );
    assert_eq!(
        numbers(&found),
        vec![
            nos(&["2026371302000045", "2026371302000123"]),
            nos(&["2026371302000045", "2026371302000123", "2026371302000200"]),
        ]
    );
    assert_eq!(
        (found[0].rule, found[1].rule),
        (Rule::Duplicate, Rule::RoundTrip)
    );
    assert_eq!(
        (
            found[0].parties[0].id.as_str(),
            found[0].parties[1].id.as_str()
        ),
        (s, b)
    );
    let c0 = &found[0].contracts[0];
    assert_eq!((c0.seller_id.as_str(), c0.buyer_id.as_str()), (s, b));
    assert_eq!(c0.id, "id-2026371302000045");
    assert_eq!(c0.title, "合同 2026371302000045");
}

// ---------------------------------------------------------------- splitting

/// A contract whose technical amount is `tech_fen` (contract amount the same plus 10 %).
fn split(n: u32, seller: &str, buyer: &str, tech_fen: i64, signed: &str) -> RawRow {
    c(n, seller, buyer, 0, signed).fen(tech_fen + tech_fen / 10, tech_fen)
}

#[test]
fn splitting_finds_three_contracts_just_under_the_threshold_within_thirty_days() {
    let rows = vec![
        split(1, "S", "B", 450_000_000, "2026-03-01"),
        split(2, "S", "B", 499_999_999, "2026-03-11"),
        split(3, "S", "B", 480_000_000, "2026-03-31"),
        split(4, "S", "B", 100_000_000, "2026-03-15"),
    ];
    let found = find(Rule::Splitting, rows);
    assert_eq!(numbers(&found), vec![nos(&["R0001", "R0002", "R0003"])]);
    let f = &found[0];
    assert_eq!(f.severity, Severity::High);
    assert!(f.detail_en.contains("within 30 days"), "{}", f.detail_en);
    assert!(f.detail_en.contains("CNY 5,000,000.00"), "{}", f.detail_en);
    assert!(
        f.detail_zh.contains("复核标准500.00万元"),
        "{}",
        f.detail_zh
    );
    assert!(
        f.detail_en
            .contains("from CNY 4,500,000.00 to CNY 4,999,999.99"),
        "{}",
        f.detail_en
    );
    assert!(f.detail_en.contains("CNY 14,299,999.99"), "{}", f.detail_en);
    assert!(
        f.detail_zh.contains("合计技术交易额1,429.999999万元"),
        "{}",
        f.detail_zh
    );
    assert!(f.detail_zh.contains("第二名登记员复核"), "{}", f.detail_zh);
}

#[test]
fn splitting_needs_three_contracts() {
    let rows = vec![
        split(1, "S", "B", 490_000_000, "2026-03-01"),
        split(2, "S", "B", 490_000_000, "2026-03-05"),
    ];
    assert_eq!(find(Rule::Splitting, rows), vec![]);
}

#[test]
fn splitting_needs_them_within_thirty_days() {
    let rows = vec![
        split(1, "S", "B", 490_000_000, "2026-03-01"),
        split(2, "S", "B", 490_000_000, "2026-03-10"),
        split(3, "S", "B", 490_000_000, "2026-04-01"),
    ];
    assert_eq!(
        find(Rule::Splitting, rows),
        vec![],
        "31 days from first to last"
    );
}

#[test]
fn splitting_needs_each_within_ten_percent_under_the_threshold() {
    let below = vec![
        split(1, "S", "B", 490_000_000, "2026-03-01"),
        split(2, "S", "B", 490_000_000, "2026-03-02"),
        split(3, "S", "B", 449_999_999, "2026-03-03"),
    ];
    assert_eq!(
        find(Rule::Splitting, below),
        vec![],
        "one fen under 90 % of the threshold"
    );
    let at = vec![
        split(1, "S", "B", 490_000_000, "2026-03-01"),
        split(2, "S", "B", 490_000_000, "2026-03-02"),
        split(3, "S", "B", 500_000_000, "2026-03-03"),
    ];
    assert_eq!(
        find(Rule::Splitting, at),
        vec![],
        "at the threshold it needed approval anyway"
    );
}

#[test]
fn splitting_is_per_seller_to_buyer_direction() {
    let rows = vec![
        split(1, "S", "B", 490_000_000, "2026-03-01"),
        split(2, "S", "B", 490_000_000, "2026-03-02"),
        split(3, "B", "S", 490_000_000, "2026-03-03"),
        split(4, "S", "C", 490_000_000, "2026-03-04"),
    ];
    assert_eq!(find(Rule::Splitting, rows), vec![]);
}

#[test]
fn overlapping_split_windows_make_one_finding() {
    let rows = vec![
        split(1, "S", "B", 490_000_000, "2026-03-01"),
        split(2, "S", "B", 490_000_000, "2026-03-11"),
        split(3, "S", "B", 490_000_000, "2026-03-21"),
        split(4, "S", "B", 490_000_000, "2026-04-15"),
        split(5, "S", "B", 490_000_000, "2026-04-20"),
        // far away: a run of its own, too short
        split(6, "S", "B", 490_000_000, "2026-09-01"),
        split(7, "S", "B", 490_000_000, "2026-09-02"),
    ];
    let found = find(Rule::Splitting, rows);
    assert_eq!(
        numbers(&found),
        vec![nos(&["R0001", "R0002", "R0003", "R0004", "R0005"])]
    );
}

#[test]
fn splitting_follows_its_parameters() {
    let config = AnomalyConfig {
        split_min_contracts: 2,
        split_window_days: 5,
        split_margin_percent: 20,
        ..AnomalyConfig::default()
    };
    let rows = vec![
        split(1, "S", "B", 400_000_000, "2026-03-01"),
        split(2, "S", "B", 400_000_000, "2026-03-06"),
    ];
    let found = run_with(rows.clone(), BTreeMap::new(), &[Rule::Splitting], &config);
    assert_eq!(numbers(&found), vec![nos(&["R0001", "R0002"])]);
    let narrower = AnomalyConfig {
        split_window_days: 4,
        ..config.clone()
    };
    assert_eq!(
        run_with(rows, BTreeMap::new(), &[Rule::Splitting], &narrower),
        vec![]
    );
}

// ---------------------------------------------------------------- round trip

#[test]
fn round_trip_finds_a_to_b_and_back_with_amounts_twenty_percent_apart() {
    let rows = vec![
        c(1, "A", "B", 1_000_000, "2026-03-01"),
        c(2, "B", "A", 800_000, "2026-09-01"),
        c(3, "A", "C", 1_000_000, "2026-03-01"),
    ];
    let found = find(Rule::RoundTrip, rows);
    assert_eq!(numbers(&found), vec![nos(&["R0001", "R0002"])]);
    let f = &found[0];
    assert_eq!(
        f.parties
            .iter()
            .map(|p| (p.id.as_str(), p.role))
            .collect::<Vec<_>>(),
        vec![("A", PartyRole::Both), ("B", PartyRole::Both)]
    );
    assert!(f.detail_en.contains("184 days apart"), "{}", f.detail_en);
    assert!(f.detail_en.contains("20.0 % apart"), "{}", f.detail_en);
}

#[test]
fn round_trip_ignores_amounts_twenty_one_percent_apart() {
    let rows = vec![
        c(1, "A", "B", 1_000_000, "2026-03-01"),
        c(2, "B", "A", 790_000, "2026-03-02"),
    ];
    assert_eq!(find(Rule::RoundTrip, rows), vec![]);
}

#[test]
fn round_trip_window_is_365_days_and_reaches_into_the_previous_year() {
    let within = vec![
        c(1, "A", "B", 1_000_000, "2025-03-01"),
        c(2, "B", "A", 1_000_000, "2026-03-01"),
    ];
    assert_eq!(
        numbers(&find(Rule::RoundTrip, within)),
        vec![nos(&["R0001", "R0002"])]
    );
    let outside = vec![
        c(1, "A", "B", 1_000_000, "2025-02-28"),
        c(2, "B", "A", 1_000_000, "2026-03-01"),
    ];
    assert_eq!(find(Rule::RoundTrip, outside), vec![], "366 days apart");
}

#[test]
fn round_trip_entirely_in_the_previous_year_is_not_this_years() {
    let rows = vec![
        c(1, "A", "B", 1_000_000, "2025-03-01"),
        c(2, "B", "A", 1_000_000, "2025-04-01"),
    ];
    assert_eq!(find(Rule::RoundTrip, rows), vec![]);
}

#[test]
fn round_trip_names_only_contracts_in_a_matching_pair() {
    let rows = vec![
        c(1, "A", "B", 1_000_000, "2026-03-01"),
        c(2, "B", "A", 950_000, "2026-04-01"),
        c(3, "A", "B", 100_000, "2026-05-01"),
        c(4, "B", "A", 1_100_000, "2026-06-01"),
    ];
    let found = find(Rule::RoundTrip, rows);
    assert_eq!(numbers(&found), vec![nos(&["R0001", "R0002", "R0004"])]);
    assert!(
        found[0].detail_en.contains("2 pair(s)"),
        "{}",
        found[0].detail_en
    );
    assert!(
        found[0].detail_en.contains("Closest: R0001"),
        "{}",
        found[0].detail_en
    );
}

// ---------------------------------------------------------------- year-end surge

/// Ten contracts of 100 yuan in `office`, `december` of them registered in December.
fn year_of(office: &str, first: u32, december: u32) -> Vec<RawRow> {
    (0..10)
        .map(|k| {
            let n = first + k;
            let row = c(n, &format!("S{n}"), &format!("B{n}"), 100, "2026-01-10").office(office);
            if k < december {
                row.registered("2026-12-10")
            } else {
                row.registered(&format!("2026-{:02}-15", k + 1))
            }
        })
        .collect()
}

fn history(
    office: &str,
    december_fen: i128,
    total_fen: i128,
    years: &[i32],
) -> BTreeMap<String, OfficeHistory> {
    BTreeMap::from([(
        office.to_string(),
        OfficeHistory {
            december_fen,
            total_fen,
            years: years.iter().copied().collect(),
        },
    )])
}

#[test]
fn year_end_surge_without_history_needs_only_the_share() {
    let mut rows = year_of(LANSHAN, 1, 4);
    rows.extend(year_of(LUOZHUANG, 101, 3));
    let found = find(Rule::YearEndSurge, rows);
    assert_eq!(
        numbers(&found),
        vec![nos(&["R0001", "R0002", "R0003", "R0004"])]
    );
    let f = &found[0];
    assert_eq!(f.office.as_deref(), Some(LANSHAN));
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.contract_count, 4);
    assert!(f.detail_en.contains("(40.0 %)"), "{}", f.detail_en);
    assert!(f.detail_en.contains("no earlier years"), "{}", f.detail_en);
}

#[test]
fn year_end_surge_at_exactly_the_share_is_not_found() {
    assert_eq!(
        find(Rule::YearEndSurge, year_of(LANSHAN, 1, 3)),
        vec![],
        "30 % is not above 30 %"
    );
}

#[test]
fn year_end_surge_compares_with_the_december_share_of_earlier_years() {
    let config = AnomalyConfig::default();
    let run = |h| run_with(year_of(LANSHAN, 1, 4), h, &[Rule::YearEndSurge], &config);
    // 40 % against 20 % earlier: twice the history, found.
    let found = run(history(LANSHAN, 2_000, 10_000, &[2024, 2025]));
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .detail_en
            .contains("(2024–2025) December made 20.0 %"),
        "{}",
        found[0].detail_en
    );
    assert!(
        found[0].detail_en.contains("200.0 % of that"),
        "{}",
        found[0].detail_en
    );
    // Equal to its history: not found.
    assert_eq!(run(history(LANSHAN, 4_000, 10_000, &[2025])), vec![]);
    // Just under twice its history (40 % against 20.01 %): not found.
    assert_eq!(run(history(LANSHAN, 2_001, 10_000, &[2025])), vec![]);
    // History of another office does not count.
    assert_eq!(run(history(LUOZHUANG, 4_000, 10_000, &[2025])).len(), 1);
    // Earlier years without any December turnover: any share is a surge.
    assert_eq!(run(history(LANSHAN, 0, 10_000, &[2025])).len(), 1);
}

#[test]
fn year_end_surge_compares_sums_whose_products_pass_i128() {
    // This year close to the cap of a year's turnover (i64::MAX fen): 80 % in December. Earlier
    // years: eleven at the cap, 20 % of it in December. dec × htot × 100 is about 7.5e40 and
    // factor × hdec × total about 3.7e40, both far past i128::MAX (1.7e38).
    let (december, march) = (i64::MAX / 5 * 4, i64::MAX / 5);
    let rows = vec![
        c(1, "S1", "B1", 1, "2026-03-01")
            .fen(march, march)
            .registered("2026-03-10"),
        c(2, "S2", "B2", 1, "2026-12-01")
            .fen(december, december)
            .registered("2026-12-10"),
    ];
    let htot = i128::from(i64::MAX) * 11;
    let hdec = htot / 5;
    let years: Vec<i32> = (2015..=2025).collect();
    let config = AnomalyConfig::default();
    let found = run_with(
        rows.clone(),
        history(LANSHAN, hdec, htot, &years),
        &[Rule::YearEndSurge],
        &config,
    );
    assert_eq!(numbers(&found), vec![nos(&["R0002"])]);
    assert!(
        found[0].detail_en.contains("December made 20.0 %"),
        "{}",
        found[0].detail_en
    );
    assert!(
        found[0].detail_en.contains("400.0 % of that"),
        "{}",
        found[0].detail_en
    );
    // Earlier Decembers at 40.1 % of the years: this year's 80 % is just under twice that.
    let hdec = htot / 1000 * 401;
    let found = run_with(
        rows,
        history(LANSHAN, hdec, htot, &years),
        &[Rule::YearEndSurge],
        &config,
    );
    assert_eq!(
        found,
        vec![],
        "199.5 % of the history is under the 200 % factor"
    );
}

#[test]
fn year_end_surge_lists_the_fifty_largest_december_contracts() {
    let rows: Vec<RawRow> = (1..=60)
        .map(|n| {
            c(n, "S", &format!("B{n}"), 1_000 + i64::from(n), "2026-12-01").registered("2026-12-05")
        })
        .collect();
    let found = find(Rule::YearEndSurge, rows);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].contract_count, 60);
    assert_eq!(found[0].contracts.len(), LIST_LIMIT);
    assert_eq!(found[0].contracts[0].registration_no, "R0060");
    assert_eq!(found[0].contracts[49].registration_no, "R0011");
}

#[test]
fn december_is_counted_in_asia_shanghai() {
    // 2026-11-30T16:30Z is 00:30 on 1 December in Shanghai.
    let dec = NaiveDate::from_ymd_opt(2026, 11, 30)
        .unwrap()
        .and_hms_opt(16, 30, 0)
        .unwrap();
    let mut rows = year_of(LANSHAN, 1, 3);
    rows[3] = rows[3].clone().registered_at(dec);
    assert_eq!(
        find(Rule::YearEndSurge, rows).len(),
        1,
        "4 of 10 in December"
    );
}

// ---------------------------------------------------------------- late registration

#[test]
fn late_registration_finds_366_days_after_signing() {
    let rows = vec![
        c(1, "S", "B", 1_000, "2025-01-01").registered("2026-01-02"),
        c(2, "S", "B", 2_000, "2025-01-01").registered("2026-01-01"),
    ];
    let found = find(Rule::LateRegistration, rows);
    assert_eq!(numbers(&found), vec![nos(&["R0001"])]);
    assert_eq!(found[0].severity, Severity::Low);
    assert!(
        found[0].detail_en.contains("366 days later"),
        "{}",
        found[0].detail_en
    );
    assert_eq!(found[0].contracts[0].registered_on, day("2026-01-02"));
}

#[test]
fn only_contracts_signed_before_the_cutoff_can_be_late() {
    // Registered on 31 December at the latest, so signed on or after 31 December − 365 days
    // cannot be late: the loader reads registration times only before this date.
    assert_eq!(load::late_cutoff(2026, 365), day("2025-12-31"));
    assert_eq!(load::late_cutoff(2024, 365), day("2024-01-01"));
    assert_eq!(load::late_cutoff(2026, u32::MAX), load::no_cutoff());
}

#[test]
fn late_registration_counts_days_in_asia_shanghai() {
    // 2026-01-01T15:59Z is still 1 January in Shanghai (365 days); 16:00Z is 2 January (366).
    let at = |h, m| {
        NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    };
    let rows = vec![
        c(1, "S", "B", 1_000, "2025-01-01").registered_at(at(15, 59)),
        c(2, "S", "B", 1_000, "2025-01-01").registered_at(at(16, 0)),
    ];
    assert_eq!(
        numbers(&find(Rule::LateRegistration, rows)),
        vec![nos(&["R0002"])]
    );
}

#[test]
fn late_registration_of_the_previous_year_is_not_this_years() {
    let rows = vec![c(1, "S", "B", 1_000, "2023-01-01").registered("2025-06-01")];
    let config = AnomalyConfig::default();
    // The previous year is loaded for the comparing rules; it must not leak into this rule.
    assert_eq!(run_with(rows, BTreeMap::new(), Rule::ALL, &config), vec![]);
}

// ---------------------------------------------------------------- concentration

/// Ten contracts of 100 yuan in Lanshan, the first `k` sold by P.
fn office_with_seller(k: u32, total: u32) -> Vec<RawRow> {
    (1..=total)
        .map(|n| {
            let seller = if n <= k {
                "P".to_string()
            } else {
                format!("S{n}")
            };
            c(n, &seller, &format!("B{n}"), 100, "2026-03-01")
        })
        .collect()
}

#[test]
fn concentration_finds_a_seller_above_half_of_an_office() {
    let found = find(Rule::Concentration, office_with_seller(6, 10));
    assert_eq!(
        numbers(&found),
        vec![nos(&["R0001", "R0002", "R0003", "R0004", "R0005", "R0006"])]
    );
    let f = &found[0];
    assert_eq!(f.office.as_deref(), Some(LANSHAN));
    assert_eq!(f.parties.len(), 1);
    assert_eq!(
        (f.parties[0].id.as_str(), f.parties[0].role),
        ("P", PartyRole::Seller)
    );
    assert!(f.detail_en.contains("(60.0 %)"), "{}", f.detail_en);
    assert!(
        f.detail_en.contains("in 6 of the office's 10 contracts"),
        "{}",
        f.detail_en
    );
}

#[test]
fn concentration_finds_a_buyer_too() {
    let rows: Vec<RawRow> = (1..=10)
        .map(|n| {
            c(
                n,
                &format!("S{n}"),
                if n <= 6 { "P" } else { "Q" },
                100,
                "2026-03-01",
            )
        })
        .collect();
    let found = find(Rule::Concentration, rows);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].parties[0].id.as_str(), found[0].parties[0].role),
        ("P", PartyRole::Buyer)
    );
}

#[test]
fn concentration_needs_ten_contracts_and_more_than_half() {
    assert_eq!(
        find(Rule::Concentration, office_with_seller(6, 9)),
        vec![],
        "9 contracts"
    );
    assert_eq!(
        find(Rule::Concentration, office_with_seller(5, 10)),
        vec![],
        "exactly 50 %"
    );
}

#[test]
fn concentration_is_per_office() {
    // P sells 6 of 10 contracts, but spread over two offices of 5 + 10.
    let mut rows = office_with_seller(3, 10);
    rows.extend(
        (11..=15).map(|n| c(n, "P", &format!("B{n}"), 100, "2026-03-01").office(LUOZHUANG)),
    );
    assert_eq!(find(Rule::Concentration, rows), vec![]);
}

// ---------------------------------------------------------------- full technical

#[test]
fn full_technical_finds_a_large_development_contract_at_100_percent() {
    let rows = vec![
        c(1, "S", "B", 1_000_000, "2026-03-01")
            .development()
            .technical(100_000_000),
        c(2, "S", "B", 1_000_000, "2026-03-02")
            .development()
            .technical(99_999_999),
        c(3, "S", "B", 0, "2026-03-03")
            .development()
            .fen(99_999_999, 99_999_999),
        c(4, "S", "B", 2_000_000, "2026-03-04").technical(200_000_000),
    ];
    let found = find(Rule::FullTechnical, rows);
    assert_eq!(numbers(&found), vec![nos(&["R0001"])]);
    assert!(
        found[0].detail_en.contains("CNY 1,000,000.00"),
        "{}",
        found[0].detail_en
    );
}

// ---------------------------------------------------------------- everything together

/// A year of ordinary contracts: distinct parties, amounts and dates, registered within days,
/// spread over the months and offices. No rule should fire.
fn clean_year() -> Vec<RawRow> {
    let offices = [LANSHAN, LUOZHUANG, "371312"];
    (1..=240u32)
        .map(|n| {
            let month = (n / 3) % 12 + 1;
            let signed = format!("2026-{month:02}-{:02}", n % 27 + 1);
            let amount = 10_000 + i64::from(n) * 1_337;
            let row = c(n, &format!("S{n}"), &format!("B{n}"), amount, &signed)
                .office(offices[n as usize % 3]);
            if n % 4 == 0 { row.development() } else { row }
        })
        .collect()
}

#[test]
fn a_clean_year_has_no_findings() {
    let history = history(LANSHAN, 1_000, 12_000, &[2024, 2025]);
    assert_eq!(
        run_with(clean_year(), history, Rule::ALL, &AnomalyConfig::default()),
        vec![]
    );
}

#[test]
fn findings_are_ordered_by_rule_then_office_then_first_contract_whatever_the_input_order() {
    let mut rows = clean_year();
    rows.extend([
        c(901, "D", "E", 5_000, "2026-05-01").office(LUOZHUANG),
        c(902, "D", "E", 5_000, "2026-05-01").office(LUOZHUANG),
        c(903, "F", "G", 5_000, "2026-05-01"),
        c(904, "F", "G", 5_000, "2026-05-01"),
        c(905, "H", "I", 7_000, "2024-01-01")
            .registered("2026-02-01")
            .office(LUOZHUANG),
        c(906, "H", "I", 7_000, "2024-01-01").registered("2026-02-01"),
        c(907, "J", "K", 3_000_000, "2026-06-01")
            .development()
            .technical(300_000_000),
    ]);
    let config = AnomalyConfig::default();
    let expected = run_with(rows.clone(), BTreeMap::new(), Rule::ALL, &config);
    let order: Vec<(Rule, Option<&str>, &str)> = expected
        .iter()
        .map(|f| {
            (
                f.rule,
                f.office.as_deref(),
                f.contracts[0].registration_no.as_str(),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            (Rule::Duplicate, None, "R0905"),
            (Rule::Duplicate, Some(LANSHAN), "R0903"),
            (Rule::Duplicate, Some(LUOZHUANG), "R0901"),
            (Rule::LateRegistration, Some(LANSHAN), "R0906"),
            (Rule::LateRegistration, Some(LUOZHUANG), "R0905"),
            (Rule::FullTechnical, Some(LANSHAN), "R0907"),
        ]
    );
    rows.reverse();
    assert_eq!(
        run_with(rows, BTreeMap::new(), Rule::ALL, &config),
        expected
    );
}

#[test]
fn only_the_asked_rules_run() {
    let rows = vec![
        c(1, "S", "B", 1_000, "2026-03-01"),
        c(2, "S", "B", 1_000, "2026-03-01"),
    ];
    assert_eq!(find(Rule::LateRegistration, rows.clone()), vec![]);
    assert_eq!(
        run_with(rows, BTreeMap::new(), &[], &AnomalyConfig::default()),
        vec![]
    );
}

#[test]
fn rules_have_codes_titles_and_explanations() {
    for &rule in Rule::ALL {
        assert_eq!(Rule::from_code(rule.code()).unwrap(), rule);
        assert!(!rule.title_zh().is_empty() && !rule.title_en().is_empty());
        assert!(rule.explanation_zh().chars().count() > 20 && rule.explanation_en().len() > 40);
        assert_eq!(
            serde_json::to_value(rule).unwrap(),
            serde_json::json!(rule.code())
        );
    }
    assert!(Rule::from_code("nonsense").is_err());
    let info = Rule::Splitting.describe(&AnomalyConfig::default(), threshold());
    assert!(
        info.parameters
            .iter()
            .any(|p| p.key == "anomalies.split_window_days" && p.value == "30")
    );
    assert!(
        info.parameters
            .iter()
            .any(|p| p.key == "ledger.large_contract_threshold" && p.value == "5000000.00")
    );
}

#[test]
fn a_finding_serialises_with_the_rule_code_and_yuan_strings() {
    let found = find(
        Rule::Duplicate,
        vec![
            c(1, "S", "B", 1_000, "2026-03-01"),
            c(2, "S", "B", 1_000, "2026-03-01"),
        ],
    );
    let json = serde_json::to_value(&found[0]).unwrap();
    assert_eq!(json["rule"], "duplicate");
    assert_eq!(json["severity"], "high");
    assert_eq!(json["contracts"][0]["amount"], "1000.00");
    assert_eq!(json["contracts"][0]["signed_on"], "2026-03-01");
    assert_eq!(json["parties"][0]["role"], "seller");
    assert_eq!(json["contract_count"], 2);
}

#[test]
fn percentages_round_half_up_to_one_decimal() {
    assert_eq!(rules::percent(1, 3), "33.3");
    assert_eq!(rules::percent(2, 3), "66.7");
    assert_eq!(rules::percent(1, 2000), "0.1");
    assert_eq!(rules::percent(1, 0), "0.0");
    assert_eq!(rules::percent(3, 3), "100.0");
}
