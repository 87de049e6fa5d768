//! awsdash against the emulator when things go wrong: parallel processes and the daily cap,
//! a meter that cannot be kept, answers too big for what the cap leaves, credentials that
//! stop working, sections that fail on their own, endpoints that hang, hostile names and
//! messages, the log, broken cache files. Each test pins a behaviour a demanding user found
//! wrong, and fails without its fix.

mod support;

use std::io::Read;
use std::net::TcpListener;
use std::process::{Output, Stdio};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use support::Emulator;
use support::fixture::{demo_items, fetch_range, fixture, last_days};
use support::home::{Home, window_args};

fn args(window: awsdash::model::Window, extra: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = ["snapshot", "--json"].map(String::from).to_vec();
    all.extend(window_args(window));
    all.extend(extra.iter().map(|s| s.to_string()));
    all
}

fn run(home: &Home, emu: &Emulator, args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    home.run(emu, &args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON document ({e}); stderr: {}", stderr(out)))
}

/// Successful paid requests the emulator answered.
fn paid_ok(emu: &Emulator) -> u64 {
    emu.journal()
        .iter()
        .filter(|e| e["service"] == "ce" && e["status"] == 200)
        .count() as u64
}

fn meter_file(home: &Home) -> Value {
    let text = std::fs::read(home.cache_dir().join("api-calls.json")).expect("the meter file");
    serde_json::from_slice(&text).expect("meter JSON")
}

#[test]
fn parallel_snapshots_count_every_paid_call_and_never_pass_the_cap() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 1_000));
    let spawn_ten = |home: &Home, extra: &[&str]| -> Vec<Output> {
        let all = args(window, extra);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let children: Vec<_> = (0..10)
            .map(|_| {
                home.command(&emu.url(), &all)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        children
            .into_iter()
            .map(|c| c.wait_with_output().expect("wait"))
            .collect()
    };

    let home = Home::new();
    let outs = spawn_ten(&home, &["--no-cache"]);
    for out in &outs {
        assert!(out.status.success(), "{}", stderr(out));
    }
    let paid = paid_ok(&emu);
    assert!(
        paid >= 20,
        "ten cold snapshots make at least two paid calls each: {paid}"
    );
    assert_eq!(
        meter_file(&home)["cost_explorer"],
        paid,
        "every paid call of every process is on the meter"
    );

    // With a cap of 5, ten processes together make at most 5 paid calls.
    emu.clear_journal();
    let capped = Home::new();
    let config = capped.config("[refresh]\nmax_cost_explorer_calls_per_day = 5\n");
    let outs = spawn_ten(&capped, &["--no-cache", "--config", &config]);
    let paid = paid_ok(&emu);
    assert!(paid <= 5, "{paid} paid calls under a cap of 5");
    assert_eq!(meter_file(&capped)["cost_explorer"], paid);
    let refused = outs.iter().filter(|o| o.status.code() == Some(4)).count();
    assert!(refused >= 1, "some were stopped by the cap");
    for out in outs.iter().filter(|o| o.status.code() == Some(4)) {
        let err = stderr(out);
        assert!(err.contains("max_cost_explorer_calls_per_day"), "{err}");
        assert!(!err.contains("showing cached"), "nothing was cached: {err}");
    }
}

#[test]
fn a_meter_that_cannot_be_kept_refuses_paid_calls_but_shows_the_free_sources() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    emu.create_budget("monthly", "1000");
    let home = Home::new();
    // A directory where the counts file should be: the count cannot be written.
    std::fs::create_dir_all(home.cache_dir().join("api-calls.json")).expect("mkdir");
    let out = run(&home, &emu, &args(window, &[]));
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("api-calls.json") && err.contains("cap"),
        "{err}"
    );
    assert_eq!(emu.count("ce", None), 0, "not one paid call");
    let v = json_of(&out);
    assert!(v["total"].is_null());
    assert_eq!(
        v["budgets"][0]["name"], "monthly",
        "the free sources still show"
    );
    assert!(v["errors"]["cost_explorer"].is_string(), "{}", v["errors"]);
}

