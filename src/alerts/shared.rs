//! Alert dedupe across machines: with the DynamoDB store, each message (one announcement of
//! one alert to one sink, named by its delivery id) is sent by whichever process takes its
//! lease first, and recorded as sent in the table (`pk = "alert#<delivery id>"`, `sk =
//! "sent"`: alert id, sink, event, who, when) — so ten dashboards with the same sink post an
//! alert once. The local outbox keeps its meaning: a failed send stays there and is retried
//! with the same delivery id, by this process or by another that sees the alert too.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

use super::state::Pending;
use crate::source::aws::AwsError;
use crate::store::DynamoStore;
use crate::store::lease::{Lease, Taken};

/// How long the record of a sent message is kept: longer than an alert is remembered.
const KEPT_FOR: Duration = Duration::days(45);

/// Whose turn it is to send one message.
#[derive(Debug)]
pub enum Turn {
    /// Ours: send it, then [`Deliveries::sent`] or [`Deliveries::not_sent`].
    Ours(Lease),
    /// Another process sent it already.
    Sent,
    /// Another process is sending it now.
    Busy { until: DateTime<Utc> },
}

/// The deliveries recorded in the shared table.
#[derive(Debug, Clone)]
pub struct Deliveries {
    store: DynamoStore,
}

fn partition(id: &str) -> String {
    format!("alert#{id}")
}

impl Deliveries {
    pub fn new(store: DynamoStore) -> Deliveries {
        Deliveries { store }
    }

    fn sent_key(&self, id: &str) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_string(), AttributeValue::S(partition(id))),
            ("sk".to_string(), AttributeValue::S("sent".into())),
        ])
    }

    async fn was_sent(&self, id: &str) -> Result<bool, AwsError> {
        let out = self
            .store
            .client()
            .get_item()
            .table_name(self.store.table())
            .set_key(Some(self.sent_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AwsError::classify("dynamodb:GetItem", &e))?;
        Ok(out.item().is_some())
    }

    /// Takes the turn to send `id` at `now`. With `wait`, a message another process is
    /// sending is waited for (at most `patience`) until it is sent or its lease is free.
    pub async fn take(
        &self,
        id: &str,
        now: DateTime<Utc>,
        wait: bool,
        patience: std::time::Duration,
    ) -> Result<Turn, AwsError> {
        let started = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(100);
        loop {
            if self.was_sent(id).await? {
                return Ok(Turn::Sent);
            }
            let at = now + Duration::from_std(started.elapsed()).unwrap_or_default();
            match self.store.leases().acquire(&partition(id), at).await? {
                Taken::Acquired(lease) => {
                    // Sent between our look and our lease: nothing left to do.
                    if self.was_sent(id).await? {
                        lease.give_back().await;
                        return Ok(Turn::Sent);
                    }
                    return Ok(Turn::Ours(lease));
                }
                Taken::Held { until, .. } if !wait || started.elapsed() >= patience => {
                    return Ok(Turn::Busy { until });
                }
                Taken::Held { .. } => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(1));
                }
            }
        }
    }

    /// Records `p` as sent (so no other process sends it) and gives the turn back.
    pub async fn sent(&self, lease: Lease, p: &Pending, now: DateTime<Utc>) {
        let mut item = self.sent_key(&p.message.id);
        let text = |v: &str| AttributeValue::S(v.to_string());
        item.insert("alert".into(), text(&p.message.alert.id));
        item.insert("sink".into(), text(&p.sink));
        item.insert("event".into(), text(p.message.event.name()));
        item.insert("by".into(), text(self.store.leases().holder()));
        item.insert("at".into(), text(&now.to_rfc3339()));
        item.insert(
            "exp".into(),
            AttributeValue::N((now + KEPT_FOR).timestamp().to_string()),
        );
        let put = self
            .store
            .client()
            .put_item()
            .table_name(self.store.table())
            .set_item(Some(item))
            .send()
            .await;
        if let Err(e) = put {
            // The lease still guards it until it expires; after that it may go out again.
            tracing::warn!(
                id = %p.message.id,
                "cannot record a sent alert in the shared table: {}",
                AwsError::classify("dynamodb:PutItem", &e)
            );
        }
        lease.give_back().await;
    }

    /// The send failed: give the turn back, so the next try (ours or another's) may take it.
    pub async fn not_sent(&self, lease: Lease) {
        lease.give_back().await;
    }
}
