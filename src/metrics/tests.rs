use super::*;

use chrono::NaiveDate;

use crate::model::{Budget, CubeBuilder, FilterSet, Query, Window};
use crate::source::demo::DemoSource;

fn today() -> NaiveDate {
    "2026-11-25".parse().expect("date")
}

fn now() -> DateTime<Utc> {
    "2026-11-25T16:40:00Z".parse().expect("time")
}

/// The demo account's snapshot (budgets, forecast, a cube) for the last 30 days.
fn demo() -> Snapshot {
    let query = Query {
        window: Window::last_days(today(), 30).expect("window"),
        filters: FilterSet::default(),
    };
    DemoSource {
        exclude_credits: false,
    }
    .snapshot(&query, today(), now())
}

/// `demo()` with a cube of `services`, each costing `cost` on each day of the month so far.
fn with_services(services: &[String], cost: &str) -> Snapshot {
    let mut snapshot = demo();
    let range = snapshot.query.fetch_range(today());
    let mut cube = CubeBuilder::new(range);
    for day in window::month_to_date(today()).iter_days() {
        for service in services {
            cube.add(day, service, "us-east-1", cost.parse().expect("money"));
        }
    }
    snapshot.cube = Some(cube.build());
    snapshot
}

fn lines_of<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .collect()
}

/// The samples of `name`: the text before the value, and the value.
fn samples(text: &str, name: &str) -> Vec<(String, f64)> {
    lines_of(text, name)
        .into_iter()
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("series and value");
            (series.to_string(), value.parse().expect("a float"))
        })
        .collect()
}

#[test]
fn every_family_is_described_even_before_the_first_snapshot() {
    let text = render(None, Vec::new()).expect("render");
    for name in [
        "awsdash_up",
        "awsdash_cost_month_to_date",
        "awsdash_cost_month_to_date_by_service",
        "awsdash_cost_forecast_month_end",
        "awsdash_budget_actual",
        "awsdash_budget_limit",
        "awsdash_alerts_firing",
        "awsdash_aws_requests_total",
        "awsdash_last_success_timestamp_seconds",
    ] {
        let help = text
            .lines()
            .find(|l| l.starts_with(&format!("# HELP {name} ")))
            .unwrap_or_else(|| panic!("no HELP for {name}:\n{text}"));
        // The request counter is counted live; everything else comes from the snapshot.
        if name != "awsdash_aws_requests_total" {
            assert!(help.contains("Cached from the last snapshot"), "{help}");
        }
        assert!(text.contains(&format!("# TYPE {name} ")), "{name}:\n{text}");
    }
    assert_eq!(lines_of(&text, "awsdash_up"), ["awsdash_up 0"]);
    assert!(lines_of(&text, "awsdash_cost_month_to_date").is_empty());
}

#[test]
fn month_to_date_and_services_agree_with_the_snapshot() {
    let snapshot = demo();
    let mtd = snapshot.month_to_date().expect("mtd").cost;
    let text = render(Some(Arc::new(snapshot.clone())), Vec::new()).expect("render");
    assert_eq!(
        samples(&text, "awsdash_cost_month_to_date"),
        [(
            "awsdash_cost_month_to_date{currency=\"USD\"}".to_string(),
            gauge_value(mtd)
        )]
    );
    let services = services_month_to_date(&snapshot);
    let sum: Money = services.iter().map(|(_, cost)| *cost).sum();
    assert_eq!(sum, mtd, "the services sum to the total");
    assert_eq!(
        lines_of(&text, "awsdash_cost_month_to_date_by_service").len(),
        services.len()
    );
    let budgets = lines_of(&text, "awsdash_budget_limit");
    assert_eq!(budgets.len(), snapshot.budgets.len(), "{text}");
    assert!(!budgets.is_empty());
}

