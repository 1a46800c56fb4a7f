//! Planted anomalies: one clear case of each of the auditors' rules (issue 7), built from
//! parties made for the case alone so that no clean contract joins or hides it.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;

use super::names::TitleParts;
use super::parties::{Group, Pool};
use super::plan::{
    Approval, Calendar, Change, Planned, Review, business_day_on_or_before, floor_yuan, ip_for,
    office_time, round_amount, technical_amount, validity,
};
use super::random::{DemoRng, chance, scale};
use crate::config::AnomalyConfig;
use crate::domain::{ContractType, OfficeCode, Subtype};

/// Rule codes, as the anomaly rules name themselves.
pub(super) const DUPLICATE: &str = "duplicate";
/// Splitting below the large-contract threshold.
pub(super) const SPLITTING: &str = "splitting";
/// A→B and B→A.
pub(super) const ROUND_TRIP: &str = "round_trip";
/// December surge of an office.
pub(super) const YEAR_END_SURGE: &str = "year_end_surge";
/// Registered long after signing.
pub(super) const LATE_REGISTRATION: &str = "late_registration";
/// One party dominating an office's year.
pub(super) const CONCENTRATION: &str = "concentration";
/// Technical amount equal to the contract amount on a large development contract.
pub(super) const FULL_TECHNICAL: &str = "full_technical";
/// Contracts added only to give a planted case its setting (not anomalies themselves).
pub(super) const SUPPORT: &str = "support";

/// One planted case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Case {
    /// The rule it should trip (or `SUPPORT`).
    pub rule: &'static str,
}

/// What planting needs to know.
pub(super) struct Planter<'a> {
    /// The registration calendar.
    pub calendar: &'a Calendar,
    /// Large-contract threshold, fen.
    pub threshold_fen: i64,
    /// The rules' parameters.
    pub config: &'a AnomalyConfig,
    /// The planted cases so far (a contract's `plant` indexes this).
    pub cases: Vec<Case>,
    /// The next contract sequence number.
    pub next_seq: u32,
}

/// A contract of a planted case, before its dates and amounts are known.
struct Draft {
    seller: u32,
    buyer: u32,
    office: OfficeCode,
    contract_type: ContractType,
    subtype: Option<Subtype>,
}

