//! A contract party (合同主体).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::models::parties::PartyRow;
use crate::db::models::{CorruptRow, column};
use crate::domain::{CountryCode, CreditCode, PartyKind, RegionCode};

/// A party as the API shows it and the audit trail records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyState {
    /// UUID.
    pub id: String,
    /// Name (legal name for organisations).
    pub name: String,
    /// 18-character unified social credit code; absent for individuals and foreign parties.
    #[schema(value_type = Option<String>, example = "913713001682510225")]
    pub credit_code: Option<CreditCode>,
    /// enterprise | university | research_institute | individual | other.
    #[schema(value_type = String, example = "enterprise")]
    pub kind: PartyKind,
    /// GB/T 2260 code; `000000` abroad.
    #[schema(value_type = String, example = "371302")]
    pub region: RegionCode,
    /// 3-digit party-nature code of the registration form.
    pub nature_code: Option<String>,
    /// ISO 3166-1 alpha-3, for foreign parties.
    #[schema(value_type = Option<String>)]
    pub country: Option<CountryCode>,
    /// Legal representative (法定代表人) of an organisation; none for individuals.
    #[serde(default)]
    pub legal_representative: Option<String>,
    /// Version, from 1; every update adds one.
    pub version: i32,
    /// User who created it.
    pub created_by: Option<String>,
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

impl PartyState {
    /// The row this state is stored as.
    pub fn to_row(&self) -> PartyRow {
        PartyRow {
            id: self.id.clone(),
            name: self.name.clone(),
            credit_code: self.credit_code.as_ref().map(|c| c.as_str().to_string()),
            kind: self.kind.code().to_string(),
            region: self.region.as_str().to_string(),
            nature_code: self.nature_code.clone(),
            country: self.country.as_ref().map(|c| c.as_str().to_string()),
            legal_representative: self.legal_representative.clone(),
            version: self.version,
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            audit_seq: self.audit_seq,
        }
    }

    /// Reads a row back, refusing values no valid write could have stored.
    pub fn from_row(row: PartyRow) -> Result<PartyState, CorruptRow> {
        let id = row.id.clone();
        let t = "parties";
        Ok(PartyState {
            credit_code: row
                .credit_code
                .as_deref()
                .map(|c| column(t, &id, "credit_code", c, CreditCode::parse))
                .transpose()?,
            kind: column(t, &id, "kind", &row.kind, PartyKind::from_code)?,
            region: column(t, &id, "region", &row.region, RegionCode::parse)?,
            country: row
                .country
                .as_deref()
                .map(|c| column(t, &id, "country", c, CountryCode::parse))
                .transpose()?,
            id: row.id,
            name: row.name,
            nature_code: row.nature_code,
            legal_representative: row.legal_representative,
            version: row.version,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            audit_seq: row.audit_seq,
        })
    }
}
