//! awsdash against the AWS emulator over real HTTP: the numbers match the seeded line items
//! to the cent, paid calls are counted and cached, faults are survived or explained.
//!
//! The oracle is independent of the code under test: the emulator (Python) aggregates the
//! fixture its own way, the test sums the same items itself, and awsdash must agree with both.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use awsdash::cache::DiskCache;
use awsdash::config::Metric;
use awsdash::meter::Meter;
use awsdash::model::filter::Attributes;
use awsdash::model::{Filter, FilterSet, Window};
use awsdash::poller::{AwsPoller, Update};
use awsdash::source::aws::Clients;
use awsdash::source::aws::source::{AwsOptions, AwsSource};
use awsdash::source::demo::LineItem;
use awsdash::store::Store;
use support::Emulator;
use support::fixture::{demo_items, fetch_range, fixture, last_days, today};
use support::home::{Home, window_args};

/// What the test computes itself from the seeded items.
struct Truth {
    total: Decimal,
    services: BTreeMap<String, Decimal>,
    regions: BTreeMap<String, Decimal>,
    daily: BTreeMap<String, Decimal>,
}

fn truth(items: &[LineItem], window: Window, filters: &[&str], exclude_credits: bool) -> Truth {
    let set = FilterSet::new(filters.iter().map(|f| f.parse::<Filter>().expect("filter")));
    let mut t = Truth {
        total: Decimal::ZERO,
        services: BTreeMap::new(),
        regions: BTreeMap::new(),
        daily: window
            .iter_days()
            .map(|d| (d.to_string(), Decimal::ZERO))
            .collect(),
    };
    for i in items
        .iter()
        .filter(|i| window.contains(i.date) && set.matches(*i))
    {
        if exclude_credits && matches!(i.record_type, "Credit" | "Refund") {
            continue;
        }
        let a = i.amount.amount();
        t.total += a;
        *t.services.entry(i.service.into()).or_default() += a;
        *t.regions.entry(i.region().into()).or_default() += a;
        *t.daily.entry(i.date.to_string()).or_default() += a;
    }
    t.services.retain(|_, v| !v.is_zero());
    t.regions.retain(|_, v| !v.is_zero());
    t
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("string amount: {v}"))).expect("decimal")
}

fn map(list: &Value, key: &str) -> BTreeMap<String, Decimal> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|e| (e[key].as_str().expect("key").to_string(), dec(&e["cost"])))
        .filter(|(_, v)| !v.is_zero())
        .collect()
}

fn assert_matches_truth(v: &Value, t: &Truth, what: &str) {
    assert_eq!(v["source"], "aws", "{what}");
    assert_eq!(dec(&v["total"]), t.total, "{what}: total");
    assert_eq!(map(&v["services"], "name"), t.services, "{what}: services");
    assert_eq!(map(&v["regions"], "name"), t.regions, "{what}: regions");
    let daily: BTreeMap<String, Decimal> = v["daily"]
        .as_array()
        .expect("daily")
        .iter()
        .map(|d| {
            (
                d["date"].as_str().expect("date").to_string(),
                dec(&d["cost"]),
            )
        })
        .collect();
    assert_eq!(daily, t.daily, "{what}: daily");
}

#[test]
fn totals_match_the_fixture_for_every_filter_kind() {
    let emu = Emulator::start();
    let window = last_days(30);
    let seeded = demo_items(fetch_range(window), None);
    emu.seed(&fixture(&seeded, 500));
    for filters in [
        &[][..],
        &["region=us-east-1"],
        &["region=us-east-1", "region=eu-west-1"],
        &["service=AWS Lambda"],
        &["account=786154390127"],
        &["tag:team=web"],
        &["tag:team="],
        &["tag:team=data", "region=eu-west-1"],
    ] {
        let home = Home::new();
        let span = window_args(window);
        let mut args: Vec<&str> = span.iter().map(String::as_str).collect();
        for f in filters {
            args.extend(["--filter", f]);
        }
        let v = home.snapshot(&emu, &args);
        assert_matches_truth(
            &v,
            &truth(&seeded, window, filters, false),
            &format!("{filters:?}"),
        );
        assert_eq!(v["account_id"], support::TEST_ACCOUNT_ID);
    }
}

#[test]
fn credits_are_included_unless_excluded() {
    let emu = Emulator::start();
    let window = last_days(30);
    let seeded = demo_items(fetch_range(window), None);
    emu.seed(&fixture(&seeded, 500));
    let home = Home::new();
    let span = window_args(window);
    let span: Vec<&str> = span.iter().map(String::as_str).collect();
    let net = home.snapshot(&emu, &span);
    assert_matches_truth(&net, &truth(&seeded, window, &[], false), "with credits");
    let config = home.path().join("gross.toml");
    std::fs::write(&config, "[view]\nexclude_credits = true\n").expect("config");
    let gross = home.snapshot(
        &emu,
        &[&span[..], &["--config", config.to_str().expect("utf-8")]].concat(),
    );
    let t = truth(&seeded, window, &[], true);
    assert_matches_truth(&gross, &t, "without credits");
    assert!(dec(&gross["total"]) > dec(&net["total"]));
}

