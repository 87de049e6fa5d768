//! Whole frames of the dashboard, rendered with ratatui's `TestBackend` and pinned with insta:
//! loading → the first snapshot → a region filter → help; 80×24 and 160×48; ASCII; an error.
//! Review a changed `.snap` like a screenshot.

mod tui_support;

use awsdash::model::Snapshot;
use awsdash::poller::{Severity, Status};
use awsdash::ui::app::Action;
use insta::assert_snapshot;
use tui_support::*;

#[test]
fn loading_then_loaded_then_filtered_then_help_80x24() {
    let mut app = app(plain());
    assert_snapshot!("80x24_1_loading", render(&app, 80, 24));

    deliver(&mut app, &initial_query());
    assert_snapshot!("80x24_2_loaded", render(&app, 80, 24));

    // f → Region → type "eu-west-1" → Enter: the filter is applied at once from the cube…
    let commands = press_all(&mut app, &["f", "Enter"]);
    assert!(commands.is_empty());
    assert_snapshot!("80x24_3_picker", render(&app, 80, 24));
    let commands = press_all(&mut app, &["e", "u", "-", "w", "Enter"]);
    assert_snapshot!("80x24_4_filtered_local", render(&app, 80, 24));
    // …and the poller's exact answer replaces it.
    answer(&mut app, commands);
    assert_snapshot!("80x24_5_filtered", render(&app, 80, 24));

    press_all(&mut app, &["?"]);
    assert_snapshot!("80x24_6_help", render(&app, 80, 24));
}

#[test]
fn big_terminal_160x48() {
    let mut app = app(plain());
    deliver(&mut app, &initial_query());
    assert_snapshot!("160x48_loaded", render(&app, 160, 48));
    let commands = press_all(&mut app, &["f", "Enter", "u", "s", "-", "e", "Enter"]);
    answer(&mut app, commands);
    assert_snapshot!("160x48_filtered", render(&app, 160, 48));
}

#[test]
fn ascii_mode_has_only_ascii() {
    let mut app = app(ascii());
    deliver(&mut app, &initial_query());
    press_all(&mut app, &["Tab", "Tab"]);
    let frame = render(&app, 80, 24);
    assert!(frame.is_ascii(), "non-ASCII in ASCII mode:\n{frame}");
    assert_snapshot!("80x24_ascii", frame);
    press_all(&mut app, &["?"]);
    let frame = render(&app, 80, 24);
    assert!(frame.is_ascii(), "non-ASCII in ASCII help:\n{frame}");
}

#[test]
fn error_status_and_stale_data() {
    let mut app = app(plain());
    let mut snapshot = (*snapshot_for(&initial_query())).clone();
    snapshot.stale = true;
    app.update(Action::Snapshot(std::sync::Arc::new(snapshot)));
    app.update(Action::Status(Status {
        severity: Severity::Error,
        message: "credentials expired — run `aws sso login`, then press r".into(),
        at: now() - chrono::Duration::minutes(2),
    }));
    let frame = render(&app, 80, 24);
    assert!(frame.contains("credentials expired"), "{frame}");
    assert!(frame.contains("STALE"), "{frame}");
    assert_snapshot!("80x24_error", frame);
}

#[test]
fn a_long_error_over_stale_data_wraps_in_the_footer() {
    let mut app = app(plain());
    deliver(&mut app, &initial_query());
    let advice = "AWS credentials expired — run `aws sso login --profile platform-admin`, then \
                  press r";
    app.update(Action::Status(Status {
        severity: Severity::Error,
        message: advice.into(),
        at: now(),
    }));
    let frame = render(&app, 80, 24);
    let flat: String = frame.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("then press r"), "{frame}");
    assert!(
        frame
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("q quit")),
        "{frame}"
    );
    assert_snapshot!("80x24_long_error", frame);
}

