//! Self-tests of the AWS emulator rig, driven through the official Rust AWS SDK over real HTTP.
//! Every expected number is computed here, independently, from the fixture the test seeds.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::Path;
use std::str::FromStr;

use aws_sdk_costexplorer::error::ProvideErrorMetadata;
use aws_sdk_costexplorer::types::{
    DateInterval, Dimension, DimensionValues, Expression, Granularity, GroupDefinition,
    GroupDefinitionType, MatchOption, Metric, ResultByTime, TagValues,
};
use chrono::{Duration as Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use support::Emulator;

const TODAY: &str = "2026-11-25";
const SERVICES: [&str; 3] = [
    "Amazon Simple Storage Service",
    "Amazon Elastic Compute Cloud - Compute",
    "AWS Lambda",
];
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const ACCOUNTS: [(&str, &str); 2] = [("111111111111", "Production"), ("222222222222", "Staging")];

// ---------------------------------------------------------------------------- fixture

#[derive(Clone, Debug)]
struct Item {
    date: NaiveDate,
    service: &'static str,
    region: &'static str,
    account: &'static str,
    tags: BTreeMap<&'static str, &'static str>,
    amount: Decimal,
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// Deterministic cost items over two date ranges (one spans a year boundary), with gaps:
/// some combinations are skipped and 2026-11-15 has no items at all.
fn items() -> Vec<Item> {
    let mut out = Vec::new();
    let mut n: i64 = 0;
    for (from, to) in [("2025-12-10", "2026-02-15"), ("2026-10-20", "2026-11-25")] {
        let mut d = day(from);
        while d <= day(to) {
            for (si, service) in SERVICES.iter().enumerate() {
                for (ri, region) in REGIONS.iter().enumerate() {
                    n += 1;
                    if n % 5 == 3 || d == day("2026-11-15") {
                        continue;
                    }
                    let mut tags = BTreeMap::new();
                    match n % 4 {
                        0 => {
                            tags.insert("team", "web");
                        }
                        1 => {
                            tags.insert("team", "data");
                            tags.insert("env", "prod");
                        }
                        2 => {
                            tags.insert("env", "dev");
                        }
                        _ => {}
                    }
                    out.push(Item {
                        date: d,
                        service,
                        region,
                        account: ACCOUNTS[(si + ri) % 2].0,
                        tags,
                        // up to 10 decimal places, never a float
                        amount: Decimal::new((n * 7_919_123_457) % 100_000_000_000 + 1, 10),
                    });
                }
            }
            d += Days::days(1);
        }
    }
    out
}

fn fixture(items: &[Item], extra: Value) -> Value {
    let json_items: Vec<Value> = items
        .iter()
        .map(|i| {
            json!({
                "date": i.date.to_string(),
                "service": i.service,
                "region": i.region,
                "account": i.account,
                "record_type": "Usage",
                "usage_type": "USE1-Usage",
                "tags": i.tags,
                "amount": i.amount.to_string(),
            })
        })
        .collect();
    let mut f = json!({
        "today": TODAY,
        "estimated_days": 2,
        "accounts": ACCOUNTS.iter().map(|(a, n)| (a.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "items": json_items,
    });
    if let Value::Object(extra) = extra {
        f.as_object_mut().unwrap().extend(extra);
    }
    f
}

fn sum<'a>(items: impl IntoIterator<Item = &'a Item>) -> Decimal {
    items.into_iter().map(|i| i.amount).sum()
}

fn in_period(items: &[Item], start: &str, end: &str) -> Vec<Item> {
    let (s, e) = (day(start), day(end));
    items
        .iter()
        .filter(|i| i.date >= s && i.date < e)
        .cloned()
        .collect()
}

fn period(start: &str, end: &str) -> DateInterval {
    DateInterval::builder()
        .start(start)
        .end(end)
        .build()
        .expect("DateInterval")
}

fn amount(
    result_metrics: Option<
        &std::collections::HashMap<String, aws_sdk_costexplorer::types::MetricValue>,
    >,
) -> Decimal {
    let m = result_metrics.expect("metrics present");
    let v = m.get("UnblendedCost").expect("UnblendedCost requested");
    assert_eq!(v.unit(), Some("USD"));
    Decimal::from_str(v.amount().expect("amount")).expect("amount is a decimal string")
}

async fn seeded(extra: Value) -> (Emulator, Vec<Item>, aws_sdk_costexplorer::Client) {
    let emu = Emulator::start();
    let all = items();
    emu.seed(&fixture(&all, extra));
    let client = aws_sdk_costexplorer::Client::new(&emu.sdk_config().await);
    (emu, all, client)
}

/// Total UnblendedCost of a one-bucket MONTHLY query with `filter`.
async fn filtered_total(client: &aws_sdk_costexplorer::Client, filter: Expression) -> Decimal {
    let out = client
        .get_cost_and_usage()
        .time_period(period("2026-11-01", "2026-11-25"))
        .granularity(Granularity::Monthly)
        .metrics("UnblendedCost")
        .filter(filter)
        .send()
        .await
        .expect("filtered GetCostAndUsage");
    assert_eq!(out.results_by_time().len(), 1);
    amount(out.results_by_time()[0].total())
}

fn dim(key: Dimension, values: &[&str]) -> Expression {
    let mut b = DimensionValues::builder().key(key);
    for v in values {
        b = b.values(*v);
    }
    Expression::builder().dimensions(b.build()).build()
}

fn tag(key: &str, values: &[&str], options: &[MatchOption]) -> Expression {
    let mut b = TagValues::builder().key(key);
    for v in values {
        b = b.values(*v);
    }
    for o in options {
        b = b.match_options(o.clone());
    }
    Expression::builder().tags(b.build()).build()
}

// ---------------------------------------------------------------------------- 1. daily totals

#[tokio::test]
async fn daily_ungrouped_totals_end_exclusive_and_estimated() {
    let (emu, all, ce) = seeded(json!({})).await;
    let out = ce
        .get_cost_and_usage()
        .time_period(period("2026-11-10", TODAY))
        .granularity(Granularity::Daily)
        .metrics("UnblendedCost")
        .metrics("BlendedCost")
        .send()
        .await
        .expect("GetCostAndUsage");
    let results = out.results_by_time();
    assert_eq!(results.len(), 15, "one bucket per day, End exclusive");
    assert!(out.next_page_token().is_none());
    let mut d = day("2026-11-10");
    for r in results {
        let tp = r.time_period().expect("TimePeriod");
        assert_eq!(tp.start(), d.to_string());
        assert_eq!(tp.end(), (d + Days::days(1)).to_string());
        let expected = sum(all.iter().filter(|i| i.date == d));
        assert_eq!(amount(r.total()), expected, "total of {d}");
        let blended = r
            .total()
            .unwrap()
            .get("BlendedCost")
            .unwrap()
            .amount()
            .unwrap();
        assert_eq!(Decimal::from_str(blended).unwrap(), expected);
        assert!(r.groups().is_empty());
        let estimated = d >= day("2026-11-23");
        assert_eq!(r.estimated(), estimated, "Estimated on {d}");
        d += Days::days(1);
    }
    // the empty day answers "0", and the item dated on End is excluded
    assert_eq!(amount(results[5].total()), Decimal::ZERO);
    assert!(all.iter().any(|i| i.date == day(TODAY)));
    drop(emu);
}

// ---------------------------------------------------------------------------- 2. filters

#[tokio::test]
async fn filters_dimensions_tags_untagged_and_not() {
    let (_emu, all, ce) = seeded(json!({})).await;
    let nov = in_period(&all, "2026-11-01", TODAY);

    let region = filtered_total(&ce, dim(Dimension::Region, &["us-east-1"])).await;
    assert_eq!(region, sum(nov.iter().filter(|i| i.region == "us-east-1")));

    let web = filtered_total(&ce, tag("team", &["web"], &[])).await;
    assert_eq!(
        web,
        sum(nov.iter().filter(|i| i.tags.get("team") == Some(&"web")))
    );

    let expected_untagged = sum(nov.iter().filter(|i| !i.tags.contains_key("team")));
    let absent = filtered_total(&ce, tag("team", &[], &[MatchOption::Absent])).await;
    assert_eq!(absent, expected_untagged);
    let empty_value = filtered_total(&ce, tag("team", &[""], &[])).await;
    assert_eq!(empty_value, expected_untagged);

    let s3_not_web = Expression::builder()
        .and(dim(Dimension::Service, &[SERVICES[0]]))
        .and(
            Expression::builder()
                .not(tag("team", &["web"], &[]))
                .build(),
        )
        .build();
    let combined = filtered_total(&ce, s3_not_web).await;
    assert_eq!(
        combined,
        sum(nov
            .iter()
            .filter(|i| i.service == SERVICES[0] && i.tags.get("team") != Some(&"web")))
    );

    let either = Expression::builder()
        .or(dim(Dimension::LinkedAccount, &["222222222222"]))
        .or(tag("env", &["prod"], &[]))
        .build();
    assert_eq!(
        filtered_total(&ce, either).await,
        sum(nov
            .iter()
            .filter(|i| i.account == "222222222222" || i.tags.get("env") == Some(&"prod")))
    );
}

// ---------------------------------------------------------------------------- 3. pagination

#[tokio::test]
async fn paginated_two_key_group_by_merges_to_fixture_sums() {
    let (emu, all, ce) = seeded(json!({"page_size": 7})).await;
    emu.clear_journal();
    let (start, end) = ("2026-11-10", "2026-11-20");
    let mut token: Option<String> = None;
    let mut pages = 0;
    let mut merged: BTreeMap<String, Vec<ResultByTime>> = BTreeMap::new();
    loop {
        let out = ce
            .get_cost_and_usage()
            .time_period(period(start, end))
            .granularity(Granularity::Daily)
            .metrics("UnblendedCost")
            .group_by(
                GroupDefinition::builder()
                    .r#type(GroupDefinitionType::Dimension)
                    .key("SERVICE")
                    .build(),
            )
            .group_by(
                GroupDefinition::builder()
                    .r#type(GroupDefinitionType::Dimension)
                    .key("REGION")
                    .build(),
            )
            .set_next_page_token(token.clone())
            .send()
            .await
            .expect("GetCostAndUsage page");
        pages += 1;
        assert_eq!(out.group_definitions().len(), 2);
        for r in out.results_by_time() {
            merged
                .entry(r.time_period().unwrap().start().to_string())
                .or_default()
                .push(r.clone());
        }
        token = out.next_page_token().map(str::to_string);
        if token.is_none() {
            break;
        }
        assert!(pages < 50, "pagination does not terminate");
    }
    assert!(
        pages > 2,
        "page_size 7 must force more than 2 pages, got {pages}"
    );
    assert_eq!(emu.count("ce", Some("GetCostAndUsage")), pages);
    assert_eq!(merged.len(), 10, "every day of the period appears");
    assert!(
        merged.values().any(|parts| parts.len() > 1),
        "some day's groups are split across two pages"
    );

    let window = in_period(&all, start, end);
    let mut per_group: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for (bucket_start, parts) in &merged {
        let mut seen = BTreeSet::new();
        for r in parts {
            assert!(
                r.total().is_none_or(|t| t.is_empty()),
                "grouped Total is empty"
            );
            for g in r.groups() {
                let keys = g.keys();
                assert_eq!(keys.len(), 2);
                assert!(
                    seen.insert(keys.to_vec()),
                    "group {keys:?} repeated in {bucket_start}"
                );
                let d = day(bucket_start);
                let expected = sum(window
                    .iter()
                    .filter(|i| i.date == d && i.service == keys[0] && i.region == keys[1]));
                assert_eq!(amount(g.metrics()), expected, "{bucket_start} {keys:?}");
                *per_group
                    .entry((keys[0].clone(), keys[1].clone()))
                    .or_default() += expected;
            }
        }
    }
    let mut expected_groups: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for i in &window {
        *expected_groups
            .entry((i.service.to_string(), i.region.to_string()))
            .or_default() += i.amount;
    }
    assert_eq!(per_group, expected_groups);

    // Changing the parameters between pages is refused; a garbage token too.
    let first = ce
        .get_cost_and_usage()
        .time_period(period(start, end))
        .granularity(Granularity::Daily)
        .metrics("UnblendedCost")
        .group_by(
            GroupDefinition::builder()
                .r#type(GroupDefinitionType::Dimension)
                .key("SERVICE")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let changed = ce
        .get_cost_and_usage()
        .time_period(period(start, "2026-11-21"))
        .granularity(Granularity::Daily)
        .metrics("UnblendedCost")
        .group_by(
            GroupDefinition::builder()
                .r#type(GroupDefinitionType::Dimension)
                .key("SERVICE")
                .build(),
        )
        .next_page_token(first.next_page_token().expect("more pages"))
        .send()
        .await
        .expect_err("changed request");
    assert_eq!(changed.code(), Some("RequestChangedException"));
    let garbage = ce
        .get_cost_and_usage()
        .time_period(period(start, end))
        .granularity(Granularity::Daily)
        .metrics("UnblendedCost")
        .next_page_token("not-a-token")
        .send()
        .await
        .expect_err("garbage token");
    assert_eq!(garbage.code(), Some("InvalidNextTokenException"));
}

// ---------------------------------------------------------------------------- 4. tag group-by

#[tokio::test]
async fn tag_group_by_keys() {
    let (_emu, all, ce) = seeded(json!({})).await;
    let out = ce
        .get_cost_and_usage()
        .time_period(period("2026-11-01", TODAY))
        .granularity(Granularity::Monthly)
        .metrics("UnblendedCost")
        .group_by(
            GroupDefinition::builder()
                .r#type(GroupDefinitionType::Tag)
                .key("team")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.results_by_time().len(), 1);
    let groups: BTreeMap<String, Decimal> = out.results_by_time()[0]
        .groups()
        .iter()
        .map(|g| (g.keys()[0].clone(), amount(g.metrics())))
        .collect();
    let nov = in_period(&all, "2026-11-01", TODAY);
    let want = |v: Option<&str>| sum(nov.iter().filter(|i| i.tags.get("team").copied() == v));
    let expected: BTreeMap<String, Decimal> = [
        ("team$".to_string(), want(None)),
        ("team$data".to_string(), want(Some("data"))),
        ("team$web".to_string(), want(Some("web"))),
    ]
    .into_iter()
    .collect();
    assert_eq!(groups, expected);

    let by_account = ce
        .get_cost_and_usage()
        .time_period(period("2026-11-01", TODAY))
        .granularity(Granularity::Monthly)
        .metrics("UnblendedCost")
        .group_by(
            GroupDefinition::builder()
                .r#type(GroupDefinitionType::Dimension)
                .key("LINKED_ACCOUNT")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let attrs: Vec<(String, String)> = by_account
        .dimension_value_attributes()
        .iter()
        .map(|a| {
            let name = a.attributes().and_then(|m| m.get("description")).cloned();
            (a.value().unwrap().to_string(), name.unwrap_or_default())
        })
        .collect();
    let want: Vec<(String, String)> = ACCOUNTS
        .iter()
        .map(|(a, n)| (a.to_string(), n.to_string()))
        .collect();
    assert_eq!(attrs, want);
    for g in by_account.results_by_time()[0].groups() {
        let acct = g.keys()[0].as_str();
        assert_eq!(
            amount(g.metrics()),
            sum(nov.iter().filter(|i| i.account == acct))
        );
    }
}

// ---------------------------------------------------------------------------- 5. monthly

#[tokio::test]
async fn monthly_buckets_across_year_boundary() {
    let (_emu, all, ce) = seeded(json!({})).await;
    let out = ce
        .get_cost_and_usage()
        .time_period(period("2025-12-15", "2026-02-10"))
        .granularity(Granularity::Monthly)
        .metrics("UnblendedCost")
        .send()
        .await
        .unwrap();
    let buckets = [
        ("2025-12-15", "2026-01-01"),
        ("2026-01-01", "2026-02-01"),
        ("2026-02-01", "2026-02-10"),
    ];
    assert_eq!(out.results_by_time().len(), 3);
    for (r, (s, e)) in out.results_by_time().iter().zip(buckets) {
        let tp = r.time_period().unwrap();
        assert_eq!((tp.start(), tp.end()), (s, e));
        assert_eq!(amount(r.total()), sum(&in_period(&all, s, e)), "{s}..{e}");
        assert!(!r.estimated());
    }
}

// ---------------------------------------------------------------------------- 6. errors

#[tokio::test]
async fn errors_validation_throttle_expired_and_data_unavailable() {
    let (emu, _all, ce) = seeded(json!({})).await;
    let call = || {
        ce.get_cost_and_usage()
            .time_period(period("2026-11-01", TODAY))
            .granularity(Granularity::Monthly)
            .metrics("UnblendedCost")
    };

    // two roots in one Expression
    let two_roots = Expression::builder()
        .dimensions(
            DimensionValues::builder()
                .key(Dimension::Region)
                .values("us-east-1")
                .build(),
        )
        .tags(TagValues::builder().key("team").values("web").build())
        .build();
    let err = call()
        .filter(two_roots)
        .send()
        .await
        .expect_err("two roots");
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("more than one roots"),
        "{err:?}"
    );

    // Start >= End, and more than two GroupBy
    let err = ce
        .get_cost_and_usage()
        .time_period(period(TODAY, "2026-11-01"))
        .granularity(Granularity::Daily)
        .metrics("UnblendedCost")
        .send()
        .await
        .expect_err("start after end");
    assert_eq!(err.code(), Some("ValidationException"));
    let mut three = call();
    for key in ["SERVICE", "REGION", "LINKED_ACCOUNT"] {
        three = three.group_by(
            GroupDefinition::builder()
                .r#type(GroupDefinitionType::Dimension)
                .key(key)
                .build(),
        );
    }
    assert_eq!(
        three.send().await.expect_err("3 group-bys").code(),
        Some("ValidationException")
    );

    // a single throttle is retried by the SDK
    emu.clear_journal();
    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "throttle", "count": 1}));
    call().send().await.expect("retried after one throttle");
    let journal = emu.journal();
    let statuses: Vec<u64> = journal
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![400, 200]);

    // persistent throttling surfaces as LimitExceededException after the SDK's retries
    emu.clear_journal();
    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "throttle", "count": -1}));
    let err = call().send().await.expect_err("always throttled");
    assert_eq!(err.code(), Some("LimitExceededException"));
    assert_eq!(err.message(), Some("Rate limit exceeded"));
    assert!(err.into_service_error().is_limit_exceeded_exception());
    assert_eq!(
        emu.count("ce", Some("GetCostAndUsage")),
        3,
        "max_attempts = 3"
    );
    emu.clear_faults();

    // expired token
    emu.fault(json!({"service": "ce", "operation": "*", "kind": "expired_token"}));
    let err = call().send().await.expect_err("expired token");
    assert_eq!(err.code(), Some("ExpiredTokenException"));
    assert_eq!(
        err.message(),
        Some("The security token included in the request is expired")
    );

    // access denied names the action
    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "access_denied"}));
    let err = call().send().await.expect_err("access denied");
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert!(err.message().unwrap().contains("ce:GetCostAndUsage"));
    call().send().await.expect("fault count 1 is used up");

    // forecast data unavailable
    emu.seed(&fixture(&items(), json!({"forecast_unavailable": true})));
    let err = ce
        .get_cost_forecast()
        .time_period(period(TODAY, "2026-12-01"))
        .metric(Metric::UnblendedCost)
        .granularity(Granularity::Monthly)
        .send()
        .await
        .expect_err("forecast unavailable");
    assert_eq!(err.code(), Some("DataUnavailableException"));
    assert_eq!(
        err.message(),
        Some("Insufficient amount of historical data.")
    );
    assert!(err.into_service_error().is_data_unavailable_exception());
}

