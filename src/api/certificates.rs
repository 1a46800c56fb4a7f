//! The registration certificate of a registered contract (登记证明), as a PDF.

use std::sync::Arc;

use rocket::http::{ContentType, Header};
use rocket::response::{self, Responder};
use rocket::{Request, State, get};

use super::contracts::ContractView;
use super::problem::{ApiError, ApiResult};
use super::written::Attachment;
use crate::auth::AuthUser;
use crate::auth::guards::{APPLICANT, AUDITOR, Authorized, OFFICIAL, REGISTRAR};
use crate::certificate::{self, Certificate, CertificateParty};
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::domain::{ContractStatus, Role, Subtype};
use crate::ledger::LedgerError;

/// Who may download a certificate: those who read contracts, and the applicant whose
/// submission registered the contract.
pub type CertificateReader = Authorized<{ REGISTRAR | AUDITOR | OFFICIAL | APPLICANT }>;

/// An applicant reads only the certificate of a contract their own submission registered;
/// any other is not found (as if it did not exist).
pub async fn may_read_certificate(db: &Db, user: &AuthUser, contract_id: &str) -> ApiResult<()> {
    if user.role() != Role::Applicant {
        return Ok(());
    }
    let key = contract_id.to_string();
    let submission = db
        .run(move |conn| {
            crate::db::models::submissions::by_contract(conn, &key).map_err(DbError::from)
        })
        .await?;
    match submission {
        Some(s) if s.applicant_id == user.actor.id => Ok(()),
        _ => Err(ApiError::not_found(format!(
            "contract {contract_id} not found"
        ))),
    }
}

/// A certificate PDF, with the characters its font lacked named in a header.
pub struct CertificatePdf {
    file: Attachment<Vec<u8>>,
    missing: Vec<char>,
}

impl<'r> Responder<'r, 'static> for CertificatePdf {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut res = self.file.respond_to(req)?;
        if !self.missing.is_empty() {
            let codes: Vec<String> = self
                .missing
                .iter()
                .map(|c| format!("U+{:04X}", u32::from(*c)))
                .collect();
            res.set_header(Header::new(
                "X-Certificate-Missing-Characters",
                codes.join(","),
            ));
        }
        Ok(res)
    }
}

/// The registering office as the certificate names it: 临沂市兰山区, 临沂高新技术产业开发区.
fn office_name(view: &ContractView) -> String {
    let name = view.contract.office.name_zh();
    if name.starts_with("临沂") {
        name.to_string()
    } else {
        format!("临沂市{name}")
    }
}

/// What the certificate of a contract shows, or 409 when it has none (not registered).
pub fn certificate_of(
    view: &ContractView,
    seller_code: Option<String>,
    buyer_code: Option<String>,
    public_base_url: &str,
) -> Result<Certificate, ApiError> {
    let c = &view.contract;
    let (Some(no), Some(registered_at), ContractStatus::Registered) =
        (&c.registration_no, c.registered_at, c.status)
    else {
        return Err(LedgerError::conflict(
            "not_registered",
            format!(
                "only a registered contract has a registration certificate; this one is {}",
                c.status.code()
            ),
            format!(
                "只有已登记的合同才有登记证明；该合同状态为「{}」",
                c.status.label_zh()
            ),
        )
        .into());
    };
    let contract_type = match c
        .subtype
        .as_deref()
        .and_then(|s| Subtype::parse(c.contract_type, s).ok())
    {
        Some(sub) => format!("{}（{}）", c.contract_type.label_zh(), sub.label_zh()),
        None => c.contract_type.label_zh().to_string(),
    };
    Ok(Certificate {
        registration_no: no.as_str().to_string(),
        title: c.title.clone(),
        contract_type,
        seller: CertificateParty {
            name: view.seller_name.clone(),
            credit_code: seller_code,
        },
        buyer: CertificateParty {
            name: view.buyer_name.clone(),
            credit_code: buyer_code,
        },
        signed_on: c.signed_on,
        contract_amount: c.contract_amount,
        technical_amount: c.technical_amount,
        tech_field: c.tech_field.label_zh().to_string(),
        ip_type: c.ip_type.label_zh().to_string(),
        office: office_name(view),
        registered_on: crate::time::shanghai_date(registered_at),
        verify_url: certificate::verification_url(public_base_url, no),
        audit_seq: c.audit_seq,
    })
}

/// The unified social credit codes of the seller and the buyer of `view` (none for
/// individuals and foreign parties): what the certificate prints beside their names.
pub async fn party_codes(
    db: &Db,
    view: &ContractView,
) -> ApiResult<(Option<String>, Option<String>)> {
    let (seller, buyer) = (
        view.contract.seller_id.clone(),
        view.contract.buyer_id.clone(),
    );
    let codes = db
        .run(move |conn| {
            let mut code = |id: &str| {
                crate::db::models::parties::by_id(conn, id).map(|r| r.and_then(|r| r.credit_code))
            };
            Ok::<_, DbError>((code(&seller)?, code(&buyer)?))
        })
        .await?;
    Ok(codes)
}

/// Renders the certificate of `view` (a registered contract).
pub async fn render(db: &Db, view: &ContractView, config: &Config) -> ApiResult<CertificatePdf> {
    let (seller_code, buyer_code) = party_codes(db, view).await?;
    let certificate = certificate_of(view, seller_code, buyer_code, &config.public_base_url)?;
    let rendered = rocket::tokio::task::spawn_blocking(move || certificate::render(&certificate))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if !rendered.missing.is_empty() {
        tracing::warn!(
            contract = view.contract.id,
            missing = ?rendered.missing,
            "the certificate font lacks characters of this contract; they are drawn as boxes"
        );
    }
    let no = view
        .contract
        .registration_no
        .as_ref()
        .map(|n| n.as_str().to_string())
        .unwrap_or_default();
    Ok(CertificatePdf {
        file: Attachment {
            content_type: ContentType::PDF,
            filename: format!("certificate-{no}.pdf"),
            body: rendered.pdf,
        },
        missing: rendered.missing,
    })
}

/// The registration certificate (技术合同认定登记证明) of a registered contract: an A4 PDF in
/// Chinese with the number, parties, amounts in figures and in capitals, type, field, office,
/// registration date and a QR code linking to the public verification of the registration.
/// A character its embedded font lacks is drawn as a box, noted on the certificate and named
/// in the `X-Certificate-Missing-Characters` header.
#[utoipa::path(get, operation_id = "contracts_certificate", path = "/api/v1/contracts/{id}/certificate.pdf", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Contract id")),
    responses((status = 200, description = "The certificate", body = Vec<u8>, content_type = "application/pdf"),
        (status = 403, description = "A role that may not read contracts (an applicant reads the certificate of their own accepted submission only; any other is 404)", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contract", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not registered (pending, refused or voided)", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/contracts/<id>/certificate.pdf", rank = 2)]
pub async fn certificate_pdf(
    reader: CertificateReader,
    id: &str,
    db: &State<Db>,
    config: &State<Arc<Config>>,
) -> ApiResult<CertificatePdf> {
    may_read_certificate(db, &reader.0, id).await?;
    let view = super::contracts::load(db, id).await?;
    render(db, &view, config).await
}
