//! The unified social credit code (统一社会信用代码, GB 32100-2015) of organisations.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::error::Localized;

/// The 31 symbols a credit code may use, in value order (no I, O, S, V, Z).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17 for the check character at position 18 (3^(i-1) mod 31).
const CHECK_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Weights of positions 9–16 for the organisation-code check at position 17 (GB 11714).
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
/// Characters in a full credit code.
const LEN: usize = 18;
/// Characters a generator supplies to `CreditCode::complete`.
const BODY_LEN: usize = 16;

/// Why a credit code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// The code does not have the expected number of characters.
    #[error("a unified social credit code has {expected} characters, this one has {found}")]
    WrongLength {
        /// Characters required.
        expected: usize,
        /// Characters given (after trimming).
        found: usize,
    },
    /// A character outside `0-9 A-H J-N P-R T U W-Y`.
    #[error(
        "character {position} ('{character}') is not allowed in a unified social credit code (digits and upper-case letters except I, O, S, V, Z)"
    )]
    InvalidCharacter {
        /// 1-based position of the character.
        position: usize,
        /// The character found there.
        character: char,
    },
    /// Position 17 is not the organisation-code check digit of positions 9–16.
    #[error(
        "the organisation-code check at position 17 does not match: expected '{expected}', found '{found}'"
    )]
    OrganisationCheckMismatch {
        /// The check character positions 9–16 call for.
        expected: char,
        /// The character given.
        found: char,
    },
    /// Position 18 is not the check character of positions 1–17.
    #[error("the check character does not match: expected '{expected}', found '{found}'")]
    CheckCharacterMismatch {
        /// The check character positions 1–17 call for.
        expected: char,
        /// The character given.
        found: char,
    },
}

impl Localized for CreditCodeError {
    fn message_zh(&self) -> String {
        match self {
            Self::WrongLength { expected, found } => {
                format!("统一社会信用代码应为 {expected} 位，实际为 {found} 位")
            }
            Self::InvalidCharacter {
                position,
                character,
            } => format!(
                "统一社会信用代码第 {position} 位的字符“{character}”无效（只能是数字和除 I、O、S、V、Z 以外的大写字母）"
            ),
            Self::OrganisationCheckMismatch { expected, found } => format!(
                "统一社会信用代码第 17 位（组织机构代码校验码）应为“{expected}”，实际为“{found}”"
            ),
            Self::CheckCharacterMismatch { expected, found } => format!(
                "统一社会信用代码校验码（第 18 位）应为“{expected}”，实际为“{found}”，请核对代码"
            ),
        }
    }
}

/// A verified 18-character unified social credit code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a code after trimming blanks and upper-casing, verifying both check characters.
    pub fn parse(s: &str) -> Result<CreditCode, CreditCodeError> {
        let values = values(s, LEN)?;
        let code: String = s.trim().to_ascii_uppercase();
        let found = |position: usize| char::from(symbol(values[position - 1]));

        let check = check_character(&values[..LEN - 1]);
        if found(18) != check {
            return Err(CreditCodeError::CheckCharacterMismatch {
                expected: check,
                found: found(18),
            });
        }
        let org_check = organisation_check(&values[8..BODY_LEN]);
        if found(17) != org_check {
            return Err(CreditCodeError::OrganisationCheckMismatch {
                expected: org_check,
                found: found(17),
            });
        }
        Ok(CreditCode(code))
    }

    /// Completes the first 16 characters with both check characters (for generators and tests).
    ///
    /// The organisation check may be `X`, which the alphabet contains, so every result parses.
    pub fn complete(first16: &str) -> Result<CreditCode, CreditCodeError> {
        let mut values = values(first16, BODY_LEN)?;
        let org_check = organisation_check(&values[8..BODY_LEN]);
        values.push(
            value_of(org_check).ok_or(CreditCodeError::InvalidCharacter {
                position: 17,
                character: org_check,
            })?,
        );
        let check = check_character(&values);
        let mut code = first16.trim().to_ascii_uppercase();
        code.push(org_check);
        code.push(check);
        Ok(CreditCode(code))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Positions 3–8: the GB/T 2260 code of the registering authority's area (may be outdated).
    pub fn registering_region(&self) -> &str {
        self.0.get(2..8).unwrap_or_default()
    }
}

