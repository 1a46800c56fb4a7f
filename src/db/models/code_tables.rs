//! The code tables seeded by the first migration.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    contract_subtypes, contract_types, ip_types, offices, party_kinds, regions, tech_fields,
};

/// A row of a simple code table: (code, Chinese label, English label, sort order).
pub type CodeRow = (String, String, String, i32);

/// Every row of one simple code table, in sort order.
pub fn simple_table(conn: &mut DbConn, table: &str) -> QueryResult<Vec<CodeRow>> {
    match table {
        "contract_types" => contract_types::table
            .order(contract_types::sort_order)
            .select((
                contract_types::code,
                contract_types::name_zh,
                contract_types::name_en,
                contract_types::sort_order,
            ))
            .load(conn),
        "tech_fields" => tech_fields::table
            .order(tech_fields::sort_order)
            .select((
                tech_fields::code,
                tech_fields::name_zh,
                tech_fields::name_en,
                tech_fields::sort_order,
            ))
            .load(conn),
        "ip_types" => ip_types::table
            .order(ip_types::sort_order)
            .select((
                ip_types::code,
                ip_types::name_zh,
                ip_types::name_en,
                ip_types::sort_order,
            ))
            .load(conn),
        "party_kinds" => party_kinds::table
            .order(party_kinds::sort_order)
            .select((
                party_kinds::code,
                party_kinds::name_zh,
                party_kinds::name_en,
                party_kinds::sort_order,
            ))
            .load(conn),
        _ => Err(diesel::result::Error::NotFound),
    }
}

/// A sub-type row: (contract type, code, Chinese, English, sort order).
pub type SubtypeRow = (String, String, String, String, i32);
/// An office row: (code, name_zh, name_en, short_zh, short_en, kind, sort order).
pub type OfficeRow = (String, String, String, String, String, String, i32);
/// A region row: (code, name_zh, name_en, level, parent).
pub type RegionRow = (String, String, String, i32, Option<String>);

/// Every sub-type.
pub fn subtypes(conn: &mut DbConn) -> QueryResult<Vec<SubtypeRow>> {
    contract_subtypes::table
        .order((
            contract_subtypes::contract_type,
            contract_subtypes::sort_order,
        ))
        .select((
            contract_subtypes::contract_type,
            contract_subtypes::code,
            contract_subtypes::name_zh,
            contract_subtypes::name_en,
            contract_subtypes::sort_order,
        ))
        .load(conn)
}

/// Every office, in sort order.
pub fn offices(conn: &mut DbConn) -> QueryResult<Vec<OfficeRow>> {
    offices::table
        .order(offices::sort_order)
        .select((
            offices::code,
            offices::name_zh,
            offices::name_en,
            offices::short_zh,
            offices::short_en,
            offices::kind,
            offices::sort_order,
        ))
        .load(conn)
}

/// Every region, by code.
pub fn regions(conn: &mut DbConn) -> QueryResult<Vec<RegionRow>> {
    regions::table
        .order(regions::code)
        .select((
            regions::code,
            regions::name_zh,
            regions::name_en,
            regions::level,
            regions::parent,
        ))
        .load(conn)
}
