//! Every key does what the help says: driven through the real keymap, asserting the state
//! and the commands sent to the poller.

mod tui_support;

use awsdash::model::{Dimension, Filter, FilterSet, Money, Preset, Query, Section};
use awsdash::poller::{Command, Severity};
use awsdash::ui::app::{Action, App, BudgetEditor, EditStage, Overlay, Panel, PickerStage, SortBy};
use awsdash::ui::views::Tab;
use tui_support::*;

fn loaded() -> App {
    let mut app = app(plain());
    deliver(&mut app, &initial_query());
    app
}

fn total(app: &App) -> String {
    app.view.as_ref().expect("view").breakdown.total.to_string()
}

fn set_query(commands: &[Command]) -> &Query {
    match commands {
        [Command::SetQuery(q)] => q,
        other => panic!("expected one SetQuery, got {other:?}"),
    }
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut app = loaded();
    assert!(press_all(&mut app, &["q"]).is_empty());
    assert!(app.quit);
    let mut app = loaded();
    press_all(&mut app, &["f", "C-c"]);
    assert!(app.quit, "Ctrl-C quits even from the picker");
}

#[test]
fn ctrl_z_asks_to_suspend_from_every_mode_and_changes_nothing_else() {
    for keys in [&[][..], &["?"], &["f"], &["f", "Enter"], &["R"]] {
        let mut app = loaded();
        press_all(&mut app, keys);
        let overlay = app.overlay.clone();
        assert!(press_all(&mut app, &["C-z"]).is_empty());
        assert!(app.suspend, "after {keys:?}");
        assert!(!app.quit);
        assert_eq!(app.overlay, overlay, "after {keys:?}");
    }
}

#[test]
fn question_mark_toggles_help_and_esc_closes_it() {
    let mut app = loaded();
    press_all(&mut app, &["?"]);
    assert_eq!(app.overlay, Overlay::Help);
    press_all(&mut app, &["?"]);
    assert_eq!(app.overlay, Overlay::None);
    press_all(&mut app, &["?", "Esc"]);
    assert_eq!(app.overlay, Overlay::None);
    press_all(&mut app, &["?", "j"]);
    assert_eq!(
        app.overlay,
        Overlay::Help,
        "other keys do nothing under help"
    );
}

#[test]
fn r_refreshes_the_cheap_sources() {
    let mut app = loaded();
    assert_eq!(
        press_all(&mut app, &["r"]),
        [Command::Refresh { paid: false }]
    );
    assert_eq!(
        app.status.as_ref().map(|s| s.severity),
        Some(Severity::Info)
    );
}

#[test]
fn capital_r_asks_first_then_refreshes_everything() {
    let mut app = loaded();
    assert!(press_all(&mut app, &["R"]).is_empty());
    assert_eq!(app.overlay, Overlay::ConfirmRefresh);
    let frame = render(&app, 80, 24);
    assert!(frame.contains("$0.01 per request"), "{frame}");
    assert_eq!(
        press_all(&mut app, &["y"]),
        [Command::Refresh { paid: true }]
    );
    assert_eq!(app.overlay, Overlay::None);

    assert!(press_all(&mut app, &["R", "n"]).is_empty());
    assert_eq!(app.overlay, Overlay::None);
    assert!(press_all(&mut app, &["R", "Esc"]).is_empty());
    assert_eq!(
        press_all(&mut app, &["R", "Enter"]),
        [Command::Refresh { paid: true }]
    );
}

