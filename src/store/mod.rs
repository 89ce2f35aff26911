//! `store/`: where is every meeting kept, and how does it survive a crash?
//!
//! "Nothing lost": recordings and turns are written to disk as they arrive,
//! so a meeting survives `kill -9` or a power cut up to the last second of
//! audio, and [`Store::recover`] repairs whatever a crash leaves. A meeting is
//! never overwritten: each one gets a fresh directory.
//!
//! # On disk
//!
//! ```text
//! <home>/meetings/<id>/          id = UTC start + title slug, e.g. 20261126-153012-checkout-outage
//!     meeting.json               MeetingInfo, replaced atomically (temp file + fsync + rename)
//!     source-0.wav               16 kHz mono 16-bit PCM, one per source, appended as it comes
//!     turns.jsonl                one TurnRecord per line, appended turn by turn
//!     turns.jsonl.torn           only after `recover`: the bytes of a torn last line
//!     analysis.jsonl             later annotations (`analyze`), replaced atomically
//!     speakers.jsonl             speaker corrections, appended
//!     feedback.jsonl             facilitator feedback (dismissed/used nudges, marks), appended
//!     feedback.jsonl.torn        only after `recover`: a torn last feedback line
//!     events.jsonl               live events other than turns (partials, nudges, status,
//!                                warnings, end), appended for viewers; not a record
//!     lock                       PID of the writer; flock-ed while a writer or recover works
//! ```
//!
//! # Durability
//!
//! - Audio: every append goes to the OS at once (a killed process loses
//!   nothing that was appended). Every second of audio per source the WAV
//!   header's sizes are patched, after the samples they count, so the file
//!   plays at any instant with at most ~1 s missing; every 5 s of audio the
//!   file is `fdatasync`ed (a power cut loses at most ~5 s).
//! - Turns: each line is written with one `write_all` including its `\n`, then
//!   `fdatasync`ed (turns are rare).
//! - `meeting.json` is written at creation and on finish (or recovery) by
//!   temp file + `fsync` + rename + `fsync` of the directory.
//!
//! # Layout
//! - `mod.rs`: [`Store`], the record types and [`StoreError`]; `list`, `load`.
//! - `writer.rs`: [`MeetingWriter`], the incremental writer of one meeting.
//! - `recover.rs`: [`Store::recover`] and [`RecoveryReport`].
//! - `wav.rs`: the WAV layout, incremental appends and header checks.
//! - `lock.rs`: the advisory lock that keeps `recover` off live meetings.
//! - `feedback.rs`: [`Feedback`], what the facilitator marked (`feedback.jsonl`).
//! - `follow.rs`: [`EventLog`] and [`Follower`]: a meeting followed from
//!   another process while it is recorded (`events.jsonl`).

mod feedback;
mod follow;
mod lock;
pub mod private;
mod recover;
mod wav;
mod writer;

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use feedback::{
    summarize_nudge_feedback, Feedback, FeedbackKind, LabelFeedback, NudgeFeedback,
};
pub use follow::{EventLog, Follower, EVENTS_FILE};
pub use recover::{RecoveryOutcome, RecoveryReport, SourceRecovery};
pub use writer::MeetingWriter;

/// Version of the `meeting.json` layout.
pub const SCHEMA: u32 = 1;
/// Sample rate of every recording.
pub const SAMPLE_RATE: u32 = 16_000;
/// Longest title slug in an id, in bytes.
const MAX_SLUG_LEN: usize = 40;
/// Give up after this many meetings with the same id base.
const MAX_COLLISIONS: u32 = 10_000;

