//! Savings recommendations from Cost Optimization Hub (`ListRecommendations`, free): stop
//! idle, delete, rightsize, Graviton, Savings Plans and RI purchases, de-duplicated per
//! resource. An account that has not opted in gets AccessDenied with "not enrolled": that is
//! a how-to-enable message, told apart from a genuine IAM denial by its words.

use chrono::{DateTime, Utc};

use super::FetchError;
use super::ce::money_from_f64;
use super::client::Clients;
use super::error::{AwsError, AwsErrorKind};
use crate::analysis::savings::dedupe;
use crate::model::analysis::{Recommendation, SavingsReport};

pub const NOT_ENROLLED: &str = "Cost Optimization Hub is not enabled for this account: open Billing and Cost Management → Cost Optimization Hub and opt in (from the management account to include member accounts); recommendations appear within 24 h";

pub async fn recommendations(clients: &Clients) -> Result<SavingsReport, FetchError> {
    let mut pages = clients.coh.list_recommendations().into_paginator().send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                let err = AwsError::classify("cost-optimization-hub:ListRecommendations", &e);
                if err.kind != AwsErrorKind::AccessDenied {
                    return Err(err.into());
                }
                let reason = if err.detail.contains("not enrolled") {
                    NOT_ENROLLED.to_string()
                } else {
                    err.advice(None)
                };
                return Ok(SavingsReport::Unavailable { reason });
            }
        };
        for r in page.items() {
            found.push(Recommendation {
                id: r.recommendation_id().unwrap_or_default().to_string(),
                action: r.action_type().unwrap_or("Unknown").to_string(),
                resource_id: r.resource_id().unwrap_or_default().to_string(),
                resource_arn: r.resource_arn().map(str::to_owned),
                resource_type: r.current_resource_type().unwrap_or_default().to_string(),
                recommended_resource_type: r.recommended_resource_type().map(str::to_owned),
                region: r.region().unwrap_or_default().to_string(),
                account: r.account_id().unwrap_or_default().to_string(),
                monthly_savings: r
                    .estimated_monthly_savings()
                    .and_then(money_from_f64)
                    .unwrap_or_default(),
                monthly_cost: r.estimated_monthly_cost().and_then(money_from_f64),
                savings_percent: r
                    .estimated_savings_percentage()
                    .and_then(rust_decimal::Decimal::from_f64_retain)
                    .map(|d| d.round_dp(1)),
                current_summary: r.current_resource_summary().map(str::to_owned),
                recommended_summary: r.recommended_resource_summary().map(str::to_owned),
                implementation_effort: r.implementation_effort().map(str::to_owned),
                restart_needed: r.restart_needed(),
                rollback_possible: r.rollback_possible(),
                source: r.source().map(|s| s.as_str().to_string()),
                lookback_days: r.recommendation_lookback_period_in_days(),
                refreshed_at: r
                    .last_refresh_timestamp()
                    .and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), 0)),
            });
        }
    }
    Ok(dedupe(found, None))
}
