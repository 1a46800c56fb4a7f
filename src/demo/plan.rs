//! The clean contracts: types, fields, amounts, dates, offices and what happens to each
//! contract after registration. Nothing here touches the database.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::Rng;

use super::names::TitleParts;
use super::parties::{Group, Pool};
use super::random::{DemoRng, chance, chance_permille, log_normal_fen, pick, round_to, scale};
use crate::domain::{ContractType, IpType, OfficeCode, Subtype, TechField};

/// Contract types and their shares (%): technology services and development dominate the
/// national statistics by count; transfer and licensing are a small minority.
pub(super) const TYPE_SHARES: &[(ContractType, u32)] = &[
    (ContractType::Service, 48),
    (ContractType::Development, 32),
    (ContractType::Consulting, 9),
    (ContractType::Transfer, 7),
    (ContractType::Licensing, 4),
];

/// Median contract amount (yuan) of each type; with `SIGMA` the mixture's mean is about the
/// 2024 national average of 6.84 million yuan (994,000 contracts, 6.8 万亿 yuan).
fn median_yuan(contract_type: ContractType) -> f64 {
    match contract_type {
        ContractType::Service => 370_000.0,
        ContractType::Development => 1_850_000.0,
        ContractType::Consulting => 275_000.0,
        ContractType::Transfer => 1_500_000.0,
        ContractType::Licensing => 920_000.0,
    }
}

/// Spread of the log-normal amounts: about 1 % of contracts exceed 100 million yuan and a
/// fifth stay under 100,000 yuan.
const SIGMA: f64 = 2.0;
/// Smallest contract amount drawn, fen (1,000 yuan).
const MIN_AMOUNT_FEN: i64 = 100_000;
/// Largest contract amount drawn, fen (5 billion yuan; the ledger's maximum is 1e12 yuan).
const MAX_AMOUNT_FEN: i64 = 500_000_000_000;

/// The registration offices and their weights for contracts whose parties are all outside
/// Linyi (and for planted cases): Lanshan first, the high-tech zone next.
pub(super) const OFFICE_WEIGHTS: &[(OfficeCode, u32)] = &[
    (OfficeCode::Lanshan, 26),
    (OfficeCode::HighTechZone, 12),
    (OfficeCode::Luozhuang, 8),
    (OfficeCode::Hedong, 8),
    (OfficeCode::EconomicZone, 5),
    (OfficeCode::Yishui, 6),
    (OfficeCode::Fei, 5),
    (OfficeCode::Junan, 4),
    (OfficeCode::LingangZone, 2),
    (OfficeCode::Yinan, 4),
    (OfficeCode::Tancheng, 4),
    (OfficeCode::Lanling, 4),
    (OfficeCode::Pingyi, 4),
    (OfficeCode::Mengyin, 3),
    (OfficeCode::Linshu, 4),
];

/// Registrations per calendar month relative to each other: quiet around the Spring
/// Festival, a half-year peak in June, and the year-end surge in December.
const MONTH_WEIGHTS: [u32; 12] = [6, 5, 8, 8, 9, 11, 8, 8, 9, 8, 10, 16];
/// Yearly growth of registrations, percent.
const GROWTH_PERCENT: u32 = 12;

/// What happens to a large contract registered now (not historical).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Approval {
    /// Not on the large-contract path: registered at once.
    Immediate,
    /// Approved by the office's other registrar.
    Approve,
    /// Refused by the other registrar (reason index).
    Refuse(u8),
    /// Left pending, for the approval queue.
    Leave,
}

/// A change after registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    /// None.
    Keep,
    /// An amendment: the technical amount alone, or both amounts, corrected by `percent`.
    Amend {
        /// Only the technical amount changes.
        technical_only: bool,
        /// New amount as a percentage of the old.
        percent: u8,
        /// Reason index.
        reason: u8,
    },
    /// Voided (reason index).
    Void(u8),
}

/// An auditor's review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Review {
    /// None.
    None,
    /// Confirmed (note index).
    Confirm(u8),
    /// Disputed (note index).
    Dispute(u8),
}

