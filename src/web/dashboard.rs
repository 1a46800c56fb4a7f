//! The officials' dashboard (官员看板): turnover against the 200 亿 target and where it comes
//! from. The page is a frame; its charts read the statistics API.

use askama::Template;
use rocket::get;

use super::Page;
use super::layout::{Layout, PageCtx};
use rocket::response::Redirect;

use crate::auth::AuthUser;
use crate::domain::Role;

/// The dashboard page.
#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct Dashboard {
    layout: Layout,
    year: i32,
    years: Vec<i32>,
    i18n: String,
}

/// The dashboard, for every staff role; an applicant (who may not read statistics) signing in
/// lands on their own submissions instead.
#[get("/?<year>")]
pub fn page(ctx: PageCtx, user: AuthUser, year: Option<i32>) -> Landing {
    if user.role() == Role::Applicant {
        return Landing::Elsewhere(Box::new(Redirect::to("/submissions")));
    }
    let this_year = crate::stats::this_year();
    let year = year
        .filter(|y| (2000..=this_year).contains(y))
        .unwrap_or(this_year);
    let layout = Layout::new(&ctx, Some(&user), "dash.title");
    let i18n = layout.t.json("");
    Landing::Dashboard(Box::new(Page::ok(Dashboard {
        layout,
        year,
        years: (this_year - 4..=this_year).rev().collect(),
        i18n,
    })))
}

/// Where `/` takes a signed-in user: the dashboard, or an applicant's own submissions.
#[derive(rocket::Responder)]
pub enum Landing {
    /// Staff.
    Dashboard(Box<Page<Dashboard>>),
    /// Applicants.
    Elsewhere(Box<Redirect>),
}
