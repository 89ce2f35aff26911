//! Words of a turn, normalised the way the rules want to see them.
//!
//! Whisper output is spoken language: no or odd punctuation, "should of",
//! contractions, fillers, repeated words. The rules match on a cleaned token
//! stream, and every token remembers the character span of the word it came
//! from, so a match can always be shown as evidence in the original text.

/// One normalised word.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Lower-case form the rules match (contractions expanded: "wasn't" is
    /// two tokens, "was" and "not", sharing one span).
    pub norm: String,
    /// Start of the source word, in characters of the turn's text.
    pub start: usize,
    /// End of the source word (exclusive), in characters.
    pub end: usize,
    /// The source word began with a capital letter and is not the first word
    /// of a sentence: a likely name.
    pub capitalised: bool,
    /// What separates this token from the one before it.
    pub boundary: Boundary,
    /// The token sits inside quotation marks.
    pub quoted: bool,
}

/// The strength of the break before a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Boundary {
    /// Same clause.
    None,
    /// A comma, colon, dash or semicolon.
    Clause,
    /// A full stop, question or exclamation mark (or the start of the text).
    Sentence,
}

/// Words that carry nothing in speech and are dropped before matching.
const FILLERS: &[&str] = &[
    "um", "uh", "uhm", "umm", "er", "erm", "hmm", "mm", "ah", "eh",
];

fn is_filler(word: &str) -> bool {
    FILLERS.iter().any(|f| f.eq_ignore_ascii_case(word))
}

/// Splits `text` into normalised tokens.
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let mut boundary = Boundary::Sentence;
    let mut quoted = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_word_char(c) {
            let start = i;
            while i < chars.len()
                && (is_word_char(chars[i])
                    || (is_apostrophe(chars[i])
                        && i + 1 < chars.len()
                        && chars[i + 1].is_alphanumeric()))
            {
                i += 1;
            }
            // A hyphen inside a word ("fat-fingered") stays in the word.
            while i + 1 < chars.len() && chars[i] == '-' && chars[i + 1].is_alphanumeric() {
                i += 1;
                while i < chars.len() && is_word_char(chars[i]) {
                    i += 1;
                }
            }
            let word: String = chars[start..i].iter().collect();
            let capitalised = boundary != Boundary::Sentence
                && word.chars().next().is_some_and(char::is_uppercase);
            push_word(&mut tokens, &word, start, i, capitalised, boundary, quoted);
            // A dropped filler keeps the break before it for the next word:
            // "i'll ring em. um and i'll ..." starts a sentence at "and".
            if !is_filler(&word) {
                boundary = Boundary::None;
            }
            continue;
        }
        match c {
            '.' | '?' | '!' => {
                // "2.5" or "v1.2" never reach here (digits are word chars and
                // the dot sits between them): only treat a dot as a sentence
                // end when it is not inside a number.
                let in_number = c == '.'
                    && i > 0
                    && chars[i - 1].is_ascii_digit()
                    && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit());
                if !in_number {
                    boundary = Boundary::Sentence;
                }
            }
            ',' | ';' | ':' | '(' | ')' => boundary = boundary.max(Boundary::Clause),
            '-' | '–' | '—' => boundary = boundary.max(Boundary::Clause),
            '"' | '“' | '”' => {
                quoted = match c {
                    '“' => true,
                    '”' => false,
                    _ => !quoted,
                };
                boundary = boundary.max(Boundary::Clause);
            }
            _ => {}
        }
        i += 1;
    }
    tokens
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// Normalises one written word into one or more tokens.
fn push_word(
    tokens: &mut Vec<Token>,
    word: &str,
    start: usize,
    end: usize,
    capitalised: bool,
    boundary: Boundary,
    quoted: bool,
) {
    let lower: String = word
        .chars()
        .map(|c| if c == '’' { '\'' } else { c })
        .collect::<String>()
        .to_lowercase();
    if is_filler(&lower) {
        return;
    }
    let token = |norm: &str, boundary| Token {
        norm: norm.to_string(),
        start,
        end,
        capitalised,
        boundary,
        quoted,
    };
    // Artefacts of speech recognition and speech itself.
    if lower == "of" {
        if let Some(previous) = tokens.last() {
            if MODALS.contains(&previous.norm.as_str()) {
                tokens.push(token("have", boundary));
                return;
            }
        }
    }
    // A stutter ("he he pushed") repeats a word: keep the first.
    if let Some(previous) = tokens.last() {
        if previous.norm == lower && boundary <= Boundary::Clause && lower.len() > 1 {
            return;
        }
    }
    let parts: &[&str] = match lower.as_str() {
        "shoulda" => &["should", "have"],
        "coulda" => &["could", "have"],
        "woulda" => &["would", "have"],
        "gonna" => &["going", "to"],
        "wanna" => &["want", "to"],
        "gotta" => &["got", "to"],
        "dunno" => &["do", "not", "know"],
        "cannot" => &["can", "not"],
        "won't" => &["will", "not"],
        "can't" => &["can", "not"],
        "shan't" => &["shall", "not"],
        "ain't" => &["is", "not"],
        "let's" => &["let", "us"],
        "i'm" => &["i", "am"],
        // Contractions a recogniser wrote without their apostrophe.
        "thats" => &["that", "is"],
        "whats" => &["what", "is"],
        "dont" => &["do", "not"],
        "doesnt" => &["does", "not"],
        "didnt" => &["did", "not"],
        "wasnt" => &["was", "not"],
        "isnt" => &["is", "not"],
        "werent" => &["were", "not"],
        "arent" => &["are", "not"],
        "cant" => &["can", "not"],
        "wont" => &["will", "not"],
        "shouldnt" => &["should", "not"],
        "couldnt" => &["could", "not"],
        "wouldnt" => &["would", "not"],
        "havent" => &["have", "not"],
        "hasnt" => &["has", "not"],
        "hadnt" => &["had", "not"],
        "shouldve" => &["should", "have"],
        "couldve" => &["could", "have"],
        "wouldve" => &["would", "have"],
        "im" => &["i", "am"],
        "ive" => &["i", "have"],
        "youre" => &["you", "are"],
        "theyre" => &["they", "are"],
        _ => &[],
    };
    if !parts.is_empty() {
        for (k, part) in parts.iter().enumerate() {
            tokens.push(token(part, if k == 0 { boundary } else { Boundary::None }));
        }
        return;
    }
    if let Some(stem) = lower.strip_suffix("n't") {
        tokens.push(token(stem, boundary));
        tokens.push(token("not", Boundary::None));
        return;
    }
    for (suffix, expansion) in [
        ("'ve", "have"),
        ("'ll", "will"),
        ("'re", "are"),
        ("'d", "would"),
        ("'m", "am"),
    ] {
        if let Some(stem) = lower.strip_suffix(suffix) {
            if !stem.is_empty() {
                tokens.push(token(stem, boundary));
                tokens.push(token(expansion, Boundary::None));
                return;
            }
        }
    }
    if let Some(stem) = lower.strip_suffix("'s") {
        if !stem.is_empty() {
            tokens.push(token(stem, boundary));
            // "it's", "that's", "he's": a verb; "Dan's": a possessive.
            let verb = matches!(
                stem,
                "it" | "that"
                    | "he"
                    | "she"
                    | "there"
                    | "what"
                    | "who"
                    | "where"
                    | "here"
                    | "this"
                    | "everyone"
                    | "nobody"
                    | "somebody"
                    | "someone"
                    | "everybody"
            );
            tokens.push(token(if verb { "is" } else { "'s" }, Boundary::None));
            return;
        }
    }
    tokens.push(token(&lower, boundary));
}

