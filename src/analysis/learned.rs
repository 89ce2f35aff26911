//! The learned layer of the tagger: a per-label logistic head stacked on
//! the rules.
//!
//! The rules know the phrasings someone wrote down. The head reads three
//! kinds of features of a turn: its sentence embedding ([`crate::encoder`]),
//! lexical features (sublinear TF-IDF over the words and word pairs seen in
//! training, so "on them" or "dropped the" count wherever they appear) and,
//! per label, the confidence the rules gave (0 when they gave none) and the
//! confidence of a rule match the rules cancelled by context. Each
//! label's score is calibrated (Platt scaling on writers the head was not
//! trained on), so a confidence of 0.7 means about a 70 % chance for every
//! label and the nudge threshold means the same whatever the label. A label
//! is tagged when its calibrated probability reaches the label's threshold,
//! chosen on the same calibration writers (never below 0.5).
//!
//! Evidence for a learned tag comes from occlusion over clauses: each clause
//! of the turn is scored on its own, and the clauses that carry the label
//! are the evidence (with the whole turn's embedding, so evidence costs no
//! further encoder run). Rules that found the label give their own spans.
//!
//! The head's weights live in `head.json` next to this file, written by
//! scripts/train-tags.sh (data/tags/README.md says what it is trained on).
//! The caller runs the encoder and passes the embedding in, so this module
//! stays pure.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Label, Tag, TurnText};

/// The weights of one label's head.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelHead {
    /// The label.
    pub label: Label,
    /// One weight per embedding dimension.
    pub embedding: Vec<f32>,
    /// One weight per dimension of the previous turn's embedding (empty:
    /// the head does not read the previous turn).
    #[serde(default)]
    pub prev_embedding: Vec<f32>,
    /// One weight per dimension of the turn's MPNet embedding: MPNet's own
    /// classifier, stacked (empty: the head does not read MPNet).
    #[serde(default)]
    pub mpnet_embedding: Vec<f32>,
    /// One weight per entry of the head's vocabulary.
    pub lexical: Vec<f32>,
    /// One weight per label's rule confidence, in [`Label::ALL`] order.
    pub rules: [f32; 5],
    /// One weight per label's cancelled rule match ([`super::cancelled_rules`]).
    pub cancelled: [f32; 5],
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
    /// Which encoder the embeddings come from (`minilm`).
    pub encoder: String,
    /// Words and word pairs of the lexical features ([`lexical_terms`]).
    pub vocabulary: Vec<String>,
    /// Inverse document frequency of each vocabulary entry.
    pub idf: Vec<f32>,
    /// One head per label, in [`Label::ALL`] order.
    pub labels: Vec<LabelHead>,
    /// How it was made: writers trained on, calibrated on, settings.
    pub provenance: serde_json::Value,
    /// Vocabulary entry -> index, built on load.
    #[serde(skip)]
    index: HashMap<String, usize>,
}

/// The head shipped with blameless: embedding and rules stacked.
const SHIPPED: &str = include_str!("head.json");

/// The same head trained on the embedding alone, for `eval tags` to show
/// what each layer brings.
const SHIPPED_EMBEDDING_ONLY: &str = include_str!("head-embedding.json");

impl Head {
    /// Reads a head from its JSON.
    pub fn from_json(text: &str) -> Result<Head, serde_json::Error> {
        let mut head: Head = serde_json::from_str(text)?;
        head.index = head
            .vocabulary
            .iter()
            .enumerate()
            .map(|(i, term)| (term.clone(), i))
            .collect();
        Ok(head)
    }

    /// The head shipped with this build.
    pub fn shipped() -> Head {
        Head::from_json(SHIPPED).expect("src/analysis/head.json is valid")
    }

    /// The head trained on the embedding alone, without the rules and the
    /// lexical features.
    pub fn shipped_embedding_only() -> Head {
        Head::from_json(SHIPPED_EMBEDDING_ONLY).expect("src/analysis/head-embedding.json is valid")
    }

    /// Whether the head reads the previous turn's embedding.
    pub fn reads_prev(&self) -> bool {
        self.labels.iter().any(|h| !h.prev_embedding.is_empty())
    }

    /// Whether the head reads the turn's MPNet embedding.
    pub fn reads_mpnet(&self) -> bool {
        self.labels.iter().any(|h| !h.mpnet_embedding.is_empty())
    }

    /// Whether the head reads `turn`'s MPNet embedding: when it reads
    /// MPNet at all, for the turns it tags (never the facilitator's).
    pub fn reads_mpnet_of(&self, turn: &TurnText) -> bool {
        !turn.facilitator && self.reads_mpnet()
    }

