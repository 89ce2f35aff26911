//! HTML text for the dashboard's pages: every string from a meeting goes
//! through [`escape`] (a speaker who says `<script>` is text), tagged words
//! are marked from the tagger's evidence spans by [`highlight`], and every
//! page shares [`page`]'s frame.

use std::fmt::Write;

pub use crate::ui::escape_html as escape;

/// `text` for a URL's path segment or query value: everything but
/// unreserved characters percent-encoded.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// One tagged stretch of a turn: characters `start..end` (Unicode scalar
/// values, as the tagger counts them) and the label that found them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence<'a> {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The tag label (`blame`, ...).
    pub label: &'a str,
}

/// `text`, escaped, with each evidence span in a `<mark class="tag LABEL">`.
/// Overlapping spans merge (the mark carries every label); spans past the
/// end of the text are cut to it, empty ones dropped.
pub fn highlight(text: &str, evidence: &[Evidence]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut spans: Vec<(usize, usize, &str)> = evidence
        .iter()
        .map(|e| (e.start.min(chars.len()), e.end.min(chars.len()), e.label))
        .filter(|(start, end, _)| start < end)
        .collect();
    spans.sort_by_key(|&(start, end, _)| (start, end));
    let mut merged: Vec<(usize, usize, Vec<&str>)> = Vec::new();
    for (start, end, label) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => {
                last.1 = last.1.max(end);
                if !last.2.contains(&label) {
                    last.2.push(label);
                }
            }
            _ => merged.push((start, end, vec![label])),
        }
    }
    let piece = |from: usize, to: usize| escape(&chars[from..to].iter().collect::<String>());
    let mut out = String::with_capacity(text.len() + 48 * merged.len());
    let mut at = 0;
    for (start, end, labels) in merged {
        out.push_str(&piece(at, start));
        let labels = escape(&labels.join(" "));
        let _ = write!(
            out,
            "<mark class=\"tag {labels}\" title=\"{labels}\">{}</mark>",
            piece(start, end)
        );
        at = end;
    }
    out.push_str(&piece(at, chars.len()));
    out
}

/// `mm:ss` (or `h:mm:ss`) of seconds since the meeting started.
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// A whole page: the shared head (the embedded stylesheet), the navigation
/// with the search box, `body` (already HTML) and the embedded scripts
/// named in `scripts` (paths under `/assets/`).
pub fn page(title: &str, body: &str, scripts: &[&str]) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} · blameless</title>\n<link rel=\"stylesheet\" href=\"/assets/app.css\">\n</head>\n<body>\n\
         <nav><a class=\"brand\" href=\"/\">blameless</a> <a href=\"/live\">Live</a> <a href=\"/\">Meetings</a>\
         <form class=\"nav-search\" action=\"/search\" method=\"get\" role=\"search\">\
         <input type=\"search\" name=\"q\" placeholder=\"Search what was said\" aria-label=\"Search what was said\">\
         <button type=\"submit\">Search</button></form></nav>\n<main>\n{body}\n</main>\n",
        escape(title)
    );
    for script in scripts {
        let _ = writeln!(out, "<script src=\"/assets/{}\"></script>", escape(script));
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_speech_is_text() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn evidence_is_marked_by_characters_merged_and_escaped() {
        let evidence = [
            Evidence {
                start: 0,
                end: 9,
                label: "blame",
            },
            Evidence {
                start: 5,
                end: 15,
                label: "defensive",
            },
            Evidence {
                start: 40,
                end: 50,
                label: "blame",
            },
        ];
        assert_eq!(
            highlight("That's on <him>, ok", &evidence),
            "<mark class=\"tag blame defensive\" title=\"blame defensive\">That&#39;s on &lt;him&gt;</mark>, ok"
        );
        // Spans count characters, not bytes.
        let evidence = [Evidence {
            start: 5,
            end: 10,
            label: "blame",
        }];
        assert_eq!(
            highlight("né à Paris", &evidence),
            "né à <mark class=\"tag blame\" title=\"blame\">Paris</mark>"
        );
        assert_eq!(highlight("<b>", &[]), "&lt;b&gt;");
    }

    #[test]
    fn urls_and_clocks() {
        assert_eq!(url_encode("a b/<c>"), "a%20b%2F%3Cc%3E");
        assert_eq!(clock(65.9), "01:05");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
