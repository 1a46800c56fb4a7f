//! A user of techledger.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::models::users::UserRow;
use crate::db::models::{CorruptRow, column};
use crate::domain::{CreditCode, OfficeCode, Role};

/// The key, in every `user.*` audit payload, of [`password_hash_digest`] of the hash the row
/// holds after the change.
pub const PASSWORD_DIGEST_KEY: &str = "password_hash_sha256";

/// Lower-case hex SHA-256 of an argon2 PHC string. The audit payload carries this instead of
/// the hash, so that reconciliation finds a hash swapped behind the application's back; it
/// gives a password guesser nothing (checking a guess needs the salt, which is in the hash).
pub fn password_hash_digest(password_hash: &str) -> String {
    crate::audit::entry::sha256_hex(password_hash.as_bytes())
}

/// A user as the API shows it and the audit trail records it — never with a password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserState {
    /// UUID.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Name shown on pages.
    pub display_name: String,
    /// registrar | auditor | official | admin | applicant.
    #[schema(value_type = String, example = "registrar")]
    pub role: Role,
    /// Registration office (registrars; an applicant's is the office that activates them and
    /// where they submit by default).
    #[schema(value_type = Option<String>, example = "371302")]
    pub office: Option<OfficeCode>,
    /// The unified social credit code of the party an applicant submits for (applicants only;
    /// absent for everyone else, and in the entries of users made before applicants existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "913713001682510225")]
    pub credit_code: Option<CreditCode>,
    /// Can log in.
    pub active: bool,
    /// Tokens issued under an older generation no longer work.
    pub token_generation: i64,
    /// Created.
    #[serde(with = "super::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Last changed.
    #[serde(with = "super::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
    /// seq of the audit entry of the last change.
    pub audit_seq: i64,
}

impl UserState {
    /// The row, with the given password hash.
    pub fn to_row(&self, password_hash: String) -> UserRow {
        UserRow {
            id: self.id.clone(),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role.code().to_string(),
            office: self.office.map(|o| o.code().to_string()),
            password_hash,
            active: self.active,
            token_generation: self.token_generation,
            created_at: self.created_at,
            updated_at: self.updated_at,
            audit_seq: self.audit_seq,
            credit_code: self.credit_code.as_ref().map(|c| c.as_str().to_string()),
        }
    }

    /// Reads a row back.
    pub fn from_row(row: &UserRow) -> Result<UserState, CorruptRow> {
        let t = "users";
        Ok(UserState {
            id: row.id.clone(),
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            role: column(t, &row.id, "role", &row.role, Role::from_code)?,
            office: row
                .office
                .as_deref()
                .map(|o| column(t, &row.id, "office", o, OfficeCode::parse))
                .transpose()?,
            credit_code: row
                .credit_code
                .as_deref()
                .map(|c| column(t, &row.id, "credit_code", c, CreditCode::parse))
                .transpose()?,
            active: row.active,
            token_generation: row.token_generation,
            created_at: row.created_at,
            updated_at: row.updated_at,
            audit_seq: row.audit_seq,
        })
    }
}