/// Auxiliaries after which "of" is a mishearing of "'ve".
const MODALS: &[&str] = &["should", "could", "would", "must", "might", "may"];

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.norm).collect()
    }

    #[test]
    fn expands_contractions_and_fixes_should_of() {
        assert_eq!(
            norms("He should of known, it wasn't me"),
            ["he", "should", "have", "known", "it", "was", "not", "me"]
        );
        assert_eq!(
            norms("that's on Dan's team"),
            ["that", "is", "on", "dan", "'s", "team"]
        );
        assert_eq!(
            norms("you shoulda checked"),
            ["you", "should", "have", "checked"]
        );
    }

    #[test]
    fn drops_fillers_and_stutters() {
        assert_eq!(norms("um he he pushed it uh"), ["he", "pushed", "it"]);
    }

    #[test]
    fn a_break_before_a_filler_stays_for_the_next_word() {
        let tokens = tokenize("i'll ring them. um and i'll fix it");
        let and = tokens.iter().find(|t| t.norm == "and").unwrap();
        assert_eq!(and.boundary, Boundary::Sentence);
        assert_eq!(tokenize("um so")[0].boundary, Boundary::Sentence);
    }

    #[test]
    fn keeps_character_spans_of_the_source_words() {
        let text = "Naïve Dan didn’t";
        let tokens = tokenize(text);
        let chars: Vec<char> = text.chars().collect();
        let span = |t: &Token| chars[t.start..t.end].iter().collect::<String>();
        assert_eq!(span(&tokens[1]), "Dan");
        assert!(tokens[1].capitalised);
        assert!(
            !tokens[0].capitalised,
            "sentence-initial capitals are not names"
        );
        assert_eq!(tokens[2].norm, "did");
        assert_eq!(tokens[3].norm, "not");
        assert_eq!(span(&tokens[3]), "didn’t");
    }

    #[test]
    fn marks_boundaries_and_quotes() {
        let tokens = tokenize("ok. the customer wrote \"it is your fault\", fine");
        assert_eq!(tokens[1].boundary, Boundary::Sentence);
        assert!(tokens.iter().find(|t| t.norm == "fault").unwrap().quoted);
        assert!(!tokens.last().unwrap().quoted);
        assert_eq!(tokens.last().unwrap().boundary, Boundary::Clause);
    }
}
