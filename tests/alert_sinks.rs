//! Alert sinks over real HTTP to a receiver on 127.0.0.1 (Slack, Teams, signed webhooks) and
//! through the SDK to the emulator's SNS (read back from a subscribed SQS queue): what each
//! receives, how each failure is retried or not, and that no URL or secret is ever shown.

mod support;

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use awsdash::alerts::delivery::{RetryPolicy, deliver};
use awsdash::alerts::sinks::{Event, Message, SendError, Sender, Sink, Target};
use awsdash::alerts::{Alert, AlertKind, AlertSeverity};
use awsdash::config::Secret;
use support::Emulator;
use support::receiver::{Receiver, Reply};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TIMEOUT: Duration = Duration::from_secs(1);
const QUICK: RetryPolicy = RetryPolicy {
    attempts: 3,
    first_backoff: Duration::from_millis(50),
    max_wait: Duration::from_secs(5),
};

fn message(event: Event) -> Message {
    Message {
        id: "msg_2026-11-25_budget".into(),
        event,
        alert: Alert {
            id: "budget:monthly:80:2026-11".into(),
            kind: AlertKind::BudgetActual,
            severity: AlertSeverity::Warning,
            title: "Budget Monthly AWS total: 80% of $32,000 reached".into(),
            detail: "Spent $25,600.00 of $32,000.00 by Nov 25".into(),
            since: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
        },
        demo: true,
        account: Some("123456789012".into()),
    }
}

fn sink(target: Target) -> Sink {
    Sink {
        name: "ops".into(),
        target,
    }
}

fn webhook(url: String) -> Sink {
    sink(Target::Webhook {
        url: Secret::new(url),
        secret: Some(Secret::new(SECRET)),
    })
}

fn sender() -> Sender {
    Sender::new(None, TIMEOUT).expect("sender")
}

/// A firing alert to a signed webhook at `url`, with quick retries.
async fn fire_webhook(url: String) -> Result<(), SendError> {
    deliver(&sender(), &webhook(url), &message(Event::Firing), &QUICK).await
}