#[test]
fn an_error_before_any_data_gets_the_whole_screen() {
    let mut app = app(plain());
    app.options.demo = false;
    app.options.profile = Some("ops".into());
    let advice = "no AWS credentials found — pass --profile NAME, set AWS_PROFILE, or run \
                  `aws sso login` (or try --demo); the log lists every place looked";
    app.update(Action::Status(Status {
        severity: Severity::Error,
        message: advice.into(),
        at: now(),
    }));
    let frame = render(&app, 80, 24);
    // The fix is readable in full, not cut at the footer's edge.
    let flat: String = frame.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("`aws sso login` (or try --demo)"), "{frame}");
    assert!(flat.contains("r retries"), "{frame}");
    assert_snapshot!("80x24_error_no_data", frame);
}

#[test]
fn drill_down_and_compact_layout() {
    let mut app = app(plain());
    deliver(&mut app, &initial_query());
    press_all(&mut app, &["Enter"]);
    assert_snapshot!("80x24_drilldown", render(&app, 80, 24));
    press_all(&mut app, &["Esc", "Tab", "Tab"]);
    assert_snapshot!("60x16_compact_daily", render(&app, 60, 16));
}

#[test]
fn no_panic_at_any_size() {
    let mut app = app(plain());
    let sizes = [
        (1, 1),
        (10, 5),
        (40, 12),
        (80, 24),
        (160, 48),
        (300, 80),
        (79, 23),
        (2, 30),
        (200, 3),
    ];
    for (w, h) in sizes {
        render(&app, w, h);
    }
    deliver(&mut app, &initial_query());
    let steps: &[&[&str]] = &[
        &[],
        &["Tab"],
        &["Tab"],
        &["Tab"],
        &["Tab", "Enter"],
        &["Tab", "Tab"],
        &["Esc", "f"],
        &["Enter"],
        &["Esc", "Esc", "?"],
        &["Esc", "R"],
        &["Esc", "2"],
        &["3"],
        &["4"],
        &["5"],
        &["6"],
        &["Enter"],
        &["7"],
    ];
    for keys in steps {
        let commands = press_all(&mut app, keys);
        answer(&mut app, commands);
        for (w, h) in sizes {
            render(&app, w, h);
        }
    }
    let app = self::app(ascii());
    for (w, h) in sizes {
        assert!(render(&app, w, h).is_ascii());
    }
}

/// The demo snapshot for the initial query with its cube replaced by `cube`.
fn with_cube(build: impl FnOnce(&mut awsdash::model::CubeBuilder, chrono::NaiveDate)) -> Snapshot {
    let mut s = (*snapshot_for(&initial_query())).clone();
    let range = s.query.fetch_range(today());
    let mut b = awsdash::model::CubeBuilder::new(range);
    build(&mut b, range.start);
    s.cube = Some(b.build());
    s
}

fn money(text: &str) -> awsdash::model::Money {
    text.parse().expect("amount")
}

#[test]
fn credits_larger_than_spend_draw_no_full_bars_and_no_negative_shares() {
    let snapshot = with_cube(|b, start| {
        for i in 0..60 {
            let day = start + chrono::Duration::days(i);
            b.add(day, "Amazon EC2", "us-east-1", money("40"));
            // Credits outweigh spend: in the window and in the period before it.
            let credit = if i % 3 == 0 { "-120" } else { "-50" };
            b.add(day, "Credits", "global", money(credit));
        }
    });
    let mut app = app(plain());
    app.update(Action::Snapshot(std::sync::Arc::new(snapshot)));
    let frame = render(&app, 80, 24);
    assert!(frame.contains("Total -$"), "{frame}");
    assert!(!frame.contains("new"), "a previous period exists: {frame}");
    // No share bar for a credit or under a negative total, no bar for a negative day.
    let credits = frame
        .lines()
        .find(|l| l.contains("│Credits"))
        .expect("the credits row");
    assert!(
        !credits.split("││").next().unwrap_or("").contains('█'),
        "{frame}"
    );
    let daily_panel: Vec<&str> = frame
        .lines()
        .skip_while(|l| !l.contains("Daily cost"))
        .take(7)
        .map(|l| l.split("││").next().unwrap_or(l))
        .collect();
    assert!(
        !daily_panel.iter().any(|l| l.contains('█')),
        "negative days drawn as bars:\n{frame}"
    );
    assert!(daily_panel[0].contains("net credits"), "{frame}");
    assert_snapshot!("80x24_negative_totals", frame);
}

