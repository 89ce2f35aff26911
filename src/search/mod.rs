//! `search/`: what was said before?
//!
//! A tantivy index of every stored turn, one document per turn, in
//! `<home>/index/`. The meeting store is the source of truth: the index can be
//! thrown away at any time and [`rebuild`] makes it again from the store.
//!
//! # On disk
//!
//! ```text
//! <home>/index/                      the tantivy index
//!     blameless-index.json           {"schema_version": N}: an index of another version is rebuilt
//!     meta.json                      tantivy's; its commit payload lists, per meeting, the
//!                                    length of turns.jsonl that is indexed
//! <home>/index.lock                  flock-ed by the one process that writes the index
//! <home>/index.new/                  only while a rebuild runs; swapped in by rename
//! ```
//!
//! # Who writes
//!
//! One process at a time holds `index.lock` ([`IndexLock`]): a live meeting
//! ([`LiveIndex`], for its whole length), `reindex`, `import`, or `search`
//! while it catches up with meetings the index has not seen. Readers
//! ([`SearchIndex`]) take no lock, so `search` works while a meeting is
//! recorded in another process; it sees what that process last committed
//! (at most about a second old).
//!
//! # Layout
//! - `mod.rs`: [`SearchError`], [`TurnDoc`] (a turn as the index sees it), locking.
//! - `schema.rs`: the fields and [`SCHEMA_VERSION`].
//! - `write.rs`: [`rebuild`], [`catch_up`], [`ensure_current`], document building.
//! - `live.rs`: [`LiveIndex`], indexing while a meeting is recorded.
//! - `query.rs`: [`SearchIndex`], queries, filters, snippets.
//! - `count.rs`: counts per meeting and per tag or speaker (`--count-by`).
//! - `export.rs`: NDJSON export of the same documents (Quickwit, OpenSearch).

mod count;
mod export;
mod live;
mod query;
mod schema;
mod write;

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::store::{Feedback, MeetingInfo, StoreError, TurnRecord};

pub use export::{export_json, export_ndjson, ExportSummary};
pub use live::LiveIndex;
pub use query::{
    CountBy, CountResults, Filters, Hit, MeetingCounts, SearchIndex, SearchResults, Snippet,
};
pub use schema::SCHEMA_VERSION;
pub use write::{
    catch_up, ensure_current, index_turns, rebuild, Ensured, Freshness, RebuildSummary,
};

/// The index directory inside the data home.
const INDEX_DIR: &str = "index";
/// Where a rebuild writes before it is swapped in.
const INDEX_NEW_DIR: &str = "index.new";
/// Where the replaced index goes for the moment of the swap.
const INDEX_OLD_DIR: &str = "index.old";
/// The writers' lock, beside the index so that it survives a swap.
const LOCK_FILE: &str = "index.lock";
/// The version file inside the index directory.
const VERSION_FILE: &str = "blameless-index.json";

/// Why the index could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy failed on the index.
    #[error("cannot {action} the search index in {path}: {error}; run `blameless reindex` to rebuild it from the meetings")]
    Index {
        /// What we tried to do ("open", "commit", ...).
        action: &'static str,
        /// The index directory.
        path: PathBuf,
        /// tantivy's error (kept out of the chain: the message shows it).
        error: tantivy::TantivyError,
    },
    /// A file or directory of the index could not be read or written.
    #[error("cannot {action} {path}: {error}; check that the data home is writable and the disk is not full")]
    Io {
        /// What we tried to do.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        error: io::Error,
    },
    /// Another process writes the index (a meeting being recorded, a reindex).
    #[error("the search index in {path} is being written by another blameless process{}; wait until it ends (a `record` or `replay` holds it until its meeting is stored), then try again", pid.map_or(String::new(), |p| format!(" (pid {p})")))]
    Busy {
        /// The index directory.
        path: PathBuf,
        /// The PID the holder wrote, if readable.
        pid: Option<u32>,
    },
    /// The index is of another version and cannot be rebuilt now.
    #[error("the search index in {path} has layout version {found}, this blameless needs {expected}, and {reason}; run `blameless reindex` when it can")]
    Outdated {
        /// The index directory.
        path: PathBuf,
        /// What the index says ("none" if it has no version file).
        found: String,
        /// [`SCHEMA_VERSION`].
        expected: u32,
        /// Why it was not rebuilt on the spot.
        reason: String,
    },
    /// The query text is not a query.
    #[error("cannot understand the query {query:?}: {message}; put phrases in double quotes, use AND, OR, NOT, parentheses and field:value, and put a backslash before a special character ( ) [ ] {{ }} : ^ ~ \" to search for it")]
    Query {
        /// What the user typed.
        query: String,
        /// What is wrong.
        message: String,
    },
    /// Reading the meetings failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SearchError {
    fn index(path: &Path, action: &'static str) -> impl FnOnce(tantivy::TantivyError) -> Self {
        let path = path.to_owned();
        move |error| SearchError::Index {
            action,
            path,
            error,
        }
    }

    fn io(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_owned();
        move |error| SearchError::Io {
            action,
            path,
            error,
        }
    }
}