#[test]
fn f_picks_a_region_applied_at_once_and_sent_to_the_poller() {
    let mut app = loaded();
    let before = total(&app);
    press_all(&mut app, &["f"]);
    let Overlay::Filter(picker) = &app.overlay else {
        panic!("picker not open");
    };
    assert_eq!(picker.stage, PickerStage::Dimension);
    let labels: Vec<&str> = picker.choices.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(&labels[..4], ["Region", "Service", "Account", "Tag: team"]);

    press_all(&mut app, &["Enter"]);
    let Overlay::Filter(picker) = &app.overlay else {
        panic!("picker closed");
    };
    assert_eq!(picker.stage, PickerStage::Value(Dimension::Region));
    // Type-to-search; `q` and `j` are text here, not quit and down.
    press_all(&mut app, &["e", "u", "-", "w"]);
    let Overlay::Filter(picker) = &app.overlay else {
        panic!("picker closed");
    };
    assert_eq!(
        picker.current().map(|c| c.label.as_str()),
        Some("eu-west-1")
    );

    let commands = press_all(&mut app, &["Enter"]);
    let want = FilterSet::new([Filter::new(Dimension::Region, "eu-west-1")]);
    assert_eq!(set_query(&commands).filters, want);
    assert_eq!(app.overlay, Overlay::None);
    // Shown at once from the cube, before the poller answers…
    let local = total(&app);
    assert_ne!(local, before);
    assert!(!app.view.as_ref().expect("view").local.is_empty());
    assert!(app.is_pending());
    // …and the poller's exact answer agrees to the cent.
    answer(&mut app, commands);
    assert_eq!(total(&app), local);
    assert!(!app.is_pending());
    assert!(app.view.as_ref().expect("view").local.is_empty());
}

#[test]
fn f_picks_a_tag_and_filters_are_anded() {
    let mut app = loaded();
    let c = press_all(
        &mut app,
        &[
            "f", "Enter", "u", "s", "-", "e", "a", "s", "t", "-", "1", "Enter",
        ],
    );
    answer(&mut app, c);
    let region_only = total(&app);
    let c = press_all(
        &mut app,
        &["f", "t", "e", "a", "m", "Enter", "w", "e", "b", "Enter"],
    );
    let q = set_query(&c).clone();
    assert_eq!(
        q.filters.to_strings(),
        ["region=us-east-1", "tag:team=web"],
        "filters accumulate"
    );
    // A tag cannot be applied from the cube: the old numbers stay, marked as updating.
    assert!(app.is_pending());
    assert_eq!(total(&app), region_only);
    answer(&mut app, c);
    assert!(!app.is_pending());
    assert_ne!(total(&app), region_only);
    let frame = render(&app, 80, 24);
    assert!(frame.contains("region=us-east-1 & tag:team=web"), "{frame}");
}

#[test]
fn untagged_is_offered_and_backspace_on_an_empty_search_steps_back() {
    let mut app = loaded();
    press_all(&mut app, &["f", "t", "e", "a", "m", "Enter", "u", "n", "t"]);
    let Overlay::Filter(picker) = &app.overlay else {
        panic!("picker closed");
    };
    assert_eq!(
        picker.current().map(|c| c.label.as_str()),
        Some("(untagged)")
    );
    press_all(&mut app, &["Backspace", "Backspace", "Backspace"]);
    let Overlay::Filter(picker) = &app.overlay else {
        panic!("picker closed");
    };
    assert_eq!(
        picker.stage,
        PickerStage::Value(Dimension::Tag("team".into()))
    );
    assert_eq!(picker.search, "");
    press_all(&mut app, &["Backspace"]);
    let Overlay::Filter(picker) = &app.overlay else {
        panic!("Backspace closed the picker instead of going back");
    };
    assert_eq!(picker.stage, PickerStage::Dimension);
    press_all(&mut app, &["Backspace"]);
    assert!(
        matches!(app.overlay, Overlay::Filter(_)),
        "nothing to go back to"
    );
}

/// A double Esc typed quickly arrives as one Esc (see `keys::map_key`), so one Esc closes the
/// picker from either stage.
#[test]
fn esc_closes_the_picker_from_either_stage() {
    for keys in [&["f"][..], &["f", "Enter"], &["f", "Enter", "e", "u"]] {
        let mut app = loaded();
        press_all(&mut app, keys);
        assert!(matches!(app.overlay, Overlay::Filter(_)), "after {keys:?}");
        assert!(press_all(&mut app, &["Esc"]).is_empty());
        assert_eq!(app.overlay, Overlay::None, "after {keys:?}");
        assert!(!app.quit);
    }
}

