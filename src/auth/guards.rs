//! Request guards: a route names its roles in its signature (`Authorized<{ AUDITOR | ADMIN }>`),
//! and a request without a valid token, or of another role, never reaches the handler.

use rocket::http::{Method, Status};
use rocket::request::{FromRequest, Outcome, Request};

use super::{TokenIssuer, revocations};
use crate::api::problem::ApiError;
use crate::db::Db;
use crate::domain::{OfficeCode, Role};
use crate::ledger::{Actor, Principal};

/// Role bit of registrars.
pub const REGISTRAR: u8 = 1;
/// Role bit of auditors.
pub const AUDITOR: u8 = 2;
/// Role bit of officials.
pub const OFFICIAL: u8 = 4;
/// Role bit of admins.
pub const ADMIN: u8 = 8;
/// Role bit of applicants.
pub const APPLICANT: u8 = 16;
/// Every staff role: everyone but applicants, who see their own submissions and nothing else.
pub const ANY_ROLE: u8 = REGISTRAR | AUDITOR | OFFICIAL | ADMIN;

/// Registrars (write contracts and parties of their office).
pub type Registrar = Authorized<REGISTRAR>;
/// Auditors (review contracts).
pub type Auditor = Authorized<AUDITOR>;
/// Admins (users, keys).
pub type Admin = Authorized<ADMIN>;
/// Reads contracts, parties and their history (registrars, auditors, officials).
pub type LedgerReader = Authorized<{ REGISTRAR | AUDITOR | OFFICIAL }>;
/// Reads statistics, dashboards and reports (every staff role).
pub type StatsReader = Authorized<ANY_ROLE>;
/// Any staff role (code lists and templates).
pub type Staff = Authorized<ANY_ROLE>;
/// Applicants (their own submissions).
pub type Applicant = Authorized<APPLICANT>;
/// Registrars and admins (applicants of an office).
pub type ApplicantManager = Authorized<{ REGISTRAR | ADMIN }>;
/// Reads the audit trail (auditors, admins).
pub type AuditReader = Authorized<{ AUDITOR | ADMIN }>;

fn bit(role: Role) -> u8 {
    match role {
        Role::Registrar => REGISTRAR,
        Role::Auditor => AUDITOR,
        Role::Official => OFFICIAL,
        Role::Admin => ADMIN,
        Role::Applicant => APPLICANT,
    }
}

/// The name of the session cookie (its value is a login token).
pub const SESSION_COOKIE: &str = "tl_session";
/// The header a cookie session sends its CSRF token in.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// A signed-in, active user whose token generation is current.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// Who, for the ledger.
    pub actor: Actor,
    /// Name shown on pages.
    pub display_name: String,
    /// Signed in by the session cookie (pages) rather than a bearer token.
    pub via_cookie: bool,
    /// The session's CSRF token.
    pub csrf: String,
    /// The token's id (`jti`), what signing out revokes.
    pub token_id: String,
    /// When the token expires.
    pub token_expires: chrono::NaiveDateTime,
}

impl AuthUser {
    /// The principal for ledger commands.
    pub fn principal(&self) -> Principal {
        Principal::User(self.actor.clone())
    }

    /// The user's role.
    pub fn role(&self) -> Role {
        self.actor.role
    }

    /// The user's office.
    pub fn office(&self) -> Option<OfficeCode> {
        self.actor.office
    }
}

/// Keeps a guard's error for the catcher, which Rocket calls without it.
pub struct GuardError(pub std::sync::Mutex<Option<ApiError>>);

/// Remembers why a guard failed, for the catcher to answer with.
pub fn remember(req: &Request<'_>, error: ApiError) {
    let slot = req.local_cache(|| GuardError(std::sync::Mutex::new(None)));
    if let Ok(mut s) = slot.0.lock() {
        *s = Some(error);
    }
}

/// Takes the error a guard left for the catcher.
pub fn take_remembered(req: &Request<'_>) -> Option<ApiError> {
    let slot = req.local_cache(|| GuardError(std::sync::Mutex::new(None)));
    slot.0.lock().ok().and_then(|mut s| s.take())
}

/// Why a request was not let through (cloneable, so it can be cached per request).
#[derive(Debug, Clone)]
enum Denied {
    Unauthorized(String),
    Forbidden(String),
    Internal(String),
    /// The database cannot be reached.
    Unavailable(String),
}

impl Denied {
    fn status(&self) -> Status {
        match self {
            Denied::Unauthorized(_) => Status::Unauthorized,
            Denied::Forbidden(_) => Status::Forbidden,
            Denied::Internal(_) => Status::InternalServerError,
            Denied::Unavailable(_) => Status::ServiceUnavailable,
        }
    }

