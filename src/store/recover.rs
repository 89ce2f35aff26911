//! [`Store::recover`]: repair what a crash left behind.
//!
//! A crash can leave, per meeting: `meeting.json` still saying `recording`;
//! WAV headers that count less than the file holds (up to one checkpoint) or
//! half a sample at the end; a last line of `turns.jsonl` cut short; in the
//! first milliseconds of a meeting, a missing recording or turns file; a last
//! line of `feedback.jsonl` cut short (also after the meeting ended). Every
//! crash point of the writer lands in one of these states, and each has one
//! repair here. Repairs never throw data away: a torn line is copied to
//! `turns.jsonl.torn` before it leaves `turns.jsonl`, and only half a sample
//! (one byte) of audio can be cut.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use super::feedback::{self, FEEDBACK_FILE, FEEDBACK_TORN_FILE};
use super::lock::{self, TryLock};
use super::wav;
use super::{
    read_info, write_info, MeetingId, MeetingStatus, Result, SourceInfo, Store, StoreError,
    TurnRecord, IMPORTING_FILE, MEETING_FILE, TORN_FILE, TURNS_FILE,
};

/// Prefix of a meeting directory being deleted (by `meetings delete` or by
/// `recover`; hidden, so a crash halfway leaves nothing that looks like a
/// meeting).
const REMOVING_PREFIX: &str = ".removing-";

/// What `recover` found and did for one meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryReport {
    /// The meeting.
    pub id: MeetingId,
    /// Whether it was repaired, skipped or could not be read.
    pub outcome: RecoveryOutcome,
    /// One entry per recording, in source order.
    pub sources: Vec<SourceRecovery>,
    /// Turns in `turns.jsonl` after the repair.
    pub turns_kept: usize,
    /// Bytes of a torn last line moved to `turns.jsonl.torn`, if there was one.
    pub torn_line_bytes: Option<u64>,
    /// Bytes of a torn last line of `feedback.jsonl` moved to
    /// `feedback.jsonl.torn`, if there was one.
    pub torn_feedback_bytes: Option<u64>,
    /// Anything else worth telling the user, as sentences without a full stop.
    pub notes: Vec<String>,
}

/// The verdict on one meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryOutcome {
    /// Repaired; `meeting.json` now says `recovered`.
    Recovered,
    /// A live process (a recording, or another `recover`) holds the
    /// meeting's lock, so it was not touched.
    SkippedLive {
        /// The PID in the lock file, if readable.
        pid: Option<u32>,
    },
    /// Nothing of it was worth keeping and it was deleted: an import that
    /// did not finish (the imported file is still where it was), or a
    /// directory a crash left before its `meeting.json` existed.
    Removed {
        /// Why, and what to do.
        reason: String,
    },
    /// The meeting could not be read or repaired; nothing more was changed.
    Failed {
        /// What went wrong and what to do.
        problem: String,
    },
}

/// What `recover` found in one recording.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecovery {
    /// The source's name.
    pub name: String,
    /// The WAV file, relative to the meeting directory.
    pub file: String,
    /// Bytes of samples in the file after the repair.
    pub audio_bytes: u64,
    /// Seconds of audio after the repair.
    pub seconds: f64,
    /// Whether the header's sizes were rewritten to match the data.
    pub header_fixed: bool,
    /// Bytes of a trailing partial sample cut off (0 or 1).
    pub trimmed_bytes: u64,
    /// Whether the file was missing or shorter than a header and was
    /// (re)created empty.
    pub recreated: bool,
}

impl Store {
    /// Repairs every meeting that a crash left `recording` or inconsistent,
    /// and reports on each meeting that needed (or could not get) attention.
    ///
    /// Meetings locked by a live process are skipped with a note; meetings
    /// that are already consistent and closed get no report, so running this
    /// twice changes nothing the second time. Only failing to read the
    /// meetings directory is an error; a meeting that cannot be repaired is
    /// reported with [`RecoveryOutcome::Failed`].
    pub fn recover(&self) -> Result<Vec<RecoveryReport>> {
        // Deletions a crash cut short are finished: the user asked for them.
        remove_leftover_deletions(&self.meetings_dir());
        let mut ids = self.meeting_ids()?;
        ids.sort();
        let mut reports = Vec::new();
        for id in ids {
            let dir = self.meetings_dir().join(id.as_str());
            match recover_meeting(&dir, &id) {
                Ok(Some(report)) => reports.push(report),
                Ok(None) => {}
                Err(error) => reports.push(RecoveryReport {
                    outcome: RecoveryOutcome::Failed {
                        problem: error.to_string(),
                    },
                    ..RecoveryReport::empty(id)
                }),
            }
        }
        Ok(reports)
    }
}

