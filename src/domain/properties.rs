//! Property tests of the validated values: money, credit codes and region codes.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use super::credit_code::{CreditCode, CreditCodeError};
use super::money::{Money, MoneyError, Total, chinese_capitals};
use super::region::{RegionCode, RegionError};

/// The 31 symbols of a credit code, as in `credit_code`.
const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The exact value in fen of `integer.fraction` (fraction of 0–2 digits), computed apart from
/// `Money::parse`: `None` past the `i64` range.
fn exact_fen(integer: &str, fraction: &str) -> Option<i64> {
    let mut fen: i128 = 0;
    for b in integer.bytes() {
        fen = fen.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        if fen > i128::from(i64::MAX) {
            return None;
        }
    }
    let mut cents = 0;
    for (i, b) in fraction.bytes().enumerate() {
        cents += i128::from(b - b'0') * if i == 0 { 10 } else { 1 };
    }
    i64::try_from(fen * 100 + cents).ok()
}

/// Whether `s` has the one accepted form `^[0-9]+(\.[0-9]{1,2})?$`.
fn is_plain_amount(s: &str) -> bool {
    let (integer, fraction) = s.split_once('.').unwrap_or((s, "0"));
    !integer.is_empty()
        && integer.bytes().all(|b| b.is_ascii_digit())
        && (1..=2).contains(&fraction.len())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

fn money() -> impl Strategy<Value = Money> {
    (0..=Money::MAX.fen()).prop_map(|fen| Money::from_fen(fen).unwrap())
}

fn credit_body() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(CREDIT_ALPHABET.as_bytes()), 16)
        .prop_map(|bytes| bytes.into_iter().map(char::from).collect())
}

