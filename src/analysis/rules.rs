//! The rule tables: which phrases signal which label, and which contexts
//! cancel them.
//!
//! A rule is a [`Pattern`] with a label and a confidence. A match counts
//! unless its context says otherwise: the words are quoted or reported
//! speech, a negation governs them, the sentence is talk *about* blame
//! ("this isn't about fault"), or (for blame) the speaker is talking about
//! themselves. Patterns are deliberately specific: a tool that cries wolf is
//! switched off after one meeting.

use std::sync::OnceLock;

use super::pattern::{in_class, Class, Context, Match, Pattern};
use super::text::{Boundary, Token};
use super::Label;

/// The match may be preceded by a negation ("not my fault" carries its own).
pub const NEG_OK: u8 = 1;
/// The match may be about the speaker themselves.
pub const SELF_OK: u8 = 2;
/// The match counts even inside talk about blame.
pub const META_OK: u8 = 4;

/// One rule as written in the tables.
struct RuleSource {
    label: Label,
    confidence: f32,
    flags: u8,
    patterns: &'static [&'static str],
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// What it signals.
    pub label: Label,
    /// How sure a match alone makes us.
    pub confidence: f32,
    /// Context exemptions ([`NEG_OK`], [`SELF_OK`], [`META_OK`]).
    pub flags: u8,
    /// The phrase.
    pub pattern: Pattern,
    /// The pattern as written, for explanations.
    pub source: &'static str,
}

use Label::{Blame, Counterfactual, Defensive, Dismissive, ExecPressure};

