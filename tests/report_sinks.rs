//! Scheduled reports on their way out, over real transports: e-mail through the SDK to the
//! emulator's SES v2 (moto's), read back from moto's model dump with its attachment; Slack
//! and a signed webhook on a receiver on 127.0.0.1; a directory on disk.

mod support;

use std::time::Duration;

use mail_parser::MimeHeaders as _;
use serde_json::{Value, json};

use awsdash::alerts::delivery::{RetryPolicy, deliver_report};
use awsdash::alerts::sinks::report::{ReportDelivery, ReportFile};
use awsdash::alerts::sinks::{SendError, Sender, Sink, Target};
use awsdash::config::Secret;
use support::Emulator;
use support::receiver::{Receiver, Reply};

const QUICK: RetryPolicy = RetryPolicy {
    attempts: 2,
    first_backoff: Duration::from_millis(50),
    max_wait: Duration::from_secs(2),
};

fn delivery() -> ReportDelivery {
    ReportDelivery {
        id: "rpt_0123456789abcdef".into(),
        name: "weekly summary".into(),
        title: "awsdash weekly summary, week of 2026-11-23".into(),
        lines: vec![
            "Month to date: 812.10 USD (same days last month: 790.02 USD)".into(),
            "Forecast month end: 1,020.00 USD".into(),
        ],
        json: json!({"schema_version": 1, "total": "1234.56"}),
        file: ReportFile {
            name: "weekly-summary-2026-11-23.html".into(),
            content_type: "text/html; charset=utf-8",
            bytes: "<!doctype html><p>Coût: 812.10 USD</p>".as_bytes().to_vec(),
        },
        demo: false,
    }
}

fn sink(name: &str, target: Target) -> Sink {
    Sink {
        name: name.into(),
        target,
    }
}

fn http_sender() -> Sender {
    Sender::new(None, Duration::from_secs(2)).expect("sender")
}

/// Every object under `value` that has a `raw_data` field: moto's sent raw messages, wherever
/// its dump nests them (per account, per region).
fn raw_messages(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Object(map) if map.contains_key("raw_data") => out.push(value.clone()),
        Value::Object(map) => map.values().for_each(|v| raw_messages(v, out)),
        Value::Array(items) => items.iter().for_each(|v| raw_messages(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn email_goes_to_ses_as_raw_mime_with_the_report_attached() {
    let emulator = Emulator::start();
    let config = emulator.sdk_config().await;
    let ses = aws_sdk_sesv2::Client::new(&config);
    let mail = sink(
        "finance-mail",
        Target::Email {
            from: "awsdash@example.com".into(),
            to: vec!["finance@example.com".into(), "ops@example.com".into()],
        },
    );
    let sender = http_sender().with_ses(ses.clone());
    // An unverified sender is refused for good, and said so.
    let err = deliver_report(&sender, &mail, &delivery(), &QUICK)
        .await
        .expect_err("unverified sender");
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
    assert!(err.to_string().contains("finance-mail"), "{err}");
    ses.create_email_identity()
        .email_identity("awsdash@example.com")
        .send()
        .await
        .expect("CreateEmailIdentity");
    deliver_report(&sender, &mail, &delivery(), &QUICK)
        .await
        .expect("sent");
    let dump: Value = ureq::get(&format!("{}/moto-api/data.json", emulator.url()))
        .call()
        .expect("moto's model dump")
        .body_mut()
        .read_json()
        .expect("json");
    let mut sent = Vec::new();
    raw_messages(&dump["ses"], &mut sent);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["source"], "awsdash@example.com");
    let raw = sent[0]["raw_data"].as_str().expect("raw_data");
    let parsed = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("MIME");
    assert_eq!(parsed.subject(), Some(delivery().title.as_str()));
    let to: Vec<&str> = parsed
        .to()
        .expect("to")
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["finance@example.com", "ops@example.com"]);
    assert!(
        parsed
            .body_text(0)
            .expect("text")
            .contains("Forecast month end: 1,020.00 USD")
    );
    let file = parsed.attachment(0).expect("the report attached");
    assert_eq!(
        file.attachment_name(),
        Some("weekly-summary-2026-11-23.html")
    );
    assert_eq!(file.contents(), delivery().file.bytes.as_slice());
}

#[tokio::test]
async fn slack_gets_the_summary_and_a_webhook_the_signed_report_json() {
    let receiver = Receiver::start([], Reply::ok());
    let slack = sink(
        "ops-slack",
        Target::Slack {
            url: Secret::new(receiver.url("/services/T0/B0/xyz")),
        },
    );
    let hook = sink(
        "hook",
        Target::Webhook {
            url: Secret::new(receiver.url("/hook")),
            secret: Some(Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")),
        },
    );
    let sender = http_sender();
    deliver_report(&sender, &slack, &delivery(), &QUICK)
        .await
        .expect("slack");
    deliver_report(&sender, &hook, &delivery(), &QUICK)
        .await
        .expect("webhook");
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    let body = requests[0].json();
    assert!(
        body["text"]
            .as_str()
            .expect("text")
            .contains("weekly summary")
    );
    let section = body["blocks"][1]["text"]["text"].as_str().expect("section");
    assert!(section.contains("Month to date: 812.10 USD"), "{section}");
    let hook = &requests[1];
    assert_eq!(hook.path, "/hook");
    assert_eq!(hook.header("webhook-id"), Some("rpt_0123456789abcdef"));
    assert!(
        hook.header("webhook-signature")
            .is_some_and(|s| s.starts_with("v1,"))
    );
    let body = hook.json();
    assert_eq!(body["type"], "awsdash.report");
    assert_eq!(body["data"]["name"], "weekly summary");
    assert_eq!(body["data"]["report"]["total"], "1234.56");
}

#[tokio::test]
async fn a_dir_sink_writes_the_file_and_no_aws_means_a_clear_refusal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = sink(
        "share",
        Target::Dir {
            path: tmp.path().join("reports"),
        },
    );
    deliver_report(&http_sender(), &dir, &delivery(), &QUICK)
        .await
        .expect("written");
    let written = tmp.path().join("reports/weekly-summary-2026-11-23.html");
    assert_eq!(
        std::fs::read(&written).expect("the file"),
        delivery().file.bytes
    );
    let mail = sink(
        "finance-mail",
        Target::Email {
            from: "awsdash@example.com".into(),
            to: vec!["finance@example.com".into()],
        },
    );
    let err = deliver_report(&http_sender(), &mail, &delivery(), &QUICK)
        .await
        .expect_err("no SES client");
    assert!(
        err.to_string().contains("SES needs AWS credentials"),
        "{err}"
    );
}
