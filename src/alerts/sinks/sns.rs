//! SNS: `Publish(TopicArn, Subject, Message)`. The subject goes into e-mails and into the
//! JSON envelope other subscribers get; SNS takes "UTF-8 text with no line breaks or control
//! characters, and less than 100 characters long", so it is the headline cleaned and cut to
//! 99. The message is plain text, for e-mail and SMS readers alike.
//!
//! The topic's region is in its ARN, and a topic is only found in its own region, so the
//! client is pointed there whatever region awsdash was started with.

use aws_sdk_sns::config::Region;
use aws_sdk_sns::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sns::operation::publish::PublishError;

use super::{Message, SendError, cut};
use crate::source::aws::AwsError;

/// SNS wants fewer than 100 characters.
const SUBJECT_MAX: usize = 99;

/// The region of `arn:PARTITION:sns:REGION:ACCOUNT:TOPIC`.
pub fn region(topic_arn: &str) -> Option<&str> {
    let parts: Vec<&str> = topic_arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "sns", region, _, topic] if !region.is_empty() && !topic.is_empty() => {
            Some(region)
        }
        _ => None,
    }
}

pub fn subject(msg: &Message) -> String {
    cut(&msg.headline(), SUBJECT_MAX)
}

pub fn text(msg: &Message) -> String {
    let mut lines = vec![msg.headline()];
    let detail = msg.detail();
    if !detail.is_empty() {
        lines.push(String::new());
        lines.push(detail);
    }
    lines.push(String::new());
    lines.extend(msg.facts());
    lines.join("\n")
}

pub(super) async fn publish(
    client: &aws_sdk_sns::Client,
    sink: &str,
    topic_arn: &str,
    subject: String,
    text: String,
) -> Result<(), SendError> {
    let region = region(topic_arn).ok_or_else(|| {
        SendError::Permanent(format!("sink {sink:?}: the topic ARN names no region"))
    })?;
    let client = if client.config().region().map(Region::as_ref) == Some(region) {
        client.clone()
    } else {
        let config = client
            .config()
            .to_builder()
            .region(Region::new(region.to_owned()))
            .build();
        aws_sdk_sns::Client::from_conf(config)
    };
    client
        .publish()
        .topic_arn(topic_arn)
        .subject(subject)
        .message(text)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify(sink, &e))
}

/// Throttling, SNS's own faults and anything that never reached SNS (no connection, no
/// answer) are worth retrying; so are expired or missing credentials, which a login outside
/// awsdash fixes while the message waits. A refused permission, a topic that does not exist,
/// a parameter SNS refuses are not.
fn classify(sink: &str, err: &SdkError<PublishError>) -> SendError {
    let aws = AwsError::classify("sns:Publish", err);
    let why = format!("sink {sink:?}: SNS Publish failed: {}", aws.detail);
    let transient = match err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service.err().code().unwrap_or_default();
            transient_code(code, status)
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

fn transient_code(code: &str, status: u16) -> bool {
    matches!(
        code,
        "Throttled"
            | "Throttling"
            | "ThrottlingException"
            | "KMSThrottling"
            | "InternalError"
            | "InternalFailure"
            | "ServiceUnavailable"
            | "ExpiredToken"
            | "ExpiredTokenException"
    ) || status == 429
        || status >= 500
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::sinks::Event;
    use crate::alerts::sinks::tests::message;

    #[test]
    fn the_region_is_read_from_the_arn() {
        assert_eq!(
            region("arn:aws:sns:eu-west-1:123456789012:alerts"),
            Some("eu-west-1")
        );
        assert_eq!(
            region("arn:aws-cn:sns:cn-north-1:123456789012:a"),
            Some("cn-north-1")
        );
        for bad in [
            "alerts",
            "arn:aws:sqs:eu-west-1:1:q",
            "arn:aws:sns::1:a",
            "arn:aws:sns:r:1:",
        ] {
            assert_eq!(region(bad), None, "{bad}");
        }
    }

    #[test]
    fn subject_is_one_short_clean_line() {
        let mut m = message(Event::Firing);
        m.alert.title = format!("Line\nbreak {}", "é".repeat(200));
        let s = subject(&m);
        assert_eq!(s.chars().count(), 99);
        assert!(s.ends_with('…') && !s.chars().any(char::is_control), "{s}");
        let t = text(&message(Event::Test));
        assert!(
            t.starts_with("DEMO: Test: Budget Monthly\u{fffd}[31m"),
            "{t}"
        );
        assert!(
            t.contains("\n\nSpent $25,600.00") && t.contains("DEMO") && t.contains("test message")
        );
    }

    #[test]
    fn throttling_and_faults_retry_refusals_do_not() {
        assert!(transient_code("Throttled", 400));
        assert!(transient_code("InternalError", 500));
        assert!(transient_code("Whatever", 503));
        for code in [
            "NotFound",
            "AuthorizationError",
            "InvalidParameter",
            "AccessDenied",
        ] {
            assert!(!transient_code(code, 403), "{code}");
        }
    }
}
