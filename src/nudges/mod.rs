//! `nudges/`: what should the facilitator say now?
//!
//! Turns the tags and timing of each turn into at most one short line the
//! facilitator can say right away. The etiquette (docs/tagging.md): nudges
//! go to the facilitator only, at most one a minute by default, never the
//! same line twice in a row, never for the facilitator's own words, only
//! above a confidence threshold, and always with the reason that triggered
//! them. Two structural prompts are exempt from the rate limit: a reminder
//! to state the blameless intent if the opening didn't, and a prompt to
//! read back action items at the close.
//!
//! Time is meeting time (seconds from the start, from the turns), not wall
//! time, so the policy is deterministic and a replay nudges like the live
//! meeting did.

mod balance;
mod coach;
pub mod lines;

use serde::Serialize;

use crate::analysis::pattern::{Context, Pattern};
use crate::analysis::text::tokenize;
use crate::analysis::{span_text, ActionItem, Tag};

pub use balance::{Balance, BalanceConfig, BalanceSignal};
pub use coach::{write_review, Coach, TurnInput, TurnLine, TurnReview};
use lines::Line;

/// How the policy behaves.
#[derive(Debug, Clone)]
pub struct NudgeConfig {
    /// At least this many seconds of meeting time between two nudges.
    pub min_interval_s: f64,
    /// Tags below this confidence never nudge.
    pub threshold: f64,
    /// If nobody has stated the blameless intent after this much meeting
    /// time, remind the facilitator.
    pub opening_grace_s: f64,
    /// Timing thresholds behind "all voices heard".
    pub balance: BalanceConfig,
}

impl Default for NudgeConfig {
    fn default() -> Self {
        NudgeConfig {
            min_interval_s: 60.0,
            threshold: 0.7,
            opening_grace_s: 45.0,
            balance: BalanceConfig::default(),
        }
    }
}

/// A line for the facilitator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nudge {
    /// The turn that triggered it (`None` for the closing prompt).
    pub turn_id: Option<u64>,
    /// A tag label, or `balance`, `action_item`, `opening`, `closing`.
    pub label: String,
    /// What the facilitator can say.
    pub text: String,
    /// Why: the tag and its evidence, or the timing figures.
    pub reason: String,
}

/// One turn as the policy sees it.
#[derive(Debug, Clone)]
pub struct TurnFacts<'a> {
    /// Turn id.
    pub id: u64,
    /// Who spoke, if known.
    pub speaker: Option<&'a str>,
    /// The facilitator spoke.
    pub facilitator: bool,
    /// Start, seconds since the meeting started.
    pub start: f64,
    /// End, seconds since the meeting started.
    pub end: f64,
    /// What was said.
    pub text: &'a str,
    /// Its tags.
    pub tags: &'a [Tag],
    /// Its action items.
    pub actions: &'a [ActionItem],
    /// Lower-case participant names.
    pub names: &'a [String],
}

/// The nudge policy for one meeting.
#[derive(Debug)]
pub struct NudgePolicy {
    config: NudgeConfig,
    last_nudge_at: Option<f64>,
    /// When the latest turn ended: the meeting's "now" once it is over.
    last_turn_end: f64,
    last_line: Option<String>,
    /// How many times each line family has been used, to rotate.
    used: std::collections::HashMap<&'static str, usize>,
    intent_stated: bool,
    opening_done: bool,
    closing_done: bool,
    n_actions: usize,
    n_incomplete_actions: usize,
    /// The meeting's agreed items so far, when the caller follows them
    /// across turns (read back by the closing prompt).
    agreed: Option<Vec<ActionItem>>,
    balance: Balance,
}

impl NudgePolicy {
    /// A policy with `config`.
    pub fn new(config: NudgeConfig) -> NudgePolicy {
        NudgePolicy {
            balance: Balance::new(config.balance.clone()),
            config,
            last_nudge_at: None,
            last_turn_end: 0.0,
            last_line: None,
            used: Default::default(),
            intent_stated: false,
            opening_done: false,
            closing_done: false,
            n_actions: 0,
            n_incomplete_actions: 0,
            agreed: None,
        }
    }

    /// The meeting's consolidated action items so far: the closing prompt
    /// reads these back instead of counting the items of single turns.
    pub fn set_agreed(&mut self, items: Vec<ActionItem>) {
        self.agreed = Some(items);
    }

