//! The AWS poller's analysis sections: asked for by a view (`Want`), by `snapshot
//! --include`, or kept fresh by `collect`. A failure is said in the footer and in place of
//! the section's numbers.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::AwsPoller;
use crate::model::Section;
use crate::poller::sections::Sections;
use crate::poller::{Severity, Status, Update, Wants};
use crate::source::aws::FetchError;
use crate::source::aws::sections::Mode;
use crate::source::aws::source::Refresh;

impl AwsPoller {
    /// Sections wanted from the start (`snapshot --include`, `collect`), tags by `tag_key`.
    pub fn wanting(mut self, wants: Wants) -> Self {
        self.sections = Sections::new(wants);
        self
    }

    /// A view wants `section`: fetched unless the store has it fresh.
    pub async fn want(&mut self, section: Section, now: DateTime<Utc>) -> Vec<Update> {
        self.sections.wants.want(section);
        let mut updates = self.poll(now, false, false).await;
        let fresh = Mode::Fetch(Refresh::IfStale);
        updates.extend(self.fetch_sections(&[section], fresh, now).await);
        updates
    }

    /// The tags section is allocated by `key` from now on.
    pub async fn set_tag_key(&mut self, key: String, now: DateTime<Utc>) -> Vec<Update> {
        self.sections.wants.tag_key = Some(key);
        let fresh = Mode::Fetch(Refresh::IfStale);
        self.fetch_sections(&[Section::Tags], fresh, now).await
    }

    /// `R`: every wanted section fetched again, whatever the store holds.
    pub async fn refresh_sections(&mut self, now: DateTime<Utc>) -> Vec<Update> {
        let wanted = self.sections.wants.sections.clone();
        self.fetch_sections(&wanted, Mode::Fetch(Refresh::Now), now)
            .await
    }

    /// `r`: the wanted sections whose last fetch failed are asked again (a fresh cached answer
    /// of the others costs nothing, so they are left alone).
    pub async fn retry_sections(&mut self, now: DateTime<Utc>) -> Vec<Update> {
        let failed: Vec<Section> = self.sections.analysis.problems.keys().copied().collect();
        if failed.is_empty() {
            return Vec::new();
        }
        self.fetch_sections(&failed, Mode::Fetch(Refresh::IfStale), now)
            .await
    }

    /// Fetches `sections` (once STS has named the account) and sends a snapshot with them; a
    /// failing one keeps its last report and says why in the footer.
    pub async fn fetch_sections(
        &mut self,
        sections: &[Section],
        mode: Mode,
        now: DateTime<Utc>,
    ) -> Vec<Update> {
        let failed = self.refresh_sections_in(sections, mode, now).await;
        let mut updates = self.say_failed(failed);
        updates.extend(self.snapshot(now).map(|s| Update::Snapshot(Arc::new(s))));
        updates
    }

    /// `collect` keeps every wanted section fresh by itself, each on its own TTL; the
    /// dashboard fetches a section only when its view is opened (which keeps a day with
    /// every view opened under the paid-call budget).
    pub fn keeping_sections_fresh(mut self) -> Self {
        self.keep_sections_fresh = true;
        self
    }

    /// With [`AwsPoller::keeping_sections_fresh`], each scheduled poll also fetches the wanted
    /// sections that are stale (a fresh cached one costs nothing); the statuses of those that
    /// failed.
    pub(in crate::poller) async fn tend_sections(&mut self, now: DateTime<Utc>) -> Vec<Update> {
        if !self.keep_sections_fresh {
            return Vec::new();
        }
        let wanted = self.sections.wants.sections.clone();
        let failed = self
            .refresh_sections_in(&wanted, Mode::Fetch(Refresh::IfStale), now)
            .await;
        self.say_failed(failed)
    }

    /// Each failure, in the footer and in place of its section's numbers (beside its last
    /// good report, when there is one).
    fn say_failed(&mut self, failed: Vec<(Section, FetchError)>) -> Vec<Update> {
        failed
            .iter()
            .map(|(section, e)| {
                let advice = self.advice(e);
                self.sections
                    .analysis
                    .problems
                    .insert(*section, format!("could not be fetched: {advice}"));
                Update::Status(Status::new(
                    Severity::Warning,
                    format!("the {section} view could not be refreshed: {advice}"),
                ))
            })
            .collect()
    }

    /// Fetches (or re-derives, per `mode`) `sections` once STS has named the account.
    async fn refresh_sections_in(
        &mut self,
        sections: &[Section],
        mode: Mode,
        now: DateTime<Utc>,
    ) -> Vec<(Section, FetchError)> {
        let Some(account) = self.source.account_id().map(str::to_owned) else {
            return Vec::new();
        };
        let window = self.query.window;
        let breakdown = self.cube.as_ref().map(|c| c.value.breakdown(window));
        self.sections
            .refresh(
                &self.source,
                &account,
                &self.query,
                breakdown.as_ref(),
                sections,
                mode,
                now,
            )
            .await
    }
}
