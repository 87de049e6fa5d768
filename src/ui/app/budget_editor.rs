//! The budget editor's state (`e` on the Budgets panel): the selected budget, the new limit
//! being typed, then before → after waiting for `y`. Nothing here touches the network: a
//! confirmed edit becomes a [`Command::EditBudget`] for the poller. The limit is checked by
//! the same rule as `awsdash budget set --limit` ([`parse_limit`]); drawing is in
//! `panels::budget_editor`.

use crate::budget_limit::parse_limit;
use crate::model::Money;
use crate::poller::{Command, Severity};
use crate::ui::views::Tab;

use super::{App, Overlay, Panel};

/// Longest text the limit box takes: a billion to the cent is 13 characters, so this never
/// cuts a valid limit, and a held-down key cannot grow the box without end.
const MAX_INPUT: usize = 16;

/// Where the dialog is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Writes are off (`[aws] allow_writes`): the dialog says how to turn them on, and takes
    /// no input.
    WritesOff,
    /// Typing the new limit; `error` is why the last Enter was refused.
    Typing {
        input: String,
        error: Option<&'static str>,
    },
    /// The limit parsed: before → after shown, `y` sends it.
    Confirm { limit: Money },
}

/// Which keys the dialog takes (see `keys::map_key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    WritesOff,
    Typing,
    Confirm,
}

/// The dialog for one budget. `name` is as AWS sent it (the command must name the budget
/// exactly); the drawing cleans it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetEditor {
    pub name: String,
    pub before: Money,
    pub currency: String,
    /// The demo account: the edit will be simulated, and the dialog says so.
    pub demo: bool,
    pub stage: Stage,
}

impl BudgetEditor {
    pub fn step(&self) -> Step {
        match self.stage {
            Stage::WritesOff => Step::WritesOff,
            Stage::Typing { .. } => Step::Typing,
            Stage::Confirm { .. } => Step::Confirm,
        }
    }

    /// A typed character: digits and one kind of separator only, as a limit is written.
    fn type_char(&mut self, c: char) {
        if let Stage::Typing { input, error } = &mut self.stage
            && (c.is_ascii_digit() || c == '.')
            && input.len() < MAX_INPUT
        {
            input.push(c);
            *error = None;
        }
    }

    fn backspace(&mut self) {
        if let Stage::Typing { input, error } = &mut self.stage {
            input.pop();
            *error = None;
        }
    }

    /// Enter: the limit checked as the CLI checks `--limit`; refused, the reason stays shown
    /// and the text stays to be corrected.
    fn submit(&mut self) {
        if let Stage::Typing { input, error } = &mut self.stage {
            match parse_limit(input) {
                Ok(limit) => self.stage = Stage::Confirm { limit },
                Err(why) => *error = Some(why),
            }
        }
    }
}

impl App {
    /// `e`: the editor for the selected budget, when the Budgets panel is focused and shown.
    /// Anywhere else the footer says how to get there rather than nothing happening.
    pub(super) fn open_editor(&mut self) {
        if self.overlay != Overlay::None {
            return;
        }
        let on_budgets = self.tab == Tab::Overview
            && self.overview.focus == Panel::Budgets
            && self.overview.drill.is_none();
        if !on_budgets {
            self.set_status(
                Severity::Info,
                "e edits a budget's limit: Tab to the Budgets panel and pick one with ↑↓ first",
            );
            return;
        }
        let Some(snapshot) = self.latest.as_deref() else {
            return;
        };
        let Some(budget) = snapshot.budgets.get(self.overview.budget_row) else {
            self.set_status(Severity::Info, "no budget to edit");
            return;
        };
        let demo = self.options.demo;
        let stage = if demo || self.options.writes {
            Stage::Typing {
                input: String::new(),
                error: None,
            }
        } else {
            Stage::WritesOff
        };
        self.overlay = Overlay::EditBudget(BudgetEditor {
            name: budget.name.clone(),
            before: budget.limit,
            currency: snapshot.currency.clone(),
            demo,
            stage,
        });
    }

    /// A character, Backspace or Enter while the editor is open; false when it is not.
    pub(super) fn edit_input(&mut self, key: EditKey) -> bool {
        let Overlay::EditBudget(editor) = &mut self.overlay else {
            return false;
        };
        match key {
            EditKey::Char(c) => editor.type_char(c),
            EditKey::Backspace => editor.backspace(),
            EditKey::Enter => editor.submit(),
        }
        true
    }

    /// `y` on before → after: the dialog closes and the poller is asked to make the change.
    /// At any other stage `y` does nothing, so no key sends an unchecked limit.
    pub(super) fn confirm_edit(&mut self) -> Option<Command> {
        let Overlay::EditBudget(editor) = &self.overlay else {
            return None;
        };
        let Stage::Confirm { limit } = editor.stage else {
            return None;
        };
        let name = editor.name.clone();
        let progress = match editor.demo {
            true => format!("budget {name}: simulating the new limit…"),
            false => format!("budget {name}: sending the new limit to AWS…"),
        };
        self.overlay = Overlay::None;
        self.set_status(Severity::Info, &progress);
        Some(Command::EditBudget { name, limit })
    }
}

/// The editor's own keys, as the app's actions deliver them.
#[derive(Debug, Clone, Copy)]
pub(super) enum EditKey {
    Char(char),
    Backspace,
    Enter,
}
