//! The read path for officials: turnover against targets, breakdowns that add up to the
//! summary to the fen, the ledger as it stood at the end of a past day, a year-end forecast,
//! top parties. Current figures come from the rollups kept in the write transaction (a few
//! hundred rows whatever the number of contracts); past days come from the amount entries.

pub mod forecast;
pub mod report;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;

use crate::config::{TargetMeasure, YearTargets};
use crate::db::models::rollups::{self as rollup_rows, AmountEntryRow};
use crate::db::schema::{audit_entries, parties};
use crate::db::{DbConn, DbError};
use crate::domain::{
    ContractType, Flow, IpType, OfficeCode, PartyKind, ReviewState, TechField, Total,
};

/// What a breakdown groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// Registering office.
    Office,
    /// Contract type.
    ContractType,
    /// Technical field.
    TechField,
    /// IP type.
    IpType,
    /// Seller kind.
    SellerKind,
    /// Flow from Linyi's point of view.
    Flow,
    /// Registration month.
    Month,
    /// Auditors' review state.
    Review,
}

impl Dimension {
    /// Every dimension, as accepted by `?by=`.
    pub const ALL: [Dimension; 8] = [
        Dimension::Office,
        Dimension::ContractType,
        Dimension::TechField,
        Dimension::IpType,
        Dimension::SellerKind,
        Dimension::Flow,
        Dimension::Month,
        Dimension::Review,
    ];

    /// The `?by=` value.
    pub fn code(self) -> &'static str {
        match self {
            Dimension::Office => "office",
            Dimension::ContractType => "contract_type",
            Dimension::TechField => "tech_field",
            Dimension::IpType => "ip_type",
            Dimension::SellerKind => "seller_kind",
            Dimension::Flow => "flow",
            Dimension::Month => "month",
            Dimension::Review => "review",
        }
    }

    /// Parses `?by=`.
    pub fn parse(s: &str) -> Option<Dimension> {
        Self::ALL.into_iter().find(|d| d.code() == s)
    }

    /// Chinese name (report sheet names).
    pub fn label_zh(self) -> &'static str {
        match self {
            Dimension::Office => "登记点",
            Dimension::ContractType => "合同类型",
            Dimension::TechField => "技术领域",
            Dimension::IpType => "知识产权类型",
            Dimension::SellerKind => "卖方类型",
            Dimension::Flow => "技术流向",
            Dimension::Month => "月份",
            Dimension::Review => "审核状态",
        }
    }

    /// The keys in display order with their labels (every key, zero rows included).
    pub fn keys(self) -> Vec<(String, String, String)> {
        fn list<T: Copy>(
            all: &[T],
            code: fn(T) -> &'static str,
            zh: fn(T) -> &'static str,
            en: fn(T) -> &'static str,
        ) -> Vec<(String, String, String)> {
            all.iter()
                .map(|t| (code(*t).to_string(), zh(*t).to_string(), en(*t).to_string()))
                .collect()
        }
        match self {
            Dimension::Office => list(
                OfficeCode::ALL,
                OfficeCode::code,
                OfficeCode::short_zh,
                OfficeCode::short_en,
            ),
            Dimension::ContractType => list(
                ContractType::ALL,
                ContractType::code,
                ContractType::label_zh,
                ContractType::label_en,
            ),
            Dimension::TechField => list(
                TechField::ALL,
                TechField::code,
                TechField::label_zh,
                TechField::label_en,
            ),
            Dimension::IpType => list(
                IpType::ALL,
                IpType::code,
                IpType::label_zh,
                IpType::label_en,
            ),
            Dimension::SellerKind => list(
                PartyKind::ALL,
                PartyKind::code,
                PartyKind::label_zh,
                PartyKind::label_en,
            ),
            Dimension::Flow => list(Flow::ALL, Flow::code, Flow::label_zh, Flow::label_en),
            Dimension::Review => list(
                ReviewState::ALL,
                ReviewState::code,
                ReviewState::label_zh,
                ReviewState::label_en,
            ),
            Dimension::Month => (1..=12)
                .map(|m| (format!("{m:02}"), format!("{m}月"), month_en(m).to_string()))
                .collect(),
        }
    }
}

