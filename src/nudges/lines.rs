//! What the facilitator can say: redirection lines per label, in the spirit
//! of the founding guide. `{name}` is the person the speaker named,
//! `{speaker}` the speaker, `{task}` an action item's task.

use crate::analysis::Label;

/// One line and what it needs to be said.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    /// The text, with placeholders.
    pub text: &'static str,
    /// Said only when the turn contains one of these words (lower case);
    /// empty for any turn.
    pub when: &'static [&'static str],
}

const fn line(text: &'static str) -> Line {
    Line { text, when: &[] }
}

const fn when(when: &'static [&'static str], text: &'static str) -> Line {
    Line { text, when }
}

/// Lines for a tagged turn, most specific first.
pub fn for_label(label: Label) -> &'static [Line] {
    match label {
        Label::Blame => BLAME,
        Label::Defensive => DEFENSIVE,
        Label::Counterfactual => COUNTERFACTUAL,
        Label::ExecPressure => EXEC_PRESSURE,
        Label::Dismissive => DISMISSIVE,
    }
}

/// The redirection line for a turn tagged `label` when no nudge carried
/// one (the rate limit held it back, or the meeting was imported): the most
/// specific line of the label's family that fits the turn's words and names
/// nobody but the speaker, with the speaker filled in. Without a speaker,
/// a line that needs one is said without the name. Used by the report.
pub fn reframe(label: Label, text: &str, speaker: Option<&str>) -> String {
    let family = for_label(label);
    let lower = text.to_lowercase();
    let fits = |line: &Line| {
        (line.when.is_empty() || line.when.iter().any(|w| lower.contains(w)))
            && !line.text.contains("{name}")
            && !line.text.contains("{task}")
    };
    // As the live policy ranks them: lines made for these words, and lines
    // that address the speaker, first; the family's order among equals.
    let specificity = |line: &Line| {
        usize::from(!line.when.is_empty()) + usize::from(line.text.contains("{speaker}"))
    };
    let usable =
        |line: &&Line| fits(line) && (speaker.is_some() || !line.text.contains("{speaker}"));
    let line = (0..=2)
        .rev()
        .find_map(|level| {
            family
                .iter()
                .filter(usable)
                .find(|l| specificity(l) == level)
        })
        .or_else(|| family.iter().find(|l| fits(l)))
        .unwrap_or(&family[0]);
    match speaker {
        Some(speaker) => line.text.replace("{speaker}", speaker),
        None => without_speaker(line.text),
    }
}

/// A line said without its `{speaker}`: "Thanks, {speaker}. Why..." becomes
/// "Thanks. Why...", "{speaker}, you followed" becomes "You followed".
fn without_speaker(text: &str) -> String {
    let text = text.replace(", {speaker}", "").replace("{speaker}, ", "");
    let text = text.replace("{speaker}", "").replace("{name}", "");
    let mut chars = text.trim_start().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lines for `blame`.
pub const BLAME: &[Line] = &[
        line("Let's leave {name} aside for a moment: what was the system showing then?"),
        line("Could anyone in {name}'s seat have taken that path? What made it look right with what was visible?"),
        when(&["review", "approv", "approver"], "What does our process let through without a second look, and why does it make sense to people?"),
        line("Can we say that as events: which change, which signal, what time?"),
        line("Thanks. What did you observe, and what data led you there?"),
        line("Let's keep names out of it: what made that action look reasonable at the time?"),
];

/// Lines for `defensive`.
pub const DEFENSIVE: &[Line] = &[
        when(&["runbook", "procedure", "checklist", "playbook", "process", "doc"], "{speaker}, you followed the runbook, and that helps us. Where did it stop matching what was happening?"),
        when(&["told", "knowing", "know"], "Missing information is a finding: where does it normally come from?"),
        when(&["staging", "tests", "green", "passed"], "Good to know it passed. What is different between that environment and production?"),
        line("Nobody is being graded here, {speaker}. What did you expect after that step, and what did you see?"),
        line("Thanks, {speaker}. Why didn't the procedure protect you here, and what assumptions did it make?"),
];

/// Lines for `counterfactual`.
pub const COUNTERFACTUAL: &[Line] = &[
    when(
        &["i should", "i could", "i would", "i failed", "i missed"],
        "{speaker}, that's hindsight talking: what did you know at that moment?",
    ),
    line("We know the ending; they didn't. What was on the dashboards at that minute?"),
    line("Instead of what didn't happen, what options were on the table then?"),
    line("What made the path that was taken look right with what was visible?"),
];

/// Lines for `exec_pressure`.
pub const EXEC_PRESSURE: &[Line] = &[
        when(&["caught", "catch", "earlier", "tests", "alert"], "Let's turn 'why wasn't it caught' into a specific gap: which signal existed, which didn't, and who will close it by when?"),
        line("Five more minutes on how it happened, so the action items hit the right target."),
        line("I'll park that fix with an owner and come back to it."),
        when(&["name", "accountable", "responsible", "consequences"], "We'll leave with owners for every fix; right now we need how it happened, not who."),
];

/// Lines for `dismissive`.
pub const DISMISSIVE: &[Line] = &[
    when(
        &[
            "one-off", "one off", "fluke", "rare", "edge", "corner", "luck",
        ],
        "It may be rare: what data would show whether it's a one-off?",
    ),
    line("Before ruling it out, can we pull the telemetry for that window?"),
    line("What would we need to see to be sure it won't recur?"),
    line("Let's give that two minutes: who was affected, and how would we know?"),
];

/// "I'd like to hear from ..." when talk is lopsided.
pub const BALANCE: &[Line] = &[
    line("I'd like to hear from {name}: what did you see from your side?"),
    line("Quick round: one observation from each person who hasn't spoken yet."),
    line("{name}, anything you'd add before we move on?"),
];

/// After a long monologue.
pub const MONOLOGUE: &[Line] = &[
    line("Let's pause there, {speaker}. {name}, how did that look from where you were?"),
    line("Thanks, {speaker}. Before we go on: does anyone see it differently?"),
];

/// After repeated interruptions.
pub const INTERRUPTION: &[Line] = &[
    line("Let's let {name} finish that thought."),
    line("One at a time: {name}, go ahead."),
];

/// An action item without an owner or a deadline.
pub const ACTION_MISSING: &[Line] = &[
    line("Who owns this, and by when?"),
    line("Who owns '{task}', and by when?"),
];

/// An action item with an owner but no deadline.
pub const ACTION_NO_DEADLINE: &[Line] = &[
    line("{name}, by when can you have that?"),
    line("By when, {name}?"),
];

/// The meeting started without saying it is blameless.
pub const OPENING: &[Line] = &[line(
    "Remind the room: we're here to understand what happened and why, not who.",
)];

/// Time to close.
pub const CLOSING: &[Line] = &[line(
    "Before we close: read back the action items with owners and deadlines, and agree who sends the summary within 24 hours.",
)];
