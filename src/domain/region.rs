//! Administrative division codes (行政区划代码, GB/T 2260), from the embedded 2024 list.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize, Serializer};

use super::error::Localized;

/// The GB/T 2260 list as shipped: `code name` per line.
const SOURCE: &str = include_str!("../../data/gbt2260-2024.txt");

/// One division of the table.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Entry {
    value: u32,
    code: &'static str,
    name: &'static str,
}

/// The pseudo-division for parties outside China.
const ABROAD_ENTRY: Entry = Entry {
    value: 0,
    code: "000000",
    name: "境外",
};

/// The table, parsed once and sorted by code.
static TABLE: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    let mut entries: Vec<Entry> = SOURCE.lines().filter_map(parse_line).collect();
    entries.sort();
    entries.dedup_by_key(|e| e.value);
    entries
});

/// Reads one `code name` line; lines that are not six digits and a name are skipped.
fn parse_line(line: &'static str) -> Option<Entry> {
    let (code, name) = line.trim().split_once(' ')?;
    let value = six_digits(code)?;
    let name = name.trim();
    (value != 0 && !name.is_empty()).then_some(Entry { value, code, name })
}

/// The numeric value of exactly six ASCII digits.
fn six_digits(s: &str) -> Option<u32> {
    if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Looks a numeric code up in the table.
fn find(value: u32) -> Option<&'static Entry> {
    let table: &'static [Entry] = TABLE.as_slice();
    table
        .binary_search_by_key(&value, |e| e.value)
        .ok()
        .and_then(|i| table.get(i))
}

/// Why a region code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    /// The text is not exactly six digits.
    #[error("a region code is six digits (GB/T 2260), e.g. 371302")]
    NotSixDigits,
    /// Six digits that are not in the GB/T 2260 list (nor 000000 for abroad).
    #[error(
        "{code} is not a GB/T 2260 administrative division code (use 000000 for parties abroad)"
    )]
    Unknown {
        /// The code given.
        code: String,
    },
}

impl Localized for RegionError {
    fn message_zh(&self) -> String {
        match self {
            Self::NotSixDigits => "行政区划代码应为 6 位数字（GB/T 2260），例如 371302".to_owned(),
            Self::Unknown { code } => {
                format!("{code} 不是有效的行政区划代码（GB/T 2260）；境外请填 000000")
            }
        }
    }
}

/// The level of a division in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegionLevel {
    /// 省级: province, autonomous region, municipality, SAR (`xx0000`).
    Province,
    /// 地级: prefecture-level city, league, autonomous prefecture (`xxxx00`).
    Prefecture,
    /// 县级: district, county, county-level city.
    County,
    /// Outside China (`000000`).
    Abroad,
}

/// A GB/T 2260 division code that exists in the embedded list, or `000000` for abroad.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct RegionCode(&'static Entry);

impl RegionCode {
    /// Parties outside China (境外).
    pub const ABROAD: RegionCode = RegionCode(&ABROAD_ENTRY);

    /// Parses six digits (surrounding blanks ignored) that name a listed division or abroad.
    pub fn parse(s: &str) -> Result<RegionCode, RegionError> {
        let s = s.trim();
        let value = six_digits(s).ok_or(RegionError::NotSixDigits)?;
        if value == 0 {
            return Ok(Self::ABROAD);
        }
        find(value)
            .map(RegionCode)
            .ok_or_else(|| RegionError::Unknown { code: s.to_owned() })
    }

    /// Every division in the list, in code order (without `000000`).
    pub fn all() -> impl Iterator<Item = RegionCode> {
        let table: &'static [Entry] = TABLE.as_slice();
        table.iter().map(RegionCode)
    }

