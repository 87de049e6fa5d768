//! What was said about each alert, and what still waits to be delivered — in one file beside
//! the cache that every awsdash process shares, read and written under a lock (like the API
//! meter), so a restart or a second process neither repeats an announcement nor loses one.
//!
//! An alert is announced when it first fires, again after `repeat_hours` while it still
//! fires, and once more when it stops if `notify_resolved`. Each announcement becomes one
//! message per sink in the outbox, with a delivery id fixed at that moment: retries — in this
//! run, the next, after a restart — carry the same id, so a receiver can dedupe. A message
//! being delivered is claimed for a while, so two processes never send it at once.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::Alert;
use super::sinks::{Event, Message, SendError};
use crate::config::AlertsConfig;

const FORMAT: u64 = 1;

/// How long a claim holds: longer than one delivery with its retries can take.
const CLAIM: Duration = Duration::minutes(5);

/// Said entries of alerts resolved this long ago are forgotten.
const FORGET_AFTER: Duration = Duration::days(40);

/// What was said about one alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Said {
    pub alert: Alert,
    pub first_seen: DateTime<Utc>,
    pub last_announced: DateTime<Utc>,
    pub announcements: u32,
    /// When it stopped firing, if it has.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// One message waiting for one sink.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub sink: String,
    pub message: Message,
    pub attempts: u32,
    /// Not before this (the backoff, or a 429's Retry-After).
    pub next_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// Being delivered by another process until then.
    pub claimed_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    format: u64,
    said: BTreeMap<String, Said>,
    outbox: Vec<Pending>,
}

/// The alert state file (`<cache dir>/alerts-state.json`).
#[derive(Debug, Clone)]
pub struct AlertState {
    path: PathBuf,
}

/// Who an announcement is for.
pub struct Audience<'a> {
    pub sinks: &'a [String],
    pub demo: bool,
    pub account: Option<&'a str>,
}