#[test]
fn c_clears_filters() {
    let mut app = loaded();
    assert!(press_all(&mut app, &["c"]).is_empty(), "nothing to clear");
    let before = total(&app);
    let c = press_all(&mut app, &["f", "Enter", "e", "u", "-", "w", "Enter"]);
    answer(&mut app, c);
    let c = press_all(&mut app, &["c"]);
    assert!(set_query(&c).filters.is_empty());
    // Shown at once from the last unfiltered snapshot.
    assert_eq!(total(&app), before);
    assert!(app.view.as_ref().expect("view").exact);
}

#[test]
fn w_cycles_the_window_presets() {
    let mut app = loaded();
    assert_eq!(app.preset, Some(Preset::Days30));
    let mut seen = Vec::new();
    for _ in 0..5 {
        let c = press_all(&mut app, &["w"]);
        seen.push((app.preset.expect("preset"), set_query(&c).window));
        answer(&mut app, c);
    }
    let presets: Vec<Preset> = seen.iter().map(|s| s.0).collect();
    assert_eq!(
        presets,
        [
            Preset::Days90,
            Preset::MonthToDate,
            Preset::LastMonth,
            Preset::Days7,
            Preset::Days30
        ]
    );
    for (preset, window) in seen {
        assert_eq!(window, preset.window(today()));
    }
    assert_eq!(app.query.window, initial_query().window);
}

#[test]
fn tab_moves_focus_and_arrows_move_within_it() {
    let mut app = loaded();
    assert_eq!(app.overview.focus, Panel::Services);
    press_all(&mut app, &["Tab"]);
    assert_eq!(app.overview.focus, Panel::Regions);
    press_all(&mut app, &["Tab", "Tab", "Tab"]);
    assert_eq!(app.overview.focus, Panel::Services);
    press_all(&mut app, &["BackTab"]);
    assert_eq!(app.overview.focus, Panel::Budgets);
    press_all(&mut app, &["Tab"]);

    press_all(&mut app, &["j", "j", "Down"]);
    assert_eq!(app.overview.service_row, 3);
    press_all(&mut app, &["k", "Up"]);
    assert_eq!(app.overview.service_row, 1);
    press_all(&mut app, &["k", "k", "k"]);
    assert_eq!(app.overview.service_row, 0, "stops at the top");
    press_all(&mut app, &["G"]);
    let rows = app.view.as_ref().expect("view").order.len();
    assert_eq!(app.overview.service_row, rows - 1, "stops at the bottom");

    press_all(&mut app, &["Tab", "j"]);
    assert_eq!(app.overview.region_row, 1);
    press_all(&mut app, &["Tab", "k"]);
    let days = app.view.as_ref().expect("view").breakdown.daily.len();
    assert_eq!(
        app.overview.day,
        Some(days - 2),
        "the daily cursor starts at the latest day"
    );
    press_all(&mut app, &["Tab", "j"]);
    assert_eq!(app.overview.budget_row, 1);
}

#[test]
fn enter_drills_into_the_service_and_esc_comes_back() {
    let mut app = loaded();
    press_all(&mut app, &["j", "Enter"]);
    let view = app.view.as_ref().expect("view");
    let row = &view.breakdown.services[view.order[1]];
    let drill = app.overview.drill.as_ref().expect("drill");
    assert_eq!(drill.service, row.name);
    assert_eq!(drill.breakdown.total, row.cost);
    assert_eq!(drill.breakdown.daily.len(), 30);
    assert!(!drill.breakdown.regions.is_empty());
    let frame = render(&app, 80, 24);
    assert!(frame.contains(&row.name), "{frame}");
    press_all(&mut app, &["Esc"]);
    assert!(app.overview.drill.is_none());
}

