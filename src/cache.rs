//! The on-disk cache of AWS answers.
//!
//! Cost Explorer bills $0.01 per request, so every answer is kept on disk, keyed by the account
//! and the exact query, together with the time it was fetched. A second run within the TTL then
//! makes no paid calls at all, and at start-up the last snapshot can be shown at once while a
//! refresh runs in the background.
//!
//! The cache is a convenience, never a source of failure: a missing, corrupt or outdated file
//! reads as "not cached" (with a warning in the log), and a failed write is returned for the
//! caller to log rather than ending the dashboard.
//!
//! Each entry is one JSON file, `{"format": 1, "fetched_at": "...", "value": ...}`, written
//! atomically (temp file, fsync, rename) so a crash or a concurrent reader never sees half a file.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::model::DataOrigin;

/// The envelope version. Bump it when the envelope or any cached value changes shape in a way
/// old files cannot be read as: files of another version are then ignored and refetched.
const FORMAT: u64 = 1;

/// Longest sanitised `kind` or `account` segment, so file names stay well under the 255-byte
/// limit of common file systems whatever a caller passes.
const MAX_SEGMENT: usize = 64;

/// Identifies one cached answer; it is the file stem `<kind>-<account>-<16 hex digits>`.
///
/// The hex digits hash the exact query, so changing the window, a filter or the metric gives a
/// different file and never serves an answer to another question.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    stem: String,
    /// False when the query parts could not be serialised: such a key must never share a file
    /// with another query, so it is never read and writing it is an error.
    cacheable: bool,
}

impl CacheKey {
    /// `kind`: what is cached, e.g. `"ce-cube"`, `"ce-forecast"`; `account`: the AWS account id
    /// (or `"unknown"`); `parts`: anything that identifies the exact query (window, filters,
    /// metric…).
    ///
    /// The hash is FNV-1a 64 of the canonical (object keys sorted, no whitespace) `serde_json`
    /// form of `parts`. It is written out here rather than taken from `std`, whose
    /// `DefaultHasher` may change between Rust versions and would silently orphan every cache
    /// file after a toolchain upgrade. `kind` and `account` are reduced to `[A-Za-z0-9_-]` so
    /// that no input can escape the cache directory or form an invalid file name.
    pub fn new(kind: &str, account: &str, parts: &impl Serialize) -> CacheKey {
        let kind = sanitise(kind);
        let account = sanitise(account);
        match canonical_json(parts) {
            Ok(json) => CacheKey {
                stem: format!("{kind}-{account}-{:016x}", fnv1a64(json.as_bytes())),
                cacheable: true,
            },
            Err(err) => {
                tracing::warn!(
                    kind = %kind,
                    account = %account,
                    error = %err,
                    "cache key parts cannot be serialised; this query will not be cached"
                );
                CacheKey {
                    stem: format!("{kind}-{account}-uncacheable"),
                    cacheable: false,
                }
            }
        }
    }

    /// The entry's file name inside the cache directory.
    pub fn file_name(&self) -> String {
        format!("{}.json", self.stem)
    }

    /// `<kind>-<account>-<hash>`: what the shared store keys the entry by. `None` when the
    /// query could not be serialised (such an entry is never stored).
    pub fn stem(&self) -> Option<&str> {
        self.cacheable.then_some(self.stem.as_str())
    }
}

/// A cached value, when it was fetched from AWS and by whom, so the caller can judge it
/// against a TTL and show how old the numbers are and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached<T> {
    pub value: T,
    pub fetched_at: DateTime<Utc>,
    pub origin: DataOrigin,
}

/// How far in the future a fetch time may lie and still count as fresh: clocks of machines
/// sharing a cache disagree by seconds, not by days.
pub const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

impl<T> Cached<T> {
    /// How long ago the value was fetched; negative if `fetched_at` is in the future.
    pub fn age(&self, now: DateTime<Utc>) -> chrono::Duration {
        now.signed_duration_since(self.fetched_at)
    }

    /// Younger than `ttl`. A fetch time further in the future than [`CLOCK_SKEW`] (a clock set
    /// back, a file from elsewhere) is not fresh: trusting it would pin the answer forever.
    pub fn is_fresh(&self, now: DateTime<Utc>, ttl: chrono::Duration) -> bool {
        let age = self.age(now);
        age >= -CLOCK_SKEW && age < ttl
    }
}

