//! The shape shared by every fixed code list (contract type, field, status, role, …): a code
//! on the wire, Chinese and English labels, lookup by code or label, serde as the code.

use super::error::UnknownCode;

/// A closed list of values, each with a wire code and two labels.
pub trait CodeList: Copy + Sized + 'static {
    /// Every value, in display order.
    const ALL: &'static [Self];
    /// What the list is called in English messages, e.g. "contract type".
    const WHAT_EN: &'static str;
    /// What the list is called in Chinese messages, e.g. "合同类型".
    const WHAT_ZH: &'static str;
    /// Suffixes a Chinese label may carry in spreadsheets, e.g. 合同 in 技术开发合同.
    const ZH_SUFFIXES: &'static [&'static str] = &[];

    /// The code used on the wire and in the database.
    fn code(self) -> &'static str;
    /// The Chinese label.
    fn label_zh(self) -> &'static str;
    /// The English label.
    fn label_en(self) -> &'static str;
}

/// The value whose code is exactly `s`.
pub fn from_code<T: CodeList>(s: &str) -> Result<T, UnknownCode> {
    T::ALL
        .iter()
        .copied()
        .find(|v| v.code() == s)
        .ok_or_else(|| unknown::<T>(s))
}

/// The value named by its code (any case), Chinese label (with an optional suffix) or
/// English label (any case), ignoring surrounding blanks; for spreadsheet import.
pub fn from_label<T: CodeList>(s: &str) -> Result<T, UnknownCode> {
    let s = s.trim();
    let zh_matches = |label: &str| {
        s == label
            || T::ZH_SUFFIXES
                .iter()
                .any(|suffix| s.strip_suffix(suffix) == Some(label))
    };
    T::ALL
        .iter()
        .copied()
        .find(|v| {
            v.code().eq_ignore_ascii_case(s)
                || zh_matches(v.label_zh())
                || v.label_en().eq_ignore_ascii_case(s)
        })
        .ok_or_else(|| unknown::<T>(s))
}

/// The error for a value that is not in the list `T`.
pub fn unknown<T: CodeList>(s: &str) -> UnknownCode {
    UnknownCode::new(
        T::WHAT_EN,
        T::WHAT_ZH,
        s,
        T::ALL.iter().map(|v| (v.code(), v.label_zh())),
    )
}

/// Defines a `CodeList` enum with inherent accessors, `Display`/`FromStr` and serde as the code.
///
/// Paths in the expansion start with `super::`, so it is meant for direct children of `domain`.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident
        ($what_en:literal, $what_zh:literal $(, suffixes = [$($suffix:literal),* $(,)?])?)
        {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => ($code:literal, $zh:literal, $en:literal)
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
        #[serde(try_from = "String")]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The code used on the wire and in the database.
            pub const fn code(self) -> &'static str {
                match self { $(Self::$variant => $code,)+ }
            }

            /// The Chinese label.
            pub const fn label_zh(self) -> &'static str {
                match self { $(Self::$variant => $zh,)+ }
            }

            /// The English label.
            pub const fn label_en(self) -> &'static str {
                match self { $(Self::$variant => $en,)+ }
            }

            /// The value with exactly this code.
            pub fn from_code(s: &str) -> Result<Self, super::error::UnknownCode> {
                super::code_list::from_code(s)
            }

            /// The value named by its code, Chinese label or English label (spreadsheet import).
            pub fn from_label(s: &str) -> Result<Self, super::error::UnknownCode> {
                super::code_list::from_label(s)
            }
        }

        impl super::code_list::CodeList for $name {
            const ALL: &'static [Self] = $name::ALL;
            const WHAT_EN: &'static str = $what_en;
            const WHAT_ZH: &'static str = $what_zh;
            const ZH_SUFFIXES: &'static [&'static str] = &[$($($suffix),*)?];

            fn code(self) -> &'static str {
                $name::code(self)
            }

            fn label_zh(self) -> &'static str {
                $name::label_zh(self)
            }

            fn label_en(self) -> &'static str {
                $name::label_en(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = super::error::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_code(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = super::error::UnknownCode;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::from_code(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = super::error::UnknownCode;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::from_code(&s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }
    };
}

pub(crate) use code_enum;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    // The macro expands to `super::` paths, so it is exercised through a list of `codes`.
    use super::super::codes::ContractType;
    use super::super::error::Localized;
    use super::*;

    #[test]
    fn codes_and_labels_come_from_the_table() {
        assert_eq!(ContractType::ALL.len(), 5);
        assert_eq!(ContractType::Development.code(), "development");
        assert_eq!(ContractType::Development.label_zh(), "技术开发");
        assert_eq!(
            ContractType::Development.label_en(),
            "Technology development"
        );
        assert_eq!(
            <ContractType as CodeList>::code(ContractType::Service),
            "service"
        );
        assert_eq!(<ContractType as CodeList>::ALL, ContractType::ALL);
        assert_eq!(ContractType::Transfer.to_string(), "transfer");
    }

    #[test]
    fn from_code_is_exact() {
        assert_eq!(
            ContractType::from_code("transfer"),
            Ok(ContractType::Transfer)
        );
        assert_eq!("licensing".parse(), Ok(ContractType::Licensing));
        for bad in ["Transfer", " transfer", "技术转让", ""] {
            assert!(ContractType::from_code(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn from_label_accepts_codes_labels_and_suffixes() {
        let cases = [
            ("transfer", ContractType::Transfer),
            (" TRANSFER ", ContractType::Transfer),
            ("技术转让", ContractType::Transfer),
            ("技术转让合同", ContractType::Transfer),
            ("technology transfer", ContractType::Transfer),
            (" 技术开发合同\t", ContractType::Development),
        ];
        for (input, expected) in cases {
            assert_eq!(ContractType::from_label(input), Ok(expected), "{input}");
        }
        for bad in ["合同", "技术转让合同合同", "转让", "技术 转让"] {
            assert!(ContractType::from_label(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_values_list_the_allowed_codes() {
        let err = ContractType::from_code("sale").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown contract type \"sale\"; allowed: development, transfer, licensing, consulting, service"
        );
        assert!(err.message_zh().contains("技术开发（development）"));
        assert_eq!(err.allowed_codes().count(), 5);
    }

    #[test]
    fn serde_uses_the_code() {
        assert_eq!(
            serde_json::to_string(&ContractType::Licensing).unwrap(),
            "\"licensing\""
        );
        assert_eq!(
            serde_json::from_str::<ContractType>("\"consulting\"").unwrap(),
            ContractType::Consulting
        );
        let err = serde_json::from_str::<ContractType>("\"技术咨询\"").unwrap_err();
        assert!(err.to_string().contains("allowed: development"), "{err}");
    }
}
