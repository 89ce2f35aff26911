//! Writing the index: documents from turns, rebuilding from the store, and
//! catching up with meetings the index has not seen (yet).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tantivy::schema::Facet;
use tantivy::{DateTime, Index, IndexWriter, TantivyDocument, Term};

use super::schema::{self, Fields, SCHEMA_VERSION};
use super::{
    index_dir, lock, IndexLock, Result, SearchError, TurnDoc, INDEX_NEW_DIR, INDEX_OLD_DIR,
    VERSION_FILE,
};
use crate::store::{MeetingId, Store};

/// Memory for a rebuild's indexing threads, all together.
const REBUILD_HEAP_BYTES: usize = 256 << 20;
/// Most indexing threads a rebuild uses.
const MAX_REBUILD_THREADS: usize = 4;
/// Memory for small writes (live meetings, imports, catching up): tantivy's
/// minimum for one thread is 15 MB.
pub(super) const SMALL_HEAP_BYTES: usize = 32 << 20;

/// How an index directory compares with this blameless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// There is no index.
    Missing,
    /// The index has another layout version (or none, or another schema).
    Outdated {
        /// What it says, for messages ("none" if nothing readable).
        found: String,
    },
    /// The index has this version's layout.
    Current,
}

/// The version file's contents.
#[derive(Debug, Serialize, Deserialize)]
struct VersionFile {
    /// [`SCHEMA_VERSION`] of the blameless that built the index.
    schema_version: u32,
}

/// What the index holds per meeting, kept as the commit payload so that it
/// changes exactly when the documents do.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(super) struct IndexState {
    /// Meeting id → length in bytes of the `turns.jsonl` whose turns are
    /// indexed. A meeting whose file is longer (or shorter) is stale.
    pub meetings: BTreeMap<String, u64>,
}

impl IndexState {
    /// The state committed last in `index`; empty if none or unreadable
    /// (then every meeting looks stale and is indexed again: safe).
    pub(super) fn load(index: &Index) -> IndexState {
        index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default()
    }

    /// Commits `writer`'s pending changes together with this state.
    pub(super) fn commit(&self, writer: &mut IndexWriter, dir: &Path) -> Result<()> {
        let payload = serde_json::to_string(self).expect("a map of strings to numbers serialises");
        let mut prepared = writer
            .prepare_commit()
            .map_err(SearchError::index(dir, "commit to"))?;
        prepared.set_payload(&payload);
        prepared
            .commit()
            .map_err(SearchError::index(dir, "commit to"))?;
        Ok(())
    }
}

/// Whether `dir` holds an index of this version, with this schema.
pub(super) fn freshness(dir: &Path) -> Freshness {
    let version = match fs::read(dir.join(VERSION_FILE)) {
        Ok(bytes) => serde_json::from_slice::<VersionFile>(&bytes).ok(),
        Err(_) if !dir.join("meta.json").exists() => return Freshness::Missing,
        Err(_) => None,
    };
    let Some(version) = version else {
        return Freshness::Outdated {
            found: "none".into(),
        };
    };
    if version.schema_version != SCHEMA_VERSION {
        return Freshness::Outdated {
            found: version.schema_version.to_string(),
        };
    }
    // Same number, different fields: a development build changed the schema
    // without a bump. Rebuild rather than misread.
    match Index::open_in_dir(dir) {
        Ok(index) if index.schema() == schema::build().0 => Freshness::Current,
        _ => Freshness::Outdated {
            found: format!("{} (with another schema)", version.schema_version),
        },
    }
}

/// Opens the index in `dir` with its tokenizers and field handles; checks
/// nothing (see [`freshness`]).
pub(super) fn open(dir: &Path) -> Result<(Index, Fields)> {
    let index = Index::open_in_dir(dir).map_err(SearchError::index(dir, "open"))?;
    schema::register_tokenizers(&index);
    Ok((index, schema::build().1))
}

/// Creates an empty index of this version in the empty or missing `dir`.
fn create(dir: &Path) -> Result<(Index, Fields)> {
    fs::create_dir_all(dir).map_err(SearchError::io(dir, "create"))?;
    let (schema, fields) = schema::build();
    let index = Index::create_in_dir(dir, schema).map_err(SearchError::index(dir, "create"))?;
    schema::register_tokenizers(&index);
    let version = serde_json::to_vec(&VersionFile {
        schema_version: SCHEMA_VERSION,
    })
    .expect("a number serialises");
    fs::write(dir.join(VERSION_FILE), version)
        .map_err(SearchError::io(&dir.join(VERSION_FILE), "write"))?;
    Ok((index, fields))
}

