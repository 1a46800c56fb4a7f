//! The rules of the large-contract approval (大额合同复核), kept apart from the commands that
//! apply them so that each can be read and tested on its own:
//!
//! - whether an amendment leaves a contract `registered` or sends it (back) to `pending`;
//! - who may approve a pending contract: nobody who wrote any of it.

use std::collections::BTreeSet;

use crate::db::models::contracts::ContractVersionRow;
use crate::domain::{ContractStatus, Money};

/// The status a contract has after an amendment that leaves its technical amount at
/// `technical`. An approval belongs to the version approved: an amendment that leaves or puts a
/// registered contract at or above the threshold sends it back to `pending` for a fresh
/// approval (it keeps its registration number, and its amounts leave the totals until then),
/// and a pending contract brought below the threshold is registered as any small contract is.
/// Other statuses do not change by amendment (voided and refused contracts are not amended).
pub fn after_amendment(
    current: ContractStatus,
    technical: Money,
    threshold: Money,
) -> ContractStatus {
    let large = technical >= threshold;
    match current {
        ContractStatus::Registered if large => ContractStatus::Pending,
        ContractStatus::Pending if !large => ContractStatus::Registered,
        other => other,
    }
}

/// Everyone who wrote a pending version of the contract: its creator, and every registrar who
/// recorded (`register`) or amended it while it was pending or so that it became pending — in
/// its whole history, not only since the last approval. None of them may approve it: an
/// approval is a second person's check of what the others wrote. `versions` are oldest first.
pub fn authors(created_by: &str, versions: &[ContractVersionRow]) -> BTreeSet<String> {
    let pending = ContractStatus::Pending.code();
    let mut out = BTreeSet::from([created_by.to_string()]);
    let mut before: Option<&str> = None;
    for v in versions {
        let writes = matches!(v.change.as_str(), "register" | "amend");
        if writes && (v.status == pending || before == Some(pending)) {
            out.insert(v.actor_id.clone());
        }
        before = Some(v.status.as_str());
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn yuan(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn an_amendment_at_or_above_the_threshold_needs_a_fresh_approval() {
        let t = yuan("5000000.00");
        use ContractStatus::*;
        assert_eq!(after_amendment(Registered, yuan("5000000.00"), t), Pending);
        assert_eq!(
            after_amendment(Registered, yuan("900000000000.00"), t),
            Pending
        );
        assert_eq!(
            after_amendment(Registered, yuan("4999999.99"), t),
            Registered
        );
        assert_eq!(after_amendment(Pending, yuan("4999999.99"), t), Registered);
        assert_eq!(after_amendment(Pending, yuan("6000000.00"), t), Pending);
        assert_eq!(after_amendment(Voided, yuan("6000000.00"), t), Voided);
        assert_eq!(after_amendment(Refused, yuan("1.00"), t), Refused);
    }

    fn version(n: i32, change: &str, status: &str, actor: &str) -> ContractVersionRow {
        ContractVersionRow {
            contract_id: "c".into(),
            version: n,
            change: change.into(),
            status: status.into(),
            registration_no: None,
            title: "t".into(),
            contract_type: "development".into(),
            subtype: None,
            seller_id: "s".into(),
            buyer_id: "b".into(),
            signed_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            valid_until: None,
            contract_amount_fen: 1,
            technical_amount_fen: 1,
            tech_field: "agriculture".into(),
            ip_type: "patent".into(),
            reason: None,
            party_contract_no: None,
            seller_contact_name: None,
            seller_contact_phone: None,
            buyer_contact_name: None,
            buyer_contact_phone: None,
            principal_fen: None,
            related_services_fen: None,
            actor_id: actor.into(),
            recorded_at: chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            audit_seq: i64::from(n),
        }
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn whoever_wrote_a_pending_version_is_an_author() {
        // A records, B inflates while pending: both are authors.
        let v = [
            version(1, "register", "pending", "a"),
            version(2, "amend", "pending", "b"),
        ];
        assert_eq!(authors("a", &v), set(&["a", "b"]));
        // B lowers A's pending contract (registered as a small one), then raises it again.
        let v = [
            version(1, "register", "pending", "a"),
            version(2, "amend", "registered", "b"),
            version(3, "amend", "pending", "b"),
        ];
        assert_eq!(authors("a", &v), set(&["a", "b"]));
        // C approved an earlier version and D amended the registered contract below the
        // threshold: neither wrote a pending version. E sent it back to pending.
        let v = [
            version(1, "register", "pending", "a"),
            version(2, "approve", "registered", "c"),
            version(3, "amend", "registered", "d"),
            version(4, "amend", "pending", "e"),
        ];
        assert_eq!(authors("a", &v), set(&["a", "e"]));
        // A small contract's creator stays an author when somebody else raises it.
        let v = [
            version(1, "register", "registered", "a"),
            version(2, "amend", "pending", "b"),
        ];
        assert_eq!(authors("a", &v), set(&["a", "b"]));
    }
}
