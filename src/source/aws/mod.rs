//! Real AWS through the official SDK: Cost Explorer (paid), Budgets, CloudWatch billing
//! metrics and STS.

pub mod accounts;
pub mod anomalies;
pub mod budget_edit;
pub mod budgets;
pub mod ce;
pub mod client;
pub mod cloudwatch;
pub mod credits;
pub mod drivers;
pub mod error;
pub mod grouped;
pub mod requests;
pub mod savings;
pub mod sections;
pub mod source;
pub mod tags;

use chrono::{DateTime, Utc};

pub use client::Clients;
pub use error::{AwsError, AwsErrorKind};

use crate::error::AppError;
use crate::meter::{Api, Meter, Refused};

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The meter refused a paid call (the daily cap, or a count that cannot be kept).
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error("unexpected answer from AWS: {0}")]
    Malformed(String),
    /// Another process sharing the store holds the lease and is refreshing this answer (its
    /// name): nothing is paid for here meanwhile.
    #[error("refreshing — by {0}")]
    Busy(String),
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

/// Builds the AWS source from the settings: clients from the standard chain (or the named
/// profile), the meter beside the cache (shared by every awsdash on the machine, so the daily
/// cap holds across processes and restarts; with the DynamoDB store across the team too) with
/// every paid operation recorded in the audit log, and the store the config names.
///
/// `wait_for_refresh`: while another process sharing the store refreshes an answer, wait for
/// it (one-shot commands) instead of answering at once that it is under way (the dashboard).
pub async fn from_settings(
    settings: &crate::settings::Settings,
    wait_for_refresh: bool,
) -> Result<source::AwsSource, AppError> {
    let config = client::load(&settings.aws).await?;
    let cap = settings.refresh.max_cost_explorer_calls_per_day;
    let mut meter = Meter::new(Some(settings.cache_dir.join("api-calls.json")), cap);
    let store = crate::store::from_settings(settings, &config);
    if let Some(shared) = store.shared() {
        meter = meter.with_team(shared.counter(cap));
    }
    meter = meter.with_audit(crate::audit::AuditLog::for_settings(
        settings,
        store.shared(),
    ));
    Ok(source::AwsSource::new(
        Clients::new(&config),
        std::sync::Arc::new(meter),
        store,
        source::AwsOptions {
            metric: settings.view.metric,
            exclude_credits: settings.view.exclude_credits,
            ttl: chrono::Duration::seconds(settings.refresh.cost_explorer_ttl_secs as i64),
            tag_keys: settings.view.tag_keys.clone(),
            read_cache: settings.use_cache,
            wait_for_refresh,
            profile: settings.aws.advice_profile().map(str::to_owned),
            origin: settings.aws.origin.clone(),
        },
    ))
}

impl FetchError {
    /// The command-line error for this failure, with its exit code (3 credentials or
    /// permissions, 4 unavailable or refused by the cap, 2 a request AWS refused as invalid).
    pub fn to_app_error(&self, profile: Option<&str>) -> AppError {
        match self {
            FetchError::Aws(e) if e.is_permission() => AppError::Credentials(e.advice(profile)),
            FetchError::Aws(e) if e.kind == AwsErrorKind::Invalid => {
                AppError::Usage(e.advice(profile))
            }
            FetchError::Aws(e) => AppError::Unavailable(e.advice(profile)),
            FetchError::Refused(e) => AppError::Unavailable(e.to_string()),
            FetchError::Malformed(m) => AppError::Other(format!("unexpected answer from AWS: {m}")),
            FetchError::Busy(by) => AppError::Unavailable(format!(
                "another awsdash ({by}) is refreshing this answer in the shared store and has not finished; try again shortly"
            )),
        }
    }

    /// Worth trying again after a while by itself (throttling, an outage, a timeout).
    pub fn is_transient(&self) -> bool {
        matches!(self, FetchError::Aws(a) if a.is_transient())
    }
}
