//! Parties (合同主体): create, search, read, update (a new version), history.

use rocket::serde::json::Json;
use rocket::{State, get, patch, post};
use serde::{Deserialize, Serialize};

use super::Page;
use super::fields::Fields;
use super::json::ApiJson;
use super::problem::{ApiError, ApiResult};
use super::written::{IdempotencyHeader, Written};
use crate::auth::{LedgerReader, Registrar};
use crate::db::Db;
use crate::db::models::parties as party_rows;
use crate::domain::{CountryCode, CreditCode, PartyKind, RegionCode};
use crate::ledger::{Command, Ledger, NewParty, PartyUpdate, Request};
use crate::records::PartyState;

/// Party fields, as sent to create a party or inline in a contract.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyBody {
    /// Name.
    pub name: Option<String>,
    /// 18-character unified social credit code (not for individuals or foreign parties).
    pub credit_code: Option<String>,
    /// enterprise | university | research_institute | individual | other.
    pub kind: Option<String>,
    /// 6-digit GB/T 2260 code; `000000` abroad.
    pub region: Option<String>,
    /// 3-digit party-nature code (table B-3.4).
    pub nature_code: Option<String>,
    /// ISO 3166-1 alpha-3, for foreign parties.
    pub country: Option<String>,
    /// Legal representative (法定代表人) of an organisation.
    pub legal_representative: Option<String>,
}

impl PartyBody {
    /// Parses into a new party, recording errors under `prefix` (`seller.`).
    ///
    /// Every bad field is reported at once: the rules across fields run even when a field
    /// failed to parse, and a rule is dropped only when it depends on a field that already has
    /// its own error (a mistyped credit code is "invalid", never also "required").
    pub fn parse(&self, fields: &mut Fields, prefix: &str) -> Option<NewParty> {
        let f = |name: &str| format!("{prefix}{name}");
        let name = fields.text(&f("name"), self.name.as_deref(), 200);
        let kind = fields.required(&f("kind"), self.kind.as_deref(), PartyKind::from_code);
        let region = fields.required(&f("region"), self.region.as_deref(), RegionCode::parse);
        let credit_code = fields.optional(
            &f("credit_code"),
            self.credit_code.as_deref(),
            CreditCode::parse,
        );
        let country = fields.optional(&f("country"), self.country.as_deref(), CountryCode::parse);
        let failed = |fields: &Fields, name: &str| fields.has_error_on(&f(name));
        let failed_before: Vec<&str> = ["name", "kind", "region", "credit_code", "country"]
            .into_iter()
            .filter(|n| failed(fields, n))
            .collect();
        let party = NewParty {
            name: name.clone().unwrap_or_default(),
            credit_code,
            kind: kind.unwrap_or(PartyKind::Other),
            region: region.unwrap_or(RegionCode::ABROAD),
            nature_code: self.nature_code.clone().filter(|c| !c.trim().is_empty()),
            country,
            legal_representative: self
                .legal_representative
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
        };
        for e in party.check() {
            let stands = rule_inputs(&e.field)
                .iter()
                .all(|input| !failed_before.contains(input));
            if stands {
                fields.push(e.prefixed(prefix));
            }
        }
        (name.is_some() && kind.is_some() && region.is_some()).then_some(party)
    }
}

/// The fields a party rule about `field` reads (`NewParty::check`): its own and those that
/// decide whether it applies.
fn rule_inputs(field: &str) -> &'static [&'static str] {
    match field {
        "credit_code" => &["credit_code", "kind", "region"],
        "country" => &["country", "region"],
        "legal_representative" => &["kind"],
        "name" => &["name"],
        _ => &[],
    }
}

/// Creates a party.
#[utoipa::path(post, operation_id = "parties_create", path = "/api/v1/parties", tag = "parties", security(("bearer" = [])), request_body = PartyBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safety")),
    responses((status = 201, description = "Created", body = PartyState),
        (status = 409, description = "The credit code belongs to another party", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/parties", data = "<body>")]
pub async fn create(
    registrar: Registrar,
    idempotency: IdempotencyHeader,
    body: ApiJson<PartyBody>,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let ApiJson(body, hash) = body;
    let mut fields = Fields::new();
    let party = body.parse(&mut fields, "");
    fields.finish()?;
    let party = party.ok_or_else(|| ApiError::Internal("party without errors".into()))?;
    let request = Request {
        idempotency: idempotency.key("POST", "/api/v1/parties", &hash),
        ..Request::new(registrar.principal(), Command::CreateParty(party))
    };
    Ok(Written(ledger.execute(request).await?))
}

/// Parties by name (Chinese substring) or credit code, in creation order.
#[utoipa::path(get, operation_id = "parties_list", path = "/api/v1/parties", tag = "parties", security(("bearer" = [])),
    params(("q" = Option<String>, Query, description = "Substring of the name"),
           ("credit_code" = Option<String>, Query, description = "Exact credit code"),
           ("limit" = Option<i64>, Query, description = "1–500, default 50"),
           ("after" = Option<String>, Query, description = "Cursor from `next`")),
    responses((status = 200, description = "A page of parties", body = Page<PartyState>)))]
