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
    /// The check characters (positions 17 and 18) do not agree with the rest of the code: it
    /// was mistyped or made up. One variant for both checks, so that fixing the character the
    /// message named never leads to a second message about another position.
    #[error("not a valid unified social credit code: {}", english_hint(*suspects, *fix))]
    ChecksDoNotMatch {
        /// The positions where changing one character would make the code valid.
        suspects: Positions,
        /// The character that would make it valid, when only one position and one character can.
        fix: Option<char>,
    },
}

/// A set of 1-based positions 1–18 of a credit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Positions(u32);

impl Positions {
    /// The set of the given positions (those outside 1–18 are ignored).
    pub fn of(positions: &[usize]) -> Positions {
        Positions(
            positions
                .iter()
                .copied()
                .filter(|p| (1..=LEN).contains(p))
                .fold(0, |bits, p| bits | (1 << (p - 1))),
        )
    }

    /// The positions, ascending.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (1..=LEN).filter(move |p| self.0 & (1 << (p - 1)) != 0)
    }

    /// How many positions.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether there are none.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Runs of consecutive positions as `(first, last)`.
    fn runs(self) -> Vec<(usize, usize)> {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for p in self.iter() {
            match runs.last_mut() {
                Some((_, last)) if *last + 1 == p => *last = p,
                _ => runs.push((p, p)),
            }
        }
        runs
    }

    /// `1–8, 18` in English, `第 1–8、18 位` in Chinese.
    fn describe(self, zh: bool) -> String {
        let runs: Vec<String> = self
            .runs()
            .into_iter()
            .map(|(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}–{b}")
                }
            })
            .collect();
        if zh {
            format!("第 {} 位", runs.join("、"))
        } else {
            runs.join(", ")
        }
    }
}

