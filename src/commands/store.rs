//! `awsdash store init` and `awsdash store status`: the team's shared DynamoDB table.

use std::io::Write;

use chrono::Utc;

use crate::cli::{StoreAction, StoreArgs};
use crate::config::StoreKind;
use crate::error::AppError;
use crate::settings::Settings;
use crate::store::table::{self, Entry};
use crate::text::clean;

pub async fn run(settings: &Settings, args: &StoreArgs) -> Result<(), AppError> {
    if settings.demo {
        return Err(AppError::Usage(
            "--demo makes no AWS call: the store commands need a real (or emulated) DynamoDB"
                .into(),
        ));
    }
    let config = crate::source::aws::client::load(&settings.aws).await?;
    let store = crate::store::shared(settings, &config);
    let client = store.client();
    let name = &settings.store.table;
    let mut text = String::new();
    match &args.action {
        StoreAction::Init => {
            for line in table::init(client, name).await? {
                text.push_str(&format!("{line}\n"));
            }
            if settings.store.kind == StoreKind::Disk {
                text.push_str(
                    "[store] kind is \"disk\": set kind = \"dynamodb\" for awsdash to use the table\n",
                );
            }
        }
        StoreAction::Status { json } => {
            let now = Utc::now();
            let entries = table::entries(client, name, now).await.map_err(|e| {
                let advice = e.advice(None);
                if e.is_permission() {
                    AppError::Credentials(advice)
                } else {
                    AppError::Unavailable(advice)
                }
            })?;
            let counter = store.counter(settings.refresh.max_cost_explorer_calls_per_day);
            let calls = counter.on(now.date_naive()).await.ok();
            text = if *json {
                let value = serde_json::json!({
                    "table": name,
                    "team_cost_explorer_calls_today": calls,
                    "entries": entries,
                });
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                )
            } else {
                status_table(name, &entries, calls, now)
            };
        }
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(AppError::Other(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// One line per cached answer: kind, account, age, generation, who fetched it, who refreshes.
fn status_table(
    name: &str,
    entries: &[Entry],
    calls: Option<u64>,
    now: chrono::DateTime<Utc>,
) -> String {
    let mut out = format!(
        "table {name}: {} cached answer(s); team paid Cost Explorer calls today (UTC): {}\n",
        entries.len(),
        calls.map_or("unknown".into(), |c| c.to_string())
    );
    if entries.is_empty() {
        return out;
    }
    out.push_str(&format!(
        "{:<13} {:<13} {:>9} {:>4}  {:<28} {}\n",
        "KIND", "ACCOUNT", "AGE", "GEN", "FETCHED BY", "LEASE"
    ));
    for e in entries {
        let age = e
            .fetched_at
            .map_or("-".into(), |t| crate::ui::format::age(now, t));
        let lease = match &e.lease {
            Some(l) => format!(
                "refreshing — by {} (until {})",
                clean(&l.holder),
                l.until.format("%H:%M:%SZ")
            ),
            None => "-".into(),
        };
        out.push_str(&format!(
            "{:<13} {:<13} {:>9} {:>4}  {:<28} {}\n",
            clean(&e.kind),
            clean(&e.account),
            age,
            e.generation.map_or("-".into(), |g| g.to_string()),
            clean(e.fetched_by.as_deref().unwrap_or("-")),
            lease
        ));
    }
    out
}