#[test]
fn last_month_compares_with_the_calendar_month_before() {
    let mut app = app(plain());
    deliver(&mut app, &initial_query());
    // 30d → 90d → MTD → last month.
    let commands = press_all(&mut app, &["w", "w", "w"]);
    answer(&mut app, commands);
    assert_eq!(app.preset, Some(awsdash::model::Preset::LastMonth));
    let frame = render(&app, 80, 24);
    let tax = frame
        .lines()
        .find(|l| l.contains("Tax"))
        .expect("the Tax row");
    // October's Tax posted on the 1st is compared with September's, not called new.
    assert!(!tax.contains("new"), "{tax}");
    assert!(tax.contains('%'), "{tax}");
    assert_snapshot!("80x24_last_month", frame);
}

#[test]
fn hostile_and_wide_names_keep_every_column_in_place() {
    let snapshot = with_cube(|b, start| {
        for i in 0..60 {
            let day = start + chrono::Duration::days(i);
            b.add(day, "Amazon EC2", "us-east-1", money("40"));
            b.add(day, "Evil\u{1b}[2J\u{7}Name\r\nX", "us-east-1", money("30"));
            b.add(day, "📦📦 Storage 日本", "eu-west-1", money("20"));
        }
    });
    let mut app = app(plain());
    app.update(Action::Snapshot(std::sync::Arc::new(snapshot)));
    let frame = render(&app, 80, 24);
    assert!(
        !frame.chars().any(|c| c.is_control() && c != '\n'),
        "{frame:?}"
    );
    // In every service row the panel's border stands in the cell the header row's does, and
    // the cents end in one column: nothing was cut or pushed by a wide or hostile name.
    let buffer = render_buffer(&app, 80, 24);
    let row_text = |y: u16| (0..80).map(|x| buffer[(x, y)].symbol()).collect::<String>();
    let rows: Vec<u16> = (0..24)
        .filter(|&y| {
            let t = row_text(y);
            t.contains("Evil") || t.contains("Storage") || t.contains("Amazon EC2")
        })
        .collect();
    assert_eq!(rows.len(), 3, "{frame}");
    let border = |y: u16| (1..80).find(|&x| buffer[(x, y)].symbol() == "│");
    let header = (0..24)
        .find(|&y| row_text(y).contains("Share"))
        .expect("the header row");
    let cents = (0..80)
        .rev()
        .find(|&x| buffer[(x, rows[0])].symbol() == "." && x < 47)
        .expect("a decimal point");
    for y in rows {
        assert_eq!(border(y), border(header), "row {y}:\n{frame}");
        assert_eq!(buffer[(cents, y)].symbol(), ".", "row {y}:\n{frame}");
    }
    assert_snapshot!("80x24_hostile_names", frame);
}

#[test]
fn an_account_without_spend_says_so() {
    let snapshot = with_cube(|_, _| {});
    let mut app = app(plain());
    app.update(Action::Snapshot(std::sync::Arc::new(snapshot)));
    let frame = render(&app, 80, 24);
    assert!(!frame.contains("peak $0"), "{frame}");
    assert!(frame.contains("no spend"), "{frame}");
}

#[test]
fn budget_percentages_survive_a_narrow_panel() {
    let mut app = app(plain());
    deliver(&mut app, &initial_query());
    press_all(&mut app, &["Tab", "Tab", "Tab"]);
    for (w, h) in [(40, 12), (30, 10), (24, 8)] {
        let frame = render(&app, w, h);
        let percents = frame.matches('%').count();
        assert!(
            percents >= 2,
            "both budgets keep their percentage at {w}x{h}:\n{frame}"
        );
    }
}

