//! Country codes (ISO 3166-1 alpha-3) of parties outside China.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::error::Localized;

/// Why a country code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CountryError {
    /// The text is not exactly three ASCII letters.
    #[error("a country code is three letters (ISO 3166-1 alpha-3), e.g. DEU")]
    NotThreeLetters,
    /// `CHN` was given: parties in China carry a GB/T 2260 region instead.
    #[error("CHN is not a foreign country: give a party in China its GB/T 2260 region code")]
    China,
}

impl Localized for CountryError {
    fn message_zh(&self) -> String {
        match self {
            Self::NotThreeLetters => "国别代码应为 3 个英文字母（ISO 3166-1），例如 DEU",
            Self::China => "CHN 不是境外国别：境内主体请填写行政区划代码（GB/T 2260）",
        }
        .to_owned()
    }
}

/// The three-letter upper-case code of a foreign party's country, e.g. `DEU`.
///
/// Only the format is checked, not membership of the ISO list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct CountryCode(String);

impl CountryCode {
    /// Parses three ASCII letters (blanks trimmed, upper-cased); `CHN` is refused.
    pub fn parse(s: &str) -> Result<CountryCode, CountryError> {
        let s = s.trim();
        if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(CountryError::NotThreeLetters);
        }
        let code = s.to_ascii_uppercase();
        if code == "CHN" {
            return Err(CountryError::China);
        }
        Ok(CountryCode(code))
    }

    /// The three letters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CountryCode {
    type Err = CountryError;
    fn from_str(s: &str) -> Result<CountryCode, CountryError> {
        CountryCode::parse(s)
    }
}

impl TryFrom<&str> for CountryCode {
    type Error = CountryError;
    fn try_from(s: &str) -> Result<CountryCode, CountryError> {
        CountryCode::parse(s)
    }
}

impl TryFrom<String> for CountryCode {
    type Error = CountryError;
    fn try_from(s: String) -> Result<CountryCode, CountryError> {
        CountryCode::parse(&s)
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn three_letters_are_upper_cased() {
        let cases = [
            ("DEU", "DEU"),
            ("usa", "USA"),
            (" Jpn ", "JPN"),
            ("HKG", "HKG"),
        ];
        for (input, code) in cases {
            assert_eq!(CountryCode::parse(input).unwrap().as_str(), code);
        }
    }

    #[test]
    fn anything_but_three_letters_is_refused() {
        for input in ["", "DE", "DEUT", "D3U", "DÉU", "D U", "276", "ＤＥＵ"] {
            assert_eq!(
                CountryCode::parse(input),
                Err(CountryError::NotThreeLetters),
                "{input:?}"
            );
        }
    }

    #[test]
    fn china_is_not_a_foreign_country() {
        for input in ["CHN", "chn", " Chn"] {
            assert_eq!(CountryCode::parse(input), Err(CountryError::China));
        }
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let code = CountryCode::parse("deu").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"DEU\"");
        assert_eq!(serde_json::from_str::<CountryCode>(&json).unwrap(), code);
        assert_eq!(
            serde_json::from_str::<CountryCode>("\"usa\"")
                .unwrap()
                .as_str(),
            "USA"
        );
        assert!(serde_json::from_str::<CountryCode>("\"CHN\"").is_err());
    }

    #[test]
    fn every_error_has_english_and_chinese_messages() {
        for e in [CountryError::NotThreeLetters, CountryError::China] {
            assert!(!e.message_en().is_empty());
            assert!(!e.message_zh().is_empty());
        }
    }
}
