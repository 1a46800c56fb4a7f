//! Query-string parameters, parsed by hand so that a bad value is a 422 naming it.

use super::problem::{ApiError, ApiResult};

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 500;

/// `?limit=`: 1–500, default 50.
pub fn limit(value: Option<&str>) -> ApiResult<i64> {
    int("limit", value, DEFAULT_LIMIT, 1, MAX_LIMIT)
}

/// An integer parameter in `min..=max`, `default` when absent.
pub fn int(name: &str, value: Option<&str>, default: i64, min: i64, max: i64) -> ApiResult<i64> {
    match value {
        None | Some("") => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(
                name,
                format!("must be an integer from {min} to {max}"),
                format!("应为{min}到{max}之间的整数"),
            )),
        },
    }
}

/// A `YYYY-MM-DD` date parameter.
pub fn date(name: &str, value: Option<&str>) -> ApiResult<Option<chrono::NaiveDate>> {
    match value {
        None | Some("") => Ok(None),
        Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                ApiError::invalid(name, "must be a date YYYY-MM-DD", "日期格式应为YYYY-MM-DD")
            }),
    }
}
