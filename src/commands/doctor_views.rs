//! `doctor`'s checks of the analysis views' free APIs: which view a missing permission (or
//! a service not set up) disables. The paid ones (ListCostAllocationTags, drivers) are not
//! called by doctor; their views say so themselves, as notes.

use chrono::NaiveDate;

use super::doctor::Check;
use crate::model::analysis::SavingsReport;
use crate::source::aws::source::AwsSource;
use crate::source::aws::{FetchError, accounts, credits, savings};

fn failed(view: &str, action: &str, e: &FetchError, profile: Option<&str>) -> Check {
    Check {
        name: format!("{view} view ({action})"),
        ok: false,
        detail: format!("disabled: {}", e.to_app_error(profile)),
    }
}

pub async fn checks(src: &AwsSource, account: &str, today: NaiveDate) -> Vec<Check> {
    let profile = src.options.profile.as_deref();
    let (recs, org, balances) = tokio::join!(
        savings::recommendations(&src.clients),
        accounts::names(&src.clients),
        credits::balances(&src.clients, account, today),
    );
    let action = "cost-optimization-hub:ListRecommendations";
    let savings = match recs {
        Ok(SavingsReport::Found { items, .. }) => Check {
            name: format!("Savings view ({action})"),
            ok: true,
            detail: format!("{} recommendation(s)", items.len()),
        },
        Ok(SavingsReport::Unavailable { reason }) => Check {
            name: format!("Savings view ({action})"),
            ok: false,
            detail: format!("disabled: {reason}"),
        },
        Err(e) => failed("Savings", action, &e, profile),
    };
    let action = "organizations:ListAccounts";
    let org = match org {
        Ok(found) => Check {
            name: format!("Accounts view names ({action})"),
            ok: true,
            detail: found.note.unwrap_or_else(|| {
                format!("{} account name(s) from Organizations", found.names.len())
            }),
        },
        Err(e) => failed("Accounts", action, &e, profile),
    };
    let action = "billing:GetCredits";
    let credits = match balances {
        Ok(found) => Check {
            name: format!("Credits view balances ({action})"),
            ok: found.balances.is_some(),
            detail: found.note.unwrap_or_else(|| {
                let n = found.balances.map_or(0, |b| b.len());
                format!("{n} credit(s) readable")
            }),
        },
        Err(e) => failed("Credits", action, &e, profile),
    };
    vec![savings, org, credits]
}
