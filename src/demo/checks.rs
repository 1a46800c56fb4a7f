//! The auditors' anomaly rules re-stated over the plan, and the clean-up that keeps the
//! clean contracts from tripping them by chance.
//!
//! [`evaluate`] with [`Params::exact`] follows the rules as `crate::anomalies` documents them
//! (registered contracts only, the registration year in Asia/Shanghai, the parameters from
//! `AnomalyConfig`); the tests use it to prove that every planted case is found and nothing
//! else. [`Params::conservative`] widens every rule (lower shares, longer windows, any
//! status, no history) and [`sanitize`] repairs each clean contract it catches, so the clean
//! data keeps a safety margin below every rule.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Duration};

use super::parties::{Group, Pool};
use super::plan::{Approval, Planned, business_day_on_or_before, floor_yuan, round_amount};
use super::plant::{
    CONCENTRATION, Case, DUPLICATE, FULL_TECHNICAL, LATE_REGISTRATION, ROUND_TRIP, SPLITTING,
    YEAR_END_SURGE,
};
use super::random::scale;
use crate::config::AnomalyConfig;
use crate::domain::{ContractType, OfficeCode};

/// The rules' parameters.
#[derive(Debug, Clone)]
pub(super) struct Params {
    /// Compare contracts of every status, not only registered ones.
    pub all_statuses: bool,
    /// Large-contract threshold, fen.
    pub threshold_fen: i64,
    /// Splitting band: technical amount ≥ threshold × this / 100.
    pub split_lower_percent: i64,
    /// Splitting window, days.
    pub split_window_days: i64,
    /// Splitting: this many contracts.
    pub split_min: usize,
    /// Round trip window, days.
    pub round_trip_days: i64,
    /// Round trip amount tolerance, percent of the larger.
    pub round_trip_percent: i64,
    /// Year-end surge: December share above this percentage…
    pub surge_percent: i64,
    /// … and at least this percentage of the office's earlier December share (None: ignored).
    pub surge_history_percent: Option<i64>,
    /// Concentration: a party above this percentage…
    pub concentration_percent: i64,
    /// … of an office with at least this many contracts in the year.
    pub concentration_min: u64,
    /// Late registration: more than this many days.
    pub late_days: i64,
    /// Full technical: development contracts of at least this amount, fen.
    pub full_technical_min_fen: i64,
}

impl Params {
    /// The rules as the auditors run them.
    pub fn exact(config: &AnomalyConfig, threshold_fen: i64) -> Params {
        Params {
            all_statuses: false,
            threshold_fen,
            split_lower_percent: 100 - i64::from(config.split_margin_percent.min(100)),
            split_window_days: i64::from(config.split_window_days),
            split_min: usize::try_from(config.split_min_contracts.max(1)).unwrap_or(usize::MAX),
            round_trip_days: i64::from(config.round_trip_window_days),
            round_trip_percent: i64::from(config.round_trip_amount_tolerance_percent),
            surge_percent: i64::from(config.year_end_share_percent),
            surge_history_percent: Some(i64::from(config.year_end_history_factor_percent)),
            concentration_percent: i64::from(config.concentration_percent),
            concentration_min: u64::from(config.concentration_min_contracts),
            late_days: i64::from(config.late_registration_days),
            full_technical_min_fen: config.full_technical_min_amount.fen(),
        }
    }

    /// Every rule widened, for keeping the clean data well clear of them.
    pub fn conservative(config: &AnomalyConfig, threshold_fen: i64) -> Params {
        let exact = Params::exact(config, threshold_fen);
        Params {
            all_statuses: true,
            split_lower_percent: (exact.split_lower_percent - 5).max(0),
            split_window_days: exact.split_window_days + 15,
            split_min: 2,
            round_trip_days: exact.round_trip_days + 30,
            round_trip_percent: exact.round_trip_percent + 5,
            surge_percent: (exact.surge_percent - 5).max(1),
            surge_history_percent: None,
            concentration_percent: (exact.concentration_percent - 10).max(1),
            concentration_min: exact.concentration_min.saturating_sub(2).max(1),
            late_days: (exact.late_days - 15).max(1),
            full_technical_min_fen: exact.full_technical_min_fen / 2,
            ..exact
        }
    }
}