impl AlertState {
    pub fn new(path: PathBuf) -> AlertState {
        AlertState { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Compares what fires with what was said, and queues one message per sink for each alert
    /// that is new, due for a repeat, or resolved (when asked). An alert that is not firing is
    /// resolved only if `judged` says this snapshot could have raised it (see
    /// [`super::findings::could_raise`]). Returns the announcements.
    pub fn plan(
        &self,
        firing: &[Alert],
        judged: &dyn Fn(&Alert) -> bool,
        audience: &Audience<'_>,
        config: &AlertsConfig,
        now: DateTime<Utc>,
    ) -> io::Result<Vec<(Event, Alert)>> {
        self.update(|file| {
            let mut announced = Vec::new();
            let repeat = Duration::hours(config.repeat_hours as i64);
            for alert in firing {
                let event = match file.said.get_mut(&alert.id) {
                    None => Some(Event::Firing),
                    Some(said) if said.resolved_at.is_some() => Some(Event::Firing),
                    Some(said) if now - said.last_announced >= repeat => Some(Event::Repeat),
                    Some(_) => None,
                };
                let said = file.said.entry(alert.id.clone()).or_insert_with(|| Said {
                    alert: alert.clone(),
                    first_seen: now,
                    last_announced: now,
                    announcements: 0,
                    resolved_at: None,
                });
                said.alert = alert.clone();
                said.resolved_at = None;
                if let Some(event) = event {
                    said.last_announced = now;
                    said.announcements += 1;
                    announced.push((event, alert.clone(), said.announcements));
                }
            }
            let firing_ids: Vec<&str> = firing.iter().map(|a| a.id.as_str()).collect();
            for (id, said) in file.said.iter_mut() {
                let ended = !firing_ids.contains(&id.as_str()) && judged(&said.alert);
                if said.resolved_at.is_none() && ended {
                    said.resolved_at = Some(now);
                    if config.notify_resolved {
                        said.announcements += 1;
                        announced.push((Event::Resolved, said.alert.clone(), said.announcements));
                    }
                }
            }
            file.said.retain(|id, s| match s.resolved_at {
                Some(t) => now - t < FORGET_AFTER,
                // Never judged ended (its days left every window looked at): forgotten once
                // it began long ago.
                None => {
                    firing_ids.contains(&id.as_str())
                        || now.date_naive() - s.alert.since < FORGET_AFTER
                }
            });
            for (event, alert, n) in &announced {
                for sink in audience.sinks {
                    file.outbox.push(Pending {
                        sink: sink.clone(),
                        message: Message {
                            id: delivery_id(&alert.id, *n, sink),
                            event: *event,
                            alert: alert.clone(),
                            demo: audience.demo,
                            account: audience.account.map(str::to_owned),
                        },
                        attempts: 0,
                        next_at: now,
                        last_error: None,
                        claimed_until: None,
                    });
                }
            }
            Ok(announced.into_iter().map(|(e, a, _)| (e, a)).collect())
        })
    }

    /// Claims the messages due now (every one with `all`, as `alerts run` wants: not after a
    /// backoff from an earlier run) that no other process is delivering.
    pub fn claim(&self, now: DateTime<Utc>, all: bool) -> io::Result<Vec<Pending>> {
        self.update(|file| {
            let mut claimed = Vec::new();
            for p in file.outbox.iter_mut() {
                let free = p.claimed_until.is_none_or(|t| t <= now);
                if free && (all || p.next_at <= now) {
                    p.claimed_until = Some(now + CLAIM);
                    claimed.push(p.clone());
                }
            }
            Ok(claimed)
        })
    }

    /// Records how the claimed messages went: delivered ones leave the outbox; the others wait
    /// (a transient failure with backoff or the sink's Retry-After, a permanent one a day, so
    /// it stays visible and is tried again should the sink come back).
    pub fn settle(
        &self,
        results: Vec<(Pending, Result<(), SendError>)>,
        now: DateTime<Utc>,
    ) -> io::Result<()> {
        self.update(|file| {
            for (p, result) in results {
                let Some(i) = file
                    .outbox
                    .iter()
                    .position(|q| q.sink == p.sink && q.message.id == p.message.id)
                else {
                    continue;
                };
                match result {
                    Ok(()) => {
                        file.outbox.remove(i);
                    }
                    Err(e) => {
                        let q = &mut file.outbox[i];
                        q.attempts += 1;
                        q.claimed_until = None;
                        let (wait, why) = match &e {
                            SendError::Transient { retry_after, why } => {
                                let wait = backoff(q.attempts);
                                let asked = retry_after
                                    .and_then(|d| Duration::from_std(d).ok())
                                    .unwrap_or_default();
                                (wait.max(asked), why.clone())
                            }
                            SendError::Permanent(why) => (Duration::days(1), why.clone()),
                        };
                        q.next_at = now + wait;
                        q.last_error = Some(why);
                    }
                }
            }
            Ok(())
        })
    }

    /// Puts claimed messages back unsent, each due again at its time: another process
    /// sharing the store is sending them right now.
    pub fn defer(&self, items: Vec<(Pending, DateTime<Utc>)>) -> io::Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        self.update(|file| {
            for (p, until) in items {
                if let Some(q) = file
                    .outbox
                    .iter_mut()
                    .find(|q| q.sink == p.sink && q.message.id == p.message.id)
                {
                    q.claimed_until = None;
                    q.next_at = until;
                }
            }
            Ok(())
        })
    }

    /// What waits in the outbox.
    pub fn outbox(&self) -> io::Result<Vec<Pending>> {
        Ok(self.load()?.outbox)
    }

    fn load(&self) -> io::Result<StateFile> {
        crate::state_file::load(&self.path)
    }

    fn update<R>(&self, change: impl FnOnce(&mut StateFile) -> io::Result<R>) -> io::Result<R> {
        crate::state_file::update(&self.path, change)
    }
}

impl crate::state_file::StateFile for StateFile {
    const FORMAT: u64 = FORMAT;
    const WHAT: &'static str = "alert state";

    fn format(&self) -> u64 {
        self.format
    }

