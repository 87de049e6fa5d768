//! The analysis sections of the JSON contract (`snapshot --include`), added beside the
//! overview's keys: only the sections the snapshot carries, amounts as decimal strings.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::Money;
use crate::model::analysis::{
    AccountsReport, Analysis, ChangesReport, CreditsReport, Driver, Mover, RecordTotals,
    SavingsReport, TagsReport,
};

#[derive(Serialize)]
struct TagsOut<'a> {
    key: &'a str,
    values: Vec<ValueOut<'a>>,
    untagged: UntaggedOut,
    active_keys: Option<&'a [String]>,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct ValueOut<'a> {
    value: &'a str,
    cost: Money,
}

#[derive(Serialize)]
struct UntaggedOut {
    cost: Money,
    #[serde(with = "rust_decimal::serde::str_option")]
    percent: Option<Decimal>,
}

#[derive(Serialize)]
struct AccountOut<'a> {
    id: &'a str,
    name: Option<&'a str>,
    cost: Money,
    month_to_date: Money,
    previous_month_same_days: Money,
}

#[derive(Serialize)]
struct ChangesOut<'a> {
    movers: &'a [Mover],
    drivers: Option<Vec<DriverOut<'a>>>,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct DriverOut<'a> {
    selector: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    name: &'a str,
    baseline: Money,
    comparison: Money,
    difference: Money,
}

#[derive(Serialize)]
struct CreditsOut<'a> {
    this_month: &'a RecordTotals,
    last_month: &'a RecordTotals,
    balances: Option<Vec<BalanceOut<'a>>>,
    runway_until: Option<NaiveDate>,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct BalanceOut<'a> {
    description: &'a str,
    remaining: Money,
    expires: Option<NaiveDate>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum SavingsOut<'a> {
    Found {
        total_monthly: Money,
        items: Vec<ItemOut<'a>>,
    },
    Unavailable {
        unavailable: &'a str,
    },
}

#[derive(Serialize)]
struct ItemOut<'a> {
    action: &'a str,
    resource_id: &'a str,
    resource_type: &'a str,
    region: &'a str,
    account: &'a str,
    monthly_savings: Money,
}

fn tags(t: &TagsReport) -> TagsOut<'_> {
    TagsOut {
        key: &t.key,
        values: t
            .values
            .iter()
            .map(|v| ValueOut {
                value: &v.value,
                cost: v.cost,
            })
            .collect(),
        untagged: UntaggedOut {
            cost: t.untagged.cost,
            percent: t.untagged.percent,
        },
        active_keys: t.active_keys.as_deref(),
        note: t.note.as_deref(),
    }
}

fn accounts(a: &AccountsReport) -> Vec<AccountOut<'_>> {
    a.accounts
        .iter()
        .map(|a| AccountOut {
            id: &a.id,
            name: a.name.as_deref(),
            cost: a.cost,
            month_to_date: a.month_to_date,
            previous_month_same_days: a.previous_month_same_days,
        })
        .collect()
}

fn driver(d: &Driver) -> DriverOut<'_> {
    DriverOut {
        selector: &d.selector,
        kind: &d.kind,
        name: &d.name,
        baseline: d.baseline,
        comparison: d.comparison,
        difference: d.difference,
    }
}

fn changes(c: &ChangesReport) -> ChangesOut<'_> {
    ChangesOut {
        movers: &c.movers,
        drivers: c.drivers.as_ref().map(|d| d.iter().map(driver).collect()),
        note: c.note.as_deref(),
    }
}

fn credits(c: &CreditsReport) -> CreditsOut<'_> {
    CreditsOut {
        this_month: &c.this_month,
        last_month: &c.last_month,
        balances: c.balances.as_ref().map(|b| {
            b.iter()
                .map(|b| BalanceOut {
                    description: &b.description,
                    remaining: b.remaining,
                    expires: b.expires,
                })
                .collect()
        }),
        runway_until: c.runway_until,
        note: c.note.as_deref(),
    }
}

fn savings(s: &SavingsReport) -> SavingsOut<'_> {
    match s {
        SavingsReport::Found {
            total_monthly,
            items,
            ..
        } => SavingsOut::Found {
            total_monthly: *total_monthly,
            items: items
                .iter()
                .map(|r| ItemOut {
                    action: &r.action,
                    resource_id: &r.resource_id,
                    resource_type: &r.resource_type,
                    region: &r.region,
                    account: &r.account,
                    monthly_savings: r.monthly_savings,
                })
                .collect(),
        },
        SavingsReport::Unavailable { reason } => SavingsOut::Unavailable {
            unavailable: reason,
        },
    }
}

fn value(v: impl Serialize) -> Value {
    // Plain structs of strings and options: serialising them cannot fail.
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Adds each section `analysis` carries to the contract object.
pub fn add(out: &mut Map<String, Value>, analysis: &Analysis) {
    if let Some(t) = &analysis.tags {
        out.insert("tags".into(), value(tags(t)));
    }
    if let Some(a) = &analysis.accounts {
        out.insert("accounts".into(), value(accounts(a)));
    }
    if let Some(c) = &analysis.changes {
        out.insert("changes".into(), value(changes(c)));
    }
    if let Some(c) = &analysis.credits {
        out.insert("credits".into(), value(credits(c)));
    }
    if let Some(s) = &analysis.savings {
        out.insert("savings".into(), value(savings(s)));
    }
}