const MEETINGS_DIR: &str = "meetings";
const MEETING_FILE: &str = "meeting.json";
const TURNS_FILE: &str = "turns.jsonl";
/// Annotations added after the meeting (`analyze`), merged into the turns on load.
const ANALYSIS_FILE: &str = "analysis.jsonl";
/// Speaker corrections (live re-clustering, `speakers rename`), appended
/// only and applied to the turns on load, in order.
const SPEAKERS_FILE: &str = "speakers.jsonl";
const TORN_FILE: &str = "turns.jsonl.torn";
/// Disk space a meeting sets aside while it is written (zeros, no data).
const RESERVE_FILE: &str = "reserve";
/// Marks a meeting that `import` is still writing: until it is removed
/// (after `meeting.json` says `complete`) the meeting is not there, and
/// `recover` deletes what a crash left of it.
const IMPORTING_FILE: &str = "importing";

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file or directory could not be read or written.
    #[error("cannot {action} {path}: {error}; check that the data home is writable and the disk is not full")]
    Io {
        /// What we tried to do ("create", "write", ...).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error (kept out of the error chain: the message shows it).
        error: io::Error,
    },
    /// No meeting has this id (or id prefix).
    #[error("no meeting {id:?} in {home}; run `blameless meetings list` to see the ids")]
    NotFound {
        /// What was asked for.
        id: String,
        /// The data home searched.
        home: PathBuf,
    },
    /// An id prefix fits more than one meeting.
    #[error("{prefix:?} matches {n} meetings ({candidates}); give more of the id", n = candidates.len(), candidates = candidates.join(", "))]
    Ambiguous {
        /// What was asked for.
        prefix: String,
        /// Every id it fits.
        candidates: Vec<String>,
    },
    /// Another process is recording the meeting.
    #[error("meeting {id} is being recorded by {}; wait until it ends", pid.map_or("another process".to_string(), |p| format!("process {p}")))]
    Busy {
        /// The meeting.
        id: MeetingId,
        /// The recording process, if known.
        pid: Option<u32>,
    },
    /// A file of a meeting is not in the form the store writes.
    #[error("{path}: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// A source index outside the meeting's sources.
    #[error("no audio source {source_index} in meeting {id} (it has {n_sources}); pass an index from `NewMeeting::sources`")]
    NoSuchSource {
        /// The meeting.
        id: MeetingId,
        /// The index given.
        source_index: usize,
        /// How many sources the meeting has.
        n_sources: usize,
    },
    /// A turn cannot be stored as given.
    #[error("turn {turn_id} has a non-finite start or end ({start}, {end}); give times in seconds from the meeting start")]
    InvalidTurn {
        /// The turn's id.
        turn_id: u64,
        /// Its start.
        start: f64,
        /// Its end.
        end: f64,
    },
    /// A recording reached the 4 GiB limit of the WAV format.
    #[error("{path} reached the WAV size limit (4 GiB, about 37 hours of audio); finish this meeting and start a new one")]
    RecordingTooLong {
        /// The recording.
        path: PathBuf,
    },
    /// A start or end time that RFC 3339 cannot express.
    #[error("meeting {id}: {message}; give a start time between the years 0 and 9999")]
    InvalidTime {
        /// The meeting.
        id: MeetingId,
        /// What serde_json said.
        message: String,
    },
    /// Every id for this start second and title is taken.
    #[error("{n} meetings named {base:?} already exist; choose another title")]
    IdsExhausted {
        /// The id without suffix.
        base: String,
        /// How many were tried.
        n: u32,
    },
}

impl StoreError {
    /// Attaches an action and a path to an `io::Error`.
    fn io(path: impl Into<PathBuf>, action: &'static str) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.into();
        move |error| StoreError::Io {
            action,
            path,
            error,
        }
    }
}

/// A meeting's id: its directory name, e.g. `20261126-153012-checkout-outage`.
///
/// Ids sort by start time (UTC) and stay readable; a suffix `-2`, `-3`, ...
/// tells apart meetings that started in the same second with the same title.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MeetingId(String);

impl MeetingId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MeetingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a meeting is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MeetingStatus {
    /// A writer is (or was, until a crash) appending to it.
    Recording,
    /// [`MeetingWriter::finish`] closed it.
    Complete,
    /// [`Store::recover`] repaired it after a crash.
    Recovered,
    /// Closed properly, but ended before its sources did (a device was
    /// lost, the user stopped transcription, a stage failed);
    /// [`MeetingInfo::interruption`] says why.
    Interrupted,
}

impl fmt::Display for MeetingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MeetingStatus::Recording => "recording",
            MeetingStatus::Complete => "complete",
            MeetingStatus::Recovered => "recovered",
            MeetingStatus::Interrupted => "interrupted",
        })
    }
}

/// One audio source of a meeting and its recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// "mic" or the capture device's name.
    pub name: String,
    /// The WAV file, relative to the meeting directory (`source-0.wav`).
    pub file: String,
    /// Samples per second of the recording.
    pub sample_rate: u32,
}

