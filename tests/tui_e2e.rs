//! End to end: the real binary with `--demo` in a detached tmux session (80×24). Start, wait
//! for the dashboard, filter by a region from the keyboard, see the total change, quit, and
//! find the shell's normal screen again. Needs tmux (apt-get install tmux).

mod support;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    _home: tempfile::TempDir,
}

impl Tmux {
    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn start(width: u16, height: u16, args: &str) -> Tmux {
        Tmux::start_with(width, height, "", args)
    }

    /// Like [`Tmux::start`], with extra `NAME=value` environment words before the binary.
    fn start_with(width: u16, height: u16, env: &str, args: &str) -> Tmux {
        match Command::new("tmux").arg("-V").output() {
            Ok(o) if o.status.success() => {}
            _ => panic!(
                "tmux is needed for the end-to-end dashboard test: install it (apt-get install tmux)"
            ),
        }
        let home = tempfile::tempdir().expect("tempdir");
        let h = home.path().display().to_string();
        let socket = format!("awsdash-e2e-{}-{}-{}", std::process::id(), width, height);
        let bin = env!("CARGO_BIN_EXE_awsdash");
        // A clean environment: no user config, cache or log is read or written.
        let script = format!(
            "env -u AWSDASH_CONFIG -u NO_COLOR HOME={h} XDG_CONFIG_HOME={h}/config \
             XDG_CACHE_HOME={h}/cache XDG_DATA_HOME={h}/data XDG_STATE_HOME={h}/state \
             TERM=xterm-256color {env} {bin} {args}; echo EXITED:$?; sleep 600"
        );
        let t = Tmux {
            socket,
            _home: home,
        };
        let out = t.tmux(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &script,
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
        t
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "e2e"]).stdout)
            .into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let out = self.tmux(&["send-keys", "-t", "e2e", k]);
            assert!(out.status.success(), "send-keys {k}: {out:?}");
        }
    }

    fn type_text(&self, text: &str) {
        let out = self.tmux(&["send-keys", "-t", "e2e", "-l", text]);
        assert!(out.status.success(), "send-keys -l {text}: {out:?}");
    }

    /// Polls the pane until `ok` holds; panics with the last screen after `timeout`.
    fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// "Total $30,064.50" → "$30,064.50".
fn total(screen: &str) -> String {
    let at = screen.find("Total ").expect("a total in the header");
    screen[at + 6..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn demo_dashboard_filters_by_region_and_quits_cleanly_in_80x24() {
    let t = Tmux::start(80, 24, "--demo");
    let screen = t.wait("the dashboard", |s| {
        s.contains("DEMO") && s.contains("Total $")
    });
    assert!(screen.contains("Services"), "{screen}");
    assert!(screen.contains("Budgets"), "{screen}");
    let before = total(&screen);

    t.keys(&["f"]);
    t.wait("the filter picker", |s| s.contains("Filter by"));
    t.keys(&["Enter"]);
    t.wait("the region list", |s| s.contains("Filter: region"));
    t.type_text("eu-west");
    t.wait("the search", |s| s.contains("Search: eu-west"));
    t.keys(&["Enter"]);
    let screen = t.wait("the filtered totals", |s| {
        s.contains("Filters: region=eu-west-1") && !s.contains("updating")
    });
    let after = total(&screen);
    assert_ne!(before, after, "the total did not change:\n{screen}");

    t.keys(&["c"]);
    let screen = t.wait("the filter cleared", |s| s.contains("Filters: none"));
    assert_eq!(total(&screen), before);

    t.keys(&["q"]);
    let screen = t.wait("the shell", |s| s.contains("EXITED:"));
    assert!(screen.contains("EXITED:0"), "{screen}");
    assert!(
        !screen.contains("Services"),
        "the dashboard is still on screen:\n{screen}"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    let t = Tmux::start(100, 30, "--demo");
    t.wait("the dashboard", |s| {
        s.contains("DEMO") && s.contains("Total $")
    });
    let pid = t.tmux(&["list-panes", "-t", "e2e", "-F", "#{pane_pid}"]);
    let shell = String::from_utf8_lossy(&pid.stdout).trim().to_string();
    // The pane runs `env … awsdash` under sh: signal sh's child.
    let kids = Command::new("pgrep")
        .args(["-P", &shell])
        .output()
        .expect("pgrep");
    let kids = String::from_utf8_lossy(&kids.stdout).to_string();
    let child = kids
        .split_whitespace()
        .next()
        .expect("awsdash pid")
        .to_string();
    let out = Command::new("kill")
        .args(["-TERM", &child])
        .output()
        .expect("kill");
    assert!(out.status.success(), "{out:?}");
    let screen = t.wait("the shell", |s| s.contains("EXITED:"));
    assert!(screen.contains("EXITED:0"), "{screen}");
    assert!(!screen.contains("Services"), "{screen}");
}

#[test]
fn not_a_terminal_is_a_clear_usage_error() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_awsdash"))
        .arg("--demo")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env_remove("AWSDASH_CONFIG")
        .output()
        .expect("run awsdash");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("awsdash snapshot"), "{err}");
}

#[test]
fn aws_dashboard_against_the_emulator_filters_a_region_for_free() {
    use support::fixture::{demo_items, fetch_range, fixture, last_days};
    let emu = support::Emulator::start();
    emu.seed(&fixture(
        &demo_items(fetch_range(last_days(30)), None),
        5_000,
    ));
    let env = format!(
        "AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_REGION=eu-west-1 \
         AWS_EC2_METADATA_DISABLED=true",
        support::TEST_ACCESS_KEY,
        support::TEST_SECRET_KEY
    );
    let t = Tmux::start_with(80, 24, &env, &format!("--endpoint-url {}", emu.url()));
    let screen = t.wait("the AWS dashboard", |s| {
        s.contains("123456789012") && s.contains("Total $") && s.contains("Budgets")
    });
    assert!(!screen.contains("DEMO"), "{screen}");
    let before = total(&screen);
    let paid_queries = emu.count("ce", Some("GetCostAndUsage"));
    assert!(paid_queries >= 1);

    t.keys(&["f"]);
    t.wait("the filter picker", |s| s.contains("Filter by"));
    t.keys(&["Enter"]);
    t.wait("the region list", |s| s.contains("Filter: region"));
    t.type_text("eu-west");
    t.wait("the search", |s| s.contains("Search: eu-west"));
    t.keys(&["Enter"]);
    let screen = t.wait("the filtered totals", |s| {
        s.contains("Filters: region=eu-west-1") && !s.contains("updating")
    });
    assert_ne!(
        total(&screen),
        before,
        "the total did not change:\n{screen}"
    );
    assert_eq!(
        emu.count("ce", Some("GetCostAndUsage")),
        paid_queries,
        "a region filter is cut from the cached cube, not fetched"
    );

    t.keys(&["q"]);
    let screen = t.wait("the shell", |s| s.contains("EXITED:"));
    assert!(screen.contains("EXITED:0"), "{screen}");
    assert!(!screen.contains("Services"), "{screen}");
}
