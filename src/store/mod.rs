//! Where cached AWS answers live: this machine's disk cache (the default) or a DynamoDB table
//! a team shares, chosen by `[store] kind`. Both answer the same question — "this answer, if
//! it is fresh enough; else fetch it once and keep it" — so `AwsSource` does not care which.
//!
//! With DynamoDB the fetch is single-flight across machines: a process refreshes only while it
//! holds the answer's lease (`lease`), every other one waits for its generation or shows the
//! shared answer it has, and nobody else pays Cost Explorer for the same numbers.

pub mod chunks;
pub mod counter;
pub mod dynamo;
pub mod lease;
pub mod table;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cache::{CacheKey, Cached, DiskCache};
use crate::model::DataOrigin;
use crate::source::aws::FetchError;

pub use dynamo::DynamoStore;

/// The store chosen in the config.
#[derive(Debug, Clone)]
pub enum Store {
    Disk(DiskCache),
    Dynamo(DynamoStore),
}

/// What a caller will accept from the store, and whether it may wait for another process.
#[derive(Debug, Clone, Copy)]
pub struct Want {
    /// When the caller asks (the clock is a parameter, so a test can run a simulated day).
    pub now: DateTime<Utc>,
    /// A stored answer younger than this is fresh.
    pub ttl: Duration,
    /// Only an answer fetched after this will do (the bill moved since ours was fetched).
    pub newer_than: Option<DateTime<Utc>>,
    /// Refresh whatever the stored answer's age (`R`, `--no-cache`) — with DynamoDB still
    /// under the lease, so a refresh another process is making already counts.
    pub force: bool,
    /// Wait for another process's refresh to land (one-shot commands) rather than answer at
    /// once that it is under way (the dashboard, which shows what it has meanwhile).
    pub wait: bool,
}

impl Want {
    /// Whether a stored answer will do without a refresh.
    pub fn accepts<T>(&self, c: &Cached<T>) -> bool {
        self.accepts_time(c.fetched_at)
    }

    fn accepts_time(&self, fetched_at: DateTime<Utc>) -> bool {
        let probe = Cached {
            value: (),
            fetched_at,
            origin: DataOrigin::Cache,
        };
        !self.force
            && probe.is_fresh(self.now, self.ttl)
            && self.newer_than.is_none_or(|t| fetched_at > t)
    }
}

impl Store {
    /// The stored answer for `key`, whatever its age; `None` when there is none or it cannot
    /// be read (which is noted for the user: it costs a refetch).
    pub async fn get<T: DeserializeOwned>(&self, key: &CacheKey) -> Option<Cached<T>> {
        match self {
            Store::Disk(disk) => disk.get(key),
            Store::Dynamo(dynamo) => dynamo.get(key).await,
        }
    }

    /// Stores `value` as fetched at `fetched_at`; a failure is noted for the user (`what`
    /// names the answer), never returned: the store must not stop the dashboard.
    pub async fn keep<T: Serialize>(
        &self,
        what: &str,
        key: &CacheKey,
        value: &T,
        fetched_at: DateTime<Utc>,
    ) {
        match self {
            Store::Disk(disk) => disk.keep(what, key, value, fetched_at),
            Store::Dynamo(dynamo) => dynamo.keep(what, key, value, fetched_at).await,
        }
    }

    /// The stored answer if `want` accepts it, else `fetch`ed (given the stored answer, stale,
    /// if any) and stored. With DynamoDB only the lease holder fetches: see
    /// [`DynamoStore::single_flight`].
    pub async fn fetch_or_share<T, F, Fut>(
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
        match self {
            Store::Disk(disk) => {
                let stored: Option<Cached<T>> = disk.get(key);
                let stale = match stored {
                    Some(c) if want.accepts(&c) => return Ok(c),
                    other => other.map(|c| c.value),
                };
                let value = fetch(stale).await?;
                disk.keep(what, key, &value, want.now);
                Ok(Cached {
                    value,
                    fetched_at: want.now,
                    origin: DataOrigin::Fetched,
                })
            }
            Store::Dynamo(dynamo) => dynamo.single_flight(what, key, want, fetch).await,
        }
    }

    /// The problems noted since the last call, for the footer or stderr.
    pub fn take_problems(&self) -> Vec<String> {
        match self {
            Store::Disk(disk) => disk.take_problems(),
            Store::Dynamo(dynamo) => dynamo.notes().take(),
        }
    }

    /// The shared table, when there is one (the team-wide cap and alert dedupe use it).
    pub fn shared(&self) -> Option<&DynamoStore> {
        match self {
            Store::Disk(_) => None,
            Store::Dynamo(dynamo) => Some(dynamo),
        }
    }
}

/// The pause before a new lease is read back (see `lease`): long against the microseconds
/// between an emulator's condition check and its write, short against a paid refresh.
pub const LEASE_SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

/// The store `[store]` names; DynamoDB is reached with the run's AWS config (region,
/// credentials, endpoint, timeouts).
pub fn from_settings(
    settings: &crate::settings::Settings,
    config: &aws_config::SdkConfig,
) -> Store {
    match settings.store.kind {
        crate::config::StoreKind::Disk => Store::Disk(DiskCache::new(settings.cache_dir.clone())),
        crate::config::StoreKind::Dynamodb => Store::Dynamo(shared(settings, config)),
    }
}

/// The `[store]` table, whatever `kind` says (the `store` commands work on it before a team
/// switches to it).
pub fn shared(settings: &crate::settings::Settings, config: &aws_config::SdkConfig) -> DynamoStore {
    let dynamodb = aws_sdk_dynamodb::config::Builder::from(config)
        .interceptor(crate::source::aws::requests::CountRequests)
        .build();
    DynamoStore::new(
        aws_sdk_dynamodb::Client::from_conf(dynamodb),
        settings.store.table.clone(),
        Duration::seconds(settings.store.lease_secs as i64),
        LEASE_SETTLE,
    )
}

/// Who this process is to the others sharing a table: host name and pid, as the header and
/// `store status` show it ("ci-box-2:4242").
pub fn holder_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into the buffer we own.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    let host = match ok {
        true => String::from_utf8_lossy(&buf[..end]).into_owned(),
        false => String::new(),
    };
    let host = if host.trim().is_empty() {
        "unknown-host".to_string()
    } else {
        crate::text::clean(host.trim()).into_owned()
    };
    format!("{host}:{}", std::process::id())
}
