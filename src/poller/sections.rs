//! The analysis sections the AWS poller keeps: the table from section to fetch, what is
//! wanted, and the last good report of each. A section is fetched when a view asks for it
//! (`Command::Want`, again each time the view is opened: a fresh cached answer costs
//! nothing), by `snapshot --include`, or by `collect`; a new window or filter re-derives the
//! sections from what the store holds, for free, and leaves the rest for the view to ask.

use chrono::{DateTime, Utc};

use super::wants::Wants;
use crate::model::{Analysis, Breakdown, Query, Section};
use crate::source::aws::FetchError;
use crate::source::aws::sections::{Ask, Mode};
use crate::source::aws::source::AwsSource;

pub struct Sections {
    pub wants: Wants,
    /// The last good report of each wanted section.
    pub analysis: Analysis,
}

impl Sections {
    pub fn new(wants: Wants) -> Self {
        Sections {
            wants,
            analysis: Analysis::default(),
        }
    }

    /// The key tags are allocated by: the one asked for, else the first configured.
    fn tag_key<'a>(&'a self, source: &'a AwsSource) -> Option<&'a str> {
        self.wants
            .tag_key
            .as_deref()
            .or(source.options.tag_keys.first().map(String::as_str))
    }

    /// Fetches (or re-derives, per `mode`) each of `sections`; a failure keeps the section's
    /// last report and is returned with the section it concerns.
    #[allow(clippy::too_many_arguments)]
    pub async fn refresh(
        &mut self,
        source: &AwsSource,
        account: &str,
        query: &Query,
        breakdown: Option<&Breakdown>,
        sections: &[Section],
        mode: Mode,
        now: DateTime<Utc>,
    ) -> Vec<(Section, FetchError)> {
        let ask = Ask {
            account,
            query,
            today: now.date_naive(),
            now,
            mode,
        };
        let mut failed = Vec::new();
        for section in sections {
            let done = match section {
                Section::Tags => match self.tag_key(source).map(str::to_owned) {
                    Some(key) => source
                        .tags(&ask, &key)
                        .await
                        .map(|r| self.analysis.tags = r),
                    // No key configured or asked for: nothing to allocate by.
                    None => {
                        self.analysis.tags = None;
                        self.analysis.problems.insert(
                            Section::Tags,
                            "no tag key to allocate by: name one in [view] tag_keys".into(),
                        );
                        continue;
                    }
                },
                Section::Accounts => source
                    .accounts(&ask)
                    .await
                    .map(|r| self.analysis.accounts = r),
                Section::Changes => source
                    .changes(&ask, breakdown)
                    .await
                    .map(|r| self.analysis.changes = r),
                Section::Credits => source
                    .credits(&ask)
                    .await
                    .map(|r| self.analysis.credits = r),
                Section::Savings => source
                    .savings(&ask)
                    .await
                    .map(|r| self.analysis.savings = r),
            };
            match done {
                Ok(()) => {
                    self.analysis.problems.remove(section);
                }
                Err(e) => failed.push((*section, e)),
            }
        }
        failed
    }
}
