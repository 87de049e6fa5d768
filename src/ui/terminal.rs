//! Owning the terminal: raw mode and the alternate screen in, and — on every exit path,
//! panics and signals included — back out again; handed back to the shell while the
//! dashboard is suspended (Ctrl-Z, SIGTSTP) and taken again when it is continued.

use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::{cursor, event, execute, terminal};

/// Whether the dashboard holds the terminal: the panic hook restores it only then, so a
/// panic in `awsdash snapshot` never writes terminal codes into the JSON on stdout.
static TAKEN: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back the way the shell expects it. Safe to call more than once; does
/// nothing when the terminal was not taken over.
pub fn restore() {
    if !TAKEN.swap(false, Ordering::SeqCst) {
        return;
    }
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
    /// Never dropped: ratatui's `Drop` only shows the cursor again, which [`restore`] does,
    /// and when that fails it `eprintln!`s, which panics when stderr is the same terminal and
    /// it hung up (SIGHUP), turning a clean exit into an abort.
    pub terminal: ManuallyDrop<ratatui::Terminal<ratatui::backend::CrosstermBackend<io::Stdout>>>,
    mouse: bool,
}

impl TerminalGuard {
    /// Raw mode, the alternate screen, a hidden cursor and, if asked, mouse capture.
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        let entered = take(mouse).and_then(|()| {
            ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(io::stdout()))
        });
        match entered {
            Ok(terminal) => Ok(TerminalGuard {
                terminal: ManuallyDrop::new(terminal),
                mouse,
            }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }

    /// Ctrl-Z or SIGTSTP: hands the terminal back to the shell and stops the process; returns
    /// once it is continued (`fg`, SIGCONT), with the terminal taken again ([`Self::resume`]).
    ///
    /// The stop is a SIGSTOP: SIGTSTP is ours now (the event loop catches it), and raw mode
    /// delivers Ctrl-Z as a key, so nothing else would stop us. `raise` directs it at this
    /// very thread, which therefore stops before its next instruction; a `kill` of the
    /// process could let it run on into `resume` while the others stop.
    pub fn suspend(&mut self) -> io::Result<()> {
        restore();
        // SAFETY: raise(3) takes a plain signal number and touches no memory of ours.
        if unsafe { libc::raise(libc::SIGSTOP) } != 0 {
            return Err(io::Error::last_os_error());
        }
        self.resume()
    }

    /// After a stop, ours or anyone's (SIGSTOP cannot be caught, so SIGCONT is the only news
    /// of it): raw mode, the alternate screen and mouse capture again, and the next draw
    /// repaints every cell, since the shell drew over ours meanwhile. Idempotent: after our
    /// own stop it runs twice, once on return from [`Self::suspend`], once for the SIGCONT.
    pub fn resume(&mut self) -> io::Result<()> {
        // crossterm remembers having enabled raw mode and would skip enabling it again, but a
        // job-control shell resets the terminal's modes while we are stopped: disabling first
        // makes the enable real.
        terminal::disable_raw_mode()?;
        take(self.mouse)?;
        // A "resize" to the current size clears the screen and forgets the last frame, so the
        // next draw writes every cell. `Terminal::clear` would too, but it first asks the
        // terminal for the cursor position, and with the event reader task running, that
        // answer never reaches it: it fails after 2 s ("could not be read").
        let size = self.terminal.size()?;
        self.terminal
            .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
    }
}

/// Raw mode, the alternate screen, a hidden cursor and, if asked, mouse capture.
fn take(mouse: bool) -> io::Result<()> {
    TAKEN.store(true, Ordering::SeqCst);
    terminal::enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(out, terminal::EnterAlternateScreen, cursor::Hide)?;
    if mouse {
        execute!(out, event::EnableMouseCapture)?;
    }
    Ok(())
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
