//! One meeting's worth of coaching: tags, action items and the nudge policy
//! applied turn by turn, with the participants learnt as they speak.

use std::sync::Arc;

use crate::analysis::learned::Head;
use crate::analysis::speaker::drop_self_blame;
use crate::analysis::{tag_turn, ActionItem, ActionLog, ConversationTurn, Tag, TurnText};
use crate::encoder::Encoders;
use crate::store::TurnRecord;

use super::{Nudge, NudgeConfig, NudgePolicy, TurnFacts};

/// What the coach makes of one turn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TurnReview {
    /// The turn's tags (empty for the facilitator).
    pub tags: Vec<Tag>,
    /// Action items agreed or changed in this turn, as they stand now
    /// (an item agreed over several turns appears at each turn that
    /// changed it; [`Coach::actions`] has the consolidated list).
    pub actions: Vec<ActionItem>,
    /// The line for the facilitator, if the policy gives one now.
    pub nudge: Option<Nudge>,
}

/// A turn as the coach sees it.
#[derive(Debug, Clone, Copy)]
pub struct TurnInput<'a> {
    /// Turn id.
    pub id: u64,
    /// Who spoke, if known.
    pub speaker: Option<&'a str>,
    /// Marked as the facilitator by its role, whatever the speaker's name.
    pub facilitator: bool,
    /// Start, seconds since the meeting started.
    pub start: f64,
    /// End, seconds since the meeting started.
    pub end: f64,
    /// What was said.
    pub text: &'a str,
}

/// Seconds a spoken word takes, to place turns given without times.
const SECONDS_PER_WORD: f64 = 0.4;

/// One input line of `analyze --turns`:
/// `{"id"?, "speaker"?, "role"?, "text", "start"?, "end"?}`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TurnLine {
    /// The caller's id for the turn, echoed back (any JSON value).
    #[serde(default)]
    pub id: serde_json::Value,
    /// Who spoke, if known.
    #[serde(default)]
    pub speaker: Option<String>,
    /// `facilitator` marks the facilitator's turns.
    #[serde(default)]
    pub role: Option<String>,
    /// What was said.
    pub text: String,
    /// Start, seconds, if known.
    #[serde(default)]
    pub start: Option<f64>,
    /// End, seconds, if known.
    #[serde(default)]
    pub end: Option<f64>,
}

impl TurnLine {
    /// Parses one line.
    pub fn parse(line: &str) -> Result<TurnLine, serde_json::Error> {
        serde_json::from_str(line)
    }

    /// Start and end: as given, or placed after `clock` (the previous turn's
    /// end) at a speaking pace; the end is never before the start.
    pub fn times(&self, clock: f64) -> (f64, f64) {
        let words = self.text.split_whitespace().count() as f64;
        let start = self.start.unwrap_or(clock + 0.5);
        let end = self
            .end
            .unwrap_or(start + words * SECONDS_PER_WORD)
            .max(start);
        (start, end)
    }

    /// The turn as the coach sees it; `fallback_id` when the line's id is
    /// not a whole number.
    pub fn input(&self, fallback_id: u64, clock: f64) -> TurnInput<'_> {
        let (start, end) = self.times(clock);
        TurnInput {
            id: self.id.as_u64().unwrap_or(fallback_id),
            speaker: self.speaker.as_deref(),
            facilitator: self.role.as_deref() == Some("facilitator"),
            start,
            end,
            text: &self.text,
        }
    }
}

/// Tags, action items and nudges for one meeting.
#[derive(Debug)]
pub struct Coach {
    policy: Option<NudgePolicy>,
    facilitator: Option<String>,
    names: Vec<String>,
    learned: Option<(Arc<Encoders>, Head)>,
    /// The previous turn's embedding, when the head reads it.
    prev_embedding: Option<Vec<f32>>,
    actions: ActionLog,
}

impl Coach {
    /// A coach for a meeting. `facilitator` names the facilitator (matched
    /// case-insensitively against speakers); `nudges` is `None` to tag
    /// without nudging. `participants` seeds the names known to be people.
    pub fn new(
        nudges: Option<NudgeConfig>,
        facilitator: Option<&str>,
        participants: &[&str],
    ) -> Coach {
        let mut coach = Coach {
            policy: nudges.map(NudgePolicy::new),
            facilitator: facilitator.map(|f| f.trim().to_lowercase()),
            names: Vec::new(),
            learned: None,
            prev_embedding: None,
            actions: ActionLog::new(None, &[]),
        };
        for name in participants.iter().copied().chain(facilitator) {
            coach.learn(name);
        }
        coach
    }

    /// Tags with the learned layer too (the sentence encoders and the
    /// shipped head, stacked with the rules): tens of milliseconds a turn
    /// instead of microseconds, so callers on an async runtime run the coach
    /// on a blocking thread.
    pub fn with_encoder(mut self, encoder: Arc<Encoders>) -> Coach {
        self.learned = Some((encoder, Head::shipped()));
        self
    }

    /// Deadlines become dates from `date`, the day the meeting is held.
    pub fn with_meeting_date(mut self, date: time::Date) -> Coach {
        let mut log = ActionLog::new(Some(date), &self.names);
        std::mem::swap(&mut self.actions, &mut log);
        self
    }