impl RecoveryReport {
    fn empty(id: MeetingId) -> RecoveryReport {
        RecoveryReport {
            id,
            outcome: RecoveryOutcome::Recovered,
            sources: Vec::new(),
            turns_kept: 0,
            torn_line_bytes: None,
            torn_feedback_bytes: None,
            notes: Vec::new(),
        }
    }
}

/// Repairs one meeting; `None` if it needed nothing.
fn recover_meeting(dir: &Path, id: &MeetingId) -> Result<Option<RecoveryReport>> {
    let _lock = match lock::try_lock(dir)? {
        TryLock::Acquired(lock) => Some(lock),
        // read_info below reports the missing meeting.json.
        TryLock::NoLockFile => None,
        TryLock::Busy { pid } => {
            return Ok(Some(RecoveryReport {
                outcome: RecoveryOutcome::SkippedLive { pid },
                ..RecoveryReport::empty(id.clone())
            }))
        }
    };
    if let Some(reason) = unfinished_creation(dir)? {
        remove_meeting_dir(dir, id)?;
        return Ok(Some(RecoveryReport {
            outcome: RecoveryOutcome::Removed { reason },
            ..RecoveryReport::empty(id.clone())
        }));
    }
    // Zeros set aside while the meeting was written; no data.
    super::remove_reserve(dir)?;
    let mut info = read_info(dir)?;
    let mut report = RecoveryReport::empty(id.clone());
    let mut changed = false;

    for source in &info.sources {
        let path = dir.join(&source.file);
        match recover_recording(&path, source) {
            Ok(found) => {
                changed |= found.header_fixed || found.recreated || found.trimmed_bytes > 0;
                report.sources.push(found);
            }
            // A recording we did not write is left as it is; the rest of
            // the meeting is still repaired.
            Err(StoreError::Corrupt { path, message }) => {
                report.notes.push(format!("{}: {message}", path.display()))
            }
            Err(error) => return Err(error),
        }
    }

    let turns = recover_turns(dir, &mut report)?;
    changed |= turns;
    // Feedback can be appended to a finished meeting, so a torn feedback
    // line is repaired and reported without calling the meeting recovered.
    let feedback_changed = recover_feedback(dir, &mut report)?;

    if info.status == MeetingStatus::Recording || changed {
        let longest = report.sources.iter().map(|s| s.seconds).fold(0.0, f64::max);
        if info.status == MeetingStatus::Recording || info.ended_at.is_none() {
            info.ended_at = info
                .started_at
                .checked_add(time::Duration::seconds_f64(longest));
        }
        info.status = MeetingStatus::Recovered;
        write_info(dir, &info)?;
        Ok(Some(report))
    } else if !report.notes.is_empty() && !feedback_changed {
        report.outcome = RecoveryOutcome::Failed {
            problem: report.notes.join("; "),
        };
        Ok(Some(report))
    } else if feedback_changed {
        Ok(Some(report))
    } else {
        Ok(None)
    }
}

/// Why a meeting directory holds nothing to keep, if it does not: an import
/// that did not finish, or a crash between creating the directory and
/// writing `meeting.json` (only the lock, or nothing, inside). A finished
/// import whose marker is still there only loses the marker.
fn unfinished_creation(dir: &Path) -> Result<Option<String>> {
    let marker = dir.join(IMPORTING_FILE);
    if marker.exists() {
        if read_info(dir).is_ok_and(|info| info.status == MeetingStatus::Complete) {
            fs::remove_file(&marker).map_err(StoreError::io(&marker, "remove"))?;
            super::sync_dir(dir)?;
            return Ok(None);
        }
        return Ok(Some(
            "an import that did not finish; import the file again".into(),
        ));
    }
    if dir.join(MEETING_FILE).exists() {
        return Ok(None);
    }
    let entries = fs::read_dir(dir).map_err(StoreError::io(dir, "read"))?;
    for entry in entries {
        let entry = entry.map_err(StoreError::io(dir, "read"))?;
        if entry.file_name() != super::lock::LOCK_FILE {
            // Something else is in there: not ours to delete.
            return Ok(None);
        }
    }
    Ok(Some(
        "its recording never started (the process died while creating it)".into(),
    ))
}