#[tokio::test]
async fn faults_server_error_unavailable_delay_and_sts_xml() {
    let (emu, _all, ce) = seeded(json!({})).await;
    let call = || {
        ce.get_cost_and_usage()
            .time_period(period("2026-11-01", TODAY))
            .granularity(Granularity::Monthly)
            .metrics("UnblendedCost")
    };
    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "server_error"}));
    emu.fault(json!({"operation": "*", "service": "ce", "kind": "unavailable"}));
    call().send().await.expect("500 then 503 are retried");
    let statuses: Vec<u64> = emu
        .journal()
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![500, 503, 200]);

    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "delay", "delay_ms": 400}));
    let started = std::time::Instant::now();
    call().send().await.expect("a delay still answers");
    assert!(started.elapsed() >= std::time::Duration::from_millis(400));

    let sts = aws_sdk_sts::Client::new(&emu.sdk_config().await);
    emu.fault(json!({"service": "sts", "operation": "GetCallerIdentity", "kind": "access_denied"}));
    let err = sts.get_caller_identity().send().await.expect_err("denied");
    assert_eq!(
        aws_sdk_sts::error::ProvideErrorMetadata::code(&err),
        Some("AccessDenied")
    );
    assert!(
        aws_sdk_sts::error::ProvideErrorMetadata::message(&err)
            .unwrap()
            .contains("sts:GetCallerIdentity")
    );
}

