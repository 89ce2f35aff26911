//! Following a meeting from another process.
//!
//! The recording process appends every live event that is not a turn
//! (partials, nudges, status, warnings, speaker updates, the end) to
//! `events.jsonl` beside the turns ([`EventLog`]); a viewer such as
//! `blameless serve` reads `turns.jsonl` and `events.jsonl` as they grow
//! ([`Follower`]) and so sees the meeting as it happens.
//!
//! `events.jsonl` is a convenience for viewers, not a record: one
//! `write_all` per line, never fsynced, and the first failure to write it
//! ends it without touching the meeting. Turns are read from
//! `turns.jsonl`, the record, so a viewer shows exactly what was stored.
//! Only whole lines are read: a line still being written is picked up by
//! the next poll.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::lock::{self, TryLock};
use super::{
    read_info, MeetingId, MeetingInfo, MeetingStatus, Store, StoreError, TurnRecord, TURNS_FILE,
};
use crate::events::Event;

/// The live events of a meeting, beside its turns.
pub const EVENTS_FILE: &str = "events.jsonl";

/// Appends a meeting's live events to its `events.jsonl`.
#[derive(Debug)]
pub struct EventLog {
    /// Open for appending.
    file: File,
}

impl EventLog {
    /// Creates (or continues) the events file of the meeting stored in
    /// `meeting_dir`.
    pub fn open(meeting_dir: &Path) -> Result<EventLog, StoreError> {
        let path = meeting_dir.join(EVENTS_FILE);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(StoreError::io(&path, "open"))?;
        Ok(EventLog { file })
    }

    /// Appends `event` as one line. Turns are skipped: viewers read them
    /// from `turns.jsonl`, where they are stored before they are shown.
    pub fn append(&mut self, event: &Event) -> io::Result<()> {
        if matches!(event, Event::Turn { .. }) {
            return Ok(());
        }
        let mut line = event.to_json_line();
        line.push('\n');
        self.file.write_all(line.as_bytes())
    }
}

impl Store {
    /// The meetings a live process is recording right now, newest first. A
    /// meeting still marked `recording` whose process died (it waits for
    /// `recover`) is not among them. Reads only `meeting.json` of each
    /// meeting, so it is cheap enough to ask every second.
    pub fn recording_now(&self) -> Result<Vec<MeetingInfo>, StoreError> {
        let mut live = Vec::new();
        for id in self.meeting_ids()? {
            let dir = self.meetings_dir().join(id.as_str());
            let Ok(info) = read_info(&dir) else { continue };
            if info.status == MeetingStatus::Recording && self.is_recording(&id)? {
                live.push(info);
            }
        }
        live.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(live)
    }

    /// Whether meeting `id` is being recorded by a live process right now.
    pub fn is_recording(&self, id: &MeetingId) -> Result<bool, StoreError> {
        let dir = self.meetings_dir().join(id.as_str());
        if read_info(&dir)?.status != MeetingStatus::Recording {
            return Ok(false);
        }
        // Taking the lock succeeds only when no live process holds it; it
        // is released at once.
        Ok(matches!(lock::try_lock(&dir)?, TryLock::Busy { .. }))
    }
}

/// Reads a meeting's `turns.jsonl` and `events.jsonl` as they grow and
/// hands them on as one ordered stream of live messages: JSON objects with
/// a `type`, as docs/events.md describes them (a turn is its stored
/// record with `"type": "turn"`).
#[derive(Debug)]
pub struct Follower {
    /// Where the turns are read.
    turns: Tail,
    /// Where the other events are read.
    events: Tail,
    /// The end of the last turn delivered per source: a partial of an
    /// utterance that already became a turn is stale.
    turn_ends: HashMap<String, f64>,
    /// Nudges delivered, as (turn id, label): a nudge is both in its
    /// turn's record and in the events file, and is shown once.
    nudges: HashSet<(Option<u64>, String)>,
    /// The `end` event was read.
    ended: bool,
}