/// The contents of `meeting.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingInfo {
    /// Layout version, [`SCHEMA`].
    pub schema: u32,
    /// The meeting's id (its directory name).
    pub id: MeetingId,
    /// The title the user gave.
    pub title: String,
    /// When recording started (written as RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When it ended: start plus the longest recording; `None` while recording.
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    /// The Whisper model that transcribed it.
    pub model: String,
    /// The audio sources, in the order of `MeetingWriter::append_audio`'s index.
    pub sources: Vec<SourceInfo>,
    /// Where the meeting is in its life.
    pub status: MeetingStatus,
    /// Why the meeting is [`MeetingStatus::Interrupted`]; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interruption: Option<String>,
    /// The facilitator's name as given when the meeting was recorded or
    /// imported (`--facilitator`), so a later `analyze` or `actions` reads
    /// their turns as the facilitator's without being told again; absent
    /// when none was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facilitator: Option<String>,
}

/// What [`Store::create_meeting`] needs to start a meeting.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    /// A title for people; its slug becomes part of the id.
    pub title: String,
    /// The Whisper model in use.
    pub model: String,
    /// One name per audio source ("mic" or a device name); one WAV each.
    pub sources: Vec<String>,
    /// When recording started; stored in UTC.
    pub started_at: OffsetDateTime,
    /// The facilitator's name, if known ([`MeetingInfo::facilitator`]).
    pub facilitator: Option<String>,
}

/// One transcribed turn, as a line of `turns.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    /// Number of the turn within its meeting.
    pub id: u64,
    /// Name of the audio source it came from.
    pub source: String,
    /// Who spoke, once known.
    pub speaker: Option<String>,
    /// Start, in seconds from the meeting start.
    pub start: f64,
    /// End, in seconds from the meeting start.
    pub end: f64,
    /// What was said.
    pub text: String,
    /// From the end of speech to the text being ready, if measured.
    pub latency_ms: Option<u64>,
    /// Why the speech in `start..end` has no text (Whisper failed, or the
    /// meeting was stopped before it was transcribed); its audio is in the
    /// recording, so it can be transcribed later. `None` for a normal turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub untranscribed: Option<String>,
    /// Fields added by later stages (tags, nudges); kept as they are so old
    /// and new files load either way.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty", flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A meeting as loaded from disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    /// `meeting.json`.
    pub info: MeetingInfo,
    /// Every complete line of `turns.jsonl`, in order.
    pub turns: Vec<TurnRecord>,
    /// What the facilitator marked (`feedback.jsonl`), in the order given.
    pub feedback: Vec<Feedback>,
}

/// One line of [`Store::list`].
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingSummary {
    /// The id (always the directory name, even when `meeting.json` is unreadable).
    pub id: MeetingId,
    /// The title; empty if `meeting.json` is unreadable.
    pub title: String,
    /// When it started; `None` if `meeting.json` is unreadable.
    pub started_at: Option<OffsetDateTime>,
    /// Seconds of audio in the longest recording (counted from the files, so
    /// it grows while a meeting is recorded).
    pub duration_s: f64,
    /// Complete lines in `turns.jsonl`.
    pub n_turns: usize,
    /// The status; `None` if `meeting.json` is unreadable.
    pub status: Option<MeetingStatus>,
    /// Why the meeting is interrupted, when it is.
    pub interruption: Option<String>,
    /// Why the meeting could not be read, and what to do.
    pub problem: Option<String>,
}

/// The meetings under one data home.
#[derive(Debug, Clone)]
pub struct Store {
    /// The data home; meetings live in `home/meetings`.
    home: PathBuf,
}

impl Store {
    /// Opens the store in the data home `home`, creating `home/meetings` if needed.
    pub fn open(home: &Path) -> Result<Store> {
        let meetings = home.join(MEETINGS_DIR);
        fs::create_dir_all(&meetings).map_err(StoreError::io(&meetings, "create"))?;
        Ok(Store {
            home: home.to_owned(),
        })
    }

    /// The data home.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The directory holding one directory per meeting.
    pub fn meetings_dir(&self) -> PathBuf {
        self.home.join(MEETINGS_DIR)
    }

    /// Starts a meeting in a new directory and returns its writer.
    ///
    /// The directory is created with `create_dir`, so an existing meeting is
    /// never reused; if the id is taken, `-2`, `-3`, ... is appended.
    pub fn create_meeting(&self, new: &NewMeeting) -> Result<MeetingWriter> {
        self.create(new, false)
    }