/// Problems worth telling the user (not only the log): an entry that cannot be read or
/// written means every run pays for that answer again. Each is said once however often it
/// recurs; shared by clones, so every holder of a store reports into one list.
#[derive(Debug, Clone, Default)]
pub struct Notes(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Notes {
    /// Notes a problem for the user (and the log), once.
    pub fn report(&self, problem: String) {
        let mut problems = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !problems.contains(&problem) {
            tracing::warn!("{problem}");
            problems.push(problem);
        }
    }

    /// The problems noted since the last call.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// A directory of cache entries, one JSON file per [`CacheKey`].
#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
    problems: Notes,
}

/// The envelope as written: borrowed, so `put` does not clone the value.
#[derive(Serialize)]
struct EnvelopeOut<'a, T> {
    format: u64,
    fetched_at: DateTime<Utc>,
    value: &'a T,
}

/// The envelope as read, once its `format` has been checked.
#[derive(Deserialize)]
struct EnvelopeIn<T> {
    fetched_at: DateTime<Utc>,
    value: T,
}

impl DiskCache {
    /// Creates nothing yet: the directory is made by the first [`DiskCache::put`], so a
    /// read-only run (or `--no-cache` deciding later) leaves no trace on disk.
    pub fn new(dir: PathBuf) -> DiskCache {
        DiskCache {
            dir,
            problems: Default::default(),
        }
    }

    /// Notes a problem for the user; said once however often it recurs.
    pub fn report(&self, problem: String) {
        self.problems.report(problem);
    }

    /// The problems noted since the last call.
    pub fn take_problems(&self) -> Vec<String> {
        self.problems.take()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// The cached value, or `None` when there is none.
    ///
    /// A corrupt, unreadable or other-version file is logged with its path and the reason and
    /// then treated as absent: the worst a bad cache file may cost is one refetch.
    pub fn get<T: DeserializeOwned>(&self, key: &CacheKey) -> Option<Cached<T>> {
        if !key.cacheable {
            return None;
        }
        let path = self.path(key);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return None,
            Err(err) => {
                self.report(format!(
                    "cannot read the cache entry {} ({err}): it is ignored, and its answer is paid for again",
                    path.display()
                ));
                return None;
            }
        };
        match decode(&bytes) {
            Ok(cached) => Some(cached),
            Err(reason) => {
                tracing::warn!(path = %path.display(), reason = %reason, "ignoring unusable cache file");
                None
            }
        }
    }

    /// [`DiskCache::put`], telling the user (once) when it fails: `what` names the answer.
    pub fn keep<T: Serialize>(
        &self,
        what: &str,
        key: &CacheKey,
        value: &T,
        fetched_at: DateTime<Utc>,
    ) {
        if let Err(e) = self.put(key, value, fetched_at) {
            self.report(format!(
                "cannot save {what} to {} ({e}): the next run pays for it again",
                self.path(key).display()
            ));
        }
    }

    /// Stores `value`, fetched at `fetched_at`, replacing any previous entry for `key`.
    ///
    /// The write is atomic (see [`write_atomic`]) so a crash, a full disk or a second awsdash
    /// reading at the same moment never sees a half-written file, and a failed write leaves the
    /// previous entry intact. The file is private to the user (0600; the directory 0700 when this
    /// creates it) because spending data is business-confidential. Errors are returned for the
    /// caller to log: a cache that cannot be written must not stop the dashboard.
    pub fn put<T: Serialize>(
        &self,
        key: &CacheKey,
        value: &T,
        fetched_at: DateTime<Utc>,
    ) -> io::Result<()> {
        if !key.cacheable {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("cache key {} could not be built from its query", key.stem),
            ));
        }
        // Serialise fully before touching the disk: a value that fails to serialise must not
        // leave a temp file or disturb the existing entry.
        let envelope = EnvelopeOut {
            format: FORMAT,
            fetched_at,
            value,
        };
        let bytes = serde_json::to_vec(&envelope).map_err(io::Error::other)?;
        write_atomic(&self.path(key), &bytes)
    }
}

/// Reads an entry, checking the envelope version before the value so that an old file reports
/// "format 0, expected 1" rather than a confusing type error from deep inside the value.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<Cached<T>, String> {
    let json: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|err| format!("not valid JSON: {err}"))?;
    match json.get("format").and_then(serde_json::Value::as_u64) {
        Some(FORMAT) => {}
        Some(other) => return Err(format!("cache format {other}, expected {FORMAT}")),
        None => return Err("no cache format number".to_string()),
    }
    let envelope: EnvelopeIn<T> =
        serde_json::from_value(json).map_err(|err| format!("unexpected contents: {err}"))?;
    Ok(Cached {
        value: envelope.value,
        fetched_at: envelope.fetched_at,
        origin: DataOrigin::Cache,
    })
}

