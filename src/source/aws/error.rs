//! AWS failures turned into what a person can act on. Every SDK error of every service goes
//! through [`AwsError::classify`], so "expired SSO session" reads the same whether Budgets or
//! Cost Explorer noticed it first.

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    NoCredentials,
    ExpiredCredentials,
    /// AWS does not know the key, or the signature does not match it (wrong secret key, or
    /// this machine's clock is off).
    InvalidCredentials,
    BadSignature,
    AccessDenied,
    CostExplorerNotEnabled,
    Throttled,
    Unavailable,
    /// No answer within the configured timeout.
    TimedOut,
    /// The billing data changed while it was read page by page (or its report expired): the
    /// same question asked again is answered.
    DataChanged,
    /// Cost Explorer has no data for the request (new account, forecast without history).
    DataUnavailable,
    /// The request was refused as malformed (a bug, or a window AWS does not serve).
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub kind: AwsErrorKind,
    /// The IAM action that failed, e.g. `ce:GetCostAndUsage`.
    pub action: &'static str,
    /// AWS's own words (secrets masked).
    pub detail: String,
}

impl AwsError {
    pub fn classify<E>(action: &'static str, err: &SdkError<E, Response>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        // The whole chain (with the SDK's debug dumps) goes to the log; people get the gist.
        let context = redact(&DisplayErrorContext(err).to_string());
        tracing::warn!(action, "AWS error: {context}");
        let kind = match err {
            SdkError::ServiceError(service) => {
                let status = service.raw().status().as_u16();
                let code = service.err().code().unwrap_or_default();
                let message = service.err().message().unwrap_or_default();
                by_code(code, message, status)
            }
            SdkError::TimeoutError(_) => AwsErrorKind::TimedOut,
            _ => by_text(&context),
        };
        let detail = match err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                redact(&format!(
                    "{}: {}",
                    e.code().unwrap_or("error"),
                    e.message().unwrap_or("(no message)")
                ))
            }
            SdkError::TimeoutError(_) => "no answer in time".to_string(),
            _ => redact(&gist(err)),
        };
        // AWS's words are outside input: no control character of theirs reaches a terminal.
        let detail = crate::text::clean(&detail).into_owned();
        AwsError {
            kind,
            action,
            detail,
        }
    }

    /// Exit code 3 (fix your credentials or permissions) rather than 4 (try again later).
    pub fn is_permission(&self) -> bool {
        matches!(
            self.kind,
            AwsErrorKind::NoCredentials
                | AwsErrorKind::ExpiredCredentials
                | AwsErrorKind::InvalidCredentials
                | AwsErrorKind::BadSignature
                | AwsErrorKind::AccessDenied
                | AwsErrorKind::CostExplorerNotEnabled
        )
    }

    /// Worth retrying later with backoff.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            AwsErrorKind::Throttled
                | AwsErrorKind::Unavailable
                | AwsErrorKind::TimedOut
                | AwsErrorKind::DataChanged
        )
    }

    /// One sentence for the footer, stderr or `doctor`: what happened and what to do. It names
    /// no key of the dashboard: the dashboard adds its own "press r".
    pub fn advice(&self, profile: Option<&str>) -> String {
        let login = match profile {
            Some(p) => format!("aws sso login --profile {p}"),
            None => "aws sso login".to_string(),
        };
        match self.kind {
            AwsErrorKind::NoCredentials => format!(
                "no AWS credentials found — pass --profile NAME, set AWS_PROFILE, or run `{login}` (or try --demo); the log lists every place looked"
            ),
            AwsErrorKind::ExpiredCredentials => {
                format!("AWS credentials expired — run `{login}`")
            }
            AwsErrorKind::InvalidCredentials => format!(
                "AWS does not accept these credentials for {}: the access key is unknown to AWS or was deleted — check the profile or AWS_ACCESS_KEY_ID [{}]",
                self.action, self.detail
            ),
            AwsErrorKind::BadSignature => format!(
                "AWS rejected the request signature for {}: the secret access key does not match the key id, or this machine's clock is off (compare `date -u` with the real time) [{}]",
                self.action, self.detail
            ),
            AwsErrorKind::AccessDenied => format!(
                "access denied: your identity may not call {} — attach the read-only policy in assets/iam-policy.json [{}]",
                self.action, self.detail
            ),
            AwsErrorKind::CostExplorerNotEnabled => "Cost Explorer is not enabled for this account — open Cost Explorer once in the AWS console (or ask your management account to allow member access); data appears within 24 h".to_string(),
            AwsErrorKind::Throttled => format!(
                "AWS is throttling {} even after retries [{}]",
                self.action, self.detail
            ),
            AwsErrorKind::Unavailable => format!(
                "AWS unavailable for {} after retries [{}]",
                self.action, self.detail
            ),
            AwsErrorKind::TimedOut => format!(
                "{} timed out: AWS did not answer within [aws] timeout_secs",
                self.action
            ),
            AwsErrorKind::DataChanged => format!(
                "AWS's billing data changed while {} was read page by page; it is asked again [{}]",
                self.action, self.detail
            ),
            AwsErrorKind::DataUnavailable => format!("no data from {} yet [{}]", self.action, self.detail),
            AwsErrorKind::Invalid => format!("AWS refused the request to {} [{}]", self.action, self.detail),
        }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.advice(None))
    }
}

