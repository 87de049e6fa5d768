//! Whole frames of the dashboard, rendered with ratatui's `TestBackend` and pinned with insta:
//! loading → the first snapshot → a region filter → help; 80×24 and 160×48; ASCII; an error.
//! Review a changed `.snap` like a screenshot.

mod tui_support;

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
    ];
    for keys in steps {
        press_all(&mut app, keys);
        for (w, h) in sizes {
            render(&app, w, h);
        }
    }
    let app = self::app(ascii());
    for (w, h) in sizes {
        assert!(render(&app, w, h).is_ascii());
    }
}
