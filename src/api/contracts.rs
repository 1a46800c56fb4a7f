//! Contracts (技术合同): register, find, read, amend, void, approve/refuse large contracts,
//! review, history (the CSV export is `contracts_csv`).

use rocket::serde::json::Json;
use rocket::{FromForm, State, get, post};
use serde::{Deserialize, Serialize};

use super::fields::Fields;
use super::json::{ApiJson, BodyHash, OptionalJson};
use super::parties::PartyBody;
use super::problem::{ApiError, ApiResult};
use super::written::{IdempotencyHeader, Written};
use crate::auth::{Auditor, LedgerReader, Registrar};
use crate::db::models::contracts::{self as contract_rows, ContractFilter, ContractOrder, Cursor};
use crate::db::{Db, DbError};
use crate::domain::PhoneNumber;
use crate::domain::{
    ContractStatus, ContractType, IpType, Money, OfficeCode, RegistrationNo, ReviewState, Subtype,
    TechField,
};
use crate::ledger::{
    Command, ContractAmendment, ContractParticulars, Ledger, NewContract, PartyRef, Request,
};
use crate::records::{Contact, ContractState, TechnicalSplit};

/// A contract to register. Seller and buyer are given by id, or inline (matched on the credit
/// code; created when new).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractBody {
    /// Title of the contract.
    pub title: Option<String>,
    /// development | transfer | licensing | consulting | service.
    pub contract_type: Option<String>,
    /// Sub-type code valid for the type (domain.md Part A).
    pub subtype: Option<String>,
    /// An existing seller.
    pub seller_id: Option<String>,
    /// An existing buyer.
    pub buyer_id: Option<String>,
    /// The seller's fields (instead of `seller_id`).
    pub seller: Option<PartyBody>,
    /// The buyer's fields (instead of `buyer_id`).
    pub buyer: Option<PartyBody>,
    /// Signing date, YYYY-MM-DD.
    pub signed_on: Option<String>,
    /// End of validity, YYYY-MM-DD.
    pub valid_until: Option<String>,
    /// 合同成交额 in yuan, a decimal string with at most 2 decimals.
    #[schema(example = "1250000.00")]
    pub contract_amount: Option<String>,
    /// 技术交易额 in yuan, never above the contract amount.
    #[schema(example = "1000000.00")]
    pub technical_amount: Option<String>,
    /// Technical field code.
    pub tech_field: Option<String>,
    /// IP type code.
    pub ip_type: Option<String>,
    /// The registering office, optional: it is always the registrar's own (a client may send
    /// back the contract object it read); another office's code is refused with 403.
    #[schema(example = "371302")]
    pub office: Option<String>,
    /// The contract number the parties gave it (合同编号).
    pub party_contract_no: Option<String>,
    /// The seller's contact person for this contract.
    pub seller_contact: Option<ContactBody>,
    /// The buyer's contact person for this contract.
    pub buyer_contact: Option<ContactBody>,
    /// The technical amount split (development, transfer and licensing contracts only); the
    /// two parts add up to the technical amount.
    pub technical_split: Option<SplitBody>,
    /// Register it although a live contract has the same seller, buyer, type, amounts and
    /// signing date (without it such a registration is refused, 422 naming this field).
    pub confirm_duplicate: Option<bool>,
}

/// A contact person with a mainland telephone number.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    /// Name.
    pub name: Option<String>,
    /// Mobile (13812345678), landline with area code (0539-8123456[-ext]) or 400/800 number.
    pub phone: Option<String>,
}

impl ContactBody {
    /// Parses, naming errors under `field` (`seller_contact`).
    pub fn parse(&self, f: &mut Fields, field: &str) -> Option<Contact> {
        let name = f.text(&format!("{field}.name"), self.name.as_deref(), 50);
        let phone = f.required(
            &format!("{field}.phone"),
            self.phone.as_deref(),
            PhoneNumber::parse,
        );
        Some(Contact {
            name: name?,
            phone: phone?,
        })
    }
}

/// The two parts of a technical amount, decimal strings in yuan.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitBody {
    /// The development, transfer or licence itself (技术开发/转让/许可价款).
    #[schema(example = "800000.00")]
    pub principal: Option<String>,
    /// The related technical consulting and services (相关技术咨询、技术服务价款).
    #[schema(example = "200000.00")]
    pub related_services: Option<String>,
}

impl SplitBody {
    /// Parses both parts.
    pub fn parse(&self, f: &mut Fields) -> Option<TechnicalSplit> {
        let principal = f.required(
            "technical_split.principal",
            self.principal.as_deref(),
            Money::parse,
        );
        let related_services = f.required(
            "technical_split.related_services",
            self.related_services.as_deref(),
            Money::parse,
        );
        Some(TechnicalSplit {
            principal: principal?,
            related_services: related_services?,
        })
    }
}

/// An optional own contract number: blank means none.
fn own_number(f: &mut Fields, value: Option<&str>) -> Option<String> {
    match value.map(str::trim) {
        None | Some("") => None,
        Some(v) => f.text("party_contract_no", Some(v), 64),
    }
}

