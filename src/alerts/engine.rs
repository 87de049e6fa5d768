//! The observer that turns snapshots into deliveries: plan what is new in the state, claim
//! what is due in the outbox, deliver it — every sink at once, so a dead one never holds up
//! the others — and settle the outcome. The same code runs under the dashboard (in its own
//! task, so the screen never waits on a sink), `alerts run` and `alerts test`.

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};

use super::delivery::{RetryPolicy, deliver};
use super::findings::could_raise;
use super::shared::{Deliveries, Turn};
use super::sinks::{Event, Message, SendError, Sender, Sink};
use super::state::{AlertState, Audience, Pending, delivery_id};
use super::{Alert, AlertKind, AlertSeverity};
use crate::audit::{Action, AuditLog, Delivered, Outcome as Logged};
use crate::config::AlertsConfig;
use crate::error::AppError;
use crate::model::Snapshot;
use crate::settings::EnvLookup;
use crate::store::DynamoStore;

/// What one observation did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    /// New announcements: (what, the alert's title).
    pub announced: Vec<(Event, String)>,
    /// (sink, the alert's title) delivered.
    pub delivered: Vec<(String, String)>,
    /// (sink, why) that failed this time and wait in the outbox.
    pub failed: Vec<(String, String)>,
    /// (sink, the alert's title) another process sharing the store sent already.
    pub elsewhere: Vec<(String, String)>,
    /// Messages still in the outbox after this run.
    pub waiting: usize,
}

/// How one claimed message went.
enum Outcome {
    /// Sent here, or not (then it waits in the outbox).
    Tried(Result<(), SendError>),
    /// Another process sharing the store sent it.
    Elsewhere,
    /// Another process is sending it now: look again after `until`.
    Deferred(DateTime<Utc>),
}

/// How long `alerts run` waits for a message another process is sending.
const WAIT_FOR_OTHERS: StdDuration = StdDuration::from_secs(20);

pub struct Engine {
    state: AlertState,
    sinks: Vec<Sink>,
    sender: Sender,
    config: AlertsConfig,
    /// With the DynamoDB store: who sent what, across machines.
    shared: Option<Deliveries>,
    /// Where each delivery tried is recorded (sink and message id, never a URL).
    audit: Option<AuditLog>,
}

impl Engine {
    /// The sinks of `config` with their secrets read from `env`; a sink whose variable is
    /// missing is a config error naming the variable (never a value).
    pub fn new(
        config: &AlertsConfig,
        state: AlertState,
        sns: Option<aws_sdk_sns::Client>,
        env: EnvLookup<'_>,
    ) -> Result<Engine, AppError> {
        let sinks = config
            .sink
            .iter()
            .filter(|s| s.kind.takes_alerts())
            .map(|s| Sink::resolve(s, env))
            .collect::<Result<Vec<_>, _>>()
            .map_err(AppError::Usage)?;
        let sender = Sender::new(sns, StdDuration::from_secs(15)).map_err(AppError::Other)?;
        Ok(Engine {
            state,
            sinks,
            sender,
            config: config.clone(),
            shared: None,
            audit: None,
        })
    }

    /// Records every delivery this engine tries in `audit`.
    pub fn auditing(mut self, audit: AuditLog) -> Engine {
        self.audit = Some(audit);
        self
    }

    /// Sends one claimed message here and records the try in the audit log (a log that
    /// cannot be written is logged: the message went out or not all the same).
    async fn deliver_recorded(
        &self,
        sink: &Sink,
        p: &Pending,
        now: DateTime<Utc>,
        policy: &RetryPolicy,
    ) -> Result<(), SendError> {
        let result = deliver(&self.sender, sink, &p.message, policy).await;
        if let Some(audit) = &self.audit {
            let action = Action::Delivery {
                what: Delivered::Alert,
                sink: sink.name.clone(),
                id: p.message.id.clone(),
            };
            let outcome = match result {
                Ok(()) => Logged::Ok,
                Err(_) => Logged::Failed,
            };
            if let Err(e) = audit.record(action, outcome, now).await {
                tracing::warn!("{e}");
            }
        }
        result
    }

    /// Sends each message once however many processes sharing `store` see its alert.
    pub fn sharing(mut self, store: DynamoStore) -> Engine {
        self.shared = Some(Deliveries::new(store));
        self
    }

    /// Sends one claimed message, unless another process sharing the store has (or is).
    async fn send_once(
        &self,
        sink: &Sink,
        p: &Pending,
        now: DateTime<Utc>,
        all: bool,
        policy: &RetryPolicy,
    ) -> Outcome {
        let Some(shared) = &self.shared else {
            return Outcome::Tried(self.deliver_recorded(sink, p, now, policy).await);
        };
        match shared.take(&p.message.id, now, all, WAIT_FOR_OTHERS).await {
            Ok(Turn::Ours(lease)) => {
                let result = self.deliver_recorded(sink, p, now, policy).await;
                match &result {
                    Ok(()) => shared.sent(lease, p, now).await,
                    Err(_) => shared.not_sent(lease).await,
                }
                Outcome::Tried(result)
            }
            Ok(Turn::Sent) => Outcome::Elsewhere,
            Ok(Turn::Busy { until }) => Outcome::Deferred(until),
            // Unknown whether another process sent it: wait rather than risk a duplicate.
            Err(e) => Outcome::Tried(Err(SendError::Transient {
                retry_after: None,
                why: format!(
                    "the shared store cannot say whether it was sent: {}",
                    e.advice(None)
                ),
            })),
        }
    }