/// What a rule found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hit {
    /// The rule code.
    pub rule: &'static str,
    /// The contracts (plan indices) it names.
    pub contracts: Vec<usize>,
    /// The office and year (office-level rules).
    pub office_year: Option<(OfficeCode, i32)>,
    /// The party, its side (seller: true) and its turnover against the office's
    /// (concentration), fen.
    pub shares: Option<(u32, bool, i128, i128)>,
}

impl Hit {
    fn of(rule: &'static str, contracts: Vec<usize>) -> Hit {
        Hit {
            rule,
            contracts,
            office_year: None,
            shares: None,
        }
    }
}

/// The rules' view of one contract.
struct View {
    seller: u32,
    buyer: u32,
    office: OfficeCode,
    amount: i64,
    technical: i64,
    signed: chrono::NaiveDate,
    registered_on: chrono::NaiveDate,
    registered: bool,
    development: bool,
}

fn views(contracts: &[Planned], threshold_fen: i64) -> Vec<View> {
    contracts
        .iter()
        .map(|c| {
            let (amount, technical) = c.final_amounts(threshold_fen);
            View {
                seller: c.seller,
                buyer: c.buyer,
                office: c.office,
                amount,
                technical,
                signed: c.signed_on,
                registered_on: c.registered_on,
                registered: c.ends_registered(),
                development: c.contract_type == ContractType::Development,
            }
        })
        .collect()
}

/// Every finding of every rule over the plan.
pub(super) fn evaluate(contracts: &[Planned], p: &Params) -> Vec<Hit> {
    let v = views(contracts, p.threshold_fen);
    let compared: Vec<usize> = (0..v.len())
        .filter(|&i| p.all_statuses || v[i].registered)
        .collect();
    let mut hits = Vec::new();
    duplicates(&v, &compared, &mut hits);
    splitting(&v, &compared, p, &mut hits);
    round_trips(&v, &compared, p, &mut hits);
    for &i in &compared {
        if (v[i].registered_on - v[i].signed).num_days() > p.late_days {
            hits.push(Hit::of(LATE_REGISTRATION, vec![i]));
        }
        if v[i].development
            && v[i].amount > 0
            && v[i].amount >= p.full_technical_min_fen
            && v[i].technical == v[i].amount
        {
            hits.push(Hit::of(FULL_TECHNICAL, vec![i]));
        }
    }
    office_rules(&v, p, &mut hits);
    hits
}

fn duplicates(v: &[View], compared: &[usize], hits: &mut Vec<Hit>) {
    let mut idx = compared.to_vec();
    let key = |i: usize| (v[i].seller, v[i].buyer, v[i].amount, v[i].signed);
    idx.sort_unstable_by_key(|&i| (key(i), i));
    for group in idx.chunk_by(|&a, &b| key(a) == key(b)) {
        if group.len() >= 2 {
            hits.push(Hit::of(DUPLICATE, group.to_vec()));
        }
    }
}

fn splitting(v: &[View], compared: &[usize], p: &Params, hits: &mut Vec<Hit>) {
    let lower = i128::from(p.threshold_fen) * i128::from(p.split_lower_percent);
    let mut idx: Vec<usize> = compared
        .iter()
        .copied()
        .filter(|&i| v[i].technical < p.threshold_fen && i128::from(v[i].technical) * 100 >= lower)
        .collect();
    idx.sort_unstable_by_key(|&i| (v[i].seller, v[i].buyer, v[i].signed, i));
    for group in idx.chunk_by(|&a, &b| (v[a].seller, v[a].buyer) == (v[b].seller, v[b].buyer)) {
        if group.len() < p.split_min {
            continue;
        }
        let mut members = HashSet::new();
        let mut start = 0;
        for j in 0..group.len() {
            while (v[group[j]].signed - v[group[start]].signed).num_days() > p.split_window_days {
                start += 1;
            }
            if j + 1 - start >= p.split_min {
                members.extend(group[start..=j].iter().copied());
            }
        }
        if !members.is_empty() {
            let mut members: Vec<usize> = members.into_iter().collect();
            members.sort_unstable();
            hits.push(Hit::of(SPLITTING, members));
        }
    }
}

