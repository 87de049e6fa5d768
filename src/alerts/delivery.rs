//! Delivering one message to one sink: a few quick tries in the moment, for the blips a
//! retry cures (a 500, a dropped connection, a short 429). Longer waits belong to the
//! caller's outbox, which keeps the message across runs: `deliver` never sleeps longer than
//! `max_wait` at once, and hands back a longer `Retry-After` instead of waiting it out.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::alerts::sinks::report::ReportDelivery;
use crate::alerts::sinks::{Message, SendError, Sender, Sink};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (0 is taken as 1).
    pub attempts: u32,
    /// The wait after the first transient failure; it doubles after each one.
    pub first_backoff: Duration,
    /// The longest single wait, a receiver's `Retry-After` included.
    pub max_wait: Duration,
}

/// Tries `send` up to `attempts` times: transient errors back off exponentially (with jitter),
/// a 429's Retry-After is honoured when it is within `max_wait` (else give up at once, leaving
/// the wait to the caller's outbox); permanent errors stop at once. The message (and so a
/// webhook's `webhook-id`) is the same on every try; a signature is made anew for each.
pub async fn deliver(
    sender: &Sender,
    sink: &Sink,
    msg: &Message,
    policy: &RetryPolicy,
) -> Result<(), SendError> {
    retrying(&sink.name, policy, || {
        sender.send(sink, msg, chrono::Utc::now())
    })
    .await
}

/// [`deliver`] for a scheduled report: the same tries and waits.
pub async fn deliver_report(
    sender: &Sender,
    sink: &Sink,
    report: &ReportDelivery,
    policy: &RetryPolicy,
) -> Result<(), SendError> {
    retrying(&sink.name, policy, || {
        sender.send_report(sink, report, chrono::Utc::now())
    })
    .await
}

async fn retrying<F, Fut>(
    sink: &str,
    policy: &RetryPolicy,
    mut attempt_once: F,
) -> Result<(), SendError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), SendError>>,
{
    let mut attempt = 1;
    loop {
        let err = match attempt_once().await {
            Ok(()) => return Ok(()),
            Err(err) => err,
        };
        let Some(wait) = next_wait(&err, attempt, policy) else {
            tracing::warn!(sink, attempt, "not delivered: {err}");
            return Err(err);
        };
        tracing::info!(
            sink,
            attempt,
            "delivery failed, next try in {wait:?}: {err}"
        );
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// How long to wait before try `attempt + 1`, or `None` to stop now.
fn next_wait(err: &SendError, attempt: u32, policy: &RetryPolicy) -> Option<Duration> {
    let SendError::Transient { retry_after, .. } = err else {
        return None;
    };
    if attempt >= policy.attempts {
        return None;
    }
    match retry_after {
        Some(after) if *after > policy.max_wait => None,
        Some(after) => Some(*after),
        None => {
            let doublings = (attempt - 1).min(16);
            let backoff = policy
                .first_backoff
                .saturating_mul(1 << doublings)
                .min(policy.max_wait);
            Some(jitter(backoff))
        }
    }
}

/// Somewhere in the upper half of `wait`, so that several awsdash instances told to back off
/// at the same moment do not come back at the same moment.
fn jitter(wait: Duration) -> Duration {
    let half = wait / 2;
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    half + Duration::from_nanos(random % nanos.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        attempts: 4,
        first_backoff: Duration::from_secs(2),
        max_wait: Duration::from_secs(5),
    };

    fn transient(retry_after: Option<u64>) -> SendError {
        SendError::Transient {
            retry_after: retry_after.map(Duration::from_secs),
            why: "x".into(),
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_max_wait() {
        let first = next_wait(&transient(None), 1, &POLICY).expect("retry");
        assert!(
            first >= Duration::from_secs(1) && first <= Duration::from_secs(2),
            "{first:?}"
        );
        let second = next_wait(&transient(None), 2, &POLICY).expect("retry");
        assert!(
            second >= Duration::from_secs(2) && second <= Duration::from_secs(4),
            "{second:?}"
        );
        let third = next_wait(&transient(None), 3, &POLICY).expect("retry");
        assert!(third <= POLICY.max_wait, "{third:?}");
        assert_eq!(
            next_wait(&transient(None), 4, &POLICY),
            None,
            "attempts used up"
        );
    }

    #[test]
    fn retry_after_is_waited_out_only_within_max_wait() {
        assert_eq!(
            next_wait(&transient(Some(5)), 1, &POLICY),
            Some(Duration::from_secs(5))
        );
        assert_eq!(next_wait(&transient(Some(6)), 1, &POLICY), None);
        assert_eq!(
            next_wait(&SendError::Permanent("gone".into()), 1, &POLICY),
            None
        );
        let once = RetryPolicy {
            attempts: 0,
            ..POLICY
        };
        assert_eq!(next_wait(&transient(None), 1, &once), None);
    }
}
