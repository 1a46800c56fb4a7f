//! What Rocket answers when no handler does: problem+json for every status (with the guard's
//! own reason when a guard refused), 405 with `Allow` when the path exists for other methods,
//! and a page instead for browsers asking for HTML outside the API.

use rocket::http::{Method, Status};
use rocket::request::Request;
use rocket::response::{self, Responder};
use rocket::{Catcher, catch, catchers};

use super::problem::{ApiError, Problem, respond};
use crate::auth::guards::take_remembered;

/// Every catcher.
pub fn catchers() -> Vec<Catcher> {
    catchers![default_catcher]
}

/// The answer of a catcher.
pub struct Caught(ApiErrorOrStatus);

enum ApiErrorOrStatus {
    Error(ApiError),
    Status(Status),
}

impl<'r> Responder<'r, 'static> for Caught {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        if crate::web::wants_html(req) {
            let status = match &self.0 {
                ApiErrorOrStatus::Error(e) => e.to_problem().0.status,
                ApiErrorOrStatus::Status(s) => s.code,
            };
            if status == 401 {
                return crate::web::login_redirect(req);
            }
            return crate::web::error_page(
                req,
                Status::from_code(status).unwrap_or(Status::InternalServerError),
            );
        }
        match self.0 {
            ApiErrorOrStatus::Error(e) => e.respond_to(req),
            ApiErrorOrStatus::Status(status) => {
                let detail = match status.code {
                    404 => format!("nothing at {}", req.uri().path()),
                    400 => "the request could not be understood".to_string(),
                    422 => "the request could not be processed".to_string(),
                    413 => "the request body is too large".to_string(),
                    500 => {
                        "the server failed; the error was logged with this request's id".to_string()
                    }
                    _ => status.reason().unwrap_or("error").to_lowercase(),
                };
                let code = status
                    .reason()
                    .unwrap_or("error")
                    .to_lowercase()
                    .replace([' ', '-'], "_");
                respond(req, Problem::new(status, &code, detail), vec![])
            }
        }
    }
}

#[catch(default)]
fn default_catcher(status: Status, req: &Request<'_>) -> Caught {
    if let Some(error) = take_remembered(req) {
        return Caught(ApiErrorOrStatus::Error(error));
    }
    if status == Status::NotFound {
        let allowed = other_methods(req);
        if !allowed.is_empty() {
            return Caught(ApiErrorOrStatus::Error(ApiError::MethodNotAllowed(allowed)));
        }
    }
    Caught(ApiErrorOrStatus::Status(status))
}

/// The methods that have a route for this path (Rocket itself answers 404 for a wrong method).
fn other_methods(req: &Request<'_>) -> Vec<String> {
    let path = req.uri().path().as_str();
    let mut methods: Vec<String> = req
        .rocket()
        .routes()
        .filter(|r| r.method != req.method() && path_matches(r.uri.path(), path))
        .map(|r| r.method.as_str().to_string())
        .collect();
    if methods.iter().any(|m| m == Method::Get.as_str()) {
        methods.push(Method::Head.as_str().to_string());
    }
    methods.sort();
    methods.dedup();
    methods
}

/// Whether a route path pattern (`/api/v1/contracts/<id>`) matches a request path.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut pattern_segments = pattern.split('/').filter(|s| !s.is_empty());
    let mut path_segments = path.split('/').filter(|s| !s.is_empty());
    loop {
        match (pattern_segments.next(), path_segments.next()) {
            (None, None) => return true,
            (Some(p), _) if p.starts_with('<') && p.ends_with("..>") => return true,
            (Some(p), Some(_)) if p.starts_with('<') && p.ends_with('>') => {}
            (Some(p), Some(s)) if p == s => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn route_patterns_match_paths() {
        assert!(path_matches(
            "/api/v1/contracts/<id>",
            "/api/v1/contracts/abc"
        ));
        assert!(path_matches("/static/<path..>", "/static/a/b.js"));
        assert!(!path_matches("/api/v1/contracts/<id>", "/api/v1/contracts"));
        assert!(!path_matches("/api/v1/contracts", "/api/v1/contracts/abc"));
        assert!(path_matches("/health", "/health"));
    }
}
