//! `[alerts]`: when awsdash speaks up (anomaly floors, repeats, extra rules) and where it
//! speaks (`[[alerts.sink]]`: Slack, Teams, signed webhooks, SNS).
//!
//! Sink URLs and signing secrets are secrets: they live in [`Secret`], whose `Debug` and
//! `Display` never show them, so no log line or error message can.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::model::{Filter, Money};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// An anomaly must move spend by at least this many dollars…
    #[serde(deserialize_with = "non_negative_amount")]
    pub anomaly_min_impact: Money,
    /// …and by at least this share of what was expected.
    #[serde(deserialize_with = "percent")]
    pub anomaly_min_percent: Decimal,
    /// An alert still firing is said again after this many hours.
    #[serde(deserialize_with = "repeat_hours")]
    pub repeat_hours: u64,
    /// Also say when an alert stops firing.
    pub notify_resolved: bool,
    pub rule: Vec<RuleConfig>,
    pub sink: Vec<SinkConfig>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            anomaly_min_impact: Money::from_units(50, 0),
            anomaly_min_percent: Decimal::from(20),
            repeat_hours: 24,
            notify_resolved: false,
            rule: Vec::new(),
            sink: Vec::new(),
        }
    }
}

/// A user rule: daily or month-to-date spend over an amount, optionally for a filter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: String,
    #[serde(default, deserialize_with = "optional_amount")]
    pub daily_over: Option<Money>,
    #[serde(default, deserialize_with = "optional_amount")]
    pub month_to_date_over: Option<Money>,
    /// Same syntax as `--filter`.
    #[serde(default)]
    pub filter: Vec<Filter>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    Slack,
    Teams,
    Webhook,
    Sns,
    /// SES v2, reports only.
    Email,
    /// A folder, reports only.
    Dir,
}

impl SinkKind {
    pub fn name(self) -> &'static str {
        match self {
            SinkKind::Slack => "slack",
            SinkKind::Teams => "teams",
            SinkKind::Webhook => "webhook",
            SinkKind::Sns => "sns",
            SinkKind::Email => "email",
            SinkKind::Dir => "dir",
        }
    }

    /// Whether alerts go to sinks of this kind: an e-mail per alert or a file per alert is
    /// noise, so e-mail and dir sinks take scheduled reports only.
    pub fn takes_alerts(self) -> bool {
        !matches!(self, SinkKind::Email | SinkKind::Dir)
    }
}

/// Where alerts go. A URL or secret comes from the file (`url`, `secret`) or, better, from
/// the environment (`url_env`, `secret_env` name the variable).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkConfig {
    pub name: String,
    pub kind: SinkKind,
    #[serde(default)]
    pub url: Option<Secret>,
    #[serde(default)]
    pub url_env: Option<String>,
    /// Webhook only: the Standard Webhooks signing secret, `whsec_…`.
    #[serde(default)]
    pub secret: Option<Secret>,
    #[serde(default)]
    pub secret_env: Option<String>,
    /// SNS only.
    #[serde(default)]
    pub topic_arn: Option<String>,
    /// E-mail only: the sender, an identity verified in SES.
    #[serde(default)]
    pub from: Option<String>,
    /// E-mail only: the recipients.
    #[serde(default)]
    pub to: Option<Vec<String>>,
    /// Dir only: the folder reports are written to (absolute).
    #[serde(default)]
    pub path: Option<std::path::PathBuf>,
}

impl SinkConfig {
    /// Whether the config file itself holds a secret of this sink (then the file must not be
    /// readable by others: `doctor` says so).
    pub fn holds_a_secret(&self) -> bool {
        self.url.is_some() || self.secret.is_some()
    }
}