impl Follower {
    /// A follower of the meeting stored in `meeting_dir`, from the start of
    /// both files.
    pub fn new(meeting_dir: &Path) -> Follower {
        Follower {
            turns: Tail::new(meeting_dir.join(TURNS_FILE)),
            events: Tail::new(meeting_dir.join(EVENTS_FILE)),
            turn_ends: HashMap::new(),
            nudges: HashSet::new(),
            ended: false,
        }
    }

    /// Whether the meeting's `end` event has been delivered.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// The messages added since the last poll, in order: new turns first
    /// (each followed by its nudge), then the new events. The recording
    /// process stores a turn before it writes anything that follows it, so
    /// reading the turns first never shows an event before its turn. A
    /// line that is not a JSON object with a `type` is skipped, and so are
    /// the `meeting` event (a viewer says which meeting it follows from
    /// `meeting.json`), partials already replaced by a turn and nudges
    /// already delivered.
    pub fn poll(&mut self) -> Result<Vec<Value>, StoreError> {
        let mut out = Vec::new();
        for line in self.turns.read_lines()? {
            let Ok(turn) = serde_json::from_str::<TurnRecord>(&line) else {
                continue;
            };
            let end = self.turn_ends.entry(turn.source.clone()).or_insert(0.0);
            *end = end.max(turn.end);
            let nudge = turn.extra.get("nudge").cloned();
            let Ok(Value::Object(mut message)) = serde_json::to_value(&turn) else {
                continue;
            };
            message.remove("nudge");
            message.insert("type".into(), "turn".into());
            out.push(Value::Object(message));
            if let Some(Value::Object(nudge)) = nudge {
                self.push_nudge(&mut out, Some(turn.id), nudge);
            }
        }
        for line in self.events.read_lines()? {
            let Ok(Value::Object(mut event)) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            match event.get("type").and_then(Value::as_str) {
                None | Some("meeting") => continue,
                Some("partial") => {
                    let source = event.get("source").and_then(Value::as_str).unwrap_or("");
                    let start = event.get("start").and_then(Value::as_f64).unwrap_or(0.0);
                    if self.turn_ends.get(source).is_some_and(|&end| start < end) {
                        continue;
                    }
                }
                Some("nudge") => {
                    let turn_id = event.get("turn_id").and_then(Value::as_u64);
                    event.remove("type");
                    self.push_nudge(&mut out, turn_id, event);
                    continue;
                }
                Some("end") => self.ended = true,
                Some(_) => {}
            }
            out.push(Value::Object(event));
        }
        Ok(out)
    }

    /// Delivers a nudge (`turn_id`, `label`, `text`, `reason`) unless it
    /// was delivered already.
    fn push_nudge(
        &mut self,
        out: &mut Vec<Value>,
        turn_id: Option<u64>,
        mut nudge: Map<String, Value>,
    ) {
        let label = nudge
            .get("label")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if !self.nudges.insert((turn_id, label)) {
            return;
        }
        nudge.insert("type".into(), "nudge".into());
        nudge.insert("turn_id".into(), turn_id.into());
        out.push(Value::Object(nudge));
    }
}

/// The unread whole lines of a growing file.
#[derive(Debug)]
struct Tail {
    /// The file (it may not exist yet).
    path: PathBuf,
    /// Bytes read so far.
    offset: u64,
    /// Bytes after the last newline read: a line still being written.
    unfinished: Vec<u8>,
}

impl Tail {
    fn new(path: PathBuf) -> Tail {
        Tail {
            path,
            offset: 0,
            unfinished: Vec::new(),
        }
    }

