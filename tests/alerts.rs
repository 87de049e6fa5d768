//! Alerts end to end, against the emulator and local receivers on 127.0.0.1: a spiking
//! service is one anomaly in `snapshot --json` and exactly one message on each sink, with its
//! explanation; quiet data raises none; failing sinks are retried without losing or
//! duplicating an alert; AWS's own anomalies appear marked as AWS's; no secret leaks.

mod support;

use std::process::Output;

use chrono::Duration;
use serde_json::{Value, json};

use awsdash::source::demo::{LineItem, SPIKE_DAYS_AGO};
use support::Emulator;
use support::fixture::{demo_items, fetch_range, fixture, last_days, today};
use support::home::{Home, window_args};
use support::receiver::{Receiver, Reply};

/// The signing secret of the webhook sinks (the Standard Webhooks spec's example).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The demo account over the last 30 days' fetch range, as line items: it has a Lambda spike
/// `SPIKE_DAYS_AGO` days before today.
fn spiking() -> Vec<LineItem> {
    demo_items(fetch_range(last_days(30)), None)
}

/// The same account without the spike: that day's Lambda lines are the ones of a week before.
fn quiet() -> Vec<LineItem> {
    let spike = today() - Duration::days(SPIKE_DAYS_AGO);
    let week_before = spike - Duration::days(7);
    let mut items: Vec<LineItem> = spiking()
        .into_iter()
        .filter(|i| !(i.date == spike && i.service == "AWS Lambda"))
        .collect();
    let replacement: Vec<LineItem> = items
        .iter()
        .filter(|i| i.date == week_before && i.service == "AWS Lambda")
        .map(|i| LineItem {
            date: spike,
            ..i.clone()
        })
        .collect();
    items.extend(replacement);
    items
}

/// A config with the given `[[alerts.sink]]` tables (TOML text).
fn config(home: &Home, sinks: &str) -> String {
    home.config(&format!("[alerts]\nanomaly_min_impact = 50\n{sinks}"))
}

fn webhook_sink(name: &str, url: &str) -> String {
    format!(
        "[[alerts.sink]]\nname = \"{name}\"\nkind = \"webhook\"\nurl = \"{url}\"\nsecret = \"{SECRET}\"\n"
    )
}

fn run(home: &Home, emu: &Emulator, config: &str, args: &[&str]) -> Output {
    let span = window_args(last_days(30));
    let mut all: Vec<&str> = args.to_vec();
    all.extend(span.iter().map(String::as_str));
    all.extend(["--config", config]);
    home.run(emu, &all)
}

