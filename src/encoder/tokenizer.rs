//! BERT's uncased WordPiece tokenizer, as the sentence encoder was trained
//! with: clean, lower-case, strip accents, split on whitespace and
//! punctuation, then greedy longest-match-first word pieces.

use std::collections::HashMap;

/// Ids of the special tokens, looked up in the vocabulary.
#[derive(Debug, Clone, Copy)]
struct Special {
    cls: u32,
    sep: u32,
    unk: u32,
}

/// A WordPiece vocabulary.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    ids: HashMap<String, u32>,
    special: Special,
}

/// Words longer than this (in characters) become `[UNK]`, as in BERT.
const MAX_WORD_CHARS: usize = 100;

impl Tokenizer {
    /// Builds the tokenizer from `vocab.txt` text (one token per line; the
    /// line number is the id), with BERT's `[CLS]` and `[SEP]` around every
    /// text. `None` if a special token is missing.
    pub fn from_vocab(vocab: &str) -> Option<Tokenizer> {
        Tokenizer::with_specials(vocab, "[CLS]", "[SEP]")
    }

    /// The same with other tokens to open and close a text (MPNet's `<s>`
    /// and `</s>`).
    pub fn with_specials(vocab: &str, open: &str, close: &str) -> Option<Tokenizer> {
        let ids: HashMap<String, u32> = vocab
            .lines()
            .enumerate()
            .map(|(i, t)| (t.to_string(), i as u32))
            .collect();
        let special = Special {
            cls: *ids.get(open)?,
            sep: *ids.get(close)?,
            unk: *ids.get("[UNK]")?,
        };
        Some(Tokenizer { ids, special })
    }

    /// Token ids of `text` opened and closed by the special tokens (`[CLS]`
    /// and `[SEP]`), at most `max_len` in all.
    pub fn encode(&self, text: &str, max_len: usize) -> Vec<u32> {
        let mut out = vec![self.special.cls];
        for word in basic_tokens(text) {
            self.word_pieces(&word, &mut out);
            if out.len() >= max_len - 1 {
                out.truncate(max_len - 1);
                break;
            }
        }
        out.push(self.special.sep);
        out
    }

    fn word_pieces(&self, word: &str, out: &mut Vec<u32>) {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() > MAX_WORD_CHARS {
            out.push(self.special.unk);
            return;
        }
        let mark = out.len();
        let mut start = 0;
        let mut piece = String::new();
        while start < chars.len() {
            let mut end = chars.len();
            let mut found = None;
            while start < end {
                piece.clear();
                if start > 0 {
                    piece.push_str("##");
                }
                piece.extend(&chars[start..end]);
                if let Some(&id) = self.ids.get(piece.as_str()) {
                    found = Some(id);
                    break;
                }
                end -= 1;
            }
            match found {
                Some(id) => out.push(id),
                None => {
                    // No piece matches: the whole word is unknown.
                    out.truncate(mark);
                    out.push(self.special.unk);
                    return;
                }
            }
            start = end;
        }
    }
}

/// BERT's basic tokenizer for uncased models: words and punctuation marks,
/// lower-cased and without accents.
fn basic_tokens(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, words: &mut Vec<String>| {
        if !current.is_empty() {
            words.push(std::mem::take(current));
        }
    };
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || (c.is_control() && !c.is_whitespace()) {
            continue;
        }
        if c.is_whitespace() {
            flush(&mut current, &mut words);
        } else if is_punctuation(c) || is_cjk(c) {
            flush(&mut current, &mut words);
            words.push(c.to_lowercase().collect());
        } else {
            for l in c.to_lowercase() {
                if let Some(base) = strip_accent(l) {
                    current.push(base);
                }
            }
        }
    }
    flush(&mut current, &mut words);
    words
}

/// BERT treats every ASCII non-alphanumeric symbol as punctuation, plus the
/// Unicode punctuation blocks.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c as u32, 0x2000..=0x206F | 0x3000..=0x303F | 0xFF01..=0xFF0F)
        || matches!(c, '¡' | '¿' | '«' | '»' | '§' | '¶' | '·')
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF)
}

/// The letter without its accent (NFD then dropping combining marks, for
/// the Latin letters speech transcripts contain); `None` for a lone
/// combining mark.
fn strip_accent(c: char) -> Option<char> {
    if ('\u{300}'..='\u{36f}').contains(&c) {
        return None;
    }
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'ď' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' | 'ő' => 'o',
        'ś' | 'š' | 'ş' => 's',
        'ť' | 'ţ' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        'ł' => 'l',
        'ř' => 'r',
        'ğ' => 'g',
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Tokenizer {
        let words =
            "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\ndeploy\nun\n##bel\n##iev\n##able\n,\n'\ns\ncafe\n";
        Tokenizer::from_vocab(words).unwrap()
    }

    #[test]
    fn splits_words_pieces_and_punctuation() {
        let t = vocab();
        // [CLS] the deploy , un ##bel ##iev ##able ' s [SEP]
        assert_eq!(
            t.encode("The DEPLOY, unbelievable's", 64),
            vec![2, 4, 5, 10, 6, 7, 8, 9, 11, 12, 3]
        );
    }

    #[test]
    fn unknown_words_and_accents() {
        let t = vocab();
        assert_eq!(t.encode("café zzz", 64), vec![2, 13, 1, 3]);
    }

    #[test]
    fn truncates_keeping_sep() {
        let t = vocab();
        let ids = t.encode("the the the the the the", 4);
        assert_eq!(ids, vec![2, 4, 4, 3]);
    }
}
