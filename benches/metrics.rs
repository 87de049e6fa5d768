//! One `/metrics` scrape of `awsdash collect` with a big account in the last snapshot: 1,000
//! services × 400 days, each service in 1–3 regions, 20 budgets, and the requests of a busy
//! process. A scrape renders from memory; this is what Prometheus waits for.

use std::hint::black_box;
use std::sync::Arc;

use awsdash::model::{
    ApiCalls, Budget, CubeBuilder, FilterSet, FilterValues, Freshness, Money, Query, Snapshot,
    SourceKind, Window,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};

const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

fn big_snapshot() -> Snapshot {
    let end = today() + Duration::days(1);
    let range = Window::new(end - Duration::days(400), end).expect("range");
    let mut cube = CubeBuilder::new(range);
    for i in 0..1_000usize {
        let service = format!("Service {i:04}");
        for r in 0..1 + i % 3 {
            for (d, day) in range.iter_days().enumerate() {
                let cents = ((i * 7_919 + d * 104_729 + r * 13) % 50_000) as i64 + 1;
                cube.add(
                    day,
                    &service,
                    REGIONS[(i + r) % 4],
                    Money::from_units(cents, 2),
                );
            }
        }
    }
    let now: DateTime<Utc> = "2026-11-25T16:40:00Z".parse().expect("time");
    let budgets = (0..20)
        .map(|i| Budget {
            name: format!("team-{i}"),
            time_unit: "MONTHLY".into(),
            limit: Money::from_units(100_000, 2),
            actual: Money::from_units(i * 4_321, 2),
            forecasted: None,
            thresholds: Vec::new(),
            period: None,
        })
        .collect();
    Snapshot {
        source: SourceKind::Aws,
        generated_at: now,
        today: today(),
        account_id: Some("123456789012".into()),
        currency: "USD".into(),
        query: Query {
            window: Window::last_days(today(), 30).expect("window"),
            filters: FilterSet::default(),
        },
        cube: Some(cube.build()),
        forecast: None,
        budgets,
        estimated_charges: None,
        freshness: Freshness {
            cost_explorer: Some(now),
            budgets: Some(now),
            cloudwatch: Some(now),
        },
        api_calls: ApiCalls::default(),
        filter_values: FilterValues::default(),
        stale: false,
        problems: Default::default(),
        anomalies: Vec::new(),
        alerts: Vec::new(),
        aws_anomalies_note: None,
        aws_anomalies_read: true,
        analysis: Default::default(),
        origin: None,
        refreshing_by: None,
    }
}

fn requests() -> Vec<((String, String), u64)> {
    [
        ("cost_explorer", "GetCostAndUsage"),
        ("cost_explorer", "GetCostForecast"),
        ("cost_explorer", "GetDimensionValues"),
        ("cost_explorer", "GetAnomalies"),
        ("budgets", "DescribeBudgets"),
        ("cloudwatch", "GetMetricData"),
        ("sts", "GetCallerIdentity"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (s, o))| ((s.to_string(), o.to_string()), 1_000 + i as u64))
    .collect()
}

fn scrape(c: &mut Criterion) {
    let snapshot = Arc::new(big_snapshot());
    let requests = requests();
    c.bench_function("metrics: render /metrics, 1,000 services x 400 days", |b| {
        b.iter(|| {
            let text =
                awsdash::metrics::render(Some(snapshot.clone()), requests.clone()).expect("render");
            black_box(text.len())
        })
    });
}

criterion_group!(benches, scrape);
criterion_main!(benches);