impl std::error::Error for AwsError {}

fn by_code(code: &str, message: &str, status: u16) -> AwsErrorKind {
    match code {
        "ExpiredToken" | "ExpiredTokenException" | "TokenRefreshRequired" => {
            AwsErrorKind::ExpiredCredentials
        }
        "InvalidClientTokenId" | "UnrecognizedClientException" => AwsErrorKind::InvalidCredentials,
        // A signature AWS cannot match: a wrong secret key, or a clock off by minutes
        // (RequestExpired, "Signature expired"). Not a missing policy.
        "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "RequestExpired"
        | "RequestTimeTooSkewed" => AwsErrorKind::BadSignature,
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation"
            if message
                .to_ascii_lowercase()
                .contains("not enabled for cost explorer") =>
        {
            AwsErrorKind::CostExplorerNotEnabled
        }
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
            AwsErrorKind::AccessDenied
        }
        "LimitExceededException"
        | "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "SlowDown" => AwsErrorKind::Throttled,
        "DataUnavailableException" => AwsErrorKind::DataUnavailable,
        // Not the user's mistake: the data moved under a paginated read (or its report
        // expired), and asking again from the first page is the cure.
        "RequestChangedException" | "InvalidNextTokenException" | "BillExpirationException" => {
            AwsErrorKind::DataChanged
        }
        "ValidationException" | "InvalidParameterException" | "InvalidParameterValue" => {
            AwsErrorKind::Invalid
        }
        _ if status >= 500 => AwsErrorKind::Unavailable,
        _ if status == 403 => AwsErrorKind::AccessDenied,
        _ => AwsErrorKind::Unavailable,
    }
}

/// The innermost two distinct causes, first lines only: "tcp connect error: Connection
/// refused (os error 111)" rather than "dispatch failure" or a page of debug output.
fn gist(err: &(dyn std::error::Error + 'static)) -> String {
    let mut causes: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let line = e
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        if !line.is_empty() && !causes.iter().any(|c| c.contains(&line)) {
            causes.push(line);
        }
        next = e.source();
    }
    let from = causes.len().saturating_sub(2);
    causes[from..].join(": ")
}

/// Errors that never reached AWS: credentials, connection, DNS.
fn by_text(text: &str) -> AwsErrorKind {
    let lower = text.to_ascii_lowercase();
    if lower.contains("timed out") || lower.contains("timeout") {
        AwsErrorKind::TimedOut
    } else if lower.contains("token has expired")
        || lower.contains("expired token")
        || lower.contains("session has expired")
        || lower.contains("expiredtoken")
    {
        AwsErrorKind::ExpiredCredentials
    } else if lower.contains("credential provider was not enabled")
        || lower.contains("no credentials")
        || lower.contains("no providers in chain")
        || lower.contains("error occurred while loading credentials")
        || lower.contains("credentials provider was not properly configured")
    {
        AwsErrorKind::NoCredentials
    } else {
        AwsErrorKind::Unavailable
    }
}

