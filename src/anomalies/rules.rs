//! The rules, evaluated in memory over a [`Dataset`]: sorting and hash maps, no I/O.
//!
//! Every comparison of amounts and shares is integer arithmetic on fen (widened to `i128`
//! where products could overflow); percentages in the texts are rounded to one decimal.

use std::collections::BTreeSet;

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use super::data::{Dataset, FastMap, FxHasher, PartyKey, Row};
use super::finding::PartyRole;
use super::rule::Rule;
use super::wide::{Wide, percent_of_products};
use crate::config::AnomalyConfig;
use crate::domain::{Money, Total};

/// The parameters of one evaluation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params<'a> {
    /// The rule parameters.
    pub config: &'a AnomalyConfig,
    /// The large-contract threshold (technical amount) of the ledger.
    pub threshold: Money,
}

/// A finding before titles and party names are filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Draft {
    /// The rule.
    pub rule: Rule,
    /// The office (index) when all contracts share one.
    pub office: Option<u32>,
    /// Parties and their sides.
    pub parties: Vec<(PartyKey, PartyRole)>,
    /// Contracts (row indices), most relevant first, all of them.
    pub contracts: Vec<u32>,
    /// Why, in English.
    pub detail_en: String,
    /// Why, in Chinese.
    pub detail_zh: String,
}

/// Runs `rules` (each at most once, in `Rule::ALL` order) over `data`.
pub(crate) fn run(data: &Dataset, rules: &[Rule], params: &Params<'_>) -> Vec<Draft> {
    let mut out = Vec::new();
    for &rule in Rule::ALL {
        if !rules.contains(&rule) {
            continue;
        }
        let found = match rule {
            Rule::Duplicate => duplicate(data),
            Rule::Splitting => splitting(data, params),
            Rule::RoundTrip => round_trip(data, params.config),
            Rule::YearEndSurge => year_end_surge(data, params.config),
            Rule::LateRegistration => late_registration(data, params.config),
            Rule::Concentration => concentration(data, params.config),
            Rule::FullTechnical => full_technical(data, params.config),
        };
        out.extend(found);
    }
    out
}

/// Rule 1: same seller, buyer, contract amount and signing date.
fn duplicate(data: &Dataset) -> Vec<Draft> {
    let mut out = Vec::new();
    for mut idx in shared_keys(data, |r| (r.seller, r.buyer, r.amount, r.signed_on)) {
        if !idx.iter().any(|&i| data.in_year(i)) {
            continue;
        }
        by_date(data, &mut idx);
        let first = data.row(idx[0]);
        let n = idx.len() as i64;
        let amount = yuan(first.amount);
        let total = yuan_sum(i128::from(first.amount) * i128::from(n));
        let extra = yuan_sum(i128::from(first.amount) * i128::from(n - 1));
        let numbers = numbers(data, &idx);
        let years = registration_years(data, &idx);
        out.push(Draft {
            rule: Rule::Duplicate,
            office: common_office(data, &idx),
            parties: vec![(first.seller, PartyRole::Seller), (first.buyer, PartyRole::Buyer)],
            detail_en: format!(
                "{n} contracts from the same seller to the same buyer, each of {amount} and signed on {date} \
                 ({numbers}; registered in {years}). Together they add {total} to turnover; if they are one \
                 contract, {extra} of it is counted more than once.",
                date = first.signed_on,
                amount = amount.en(),
                total = total.en(),
                extra = extra.en(),
            ),
            detail_zh: format!(
                "同一卖方向同一买方的{n}份合同，合同成交额均为{amount}，签订日期均为{date}（{numbers}；\
                 登记年份{years}）。合计计入成交额{total}；如实为同一份合同，其中{extra}属重复计算。",
                date = first.signed_on,
                amount = amount.zh(),
                total = total.zh(),
                extra = extra.zh(),
            ),
            contracts: idx,
        });
    }
    out
}

