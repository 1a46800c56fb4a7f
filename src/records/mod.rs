//! The records of the ledger in their wire form: what the API answers, what each audit entry's
//! payload carries as `state`, and what replaying the chain rebuilds. Conversions to and from
//! the database rows live beside each record.

mod contract;
mod party;
mod review;
mod submission;
mod user;

pub use contract::{Contact, ContractState, TechnicalSplit};
pub use party::PartyState;
pub use review::ReviewRecord;
pub use submission::{
    AttachedFile, FieldReason, SubmissionDecision, SubmissionState, SubmissionVersion,
};
pub use user::{PASSWORD_DIGEST_KEY, UserState, password_hash_digest};

/// RFC 3339 (UTC, microseconds) serialisation of the naive UTC timestamps we store.
pub mod timestamp {
    use chrono::NaiveDateTime;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialises as RFC 3339.
    pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::time::rfc3339(*t))
    }

    /// Parses RFC 3339.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let s = String::deserialize(d)?;
        crate::time::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom("not an RFC 3339 timestamp"))
    }

    /// The same for optional timestamps.
    pub mod option {
        use chrono::NaiveDateTime;
        use serde::{Deserialize, Deserializer, Serializer};

        /// Serialises as RFC 3339 or null.
        pub fn serialize<S: Serializer>(
            t: &Option<NaiveDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&crate::time::rfc3339(*t)),
                None => s.serialize_none(),
            }
        }

        /// Parses RFC 3339 or null.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<NaiveDateTime>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(s) => crate::time::parse_rfc3339(&s)
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::custom("not an RFC 3339 timestamp")),
            }
        }
    }
}
