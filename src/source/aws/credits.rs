//! Credit balances from the Billing API (`billing:GetCredits`, free): each credit's remaining
//! amount and expiry. Only the root user can let IAM users read billing ("IAM user access not
//! activated"), and a member account may be refused: those are notes, the record-type totals
//! (Cost Explorer) still show.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::FetchError;
use super::client::Clients;
use super::error::{AwsError, AwsErrorKind};
use crate::analysis::credits::balance;
use crate::model::Money;
use crate::model::analysis::CreditBalance;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balances {
    pub balances: Option<Vec<CreditBalance>>,
    pub note: Option<String>,
}

/// GetCredits looks back at most a year.
const LOOKBACK_DAYS: i64 = 365;

pub async fn balances(
    clients: &Clients,
    account: &str,
    today: NaiveDate,
) -> Result<Balances, FetchError> {
    let since = (today - Duration::days(LOOKBACK_DAYS))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or_default();
    let answer = clients
        .billing
        .get_credits()
        .account_id(account)
        .start_date(aws_smithy_types::DateTime::from_secs(since))
        .send()
        .await;
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            let err = AwsError::classify("billing:GetCredits", &e);
            if err.kind != AwsErrorKind::AccessDenied {
                return Err(err.into());
            }
            let note = if err.detail.contains("IAM user access not activated") {
                "credit balances need IAM access to billing, which only the root user can turn on (Account settings → IAM user and role access to Billing information)".to_string()
            } else {
                format!("credit balances unavailable: {}", err.advice(None))
            };
            return Ok(Balances {
                balances: None,
                note: Some(note),
            });
        }
    };
    let mut out = Vec::new();
    for credit in answer.credits() {
        let remaining: Money = credit
            .remaining_amount()
            .map(|a| a.currency_amount())
            .unwrap_or("0")
            .parse()
            .map_err(|e| FetchError::Malformed(format!("credit remaining amount: {e}")))?;
        let expires = credit
            .end_date()
            .and_then(|d| DateTime::<Utc>::from_timestamp(d.secs(), 0))
            .map(|t| t.date_naive());
        out.push(balance(credit.description(), remaining, expires));
    }
    Ok(Balances {
        balances: Some(out),
        note: None,
    })
}