/// The English explanation of a failed check.
fn english_hint(suspects: Positions, fix: Option<char>) -> String {
    match (suspects.len(), fix) {
        (0, _) => "its check characters do not match the rest; more than one character is wrong, check the code character by character".into(),
        (1, Some(c)) => format!(
            "its check characters do not match the rest; character {} is probably mistyped (the code is valid with '{c}' there)",
            suspects.describe(false)
        ),
        (1, None) => format!(
            "its check characters do not match the rest; character {} is probably mistyped",
            suspects.describe(false)
        ),
        _ => format!(
            "its check characters do not match the rest; one of the characters at positions {} is probably mistyped",
            suspects.describe(false)
        ),
    }
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
            Self::ChecksDoNotMatch { suspects, fix } => match (suspects.len(), fix) {
                (0, _) => {
                    "统一社会信用代码无效：校验码与前面各位不符，不止一位有误，请逐位核对".into()
                }
                (1, Some(c)) => format!(
                    "统一社会信用代码无效：校验码与前面各位不符，{}可能录错了（改为“{c}”即可通过校验）",
                    suspects.describe(true)
                ),
                (1, None) => format!(
                    "统一社会信用代码无效：校验码与前面各位不符，{}可能录错了",
                    suspects.describe(true)
                ),
                _ => format!(
                    "统一社会信用代码无效：校验码与前面各位不符，可能是{}中有一位录错了，请核对",
                    suspects.describe(true)
                ),
            },
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
        if !checks_pass(&values) {
            let (suspects, fix) = single_character_fixes(&values);
            return Err(CreditCodeError::ChecksDoNotMatch { suspects, fix });
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

/// Whether both check characters agree with the values of a full code.
fn checks_pass(values: &[u8]) -> bool {
    values.len() == LEN
        && value_of(organisation_check(&values[8..BODY_LEN])) == Some(values[BODY_LEN])
        && value_of(check_character(&values[..LEN - 1])) == Some(values[LEN - 1])
}

/// Every position where changing one character makes the code valid, and that character when
/// exactly one position and one character do. (18 × 30 candidates: cheap.)
fn single_character_fixes(values: &[u8]) -> (Positions, Option<char>) {
    let mut positions = Vec::new();
    let mut fixes = Vec::new();
    let mut candidate = values.to_vec();
    for position in 0..values.len() {
        for value in (0u8..31).filter(|&v| v != values[position]) {
            candidate[position] = value;
            if checks_pass(&candidate) {
                positions.push(position + 1);
                fixes.push(char::from(symbol(value)));
            }
        }
        candidate[position] = values[position];
    }
    let fix = match fixes.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    (Positions::of(&positions), fix)
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
    fn fabricated_codes_fail_with_one_error() {
        for code in [
            "91371300MA3R064567",
            "91371300123410000F",
            "91350203M0001QAY9B",
        ] {
            assert!(
                matches!(
                    CreditCode::parse(code),
                    Err(CreditCodeError::ChecksDoNotMatch { .. })
                ),
                "{code}"
            );
        }
    }

    /// `code` with the character at 1-based `position` replaced by `c`.
    fn with(code: &str, position: usize, c: char) -> String {
        code.chars()
            .enumerate()
            .map(|(i, old)| if i + 1 == position { c } else { old })
            .collect()
    }

    #[test]
    fn a_typo_in_positions_9_to_17_is_named_with_its_fix() {
        // Every single typo in the organisation code or its check is among the positions the
        // message names; when it is the only one, the message gives the right character.
        let mut named = 0;
        for real in REAL {
            for position in 9..=17 {
                let right = real.chars().nth(position - 1).unwrap();
                for typo in "0123456789ABCDEFGHJKLMNPQRTUWXY"
                    .chars()
                    .filter(|&c| c != right)
                {
                    let Err(CreditCodeError::ChecksDoNotMatch { suspects, fix }) =
                        CreditCode::parse(&with(real, position, typo))
                    else {
                        panic!("{real} with {typo} at {position} must fail");
                    };
                    assert!(
                        suspects.iter().any(|p| p == position),
                        "{real} {position} {typo}"
                    );
                    if suspects.len() == 1 {
                        assert_eq!(fix, Some(right), "{real} {position} {typo}");
                        named += 1;
                    }
                }
            }
        }
        // The two checks (mod 11 and mod 31) leave 341 combinations, so another position can
        // often be changed to pass both as well: then the message lists every such position.
        // Here 670 of the 1,620 typos are pinned to one position with its fix.
        assert!(named * 3 >= 6 * 9 * 30, "named {named} of {}", 6 * 9 * 30);
    }

    #[test]
    fn fixing_the_named_character_never_leads_to_another_message() {
        // The old messages said "position 18 should be …" and, once that was done, "position 17
        // should be …". Now the message names the wrong character, and fixing it passes.
        let typo = with(REAL[0], 17, '7');
        let e = CreditCode::parse(&typo).unwrap_err();
        let CreditCodeError::ChecksDoNotMatch { suspects, fix } = e else {
            panic!("{e:?}");
        };
        assert_eq!(suspects, Positions::of(&[17]));
        assert_eq!(fix, Some('2'));
        assert!(
            e.message_zh().contains("第 17 位可能录错了（改为“2”"),
            "{}",
            e.message_zh()
        );
        assert!(!e.message_zh().contains("18"), "{}", e.message_zh());
        assert_eq!(
            CreditCode::parse(&with(&typo, 17, '2')).unwrap().as_str(),
            REAL[0]
        );
    }

    #[test]
    fn a_typo_in_positions_1_to_8_or_18_lists_the_candidates_in_one_message() {
        // Positions 1–8 and 18 are covered by the final check alone, so any of them may be the
        // wrong one: the message names them all, once.
        let e = CreditCode::parse(&with(REAL[0], 5, '2')).unwrap_err();
        let CreditCodeError::ChecksDoNotMatch { suspects, fix } = e else {
            panic!("{e:?}");
        };
        assert_eq!(suspects, Positions::of(&[1, 2, 3, 4, 5, 6, 7, 8, 18]));
        assert_eq!(fix, None);
        assert_eq!(
            e.message_zh(),
            "统一社会信用代码无效：校验码与前面各位不符，可能是第 1–8、18 位中有一位录错了，请核对"
        );
        assert!(
            e.message_en().contains("positions 1–8, 18"),
            "{}",
            e.message_en()
        );
    }

    #[test]
    fn two_typos_say_more_than_one_character_is_wrong() {
        let e = CreditCode::parse(&with(&with(REAL[0], 10, '9'), 14, 'A')).unwrap_err();
        let CreditCodeError::ChecksDoNotMatch { suspects, .. } = e else {
            panic!("{e:?}");
        };
        if suspects.is_empty() {
            assert!(
                e.message_zh().contains("不止一位有误"),
                "{}",
                e.message_zh()
            );
        } else {
            assert!(e.message_zh().contains("录错了"), "{}", e.message_zh());
        }
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
        assert!(err.to_string().contains("check characters"), "{err}");
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
            CreditCodeError::ChecksDoNotMatch {
                suspects: Positions::default(),
                fix: None,
            },
            CreditCodeError::ChecksDoNotMatch {
                suspects: Positions::of(&[12]),
                fix: Some('A'),
            },
            CreditCodeError::ChecksDoNotMatch {
                suspects: Positions::of(&[12]),
                fix: None,
            },
            CreditCodeError::ChecksDoNotMatch {
                suspects: Positions::of(&[1, 18]),
                fix: None,
            },
        ];
        for e in all {
            assert!(!e.message_en().is_empty());
            assert!(!e.message_zh().is_empty());
        }
    }
}