#[test]
fn s_cycles_the_sort() {
    let mut app = loaded();
    press_all(&mut app, &["s"]);
    assert_eq!(app.overview.sort, SortBy::Name);
    let view = app.view.as_ref().expect("view");
    let names: Vec<&str> = view
        .order
        .iter()
        .map(|&i| view.breakdown.services[i].name.as_str())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    press_all(&mut app, &["s"]);
    assert_eq!(app.overview.sort, SortBy::Change);
    let view = app.view.as_ref().expect("view");
    let first = &view.breakdown.services[view.order[0]];
    assert_eq!(first.name, "AWS Lambda", "the spike is the biggest change");
    press_all(&mut app, &["s"]);
    assert_eq!(app.overview.sort, SortBy::Cost);
}

#[test]
fn f_before_any_data_explains_itself() {
    let mut app = app(plain());
    press_all(&mut app, &["f"]);
    assert_eq!(app.overlay, Overlay::None);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.message.contains("no data yet"))
    );
}

#[test]
fn poller_trouble_is_shown() {
    let mut app = loaded();
    app.update(Action::PollerGone);
    assert_eq!(
        app.status.as_ref().map(|s| s.severity),
        Some(Severity::Error)
    );
    let mut stale = (*snapshot_for(&initial_query())).clone();
    stale.stale = true;
    stale.problems.cost_explorer = Some("AWS is throttling ce:GetCostAndUsage".into());
    let stale = std::sync::Arc::new(stale);
    // The poller's own word stays: it is the more specific one.
    app.update(Action::Snapshot(stale.clone()));
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.message.contains("data source stopped"))
    );

    // Without one, a stale snapshot still says why it is stale.
    let mut app = loaded();
    app.update(Action::Snapshot(stale.clone()));
    let status = app.status.clone().expect("a status");
    assert_eq!(status.severity, Severity::Warning);
    assert!(status.message.contains("throttling"), "{}", status.message);

    // The reason and the next try, as the poller said them, survive the snapshot after them.
    let mut app = loaded();
    app.update(Action::Status(awsdash::poller::Status::new(
        Severity::Warning,
        "AWS is throttling ce:GetCostAndUsage even after retries (next try in 2 min)",
    )));
    app.update(Action::Snapshot(stale));
    let status = app.status.clone().expect("a status");
    assert!(
        status.message.contains("next try in 2 min"),
        "{}",
        status.message
    );
}

#[test]
fn progress_clears_when_fresh_data_arrives_but_errors_stay() {
    use awsdash::poller::Status;
    let mut app = app(plain());
    app.update(Action::Status(Status::new(
        Severity::Info,
        "fetching from AWS…",
    )));
    deliver(&mut app, &initial_query());
    assert!(app.status.is_none(), "progress is over: {:?}", app.status);
    app.update(Action::Status(Status::new(
        Severity::Error,
        "AWS credentials expired — run `aws sso login`, then press r",
    )));
    deliver(&mut app, &initial_query());
    let status = app
        .status
        .as_ref()
        .expect("the error stays until it is resolved");
    assert_eq!(status.severity, Severity::Error);
}

#[test]
fn a_preset_window_rolls_with_the_date_a_custom_one_does_not() {
    let mut app = loaded();
    let next_day = now() + chrono::Duration::hours(8);
    let commands: Vec<_> = app.update(Action::Tick(next_day)).into_iter().collect();
    let query = set_query(&commands);
    assert_eq!(
        query.window,
        Preset::Days30.window(next_day.date_naive()),
        "the last 30 days stay the last 30 days past midnight"
    );
    // Within the same day, a tick asks nothing.
    assert!(
        app.update(Action::Tick(next_day + chrono::Duration::minutes(1)))
            .is_none()
    );
    // A window typed with --start/--end stays as typed.
    let mut custom = loaded();
    custom.preset = None;
    assert!(custom.update(Action::Tick(next_day)).is_none());
}

