//! The anomaly rules: their codes, titles, explanations, severities and parameters.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::AnomalyConfig;
use crate::domain::code_list::{self, CodeList};
use crate::domain::{Money, UnknownCode};

/// One auditors' anomaly rule (domain.md Part A, "Auditors' anomaly rules").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Same seller, buyer, contract amount and signing date.
    Duplicate,
    /// Several contracts between the same parties, each just under the large-contract threshold.
    Splitting,
    /// A→B and B→A within a period, for similar amounts.
    RoundTrip,
    /// An office's December share of its year far above its history.
    YearEndSurge,
    /// Registered long after signing.
    LateRegistration,
    /// One party above a set share of an office's turnover.
    Concentration,
    /// Large development contracts whose technical amount equals the contract amount.
    FullTechnical,
}

/// How urgent a finding is; findings are listed most severe first within a rule.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Likely inflation: the same turnover counted twice or approval dodged.
    High,
    /// A pattern worth a look.
    Medium,
    /// Often innocent; review when time allows.
    Low,
}

impl Severity {
    /// The code on the wire: `high`, `medium` or `low`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    /// The Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::High => "高",
            Self::Medium => "中",
            Self::Low => "低",
        }
    }
}

impl Rule {
    /// Every rule, in the order findings are listed.
    pub const ALL: &'static [Rule] = &[
        Rule::Duplicate,
        Rule::Splitting,
        Rule::RoundTrip,
        Rule::YearEndSurge,
        Rule::LateRegistration,
        Rule::Concentration,
        Rule::FullTechnical,
    ];

    /// The rule's code, used in the API (`?rule=`) and in findings.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::Splitting => "splitting",
            Self::RoundTrip => "round_trip",
            Self::YearEndSurge => "year_end_surge",
            Self::LateRegistration => "late_registration",
            Self::Concentration => "concentration",
            Self::FullTechnical => "full_technical",
        }
    }

    /// The rule's short Chinese name.
    pub const fn title_zh(self) -> &'static str {
        match self {
            Self::Duplicate => "重复登记合同",
            Self::Splitting => "拆分合同规避复核",
            Self::RoundTrip => "对倒交易",
            Self::YearEndSurge => "年末突击登记",
            Self::LateRegistration => "逾期登记",
            Self::Concentration => "单一主体集中度过高",
            Self::FullTechnical => "技术交易额等于合同成交额",
        }
    }

    /// The rule's short English name.
    pub const fn title_en(self) -> &'static str {
        match self {
            Self::Duplicate => "Duplicate contracts",
            Self::Splitting => "Split contracts",
            Self::RoundTrip => "Round-tripping",
            Self::YearEndSurge => "Year-end surge",
            Self::LateRegistration => "Late registration",
            Self::Concentration => "Concentration on one party",
            Self::FullTechnical => "Technical amount equals contract amount",
        }
    }

    /// What the rule looks for and why it matters, in Chinese.
    pub const fn explanation_zh(self) -> &'static str {
        match self {
            Self::Duplicate => {
                "同一卖方与同一买方之间、合同成交额相同且签订日期相同的两份及以上已登记合同。\
                 同一份合同重复登记，会使成交额虚增一整份合同的金额。"
            }
            Self::Splitting => {
                "同一卖方向同一买方在短期内签订的多份已登记合同，每份的技术交易额都略低于大额合同复核标准。\
                 把一份大额合同拆成几份，可以规避大额合同须由第二名登记员复核的要求。"
            }
            Self::RoundTrip => {
                "甲方向乙方、乙方又向甲方在一定期限内签订金额相近的已登记合同。\
                 资金一出一进，双方都产生成交额，却没有实际的技术转移。"
            }
            Self::YearEndSurge => {
                "某登记点12月登记的成交额占全年成交额的比重过高，且远高于该登记点往年12月的比重。\
                 完成年度目标的压力，往往表现为年末集中突击登记。"
            }
            Self::LateRegistration => {
                "签订很久之后才登记的合同。迟迟才登记的旧合同，可能是为充实当年数据而补登的。"
            }
            Self::Concentration => {
                "在年度合同数达到一定数量的登记点，单一主体（作为卖方或作为买方）的成交额占该登记点\
                 当年成交额的比重超过设定比例。单一主体占比畸高，可能是为完成目标而安排的合同。"
            }
            Self::FullTechnical => {
                "金额较大的技术开发合同，其技术交易额等于合同成交额。技术交易额应扣除设备、材料等\
                 非技术性费用，而大额开发合同几乎都包含这些费用，技术交易额占百分之百不合常理。"
            }
        }
    }

    /// What the rule looks for and why it matters, in English.
    pub const fn explanation_en(self) -> &'static str {
        match self {
            Self::Duplicate => {
                "Two or more registered contracts with the same seller, the same buyer, the same \
                 contract amount and the same signing date. A contract registered twice inflates \
                 turnover by its whole amount."
            }
            Self::Splitting => {
                "Several registered contracts from the same seller to the same buyer, signed within \
                 a few days of each other, each with a technical amount just under the \
                 large-contract threshold. Splitting one large contract this way avoids the second \
                 registrar's approval that large contracts need."
            }
            Self::RoundTrip => {
                "Party A sells to party B and party B sells to party A within a set period, for \
                 similar amounts. Money that goes out and comes back creates turnover on both sides \
                 without any real transfer of technology."
            }
            Self::YearEndSurge => {
                "An office whose December registrations make a large share of its year's turnover, \
                 far above its December share in earlier years. Pressure to meet annual targets \
                 shows up as a rush of registrations at the end of the year."
            }
            Self::LateRegistration => {
                "A contract registered long after it was signed. Old contracts registered late may \
                 have been brought in to fill this year's figures."
            }
            Self::Concentration => {
                "In an office with enough contracts in the year, one party (as seller or as buyer) \
                 makes more than a set share of the office's turnover. An outsized single party can \
                 mean contracts arranged to meet a target."
            }
            Self::FullTechnical => {
                "A large development contract whose technical amount equals its contract amount. \
                 The technical amount excludes equipment, materials and other non-technical costs, \
                 which large development contracts almost always include, so 100 % is implausible."
            }
        }
    }

    /// The severity of this rule's findings.
    pub const fn severity(self) -> Severity {
        match self {
            Self::Duplicate | Self::Splitting | Self::RoundTrip => Severity::High,
            Self::YearEndSurge | Self::Concentration => Severity::Medium,
            Self::LateRegistration | Self::FullTechnical => Severity::Low,
        }
    }

    /// Whether the rule compares contracts with each other (and so also reads the previous
    /// registration year, see the module documentation).
    pub const fn compares_contracts(self) -> bool {
        matches!(self, Self::Duplicate | Self::Splitting | Self::RoundTrip)
    }

    /// The rule with exactly this code.
    pub fn from_code(s: &str) -> Result<Rule, UnknownCode> {
        code_list::from_code(s)
    }

    /// The configuration keys this rule reads, with their current values.
    pub fn parameters(self, config: &AnomalyConfig, threshold: Money) -> Vec<RuleParameter> {
        let p = |key: &'static str, value: String| RuleParameter { key, value };
        match self {
            Self::Duplicate => Vec::new(),
            Self::Splitting => vec![
                p(
                    "anomalies.split_min_contracts",
                    config.split_min_contracts.to_string(),
                ),
                p(
                    "anomalies.split_window_days",
                    config.split_window_days.to_string(),
                ),
                p(
                    "anomalies.split_margin_percent",
                    config.split_margin_percent.to_string(),
                ),
                p("ledger.large_contract_threshold", threshold.to_string()),
            ],
            Self::RoundTrip => vec![
                p(
                    "anomalies.round_trip_window_days",
                    config.round_trip_window_days.to_string(),
                ),
                p(
                    "anomalies.round_trip_amount_tolerance_percent",
                    config.round_trip_amount_tolerance_percent.to_string(),
                ),
            ],
            Self::YearEndSurge => vec![
                p(
                    "anomalies.year_end_share_percent",
                    config.year_end_share_percent.to_string(),
                ),
                p(
                    "anomalies.year_end_history_factor_percent",
                    config.year_end_history_factor_percent.to_string(),
                ),
            ],
            Self::LateRegistration => {
                vec![p(
                    "anomalies.late_registration_days",
                    config.late_registration_days.to_string(),
                )]
            }
            Self::Concentration => vec![
                p(
                    "anomalies.concentration_percent",
                    config.concentration_percent.to_string(),
                ),
                p(
                    "anomalies.concentration_min_contracts",
                    config.concentration_min_contracts.to_string(),
                ),
            ],
            Self::FullTechnical => {
                vec![p(
                    "anomalies.full_technical_min_amount",
                    config.full_technical_min_amount.to_string(),
                )]
            }
        }
    }

    /// Everything a page or the API shows about the rule, with its current parameters.
    pub fn describe(self, config: &AnomalyConfig, threshold: Money) -> RuleInfo {
        RuleInfo {
            code: self.code(),
            title_zh: self.title_zh(),
            title_en: self.title_en(),
            explanation_zh: self.explanation_zh(),
            explanation_en: self.explanation_en(),
            severity: self.severity(),
            parameters: self.parameters(config, threshold),
        }
    }
}

