//! `awsdash alerts`: what fires now (no delivery); `alerts run`: evaluate once and deliver
//! what is new and whatever waits in the outbox; `alerts test`: a test message to each sink.

use std::io::Write;

use chrono::Utc;

use crate::alerts::delivery::RetryPolicy;
use crate::alerts::engine::{Engine, Report, describe};
use crate::alerts::state::AlertState;
use crate::audit::AuditLog;
use crate::cli::{AlertsAction, AlertsArgs};
use crate::error::AppError;
use crate::settings::{Settings, process_env};
use crate::text::clean_lines;

/// `alerts run` may wait this long for a sink that asked to (429 Retry-After), within its
/// three tries; a longer wait goes to the outbox.
const RUN_POLICY: RetryPolicy = RetryPolicy {
    attempts: 3,
    first_backoff: std::time::Duration::from_secs(1),
    max_wait: std::time::Duration::from_secs(30),
};

pub async fn run(settings: &Settings, args: &AlertsArgs) -> Result<(), AppError> {
    match &args.action {
        None => list(settings, args.json).await,
        Some(AlertsAction::Run) => deliver(settings).await,
        Some(AlertsAction::Test { sink }) => test(settings, sink.as_deref()).await,
    }
}

/// Where the delivery state lives: demo alerts never share it with real ones.
pub fn state_for(settings: &Settings) -> AlertState {
    let name = if settings.demo {
        "alerts-state-demo.json"
    } else {
        "alerts-state.json"
    };
    AlertState::new(settings.cache_dir.join(name))
}

/// The engine for `settings`' sinks; SNS needs the AWS credentials of the run.
/// With the DynamoDB store (and real data), each message goes out once across every process
/// sharing the table.
pub async fn engine(settings: &Settings) -> Result<Engine, AppError> {
    let wants_sns = settings
        .alerts
        .sink
        .iter()
        .any(|s| s.kind == crate::config::SinkKind::Sns);
    let shares = settings.store.kind == crate::config::StoreKind::Dynamodb && !settings.demo;
    let config = match wants_sns || shares {
        true => Some(crate::source::aws::client::load(&settings.aws).await?),
        false => None,
    };
    let sns = config.as_ref().filter(|_| wants_sns).map(|config| {
        let sns = aws_sdk_sns::config::Builder::from(config)
            .interceptor(crate::source::aws::requests::CountRequests)
            .build();
        aws_sdk_sns::Client::from_conf(sns)
    });
    let engine = Engine::new(&settings.alerts, state_for(settings), sns, &process_env)?;
    Ok(match config.filter(|_| shares) {
        Some(config) => {
            let store = crate::store::shared(settings, &config);
            let audit = AuditLog::for_settings(settings, Some(&store));
            engine.sharing(store).auditing(audit)
        }
        None => engine.auditing(AuditLog::for_settings(settings, None)),
    })
}

async fn list(settings: &Settings, json: bool) -> Result<(), AppError> {
    let fetched = super::fetch_once(settings, &crate::poller::Wants::default(), Utc::now()).await?;
    super::say_failures(&fetched);
    let snapshot = fetched.snapshot_or_exit()?;
    let text = if json {
        let value = crate::output::json::to_value(snapshot);
        let out = serde_json::json!({
            "alerts": value["alerts"],
            "anomalies": value["anomalies"],
        });
        format!(
            "{}\n",
            serde_json::to_string_pretty(&out).unwrap_or_default()
        )
    } else {
        table(snapshot)
    };
    print_out(&text)?;
    match fetched.worst() {
        Some(e) => Err(AppError::Reported(e.code())),
        None => Ok(()),
    }
}