#[test]
fn many_pages_are_merged_exactly_and_each_page_is_counted() {
    let emu = Emulator::start();
    let window = last_days(7);
    let seeded = demo_items(fetch_range(window), None);
    emu.seed(&fixture(&seeded, 400));
    let home = Home::new();
    let span = window_args(window);
    let v = home.snapshot(&emu, &span.iter().map(String::as_str).collect::<Vec<_>>());
    assert_matches_truth(&v, &truth(&seeded, window, &[], false), "paginated");
    let pages = emu.count("ce", Some("GetCostAndUsage"));
    assert!(
        pages > 3,
        "a small page size forces several pages, got {pages}"
    );
    let paid = emu.count("ce", None) as u64;
    assert_eq!(
        v["api_calls"]["cost_explorer"], paid,
        "every page is metered"
    );
    assert_eq!(
        dec(&v["api_calls"]["cost_explorer_usd"]),
        Decimal::new(paid as i64, 2)
    );
}

#[test]
fn windows_across_month_and_year_boundaries_are_exact() {
    let emu = Emulator::start();
    let few = ["AWS Lambda", "Tax", "Amazon Simple Storage Service"];
    for window in boundary_windows(today()) {
        let window = window
            .checked_against(today())
            .expect("a window awsdash accepts");
        let seeded = demo_items(fetch_range(window), Some(&few));
        emu.seed(&fixture(&seeded, 5_000));
        let home = Home::new();
        let span = window_args(window);
        let v = home.snapshot(&emu, &span.iter().map(String::as_str).collect::<Vec<_>>());
        assert_matches_truth(
            &v,
            &truth(&seeded, window, &[], false),
            &format!("{window}"),
        );
    }
}

/// Windows across the latest New Year, the latest 1st of a month and the latest end of
/// February (a leap day in leap years) — each valid whatever `today` is, the 1st and the 1st of
/// January included: every one ends by tomorrow and reaches back less than a year and a half.
fn boundary_windows(today: NaiveDate) -> Vec<Window> {
    let tomorrow = today + Duration::days(1);
    let around = |boundary: NaiveDate, before: i64, after: i64| {
        Window::new(
            boundary - Duration::days(before),
            (boundary + Duration::days(after)).min(tomorrow),
        )
        .expect("a non-empty window")
    };
    let jan1 = |year: i32| NaiveDate::from_ymd_opt(year, 1, 1).expect("jan 1");
    let mar1 = |year: i32| NaiveDate::from_ymd_opt(year, 3, 1).expect("mar 1");
    let year = if today >= jan1(today.year()) + Duration::days(1) {
        jan1(today.year())
    } else {
        jan1(today.year() - 1)
    };
    let march = if today >= mar1(today.year()) {
        mar1(today.year())
    } else {
        mar1(today.year() - 1)
    };
    vec![
        around(year, 12, 9),
        around(awsdash::model::window::first_of_month(today), 10, 5),
        around(march, 5, 3),
    ]
}

#[test]
fn boundary_windows_cross_their_boundary_on_any_day() {
    for today in [
        "2027-01-01",
        "2027-01-02",
        "2026-12-01",
        "2028-02-29",
        "2028-03-01",
        "2026-11-25",
    ] {
        let today: NaiveDate = today.parse().expect("date");
        for w in boundary_windows(today) {
            assert!(w.checked_against(today).is_ok(), "{w} on {today}");
            let last = w.end - Duration::days(1);
            assert_ne!(
                (w.start.year(), w.start.month()),
                (last.year(), last.month()),
                "{w} on {today} crosses a month"
            );
        }
    }
}

#[test]
fn a_second_run_within_the_ttl_makes_no_paid_call() {
    let emu = Emulator::start();
    let window = last_days(30);
    // AWS's page size is not documented; 5,000 groups a page keeps this cube to two pages.
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let home = Home::new();
    let first = home.snapshot(&emu, &[]);
    let cold = emu.count("ce", None);
    assert!(
        (1..=4).contains(&cold),
        "a cold snapshot makes a handful of paid calls: {cold}"
    );
    emu.clear_journal();
    let second = home.snapshot(&emu, &[]);
    assert_eq!(emu.count("ce", None), 0, "served from the cache");
    assert_eq!(first["total"], second["total"]);
    assert_eq!(
        second["api_calls"]["cost_explorer"], cold as u64,
        "the meter persists"
    );
    // A region filter is cut from the cached cube: still free.
    let east = home.snapshot(&emu, &["--filter", "region=us-east-1"]);
    assert_eq!(emu.count("ce", Some("GetCostAndUsage")), 0);
    assert!(dec(&east["total"]) < dec(&first["total"]));
    // --no-cache pays again.
    home.snapshot(&emu, &["--no-cache"]);
    assert!(emu.count("ce", Some("GetCostAndUsage")) >= 1);
}

#[test]
fn throttling_and_server_errors_are_retried_and_survived() {
    let emu = Emulator::start();
    let window = last_days(7);
    let seeded = demo_items(fetch_range(window), None);
    emu.seed(&fixture(&seeded, 1_000));
    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "throttle", "count": 1}));
    emu.fault(json!({"operation": "DescribeBudgets", "kind": "server_error", "count": 1}));
    let home = Home::new();
    let span = window_args(window);
    let v = home.snapshot(&emu, &span.iter().map(String::as_str).collect::<Vec<_>>());
    assert_matches_truth(&v, &truth(&seeded, window, &[], false), "after retries");
    let statuses: Vec<u64> = emu
        .journal()
        .iter()
        .filter(|e| e["operation"] == "GetCostAndUsage")
        .map(|e| e["status"].as_u64().expect("status"))
        .collect();
    assert_eq!(
        statuses.first(),
        Some(&400),
        "the first attempt was throttled"
    );
    assert_eq!(statuses.last(), Some(&200));
}

