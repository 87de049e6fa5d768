//! A scheduled report on its way to one sink, made once and carried by every kind in its own
//! shape: Slack and Teams a short summary with the headline numbers, a webhook the report's
//! JSON, SNS the summary as text, e-mail the summary with the file attached, a directory the
//! file itself.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::slack::escape_within;
use super::{cut, teams};
use crate::text::clean;

#[derive(Debug, Clone, PartialEq)]
pub struct ReportDelivery {
    /// The same on every retry to one sink for one period, so a receiver can drop
    /// duplicates (`webhook-id`, the e-mail's Message-ID).
    pub id: String,
    /// The report's `name` in `[[report]]`.
    pub name: String,
    /// One line saying which report and which period; "DEMO: " first for demo data.
    pub title: String,
    /// The headline numbers, one per line, already in words.
    pub lines: Vec<String>,
    /// The report model as JSON, for webhooks.
    pub json: Value,
    pub file: ReportFile,
    pub demo: bool,
}

/// The rendered report, as a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFile {
    /// A bare file name (no directory part): what a dir sink writes and an e-mail attaches.
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl ReportDelivery {
    fn title(&self) -> String {
        clean(self.title.trim()).into_owned()
    }

    fn summary(&self) -> String {
        self.lines
            .iter()
            .map(|l| clean(l).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn small_print(&self) -> String {
        let mut facts = vec![format!("awsdash report {:?}", clean(&self.name))];
        if self.demo {
            facts.push("DEMO data, not a real account".into());
        }
        facts.join(" · ")
    }

    /// Plain text: the title, the numbers, the small print (SNS, the e-mail's body).
    pub fn text(&self) -> String {
        format!(
            "{}\n\n{}\n\n{}\n",
            self.title(),
            self.summary(),
            self.small_print()
        )
    }
}

/// Block Kit, as alerts are: a plain-text header, the numbers as escaped mrkdwn, and a `text`
/// for phone notifications.
pub fn slack(report: &ReportDelivery) -> Value {
    let title = report.title();
    json!({
        "text": escape_within(&title, 3000),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": cut(&title, 150)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": escape_within(&report.summary(), 3000)}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": escape_within(&report.small_print(), 3000)}]},
        ],
    })
}

/// An Adaptive Card in the Workflows `message` envelope (see `teams`).
pub fn teams(report: &ReportDelivery) -> Value {
    let body = vec![
        json!({"type": "TextBlock", "text": report.title(), "weight": "Bolder", "size": "Medium", "wrap": true}),
        json!({"type": "TextBlock", "text": report.summary(), "wrap": true}),
        json!({"type": "TextBlock", "text": report.small_print(), "isSubtle": true, "size": "Small", "wrap": true}),
    ];
    teams::envelope(body)
}

/// `{type: "awsdash.report", timestamp, data: {name, demo, report}}`, the Standard Webhooks
/// shape alerts use; `report` is the report model's JSON.
pub fn webhook(report: &ReportDelivery, now: DateTime<Utc>) -> Vec<u8> {
    json!({
        "type": "awsdash.report",
        "timestamp": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "data": {
            "name": clean(&report.name),
            "demo": report.demo,
            "report": report.json,
        },
    })
    .to_string()
    .into_bytes()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn delivery() -> ReportDelivery {
        ReportDelivery {
            id: "rpt_1".into(),
            name: "weekly <summary>".into(),
            title: "DEMO: awsdash weekly <summary>, week of 2026-11-23".into(),
            lines: vec![
                "Month to date: $812.10 (same days last month: $790.02)".into(),
                "Forecast month end: $1,020.00\x1b[31m".into(),
            ],
            json: json!({"total": "1234.56"}),
            file: ReportFile {
                name: "weekly-summary-2026-11-23.html".into(),
                content_type: "text/html; charset=utf-8",
                bytes: b"<html><body>\xc3\xa9 report</body></html>".to_vec(),
            },
            demo: true,
        }
    }

    #[test]
    fn slack_gets_the_numbers_escaped_and_marked_demo() {
        let p = slack(&delivery());
        assert!(
            p["text"]
                .as_str()
                .expect("text")
                .contains("&lt;summary&gt;")
        );
        let blocks = p["blocks"].as_array().expect("blocks");
        assert_eq!(blocks[0]["text"]["type"], "plain_text");
        let section = blocks[1]["text"]["text"].as_str().expect("section");
        assert!(
            section.contains("Month to date: $812.10") && !section.contains('\x1b'),
            "{section}"
        );
        let context = blocks[2]["elements"][0]["text"].as_str().expect("context");
        assert!(context.contains("DEMO"), "{context}");
    }

    #[test]
    fn teams_gets_a_card_and_a_webhook_the_report_json() {
        let p = teams(&delivery());
        assert_eq!(p["type"], "message");
        let card = &p["attachments"][0]["content"];
        assert_eq!(card["version"], "1.4");
        assert!(
            card["body"][1]["text"]
                .as_str()
                .expect("numbers")
                .contains("$1,020.00")
        );
        let now = DateTime::parse_from_rfc3339("2026-11-23T08:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let body: Value = serde_json::from_slice(&webhook(&delivery(), now)).expect("json");
        assert_eq!(body["type"], "awsdash.report");
        assert_eq!(body["timestamp"], "2026-11-23T08:00:00Z");
        assert_eq!(body["data"]["report"]["total"], "1234.56");
        assert_eq!(body["data"]["demo"], true);
        let text = delivery().text();
        assert!(text.starts_with("DEMO: awsdash weekly") && text.contains("\n\nMonth to date"));
    }
}
