//! The audit log: one JSON line per action that changes something or spends money, so that
//! "who raised the budget?" and "what did awsdash cost us this week?" have an answer.
//!
//! The log is append-only, `<data dir>/audit.jsonl`, created 0600. Each line is appended whole
//! under the lock beside the file, so lines from parallel processes never interleave. With the
//! team store (`[store] kind = "dynamodb"`) every line is also written to the table (partition
//! `audit#YYYY-MM-DD`, sort key `<time>#<host:pid>#<n>`), and `awsdash audit` reads the table,
//! so a team sees one history.
//!
//! A line never holds a secret: deliveries name the sink and the message id, never its URL or
//! signing secret, and results are a fixed word, never an error text that might quote a URL.
//!
//! # Entry points (stable: other modules record through them)
//!
//! - [`AuditLog::for_settings`] (or [`AuditLog::new`] + [`AuditLog::sharing`]): the log;
//! - [`AuditLog::record`]`(action, result, now)`: appends one line, with an [`Action`] of
//!   - [`Action::BudgetEdit`] — who (the caller ARN from STS), which budget, before, after;
//!   - [`Action::Delivery`] — an alert or a report ([`Delivered`]) sent to a sink, by id;
//!   - [`Action::PaidCall`] — a paid AWS operation, its pages and what they cost;
//!
//!   and an [`Outcome`] of `Ok`, `Failed` (the action was tried and did not happen), `Denied`
//!   (AWS refused the permission) or `Simulated` (demo mode);
//! - [`AuditLog::read`]`(since)`: the lines from a UTC day on, oldest first.

mod file;
mod team;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Money;

/// What was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// A budget's limit changed (or was asked to change).
    BudgetEdit {
        /// The caller ARN STS answered, or "demo".
        who: String,
        budget: String,
        /// The limit before and after, as "1000.00 USD".
        before: String,
        after: String,
    },
    /// A message handed to a sink.
    Delivery {
        what: Delivered,
        /// The sink's name in the config (never its URL).
        sink: String,
        /// The message id (a webhook's `webhook-id`), the same on every retry.
        id: String,
    },
    /// A paid AWS request (Cost Explorer: $0.01 per page).
    PaidCall {
        operation: String,
        pages: u64,
        cost: Money,
    },
}

/// What kind of message a delivery carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivered {
    Alert,
    Report,
}

impl Delivered {
    pub fn word(self) -> &'static str {
        match self {
            Delivered::Alert => "alert",
            Delivered::Report => "report",
        }
    }
}

/// How the action ended: a fixed word, so no error text (which may quote a URL) is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Failed,
    Denied,
    Simulated,
}

impl Outcome {
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Denied => "denied",
            Outcome::Simulated => "simulated",
        }
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub at: DateTime<Utc>,
    /// The process that acted: "host:pid".
    pub by: String,
    #[serde(flatten)]
    pub action: Action,
    pub result: Outcome,
}

/// Where the log lives: the file on this machine and, with the team store, the table.
#[derive(Debug, Clone)]
pub struct AuditLog {
    file: PathBuf,
    team: Option<team::TeamAudit>,
}

/// The file name in the data dir.
pub const FILE_NAME: &str = "audit.jsonl";

impl AuditLog {
    /// The log in `file` only.
    pub fn new(file: PathBuf) -> AuditLog {
        AuditLog { file, team: None }
    }

    /// Also writes every line to (and reads the history from) the team's table.
    pub fn sharing(mut self, store: &crate::store::DynamoStore) -> AuditLog {
        self.team = Some(team::TeamAudit::new(store));
        self
    }

    /// The log the settings call for: the data dir's file, and the table when `store` is the
    /// shared one.
    pub fn for_settings(
        settings: &crate::settings::Settings,
        store: Option<&crate::store::DynamoStore>,
    ) -> AuditLog {
        let log = AuditLog::new(settings.paths.data_dir.join(FILE_NAME));
        match store {
            Some(store) => log.sharing(store),
            None => log,
        }
    }

    /// Appends one line: to the file first (the local record always exists), then to the
    /// table. Either failure is returned, so a caller that must not act unrecorded can stop.
    pub async fn record(
        &self,
        action: Action,
        result: Outcome,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        let line = Line {
            at: now,
            by: crate::store::holder_name(),
            action,
            result,
        };
        file::append(&self.file, &line)
            .map_err(|e| format!("cannot write the audit log {}: {e}", self.file.display()))?;
        if let Some(team) = &self.team {
            team.put(&line).await?;
        }
        Ok(())
    }

    /// The lines from UTC day `since` to `today`, oldest first: from the table when shared
    /// (the team's history), else from the file.
    pub async fn read(&self, since: NaiveDate, today: NaiveDate) -> Result<Vec<Line>, String> {
        let mut lines = match &self.team {
            Some(team) => team.read(since, today).await?,
            None => file::read(&self.file)
                .map_err(|e| format!("cannot read the audit log {}: {e}", self.file.display()))?,
        };
        lines.retain(|l| l.at.date_naive() >= since);
        lines.sort_by_key(|l| l.at);
        Ok(lines)
    }
}

#[cfg(test)]
mod tests;
