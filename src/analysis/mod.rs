//! `analysis/`: what does this turn show?
//!
//! Tags a turn with the patterns that derail a blameless review (blame,
//! defensiveness, hindsight, executive pressure, dismissal) and finds the
//! action items in it. Pure and synchronous: no IO, never fails, tens of
//! thousands of turns a second for the rules alone.
//!
//! The first layer is rules: phrase patterns over normalised spoken text
//! ([`text`], [`pattern`]) with the context checks that keep it quiet on
//! the false positives that ruin trust: quotes and reported speech,
//! negation and meta-talk, self-reflection, the facilitator's own words.
//! The second, [`learned`], is a calibrated head over the turn's sentence
//! embedding, its words and the rules' verdicts, for the phrasings no rule
//! knows; the caller runs the encoder and passes the embedding in. Every tag
//! carries the character spans of the words that triggered it.

pub mod actions;
pub mod conversation;
pub mod due;
pub mod evaluate;
pub mod learned;
pub mod pattern;
pub mod rules;
pub mod speaker;
pub mod text;

use serde::{Deserialize, Serialize};

pub use actions::{find_actions, ActionItem};
pub use conversation::{agreed_items, meeting_actions, ActionLog, ConversationTurn, TurnActions};

/// The five things a turn can be tagged with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Fault pinned on a person or team.
    Blame,
    /// Self-protection, justification, counter-blame.
    Defensive,
    /// Hindsight: what someone should or could have done.
    Counterfactual,
    /// Pressure for a culprit or a quick fix before the analysis is done.
    ExecPressure,
    /// Shutting down a line of inquiry, minimising.
    Dismissive,
}

impl Label {
    /// Every label, in output order.
    pub const ALL: [Label; 5] = [
        Label::Blame,
        Label::Defensive,
        Label::Counterfactual,
        Label::ExecPressure,
        Label::Dismissive,
    ];

    /// The label as written in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Blame => "blame",
            Label::Defensive => "defensive",
            Label::Counterfactual => "counterfactual",
            Label::ExecPressure => "exec_pressure",
            Label::Dismissive => "dismissive",
        }
    }

    /// Parses a label as written in outputs.
    pub fn parse(s: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A label on a turn, with how sure the tagger is and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// What the turn shows.
    pub label: Label,
    /// In [0, 1]; several independent cues raise it.
    pub confidence: f64,
    /// Character spans `[start, end)` of the words that triggered the tag,
    /// in characters (Unicode scalar values) of the turn's text.
    pub evidence: Vec<[usize; 2]>,
}

/// A turn as the tagger sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct TurnText<'a> {
    /// What was said.
    pub text: &'a str,
    /// The facilitator said it: never tagged.
    pub facilitator: bool,
    /// Lower-case names of the meeting's participants, so "dan" is known
    /// to be a person even without capitals.
    pub names: &'a [String],
}

/// A tag needs at least this confidence to be reported.
pub const TAG_THRESHOLD: f64 = 0.5;

/// Tags one turn. The facilitator's own turns are never tagged: their
/// redirects are full of trigger words.
pub fn tag_turn(turn: &TurnText) -> Vec<Tag> {
    if turn.facilitator {
        return Vec::new();
    }
    let mut tags: Vec<Tag> = Vec::new();
    for_each_match(turn, |rule, found, tokens, cancelled| {
        if cancelled {
            return;
        }
        let span = [tokens[found.start].start, tokens[found.end - 1].end];
        match tags.iter_mut().find(|t| t.label == rule.label) {
            Some(tag) => {
                if tag.evidence.iter().any(|e| overlaps(*e, span)) {
                    // The same words matched twice: one cue, keep the wider span.
                    for e in tag.evidence.iter_mut().filter(|e| overlaps(**e, span)) {
                        *e = [e[0].min(span[0]), e[1].max(span[1])];
                    }
                    tag.confidence = tag.confidence.max(f64::from(rule.confidence));
                } else {
                    tag.evidence.push(span);
                    tag.confidence =
                        1.0 - (1.0 - tag.confidence) * (1.0 - f64::from(rule.confidence));
                }
            }
            None => tags.push(Tag {
                label: rule.label,
                confidence: f64::from(rule.confidence),
                evidence: vec![span],
            }),
        }
    });
    for tag in &mut tags {
        tag.evidence.sort_unstable();
        tag.confidence = (tag.confidence.min(0.99) * 100.0).round() / 100.0;
    }
    tags.retain(|t| t.confidence >= TAG_THRESHOLD);
    tags.sort_by_key(|t| t.label);
    tags
}

/// Per label in [`Label::ALL`] order, the highest confidence of a rule
/// that matched the turn but was cancelled by its context (negation,
/// quotes, meta-talk, self-reflection, a system subject): the words are
/// there, the rules decided they do not count. The learned head reads it so
/// it does not undo that decision ("it is not really a one-off").
pub fn cancelled_rules(turn: &TurnText) -> [f32; 5] {
    let mut out = [0f32; 5];
    if turn.facilitator {
        return out;
    }
    for_each_match(turn, |rule, _, _, cancelled| {
        if cancelled {
            let slot = &mut out[rule.label as usize];
            *slot = slot.max(rule.confidence);
        }
    });
    out
}

/// Calls `f` for every rule match in the turn, with the turn's tokens and
/// whether the match's context cancels it. Rules whose required words are
/// missing are not tried.
fn for_each_match(
    turn: &TurnText,
    mut f: impl FnMut(&rules::Rule, pattern::Match, &[text::Token], bool),
) {
    let tokens = text::tokenize(turn.text);
    let context = pattern::Context { names: turn.names };
    let words: std::collections::HashSet<&str> = tokens.iter().map(|t| t.norm.as_str()).collect();
    let mut scope = rules::Scope::new(&tokens, &context);
    for rule in rules::rules() {
        if !rule.pattern.may_match(&words) {
            continue;
        }
        for found in rule.pattern.find_all(&tokens, &context) {
            let cancelled = rules::cancelled(rule, found, &mut scope).is_some();
            f(rule, found, &tokens, cancelled);
        }
    }
}

fn overlaps(a: [usize; 2], b: [usize; 2]) -> bool {
    a[0] < b[1] && b[0] < a[1]
}

/// The text of a span, for showing evidence.
pub fn span_text(text: &str, span: [usize; 2]) -> String {
    text.chars()
        .skip(span[0])
        .take(span[1].saturating_sub(span[0]))
        .collect()
}

#[cfg(test)]
mod tests;