fn party_ref(
    fields: &mut Fields,
    side: &str,
    id: &Option<String>,
    inline: &Option<PartyBody>,
) -> Option<PartyRef> {
    match (
        id.as_deref().map(str::trim).filter(|s| !s.is_empty()),
        inline,
    ) {
        (Some(id), None) => fields
            .optional_id(&format!("{side}_id"), Some(id))
            .map(PartyRef::Id),
        (None, Some(body)) => body
            .parse(fields, &format!("{side}."))
            .map(PartyRef::Inline),
        (Some(_), Some(_)) => {
            fields.push(crate::ledger::FieldError::new(
                format!("{side}_id"),
                format!("give {side}_id or {side}, not both"),
                "只能填写主体编号或主体信息之一",
            ));
            None
        }
        (None, None) => {
            fields.push(crate::ledger::FieldError::new(
                format!("{side}_id"),
                format!("required: {side}_id, or {side} with the party's fields"),
                "必须指定合同主体",
            ));
            None
        }
    }
}

impl ContractBody {
    /// Refuses (403, naming `office`) a valid office code other than the registrar's own; an
    /// invalid code is left to [`ContractBody::parse`] (422).
    pub fn check_office(&self, own: Option<OfficeCode>) -> Result<(), ApiError> {
        let Some(Ok(office)) = self
            .office
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(OfficeCode::parse)
        else {
            return Ok(());
        };
        if own == Some(office) {
            return Ok(());
        }
        Err(ApiError::ForbiddenFields {
            detail: format!(
                "registrars register contracts for their own office only, not {}",
                office.code()
            ),
            errors: vec![crate::ledger::FieldError::new(
                "office",
                match own {
                    Some(own) => format!(
                        "you register for office {} only; leave the field out or give {}",
                        own.code(),
                        own.code()
                    ),
                    None => "you have no registration office".to_string(),
                },
                match own {
                    Some(own) => format!("您只能为本登记点（{}）登记合同", own.name_zh()),
                    None => "您没有所属登记点".to_string(),
                },
            )],
        })
    }

    /// Parses every field, recording every error.
    pub fn parse(&self) -> Result<NewContract, ApiError> {
        let mut f = Fields::new();
        // The office is the registrar's own (checked by `check_office`); only its form is
        // checked here.
        let _office = f.optional("office", self.office.as_deref(), OfficeCode::parse);
        let title = f.text("title", self.title.as_deref(), 300);
        let contract_type = f.required(
            "contract_type",
            self.contract_type.as_deref(),
            ContractType::from_code,
        );
        let subtype = match contract_type {
            Some(t) => f.optional("subtype", self.subtype.as_deref(), |s| Subtype::parse(t, s)),
            None => None,
        };
        let seller = party_ref(&mut f, "seller", &self.seller_id, &self.seller);
        let buyer = party_ref(&mut f, "buyer", &self.buyer_id, &self.buyer);
        let signed_on = f.date("signed_on", self.signed_on.as_deref());
        let valid_until = f.optional_date("valid_until", self.valid_until.as_deref());
        let contract_amount = f.required(
            "contract_amount",
            self.contract_amount.as_deref(),
            Money::parse,
        );
        let technical_amount = f.required(
            "technical_amount",
            self.technical_amount.as_deref(),
            Money::parse,
        );
        let tech_field = f.required(
            "tech_field",
            self.tech_field.as_deref(),
            TechField::from_code,
        );
        let ip_type = f.required("ip_type", self.ip_type.as_deref(), IpType::from_code);
        let particulars = ContractParticulars {
            party_contract_no: own_number(&mut f, self.party_contract_no.as_deref()),
            seller_contact: self
                .seller_contact
                .as_ref()
                .and_then(|c| c.parse(&mut f, "seller_contact")),
            buyer_contact: self
                .buyer_contact
                .as_ref()
                .and_then(|c| c.parse(&mut f, "buyer_contact")),
            technical_split: self.technical_split.as_ref().and_then(|s| s.parse(&mut f)),
        };
        if let (Some(c), Some(t)) = (contract_amount, technical_amount)
            && t > c
        {
            f.push(crate::ledger::FieldError::new(
                "technical_amount",
                format!("the technical amount ({t}) may not exceed the contract amount ({c})"),
                format!("技术交易额（{t}元）不能高于合同成交额（{c}元）"),
            ));
        }
        let incomplete = f.has_errors();
        f.finish()?;
        let (
            Some(title),
            Some(contract_type),
            Some(seller),
            Some(buyer),
            Some(signed_on),
            Some(contract_amount),
            Some(technical_amount),
            Some(tech_field),
            Some(ip_type),
        ) = (
            title,
            contract_type,
            seller,
            buyer,
            signed_on,
            contract_amount,
            technical_amount,
            tech_field,
            ip_type,
        )
        else {
            return Err(ApiError::Internal(format!(
                "incomplete contract without errors ({incomplete})"
            )));
        };
        Ok(NewContract {
            title,
            contract_type,
            subtype,
            seller,
            buyer,
            signed_on,
            valid_until,
            contract_amount,
            technical_amount,
            tech_field,
            ip_type,
            particulars,
            registered_at: None,
            approved_by: None,
        })
    }
}

async fn execute(
    ledger: &Ledger,
    principal: crate::ledger::Principal,
    command: Command,
    idempotency: &IdempotencyHeader,
    path: &str,
    body: &BodyHash,
) -> ApiResult<Written> {
    execute_request(ledger, principal, command, idempotency, path, body, false).await
}

