//! Contracts, their versions and reviews.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::parties::escape_like;
use crate::db::DbConn;
use crate::db::schema::{contract_details, contract_versions, contracts, parties, reviews};

/// A contract row (current state).
#[derive(
    Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset, Serialize,
)]
#[diesel(table_name = contracts, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ContractRow {
    /// UUID.
    pub id: String,
    /// Registration number once registered.
    pub registration_no: Option<String>,
    /// Registering office.
    pub office: String,
    /// Status code.
    pub status: String,
    /// Review state code.
    pub review: String,
    /// Version.
    pub version: i32,
    /// Title.
    pub title: String,
    /// Type code.
    pub contract_type: String,
    /// Sub-type code.
    pub subtype: Option<String>,
    /// Seller party.
    pub seller_id: String,
    /// Buyer party.
    pub buyer_id: String,
    /// Signing date.
    pub signed_on: NaiveDate,
    /// End of validity.
    pub valid_until: Option<NaiveDate>,
    /// 合同成交额, fen.
    pub contract_amount_fen: i64,
    /// 技术交易额, fen.
    pub technical_amount_fen: i64,
    /// Technical field code.
    pub tech_field: String,
    /// IP type code.
    pub ip_type: String,
    /// Seller's region at registration.
    pub seller_region: String,
    /// Seller's kind at registration.
    pub seller_kind: String,
    /// Buyer's region at registration.
    pub buyer_region: String,
    /// Buyer's kind at registration.
    pub buyer_kind: String,
    /// Flow code.
    pub flow: String,
    /// Counts toward introduced achievements.
    pub introduced: bool,
    /// Registrar who recorded it.
    pub created_by: String,
    /// Recorded.
    pub created_at: NaiveDateTime,
    /// Registered (got its number).
    pub registered_at: Option<NaiveDateTime>,
    /// Year it counts in (Asia/Shanghai).
    pub registered_year: Option<i32>,
    /// Month it counts in.
    pub registered_month: Option<i32>,
    /// Registrar who approved it (large contracts).
    pub approved_by: Option<String>,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// seq of the last audit entry that changed it.
    pub audit_seq: i64,
}

/// A contract version row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = contract_versions, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ContractVersionRow {
    /// Contract.
    pub contract_id: String,
    /// Version.
    pub version: i32,
    /// register | amend | approve | refuse | void.
    pub change: String,
    /// Status after the change.
    pub status: String,
    /// Registration number after the change.
    pub registration_no: Option<String>,
    /// Title.
    pub title: String,
    /// Type.
    pub contract_type: String,
    /// Sub-type.
    pub subtype: Option<String>,
    /// Seller.
    pub seller_id: String,
    /// Buyer.
    pub buyer_id: String,
    /// Signing date.
    pub signed_on: NaiveDate,
    /// End of validity.
    pub valid_until: Option<NaiveDate>,
    /// Contract amount, fen.
    pub contract_amount_fen: i64,
    /// Technical amount, fen.
    pub technical_amount_fen: i64,
    /// Technical field.
    pub tech_field: String,
    /// IP type.
    pub ip_type: String,
    /// Why.
    pub reason: Option<String>,
    /// Who.
    pub actor_id: String,
    /// When.
    pub recorded_at: NaiveDateTime,
    /// Its audit entry.
    pub audit_seq: i64,
    /// The parties' own contract number.
    pub party_contract_no: Option<String>,
    /// The seller's contact person.
    pub seller_contact_name: Option<String>,
    /// … and telephone.
    pub seller_contact_phone: Option<String>,
    /// The buyer's contact person.
    pub buyer_contact_name: Option<String>,
    /// … and telephone.
    pub buyer_contact_phone: Option<String>,
    /// Technical amount: the technology itself, fen.
    pub principal_fen: Option<i64>,
    /// Technical amount: the related consulting and services, fen.
    pub related_services_fen: Option<i64>,
}

/// What a contract records beyond its statistics (its own contract number, the contacts, the
/// split of the technical amount): one row for a contract that has any of it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = contract_details, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ContractDetailsRow {
    /// Contract.
    pub contract_id: String,
    /// The parties' own contract number.
    pub party_contract_no: Option<String>,
    /// The seller's contact person.
    pub seller_contact_name: Option<String>,
    /// … and telephone.
    pub seller_contact_phone: Option<String>,
    /// The buyer's contact person.
    pub buyer_contact_name: Option<String>,
    /// … and telephone.
    pub buyer_contact_phone: Option<String>,
    /// Technical amount: the technology itself, fen.
    pub principal_fen: Option<i64>,
    /// Technical amount: the related consulting and services, fen.
    pub related_services_fen: Option<i64>,
}

