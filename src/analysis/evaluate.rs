//! Scoring the tagger and the action-item finder against labelled turns.
//!
//! The labelled sets live in data/tags/ (their README gives the labelling
//! rules). Scores are per label (precision, recall, F1) plus the share of
//! turns labelled none that got any tag: the false alarms a facilitator
//! would see.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::conversation::{agreed_items, owner_key, task_similarity};
use super::{find_actions, tag_turn, ActionItem, ConversationTurn, Label, Tag, TurnText};

/// One line of a labelled tag set.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledTurn {
    /// Identifier of the line (a string or a number).
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// Who said it.
    #[serde(default)]
    pub speaker: Option<String>,
    /// `facilitator` or `participant`.
    #[serde(default)]
    pub role: Option<String>,
    /// What was said.
    pub text: String,
    /// The labels it should get ([] for none).
    pub labels: Vec<String>,
    /// `positive`, `negative` or `hard_negative:<category>`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Who wrote the line (for writer-disjoint splits).
    #[serde(default)]
    pub writer: Option<String>,
    /// The turn before it, when the line only makes sense after it.
    #[serde(default)]
    pub prev: Option<PrevTurn>,
}

/// The previous turn of a labelled line.
#[derive(Debug, Clone, Deserialize)]
pub struct PrevTurn {
    /// Who said it.
    #[serde(default)]
    pub speaker: Option<String>,
    /// What was said.
    pub text: String,
}

/// Reads an id given as a string or a number.
fn id_string<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

/// Counts for one label.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LabelScore {
    /// The label.
    pub label: String,
    /// Turns that should carry it and do.
    pub true_positives: usize,
    /// Turns that carry it but should not.
    pub false_positives: usize,
    /// Turns that should carry it but do not.
    pub false_negatives: usize,
    /// TP / (TP + FP); 1 when nothing was tagged.
    pub precision: f64,
    /// TP / (TP + FN); 1 when nothing should have been.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// A turn the tagger got wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// Line id.
    pub id: String,
    /// Its kind.
    pub kind: Option<String>,
    /// What was said.
    pub text: String,
    /// Expected labels.
    pub expected: Vec<String>,
    /// Labels given, with their evidence as text.
    pub got: Vec<(String, f64, Vec<String>)>,
}

/// The result of [`score_tags`].
#[derive(Debug, Clone, Serialize)]
pub struct TagScores {
    /// Turns scored.
    pub n_turns: usize,
    /// Per label, in [`Label::ALL`] order.
    pub labels: Vec<LabelScore>,
    /// Turns labelled none.
    pub none_turns: usize,
    /// Of those, how many got any tag.
    pub none_tagged: usize,
    /// `none_tagged / none_turns`.
    pub false_positive_rate: f64,
    /// Per kind of turn: (turns, turns with any wrong tag).
    pub by_kind: BTreeMap<String, (usize, usize)>,
    /// Every turn with a wrong or missing tag.
    pub misses: Vec<Miss>,
}

/// A labelled set that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum LabelledSetError {
    /// A line is not valid JSON of the expected shape.
    #[error("line {line}: {message}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Parses a JSONL file of labelled turns.
pub fn parse_labelled(text: &str) -> Result<Vec<LabelledTurn>, LabelledSetError> {
    let mut turns = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let turn: LabelledTurn =
            serde_json::from_str(line).map_err(|e| LabelledSetError::Line {
                line: index + 1,
                message: e.to_string(),
            })?;
        if let Some(bad) = turn.labels.iter().find(|l| Label::parse(l).is_none()) {
            return Err(LabelledSetError::Line {
                line: index + 1,
                message: format!(
                    "unknown label {bad:?}; labels are blame, defensive, counterfactual, exec_pressure, dismissive"
                ),
            });
        }
        turns.push(turn);
    }
    Ok(turns)
}

/// Gives every line without a `prev` the line before it as its previous
/// turn, as live, where the coach always keeps the last turn: a labelled
/// file's lines are mostly written one after another about one incident,
/// and scoring with only the `prev`s the writers gave shows too few false
/// alarms for a tagger that reads the previous turn.
pub fn with_preceding_context(turns: &mut [LabelledTurn]) {
    for i in 1..turns.len() {
        if turns[i].prev.is_none() {
            let before = &turns[i - 1];
            turns[i].prev = Some(PrevTurn {
                speaker: before.speaker.clone(),
                text: before.text.clone(),
            });
        }
    }
}

