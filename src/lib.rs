//! awsdash: what an AWS account is spending, live, in a terminal.
//!
//! The binary (`main.rs`) parses the command line and dispatches to [`commands`]; everything
//! else is here so integration tests and benches can use it.

pub mod alerts;
pub mod analysis;
pub mod audit;
pub mod budget_limit;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod lockfile;
pub mod logging;
pub mod meter;
pub mod metrics;
pub mod model;
pub mod output;
pub mod poller;
pub mod report;
pub mod schedule;
pub mod serve;
pub mod settings;
pub mod source;
pub mod state_file;
pub mod store;
pub mod text;
pub mod ui;

/// When the process started, for the start-up time the dashboard logs.
pub static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
