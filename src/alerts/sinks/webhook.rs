//! Generic webhooks, the Standard Webhooks way (v1): `webhook-id` (the same on every retry, so
//! the receiver can drop a duplicate), `webhook-timestamp` (unix seconds, so it can refuse a
//! replay) and `webhook-signature: v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body}` —
//! the exact bytes sent — keyed with the base64-decoded part of the `whsec_` secret.
//!
//! The body is `{type, timestamp, data}` as the spec recommends, `type` being
//! `awsdash.alert.<event>`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use super::Message;
use crate::config::Secret;
use crate::text::clean;

/// The JSON body. `timestamp` is when this attempt was made: the message carries no time of
/// its own, and receivers deduplicate by `webhook-id`, not by body.
pub fn body(msg: &Message, now: DateTime<Utc>) -> Vec<u8> {
    let alert = &msg.alert;
    json!({
        "type": format!("awsdash.alert.{}", msg.event.name()),
        "timestamp": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "data": {
            "id": alert.id,
            "kind": alert.kind,
            "severity": alert.severity,
            "title": clean(&alert.title),
            "detail": clean(&alert.detail),
            "since": alert.since,
            "demo": msg.demo,
            "account": msg.account.as_deref().map(clean),
        },
    })
    .to_string()
    .into_bytes()
}

/// The Standard Webhooks headers for `body` of delivery `id`; signed when there is a secret.
pub(super) fn headers(
    id: &str,
    secret: Option<&Secret>,
    now: DateTime<Utc>,
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, String> {
    let timestamp = now.timestamp();
    let mut headers = vec![
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
    ];
    if let Some(secret) = secret {
        headers.push(("webhook-signature", sign(secret, id, timestamp, body)?));
    }
    Ok(headers)
}

/// The HMAC key: the bytes base64-encoded after `whsec_`. The error never shows the secret.
pub(super) fn key(secret: &Secret) -> Result<Vec<u8>, String> {
    crate::config::signing_key(secret.expose())
}

/// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`. The error never shows the secret.
pub fn sign(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> Result<String, String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key(secret)?)
        .map_err(|_| "the signing secret cannot key an HMAC")?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::sinks::Event;
    use crate::alerts::sinks::tests::message;

    #[test]
    fn the_spec_test_vector_signs_the_same() {
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let signature = sign(
            &secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Ok("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        let bad = Secret::new("whsec_not base64 SECRET");
        let err = sign(&bad, "id", 1, b"{}").expect_err("bad secret");
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn body_is_type_timestamp_data() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T08:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let body: serde_json::Value =
            serde_json::from_slice(&body(&message(Event::Repeat), now)).expect("json");
        assert_eq!(body["type"], "awsdash.alert.repeat");
        assert_eq!(body["timestamp"], "2026-11-25T08:00:00Z");
        let data = &body["data"];
        assert_eq!(data["id"], "budget:monthly:80:2026-11");
        assert_eq!(data["kind"], "budget_actual");
        assert_eq!(data["severity"], "critical");
        assert_eq!(data["since"], "2026-11-01");
        assert_eq!(data["demo"], true);
        assert_eq!(data["account"], "123456789012");
        assert!(!data["title"].as_str().expect("title").contains('\x1b'));
    }

    #[test]
    fn headers_carry_the_message_id_and_sign_only_with_a_secret() {
        let m = message(Event::Firing);
        let now = Utc::now();
        let names =
            |h: Vec<(&'static str, String)>| h.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        let unsigned = headers(&m.id, None, now, b"{}").expect("headers");
        assert_eq!(unsigned[0], ("webhook-id", "msg_1".to_string()));
        assert_eq!(names(unsigned), ["webhook-id", "webhook-timestamp"]);
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let signed = headers(&m.id, Some(&secret), now, b"{}").expect("headers");
        assert_eq!(
            names(signed),
            ["webhook-id", "webhook-timestamp", "webhook-signature"]
        );
    }
}