async fn execute_request(
    ledger: &Ledger,
    principal: crate::ledger::Principal,
    command: Command,
    idempotency: &IdempotencyHeader,
    path: &str,
    body: &BodyHash,
    confirm_duplicate: bool,
) -> ApiResult<Written> {
    let request = Request {
        idempotency: idempotency.key("POST", path, body),
        confirm_duplicate,
        ..Request::new(principal, command)
    };
    Ok(Written(ledger.execute(request).await?))
}

/// Registers a contract for the registrar's office. It is `registered` with its number at
/// once, unless its technical amount is at or above the large-contract threshold: then it is
/// `pending`, without a number, and counts nowhere until a second registrar of the office
/// approves it. `office` may be given, and must then be the registrar's own.
#[utoipa::path(post, operation_id = "contracts_create", path = "/api/v1/contracts", tag = "contracts", security(("bearer" = [])), request_body = ContractBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safety: the same key and body return the first answer")),
    responses((status = 201, description = "Registered or pending, with `receipt`: the path of its receipt", body = ContractState),
        (status = 403, description = "Not a registrar, or `office` names another office (named in `errors`)", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency key reused with another body", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/contracts", data = "<body>")]
pub async fn create(
    registrar: Registrar,
    idempotency: IdempotencyHeader,
    body: ApiJson<ContractBody>,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let ApiJson(body, hash) = body;
    body.check_office(registrar.office())?;
    let contract = body.parse()?;
    let mut written = execute_request(
        ledger,
        registrar.principal(),
        Command::RegisterContract(contract),
        &idempotency,
        "/api/v1/contracts",
        &hash,
        body.confirm_duplicate.unwrap_or(false),
    )
    .await?;
    // Where its receipt (its entry proven in a signed checkpoint) is to be had.
    if let Some(body) = written.0.body.as_object_mut()
        && let Some(id) = body.get("id").and_then(|v| v.as_str()).map(str::to_string)
    {
        body.insert(
            "receipt".into(),
            format!("/api/v1/contracts/{id}/receipt").into(),
        );
    }
    Ok(written)
}

/// Filters of the contract list, as query parameters.
#[derive(Debug, Default, FromForm)]
pub struct ListQuery<'r> {
    year: Option<&'r str>,
    office: Option<&'r str>,
    contract_type: Option<&'r str>,
    tech_field: Option<&'r str>,
    status: Option<&'r str>,
    review: Option<&'r str>,
    party: Option<&'r str>,
    q: Option<&'r str>,
    signed_from: Option<&'r str>,
    signed_to: Option<&'r str>,
    sort: Option<&'r str>,
    limit: Option<&'r str>,
    after: Option<&'r str>,
}

impl ListQuery<'_> {
    /// The filter, every bad parameter named.
    pub fn filter(&self) -> ApiResult<ContractFilter> {
        let mut f = Fields::new();
        let code =
            |f: &mut Fields,
             name: &str,
             v: Option<&str>,
             check: &dyn Fn(&str) -> Result<String, crate::domain::UnknownCode>| {
                f.optional(name, v, check)
            };
        let filter = ContractFilter {
            year: match self.year {
                None | Some("") => None,
                Some(y) => Some(super::query::int("year", Some(y), 0, 2000, 2999)? as i32),
            },
            office: code(&mut f, "office", self.office, &|s| {
                OfficeCode::parse(s).map(|o| o.code().to_string())
            }),
            contract_type: code(&mut f, "contract_type", self.contract_type, &|s| {
                ContractType::from_code(s).map(|o| o.code().to_string())
            }),
            tech_field: code(&mut f, "tech_field", self.tech_field, &|s| {
                TechField::from_code(s).map(|o| o.code().to_string())
            }),
            status: code(&mut f, "status", self.status, &|s| {
                ContractStatus::from_code(s).map(|o| o.code().to_string())
            }),
            review: code(&mut f, "review", self.review, &|s| {
                ReviewState::from_code(s).map(|o| o.code().to_string())
            }),
            party: self
                .party
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            q: self
                .q
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(100).collect()),
            signed_from: f.optional_date("signed_from", self.signed_from),
            signed_to: f.optional_date("signed_to", self.signed_to),
        };
        f.finish()?;
        Ok(filter)
    }

    /// The order and the cursor to start after.
    pub fn order(&self) -> ApiResult<(ContractOrder, Option<Cursor>)> {
        let order = match self.sort {
            None | Some("") | Some("newest") => ContractOrder::Newest,
            Some("amount_desc") => ContractOrder::Largest,
            Some(_) => {
                return Err(ApiError::invalid(
                    "sort",
                    "newest or amount_desc",
                    "排序应为 newest 或 amount_desc",
                ));
            }
        };
        let cursor = match self.after.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(a) => Some(Cursor::parse(order, a).ok_or_else(|| {
                ApiError::invalid("after", "not a cursor of this list", "分页游标无效")
            })?),
        };
        Ok((order, cursor))
    }
}

