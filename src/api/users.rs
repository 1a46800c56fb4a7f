//! Users: `POST /api/v1/users`, `GET /api/v1/users`, `GET`/`PATCH /api/v1/users/{id}` — admins
//! only; every change is an audit entry (never with the password or its hash).

use std::sync::Arc;

use rocket::serde::json::Json;
use rocket::{State, get, patch, post};
use serde::Deserialize;

use super::json::ApiJson;
use super::problem::{ApiError, ApiResult};
use super::written::{IdempotencyHeader, Written};
pub use crate::auth::guards::Admin;
use crate::auth::{Passwords, password};
use crate::db::Db;
use crate::db::models::users as user_rows;
use crate::domain::{CreditCode, OfficeCode, Role};
use crate::ledger::{Command, FieldError, Ledger, NewUser, Request, UserUpdate, user_field_rules};
use crate::records::UserState;

/// A new user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// Login name (3–64 of letters, digits, `.`, `_`, `-`).
    pub username: String,
    /// At least 10 characters, not containing the username.
    pub password: String,
    /// registrar | auditor | official | admin | applicant.
    pub role: String,
    /// Registration office (required for registrars and applicants), e.g. `371302`.
    pub office: Option<String>,
    /// Name shown on pages.
    pub display_name: Option<String>,
    /// The unified social credit code of the party an applicant submits for (applicants only).
    pub credit_code: Option<String>,
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// New role (revokes the user's tokens).
    pub role: Option<String>,
    /// New office; `null` removes it (revokes the user's tokens).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub office: Option<Option<String>>,
    /// Deactivate (`false`, revokes every token at once) or reactivate.
    pub active: Option<bool>,
    /// New password (revokes the user's tokens).
    pub password: Option<String>,
    /// New display name.
    pub display_name: Option<String>,
}

fn parse_role(value: &str, errors: &mut Vec<FieldError>) -> Option<Role> {
    Role::from_code(value)
        .map_err(|e| errors.push(FieldError::from_domain("role", &e)))
        .ok()
}

/// An office code, its error recorded.
pub fn parse_office(value: &str, errors: &mut Vec<FieldError>) -> Option<OfficeCode> {
    OfficeCode::parse(value)
        .map_err(|e| errors.push(FieldError::from_domain("office", &e)))
        .ok()
}

/// An optional credit code (blank is none), its error recorded.
pub fn parse_credit_code(value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<CreditCode> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    CreditCode::parse(value)
        .map_err(|e| errors.push(FieldError::from_domain("credit_code", &e)))
        .ok()
}

/// Whether a form field was filled in (valid or not).
fn given(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty())
}

/// Adds the rule errors about fields that have no error yet (a mistyped office is invalid, not
/// also missing).
fn add_unless_named(errors: &mut Vec<FieldError>, rules: Vec<FieldError>) {
    for e in rules {
        if !errors.iter().any(|known| known.field == e.field) {
            errors.push(e);
        }
    }
}