/// Checks the Standard Webhooks signature the way a receiver would, with its own HMAC.
fn verify(request: &support::receiver::Request) -> bool {
    let key = STANDARD
        .decode(SECRET.trim_start_matches("whsec_"))
        .expect("key");
    let id = request.header("webhook-id").expect("webhook-id");
    let ts = request
        .header("webhook-timestamp")
        .expect("webhook-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("hmac");
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(&request.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let signatures = request
        .header("webhook-signature")
        .expect("webhook-signature");
    signatures.split(' ').any(|s| s == expected)
}

#[tokio::test]
async fn slack_gets_text_for_phones_and_blocks_for_desktops() {
    let receiver = Receiver::start([], Reply::ok());
    let slack = sink(Target::Slack {
        url: Secret::new(receiver.url("/services/T0/B0/xyz")),
    });
    deliver(&sender(), &slack, &message(Event::Test), &QUICK)
        .await
        .expect("delivered");
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/services/T0/B0/xyz")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = r.json();
    let text = body["text"].as_str().expect("top-level text");
    assert!(text.contains("Budget Monthly AWS total"), "{text}");
    let blocks = body["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["type"], "header");
    assert!(
        blocks[0]["text"]["text"]
            .as_str()
            .expect("title")
            .contains("80% of $32,000")
    );
    assert_eq!(blocks[1]["type"], "section");
    assert_eq!(blocks[2]["type"], "context");
    let context = blocks[2]["elements"][0]["text"].as_str().expect("context");
    for needle in [
        "warning",
        "123456789012",
        "DEMO",
        "test message from awsdash",
    ] {
        assert!(context.contains(needle), "{needle} missing from {context}");
    }
}

#[tokio::test]
async fn teams_gets_an_adaptive_card_in_the_message_envelope_and_202_is_success() {
    let receiver = Receiver::start([], Reply::status(202));
    let teams = sink(Target::Teams {
        url: Secret::new(receiver.url("/workflows/abc/triggers/manual/paths/invoke?sig=s1")),
    });
    deliver(&sender(), &teams, &message(Event::Firing), &QUICK)
        .await
        .expect("202 is delivered");
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let body = requests[0].json();
    assert_eq!(body["type"], "message");
    let attachment = &body["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(attachment["contentUrl"], Value::Null);
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    let blocks = card["body"].as_array().expect("card body");
    assert!(blocks.iter().all(|b| b["type"] == "TextBlock"));
    assert!(
        blocks[0]["text"]
            .as_str()
            .expect("title")
            .starts_with("DEMO: Budget Monthly")
    );
}

#[tokio::test]
async fn a_webhook_is_signed_so_the_receiver_can_verify_it() {
    let receiver = Receiver::start([], Reply::ok());
    let before = chrono::Utc::now().timestamp();
    deliver(
        &sender(),
        &webhook(receiver.url("/hook")),
        &message(Event::Resolved),
        &QUICK,
    )
    .await
    .expect("delivered");
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.header("webhook-id"), Some("msg_2026-11-25_budget"));
    let ts: i64 = r
        .header("webhook-timestamp")
        .expect("ts")
        .parse()
        .expect("unix seconds");
    assert!((before..=before + 5).contains(&ts), "{ts} vs {before}");
    assert!(
        verify(r),
        "signature does not verify: {:?}",
        r.header("webhook-signature")
    );
    let body = r.json();
    assert_eq!(body["type"], "awsdash.alert.resolved");
    assert!(chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().expect("ts")).is_ok());
    assert_eq!(
        body["data"],
        json!({
            "id": "budget:monthly:80:2026-11", "kind": "budget_actual", "severity": "warning",
            "title": "Budget Monthly AWS total: 80% of $32,000 reached",
            "detail": "Spent $25,600.00 of $32,000.00 by Nov 25", "since": "2026-11-01",
            "demo": true, "account": "123456789012",
        })
    );
}

#[tokio::test]
async fn a_429_retry_after_is_waited_out_and_the_message_arrives_once() {
    let receiver = Receiver::start([Reply::TooMany(1)], Reply::ok());
    let started = Instant::now();
    fire_webhook(receiver.url("/hook"))
        .await
        .expect("delivered after the wait");
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2, "one refused, one delivered");
    let gap = requests[1].at - requests[0].at;
    assert!(
        gap >= Duration::from_secs(1),
        "Retry-After: 1 not honoured: {gap:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        requests[0].header("webhook-id"),
        requests[1].header("webhook-id")
    );
    assert!(verify(&requests[1]));
}

#[tokio::test]
async fn a_retry_after_beyond_max_wait_is_handed_back_at_once() {
    let receiver = Receiver::start([Reply::TooMany(120)], Reply::ok());
    let started = Instant::now();
    let err = fire_webhook(receiver.url("/hook"))
        .await
        .expect_err("not waited for");
    assert!(
        matches!(err, SendError::Transient { retry_after: Some(d), .. } if d == Duration::from_secs(120)),
        "{err:?}"
    );
    assert_eq!(receiver.requests().len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_500_is_retried_once_with_the_same_webhook_id() {
    let receiver = Receiver::start([Reply::status(500)], Reply::ok());
    fire_webhook(receiver.url("/hook"))
        .await
        .expect("delivered on the second try");
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2, "exactly one failure and one success");
    let ids: Vec<_> = requests.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids, [Some("msg_2026-11-25_budget"); 2]);
    assert!(
        requests.iter().all(verify),
        "every try is signed anew and verifies"
    );
}

#[tokio::test]
async fn persistent_500s_stop_after_the_attempts_as_transient() {
    let receiver = Receiver::start([], Reply::status(503));
    let err = fire_webhook(receiver.url("/hook"))
        .await
        .expect_err("never delivered");
    assert!(matches!(err, SendError::Transient { .. }), "{err:?}");
    assert_eq!(receiver.requests().len(), 3);
}

#[tokio::test]
async fn a_receiver_that_never_answers_is_a_transient_error_within_the_timeout() {
    let receiver = Receiver::start([], Reply::Hang);
    let once = RetryPolicy {
        attempts: 1,
        ..QUICK
    };
    let started = Instant::now();
    let err = deliver(
        &sender(),
        &webhook(receiver.url("/hook")),
        &message(Event::Firing),
        &once,
    )
    .await
    .expect_err("no answer");
    let took = started.elapsed();
    assert!(matches!(err, SendError::Transient { .. }), "{err:?}");
    assert!(err.to_string().contains("no answer in time"), "{err}");
    assert!(
        took >= TIMEOUT && took < TIMEOUT + Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test]
async fn a_404_is_permanent_at_once_and_says_slacks_word_for_it() {
    let receiver = Receiver::start([Reply::Answer(404, "no_service".into())], Reply::ok());
    let slack = sink(Target::Slack {
        url: Secret::new(receiver.url("/services/T0/B0/xyz")),
    });
    let err = deliver(&sender(), &slack, &message(Event::Firing), &QUICK)
        .await
        .expect_err("gone");
    assert_eq!(
        err,
        SendError::Permanent("sink \"ops\" answered HTTP 404 (no_service)".into())
    );
    assert_eq!(receiver.requests().len(), 1, "not retried");
}

#[tokio::test]
async fn a_410_and_a_redirect_are_permanent_and_the_redirect_is_not_followed() {
    let receiver = Receiver::start([Reply::status(410)], Reply::ok());
    let err = fire_webhook(receiver.url("/hook")).await.expect_err("gone");
    assert!(
        matches!(&err, SendError::Permanent(m) if m.contains("410")),
        "{err:?}"
    );
    assert_eq!(receiver.requests().len(), 1);

    let receiver = Receiver::start([Reply::Redirect("/elsewhere".into())], Reply::ok());
    let err = fire_webhook(receiver.url("/hook"))
        .await
        .expect_err("redirect");
    assert!(
        matches!(&err, SendError::Permanent(m) if m.contains("redirect")),
        "{err:?}"
    );
    let paths: Vec<String> = receiver.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/hook"], "the redirect was followed");
}

#[tokio::test]
async fn no_url_or_secret_shows_in_errors_or_debug_output() {
    let secret_path = "/services/T0SECRET/B0SECRET/tokenSECRET?sig=sigSECRET";
    let mut shown = Vec::new();

    // The receiver echoes the path back, as many web frameworks do on a 404.
    let echo = format!("Cannot POST {secret_path}");
    let receiver = Receiver::start([Reply::Answer(404, echo)], Reply::status(500));
    let hook = webhook(receiver.url(secret_path));
    let err = deliver(&sender(), &hook, &message(Event::Firing), &QUICK)
        .await
        .expect_err("404");
    shown.push(format!("{err} {err:?}"));
    let err = deliver(&sender(), &hook, &message(Event::Firing), &QUICK)
        .await
        .expect_err("500s");
    shown.push(format!("{err} {err:?}"));
    drop(receiver);

    // Nothing listens on the port any more: a connection error.
    let err = deliver(&sender(), &hook, &message(Event::Firing), &QUICK)
        .await
        .expect_err("refused");
    assert!(matches!(err, SendError::Transient { .. }), "{err:?}");
    shown.push(format!("{err} {err:?}"));

    // A hang, a timeout.
    let receiver = Receiver::start([], Reply::Hang);
    let hang = webhook(receiver.url(secret_path));
    let once = RetryPolicy {
        attempts: 1,
        ..QUICK
    };
    let err = deliver(&sender(), &hang, &message(Event::Firing), &once)
        .await
        .expect_err("timeout");
    shown.push(format!("{err} {err:?}"));

    shown.push(format!("{hook:?} {:?}", sender()));
    let config: awsdash::config::SinkConfig = toml::from_str(&format!(
        "name = \"ops\"\nkind = \"webhook\"\nurl_env = \"HOOK\"\nsecret = \"{SECRET}\"\n"
    ))
    .expect("sink config");
    let env = |_: &str| Some(format!("ftp://hooks.example{secret_path}"));
    shown.push(Sink::resolve(&config, &env).expect_err("not http"));

    for text in shown {
        for secret in ["SECRET", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] {
            assert!(!text.contains(secret), "a secret shows in: {text}");
        }
        assert!(text.contains("ops") || text.contains("****"), "{text}");
    }
}

// --- SNS through the emulator (moto), read back from a subscribed SQS queue -----------------

async fn sns_sender(emulator: &Emulator) -> Sender {
    let sns = aws_sdk_sns::Client::new(&emulator.sdk_config().await);
    Sender::new(Some(sns), TIMEOUT).expect("sender")
}

#[tokio::test]
async fn sns_publishes_subject_and_text_to_the_topics_own_region() {
    let emulator = Emulator::start();
    let (topic_arn, sqs, queue_url) = support::sns::topic_with_queue(&emulator).await;
    let mut msg = message(Event::Firing);
    msg.alert.title = format!(
        "Anomaly in Amazon Elastic Compute Cloude\u{301}\n{}",
        "€".repeat(120)
    );
    let topic = sink(Target::Sns {
        topic_arn: topic_arn.clone(),
    });
    deliver(&sns_sender(&emulator).await, &topic, &msg, &QUICK)
        .await
        .expect("published");
    assert_eq!(emulator.count("sns", Some("Publish")), 1);

    let received = sqs
        .receive_message()
        .queue_url(&queue_url)
        .wait_time_seconds(2)
        .send()
        .await
        .expect("ReceiveMessage");
    let messages = received.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let envelope: Value =
        serde_json::from_str(messages[0].body().expect("body")).expect("SNS envelope JSON");
    assert_eq!(envelope["Type"], "Notification");
    assert_eq!(envelope["TopicArn"], topic_arn.as_str());
    let subject = envelope["Subject"].as_str().expect("Subject");
    assert!(
        subject.chars().count() < 100,
        "{} chars: {subject}",
        subject.chars().count()
    );
    assert!(
        subject.starts_with("DEMO: Anomaly in Amazon Elastic Compute Cloude\u{301}\u{fffd}€"),
        "{subject}"
    );
    assert!(
        subject.ends_with('…') && !subject.chars().any(char::is_control),
        "{subject}"
    );
    let text = envelope["Message"].as_str().expect("Message");
    for needle in [
        "Spent $25,600.00 of $32,000.00",
        "Severity: warning",
        "123456789012",
        "DEMO",
    ] {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
}

#[tokio::test]
async fn sns_refusals_are_permanent_and_throttling_is_transient() {
    let emulator = Emulator::start();
    let sender = sns_sender(&emulator).await;
    let msg = message(Event::Firing);

    let missing = sink(Target::Sns {
        topic_arn: "arn:aws:sns:us-east-1:123456789012:no-such-topic".into(),
    });
    let err = deliver(&sender, &missing, &msg, &QUICK)
        .await
        .expect_err("no topic");
    assert!(
        matches!(&err, SendError::Permanent(m) if m.contains("\"ops\"")),
        "{err:?}"
    );
    assert_eq!(emulator.count("sns", Some("Publish")), 1, "not retried");

    let (topic_arn, _, _) = support::sns::topic_with_queue(&emulator).await;
    let topic = sink(Target::Sns { topic_arn });
    emulator.clear_journal();
    emulator.fault(json!({"operation": "Publish", "kind": "access_denied", "count": 1}));
    let err = deliver(&sender, &topic, &msg, &QUICK)
        .await
        .expect_err("denied");
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
    assert_eq!(emulator.count("sns", Some("Publish")), 1, "not retried");

    emulator.fault(json!({"operation": "Publish", "kind": "throttle", "count": -1}));
    let twice = RetryPolicy {
        attempts: 2,
        ..QUICK
    };
    let err = deliver(&sender, &topic, &msg, &twice)
        .await
        .expect_err("throttled");
    assert!(matches!(err, SendError::Transient { .. }), "{err:?}");
    emulator.clear_faults();
    deliver(&sender, &topic, &msg, &QUICK)
        .await
        .expect("delivered once the throttling ends");

    let no_client = Sender::new(None, TIMEOUT).expect("sender");
    let err = deliver(&no_client, &topic, &msg, &QUICK)
        .await
        .expect_err("no client");
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
}
