//! E-mail through SES v2 `SendEmail` with a raw MIME message: the summary as the text body and
//! the report attached (SES's simple content cannot carry a file in every implementation, a
//! raw message can). The MIME is 7-bit throughout — base64 attachment, encoded headers, lines
//! under SES's 1000-character limit — which is what `mail-builder` writes.
//!
//! The sender must be an identity verified in SES (in the sandbox, the recipients too): a
//! refusal says so and is not retried.

use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{EmailContent, RawMessage};
use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;

use super::SendError;
use super::report::ReportDelivery;
use crate::source::aws::AwsError;

/// SES v2 takes messages up to 40 MB, attachments included.
const MAX_MESSAGE: usize = 40 * 1024 * 1024;

/// The raw message: From, To, Subject (RFC 2047-encoded when not ASCII), Date, a Message-ID
/// made of the delivery id, the text body and the file as a base64 attachment.
pub fn mime(
    from: &str,
    to: &[String],
    report: &ReportDelivery,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, String> {
    let to: Vec<&str> = to.iter().map(String::as_str).collect();
    MessageBuilder::new()
        .from(from)
        .to(to)
        .subject(report.title.replace(['\r', '\n'], " "))
        .date(now.timestamp())
        .message_id(format!("{}@awsdash", report.id))
        .text_body(report.text())
        .attachment(
            report.file.content_type,
            report.file.name.as_str(),
            report.file.bytes.as_slice(),
        )
        .write_to_vec()
        .map_err(|e| format!("cannot build the e-mail: {e}"))
}

pub(super) async fn send(
    client: &aws_sdk_sesv2::Client,
    sink: &str,
    from: &str,
    to: &[String],
    report: &ReportDelivery,
    now: DateTime<Utc>,
) -> Result<(), SendError> {
    let data = mime(from, to, report, now)
        .map_err(|e| SendError::Permanent(format!("sink {sink:?}: {e}")))?;
    if data.len() > MAX_MESSAGE {
        return Err(SendError::Permanent(format!(
            "sink {sink:?}: the e-mail would be {} MB, over SES's 40 MB",
            data.len() / (1024 * 1024)
        )));
    }
    let raw = RawMessage::builder()
        .data(Blob::new(data))
        .build()
        .map_err(|e| SendError::Permanent(format!("sink {sink:?}: {e}")))?;
    client
        .send_email()
        .from_email_address(from)
        .content(EmailContent::builder().raw(raw).build())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify(sink, &e))
}

/// Throttling, SES's own faults, expired credentials and anything that never reached SES are
/// worth retrying; an unverified sender, a paused account, a refused message are not.
fn classify(sink: &str, err: &SdkError<SendEmailError>) -> SendError {
    let aws = AwsError::classify("ses:SendEmail", err);
    let why = format!("sink {sink:?}: SES SendEmail failed: {}", aws.detail);
    let transient = match err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service.err().code().unwrap_or_default();
            matches!(
                code,
                "TooManyRequestsException"
                    | "Throttling"
                    | "ThrottlingException"
                    | "InternalFailure"
                    | "ServiceUnavailable"
                    | "ExpiredToken"
                    | "ExpiredTokenException"
            ) || status == 429
                || status >= 500
        }
        SdkError::ConstructionFailure(_) => false,
        _ => true,
    };
    if transient {
        SendError::Transient {
            retry_after: None,
            why,
        }
    } else {
        SendError::Permanent(why)
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::alerts::sinks::report::tests::delivery;

    #[test]
    fn the_message_is_seven_bit_with_the_file_attached() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T08:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let to = vec![
            "finance@example.com".to_string(),
            "ops@example.com".to_string(),
        ];
        let raw = mime("awsdash@example.com", &to, &delivery(), now).expect("mime");
        assert!(raw.is_ascii(), "7-bit");
        let text = String::from_utf8(raw).expect("ascii");
        assert!(text.lines().all(|l| l.len() <= 998));
        let parsed = mail_parser::MessageParser::default()
            .parse(text.as_bytes())
            .expect("parses as MIME");
        assert_eq!(parsed.subject(), Some(delivery().title.as_str()));
        assert_eq!(parsed.message_id(), Some("rpt_1@awsdash"));
        let to: Vec<&str> = parsed
            .to()
            .expect("to")
            .iter()
            .filter_map(|a| a.address())
            .collect();
        assert_eq!(to, ["finance@example.com", "ops@example.com"]);
        let body = parsed.body_text(0).expect("text body");
        assert!(body.contains("Month to date: $812.10"), "{body}");
        use mail_parser::MimeHeaders as _;
        let file = parsed.attachment(0).expect("one attachment");
        assert_eq!(
            file.attachment_name(),
            Some("weekly-summary-2026-11-23.html")
        );
        assert_eq!(file.contents(), delivery().file.bytes.as_slice());
    }
}
