//! Registrar pages: contract entry, list, detail with amend and void, approvals, import.

use rocket::{Route, routes};

use super::i18n::Entry;

/// The routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![]
}

/// Translations of these pages, sorted by key.
pub static STRINGS: &[Entry] = &[];