    /// The whole lines added since the last call.
    fn read_lines(&mut self) -> Result<Vec<String>, StoreError> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io(&self.path, "open")(e)),
        };
        let len = file
            .metadata()
            .map_err(StoreError::io(&self.path, "read"))?
            .len();
        if len < self.offset {
            // `recover` set a torn last line aside: what was read stays
            // valid, the torn bytes are gone.
            self.offset = len;
            self.unfinished.clear();
            return Ok(Vec::new());
        }
        file.seek(SeekFrom::Start(self.offset))
            .map_err(StoreError::io(&self.path, "read"))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(StoreError::io(&self.path, "read"))?;
        self.offset += bytes.len() as u64;
        self.unfinished.extend_from_slice(&bytes);
        let Some(last_newline) = self.unfinished.iter().rposition(|&b| b == b'\n') else {
            return Ok(Vec::new());
        };
        let rest = self.unfinished.split_off(last_newline + 1);
        let whole = std::mem::replace(&mut self.unfinished, rest);
        Ok(String::from_utf8_lossy(&whole)
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(str::to_owned)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(path: &Path, text: &str) {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }

    fn types(messages: &[Value]) -> Vec<&str> {
        messages
            .iter()
            .map(|m| m["type"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn a_meeting_is_recording_now_while_its_writer_lives() {
        let home = tempfile::tempdir().unwrap();
        let store = Store::open(home.path()).unwrap();
        let writer = store
            .create_meeting(&super::super::NewMeeting {
                title: "live".into(),
                model: "tiny.en".into(),
                sources: vec!["mic".into()],
                started_at: time::OffsetDateTime::now_utc(),
                facilitator: None,
            })
            .unwrap();
        let id = writer.id().clone();
        let live = store.recording_now().unwrap();
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].id, id);
        // A writer gone without closing the meeting (as after a crash):
        // still marked recording, but nobody records it.
        drop(writer);
        assert!(!store.is_recording(&id).unwrap());
        assert!(store.recording_now().unwrap().is_empty());
    }

    #[test]
    fn whole_lines_in_order_without_stale_partials_or_repeated_nudges() {
        let dir = tempfile::tempdir().unwrap();
        let mut follower = Follower::new(dir.path());
        assert!(follower.poll().unwrap().is_empty(), "no files yet");

        let mut log = EventLog::open(dir.path()).unwrap();
        let partial = Event::Partial {
            source: "mic".into(),
            start: 1.0,
            text: "Dan pushed".into(),
            stable: String::new(),
        };
        log.append(&partial).unwrap();
        let messages = follower.poll().unwrap();
        assert_eq!(types(&messages), ["partial"]);

        // The turn arrives with its nudge, and the same partial again (as if
        // both were read in one poll, the partial is stale now); a torn
        // turn line waits for its newline.
        let turn = r#"{"id":1,"source":"mic","speaker":"Priya","start":1.0,"end":4.0,"text":"<script>x</script> Dan pushed it","latency_ms":300,"tags":[{"label":"blame","confidence":0.9,"evidence":[[19,29]]}],"nudge":{"label":"blame","text":"What did the system show?","reason":"blame 0.9"}}"#;
        let turn_2 = turn.replace("\"id\":1", "\"id\":2");
        let turns = dir.path().join(TURNS_FILE);
        append(&turns, &format!("{turn}\n{}", &turn_2[..30]));
        log.append(&partial).unwrap();
        log.append(&Event::Nudge {
            turn_id: Some(1),
            label: "blame".into(),
            text: "What did the system show?".into(),
            reason: "blame 0.9".into(),
        })
        .unwrap();
        let messages = follower.poll().unwrap();
        assert_eq!(types(&messages), ["turn", "nudge"]);
        assert_eq!(messages[0]["text"], "<script>x</script> Dan pushed it");
        assert_eq!(messages[0]["tags"][0]["label"], "blame");
        assert!(messages[0].get("nudge").is_none());
        assert_eq!(messages[1]["turn_id"], 1);

        append(&turns, &format!("{}\n", &turn_2[30..]));
        log.append(&Event::End {
            id: "m".into(),
            n_turns: 2,
            audio_s: 5.0,
            status: "complete".into(),
            interruption: None,
        })
        .unwrap();
        assert!(!follower.ended());
        let messages = follower.poll().unwrap();
        assert_eq!(types(&messages), ["turn", "nudge", "end"]);
        assert!(follower.ended());
        assert!(follower.poll().unwrap().is_empty());
    }
}
