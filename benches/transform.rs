//! Transform of a large paginated Cost Explorer answer into a snapshot: 400 days × 200
//! services × 20 regions (1.6 M groups) absorbed page by page into the cube, then summed into
//! the breakdown the screen and the JSON need. Prints the process's peak resident memory.

use std::collections::HashMap;

use aws_sdk_costexplorer::types::{DateInterval, Group, MetricValue, ResultByTime};
use chrono::{Duration, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};

use awsdash::config::Metric;
use awsdash::model::{CubeBuilder, Window};
use awsdash::source::aws::ce::absorb;

const DAYS: i64 = 400;
const SERVICES: usize = 200;
const REGIONS: usize = 20;
/// Groups per page: the answer arrives as 320 pages, days split across pages.
const PAGE: usize = 5_000;

fn pages(start: NaiveDate) -> Vec<Vec<ResultByTime>> {
    let mut rows = Vec::new();
    for d in 0..DAYS {
        let day = start + Duration::days(d);
        for s in 0..SERVICES {
            for r in 0..REGIONS {
                rows.push((day, s, r));
            }
        }
    }
    rows.chunks(PAGE)
        .map(|chunk| {
            let mut out: Vec<ResultByTime> = Vec::new();
            let mut groups = Vec::new();
            let mut current = chunk[0].0;
            let flush = |day: NaiveDate, groups: &mut Vec<Group>, out: &mut Vec<ResultByTime>| {
                let period = DateInterval::builder()
                    .start(day.to_string())
                    .end((day + Duration::days(1)).to_string())
                    .build()
                    .expect("period");
                out.push(
                    ResultByTime::builder()
                        .time_period(period)
                        .set_groups(Some(std::mem::take(groups)))
                        .estimated(false)
                        .build(),
                );
            };
            for (day, s, r) in chunk {
                if *day != current {
                    flush(current, &mut groups, &mut out);
                    current = *day;
                }
                let amount = format!(
                    "{}.{:010}",
                    (s * 7 + r) % 900,
                    (s * 31 + r * 17) % 10_000_000_000
                );
                let metrics = HashMap::from([(
                    "UnblendedCost".to_string(),
                    MetricValue::builder().amount(amount).unit("USD").build(),
                )]);
                groups.push(
                    Group::builder()
                        .keys(format!("Service {s:03}"))
                        .keys(format!("region-{r:02}"))
                        .set_metrics(Some(metrics))
                        .build(),
                );
            }
            flush(current, &mut groups, &mut out);
            out
        })
        .collect()
}

fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn transform(c: &mut Criterion) {
    let start = NaiveDate::from_ymd_opt(2025, 10, 22).expect("date");
    let range = Window {
        start,
        end: start + Duration::days(DAYS),
    };
    let answer = pages(start);
    let before = peak_rss_mib();
    let mut group = c.benchmark_group("ce_transform");
    group.sample_size(10);
    group.bench_function("absorb_400d_200svc_20reg", |b| {
        b.iter(|| {
            let mut builder = CubeBuilder::new(range);
            for page in &answer {
                absorb(&mut builder, page, Metric::UnblendedCost).expect("absorb");
            }
            builder.build()
        })
    });
    let mut builder = CubeBuilder::new(range);
    for page in &answer {
        absorb(&mut builder, page, Metric::UnblendedCost).expect("absorb");
    }
    let cube = builder.build();
    group.bench_function("breakdown_400d_200svc_20reg", |b| {
        b.iter(|| cube.breakdown(range))
    });
    group.finish();
    eprintln!(
        "peak RSS: {:?} MiB with the input pages alone, {:?} MiB after transforming",
        before,
        peak_rss_mib()
    );
}

criterion_group!(benches, transform);
criterion_main!(benches);