#[test]
fn a_failure_after_retries_prints_the_last_good_snapshot_as_stale_with_exit_4() {
    let emu = Emulator::start();
    emu.seed(&fixture(&demo_items(fetch_range(last_days(30)), None), 500));
    let home = Home::new();
    let good = home.snapshot(&emu, &[]);
    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "unavailable", "count": -1}));
    let out = home.run(&emu, &["snapshot", "--json", "--no-cache"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stale: Value = serde_json::from_slice(&out.stdout).expect("cached snapshot printed");
    assert_eq!(stale["stale"], true);
    assert_eq!(stale["total"], good["total"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unavailable") && stderr.contains("STALE"),
        "{stderr}"
    );
}

#[test]
fn expired_credentials_exit_3_with_the_login_hint() {
    let emu = Emulator::start();
    emu.seed(&fixture(&demo_items(fetch_range(last_days(7)), None), 500));
    emu.fault(json!({"operation": "*", "kind": "expired_token", "count": -1}));
    let home = Home::new().with_profile("ops", "AKIDPROFILE");
    let out = home.run(&emu, &["snapshot", "--json", "--profile", "ops"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("aws sso login --profile ops"), "{stderr}");
    assert!(
        !stderr.contains("press r"),
        "no dashboard key in a command's advice: {stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(
        !stderr.contains(support::TEST_SECRET_KEY) && !stderr.contains(support::TEST_ACCESS_KEY)
    );
}

#[test]
fn a_named_profile_wins_over_keys_in_the_environment() {
    let emu = Emulator::start();
    let window = last_days(7);
    let seeded = demo_items(fetch_range(window), None);
    emu.seed(&fixture(&seeded, 5_000));
    let home = Home::new().with_profile("ops", "AKIDPROFILE");
    let span = window_args(window);
    let mut args: Vec<&str> = span.iter().map(String::as_str).collect();
    args.extend(["--profile", "ops"]);
    let v = home.snapshot(&emu, &args);
    assert_matches_truth(&v, &truth(&seeded, window, &[], false), "with --profile");
    let keys: std::collections::BTreeSet<String> = emu
        .journal()
        .iter()
        .filter_map(|e| e["access_key"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        ["AKIDPROFILE"],
        "every request signed with the profile's key, none with AWS_ACCESS_KEY_ID"
    );
}

#[test]
fn an_unknown_profile_is_refused_before_any_request() {
    let emu = Emulator::start();
    let home = Home::new().with_profile("ops", "AKIDPROFILE");
    let out = home.run(&emu, &["snapshot", "--json", "--profile", "does-not-exist"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does-not-exist"), "{stderr}");
    assert!(stderr.contains("list-profiles"), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(emu.journal().is_empty(), "no request: {:?}", emu.journal());
}

#[test]
fn access_denied_names_the_missing_action() {
    let emu = Emulator::start();
    emu.seed(&fixture(&demo_items(fetch_range(last_days(7)), None), 500));
    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "access_denied", "count": -1}));
    let home = Home::new();
    let out = home.run(&emu, &["snapshot", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("ce:GetCostAndUsage"), "{stderr}");
    assert!(stderr.contains("assets/iam-policy.json"), "{stderr}");
}

#[test]
fn a_corrupt_cache_file_is_ignored() {
    let emu = Emulator::start();
    let window = last_days(30);
    let seeded = demo_items(fetch_range(window), None);
    emu.seed(&fixture(&seeded, 500));
    let home = Home::new();
    home.snapshot(&emu, &[]);
    let mut corrupted = 0;
    for entry in std::fs::read_dir(home.cache_dir()).expect("cache dir") {
        let path = entry.expect("entry").path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("ce-"))
        {
            std::fs::write(&path, b"{\"format\": 1, \"fetched_at\": tru").expect("corrupt");
            corrupted += 1;
        }
    }
    assert!(corrupted >= 1);
    emu.clear_journal();
    let v = home.snapshot(&emu, &[]);
    assert_matches_truth(&v, &truth(&seeded, window, &[], false), "after corruption");
    assert!(emu.count("ce", Some("GetCostAndUsage")) >= 1, "refetched");
}

#[test]
fn forecast_unavailable_is_null_not_a_failure() {
    let emu = Emulator::start();
    let mut f = fixture(&demo_items(fetch_range(last_days(7)), None), 500);
    f["forecast_unavailable"] = json!(true);
    emu.seed(&f);
    let home = Home::new();
    let v = home.snapshot(&emu, &["--days", "7"]);
    assert!(v["forecast"].is_null());
}

fn total_of(s: &awsdash::model::Snapshot) -> awsdash::model::Money {
    s.breakdown()
        .expect("a snapshot with Cost Explorer data")
        .total
}

/// An emulator seeded with the demo account (the last 30 days' cube is two pages), a runtime
/// to drive pollers with, and a cache directory for them.
struct Rig {
    emu: Emulator,
    rt: tokio::runtime::Runtime,
    cache: tempfile::TempDir,
}

impl Rig {
    fn start() -> Rig {
        let emu = Emulator::start();
        emu.seed(&fixture(
            &demo_items(fetch_range(last_days(30)), None),
            5_000,
        ));
        Rig {
            emu,
            rt: tokio::runtime::Runtime::new().expect("runtime"),
            cache: tempfile::tempdir().expect("cache"),
        }
    }
}

fn poller(emu: &Emulator, rt: &tokio::runtime::Runtime, cache: &Path) -> AwsPoller {
    poller_from(emu, rt, cache, "emulator")
}

/// A poller whose credentials and endpoint are `origin` (what the remembered account is
/// keyed on).
fn poller_from(
    emu: &Emulator,
    rt: &tokio::runtime::Runtime,
    cache: &Path,
    origin: &str,
) -> AwsPoller {
    poller_on(
        emu,
        rt,
        Store::Disk(DiskCache::new(cache.to_path_buf())),
        origin,
    )
}

/// A poller whose answers live in `store`.
fn poller_on(
    emu: &Emulator,
    rt: &tokio::runtime::Runtime,
    store: Store,
    origin: &str,
) -> AwsPoller {
    let config = rt.block_on(emu.sdk_config());
    let source = AwsSource::new(
        Clients::new(&config),
        Arc::new(Meter::new(None, 100)),
        store,
        AwsOptions {
            metric: Metric::UnblendedCost,
            exclude_credits: false,
            ttl: Duration::seconds(21_600),
            tag_keys: vec!["team".into(), "project".into(), "env".into()],
            read_cache: true,
            wait_for_refresh: false,
            profile: None,
            origin: origin.into(),
        },
    );
    let query = awsdash::model::Query {
        window: last_days(30),
        filters: FilterSet::default(),
    };
    AwsPoller::new(source, query, Duration::seconds(300))
}

/// Runs `pollers` (dashboards) through 24 simulated hours at defaults, side by side, and
/// returns the paid Cost Explorer calls by operation. Each poll is checked to say nothing
/// but snapshots.
fn simulated_day(
    emu: &Emulator,
    rt: &tokio::runtime::Runtime,
    pollers: &mut [AwsPoller],
) -> std::collections::BTreeMap<String, usize> {
    simulated_day_opening(emu, rt, pollers, &[])
}

/// [`simulated_day`], with each of `views` opened once, an hour in (its `Want` sent).
fn simulated_day_opening(
    emu: &Emulator,
    rt: &tokio::runtime::Runtime,
    pollers: &mut [AwsPoller],
    views: &[awsdash::model::Section],
) -> std::collections::BTreeMap<String, usize> {
    let start = Utc::now();
    let polls = 24 * 60 / 5;
    let mut snapshots = 0;
    for k in 0..polls {
        let now = start + Duration::seconds(300 * k);
        // AWS publishes the billing estimate "several times daily": here every 6 hours,
        // half an hour off the poller's own schedule, always a new value.
        if k % 72 == 6 {
            emu.publish_estimate(now, 1_000.0 + k as f64);
        }
        for poller in pollers.iter_mut() {
            // Past midnight the dashboard moves its "last 30 days" with the date (App on Tick).
            let previous = now - Duration::seconds(300);
            let mut updates = Vec::new();
            if k == 12 {
                for view in views {
                    updates.extend(rt.block_on(poller.want(*view, now)));
                }
            }
            updates.extend(if k > 0 && now.date_naive() != previous.date_naive() {
                let query = awsdash::model::Query {
                    window: awsdash::model::Window::last_days(now.date_naive(), 30)
                        .expect("window"),
                    filters: FilterSet::default(),
                };
                rt.block_on(poller.set_query(query, now))
            } else {
                rt.block_on(poller.poll(now, false, false))
            });
            for u in updates {
                match u {
                    Update::Snapshot(_) => snapshots += 1,
                    Update::Status(s) => panic!("no errors expected: {}", s.message),
                }
            }
        }
    }
    // Every poll sends a snapshot; opening a view sends more (with its section).
    let least = polls as usize * pollers.len();
    assert!(
        snapshots >= least + views.len().min(1),
        "{snapshots} snapshots"
    );
    assert_eq!(
        emu.count("budgets", Some("DescribeBudgets")),
        polls as usize * pollers.len()
    );
    emu.journal()
        .iter()
        .filter(|e| e["service"] == "ce")
        .fold(Default::default(), |mut m, e| {
            *m.entry(e["operation"].as_str().unwrap_or("?").to_string())
                .or_default() += 1;
            m
        })
}

#[test]
fn a_simulated_day_at_defaults_makes_at_most_22_paid_calls() {
    let Rig { emu, rt, cache } = Rig::start();
    let by_op = simulated_day(&emu, &rt, &mut [poller(&emu, &rt, cache.path())]);
    let paid: usize = by_op.values().sum();
    eprintln!("paid Cost Explorer calls in a simulated day: {paid} {by_op:?}");
    // DESIGN's budget was under 20 for the overview. It now also pays for AWS's anomalies
    // (twice a day, cached 12 h) and for moving the window with the date at midnight (one
    // refresh): at most 22, GetAnomalies at most 2.
    assert!(paid <= 22, "{paid} paid calls in 24 h: {by_op:?}");
    assert!(
        by_op.get("GetAnomalies").is_some_and(|n| *n <= 2),
        "{by_op:?}"
    );
    assert!(
        paid >= 4,
        "the cube is refreshed when its TTL runs out: {paid}"
    );
    assert_eq!(emu.count("cloudwatch", Some("GetMetricData")), 24 * 60 / 5);
}

#[test]
fn a_simulated_day_with_every_view_opened_stays_under_30_paid_calls() {
    let Rig { emu, rt, cache } = Rig::start();
    let mut dashboard = [poller(&emu, &rt, cache.path())];
    let all = awsdash::model::Section::ALL;
    let by_op = simulated_day_opening(&emu, &rt, &mut dashboard, &all);
    let paid: usize = by_op.values().sum();
    eprintln!(
        "paid Cost Explorer calls in a simulated day with every view opened: {paid} {by_op:?}"
    );
    assert!(paid < 30, "{paid} paid calls in 24 h: {by_op:?}");
    assert_eq!(by_op.get("GetCostComparisonDrivers"), Some(&1), "{by_op:?}");
    assert_eq!(by_op.get("ListCostAllocationTags"), Some(&1), "{by_op:?}");
    assert_eq!(
        emu.count("cost-optimization-hub", Some("ListRecommendations")),
        1
    );
}

/// `awsdash collect` keeps every section fresh by itself, each on its own TTL, so the team's
/// dashboards find them in the store: what that costs in a day, and that they are there.
#[test]
fn a_collector_keeps_every_section_fresh_all_day_within_its_budget() {
    let Rig { emu, rt, cache } = Rig::start();
    let all = awsdash::model::Section::ALL;
    let wants = awsdash::poller::Wants::new(&["team".to_string()]).with(&all);
    let mut collector = [poller(&emu, &rt, cache.path())
        .wanting(wants)
        .keeping_sections_fresh()];
    let by_op = simulated_day(&emu, &rt, &mut collector);
    let paid: usize = by_op.values().sum();
    eprintln!(
        "paid Cost Explorer calls in a simulated day, collector with every section: {paid} {by_op:?}"
    );
    // The overview's 21, plus the tag, account and record-type breakdowns on the Cost
    // Explorer TTL (6 h: 4 a day, 5 with the midnight move), the activated tag keys and the
    // drivers once a day.
    assert!(paid <= 36, "{paid} paid calls in 24 h: {by_op:?}");
    // Drivers once a day — twice when the day runs into a new month, whose pair of complete
    // months is new. AWS's refusal of a pair (here: the emulator's own date is still in the
    // old month) is kept like an answer, never asked again each poll.
    let start = Utc::now();
    let new_month = (start + Duration::days(1)).month() != start.month();
    let drivers = 1 + usize::from(new_month);
    assert_eq!(
        by_op.get("GetCostComparisonDrivers"),
        Some(&drivers),
        "{by_op:?}"
    );
    let last = rt
        .block_on(collector[0].poll(Utc::now() + Duration::days(1), false, false))
        .into_iter()
        .find_map(|u| match u {
            Update::Snapshot(s) => Some(s),
            Update::Status(_) => None,
        })
        .expect("a snapshot");
    for section in all {
        assert!(last.analysis.has(section), "{section} is kept");
    }
}

/// A section whose fetch fails says why (the view shows it instead of "fetching…"), and `r`
/// asks for it again.
#[test]
fn a_failed_section_says_why_and_r_fetches_it_again() {
    let Rig { emu, rt, cache } = Rig::start();
    let mut p = poller(&emu, &rt, cache.path());
    let now = Utc::now();
    rt.block_on(p.poll(now, false, false));
    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "unavailable", "count": 20}));
    let snapshot = |updates: Vec<Update>| {
        updates
            .into_iter()
            .rev()
            .find_map(|u| match u {
                Update::Snapshot(s) => Some(s),
                Update::Status(_) => None,
            })
            .expect("a snapshot")
    };
    let failed = snapshot(rt.block_on(p.want(awsdash::model::Section::Accounts, now)));
    assert!(!failed.analysis.has(awsdash::model::Section::Accounts));
    let why = failed
        .analysis
        .problems
        .get(&awsdash::model::Section::Accounts)
        .expect("the failure is said");
    assert!(why.contains("could not be fetched"), "{why}");

    emu.clear_faults();
    let retried = snapshot(rt.block_on(p.retry_sections(now)));
    assert!(retried.analysis.has(awsdash::model::Section::Accounts));
    assert!(
        retried.analysis.problems.is_empty(),
        "{:?}",
        retried.analysis.problems
    );
}

#[test]
fn ten_dashboards_and_a_collector_sharing_a_table_pay_in_a_simulated_day_what_one_alone_pays() {
    let Rig { emu, rt, cache } = Rig::start();
    let alone = simulated_day(&emu, &rt, &mut [poller(&emu, &rt, cache.path())]);
    emu.clear_journal();

    let config = rt.block_on(emu.sdk_config());
    let client = aws_sdk_dynamodb::Client::new(&config);
    rt.block_on(awsdash::store::table::init(&client, "awsdash-cache"))
        .expect("table");
    let shared = |i: usize| {
        Store::Dynamo(
            awsdash::store::DynamoStore::new(
                client.clone(),
                "awsdash-cache".into(),
                Duration::seconds(120),
                std::time::Duration::ZERO,
            )
            .as_holder(&format!("dashboard-{i}:1")),
        )
    };
    // Ten dashboards and one `awsdash collect`: the collector builds its poller through the
    // same `commands::aws_poller` as the dashboard, so here it is one more poller, with a
    // holder of its own.
    let mut pollers: Vec<AwsPoller> = (0..11)
        .map(|i| poller_on(&emu, &rt, shared(i), &format!("emulator-{i}")))
        .collect();
    let together = simulated_day(&emu, &rt, &mut pollers);
    let (one, eleven): (usize, usize) = (alone.values().sum(), together.values().sum());
    eprintln!(
        "paid Cost Explorer calls in a simulated day: 1 dashboard {one} {alone:?}; 10 dashboards + 1 collector sharing a table {eleven} {together:?}"
    );
    assert_eq!(
        together, alone,
        "ten dashboards and a collector pay what one pays"
    );

    // A dashboard opened on the warm table shows the shared numbers before any AWS call
    // but the store's reads.
    emu.clear_journal();
    let mut late = poller_on(&emu, &rt, shared(11), "emulator-0");
    let started = std::time::Instant::now();
    let snapshot = rt
        .block_on(late.cached_snapshot(Utc::now()))
        .expect("the shared snapshot");
    let took = started.elapsed();
    eprintln!("time to show shared data from a warm table: {took:?}");
    assert!(matches!(
        snapshot.origin,
        Some(awsdash::model::DataOrigin::Shared { .. })
    ));
    assert!(emu.journal().iter().all(|e| e["service"] == "dynamodb"));
}

#[test]
fn a_dashboard_shows_who_refreshes_the_shared_cube_and_pays_nothing_meanwhile() {
    let Rig { emu, rt, cache: _ } = Rig::start();
    let config = rt.block_on(emu.sdk_config());
    let client = aws_sdk_dynamodb::Client::new(&config);
    rt.block_on(awsdash::store::table::init(&client, "awsdash-cache"))
        .expect("table");
    let as_holder = |holder: &str| {
        awsdash::store::DynamoStore::new(
            client.clone(),
            "awsdash-cache".into(),
            Duration::seconds(120),
            std::time::Duration::ZERO,
        )
        .as_holder(holder)
    };
    let t0 = today().and_hms_opt(0, 5, 0).expect("00:05").and_utc();
    let mut first = poller_on(&emu, &rt, Store::Dynamo(as_holder("box-a:1")), "emulator");
    rt.block_on(first.poll(t0, false, false));

    // Seven hours on (past the TTL, the same UTC day) ci-box-2 is refreshing the cube.
    let later = t0 + Duration::hours(7);
    let entries = rt
        .block_on(awsdash::store::table::entries(
            &client,
            "awsdash-cache",
            later,
        ))
        .expect("entries");
    let cube = entries
        .iter()
        .find(|e| e.kind == "ce-cube")
        .expect("the cube is stored");
    let other = as_holder("ci-box-2:4242");
    let taken = rt
        .block_on(other.leases().acquire(&format!("q#{}", cube.key), later))
        .expect("lease");
    let awsdash::store::lease::Taken::Acquired(lease) = taken else {
        panic!("the lease was free");
    };
    emu.clear_journal();
    let mut second = poller_on(&emu, &rt, Store::Dynamo(as_holder("box-b:2")), "emulator");
    let shown = rt
        .block_on(second.cached_snapshot(later))
        .expect("the shared numbers at start-up");
    assert_eq!(
        shown.origin,
        Some(awsdash::model::DataOrigin::Shared {
            by: "box-a:1".into()
        })
    );
    let updates = rt.block_on(second.poll(later, false, false));
    let snapshot = last_snapshot(&updates).expect("a snapshot");
    assert_eq!(snapshot.refreshing_by.as_deref(), Some("ci-box-2:4242"));
    assert!(!snapshot.stale, "waiting for a refresh is not a failure");
    assert_eq!(total_of(snapshot), total_of(&shown));
    assert_eq!(
        emu.count("ce", None),
        0,
        "no paid call while another refreshes"
    );
    assert_eq!(
        second.next_wake(later),
        Duration::seconds(10),
        "it looks again soon"
    );

    // The holder gave up without publishing: the next look takes the lease and refreshes.
    rt.block_on(lease.release()).expect("release");
    let updates = rt.block_on(second.poll(later + Duration::seconds(10), false, false));
    let snapshot = last_snapshot(&updates).expect("a snapshot");
    assert_eq!(snapshot.refreshing_by, None);
    assert_eq!(snapshot.origin, Some(awsdash::model::DataOrigin::Fetched));
    assert!(emu.count("ce", Some("GetCostAndUsage")) >= 1);
}

#[test]
fn the_poller_keeps_the_last_good_snapshot_when_cost_explorer_fails() {
    let Rig { emu, rt, cache } = Rig::start();
    let mut poller = poller(&emu, &rt, cache.path());
    let now = Utc::now();
    let first = rt.block_on(poller.poll(now, false, false));
    let Some(Update::Snapshot(good)) = first.last() else {
        panic!("a snapshot first: {first:?}");
    };
    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "throttle", "count": -1}));
    let later = rt.block_on(poller.poll(now + Duration::seconds(60), false, true));
    let status = later
        .iter()
        .find_map(|u| match u {
            Update::Status(s) => Some(s.message.clone()),
            _ => None,
        })
        .expect("a status explains the failure");
    assert!(
        status.contains("throttling") && status.contains("next try"),
        "{status}"
    );
    let Some(Update::Snapshot(kept)) = later.last() else {
        panic!("the last good snapshot is still sent");
    };
    assert!(kept.stale);
    assert_eq!(total_of(kept), total_of(good));
    let problem = kept.problems.cost_explorer.as_deref().unwrap_or_default();
    assert!(
        problem.contains("throttling"),
        "the reason travels with it: {problem}"
    );

    // The fault is gone; `r` retries the refresh that failed, and the STALE mark goes.
    emu.clear_faults();
    emu.clear_journal();
    poller.retry_now();
    let retried = rt.block_on(poller.poll(now + Duration::seconds(70), true, false));
    assert!(
        emu.count("ce", Some("GetCostAndUsage")) >= 1,
        "r retried Cost Explorer"
    );
    let fresh = last_snapshot(&retried).expect("a snapshot");
    assert!(!fresh.stale, "{:?}", fresh.problems);
    assert!(fresh.problems.cost_explorer.is_none());
}