#[test]
fn a_cold_fetch_the_cap_cannot_finish_stops_early_and_says_so() {
    let emu = Emulator::start();
    let window = last_days(30);
    // Small pages: the cube takes dozens of them.
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 300));
    emu.create_budget("monthly", "1000");
    let home = Home::new();
    let config = home.config("[refresh]\nmax_cost_explorer_calls_per_day = 5\n");
    let out = run(&home, &emu, &args(window, &["--config", &config]));
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("needs about") && err.contains("nothing more was spent"),
        "{err}"
    );
    assert!(!err.contains("showing cached"), "{err}");
    assert_eq!(
        emu.count("ce", Some("GetCostAndUsage")),
        1,
        "one page to learn the size, not the whole cap"
    );
    let v = json_of(&out);
    assert_eq!(v["budgets"][0]["name"], "monthly");
    assert!(v["total"].is_null());
}

#[test]
fn a_refresh_known_to_be_too_big_for_the_cap_costs_nothing() {
    let emu = Emulator::start();
    let window = last_days(30);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 2_000));
    let home = Home::new();
    let first = json_of(&run(&home, &emu, &args(window, &[])));
    let pages = emu.count("ce", Some("GetCostAndUsage"));
    assert!(pages >= 3, "{pages}");
    // Today's calls so far, plus fewer than the pages that query takes.
    let made = first["api_calls"]["cost_explorer"].as_u64().expect("count");
    let cap = made + pages as u64 - 1;
    let config = home.config(&format!(
        "[refresh]\nmax_cost_explorer_calls_per_day = {cap}\n"
    ));
    emu.clear_journal();
    let out = run(
        &home,
        &emu,
        &args(window, &["--no-cache", "--config", &config]),
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(
        emu.count("ce", Some("GetCostAndUsage")),
        0,
        "known before paying"
    );
    let v = json_of(&out);
    assert_eq!(v["stale"], true, "the cached numbers are shown instead");
    assert_eq!(v["total"], first["total"]);
}

#[test]
fn an_sts_failure_prints_the_cached_snapshot_stale() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let home = Home::new();
    let good = json_of(&run(&home, &emu, &args(window, &[])));
    emu.fault(json!({"operation": "GetCallerIdentity", "kind": "expired_token", "count": -1}));
    let out = run(&home, &emu, &args(window, &[]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(v["stale"], true);
    assert_eq!(v["total"], good["total"]);
    assert_eq!(v["forecast"], good["forecast"], "the cached forecast too");
    assert!(v["errors"]["account"].is_string());
    let err = stderr(&out);
    assert_eq!(err.matches("expired").count(), 1, "said once: {err}");
}

#[test]
fn failing_sections_are_said_per_section_with_the_readme_exit_codes() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let home = Home::new();
    let good = json_of(&run(&home, &emu, &args(window, &[])));

    // Budgets denied: exit 3, the rest printed, the JSON says budgets failed (not "none").
    emu.fault(json!({"operation": "DescribeBudgets", "kind": "access_denied", "count": -1}));
    let out = run(&home, &emu, &args(window, &[]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(v["stale"], false);
    assert_eq!(v["total"], good["total"]);
    assert!(
        v["errors"]["budgets"]
            .as_str()
            .unwrap_or_default()
            .contains("budgets:")
    );
    assert!(
        stderr(&out).contains("Budgets: access denied"),
        "{}",
        stderr(&out)
    );

    // CloudWatch down: exit 4, errors.cloudwatch.
    emu.clear_faults();
    emu.fault(json!({"operation": "GetMetricData", "kind": "unavailable", "count": -1}));
    let out = run(&home, &emu, &args(window, &[]));
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(json_of(&out)["errors"]["cloudwatch"].is_string());

    // The forecast throttled on a fresh fetch: the cached forecast is kept, and said old.
    emu.clear_faults();
    emu.fault(json!({"operation": "GetCostForecast", "kind": "throttle", "count": -1}));
    let out = run(&home, &emu, &args(window, &["--no-cache"]));
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let v = json_of(&out);
    assert!(v["errors"]["forecast"].is_string());
    assert_eq!(v["forecast"], good["forecast"]);
    assert_eq!(
        v["errors"].as_object().map(|o| o.len()),
        Some(1),
        "{}",
        v["errors"]
    );
}

#[test]
fn a_stale_fallback_says_its_error_once_and_keeps_the_cached_forecast() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let home = Home::new();
    let good = json_of(&run(&home, &emu, &args(window, &[])));
    emu.fault(json!({"operation": "GetCostAndUsage", "kind": "unavailable", "count": -1}));
    let out = run(&home, &emu, &args(window, &["--no-cache"]));
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("ce:GetCostAndUsage").count(), 1, "once: {err}");
    assert!(err.contains("STALE"), "{err}");
    let v = json_of(&out);
    assert_eq!(v["stale"], true);
    assert_eq!(v["forecast"], good["forecast"]);
    assert!(!v["forecast"].is_null());
}