/// The lower-case names of everyone who speaks in `turns`: the participants
/// a live meeting would know.
pub fn participant_names<'a>(speakers: impl Iterator<Item = Option<&'a str>>) -> Vec<String> {
    let mut names: Vec<String> = speakers
        .flatten()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Which names the rules may treat as people while scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownNames {
    /// None: a live meeting without speaker attribution knows no names.
    None,
    /// Every speaker in the file (generous: a live meeting knows only the
    /// speakers heard so far).
    File,
}

/// The rules' tags for every turn, knowing `names` as people.
pub fn rule_tags(turns: &[LabelledTurn], names: KnownNames) -> Vec<Vec<Tag>> {
    let names = match names {
        KnownNames::None => Vec::new(),
        KnownNames::File => participant_names(turns.iter().map(|t| t.speaker.as_deref())),
    };
    turns
        .iter()
        .map(|turn| {
            tag_turn(&TurnText {
                text: &turn.text,
                facilitator: is_facilitator(turn),
                names: &names,
            })
        })
        .collect()
}

/// Whether the labelled turn is the facilitator's.
pub fn is_facilitator(turn: &LabelledTurn) -> bool {
    turn.role.as_deref() == Some("facilitator")
}

/// Tags every turn with the rules and compares with its labels.
pub fn score_tags(turns: &[LabelledTurn], names: KnownNames) -> TagScores {
    score_given(turns, &rule_tags(turns, names))
}

/// Compares the tags given to each turn (`tags[i]` for `turns[i]`) with the
/// turns' labels.
pub fn score_given(turns: &[LabelledTurn], tags: &[Vec<Tag>]) -> TagScores {
    let mut labels: Vec<LabelScore> = Label::ALL
        .iter()
        .map(|l| LabelScore {
            label: l.as_str().to_string(),
            ..LabelScore::default()
        })
        .collect();
    let (mut none_turns, mut none_tagged) = (0, 0);
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for (turn, tags) in turns.iter().zip(tags) {
        let mut wrong = false;
        for (score, label) in labels.iter_mut().zip(Label::ALL) {
            let expected = turn.labels.iter().any(|l| l == label.as_str());
            let got = tags.iter().any(|t| t.label == label);
            match (expected, got) {
                (true, true) => score.true_positives += 1,
                (false, true) => score.false_positives += 1,
                (true, false) => score.false_negatives += 1,
                (false, false) => {}
            }
            wrong |= expected != got;
        }
        if turn.labels.is_empty() {
            none_turns += 1;
            if !tags.is_empty() {
                none_tagged += 1;
            }
        }
        let kind = turn.kind.clone().unwrap_or_else(|| "unknown".into());
        let entry = by_kind.entry(kind).or_default();
        entry.0 += 1;
        if wrong {
            entry.1 += 1;
            misses.push(Miss {
                id: turn.id.clone(),
                kind: turn.kind.clone(),
                text: turn.text.clone(),
                expected: turn.labels.clone(),
                got: tags.iter().map(|t| describe(t, &turn.text)).collect(),
            });
        }
    }
    for score in &mut labels {
        let (tp, fp, fn_) = (
            score.true_positives as f64,
            score.false_positives as f64,
            score.false_negatives as f64,
        );
        score.precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 };
        score.recall = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 1.0 };
        score.f1 = if score.precision + score.recall > 0.0 {
            2.0 * score.precision * score.recall / (score.precision + score.recall)
        } else {
            0.0
        };
    }
    TagScores {
        n_turns: turns.len(),
        labels,
        none_turns,
        none_tagged,
        false_positive_rate: if none_turns > 0 {
            none_tagged as f64 / none_turns as f64
        } else {
            0.0
        },
        by_kind,
        misses,
    }
}

/// One row of a reliability table: tags whose confidence fell in
/// `[low, high)`, and how many of them were right.
#[derive(Debug, Clone, Serialize)]
pub struct ReliabilityBin {
    /// Lower edge of the confidence bin.
    pub low: f64,
    /// Upper edge.
    pub high: f64,
    /// Tags in the bin.
    pub tags: usize,
    /// Of those, tags the turn's labels confirm.
    pub correct: usize,
    /// Mean confidence of the tags in the bin.
    pub mean_confidence: f64,
}

