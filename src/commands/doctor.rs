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
    pub fn line(&self) -> String {
        let mark = if self.ok { "✓" } else { "✗" };
        format!("{mark} {:<28} {}", self.name, self.detail)
    }
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
    vec![
        Check {
            name: "config".into(),
            ok: true,
            detail: config,
        },
        writable("cache directory", &settings.cache_dir),
        writable("log directory", &settings.paths.data_dir),
    ]
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
async fn aws_checks(settings: &Settings) -> Vec<Check> {
    use crate::source::aws::{self, cloudwatch, source::Cheap};
    let now = Utc::now();
    let profile = settings.aws.profile.as_deref();
    let fail = |name: &str, e: &aws::FetchError| Check {
        name: name.into(),
        ok: false,
        detail: e.to_app_error(profile).to_string(),
    };
    let mut src = aws::from_settings(settings).await;
    let mut checks = Vec::new();
    let account = match src.account(now).await {
        Ok(id) => {
            checks.push(Check {
                name: "credentials and account".into(),
                ok: true,
                detail: format!(
                    "account {id}{}",
                    profile
                        .map(|p| format!(" (profile {p})"))
                        .unwrap_or_default()
                ),
            });
            id
        }
        Err(e) => {
            checks.push(fail("credentials and account", &e));
            return checks;
        }
    };
    let (cheap, errors) = src.cheap(now.date_naive(), now, &Cheap::default()).await;
    checks.push(
        match errors
            .iter()
            .find(|e| !matches!(e, aws::FetchError::Aws(a) if a.action.starts_with("cloudwatch")))
        {
            Some(e) => fail("Budgets", e),
            None => Check {
                name: "Budgets".into(),
                ok: true,
                detail: format!("{} budget(s) readable", cheap.budgets.len()),
            },
        },
    );
    checks.push(match cloudwatch::billing_metric_present(&src.clients, &src.meter, now).await {
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
    let today = now.date_naive();
    let probe = crate::model::Query {
        window: crate::model::Window::last_days(today, 1).unwrap_or(settings.query.window),
        filters: Default::default(),
    };
    checks.push(
        match aws::ce::forecast(
            &src.clients,
            &src.meter,
            today,
            &probe.filters,
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
    checks
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
        checks.extend(aws_checks(settings).await);
    }
    for check in &checks {
        println!("{}", check.line());
    }
    const LOCAL: [&str; 3] = ["config", "cache directory", "log directory"];
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