#[test]
fn failed_budgets_and_missing_costs_say_why() {
    let mut s = (*snapshot_for(&initial_query())).clone();
    s.cube = None;
    s.forecast = None;
    s.budgets.clear();
    s.problems.cost_explorer =
        Some("Cost Explorer call cap reached: 100 of 100 paid calls made today (UTC)".into());
    s.problems.budgets =
        Some("access denied: your identity may not call budgets:ViewBudget".into());
    let mut app = app(plain());
    app.update(Action::Snapshot(std::sync::Arc::new(s)));
    let frame = render(&app, 80, 24);
    let flat: String = frame.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("No Cost Explorer data"), "{frame}");
    assert!(flat.contains("call cap reached"), "{frame}");
    assert!(flat.contains("Budgets could not be read"), "{frame}");
    assert!(!flat.contains("no budgets in this account"), "{frame}");
    assert_snapshot!("80x24_free_sources_only", frame);
}

/// The demo account with its findings, as the demo poller sends it: a rule that fires, the
/// anomalies local detection finds, counted in the header, marked on the chart, listed by `a`
/// (the alerts view, 7).
#[test]
fn alerts_show_in_the_header_the_chart_and_their_view() {
    let alerts: awsdash::config::AlertsConfig = toml::from_str(
        r#"
        [[rule]]
        name = "daily spend"
        daily_over = "1.00"
        "#,
    )
    .expect("alerts config");
    let mut app = app(plain());
    let query = initial_query();
    let demo = awsdash::source::demo::DemoSource {
        exclude_credits: false,
    };
    let snapshot = awsdash::poller::demo_snapshot(
        &demo,
        &query,
        &alerts,
        &awsdash::poller::Wants::default(),
        now(),
    );
    assert!(
        !snapshot.alerts.is_empty(),
        "the rule must fire on the demo"
    );
    app.update(Action::Snapshot(std::sync::Arc::new(snapshot)));
    let frame = render(&app, 80, 24);
    assert!(frame.contains("[a]"), "header counts alerts:\n{frame}");
    assert_snapshot!("80x24_alerts_dashboard", frame);

    press_all(&mut app, &["a"]);
    let frame = render(&app, 80, 24);
    assert!(
        frame.contains("daily spend"),
        "the view lists the rule:\n{frame}"
    );
    assert_snapshot!("80x24_alerts_view", frame);
    assert_snapshot!("160x48_alerts_view", render(&app, 160, 48));
    press_all(&mut app, &["Esc"]);
    assert!(
        !render(&app, 80, 24).contains("daily spend"),
        "Esc goes back to the overview"
    );
}

#[test]
fn the_header_says_whose_numbers_they_are_and_who_refreshes_them() {
    let mut shared = (*snapshot_for(&initial_query())).clone();
    shared.source = awsdash::model::SourceKind::Aws;
    shared.account_id = Some("123456789012".into());
    shared.origin = Some(awsdash::model::DataOrigin::Shared {
        by: "ci-box-2:4242".into(),
    });
    let mut app = app(plain());
    app.options.demo = false;
    app.update(Action::Snapshot(std::sync::Arc::new(shared.clone())));
    let frame = render(&app, 160, 48);
    assert!(
        frame.contains("Cost Explorer 5m ago (shared, by ci-box-2:4242)"),
        "{frame}"
    );
    assert_snapshot!("160x48_shared", frame);
    let frame = render(&app, 80, 24);
    assert!(frame.contains("CE 5m by ci-box-2:4242"), "{frame}");
    assert_snapshot!("80x24_shared", frame);

    let mut refreshing = shared;
    refreshing.refreshing_by = Some("ci-box-3:77\u{1b}[31m".into());
    app.update(Action::Snapshot(std::sync::Arc::new(refreshing)));
    let frame = render(&app, 160, 48);
    assert!(frame.contains("(refreshing — by ci-box-3:77"), "{frame}");
    assert!(
        !frame.contains('\u{1b}'),
        "text from other machines is cleaned: {frame}"
    );
    assert_snapshot!("160x48_refreshing", frame);
}