/// Rule 2: at least `split_min_contracts` contracts from one seller to one buyer signed within
/// `split_window_days`, each with a technical amount in
/// [threshold × (100 − `split_margin_percent`) / 100, threshold).
fn splitting(data: &Dataset, params: &Params<'_>) -> Vec<Draft> {
    let config = params.config;
    let threshold = params.threshold.fen();
    let margin = i128::from(config.split_margin_percent.min(100));
    // technical × 100 ≥ threshold × (100 − margin): exact, no rounding of the lower bound.
    let lower_times_100 = i128::from(threshold) * (100 - margin);
    let lower_fen = ceil_div(lower_times_100, 100);
    let window = i64::from(config.split_window_days);
    let min = usize::try_from(config.split_min_contracts.max(1)).unwrap_or(usize::MAX);

    let mut candidates: Vec<u32> = (0u32..)
        .zip(&data.rows)
        .filter(|(_, r)| {
            r.technical < threshold && i128::from(r.technical) * 100 >= lower_times_100
        })
        .map(|(i, _)| i)
        .collect();
    candidates.sort_unstable_by(|&a, &b| {
        let (ra, rb) = (data.row(a), data.row(b));
        (ra.seller, ra.buyer, ra.signed_on)
            .cmp(&(rb.seller, rb.buyer, rb.signed_on))
            .then_with(|| data.cmp_numbers(ra.number, rb.number))
    });

    let mut out = Vec::new();
    for pair in candidates.chunk_by(|&a, &b| {
        let (ra, rb) = (data.row(a), data.row(b));
        (ra.seller, ra.buyer) == (rb.seller, rb.buyer)
    }) {
        if pair.len() < min {
            continue;
        }
        // Every maximal window [start, j] of contracts signed within `window` days; windows
        // with enough contracts that share a contract are merged into one finding.
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        for j in 0..pair.len() {
            let day = data.row(pair[j]).signed_on;
            while (day - data.row(pair[start]).signed_on).num_days() > window {
                start += 1;
            }
            if j + 1 - start >= min {
                match groups.last_mut() {
                    Some(last) if start <= last.1 => last.1 = j,
                    _ => groups.push((start, j)),
                }
            }
        }
        for (from, to) in groups {
            let idx: Vec<u32> = pair[from..=to].to_vec();
            if !idx.iter().any(|&i| data.in_year(i)) {
                continue;
            }
            out.push(split_draft(data, idx, params, lower_fen, window));
        }
    }
    out
}

/// The finding for one group of split contracts (sorted by signing date).
fn split_draft(
    data: &Dataset,
    idx: Vec<u32>,
    params: &Params<'_>,
    lower_fen: i128,
    window: i64,
) -> Draft {
    let config = params.config;
    let rows: Vec<&Row> = idx.iter().map(|&i| data.row(i)).collect();
    let (first, last) = (rows[0], rows[rows.len() - 1]);
    let span = (last.signed_on - first.signed_on).num_days();
    let low = rows.iter().map(|r| r.technical).min().unwrap_or_default();
    let high = rows.iter().map(|r| r.technical).max().unwrap_or_default();
    let sum: i128 = rows.iter().map(|r| i128::from(r.technical)).sum();
    let n = idx.len();
    let threshold = yuan(params.threshold.fen());
    let margin = config.split_margin_percent;
    let (lower, low, high, sum_text) = (yuan_sum(lower_fen), yuan(low), yuan(high), yuan_sum(sum));
    let numbers = numbers(data, &idx);
    let above = sum >= i128::from(params.threshold.fen());
    let (tail_en, tail_zh) = if above {
        (
            " As one contract it would have needed a second registrar's approval.",
            "若作为一份合同登记，须经第二名登记员复核。",
        )
    } else {
        ("", "")
    };
    Draft {
        rule: Rule::Splitting,
        office: common_office(data, &idx),
        parties: vec![
            (first.seller, PartyRole::Seller),
            (first.buyer, PartyRole::Buyer),
        ],
        detail_en: format!(
            "{n} contracts ({numbers}) from the same seller to the same buyer signed within {span} days \
             ({from} to {to}; the window is {window} days), each with a technical amount from {low} to {high}, \
             that is within {margin} % below the large-contract threshold of {threshold} (from \
             {lower}). Together their technical amount is {sum_text}.{tail_en}",
            from = first.signed_on,
            to = last.signed_on,
            lower = lower.en(),
            low = low.en(),
            high = high.en(),
            sum_text = sum_text.en(),
            threshold = threshold.en(),
        ),
        detail_zh: format!(
            "同一卖方向同一买方在{span}天内（{from}至{to}，限值{window}天）签订{n}份合同（{numbers}），\
             每份技术交易额在{low}至{high}之间，均低于大额合同复核标准{threshold}且差距在{margin}%以内\
             （不低于{lower}）。合计技术交易额{sum_text}。{tail_zh}",
            from = first.signed_on,
            to = last.signed_on,
            lower = lower.zh(),
            low = low.zh(),
            high = high.zh(),
            sum_text = sum_text.zh(),
            threshold = threshold.zh(),
        ),
        contracts: idx,
    }
}

