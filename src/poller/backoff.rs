//! How long to wait after a failure, and how to say it.

use chrono::{DateTime, Duration, Utc};

/// Exponential backoff with jitter: 1, 2, 4 … minutes, capped at 30, ±20 %.
pub fn backoff(failures: u32, now: DateTime<Utc>) -> Duration {
    let base = 60i64 << failures.saturating_sub(1).min(5);
    let base = base.min(1_800);
    // Jitter from the clock's sub-second part: enough to spread dashboards apart.
    let jitter = i64::from(now.timestamp_subsec_millis() % 400) - 200;
    Duration::seconds(base) + Duration::milliseconds(base * jitter)
}

/// "40 s", "3 min", "2 h".
pub fn human(d: Duration) -> String {
    let secs = d.num_seconds();
    if secs < 120 {
        format!("{secs} s")
    } else if secs < 2 * 3_600 {
        format!("{} min", secs / 60)
    } else {
        format!("{} h", secs / 3_600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_half_an_hour_with_bounded_jitter() {
        let now: DateTime<Utc> = "2026-11-25T12:00:00.123Z".parse().expect("time");
        let secs = |n| backoff(n, now).num_seconds();
        assert!((48..=72).contains(&secs(1)), "{}", secs(1));
        assert!((96..=144).contains(&secs(2)), "{}", secs(2));
        assert!((1_440..=2_160).contains(&secs(20)), "{}", secs(20));
        assert_eq!(human(Duration::seconds(40)), "40 s");
        assert_eq!(human(Duration::minutes(3)), "3 min");
        assert_eq!(human(Duration::hours(6)), "6 h");
    }
}