/// The details rows of the contracts `ids`, by contract id.
pub fn details_of(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, ContractDetailsRow>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<ContractDetailsRow> = contract_details::table
            .filter(contract_details::contract_id.eq_any(chunk))
            .select(ContractDetailsRow::as_select())
            .load(conn)?;
        out.extend(rows.into_iter().map(|r| (r.contract_id.clone(), r)));
    }
    Ok(out)
}

/// A review row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = reviews, treat_none_as_default_value = false)]
pub struct ReviewRow {
    /// UUID.
    pub id: String,
    /// Contract.
    pub contract_id: String,
    /// The contract version reviewed.
    pub contract_version: i32,
    /// confirmed | disputed.
    pub verdict: String,
    /// The auditor's note.
    pub note: String,
    /// Auditor.
    pub reviewer_id: String,
    /// When.
    pub recorded_at: NaiveDateTime,
    /// Its audit entry.
    pub audit_seq: i64,
}

/// The contract `id`.
pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<ContractRow>> {
    contracts::table
        .find(id)
        .select(ContractRow::as_select())
        .get_result(conn)
        .optional()
}

/// The contract with registration number `no`.
pub fn by_registration_no(conn: &mut DbConn, no: &str) -> QueryResult<Option<ContractRow>> {
    contracts::table
        .filter(contracts::registration_no.eq(no))
        .select(ContractRow::as_select())
        .get_result(conn)
        .optional()
}

/// Every version of contract `id`, oldest first.
pub fn versions(conn: &mut DbConn, id: &str) -> QueryResult<Vec<ContractVersionRow>> {
    contract_versions::table
        .filter(contract_versions::contract_id.eq(id))
        .order(contract_versions::version.asc())
        .select(ContractVersionRow::as_select())
        .load(conn)
}

/// Every review of contract `id`, oldest first.
pub fn reviews_of(conn: &mut DbConn, id: &str) -> QueryResult<Vec<ReviewRow>> {
    reviews::table
        .filter(reviews::contract_id.eq(id))
        .order(reviews::audit_seq.asc())
        .select(ReviewRow::as_select())
        .load(conn)
}

/// Filters of the contract list (api.md). `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct ContractFilter {
    /// Registration year.
    pub year: Option<i32>,
    /// Registering office.
    pub office: Option<String>,
    /// Contract type code.
    pub contract_type: Option<String>,
    /// Technical field code.
    pub tech_field: Option<String>,
    /// Status code.
    pub status: Option<String>,
    /// Review state code.
    pub review: Option<String>,
    /// Seller or buyer party id.
    pub party: Option<String>,
    /// Substring of the title, the registration number or a party's name.
    pub q: Option<String>,
    /// Signed on or after.
    pub signed_from: Option<NaiveDate>,
    /// Signed on or before.
    pub signed_to: Option<NaiveDate>,
}

/// Orders of the contract list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContractOrder {
    /// Newest first (ids are time-ordered); the cursor is the last id.
    #[default]
    Newest,
    /// Largest contract amount first (the review queue); the cursor is `fen:id`.
    Largest,
}

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// After this id (newest first).
    Id(String),
    /// After this (amount, id) (largest first).
    Amount(i64, String),
}

impl Cursor {
    /// Parses a cursor for `order`; None when malformed.
    pub fn parse(order: ContractOrder, s: &str) -> Option<Cursor> {
        match order {
            ContractOrder::Newest => is_id(s).then(|| Cursor::Id(s.to_string())),
            ContractOrder::Largest => {
                let (fen, id) = s.split_once(':')?;
                let fen = fen.parse().ok().filter(|f: &i64| *f >= 0)?;
                is_id(id).then(|| Cursor::Amount(fen, id.to_string()))
            }
        }
    }

    /// The cursor after `row`.
    pub fn after(order: ContractOrder, row: &ContractRow) -> String {
        match order {
            ContractOrder::Newest => row.id.clone(),
            ContractOrder::Largest => format!("{}:{}", row.contract_amount_fen, row.id),
        }
    }
}

