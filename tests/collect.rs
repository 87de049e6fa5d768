//! `awsdash collect`, the real binary against the emulator, read over real HTTP on 127.0.0.1:
//! `/metrics` parses as Prometheus text and agrees with `snapshot --json` and the emulator's
//! journal; `/ready` follows the first snapshot; SIGHUP keeps a bad config and applies a good
//! one; SIGTERM and SIGINT end it with 0 and a closed port; a port in use is exit 2.

mod support;

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use support::fixture::{demo_items, fetch_range, fixture, last_days};
use support::home::Home;
use support::prometheus::{Exposition, parse};
use support::receiver::{Receiver, Reply};
use support::{Emulator, free_port};

const WAIT: Duration = Duration::from_secs(40);

/// A running `awsdash collect`, killed if a test ends without stopping it.
struct Collector {
    child: Child,
    addr: SocketAddr,
    stderr: PathBuf,
    agent: ureq::Agent,
}

impl Collector {
    fn start(home: &Home, emu_url: &str, args: &[&str]) -> Collector {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
        let stderr = home.path().join(format!("collect-{}.stderr", addr.port()));
        let listen = addr.to_string();
        let mut all = vec!["collect", "--listen", listen.as_str()];
        all.extend_from_slice(args);
        let child = home
            .command(emu_url, &all)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("awsdash collect starts");
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(10)))
                .http_status_as_error(false)
                .proxy(None)
                .build(),
        );
        let collector = Collector {
            child,
            addr,
            stderr,
            agent,
        };
        collector.wait_for("the HTTP server", || {
            collector.try_get("/healthz").is_some()
        });
        collector
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    fn try_get(&self, path: &str) -> Option<(u16, String)> {
        let mut response = self
            .agent
            .get(&format!("http://{}{path}", self.addr))
            .call()
            .ok()?;
        let body = response.body_mut().read_to_string().ok()?;
        Some((response.status().as_u16(), body))
    }

    fn get(&self, path: &str) -> (u16, String) {
        self.try_get(path)
            .unwrap_or_else(|| panic!("GET {path}: no answer\n{}", self.stderr()))
    }

    fn metrics(&self) -> Exposition {
        let (status, body) = self.get("/metrics");
        assert_eq!(status, 200, "{body}");
        parse(&body).unwrap_or_else(|e| panic!("/metrics is not Prometheus text: {e}\n{body}"))
    }

    fn wait_for(&self, what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done() {
            assert!(
                Instant::now() < deadline,
                "waited {WAIT:?} for {what} in vain; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_ready(&self) {
        self.wait_for("ready", || self.get("/ready").0 == 200);
    }

    fn wait_said(&mut self, text: &str) {
        let stderr = self.stderr.clone();
        let deadline = Instant::now() + WAIT;
        loop {
            let said = std::fs::read_to_string(&stderr).unwrap_or_default();
            if said.contains(text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "stderr never said {text:?}:\n{said}"
            );
            assert!(
                self.child.try_wait().expect("try_wait").is_none(),
                "collect ended before saying {text:?}:\n{said}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) with the pid of our own child and a plain signal number.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill");
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// Waits for the process to end by itself; its exit code.
    fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "collect did not end: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn json_money(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("decimal string: {v}"))).expect("decimal")
}

/// A sample's value as the decimal its text spells (the shortest text that reads back as the
/// same f64), to the cent.
fn metric_cents(value: f64) -> Decimal {
    cents(Decimal::from_str(&value.to_string()).expect("a finite sample"))
}

const REQUIRED: [&str; 9] = [
    "awsdash_cost_month_to_date",
    "awsdash_cost_month_to_date_by_service",
    "awsdash_cost_forecast_month_end",
    "awsdash_budget_actual",
    "awsdash_budget_limit",
    "awsdash_alerts_firing",
    "awsdash_aws_requests_total",
    "awsdash_last_success_timestamp_seconds",
    "awsdash_up",
];

/// A service name no one should have to handle, and what a label keeps of it.
const HOSTILE: &str = "Evil \"quoted\" back\\slash\nnew line";
const HOSTILE_LABEL: &str = "Evil \"quoted\" back\\slash\u{fffd}new line";

/// The demo account over the last 30 days' fetch range, plus a line for `HOSTILE` on each of
/// the same days as the demo's Lambda lines.
fn seed_demo(emu: &Emulator) {
    let mut items = demo_items(fetch_range(last_days(30)), None);
    let hostile: Vec<_> = items
        .iter()
        .filter(|i| i.service == "AWS Lambda")
        .map(|i| awsdash::source::demo::LineItem {
            service: HOSTILE,
            ..i.clone()
        })
        .collect();
    items.extend(hostile);
    emu.seed(&fixture(&items, 5_000));
}

#[test]
fn metrics_parse_and_agree_with_snapshot_json() {
    let emu = Emulator::start();
    seed_demo(&emu);
    emu.create_budget("team \"ops\" \\ main", "1000");
    // The same account seen by `snapshot --json` from another home: two separate fetches.
    let snapshot = Home::new().snapshot(&emu, &[]);
    let home = Home::new();
    let collector = Collector::start(&home, &emu.url(), &[]);
    collector.wait_ready();
    let m = collector.metrics();

    for name in REQUIRED {
        let family = m.family(name);
        assert!(
            family.help.is_some() && family.kind.is_some(),
            "{name}: {family:?}"
        );
    }
    for name in REQUIRED
        .iter()
        .filter(|n| **n != "awsdash_aws_requests_total")
    {
        let help = m.family(name).help.clone().unwrap_or_default();
        assert!(
            help.contains("Cached from the last snapshot"),
            "{name}: {help}"
        );
    }
    assert_eq!(
        m.family("awsdash_aws_requests_total").kind.as_deref(),
        Some("counter")
    );
    assert_eq!(m.value("awsdash_up", &[]), 1.0);

    let currency = snapshot["currency"].as_str().expect("currency");
    let mtd = json_money(&snapshot["month_to_date"]["cost"]);
    let shown = m.value("awsdash_cost_month_to_date", &[("currency", currency)]);
    assert_eq!(metric_cents(shown), cents(mtd), "month to date");
    let forecast = json_money(&snapshot["forecast"]["month_end"]);
    let shown = m.value("awsdash_cost_forecast_month_end", &[("currency", currency)]);
    assert_eq!(metric_cents(shown), cents(forecast), "forecast");

    // Top 50 services and the rest: their sum is the month to date.
    let services = &m.family("awsdash_cost_month_to_date_by_service").samples;
    assert!(!services.is_empty() && services.len() <= 51, "{services:?}");
    let sum: f64 = services.iter().map(|s| s.value).sum();
    assert_eq!(
        metric_cents(sum),
        cents(mtd),
        "services sum to the month to date"
    );
    let hostile = m.find(
        "awsdash_cost_month_to_date_by_service",
        &[("service", HOSTILE_LABEL)],
    );
    let lambda = m.value(
        "awsdash_cost_month_to_date_by_service",
        &[("service", "AWS Lambda")],
    );
    assert_eq!(hostile.len(), 1, "{services:?}");
    assert_eq!(hostile[0].value, lambda, "the same lines as Lambda");

    let budget = [("budget", "team \"ops\" \\ main"), ("currency", currency)];
    assert_eq!(m.value("awsdash_budget_limit", &budget), 1000.0);
    let actual = json_money(&snapshot["budgets"][0]["actual"]);
    assert_eq!(
        metric_cents(m.value("awsdash_budget_actual", &budget)),
        cents(actual)
    );
    let firing = snapshot["alerts"].as_array().expect("alerts").len();
    assert_eq!(m.value("awsdash_alerts_firing", &[]), firing as f64);
    for source in ["cost_explorer", "budgets", "cloudwatch"] {
        let at = m.value(
            "awsdash_last_success_timestamp_seconds",
            &[("source", source)],
        );
        let now = chrono::Utc::now().timestamp() as f64;
        assert!((now - 600.0..=now + 1.0).contains(&at), "{source}: {at}");
    }
}

/// The journal's service names (the signing names: `ce`, `cost-optimization-hub`), as the
/// metric's label spells them (`cost_explorer`, `cost_optimization_hub`).
fn label_of(journal_service: &str) -> String {
    match journal_service {
        "ce" => "cost_explorer".to_string(),
        other => other.replace('-', "_"),
    }
}

#[test]
fn requests_total_counts_what_the_emulator_saw_and_scrapes_call_nothing() {
    let emu = Emulator::start();
    seed_demo(&emu);
    // One failed attempt, retried by the SDK: two requests on the wire.
    emu.fault(json!({"operation": "DescribeBudgets", "kind": "server_error", "count": 1}));
    emu.clear_journal();
    let home = Home::new();
    let collector = Collector::start(&home, &emu.url(), &[]);
    collector.wait_ready();
    let journal = emu.journal();
    for _ in 0..5 {
        collector.metrics();
    }
    assert_eq!(
        emu.journal().len(),
        journal.len(),
        "a scrape never calls AWS"
    );

    let mut seen = std::collections::BTreeMap::new();
    for entry in &journal {
        let service = label_of(entry["service"].as_str().expect("service"));
        let operation = entry["operation"].as_str().expect("operation").to_string();
        *seen.entry((service, operation)).or_insert(0.0) += 1.0;
    }
    let m = collector.metrics();
    let counted: std::collections::BTreeMap<(String, String), f64> = m
        .family("awsdash_aws_requests_total")
        .samples
        .iter()
        .map(|s| {
            let label = |k: &str| s.labels.get(k).cloned().expect("label");
            ((label("service"), label("operation")), s.value)
        })
        .collect();
    assert_eq!(counted, seen);
    assert_eq!(
        counted[&("budgets".to_string(), "DescribeBudgets".to_string())],
        2.0
    );
    assert!(counted[&("cost_explorer".to_string(), "GetCostAndUsage".to_string())] >= 1.0);
}

#[test]
fn ready_is_503_until_the_first_snapshot_and_the_server_refuses_what_it_does_not_serve() {
    let emu = Emulator::start();
    seed_demo(&emu);
    emu.fault(
        json!({"operation": "GetCostAndUsage", "kind": "delay", "delay_ms": 4000, "count": 1}),
    );
    let home = Home::new();
    let collector = Collector::start(&home, &emu.url(), &[]);
    let (status, body) = collector.get("/ready");
    assert_eq!(
        (status, body.as_str()),
        (503, "not ready: no fresh snapshot yet\n")
    );
    assert_eq!(collector.get("/healthz"), (200, "ok\n".to_string()));
    let early = collector.metrics();
    assert_eq!(early.value("awsdash_up", &[]), 0.0);
    assert!(
        early
            .family("awsdash_cost_month_to_date")
            .samples
            .is_empty()
    );

    // What is not served, said plainly.
    assert_eq!(collector.get("/nothing").0, 404);
    let post = collector
        .agent
        .post(&format!("http://{}/metrics", collector.addr))
        .send("x")
        .expect("answered");
    assert_eq!(post.status().as_u16(), 405);
    // A client that connects and says nothing is cut off.
    let mut idle = TcpStream::connect(collector.addr).expect("connect");
    idle.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let started = Instant::now();
    let mut buf = [0u8; 256];
    let read = std::io::Read::read(&mut idle, &mut buf);
    assert!(
        read.is_ok() && started.elapsed() < Duration::from_secs(12),
        "an idle connection stayed open {:?}: {read:?}",
        started.elapsed()
    );

    collector.wait_ready();
    assert_eq!(collector.get("/ready"), (200, "ready\n".to_string()));
    assert_eq!(collector.metrics().value("awsdash_up", &[]), 1.0);
}

/// The spiking demo account's Lambda and S3 lines over the last 90 days' fetch range.
fn seed_spiking(emu: &Emulator) {
    let services = ["AWS Lambda", "Amazon Simple Storage Service"];
    let items = demo_items(fetch_range(last_days(90)), Some(&services));
    emu.seed(&fixture(&items, 5_000));
}

#[test]
fn sighup_keeps_an_invalid_config_and_applies_a_valid_one() {
    let emu = Emulator::start();
    seed_spiking(&emu);
    let hook = Receiver::start([], Reply::ok());
    let home = Home::new();
    let config = home.config("[alerts]\nanomaly_min_impact = 50\n");
    let mut collector = Collector::start(&home, &emu.url(), &["--config", &config]);
    collector.wait_ready();
    collector.wait_said("poll every 300 s, no alert sink");

    std::fs::write(&config, "[view]\ndayz = 90\n").expect("write");
    collector.signal(libc::SIGHUP);
    collector.wait_said("config not reloaded, the one in use stays");
    let said = collector.stderr();
    assert!(said.contains("unknown field `dayz`"), "{said}");
    assert!(collector.alive());
    assert_eq!(collector.get("/ready").0, 200);
    // Valid TOML, but a sink whose URL is in a variable the process does not have.
    std::fs::write(
        &config,
        "[[alerts.sink]]\nname = \"ops-hook\"\nkind = \"webhook\"\nurl_env = \"AWSDASH_TEST_UNSET_URL\"\n",
    )
    .expect("write");
    collector.signal(libc::SIGHUP);
    collector.wait_for("the second refusal", || {
        collector
            .stderr()
            .matches("config not reloaded, the one in use stays")
            .count()
            == 2
    });
    assert!(collector.stderr().contains("AWSDASH_TEST_UNSET_URL"));
    assert!(!collector.stderr().contains("reloaded config"));
    assert_eq!(collector.get("/ready").0, 200);
    assert!(hook.requests().is_empty());

    emu.clear_journal();
    let secret_path = "/hooks/the-secret-path";
    std::fs::write(
        &config,
        format!(
            "[view]\ndays = 90\n[refresh]\ninterval_secs = 60\n[alerts]\nanomaly_min_impact = 50\n\
             [[alerts.sink]]\nname = \"ops-hook\"\nkind = \"webhook\"\nurl = \"{}\"\n",
            hook.url(secret_path)
        ),
    )
    .expect("write");
    collector.signal(libc::SIGHUP);
    collector.wait_said("reloaded config");
    let said = collector.stderr();
    assert!(
        said.contains("(90 d), poll every 60 s, alert sinks ops-hook, 0 rule(s)"),
        "{said}"
    );
    // The new sink hears about the spike; the new window is what Cost Explorer is asked.
    collector.wait_for("the alert on the new sink", || {
        hook.requests()
            .iter()
            .any(|r| String::from_utf8_lossy(&r.body).contains("AWS Lambda"))
    });
    let start = fetch_range(last_days(90)).start.to_string();
    let asked: Vec<Value> = emu
        .journal()
        .into_iter()
        .filter(|e| e["operation"] == "GetCostAndUsage")
        .collect();
    assert!(
        asked
            .iter()
            .any(|e| e["request"]["TimePeriod"]["Start"] == start.as_str()),
        "no GetCostAndUsage from {start}: {asked:?}"
    );
    collector.wait_ready();
    let said = collector.stderr();
    assert!(
        !said.contains(secret_path),
        "a sink URL was printed:\n{said}"
    );
    let (_, metrics) = collector.get("/metrics");
    assert!(!metrics.contains(secret_path));
}

#[test]
fn sigterm_turns_ready_503_while_the_poll_ends_then_exits_0_with_the_port_closed() {
    let emu = Emulator::start();
    seed_demo(&emu);
    let home = Home::new();
    let mut collector = Collector::start(&home, &emu.url(), &[]);
    collector.wait_ready();

    // A reload starts a new poller whose first poll reads Budgets, slowly: SIGTERM lands
    // while it is in flight.
    emu.fault(
        json!({"operation": "DescribeBudgets", "kind": "delay", "delay_ms": 3000, "count": 1}),
    );
    collector.signal(libc::SIGHUP);
    collector.wait_said("reloaded config");
    std::thread::sleep(Duration::from_millis(500));
    collector.signal(libc::SIGTERM);
    collector.wait_said("SIGTERM: shutting down");
    assert!(collector.alive(), "the poll in flight is waited for");
    assert_eq!(
        collector.get("/ready"),
        (503, "not ready: shutting down\n".to_string())
    );
    assert_eq!(collector.wait_exit(), Some(0), "{}", collector.stderr());
    assert!(
        collector.stderr().ends_with("awsdash: stopped\n"),
        "{}",
        collector.stderr()
    );
    assert!(
        TcpStream::connect(collector.addr).is_err(),
        "the port is still open"
    );
}

#[test]
fn a_port_in_use_is_exit_2_and_sigint_ends_with_0() {
    let emu = Emulator::start();
    seed_demo(&emu);
    let home = Home::new();
    let mut first = Collector::start(&home, &emu.url(), &[]);
    let taken = first.addr.to_string();
    let out = Home::new()
        .command(&emu.url(), &["collect", "--listen", &taken])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {taken}")) && stderr.contains("--listen"),
        "{stderr}"
    );
    // Any other listener too, not only another collector.
    let other = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = other.local_addr().expect("addr").to_string();
    let out = Home::new()
        .command(&emu.url(), &["collect", "--listen", &port])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));

    first.signal(libc::SIGINT);
    assert_eq!(first.wait_exit(), Some(0), "{}", first.stderr());
    assert!(first.stderr().contains("SIGINT: shutting down"));
}

