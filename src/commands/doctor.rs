//! `awsdash doctor`: one line per check with ✓/✗ and, for each failure, the fix.

use chrono::Utc;

use crate::error::AppError;
use crate::settings::Settings;

/// The outcome of one check.
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    /// `✓ name   detail`, the name padded to `name_width` so the details line up.
    pub fn line(&self, name_width: usize) -> String {
        let mark = if self.ok { "✓" } else { "✗" };
        let name = crate::text::left(&self.name, name_width, "…");
        format!("{mark} {name} {}", crate::text::clean(&self.detail))
    }
}

/// Every check's line, aligned on the longest name.
pub fn lines(checks: &[Check]) -> Vec<String> {
    let width = checks
        .iter()
        .map(|c| crate::text::width(&c.name))
        .max()
        .unwrap_or(0);
    checks.iter().map(|c| c.line(width)).collect()
}

/// Local checks that need no AWS call: config, cache and log locations.
pub fn local_checks(settings: &Settings) -> Vec<Check> {
    let config = if settings.config_file.exists() {
        format!("{} (valid)", settings.config_file.display())
    } else {
        format!(
            "{} (not present; defaults in use — see config.example.toml)",
            settings.config_file.display()
        )
    };
    let mut checks = vec![
        Check {
            name: "config".into(),
            ok: true,
            detail: config,
        },
        writable("cache directory", &settings.cache_dir),
        writable("log directory", &settings.paths.data_dir),
    ];
    if !settings.alerts.sink.is_empty() {
        checks.push(alert_sinks(settings));
    }
    checks
}

/// The sinks resolve (their variables are set), and a config file that holds a sink's URL
/// or secret is readable by its owner only: a Slack webhook URL is a credential.
fn alert_sinks(settings: &Settings) -> Check {
    let name = "alert sinks".to_string();
    let fail = |detail: String| Check {
        name: name.clone(),
        ok: false,
        detail,
    };
    for sink in &settings.alerts.sink {
        if let Err(e) = crate::alerts::sinks::Sink::resolve(sink, &crate::settings::process_env) {
            return fail(e);
        }
    }
    let holds_secret = settings.alerts.sink.iter().any(|s| s.holds_a_secret());
    #[cfg(unix)]
    if holds_secret {
        use std::os::unix::fs::PermissionsExt;
        let open = std::fs::metadata(&settings.config_file)
            .map(|m| m.permissions().mode() & 0o077 != 0)
            .unwrap_or(false);
        if open {
            return fail(format!(
                "{} holds a sink URL or secret and other users can read it: chmod 600 {} (or move the secret to url_env / secret_env)",
                settings.config_file.display(),
                settings.config_file.display()
            ));
        }
    }
    let names: Vec<String> = settings
        .alerts
        .sink
        .iter()
        .map(|s| format!("{} ({})", s.name, s.kind.name()))
        .collect();
    Check {
        name,
        ok: true,
        detail: format!(
            "{} — `awsdash alerts test` sends each a test message",
            names.join(", ")
        ),
    }
}

fn writable(name: &str, dir: &std::path::Path) -> Check {
    let probe = dir.join(".awsdash-doctor");
    let result = std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&probe, b"ok"))
        .and_then(|_| std::fs::remove_file(&probe));
    Check {
        name: name.into(),
        ok: result.is_ok(),
        detail: match result {
            Ok(()) => format!("{} (writable)", dir.display()),
            Err(e) => format!(
                "{}: {e} — fix the permissions or choose another [cache] dir",
                dir.display()
            ),
        },
    }
}

