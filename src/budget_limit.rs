//! A budget's new limit as `awsdash budget set` and the dashboard's `e` both take it: the one
//! rule for what a limit may be, how it is written, and what is said when edits are off — in
//! one place, so the command line and the keyboard cannot come to disagree.

use rust_decimal::Decimal;

use crate::model::Money;

/// Above this a limit is a typo (an extra zero or two), not a budget.
const ABSURD: i64 = 1_000_000_000;

/// Why budget edits are refused when `[aws] allow_writes` is off, and how to turn them on.
pub const WRITES_OFF: &str = "budget edits are off: set [aws] allow_writes = true in the config (and attach assets/iam-policy-budgets-write.json); nothing was sent";

/// The new limit: an exact decimal of at most two places, above zero and below [`ABSURD`].
/// `Err` is the reason in a person's words, for the caller to frame (a flag, a dialog).
pub fn parse_limit(text: &str) -> Result<Money, &'static str> {
    let value = Decimal::from_str_exact(text.trim())
        .map_err(|_| "not an amount; write it like 1200 or 1200.50")?;
    if value <= Decimal::ZERO {
        return Err("a budget limit must be more than zero");
    }
    if value.normalize().scale() > 2 {
        return Err("at most two decimal places (cents)");
    }
    if value >= Decimal::from(ABSURD) {
        return Err("more than a billion looks like a typo; nothing was changed");
    }
    Ok(Money::new(value.round_dp(2)))
}

/// An amount to the cent, as people read a limit ("1000.00", not "1000"); also the form the
/// audit log keeps.
pub fn cents(m: Money) -> String {
    format!("{:.2}", m.amount())
}

/// A finished edit (or its simulation): what to tell the person, and whether its audit line
/// was written — the change happened either way, so a failed record is said after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub said: String,
    pub recorded: Result<(), String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_exact_cents_above_zero_and_below_absurd() {
        assert_eq!(cents(parse_limit("1200").expect("ok")), "1200.00");
        assert_eq!(cents(parse_limit(" 0.10 ").expect("ok")), "0.10");
        assert_eq!(cents(parse_limit("12.30").expect("ok")), "12.30");
        for bad in [
            "0",
            "-5",
            "abc",
            "1.005",
            "12.345",
            "1e3",
            "1000000000",
            "",
            ".",
        ] {
            assert!(parse_limit(bad).is_err(), "{bad}");
        }
    }
}
