//! The pure domain of techledger: validated values (money, credit codes, regions, offices,
//! registration numbers, country codes) and the code lists of contracts. No I/O.
//!
//! Every type here can only hold valid values: constructors and `Deserialize` validate,
//! `Serialize` and `Display` give the wire string, and every error is `Localized`.

pub mod code_list;
pub mod codes;
pub mod country;
pub mod credit_code;
pub mod error;
pub mod money;
pub mod office;
pub mod phone;
pub mod region;
pub mod registration_no;
pub mod status;
pub mod working_days;

#[cfg(test)]
mod properties;

pub use code_list::CodeList;
pub use codes::{ContractType, Flow, IpType, PartyKind, Subtype, TechField, is_introduced};
pub use country::{CountryCode, CountryError};
pub use credit_code::{CreditCode, CreditCodeError};
pub use error::{DomainError, Localized, UnknownCode};
pub use money::{Money, MoneyError, Total, chinese_capitals};
pub use office::{OfficeCode, OfficeKind};
pub use phone::{PhoneError, PhoneNumber};
pub use region::{RegionCode, RegionError, RegionLevel};
pub use registration_no::{RegistrationNo, RegistrationNoError};
pub use status::{ContractStatus, ReviewState, Role, SubmissionStatus};
pub use working_days::WorkCalendar;