impl AlertsConfig {
    /// What a single key cannot check: each sink has what its kind needs (and nothing another
    /// kind needs), names are unique, each rule has exactly one threshold.
    pub fn check(&self) -> Result<(), String> {
        let hint = "hint: see [[alerts.sink]] and [[alerts.rule]] in config.example.toml";
        let mut names = Vec::new();
        for sink in &self.sink {
            let who = format!("[[alerts.sink]] {:?} ({})", sink.name, sink.kind.name());
            if sink.name.trim().is_empty() {
                return Err(format!("[[alerts.sink]] needs a name\n{hint}"));
            }
            if names.contains(&sink.name) {
                return Err(format!("{who}: another sink has the same name\n{hint}"));
            }
            names.push(sink.name.clone());
            let has_url = sink.url.is_some() || sink.url_env.is_some();
            let email = sink.from.is_some() || sink.to.is_some();
            if sink.kind != SinkKind::Email && email {
                return Err(format!(
                    "{who}: from and to are for email sinks only\n{hint}"
                ));
            }
            if sink.kind != SinkKind::Dir && sink.path.is_some() {
                return Err(format!("{who}: path is for dir sinks only\n{hint}"));
            }
            match sink.kind {
                SinkKind::Email | SinkKind::Dir if has_url || sink.topic_arn.is_some() => {
                    return Err(format!(
                        "{who}: an {} sink takes no url or topic_arn\n{hint}",
                        sink.kind.name()
                    ));
                }
                SinkKind::Email => check_email(sink).map_err(|e| format!("{who}: {e}\n{hint}"))?,
                SinkKind::Dir => match &sink.path {
                    Some(path) if path.is_absolute() => {}
                    _ => {
                        return Err(format!(
                            "{who}: needs path = \"/absolute/folder\" to write reports into\n{hint}"
                        ));
                    }
                },
                SinkKind::Sns => {
                    let arn = sink.topic_arn.as_deref().unwrap_or_default();
                    if !arn.starts_with("arn:") || !arn.contains(":sns:") {
                        return Err(format!(
                            "{who}: needs topic_arn = \"arn:aws:sns:REGION:ACCOUNT:TOPIC\"\n{hint}"
                        ));
                    }
                    if has_url {
                        return Err(format!(
                            "{who}: an SNS sink takes topic_arn, not a URL\n{hint}"
                        ));
                    }
                }
                _ => {
                    if sink.url.is_some() == sink.url_env.is_some() {
                        return Err(format!(
                            "{who}: needs exactly one of url = \"https://…\" or url_env = \"VARIABLE\"\n{hint}"
                        ));
                    }
                    if sink.topic_arn.is_some() {
                        return Err(format!("{who}: topic_arn is for SNS sinks only\n{hint}"));
                    }
                    if let Some(url) = &sink.url {
                        check_sink_url(url.expose()).map_err(|e| format!("{who}: {e}\n{hint}"))?;
                    }
                }
            }
            let has_secret = sink.secret.is_some() || sink.secret_env.is_some();
            if sink.kind != SinkKind::Webhook && has_secret {
                return Err(format!("{who}: secret is for webhook sinks only\n{hint}"));
            }
            if sink.secret.is_some() && sink.secret_env.is_some() {
                return Err(format!(
                    "{who}: give secret or secret_env, not both\n{hint}"
                ));
            }
            if let Some(secret) = &sink.secret {
                signing_key(secret.expose()).map_err(|e| format!("{who}: {e}\n{hint}"))?;
            }
        }
        let mut rules = Vec::new();
        for rule in &self.rule {
            let who = format!("[[alerts.rule]] {:?}", rule.name);
            if rule.name.trim().is_empty() {
                return Err(format!("[[alerts.rule]] needs a name\n{hint}"));
            }
            if rules.contains(&rule.name) {
                return Err(format!("{who}: another rule has the same name\n{hint}"));
            }
            rules.push(rule.name.clone());
            if rule.daily_over.is_some() == rule.month_to_date_over.is_some() {
                return Err(format!(
                    "{who}: needs exactly one of daily_over = AMOUNT or month_to_date_over = AMOUNT\n{hint}"
                ));
            }
        }
        Ok(())
    }
}

/// Whether `text` is a bare address (`ops@example.com`): no display name, nothing a header
/// could be split on.
fn is_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && text
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | ',' | ';' | '"' | '(' | ')'))
}

