//! A small phrase-pattern language over [`Token`]s.
//!
//! Rules are written as readable strings rather than regular expressions
//! over raw text, because the interesting structure is at the word level
//! (who is the subject, what is negated) and because spoken text has no
//! reliable punctuation or case. Syntax, one element per space-separated
//! item:
//!
//! | element | matches |
//! | --- | --- |
//! | `word` | exactly that normalised token |
//! | `a\|b\|c` | any one of them |
//! | `[a\|b]` | optionally one of them |
//! | `~stem` | any token starting with `stem` ("~blam" matches "blamed") |
//! | `@CLASS` | a token of a word class (see [`Class`]) |
//! | `*N` | skips up to N tokens, never across a sentence end |
//! | `{a b\|c}` | a choice of word sequences, written out by [`expand`] |
//! | `$` | the end of a clause: punctuation or the end of the text follows |
//! | `^` | the start of a clause |
//!
//! Elements combine: `[~care|@PERSON]` is an optional stem or person.

use super::text::{Boundary, Token};

/// Word classes usable as `@CLASS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A person or group other than the speaker: a third-person or
    /// second-person pronoun, a name, or a team word.
    Other,
    /// A name: a known participant, a common first name, or a capitalised
    /// word mid-sentence.
    Name,
    /// First person: "i", "me", "we", "us", "my", "our".
    Me,
    /// A negator: "not", "no", "never", "nobody", "nothing", "none".
    Neg,
    /// A word for a group of people: "team", "folks", "guys", "people".
    Group,
    /// A team by its usual short name ("infra", "payments", "networking")
    /// or a group word.
    Team,
    /// A past participle: a regular "-ed" form or a common irregular one
    /// ("caught", "seen"). "been" is left out: "could have been the
    /// network" is speculation, not hindsight.
    Participle,
    /// Anything at all (one token).
    Any,
}

/// One alternative inside an element.
#[derive(Debug, Clone)]
enum Atom {
    Word(String),
    Stem(String),
    Class(Class),
}

#[derive(Debug, Clone)]
enum Element {
    One {
        atoms: Vec<Atom>,
        optional: bool,
    },
    Gap(usize),
    /// The end of a clause (or of the text): a boundary follows.
    End,
    /// The start of a clause: a boundary (or the text's start) precedes.
    Start,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    elements: Vec<Element>,
    /// Words of which at least one must be in a text for the pattern to
    /// match (its most selective required element), so most patterns are
    /// ruled out by a set lookup instead of a scan.
    required: Option<Vec<String>>,
}

/// What the matcher knows beyond the tokens.
#[derive(Debug, Default, Clone)]
pub struct Context<'a> {
    /// Lower-case names known to be people in this meeting.
    pub names: &'a [String],
}

/// Where a pattern matched: token indices `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
}

