//! The dashboard's budget edit below the keyboard: `Command::EditBudget` sent to the real
//! poller tasks. Against the emulator the AWS poller changes the limit, reads it back, writes
//! the audit line and sends a snapshot with the new limit before it says so; without
//! `allow_writes` it sends nothing; a denied write names the missing permission. The demo
//! poller only simulates, and says so.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use serde_json::{Value, json};

use awsdash::audit::AuditLog;
use awsdash::cache::DiskCache;
use awsdash::config::{AlertsConfig, Metric};
use awsdash::meter::Meter;
use awsdash::model::{FilterSet, Money, Query, Snapshot};
use awsdash::poller::{AwsPoller, Command, PollerHandle, Severity, Status, Update, Wants};
use awsdash::source::aws::Clients;
use awsdash::source::aws::source::{AwsOptions, AwsSource};
use awsdash::source::demo::DemoSource;
use awsdash::store::Store;
use support::Emulator;
use support::fixture::last_days;

/// Longer than any emulator answer, retries included; a hang fails instead of blocking CI.
const PATIENCE: StdDuration = StdDuration::from_secs(60);

fn money(text: &str) -> Money {
    text.parse().expect("an amount")
}

/// An AWS poller on the emulator, its cache in `dir`, writes off.
async fn poller(emu: &Emulator, dir: &Path) -> AwsPoller {
    let config = emu.sdk_config().await;
    let source = AwsSource::new(
        Clients::new(&config),
        Arc::new(Meter::new(None, 100)),
        Store::Disk(DiskCache::new(dir.join("cache"))),
        AwsOptions {
            metric: Metric::UnblendedCost,
            exclude_credits: false,
            ttl: Duration::seconds(21_600),
            tag_keys: Vec::new(),
            read_cache: true,
            wait_for_refresh: false,
            profile: None,
            origin: "budget-edit-test".into(),
        },
    );
    let query = Query {
        window: last_days(30),
        filters: FilterSet::default(),
    };
    AwsPoller::new(source, query, Duration::seconds(300))
}

/// The updates until (and with) the first status `done` accepts.
async fn until(handle: &mut PollerHandle, done: impl Fn(&Status) -> bool) -> Vec<Update> {
    let mut seen = Vec::new();
    loop {
        let update = tokio::time::timeout(PATIENCE, handle.updates.recv())
            .await
            .unwrap_or_else(|_| panic!("no answer in {PATIENCE:?}; so far: {seen:?}"))
            .expect("the poller is running");
        let finished = matches!(&update, Update::Status(s) if done(s));
        seen.push(update);
        if finished {
            return seen;
        }
    }
}

/// The first snapshot that has the budgets.
async fn first_budgets(handle: &mut PollerHandle) -> Arc<Snapshot> {
    loop {
        let update = tokio::time::timeout(PATIENCE, handle.updates.recv())
            .await
            .expect("a snapshot in time")
            .expect("the poller is running");
        if let Update::Snapshot(s) = update
            && !s.budgets.is_empty()
        {
            return s;
        }
    }
}

fn limit_of(snapshot: &Snapshot, name: &str) -> Option<Money> {
    snapshot
        .budgets
        .iter()
        .find(|b| b.name == name)
        .map(|b| b.limit)
}

fn edit(name: &str, limit: &str) -> Command {
    Command::EditBudget {
        name: name.into(),
        limit: money(limit),
    }
}

fn audit_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn is_error(s: &Status) -> bool {
    s.severity == Severity::Error
}

#[test]
fn the_aws_poller_sets_the_limit_audits_it_and_the_next_snapshot_shows_it() {
    let emu = Emulator::start();
    emu.create_budget("team-web", "1000");
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit.jsonl");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let updates = rt.block_on(async {
        let poller = poller(&emu, dir.path())
            .await
            .allowing_writes(AuditLog::new(audit.clone()));
        let mut handle = awsdash::poller::spawn_aws(poller, None);
        let first = first_budgets(&mut handle).await;
        assert_eq!(limit_of(&first, "team-web"), Some(money("1000")));
        handle
            .commands
            .send(edit("team-web", "1250.50"))
            .await
            .expect("sent");
        until(&mut handle, |s| {
            s.message.contains("limit is now") || is_error(s)
        })
        .await
    });
    let Some(Update::Status(done)) = updates.last() else {
        panic!("{updates:?}");
    };
    assert_eq!(done.severity, Severity::Info, "{done:?}");
    assert_eq!(
        done.message,
        "budget team-web: limit is now 1250.50 USD (read back from AWS)"
    );
    // The budgets were re-read, and that snapshot came before the word (so the app keeps it).
    let shown = updates.iter().rev().find_map(|u| match u {
        Update::Snapshot(s) => limit_of(s, "team-web"),
        Update::Status(_) => None,
    });
    assert_eq!(shown, Some(money("1250.50")), "{updates:?}");
    assert_eq!(emu.count("budgets", Some("UpdateBudget")), 1);

    let lines = audit_lines(&audit);
    let line = lines
        .iter()
        .find(|l| l["action"] == "budget_edit")
        .expect("a budget_edit line");
    assert_eq!(line["budget"], "team-web");
    assert_eq!(line["before"], "1000.00 USD");
    assert_eq!(line["after"], "1250.50 USD");
    assert_eq!(line["result"], "ok");
    assert!(
        line["who"]
            .as_str()
            .is_some_and(|w| w.starts_with("arn:aws:")),
        "{line}"
    );
}