/// Rule 3: A→B and B→A signed within `round_trip_window_days` of each other with contract
/// amounts within `round_trip_amount_tolerance_percent` of the larger one. One finding per
/// pair of parties, naming every contract in a matching pair.
fn round_trip(data: &Dataset, config: &AnomalyConfig) -> Vec<Draft> {
    let window = i32::try_from(config.round_trip_window_days).unwrap_or(i32::MAX);
    let tolerance = i128::from(config.round_trip_amount_tolerance_percent);
    let mut out = Vec::new();
    for pair in shared_keys(data, |r| (r.seller.min(r.buyer), r.seller.max(r.buyer))) {
        // (sold by the higher party, signing day, row): the lower → higher contracts first,
        // each direction by date.
        let mut group: Vec<(bool, i32, u32)> = pair
            .iter()
            .map(|&i| {
                let r = data.row(i);
                (r.seller > r.buyer, r.signed_day(), i)
            })
            .collect();
        group.sort_unstable();
        let lo = data.row(group[0].2).seller;
        let split = group.partition_point(|k| !k.0);
        if split == 0 || split == group.len() {
            continue;
        }
        let forth: Vec<(i32, u32)> = group[..split].iter().map(|k| (k.1, k.2)).collect();
        let back: Vec<(i32, u32)> = group[split..].iter().map(|k| (k.1, k.2)).collect();
        let mut involved: BTreeSet<u32> = BTreeSet::new();
        let mut pairs = 0usize;
        // The closest pair: least gap (parts per million), then fewest days apart, then the
        // smallest registration numbers — deterministic.
        let mut best: Option<(i128, i64, u32, u32)> = None;
        let mut start = 0;
        for &(day, x) in &forth {
            while start < back.len() && back[start].0 < day.saturating_sub(window) {
                start += 1;
            }
            let rx = data.row(x);
            for &(other_day, y) in back[start..]
                .iter()
                .take_while(|b| b.0 <= day.saturating_add(window))
            {
                let ry = data.row(y);
                let (a, b) = (i128::from(rx.amount), i128::from(ry.amount));
                let larger = a.max(b);
                let gap = (a - b).abs();
                if gap * 100 > tolerance * larger || !(data.in_year(x) || data.in_year(y)) {
                    continue;
                }
                pairs += 1;
                involved.insert(x);
                involved.insert(y);
                let gap_ppm = if larger == 0 {
                    0
                } else {
                    gap * 1_000_000 / larger
                };
                let key = (gap_ppm, i64::from((other_day - day).abs()), x, y);
                let closer = best.is_none_or(|b| {
                    (key.0, key.1)
                        .cmp(&(b.0, b.1))
                        .then_with(|| data.cmp_numbers(rx.number, data.row(b.2).number))
                        .then_with(|| data.cmp_numbers(ry.number, data.row(b.3).number))
                        == Ordering::Less
                });
                if closer {
                    best = Some(key);
                }
            }
        }
        let Some((_, days, x, y)) = best else {
            continue;
        };
        let mut idx: Vec<u32> = involved.into_iter().collect();
        by_date(data, &mut idx);
        let (rx, ry) = (data.row(x), data.row(y));
        let forth_n = idx.iter().filter(|&&i| data.row(i).seller == lo).count();
        let back_n = idx.len() - forth_n;
        let (ax, ay) = (yuan(rx.amount), yuan(ry.amount));
        let gap = percent(
            (i128::from(rx.amount) - i128::from(ry.amount)).abs(),
            i128::from(rx.amount.max(ry.amount)),
        );
        let tol = config.round_trip_amount_tolerance_percent;
        let first = data.row(idx[0]);
        let (a, b) = (first.seller, first.buyer);
        let (n_ab, n_ba) = if a == lo {
            (forth_n, back_n)
        } else {
            (back_n, forth_n)
        };
        out.push(Draft {
            rule: Rule::RoundTrip,
            office: common_office(data, &idx),
            parties: vec![(a, PartyRole::Both), (b, PartyRole::Both)],
            detail_en: format!(
                "{n_ab} contract(s) from the first party to the second and {n_ba} back form {pairs} pair(s) signed \
                 within {window} days of each other with contract amounts within {tol} %. Closest: {nx} ({ax}, \
                 signed {dx}) and {ny} ({ay}, signed {dy}), {days} days apart, amounts {gap} % apart.",
                nx = data.number(rx.number),
                ny = data.number(ry.number),
                dx = rx.signed_on,
                dy = ry.signed_on,
                ax = ax.en(),
                ay = ay.en(),
            ),
            detail_zh: format!(
                "第一方向第二方签订{n_ab}份合同、第二方又向第一方签订{n_ba}份合同，其中{pairs}对合同签订时间相隔\
                 不超过{window}天、合同成交额相差不超过{tol}%。最接近的一对：{nx}（{ax}，{dx}签订）与{ny}（{ay}，\
                 {dy}签订），相隔{days}天，金额相差{gap}%。",
                nx = data.number(rx.number),
                ny = data.number(ry.number),
                dx = rx.signed_on,
                dy = ry.signed_on,
                ax = ax.zh(),
                ay = ay.zh(),
            ),
            contracts: idx,
        });
    }
    out
}

