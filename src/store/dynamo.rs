//! The shared store: one DynamoDB table (`pk`, `sk`, both strings) that every awsdash of a
//! team reads, so one process pays Cost Explorer and the others show its numbers.
//!
//! Per cached query (`pk = "q#<kind>-<account>-<query hash>"`, the disk cache's key):
//! - `sk = "meta"`: `gen`, `tag`, `fetched_at` (RFC 3339), `fetched_by` (host:pid), `chunks`,
//!   `bytes`, `sha256`, `kind`, `format` — which generation is current;
//! - `sk = "d#<gen>.<tag>#<i>"`: chunk `i` of generation `gen` (`z`, deflated JSON, at most
//!   300 KiB), written before `meta` names it — readers only ever follow `meta`, so they see
//!   the old generation whole until the new one is complete; `tag` is unique per writer, so two
//!   writers of the same `gen` never mix chunks;
//! - `sk = "lease"`: who is refreshing (see `lease`).
//!
//! `meta` is flipped with a conditional put (on the generation it replaces), and the chunks of
//! the generation it replaced get `exp` a day later for TTL garbage collection. Freshness is
//! judged from `fetched_at` alone: TTL may delete days late, so it decides nothing.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use aws_smithy_types::Blob;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Want;
use super::chunks::{self, BatchWriter, CHUNK_BYTES};
use super::lease::{Leases, Taken};
use crate::cache::{CacheKey, Cached, Notes};
use crate::model::DataOrigin;
use crate::source::aws::{AwsError, FetchError};

/// Version of the stored layout; a `meta` of another version reads as absent.
const FORMAT: i64 = 1;

/// How long a replaced generation stays readable (a reader may be half-way through it).
const RETIRED_FOR: Duration = Duration::days(1);

/// The shared table, as one process sees it.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    leases: Leases,
    notes: Notes,
}

/// The `meta` item: which generation of an answer is current, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub generation: u64,
    pub tag: String,
    pub fetched_at: DateTime<Utc>,
    pub fetched_by: String,
    pub chunks: usize,
    pub bytes: usize,
    pub sha256: String,
    pub kind: String,
}

type Item = HashMap<String, AttributeValue>;

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_string())
}

fn n(number: impl ToString) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

fn key(pk: &str, sk: &str) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

fn text(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

fn number<T: std::str::FromStr>(item: &Item, name: &str) -> Option<T> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

/// The partition of a cached query; `None` for a key that must never be stored.
pub fn partition(key: &CacheKey) -> Option<String> {
    key.stem().map(|stem| format!("q#{stem}"))
}

fn chunk_sk(generation: u64, tag: &str, i: usize) -> String {
    format!("d#{generation:010}.{tag}#{i:05}")
}

impl Meta {
    /// Reads `item` as a meta item of this layout, if it is one.
    pub fn from_item(item: &Item) -> Option<Meta> {
        if number::<i64>(item, "format") != Some(FORMAT) {
            return None;
        }
        Some(Meta {
            generation: number(item, "gen")?,
            tag: text(item, "tag")?,
            fetched_at: text(item, "fetched_at")?.parse().ok()?,
            fetched_by: text(item, "fetched_by")?,
            chunks: number(item, "chunks")?,
            bytes: number(item, "bytes")?,
            sha256: text(item, "sha256")?,
            kind: text(item, "kind").unwrap_or_default(),
        })
    }

    fn to_item(&self, pk: &str) -> Item {
        let mut item = key(pk, "meta");
        item.insert("format".into(), n(FORMAT));
        item.insert("gen".into(), n(self.generation));
        item.insert("tag".into(), s(&self.tag));
        item.insert("fetched_at".into(), s(&self.fetched_at.to_rfc3339()));
        item.insert("fetched_by".into(), s(&self.fetched_by));
        item.insert("chunks".into(), n(self.chunks));
        item.insert("bytes".into(), n(self.bytes));
        item.insert("sha256".into(), s(&self.sha256));
        item.insert("kind".into(), s(&self.kind));
        item
    }
}

/// BatchWriteItem on one table, for [`chunks::write_all`].
struct Batch<'a> {
    client: &'a Client,
    table: &'a str,
}

impl BatchWriter for Batch<'_> {
    type Item = WriteRequest;
    async fn write(&self, items: Vec<WriteRequest>) -> Result<Vec<WriteRequest>, String> {
        let out = self
            .client
            .batch_write_item()
            .request_items(self.table, items)
            .send()
            .await
            .map_err(|e| AwsError::classify("dynamodb:BatchWriteItem", &e).to_string())?;
        Ok(out
            .unprocessed_items()
            .and_then(|u| u.get(self.table))
            .cloned()
            .unwrap_or_default())
    }
}