/// Writes `bytes` to `path` so that readers see either the old file or the new one, never a
/// mix: a uniquely named temp file in the same directory (a rename is only atomic within one
/// file system) is written, fsynced and renamed over the target. The temp file is removed if
/// anything fails. Files are created 0600 and a missing directory 0700, because AWS spending
/// is not for other users of the machine.
///
/// Shared with the API-spend meter, which persists its counts the same way.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    create_private_dir(dir)?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} has no file name", path.display()),
            )
        })?;
    let tmp = dir.join(temp_name(&file_name));
    let result = write_and_rename(&tmp, path, bytes);
    if result.is_err() {
        // Best effort: the file may not even exist if creating it was what failed.
        let _ = fs::remove_file(&tmp);
    } else {
        sync_dir(dir);
    }
    result
}

fn write_and_rename(tmp: &Path, target: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = private_file_options().open(tmp)?;
    file.write_all(bytes)?;
    // Without the fsync a crash soon after the rename can leave an empty target on some file
    // systems — the rename would be durable before the data.
    file.sync_all()?;
    drop(file);
    fs::rename(tmp, target)
}

/// A name no other writer can pick: our pid separates processes, the counter separates
/// threads and calls within this one. The leading dot and `.tmp` suffix keep it from ever
/// looking like an entry.
fn temp_name(file_name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(".{file_name}.{}.{n}.tmp", std::process::id())
}

#[cfg(unix)]
fn private_file_options() -> fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true).mode(0o600);
    options
}

#[cfg(not(unix))]
fn private_file_options() -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    options
}

/// Creates `dir` (and parents) as 0700 if missing; an existing directory is left as it is,
/// since the user may have chosen its permissions deliberately.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Makes the rename itself durable. Failure is only logged: the data is already in place and
/// readable, so reporting the put as failed would mislead the caller.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Err(err) = fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(dir = %dir.display(), error = %err, "cannot fsync cache directory");
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Keeps `[A-Za-z0-9_-]`, replaces anything else with `_`, and caps the length, so a key can
/// neither leave the cache directory (`/`, `..`) nor produce an invalid file name. Distinct
/// inputs may fold together (`a.b`, `a/b`), which is harmless: kinds are constants in the code
/// and account ids are digits.
fn sanitise(segment: &str) -> String {
    let cleaned: String = segment
        .chars()
        .take(MAX_SEGMENT)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "_".to_string()
    } else {
        cleaned
    }
}

/// `serde_json` with object keys sorted at every level, so the hash depends only on the query's
/// content, not on field declaration order or a `HashMap`'s iteration order (and not on whether
/// some dependency turns on `serde_json/preserve_order`).
fn canonical_json(parts: &impl Serialize) -> serde_json::Result<String> {
    let value = serde_json::to_value(parts)?;
    let mut out = String::new();
    write_canonical(&value, &mut out)?;
    Ok(out)
}

fn write_canonical(value: &serde_json::Value, out: &mut String) -> serde_json::Result<()> {
    match value {
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out)?;
            }
            out.push(']');
        }
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key)?);
                out.push(':');
                write_canonical(item, out)?;
            }
            out.push('}');
        }
        scalar => out.push_str(&serde_json::to_string(scalar)?),
    }
    Ok(())
}

