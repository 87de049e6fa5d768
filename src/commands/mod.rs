//! One module per subcommand.

pub mod alerts;
pub mod audit;
pub mod budget;
pub mod collect;
pub mod dashboard;
pub mod doctor;
mod doctor_views;
pub mod report;
pub mod schedule;
pub mod snapshot;
pub mod store;

use chrono::{DateTime, Utc};

use crate::alerts::findings::{annotate, facts_from_own_cube};
use crate::alerts::rules::{RuleFacts, rule_query};
use crate::error::AppError;
use crate::model::{Problems, Snapshot};
use crate::poller::{Sections, Wants};
use crate::settings::Settings;
use crate::source::aws::FetchError;
use crate::source::aws::anomalies::AwsFindings;
use crate::source::aws::sections::Mode;
use crate::source::aws::source::{Cheap, Parts, PickerValues, Refresh, assemble};
use crate::source::demo::DemoSource;

/// One section of a snapshot that could not be fetched, and what to tell the user.
#[derive(Debug)]
pub struct Failure {
    /// How the section is named on stderr ("Budgets", "Cost Explorer", …).
    pub section: &'static str,
    pub error: AppError,
}

/// A snapshot, with what went wrong on the way. `snapshot` is `None` only when there is
/// nothing at all to show; with failures it holds what did arrive (and cached numbers, marked
/// stale, where fresh ones did not).
pub struct Fetched {
    pub snapshot: Option<Snapshot>,
    pub failures: Vec<Failure>,
    /// Things worth saying that are no failure of this run (a cache entry that cannot be
    /// written, so the next run pays again).
    pub notes: Vec<String>,
}

impl Fetched {
    /// The exit code the README defines for the worst failure: credentials or permissions (3)
    /// over AWS unavailable (4) over a refused request (2).
    pub fn worst(&self) -> Option<&AppError> {
        let rank = |e: &AppError| match e {
            AppError::Credentials(_) => 0,
            AppError::Unavailable(_) => 1,
            AppError::Usage(_) | AppError::Config(_) => 2,
            _ => 3,
        };
        self.failures
            .iter()
            .map(|f| &f.error)
            .min_by_key(|e| rank(e))
    }

    /// The snapshot, or the worst failure's exit code when nothing could be read at all (the
    /// failures themselves were said by [`say_failures`]).
    pub fn snapshot_or_exit(&self) -> Result<&Snapshot, AppError> {
        self.snapshot.as_ref().ok_or_else(|| {
            self.worst().map_or(AppError::Other("no data".into()), |e| {
                AppError::Reported(e.code())
            })
        })
    }
}

/// Says each failed section on its own line of stderr, once, and the notes after them.
pub fn say_failures(fetched: &Fetched) {
    use crate::text::clean_lines;
    for failure in &fetched.failures {
        eprintln!(
            "awsdash: {}: {}",
            failure.section,
            clean_lines(&failure.error.to_string())
        );
    }
    for note in &fetched.notes {
        eprintln!("awsdash: {}", clean_lines(note));
    }
}

/// The AWS poller for `settings` and the alert engine of its sinks (none without sinks), not
/// yet started: what the dashboard and `collect` run.
pub async fn aws_poller(
    settings: &Settings,
) -> Result<
    (
        crate::poller::AwsPoller,
        Option<crate::alerts::engine::Engine>,
    ),
    AppError,
> {
    let source = crate::source::aws::from_settings(settings, false).await?;
    let interval = chrono::Duration::seconds(settings.refresh.interval_secs as i64);
    let engine = match settings.alerts.sink.is_empty() {
        true => None,
        false => Some(alerts::engine(settings).await?),
    };
    // Budget edits are recorded where `budget set` records them (the team's table too).
    let audit = settings
        .aws
        .allow_writes
        .then(|| crate::audit::AuditLog::for_settings(settings, source.store.shared()));
    let mut poller = crate::poller::AwsPoller::new(source, settings.query.clone(), interval)
        .watching(settings.alerts.clone(), settings.view.days);
    if let Some(audit) = audit {
        poller = poller.allowing_writes(audit);
    }
    Ok((poller, engine))
}

