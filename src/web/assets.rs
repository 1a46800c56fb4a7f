//! Static assets, embedded in the binary so that it serves the pages from anywhere with
//! nothing fetched at build or run time.

use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};

/// (path under /static, media type, bytes).
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "vendor/echarts/echarts.min.js",
        "js",
        include_bytes!("../../static/vendor/echarts/echarts.min.js"),
    ),
    (
        "vendor/rapidoc/rapidoc-min.js",
        "js",
        include_bytes!("../../static/vendor/rapidoc/rapidoc-min.js"),
    ),
    ("app.css", "css", include_bytes!("../../static/app.css")),
    (
        "favicon.svg",
        "svg",
        include_bytes!("../../static/favicon.svg"),
    ),
    ("app.js", "js", include_bytes!("../../static/app.js")),
    (
        "dashboard.js",
        "js",
        include_bytes!("../../static/dashboard.js"),
    ),
    ("pages.js", "js", include_bytes!("../../static/pages.js")),
    (
        "contract-form.js",
        "js",
        include_bytes!("../../static/contract-form.js"),
    ),
    (
        "contracts.js",
        "js",
        include_bytes!("../../static/contracts.js"),
    ),
    (
        "contract.js",
        "js",
        include_bytes!("../../static/contract.js"),
    ),
    (
        "approvals.js",
        "js",
        include_bytes!("../../static/approvals.js"),
    ),
    ("import.js", "js", include_bytes!("../../static/import.js")),
    ("audit.js", "js", include_bytes!("../../static/audit.js")),
    ("admin.js", "js", include_bytes!("../../static/admin.js")),
    ("tlog.js", "js", include_bytes!("../../static/tlog.js")),
    ("verify.js", "js", include_bytes!("../../static/verify.js")),
    (
        "sign-up.js",
        "js",
        include_bytes!("../../static/sign-up.js"),
    ),
    (
        "applicants.js",
        "js",
        include_bytes!("../../static/applicants.js"),
    ),
    (
        "submissions.js",
        "js",
        include_bytes!("../../static/submissions.js"),
    ),
    (
        "submission.js",
        "js",
        include_bytes!("../../static/submission.js"),
    ),
    (
        "account.js",
        "js",
        include_bytes!("../../static/account.js"),
    ),
];

/// An embedded asset.
pub struct Asset {
    media: &'static str,
    bytes: &'static [u8],
}

/// The asset at `path`, if any.
pub fn find(path: &str) -> Option<Asset> {
    ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, media, bytes)| Asset { media, bytes })
}

impl<'r> Responder<'r, 'static> for Asset {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let content_type = match self.media {
            "js" => ContentType::JavaScript,
            "css" => ContentType::CSS,
            "svg" => ContentType::SVG,
            _ => ContentType::Binary,
        };
        Response::build()
            .status(Status::Ok)
            .header(content_type)
            .header(Header::new("Cache-Control", "public, max-age=3600"))
            .sized_body(self.bytes.len(), Cursor::new(self.bytes))
            .ok()
    }
}
