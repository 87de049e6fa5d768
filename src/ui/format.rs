//! Text for the panels: amounts, ages, changes, fitting text into columns.

use chrono::{DateTime, Utc};

use crate::model::Money;

pub use crate::model::money::{money, money_whole};

/// "+12.3%", "-4.0%", "+$150" against a negative amount, "new", or "" (nothing before and
/// nothing now).
pub fn change(now: Money, before: Money, currency: &str) -> String {
    crate::output::table::change(now, before, currency)
}

/// How long ago `at` was, in the largest sensible unit: "just now", "5m ago", "3h ago".
pub fn age(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds();
    if secs < 60 {
        "just now".into()
    } else if secs < 3_600 {
        format!("{}m ago", secs / 60)
    } else if secs < 48 * 3_600 {
        format!("{}h ago", secs / 3_600)
    } else {
        format!("{}d ago", secs / 86_400)
    }
}

pub use crate::text::{left, right, truncate};

/// A share bar's length: a part of a positive total; nothing for a credit (a negative part)
/// or when credits outweigh spend (the total is not positive).
pub fn share_ratio(part: Money, total: Money) -> f64 {
    use rust_decimal::Decimal;
    if total.amount() <= Decimal::ZERO || part.amount() <= Decimal::ZERO {
        return 0.0;
    }
    ratio(part, total)
}

/// A money ratio as a float, for bar lengths only (never for displayed amounts).
pub fn ratio(part: Money, whole: Money) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    part.percent_of(whole)
        .and_then(|p| p.to_f64())
        .map(|p| p / 100.0)
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        s.parse().expect("amount")
    }

    #[test]
    fn amounts_read_like_the_console() {
        assert_eq!(money(m("12345.675"), "USD"), "$12,345.68");
        assert_eq!(money(m("-3.5"), "USD"), "-$3.50");
        assert_eq!(money(m("7"), "EUR"), "7.00 EUR");
        assert_eq!(money_whole(m("12345.5"), "USD"), "$12,346");
        assert_eq!(money_whole(m("999.4"), "EUR"), "999 EUR");
    }

    #[test]
    fn ages_and_changes() {
        let now: DateTime<Utc> = "2026-11-25T16:40:00Z".parse().expect("t");
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("t");
        assert_eq!(age(now, at("2026-11-25T16:39:30Z")), "just now");
        assert_eq!(age(now, at("2026-11-25T16:35:00Z")), "5m ago");
        assert_eq!(age(now, at("2026-11-25T10:40:00Z")), "6h ago");
        assert_eq!(age(now, at("2026-11-20T16:40:00Z")), "5d ago");
        assert_eq!(change(m("110"), m("100"), "USD"), "+10.0%");
        assert_eq!(change(m("90"), m("100"), "USD"), "-10.0%");
        assert_eq!(change(m("5"), m("0"), "USD"), "new");
    }

    #[test]
    fn ratios_for_bars() {
        assert!((ratio(m("25"), m("100")) - 0.25).abs() < 1e-9);
        assert_eq!(ratio(m("1"), Money::ZERO), 0.0);
        assert_eq!(share_ratio(m("25"), m("100")), 0.25);
        assert_eq!(share_ratio(m("-25"), m("100")), 0.0);
        assert_eq!(share_ratio(m("-25"), m("-100")), 0.0, "not a full bar");
    }
}