/// One contract of the plan.
#[derive(Debug, Clone)]
pub(super) struct Planned {
    /// Generation order (tie-breaker when sorting by registration time).
    pub seq: u32,
    /// Seller (party index).
    pub seller: u32,
    /// Buyer (party index).
    pub buyer: u32,
    /// Registering office.
    pub office: OfficeCode,
    /// Type.
    pub contract_type: ContractType,
    /// Sub-type, valid for the type.
    pub subtype: Option<Subtype>,
    /// Technical field.
    pub tech_field: TechField,
    /// IP type.
    pub ip_type: IpType,
    /// Title words.
    pub title: TitleParts,
    /// Signing date.
    pub signed_on: NaiveDate,
    /// End of validity.
    pub valid_until: Option<NaiveDate>,
    /// Contract amount as registered, fen.
    pub contract_fen: i64,
    /// Technical amount as registered, fen.
    pub technical_fen: i64,
    /// Registration day (Asia/Shanghai); today for contracts registered now.
    pub registered_on: NaiveDate,
    /// Seconds after midnight (Asia/Shanghai) of the registration.
    pub registered_secs: u32,
    /// Registered now, without a historical time: large ones wait for approval.
    pub now: bool,
    /// The large-contract path.
    pub approval: Approval,
    /// Amendment or void.
    pub change: Change,
    /// Review.
    pub review: Review,
    /// Recorded by the office's second registrar (`-b`) rather than the first.
    pub by_second: bool,
    /// The planted case this contract belongs to.
    pub plant: Option<u16>,
}

impl Planned {
    /// Contract and technical amount after the planned amendment, fen. A contract below the
    /// large-contract threshold never rises to it by amendment (that would send it back to the
    /// approval queue, which the demo fills on purpose only with contracts registered now).
    pub fn final_amounts(&self, threshold_fen: i64) -> (i64, i64) {
        let (c, t) = (self.contract_fen, self.technical_fen);
        let Change::Amend {
            technical_only,
            percent,
            ..
        } = self.change
        else {
            return (c, t);
        };
        let percent = i64::from(percent);
        let c2 = if technical_only {
            c
        } else {
            floor_yuan(scale(c, percent, 100)).max(100)
        };
        let mut t2 = floor_yuan(scale(t, percent, 100)).min(c2);
        if t < threshold_fen && t2 >= threshold_fen {
            t2 = t.min(c2);
        }
        if (c2, t2) == (c, t) {
            t2 = (t - 100).max(0);
        }
        (c2, t2)
    }

    /// Whether the contract is registered when amended and stays at or above the threshold:
    /// the amendment sends it back to `pending`, and the office's other registrar approves the
    /// amended version.
    pub fn approved_again(&self, threshold_fen: i64) -> bool {
        matches!(self.change, Change::Amend { .. })
            && matches!(self.approval, Approval::Immediate | Approval::Approve)
            && self.final_amounts(threshold_fen).1 >= threshold_fen
    }

    /// Whether the contract ends up `registered` (counted in the figures).
    pub fn ends_registered(&self) -> bool {
        !matches!(self.change, Change::Void(_))
            && matches!(self.approval, Approval::Immediate | Approval::Approve)
    }
}

/// Rounds fen down to whole yuan.
pub(super) fn floor_yuan(fen: i64) -> i64 {
    fen / 100 * 100
}

/// The registration calendar: months of the year range up to yesterday, weighted.
pub(super) struct Calendar {
    /// Today in Asia/Shanghai.
    pub today: NaiveDate,
    /// The first and last year of the range.
    pub years: (i32, i32),
    months: Vec<((i32, u32), u32)>,
}

impl Calendar {
    /// The calendar of `years` as seen on `today`; an error when no past working day lies in
    /// the range.
    pub fn new(years: (i32, i32), today: NaiveDate) -> Result<Calendar, String> {
        let (first, last) = years;
        if first > last {
            return Err(format!("the year range {first}-{last} is empty"));
        }
        if first < 1990 {
            return Err("demo years start in 1990 at the earliest".into());
        }
        let yesterday = today.pred_opt().unwrap_or(today);
        let mut months = Vec::new();
        for year in first..=last.min(yesterday.year()) {
            for month in 1..=12u32 {
                let days = business_days_of_month(year, month, yesterday);
                if days.is_empty() {
                    continue;
                }
                let full = business_days_of_month(year, month, NaiveDate::MAX)
                    .len()
                    .max(1);
                let growth = 100 + GROWTH_PERCENT * u32::try_from(year - first).unwrap_or(0);
                let weight =
                    MONTH_WEIGHTS[(month - 1) as usize] * growth * days.len() as u32 / full as u32;
                months.push(((year, month), weight.max(1)));
            }
        }
        if months.is_empty() {
            return Err(format!("no past working day lies in {first}-{last}"));
        }
        Ok(Calendar {
            today,
            years,
            months,
        })
    }

