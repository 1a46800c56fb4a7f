//! The integration tests: one binary, every storage test on SQLite and on PostgreSQL.

mod support;

mod audit_chain;
mod foundation;
