//! The learned layer of the tagger: a per-label logistic head over a
//! sentence embedding of the turn, stacked with the rules' confidences.
//!
//! The rules know the phrasings someone wrote down; the embedding knows what
//! a turn is about however it is phrased. The head reads both: its features
//! are the turn's embedding and, per label, the confidence the rules gave
//! (0 when they gave none), standardised with the training set's mean and
//! spread. Each label's score is calibrated (Platt scaling on writers the
//! head was not trained on), so a confidence of 0.7 means about a 70 %
//! chance for every label, and the nudge threshold means the same thing
//! whatever the label. A label is tagged when its calibrated probability
//! reaches the label's threshold, chosen on the same calibration writers.
//!
//! Evidence for a learned tag comes from occlusion over clauses: each clause
//! of the turn is scored on its own, and the clauses that carry the label
//! are the evidence. Rules that found the label give their own spans.
//!
//! The head's weights are small and live in `head.json` next to this file,
//! written by `blameless train tags` (see data/tags/README.md); the encoder
//! is passed in through [`Embed`], so this module stays pure.

use serde::{Deserialize, Serialize};

use super::{Label, Tag, TurnText};

/// Anything that turns text into a sentence embedding.
pub trait Embed {
    /// The embedding of `text` (unit length).
    fn embed(&self, text: &str) -> Vec<f32>;
}

/// The weights of one label's head.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelHead {
    /// The label.
    pub label: Label,
    /// One weight per standardised feature.
    pub weights: Vec<f32>,
    /// Intercept.
    pub bias: f32,
    /// Platt scaling: p = σ(a·z + b) for the raw score z.
    pub platt: [f32; 2],
    /// Tag when the calibrated probability reaches this.
    pub threshold: f32,
}

/// The trained head for all labels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Head {
    /// Which encoder the features come from (`minilm`).
    pub encoder: String,
    /// Per feature: the training mean.
    pub mean: Vec<f32>,
    /// Per feature: 1 / the training standard deviation.
    pub inv_std: Vec<f32>,
    /// One head per label, in [`Label::ALL`] order.
    pub labels: Vec<LabelHead>,
    /// How it was made: writers trained on, calibrated on, settings.
    pub provenance: serde_json::Value,
}

/// The head shipped with blameless: embedding and rules stacked.
const SHIPPED: &str = include_str!("head.json");

/// The same head trained on the embedding alone, for `eval tags` to show
/// what each layer brings.
const SHIPPED_EMBEDDING_ONLY: &str = include_str!("head-embedding.json");

impl Head {
    /// The head shipped with this build.
    pub fn shipped() -> Head {
        serde_json::from_str(SHIPPED).expect("src/analysis/head.json is valid")
    }

    /// The head trained on the embedding alone (rule features zero).
    pub fn shipped_embedding_only() -> Head {
        serde_json::from_str(SHIPPED_EMBEDDING_ONLY).expect("src/analysis/head-embedding.json is valid")
    }

    /// Number of features the head reads.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// Calibrated probability per label for one feature vector.
    pub fn probabilities(&self, features: &[f32]) -> [f64; 5] {
        let standard: Vec<f32> = features
            .iter()
            .zip(self.mean.iter().zip(&self.inv_std))
            .map(|(x, (m, s))| (x - m) * s)
            .collect();
        let mut out = [0.0; 5];
        for (slot, head) in out.iter_mut().zip(&self.labels) {
            let z = head.bias
                + head
                    .weights
                    .iter()
                    .zip(&standard)
                    .map(|(w, x)| w * x)
                    .sum::<f32>();
            *slot = sigmoid(f64::from(head.platt[0] * z + head.platt[1]));
        }
        out
    }

    /// Tags one turn with the rules and the head together. `rule_tags` are
    /// what [`super::tag_turn`] gave; `embedding` the turn's embedding.
    /// Clauses are embedded through `embed` only when a label the rules did
    /// not find needs evidence.
    pub fn tag(
        &self,
        turn: &TurnText,
        rule_tags: &[Tag],
        embedding: &[f32],
        embed: &dyn Embed,
    ) -> Vec<Tag> {
        if turn.facilitator {
            return Vec::new();
        }
        let probabilities = self.probabilities(&features(embedding, rule_tags));
        let mut tags = Vec::new();
        let mut clauses: Option<Vec<ClauseScore>> = None;
        for (head, p) in self.labels.iter().zip(probabilities) {
            if p < f64::from(head.threshold) {
                continue;
            }
            let evidence = match rule_tags.iter().find(|t| t.label == head.label) {
                Some(rule) => rule.evidence.clone(),
                None => {
                    let scored = clauses.get_or_insert_with(|| self.score_clauses(turn, embed));
                    clause_evidence(scored, head.label, turn.text)
                }
            };
            tags.push(Tag {
                label: head.label,
                confidence: (p.min(0.99) * 100.0).round() / 100.0,
                evidence,
            });
        }
        tags
    }

    /// Each clause of the turn scored on its own.
    fn score_clauses(&self, turn: &TurnText, embed: &dyn Embed) -> Vec<ClauseScore> {
        let spans = clauses(turn.text);
        if spans.len() < 2 {
            return Vec::new();
        }
        spans
            .into_iter()
            .map(|span| {
                let text = super::span_text(turn.text, span);
                let rules = super::tag_turn(&TurnText { text: &text, ..*turn });
                let p = self.probabilities(&features(&embed.embed(&text), &rules));
                ClauseScore { span, p }
            })
            .collect()
    }
}

