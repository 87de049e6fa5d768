//! A private HOME (config, cache, logs) for runs of the real binary against the emulator.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use awsdash::model::Window;

use super::Emulator;

/// A private HOME for runs of the real binary; `run` points it at the emulator with static keys.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("temp home"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn cache_dir(&self) -> std::path::PathBuf {
        self.path().join("cache/awsdash")
    }

    /// Writes `~/.aws/config` and `~/.aws/credentials` with one profile of static keys.
    pub fn with_profile(self, name: &str, access_key: &str) -> Home {
        let aws = self.path().join(".aws");
        std::fs::create_dir_all(&aws).expect("mkdir .aws");
        std::fs::write(
            aws.join("config"),
            format!("[profile {name}]\nregion = eu-west-1\n"),
        )
        .expect("config");
        std::fs::write(
            aws.join("credentials"),
            format!(
                "[{name}]\naws_access_key_id = {access_key}\naws_secret_access_key = profile-secret\n"
            ),
        )
        .expect("credentials");
        self
    }

    /// `awsdash ARGS --endpoint-url URL` with the emulator's static keys, to run or spawn.
    pub fn command(&self, url: &str, args: &[&str]) -> Command {
        let mut cmd = super::process::awsdash(self.path());
        cmd.args(args)
            .args(["--endpoint-url", url])
            .env("AWS_ACCESS_KEY_ID", super::TEST_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", super::TEST_SECRET_KEY)
            .env("AWS_REGION", "eu-west-1")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        cmd
    }

    pub fn run(&self, emu: &Emulator, args: &[&str]) -> Output {
        self.command(&emu.url(), args)
            .output()
            .expect("awsdash runs")
    }

    /// Writes a config file in this home and returns its path, for `--config`.
    pub fn config(&self, toml: &str) -> String {
        let path = self.path().join("awsdash.toml");
        std::fs::write(&path, toml).expect("write config");
        path.to_str().expect("utf-8 path").to_string()
    }

    pub fn snapshot(&self, emu: &Emulator, args: &[&str]) -> Value {
        let mut all = vec!["snapshot", "--json"];
        all.extend_from_slice(args);
        let out = self.run(emu, &all);
        assert!(
            out.status.success(),
            "awsdash {all:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("one JSON document")
    }
}

/// `--start S --end E` for `window`: the binary then answers exactly the days the test
/// computed, even if the UTC date turns while the test runs.
pub fn window_args(window: Window) -> Vec<String> {
    vec![
        "--start".into(),
        window.start.to_string(),
        "--end".into(),
        window.end.to_string(),
    ]
}