    /// The six digits.
    pub fn as_str(self) -> &'static str {
        self.0.code
    }

    /// The Chinese name of this division alone, e.g. 兰山区 (境外 for abroad).
    pub fn name_zh(self) -> &'static str {
        self.0.name
    }

    /// The English name where one is known: only "Abroad" (the list is Chinese only).
    pub fn name_en(self) -> Option<&'static str> {
        self.is_abroad().then_some("Abroad")
    }

    /// The full Chinese name from the province down, e.g. 山东省临沂市兰山区.
    pub fn full_name_zh(self) -> String {
        let mut chain = vec![self];
        while let Some(parent) = chain.last().and_then(|r| r.parent()) {
            chain.push(parent);
        }
        chain.iter().rev().map(|r| r.name_zh()).collect()
    }

    /// Whether this is a province, prefecture, county or abroad.
    pub fn level(self) -> RegionLevel {
        let value = self.0.value;
        if value == 0 {
            RegionLevel::Abroad
        } else if value.is_multiple_of(10_000) {
            RegionLevel::Province
        } else if value.is_multiple_of(100) {
            RegionLevel::Prefecture
        } else {
            RegionLevel::County
        }
    }

    /// The enclosing division: a county's prefecture if listed, else its province.
    pub fn parent(self) -> Option<RegionCode> {
        let value = self.0.value;
        match self.level() {
            RegionLevel::Province | RegionLevel::Abroad => None,
            RegionLevel::Prefecture => find(value / 10_000 * 10_000).map(RegionCode),
            RegionLevel::County => find(value / 100 * 100)
                .or_else(|| find(value / 10_000 * 10_000))
                .map(RegionCode),
        }
    }

    /// The province digits (first two), e.g. `"37"`; `"00"` abroad.
    pub fn province_prefix(self) -> &'static str {
        self.0.code.get(..2).unwrap_or_default()
    }

    /// Whether the party is outside China.
    pub fn is_abroad(self) -> bool {
        self.0.value == 0
    }

    /// Whether the division is Linyi (3713xx, including the city itself).
    pub fn is_linyi(self) -> bool {
        self.0.value / 100 == 3713
    }

    /// Whether the division lies in Shanghai, Jiangsu, Zhejiang, Anhui, Jinan or Qingdao.
    ///
    /// These are the sellers' places that make a contract an "introduced achievement".
    pub fn is_yangtze_delta_or_jinan_qingdao(self) -> bool {
        let value = self.0.value;
        matches!(value / 10_000, 31..=34) || matches!(value / 100, 3701 | 3702)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({} {})", self.as_str(), self.name_zh())
    }
}

impl FromStr for RegionCode {
    type Err = RegionError;
    fn from_str(s: &str) -> Result<RegionCode, RegionError> {
        RegionCode::parse(s)
    }
}