fn month_en(m: u32) -> &'static str {
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .get(m as usize - 1)
    .copied()
    .unwrap_or("")
}

/// Totals of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Sum of contract amounts, fen.
    pub turnover_fen: i64,
    /// Sum of technical amounts, fen.
    pub technical_fen: i64,
    /// Contracts.
    pub contracts: i64,
    /// Introduced achievements.
    pub introduced: i64,
}

impl Figures {
    /// Adds amounts and counts; `None`, with nothing changed, when a sum would leave the
    /// 64-bit range (the ledger keeps every year's turnover within it, see `ledger::headroom`).
    fn add(
        &mut self,
        turnover: i64,
        technical: i64,
        contracts: i64,
        introduced: i64,
    ) -> Option<()> {
        *self = Figures {
            turnover_fen: self.turnover_fen.checked_add(turnover)?,
            technical_fen: self.technical_fen.checked_add(technical)?,
            contracts: self.contracts.checked_add(contracts)?,
            introduced: self.introduced.checked_add(introduced)?,
        };
        Some(())
    }
}

/// The error for stored figures that do not add up within 64 bits.
fn out_of_range(year: i32) -> DbError {
    DbError::OutOfRange(format!(
        "the figures of {year} add up past the largest total"
    ))
}

/// The figures of a year: per (dimension, key) and per month, as the ledger stands now or
/// stood at the end of a day.
#[derive(Debug, Clone, Default)]
pub struct YearFigures {
    /// All contracts of the year.
    pub total: Figures,
    by: BTreeMap<(&'static str, String), Figures>,
    /// The seq of the last audit entry these figures include.
    pub audit_seq: i64,
}

impl YearFigures {
    /// The figures of one key of a dimension.
    pub fn get(&self, dimension: Dimension, key: &str) -> Figures {
        self.by
            .get(&(dimension.code(), key.to_string()))
            .copied()
            .unwrap_or_default()
    }
}

/// Where one counted contract's amounts go: its key along every dimension. The rollups are
/// kept along the same keys; the audit's figure recomputation (`audit::figures`) builds these
/// from the contract states in the log and sums them with [`YearFigures::count`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// Registration month (1–12, Asia/Shanghai).
    pub month: u32,
    /// Registering office code.
    pub office: String,
    /// Contract type code.
    pub contract_type: String,
    /// Technical field code.
    pub tech_field: String,
    /// IP type code.
    pub ip_type: String,
    /// Seller kind code.
    pub seller_kind: String,
    /// Flow code.
    pub flow: String,
    /// Review state code.
    pub review: String,
    /// An introduced achievement.
    pub introduced: bool,
    /// Contract amount, fen.
    pub turnover_fen: i64,
    /// Technical amount, fen.
    pub technical_fen: i64,
}

impl YearFigures {
    /// Empty figures as of entry `audit_seq`.
    pub fn at(audit_seq: i64) -> YearFigures {
        YearFigures {
            audit_seq,
            ..YearFigures::default()
        }
    }

    /// Adds one counted contract to the total and to its key along every dimension; an error
    /// when a sum would leave the 64-bit range.
    pub fn count(&mut self, c: &Counted) -> Result<(), String> {
        let too_large = || "the year's total exceeds what an amount can hold".to_string();
        let introduced = i64::from(c.introduced);
        self.total
            .add(c.turnover_fen, c.technical_fen, 1, introduced)
            .ok_or_else(too_large)?;
        for (dimension, key) in [
            (Dimension::Month, format!("{:02}", c.month)),
            (Dimension::Office, c.office.clone()),
            (Dimension::ContractType, c.contract_type.clone()),
            (Dimension::TechField, c.tech_field.clone()),
            (Dimension::IpType, c.ip_type.clone()),
            (Dimension::SellerKind, c.seller_kind.clone()),
            (Dimension::Flow, c.flow.clone()),
            (Dimension::Review, c.review.clone()),
        ] {
            self.by
                .entry((dimension.code(), key))
                .or_default()
                .add(c.turnover_fen, c.technical_fen, 1, introduced)
                .ok_or_else(too_large)?;
        }
        Ok(())
    }