/// An e-mail sink's `from` and `to`: bare addresses, at least one recipient.
fn check_email(sink: &SinkConfig) -> Result<(), String> {
    match &sink.from {
        Some(from) if is_address(from) => {}
        Some(from) => {
            return Err(format!(
                "from = {from:?} is not an address like reports@example.com"
            ));
        }
        None => {
            return Err(
                "needs from = \"reports@example.com\" (an identity verified in SES)".into(),
            );
        }
    }
    let to = sink.to.as_deref().unwrap_or_default();
    if to.is_empty() {
        return Err("needs to = [\"someone@example.com\", …]".into());
    }
    match to.iter().find(|a| !is_address(a)) {
        Some(bad) => Err(format!(
            "to: {bad:?} is not an address like someone@example.com"
        )),
        None => Ok(()),
    }
}

/// A sink URL: http or https with a host. Plain http is allowed (loopback receivers in
/// tests, relays inside a network).
pub fn check_sink_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("the URL is not valid ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err("the URL must be http(s)://host/…".into());
    }
    Ok(())
}

/// The HMAC key of a Standard Webhooks secret: `whsec_` and base64 of the key bytes. The
/// error never shows the secret.
pub fn signing_key(secret: &str) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    let key = secret
        .strip_prefix("whsec_")
        .ok_or("a webhook secret starts with whsec_ (Standard Webhooks)")?;
    match base64::engine::general_purpose::STANDARD.decode(key) {
        Ok(bytes) if bytes.len() >= 16 => Ok(bytes),
        Ok(_) => Err("the webhook secret is too short: 24 to 64 random bytes, base64".into()),
        Err(_) => Err("the webhook secret after whsec_ is not base64".into()),
    }
}

/// A value that must never be printed or logged: a webhook URL (its path is the credential),
/// a signing secret.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that uses it (an HTTP request, an HMAC key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// An amount as people write it in TOML: `2000`, `2000.50` or `"2000.50"`. A float is read
/// from its shortest decimal text, so `0.1` is exactly 0.1.
struct Amount;

impl serde::de::Visitor<'_> for Amount {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount in dollars, e.g. 2000 or 2000.50")
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Money, E> {
        Ok(Money::new(Decimal::from(v)))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Money, E> {
        Ok(Money::new(Decimal::from(v)))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Money, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
        v.parse().map_err(E::custom)
    }
}

fn amount<'de, D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
    let m = d.deserialize_any(Amount)?;
    if m.amount().is_sign_negative() {
        return Err(serde::de::Error::custom("an amount must not be negative"));
    }
    Ok(m)
}

fn optional_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
    amount(d).map(Some)
}

fn non_negative_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
    let m = d.deserialize_any(Amount)?;
    if m.amount().is_sign_negative() {
        return Err(serde::de::Error::custom(
            "anomaly_min_impact must not be negative: dollars an anomaly must add, e.g. 50",
        ));
    }
    Ok(m)
}

fn percent<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let p = d.deserialize_any(Amount)?.amount();
    if p.is_sign_negative() || p > Decimal::from(1000) {
        return Err(serde::de::Error::custom(
            "anomaly_min_percent must be between 0 and 1000, e.g. 20",
        ));
    }
    Ok(p)
}

