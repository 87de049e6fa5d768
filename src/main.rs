use std::process::ExitCode;

use chrono::Utc;
use clap::{CommandFactory, FromArgMatches};

use awsdash::cli::{Cli, Command};
use awsdash::commands;
use awsdash::config::Paths;
use awsdash::error::AppError;
use awsdash::logging;
use awsdash::settings::Settings;

fn main() -> ExitCode {
    awsdash::STARTED.get_or_init(std::time::Instant::now);
    // Before any thread exists (logging starts one).
    awsdash::settings::forget_empty_aws_variables();
    let paths = Paths::platform();
    // `--version` also says where the files are, so users can find config and logs.
    let long_version = format!(
        "{}\nconfig: {}\nlog:    {}\ncache:  {}",
        env!("CARGO_PKG_VERSION"),
        paths.config_file.display(),
        paths.log_file().display(),
        paths.cache_dir.display()
    );
    let matches = Cli::command().long_version(long_version).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };

    let origin = match matches.value_source("log_level") {
        Some(clap::parser::ValueSource::EnvVariable) => logging::LevelOrigin::Env,
        _ => logging::LevelOrigin::Flag,
    };
    let filter =
        match logging::check_level(cli.common.log_level.as_deref().unwrap_or("info"), origin) {
            Ok(filter) => filter,
            Err(message) => {
                let e = AppError::Usage(message);
                eprintln!("awsdash: {}", awsdash::text::clean_lines(&e.to_string()));
                return e.exit_code();
            }
        };
    let _log_guard = logging::init(&paths.log_file(), filter);
    logging::install_panic_hook(&paths.log_file());

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("awsdash: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, paths)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.needs_saying() {
                tracing::error!("{e}");
                // Not eprintln!: after a hangup (SIGHUP) stderr is a dead terminal, and a
                // failed write must not turn exit code 129 into a panic.
                use std::io::Write as _;
                let text = awsdash::text::clean_lines(&e.to_string()).into_owned();
                let _ = writeln!(std::io::stderr(), "awsdash: {text}");
            }
            e.exit_code()
        }
    }
}

async fn run(cli: Cli, paths: Paths) -> Result<(), AppError> {
    let settings = Settings::load(&cli.common, paths, Utc::now().date_naive())?;
    tracing::info!(demo = settings.demo, window = %settings.query.window, "starting");
    match &cli.command {
        Some(Command::Snapshot(args)) => commands::snapshot::run(&settings, args).await,
        Some(Command::Report(args)) => commands::report::run(&settings, args).await,
        Some(Command::Doctor) => commands::doctor::run(&settings).await,
        Some(Command::Alerts(args)) => commands::alerts::run(&settings, args).await,
        Some(Command::Store(args)) => commands::store::run(&settings, args).await,
        Some(Command::Collect(args)) => commands::collect::run(settings, &cli.common, args).await,
        Some(Command::Audit(args)) => commands::audit::run(&settings, args, Utc::now()).await,
        Some(Command::Budget(args)) => commands::budget::run(&settings, args, Utc::now()).await,
        None => commands::dashboard::run(&settings).await,
    }
}
