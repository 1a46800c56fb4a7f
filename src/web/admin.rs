//! Admin pages: users.

use rocket::{Route, routes};

use super::i18n::Entry;

/// The routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![]
}

/// Translations of these pages, sorted by key.
pub static STRINGS: &[Entry] = &[];