/// Deletes a meeting directory: first renamed to a hidden name, so that a
/// crash halfway leaves no half-deleted meeting, only a hidden directory
/// the next `recover` finishes deleting.
pub(super) fn remove_meeting_dir(dir: &Path, id: &MeetingId) -> Result<()> {
    let Some(parent) = dir.parent() else {
        return Ok(());
    };
    let hidden = parent.join(format!("{REMOVING_PREFIX}{id}"));
    fs::rename(dir, &hidden).map_err(StoreError::io(dir, "move aside"))?;
    super::sync_dir(parent)?;
    fs::remove_dir_all(&hidden).map_err(StoreError::io(&hidden, "remove"))
}

/// Finishes deletions a crash interrupted (best effort: they are hidden).
fn remove_leftover_deletions(meetings: &Path) {
    let Ok(entries) = fs::read_dir(meetings) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(REMOVING_PREFIX))
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Makes one recording's header match its data.
fn recover_recording(path: &Path, source: &SourceInfo) -> Result<SourceRecovery> {
    let mut found = SourceRecovery {
        name: source.name.clone(),
        file: source.file.clone(),
        audio_bytes: 0,
        seconds: 0.0,
        header_fixed: false,
        trimmed_bytes: 0,
        recreated: false,
    };
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            // The crash came before the recording was created.
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(StoreError::io(path, "create"))?;
            found.recreated = true;
            file
        }
        Err(e) => return Err(StoreError::io(path, "open")(e)),
    };
    let Some(state) = wav::inspect(path, &mut file)? else {
        // Shorter than a header: the crash came while the header was being
        // written, before any sample.
        file.set_len(0)
            .and_then(|()| {
                use std::os::unix::fs::FileExt;
                file.write_all_at(&wav::header(source.sample_rate, 0), 0)
            })
            .and_then(|()| file.sync_all())
            .map_err(StoreError::io(path, "write"))?;
        found.recreated = true;
        return Ok(found);
    };
    let data_len = state.data_len().min(wav::MAX_DATA_LEN);
    if !state.is_consistent() {
        let trimmed = state.file_len - wav::HEADER_LEN - data_len;
        if trimmed > 0 {
            file.set_len(wav::HEADER_LEN + data_len)
                .map_err(StoreError::io(path, "truncate"))?;
        }
        // `data_len` is capped at MAX_DATA_LEN, below u32::MAX.
        wav::patch_sizes(&file, data_len as u32)
            .and_then(|()| file.sync_all())
            .map_err(StoreError::io(path, "write"))?;
        found.header_fixed = true;
        found.trimmed_bytes = trimmed;
    }
    found.audio_bytes = data_len;
    found.seconds = wav::duration_from_len(wav::HEADER_LEN + data_len, state.sample_rate);
    Ok(found)
}

/// Sets a torn last line of `turns.jsonl` aside; returns whether anything
/// changed, and fills in the turn count, torn bytes and notes.
fn recover_turns(dir: &Path, report: &mut RecoveryReport) -> Result<bool> {
    let path = dir.join(TURNS_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            // The crash came before the file was created: no turn was lost.
            File::create_new(&path)
                .and_then(|f| f.sync_all())
                .map_err(StoreError::io(&path, "create"))?;
            report
                .notes
                .push(format!("created the missing empty {TURNS_FILE}"));
            return Ok(true);
        }
        Err(e) => return Err(StoreError::io(&path, "read")(e)),
    };
    let changed = match set_torn_tail_aside(dir, &bytes, TURNS_FILE, TORN_FILE, |tail| {
        serde_json::from_slice::<TurnRecord>(tail).is_ok()
    })? {
        TornTail::None => false,
        TornTail::Completed => {
            report
                .notes
                .push("completed a last turn that was missing its newline".into());
            true
        }
        TornTail::MovedAside(n) => {
            report.torn_line_bytes = Some(n);
            true
        }
    };
    let bytes = fs::read(&path).map_err(StoreError::io(&path, "read"))?;
    for (i, line) in bytes.split(|&c| c == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if serde_json::from_slice::<TurnRecord>(line).is_ok() {
            report.turns_kept += 1;
        } else {
            report.notes.push(format!(
                "{TURNS_FILE} line {} is not a turn and was left in place; fix or delete it by hand",
                i + 1
            ));
        }
    }
    Ok(changed)
}

