//! The JSON API under `/api/v1`, plus the public operational routes at the root.

pub mod account;
pub mod anomalies;
pub mod applicants;
pub mod audit;
pub mod auth;
pub mod catchers;
pub mod certificates;
pub mod codes;
pub mod contracts;
pub mod contracts_csv;
pub mod fields;
pub mod history;
pub mod imports;
pub mod json;
pub mod log;
pub mod openapi;
pub mod ops;
pub mod parties;
pub mod problem;
pub mod public;
pub mod query;
pub mod stats;
pub mod submissions;
pub mod upload;
pub mod users;
pub mod written;

use rocket::{Route, routes};
use serde::{Deserialize, Deserializer, Serialize};

/// Routes mounted at `/`.
pub fn root_routes() -> Vec<Route> {
    routes![
        ops::health,
        ops::metrics,
        ops::jwks,
        ops::openapi,
        ops::docs,
        ops::asset,
        ops::refused_input,
        log::checkpoint,
        log::checkpoint_of_size,
        log::tile,
        log::entries,
        log::keys,
        log::cosign,
    ]
}

/// Routes mounted at `/api/v1`.
pub fn routes() -> Vec<Route> {
    routes![
        auth::login,
        auth::me,
        account::logout,
        account::logout_everywhere,
        account::change_password,
        users::create,
        users::list,
        users::get_one,
        users::update,
        submissions::create,
        submissions::resubmit,
        submissions::list,
        submissions::get_one,
        submissions::file,
        submissions::return_,
        submissions::refuse,
        submissions::accept,
        applicants::sign_up,
        applicants::list,
        applicants::create,
        applicants::activate,
        audit::entries,
        audit::entry,
        audit::export,
        audit::current_checkpoint,
        audit::checkpoints,
        audit::verify,
        audit::rotate_key,
        log::inclusion,
        log::consistency,
        log::receipt,
        public::registration_receipt,
        parties::create,
        parties::list,
        parties::get_one,
        parties::update,
        parties::history,
        contracts::create,
        contracts::list,
        contracts_csv::csv,
        contracts::get_one,
        contracts::by_number,
        contracts::amend,
        contracts::void,
        contracts::approve,
        contracts::refuse,
        contracts::review,
        contracts::history,
        certificates::certificate_pdf,
        stats::summary,
        stats::breakdown,
        stats::top_parties,
        stats::report,
        codes::codes,
        codes::regions,
        imports::create,
        imports::template_csv,
        imports::template_xlsx,
        anomalies::list,
    ]
}

/// A page of a list: `{"items":[…],"next":cursor|null}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T: utoipa::ToSchema> {
    /// The items.
    pub items: Vec<T>,
    /// Cursor of the next page (`?after=`), or null on the last page.
    pub next: Option<String>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