/// Masks anything shaped like an AWS access key id (AKIA…/ASIA…, 20 characters), so that no
/// error text we print or log can leak one.
pub fn redact(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        let looks_like_key = (rest.starts_with("AKIA") || rest.starts_with("ASIA"))
            && rest.len() >= 20
            && rest.as_bytes()[4..20]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if looks_like_key {
            out.push_str(&rest[..4]);
            out.push_str("****************");
            i += 20;
        } else {
            let ch = rest.chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes_map_to_what_a_person_can_do() {
        assert_eq!(
            by_code("ExpiredTokenException", "", 403),
            AwsErrorKind::ExpiredCredentials
        );
        assert_eq!(
            by_code(
                "AccessDeniedException",
                "User not enabled for cost explorer access",
                400
            ),
            AwsErrorKind::CostExplorerNotEnabled
        );
        assert_eq!(
            by_code(
                "AccessDeniedException",
                "not authorized to perform: ce:GetCostAndUsage",
                400
            ),
            AwsErrorKind::AccessDenied
        );
        assert_eq!(
            by_code("LimitExceededException", "", 400),
            AwsErrorKind::Throttled
        );
        assert_eq!(by_code("Throttling", "", 400), AwsErrorKind::Throttled);
        assert_eq!(
            by_code("InternalServerError", "", 500),
            AwsErrorKind::Unavailable
        );
        assert_eq!(
            by_code("DataUnavailableException", "", 400),
            AwsErrorKind::DataUnavailable
        );
    }

    #[test]
    fn signatures_and_changed_data_are_not_missing_policies_or_usage_errors() {
        for code in [
            "InvalidSignatureException",
            "SignatureDoesNotMatch",
            "RequestExpired",
        ] {
            assert_eq!(by_code(code, "", 403), AwsErrorKind::BadSignature, "{code}");
        }
        assert_eq!(
            by_code("InvalidClientTokenId", "", 403),
            AwsErrorKind::InvalidCredentials
        );
        for code in [
            "RequestChangedException",
            "BillExpirationException",
            "InvalidNextTokenException",
        ] {
            assert_eq!(by_code(code, "", 400), AwsErrorKind::DataChanged, "{code}");
        }
        let e = AwsError {
            kind: AwsErrorKind::BadSignature,
            action: "ce:GetCostAndUsage",
            detail: "InvalidSignatureException: The request signature we calculated does not match"
                .into(),
        };
        let advice = e.advice(None);
        assert!(
            advice.contains("clock") && advice.contains("secret access key"),
            "{advice}"
        );
        assert!(!advice.contains("iam-policy"), "{advice}");
        assert!(e.is_permission());
    }

    #[test]
    fn chain_texts_are_recognised() {
        assert_eq!(
            by_text(
                "dispatch failure: other: the credential provider was not enabled: no credentials found in chain"
            ),
            AwsErrorKind::NoCredentials
        );
        assert_eq!(
            by_text("the SSO token has expired and cannot be refreshed"),
            AwsErrorKind::ExpiredCredentials
        );
        assert_eq!(by_text("connection refused"), AwsErrorKind::Unavailable);
    }

    #[test]
    fn advice_names_the_fix() {
        let e = AwsError {
            kind: AwsErrorKind::ExpiredCredentials,
            action: "ce:GetCostAndUsage",
            detail: String::new(),
        };
        assert_eq!(
            e.advice(Some("ops")),
            "AWS credentials expired — run `aws sso login --profile ops`"
        );
        assert!(e.is_permission() && !e.is_transient());
        let e = AwsError {
            kind: AwsErrorKind::AccessDenied,
            action: "ce:GetCostAndUsage",
            detail: String::new(),
        };
        assert!(e.advice(None).contains("ce:GetCostAndUsage"));
    }

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }

    #[test]
    fn the_gist_is_the_innermost_causes_on_one_line() {
        let err = Layer(
            "dispatch failure",
            Some(Box::new(Layer(
                "io error",
                Some(Box::new(Layer(
                    "tcp connect error",
                    Some(Box::new(Layer(
                        "Connection refused (os error 111)\nmore",
                        None,
                    ))),
                ))),
            ))),
        );
        assert_eq!(
            gist(&err),
            "tcp connect error: Connection refused (os error 111)"
        );
        assert_eq!(gist(&Layer("alone", None)), "alone");
    }

    #[test]
    fn access_keys_never_survive_into_messages() {
        let text = "bad key AKIAIOSFODNN7EXAMPLE and ASIAABCDEFGHIJKLMNOP, é ok";
        let clean = redact(text);
        assert!(!clean.contains("IOSFODNN7EXAMPLE"), "{clean}");
        assert!(!clean.contains("ABCDEFGHIJKLMNOP"), "{clean}");
        assert!(clean.contains("AKIA****************"));
        assert!(clean.ends_with("é ok"));
    }
}