/// Sets a torn last line of `feedback.jsonl` aside; returns whether
/// anything changed.
fn recover_feedback(dir: &Path, report: &mut RecoveryReport) -> Result<bool> {
    let path = dir.join(FEEDBACK_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(StoreError::io(&path, "read")(e)),
    };
    Ok(
        match set_torn_tail_aside(
            dir,
            &bytes,
            FEEDBACK_FILE,
            FEEDBACK_TORN_FILE,
            feedback::is_complete_line,
        )? {
            TornTail::None => false,
            TornTail::Completed => {
                report.notes.push(format!(
                    "completed a last line of {FEEDBACK_FILE} that was missing its newline"
                ));
                true
            }
            TornTail::MovedAside(n) => {
                report.torn_feedback_bytes = Some(n);
                report.notes.push(format!(
                    "torn last line of {FEEDBACK_FILE} ({n} bytes) moved to {FEEDBACK_TORN_FILE}"
                ));
                true
            }
        },
    )
}

/// What [`set_torn_tail_aside`] found after the last newline.
enum TornTail {
    /// Nothing: the file ends with a newline (or is empty).
    None,
    /// A whole line that only lacked its newline; the newline was added.
    Completed,
    /// A torn line of this many bytes, moved to the torn file.
    MovedAside(u64),
}

/// Repairs the end of an append-only JSON lines file `dir/name` whose
/// contents are `bytes`: a whole last line gets its newline, a torn one is
/// copied to `dir/torn_name` and cut off.
fn set_torn_tail_aside(
    dir: &Path,
    bytes: &[u8],
    name: &str,
    torn_name: &str,
    is_whole_line: impl Fn(&[u8]) -> bool,
) -> Result<TornTail> {
    let path = dir.join(name);
    let complete_len = bytes.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
    let tail = &bytes[complete_len..];
    if tail.is_empty() {
        return Ok(TornTail::None);
    }
    let mut file = OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(StoreError::io(&path, "open"))?;
    if is_whole_line(tail) {
        file.write_all(b"\n")
            .and_then(|()| file.sync_data())
            .map_err(StoreError::io(&path, "append to"))?;
        return Ok(TornTail::Completed);
    }
    // Copy first, then cut: a crash in between leaves the line in both
    // places, never in neither.
    let torn_path = dir.join(torn_name);
    let mut torn = OpenOptions::new()
        .append(true)
        .create(true)
        .open(&torn_path)
        .map_err(StoreError::io(&torn_path, "create"))?;
    torn.write_all(&[tail, b"\n"].concat())
        .and_then(|()| torn.sync_all())
        .map_err(StoreError::io(&torn_path, "write"))?;
    super::sync_dir(dir)?;
    file.set_len(complete_len as u64)
        .and_then(|()| file.sync_all())
        .map_err(StoreError::io(&path, "truncate"))?;
    Ok(TornTail::MovedAside(tail.len() as u64))
}

impl fmt::Display for RecoveryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.id)?;
        match &self.outcome {
            RecoveryOutcome::SkippedLive { pid } => {
                f.write_str("skipped: it is being recorded")?;
                if let Some(pid) = pid {
                    write!(f, " by process {pid}")?;
                }
                return f.write_str("; finish that recording first");
            }
            RecoveryOutcome::Failed { problem } => return write!(f, "not repaired: {problem}"),
            RecoveryOutcome::Removed { reason } => return write!(f, "removed: {reason}"),
            RecoveryOutcome::Recovered => f.write_str("recovered")?,
        }
        for s in &self.sources {
            write!(
                f,
                "; {} ({}): {:.2} s ({} bytes)",
                s.name, s.file, s.seconds, s.audio_bytes
            )?;
            if s.recreated {
                f.write_str(", recreated empty")?;
            } else if s.header_fixed {
                f.write_str(", header fixed")?;
            }
            if s.trimmed_bytes > 0 {
                write!(f, ", {} byte(s) of a partial sample cut", s.trimmed_bytes)?;
            }
        }
        write!(f, "; {} turn(s) kept", self.turns_kept)?;
        match self.torn_line_bytes {
            Some(n) => write!(f, "; torn last line ({n} bytes) moved to {TORN_FILE}")?,
            None => f.write_str("; no torn line")?,
        }
        for note in &self.notes {
            write!(f, "; {note}")?;
        }
        Ok(())
    }
}
