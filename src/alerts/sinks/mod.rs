//! Where alert messages and scheduled reports go: Slack and Microsoft Teams (Workflows)
//! incoming webhooks, generic webhooks signed the Standard Webhooks way, SNS topics — and, for
//! reports only, e-mail through SES and a directory.
//!
//! Each sink's payload is a pure function of the [`Message`] in the sink's own module, so its
//! shape is unit-tested without a network. [`Sender`] carries it (HTTP for webhooks, the SDK
//! for SNS) and sorts every answer into delivered, worth trying again ([`SendError::Transient`])
//! or not ([`SendError::Permanent`]); `delivery` decides how often to try.
//!
//! A webhook URL is a credential (whoever has it can post), so it stays in a [`Secret`]: no
//! error message, log line or `Debug` output here names it — errors name the sink instead.

pub mod dir;
pub mod email;
mod http;
pub mod report;
pub mod slack;
pub mod sns;
pub mod teams;
pub mod webhook;

use std::borrow::Cow;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::alerts::Alert;
use crate::config::{Secret, SinkConfig, SinkKind};
use crate::settings::EnvLookup;
use crate::text::clean;

/// One configured destination, with its URL and secret read from wherever the config said.
#[derive(Debug, Clone, PartialEq)]
pub struct Sink {
    pub name: String,
    pub target: Target,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Slack {
        url: Secret,
    },
    Teams {
        url: Secret,
    },
    /// Unsigned when there is no secret (a receiver inside a trusted network).
    Webhook {
        url: Secret,
        secret: Option<Secret>,
    },
    Sns {
        topic_arn: String,
    },
    /// Reports only.
    Email {
        from: String,
        to: Vec<String>,
    },
    /// Reports only.
    Dir {
        path: std::path::PathBuf,
    },
}

impl Sink {
    /// The sink a `[[alerts.sink]]` describes. `url_env` and `secret_env` are read here, at
    /// start-up, so a missing variable is said once, naming the variable — never a value.
    pub fn resolve(config: &SinkConfig, env: EnvLookup<'_>) -> Result<Sink, String> {
        let who = format!("[[alerts.sink]] {:?} ({})", config.name, config.kind.name());
        let url = || -> Result<Secret, String> {
            let url = from_file_or_env(config.url.as_ref(), config.url_env.as_deref(), env, &who)?
                .ok_or_else(|| format!("{who}: needs url or url_env"))?;
            http::check_url(url.expose()).map_err(|e| format!("{who}: {e}"))?;
            Ok(url)
        };
        let target = match config.kind {
            SinkKind::Slack => Target::Slack { url: url()? },
            SinkKind::Teams => Target::Teams { url: url()? },
            SinkKind::Webhook => {
                let secret = from_file_or_env(
                    config.secret.as_ref(),
                    config.secret_env.as_deref(),
                    env,
                    &who,
                )?;
                if let Some(secret) = &secret {
                    webhook::key(secret).map_err(|e| format!("{who}: {e}"))?;
                }
                Target::Webhook {
                    url: url()?,
                    secret,
                }
            }
            SinkKind::Sns => {
                let topic_arn = config.topic_arn.clone().unwrap_or_default();
                if sns::region(&topic_arn).is_none() {
                    return Err(format!(
                        "{who}: needs topic_arn = \"arn:aws:sns:REGION:ACCOUNT:TOPIC\""
                    ));
                }
                Target::Sns { topic_arn }
            }
            // Checked with the config (`AlertsConfig::check`).
            SinkKind::Email => Target::Email {
                from: config.from.clone().unwrap_or_default(),
                to: config.to.clone().unwrap_or_default(),
            },
            SinkKind::Dir => Target::Dir {
                path: config.path.clone().unwrap_or_default(),
            },
        };
        Ok(Sink {
            name: config.name.clone(),
            target,
        })
    }
}

/// The value written in the file, else the one in the named variable; an error when the
/// variable is named but unset.
fn from_file_or_env(
    value: Option<&Secret>,
    variable: Option<&str>,
    env: EnvLookup<'_>,
    who: &str,
) -> Result<Option<Secret>, String> {
    match (value, variable) {
        (Some(value), _) => Ok(Some(value.clone())),
        (None, Some(name)) => env(name)
            .map(|v| Some(Secret::new(v)))
            .ok_or_else(|| format!("{who}: the environment variable {name} is not set")),
        (None, None) => Ok(None),
    }
}

/// What is sent: the alert, why now, and a stable delivery id. Kept in the outbox until
/// delivered, hence serialisable.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    /// The same on every retry of one delivery, so a receiver can drop duplicates
    /// (`webhook-id` of Standard Webhooks).
    pub id: String,
    pub event: Event,
    pub alert: Alert,
    /// The numbers are made up (`--demo`): every message says so.
    pub demo: bool,
    pub account: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    Firing,
    /// Still firing after `repeat_hours`.
    Repeat,
    Resolved,
    /// Sent by hand to check a sink works.
    Test,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::Firing => "firing",
            Event::Repeat => "repeat",
            Event::Resolved => "resolved",
            Event::Test => "test",
        }
    }
}