    /// Every (key, figures) of a dimension that has any, the keys the display order does not
    /// know included (a recomputation reports those too).
    pub fn keys_of(&self, dimension: Dimension) -> Vec<(String, Figures)> {
        self.by
            .iter()
            .filter(|((d, _), _)| *d == dimension.code())
            .map(|((_, k), f)| (k.clone(), *f))
            .collect()
    }
}

/// The figures of a year and of the year before (for the forecast), read in one snapshot so
/// that both, and the audit seq they carry, describe the same state of the ledger.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// The year asked for.
    pub figures: YearFigures,
    /// The year before.
    pub previous: YearFigures,
}

/// Reads the figures of `year` and the year before — now, or as they stood at the end of
/// `as_of` (Asia/Shanghai) — in one read transaction.
///
/// Now: the rollups and the chain head are written by the same write transaction (a group
/// commit writes many commands' rollups and moves the head once, at its end; a second process
/// does the same under the head's lock), so one snapshot sees rollups that reflect exactly the
/// entries up to the head it sees. As of a day: the figures of the entries up to the last one
/// of that day, a prefix of the chain, read from the amount entries by seq.
pub fn read(conn: &mut DbConn, year: i32, as_of: Option<NaiveDate>) -> Result<Reading, DbError> {
    crate::db::read_snapshot(conn, |conn| {
        let seq = match as_of {
            None => crate::audit::chain::read_head(conn)?.seq,
            Some(day) => last_seq_of_day(conn, day)?,
        };
        let figures_of = |conn: &mut DbConn, year| match as_of {
            None => current(conn, year, seq),
            Some(_) => prefix(conn, year, seq),
        };
        Ok(Reading {
            figures: figures_of(conn, year)?,
            previous: figures_of(conn, year - 1)?,
        })
    })
}

/// Reads the figures of `year` — now, or as they stood at the end of `as_of` (Asia/Shanghai).
pub fn year_figures(
    conn: &mut DbConn,
    year: i32,
    as_of: Option<NaiveDate>,
) -> Result<YearFigures, DbError> {
    Ok(read(conn, year, as_of)?.figures)
}

/// The seq of the last entry made by the end of `day` (0 before the first).
fn last_seq_of_day(conn: &mut DbConn, day: NaiveDate) -> Result<i64, DbError> {
    let end = crate::time::end_of_shanghai_day(day);
    let seq: Option<i64> = audit_entries::table
        .filter(audit_entries::at.lt(end))
        .select(diesel::dsl::max(audit_entries::seq))
        .get_result(conn)?;
    Ok(seq.unwrap_or(0))
}

/// The rollups of `year`, read in the snapshot whose head is `seq`.
fn current(conn: &mut DbConn, year: i32, seq: i64) -> Result<YearFigures, DbError> {
    let rows = crate::db::schema::rollups::table
        .filter(crate::db::schema::rollups::year.eq(year))
        .select(rollup_rows::RollupRow::as_select())
        .load(conn)?;
    let mut out = YearFigures::at(seq);
    for r in rows {
        let dimension: &'static str = match r.dimension.as_str() {
            "total" => {
                out.total
                    .add(r.turnover_fen, r.technical_fen, r.contracts, r.introduced)
                    .ok_or_else(|| out_of_range(year))?;
                out.by
                    .entry(("month", format!("{:02}", r.month)))
                    .or_default()
                    .add(r.turnover_fen, r.technical_fen, r.contracts, r.introduced)
                    .ok_or_else(|| out_of_range(year))?;
                continue;
            }
            "office" => "office",
            "contract_type" => "contract_type",
            "tech_field" => "tech_field",
            "ip_type" => "ip_type",
            "seller_kind" => "seller_kind",
            "flow" => "flow",
            "review" => "review",
            _ => continue,
        };
        out.by
            .entry((dimension, r.key))
            .or_default()
            .add(r.turnover_fen, r.technical_fen, r.contracts, r.introduced)
            .ok_or_else(|| out_of_range(year))?;
    }
    Ok(out)
}

