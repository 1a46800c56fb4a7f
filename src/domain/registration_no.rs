//! Contract registration numbers (合同登记编号): `YYYY` + `3713` + office suffix + sequence.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::error::Localized;
use super::office::OfficeCode;

/// First year a number may carry.
const MIN_YEAR: u16 = 2000;
/// Last year a number may carry.
const MAX_YEAR: u16 = 2999;
/// Largest sequence number of an office in one year.
const MAX_SEQ: u32 = 999_999;
/// The city part of every number: Linyi.
const CITY: &str = "3713";

/// Why a registration number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationNoError {
    /// The text is not exactly 16 digits.
    #[error("a registration number is 16 digits, e.g. 2026371302000123")]
    NotSixteenDigits,
    /// The year is outside 2000–2999.
    #[error("the registration year {year} is outside 2000–2999")]
    YearOutOfRange {
        /// The year given.
        year: u32,
    },
    /// Digits 5–8 are not 3713 (Linyi).
    #[error("digits 5–8 of a registration number must be 3713 (Linyi)")]
    NotLinyi,
    /// Digits 9–10 are not the suffix of one of the 15 offices.
    #[error("\"{suffix}\" (digits 9–10) is not the suffix of a Linyi registration office")]
    UnknownOffice {
        /// The two digits given.
        suffix: String,
    },
    /// The sequence is outside 000001–999999.
    #[error("the sequence number {seq} is outside 1–999999")]
    SequenceOutOfRange {
        /// The sequence given.
        seq: u32,
    },
}

impl Localized for RegistrationNoError {
    fn message_zh(&self) -> String {
        match self {
            Self::NotSixteenDigits => {
                "合同登记编号应为 16 位数字，例如 2026371302000123".to_owned()
            }
            Self::YearOutOfRange { year } => {
                format!("登记年份 {year} 不在 2000–2999 之间")
            }
            Self::NotLinyi => "合同登记编号第 5–8 位应为 3713（临沂市）".to_owned(),
            Self::UnknownOffice { suffix } => {
                format!("合同登记编号第 9–10 位“{suffix}”不是临沂市登记点的代码")
            }
            Self::SequenceOutOfRange { seq } => {
                format!("登记序号 {seq} 不在 1–999999 之间")
            }
        }
    }
}

/// A contract registration number of a Linyi office, e.g. `2026371302000123`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct RegistrationNo {
    text: String,
    year: u16,
    office: OfficeCode,
    seq: u32,
}

impl RegistrationNo {
    /// Builds the number an office gives its `seq`-th registration of `year`.
    pub fn new(
        year: u16,
        office: OfficeCode,
        seq: u32,
    ) -> Result<RegistrationNo, RegistrationNoError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(RegistrationNoError::YearOutOfRange {
                year: u32::from(year),
            });
        }
        if !(1..=MAX_SEQ).contains(&seq) {
            return Err(RegistrationNoError::SequenceOutOfRange { seq });
        }
        Ok(RegistrationNo {
            text: format!("{year:04}{CITY}{}{seq:06}", office.suffix()),
            year,
            office,
            seq,
        })
    }

    /// Parses 16 digits, checking the year, the city, the office and the sequence.
    pub fn parse(s: &str) -> Result<RegistrationNo, RegistrationNoError> {
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegistrationNoError::NotSixteenDigits);
        }
        let part = |range: std::ops::Range<usize>| s.get(range).unwrap_or_default();
        let number = |text: &str| text.parse::<u32>().unwrap_or_default();
        let year = number(part(0..4));
        let year = u16::try_from(year)
            .ok()
            .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
            .ok_or(RegistrationNoError::YearOutOfRange { year })?;
        if part(4..8) != CITY {
            return Err(RegistrationNoError::NotLinyi);
        }
        let suffix = part(8..10);
        let office =
            OfficeCode::from_suffix(suffix).ok_or_else(|| RegistrationNoError::UnknownOffice {
                suffix: suffix.to_owned(),
            })?;
        Self::new(year, office, number(part(10..16)))
    }

    /// The registration year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The office that registered the contract.
    pub fn office(&self) -> OfficeCode {
        self.office
    }

    /// The office's sequence number within the year (1–999999).
    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// The 16 digits.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for RegistrationNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for RegistrationNo {
    type Err = RegistrationNoError;
    fn from_str(s: &str) -> Result<RegistrationNo, RegistrationNoError> {
        RegistrationNo::parse(s)
    }
}