const TABLE: &[RuleSource] = &[
    // ---- blame: fault pinned on a person or team ----
    RuleSource {
        label: Blame,
        confidence: 0.92,
        flags: 0,
        patterns: &[
            "that is [all|just|totally|entirely|squarely|really|honestly] on @OTHER",
            "that is [all|just|totally|entirely|squarely|really|honestly] on the *2 @GROUP",
            "this one is [all|just|totally|entirely|squarely|really] on @OTHER",
            "this one is [all|just|totally|entirely|squarely|really] on the *2 @GROUP",
            "whose fault",
            "who is to blame",
            "@OTHER is to blame",
            "his|her|their|your fault",
            "@NAME 's fault",
            "@NAME 's mistake|screwup|screw-up|mess",
            "his|her|their|your mistake|screwup|screw-up|mess",
            "blame @OTHER",
            "blame the *2 @GROUP",
            "dropped the ball",
            "should know better",
            "should have known better",
            "what were|was you|he|she|they thinking",
            "why would you|he|she|they [ever|even] ~",
            "how could you|he|she|they [ever|even] ~",
        ],
    },
    RuleSource {
        label: Blame,
        confidence: 0.85,
        flags: 0,
        patterns: &[
            "careless|sloppy|reckless|incompetent|negligent|irresponsible|lazy|clueless|cowboy|amateurish|amateur",
            "did not bother",
            "could not be bothered",
            "human error|operator error|pebkac",
            "~fat-finger|fat finger|fat fingered",
            "@OTHER [just] yolo|yoloed|yolo'd|cowboyed",
            "@OTHER [totally|completely|just] screwed|messed|botched|borked|bungled|fumbled",
            "@OTHER always|never [even] ~",
            "who [the] [hell|heck|even|actually] merged|pushed|approved|deployed|broke|shipped this|that",
            "@OTHER [just] ignored|ignores the *2 alert|alerts|page|pages|warning|warnings|alarm|dashboard",
            "@OTHER broke|breaks|nuked|trashed prod|production|it|everything|checkout|the",
            "thanks to @NAME",
            "@OTHER can not be trusted",
            "never trust @OTHER",
            "@OTHER [just] does not test|check|read|listen",
            "@OTHER did not test|check|read|listen|follow",
            "@OTHER [clearly|obviously] did not know what",
        ],
    },
    // ---- defensive: self-protection, justification, counter-blame ----
    RuleSource {
        label: Defensive,
        confidence: 0.9,
        flags: NEG_OK | SELF_OK,
        patterns: &[
            "not my|our fault",
            "was not me",
            "it was not [even] me",
            "is not on me|us",
            "not [even] my|our service|team|code|system|change|problem|call|decision|area|component",
            "nobody|no one told me|us",
            "was never told",
            "were never told",
            "nobody|no one ever told me|us",
            "no way of|to know|knowing",
            "how was i|we supposed to know",
            "how would|could i|we have known",
            "how could i|we have known",
            "that is not fair",
            "that is unfair",
            "in my|our defense|defence",
            "i did nothing wrong",
            "we did nothing wrong",
            "i did everything right",
            "do not look at me",
            "not the one who",
            "how is this on me|us",
            "i did my job",
            "did exactly what the *2 doc|docs|runbook|procedure|checklist|playbook|ticket|wiki said|says|told",
        ],
    },
    RuleSource {
        label: Defensive,
        confidence: 0.82,
        flags: SELF_OK,
        patterns: &[
            "i|we [just] followed the *2 runbook|procedure|process|checklist|playbook|instructions|docs|doc|documentation|steps",
            "i|we [just] followed procedure|process|protocol",
            "i|we did it by the book",
            "worked|works [fine|perfectly] in staging|dev|test|testing|qa|preprod",
            "on my machine",
            "tests|ci|pipeline passed|was green|were green|went green",
            "it was|got approved",
            "it was signed off",
            "@OTHER approved it",
            "went through review",
            "changed it|things|that *3 without telling|asking|warning us|me|anyone",
            "i was|we were told|asked to",
            "i was [just] doing what",
            "for the record",
            "with all due respect",
            "i have been doing this for",
            "i have done this *3 for *2 years",
            "above my pay grade",
            "was not my job",
            "not my job",
            "i was [just] following",
        ],
    },
    // ---- counterfactual: hindsight about what someone should have done ----
    RuleSource {
        label: Counterfactual,
        confidence: 0.88,
        flags: SELF_OK,
        patterns: &[
            "should [not] have",
            "should have known",
            "if only",
            "all @OTHER|@ME|anyone|somebody had to do was",
            "anyone|anybody|everyone would have seen|noticed|caught|known|spotted",
            "anyone|anybody could have seen|noticed|caught|known|spotted",
            "any reasonable|competent|decent engineer|person|engineers",
            "the signs were [all] there",
            "the writing was on the wall",
            "red flags everywhere",
            "how could nobody|anyone|no one notice|miss|see|catch",
            "how did nobody|no one notice|catch|see",
            "how could @OTHER|@ME not notice|see|catch|miss",
        ],
    },
    RuleSource {
        label: Counterfactual,
        confidence: 0.78,
        flags: SELF_OK,
        patterns: &[
            "could [not] have [just|easily|simply] ~",
            "would [not] have caught|noticed|seen|prevented|stopped|avoided|spotted|known",
            "if @OTHER|@ME|anyone|someone|somebody [had] [just|only|actually] had|looked|checked|read|tested|waited|asked|noticed",
            "if @OTHER|@ME|anyone|someone|somebody had not",
            "had @OTHER|@ME [just|only] ~ *3 would",
            "@OTHER|@ME|anyone|nobody|someone [just|completely] failed to notice|catch|escalate|check|see|spot|follow|read|test|page|act",
            "@OTHER|@ME|nobody|everyone [just|completely] missed the *2 alert|alerts|page|warning|warnings|signs|alarm|graph|spike",
            "it was|is obvious",
            "obviously *6 should|ignored|missed|wrong",
            "was staring us|them|him|her|you in the face",
        ],
    },
    // ---- exec_pressure: a culprit or a quick fix before the analysis ----
    RuleSource {
        label: ExecPressure,
        confidence: 0.9,
        flags: NEG_OK | META_OK,
        patterns: &[
            "why was not this|it caught",
            "why was this|it not caught",
            "why did not anyone|anybody|we|you|monitoring|qa catch",
            "why did nobody|no one catch",
            "can|must|should|will never happen again",
            "never happens again",
            "unacceptable",
            "who is accountable|responsible",
            "who is going to be held",
            "held accountable",
            "hold *2 accountable",
            "want|need a name|names",
            "give me a name|names",
            "single|one root cause",
            "skip *2 to [the] action items|fixes|fix|solution",
            "jump *2 to [the] action items|fixes|fix|solution",
            "there will be consequences",
            "heads will|are going to roll",
            "someone is going to answer for",
            "someone has to answer for",
            "the board|ceo|cto|leadership|execs|customers is|are|was|were asking",
            "the board|ceo|cto|leadership wants|want|needs|need",
            "i|we need the rca|report|postmortem|post-mortem|write-up|writeup|answer|answers *3 by|before",
        ],
    },
    RuleSource {
        label: ExecPressure,
        confidence: 0.8,
        flags: META_OK,
        patterns: &[
            "just add [more|some|a] tests|test|alerts|alert|monitoring|check|checks",
            "let us just add|fix|ship",
            "freeze [all] deploys|deployments|releases|changes",
            "deploy|deployment|change|code freeze",
            "i do not care how|why|what",
            "how fast|quickly|soon can we",
            "tell *2 the board|ceo|cto|customers|leadership",
            "can we [just] agree *3 and move on",
        ],
    },
    // ---- dismissive: shutting down a line of inquiry, minimising ----
    RuleSource {
        label: Dismissive,
        confidence: 0.86,
        flags: NEG_OK,
        patterns: &[
            "no|not a big deal",
            "not that big a|of a deal",
            "we [all] already know what happened",
            "we all know what happened",
            "let us not waste time|our",
            "waste of time",
            "not worth *2 time|discussing|digging|looking",
            "that is just how it works|is|goes",
            "it is what it is",
            "let us not go down that *2 path|road|route",
            "rabbit hole",
            "who cares",
            "does not matter",
            "do not need to dig|go into|discuss",
            "bad luck",
            "just unlucky",
            "act of god",
            "will not happen again",
            "blown out of proportion",
            "making a mountain",
            "overthinking|over-thinking",
            "nothing to see here",
        ],
    },
    RuleSource {
        label: Dismissive,
        confidence: 0.78,
        flags: 0,
        patterns: &[
            "one-off|fluke|freak",
            "one off",
            "edge case|corner case",
            "only *2 few|handful *2 users|customers|requests|people",
            "everyone|everybody knows",
            "yeah|yes but *6 whatever",
            "let us [just] move on",
            "move on from this|that",
            "it happens|happens to everyone",
            "happens all the time",
            "stuff|things|shit happens",
        ],
    },
];

