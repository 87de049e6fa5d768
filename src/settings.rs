//! The settings a run uses: defaults, then the config file, then command-line flags.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::cli::CommonArgs;
use crate::config::{Config, Paths, RefreshConfig, UiConfig, ViewConfig};
use crate::error::AppError;
use crate::model::{FilterSet, Query, Window};

/// How awsdash reaches AWS: the named profile, region, endpoint and timeout, resolved from the
/// flags, the config file and the environment.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsSettings {
    /// The profile named by `--profile` or the config file. It wins over keys in the
    /// environment, as an explicit `--profile` does in the AWS CLI.
    pub profile: Option<String>,
    /// The profile the credentials come from when none was named: `AWS_PROFILE`, else
    /// `default` (only used to word advice, e.g. `aws sso login --profile NAME`).
    pub chain_profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// One AWS call, retries included.
    pub timeout: std::time::Duration,
    /// `[aws] allow_writes`: budget edits may be sent.
    pub allow_writes: bool,
    /// Who the calls go to as (effective profile or environment key, and endpoint), as an
    /// opaque string: the account last seen for it is shown at start-up before STS answers.
    /// Holds no secret: an access key id from the environment only enters it hashed.
    pub origin: String,
}

impl AwsSettings {
    /// The profile to name in advice.
    pub fn advice_profile(&self) -> Option<&str> {
        self.profile.as_deref().or(self.chain_profile.as_deref())
    }
}

/// The environment variables through which the AWS SDK can be pointed at another endpoint.
const ENDPOINT_VARIABLES: [&str; 5] = [
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_COST_EXPLORER",
    "AWS_ENDPOINT_URL_BUDGETS",
    "AWS_ENDPOINT_URL_CLOUDWATCH",
    "AWS_ENDPOINT_URL_STS",
];

/// Empty `AWS_*` variables mean "unset" to the AWS CLI, while the SDK takes an empty
/// `AWS_ENDPOINT_URL` for a URL and panics. `main` calls this first, before any thread exists,
/// so the SDK never sees them.
pub fn forget_empty_aws_variables() {
    let empty: Vec<std::ffi::OsString> = std::env::vars_os()
        .filter(|(name, value)| {
            name.to_str().is_some_and(|n| n.starts_with("AWS_"))
                && value.to_str().is_some_and(|v| v.trim().is_empty())
        })
        .map(|(name, _)| name)
        .collect();
    for name in empty {
        // SAFETY: called at the very start of `main`, before any other thread exists, so
        // nothing can read the environment while it changes.
        unsafe { std::env::remove_var(&name) };
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub demo: bool,
    pub aws: AwsSettings,
    pub refresh: RefreshConfig,
    pub view: ViewConfig,
    pub ui: UiConfig,
    pub alerts: crate::config::AlertsConfig,
    /// `[[report]]`: reports `collect` sends on a schedule.
    pub reports: Vec<crate::config::ReportConfig>,
    pub store: crate::config::StoreConfig,
    pub cache_dir: PathBuf,
    pub use_cache: bool,
    pub query: Query,
    pub paths: Paths,
    /// The config file that was read, if any.
    pub config_file: PathBuf,
}

/// Reads one environment variable; empty counts as unset.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, empty values as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// Loads the config file (named, from `AWSDASH_CONFIG`, or the platform default) and lays
    /// the flags over it.
    pub fn load(args: &CommonArgs, paths: Paths, today: NaiveDate) -> Result<Settings, AppError> {
        let (config_file, explicit) = match &args.config {
            Some(path) => (path.clone(), true),
            None => (paths.config_file.clone(), false),
        };
        let config = Config::load(&config_file, explicit)?;
        Settings::resolve(args, config, paths, config_file, today, &process_env)
    }

    pub fn resolve(
        args: &CommonArgs,
        config: Config,
        paths: Paths,
        config_file: PathBuf,
        today: NaiveDate,
        env: EnvLookup<'_>,
    ) -> Result<Settings, AppError> {
        let window = match (args.start, args.end, args.days) {
            (Some(start), Some(end), _) => Window::new(start, end)?.checked_against(today)?,
            (_, _, Some(days)) => Window::last_days(today, days)?,
            _ => Window::last_days(today, config.view.days)?,
        };
        let cache_dir = match config.cache.dir {
            // Relative to the file that says it, not to wherever awsdash was started.
            Some(dir) if dir.is_relative() => config_file
                .parent()
                .map_or_else(|| dir.clone(), |parent| parent.join(&dir)),
            Some(dir) => dir,
            None => paths.cache_dir.clone(),
        };
        Ok(Settings {
            demo: args.demo,
            aws: aws_settings(args, config.aws, env)?,
            refresh: config.refresh,
            ui: config.ui,
            alerts: config.alerts,
            reports: config.report,
            store: config.store,
            cache_dir,
            use_cache: !args.no_cache,
            query: Query {
                window,
                filters: FilterSet::new(args.filters.iter().cloned()),
            },
            view: config.view,
            paths,
            config_file,
        })
    }
}