/// A contract with its parties' names, as lists and the detail view show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContractView {
    /// The contract.
    #[serde(flatten)]
    pub contract: ContractState,
    /// The seller's current name.
    pub seller_name: String,
    /// The buyer's current name.
    pub buyer_name: String,
    /// The seller's unified social credit code (统一社会信用代码), if it has one.
    pub seller_credit_code: Option<String>,
    /// The buyer's unified social credit code, if it has one.
    pub buyer_credit_code: Option<String>,
    /// The seller's legal representative, as the party records it now.
    pub seller_legal_representative: Option<String>,
    /// The buyer's legal representative, as the party records it now.
    pub buyer_legal_representative: Option<String>,
    /// Display name of the registrar who recorded it.
    pub created_by_name: String,
    /// Display name of the second registrar who approved it, if any.
    pub approved_by_name: Option<String>,
    /// Whether it was loaded from a registration office's records of the past: registered
    /// before it was recorded here (only the operator's shell loads such registrations).
    pub historical: bool,
}

/// Adds party names to contract rows (one query for all of them).
pub fn with_names(
    conn: &mut crate::db::DbConn,
    rows: Vec<crate::db::models::contracts::ContractRow>,
) -> Result<Vec<ContractView>, ApiError> {
    use crate::db::schema::parties;
    use diesel::prelude::*;
    let mut ids: Vec<String> = rows
        .iter()
        .flat_map(|r| [r.seller_id.clone(), r.buyer_id.clone()])
        .collect();
    ids.sort();
    ids.dedup();
    type Named = (String, Option<String>, Option<String>);
    let names: std::collections::HashMap<String, Named> = parties::table
        .filter(parties::id.eq_any(&ids))
        .select((
            parties::id,
            parties::name,
            parties::credit_code,
            parties::legal_representative,
        ))
        .load::<(String, String, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, name, code, legal)| (id, (name, code, legal)))
        .collect();
    let mut authors: Vec<String> = rows
        .iter()
        .flat_map(|r| std::iter::once(r.created_by.clone()).chain(r.approved_by.clone()))
        .collect();
    authors.sort();
    authors.dedup();
    let author_names: std::collections::HashMap<String, String> = crate::db::schema::users::table
        .filter(crate::db::schema::users::id.eq_any(&authors))
        .select((
            crate::db::schema::users::id,
            crate::db::schema::users::display_name,
        ))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let details = contract_rows::details_of(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let (seller_name, seller_credit_code, seller_legal_representative) =
                names.get(&r.seller_id).cloned().unwrap_or_default();
            let (buyer_name, buyer_credit_code, buyer_legal_representative) =
                names.get(&r.buyer_id).cloned().unwrap_or_default();
            let created_by_name = author_names.get(&r.created_by).cloned().unwrap_or_default();
            let approved_by_name = r
                .approved_by
                .as_ref()
                .and_then(|id| author_names.get(id).cloned());
            let historical = r.registered_at.is_some_and(|at| at < r.created_at);
            let row_details = details.get(&r.id);
            Ok(ContractView {
                contract: ContractState::from_row(r)?.with_details(row_details)?,
                seller_name,
                buyer_name,
                seller_credit_code,
                buyer_credit_code,
                seller_legal_representative,
                buyer_legal_representative,
                created_by_name,
                approved_by_name,
                historical,
            })
        })
        .collect()
}

/// What every contract matching a list's filters adds up to (all pages, not only this one).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListTotals {
    /// How many contracts match.
    #[schema(example = 1234)]
    pub count: i64,
    /// Their contract amounts (合同成交额) added up, yuan, exact.
    #[schema(example = "98765432.10")]
    pub contract_amount: String,
    /// Their technical amounts (技术交易额) added up, yuan, exact.
    #[schema(example = "87654321.00")]
    pub technical_amount: String,
}

impl From<contract_rows::ContractTotals> for ListTotals {
    fn from(t: contract_rows::ContractTotals) -> ListTotals {
        ListTotals {
            count: t.count,
            contract_amount: crate::domain::money::yuan_exact(t.contract_fen),
            technical_amount: crate::domain::money::yuan_exact(t.technical_fen),
        }
    }
}

/// A page of the contract list: the API's usual `items` and `next`, the totals of the whole
/// filtered list, and the audit seq both reflect, all read in one snapshot.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContractPage {
    /// The contracts of this page.
    pub items: Vec<ContractView>,
    /// Cursor of the next page (`?after=`), or null on the last page.
    pub next: Option<String>,
    /// Count and amount sums of every contract the filters match.
    pub totals: ListTotals,
    /// The audit entry the page and the totals reflect: the chain's head in the snapshot they
    /// were read in (on a read replica it may trail the primary's).
    #[schema(example = 4711)]
    pub audit_seq: i64,
}