fn table(snapshot: &crate::model::Snapshot) -> String {
    let mut out = String::new();
    if snapshot.alerts.is_empty() {
        out.push_str("nothing fires\n");
    }
    for a in &snapshot.alerts {
        out.push_str(&format!(
            "{:<9}{}\n         {}\n",
            a.severity.name(),
            crate::text::clean(&a.title),
            crate::text::clean(&a.detail)
        ));
    }
    for a in &snapshot.anomalies {
        let source = match a.source {
            crate::model::AnomalySource::Local => "anomaly",
            crate::model::AnomalySource::Aws => "AWS",
        };
        out.push_str(&format!(
            "{source:<9}{}\n",
            crate::text::clean(&a.explain())
        ));
    }
    if let Some(note) = &snapshot.aws_anomalies_note {
        out.push_str(&format!("AWS      {}\n", crate::text::clean(note)));
    }
    if snapshot.is_demo() {
        out.push_str("(DEMO data: generated, not a real AWS account)\n");
    }
    out
}

/// `alerts run`: evaluate, deliver what is new and the whole outbox, record it. Exit 0 when
/// nothing waits undelivered, 4 when something does (a sink failed), or the data's own code
/// when AWS could not be read (the outbox is delivered all the same).
async fn deliver(settings: &Settings) -> Result<(), AppError> {
    let engine = engine(settings).await?;
    if engine.sinks().is_empty() {
        return Err(AppError::Usage(
            "no [[alerts.sink]] in the config: nothing to deliver to (see config.example.toml)"
                .into(),
        ));
    }
    let now = Utc::now();
    let fetched = super::fetch_once(settings, &crate::poller::Wants::default(), now).await;
    let (report, failure) = match &fetched {
        Ok(f) => {
            super::say_failures(f);
            let report = match &f.snapshot {
                Some(snapshot) => engine.observe(snapshot, now, true, &RUN_POLICY).await,
                None => engine.flush(now, true, &RUN_POLICY).await,
            };
            (report, f.worst().map(|e| e.code()))
        }
        Err(e) => {
            eprintln!("awsdash: {}", clean_lines(&e.to_string()));
            (engine.flush(now, true, &RUN_POLICY).await, Some(e.code()))
        }
    };
    let report = report.map_err(|e| {
        AppError::Other(format!(
            "alert state {}: {e}",
            state_for(settings).path().display()
        ))
    })?;
    print_out(&summary(&report))?;
    match (report.waiting, failure) {
        (0, None) => Ok(()),
        (0, Some(code)) => Err(AppError::Reported(code)),
        (_, _) => Err(AppError::Reported(4)),
    }
}

fn summary(report: &Report) -> String {
    let mut out = String::new();
    for (event, title) in &report.announced {
        out.push_str(&format!(
            "{:<9}{}\n",
            event.name(),
            crate::text::clean(title)
        ));
    }
    for (sink, title) in &report.delivered {
        out.push_str(&format!("sent     {sink}: {}\n", crate::text::clean(title)));
    }
    for (sink, title) in &report.elsewhere {
        out.push_str(&format!(
            "shared   {sink}: {} (already sent by another awsdash sharing the store)\n",
            crate::text::clean(title)
        ));
    }
    for (sink, why) in &report.failed {
        out.push_str(&format!("failed   {sink}: {}\n", crate::text::clean(why)));
    }
    out.push_str(&match report.waiting {
        0 => "nothing waits undelivered\n".to_string(),
        n => format!("{n} message(s) wait in the outbox for the next run\n"),
    });
    out
}

async fn test(settings: &Settings, only: Option<&str>) -> Result<(), AppError> {
    let engine = engine(settings).await?;
    let results = engine
        .test(only, settings.demo, Utc::now(), &RUN_POLICY)
        .await?;
    let mut text = String::new();
    let mut failed = false;
    for (sink, result) in &results {
        match result {
            Ok(()) => text.push_str(&format!("ok       {sink}\n")),
            Err(e) => {
                failed = true;
                text.push_str(&format!("failed   {sink}: {}\n", clean_lines(&describe(e))));
            }
        }
    }
    print_out(&text)?;
    if failed {
        Err(AppError::Reported(4))
    } else {
        Ok(())
    }
}

fn print_out(text: &str) -> Result<(), AppError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(AppError::Other(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}