fn listed_region() -> impl Strategy<Value = RegionCode> {
    let all: Vec<RegionCode> = RegionCode::all().collect();
    proptest::sample::select(all)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn money_display_parses_back_to_the_same_fen(m in money()) {
        let text = m.to_string();
        prop_assert!(is_plain_amount(&text), "{text}");
        prop_assert_eq!(text.split_once('.').map(|(_, f)| f.len()), Some(2));
        prop_assert_eq!(Money::parse(&text), Ok(m));
        prop_assert_eq!(Money::from_decimal(m.to_decimal()), Ok(m));
        let json = serde_json::to_string(&m).unwrap();
        prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    }

    #[test]
    fn total_display_parses_back_over_the_whole_fen_range(fen in 0..=i64::MAX) {
        let total = Total::from_fen(fen).unwrap();
        prop_assert_eq!(Total::parse(&total.to_string()), Ok(total));
        prop_assert_eq!(Total::from_decimal(total.to_decimal()), Ok(total));
    }

    /// Any digits with 0–2 decimals and leading zeros read as their exact integer value in
    /// fen (no float in between: 19-digit amounts keep their last fen), up to the maximum.
    #[test]
    fn money_parse_is_exact_and_bounded(
        zeros in "0{0,3}",
        integer in "[0-9]{1,22}",
        fraction in proptest::option::of("[0-9]{1,2}"),
    ) {
        let text = match &fraction {
            Some(f) => format!("{zeros}{integer}.{f}"),
            None => format!("{zeros}{integer}"),
        };
        let exact = exact_fen(&integer, fraction.as_deref().unwrap_or(""));
        match exact {
            Some(fen) if fen <= Money::MAX.fen() => {
                prop_assert_eq!(Money::parse(&text).map(Money::fen), Ok(fen));
            }
            _ => prop_assert_eq!(Money::parse(&text), Err(MoneyError::AboveMaximum)),
        }
        match exact {
            Some(fen) => prop_assert_eq!(Total::parse(&text).map(Total::fen), Ok(fen)),
            None => prop_assert_eq!(Total::parse(&text), Err(MoneyError::TotalTooLarge)),
        }
    }

    #[test]
    fn money_refuses_sub_fen_negative_and_json_numbers(
        integer in "[0-9]{1,12}",
        fraction in "[0-9]{3,6}",
    ) {
        prop_assert_eq!(
            Money::parse(&format!("{integer}.{fraction}")),
            Err(MoneyError::TooManyDecimals)
        );
        prop_assert_eq!(Money::parse(&format!("-{integer}")), Err(MoneyError::Negative));
        let json_number = format!("{integer}.5");
        let refused = serde_json::from_str::<Money>(&integer).is_err()
            && serde_json::from_str::<Money>(&json_number).is_err();
        prop_assert!(refused, "a JSON number was accepted as money");
    }

    /// Whatever the text, parsing returns (never panics), and only the plain form is accepted.
    #[test]
    fn money_accepts_only_the_plain_form(s in "\\PC{0,24}|[-+ .,0-9eE]{0,24}") {
        if let Ok(m) = Money::parse(&s) {
            prop_assert!(is_plain_amount(&s), "{s:?} accepted as {m:?}");
        }
        if Total::parse(&s).is_ok() {
            prop_assert!(is_plain_amount(&s), "{s:?}");
        }
    }

    #[test]
    fn sums_are_exact_and_capitals_tell_amounts_apart(a in money(), b in money()) {
        let sum = Money::sum([a, b]).unwrap();
        prop_assert_eq!(sum.fen(), a.fen() + b.fen());
        if a != b {
            prop_assert_ne!(a.chinese_capitals(), b.chinese_capitals());
        }
        prop_assert_eq!(chinese_capitals(a.fen()), Some(a.chinese_capitals()));
    }

    /// Every code made of a body and its two check characters is accepted, in any case and
    /// with blanks around it.
    #[test]
    fn every_completed_credit_code_is_accepted(body in credit_body()) {
        let code = CreditCode::complete(&body).unwrap();
        prop_assert_eq!(code.as_str().len(), 18);
        prop_assert!(code.as_str().starts_with(&body));
        prop_assert_eq!(CreditCode::parse(code.as_str()), Ok(code.clone()));
        let sloppy = format!(" {}\t", code.as_str().to_ascii_lowercase());
        prop_assert_eq!(CreditCode::parse(&sloppy), Ok(code));
    }

    /// Every change of one character to another (any Unicode character but the same letter in
    /// the other case) is refused, at every one of the 18 positions.
    #[test]
    fn every_single_character_corruption_is_refused(
        body in credit_body(),
        position in 0..18usize,
        replacement in proptest::sample::select(CREDIT_ALPHABET.as_bytes()).prop_map(char::from),
        other in any::<char>(),
    ) {
        let code = CreditCode::complete(&body).unwrap();
        let original = code.as_str().chars().nth(position).unwrap();
        for new in [replacement, other] {
            if new.to_ascii_uppercase() == original {
                continue;
            }
            let corrupted: String = code
                .as_str()
                .chars()
                .enumerate()
                .map(|(i, c)| if i == position { new } else { c })
                .collect();
            let result = CreditCode::parse(&corrupted);
            prop_assert!(result.is_err(), "{corrupted:?} accepted");
            // A check failure names the changed character among its suspects.
            if let Err(CreditCodeError::ChecksDoNotMatch { suspects, .. }) = result {
                prop_assert!(
                    suspects.iter().any(|p| p == position + 1),
                    "{corrupted:?}: {suspects:?} misses {}", position + 1
                );
            }
        }
    }

    /// Swapping two neighbouring different characters among the first 17 is refused too.
    #[test]
    fn every_adjacent_transposition_is_refused(body in credit_body(), position in 0..16usize) {
        let code = CreditCode::complete(&body).unwrap();
        let mut chars: Vec<char> = code.as_str().chars().collect();
        prop_assume!(chars[position] != chars[position + 1]);
        chars.swap(position, position + 1);
        let swapped: String = chars.into_iter().collect();
        let result = CreditCode::parse(&swapped);
        let refused = matches!(result, Err(CreditCodeError::ChecksDoNotMatch { .. }));
        prop_assert!(refused, "{swapped}: {result:?}");
    }

    #[test]
    fn credit_code_parse_never_panics(s in "\\PC{0,20}|[0-9A-Za-z ]{16,20}") {
        if let Ok(code) = CreditCode::parse(&s) {
            prop_assert_eq!(code.as_str(), s.trim().to_ascii_uppercase());
        }
    }

    #[test]
    fn every_listed_region_round_trips(region in listed_region()) {
        prop_assert_eq!(RegionCode::parse(region.as_str()), Ok(region));
        prop_assert_eq!(RegionCode::parse(&format!(" {region}\n")), Ok(region));
        let json = serde_json::to_string(&region).unwrap();
        prop_assert_eq!(serde_json::from_str::<RegionCode>(&json).unwrap(), region);
        // The parent chain climbs to a province of the same two first digits.
        let mut link = region;
        while let Some(parent) = link.parent() {
            prop_assert!(parent.as_str() < link.as_str());
            prop_assert_eq!(parent.province_prefix(), region.province_prefix());
            link = parent;
        }
        prop_assert!(link.as_str().ends_with("0000"));
    }

    /// Six digits are a listed division, abroad, or `Unknown`; anything else is `NotSixDigits`.
    #[test]
    fn region_codes_are_exactly_the_listed_six_digits(
        s in "[0-9]{6}|[0-9]{0,8}|\\PC{0,8}",
    ) {
        let t = s.trim();
        let listed = RegionCode::all().any(|r| r.as_str() == t);
        let six = t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit());
        match RegionCode::parse(&s) {
            Ok(region) => {
                prop_assert!(listed || t == "000000", "{s:?}");
                prop_assert_eq!(region.as_str(), t);
            }
            Err(RegionError::Unknown { code }) => {
                prop_assert!(six && !listed);
                prop_assert_eq!(code, t);
            }
            Err(RegionError::NotSixDigits) => prop_assert!(!six),
        }
    }
}