fn round_trips(v: &[View], compared: &[usize], p: &Params, hits: &mut Vec<Hit>) {
    let pair = |i: usize| (v[i].seller.min(v[i].buyer), v[i].seller.max(v[i].buyer));
    let mut idx = compared.to_vec();
    idx.sort_unstable_by_key(|&i| (pair(i), i));
    for group in idx.chunk_by(|&a, &b| pair(a) == pair(b)) {
        let lo = pair(group[0]).0;
        let (forth, back): (Vec<usize>, Vec<usize>) =
            group.iter().partition(|&&i| v[i].seller == lo);
        for &x in &forth {
            for &y in &back {
                let days = (v[x].signed - v[y].signed).num_days().abs();
                let (a, b) = (i128::from(v[x].amount), i128::from(v[y].amount));
                if days <= p.round_trip_days
                    && (a - b).abs() * 100 <= i128::from(p.round_trip_percent) * a.max(b)
                {
                    hits.push(Hit::of(ROUND_TRIP, vec![x, y]));
                }
            }
        }
    }
}

/// An office's year: December turnover, turnover, contracts, the December contracts.
#[derive(Debug, Default)]
struct OfficeYear {
    december: i128,
    total: i128,
    count: u64,
    december_members: Vec<usize>,
}

/// (office, year, seller side, party).
type SideKey = (OfficeCode, i32, bool, u32);

/// A party's turnover on one side of an office's year, and its contracts.
type SideShare = (i128, Vec<usize>);

/// Year-end surge and concentration: registered contracts, per office and registration year.
fn office_rules(v: &[View], p: &Params, hits: &mut Vec<Hit>) {
    let mut years: BTreeMap<(OfficeCode, i32), OfficeYear> = BTreeMap::new();
    let mut sides: HashMap<SideKey, SideShare> = HashMap::new();
    for (i, c) in v.iter().enumerate().filter(|(_, c)| c.registered) {
        let year = c.registered_on.year();
        let e = years.entry((c.office, year)).or_default();
        e.total += i128::from(c.amount);
        e.count += 1;
        if c.registered_on.month() == 12 {
            e.december += i128::from(c.amount);
            e.december_members.push(i);
        }
        for key in [
            (c.office, year, true, c.seller),
            (c.office, year, false, c.buyer),
        ] {
            let s = sides.entry(key).or_default();
            s.0 += i128::from(c.amount);
            s.1.push(i);
        }
    }
    for (&(office, year), e) in &years {
        let (dec, total) = (e.december, e.total);
        if total <= 0 || dec * 100 <= i128::from(p.surge_percent) * total {
            continue;
        }
        if let Some(factor) = p.surge_history_percent {
            let (hdec, htot) = years
                .range((office, i32::MIN)..(office, year))
                .filter(|(_, h)| h.total > 0)
                .fold((0i128, 0i128), |(d, t), (_, h)| {
                    (d + h.december, t + h.total)
                });
            if htot > 0 && dec * htot * 100 < i128::from(factor) * hdec * total {
                continue;
            }
        }
        hits.push(Hit {
            office_year: Some((office, year)),
            ..Hit::of(YEAR_END_SURGE, e.december_members.clone())
        });
    }
    let mut flagged: Vec<(&SideKey, &SideShare)> = sides
        .iter()
        .filter(|((office, year, _, _), (sum, _))| {
            let e = &years[&(*office, *year)];
            e.count >= p.concentration_min
                && e.total > 0
                && sum * 100 > i128::from(p.concentration_percent) * e.total
        })
        .collect();
    flagged.sort_unstable_by_key(|(k, _)| **k);
    for (&(office, year, seller_side, party), (sum, members)) in flagged {
        hits.push(Hit {
            rule: CONCENTRATION,
            contracts: members.clone(),
            office_year: Some((office, year)),
            shares: Some((party, seller_side, *sum, years[&(office, year)].total)),
        });
    }
}

/// Whether a hit is one of the planted cases (of the same rule).
pub(super) fn expected(hit: &Hit, contracts: &[Planned], cases: &[Case]) -> bool {
    let rule_of = |i: usize| {
        contracts[i]
            .plant
            .and_then(|k| cases.get(usize::from(k)))
            .map(|c| c.rule)
    };
    if hit.rule == YEAR_END_SURGE {
        hit.contracts
            .iter()
            .any(|&i| rule_of(i) == Some(YEAR_END_SURGE))
    } else {
        hit.contracts.iter().all(|&i| rule_of(i) == Some(hit.rule))
    }
}