    /// A registration day: a month by weight, then a working day of it (in December the
    /// second half twice as likely), never after yesterday.
    pub fn registration_day(&self, rng: &mut DemoRng) -> NaiveDate {
        let (year, month) = pick(rng, &self.months);
        let yesterday = self.today.pred_opt().unwrap_or(self.today);
        let days = business_days_of_month(year, month, yesterday);
        let weighted: Vec<(NaiveDate, u32)> = days
            .into_iter()
            .map(|d| (d, if month == 12 && d.day() >= 15 { 2 } else { 1 }))
            .collect();
        pick(rng, &weighted)
    }

    /// The last day of the range that may carry a historical registration.
    pub fn last_day(&self) -> NaiveDate {
        let yesterday = self.today.pred_opt().unwrap_or(self.today);
        NaiveDate::from_ymd_opt(self.years.1, 12, 31).map_or(yesterday, |d| d.min(yesterday))
    }

    /// The last full year of the range (its December is over), if any.
    pub fn last_full_year(&self) -> Option<i32> {
        let y = self.years.1.min(self.today.year() - 1);
        (y >= self.years.0).then_some(y)
    }
}

/// Monday to Friday of `year`-`month`, up to `until`.
fn business_days_of_month(year: i32, month: u32, until: NaiveDate) -> Vec<NaiveDate> {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| d.month() == month && *d <= until)
        .filter(|d| is_business_day(*d))
        .collect()
}

/// Monday to Friday (public holidays are not modelled).
pub(super) fn is_business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The working day on or before `d`.
pub(super) fn business_day_on_or_before(mut d: NaiveDate) -> NaiveDate {
    while !is_business_day(d) {
        d = d.pred_opt().unwrap_or(d);
    }
    d
}

/// Office hours in Asia/Shanghai: 08:30 to 17:30, as seconds after midnight.
pub(super) fn office_time(rng: &mut DemoRng) -> u32 {
    rng.gen_range(8 * 3600 + 1800..17 * 3600 + 1800)
}

/// Days from signing to registration: mostly days to weeks, some months, a few up to
/// eleven months (never past the late-registration rule's year).
pub(super) fn registration_lag(rng: &mut DemoRng) -> i64 {
    match rng.gen_range(0..100) {
        0..=54 => rng.gen_range(1..=20),
        55..=84 => rng.gen_range(21..=90),
        85..=96 => rng.gen_range(91..=200),
        _ => rng.gen_range(201..=330),
    }
}

/// A sub-type valid for `contract_type` (none for consulting).
pub(super) fn subtype_for(rng: &mut DemoRng, contract_type: ContractType) -> Option<Subtype> {
    let table: &[(Subtype, u32)] = match contract_type {
        ContractType::Development => &[(Subtype::Commissioned, 80), (Subtype::Cooperative, 20)],
        ContractType::Transfer => &[
            (Subtype::PatentTransfer, 45),
            (Subtype::PatentApplicationTransfer, 15),
            (Subtype::KnowHowTransfer, 30),
            (Subtype::OtherTransfer, 10),
        ],
        ContractType::Licensing => &[
            (Subtype::OrdinaryLicence, 45),
            (Subtype::ExclusiveLicence, 20),
            (Subtype::SoleLicence, 10),
            (Subtype::KnowHowLicence, 20),
            (Subtype::OtherLicence, 5),
        ],
        ContractType::Consulting => return None,
        ContractType::Service => &[
            (Subtype::GeneralService, 85),
            (Subtype::Training, 8),
            (Subtype::Intermediary, 7),
        ],
    };
    Some(pick(rng, table))
}

