//! Scheduled reports in the long-running modes: the [`Scheduler`] for the config's
//! `[[report]]`s with the AWS clients their sinks need, and its observer task — fed the newest
//! snapshot after every poll, like the alert observer, so a slow sink never holds up a poll.
//! `report run NAME` uses the same scheduler once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::alerts::sinks::Sender;
use crate::audit::AuditLog;
use crate::config::{ReportConfig, SinkKind};
use crate::error::AppError;
use crate::model::Snapshot;
use crate::schedule::run::{COLLECT_POLICY, Scheduler, Sent};
use crate::schedule::state::ScheduleState;
use crate::settings::{Settings, process_env};
use crate::source::aws::requests::CountRequests;

/// The scheduler of `settings`' reports, `None` without any `[[report]]`. SNS and SES clients
/// are built only when a report's sink needs them (and never for demo data).
pub async fn scheduler(settings: &Settings) -> Result<Option<Scheduler>, AppError> {
    if settings.reports.is_empty() {
        return Ok(None);
    }
    let named: Vec<String> = settings
        .reports
        .iter()
        .flat_map(ReportConfig::sinks)
        .collect();
    let kinds: Vec<SinkKind> = settings
        .alerts
        .sink
        .iter()
        .filter(|s| named.contains(&s.name))
        .map(|s| s.kind)
        .collect();
    let wants = |kind| kinds.contains(&kind) && !settings.demo;
    let shares = settings.store.kind == crate::config::StoreKind::Dynamodb && !settings.demo;
    let config = match wants(SinkKind::Sns) || wants(SinkKind::Email) || shares {
        true => Some(crate::source::aws::client::load(&settings.aws).await?),
        false => None,
    };
    let sns = config.as_ref().filter(|_| wants(SinkKind::Sns)).map(|c| {
        let conf = aws_sdk_sns::config::Builder::from(c)
            .interceptor(CountRequests)
            .build();
        aws_sdk_sns::Client::from_conf(conf)
    });
    let mut sender = Sender::new(sns, Duration::from_secs(15)).map_err(AppError::Other)?;
    if let Some(c) = config.as_ref().filter(|_| wants(SinkKind::Email)) {
        let conf = aws_sdk_sesv2::config::Builder::from(c)
            .interceptor(CountRequests)
            .build();
        sender = sender.with_ses(aws_sdk_sesv2::Client::from_conf(conf));
    }
    // Demo reports never share what was sent with real ones.
    let state = match settings.demo {
        true => "reports-state-demo.json",
        false => "reports-state.json",
    };
    let state = ScheduleState::new(settings.paths.data_dir.join(state));
    let scheduler = Scheduler::new(
        &settings.reports,
        &settings.alerts.sink,
        sender,
        state,
        settings.view.metric,
        &process_env,
    )?;
    // Every delivery is in the audit log; the team's table too when the store is shared.
    let store = config
        .as_ref()
        .filter(|_| shares)
        .map(|c| crate::store::shared(settings, c));
    Ok(Some(scheduler.auditing(AuditLog::for_settings(
        settings,
        store.as_ref(),
    ))))
}

/// One line for how a report went to a sink: the sink's name, never its address.
pub fn describe(sent: &Sent) -> String {
    match &sent.result {
        Ok(()) => format!("report {:?} sent to {}", sent.report, sent.sink),
        Err(why) => format!(
            "report {:?} not sent to {}: {}",
            sent.report,
            sent.sink,
            crate::text::clean(why)
        ),
    }
}

/// Starts the report observer; put snapshots in the returned slot (only the newest counts).
/// `say` reports each delivery, one line each; `clock` says when "now" is (the wall clock in
/// `collect`, a chosen instant in tests), as every schedule is decided against it.
pub fn spawn(
    scheduler: Scheduler,
    say: fn(&str),
    clock: fn() -> DateTime<Utc>,
) -> watch::Sender<Option<Arc<Snapshot>>> {
    let (tx, mut rx) = watch::channel::<Option<Arc<Snapshot>>>(None);
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let Some(snapshot) = rx.borrow_and_update().clone() else {
                continue;
            };
            match scheduler.observe(&snapshot, clock(), &COLLECT_POLICY).await {
                Ok(sent) => sent.iter().for_each(|s| say(&describe(s))),
                Err(e) => say(&format!(
                    "scheduled reports cannot be sent: their state file: {e}"
                )),
            }
        }
    });
    tx
}