/// FNV-1a, 64-bit: tiny, fast, and fixed by its specification, so file names stay the same
/// across Rust versions and platforms. Not collision-resistant against an adversary, which
/// does not matter here: the inputs are our own queries.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use chrono::TimeZone;
    use serde::Serializer;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .expect("valid time")
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Answer {
        total: String,
        days: Vec<u32>,
    }

    fn answer() -> Answer {
        Answer {
            total: "12.34".to_string(),
            days: vec![1, 2, 3],
        }
    }

    #[derive(Serialize)]
    struct Query {
        start: &'static str,
        end: &'static str,
        metric: &'static str,
    }

    fn query() -> Query {
        Query {
            start: "2026-11-01",
            end: "2026-11-26",
            metric: "UnblendedCost",
        }
    }

    /// A value whose serialisation always fails, to exercise the error paths of `put`.
    struct Unserialisable;

    impl Serialize for Unserialisable {
        fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("refusing to serialise"))
        }
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn fnv1a64_matches_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn round_trips_value_and_fetch_time() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(tmp.path().join("cache"));
        let key = CacheKey::new("ce-cube", "123456789012", &query());
        let fetched = at(2026, 11, 25, 8, 30, 0);

        assert!(cache.get::<Answer>(&key).is_none(), "empty cache");
        assert!(!cache.dir().exists(), "new() creates nothing");

        cache.put(&key, &answer(), fetched).expect("put");
        let got = cache.get::<Answer>(&key).expect("cached");
        assert_eq!(
            got,
            Cached {
                value: answer(),
                fetched_at: fetched,
                origin: DataOrigin::Cache,
            }
        );
        assert_eq!(entries(cache.dir()), vec![key.file_name()]);
    }

    #[test]
    fn put_replaces_the_previous_entry() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(tmp.path().to_path_buf());
        let key = CacheKey::new("ce-cube", "1", &query());
        cache
            .put(&key, &answer(), at(2026, 1, 1, 0, 0, 0))
            .expect("put");
        let newer = Answer {
            total: "99".to_string(),
            days: vec![],
        };
        cache
            .put(&key, &newer, at(2026, 1, 2, 0, 0, 0))
            .expect("put");
        let got = cache.get::<Answer>(&key).expect("cached");
        assert_eq!(got.value, newer);
        assert_eq!(got.fetched_at, at(2026, 1, 2, 0, 0, 0));
    }

    #[test]
    fn file_format_is_the_documented_envelope() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(tmp.path().to_path_buf());
        let key = CacheKey::new("ce-forecast", "1", &1);
        cache
            .put(&key, &"x", at(2026, 11, 25, 8, 30, 0))
            .expect("put");
        let text = fs::read_to_string(tmp.path().join(key.file_name())).expect("read");
        let json: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"format": 1, "fetched_at": "2026-11-25T08:30:00Z", "value": "x"})
        );
    }

    #[test]
    fn key_is_stable_and_pinned() {
        let a = CacheKey::new("ce-cube", "123456789012", &query());
        let b = CacheKey::new("ce-cube", "123456789012", &query());
        assert_eq!(a, b);
        assert_eq!(a.file_name(), b.file_name());
        // Pinned: if this changes, every user's cache is silently orphaned (and refetched at
        // $0.01 a request). Canonical form hashed:
        // {"end":"2026-11-26","metric":"UnblendedCost","start":"2026-11-01"}
        assert_eq!(
            canonical_json(&query()).expect("json"),
            r#"{"end":"2026-11-26","metric":"UnblendedCost","start":"2026-11-01"}"#
        );
        assert_eq!(a.file_name(), "ce-cube-123456789012-8a441c8fe904dcb5.json");
    }

    #[test]
    fn different_queries_accounts_and_kinds_get_different_files() {
        let base = CacheKey::new("ce-cube", "1", &query()).file_name();
        let other_window = Query {
            start: "2026-10-01",
            ..query()
        };
        let other_metric = Query {
            metric: "AmortizedCost",
            ..query()
        };
        let names = [
            base.clone(),
            CacheKey::new("ce-cube", "1", &other_window).file_name(),
            CacheKey::new("ce-cube", "1", &other_metric).file_name(),
            CacheKey::new("ce-cube", "2", &query()).file_name(),
            CacheKey::new("ce-forecast", "1", &query()).file_name(),
            CacheKey::new("ce-cube", "1", &("2026-11-01", "2026-11-26")).file_name(),
        ];
        for (i, x) in names.iter().enumerate() {
            for y in &names[i + 1..] {
                assert_ne!(x, y);
            }
        }
    }

    #[test]
    fn key_ignores_map_and_field_order() {
        let from_struct = CacheKey::new("k", "a", &query());
        let from_json = CacheKey::new(
            "k",
            "a",
            &serde_json::json!({"start": "2026-11-01", "metric": "UnblendedCost", "end": "2026-11-26"}),
        );
        assert_eq!(from_struct, from_json);

        let mut hash_map = HashMap::new();
        let mut btree = BTreeMap::new();
        for i in 0..50 {
            hash_map.insert(format!("tag{i}"), i);
            btree.insert(format!("tag{i}"), i);
        }
        assert_eq!(
            CacheKey::new("k", "a", &hash_map),
            CacheKey::new("k", "a", &btree)
        );
    }

    #[test]
    fn kind_and_account_are_sanitised() {
        let key = CacheKey::new("ce/cube", "../etc passwd", &1);
        let name = key.file_name();
        let (stem, hash) = name
            .trim_end_matches(".json")
            .rsplit_once('-')
            .expect("hash part");
        assert_eq!(stem, "ce_cube-___etc_passwd");
        assert_eq!(hash.len(), 16);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));

        let long = "x".repeat(1000);
        assert!(CacheKey::new(&long, &long, &1).file_name().len() < 200);
        assert!(CacheKey::new("", "", &1).file_name().starts_with("_-_-"));
    }

    #[test]
    fn corrupt_files_read_as_absent() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(tmp.path().to_path_buf());
        let key = CacheKey::new("ce-cube", "1", &query());
        let path = tmp.path().join(key.file_name());
        let good = serde_json::to_string(&serde_json::json!({
            "format": 1, "fetched_at": "2026-11-25T08:30:00Z",
            "value": {"total": "1", "days": [1]}
        }))
        .expect("json");

        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("garbage bytes", vec![0xff, 0x00, 0xfe, 0x13, 0x37]),
            ("empty", Vec::new()),
            ("truncated JSON", good.as_bytes()[..good.len() / 2].to_vec()),
            (
                "wrong format",
                good.replace("\"format\":1", "\"format\":2").into_bytes(),
            ),
            (
                "format as string",
                good.replace("\"format\":1", "\"format\":\"1\"")
                    .into_bytes(),
            ),
            (
                "no format",
                br#"{"fetched_at":"2026-11-25T08:30:00Z","value":{"total":"1","days":[1]}}"#
                    .to_vec(),
            ),
            (
                "wrong value type",
                br#"{"format":1,"fetched_at":"2026-11-25T08:30:00Z","value":[1,2]}"#.to_vec(),
            ),
            (
                "bad fetched_at",
                br#"{"format":1,"fetched_at":"yesterday","value":{"total":"1","days":[1]}}"#
                    .to_vec(),
            ),
            ("not an object", b"[1,2,3]".to_vec()),
        ];
        // Sanity check: the uncorrupted file does read back.
        fs::write(&path, &good).expect("write");
        assert!(cache.get::<Answer>(&key).is_some());
        for (what, bytes) in cases {
            fs::write(&path, bytes).expect("write");
            assert!(
                cache.get::<Answer>(&key).is_none(),
                "{what} must read as absent"
            );
        }
    }

    #[test]
    fn unreadable_entry_reads_as_absent() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(tmp.path().to_path_buf());
        let key = CacheKey::new("ce-cube", "1", &query());
        // A directory where the file should be: read fails with something other than NotFound.
        fs::create_dir(tmp.path().join(key.file_name())).expect("mkdir");
        assert!(cache.get::<Answer>(&key).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn file_is_0600_and_created_dir_is_0700() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a").join("cache");
        let cache = DiskCache::new(dir.clone());
        let key = CacheKey::new("ce-cube", "1", &query());
        cache
            .put(&key, &answer(), at(2026, 1, 1, 0, 0, 0))
            .expect("put");
        let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join(key.file_name())), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }

    #[cfg(unix)]
    #[test]
    fn replacing_a_loose_file_makes_it_private() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(tmp.path().to_path_buf());
        let key = CacheKey::new("ce-cube", "1", &query());
        let path = tmp.path().join(key.file_name());
        fs::write(&path, "old").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        cache
            .put(&key, &answer(), at(2026, 1, 1, 0, 0, 0))
            .expect("put");
        let mode = fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn put_leaves_no_temp_files() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(tmp.path().to_path_buf());
        let keys: Vec<CacheKey> = (0..5).map(|i| CacheKey::new("ce-cube", "1", &i)).collect();
        for key in &keys {
            cache
                .put(key, &answer(), at(2026, 1, 1, 0, 0, 0))
                .expect("put");
            cache
                .put(key, &answer(), at(2026, 1, 1, 0, 0, 1))
                .expect("put again");
        }
        let mut expected: Vec<String> = keys.iter().map(CacheKey::file_name).collect();
        expected.sort();
        assert_eq!(entries(tmp.path()), expected);
    }

    #[test]
    fn failed_serialisation_keeps_the_good_entry() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(tmp.path().to_path_buf());
        let key = CacheKey::new("ce-cube", "1", &query());
        let fetched = at(2026, 1, 1, 0, 0, 0);
        cache.put(&key, &answer(), fetched).expect("put");

        let err = cache
            .put(&key, &Unserialisable, at(2026, 1, 2, 0, 0, 0))
            .expect_err("must fail");
        assert!(err.to_string().contains("refusing to serialise"), "{err}");

        let got = cache.get::<Answer>(&key).expect("still cached");
        assert_eq!(got.value, answer());
        assert_eq!(got.fetched_at, fetched);
        assert_eq!(entries(tmp.path()), vec![key.file_name()]);
    }

    #[test]
    fn failed_rename_removes_the_temp_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(tmp.path().to_path_buf());
        let key = CacheKey::new("ce-cube", "1", &query());
        // A non-empty directory at the target path: the rename fails after the temp file was
        // fully written.
        let blocker = tmp.path().join(key.file_name());
        fs::create_dir(&blocker).expect("mkdir");
        fs::write(blocker.join("keep"), "x").expect("write");
        assert!(cache.put(&key, &answer(), at(2026, 1, 1, 0, 0, 0)).is_err());
        assert_eq!(entries(tmp.path()), vec![key.file_name()]);
    }

    #[test]
    fn unusable_dir_is_an_error_not_a_panic() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("not-a-dir");
        fs::write(&file, "x").expect("write");
        let cache = DiskCache::new(file.join("cache"));
        let key = CacheKey::new("ce-cube", "1", &query());
        assert!(cache.put(&key, &answer(), at(2026, 1, 1, 0, 0, 0)).is_err());
        assert!(cache.get::<Answer>(&key).is_none());
    }

    #[test]
    fn unserialisable_key_parts_are_never_cached() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(tmp.path().to_path_buf());
        let key = CacheKey::new("ce-cube", "1", &Unserialisable);
        let err = cache
            .put(&key, &answer(), at(2026, 1, 1, 0, 0, 0))
            .expect_err("must refuse");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(cache.get::<Answer>(&key).is_none());
        assert!(entries(tmp.path()).is_empty());
    }

    #[test]
    fn a_fetch_time_far_in_the_future_is_not_fresh() {
        let ttl = chrono::Duration::hours(6);
        let now = at(2026, 11, 25, 12, 0, 0);
        let fetched = |t| Cached {
            value: (),
            fetched_at: t,
            origin: DataOrigin::Cache,
        };
        assert!(fetched(at(2026, 11, 25, 11, 0, 0)).is_fresh(now, ttl));
        assert!(!fetched(at(2026, 11, 25, 5, 0, 0)).is_fresh(now, ttl));
        // Seconds of skew between machines are fine; a year is not.
        assert!(fetched(at(2026, 11, 25, 12, 3, 0)).is_fresh(now, ttl));
        assert!(!fetched(at(2027, 11, 25, 12, 0, 0)).is_fresh(now, ttl));
    }

    #[test]
    fn a_directory_in_place_of_an_entry_is_reported_once() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(tmp.path().to_path_buf());
        let key = CacheKey::new("ce-cube", "1", &query());
        fs::create_dir(tmp.path().join(key.file_name())).expect("mkdir");
        fs::write(tmp.path().join(key.file_name()).join("x"), "x").expect("write");
        assert!(cache.get::<Answer>(&key).is_none());
        assert!(cache.get::<Answer>(&key).is_none());
        cache.keep("the cube", &key, &answer(), at(2026, 1, 1, 0, 0, 0));
        let problems = cache.take_problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("cannot read the cache entry"),
            "{problems:?}"
        );
        assert!(problems[1].contains("cannot save the cube"), "{problems:?}");
        assert!(problems[1].contains("pays for it again"), "{problems:?}");
        assert!(cache.take_problems().is_empty());
    }

    #[test]
    fn age_is_now_minus_fetch_time() {
        let cached = Cached {
            value: (),
            fetched_at: at(2026, 11, 25, 8, 0, 0),
            origin: DataOrigin::Cache,
        };
        assert_eq!(
            cached.age(at(2026, 11, 25, 14, 0, 0)),
            chrono::Duration::hours(6)
        );
        assert_eq!(
            cached.age(at(2026, 11, 25, 8, 0, 0)),
            chrono::Duration::zero()
        );
        assert_eq!(
            cached.age(at(2026, 11, 25, 7, 59, 30)),
            chrono::Duration::seconds(-30)
        );
    }
}
