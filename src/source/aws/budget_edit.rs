//! Budgets writes: a new limit for one budget. UpdateBudget replaces the whole budget — a
//! field left out (cost filters, cost types, the time period) is reset, not kept — so the
//! budget is read just before (DescribeBudget), only its limit is changed, the rest is sent
//! back as read, and the answer is read again to confirm the limit took.
//!
//! [`prepare`] and [`apply`] are the whole edit, audit line included, for both callers: the
//! `budget set` command (which asks between the two) and the dashboard's poller (asked in
//! the dialog before). Neither says anything itself, so the two cannot drift apart.

use aws_sdk_budgets::types::{Budget as AwsBudget, Spend};
use chrono::{DateTime, Utc};

use super::FetchError;
use super::client::Clients;
use super::error::{AwsError, AwsErrorKind};
use crate::audit::{Action, AuditLog, Outcome};
use crate::budget_limit::{Edited, cents};
use crate::error::AppError;
use crate::meter::{Api, Meter};
use crate::model::Money;
use crate::text::clean;

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

/// An edit read just before it is sent: who asks, the budget as AWS holds it now, and its
/// current limit and unit (the "before" of before → after and of the audit line).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub account: String,
    /// The caller's ARN: the audit line's "who".
    pub who: String,
    pub budget: AwsBudget,
    pub before: Money,
    pub unit: String,
}

impl Prepared {
    /// An amount in this budget's unit, to the cent: "1250.50 USD".
    pub fn shown(&self, m: Money) -> String {
        format!("{} {}", cents(m), clean(&self.unit))
    }

    /// The budget's name as AWS spells it, safe for a terminal.
    pub fn name(&self) -> String {
        clean(self.budget.budget_name()).into_owned()
    }
}

/// Why an edit did not happen (or did not take).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// Asking who calls, reading the budget or sending the change failed (not a refusal).
    Fetch(FetchError),
    /// The budget cannot be edited here: a planned limit per period, or no limit.
    Unusable(String),
    /// AWS refused [`WRITE_ACTION`]: its words.
    Denied(String),
    /// AWS accepted the change but reads back this limit (shown with its unit).
    Mismatch(String),
}

impl EditError {
    /// The command-line error for budget `name` (exit 3 for a refusal, as for any missing
    /// permission); its text is also the dashboard's status line.
    pub fn to_app_error(&self, name: &str, profile: Option<&str>) -> AppError {
        match self {
            EditError::Fetch(e) => e.to_app_error(profile),
            EditError::Unusable(why) => AppError::Usage(why.clone()),
            EditError::Denied(detail) => AppError::Credentials(format!(
                "access denied: changing a budget needs {WRITE_ACTION} — attach assets/iam-policy-budgets-write.json [{detail}]"
            )),
            EditError::Mismatch(back) => AppError::Unavailable(format!(
                "budget {}: AWS accepted the change but reads back a limit of {back}",
                clean(name)
            )),
        }
    }
}

/// Who calls and the budget as it is now; nothing is changed.
pub async fn prepare(
    clients: &Clients,
    meter: &Meter,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Prepared, EditError> {
    let (account, who) = caller(clients, meter, now)
        .await
        .map_err(EditError::Fetch)?;
    let budget = read(clients, meter, &account, name, now)
        .await
        .map_err(EditError::Fetch)?;
    let (before, unit) = limit(&budget).map_err(EditError::Unusable)?;
    Ok(Prepared {
        account,
        who,
        budget,
        before,
        unit,
    })
}

/// Sends `limit` for the budget `prepared` read, reads it back, and records the attempt in
/// `audit` whatever its outcome (denied and failed attempts are history too). `Ok` only when
/// AWS reads back exactly `limit`.
pub async fn apply(
    clients: &Clients,
    meter: &Meter,
    prepared: &Prepared,
    limit: Money,
    audit: &AuditLog,
    now: DateTime<Utc>,
) -> Result<Edited, EditError> {
    let action = Action::BudgetEdit {
        who: prepared.who.clone(),
        budget: prepared.budget.budget_name().to_string(),
        before: prepared.shown(prepared.before),
        after: prepared.shown(limit),
    };
    let sent = set_limit(
        clients,
        meter,
        &prepared.account,
        &prepared.budget,
        limit,
        now,
    )
    .await;
    let outcome = match &sent {
        Ok(back) if *back == limit => Outcome::Ok,
        Err(e) if is_denied(e) => Outcome::Denied,
        _ => Outcome::Failed,
    };
    let recorded = audit.record(action, outcome, now).await;
    match sent {
        Ok(back) if back == limit => Ok(Edited {
            said: format!(
                "budget {}: limit is now {} (read back from AWS)",
                prepared.name(),
                prepared.shown(back)
            ),
            recorded,
        }),
        Ok(back) => Err(EditError::Mismatch(prepared.shown(back))),
        Err(FetchError::Aws(a)) if a.kind == AwsErrorKind::AccessDenied => {
            Err(EditError::Denied(a.detail.clone()))
        }
        Err(e) => Err(EditError::Fetch(e)),
    }
}

impl super::source::AwsSource {
    /// Sets budget `name`'s limit as `budget set --yes` does: read just before, sent whole,
    /// read back, recorded in `audit`. The dashboard's poller calls this once the dialog was
    /// confirmed.
    pub async fn edit_budget(
        &self,
        name: &str,
        limit: Money,
        audit: &AuditLog,
        now: DateTime<Utc>,
    ) -> Result<Edited, EditError> {
        let prepared = prepare(&self.clients, &self.meter, name, now).await?;
        apply(&self.clients, &self.meter, &prepared, limit, audit, now).await
    }
}