/// Why a message did not arrive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again: throttled, the receiver is down or slow. `retry_after` is how long
    /// the receiver asked us to wait (HTTP 429 `Retry-After`).
    #[error("{why}")]
    Transient {
        retry_after: Option<Duration>,
        why: String,
    },
    /// Trying again cannot help: the URL is gone, the payload or the permission is refused.
    #[error("{0}")]
    Permanent(String),
}

/// Carries messages to sinks: one HTTP client (connection pool, timeouts) for every webhook,
/// and the SNS and SES clients when AWS is configured.
#[derive(Debug, Clone)]
pub struct Sender {
    http: reqwest::Client,
    sns: Option<aws_sdk_sns::Client>,
    ses: Option<aws_sdk_sesv2::Client>,
}

/// The error for a sink that needs an AWS client the run has none of.
fn no_aws(sink: &str, service: &str) -> SendError {
    SendError::Permanent(format!(
        "sink {sink:?}: {service} needs AWS credentials and a region, and awsdash has none (demo or offline run)"
    ))
}

impl Sender {
    /// `timeout` bounds each HTTP attempt as a whole, connecting included (SNS keeps the
    /// SDK client's own timeouts).
    pub fn new(sns: Option<aws_sdk_sns::Client>, timeout: Duration) -> Result<Sender, String> {
        Ok(Sender {
            http: http::client(timeout)?,
            sns,
            ses: None,
        })
    }

    /// With SES, for e-mail sinks.
    pub fn with_ses(mut self, ses: aws_sdk_sesv2::Client) -> Sender {
        self.ses = Some(ses);
        self
    }

    /// One attempt to deliver `msg` to `sink`; `now` stamps a webhook's signature.
    pub async fn send(
        &self,
        sink: &Sink,
        msg: &Message,
        now: DateTime<Utc>,
    ) -> Result<(), SendError> {
        match &sink.target {
            Target::Slack { url } => {
                let body = slack::payload(msg).to_string().into_bytes();
                http::post(&self.http, &sink.name, url, Vec::new(), body, now).await
            }
            Target::Teams { url } => {
                let body = teams::payload(msg).to_string().into_bytes();
                http::post(&self.http, &sink.name, url, Vec::new(), body, now).await
            }
            Target::Webhook { url, secret } => {
                let body = webhook::body(msg, now);
                let headers = webhook::headers(&msg.id, secret.as_ref(), now, &body)
                    .map_err(|e| SendError::Permanent(format!("sink {:?}: {e}", sink.name)))?;
                http::post(&self.http, &sink.name, url, headers, body, now).await
            }
            Target::Sns { topic_arn } => match &self.sns {
                Some(client) => {
                    let (subject, text) = (sns::subject(msg), sns::text(msg));
                    sns::publish(client, &sink.name, topic_arn, subject, text).await
                }
                None => Err(no_aws(&sink.name, "SNS")),
            },
            // `Engine` never hands these an alert (`SinkKind::takes_alerts`).
            Target::Email { .. } | Target::Dir { .. } => Err(SendError::Permanent(format!(
                "sink {:?} takes scheduled reports only",
                sink.name
            ))),
        }
    }

    /// One attempt to deliver a scheduled report to `sink`, in the sink's own shape.
    pub async fn send_report(
        &self,
        sink: &Sink,
        delivery: &report::ReportDelivery,
        now: DateTime<Utc>,
    ) -> Result<(), SendError> {
        let json = |value: serde_json::Value| value.to_string().into_bytes();
        match &sink.target {
            Target::Slack { url } => {
                let body = json(report::slack(delivery));
                http::post(&self.http, &sink.name, url, Vec::new(), body, now).await
            }
            Target::Teams { url } => {
                let body = json(report::teams(delivery));
                http::post(&self.http, &sink.name, url, Vec::new(), body, now).await
            }
            Target::Webhook { url, secret } => {
                let body = report::webhook(delivery, now);
                let headers = webhook::headers(&delivery.id, secret.as_ref(), now, &body)
                    .map_err(|e| SendError::Permanent(format!("sink {:?}: {e}", sink.name)))?;
                http::post(&self.http, &sink.name, url, headers, body, now).await
            }
            Target::Sns { topic_arn } => match &self.sns {
                Some(client) => {
                    let subject = cut(&crate::text::clean(&delivery.title), 99);
                    sns::publish(client, &sink.name, topic_arn, subject, delivery.text()).await
                }
                None => Err(no_aws(&sink.name, "SNS")),
            },
            Target::Email { from, to } => match &self.ses {
                Some(client) => email::send(client, &sink.name, from, to, delivery, now).await,
                None => Err(no_aws(&sink.name, "SES")),
            },
            Target::Dir { path } => dir::write(&sink.name, path, &delivery.file),
        }
    }
}