    /// Considers one finished turn; returns the nudge to show, if any.
    pub fn on_turn(&mut self, turn: &TurnFacts) -> Option<Nudge> {
        self.last_turn_end = self.last_turn_end.max(turn.end);
        self.n_actions += turn.actions.len();
        self.n_incomplete_actions += turn
            .actions
            .iter()
            .filter(|a| a.missing().is_some())
            .count();
        let signals = self
            .balance
            .on_turn(turn.speaker, turn.facilitator, turn.start, turn.end);
        if !self.intent_stated && states_intent(turn.text, turn.names) {
            self.intent_stated = true;
        }
        if turn.facilitator && !self.closing_done && wraps_up(turn.text, turn.names) {
            self.closing_done = true;
            return Some(self.closing(Some(turn.id)));
        }
        if !self.intent_stated && !self.opening_done && turn.end >= self.config.opening_grace_s {
            self.opening_done = true;
            let text = self.pick(lines::OPENING, "opening", turn, None, None)?;
            return Some(Nudge {
                turn_id: Some(turn.id),
                label: "opening".into(),
                text,
                reason: format!(
                    "no one has said the review is blameless in the first {:.0} s",
                    turn.end
                ),
            });
        }
        if turn.facilitator {
            return None;
        }
        if self
            .last_nudge_at
            .is_some_and(|at| turn.end - at < self.config.min_interval_s)
        {
            return None;
        }
        let nudge = self
            .tag_nudge(turn)
            .or_else(|| self.action_nudge(turn))
            .or_else(|| self.balance_nudge(turn, &signals))?;
        self.last_nudge_at = Some(turn.end);
        Some(nudge)
    }

    /// The meeting ended with these items still missing an owner or a
    /// deadline: one nudge for the first, within the rate limit like any
    /// nudge of the meeting. None once the closing prompt was given, or when
    /// the last nudge was less than the interval before the meeting's end:
    /// the closing prompt that follows reads back the items missing an owner
    /// or deadline anyway.
    pub fn on_open_actions(&mut self, open: &[ActionItem]) -> Option<Nudge> {
        if self.closing_done
            || self
                .last_nudge_at
                .is_some_and(|at| self.last_turn_end - at < self.config.min_interval_s)
        {
            return None;
        }
        let item = open.first()?;
        let missing = item.missing()?;
        let (family, key) = if item.owner.is_some() {
            (lines::ACTION_NO_DEADLINE, "action_no_deadline")
        } else {
            (lines::ACTION_MISSING, "action_missing")
        };
        let facts = TurnFacts {
            id: item.turns.last().copied().unwrap_or(0),
            speaker: None,
            facilitator: false,
            start: 0.0,
            end: 0.0,
            text: "",
            tags: &[],
            actions: open,
            names: &[],
        };
        let text = self.pick(family, key, &facts, item.owner.as_deref(), Some(&item.task))?;
        Some(Nudge {
            turn_id: item.turns.last().copied(),
            label: "action_item".into(),
            text,
            reason: format!("action item \"{}\" has no {missing}", item.task),
        })
    }

    /// The meeting ended: the closing prompt, unless already given.
    pub fn on_end(&mut self) -> Option<Nudge> {
        if self.closing_done {
            return None;
        }
        self.closing_done = true;
        Some(self.closing(None))
    }

    fn closing(&mut self, turn_id: Option<u64>) -> Nudge {
        let text = lines::CLOSING[0].text.to_string();
        self.last_line = Some(text.clone());
        let reason = match &self.agreed {
            Some(items) => read_back(items),
            None => format!(
                "{} action item(s) heard, {} without an owner or a deadline",
                self.n_actions, self.n_incomplete_actions
            ),
        };
        Nudge {
            turn_id,
            label: "closing".into(),
            text,
            reason,
        }
    }

    fn tag_nudge(&mut self, turn: &TurnFacts) -> Option<Nudge> {
        let tag = turn
            .tags
            .iter()
            .filter(|t| t.confidence >= self.config.threshold)
            .max_by(|a, b| a.confidence.total_cmp(&b.confidence))?;
        let named = named_person(turn);
        let text = self.pick(
            lines::for_label(tag.label),
            tag.label.as_str(),
            turn,
            named.as_deref(),
            None,
        )?;
        let evidence: Vec<String> = tag
            .evidence
            .iter()
            .map(|s| format!("\"{}\"", span_text(turn.text, *s)))
            .collect();
        Some(Nudge {
            turn_id: Some(turn.id),
            label: tag.label.as_str().into(),
            text,
            reason: format!(
                "{} {:.2}: {}{}",
                tag.label,
                tag.confidence,
                evidence.join(", "),
                turn.speaker.map(|s| format!(" ({s})")).unwrap_or_default()
            ),
        })
    }

    fn action_nudge(&mut self, turn: &TurnFacts) -> Option<Nudge> {
        let item = turn.actions.iter().find(|a| a.missing().is_some())?;
        let missing = item.missing()?;
        let (family, key) = if item.owner.is_some() {
            (lines::ACTION_NO_DEADLINE, "action_no_deadline")
        } else {
            (lines::ACTION_MISSING, "action_missing")
        };
        let text = self.pick(family, key, turn, item.owner.as_deref(), Some(&item.task))?;
        Some(Nudge {
            turn_id: Some(turn.id),
            label: "action_item".into(),
            text,
            reason: format!("action item \"{}\" has no {missing}", item.task),
        })
    }

    fn balance_nudge(&mut self, turn: &TurnFacts, signals: &[BalanceSignal]) -> Option<Nudge> {
        let signal = signals.first()?;
        let (family, key, name) = match signal {
            BalanceSignal::Dominant { quietest, .. }
            | BalanceSignal::Silent { name: quietest, .. } => {
                (lines::BALANCE, "balance", quietest.clone())
            }
            BalanceSignal::Monologue { other, .. } => {
                (lines::MONOLOGUE, "monologue", other.clone())
            }
            BalanceSignal::Interruptions { interrupted, .. } => (
                lines::INTERRUPTION,
                "interruption",
                Some(interrupted.clone()),
            ),
        };
        let text = self.pick(family, key, turn, name.as_deref(), None)?;
        Some(Nudge {
            turn_id: Some(turn.id),
            label: "balance".into(),
            text,
            reason: signal.to_string(),
        })
    }