    /// Starts a meeting like [`Store::create_meeting`] for `import`: until
    /// [`MeetingWriter::finish`] has run, an `importing` marker says the
    /// meeting is not there yet, and `recover` deletes what a crash left of
    /// it (the imported file itself is still where it was). So an import
    /// stores all of a file or nothing, even under `kill -9`.
    pub fn create_import(&self, new: &NewMeeting) -> Result<MeetingWriter> {
        self.create(new, true)
    }

    fn create(&self, new: &NewMeeting, importing: bool) -> Result<MeetingWriter> {
        let started_at = new
            .started_at
            .checked_to_offset(time::UtcOffset::UTC)
            .filter(|t| (0..=9999).contains(&t.year()))
            .ok_or_else(|| StoreError::InvalidTime {
                id: MeetingId(slug(&new.title)),
                message: format!("start {} is out of range", new.started_at),
            })?;
        let base = id_base(started_at, &new.title);
        let meetings = self.meetings_dir();
        for n in 1..=MAX_COLLISIONS {
            let id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            let dir = meetings.join(&id);
            match fs::create_dir(&dir) {
                Ok(()) => {
                    sync_dir(&meetings)?;
                    let info = MeetingInfo {
                        schema: SCHEMA,
                        id: MeetingId(id),
                        title: new.title.clone(),
                        started_at,
                        ended_at: None,
                        model: new.model.clone(),
                        sources: new
                            .sources
                            .iter()
                            .enumerate()
                            .map(|(i, name)| SourceInfo {
                                name: name.clone(),
                                file: format!("source-{i}.wav"),
                                sample_rate: SAMPLE_RATE,
                            })
                            .collect(),
                        status: MeetingStatus::Recording,
                        interruption: None,
                        facilitator: new.facilitator.clone(),
                    };
                    return MeetingWriter::create(dir, info, importing);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(StoreError::io(&dir, "create")(e)),
            }
        }
        Err(StoreError::IdsExhausted {
            base,
            n: MAX_COLLISIONS,
        })
    }

    /// Every meeting, newest first. A meeting that cannot be read is listed
    /// with `problem` set instead of failing the whole list.
    pub fn list(&self) -> Result<Vec<MeetingSummary>> {
        let mut summaries: Vec<MeetingSummary> = self
            .meeting_ids()?
            .into_iter()
            .map(|id| self.summary(id))
            .collect();
        summaries.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(summaries)
    }

    /// Loads a meeting by its id or a unique prefix of it.
    ///
    /// A last line of `turns.jsonl` without its newline is being written (or
    /// was torn by a crash) and is left out; `recover` deals with it.
    pub fn load(&self, id: &str) -> Result<Meeting> {
        let id = self.resolve(id)?;
        let dir = self.meetings_dir().join(id.as_str());
        let info = read_info(&dir)?;
        let path = dir.join(TURNS_FILE);
        let bytes = read_optional(&path)?;
        let mut turns = parse_turns(&path, &bytes)?;
        merge_annotations(&dir.join(ANALYSIS_FILE), &mut turns)?;
        apply_speaker_corrections(&dir.join(SPEAKERS_FILE), &mut turns)?;
        let feedback = feedback::read_feedback(&dir.join(feedback::FEEDBACK_FILE))?;
        Ok(Meeting {
            info,
            turns,
            feedback,
        })
    }

    /// Names a speaker of a stored meeting: every turn whose `speaker_id`
    /// or current speaker is `from` (any case) is by `to` from now on.
    /// Appends the rename to `speakers.jsonl`; `turns.jsonl` is not touched.
    /// Returns how many turns it changes (nothing is written for none).
    pub fn rename_speaker(&self, id: &MeetingId, from: &str, to: &str) -> Result<usize> {
        let meeting = self.load(id.as_str())?;
        let n = meeting
            .turns
            .iter()
            .filter(|t| speaker_matches(t, from))
            .count();
        if n == 0 {
            return Ok(0);
        }
        let dir = self.meetings_dir().join(id.as_str());
        let _lock = lock_finished(id, &dir)?;
        let line = serde_json::json!({ "rename": from, "to": to });
        append_line(&dir.join(SPEAKERS_FILE), &line)?;
        Ok(n)
    }

    /// Stores annotations of a finished meeting's turns (tags, action items,
    /// nudges: the `fields` of each turn's `extra`) next to its turns, in
    /// `analysis.jsonl`, replacing earlier annotations atomically.
    /// `turns.jsonl` itself is never touched: annotations are derived data,
    /// the recorded turns are not. [`Store::load`] merges them back in.
    pub fn write_annotations(
        &self,
        id: &MeetingId,
        turns: &[TurnRecord],
        fields: &[&str],
    ) -> Result<()> {
        let dir = self.meetings_dir().join(id.as_str());
        let _lock = lock_finished(id, &dir)?;
        let mut bytes = Vec::new();
        for turn in turns {
            let mut line = serde_json::Map::new();
            line.insert("id".into(), turn.id.into());
            for field in fields {
                // A field the turn no longer has is written as null, which
                // hides what the live pipeline recorded (a nudge that a
                // rename made stale).
                let value = turn.extra.get(*field).cloned();
                line.insert((*field).into(), value.unwrap_or_default());
            }
            bytes.extend_from_slice(serde_json::Value::Object(line).to_string().as_bytes());
            bytes.push(b'\n');
        }
        write_atomic(&dir, ANALYSIS_FILE, &bytes)
    }

    /// Deletes a finished meeting for good (fails while it is recorded).
    ///
    /// The directory is first renamed to a hidden name (one atomic step:
    /// from then on no command sees the meeting), then removed; a crash in
    /// between leaves the hidden directory, which `recover` removes.
    pub fn delete(&self, id: &MeetingId) -> Result<()> {
        let dir = self.meetings_dir().join(id.as_str());
        // Held until the directory is gone: no recording or `recover` can
        // start on it meanwhile.
        let _lock = lock_finished(id, &dir)?;
        recover::remove_meeting_dir(&dir, id)
    }

    /// Finds the meeting an id or id prefix means.
    pub fn resolve(&self, id: &str) -> Result<MeetingId> {
        // An exact id needs no listing: with 10,000 meetings, listing for
        // every load made a rebuild of the search index quadratic.
        if !id.is_empty()
            && !id.starts_with('.')
            && !id.contains(['/', '\\'])
            && self.meetings_dir().join(id).is_dir()
        {
            return Ok(MeetingId(id.to_owned()));
        }
        let ids = self.meeting_ids()?;
        if let Some(exact) = ids.iter().find(|m| m.as_str() == id) {
            return Ok(exact.clone());
        }
        let mut candidates: Vec<String> = ids
            .into_iter()
            .filter(|m| !id.is_empty() && m.as_str().starts_with(id))
            .map(|m| m.0)
            .collect();
        match candidates.len() {
            0 => Err(StoreError::NotFound {
                id: id.to_owned(),
                home: self.home.clone(),
            }),
            1 => Ok(MeetingId(candidates.remove(0))),
            _ => {
                candidates.sort();
                Err(StoreError::Ambiguous {
                    prefix: id.to_owned(),
                    candidates,
                })
            }
        }
    }

    /// The ids of all meeting directories, in no particular order (hidden
    /// entries skipped); cheaper than [`Store::list`], which reads every meeting.
    pub fn meeting_ids(&self) -> Result<Vec<MeetingId>> {
        let meetings = self.meetings_dir();
        let entries = fs::read_dir(&meetings).map_err(StoreError::io(&meetings, "read"))?;
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(StoreError::io(&meetings, "read"))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if name.starts_with('.') || !entry.path().is_dir() {
                continue;
            }
            ids.push(MeetingId(name));
        }
        Ok(ids)
    }

