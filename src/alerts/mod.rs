//! Alerts: conditions worth telling people about, found in a snapshot — a budget threshold
//! crossed, a month-end forecast over a budget, an anomaly above the floor, a user rule —
//! each with a stable id (the same condition in the same period is the same alert), so it is
//! announced once however often it is seen.
//!
//! `rules` finds them in a snapshot (pure, no I/O); `state` remembers what was said and what
//! waits to be delivered; `sinks` and `delivery` carry messages to Slack, Teams, signed
//! webhooks and SNS.

pub mod delivery;
pub mod engine;
pub mod findings;
pub mod rules;
pub mod shared;
pub mod sinks;
pub mod state;

pub use crate::model::{Alert, AlertKind, AlertSeverity};
