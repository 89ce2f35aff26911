//! `eval`: how close is the transcript to what was really said?
//!
//! Word error rate after normalising both sides the same way: case,
//! punctuation, hyphens and apostrophes, filler words, a few spoken
//! abbreviations, and numbers (digits are spelled out, so "1961", "nineteen
//! sixty one" and "nineteen sixty-one" all compare equal).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// One line of an evaluation manifest (JSONL).
#[derive(Debug, Clone, Deserialize)]
pub struct ManifestEntry {
    /// Audio file, relative to the manifest's directory unless absolute.
    pub audio: PathBuf,
    /// What was said.
    pub reference: String,
}

/// Reads a manifest, resolving audio paths against its directory.
pub fn read_manifest(path: &Path) -> Result<Vec<ManifestEntry>> {
    let text = std::fs::read_to_string(path).map_err(crate::error::io_err(path))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut entry: ManifestEntry = serde_json::from_str(line).map_err(|e| Error::Manifest {
            path: path.to_owned(),
            message: format!(
                "line {}: {e}; expected {{\"audio\": \"file.wav\", \"reference\": \"text\"}}",
                i + 1
            ),
        })?;
        if entry.audio.is_relative() {
            entry.audio = base.join(&entry.audio);
        }
        entries.push(entry);
    }
    if entries.is_empty() {
        return Err(Error::Manifest {
            path: path.to_owned(),
            message: "no entries".into(),
        });
    }
    Ok(entries)
}

/// Word-level edit counts between a reference and a hypothesis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WordErrors {
    /// Substitutions + deletions + insertions.
    pub edits: usize,
    /// Words in the normalised reference.
    pub reference_words: usize,
}

impl WordErrors {
    /// Word error rate (0 when the reference is empty and so is the hypothesis).
    pub fn rate(&self) -> f64 {
        if self.reference_words == 0 {
            return if self.edits == 0 { 0.0 } else { 1.0 };
        }
        self.edits as f64 / self.reference_words as f64
    }
}

impl std::ops::Add for WordErrors {
    type Output = WordErrors;
    fn add(self, other: WordErrors) -> WordErrors {
        WordErrors {
            edits: self.edits + other.edits,
            reference_words: self.reference_words + other.reference_words,
        }
    }
}

/// Compares `hypothesis` with `reference` after normalising both.
pub fn word_errors(reference: &str, hypothesis: &str) -> WordErrors {
    let reference = normalize(reference);
    let hypothesis = normalize(hypothesis);
    WordErrors {
        edits: edit_distance(&reference, &hypothesis),
        reference_words: reference.len(),
    }
}

/// The Levenshtein distance between two sequences (of words, of letters).
pub(crate) fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, wa) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, wb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(wa != wb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

const FILLERS: &[&str] = &["um", "uh", "erm", "er", "ah", "hmm", "mm", "mhm"];

const SPOKEN_FORMS: &[(&str, &str)] = &[
    ("mr", "mister"),
    ("mrs", "missus"),
    ("dr", "doctor"),
    ("%", "percent"),
    ("&", "and"),
    ("ok", "okay"),
];

/// Lower-cased words with punctuation removed and numbers spelled out.
pub fn normalize(text: &str) -> Vec<String> {
    let mut spaced = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let digit_before = i > 0 && chars[i - 1].is_ascii_digit();
        let digit_after = chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        match c {
            // "14:05" reads "fourteen oh five"; "3.5" reads "three point five".
            ':' if digit_before && digit_after => spaced.push_str(" : "),
            '.' if digit_before && digit_after => spaced.push_str(" point "),
            ',' if digit_before && digit_after => {}
            '%' | '&' => {
                spaced.push(' ');
                spaced.push(c);
                spaced.push(' ');
            }
            '\'' | '’' => {}
            c if c.is_alphanumeric() => spaced.extend(c.to_lowercase()),
            _ => spaced.push(' '),
        }
    }
    let mut words = Vec::new();
    let mut tokens = spaced.split_whitespace().peekable();
    while let Some(token) = tokens.next() {
        if token == ":" {
            // Minutes after a colon: "05" -> "oh five", "00" -> nothing ("two o'clock" reads "two").
            if let Some(minutes) = tokens.next() {
                match minutes.parse::<u64>() {
                    Ok(0) => {}
                    Ok(m) if minutes.starts_with('0') => {
                        words.push("oh".to_string());
                        words.extend(number_words(m));
                    }
                    _ => words.extend(spell(minutes)),
                }
            }
            continue;
        }
        if FILLERS.contains(&token) {
            continue;
        }
        let after_time_word = words
            .last()
            .is_some_and(|w: &String| TIME_WORDS.contains(&w.as_str()));
        if after_time_word {
            if let Some(clock) = clock_time(token) {
                words.extend(clock);
                continue;
            }
        }
        if let Some((_, spoken)) = SPOKEN_FORMS.iter().find(|(short, _)| *short == token) {
            words.push(spoken.to_string());
            continue;
        }
        words.extend(spell(token));
    }
    words
}

/// Words after which a bare three- or four-digit number is a clock time
/// ("at 205" is "at two oh five", as recognizers often write times).
const TIME_WORDS: &[&str] = &["at", "by", "until", "since", "around", "from", "to"];

/// "205" -> "two oh five", "1130" -> "eleven thirty"; `None` unless the
/// number reads as a time (hours up to 23, minutes below 60).
fn clock_time(token: &str) -> Option<Vec<String>> {
    if !(3..=4).contains(&token.len()) || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = token.parse().ok()?;
    let (hours, minutes) = (n / 100, n % 100);
    if hours == 0 || hours > 23 || minutes >= 60 {
        return None;
    }
    let mut words = number_words(hours);
    match minutes {
        0 => words.push("hundred".into()),
        1..=9 => {
            words.push("oh".into());
            words.extend(number_words(minutes));
        }
        _ => words.extend(number_words(minutes)),
    }
    Some(words)
}

