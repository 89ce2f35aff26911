//! Local agreement: commit the stable start of a turn while it is spoken.
//!
//! Decoding a whole utterance when it ends makes turn latency grow with its
//! length. Streaming Whisper systems avoid that with *local agreement*:
//! the audio of the turn so far is decoded again every second or so, and
//! the words two successive decodes agree on are stable. [`TurnSoFar`]
//! commits agreed whole segments (text and audio) once they end in a pause
//! at least [`HOLD_BACK_S`] before the newest audio, so later decodes, and
//! the final one when the speaker stops, cover only the uncommitted tail,
//! with the committed text as Whisper's prompt.
//!
//! Cuts happen only in a pause (the quietest 100 ms near the segment's end
//! must be well below the clip's level), so a word is never split between
//! the committed part and the tail; [`join`] removes a word the two sides
//! both heard at the seam.

use crate::audio::SAMPLE_RATE;
use crate::transcript::Segment;

/// The newest audio of a decode is the least certain: segments ending in
/// its last second are never committed.
pub const HOLD_BACK_S: f64 = 1.0;
/// How far from a segment's end timestamp its pause is looked for.
const SEARCH_S: f64 = 0.3;
/// Length of the window whose level decides whether a point is a pause.
const PAUSE_WINDOW_S: f64 = 0.1;
/// A pause is quieter than this fraction of the clip's RMS level.
const PAUSE_LEVEL: f32 = 0.15;

/// What the asr thread knows of one utterance in progress.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TurnSoFar {
    /// Text of the committed start of the turn.
    pub committed: String,
    /// Samples (from the utterance's start) that `committed` covers.
    pub committed_samples: usize,
    /// Segments of the last decode of the audio after `committed_samples`.
    last: Vec<Segment>,
}

/// A partial transcript of the turn so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    /// Committed text and the newest decode of the rest.
    pub text: String,
    /// The start of `text` that is committed or that the last two decodes
    /// agreed on.
    pub stable: String,
}

impl TurnSoFar {
    /// The uncommitted part of the utterance's audio `samples` (the whole
    /// utterance so far, from its start).
    pub fn tail<'a>(&self, samples: &'a [f32]) -> &'a [f32] {
        &samples[self.committed_samples.min(samples.len())..]
    }

    /// Takes a decode of `tail` (what [`TurnSoFar::tail`] returned),
    /// commits the segments it and the previous decode agree on when they
    /// end in a pause, and returns the partial transcript.
    pub fn update(&mut self, current: Vec<Segment>, tail: &[f32]) -> Partial {
        let agreed = agreed_words(&self.last, &current);
        let stable_now = join(
            &self.committed,
            &words_of(&current)
                .into_iter()
                .take(agreed)
                .collect::<Vec<_>>()
                .join(" "),
        );
        let text = join(&self.committed, &text_of(&current));
        match commit_point(&current, agreed, tail) {
            Some((n_segments, cut)) => {
                self.committed = join(&self.committed, &text_of(&current[..n_segments]));
                self.committed_samples += cut;
                // The rest of this decode, shifted to the new start, is
                // what the next decode is compared with.
                let shift = cut as f64 / f64::from(SAMPLE_RATE);
                self.last = current[n_segments..]
                    .iter()
                    .map(|s| Segment {
                        start: (s.start - shift).max(0.0),
                        end: (s.end - shift).max(0.0),
                        text: s.text.clone(),
                    })
                    .collect();
            }
            None => self.last = current,
        }
        Partial {
            text,
            stable: stable_now,
        }
    }

    /// Commits the whole turn so far: `text` is the decode of its first
    /// `n_samples`, which end in a pause (so no word is split).
    pub fn commit_all(&mut self, text: String, n_samples: usize) {
        self.committed = text;
        self.committed_samples = n_samples;
        self.last.clear();
    }

    /// The turn's text: the committed start and the final decode of the tail.
    pub fn finish(&self, tail_text: &str) -> String {
        join(&self.committed, tail_text)
    }
}

/// The words of `segments`, in order.
fn words_of(segments: &[Segment]) -> Vec<&str> {
    segments
        .iter()
        .flat_map(|s| s.text.split_whitespace())
        .collect()
}

