//! `awsdash budget set NAME --limit AMOUNT [--yes]`: a budget's new limit, shown before → after,
//! confirmed, sent as the whole budget just read, read back, and recorded in the audit log.

use std::io::{BufRead, IsTerminal, Write};

use chrono::{DateTime, Utc};

use crate::audit::AuditLog;
use crate::budget_limit::{WRITES_OFF, parse_limit};
use crate::cli::{BudgetAction, BudgetArgs};
use crate::error::AppError;
use crate::model::Money;
use crate::settings::Settings;
use crate::source::aws::budget_edit;
use crate::source::aws::client::Clients;
use crate::source::demo::DemoSource;
use crate::text::clean;

/// `--limit`'s text as a limit; the reason it is not one says which flag it came from.
fn limit_flag(text: &str) -> Result<Money, AppError> {
    parse_limit(text).map_err(|why| AppError::Usage(format!("--limit {text:?}: {why}")))
}

pub async fn run(
    settings: &Settings,
    args: &BudgetArgs,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let BudgetAction::Set { name, limit, yes } = &args.action;
    let limit = limit_flag(limit)?;
    if settings.demo {
        return simulate(settings, name, limit, now).await;
    }
    if !settings.aws.allow_writes {
        return Err(AppError::Usage(WRITES_OFF.into()));
    }
    let config = crate::source::aws::client::load(&settings.aws).await?;
    let clients = Clients::new(&config);
    let meter = crate::meter::Meter::new(
        Some(settings.cache_dir.join("api-calls.json")),
        settings.refresh.max_cost_explorer_calls_per_day,
    );
    let profile = settings.aws.advice_profile();
    let fail = |e: budget_edit::EditError| e.to_app_error(name, profile);
    let prepared = budget_edit::prepare(&clients, &meter, name, now)
        .await
        .map_err(fail)?;
    say(&format!(
        "budget {}: limit {} → {}",
        clean(name),
        prepared.shown(prepared.before),
        prepared.shown(limit)
    ))?;
    if !*yes && !confirmed()? {
        return Err(AppError::Usage("not confirmed; nothing was sent".into()));
    }
    let store = crate::store::from_settings(settings, &config);
    let audit = AuditLog::for_settings(settings, store.shared());
    let edited = budget_edit::apply(&clients, &meter, &prepared, limit, &audit, now)
        .await
        .map_err(fail)?;
    say(&edited.said)?;
    edited.recorded.map_err(AppError::Other)
}

/// Demo mode: the same before → after, said to be simulated; nothing is sent anywhere.
async fn simulate(
    settings: &Settings,
    name: &str,
    limit: Money,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let demo = DemoSource {
        exclude_credits: settings.view.exclude_credits,
    };
    let audit = AuditLog::for_settings(settings, None);
    let edited = demo
        .edit_budget(name, limit, &audit, now)
        .await
        .map_err(AppError::Usage)?;
    say(&edited.said)?;
    edited.recorded.map_err(AppError::Other)
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
    fn a_bad_limit_is_a_usage_error_that_names_the_flag() {
        for bad in ["0", "12.345", "abc"] {
            let err = limit_flag(bad).expect_err(bad);
            assert_eq!(err.exit_code(), std::process::ExitCode::from(2), "{bad}");
            assert!(err.to_string().starts_with("--limit"), "{err}");
        }
    }
}
