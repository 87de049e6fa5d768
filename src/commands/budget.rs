//! `awsdash budget set NAME --limit AMOUNT [--yes]`: a budget's new limit, shown before → after,
//! confirmed, sent as the whole budget just read, read back, and recorded in the audit log.

use std::io::{BufRead, IsTerminal, Write};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::audit::{Action, AuditLog, Outcome};
use crate::cli::{BudgetAction, BudgetArgs};
use crate::error::AppError;
use crate::model::Money;
use crate::settings::Settings;
use crate::source::aws::budget_edit::{self, WRITE_ACTION};
use crate::source::aws::client::Clients;
use crate::text::clean;

/// Above this a limit is a typo (an extra zero or two), not a budget.
const ABSURD: i64 = 1_000_000_000;

/// The new limit: an exact decimal of at most two places, above zero and below [`ABSURD`].
pub fn parse_limit(text: &str) -> Result<Money, AppError> {
    let bad = |why: &str| AppError::Usage(format!("--limit {text:?}: {why}"));
    let value = Decimal::from_str_exact(text.trim())
        .map_err(|_| bad("not an amount; write it like 1200 or 1200.50"))?;
    if value <= Decimal::ZERO {
        return Err(bad("a budget limit must be more than zero"));
    }
    if value.normalize().scale() > 2 {
        return Err(bad("at most two decimal places (cents)"));
    }
    if value >= Decimal::from(ABSURD) {
        return Err(bad(
            "more than a billion looks like a typo; nothing was changed",
        ));
    }
    Ok(Money::new(value.round_dp(2)))
}

pub async fn run(
    settings: &Settings,
    args: &BudgetArgs,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let BudgetAction::Set { name, limit, yes } = &args.action;
    let limit = parse_limit(limit)?;
    if settings.demo {
        return simulate(settings, name, limit, now).await;
    }
    if !settings.aws.allow_writes {
        return Err(AppError::Usage(
            "budget edits are off: set [aws] allow_writes = true in the config (and attach assets/iam-policy-budgets-write.json); nothing was sent".into(),
        ));
    }
    let config = crate::source::aws::client::load(&settings.aws).await?;
    let clients = Clients::new(&config);
    let meter = crate::meter::Meter::new(
        Some(settings.cache_dir.join("api-calls.json")),
        settings.refresh.max_cost_explorer_calls_per_day,
    );
    let profile = settings.aws.advice_profile();
    let fail = |e: crate::source::aws::FetchError| e.to_app_error(profile);
    let (account, who) = budget_edit::caller(&clients, &meter, now)
        .await
        .map_err(fail)?;
    let budget = budget_edit::read(&clients, &meter, &account, name, now)
        .await
        .map_err(fail)?;
    let (before, unit) = budget_edit::limit(&budget).map_err(AppError::Usage)?;
    let shown = |m: Money| format!("{} {}", cents(m), clean(&unit));
    say(&format!(
        "budget {}: limit {} → {}",
        clean(name),
        shown(before),
        shown(limit)
    ))?;
    if !*yes && !confirmed()? {
        return Err(AppError::Usage("not confirmed; nothing was sent".into()));
    }
    let store = crate::store::from_settings(settings, &config);
    let audit = AuditLog::for_settings(settings, store.shared());
    let action = Action::BudgetEdit {
        who,
        budget: name.clone(),
        before: shown(before),
        after: shown(limit),
    };
    let sent = budget_edit::set_limit(&clients, &meter, &account, &budget, limit, now).await;
    let outcome = match &sent {
        Ok(back) if *back == limit => Outcome::Ok,
        Err(e) if budget_edit::is_denied(e) => Outcome::Denied,
        _ => Outcome::Failed,
    };
    let recorded = audit.record(action, outcome, now).await;
    match sent {
        Ok(back) if back == limit => {
            say(&format!(
                "budget {}: limit is now {} (read back from AWS)",
                clean(name),
                shown(back)
            ))?;
        }
        Ok(back) => {
            return Err(AppError::Unavailable(format!(
                "budget {}: AWS accepted the change but reads back a limit of {}",
                clean(name),
                shown(back)
            )));
        }
        Err(e) if budget_edit::is_denied(&e) => {
            let detail = match &e {
                crate::source::aws::FetchError::Aws(a) => a.detail.clone(),
                other => other.to_string(),
            };
            return Err(AppError::Credentials(format!(
                "access denied: changing a budget needs {WRITE_ACTION} — attach assets/iam-policy-budgets-write.json [{detail}]"
            )));
        }
        Err(e) => return Err(fail(e)),
    }
    recorded.map_err(AppError::Other)
}

/// Demo mode: the same before → after, said to be simulated; nothing is sent anywhere.
async fn simulate(
    settings: &Settings,
    name: &str,
    limit: Money,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let fetched = super::fetch_once(settings, &crate::poller::Wants::default(), now).await?;
    let snapshot = fetched.snapshot_or_exit()?;
    let budget = snapshot
        .budgets
        .iter()
        .find(|b| b.name == name)
        .ok_or_else(|| {
            AppError::Usage(format!(
                "the demo account has no budget named {:?}",
                clean(name)
            ))
        })?;
    let currency = clean(&snapshot.currency).into_owned();
    say(&format!(
        "demo: budget {}: limit {} {currency} → {} {currency} — simulated, nothing was sent",
        clean(name),
        cents(budget.limit),
        cents(limit)
    ))?;
    let audit = AuditLog::for_settings(settings, None);
    let action = Action::BudgetEdit {
        who: "demo".into(),
        budget: name.to_string(),
        before: format!("{} {currency}", cents(budget.limit)),
        after: format!("{} {currency}", cents(limit)),
    };
    audit
        .record(action, Outcome::Simulated, now)
        .await
        .map_err(AppError::Other)
}

/// An amount to the cent, as people read a limit ("1000.00", not "1000").
fn cents(m: Money) -> String {
    format!("{:.2}", m.amount())
}

fn say(line: &str) -> Result<(), AppError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| AppError::Other(format!("cannot write to stdout: {e}")))
}

/// Asks on the terminal; without one (a script) the answer is no — scripts pass `--yes`.
fn confirmed() -> Result<bool, AppError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(AppError::Usage(
            "no terminal to confirm on: pass --yes to change the budget from a script; nothing was sent".into(),
        ));
    }
    print!("Change it? [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| AppError::Other(e.to_string()))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_exact_cents_above_zero_and_below_absurd() {
        assert_eq!(cents(parse_limit("1200").expect("ok")), "1200.00");
        assert_eq!(cents(parse_limit(" 0.10 ").expect("ok")), "0.10");
        for bad in ["0", "-5", "abc", "1.005", "1e3", "1000000000", ""] {
            let err = parse_limit(bad).expect_err(bad);
            assert_eq!(err.exit_code(), std::process::ExitCode::from(2), "{bad}");
        }
    }
}