/// Fetches one snapshot for `settings` from the demo account or AWS. The free sources and Cost
/// Explorer are asked side by side; a failing section is reported, never silently empty, and a
/// failed Cost Explorer refresh falls back to the cached answer (any age), marked stale.
///
/// `wants` names the analysis sections to add (`snapshot --include`); each is fetched only
/// when the store has no fresh answer, and a failing one is reported like any section.
pub async fn fetch_once(
    settings: &Settings,
    wants: &Wants,
    now: DateTime<Utc>,
) -> Result<Fetched, AppError> {
    let today = now.date_naive();
    if settings.demo {
        let demo = DemoSource {
            exclude_credits: settings.view.exclude_credits,
        };
        let snapshot =
            crate::poller::demo_snapshot(&demo, &settings.query, &settings.alerts, wants, now);
        return Ok(Fetched {
            snapshot: Some(snapshot),
            failures: Vec::new(),
            notes: Vec::new(),
        });
    }
    let aws = crate::source::aws::from_settings(settings, true).await?;
    let profile = aws.options.profile.clone();
    let fail = |section, e: &FetchError| Failure {
        section,
        error: e.to_app_error(profile.as_deref()),
    };
    let query = &settings.query;
    let mut failures = Vec::new();
    let mut problems = Problems::default();
    let account = match aws.account(now).await {
        Ok(id) => id,
        Err(e) => {
            // Nothing else can be asked without working credentials, but the numbers last
            // cached for these credentials are still worth printing, marked stale.
            let failure = fail("credentials", &e);
            let Some(id) = aws.remembered_account().await else {
                return Err(failure.error);
            };
            let Some(cube) = aws.last_cube(&id, query, today).await else {
                return Err(failure.error);
            };
            problems.account = Some(failure.error.to_string());
            let forecast = aws.last_forecast(&id, query, today).await.flatten();
            let picker = aws
                .last_picker_values(&id, query.window)
                .await
                .unwrap_or_default();
            let snapshot = assemble(Parts {
                query,
                today,
                now,
                account_id: Some(id.to_string()),
                cube: Some(&cube),
                forecast,
                cheap: &Cheap::default(),
                picker: &picker,
                meter: &aws.meter,
                stale: true,
                refreshing_by: None,
                problems,
            });
            return Ok(Fetched {
                snapshot: Some(snapshot),
                failures: vec![failure],
                notes: aws.store.take_problems(),
            });
        }
    };
    let force = !settings.use_cache;
    let paid = async {
        let cube = aws
            .cube(&account, query, today, now, Refresh::forced(force))
            .await;
        let forecast = match &cube {
            Ok(_) => Some(aws.forecast(&account, query, today, now, force).await),
            Err(_) => None,
        };
        // AWS's own anomalies and the user rules' own cubes: only once the cube shows Cost
        // Explorer answers (and the cap allows); cached like the cube.
        let extra = match &cube {
            Ok(_) => Some((
                aws.aws_anomalies(&account, today, now, force).await,
                rule_cubes(&aws, &account, settings, today, now).await,
            )),
            Err(_) => None,
        };
        (cube, forecast, extra)
    };
    let ((cube, forecast, extra), answers) = tokio::join!(paid, aws.cheap(&account, today, now));

    let mut refreshing_by = None;
    let (cube, stale) = match cube {
        Ok(cube) => (Some(cube), false),
        Err(e) => {
            if let FetchError::Busy(by) = &e {
                refreshing_by = Some(by.clone());
            }
            let failure = fail("Cost Explorer", &e);
            problems.cost_explorer = Some(failure.error.to_string());
            failures.push(failure);
            let last = aws.last_cube(&account, query, today).await;
            let stale = last.is_some();
            (last, stale)
        }
    };
    let forecast = match forecast {
        Some(Ok(f)) => f,
        Some(Err(e)) => {
            let failure = fail("forecast", &e);
            problems.forecast = Some(failure.error.to_string());
            failures.push(failure);
            aws.last_forecast(&account, query, today).await.flatten()
        }
        // The cube came from the cache (or not at all): so does its forecast.
        None => aws.last_forecast(&account, query, today).await.flatten(),
    };
    let mut cheap = Cheap::default();
    let failed = cheap.absorb(answers, now);
    if let Some(e) = failed.budgets {
        let failure = fail("Budgets", &e);
        problems.budgets = Some(failure.error.to_string());
        failures.push(failure);
    }
    if let Some(e) = failed.cloudwatch {
        let failure = fail("CloudWatch", &e);
        problems.cloudwatch = Some(failure.error.to_string());
        failures.push(failure);
    }
    let picker = aws
        .last_picker_values(&account, query.window)
        .await
        .unwrap_or_else(PickerValues::default);
    let (findings, rules) = match extra {
        Some((findings, rules)) => (findings, rules),
        None => (Ok(AwsFindings::Unknown), Vec::new()),
    };
    let findings = findings.unwrap_or_else(|e| {
        // AWS's anomalies are a bonus: a failure is a note, not a failed section.
        let why = e.to_app_error(profile.as_deref()).to_string();
        AwsFindings::NotSetUp(format!("AWS's anomalies could not be read: {why}"))
    });
    let mut snapshot = assemble(Parts {
        query,
        today,
        now,
        account_id: Some(account.clone()),
        cube: cube.as_ref(),
        forecast,
        cheap: &cheap,
        picker: &picker,
        meter: &aws.meter,
        stale,
        refreshing_by,
        problems,
    });
    let mut facts = facts_from_own_cube(&snapshot, &settings.alerts);
    facts.extend(rules);
    annotate(&mut snapshot, &settings.alerts, &findings, &facts);
    if !wants.sections.is_empty() {
        let mut sections = Sections::new(wants.clone());
        let breakdown = snapshot.breakdown();
        let mode = Mode::Fetch(Refresh::forced(force));
        let failed = sections
            .refresh(
                &aws,
                &account,
                query,
                breakdown.as_ref(),
                &wants.sections,
                mode,
                now,
            )
            .await;
        for (section, e) in failed {
            failures.push(fail(section.name(), &e));
        }
        snapshot.analysis = sections.analysis;
    }
    Ok(Fetched {
        snapshot: Some(snapshot),
        failures,
        notes: aws.store.take_problems(),
    })
}

/// The cubes of the rules the run's own cube cannot answer (other account or tag filters):
/// one query each, cached like every cube. A rule whose cube cannot be had is left out
/// (logged): it is judged on the next run.
async fn rule_cubes(
    aws: &crate::source::aws::source::AwsSource,
    account: &str,
    settings: &Settings,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Vec<RuleFacts> {
    let own = crate::source::aws::source::remote_filters(&settings.query.filters);
    let mut out = Vec::new();
    for rule in &settings.alerts.rule {
        let query = rule_query(rule, &settings.query);
        if query.filters == own && own == settings.query.filters {
            continue;
        }
        match aws
            .cube(account, &query, today, now, Refresh::IfStale)
            .await
        {
            Ok(cube) => out.push(RuleFacts::from_cube(rule, &cube.value, today)),
            Err(e) => tracing::warn!(rule = %rule.name, "cannot judge the rule: {e}"),
        }
    }
    out
}
