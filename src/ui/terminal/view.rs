//! The state of the terminal UI: what events and keys have made of it.
//!
//! Pure and synchronous: [`LiveView::apply`] takes a pipeline event,
//! [`LiveView::on_key`] a key and returns what the caller must do (store a
//! mark, stop the meeting). Nothing here touches the terminal or the disk.

use crate::events::Event;
use crate::store::{Feedback, FeedbackKind};

/// Name of this view in `feedback.jsonl`'s `by`.
pub const VIEW_NAME: &str = "tui";

/// One finished turn on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnLine {
    /// The turn's id.
    pub id: u64,
    /// Speaker, else the source name.
    pub who: String,
    /// Start, seconds from the meeting start.
    pub start: f64,
    /// End, seconds from the meeting start.
    pub end: f64,
    /// What was said.
    pub text: String,
    /// Tag labels, in the tagger's order.
    pub tags: Vec<String>,
    /// Character spans of `text` to highlight: every tag's evidence.
    pub evidence: Vec<[usize; 2]>,
    /// Why it has no text, if so.
    pub untranscribed: Option<String>,
    /// The facilitator's marks on it (action item, key moment).
    pub marks: Vec<FeedbackKind>,
}

/// An utterance still being spoken.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialLine {
    /// Its source.
    pub source: String,
    /// Its start, seconds from the meeting start.
    pub start: f64,
    /// The current guess.
    pub text: String,
}

/// The nudge on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct NudgeBox {
    /// The turn it follows; `None` for the closing prompt.
    pub turn_id: Option<u64>,
    /// Its label.
    pub label: String,
    /// What the facilitator could say.
    pub text: String,
    /// Why.
    pub reason: String,
}

/// Recording health from the newest `status` event.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Health {
    /// Real-time factor of transcription.
    pub rtf: f64,
    /// How far transcription trails the audio, seconds.
    pub lag_s: f64,
    /// Device samples dropped so far.
    pub dropped_samples: u64,
}

/// A key the view understands (the terminal maps its key events to these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A plain character key.
    Char(char),
    /// Ctrl-C (raw mode turns it into a key, not a signal).
    Interrupt,
    /// Escape: closes the help.
    Escape,
}

/// What the caller must do after a key.
#[derive(Debug, Clone, PartialEq)]
pub enum UiAction {
    /// Store this feedback beside the meeting.
    Store(Feedback),
    /// Stop the meeting as Ctrl-C does (a second one stops transcription too).
    Stop,
}

/// Everything the terminal UI shows.
#[derive(Debug, Clone, Default)]
pub struct LiveView {
    /// Meeting title.
    pub title: String,
    /// Meeting id (from the `meeting` event).
    pub meeting_id: String,
    /// Finished turns, oldest first.
    pub turns: Vec<TurnLine>,
    /// Utterances being spoken, one per source at most.
    pub partials: Vec<PartialLine>,
    /// The current nudge, until the next one or until it is dismissed.
    pub nudge: Option<NudgeBox>,
    /// Whether nudges are paused (`p`).
    pub nudges_paused: bool,
    /// Speakers (or sources) in order of first speech: their colour index.
    pub speakers: Vec<String>,
    /// Newest health figures, once a status event came.
    pub health: Option<Health>,
    /// Audio seconds received so far: the meeting's elapsed time.
    pub audio_s: f64,
    /// Sources that are not recording, with the warning.
    pub not_recording: Vec<(String, String)>,
    /// The newest other warning.
    pub warning: Option<String>,
    /// A short confirmation of the last key (or what went wrong storing it).
    pub notice: Option<String>,
    /// `q` or Ctrl-C was pressed: the meeting is being finalised.
    pub stopping: bool,
    /// The `end` event came: its status.
    pub ended: Option<String>,
    /// Whether the key help is open (`?`).
    pub show_help: bool,
}

impl LiveView {
    /// A view with nothing yet.
    pub fn new() -> LiveView {
        LiveView::default()
    }