impl DynamoStore {
    /// `lease_length`: how long a lease holds without being extended; `settle`: the pause
    /// before a new lease is read back (see `lease`).
    pub fn new(
        client: Client,
        table: String,
        lease_length: Duration,
        settle: std::time::Duration,
    ) -> DynamoStore {
        let leases = Leases {
            client: client.clone(),
            table: table.clone(),
            holder: super::holder_name(),
            length: lease_length,
            settle,
        };
        DynamoStore {
            client,
            table,
            leases,
            notes: Notes::default(),
        }
    }

    /// The same store in the name of another holder (tests that play several machines).
    pub fn as_holder(mut self, holder: &str) -> DynamoStore {
        self.leases.holder = holder.to_string();
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn leases(&self) -> &Leases {
        &self.leases
    }

    pub fn notes(&self) -> &Notes {
        &self.notes
    }

    /// The team-wide paid-call counter in this table, capped at `cap` a day.
    pub fn counter(&self, cap: u64) -> super::counter::TeamCounter {
        super::counter::TeamCounter::new(self.client.clone(), self.table.clone(), cap)
    }

    /// The current `meta` of `pk`, if any (strongly consistent: a flip just made is seen).
    pub async fn read_meta(&self, pk: &str) -> Result<Option<Meta>, AwsError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, "meta")))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AwsError::classify("dynamodb:GetItem", &e))?;
        Ok(out.item().and_then(Meta::from_item))
    }

    /// The answer `meta` names: its chunks, checked and joined, then parsed.
    pub async fn read_value<T: DeserializeOwned>(
        &self,
        pk: &str,
        meta: &Meta,
    ) -> Result<T, String> {
        let first = chunk_sk(meta.generation, &meta.tag, 0);
        let last = chunk_sk(meta.generation, &meta.tag, meta.chunks.saturating_sub(1));
        let mut parts = Vec::with_capacity(meta.chunks);
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :first AND :last")
                .expression_attribute_values(":pk", s(pk))
                .expression_attribute_values(":first", s(&first))
                .expression_attribute_values(":last", s(&last))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| AwsError::classify("dynamodb:Query", &e).to_string())?;
            for item in out.items() {
                match item.get("z").and_then(|z| z.as_b().ok()) {
                    Some(blob) => parts.push(blob.as_ref().to_vec()),
                    None => return Err("a chunk without data".into()),
                }
            }
            match out.last_evaluated_key() {
                Some(next) if !next.is_empty() => start = Some(next.clone()),
                _ => break,
            }
        }
        let json = chunks::decode(&parts, meta.chunks, &meta.sha256)?;
        serde_json::from_slice(&json).map_err(|e| format!("unexpected contents: {e}"))
    }

    /// Writes `value` as a new generation after `prev` — chunks only; nothing reads them
    /// until [`DynamoStore::flip`] points `meta` at them.
    pub async fn write_generation<T: Serialize>(
        &self,
        pk: &str,
        kind: &str,
        value: &T,
        fetched_at: DateTime<Utc>,
        prev: Option<&Meta>,
    ) -> Result<Meta, String> {
        let json = serde_json::to_vec(value).map_err(|e| e.to_string())?;
        let encoded = chunks::encode(&json, CHUNK_BYTES).map_err(|e| e.to_string())?;
        let meta = Meta {
            generation: prev.map_or(1, |p| p.generation + 1),
            tag: format!(
                "{:016x}",
                crate::cache::fnv1a64(
                    format!("{}#{}", self.leases.holder(), fetched_at.to_rfc3339()).as_bytes()
                )
            ),
            fetched_at,
            fetched_by: self.leases.holder().to_string(),
            chunks: encoded.chunks.len(),
            bytes: json.len(),
            sha256: encoded.sha256,
            kind: kind.to_string(),
        };
        let mut requests = Vec::with_capacity(meta.chunks);
        for (i, chunk) in encoded.chunks.into_iter().enumerate() {
            let mut item = key(pk, &chunk_sk(meta.generation, &meta.tag, i));
            item.insert("z".into(), AttributeValue::B(Blob::new(chunk)));
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| e.to_string())?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        let batch = Batch {
            client: &self.client,
            table: &self.table,
        };
        chunks::write_all(&batch, requests, std::time::Duration::from_millis(50)).await?;
        Ok(meta)
    }

    /// Points `meta` at `new`, only if it still names `prev` (or nothing, the first time).
    /// `false`: another writer flipped it first; its answer stands, ours is retired.
    pub async fn flip(&self, pk: &str, new: &Meta, prev: Option<&Meta>) -> Result<bool, AwsError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(new.to_item(pk)));
        let put = match prev {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(p) => put
                .condition_expression("gen = :gen AND tag = :tag")
                .expression_attribute_values(":gen", n(p.generation))
                .expression_attribute_values(":tag", s(&p.tag)),
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(AwsError::classify("dynamodb:PutItem", &e)),
        }
    }

    /// Marks a generation's chunks for TTL deletion a day from `now`.
    async fn retire(&self, pk: &str, meta: &Meta, now: DateTime<Utc>) {
        let exp = (now + RETIRED_FOR).timestamp();
        for i in 0..meta.chunks {
            let update = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(pk, &chunk_sk(meta.generation, &meta.tag, i))))
                .update_expression("SET exp = :exp")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_values(":exp", n(exp))
                .send()
                .await;
            if let Err(e) = update
                && !e
                    .as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception())
            {
                tracing::debug!(
                    pk,
                    "cannot mark an old chunk for deletion: {}",
                    AwsError::classify("dynamodb:UpdateItem", &e)
                );
            }
        }
    }

    /// Writes `value` as the next generation and flips `meta` to it; what goes wrong is noted
    /// (the caller has its answer either way). `prev` is the meta this writer saw last.
    async fn publish<T: Serialize>(
        &self,
        what: &str,
        pk: &str,
        kind: &str,
        value: &T,
        fetched_at: DateTime<Utc>,
        prev: Option<&Meta>,
    ) {
        let failed = |why: String| {
            self.notes.report(format!(
                "cannot share {what} in the DynamoDB table {} ({why}): the others pay for it again",
                self.table
            ))
        };
        let new = match self
            .write_generation(pk, kind, value, fetched_at, prev)
            .await
        {
            Ok(meta) => meta,
            Err(why) => return failed(why),
        };
        match self.flip(pk, &new, prev).await {
            Ok(true) => {
                if let Some(old) = prev {
                    self.retire(pk, old, fetched_at).await;
                }
            }
            Ok(false) => {
                tracing::info!(
                    pk,
                    "another process published first; our generation is retired"
                );
                self.retire(pk, &new, fetched_at).await;
            }
            Err(e) => failed(e.to_string()),
        }
    }

    /// The stored answer for `key`, whatever its age.
    pub async fn get<T: DeserializeOwned>(&self, key: &CacheKey) -> Option<Cached<T>> {
        let pk = partition(key)?;
        let meta = self.meta_or_note(&pk).await?;
        self.value_or_note(&pk, &meta).await
    }

    async fn meta_or_note(&self, pk: &str) -> Option<Meta> {
        match self.read_meta(pk).await {
            Ok(meta) => meta,
            Err(e) => {
                self.notes.report(format!(
                    "cannot read the DynamoDB table {}: {}",
                    self.table,
                    e.advice(None)
                ));
                None
            }
        }
    }

    async fn value_or_note<T: DeserializeOwned>(&self, pk: &str, meta: &Meta) -> Option<Cached<T>> {
        match self.read_value(pk, meta).await {
            Ok(value) => Some(Cached {
                value,
                fetched_at: meta.fetched_at,
                origin: DataOrigin::Shared {
                    by: meta.fetched_by.clone(),
                },
            }),
            Err(why) => {
                tracing::warn!(
                    pk,
                    generation = meta.generation,
                    "ignoring an unusable shared answer: {why}"
                );
                None
            }
        }
    }

    /// Stores `value` without a lease (what no one pays for, like the remembered account).
    pub async fn keep<T: Serialize>(
        &self,
        what: &str,
        key: &CacheKey,
        value: &T,
        fetched_at: DateTime<Utc>,
    ) {
        let Some(pk) = partition(key) else { return };
        let prev = self.meta_or_note(&pk).await;
        self.publish(what, &pk, key_kind(&pk), value, fetched_at, prev.as_ref())
            .await;
    }

    /// A fresh shared answer if there is one; else a refresh by whoever holds the lease. This
    /// process fetches (and pays) only while it holds it; otherwise it waits for the holder's
    /// generation (`want.wait`) — re-reading `meta` after a growing pause, taking over if the
    /// holder vanished — or answers at once that a refresh is under way.
    pub async fn single_flight<T, F, Fut>(
        &self,
        what: &str,
        key: &CacheKey,
        want: Want,
        fetch: F,
    ) -> Result<Cached<T>, FetchError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Option<T>) -> Fut,
        Fut: Future<Output = Result<T, FetchError>>,
    {
        let Some(pk) = partition(key) else {
            let value = fetch(None).await?;
            return Ok(own(value, want.now));
        };
        let seen = self.meta_or_note(&pk).await;
        if let Some(meta) = seen.as_ref().filter(|m| want.accepts_time(m.fetched_at))
            && let Some(hit) = self.value_or_note(&pk, meta).await
        {
            return Ok(hit);
        }
        let seen_gen = seen.as_ref().map(|m| (m.generation, m.tag.clone()));
        let started = std::time::Instant::now();
        let clock = || want.now + Duration::from_std(started.elapsed()).unwrap_or_default();
        // Long enough for a holder to finish or for its lease to run out and be taken over.
        let give_up = (self.leases.length() * 3).to_std().unwrap_or_default();
        let mut pause = std::time::Duration::from_millis(100);
        loop {
            match self.leases.acquire(&pk, clock()).await? {
                Taken::Acquired(mut lease) => {
                    // A refresh may have landed between our read and our lease.
                    let current = self.meta_or_note(&pk).await;
                    let newer = |m: &&Meta| Some((m.generation, m.tag.clone())) != seen_gen;
                    if let Some(meta) = current
                        .as_ref()
                        .filter(|m| want.accepts_time(m.fetched_at) || newer(m))
                        && let Some(hit) = self.value_or_note(&pk, meta).await
                    {
                        lease.give_back().await;
                        return Ok(hit);
                    }
                    let stale = match &current {
                        Some(meta) => self.value_or_note::<T>(&pk, meta).await.map(|c| c.value),
                        None => None,
                    };
                    let fetched = lease.hold(fetch(stale)).await;
                    if let Ok(value) = &fetched {
                        self.publish(what, &pk, key_kind(&pk), value, want.now, current.as_ref())
                            .await;
                    }
                    lease.give_back().await;
                    return fetched.map(|value| own(value, want.now));
                }
                Taken::Held { by, .. } => {
                    if !want.wait || started.elapsed() >= give_up {
                        return Err(FetchError::Busy(by));
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(1));
                    if let Some(meta) = self.meta_or_note(&pk).await
                        && Some((meta.generation, meta.tag.clone())) != seen_gen
                        && let Some(hit) = self.value_or_note(&pk, &meta).await
                    {
                        return Ok(hit);
                    }
                }
            }
        }
    }
}

