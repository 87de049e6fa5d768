//! Command-line definitions. Each option explains itself in one line of `--help`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use crate::model::Filter;
use crate::output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "awsdash",
    version,
    about = "Live AWS spending in your terminal: services, regions, daily cost, budgets, forecast.",
    after_help = "Try it without AWS: awsdash --demo   ·   Fetch once as JSON: awsdash snapshot --json"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch once (or read the cache), print, exit.
    Snapshot(SnapshotArgs),
    /// Check credentials, permissions per AWS API, config and cache; say how to fix each.
    Doctor,
    /// What fires now (no delivery); `alerts run` delivers, `alerts test` tries each sink.
    Alerts(AlertsArgs),
    /// The team's shared DynamoDB table ([store]): `store init` creates it, `store status`
    /// shows what it holds.
    Store(StoreArgs),
    /// A cost report to forward: Markdown, HTML, JSON or CSV, from AWS (the cache when fresh) or a
    /// saved `snapshot --json`.
    Report(ReportArgs),
    /// Headless: poll, deliver alerts, serve /metrics, /healthz, /ready (systemd, containers).
    Collect(CollectArgs),
    /// What awsdash changed or spent: budget edits, deliveries, paid AWS calls, oldest first.
    Audit(AuditArgs),
    /// Change a budget (needs [aws] allow_writes = true): `budget set NAME --limit AMOUNT`.
    Budget(BudgetArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BudgetArgs {
    #[command(subcommand)]
    pub action: BudgetAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum BudgetAction {
    /// Set a budget's limit: shows before → after, asks, sends the whole budget, reads it back.
    Set {
        /// The budget's name, as AWS Budgets shows it.
        name: String,
        /// The new limit in the budget's currency, e.g. 1200 or 1200.50.
        #[arg(long, value_name = "AMOUNT")]
        limit: String,
        /// Do not ask for confirmation (scripts).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// Only actions from this UTC day on [default: 30 days ago].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub since: Option<NaiveDate>,
    /// Print the lines as a JSON array, as stored.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub action: StoreAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum StoreAction {
    /// Create the table (on-demand billing, TTL on `exp`) if it is missing; safe to repeat.
    Init,
    /// Each cached answer's age, generation, who fetched it and who is refreshing it.
    Status {
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct CollectArgs {
    /// Serve on this address; 0.0.0.0:9184 or [::]:9184 for every interface.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:9184", value_parser = listen_addr)]
    pub listen: std::net::SocketAddr,
}

#[derive(Debug, Clone, Args)]
pub struct AlertsArgs {
    #[command(subcommand)]
    pub action: Option<AlertsAction>,
    /// Print the alerts as JSON (the snapshot contract's `alerts` and `anomalies`).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AlertsAction {
    /// Evaluate once, deliver what is new and whatever waits in the outbox; exit 4 when
    /// something stays undelivered.
    Run,
    /// Send a clearly labelled test message to each sink (or one) and report each result.
    Test {
        /// Only this sink (its `name` in [[alerts.sink]]).
        #[arg(long, value_name = "NAME")]
        sink: Option<String>,
    },
}

#[derive(Debug, Clone, Default, Args)]
pub struct CommonArgs {
    /// Use the built-in demo account; no AWS call is made.
    #[arg(long, global = true)]
    pub demo: bool,
    /// AWS profile; wins over keys in the environment (default: the standard chain).
    #[arg(long, global = true, value_name = "NAME", value_parser = profile_name)]
    pub profile: Option<String>,
    /// AWS region for signing (Cost Explorer and billing metrics always use us-east-1).
    #[arg(long, global = true, value_name = "REGION", value_parser = region_name)]
    pub region: Option<String>,
    /// Send every AWS call to this URL (emulators); AWS_ENDPOINT_URL works too.
    #[arg(long, global = true, value_name = "URL", value_parser = endpoint_url)]
    pub endpoint_url: Option<String>,
    /// Config file [default: <config dir>/awsdash/config.toml].
    #[arg(long, global = true, env = "AWSDASH_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// First day of the window, UTC (YYYY-MM-DD).
    #[arg(
        long,
        global = true,
        value_name = "YYYY-MM-DD",
        requires = "end",
        conflicts_with = "days"
    )]
    pub start: Option<NaiveDate>,
    /// Day after the last day of the window (exclusive), UTC (YYYY-MM-DD).
    #[arg(long, global = true, value_name = "YYYY-MM-DD", requires = "start")]
    pub end: Option<NaiveDate>,
    /// Window = the last N days, today included [default: 30, or [view] days].
    #[arg(
        long,
        global = true,
        value_name = "N",
        conflicts_with = "end",
        allow_negative_numbers = true
    )]
    pub days: Option<i64>,
    /// Filter, repeatable: region=R, service=S, account=ID, tag:KEY=VALUE, tag:KEY= (untagged).
    #[arg(long = "filter", global = true, value_name = "EXPR")]
    pub filters: Vec<Filter>,
    /// Ignore the cache and fetch fresh data (costs Cost Explorer calls).
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Log level or filter for the log file (e.g. debug, awsdash=trace).
    #[arg(long, global = true, env = "AWSDASH_LOG", value_name = "LEVEL")]
    pub log_level: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SnapshotArgs {
    /// Output format [default: table on a terminal, json when piped].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Same as --format json.
    #[arg(long, overrides_with = "json")]
    pub json: bool,
    /// Exit with code 5 when any alert fires (for CI and cron); the output is unchanged.
    #[arg(long)]
    pub fail_on_alert: bool,
    /// Add analysis sections to the JSON, comma-separated: tags, accounts, changes, credits,
    /// savings (each fetched only when the cache has no fresh answer).
    #[arg(long, value_name = "SECTIONS")]
    pub include: Option<String>,
    /// The tag key the tags section allocates by [default: the first of [view] tag_keys].
    #[arg(long, value_name = "KEY")]
    pub tag_key: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "md")]
    pub format: crate::report::Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Render this saved `awsdash snapshot --json` instead of asking AWS (no AWS call at all).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// CSV: do not mark text cells that a spreadsheet would run as a formula.
    #[arg(long)]
    pub csv_raw: bool,
    /// Rows per ranked table; the rest is summed into one "other" line.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub top: u16,
    /// Add analysis sections, comma-separated: tags, accounts, changes, credits, savings (as
    /// for `snapshot`).
    #[arg(long, value_name = "SECTIONS", conflicts_with = "from")]
    pub include: Option<String>,
    /// The tag key the tags section allocates by [default: the first of [view] tag_keys].
    #[arg(long, value_name = "KEY", conflicts_with = "from")]
    pub tag_key: Option<String>,
    #[command(subcommand)]
    pub action: Option<ReportAction>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ReportAction {
    /// Send the `[[report]]` named NAME to its sinks now, whatever its schedule (which is left
    /// as it was). Its own `format` applies; `--include` and `--tag-key` add sections.
    Run { name: String },
}

impl SnapshotArgs {
    /// The sections `--include` names; an unknown one is a usage error (exit 2).
    pub fn include(&self) -> Result<Vec<crate::model::Section>, String> {
        match &self.include {
            None => Ok(Vec::new()),
            Some(list) => {
                crate::model::Section::parse_list(list).map_err(|e| format!("--include: {e}"))
            }
        }
    }

    /// The format asked for; `--json` with another `--format` is a contradiction, said plainly
    /// (clap's own conflict message talks about arguments "used multiple times").
    pub fn format(&self, stdout_is_terminal: bool) -> Result<Format, String> {
        match (self.json, self.format) {
            (true, Some(f)) if f != Format::Json => Err(format!(
                "--json means --format json, which contradicts --format {}: keep one of them",
                f.name()
            )),
            (true, _) => Ok(Format::Json),
            (false, Some(f)) => Ok(f),
            (false, None) if stdout_is_terminal => Ok(Format::Table),
            (false, None) => Ok(Format::Json),
        }
    }
}

fn profile_name(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err(
            "a profile name must not be empty (leave --profile out for the standard chain)".into(),
        );
    }
    Ok(text.to_string())
}