/// A writer on `index` with a small memory budget and one thread.
pub(super) fn small_writer(index: &Index, dir: &Path) -> Result<IndexWriter> {
    index
        .writer_with_num_threads(1, SMALL_HEAP_BYTES)
        .map_err(SearchError::index(dir, "write to"))
}

/// The tantivy document of a turn.
pub(super) fn document(fields: &Fields, doc: &TurnDoc) -> TantivyDocument {
    let mut d = TantivyDocument::new();
    d.add_text(fields.meeting_id, &doc.meeting_id);
    d.add_text(fields.title, &doc.title);
    d.add_date(fields.date, DateTime::from_utc(doc.date));
    d.add_u64(fields.turn, doc.turn);
    d.add_text(fields.speaker, &doc.speaker);
    d.add_text(fields.speaker_keys, &doc.speaker);
    if let Some(first) = doc.speaker.split_whitespace().next() {
        if first != doc.speaker {
            d.add_text(fields.speaker_keys, first);
        }
    }
    if let Some(id) = &doc.speaker_id {
        d.add_text(fields.speaker_keys, id);
    }
    d.add_f64(fields.start, doc.start);
    d.add_f64(fields.end, doc.end);
    d.add_text(fields.text, &doc.text);
    d.add_text(fields.text_exact, &doc.text);
    for tag in &doc.tags {
        d.add_facet(fields.tags, Facet::from_path([tag.as_str()]));
    }
    d.add_bool(fields.action, doc.action);
    for mark in &doc.marks {
        d.add_facet(fields.marks, Facet::from_path([mark.as_str()]));
    }
    d
}

/// Adds every turn of the stored meeting `id` to `writer` and returns how
/// many, with the length of `turns.jsonl` they came from.
///
/// The length is taken before reading, so turns appended meanwhile make the
/// meeting look stale next time rather than indexed.
fn add_meeting(
    store: &Store,
    id: &MeetingId,
    writer: &IndexWriter,
    fields: &Fields,
    dir: &Path,
) -> Result<(u64, u64)> {
    let bytes = fingerprint(store, id);
    let meeting = store.load(id.as_str())?;
    for turn in &meeting.turns {
        writer
            .add_document(document(
                fields,
                &TurnDoc::new(&meeting.info, turn).marked(&meeting.feedback),
            ))
            .map_err(SearchError::index(dir, "write to"))?;
    }
    Ok((meeting.turns.len() as u64, bytes))
}

/// What changes when a meeting's turns or their annotations change: the
/// length of `turns.jsonl` (appended to while recording) plus, in the high
/// bits, the length of `analysis.jsonl` (replaced by `analyze`) and, in the
/// middle bits, of `speakers.jsonl` (appended to by re-clustering and renames),
/// and of `feedback.jsonl` (the facilitator's marks, appended any time).
fn fingerprint(store: &Store, id: &MeetingId) -> u64 {
    let dir = store.meetings_dir().join(id.as_str());
    let len = |name: &str| fs::metadata(dir.join(name)).map_or(0, |m| m.len());
    len("turns.jsonl")
        .wrapping_add(len("analysis.jsonl").wrapping_shl(40))
        .wrapping_add(len("speakers.jsonl").rotate_left(24))
        .wrapping_add(len("feedback.jsonl").rotate_left(52))
}

/// The [`fingerprint`] of each meeting now.
fn turn_file_lengths(store: &Store) -> Result<BTreeMap<MeetingId, u64>> {
    let mut lengths = BTreeMap::new();
    for id in store.meeting_ids()? {
        let print = fingerprint(store, &id);
        lengths.insert(id, print);
    }
    Ok(lengths)
}

/// What [`rebuild`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct RebuildSummary {
    /// Meetings indexed.
    pub n_meetings: usize,
    /// Turns indexed.
    pub n_turns: u64,
    /// Meetings that could not be read, with the reason (they are left out).
    pub skipped: Vec<(String, String)>,
    /// Seconds spent adding documents and committing.
    pub index_s: f64,
    /// Seconds spent merging segments afterwards.
    pub merge_s: f64,
    /// Size of the new index in bytes.
    pub n_bytes: u64,
}

