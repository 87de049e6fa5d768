//! One module per subcommand.

pub mod dashboard;
pub mod doctor;
pub mod snapshot;

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::model::Snapshot;
use crate::settings::Settings;
use crate::source::aws::source::{Cheap, Parts, assemble};
use crate::source::demo::DemoSource;

/// A snapshot, and the failure that made it stale if it is one (printed, then exit non-zero).
pub struct Fetched {
    pub snapshot: Snapshot,
    pub failure: Option<AppError>,
}

/// Fetches one snapshot for `settings` from the demo account or AWS. When Cost Explorer fails
/// and a cached cube exists, that cube is returned marked stale together with the failure.
pub async fn fetch_once(settings: &Settings, now: DateTime<Utc>) -> Result<Fetched, AppError> {
    let today = now.date_naive();
    if settings.demo {
        let demo = DemoSource {
            exclude_credits: settings.view.exclude_credits,
        };
        return Ok(Fetched {
            snapshot: demo.snapshot(&settings.query, today, now),
            failure: None,
        });
    }
    let profile = settings.aws.profile.as_deref();
    let mut aws = crate::source::aws::from_settings(settings).await;
    let account = aws
        .account(now)
        .await
        .map_err(|e| e.to_app_error(profile))?;
    let query = &settings.query;
    let (cube, failure) = match aws.cube(query, today, now, !settings.use_cache).await {
        Ok(cube) => (cube, None),
        Err(e) => {
            let failure = e.to_app_error(profile);
            match aws.last_cube(&account, query, today) {
                Some(cube) => (cube, Some(failure)),
                None => return Err(failure),
            }
        }
    };
    let stale = failure.is_some();
    let forecast = if stale {
        None
    } else {
        match aws.forecast(query, today, now, !settings.use_cache).await {
            Ok(f) => f,
            Err(e) => {
                eprintln!("awsdash: forecast: {}", e.to_app_error(profile));
                None
            }
        }
    };
    let (cheap, errors) = aws.cheap(today, now, &Cheap::default()).await;
    for e in errors {
        eprintln!("awsdash: {}", e.to_app_error(profile));
    }
    let snapshot = assemble(Parts {
        query,
        today,
        now,
        account_id: Some(account),
        cube: &cube,
        forecast,
        cheap: &cheap,
        picker: Default::default(),
        meter: &aws.meter,
        stale,
    });
    Ok(Fetched { snapshot, failure })
}
