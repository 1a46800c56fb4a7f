//! The commands of the write path. Inputs arrive here already parsed into domain types (the
//! API and the importer build them); what needs the database is checked by the handlers.
//! Each command serialises into the `command` part of its audit payload — never with a
//! password or a password hash.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::FieldError;
use crate::domain::{
    ContractType, CountryCode, CreditCode, IpType, Money, OfficeCode, PartyKind, RegionCode,
    ReviewState, Role, Subtype, TechField,
};
use crate::records::{Contact, TechnicalSplit};

/// Every change the ledger knows.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// `user.create`.
    CreateUser(NewUser),
    /// `user.update`.
    UpdateUser(UserUpdate),
    /// `user.sign_up`: someone not signed in asks to become an applicant (created inactive).
    SignUp(NewUser),
    /// `user.activate`: a registrar of the office lets a signed-up applicant in.
    ActivateApplicant {
        /// User id.
        id: String,
    },
    /// `party.create`.
    CreateParty(NewParty),
    /// `party.update`.
    UpdateParty(PartyUpdate),
    /// `contract.register` (and `party.create` for new inline parties).
    RegisterContract(NewContract),
    /// `contract.amend`.
    AmendContract(ContractAmendment),
    /// `contract.approve`: a second registrar registers a large contract.
    ApproveContract {
        /// Contract id.
        id: String,
        /// The version the approver saw; another current version is a conflict.
        version: i32,
    },
    /// `contract.refuse`: a second registrar refuses a large contract.
    RefuseContract {
        /// Contract id.
        id: String,
        /// Why.
        reason: String,
    },
    /// `contract.void`: cancellation (注销); its amounts leave every total.
    VoidContract {
        /// Contract id.
        id: String,
        /// Why.
        reason: String,
    },
    /// `contract.review`: an auditor confirms or disputes a contract.
    ReviewContract {
        /// Contract id.
        id: String,
        /// confirmed | disputed.
        verdict: ReviewState,
        /// The auditor's note.
        note: String,
    },
    /// `key.rotate`: a new audit signing key takes over, endorsed by the previous one, which
    /// is retired and leaves the serving key directory.
    RotateKey {
        /// Keep the retired private key in `<data_dir>/keys-retired` instead of destroying it.
        keep_retired: bool,
    },
    /// `import.commit` (plus one `contract.register` per accepted row).
    Import(ImportCommand),
    /// `log.cosign`: a witness's cosignature of a stored checkpoint.
    Cosign(super::cosign::Cosignature),
    /// `submission.submit`: an applicant submits a contract form with the signed contract.
    Submit(super::SubmissionDraft),
    /// `submission.resubmit`: the applicant's corrected version (a new version).
    Resubmit {
        /// Submission id.
        id: String,
        /// The new version.
        draft: super::SubmissionDraft,
    },
    /// `submission.return` / `.accept` / `.refuse`: a registrar of the office decides on the
    /// version they read (accepting registers the contract: `contract.register`).
    DecideSubmission {
        /// Submission id.
        id: String,
        /// The version read.
        version: i32,
        /// What.
        decision: super::Decision,
    },
}

impl Command {
    /// A short name for logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Command::CreateUser(_) => "create_user",
            Command::UpdateUser(_) => "update_user",
            Command::SignUp(_) => "sign_up",
            Command::ActivateApplicant { .. } => "activate_applicant",
            Command::CreateParty(_) => "create_party",
            Command::UpdateParty(_) => "update_party",
            Command::RegisterContract(_) => "register_contract",
            Command::AmendContract(_) => "amend_contract",
            Command::ApproveContract { .. } => "approve_contract",
            Command::RefuseContract { .. } => "refuse_contract",
            Command::VoidContract { .. } => "void_contract",
            Command::ReviewContract { .. } => "review_contract",
            Command::RotateKey { .. } => "rotate_key",
            Command::Import(_) => "import",
            Command::Cosign(_) => "cosign",
            Command::Submit(_) => "submit",
            Command::Resubmit { .. } => "resubmit",
            Command::DecideSubmission { .. } => "decide_submission",
        }
    }
}

/// A new user.
#[derive(Debug, Clone, Serialize)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Name shown on pages.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Office (required for registrars and applicants).
    pub office: Option<OfficeCode>,
    /// The party an applicant submits for (required for applicants, refused for others).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<CreditCode>,
    /// argon2id hash, made by the caller; never serialised.
    #[serde(skip)]
    pub password_hash: String,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Serialize)]
pub struct UserUpdate {
    /// User id.
    pub id: String,
    /// New display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// New office (`Some(None)` removes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<Option<OfficeCode>>,
    /// Activate or deactivate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// New password hash; never serialised (the payload says only that it changed).
    #[serde(skip)]
    pub password_hash: Option<String>,
    /// Whether the password changes (what the audit payload shows instead of the hash).
    pub password_changed: bool,
    /// Ends every session of the user ("sign out everywhere"): their token generation moves on.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub revoke_tokens: bool,
}

