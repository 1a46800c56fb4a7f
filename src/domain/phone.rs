//! Telephone numbers of mainland China, as contact persons give them: mobiles (11 digits from
//! 13–19), landlines with their area code (010, 02x, or 0 + three digits, then a local number of
//! 7 or 8 digits not starting with 0 or 1, optionally an extension), and the 400/800 service
//! numbers of companies. Stored in one written form so that the same number is one text.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::Localized;

/// Why a telephone number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a mainland telephone number: a mobile (13812345678), a landline with its area code (0539-8123456, 010-12345678, optionally -extension) or a 400/800 number"
)]
pub struct PhoneError;

impl Localized for PhoneError {
    fn message_zh(&self) -> String {
        "电话号码格式不正确：应为手机号（如 13812345678）、带区号的固定电话（如 0539-8123456、010-12345678，可加分机号）或 400/800 电话"
            .into()
    }
}

/// A telephone number in its written form: `13812345678`, `0539-8123456`, `010-12345678-802`,
/// `400-810-8888`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

/// Area codes of two digits after the 0: Beijing (010) and 020–029.
fn two_digit_area(digits: &str) -> bool {
    digits.starts_with("10") || digits.starts_with('2')
}

impl PhoneNumber {
    /// Parses a number written with any of the usual separators (spaces, `-`, brackets around
    /// the area code, a `+86`/`86` country prefix, `转` or `ext` before an extension).
    pub fn parse(s: &str) -> Result<PhoneNumber, PhoneError> {
        let text = s.trim();
        // The extension: after 转, ext, x or # (or a third group of digits after the number).
        let lower = text.to_ascii_lowercase();
        let (main, extension) = match ["转", "ext.", "ext", "x", "#"]
            .iter()
            .find_map(|sep| lower.find(sep).map(|at| (at, sep.len())))
        {
            Some((at, len)) => (&text[..at], Some(&text[at + len..])),
            None => (text, None),
        };
        let mut groups: Vec<String> = main
            .split(|c: char| {
                c == '-' || c == ' ' || c == '(' || c == ')' || c == '（' || c == '）' || c == '—'
            })
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect();
        if groups.is_empty()
            || groups
                .iter()
                .any(|g| !g.chars().all(|c| c.is_ascii_digit() || c == '+'))
        {
            return Err(PhoneError);
        }
        // A country prefix: +86 or 0086 (or 86 before a mobile).
        if let Some(first) = groups.first_mut() {
            if let Some(rest) = first.strip_prefix("+86") {
                *first = rest.to_string();
            } else if let Some(rest) = first.strip_prefix("0086") {
                *first = rest.to_string();
            }
        }
        groups.retain(|g| !g.is_empty());
        if groups.iter().any(|g| g.contains('+')) {
            return Err(PhoneError);
        }
        let digits: String = groups.concat();
        let extension = match extension
            .map(|e| e.trim_matches(|c: char| c == ' ' || c == '-' || c == '.'))
        {
            Some(e) if !e.is_empty() && e.len() <= 6 && e.bytes().all(|b| b.is_ascii_digit()) => {
                Some(e.to_string())
            }
            Some(_) => return Err(PhoneError),
            None => None,
        };
        // Mobile: 1[3-9] + 9 digits (86 before it allowed).
        let mobile = digits
            .strip_prefix("86")
            .filter(|d| d.len() == 11)
            .unwrap_or(&digits);
        if mobile.len() == 11
            && mobile.starts_with('1')
            && matches!(mobile.as_bytes()[1], b'3'..=b'9')
            && extension.is_none()
        {
            return Ok(PhoneNumber(mobile.to_string()));
        }
        // 400 / 800 service numbers: 10 digits.
        if digits.len() == 10
            && (digits.starts_with("400") || digits.starts_with("800"))
            && extension.is_none()
        {
            return Ok(PhoneNumber(format!(
                "{}-{}-{}",
                &digits[..3],
                &digits[3..6],
                &digits[6..]
            )));
        }
        // Landline: an area code, then 7 or 8 digits; a written extension or a third group.
        let (digits, extension) = match (extension, groups.len()) {
            (None, 3) if groups[2].len() <= 6 => (groups[..2].concat(), Some(groups[2].clone())),
            (e, _) => (digits, e),
        };
        let digits = if digits.starts_with('0') {
            digits
        } else {
            // A country prefix drops the area code's 0 (+86 539 8123456).
            format!("0{digits}")
        };
        let area_len = if two_digit_area(&digits[1..]) { 3 } else { 4 };
        if digits.len() <= area_len {
            return Err(PhoneError);
        }
        let (area, local) = digits.split_at(area_len);
        let local_ok = (local.len() == 7 || local.len() == 8)
            && !local.starts_with('0')
            && !local.starts_with('1');
        if !local_ok || area == "0" || area.starts_with("00") {
            return Err(PhoneError);
        }
        Ok(PhoneNumber(match extension {
            Some(e) => format!("{area}-{local}-{e}"),
            None => format!("{area}-{local}"),
        }))
    }

    /// The written form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.0)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PhoneNumber, D::Error> {
        let s = String::deserialize(d)?;
        PhoneNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_ways_of_writing_a_number_give_one_form() {
        let cases = [
            ("13812345678", "13812345678"),
            ("138 1234 5678", "13812345678"),
            ("138-1234-5678", "13812345678"),
            ("+86 138 1234 5678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("19912345678", "19912345678"),
            ("0539-8123456", "0539-8123456"),
            ("05398123456", "0539-8123456"),
            ("(0539)8123456", "0539-8123456"),
            ("（0539）8123456", "0539-8123456"),
            ("0539 81234567", "0539-81234567"),
            ("010-62345678", "010-62345678"),
            ("01062345678", "010-62345678"),
            ("021-62345678", "021-62345678"),
            ("+86 539 8123456", "0539-8123456"),
            ("0539-8123456-802", "0539-8123456-802"),
            ("0539-8123456转802", "0539-8123456-802"),
            ("0539-8123456 ext. 802", "0539-8123456-802"),
            ("400-810-8888", "400-810-8888"),
            ("4008108888", "400-810-8888"),
            ("800 820 8820", "800-820-8820"),
        ];
        for (input, want) in cases {
            assert_eq!(
                PhoneNumber::parse(input).map(|p| p.0),
                Ok(want.to_string()),
                "{input}"
            );
        }
    }

    #[test]
    fn numbers_that_cannot_be_dialled_are_refused() {
        for input in [
            "",
            "12345",
            "12812345678",   // no mobile prefix 12
            "1381234567",    // 10 digits
            "138123456789",  // 12 digits
            "13812345678-1", // a mobile has no extension
            "0539-0123456",  // a local number does not start with 0
            "0539-1123456",  // … nor with 1
            "0539-812345",   // 6 digits
            "0539-812345678",
            "+1 415 555 0100",
            "abc",
            "0539-8123456转abc",
            "138１2345678", // a full-width digit
        ] {
            assert_eq!(PhoneNumber::parse(input), Err(PhoneError), "{input:?}");
        }
    }
}
