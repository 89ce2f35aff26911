//! Cutting long audio into windows at pauses.
//!
//! Whisper sees 30 s at a time. Left to itself on long audio, whisper.cpp moves
//! its window by the last timestamp the model predicted, and tiny models
//! sometimes predict past words they never wrote down: whole sentences vanish.
//! Cutting at pauses first gives each decode a window that starts and ends in
//! silence, so nothing is skipped and no word is cut in half.

use crate::audio::SAMPLE_RATE;

/// 30 ms analysis frames.
const FRAME: usize = 480;

/// A window of audio to decode, in samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
}

/// Splits `samples` into windows of at most `max_seconds`, cutting in the
/// middle of pauses (runs of quiet frames at least `min_pause_s` long). A
/// stretch with no pause is cut at its quietest frame. Windows that hold no
/// frame above `min_rms` are left out.
pub fn windows(samples: &[f32], max_seconds: f64, min_pause_s: f64, min_rms: f32) -> Vec<Window> {
    let rms: Vec<f32> = samples
        .chunks(FRAME)
        .map(|f| (f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32).sqrt())
        .collect();
    if rms.is_empty() {
        return Vec::new();
    }
    let threshold = quiet_threshold(&rms, min_rms);
    let quiet: Vec<bool> = rms.iter().map(|&r| r < threshold).collect();
    let max_frames = ((max_seconds * SAMPLE_RATE as f64) as usize / FRAME).max(1);
    let min_pause = ((min_pause_s * SAMPLE_RATE as f64) as usize / FRAME).max(1);

    // Candidate cut points: inside every long enough pause, near both of its
    // edges (so windows hug the speech) and in its middle.
    let mut cuts = Vec::new();
    let mut run_start = None;
    for (i, &q) in quiet.iter().chain(std::iter::once(&false)).enumerate() {
        match (q, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(s)) => {
                if i - s >= min_pause {
                    cuts.extend([s + min_pause / 2, (s + i) / 2, i - min_pause / 2]);
                }
                run_start = None;
            }
            _ => {}
        }
    }

    // Greedily take the furthest cut that keeps the window under the limit.
    let n = rms.len();
    let mut bounds = vec![0];
    let mut start = 0;
    while n - start > max_frames {
        let limit = start + max_frames;
        let cut = cuts
            .iter()
            .copied()
            .rfind(|&c| c > start && c <= limit)
            .unwrap_or_else(|| {
                // No pause: cut at the quietest frame in the last third.
                let from = start + max_frames * 2 / 3;
                (from..limit)
                    .min_by(|&a, &b| rms[a].total_cmp(&rms[b]))
                    .unwrap_or(limit)
            });
        bounds.push(cut);
        start = cut;
    }
    bounds.push(n);

    bounds
        .windows(2)
        .filter(|w| rms[w[0]..w[1]].iter().any(|&r| r >= min_rms))
        .map(|w| Window {
            start: w[0] * FRAME,
            end: (w[1] * FRAME).min(samples.len()),
        })
        .collect()
}

/// Frames below this are pauses: a little above the noise floor (the 10th
/// percentile of frame levels) but well below the typical level (the median,
/// which is speech when someone talks throughout), and never below the
/// silence level.
fn quiet_threshold(rms: &[f32], min_rms: f32) -> f32 {
    let mut sorted = rms.to_vec();
    sorted.sort_by(f32::total_cmp);
    let floor = sorted[sorted.len() / 10];
    let median = sorted[sorted.len() / 2];
    (floor * 2.0).min(median * 0.5).max(min_rms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(seconds: f64) -> Vec<f32> {
        (0..(seconds * 16_000.0) as usize)
            .map(|i| 0.3 * (i as f32 * 0.07).sin())
            .collect()
    }

    fn silence(seconds: f64) -> Vec<f32> {
        vec![0.0; (seconds * 16_000.0) as usize]
    }

    #[test]
    fn short_audio_is_one_window() {
        let audio = tone(5.0);
        assert_eq!(
            windows(&audio, 28.0, 0.3, 0.003),
            vec![Window {
                start: 0,
                end: audio.len()
            }]
        );
    }

    #[test]
    fn cuts_fall_inside_pauses_and_respect_the_limit() {
        let mut audio = Vec::new();
        for _ in 0..6 {
            audio.extend(tone(8.0));
            audio.extend(silence(1.0));
        }
        let w = windows(&audio, 20.0, 0.3, 0.003);
        assert!(w.len() >= 3, "{w:?}");
        for win in &w {
            assert!(
                (win.end - win.start) as f64 / 16_000.0 <= 20.0 + 0.03,
                "{win:?}"
            );
            // Every cut lies in silence.
            if win.end < audio.len() {
                assert_eq!(audio[win.end], 0.0, "{win:?}");
            }
        }
        assert_eq!(w[0].start, 0);
        assert_eq!(w.last().unwrap().end, audio.len());
    }

    #[test]
    fn speech_without_pauses_is_still_cut() {
        let audio = tone(70.0);
        let w = windows(&audio, 28.0, 0.3, 0.003);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w
            .iter()
            .all(|win| win.end - win.start <= 28 * 16_000 + FRAME));
    }

    #[test]
    fn silent_windows_are_dropped() {
        let mut audio = tone(10.0);
        audio.extend(silence(40.0));
        audio.extend(tone(10.0));
        let w = windows(&audio, 20.0, 0.3, 0.003);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(windows(&silence(60.0), 20.0, 0.3, 0.003).is_empty());
    }
}
