//! What a rule reports: the findings, the contracts and parties they name.

use chrono::NaiveDate;
use serde::Serialize;

use super::rule::{Rule, Severity};

/// One finding: a rule matched these contracts, and the details say why, with numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Finding {
    /// The rule that matched (its code).
    #[schema(value_type = String, example = "splitting")]
    pub rule: Rule,
    /// `high`, `medium` or `low`.
    pub severity: Severity,
    /// The registering office when all named contracts come from one office (always set for
    /// `year_end_surge` and `concentration`), otherwise absent.
    #[schema(example = "371302")]
    pub office: Option<String>,
    /// The parties the finding is about (seller and buyer, the two sides of a round trip, or
    /// the concentrated party).
    pub parties: Vec<FindingParty>,
    /// The contracts the finding names, most relevant first; at most 50 (see `contract_count`).
    pub contracts: Vec<FindingContract>,
    /// How many contracts the finding concerns in all (may exceed the 50 listed).
    pub contract_count: u64,
    /// Why, in English, with the numbers.
    pub detail_en: String,
    /// Why, in Chinese, with the numbers.
    pub detail_zh: String,
}

/// A contract named by a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FindingContract {
    /// Contract id (UUID).
    pub id: String,
    /// Its registration number.
    #[schema(example = "2026371302000123")]
    pub registration_no: String,
    /// Its title.
    pub title: String,
    /// Registering office.
    #[schema(example = "371302")]
    pub office: String,
    /// Seller party id.
    pub seller_id: String,
    /// Buyer party id.
    pub buyer_id: String,
    /// 合同成交额, yuan.
    #[schema(example = "1250000.00")]
    pub amount: String,
    /// 技术交易额, yuan.
    #[schema(example = "1000000.00")]
    pub technical_amount: String,
    /// Signing date.
    #[schema(value_type = String, format = Date)]
    pub signed_on: NaiveDate,
    /// Registration date (Asia/Shanghai).
    #[schema(value_type = String, format = Date)]
    pub registered_on: NaiveDate,
}

/// A party named by a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FindingParty {
    /// Party id (UUID).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The side it is on in the named contracts.
    pub role: PartyRole,
}

/// Which side of the named contracts a party is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PartyRole {
    /// Seller (卖方).
    Seller,
    /// Buyer (买方).
    Buyer,
    /// Seller in some contracts and buyer in others (round trips).
    Both,
}

impl PartyRole {
    /// English word for texts.
    pub const fn word_en(self) -> &'static str {
        match self {
            Self::Seller => "seller",
            Self::Buyer => "buyer",
            Self::Both => "seller and buyer",
        }
    }

    /// Chinese word for texts.
    pub const fn word_zh(self) -> &'static str {
        match self {
            Self::Seller => "卖方",
            Self::Buyer => "买方",
            Self::Both => "买卖双方",
        }
    }
}
