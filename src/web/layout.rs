//! What every page shares: language, the signed-in user, navigation by role, the CSRF token
//! the page scripts send back.

use rocket::request::{FromRequest, Outcome, Request};

use super::i18n::{Lang, T};
use crate::auth::AuthUser;
use crate::domain::Role;

/// What a page needs from its request: the language and the path.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// The page language.
    pub lang: Lang,
    /// The request path.
    pub path: String,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for PageCtx {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(PageCtx {
            lang: Lang::of(req),
            path: req.uri().path().as_str().to_string(),
        })
    }
}

/// One navigation link.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// Its label.
    pub label: &'static str,
    /// Whether it is the current page.
    pub active: bool,
}

/// The page frame.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Translations.
    pub t: T,
    /// Page title.
    pub title: &'static str,
    /// Signed-in user's display name ("" on the login page).
    pub user_name: String,
    /// Their role, translated.
    pub role_label: &'static str,
    /// Their role code (for scripts and styling).
    pub role: &'static str,
    /// Their office code, if any.
    pub office: String,
    /// CSRF token of the session (sent back in X-CSRF-Token).
    pub csrf: String,
    /// Navigation for the role.
    pub nav: Vec<NavItem>,
    /// Link switching the language, keeping the page.
    pub switch_lang_href: String,
    /// Label of that link.
    pub switch_lang_label: &'static str,
}

impl Layout {
    /// The frame for a signed-in user on `path`.
    pub fn new(ctx: &PageCtx, user: Option<&AuthUser>, title_key: &str) -> Layout {
        let t = T(ctx.lang);
        let path = ctx.path.clone();
        let nav = user.map(|u| nav(t, u.role(), &path)).unwrap_or_default();
        let other = t.lang().other();
        Layout {
            t,
            title: t.s(title_key),
            user_name: user.map(|u| u.display_name.clone()).unwrap_or_default(),
            role_label: user.map_or("", |u| t.s(&format!("role.{}", u.role().code()))),
            role: user.map_or("", |u| u.role().code()),
            office: user
                .and_then(|u| u.office())
                .map(|o| o.code().to_string())
                .unwrap_or_default(),
            csrf: user.map(|u| u.csrf.clone()).unwrap_or_default(),
            nav,
            switch_lang_href: format!("{path}?lang={}", other.code()),
            switch_lang_label: match other {
                Lang::Zh => "中文",
                Lang::En => "English",
            },
        }
    }

    /// The HTML lang attribute.
    pub fn html_lang(&self) -> &'static str {
        self.t.lang().html()
    }
}

fn nav(t: T, role: Role, path: &str) -> Vec<NavItem> {
    let items: &[(&str, &str)] = match role {
        Role::Registrar => &[
            ("/", "nav.dashboard"),
            ("/contracts", "nav.contracts"),
            ("/contracts/new", "nav.new_contract"),
            ("/approvals", "nav.approvals"),
            ("/submissions/queue", "nav.queue"),
            ("/applicants", "nav.applicants"),
            ("/import", "nav.import"),
        ],
        Role::Auditor => &[
            ("/", "nav.dashboard"),
            ("/contracts", "nav.contracts"),
            ("/audit", "nav.audit"),
            ("/anomalies", "nav.anomalies"),
        ],
        Role::Official => &[
            ("/", "nav.leader_dashboard"),
            ("/contracts", "nav.contracts"),
        ],
        Role::Admin => &[
            ("/", "nav.dashboard"),
            ("/audit", "nav.audit"),
            ("/admin/users", "nav.users"),
        ],
        // Applicants have their submission pages only.
        Role::Applicant => &[
            ("/submissions", "nav.my_submissions"),
            ("/submissions/new", "nav.new_submission"),
        ],
    };
    // The item whose path is the longest prefix of the page's is the current one
    // (`/contracts/new` is not also `/contracts`).
    let under = |href: &str| href == path || (href != "/" && path.starts_with(&format!("{href}/")));
    let current = items
        .iter()
        .map(|(href, _)| *href)
        .filter(|href| under(href))
        .max_by_key(|href| href.len());
    items
        .iter()
        .map(|(href, key)| NavItem {
            href,
            label: t.s(key),
            active: Some(*href) == current,
        })
        .collect()
}