/// An IP type that fits the type, sub-type and field: transfers and licences of patents
/// are patents, of know-how know-how; "other" rights follow the field (software in
/// electronics, plant varieties in agriculture…); services and consulting mostly involve none.
pub(super) fn ip_for(
    rng: &mut DemoRng,
    contract_type: ContractType,
    subtype: Option<Subtype>,
    field: TechField,
) -> IpType {
    use IpType as I;
    let electronic = field == TechField::ElectronicInformation;
    match (contract_type, subtype) {
        (
            ContractType::Transfer | ContractType::Licensing,
            Some(
                Subtype::PatentTransfer
                | Subtype::PatentApplicationTransfer
                | Subtype::ExclusiveLicence
                | Subtype::SoleLicence
                | Subtype::OrdinaryLicence,
            ),
        ) => I::Patent,
        (
            ContractType::Transfer | ContractType::Licensing,
            Some(Subtype::KnowHowTransfer | Subtype::KnowHowLicence),
        ) => I::KnowHow,
        (ContractType::Transfer | ContractType::Licensing, _) => match field {
            TechField::ElectronicInformation => {
                pick(rng, &[(I::SoftwareCopyright, 70), (I::IcLayout, 30)])
            }
            TechField::Agriculture => I::PlantVariety,
            TechField::Biomedicine => pick(rng, &[(I::BiomedicalVariety, 60), (I::OtherIp, 40)]),
            _ => pick(rng, &[(I::OtherIp, 60), (I::SoftwareCopyright, 40)]),
        },
        (ContractType::Development, _) => pick(
            rng,
            &[
                (I::Patent, 38),
                (I::KnowHow, 24),
                (I::SoftwareCopyright, if electronic { 30 } else { 6 }),
                (
                    I::PlantVariety,
                    if field == TechField::Agriculture {
                        8
                    } else {
                        0
                    },
                ),
                (I::NotInvolved, 22),
                (I::OtherIp, 4),
            ],
        ),
        (ContractType::Consulting, _) => pick(
            rng,
            &[(I::NotInvolved, 85), (I::KnowHow, 8), (I::OtherIp, 7)],
        ),
        (ContractType::Service, _) => pick(
            rng,
            &[
                (I::NotInvolved, 62),
                (I::KnowHow, 16),
                (I::SoftwareCopyright, if electronic { 15 } else { 5 }),
                (I::Patent, 6),
                (I::OtherIp, 5),
            ],
        ),
    }
}

/// A contract amount in fen for `contract_type`, log-normal, rounded as contracts are
/// written: to 1,000 yuan from a million, 100 yuan from 100,000, 10 yuan from 10,000.
pub(super) fn contract_amount(rng: &mut DemoRng, contract_type: ContractType) -> i64 {
    let fen = loop {
        let fen = log_normal_fen(rng, median_yuan(contract_type), SIGMA);
        if (MIN_AMOUNT_FEN..=MAX_AMOUNT_FEN).contains(&fen) {
            break fen;
        }
    };
    round_amount(fen)
}

/// Rounds an amount the way contracts state them.
pub(super) fn round_amount(fen: i64) -> i64 {
    let step = match fen {
        f if f >= 100_000_000 => 100_000,
        f if f >= 10_000_000 => 10_000,
        f if f >= 1_000_000 => 1_000,
        _ => 100,
    };
    round_to(fen, step)
}

/// The technical share of the contract amount, per mille: development contracts carry
/// equipment and materials (60–95 %), transfers, licences and consulting are nearly all
/// technical, services in between.
pub(super) fn technical_permille(
    rng: &mut DemoRng,
    contract_type: ContractType,
    subtype: Option<Subtype>,
) -> i64 {
    match (contract_type, subtype) {
        (ContractType::Development, _) => rng.gen_range(600..=950),
        (ContractType::Transfer | ContractType::Licensing, _) if chance(rng, 40) => 1000,
        (ContractType::Transfer | ContractType::Licensing, _) => rng.gen_range(850..=990),
        (ContractType::Consulting, _) if chance(rng, 60) => 1000,
        (ContractType::Consulting, _) => rng.gen_range(900..=990),
        (ContractType::Service, Some(Subtype::Training | Subtype::Intermediary)) => 1000,
        (ContractType::Service, _) if chance(rng, 40) => 1000,
        (ContractType::Service, _) => rng.gen_range(700..=990),
    }
}

/// The technical amount for `permille` of `contract_fen`, whole yuan.
pub(super) fn technical_amount(contract_fen: i64, permille: i64) -> i64 {
    if permille >= 1000 {
        contract_fen
    } else {
        floor_yuan(scale(contract_fen, permille, 1000))
    }
}