/// Parties that can stand in for each other: the same group and the same home office.
type Alternatives = HashMap<(Group, Option<OfficeCode>), Vec<u32>>;

/// Turnover of each party on each side in each office's year (registered contracts).
type SideSums = HashMap<(OfficeCode, i32, bool, u32), i128>;

/// What repairs may use.
struct Repairs<'a> {
    params: Params,
    pool: &'a Pool,
    alternatives: Alternatives,
    groups: HashMap<Group, Vec<u32>>,
    sums: SideSums,
    totals: HashMap<(OfficeCode, i32), i128>,
}

/// Each party's turnover per side and each office's turnover, per year.
fn side_sums(
    contracts: &[Planned],
    threshold_fen: i64,
) -> (SideSums, HashMap<(OfficeCode, i32), i128>) {
    let mut sums = SideSums::new();
    let mut totals = HashMap::new();
    for c in contracts.iter().filter(|c| c.ends_registered()) {
        let amount = i128::from(c.final_amounts(threshold_fen).0);
        let year = c.registered_on.year();
        *sums.entry((c.office, year, true, c.seller)).or_default() += amount;
        *sums.entry((c.office, year, false, c.buyer)).or_default() += amount;
        *totals.entry((c.office, year)).or_default() += amount;
    }
    (sums, totals)
}

/// Repairs the clean contracts until the conservative rules find nothing but planted cases;
/// returns the number of repairs.
pub(super) fn sanitize(
    contracts: &mut [Planned],
    cases: &[Case],
    pool: &Pool,
    config: &AnomalyConfig,
    threshold_fen: i64,
) -> usize {
    let mut ctx = Repairs {
        params: Params::conservative(config, threshold_fen),
        pool,
        alternatives: HashMap::new(),
        groups: HashMap::new(),
        sums: SideSums::new(),
        totals: HashMap::new(),
    };
    for party in pool.drawn() {
        let q = pool.get(party);
        ctx.alternatives
            .entry((q.group, q.home_office))
            .or_default()
            .push(party);
        ctx.groups.entry(q.group).or_default().push(party);
    }
    let mut repairs = 0;
    for _ in 0..60 {
        let hits = evaluate(contracts, &ctx.params);
        if hits.iter().any(|h| h.rule == CONCENTRATION) {
            (ctx.sums, ctx.totals) = side_sums(contracts, threshold_fen);
        }
        let mut touched: HashSet<usize> = HashSet::new();
        let mut fixed = 0;
        for hit in hits {
            if expected(&hit, contracts, cases) || hit.contracts.iter().any(|i| touched.contains(i))
            {
                continue;
            }
            if let Some(changed) = repair(&hit, contracts, &mut ctx) {
                touched.extend(changed);
                fixed += 1;
            }
        }
        if fixed == 0 {
            break;
        }
        repairs += fixed;
    }
    repairs
}