/// The window and the filters belong to the dashboard, not to a view: every view shows the
/// same query, and switching asks the poller for no new one.
#[test]
fn number_keys_switch_views_and_keep_the_filter_and_the_window() {
    let mut app = loaded();
    let commands = press_all(&mut app, &["w", "f", "Enter", "e", "u", "-", "w", "Enter"]);
    answer(&mut app, commands);
    let query = app.query.clone();
    assert_eq!(query.window, Preset::Days90.window(today()));
    assert_eq!(query.filters.describe(), "region=eu-west-1");
    for (key, tab) in ["2", "3", "4", "5", "6", "7", "1"].into_iter().zip([
        Tab::Tags,
        Tab::Accounts,
        Tab::Changes,
        Tab::Credits,
        Tab::Savings,
        Tab::Alerts,
        Tab::Overview,
    ]) {
        let commands = press_all(&mut app, &[key]);
        assert!(
            !commands.iter().any(|c| matches!(c, Command::SetQuery(_))),
            "{key}: {commands:?}"
        );
        assert_eq!(app.tab, tab, "{key}");
        assert_eq!(app.query, query, "{key}");
    }
    // The filter keys work from any view, and the view stays.
    press_all(&mut app, &["3"]);
    let cleared = press_all(&mut app, &["c"]);
    assert!(set_query(&cleared).filters.is_empty());
    assert_eq!(app.tab, Tab::Accounts);
    let commands = press_all(&mut app, &["w"]);
    assert_eq!(
        set_query(&commands).window,
        Preset::MonthToDate.window(today())
    );
    assert_eq!(app.tab, Tab::Accounts);
}

#[test]
fn a_toggles_the_alerts_view_and_esc_goes_back_to_the_view_before() {
    let mut app = loaded();
    press_all(&mut app, &["4", "a"]);
    assert_eq!(app.tab, Tab::Alerts);
    press_all(&mut app, &["a"]);
    assert_eq!(app.tab, Tab::Changes, "a again goes back");
    press_all(&mut app, &["7", "j", "j"]);
    assert_eq!(app.alerts.scroll, 2);
    press_all(&mut app, &["Esc"]);
    assert_eq!(app.tab, Tab::Changes, "Esc goes back");
    // The overview keeps its own state while another view is shown.
    press_all(&mut app, &["1", "Enter", "5", "1"]);
    assert!(app.overview.drill.is_some());
    assert!(press_all(&mut app, &["7", "Tab", "s"]).is_empty());
    press_all(&mut app, &["1"]);
    assert_eq!(app.overview.focus, Panel::Services, "Tab is the overview's");
    assert_eq!(app.overview.sort, SortBy::Cost, "s is the overview's");
}

/// A view asks for its section each time it is opened (a fresh cached answer costs the poller
/// nothing; a stale one is refreshed), never twice while it stays open on one query. A view
/// left open through a filter asks again when the new query's snapshot arrives without its
/// section (the poller answers a new query from its cache only), and only once.
#[test]
fn a_view_asks_for_its_section_when_opened_and_when_its_query_has_none() {
    let mut app = loaded();
    let sections = [
        ("2", Section::Tags),
        ("3", Section::Accounts),
        ("4", Section::Changes),
        ("5", Section::Credits),
        ("6", Section::Savings),
    ];
    for (key, section) in sections {
        assert_eq!(
            press_all(&mut app, &[key]),
            [Command::Want(section)],
            "{key}"
        );
    }
    assert!(
        press_all(&mut app, &["1", "7"]).is_empty(),
        "they need no section"
    );
    for (key, section) in sections {
        let commands = press_all(&mut app, &["1", key]);
        assert_eq!(commands, [Command::Want(section)], "{key} opened again");
        answer(&mut app, commands);
        assert!(press_all(&mut app, &[key]).is_empty(), "{key} still open");
    }

    // A filter on the open accounts view: the poller's answer for the new query has no
    // accounts section (nothing cached for it), so the view asks for it, once.
    press_all(&mut app, &["3"]);
    let commands = press_all(&mut app, &["c", "w"]);
    let query = match commands.as_slice() {
        [.., Command::SetQuery(q)] => q.clone(),
        other => panic!("a filter is a new query: {other:?}"),
    };
    let bare = snapshot_for(&query);
    assert!(!bare.analysis.has(Section::Accounts));
    assert_eq!(
        app.update(Action::Snapshot(bare.clone())),
        Some(Command::Want(Section::Accounts))
    );
    assert_eq!(
        app.update(Action::Snapshot(bare)),
        None,
        "asked once per query"
    );
}

