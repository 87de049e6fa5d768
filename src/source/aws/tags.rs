//! Which tag keys are activated for cost allocation (`ce:ListCostAllocationTags`, paid per
//! page). Only the payer (or a standalone) account may ask: a member account's refusal is
//! "unknown", said as a note, never a failure of the tags view.

use aws_sdk_costexplorer::types::CostAllocationTagStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::FetchError;
use super::ce::{Page, each_page};
use super::client::Clients;
use super::error::AwsErrorKind;
use crate::meter::Meter;

/// The activated keys, or why they are unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagStatus {
    pub active: Option<Vec<String>>,
    pub note: Option<String>,
}

pub const MEMBER_NOTE: &str = "activation status is visible only from the payer account";

pub async fn active_keys(
    clients: &Clients,
    meter: &Meter,
    now: DateTime<Utc>,
) -> Result<TagStatus, FetchError> {
    let mut active = Vec::new();
    let request = |token| {
        clients
            .ce
            .list_cost_allocation_tags()
            .status(CostAllocationTagStatus::Active)
            .set_next_token(token)
            .send()
    };
    let answer = each_page(
        meter,
        now,
        "ce:ListCostAllocationTags",
        None,
        request,
        |page, _| {
            active.extend(
                page.cost_allocation_tags()
                    .iter()
                    .map(|t| t.tag_key().to_string()),
            );
            Ok(Page::last_or_next(page.next_token()))
        },
    )
    .await;
    match answer {
        Ok(_) => {
            active.sort();
            active.dedup();
            Ok(TagStatus {
                active: Some(active),
                note: None,
            })
        }
        Err(FetchError::Aws(e)) if e.kind == AwsErrorKind::AccessDenied => {
            let note = if e.detail.contains("Linked account") {
                MEMBER_NOTE.to_string()
            } else {
                format!("activation status unknown: {}", e.advice(None))
            };
            Ok(TagStatus {
                active: None,
                note: Some(note),
            })
        }
        Err(e) => Err(e),
    }
}
