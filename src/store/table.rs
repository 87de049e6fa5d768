//! The shared table itself: creating it (`store init`), listing what it holds (`store
//! status`) and checking it can be used (`doctor`).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TableDescription, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::dynamo::Meta;
use crate::error::AppError;
use crate::source::aws::AwsError;

/// A failed table operation for the command line: exit 3 for permissions, 4 otherwise.
fn app(e: AwsError) -> AppError {
    let advice = e.advice(None);
    if e.is_permission() {
        AppError::Credentials(advice)
    } else {
        AppError::Unavailable(advice)
    }
}

/// The attribute TTL deletes by (epoch seconds); garbage collection only.
pub const TTL_ATTRIBUTE: &str = "exp";

/// How long `store init` waits for a new table to become usable.
const ACTIVE_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

/// Why the table cannot be used as it is.
fn check_schema(table: &TableDescription) -> Result<(), String> {
    let keys: Vec<(String, KeyType)> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name().to_string(), k.key_type().clone()))
        .collect();
    let strings = table
        .attribute_definitions()
        .iter()
        .filter(|a| a.attribute_type() == &ScalarAttributeType::S)
        .map(|a| a.attribute_name())
        .collect::<Vec<_>>();
    let want = [
        ("pk".to_string(), KeyType::Hash),
        ("sk".to_string(), KeyType::Range),
    ];
    if keys.as_slice() == want && strings.contains(&"pk") && strings.contains(&"sk") {
        Ok(())
    } else {
        let have: Vec<String> = keys
            .iter()
            .map(|(n, t)| format!("{n} ({})", t.as_str()))
            .collect();
        Err(format!(
            "its key is {}, not pk (HASH, string) + sk (RANGE, string): name another [store] table, or delete this one and run `awsdash store init`",
            have.join(" + ")
        ))
    }
}

/// The table's description, `None` when it does not exist.
async fn describe(client: &Client, table: &str) -> Result<Option<TableDescription>, AwsError> {
    match client.describe_table().table_name(table).send().await {
        Ok(out) => Ok(out.table().cloned()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(AwsError::classify("dynamodb:DescribeTable", &e)),
    }
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, String> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| e.to_string())
}

fn string(name: &str) -> Result<AttributeDefinition, String> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| e.to_string())
}

/// Creates the table (on-demand billing, `pk` + `sk`) if it is missing, waits until it is
/// active, and turns TTL on for `exp`. Running it again changes nothing. Returns what it did,
/// one line each.
pub async fn init(client: &Client, table: &str) -> Result<Vec<String>, AppError> {
    let mut said = Vec::new();
    match describe(client, table).await.map_err(app)? {
        Some(existing) => {
            check_schema(&existing)
                .map_err(|why| AppError::Usage(format!("table {table} exists, but {why}")))?;
            said.push(format!("table {table} exists with the right key"));
        }
        None => {
            let created = client
                .create_table()
                .table_name(table)
                .billing_mode(BillingMode::PayPerRequest)
                .key_schema(key("pk", KeyType::Hash).map_err(AppError::Other)?)
                .key_schema(key("sk", KeyType::Range).map_err(AppError::Other)?)
                .attribute_definitions(string("pk").map_err(AppError::Other)?)
                .attribute_definitions(string("sk").map_err(AppError::Other)?)
                .send()
                .await;
            match created {
                Ok(_) => said.push(format!("created table {table} (on-demand billing)")),
                // Another `store init` got there first: fine.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_in_use_exception()) =>
                {
                    said.push(format!("table {table} was being created by someone else"))
                }
                Err(e) => return Err(app(AwsError::classify("dynamodb:CreateTable", &e))),
            }
        }
    }
    wait_active(client, table).await?;
    let ttl = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| app(AwsError::classify("dynamodb:DescribeTimeToLive", &e)))?;
    let on = ttl.time_to_live_description().is_some_and(|d| {
        d.attribute_name() == Some(TTL_ATTRIBUTE)
            && matches!(
                d.time_to_live_status(),
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
            )
    });
    if on {
        said.push(format!("TTL is on for `{TTL_ATTRIBUTE}`"));
    } else {
        let spec = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(TTL_ATTRIBUTE)
            .build()
            .map_err(|e| AppError::Other(e.to_string()))?;
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(spec)
            .send()
            .await
            .map_err(|e| app(AwsError::classify("dynamodb:UpdateTimeToLive", &e)))?;
        said.push(format!(
            "turned TTL on for `{TTL_ATTRIBUTE}` (garbage collection of replaced answers; freshness never depends on it)"
        ));
    }
    Ok(said)
}

