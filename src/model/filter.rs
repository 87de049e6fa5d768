//! Filters as people type them (`--filter region=us-east-1`, `tag:team=`) and as every source
//! applies them. Filters on the same dimension are OR-ed (two regions mean "either"), filters on
//! different dimensions are AND-ed — the same semantics as a Cost Explorer `Filter` expression
//! with several values in one `Dimensions` entry.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a filter constrains.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    Region,
    Service,
    Account,
    /// A cost-allocation tag key.
    Tag(String),
}

impl Dimension {
    /// The word used on the command line and on screen.
    pub fn label(&self) -> String {
        match self {
            Dimension::Region => "region".into(),
            Dimension::Service => "service".into(),
            Dimension::Account => "account".into(),
            Dimension::Tag(key) => format!("tag:{key}"),
        }
    }
}

/// One `dimension=value` constraint. For a tag, an empty value means "untagged": spend on
/// resources that do not carry the key at all.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Filter {
    pub dimension: Dimension,
    pub value: String,
}

impl Filter {
    pub fn new(dimension: Dimension, value: impl Into<String>) -> Self {
        Filter {
            dimension,
            value: value.into(),
        }
    }

    pub fn is_untagged(&self) -> bool {
        matches!(self.dimension, Dimension::Tag(_)) && self.value.is_empty()
    }
}

/// Why a `--filter` expression was refused; the message names the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("expected DIMENSION=VALUE (e.g. region=us-east-1, tag:team=web), got {0:?}")]
    MissingEquals(String),
    #[error("unknown dimension {0:?}: use region, service, account or tag:KEY (e.g. tag:team=web)")]
    UnknownDimension(String),
    #[error("{0} needs a value (only tags may be empty, meaning untagged: tag:team=)")]
    EmptyValue(String),
    #[error("tag filter needs a key: tag:KEY=VALUE (e.g. tag:team=web)")]
    EmptyTagKey,
    #[error("account must be a 12-digit AWS account id, got {0:?}")]
    BadAccount(String),
}

impl FromStr for Filter {
    type Err = FilterError;

    fn from_str(expr: &str) -> Result<Self, Self::Err> {
        let (key, value) = expr
            .split_once('=')
            .ok_or_else(|| FilterError::MissingEquals(expr.to_string()))?;
        let key = key.trim();
        let value = unquote(value.trim());
        let dimension = match key.to_ascii_lowercase().as_str() {
            "region" => Dimension::Region,
            "service" => Dimension::Service,
            "account" => Dimension::Account,
            lower => match lower.strip_prefix("tag:") {
                // Tag keys are case-sensitive in AWS: keep the user's spelling.
                Some(_) => {
                    let tag_key = key[4..].trim();
                    if tag_key.is_empty() {
                        return Err(FilterError::EmptyTagKey);
                    }
                    Dimension::Tag(tag_key.to_string())
                }
                None => return Err(FilterError::UnknownDimension(key.to_string())),
            },
        };
        if value.is_empty() && !matches!(dimension, Dimension::Tag(_)) {
            return Err(FilterError::EmptyValue(dimension.label()));
        }
        if dimension == Dimension::Account
            && !(value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(FilterError::BadAccount(value.to_string()));
        }
        Ok(Filter::new(dimension, value))
    }
}

/// Strips one pair of matching quotes, for values pasted with them (`service="AWS Lambda"`).
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.dimension.label(), self.value)
    }
}

impl Serialize for Filter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Filter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A set of filters, kept sorted and without duplicates so that equal sets compare (and cache)
/// equal whatever order they were typed in.
///
/// ```
/// use awsdash::model::{Filter, FilterSet};
///
/// let typed = ["tag:team=", "region=us-east-1", "region=eu-west-1"];
/// let set = FilterSet::new(typed.iter().map(|f| f.parse::<Filter>().unwrap()));
/// // Two regions are OR-ed; the untagged-team filter is AND-ed with them.
/// assert_eq!(
///     set.to_strings(),
///     ["region=eu-west-1", "region=us-east-1", "tag:team="]
/// );
/// assert!("zone=a".parse::<Filter>().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FilterSet(Vec<Filter>);

/// What a line of cost must be matched against.
pub trait Attributes {
    fn region(&self) -> &str;
    fn service(&self) -> &str;
    fn account(&self) -> &str;
    fn tag(&self, key: &str) -> Option<&str>;
}

