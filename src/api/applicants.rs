//! Applicants (申请人): users who submit contracts online for one party. Anyone may sign up
//! (`POST /api/v1/auth/sign-up`, throttled per address like failed logins) and waits, inactive,
//! until a registrar of the office they chose activates them; a registrar may also create an
//! applicant of their own office at the counter, and admins create any user.

use std::sync::Arc;

use rocket::serde::json::Json;
use rocket::{State, get, post};
use serde::Deserialize;

use super::auth::ClientAddr;
use super::json::ApiJson;
use super::problem::{ApiError, ApiResult};
use super::users::{hash, parse_credit_code, parse_office};
use super::written::{IdempotencyHeader, Written};
use crate::auth::{ApplicantManager, Passwords, Registrar, SignUpLimiter, password};
use crate::db::Db;
use crate::db::models::users as user_rows;
use crate::domain::{OfficeCode, Role};
use crate::ledger::{Command, FieldError, Ledger, NewUser, Principal, Request};
use crate::records::UserState;

/// Someone signing up as an applicant.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpBody {
    /// Login name (3–64 of letters, digits, `.`, `_`, `-`).
    pub username: Option<String>,
    /// At least 10 characters, not containing the username.
    pub password: Option<String>,
    /// The organisation (or person) the applicant acts for, as shown to the registrars.
    #[schema(example = "临沂某某科技有限公司")]
    pub display_name: Option<String>,
    /// The unified social credit code of the party the applicant submits for (the seller).
    #[schema(example = "913713001682510225")]
    pub credit_code: Option<String>,
    /// The registration office that is to activate the applicant, e.g. `371302`.
    #[schema(example = "371302")]
    pub office: Option<String>,
}

/// An applicant created by a registrar for their own office.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplicantBody {
    /// Login name.
    pub username: Option<String>,
    /// At least 10 characters, not containing the username.
    pub password: Option<String>,
    /// The organisation (or person) the applicant acts for.
    pub display_name: Option<String>,
    /// The unified social credit code of the party the applicant submits for.
    pub credit_code: Option<String>,
}

/// Every field of a new applicant, checked at once; the password hashed.
async fn new_applicant(
    passwords: &Arc<Passwords>,
    username: Option<String>,
    password: Option<String>,
    display_name: Option<String>,
    credit_code: Option<&str>,
    office: Option<OfficeCode>,
    mut errors: Vec<FieldError>,
) -> ApiResult<NewUser> {
    let required = |field: &str, value: &Option<String>, errors: &mut Vec<FieldError>| {
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            errors.push(FieldError::new(field, "required", "必填"));
        }
    };
    required("username", &username, &mut errors);
    required("password", &password, &mut errors);
    required("display_name", &display_name, &mut errors);
    if credit_code.is_none_or(|c| c.trim().is_empty()) {
        errors.push(FieldError::new("credit_code", "required", "必填"));
    }
    let credit_code = parse_credit_code(credit_code, &mut errors);
    let username = username.unwrap_or_default().trim().to_string();
    let password = password.unwrap_or_default();
    if !password.is_empty() {
        errors.extend(password::check_rules(&username, &password));
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    Ok(NewUser {
        username,
        display_name: display_name.unwrap_or_default(),
        role: Role::Applicant,
        office,
        credit_code,
        password_hash: hash(passwords, password).await?,
    })
}

/// Signs up as an applicant: the user is created inactive and can sign in once a registrar of
/// the chosen office activates them. Public; every attempt counts against the client address
/// (as many a minute as failed logins, `auth.failed_logins_per_minute`).
#[utoipa::path(post, operation_id = "auth_sign_up", path = "/api/v1/auth/sign-up", tag = "auth", request_body = SignUpBody,
    responses((status = 201, description = "Signed up, inactive until a registrar of the office activates the applicant", body = UserState),
        (status = 409, description = "Username taken", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many sign-ups from this address; see Retry-After", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/auth/sign-up", data = "<body>")]