/// A TCP listener on loopback that accepts and never answers, for as long as it lives.
struct Hung {
    port: u16,
}

impl Hung {
    fn start() -> Hung {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming().flatten() {
                held.push(conn);
            }
        });
        Hung { port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

#[test]
fn a_hung_endpoint_times_out_with_exit_4() {
    let hung = Hung::start();
    let home = Home::new();
    let config = home.config("[aws]\ntimeout_secs = 2\n");
    let started = Instant::now();
    let out = home
        .command(&hung.url(), &["snapshot", "--json", "--config", &config])
        .output()
        .expect("runs");
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("timed out"), "{}", stderr(&out));
    assert!(took < StdDuration::from_secs(20), "took {took:?}");
    assert!(out.stdout.is_empty(), "nothing cached, nothing printed");
}

#[test]
fn a_timeout_with_a_cache_prints_the_cached_snapshot_stale() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let home = Home::new();
    let good = json_of(&run(&home, &emu, &args(window, &[])));
    let config = home.config("[aws]\ntimeout_secs = 2\n");
    emu.fault(json!({"operation": "*", "kind": "delay", "delay_ms": 20_000, "count": -1}));
    let out = run(&home, &emu, &args(window, &["--config", &config]));
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("timed out"), "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(v["stale"], true);
    assert_eq!(v["total"], good["total"]);
}

#[test]
fn a_slow_budgets_call_does_not_hold_up_the_rest() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let home = Home::new();
    let config = home.config("[aws]\ntimeout_secs = 3\n");
    emu.fault(
        json!({"operation": "DescribeBudgets", "kind": "delay", "delay_ms": 30_000, "count": -1}),
    );
    let started = Instant::now();
    let out = run(&home, &emu, &args(window, &["--config", &config]));
    assert!(
        started.elapsed() < StdDuration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let v = json_of(&out);
    assert!(
        v["total"].is_string(),
        "Cost Explorer answered: {}",
        v["total"]
    );
    let budgets = v["errors"]["budgets"].as_str().unwrap_or_default();
    assert!(budgets.contains("timed out"), "{budgets}");
}

const HOSTILE: &str = "Evil\u{1b}[2J\u{1b}]0;owned\u{7}Service\r\nX";

fn has_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\n')
}

#[test]
fn hostile_names_and_messages_never_reach_the_terminal() {
    let emu = Emulator::start();
    let window = last_days(7);
    let mut items = demo_items(fetch_range(window), None);
    let date = window.start;
    let extra = |service: &'static str, amount: &str| awsdash::source::demo::LineItem {
        date,
        service,
        region: "us-east-1",
        account: "493817265012",
        record_type: "Usage",
        tags: &[],
        amount: amount.parse().expect("amount"),
    };
    items.push(extra(HOSTILE, "12.5"));
    items.push(extra("=HYPERLINK(\"http://evil\",\"x\")", "3"));
    items.push(extra("Promotional credit", "-7.25"));
    emu.seed(&fixture(&items, 5_000));
    let home = Home::new();
    let span = window_args(window);

    let mut table: Vec<&str> = vec!["snapshot", "--format", "table"];
    table.extend(span.iter().map(String::as_str));
    let out = home.run(&emu, &table);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Evil"), "the row is there");
    assert!(
        !has_control(&text),
        "control characters in the table: {text:?}"
    );
    // Rows stay one per line: the CR/LF inside the name did not split it.
    assert!(
        text.lines()
            .any(|l| l.starts_with("Evil") && l.contains("12.50"))
    );

    let mut csv: Vec<&str> = vec!["snapshot", "--format", "csv"];
    csv.extend(span.iter().map(String::as_str));
    let out = home.run(&emu, &csv);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!has_control(&text), "{text:?}");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.expect("a CSV record")[2].to_string())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("'=HYPERLINK")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with('=')), "{names:?}");
    let costs: Vec<String> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("record")[4].to_string())
        .collect();
    assert!(
        costs.iter().any(|c| c == "-7.25"),
        "credits stay negative numbers: {costs:?}"
    );

    // An AWS error message with escapes, on stderr.
    emu.fault(
        json!({"operation": "DescribeBudgets", "kind": "access_denied", "count": -1,
                     "message": "denied\u{1b}]0;pwned\u{7}\u{1b}[31m red"}),
    );
    let mut json_args: Vec<&str> = vec!["snapshot", "--json"];
    json_args.extend(span.iter().map(String::as_str));
    let out = home.run(&emu, &json_args);
    let err = stderr(&out);
    assert!(err.contains("denied"), "{err}");
    assert!(!has_control(&err), "{err:?}");
}

