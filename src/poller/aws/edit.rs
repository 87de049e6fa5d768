//! The AWS poller's budget edits: sent only when `[aws] allow_writes` is on, through the
//! same `prepare`/`apply` as `awsdash budget set` (read just before, sent whole, read back,
//! audited), then the budgets re-read so the panel shows the limit AWS now holds.

use chrono::{DateTime, Utc};

use super::AwsPoller;
use crate::audit::AuditLog;
use crate::budget_limit::WRITES_OFF;
use crate::model::Money;
use crate::poller::{Severity, Status, Update, unrecorded};

impl AwsPoller {
    /// Budget edits may be sent, and are recorded in `audit` (`[aws] allow_writes = true`).
    /// Without this the poller refuses every edit itself, whatever the UI asks.
    pub fn allowing_writes(mut self, audit: AuditLog) -> Self {
        self.writes = Some(audit);
        self
    }

    /// Sets budget `name`'s limit to `limit`. On success the budgets are polled again and
    /// the snapshot goes before the word, so the fresh snapshot does not clear it as mere
    /// progress; a failure is said as `budget set` says it (the missing permission by name).
    pub async fn edit_budget(
        &mut self,
        name: &str,
        limit: Money,
        now: DateTime<Utc>,
    ) -> Vec<Update> {
        let Some(audit) = &self.writes else {
            return vec![Update::Status(Status::new(Severity::Error, WRITES_OFF))];
        };
        match self.source.edit_budget(name, limit, audit, now).await {
            Ok(edited) => {
                let mut updates = self.poll(now, true, false).await;
                updates.push(Update::Status(Status::new(Severity::Info, edited.said)));
                if let Err(why) = edited.recorded {
                    updates.push(Update::Status(unrecorded(why)));
                }
                updates
            }
            Err(e) => {
                let profile = self.source.options.profile.as_deref();
                let said = e.to_app_error(name, profile).to_string();
                vec![Update::Status(Status::new(Severity::Error, said))]
            }
        }
    }
}