/// Changes one clean contract of `hit` so that the hit goes away; the contracts changed.
fn repair(hit: &Hit, contracts: &mut [Planned], ctx: &mut Repairs<'_>) -> Option<Vec<usize>> {
    let p = &ctx.params;
    let clean = |i: &usize| contracts[*i].plant.is_none();
    let mut members: Vec<usize> = hit.contracts.clone();
    members.sort_unstable_by_key(|&i| contracts[i].seq);
    let all_clean = members.iter().all(clean);
    // For pairwise rules: every clean member but the first (when none is planted) changes.
    let mut others: Vec<usize> = members.iter().copied().filter(clean).collect();
    if all_clean && !others.is_empty() {
        others.remove(0);
    }
    match hit.rule {
        DUPLICATE => {
            for (rank, &i) in (1i64..).zip(&others) {
                let c = &mut contracts[i];
                c.contract_fen += (c.contract_fen / 100).max(10_000) * rank;
            }
            (!others.is_empty()).then_some(others)
        }
        SPLITTING => {
            let low = floor_yuan(scale(
                p.threshold_fen,
                (p.split_lower_percent - 10).max(1),
                100,
            ));
            for &i in &others {
                let c = &mut contracts[i];
                c.technical_fen = low.min(c.contract_fen);
            }
            (!others.is_empty()).then_some(others)
        }
        ROUND_TRIP => {
            let i = *members
                .iter()
                .rev()
                .find(|i| clean(i) && !contracts[**i].now)
                .or_else(|| members.iter().rev().find(|i| clean(i)))?;
            let c = &mut contracts[i];
            let halved = round_amount(c.contract_fen / 2);
            if c.now || halved < 1_000_000 {
                rescale(c, round_amount(c.contract_fen.saturating_mul(2)));
            } else {
                rescale(c, halved);
            }
            Some(vec![i])
        }
        LATE_REGISTRATION => {
            let i = *members.iter().find(|i| clean(i))?;
            let c = &mut contracts[i];
            let signed = c.registered_on - Duration::days((p.late_days - 60).max(1));
            let shift = signed - c.signed_on;
            c.signed_on = signed;
            c.valid_until = c.valid_until.map(|v| v + shift);
            Some(vec![i])
        }
        FULL_TECHNICAL => {
            let i = *members.iter().find(|i| clean(i))?;
            let c = &mut contracts[i];
            c.technical_fen = floor_yuan(scale(c.contract_fen, 90, 100));
            Some(vec![i])
        }
        YEAR_END_SURGE => {
            // The largest clean December registration moves back into November.
            let largest = |now: bool| {
                members
                    .iter()
                    .copied()
                    .filter(|i| clean(i) && contracts[*i].now == now)
                    .max_by_key(|&i| {
                        (
                            contracts[i].contract_fen,
                            std::cmp::Reverse(contracts[i].seq),
                        )
                    })
            };
            let Some(i) = largest(false) else {
                // In December the contracts registered today are December's too, and they
                // cannot move: the largest one on the approval path waits instead, a small
                // one shrinks.
                let i = largest(true)?;
                let c = &mut contracts[i];
                match c.approval {
                    Approval::Approve => c.approval = Approval::Leave,
                    Approval::Immediate => {
                        let smaller = round_amount(c.contract_fen / 4).max(100_000);
                        if smaller >= c.contract_fen {
                            return None;
                        }
                        rescale(c, smaller);
                    }
                    Approval::Refuse(_) | Approval::Leave => return None,
                }
                return Some(vec![i]);
            };
            let c = &mut contracts[i];
            let back = i64::from(c.registered_on.day()) + 1 + i64::from(c.seq % 15);
            let day = business_day_on_or_before(c.registered_on - Duration::days(back));
            let shift = c.registered_on - day;
            c.registered_on = day;
            c.signed_on -= shift;
            Some(vec![i])
        }
        CONCENTRATION => concentrated(hit, contracts, ctx),
        _ => None,
    }
}

