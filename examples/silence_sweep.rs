//! How the end-of-speech silence splits turns: a measurement for choosing
//! `--min-silence-ms` (the wait after the last word before a turn is
//! transcribed, so a direct part of turn latency).
//!
//! ```sh
//! cargo run --release --example silence_sweep
//! ```
//!
//! Silero VAD runs once over each sample; the segmenter then runs with each
//! candidate silence over the same probabilities (it is a pure state
//! machine, so this is exactly what the live pipeline would cut). For the
//! synthetic meetings, whose turns are known (`*.truth.jsonl`), it counts
//! the cuts that fall inside a scripted turn; for the real recordings (one
//! reader each, a sentence or less per file), every cut inside a file is a
//! cut in the middle of a sentence.

use std::path::{Path, PathBuf};

use blameless::vad::{self, SegmentEvent, Segmenter, SegmenterConfig, Vad};

const SILENCES_MS: [u32; 6] = [300, 400, 500, 600, 700, 800];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    let models = blameless::config::Paths::resolve(None, None).models;
    let vad_path = vad::model_path(&models)?;

    println!("cuts inside a turn (a turn split in two or more) per end-of-speech silence");
    print!("{:<28}", "sample");
    for ms in SILENCES_MS {
        print!("{:>8}", format!("{ms} ms"));
    }
    println!();
    for (meeting, max_s) in [("postmortem", 20), ("longturns", 20), ("longturns", 60)] {
        let probs = probabilities(&vad_path, &root.join(format!("{meeting}.wav")))?;
        let turns = truth(&root.join(format!("{meeting}.truth.jsonl")))?;
        print!(
            "{:<28}",
            format!("{meeting}, max {max_s} s ({} turns)", turns.len())
        );
        for ms in SILENCES_MS {
            let cuts = utterance_ends(&probs, ms, max_s * 1000);
            let inside = cuts
                .iter()
                .filter(|&&cut| turns.iter().any(|&(s, e)| cut > s + 0.2 && cut < e - 0.2))
                .count();
            print!("{inside:>8}");
        }
        println!();
    }
    let mut totals = [0usize; SILENCES_MS.len()];
    let real = [
        "jfk",
        "librivox-0870",
        "librivox-0880",
        "librivox-0890",
        "librivox-0920",
        "librivox-0930",
    ];
    for name in real {
        let probs = probabilities(&vad_path, &root.join(format!("{name}.wav")))?;
        for (i, ms) in SILENCES_MS.into_iter().enumerate() {
            // All but the last utterance end inside the recording's sentence.
            totals[i] += utterance_ends(&probs, ms, 20_000).len().saturating_sub(1);
        }
    }
    print!("{:<28}", "real speech (6 recordings)");
    for n in totals {
        print!("{n:>8}");
    }
    println!();
    Ok(())
}

/// Silero's speech probability per 32 ms frame, fed in 100 ms chunks as
/// live capture would.
fn probabilities(vad_path: &Path, audio: &Path) -> Result<Vec<f32>, Box<dyn std::error::Error>> {
    let samples = blameless::audio::read_file(audio)?.mono;
    let mut vad = Vad::load(vad_path)?;
    let mut probs = Vec::new();
    for chunk in samples.chunks(1_600) {
        probs.extend(vad.push(chunk)?);
    }
    Ok(probs)
}

/// Where the utterances end, in seconds, with `min_silence_ms`, utterances
/// of at most `max_utterance_ms` and the live pipeline's other settings.
fn utterance_ends(probs: &[f32], min_silence_ms: u32, max_utterance_ms: u32) -> Vec<f64> {
    let mut segmenter = Segmenter::new(&SegmenterConfig {
        min_silence_ms,
        max_utterance_ms,
        ..SegmenterConfig::default()
    });
    let mut events = segmenter.push(probs);
    events.extend(segmenter.finish());
    events
        .into_iter()
        .filter_map(|event| match event {
            SegmentEvent::SpeechEnd { end_sample, .. } => Some(end_sample as f64 / 16_000.0),
            SegmentEvent::SpeechStart { .. } => None,
        })
        .collect()
}

/// (start, end) of each scripted turn, in seconds.
fn truth(path: &Path) -> Result<Vec<(f64, f64)>, Box<dyn std::error::Error>> {
    let mut turns = Vec::new();
    for line in std::fs::read_to_string(path)?.lines() {
        let turn: serde_json::Value = serde_json::from_str(line)?;
        turns.push((
            turn["start"].as_f64().unwrap_or(0.0),
            turn["end"].as_f64().unwrap_or(0.0),
        ));
    }
    Ok(turns)
}
