//! Action items: who will do what, by when.
//!
//! Found by the shapes people use to hand out work in a review: "Lena will
//! add a canary check by Friday", "Aisha to add paging", "can you own the
//! runbook update?", "let's have platform own the rollback script",
//! "action item: ...", "I'll take that". Past tense ("Lena added"),
//! hypotheticals ("we could add an alert someday") and questions about
//! action items are not action items.

use serde::{Deserialize, Serialize};

use super::pattern::{in_class, Class, Context};
use super::text::{tokenize, Boundary, Token};

/// One action item found in a turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionItem {
    /// Who will do it, when said: a name, a team, or the speaker for "I".
    pub owner: Option<String>,
    /// What will be done, as said.
    pub task: String,
    /// By when, as said ("next Friday", "end of the week").
    pub due: Option<String>,
    /// Character span of the item in the turn's text.
    pub evidence: [usize; 2],
}

impl ActionItem {
    /// What is missing for the item to be actionable, if anything.
    pub fn missing(&self) -> Option<&'static str> {
        match (&self.owner, &self.due) {
            (None, None) => Some("owner and deadline"),
            (None, Some(_)) => Some("owner"),
            (Some(_), None) => Some("deadline"),
            (Some(_), Some(_)) => None,
        }
    }
}

/// Verbs after "will" that are talk, not work ("I'll be honest").
const NOT_WORK: &[&str] = &[
    "be", "say", "see", "admit", "tell", "note", "mention", "bet", "guess", "just", "never",
    "probably", "not", "have", "happen", "ever", "always", "need", "want", "wait", "get", "go",
    "keep", "start", "let", "give", "find", "know", "remember", "hear", "stop", "come", "leave",
    "point", "ask", "answer", "explain", "repeat", "walk", "show", "share", "hand", "talk",
];

/// Words that make a statement hypothetical.
const HEDGES: &[&str] = &[
    "maybe",
    "someday",
    "eventually",
    "perhaps",
    "possibly",
    "ideally",
];

/// Finds the action items in one turn. `speaker` resolves "I".
pub fn find_actions(text: &str, speaker: Option<&str>, names: &[String]) -> Vec<ActionItem> {
    let tokens = tokenize(text);
    let context = Context { names };
    let chars: Vec<char> = text.chars().collect();
    let mut items = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some((item, next)) = action_at(&tokens, i, speaker, &context, &chars) {
            items.push(item);
            i = next;
        } else {
            i += 1;
        }
    }
    items
}

fn word(tokens: &[Token], i: usize) -> &str {
    tokens.get(i).map_or("", |t| t.norm.as_str())
}

/// Index of the first token of the sentence containing `i`, and one past its last.
fn sentence_of(tokens: &[Token], i: usize) -> (usize, usize) {
    let start = (0..=i)
        .rev()
        .find(|&k| tokens[k].boundary == Boundary::Sentence)
        .unwrap_or(0);
    let end = (i + 1..tokens.len())
        .find(|&k| tokens[k].boundary == Boundary::Sentence)
        .unwrap_or(tokens.len());
    (start, end)
}