/// Rule 4: an office whose December share of the year's turnover is above
/// `year_end_share_percent` and at least `year_end_history_factor_percent` of its December
/// share in earlier years (pooled over all earlier years with turnover); with no earlier
/// turnover only the first condition applies.
fn year_end_surge(data: &Dataset, config: &AnomalyConfig) -> Vec<Draft> {
    let mut totals: Vec<(i128, i128)> = vec![(0, 0); data.offices.len()];
    let mut december: Vec<Vec<u32>> = vec![Vec::new(); data.offices.len()];
    for (r, i) in data.rows.iter().zip(0u32..) {
        if r.year != data.year {
            continue;
        }
        let t = &mut totals[r.office as usize];
        t.1 += i128::from(r.amount);
        if r.month == 12 {
            t.0 += i128::from(r.amount);
            december[r.office as usize].push(i);
        }
    }
    let share = i128::from(config.year_end_share_percent);
    let factor = i128::from(config.year_end_history_factor_percent);
    let mut out = Vec::new();
    for ((office, (dec, total)), mut idx) in (0u32..).zip(totals).zip(december) {
        if total <= 0 || dec * 100 <= share * total {
            continue;
        }
        let code = data.office(office);
        let history = data.history.get(code).filter(|h| h.total_fen > 0);
        let (hist_en, hist_zh) = match history {
            Some(h) => {
                let (hdec, htot) = (h.december_fen, h.total_fen);
                // Cross-multiplied in 384 bits: the products pass i128 (see `wide`).
                if Wide::product([dec, htot, 100]) < Wide::product([factor, hdec, total]) {
                    continue;
                }
                let years = years_text(&h.years);
                if hdec == 0 {
                    (
                        format!(" In earlier years ({years}) the office registered no turnover in December."),
                        format!("往年（{years}）该登记点12月没有登记成交额。"),
                    )
                } else {
                    let hshare = percent(hdec, htot);
                    let ratio = percent_of_products(dec, htot, total, hdec);
                    let (hd, ht) = (yuan_sum(hdec), yuan_sum(htot));
                    (
                        format!(
                            " In earlier years ({years}) December made {hshare} % of its turnover ({hd} of {ht}); \
                             this year's share is {ratio} % of that, at least the {factor} % limit.",
                            hd = hd.en(),
                            ht = ht.en(),
                        ),
                        format!(
                            "往年（{years}）12月成交额占比为{hshare}%（{hd}/{ht}），今年的占比是往年的{ratio}%，\
                             达到{factor}%的限值。",
                            hd = hd.zh(),
                            ht = ht.zh(),
                        ),
                    )
                }
            }
            None => (
                " The office has no earlier years with turnover to compare with, so only the share limit applies."
                    .to_string(),
                "该登记点没有往年成交额可供比较，仅按占比限值判断。".to_string(),
            ),
        };
        by_amount_desc(data, &mut idx);
        let (k, year, pct) = (idx.len(), data.year, percent(dec, total));
        let (dec_text, total_text) = (yuan_sum(dec), yuan_sum(total));
        out.push(Draft {
            rule: Rule::YearEndSurge,
            office: Some(office),
            parties: Vec::new(),
            detail_en: format!(
                "{k} contracts registered in December {year} make {dec_text} of the office's {year} turnover of \
                 {total_text} ({pct} %), above the {share} % limit.{hist_en}",
                dec_text = dec_text.en(),
                total_text = total_text.en(),
            ),
            detail_zh: format!(
                "该登记点{year}年12月登记合同{k}份，成交额{dec_text}，占全年成交额{total_text}的{pct}%，\
                 超过{share}%的限值。{hist_zh}",
                dec_text = dec_text.zh(),
                total_text = total_text.zh(),
            ),
            contracts: idx,
        });
    }
    out
}

