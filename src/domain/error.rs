//! Error plumbing shared by the domain types: bilingual messages, the "not in this code list"
//! error, and one enum that can carry any domain error.

use std::fmt;

use super::country::CountryError;
use super::credit_code::CreditCodeError;
use super::money::MoneyError;
use super::region::RegionError;
use super::registration_no::RegistrationNoError;

/// An error that can explain itself in English (API) and in Chinese (web pages).
pub trait Localized: std::error::Error {
    /// The English message; the same text as `Display`.
    fn message_en(&self) -> String {
        self.to_string()
    }

    /// The Chinese message shown on the web pages.
    fn message_zh(&self) -> String;
}

/// Longest part of a rejected value echoed back in an error message, in characters.
const ECHO_LIMIT: usize = 40;

/// A value that is not one of the codes of a fixed list (contract type, office, role, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    what_en: String,
    what_zh: String,
    value: String,
    allowed: Vec<(&'static str, &'static str)>,
}

impl UnknownCode {
    /// Builds the error for `value`, naming the list and its allowed `(code, Chinese label)` pairs.
    pub fn new(
        what_en: impl Into<String>,
        what_zh: impl Into<String>,
        value: &str,
        allowed: impl IntoIterator<Item = (&'static str, &'static str)>,
    ) -> Self {
        let mut echoed: String = value.chars().take(ECHO_LIMIT).collect();
        if value.chars().nth(ECHO_LIMIT).is_some() {
            echoed.push('…');
        }
        Self {
            what_en: what_en.into(),
            what_zh: what_zh.into(),
            value: echoed,
            allowed: allowed.into_iter().collect(),
        }
    }

    /// The rejected value (cut to 40 characters).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The codes that would have been accepted.
    pub fn allowed_codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.allowed.iter().map(|(code, _)| *code)
    }
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} \"{}\"; ", self.what_en, self.value)?;
        if self.allowed.is_empty() {
            return f.write_str("no value is allowed here");
        }
        let codes: Vec<&str> = self.allowed_codes().collect();
        write!(f, "allowed: {}", codes.join(", "))
    }
}

impl std::error::Error for UnknownCode {}

impl Localized for UnknownCode {
    fn message_zh(&self) -> String {
        let head = format!("{}“{}”无效", self.what_zh, self.value);
        if self.allowed.is_empty() {
            return format!("{head}，此处不应填写");
        }
        let options: Vec<String> = self
            .allowed
            .iter()
            .map(|(code, label)| format!("{label}（{code}）"))
            .collect();
        format!("{head}，可选值：{}", options.join("、"))
    }
}

/// Any error a domain constructor can return, for callers that handle them in one place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// An amount was refused.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// A unified social credit code was refused.
    #[error(transparent)]
    CreditCode(#[from] CreditCodeError),
    /// An administrative division code was refused.
    #[error(transparent)]
    Region(#[from] RegionError),
    /// A registration number was refused.
    #[error(transparent)]
    RegistrationNo(#[from] RegistrationNoError),
    /// A country code was refused.
    #[error(transparent)]
    Country(#[from] CountryError),
    /// A value is not in its code list.
    #[error(transparent)]
    UnknownCode(#[from] UnknownCode),
}

impl Localized for DomainError {
    fn message_zh(&self) -> String {
        match self {
            Self::Money(e) => e.message_zh(),
            Self::CreditCode(e) => e.message_zh(),
            Self::Region(e) => e.message_zh(),
            Self::RegistrationNo(e) => e.message_zh(),
            Self::Country(e) => e.message_zh(),
            Self::UnknownCode(e) => e.message_zh(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_code_lists_the_allowed_codes_in_both_languages() {
        let e = UnknownCode::new("colour", "颜色", "blue", [("red", "红"), ("green", "绿")]);
        assert_eq!(
            e.to_string(),
            "unknown colour \"blue\"; allowed: red, green"
        );
        assert_eq!(e.message_en(), e.to_string());
        assert_eq!(
            e.message_zh(),
            "颜色“blue”无效，可选值：红（red）、绿（green）"
        );
    }

    #[test]
    fn unknown_code_with_an_empty_list_says_nothing_is_allowed() {
        let e = UnknownCode::new("subtype", "子类", "x", []);
        assert!(e.to_string().contains("no value is allowed"));
        assert!(e.message_zh().contains("不应填写"));
    }

    #[test]
    fn long_rejected_values_are_cut_in_the_message() {
        let long = "a".repeat(10_000);
        let e = UnknownCode::new("colour", "颜色", &long, []);
        assert_eq!(e.value().chars().count(), ECHO_LIMIT + 1);
        assert!(e.to_string().len() < 200);
    }

    #[test]
    fn domain_error_passes_the_messages_through() {
        let inner = MoneyError::Negative;
        let e = DomainError::from(inner);
        assert_eq!(e.to_string(), inner.to_string());
        assert_eq!(e.message_zh(), inner.message_zh());
        assert!(!e.message_zh().is_empty());
    }
}