/// All rules, compiled once.
pub fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        TABLE
            .iter()
            .flat_map(|source| {
                source.patterns.iter().map(|pattern| Rule {
                    label: source.label,
                    confidence: source.confidence,
                    flags: source.flags,
                    pattern: Pattern::new(pattern),
                    source: pattern,
                })
            })
            .collect()
    })
}

/// Sentences that talk *about* blame, hindsight or fault rather than
/// assigning it: they cancel the matches in their sentence.
fn meta_patterns() -> &'static [Pattern] {
    static META: OnceLock<Vec<Pattern>> = OnceLock::new();
    META.get_or_init(|| {
        [
            "blameless",
            "git blame",
            "@NEG *3 about *3 fault|blame|blaming|who|names|anyone|person|people",
            "is not about",
            "not here to *2 blame|point",
            "not going to *2 blame|point|name",
            "let us not *3 blame|point|stop|name|say|use|assign",
            "not *2 looking for *2 blame|culprit|someone|who",
            "instead of *4 blame|blaming|fault|saying|should|who",
            "rather than *4 blame|blaming|fault|who|should",
            "no blame",
            "no one is *2 blame|blaming|in trouble|being graded|getting fired",
            "nobody is *2 blame|blaming|in trouble|being graded|getting fired",
            "not *2 blaming",
            "point|pointing fingers",
            "the word *2 should|blame|fault",
            "hindsight bias",
            "counterfactual|counterfactuals",
            "avoid *3 blame|should|names",
            "not *2 a name *2 but|we",
            "not *3 single root cause",
            "there is no single root cause",
        ]
        .into_iter()
        .map(Pattern::new)
        .collect()
    })
}