/// Rule 5: registered more than `late_registration_days` after signing (registration date in
/// Asia/Shanghai).
fn late_registration(data: &Dataset, config: &AnomalyConfig) -> Vec<Draft> {
    let limit = i64::from(config.late_registration_days);
    let delay = |r: &Row| r.registered_on.map(|on| (on - r.signed_on).num_days());
    (0u32..)
        .zip(&data.rows)
        .filter(|(_, r)| r.year == data.year && delay(r).is_some_and(|d| d > limit))
        .map(|(i, r)| {
            let days = delay(r).unwrap_or_default();
            let signed = r.signed_on;
            let registered = r.registered_on.unwrap_or(signed);
            Draft {
                rule: Rule::LateRegistration,
                office: Some(r.office),
                parties: vec![(r.seller, PartyRole::Seller), (r.buyer, PartyRole::Buyer)],
                detail_en: format!(
                    "Signed on {signed} and registered on {registered}, {days} days later; the limit is {limit} days."
                ),
                detail_zh: format!("签订日期{signed}，登记日期{registered}，相隔{days}天，超过{limit}天的限值。"),
                contracts: vec![i],
            }
        })
        .collect()
}

/// Rule 6: in an office with at least `concentration_min_contracts` contracts in the year, one
/// party's turnover as seller, or as buyer, above `concentration_percent` of the office's.
fn concentration(data: &Dataset, config: &AnomalyConfig) -> Vec<Draft> {
    // (contracts, turnover) per office.
    let mut offices: Vec<(u64, i128)> = vec![(0, 0); data.offices.len()];
    for r in data.rows.iter().filter(|r| r.year == data.year) {
        let o = &mut offices[r.office as usize];
        o.0 += 1;
        o.1 += i128::from(r.amount);
    }
    let min = u64::from(config.concentration_min_contracts);
    let limit = i128::from(config.concentration_percent);
    let counted = |office: u32| {
        let (count, total) = offices[office as usize];
        count >= min && total > 0
    };
    // ((party, office and side), amount); sorted, each run is one party's turnover on one
    // side in one office.
    let mut entries: Vec<(SideKey, i64)> = Vec::new();
    for r in data
        .rows
        .iter()
        .filter(|r| r.year == data.year && counted(r.office))
    {
        entries.push((side_key(r.office, true, r.seller), r.amount));
        entries.push((side_key(r.office, false, r.buyer), r.amount));
    }
    entries.sort_unstable_by_key(|e| e.0);
    let mut flagged: FastMap<SideKey, (i128, usize)> = FastMap::default();
    for run in entries.chunk_by(|a, b| a.0 == b.0) {
        let (office, _, _) = unpack_side_key(run[0].0);
        let total = offices[office as usize].1;
        let sum: i128 = run.iter().map(|e| i128::from(e.1)).sum();
        if sum * 100 > limit * total {
            flagged.insert(run[0].0, (sum, run.len()));
        }
    }
    if flagged.is_empty() {
        return Vec::new();
    }
    let mut contracts: FastMap<SideKey, Vec<u32>> = FastMap::default();
    for (r, i) in data.rows.iter().zip(0u32..) {
        if r.year != data.year {
            continue;
        }
        for key in [
            side_key(r.office, true, r.seller),
            side_key(r.office, false, r.buyer),
        ] {
            if flagged.contains_key(&key) {
                contracts.entry(key).or_default().push(i);
            }
        }
    }
    let mut out = Vec::new();
    for (key, (sum, k)) in flagged {
        let (office, seller_side, party) = unpack_side_key(key);
        let mut idx = contracts.remove(&key).unwrap_or_default();
        by_amount_desc(data, &mut idx);
        let (n, total) = offices[office as usize];
        let role = if seller_side {
            PartyRole::Seller
        } else {
            PartyRole::Buyer
        };
        let (side_en, side_zh) = (role.word_en(), role.word_zh());
        let (share, sum_text, total_text, year) = (
            percent(sum, total),
            yuan_sum(sum),
            yuan_sum(total),
            data.year,
        );
        out.push(Draft {
            rule: Rule::Concentration,
            office: Some(office),
            parties: vec![(party, role)],
            detail_en: format!(
                "As {side_en}, one party accounts for {sum_text} of the office's {year} turnover of \
                 {total_text} ({share} %), above the {limit} % limit, in {k} of the office's {n} contracts.",
                sum_text = sum_text.en(),
                total_text = total_text.en(),
            ),
            detail_zh: format!(
                "该主体作为{side_zh}，在该登记点{year}年成交额{total_text}中占{sum_text}（{share}%），\
                 超过{limit}%的限值；涉及该登记点{n}份合同中的{k}份。",
                sum_text = sum_text.zh(),
                total_text = total_text.zh(),
            ),
            contracts: idx,
        });
    }
    out
}