/// Builds the index of every stored meeting from scratch and swaps it in.
///
/// The new index is written to `index.new` and renamed into place, so a
/// reader sees the old index or the new one, never half of one, and a crash
/// leaves the old index (or none, which the next writer rebuilds).
pub fn rebuild(store: &Store, _lock: &IndexLock) -> Result<RebuildSummary> {
    let home = store.home();
    let new_dir = home.join(INDEX_NEW_DIR);
    let old_dir = home.join(INDEX_OLD_DIR);
    remove_if_present(&new_dir)?;
    remove_if_present(&old_dir)?;
    let (index, fields) = create(&new_dir)?;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, MAX_REBUILD_THREADS);
    let mut writer: IndexWriter = index
        .writer_with_num_threads(threads, REBUILD_HEAP_BYTES)
        .map_err(SearchError::index(&new_dir, "write to"))?;
    let started = Instant::now();
    let mut state = IndexState::default();
    let mut summary = RebuildSummary {
        n_meetings: 0,
        n_turns: 0,
        skipped: Vec::new(),
        index_s: 0.0,
        merge_s: 0.0,
        n_bytes: 0,
    };
    let mut ids = store.meeting_ids()?;
    ids.sort();
    for id in ids {
        match add_meeting(store, &id, &writer, &fields, &new_dir) {
            Ok((n_turns, bytes)) => {
                summary.n_meetings += 1;
                summary.n_turns += n_turns;
                state.meetings.insert(id.as_str().to_owned(), bytes);
            }
            // An unreadable meeting is reported, not fatal: the others are
            // still worth finding.
            Err(SearchError::Store(error)) => summary
                .skipped
                .push((id.as_str().to_owned(), error.to_string())),
            Err(other) => return Err(other),
        }
    }
    state.commit(&mut writer, &new_dir)?;
    summary.index_s = started.elapsed().as_secs_f64();
    let merging = Instant::now();
    writer
        .wait_merging_threads()
        .map_err(SearchError::index(&new_dir, "merge"))?;
    summary.merge_s = merging.elapsed().as_secs_f64();
    summary.n_bytes = dir_size(&new_dir);
    swap_in(home, &new_dir, &old_dir)?;
    Ok(summary)
}

/// Puts the index in `new_dir` in place of `home/index`.
///
/// In one step where the file system can (Linux `renameat2` with
/// `RENAME_EXCHANGE`): a `search` running meanwhile finds the old index or
/// the new one, never none (which it would report as "nothing indexed").
fn swap_in(home: &Path, new_dir: &Path, old_dir: &Path) -> Result<()> {
    let dir = index_dir(home);
    if dir.exists() {
        if exchange(new_dir, &dir).is_ok() {
            // `new_dir` now holds the old index.
            fs::rename(new_dir, old_dir).map_err(SearchError::io(new_dir, "move aside"))?;
        } else {
            fs::rename(&dir, old_dir).map_err(SearchError::io(&dir, "move aside"))?;
            fs::rename(new_dir, &dir).map_err(SearchError::io(new_dir, "move into place"))?;
        }
    } else {
        fs::rename(new_dir, &dir).map_err(SearchError::io(new_dir, "move into place"))?;
    }
    // Readers of the old index keep their open files; removing it is safe.
    remove_if_present(old_dir)
}

/// Swaps two directories atomically (Linux 3.15+; fails elsewhere).
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (c_path(a)?, c_path(b)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the
    // call; renameat2 only reads them.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn remove_if_present(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SearchError::io(dir, "remove")(e)),
    }
}