impl TryFrom<&str> for RegionCode {
    type Error = RegionError;
    fn try_from(s: &str) -> Result<RegionCode, RegionError> {
        RegionCode::parse(s)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionError;
    fn try_from(s: String) -> Result<RegionCode, RegionError> {
        RegionCode::parse(&s)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn r(code: &str) -> RegionCode {
        RegionCode::parse(code).unwrap()
    }

    #[test]
    fn every_line_of_the_list_loads() {
        assert_eq!(SOURCE.lines().count(), 3213);
        assert_eq!(RegionCode::all().count(), 3213);
        for line in SOURCE.lines() {
            let (code, name) = line.split_once(' ').unwrap();
            assert_eq!(r(code).name_zh(), name);
        }
    }

    #[test]
    fn listed_codes_parse_at_every_level() {
        let cases = [
            ("371302", "兰山区", RegionLevel::County),
            ("310115", "浦东新区", RegionLevel::County),
            ("110101", "东城区", RegionLevel::County),
            ("371300", "临沂市", RegionLevel::Prefecture),
            ("370000", "山东省", RegionLevel::Province),
            ("000000", "境外", RegionLevel::Abroad),
        ];
        for (code, name, level) in cases {
            let region = r(code);
            assert_eq!(region.as_str(), code);
            assert_eq!(region.name_zh(), name);
            assert_eq!(region.level(), level, "{code}");
        }
        assert_eq!(r(" 371302 ").as_str(), "371302");
    }

    #[test]
    fn unlisted_codes_are_unknown() {
        for code in ["371371", "371372", "999999", "371399", "110100"] {
            assert_eq!(
                RegionCode::parse(code),
                Err(RegionError::Unknown {
                    code: code.to_owned()
                }),
                "{code}"
            );
        }
    }

    #[test]
    fn malformed_codes_are_not_six_digits() {
        for code in [
            "12345",
            "abcdef",
            "",
            "1234567",
            "37130a",
            "３７１３０２",
            "+37130",
        ] {
            assert_eq!(
                RegionCode::parse(code),
                Err(RegionError::NotSixDigits),
                "{code}"
            );
        }
    }

    #[test]
    fn parents_follow_the_hierarchy() {
        let cases = [
            ("371302", Some("371300")),
            ("371300", Some("370000")),
            ("370000", None),
            // Municipality districts have no listed prefecture: straight to the province.
            ("110101", Some("110000")),
            ("310115", Some("310000")),
            // A province-administered county-level city.
            ("419001", Some("410000")),
            ("000000", None),
        ];
        for (code, parent) in cases {
            assert_eq!(r(code).parent().map(RegionCode::as_str), parent, "{code}");
        }
    }

    #[test]
    fn every_parent_chain_ends_at_a_province() {
        for region in RegionCode::all() {
            let mut current = region;
            let mut steps = 0;
            while let Some(parent) = current.parent() {
                assert_eq!(parent.province_prefix(), region.province_prefix());
                current = parent;
                steps += 1;
            }
            assert_eq!(current.level(), RegionLevel::Province, "{region:?}");
            assert!(steps <= 2);
        }
    }

    #[test]
    fn full_names_join_the_chain() {
        let cases = [
            ("371302", "山东省临沂市兰山区"),
            ("110101", "北京市东城区"),
            ("370000", "山东省"),
            ("000000", "境外"),
        ];
        for (code, full) in cases {
            assert_eq!(r(code).full_name_zh(), full);
        }
    }

    #[test]
    fn linyi_and_abroad_are_recognised() {
        assert!(r("371302").is_linyi());
        assert!(r("371300").is_linyi());
        assert!(!r("370000").is_linyi());
        assert!(!r("370102").is_linyi());
        assert!(RegionCode::ABROAD.is_abroad());
        assert!(!RegionCode::ABROAD.is_linyi());
        assert_eq!(RegionCode::ABROAD.name_en(), Some("Abroad"));
        assert_eq!(r("371302").name_en(), None);
        assert_eq!(RegionCode::ABROAD.province_prefix(), "00");
        assert_eq!(r("371302").province_prefix(), "37");
    }

    #[test]
    fn the_introduced_achievement_areas_are_recognised() {
        let cases = [
            ("310115", true),
            ("320000", true),
            ("330100", true),
            ("340102", true),
            ("370100", true),
            ("370102", true),
            ("370211", true),
            ("370000", false),
            ("371302", false),
            ("350200", false),
            ("110101", false),
            ("000000", false),
        ];
        for (code, expected) in cases {
            assert_eq!(
                r(code).is_yangtze_delta_or_jinan_qingdao(),
                expected,
                "{code}"
            );
        }
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let region = r("371302");
        let json = serde_json::to_string(&region).unwrap();
        assert_eq!(json, "\"371302\"");
        assert_eq!(serde_json::from_str::<RegionCode>(&json).unwrap(), region);
        assert!(serde_json::from_str::<RegionCode>("\"371371\"").is_err());
        assert!(serde_json::from_str::<RegionCode>("371302").is_err());
    }

    #[test]
    fn every_error_has_english_and_chinese_messages() {
        let all = [
            RegionError::NotSixDigits,
            RegionError::Unknown {
                code: "999999".to_owned(),
            },
        ];
        for e in all {
            assert!(!e.message_en().is_empty());
            assert!(!e.message_zh().is_empty());
        }
    }
}