fn repeat_hours<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let h = u64::deserialize(d)?;
    if !(1..=24 * 31).contains(&h) {
        return Err(serde::de::Error::custom(
            "repeat_hours must be between 1 and 744: how long before a still-firing alert is said again",
        ));
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, "t.toml".as_ref()).map_err(|e| e.to_string())
    }

    #[test]
    fn the_documented_example_parses() {
        let c = parse(
            r#"
[alerts]
anomaly_min_impact = 50
anomaly_min_percent = 20
repeat_hours = 24
notify_resolved = false
[[alerts.rule]]
name = "daily over 2k"
daily_over = 2000
filter = ["tag:team=data"]
[[alerts.sink]]
name = "ops-slack"
kind = "slack"
url_env = "AWSDASH_SLACK_URL"
[[alerts.sink]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:9000/hook"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
[[alerts.sink]]
name = "topic"
kind = "sns"
topic_arn = "arn:aws:sns:us-east-1:123456789012:alerts"
[[alerts.sink]]
name = "finance-mail"
kind = "email"
from = "awsdash@example.com"
to = ["finance@example.com", "ops@example.com"]
[[alerts.sink]]
name = "share"
kind = "dir"
path = "/srv/reports"
"#,
        )
        .expect("valid");
        assert_eq!(c.alerts.sink.len(), 5);
        assert!(!c.alerts.sink[3].kind.takes_alerts() && c.alerts.sink[2].kind.takes_alerts());
        assert_eq!(c.alerts.rule[0].filter.len(), 1);
        assert!(c.alerts.sink[1].holds_a_secret() && !c.alerts.sink[0].holds_a_secret());
        assert_eq!(
            c.alerts.rule[0].daily_over,
            Some("2000".parse().expect("m"))
        );
        let c = parse("[alerts]\nanomaly_min_impact = 12.34\n[[alerts.rule]]\nname = \"m\"\nmonth_to_date_over = \"40000.5\"\n")
            .expect("valid");
        assert_eq!(c.alerts.anomaly_min_impact.to_string(), "12.34");
        assert_eq!(
            c.alerts.rule[0].month_to_date_over.map(|m| m.to_string()),
            Some("40000.5".into())
        );
    }

    #[test]
    fn addresses_are_bare_and_header_safe() {
        assert!(is_address("ops@example.com"));
        for bad in [
            "ops",
            "@example.com",
            "ops@example",
            "a@b@c.d",
            "Ops <ops@example.com>",
            "a@b.c\r\nBcc: x@y.z",
            "a,b@c.d",
        ] {
            assert!(!is_address(bad), "{bad}");
        }
    }

    #[test]
    fn sinks_need_what_their_kind_needs_and_never_show_their_secrets() {
        for (toml, needle) in [
            (
                "[[alerts.sink]]\nname = \"s\"\nkind = \"slack\"\n",
                "exactly one of url",
            ),
            (
                "[[alerts.sink]]\nname = \"s\"\nkind = \"sns\"\ntopic_arn = \"x\"\n",
                "topic_arn",
            ),
            (
                "[[alerts.sink]]\nname = \"s\"\nkind = \"slack\"\nurl = \"ftp://hooks.example/T0/B0/xyzSECRET\"\n",
                "http(s)",
            ),
            (
                "[[alerts.sink]]\nname = \"w\"\nkind = \"webhook\"\nurl_env = \"U\"\nsecret = \"plainSECRET\"\n",
                "whsec_",
            ),
            (
                "[[alerts.sink]]\nname = \"a\"\nkind = \"teams\"\nurl_env = \"U\"\n[[alerts.sink]]\nname = \"a\"\nkind = \"slack\"\nurl_env = \"V\"\n",
                "same name",
            ),
            (
                "[[alerts.rule]]\nname = \"r\"\ndaily_over = 1\nmonth_to_date_over = 2\n",
                "exactly one of daily_over",
            ),
            (
                "[[alerts.rule]]\nname = \"r\"\nfilter = [\"zone=a\"]\ndaily_over = 1\n",
                "unknown dimension",
            ),
            ("[alerts]\nrepeat_hours = 0\n", "between 1 and 744"),
            (
                "[[alerts.sink]]\nname = \"m\"\nkind = \"email\"\nto = [\"a@b.example\"]\n",
                "needs from",
            ),
            (
                "[[alerts.sink]]\nname = \"m\"\nkind = \"email\"\nfrom = \"r@b.example\"\nto = []\n",
                "needs to",
            ),
            (
                "[[alerts.sink]]\nname = \"m\"\nkind = \"email\"\nfrom = \"r@b.example\"\nto = [\"Finance <f@b.example>\"]\n",
                "is not an address",
            ),
            (
                "[[alerts.sink]]\nname = \"d\"\nkind = \"dir\"\npath = \"reports\"\n",
                "absolute",
            ),
            (
                "[[alerts.sink]]\nname = \"d\"\nkind = \"dir\"\npath = \"/r\"\nurl_env = \"U\"\n",
                "takes no url",
            ),
            (
                "[[alerts.sink]]\nname = \"s\"\nkind = \"slack\"\nurl_env = \"U\"\npath = \"/r\"\n",
                "path is for dir sinks only",
            ),
        ] {
            let err = parse(toml).expect_err(toml);
            assert!(err.contains(needle), "{toml}: {err}");
            assert!(!err.contains("SECRET"), "a secret in an error: {err}");
        }
        let secret = Secret::new("https://hooks.slack.com/services/T0/B0/xyz");
        assert_eq!(format!("{secret} {secret:?}"), "**** Secret(****)");
    }
}
