//! Colours and glyphs. `NO_COLOR` or `theme = "mono"` drops every colour (bold, reverse and
//! underline stay, so focus and warnings still show); `ascii = true` swaps box drawing, block
//! and braille characters for plain ASCII, for poor fonts and old terminals. `TERM=dumb`
//! gets both.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

use crate::config::{Theme as ThemeName, UiConfig};
use crate::poller::Severity;

/// Box drawing with `+`, `-` and `|` only.
pub const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// How the dashboard looks: resolved once at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub ascii: bool,
}

/// Levels a value can be at, for gauges and the change column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Good,
    Warn,
    Bad,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            color: true,
            ascii: false,
        }
    }
}

impl Theme {
    /// `no_color` is whether the `NO_COLOR` environment variable is set to something non-empty
    /// (<https://no-color.org>), `dumb` whether `TERM` is `dumb`: a terminal that promises
    /// neither colour nor more than ASCII. The caller reads the environment so this stays pure.
    pub fn new(ui: &UiConfig, no_color: bool, dumb: bool) -> Theme {
        Theme {
            color: !no_color && !dumb && ui.theme != ThemeName::Mono,
            ascii: ui.ascii || dumb,
        }
    }

    /// Reads `NO_COLOR` from the environment.
    pub fn no_color_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    /// Reads `TERM` from the environment: is it `dumb`?
    pub fn dumb_term_env() -> bool {
        std::env::var_os("TERM").is_some_and(|t| t == "dumb")
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn border_set(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::ROUNDED
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }

    pub fn title(&self, focused: bool) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if focused {
            s.patch(self.fg(Color::Cyan))
        } else {
            s
        }
    }

    pub fn demo(&self) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if self.color {
            s.fg(Color::Black).bg(Color::Yellow)
        } else {
            s.add_modifier(Modifier::REVERSED)
        }
    }

    pub fn stale(&self) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if self.color {
            s.fg(Color::White).bg(Color::Red)
        } else {
            s.add_modifier(Modifier::REVERSED)
        }
    }

    pub fn label(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn value(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    pub fn bar(&self) -> Style {
        self.fg(Color::Blue)
    }

    pub fn estimated(&self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn spike(&self) -> Style {
        self.fg(Color::Magenta)
    }

    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Good => self.fg(Color::Green),
            Level::Warn => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Level::Bad => self.fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }

    /// Rising cost is bad news, falling cost good.
    pub fn change(&self, text: &str) -> Style {
        if text.starts_with('+') || text == "new" {
            self.fg(Color::Red)
        } else if text.starts_with('-') {
            self.fg(Color::Green)
        } else {
            Style::new()
        }
    }

    pub fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Info => self.fg(Color::Gray),
            Severity::Warning => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Severity::Error => self.fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }

    // Glyphs: Unicode by default, ASCII when asked.

    pub fn sep(&self) -> &'static str {
        if self.ascii { " | " } else { " · " }
    }

    pub fn arrow(&self) -> &'static str {
        if self.ascii { "->" } else { "→" }
    }

    pub fn ellipsis(&self) -> &'static str {
        if self.ascii { "~" } else { "…" }
    }

    pub fn sort_marker(&self) -> &'static str {
        if self.ascii { "v" } else { "▼" }
    }

    pub fn enter_key(&self) -> &'static str {
        if self.ascii { "Enter" } else { "⏎" }
    }

    pub fn backspace_key(&self) -> &'static str {
        if self.ascii { "Bksp" } else { "⌫" }
    }

    pub fn updown_keys(&self) -> &'static str {
        if self.ascii { "Up/Dn" } else { "↑↓" }
    }

    /// Horizontal bar of `fraction` (0..=1) over `width` cells, eighths in Unicode.
    pub fn hbar(&self, fraction: f64, width: usize) -> String {
        let fraction = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let eighths = (fraction * width as f64 * 8.0).round() as usize;
        let (full, part) = (eighths / 8, eighths % 8);
        let mut s = String::with_capacity(width * 3);
        if self.ascii {
            s.extend(std::iter::repeat_n('#', full));
            if part >= 4 && full < width {
                s.push('=');
            }
        } else {
            s.extend(std::iter::repeat_n('█', full));
            if part > 0 && full < width {
                s.push(['▏', '▎', '▍', '▌', '▋', '▊', '▉'][part - 1]);
            }
        }
        s
    }

    /// What marks an anomalous day: above its bar in the chart, and in the chart's title.
    pub fn anomaly_mark(&self) -> &'static str {
        if self.ascii { "*" } else { "◆" }
    }

    /// The mark at the foot of a day whose net cost is negative (credits beyond spend).
    pub fn credit_mark(&self) -> &'static str {
        if self.ascii { "-" } else { "╌" }
    }

    /// The cell of a vertical bar `eighths` (0..=8) high; `estimated` days use a distinct glyph
    /// so they stand out without colour.
    pub fn vbar_cell(&self, eighths: u8, estimated: bool) -> &'static str {
        match (self.ascii, estimated) {
            (true, false) => match eighths {
                0 => " ",
                1..=3 => ".",
                4..=7 => "+",
                _ => "#",
            },
            (true, true) => match eighths {
                0 => " ",
                1..=5 => ".",
                _ => ":",
            },
            (false, false) => {
                [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"][usize::from(eighths.min(8))]
            }
            (false, true) => match eighths {
                0 => " ",
                1..=4 => "░",
                _ => "▒",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_and_mono_drop_colours() {
        let ui = UiConfig::default();
        assert!(Theme::new(&ui, false, false).color);
        assert!(!Theme::new(&ui, true, false).color);
        let mono = UiConfig {
            theme: ThemeName::Mono,
            ..UiConfig::default()
        };
        assert!(!Theme::new(&mono, false, false).color);
        assert_eq!(Theme::new(&mono, false, false).bar(), Style::new());
    }

    #[test]
    fn a_dumb_terminal_gets_ascii_and_no_colour() {
        let ui = UiConfig::default();
        assert_eq!(
            Theme::new(&ui, false, false),
            Theme {
                color: true,
                ascii: false
            }
        );
        assert_eq!(
            Theme::new(&ui, false, true),
            Theme {
                color: false,
                ascii: true
            }
        );
        let dumb = Theme::new(&ui, false, true);
        assert_eq!(dumb.bar(), Style::new());
        assert_eq!(dumb.border_set(), ASCII_BORDER);
    }

    #[test]
    fn ascii_bars_are_ascii() {
        let t = Theme {
            color: false,
            ascii: true,
        };
        assert_eq!(t.hbar(0.5, 8), "####");
        assert!(t.hbar(0.33, 7).is_ascii());
        for e in 0..=8 {
            assert!(t.vbar_cell(e, false).is_ascii() && t.vbar_cell(e, true).is_ascii());
        }
        let u = Theme::default();
        assert_eq!(u.hbar(1.0, 3), "███");
        assert_eq!(u.hbar(f64::NAN, 3), "");
    }
}
