//! Logging to a file (never to stdout, which carries data) and the crash report.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts file logging at `level` (an `EnvFilter` directive such as `info` or
/// `awsdash=debug`). Returns the guard that flushes the log on drop, or `None` (with a warning
/// on stderr) when the log file cannot be opened: logging must never stop the dashboard.
pub fn init(log_file: &Path, level: Option<&str>) -> Option<WorkerGuard> {
    let filter = match EnvFilter::try_new(level.unwrap_or("info")) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("awsdash: ignoring bad log level {level:?} ({e}); using info");
            EnvFilter::new("info")
        }
    };
    let dir = log_file.parent().unwrap_or(Path::new("."));
    let name = log_file.file_name().unwrap_or("awsdash.log".as_ref());
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("awsdash: not logging: cannot create {}: {e}", dir.display());
        return None;
    }
    let appender = tracing_appender::rolling::never(dir, name);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    installed.ok().map(|_| guard)
}

/// Installs the panic hook: restore the terminal first (a panic inside the dashboard must
/// not leave raw mode and the alternate screen behind), log the panic, then print color-eyre's
/// report with the log file's path.
pub fn install_panic_hook(log_file: &Path) {
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .panic_section(format!(
            "awsdash crashed. Please report this with the log file: {}",
            log_file.display()
        ))
        .into_hooks();
    // Only fails if a hook was installed already (tests); the panic hook still goes in.
    let _ = eyre_hook.install();
    let panic_hook = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        crate::ui::terminal::restore();
        tracing::error!("panic: {info}");
        panic_hook(info);
    }));
}
