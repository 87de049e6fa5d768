//! Logging to a file (never to stdout, which carries data) and the crash report.
//!
//! The log is private (file 0600, directory 0700): it holds account ids, spending and AWS's
//! error texts. And it never holds a credential: at `trace` level the AWS SDK logs request
//! headers, so every line passes through [`redact`] before it is written — access key ids
//! (`AKIA…`, `ASIA…`, and whatever follows `Credential=`), signatures and session tokens are
//! masked, as are the exact key id, secret and token found in the environment.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Where the level came from, to name it when it is wrong.
pub enum LevelOrigin {
    Flag,
    Env,
}

/// Checks a log level or filter (`info`, `awsdash=debug,aws_config=trace`): a typo is a usage
/// error like any other, not a silent fallback to `info`.
pub fn check_level(level: &str, origin: LevelOrigin) -> Result<EnvFilter, String> {
    EnvFilter::try_new(level).map_err(|e| {
        let name = match origin {
            LevelOrigin::Flag => "--log-level",
            LevelOrigin::Env => "AWSDASH_LOG",
        };
        format!(
            "{name} {level:?} is not a log level or filter ({e}): use error, warn, info, debug or trace, or a filter such as awsdash=debug"
        )
    })
}

/// Starts file logging with `filter`. Returns the guard that flushes the log on drop, or
/// `None` (with a warning on stderr) when the log file cannot be opened: logging must never
/// stop the dashboard.
pub fn init(log_file: &Path, filter: EnvFilter) -> Option<WorkerGuard> {
    let file = match open_private(log_file) {
        Ok(file) => file,
        Err(e) => {
            eprintln!(
                "awsdash: not logging: cannot open {}: {e}",
                log_file.display()
            );
            return None;
        }
    };
    let (writer, guard) = tracing_appender::non_blocking(file);
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Redacting {
            inner: writer,
            secrets: secrets_from_env(),
        })
        .with_ansi(false)
        .try_init();
    installed.ok().map(|_| guard)
}

/// Opens the log for appending, creating its directory 0700 and the file 0600 — and tightening
/// a file an older version left readable by others.
fn open_private(path: &Path) -> io::Result<fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::cache::create_private_dir(dir)?;
    }
    let mut options = fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        if file.metadata()?.permissions().mode() & 0o077 != 0 {
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

/// The credentials in the environment, masked wherever they appear, whatever their shape.
fn secrets_from_env() -> Vec<String> {
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ]
    .iter()
    .filter_map(|name| std::env::var(name).ok())
    .filter(|v| v.len() >= 4)
    .collect()
}

/// A log writer that masks credentials in each formatted event before it is written.
struct Redacting {
    inner: NonBlocking,
    secrets: Vec<String>,
}

impl<'a> MakeWriter<'a> for Redacting {
    type Writer = RedactingWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            inner: self.inner.make_writer(),
            secrets: &self.secrets,
        }
    }
}

struct RedactingWriter<'a> {
    inner: NonBlocking,
    secrets: &'a [String],
}

