//! [`MeetingWriter`]: appends one meeting's audio and turns as they come.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::lock::{self, MeetingLock};
use super::wav::{self, WavAppender};
use super::{
    write_info, MeetingId, MeetingInfo, MeetingStatus, Result, StoreError, TurnRecord, TURNS_FILE,
};

/// Patch WAV headers after this many seconds of new audio per source.
const CHECKPOINT_S: u64 = 1;
/// `fdatasync` a recording after this many seconds of new audio.
const SYNC_S: u64 = 5;
/// Disk space a meeting sets aside when it starts (in its `reserve` file),
/// so that a full disk still leaves room for turns and for closing the
/// meeting: see [`MeetingWriter::release_reserve`].
const RESERVE_BYTES: u64 = 320 * 1024;
/// What stays reserved for closing the meeting (`meeting.json`) once the
/// rest was released for turns.
const RESERVE_KEEP_BYTES: u64 = 64 * 1024;

/// Writes one meeting incrementally; made by [`super::Store::create_meeting`].
///
/// Everything appended reaches the OS at once, so a crashed process loses
/// nothing of it; see the module docs for what reaches the disk when.
/// Call [`MeetingWriter::finish`] at the end. Dropping the writer without it
/// patches the headers as a courtesy, but leaves the meeting `recording` for
/// [`super::Store::recover`], exactly as a crash would.
#[derive(Debug)]
pub struct MeetingWriter {
    /// The meeting directory.
    dir: PathBuf,
    /// What `meeting.json` says.
    info: MeetingInfo,
    /// One recording per source, in `info.sources` order.
    recordings: Vec<WavAppender>,
    /// `turns.jsonl`, opened for appending.
    turns: File,
    /// Scratch space for encoded samples, reused across appends.
    encoded: Vec<u8>,
    /// The `reserve` file, while it holds more than the closing share.
    reserve: Option<File>,
    /// An import: the `importing` marker goes once the meeting is complete.
    importing: bool,
    /// Keeps `recover` away while we write.
    _lock: MeetingLock,
}