    /// Takes one pipeline event into the view.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Meeting { id, title, .. } => {
                self.meeting_id = id.clone();
                self.title = title.clone();
            }
            Event::Partial {
                source,
                start,
                text,
                ..
            } => {
                self.partials.retain(|p| &p.source != source);
                self.partials.push(PartialLine {
                    source: source.clone(),
                    start: *start,
                    text: text.clone(),
                });
            }
            Event::Turn {
                id,
                source,
                speaker,
                start,
                end,
                text,
                tags,
                untranscribed,
                ..
            } => {
                // The turn replaces its source's partial.
                self.partials.retain(|p| &p.source != source);
                let who = speaker.clone().unwrap_or_else(|| source.clone());
                self.know_speaker(&who);
                self.turns.push(TurnLine {
                    id: *id,
                    who,
                    start: *start,
                    end: *end,
                    text: text.clone(),
                    tags: tags.iter().map(|t| t.label.as_str().to_owned()).collect(),
                    evidence: tags
                        .iter()
                        .flat_map(|t| t.evidence.iter().copied())
                        .collect(),
                    untranscribed: untranscribed.clone(),
                    marks: Vec::new(),
                });
                self.audio_s = self.audio_s.max(*end);
            }
            Event::Nudge {
                turn_id,
                label,
                text,
                reason,
            } => {
                if !self.nudges_paused {
                    self.nudge = Some(NudgeBox {
                        turn_id: *turn_id,
                        label: label.clone(),
                        text: text.clone(),
                        reason: reason.clone(),
                    });
                }
            }
            Event::SpeakerUpdate {
                turn_id, speaker, ..
            } => {
                self.know_speaker(speaker);
                if let Some(turn) = self.turns.iter_mut().find(|t| t.id == *turn_id) {
                    turn.who = speaker.clone();
                }
            }
            Event::Status {
                rtf,
                lag_s,
                audio_s,
                dropped_samples,
                ..
            } => {
                self.health = Some(Health {
                    rtf: *rtf,
                    lag_s: *lag_s,
                    dropped_samples: *dropped_samples,
                });
                self.audio_s = self.audio_s.max(*audio_s);
            }
            Event::Warning { source, message } => {
                let source = source.clone().unwrap_or_default();
                if message.contains("NOT RECORDING") {
                    self.not_recording.retain(|(s, _)| s != &source);
                    self.not_recording.push((source, message.clone()));
                } else if message.contains("flowing again") {
                    self.not_recording
                        .retain(|(s, _)| s != &source && !message.starts_with(s.as_str()));
                    self.warning = Some(message.clone());
                } else {
                    self.warning = Some(message.clone());
                }
            }
            // The consolidated action items: the turns already showed each
            // item as it was agreed.
            Event::Actions { .. } => {}
            Event::End { status, .. } => {
                self.ended = Some(status.clone());
                self.partials.clear();
            }
        }
    }

    /// Seconds of speech per speaker (or source), in order of first speech.
    pub fn talk_time(&self) -> Vec<(String, f64)> {
        let mut talk: Vec<(String, f64)> = self.speakers.iter().map(|s| (s.clone(), 0.0)).collect();
        for turn in &self.turns {
            if let Some(entry) = talk.iter_mut().find(|(who, _)| who == &turn.who) {
                entry.1 += (turn.end - turn.start).max(0.0);
            }
        }
        talk
    }

    /// The colour index of a speaker: the order in which they first spoke,
    /// so a person keeps their colour for the whole meeting.
    pub fn colour_of(&self, who: &str) -> usize {
        self.speakers.iter().position(|s| s == who).unwrap_or(0)
    }

    fn know_speaker(&mut self, who: &str) {
        if !self.speakers.iter().any(|s| s == who) {
            self.speakers.push(who.to_owned());
        }
    }

    /// Handles a key; returns what must be done outside the view.
    pub fn on_key(&mut self, key: Key) -> Option<UiAction> {
        let at = self.audio_s;
        match key {
            Key::Interrupt => {
                self.notice = Some(if self.stopping {
                    "stopping now: what was not transcribed is stored as untranscribed".into()
                } else {
                    "stopping: finishing what was heard (Ctrl-C again stops now)".into()
                });
                self.stopping = true;
                Some(UiAction::Stop)
            }
            Key::Char('q') => {
                if self.stopping {
                    return None;
                }
                self.stopping = true;
                self.notice = Some("stopping: finishing what was heard".into());
                Some(UiAction::Stop)
            }
            Key::Char('?') => {
                self.show_help = !self.show_help;
                None
            }
            Key::Escape => {
                self.show_help = false;
                None
            }
            Key::Char(c @ ('d' | 'u')) => {
                let Some(nudge) = self.nudge.take() else {
                    self.notice = Some("no nudge on screen".into());
                    return None;
                };
                let kind = if c == 'd' {
                    FeedbackKind::Dismissed
                } else {
                    FeedbackKind::Used
                };
                self.notice = Some(format!("{} ({})", kind.describe(), nudge.label));
                Some(UiAction::Store(Feedback {
                    label: Some(nudge.label),
                    nudge: Some(nudge.text),
                    ..Feedback::now(kind, at, nudge.turn_id, VIEW_NAME)
                }))
            }
            Key::Char(c @ ('a' | 'k')) => {
                let kind = if c == 'a' {
                    FeedbackKind::ActionItem
                } else {
                    FeedbackKind::KeyMoment
                };
                let Some(turn) = self.turns.last_mut() else {
                    self.notice = Some("no turn yet to mark".into());
                    return None;
                };
                if !turn.marks.contains(&kind) {
                    turn.marks.push(kind);
                }
                self.notice = Some(format!("turn {} marked: {}", turn.id, kind.describe()));
                Some(UiAction::Store(Feedback::now(
                    kind,
                    at,
                    Some(turn.id),
                    VIEW_NAME,
                )))
            }
            Key::Char('p') => {
                self.nudges_paused = !self.nudges_paused;
                let kind = if self.nudges_paused {
                    self.nudge = None;
                    FeedbackKind::NudgesPaused
                } else {
                    FeedbackKind::NudgesResumed
                };
                self.notice = Some(kind.describe().into());
                Some(UiAction::Store(Feedback::now(kind, at, None, VIEW_NAME)))
            }
            Key::Char(_) => None,
        }
    }
}
