//! GetCostAndUsage with `GroupBy`: the one paid query behind the tags, accounts and credits
//! sections (by a tag's values, by account × service, by record type). Paid per page, every
//! page through the meter, like the cube.

use aws_sdk_costexplorer::types::{Granularity, GroupDefinition, GroupDefinitionType};
use chrono::{DateTime, Utc};

use super::FetchError;
use super::ce::{Page, each_page, expression, period};
use super::client::Clients;
use crate::config::Metric;
use crate::meter::Meter;
use crate::model::{FilterSet, Grouped, Money, Window};

/// How the answer is grouped: at most two keys, as Cost Explorer allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By<'a> {
    Tag(&'a str),
    Dimension(&'a str),
}

impl By<'_> {
    fn definition(self) -> GroupDefinition {
        let (kind, key) = match self {
            By::Tag(key) => (GroupDefinitionType::Tag, key),
            By::Dimension(key) => (GroupDefinitionType::Dimension, key),
        };
        GroupDefinition::builder().r#type(kind).key(key).build()
    }

    /// A tag group comes back as `key$value` (`key$` untagged): the value is what counts.
    fn value(self, raw: &str) -> String {
        match self {
            By::Tag(_) => raw.split_once('$').map_or(raw, |(_, v)| v).to_string(),
            By::Dimension(_) => raw.to_string(),
        }
    }
}

/// One grouped query over `range`, with `filters` applied by Cost Explorer (every kind: a
/// grouped answer has no region or service axis to cut locally). Returns the answer and the
/// pages it took.
#[allow(clippy::too_many_arguments)]
pub async fn fetch(
    clients: &Clients,
    meter: &Meter,
    range: Window,
    monthly: bool,
    by: &[By<'_>],
    filters: &FilterSet,
    metric: Metric,
    exclude_credits: bool,
    now: DateTime<Utc>,
) -> Result<(Grouped, u64), FetchError> {
    let mut grouped = Grouped::new(range);
    let filter = expression(filters, exclude_credits);
    let granularity = match monthly {
        true => Granularity::Monthly,
        false => Granularity::Daily,
    };
    let definitions: Vec<GroupDefinition> = by.iter().map(|b| b.definition()).collect();
    let request = |token| {
        clients
            .ce
            .get_cost_and_usage()
            .time_period(period(&range))
            .granularity(granularity.clone())
            .metrics(metric.name())
            .set_group_by(Some(definitions.clone()))
            .set_filter(filter.clone())
            .set_next_page_token(token)
            .send()
    };
    let pages = each_page(
        meter,
        now,
        "ce:GetCostAndUsage",
        None,
        request,
        |page, _| {
            for attribute in page.dimension_value_attributes() {
                let name = attribute.attributes().and_then(|a| a.get("description"));
                if let (Some(id), Some(name)) = (attribute.value(), name) {
                    grouped.names.insert(id.to_string(), name.clone());
                }
            }
            for result in page.results_by_time() {
                let Some(start) = result.time_period().map(|t| t.start()) else {
                    continue;
                };
                let date = start
                    .get(..10)
                    .and_then(|d| d.parse().ok())
                    .ok_or_else(|| FetchError::Malformed(format!("bad period start {start:?}")))?;
                for g in result.groups() {
                    let keys = g.keys();
                    let key = |i: usize| match (by.get(i), keys.get(i)) {
                        (Some(b), Some(raw)) => b.value(raw),
                        _ => String::new(),
                    };
                    let amount = g
                        .metrics()
                        .and_then(|m| m.get(metric.name()))
                        .and_then(|v| v.amount())
                        .ok_or_else(|| {
                            FetchError::Malformed("a group without its amount".into())
                        })?;
                    let cost: Money = amount
                        .parse()
                        .map_err(|e| FetchError::Malformed(format!("group amount: {e}")))?;
                    grouped.add(date, &key(0), &key(1), cost);
                }
            }
            Ok(Page::last_or_next(page.next_page_token()))
        },
    )
    .await?;
    Ok((grouped, pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_groups_keep_only_the_value_and_untagged_is_empty() {
        assert_eq!(By::Tag("team").value("team$web"), "web");
        assert_eq!(By::Tag("team").value("team$"), "");
        assert_eq!(By::Dimension("SERVICE").value("a$b"), "a$b");
    }
}
