//! Configuration: defaults → the TOML file → command-line flags, in that order. Every key is
//! optional and documented in `config.example.toml`. Unknown keys and bad values are refused
//! with the file, the line and a hint — a typo must never silently fall back to a default.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

use crate::model::window::MAX_DAYS;

mod alerts;
mod report;

pub use alerts::{
    AlertsConfig, RuleConfig, Secret, SinkConfig, SinkKind, check_sink_url, signing_key,
};
pub use report::ReportConfig;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub aws: AwsConfig,
    pub refresh: RefreshConfig,
    pub view: ViewConfig,
    pub ui: UiConfig,
    pub cache: CacheConfig,
    pub store: StoreConfig,
    pub alerts: AlertsConfig,
    /// `[[report]]`: reports sent on a schedule by `collect`.
    pub report: Vec<ReportConfig>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AwsConfig {
    #[serde(deserialize_with = "profile")]
    pub profile: Option<String>,
    #[serde(deserialize_with = "region")]
    pub region: Option<String>,
    /// Empty means unset, as the AWS CLI reads it.
    #[serde(deserialize_with = "endpoint_url")]
    pub endpoint_url: Option<String>,
    /// How long one AWS call may take, retries included, before it counts as timed out.
    #[serde(deserialize_with = "timeout_secs")]
    pub timeout_secs: u64,
    /// Whether awsdash may change anything in the account (`budget set`); off, nothing is
    /// sent that writes, so a read-only tool cannot surprise anyone.
    pub allow_writes: bool,
}

impl Default for AwsConfig {
    fn default() -> Self {
        AwsConfig {
            profile: None,
            region: None,
            endpoint_url: None,
            timeout_secs: 30,
            allow_writes: false,
        }
    }
}

/// Why an endpoint URL cannot be used; empty strings are not checked here (they mean unset).
pub fn check_endpoint_url(text: &str) -> Result<(), String> {
    let url = url::Url::parse(text).map_err(|e| format!("{text:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "{text:?} is not an http(s)://host[:port] URL; leave it out to use AWS's own endpoints"
        ));
    }
    Ok(())
}

/// Why a region name cannot be used: AWS regions are lowercase words, digits and hyphens.
pub fn check_region(text: &str) -> Result<(), String> {
    let ok = !text.is_empty()
        && text.len() <= 32
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "region {text:?} is not a region name such as us-east-1 (an empty one is not allowed; leave it out for the standard chain)"
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RefreshConfig {
    /// Cheap sources (Budgets, CloudWatch) are polled this often.
    #[serde(deserialize_with = "interval_secs")]
    pub interval_secs: u64,
    /// Cost Explorer data younger than this is served from the cache.
    #[serde(deserialize_with = "ttl_secs")]
    pub cost_explorer_ttl_secs: u64,
    /// Paid calls stop for the UTC day once this many were made.
    #[serde(deserialize_with = "calls_per_day")]
    pub max_cost_explorer_calls_per_day: u64,
}

impl Default for RefreshConfig {
    fn default() -> Self {
        RefreshConfig {
            interval_secs: 300,
            cost_explorer_ttl_secs: 21_600,
            max_cost_explorer_calls_per_day: 100,
        }
    }
}

/// The Cost Explorer metric shown everywhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Metric {
    #[default]
    UnblendedCost,
    NetUnblendedCost,
    AmortizedCost,
    NetAmortizedCost,
    BlendedCost,
}