#[test]
fn the_log_is_private_and_holds_no_key_even_at_trace() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let home = Home::new();
    let out = run(&home, &emu, &args(window, &["--log-level", "trace"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let log = home.path().join("data/awsdash/awsdash.log");
    let mut text = String::new();
    std::fs::File::open(&log)
        .expect("the log")
        .read_to_string(&mut text)
        .expect("read");
    assert!(
        text.contains("GetCostAndUsage"),
        "a trace-level log: {} bytes",
        text.len()
    );
    assert!(
        !text.contains(support::TEST_ACCESS_KEY),
        "the access key id is in the log"
    );
    assert!(
        !text.contains("Credential=AKID"),
        "a credential scope is in the log"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
        };
        assert_eq!(mode(&log), 0o600);
        assert_eq!(mode(log.parent().expect("dir")), 0o700);
    }
}

#[test]
fn a_cache_entry_replaced_by_a_directory_is_said_not_silently_paid_for() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let home = Home::new();
    run(&home, &emu, &args(window, &[]));
    let mut replaced = 0;
    for entry in std::fs::read_dir(home.cache_dir()).expect("cache dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("ce-cube") {
            std::fs::remove_file(&path).expect("rm");
            std::fs::create_dir(&path).expect("mkdir");
            std::fs::write(path.join("x"), "x").expect("fill");
            replaced += 1;
        }
    }
    assert_eq!(replaced, 1);
    let out = run(&home, &emu, &args(window, &[]));
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("cannot read the cache entry"), "{err}");
    assert!(err.contains("pays for it again"), "{err}");
}

#[test]
fn the_billing_estimate_is_dated_by_its_datapoint() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let at = Utc::now() - Duration::minutes(197);
    emu.publish_estimate(at, 815.0);
    let home = Home::new();
    let v = json_of(&run(&home, &emu, &args(window, &[])));
    let minute = at.timestamp() - at.timestamp().rem_euclid(60);
    let expected = chrono::DateTime::<Utc>::from_timestamp(minute, 0).expect("time");
    assert_eq!(v["estimated_charges"]["cost"], "815");
    assert_eq!(
        v["estimated_charges"]["at"],
        expected.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "the datapoint's minute, not a 6-hour bucket's start"
    );
}

#[test]
fn signature_and_changed_data_errors_get_their_own_words_and_codes() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let home = Home::new();
    emu.fault(json!({"operation": "GetCallerIdentity", "kind": "invalid_signature", "count": -1}));
    let out = run(&home, &emu, &args(window, &[]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("clock") && err.contains("secret access key"),
        "{err}"
    );
    assert!(!err.contains("iam-policy"), "not a missing policy: {err}");

    emu.clear_faults();
    for kind in ["request_changed", "bill_expired"] {
        emu.fault(json!({"operation": "GetCostAndUsage", "kind": kind, "count": -1}));
        let out = run(&home, &emu, &args(window, &["--no-cache"]));
        assert_eq!(out.status.code(), Some(4), "{kind}: {}", stderr(&out));
        emu.clear_faults();
    }
}