#[test]
fn enter_shows_a_recommendation_and_esc_goes_back_to_the_list() {
    let mut app = loaded();
    let commands = press_all(&mut app, &["6"]);
    answer(&mut app, commands);
    press_all(&mut app, &["j", "j", "Enter"]);
    assert!(app.savings.detail);
    assert_eq!(app.savings.selection.row, 2);
    press_all(&mut app, &["j"]);
    assert_eq!(
        app.savings.selection.row, 2,
        "the detail holds its recommendation"
    );
    press_all(&mut app, &["Esc"]);
    assert!(!app.savings.detail);
    assert_eq!(app.tab, Tab::Savings, "Esc leaves the detail, not the view");
    // Before the section arrives there is nothing to open.
    let mut app = loaded();
    press_all(&mut app, &["6", "Enter"]);
    assert!(!app.savings.detail);
}

#[test]
fn t_allocates_tags_by_the_next_key() {
    let mut app = loaded();
    let commands = press_all(&mut app, &["2"]);
    answer(&mut app, commands);
    let shown = |app: &App| {
        let tags = app.latest.as_ref().and_then(|s| s.analysis.tags.as_ref());
        tags.map(|t| t.key.clone())
    };
    assert_eq!(shown(&app).as_deref(), Some("team"));
    // The demo's keys, in order: env, project, team — after team comes env.
    let commands = press_all(&mut app, &["t"]);
    assert_eq!(commands, [Command::TagKey("env".into())]);
    answer(&mut app, commands);
    assert_eq!(shown(&app).as_deref(), Some("env"));
    let commands = press_all(&mut app, &["t"]);
    assert_eq!(commands, [Command::TagKey("project".into())]);
    assert!(
        press_all(&mut app, &["1", "t"]).is_empty(),
        "t is the tags view's"
    );
}

/// The overview with the Budgets panel focused and its second budget selected: the demo's
/// "Data team", limit $7,500.
fn on_data_team() -> App {
    let mut app = loaded();
    press_all(&mut app, &["Tab", "Tab", "Tab", "j"]);
    assert_eq!(app.overview.focus, Panel::Budgets);
    assert_eq!(app.overview.budget_row, 1);
    app
}

fn editor(app: &App) -> &BudgetEditor {
    match &app.overlay {
        Overlay::EditBudget(editor) => editor,
        other => panic!("the budget editor is not open: {other:?}"),
    }
}

fn money(text: &str) -> Money {
    text.parse().expect("an amount")
}

/// Each character of `text` as its own key press.
fn type_text(app: &mut App, text: &str) -> Vec<Command> {
    let keys: Vec<String> = text.chars().map(String::from).collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    press_all(app, &keys)
}