struct ClauseScore {
    span: [usize; 2],
    p: [f64; 5],
}

/// The clauses that carry `label` (the best one, and any other scoring at
/// least 80 % of it); the whole turn when it has one clause.
fn clause_evidence(scored: &[ClauseScore], label: Label, text: &str) -> Vec<[usize; 2]> {
    let index = Label::ALL.iter().position(|l| *l == label).unwrap_or(0);
    let best = scored.iter().map(|c| c.p[index]).fold(0.0, f64::max);
    if scored.is_empty() || best <= 0.0 {
        return vec![trimmed(text)];
    }
    scored
        .iter()
        .filter(|c| c.p[index] >= 0.8 * best)
        .map(|c| c.span)
        .collect()
}

/// The feature vector: the embedding, then per label the rules' confidence.
pub fn features(embedding: &[f32], rule_tags: &[Tag]) -> Vec<f32> {
    let mut f = embedding.to_vec();
    f.extend(Label::ALL.iter().map(|label| {
        rule_tags
            .iter()
            .find(|t| t.label == *label)
            .map_or(0.0, |t| t.confidence as f32)
    }));
    f
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Words that open a new clause in speech.
const CLAUSE_OPENERS: &[&str] = &[
    "and", "but", "so", "because", "cause", "which", "then", "although", "though", "whereas",
    "while", "like", "anyway", "honestly", "i", "you", "we", "they",
];

/// Splits a turn into clauses, as character spans: at sentence and clause
/// punctuation, and before a clause opener once the current clause has at
/// least four words. Transcripts often have no punctuation at all.
pub fn clauses(text: &str) -> Vec<[usize; 2]> {
    let chars: Vec<char> = text.chars().collect();
    let mut spans = Vec::new();
    let mut start = 0;
    let mut words_in_clause = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '.' | ',' | ';' | '?' | '!' | ':' | '—' | '–') {
            push_clause(&chars, start, i + 1, &mut spans);
            start = i + 1;
            words_in_clause = 0;
            i += 1;
            continue;
        }
        if c.is_alphanumeric() && (i == 0 || !chars[i - 1].is_alphanumeric() && chars[i - 1] != '\'')
        {
            let end = (i..chars.len())
                .find(|&j| !(chars[j].is_alphanumeric() || chars[j] == '\''))
                .unwrap_or(chars.len());
            let word: String = chars[i..end].iter().collect::<String>().to_lowercase();
            if words_in_clause >= 4 && CLAUSE_OPENERS.contains(&word.as_str()) {
                push_clause(&chars, start, i, &mut spans);
                start = i;
                words_in_clause = 0;
            }
            words_in_clause += 1;
            i = end;
            continue;
        }
        i += 1;
    }
    push_clause(&chars, start, chars.len(), &mut spans);
    // Fold clauses of one or two words into their neighbour.
    let mut merged: Vec<[usize; 2]> = Vec::new();
    for span in spans {
        let words = word_count(&chars[span[0]..span[1]]);
        match merged.last_mut() {
            Some(last) if words < 3 || word_count(&chars[last[0]..last[1]]) < 3 => last[1] = span[1],
            _ => merged.push(span),
        }
    }
    merged
}

fn push_clause(chars: &[char], start: usize, end: usize, spans: &mut Vec<[usize; 2]>) {
    let mut s = start;
    let mut e = end;
    while s < e && !chars[s].is_alphanumeric() {
        s += 1;
    }
    while e > s && !chars[e - 1].is_alphanumeric() {
        e -= 1;
    }
    if s < e {
        spans.push([s, e]);
    }
}

fn word_count(chars: &[char]) -> usize {
    chars
        .split(|c| !c.is_alphanumeric() && *c != '\'')
        .filter(|w| !w.is_empty())
        .count()
}

fn trimmed(text: &str) -> [usize; 2] {
    let chars: Vec<char> = text.chars().collect();
    let mut spans = Vec::new();
    push_clause(&chars, 0, chars.len(), &mut spans);
    spans.first().copied().unwrap_or([0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        clauses(text)
            .into_iter()
            .map(|s| super::super::span_text(text, s))
            .collect()
    }

    #[test]
    fn clauses_split_at_punctuation_and_openers() {
        assert_eq!(
            texts("I checked the dashboard, it was green. And then the pager went off"),
            vec!["I checked the dashboard", "it was green", "And then the pager went off"]
        );
        assert_eq!(
            texts("so i did everything right i checked the graphs and somehow it is my deploy that got rolled back"),
            vec![
                "so i did everything right",
                "i checked the graphs",
                "and somehow it is my deploy that got rolled back"
            ]
        );
    }

    #[test]
    fn short_fragments_join_a_neighbour() {
        assert_eq!(texts("yeah, well, that's on them"), vec!["yeah, well, that's on them"]);
    }

    #[test]
    fn shipped_head_matches_the_feature_layout() {
        let head = Head::shipped();
        assert_eq!(head.n_features(), crate::encoder::DIMENSIONS + 5);
        assert_eq!(head.labels.len(), 5);
        for (h, label) in head.labels.iter().zip(Label::ALL) {
            assert_eq!(h.label, label);
            assert_eq!(h.weights.len(), head.n_features());
            assert!(h.platt[0] > 0.0, "{label}: calibration must keep the order");
        }
    }
}
