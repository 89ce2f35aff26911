//! `events`: what does the pipeline tell the outside world?
//!
//! One closed enum, [`Event`], is everything the live pipeline reports:
//! partial text while someone speaks, final turns, health, warnings. With
//! `--format jsonl` each event is one JSON object per line on stdout; the
//! schema is documented in docs/events.md and versioned by [`SCHEMA`].

use serde::Serialize;

use crate::analysis::{ActionItem, Tag};

/// Version of the event schema. Bump it when a field changes meaning or
/// disappears; adding fields is compatible.
pub const SCHEMA: u32 = 3;

/// Where a turn's latency went, in wall-clock milliseconds. The stages
/// follow each other; what `latency_ms` has beyond their sum is storing
/// and printing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TurnTiming {
    /// From the turn's last audio sample entering the pipeline until the
    /// voice activity detector declared the utterance over (end-of-speech
    /// silence).
    pub vad_ms: u64,
    /// Waiting for the Whisper thread (a partial decode being cancelled,
    /// earlier turns).
    pub queue_ms: u64,
    /// Whisper decoding the part of the turn not yet committed.
    pub decode_ms: u64,
    /// Waiting for the turn's speaker after its text was ready.
    pub speakers_ms: u64,
    /// Tagging the turn (rules and learned layer) and the nudge policy.
    pub tagging_ms: u64,
    /// The text came from a decode started at the beginning of the pause
    /// that ended the turn (`decode_ms` is then 0, and `queue_ms` holds
    /// what was left of that decode when the end of speech was heard).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decoded_ahead: bool,
}

/// Everything the live pipeline reports, in the order it happens.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The first event: which meeting this is and where it is stored.
    Meeting {
        /// Event schema version ([`SCHEMA`]).
        schema: u32,
        /// Meeting id in the store.
        id: String,
        /// Title given by the user.
        title: String,
        /// Directory of the stored meeting.
        dir: String,
        /// Audio sources, in index order.
        sources: Vec<String>,
    },
    /// Text of an utterance still being spoken; replaced by later partials
    /// and finally by a turn.
    Partial {
        /// Source name.
        source: String,
        /// Utterance start, seconds since the meeting started.
        start: f64,
        /// Best guess so far.
        text: String,
        /// Leading part of `text` that two successive decodes agreed on.
        stable: String,
    },
    /// A finished turn, as stored.
    Turn {
        /// Sequence number within the meeting, from 1.
        id: u64,
        /// Source name.
        source: String,
        /// Who spoke, when known: an enrolled or given name, else the
        /// speaker id (`S2`).
        speaker: Option<String>,
        /// The speaker's id within the meeting (`S2`), from voice
        /// attribution; absent for a `--speaker-map` source.
        #[serde(skip_serializing_if = "Option::is_none")]
        speaker_id: Option<String>,
        /// How sure the attribution is, 0 to 1; `null` without one.
        speaker_confidence: Option<f32>,
        /// Start, seconds since the meeting started.
        start: f64,
        /// End, seconds since the meeting started.
        end: f64,
        /// What was said.
        text: String,
        /// Wall-clock milliseconds from the moment the turn's last audio
        /// sample entered the pipeline to the moment this event was written.
        latency_ms: u64,
        /// Where `latency_ms` went, stage by stage.
        timing: TurnTiming,
        /// What the turn shows (blame, defensive, ...), with evidence.
        tags: Vec<Tag>,
        /// Action items said in the turn.
        actions: Vec<ActionItem>,
        /// Why the turn has no text (Whisper failed on it, or the meeting
        /// was stopped first); absent for a transcribed turn.
        #[serde(skip_serializing_if = "Option::is_none")]
        untranscribed: Option<String>,
    },
    /// A line for the facilitator, right after the turn that triggered it
    /// (or at the end: the closing prompt).
    Nudge {
        /// The turn it is about; `null` for the closing prompt.
        turn_id: Option<u64>,
        /// A tag label, or `balance`, `action_item`, `opening`, `closing`.
        label: String,
        /// What the facilitator can say.
        text: String,
        /// Why: the tag with its evidence, or the timing figures.
        reason: String,
    },
    /// Periodic health report.
    Status {
        /// Real-time factor of recent transcription: compute time divided
        /// by audio time (below 1 keeps up).
        rtf: f64,
        /// How far transcription trails live audio, in seconds.
        lag_s: f64,
        /// Audio seconds received so far (all sources).
        audio_s: f64,
        /// Samples dropped because a stage was full (capture only).
        dropped_samples: u64,
        /// Partial decodes skipped to keep up.
        skipped_partials: u64,
        /// Mean milliseconds of voice attribution (embedding and clustering)
        /// per turn so far; 0 without attribution.
        speaker_ms_per_turn: f64,
        /// Turns that went without a speaker because attribution lagged.
        skipped_speakers: u64,
    },
    /// Re-clustering changed the speaker of an earlier turn. The
    /// correction is stored (append-only, beside the turns) before this is
    /// printed.
    SpeakerUpdate {
        /// The turn.
        turn_id: u64,
        /// Its speaker now (name or id).
        speaker: String,
        /// Its speaker id now.
        speaker_id: String,
        /// How sure, 0 to 1.
        speaker_confidence: f32,
    },
    /// Something the user must know now (a device stopped delivering audio).
    Warning {
        /// Source concerned, if any.
        source: Option<String>,
        /// What happened and what to do.
        message: String,
    },
    /// The meeting's action items, consolidated (duplicates merged, later
    /// amendments applied, the read-back not counted again): once, just
    /// before `end`.
    Actions {
        /// The agreed items, with the turns they came from.
        items: Vec<ActionItem>,
    },
    /// The last event: the meeting is closed.
    End {
        /// Meeting id.
        id: String,
        /// Turns written.
        n_turns: u64,
        /// Audio seconds per source.
        audio_s: f64,
        /// `complete`, or `interrupted` when the meeting ended before its
        /// sources did (as `meetings list` shows it).
        status: String,
        /// Why it was interrupted; absent when complete.
        #[serde(skip_serializing_if = "Option::is_none")]
        interruption: Option<String>,
    },
}

impl Event {
    /// The event as one line of JSON (no trailing newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("events serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_their_type_tag() {
        let turn = Event::Turn {
            id: 3,
            source: "mic".into(),
            speaker: None,
            speaker_id: None,
            speaker_confidence: None,
            start: 1.5,
            end: 2.25,
            text: "We rolled back.".into(),
            latency_ms: 640,
            timing: TurnTiming {
                vad_ms: 350,
                queue_ms: 10,
                decode_ms: 200,
                speakers_ms: 0,
                tagging_ms: 30,
                decoded_ahead: false,
            },
            tags: Vec::new(),
            actions: Vec::new(),
            untranscribed: None,
        };
        assert_eq!(
            turn.to_json_line(),
            r#"{"type":"turn","id":3,"source":"mic","speaker":null,"speaker_confidence":null,"start":1.5,"end":2.25,"text":"We rolled back.","latency_ms":640,"timing":{"vad_ms":350,"queue_ms":10,"decode_ms":200,"speakers_ms":0,"tagging_ms":30},"tags":[],"actions":[]}"#
        );
        let status = Event::Status {
            rtf: 0.1,
            lag_s: 0.0,
            audio_s: 10.0,
            dropped_samples: 0,
            skipped_partials: 2,
            speaker_ms_per_turn: 12.5,
            skipped_speakers: 0,
        };
        assert!(status
            .to_json_line()
            .starts_with(r#"{"type":"status","rtf":0.1,"lag_s":0.0"#));
    }
}
