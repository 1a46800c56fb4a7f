//! Anomaly findings for auditors: `GET /api/v1/anomalies?year=&rule=`.

use std::sync::Arc;

use rocket::serde::json::Json;
use rocket::{State, get};
use serde::Serialize;

use super::problem::{ApiError, ApiResult};
use crate::anomalies::{self, Finding, Rule, RuleInfo};
use crate::auth::AuditReader;
use crate::config::Config;
use crate::db::{Db, DbError};

/// The findings of a year, with the rules that ran and their parameters.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Anomalies {
    /// The registration year examined.
    pub year: i32,
    /// The rules that ran, with titles, explanations and parameters.
    pub rules: Vec<RuleInfo>,
    /// What they found, by rule, then severity, then office.
    pub findings: Vec<Finding>,
}

/// Rule-based findings about possible fake or inflated contracts (duplicates, splitting,
/// round-tripping, year-end surges, late registration, concentration, full technical amounts),
/// each naming its contracts and the numbers behind it.
#[utoipa::path(get, operation_id = "anomalies_list", path = "/api/v1/anomalies", tag = "audit", security(("bearer" = [])),
    params(("year" = Option<i32>, Query, description = "Registration year (default: this year)"),
           ("rule" = Option<String>, Query, description = "Only this rule (code)")),
    responses((status = 200, description = "Findings", body = Anomalies),
        (status = 422, description = "A bad parameter, named", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/anomalies?<year>&<rule>")]
pub async fn list(
    _reader: AuditReader,
    year: Option<&str>,
    rule: Option<&str>,
    db: &State<Db>,
    config: &State<Arc<Config>>,
) -> ApiResult<Json<Anomalies>> {
    let year = super::query::int(
        "year",
        year,
        i64::from(crate::stats::this_year()),
        2000,
        2999,
    )? as i32;
    let rules: Vec<Rule> = match rule.map(str::trim).filter(|r| !r.is_empty()) {
        None => Rule::ALL.to_vec(),
        Some(code) => vec![Rule::from_code(code).map_err(|e| {
            ApiError::Invalid(vec![crate::ledger::FieldError::from_domain("rule", &e)])
        })?],
    };
    let anomaly_config = config.anomalies.clone();
    let threshold = config.ledger.large_contract_threshold;
    let infos = rules
        .iter()
        .map(|r| r.describe(&anomaly_config, threshold))
        .collect();
    let findings = db
        .run(move |conn| {
            anomalies::evaluate(conn, year, &rules, &anomaly_config, threshold)
                .map_err(DbError::from)
        })
        .await?;
    Ok(Json(Anomalies {
        year,
        rules: infos,
        findings,
    }))
}
