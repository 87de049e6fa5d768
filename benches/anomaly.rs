//! Local anomaly detection on a big account: 1,000 services × 400 days, each in 1–3 regions,
//! with weekly seasonality, noise, Cost Explorer's ten decimals, month-start charges on some
//! services, the last two days estimated and ten injected spikes (so the per-anomaly region
//! attribution runs too). It runs on every snapshot: the budget is well under 100 ms.

use std::hint::black_box;

use awsdash::analysis::{DetectOptions, detect};
use awsdash::model::{CostCube, CubeBuilder, Money, Window};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

const SERVICES: usize = 1_000;
const DAYS: i64 = 400;
const REGIONS: [&str; 6] = [
    "us-east-1",
    "eu-west-1",
    "us-west-2",
    "ap-southeast-2",
    "eu-central-1",
    "ap-northeast-1",
];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

/// splitmix64: deterministic noise.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// An amount in 1e-10 dollars for service `s`, region `r` on day `n`.
fn amount(s: usize, r: usize, n: i64, day: NaiveDate) -> i64 {
    let noise = mix((s as u64) << 32 ^ (r as u64) << 24 ^ n as u64);
    let base_cents = 50 + (mix(s as u64) % 20_000) as i64 / (r as i64 + 1);
    let week = match day.weekday() {
        Weekday::Sat | Weekday::Sun => 75,
        _ => 100,
    };
    let jitter = 940 + (noise % 121) as i64;
    let mut units = base_cents * 100_000_000 / 1_000 * jitter * week / 100;
    if s.is_multiple_of(25) && day.day() == 1 {
        units += base_cents * 100_000_000 * 20;
    }
    units + (noise >> 20) as i64 % 10_000
}

fn big_cube() -> CostCube {
    let end = today() + Duration::days(1);
    let range = Window::new(end - Duration::days(DAYS), end).expect("range");
    let mut cube = CubeBuilder::new(range);
    let services: Vec<String> = (0..SERVICES).map(|i| format!("Service {i:04}")).collect();
    for (n, day) in range.iter_days().enumerate() {
        for (s, service) in services.iter().enumerate() {
            for r in 0..1 + s % 3 {
                let region = REGIONS[(s + r) % REGIONS.len()];
                let units = amount(s, r, n as i64, day);
                cube.add(day, service, region, Money::from_units(units, 10));
            }
        }
    }
    for i in 0..10 {
        let day = today() - Duration::days(3 + i);
        let service = &services[i as usize * 97];
        cube.add(day, service, REGIONS[0], Money::from_units(900, 0));
    }
    cube.mark_estimated(today() - Duration::days(1));
    cube.mark_estimated(today());
    cube.build()
}

fn anomaly(c: &mut Criterion) {
    let cube = big_cube();
    let report = Window::last_days(today(), 30).expect("report");
    let opts = DetectOptions {
        min_impact: Money::from_units(50, 0),
        min_percent: Decimal::from(20),
    };
    eprintln!(
        "{} cells; {} anomalies in the last 30 days",
        cube.cells.len(),
        detect(&cube, report, &opts).len()
    );
    let mut group = c.benchmark_group("anomaly");
    group.bench_function("detect_400d_1000svc", |b| {
        b.iter(|| detect(black_box(&cube), report, &opts))
    });
    group.finish();
}

criterion_group!(benches, anomaly);
criterion_main!(benches);