/// Trims, upper-cases and maps each character to its alphabet value, checking the length.
fn values(s: &str, expected: usize) -> Result<Vec<u8>, CreditCodeError> {
    let s = s.trim();
    let found = s.chars().count();
    if found != expected {
        return Err(CreditCodeError::WrongLength { expected, found });
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            value_of(c.to_ascii_uppercase()).ok_or(CreditCodeError::InvalidCharacter {
                position: i + 1,
                character: c,
            })
        })
        .collect()
}

/// The value 0–30 of an alphabet character.
fn value_of(c: char) -> Option<u8> {
    let byte = u8::try_from(c).ok()?;
    ALPHABET
        .iter()
        .position(|&a| a == byte)
        .and_then(|i| u8::try_from(i).ok())
}

/// The alphabet character of a value 0–30.
fn symbol(value: u8) -> u8 {
    ALPHABET.get(usize::from(value)).copied().unwrap_or(b'?')
}

/// The check character (position 18) for the values of positions 1–17.
fn check_character(values: &[u8]) -> char {
    let sum: u32 = values
        .iter()
        .zip(CHECK_WEIGHTS)
        .map(|(&v, w)| u32::from(v) * w)
        .sum();
    let value = (31 - sum % 31) % 31;
    char::from(symbol(u8::try_from(value).unwrap_or(u8::MAX)))
}

/// The GB 11714 check character (position 17) for the values of positions 9–16.
fn organisation_check(values: &[u8]) -> char {
    // GB 11714 values letters A–Z as 10–35, so map back through the alphabet first.
    let org_value = |v: u8| {
        let c = symbol(v);
        if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        }
    };
    let sum: u32 = values
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(&v, w)| org_value(v) * w)
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from_digit(digit, 10).unwrap_or('?'),
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<CreditCode, CreditCodeError> {
        CreditCode::parse(s)
    }
}