#[test]
fn without_allow_writes_the_aws_poller_sends_nothing_and_says_how_to_allow_it() {
    let emu = Emulator::start();
    emu.create_budget("team-web", "1000");
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let updates = rt.block_on(async {
        let mut handle = awsdash::poller::spawn_aws(poller(&emu, dir.path()).await, None);
        first_budgets(&mut handle).await;
        handle
            .commands
            .send(edit("team-web", "1200"))
            .await
            .expect("sent");
        until(&mut handle, |s| s.message.contains("budget edits")).await
    });
    let Some(Update::Status(refused)) = updates.last() else {
        panic!("{updates:?}");
    };
    assert_eq!(refused.severity, Severity::Error);
    assert!(
        refused.message.contains("allow_writes = true"),
        "{refused:?}"
    );
    assert!(refused.message.contains("nothing was sent"), "{refused:?}");
    assert_eq!(emu.count("budgets", Some("UpdateBudget")), 0);
    assert_eq!(
        emu.count("budgets", Some("DescribeBudget")),
        0,
        "not even read"
    );
}

#[test]
fn a_denied_write_names_the_permission_and_the_policy_file() {
    let emu = Emulator::start();
    emu.create_budget("team-web", "1000");
    emu.fault(json!({"operation": "UpdateBudget", "kind": "access_denied", "count": 1}));
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit.jsonl");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let updates = rt.block_on(async {
        let poller = poller(&emu, dir.path())
            .await
            .allowing_writes(AuditLog::new(audit.clone()));
        let mut handle = awsdash::poller::spawn_aws(poller, None);
        first_budgets(&mut handle).await;
        handle
            .commands
            .send(edit("team-web", "1200"))
            .await
            .expect("sent");
        until(&mut handle, |s| s.message.contains("access denied")).await
    });
    let Some(Update::Status(denied)) = updates.last() else {
        panic!("{updates:?}");
    };
    assert_eq!(denied.severity, Severity::Error);
    assert!(
        denied.message.contains("budgets:ModifyBudget"),
        "{denied:?}"
    );
    assert!(
        denied
            .message
            .contains("assets/iam-policy-budgets-write.json"),
        "{denied:?}"
    );
    let lines = audit_lines(&audit);
    assert!(
        lines
            .iter()
            .any(|l| l["action"] == "budget_edit" && l["result"] == "denied"),
        "{lines:?}"
    );
}

#[test]
fn the_demo_poller_simulates_the_edit_says_so_and_records_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit.jsonl");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let updates = rt.block_on(async {
        let query = Query {
            window: last_days(30),
            filters: FilterSet::default(),
        };
        let mut handle = awsdash::poller::spawn_demo(
            DemoSource {
                exclude_credits: false,
            },
            query,
            AlertsConfig::default(),
            Wants::default(),
            AuditLog::new(audit.clone()),
        );
        first_budgets(&mut handle).await;
        handle
            .commands
            .send(edit("Data team", "5000"))
            .await
            .expect("sent");
        until(&mut handle, |_| true).await
    });
    let [Update::Status(said)] = updates.as_slice() else {
        panic!("one status and no new snapshot: {updates:?}");
    };
    assert_eq!(said.severity, Severity::Info);
    assert_eq!(
        said.message,
        "demo: budget Data team: limit 7500.00 USD → 5000.00 USD — simulated, nothing was sent"
    );
    let lines = audit_lines(&audit);
    assert!(
        lines.iter().any(|l| l["action"] == "budget_edit"
            && l["result"] == "simulated"
            && l["after"] == "5000.00 USD"),
        "{lines:?}"
    );
}