/// Writes out the `{a b|c}` groups of a pattern source: one source per
/// combination of choices. An empty choice (`{a b|}`) makes the group
/// optional.
pub fn expand(source: &str) -> Vec<String> {
    let Some(open) = source.find('{') else {
        return vec![source.to_string()];
    };
    let close = open
        + source[open..]
            .find('}')
            .unwrap_or_else(|| panic!("unclosed {{ in pattern {source:?}"));
    let (before, group, after) = (
        &source[..open],
        &source[open + 1..close],
        &source[close + 1..],
    );
    group
        .split('|')
        .flat_map(|choice| expand(&format!("{before} {choice} {after}")))
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

impl Pattern {
    /// Compiles `source`. Patterns are written in this crate, so a syntax
    /// error is a bug: it panics with the pattern in the message, and a unit
    /// test compiles every rule.
    pub fn new(source: &str) -> Pattern {
        let mut elements = Vec::new();
        for item in source.split_whitespace() {
            if item == "$" {
                elements.push(Element::End);
                continue;
            }
            if item == "^" {
                elements.push(Element::Start);
                continue;
            }
            if let Some(n) = item.strip_prefix('*') {
                let n = n
                    .parse()
                    .unwrap_or_else(|_| panic!("bad gap {item:?} in pattern {source:?}"));
                elements.push(Element::Gap(n));
                continue;
            }
            let (body, optional) = match item.strip_prefix('[') {
                Some(rest) => (
                    rest.strip_suffix(']')
                        .unwrap_or_else(|| panic!("unclosed [ in pattern {source:?}")),
                    true,
                ),
                None => (item, false),
            };
            let atoms = body
                .split('|')
                .map(|alt| {
                    if let Some(class) = alt.strip_prefix('@') {
                        Atom::Class(match class {
                            "OTHER" => Class::Other,
                            "NAME" => Class::Name,
                            "ME" => Class::Me,
                            "NEG" => Class::Neg,
                            "GROUP" => Class::Group,
                            "TEAM" => Class::Team,
                            "ANY" => Class::Any,
                            "PP" => Class::Participle,
                            _ => panic!("unknown class {alt:?} in pattern {source:?}"),
                        })
                    } else if let Some(stem) = alt.strip_prefix('~') {
                        Atom::Stem(stem.to_string())
                    } else {
                        assert!(!alt.is_empty(), "empty alternative in pattern {source:?}");
                        Atom::Word(alt.to_string())
                    }
                })
                .collect();
            elements.push(Element::One { atoms, optional });
        }
        assert!(
            elements.iter().any(|e| matches!(
                e,
                Element::One {
                    optional: false,
                    ..
                }
            )),
            "pattern {source:?} matches nothing"
        );
        let required = elements
            .iter()
            .filter_map(|e| match e {
                Element::One {
                    atoms,
                    optional: false,
                } => atoms
                    .iter()
                    .map(|a| match a {
                        Atom::Word(w) => Some(w.clone()),
                        _ => None,
                    })
                    .collect::<Option<Vec<String>>>(),
                _ => None,
            })
            .min_by_key(Vec::len);
        Pattern { elements, required }
    }

    /// Whether the pattern can match a text made of `words` at all.
    pub fn may_match(&self, words: &std::collections::HashSet<&str>) -> bool {
        self.required
            .as_ref()
            .is_none_or(|required| required.iter().any(|w| words.contains(w.as_str())))
    }

    /// Every leftmost match, one per start token.
    pub fn find_all(&self, tokens: &[Token], context: &Context) -> Vec<Match> {
        let mut found = Vec::new();
        let mut start = 0;
        while start < tokens.len() {
            match self.match_at(tokens, start, 0, context) {
                Some(end) if end > start => {
                    found.push(Match { start, end });
                    start = end;
                }
                _ => start += 1,
            }
        }
        found
    }

    /// Matches elements `e..` from token `i`; returns the end token.
    fn match_at(&self, tokens: &[Token], i: usize, e: usize, context: &Context) -> Option<usize> {
        let Some(element) = self.elements.get(e) else {
            return Some(i);
        };
        match element {
            Element::Start => {
                let at_start =
                    tokens.get(i).is_some_and(|t| t.boundary != Boundary::None) || i == 0;
                at_start
                    .then(|| self.match_at(tokens, i, e + 1, context))
                    .flatten()
            }
            Element::End => {
                let at_end = tokens.get(i).is_none_or(|t| t.boundary != Boundary::None);
                at_end
                    .then(|| self.match_at(tokens, i, e + 1, context))
                    .flatten()
            }
            Element::Gap(n) => {
                // Prefer the shortest gap, so evidence stays tight.
                let mut j = i;
                loop {
                    if let Some(end) = self.match_at(tokens, j, e + 1, context) {
                        return Some(end);
                    }
                    if j >= i + n
                        || j + 1 >= tokens.len()
                        || tokens[j + 1].boundary == Boundary::Sentence
                    {
                        return None;
                    }
                    j += 1;
                }
            }
            Element::One { atoms, optional } => {
                let joined = i == 0
                    || e == 0
                    || tokens
                        .get(i)
                        .is_some_and(|t| t.boundary != Boundary::Sentence);
                if let Some(token) = tokens.get(i) {
                    if joined && atoms.iter().any(|atom| atom_matches(atom, token, context)) {
                        if let Some(end) = self.match_at(tokens, i + 1, e + 1, context) {
                            return Some(end);
                        }
                    }
                }
                if *optional {
                    self.match_at(tokens, i, e + 1, context)
                } else {
                    None
                }
            }
        }
    }
}

fn atom_matches(atom: &Atom, token: &Token, context: &Context) -> bool {
    match atom {
        Atom::Word(word) => token.norm == *word,
        Atom::Stem(stem) => token.norm.starts_with(stem.as_str()),
        Atom::Class(class) => in_class(*class, token, context),
    }
}

/// Whether `token` belongs to `class`.
pub fn in_class(class: Class, token: &Token, context: &Context) -> bool {
    let word = token.norm.as_str();
    match class {
        Class::Any => true,
        Class::Participle => {
            (word.len() > 4
                && word.ends_with("ed")
                && !matches!(word, "need" | "feed" | "seed" | "bleed" | "speed"))
                || matches!(
                    word,
                    "caught"
                        | "seen"
                        | "known"
                        | "done"
                        | "taken"
                        | "gone"
                        | "run"
                        | "written"
                        | "read"
                        | "thought"
                        | "told"
                        | "found"
                        | "put"
                        | "brought"
                        | "kept"
                        | "made"
                        | "got"
                        | "gotten"
                        | "given"
                        | "shown"
                        | "sent"
                        | "built"
                        | "held"
                        | "set"
                        | "spotted"
                        | "hit"
                        | "shut"
                        | "split"
                        | "spun"
                        | "rolled"
                )
        }
        Class::Me => matches!(
            word,
            "i" | "me" | "we" | "us" | "my" | "our" | "myself" | "ourselves"
        ),
        Class::Neg => matches!(
            word,
            "not" | "no" | "never" | "nobody" | "nothing" | "none" | "neither" | "nor" | "without"
        ),
        Class::Group => matches!(
            word,
            "team"
                | "teams"
                | "folks"
                | "guys"
                | "people"
                | "crew"
                | "squad"
                | "org"
                | "department"
                | "devs"
                | "developers"
                | "engineers"
                | "ops"
                | "vendor"
                | "contractor"
                | "contractors"
                | "intern"
                | "interns"
                | "oncall"
                | "sre"
                | "sres"
                | "dba"
                | "dbas"
                | "qa"
        ),
        Class::Name => is_name(token, context),
        Class::Team => {
            in_class(Class::Group, token, context)
                || matches!(
                    word,
                    "infra"
                        | "platform"
                        | "payments"
                        | "networking"
                        | "network"
                        | "security"
                        | "identity"
                        | "database"
                        | "billing"
                        | "frontend"
                        | "backend"
                        | "support"
                        | "storage"
                        | "mobile"
                        | "data"
                        | "release"
                        | "devops"
                        | "operations"
                )
        }
        Class::Other => {
            matches!(
                word,
                "he" | "she"
                    | "they"
                    | "him"
                    | "her"
                    | "them"
                    | "you"
                    | "his"
                    | "their"
                    | "your"
                    | "somebody"
                    | "someone"
                    | "whoever"
                    | "y'all"
            ) || in_class(Class::Group, token, context)
                || is_name(token, context)
        }
    }
}

fn is_name(token: &Token, context: &Context) -> bool {
    let word = token.norm.as_str();
    if context.names.iter().any(|n| n == word) || FIRST_NAMES.binary_search(&word).is_ok() {
        return true;
    }
    token.capitalised && !NOT_NAMES.contains(&word) && word.chars().all(char::is_alphabetic)
}

/// Capitalised words that are not people.
const NOT_NAMES: &[&str] = &[
    "i",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "ok",
    "okay",
    "so",
    "and",
    "but",
    "the",
    "kubernetes",
    "postgres",
    "redis",
    "kafka",
    "aws",
    "gcp",
    "azure",
    "linux",
    "slack",
    "jira",
    "github",
    "grafana",
    "prometheus",
    "pagerduty",
    "datadog",
    "terraform",
    "english",
    "ceo",
    "cto",
    "vp",
];

/// Common first names (sorted), so names are found in lower-case transcripts.
const FIRST_NAMES: &[&str] = &[
    "aaron", "adam", "aditya", "ahmed", "aisha", "alex", "alice", "amir", "amy", "ana", "andre",
    "andrew", "anna", "arjun", "ben", "bob", "carla", "carlos", "chen", "chris", "claire", "dan",
    "daniel", "dave", "david", "diego", "elena", "emma", "eric", "fatima", "felix", "frank",
    "greg", "hana", "hannah", "hiro", "ivan", "jack", "jake", "james", "jamie", "jan", "jane",
    "jason", "jen", "jenny", "jess", "jessica", "jim", "joe", "john", "jon", "jonas", "jordan",
    "jose", "julia", "kai", "karen", "kate", "kevin", "kim", "lars", "laura", "lena", "leo", "li",
    "liam", "lisa", "lucas", "luis", "maria", "mark", "marta", "matt", "max", "maya", "mei", "mia",
    "michael", "mike", "nadia", "nick", "nina", "noah", "olga", "omar", "paul", "pedro", "pete",
    "peter", "priya", "rachel", "raj", "ravi", "rob", "rosa", "ryan", "sam", "sara", "sarah",
    "sean", "sofia", "steve", "sven", "tom", "tomas", "tomás", "tony", "wei", "yuki", "zoe",
];

#[cfg(test)]
mod tests {
    use super::super::text::tokenize;
    use super::*;

    fn find(pattern: &str, text: &str) -> Vec<String> {
        let tokens = tokenize(text);
        Pattern::new(pattern)
            .find_all(&tokens, &Context::default())
            .into_iter()
            .map(|m| {
                tokens[m.start..m.end]
                    .iter()
                    .map(|t| t.norm.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn first_names_are_sorted() {
        assert!(FIRST_NAMES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn words_alternatives_options_stems_and_gaps() {
        assert_eq!(
            find("should have ~check", "you should have checked"),
            ["should have checked"]
        );
        assert_eq!(
            find("that is [just] on @OTHER", "that's just on him"),
            ["that is just on him"]
        );
        assert_eq!(
            find("that is [just] on @OTHER", "that's on them"),
            ["that is on them"]
        );
        assert!(find("that is [just] on @OTHER", "that's on me").is_empty());
        assert_eq!(
            find("dropped *3 ball", "dropped the stupid ball"),
            ["dropped the stupid ball"]
        );
        assert!(find("dropped *3 ball", "dropped it. the ball").is_empty());
    }

    #[test]
    fn groups_expand_to_word_sequences() {
        assert_eq!(
            expand("{nobody|no one} told {me|}"),
            [
                "nobody told me",
                "nobody told",
                "no one told me",
                "no one told"
            ]
        );
    }

    #[test]
    fn names_by_list_case_or_context() {
        let tokens = tokenize("then dan and Ezekiel left");
        let context = Context::default();
        assert!(in_class(Class::Name, &tokens[1], &context));
        assert!(in_class(Class::Name, &tokens[3], &context));
        let names = vec!["left".to_string()];
        assert!(in_class(
            Class::Name,
            &tokens[4],
            &Context { names: &names }
        ));
    }
}
