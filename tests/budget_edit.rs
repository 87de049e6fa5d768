//! `awsdash budget set` against the emulator over real HTTP: the limit changes and every
//! other field (cost filters, cost types, time unit, notifications and subscribers) survives;
//! the audit line holds before, after and the caller ARN; without `allow_writes` nothing is
//! sent; a denied write names `budgets:ModifyBudget`; demo mode only simulates.

// CostFilters and CostTypes are deprecated in the SDK, but budgets made before
// FilterExpression carry them, and they are exactly what a careless update wipes.
#![allow(deprecated)]

mod support;

use std::process::Output;

use aws_sdk_budgets::types::{
    Budget, BudgetType, ComparisonOperator, CostTypes, Notification, NotificationType,
    NotificationWithSubscribers, Spend, Subscriber, SubscriptionType, ThresholdType, TimeUnit,
};
use serde_json::{Value, json};

use support::Emulator;
use support::home::Home;

const ACCOUNT: &str = "123456789012";

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

fn client(emu: &Emulator, rt: &tokio::runtime::Runtime) -> aws_sdk_budgets::Client {
    aws_sdk_budgets::Client::new(&rt.block_on(emu.sdk_config()))
}

/// A budget with everything a careless UpdateBudget would wipe.
fn create(emu: &Emulator, rt: &tokio::runtime::Runtime) {
    let spend = Spend::builder()
        .amount("1000")
        .unit("USD")
        .build()
        .expect("spend");
    let budget = Budget::builder()
        .budget_name("team-web")
        .budget_type(BudgetType::Cost)
        .time_unit(TimeUnit::Monthly)
        .budget_limit(spend)
        .cost_filters(
            "Service",
            vec!["Amazon Elastic Compute Cloud - Compute".into()],
        )
        .cost_types(
            CostTypes::builder()
                .include_tax(false)
                .use_blended(true)
                .build(),
        )
        .build()
        .expect("budget");
    let notification = Notification::builder()
        .notification_type(NotificationType::Actual)
        .comparison_operator(ComparisonOperator::GreaterThan)
        .threshold(80.0)
        .threshold_type(ThresholdType::Percentage)
        .build()
        .expect("notification");
    let subscriber = Subscriber::builder()
        .subscription_type(SubscriptionType::Email)
        .address("finops@example.com")
        .build()
        .expect("subscriber");
    rt.block_on(
        client(emu, rt)
            .create_budget()
            .account_id(ACCOUNT)
            .budget(budget)
            .notifications_with_subscribers(
                NotificationWithSubscribers::builder()
                    .notification(notification)
                    .subscribers(subscriber)
                    .build()
                    .expect("with subscribers"),
            )
            .send(),
    )
    .expect("budget created");
}

fn described(emu: &Emulator, rt: &tokio::runtime::Runtime) -> Budget {
    rt.block_on(
        client(emu, rt)
            .describe_budget()
            .account_id(ACCOUNT)
            .budget_name("team-web")
            .send(),
    )
    .expect("described")
    .budget
    .expect("a budget")
}

fn writes(home: &Home) -> String {
    home.config("[aws]\nallow_writes = true\n")
}

fn updates(emu: &Emulator) -> usize {
    emu.count("budgets", Some("UpdateBudget"))
}