impl UserUpdate {
    /// Whether the update changes nothing but the password and the sessions — what users may
    /// do to themselves.
    pub fn is_own_credentials_only(&self) -> bool {
        self.display_name.is_none()
            && self.role.is_none()
            && self.office.is_none()
            && self.active.is_none()
    }
}

/// A new party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewParty {
    /// Name.
    pub name: String,
    /// Credit code (not for individuals or foreign parties).
    pub credit_code: Option<CreditCode>,
    /// Kind.
    pub kind: PartyKind,
    /// Region (`000000` abroad).
    pub region: RegionCode,
    /// Party-nature code.
    pub nature_code: Option<String>,
    /// Country (foreign parties).
    pub country: Option<CountryCode>,
    /// Legal representative (法定代表人); not for individuals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_representative: Option<String>,
}

impl NewParty {
    /// Rules across fields, every violation named.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.name.trim().is_empty() {
            errors.push(FieldError::new("name", "must not be empty", "名称不能为空"));
        }
        if self.name.chars().count() > 200 {
            errors.push(FieldError::new(
                "name",
                "at most 200 characters",
                "名称不能超过200个字符",
            ));
        }
        super::text::check_line("name", &self.name, &mut errors);
        let abroad = self.region.is_abroad();
        match (&self.credit_code, self.kind, abroad) {
            (Some(_), PartyKind::Individual, _) => errors.push(FieldError::new(
                "credit_code",
                "individuals carry no unified social credit code",
                "个人不填写统一社会信用代码",
            )),
            (Some(_), _, true) => errors.push(FieldError::new(
                "credit_code",
                "foreign parties carry no unified social credit code",
                "境外主体不填写统一社会信用代码",
            )),
            (None, kind, false) if kind != PartyKind::Individual => errors.push(FieldError::new(
                "credit_code",
                "required for every kind of party but individuals",
                "除个人外必须填写统一社会信用代码",
            )),
            _ => {}
        }
        if abroad && self.country.is_none() {
            errors.push(FieldError::new(
                "country",
                "required for a foreign party (region 000000)",
                "境外主体必须填写国家或地区代码",
            ));
        }
        if !abroad && self.country.is_some() {
            errors.push(FieldError::new(
                "country",
                "only for foreign parties (region 000000)",
                "只有境外主体填写国家或地区代码",
            ));
        }
        if let Some(name) = &self.legal_representative {
            if self.kind == PartyKind::Individual {
                errors.push(FieldError::new(
                    "legal_representative",
                    "an individual has no legal representative",
                    "个人没有法定代表人",
                ));
            }
            check_person("legal_representative", name, &mut errors);
        }
        if let Some(code) = &self.nature_code
            && !((code.len() == 3 || code.len() == 4) && code.bytes().all(|b| b.is_ascii_digit()))
        {
            errors.push(FieldError::new(
                "nature_code",
                "3 or 4 digits (table B-3.4)",
                "主体性质代码应为3或4位数字",
            ));
        }
        errors
    }
}

/// Changes to a party; name and region only (api.md).
#[derive(Debug, Clone, Serialize)]
pub struct PartyUpdate {
    /// Party id.
    pub id: String,
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionCode>,
    /// New country (when moving abroad or back).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<Option<CountryCode>>,
    /// New legal representative (`Some(None)` removes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_representative: Option<Option<String>>,
    /// Why.
    pub reason: Option<String>,
}

/// A contract's party: an existing one by id, or given inline (matched by credit code,
/// created when new).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRef {
    /// An existing party, by id.
    Id(String),
    /// An existing party, by credit code (spreadsheet rows that name only the code).
    CreditCode(CreditCode),
    /// Party fields: the existing party with this credit code, or a new party.
    Inline(NewParty),
}

/// A contract to register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewContract {
    /// Title.
    pub title: String,
    /// Type.
    pub contract_type: ContractType,
    /// Sub-type, valid for the type.
    pub subtype: Option<Subtype>,
    /// Seller.
    pub seller: PartyRef,
    /// Buyer.
    pub buyer: PartyRef,
    /// Signing date.
    pub signed_on: NaiveDate,
    /// End of validity.
    pub valid_until: Option<NaiveDate>,
    /// 合同成交额.
    pub contract_amount: Money,
    /// 技术交易额.
    pub technical_amount: Money,
    /// Technical field.
    pub tech_field: TechField,
    /// IP type.
    pub ip_type: IpType,
    /// Its own contract number, contacts and technical amount split.
    #[serde(flatten)]
    pub particulars: ContractParticulars,
    /// When a registration office registered it before techledger existed (only from the
    /// operator's shell, see `Request::historical`); absent means now.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::records::timestamp::option"
    )]
    pub registered_at: Option<chrono::NaiveDateTime>,
    /// The user id of the second registrar who approved a historical large registration (with
    /// `registered_at` only); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
}

/// What a contract records beyond its statistics, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContractParticulars {
    /// The contract number the parties gave it (合同编号).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_contract_no: Option<String>,
    /// The seller's contact person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_contact: Option<Contact>,
    /// The buyer's contact person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer_contact: Option<Contact>,
    /// The technical amount split (development, transfer, licensing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technical_split: Option<TechnicalSplit>,
}

