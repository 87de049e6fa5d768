//! The team-wide daily cap on paid Cost Explorer calls: one counter item per UTC day
//! (`pk = "cap#YYYY-MM-DD"`, `sk = "count"`) in the shared table, raised with an atomic
//! `UpdateItem ADD` that is conditional on the cap, so every awsdash sharing the table
//! together stays under `max_cost_explorer_calls_per_day` — not each of them on its own.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::meter::Refused;
use crate::source::aws::AwsError;

/// The counter of one table.
#[derive(Debug)]
pub struct TeamCounter {
    client: Client,
    table: String,
    cap: u64,
    /// The team's count as last seen, for [`TeamCounter::left`] without a request.
    seen: Mutex<Option<(NaiveDate, u64)>>,
}

fn key(day: NaiveDate) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_string(), AttributeValue::S(format!("cap#{day}"))),
        ("sk".to_string(), AttributeValue::S("count".into())),
    ])
}

fn count_in(item: Option<&HashMap<String, AttributeValue>>) -> Option<u64> {
    item?.get("calls")?.as_n().ok()?.parse().ok()
}

impl TeamCounter {
    pub fn new(client: Client, table: String, cap: u64) -> TeamCounter {
        TeamCounter {
            client,
            table,
            cap,
            seen: Mutex::new(None),
        }
    }

    fn remember(&self, day: NaiveDate, count: u64) {
        *self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((day, count));
    }

    /// How many paid calls the team may still make today, as last seen (the cap when not
    /// seen yet today: the reservation itself is what counts).
    pub fn left(&self, now: DateTime<Utc>) -> u64 {
        let seen = *self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match seen {
            Some((day, count)) if day == now.date_naive() => self.cap.saturating_sub(count),
            _ => self.cap,
        }
    }

    /// Counts one paid call for the team on `now`'s UTC day, refused at the cap.
    pub async fn reserve(&self, now: DateTime<Utc>) -> Result<(), Refused> {
        let day = now.date_naive();
        let expires = (day + Duration::days(3))
            .and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp());
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(day)))
            .update_expression("ADD calls :one SET exp = :exp")
            .condition_expression("attribute_not_exists(calls) OR calls < :cap")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":exp", AttributeValue::N(expires.to_string()))
            .expression_attribute_values(":cap", AttributeValue::N(self.cap.to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match update {
            Ok(out) => {
                if let Some(count) = count_in(out.attributes()) {
                    self.remember(day, count);
                }
                Ok(())
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                self.remember(day, self.cap);
                Err(Refused::TeamCap {
                    cap: self.cap,
                    table: self.table.clone(),
                })
            }
            Err(e) => Err(Refused::TeamUnrecorded {
                table: self.table.clone(),
                why: AwsError::classify("dynamodb:UpdateItem", &e).advice(None),
            }),
        }
    }

    /// Gives a call back (AWS answered with an error, which it does not bill).
    pub async fn refund(&self, day: NaiveDate) {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(day)))
            .update_expression("ADD calls :minus")
            .condition_expression("calls > :zero")
            .expression_attribute_values(":minus", AttributeValue::N("-1".into()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .send()
            .await;
        if let Err(e) = update
            && !e
                .as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception())
        {
            tracing::warn!(
                "cannot give back a team-wide paid-call reservation: {}",
                AwsError::classify("dynamodb:UpdateItem", &e)
            );
        }
    }

    /// The team's paid calls on `day` (for `store status`).
    pub async fn on(&self, day: NaiveDate) -> Result<u64, AwsError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(day)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AwsError::classify("dynamodb:GetItem", &e))?;
        Ok(count_in(out.item()).unwrap_or(0))
    }
}