#[test]
fn doctor_explains_a_broken_setup() {
    let emu = Emulator::start();
    emu.seed(&fixture(&demo_items(fetch_range(last_days(7)), None), 500));
    let home = Home::new().with_profile("ops", "AKIDPROFILE");
    let out = home.run(&emu, &["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("✓ credentials and account") && text.contains("123456789012"),
        "{text}"
    );
    assert!(text.contains("✓ Budgets"), "{text}");
    assert!(
        text.contains("✓ Cost Explorer") && text.contains("$0.01"),
        "{text}"
    );
    // The emulator publishes no billing metric until one is put: doctor says how to enable it.
    assert!(text.contains("✗ CloudWatch billing metric"), "{text}");
    assert!(text.contains("Receive Billing Alerts"), "{text}");
    assert_eq!(out.status.code(), Some(4));

    emu.fault(json!({"operation": "*", "kind": "expired_token", "count": -1}));
    let out = home.run(&emu, &["doctor", "--profile", "ops"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("✗ credentials and account"), "{text}");
    assert!(text.contains("aws sso login --profile ops"), "{text}");
    assert!(
        !text.contains("press r"),
        "no dashboard key in doctor: {text}"
    );
    assert_eq!(out.status.code(), Some(3));
}

fn statuses(updates: &[Update]) -> Vec<&str> {
    updates
        .iter()
        .filter_map(|u| match u {
            Update::Status(s) => Some(s.message.as_str()),
            Update::Snapshot(_) => None,
        })
        .collect()
}

fn last_snapshot(updates: &[Update]) -> Option<&awsdash::model::Snapshot> {
    updates.iter().rev().find_map(|u| match u {
        Update::Snapshot(s) => Some(&**s),
        Update::Status(_) => None,
    })
}

#[test]
fn after_an_expired_session_pressing_r_tries_again_at_once() {
    let Rig { emu, rt, cache } = Rig::start();
    let mut poller = poller(&emu, &rt, cache.path());
    emu.fault(json!({"operation": "*", "kind": "expired_token", "count": -1}));
    let now = Utc::now();
    let first = rt.block_on(poller.poll(now, false, false));
    let messages = statuses(&first);
    assert_eq!(
        messages.len(),
        1,
        "one piece of advice, not one per source: {messages:?}"
    );
    assert!(
        messages[0].contains("aws sso login") && messages[0].contains("press r"),
        "{messages:?}"
    );
    assert!(last_snapshot(&first).is_none(), "nothing to show yet");

    // The user logs in again. STS is free, but not asked again before the next poll is due…
    emu.clear_faults();
    emu.clear_journal();
    rt.block_on(poller.poll(now + Duration::seconds(60), false, false));
    assert!(emu.journal().is_empty(), "{:?}", emu.journal());
    // …unless they press r: then everything is fetched at once.
    poller.retry_now();
    let after = rt.block_on(poller.poll(now + Duration::seconds(70), true, false));
    let snapshot = last_snapshot(&after).expect("a snapshot");
    assert!(!snapshot.stale && snapshot.cube.is_some(), "{snapshot:?}");
    assert!(snapshot.problems.is_empty(), "{:?}", snapshot.problems);
    assert!(emu.count("ce", Some("GetCostAndUsage")) >= 1);
    let said = statuses(&after);
    assert!(said.contains(&"all sources answering again"), "{said:?}");
}

#[test]
fn a_permission_error_on_cost_explorer_waits_for_r_not_a_timer_and_budgets_still_show() {
    let Rig { emu, rt, cache } = Rig::start();
    let mut poller = poller(&emu, &rt, cache.path());
    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "access_denied", "count": -1}));
    let now = Utc::now();
    let first = rt.block_on(poller.poll(now, false, false));
    let messages = statuses(&first);
    assert!(
        messages
            .iter()
            .any(|m| m.contains("ce:GetCostAndUsage") && m.contains("press r")),
        "{messages:?}"
    );
    // What the free sources said is shown, and the missing costs say why.
    let snapshot = last_snapshot(&first).expect("the free sources' snapshot");
    assert!(snapshot.cube.is_none());
    assert!(snapshot.freshness.budgets.is_some());
    let problem = snapshot
        .problems
        .cost_explorer
        .as_deref()
        .unwrap_or_default();
    assert!(problem.contains("ce:GetCostAndUsage"), "{problem}");

    emu.clear_faults();
    emu.clear_journal();
    rt.block_on(poller.poll(now + Duration::seconds(300), false, false));
    assert_eq!(
        emu.count("ce", None),
        0,
        "no paid retry on a timer after a permission error"
    );
    assert!(
        emu.count("budgets", Some("DescribeBudgets")) >= 1,
        "the free ones go on"
    );
    poller.retry_now();
    let after = rt.block_on(poller.poll(now + Duration::seconds(310), true, false));
    let snapshot = last_snapshot(&after).expect("a snapshot");
    assert!(snapshot.cube.is_some() && !snapshot.stale);
    assert_eq!(snapshot.problems, awsdash::model::Problems::default());
}