/// The longest own contract number and contact name.
const CONTRACT_NO_MAX: usize = 64;
const PERSON_MAX: usize = 50;

/// A person's name (a legal representative, a contact): one line, 1–50 characters.
fn check_person(field: &str, name: &str, errors: &mut Vec<FieldError>) {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > PERSON_MAX {
        errors.push(FieldError::new(
            field,
            format!("1–{PERSON_MAX} characters"),
            format!("应为1至{PERSON_MAX}个字符"),
        ));
    }
    super::text::check_line(field, name, errors);
}

impl ContractParticulars {
    /// Rules of the particulars of a contract of `contract_type` with `technical_amount`.
    pub fn check(&self, contract_type: ContractType, technical_amount: Money) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(no) = &self.party_contract_no {
            let no = no.trim();
            if no.is_empty() || no.chars().count() > CONTRACT_NO_MAX {
                errors.push(FieldError::new(
                    "party_contract_no",
                    format!("1–{CONTRACT_NO_MAX} characters"),
                    format!("合同编号应为1至{CONTRACT_NO_MAX}个字符"),
                ));
            }
            super::text::check_line("party_contract_no", no, &mut errors);
        }
        for (side, contact) in [
            ("seller_contact", &self.seller_contact),
            ("buyer_contact", &self.buyer_contact),
        ] {
            if let Some(c) = contact {
                check_person(&format!("{side}.name"), &c.name, &mut errors);
            }
        }
        if let Some(split) = self.technical_split {
            if !has_technical_split(contract_type) {
                errors.push(FieldError::new(
                    "technical_split",
                    format!(
                        "only development, transfer and licensing contracts split their technical amount, not {}",
                        contract_type.code()
                    ),
                    format!("只有技术开发、技术转让和技术许可合同拆分技术交易额，{}合同不拆分", contract_type.label_zh()),
                ));
            } else if split.principal.checked_add(split.related_services) != Some(technical_amount)
            {
                errors.push(FieldError::new(
                    "technical_split",
                    format!(
                        "the parts ({} + {}) must add up to the technical amount ({technical_amount})",
                        split.principal, split.related_services
                    ),
                    format!(
                        "拆分的两部分（{}元 + {}元）之和应等于技术交易额（{technical_amount}元）",
                        split.principal, split.related_services
                    ),
                ));
            }
        }
        errors
    }
}

/// Whether contracts of this type split their technical amount into the technology itself and
/// the related consulting and services: development, transfer and licensing (the types whose
/// related consulting and services go with them; consulting and service contracts are those
/// services).
pub fn has_technical_split(contract_type: ContractType) -> bool {
    matches!(
        contract_type,
        ContractType::Development | ContractType::Transfer | ContractType::Licensing
    )
}

/// Changes to a contract (a new version); `None` leaves a field as it is.
#[derive(Debug, Clone, Serialize)]
pub struct ContractAmendment {
    /// Contract id.
    pub id: String,
    /// New title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// New type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_type: Option<ContractType>,
    /// New sub-type code (`Some(None)` removes it); checked against the resulting type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<Option<String>>,
    /// New seller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    /// New buyer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer_id: Option<String>,
    /// New signing date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_on: Option<NaiveDate>,
    /// New end of validity (`Some(None)` removes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Option<NaiveDate>>,
    /// New contract amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_amount: Option<Money>,
    /// New technical amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technical_amount: Option<Money>,
    /// New technical field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tech_field: Option<TechField>,
    /// New IP type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_type: Option<IpType>,
    /// New own contract number (`Some(None)` removes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_contract_no: Option<Option<String>>,
    /// New seller contact (`Some(None)` removes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_contact: Option<Option<Contact>>,
    /// New buyer contact (`Some(None)` removes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer_contact: Option<Option<Contact>>,
    /// New technical amount split (`Some(None)` removes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technical_split: Option<Option<TechnicalSplit>>,
    /// Why (required).
    pub reason: String,
}

/// One parsed row of an import file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportRow {
    /// Row number in the file (the header is row 1).
    pub row: usize,
    /// The contract it describes.
    pub contract: NewContract,
}

/// A row that was not imported, with every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowReport {
    /// Row number in the file (the header is row 1).
    pub row: usize,
    /// What is wrong with it.
    pub errors: Vec<FieldError>,
}

/// A spreadsheet import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportCommand {
    /// Original file name.
    pub file_name: Option<String>,
    /// SHA-256 of the file.
    pub file_sha256: String,
    /// Data rows in the file.
    pub rows_total: usize,
    /// Rows that parsed; the ledger checks the rest of their rules.
    #[serde(skip)]
    pub rows: Vec<ImportRow>,
    /// Rows that did not even parse (reported to the caller; the audit entry counts them: a
    /// transparency-log entry holds at most 64 KiB).
    #[serde(skip)]
    pub rejected: Vec<RowReport>,
    /// Import the good rows even when some are rejected.
    pub partial: bool,
    /// Rows processed so far, for a progress bar.
    #[serde(skip)]
    pub progress: Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
}
