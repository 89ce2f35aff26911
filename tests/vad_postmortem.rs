//! The whole detector (Silero VAD + segmenter) on the synthetic post-mortem
//! meeting (samples/postmortem.wav): utterances follow the turns, with
//! boundaries close to the truth and nothing in the silences between turns.
//!
//! The meeting is a hard case for the minimum silence: turns are 0.6 to
//! 1.2 s apart, but Maya's and Greg's voice (espeak-ng) pause up to 0.49 s
//! between sentences. With the default 500 ms a few long turns come out as
//! two utterances split at such a pause; with 550 ms every turn is exactly
//! one utterance.

mod common;

use blameless::vad::{self, SegmentEvent, Segmenter, SegmenterConfig, Vad};

/// Largest distance allowed between a detected and a true boundary (padding
/// included), in seconds.
const TOLERANCE_S: f64 = 0.3;

const RATE: f64 = 16_000.0;

struct Turn {
    start_s: f64,
    end_s: f64,
}

fn truth() -> Vec<Turn> {
    let text = std::fs::read_to_string(common::sample("postmortem.truth.jsonl")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            Turn {
                start_s: v["start"].as_f64().unwrap(),
                end_s: v["end"].as_f64().unwrap(),
            }
        })
        .collect()
}

fn meeting() -> Vec<f32> {
    blameless::audio::read_file(&common::sample("postmortem.wav"))
        .unwrap_or_else(|e| panic!("{e}"))
        .mono
}

/// Runs VAD and segmenter over `samples` in 100 ms chunks, as live capture
/// would, and returns the utterances as (start, end) in seconds.
fn utterances(samples: &[f32], config: &SegmenterConfig) -> Vec<(f64, f64)> {
    let path = vad::model_path(&common::models_dir()).unwrap_or_else(|e| {
        panic!("{e} (scripts/test.sh does; set BLAMELESS_MODELS to use another directory)")
    });
    let mut vad = Vad::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut segmenter = Segmenter::new(config);
    let mut events = Vec::new();
    for chunk in samples.chunks(1_600) {
        events.extend(segmenter.push(&vad.push(chunk).unwrap()));
    }
    events.extend(segmenter.finish());
    events
        .into_iter()
        .filter_map(|event| match event {
            SegmentEvent::SpeechEnd {
                start_sample,
                end_sample,
            } => Some((start_sample as f64 / RATE, end_sample as f64 / RATE)),
            SegmentEvent::SpeechStart { .. } => None,
        })
        .collect()
}

/// Checks `found` against the truth; returns the problems and a table.
/// Several utterances in one turn are allowed when `allow_splits`, but only
/// at a real pause: the audio between them must be quiet.
fn compare(samples: &[f32], found: &[(f64, f64)], allow_splits: bool) -> (Vec<String>, String) {
    let turns = truth();
    let mut problems = Vec::new();
    let mut report = String::new();
    for (i, turn) in turns.iter().enumerate() {
        let inside: Vec<(f64, f64)> = found
            .iter()
            .copied()
            .filter(|&(start, end)| start < turn.end_s && end > turn.start_s)
            .collect();
        report += &format!("turn {i:2} {:7.3}..{:7.3}:", turn.start_s, turn.end_s);
        for (start, end) in &inside {
            report += &format!(
                " {start:7.3}..{end:7.3} ({:+.3} {:+.3})",
                start - turn.start_s,
                end - turn.end_s
            );
        }
        report += "\n";
        let (Some(first), Some(last)) = (inside.first(), inside.last()) else {
            problems.push(format!("turn {i} not detected"));
            continue;
        };
        if (first.0 - turn.start_s).abs() > TOLERANCE_S {
            problems.push(format!(
                "turn {i}: start off by {:+.3} s",
                first.0 - turn.start_s
            ));
        }
        if (last.1 - turn.end_s).abs() > TOLERANCE_S {
            problems.push(format!(
                "turn {i}: end off by {:+.3} s",
                last.1 - turn.end_s
            ));
        }
        if inside.len() > 1 && !allow_splits {
            problems.push(format!("turn {i} split into {} utterances", inside.len()));
        }
        for pair in inside.windows(2) {
            let pause = &samples[(pair[0].1 * RATE) as usize..(pair[1].0 * RATE) as usize];
            let peak = pause.iter().fold(0.0_f32, |m, x| m.max(x.abs()));
            if peak > 0.01 {
                problems.push(format!(
                    "turn {i} split at {:.3}..{:.3}, which is not quiet (peak {peak:.3})",
                    pair[0].1, pair[1].0
                ));
            }
        }
    }
    // Nothing in the gaps: every utterance lies within one turn.
    for &(start, end) in found {
        let n_turns = turns
            .iter()
            .filter(|t| start < t.end_s && end > t.start_s)
            .count();
        if n_turns != 1 {
            problems.push(format!(
                "utterance {start:.3}..{end:.3} overlaps {n_turns} turns"
            ));
        }
    }
    report += &format!("{} utterances for {} turns\n", found.len(), turns.len());
    (problems, report)
}

#[test]
fn default_settings_follow_the_turns_and_split_only_at_pauses() {
    let samples = meeting();
    let found = utterances(&samples, &SegmenterConfig::default());
    let (problems, report) = compare(&samples, &found, true);
    eprintln!("{report}");
    assert!(problems.is_empty(), "{}\n{report}", problems.join("\n"));
}

#[test]
fn a_longer_min_silence_gives_one_utterance_per_turn() {
    let samples = meeting();
    let config = SegmenterConfig {
        min_silence_ms: 550,
        ..SegmenterConfig::default()
    };
    let found = utterances(&samples, &config);
    let (problems, report) = compare(&samples, &found, false);
    eprintln!("{report}");
    assert!(problems.is_empty(), "{}\n{report}", problems.join("\n"));
}