#[test]
fn start_up_shows_the_cached_snapshot_before_any_aws_call() {
    let Rig { emu, rt, cache } = Rig::start();
    let mut first = poller(&emu, &rt, cache.path());
    assert!(
        rt.block_on(first.cached_snapshot(Utc::now())).is_none(),
        "nothing cached yet"
    );
    let fetched = rt.block_on(first.poll(Utc::now(), false, false));
    let Some(Update::Snapshot(live)) = fetched.last() else {
        panic!("a snapshot: {fetched:?}");
    };

    // A new dashboard on the same cache, with AWS unreachable: the numbers show at once.
    emu.fault(json!({"operation": "*", "kind": "unavailable", "count": -1}));
    emu.clear_journal();
    let mut second = poller(&emu, &rt, cache.path());
    let cached = rt
        .block_on(second.cached_snapshot(Utc::now()))
        .expect("the cached snapshot");
    assert!(emu.journal().is_empty(), "no AWS request before showing it");
    assert_eq!(total_of(&cached), total_of(live));
    assert_eq!(cached.account_id.as_deref(), Some(support::TEST_ACCOUNT_ID));
    assert_eq!(
        cached.freshness.cost_explorer, live.freshness.cost_explorer,
        "its age shows"
    );
    // Within the TTL, a restart shows all that was cached: the forecast and the picker's
    // accounts and tag values too, not "forecast unavailable" and an empty picker.
    assert!(live.forecast.is_some());
    assert_eq!(cached.forecast, live.forecast);
    assert_eq!(cached.filter_values, live.filter_values);
    assert!(!cached.filter_values.accounts.is_empty());
    // Not yet confirmed by STS: marked stale until it is.
    assert!(cached.stale, "unconfirmed numbers are marked");
    emu.clear_faults();
    let confirmed = rt.block_on(second.poll(Utc::now(), false, false));
    let snapshot = last_snapshot(&confirmed).expect("a snapshot");
    assert!(!snapshot.stale, "{:?}", snapshot.problems);
    assert_eq!(
        emu.count("ce", Some("GetCostAndUsage")),
        0,
        "still within the TTL"
    );

    // Other credentials or another endpoint (another origin) have nothing to show yet: the
    // numbers of the account last seen with the old ones must not pass for theirs.
    let mut other = poller_from(&emu, &rt, cache.path(), "profile:other@http://elsewhere");
    assert!(rt.block_on(other.cached_snapshot(Utc::now())).is_none());
}

