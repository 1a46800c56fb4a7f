//! The integration tests: one binary, every storage test on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod support;

mod anomalies;
mod applicants;
mod approvals;
mod audit_chain;
mod auth;
mod backup;
mod certificate;
mod cli_wording;
mod closed_output;
mod contract_csv;
mod contract_lists;
mod contracts;
mod demo;
mod demo_progress;
mod duplicates;
mod faults;
mod figures;
mod foundation;
mod import;
mod instances;
mod login_throttle;
mod money_overflow;
mod odd_input;
mod particulars;
mod parties;
mod public_receipt;
mod server;
mod server_hardening;
mod session;
mod sign_out;
mod stats;
mod submissions;
mod tlog;
mod trust;
mod verify_gate;
mod web_pages;
mod witness;
mod xlsx_limits;
