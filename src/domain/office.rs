//! The 15 registration offices of Linyi: 12 county-level divisions and 3 functional zones.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::code_list::{self, CodeList, code_enum};
use super::error::UnknownCode;
use super::region::RegionCode;

code_enum! {
    /// What kind of area an office serves.
    pub enum OfficeKind("office kind", "登记点类型") {
        /// 市辖区: a city district.
        District => ("district", "市辖区", "District"),
        /// 县: a county.
        County => ("county", "县", "County"),
        /// 功能区: a development zone with an NBS statistical code, not a GB/T 2260 division.
        Zone => ("zone", "功能区", "Functional zone"),
    }
}

/// The names and kind of one office.
struct OfficeInfo {
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    short_zh: &'static str,
    short_en: &'static str,
    kind: OfficeKind,
}

/// An office whose short names equal its full names.
const fn plain(
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    kind: OfficeKind,
) -> OfficeInfo {
    OfficeInfo {
        code,
        name_zh,
        name_en,
        short_zh: name_zh,
        short_en: name_en,
        kind,
    }
}

/// A technology contract registration office in Linyi (登记点), identified by its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub enum OfficeCode {
    /// 371302 兰山区.
    Lanshan,
    /// 371311 罗庄区.
    Luozhuang,
    /// 371312 河东区.
    Hedong,
    /// 371321 沂南县.
    Yinan,
    /// 371322 郯城县.
    Tancheng,
    /// 371323 沂水县.
    Yishui,
    /// 371324 兰陵县.
    Lanling,
    /// 371325 费县.
    Fei,
    /// 371326 平邑县.
    Pingyi,
    /// 371327 莒南县.
    Junan,
    /// 371328 蒙阴县.
    Mengyin,
    /// 371329 临沭县.
    Linshu,
    /// 371371 临沂高新技术产业开发区 (高新区).
    HighTechZone,
    /// 371372 临沂经济技术开发区 (经开区).
    EconomicZone,
    /// 371373 临沂临港经济开发区 (临港区).
    LingangZone,
}

