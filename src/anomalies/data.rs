//! The rules' view of the ledger: registered contracts with interned parties and offices, and
//! each office's turnover in earlier years.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::contracts;

/// One registered contract as loaded: only the columns the rules read.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = contracts)]
pub(crate) struct RawRow {
    /// UUID.
    pub id: String,
    /// Registration number.
    pub registration_no: Option<String>,
    /// Registering office code.
    pub office: String,
    /// Contract type code.
    pub contract_type: String,
    /// Seller party id.
    pub seller_id: String,
    /// Buyer party id.
    pub buyer_id: String,
    /// Signing date.
    pub signed_on: NaiveDate,
    /// Contract amount, fen.
    pub contract_amount_fen: i64,
    /// Technical amount, fen.
    pub technical_amount_fen: i64,
    /// Registration time, UTC.
    pub registered_at: Option<NaiveDateTime>,
    /// Registration year (Asia/Shanghai).
    pub registered_year: Option<i32>,
    /// Registration month (Asia/Shanghai).
    pub registered_month: Option<i32>,
}

/// One registered contract as the rules see it.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// UUID.
    pub id: String,
    /// Registration number.
    pub registration_no: String,
    /// Index into `Dataset::offices`.
    pub office: u32,
    /// Index into `Dataset::parties`.
    pub seller: u32,
    /// Index into `Dataset::parties`.
    pub buyer: u32,
    /// A development contract (技术开发).
    pub development: bool,
    /// Signing date.
    pub signed_on: NaiveDate,
    /// Contract amount, fen.
    pub amount: i64,
    /// Technical amount, fen.
    pub technical: i64,
    /// Registration date in Asia/Shanghai.
    pub registered_on: NaiveDate,
    /// Registration year.
    pub year: i32,
    /// Registration month.
    pub month: i32,
}

impl Row {
    /// Signing date as a day number, for window arithmetic.
    pub fn signed_day(&self) -> i32 {
        chrono::Datelike::num_days_from_ce(&self.signed_on)
    }
}

/// An office's turnover in the years before the one evaluated (from the rollups).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OfficeHistory {
    /// Turnover registered in December of those years, fen.
    pub december_fen: i64,
    /// Turnover of those years, fen.
    pub total_fen: i64,
    /// The years with turnover.
    pub years: BTreeSet<i32>,
}

/// Everything the rules read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dataset {
    /// The year the findings are about.
    pub year: i32,
    /// Registered contracts of that year and, for the rules that compare contracts, of the
    /// year before.
    pub rows: Vec<Row>,
    /// Party ids, by index.
    pub parties: Vec<String>,
    /// Office codes, by index.
    pub offices: Vec<String>,
    /// Earlier years per office code.
    pub history: BTreeMap<String, OfficeHistory>,
}

/// Hands out a small index per distinct string.
#[derive(Default)]
struct Interner {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn intern(&mut self, s: String) -> u32 {
        if let Some(&i) = self.index.get(&s) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(s.clone());
        self.index.insert(s, i);
        i
    }
}

impl Dataset {
    /// Builds the dataset from loaded rows (rows without a registration time are skipped: a
    /// registered contract always has one).
    pub fn new(year: i32, raw: Vec<RawRow>, history: BTreeMap<String, OfficeHistory>) -> Dataset {
        let mut parties = Interner::default();
        let mut offices = Interner::default();
        let mut rows = Vec::with_capacity(raw.len());
        for r in raw {
            let Some(registered_at) = r.registered_at else { continue };
            let (period_year, period_month) = crate::time::shanghai_period(registered_at);
            rows.push(Row {
                id: r.id,
                registration_no: r.registration_no.unwrap_or_default(),
                office: offices.intern(r.office),
                seller: parties.intern(r.seller_id),
                buyer: parties.intern(r.buyer_id),
                development: r.contract_type == "development",
                signed_on: r.signed_on,
                amount: r.contract_amount_fen,
                technical: r.technical_amount_fen,
                registered_on: crate::time::shanghai_date(registered_at),
                year: r.registered_year.unwrap_or(period_year),
                month: r.registered_month.unwrap_or(period_month as i32),
            });
        }
        Dataset {
            year,
            rows,
            parties: parties.names,
            offices: offices.names,
            history,
        }
    }

    /// Whether row `i` was registered in the year the findings are about.
    pub fn in_year(&self, i: u32) -> bool {
        self.row(i).year == self.year
    }

    /// Row `i`.
    pub fn row(&self, i: u32) -> &Row {
        &self.rows[i as usize]
    }

    /// Office code of index `i`.
    pub fn office(&self, i: u32) -> &str {
        self.offices.get(i as usize).map_or("", String::as_str)
    }

    /// Party id of index `i`.
    pub fn party(&self, i: u32) -> &str {
        self.parties.get(i as usize).map_or("", String::as_str)
    }
}