/// Verbs that introduce reported speech.
const SAY_VERBS: &[&str] = &[
    "said",
    "says",
    "wrote",
    "writes",
    "claimed",
    "claims",
    "complained",
    "complains",
    "tweeted",
    "posted",
    "emailed",
    "quote",
    "accused",
    "accuses",
    "yelled",
    "shouted",
    "screamed",
    "reported",
    "put",
    "called",
    "asked",
    "asks",
    "insisted",
    "insists",
];

/// Why a match was set aside, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    /// Inside quotation marks.
    Quoted,
    /// After a verb of saying: someone else's words.
    Reported,
    /// A negation governs it.
    Negated,
    /// The sentence is talk about blame, not blame.
    Meta,
    /// The speaker is talking about themselves.
    SelfDirected,
}

/// Returns why `found` (a match of `rule`) does not count, if it doesn't.
pub fn cancelled(
    rule: &Rule,
    found: Match,
    tokens: &[Token],
    context: &Context,
) -> Option<Cancelled> {
    if tokens[found.start..found.end].iter().any(|t| t.quoted) {
        return Some(Cancelled::Quoted);
    }
    let sentence_start = (0..=found.start)
        .rev()
        .find(|&i| tokens[i].boundary == Boundary::Sentence)
        .unwrap_or(0);
    let sentence_end = (found.end..tokens.len())
        .find(|&i| tokens[i].boundary == Boundary::Sentence)
        .unwrap_or(tokens.len());
    if reported(tokens, sentence_start, found.start, context) {
        return Some(Cancelled::Reported);
    }
    if rule.flags & NEG_OK == 0 && negated(tokens, found.start, context) {
        return Some(Cancelled::Negated);
    }
    if rule.flags & META_OK == 0 {
        let sentence = &tokens[sentence_start..sentence_end];
        if meta_patterns()
            .iter()
            .any(|p| !p.find_all(sentence, context).is_empty())
        {
            return Some(Cancelled::Meta);
        }
    }
    if rule.flags & SELF_OK == 0
        && rule.label == Label::Blame
        && self_directed(tokens, found, context)
    {
        return Some(Cancelled::SelfDirected);
    }
    None
}

/// A verb of saying earlier in the sentence whose subject is someone else.
fn reported(
    tokens: &[Token],
    sentence_start: usize,
    match_start: usize,
    context: &Context,
) -> bool {
    (sentence_start..match_start).any(|i| {
        let word = tokens[i].norm.as_str();
        if word == "according" && tokens.get(i + 1).is_some_and(|t| t.norm == "to") {
            return true;
        }
        if !SAY_VERBS.contains(&word) {
            return false;
        }
        // "put" and "called" only report with a person object or "it".
        if matches!(word, "put" | "called") {
            return false;
        }
        // "Nobody said" / "no one asked" are not reports of words.
        let subject = tokens[sentence_start..i].iter().rev().find(|t| {
            !matches!(
                t.norm.as_str(),
                "also" | "just" | "even" | "literally" | "basically"
            )
        });
        !subject.is_some_and(|t| in_class(Class::Neg, t, context) || t.norm == "one")
    })
}

/// A negator within three tokens before the match, in the same clause.
fn negated(tokens: &[Token], match_start: usize, context: &Context) -> bool {
    let mut i = match_start;
    let mut steps = 0;
    while i > 0 && steps < 3 {
        if tokens[i].boundary != Boundary::None {
            return false;
        }
        i -= 1;
        steps += 1;
        if in_class(Class::Neg, &tokens[i], context) {
            return true;
        }
    }
    false
}

/// The nearest person before the match in its clause is the speaker: "I was
/// careless" is self-reflection, not blame.
fn self_directed(tokens: &[Token], found: Match, context: &Context) -> bool {
    // The match itself may name its target ("that's on me" never matches
    // `@OTHER`), so only look before it.
    let mut i = found.start;
    while i > 0 {
        if tokens[i].boundary != Boundary::None {
            return false;
        }
        i -= 1;
        let token = &tokens[i];
        if in_class(Class::Me, token, context) {
            return true;
        }
        if in_class(Class::Other, token, context) {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_compiles() {
        assert!(rules().len() > 100);
        assert!(!meta_patterns().is_empty());
    }
}