/// Checks against AWS, one per source, each saying how to fix a failure. The Cost Explorer
/// check makes one paid request ($0.01) and says so.
async fn aws_checks(settings: &Settings) -> Result<Vec<Check>, AppError> {
    use crate::source::aws::{self, cloudwatch};
    let now = Utc::now();
    let src = aws::from_settings(settings, true).await?;
    let profile = src.options.profile.clone();
    let fail = |name: &str, e: &aws::FetchError| Check {
        name: name.into(),
        ok: false,
        detail: e.to_app_error(profile.as_deref()).to_string(),
    };
    let mut checks = Vec::new();
    let account = match src.account(now).await {
        Ok(id) => {
            checks.push(Check {
                name: "credentials and account".into(),
                ok: true,
                detail: format!(
                    "account {id}{}",
                    profile
                        .as_deref()
                        .map(|p| format!(" (profile {p})"))
                        .unwrap_or_default()
                ),
            });
            id
        }
        Err(e) => {
            checks.push(fail("credentials and account", &e));
            return Ok(checks);
        }
    };
    if let Some(shared) = src.store.shared() {
        let checked =
            crate::store::table::check(shared.client(), shared.table(), shared.leases().holder())
                .await;
        checks.push(Check {
            name: "shared store (DynamoDB)".into(),
            ok: checked.is_ok(),
            detail: checked.unwrap_or_else(|why| why),
        });
    }
    let today = now.date_naive();
    let (answers, present) = tokio::join!(
        src.cheap(&account, today, now),
        cloudwatch::billing_metric_present(&src.clients, &src.meter, now)
    );
    checks.push(match &answers.budgets {
        Ok(budgets) => Check {
            name: "Budgets".into(),
            ok: true,
            detail: format!("{} budget(s) readable", budgets.len()),
        },
        Err(e) => fail("Budgets", e),
    });
    checks.push(match present {
        Ok(true) => Check {
            name: "CloudWatch billing metric".into(),
            ok: true,
            detail: "AWS/Billing EstimatedCharges is published".into(),
        },
        Ok(false) => Check {
            name: "CloudWatch billing metric".into(),
            ok: false,
            detail: "no AWS/Billing EstimatedCharges: enable \"Receive Billing Alerts\" in the Billing console preferences (as root or a billing admin); data appears within hours".into(),
        },
        Err(e) => fail("CloudWatch billing metric", &e),
    });
    checks.push(
        match aws::ce::forecast(
            &src.clients,
            &src.meter,
            today,
            &Default::default(),
            settings.view.metric,
            false,
            now,
        )
        .await
        {
            Ok(_) => Check {
                name: "Cost Explorer".into(),
                ok: true,
                detail: format!("reachable for account {account} (this check cost $0.01)"),
            },
            Err(e) => fail("Cost Explorer (check costs $0.01)", &e),
        },
    );
    checks.extend(super::doctor_views::checks(&src, &account, today).await);
    Ok(checks)
}

pub async fn run(settings: &Settings) -> Result<(), AppError> {
    let mut checks = local_checks(settings);
    if settings.demo {
        checks.push(Check {
            name: "data source".into(),
            ok: true,
            detail: "demo (no AWS calls are made)".into(),
        });
    } else {
        checks.extend(aws_checks(settings).await?);
    }
    for line in lines(&checks) {
        println!("{line}");
    }
    const LOCAL: [&str; 4] = ["config", "cache directory", "log directory", "alert sinks"];
    match checks.iter().find(|c| !c.ok) {
        None => Ok(()),
        Some(c) if LOCAL.contains(&c.name.as_str()) => Err(AppError::Usage(
            "some checks failed: see the fixes above".into(),
        )),
        Some(c) if c.name.starts_with("credentials") || c.detail.contains("access denied") => Err(
            AppError::Credentials("some checks failed: see the fixes above".into()),
        ),
        Some(_) => Err(AppError::Unavailable(
            "some checks failed: see the fixes above".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_detail_starts_in_the_same_column() {
        let check = |name: &str, ok| Check {
            name: name.into(),
            ok,
            detail: "detail".into(),
        };
        let checks = [
            check("config", true),
            check("Cost Explorer (check costs $0.01)", false),
            check("credentials and account", true),
        ];
        let columns: Vec<usize> = lines(&checks)
            .iter()
            .map(|l| crate::text::width(&l[..l.find("detail").expect("detail")]))
            .collect();
        assert!(columns.windows(2).all(|w| w[0] == w[1]), "{columns:?}");
    }
}
