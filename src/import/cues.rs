//! WebVTT and SRT cues as turns.
//!
//! Both are blocks separated by blank lines, each with a timing line
//! `start --> end` and text lines. Speakers come from a WebVTT voice span
//! (`<v Lena Park>...</v>`, as Teams writes) or from a leading `Name: `
//! (as Zoom writes, and some SRT files).

use super::{parse_timestamp, ParsedTurn};

/// A parse failure: 1-based line and message.
type Failure = (usize, String);

/// Longest text taken for a `Name: ` prefix.
const MAX_NAME_CHARS: usize = 48;
/// Most words in a `Name: ` prefix.
const MAX_NAME_WORDS: usize = 5;

/// The blocks of a file: (line number of the first line, lines).
fn blocks(text: &str) -> Vec<(usize, Vec<&str>)> {
    let mut blocks = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut first = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push((first, std::mem::take(&mut current)));
            }
        } else {
            if current.is_empty() {
                first = i + 1;
            }
            current.push(line);
        }
    }
    if !current.is_empty() {
        blocks.push((first, current));
    }
    blocks
}

/// Parses `start --> end [settings]`.
fn timing(line: &str, line_no: usize) -> Result<(f64, f64), Failure> {
    let bad = |what: &str| {
        (
            line_no,
            format!("{what} in cue timing {line:?}; expected `00:01:02.500 --> 00:01:04.000`"),
        )
    };
    let (start, rest) = line.split_once("-->").ok_or_else(|| bad("no `-->`"))?;
    let end = rest.split_whitespace().next().unwrap_or("");
    let start = parse_timestamp(start).ok_or_else(|| bad("bad start time"))?;
    let end = parse_timestamp(end).ok_or_else(|| bad("bad end time"))?;
    if end < start {
        return Err(bad("end before start"));
    }
    Ok((start, end))
}

/// Parses a WebVTT file.
pub(super) fn parse_vtt(text: &str) -> Result<Vec<ParsedTurn>, Failure> {
    let blocks = blocks(text);
    let Some((_, header)) = blocks.first() else {
        return Err((1, "empty file; a WebVTT file starts with `WEBVTT`".into()));
    };
    let signature = header[0];
    if !(signature == "WEBVTT"
        || signature.starts_with("WEBVTT ")
        || signature.starts_with("WEBVTT\t"))
    {
        return Err((
            1,
            "not a WebVTT file: the first line must be `WEBVTT`".into(),
        ));
    }
    let mut turns = Vec::new();
    for (first_line, lines) in &blocks[1..] {
        let head = lines[0];
        if head == "NOTE" || head.starts_with("NOTE ") || head == "STYLE" || head == "REGION" {
            continue;
        }
        // A cue is an optional id line, then the timing line.
        let timing_at = match lines.iter().take(2).position(|l| l.contains("-->")) {
            Some(i) => i,
            None => {
                return Err((
                    *first_line,
                    format!(
                        "expected a cue timing (`00:01:02.500 --> 00:01:04.000`), found {head:?}"
                    ),
                ))
            }
        };
        let (start, end) = timing(lines[timing_at], first_line + timing_at)?;
        let body = lines[timing_at + 1..].join(" ");
        let (voice, body) = voice_span(&body);
        let body = decode_entities(&strip_tags(&body));
        let (speaker, text) = match voice {
            Some(name) => (Some(name), body),
            None => name_prefix(&body),
        };
        turns.push(ParsedTurn {
            speaker,
            start,
            end,
            text: collapse_spaces(&text),
            extra: serde_json::Map::new(),
        });
    }
    Ok(turns)
}

/// Parses an SRT file.
pub(super) fn parse_srt(text: &str) -> Result<Vec<ParsedTurn>, Failure> {
    let mut turns = Vec::new();
    for (first_line, lines) in blocks(text) {
        let timing_at = match lines.iter().take(2).position(|l| l.contains("-->")) {
            Some(i) => i,
            None => {
                return Err((
                    first_line,
                    format!(
                        "expected a subtitle number and timing (`00:01:02,500 --> 00:01:04,000`), found {:?}",
                        lines[0]
                    ),
                ))
            }
        };
        if timing_at == 1 && lines[0].trim().parse::<u64>().is_err() {
            return Err((
                first_line,
                format!("expected a subtitle number, found {:?}", lines[0]),
            ));
        }
        let (start, end) = timing(lines[timing_at], first_line + timing_at)?;
        let body = decode_entities(&strip_tags(&lines[timing_at + 1..].join(" ")));
        let (speaker, text) = name_prefix(&body);
        turns.push(ParsedTurn {
            speaker,
            start,
            end,
            text: collapse_spaces(&text),
            extra: serde_json::Map::new(),
        });
    }
    if turns.is_empty() {
        return Err((1, "no subtitles found".into()));
    }
    Ok(turns)
}

