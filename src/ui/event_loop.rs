//! The one loop: terminal events, the poller's updates, a clock tick and signals (ending,
//! suspending, continuing) all become [`Action`]s; the screen is redrawn only when something
//! changed, at most once per frame interval, after draining everything already waiting (a
//! burst of keys or a resize storm costs one frame). The loop never awaits the network:
//! commands to the poller are `try_send`.

use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::error::AppError;
use crate::poller::{Command, PollerHandle, Update};

use super::app::{Action, App};
use super::keys::{self, Mode};
use super::terminal::TerminalGuard;

/// Frames are drawn at most this often.
const FRAME: Duration = Duration::from_millis(16);
/// The clock tick: ages such as "5m ago" move on.
const TICK: Duration = Duration::from_secs(1);
/// At most this many queued inputs are applied before a frame.
const MAX_BATCH: usize = 1_024;

enum Input {
    Terminal(std::io::Result<Event>),
    TerminalClosed,
    Update(Update),
    PollerGone,
    Tick,
    /// A signal that ends the dashboard: its name and exit code.
    Ending(&'static str, u8),
    /// SIGTSTP (`kill -TSTP`, a job-control shell): suspend, as Ctrl-Z does.
    Stop,
    /// SIGCONT: continued after a stop, ours or anyone's.
    Continued,
    FrameDue,
}

/// Runs the dashboard until the user quits or a signal arrives; the terminal is restored on
/// every way out (the guard's `Drop`, and the panic hook for panics).
pub async fn run(mut app: App, mut poller: PollerHandle, mouse: bool) -> Result<(), AppError> {
    let term_err = |e: std::io::Error| AppError::Other(format!("terminal: {e}"));
    let mut sigterm = signal(SignalKind::terminate()).map_err(term_err)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(term_err)?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(term_err)?;
    let mut sigquit = signal(SignalKind::quit()).map_err(term_err)?;
    // Caught, SIGTSTP no longer stops the process by itself: `TerminalGuard::suspend` does,
    // after handing the terminal back.
    let mut sigtstp = signal(SignalKind::from_raw(libc::SIGTSTP)).map_err(term_err)?;
    let mut sigcont = signal(SignalKind::from_raw(libc::SIGCONT)).map_err(term_err)?;

    let mut guard = TerminalGuard::enter(mouse).map_err(term_err)?;

    // Terminal events are read by their own task into a channel, so the loop can drain
    // everything already typed without blocking (the ratatui template's pattern).
    let (event_tx, mut event_rx) = mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            if event_tx.send(event).is_err() {
                break;
            }
        }
    });

    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut poller_open = true;
    let mut dirty = true;
    let mut last_frame: Option<Instant> = None;
    let mut logged_first_data = false;
    let mut shown_minute = app.now.timestamp() / 60;
    // Set when a signal ends the dashboard: returned once the guard restored the terminal.
    let mut ended_by = None;

    let result = loop {
        if dirty && last_frame.is_none_or(|t| t.elapsed() >= FRAME) {
            if let Err(e) = guard.terminal.draw(|frame| super::draw(frame, &app)) {
                break Err(term_err(e));
            }
            dirty = false;
            last_frame = Some(Instant::now());
            if !logged_first_data && app.view.is_some() {
                // DESIGN's budget: the first frame with numbers within 50 ms of exec (from a
                // warm cache). Logged, so it can be measured on any machine.
                logged_first_data = true;
                tracing::info!(
                    ms = crate::STARTED
                        .get()
                        .map(|t| t.elapsed().as_secs_f64() * 1e3),
                    "first frame with data"
                );
            }
        }
        let frame_due = last_frame.map_or_else(Instant::now, |t| t + FRAME);

        let first = tokio::select! {
            // A signal that ends us goes first: a hangup brings SIGHUP and SIGCONT together,
            // and taking the dead terminal again for the SIGCONT would fail and end with 1.
            biased;
            _ = sigterm.recv() => ending("SIGTERM", libc::SIGTERM),
            _ = sighup.recv() => ending("SIGHUP", libc::SIGHUP),
            _ = sigint.recv() => ending("SIGINT", libc::SIGINT),
            _ = sigquit.recv() => ending("SIGQUIT", libc::SIGQUIT),
            input = async {
                tokio::select! {
                    event = event_rx.recv() => match event {
                        Some(event) => Input::Terminal(event),
                        None => Input::TerminalClosed,
                    },
                    update = poller.updates.recv(), if poller_open => match update {
                        Some(update) => Input::Update(update),
                        None => Input::PollerGone,
                    },
                    _ = tick.tick() => Input::Tick,
                    _ = sigtstp.recv() => Input::Stop,
                    _ = sigcont.recv() => Input::Continued,
                    _ = tokio::time::sleep_until(frame_due), if dirty => Input::FrameDue,
                }
            } => input,
        };

        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            if let Ok(event) = event_rx.try_recv() {
                batch.push(Input::Terminal(event));
            } else if let Some(update) = poller_open
                .then(|| poller.updates.try_recv().ok())
                .flatten()
            {
                batch.push(Input::Update(update));
            } else {
                break;
            }
        }

        let mut failed = None;
        for input in batch {
            let action = match input {
                Input::Terminal(Ok(Event::Key(key))) => keys::map_key(Mode::of(&app), key),
                Input::Terminal(Ok(Event::Mouse(m))) => keys::map_mouse(m),
                Input::Terminal(Ok(Event::Resize(..))) => {
                    dirty = true;
                    None
                }
                Input::Terminal(Ok(_)) => None,
                Input::Terminal(Err(e)) => {
                    failed = Some(term_err(e));
                    break;
                }
                Input::TerminalClosed => {
                    failed = Some(AppError::Other("terminal: input closed".into()));
                    break;
                }
                Input::Update(Update::Snapshot(s)) => Some(Action::Snapshot(s)),
                Input::Update(Update::Status(s)) => Some(Action::Status(s)),
                Input::PollerGone => {
                    poller_open = false;
                    Some(Action::PollerGone)
                }
                Input::Tick => {
                    let now = Utc::now();
                    // Ages are shown in minutes: redraw when the minute turns.
                    let minute = now.timestamp() / 60;
                    if minute != shown_minute {
                        shown_minute = minute;
                        Some(Action::Tick(now))
                    } else {
                        app.now = now;
                        None
                    }
                }
                Input::Ending(name, code) => {
                    tracing::info!("{name}: quitting");
                    ended_by = Some(AppError::Signal { name, code });
                    Some(Action::Quit)
                }
                Input::Stop => Some(Action::Suspend),
                Input::Continued => {
                    tracing::info!("SIGCONT: taking the terminal again");
                    if let Err(e) = guard.resume() {
                        failed = Some(term_err(e));
                        break;
                    }
                    dirty = true;
                    None
                }
                Input::FrameDue => None,
            };
            if let Some(action) = action {
                if !matches!(action, Action::Snapshot(_)) {
                    tracing::debug!(?action, "action");
                }
                if let Some(command) = app.update(action) {
                    send(&poller, command, &mut app);
                }
                dirty = true;
            }
            if app.quit {
                break;
            }
            if std::mem::take(&mut app.suspend) {
                tracing::info!("suspending");
                if let Err(e) = guard.suspend() {
                    failed = Some(term_err(e));
                    break;
                }
                tracing::info!("resumed");
            }
        }
        if let Some(e) = failed {
            // A terminal that fails as it hangs up: the SIGHUP may still be on its way (it
            // comes with SIGCONT, and the reader may see the dead terminal first). It, not
            // the I/O error, says why we end.
            let grace = Duration::from_millis(300);
            let late = tokio::time::timeout(grace, async {
                tokio::select! {
                    _ = sighup.recv() => ("SIGHUP", libc::SIGHUP),
                    _ = sigterm.recv() => ("SIGTERM", libc::SIGTERM),
                }
            })
            .await;
            break match late {
                Ok((name, number)) => {
                    tracing::info!("{name} after a terminal error ({e}): quitting");
                    Err(AppError::Signal {
                        name,
                        code: 128 + number as u8,
                    })
                }
                Err(_) => Err(e),
            };
        }
        if app.quit {
            break ended_by.map_or(Ok(()), Err);
        }
    };
    reader.abort();
    drop(guard);
    result
}

/// A signal that ends the dashboard, with exit code 128 + its number (SIGHUP 129, SIGINT 130,
/// SIGQUIT 131, SIGTERM 143), as a shell reports a process the signal killed.
fn ending(name: &'static str, number: libc::c_int) -> Input {
    Input::Ending(name, 128 + number as u8)
}

/// Hands a command to the poller without waiting; a full queue is reported, not awaited. A
/// view's `Want` that did not get through is forgotten, so the next snapshot asks again.
fn send(poller: &PollerHandle, command: Command, app: &mut App) {
    if let Err(e) = poller.commands.try_send(command) {
        tracing::warn!("poller busy: {e}");
        if let Command::Want(section) = e.into_inner() {
            app.forget_asked(section);
        }
        app.update(Action::Status(crate::poller::Status::new(
            crate::poller::Severity::Warning,
            "the data source is busy; try again in a moment",
        )));
    }
}
