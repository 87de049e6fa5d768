//! The alert observer of the dashboard: its own task, fed the account-wide snapshot after
//! every poll, delivering what is new and what waits in the outbox — so the screen never waits
//! on a sink, and a dead sink never holds up the others. What happened is said in the footer.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::{mpsc, watch};

use super::{Severity, Status, Update};
use crate::alerts::delivery::RetryPolicy;
use crate::alerts::engine::{Engine, Report};
use crate::model::Snapshot;

/// Inside the dashboard: two quick tries, a Retry-After of up to 10 s waited for; longer waits
/// go to the outbox, tried again after the next poll.
const DASHBOARD_POLICY: RetryPolicy = RetryPolicy {
    attempts: 2,
    first_backoff: std::time::Duration::from_secs(1),
    max_wait: std::time::Duration::from_secs(10),
};

/// Starts the observer; put snapshots in the returned slot. Only the newest counts: a slow
/// sink makes the observer skip snapshots, never queue them.
pub fn spawn(
    engine: Engine,
    updates: mpsc::Sender<Update>,
) -> watch::Sender<Option<Arc<Snapshot>>> {
    let (tx, mut rx) = watch::channel::<Option<Arc<Snapshot>>>(None);
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let Some(snapshot) = rx.borrow_and_update().clone() else {
                continue;
            };
            let status = match engine
                .observe(&snapshot, Utc::now(), false, &DASHBOARD_POLICY)
                .await
            {
                Ok(report) => said(&report),
                Err(e) => Some(Status::new(
                    Severity::Warning,
                    format!("alerts cannot be delivered: the alert state: {e}"),
                )),
            };
            if let Some(status) = status
                && updates.send(Update::Status(status)).await.is_err()
            {
                return;
            }
        }
    });
    tx
}

/// One footer line for what a delivery round did, or nothing when it did nothing.
fn said(report: &Report) -> Option<Status> {
    if let Some((sink, why)) = report.failed.first() {
        return Some(Status::new(
            Severity::Warning,
            format!(
                "alert not delivered to {sink}: {why}; {} message(s) wait in the outbox",
                report.waiting
            ),
        ));
    }
    let (sink, title) = report.delivered.first()?;
    let more = report.delivered.len() - 1;
    Some(Status::new(
        Severity::Info,
        match more {
            0 => format!("alert sent to {sink}: {title}"),
            n => format!("alert sent to {sink}: {title} (and {n} more)"),
        },
    ))
}