    fn summary(&self, id: MeetingId) -> MeetingSummary {
        let dir = self.meetings_dir().join(id.as_str());
        let n_turns = fs::read(dir.join(TURNS_FILE))
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0);
        match read_info(&dir) {
            Ok(info) => MeetingSummary {
                duration_s: info
                    .sources
                    .iter()
                    .filter_map(|s| {
                        let len = fs::metadata(dir.join(&s.file)).ok()?.len();
                        Some(wav::duration_from_len(len, s.sample_rate))
                    })
                    .fold(0.0, f64::max),
                id,
                title: info.title,
                started_at: Some(info.started_at),
                n_turns,
                status: Some(info.status),
                interruption: info.interruption,
                problem: None,
            },
            Err(error) => MeetingSummary {
                id,
                title: String::new(),
                started_at: None,
                duration_s: 0.0,
                n_turns,
                status: None,
                interruption: None,
                problem: Some(error.to_string()),
            },
        }
    }
}

/// `YYYYMMDD-HHMMSS-slug` for a UTC start time and a title.
fn id_base(started_at: OffsetDateTime, title: &str) -> String {
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{}",
        started_at.year(),
        u8::from(started_at.month()),
        started_at.day(),
        started_at.hour(),
        started_at.minute(),
        started_at.second(),
        slug(title)
    )
}

