//! A technology contract (技术合同).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::db::models::contracts::{ContractDetailsRow, ContractRow};
use crate::db::models::{CorruptRow, column};
use crate::domain::{
    ContractStatus, ContractType, Flow, IpType, Money, OfficeCode, PartyKind, PhoneNumber,
    RegionCode, RegistrationNo, ReviewState, Subtype, TechField,
};

/// The contact person of one side of a contract (联系人), with a telephone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Name.
    #[schema(example = "王建国")]
    pub name: String,
    /// Mainland telephone number in its written form.
    #[schema(value_type = String, example = "0539-8123456")]
    pub phone: PhoneNumber,
}

/// The technical amount (技术交易额, 技术性收入) of a development, transfer or licensing contract
/// split into the price of the technology itself and of the related technical consulting and
/// services (与之相关的技术咨询、技术服务, which the tax rules treat with it); the two add up to
/// the technical amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TechnicalSplit {
    /// The development, transfer or licence itself (技术开发/转让/许可价款), yuan.
    #[schema(value_type = String, example = "800000.00")]
    pub principal: Money,
    /// The related technical consulting and services (相关技术咨询、技术服务价款), yuan.
    #[schema(value_type = String, example = "200000.00")]
    pub related_services: Money,
}

/// A contract as the API shows it and the audit trail records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractState {
    /// UUID.
    pub id: String,
    /// 16-digit registration number, once registered (kept while an amended contract waits for
    /// a fresh approval).
    #[schema(value_type = Option<String>, example = "2026371302000123")]
    pub registration_no: Option<RegistrationNo>,
    /// Title of the contract.
    pub title: String,
    /// development | transfer | licensing | consulting | service.
    #[schema(value_type = String, example = "development")]
    pub contract_type: ContractType,
    /// Sub-type code, valid for the type (domain.md Part A).
    #[schema(value_type = Option<String>, example = "commissioned")]
    pub subtype: Option<String>,
    /// Seller (the party that registers: developer, transferor, licensor, contractor).
    pub seller_id: String,
    /// Buyer.
    pub buyer_id: String,
    /// Signing date.
    #[schema(value_type = String, format = Date)]
    pub signed_on: NaiveDate,
    /// End of validity.
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<NaiveDate>,
    /// 合同成交额, yuan.
    #[schema(value_type = String, example = "1250000.00")]
    pub contract_amount: Money,
    /// 技术交易额, yuan; never above the contract amount.
    #[schema(value_type = String, example = "1000000.00")]
    pub technical_amount: Money,
    /// Technical field code.
    #[schema(value_type = String, example = "advanced_manufacturing")]
    pub tech_field: TechField,
    /// IP type code.
    #[schema(value_type = String, example = "patent")]
    pub ip_type: IpType,
    /// Registering office (Linyi district or zone code).
    #[schema(value_type = String, example = "371302")]
    pub office: OfficeCode,
    /// pending | registered | refused | voided.
    #[schema(value_type = String, example = "registered")]
    pub status: ContractStatus,
    /// unreviewed | confirmed | disputed.
    #[schema(value_type = String, example = "unreviewed")]
    pub review: ReviewState,
    /// Version, from 1; every register, amend, approve, refuse or void adds one.
    pub version: i32,
    /// Seller's region as registered.
    #[schema(value_type = String, example = "310115")]
    pub seller_region: RegionCode,
    /// Seller's kind as registered.
    #[schema(value_type = String, example = "university")]
    pub seller_kind: PartyKind,
    /// Buyer's region as registered.
    #[schema(value_type = String, example = "371302")]
    pub buyer_region: RegionCode,
    /// Buyer's kind as registered.
    #[schema(value_type = String, example = "enterprise")]
    pub buyer_kind: PartyKind,
    /// local | outflow | inflow | other (from Linyi's point of view).
    #[schema(value_type = String, example = "inflow")]
    pub flow: Flow,
    /// Counts toward achievements introduced from the Yangtze River Delta, Jinan and Qingdao.
    pub introduced: bool,
    /// Registrar who recorded it.
    pub created_by: String,
    /// Recorded.
    #[serde(with = "super::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Registered (numbered); the year and month it counts in, in Asia/Shanghai (kept while an
    /// amended contract waits for a fresh approval).
    #[serde(with = "super::timestamp::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub registered_at: Option<NaiveDateTime>,
    /// Second registrar who approved the version that stands (large contracts); none while it
    /// is pending.
    pub approved_by: Option<String>,
    /// Last changed.
    #[serde(with = "super::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
    /// seq of the audit entry of the last change.
    pub audit_seq: i64,
    /// The contract number the parties gave it (合同编号), not the registration number.
    #[serde(default)]
    pub party_contract_no: Option<String>,
    /// The seller's contact person for this contract.
    #[serde(default)]
    pub seller_contact: Option<Contact>,
    /// The buyer's contact person for this contract.
    #[serde(default)]
    pub buyer_contact: Option<Contact>,
    /// The technical amount split (development, transfer and licensing contracts).
    #[serde(default)]
    pub technical_split: Option<TechnicalSplit>,
}

