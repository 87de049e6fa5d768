//! The real binary, run as a user runs it: the JSON contract on demo data, its invariants,
//! every filter and window option, and the usage errors (exit code 2, no panic).

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

/// Runs awsdash with a private HOME, so no user config, cache or log is touched.
fn awsdash(home: &Path, args: &[&str]) -> Output {
    support::process::awsdash(home)
        .args(args)
        .output()
        .expect("awsdash runs")
}

fn home() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp home")
}

fn json(args: &[&str]) -> Value {
    let home = home();
    let mut all = vec!["snapshot", "--demo", "--json"];
    all.extend_from_slice(args);
    let out = awsdash(home.path(), &all);
    assert!(
        out.status.success(),
        "awsdash {all:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

fn dec(v: &Value) -> Decimal {
    let text = v
        .as_str()
        .unwrap_or_else(|| panic!("amount is a string: {v}"));
    Decimal::from_str(text).unwrap_or_else(|e| panic!("{text:?} is a decimal: {e}"))
}

fn total(v: &Value) -> Decimal {
    dec(&v["total"])
}

fn sum(list: &Value) -> Decimal {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|e| dec(&e["cost"]))
        .sum()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|e| e["name"].as_str().expect("name").to_string())
        .collect()
}

fn assert_sums_hold(v: &Value) {
    let t = total(v);
    assert_eq!(sum(&v["services"]), t, "services sum to total");
    assert_eq!(sum(&v["regions"]), t, "regions sum to total");
    assert_eq!(sum(&v["daily"]), t, "daily sums to total");
}

#[test]
fn demo_json_follows_the_contract() {
    let v = json(&[]);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["source"], "demo");
    assert_eq!(v["currency"], "USD");
    for key in [
        "generated_at",
        "account_id",
        "window",
        "filters",
        "month_to_date",
        "forecast",
        "budgets",
        "estimated_charges",
        "freshness",
        "api_calls",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["daily"].as_array().expect("daily").len(), 30);
    assert!(names(&v["services"]).len() >= 25);
    assert!(names(&v["services"]).contains(&"Tax".to_string()));
    assert!(
        names(&v["services"])
            .iter()
            .any(|n| n.starts_with("AWS Support ("))
    );
    let regions = names(&v["regions"]);
    assert!(regions.len() >= 10, "{regions:?}");
    assert!(regions.contains(&"global".into()) && regions.contains(&"NoRegion".into()));
    let daily = v["daily"].as_array().expect("daily");
    let estimated: Vec<bool> = daily.iter().map(|d| d["estimated"] == true).collect();
    assert_eq!(estimated.iter().filter(|e| **e).count(), 2);
    assert!(
        estimated[28] && estimated[29],
        "the last two days are estimated"
    );
    assert_eq!(v["budgets"].as_array().expect("budgets").len(), 2);
    assert_eq!(v["api_calls"]["cost_explorer"], 0);
    assert_eq!(v["api_calls"]["cost_explorer_usd"], "0");
    assert_sums_hold(&v);
}