/// The figures of `year` made by the entries up to `seq`, from their amount entries.
fn prefix(conn: &mut DbConn, year: i32, seq: i64) -> Result<YearFigures, DbError> {
    let lines: Vec<AmountEntryRow> = rollup_rows::entries_through(conn, year, seq)?;
    let mut out = YearFigures::at(seq);
    for l in lines {
        let introduced = if l.introduced {
            i64::from(l.contracts)
        } else {
            0
        };
        let (t, te, c) = (l.contract_fen, l.technical_fen, i64::from(l.contracts));
        out.total
            .add(t, te, c, introduced)
            .ok_or_else(|| out_of_range(year))?;
        for (dimension, key) in [
            ("month", format!("{:02}", l.month)),
            ("office", l.office),
            ("contract_type", l.contract_type),
            ("tech_field", l.tech_field),
            ("ip_type", l.ip_type),
            ("seller_kind", l.seller_kind),
            ("flow", l.flow),
            ("review", l.review),
        ] {
            out.by
                .entry((dimension, key))
                .or_default()
                .add(t, te, c, introduced)
                .ok_or_else(|| out_of_range(year))?;
        }
    }
    Ok(out)
}

/// An amount as the API shows it: yuan with two decimals (sums may exceed one contract's
/// maximum, hence `Total`).
pub fn yuan(fen: i64) -> String {
    Total::from_fen(fen.max(0))
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{}.{:02}", fen / 100, (fen % 100).abs()))
}

/// A 128-bit amount (a forecast) as yuan with two decimals; negative only if the figures are.
pub fn yuan_wide(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A ratio as a number with four decimals, computed exactly in integers.
fn ratio(part: i64, whole: i64) -> serde_json::Value {
    if whole <= 0 {
        return serde_json::Value::Null;
    }
    let basis = (i128::from(part) * 10_000 + i128::from(whole) / 2) / i128::from(whole);
    serde_json::Number::from_f64(basis as f64 / 10_000.0)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// Targets as the summary shows them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetView {
    /// Turnover target, yuan.
    pub turnover: String,
    /// Contracts target.
    pub contracts: u64,
    /// Introduced achievements target.
    pub introduced: u64,
    /// Which contracts the turnover target counts: all, outflow or inflow.
    pub measure: String,
}

/// Progress toward the targets.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// Measured turnover / turnover target.
    #[schema(value_type = Option<f64>)]
    pub turnover: serde_json::Value,
    /// Contracts / contracts target.
    #[schema(value_type = Option<f64>)]
    pub contracts: serde_json::Value,
    /// Introduced / introduced target.
    #[schema(value_type = Option<f64>)]
    pub introduced: serde_json::Value,
    /// Share of the year elapsed at `as_of` (for the straight-line target path).
    #[schema(value_type = Option<f64>)]
    pub year_elapsed: serde_json::Value,
}

/// The summary of a year (api.md).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// The year.
    pub year: i32,
    /// The day the figures stand at (today, or the requested past day).
    pub as_of: String,
    /// Contract amounts of contracts registered in the year and not voided, yuan.
    pub turnover: String,
    /// Their technical amounts, yuan.
    pub technical_amount: String,
    /// Their number.
    pub contracts: i64,
    /// Introduced achievements among them.
    pub introduced: i64,
    /// The turnover the target counts (equals `turnover` when the measure is `all`).
    pub measured_turnover: String,
    /// Targets of the year.
    pub targets: TargetView,
    /// Progress ratios.
    pub progress: Progress,
    /// Year-end turnover forecast, yuan (see `forecast_method`).
    pub forecast_turnover: String,
    /// How the forecast was made.
    pub forecast_method: String,
    /// The last audit entry these figures include (= `checkpoint.tree_size`).
    pub audit_seq: i64,
    /// The signed checkpoint of exactly the entries these figures reflect; null only when
    /// they reflect none (a day before the ledger began).
    pub checkpoint: Option<FiguresCheckpoint>,
}

