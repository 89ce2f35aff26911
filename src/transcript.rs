//! `transcript`: what was said, and when, in one audio file?
//!
//! The result of transcribing a file, and its renderings as plain text, JSON,
//! SRT and WebVTT.

use serde::Serialize;

/// A stretch of speech with its text, as Whisper segmented it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// Start, seconds from the beginning of the audio.
    pub start: f64,
    /// End, seconds from the beginning of the audio.
    pub end: f64,
    /// The words, trimmed.
    pub text: String,
}

/// A whole file's transcription.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transcript {
    /// The audio file, as given.
    pub audio: String,
    /// Its length in seconds.
    pub duration_s: f64,
    /// The model used (name or file).
    pub model: String,
    /// The segments in time order.
    pub segments: Vec<Segment>,
    /// All segment texts joined by spaces.
    pub text: String,
}

impl Transcript {
    /// Builds a transcript, deriving the full text from the segments.
    pub fn new(
        audio: String,
        duration_s: f64,
        model: String,
        segments: Vec<Segment>,
    ) -> Transcript {
        let text = segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Transcript {
            audio,
            duration_s,
            model,
            segments,
            text,
        }
    }
}

/// Output formats of `blameless transcribe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The text, one segment per line.
    Text,
    /// One JSON object (see [`Transcript`]).
    Json,
    /// SubRip subtitles.
    Srt,
    /// WebVTT subtitles.
    Vtt,
}

/// Renders `transcript` in `format`, ending with a newline.
pub fn render(transcript: &Transcript, format: Format) -> String {
    match format {
        Format::Text => transcript
            .segments
            .iter()
            .map(|s| format!("{}\n", s.text))
            .collect(),
        Format::Json => {
            let mut out = serde_json::to_string_pretty(transcript).expect("transcript serialises");
            out.push('\n');
            out
        }
        Format::Srt => transcript
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    "{}\n{} --> {}\n{}\n\n",
                    i + 1,
                    timestamp(s.start, ','),
                    timestamp(s.end, ','),
                    s.text
                )
            })
            .collect(),
        Format::Vtt => {
            let mut out = String::from("WEBVTT\n\n");
            for s in &transcript.segments {
                out += &format!(
                    "{} --> {}\n{}\n\n",
                    timestamp(s.start, '.'),
                    timestamp(s.end, '.'),
                    s.text
                );
            }
            out
        }
    }
}

/// `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT).
fn timestamp(seconds: f64, separator: char) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}{separator}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Transcript {
        Transcript::new(
            "a.wav".into(),
            3723.5,
            "tiny.en".into(),
            vec![
                Segment {
                    start: 0.0,
                    end: 1.25,
                    text: "Hello there.".into(),
                },
                Segment {
                    start: 3661.001,
                    end: 3723.5,
                    text: "Goodbye.".into(),
                },
            ],
        )
    }

    #[test]
    fn srt_numbers_cues_and_uses_commas() {
        assert_eq!(
            render(&sample(), Format::Srt),
            "1\n00:00:00,000 --> 00:00:01,250\nHello there.\n\n2\n01:01:01,001 --> 01:02:03,500\nGoodbye.\n\n"
        );
    }

    #[test]
    fn vtt_has_header_and_dots() {
        let vtt = render(&sample(), Format::Vtt);
        assert!(vtt.starts_with("WEBVTT\n\n00:00:00.000 --> 00:00:01.250\nHello there.\n"));
    }

    #[test]
    fn json_has_the_documented_fields() {
        let v: serde_json::Value = serde_json::from_str(&render(&sample(), Format::Json)).unwrap();
        assert_eq!(v["audio"], "a.wav");
        assert_eq!(v["duration_s"], 3723.5);
        assert_eq!(v["model"], "tiny.en");
        assert_eq!(v["segments"][1]["start"], 3661.001);
        assert_eq!(v["text"], "Hello there. Goodbye.");
    }

    #[test]
    fn text_is_one_line_per_segment() {
        assert_eq!(render(&sample(), Format::Text), "Hello there.\nGoodbye.\n");
    }
}