/// End of validity after signing, by type.
pub(super) fn validity(
    rng: &mut DemoRng,
    contract_type: ContractType,
    signed_on: NaiveDate,
) -> Option<NaiveDate> {
    let days = match contract_type {
        ContractType::Development => rng.gen_range(180..=1095),
        ContractType::Transfer if chance(rng, 60) => return None,
        ContractType::Transfer => rng.gen_range(365..=3650),
        ContractType::Licensing => rng.gen_range(365..=3650),
        ContractType::Consulting => rng.gen_range(30..=365),
        ContractType::Service => rng.gen_range(30..=730),
    };
    signed_on.checked_add_signed(Duration::days(days))
}

/// Which way a clean contract goes, seen from Linyi.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Local,
    Inflow,
    Outflow,
    Other,
}

/// Flow shares (%): Linyi mostly buys technology (inflow) or trades within the city.
const FLOWS: &[(Flow, u32)] = &[
    (Flow::Local, 42),
    (Flow::Inflow, 36),
    (Flow::Outflow, 18),
    (Flow::Other, 4),
];

/// Seller and buyer groups for a flow.
fn parties_for(rng: &mut DemoRng, flow: Flow) -> (Group, Group) {
    use Group as G;
    match flow {
        Flow::Local => (
            pick(
                rng,
                &[
                    (G::LinyiEnterprise, 75),
                    (G::LinyiAcademic, 20),
                    (G::LinyiIndividual, 5),
                ],
            ),
            pick(rng, &[(G::LinyiEnterprise, 95), (G::LinyiAcademic, 5)]),
        ),
        Flow::Inflow => (
            pick(
                rng,
                &[
                    (G::DeltaEnterprise, 35),
                    (G::DeltaAcademic, 22),
                    (G::ShandongEnterprise, 10),
                    (G::ShandongAcademic, 5),
                    (G::ChinaEnterprise, 16),
                    (G::ChinaAcademic, 6),
                    (G::Abroad, 3),
                    (G::OtherIndividual, 3),
                ],
            ),
            G::LinyiEnterprise,
        ),
        Flow::Outflow => (
            pick(rng, &[(G::LinyiEnterprise, 80), (G::LinyiAcademic, 20)]),
            pick(
                rng,
                &[
                    (G::DeltaEnterprise, 30),
                    (G::ShandongEnterprise, 30),
                    (G::ChinaEnterprise, 35),
                    (G::Abroad, 5),
                ],
            ),
        ),
        Flow::Other => (
            pick(
                rng,
                &[
                    (G::DeltaEnterprise, 40),
                    (G::DeltaAcademic, 20),
                    (G::ChinaEnterprise, 25),
                    (G::ShandongAcademic, 15),
                ],
            ),
            pick(
                rng,
                &[
                    (G::ShandongEnterprise, 50),
                    (G::ChinaEnterprise, 30),
                    (G::DeltaEnterprise, 20),
                ],
            ),
        ),
    }
}

/// Type shares when the seller is a foreign company: mostly technology import by licence or
/// transfer.
const FOREIGN_TYPES: &[(ContractType, u32)] = &[
    (ContractType::Licensing, 40),
    (ContractType::Transfer, 40),
    (ContractType::Service, 15),
    (ContractType::Development, 5),
];

/// Type shares when the seller is an individual: no development.
const INDIVIDUAL_TYPES: &[(ContractType, u32)] = &[
    (ContractType::Transfer, 35),
    (ContractType::Licensing, 20),
    (ContractType::Consulting, 20),
    (ContractType::Service, 25),
];

/// The generator of clean contracts.
pub(super) struct Generator<'a> {
    /// Parties.
    pub pool: &'a Pool,
    /// Registration days.
    pub calendar: &'a Calendar,
    /// Large-contract threshold, fen.
    pub threshold_fen: i64,
}

