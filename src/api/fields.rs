//! Turning request fields into domain values, collecting every bad field before answering.

use chrono::NaiveDate;

use super::problem::ApiError;
use crate::domain::Localized;
use crate::ledger::FieldError;

/// Collects field errors while parsing a request body.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// An empty collector.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// Records an error.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// A required value parsed by `parse`; records "required" or the parse error.
    pub fn required<T, E: Localized>(
        &mut self,
        field: &str,
        value: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match value.map(str::trim) {
            None | Some("") => {
                self.errors.push(FieldError::new(field, "required", "必填"));
                None
            }
            Some(v) => self.parsed(field, v, parse),
        }
    }

    /// An optional value parsed by `parse` (absent or empty means none).
    pub fn optional<T, E: Localized>(
        &mut self,
        field: &str,
        value: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match value.map(str::trim) {
            None | Some("") => None,
            Some(v) => self.parsed(field, v, parse),
        }
    }

    fn parsed<T, E: Localized>(
        &mut self,
        field: &str,
        value: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match parse(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(FieldError::from_domain(field, &e));
                None
            }
        }
    }

    /// An optional record id (our ids are UUIDs), refused when it cannot be one.
    pub fn optional_id(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(v) if uuid::Uuid::parse_str(v).is_ok() => Some(v.to_string()),
            Some(_) => {
                self.errors.push(FieldError::new(
                    field,
                    "not a record id (a UUID)",
                    "编号格式无效",
                ));
                None
            }
        }
    }

    /// A required non-empty line of at most `max` characters (no control characters).
    pub fn text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        self.checked_text(field, value, max, crate::ledger::text::is_line)
    }

    /// Required text of at most `max` characters that may run over several lines (a reason).
    pub fn paragraph(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        self.checked_text(field, value, max, crate::ledger::text::is_paragraph)
    }

    fn checked_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
        allowed: fn(&str) -> bool,
    ) -> Option<String> {
        match value.map(str::trim) {
            None | Some("") => {
                self.errors.push(FieldError::new(field, "required", "必填"));
                None
            }
            Some(v) if v.chars().count() > max => {
                self.errors.push(FieldError::new(
                    field,
                    format!("at most {max} characters"),
                    format!("不能超过{max}个字符"),
                ));
                None
            }
            Some(v) if !allowed(v) => {
                self.errors.push(crate::ledger::text::refused(field));
                None
            }
            Some(v) => Some(v.to_string()),
        }
    }

    /// A required `YYYY-MM-DD` date.
    pub fn date(&mut self, field: &str, value: Option<&str>) -> Option<NaiveDate> {
        self.required(field, value, parse_date)
    }

    /// An optional `YYYY-MM-DD` date.
    pub fn optional_date(&mut self, field: &str, value: Option<&str>) -> Option<NaiveDate> {
        self.optional(field, value, parse_date)
    }

    /// Fails with every recorded error (422), or passes.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.errors))
        }
    }

    /// Whether an error was recorded for `field`.
    pub fn has_error_on(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// A calendar date that does not exist, or is not written `YYYY-MM-DD`.
#[derive(Debug, thiserror::Error)]
#[error("must be a real date written YYYY-MM-DD")]
pub struct BadDate;

impl Localized for BadDate {
    fn message_zh(&self) -> String {
        "应为有效日期，格式为YYYY-MM-DD".into()
    }
}

/// Parses `YYYY-MM-DD` (31 February is refused).
pub fn parse_date(s: &str) -> Result<NaiveDate, BadDate> {
    if s.len() != 10 {
        return Err(BadDate);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| BadDate)
}