/// How well confidences match reality: for the tags given (all labels
/// together), per confidence bin of width 0.1, the share that was right.
pub fn reliability(turns: &[LabelledTurn], tags: &[Vec<Tag>]) -> Vec<ReliabilityBin> {
    let mut bins: Vec<ReliabilityBin> = (0..10)
        .map(|i| ReliabilityBin {
            low: i as f64 / 10.0,
            high: (i + 1) as f64 / 10.0,
            tags: 0,
            correct: 0,
            mean_confidence: 0.0,
        })
        .collect();
    for (turn, tags) in turns.iter().zip(tags) {
        for tag in tags {
            let bin = &mut bins[((tag.confidence * 10.0) as usize).min(9)];
            bin.tags += 1;
            bin.mean_confidence += tag.confidence;
            bin.correct += turn.labels.iter().any(|l| l == tag.label.as_str()) as usize;
        }
    }
    bins.retain(|b| b.tags > 0);
    for bin in &mut bins {
        bin.mean_confidence /= bin.tags as f64;
    }
    bins
}

fn describe(tag: &Tag, text: &str) -> (String, f64, Vec<String>) {
    (
        tag.label.as_str().to_string(),
        tag.confidence,
        tag.evidence
            .iter()
            .map(|s| super::span_text(text, *s))
            .collect(),
    )
}

/// One line of a labelled action-item set.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledAction {
    /// Identifier of the line (a string or a number).
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// Who said it (resolves "I").
    #[serde(default)]
    pub speaker: Option<String>,
    /// What was said.
    pub text: String,
    /// The action item in it, or null for a near miss.
    pub action: Option<ExpectedAction>,
}

/// The fields of an expected action item.
#[derive(Debug, Clone, Deserialize)]
pub struct ExpectedAction {
    /// Owner as written, or null.
    pub owner: Option<String>,
    /// The task.
    pub task: String,
    /// Due date as said, or null.
    pub due: Option<String>,
}

/// The result of [`score_actions`].
#[derive(Debug, Clone, Serialize)]
pub struct ActionScores {
    /// Lines scored.
    pub n_lines: usize,
    /// Lines with an action item that were found.
    pub found: usize,
    /// Lines with an action item that were missed.
    pub missed: usize,
    /// Near misses wrongly reported as action items.
    pub false_alarms: usize,
    /// Detection precision.
    pub precision: f64,
    /// Detection recall.
    pub recall: f64,
    /// Of the found items, the share whose owner matches.
    pub owner_accuracy: f64,
    /// Of the found items, the share whose due date matches.
    pub due_accuracy: f64,
    /// Of the found items, the share whose task shares most words with the expected one.
    pub task_accuracy: f64,
    /// Lines with any difference.
    pub misses: Vec<(String, String, String)>,
}

/// Parses a JSONL file of labelled action items.
pub fn parse_actions(text: &str) -> Result<Vec<LabelledAction>, LabelledSetError> {
    parse_lines(text)
}

