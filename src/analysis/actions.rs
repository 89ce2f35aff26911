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
    /// The deadline as a date (`YYYY-MM-DD`), computed from the meeting's
    /// date when the words name a calendar day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// Ids of the turns the item was agreed in (request, acceptance,
    /// amendments); empty for an item found in one sentence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turns: Vec<u64>,
    /// Character span of the item in the turn's text (`[0, 0]` for an
    /// item agreed over several turns).
    #[serde(default)]
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
    "probably", "not", "have", "happen", "ever", "always", "need", "want", "wait", "go", "keep",
    "start", "let", "give", "find", "know", "remember", "hear", "stop", "come", "leave", "point",
    "ask", "answer", "explain", "repeat", "walk", "show", "share", "hand", "talk",
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
    // Hedged or conditional work ("if this happens again we will freeze
    // deploys") is not an agreed item.
    if sentence.iter().any(|t| HEDGES.contains(&t.norm.as_str()))
        || matches!(word(tokens, sentence_start), "if" | "unless")
    {
        return None;
    }
    let w = word(tokens, i);
    let found = |owner: Option<String>, body: usize| {
        let (task_end, due) = task_and_due(tokens, body, sentence_end, chars);
        (task_end > body).then(|| {
            (
                item(owner, tokens, body, task_end, due, chars, i),
                sentence_end,
            )
        })
    };

    // "action item: X", "action item for me X", "todo X", "follow up: X".
    let labelled = match (w, word(tokens, i + 1)) {
        ("action", "item" | "items") => Some(i + 2),
        ("todo" | "to-do", _) => Some(i + 1),
        ("follow", "up")
            if tokens
                .get(i + 2)
                .is_some_and(|t| t.boundary == Boundary::Clause) =>
        {
            Some(i + 2)
        }
        _ => None,
    };
    if let Some(mut body) = labelled {
        // "any other action items" asks for items; it is not one.
        let asked = i > 0 && matches!(word(tokens, i - 1), "other" | "any" | "more" | "the");
        if body >= sentence_end || question(tokens, sentence_start) || asked {
            return None;
        }
        let mut owner = None;
        if word(tokens, body) == "for" {
            if matches!(word(tokens, body + 1), "me" | "myself") {
                owner = Some(speaker.unwrap_or("the speaker").to_string());
                body += 2;
            } else if let Some((who, after)) =
                owner_phrase(tokens, body + 1, sentence_end, speaker, context, chars)
            {
                owner = Some(who);
                body = after;
            }
        }
        // The body may itself name an owner: "action item: Lena will ...".
        if owner.is_none() {
            if let Some(found) = owner_shape(tokens, body, sentence_end, speaker, context, chars) {
                return Some(found);
            }
        }
        let (task_end, due) = task_and_due(tokens, body, sentence_end, chars);
        if task_end <= body {
            return None;
        }
        let owner = owner
            .or_else(|| named_owner(tokens, body, sentence_end, context, chars))
            .or_else(|| vocative(tokens, sentence_start, sentence_end, context, chars));
        let task_end = strip_trailing_owner(tokens, body, task_end, context);
        return Some((
            item(owner, tokens, body, task_end, due, chars, i),
            sentence_end,
        ));
    }

    // "[Sam,] can you own X", "could someone own X", "can platform pick up X".
    if matches!(w, "can" | "could" | "would") {
        let (owner, body) = match word(tokens, i + 1) {
            "you" => {
                let before = (i > sentence_start && in_class(Class::Name, &tokens[i - 1], context))
                    .then(|| capitalise(&source_text(tokens, i - 1, i, chars)));
                (
                    before
                        .or_else(|| vocative(tokens, sentence_start, sentence_end, context, chars)),
                    i + 2,
                )
            }
            "someone" | "somebody" | "anyone" => (None, i + 2),
            _ => match owner_phrase(tokens, i + 1, sentence_end, speaker, context, chars) {
                Some((who, after)) if word(tokens, i + 1) != "i" => (Some(who), after),
                _ => return None,
            },
        };
        if !work_verb(tokens, body) {
            return None;
        }
        return found(owner, body);
    }
    // "Tomás, please file the ticket".
    if w == "please"
        && i > sentence_start
        && in_class(Class::Name, &tokens[i - 1], context)
        && work_verb(tokens, i + 1)
    {
        return found(
            Some(capitalise(&source_text(tokens, i - 1, i, chars))),
            i + 1,
        );
    }
    if question(tokens, sentence_start) {
        return None;
    }
    // "let's have NAME own X"; "let's get X done": no owner yet.
    if w == "let" && word(tokens, i + 1) == "us" {
        if word(tokens, i + 2) == "have" {
            let (owner, after) =
                owner_phrase(tokens, i + 3, sentence_end, speaker, context, chars)?;
            return found(Some(owner), after);
        }
        let body = if word(tokens, i + 2) == "just" {
            i + 3
        } else {
            i + 2
        };
        if work_verb(tokens, body) && !NOT_LET.contains(&word(tokens, body)) {
            return found(None, body);
        }
        return None;
    }
    // "we need to X", "someone needs to X", "we should X", "we'll X".
    if matches!(w, "we" | "someone" | "somebody") {
        let body = modal_body(tokens, i + 1)?;
        if !work_verb(tokens, body) {
            return None;
        }
        return found(None, body);
    }
    owner_shape(tokens, i, sentence_end, speaker, context, chars)
}