/// The transparency log's checkpoint a set of figures was computed at: `techledger verify
/// figures` recomputes them from the export up to `tree_size` and checks the export against
/// this root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FiguresCheckpoint {
    /// Entries the figures reflect: the seq of the last one.
    pub tree_size: i64,
    /// The Merkle tree's root at that size (hex).
    pub root_hash: String,
    /// The checkpoint as a C2SP signed note (`GET /log/checkpoint/{tree_size}`), with any
    /// witness cosignatures; null only for a checkpoint stored before the Merkle tree existed.
    pub note: Option<String>,
}

/// Builds the summary of `year` for `as_of` (today when absent), with the previous year's
/// figures for the forecast; its `checkpoint` is left for the caller to bind.
pub fn summary(
    conn: &mut DbConn,
    year: i32,
    as_of: Option<NaiveDate>,
    targets: &YearTargets,
) -> Result<Summary, DbError> {
    Ok(summary_of(&read(conn, year, as_of)?, year, as_of, targets))
}

/// The summary from figures already read.
pub fn summary_of(
    reading: &Reading,
    year: i32,
    as_of: Option<NaiveDate>,
    targets: &YearTargets,
) -> Summary {
    let today = crate::time::shanghai_date(crate::time::now());
    let day = as_of.unwrap_or(today);
    let (figures, previous) = (&reading.figures, &reading.previous);
    let measured = measured_turnover(figures, targets.measure);
    let target_fen = targets.turnover.fen();
    let elapsed = forecast::elapsed_share(year, day);
    let forecast = forecast::year_end(figures, previous, year, day);
    Summary {
        year,
        as_of: day.to_string(),
        turnover: yuan(figures.total.turnover_fen),
        technical_amount: yuan(figures.total.technical_fen),
        contracts: figures.total.contracts,
        introduced: figures.total.introduced,
        measured_turnover: yuan(measured),
        targets: TargetView {
            turnover: targets.turnover.to_string(),
            contracts: targets.contracts,
            introduced: targets.introduced,
            measure: match targets.measure {
                TargetMeasure::All => "all",
                TargetMeasure::Outflow => "outflow",
                TargetMeasure::Inflow => "inflow",
            }
            .into(),
        },
        progress: Progress {
            turnover: ratio(measured, target_fen),
            contracts: ratio(
                figures.total.contracts,
                i64::try_from(targets.contracts).unwrap_or(i64::MAX),
            ),
            introduced: ratio(
                figures.total.introduced,
                i64::try_from(targets.introduced).unwrap_or(i64::MAX),
            ),
            year_elapsed: ratio(elapsed.0, elapsed.1),
        },
        forecast_turnover: yuan_wide(forecast.fen),
        forecast_method: forecast.method.to_string(),
        audit_seq: figures.audit_seq,
        checkpoint: None,
    }
}

/// The turnover a target counts: all, or contracts with the seller (outflow) or buyer
/// (inflow) in Linyi — local contracts count for both.
pub fn measured_turnover(f: &YearFigures, measure: TargetMeasure) -> i64 {
    let flow = |k: &str| f.get(Dimension::Flow, k).turnover_fen;
    match measure {
        TargetMeasure::All => f.total.turnover_fen,
        // Parts of the total, which fits: their sum does too.
        TargetMeasure::Outflow => flow("local").saturating_add(flow("outflow")),
        TargetMeasure::Inflow => flow("local").saturating_add(flow("inflow")),
    }
}