impl Planter<'_> {
    /// Plants every rule: the contract-level rules once in the latest year (once per year of
    /// the range when `every_year`), the office-level rules (year-end surge, concentration)
    /// once. Returns the new contracts.
    pub fn plant(
        &mut self,
        rng: &mut DemoRng,
        pool: &mut Pool,
        existing: &[Planned],
        every_year: bool,
    ) -> Vec<Planned> {
        let mut out = Vec::new();
        let mut years: Vec<i32> = (self.calendar.years.0..=self.calendar.years.1)
            .filter(|&y| self.window(y).is_some())
            .collect();
        if !every_year && years.len() > 1 {
            years.drain(..years.len() - 1);
        }
        for &year in &years {
            if let Some(window) = self.window(year) {
                // The busiest office of the year: there a planted case is a small part of
                // the turnover and trips no office-level rule by itself.
                let all: Vec<&Planned> = existing.iter().collect();
                let office = OfficeCode::ALL
                    .iter()
                    .copied()
                    .max_by_key(|&o| {
                        (
                            turnover(&all, o, year, self.threshold_fen),
                            std::cmp::Reverse(o.code()),
                        )
                    })
                    .unwrap_or(OfficeCode::Lanshan);
                self.duplicate(rng, pool, office, window, &mut out);
                self.splitting(rng, pool, office, window, &mut out);
                self.round_trip(rng, pool, office, window, &mut out);
                self.late(rng, pool, office, window, &mut out);
                self.full_technical(rng, pool, office, window, &mut out);
                self.dilute(rng, pool, existing, office, year, window, &mut out);
            }
        }
        let surge_office = self.year_end_surge(rng, pool, existing, &mut out);
        if let Some(&year) = years.last() {
            self.concentration(rng, pool, existing, year, surge_office, &mut out);
        }
        out
    }

    /// Where the office's year is small next to the planted cases (small runs), adds ordinary
    /// contracts between new parties until no party holds more than 30 % of the office's
    /// turnover: the planted cases then trip their own rule and not `concentration`.
    #[allow(clippy::too_many_arguments)]
    fn dilute(
        &mut self,
        rng: &mut DemoRng,
        pool: &mut Pool,
        existing: &[Planned],
        office: OfficeCode,
        year: i32,
        (start, end): (NaiveDate, NaiveDate),
        out: &mut Vec<Planned>,
    ) {
        let mut total: i64 = 0;
        let mut sums: std::collections::HashMap<(bool, u32), i64> =
            std::collections::HashMap::new();
        for c in existing.iter().chain(out.iter()) {
            if c.office == office && c.registered_on.year() == year && c.ends_registered() {
                let amount = c.final_amounts(self.threshold_fen).0;
                total += amount;
                *sums.entry((true, c.seller)).or_default() += amount;
                *sums.entry((false, c.buyer)).or_default() += amount;
            }
        }
        let largest = sums.values().copied().max().unwrap_or(0);
        let needed = scale(largest, 100, 30) - total;
        if needed <= 0 {
            return;
        }
        let support = self.case(SUPPORT);
        let each = round_amount((largest / 2).max(10_000_000));
        let mut added = 0;
        while added < needed {
            let d = Draft {
                seller: pool.fresh_at(rng, Group::LinyiEnterprise, office),
                buyer: pool.fresh(rng, Group::LinyiEnterprise),
                office,
                contract_type: ContractType::Service,
                subtype: Some(Subtype::GeneralService),
            };
            let amount = round_amount(scale(each, rng.gen_range(90..=100), 100));
            let technical =
                self.off_band(technical_amount(amount, rng.gen_range(800..=950)), amount);
            let signed = day_between(rng, start, end - Duration::days(30));
            let registered = signed + Duration::days(rng.gen_range(3..=25));
            let c = self.contract(
                rng, pool, &d, amount, technical, signed, registered, support,
            );
            added += amount;
            out.push(c);
        }
    }

    /// The days of `year` in which planted contracts are signed and registered: 10 January
    /// to 30 November (December belongs to the year-end rule), up to yesterday; None when
    /// shorter than two months.
    fn window(&self, year: i32) -> Option<(NaiveDate, NaiveDate)> {
        let start = NaiveDate::from_ymd_opt(year, 1, 10)?;
        let end = NaiveDate::from_ymd_opt(year, 11, 30)?.min(self.calendar.last_day());
        ((end - start).num_days() >= 60).then_some((start, end))
    }

    fn case(&mut self, rule: &'static str) -> u16 {
        self.cases.push(Case { rule });
        u16::try_from(self.cases.len() - 1).unwrap_or(u16::MAX)
    }

    /// A planted contract.
    #[allow(clippy::too_many_arguments)]
    fn contract(
        &mut self,
        rng: &mut DemoRng,
        pool: &Pool,
        d: &Draft,
        contract_fen: i64,
        technical_fen: i64,
        signed_on: NaiveDate,
        registered_on: NaiveDate,
        case: u16,
    ) -> Planned {
        let field = pool.get(d.seller).field;
        let seq = self.next_seq;
        self.next_seq += 1;
        Planned {
            seq,
            seller: d.seller,
            buyer: d.buyer,
            office: d.office,
            contract_type: d.contract_type,
            subtype: d.subtype,
            tech_field: field,
            ip_type: ip_for(rng, d.contract_type, d.subtype, field),
            title: TitleParts::random(rng),
            signed_on,
            valid_until: validity(rng, d.contract_type, signed_on),
            contract_fen,
            technical_fen,
            registered_on: business_day_on_or_before(registered_on)
                .max(signed_on + Duration::days(1)),
            registered_secs: office_time(rng),
            now: false,
            approval: Approval::Immediate,
            change: Change::Keep,
            review: Review::None,
            by_second: chance(rng, 25),
            plant: Some(case),
        }
    }

    /// The same contract registered twice (same parties, amount and signing date), the second
    /// time weeks later.
    fn duplicate(
        &mut self,
        rng: &mut DemoRng,
        pool: &mut Pool,
        office: OfficeCode,
        (start, end): (NaiveDate, NaiveDate),
        out: &mut Vec<Planned>,
    ) {
        let d = Draft {
            seller: pool.fresh_at(rng, Group::LinyiEnterprise, office),
            buyer: pool.fresh(rng, Group::LinyiEnterprise),
            office,
            contract_type: ContractType::Service,
            subtype: Some(Subtype::GeneralService),
        };
        let case = self.case(DUPLICATE);
        let amount = rng.gen_range(200..=3000) * 100_000;
        let technical = technical_amount(amount, 900);
        let signed = day_between(rng, start, end - Duration::days(90));
        let registered = signed + Duration::days(rng.gen_range(5..=20));
        let first = self.contract(rng, pool, &d, amount, technical, signed, registered, case);
        let mut second = first.clone();
        second.seq = self.next_seq;
        self.next_seq += 1;
        second.registered_on =
            business_day_on_or_before(first.registered_on + Duration::days(rng.gen_range(15..=60)))
                .min(end);
        second.registered_secs = office_time(rng);
        second.by_second = !first.by_second;
        // The auditor has already noticed the second registration.
        second.review = Review::Dispute(0);
        out.push(first);
        out.push(second);
    }

    /// Contracts from one seller to one buyer within days, each just under the threshold.
    fn splitting(
        &mut self,
        rng: &mut DemoRng,
        pool: &mut Pool,
        office: OfficeCode,
        (start, end): (NaiveDate, NaiveDate),
        out: &mut Vec<Planned>,
    ) {
        let margin = i64::from(self.config.split_margin_percent.min(100));
        if margin < 2 || self.threshold_fen < 10_000_000 {
            return;
        }
        let d = Draft {
            seller: pool.fresh_at(rng, Group::LinyiEnterprise, office),
            buyer: pool.fresh(rng, Group::LinyiEnterprise),
            office,
            contract_type: ContractType::Development,
            subtype: Some(Subtype::Commissioned),
        };
        let case = self.case(SPLITTING);
        let n = self.config.split_min_contracts.max(3) + u32::from(chance(rng, 50));
        let span = i64::from(self.config.split_window_days.clamp(1, 30)) - 1;
        let first = day_between(rng, start, end - Duration::days(60));
        for k in 0..n {
            // Signed within the window; technical amounts strictly inside the band
            // [threshold × (100 − margin) %, threshold), rounded to 1,000 yuan.
            let offset = span * i64::from(k) / i64::from(n - 1).max(1);
            let signed = first + Duration::days(offset);
            let percent = rng.gen_range(100 - margin + 1..=99);
            let technical = (scale(self.threshold_fen, percent, 100) / 100_000 * 100_000)
                .max(ceil_percent(self.threshold_fen, 100 - margin));
            // The contract amount is a little more (never equal: that would be another rule).
            let ratio = rng.gen_range(90..=97);
            let contract = (scale(technical, 100, ratio) + 99_999) / 100_000 * 100_000;
            let registered = (signed + Duration::days(rng.gen_range(2..=12))).min(end);
            let c = self.contract(
                rng,
                pool,
                &d,
                contract.max(technical),
                technical,
                signed,
                registered,
                case,
            );
            out.push(c);
        }
    }

    /// A→B, then B→A months later for a similar amount.
    fn round_trip(
        &mut self,
        rng: &mut DemoRng,
        pool: &mut Pool,
        office: OfficeCode,
        (start, end): (NaiveDate, NaiveDate),
        out: &mut Vec<Planned>,
    ) {
        // Both parties register at the busiest office, where the pair is a small part of
        // the turnover.
        let (office_a, office_b) = (office, office);
        let (a, b) = (
            pool.fresh_at(rng, Group::LinyiEnterprise, office),
            pool.fresh_at(rng, Group::LinyiEnterprise, office),
        );
        let case = self.case(ROUND_TRIP);
        let window = i64::from(self.config.round_trip_window_days.max(2));
        let room = (end - start).num_days() - 30;
        let longest = window.min(room).clamp(2, 180) - 1;
        let gap = rng.gen_range(longest.min(30)..=longest);
        let first = day_between(rng, start, end - Duration::days(gap + 25));
        let amount = rng.gen_range(800..=4000) * 100_000;
        let tolerance = i64::from(self.config.round_trip_amount_tolerance_percent.min(50)) / 2;
        let back = round_amount(scale(
            amount,
            100 + rng.gen_range(-tolerance..=tolerance),
            100,
        ));
        for (seller, buyer, office, fen, signed) in [
            (a, b, office_a, amount, first),
            (b, a, office_b, back, first + Duration::days(gap)),
        ] {
            let d = Draft {
                seller,
                buyer,
                office,
                contract_type: ContractType::Service,
                subtype: Some(Subtype::GeneralService),
            };
            let registered = (signed + Duration::days(rng.gen_range(5..=20))).min(end);
            let c = self.contract(
                rng,
                pool,
                &d,
                fen,
                technical_amount(fen, 900),
                signed,
                registered,
                case,
            );
            out.push(c);
        }
    }

    /// A patent transfer registered well over a year after signing.
    fn late(
        &mut self,
        rng: &mut DemoRng,
        pool: &mut Pool,
        office: OfficeCode,
        (start, end): (NaiveDate, NaiveDate),
        out: &mut Vec<Planned>,
    ) {
        let d = Draft {
            seller: pool.fresh(rng, Group::DeltaAcademic),
            buyer: pool.fresh_at(rng, Group::LinyiEnterprise, office),
            office,
            contract_type: ContractType::Transfer,
            subtype: Some(Subtype::PatentTransfer),
        };
        let case = self.case(LATE_REGISTRATION);
        let registered = day_between(rng, start, end);
        let limit = i64::from(self.config.late_registration_days);
        let signed = registered - Duration::days(limit + rng.gen_range(40..=300));
        let amount = rng.gen_range(300..=2000) * 100_000;
        let c = self.contract(rng, pool, &d, amount, amount, signed, registered, case);
        out.push(c);
    }

    /// A development contract of a few million yuan whose technical amount is all of it.
    fn full_technical(
        &mut self,
        rng: &mut DemoRng,
        pool: &mut Pool,
        office: OfficeCode,
        (start, end): (NaiveDate, NaiveDate),
        out: &mut Vec<Planned>,
    ) {
        let d = Draft {
            seller: pool.fresh_at(rng, Group::LinyiAcademic, office),
            buyer: pool.fresh(rng, Group::LinyiEnterprise),
            office,
            contract_type: ContractType::Development,
            subtype: Some(Subtype::Commissioned),
        };
        let case = self.case(FULL_TECHNICAL);
        let min = self.config.full_technical_min_amount.fen().max(100);
        let amount = (scale(min, rng.gen_range(120..=400), 100) + 999_999) / 1_000_000 * 1_000_000;
        let signed = day_between(rng, start, end - Duration::days(45));
        let registered = signed + Duration::days(rng.gen_range(10..=40));
        let c = self.contract(rng, pool, &d, amount, amount, signed, registered, case);
        out.push(c);
    }

    /// In the latest full year, one office registers 60 % of its turnover in the second half
    /// of December. Returns the office.
    fn year_end_surge(
        &mut self,
        rng: &mut DemoRng,
        pool: &mut Pool,
        existing: &[Planned],
        out: &mut Vec<Planned>,
    ) -> Option<OfficeCode> {
        let year = self.calendar.last_full_year()?;
        let all: Vec<&Planned> = existing.iter().chain(out.iter()).collect();
        // A mid-sized office, not the two busiest, with its earlier years as history.
        let candidates: Vec<OfficeCode> = OfficeCode::ALL
            .iter()
            .copied()
            .filter(|o| !matches!(o, OfficeCode::Lanshan | OfficeCode::HighTechZone))
            .collect();
        let office = *candidates
            .iter()
            .max_by_key(|&&o| (count(&all, o, year), std::cmp::Reverse(o.code())))?;
        let total: i64 = turnover(&all, office, year, self.threshold_fen);
        drop(all);
        // Planted December turnover alone is 1.5 × the rest of the year: a 60 % share whatever
        // the clean contracts do.
        let target = (total / 2 * 3).max(300_000_000);
        let per = (target / 4).min(50_000_000_000);
        let k = usize::try_from((target + per - 1) / per)
            .unwrap_or(4)
            .max(4);
        let case = self.case(YEAR_END_SURGE);
        let first = NaiveDate::from_ymd_opt(year, 12, 16)?;
        let mut planted = 0;
        for i in 0..k {
            let remaining = target - planted;
            let share = if i + 1 == k {
                remaining
            } else {
                scale(
                    remaining,
                    rng.gen_range(80..=120),
                    100 * i64::try_from(k - i).unwrap_or(1),
                )
            };
            let amount = round_amount(share.max(10_000_000));
            planted += amount;
            let d = Draft {
                seller: pool.fresh_at(rng, Group::LinyiEnterprise, office),
                buyer: pool.fresh(rng, Group::LinyiEnterprise),
                office,
                contract_type: if i % 2 == 0 {
                    ContractType::Service
                } else {
                    ContractType::Development
                },
                subtype: Some(if i % 2 == 0 {
                    Subtype::GeneralService
                } else {
                    Subtype::Commissioned
                }),
            };
            let registered = first + Duration::days(rng.gen_range(0..=15));
            let signed = registered - Duration::days(rng.gen_range(3..=40));
            let technical =
                self.off_band(technical_amount(amount, rng.gen_range(800..=950)), amount);
            let c = self.contract(rng, pool, &d, amount, technical, signed, registered, case);
            out.push(c);
        }
        Some(office)
    }

    /// In the latest year, one buyer takes 60 % of a small office's turnover (with enough
    /// contracts in that office for the rule to apply).
    fn concentration(
        &mut self,
        rng: &mut DemoRng,
        pool: &mut Pool,
        existing: &[Planned],
        year: i32,
        surge_office: Option<OfficeCode>,
        out: &mut Vec<Planned>,
    ) {
        let Some((start, end)) = self.window(year) else {
            return;
        };
        let all: Vec<&Planned> = existing.iter().chain(out.iter()).collect();
        let candidates: Vec<OfficeCode> = OfficeCode::ALL
            .iter()
            .copied()
            .filter(|&o| {
                !matches!(o, OfficeCode::Lanshan | OfficeCode::HighTechZone)
                    && Some(o) != surge_office
            })
            .collect();
        let Some(&office) = candidates
            .iter()
            .min_by_key(|&&o| (turnover(&all, o, year, self.threshold_fen), o.code()))
        else {
            return;
        };
        let support = self.case(SUPPORT);
        let case = self.case(CONCENTRATION);
        let min = usize::try_from(self.config.concentration_min_contracts).unwrap_or(10) + 2;
        let buyers_contracts = 3;
        let present = count(&all, office, year);
        let mut rest = turnover(&all, office, year, self.threshold_fen);
        drop(all);
        for _ in present + buyers_contracts..min {
            // Small local service contracts so that the office has enough contracts.
            let d = Draft {
                seller: pool.fresh_at(rng, Group::LinyiEnterprise, office),
                buyer: pool.fresh(rng, Group::LinyiEnterprise),
                office,
                contract_type: ContractType::Service,
                subtype: Some(Subtype::GeneralService),
            };
            let amount = rng.gen_range(200..=3000) * 10_000;
            let signed = day_between(rng, start, end - Duration::days(30));
            let registered = signed + Duration::days(rng.gen_range(3..=25));
            let c = self.contract(rng, pool, &d, amount, amount, signed, registered, support);
            rest += amount;
            out.push(c);
        }
        let buyer = pool.fresh_at(rng, Group::LinyiEnterprise, office);
        let target = (rest / 2 * 3).max(600_000_000);
        let per = (target / 3).min(50_000_000_000);
        let k = usize::try_from((target + per - 1) / per)
            .unwrap_or(3)
            .max(buyers_contracts);
        let mut planted = 0;
        for i in 0..k {
            let remaining = target - planted;
            let share = if i + 1 == k {
                remaining
            } else {
                scale(
                    remaining,
                    rng.gen_range(80..=120),
                    100 * i64::try_from(k - i).unwrap_or(1),
                )
            };
            let amount = round_amount(share.max(10_000_000));
            planted += amount;
            let (contract_type, subtype) = match i % 3 {
                0 => (ContractType::Development, Subtype::Commissioned),
                1 => (ContractType::Transfer, Subtype::KnowHowTransfer),
                _ => (ContractType::Service, Subtype::GeneralService),
            };
            let d = Draft {
                seller: pool.fresh(
                    rng,
                    if i % 2 == 0 {
                        Group::DeltaEnterprise
                    } else {
                        Group::ChinaEnterprise
                    },
                ),
                buyer,
                office,
                contract_type,
                subtype: Some(subtype),
            };
            let signed = day_between(rng, start, end - Duration::days(30));
            let registered = signed + Duration::days(rng.gen_range(5..=25));
            let technical =
                self.off_band(technical_amount(amount, rng.gen_range(800..=950)), amount);
            let c = self.contract(rng, pool, &d, amount, technical, signed, registered, case);
            out.push(c);
        }
    }

    /// Moves a technical amount out of the splitting band below the threshold.
    fn off_band(&self, technical: i64, contract: i64) -> i64 {
        let lower = scale(self.threshold_fen, 85, 100);
        if (lower..self.threshold_fen).contains(&technical) {
            if contract >= self.threshold_fen {
                self.threshold_fen
            } else {
                floor_yuan(scale(self.threshold_fen, 80, 100))
            }
        } else {
            technical
        }
    }
}

/// ⌈fen × percent / 100⌉.
fn ceil_percent(fen: i64, percent: i64) -> i64 {
    let wide = i128::from(fen) * i128::from(percent);
    i64::try_from((wide + 99) / 100).unwrap_or(i64::MAX)
}

/// A working day between `from` and `to` (inclusive, `to` at least a week after `from`).
fn day_between(rng: &mut DemoRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    let d = business_day_on_or_before(from + Duration::days(rng.gen_range(0..=span)));
    if d < from {
        from + Duration::days(2)
    } else {
        d
    }
}

/// Contracts of `office` registered in `year` that end up registered.
fn count(all: &[&Planned], office: OfficeCode, year: i32) -> usize {
    all.iter()
        .filter(|c| c.office == office && c.registered_on.year() == year && c.ends_registered())
        .count()
}

/// Turnover of `office` in `year` (contracts that end up registered, final amounts).
fn turnover(all: &[&Planned], office: OfficeCode, year: i32, threshold_fen: i64) -> i64 {
    all.iter()
        .filter(|c| c.office == office && c.registered_on.year() == year && c.ends_registered())
        .map(|c| c.final_amounts(threshold_fen).0)
        .sum()
}