impl Generator<'_> {
    /// One clean contract registered on a historical day (or now, for the large-contract
    /// path when `now`).
    pub fn contract(&self, rng: &mut DemoRng, seq: u32, now: bool) -> Planned {
        let flow = pick(rng, FLOWS);
        let (seller_group, buyer_group) = parties_for(rng, flow);
        let seller = self.pool.draw(rng, seller_group);
        let mut buyer = self.pool.draw(rng, buyer_group);
        while buyer == seller {
            buyer = self.pool.draw(rng, buyer_group);
        }
        let (s, b) = (self.pool.get(seller), self.pool.get(buyer));
        let office = s
            .home_office
            .or(b.home_office)
            .unwrap_or_else(|| pick(rng, OFFICE_WEIGHTS));
        let contract_type = match seller_group {
            Group::Abroad => pick(rng, FOREIGN_TYPES),
            Group::LinyiIndividual | Group::OtherIndividual => pick(rng, INDIVIDUAL_TYPES),
            _ => pick(rng, TYPE_SHARES),
        };
        let subtype = subtype_for(rng, contract_type);
        // Most contracts are in the field of the Linyi party (the buyer's for inflow).
        let home_field = if s.region.is_linyi() {
            s.field
        } else {
            b.field
        };
        let tech_field = if chance(rng, 70) {
            home_field
        } else {
            pick(rng, super::parties::LINYI_FIELDS)
        };
        let ip_type = ip_for(rng, contract_type, subtype, tech_field);
        let (contract_fen, technical_fen) = self.amounts(rng, contract_type, subtype, now);
        let (registered_on, registered_secs, signed_on) = if now {
            let signed = self.calendar.today - Duration::days(rng.gen_range(5..=120));
            (self.calendar.today, 0, signed)
        } else {
            let day = self.calendar.registration_day(rng);
            let signed = day - Duration::days(registration_lag(rng));
            (day, office_time(rng), signed)
        };
        let valid_until = validity(rng, contract_type, signed_on);
        let change = if now {
            Change::Keep
        } else if chance(rng, 3) {
            let technical_only = chance(rng, 60);
            let percent = if technical_only {
                rng.gen_range(80..=97)
            } else if chance(rng, 50) {
                rng.gen_range(95..=99)
            } else {
                rng.gen_range(101..=105)
            };
            Change::Amend {
                technical_only,
                percent,
                reason: rng.gen_range(0..=u8::MAX),
            }
        } else if chance(rng, 1) {
            Change::Void(rng.gen_range(0..=u8::MAX))
        } else {
            Change::Keep
        };
        let review = match rng.gen_range(0..1000) {
            _ if now => Review::None,
            0..=79 => Review::Confirm(rng.gen_range(0..=u8::MAX)),
            80..=89 => Review::Dispute(rng.gen_range(1..=u8::MAX)),
            _ => Review::None,
        };
        Planned {
            seq,
            seller,
            buyer,
            office,
            contract_type,
            subtype,
            tech_field,
            ip_type,
            title: TitleParts::random(rng),
            signed_on,
            valid_until,
            contract_fen,
            technical_fen,
            registered_on,
            registered_secs,
            now,
            approval: if now {
                Approval::Approve
            } else {
                Approval::Immediate
            },
            change,
            review,
            by_second: chance(rng, 25),
            plant: None,
        }
    }

    /// Contract and technical amount; for the large-contract path the technical amount is
    /// at least the threshold.
    fn amounts(
        &self,
        rng: &mut DemoRng,
        contract_type: ContractType,
        subtype: Option<Subtype>,
        large: bool,
    ) -> (i64, i64) {
        for _ in 0..1000 {
            let contract = contract_amount(rng, contract_type);
            let technical =
                technical_amount(contract, technical_permille(rng, contract_type, subtype));
            // Contracts registered now stay between the threshold and eight times it: the
            // approval queue shows ordinary large contracts, not the rare giants.
            if !large
                || (self.threshold_fen..=self.threshold_fen.saturating_mul(8)).contains(&technical)
            {
                return (contract, technical);
            }
        }
        let contract = round_amount(scale(self.threshold_fen, 12, 10));
        (contract, contract)
    }
}