/// One configuration key a rule reads, with its value as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RuleParameter {
    /// Configuration key, e.g. `anomalies.split_window_days`.
    #[schema(value_type = String, example = "anomalies.split_window_days")]
    pub key: &'static str,
    /// Its value (amounts in yuan).
    #[schema(example = "30")]
    pub value: String,
}

/// A rule as the API and the audit pages describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RuleInfo {
    /// Rule code.
    #[schema(value_type = String, example = "splitting")]
    pub code: &'static str,
    /// Chinese name.
    #[schema(value_type = String)]
    pub title_zh: &'static str,
    /// English name.
    #[schema(value_type = String)]
    pub title_en: &'static str,
    /// Chinese explanation.
    #[schema(value_type = String)]
    pub explanation_zh: &'static str,
    /// English explanation.
    #[schema(value_type = String)]
    pub explanation_en: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// The configuration it reads.
    pub parameters: Vec<RuleParameter>,
}

impl CodeList for Rule {
    const ALL: &'static [Self] = Rule::ALL;
    const WHAT_EN: &'static str = "anomaly rule";
    const WHAT_ZH: &'static str = "异常规则";

    fn code(self) -> &'static str {
        Rule::code(self)
    }

    fn label_zh(self) -> &'static str {
        self.title_zh()
    }

    fn label_en(self) -> &'static str {
        self.title_en()
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Rule {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Rule, UnknownCode> {
        Rule::from_code(s)
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rule, D::Error> {
        let code = String::deserialize(deserializer)?;
        Rule::from_code(&code).map_err(serde::de::Error::custom)
    }
}
