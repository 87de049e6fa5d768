//! Test support: starts the Python AWS emulator (`tests/emulator/awsdash_emulator.py`,
//! moto plus a fixture-driven Cost Explorer and a CloudWatch CBOR bridge) on a free
//! loopback port and talks to its control API.
//!
//! Tests that need the emulator FAIL (panic) when it is not installed; they never skip.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use aws_smithy_types::retry::RetryConfig;
use serde_json::Value;

/// Environment variable naming the Python interpreter of the emulator's venv.
pub const PYTHON_ENV: &str = "AWSDASH_EMULATOR_PYTHON";

/// How to install the emulator; part of every "not available" message.
pub const INSTALL_HINT: &str = "Install it with `./scripts/test.sh` (creates .venv-emulator with the pinned moto), \
     or: python3 -m venv .venv-emulator && .venv-emulator/bin/pip install -r tests/emulator/requirements.txt";

/// Access key id and secret of the static test credentials used by [`Emulator::sdk_config`].
pub const TEST_ACCESS_KEY: &str = "AKIDTEST";
pub const TEST_SECRET_KEY: &str = "secret";
/// moto's default account id (what STS GetCallerIdentity answers).
pub const TEST_ACCOUNT_ID: &str = "123456789012";

const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
const CONTROL_TIMEOUT: Duration = Duration::from_secs(15);
const START_ATTEMPTS: usize = 5;

/// The full "not available" message for `reason`.
pub fn unavailable_message(reason: &str) -> String {
    format!("AWS emulator not available ({reason}). {INSTALL_HINT}")
}

/// Finds the emulator's Python interpreter.
///
/// `env_value` is the value of `AWSDASH_EMULATOR_PYTHON` (if set); otherwise
/// `<manifest_dir>/.venv-emulator/bin/python` is used. Errors carry the install hint.
pub fn resolve_python(env_value: Option<&OsStr>, manifest_dir: &Path) -> Result<PathBuf, String> {
    let (path, origin) = match env_value {
        Some(v) if !v.is_empty() => (
            PathBuf::from(v),
            format!("{PYTHON_ENV}={}", Path::new(v).display()),
        ),
        _ => {
            let p = manifest_dir
                .join(".venv-emulator")
                .join("bin")
                .join("python");
            let origin = format!("{} (default; {PYTHON_ENV} is not set)", p.display());
            (p, origin)
        }
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(unavailable_message(&format!(
            "no Python interpreter at {origin}"
        )))
    }
}

/// Path of the emulator script inside the repository.
pub fn emulator_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("emulator")
        .join("awsdash_emulator.py")
}