impl MeetingWriter {
    /// Fills a freshly created meeting directory.
    ///
    /// Order matters for crash safety: lock, then `meeting.json` (so the
    /// directory is known to be a meeting), then the files it names.
    pub(super) fn create(
        dir: PathBuf,
        info: MeetingInfo,
        importing: bool,
    ) -> Result<MeetingWriter> {
        let lock = lock::create(&dir)?;
        if importing {
            let marker = dir.join(super::IMPORTING_FILE);
            File::create_new(&marker)
                .and_then(|f| f.sync_all())
                .map_err(StoreError::io(&marker, "create"))?;
        }
        write_info(&dir, &info)?;
        let recordings = info
            .sources
            .iter()
            .map(|s| WavAppender::create(&dir.join(&s.file), s.sample_rate, CHECKPOINT_S, SYNC_S))
            .collect::<Result<Vec<_>>>()?;
        let turns_path = dir.join(TURNS_FILE);
        let turns = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&turns_path)
            .map_err(StoreError::io(&turns_path, "create"))?;
        let reserve = create_reserve(&dir.join(super::RESERVE_FILE));
        super::sync_dir(&dir)?;
        Ok(MeetingWriter {
            dir,
            info,
            recordings,
            turns,
            encoded: Vec::new(),
            reserve,
            importing,
            _lock: lock,
        })
    }

    /// Records that turn `turn_id` is now by another speaker (the live
    /// re-clustering changed its mind): appended to `speakers.jsonl`, never
    /// written into `turns.jsonl`. `fields` are `speaker`, `speaker_id`,
    /// `speaker_confidence`.
    pub fn append_speaker_update(
        &mut self,
        turn_id: u64,
        fields: serde_json::Map<String, serde_json::Value>,
    ) -> Result<()> {
        let mut line = serde_json::Map::new();
        line.insert("turn".into(), turn_id.into());
        line.extend(fields);
        super::append_line(
            &self.dir.join(super::SPEAKERS_FILE),
            &serde_json::Value::Object(line),
        )
    }

    /// The meeting's id.
    pub fn id(&self) -> &MeetingId {
        &self.info.id
    }

    /// The meeting's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What `meeting.json` says (status `recording` until finished).
    pub fn info(&self) -> &MeetingInfo {
        &self.info
    }

    /// Appends 16 kHz mono samples in [-1, 1] to source `source` (an index
    /// into [`super::NewMeeting::sources`]); values outside are clamped.
    ///
    /// A failed append loses only these samples: the recording stays valid
    /// and later appends may succeed.
    pub fn append_audio(&mut self, source: usize, samples: &[f32]) -> Result<()> {
        let n_sources = self.recordings.len();
        let Some(recording) = self.recordings.get_mut(source) else {
            return Err(StoreError::NoSuchSource {
                id: self.info.id.clone(),
                source_index: source,
                n_sources,
            });
        };
        wav::encode_samples(samples, &mut self.encoded);
        recording.append(&self.encoded)
    }

    /// Appends one turn as a line of `turns.jsonl` and waits until it is on disk.
    ///
    /// The line, newline included, goes out in one write, so a crash leaves
    /// at most one torn last line, which `recover` sets aside.
    pub fn append_turn(&mut self, turn: &TurnRecord) -> Result<()> {
        if !turn.start.is_finite() || !turn.end.is_finite() {
            // serde_json would write `null`, which would not load again.
            return Err(StoreError::InvalidTurn {
                turn_id: turn.id,
                start: turn.start,
                end: turn.end,
            });
        }
        let path = self.dir.join(TURNS_FILE);
        let mut line = serde_json::to_vec(turn).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            message: format!(
                "turn {} cannot be written as JSON ({e}); this is a bug",
                turn.id
            ),
        })?;
        line.push(b'\n');
        let len_before = self
            .turns
            .metadata()
            .map_err(StoreError::io(&path, "read"))?
            .len();
        let written = self
            .turns
            .write_all(&line)
            .and_then(|()| self.turns.flush())
            .and_then(|()| self.turns.sync_data());
        if let Err(error) = written {
            // Best effort: take back a partial line so the next turn starts
            // on a fresh line. If this fails too, `recover` sets it aside.
            let _ = self.turns.set_len(len_before);
            return Err(StoreError::io(&path, "append to")(error));
        }
        Ok(())
    }

    /// Gives back the disk space set aside for turns when the meeting
    /// started (a write failed because the disk is full): turns, which are
    /// small, can then still be stored for a while after audio no longer
    /// fits. A share stays reserved for closing the meeting. Returns
    /// whether there was anything to release.
    pub fn release_reserve(&mut self) -> bool {
        match self.reserve.take() {
            Some(file) => file.set_len(RESERVE_KEEP_BYTES).is_ok(),
            None => false,
        }
    }

    /// Closes the meeting: final WAV headers, everything synced, and
    /// `meeting.json` rewritten with `ended_at` (start plus the longest
    /// recording, or now if there is no audio source) and status `complete`.
    pub fn finish(self) -> Result<MeetingInfo> {
        self.close(None)
    }

    /// Closes the meeting like [`MeetingWriter::finish`], with status
    /// `interrupted` and `reason` as its [`MeetingInfo::interruption`]: it
    /// ended before its sources did, and `meetings list` must say so.
    pub fn finish_interrupted(self, reason: String) -> Result<MeetingInfo> {
        self.close(Some(reason))
    }

    fn close(mut self, interruption: Option<String>) -> Result<MeetingInfo> {
        // The reserve goes first: on a full disk its space is what lets the
        // new `meeting.json` be written.
        self.reserve = None;
        super::remove_reserve(&self.dir)?;
        for recording in &mut self.recordings {
            recording.checkpoint(true)?;
        }
        let turns_path = self.dir.join(TURNS_FILE);
        self.turns
            .sync_all()
            .map_err(StoreError::io(&turns_path, "sync"))?;
        let longest = self
            .recordings
            .iter()
            .zip(&self.info.sources)
            .map(|(r, s)| wav::duration_from_len(wav::HEADER_LEN + r.data_len(), s.sample_rate))
            .fold(None, |a: Option<f64>, d| Some(a.map_or(d, |a| a.max(d))));
        let ended_at = match longest {
            Some(seconds) => self
                .info
                .started_at
                .checked_add(time::Duration::seconds_f64(seconds)),
            None => Some(time::OffsetDateTime::now_utc()),
        };
        let mut info = self.info.clone();
        info.ended_at = ended_at;
        info.status = if interruption.is_some() {
            MeetingStatus::Interrupted
        } else {
            MeetingStatus::Complete
        };
        info.interruption = interruption;
        write_info(&self.dir, &info)?;
        if self.importing {
            let marker = self.dir.join(super::IMPORTING_FILE);
            std::fs::remove_file(&marker).map_err(StoreError::io(&marker, "remove"))?;
            super::sync_dir(&self.dir)?;
        }
        self.info = info.clone();
        Ok(info)
    }
}

impl Drop for MeetingWriter {
    /// Best effort only: a crash skips this, and nothing depends on it.
    fn drop(&mut self) {
        for recording in &mut self.recordings {
            let _ = recording.checkpoint(false);
        }
    }
}

/// Creates the `reserve` file of a new meeting, filled with zeros (so the
/// space is really allocated). Best effort: a meeting that cannot set space
/// aside still records, it only has no margin when the disk fills up.
fn create_reserve(path: &Path) -> Option<File> {
    let made = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| {
            file.write_all(&vec![0; RESERVE_BYTES as usize])?;
            Ok(file)
        });
    match made {
        Ok(file) => Some(file),
        Err(_) => {
            let _ = std::fs::remove_file(path);
            None
        }
    }
}

/// The pipeline moves the writer into its own task or thread.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<MeetingWriter>();
};