/// One `T` per non-empty JSON line; the first bad line is the error.
fn parse_lines<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>, LabelledSetError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|e| LabelledSetError::Line {
                line: index + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

/// Finds action items in every line and compares with the expected fields.
pub fn score_actions(lines: &[LabelledAction]) -> ActionScores {
    let names = participant_names(lines.iter().map(|l| l.speaker.as_deref()));
    let (mut found, mut missed, mut false_alarms) = (0, 0, 0);
    let (mut owners, mut dues, mut tasks) = (0, 0, 0);
    let mut misses = Vec::new();
    for line in lines {
        let items = find_actions(&line.text, line.speaker.as_deref(), &names);
        let got = items
            .first()
            .map(|i| format!("owner={:?} task={:?} due={:?}", i.owner, i.task, i.due))
            .unwrap_or_else(|| "none".into());
        match (&line.action, items.first()) {
            (Some(expected), Some(item)) => {
                found += 1;
                let owner_ok = same_text(expected.owner.as_deref(), item.owner.as_deref());
                let due_ok = same_text(expected.due.as_deref(), item.due.as_deref());
                let task_ok = word_overlap(&expected.task, &item.task) >= 0.6;
                owners += owner_ok as usize;
                dues += due_ok as usize;
                tasks += task_ok as usize;
                if !(owner_ok && due_ok && task_ok) {
                    let want = format!(
                        "owner={:?} task={:?} due={:?}",
                        expected.owner, expected.task, expected.due
                    );
                    misses.push((line.id.clone(), want, got));
                }
            }
            (Some(expected), None) => {
                missed += 1;
                misses.push((line.id.clone(), format!("{:?}", expected.task), got));
            }
            (None, Some(_)) => {
                false_alarms += 1;
                misses.push((line.id.clone(), "none".into(), got));
            }
            (None, None) => {}
        }
    }
    let ratio = |a: usize, b: usize| if b > 0 { a as f64 / b as f64 } else { 1.0 };
    ActionScores {
        n_lines: lines.len(),
        found,
        missed,
        false_alarms,
        precision: ratio(found, found + false_alarms),
        recall: ratio(found, found + missed),
        owner_accuracy: ratio(owners, found),
        due_accuracy: ratio(dues, found),
        task_accuracy: ratio(tasks, found),
        misses,
    }
}

fn normalise(s: &str) -> String {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !matches!(*w, "the" | "by" | "a"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn same_text(expected: Option<&str>, got: Option<&str>) -> bool {
    match (expected, got) {
        (None, None) => true,
        (Some(a), Some(b)) => normalise(a) == normalise(b),
        _ => false,
    }
}

/// Share of the expected task's words found in the given task.
fn word_overlap(expected: &str, got: &str) -> f64 {
    let expected = normalise(expected);
    let got = normalise(got);
    let got: Vec<&str> = got.split(' ').collect();
    let words: Vec<&str> = expected.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return 1.0;
    }
    words.iter().filter(|w| got.contains(w)).count() as f64 / words.len() as f64
}

/// One turn of a labelled conversation (data/actions/).
#[derive(Debug, Clone, Deserialize)]
pub struct ConversationTurnData {
    /// Who spoke.
    #[serde(default)]
    pub speaker: Option<String>,
    /// `facilitator` or `participant`.
    #[serde(default)]
    pub role: Option<String>,
    /// What was said.
    pub text: String,
}

/// An agreed item as the writer labelled it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ExpectedItem {
    /// Who will do it, or null when nobody took it.
    pub owner: Option<String>,
    /// The work, as a clean phrase.
    pub task: String,
    /// The deadline as said.
    #[serde(default)]
    pub due_phrase: Option<String>,
    /// The deadline as `YYYY-MM-DD`.
    #[serde(default)]
    pub due: Option<String>,
    /// 0-based indices of the turns it came from.
    #[serde(default)]
    pub turns: Vec<u64>,
}

/// One labelled conversation: an exchange or a whole meeting.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledConversation {
    /// Identifier.
    pub id: String,
    /// Who wrote it.
    #[serde(default)]
    pub writer: Option<String>,
    /// The meeting's date, `YYYY-MM-DD`.
    pub meeting_date: String,
    /// What the exchange shows (`request_accept`, `rejection`, ...); absent
    /// for whole meetings.
    #[serde(default)]
    pub kind: Option<String>,
    /// The turns, in order.
    pub turns: Vec<ConversationTurnData>,
    /// The items the meeting agreed.
    pub items: Vec<ExpectedItem>,
}

/// Parses a JSONL file of labelled conversations.
pub fn parse_conversations(text: &str) -> Result<Vec<LabelledConversation>, LabelledSetError> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let conversation: LabelledConversation =
            serde_json::from_str(line).map_err(|e| LabelledSetError::Line {
                line: index + 1,
                message: e.to_string(),
            })?;
        if time::Date::parse(
            &conversation.meeting_date,
            &time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_err()
        {
            return Err(LabelledSetError::Line {
                line: index + 1,
                message: format!(
                    "meeting_date {:?} is not YYYY-MM-DD",
                    conversation.meeting_date
                ),
            });
        }
        out.push(conversation);
    }
    Ok(out)
}

/// A second labelling of a conversation: its id and the items agreed in it.
#[derive(Debug, Clone, Deserialize)]
pub struct ItemList {
    /// The conversation's id.
    pub id: String,
    /// The items, as in a labelled conversation.
    pub items: Vec<ExpectedItem>,
}