#[test]
fn services_and_regions_are_sorted_by_cost_daily_by_date() {
    let v = json(&[]);
    for list in ["services", "regions"] {
        let costs: Vec<Decimal> = v[list]
            .as_array()
            .expect("list")
            .iter()
            .map(|e| dec(&e["cost"]))
            .collect();
        assert!(costs.windows(2).all(|w| w[0] >= w[1]), "{list} sorted");
    }
    let dates: Vec<&str> = v["daily"]
        .as_array()
        .expect("daily")
        .iter()
        .map(|d| d["date"].as_str().expect("date"))
        .collect();
    assert!(dates.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn the_demo_has_a_spike_and_over_400_days_of_history() {
    let v = json(&["--days", "427"]);
    assert_eq!(v["daily"].as_array().expect("daily").len(), 427);
    assert_sums_hold(&v);
    // The spike: one day clearly above its neighbours.
    let daily: Vec<Decimal> = v["daily"]
        .as_array()
        .expect("daily")
        .iter()
        .map(|d| dec(&d["cost"]))
        .collect();
    let n = daily.len();
    let spike = daily[n - 5];
    assert!(
        spike > daily[n - 12] * Decimal::new(12, 1),
        "spike {spike} vs a week before"
    );
}

#[test]
fn each_region_filter_partitions_the_total() {
    let all = json(&[]);
    let regions = names(&all["regions"]);
    let mut parts = Decimal::ZERO;
    for region in &regions {
        let filter = format!("region={region}");
        let v = json(&["--filter", &filter]);
        assert_sums_hold(&v);
        assert_eq!(names(&v["regions"]), vec![region.clone()]);
        assert_eq!(v["filters"], serde_json::json!([filter]));
        parts += total(&v);
    }
    assert_eq!(parts, total(&all));
}

#[test]
fn two_values_of_one_dimension_are_ored() {
    let a = json(&["--filter", "region=us-east-1"]);
    let b = json(&["--filter", "region=eu-west-1"]);
    let both = json(&[
        "--filter",
        "region=us-east-1",
        "--filter",
        "region=eu-west-1",
    ]);
    assert_eq!(total(&both), total(&a) + total(&b));
}

#[test]
fn tag_filters_including_untagged_partition_the_total() {
    let all = json(&[]);
    let mut parts = Decimal::ZERO;
    for team in ["web", "data", "platform", ""] {
        let filter = format!("tag:team={team}");
        let v = json(&["--filter", &filter]);
        assert_sums_hold(&v);
        assert!(total(&v) != Decimal::ZERO, "{filter} has spend");
        parts += total(&v);
    }
    assert_eq!(parts, total(&all));
}

#[test]
fn account_and_service_filters_match_the_unfiltered_breakdown() {
    let all = json(&[]);
    let prod = json(&["--filter", "account=493817265012"]);
    let staging = json(&["--filter", "account=786154390127"]);
    assert_eq!(total(&prod) + total(&staging), total(&all));
    assert!(total(&prod) > total(&staging));

    let lambda = json(&["--filter", "service=AWS Lambda"]);
    let row = all["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["name"] == "AWS Lambda")
        .expect("Lambda row");
    assert_eq!(total(&lambda), dec(&row["cost"]));
    assert_eq!(names(&lambda["services"]), vec!["AWS Lambda".to_string()]);
}

#[test]
fn filters_on_different_dimensions_are_anded() {
    let v = json(&["--filter", "region=us-east-1", "--filter", "tag:team=web"]);
    let region = json(&["--filter", "region=us-east-1"]);
    let team = json(&["--filter", "tag:team=web"]);
    assert_sums_hold(&v);
    assert!(total(&v) < total(&region) && total(&v) < total(&team));
    assert!(total(&v) > Decimal::ZERO);
}

#[test]
fn windows_select_exactly_their_days() {
    let month = json(&["--days", "30"]);
    let week = json(&["--days", "7"]);
    let month_days = month["daily"].as_array().expect("daily");
    assert_eq!(week["daily"].as_array().expect("daily").len(), 7);
    let last7: Decimal = month_days[23..].iter().map(|d| dec(&d["cost"])).sum();
    assert_eq!(total(&week), last7);

    let start = month_days[5]["date"].as_str().expect("date");
    let end = month_days[15]["date"].as_str().expect("date");
    let range = json(&["--start", start, "--end", end]);
    assert_eq!(range["window"]["start"], start);
    assert_eq!(range["window"]["end"], end);
    assert_eq!(range["daily"].as_array().expect("daily").len(), 10);
    let expected: Decimal = month_days[5..15].iter().map(|d| dec(&d["cost"])).sum();
    assert_eq!(total(&range), expected);
    assert_sums_hold(&range);
}

#[test]
fn table_and_csv_say_demo() {
    let home = home();
    let out = awsdash(home.path(), &["snapshot", "--demo", "--format", "table"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DEMO DATA"), "{text}");
    let out = awsdash(home.path(), &["snapshot", "--demo", "--format", "csv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("source,section,name,date,cost,estimated")
    );
    assert!(lines.all(|l| l.starts_with("demo,")));
}

#[test]
fn piped_output_defaults_to_json() {
    let home = home();
    let out = awsdash(home.path(), &["snapshot", "--demo"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("json when piped");
    assert_eq!(v["source"], "demo");
}

fn assert_usage_error(args: &[&str], needle: &str) {
    let home = home();
    let out = awsdash(home.path(), args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: {needle:?} not in {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty(), "no data on stdout: {args:?}");
}

#[test]
fn bad_filters_are_usage_errors() {
    assert_usage_error(
        &["snapshot", "--demo", "--filter", "zone=a"],
        "unknown dimension",
    );
    assert_usage_error(
        &["snapshot", "--demo", "--filter", "region"],
        "DIMENSION=VALUE",
    );
    assert_usage_error(
        &["snapshot", "--demo", "--filter", "account=12"],
        "12-digit",
    );
    assert_usage_error(
        &["snapshot", "--demo", "--filter", "service="],
        "needs a value",
    );
}

#[test]
fn bad_dates_are_usage_errors() {
    assert_usage_error(
        &[
            "snapshot",
            "--demo",
            "--start",
            "2026-02-30",
            "--end",
            "2026-03-02",
        ],
        "--start",
    );
    assert_usage_error(
        &[
            "snapshot",
            "--demo",
            "--start",
            "2026-11-10",
            "--end",
            "2026-11-01",
        ],
        "window is empty",
    );
    assert_usage_error(
        &[
            "snapshot",
            "--demo",
            "--start",
            "2026-11-10",
            "--end",
            "2999-01-01",
        ],
        "in the future",
    );
    assert_usage_error(&["snapshot", "--demo", "--days", "0"], "--days must be");
    assert_usage_error(&["snapshot", "--demo", "--start", "2026-11-10"], "--end");
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

#[test]
fn every_invalid_config_fixture_gives_its_error() {
    for file in fixtures("invalid") {
        let text = std::fs::read_to_string(&file).expect("fixture");
        let expectations: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(
            !expectations.is_empty(),
            "{} has no # expect:",
            file.display()
        );
        let path = file.to_str().expect("utf-8 path");
        let home = home();
        let out = awsdash(home.path(), &["snapshot", "--demo", "--config", path]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", file.display());
        assert!(stderr.contains(path), "names the file: {stderr}");
        assert!(stderr.contains("hint:"), "gives a hint: {stderr}");
        for needle in expectations {
            assert!(
                stderr.contains(needle),
                "{}: {needle:?} not in {stderr}",
                file.display()
            );
        }
    }
}

#[test]
fn every_valid_config_fixture_is_accepted() {
    for file in fixtures("valid") {
        let path = file.to_str().expect("utf-8 path");
        let home = home();
        let out = awsdash(
            home.path(),
            &["snapshot", "--demo", "--json", "--config", path],
        );
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn config_days_apply_and_flags_win() {
    let dir = home();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[view]\ndays = 7\n").expect("write config");
    let path = config.to_str().expect("utf-8");
    let out = awsdash(
        dir.path(),
        &["snapshot", "--demo", "--json", "--config", path],
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["daily"].as_array().expect("daily").len(), 7);
    let out = awsdash(
        dir.path(),
        &[
            "snapshot", "--demo", "--json", "--config", path, "--days", "3",
        ],
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["daily"].as_array().expect("daily").len(), 3);
}

#[test]
fn exclude_credits_removes_the_negative_lines() {
    let dir = home();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[view]\nexclude_credits = true\n").expect("write config");
    let path = config.to_str().expect("utf-8");
    let out = awsdash(
        dir.path(),
        &["snapshot", "--demo", "--json", "--config", path],
    );
    let gross: Value = serde_json::from_slice(&out.stdout).expect("json");
    let net = json(&[]);
    assert!(total(&gross) > total(&net), "credits lower the net total");
}

#[test]
fn a_missing_named_config_is_an_error_but_the_default_may_be_absent() {
    assert_usage_error(
        &[
            "snapshot",
            "--demo",
            "--config",
            "/nonexistent/awsdash.toml",
        ],
        "/nonexistent/awsdash.toml",
    );
    let v = json(&[]);
    assert_eq!(v["source"], "demo");
}

#[test]
fn help_fits_one_screen_and_version_names_the_paths() {
    let home = home();
    let out = awsdash(home.path(), &["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.lines().count() <= 50, "{help}");
    for flag in [
        "--demo",
        "--profile",
        "--filter",
        "--no-cache",
        "--endpoint-url",
    ] {
        assert!(help.contains(flag), "{flag} in help");
    }
    let out = awsdash(home.path(), &["--version"]);
    let version = String::from_utf8_lossy(&out.stdout);
    assert!(
        version.contains("config:") && version.contains("log:"),
        "{version}"
    );
}

/// The binary with fake static keys (no credential chain lookups, no IMDS), for runs that
/// must never reach AWS.
fn awsdash_offline(home: &Path) -> std::process::Command {
    let mut cmd = support::process::awsdash(home);
    cmd.env("AWS_ACCESS_KEY_ID", support::TEST_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", support::TEST_SECRET_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

#[test]
fn one_window_limit_checked_locally_for_days_and_dates() {
    let today = chrono::Utc::now().date_naive();
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    let long_ago = (today - chrono::Duration::days(485)).to_string();
    for args in [
        vec![
            "snapshot",
            "--start",
            "0000-01-01",
            "--end",
            tomorrow.as_str(),
        ],
        vec![
            "snapshot",
            "--start",
            long_ago.as_str(),
            "--end",
            tomorrow.as_str(),
        ],
    ] {
        // No --demo and no endpoint: a paid request would have to leave the machine, and the
        // refusal comes before any.
        let home = home();
        let out = awsdash_offline(home.path())
            .args(&args)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("too far back") && stderr.contains("427"),
            "{stderr}"
        );
    }
    assert_usage_error(
        &["snapshot", "--demo", "--days", "428"],
        "between 1 and 427",
    );
    assert_usage_error(
        &["snapshot", "--demo", "--days", "-5"],
        "between 1 and 427, got -5",
    );
}

#[test]
fn contradicting_formats_and_bad_log_levels_say_what_is_wrong() {
    assert_usage_error(
        &["snapshot", "--demo", "--json", "--format", "csv"],
        "--json means --format json",
    );
    assert_usage_error(
        &["snapshot", "--demo", "--log-level", "foo["],
        "--log-level \"foo[\"",
    );
    let home = home();
    let out = awsdash(home.path(), &["snapshot", "--demo", "--json", "--json"]);
    assert!(out.status.success(), "--json twice is still --json");
    let out = support::process::awsdash(home.path())
        .args(["snapshot", "--demo"])
        .env("AWSDASH_LOG", "awsdash=loud")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("AWSDASH_LOG") && !stderr.contains("Some("),
        "{stderr}"
    );
}

/// Runs `cmd`, killing it if it has not finished within `limit` (a hang is a failure, not a
/// stuck test run).
fn output_within(mut cmd: std::process::Command, limit: std::time::Duration) -> Output {
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running after {limit:?}: {cmd:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn a_config_path_that_never_ends_is_refused_at_once() {
    let home = home();
    let fifo = home.path().join("config.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let dir = home.path().join("a-directory");
    std::fs::create_dir(&dir).expect("mkdir");
    let big = home.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(2 * 1024 * 1024))).expect("write");
    for (path, needle) in [
        (fifo.as_path(), "FIFO"),
        (Path::new("/dev/zero"), "device"),
        (dir.as_path(), "directory"),
        (big.as_path(), "larger than"),
    ] {
        let mut cmd = support::process::awsdash(home.path());
        cmd.args(["snapshot", "--demo", "--config"]).arg(path);
        let out = output_within(cmd, std::time::Duration::from_secs(10));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(stderr.contains(needle), "{}: {stderr}", path.display());
    }
}

#[test]
fn snapshot_with_stdout_closed_fails_instead_of_losing_the_data() {
    let home = home();
    let bin = env!("CARGO_BIN_EXE_awsdash");
    let mut cmd = std::process::Command::new("sh");
    support::process::isolate(&mut cmd, home.path());
    // Without a preloaded clock: libfaketime opens a shared-memory file at start-up, which
    // would take the free descriptor 1 and pass for a stdout. The date plays no part here.
    cmd.env_remove("LD_PRELOAD");
    let out = cmd
        .arg("-c")
        .arg(format!("'{bin}' snapshot --demo --json >&-"))
        .output()
        .expect("sh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("stdout is closed"), "{stderr}");
}

/// `awsdash ARGS` in a network namespace of its own: whatever it tries, no packet leaves
/// this machine (the test of an empty endpoint must not reach the real AWS).
fn offline_netns(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let bin = env!("CARGO_BIN_EXE_awsdash");
    for unshare in [&["-n"][..], &["-r", "-n"]] {
        let mut cmd = std::process::Command::new("unshare");
        support::process::isolate(&mut cmd, home);
        cmd.args(unshare)
            .arg(bin)
            .args(args)
            .env("AWS_ACCESS_KEY_ID", support::TEST_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", support::TEST_SECRET_KEY)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(env.iter().copied());
        let out = output_within(cmd, std::time::Duration::from_secs(60));
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.starts_with("unshare:") {
            continue;
        }
        return out;
    }
    panic!("this test needs `unshare -n` (util-linux; root or user namespaces)");
}

#[test]
fn an_empty_endpoint_is_unset_and_never_panics() {
    let home = home();
    let config = home.path().join("c.toml");
    std::fs::write(&config, "[aws]\ntimeout_secs = 5\n").expect("config");
    let empty_config = home.path().join("empty.toml");
    std::fs::write(
        &empty_config,
        "[aws]\nendpoint_url = \"\"\ntimeout_secs = 5\n",
    )
    .expect("config");
    let c = config.to_str().expect("utf-8");
    let e = empty_config.to_str().expect("utf-8");
    for (args, env) in [
        (
            vec!["snapshot", "--json", "--config", c],
            vec![("AWS_ENDPOINT_URL", "")],
        ),
        (
            vec!["snapshot", "--json", "--config", c, "--endpoint-url", ""],
            vec![],
        ),
        (
            vec!["snapshot", "--json", "--config", e],
            vec![("AWS_REGION", "")],
        ),
    ] {
        let out = offline_netns(home.path(), &args, &env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(101), "{args:?} {env:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        // The real AWS endpoint, unreachable from the namespace: "unavailable", exit 4.
        assert_eq!(out.status.code(), Some(4), "{args:?} {env:?}: {stderr}");
        assert!(
            stderr.contains("AWS unavailable") || stderr.contains("timed out"),
            "{stderr}"
        );
    }
}

#[test]
fn a_malformed_endpoint_or_empty_region_is_exit_2_naming_where_it_came_from() {
    let home = home();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let out = awsdash_offline(home.path())
            .args(args)
            .envs(env.iter().copied())
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["snapshot", "--endpoint-url", "localhost:4566"], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--endpoint-url"), "{err}");
    let (code, err) = run(&["snapshot"], &[("AWS_ENDPOINT_URL", "not a url")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("AWS_ENDPOINT_URL in the environment"), "{err}");
    let (code, err) = run(&["snapshot", "--region", ""], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--region"), "{err}");
}

/// Every IAM policy we ship is valid JSON an operator can paste: each statement allows named
/// actions on named resources, and none grants `*` actions.
#[test]
fn the_shipped_iam_policies_are_well_formed_and_never_grant_every_action() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("assets/") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !(name.starts_with("iam-policy") && name.ends_with(".json")) {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&path).expect("readable");
        let policy: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(policy["Version"], "2012-10-17", "{name}");
        let statements = policy["Statement"].as_array().expect("statements");
        assert!(!statements.is_empty(), "{name}");
        for s in statements {
            assert_eq!(s["Effect"], "Allow", "{name}");
            let actions = s["Action"].as_array().expect("a list of actions");
            assert!(!actions.is_empty(), "{name}");
            assert!(
                actions
                    .iter()
                    .all(|a| a.as_str().is_some_and(|a| a.contains(':') && a != "*")),
                "{name}: {actions:?}"
            );
            assert!(s.get("Resource").is_some(), "{name}");
        }
    }
    assert!(seen >= 6, "only {seen} policies found in assets/");
}
