//! A budget edit on the demo account: the same before → after as on AWS, said to be
//! simulated, and recorded as such in the audit log (so trying the feature leaves the same
//! trace as using it); nothing is sent anywhere and the demo's limits never change.

use chrono::{DateTime, Utc};

use super::demo::DemoSource;
use crate::audit::{Action, AuditLog, Outcome};
use crate::budget_limit::{Edited, cents};
use crate::model::Money;
use crate::text::clean;

/// The demo account's currency.
const CURRENCY: &str = "USD";

impl DemoSource {
    /// Simulates setting budget `name`'s limit to `limit`; `Err` when the demo account has no
    /// such budget (nothing is recorded then).
    pub async fn edit_budget(
        &self,
        name: &str,
        limit: Money,
        audit: &AuditLog,
        now: DateTime<Utc>,
    ) -> Result<Edited, String> {
        let budget = self
            .budgets(now.date_naive())
            .into_iter()
            .find(|b| b.name == name)
            .ok_or_else(|| format!("the demo account has no budget named {:?}", clean(name)))?;
        let said = format!(
            "demo: budget {}: limit {} {CURRENCY} → {} {CURRENCY} — simulated, nothing was sent",
            clean(name),
            cents(budget.limit),
            cents(limit)
        );
        let action = Action::BudgetEdit {
            who: "demo".into(),
            budget: name.to_string(),
            before: format!("{} {CURRENCY}", cents(budget.limit)),
            after: format!("{} {CURRENCY}", cents(limit)),
        };
        let recorded = audit.record(action, Outcome::Simulated, now).await;
        Ok(Edited { said, recorded })
    }
}