/// Texts every sink shows, from outside input made safe: control characters replaced.
impl Message {
    /// The title, saying why it is sent now and whether it is demo data. Never empty.
    fn headline(&self) -> String {
        let title = clean(self.alert.title.trim());
        let title = if title.is_empty() {
            Cow::Borrowed("awsdash alert")
        } else {
            title
        };
        let headline = match self.event {
            Event::Firing => title.into_owned(),
            Event::Repeat => format!("Still firing: {title}"),
            Event::Resolved => format!("Resolved: {title}"),
            Event::Test => format!("Test: {title}"),
        };
        // First, so no sink's cut (an SNS subject, a phone's preview) can drop it.
        if self.demo {
            format!("DEMO: {headline}")
        } else {
            headline
        }
    }

    /// The detail, cut to what every sink accepts (Slack's section takes 3000 characters).
    fn detail(&self) -> String {
        cut(&clean(self.alert.detail.trim()), 3000)
    }

    /// The small print: severity, account, and the marks that say "do not act on this".
    fn facts(&self) -> Vec<String> {
        let mut facts = vec![format!("Severity: {}", self.alert.severity.name())];
        if let Some(account) = &self.account {
            facts.push(format!("Account: {}", clean(account)));
        }
        if self.demo {
            facts.push("DEMO data, not a real account".into());
        }
        if self.event == Event::Test {
            facts.push("This is a test message from awsdash".into());
        }
        facts
    }
}

/// `text` cut to at most `max` characters, ending in "…" when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::alerts::{AlertKind, AlertSeverity};

    pub(crate) fn message(event: Event) -> Message {
        Message {
            id: "msg_1".into(),
            event,
            alert: Alert {
                id: "budget:monthly:80:2026-11".into(),
                kind: AlertKind::BudgetActual,
                severity: AlertSeverity::Critical,
                title: "Budget Monthly\x1b[31m: 80% of $32,000 reached".into(),
                detail: "Spent $25,600.00 of $32,000.00 <!channel>".into(),
                since: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
            },
            demo: true,
            account: Some("123456789012".into()),
        }
    }

    fn config(kind: SinkKind) -> SinkConfig {
        SinkConfig {
            name: "ops".into(),
            kind,
            url: None,
            url_env: None,
            secret: None,
            secret_env: None,
            topic_arn: None,
            from: None,
            to: None,
            path: None,
        }
    }

    #[test]
    fn urls_and_secrets_come_from_the_named_variables() {
        let env = |name: &str| match name {
            "HOOK_URL" => Some("https://hooks.example/T0/SECRETPATH".to_string()),
            "HOOK_KEY" => Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_string()),
            _ => None,
        };
        let mut c = config(SinkKind::Webhook);
        c.url_env = Some("HOOK_URL".into());
        c.secret_env = Some("HOOK_KEY".into());
        let sink = Sink::resolve(&c, &env).expect("resolves");
        let Target::Webhook { url, secret } = &sink.target else {
            panic!("not a webhook: {sink:?}");
        };
        assert_eq!(url.expose(), "https://hooks.example/T0/SECRETPATH");
        assert!(secret.is_some());
        let shown = format!("{sink:?}");
        assert!(
            !shown.contains("SECRETPATH") && !shown.contains("MfKQ9"),
            "{shown}"
        );
    }

    #[test]
    fn a_missing_or_bad_variable_is_named_and_its_value_never_shown() {
        let env =
            |name: &str| (name == "BAD").then(|| "ftp://hooks.example/SECRETPATH".to_string());
        let mut c = config(SinkKind::Slack);
        c.url_env = Some("UNSET_URL".into());
        let err = Sink::resolve(&c, &env).expect_err("unset");
        assert!(
            err.contains("UNSET_URL") && err.contains("\"ops\""),
            "{err}"
        );
        c.url_env = Some("BAD".into());
        let err = Sink::resolve(&c, &env).expect_err("not http");
        assert!(
            err.contains("http(s)") && !err.contains("SECRETPATH"),
            "{err}"
        );
        let mut c = config(SinkKind::Webhook);
        c.url = Some(Secret::new("https://hooks.example/x"));
        c.secret = Some(Secret::new("plainSECRET"));
        let err = Sink::resolve(&c, &env).expect_err("not whsec_");
        assert!(
            err.contains("whsec_") && !err.contains("plainSECRET"),
            "{err}"
        );
        let mut c = config(SinkKind::Sns);
        c.topic_arn = Some("alerts".into());
        assert!(
            Sink::resolve(&c, &env)
                .expect_err("no arn")
                .contains("topic_arn")
        );
    }

    #[test]
    fn texts_are_cleaned_marked_and_cut() {
        let m = message(Event::Test);
        assert_eq!(
            m.headline(),
            "DEMO: Test: Budget Monthly\u{fffd}[31m: 80% of $32,000 reached"
        );
        let facts = m.facts().join(" | ");
        assert!(facts.contains("critical") && facts.contains("123456789012"));
        assert!(facts.contains("DEMO") && facts.contains("test message from awsdash"));
        let mut m = message(Event::Resolved);
        m.demo = false;
        m.alert.title = "  ".into();
        assert_eq!(m.headline(), "Resolved: awsdash alert");
        assert!(!m.facts().join(" ").contains("DEMO"));
        assert_eq!(cut("ééééé", 3), "éé…");
        assert_eq!(cut("abc", 3), "abc");
    }
}