/// Spells a token that starts with digits ("1961", "3rd", "20s"); other
/// tokens pass through.
fn spell(token: &str) -> Vec<String> {
    let digits: String = token.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 15 {
        return vec![token.to_string()];
    }
    let suffix = &token[digits.len()..];
    let Ok(n) = digits.parse::<u64>() else {
        return vec![token.to_string()];
    };
    let mut words = if (1100..2100).contains(&n) && n % 1000 >= 10 && suffix.is_empty() {
        // Years and year-like numbers: "1961" -> "nineteen sixty one".
        let mut w = number_words(n / 100);
        if n % 100 == 0 {
            w.push("hundred".into());
        } else if n % 100 < 10 {
            w.push("oh".into());
            w.extend(number_words(n % 100));
        } else {
            w.extend(number_words(n % 100));
        }
        w
    } else {
        number_words(n)
    };
    match suffix {
        "st" | "nd" | "rd" | "th" => {
            if let Some(last) = words.pop() {
                words.push(ordinal(&last));
            }
        }
        "s" => {
            if let Some(last) = words.pop() {
                words.push(if let Some(stem) = last.strip_suffix('y') {
                    format!("{stem}ies")
                } else {
                    format!("{last}s")
                });
            }
        }
        "" => {}
        other => words.push(other.to_string()),
    }
    words
}

fn ordinal(word: &str) -> String {
    match word {
        "one" => "first".into(),
        "two" => "second".into(),
        "three" => "third".into(),
        "five" => "fifth".into(),
        "eight" => "eighth".into(),
        "nine" => "ninth".into(),
        "twelve" => "twelfth".into(),
        w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
        w => format!("{w}th"),
    }
}

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// Cardinal number in words, hyphens as spaces: 2024 -> "two thousand twenty four".
pub fn number_words(n: u64) -> Vec<String> {
    fn below_thousand(n: u64, out: &mut Vec<String>) {
        if n >= 100 {
            out.push(ONES[(n / 100) as usize].into());
            out.push("hundred".into());
        }
        let rest = n % 100;
        if rest >= 20 {
            out.push(TENS[(rest / 10) as usize].into());
            if !rest.is_multiple_of(10) {
                out.push(ONES[(rest % 10) as usize].into());
            }
        } else if rest > 0 || n == 0 {
            out.push(ONES[rest as usize].into());
        }
    }
    if n == 0 {
        return vec!["zero".into()];
    }
    let mut out = Vec::new();
    let scales = [
        (1_000_000_000_000, "trillion"),
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1_000, "thousand"),
    ];
    let mut rest = n;
    for (value, name) in scales {
        if rest >= value {
            below_thousand(rest / value, &mut out);
            out.push(name.into());
            rest %= value;
        }
    }
    if rest > 0 {
        below_thousand(rest, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> String {
        normalize(text).join(" ")
    }

    #[test]
    fn normalisation_ignores_case_punctuation_and_fillers() {
        assert_eq!(
            words("And so, my fellow Americans: ask not!"),
            "and so my fellow americans ask not"
        );
        assert_eq!(words("Um, we — uh — rolled it back."), "we rolled it back");
        assert_eq!(words("Don't roll-back"), "dont roll back");
        assert_eq!(words("Mr. Smith said OK"), "mister smith said okay");
    }

    #[test]
    fn numbers_compare_equal_as_digits_or_words() {
        assert_eq!(words("In 1961"), "in nineteen sixty one");
        assert_eq!(words("at 14:05"), "at fourteen oh five");
        assert_eq!(words("at 2:30"), "at two thirty");
        assert_eq!(words("at 3:00"), "at three");
        assert_eq!(words("the 3rd time, 21st"), "the third time twenty first");
        assert_eq!(
            words("99.9% of 2,500 users"),
            "ninety nine point nine percent of two thousand five hundred users"
        );
        assert_eq!(words("back in the 90s"), "back in the nineties");
        assert_eq!(words("2005"), "two thousand five");
        assert_eq!(words("2024"), "twenty twenty four");
        assert_eq!(words("1900"), "nineteen hundred");
        assert_eq!(words("12"), "twelve");
        assert_eq!(words("rolled back at 252"), "rolled back at two fifty two");
        assert_eq!(words("fired at 205"), "fired at two oh five");
        assert_eq!(words("we had 205 errors"), "we had two hundred five errors");
    }

    #[test]
    fn word_error_rate_counts_edits() {
        let e = word_errors("the cat sat on the mat", "the cat sat on a mat");
        assert_eq!(
            e,
            WordErrors {
                edits: 1,
                reference_words: 6
            }
        );
        assert_eq!(word_errors("a b c", "").edits, 3);
        assert_eq!(word_errors("a b", "a x b y").edits, 2);
        assert_eq!(word_errors("Twenty minutes.", "20 minutes").rate(), 0.0);
        let total = word_errors("a b", "a") + word_errors("c d", "c d");
        assert!((total.rate() - 0.25).abs() < 1e-12);
    }

    #[test]
    fn manifest_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.jsonl");
        std::fs::write(
            &path,
            "{\"audio\": \"a.wav\", \"reference\": \"x\"}\nnot json\n",
        )
        .unwrap();
        let err = read_manifest(&path).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        std::fs::write(&path, "{\"audio\": \"a.wav\", \"reference\": \"x\"}\n").unwrap();
        let entries = read_manifest(&path).unwrap();
        assert_eq!(entries[0].audio, dir.path().join("a.wav"));
    }
}