fn text_of(segments: &[Segment]) -> String {
    words_of(segments).join(" ")
}

/// A word as compared between decodes: case and punctuation do not count.
fn normal(word: &str) -> String {
    word.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// How many leading words two decodes agree on.
fn agreed_words(previous: &[Segment], current: &[Segment]) -> usize {
    words_of(previous)
        .iter()
        .zip(words_of(current))
        .take_while(|(a, b)| normal(a) == normal(b))
        .count()
}

/// The number of leading segments of `current` to commit, and the sample
/// of `tail` to cut at: the last segment (never the final one, which may be
/// unfinished) whose words are all among the `agreed` ones, that ends at
/// least [`HOLD_BACK_S`] before the end of `tail`, in a pause.
fn commit_point(current: &[Segment], agreed: usize, tail: &[f32]) -> Option<(usize, usize)> {
    let level = rms(tail);
    let latest = tail.len() as f64 / f64::from(SAMPLE_RATE) - HOLD_BACK_S;
    let mut n_words = 0;
    let mut best = None;
    for (i, segment) in current
        .iter()
        .enumerate()
        .take(current.len().saturating_sub(1))
    {
        n_words += segment.text.split_whitespace().count();
        if n_words > agreed || segment.end > latest {
            break;
        }
        if let Some(cut) = pause_near(tail, segment.end, latest, level) {
            best = Some((i + 1, cut));
        }
    }
    best
}

/// The middle of the quietest [`PAUSE_WINDOW_S`] within [`SEARCH_S`] of
/// `at` seconds (and before `latest`), if it is a pause: quieter than
/// [`PAUSE_LEVEL`] times `level`.
fn pause_near(tail: &[f32], at: f64, latest: f64, level: f32) -> Option<usize> {
    let rate = f64::from(SAMPLE_RATE);
    let window = (PAUSE_WINDOW_S * rate) as usize;
    let step = window / 10;
    let from = ((at - SEARCH_S).max(0.0) * rate) as usize;
    let to = (((at + SEARCH_S).min(latest)) * rate) as usize;
    let to = to.min(tail.len().saturating_sub(window));
    (from..=to)
        .step_by(step.max(1))
        .map(|start| (start, rms(&tail[start..start + window])))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|&(_, quiet)| quiet < PAUSE_LEVEL * level)
        .map(|(start, _)| start + window / 2)
}

fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
}

