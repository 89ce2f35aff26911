//! [`LiveIndex`]: makes a meeting searchable while it is recorded.
//!
//! ```text
//!  store thread ──try_send──► index thread ──► IndexWriter (commit every second, and at the end)
//!  (after each turn is       [bounded, 1024 turns]
//!   on disk)
//! ```
//!
//! Edge policy: the store thread never waits for the index. When the queue
//! is full (a commit stalled on a slow disk for minutes) the turn is dropped
//! from the index and counted, the meeting is marked incomplete in the
//! index state, and it is indexed again from the store at the end; after a
//! crash, the next `search` or `reindex` does it. The store stays the source
//! of truth.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tantivy::Term;

use super::write::{self, IndexState};
use super::{index_dir, lock, Result, SearchError, TurnDoc};
use crate::store::{MeetingId, MeetingInfo, Store, TurnRecord};

/// Turns waiting for the index thread.
const QUEUE: usize = 1024;
/// Longest time a turn waits before it is committed (searchable).
const COMMIT_EVERY: Duration = Duration::from_secs(1);

/// What the store thread sends the index thread.
#[derive(Debug)]
enum Message {
    /// Index this turn. `bytes` is the length of `turns.jsonl` right after
    /// the turn was appended, or `None` once a turn of the meeting was
    /// dropped (the index must then not claim the meeting is complete).
    Add {
        doc: Box<TurnDoc>,
        bytes: Option<u64>,
    },
    /// Index these meetings again from the store (turns were dropped).
    Resync(Vec<MeetingId>),
}

/// Indexes turns of a meeting being recorded, on its own thread.
///
/// Made by the store thread, which owns it: [`LiveIndex::add`] after each
/// turn is stored, [`LiveIndex::finish`] after the meeting is finished.
/// Holds the index's writers' lock from [`LiveIndex::open`] until `finish`.
#[derive(Debug)]
pub struct LiveIndex {
    /// Into the index thread.
    tx: Option<SyncSender<Message>>,
    /// The index thread.
    thread: Option<JoinHandle<Result<()>>>,
    /// The store's meetings directory, to measure `turns.jsonl`.
    meetings_dir: PathBuf,
    /// Meetings that lost a turn on a full queue.
    incomplete: Vec<MeetingId>,
    /// Turns dropped on a full queue.
    n_dropped: u64,
}

impl LiveIndex {
    /// Takes the index lock and starts the index thread. Fails at once if
    /// another process holds the lock ([`SearchError::Busy`]); the caller
    /// records without the index then, and a later `search` catches up.
    ///
    /// Building a missing or outdated index (and catching up) happens on
    /// the index thread, so a large archive does not delay the meeting.
    pub fn open(store: &Store) -> Result<LiveIndex> {
        let lock = lock(store.home())?;
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let meetings_dir = store.meetings_dir();
        let dir = index_dir(store.home());
        let store = store.clone();
        let thread = std::thread::Builder::new()
            .name("index".into())
            .spawn(move || run(&store, lock, rx))
            .map_err(SearchError::io(&dir, "start a thread for"))?;
        Ok(LiveIndex {
            tx: Some(tx),
            thread: Some(thread),
            meetings_dir,
            incomplete: Vec::new(),
            n_dropped: 0,
        })
    }

    /// Queues a stored turn of `meeting` for the index; never waits.
    ///
    /// Call it right after the turn is appended to the store, on the same
    /// thread, so the length of `turns.jsonl` measured here covers exactly
    /// the turns handed over so far.
    pub fn add(&mut self, meeting: &MeetingInfo, turn: &TurnRecord) {
        let Some(tx) = &self.tx else { return };
        let bytes = if self.incomplete.contains(&meeting.id) {
            None
        } else {
            let path = self
                .meetings_dir
                .join(meeting.id.as_str())
                .join("turns.jsonl");
            std::fs::metadata(path).ok().map(|m| m.len())
        };
        let message = Message::Add {
            doc: Box::new(TurnDoc::new(meeting, turn)),
            bytes,
        };
        match tx.try_send(message) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.n_dropped += 1;
                if !self.incomplete.contains(&meeting.id) {
                    self.incomplete.push(meeting.id.clone());
                }
            }
            // The index thread ended with an error; `finish` reports it.
            Err(TrySendError::Disconnected(_)) => self.tx = None,
        }
    }

    /// Commits what is queued, indexes again any meeting that lost turns,
    /// and releases the lock. Waits for the index thread; call it after the
    /// meeting is finished in the store.
    pub fn finish(mut self) -> Result<()> {
        if let Some(tx) = self.tx.take() {
            if !self.incomplete.is_empty() {
                // Blocking is fine now: the meeting is over.
                let _ = tx.send(Message::Resync(std::mem::take(&mut self.incomplete)));
            }
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(SearchError::Io {
                action: "index",
                path: self.meetings_dir.clone(),
                error: std::io::Error::other("the index thread panicked"),
            }),
            None => Ok(()),
        }
    }

    /// Turns that did not reach the index on time (indexed again at the end).
    pub fn n_dropped(&self) -> u64 {
        self.n_dropped
    }
}

impl Drop for LiveIndex {
    /// Without `finish` (a failed meeting), still let the thread commit what
    /// it has: closing the channel ends it.
    fn drop(&mut self) {
        self.tx.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The index thread: prepares the index, then adds and commits turns until
/// the channel closes.
fn run(store: &Store, lock: super::IndexLock, rx: mpsc::Receiver<Message>) -> Result<()> {
    let dir = index_dir(store.home());
    write::prepare_for_writing(store, &lock)?;
    let (index, fields) = write::open(&dir)?;
    let mut state = IndexState::load(&index);
    let mut writer = write::small_writer(&index, &dir)?;
    let mut last_commit = Instant::now();
    let mut dirty = false;
    let mut resync = Vec::new();
    loop {
        let wait = if dirty {
            COMMIT_EVERY.saturating_sub(last_commit.elapsed())
        } else {
            // Nothing pending: just wait for the next turn.
            Duration::from_secs(3600)
        };
        match rx.recv_timeout(wait) {
            Ok(Message::Add { doc, bytes }) => {
                writer
                    .add_document(write::document(&fields, &doc))
                    .map_err(SearchError::index(&dir, "write to"))?;
                match bytes {
                    Some(bytes) => state.meetings.insert(doc.meeting_id, bytes),
                    None => state.meetings.remove(&doc.meeting_id),
                };
                dirty = true;
            }
            Ok(Message::Resync(ids)) => resync.extend(ids),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if dirty && last_commit.elapsed() >= COMMIT_EVERY {
            state.commit(&mut writer, &dir)?;
            last_commit = Instant::now();
            dirty = false;
        }
    }
    for id in &resync {
        writer.delete_term(Term::from_field_text(fields.meeting_id, id.as_str()));
        state.meetings.remove(id.as_str());
    }
    state.commit(&mut writer, &dir)?;
    drop(writer);
    if !resync.is_empty() {
        // The meetings are complete in the store now; catching up re-reads them.
        write::catch_up(store, &lock)?;
    }
    Ok(())
}
