//! The audit log: a hash chain of signed entries (RFC 8785 canonical JSON, SHA-256, Ed25519
//! JWS), signed checkpoints, the public keys as a JWKS, and verification — offline over an
//! export, over a database, and by the server — with a reconciliation that replays the chain
//! and compares every ledger table with what the entries say.

pub mod bundle;
pub mod canonical;
#[cfg(test)]
mod canonical_properties;
pub mod chain;
pub mod checkpoint;
pub mod cli;
pub mod entry;
pub mod figures;
pub mod gate;
pub mod jwks;
pub mod keys;
pub mod merkle;
pub mod note;
pub mod receipt;
pub mod reconcile;
pub mod rotation;
pub mod signing;
pub mod submission_replay;
pub mod tlog;
pub mod trust;
pub mod verify;