/// Verbs after "let's" that run the meeting rather than hand out work.
const NOT_LET: &[&str] = &[
    "move", "wrap", "close", "talk", "start", "keep", "go", "see", "look", "take", "park", "pause",
    "focus", "hear", "walk", "step", "come", "try", "be", "not", "make", "say", "do", "leave",
];

/// After a subject: the modal that hands out work, and where the work starts.
fn modal_body(tokens: &[Token], k: usize) -> Option<usize> {
    match (word(tokens, k), word(tokens, k + 1), word(tokens, k + 2)) {
        ("need" | "needs" | "have" | "has" | "got", "to", _) => Some(k + 2),
        ("is" | "are" | "am", "going", "to") => Some(k + 3),
        ("must" | "will" | "shall", _, _) => Some(k + 1),
        ("should", next, _) if next != "have" && next != "not" => Some(k + 1),
        _ => None,
    }
}

/// A verb of work at `k`: not talk ("I'll be honest"), not past tense.
fn work_verb(tokens: &[Token], k: usize) -> bool {
    let w = word(tokens, k);
    if w.is_empty() || NOT_WORK.contains(&w) {
        // "I'll have the validator in review" hands out work; "have to" is a modal.
        return w == "have" && !matches!(word(tokens, k + 1), "to" | "been" | "a" | "no" | "");
    }
    !w.ends_with("ed") || matches!(w, "need" | "feed" | "seed" | "speed")
}

/// An owner named in a labelled item after its task: "... owner priya",
/// "... jonas by monday".
fn named_owner(
    tokens: &[Token],
    body: usize,
    end: usize,
    context: &Context,
    chars: &[char],
) -> Option<String> {
    if let Some(k) = (body..end).find(|&k| word(tokens, k) == "owner") {
        let k = if word(tokens, k + 1) == "is" {
            k + 2
        } else {
            k + 1
        };
        let named = tokens
            .get(k)
            .is_some_and(|t| in_class(Class::Name, t, context) || TEAMS.contains(&t.norm.as_str()));
        return named.then(|| capitalise(&source_text(tokens, k, k + 1, chars)));
    }
    let due = (body..end)
        .find(|&k| due_at(tokens, k, end).is_some())
        .unwrap_or(end);
    let last = due.checked_sub(1)?;
    (last > body && in_class(Class::Name, &tokens[last], context))
        .then(|| capitalise(&source_text(tokens, last, last + 1, chars)))
}

/// The task of a labelled item without the owner said after it.
fn strip_trailing_owner(
    tokens: &[Token],
    body: usize,
    task_end: usize,
    context: &Context,
) -> usize {
    if let Some(k) = (body..task_end).find(|&k| word(tokens, k) == "owner") {
        return k;
    }
    if task_end > body + 1 && in_class(Class::Name, &tokens[task_end - 1], context) {
        return task_end - 1;
    }
    task_end
}

/// "NAME will X", "NAME to X", "I'll X", "NAME is going to X", "NAME owns X",
/// "the platform team should own X", "payments needs to add X".
fn owner_shape(
    tokens: &[Token],
    i: usize,
    sentence_end: usize,
    speaker: Option<&str>,
    context: &Context,
    chars: &[char],
) -> Option<(ActionItem, usize)> {
    let (owner, after) = owner_phrase(tokens, i, sentence_end, speaker, context, chars)?;
    let body = match (word(tokens, after), word(tokens, after + 1)) {
        ("is" | "are" | "am", "taking" | "owning") => after + 1,
        ("to", _)
            if tokens
                .get(after)
                .is_some_and(|t| t.boundary == Boundary::None) =>
        {
            after + 1
        }
        ("owns" | "takes", _) => after,
        ("can", "take" | "own") => after + 1,
        _ => modal_body(tokens, after)?,
    };
    if body >= sentence_end
        || !work_verb(tokens, body)
        || question(tokens, sentence_of(tokens, i).0)
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
            // "by" and "due" go; "before", "until", "within" are kept, as said.
            let due_start = if matches!(word(tokens, k), "by" | "due" | "no") {
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
        "within" if number_word(next) || next == "a" || next == "the" => {
            let mut j = k + 1;
            while j < end
                && (number_word(word(tokens, j))
                    || matches!(
                        word(tokens, j),
                        "hours"
                            | "hour"
                            | "days"
                            | "day"
                            | "weeks"
                            | "week"
                            | "business"
                            | "working"
                            | "the"
                            | "next"
                    ))
            {
                j += 1;
            }
            Some(j)
        }
        "by" | "before" | "until" | "due" => {
            if next == "the" && word(tokens, k + 2) == "next" {
                return Some(upto(4));
            }
            if next == "the" && word(tokens, k + 2) == "end" {
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
                || matches!(
                    next,
                    "week"
                        | "sprint"
                        | "release"
                        | "month"
                        | "quarter"
                        | "morning"
                        | "afternoon"
                        | "evening"
                ) =>
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
        "tomorrow" if matches!(next, "morning" | "afternoon" | "evening" | "night" | "eod") => {
            Some(upto(2))
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
        "eleven"
            | "twelve"
            | "fourteen"
            | "twenty"
            | "thirty"
            | "forty"
            | "fifty"
            | "sixty"
            | "seventy"
            | "one"
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
        due_date: None,
        turns: Vec::new(),
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

/// The word with its first letter in upper case ("lena" → "Lena").
pub(crate) fn capitalise(s: &str) -> String {
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