impl TryFrom<&str> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(s: &str) -> Result<CreditCode, CreditCodeError> {
        CreditCode::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(s: String) -> Result<CreditCode, CreditCodeError> {
        CreditCode::parse(&s)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for CreditCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const REAL: [&str; 6] = [
        "913713001682510225",
        "913713006139930338",
        "9137130016829134XT",
        "91350200776049653A",
        "91440101MA5CJQ4N59",
        "9135021359498494XQ",
    ];

    #[test]
    fn real_codes_pass() {
        for code in REAL {
            let parsed = CreditCode::parse(code).unwrap();
            assert_eq!(parsed.as_str(), code);
        }
    }

    #[test]
    fn input_is_trimmed_and_upper_cased() {
        let parsed = CreditCode::parse("  9137130016829134xt\n").unwrap();
        assert_eq!(parsed.as_str(), "9137130016829134XT");
    }

    #[test]
    fn fabricated_codes_fail_the_check_character() {
        let cases = [
            ("91371300MA3R064567", 'G', '7'),
            ("91371300123410000F", 'L', 'F'),
            ("91350203M0001QAY9B", '9', 'B'),
        ];
        for (code, expected, found) in cases {
            assert_eq!(
                CreditCode::parse(code),
                Err(CreditCodeError::CheckCharacterMismatch { expected, found }),
                "{code}"
            );
        }
    }

    #[test]
    fn a_wrong_organisation_check_is_caught_even_with_a_matching_check_character() {
        // 9137130016825102 + '3' (should be '2') with position 18 recomputed.
        let mut values = values("9137130016825102", 16).unwrap();
        values.push(3);
        let check = check_character(&values);
        let code = format!("91371300168251023{check}");
        assert_eq!(
            CreditCode::parse(&code),
            Err(CreditCodeError::OrganisationCheckMismatch {
                expected: '2',
                found: '3'
            })
        );
    }

    #[test]
    fn wrong_lengths_are_refused() {
        let cases = [
            ("", 0),
            ("91371300168251022", 17),
            ("9137130016825102255", 19),
            ("９１３７１３００１６８２５１０２２５", 18),
        ];
        for (code, found) in cases.iter().take(3) {
            assert_eq!(
                CreditCode::parse(code),
                Err(CreditCodeError::WrongLength {
                    expected: 18,
                    found: *found
                }),
                "{code}"
            );
        }
        // Full-width digits count as characters, so the length is right and the characters wrong.
        assert_eq!(
            CreditCode::parse(cases[3].0),
            Err(CreditCodeError::InvalidCharacter {
                position: 1,
                character: '９'
            })
        );
    }

    #[test]
    fn letters_outside_the_alphabet_are_refused_with_their_position() {
        let cases = [
            ("I13713001682510225", 1, 'I'),
            ("91371300168251022O", 18, 'O'),
            ("913713001682510S25", 16, 'S'),
            ("9137130016825v0225", 14, 'v'),
            ("9137-3001682510225", 5, '-'),
            ("91371300168251022Z", 18, 'Z'),
        ];
        for (code, position, character) in cases {
            assert_eq!(
                CreditCode::parse(code),
                Err(CreditCodeError::InvalidCharacter {
                    position,
                    character
                }),
                "{code}"
            );
        }
    }

    #[test]
    fn complete_rebuilds_the_real_codes() {
        for code in REAL {
            let completed = CreditCode::complete(&code[..16]).unwrap();
            assert_eq!(completed.as_str(), code);
        }
    }

    #[test]
    fn complete_covers_x_and_zero_organisation_checks_and_always_parses() {
        // Walk many bodies so that every organisation check (0–9 and X) and every
        // check character appears at least once.
        let mut org_checks = std::collections::BTreeSet::new();
        let mut checks = std::collections::BTreeSet::new();
        for n in 0..20_000u32 {
            let body = format!("91371302{:08}", n * 7919 % 100_000_000);
            let code = CreditCode::complete(&body).unwrap();
            assert_eq!(CreditCode::parse(code.as_str()), Ok(code.clone()));
            let bytes = code.as_str().as_bytes();
            org_checks.insert(bytes[16]);
            checks.insert(bytes[17]);
        }
        assert_eq!(org_checks.len(), 11, "0-9 and X");
        assert!(org_checks.contains(&b'X') && org_checks.contains(&b'0'));
        assert_eq!(checks.len(), 31);
    }

    #[test]
    fn complete_accepts_letters_in_the_body_and_refuses_bad_input() {
        let code = CreditCode::complete("91440101ma5cjq4n").unwrap();
        assert_eq!(code.as_str(), "91440101MA5CJQ4N59");
        assert_eq!(
            CreditCode::complete("913713001682510"),
            Err(CreditCodeError::WrongLength {
                expected: 16,
                found: 15
            })
        );
        assert_eq!(
            CreditCode::complete("91371300168251I2"),
            Err(CreditCodeError::InvalidCharacter {
                position: 15,
                character: 'I'
            })
        );
    }

    #[test]
    fn the_registering_region_is_positions_three_to_eight() {
        let code = CreditCode::parse("91440101MA5CJQ4N59").unwrap();
        assert_eq!(code.registering_region(), "440101");
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let code = CreditCode::parse(REAL[2]).unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"9137130016829134XT\"");
        assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), code);
        let err = serde_json::from_str::<CreditCode>("\"91371300MA3R064567\"").unwrap_err();
        assert!(err.to_string().contains("check character"), "{err}");
    }

    #[test]
    fn every_error_has_english_and_chinese_messages() {
        let all = [
            CreditCodeError::WrongLength {
                expected: 18,
                found: 3,
            },
            CreditCodeError::InvalidCharacter {
                position: 2,
                character: 'I',
            },
            CreditCodeError::OrganisationCheckMismatch {
                expected: 'X',
                found: '1',
            },
            CreditCodeError::CheckCharacterMismatch {
                expected: 'A',
                found: 'B',
            },
        ];
        for e in all {
            assert!(!e.message_en().is_empty());
            assert!(!e.message_zh().is_empty());
        }
    }
}