impl TryFrom<&str> for RegistrationNo {
    type Error = RegistrationNoError;
    fn try_from(s: &str) -> Result<RegistrationNo, RegistrationNoError> {
        RegistrationNo::parse(s)
    }
}

impl TryFrom<String> for RegistrationNo {
    type Error = RegistrationNoError;
    fn try_from(s: String) -> Result<RegistrationNo, RegistrationNoError> {
        RegistrationNo::parse(&s)
    }
}

impl Serialize for RegistrationNo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_year_city_office_and_sequence() {
        let cases = [
            (2026, OfficeCode::Lanshan, 123, "2026371302000123"),
            (2026, OfficeCode::HighTechZone, 1, "2026371371000001"),
            (2000, OfficeCode::LingangZone, 999_999, "2000371373999999"),
            (2999, OfficeCode::Linshu, 42, "2999371329000042"),
        ];
        for (year, office, seq, text) in cases {
            let no = RegistrationNo::new(year, office, seq).unwrap();
            assert_eq!(no.as_str(), text);
            let parsed = RegistrationNo::parse(text).unwrap();
            assert_eq!(parsed, no);
            assert_eq!(
                (parsed.year(), parsed.office(), parsed.seq()),
                (year, office, seq)
            );
        }
    }

    #[test]
    fn new_refuses_years_and_sequences_out_of_range() {
        let cases = [
            (1999, 1, RegistrationNoError::YearOutOfRange { year: 1999 }),
            (3000, 1, RegistrationNoError::YearOutOfRange { year: 3000 }),
            (2026, 0, RegistrationNoError::SequenceOutOfRange { seq: 0 }),
            (
                2026,
                1_000_000,
                RegistrationNoError::SequenceOutOfRange { seq: 1_000_000 },
            ),
        ];
        for (year, seq, err) in cases {
            assert_eq!(RegistrationNo::new(year, OfficeCode::Fei, seq), Err(err));
        }
    }

    #[test]
    fn parse_refuses_each_broken_part() {
        let cases = [
            ("", RegistrationNoError::NotSixteenDigits),
            ("202637130200012", RegistrationNoError::NotSixteenDigits),
            ("20263713020001234", RegistrationNoError::NotSixteenDigits),
            ("2026371302000l23", RegistrationNoError::NotSixteenDigits),
            (" 026371302000123", RegistrationNoError::NotSixteenDigits),
            ("２026371302000123", RegistrationNoError::NotSixteenDigits),
            (
                "1999371302000123",
                RegistrationNoError::YearOutOfRange { year: 1999 },
            ),
            (
                "0000371302000123",
                RegistrationNoError::YearOutOfRange { year: 0 },
            ),
            ("2026370102000123", RegistrationNoError::NotLinyi),
            (
                "2026371300000123",
                RegistrationNoError::UnknownOffice {
                    suffix: "00".to_owned(),
                },
            ),
            (
                "2026371374000123",
                RegistrationNoError::UnknownOffice {
                    suffix: "74".to_owned(),
                },
            ),
            (
                "2026371302000000",
                RegistrationNoError::SequenceOutOfRange { seq: 0 },
            ),
        ];
        for (input, err) in cases {
            assert_eq!(RegistrationNo::parse(input), Err(err), "{input:?}");
        }
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let no = RegistrationNo::parse("2026371302000123").unwrap();
        let json = serde_json::to_string(&no).unwrap();
        assert_eq!(json, "\"2026371302000123\"");
        assert_eq!(serde_json::from_str::<RegistrationNo>(&json).unwrap(), no);
        assert!(serde_json::from_str::<RegistrationNo>("\"2026371399000123\"").is_err());
        assert!(serde_json::from_str::<RegistrationNo>("2026371302000123").is_err());
    }

    #[test]
    fn every_error_has_english_and_chinese_messages() {
        let all = [
            RegistrationNoError::NotSixteenDigits,
            RegistrationNoError::YearOutOfRange { year: 1 },
            RegistrationNoError::NotLinyi,
            RegistrationNoError::UnknownOffice {
                suffix: "99".to_owned(),
            },
            RegistrationNoError::SequenceOutOfRange { seq: 0 },
        ];
        for e in all {
            assert!(!e.message_en().is_empty());
            assert!(!e.message_zh().is_empty());
        }
    }
}
