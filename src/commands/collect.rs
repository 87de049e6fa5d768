//! `awsdash collect`: the AWS poller and the alert observer with no terminal, for a systemd
//! unit or a container, serving the last snapshot on `--listen` (see `serve`).
//!
//! Signals: SIGHUP re-reads the config and swaps in a new poller only when the new config can
//! be used (else the old one keeps running, and the log and stderr say why); SIGTERM and SIGINT
//! go through [`shutdown`] and exit 0. Events are one line each on stderr (journald keeps
//! them) and in the log.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::alerts::engine::Engine;
use crate::cli::{CollectArgs, CommonArgs};
use crate::error::AppError;
use crate::model::{Section, Snapshot};
use crate::poller::{AwsPoller, PollerHandle, Severity, Update, spawn_aws};
use crate::serve::{self, Server, Shared};
use crate::settings::Settings;

/// How long a poll in flight may go on once the poller is told to stop, so its answer reaches
/// the cache rather than being paid for again; then it is abandoned.
const POLL_GRACE: Duration = Duration::from_secs(10);

/// One line on stderr. Never a panic: stderr may be closed (a unit with
/// `StandardError=null`), and that must not end the collector.
fn say(line: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "awsdash: {}",
        crate::text::clean_lines(line)
    );
}

/// `/ready` stays 200 for three poll intervals after the last fresh snapshot: one late or
/// failed poll is not yet a collector to take out of rotation.
fn fresh_for(settings: &Settings) -> chrono::Duration {
    chrono::Duration::seconds(3 * settings.refresh.interval_secs as i64)
}

struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
}

impl Signals {
    /// Caught from the start, so a SIGTERM while starting still shuts down cleanly.
    fn catch() -> Result<Signals, AppError> {
        let catch =
            |kind| signal(kind).map_err(|e| AppError::Other(format!("cannot catch signals: {e}")));
        Ok(Signals {
            term: catch(SignalKind::terminate())?,
            int: catch(SignalKind::interrupt())?,
            hup: catch(SignalKind::hangup())?,
        })
    }
}

pub async fn run(
    mut settings: Settings,
    common: &CommonArgs,
    args: &CollectArgs,
) -> Result<(), AppError> {
    if settings.demo {
        return Err(AppError::Usage(
            "collect serves a real account's numbers to Prometheus; --demo is for the dashboard and `snapshot`"
                .into(),
        ));
    }
    let mut signals = Signals::catch()?;
    let listener = serve::bind(args.listen).await?;
    let shared = Arc::new(Shared::new(fresh_for(&settings)));
    let (poller, engine) = super::aws_poller(&settings).await?;
    let poller = collecting(poller, &settings);
    let server = serve::spawn(listener, shared.clone());
    say(&format!(
        "collecting; serving http://{}/metrics, /healthz and /ready",
        args.listen
    ));
    tracing::info!(listen = %args.listen, "collect started");
    say(&describe(&settings));
    let mut poller = spawn_aws(poller, engine);
    let mut reports = super::schedule::scheduler(&settings)
        .await?
        .map(|s| super::schedule::spawn(s, say, Utc::now));

    let ended = loop {
        let event = tokio::select! {
            biased;
            _ = signals.term.recv() => Event::Stop("SIGTERM"),
            _ = signals.int.recv() => Event::Stop("SIGINT"),
            _ = signals.hup.recv() => Event::Reload,
            update = poller.updates.recv() => Event::Update(update),
        };
        match event {
            Event::Stop(name) => break Ok(name),
            Event::Reload => {
                if let Some((new, next, engine)) = prepare_reload(&settings, common).await {
                    stop(poller, &shared).await;
                    poller = spawn_aws(next, engine);
                    shared.set_fresh_for(fresh_for(&new));
                    settings = new;
                    // The old report observer ends with its slot.
                    match super::schedule::scheduler(&settings).await {
                        Ok(s) => reports = s.map(|s| super::schedule::spawn(s, say, Utc::now)),
                        Err(e) => say(&format!("scheduled reports keep the old config: {e}")),
                    }
                    tracing::info!("config reloaded");
                    say(&format!("reloaded {}", describe(&settings)));
                }
            }
            Event::Update(Some(update)) => {
                if let (Update::Snapshot(snapshot), Some(slot)) = (&update, &reports) {
                    slot.send_replace(Some(snapshot.clone()));
                }
                take(update, &shared)
            }
            Event::Update(None) => {
                break Err(AppError::Other(
                    "the poller stopped unexpectedly (see the log)".into(),
                ));
            }
        }
    };
    if let Ok(name) = &ended {
        say(&format!("{name}: shutting down"));
        tracing::info!(signal = name, "shutting down");
    }
    shutdown(&shared, poller, server).await;
    ended.map(|_| ())
}