/// Total size of the files in `dir`.
pub(super) fn dir_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Indexes meetings whose `turns.jsonl` changed since they were indexed
/// (a crash between the store and the index, a recording without the index
/// lock, `recover`) and drops meetings no longer in the store. Returns the
/// number of meetings (re)indexed or dropped.
pub fn catch_up(store: &Store, _lock: &IndexLock) -> Result<usize> {
    let dir = index_dir(store.home());
    let (index, fields) = open(&dir)?;
    let mut state = IndexState::load(&index);
    let lengths = turn_file_lengths(store)?;
    let stale: Vec<&MeetingId> = lengths
        .iter()
        .filter(|(id, len)| state.meetings.get(id.as_str()) != Some(len))
        .map(|(id, _)| id)
        .collect();
    let gone: Vec<String> = state
        .meetings
        .keys()
        .filter(|id| !lengths.keys().any(|m| m.as_str() == id.as_str()))
        .cloned()
        .collect();
    if stale.is_empty() && gone.is_empty() {
        return Ok(0);
    }
    let mut writer = small_writer(&index, &dir)?;
    for id in &gone {
        writer.delete_term(Term::from_field_text(fields.meeting_id, id));
        state.meetings.remove(id);
    }
    for id in &stale {
        writer.delete_term(Term::from_field_text(fields.meeting_id, id.as_str()));
        match add_meeting(store, id, &writer, &fields, &dir) {
            Ok((_, bytes)) => {
                state.meetings.insert(id.as_str().to_owned(), bytes);
            }
            // Unreadable now; remember the length so it is not retried on
            // every search, and leave it to `reindex` to report.
            Err(SearchError::Store(_)) => {
                state.meetings.insert(id.as_str().to_owned(), lengths[*id]);
            }
            Err(other) => return Err(other),
        }
    }
    state.commit(&mut writer, &dir)?;
    Ok(stale.len() + gone.len())
}

/// Adds turns of one meeting that the caller already has in memory (an
/// import) to the index, replacing any documents of that meeting.
pub fn index_turns(store: &Store, _lock: &IndexLock, id: &MeetingId) -> Result<()> {
    let dir = index_dir(store.home());
    let (index, fields) = open(&dir)?;
    let mut state = IndexState::load(&index);
    let mut writer = small_writer(&index, &dir)?;
    writer.delete_term(Term::from_field_text(fields.meeting_id, id.as_str()));
    let (_, bytes) = add_meeting(store, id, &writer, &fields, &dir)?;
    state.meetings.insert(id.as_str().to_owned(), bytes);
    state.commit(&mut writer, &dir)
}

/// What [`ensure_current`] did before a search.
#[derive(Debug, Clone, PartialEq)]
pub enum Ensured {
    /// Nothing to do, or another process writes the index and it is of
    /// this version: search what is committed.
    AsIs,
    /// Meetings the index had missed were indexed.
    CaughtUp {
        /// How many.
        n_meetings: usize,
    },
    /// The index was missing or outdated and was built from the store.
    Rebuilt {
        /// What was found instead of a current index.
        was: Freshness,
        /// The rebuild's summary.
        summary: RebuildSummary,
    },
}

/// Makes the index of `store` current where this process may: builds it
/// when missing or of another version, catches up with changed meetings.
/// When another process holds the lock (a meeting is being recorded), the
/// committed index is searched as it is, unless it is outdated.
pub fn ensure_current(store: &Store) -> Result<Ensured> {
    let dir = index_dir(store.home());
    let lock = match lock(store.home()) {
        Ok(lock) => lock,
        Err(SearchError::Busy { pid, .. }) => {
            return match freshness(&dir) {
                Freshness::Current | Freshness::Missing => Ok(Ensured::AsIs),
                Freshness::Outdated { found } => Err(SearchError::Outdated {
                    path: dir,
                    found,
                    expected: SCHEMA_VERSION,
                    reason: format!(
                        "another blameless process{} is writing it",
                        pid.map_or(String::new(), |p| format!(" (pid {p})"))
                    ),
                }),
            }
        }
        Err(other) => return Err(other),
    };
    match freshness(&dir) {
        Freshness::Current => {
            let n_meetings = catch_up(store, &lock)?;
            Ok(if n_meetings == 0 {
                Ensured::AsIs
            } else {
                Ensured::CaughtUp { n_meetings }
            })
        }
        was => {
            let summary = rebuild(store, &lock)?;
            Ok(Ensured::Rebuilt { was, summary })
        }
    }
}

/// Makes sure a current index exists for a writer holding `lock`: builds
/// it if missing or outdated, otherwise catches up. Returns whether it was
/// rebuilt.
pub(super) fn prepare_for_writing(store: &Store, lock: &IndexLock) -> Result<bool> {
    match freshness(&index_dir(store.home())) {
        Freshness::Current => {
            catch_up(store, lock)?;
            Ok(false)
        }
        _ => {
            rebuild(store, lock)?;
            Ok(true)
        }
    }
}