fn action_at(
    tokens: &[Token],
    i: usize,
    speaker: Option<&str>,
    context: &Context,
    chars: &[char],
) -> Option<(ActionItem, usize)> {
    let (sentence_start, sentence_end) = sentence_of(tokens, i);
    let sentence = &tokens[sentence_start..sentence_end];
    if sentence.iter().any(|t| HEDGES.contains(&t.norm.as_str())) {
        return None;
    }
    let w = word(tokens, i);
    // "action item: X", "todo: X", "follow up: X".
    let labelled = match (w, word(tokens, i + 1)) {
        ("action", "item") | ("action", "items") => Some(i + 2),
        ("todo", _) | ("to-do", _) => Some(i + 1),
        ("follow", "up")
            if tokens
                .get(i + 2)
                .is_some_and(|t| t.boundary == Boundary::Clause) =>
        {
            Some(i + 2)
        }
        _ => None,
    };
    if let Some(body) = labelled {
        if body >= sentence_end || tokens[body].boundary != Boundary::Clause {
            // "any other action items?" asks for items; it is not one.
            return None;
        }
        // The body may itself name an owner: "action item: Lena will ...".
        if let Some(found) = (body..sentence_end).find_map(|k| {
            owner_shape(tokens, k, sentence_end, speaker, context, chars).filter(|_| k <= body + 1)
        }) {
            return Some(found);
        }
        let (task_end, due) = task_and_due(tokens, body, sentence_end, chars);
        let owner = vocative(tokens, sentence_start, sentence_end, context, chars);
        return Some((
            item(owner, tokens, body, task_end, due, chars, i),
            sentence_end,
        ));
    }
    // "can you own X", "could you take X", "can platform pick up X".
    if matches!(w, "can" | "could" | "would")
        && word(tokens, i + 1) == "you"
        && matches!(
            word(tokens, i + 2),
            "own"
                | "take"
                | "handle"
                | "pick"
                | "drive"
                | "lead"
                | "follow"
                | "write"
                | "add"
                | "update"
                | "fix"
                | "look"
                | "check"
                | "file"
                | "open"
                | "set"
                | "do"
        )
    {
        let body = i + 2;
        let (task_end, due) = task_and_due(tokens, body, sentence_end, chars);
        let owner = vocative(tokens, sentence_start, sentence_end, context, chars);
        return Some((
            item(owner, tokens, body, task_end, due, chars, i),
            sentence_end,
        ));
    }
    // "let's have NAME own X".
    if w == "let" && word(tokens, i + 1) == "us" && word(tokens, i + 2) == "have" {
        let (owner, after) = owner_phrase(tokens, i + 3, sentence_end, speaker, context, chars)?;
        let (task_end, due) = task_and_due(tokens, after, sentence_end, chars);
        if task_end <= after {
            return None;
        }
        return Some((
            item(Some(owner), tokens, after, task_end, due, chars, i),
            sentence_end,
        ));
    }
    // "we need to X", "someone needs to X", "we should X": no owner yet.
    if matches!(w, "we" | "someone" | "somebody")
        && (matches!(
            (word(tokens, i + 1), word(tokens, i + 2)),
            ("need", "to") | ("needs", "to") | ("have", "to") | ("has", "to") | ("must", _)
        ) || (word(tokens, i + 1) == "should" && w == "someone"))
        && !question(tokens, sentence_start)
    {
        let body = if word(tokens, i + 1) == "must" || word(tokens, i + 1) == "should" {
            i + 2
        } else {
            i + 3
        };
        if NOT_WORK.contains(&word(tokens, body)) || word(tokens, body) == "talk" {
            return None;
        }
        let (task_end, due) = task_and_due(tokens, body, sentence_end, chars);
        if task_end <= body {
            return None;
        }
        return Some((
            item(None, tokens, body, task_end, due, chars, i),
            sentence_end,
        ));
    }
    owner_shape(tokens, i, sentence_end, speaker, context, chars)
}

/// "NAME will X", "NAME to X", "I'll X", "NAME is going to X", "NAME owns X".
fn owner_shape(
    tokens: &[Token],
    i: usize,
    sentence_end: usize,
    speaker: Option<&str>,
    context: &Context,
    chars: &[char],
) -> Option<(ActionItem, usize)> {
    let (owner, after) = owner_phrase(tokens, i, sentence_end, speaker, context, chars)?;
    let body = match (
        word(tokens, after),
        word(tokens, after + 1),
        word(tokens, after + 2),
    ) {
        ("will", v, _) if v != "not" => after + 1,
        ("is" | "are" | "am", "going", "to") => after + 3,
        ("is" | "are" | "am", "taking" | "owning", _) => after + 1,
        ("to", _, _)
            if tokens
                .get(after)
                .is_some_and(|t| t.boundary == Boundary::None) =>
        {
            after + 1
        }
        ("owns" | "takes", _, _) => after,
        ("can", "take" | "own", _) => after + 1,
        _ => return None,
    };
    if body >= sentence_end
        || NOT_WORK.contains(&word(tokens, body))
        || question(tokens, sentence_of(tokens, i).0)
    {
        return None;
    }
    // "I will" needs a verb of work right after it, not a past participle.
    if word(tokens, body).ends_with("ed") && !matches!(word(tokens, body), "need" | "feed" | "seed")
    {
        return None;
    }
    let (task_end, due) = task_and_due(tokens, body, sentence_end, chars);
    if task_end <= body {
        return None;
    }
    Some((
        item(Some(owner), tokens, body, task_end, due, chars, i),
        sentence_end,
    ))
}

/// A person, team or "I"/"we" at `i`; returns it and the next token.
fn owner_phrase(
    tokens: &[Token],
    i: usize,
    sentence_end: usize,
    speaker: Option<&str>,
    context: &Context,
    chars: &[char],
) -> Option<(String, usize)> {
    let token = tokens.get(i)?;
    if i >= sentence_end {
        return None;
    }
    match token.norm.as_str() {
        "i" => return Some((speaker.unwrap_or("the speaker").to_string(), i + 1)),
        "we" | "you" | "he" | "she" | "they" | "it" | "that" | "this" | "there" | "what" => {
            return None
        }
        "the" => {
            // "the database team will": up to three words ending in a group word.
            let end = (i + 1..(i + 4).min(sentence_end))
                .find(|&k| in_class(Class::Group, &tokens[k], context))?;
            return Some((source_text(tokens, i, end + 1, chars), end + 1));
        }
        _ => {}
    }
    if in_class(Class::Name, token, context)
        || in_class(Class::Group, token, context)
        || TEAMS.contains(&token.norm.as_str())
    {
        // "platform team", "Dan and Priya".
        let mut end = i + 1;
        if in_class(Class::Group, tokens.get(end)?, context) {
            end += 1;
        }
        if word(tokens, end) == "and"
            && tokens
                .get(end + 1)
                .is_some_and(|t| in_class(Class::Name, t, context))
        {
            end += 2;
        }
        return Some((capitalise(&source_text(tokens, i, end, chars)), end));
    }
    None
}