    /// The turn's lexical features: sublinear TF-IDF over the vocabulary,
    /// L2-normalised, as (index, value) pairs.
    pub fn lexical(&self, text: &str) -> Vec<(usize, f32)> {
        let mut counts: HashMap<usize, f32> = HashMap::new();
        for term in lexical_terms(text) {
            if let Some(&i) = self.index.get(&term) {
                *counts.entry(i).or_default() += 1.0;
            }
        }
        let mut features: Vec<(usize, f32)> = counts
            .into_iter()
            .map(|(i, n)| (i, (1.0 + n.ln()) * self.idf[i]))
            .collect();
        let norm = features.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, v) in features.iter_mut() {
                *v /= norm;
            }
        }
        features.sort_unstable_by_key(|(i, _)| *i);
        features
    }

    /// Calibrated probability per label. `mpnet` is the turn's MPNet
    /// embedding, required when [`Head::reads_mpnet_of`] the turn (without
    /// it the stacked scores would be off); `prev` is the previous turn's
    /// embedding, when there is one.
    ///
    /// # Panics
    /// When the head reads the turn's MPNet embedding and `mpnet` is `None`.
    pub fn probabilities(
        &self,
        turn: &TurnText,
        embedding: &[f32],
        mpnet: Option<&[f32]>,
        prev: Option<&[f32]>,
        rule_tags: &[Tag],
    ) -> [f64; 5] {
        assert!(
            mpnet.is_some() || !self.reads_mpnet_of(turn),
            "the head is stacked on MPNet's classifier: the turn's MPNet embedding is needed"
        );
        let text = turn.text;
        let rules = rule_confidences(rule_tags);
        let cancelled = super::cancelled_rules(turn);
        let lexical = self.lexical(text);
        let mut out = [0.0; 5];
        for (slot, head) in out.iter_mut().zip(&self.labels) {
            let mut z = head.bias;
            z += dot(&head.embedding, embedding);
            if let Some(prev) = prev {
                z += dot(&head.prev_embedding, prev);
            }
            if let Some(mpnet) = mpnet {
                z += dot(&head.mpnet_embedding, mpnet);
            }
            z += lexical
                .iter()
                .map(|(i, x)| head.lexical[*i] * x)
                .sum::<f32>();
            z += head
                .rules
                .iter()
                .zip(&rules)
                .map(|(w, x)| w * x)
                .sum::<f32>();
            z += head
                .cancelled
                .iter()
                .zip(&cancelled)
                .map(|(w, x)| w * x)
                .sum::<f32>();
            *slot = sigmoid(f64::from(head.platt[0] * z + head.platt[1]));
        }
        out
    }

    /// Tags one turn with the rules and the head together. `rule_tags` are
    /// what [`super::tag_turn`] gave; `embedding` the turn's embedding,
    /// `mpnet` its MPNet embedding, and `prev` the previous turn's ("yeah,
    /// that's on them" after a turn naming a team), when there is one.
    pub fn tag(
        &self,
        turn: &TurnText,
        rule_tags: &[Tag],
        embedding: &[f32],
        mpnet: Option<&[f32]>,
        prev: Option<&[f32]>,
    ) -> Vec<Tag> {
        if turn.facilitator {
            return Vec::new();
        }
        let probabilities = self.probabilities(turn, embedding, mpnet, prev, rule_tags);
        let mut tags = Vec::new();
        let mut clauses: Option<Vec<ClauseScore>> = None;
        for (head, p) in self.labels.iter().zip(probabilities) {
            if p < f64::from(head.threshold) {
                continue;
            }
            let evidence = match rule_tags.iter().find(|t| t.label == head.label) {
                Some(rule) => rule.evidence.clone(),
                None => {
                    let scored = clauses
                        .get_or_insert_with(|| self.score_clauses(turn, embedding, mpnet, prev));
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

    /// Each clause of the turn scored on its own words and rules, with the
    /// whole turn's embeddings (so no clause costs another encoder run).
    fn score_clauses(
        &self,
        turn: &TurnText,
        embedding: &[f32],
        mpnet: Option<&[f32]>,
        prev: Option<&[f32]>,
    ) -> Vec<ClauseScore> {
        let spans = clauses(turn.text);
        if spans.len() < 2 {
            return Vec::new();
        }
        spans
            .into_iter()
            .map(|span| {
                let text = super::span_text(turn.text, span);
                let clause = TurnText {
                    text: &text,
                    ..*turn
                };
                let rules = super::tag_turn(&clause);
                let p = self.probabilities(&clause, embedding, mpnet, prev, &rules);
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

/// Per label in [`Label::ALL`] order, the confidence the rules gave (0 for
/// none).
pub fn rule_confidences(rule_tags: &[Tag]) -> [f32; 5] {
    Label::ALL.map(|label| {
        rule_tags
            .iter()
            .find(|t| t.label == label)
            .map_or(0.0, |t| t.confidence as f32)
    })
}

/// The words of a turn for the lexical features, and each pair of
/// neighbouring words ("that's on", "on them"): lower-case, split at
/// anything but letters, digits and apostrophes, apostrophes at the edges
/// dropped. The training script splits the same way.
pub fn lexical_terms(text: &str) -> Vec<String> {
    let lower = text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .collect();
    let mut terms: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    terms.extend(
        words
            .windows(2)
            .map(|pair| format!("{} {}", pair[0], pair[1])),
    );
    terms
}

/// Σ wᵢ·xᵢ over the shorter of the two (an empty weight vector reads
/// nothing).
fn dot(weights: &[f32], x: &[f32]) -> f32 {
    weights.iter().zip(x).map(|(w, x)| w * x).sum()
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
        if c.is_alphanumeric()
            && (i == 0 || !chars[i - 1].is_alphanumeric() && chars[i - 1] != '\'')
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
            Some(last) if words < 3 || word_count(&chars[last[0]..last[1]]) < 3 => {
                last[1] = span[1]
            }
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
            vec![
                "I checked the dashboard",
                "it was green",
                "And then the pager went off"
            ]
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
        assert_eq!(
            texts("yeah, well, that's on them"),
            vec!["yeah, well, that's on them"]
        );
    }

    #[test]
    fn lexical_terms_are_words_and_pairs() {
        assert_eq!(
            lexical_terms("Yeah, that\u{2019}s on THEM'"),
            vec![
                "yeah",
                "that's",
                "on",
                "them",
                "yeah that's",
                "that's on",
                "on them"
            ]
        );
    }

    #[test]
    fn shipped_heads_match_the_feature_layout() {
        for head in [Head::shipped(), Head::shipped_embedding_only()] {
            assert_eq!(head.labels.len(), 5);
            assert_eq!(head.idf.len(), head.vocabulary.len());
            assert_eq!(
                head.index.len(),
                head.vocabulary.len(),
                "vocabulary entries are unique"
            );
            for (h, label) in head.labels.iter().zip(Label::ALL) {
                assert_eq!(h.label, label);
                assert_eq!(h.embedding.len(), crate::encoder::DIMENSIONS);
                assert!(
                    h.prev_embedding.is_empty()
                        || h.prev_embedding.len() == crate::encoder::DIMENSIONS
                );
                assert!(
                    h.mpnet_embedding.is_empty()
                        || h.mpnet_embedding.len() == crate::encoder::MPNET_DIMENSIONS
                );
                assert_eq!(h.lexical.len(), head.vocabulary.len());
                assert!(h.platt[0] > 0.0, "{label}: calibration must keep the order");
                assert!(
                    (0.3..1.0).contains(&h.threshold),
                    "{label}: threshold {}",
                    h.threshold
                );
            }
        }
    }

    #[test]
    fn lexical_features_are_unit_length() {
        let head = Head::shipped();
        let f = head.lexical("so basically that's on the payments team, they dropped the ball");
        let norm: f32 = f.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{norm}");
        assert!(head.lexical("zzzz qqqq").is_empty());
    }

    fn turn(text: &str, facilitator: bool) -> TurnText<'_> {
        TurnText {
            text,
            facilitator,
            names: &[],
        }
    }

    #[test]
    #[should_panic(expected = "MPNet embedding is needed")]
    fn a_head_stacked_on_mpnet_refuses_a_turn_without_it() {
        let head = Head::shipped();
        assert!(head.reads_mpnet());
        let embedding = vec![0.0; crate::encoder::DIMENSIONS];
        head.tag(
            &turn("they dropped the ball", false),
            &[],
            &embedding,
            None,
            None,
        );
    }

    #[test]
    fn mpnet_is_read_only_for_turns_the_head_tags() {
        let head = Head::shipped();
        assert!(head.reads_mpnet_of(&turn("they dropped the ball", false)));
        let facilitator = turn("let's look at what the alert said", true);
        assert!(!head.reads_mpnet_of(&facilitator));
        let embedding = vec![0.0; crate::encoder::DIMENSIONS];
        assert!(head
            .tag(&facilitator, &[], &embedding, None, None)
            .is_empty());
        assert!(!Head::shipped_embedding_only().reads_mpnet());
    }
}