    fn set_format(&mut self, format: u64) {
        self.format = format;
    }
}

/// The delivery id of announcement `n` of `alert_id` to `sink`: stable across retries, unique
/// per announcement, and free of the alert's text (ids travel in headers).
pub(super) fn delivery_id(alert_id: &str, n: u32, sink: &str) -> String {
    let key = format!("{alert_id}\u{0}{n}\u{0}{sink}");
    format!("msg_{:016x}", crate::cache::fnv1a64(key.as_bytes()))
}

/// The outbox's wait after `attempts` failures: 1 min, 5 min, 30 min, 2 h, then 6 h.
fn backoff(attempts: u32) -> Duration {
    match attempts {
        0 | 1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(30),
        4 => Duration::hours(2),
        _ => Duration::hours(6),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{AlertKind, AlertSeverity};

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
            .single()
            .expect("time")
            + Duration::hours(h)
    }

    fn alert(id: &str) -> Alert {
        Alert {
            id: id.into(),
            kind: AlertKind::Anomaly,
            severity: AlertSeverity::Warning,
            title: format!("title of {id}"),
            detail: "detail".into(),
            since: at(0).date_naive(),
        }
    }

    fn sinks() -> Vec<String> {
        vec!["slack".into(), "hook".into()]
    }

    fn plan(
        state: &AlertState,
        firing: &[Alert],
        config: &AlertsConfig,
        now: DateTime<Utc>,
    ) -> Vec<Event> {
        let names = sinks();
        let audience = Audience {
            sinks: &names,
            demo: false,
            account: Some("123456789012"),
        };
        state
            .plan(firing, &|_| true, &audience, config, now)
            .expect("plan")
            .into_iter()
            .map(|(e, _)| e)
            .collect()
    }

    fn state() -> (tempfile::TempDir, AlertState) {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = AlertState::new(dir.path().join("alerts-state.json"));
        (dir, state)
    }

    #[test]
    fn an_alert_is_announced_once_then_again_after_repeat_hours_and_when_it_resolves() {
        let (_dir, state) = state();
        let config = AlertsConfig {
            notify_resolved: true,
            ..AlertsConfig::default()
        };
        let a = alert("anomaly:local:AWS Lambda:-:2026-11-21");
        assert_eq!(
            plan(&state, std::slice::from_ref(&a), &config, at(0)),
            [Event::Firing]
        );
        assert_eq!(state.outbox().expect("outbox").len(), 2, "one per sink");
        assert!(
            plan(&state, std::slice::from_ref(&a), &config, at(5)).is_empty(),
            "not again"
        );
        // A second process sees the same file: still nothing new.
        let other = AlertState::new(state.path().to_path_buf());
        assert!(plan(&other, std::slice::from_ref(&a), &config, at(6)).is_empty());
        assert_eq!(
            plan(&state, std::slice::from_ref(&a), &config, at(24)),
            [Event::Repeat]
        );
        assert_eq!(plan(&state, &[], &config, at(25)), [Event::Resolved]);
        assert!(
            plan(&state, &[], &config, at(26)).is_empty(),
            "resolved once"
        );
        // Firing again after it resolved is news.
        assert_eq!(plan(&state, &[a], &config, at(27)), [Event::Firing]);
        let quiet = AlertsConfig::default();
        assert!(
            plan(&state, &[], &quiet, at(28)).is_empty(),
            "resolved silently"
        );
    }

    #[test]
    fn delivery_ids_are_stable_per_announcement_and_sink_and_the_outbox_survives() {
        let (_dir, state) = state();
        let config = AlertsConfig::default();
        plan(&state, &[alert("a")], &config, at(0));
        let outbox = state.outbox().expect("outbox");
        let ids: Vec<&str> = outbox.iter().map(|p| p.message.id.as_str()).collect();
        assert_eq!(ids.len(), 2);
        assert_ne!(ids[0], ids[1], "one id per sink");
        assert!(
            ids.iter()
                .all(|i| i.starts_with("msg_") && !i.contains("title"))
        );
        // A failed delivery keeps its id for the retry, in another process too.
        let claimed = state.claim(at(0), false).expect("claim");
        let failed: Vec<_> = claimed
            .into_iter()
            .map(|p| {
                let error = SendError::Transient {
                    retry_after: Some(std::time::Duration::from_secs(600)),
                    why: "HTTP 429".into(),
                };
                (p, Err(error))
            })
            .collect();
        state.settle(failed, at(0)).expect("settle");
        let restarted = AlertState::new(state.path().to_path_buf());
        let again = restarted.outbox().expect("outbox");
        assert_eq!(
            again
                .iter()
                .map(|p| p.message.id.as_str())
                .collect::<Vec<_>>(),
            ids
        );
        assert!(
            again
                .iter()
                .all(|p| p.attempts == 1 && p.next_at == at(0) + Duration::minutes(10))
        );
    }

    #[test]
    fn claims_keep_two_processes_from_sending_one_message_twice() {
        let (_dir, state) = state();
        plan(&state, &[alert("a")], &AlertsConfig::default(), at(0));
        let first = state.claim(at(0), false).expect("claim");
        assert_eq!(first.len(), 2);
        let other = AlertState::new(state.path().to_path_buf());
        assert!(
            other.claim(at(0), true).expect("claim").is_empty(),
            "claimed"
        );
        // A claim that was never settled (the process died) expires.
        assert_eq!(other.claim(at(0) + CLAIM, true).expect("claim").len(), 2);
    }

    #[test]
    fn settled_messages_leave_and_failed_ones_wait_their_turn_unless_all_are_asked() {
        let (_dir, state) = state();
        plan(&state, &[alert("a")], &AlertsConfig::default(), at(0));
        let mut claimed = state.claim(at(0), false).expect("claim").into_iter();
        let ok = claimed.next().expect("one");
        let bad = claimed.next().expect("two");
        state
            .settle(
                vec![
                    (ok, Ok(())),
                    (bad, Err(SendError::Permanent("HTTP 404".into()))),
                ],
                at(0),
            )
            .expect("settle");
        let left = state.outbox().expect("outbox");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].last_error.as_deref(), Some("HTTP 404"));
        assert!(
            state.claim(at(1), false).expect("claim").is_empty(),
            "waits a day"
        );
        assert_eq!(
            state.claim(at(1), true).expect("claim").len(),
            1,
            "alerts run takes all"
        );
    }

    #[test]
    fn an_alert_a_snapshot_could_not_have_raised_is_not_resolved_nor_announced_again() {
        let (_dir, state) = state();
        let config = AlertsConfig {
            notify_resolved: true,
            ..AlertsConfig::default()
        };
        let names = sinks();
        let audience = Audience {
            sinks: &names,
            demo: false,
            account: None,
        };
        let a = alert("anomaly:local:AWS Lambda:-:2026-11-21");
        let events = |firing: &[Alert], judged: bool, hour: i64| -> Vec<Event> {
            state
                .plan(firing, &|_| judged, &audience, &config, at(hour))
                .expect("plan")
                .into_iter()
                .map(|(e, _)| e)
                .collect()
        };
        assert_eq!(events(std::slice::from_ref(&a), true, 0), [Event::Firing]);
        // Cost Explorer failed: the alert is missing, but nothing says it ended.
        assert!(events(&[], false, 1).is_empty());
        // The cube is back and it still fires: nothing new to say.
        assert!(events(std::slice::from_ref(&a), true, 2).is_empty());
        assert_eq!(events(&[], true, 3), [Event::Resolved]);
    }

    #[test]
    fn a_corrupt_state_is_an_error_not_a_fresh_start() {
        let (_dir, state) = state();
        std::fs::write(state.path(), b"{not json").expect("write");
        let err = plan_err(&state);
        assert!(err.contains("not readable alert state"), "{err}");
    }

    fn plan_err(state: &AlertState) -> String {
        let names = sinks();
        let audience = Audience {
            sinks: &names,
            demo: false,
            account: None,
        };
        state
            .plan(
                &[alert("a")],
                &|_| true,
                &audience,
                &AlertsConfig::default(),
                at(0),
            )
            .expect_err("refused")
            .to_string()
    }
}
