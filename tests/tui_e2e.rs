//! End to end: the real binary with `--demo` in a detached tmux session (80×24). Start, wait
//! for the dashboard, filter by a region from the keyboard, see the total change, quit, and
//! find the shell's normal screen again; suspend and resume it; end it with signals. Needs
//! tmux (apt-get install tmux).
//!
//! The pane's terminal is read from outside: tmux's pane flags (`alternate_on`, `cursor_flag`,
//! `mouse_any_flag`) and `stty -F` on the pane's tty for raw or cooked mode.

mod support;

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_awsdash");

/// Tests run in parallel in one process: each tmux server gets its own socket.
static SESSIONS: AtomicUsize = AtomicUsize::new(0);

struct Tmux {
    socket: String,
    home: tempfile::TempDir,
    /// awsdash processes seen, killed on drop: one left stopped by a failed test would
    /// outlive the tmux server.
    pids: std::cell::RefCell<Vec<String>>,
    socket_path: String,
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
        Tmux::start_script(width, height, |clean_env, _| {
            format!("{clean_env} {env} {BIN} {args}; echo EXITED:$?; sleep 600")
        })
    }

    /// Starts the pane with the shell command `script(clean_env, home)` makes: `clean_env` is
    /// an `env …` prefix for the binary, `home` the test's home directory.
    fn start_script(width: u16, height: u16, script: impl FnOnce(&str, &str) -> String) -> Tmux {
        match Command::new("tmux").arg("-V").output() {
            Ok(o) if o.status.success() => {}
            _ => panic!(
                "tmux is needed for the end-to-end dashboard test: install it (apt-get install tmux)"
            ),
        }
        let home = tempfile::tempdir().expect("tempdir");
        let h = home.path().display().to_string();
        let socket = format!(
            "awsdash-e2e-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        // A clean environment: no user config, cache or log is read or written. Words after
        // it (e.g. TERM=dumb) still go to `env`, so they win.
        let clean_env = format!(
            "env -u AWSDASH_CONFIG -u NO_COLOR HOME={h} XDG_CONFIG_HOME={h}/config \
             XDG_CACHE_HOME={h}/cache XDG_DATA_HOME={h}/data XDG_STATE_HOME={h}/state \
             TERM=xterm-256color"
        );
        let script = script(&clean_env, &h);
        let mut t = Tmux {
            socket,
            home,
            pids: Default::default(),
            socket_path: Default::default(),
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
        t.socket_path = t.format("#{socket_path}");
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

    /// Several keys in one `send-keys`, which tmux writes to the pane at once.
    fn keys_together(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        let out = self.tmux(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {out:?}");
    }

    fn type_text(&self, text: &str) {
        let out = self.tmux(&["send-keys", "-t", "e2e", "-l", text]);
        assert!(out.status.success(), "send-keys -l {text}: {out:?}");
    }

    /// Polls the pane until `ok` holds; panics with the last screen after 20 s.
    fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        self.until(what, || {
            let screen = self.screen();
            ok(&screen).then_some(screen)
        })
    }

    /// Polls `check` until it gives a value; panics with `what` and the screen after 20 s.
    fn until<T>(&self, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(value) = check() {
                return value;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}; the screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A tmux format of the pane, e.g. `#{alternate_on}`.
    fn format(&self, format: &str) -> String {
        let out = self.tmux(&["display-message", "-p", "-t", "e2e", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The awsdash process: the pane runs `sh -c "env … awsdash …; echo …"`, and `env` execs
    /// awsdash, so it is the shell's only child.
    fn awsdash_pid(&self) -> String {
        let shell = self.format("#{pane_pid}");
        let kids = Command::new("pgrep")
            .args(["-P", &shell])
            .output()
            .expect("pgrep");
        let kids = String::from_utf8_lossy(&kids.stdout).to_string();
        let pid = kids
            .split_whitespace()
            .next()
            .expect("awsdash pid")
            .to_string();
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        assert_eq!(comm.trim(), "awsdash", "pid {pid} is not awsdash");
        self.pids.borrow_mut().push(pid.clone());
        pid
    }

    /// The pane's terminal modes, as `stty -a` words (`-icanon` in raw mode, `icanon` cooked).
    fn stty(&self) -> Vec<String> {
        let out = Command::new("stty")
            .args(["-F", &self.format("#{pane_tty}"), "-a"])
            .output()
            .expect("stty");
        assert!(out.status.success(), "stty: {out:?}");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    /// The pane's terminal is the dashboard's: raw, alternate screen, cursor hidden.
    fn assert_dashboard_owns_the_terminal(&self) {
        self.until("raw mode", || {
            let modes = self.stty();
            let raw = ["-icanon", "-echo", "-isig"]
                .iter()
                .all(|m| modes.iter().any(|w| w == m));
            raw.then_some(())
        });
        self.until("the alternate screen, cursor hidden", || {
            (self.format("#{alternate_on} #{cursor_flag}") == "1 0").then_some(())
        });
    }

    /// The pane's terminal is the shell's again: cooked with echo, the normal screen, the
    /// cursor shown, no mouse reporting.
    fn assert_terminal_restored(&self) {
        self.until("cooked mode", || {
            let modes = self.stty();
            let cooked = ["icanon", "echo", "isig"]
                .iter()
                .all(|m| modes.iter().any(|w| w == m));
            cooked.then_some(())
        });
        self.until("the normal screen, cursor shown, no mouse", || {
            (self.format("#{alternate_on} #{cursor_flag} #{mouse_any_flag}") == "0 1 0")
                .then_some(())
        });
        let screen = self.screen();
        assert!(
            !screen.contains("Services"),
            "the dashboard is still on screen:\n{screen}"
        );
    }
}

/// Sends `signal` (e.g. `TERM`) to `pid`.
fn kill(signal: &str, pid: &str) {
    let out = Command::new("kill")
        .args([&format!("-{signal}"), pid])
        .output()
        .expect("kill");
    assert!(out.status.success(), "kill -{signal} {pid}: {out:?}");
}

/// The process state letter from `/proc/<pid>/stat`: `T` when stopped.
fn state(pid: &str) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // "pid (comm) S …": the command may hold spaces and parentheses; the state follows the last ')'.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next())
        .unwrap_or('?')
}

/// A config file turning mouse capture on, so suspending must also turn it off.
fn mouse_config() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[ui]\nmouse = true\n").expect("write config");
    let path = path.display().to_string();
    (dir, path)
}

fn dashboard(screen: &str) -> bool {
    screen.contains("DEMO") && screen.contains("Total $") && screen.contains("Services")
}

/// Stopped, the terminal handed back; continued, taken again, redrawn and raw (`?` opens
/// the help without Enter), then `q` quits with 0.
fn assert_stops_then_resumes(t: &Tmux, pid: &str) {
    t.until("the process stopped", || (state(pid) == 'T').then_some(()));
    t.assert_terminal_restored();

    kill("CONT", pid);
    t.until("the process running", || (state(pid) != 'T').then_some(()));
    t.wait("the dashboard redrawn", dashboard);
    t.assert_dashboard_owns_the_terminal();
    t.until("mouse capture back on", || {
        (t.format("#{mouse_any_flag}") == "1").then_some(())
    });
    t.keys(&["?"]);
    t.wait("the help, without Enter", |s| s.contains("Help ("));
    t.keys(&["q"]);
    let screen = t.wait("the shell", |s| s.contains("EXITED:"));
    assert!(screen.contains("EXITED:0"), "{screen}");
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
        // tmux leaves the socket file behind, and each test run makes new ones.
        let _ = std::fs::remove_file(&self.socket_path);
        for pid in self.pids.borrow().iter() {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "awsdash" {
                let _ = Command::new("kill").args(["-KILL", pid]).output();
            }
        }
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

/// The real binary's demo poller answers a view's first opening (its `Want`): each view
/// fills in from "fetching…" under the filter picked on the overview.
#[test]
fn demo_views_switch_with_number_keys_and_keep_the_filter() {
    let t = Tmux::start(80, 24, "--demo");
    t.wait("the dashboard", |s| {
        s.contains("DEMO") && s.contains("Total $")
    });
    t.keys(&["f"]);
    t.wait("the filter picker", |s| s.contains("Filter by"));
    t.keys(&["Enter"]);
    t.wait("the region list", |s| s.contains("Filter: region"));
    t.type_text("eu-west");
    t.wait("the search", |s| s.contains("Search: eu-west"));
    t.keys(&["Enter"]);
    t.wait("the filtered totals", |s| {
        s.contains("Filters: region=eu-west-1") && !s.contains("updating")
    });
    t.keys(&["2"]);
    t.wait("the tags view", |s| {
        s.contains("Untagged $") && s.contains("Filters: region=eu-west-1")
    });
    t.keys(&["6"]);
    t.wait("the savings view", |s| {
        s.contains("/month") && s.contains("Monthly")
    });
    t.keys(&["Enter"]);
    t.wait("a recommendation in full", |s| s.contains("Esc: back"));
    t.keys(&["Escape"]);
    t.wait("the list again", |s| s.contains("Monthly"));
    t.keys(&["1"]);
    t.wait("the overview", |s| {
        s.contains("Services") && s.contains("Filters: region=eu-west-1")
    });
    t.keys(&["q"]);
    let screen = t.wait("the shell", |s| s.contains("EXITED:"));
    assert!(screen.contains("EXITED:0"), "{screen}");
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

/// `signal` ends the dashboard with the terminal restored and exit code 128 + its number, as
/// a shell reports a process the signal killed, so wrappers can tell.
fn ends_with(signal: &str, code: u8) {
    let t = Tmux::start(100, 30, "--demo");
    t.wait("the dashboard", dashboard);
    kill(signal, &t.awsdash_pid());
    let screen = t.wait("the shell", |s| s.contains("EXITED:"));
    assert!(screen.contains(&format!("EXITED:{code}")), "{screen}");
    t.assert_terminal_restored();
}

#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    ends_with("TERM", 143);
}

#[test]
fn sigint_restores_the_terminal_and_exits_130() {
    ends_with("INT", 130);
}

#[test]
fn sighup_restores_the_terminal_and_exits_129() {
    ends_with("HUP", 129);
}

#[test]
fn sigquit_restores_the_terminal_and_exits_131() {
    ends_with("QUIT", 131);
}

/// The terminal going away (the SSH connection drops, the window is closed): the kernel
/// hangs up the pane's shell, which dies of it, and the foreground process group gets SIGHUP
/// and SIGCONT together. Exit code 129 and no panic, though stderr is the dead terminal too.
/// An inner shell that ignores SIGHUP outlives the hangup to write down the exit code.
#[test]
fn a_hangup_exits_129_without_a_panic() {
    let t = Tmux::start_script(80, 24, |clean_env, home| {
        // `; true`: the outer shell must not exec the inner one, it is the one hung up.
        format!(
            "sh -c 'trap \"\" HUP; {clean_env} {BIN} --demo; echo EXITED:$? > {home}/exit'; true"
        )
    });
    t.wait("the dashboard", dashboard);
    let home = t.home.path().to_path_buf();
    let out = t.tmux(&["kill-server"]);
    assert!(out.status.success(), "tmux kill-server: {out:?}");
    let exit = t.until("the exit code", || {
        std::fs::read_to_string(home.join("exit"))
            .ok()
            .filter(|s| s.ends_with('\n'))
    });
    assert_eq!(exit.trim(), "EXITED:129");
    let log = std::fs::read_to_string(home.join("data/awsdash/awsdash.log")).expect("the log");
    assert!(log.contains("SIGHUP"), "{log}");
    assert!(!log.contains("panic"), "{log}");
}

#[test]
fn ctrl_z_hands_the_terminal_back_and_stops_until_continued() {
    let (_dir, config) = mouse_config();
    let t = Tmux::start(80, 24, &format!("--demo --config {config}"));
    t.wait("the dashboard", dashboard);
    let pid = t.awsdash_pid();
    t.assert_dashboard_owns_the_terminal();
    t.keys(&["C-z"]);
    assert_stops_then_resumes(&t, &pid);
}

#[test]
fn sigtstp_from_outside_suspends_like_ctrl_z() {
    let (_dir, config) = mouse_config();
    let t = Tmux::start(80, 24, &format!("--demo --config {config}"));
    t.wait("the dashboard", dashboard);
    let pid = t.awsdash_pid();
    kill("TSTP", &pid);
    assert_stops_then_resumes(&t, &pid);
}

/// SIGSTOP cannot be caught: the dashboard learns of it only from the SIGCONT that ends it.
/// Meanwhile a job-control shell puts the terminal in cooked mode and draws its prompt;
/// that is simulated here with `stty sane` and a cleared screen.
#[test]
fn sigcont_after_a_sigstop_takes_the_terminal_again_and_redraws() {
    let t = Tmux::start(80, 24, "--demo");
    t.wait("the dashboard", dashboard);
    let pid = t.awsdash_pid();
    kill("STOP", &pid);
    t.until("the process stopped", || (state(&pid) == 'T').then_some(()));
    let tty = t.format("#{pane_tty}");
    let out = Command::new("stty")
        .args(["-F", &tty, "sane"])
        .output()
        .expect("stty");
    assert!(out.status.success(), "stty sane: {out:?}");
    std::fs::write(&tty, "\x1b[H\x1b[2J$ ").expect("write to the pane's tty");
    t.wait("the screen cleared", |s| !s.contains("Services"));

    kill("CONT", &pid);
    t.wait("the dashboard redrawn", dashboard);
    t.assert_dashboard_owns_the_terminal();
    t.keys(&["?"]);
    t.wait("the help, without Enter", |s| s.contains("Help ("));
    t.keys(&["q"]);
    let screen = t.wait("the shell", |s| s.contains("EXITED:"));
    assert!(screen.contains("EXITED:0"), "{screen}");
}

/// SGR parameters that set a colour (foreground, background, 256 or RGB), in `text` with
/// escapes (`capture-pane -e`).
fn colours(text: &str) -> Vec<String> {
    text.split("\x1b[")
        .skip(1)
        .filter_map(|seq| seq.split_once('m').map(|(params, _)| params))
        .filter(|params| {
            params
                .split(';')
                .any(|p| matches!(p.parse::<u8>(), Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)))
        })
        .map(str::to_string)
        .collect()
}

/// `TERM=dumb`: a terminal that promises nothing gets ASCII and no colour, bold and reverse
/// still marking what matters. Ctrl-C, a key in raw mode, is a normal quit.
#[test]
fn term_dumb_gets_ascii_without_colour() {
    let t = Tmux::start_with(80, 24, "TERM=dumb", "--demo");
    let screen = t.wait("the dashboard", dashboard);
    assert!(screen.is_ascii(), "not ASCII:\n{screen}");
    let out = t.tmux(&["capture-pane", "-p", "-e", "-t", "e2e"]);
    let styled = String::from_utf8_lossy(&out.stdout);
    assert!(colours(&styled).is_empty(), "{:?}", colours(&styled));
    assert!(
        styled.contains("\x1b[1m") || styled.contains(";1m"),
        "bold is kept: {styled:?}"
    );

    t.keys(&["C-c"]);
    let screen = t.wait("the shell", |s| s.contains("EXITED:"));
    assert!(screen.contains("EXITED:0"), "{screen}");
}

/// A quick Esc Esc reaches the dashboard in one read, which crossterm makes one Esc: it must
/// close the picker from the value list as from the dimension list.
#[test]
fn esc_esc_in_one_write_closes_the_filter_picker_from_either_stage() {
    let t = Tmux::start(80, 24, "--demo");
    t.wait("the dashboard", dashboard);
    let closed = |s: &str| dashboard(s) && !s.contains("Filter by") && !s.contains("Filter: ");
    for stage in [&[][..], &["Enter"]] {
        t.keys(&["f"]);
        t.wait("the filter picker", |s| s.contains("Filter by"));
        if !stage.is_empty() {
            t.keys(stage);
            t.wait("the region list", |s| s.contains("Filter: region"));
        }
        // One send-keys, both keys: one write to the pane.
        t.keys_together(&["Escape", "Escape"]);
        t.wait("the picker closed", closed);
    }
    t.keys(&["q"]);
    let screen = t.wait("the shell", |s| s.contains("EXITED:"));
    assert!(screen.contains("EXITED:0"), "{screen}");
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

/// A config file (outside the pane's home) with one signed webhook sink posting to `url`.
fn webhook_config(url: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[alerts]\n[[alerts.sink]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{url}\"\n\
             secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n"
        ),
    )
    .expect("write config");
    (dir, path.display().to_string())
}

/// The `"id"` of every alert the receiver was sent, in order.
fn delivered_alert_ids(hook: &support::receiver::Receiver) -> Vec<String> {
    hook.requests()
        .iter()
        .map(|r| r.json()["data"]["id"].as_str().unwrap_or("?").to_string())
        .collect()
}

#[test]
fn aws_dashboard_shows_the_spike_explained_and_delivers_each_alert_once() {
    use support::fixture::{demo_items, fetch_range, fixture, last_days};
    use support::receiver::{Receiver, Reply};
    let emu = support::Emulator::start();
    emu.seed(&fixture(
        &demo_items(fetch_range(last_days(30)), None),
        5_000,
    ));
    let hook = Receiver::start([], Reply::ok());
    let (_dir, config) = webhook_config(&hook.url("/hook"));
    let env = format!(
        "AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_REGION=eu-west-1 \
         AWS_EC2_METADATA_DISABLED=true",
        support::TEST_ACCESS_KEY,
        support::TEST_SECRET_KEY
    );
    let t = Tmux::start_with(
        100,
        30,
        &env,
        &format!("--endpoint-url {} --config {config}", emu.url()),
    );
    let screen = t.wait("the alert count in the header", |s| {
        s.contains("Total $") && s.contains("[a]")
    });
    assert!(screen.contains("◆"), "the spike is marked:\n{screen}");

    t.keys(&["a"]);
    let screen = t.wait("the alerts list", |s| s.contains("Alerts and anomalies"));
    assert!(
        screen.contains("Unusual spend: AWS Lambda") && screen.contains("expected about"),
        "the anomaly is listed with its explanation:\n{screen}"
    );
    assert!(!screen.contains("Demo data"), "{screen}");

    let ids = t.until("the webhook deliveries", || {
        let ids = delivered_alert_ids(&hook);
        ids.iter()
            .any(|id| id.contains("AWS Lambda"))
            .then_some(ids)
    });
    // `r` polls again (free sources): the same alerts are not announced twice.
    t.keys(&["Esc", "r"]);
    t.wait("the refreshed dashboard", |s| !s.contains("updating"));
    std::thread::sleep(Duration::from_secs(2));
    let again = delivered_alert_ids(&hook);
    assert_eq!(
        again, ids,
        "every alert once, nothing repeated after a refresh"
    );
    let mut unique = again.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), again.len(), "{again:?}");

    t.keys(&["q"]);
    let screen = t.wait("the shell", |s| s.contains("EXITED:"));
    assert!(screen.contains("EXITED:0"), "{screen}");
}

#[test]
fn the_demo_dashboard_shows_alerts_but_never_delivers_them() {
    use support::receiver::{Receiver, Reply};
    let hook = Receiver::start([], Reply::ok());
    let (_dir, config) = webhook_config(&hook.url("/hook"));
    let t = Tmux::start(100, 30, &format!("--demo --config {config}"));
    t.wait("the demo's alert count", |s| {
        s.contains("DEMO") && s.contains("[a]")
    });
    t.keys(&["a"]);
    t.wait("the alerts list", |s| {
        s.contains("Demo data: alerts are shown, never delivered")
    });
    std::thread::sleep(Duration::from_secs(2));
    assert!(hook.requests().is_empty(), "demo data reached a sink");
    t.keys(&["q"]);
    let screen = t.wait("the shell", |s| s.contains("EXITED:"));
    assert!(screen.contains("EXITED:0"), "{screen}");
}
