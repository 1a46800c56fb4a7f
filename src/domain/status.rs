//! The state lists of the ledger: a contract's registration status, its audit review state,
//! and the roles of users.

use super::code_list::code_enum;

code_enum! {
    /// Where a contract stands in registration (only `Registered` counts in the statistics).
    pub enum ContractStatus("contract status", "合同状态") {
        /// 待复核: a large contract waiting for a second registrar's approval.
        Pending => ("pending", "待复核", "Pending approval"),
        /// 已登记: registered, with a registration number.
        Registered => ("registered", "已登记", "Registered"),
        /// 未予登记: refused, with a reason.
        Refused => ("refused", "未予登记", "Refused"),
        /// 已注销: voided after registration, with a reason.
        Voided => ("voided", "已注销", "Voided"),
    }
}

code_enum! {
    /// An auditor's verdict on a contract.
    pub enum ReviewState("review state", "审核状态") {
        /// 未审核: no auditor has looked at it yet.
        Unreviewed => ("unreviewed", "未审核", "Unreviewed"),
        /// 已确认: an auditor confirmed it.
        Confirmed => ("confirmed", "已确认", "Confirmed"),
        /// 有异议: an auditor disputed it, with a note.
        Disputed => ("disputed", "有异议", "Disputed"),
    }
}

code_enum! {
    /// What a user may do (api.md, Roles).
    pub enum Role("role", "角色") {
        /// 登记员: records contracts and parties for one office.
        Registrar => ("registrar", "登记员", "Registrar"),
        /// 审计员: reviews contracts and reads the audit trail.
        Auditor => ("auditor", "审计员", "Auditor"),
        /// 领导: reads turnover against targets.
        Official => ("official", "领导", "Official"),
        /// 管理员: users, targets, keys.
        Admin => ("admin", "管理员", "Administrator"),
        /// 申请人: submits contracts online for one party (the seller), nothing else.
        Applicant => ("applicant", "申请人", "Applicant"),
    }
}

code_enum! {
    /// Where an applicant's online submission stands in its office's queue.
    pub enum SubmissionStatus("submission status", "申请状态") {
        /// 待受理: in the office's queue.
        Submitted => ("submitted", "待受理", "Waiting in the queue"),
        /// 退回补正: returned to the applicant with reasons per field.
        Returned => ("returned", "退回补正", "Returned for correction"),
        /// 已受理: accepted; its contract is registered (or pending approval when large).
        Accepted => ("accepted", "已受理", "Accepted"),
        /// 不予受理: refused, with a reason.
        Refused => ("refused", "不予受理", "Refused"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::error::Localized;
    use super::*;

    #[test]
    fn labels_match_the_database_seed() {
        let statuses: Vec<_> = ContractStatus::ALL
            .iter()
            .map(|s| (s.code(), s.label_zh(), s.label_en()))
            .collect();
        assert_eq!(
            statuses,
            [
                ("pending", "待复核", "Pending approval"),
                ("registered", "已登记", "Registered"),
                ("refused", "未予登记", "Refused"),
                ("voided", "已注销", "Voided"),
            ]
        );
        let reviews: Vec<_> = ReviewState::ALL
            .iter()
            .map(|s| (s.code(), s.label_zh(), s.label_en()))
            .collect();
        assert_eq!(
            reviews,
            [
                ("unreviewed", "未审核", "Unreviewed"),
                ("confirmed", "已确认", "Confirmed"),
                ("disputed", "有异议", "Disputed"),
            ]
        );
        let roles: Vec<_> = Role::ALL
            .iter()
            .map(|s| (s.code(), s.label_zh(), s.label_en()))
            .collect();
        assert_eq!(
            roles,
            [
                ("registrar", "登记员", "Registrar"),
                ("auditor", "审计员", "Auditor"),
                ("official", "领导", "Official"),
                ("admin", "管理员", "Administrator"),
                ("applicant", "申请人", "Applicant"),
            ]
        );
    }

    #[test]
    fn codes_and_labels_parse() {
        assert_eq!(
            ContractStatus::from_code("voided"),
            Ok(ContractStatus::Voided)
        );
        assert_eq!(
            ContractStatus::from_label("未予登记"),
            Ok(ContractStatus::Refused)
        );
        assert_eq!(
            ReviewState::from_label("Disputed"),
            Ok(ReviewState::Disputed)
        );
        assert_eq!("admin".parse(), Ok(Role::Admin));
        assert_eq!(Role::from_label("管理员"), Ok(Role::Admin));
    }

    #[test]
    fn unknown_roles_list_the_allowed_ones() {
        let err = Role::from_code("root").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown role \"root\"; allowed: registrar, auditor, official, admin, applicant"
        );
        assert!(!err.message_zh().is_empty());
        assert!(ContractStatus::from_code("draft").is_err());
        assert!(ReviewState::from_code("").is_err());
    }

    #[test]
    fn serde_round_trips_as_the_code() {
        for s in ContractStatus::ALL {
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.code()));
            assert_eq!(serde_json::from_str::<ContractStatus>(&json).unwrap(), *s);
        }
        for s in ReviewState::ALL {
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(serde_json::from_str::<ReviewState>(&json).unwrap(), *s);
        }
        for s in Role::ALL {
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), *s);
        }
        assert!(serde_json::from_str::<Role>("\"Registrar\"").is_err());
    }
}