impl FilterSet {
    pub fn new(filters: impl IntoIterator<Item = Filter>) -> Self {
        let mut all: Vec<Filter> = filters.into_iter().collect();
        all.sort();
        all.dedup();
        FilterSet(all)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Filter> {
        self.0.iter()
    }

    pub fn with(&self, filter: Filter) -> FilterSet {
        FilterSet::new(self.0.iter().cloned().chain(std::iter::once(filter)))
    }

    pub fn without(&self, filter: &Filter) -> FilterSet {
        FilterSet::new(self.0.iter().filter(|f| *f != filter).cloned())
    }

    /// The filters grouped by dimension, in a stable order: each group is OR-ed, groups AND-ed.
    pub fn groups(&self) -> Vec<(&Dimension, Vec<&str>)> {
        let mut groups: Vec<(&Dimension, Vec<&str>)> = Vec::new();
        for f in &self.0 {
            match groups.last_mut() {
                Some((dim, values)) if *dim == &f.dimension => values.push(&f.value),
                _ => groups.push((&f.dimension, vec![&f.value])),
            }
        }
        groups
    }

    /// Only the filters on the given dimensions.
    pub fn retain(&self, keep: impl Fn(&Dimension) -> bool) -> FilterSet {
        FilterSet(
            self.0
                .iter()
                .filter(|f| keep(&f.dimension))
                .cloned()
                .collect(),
        )
    }

    pub fn matches(&self, item: &impl Attributes) -> bool {
        self.groups().iter().all(|(dim, values)| {
            values.iter().any(|value| match dim {
                Dimension::Region => item.region() == *value,
                Dimension::Service => item.service() == *value,
                Dimension::Account => item.account() == *value,
                Dimension::Tag(key) => match item.tag(key) {
                    Some(v) => !value.is_empty() && v == *value,
                    None => value.is_empty(),
                },
            })
        })
    }

    /// The canonical strings, as in the JSON `filters` list.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    /// For people: values of one dimension joined by `|` (either), dimensions by `&` (both) —
    /// `region=eu-west-1|us-east-1 & tag:team=(untagged)|web`.
    pub fn describe(&self) -> String {
        self.groups()
            .iter()
            .map(|(dimension, values)| {
                let values: Vec<&str> = values
                    .iter()
                    .map(|v| if v.is_empty() { "(untagged)" } else { v })
                    .collect();
                format!("{}={}", dimension.label(), values.join("|"))
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Line {
        region: &'static str,
        service: &'static str,
        account: &'static str,
        team: Option<&'static str>,
    }

    impl Attributes for Line {
        fn region(&self) -> &str {
            self.region
        }
        fn service(&self) -> &str {
            self.service
        }
        fn account(&self) -> &str {
            self.account
        }
        fn tag(&self, key: &str) -> Option<&str> {
            if key == "team" { self.team } else { None }
        }
    }

    const WEB: Line = Line {
        region: "us-east-1",
        service: "AWS Lambda",
        account: "111111111111",
        team: Some("web"),
    };
    const UNTAGGED: Line = Line {
        region: "eu-west-1",
        service: "Amazon Simple Storage Service",
        account: "222222222222",
        team: None,
    };

    fn set(exprs: &[&str]) -> FilterSet {
        FilterSet::new(
            exprs
                .iter()
                .map(|e| e.parse::<Filter>().expect("valid filter")),
        )
    }

    #[test]
    fn parses_every_documented_form() {
        let f: Filter = "region=us-east-1".parse().expect("region");
        assert_eq!(f, Filter::new(Dimension::Region, "us-east-1"));
        let f: Filter = "service=\"AWS Lambda\"".parse().expect("service");
        assert_eq!(f, Filter::new(Dimension::Service, "AWS Lambda"));
        let f: Filter = "account=123456789012".parse().expect("account");
        assert_eq!(f.value, "123456789012");
        let f: Filter = "tag:team=web".parse().expect("tag");
        assert_eq!(f, Filter::new(Dimension::Tag("team".into()), "web"));
        let f: Filter = "tag:Cost Center=".parse().expect("untagged");
        assert!(f.is_untagged());
        assert_eq!(f.to_string(), "tag:Cost Center=");
    }

    #[test]
    fn refuses_bad_expressions_with_a_hint() {
        let err = |s: &str| s.parse::<Filter>().expect_err(s);
        assert_eq!(err("region"), FilterError::MissingEquals("region".into()));
        assert!(matches!(err("zone=a"), FilterError::UnknownDimension(_)));
        assert!(err("zone=a").to_string().contains("tag:KEY"));
        assert_eq!(err("region="), FilterError::EmptyValue("region".into()));
        assert_eq!(err("tag:=x"), FilterError::EmptyTagKey);
        assert!(matches!(err("account=12345"), FilterError::BadAccount(_)));
    }

    #[test]
    fn same_dimension_ors_and_different_dimensions_and() {
        assert!(set(&[]).matches(&WEB));
        assert!(set(&["region=us-east-1", "region=eu-west-1"]).matches(&UNTAGGED));
        assert!(set(&["region=us-east-1", "tag:team=web"]).matches(&WEB));
        assert!(!set(&["region=us-east-1", "tag:team=web"]).matches(&UNTAGGED));
        assert!(!set(&["region=us-east-1", "account=222222222222"]).matches(&WEB));
    }

    #[test]
    fn empty_tag_value_selects_untagged_spend() {
        let untagged = set(&["tag:team="]);
        assert!(untagged.matches(&UNTAGGED));
        assert!(!untagged.matches(&WEB));
        let web_or_untagged = set(&["tag:team=web", "tag:team="]);
        assert!(web_or_untagged.matches(&UNTAGGED) && web_or_untagged.matches(&WEB));
    }

    #[test]
    fn people_read_or_as_a_bar_and_and_as_an_ampersand() {
        let s = set(&[
            "region=us-east-1",
            "tag:team=web",
            "region=eu-west-1",
            "tag:team=",
        ]);
        assert_eq!(
            s.describe(),
            "region=eu-west-1|us-east-1 & tag:team=(untagged)|web"
        );
        assert_eq!(FilterSet::default().describe(), "");
    }

    #[test]
    fn sets_are_order_insensitive_and_deduplicated() {
        let a = set(&["tag:team=web", "region=us-east-1", "region=us-east-1"]);
        let b = set(&["region=us-east-1", "tag:team=web"]);
        assert_eq!(a, b);
        assert_eq!(a.to_strings(), vec!["region=us-east-1", "tag:team=web"]);
        let f = Filter::new(Dimension::Region, "us-east-1");
        assert_eq!(a.without(&f), set(&["tag:team=web"]));
        assert_eq!(a.without(&f).with(f), b);
    }
}