impl Write for RedactingWriter<'_> {
    /// The formatter writes each event in one call, so a secret is never split across two.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let mut clean = redact(&text);
        for secret in self.secrets {
            clean = clean.replace(secret.as_str(), "****");
        }
        self.inner.write_all(clean.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Masks what the SDK's request logging can show of a credential: the key id after
/// `Credential=`, the hex `Signature=`, the value of an `x-amz-security-token` header or
/// parameter, and anything shaped like an access key id.
pub fn redact(text: &str) -> String {
    let mut out = crate::source::aws::error::redact(text);
    for (marker, stop) in [
        ("Credential=", &['/', ',', ' ', '"', '\n'][..]),
        ("Signature=", &[',', ' ', '"', '&', '\n'][..]),
        ("x-amz-security-token: ", &[' ', '"', '\n', '\r'][..]),
        ("x-amz-security-token\": \"", &['"'][..]),
        ("X-Amz-Security-Token=", &['&', ' ', '"', '\n'][..]),
    ] {
        out = mask_after(&out, marker, stop);
    }
    out
}

/// Replaces what follows each `marker` up to the first of `stop` with `****`.
fn mask_after(text: &str, marker: &str, stop: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let lower = |s: &str| s.to_ascii_lowercase();
    while let Some(at) = lower(rest).find(&lower(marker)) {
        let value_start = at + marker.len();
        out.push_str(&rest[..value_start]);
        let tail = &rest[value_start..];
        let end = tail.find(stop).unwrap_or(tail.len());
        if end > 0 {
            out.push_str("****");
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Installs the panic hook: restore the terminal first (a panic inside the dashboard must
/// not leave raw mode and the alternate screen behind), log the panic, print color-eyre's
/// report with the log file's path, then end the process with 101.
///
/// Ending it here makes a panic anywhere fatal: tokio catches a task's panic (the poller's,
/// say), and the dashboard ran on with the report printed over it, frozen numbers, and exit
/// code 0 at the end. `process::exit` skips destructors, which is fine: the terminal is
/// restored already; the log line is handed to the log's writer thread before the report is
/// printed, though the final write is not waited for.
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
        std::process::exit(101);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_sdk_trace_lines_are_masked() {
        let line = r#"headers: {"authorization": "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261201/us-east-1/ce/aws4_request, SignedHeaders=host;x-amz-date, Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0", "x-amz-security-token": "IQoJb3JpZ2luX2VjEXAMPLETOKEN"}"#;
        let clean = redact(line);
        for secret in ["AKIDTEST", "0f1e2d3c4b5a", "IQoJb3JpZ2luX2VjEXAMPLETOKEN"] {
            assert!(!clean.contains(secret), "{secret} in {clean}");
        }
        assert!(clean.contains("Credential=****/20261201"), "{clean}");
        let plain = "access key AKIAIOSFODNN7EXAMPLE and x-amz-security-token: FQoGZXIvYXdz\n";
        let clean = redact(plain);
        assert!(
            !clean.contains("IOSFODNN7EXAMPLE") && !clean.contains("FQoGZXIvYXdz"),
            "{clean}"
        );
        assert_eq!(redact("nothing secret here"), "nothing secret here");
    }

    #[test]
    fn a_bad_level_names_where_it_came_from() {
        let err = check_level("foo[", LevelOrigin::Flag).expect_err("bad");
        assert!(err.starts_with("--log-level \"foo[\""), "{err}");
        assert!(!err.contains("Some("), "{err}");
        let err = check_level("awsdash=loud", LevelOrigin::Env).expect_err("bad");
        assert!(err.starts_with("AWSDASH_LOG"), "{err}");
        assert!(check_level("awsdash=debug,aws_config=trace", LevelOrigin::Flag).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn the_log_is_private_even_when_it_was_not() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("data").join("awsdash.log");
        drop(open_private(&file).expect("open"));
        let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().expect("dir")), 0o700);
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).expect("chmod");
        drop(open_private(&file).expect("open"));
        assert_eq!(mode(&file), 0o600);
    }

    /// Set in the child process the test below starts: there the panic happens.
    const CHILD: &str = "AWSDASH_TEST_PANIC_HOOK_CHILD";

    /// A panic in a background task ends the process with 101, after the terminal was
    /// restored and the report printed: tokio catches a task's panic, and without this the
    /// dashboard ran on with, say, a dead poller. The hook is process-wide and ends the
    /// process, so the test runs its own binary again, just this test, as a child to watch.
    #[test]
    fn a_panic_in_a_background_task_ends_the_process_with_101() {
        if std::env::var_os(CHILD).is_some() {
            install_panic_hook(Path::new("/nonexistent/awsdash.log"));
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .build()
                .expect("runtime");
            let task = runtime
                .block_on(async { tokio::spawn(async { panic!("the poller broke") }).await });
            // Only reached if the panic was not fatal: the child's test passes, exit code 0.
            assert!(task.is_err());
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().expect("the test binary"))
            .args([
                "--exact",
                "logging::tests::a_panic_in_a_background_task_ends_the_process_with_101",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("run the test binary");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(101),
            "stdout:\n{stdout}\nstderr:\n{stderr}"
        );
        // 101 is also what libtest exits with when a test fails: the child must have ended
        // before it could report any result.
        assert!(!stdout.contains("test result"), "{stdout}");
        assert!(stderr.contains("the poller broke"), "{stderr}");
        assert!(stderr.contains("awsdash crashed"), "{stderr}");
        // The terminal was never taken over (as in `awsdash snapshot`): no terminal codes
        // were written into stdout, which carries data. The dashboard's restore on a panic is
        // the e2e tests' business.
        assert!(!stdout.contains('\x1b'), "{stdout:?}");
    }
}
