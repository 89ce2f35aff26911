//! What did the facilitator mark while the meeting ran?
//!
//! Facilitator feedback (a nudge dismissed as not helpful or marked as used,
//! a turn marked as an action item or a key moment, nudges paused) is data:
//! the only signal from real meetings about the tagger's false alarms. It is
//! kept beside the meeting in `feedback.jsonl`, one [`Feedback`] per line,
//! appended and never rewritten, so recorded data stays as it was.
//!
//! Each line is written with one `write(2)` of the whole line (including its
//! `\n`) to a file opened with `O_APPEND`, then `fdatasync`ed. Several
//! writers (the terminal UI of the recording process, a web dashboard) can
//! append at once without interleaving, and a `kill -9` leaves at most a
//! torn last line, which readers skip and `recover` moves to
//! `feedback.jsonl.torn`.

use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{append_line, lock, read_optional, Meeting, MeetingId, Result, Store, StoreError};

/// The file of a meeting's feedback, beside `turns.jsonl`.
pub(crate) const FEEDBACK_FILE: &str = "feedback.jsonl";
/// Where `recover` puts a torn last line of [`FEEDBACK_FILE`].
pub(crate) const FEEDBACK_TORN_FILE: &str = "feedback.jsonl.torn";

/// What the facilitator did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    /// A facilitator view (the terminal UI) started showing the meeting:
    /// nudges from `at` on were seen by someone who could dismiss them.
    Opened,
    /// The current nudge was dismissed as not helpful (a false alarm, or
    /// not useful now).
    Dismissed,
    /// The current nudge was used (said, or acted on).
    Used,
    /// The turn is an action item.
    ActionItem,
    /// The turn is a key moment of the meeting.
    KeyMoment,
    /// Nudges were paused: none shown until resumed.
    NudgesPaused,
    /// Nudges were shown again.
    NudgesResumed,
}

impl FeedbackKind {
    /// Every kind, in the order above.
    pub const ALL: [FeedbackKind; 7] = [
        FeedbackKind::Opened,
        FeedbackKind::Dismissed,
        FeedbackKind::Used,
        FeedbackKind::ActionItem,
        FeedbackKind::KeyMoment,
        FeedbackKind::NudgesPaused,
        FeedbackKind::NudgesResumed,
    ];

    /// The kinds that mark a turn (or its nudge) and that search filters on.
    pub const MARKS: [FeedbackKind; 4] = [
        FeedbackKind::Dismissed,
        FeedbackKind::Used,
        FeedbackKind::ActionItem,
        FeedbackKind::KeyMoment,
    ];

    /// The name in `feedback.jsonl` (`key_moment`).
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::Opened => "opened",
            FeedbackKind::Dismissed => "dismissed",
            FeedbackKind::Used => "used",
            FeedbackKind::ActionItem => "action_item",
            FeedbackKind::KeyMoment => "key_moment",
            FeedbackKind::NudgesPaused => "nudges_paused",
            FeedbackKind::NudgesResumed => "nudges_resumed",
        }
    }

    /// The kind named `name` (as in `feedback.jsonl`).
    pub fn from_name(name: &str) -> Option<FeedbackKind> {
        FeedbackKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether it marks a turn or the turn's nudge (search's `--marked`).
    pub fn is_mark(self) -> bool {
        FeedbackKind::MARKS.contains(&self)
    }

    /// Words for people: "dismissed nudge", "key moment".
    pub fn describe(self) -> &'static str {
        match self {
            FeedbackKind::Opened => "facilitator view opened",
            FeedbackKind::Dismissed => "nudge dismissed as not helpful",
            FeedbackKind::Used => "nudge used",
            FeedbackKind::ActionItem => "action item",
            FeedbackKind::KeyMoment => "key moment",
            FeedbackKind::NudgesPaused => "nudges paused",
            FeedbackKind::NudgesResumed => "nudges resumed",
        }
    }
}