impl OfficeCode {
    /// Every office, in code order.
    pub const ALL: &'static [OfficeCode] = &[
        Self::Lanshan,
        Self::Luozhuang,
        Self::Hedong,
        Self::Yinan,
        Self::Tancheng,
        Self::Yishui,
        Self::Lanling,
        Self::Fei,
        Self::Pingyi,
        Self::Junan,
        Self::Mengyin,
        Self::Linshu,
        Self::HighTechZone,
        Self::EconomicZone,
        Self::LingangZone,
    ];

    /// The names and kind of this office.
    const fn info(self) -> OfficeInfo {
        use OfficeKind::{County, District, Zone};
        match self {
            Self::Lanshan => plain("371302", "兰山区", "Lanshan District", District),
            Self::Luozhuang => plain("371311", "罗庄区", "Luozhuang District", District),
            Self::Hedong => plain("371312", "河东区", "Hedong District", District),
            Self::Yinan => plain("371321", "沂南县", "Yinan County", County),
            Self::Tancheng => plain("371322", "郯城县", "Tancheng County", County),
            Self::Yishui => plain("371323", "沂水县", "Yishui County", County),
            Self::Lanling => plain("371324", "兰陵县", "Lanling County", County),
            Self::Fei => plain("371325", "费县", "Fei County", County),
            Self::Pingyi => plain("371326", "平邑县", "Pingyi County", County),
            Self::Junan => plain("371327", "莒南县", "Junan County", County),
            Self::Mengyin => plain("371328", "蒙阴县", "Mengyin County", County),
            Self::Linshu => plain("371329", "临沭县", "Linshu County", County),
            Self::HighTechZone => OfficeInfo {
                code: "371371",
                name_zh: "临沂高新技术产业开发区",
                name_en: "Linyi High-tech Industrial Development Zone",
                short_zh: "高新区",
                short_en: "High-tech Zone",
                kind: Zone,
            },
            Self::EconomicZone => OfficeInfo {
                code: "371372",
                name_zh: "临沂经济技术开发区",
                name_en: "Linyi Economic and Technological Development Zone",
                short_zh: "经开区",
                short_en: "ETDZ",
                kind: Zone,
            },
            Self::LingangZone => OfficeInfo {
                code: "371373",
                name_zh: "临沂临港经济开发区",
                name_en: "Linyi Lingang Economic Development Zone",
                short_zh: "临港区",
                short_en: "Lingang Zone",
                kind: Zone,
            },
        }
    }

    /// The six-digit office code, e.g. `"371302"`.
    pub const fn code(self) -> &'static str {
        self.info().code
    }

    /// The full Chinese name, e.g. 临沂高新技术产业开发区.
    pub const fn name_zh(self) -> &'static str {
        self.info().name_zh
    }

    /// The full English name, e.g. Linyi High-tech Industrial Development Zone.
    pub const fn name_en(self) -> &'static str {
        self.info().name_en
    }

    /// The short Chinese name for tables and charts, e.g. 高新区.
    pub const fn short_zh(self) -> &'static str {
        self.info().short_zh
    }

    /// The short English name for tables and charts, e.g. High-tech Zone.
    pub const fn short_en(self) -> &'static str {
        self.info().short_en
    }

    /// District, county or functional zone.
    pub const fn kind(self) -> OfficeKind {
        self.info().kind
    }

    /// The last two digits of the code, used inside registration numbers (e.g. `"71"`).
    pub fn suffix(self) -> &'static str {
        self.code().get(4..).unwrap_or_default()
    }

    /// The office whose code ends in these two digits.
    pub fn from_suffix(suffix: &str) -> Option<OfficeCode> {
        Self::ALL.iter().copied().find(|o| o.suffix() == suffix)
    }

    /// The GB/T 2260 division of a district or county office; `None` for functional zones.
    pub fn region(self) -> Option<RegionCode> {
        RegionCode::parse(self.code()).ok()
    }

    /// Parses an office code exactly, e.g. `"371371"`.
    pub fn parse(s: &str) -> Result<OfficeCode, UnknownCode> {
        code_list::from_code(s)
    }

    /// The office named by its code or any of its names (ignoring blanks and English case).
    pub fn from_label(s: &str) -> Result<OfficeCode, UnknownCode> {
        let s = s.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|o| {
                let info = o.info();
                s == info.code
                    || s == info.name_zh
                    || s == info.short_zh
                    || s.eq_ignore_ascii_case(info.name_en)
                    || s.eq_ignore_ascii_case(info.short_en)
            })
            .ok_or_else(|| code_list::unknown::<Self>(s))
    }
}

impl CodeList for OfficeCode {
    const ALL: &'static [Self] = OfficeCode::ALL;
    const WHAT_EN: &'static str = "registration office";
    const WHAT_ZH: &'static str = "登记点";

    fn code(self) -> &'static str {
        OfficeCode::code(self)
    }

    fn label_zh(self) -> &'static str {
        self.name_zh()
    }

    fn label_en(self) -> &'static str {
        self.name_en()
    }
}

impl fmt::Display for OfficeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for OfficeCode {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<OfficeCode, UnknownCode> {
        OfficeCode::parse(s)
    }
}

impl TryFrom<&str> for OfficeCode {
    type Error = UnknownCode;
    fn try_from(s: &str) -> Result<OfficeCode, UnknownCode> {
        OfficeCode::parse(s)
    }
}

impl TryFrom<String> for OfficeCode {
    type Error = UnknownCode;
    fn try_from(s: String) -> Result<OfficeCode, UnknownCode> {
        OfficeCode::parse(&s)
    }
}

