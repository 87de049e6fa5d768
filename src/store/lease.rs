//! The lease that makes a paid refresh single-flight across machines: one item per cached
//! query (`sk = "lease"`), taken with a conditional put (absent, or expired by its own
//! `expires_at` — DynamoDB's TTL deletes late, so it is never trusted for this), extended
//! every third of its length while the holder fetches, and released by a conditional delete
//! on the holder's version. A holder killed mid-fetch simply stops extending: after
//! `lease_secs` anyone may take over.
//!
//! A conditional put is atomic in DynamoDB, but not in every emulator (moto evaluates the
//! condition and writes without a lock). So a winner also waits a moment (`settle`) and reads
//! the lease back: it holds the lease only if its own version is what is stored. Every racer
//! that got past the condition has written by then, the last write wins for all of them, and
//! exactly one sees itself — at the price of a fraction of a second per paid refresh.
//!
//! Time is a parameter (`now`), so tests can run fixed sequences of acquire, extend, expiry
//! and takeover without waiting.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

use crate::source::aws::AwsError;

/// Leases of one table, taken in the name of one holder.
#[derive(Debug, Clone)]
pub struct Leases {
    pub(super) client: Client,
    pub(super) table: String,
    pub(super) holder: String,
    pub(super) length: Duration,
    pub(super) settle: std::time::Duration,
}

/// What an attempt to take a lease found.
#[derive(Debug)]
pub enum Taken {
    Acquired(Lease),
    /// Someone else holds it until `until` (by its own clock).
    Held {
        by: String,
        until: DateTime<Utc>,
    },
}

/// A lease this process holds. Release it when done; if the process dies it expires.
#[derive(Debug)]
pub struct Lease {
    leases: Leases,
    pk: String,
    version: String,
    expires_at: DateTime<Utc>,
    /// The caller's `now` at acquisition and the instant it was read, so the lease keeps the
    /// caller's clock (a simulated one in tests) while it is extended in real time.
    clock: (DateTime<Utc>, Instant),
}

/// The leases this process holds right now. An exit (`collect`'s SIGTERM, the dashboard's
/// `q`) gives them back with [`release_held`] even when the fetch a lease guards is
/// abandoned mid-way, so another process takes over at once rather than after `lease_secs`.
static HELD: Mutex<Vec<Held>> = Mutex::new(Vec::new());

/// One entry of [`HELD`]: enough to delete the lease item if it is still ours.
#[derive(Debug, Clone)]
struct Held {
    leases: Leases,
    pk: String,
    version: String,
}

fn held() -> std::sync::MutexGuard<'static, Vec<Held>> {
    HELD.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn forget(pk: &str, table: &str) {
    held().retain(|h| !(h.pk == pk && h.leases.table == table));
}

/// Gives back every lease `holder` (this process: [`super::holder_name`]) still holds —
/// conditionally: one that already passed to another process stays theirs. Errors are
/// logged: an unreleased lease expires anyway.
pub async fn release_held(holder: &str) {
    let mine: Vec<Held> = {
        let mut all = held();
        let (mine, others) = std::mem::take(&mut *all)
            .into_iter()
            .partition(|h| h.leases.holder == holder);
        *all = others;
        mine
    };
    for h in mine {
        match delete_if_mine(&h.leases, &h.pk, &h.version).await {
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(pk = %h.pk, "cannot release the store lease (it expires by itself): {e}")
            }
        }
    }
}

/// [`release_held`] on the way out, for at most 3 s: a table that does not answer must not
/// hold up an exit (the leases then expire by themselves).
pub async fn give_back_on_exit() {
    if held().is_empty() {
        return;
    }
    let me = super::holder_name();
    if tokio::time::timeout(std::time::Duration::from_secs(3), release_held(&me))
        .await
        .is_err()
    {
        tracing::warn!("the store did not answer within 3 s: held leases expire by themselves");
    }
}

/// Deletes the lease item of `pk` if `version` is still the stored one. `false`: it was not.
async fn delete_if_mine(leases: &Leases, pk: &str, version: &str) -> Result<bool, AwsError> {
    let delete = leases
        .client
        .delete_item()
        .table_name(&leases.table)
        .set_key(Some(leases.key(pk)))
        .condition_expression("version = :mine")
        .expression_attribute_values(":mine", s(version))
        .send()
        .await;
    match delete {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(AwsError::classify("dynamodb:DeleteItem", &e)),
    }
}

/// A version no other acquisition or extension can have: holder, time and a counter.
fn new_version(holder: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{holder}#{nanos:x}#{n}")
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_string())
}

fn n(number: i64) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

/// The unexpired holder recorded in a lease item, if any.
fn holder_in(
    item: Option<&HashMap<String, AttributeValue>>,
    now: DateTime<Utc>,
) -> Option<(String, String, DateTime<Utc>)> {
    let item = item?;
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let until = item
        .get("expires_at")
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(DateTime::<Utc>::from_timestamp_millis)?;
    (until > now).then(|| {
        (
            text("holder").unwrap_or_default(),
            text("version").unwrap_or_default(),
            until,
        )
    })
}

impl Leases {
    pub fn holder(&self) -> &str {
        &self.holder
    }

    pub fn length(&self) -> Duration {
        self.length
    }