#[get("/parties?<q>&<credit_code>&<limit>&<after>")]
pub async fn list(
    _reader: LedgerReader,
    q: Option<&str>,
    credit_code: Option<&str>,
    limit: Option<&str>,
    after: Option<&str>,
    db: &State<Db>,
) -> ApiResult<Json<Page<PartyState>>> {
    let limit = super::query::limit(limit)?;
    let q = q
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let code = credit_code
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let after = after.map(str::to_string);
    let rows = db
        .run(move |conn| {
            party_rows::search(conn, q.as_deref(), code.as_deref(), after.as_deref(), limit)
                .map_err(crate::db::DbError::from)
        })
        .await?;
    let items = rows
        .into_iter()
        .map(PartyState::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let next = (items.len() as i64 == limit)
        .then(|| items.last().map(|p| p.id.clone()))
        .flatten();
    Ok(Json(Page { items, next }))
}

/// One party.
#[utoipa::path(get, operation_id = "parties_get_one", path = "/api/v1/parties/{id}", tag = "parties", security(("bearer" = [])),
    params(("id" = String, Path, description = "Party id")),
    responses((status = 200, description = "The party", body = PartyState), (status = 404, description = "No such party", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/parties/<id>")]
pub async fn get_one(
    _reader: LedgerReader,
    id: &str,
    db: &State<Db>,
) -> ApiResult<Json<PartyState>> {
    Ok(Json(load(db, id).await?))
}

/// Loads a party or 404.
pub async fn load(db: &Db, id: &str) -> ApiResult<PartyState> {
    let key = id.to_string();
    let row = db
        .run(move |conn| party_rows::by_id(conn, &key).map_err(crate::db::DbError::from))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("party {id} not found")))?;
    Ok(PartyState::from_row(row)?)
}

/// Changes to a party: name and region (a new version, audited).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyPatch {
    /// New name.
    pub name: Option<String>,
    /// New region.
    pub region: Option<String>,
    /// Country, when the new region is abroad (`000000`).
    pub country: Option<String>,
    /// New legal representative (`null` or empty removes it).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub legal_representative: Option<Option<String>>,
    /// Why it changed.
    pub reason: Option<String>,
}

/// Renames a party or moves it to another region (a new version; earlier contracts keep the
/// region they were registered with).
#[utoipa::path(patch, operation_id = "parties_update", path = "/api/v1/parties/{id}", tag = "parties", security(("bearer" = [])), request_body = PartyPatch,
    params(("id" = String, Path, description = "Party id")),
    responses((status = 200, description = "The new version", body = PartyState),
        (status = 404, description = "No such party", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::problem::Problem, content_type = "application/problem+json")))]
#[patch("/parties/<id>", data = "<body>")]
pub async fn update(
    registrar: Registrar,
    id: &str,
    body: ApiJson<PartyPatch>,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let body = body.0;
    let mut fields = Fields::new();
    let name = match &body.name {
        Some(_) => fields.text("name", body.name.as_deref(), 200),
        None => None,
    };
    let region = fields.optional("region", body.region.as_deref(), RegionCode::parse);
    let country = fields.optional("country", body.country.as_deref(), CountryCode::parse);
    fields.finish()?;
    let command = Command::UpdateParty(PartyUpdate {
        id: id.to_string(),
        name,
        region,
        country: body.country.as_ref().map(|_| country),
        legal_representative: body
            .legal_representative
            .map(|n| n.map(|n| n.trim().to_string()).filter(|n| !n.is_empty())),
        reason: body.reason.filter(|r| !r.trim().is_empty()),
    });
    Ok(Written(
        ledger.submit(registrar.principal(), command).await?,
    ))
}

/// One version of a party.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartyVersion {
    /// Version number.
    pub version: i32,
    /// Name.
    pub name: String,
    /// Credit code.
    pub credit_code: Option<String>,
    /// Kind.
    pub kind: String,
    /// Region.
    pub region: String,
    /// Country.
    pub country: Option<String>,
    /// Why it changed.
    pub reason: Option<String>,
    /// Who changed it.
    pub actor: Option<super::history::ActorView>,
    /// When.
    pub at: String,
    /// Its audit entry.
    pub audit_seq: i64,
    /// What changed from the previous version.
    pub diff: Vec<super::history::Change>,
}

/// Every version of a party, with who, when, why and what changed.
#[utoipa::path(get, operation_id = "parties_history", path = "/api/v1/parties/{id}/history", tag = "parties", security(("bearer" = [])),
    params(("id" = String, Path, description = "Party id")),
    responses((status = 200, description = "Versions, oldest first", body = Vec<PartyVersion>), (status = 404, description = "No such party", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/parties/<id>/history")]
pub async fn history(
    _reader: LedgerReader,
    id: &str,
    db: &State<Db>,
) -> ApiResult<Json<Vec<PartyVersion>>> {
    load(db, id).await?;
    let key = id.to_string();
    let (rows, users) = db
        .run(move |conn| {
            let rows = party_rows::versions(conn, &key)?;
            let users = crate::db::models::users::all(conn)?;
            Ok::<_, crate::db::DbError>((rows, users))
        })
        .await?;
    let actors = super::history::actor_names(&users);
    let mut previous: Option<serde_json::Value> = None;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let snapshot = serde_json::json!({
            "name": r.name, "credit_code": r.credit_code, "kind": r.kind, "region": r.region,
            "nature_code": r.nature_code, "country": r.country,
        });
        let diff = super::history::diff(previous.as_ref(), &snapshot);
        previous = Some(snapshot);
        out.push(PartyVersion {
            version: r.version,
            name: r.name,
            credit_code: r.credit_code,
            kind: r.kind,
            region: r.region,
            country: r.country,
            reason: r.reason,
            actor: r
                .actor_id
                .as_deref()
                .map(|a| super::history::actor(&actors, a)),
            at: crate::time::rfc3339(r.recorded_at),
            audit_seq: r.audit_seq,
            diff,
        });
    }
    Ok(Json(out))
}
