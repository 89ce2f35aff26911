//! JSONL turns: `{"speaker"?, "start"?, "end"?, "text", ...}` per line.
//!
//! Missing times follow the previous turn (start at its end, end at the
//! start), so plain lists of remarks import in order. Every other field
//! (`tags`, `actions`, ...) is kept with the turn, as the tagger would
//! write it, and is indexed like the tagger's.

use super::ParsedTurn;

/// Fields that become the turn itself rather than extras. `id`, `source`
/// and `latency_ms` are set by the import, so a `turns.jsonl` of another
/// data home imports too.
const OWN_FIELDS: &[&str] = &[
    "speaker",
    "start",
    "end",
    "text",
    "id",
    "source",
    "latency_ms",
];

/// Parses the lines; blank lines are skipped.
pub(super) fn parse(text: &str) -> Result<Vec<ParsedTurn>, (usize, String)> {
    let mut turns = Vec::new();
    let mut previous_end = 0.0;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| (line_no, format!("not JSON ({e})")))?;
        let serde_json::Value::Object(mut object) = value else {
            return Err((
                line_no,
                "expected an object like {\"speaker\": \"Lena\", \"text\": \"...\"}".into(),
            ));
        };
        let text = match object.get("text") {
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => return Err((line_no, "missing \"text\" (a string)".into())),
        };
        let speaker = match object.get("speaker") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
            Some(serde_json::Value::String(s)) => Some(s.trim().to_owned()),
            Some(_) => return Err((line_no, "\"speaker\" must be a string or null".into())),
        };
        let seconds = |key: &str| -> Result<Option<f64>, (usize, String)> {
            match object.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(v) => match v.as_f64() {
                    Some(s) if s.is_finite() && s >= 0.0 => Ok(Some(s)),
                    _ => Err((
                        line_no,
                        format!("\"{key}\" must be seconds (a number, 0 or more)"),
                    )),
                },
            }
        };
        let start = seconds("start")?.unwrap_or(previous_end);
        let end = seconds("end")?.unwrap_or(start);
        if end < start {
            return Err((
                line_no,
                format!("\"end\" ({end}) is before \"start\" ({start})"),
            ));
        }
        previous_end = end;
        for field in OWN_FIELDS {
            object.remove(*field);
        }
        turns.push(ParsedTurn {
            speaker,
            start,
            end,
            text,
            extra: object,
        });
    }
    Ok(turns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_turns_with_extras() {
        let turns = parse(concat!(
            "{\"speaker\": \"Lena\", \"start\": 1.5, \"end\": 3, \"text\": \"You broke it\", \"tags\": [{\"label\": \"blame\"}]}\n",
            "\n",
            "{\"text\": \"Moving on\"}\n",
        ))
        .unwrap();
        assert_eq!(turns.len(), 2);
        assert_eq!(turns[0].speaker.as_deref(), Some("Lena"));
        assert_eq!((turns[0].start, turns[0].end), (1.5, 3.0));
        assert_eq!(turns[0].extra["tags"][0]["label"], "blame");
        assert_eq!((turns[1].start, turns[1].end), (3.0, 3.0));
        assert_eq!(turns[1].speaker, None);
    }

    #[test]
    fn bad_lines_say_where() {
        assert_eq!(parse("{\"text\": \"a\"}\n{oops\n").unwrap_err().0, 2);
        assert!(parse("{\"speaker\": \"x\"}")
            .unwrap_err()
            .1
            .contains("text"));
        assert!(parse("{\"text\": \"a\", \"start\": \"soon\"}").is_err());
        assert!(parse("[1, 2]").is_err());
    }
}