/// Parses a JSONL file of item lists (`{"id", "items"}` per line).
pub fn parse_item_lists(text: &str) -> Result<Vec<ItemList>, LabelledSetError> {
    parse_lines(text)
}

/// The finder's consolidated items for a labelled conversation, turn ids
/// being 0-based turn indices. The meeting's participants (its speakers)
/// are known names, as `--participants` makes them live.
pub fn conversation_items(conversation: &LabelledConversation) -> Vec<ActionItem> {
    let today = time::Date::parse(
        &conversation.meeting_date,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok();
    let names = participant_names(conversation.turns.iter().map(|t| t.speaker.as_deref()));
    let turns: Vec<ConversationTurn> = conversation
        .turns
        .iter()
        .enumerate()
        .map(|(i, t)| ConversationTurn {
            id: i as u64,
            speaker: t.speaker.as_deref(),
            facilitator: t.role.as_deref() == Some("facilitator"),
            text: &t.text,
        })
        .collect();
    agreed_items(&turns, today, &names)
}

/// One difference between found and expected items (or, in
/// [`ItemScores::matches`], one agreement).
#[derive(Debug, Clone, Serialize)]
pub struct ItemMiss {
    /// The conversation.
    pub conversation: String,
    /// `missed`, `false_alarm`, the fields that differ (`owner`, `due`,
    /// `task`), or `matched`.
    pub kind: String,
    /// The expected item, if any.
    pub want: Option<ExpectedItem>,
    /// The found item, if any.
    pub got: Option<ActionItem>,
}

/// Item-level scores over labelled conversations (see data/actions/README.md).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemScores {
    /// Conversations scored.
    pub n_conversations: usize,
    /// Items the writers labelled.
    pub expected: usize,
    /// Items the finder reported.
    pub found: usize,
    /// Found items that match an expected one (owner, due and task).
    pub matched: usize,
    /// matched / found.
    pub precision: f64,
    /// matched / expected.
    pub recall: f64,
    /// Found and expected items paired (same work, right or wrong fields).
    pub paired: usize,
    /// Of the pairs, the share with the right owner.
    pub owner_accuracy: f64,
    /// Of the pairs, the share with the right due date.
    pub due_accuracy: f64,
    /// Of the pairs, the share whose task words overlap well (Dice >= 0.4).
    pub task_accuracy: f64,
    /// Every difference.
    pub misses: Vec<ItemMiss>,
    /// The found items that matched, each with the item it matched (kind
    /// `matched`): with `misses`, every item found or expected.
    #[serde(skip)]
    pub matches: Vec<ItemMiss>,
}

/// The same owner: equal keys, or one person's first name against their
/// full name ("Tobias" and "Tobias Quayle": speakers go by first name, the
/// facilitator may record the full one).
fn owner_matches(want: Option<&str>, got: Option<&str>) -> bool {
    match (want, got) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let (a, b) = (owner_key(a), owner_key(b));
            let first_of = |short: &str, full: &str| {
                !short.contains(' ')
                    && full.split(' ').count() == 2
                    && full.split(' ').next() == Some(short)
            };
            a == b || first_of(&a, &b) || first_of(&b, &a)
        }
        _ => false,
    }
}

fn due_matches(want: &ExpectedItem, got: &ActionItem) -> bool {
    match (&want.due, &got.due_date) {
        (Some(a), Some(b)) => a == b,
        (None, None) => want.due_phrase.is_some() == got.due.is_some(),
        _ => false,
    }
}

/// Scores the finder on labelled conversations.
pub fn score_conversations(conversations: &[LabelledConversation]) -> ItemScores {
    let found: Vec<Vec<ActionItem>> = conversations.iter().map(conversation_items).collect();
    score_found(conversations, &found)
}

/// A labelled item in the finder's shape, so that a second labelling of the
/// same conversations can be scored against the first.
impl From<&ExpectedItem> for ActionItem {
    fn from(item: &ExpectedItem) -> Self {
        ActionItem {
            owner: item.owner.clone(),
            task: item.task.clone(),
            due: item.due_phrase.clone(),
            due_date: item.due.clone(),
            turns: item.turns.clone(),
            evidence: [0, 0],
        }
    }
}

