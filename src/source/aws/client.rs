//! SDK clients from the standard credential chain. Cost Explorer and the billing metrics live
//! in us-east-1 whatever region the user works in; Budgets resolves to its global endpoint.

use std::time::Duration;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;

use super::requests::CountRequests;
use crate::error::AppError;
use crate::settings::AwsSettings;

/// The region Cost Explorer and CloudWatch billing metrics must be read from.
pub const BILLING_REGION: &str = "us-east-1";

#[derive(Clone, Debug)]
pub struct Clients {
    pub ce: aws_sdk_costexplorer::Client,
    pub budgets: aws_sdk_budgets::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub sts: aws_sdk_sts::Client,
    /// Cost Optimization Hub: its one endpoint is in us-east-1.
    pub coh: aws_sdk_costoptimizationhub::Client,
    pub organizations: aws_sdk_organizations::Client,
    /// Billing (credits): us-east-1, like the rest of billing.
    pub billing: aws_sdk_billing::Client,
}

/// Loads the shared SDK config: profile and region from the flags/config file when given,
/// otherwise the standard chain (env, profile, SSO, role, IMDS). An explicit endpoint URL
/// (emulators) wins over `AWS_ENDPOINT_URL`, which the SDK reads by itself.
///
/// A named profile is the only source of credentials, as `--profile` is in the AWS CLI: the
/// standard chain would take keys from the environment first and sign with them while the
/// header says the profile. A named profile that no profile file defines is refused here,
/// before any request (exit code 2).
pub async fn load(settings: &AwsSettings) -> Result<SdkConfig, AppError> {
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts(settings.timeout));
    if let Some(profile) = &settings.profile {
        check_profile_exists(profile).await?;
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let mut config = loader.load().await;
    if config.region().is_none() {
        // Budgets and STS need some region to sign with; billing data lives in us-east-1.
        config = config
            .into_builder()
            .region(Region::new(BILLING_REGION))
            .build();
    }
    if let Some(profile) = &settings.profile {
        let provider_config = ProviderConfig::default().with_region(config.region().cloned());
        let credentials = ProfileFileCredentialsProvider::builder()
            .configure(&provider_config)
            .profile_name(profile)
            .build();
        config = config
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build();
    }
    Ok(config)
}

/// Connect, read and whole-operation timeouts from the one `[aws] timeout_secs` budget: a hung
/// endpoint or a call that never answers ends as "timed out" instead of hanging awsdash.
pub fn timeouts(total: Duration) -> TimeoutConfig {
    let attempt = (total / 2).max(Duration::from_secs(1));
    TimeoutConfig::builder()
        .connect_timeout(total.min(Duration::from_secs(5)))
        .read_timeout(attempt)
        .operation_attempt_timeout(attempt)
        .operation_timeout(total)
        .build()
}

/// A named profile must exist in `~/.aws/config` or `~/.aws/credentials` (or the files
/// `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` name).
async fn check_profile_exists(name: &str) -> Result<(), AppError> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    let files = EnvConfigFiles::default();
    let loaded = aws_config::profile::load(&Fs::real(), &Env::real(), &files, None).await;
    let known = match loaded {
        Ok(profiles) => profiles.get_profile(name).is_some(),
        Err(e) => {
            return Err(AppError::Usage(format!(
                "cannot read the AWS profile files to find profile {name:?}: {e}"
            )));
        }
    };
    if known {
        Ok(())
    } else {
        Err(AppError::Usage(format!(
            "AWS profile {name:?} is not defined in ~/.aws/config or ~/.aws/credentials \
             (or the files AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name): \
             `aws configure list-profiles` lists the profiles there"
        )))
    }
}

impl Clients {
    /// Each client counts the requests it sends (see `requests`).
    pub fn new(config: &SdkConfig) -> Clients {
        let billing = Region::new(BILLING_REGION);
        let ce = aws_sdk_costexplorer::config::Builder::from(config)
            .region(billing.clone())
            .interceptor(CountRequests)
            .build();
        let cloudwatch = aws_sdk_cloudwatch::config::Builder::from(config)
            .region(billing.clone())
            .interceptor(CountRequests)
            .build();
        let coh = aws_sdk_costoptimizationhub::config::Builder::from(config)
            .region(billing.clone())
            .interceptor(CountRequests)
            .build();
        let organizations = aws_sdk_organizations::config::Builder::from(config)
            .region(billing.clone())
            .interceptor(CountRequests)
            .build();
        let billing_api = aws_sdk_billing::config::Builder::from(config)
            .region(billing)
            .interceptor(CountRequests)
            .build();
        let budgets = aws_sdk_budgets::config::Builder::from(config)
            .interceptor(CountRequests)
            .build();
        let sts = aws_sdk_sts::config::Builder::from(config)
            .interceptor(CountRequests)
            .build();
        Clients {
            ce: aws_sdk_costexplorer::Client::from_conf(ce),
            budgets: aws_sdk_budgets::Client::from_conf(budgets),
            cloudwatch: aws_sdk_cloudwatch::Client::from_conf(cloudwatch),
            sts: aws_sdk_sts::Client::from_conf(sts),
            coh: aws_sdk_costoptimizationhub::Client::from_conf(coh),
            organizations: aws_sdk_organizations::Client::from_conf(organizations),
            billing: aws_sdk_billing::Client::from_conf(billing_api),
        }
    }
}
