//! Microsoft Teams through a Workflows "When a Teams webhook request is received" flow (the
//! Office 365 connectors are retired). The flow wants the `message` envelope with one Adaptive
//! Card attachment — a bare card or a legacy `{"text"}` makes it fail — and rejects card
//! versions above 1.4. It answers 202 and posts later, so a 2xx is all a sender can know.

use serde_json::{Value, json};

use super::{Event, Message};
use crate::alerts::AlertSeverity;

pub fn payload(msg: &Message) -> Value {
    let color = match (msg.event, msg.alert.severity) {
        (Event::Resolved, _) => "Good",
        (_, AlertSeverity::Critical) => "Attention",
        (_, AlertSeverity::Warning) => "Warning",
        (_, AlertSeverity::Info) => "Default",
    };
    let mut body = vec![json!({
        "type": "TextBlock",
        "text": msg.headline(),
        "weight": "Bolder",
        "size": "Medium",
        "color": color,
        "wrap": true,
    })];
    let detail = msg.detail();
    if !detail.is_empty() {
        body.push(json!({"type": "TextBlock", "text": detail, "wrap": true}));
    }
    body.push(json!({
        "type": "TextBlock",
        "text": msg.facts().join(" · "),
        "isSubtle": true,
        "size": "Small",
        "wrap": true,
    }));
    envelope(body)
}

/// The `message` envelope around one Adaptive Card of `body` blocks.
pub(super) fn envelope(body: Vec<Value>) -> Value {
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            },
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::sinks::tests::message;

    #[test]
    fn an_adaptive_card_inside_the_message_envelope() {
        let p = payload(&message(Event::Test));
        assert_eq!(p["type"], "message");
        let attachments = p["attachments"].as_array().expect("attachments");
        assert_eq!(attachments.len(), 1);
        let a = &attachments[0];
        assert_eq!(a["contentType"], "application/vnd.microsoft.card.adaptive");
        assert!(a["contentUrl"].is_null());
        let card = &a["content"];
        assert_eq!(card["type"], "AdaptiveCard");
        assert_eq!(card["version"], "1.4");
        assert_eq!(
            card["$schema"],
            "http://adaptivecards.io/schemas/adaptive-card.json"
        );
        let body = card["body"].as_array().expect("body");
        assert!(body.iter().all(|b| b["type"] == "TextBlock"));
        assert_eq!(body[0]["color"], "Attention");
        assert!(
            body[0]["text"]
                .as_str()
                .expect("title")
                .starts_with("DEMO: Test: Budget")
        );
        let facts = body[2]["text"].as_str().expect("facts");
        assert!(facts.contains("DEMO") && facts.contains("test message from awsdash"));
        assert_eq!(
            payload(&message(Event::Resolved))["attachments"][0]["content"]["body"][0]["color"],
            "Good"
        );
    }
}