    fn error(&self) -> ApiError {
        match self {
            Denied::Unauthorized(m) => ApiError::Unauthorized(m.clone()),
            Denied::Forbidden(m) => ApiError::Forbidden(m.clone()),
            Denied::Internal(m) => ApiError::Internal(m.clone()),
            Denied::Unavailable(m) => ApiError::DatabaseUnavailable(m.clone()),
        }
    }
}

fn deny<T>(req: &Request<'_>, denied: &Denied) -> Outcome<T, ApiError> {
    remember(req, denied.error());
    Outcome::Error((denied.status(), denied.error()))
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AuthUser {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        match req.local_cache_async(authenticate(req)).await {
            Ok(user) => Outcome::Success(user.clone()),
            Err(denied) => deny(req, denied),
        }
    }
}

async fn authenticate(req: &Request<'_>) -> Result<AuthUser, Denied> {
    let invalid = || Denied::Unauthorized("the token is invalid or expired".into());
    let (token, via_cookie) = match req.headers().get_one("Authorization") {
        Some(value) => match value.strip_prefix("Bearer ") {
            Some(t) => (t.trim().to_string(), false),
            None => {
                return Err(Denied::Unauthorized(
                    "the Authorization header must be `Bearer <token>`".into(),
                ));
            }
        },
        None => match req.cookies().get(SESSION_COOKIE) {
            Some(c) => (c.value().to_string(), true),
            None => return Err(Denied::Unauthorized("sign in: no token was sent".into())),
        },
    };
    let issuer = req
        .rocket()
        .state::<TokenIssuer>()
        .ok_or_else(|| Denied::Internal("no token issuer".into()))?;
    let claims = issuer.verify(&token).map_err(|_| invalid())?;
    if via_cookie && !matches!(req.method(), Method::Get | Method::Head | Method::Options) {
        let sent = req.headers().get_one(CSRF_HEADER);
        if sent != Some(claims.csrf.as_str()) {
            return Err(Denied::Forbidden(
                "missing or wrong CSRF token (send the page's token in X-CSRF-Token)".into(),
            ));
        }
    }
    let db = req
        .rocket()
        .state::<Db>()
        .ok_or_else(|| Denied::Internal("no database".into()))?;
    let (sub, jti) = (claims.sub.clone(), claims.jti.clone());
    let (row, revoked) = db
        .run(move |conn| {
            revocations::user_and_revoked(conn, &sub, &jti).map_err(crate::db::DbError::from)
        })
        .await
        .map_err(|e: crate::db::DbError| {
            if e.is_unreachable() {
                Denied::Unavailable(e.to_string())
            } else {
                Denied::Internal(e.to_string())
            }
        })?
        .ok_or_else(invalid)?;
    if revoked || !row.active || row.token_generation != claims.tgen {
        return Err(Denied::Unauthorized(
            "the token was revoked; sign in again".into(),
        ));
    }
    let role = Role::from_code(&row.role)
        .map_err(|_| Denied::Internal(format!("user {} has a bad role", row.id)))?;
    let office = row
        .office
        .as_deref()
        .and_then(|o| OfficeCode::parse(o).ok());
    Ok(AuthUser {
        actor: Actor {
            id: row.id,
            username: row.username,
            role,
            office,
        },
        display_name: row.display_name,
        via_cookie,
        csrf: claims.csrf,
        token_id: claims.jti,
        token_expires: chrono::DateTime::from_timestamp(claims.exp, 0)
            .map(|t| t.naive_utc())
            .ok_or_else(invalid)?,
    })
}

/// A user whose role is one of the bits in `ROLES`.
#[derive(Debug, Clone)]
pub struct Authorized<const ROLES: u8>(pub AuthUser);

impl<const ROLES: u8> std::ops::Deref for Authorized<ROLES> {
    type Target = AuthUser;

    fn deref(&self) -> &AuthUser {
        &self.0
    }
}

#[rocket::async_trait]
impl<'r, const ROLES: u8> FromRequest<'r> for Authorized<ROLES> {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        match AuthUser::from_request(req).await {
            Outcome::Success(user) if bit(user.role()) & ROLES != 0 => {
                Outcome::Success(Authorized(user))
            }
            Outcome::Success(user) => deny(
                req,
                &Denied::Forbidden(format!("the {} role may not do this", user.role().code())),
            ),
            Outcome::Error(e) => Outcome::Error(e),
            Outcome::Forward(s) => Outcome::Forward(s),
        }
    }
}
