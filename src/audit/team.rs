//! Audit lines in the team's DynamoDB table: one item per line, a partition per UTC day, so
//! `awsdash audit --since` reads only the days it shows.

use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Days, NaiveDate};

use super::Line;
use crate::source::aws::error::AwsError;

/// The most days one `awsdash audit` reads from the table (one query each).
const MAX_DAYS: u64 = 400;

/// Numbers the lines of this process, so two in one nanosecond still get their own items.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Clone)]
pub struct TeamAudit {
    client: Client,
    table: String,
}

fn partition(day: NaiveDate) -> String {
    format!("audit#{}", day.format("%Y-%m-%d"))
}

fn unreachable(e: AwsError) -> String {
    format!("the team's audit history: {}", e.advice(None))
}

impl TeamAudit {
    pub fn new(store: &crate::store::DynamoStore) -> TeamAudit {
        TeamAudit {
            client: store.client().clone(),
            table: store.table().to_string(),
        }
    }

    /// Writes `line` as its own item (no `exp`: the history does not expire).
    pub async fn put(&self, line: &Line) -> Result<(), String> {
        let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let sk = format!(
            "{}#{}#{n}",
            line.at.format("%Y-%m-%dT%H:%M:%S%.9fZ"),
            line.by
        );
        let json = serde_json::to_string(line).map_err(|e| e.to_string())?;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(partition(line.at.date_naive())))
            .item("sk", AttributeValue::S(sk))
            .item("line", AttributeValue::S(json))
            .send()
            .await
            .map_err(|e| unreachable(AwsError::classify("dynamodb:PutItem", &e)))?;
        Ok(())
    }

    /// Every line of the days `since..=today` (at most [`MAX_DAYS`] of them, the latest).
    pub async fn read(&self, since: NaiveDate, today: NaiveDate) -> Result<Vec<Line>, String> {
        let first = since.max(today - Days::new(MAX_DAYS - 1));
        let mut lines = Vec::new();
        for day in first.iter_days().take_while(|d| *d <= today) {
            let mut pages = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(partition(day)))
                .consistent_read(true)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page =
                    page.map_err(|e| unreachable(AwsError::classify("dynamodb:Query", &e)))?;
                for item in page.items() {
                    let parsed = item
                        .get("line")
                        .and_then(|v| v.as_s().ok())
                        .and_then(|s| serde_json::from_str::<Line>(s).ok());
                    match parsed {
                        Some(line) => lines.push(line),
                        None => tracing::warn!(%day, "skipping an audit item that does not parse"),
                    }
                }
            }
        }
        Ok(lines)
    }
}
