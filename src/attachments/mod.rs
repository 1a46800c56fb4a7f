//! The signed contracts applicants attach to their submissions, stored content-addressed: a
//! file lives at `<data_dir>/attachments/<first two hex digits>/<SHA-256 hex>`, written once
//! (0600, in 0700 directories) and never changed; the submission's row and its audit entry
//! hold only the digest. So the same file attached twice is stored once, a file changed or
//! swapped on disk no longer matches the digest the signed chain holds (`techledger verify`
//! re-hashes every attachment the chain names), and the files sit beside the database in the
//! data directory the operator already backs up and keeps private.
//!
//! Why not in the database: the audit entry is what must be tamper-evident, and it already
//! binds the file through its digest; files of up to 20 MB would make every backup, replica
//! and `VACUUM` carry them (and SQLite's single file grow without bound), and one layout
//! serves both backends. A deployment of several servers on one PostgreSQL shares the data
//! directory's `attachments/` (a network file system or a synced volume), as it shares keys.

mod kind;
mod store;

pub use kind::AttachmentKind;
pub use store::{AttachmentStore, FileCheck, ReceiveError, Received, Receiving, is_digest};
