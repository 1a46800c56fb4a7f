//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::Response;
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use super::{
    account, anomalies, applicants, audit, auth, certificates, codes, contracts, contracts_csv,
    imports, log, ops, parties, problem, public, stats, submissions, users,
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
        submissions::create, submissions::resubmit, submissions::list, submissions::get_one,
        submissions::file, submissions::return_, submissions::refuse, submissions::accept,
        audit::entries, audit::entry, audit::export, audit::current_checkpoint, audit::checkpoints,
        audit::verify, audit::rotate_key,
        log::checkpoint, log::checkpoint_of_size, log::tile, log::entries, log::keys, log::cosign, log::inclusion, log::consistency, log::receipt,
        public::registration_receipt,
        parties::create, parties::list, parties::get_one, parties::update, parties::history,
        contracts::create, contracts::list, contracts_csv::csv, contracts::get_one, contracts::by_number,
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
    modifiers(&BearerAuth, &ProblemResponses, &OpenFlattened),
    tags(
        (name = "operations", description = "Health, metrics"),
        (name = "auth", description = "Signing in and out, one's own password"),
        (name = "users", description = "Users and roles (admins)"),
        (name = "applicants", description = "Applicants (申请人): sign-up, activation by the office"),
        (name = "parties", description = "Contract parties (合同主体)"),
        (name = "contracts", description = "Technology contracts (技术合同)"),
        (name = "submissions", description = "Online submissions by applicants and the registration offices' queues (网上申报)"),
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

/// The problem answers every operation of a kind can give, added where its annotation does not
/// list them: a request guard or a parameter refuses before the handler runs, so no handler
/// annotation could name them all, and a client (or a schema-driven fuzzer) must find them
/// documented.
struct ProblemResponses;

impl ProblemResponses {
    fn complete(path: &str, operation: &mut Operation) {
        let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
        let has_input = operation.request_body.is_some()
            || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
        let mut add = |status: &str, description: &str| {
            operation
                .responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| {
                    Response::builder()
                        .description(description)
                        .content(
                            "application/problem+json",
                            Content::new(Some(Ref::from_schema_name("Problem"))),
                        )
                        .build()
                        .into()
                });
        };
        if secured {
            add(
                "401",
                "Not signed in: no token, or one that expired or was revoked",
            );
            add("403", "The caller's role may not do this");
        }
        if path.contains('{') {
            add("404", "Nothing is found at this path");
        }
        if has_input {
            add(
                "400",
                "The request cannot be read (a body that is not JSON, a parameter of the wrong type)",
            );
            add(
                "422",
                "A parameter or field is refused; `errors[]` names it",
            );
        }
    }
}

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let PathItem {
                get,
                put,
                post,
                delete,
                patch,
                ..
            } = item;
            for operation in [get, put, post, delete, patch].into_iter().flatten() {
                Self::complete(path, operation);
            }
        }
    }
}

/// A struct that flattens another (`ContractView`: a `ContractState` and the parties' names) is an
/// `allOf` of the inner schema and its own fields. An inner type that refuses unknown fields
/// (`deny_unknown_fields`: `additionalProperties: false`) would make every such value invalid,
/// so the `allOf` gets a copy of it that allows them; the inner schema stays closed elsewhere.
struct OpenFlattened;

impl Modify for OpenFlattened {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let open: std::collections::BTreeMap<String, Schema> = components
            .schemas
            .iter()
            .filter_map(|(name, schema)| match schema {
                RefOr::T(Schema::Object(object))
                    if matches!(
                        object.additional_properties.as_deref(),
                        Some(AdditionalProperties::FreeForm(false))
                    ) =>
                {
                    let mut copy = object.clone();
                    copy.additional_properties = None;
                    Some((format!("#/components/schemas/{name}"), Schema::Object(copy)))
                }
                _ => None,
            })
            .collect();
        for schema in components.schemas.values_mut() {
            if let RefOr::T(schema) = schema {
                open_flattened(schema, &open);
            }
        }
    }
}

/// Replaces, in every `allOf` within `schema` (generic pages inline theirs), the references to
/// closed schemas by their open copies.
fn open_flattened(schema: &mut Schema, open: &std::collections::BTreeMap<String, Schema>) {
    let inner = |item: &mut RefOr<Schema>| match item {
        RefOr::T(schema) => open_flattened(schema, open),
        RefOr::Ref(_) => {}
    };
    match schema {
        Schema::AllOf(all) => {
            for item in &mut all.items {
                if let RefOr::Ref(r) = item
                    && let Some(copy) = open.get(&r.ref_location)
                {
                    *item = RefOr::T(copy.clone());
                }
                inner(item);
            }
        }
        Schema::Object(object) => object.properties.values_mut().for_each(inner),
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(item) = &mut array.items {
                inner(item);
            }
        }
        Schema::OneOf(one) => one.items.iter_mut().for_each(inner),
        Schema::AnyOf(any) => any.items.iter_mut().for_each(inner),
        _ => {}
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::Value;

    fn document() -> Value {
        serde_json::from_str(&super::document_json()).unwrap()
    }

    #[test]
    fn every_operation_documents_the_problems_it_can_answer() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let responses = operation["responses"].as_object().unwrap();
                let has = |status: &str| responses.contains_key(status);
                if operation.get("security").is_some() {
                    assert!(has("401") && has("403"), "{method} {path}");
                }
                if path.contains('{') {
                    assert!(has("404"), "{method} {path}");
                }
                if operation.get("parameters").is_some() || operation.get("requestBody").is_some() {
                    assert!(has("400") && has("422"), "{method} {path}");
                }
            }
        }
    }

    #[test]
    fn a_flattened_schema_does_not_refuse_its_own_fields() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["ContractState"]["additionalProperties"], false);
        let parts = schemas["ContractView"]["allOf"].as_array().unwrap();
        assert!(
            parts.iter().all(|p| p.get("$ref").is_none()
                && p.get("additionalProperties") != Some(&Value::Bool(false))),
            "{parts:?}"
        );
        // The list's items are that open view.
        assert_eq!(
            schemas["ContractPage"]["properties"]["items"]["items"]["$ref"],
            "#/components/schemas/ContractView"
        );
    }
}
