//! The officials' dashboard (官员看板): turnover against the 200 亿 target and where it comes
//! from. The page is a frame; its charts read the statistics API.

use askama::Template;
use rocket::get;

use super::Page;
use super::layout::{Layout, PageCtx};
use crate::auth::StatsReader;

/// The dashboard page.
#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct Dashboard {
    layout: Layout,
    year: i32,
    years: Vec<i32>,
    i18n: String,
}

/// The dashboard, for every role.
#[get("/?<year>")]
pub fn page(ctx: PageCtx, user: StatsReader, year: Option<i32>) -> Page<Dashboard> {
    let this_year = crate::stats::this_year();
    let year = year
        .filter(|y| (2000..=this_year).contains(y))
        .unwrap_or(this_year);
    let layout = Layout::new(&ctx, Some(&user), "dash.title");
    let i18n = layout.t.json("");
    Page::ok(Dashboard {
        layout,
        year,
        years: (this_year - 4..=this_year).rev().collect(),
        i18n,
    })
}