/// Lower-case ASCII letters and digits joined by single `-`, at most
/// [`MAX_SLUG_LEN`] bytes, cut at a word boundary where possible; `meeting`
/// if nothing is left.
fn slug(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.len() > MAX_SLUG_LEN {
        let cut = match slug[..=MAX_SLUG_LEN].rfind('-') {
            Some(i) if i > MAX_SLUG_LEN / 2 => i,
            _ => MAX_SLUG_LEN,
        };
        slug.truncate(cut);
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("meeting");
    }
    slug
}

/// Reads and parses `meeting.json` in a meeting directory.
fn read_info(dir: &Path) -> Result<MeetingInfo> {
    let path = dir.join(MEETING_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(StoreError::Corrupt {
                path,
                message: "missing: the meeting was cut off while being created and holds no \
                          audio or turns; look inside, then remove the directory"
                    .into(),
            })
        }
        Err(e) => return Err(StoreError::io(&path, "read")(e)),
    };
    let info: MeetingInfo = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
        path: path.clone(),
        message: format!(
            "not a meeting description ({e}); restore it from a backup or fix it by hand"
        ),
    })?;
    // `recover` opens, creates and repairs the recordings named here: a name
    // must stay inside the meeting's directory and be a recording.
    for source in &info.sources {
        let plain = !source.file.starts_with('.')
            && source.file.ends_with(".wav")
            && !source.file.contains(['/', '\\', '\0']);
        if !plain || !(1..=MAX_SAMPLE_RATE).contains(&source.sample_rate) {
            return Err(StoreError::Corrupt {
                path,
                message: format!(
                    "source {:?} names recording {:?} at {} Hz; a recording is a `.wav` file \
                     inside the meeting's directory at 1 to {MAX_SAMPLE_RATE} Hz: fix it by hand",
                    source.name, source.file, source.sample_rate
                ),
            });
        }
    }
    Ok(info)
}

/// Highest sample rate a stored recording may claim (the store writes 16 kHz).
const MAX_SAMPLE_RATE: u32 = 768_000;

/// A file's bytes, or none if it does not exist.
fn read_optional(path: &Path) -> Result<Vec<u8>> {
    match fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(StoreError::io(path, "read")(e)),
    }
}

/// Lays the annotations of `analysis.jsonl`, if any, over the turns' own; a
/// field that is null there removes the turn's own.
fn merge_annotations(path: &Path, turns: &mut [TurnRecord]) -> Result<()> {
    let bytes = read_optional(path)?;
    for line in bytes.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
        let mut fields: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(line).map_err(|e| StoreError::Corrupt {
                path: path.to_path_buf(),
                message: format!("{e}; delete it and run `blameless analyze` again"),
            })?;
        let Some(id) = fields.remove("id").and_then(|v| v.as_u64()) else {
            continue;
        };
        if let Some(turn) = turns.iter_mut().find(|t| t.id == id) {
            for (key, value) in fields {
                if value.is_null() {
                    turn.extra.remove(&key);
                } else {
                    turn.extra.insert(key, value);
                }
            }
        }
    }
    Ok(())
}

/// Locks a finished meeting's directory for a change beside its turns;
/// fails while a recording holds it (a meeting from before the lock file
/// existed has none to take).
fn lock_finished(id: &MeetingId, dir: &Path) -> Result<Option<lock::MeetingLock>> {
    match lock::try_lock(dir)? {
        lock::TryLock::Acquired(lock) => Ok(Some(lock)),
        lock::TryLock::NoLockFile => Ok(None),
        lock::TryLock::Busy { pid } => Err(StoreError::Busy {
            id: id.clone(),
            pid,
        }),
    }
}