impl ContractState {
    /// Its details row, when it has any details.
    pub fn details_row(&self) -> Option<ContractDetailsRow> {
        if self.party_contract_no.is_none()
            && self.seller_contact.is_none()
            && self.buyer_contact.is_none()
            && self.technical_split.is_none()
        {
            return None;
        }
        Some(ContractDetailsRow {
            contract_id: self.id.clone(),
            party_contract_no: self.party_contract_no.clone(),
            seller_contact_name: self.seller_contact.as_ref().map(|c| c.name.clone()),
            seller_contact_phone: self
                .seller_contact
                .as_ref()
                .map(|c| c.phone.as_str().to_string()),
            buyer_contact_name: self.buyer_contact.as_ref().map(|c| c.name.clone()),
            buyer_contact_phone: self
                .buyer_contact
                .as_ref()
                .map(|c| c.phone.as_str().to_string()),
            principal_fen: self.technical_split.map(|s| s.principal.fen()),
            related_services_fen: self.technical_split.map(|s| s.related_services.fen()),
        })
    }

    /// The state read from its row (`from_row`) completed with its details row.
    pub fn with_details(
        mut self,
        row: Option<&ContractDetailsRow>,
    ) -> Result<ContractState, CorruptRow> {
        let Some(row) = row else { return Ok(self) };
        let t = "contract_details";
        let id = row.contract_id.clone();
        let contact =
            |name: &Option<String>, phone: &Option<String>, column_name: &'static str| match (
                name, phone,
            ) {
                (Some(name), Some(phone)) => column(t, &id, column_name, phone, |p| {
                    PhoneNumber::parse(p).map(|phone| Contact {
                        name: name.clone(),
                        phone,
                    })
                })
                .map(Some),
                _ => Ok(None),
            };
        let money = |name: &'static str, fen: i64| {
            column(t, &id, name, &fen.to_string(), |_| Money::from_fen(fen))
        };
        self.party_contract_no = row.party_contract_no.clone();
        self.seller_contact = contact(
            &row.seller_contact_name,
            &row.seller_contact_phone,
            "seller_contact_phone",
        )?;
        self.buyer_contact = contact(
            &row.buyer_contact_name,
            &row.buyer_contact_phone,
            "buyer_contact_phone",
        )?;
        self.technical_split = match (row.principal_fen, row.related_services_fen) {
            (Some(p), Some(r)) => Some(TechnicalSplit {
                principal: money("principal_fen", p)?,
                related_services: money("related_services_fen", r)?,
            }),
            _ => None,
        };
        Ok(self)
    }

    /// Whether its amounts count in the statistics.
    pub fn counts(&self) -> bool {
        self.status == ContractStatus::Registered
    }

    /// The (year, month) it counts in, once registered.
    pub fn period(&self) -> Option<(i32, u32)> {
        self.registered_at.map(crate::time::shanghai_period)
    }

    /// The row this state is stored as.
    pub fn to_row(&self) -> ContractRow {
        let period = self.period();
        ContractRow {
            id: self.id.clone(),
            registration_no: self
                .registration_no
                .as_ref()
                .map(|n| n.as_str().to_string()),
            office: self.office.code().to_string(),
            status: self.status.code().to_string(),
            review: self.review.code().to_string(),
            version: self.version,
            title: self.title.clone(),
            contract_type: self.contract_type.code().to_string(),
            subtype: self.subtype.clone(),
            seller_id: self.seller_id.clone(),
            buyer_id: self.buyer_id.clone(),
            signed_on: self.signed_on,
            valid_until: self.valid_until,
            contract_amount_fen: self.contract_amount.fen(),
            technical_amount_fen: self.technical_amount.fen(),
            tech_field: self.tech_field.code().to_string(),
            ip_type: self.ip_type.code().to_string(),
            seller_region: self.seller_region.as_str().to_string(),
            seller_kind: self.seller_kind.code().to_string(),
            buyer_region: self.buyer_region.as_str().to_string(),
            buyer_kind: self.buyer_kind.code().to_string(),
            flow: self.flow.code().to_string(),
            introduced: self.introduced,
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            registered_at: self.registered_at,
            registered_year: period.map(|p| p.0),
            registered_month: period.map(|p| p.1 as i32),
            approved_by: self.approved_by.clone(),
            updated_at: self.updated_at,
            audit_seq: self.audit_seq,
        }
    }

    /// Reads a row back, refusing values no valid write could have stored.
    pub fn from_row(row: ContractRow) -> Result<ContractState, CorruptRow> {
        let t = "contracts";
        let id = row.id.clone();
        let contract_type = column(
            t,
            &id,
            "contract_type",
            &row.contract_type,
            ContractType::from_code,
        )?;
        let money = |name: &'static str, fen: i64| {
            column(t, &id, name, &fen.to_string(), |s| {
                s.parse::<i64>()
                    .map_err(|_| ())
                    .and_then(|f| Money::from_fen(f).map_err(|_| ()))
            })
        };
        let state = ContractState {
            registration_no: row
                .registration_no
                .as_deref()
                .map(|n| column(t, &id, "registration_no", n, RegistrationNo::parse))
                .transpose()?,
            subtype: row
                .subtype
                .as_deref()
                .map(|s| {
                    column(t, &id, "subtype", s, |s| {
                        Subtype::parse(contract_type, s).map(|st| st.code().to_string())
                    })
                })
                .transpose()?,
            contract_type,
            contract_amount: money("contract_amount_fen", row.contract_amount_fen)?,
            technical_amount: money("technical_amount_fen", row.technical_amount_fen)?,
            tech_field: column(t, &id, "tech_field", &row.tech_field, TechField::from_code)?,
            ip_type: column(t, &id, "ip_type", &row.ip_type, IpType::from_code)?,
            office: column(t, &id, "office", &row.office, OfficeCode::parse)?,
            status: column(t, &id, "status", &row.status, ContractStatus::from_code)?,
            review: column(t, &id, "review", &row.review, ReviewState::from_code)?,
            seller_region: column(
                t,
                &id,
                "seller_region",
                &row.seller_region,
                RegionCode::parse,
            )?,
            seller_kind: column(
                t,
                &id,
                "seller_kind",
                &row.seller_kind,
                PartyKind::from_code,
            )?,
            buyer_region: column(t, &id, "buyer_region", &row.buyer_region, RegionCode::parse)?,
            buyer_kind: column(t, &id, "buyer_kind", &row.buyer_kind, PartyKind::from_code)?,
            flow: column(t, &id, "flow", &row.flow, Flow::from_code)?,
            id: row.id,
            title: row.title,
            seller_id: row.seller_id,
            buyer_id: row.buyer_id,
            signed_on: row.signed_on,
            valid_until: row.valid_until,
            version: row.version,
            introduced: row.introduced,
            created_by: row.created_by,
            created_at: row.created_at,
            registered_at: row.registered_at,
            approved_by: row.approved_by,
            updated_at: row.updated_at,
            audit_seq: row.audit_seq,
            party_contract_no: None,
            seller_contact: None,
            buyer_contact: None,
            technical_split: None,
        };
        Ok(state)
    }
}