/// Each view at both sizes, from the demo account's deterministic sections: what a new user
/// sees pressing 2 to 7 (the overview, view 1, is pinned above).
#[test]
fn every_view_at_80x24_and_160x48() {
    let mut app = app(plain());
    deliver(&mut app, &initial_query());
    let views = [
        ("2", "tags"),
        ("3", "accounts"),
        ("4", "changes"),
        ("5", "credits"),
        ("6", "savings"),
        ("7", "alerts"),
    ];
    for (key, name) in views {
        let commands = press_all(&mut app, &[key]);
        answer(&mut app, commands);
        for (w, h) in [(80, 24), (160, 48)] {
            let frame = render(&app, w, h);
            assert!(!frame.contains("fetching"), "{name} {w}x{h}:\n{frame}");
            assert_snapshot!(format!("{w}x{h}_view_{key}_{name}"), frame);
        }
    }
    // Enter on a recommendation: its detail; Esc: the list again.
    press_all(&mut app, &["6", "j", "Enter"]);
    let frame = render(&app, 80, 24);
    assert!(frame.contains("Esc: back"), "{frame}");
    assert_snapshot!("80x24_view_6_savings_detail", frame);
    assert_snapshot!("160x48_view_6_savings_detail", render(&app, 160, 48));
    press_all(&mut app, &["Esc"]);
    assert!(render(&app, 80, 24).contains("Monthly"));
}

#[test]
fn a_view_says_it_is_fetching_until_its_section_arrives() {
    let mut app = app(plain());
    deliver(&mut app, &initial_query());
    press_all(&mut app, &["5"]);
    let frame = render(&app, 80, 24);
    assert!(frame.contains("fetching credits and refunds…"), "{frame}");
    assert_snapshot!("80x24_view_5_fetching", frame);

    // The fetch failed: the view says why, and how to ask again, instead of waiting forever.
    let mut failed = (*snapshot_for(&initial_query())).clone();
    failed.analysis.problems.insert(
        awsdash::model::Section::Credits,
        "could not be fetched: AWS is not answering (timed out)\u{1b}[2J".into(),
    );
    app.update(Action::Snapshot(std::sync::Arc::new(failed)));
    let frame = render(&app, 80, 24);
    assert!(!frame.contains("fetching credits"), "{frame}");
    assert!(
        frame.contains("no credits and refunds: could not be fetched: AWS is not answering"),
        "{frame}"
    );
    assert!(frame.contains("r asks again"), "{frame}");
    assert!(!frame.contains('\u{1b}'), "control characters are cleaned");
}

/// What a member account gets: no activation status, no drivers, no balances, no Cost
/// Optimization Hub — each said as a note in the view, none drawn as an error; and names from
/// AWS with control characters in them cleaned.
#[test]
fn member_account_notes_read_as_notes_and_names_are_cleaned() {
    use awsdash::model::analysis::SavingsReport;
    let sections = awsdash::model::Section::ALL;
    let mut s = (*snapshot_with(&initial_query(), &sections, "team")).clone();
    let a = &mut s.analysis;
    let tags = a.tags.as_mut().expect("tags");
    tags.active_keys = None;
    tags.note = Some("activation status is visible only from the payer account".into());
    tags.values[0].value = "web\u{1b}[2J\u{7}".into();
    let accounts = a.accounts.as_mut().expect("accounts");
    accounts.accounts.truncate(1);
    accounts.accounts[0].name = Some("Prod\r\nuction".into());
    accounts.note = Some("a member account sees only itself: one row".into());
    let changes = a.changes.as_mut().expect("changes");
    changes.drivers = None;
    changes.note = Some("AWS's cost drivers are not available for this account".into());
    let credits = a.credits.as_mut().expect("credits");
    credits.balances = None;
    credits.runway_until = None;
    credits.note = Some("credit balances are visible only from the payer account".into());
    a.savings = Some(SavingsReport::Unavailable {
        reason: "Cost Optimization Hub is not enrolled: enable it in the Billing and Cost \
                 Management console (Cost Optimization Hub → Enable)"
            .into(),
    });
    let mut app = app(plain());
    app.wanted = sections.to_vec();
    app.update(Action::Snapshot(std::sync::Arc::new(s)));
    for (key, name, says) in [
        ("2", "tags", "visible only from the payer account"),
        ("3", "accounts", "one row"),
        ("4", "changes", "not available for this account"),
        ("5", "credits", "unknown without the credit balances"),
        ("6", "savings", "not enrolled"),
    ] {
        press_all(&mut app, &[key]);
        let frame = render(&app, 80, 24);
        let flat: String = frame.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(says), "{name}:\n{frame}");
        assert!(!frame.contains("ERROR"), "{name}:\n{frame}");
        assert!(
            !frame.chars().any(|c| c.is_control() && c != '\n'),
            "{name}: {frame:?}"
        );
        assert_snapshot!(format!("80x24_member_{key}_{name}"), frame);
    }
}