/// The name of the first `<v Name>` (or `<v.class Name>`) span and the text
/// with it removed.
fn voice_span(text: &str) -> (Option<String>, String) {
    let Some(open) = text.find("<v") else {
        return (None, text.to_owned());
    };
    let after = &text[open + 2..];
    if !after.starts_with([' ', '\t', '.']) {
        return (None, text.to_owned());
    }
    let Some(close) = after.find('>') else {
        return (None, text.to_owned());
    };
    let inside = &after[..close];
    // Skip classes (`.loud`), then the rest is the name.
    let name = inside
        .split_once([' ', '\t'])
        .map_or("", |(_, name)| name)
        .trim();
    let rest = format!("{}{}", &text[..open], &after[close + 1..]);
    let name = (!name.is_empty()).then(|| decode_entities(name));
    (name, rest)
}

/// Removes markup tags (`<i>`, `</v>`, `<00:01.000>`, `<c.yellow>`).
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The character references WebVTT defines by name, plus `&nbsp;`.
fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&lrm;", "")
        .replace("&rlm;", "")
        .replace("&amp;", "&")
}

/// Splits `Name: text` when the part before the colon looks like a name
/// (a few words, no sentence punctuation), as Zoom writes speakers.
fn name_prefix(text: &str) -> (Option<String>, String) {
    if let Some((name, rest)) = text.split_once(": ") {
        let name = name.trim();
        let looks_like_name = !name.is_empty()
            && name.chars().count() <= MAX_NAME_CHARS
            && name.split_whitespace().count() <= MAX_NAME_WORDS
            && name.chars().any(char::is_alphabetic)
            && name.chars().all(|c| {
                c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '\'' | '(' | ')' | '@' | '_')
            });
        if looks_like_name {
            return (Some(name.to_owned()), rest.trim().to_owned());
        }
    }
    (None, text.trim().to_owned())
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZOOM: &str = "WEBVTT\n\n1\n00:00:01.020 --> 00:00:04.500\nPriya Raman: The DNS TTL was\nset to one day.\n\n2\n00:00:05.000 --> 00:00:07.250\nLena: Who approved that?\n";

    #[test]
    fn zoom_cues_carry_names() {
        let turns = parse_vtt(ZOOM).unwrap();
        assert_eq!(turns.len(), 2);
        assert_eq!(turns[0].speaker.as_deref(), Some("Priya Raman"));
        assert_eq!(turns[0].text, "The DNS TTL was set to one day.");
        assert_eq!((turns[0].start, turns[0].end), (1.02, 4.5));
        assert_eq!(turns[1].speaker.as_deref(), Some("Lena"));
    }

    #[test]
    fn teams_voice_spans_carry_names() {
        let vtt = "WEBVTT\n\nNOTE written by Teams\nover two lines\n\n3b2c/12-0\n00:01.000 --> 00:03.000\n<v Marco Rossi>It was not my change &amp; the config</v>\n\n00:00:04.000 --> 00:00:05.000 align:start\n<v.loud Sam>Why?</v>\n";
        let turns = parse_vtt(vtt).unwrap();
        assert_eq!(turns.len(), 2);
        assert_eq!(turns[0].speaker.as_deref(), Some("Marco Rossi"));
        assert_eq!(turns[0].text, "It was not my change & the config");
        assert_eq!(turns[0].start, 1.0);
        assert_eq!(turns[1].speaker.as_deref(), Some("Sam"));
        assert_eq!(turns[1].text, "Why?");
    }

    #[test]
    fn sentences_with_colons_are_not_names() {
        assert_eq!(
            name_prefix("The root cause, in short: a bad TTL"),
            (None, "The root cause, in short: a bad TTL".into())
        );
        assert_eq!(
            name_prefix("Speaker 2: yes"),
            (Some("Speaker 2".into()), "yes".into())
        );
    }

    #[test]
    fn malformed_vtt_says_where() {
        assert_eq!(
            parse_vtt("1\n00:00.000 --> 00:01.000\nhi\n").unwrap_err().0,
            1
        );
        let (line, message) =
            parse_vtt("WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nhi\n").unwrap_err();
        assert_eq!(line, 3);
        assert!(message.contains("bad end time"), "{message}");
        let (line, _) = parse_vtt("WEBVTT\n\nhello there\nmore\n").unwrap_err();
        assert_eq!(line, 3);
        let (_, message) = parse_vtt("WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nhi\n").unwrap_err();
        assert!(message.contains("end before start"), "{message}");
    }

    #[test]
    fn srt_with_and_without_names() {
        let srt = "1\r\n00:00:01,000 --> 00:00:02,500\r\nLena: We paged <i>twice</i>.\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nno name here\r\n";
        let turns = parse_srt(srt).unwrap();
        assert_eq!(turns.len(), 2);
        assert_eq!(turns[0].speaker.as_deref(), Some("Lena"));
        assert_eq!(turns[0].text, "We paged twice.");
        assert_eq!((turns[0].start, turns[0].end), (1.0, 2.5));
        assert_eq!(turns[1].speaker, None);
        assert!(parse_srt("x\n00:00:01,000 --> 00:00:02,000\nhi\n").is_err());
        assert!(parse_srt("").is_err());
    }
}