impl Serialize for OfficeCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::error::Localized;
    use super::super::region::RegionLevel;
    use super::*;

    #[test]
    fn the_fifteen_offices_have_their_names() {
        let table: Vec<_> = OfficeCode::ALL
            .iter()
            .map(|o| (o.code(), o.name_zh(), o.short_zh(), o.short_en(), o.kind()))
            .collect();
        use OfficeKind::{County as C, District as D, Zone as Z};
        assert_eq!(
            table,
            [
                ("371302", "兰山区", "兰山区", "Lanshan District", D),
                ("371311", "罗庄区", "罗庄区", "Luozhuang District", D),
                ("371312", "河东区", "河东区", "Hedong District", D),
                ("371321", "沂南县", "沂南县", "Yinan County", C),
                ("371322", "郯城县", "郯城县", "Tancheng County", C),
                ("371323", "沂水县", "沂水县", "Yishui County", C),
                ("371324", "兰陵县", "兰陵县", "Lanling County", C),
                ("371325", "费县", "费县", "Fei County", C),
                ("371326", "平邑县", "平邑县", "Pingyi County", C),
                ("371327", "莒南县", "莒南县", "Junan County", C),
                ("371328", "蒙阴县", "蒙阴县", "Mengyin County", C),
                ("371329", "临沭县", "临沭县", "Linshu County", C),
                (
                    "371371",
                    "临沂高新技术产业开发区",
                    "高新区",
                    "High-tech Zone",
                    Z
                ),
                ("371372", "临沂经济技术开发区", "经开区", "ETDZ", Z),
                ("371373", "临沂临港经济开发区", "临港区", "Lingang Zone", Z),
            ]
        );
        assert_eq!(
            OfficeCode::EconomicZone.name_en(),
            "Linyi Economic and Technological Development Zone"
        );
        assert_eq!(
            OfficeCode::LingangZone.name_en(),
            "Linyi Lingang Economic Development Zone"
        );
        assert_eq!(
            OfficeCode::HighTechZone.name_en(),
            "Linyi High-tech Industrial Development Zone"
        );
    }

    #[test]
    fn districts_and_counties_are_gbt2260_divisions_and_zones_are_not() {
        for office in OfficeCode::ALL {
            match office.region() {
                Some(region) => {
                    assert_ne!(office.kind(), OfficeKind::Zone);
                    assert_eq!(region.as_str(), office.code());
                    assert_eq!(region.name_zh(), office.name_zh());
                    assert_eq!(region.level(), RegionLevel::County);
                }
                None => assert_eq!(office.kind(), OfficeKind::Zone, "{office}"),
            }
        }
    }

    #[test]
    fn suffixes_are_unique_and_map_back() {
        for office in OfficeCode::ALL {
            assert_eq!(OfficeCode::from_suffix(office.suffix()), Some(*office));
        }
        assert_eq!(OfficeCode::HighTechZone.suffix(), "71");
        assert_eq!(OfficeCode::from_suffix("00"), None);
        assert_eq!(OfficeCode::from_suffix("3"), None);
    }

    #[test]
    fn offices_parse_by_code_and_by_name() {
        assert_eq!(OfficeCode::parse("371371"), Ok(OfficeCode::HighTechZone));
        let cases = [
            ("371302", OfficeCode::Lanshan),
            ("兰山区", OfficeCode::Lanshan),
            ("高新区", OfficeCode::HighTechZone),
            ("临沂经济技术开发区", OfficeCode::EconomicZone),
            ("etdz", OfficeCode::EconomicZone),
            (" Fei County ", OfficeCode::Fei),
        ];
        for (input, expected) in cases {
            assert_eq!(OfficeCode::from_label(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn unknown_offices_are_refused_with_the_list() {
        for bad in ["371300", "370102", "", "兰山", " 371302"] {
            assert!(OfficeCode::parse(bad).is_err(), "{bad:?}");
        }
        let err = OfficeCode::parse("371399").unwrap_err();
        assert!(err.to_string().contains("371302, 371311"), "{err}");
        assert!(err.message_zh().contains("兰山区（371302）"));
    }

    #[test]
    fn serde_round_trips_as_the_code() {
        for office in OfficeCode::ALL {
            let json = serde_json::to_string(office).unwrap();
            assert_eq!(json, format!("\"{}\"", office.code()));
            assert_eq!(serde_json::from_str::<OfficeCode>(&json).unwrap(), *office);
        }
        assert!(serde_json::from_str::<OfficeCode>("371302").is_err());
        assert_eq!(
            serde_json::to_string(&OfficeKind::Zone).unwrap(),
            "\"zone\""
        );
    }
}
