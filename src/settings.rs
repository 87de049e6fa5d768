//! The settings a run uses: defaults, then the config file, then command-line flags.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::cli::CommonArgs;
use crate::config::{Config, Paths, RefreshConfig, UiConfig, ViewConfig};
use crate::error::AppError;
use crate::model::{FilterSet, Query, Window};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub demo: bool,
    pub aws: AwsSettings,
    pub refresh: RefreshConfig,
    pub view: ViewConfig,
    pub ui: UiConfig,
    pub cache_dir: PathBuf,
    pub use_cache: bool,
    pub query: Query,
    pub paths: Paths,
    /// The config file that was read, if any.
    pub config_file: PathBuf,
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
        Settings::resolve(args, config, paths, config_file, today)
    }

    pub fn resolve(
        args: &CommonArgs,
        config: Config,
        paths: Paths,
        config_file: PathBuf,
        today: NaiveDate,
    ) -> Result<Settings, AppError> {
        let window = match (args.start, args.end, args.days) {
            (Some(start), Some(end), _) => Window::new(start, end)?.checked_against(today)?,
            (_, _, Some(days)) => Window::last_days(today, days)?,
            _ => Window::last_days(today, config.view.days)?,
        };
        let or = |flag: &Option<String>, file: Option<String>| flag.clone().or(file);
        Ok(Settings {
            demo: args.demo,
            aws: AwsSettings {
                profile: or(&args.profile, config.aws.profile),
                region: or(&args.region, config.aws.region),
                endpoint_url: or(&args.endpoint_url, config.aws.endpoint_url),
            },
            refresh: config.refresh,
            ui: config.ui,
            cache_dir: config.cache.dir.unwrap_or_else(|| paths.cache_dir.clone()),
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
        let config = Config::parse(toml, "t.toml".as_ref()).expect("config");
        Settings::resolve(args, config, paths(), "t.toml".into(), d("2026-11-25"))
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