/// Repairs a party above its share of an office's year: parties of the same group and home
/// office take over its largest clean contracts (each only while it stays at most 35 % of
/// the office itself) until the party holds at most 35 %; when that is impossible (one
/// contract alone is too big, or nobody can take one over) its largest contract shrinks.
fn concentrated(hit: &Hit, contracts: &mut [Planned], ctx: &mut Repairs<'_>) -> Option<Vec<usize>> {
    let threshold_fen = ctx.params.threshold_fen;
    let (party, seller_side, sum, total) = hit.shares?;
    let (office, year) = hit.office_year?;
    let amount = |c: &Planned| i128::from(c.final_amounts(threshold_fen).0);
    let mut own: Vec<usize> = hit
        .contracts
        .iter()
        .copied()
        .filter(|&i| contracts[i].plant.is_none())
        .collect();
    own.sort_unstable_by_key(|&i| {
        (
            std::cmp::Reverse(contracts[i].contract_fen),
            contracts[i].seq,
        )
    });
    let q = ctx.pool.get(party);
    let others: Vec<u32> = ctx
        .alternatives
        .get(&(q.group, q.home_office))
        .map(|list| list.iter().copied().filter(|&o| o != party).collect())
        .unwrap_or_default();
    let mut changed = Vec::new();
    let mut left = sum;
    for &i in &own {
        if left * 100 <= 35 * total {
            break;
        }
        let a = amount(&contracts[i]);
        if a * 100 > 35 * total {
            // Too big for anybody at this office: it shrinks below.
            continue;
        }
        let counterpart = if seller_side {
            contracts[i].buyer
        } else {
            contracts[i].seller
        };
        let stand_in = others
            .iter()
            .copied()
            .filter(|&o| o != counterpart)
            .map(|o| {
                (
                    ctx.sums
                        .get(&(office, year, seller_side, o))
                        .copied()
                        .unwrap_or(0),
                    o,
                )
            })
            .filter(|&(s, _)| (s + a) * 100 <= 35 * total)
            .min();
        let c = &mut contracts[i];
        match stand_in {
            Some((s, o)) => {
                if seller_side {
                    c.seller = o;
                } else {
                    c.buyer = o;
                }
                ctx.sums.insert((office, year, seller_side, o), s + a);
            }
            None => {
                // Nobody at this office can take it: a party of the same group at another
                // office does, if it stays small there, and the contract moves with it.
                let Some(list) = ctx.groups.get(&q.group) else {
                    continue;
                };
                let fits = |o: u32| {
                    let home = ctx.pool.get(o).home_office;
                    let (s, b) = if seller_side {
                        (o, c.buyer)
                    } else {
                        (c.seller, o)
                    };
                    let there = ctx
                        .pool
                        .get(s)
                        .home_office
                        .or(ctx.pool.get(b).home_office)
                        .unwrap_or(office);
                    let t = ctx.totals.get(&(there, year)).copied().unwrap_or(0) + a;
                    let own_there = ctx
                        .sums
                        .get(&(there, year, seller_side, o))
                        .copied()
                        .unwrap_or(0)
                        + a;
                    home != Some(office) && there != office && own_there * 100 <= 30 * t
                };
                let Some(o) = (0..list.len())
                    .map(|k| list[(c.seq as usize + k) % list.len()])
                    .find(|&o| o != party && o != counterpart && fits(o))
                else {
                    continue;
                };
                if seller_side {
                    c.seller = o;
                } else {
                    c.buyer = o;
                }
                let (s, b) = (ctx.pool.get(c.seller), ctx.pool.get(c.buyer));
                c.office = s.home_office.or(b.home_office).unwrap_or(c.office);
                *ctx.totals.entry((c.office, year)).or_default() += a;
                *ctx.sums
                    .entry((c.office, year, seller_side, o))
                    .or_default() += a;
                *ctx.totals.entry((office, year)).or_default() -= a;
            }
        }
        left -= a;
        changed.push(i);
    }
    ctx.sums.insert((office, year, seller_side, party), left);
    if !changed.is_empty() {
        return Some(changed);
    }
    let Some(i) = own
        .iter()
        .copied()
        .find(|&i| shrinkable(&contracts[i], threshold_fen))
    else {
        // Only large contracts registered now are left: the largest waits for approval instead.
        let i = own
            .into_iter()
            .find(|&i| contracts[i].now && contracts[i].approval == Approval::Approve)?;
        contracts[i].approval = Approval::Leave;
        return Some(vec![i]);
    };
    let c = &mut contracts[i];
    let cut = (sum * 100 - 35 * total + 64) / 65;
    let cut = i64::try_from(cut.max(0)).unwrap_or(i64::MAX);
    let mut smaller = (c.contract_fen - cut).max(c.contract_fen / 20).max(100_000);
    if c.now {
        // A contract registered now keeps its technical amount at the threshold.
        let floor =
            (scale(threshold_fen, c.contract_fen, c.technical_fen.max(1)) / 100_000 + 1) * 100_000;
        smaller = smaller.max(floor);
    }
    rescale(c, round_amount(smaller));
    if c.now && c.technical_fen < threshold_fen {
        c.technical_fen = threshold_fen.min(c.contract_fen);
    }
    Some(vec![i])
}

/// Whether a contract can shrink: historical ones always, ones registered now while their
/// technical amount stays clearly above the threshold.
fn shrinkable(c: &Planned, threshold_fen: i64) -> bool {
    !c.now || c.technical_fen > threshold_fen.saturating_add(threshold_fen / 10)
}

/// Sets a contract amount, keeping the technical share.
fn rescale(c: &mut Planned, contract_fen: i64) {
    c.technical_fen = if c.technical_fen >= c.contract_fen {
        contract_fen
    } else {
        floor_yuan(scale(c.technical_fen, contract_fen, c.contract_fen)).min(contract_fen)
    };
    c.contract_fen = contract_fen;
}
