//! Guards against text Whisper invents when nobody speaks.
//!
//! Whisper was trained on subtitles, so on silence or noise it tends to emit
//! credits, "Thank you.", bracketed sound descriptions, or one phrase repeated
//! until the window ends. Three layers keep that out of a meeting record:
//! an energy gate ([`has_speech_energy`]), whisper.cpp's own no-speech and
//! log-probability thresholds (configured from [`Guards`]), and a per-segment
//! filter ([`keep`]).

/// Thresholds, with defaults from Whisper's reference decoder where it has them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guards {
    /// A window whose no-speech probability exceeds this, with an average
    /// log-probability below `avg_logprob`, is treated as silence.
    pub no_speech_prob: f32,
    /// Average token log-probability below which decoding is retried at a
    /// higher temperature, and, with `no_speech_prob`, dropped.
    pub avg_logprob: f32,
    /// Token entropy below which a decode counts as repetitive and is retried.
    pub entropy: f32,
    /// Segments whose average log-probability is below this are dropped even
    /// when Whisper thinks someone speaks: nothing useful decodes that badly.
    pub min_segment_logprob: f32,
    /// Audio whose loudest 30 ms frame has an RMS below this (linear, full
    /// scale 1.0) is silence and never reaches Whisper.
    pub min_rms: f32,
    /// Fraction of repeated word trigrams above which a segment is a loop.
    pub max_repetition: f32,
}

impl Default for Guards {
    fn default() -> Guards {
        Guards {
            no_speech_prob: 0.6,
            avg_logprob: -1.0,
            entropy: 2.4,
            min_segment_logprob: -1.5,
            // About -50 dBFS.
            min_rms: 0.003,
            max_repetition: 0.5,
        }
    }
}

/// True when some 30 ms frame of `samples` is loud enough to hold speech.
pub fn has_speech_energy(samples: &[f32], guards: &Guards) -> bool {
    samples.chunks(480).any(|frame| {
        let energy: f32 = frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32;
        energy.sqrt() >= guards.min_rms
    })
}

/// One decoded segment and Whisper's confidence in it.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The decoded text, trimmed.
    pub text: &'a str,
    /// Whisper's no-speech probability for the window.
    pub no_speech_prob: f32,
    /// Mean log-probability of the segment's text tokens.
    pub avg_logprob: f32,
}

/// Whether a decoded segment is kept.
pub fn keep(candidate: &Candidate<'_>, guards: &Guards) -> bool {
    let text = candidate.text;
    if is_annotation(text) {
        return false;
    }
    if candidate.avg_logprob < guards.min_segment_logprob {
        return false;
    }
    if candidate.no_speech_prob > guards.no_speech_prob
        && candidate.avg_logprob < guards.avg_logprob
    {
        return false;
    }
    repetition(text) <= guards.max_repetition
}

/// Text with no words outside brackets, parentheses, asterisks or music
/// signs: "[BLANK_AUDIO]", "(wind blowing)", "♪", "*static*", "...".
fn is_annotation(text: &str) -> bool {
    let mut depth = 0i32;
    let mut in_asterisks = false;
    let mut outside = String::new();
    for c in text.chars() {
        match c {
            '[' | '(' | '{' | '<' => depth += 1,
            ']' | ')' | '}' | '>' => depth -= 1,
            '*' => in_asterisks = !in_asterisks,
            c if depth <= 0 && !in_asterisks => outside.push(c),
            _ => {}
        }
    }
    !outside.chars().any(char::is_alphanumeric)
}

/// Fraction of word trigrams that repeat an earlier trigram (0 for short text).
fn repetition(text: &str) -> f32 {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    if words.len() < 9 {
        return 0.0;
    }
    let trigrams: Vec<&[String]> = words.windows(3).collect();
    let distinct: std::collections::HashSet<&[String]> = trigrams.iter().copied().collect();
    1.0 - distinct.len() as f32 / trigrams.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(text: &str) -> Candidate<'_> {
        Candidate {
            text,
            no_speech_prob: 0.1,
            avg_logprob: -0.3,
        }
    }

    #[test]
    fn annotations_are_dropped() {
        let g = Guards::default();
        for text in [
            "[BLANK_AUDIO]",
            "(wind blowing)",
            "♪ ♪",
            "*static*",
            "...",
            "[Music] (applause)",
        ] {
            assert!(!keep(&candidate(text), &g), "{text}");
        }
        for text in [
            "We rolled back at 14:05.",
            "The [redacted] deploy failed.",
            "OK.",
        ] {
            assert!(keep(&candidate(text), &g), "{text}");
        }
    }

    #[test]
    fn loops_are_dropped_but_normal_speech_is_kept() {
        let g = Guards::default();
        let looped = "I'm going to go. ".repeat(8);
        assert!(!keep(&candidate(&looped), &g));
        let normal = "The deploy started at ten past two, the error rate climbed, and we rolled back twenty minutes later.";
        assert!(keep(&candidate(normal), &g));
    }

    #[test]
    fn unlikely_text_on_silence_is_dropped() {
        let g = Guards::default();
        let c = Candidate {
            text: "Thank you.",
            no_speech_prob: 0.9,
            avg_logprob: -1.2,
        };
        assert!(!keep(&c, &g));
        let garbage = Candidate {
            text: "Hmm blah",
            no_speech_prob: 0.1,
            avg_logprob: -2.0,
        };
        assert!(!keep(&garbage, &g));
    }

    #[test]
    fn energy_gate_sees_quiet_speech_but_not_silence() {
        let g = Guards::default();
        assert!(!has_speech_energy(&vec![0.0; 16_000], &g));
        assert!(!has_speech_energy(&vec![0.001; 16_000], &g));
        let tone: Vec<f32> = (0..16_000).map(|i| 0.02 * (i as f32 * 0.1).sin()).collect();
        assert!(has_speech_energy(&tone, &g));
    }
}