pub async fn sign_up(
    body: ApiJson<SignUpBody>,
    client: ClientAddr,
    limiter: &State<SignUpLimiter>,
    ledger: &State<Ledger>,
    passwords: &State<Arc<Passwords>>,
) -> ApiResult<Written> {
    limiter
        .attempt(client.0)
        .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
    let body = body.0;
    let mut errors = Vec::new();
    let office = match body.office.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("office", "required", "必填"));
            None
        }
        Some(o) => parse_office(o, &mut errors),
    };
    let user = new_applicant(
        passwords,
        body.username,
        body.password,
        body.display_name,
        body.credit_code.as_deref(),
        office,
        errors,
    )
    .await?;
    Ok(Written(
        ledger
            .execute(Request::new(Principal::Public, Command::SignUp(user)))
            .await?,
    ))
}

/// The applicants of the registrar's office (admins: of every office), newest first;
/// `active=false` lists those waiting for activation.
#[utoipa::path(get, operation_id = "applicants_list", path = "/api/v1/applicants", tag = "applicants", security(("bearer" = [])),
    params(("active" = Option<bool>, Query, description = "Only active (true) or only waiting (false) applicants")),
    responses((status = 200, description = "Applicants", body = super::Page<UserState>)))]
#[get("/applicants?<active>")]
pub async fn list(
    user: ApplicantManager,
    active: Option<&str>,
    db: &State<Db>,
) -> ApiResult<Json<super::Page<UserState>>> {
    let active = match active {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            return Err(ApiError::invalid(
                "active",
                "must be true or false",
                "应为 true 或 false",
            ));
        }
    };
    let office = match user.role() {
        Role::Admin => None,
        _ => Some(
            user.office()
                .ok_or_else(|| ApiError::Forbidden("you have no registration office".into()))?
                .code()
                .to_string(),
        ),
    };
    let rows = db
        .run(move |conn| {
            user_rows::applicants(conn, office.as_deref()).map_err(crate::db::DbError::from)
        })
        .await?;
    let items = rows
        .iter()
        .filter(|r| active.is_none_or(|a| r.active == a))
        .map(UserState::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(super::Page { items, next: None }))
}

/// Creates an active applicant of the registrar's own office (one who came to the counter).
#[utoipa::path(post, operation_id = "applicants_create", path = "/api/v1/applicants", tag = "applicants", security(("bearer" = [])), request_body = NewApplicantBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safety")),
    responses((status = 201, description = "Created, active", body = UserState),
        (status = 409, description = "Username taken", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/applicants", data = "<body>")]
pub async fn create(
    registrar: Registrar,
    idempotency: IdempotencyHeader,
    body: ApiJson<NewApplicantBody>,
    ledger: &State<Ledger>,
    passwords: &State<Arc<Passwords>>,
) -> ApiResult<Written> {
    let ApiJson(body, body_hash) = body;
    let user = new_applicant(
        passwords,
        body.username,
        body.password,
        body.display_name,
        body.credit_code.as_deref(),
        registrar.office(),
        Vec::new(),
    )
    .await?;
    let request = Request {
        idempotency: idempotency.key("POST", "/api/v1/applicants", &body_hash),
        ..Request::new(registrar.principal(), Command::CreateUser(user))
    };
    Ok(Written(ledger.execute(request).await?))
}

/// Activates an applicant who signed up with the registrar's office.
#[utoipa::path(post, operation_id = "applicants_activate", path = "/api/v1/applicants/{id}/activate", tag = "applicants", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id of the applicant")),
    responses((status = 200, description = "Active", body = UserState),
        (status = 403, description = "The applicant registered with another office", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such applicant", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already active", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/applicants/<id>/activate")]
pub async fn activate(
    registrar: Registrar,
    id: &str,
    ledger: &State<Ledger>,
) -> ApiResult<Written> {
    let command = Command::ActivateApplicant { id: id.to_string() };
    Ok(Written(
        ledger.submit(registrar.principal(), command).await?,
    ))
}
