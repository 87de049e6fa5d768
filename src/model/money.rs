//! Exact money. Cost Explorer, Budgets and our caches all carry amounts as decimal strings;
//! they are parsed once into [`Money`] and never pass through a float, so totals match AWS to
//! the cent.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An exact amount in the account currency.
///
/// ```
/// use awsdash::model::Money;
///
/// let a: Money = "0.0101516483".parse().unwrap();
/// let b: Money = "-0.0000000123".parse().unwrap();
/// assert_eq!((a + b).to_string(), "0.010151636"); // exact, as the JSON carries it
/// assert_eq!((a + b).cents().to_string(), "0.01"); // rounded only for people
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    pub fn new(amount: Decimal) -> Self {
        Money(amount)
    }

    /// Builds from an integer number of `10^-scale` units (what the demo generator uses).
    pub fn from_units(units: i64, scale: u32) -> Self {
        Money(Decimal::new(units, scale))
    }

    pub fn amount(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Rounded to cents for people: half away from zero, as the AWS console shows it, and
    /// never "-0.00".
    pub fn cents(self) -> Decimal {
        let mut rounded = self
            .0
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        if rounded.is_zero() {
            rounded = Decimal::ZERO;
        }
        rounded.rescale(2);
        rounded
    }

    /// Cents with thousands separators, e.g. `12,345.60`.
    pub fn display_grouped(self) -> String {
        let text = format!("{:.2}", self.cents());
        let (sign, digits) = match text.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", text.as_str()),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
        let mut grouped = String::with_capacity(int.len() + int.len() / 3);
        for (i, ch) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("{sign}{grouped}.{frac}")
    }

    /// Ratio `self / whole` in percent, `None` when `whole` is zero.
    pub fn percent_of(self, whole: Money) -> Option<Decimal> {
        if whole.0.is_zero() {
            None
        } else {
            self.0
                .checked_div(whole.0)
                .map(|r| r * Decimal::ONE_HUNDRED)
        }
    }
}

impl fmt::Display for Money {
    /// Exact value, normalised (no trailing zeros): what the JSON contract carries.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.normalize();
        if n.is_zero() {
            f.write_str("0")
        } else {
            write!(f, "{n}")
        }
    }
}

/// Why an amount string from AWS or a cache could not be read.
#[derive(Debug, thiserror::Error)]
#[error("not a decimal amount: {0:?}")]
pub struct ParseMoneyError(String);

/// Plain `-?digits[.digits]` with at most 18 significant digits — the shape of every amount
/// Cost Explorer sends — read straight into a mantissa and a scale. A large answer has millions
/// of amounts; this is several times faster than the general parser, which handles the rest.
fn parse_plain(text: &str) -> Option<Decimal> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || int.len() + frac.len() > 18 {
        return None;
    }
    let mut mantissa: i64 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        mantissa = mantissa * 10 + i64::from(b - b'0');
    }
    let value = Decimal::new(
        if negative { -mantissa } else { mantissa },
        frac.len() as u32,
    );
    Some(value)
}

impl FromStr for Money {
    type Err = ParseMoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        if let Some(value) = parse_plain(trimmed) {
            return Ok(Money(value));
        }
        Decimal::from_str_exact(trimmed)
            .or_else(|_| Decimal::from_scientific(trimmed))
            .map(Money)
            .map_err(|_| ParseMoneyError(s.to_string()))
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// For people, in the account currency: `$12,345.67` for USD, `12,345.67 EUR` otherwise.
pub fn money(amount: Money, currency: &str) -> String {
    if currency == "USD" {
        let text = amount.display_grouped();
        match text.strip_prefix('-') {
            Some(rest) => format!("-${rest}"),
            None => format!("${text}"),
        }
    } else {
        format!("{} {currency}", amount.display_grouped())
    }
}

/// Whole currency units for tight spaces and messages: `$12,346`.
pub fn money_whole(amount: Money, currency: &str) -> String {
    let rounded = amount
        .amount()
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    let text = Money::new(rounded).display_grouped();
    let int = text.strip_suffix(".00").unwrap_or(&text);
    match (currency, int.strip_prefix('-')) {
        ("USD", Some(rest)) => format!("-${rest}"),
        ("USD", None) => format!("${int}"),
        _ => format!("{int} {currency}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        s.parse().expect("valid amount")
    }

    #[test]
    fn sums_exactly_where_floats_drift() {
        let total: Money = std::iter::repeat_n(m("0.1"), 10).sum();
        assert_eq!(total, m("1"));
        assert_eq!(m("0.0101516483") + m("0.0000000017"), m("0.01015165"));
    }

    #[test]
    fn displays_exact_and_normalised() {
        assert_eq!(m("12.3400").to_string(), "12.34");
        assert_eq!(m("-0.0000000123").to_string(), "-0.0000000123");
        assert_eq!(m("0.000").to_string(), "0");
    }

    #[test]
    fn cents_round_half_away_and_hide_negative_zero() {
        assert_eq!(m("2.345").cents().to_string(), "2.35");
        assert_eq!(m("-2.345").cents().to_string(), "-2.35");
        assert_eq!(m("-0.0000000123").cents().to_string(), "0.00");
        assert_eq!(m("7").cents().to_string(), "7.00");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(m("1234567.891").display_grouped(), "1,234,567.89");
        assert_eq!(m("-1234.5").display_grouped(), "-1,234.50");
        assert_eq!(m("999").display_grouped(), "999.00");
    }

    #[test]
    fn parses_aws_strings_and_rejects_garbage() {
        assert_eq!(m(" 5.5 "), m("5.50"));
        assert_eq!(m("1E-10"), m("0.0000000001"));
        assert!("12,50".parse::<Money>().is_err());
        assert!("".parse::<Money>().is_err());
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_parser() {
        for text in [
            "0",
            "-0",
            "12",
            "12.5",
            "-0.0000000123",
            "0.0101516483",
            "123456789.123456789",
            "999999999999999999",
            "1234567890.1234567891",
            "1.",
            "-.5",
            "+1",
            "1e3",
            "12,5",
        ] {
            let fast = parse_plain(text);
            let general = Decimal::from_str_exact(text).ok();
            if let Some(fast) = fast {
                assert_eq!(Some(fast), general, "{text}");
                assert_eq!(fast.scale(), general.map_or(0, |g| g.scale()), "{text}");
            }
        }
        assert!(
            parse_plain("1234567890.1234567891").is_none(),
            "too long: general path"
        );
        assert_eq!(
            m("1234567890.1234567891").to_string(),
            "1234567890.1234567891"
        );
    }

    #[test]
    fn serde_round_trips_as_strings() {
        let json = serde_json::to_string(&m("40.120")).expect("serialise");
        assert_eq!(json, "\"40.12\"");
        let back: Money = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, m("40.12"));
        assert!(serde_json::from_str::<Money>("40.12").is_err());
    }
}
