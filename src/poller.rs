//! The background task that owns all data fetching. The UI sends [`Command`]s and receives
//! [`Update`]s; it never waits on the network. Every snapshot is whole and immutable
//! (`Arc<Snapshot>`); a failed refresh keeps the last good one and sends a [`Status`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use crate::model::{Query, Snapshot};
use crate::source::demo::DemoSource;

/// What the UI asks of the poller.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Re-read the cheap sources now; `paid` also refreshes Cost Explorer (costs money).
    Refresh { paid: bool },
    /// Show a different window or filter set.
    SetQuery(Query),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A line for the footer: progress, a retry, an error a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub severity: Severity,
    pub message: String,
    pub at: DateTime<Utc>,
}

impl Status {
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        Status {
            severity,
            message: message.into(),
            at: Utc::now(),
        }
    }
}

/// What the poller tells the UI.
#[derive(Debug, Clone)]
pub enum Update {
    Snapshot(Arc<Snapshot>),
    Status(Status),
}

/// The UI's ends of the two channels.
pub struct PollerHandle {
    pub commands: mpsc::Sender<Command>,
    pub updates: mpsc::Receiver<Update>,
}

/// Starts the demo poller: answers every command at once from the generated account.
pub fn spawn_demo(demo: DemoSource, query: Query) -> PollerHandle {
    let (command_tx, mut command_rx) = mpsc::channel(16);
    let (update_tx, update_rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let mut query = query;
        let send = |query: &Query| {
            let now = Utc::now();
            Update::Snapshot(Arc::new(demo.snapshot(query, now.date_naive(), now)))
        };
        if update_tx.send(send(&query)).await.is_err() {
            return;
        }
        while let Some(command) = command_rx.recv().await {
            if let Command::SetQuery(q) = command {
                query = q;
            }
            if update_tx.send(send(&query)).await.is_err() {
                return;
            }
        }
    });
    PollerHandle {
        commands: command_tx,
        updates: update_rx,
    }
}
