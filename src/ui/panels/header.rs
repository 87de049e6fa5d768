//! The header: where the numbers come from (DEMO, account, profile, window, filters), the
//! headline figures (total and change, month to date against the same days last month, the
//! forecast), how fresh and how expensive the data is, and the tabs of the views.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::{DataOrigin, Snapshot};
use crate::text::clean;
use crate::ui::app::App;
use crate::ui::format::{age, change, money, money_whole};
use crate::ui::views;

/// Identity, figures, sources and the tab bar.
pub const HEIGHT: u16 = 4;

/// The full header, or in `compact` form the identity, the figures (with the filters) and a
/// short tab bar, as many as `area` has rows for.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, compact: bool) {
    if area.height == 0 {
        return;
    }
    let wide = area.width >= 120;
    let mut lines = vec![identity(app, wide || !compact)];
    if area.height >= 2 {
        lines.push(figures(app, wide, compact));
    }
    if area.height >= 3 && !compact {
        lines.push(sources(app, wide, area.width));
    }
    if usize::from(area.height) > lines.len() {
        lines.push(views::tab_bar(app, compact && !wide));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// "awsdash  DEMO DATA · account … · profile … · 30d Oct 27 → Nov 25".
fn identity(app: &App, long: bool) -> Line<'static> {
    let theme = app.theme();
    let sep = theme.sep();
    let snapshot = app.latest.as_deref();
    let demo = snapshot.map_or(app.options.demo, Snapshot::is_demo);
    let mut spans = vec![Span::styled(
        "awsdash ",
        theme.accent().patch(theme.value()),
    )];
    if demo {
        spans.push(Span::styled(
            if long { " DEMO DATA " } else { " DEMO " },
            theme.demo(),
        ));
    }
    if snapshot.is_some_and(|s| s.stale) {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" STALE ", theme.stale()));
    }
    let account = match snapshot.and_then(|s| s.account_id.as_deref()) {
        Some(id) => match snapshot.and_then(|s| s.filter_values.accounts.get(id)) {
            Some(name) => format!("{name} ({id})"),
            None => id.to_string(),
        },
        None if demo => "demo".into(),
        None => "…".into(),
    };
    spans.push(Span::styled(format!("{sep}account "), theme.label()));
    spans.push(Span::raw(clean(&account).into_owned()));
    // The demo uses no credentials; without --profile they come from the standard chain.
    if !demo && (long || app.options.profile.is_some()) {
        spans.push(Span::styled(format!("{sep}profile "), theme.label()));
        spans.push(Span::raw(
            app.options
                .profile
                .clone()
                .unwrap_or_else(|| "(default chain)".into()),
        ));
    }
    let w = app.query.window;
    let last = w.end.pred_opt().unwrap_or(w.end);
    let label = app
        .preset
        .filter(|p| p.window(app.today()) == w)
        .map_or_else(|| format!("{}d", w.days()), |p| p.label().to_string());
    spans.push(Span::styled(sep.to_string(), theme.label()));
    spans.push(Span::styled(label, theme.value()));
    spans.push(Span::raw(format!(
        " {} {} {}",
        w.start.format("%b %d"),
        theme.arrow(),
        last.format("%b %d")
    )));
    let firing = snapshot.map_or(0, |s| s.alerts.len());
    if firing > 0 {
        spans.push(Span::styled(sep.to_string(), theme.label()));
        spans.push(Span::styled(
            format!("{firing} alert{} [a]", if firing == 1 { "" } else { "s" }),
            theme.severity(crate::poller::Severity::Warning),
        ));
    }
    Line::from(spans)
}

/// "Total $31,234.56 +3.2% · MTD $25,000 vs $24,100 (+3.7%) · Forecast $33,100".
fn figures(app: &App, wide: bool, compact: bool) -> Line<'static> {
    let theme = app.theme();
    let sep = theme.sep();
    let Some(view) = &app.view else {
        let text = match app.latest.as_deref() {
            // The free sources answered; Cost Explorer has not (yet).
            Some(s) if s.problems.cost_explorer.is_some() => "Total unknown: Cost Explorer failed",
            Some(_) => "Total unknown: waiting for Cost Explorer",
            None => "loading…",
        };
        let text = if theme.ascii {
            text.replace('…', "...")
        } else {
            text.to_string()
        };
        return Line::from(Span::styled(text, theme.dim()));
    };
    let cur = view.source.currency.clone();
    let b = &view.breakdown;
    let mut spans = vec![
        Span::styled("Total ", theme.label()),
        Span::styled(money(b.total, &cur), theme.value()),
    ];
    if let Some(prev) = b.previous_total {
        let c = change(b.total, prev, &cur);
        if !c.is_empty() {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(c.clone(), theme.change(&c)));
            if wide {
                spans.push(Span::styled(" vs previous period", theme.label()));
            }
        }
    }
    if compact && !wide {
        // The compact header has no filter line: the filters go here.
        if !app.query.filters.is_empty() {
            spans.push(Span::styled(sep.to_string(), theme.label()));
            spans.push(Span::styled(
                clean(&app.query.filters.describe()).into_owned(),
                theme.accent().patch(theme.value()),
            ));
        }
        return Line::from(spans);
    }
    let mtd = view.month_to_date;
    let amount = |m| {
        if wide {
            money(m, &cur)
        } else {
            money_whole(m, &cur)
        }
    };
    spans.push(Span::styled(format!("{sep}MTD "), theme.label()));
    spans.push(Span::styled(amount(mtd.cost), theme.value()));
    spans.push(Span::styled(
        if wide {
            " vs same days last month "
        } else {
            " vs "
        },
        theme.label(),
    ));
    spans.push(Span::raw(amount(mtd.previous_month_same_days)));
    let c = change(mtd.cost, mtd.previous_month_same_days, &cur);
    if !c.is_empty() {
        spans.push(Span::styled(format!(" ({c})"), theme.change(&c)));
    }
    let forecast = view
        .source
        .forecast
        .as_ref()
        .filter(|_| view.local.is_empty() && view.exact);
    spans.push(Span::styled(
        format!(
            "{sep}{}",
            if wide { "Forecast month end " } else { "Fcst " }
        ),
        theme.label(),
    ));
    let forecast_failed = view.source.problems.forecast.is_some();
    match forecast {
        Some(f) => {
            spans.push(Span::styled(amount(f.month_end), theme.value()));
            if forecast_failed {
                spans.push(Span::styled(" (old)", theme.dim()));
            }
        }
        None if !view.local.is_empty() || !view.exact => {
            spans.push(Span::styled("updating", theme.dim()))
        }
        None if forecast_failed => spans.push(Span::styled("failed", theme.dim())),
        None => spans.push(Span::styled("unavailable", theme.dim())),
    }
    Line::from(spans)
}

