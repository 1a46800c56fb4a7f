//! Why the write path refused or failed a command.

use serde::{Deserialize, Serialize};

use super::RowReport;
use crate::domain::Localized;

/// One bad field of a command, in English and in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, as named on the wire (`technical_amount`, `seller.credit_code`).
    pub field: String,
    /// What is wrong, in English.
    pub message: String,
    /// What is wrong, in Chinese (shown on the web pages).
    pub message_zh: String,
}

impl FieldError {
    /// A field error with both messages.
    pub fn new(
        field: impl Into<String>,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
            message_zh: message_zh.into(),
        }
    }

    /// A field error from a domain error.
    pub fn from_domain(field: impl Into<String>, error: &impl Localized) -> FieldError {
        FieldError::new(field, error.message_en(), error.message_zh())
    }

    /// The same error under a prefix (`seller.` + `credit_code`).
    pub fn prefixed(mut self, prefix: &str) -> FieldError {
        self.field = format!("{prefix}{}", self.field);
        self
    }
}

/// The write path's errors. The HTTP layer maps each variant to one status in one place.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LedgerError {
    /// The command is invalid; every bad field is named (422).
    #[error("invalid: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// A record the command names does not exist (404).
    #[error("{entity} {id} not found")]
    NotFound {
        /// contract, party, user.
        entity: &'static str,
        /// Its id.
        id: String,
    },
    /// The command conflicts with the current state (409).
    #[error("{message}")]
    Conflict {
        /// Stable snake_case code.
        code: &'static str,
        /// English.
        message: String,
        /// Chinese.
        message_zh: String,
    },
    /// The actor may not do this to this record (403).
    #[error("{message}")]
    Forbidden {
        /// English.
        message: String,
        /// Chinese.
        message_zh: String,
    },
    /// An import with rejected rows and `partial=false`: nothing was written (422).
    #[error("{} rows rejected; nothing was imported", .0.len())]
    ImportRejected(Vec<RowReport>),
    /// The server's own failure (500); logged, never a client's fault.
    #[error("storage failure: {0}")]
    Storage(String),
    /// The writer is not running (503).
    #[error("the ledger is not accepting writes")]
    Unavailable,
    /// The database cannot be reached; nothing was written (503 with Retry-After).
    #[error("the database is unavailable: {0}")]
    DatabaseUnavailable(String),
    /// The database's disk is full; nothing was written (503 with Retry-After).
    #[error("the database's disk is full: {0}")]
    StorageFull(String),
}

impl LedgerError {
    /// A 409 with a stable code.
    pub fn conflict(
        code: &'static str,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> LedgerError {
        LedgerError::Conflict {
            code,
            message: message.into(),
            message_zh: message_zh.into(),
        }
    }

    /// A 403.
    pub fn forbidden(message: impl Into<String>, message_zh: impl Into<String>) -> LedgerError {
        LedgerError::Forbidden {
            message: message.into(),
            message_zh: message_zh.into(),
        }
    }

    /// A 422 naming one field.
    pub fn invalid(
        field: &str,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> LedgerError {
        LedgerError::Invalid(vec![FieldError::new(field, message, message_zh)])
    }
}

impl From<diesel::result::Error> for LedgerError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            // Constraints are checked by the handlers first; reaching one here is a race the
            // handler could not see, still the client's conflict rather than our failure.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                LedgerError::conflict(
                    "duplicate",
                    format!(
                        "a record with the same unique value exists ({})",
                        info.message()
                    ),
                    "已存在相同的唯一值",
                )
            }
            _ if crate::db::is_connection_error(&e) => {
                LedgerError::DatabaseUnavailable(e.to_string())
            }
            _ if is_disk_full(&e.to_string()) => LedgerError::StorageFull(e.to_string()),
            _ => LedgerError::Storage(e.to_string()),
        }
    }
}

/// SQLite's SQLITE_FULL and PostgreSQL's "could not extend file … No space left on device"
/// (SQLSTATE 53100), which diesel reports only by their messages.
pub(crate) fn is_disk_full(message: &str) -> bool {
    message.contains("database or disk is full") || message.contains("No space left on device")
}

impl From<crate::audit::chain::AuditError> for LedgerError {
    fn from(e: crate::audit::chain::AuditError) -> Self {
        match e {
            crate::audit::chain::AuditError::TooLarge { bytes } => LedgerError::invalid(
                "body",
                format!(
                    "the change is too large to record in the audit log ({bytes} bytes; at most 65535)"
                ),
                format!("该变更过大，无法记入审计日志（{bytes} 字节，上限 65535）"),
            ),
            e => LedgerError::Storage(e.to_string()),
        }
    }
}

impl From<crate::db::models::CorruptRow> for LedgerError {
    fn from(e: crate::db::models::CorruptRow) -> Self {
        LedgerError::Storage(e.to_string())
    }
}