/// Contracts matching the filters, newest first (or largest first), a page at a time, with the
/// count and amount sums of all of them. The page and the totals are read in one snapshot (on
/// the read replica when one is configured), so they agree with each other.
#[utoipa::path(get, operation_id = "contracts_list", path = "/api/v1/contracts", tag = "contracts", security(("bearer" = [])),
    params(
        ("year" = Option<i32>, Query, description = "Registration year"),
        ("office" = Option<String>, Query, description = "Registering office code"),
        ("contract_type" = Option<String>, Query, description = "Type code"),
        ("tech_field" = Option<String>, Query, description = "Technical field code"),
        ("status" = Option<String>, Query, description = "pending | registered | refused | voided"),
        ("review" = Option<String>, Query, description = "unreviewed | confirmed | disputed"),
        ("party" = Option<String>, Query, description = "Seller or buyer id"),
        ("q" = Option<String>, Query, description = "Substring of the title, registration number or a party's name"),
        ("signed_from" = Option<String>, Query, description = "Signed on or after (YYYY-MM-DD)"),
        ("signed_to" = Option<String>, Query, description = "Signed on or before (YYYY-MM-DD)"),
        ("sort" = Option<String>, Query, description = "newest (default) or amount_desc"),
        ("limit" = Option<i64>, Query, description = "1–500, default 50"),
        ("after" = Option<String>, Query, description = "Cursor from `next`"),
    ),
    responses((status = 200, description = "A page of contracts and the totals of all that match", body = ContractPage),
        (status = 422, description = "A bad filter, page size or cursor, named", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/contracts?<query..>")]
pub async fn list(
    _reader: LedgerReader,
    query: ListQuery<'_>,
    read: &State<crate::app::ReadDb>,
) -> ApiResult<Json<ContractPage>> {
    let db = &read.0;
    let filter = query.filter()?;
    let (order, cursor) = query.order()?;
    let limit = super::query::limit(query.limit)?;
    let page = db
        .run(move |conn| {
            crate::db::read_snapshot(conn, |conn| {
                let audit_seq = crate::audit::chain::read_head(conn)
                    .map_err(DbError::from)?
                    .seq;
                let totals = contract_rows::totals(conn, &filter).map_err(DbError::from)?;
                // One row more than the page tells whether another page follows, so that
                // `next` is null on the last page even when it is full.
                let mut rows =
                    contract_rows::list_ordered(conn, &filter, order, cursor.as_ref(), limit + 1)
                        .map_err(DbError::from)?;
                let more = rows.len() as i64 > limit;
                rows.truncate(limit as usize);
                let next = more
                    .then(|| rows.last().map(|r| Cursor::after(order, r)))
                    .flatten();
                Ok::<_, ApiError>(ContractPage {
                    items: with_names(conn, rows)?,
                    next,
                    totals: totals.into(),
                    audit_seq,
                })
            })
        })
        .await?;
    Ok(Json(page))
}

/// Loads a contract view or 404.
pub async fn load(db: &Db, id: &str) -> ApiResult<ContractView> {
    let key = id.to_string();
    let mut views = db
        .run(move |conn| {
            let row = contract_rows::by_id(conn, &key).map_err(DbError::from)?;
            with_names(conn, row.into_iter().collect())
        })
        .await?;
    views
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("contract {id} not found")))
}

