//! Every AWS request this process sends, counted per service and operation, for
//! `awsdash collect`'s `awsdash_aws_requests_total`. The meter (`crate::meter`) counts what
//! the day cost across every awsdash on the machine; this counts what this one process put on
//! the wire, retries included — each attempt is a request AWS sees (and Cost Explorer bills).
//!
//! The count is process-wide on purpose: it is a fact about the process, whichever client or
//! command made the request, and the clients need no handle to pass around.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// `(service, operation)` → requests sent.
type Counts = BTreeMap<(String, String), u64>;

static COUNTS: Mutex<Counts> = Mutex::new(BTreeMap::new());

/// A poisoned lock only means another thread panicked while adding one: the map is intact.
fn counts() -> MutexGuard<'static, Counts> {
    COUNTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The SDK interceptor that counts; register it on every client (`Clients::new`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CountRequests;

impl Intercept for CountRequests {
    fn name(&self) -> &'static str {
        "awsdash::CountRequests"
    }

    /// Called once per attempt, right before the request goes out.
    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            record(metadata.service(), metadata.name());
        }
        Ok(())
    }
}

/// The SDK's service name ("Cost Explorer", "STS") as the snapshot JSON's `api_calls` keys
/// spell it: lower case, words joined by `_` ("cost_explorer", "sts").
fn service_key(service: &str) -> String {
    service
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

fn record(service: &str, operation: &str) {
    *counts()
        .entry((service_key(service), operation.to_string()))
        .or_insert(0) += 1;
}

/// The requests sent so far, `((service, operation), count)` in name order.
pub fn sent() -> Vec<((String, String), u64)> {
    counts().iter().map(|(k, v)| (k.clone(), *v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_named_as_the_json_names_them() {
        assert_eq!(service_key("Cost Explorer"), "cost_explorer");
        assert_eq!(service_key("STS"), "sts");
        assert_eq!(service_key("CloudWatch"), "cloudwatch");
    }

    #[test]
    fn each_request_adds_one_to_its_operation() {
        let before = |op: &str| {
            sent()
                .into_iter()
                .find(|((s, o), _)| s == "test_service" && o == op)
                .map_or(0, |(_, n)| n)
        };
        let (a, b) = (before("A"), before("B"));
        record("Test Service", "A");
        record("Test Service", "A");
        record("Test Service", "B");
        assert_eq!(before("A"), a + 2);
        assert_eq!(before("B"), b + 1);
    }
}
