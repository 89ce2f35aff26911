//! The terminal UI of `record` and `replay`: the rolling transcript with
//! the tagged words highlighted, the current nudge in a box, talk time,
//! recording health, and keys for the facilitator's marks.
//!
//! [`TerminalUi::start`] takes over the terminal on its own thread (raw
//! mode, alternate screen) and hands back a handle whose
//! [`TerminalUi::emit`] the pipeline calls for each event: a `try_send` into
//! a bounded queue, so the pipeline never waits for drawing (an event that
//! does not fit is dropped and counted; every turn is in the store anyway).
//! The terminal is restored when the thread ends, when the handle is
//! dropped, and on a panic anywhere in the process (a panic hook).
//!
//! Raw mode turns Ctrl-C into a key, so the UI forwards it, and `q`, to the
//! pipeline's stop channel, exactly like the signal handler does.

mod render;
mod view;

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Once};
use std::thread::JoinHandle;
use std::time::Duration;

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::Terminal;

pub use render::{draw, HIGHLIGHT, KEYS};
pub use view::{Health, Key, LiveView, NudgeBox, PartialLine, TurnLine, UiAction, VIEW_NAME};

use crate::events::Event;
use crate::store::{Feedback, FeedbackKind, Store};

/// Events waiting to be drawn; partials and status come a few per second.
const QUEUE: usize = 1024;
/// How long the UI waits for a key before drawing queued events.
const FRAME: Duration = Duration::from_millis(100);

/// Whether this process has the terminal in raw mode and the alternate screen.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static PANIC_HOOK: Once = Once::new();

/// Gives the terminal back: normal mode, main screen, cursor shown. Safe to
/// call any number of times, from any thread.
pub fn restore_terminal() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = terminal::disable_raw_mode();
        let mut out = io::stdout();
        let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
        let _ = out.flush();
    }
}

/// The running terminal UI.
pub struct TerminalUi {
    /// Into the UI thread; `None` once closed.
    events: Option<SyncSender<Event>>,
    /// The UI thread.
    thread: Option<JoinHandle<io::Result<()>>>,
    /// Events dropped because the queue was full.
    dropped: Arc<AtomicU64>,
}

impl TerminalUi {
    /// Takes over the terminal and starts drawing. Marks are stored in
    /// `store` (beside the meeting of the first `meeting` event); `q` and
    /// Ctrl-C send on `stops`.
    pub fn start(store: Store, stops: tokio::sync::mpsc::Sender<()>) -> io::Result<TerminalUi> {
        PANIC_HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore_terminal();
                previous(info);
            }));
        });
        terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        if let Err(error) = execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide) {
            restore_terminal();
            return Err(error);
        }
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let thread = std::thread::Builder::new()
            .name("terminal-ui".into())
            .spawn(move || {
                // Restores on every way out of the thread, unwinding included.
                let _restore = RestoreOnDrop;
                run(rx, &store, &stops)
            });
        let thread = match thread {
            Ok(thread) => thread,
            Err(error) => {
                restore_terminal();
                return Err(error);
            }
        };
        Ok(TerminalUi {
            events: Some(tx),
            thread: Some(thread),
            dropped,
        })
    }

    /// Queues an event for drawing; never waits. Fails once the UI has
    /// ended (then the pipeline stops calling, as for a closed stdout).
    pub fn emit(&self, event: &Event) -> io::Result<()> {
        let Some(tx) = &self.events else {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the terminal UI ended",
            ));
        };
        match tx.try_send(event.clone()) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(TrySendError::Disconnected(_)) => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the terminal UI ended",
            )),
        }
    }

    /// Events that were not drawn because the UI fell behind.
    pub fn n_dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Closes the UI (after the meeting ended) and gives the terminal back.
    pub fn finish(mut self) -> io::Result<()> {
        self.close()
    }

    fn close(&mut self) -> io::Result<()> {
        self.events.take();
        let result = match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the terminal UI panicked")),
            None => Ok(()),
        };
        restore_terminal();
        result
    }
}

impl Drop for TerminalUi {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

struct RestoreOnDrop;

impl Drop for RestoreOnDrop {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// The UI thread: draw, wait a frame for a key, take queued events, until
/// the event queue closes.
fn run(
    rx: Receiver<Event>,
    store: &Store,
    stops: &tokio::sync::mpsc::Sender<()>,
) -> io::Result<()> {
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.clear()?;
    let mut view = LiveView::new();
    let mut meeting = None;
    loop {
        terminal.draw(|frame| draw(frame, &view))?;
        if event::poll(FRAME)? {
            if let TermEvent::Key(key) = event::read()? {
                if key.kind == KeyEventKind::Press {
                    let key = match key.code {
                        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                            Some(Key::Interrupt)
                        }
                        KeyCode::Char(c) => Some(Key::Char(c)),
                        KeyCode::Esc => Some(Key::Escape),
                        _ => None,
                    };
                    match key.and_then(|k| view.on_key(k)) {
                        Some(UiAction::Stop) => {
                            let _ = stops.try_send(());
                        }
                        Some(UiAction::Store(feedback)) => {
                            if let Err(error) =
                                store_feedback(store, &mut meeting, &view, &feedback)
                            {
                                view.notice = Some(format!("not stored: {error}"));
                            }
                        }
                        None => {}
                    }
                }
            }
        }
        loop {
            match rx.try_recv() {
                Ok(event) => {
                    if let Event::Meeting { id, .. } = &event {
                        meeting = store.resolve(id).ok();
                        if let Some(id) = &meeting {
                            // Nudges from here on were seen by a person.
                            let opened = Feedback::now(FeedbackKind::Opened, 0.0, None, VIEW_NAME);
                            if let Err(error) = store.append_feedback(id, &opened) {
                                view.notice = Some(format!("marks cannot be stored: {error}"));
                            }
                        }
                    }
                    view.apply(&event);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Ok(()),
            }
        }
    }
}

/// Appends a mark to the meeting on screen.
fn store_feedback(
    store: &Store,
    meeting: &mut Option<crate::store::MeetingId>,
    view: &LiveView,
    feedback: &Feedback,
) -> Result<(), crate::store::StoreError> {
    if meeting.is_none() {
        *meeting = Some(store.resolve(&view.meeting_id)?);
    }
    match meeting {
        Some(id) => store.append_feedback(id, feedback),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
