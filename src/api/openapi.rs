//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    account, anomalies, applicants, audit, auth, certificates, codes, contracts, imports, log, ops,
    parties, problem, public, stats, users,
};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "techledger",
        description = "Technology transaction ledger of the Linyi Technology Achievement Trading Centre (临沂市技术成果交易中心). Amounts are decimal strings in yuan; errors are application/problem+json, and a bad field is named in `errors[]` (a control character in a path or query answers 422 naming the parameter).",
        license(name = "Apache-2.0")
    ),
    paths(
        ops::health, ops::metrics, ops::jwks,
        auth::login, auth::me,
        account::logout, account::logout_everywhere, account::change_password,
        users::create, users::list, users::get_one, users::update,
        applicants::sign_up, applicants::list, applicants::create, applicants::activate,
        audit::entries, audit::entry, audit::export, audit::current_checkpoint, audit::checkpoints,
        audit::verify, audit::rotate_key,
        log::checkpoint, log::checkpoint_of_size, log::tile, log::entries, log::keys, log::cosign, log::inclusion, log::consistency, log::receipt,
        public::registration_receipt,
        parties::create, parties::list, parties::get_one, parties::update, parties::history,
        contracts::create, contracts::list, contracts::csv, contracts::get_one, contracts::by_number,
        contracts::amend, contracts::void, contracts::approve, contracts::refuse, contracts::review,
        contracts::history,
        certificates::certificate_pdf,
        stats::summary, stats::breakdown, stats::top_parties, stats::report,
        codes::codes, codes::regions,
        imports::create, imports::template_csv, imports::template_xlsx,
        anomalies::list,
    ),
    components(schemas(
        problem::Problem,
        crate::ledger::FieldError,
        crate::records::Contact,
        crate::records::TechnicalSplit,
        contracts::ContactBody,
        contracts::SplitBody
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, metrics"),
        (name = "auth", description = "Signing in and out, one's own password"),
        (name = "users", description = "Users and roles (admins)"),
        (name = "applicants", description = "Applicants (申请人): sign-up, activation by the office"),
        (name = "parties", description = "Contract parties (合同主体)"),
        (name = "contracts", description = "Technology contracts (技术合同)"),
        (name = "stats", description = "Turnover against targets (统计)"),
        (name = "codes", description = "Code lists and regions"),
        (name = "audit", description = "The signed, hash-chained audit trail"),
        (name = "transparency log", description = "The audit trail as a C2SP transparency log: checkpoints, tiles, proofs"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document as JSON (built once).
pub fn document_json() -> String {
    static DOC: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".into())
    });
    DOC.clone()
}
