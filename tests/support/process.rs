//! Running the real binary in isolation: a private HOME (so no user config, cache or log is
//! touched) and a clean environment — except for what carries a shifted clock, so that a test
//! run under libfaketime (`scripts/test-shifted-clock.sh`) sees its children agree on "today".

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

/// Whether `name` is part of how libfaketime shifts the clock of a process and its children.
fn carries_the_clock(name: &str) -> bool {
    name == "LD_PRELOAD" || name.starts_with("FAKETIME") || name == "DONT_FAKE_MONOTONIC"
}

/// `awsdash` with a clean environment: PATH, the clock variables, and HOME plus the XDG
/// directories under `home`.
pub fn awsdash(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awsdash"));
    isolate(&mut cmd, home);
    cmd
}

/// Clears `cmd`'s environment but for PATH and the clock, and points HOME and the XDG
/// directories at `home`.
pub fn isolate(cmd: &mut Command, home: &Path) {
    let kept: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(k, _)| k.to_str().is_some_and(carries_the_clock) || k == "PATH")
        .collect();
    cmd.env_clear()
        .envs(kept)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"));
}
