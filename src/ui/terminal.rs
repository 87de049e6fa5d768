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

/// The terminal in dashboard mode. Dropping it — on quit, on an error, while unwinding from
/// a panic — puts the terminal back with [`restore`].
pub struct TerminalGuard {
    pub terminal: ratatui::Terminal<ratatui::backend::CrosstermBackend<io::Stdout>>,
}

impl TerminalGuard {
    /// Raw mode, the alternate screen, a hidden cursor and, if asked, mouse capture.
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        terminal::enable_raw_mode()?;
        let entered = (|| {
            let mut out = io::stdout();
            execute!(out, terminal::EnterAlternateScreen, cursor::Hide)?;
            if mouse {
                execute!(out, event::EnableMouseCapture)?;
            }
            ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(io::stdout()))
        })();
        match entered {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