/// One contract.
#[utoipa::path(get, operation_id = "contracts_get_one", path = "/api/v1/contracts/{id}", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Contract id")),
    responses((status = 200, description = "The contract", body = ContractView), (status = 404, description = "No such contract", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/contracts/<id>")]
pub async fn get_one(
    _reader: LedgerReader,
    id: &str,
    db: &State<Db>,
) -> ApiResult<Json<ContractView>> {
    Ok(Json(load(db, id).await?))
}

/// The contract with a registration number.
#[utoipa::path(get, operation_id = "contracts_by_number", path = "/api/v1/contracts/by-number/{registration_no}", tag = "contracts", security(("bearer" = [])),
    params(("registration_no" = String, Path, description = "16-digit registration number")),
    responses((status = 200, description = "The contract", body = ContractView), (status = 404, description = "No such contract", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/contracts/by-number/<registration_no>")]
pub async fn by_number(
    _reader: LedgerReader,
    registration_no: &str,
    db: &State<Db>,
) -> ApiResult<Json<ContractView>> {
    let no = RegistrationNo::parse(registration_no)
        .map_err(|_| ApiError::not_found(format!("no contract numbered {registration_no}")))?;
    let key = no.as_str().to_string();
    let mut views = db
        .run(move |conn| {
            let row = contract_rows::by_registration_no(conn, &key).map_err(DbError::from)?;
            with_names(conn, row.into_iter().collect())
        })
        .await?;
    views
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no contract numbered {registration_no}")))
}

/// Changes to a contract; absent fields stay as they are. A reason is required.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentBody {
    /// New title.
    pub title: Option<String>,
    /// New type.
    pub contract_type: Option<String>,
    /// New sub-type (`null` removes it).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub subtype: Option<Option<String>>,
    /// New seller id.
    pub seller_id: Option<String>,
    /// New buyer id.
    pub buyer_id: Option<String>,
    /// New signing date.
    pub signed_on: Option<String>,
    /// New end of validity (`null` removes it).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub valid_until: Option<Option<String>>,
    /// New contract amount.
    pub contract_amount: Option<String>,
    /// New technical amount.
    pub technical_amount: Option<String>,
    /// New technical field.
    pub tech_field: Option<String>,
    /// New IP type.
    pub ip_type: Option<String>,
    /// New own contract number (`null` removes it).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub party_contract_no: Option<Option<String>>,
    /// New seller contact (`null` removes it).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<ContactBody>)]
    pub seller_contact: Option<Option<ContactBody>>,
    /// New buyer contact (`null` removes it).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<ContactBody>)]
    pub buyer_contact: Option<Option<ContactBody>>,
    /// New technical amount split (`null` removes it).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<SplitBody>)]
    pub technical_split: Option<Option<SplitBody>>,
    /// Why (变更原因), required.
    pub reason: Option<String>,
}

/// Amends a contract: a new version with a reason; amounts may go up or down. The new version
/// is unreviewed. A registered contract whose technical amount is left or put at or above the
/// large-contract threshold goes back to `pending` (keeping its number; out of the totals until
/// another registrar approves it); a pending one brought below the threshold is registered.
#[utoipa::path(post, operation_id = "contracts_amend", path = "/api/v1/contracts/{id}/amendments", tag = "contracts", security(("bearer" = [])), request_body = AmendmentBody,
    params(("id" = String, Path, description = "Contract id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry safety")),
    responses((status = 200, description = "The new version", body = ContractState),
        (status = 403, description = "Another office's contract", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The contract is voided or refused", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/contracts/<id>/amendments", data = "<body>")]
pub async fn amend(
    registrar: Registrar,
    id: &str,
    idempotency: IdempotencyHeader,
    body: ApiJson<AmendmentBody>,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let ApiJson(body, hash) = body;
    let mut f = Fields::new();
    let title = match &body.title {
        Some(_) => f.text("title", body.title.as_deref(), 300),
        None => None,
    };
    let contract_type = f.optional(
        "contract_type",
        body.contract_type.as_deref(),
        ContractType::from_code,
    );
    let signed_on = f.optional_date("signed_on", body.signed_on.as_deref());
    let valid_until = body
        .valid_until
        .as_ref()
        .map(|v| f.optional_date("valid_until", v.as_deref()));
    let contract_amount = f.optional(
        "contract_amount",
        body.contract_amount.as_deref(),
        Money::parse,
    );
    let technical_amount = f.optional(
        "technical_amount",
        body.technical_amount.as_deref(),
        Money::parse,
    );
    let tech_field = f.optional(
        "tech_field",
        body.tech_field.as_deref(),
        TechField::from_code,
    );
    let ip_type = f.optional("ip_type", body.ip_type.as_deref(), IpType::from_code);
    let reason = f.paragraph("reason", body.reason.as_deref(), 1000);
    let seller_id = f.optional_id("seller_id", body.seller_id.as_deref());
    let buyer_id = f.optional_id("buyer_id", body.buyer_id.as_deref());
    let party_contract_no = body
        .party_contract_no
        .as_ref()
        .map(|n| own_number(&mut f, n.as_deref()));
    let seller_contact = body
        .seller_contact
        .as_ref()
        .map(|c| c.as_ref().and_then(|c| c.parse(&mut f, "seller_contact")));
    let buyer_contact = body
        .buyer_contact
        .as_ref()
        .map(|c| c.as_ref().and_then(|c| c.parse(&mut f, "buyer_contact")));
    let technical_split = body
        .technical_split
        .as_ref()
        .map(|s| s.as_ref().and_then(|s| s.parse(&mut f)));
    f.finish()?;
    let command = Command::AmendContract(ContractAmendment {
        id: id.to_string(),
        title,
        contract_type,
        subtype: body
            .subtype
            .map(|s| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())),
        seller_id,
        buyer_id,
        signed_on,
        valid_until,
        contract_amount,
        technical_amount,
        tech_field,
        ip_type,
        party_contract_no,
        seller_contact,
        buyer_contact,
        technical_split,
        reason: reason.unwrap_or_default(),
    });
    let path = format!("/api/v1/contracts/{id}/amendments");
    execute(
        ledger,
        registrar.principal(),
        command,
        &idempotency,
        &path,
        &hash,
    )
    .await
}

/// A reason (void, refuse).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why.
    pub reason: Option<String>,
}

/// Voids (注销) a contract: its amounts leave every total.
#[utoipa::path(post, operation_id = "contracts_void", path = "/api/v1/contracts/{id}/void", tag = "contracts", security(("bearer" = [])), request_body = ReasonBody,
    params(("id" = String, Path, description = "Contract id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry safety")),
    responses((status = 200, description = "Voided", body = ContractState),
        (status = 403, description = "Another office's contract", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already voided or refused", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/contracts/<id>/void", data = "<body>")]
pub async fn void(
    registrar: Registrar,
    id: &str,
    idempotency: IdempotencyHeader,
    body: ApiJson<ReasonBody>,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let ApiJson(body, hash) = body;
    let mut f = Fields::new();
    let reason = f.paragraph("reason", body.reason.as_deref(), 1000);
    f.finish()?;
    let command = Command::VoidContract {
        id: id.to_string(),
        reason: reason.unwrap_or_default(),
    };
    let path = format!("/api/v1/contracts/{id}/void");
    execute(
        ledger,
        registrar.principal(),
        command,
        &idempotency,
        &path,
        &hash,
    )
    .await
}

/// The version an approver saw (`If-Match: "n"` says the same).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// The contract's `version` as the approver read it; another current version is a 409.
    #[schema(example = 1)]
    pub version: Option<i32>,
}

