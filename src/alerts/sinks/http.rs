//! One POST to a webhook, and what its answer means: 2xx delivered; 429, 408 and 5xx worth
//! retrying (with the receiver's `Retry-After`); a redirect or any other 4xx not — the URL is
//! gone or wrong, the payload refused (Slack: 400/403/404/410; Standard Webhooks: 410 means
//! "stop sending").
//!
//! Redirects are never followed: a webhook URL that moved is a config to fix, and following
//! one would carry the payload to a host the user never named.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};

use super::SendError;
use crate::config::Secret;

/// Connecting takes at most this long even when the whole attempt may take longer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(timeout.min(CONNECT_TIMEOUT))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("awsdash/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            format!(
                "cannot set up the HTTP client for alerts: {}",
                e.without_url()
            )
        })
}

pub(super) use crate::config::check_sink_url as check_url;

/// POSTs `body` (JSON) to `url` and classifies the outcome. Errors name `sink`, never the URL.
pub(super) async fn post(
    client: &reqwest::Client,
    sink: &str,
    url: &Secret,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<(), SendError> {
    let mut request = client
        .post(url.expose())
        .header(CONTENT_TYPE, "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(sink, url, e))?;
    let status = response.status().as_u16();
    if response.status().is_success() {
        return Ok(());
    }
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now));
    let text = response.text().await.unwrap_or_default();
    Err(by_status(sink, status, retry_after, error_code(&text)))
}

/// The error for a non-2xx answer. `code` is the receiver's own short error word (Slack's
/// `channel_not_found`), when it gave one.
fn by_status(
    sink: &str,
    status: u16,
    retry_after: Option<Duration>,
    code: Option<&str>,
) -> SendError {
    let code = code.map(|c| format!(" ({c})")).unwrap_or_default();
    match status {
        408 | 429 | 500..=599 => SendError::Transient {
            retry_after,
            why: format!("sink {sink:?} answered HTTP {status}{code}"),
        },
        300..=399 => SendError::Permanent(format!(
            "sink {sink:?} answered HTTP {status}, a redirect: awsdash does not follow them — put the final URL in the config"
        )),
        410 => SendError::Permanent(format!(
            "sink {sink:?} answered HTTP 410{code}: the receiver is gone and asks not to be sent to again"
        )),
        _ => SendError::Permanent(format!("sink {sink:?} answered HTTP {status}{code}")),
    }
}

/// A failure before any answer: no connection, no answer in time. Worth retrying, except a
/// request that cannot even be built (a URL reqwest refuses).
fn transport_error(sink: &str, url: &Secret, err: reqwest::Error) -> SendError {
    let err = err.without_url();
    let what = if err.is_timeout() {
        "no answer in time".to_string()
    } else if err.is_connect() {
        format!("cannot connect ({})", scrub(&causes(&err), url))
    } else {
        scrub(&causes(&err), url)
    };
    let why = format!("sink {sink:?}: {what}");
    if err.is_builder() {
        SendError::Permanent(why)
    } else {
        SendError::Transient {
            retry_after: None,
            why,
        }
    }
}

/// The error and its causes on one line ("error sending request: client error (Connect):
/// tcp connect error: Connection refused (os error 111)").
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let line = e.to_string();
        if !parts.iter().any(|p| p.contains(&line)) {
            parts.push(line);
        }
        next = e.source();
    }
    crate::text::clean(&parts.join(": ")).into_owned()
}

/// `text` with the URL's secret parts — path and query (a Slack token, a Teams `sig=`) —
/// masked, in case some layer below reqwest quoted them.
fn scrub(text: &str, url: &Secret) -> String {
    let mut out = text.replace(url.expose(), "****");
    if let Ok(parsed) = url::Url::parse(url.expose()) {
        for part in [parsed.path(), parsed.query().unwrap_or_default()] {
            if part.len() > 1 {
                out = out.replace(part, "****");
            }
        }
    }
    out
}

/// A body that is one short error word (`no_service`, `invalid_payload`) is worth showing;
/// anything else might echo the request (and its URL) back, so it is not.
fn error_code(body: &str) -> Option<&str> {
    let body = body.trim();
    let word = !body.is_empty()
        && body.len() <= 64
        && body
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    word.then_some(body)
}

/// `Retry-After` as seconds or as an HTTP date.
fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transient(e: &SendError) -> Option<Option<Duration>> {
        match e {
            SendError::Transient { retry_after, .. } => Some(*retry_after),
            SendError::Permanent(_) => None,
        }
    }

    #[test]
    fn statuses_sort_into_retry_or_give_up() {
        let after = Some(Duration::from_secs(3));
        assert_eq!(transient(&by_status("s", 429, after, None)), Some(after));
        for status in [408, 500, 502, 503, 504] {
            assert!(
                transient(&by_status("s", status, None, None)).is_some(),
                "{status}"
            );
        }
        for status in [301, 302, 307, 400, 401, 403, 404, 410, 413] {
            assert!(
                transient(&by_status("s", status, None, None)).is_none(),
                "{status}"
            );
        }
        let e = by_status("ops", 404, None, Some("channel_not_found"));
        assert_eq!(
            e.to_string(),
            "sink \"ops\" answered HTTP 404 (channel_not_found)"
        );
        assert!(
            by_status("ops", 302, None, None)
                .to_string()
                .contains("redirect")
        );
    }

    #[test]
    fn only_a_bare_error_word_of_the_body_is_shown() {
        assert_eq!(error_code("no_service\n"), Some("no_service"));
        assert_eq!(error_code("Cannot POST /services/T0/B0/XyZ"), None);
        assert_eq!(error_code(""), None);
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn scrub_masks_the_path_and_query() {
        let url = Secret::new("https://prod.logic.example/workflows/ID1/invoke?sig=SIG1");
        let text = scrub("failed for /workflows/ID1/invoke and sig=SIG1", &url);
        assert_eq!(text, "failed for **** and ****");
    }
}
