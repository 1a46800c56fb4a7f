//! techledger — the technology transaction ledger of the Linyi Technology Achievement Trading
//! Centre (临沂市技术成果交易中心).
//!
//! Reading order: `ledger` (the one write path) → `audit` (chain, signatures, verification) →
//! `db` (storage on SQLite or PostgreSQL) → `api` and `web` (HTTP) → `stats` (read path).

pub mod anomalies;
pub mod api;
pub mod app;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backup;
#[cfg(feature = "bench-hooks")]
pub mod bench_hooks;
pub mod certificate;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod http;
pub mod import;
pub mod ledger;
pub mod private_files;
pub mod records;
pub mod stats;
pub mod time;
pub mod web;
pub mod witness;
