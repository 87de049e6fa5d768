//! Real AWS through the official SDK: Cost Explorer (paid), Budgets, CloudWatch billing
//! metrics and STS.

pub mod budgets;
pub mod ce;
pub mod client;
pub mod cloudwatch;
pub mod error;
pub mod source;

use chrono::{DateTime, Utc};

pub use client::Clients;
pub use error::{AwsError, AwsErrorKind};

use crate::meter::{Api, CapReached, Meter};

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Cap(#[from] CapReached),
    #[error("unexpected answer from AWS: {0}")]
    Malformed(String),
}

/// The account id (STS GetCallerIdentity: free, needs no permission, and proves the
/// credentials work).
pub async fn account_id(
    clients: &Clients,
    meter: &Meter,
    now: DateTime<Utc>,
) -> Result<String, FetchError> {
    let answer = clients.sts.get_caller_identity().send().await;
    meter.record(Api::Sts, now);
    let identity = answer.map_err(|e| AwsError::classify("sts:GetCallerIdentity", &e))?;
    identity
        .account()
        .map(str::to_owned)
        .ok_or_else(|| FetchError::Malformed("GetCallerIdentity returned no account".into()))
}

/// Builds the AWS source from the settings: clients from the standard chain, the meter beside
/// the cache (so a restart keeps today's counts and the daily cap holds), the disk cache.
pub async fn from_settings(settings: &crate::settings::Settings) -> source::AwsSource {
    let config = client::load(&settings.aws).await;
    let meter = Meter::new(
        Some(settings.cache_dir.join("api-calls.json")),
        settings.refresh.max_cost_explorer_calls_per_day,
    );
    source::AwsSource::new(
        Clients::new(&config),
        std::sync::Arc::new(meter),
        crate::cache::DiskCache::new(settings.cache_dir.clone()),
        source::AwsOptions {
            metric: settings.view.metric,
            exclude_credits: settings.view.exclude_credits,
            ttl: chrono::Duration::seconds(settings.refresh.cost_explorer_ttl_secs as i64),
            tag_keys: settings.view.tag_keys.clone(),
            read_cache: settings.use_cache,
            profile: settings.aws.profile.clone(),
            origin: format!("{:?}@{:?}", settings.aws.profile, settings.aws.endpoint_url),
        },
    )
}

impl FetchError {
    /// The command-line error for this failure, with its exit code (3 permissions, 4
    /// unavailable, 2 a request AWS refused as invalid).
    pub fn to_app_error(&self, profile: Option<&str>) -> crate::error::AppError {
        use crate::error::AppError;
        match self {
            FetchError::Aws(e) if e.is_permission() => AppError::Credentials(e.advice(profile)),
            FetchError::Aws(e) if e.kind == AwsErrorKind::Invalid => {
                AppError::Usage(e.advice(profile))
            }
            FetchError::Aws(e) => AppError::Unavailable(e.advice(profile)),
            FetchError::Cap(e) => AppError::Unavailable(e.to_string()),
            FetchError::Malformed(m) => AppError::Other(format!("unexpected answer from AWS: {m}")),
        }
    }
}