/// A filter picked on a view applies to it: its title says "updating…" until the poller's
/// answer for the new query arrives, then the view shows the filtered numbers.
#[test]
fn a_filter_picked_on_a_view_applies_to_it() {
    let mut app = app(plain());
    deliver(&mut app, &initial_query());
    let commands = press_all(&mut app, &["3"]);
    answer(&mut app, commands);
    let before = render(&app, 80, 24);
    let commands = press_all(&mut app, &["f", "Enter", "e", "u", "-", "w", "Enter"]);
    let pending = render(&app, 80, 24);
    assert!(pending.contains("Accounts (2) · updating…"), "{pending}");
    answer(&mut app, commands);
    let frame = render(&app, 80, 24);
    assert!(!frame.contains("updating"), "{frame}");
    assert!(frame.contains("Filters: region=eu-west-1"), "{frame}");
    assert_ne!(before, frame);
    assert_snapshot!("80x24_view_3_accounts_filtered", frame);
}

#[test]
fn every_view_in_ascii_mode_is_ascii() {
    let mut app = app(ascii());
    deliver(&mut app, &initial_query());
    for key in ["2", "3", "4", "5", "6", "7"] {
        let commands = press_all(&mut app, &[key]);
        answer(&mut app, commands);
        for (w, h) in [(80, 24), (60, 16)] {
            let frame = render(&app, w, h);
            assert!(frame.is_ascii(), "view {key} {w}x{h}:\n{frame}");
        }
    }
    press_all(&mut app, &["6", "Enter"]);
    assert!(render(&app, 80, 24).is_ascii());
}

/// The help screen and the footer list the shown view's keys, from the one table.
#[test]
fn help_and_footer_follow_the_view() {
    let mut app = app(plain());
    deliver(&mut app, &initial_query());
    let commands = press_all(&mut app, &["2"]);
    answer(&mut app, commands);
    let footer = render(&app, 80, 24);
    assert!(footer.contains("t tag key"), "{footer}");
    assert!(!footer.contains("Tab focus"), "{footer}");
    press_all(&mut app, &["?"]);
    let help = render(&app, 80, 24);
    assert!(help.contains("Help (? or Esc closes) · Tags"), "{help}");
    assert!(help.contains("allocate by the next tag key"), "{help}");
    assert!(!help.contains("drill into"), "{help}");
    press_all(&mut app, &["Esc", "6", "?"]);
    let help = render(&app, 80, 24);
    assert!(
        help.contains("the selected recommendation in full"),
        "{help}"
    );
    assert!(!help.contains("next tag key"), "{help}");
}

/// The budget editor over the overview: `e` on "Data team", a new limit typed, Enter — the
/// before → after waiting for `y`; and, with writes off, what the dialog says instead.
#[test]
fn the_budget_editor_at_80x24() {
    let mut app = app(plain());
    app.options.demo = false;
    app.options.writes = true;
    deliver(&mut app, &initial_query());
    press_all(&mut app, &["Tab", "Tab", "Tab", "j", "e"]);
    press_all(&mut app, &["8", "2", "5", "0", ".", "5", "Enter"]);
    let frame = render(&app, 80, 24);
    assert!(frame.contains("limit $7,500.00 → $8,250.50"), "{frame}");
    assert_snapshot!("80x24_budget_editor_confirm", frame);

    press_all(&mut app, &["Esc"]);
    app.options.writes = false;
    press_all(&mut app, &["e"]);
    assert_snapshot!("80x24_budget_editor_writes_off", render(&app, 80, 24));
}