/// `ce-cube` of `q#ce-cube-<account>-<hash>`: what `store status` lists it as.
fn key_kind(pk: &str) -> &str {
    let stem = pk.strip_prefix("q#").unwrap_or(pk);
    stem.rsplitn(3, '-').nth(2).unwrap_or(stem)
}

fn own<T>(value: T, now: DateTime<Utc>) -> Cached<T> {
    Cached {
        value,
        fetched_at: now,
        origin: DataOrigin::Fetched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_is_the_key_stem_before_account_and_hash() {
        assert_eq!(
            key_kind("q#ce-cube-123456789012-8a441c8fe904dcb5"),
            "ce-cube"
        );
        assert_eq!(key_kind("q#account-any-8a441c8fe904dcb5"), "account");
    }

    #[test]
    fn chunk_keys_sort_by_generation_then_index() {
        let mut keys = vec![
            chunk_sk(10, "t", 0),
            chunk_sk(9, "t", 11),
            chunk_sk(9, "t", 2),
        ];
        keys.sort();
        assert_eq!(
            keys,
            [
                chunk_sk(9, "t", 2),
                chunk_sk(9, "t", 11),
                chunk_sk(10, "t", 0)
            ]
        );
    }

    #[test]
    fn meta_round_trips_through_its_item() {
        let meta = Meta {
            generation: 3,
            tag: "abc".into(),
            fetched_at: "2026-11-25T08:30:00.123456789Z".parse().expect("time"),
            fetched_by: "box:42".into(),
            chunks: 2,
            bytes: 1000,
            sha256: "00ff".into(),
            kind: "ce-cube".into(),
        };
        assert_eq!(Meta::from_item(&meta.to_item("q#x")), Some(meta.clone()));
        let mut other = meta.to_item("q#x");
        other.insert("format".into(), n(2));
        assert_eq!(
            Meta::from_item(&other),
            None,
            "another layout reads as absent"
        );
    }
}