/// The one way out, in this order: `/ready` answers 503 at once (a load balancer or
/// Prometheus sees the collector leaving before it is gone), the poller makes no new AWS call
/// and a poll in flight may finish, then the port closes.
///
/// With the shared store, any lease still held (a refresh abandoned after the grace) is
/// given back after the poller has stopped and before the port closes, so another process
/// takes over at once.
async fn shutdown(shared: &Shared, poller: PollerHandle, server: Server) {
    shared.stop_ready();
    stop(poller, shared).await;
    crate::store::lease::give_back_on_exit().await;
    server.stop().await;
    say("stopped");
    tracing::info!("collect stopped");
}

/// Stops a poller: no new poll starts; what it still sends (a poll in flight, the alert
/// observer's last delivery) is taken in, for up to [`POLL_GRACE`].
async fn stop(poller: PollerHandle, shared: &Shared) {
    let PollerHandle {
        commands,
        mut updates,
    } = poller;
    drop(commands);
    let drained = tokio::time::timeout(POLL_GRACE, async {
        while let Some(update) = updates.recv().await {
            take(update, shared);
        }
    })
    .await;
    if drained.is_err() {
        say(&format!(
            "a poll still in flight after {} s was abandoned",
            POLL_GRACE.as_secs()
        ));
    }
}

/// Publishes a snapshot for the endpoints, says a status; one line each.
fn take(update: Update, shared: &Shared) {
    match update {
        Update::Snapshot(snapshot) => {
            let line = summary(&snapshot);
            tracing::info!("{line}");
            say(&line);
            shared.publish(snapshot);
        }
        Update::Status(status) => {
            match status.severity {
                Severity::Info => tracing::info!("{}", status.message),
                Severity::Warning => tracing::warn!("{}", status.message),
                Severity::Error => tracing::error!("{}", status.message),
            }
            say(&status.message);
        }
    }
}

/// "snapshot: month to date 812.10 USD, forecast 1,020.00 USD, 2 alert(s) firing", with
/// "(stale)" when the Cost Explorer numbers are the cached ones of a failed refresh.
fn summary(snapshot: &Snapshot) -> String {
    let currency = crate::text::clean(&snapshot.currency);
    let mut line = String::from("snapshot:");
    match snapshot.month_to_date() {
        Some(mtd) => line.push_str(&format!(
            " month to date {} {currency}",
            mtd.cost.display_grouped()
        )),
        None => line.push_str(" no Cost Explorer numbers yet"),
    }
    if let Some(forecast) = &snapshot.forecast {
        line.push_str(&format!(
            ", forecast {} {currency}",
            forecast.month_end.display_grouped()
        ));
    }
    line.push_str(&format!(", {} alert(s) firing", snapshot.alerts.len()));
    if snapshot.stale {
        line.push_str(" (stale)");
    }
    line
}

/// What a config sets for the collector, without a secret: sinks by name only.
fn describe(settings: &Settings) -> String {
    let sinks: Vec<&str> = settings
        .alerts
        .sink
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let sinks = match sinks.is_empty() {
        true => "no alert sink".to_string(),
        false => format!("alert sinks {}", sinks.join(", ")),
    };
    format!(
        "config {}: window {}, poll every {} s, {sinks}, {} rule(s)",
        settings.config_file.display(),
        settings.query.window,
        settings.refresh.interval_secs,
        settings.alerts.rule.len()
    )
}

enum Event {
    Stop(&'static str),
    Reload,
    Update(Option<Update>),
}

/// The collector's poller keeps every analysis section fresh in the store (each on its own
/// TTL), so a dashboard that opens a view finds it there and pays nothing.
fn collecting(poller: AwsPoller, settings: &Settings) -> AwsPoller {
    let wants = crate::poller::Wants::new(&settings.view.tag_keys).with(&Section::ALL);
    poller.wanting(wants).keeping_sections_fresh()
}

/// SIGHUP: the config file is read again, with the same flags over it, and everything the new
/// config needs is built — before the running poller is stopped, so a config that cannot be
/// used (a syntax error, an unknown profile, a sink whose secret is missing) changes nothing:
/// then `None`, and the log and stderr say why.
async fn prepare_reload(
    settings: &Settings,
    common: &CommonArgs,
) -> Option<(Settings, AwsPoller, Option<Engine>)> {
    say(&format!(
        "SIGHUP: reading {} again",
        settings.config_file.display()
    ));
    let today = Utc::now().date_naive();
    let prepared = match Settings::load(common, settings.paths.clone(), today) {
        Ok(new) => super::aws_poller(&new).await.map(|(p, e)| {
            let p = collecting(p, &new);
            (new, p, e)
        }),
        Err(e) => Err(e),
    };
    match prepared {
        Ok(prepared) => Some(prepared),
        Err(e) => {
            tracing::warn!("config not reloaded: {e}");
            say(&format!("config not reloaded, the one in use stays: {e}"));
            None
        }
    }
}