/// Sets the large-contract path of the contracts registered now: the first waits, the
/// second is refused, the rest are mostly approved (10 % refused, 10 % left waiting).
pub(super) fn assign_approvals(rng: &mut DemoRng, contracts: &mut [Planned]) {
    for (k, c) in contracts.iter_mut().filter(|c| c.now).enumerate() {
        c.approval = match k {
            0 => Approval::Leave,
            1 => Approval::Refuse(rng.gen_range(0..=u8::MAX)),
            _ if chance_permille(rng, 100) => Approval::Refuse(rng.gen_range(0..=u8::MAX)),
            _ if chance_permille(rng, 111) => Approval::Leave,
            _ => Approval::Approve,
        };
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn subtypes_and_ip_types_fit_their_type() {
        let mut rng = DemoRng::seed_from_u64(11);
        for _ in 0..5000 {
            let t = pick(&mut rng, TYPE_SHARES);
            let s = subtype_for(&mut rng, t);
            match s {
                Some(s) => {
                    assert_eq!(s.contract_type(), t);
                    assert_eq!(Subtype::parse(t, s.code()), Ok(s));
                }
                None => assert_eq!(t, ContractType::Consulting),
            }
            let field = pick(&mut rng, super::super::parties::LINYI_FIELDS);
            let ip = ip_for(&mut rng, t, s, field);
            if matches!(s, Some(Subtype::PatentTransfer | Subtype::OrdinaryLicence)) {
                assert_eq!(ip, IpType::Patent);
            }
            if t == ContractType::Consulting {
                assert!(matches!(
                    ip,
                    IpType::NotInvolved | IpType::KnowHow | IpType::OtherIp
                ));
            }
        }
    }

    #[test]
    fn amounts_stay_within_bounds_and_average_near_the_national_mean() {
        let mut rng = DemoRng::seed_from_u64(12);
        let n = 200_000i64;
        let mut sum: i128 = 0;
        let mut over_100m = 0;
        let mut under_100k = 0;
        for _ in 0..n {
            let t = pick(&mut rng, TYPE_SHARES);
            let s = subtype_for(&mut rng, t);
            let c = contract_amount(&mut rng, t);
            let permille = technical_permille(&mut rng, t, s);
            let tech = technical_amount(c, permille);
            assert!(
                (MIN_AMOUNT_FEN..=MAX_AMOUNT_FEN + 100_000).contains(&c),
                "{c}"
            );
            assert!(c <= crate::domain::Money::MAX.fen());
            assert!(tech <= c && tech * 1000 >= c * 599, "{tech} of {c}");
            if t == ContractType::Development {
                assert!(tech < c);
            }
            sum += i128::from(c);
            over_100m += i64::from(c > 10_000_000_000);
            under_100k += i64::from(c < 10_000_000);
        }
        let mean_yuan = sum / i128::from(n) / 100;
        // The heavy tail makes the sample mean noisy: accept 4.5–9.5 million yuan.
        assert!(
            (4_500_000..9_500_000).contains(&mean_yuan),
            "mean {mean_yuan}"
        );
        assert!(
            (n / 400..n / 40).contains(&over_100m),
            "{over_100m} above 100 million"
        );
        assert!(
            (n / 10..n / 3).contains(&under_100k),
            "{under_100k} below 100,000"
        );
    }

    #[test]
    fn registration_days_are_working_days_in_range_and_in_the_past() {
        let calendar = Calendar::new((2024, 2026), today()).unwrap();
        let mut rng = DemoRng::seed_from_u64(13);
        let mut by_month = [0u32; 12];
        for _ in 0..20_000 {
            let d = calendar.registration_day(&mut rng);
            assert!(d < today() && d.year() >= 2024 && is_business_day(d), "{d}");
            if d.year() < 2026 {
                by_month[d.month0() as usize] += 1;
            }
        }
        // December is the busiest month; February the quietest.
        assert_eq!(by_month.iter().max(), Some(&by_month[11]));
        assert_eq!(by_month.iter().min(), Some(&by_month[1]));
        assert_eq!(calendar.last_full_year(), Some(2025));
        assert!(Calendar::new((2027, 2028), today()).is_err());
        assert!(Calendar::new((2026, 2025), today()).is_err());
    }

    #[test]
    fn amendments_never_lift_a_contract_to_the_threshold() {
        let mut rng = DemoRng::seed_from_u64(14);
        let pool = Pool::generate(&mut rng, 100);
        let calendar = Calendar::new((2024, 2026), today()).unwrap();
        let threshold = 500_000_000;
        let generator = Generator {
            pool: &pool,
            calendar: &calendar,
            threshold_fen: threshold,
        };
        for seq in 0..3000 {
            let mut c = generator.contract(&mut rng, seq, false);
            c.change = Change::Amend {
                technical_only: seq % 2 == 0,
                percent: 104,
                reason: 0,
            };
            let (contract, technical) = c.final_amounts(threshold);
            assert!(technical <= contract);
            assert!((contract, technical) != (c.contract_fen, c.technical_fen));
            if c.technical_fen < threshold {
                assert!(technical < threshold);
            }
            assert!(
                c.signed_on < c.registered_on && c.valid_until.is_none_or(|v| v >= c.signed_on)
            );
            assert!((c.registered_on - c.signed_on).num_days() <= 330);
        }
    }
}