fn lambda_anomalies(v: &Value) -> Vec<Value> {
    v["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .filter(|a| a["service"] == "AWS Lambda" && a["source"] == "local")
        .cloned()
        .collect()
}

#[test]
fn a_spike_is_one_anomaly_and_one_message_per_sink_and_quiet_data_is_none() {
    let emu = Emulator::start();
    emu.seed(&fixture(&spiking(), 5_000));
    let hook = Receiver::start([], Reply::ok());
    let slack = Receiver::start([], Reply::ok());
    let teams = Receiver::start([], Reply::status(202));
    let home = Home::new();
    let sinks = format!(
        "{}[[alerts.sink]]\nname = \"ops-slack\"\nkind = \"slack\"\nurl = \"{}\"\n[[alerts.sink]]\nname = \"ops-teams\"\nkind = \"teams\"\nurl = \"{}\"\n",
        webhook_sink("hook", &hook.url("/hook")),
        slack.url("/services/T0/B0/slacksecretpath"),
        teams.url("/workflows/teamssecretpath")
    );
    let config = config(&home, &sinks);

    let out = run(&home, &emu, &config, &["snapshot", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let spike = today() - Duration::days(SPIKE_DAYS_AGO);
    let found = lambda_anomalies(&v);
    assert_eq!(found.len(), 1, "{}", v["anomalies"]);
    assert_eq!(found[0]["start"], spike.to_string());
    assert_eq!(found[0]["end"], spike.to_string());
    let explanation = found[0]["explanation"].as_str().expect("explained");
    assert!(explanation.starts_with("AWS Lambda $"), "{explanation}");
    let alerts = v["alerts"].as_array().expect("alerts");
    assert!(
        alerts.iter().any(|a| a["kind"] == "anomaly"
            && a["title"]
                .as_str()
                .is_some_and(|t| t.contains("AWS Lambda"))),
        "{alerts:?}"
    );
    // snapshot never delivers.
    assert!(hook.requests().is_empty() && slack.requests().is_empty());

    let out = run(&home, &emu, &config, &["alerts", "run"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let anomaly_messages = |r: &Receiver| {
        r.requests()
            .into_iter()
            .filter(|q| String::from_utf8_lossy(&q.body).contains("AWS Lambda"))
            .count()
    };
    assert_eq!(anomaly_messages(&hook), 1);
    assert_eq!(anomaly_messages(&slack), 1);
    assert_eq!(anomaly_messages(&teams), 1);
    let slack_body = slack.requests()[0].json();
    assert!(slack_body["text"].is_string() && slack_body["blocks"].is_array());
    assert_eq!(teams.requests()[0].json()["type"], "message");
    let webhook = &hook.requests()[0];
    assert!(
        webhook
            .header("webhook-signature")
            .is_some_and(|s| s.starts_with("v1,"))
    );
    assert!(String::from_utf8_lossy(&webhook.body).contains(&spike.format("%b %d").to_string()));

    // Once: a second run delivers nothing new.
    let before = hook.requests().len();
    let out = run(&home, &emu, &config, &["alerts", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(hook.requests().len(), before, "nothing new to say");

    // Quiet data: no anomaly at all, nothing to deliver.
    let emu2 = Emulator::start();
    emu2.seed(&fixture(&quiet(), 5_000));
    let quiet_hook = Receiver::start([], Reply::ok());
    let home2 = Home::new();
    let config2 = self::config(&home2, &webhook_sink("hook", &quiet_hook.url("/hook")));
    let out = run(&home2, &emu2, &config2, &["snapshot", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["anomalies"], json!([]), "quiet data raises none");
    let out = run(&home2, &emu2, &config2, &["alerts", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(quiet_hook.requests().is_empty());
}

#[test]
fn a_failing_sink_is_retried_and_delivers_exactly_once_and_a_dead_one_keeps_its_outbox() {
    let emu = Emulator::start();
    emu.seed(&fixture(&spiking(), 5_000));
    // 500, then 429 with Retry-After: 1, then fine: one delivery in one run.
    let flaky = Receiver::start([Reply::status(500), Reply::TooMany(1)], Reply::ok());
    // Nothing listens on this port yet.
    let port = support::free_port();
    let down_url = format!("http://127.0.0.1:{port}/hook");
    let home = Home::new();
    let sinks = format!(
        "{}{}",
        webhook_sink("flaky", &flaky.url("/hook")),
        webhook_sink("down", &down_url)
    );
    let config = config(&home, &sinks);
    let out = run(&home, &emu, &config, &["alerts", "run"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "something waits: {}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("wait in the outbox"),
        "{}",
        stdout(&out)
    );
    let ids: Vec<String> = flaky
        .requests()
        .iter()
        .filter_map(|r| r.header("webhook-id").map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), 3, "500, 429, then 200: {ids:?}");
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "one id across retries: {ids:?}"
    );

    // The dead sink comes back: the next run delivers what waited, once, with its first id.
    let revived = Receiver::start_on(port, [], Reply::ok());
    let out = run(&home, &emu, &config, &["alerts", "run"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let delivered = revived.requests();
    assert!(!delivered.is_empty());
    let lambda: Vec<_> = delivered
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("AWS Lambda"))
        .collect();
    assert_eq!(lambda.len(), 1, "exactly once");
    // And the flaky one got nothing twice.
    let flaky_ok = flaky.requests().len();
    let out = run(&home, &emu, &config, &["alerts", "run"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(flaky.requests().len(), flaky_ok);
    assert_eq!(revived.requests().len(), delivered.len());
}

#[test]
fn messages_of_a_sink_removed_from_the_config_leave_the_outbox_saying_so() {
    let emu = Emulator::start();
    emu.seed(&fixture(&spiking(), 5_000));
    let down_url = format!("http://127.0.0.1:{}/hook", support::free_port());
    let home = Home::new();
    let config = config(&home, &webhook_sink("down", &down_url));
    let out = run(&home, &emu, &config, &["alerts", "run"]);
    assert_eq!(out.status.code(), Some(4), "{}", stdout(&out));

    let hook = Receiver::start([], Reply::ok());
    let config = self::config(&home, &webhook_sink("hook", &hook.url("/hook")));
    let out = run(&home, &emu, &config, &["alerts", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("failed   down: no such sink") && text.contains("dropped"),
        "{text}"
    );
    assert!(text.contains("nothing waits undelivered"), "{text}");
    let out = run(&home, &emu, &config, &["alerts", "run"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !stdout(&out).contains("down"),
        "said once: {}",
        stdout(&out)
    );
}

#[test]
fn fail_on_alert_exits_5_and_alerts_lists_without_delivering() {
    let emu = Emulator::start();
    emu.seed(&fixture(&spiking(), 5_000));
    let hook = Receiver::start([], Reply::ok());
    let home = Home::new();
    let config = config(&home, &webhook_sink("hook", &hook.url("/hook")));
    let out = run(
        &home,
        &emu,
        &config,
        &["snapshot", "--json", "--fail-on-alert"],
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        serde_json::from_slice::<Value>(&out.stdout).is_ok(),
        "the output is unchanged"
    );
    let out = run(&home, &emu, &config, &["alerts"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("AWS Lambda"), "{}", stdout(&out));
    let out = run(&home, &emu, &config, &["alerts", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["alerts"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(hook.requests().is_empty(), "alerts only lists");
}

#[test]
fn alerts_test_sends_a_labelled_message_to_each_sink_and_says_how_each_went() {
    let emu = Emulator::start();
    let good = Receiver::start([], Reply::ok());
    let gone = Receiver::start([], Reply::status(404));
    let home = Home::new();
    let sinks = format!(
        "{}{}",
        webhook_sink("good", &good.url("/hook")),
        webhook_sink("gone", &gone.url("/hook"))
    );
    let config = config(&home, &sinks);
    let out = home.run(&emu, &["alerts", "test", "--config", &config]);
    assert_eq!(out.status.code(), Some(4), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("ok       good"), "{text}");
    assert!(text.contains("failed   gone"), "{text}");
    let body = good.requests()[0].json();
    assert_eq!(body["type"], "awsdash.alert.test");
    let out = home.run(
        &emu,
        &["alerts", "test", "--sink", "good", "--config", &config],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = home.run(
        &emu,
        &["alerts", "test", "--sink", "nope", "--config", &config],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn aws_anomalies_appear_marked_and_no_permission_is_a_quiet_note() {
    let emu = Emulator::start();
    let mut f = fixture(&spiking(), 5_000);
    let day = (today() - Duration::days(10)).to_string();
    f["anomalies"] = json!([{"id": "a-1", "start": day, "end": day, "service": "Amazon Simple Storage Service",
                             "region": "us-east-1", "actual": 812.5, "expected": 300.0, "score": 42.0}]);
    emu.seed(&f);
    let home = Home::new();
    let config = config(&home, "");
    let out = run(&home, &emu, &config, &["snapshot", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let aws: Vec<&Value> = v["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .filter(|a| a["source"] == "aws")
        .collect();
    assert_eq!(aws.len(), 1, "{}", v["anomalies"]);
    assert_eq!(aws[0]["service"], "Amazon Simple Storage Service");
    assert_eq!(aws[0]["impact"], "512.5");
    assert_eq!(aws[0]["region"], "us-east-1");
    assert_eq!(emu.count("ce", Some("GetAnomalies")), 1);

    // No permission: a note, exit 0, the local anomalies still there.
    let home = Home::new();
    let config = self::config(&home, "");
    emu.fault(json!({"operation": "GetAnomalies", "kind": "access_denied", "count": -1}));
    let out = run(&home, &emu, &config, &["snapshot", "--format", "table"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("ce:GetAnomalies"), "{text}");
    assert!(text.contains("AWS Lambda"), "{text}");
}

#[test]
fn no_secret_reaches_any_output_log_or_state_file() {
    let emu = Emulator::start();
    emu.seed(&fixture(&spiking(), 5_000));
    let down_port = support::free_port();
    let secret_path = "/services/T000/B000/XXXXsecretXXXX";
    let home = Home::new();
    let sinks = format!(
        "[[alerts.sink]]\nname = \"slack\"\nkind = \"slack\"\nurl = \"http://127.0.0.1:{down_port}{secret_path}\"\n{}",
        webhook_sink("hook", &format!("http://127.0.0.1:{down_port}/hook"))
    );
    let config = config(&home, &sinks);
    // A secret access key that no message could contain by chance.
    let aws_secret = "wJalrXUtnFEMI7K7MDENGbPxRfiCYzEXAMPLEKEY";
    let mut outputs = Vec::new();
    for args in [
        &["alerts", "run", "--log-level", "trace"][..],
        &["alerts", "test"],
        &["doctor"],
        &["snapshot", "--format", "table"],
    ] {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--config", config.as_str()]);
        let out = home
            .command(&emu.url(), &all)
            .env("AWS_SECRET_ACCESS_KEY", aws_secret)
            .output()
            .expect("runs");
        outputs.push(format!("{}{}", stdout(&out), stderr(&out)));
    }
    let mut files =
        vec![std::fs::read_to_string(home.path().join("data/awsdash/awsdash.log")).expect("log")];
    for entry in std::fs::read_dir(home.cache_dir()).expect("cache") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            files.push(String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned());
        }
    }
    let key = SECRET.trim_start_matches("whsec_");
    for text in outputs.iter().chain(&files) {
        assert!(
            !text.contains("XXXXsecretXXXX"),
            "a webhook URL leaked: {text}"
        );
        assert!(!text.contains(key), "the signing secret leaked: {text}");
        assert!(!text.contains(aws_secret), "the AWS secret leaked");
    }
    assert!(
        files.iter().any(|f| f.contains("\"outbox\"")),
        "the state file was read"
    );
}

#[test]
fn doctor_warns_when_a_config_holding_a_secret_is_readable_by_others() {
    use std::os::unix::fs::PermissionsExt;
    let emu = Emulator::start();
    emu.seed(&fixture(&spiking(), 5_000));
    let home = Home::new();
    let config = config(&home, &webhook_sink("hook", "http://127.0.0.1:9/hook"));
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = home.run(&emu, &["doctor", "--config", &config]);
    let text = stdout(&out);
    assert!(text.contains("✗ alert sinks"), "{text}");
    assert!(text.contains("chmod 600"), "{text}");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = home.run(&emu, &["doctor", "--config", &config]);
    assert!(stdout(&out).contains("✓ alert sinks"), "{}", stdout(&out));
}

#[test]
fn an_sns_sink_gets_the_alert_once_read_back_from_a_subscribed_queue() {
    let emu = Emulator::start();
    emu.seed(&fixture(&spiking(), 5_000));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (topic_arn, sqs, queue_url) = rt.block_on(support::sns::topic_with_queue(&emu));
    let home = Home::new();
    let config = config(
        &home,
        &format!(
            "[[alerts.sink]]\nname = \"topic\"\nkind = \"sns\"\ntopic_arn = \"{topic_arn}\"\n"
        ),
    );
    let out = run(&home, &emu, &config, &["alerts", "run"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let out = run(&home, &emu, &config, &["alerts", "run"]);
    assert_eq!(out.status.code(), Some(0));
    let messages = rt.block_on(support::sns::received(&sqs, &queue_url));
    let lambda: Vec<&Value> = messages
        .iter()
        .filter(|m| {
            m["Message"]
                .as_str()
                .is_some_and(|t| t.contains("AWS Lambda"))
        })
        .collect();
    assert_eq!(lambda.len(), 1, "exactly once over two runs: {messages:?}");
    let subject = lambda[0]["Subject"].as_str().expect("subject");
    assert!(
        subject.chars().count() < 100 && subject.contains("AWS Lambda"),
        "{subject}"
    );
}

#[test]
fn alerts_run_on_demo_data_says_demo_in_every_message_and_keeps_its_own_state() {
    let hook = Receiver::start([], Reply::ok());
    let slack = Receiver::start([], Reply::ok());
    let home = Home::new();
    let sinks = format!(
        "{}[[alerts.sink]]\nname = \"ops-slack\"\nkind = \"slack\"\nurl = \"{}\"\n",
        webhook_sink("hook", &hook.url("/hook")),
        slack.url("/services/T0/B0/slacksecretpath")
    );
    let config = config(&home, &sinks);
    let out = support::process::awsdash(home.path())
        .args(["alerts", "run", "--demo", "--config", &config])
        .output()
        .expect("awsdash runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let texts: Vec<String> = slack
        .requests()
        .iter()
        .map(|r| r.json()["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        !texts.is_empty(),
        "the demo's alerts were delivered when asked"
    );
    assert!(texts.iter().all(|t| t.starts_with("DEMO: ")), "{texts:?}");
    let hooks = hook.requests();
    assert_eq!(hooks.len(), texts.len());
    assert!(hooks.iter().all(|r| r.json()["data"]["demo"] == true));
    assert!(
        !home.cache_dir().join("alerts-state.json").exists(),
        "demo deliveries never mark a real alert as announced"
    );
    assert!(home.cache_dir().join("alerts-state-demo.json").exists());
}