/// The version an approval names: in the body or in `If-Match` (both: they must agree).
fn approved_version(body: Option<&ApproveBody>, if_match: &IfMatch) -> ApiResult<i32> {
    let in_header = match &if_match.0 {
        None => None,
        Some(value) => Some(version_tag(value).ok_or_else(|| {
            ApiError::invalid(
                "If-Match",
                "give the version you saw as an entity tag: If-Match: \"3\"",
                "If-Match 应为您所查看的版本号，如 If-Match: \"3\"",
            )
        })?),
    };
    let in_body = body.and_then(|b| b.version);
    match (in_body, in_header) {
        (Some(v), _) | (None, Some(v)) if v < 1 => Err(ApiError::invalid(
            "version",
            "versions start at 1",
            "版本号从1开始",
        )),
        (Some(b), Some(h)) if b != h => Err(ApiError::invalid(
            "version",
            format!("the body names version {b} and If-Match version {h}"),
            format!("请求体中的版本（{b}）与 If-Match 中的版本（{h}）不一致"),
        )),
        (Some(v), _) | (None, Some(v)) => Ok(v),
        (None, None) => Err(ApiError::invalid(
            "version",
            "required: the version of the contract you approve (or If-Match: \"n\")",
            "必须注明所复核的合同版本",
        )),
    }
}