impl Metric {
    /// The name GetCostAndUsage takes.
    pub fn name(self) -> &'static str {
        match self {
            Metric::UnblendedCost => "UnblendedCost",
            Metric::NetUnblendedCost => "NetUnblendedCost",
            Metric::AmortizedCost => "AmortizedCost",
            Metric::NetAmortizedCost => "NetAmortizedCost",
            Metric::BlendedCost => "BlendedCost",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ViewConfig {
    #[serde(deserialize_with = "days")]
    pub days: i64,
    pub metric: Metric,
    pub exclude_credits: bool,
    pub tag_keys: Vec<String>,
}

impl Default for ViewConfig {
    fn default() -> Self {
        ViewConfig {
            days: 30,
            metric: Metric::default(),
            exclude_credits: false,
            tag_keys: vec!["team".into(), "project".into(), "env".into()],
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Default,
    /// No colours at all (also what `NO_COLOR` selects).
    Mono,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    pub theme: Theme,
    /// Plain ASCII: no braille, block or box-drawing characters.
    pub ascii: bool,
    pub mouse: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// A relative path is relative to the config file's directory, not to wherever awsdash
    /// happens to be started.
    #[serde(deserialize_with = "cache_dir")]
    pub dir: Option<PathBuf>,
}

/// Where cached answers live: this machine's disk (the default), or a DynamoDB table a team
/// shares so that one process pays Cost Explorer for all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    #[default]
    Disk,
    Dynamodb,
}

impl StoreKind {
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Disk => "disk",
            StoreKind::Dynamodb => "dynamodb",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub kind: StoreKind,
    /// The DynamoDB table (`awsdash store init` creates it), in the `[aws] region`.
    #[serde(deserialize_with = "table_name")]
    pub table: String,
    /// How long a refresher's lease holds without being extended: after a holder dies, the
    /// others wait this long before one takes over.
    #[serde(deserialize_with = "lease_secs")]
    pub lease_secs: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            kind: StoreKind::Disk,
            table: "awsdash-cache".into(),
            lease_secs: 120,
        }
    }
}

/// DynamoDB's rule for table names: 3 to 255 of `[A-Za-z0-9_.-]`.
fn table_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    let ok = (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(name)
    } else {
        Err(serde::de::Error::custom(format!(
            "table {name:?} is not a DynamoDB table name: 3 to 255 letters, digits, '_', '.' or '-'"
        )))
    }
}

fn lease_secs<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    bounded(
        d,
        "lease_secs",
        5,
        3_600,
        "longer than a Cost Explorer refresh takes; 120 is a good default",
    )
}

fn profile<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let name = String::deserialize(d)?;
    if name.trim().is_empty() {
        return Err(serde::de::Error::custom(
            "profile must not be empty: name a profile of ~/.aws/config, or leave the key out for the standard chain",
        ));
    }
    Ok(Some(name))
}

fn region<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let name = String::deserialize(d)?;
    check_region(&name).map_err(serde::de::Error::custom)?;
    Ok(Some(name))
}

fn endpoint_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let url = String::deserialize(d)?;
    if url.trim().is_empty() {
        return Ok(None);
    }
    check_endpoint_url(&url).map_err(serde::de::Error::custom)?;
    Ok(Some(url))
}

fn cache_dir<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let dir = PathBuf::deserialize(d)?;
    if dir.as_os_str().is_empty() {
        return Err(serde::de::Error::custom(
            "dir must not be empty (that would put cache files wherever awsdash is started): name a directory, or leave the key out for the platform cache dir",
        ));
    }
    Ok(Some(dir))
}

fn timeout_secs<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    bounded(
        d,
        "timeout_secs",
        2,
        600,
        "a large Cost Explorer page can take several seconds; 30 is a good default",
    )
}

fn bounded<'de, D: Deserializer<'de>>(
    deserializer: D,
    what: &str,
    min: u64,
    max: u64,
    hint: &str,
) -> Result<u64, D::Error> {
    let value = u64::deserialize(deserializer)?;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(format!(
            "{what} must be between {min} and {max}, got {value}: {hint}"
        )))
    }
}

fn interval_secs<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    bounded(
        d,
        "interval_secs",
        30,
        86_400,
        "AWS billing data changes a few times a day; 300 is a good default",
    )
}

fn ttl_secs<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    bounded(
        d,
        "cost_explorer_ttl_secs",
        600,
        7 * 86_400,
        "each Cost Explorer request costs $0.01 and its data changes at most a few times a day",
    )
}

fn calls_per_day<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    bounded(
        d,
        "max_cost_explorer_calls_per_day",
        1,
        100_000,
        "this caps what awsdash may spend on Cost Explorer per UTC day ($0.01 a call)",
    )
}