/// "Filters: region=us-east-1 · CE 5m ago, Budgets 5m, CW 5m · CE: 3 calls ($0.03)".
fn sources(app: &App, wide: bool, width: u16) -> Line<'static> {
    let theme = app.theme();
    let sep = theme.sep();
    let mut spans = vec![Span::styled("Filters: ", theme.label())];
    if app.query.filters.is_empty() {
        spans.push(Span::styled("none (f adds)", theme.dim()));
    } else {
        spans.push(Span::styled(
            clean(&app.query.filters.describe()).into_owned(),
            theme.accent().patch(theme.value()),
        ));
    }
    if app.latest.is_some() && app.is_pending() {
        spans.push(Span::styled(
            if theme.ascii {
                " (updating...)"
            } else {
                " (updating…)"
            },
            theme.dim(),
        ));
    }
    let head = spans.len();
    if let Some(s) = app.latest.as_deref() {
        let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map_or_else(|| "never".to_string(), |t| age(app.now, t))
        };
        spans.push(Span::styled(format!("{sep}data: "), theme.label()));
        // "!" after a source's age: its latest attempt failed (the footer says why).
        let mark = |failed: bool| if failed { "!" } else { "" };
        let p = &s.problems;
        let ce = when(s.freshness.cost_explorer) + mark(p.cost_explorer.is_some());
        let bud = when(s.freshness.budgets) + mark(p.budgets.is_some());
        let cw = when(s.freshness.cloudwatch) + mark(p.cloudwatch.is_some());
        let short = |t: String| t.replace(" ago", "").replace("just now", "now");
        let whence = whence(s, wide);
        if wide {
            spans.push(Span::raw(format!(
                "Cost Explorer {ce}{whence}, Budgets {bud}, CloudWatch {cw}"
            )));
        } else {
            spans.push(Span::raw(format!(
                "CE {}{whence}, Bud {}, CW {}",
                short(ce),
                short(bud),
                short(cw)
            )));
        }
        // The demo makes no AWS call: nothing to meter.
        if s.is_demo() {
            return Line::from(spans);
        }
        let calls = s.api_calls.cost_explorer;
        spans.push(Span::styled(sep.to_string(), theme.label()));
        spans.push(Span::raw(format!(
            "CE: {calls} call{} ({})",
            if calls == 1 { "" } else { "s" },
            money(s.api_calls.cost_explorer_usd(), "USD")
        )));
        if wide {
            spans.push(Span::styled(" today", theme.label()));
        }
    }
    // Too long for the terminal: the "Filters: none (f adds)" hint goes, the facts stay.
    let line = Line::from(spans);
    if line.width() > usize::from(width) && app.query.filters.is_empty() && app.latest.is_some() {
        let mut spans = line.spans;
        spans[head] = Span::styled("data: ", theme.label());
        return Line::from(spans.split_off(2));
    }
    line
}

/// Whose the Cost Explorer numbers are, after their age: " (shared, by ci-box-2:4242)" from
/// the team's table, " (refreshing — by ci-box-2:4242)" while another process holds the
/// lease; nothing for this process's own fetch or disk cache.
fn whence(s: &Snapshot, wide: bool) -> String {
    let by = |who: &str| clean(who).into_owned();
    match (&s.refreshing_by, &s.origin) {
        (Some(holder), _) if wide => format!(" (refreshing — by {})", by(holder)),
        (Some(holder), _) => format!(" refreshing by {}", by(holder)),
        (None, Some(DataOrigin::Shared { by: who })) if wide => {
            format!(" (shared, by {})", by(who))
        }
        (None, Some(DataOrigin::Shared { by: who })) => format!(" by {}", by(who)),
        _ => String::new(),
    }
}
