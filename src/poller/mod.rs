//! The background task that owns all data fetching. The UI sends [`Command`]s and receives
//! [`Update`]s; it never waits on the network. Every snapshot is whole and immutable
//! (`Arc<Snapshot>`); a failed refresh keeps the last good one and sends a [`Status`].
//!
//! `aws` holds the AWS poller's schedule and state, `backoff` how long it waits after a
//! failure; the demo poller answers at once.

mod aws;
mod backoff;
pub mod observer;
mod sections;
mod wants;
mod watch;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use crate::alerts::engine::Engine;
use crate::alerts::findings::annotate;
use crate::alerts::rules::RuleFacts;
use crate::audit::AuditLog;
use crate::config::AlertsConfig;
use crate::model::{Money, Query, Section, Snapshot};
use crate::source::aws::anomalies::AwsFindings;
use crate::source::demo::DemoSource;

pub use aws::AwsPoller;
pub use sections::Sections;
pub use wants::Wants;

/// What the UI asks of the poller.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Re-read the cheap sources now, and retry whatever failed; `paid` also refreshes Cost
    /// Explorer (costs money).
    Refresh { paid: bool },
    /// Show a different window or filter set.
    SetQuery(Query),
    /// A view needs this section: fetch it (from the cache when fresh) and keep it fresh, on
    /// its own TTL, in every snapshot from now on. Sent when the view is first opened.
    Want(Section),
    /// Allocate the tags section by this key from now on.
    TagKey(String),
    /// Set budget `name`'s limit (confirmed in the dashboard's dialog): sent to AWS, read
    /// back and audited as `budget set` does, or simulated on the demo account. The outcome
    /// comes back as a [`Status`], and on AWS the budgets are re-read so the panel shows it.
    EditBudget { name: String, limit: Money },
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
    /// `message` may quote AWS or a file name: its control characters are replaced here, once,
    /// for every place a status is drawn.
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        let message = message.into();
        Status {
            severity,
            message: crate::text::clean(&message).into_owned(),
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

/// A demo snapshot with its findings: anomalies over its cube, the alerts its budgets and the
/// user rules raise (each rule answered from the generated account), and the analysis
/// sections `wants` asks for. Never delivered.
pub fn demo_snapshot(
    demo: &DemoSource,
    query: &Query,
    alerts: &AlertsConfig,
    wants: &Wants,
    now: DateTime<Utc>,
) -> Snapshot {
    let today = now.date_naive();
    let mut snapshot = demo.snapshot(query, today, now);
    let tag_key = wants.tag_key.as_deref().unwrap_or(DEMO_TAG_KEY);
    snapshot.analysis = demo.analysis(
        query,
        today,
        &wants.sections,
        tag_key,
        snapshot.breakdown().as_ref(),
    );
    let facts: Vec<RuleFacts> = alerts
        .rule
        .iter()
        .filter_map(|rule| {
            let rule_query = crate::alerts::rules::rule_query(rule, query);
            let cube = demo.snapshot(&rule_query, today, now).cube?;
            Some(RuleFacts::from_cube(rule, &cube, today))
        })
        .collect();
    annotate(&mut snapshot, alerts, &AwsFindings::Unknown, &facts);
    snapshot
}

/// The demo's tags are allocated by this key when no `[view] tag_keys` names one.
const DEMO_TAG_KEY: &str = "team";

/// Starts the demo poller: answers every command at once from the generated account. A
/// budget edit is simulated and recorded in `audit`, as `budget set --demo` does.
pub fn spawn_demo(
    demo: DemoSource,
    query: Query,
    alerts: AlertsConfig,
    wants: Wants,
    audit: AuditLog,
) -> PollerHandle {
    let (command_tx, mut command_rx) = mpsc::channel(16);
    let (update_tx, update_rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let mut query = query;
        let mut wants = wants;
        let send = |query: &Query, wants: &Wants| {
            let now = Utc::now();
            Update::Snapshot(Arc::new(demo_snapshot(&demo, query, &alerts, wants, now)))
        };
        if update_tx.send(send(&query, &wants)).await.is_err() {
            return;
        }
        while let Some(command) = command_rx.recv().await {
            match command {
                Command::SetQuery(q) => query = q,
                Command::Want(section) => {
                    wants.want(section);
                }
                Command::TagKey(key) => wants.tag_key = Some(key),
                Command::Refresh { .. } => {}
                Command::EditBudget { name, limit } => {
                    // Nothing changed, so no new snapshot: only the word that it was simulated.
                    for status in demo_edit(&demo, &name, limit, &audit).await {
                        if update_tx.send(Update::Status(status)).await.is_err() {
                            return;
                        }
                    }
                    continue;
                }
            }
            if update_tx.send(send(&query, &wants)).await.is_err() {
                return;
            }
        }
    });
    PollerHandle {
        commands: command_tx,
        updates: update_rx,
    }
}