async fn wait_active(client: &Client, table: &str) -> Result<(), AppError> {
    let started = std::time::Instant::now();
    loop {
        let status = describe(client, table)
            .await
            .map_err(app)?
            .and_then(|t| t.table_status().cloned());
        if status == Some(TableStatus::Active) {
            return Ok(());
        }
        if started.elapsed() >= ACTIVE_WITHIN {
            return Err(AppError::Unavailable(format!(
                "table {table} is not active after {} s (status {status:?}); run `awsdash store init` again later",
                ACTIVE_WITHIN.as_secs()
            )));
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// One cached query as `store status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// The cache key (`<kind>-<account>-<hash>`), as the disk cache names the same answer.
    pub key: String,
    pub kind: String,
    pub account: String,
    pub generation: Option<u64>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub age_secs: Option<i64>,
    pub fetched_by: Option<String>,
    pub chunks: Option<usize>,
    pub bytes: Option<usize>,
    /// Who is refreshing it now (an unexpired lease), and until when.
    pub lease: Option<LeaseOut>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaseOut {
    pub holder: String,
    pub until: DateTime<Utc>,
}

/// Every cached query in the table, by key: one Scan (paginated) that keeps only the `meta`
/// and `lease` items, so the chunks never leave DynamoDB.
pub async fn entries(
    client: &Client,
    table: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Entry>, AwsError> {
    let mut found: BTreeMap<String, Entry> = BTreeMap::new();
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let out = client
            .scan()
            .table_name(table)
            .filter_expression("sk = :meta OR sk = :lease")
            .expression_attribute_values(":meta", AttributeValue::S("meta".into()))
            .expression_attribute_values(":lease", AttributeValue::S("lease".into()))
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| AwsError::classify("dynamodb:Scan", &e))?;
        for item in out.items() {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
            let Some(stem) = text("pk").and_then(|pk| pk.strip_prefix("q#").map(str::to_owned))
            else {
                continue;
            };
            let entry = found.entry(stem.clone()).or_insert_with(|| empty(&stem));
            match text("sk").as_deref() {
                Some("meta") => {
                    if let Some(meta) = Meta::from_item(item) {
                        entry.generation = Some(meta.generation);
                        entry.age_secs = Some((now - meta.fetched_at).num_seconds());
                        entry.fetched_at = Some(meta.fetched_at);
                        entry.fetched_by = Some(meta.fetched_by);
                        entry.chunks = Some(meta.chunks);
                        entry.bytes = Some(meta.bytes);
                    }
                }
                Some("lease") => {
                    let until = item
                        .get("expires_at")
                        .and_then(|v| v.as_n().ok())
                        .and_then(|v| v.parse::<i64>().ok())
                        .and_then(DateTime::<Utc>::from_timestamp_millis);
                    if let (Some(holder), Some(until)) = (text("holder"), until)
                        && until > now
                    {
                        entry.lease = Some(LeaseOut { holder, until });
                    }
                }
                _ => {}
            }
        }
        match out.last_evaluated_key() {
            Some(next) if !next.is_empty() => start = Some(next.clone()),
            _ => break,
        }
    }
    Ok(found.into_values().collect())
}

/// An entry with nothing known yet but what its key says.
fn empty(stem: &str) -> Entry {
    let mut parts = stem.rsplitn(3, '-');
    let _hash = parts.next();
    let account = parts.next().unwrap_or_default().to_string();
    let kind = parts.next().unwrap_or(stem).to_string();
    Entry {
        key: stem.to_string(),
        kind,
        account,
        generation: None,
        fetched_at: None,
        age_secs: None,
        fetched_by: None,
        chunks: None,
        bytes: None,
        lease: None,
    }
}

/// What `doctor` checks: the table exists with the right key, and this identity can read it
/// and make a conditional write (on a scratch item of its own, deleted again).
pub async fn check(client: &Client, table: &str, holder: &str) -> Result<String, String> {
    let advice = |e: AwsError| e.advice(None);
    let Some(described) = describe(client, table).await.map_err(advice)? else {
        return Err(format!(
            "table {table} does not exist in this region: run `awsdash store init` (or name the right [store] table / [aws] region)"
        ));
    };
    check_schema(&described).map_err(|why| format!("table {table}: {why}"))?;
    let probe = HashMap::from([
        (
            "pk".to_string(),
            AttributeValue::S(format!("doctor#{holder}")),
        ),
        ("sk".to_string(), AttributeValue::S("probe".into())),
    ]);
    client
        .get_item()
        .table_name(table)
        .set_key(Some(probe.clone()))
        .send()
        .await
        .map_err(|e| advice(AwsError::classify("dynamodb:GetItem", &e)))?;
    client
        .query()
        .table_name(table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("doctor#{holder}")))
        .send()
        .await
        .map_err(|e| advice(AwsError::classify("dynamodb:Query", &e)))?;
    let mut item = probe.clone();
    item.insert(
        "exp".into(),
        AttributeValue::N((Utc::now().timestamp() + 3600).to_string()),
    );
    let written = client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk) OR sk = :probe")
        .expression_attribute_values(":probe", AttributeValue::S("probe".into()))
        .send()
        .await;
    let write = match written {
        Ok(_) => {
            client
                .delete_item()
                .table_name(table)
                .set_key(Some(probe))
                .send()
                .await
                .map_err(|e| advice(AwsError::classify("dynamodb:DeleteItem", &e)))?;
            "reads and conditional writes work"
        }
        Err(e) if AwsError::classify("dynamodb:PutItem", &e).is_permission() => {
            "reads work; writes are not allowed (this identity can show the team's numbers but never refreshes them)"
        }
        Err(e) => return Err(advice(AwsError::classify("dynamodb:PutItem", &e))),
    };
    Ok(format!("table {table}: key pk + sk, {write}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_kind_account_and_hash() {
        let e = empty("ce-cube-123456789012-8a441c8fe904dcb5");
        assert_eq!(
            (e.kind.as_str(), e.account.as_str()),
            ("ce-cube", "123456789012")
        );
        let e = empty("account-any-8a441c8fe904dcb5");
        assert_eq!((e.kind.as_str(), e.account.as_str()), ("account", "any"));
    }
}