    fn key(&self, pk: &str) -> HashMap<String, AttributeValue> {
        HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s("lease"))])
    }

    /// Who holds the lease of `pk` now, and until when (expired ones are nobody's).
    pub async fn holder_of(
        &self,
        pk: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, DateTime<Utc>)>, AwsError> {
        let item = self.read(pk).await?;
        Ok(holder_in(item.item(), now).map(|(by, _, until)| (by, until)))
    }

    /// The lease item of `pk` as stored now (a strongly consistent read).
    async fn read(
        &self,
        pk: &str,
    ) -> Result<aws_sdk_dynamodb::operation::get_item::GetItemOutput, AwsError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.key(pk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AwsError::classify("dynamodb:GetItem", &e))
    }

    /// Takes the lease of `pk` if it is free or expired at `now`.
    pub async fn acquire(&self, pk: &str, now: DateTime<Utc>) -> Result<Taken, AwsError> {
        let version = new_version(&self.holder);
        let expires_at = now + self.length;
        let mut item = self.key(pk);
        item.insert("holder".into(), s(&self.holder));
        item.insert("version".into(), s(&version));
        item.insert("expires_at".into(), n(expires_at.timestamp_millis()));
        // Garbage collection only: a day after it expired.
        item.insert(
            "exp".into(),
            n((expires_at + Duration::days(1)).timestamp()),
        );
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR expires_at < :now")
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .send()
            .await;
        match put {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                return Ok(match self.holder_of(pk, now).await? {
                    Some((by, until)) => Taken::Held { by, until },
                    // Released between our put and our read: free again, try next time.
                    None => Taken::Held {
                        by: String::new(),
                        until: now,
                    },
                });
            }
            Err(e) => return Err(AwsError::classify("dynamodb:PutItem", &e)),
        }
        if !self.settle.is_zero() {
            tokio::time::sleep(self.settle).await;
        }
        let stored = self.read(pk).await?;
        match holder_in(stored.item(), now) {
            Some((_, v, _)) if v == version => {
                held().push(Held {
                    leases: self.clone(),
                    pk: pk.to_string(),
                    version: version.clone(),
                });
                Ok(Taken::Acquired(Lease {
                    leases: self.clone(),
                    pk: pk.to_string(),
                    version,
                    expires_at,
                    clock: (now, Instant::now()),
                }))
            }
            Some((by, _, until)) => Ok(Taken::Held { by, until }),
            None => Ok(Taken::Held {
                by: String::new(),
                until: now,
            }),
        }
    }
}

impl Lease {
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// The caller's clock, moved on by the real time since the lease was taken.
    fn now(&self) -> DateTime<Utc> {
        let elapsed = Duration::from_std(self.clock.1.elapsed()).unwrap_or_default();
        self.clock.0 + elapsed
    }

    /// Pushes the expiry to `now` + the lease length, under a new version. `false`: the
    /// lease is no longer ours (it expired and someone took it).
    pub async fn extend(&mut self, now: DateTime<Utc>) -> Result<bool, AwsError> {
        let version = new_version(&self.leases.holder);
        let expires_at = now + self.leases.length;
        let update = self
            .leases
            .client
            .update_item()
            .table_name(&self.leases.table)
            .set_key(Some(self.leases.key(&self.pk)))
            .update_expression("SET version = :new, expires_at = :until, exp = :exp")
            .condition_expression("version = :mine")
            .expression_attribute_values(":new", s(&version))
            .expression_attribute_values(":until", n(expires_at.timestamp_millis()))
            .expression_attribute_values(":exp", n((expires_at + Duration::days(1)).timestamp()))
            .expression_attribute_values(":mine", s(&self.version))
            .send()
            .await;
        match update {
            Ok(_) => {
                for h in held().iter_mut() {
                    if h.pk == self.pk && h.leases.table == self.leases.table {
                        h.version.clone_from(&version);
                    }
                }
                self.version = version;
                self.expires_at = expires_at;
                Ok(true)
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(AwsError::classify("dynamodb:UpdateItem", &e)),
        }
    }

    /// Gives the lease back so the next process need not wait for it to expire. `false`: it
    /// was no longer ours.
    pub async fn release(self) -> Result<bool, AwsError> {
        forget(&self.pk, &self.leases.table);
        delete_if_mine(&self.leases, &self.pk, &self.version).await
    }

    /// Runs `work` while extending the lease every third of its length, so a fetch that
    /// takes longer than the lease keeps it. A lost lease is logged, not fatal: the publish
    /// is conditional on the generation, so two writers never mix their answers.
    pub async fn hold<F: Future>(&mut self, work: F) -> F::Output {
        let every = (self.leases.length / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(1));
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                out = &mut work => return out,
                _ = tokio::time::sleep(every) => {
                    let now = self.now();
                    match self.extend(now).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(pk = %self.pk, "lost the store lease while refreshing"),
                        Err(e) => tracing::warn!(pk = %self.pk, "cannot extend the store lease: {e}"),
                    }
                }
            }
        }
    }

    /// Releases, logging what went wrong rather than failing the refresh it guarded.
    pub async fn give_back(self) {
        let pk = self.pk.clone();
        match self.release().await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(pk = %pk, "the store lease had already passed to another process")
            }
            Err(e) => {
                tracing::warn!(pk = %pk, "cannot release the store lease (it expires by itself): {e}")
            }
        }
    }
}