#[test]
fn a_moved_bill_refreshes_cost_explorer_before_the_ttl_but_not_at_once() {
    let Rig { emu, rt, cache } = Rig::start();
    let mut poller = poller(&emu, &rt, cache.path());
    // Five simulated hours that stay inside one UTC day, whatever the time of the run: a new
    // day would be a new query (month to date moves) and pay for reasons of its own.
    let t0 = today().and_hms_opt(0, 10, 0).expect("00:10").and_utc();
    emu.publish_estimate(t0 - Duration::hours(3), 1_000.0);
    let first = rt.block_on(poller.poll(t0, false, false));
    let Some(Update::Snapshot(s)) = first.last() else {
        panic!("a snapshot: {first:?}");
    };
    assert_eq!(
        s.estimated_charges.as_ref().map(|e| e.cost.to_string()),
        Some("1000".to_string())
    );
    let paid = || emu.count("ce", Some("GetCostAndUsage"));
    let after_first = paid();

    // The estimate moves; an hour later it is seen, but the cube is too young to pay again.
    emu.publish_estimate(t0 - Duration::minutes(10), 1_250.0);
    rt.block_on(poller.poll(t0 + Duration::minutes(60), false, false));
    assert_eq!(paid(), after_first, "within half the TTL nothing is paid");
    // Past half the TTL (3 h) the moved bill is worth one refresh…
    rt.block_on(poller.poll(t0 + Duration::minutes(185), false, false));
    assert_eq!(
        paid(),
        2 * after_first,
        "the moved bill triggers one refresh (of as many pages)"
    );
    // …and only one: the estimate has not moved since.
    rt.block_on(poller.poll(t0 + Duration::minutes(300), false, false));
    assert_eq!(paid(), 2 * after_first);
    assert_eq!(
        emu.count("ce", Some("GetCostForecast")),
        1,
        "the forecast is not paid for again on a moved bill"
    );
}