/// Whether `turn` is by `who`: its `speaker_id` (`S2`) or its speaker, any case.
fn speaker_matches(turn: &TurnRecord, who: &str) -> bool {
    let id = turn.extra.get("speaker_id").and_then(|v| v.as_str());
    id.is_some_and(|i| i.eq_ignore_ascii_case(who))
        || turn
            .speaker
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(who))
}

/// Appends one JSON line to `path` and makes it durable.
pub(crate) fn append_line(path: &Path, value: &serde_json::Value) -> Result<()> {
    let mut line = value.to_string().into_bytes();
    line.push(b'\n');
    let mut file = fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(StoreError::io(path, "open"))?;
    file.write_all(&line)
        .and_then(|()| file.sync_data())
        .map_err(StoreError::io(path, "write"))
}

/// Applies `speakers.jsonl`, if any, in order: `{"turn", "speaker",
/// "speaker_id", "speaker_confidence"}` lines (the live re-clustering moved a
/// turn) and `{"rename", "to"}` lines (`blameless speakers rename`). A torn
/// last line (a crash while appending) is ignored.
fn apply_speaker_corrections(path: &Path, turns: &mut [TurnRecord]) -> Result<()> {
    let bytes = read_optional(path)?;
    let complete = match bytes.iter().rposition(|&c| c == b'\n') {
        Some(last) => &bytes[..=last],
        None => &[][..],
    };
    for line in complete.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
        let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(line)
            .map_err(|e| StoreError::Corrupt {
                path: path.to_path_buf(),
                message: format!("{e}; fix or delete that line, the others are intact"),
            })?;
        if let (Some(from), Some(to)) = (
            fields.get("rename").and_then(|v| v.as_str()),
            fields.get("to").and_then(|v| v.as_str()),
        ) {
            for turn in turns.iter_mut().filter(|t| speaker_matches(t, from)) {
                turn.speaker = Some(to.to_string());
            }
        } else if let Some(id) = fields.get("turn").and_then(|v| v.as_u64()) {
            if let Some(turn) = turns.iter_mut().find(|t| t.id == id) {
                for (k, v) in fields {
                    match k.as_str() {
                        "turn" => {}
                        "speaker" => turn.speaker = v.as_str().map(str::to_string),
                        _ => {
                            turn.extra.insert(k, v);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// The turns in the complete (newline-terminated) lines of `turns.jsonl`.
fn parse_turns(path: &Path, bytes: &[u8]) -> Result<Vec<TurnRecord>> {
    let complete = match bytes.iter().rposition(|&c| c == b'\n') {
        Some(last) => &bytes[..=last],
        None => &[][..],
    };
    let mut turns = Vec::new();
    for (i, line) in complete.split(|&c| c == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let turn = serde_json::from_slice(line).map_err(|e| StoreError::Corrupt {
            path: path.to_owned(),
            message: format!(
                "line {} is not a turn ({e}); fix or delete that line, the others are intact",
                i + 1
            ),
        })?;
        turns.push(turn);
    }
    Ok(turns)
}

/// Replaces `dir/name` with `bytes` so that a crash leaves the old or the new
/// contents, never a mix: temp file, fsync, rename, fsync of the directory.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let path = dir.join(name);
    let mut file = File::create(&tmp).map_err(StoreError::io(&tmp, "create"))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(StoreError::io(&tmp, "write"))?;
    drop(file);
    fs::rename(&tmp, &path).map_err(StoreError::io(&path, "replace"))?;
    sync_dir(dir)
}

/// Removes a meeting's `reserve` file, if any (it holds no data).
fn remove_reserve(dir: &Path) -> Result<()> {
    let path = dir.join(RESERVE_FILE);
    match fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io(&path, "remove")(e)),
    }
}

/// Makes a directory's entries (new or renamed files) durable.
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(StoreError::io(dir, "sync"))
}

/// Writes `meeting.json` atomically: pretty, with a final newline.
fn write_info(dir: &Path, info: &MeetingInfo) -> Result<()> {
    // Only a date outside RFC 3339's years 0000-9999 can fail here.
    let mut bytes = serde_json::to_vec_pretty(info).map_err(|e| StoreError::InvalidTime {
        id: info.id.clone(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    write_atomic(dir, MEETING_FILE, &bytes)
}

#[cfg(test)]
mod tests;
