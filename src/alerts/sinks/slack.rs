//! Slack incoming webhooks: Block Kit blocks for the desktop, and a top-level `text` because
//! mobile notifications show only that.
//!
//! Slack reads `text` and `mrkdwn` fields as markup: `<!channel>` would page a whole channel
//! and `<https://…|click>` would disguise a link, so outside text is escaped there (`&`, `<`,
//! `>` as entities, the only escaping Slack knows). The header block is plain text.

use serde_json::{Value, json};

use super::{Message, cut};

/// Block Kit limits: a header's text, a section's text.
const HEADER_MAX: usize = 150;
const SECTION_MAX: usize = 3000;

pub fn payload(msg: &Message) -> Value {
    let headline = msg.headline();
    let detail = msg.detail();
    let facts = msg.facts();
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": cut(&headline, HEADER_MAX)},
    })];
    if !detail.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": escape_within(&detail, SECTION_MAX)},
        }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": escape_within(&facts.join(" · "), SECTION_MAX)}],
    }));
    json!({
        "text": escape_within(&format!("{headline} ({})", facts.join(", ")), SECTION_MAX),
        "blocks": blocks,
    })
}

/// `text` escaped for mrkdwn and cut so that the escaped text, "…" included, is at most `max`
/// characters (cutting after escaping could split an entity).
pub(super) fn escape_within(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut len = 0;
    let total: usize = text.chars().map(|c| escaped(c).chars().count()).sum();
    let room = if total <= max { max } else { max - 1 };
    for c in text.chars() {
        let e = escaped(c);
        let n = e.chars().count();
        if len + n > room {
            out.push('…');
            break;
        }
        out.push_str(&e);
        len += n;
    }
    out
}

fn escaped(c: char) -> std::borrow::Cow<'static, str> {
    match c {
        '&' => "&amp;".into(),
        '<' => "&lt;".into(),
        '>' => "&gt;".into(),
        c => c.to_string().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::sinks::Event;
    use crate::alerts::sinks::tests::message;

    #[test]
    fn text_for_phones_and_blocks_for_desktops() {
        let p = payload(&message(Event::Test));
        let text = p["text"].as_str().expect("text");
        assert!(
            text.starts_with("DEMO: Test: Budget Monthly\u{fffd}[31m: 80% of $32,000 reached (")
        );
        assert!(text.contains("DEMO") && text.contains("critical"), "{text}");
        let blocks = p["blocks"].as_array().expect("blocks");
        let kinds: Vec<&str> = blocks.iter().filter_map(|b| b["type"].as_str()).collect();
        assert_eq!(kinds, ["header", "section", "context"]);
        assert_eq!(blocks[0]["text"]["type"], "plain_text");
        assert_eq!(
            blocks[1]["text"]["text"],
            "Spent $25,600.00 of $32,000.00 &lt;!channel&gt;"
        );
        let context = blocks[2]["elements"][0]["text"].as_str().expect("context");
        assert!(context.contains("Severity: critical · Account: 123456789012 · DEMO"));
        assert!(context.contains("test message from awsdash"), "{context}");
    }

    #[test]
    fn no_empty_section_and_nothing_over_the_limits() {
        let mut m = message(Event::Firing);
        m.alert.detail = String::new();
        m.alert.title = "x".repeat(400);
        let p = payload(&m);
        let blocks = p["blocks"].as_array().expect("blocks");
        assert_eq!(blocks.len(), 2);
        let header = blocks[0]["text"]["text"].as_str().expect("header");
        assert_eq!(header.chars().count(), HEADER_MAX);
        assert!(header.ends_with('…'));
        let long = escape_within(&"<".repeat(1000), SECTION_MAX);
        assert_eq!(long.chars().count(), 749 * 4 + 1);
        assert!(long.ends_with("&lt;…"));
        assert_eq!(escape_within("a&b", 7), "a&amp;b");
    }
}
