//! The public verification of a registration (the `/verify` page, where the QR code of a
//! registration certificate leads): anyone, without signing in, reads what the certificate
//! shows and the proof that the transparency log's latest checkpoint holds the audit entry of
//! the registration's current state, to check that proof in their own browser.
//!
//! What is public is what the certificate prints: the number, the status, the title, type,
//! parties (names, and credit codes of organisations), signing date, amounts, field, IP type,
//! office and registration date — and of a contract that is not (or no longer) registered,
//! only its number and status. Never its contact persons, phone numbers, legal
//! representatives, the parties' own contract number, ids, or who recorded it.
//!
//! The entry itself is withheld. Its leaf hash commits to its bytes, and those bytes always
//! name the registrar's login account (`actor`: personal, and half of a login) and may carry
//! the contact persons and their phone numbers (`seller_contact`, `buyer_contact`); a
//! projection of them would hash to something else. So the page proves, in the browser, that
//! the leaf the log names for this registration is in the signed tree; that this leaf is the
//! entry recording these particulars is checked by whoever holds the full receipt (the
//! parties get it with the contract page, auditors from the log) — pasted into the same page,
//! or offline with `techledger verify receipt`.

use chrono::NaiveDate;
use rocket::serde::json::Json;
use rocket::{State, get};
use serde::Serialize;

use super::auth::ClientAddr;
use super::contracts::ContractView;
use super::log::{db_err, entry_at, latest, prove_inclusion, vkeys, with_cosignatures};
use super::problem::{ApiError, ApiResult};
use crate::audit::receipt::Inclusion;
use crate::audit::rotation;
use crate::auth::PublicLookupLimiter;
use crate::db::{Db, DbError};
use crate::domain::{CodeList, ContractStatus, Money, RegistrationNo, Subtype};
use crate::ledger::Ledger;

/// A code with its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Label {
    /// The code, as the API names it elsewhere.
    pub code: String,
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Label {
    fn of<C: CodeList>(value: C) -> Label {
        Label {
            code: value.code().into(),
            zh: value.label_zh().into(),
            en: value.label_en().into(),
        }
    }
}

/// A party as the certificate names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicParty {
    /// Its name.
    pub name: String,
    /// Its unified social credit code (organisations; none for individuals and foreign
    /// parties).
    pub credit_code: Option<String>,
}

/// What the registration certificate of a registered contract shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicParticulars {
    /// Title of the contract.
    pub title: String,
    /// Its type.
    pub contract_type: Label,
    /// Its sub-type, if any.
    pub subtype: Option<Label>,
    /// The seller (技术提供方).
    pub seller: PublicParty,
    /// The buyer (技术接受方).
    pub buyer: PublicParty,
    /// Signing date.
    #[schema(value_type = String, format = Date)]
    pub signed_on: NaiveDate,
    /// 合同成交额, yuan.
    #[schema(value_type = String, example = "1250000.00")]
    pub contract_amount: Money,
    /// 技术交易额, yuan.
    #[schema(value_type = String, example = "1000000.00")]
    pub technical_amount: Money,
    /// Technical field.
    pub tech_field: Label,
    /// IP type.
    pub ip_type: Label,
    /// The registering office.
    pub office: Label,
    /// Registration date (Asia/Shanghai).
    #[schema(value_type = String, format = Date)]
    pub registered_on: NaiveDate,
}

/// The audit entry of the registration's current state, without its bytes (see the module
/// documentation for why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicEntry {
    /// Its seq (leaf index + 1).
    pub seq: i64,
    /// What it recorded: `contract.register`, `contract.amend`, `contract.void`, …
    pub action: String,
    /// When, RFC 3339 UTC.
    pub at: String,
}

/// A registration's public receipt
/// (`GET /api/v1/public/registrations/{registration_no}/receipt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicReceipt {
    /// The 16-digit registration number.
    pub registration_no: String,
    /// Its status now: only a `registered` one stands; a `voided` one no longer counts.
    pub status: Label,
    /// What its certificate shows; null unless it is registered.
    pub particulars: Option<PublicParticulars>,
    /// The transparency log's origin (the checkpoint's first line, the name it is signed
    /// under).
    pub origin: String,
    /// The entry of its current state.
    pub entry: PublicEntry,
    /// That entry's inclusion proof in the latest checkpoint's tree: its leaf hash and path.
    pub inclusion: Inclusion,
    /// The latest checkpoint: a C2SP signed note (with any witness cosignatures).
    pub checkpoint: String,
    /// When that checkpoint was signed, RFC 3339 UTC (the note itself carries no time).
    pub checkpoint_at: String,
    /// Every key that ever signed checkpoints, oldest first, as C2SP vkeys
    /// (`<origin>+<key hash>+<base64 of 0x01 ‖ Ed25519 public key>`): the page shows each
    /// one's fingerprint (SHA-256 of the 32-byte key) to compare with one published elsewhere.
    pub log_keys: Vec<String>,
}