fn days<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let max = MAX_DAYS as u64;
    bounded(
        d,
        "days",
        1,
        max,
        "Cost Explorer keeps 13 months of daily data",
    )
    .map(|v| v as i64)
}

/// A config file that could not be used. Exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot read config file {path}: {why}\nhint: --config and AWSDASH_CONFIG must name a regular TOML file"
    )]
    NotAFile { path: PathBuf, why: String },
    #[error(
        "invalid config file {path}:\n{message}\nhint: every key is described in config.example.toml; remove or fix the line above"
    )]
    Invalid { path: PathBuf, message: String },
}

/// toml's message, which quotes the offending line — unless that line may hold a secret (a
/// sink's `url` or `secret`, anything with `://` or `whsec_`): then only where it is, so a
/// typo next to a webhook URL never prints the URL (stderr, the log, a collector's journal).
fn syntax_error(text: &str, e: &toml::de::Error) -> String {
    let full = e.to_string().trim_end().to_string();
    let Some(span) = e.span() else {
        return full;
    };
    let start = span.start.min(text.len());
    let line_no = text[..start].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let key = line
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    let secretive =
        matches!(key, "url" | "secret") || line.contains("://") || line.contains("whsec_");
    if !secretive {
        return full;
    }
    let column = start - text[..start].rfind('\n').map_or(0, |i| i + 1) + 1;
    format!(
        "TOML parse error at line {line_no}, column {column} (the line is not shown: it may hold a secret)\n{}",
        e.message()
    )
}

impl Config {
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let config: Config = toml::from_str(text).map_err(|e| invalid(syntax_error(text, &e)))?;
        // What one key cannot say alone: a sink's URL or topic, unique names.
        config.alerts.check().map_err(invalid)?;
        report::check(&config.report, &config.alerts.sink, text).map_err(invalid)?;
        Ok(config)
    }

    /// Loads `path`; a missing file is an error only when the user named it. Only a regular
    /// file of at most [`MAX_CONFIG_BYTES`] is read: a FIFO would block forever and
    /// `/dev/zero` would never end.
    pub fn load(path: &Path, explicit: bool) -> Result<Config, ConfigError> {
        let read_error = |source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        };
        let not_a_file = |why: String| ConfigError::NotAFile {
            path: path.to_path_buf(),
            why,
        };
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(Config::default());
            }
            Err(e) => return Err(read_error(e)),
        };
        if !meta.is_file() {
            return Err(not_a_file(format!("it is {}", describe(&meta))));
        }
        let file = std::fs::File::open(path).map_err(read_error)?;
        let mut text = String::new();
        let read = file
            .take(MAX_CONFIG_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(read_error)?;
        if read as u64 > MAX_CONFIG_BYTES {
            return Err(not_a_file(format!(
                "it is larger than {} KiB",
                MAX_CONFIG_BYTES / 1024
            )));
        }
        Config::parse(&text, path)
    }
}

/// A config file is a few lines of TOML; anything bigger is not one.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// What a non-regular file is, in a person's words.
fn describe(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Where awsdash keeps its files, from the platform conventions (XDG on Linux).
#[derive(Debug, Clone, PartialEq)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    pub cache_dir: PathBuf,
}