/// A party on one side in one office: (party, office × 2 + 1 for the seller side).
type SideKey = (PartyKey, u32);

/// The `SideKey` of `party` as seller (or buyer) in `office`.
fn side_key(office: u32, seller: bool, party: PartyKey) -> SideKey {
    (party, (office << 1) | u32::from(seller))
}

/// The office, side and party of a `SideKey`.
fn unpack_side_key(key: SideKey) -> (u32, bool, PartyKey) {
    (key.1 >> 1, key.1 & 1 == 1, key.0)
}

/// Rule 7: development contracts of at least `full_technical_min_amount` whose technical
/// amount equals the contract amount.
fn full_technical(data: &Dataset, config: &AnomalyConfig) -> Vec<Draft> {
    let min = config.full_technical_min_amount.fen();
    (0u32..)
        .zip(&data.rows)
        .filter(|(_, r)| {
            r.year == data.year && r.development && r.amount > 0 && r.amount >= min && r.technical == r.amount
        })
        .map(|(i, r)| {
            let (amount, min) = (yuan(r.amount), yuan(config.full_technical_min_amount.fen()));
            Draft {
                rule: Rule::FullTechnical,
                office: Some(r.office),
                parties: vec![(r.seller, PartyRole::Seller), (r.buyer, PartyRole::Buyer)],
                detail_en: format!(
                    "A development contract of {amount} whose technical amount is also {amount} (100 %). \
                     The technical amount excludes equipment and materials, which development contracts of {min} \
                     or more normally include.",
                    amount = amount.en(),
                    min = min.en(),
                ),
                detail_zh: format!(
                    "技术开发合同成交额{amount}，技术交易额同为{amount}（占100%）。技术交易额应扣除设备、材料等\
                     非技术性费用，而{min}及以上的开发合同通常包含这些费用。",
                    amount = amount.zh(),
                    min = min.zh(),
                ),
                contracts: vec![i],
            }
        })
        .collect()
}

/// The groups of two or more rows sharing `key`, as row indices. Sorting 64-bit digests of
/// the keys and then checking each run of equal digests exactly is several times cheaper
/// than sorting the wide keys of millions of rows, and just as exact.
fn shared_keys<K: Ord + Hash>(data: &Dataset, key: impl Fn(&Row) -> K) -> Vec<Vec<u32>> {
    let digest = |k: &K| {
        let mut h = FxHasher::default();
        k.hash(&mut h);
        h.finish()
    };
    let mut digests: Vec<(u64, u32)> = data
        .rows
        .iter()
        .zip(0u32..)
        .map(|(r, i)| (digest(&key(r)), i))
        .collect();
    digests.sort_unstable();
    let mut out = Vec::new();
    for run in digests
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        let mut idx: Vec<u32> = run.iter().map(|d| d.1).collect();
        idx.sort_unstable_by_key(|&i| key(data.row(i)));
        out.extend(
            idx.chunk_by(|&a, &b| key(data.row(a)) == key(data.row(b)))
                .filter(|group| group.len() > 1)
                .map(<[u32]>::to_vec),
        );
    }
    out
}