/// Team names said without "team".
const TEAMS: &[&str] = &[
    "platform",
    "payments",
    "sre",
    "infra",
    "security",
    "networking",
    "database",
    "billing",
    "frontend",
    "backend",
    "ops",
    "support",
];

/// A name said to someone: "Lena, can you ...", "... the runbook, Sam?".
fn vocative(
    tokens: &[Token],
    start: usize,
    end: usize,
    context: &Context,
    chars: &[char],
) -> Option<String> {
    let first = tokens.get(start)?;
    if in_class(Class::Name, first, context)
        && tokens
            .get(start + 1)
            .is_some_and(|t| t.boundary == Boundary::Clause)
    {
        return Some(capitalise(&source_text(tokens, start, start + 1, chars)));
    }
    let last = tokens.get(end.checked_sub(1)?)?;
    if end - start > 1 && in_class(Class::Name, last, context) && last.boundary == Boundary::Clause
    {
        return Some(capitalise(&source_text(tokens, end - 1, end, chars)));
    }
    None
}

/// A question about work ("did anyone update the runbook", "should we
/// add an alert") asks; it hands nothing out. Recognised by the opening word
/// of the sentence, since recognisers often drop the question mark.
fn question(tokens: &[Token], sentence_start: usize) -> bool {
    matches!(
        word(tokens, sentence_start),
        "did"
            | "do"
            | "does"
            | "was"
            | "were"
            | "has"
            | "have"
            | "had"
            | "who"
            | "what"
            | "why"
            | "when"
            | "where"
            | "how"
            | "any"
            | "should"
            | "is"
            | "are"
            | "shall"
    )
}

/// Where the task ends and the due date, if any, within `body..end`.
fn task_and_due(
    tokens: &[Token],
    body: usize,
    end: usize,
    chars: &[char],
) -> (usize, Option<String>) {
    for k in body..end {
        if let Some(due_end) = due_at(tokens, k, end) {
            let due_start = if matches!(word(tokens, k), "by" | "before" | "until" | "due" | "no") {
                k + if word(tokens, k) == "no" { 3 } else { 1 }
            } else {
                k
            };
            let due_start = if word(tokens, due_start) == "on" {
                due_start + 1
            } else {
                due_start
            };
            let due = source_text(tokens, due_start, due_end, chars);
            return (k, Some(due));
        }
        // A new clause after the task ("..., and we'll see") ends it.
        if k > body + 1 && tokens[k].boundary == Boundary::Clause && word(tokens, k) != "by" {
            return (k, None);
        }
    }
    (end, None)
}

/// A due-date phrase starting at `k`; returns its end.
fn due_at(tokens: &[Token], k: usize, end: usize) -> Option<usize> {
    let w = word(tokens, k);
    let next = word(tokens, k + 1);
    let upto = |n: usize| (k + n).min(end);
    match w {
        "within" if number_word(next) || next == "a" || next == "the" => Some(date_end(tokens, k + 2, end)),
        "by" | "before" | "until" | "due" => {
            if next == "the" && matches!(word(tokens, k + 2), "end" | "next") {
                return due_at(tokens, k + 2, end).or(Some(upto(3)));
            }
            if matches!(w, "before")
                && !date_word(next)
                && !matches!(next, "the" | "next" | "this" | "end")
            {
                return None;
            }
            let inner = due_at(tokens, k + 1, end);
            if inner.is_some() {
                return inner;
            }
            if next == "the" {
                // "by the twentieth", "by the next release".
                return Some(upto(3));
            }
            if date_word(next) {
                return Some(date_end(tokens, k + 1, end));
            }
            None
        }
        "no" if next == "later" && word(tokens, k + 2) == "than" => {
            Some(date_end(tokens, k + 3, end))
        }
        "end" if next == "of" => Some(upto(if word(tokens, k + 2) == "the" { 4 } else { 3 })),
        "next" | "this"
            if date_word(next)
                || matches!(next, "week" | "sprint" | "release" | "month" | "quarter") =>
        {
            Some(upto(2))
        }
        "in" if (number_word(next) || next == "a")
            && matches!(
                word(tokens, k + 2),
                "days" | "weeks" | "day" | "week" | "months" | "sprints"
            ) =>
        {
            Some(upto(3))
        }
        "tomorrow" | "tonight" | "today" | "eod" | "eow" => Some(upto(1)),
        _ if weekday(w) => Some(upto(1)),
        _ => None,
    }
}