impl Paths {
    pub fn platform() -> Paths {
        match directories::ProjectDirs::from("", "", "awsdash") {
            Some(dirs) => Paths {
                config_file: dirs.config_dir().join("config.toml"),
                data_dir: dirs.data_dir().to_path_buf(),
                cache_dir: dirs.cache_dir().to_path_buf(),
            },
            // No home directory (a bare container): keep everything beside the process.
            None => Paths {
                config_file: PathBuf::from(".awsdash/config.toml"),
                data_dir: PathBuf::from(".awsdash"),
                cache_dir: PathBuf::from(".awsdash/cache"),
            },
        }
    }

    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("awsdash.log")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("test.toml"))
    }

    #[test]
    fn a_syntax_error_beside_a_secret_never_quotes_it() {
        let hook = "https://hooks.slack.com/services/T0/B0/supersecretpath";
        let text = format!(
            "[alerts]\n[[alerts.sink]]\nname = \"s\"\nkind = \"slack\"\nurl = \"{hook}\" x\n"
        );
        let e = parse(&text).expect_err("syntax error").to_string();
        assert!(!e.contains("supersecretpath"), "{e}");
        assert!(e.contains("line 5") && e.contains("not shown"), "{e}");
        let e = parse("[view]\ndays = 30 x\n")
            .expect_err("syntax error")
            .to_string();
        assert!(
            e.contains("days = 30 x"),
            "an ordinary line is still quoted: {e}"
        );
    }

    #[test]
    fn empty_file_gives_the_documented_defaults() {
        let c = parse("").expect("empty config");
        assert_eq!(c, Config::default());
        assert_eq!(c.refresh.interval_secs, 300);
        assert_eq!(c.refresh.cost_explorer_ttl_secs, 21_600);
        assert_eq!(c.view.days, 30);
        assert_eq!(c.view.metric, Metric::UnblendedCost);
    }

    #[test]
    fn the_example_config_is_valid_and_complete() {
        let text = include_str!("../../config.example.toml");
        let uncommented: String = text
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|l| l.contains(" = "))
                    .unwrap_or(l)
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let c = parse(&uncommented).expect("example config parses when uncommented");
        assert_eq!(c.aws.profile.as_deref(), Some("my-sso-profile"));
        assert_eq!(c.view.metric, Metric::NetUnblendedCost);
        assert!(c.cache.dir.is_some());
        assert_eq!(c.store.kind, StoreKind::Dynamodb);
        assert_eq!(c.store.table, "awsdash-cache");
        assert_eq!(c.store.lease_secs, 120);
    }

    #[test]
    fn store_keys_are_checked_and_named() {
        assert_eq!(parse("").expect("defaults").store.kind, StoreKind::Disk);
        for (text, says) in [
            (
                "[store]\nlease_secs = 4\n",
                "lease_secs must be between 5 and 3600",
            ),
            ("[store]\ntable = \"a b\"\n", "not a DynamoDB table name"),
            ("[store]\ntable = \"ab\"\n", "not a DynamoDB table name"),
            ("[store]\nkind = \"s3\"\n", "disk"),
            ("[store]\nleases = 5\n", "unknown field `leases`"),
        ] {
            let err = parse(text).expect_err(text).to_string();
            assert!(err.contains(says), "{text}: {err}");
            assert!(err.contains("line 2"), "{text}: {err}");
        }
        let c = parse("[store]\nkind = \"dynamodb\"\ntable = \"team.costs-1\"\nlease_secs = 5\n")
            .expect("valid");
        assert_eq!(
            (c.store.table.as_str(), c.store.lease_secs),
            ("team.costs-1", 5)
        );
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let err = parse("[refresh]\ninterval_secs = 300\nintervall = 5\n").expect_err("unknown");
        let text = err.to_string();
        assert!(text.contains("test.toml"), "{text}");
        assert!(text.contains("line 3"), "{text}");
        assert!(text.contains("unknown field `intervall`"), "{text}");
        assert!(text.contains("hint:"), "{text}");
    }

    #[test]
    fn bad_values_name_the_line_and_the_range() {
        let err = parse("[refresh]\n\ninterval_secs = 5\n").expect_err("too small");
        let text = err.to_string();
        assert!(text.contains("line 3"), "{text}");
        assert!(text.contains("between 30 and 86400"), "{text}");
        let err = parse("[view]\nmetric = \"Cheapest\"\n").expect_err("bad metric");
        assert!(err.to_string().contains("UnblendedCost"), "{err}");
    }

    #[test]
    fn a_missing_default_file_is_fine_but_a_named_one_is_not() {
        let missing = Path::new("/nonexistent/awsdash/config.toml");
        assert_eq!(
            Config::load(missing, false).expect("defaults"),
            Config::default()
        );
        assert!(matches!(
            Config::load(missing, true),
            Err(ConfigError::Read { .. })
        ));
    }
}