#[test]
fn past_the_top_fifty_services_are_one_other_series_and_the_sum_holds() {
    let names: Vec<String> = (0..80).map(|i| format!("Service {i:02}")).collect();
    let mut snapshot = with_services(&names, "1.25");
    // One service costs more, so the order is by cost first.
    let mut cube = CubeBuilder::new(snapshot.query.fetch_range(today()));
    for day in window::month_to_date(today()).iter_days() {
        for (i, service) in names.iter().enumerate() {
            let cost = if i == 79 { "9" } else { "1.25" };
            cube.add(day, service, "us-east-1", cost.parse().expect("money"));
        }
    }
    snapshot.cube = Some(cube.build());
    let services = services_month_to_date(&snapshot);
    assert_eq!(services.len(), TOP_SERVICES + 1);
    assert_eq!(services[0].0, "Service 79");
    assert_eq!(services[TOP_SERVICES].0, OTHER);
    let days = i64::from(window::month_to_date(today()).days() as i32);
    let per_service: Money = "1.25".parse().expect("money");
    let thirty: Money = (0..30 * days).map(|_| per_service).sum();
    assert_eq!(services[TOP_SERVICES].1, thirty, "30 services summed");
    let sum: Money = services.iter().map(|(_, cost)| *cost).sum();
    assert_eq!(sum, snapshot.month_to_date().expect("mtd").cost);
}

#[test]
fn hostile_names_are_escaped_cleaned_and_never_doubled() {
    let names = vec![
        "Quote\" back\\slash\nnew line".to_string(),
        "Quote\" back\\slash\rnew line".to_string(),
        "\u{1b}[31mred".to_string(),
    ];
    let mut snapshot = with_services(&names, "2");
    snapshot.budgets = vec![Budget {
        name: "team \"ops\"\\\n".into(),
        time_unit: "MONTHLY".into(),
        limit: "100".parse().expect("money"),
        actual: "12.5".parse().expect("money"),
        forecasted: None,
        thresholds: Vec::new(),
        period: None,
    }];
    let text = render(Some(Arc::new(snapshot)), Vec::new()).expect("render");
    let services = samples(&text, "awsdash_cost_month_to_date_by_service");
    // The two names differ only in a control character: one series, both amounts.
    assert_eq!(services.len(), 2, "{services:?}");
    let days = window::month_to_date(today()).days();
    let quoted = "awsdash_cost_month_to_date_by_service{service=\"Quote\\\" back\\\\slash\u{fffd}new line\",currency=\"USD\"}";
    assert!(
        services.contains(&(quoted.to_string(), (4 * days) as f64)),
        "{services:?}"
    );
    assert!(!text.contains('\u{1b}') && !text.contains('\r'));
    assert_eq!(
        lines_of(&text, "awsdash_budget_actual"),
        ["awsdash_budget_actual{budget=\"team \\\"ops\\\"\\\\\u{fffd}\",currency=\"USD\"} 12.5"]
    );
}

#[test]
fn requests_are_a_counter_per_service_and_operation() {
    let requests = vec![
        (("cost_explorer".into(), "GetCostAndUsage".into()), 3),
        (("sts".into(), "GetCallerIdentity".into()), 1),
    ];
    let text = render(Some(Arc::new(demo())), requests).expect("render");
    assert!(text.contains("# TYPE awsdash_aws_requests_total counter\n"));
    assert_eq!(
        lines_of(&text, "awsdash_aws_requests_total"),
        [
            "awsdash_aws_requests_total{service=\"cost_explorer\",operation=\"GetCostAndUsage\"} 3",
            "awsdash_aws_requests_total{service=\"sts\",operation=\"GetCallerIdentity\"} 1",
        ]
    );
}

#[test]
fn up_needs_fresh_cost_explorer_numbers_and_no_failing_source() {
    let good = demo();
    assert!(up(Some(&good)));
    let mut stale = good.clone();
    stale.stale = true;
    assert!(!up(Some(&stale)));
    let mut failing = good.clone();
    failing.problems.budgets = Some("denied".into());
    assert!(!up(Some(&failing)));
    let mut empty = good;
    empty.cube = None;
    assert!(!up(Some(&empty)));
    assert!(!up(None));
}