/// One row of a breakdown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BreakdownRow {
    /// The code (`371302`, `development`, `03` for March, …).
    pub key: String,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// Turnover, yuan.
    pub turnover: String,
    /// Technical amount, yuan.
    pub technical_amount: String,
    /// Contracts.
    pub contracts: i64,
    /// Introduced achievements.
    pub introduced: i64,
    /// The office's own turnover target, when configured (`by=office`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// A breakdown of a year (api.md); its rows add up to the summary exactly.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Breakdown {
    /// The year.
    pub year: i32,
    /// The day the figures stand at.
    pub as_of: String,
    /// office | contract_type | tech_field | ip_type | seller_kind | flow | month | review.
    pub by: String,
    /// Every key of the dimension, zero rows included, in display order.
    pub rows: Vec<BreakdownRow>,
    /// The last audit entry these figures include (= `checkpoint.tree_size`).
    pub audit_seq: i64,
    /// The signed checkpoint of exactly the entries these figures reflect (see the summary).
    pub checkpoint: Option<FiguresCheckpoint>,
}

/// The breakdown of `year` along `by`.
pub fn breakdown(
    conn: &mut DbConn,
    year: i32,
    by: Dimension,
    as_of: Option<NaiveDate>,
    targets: &YearTargets,
) -> Result<Breakdown, DbError> {
    let figures = year_figures(conn, year, as_of)?;
    Ok(breakdown_of(&figures, year, by, as_of, targets))
}

/// The breakdown from figures already read (the report reads once for every sheet).
pub fn breakdown_of(
    figures: &YearFigures,
    year: i32,
    by: Dimension,
    as_of: Option<NaiveDate>,
    targets: &YearTargets,
) -> Breakdown {
    let day = as_of.unwrap_or_else(|| crate::time::shanghai_date(crate::time::now()));
    let rows = by
        .keys()
        .into_iter()
        .map(|(key, label_zh, label_en)| {
            let f = figures.get(by, &key);
            let target = (by == Dimension::Office)
                .then(|| {
                    OfficeCode::parse(&key)
                        .ok()
                        .and_then(|o| targets.offices.get(&o))
                        .map(|m| m.to_string())
                })
                .flatten();
            BreakdownRow {
                key,
                label_zh,
                label_en,
                turnover: yuan(f.turnover_fen),
                technical_amount: yuan(f.technical_fen),
                contracts: f.contracts,
                introduced: f.introduced,
                target,
            }
        })
        .collect();
    Breakdown {
        year,
        as_of: day.to_string(),
        by: by.code().to_string(),
        rows,
        audit_seq: figures.audit_seq,
        checkpoint: None,
    }
}

/// A party among the largest sellers or buyers of a year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TopParty {
    /// Party id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region code.
    pub region: String,
    /// Turnover as this side, yuan.
    pub turnover: String,
    /// Contracts as this side.
    pub contracts: i64,
}

/// The `limit` largest parties on `side` (seller | buyer) in `year`.
pub fn top_parties(
    conn: &mut DbConn,
    year: i32,
    side: &str,
    limit: i64,
) -> Result<Vec<TopParty>, DbError> {
    let rows = rollup_rows::top_parties(conn, year, side, limit)?;
    let ids: Vec<String> = rows.iter().map(|r| r.party_id.clone()).collect();
    let names: BTreeMap<String, (String, String)> = parties::table
        .filter(parties::id.eq_any(&ids))
        .select((parties::id, parties::name, parties::region))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, region)| (id, (name, region)))
        .collect();
    Ok(rows
        .into_iter()
        .filter(|r| r.turnover_fen > 0)
        .map(|r| {
            let (name, region) = names.get(&r.party_id).cloned().unwrap_or_default();
            TopParty {
                id: r.party_id,
                name,
                region,
                turnover: yuan(r.turnover_fen),
                contracts: r.contracts,
            }
        })
        .collect())
}

/// The current year in Asia/Shanghai.
pub fn this_year() -> i32 {
    crate::time::shanghai_date(crate::time::now()).year()
}