/// Scores `found[i]`, the items found in `conversations[i]` by the finder or
/// by another labeller, against the conversations' labelled items.
pub fn score_found(
    conversations: &[LabelledConversation],
    found: &[Vec<ActionItem>],
) -> ItemScores {
    let mut s = ItemScores {
        n_conversations: conversations.len(),
        ..ItemScores::default()
    };
    let (mut owners, mut dues, mut tasks) = (0, 0, 0);
    for (conversation, found) in conversations.iter().zip(found) {
        s.expected += conversation.items.len();
        s.found += found.len();
        // Pair best first: a shared task word or shared turns.
        let mut candidates = Vec::new();
        for (i, want) in conversation.items.iter().enumerate() {
            for (j, got) in found.iter().enumerate() {
                let similarity = task_similarity(&want.task, &got.task);
                let shared_turns = want.turns.iter().filter(|t| got.turns.contains(t)).count();
                if similarity > 0.0 || shared_turns > 0 {
                    let fields = owner_matches(want.owner.as_deref(), got.owner.as_deref())
                        as usize
                        + due_matches(want, got) as usize;
                    candidates.push((
                        similarity + shared_turns as f64 * 0.2 + fields as f64 * 0.3,
                        i,
                        j,
                    ));
                }
            }
        }
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut want_used = vec![false; conversation.items.len()];
        let mut got_used = vec![false; found.len()];
        for (_, i, j) in candidates {
            if want_used[i] || got_used[j] {
                continue;
            }
            want_used[i] = true;
            got_used[j] = true;
            let (want, got) = (&conversation.items[i], &found[j]);
            s.paired += 1;
            let owner_ok = owner_matches(want.owner.as_deref(), got.owner.as_deref());
            let due_ok = due_matches(want, got);
            let overlap = task_similarity(&want.task, &got.task);
            owners += owner_ok as usize;
            dues += due_ok as usize;
            tasks += (overlap >= 0.4) as usize;
            if owner_ok && due_ok && overlap > 0.0 {
                s.matched += 1;
                s.matches.push(ItemMiss {
                    conversation: conversation.id.clone(),
                    kind: "matched".into(),
                    want: Some(want.clone()),
                    got: Some(got.clone()),
                });
            } else {
                let mut kind = Vec::new();
                if !owner_ok {
                    kind.push("owner");
                }
                if !due_ok {
                    kind.push("due");
                }
                if overlap == 0.0 {
                    kind.push("task");
                }
                s.misses.push(ItemMiss {
                    conversation: conversation.id.clone(),
                    kind: kind.join("+"),
                    want: Some(want.clone()),
                    got: Some(got.clone()),
                });
            }
        }
        for (i, want) in conversation.items.iter().enumerate() {
            if !want_used[i] {
                s.misses.push(ItemMiss {
                    conversation: conversation.id.clone(),
                    kind: "missed".into(),
                    want: Some(want.clone()),
                    got: None,
                });
            }
        }
        for (j, got) in found.iter().enumerate() {
            if !got_used[j] {
                s.misses.push(ItemMiss {
                    conversation: conversation.id.clone(),
                    kind: "false_alarm".into(),
                    want: None,
                    got: Some(got.clone()),
                });
            }
        }
    }
    let ratio = |a: usize, b: usize| if b > 0 { a as f64 / b as f64 } else { 1.0 };
    s.precision = ratio(s.matched, s.found);
    s.recall = ratio(s.matched, s.expected);
    s.owner_accuracy = ratio(owners, s.paired);
    s.due_accuracy = ratio(dues, s.paired);
    s.task_accuracy = ratio(tasks, s.paired);
    s
}

#[cfg(test)]
mod tests {
    use super::owner_matches;

    #[test]
    fn a_first_name_is_the_same_owner_as_the_full_name() {
        assert!(owner_matches(Some("Tobias Quayle"), Some("Tobias")));
        assert!(owner_matches(Some("Gareth's team"), Some("gareth")));
        assert!(!owner_matches(
            Some("Tobias Quayle"),
            Some("Quayle Tobias Jr")
        ));
        assert!(!owner_matches(Some("Tobias"), Some("Ruth")));
        assert!(!owner_matches(Some("Tobias"), None));
    }
}
