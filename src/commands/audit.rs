//! `awsdash audit [--since DATE] [--json]`: the audit log, oldest first — the team's table
//! with the shared store, else this machine's file.

use std::io::Write;

use chrono::{DateTime, Days, Utc};

use crate::audit::{Action, AuditLog, Line};
use crate::cli::AuditArgs;
use crate::config::StoreKind;
use crate::error::AppError;
use crate::settings::Settings;
use crate::text::clean;

/// How far back `audit` looks without `--since`.
const DEFAULT_DAYS: u64 = 30;

pub async fn run(
    settings: &Settings,
    args: &AuditArgs,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let today = now.date_naive();
    let since = args
        .since
        .unwrap_or_else(|| today - Days::new(DEFAULT_DAYS));
    let log = match settings.store.kind == StoreKind::Dynamodb && !settings.demo {
        true => {
            let config = crate::source::aws::client::load(&settings.aws).await?;
            AuditLog::for_settings(settings, Some(&crate::store::shared(settings, &config)))
        }
        false => AuditLog::for_settings(settings, None),
    };
    let lines = log
        .read(since, today)
        .await
        .map_err(AppError::Unavailable)?;
    let text = match args.json {
        true => format!(
            "{}\n",
            serde_json::to_string_pretty(&lines).map_err(|e| AppError::Other(e.to_string()))?
        ),
        false => table(&lines),
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(AppError::Other(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// What one line did, in words; every text from AWS or the config is cleaned of control
/// characters (a budget name is whatever its owner typed).
fn detail(action: &Action) -> (String, String) {
    match action {
        Action::BudgetEdit {
            who,
            budget,
            before,
            after,
        } => (
            "budget edit".into(),
            format!(
                "{}: {} → {} by {}",
                clean(budget),
                clean(before),
                clean(after),
                clean(who)
            ),
        ),
        Action::Delivery { what, sink, id } => (
            format!("{} delivery", what.word()),
            format!("to {} (id {})", clean(sink), clean(id)),
        ),
        Action::PaidCall {
            operation,
            pages,
            cost,
        } => (
            "paid call".into(),
            format!("{} · {pages} page(s) · ${cost}", clean(operation)),
        ),
    }
}

fn table(lines: &[Line]) -> String {
    if lines.is_empty() {
        return "no audited actions in this period\n".into();
    }
    let mut out = format!(
        "{:<20} {:<16} {:<10} {:<24} {}\n",
        "AT (UTC)", "ACTION", "RESULT", "BY", "DETAIL"
    );
    for line in lines {
        let (action, detail) = detail(&line.action);
        out.push_str(&format!(
            "{:<20} {:<16} {:<10} {:<24} {}\n",
            line.at.format("%Y-%m-%d %H:%M:%S"),
            action,
            line.result.word(),
            clean(&line.by),
            detail
        ));
    }
    out
}
