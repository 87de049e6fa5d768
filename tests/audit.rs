//! The audit log end to end, against the emulator and a local receiver on 127.0.0.1: paid
//! Cost Explorer requests and alert deliveries each leave one line (private file, parseable,
//! no secret), `awsdash audit` prints and filters them, and with the team store a second
//! machine reads the same history from the table.

mod support;

use std::process::Output;

use serde_json::Value;

use support::Emulator;
use support::fixture::{demo_items, fetch_range, fixture, last_days};
use support::home::{Home, window_args};
use support::receiver::{Receiver, Reply};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN_PATH: &str = "/services/T000/B000/XXXXtokenXXXX";

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(home: &Home, emu: &Emulator, config: &str, args: &[&str]) -> Output {
    let span = window_args(last_days(30));
    let mut all: Vec<&str> = args.to_vec();
    all.extend(span.iter().map(String::as_str));
    all.extend(["--config", config]);
    home.run(emu, &all)
}

fn audit_json(home: &Home, emu: &Emulator, config: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["audit", "--json", "--config", config];
    args.extend_from_slice(extra);
    let out = home.run(emu, &args);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).expect("a JSON array")
}

#[test]
fn paid_calls_and_deliveries_are_audited_privately_without_secrets() {
    let emu = Emulator::start();
    emu.seed(&fixture(
        &demo_items(fetch_range(last_days(30)), None),
        5_000,
    ));
    let slack = Receiver::start([], Reply::ok());
    let hook = Receiver::start([], Reply::ok());
    let home = Home::new();
    let config = home.config(&format!(
        "[alerts]\nanomaly_min_impact = 50\n[[alerts.sink]]\nname = \"ops-slack\"\nkind = \"slack\"\nurl = \"{}\"\n[[alerts.sink]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\n",
        slack.url(TOKEN_PATH),
        hook.url("/hook?token=XXXXtokenXXXX"),
    ));
    let out = run(&home, &emu, &config, &["alerts", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!slack.requests().is_empty(), "the spike was delivered");

    let path = home.path().join("data/awsdash/audit.jsonl");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("audit file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let raw = std::fs::read_to_string(&path).expect("read");
    for line in raw.lines() {
        serde_json::from_str::<Value>(line).expect("each line is JSON");
        assert!(!line.contains("XXXXtokenXXXX"), "a sink URL leaked: {line}");
        assert!(
            !line.contains("MfKQ9r8GKYqr"),
            "the signing secret leaked: {line}"
        );
    }

    let lines = audit_json(&home, &emu, &config, &[]);
    let paid: Vec<&Value> = lines
        .iter()
        .filter(|l| l["action"] == "paid_call")
        .collect();
    assert!(!paid.is_empty(), "{lines:?}");
    let journal_paid = emu.count("ce", None);
    let pages: u64 = paid.iter().filter_map(|l| l["pages"].as_u64()).sum();
    assert_eq!(
        pages as usize, journal_paid,
        "every paid request is in the log"
    );
    for l in &paid {
        let cost: rust_decimal::Decimal =
            l["cost"].as_str().expect("cost").parse().expect("decimal");
        let pages = rust_decimal::Decimal::from(l["pages"].as_u64().expect("pages"));
        assert_eq!(cost, pages * rust_decimal::Decimal::new(1, 2), "{l}");
    }
    let sinks: Vec<&str> = lines
        .iter()
        .filter(|l| l["action"] == "delivery")
        .filter_map(|l| l["sink"].as_str())
        .collect();
    assert!(
        sinks.contains(&"ops-slack") && sinks.contains(&"hook"),
        "{sinks:?}"
    );
    assert!(lines.iter().filter(|l| l["action"] == "delivery").all(|l| {
        l["what"] == "alert"
            && l["result"] == "ok"
            && l["id"].as_str().is_some_and(|s| !s.is_empty())
    }));

    let out = home.run(&emu, &["audit", "--config", &config]);
    let table = text(&out);
    assert!(
        table.contains("paid call") && table.contains("alert delivery"),
        "{table}"
    );
    assert!(!table.contains("XXXXtokenXXXX"));

    let later = audit_json(&home, &emu, &config, &["--since", "2999-01-01"]);
    assert!(
        later.is_empty(),
        "--since leaves out earlier lines: {later:?}"
    );
}

#[test]
fn with_the_team_store_another_machine_reads_the_same_history() {
    let emu = Emulator::start();
    emu.seed(&fixture(
        &demo_items(fetch_range(last_days(30)), None),
        5_000,
    ));
    let store = "[store]\nkind = \"dynamodb\"\ntable = \"awsdash-audit\"\n";
    let a = Home::new();
    let config_a = a.config(store);
    let out = a.run(&emu, &["store", "init", "--config", &config_a]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run(&a, &emu, &config_a, &["snapshot", "--json"]);
    assert!(out.status.success(), "{}", text(&out));

    let b = Home::new();
    let config_b = b.config(store);
    let lines = audit_json(&b, &emu, &config_b, &[]);
    assert!(
        lines.iter().any(|l| l["action"] == "paid_call"),
        "machine b sees machine a's paid calls: {lines:?}"
    );
    assert!(!b.path().join("data/awsdash/audit.jsonl").exists());
}
