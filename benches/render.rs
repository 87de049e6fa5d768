//! The dashboard's hot paths with a big account in memory: 1,000 services × 400 days, each
//! service in 1–3 regions. (a) drawing a full 160×48 frame; (b) a keypress that applies a
//! region filter, through to the next frame; (c) the same for a window change. Budget for
//! (b) and (c): under 5 ms.

use std::hint::black_box;
use std::sync::Arc;

use awsdash::model::{
    ApiCalls, CubeBuilder, FilterSet, FilterValues, Freshness, Money, Preset, Query, Snapshot,
    SourceKind, Window,
};
use awsdash::ui::app::{Action, App, Options};
use awsdash::ui::theme::Theme;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

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

fn big_snapshot() -> Snapshot {
    let end = today() + Duration::days(1);
    let range = Window::new(end - Duration::days(400), end).expect("range");
    let mut cube = CubeBuilder::new(range);
    let services: Vec<String> = (0..1_000).map(|i| format!("Service {i:04}")).collect();
    for (i, service) in services.iter().enumerate() {
        let regions = 1 + i % 3;
        for r in 0..regions {
            let region = REGIONS[(i + r) % REGIONS.len()];
            for (d, day) in range.iter_days().enumerate() {
                // Deterministic, varied cents.
                let cents = ((i * 7_919 + d * 104_729 + r * 13) % 50_000) as i64 + 1;
                cube.add(day, service, region, Money::from_units(cents, 2));
            }
        }
    }
    cube.mark_estimated(today());
    let now: DateTime<Utc> = "2026-11-25T16:40:00Z".parse().expect("time");
    Snapshot {
        source: SourceKind::Demo,
        generated_at: now,
        today: today(),
        account_id: None,
        currency: "USD".into(),
        query: query(),
        cube: Some(cube.build()),
        forecast: None,
        budgets: Vec::new(),
        estimated_charges: None,
        freshness: Freshness::default(),
        origin: None,
        refreshing_by: None,
        api_calls: ApiCalls::default(),
        filter_values: FilterValues {
            regions: REGIONS.iter().map(|r| r.to_string()).collect(),
            services,
            ..FilterValues::default()
        },
        stale: false,
        problems: Default::default(),
        anomalies: Vec::new(),
        alerts: Vec::new(),
        aws_anomalies_note: None,
        aws_anomalies_read: false,
        analysis: Default::default(),
    }
}

fn query() -> Query {
    Query {
        window: Preset::Days30.window(today()),
        filters: FilterSet::default(),
    }
}

fn loaded_app(snapshot: Arc<Snapshot>) -> App {
    let now: DateTime<Utc> = "2026-11-25T16:45:00Z".parse().expect("time");
    let options = Options {
        theme: Theme::default(),
        demo: true,
        profile: None,
        tag_keys: Vec::new(),
        writes: false,
    };
    let mut app = App::new(options, query(), now);
    app.update(Action::Snapshot(snapshot));
    app
}

/// Peak resident memory of this process so far (Linux), for the 100 MB budget.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn benches(c: &mut Criterion) {
    let snapshot = Arc::new(big_snapshot());
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let loaded = loaded_app(snapshot.clone());
    eprintln!(
        "peak RSS with the snapshot and a loaded app: {:?} MiB ({} cells)",
        peak_rss_mib(),
        snapshot.cube.as_ref().map_or(0, |c| c.cells.len())
    );
    drop(loaded);

    let app = loaded_app(snapshot.clone());
    c.bench_function("frame 160x48, 1000 services x 400 days", |b| {
        b.iter(|| {
            terminal
                .draw(|f| awsdash::ui::draw(f, black_box(&app)))
                .expect("draw");
        })
    });

    c.bench_function("snapshot arrives: derive the view", |b| {
        b.iter_batched(
            || (loaded_app(snapshot.clone()), snapshot.clone()),
            |(mut app, s)| app.update(Action::Snapshot(s)),
            BatchSize::LargeInput,
        )
    });

    // The picker open on the region list, "eu-west-1" typed: the next key is Enter.
    let mut picking = loaded_app(snapshot.clone());
    picking.update(Action::OpenFilter);
    picking.update(Action::Select);
    for ch in "eu-west-1".chars() {
        picking.update(Action::Input(ch));
    }
    c.bench_function("key Enter -> region filter applied -> frame", |b| {
        b.iter_batched(
            || picking.clone(),
            |mut app| {
                let command = app.update(Action::Select);
                terminal.draw(|f| awsdash::ui::draw(f, &app)).expect("draw");
                (app, command)
            },
            BatchSize::LargeInput,
        )
    });

    c.bench_function("key w -> 90-day window -> frame", |b| {
        b.iter_batched(
            || app.clone(),
            |mut app| {
                let command = app.update(Action::CycleWindow);
                terminal.draw(|f| awsdash::ui::draw(f, &app)).expect("draw");
                (app, command)
            },
            BatchSize::LargeInput,
        )
    });

    c.bench_function("key Enter -> drill into a service -> frame", |b| {
        b.iter_batched(
            || app.clone(),
            |mut app| {
                app.update(Action::Select);
                terminal.draw(|f| awsdash::ui::draw(f, &app)).expect("draw");
                app
            },
            BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = render;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = benches
}
criterion_main!(render);