/// `"3"` → 3: one strong entity tag holding a version (a weak tag, `*` or a list never names
/// the version approved).
fn version_tag(value: &str) -> Option<i32> {
    let digits = value.trim().strip_prefix('"')?.strip_suffix('"')?;
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The `If-Match` header, if sent (more than one is refused as unreadable).
#[derive(Debug)]
pub struct IfMatch(Option<String>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for IfMatch {
    type Error = std::convert::Infallible;

    async fn from_request(
        req: &'r rocket::Request<'_>,
    ) -> rocket::request::Outcome<Self, Self::Error> {
        let mut values = req.headers().get("If-Match");
        let value = match (values.next(), values.next()) {
            (None, _) => None,
            (Some(one), None) => Some(one.to_string()),
            // Two headers are a list, which names no single version.
            (Some(_), Some(_)) => Some(String::new()),
        };
        rocket::request::Outcome::Success(IfMatch(value))
    }
}

/// Approves a pending large contract: registered (with its number; a contract sent back for
/// approval by an amendment keeps the number it had). The approver names the version they saw
/// — `{"version": n}` or `If-Match: "n"` — and must be a registrar of its office who neither
/// recorded it nor amended it while it was pending.
#[utoipa::path(post, operation_id = "contracts_approve", path = "/api/v1/contracts/{id}/approve", tag = "contracts", security(("bearer" = [])),
    request_body(content = ApproveBody, description = "The version approved; may be left out when If-Match names it"),
    params(("id" = String, Path, description = "Contract id"),
        ("If-Match" = Option<String>, Header, description = "The version approved as an entity tag, `\"3\"` (instead of the body)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safety")),
    responses((status = 200, description = "Registered, with its number", body = ContractState),
        (status = 403, description = "You recorded or amended it, or it is another office's", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending (`not_pending`), or the contract is no longer at the version approved (`stale_version`)", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No version, or an unreadable one (`version`, `If-Match`)", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/contracts/<id>/approve", data = "<body>")]
pub async fn approve(
    registrar: Registrar,
    id: &str,
    if_match: IfMatch,
    idempotency: IdempotencyHeader,
    body: OptionalJson<ApproveBody>,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let version = approved_version(body.0.as_ref(), &if_match)?;
    let path = format!("/api/v1/contracts/{id}/approve");
    // The same approval however the version was sent, for the idempotency key.
    let request = BodyHash(crate::audit::entry::sha256_hex(
        format!("{{\"version\":{version}}}").as_bytes(),
    ));
    execute(
        ledger,
        registrar.principal(),
        Command::ApproveContract {
            id: id.to_string(),
            version,
        },
        &idempotency,
        &path,
        &request,
    )
    .await
}

/// Refuses a pending large contract, with a reason.
#[utoipa::path(post, operation_id = "contracts_refuse", path = "/api/v1/contracts/{id}/refuse", tag = "contracts", security(("bearer" = [])), request_body = ReasonBody,
    params(("id" = String, Path, description = "Contract id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry safety")),
    responses((status = 200, description = "Refused", body = ContractState),
        (status = 403, description = "Your own contract, or another office's", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/contracts/<id>/refuse", data = "<body>")]
pub async fn refuse(
    registrar: Registrar,
    id: &str,
    idempotency: IdempotencyHeader,
    body: ApiJson<ReasonBody>,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let ApiJson(body, hash) = body;
    let mut f = Fields::new();
    let reason = f.paragraph("reason", body.reason.as_deref(), 1000);
    f.finish()?;
    let command = Command::RefuseContract {
        id: id.to_string(),
        reason: reason.unwrap_or_default(),
    };
    let path = format!("/api/v1/contracts/{id}/refuse");
    execute(
        ledger,
        registrar.principal(),
        command,
        &idempotency,
        &path,
        &hash,
    )
    .await
}

/// An auditor's review.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// confirmed | disputed.
    pub verdict: Option<String>,
    /// The auditor's note (required for a dispute).
    pub note: Option<String>,
}

/// Reviews a contract (auditors): confirmed, or disputed with a note. A disputed contract
/// stays counted but is flagged everywhere.
#[utoipa::path(post, operation_id = "contracts_review", path = "/api/v1/contracts/{id}/reviews", tag = "contracts", security(("bearer" = [])), request_body = ReviewBody,
    params(("id" = String, Path, description = "Contract id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry safety")),
    responses((status = 201, description = "The review", body = crate::records::ReviewRecord),
        (status = 403, description = "Not an auditor", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not reviewable (pending or refused)", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/contracts/<id>/reviews", data = "<body>")]
pub async fn review(
    auditor: Auditor,
    id: &str,
    idempotency: IdempotencyHeader,
    body: ApiJson<ReviewBody>,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let ApiJson(body, hash) = body;
    let mut f = Fields::new();
    let verdict = f.required("verdict", body.verdict.as_deref(), ReviewState::from_code);
    f.finish()?;
    let command = Command::ReviewContract {
        id: id.to_string(),
        verdict: verdict.unwrap_or(ReviewState::Unreviewed),
        note: body.note.unwrap_or_default(),
    };
    let path = format!("/api/v1/contracts/{id}/reviews");
    execute(
        ledger,
        auditor.principal(),
        command,
        &idempotency,
        &path,
        &hash,
    )
    .await
}

/// One version of a contract.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    /// Version number.
    pub version: i32,
    /// register | amend | approve | refuse | void.
    pub change: String,
    /// Status after the change.
    pub status: String,
    /// Why (amend, refuse, void).
    pub reason: Option<String>,
    /// Who.
    pub actor: super::history::ActorView,
    /// When (RFC 3339).
    pub at: String,
    /// Its audit entry.
    pub audit_seq: i64,
    /// The contract's fields in this version.
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
    /// What changed from the previous version.
    pub diff: Vec<super::history::Change>,
}

/// One review of a contract.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    /// Review id.
    pub id: String,
    /// confirmed | disputed.
    pub verdict: String,
    /// The auditor's note.
    pub note: String,
    /// The version reviewed.
    pub contract_version: i32,
    /// The auditor.
    pub reviewer: super::history::ActorView,
    /// When.
    pub at: String,
    /// Its audit entry.
    pub audit_seq: i64,
}

/// A contract's whole history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContractHistory {
    /// The contract as it stands.
    pub contract: ContractView,
    /// Every version, oldest first.
    pub versions: Vec<VersionView>,
    /// Every review, oldest first.
    pub reviews: Vec<ReviewView>,
}

/// Every version (with a field-by-field diff) and every review of a contract, each with who,
/// when, why and its audit entry.
#[utoipa::path(get, operation_id = "contracts_history", path = "/api/v1/contracts/{id}/history", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Contract id")),
    responses((status = 200, description = "The history", body = ContractHistory), (status = 404, description = "No such contract", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/contracts/<id>/history", rank = 2)]
pub async fn history(
    _reader: LedgerReader,
    id: &str,
    db: &State<Db>,
) -> ApiResult<Json<ContractHistory>> {
    let contract = load(db, id).await?;
    let key = id.to_string();
    let (versions, reviews, users) = db
        .run(move |conn| {
            Ok::<_, DbError>((
                contract_rows::versions(conn, &key)?,
                contract_rows::reviews_of(conn, &key)?,
                crate::db::models::users::all(conn)?,
            ))
        })
        .await?;
    let names = super::history::actor_names(&users);
    let mut previous: Option<serde_json::Value> = None;
    let mut out = Vec::with_capacity(versions.len());
    for v in versions {
        let fields = serde_json::json!({
            "registration_no": v.registration_no,
            "status": v.status,
            "title": v.title,
            "contract_type": v.contract_type,
            "subtype": v.subtype,
            "seller_id": v.seller_id,
            "buyer_id": v.buyer_id,
            "signed_on": v.signed_on.to_string(),
            "valid_until": v.valid_until.map(|d| d.to_string()),
            "contract_amount": Money::from_fen(v.contract_amount_fen).map(|m| m.to_string()).unwrap_or_default(),
            "technical_amount": Money::from_fen(v.technical_amount_fen).map(|m| m.to_string()).unwrap_or_default(),
            "tech_field": v.tech_field,
            "ip_type": v.ip_type,
            "party_contract_no": v.party_contract_no,
            "seller_contact": v.seller_contact_name.as_ref().map(|n| format!("{n} {}", v.seller_contact_phone.as_deref().unwrap_or(""))),
            "buyer_contact": v.buyer_contact_name.as_ref().map(|n| format!("{n} {}", v.buyer_contact_phone.as_deref().unwrap_or(""))),
            "technical_split": v.principal_fen.zip(v.related_services_fen).map(|(p, r)| {
                format!(
                    "{} + {}",
                    Money::from_fen(p).map(|m| m.to_string()).unwrap_or_default(),
                    Money::from_fen(r).map(|m| m.to_string()).unwrap_or_default()
                )
            }),
        });
        let diff = super::history::diff(previous.as_ref(), &fields);
        previous = Some(fields.clone());
        out.push(VersionView {
            version: v.version,
            change: v.change,
            status: v.status,
            reason: v.reason,
            actor: super::history::actor(&names, &v.actor_id),
            at: crate::time::rfc3339(v.recorded_at),
            audit_seq: v.audit_seq,
            fields,
            diff,
        });
    }
    let reviews = reviews
        .into_iter()
        .map(|r| ReviewView {
            reviewer: super::history::actor(&names, &r.reviewer_id),
            id: r.id,
            verdict: r.verdict,
            note: r.note,
            contract_version: r.contract_version,
            at: crate::time::rfc3339(r.recorded_at),
            audit_seq: r.audit_seq,
        })
        .collect();
    Ok(Json(ContractHistory {
        contract,
        versions: out,
        reviews,
    }))
}