/// `committed` followed by `tail`, without the words (up to eight) that
/// both heard at the seam.
pub fn join(committed: &str, tail: &str) -> String {
    // Whisper, prompted with the committed text, sometimes says its last
    // words or sentence again at the start of the tail.
    const MAX_SEAM_WORDS: usize = 8;
    let head: Vec<&str> = committed.split_whitespace().collect();
    let rest: Vec<&str> = tail.split_whitespace().collect();
    let overlap = (1..=MAX_SEAM_WORDS.min(head.len()).min(rest.len()))
        .rev()
        .find(|&n| {
            head[head.len() - n..]
                .iter()
                .zip(&rest[..n])
                .all(|(a, b)| normal(a) == normal(b) && !normal(a).is_empty())
        })
        .unwrap_or(0);
    head.iter()
        .chain(&rest[overlap..])
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(start: f64, end: f64, text: &str) -> Segment {
        Segment {
            start,
            end,
            text: text.into(),
        }
    }

    /// Speech (a loud tone) with silent pauses at the given seconds.
    fn speech_with_pauses(seconds: f64, pauses: &[(f64, f64)]) -> Vec<f32> {
        let n = (seconds * 16_000.0) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / 16_000.0;
                if pauses.iter().any(|&(a, b)| t >= a && t < b) {
                    0.0
                } else {
                    0.3 * (i as f32 * 0.07).sin()
                }
            })
            .collect()
    }

    #[test]
    fn agreed_segments_that_end_in_a_pause_are_committed() {
        let audio = speech_with_pauses(8.0, &[(3.0, 3.4)]);
        let mut turn = TurnSoFar::default();
        let first = vec![
            segment(0.0, 3.1, "We rolled back at two."),
            segment(3.3, 6.0, "Then the errors"),
        ];
        let partial = turn.update(first.clone(), &audio);
        assert_eq!(partial.stable, "", "one decode agrees with nothing");
        assert_eq!(turn.committed_samples, 0);
        let second = vec![
            segment(0.0, 3.2, "we rolled back at two"),
            segment(3.3, 7.0, "Then the errors dropped"),
        ];
        let partial = turn.update(second, &audio);
        assert_eq!(
            partial.text,
            "we rolled back at two Then the errors dropped"
        );
        assert_eq!(partial.stable, "we rolled back at two Then the errors");
        assert_eq!(turn.committed, "we rolled back at two");
        // Cut inside the pause.
        let cut = turn.committed_samples as f64 / 16_000.0;
        assert!((3.0..3.4).contains(&cut), "{cut}");
        assert_eq!(
            turn.tail(&audio).len(),
            audio.len() - turn.committed_samples
        );
        assert_eq!(
            turn.finish("then the errors dropped."),
            "we rolled back at two then the errors dropped."
        );
    }

    #[test]
    fn nothing_is_committed_without_a_pause_or_too_close_to_the_end() {
        // No pause where the segment ends.
        let audio = speech_with_pauses(8.0, &[]);
        let mut turn = TurnSoFar::default();
        let decode = vec![segment(0.0, 3.0, "one two"), segment(3.0, 6.0, "three")];
        turn.update(decode.clone(), &audio);
        turn.update(decode.clone(), &audio);
        assert_eq!(turn.committed_samples, 0);
        // A pause, but in the last second of the audio.
        let audio = speech_with_pauses(3.5, &[(2.8, 3.0)]);
        let mut turn = TurnSoFar::default();
        let decode = vec![segment(0.0, 2.9, "one two"), segment(3.0, 3.5, "three")];
        turn.update(decode.clone(), &audio);
        turn.update(decode, &audio);
        assert_eq!(turn.committed_samples, 0);
        // The last segment is never committed, agreed or not.
        let audio = speech_with_pauses(8.0, &[(3.0, 3.4)]);
        let mut turn = TurnSoFar::default();
        let decode = vec![segment(0.0, 3.1, "one two")];
        turn.update(decode.clone(), &audio);
        turn.update(decode, &audio);
        assert_eq!(turn.committed, "");
    }

    #[test]
    fn a_decode_up_to_a_pause_commits_the_whole_turn_so_far() {
        let audio = speech_with_pauses(8.0, &[(3.0, 3.4)]);
        let mut turn = TurnSoFar::default();
        turn.update(vec![segment(0.0, 2.0, "we rolled")], &audio[..32_000]);
        turn.commit_all("We rolled back at two.".into(), 52_000);
        assert_eq!(turn.committed, "We rolled back at two.");
        assert_eq!(turn.tail(&audio).len(), audio.len() - 52_000);
        // The next decode is of the tail alone, compared with nothing.
        let tail = turn.tail(&audio).to_vec();
        let partial = turn.update(vec![segment(0.0, 1.0, "then")], &tail);
        assert_eq!(partial.text, "We rolled back at two. then");
        assert_eq!(partial.stable, "We rolled back at two.");
        assert_eq!(
            turn.finish("then it dropped"),
            "We rolled back at two. then it dropped"
        );
    }

    #[test]
    fn disagreeing_decodes_commit_nothing() {
        let audio = speech_with_pauses(8.0, &[(3.0, 3.4)]);
        let mut turn = TurnSoFar::default();
        turn.update(
            vec![segment(0.0, 3.1, "we rolled back"), segment(3.3, 6.0, "x")],
            &audio,
        );
        turn.update(
            vec![segment(0.0, 3.1, "he rolled back"), segment(3.3, 6.0, "x")],
            &audio,
        );
        assert_eq!(turn.committed, "");
    }

    #[test]
    fn the_seam_keeps_a_word_once() {
        assert_eq!(
            join("we rolled back.", "Back at two"),
            "we rolled back. at two"
        );
        assert_eq!(join("", "at two"), "at two");
        assert_eq!(join("at two", ""), "at two");
        assert_eq!(join("a b c", "d e"), "a b c d e");
        assert_eq!(
            join(
                "without review. That's on him.",
                "that's on him. Anyone who"
            ),
            "without review. That's on him. Anyone who"
        );
    }
}
