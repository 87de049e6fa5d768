//! One module per subcommand.

pub mod doctor;
pub mod snapshot;

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::model::Snapshot;
use crate::settings::Settings;
use crate::source::demo::DemoSource;

/// Fetches one snapshot for `settings` from the demo account or AWS.
pub async fn fetch_once(settings: &Settings, now: DateTime<Utc>) -> Result<Snapshot, AppError> {
    if settings.demo {
        let demo = DemoSource {
            exclude_credits: settings.view.exclude_credits,
        };
        return Ok(demo.snapshot(&settings.query, now.date_naive(), now));
    }
    Err(AppError::Usage(
        "live AWS data is not available in this build yet: run with --demo to try awsdash".into(),
    ))
}