/// Whether `s` has the form of a contract id (a hyphenated UUID), as every cursor names one:
/// anything else is no cursor this list handed out.
fn is_id(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A page of contracts matching `filter` in `order`, after `cursor`.
pub fn list_ordered(
    conn: &mut DbConn,
    filter: &ContractFilter,
    order: ContractOrder,
    cursor: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<ContractRow>> {
    let mut query = filtered(filter);
    match cursor {
        Some(Cursor::Id(after)) => query = query.filter(contracts::id.lt(after.clone())),
        Some(Cursor::Amount(fen, id)) => {
            query = query.filter(
                contracts::contract_amount_fen
                    .lt(*fen)
                    .or(contracts::contract_amount_fen
                        .eq(*fen)
                        .and(contracts::id.lt(id.clone()))),
            )
        }
        None => {}
    }
    match order {
        ContractOrder::Newest => query.order(contracts::id.desc()).limit(limit).load(conn),
        ContractOrder::Largest => query
            .order((contracts::contract_amount_fen.desc(), contracts::id.desc()))
            .limit(limit)
            .load(conn),
    }
}

/// A page of contracts matching `filter`, newest first, after the cursor `after` (an id).
pub fn list(
    conn: &mut DbConn,
    filter: &ContractFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ContractRow>> {
    let cursor = after.map(|a| Cursor::Id(a.to_string()));
    list_ordered(conn, filter, ContractOrder::Newest, cursor.as_ref(), limit)
}

/// How many contracts match a filter and what their amounts add up to, in fen (128-bit: no sum
/// of stored amounts can overflow it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContractTotals {
    /// Contracts matching the filter.
    pub count: i64,
    /// Their contract amounts (合同成交额), fen.
    pub contract_fen: i128,
    /// Their technical amounts (技术交易额), fen.
    pub technical_fen: i128,
}

/// The count and amount sums of the contracts matching `filter`, in one statement.
///
/// Each amount is summed in two halves — the high bits (`fen >> 32`) and the low 32 bits
/// (`fen & 0xFFFFFFFF`) — and joined in 128 bits here: SQLite's `SUM` of integers fails on
/// overflowing 64 bits and PostgreSQL's is a `numeric` that diesel's two backends do not read
/// alike, while each half-sum stays far inside 64 bits for any number of rows a table can hold
/// (2^31 rows of the largest amount). The split is exact for any sign: an arithmetic shift and
/// a mask on both backends.
pub fn totals(conn: &mut DbConn, filter: &ContractFilter) -> QueryResult<ContractTotals> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let half_sums = |column: &str| {
        (
            sql::<BigInt>(&format!(
                "COALESCE(CAST(SUM(contracts.{column} >> 32) AS BIGINT), 0)"
            )),
            sql::<BigInt>(&format!(
                "COALESCE(CAST(SUM(contracts.{column} & 4294967295) AS BIGINT), 0)"
            )),
        )
    };
    let (count, (contract_hi, contract_lo), (technical_hi, technical_lo)) = filtered(filter)
        .select((
            sql::<BigInt>("COUNT(*)"),
            half_sums("contract_amount_fen"),
            half_sums("technical_amount_fen"),
        ))
        .get_result::<(i64, (i64, i64), (i64, i64))>(conn)?;
    let join = |hi: i64, lo: i64| (i128::from(hi) << 32) + i128::from(lo);
    Ok(ContractTotals {
        count,
        contract_fen: join(contract_hi, contract_lo),
        technical_fen: join(technical_hi, technical_lo),
    })
}

type Boxed<'a> = contracts::BoxedQuery<
    'a,
    crate::db::MultiBackend,
    diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<ContractRow, crate::db::MultiBackend>>,
>;

fn filtered(filter: &ContractFilter) -> Boxed<'static> {
    let mut query = contracts::table
        .select(ContractRow::as_select())
        .into_boxed();
    if let Some(year) = filter.year {
        query = query.filter(contracts::registered_year.eq(year));
    }
    if let Some(office) = &filter.office {
        query = query.filter(contracts::office.eq(office.clone()));
    }
    if let Some(t) = &filter.contract_type {
        query = query.filter(contracts::contract_type.eq(t.clone()));
    }
    if let Some(f) = &filter.tech_field {
        query = query.filter(contracts::tech_field.eq(f.clone()));
    }
    if let Some(s) = &filter.status {
        query = query.filter(contracts::status.eq(s.clone()));
    }
    if let Some(r) = &filter.review {
        query = query.filter(contracts::review.eq(r.clone()));
    }
    if let Some(p) = &filter.party {
        query = query.filter(
            contracts::seller_id
                .eq(p.clone())
                .or(contracts::buyer_id.eq(p.clone())),
        );
    }
    if let Some(q) = &filter.q {
        let pattern = format!("%{}%", escape_like(q));
        let named = parties::table
            .filter(parties::name.like(pattern.clone()).escape('\\'))
            .select(parties::id);
        let named_too = parties::table
            .filter(parties::name.like(pattern.clone()).escape('\\'))
            .select(parties::id);
        query = query.filter(
            contracts::title
                .like(pattern.clone())
                .escape('\\')
                .or(contracts::registration_no.like(pattern).escape('\\'))
                .or(contracts::seller_id.eq_any(named))
                .or(contracts::buyer_id.eq_any(named_too)),
        );
    }
    if let Some(from) = filter.signed_from {
        query = query.filter(contracts::signed_on.ge(from));
    }
    if let Some(to) = filter.signed_to {
        query = query.filter(contracts::signed_on.le(to));
    }
    query
}
