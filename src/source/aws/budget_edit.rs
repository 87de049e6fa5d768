//! Budgets writes: a new limit for one budget. UpdateBudget replaces the whole budget — a
//! field left out (cost filters, cost types, the time period) is reset, not kept — so the
//! budget is read just before (DescribeBudget), only its limit is changed, the rest is sent
//! back as read, and the answer is read again to confirm the limit took.

use aws_sdk_budgets::types::{Budget as AwsBudget, Spend};
use chrono::{DateTime, Utc};

use super::FetchError;
use super::client::Clients;
use super::error::{AwsError, AwsErrorKind};
use crate::meter::{Api, Meter};
use crate::model::Money;

/// The IAM action every budget write needs (UpdateBudget included).
pub const WRITE_ACTION: &str = "budgets:ModifyBudget";

/// Who is calling: the account and the caller's ARN, as STS says (the audit log's "who").
pub async fn caller(
    clients: &Clients,
    meter: &Meter,
    now: DateTime<Utc>,
) -> Result<(String, String), FetchError> {
    let answer = clients.sts.get_caller_identity().send().await;
    meter.record(Api::Sts, now);
    let identity = answer.map_err(|e| AwsError::classify("sts:GetCallerIdentity", &e))?;
    match (identity.account(), identity.arn()) {
        (Some(account), Some(arn)) => Ok((account.to_string(), arn.to_string())),
        _ => Err(FetchError::Malformed(
            "GetCallerIdentity returned no account or ARN".into(),
        )),
    }
}

/// The budget as AWS holds it now.
pub async fn read(
    clients: &Clients,
    meter: &Meter,
    account: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<AwsBudget, FetchError> {
    let answer = clients
        .budgets
        .describe_budget()
        .account_id(account)
        .budget_name(name)
        .send()
        .await;
    meter.record(Api::Budgets, now);
    let answer = answer.map_err(|e| AwsError::classify("budgets:ViewBudget", &e))?;
    answer
        .budget()
        .cloned()
        .ok_or_else(|| FetchError::Malformed(format!("DescribeBudget {name}: no budget")))
}

/// The budget's single limit (amount and unit); `Err` says why it cannot be edited here.
pub fn limit(budget: &AwsBudget) -> Result<(Money, String), String> {
    let name = budget.budget_name();
    if budget
        .planned_budget_limits()
        .is_some_and(|p| !p.is_empty())
    {
        return Err(format!(
            "budget {name} has a planned limit per period: change it in the AWS console"
        ));
    }
    let spend = budget
        .budget_limit()
        .ok_or_else(|| format!("budget {name} has no limit to change"))?;
    let amount = spend.amount().parse::<Money>().map_err(|e| {
        format!(
            "budget {name}: its limit {:?} is not a number: {e}",
            spend.amount()
        )
    })?;
    Ok((amount, spend.unit().to_string()))
}

/// `budget` as read, with `limit` and without the fields only AWS writes.
fn with_limit(budget: &AwsBudget, limit: Money, unit: &str) -> Result<AwsBudget, FetchError> {
    let spend = Spend::builder()
        .amount(format!("{:.2}", limit.amount()))
        .unit(unit)
        .build()
        .map_err(|e| FetchError::Malformed(e.to_string()))?;
    let mut new = budget.clone();
    new.budget_limit = Some(spend);
    new.calculated_spend = None;
    new.last_updated_time = None;
    new.health_status = None;
    Ok(new)
}

/// Sends `budget` (just read) back with the new `limit`, then reads it again: the limit AWS
/// now holds. A refusal of the permission is an `AwsError` of kind `AccessDenied` whose
/// action is [`WRITE_ACTION`].
pub async fn set_limit(
    clients: &Clients,
    meter: &Meter,
    account: &str,
    budget: &AwsBudget,
    limit: Money,
    now: DateTime<Utc>,
) -> Result<Money, FetchError> {
    let (_, unit) = limit_or_malformed(budget)?;
    let new = with_limit(budget, limit, &unit)?;
    let answer = clients
        .budgets
        .update_budget()
        .account_id(account)
        .new_budget(new)
        .send()
        .await;
    meter.record(Api::Budgets, now);
    answer.map_err(|e| AwsError::classify(WRITE_ACTION, &e))?;
    let back = read(clients, meter, account, budget.budget_name(), now).await?;
    let (now_limit, _) = limit_or_malformed(&back)?;
    Ok(now_limit)
}

fn limit_or_malformed(budget: &AwsBudget) -> Result<(Money, String), FetchError> {
    limit(budget).map_err(FetchError::Malformed)
}

/// Whether `e` is AWS refusing the write permission.
pub fn is_denied(e: &FetchError) -> bool {
    matches!(e, FetchError::Aws(a) if a.kind == AwsErrorKind::AccessDenied)
}