/// Deletes emulator logs older than a day so target/emulator-logs does not grow forever.
fn prune_old_logs(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(24 * 3600));
        if old && entry.path().extension().is_some_and(|e| e == "log") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn log_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target>/tmp` for integration tests.
    let base = option_env!("CARGO_TARGET_TMPDIR")
        .map(|tmp| {
            Path::new(tmp)
                .parent()
                .unwrap_or(Path::new(tmp))
                .to_path_buf()
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    base.join("emulator-logs")
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 to find a free port");
    listener
        .local_addr()
        .expect("local_addr of the probe listener")
        .port()
}

fn tail(path: &Path, max_bytes: u64) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::from("<no log>");
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(max_bytes)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(CONTROL_TIMEOUT))
        .http_status_as_error(false)
        .proxy(None)
        .build();
    ureq::Agent::new_with_config(config)
}

/// A running emulator process; killed when dropped.
pub struct Emulator {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    log_path: PathBuf,
    agent: ureq::Agent,
}

enum Startup {
    Ready,
    PortTaken,
    Failed(String),
}

impl Emulator {
    /// Starts a fresh emulator. Panics with an actionable message if it cannot start.
    pub fn start() -> Emulator {
        let python = resolve_python(
            std::env::var_os(PYTHON_ENV).as_deref(),
            Path::new(env!("CARGO_MANIFEST_DIR")),
        )
        .unwrap_or_else(|msg| panic!("{msg}"));
        let script = emulator_script();
        let logs = log_dir();
        fs::create_dir_all(&logs)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", logs.display()));
        prune_old_logs(&logs);

        let mut last_failure = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            let log_path = logs.join(format!("{port}.log"));
            let log = File::create(&log_path)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
            let log_out = log.try_clone().expect("clone log file handle");
            let spawned = Command::new(&python)
                .arg(&script)
                .arg("--port")
                .arg(port.to_string())
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .env("PYTHONUNBUFFERED", "1")
                .stdin(Stdio::piped())
                .stdout(Stdio::from(log_out))
                .stderr(Stdio::from(log))
                .spawn();
            let mut child = match spawned {
                Ok(child) => child,
                Err(e) => panic!(
                    "{}",
                    unavailable_message(&format!(
                        "cannot run {} {}: {e}",
                        python.display(),
                        script.display()
                    ))
                ),
            };
            let stdin = child.stdin.take();
            let mut emulator = Emulator {
                child,
                stdin,
                port,
                log_path,
                agent: agent(),
            };
            match emulator.wait_ready() {
                Startup::Ready => return emulator,
                Startup::PortTaken => {
                    last_failure = format!("port {port} was taken");
                    continue;
                }
                Startup::Failed(reason) => {
                    let log_tail = tail(&emulator.log_path, 4000);
                    let log = emulator.log_path.display().to_string();
                    drop(emulator);
                    panic!(
                        "{}\n--- tail of {log} ---\n{log_tail}",
                        unavailable_message(&reason)
                    );
                }
            }
        }
        panic!(
            "{}",
            unavailable_message(&format!(
                "no free port after {START_ATTEMPTS} attempts; last: {last_failure}"
            ))
        );
    }

    fn wait_ready(&mut self) -> Startup {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let health = format!("{}/_awsdash/health", self.url());
        let probe = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_millis(500)))
                .http_status_as_error(false)
                .proxy(None)
                .build(),
        );
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                if tail(&self.log_path, 4000).contains("Address already in use") {
                    return Startup::PortTaken;
                }
                return Startup::Failed(format!("the emulator process exited early with {status}"));
            }
            if let Ok(resp) = probe.get(&health).call()
                && resp.status().as_u16() == 200
            {
                return Startup::Ready;
            }
            if Instant::now() >= deadline {
                return Startup::Failed(format!(
                    "no answer from {health} within {}s",
                    STARTUP_TIMEOUT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where the emulator's stdout/stderr go.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    fn control(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let url = format!("{}/_awsdash/{path}", self.url());
        let result = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            ("PUT", Some(b)) => self.agent.put(&url).send_json(b),
            ("POST", Some(b)) => self.agent.post(&url).send_json(b),
            ("POST", None) => self.agent.post(&url).send_empty(),
            _ => unreachable!("unsupported control call {method} {path}"),
        };
        let mut resp =
            result.unwrap_or_else(|e| panic!("emulator control call {method} {url} failed: {e}"));
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_else(|e| {
            panic!("emulator control call {method} {url}: unreadable body: {e}")
        });
        assert!(
            status == 200,
            "emulator control call {method} {url} answered {status}: {text}"
        );
        serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("emulator control call {method} {url}: bad JSON {e}: {text}")
        })
    }

    /// Replaces the Cost Explorer fixture (see tests/emulator/README.md).
    pub fn seed(&self, fixture: &Value) {
        self.control("PUT", "fixture", Some(fixture));
    }

    /// Summary of the current fixture (`{"items": N, "today": ..., ...}`).
    pub fn fixture_summary(&self) -> Value {
        self.control("GET", "fixture", None)
    }

    /// Every AWS request received so far (control calls are not journalled).
    pub fn journal(&self) -> Vec<Value> {
        match self.control("GET", "journal", None) {
            Value::Array(entries) => entries,
            other => panic!("emulator journal is not a list: {other}"),
        }
    }

    pub fn clear_journal(&self) {
        self.control("DELETE", "journal", None);
    }

    /// Journal entries for `service` (e.g. "ce") and, if given, `operation`.
    pub fn count(&self, service: &str, operation: Option<&str>) -> usize {
        self.journal()
            .iter()
            .filter(|e| e["service"] == service)
            .filter(|e| operation.is_none_or(|op| e["operation"] == op))
            .count()
    }

    /// Adds a fault rule, e.g. `json!({"operation": "GetCostAndUsage", "kind": "throttle", "count": 1})`.
    pub fn fault(&self, rule: Value) {
        self.control("POST", "faults", Some(&rule));
    }

    pub fn clear_faults(&self) {
        self.control("DELETE", "faults", None);
    }

    /// Clears fixture, journal, faults and all moto state.
    pub fn reset(&self) {
        self.control("POST", "reset", None);
    }

    /// SDK config for the emulator: static test credentials, us-east-1, endpoint = [`Self::url`],
    /// standard retries (3 attempts, short backoff). Reads no profile files and never calls IMDS.
    pub async fn sdk_config(&self) -> SdkConfig {
        let credentials = Credentials::new(
            TEST_ACCESS_KEY,
            TEST_SECRET_KEY,
            None,
            None,
            "awsdash-emulator",
        );
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .endpoint_url(self.url())
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(50)),
            )
            .build()
    }
}

impl Emulator {
    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    /// Creates a monthly cost budget in moto (so Budgets has something to say).
    pub fn create_budget(&self, name: &str, limit_usd: &str) {
        use aws_sdk_budgets::types::{Budget, BudgetType, Spend, TimeUnit};
        self.block_on(async {
            let client = aws_sdk_budgets::Client::new(&self.sdk_config().await);
            let budget = Budget::builder()
                .budget_name(name)
                .budget_type(BudgetType::Cost)
                .time_unit(TimeUnit::Monthly)
                .budget_limit(
                    Spend::builder()
                        .amount(limit_usd)
                        .unit("USD")
                        .build()
                        .expect("spend"),
                )
                .build()
                .expect("budget");
            client
                .create_budget()
                .account_id(TEST_ACCOUNT_ID)
                .budget(budget)
                .send()
                .await
                .expect("CreateBudget");
        });
    }

    /// Publishes a month-to-date billing estimate at `at`, as AWS does a few times a day.
    pub fn publish_estimate(&self, at: chrono::DateTime<chrono::Utc>, usd: f64) {
        use aws_sdk_cloudwatch::primitives::DateTime;
        use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
        self.block_on(async {
            let cw = aws_sdk_cloudwatch::Client::new(&self.sdk_config().await);
            cw.put_metric_data()
                .namespace("AWS/Billing")
                .metric_data(
                    MetricDatum::builder()
                        .metric_name("EstimatedCharges")
                        .dimensions(Dimension::builder().name("Currency").value("USD").build())
                        .timestamp(DateTime::from_secs(at.timestamp()))
                        .value(usd)
                        .build(),
                )
                .send()
                .await
                .expect("PutMetricData");
        });
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Closing stdin alone makes the emulator exit; kill as well so Drop never waits long.
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