    pub fn sinks(&self) -> &[Sink] {
        &self.sinks
    }

    /// Plans the announcements `snapshot`'s alerts call for, then delivers what is due (all
    /// of the outbox with `all`).
    pub async fn observe(
        &self,
        snapshot: &Snapshot,
        now: DateTime<Utc>,
        all: bool,
        policy: &RetryPolicy,
    ) -> std::io::Result<Report> {
        let names: Vec<String> = self.sinks.iter().map(|s| s.name.clone()).collect();
        let audience = Audience {
            sinks: &names,
            demo: snapshot.is_demo(),
            account: snapshot.account_id.as_deref(),
        };
        let announced = self.state.plan(
            &snapshot.alerts,
            &|alert| could_raise(snapshot, alert),
            &audience,
            &self.config,
            now,
        )?;
        let mut report = self.flush(now, all, policy).await?;
        report.announced = announced
            .into_iter()
            .map(|(event, alert)| (event, alert.title))
            .collect();
        Ok(report)
    }

    /// Delivers what is due in the outbox, each sink's messages in order and all sinks side by
    /// side, and records the outcome.
    pub async fn flush(
        &self,
        now: DateTime<Utc>,
        all: bool,
        policy: &RetryPolicy,
    ) -> std::io::Result<Report> {
        let claimed = self.state.claim(now, all)?;
        let mut by_sink: BTreeMap<String, Vec<Pending>> = BTreeMap::new();
        for p in claimed {
            by_sink.entry(p.sink.clone()).or_default().push(p);
        }
        let mut report = Report::default();
        // A sink removed from the config will never take its messages: they leave the
        // outbox (said once), or every later run would report them waiting.
        let mut orphans = Vec::new();
        by_sink.retain(|name, pending| {
            let known = self.sinks.iter().any(|s| &s.name == name);
            if !known {
                report.failed.push((
                    name.clone(),
                    format!(
                        "no such sink in [[alerts.sink]] any more: {} message(s) dropped",
                        pending.len()
                    ),
                ));
                orphans.extend(pending.drain(..).map(|p| (p, Ok(()))));
            }
            known
        });
        let runs = by_sink.into_iter().map(|(name, pending)| async move {
            let mut outcomes = Vec::with_capacity(pending.len());
            if let Some(sink) = self.sinks.iter().find(|s| s.name == name) {
                for p in pending {
                    let outcome = self.send_once(sink, &p, now, all, policy).await;
                    outcomes.push((p, outcome));
                }
            }
            outcomes
        });
        let mut results: Vec<(Pending, Result<(), SendError>)> = Vec::new();
        let mut deferred = Vec::new();
        for (p, outcome) in futures::future::join_all(runs).await.into_iter().flatten() {
            match outcome {
                Outcome::Tried(result) => results.push((p, result)),
                Outcome::Elsewhere => {
                    report
                        .elsewhere
                        .push((p.sink.clone(), p.message.alert.title.clone()));
                    // Done, as far as this outbox is concerned.
                    orphans.push((p, Ok(())));
                }
                Outcome::Deferred(until) => deferred.push((p, until)),
            }
        }
        self.state.defer(deferred)?;
        for (p, result) in &results {
            match result {
                Ok(()) => report
                    .delivered
                    .push((p.sink.clone(), p.message.alert.title.clone())),
                Err(e) => report.failed.push((p.sink.clone(), describe(e))),
            }
        }
        self.state
            .settle(results.into_iter().chain(orphans).collect(), now)?;
        report.waiting = self.state.outbox()?.len();
        Ok(report)
    }

    /// Sends a clearly labelled test message to each sink (or the one named), now, and says
    /// how each went. Nothing is recorded.
    pub async fn test(
        &self,
        only: Option<&str>,
        demo: bool,
        now: DateTime<Utc>,
        policy: &RetryPolicy,
    ) -> Result<Vec<(String, Result<(), SendError>)>, AppError> {
        let chosen: Vec<&Sink> = self
            .sinks
            .iter()
            .filter(|s| only.is_none_or(|name| s.name == name))
            .collect();
        if chosen.is_empty() {
            return Err(AppError::Usage(match only {
                Some(name) => format!("no sink named {name:?} in [[alerts.sink]]"),
                None => {
                    "no [[alerts.sink]] in the config: nothing to test (see config.example.toml)"
                        .into()
                }
            }));
        }
        let alert = Alert {
            id: format!("test:{}", now.timestamp()),
            kind: AlertKind::Rule,
            severity: AlertSeverity::Info,
            title: "awsdash test message".into(),
            detail: "If you can read this, awsdash can reach this channel.".into(),
            since: now.date_naive(),
        };
        let mut out = Vec::new();
        for sink in chosen {
            let message = Message {
                id: delivery_id(&alert.id, 0, &sink.name),
                event: Event::Test,
                alert: alert.clone(),
                demo,
                account: None,
            };
            let result = deliver(&self.sender, sink, &message, policy).await;
            out.push((sink.name.clone(), result));
        }
        Ok(out)
    }
}

/// A failure in a person's words.
pub fn describe(e: &SendError) -> String {
    match e {
        SendError::Transient { why, retry_after } => match retry_after {
            Some(after) => format!("{why} (the sink asked to wait {} s)", after.as_secs()),
            None => why.clone(),
        },
        SendError::Permanent(why) => format!("{why} (will not succeed as configured)"),
    }
}
