//! SDK clients from the standard credential chain. Cost Explorer and the billing metrics live
//! in us-east-1 whatever region the user works in; Budgets resolves to its global endpoint.

use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::settings::AwsSettings;

/// The region Cost Explorer and CloudWatch billing metrics must be read from.
pub const BILLING_REGION: &str = "us-east-1";

#[derive(Clone, Debug)]
pub struct Clients {
    pub ce: aws_sdk_costexplorer::Client,
    pub budgets: aws_sdk_budgets::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub sts: aws_sdk_sts::Client,
}

/// Loads the shared SDK config: profile and region from the flags/config file when given,
/// otherwise the standard chain (env, profile, SSO, role, IMDS). An explicit endpoint URL
/// (emulators) wins over `AWS_ENDPOINT_URL`, which the SDK reads by itself.
pub async fn load(settings: &AwsSettings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        // Budgets and STS need some region to sign with; billing data lives in us-east-1.
        return config
            .into_builder()
            .region(Region::new(BILLING_REGION))
            .build();
    }
    config
}

impl Clients {
    pub fn new(config: &SdkConfig) -> Clients {
        let billing = Region::new(BILLING_REGION);
        let ce = aws_sdk_costexplorer::config::Builder::from(config)
            .region(billing.clone())
            .build();
        let cloudwatch = aws_sdk_cloudwatch::config::Builder::from(config)
            .region(billing)
            .build();
        Clients {
            ce: aws_sdk_costexplorer::Client::from_conf(ce),
            budgets: aws_sdk_budgets::Client::new(config),
            cloudwatch: aws_sdk_cloudwatch::Client::from_conf(cloudwatch),
            sts: aws_sdk_sts::Client::new(config),
        }
    }
}
