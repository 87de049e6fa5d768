//! What alerts are judged on besides what is on screen: the account's default view (its
//! cube, whatever window or filter the user is looking at), AWS's own anomalies, and the cubes
//! of user rules with account or tag filters. Fetched on the Cost Explorer cadence, with the
//! cube, and from the cache while fresh — so watching costs nothing extra when the screen
//! shows the default view, and one cached query per TTL otherwise.

use chrono::{DateTime, Utc};

use crate::alerts::findings::annotate;
use crate::alerts::rules::{RuleFacts, rule_query};
use crate::cache::Cached;
use crate::config::AlertsConfig;
use crate::model::{CostCube, Query, Snapshot};
use crate::source::aws::FetchError;
use crate::source::aws::anomalies::AwsFindings;
use crate::source::aws::source::{AwsSource, Refresh, remote_filters};

pub struct Watch {
    config: AlertsConfig,
    /// The account's default view is the last `days` days, no filter — rolling with the date,
    /// as a dashboard left open for days must.
    days: i64,
    base_cube: Option<Cached<CostCube>>,
    aws: AwsFindings,
    /// Rules that need a cube of their own (account or tag filters), with their facts.
    rule_facts: Vec<RuleFacts>,
}

/// One refresh of the watched data; each part on its own.
pub struct Watched {
    base_cube: Option<Result<Cached<CostCube>, FetchError>>,
    aws: Result<AwsFindings, FetchError>,
    rule_facts: Vec<RuleFacts>,
}

impl Watch {
    pub fn new(config: AlertsConfig, days: i64) -> Watch {
        Watch {
            config,
            days,
            base_cube: None,
            aws: AwsFindings::Unknown,
            rule_facts: Vec::new(),
        }
    }

    /// The default view as of `today`.
    fn base(&self, today: chrono::NaiveDate) -> Query {
        Query {
            window: crate::model::Window::last_days(today, self.days)
                .unwrap_or_else(|_| crate::model::window::month_to_date(today)),
            filters: crate::model::FilterSet::default(),
        }
    }

    /// Fetches what is due: the base cube unless `shown` (the screen's query) is the base,
    /// AWS's anomalies, the rules' own cubes. Cached answers are used while fresh; `force`
    /// (`R`) asks AWS's anomalies again.
    pub async fn fetch(
        &self,
        source: &AwsSource,
        account: &str,
        shown: &Query,
        now: DateTime<Utc>,
        force: bool,
    ) -> Watched {
        let today = now.date_naive();
        let base = self.base(today);
        let base_cube = match *shown == base {
            true => None,
            false => Some(
                source
                    .cube(account, &base, today, now, Refresh::IfStale)
                    .await,
            ),
        };
        let aws = source.aws_anomalies(account, today, now, force).await;
        let mut rule_facts = Vec::new();
        for rule in &self.config.rule {
            let query = rule_query(rule, &base);
            if query.filters.is_empty() {
                continue;
            }
            match source
                .cube(account, &query, today, now, Refresh::IfStale)
                .await
            {
                Ok(cube) => rule_facts.push(RuleFacts::from_cube(rule, &cube.value, today)),
                Err(e) => tracing::warn!(rule = %rule.name, "cannot judge the rule: {e}"),
            }
        }
        Watched {
            base_cube,
            aws,
            rule_facts,
        }
    }

    /// Takes in a refresh; what failed keeps its last value. Returns a note for the user
    /// when AWS's anomalies could not be read for a reason other than "not set up".
    pub fn take(
        &mut self,
        watched: Watched,
        shown_cube: Option<&Cached<CostCube>>,
    ) -> Option<FetchError> {
        match watched.base_cube {
            Some(Ok(cube)) => self.base_cube = Some(cube),
            Some(Err(e)) => tracing::warn!("cannot refresh the watched default view: {e}"),
            // The screen shows the default view: its cube is the base cube.
            None => self.base_cube = shown_cube.cloned(),
        }
        self.rule_facts = watched.rule_facts;
        match watched.aws {
            Ok(found) => {
                self.aws = found;
                None
            }
            Err(e) => Some(e),
        }
    }

    /// The facts of every user rule: from the base cube for rules without account or tag
    /// filters, from their own cube otherwise.
    fn facts(&self, today: chrono::NaiveDate) -> Vec<RuleFacts> {
        let mut facts = self.rule_facts.clone();
        if let Some(base) = &self.base_cube {
            for rule in &self.config.rule {
                let set = crate::model::FilterSet::new(rule.filter.iter().cloned());
                if remote_filters(&set).is_empty() {
                    facts.push(RuleFacts::from_cube(rule, &base.value, today));
                }
            }
        }
        facts
    }

    /// Adds the anomalies (over the shown cube, and AWS's) and the alerts to a snapshot on
    /// screen.
    pub fn annotate(&self, snapshot: &mut Snapshot) {
        let facts = self.facts(snapshot.today);
        annotate(snapshot, &self.config, &self.aws, &facts);
    }

    /// The account-wide snapshot delivery is judged on: `shown` with the base view's cube,
    /// whatever the screen's window or filters. `None` until the base cube is known.
    pub fn base_snapshot(&self, shown: &Snapshot) -> Option<Snapshot> {
        let query = self.base(shown.today);
        if shown.query == query {
            return Some(shown.clone());
        }
        let cube = self
            .base_cube
            .as_ref()
            .filter(|c| c.value.covers(&query.window))?;
        let mut base = shown.clone();
        base.query = query;
        base.cube = Some(cube.value.clone());
        // The shown forecast is the shown view's; alerts judge budgets on their own.
        base.forecast = None;
        base.freshness.cost_explorer = Some(cube.fetched_at);
        self.annotate(&mut base);
        Some(base)
    }
}