// ---------------------------------------------------------------------------- 7. dimension values and tags

#[tokio::test]
async fn dimension_values_and_tags() {
    let (_emu, _all, ce) = seeded(json!({})).await;
    let accounts = ce
        .get_dimension_values()
        .time_period(period("2026-11-01", TODAY))
        .dimension(Dimension::LinkedAccount)
        .send()
        .await
        .unwrap();
    let got: Vec<(String, String)> = accounts
        .dimension_values()
        .iter()
        .map(|v| {
            let name = v
                .attributes()
                .and_then(|a| a.get("description"))
                .cloned()
                .unwrap_or_default();
            (v.value().unwrap().to_string(), name)
        })
        .collect();
    let want: Vec<(String, String)> = ACCOUNTS
        .iter()
        .map(|(a, n)| (a.to_string(), n.to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!((accounts.return_size(), accounts.total_size()), (2, 2));

    let services = ce
        .get_dimension_values()
        .time_period(period("2026-11-01", TODAY))
        .dimension(Dimension::Service)
        .search_string("amazon")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = services
        .dimension_values()
        .iter()
        .map(|v| v.value().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![SERVICES[1], SERVICES[0]],
        "sorted, case-insensitive match"
    );

    let keys = ce
        .get_tags()
        .time_period(period("2026-11-01", TODAY))
        .send()
        .await
        .unwrap();
    assert_eq!(keys.tags(), ["env", "team"]);
    assert_eq!(keys.total_size(), 2);
    let values = ce
        .get_tags()
        .time_period(period("2026-11-01", TODAY))
        .tag_key("team")
        .send()
        .await
        .unwrap();
    assert_eq!(values.tags(), ["data", "web"]);
}

// ---------------------------------------------------------------------------- 8. forecast

/// The emulator's documented formula: mean daily cost over the 14 days before today
/// (filtered), times the days of each bucket; bounds = mean * level% and mean * (200-level)%;
/// every value rounded half-even to 10 decimal places.
#[tokio::test]
async fn forecast_matches_documented_formula() {
    let (_emu, all, ce) = seeded(json!({})).await;
    let today = day(TODAY);
    let window = in_period(&all, &(today - Days::days(14)).to_string(), TODAY);
    let round = |d: Decimal| d.round_dp_with_strategy(10, RoundingStrategy::MidpointNearestEven);
    let check = |filter: Option<Expression>, window: Vec<Item>| {
        let ce = ce.clone();
        async move {
            let out = ce
                .get_cost_forecast()
                .time_period(period(TODAY, "2026-12-03"))
                .metric(Metric::UnblendedCost)
                .granularity(Granularity::Monthly)
                .prediction_interval_level(90)
                .set_filter(filter)
                .send()
                .await
                .expect("GetCostForecast");
            let window_sum = sum(&window);
            let mean = |days: i64| window_sum * Decimal::from(days) / dec!(14);
            let total = out.total().unwrap();
            assert_eq!(total.unit(), Some("USD"));
            assert_eq!(
                Decimal::from_str(total.amount().unwrap()).unwrap(),
                round(mean(8))
            );
            let results = out.forecast_results_by_time();
            assert_eq!(results.len(), 2);
            for (r, (s, e, days)) in results
                .iter()
                .zip([(TODAY, "2026-12-01", 6), ("2026-12-01", "2026-12-03", 2)])
            {
                let tp = r.time_period().unwrap();
                assert_eq!((tp.start(), tp.end()), (s, e));
                let m = mean(days);
                let parse = |v: Option<&str>| Decimal::from_str(v.unwrap()).unwrap();
                assert_eq!(parse(r.mean_value()), round(m));
                assert_eq!(
                    parse(r.prediction_interval_lower_bound()),
                    round(m * dec!(90) / dec!(100))
                );
                assert_eq!(
                    parse(r.prediction_interval_upper_bound()),
                    round(m * dec!(110) / dec!(100))
                );
            }
        }
    };
    check(None, window.clone()).await;
    let web: Vec<Item> = window
        .iter()
        .filter(|i| i.tags.get("team") == Some(&"web"))
        .cloned()
        .collect();
    check(Some(tag("team", &["web"], &[])), web).await;

    let err = ce
        .get_cost_forecast()
        .time_period(period("2026-11-20", "2026-12-01"))
        .metric(Metric::UnblendedCost)
        .granularity(Granularity::Monthly)
        .send()
        .await
        .expect_err("forecast starting in the past");
    assert_eq!(err.code(), Some("ValidationException"));
}

// ---------------------------------------------------------------------------- 9. CloudWatch

#[tokio::test]
async fn cloudwatch_cbor_bridge_round_trips() {
    use aws_sdk_cloudwatch::types::{
        Dimension as CwDimension, Metric as CwMetric, MetricDataQuery, MetricDatum, MetricStat,
        Statistic,
    };
    use aws_smithy_types::DateTime;

    let emu = Emulator::start();
    let cw = aws_sdk_cloudwatch::Client::new(&emu.sdk_config().await);
    let period_s: i64 = 21_600;
    let now = chrono::Utc::now().timestamp();
    let t0 = now - now.rem_euclid(period_s) - 4 * period_s;
    let points = [
        (t0, 10.5),
        (t0 + period_s, 20.25),
        (t0 + 2 * period_s, 30.75),
    ];
    let currency = CwDimension::builder().name("Currency").value("USD").build();
    let mut put = cw.put_metric_data().namespace("AWS/Billing");
    for (ts, value) in points {
        put = put.metric_data(
            MetricDatum::builder()
                .metric_name("EstimatedCharges")
                .dimensions(currency.clone())
                .timestamp(DateTime::from_secs(ts))
                .value(value)
                .build(),
        );
    }
    put.send().await.expect("PutMetricData");

    let metric = CwMetric::builder()
        .namespace("AWS/Billing")
        .metric_name("EstimatedCharges")
        .dimensions(currency.clone())
        .build();
    let data = cw
        .get_metric_data()
        .metric_data_queries(
            MetricDataQuery::builder()
                .id("charges")
                .metric_stat(
                    MetricStat::builder()
                        .metric(metric)
                        .period(period_s as i32)
                        .stat("Maximum")
                        .build(),
                )
                .build(),
        )
        .start_time(DateTime::from_secs(t0))
        .end_time(DateTime::from_secs(t0 + 3 * period_s))
        .send()
        .await
        .expect("GetMetricData");
    let result = &data.metric_data_results()[0];
    assert_eq!(result.id(), Some("charges"));
    let mut got: Vec<(i64, f64)> = result
        .timestamps()
        .iter()
        .map(|t| t.secs())
        .zip(result.values().iter().copied())
        .collect();
    got.sort_by_key(|p| p.0);
    assert_eq!(got, points.to_vec());

    let stats = cw
        .get_metric_statistics()
        .namespace("AWS/Billing")
        .metric_name("EstimatedCharges")
        .dimensions(currency.clone())
        .start_time(DateTime::from_secs(t0))
        .end_time(DateTime::from_secs(t0 + 3 * period_s))
        .period(period_s as i32)
        .statistics(Statistic::Maximum)
        .send()
        .await
        .expect("GetMetricStatistics");
    let mut got: Vec<(i64, f64)> = stats
        .datapoints()
        .iter()
        .map(|d| (d.timestamp().unwrap().secs(), d.maximum().unwrap()))
        .collect();
    got.sort_by_key(|p| p.0);
    assert_eq!(got, points.to_vec());

    let listed = cw
        .list_metrics()
        .namespace("AWS/Billing")
        .send()
        .await
        .expect("ListMetrics");
    assert_eq!(listed.metrics().len(), 1);
    let m = &listed.metrics()[0];
    assert_eq!(m.metric_name(), Some("EstimatedCharges"));
    assert_eq!(m.dimensions(), [currency]);

    // errors come back through the bridge, in CBOR, with the query-compatible code
    let err = cw
        .get_dashboard()
        .dashboard_name("missing")
        .send()
        .await
        .expect_err("no dashboard");
    assert_eq!(
        aws_sdk_cloudwatch::error::ProvideErrorMetadata::code(&err),
        Some("ResourceNotFound")
    );
    emu.fault(json!({"service": "cloudwatch", "operation": "ListMetrics", "kind": "throttle", "count": -1}));
    let err = cw.list_metrics().send().await.expect_err("throttled");
    assert_eq!(
        aws_sdk_cloudwatch::error::ProvideErrorMetadata::code(&err),
        Some("Throttling")
    );
    assert_eq!(emu.count("cloudwatch", Some("PutMetricData")), 1);
    let put_entry = emu
        .journal()
        .into_iter()
        .find(|e| e["operation"] == "PutMetricData")
        .unwrap();
    assert_eq!(put_entry["request"]["Namespace"], "AWS/Billing");
    let first = &put_entry["request"]["MetricData"][0];
    assert_eq!(
        first["Timestamp"].as_f64(),
        Some(t0 as f64),
        "CBOR tag 1 decoded to epoch seconds"
    );
    assert_eq!(first["Value"].as_f64(), Some(10.5));
}

// ---------------------------------------------------------------------------- 10. Budgets

#[tokio::test]
async fn budgets_create_describe_and_notifications() {
    use aws_sdk_budgets::types::{
        Budget, BudgetType, CalculatedSpend, ComparisonOperator, Notification, NotificationType,
        NotificationWithSubscribers, Spend, Subscriber, SubscriptionType, ThresholdType, TimeUnit,
    };
    let emu = Emulator::start();
    let budgets = aws_sdk_budgets::Client::new(&emu.sdk_config().await);
    let spend = |amount: &str| Spend::builder().amount(amount).unit("USD").build().unwrap();
    for (name, limit) in [("monthly-total", "1000"), ("monthly-s3", "250.5")] {
        let budget = Budget::builder()
            .budget_name(name)
            .budget_type(BudgetType::Cost)
            .time_unit(TimeUnit::Monthly)
            .budget_limit(spend(limit))
            .calculated_spend(
                CalculatedSpend::builder()
                    .actual_spend(spend("123.45"))
                    .forecasted_spend(spend("456.78"))
                    .build(),
            )
            .build()
            .unwrap();
        let notification = NotificationWithSubscribers::builder()
            .notification(
                Notification::builder()
                    .notification_type(NotificationType::Actual)
                    .comparison_operator(ComparisonOperator::GreaterThan)
                    .threshold(80.0)
                    .threshold_type(ThresholdType::Percentage)
                    .build()
                    .unwrap(),
            )
            .subscribers(
                Subscriber::builder()
                    .subscription_type(SubscriptionType::Email)
                    .address("ops@example.com")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        budgets
            .create_budget()
            .account_id(support::TEST_ACCOUNT_ID)
            .budget(budget)
            .notifications_with_subscribers(notification)
            .send()
            .await
            .expect("CreateBudget");
    }
    let all: Vec<Budget> = budgets
        .describe_budgets()
        .account_id(support::TEST_ACCOUNT_ID)
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("DescribeBudgets");
    let mut got: Vec<(String, Decimal)> = all
        .iter()
        .map(|b| {
            (
                b.budget_name().to_string(),
                Decimal::from_str(b.budget_limit().unwrap().amount()).unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("monthly-s3".to_string(), dec!(250.5)),
            ("monthly-total".to_string(), dec!(1000))
        ]
    );
    let b = all
        .iter()
        .find(|b| b.budget_name() == "monthly-total")
        .unwrap();
    assert_eq!(b.budget_type(), &BudgetType::Cost);
    assert_eq!(b.time_unit(), &TimeUnit::Monthly);
    let cs = b.calculated_spend().expect("CalculatedSpend");
    assert_eq!(
        Decimal::from_str(cs.actual_spend().unwrap().amount()).unwrap(),
        dec!(123.45)
    );
    assert_eq!(
        Decimal::from_str(cs.forecasted_spend().unwrap().amount()).unwrap(),
        dec!(456.78)
    );

    let notes = budgets
        .describe_notifications_for_budget()
        .account_id(support::TEST_ACCOUNT_ID)
        .budget_name("monthly-total")
        .send()
        .await
        .expect("DescribeNotificationsForBudget");
    assert_eq!(notes.notifications().len(), 1);
    let n = &notes.notifications()[0];
    assert_eq!(n.notification_type(), &NotificationType::Actual);
    assert_eq!(n.comparison_operator(), &ComparisonOperator::GreaterThan);
    assert_eq!(n.threshold(), 80.0);

    emu.fault(json!({"service": "budgets", "operation": "DescribeBudgets", "kind": "throttle", "count": -1}));
    let err = budgets
        .describe_budgets()
        .account_id(support::TEST_ACCOUNT_ID)
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(
        aws_sdk_budgets::error::ProvideErrorMetadata::code(&err),
        Some("ThrottlingException")
    );
    assert!(err.into_service_error().is_throttling_exception());
}

// ---------------------------------------------------------------------------- 11. STS

#[tokio::test]
async fn sts_get_caller_identity() {
    let emu = Emulator::start();
    let sts = aws_sdk_sts::Client::new(&emu.sdk_config().await);
    let me = sts
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(me.account(), Some(support::TEST_ACCOUNT_ID));

    emu.fault(json!({"service": "sts", "operation": "GetCallerIdentity", "kind": "expired_token"}));
    let err = sts.get_caller_identity().send().await.expect_err("expired");
    assert_eq!(
        aws_sdk_sts::error::ProvideErrorMetadata::code(&err),
        Some("ExpiredToken")
    );
    assert_eq!(emu.count("sts", Some("GetCallerIdentity")), 2);
}

// ---------------------------------------------------------------------------- 12. journal

#[tokio::test]
async fn journal_counts_are_exact_and_skip_control_calls() {
    let (emu, _all, ce) = seeded(json!({})).await;
    let cfg = emu.sdk_config().await;
    let sts = aws_sdk_sts::Client::new(&cfg);
    assert!(emu.journal().is_empty(), "seeding is a control call");
    for _ in 0..2 {
        ce.get_cost_and_usage()
            .time_period(period("2026-11-01", TODAY))
            .granularity(Granularity::Monthly)
            .metrics("UnblendedCost")
            .send()
            .await
            .unwrap();
    }
    ce.get_tags()
        .time_period(period("2026-11-01", TODAY))
        .send()
        .await
        .unwrap();
    sts.get_caller_identity().send().await.unwrap();
    let _ = emu.fixture_summary();
    emu.seed(&fixture(&items(), json!({})));

    assert_eq!(emu.count("ce", Some("GetCostAndUsage")), 2);
    assert_eq!(emu.count("ce", Some("GetTags")), 1);
    assert_eq!(emu.count("ce", None), 3);
    assert_eq!(emu.count("sts", Some("GetCallerIdentity")), 1);
    assert_eq!(emu.count("budgets", None), 0);
    let journal = emu.journal();
    assert_eq!(journal.len(), 4);
    let first = &journal[0];
    assert_eq!(first["status"], 200);
    assert_eq!(first["request"]["TimePeriod"]["Start"], "2026-11-01");
    assert_eq!(first["request"]["Granularity"], "MONTHLY");
    assert!(first["at"].as_f64().unwrap() > 1.0e9);
    assert_eq!(journal[3]["request"]["Action"], "GetCallerIdentity");

    emu.clear_journal();
    assert_eq!(emu.journal().len(), 0);
}

// ---------------------------------------------------------------------------- 13. missing emulator

#[test]
fn missing_python_gives_install_hint() {
    let err = support::resolve_python(
        Some(OsStr::new("/nonexistent/awsdash/python")),
        Path::new("/nonexistent"),
    )
    .expect_err("a missing interpreter is an error");
    assert!(err.starts_with("AWS emulator not available ("), "{err}");
    assert!(err.contains("/nonexistent/awsdash/python"), "{err}");
    assert!(err.contains("./scripts/test.sh"), "{err}");
    assert!(
        err.contains(
            "python3 -m venv .venv-emulator && .venv-emulator/bin/pip install -r tests/emulator/requirements.txt"
        ),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let err =
        support::resolve_python(None, dir.path()).expect_err("no default venv in an empty dir");
    assert!(
        err.contains(".venv-emulator/bin/python") && err.contains(support::INSTALL_HINT),
        "{err}"
    );

    let fake = dir.path().join(".venv-emulator/bin/python");
    std::fs::create_dir_all(fake.parent().unwrap()).unwrap();
    std::fs::write(&fake, "").unwrap();
    assert_eq!(
        support::resolve_python(Some(OsStr::new("")), dir.path()).unwrap(),
        fake
    );
    assert_eq!(
        support::resolve_python(Some(fake.as_os_str()), Path::new("/nonexistent")).unwrap(),
        fake
    );
}