#[test]
fn e_on_a_budget_takes_a_limit_shows_before_and_after_and_y_sends_it_exactly() {
    let mut app = on_data_team();
    app.options.demo = false;
    app.options.writes = true;
    assert!(press_all(&mut app, &["e"]).is_empty());
    assert_eq!(editor(&app).name, "Data team");
    assert_eq!(editor(&app).before, money("7500"));
    let frame = render(&app, 80, 24);
    assert!(frame.contains("Data team"), "{frame}");
    assert!(
        frame.contains("$7,500.00"),
        "the limit to the cent: {frame}"
    );

    // Only digits and `.` are a limit: letters (`q` too) are ignored, nothing quits.
    assert!(type_text(&mut app, "5x0q00.5").is_empty());
    assert!(press_all(&mut app, &["Backspace"]).is_empty());
    assert!(type_text(&mut app, "75").is_empty());
    assert!(!app.quit);
    assert_eq!(
        editor(&app).stage,
        EditStage::Typing {
            input: "5000.75".into(),
            error: None
        }
    );
    assert!(press_all(&mut app, &["Enter"]).is_empty(), "Enter checks");
    assert_eq!(
        editor(&app).stage,
        EditStage::Confirm {
            limit: money("5000.75")
        }
    );
    let frame = render(&app, 80, 24);
    assert!(frame.contains("limit $7,500.00 → $5,000.75"), "{frame}");
    assert!(frame.contains("y to send, n/Esc to cancel"), "{frame}");
    assert!(press_all(&mut app, &["Enter"]).is_empty(), "only y sends");

    let sent = press_all(&mut app, &["y"]);
    let [Command::EditBudget { name, limit }] = sent.as_slice() else {
        panic!("expected one EditBudget, got {sent:?}");
    };
    assert_eq!(name, "Data team");
    assert_eq!(limit.amount(), rust_decimal::Decimal::new(500_075, 2));
    assert_eq!(limit.amount().to_string(), "5000.75", "exact, to the cent");
    assert_eq!(app.overlay, Overlay::None);
    let status = app.status.as_ref().expect("a status");
    assert!(status.message.contains("sending"), "{status:?}");
    assert!(press_all(&mut app, &["y"]).is_empty(), "sent once");
}

#[test]
fn esc_or_n_cancels_the_editor_at_every_step_and_nothing_is_sent() {
    let ways: [&[&str]; 5] = [
        &["e", "Esc"],
        &["e", "1", "2", "Esc"],
        &["e", "1", "2", "Enter", "Esc"],
        &["e", "1", "2", "Enter", "n"],
        &["e", "1", "2", "Enter", "N"],
    ];
    for keys in ways {
        let mut app = on_data_team();
        assert!(press_all(&mut app, keys).is_empty(), "{keys:?}");
        assert_eq!(app.overlay, Overlay::None, "{keys:?}");
        assert!(press_all(&mut app, &["y"]).is_empty(), "{keys:?}");
        assert_eq!(app.overview.focus, Panel::Budgets, "{keys:?}");
    }
}

