//! The budget editor dialog: the budget and its limit, then the new limit's box, then
//! before → after and the keys that send or cancel — or, with writes off, how to turn them
//! on. The budget's name and currency come from AWS, so they are cleaned before drawing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::poller::Severity;
use crate::text::clean;
use crate::ui::app::{App, BudgetEditor, EditStage};
use crate::ui::format::money;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, editor: &BudgetEditor) {
    let theme = app.theme();
    // Three lines of budget, four of the stage; the way to turn writes on takes two more.
    let height = match editor.stage {
        EditStage::WritesOff => 11,
        _ => 9,
    };
    let rect = super::popup(frame, area, 60, height);
    let block = super::block(app, " Edit budget limit ", true);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let currency = clean(&editor.currency);
    let shown = |m| money(m, &currency);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Budget  ", theme.label()),
            Span::styled(clean(&editor.name).into_owned(), theme.value()),
        ]),
        Line::from(vec![
            Span::styled("Limit   ", theme.label()),
            Span::styled(shown(editor.before), theme.value()),
        ]),
        Line::from(""),
    ];
    let key = |k: &str| Span::styled(k.to_string(), theme.key());
    match &editor.stage {
        EditStage::WritesOff => {
            lines.push(Line::from(Span::styled(
                "Budget edits are off; nothing will be sent.",
                theme.severity(Severity::Warning),
            )));
            lines.push(Line::from(
                "To turn them on, set [aws] allow_writes = true in the config and attach \
                 assets/iam-policy-budgets-write.json (budgets:ModifyBudget).",
            ));
            lines.push(Line::from(""));
            lines.push(Line::from(vec![key("Esc"), Span::raw(" close")]));
        }
        EditStage::Typing { input, error } => {
            lines.push(Line::from(vec![
                Span::styled("New limit ", theme.label()),
                Span::styled(input.clone(), theme.value()),
                Span::styled("_", theme.accent()),
            ]));
            lines.push(match error {
                Some(why) => Line::from(Span::styled(
                    format!("{}: {why}", if input.is_empty() { "empty" } else { input }),
                    theme.severity(Severity::Error),
                )),
                None => Line::from(Span::styled("digits and . only, to the cent", theme.dim())),
            });
            lines.push(Line::from(""));
            lines.push(Line::from(vec![
                key(theme.enter_key()),
                Span::raw(" check"),
                Span::raw(theme.sep()),
                key("Esc"),
                Span::raw(" cancel"),
            ]));
        }
        EditStage::Confirm { limit } => {
            lines.push(Line::from(Span::styled(
                format!(
                    "limit {} {} {}",
                    shown(editor.before),
                    theme.arrow(),
                    shown(*limit)
                ),
                theme.value(),
            )));
            lines.push(Line::from(Span::styled(
                match editor.demo {
                    true => "Demo: simulated, nothing is sent to AWS.",
                    false => "Sent to AWS, read back, and written to the audit log.",
                },
                theme.dim(),
            )));
            lines.push(Line::from(""));
            lines.push(Line::from(vec![
                key("y"),
                Span::raw(" to send, "),
                key("n"),
                Span::raw("/"),
                key("Esc"),
                Span::raw(" to cancel"),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