/// The argon2id hash of a password, made off the async workers.
pub async fn hash(passwords: &Arc<Passwords>, password: String) -> ApiResult<String> {
    let hashing = Arc::clone(passwords);
    rocket::tokio::task::spawn_blocking(move || hashing.hash(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Creates a user.
#[utoipa::path(post, operation_id = "users_create", path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = NewUserBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safety")),
    responses((status = 201, description = "Created", body = UserState),
        (status = 409, description = "Username taken", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::problem::Problem, content_type = "application/problem+json")))]
#[post("/users", data = "<body>")]
pub async fn create(
    admin: Admin,
    idempotency: IdempotencyHeader,
    body: ApiJson<NewUserBody>,
    ledger: &State<Ledger>,
    passwords: &State<Arc<Passwords>>,
) -> ApiResult<Written> {
    let ApiJson(body, body_hash) = body;
    let mut errors = Vec::new();
    let role = parse_role(&body.role, &mut errors);
    let office = body
        .office
        .as_deref()
        .and_then(|o| parse_office(o, &mut errors));
    let credit_code = parse_credit_code(body.credit_code.as_deref(), &mut errors);
    errors.extend(password::check_rules(&body.username, &body.password));
    if let Some(role) = role {
        let rules = user_field_rules(
            Some(&body.username),
            Some(body.display_name.as_deref().unwrap_or(&body.username)),
            role,
            given(body.office.as_deref()),
            given(body.credit_code.as_deref()),
        );
        add_unless_named(&mut errors, rules);
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let Some(role) = role else {
        return Err(ApiError::Invalid(errors));
    };
    let password_hash = hash(passwords, body.password).await?;
    let command = Command::CreateUser(NewUser {
        display_name: body.display_name.unwrap_or_else(|| body.username.clone()),
        username: body.username,
        role,
        office,
        credit_code,
        password_hash,
    });
    let request = Request {
        principal: admin.principal(),
        command,
        idempotency: idempotency.key("POST", "/api/v1/users", &body_hash),
        dry_run: false,
        historical: false,
        confirm_duplicate: false,
    };
    Ok(Written(ledger.execute(request).await?))
}

/// Every user.
#[utoipa::path(get, operation_id = "users_list", path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, description = "Users by username", body = super::Page<UserState>)))]
#[get("/users")]
pub async fn list(_admin: Admin, db: &State<Db>) -> ApiResult<Json<super::Page<UserState>>> {
    let rows = db
        .run(|conn| user_rows::all(conn).map_err(crate::db::DbError::from))
        .await?;
    let items = rows
        .iter()
        .map(UserState::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(super::Page { items, next: None }))
}

/// One user.
#[utoipa::path(get, operation_id = "users_get_one", path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "The user", body = UserState), (status = 404, description = "No such user", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/users/<id>")]
pub async fn get_one(_admin: Admin, id: &str, db: &State<Db>) -> ApiResult<Json<UserState>> {
    let id = id.to_string();
    let shown = id.clone();
    let row = db
        .run(move |conn| user_rows::by_id(conn, &id).map_err(crate::db::DbError::from))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {shown} not found")))?;
    Ok(Json(UserState::from_row(&row)?))
}

/// Changes a user's role, office, activity, password or display name.
#[utoipa::path(patch, operation_id = "users_update", path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), request_body = UserPatch,
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "Changed", body = UserState),
        (status = 404, description = "No such user", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last active admin cannot be demoted or deactivated", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::problem::Problem, content_type = "application/problem+json")))]
#[patch("/users/<id>", data = "<body>")]
pub async fn update(
    admin: Admin,
    id: &str,
    body: ApiJson<UserPatch>,
    ledger: &State<Ledger>,
    db: &State<Db>,
    passwords: &State<Arc<Passwords>>,
) -> ApiResult<Written> {
    let body = body.0;
    let mut errors = Vec::new();
    let role = body
        .role
        .as_deref()
        .and_then(|r| parse_role(r, &mut errors));
    let office_given = body.office.as_ref().map(|o| given(o.as_deref()));
    let office = body
        .office
        .map(|o| o.and_then(|o| parse_office(&o, &mut errors)));
    let lookup = id.to_string();
    let current = db
        .run(move |conn| user_rows::by_id(conn, &lookup).map_err(crate::db::DbError::from))
        .await?;
    if let Some(p) = &body.password {
        let username = current
            .as_ref()
            .map(|u| u.username.clone())
            .unwrap_or_default();
        errors.extend(password::check_rules(&username, p));
    }
    if let Some(row) = current
        .as_ref()
        .filter(|_| body.role.is_none() || role.is_some())
    {
        let now = UserState::from_row(row)?;
        let has_office = office_given.unwrap_or(now.office.is_some());
        let rules = user_field_rules(
            None,
            body.display_name.as_deref(),
            role.unwrap_or(now.role),
            has_office,
            now.credit_code.is_some(),
        );
        // A PATCH cannot bind or unbind a party: the ledger answers a role change into or out
        // of "applicant" with its own error on the role.
        let rules = rules
            .into_iter()
            .filter(|e| e.field != "credit_code")
            .collect();
        add_unless_named(&mut errors, rules);
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let password_hash = match body.password {
        Some(p) => Some(hash(passwords, p).await?),
        None => None,
    };
    let command = Command::UpdateUser(UserUpdate {
        id: id.to_string(),
        display_name: body.display_name,
        role,
        office,
        active: body.active,
        password_changed: password_hash.is_some(),
        password_hash,
        revoke_tokens: false,
    });
    Ok(Written(ledger.submit(admin.principal(), command).await?))
}