fn date_end(tokens: &[Token], start: usize, end: usize) -> usize {
    let mut k = start + 1;
    while k < end
        && tokens[k].boundary == Boundary::None
        && (date_word(word(tokens, k)) || number_word(word(tokens, k)))
    {
        k += 1;
    }
    k.min(end)
}

fn weekday(w: &str) -> bool {
    matches!(
        w,
        "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday"
    )
}

fn date_word(w: &str) -> bool {
    weekday(w)
        || matches!(
            w,
            "january"
                | "february"
                | "march"
                | "april"
                | "may"
                | "june"
                | "july"
                | "august"
                | "september"
                | "october"
                | "november"
                | "december"
                | "tomorrow"
                | "eod"
                | "eow"
                | "noon"
                | "friday's"
                | "first"
                | "second"
                | "third"
                | "fourth"
                | "fifth"
                | "tenth"
                | "fifteenth"
                | "twentieth"
                | "thirtieth"
                | "next"
                | "end"
                | "midnight"
                | "tonight"
        )
        || w.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn number_word(w: &str) -> bool {
    matches!(
        w,
        "one"
            | "two"
            | "three"
            | "four"
            | "five"
            | "six"
            | "seven"
            | "eight"
            | "nine"
            | "ten"
            | "a"
            | "couple"
    ) || w.chars().all(|c| c.is_ascii_digit()) && !w.is_empty()
        || w.ends_with("teenth")
        || w.ends_with("th")
        || w.ends_with("st")
}

fn item(
    owner: Option<String>,
    tokens: &[Token],
    task_start: usize,
    task_end: usize,
    due: Option<String>,
    chars: &[char],
    evidence_start: usize,
) -> ActionItem {
    let task_end = task_end.max(task_start + 1).min(tokens.len());
    let last = task_end.max(evidence_start + 1).min(tokens.len()) - 1;
    ActionItem {
        owner,
        task: source_text(tokens, task_start, task_end, chars),
        due,
        evidence: [tokens[evidence_start].start, tokens[last].end],
    }
}

/// The original text from token `start` to the end of token `end - 1`.
fn source_text(tokens: &[Token], start: usize, end: usize, chars: &[char]) -> String {
    if start >= end || start >= tokens.len() {
        return String::new();
    }
    let end = end.min(tokens.len());
    chars[tokens[start].start..tokens[end - 1].end]
        .iter()
        .collect::<String>()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str, speaker: Option<&str>) -> (Option<String>, String, Option<String>) {
        let items = find_actions(text, speaker, &[]);
        assert_eq!(items.len(), 1, "{text:?} gave {items:?}");
        let item = items.into_iter().next().unwrap();
        (item.owner, item.task, item.due)
    }

    #[test]
    fn owner_task_and_due() {
        assert_eq!(
            one("Lena will add a canary check by next Friday", None),
            (
                Some("Lena".into()),
                "add a canary check".into(),
                Some("next Friday".into())
            )
        );
        assert_eq!(
            one(
                "aisha to add paging for the queue depth by the twentieth",
                None
            ),
            (
                Some("Aisha".into()),
                "add paging for the queue depth".into(),
                Some("the twentieth".into())
            )
        );
        assert_eq!(
            one(
                "ok I'll take the runbook update, by end of week",
                Some("Sam")
            ),
            (
                Some("Sam".into()),
                "take the runbook update".into(),
                Some("end of week".into())
            )
        );
    }

    #[test]
    fn missing_owner_or_due() {
        let (owner, task, due) = one("can you own the runbook update?", None);
        assert_eq!((owner, due), (None, None));
        assert_eq!(task, "own the runbook update");
        let (owner, _, _) = one("Priya, can you own the runbook update?", None);
        assert_eq!(owner.as_deref(), Some("Priya"));
        let (owner, task, _) = one("action item: update the gateway docs", None);
        assert_eq!((owner, task.as_str()), (None, "update the gateway docs"));
    }

    #[test]
    fn not_action_items() {
        for text in [
            "Lena added a canary check last week",
            "we could add an alert someday maybe",
            "any other action items?",
            "I'll be honest, that surprised me",
            "Sam merged the change at nine forty",
        ] {
            assert!(find_actions(text, Some("Dan"), &[]).is_empty(), "{text:?}");
        }
    }
}