/// Sorts row indices by signing date, then registration number.
fn by_date(data: &Dataset, idx: &mut [u32]) {
    idx.sort_unstable_by(|&a, &b| {
        let (ra, rb) = (data.row(a), data.row(b));
        ra.signed_on
            .cmp(&rb.signed_on)
            .then_with(|| data.cmp_numbers(ra.number, rb.number))
    });
}

/// Sorts row indices by contract amount, largest first, then registration number.
fn by_amount_desc(data: &Dataset, idx: &mut [u32]) {
    idx.sort_unstable_by(|&a, &b| {
        let (ra, rb) = (data.row(a), data.row(b));
        rb.amount
            .cmp(&ra.amount)
            .then_with(|| data.cmp_numbers(ra.number, rb.number))
    });
}

/// The office shared by all the rows, if there is one.
fn common_office(data: &Dataset, idx: &[u32]) -> Option<u32> {
    let first = data.row(*idx.first()?).office;
    idx.iter()
        .all(|&i| data.row(i).office == first)
        .then_some(first)
}

/// The registration numbers of the rows, at most five, then how many more.
fn numbers(data: &Dataset, idx: &[u32]) -> String {
    const SHOWN: usize = 5;
    let mut text: Vec<String> = idx
        .iter()
        .take(SHOWN)
        .map(|&i| data.number(data.row(i).number))
        .collect();
    if idx.len() > SHOWN {
        text.push(format!("+{}", idx.len() - SHOWN));
    }
    text.join(", ")
}

/// The registration years of the rows, e.g. `2026` or `2025, 2026`.
fn registration_years(data: &Dataset, idx: &[u32]) -> String {
    let years: BTreeSet<i32> = idx.iter().map(|&i| data.row(i).year).collect();
    years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Years as `2023–2025` when consecutive, otherwise listed.
fn years_text(years: &BTreeSet<i32>) -> String {
    match (years.first(), years.last()) {
        (Some(first), Some(last))
            if first != last && i64::from(*last - *first) + 1 == years.len() as i64 =>
        {
            format!("{first}–{last}")
        }
        _ => years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// An amount as a finding words it: in Chinese 万元 with thousands grouped ("1,234.56789万元",
/// exact to the fen), in English yuan with thousands grouped ("CNY 12,345,678.90").
/// Sums are 128-bit: they may not fit a `Money`, nor a `Total`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Amount(i128);

impl Amount {
    /// The Chinese wording.
    pub(crate) fn zh(self) -> String {
        format!("{}万元", crate::domain::money::wan_grouped(self.0))
    }

    /// The English wording.
    pub(crate) fn en(self) -> String {
        format!("CNY {}", crate::domain::money::yuan_grouped(self.0))
    }
}

/// Fen as a yuan string with two decimals (the findings' contract amounts).
pub(crate) fn yuan_text(fen: i64) -> String {
    Total::from_fen(fen).unwrap_or(Total::ZERO).to_string()
}

/// Fen as an amount of a finding.
pub(crate) fn yuan(fen: i64) -> Amount {
    Amount(i128::from(fen))
}

/// A sum of fen as an amount of a finding, exact.
fn yuan_sum(fen: i128) -> Amount {
    Amount(fen)
}

/// `num / den` as a percentage with one decimal, rounded half up (`"33.3"`); `"0.0"` for
/// an empty denominator.
pub(crate) fn percent(num: i128, den: i128) -> String {
    if den <= 0 || num < 0 {
        return "0.0".to_string();
    }
    let tenths = (num * 1000 + den / 2) / den;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// ⌈a / b⌉ for non-negative `a` and positive `b`.
fn ceil_div(a: i128, b: i128) -> i128 {
    (a + b - 1) / b
}