impl PublicReceipt {
    /// The public part of a contract (`codes`: the seller's and buyer's credit codes).
    fn particulars(
        view: &ContractView,
        codes: (Option<String>, Option<String>),
    ) -> Option<PublicParticulars> {
        let c = &view.contract;
        let registered_at = c.registered_at?;
        if c.status != ContractStatus::Registered {
            return None;
        }
        let subtype = c
            .subtype
            .as_deref()
            .and_then(|s| Subtype::parse(c.contract_type, s).ok())
            .map(|s| Label {
                code: s.code().into(),
                zh: s.label_zh().into(),
                en: s.label_en().into(),
            });
        Some(PublicParticulars {
            title: c.title.clone(),
            contract_type: Label::of(c.contract_type),
            subtype,
            seller: PublicParty {
                name: view.seller_name.clone(),
                credit_code: codes.0,
            },
            buyer: PublicParty {
                name: view.buyer_name.clone(),
                credit_code: codes.1,
            },
            signed_on: c.signed_on,
            contract_amount: c.contract_amount,
            technical_amount: c.technical_amount,
            tech_field: Label::of(c.tech_field),
            ip_type: Label::of(c.ip_type),
            office: Label::of(c.office),
            registered_on: crate::time::shanghai_date(registered_at),
        })
    }
}

/// The public receipt of a registration: what its certificate shows and the proof that the
/// latest signed checkpoint holds the audit entry of its current state — the entry's leaf
/// hash, not its bytes, which name the registrar's account and may carry contact persons'
/// phone numbers. Public, no sign-in; throttled per client address
/// (`auth.public_lookups_per_minute`).
#[utoipa::path(get, operation_id = "public_registration_receipt", path = "/api/v1/public/registrations/{registration_no}/receipt", tag = "transparency log",
    params(("registration_no" = String, Path, description = "16-digit registration number")),
    responses((status = 200, description = "The public receipt", body = PublicReceipt),
        (status = 404, description = "No registration has this number", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a registration number", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many lookups from this address; see Retry-After", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/public/registrations/<registration_no>/receipt")]
pub async fn registration_receipt(
    registration_no: &str,
    client: ClientAddr,
    limiter: &State<PublicLookupLimiter>,
    db: &State<Db>,
    ledger: &State<Ledger>,
) -> ApiResult<Json<PublicReceipt>> {
    limiter
        .attempt(client.0)
        .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
    let no = RegistrationNo::parse(registration_no.trim()).map_err(|_| {
        ApiError::invalid(
            "registration_no",
            "must be a 16-digit registration number (year, 3713, office, sequence)",
            "应为16位技术合同登记编号（年份、3713、登记点、序号）",
        )
    })?;
    let key = no.as_str().to_string();
    let view = db
        .run(move |conn| {
            let row = crate::db::models::contracts::by_registration_no(conn, &key)
                .map_err(DbError::from)?;
            super::contracts::with_names(conn, row.into_iter().collect())
        })
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("no registration numbered {}", no.as_str())))?;
    let codes = super::certificates::party_codes(db, &view).await?;
    let seq = view.contract.audit_seq;
    let checkpoint = latest(db, ledger).await?;
    let note = with_cosignatures(db, &checkpoint).await?;
    let origin = ledger.log_origin().to_string();
    let size = checkpoint.tree_size;
    let (entry, inclusion, rotations) = db
        .run(move |conn| {
            let entry = entry_at(conn, seq)?;
            let inclusion = prove_inclusion(conn, seq, size)?;
            let rotations = rotation::load_rotations(conn).map_err(db_err)?;
            Ok::<_, DbError>((entry, inclusion, rotations))
        })
        .await?;
    let log_keys = vkeys(&rotations, &origin)?;
    Ok(Json(PublicReceipt {
        registration_no: no.as_str().to_string(),
        status: Label::of(view.contract.status),
        particulars: PublicReceipt::particulars(&view, codes),
        origin,
        entry: PublicEntry {
            seq: entry.seq,
            action: entry.action,
            at: entry.at,
        },
        inclusion,
        checkpoint: note,
        checkpoint_at: checkpoint.at,
        log_keys,
    }))
}