#[test]
fn an_invalid_limit_says_why_in_the_dialog_and_sends_nothing() {
    for (typed, why) in [
        ("12.345", "at most two decimal places"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("", "not an amount"),
        ("1.2.3", "not an amount"),
        ("5000000000", "looks like a typo"),
    ] {
        let mut app = on_data_team();
        press_all(&mut app, &["e"]);
        type_text(&mut app, typed);
        assert!(press_all(&mut app, &["Enter", "y"]).is_empty(), "{typed}");
        let EditStage::Typing { input, error } = &editor(&app).stage else {
            panic!("{typed}: left the typing stage");
        };
        assert_eq!(input, typed, "the text stays to be corrected");
        assert!(error.is_some_and(|e| e.contains(why)), "{typed}: {error:?}");
        let frame = render(&app, 80, 24);
        assert!(frame.contains(why), "{typed}: {frame}");

        // Corrected, it goes on.
        for _ in 0..typed.len() {
            press_all(&mut app, &["Backspace"]);
        }
        type_text(&mut app, "100");
        press_all(&mut app, &["Enter"]);
        assert_eq!(
            editor(&app).stage,
            EditStage::Confirm {
                limit: money("100")
            },
            "{typed}"
        );
    }
}

#[test]
fn with_writes_off_the_editor_says_how_to_turn_them_on_and_sends_nothing() {
    let mut app = on_data_team();
    app.options.demo = false;
    app.options.writes = false;
    assert!(press_all(&mut app, &["e"]).is_empty());
    assert_eq!(editor(&app).stage, EditStage::WritesOff);
    let frame = render(&app, 80, 24);
    assert!(frame.contains("Budget edits are off"), "{frame}");
    assert!(frame.contains("allow_writes = true"), "{frame}");
    assert!(frame.contains("iam-policy-budgets-write.json"), "{frame}");
    // It takes no limit and no `y`.
    assert!(type_text(&mut app, "100y").is_empty());
    assert_eq!(editor(&app).stage, EditStage::WritesOff);
    assert!(press_all(&mut app, &["Enter"]).is_empty());
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn the_demo_takes_an_edit_without_allow_writes_and_says_it_will_be_simulated() {
    let mut app = on_data_team();
    assert!(app.options.demo && !app.options.writes);
    press_all(&mut app, &["e", "5", "0", "0", "0", "Enter"]);
    let frame = render(&app, 80, 24);
    assert!(frame.contains("simulated"), "{frame}");
    assert_eq!(
        press_all(&mut app, &["y"]),
        [Command::EditBudget {
            name: "Data team".into(),
            limit: money("5000")
        }]
    );
    let status = app.status.as_ref().expect("a status");
    assert!(status.message.contains("simulating"), "{status:?}");
}

#[test]
fn e_edits_only_from_the_budgets_panel_and_its_hint_shows_there() {
    let mut app = loaded();
    assert!(press_all(&mut app, &["e"]).is_empty());
    assert_eq!(app.overlay, Overlay::None, "services focused: no editor");
    let status = app.status.as_ref().expect("how to get there");
    assert!(status.message.contains("Budgets panel"), "{status:?}");
    let footer = render(&app, 80, 24);
    let hints = footer.lines().last().unwrap_or_default().to_string();
    assert!(
        hints.contains("⏎ drill") && !hints.contains("e edit"),
        "{hints}"
    );

    press_all(&mut app, &["Tab", "Tab", "Tab"]);
    let footer = render(&app, 80, 24);
    let hints = footer.lines().last().unwrap_or_default().to_string();
    assert!(
        hints.contains("e edit") && !hints.contains("drill"),
        "{hints}"
    );
    assert!(hints.contains("R all $"), "the footer still fits: {hints}");

    press_all(&mut app, &["?"]);
    let help = render(&app, 80, 24);
    assert!(help.contains("edit the selected budget's limit"), "{help}");
    assert!(
        help.contains("account currency."),
        "help's last line fits: {help}"
    );
    press_all(&mut app, &["Esc", "2", "e"]);
    assert_eq!(app.overlay, Overlay::None, "no editor on the tags view");
}

#[test]
fn the_editor_cleans_the_name_aws_sent_but_sends_it_back_exact() {
    let mut app = app(plain());
    let mut snapshot = (*snapshot_for(&initial_query())).clone();
    let hostile = "ops\u{1b}[2J\u{7}";
    snapshot.budgets[0].name = hostile.into();
    app.update(Action::Snapshot(std::sync::Arc::new(snapshot)));
    press_all(&mut app, &["Tab", "Tab", "Tab", "e"]);
    let buffer = render_buffer(&app, 80, 24);
    assert!(
        buffer
            .content
            .iter()
            .all(|c| !c.symbol().chars().any(char::is_control)),
        "a control character reached the terminal"
    );
    let frame = render(&app, 80, 24);
    assert!(frame.contains("ops\u{fffd}[2J\u{fffd}"), "{frame}");
    let sent = press_all(&mut app, &["1", "0", "Enter", "y"]);
    assert_eq!(
        sent,
        [Command::EditBudget {
            name: hostile.into(),
            limit: money("10")
        }]
    );
}