fn aws_settings(
    args: &CommonArgs,
    file: crate::config::AwsConfig,
    env: EnvLookup<'_>,
) -> Result<AwsSettings, AppError> {
    for name in ENDPOINT_VARIABLES {
        if let Some(url) = env(name) {
            crate::config::check_endpoint_url(&url)
                .map_err(|e| AppError::Usage(format!("{name} in the environment: {e}")))?;
        }
    }
    let flag_endpoint = args.endpoint_url.clone().filter(|u| !u.trim().is_empty());
    let endpoint_url = flag_endpoint
        .or(file.endpoint_url)
        .or_else(|| env("AWS_ENDPOINT_URL"));
    let profile = args.profile.clone().or(file.profile);
    let chain_profile = match &profile {
        Some(_) => None,
        None => env("AWS_PROFILE"),
    };
    // Keys in the environment are who the calls go as, unless a profile was named.
    let identity = match (&profile, env("AWS_ACCESS_KEY_ID")) {
        (Some(p), _) => format!("profile:{p}"),
        (None, Some(key)) => format!("env-key:{:016x}", crate::cache::fnv1a64(key.as_bytes())),
        (None, None) => format!("profile:{}", chain_profile.as_deref().unwrap_or("default")),
    };
    let origin = format!("{identity}@{}", endpoint_url.as_deref().unwrap_or("aws"));
    Ok(AwsSettings {
        profile,
        chain_profile,
        region: args.region.clone().or(file.region),
        endpoint_url,
        timeout: std::time::Duration::from_secs(file.timeout_secs),
        allow_writes: file.allow_writes,
        origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Filter;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn paths() -> Paths {
        Paths {
            config_file: "/cfg/config.toml".into(),
            data_dir: "/data".into(),
            cache_dir: "/cache".into(),
        }
    }

    fn resolve(args: &CommonArgs, toml: &str) -> Result<Settings, AppError> {
        resolve_in(args, toml, &|_| None)
    }

    fn resolve_in(args: &CommonArgs, toml: &str, env: EnvLookup<'_>) -> Result<Settings, AppError> {
        let config = Config::parse(toml, "/etc/awsdash/t.toml".as_ref()).expect("config");
        Settings::resolve(
            args,
            config,
            paths(),
            "/etc/awsdash/t.toml".into(),
            d("2026-11-25"),
            env,
        )
    }

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let toml = "[aws]\nprofile = \"file\"\nregion = \"eu-west-1\"\n[view]\ndays = 7\n[cache]\ndir = \"/mine\"\n";
        let s = resolve(&CommonArgs::default(), toml).expect("settings");
        assert_eq!(s.aws.profile.as_deref(), Some("file"));
        assert_eq!(s.query.window.days(), 7);
        assert_eq!(s.cache_dir, PathBuf::from("/mine"));
        let args = CommonArgs {
            profile: Some("flag".into()),
            days: Some(90),
            ..CommonArgs::default()
        };
        let s = resolve(&args, toml).expect("settings");
        assert_eq!(s.aws.profile.as_deref(), Some("flag"));
        assert_eq!(s.aws.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.query.window.days(), 90);
        let s = resolve(&CommonArgs::default(), "").expect("defaults");
        assert_eq!(s.query.window.days(), 30);
        assert_eq!(s.cache_dir, PathBuf::from("/cache"));
    }

    #[test]
    fn explicit_dates_are_checked() {
        let args = CommonArgs {
            start: Some(d("2026-11-10")),
            end: Some(d("2026-11-01")),
            ..CommonArgs::default()
        };
        assert!(matches!(resolve(&args, ""), Err(AppError::Usage(_))));
        let args = CommonArgs {
            start: Some(d("2026-11-01")),
            end: Some(d("2026-12-01")),
            ..CommonArgs::default()
        };
        let err = resolve(&args, "").expect_err("future");
        assert!(err.to_string().contains("future"), "{err}");
    }

    #[test]
    fn an_empty_endpoint_is_unset_and_a_bad_one_names_its_variable() {
        let empty = CommonArgs {
            endpoint_url: Some(String::new()),
            ..CommonArgs::default()
        };
        let s = resolve(&empty, "[aws]\nendpoint_url = \"\"\n").expect("settings");
        assert_eq!(s.aws.endpoint_url, None);
        let env =
            |name: &str| (name == "AWS_ENDPOINT_URL").then(|| "http://127.0.0.1:1".to_string());
        let s = resolve_in(&CommonArgs::default(), "", &env).expect("settings");
        assert_eq!(s.aws.endpoint_url.as_deref(), Some("http://127.0.0.1:1"));
        let flag = CommonArgs {
            endpoint_url: Some("http://127.0.0.1:2".into()),
            ..CommonArgs::default()
        };
        let s = resolve_in(&flag, "", &env).expect("settings");
        assert_eq!(
            s.aws.endpoint_url.as_deref(),
            Some("http://127.0.0.1:2"),
            "the flag wins"
        );
        let bad =
            |name: &str| (name == "AWS_ENDPOINT_URL_STS").then(|| "localhost:4566".to_string());
        let err = resolve_in(&CommonArgs::default(), "", &bad).expect_err("malformed");
        assert!(matches!(err, AppError::Usage(_)));
        assert!(err.to_string().contains("AWS_ENDPOINT_URL_STS"), "{err}");
    }

    #[test]
    fn a_relative_cache_dir_is_relative_to_the_config_file() {
        let s = resolve(&CommonArgs::default(), "[cache]\ndir = \"cache\"\n").expect("settings");
        assert_eq!(s.cache_dir, PathBuf::from("/etc/awsdash/cache"));
        let s = resolve(&CommonArgs::default(), "[cache]\ndir = \"/abs\"\n").expect("settings");
        assert_eq!(s.cache_dir, PathBuf::from("/abs"));
    }

    #[test]
    fn the_origin_follows_profile_endpoint_and_key_without_holding_the_key() {
        let origin = |args: &CommonArgs, env: &[(&str, &str)]| {
            let env: Vec<(String, String)> = env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let lookup =
                move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            resolve_in(args, "", &lookup).expect("settings").aws.origin
        };
        let none = CommonArgs::default();
        let base = origin(&none, &[]);
        let key = "AKIAIOSFODNN7EXAMPLE";
        let others = [
            origin(&none, &[("AWS_PROFILE", "prod")]),
            origin(&none, &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")]),
            origin(&none, &[("AWS_ACCESS_KEY_ID", key)]),
            origin(&none, &[("AWS_ACCESS_KEY_ID", "AKIAOTHERKEY00000000")]),
        ];
        for (i, o) in others.iter().enumerate() {
            assert_ne!(*o, base, "{o}");
            assert!(!o.contains(key) && !o.contains("IOSFODNN7"), "{o}");
            for p in &others[i + 1..] {
                assert_ne!(o, p);
            }
        }
        // A named profile wins over keys in the environment, so it is the identity.
        let named = CommonArgs {
            profile: Some("ops".into()),
            ..CommonArgs::default()
        };
        assert_eq!(
            origin(&named, &[("AWS_ACCESS_KEY_ID", key)]),
            origin(&named, &[])
        );
    }

    #[test]
    fn filters_become_a_canonical_set() {
        let args = CommonArgs {
            filters: vec![
                "tag:team=web".parse::<Filter>().expect("f"),
                "region=us-east-1".parse().expect("f"),
            ],
            ..CommonArgs::default()
        };
        let s = resolve(&args, "").expect("settings");
        assert_eq!(
            s.query.filters.to_strings(),
            ["region=us-east-1", "tag:team=web"]
        );
    }
}