    /// The meeting's action items so far, consolidated: duplicates merged,
    /// later amendments applied, the read-back not counted again.
    pub fn actions(&self) -> Vec<ActionItem> {
        self.actions.items()
    }

    /// A participant known before they speak (a stored meeting's
    /// speakers), so requests naming them are understood.
    pub fn know(&mut self, name: &str) {
        self.learn(name);
    }

    fn learn(&mut self, name: &str) {
        // Names of people, not of audio sources like "mic-1".
        let name = name.trim().to_lowercase();
        if !name.is_empty() && name.chars().all(char::is_alphabetic) && !self.names.contains(&name)
        {
            self.actions.learn(&name);
            self.names.push(name);
        }
    }

    /// Whether `speaker` is the facilitator.
    pub fn is_facilitator(&self, speaker: Option<&str>) -> bool {
        matches!((speaker, &self.facilitator), (Some(s), Some(f)) if s.trim().to_lowercase() == *f)
    }

    /// Reviews the next turn of the meeting; its speaker becomes a known name.
    pub fn review(&mut self, turn: &TurnInput) -> TurnReview {
        if let Some(speaker) = turn.speaker {
            self.learn(speaker);
        }
        self.review_as(turn)
    }

    fn review_as(&mut self, turn: &TurnInput) -> TurnReview {
        let facilitator = turn.facilitator || self.is_facilitator(turn.speaker);
        let view = TurnText {
            text: turn.text,
            facilitator,
            names: &self.names,
        };
        let rule_tags = tag_turn(&view);
        let tags = match &self.learned {
            Some((encoder, head)) if !facilitator || head.reads_prev() => {
                // The facilitator's turns are never tagged, but when the head
                // reads the previous turn, theirs is context for the next.
                let embeddings = encoder.embed(turn.text, head.reads_mpnet_of(&view));
                let tags = head.tag(
                    &view,
                    &rule_tags,
                    &embeddings.minilm,
                    embeddings.mpnet.as_deref(),
                    self.prev_embedding.as_deref(),
                );
                if head.reads_prev() {
                    self.prev_embedding = Some(embeddings.minilm);
                }
                tags
            }
            _ => rule_tags,
        };
        let mut tags = tags;
        // "Dan pushed it without review" said by Dan is self-reflection.
        drop_self_blame(&mut tags, turn.text, turn.speaker, &self.names);
        let found = self.actions.on_turn(&ConversationTurn {
            id: turn.id,
            speaker: turn.speaker,
            facilitator,
            text: turn.text,
        });
        let agreed = self.actions.items();
        let nudge = self.policy.as_mut().and_then(|policy| {
            policy.set_agreed(agreed);
            policy.on_turn(&TurnFacts {
                id: turn.id,
                speaker: turn.speaker,
                facilitator,
                start: turn.start,
                end: turn.end,
                text: turn.text,
                tags: &tags,
                actions: &found.incomplete,
                names: &self.names,
            })
        });
        TurnReview {
            tags,
            actions: found.agreed,
            nudge,
        }
    }

    /// The meeting is over: the closing prompt, if it is still due.
    pub fn finish(&mut self) -> Option<Nudge> {
        self.finish_all().pop()
    }

    /// The meeting is over: a nudge for items whose exchange ended with the
    /// meeting still missing an owner or a deadline (if any), then the
    /// closing prompt with the read-back (if still due).
    pub fn finish_all(&mut self) -> Vec<Nudge> {
        let open = self.actions.finish();
        let agreed = self.actions.items();
        let Some(policy) = self.policy.as_mut() else {
            return Vec::new();
        };
        policy.set_agreed(agreed);
        let mut out = Vec::new();
        if let Some(nudge) = policy.on_open_actions(&open) {
            out.push(nudge);
        }
        out.extend(policy.on_end());
        out
    }

    /// Reviews a stored turn and writes the result into its annotations
    /// (`tags`, `actions`, and `nudge` when there is one).
    pub fn annotate(&mut self, record: &mut TurnRecord) -> TurnReview {
        // Only a speaker is a person. A source ("default", "USB Mic") is
        // neither a participant's name nor the facilitator, so a turn
        // without a speaker is reviewed as nobody's: "I" in an action item
        // stays "the speaker", and talk balance waits for attribution.
        let review = self.review(&TurnInput {
            id: record.id,
            speaker: record.speaker.as_deref(),
            facilitator: false,
            start: record.start,
            end: record.end,
            text: &record.text,
        });
        write_review(record, &review);
        review
    }
}

/// Stores `review` in the turn's annotations, replacing earlier ones.
pub fn write_review(record: &mut TurnRecord, review: &TurnReview) {
    record.extra.insert("tags".into(), value(&review.tags));
    record
        .extra
        .insert("actions".into(), value(&review.actions));
    match &review.nudge {
        Some(nudge) => record.extra.insert("nudge".into(), value(nudge)),
        None => record.extra.remove("nudge"),
    };
}

fn value<T: serde::Serialize>(v: &T) -> serde_json::Value {
    // Tags, actions and nudges hold only strings and finite numbers, which
    // always convert.
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