impl std::fmt::Display for FeedbackKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of `feedback.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    /// What the facilitator did.
    pub kind: FeedbackKind,
    /// When, in seconds of meeting time (audio received so far, for a live
    /// meeting).
    pub at: f64,
    /// The turn it is about: the turn whose nudge was dismissed or used, the
    /// turn marked; `None` for the closing nudge, `opened` and pauses.
    #[serde(default)]
    pub turn_id: Option<u64>,
    /// For `dismissed`/`used`: the nudge's label (`blame`, `balance`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// For `dismissed`/`used`: the nudge's text, as the facilitator saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nudge: Option<String>,
    /// Which view it came from: `tui`, `web`, ...
    pub by: String,
    /// Wall-clock time of the key press (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub marked_at: OffsetDateTime,
    /// Fields of later versions, kept as they are.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty", flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Feedback {
    /// Feedback of `kind` made now, by the view `by`, at meeting time `at`.
    pub fn now(kind: FeedbackKind, at: f64, turn_id: Option<u64>, by: &str) -> Feedback {
        Feedback {
            kind,
            at,
            turn_id,
            label: None,
            nudge: None,
            by: by.to_owned(),
            marked_at: OffsetDateTime::now_utc(),
            extra: serde_json::Map::new(),
        }
    }

    /// Words for people: `nudge dismissed as not helpful (blame: "Let's
    /// leave Dan aside...")`, `key moment`.
    pub fn describe(&self) -> String {
        let mut text = self.kind.describe().to_string();
        match (&self.label, &self.nudge) {
            (Some(label), Some(nudge)) => text.push_str(&format!(" ({label}: {nudge:?})")),
            (Some(label), None) => text.push_str(&format!(" ({label})")),
            _ => {}
        }
        text
    }
}

impl Meeting {
    /// The marks (see [`FeedbackKind::is_mark`]) on turn `turn_id`, in the
    /// order they were made, each kind once.
    pub fn marks_of(&self, turn_id: u64) -> Vec<FeedbackKind> {
        let mut marks = Vec::new();
        for f in &self.feedback {
            if f.turn_id == Some(turn_id) && f.kind.is_mark() && !marks.contains(&f.kind) {
                marks.push(f.kind);
            }
        }
        marks
    }
}

impl Store {
    /// Appends one piece of facilitator feedback to meeting `id`'s
    /// `feedback.jsonl`, durably (fdatasync) before returning.
    ///
    /// Works while the meeting is being recorded (by this process or
    /// another: each line is one `O_APPEND` write, so writers never
    /// interleave) and after it ended (then the meeting's lock is held while
    /// writing, which keeps `recover` away). Never touches recorded data.
    pub fn append_feedback(&self, id: &MeetingId, feedback: &Feedback) -> Result<()> {
        if !feedback.at.is_finite() {
            return Err(StoreError::Corrupt {
                path: self.meetings_dir().join(id.as_str()).join(FEEDBACK_FILE),
                message: format!(
                    "feedback time {} is not a number; give seconds from the meeting start",
                    feedback.at
                ),
            });
        }
        let id = self.resolve(id.as_str())?;
        let dir = self.meetings_dir().join(id.as_str());
        // A live meeting is locked by its writer, which already keeps
        // `recover` away: append beside it without the lock.
        let _lock = match lock::try_lock(&dir)? {
            lock::TryLock::Acquired(lock) => Some(lock),
            lock::TryLock::Busy { .. } | lock::TryLock::NoLockFile => None,
        };
        let value = serde_json::to_value(feedback).map_err(|e| StoreError::Corrupt {
            path: dir.join(FEEDBACK_FILE),
            message: format!("cannot write this feedback ({e})"),
        })?;
        append_line(&dir.join(FEEDBACK_FILE), &value)
    }

    /// The facilitator feedback of meeting `id` (id or unique prefix), in
    /// the order it was given. Cheaper than [`Store::load`]: reads only
    /// `feedback.jsonl`.
    pub fn feedback(&self, id: &str) -> Result<Vec<Feedback>> {
        let id = self.resolve(id)?;
        read_feedback(&self.meetings_dir().join(id.as_str()).join(FEEDBACK_FILE))
    }
}

/// The complete lines of a `feedback.jsonl` (a torn last line is skipped;
/// `recover` sets it aside). Lines of a kind this version does not know are
/// skipped too, so a newer blameless's feedback does not break older readers.
pub(crate) fn read_feedback(path: &Path) -> Result<Vec<Feedback>> {
    let bytes = read_optional(path)?;
    let complete = match bytes.iter().rposition(|&c| c == b'\n') {
        Some(last) => &bytes[..=last],
        None => &[][..],
    };
    let mut feedback = Vec::new();
    for (i, line) in complete.split(|&c| c == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let corrupt = |e: serde_json::Error| {
            StoreError::Corrupt {
            path: path.to_owned(),
            message: format!(
                "line {} is not facilitator feedback ({e}); fix or delete that line, the others are intact",
                i + 1
            ),
        }
        };
        let value: serde_json::Value = serde_json::from_slice(line).map_err(corrupt)?;
        let known = value
            .get("kind")
            .and_then(|k| k.as_str())
            .is_none_or(|k| FeedbackKind::from_name(k).is_some());
        if !known {
            continue;
        }
        feedback.push(serde_json::from_value(value).map_err(corrupt)?);
    }
    Ok(feedback)
}