#[test]
fn the_limit_changes_every_other_field_survives_and_the_audit_line_says_who() {
    let emu = Emulator::start();
    let rt = rt();
    create(&emu, &rt);
    let home = Home::new();
    let config = writes(&home);
    let out = home.run(
        &emu,
        &[
            "budget", "set", "team-web", "--limit", "1250.50", "--yes", "--config", &config,
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("1000.00 USD → 1250.50 USD"), "{said}");
    assert!(said.contains("read back"), "{said}");

    let after = described(&emu, &rt);
    let limit = after.budget_limit.expect("limit");
    assert_eq!(limit.amount.parse::<f64>().ok(), Some(1250.5));
    assert_eq!(after.time_unit, TimeUnit::Monthly);
    assert_eq!(
        after.cost_filters.expect("filters kept")["Service"],
        vec!["Amazon Elastic Compute Cloud - Compute".to_string()]
    );
    let types = after.cost_types.expect("cost types kept");
    assert_eq!(
        (types.include_tax, types.use_blended),
        (Some(false), Some(true))
    );
    let notes = rt
        .block_on(
            client(&emu, &rt)
                .describe_notifications_for_budget()
                .account_id(ACCOUNT)
                .budget_name("team-web")
                .send(),
        )
        .expect("notifications");
    assert_eq!(notes.notifications().len(), 1, "the notification survives");
    assert_eq!(updates(&emu), 1);

    let sent = emu
        .journal()
        .into_iter()
        .find(|e| e["operation"] == "UpdateBudget")
        .expect("journalled");
    let new = &sent["request"]["NewBudget"];
    assert!(
        new["CalculatedSpend"].is_null(),
        "output-only fields are not sent: {new}"
    );

    let raw = std::fs::read_to_string(home.path().join("data/awsdash/audit.jsonl")).expect("audit");
    let line: Value = raw
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
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
fn without_allow_writes_nothing_is_sent_and_bad_amounts_exit_2() {
    let emu = Emulator::start();
    let rt = rt();
    create(&emu, &rt);
    let home = Home::new();
    let out = home.run(
        &emu,
        &["budget", "set", "team-web", "--limit", "1200", "--yes"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("allow_writes"), "{}", text(&out));
    let config = writes(&home);
    for bad in ["0", "-10", "12.345", "lots", "5000000000"] {
        let out = home.run(
            &emu,
            &[
                "budget", "set", "team-web", "--limit", bad, "--yes", "--config", &config,
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out));
        assert!(text(&out).contains("--limit"), "{bad}: {}", text(&out));
    }
    // Without --yes and no terminal, it asks nobody and sends nothing.
    let out = home.run(
        &emu,
        &[
            "budget", "set", "team-web", "--limit", "1200", "--config", &config,
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--yes"), "{}", text(&out));
    assert_eq!(updates(&emu), 0, "no UpdateBudget in the journal");
}

#[test]
fn a_denied_write_names_the_missing_permission_and_is_audited() {
    let emu = Emulator::start();
    let rt = rt();
    create(&emu, &rt);
    emu.fault(json!({"operation": "UpdateBudget", "kind": "access_denied", "count": 1}));
    let home = Home::new();
    let config = writes(&home);
    let out = home.run(
        &emu,
        &[
            "budget", "set", "team-web", "--limit", "1200", "--yes", "--config", &config,
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("budgets:ModifyBudget"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("iam-policy-budgets-write.json"),
        "{}",
        text(&out)
    );
    let raw = std::fs::read_to_string(home.path().join("data/awsdash/audit.jsonl")).expect("audit");
    assert!(raw.contains("\"result\":\"denied\""), "{raw}");
    let limit = described(&emu, &rt).budget_limit.expect("limit");
    assert_eq!(limit.amount.parse::<f64>().ok(), Some(1000.0), "unchanged");
}

#[test]
fn demo_mode_simulates_the_edit_and_says_so() {
    let home = Home::new();
    let out = support::process::awsdash(home.path())
        .args(["budget", "set", "Data team", "--limit", "5000", "--demo"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("simulated") && said.contains("5000.00"),
        "{said}"
    );
    let raw = std::fs::read_to_string(home.path().join("data/awsdash/audit.jsonl")).expect("audit");
    assert!(raw.contains("\"result\":\"simulated\""), "{raw}");
}

/// The emulator is as strict as AWS: an update that leaves the filters out wipes them, so the
/// test above would catch a client that sent only the limit.
#[test]
fn the_emulator_resets_fields_an_update_leaves_out() {
    let emu = Emulator::start();
    let rt = rt();
    create(&emu, &rt);
    let bare = Budget::builder()
        .budget_name("team-web")
        .budget_type(BudgetType::Cost)
        .time_unit(TimeUnit::Monthly)
        .budget_limit(
            Spend::builder()
                .amount("900")
                .unit("USD")
                .build()
                .expect("spend"),
        )
        .build()
        .expect("budget");
    rt.block_on(
        client(&emu, &rt)
            .update_budget()
            .account_id(ACCOUNT)
            .new_budget(bare)
            .send(),
    )
    .expect("updated");
    let after = described(&emu, &rt);
    assert!(after.cost_filters.is_none_or(|f| f.is_empty()), "wiped");
    let missing = rt.block_on(
        client(&emu, &rt)
            .update_budget()
            .account_id(ACCOUNT)
            .new_budget(
                Budget::builder()
                    .budget_name("nope")
                    .budget_type(BudgetType::Cost)
                    .time_unit(TimeUnit::Monthly)
                    .budget_limit(
                        Spend::builder()
                            .amount("1")
                            .unit("USD")
                            .build()
                            .expect("spend"),
                    )
                    .build()
                    .expect("budget"),
            )
            .send(),
    );
    let err = missing.expect_err("no such budget");
    assert_eq!(
        aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&err),
        Some("NotFoundException")
    );
}