/// The statuses a simulated edit ends with: what was simulated, and a failed audit line.
async fn demo_edit(demo: &DemoSource, name: &str, limit: Money, audit: &AuditLog) -> Vec<Status> {
    match demo.edit_budget(name, limit, audit, Utc::now()).await {
        Ok(edited) => {
            let mut said = vec![Status::new(Severity::Info, edited.said)];
            said.extend(edited.recorded.err().map(unrecorded));
            said
        }
        Err(why) => vec![Status::new(Severity::Error, why)],
    }
}

/// An edit happened but its audit line could not be written: said, not hidden.
fn unrecorded(why: String) -> Status {
    Status::new(
        Severity::Warning,
        format!("the budget edit was not written to the audit log: {why}"),
    )
}

/// Starts the AWS poller task: the cached snapshot at once, then polls on its cadence and
/// answers the UI's commands. With an alert `engine`, each poll's account-wide snapshot goes
/// to the alert observer (its own task).
pub fn spawn_aws(poller: AwsPoller, engine: Option<Engine>) -> PollerHandle {
    let (command_tx, mut command_rx) = mpsc::channel(16);
    let (update_tx, update_rx) = mpsc::channel(64);
    let observer = engine.map(|engine| observer::spawn(engine, update_tx.clone()));
    tokio::spawn(async move {
        let mut poller = poller;
        let started = Utc::now();
        if let Some(snapshot) = poller.cached_snapshot(started).await {
            let _ = update_tx.send(Update::Snapshot(Arc::new(snapshot))).await;
        }
        let _ = update_tx
            .send(Update::Status(Status::new(
                Severity::Info,
                "fetching from AWS…",
            )))
            .await;
        let mut pending = Some(Command::Refresh { paid: false });
        loop {
            let updates = match pending.take() {
                Some(Command::Refresh { paid }) => {
                    poller.retry_now();
                    let mut updates = poller.poll(Utc::now(), true, paid).await;
                    updates.extend(match paid {
                        true => poller.refresh_sections(Utc::now()).await,
                        false => poller.retry_sections(Utc::now()).await,
                    });
                    updates
                }
                Some(Command::SetQuery(q)) => poller.set_query(q, Utc::now()).await,
                Some(Command::Want(section)) => poller.want(section, Utc::now()).await,
                Some(Command::TagKey(key)) => poller.set_tag_key(key, Utc::now()).await,
                Some(Command::EditBudget { name, limit }) => {
                    poller.edit_budget(&name, limit, Utc::now()).await
                }
                None => poller.poll(Utc::now(), false, false).await,
            };
            for update in updates {
                if let (Update::Snapshot(shown), Some(observer)) = (&update, &observer)
                    && let Some(watched) = poller.watched_snapshot(shown)
                {
                    observer.send_replace(Some(Arc::new(watched)));
                }
                if update_tx.send(update).await.is_err() {
                    return;
                }
            }
            let wait = poller
                .next_wake(Utc::now())
                .to_std()
                .unwrap_or(std::time::Duration::from_secs(1));
            tokio::select! {
                command = command_rx.recv() => match command {
                    Some(c) => pending = Some(c),
                    None => return,
                },
                _ = tokio::time::sleep(wait) => {}
            }
        }
    });
    PollerHandle {
        commands: command_tx,
        updates: update_rx,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FilterSet, Window};

    #[tokio::test]
    async fn the_demo_poller_fills_a_section_once_it_is_wanted() {
        let today = Utc::now().date_naive();
        let query = Query {
            window: Window::last_days(today, 7).expect("window"),
            filters: FilterSet::default(),
        };
        let demo = DemoSource {
            exclude_credits: false,
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let audit = AuditLog::new(dir.path().join("audit.jsonl"));
        let mut handle = spawn_demo(
            demo,
            query,
            AlertsConfig::default(),
            Wants::default(),
            audit,
        );
        let Some(Update::Snapshot(first)) = handle.updates.recv().await else {
            panic!("snapshot");
        };
        assert!(!first.analysis.has(Section::Credits));
        handle
            .commands
            .send(Command::Want(Section::Credits))
            .await
            .expect("send");
        let Some(Update::Snapshot(next)) = handle.updates.recv().await else {
            panic!("snapshot");
        };
        assert!(next.analysis.has(Section::Credits));
        assert!(!next.analysis.has(Section::Tags));
    }
}