#[test]
fn a_listen_address_that_is_not_ip_port_is_a_usage_error() {
    let home = Home::new();
    let out = home
        .command("http://127.0.0.1:1", &["collect", "--listen", "localhost"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("IP:PORT"), "{stderr}");
}

#[test]
fn the_parser_refuses_what_prometheus_refuses() {
    let good = "# HELP a_total Requests \\\\ all.\n# TYPE a_total counter\na_total{x=\"q\\\"\\\\\\n\"} 3\n";
    let parsed = parse(good).expect("valid");
    assert_eq!(parsed.value("a_total", &[("x", "q\"\\\n")]), 3.0);
    for bad in [
        "a 1",                                   // no final newline
        "a{x=\"\\t\"} 1\n",                      // unknown escape
        "a 1\na 2\n",                            // same series twice
        "a 1\nb 1\na{x=\"y\"} 1\n",              // a family split in two
        "a 1\n# TYPE a gauge\n",                 // TYPE after samples
        "1a 1\n",                                // bad name
        "a{x=\"y\" 1\n",                         // unterminated labels
        "a one\n",                               // bad value
        "# TYPE a gauge\n# TYPE a gauge\na 1\n", // TYPE twice
    ] {
        assert!(parse(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn the_readme_documents_every_metric_and_the_sample_unit_runs_collect() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let rendered = awsdash::metrics::render(None, Vec::new()).expect("render");
    let families = parse(&rendered).expect("parses").families;
    assert_eq!(families.len(), REQUIRED.len());
    for name in families.keys() {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "README lacks {name}"
        );
    }

    let unit = std::fs::read_to_string(root.join("assets/awsdash-collect.service")).expect("unit");
    for line in [
        "Type=simple",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "Restart=on-failure",
        "User=awsdash",
        "NoNewPrivileges=yes",
    ] {
        assert!(unit.lines().any(|l| l == line), "the unit lacks {line}");
    }
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let argv: Vec<&str> = exec.split_whitespace().collect();
    use clap::Parser as _;
    let cli = awsdash::cli::Cli::try_parse_from(&argv).expect("the unit's command line parses");
    assert!(matches!(
        cli.command,
        Some(awsdash::cli::Command::Collect(_))
    ));
    assert!(cli.common.config.is_some(), "the unit names its config");
}