/// Whether `tail` (the bytes after the last newline) is a whole feedback
/// line that only lacks its newline.
pub(crate) fn is_complete_line(tail: &[u8]) -> bool {
    serde_json::from_slice::<Feedback>(tail).is_ok()
}

#[cfg(test)]
impl Feedback {
    /// The same feedback marked at `marked_at` (to compare with what was read).
    pub(crate) fn with_time(mut self, marked_at: OffsetDateTime) -> Feedback {
        self.marked_at = marked_at;
        self
    }
}

/// How the facilitators received one label's nudges, over many meetings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LabelFeedback {
    /// The nudge label (`blame`, `balance`, ...).
    pub label: String,
    /// Nudges of this label shown in meetings a facilitator view watched
    /// (a meeting with any feedback).
    pub shown: u64,
    /// Of those, how many were dismissed as not helpful.
    pub dismissed: u64,
    /// Of those, how many were marked as used.
    pub used: u64,
    /// Meetings in which the label nudged at least once (watched ones).
    pub n_meetings: u64,
}

impl LabelFeedback {
    /// `dismissed / shown`; `None` when nothing was shown.
    pub fn dismiss_rate(&self) -> Option<f64> {
        (self.shown > 0).then(|| self.dismissed as f64 / self.shown as f64)
    }
}

/// What [`summarize_nudge_feedback`] found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NudgeFeedback {
    /// Meetings read.
    pub n_meetings: u64,
    /// Meetings with any facilitator feedback: the ones whose nudges a
    /// person saw and could dismiss. Only these are counted per label.
    pub n_watched: u64,
    /// Nudges stored in meetings nobody gave feedback on (not counted).
    pub unwatched_nudges: u64,
    /// One entry per label, by label.
    pub labels: Vec<LabelFeedback>,
}

/// Counts, per nudge label, how often nudges were shown, dismissed and
/// used in `meetings`.
///
/// A nudge is stored with the turn it is about (`nudge.label` in the turn);
/// the closing prompt has no turn and counts from its feedback. A nudge
/// dismissed twice counts once; a nudge both dismissed and used counts in
/// both (the facilitator changed their mind; both are kept as data).
pub fn summarize_nudge_feedback<'a>(
    meetings: impl IntoIterator<Item = &'a Meeting>,
) -> NudgeFeedback {
    use std::collections::{BTreeMap, BTreeSet};
    let mut summary = NudgeFeedback::default();
    let mut labels: BTreeMap<String, LabelFeedback> = BTreeMap::new();
    for meeting in meetings {
        summary.n_meetings += 1;
        let nudges: Vec<(Option<u64>, String)> = meeting
            .turns
            .iter()
            .filter_map(|t| {
                let label = t.extra.get("nudge")?.get("label")?.as_str()?;
                Some((Some(t.id), label.to_owned()))
            })
            .collect();
        if meeting.feedback.is_empty() {
            summary.unwatched_nudges += nudges.len() as u64;
            continue;
        }
        summary.n_watched += 1;
        let mut shown: BTreeSet<(Option<u64>, String)> = nudges.into_iter().collect();
        let mut reactions: BTreeSet<(FeedbackKind, Option<u64>, String)> = BTreeSet::new();
        for f in &meeting.feedback {
            if !matches!(f.kind, FeedbackKind::Dismissed | FeedbackKind::Used) {
                continue;
            }
            let Some(label) = &f.label else { continue };
            // The closing prompt (no turn) is known only from its feedback.
            shown.insert((f.turn_id, label.clone()));
            reactions.insert((f.kind, f.turn_id, label.clone()));
        }
        let mut in_meeting = BTreeSet::new();
        for (_, label) in &shown {
            let entry = labels
                .entry(label.clone())
                .or_insert_with(|| LabelFeedback {
                    label: label.clone(),
                    ..LabelFeedback::default()
                });
            entry.shown += 1;
            if in_meeting.insert(label.clone()) {
                entry.n_meetings += 1;
            }
        }
        for (kind, _, label) in reactions {
            let entry = labels.entry(label).or_default();
            match kind {
                FeedbackKind::Dismissed => entry.dismissed += 1,
                _ => entry.used += 1,
            }
        }
    }
    summary.labels = labels.into_values().collect();
    summary
}
