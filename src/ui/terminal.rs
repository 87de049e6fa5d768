//! Owning the terminal: raw mode and the alternate screen in, and — on every exit path,
//! panics and signals included — back out again.

use std::io::{self, Write};

use crossterm::{cursor, event, execute, terminal};

/// Puts the terminal back the way the shell expects it. Safe to call more than once and
/// when the terminal was never taken over.
pub fn restore() {
    let _ = terminal::disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(
        out,
        event::DisableMouseCapture,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
    let _ = out.flush();
}
