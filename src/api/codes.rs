//! Code lists for forms and scripts: contract types with their sub-types, technical fields,
//! IP types, party kinds, offices, and the GB/T 2260 regions level by level.

use rocket::serde::json::Json;
use rocket::{State, get};
use serde::Serialize;

use super::problem::{ApiError, ApiResult};
use crate::auth::AuthUser;
use crate::db::{Db, DbError};
use crate::domain::{ContractType, IpType, OfficeCode, PartyKind, TechField};

/// One code with its labels.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Code {
    /// The code.
    pub code: String,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
}

/// A contract type and its sub-types.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TypeCode {
    /// The type.
    #[serde(flatten)]
    pub code: Code,
    /// Its sub-types.
    pub subtypes: Vec<Code>,
}

/// Every code list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Codes {
    /// Contract types with sub-types.
    pub contract_types: Vec<TypeCode>,
    /// Technical fields.
    pub tech_fields: Vec<Code>,
    /// IP types.
    pub ip_types: Vec<Code>,
    /// Party kinds.
    pub party_kinds: Vec<Code>,
    /// Registration offices.
    pub offices: Vec<Code>,
}

fn code(c: &str, zh: &str, en: &str) -> Code {
    Code {
        code: c.into(),
        label_zh: zh.into(),
        label_en: en.into(),
    }
}

/// Every code list with Chinese and English labels.
#[utoipa::path(get, operation_id = "codes_codes", path = "/api/v1/codes", tag = "codes", security(("bearer" = [])),
    responses((status = 200, description = "The code lists", body = Codes)))]
#[get("/codes")]
pub fn codes(_user: AuthUser) -> Json<Codes> {
    Json(Codes {
        contract_types: ContractType::ALL
            .iter()
            .map(|t| TypeCode {
                code: code(t.code(), t.label_zh(), t.label_en()),
                subtypes: t
                    .subtypes()
                    .iter()
                    .map(|s| code(s.code(), s.label_zh(), s.label_en()))
                    .collect(),
            })
            .collect(),
        tech_fields: TechField::ALL
            .iter()
            .map(|t| code(t.code(), t.label_zh(), t.label_en()))
            .collect(),
        ip_types: IpType::ALL
            .iter()
            .map(|t| code(t.code(), t.label_zh(), t.label_en()))
            .collect(),
        party_kinds: PartyKind::ALL
            .iter()
            .map(|t| code(t.code(), t.label_zh(), t.label_en()))
            .collect(),
        offices: OfficeCode::ALL
            .iter()
            .map(|o| code(o.code(), o.name_zh(), o.name_en()))
            .collect(),
    })
}

/// A region.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Region {
    /// 6-digit code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// 0 abroad, 1 province, 2 prefecture, 3 county.
    pub level: i32,
    /// Whether it has lower levels.
    pub has_children: bool,
}

/// The regions under `parent` (provinces and `000000` abroad when absent), for the
/// province → city → county picker.
#[utoipa::path(get, operation_id = "codes_regions", path = "/api/v1/regions", tag = "codes", security(("bearer" = [])),
    params(("parent" = Option<String>, Query, description = "Parent region code")),
    responses((status = 200, description = "Child regions by code", body = Vec<Region>),
        (status = 404, description = "No such parent", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/regions?<parent>")]
pub async fn regions(
    _user: AuthUser,
    parent: Option<&str>,
    db: &State<Db>,
) -> ApiResult<Json<Vec<Region>>> {
    let parent = parent
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    if let Some(p) = &parent
        && crate::domain::RegionCode::parse(p).is_err()
    {
        return Err(ApiError::not_found(format!("no region {p}")));
    }
    let all = db
        .run(|conn| crate::db::models::code_tables::regions(conn).map_err(DbError::from))
        .await?;
    let with_children: std::collections::HashSet<&String> =
        all.iter().filter_map(|r| r.4.as_ref()).collect();
    let rows = all
        .iter()
        .filter(|r| match &parent {
            Some(p) => r.4.as_deref() == Some(p.as_str()),
            None => r.3 <= 1,
        })
        .map(|r| Region {
            code: r.0.clone(),
            name_zh: r.1.clone(),
            name_en: r.2.clone(),
            level: r.3,
            has_children: with_children.contains(&r.0),
        })
        .collect();
    Ok(Json(rows))
}