type Result<T, E = SearchError> = std::result::Result<T, E>;

/// The index directory of a data home.
pub fn index_dir(home: &Path) -> PathBuf {
    home.join(INDEX_DIR)
}

/// One turn as the index (and the export) sees it: the turn with the
/// meeting's id, title and date, its speaker settled and its tags read.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnDoc {
    /// The meeting's id.
    pub meeting_id: String,
    /// The meeting's title.
    pub title: String,
    /// When the meeting started.
    pub date: OffsetDateTime,
    /// The turn's number within the meeting.
    pub turn: u64,
    /// Who spoke: the speaker, else the audio source's name.
    pub speaker: String,
    /// The speaker's id within the meeting (`S2`), when voice attribution gave one.
    pub speaker_id: Option<String>,
    /// Start, seconds from the meeting start.
    pub start: f64,
    /// End, seconds from the meeting start.
    pub end: f64,
    /// What was said.
    pub text: String,
    /// Tag labels (`blame`, `defensive`, ...), in the order the tagger gave.
    pub tags: Vec<String>,
    /// Whether the tagger found an action item in the turn.
    pub action: bool,
    /// The facilitator's marks on the turn (`dismissed`, `used`,
    /// `action_item`, `key_moment`), each once; see [`TurnDoc::marked`].
    pub marks: Vec<String>,
}

impl TurnDoc {
    /// The document for `turn` of the meeting `info`.
    ///
    /// Tags come from `extra["tags"]` (objects with a `label`, or plain
    /// strings) and the action flag from a non-empty `extra["actions"]`;
    /// anything else there is ignored, so a turn the tagger has not seen
    /// simply has no tags.
    pub fn new(info: &MeetingInfo, turn: &TurnRecord) -> TurnDoc {
        let mut tags: Vec<String> = Vec::new();
        if let Some(serde_json::Value::Array(items)) = turn.extra.get("tags") {
            for item in items {
                let label = match item {
                    serde_json::Value::String(s) => Some(s.as_str()),
                    serde_json::Value::Object(o) => o.get("label").and_then(|l| l.as_str()),
                    _ => None,
                };
                // A facet path cannot hold an empty segment or a '/'.
                if let Some(label) = label.map(str::trim).filter(|l| valid_label(l)) {
                    if !tags.iter().any(|t| t == label) {
                        tags.push(label.to_owned());
                    }
                }
            }
        }
        let action =
            matches!(turn.extra.get("actions"), Some(serde_json::Value::Array(a)) if !a.is_empty());
        TurnDoc {
            meeting_id: info.id.as_str().to_owned(),
            title: info.title.clone(),
            date: info.started_at,
            turn: turn.id,
            speaker: turn.speaker.clone().unwrap_or_else(|| turn.source.clone()),
            speaker_id: turn
                .extra
                .get("speaker_id")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            start: turn.start,
            end: turn.end,
            text: turn.text.clone(),
            tags,
            action,
            marks: Vec::new(),
        }
    }

    /// The document with the marks `feedback` (the meeting's) gives its turn.
    pub fn marked(mut self, feedback: &[Feedback]) -> TurnDoc {
        for f in feedback {
            if f.turn_id == Some(self.turn) && f.kind.is_mark() {
                let name = f.kind.as_str();
                if !self.marks.iter().any(|m| m == name) {
                    self.marks.push(name.to_owned());
                }
            }
        }
        self
    }
}

/// Whether a tag label can be a facet segment.
fn valid_label(label: &str) -> bool {
    !label.is_empty() && !label.contains('/') && !label.contains('\\')
}

/// The held writers' lock of an index; released when dropped (or when the
/// process dies, even by `kill -9`).
#[derive(Debug)]
pub struct IndexLock {
    /// Kept open: closing it releases the lock.
    _file: File,
}

/// Takes the writers' lock of the index in `home`, waiting up to
/// `patience` for another process to let go of it.
///
/// For commands the user starts to change the index (`reindex`, `meetings
/// delete`): a `search` holds the lock for the moment it takes to catch up,
/// which is no reason to fail; a recording holds it until its meeting ends,
/// and that is reported ([`SearchError::Busy`]) once `patience` is over.
pub fn lock_waiting(home: &Path, patience: std::time::Duration) -> Result<IndexLock> {
    let deadline = std::time::Instant::now() + patience;
    loop {
        match lock(home) {
            Err(SearchError::Busy { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Takes the writers' lock of the index in `home` without waiting.
pub fn lock(home: &Path) -> Result<IndexLock> {
    std::fs::create_dir_all(home).map_err(SearchError::io(home, "create"))?;
    let path = home.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(SearchError::io(&path, "open"))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let pid = file
                .read_to_string(&mut text)
                .ok()
                .and_then(|_| text.trim().parse().ok());
            return Err(SearchError::Busy {
                path: index_dir(home),
                pid,
            });
        }
        Err(std::fs::TryLockError::Error(error)) => {
            return Err(SearchError::io(&path, "lock")(error))
        }
    }
    // The PID is only for the message another process shows.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    Ok(IndexLock { _file: file })
}

#[cfg(test)]
mod tests;