    /// Picks a line from `family` that fits the turn, rotating so the same
    /// line never comes twice in a row, and fills in the names.
    fn pick(
        &mut self,
        family: &'static [Line],
        key: &'static str,
        turn: &TurnFacts,
        name: Option<&str>,
        task: Option<&str>,
    ) -> Option<String> {
        let lower = turn.text.to_lowercase();
        let fits = |line: &Line| {
            (line.when.is_empty() || line.when.iter().any(|w| lower.contains(w)))
                && (!line.text.contains("{name}") || name.is_some())
                && (!line.text.contains("{speaker}") || turn.speaker.is_some())
                && (!line.text.contains("{task}") || task.is_some())
        };
        let render = |line: &Line| {
            line.text
                .replace("{name}", name.unwrap_or(""))
                .replace("{speaker}", turn.speaker.unwrap_or(""))
                .replace("{task}", task.unwrap_or(""))
        };
        // Lines made for this context (its words, the person named) come
        // first; lines equally specific take turns.
        let specificity = |line: &Line| {
            usize::from(!line.when.is_empty())
                + usize::from(line.text.contains("{name}") || line.text.contains("{speaker}"))
        };
        let used = self.used.entry(key).or_default();
        let mut ordered: Vec<&Line> = Vec::new();
        for level in (0..=2).rev() {
            let group: Vec<&Line> = family
                .iter()
                .filter(|l| fits(l) && specificity(l) == level)
                .collect();
            ordered.extend(group.iter().cycle().skip(*used).take(group.len()));
        }
        let choice = ordered
            .into_iter()
            .map(render)
            .find(|text| self.last_line.as_ref() != Some(text))?;
        *used += 1;
        self.last_line = Some(choice.clone());
        Some(choice)
    }
}

/// The agreed items as a read-back: "3 action item(s) agreed: Priya: add a
/// canary check (Friday); ...; 1 without an owner or a deadline".
pub fn read_back(items: &[ActionItem]) -> String {
    let incomplete = items.iter().filter(|i| i.missing().is_some()).count();
    let list: Vec<String> = items
        .iter()
        .map(|i| {
            format!(
                "{}: {} ({})",
                i.owner.as_deref().unwrap_or("no owner"),
                i.task,
                i.due.as_deref().unwrap_or("no deadline")
            )
        })
        .collect();
    let mut out = format!("{} action item(s) agreed", items.len());
    if !list.is_empty() {
        out.push_str(": ");
        out.push_str(&list.join("; "));
    }
    if incomplete > 0 {
        out.push_str(&format!("; {incomplete} without an owner or a deadline"));
    }
    out
}

/// The first person other than the speaker named in the turn.
fn named_person(turn: &TurnFacts) -> Option<String> {
    let context = Context { names: turn.names };
    let speaker = turn.speaker.map(str::to_lowercase);
    tokenize(turn.text)
        .iter()
        .filter(|t| {
            crate::analysis::pattern::in_class(crate::analysis::pattern::Class::Name, t, &context)
        })
        .map(|t| span_text(turn.text, [t.start, t.end]))
        .map(|w| w.trim_end_matches("'s").trim_end_matches("’s").to_string())
        .find(|w| Some(w.to_lowercase()) != speaker)
        .map(|w| crate::analysis::actions::capitalise(&w))
}

fn matches_any(patterns: &[Pattern], text: &str, names: &[String]) -> bool {
    let tokens = tokenize(text);
    let context = Context { names };
    patterns
        .iter()
        .any(|p| !p.find_all(&tokens, &context).is_empty())
}

/// Someone said the review is about learning, not blame.
pub fn states_intent(text: &str, names: &[String]) -> bool {
    static PATTERNS: std::sync::OnceLock<Vec<Pattern>> = std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            "blameless",
            "not who",
            "not about *3 blame|fault|who|anyone|people|names|blaming",
            "not here to *2 blame|point|find",
            "no blame",
            "not *2 looking for *2 blame|culprit|someone",
            "what happened and why",
            "focus on *3 systems|system|process|processes",
        ]
        .into_iter()
        .map(Pattern::new)
        .collect()
    });
    matches_any(patterns, text, names)
}

/// The facilitator is wrapping up.
pub fn wraps_up(text: &str, names: &[String]) -> bool {
    static PATTERNS: std::sync::OnceLock<Vec<Pattern>> = std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            "wrap up|wrap-up|wrapping up",
            "before we close",
            "to close",
            "let us close",
            "out of time",
            "last few minutes",
            "any other business",
            "to summarise|summarize",
        ]
        .into_iter()
        .map(Pattern::new)
        .collect()
    });
    matches_any(patterns, text, names)
}

#[cfg(test)]
mod tests;