fn region_name(text: &str) -> Result<String, String> {
    crate::config::check_region(text).map(|()| text.to_string())
}

fn listen_addr(text: &str) -> Result<std::net::SocketAddr, String> {
    text.parse().map_err(|_| {
        format!("{text:?} is not an IP:PORT address such as 127.0.0.1:9184 or [::1]:9184")
    })
}

/// Empty is accepted and means unset, as in the AWS CLI.
fn endpoint_url(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    crate::config::check_endpoint_url(text).map(|()| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_work_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "awsdash",
            "snapshot",
            "--demo",
            "--filter",
            "region=us-east-1",
            "--filter",
            "tag:team=",
            "--json",
        ])
        .expect("parses");
        assert!(cli.common.demo);
        assert_eq!(cli.common.filters.len(), 2);
        let Some(Command::Snapshot(args)) = cli.command else {
            panic!("snapshot subcommand expected");
        };
        assert_eq!(args.format(true), Ok(Format::Json));
    }

    #[test]
    fn format_defaults_to_table_on_a_terminal_and_json_in_a_pipe() {
        let args = SnapshotArgs {
            format: None,
            json: false,
            fail_on_alert: false,
            include: None,
            tag_key: None,
        };
        assert_eq!(args.format(true), Ok(Format::Table));
        assert_eq!(args.format(false), Ok(Format::Json));
    }

    #[test]
    fn json_with_another_format_says_why_it_is_refused() {
        let parse = |argv: &[&str]| match Cli::try_parse_from(argv).expect("parses").command {
            Some(Command::Snapshot(args)) => args.format(false),
            _ => panic!("snapshot"),
        };
        let err =
            parse(&["awsdash", "snapshot", "--json", "--format", "csv"]).expect_err("refused");
        assert!(err.contains("--json means --format json"), "{err}");
        assert_eq!(
            parse(&["awsdash", "snapshot", "--json", "--json"]),
            Ok(Format::Json)
        );
        assert_eq!(
            parse(&["awsdash", "snapshot", "--format", "json", "--json"]),
            Ok(Format::Json)
        );
    }

    #[test]
    fn negative_days_reach_the_range_check_and_bad_aws_flags_are_refused() {
        let cli = Cli::try_parse_from(["awsdash", "--days", "-5"]).expect("parses");
        assert_eq!(cli.common.days, Some(-5));
        for argv in [
            &["awsdash", "--region", ""][..],
            &["awsdash", "--region", "US East"],
            &["awsdash", "--endpoint-url", "localhost:4566"],
            &["awsdash", "--endpoint-url", "ftp://example.com"],
            &["awsdash", "--profile", ""],
        ] {
            let err = Cli::try_parse_from(argv).expect_err("refused");
            assert_eq!(err.exit_code(), 2, "{argv:?}");
            assert!(err.to_string().contains(argv[1]), "{argv:?}: {err}");
        }
        let cli = Cli::try_parse_from(["awsdash", "--endpoint-url", ""]).expect("empty is unset");
        assert_eq!(cli.common.endpoint_url.as_deref(), Some(""));
    }

    #[test]
    fn bad_filters_and_dates_are_usage_errors() {
        for argv in [
            &["awsdash", "--filter", "zone=a"][..],
            &["awsdash", "--start", "2026-13-01", "--end", "2026-12-01"],
            &["awsdash", "--start", "2026-11-01"],
            &[
                "awsdash",
                "--days",
                "7",
                "--start",
                "2026-11-01",
                "--end",
                "2026-11-02",
            ],
        ] {
            let err = Cli::try_parse_from(argv).expect_err("refused");
            assert_eq!(err.exit_code(), 2, "{argv:?}");
        }
    }
}
