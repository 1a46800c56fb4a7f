//! Requests whose path or query carry control characters (`%00`, say) are answered with a 422
//! naming the parameter before any route runs: no route has a use for them, and PostgreSQL
//! refuses a NUL in a text parameter, which would otherwise surface as a server error.

use rocket::Request;
use rocket::http::Method;
use rocket::http::uri::Origin;
use rocket::request::{FromRequest, Outcome};

/// The route every such request is sent to.
pub const REFUSED_PATH: &str = "/__refused_input";

/// The parameter that carried the character, kept for [`REFUSED_PATH`]'s handler.
#[derive(Debug, Clone, Default)]
pub struct RefusedInput(pub Option<String>);

/// The first parameter of `req` (query name, or `path`) holding a control character.
pub fn offending_parameter(req: &Request<'_>) -> Option<String> {
    if req
        .uri()
        .path()
        .segments()
        .any(|s| s.chars().any(char::is_control))
    {
        return Some("path".into());
    }
    req.uri().query().and_then(|q| {
        q.segments()
            .find(|(name, value)| {
                name.chars().any(char::is_control) || value.chars().any(char::is_control)
            })
            .map(|(name, _)| name.chars().filter(|c| !c.is_control()).collect())
    })
}

/// Sends `req` to [`REFUSED_PATH`] when it carries a control character.
pub fn divert(req: &mut Request<'_>) {
    if let Some(parameter) = offending_parameter(req) {
        req.local_cache(|| RefusedInput(Some(parameter)));
        req.set_method(Method::Get);
        req.set_uri(Origin::path_only(REFUSED_PATH));
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RefusedInput {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(req.local_cache(RefusedInput::default).clone())
    }
}
