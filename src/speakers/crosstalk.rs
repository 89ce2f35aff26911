//! [`Levels`]: is this utterance someone's speech, or its echo in another
//! source?
//!
//! With a microphone per person (a multi-channel recorder, a call recorded
//! as one channel per side, a laptop microphone next to the system audio),
//! each person's speech also reaches the other sources, quieter and a little
//! later: through the air to a second microphone, or out of the speakers
//! into the microphone. The voice activity detector hears that leak as
//! speech, and without this check it would become a second turn with the
//! same words.
//!
//! Each source's level is kept as the mean square of every 512-sample frame
//! (32 ms). An utterance of one source is an echo when most of its energy
//! sits in frames where another source is louder (that source's level taken
//! as its loudest within [`LEAK_FRAMES`] frames either side, for the delay of
//! the leak): the speech belongs to the source where it is loudest.

use std::collections::VecDeque;

/// Samples per level frame (the VAD's frame).
pub const FRAME: usize = 512;
/// How far (in frames, either side) a leak may lag or lead its source:
/// 96 ms covers the air between microphones in a room and the playback and
/// capture buffers between a call's audio and a microphone.
pub const LEAK_FRAMES: u64 = 3;
/// Frames of history kept per source (60 s): more than the longest
/// utterance (20 s) plus the time one is held for the check.
const KEEP_FRAMES: usize = 1875;

/// One source's frame levels.
#[derive(Debug, Default, Clone)]
struct SourceLevels {
    /// Index of the first kept frame.
    first: u64,
    /// Mean square of each whole frame.
    frames: VecDeque<f32>,
    /// The frame being filled: sum of squares and samples so far.
    sum: f64,
    n: usize,
}

impl SourceLevels {
    fn level(&self, frame: u64) -> f32 {
        frame
            .checked_sub(self.first)
            .and_then(|i| self.frames.get(i as usize))
            .copied()
            .unwrap_or(0.0)
    }
}

/// Frame levels of every source of a meeting (see the module docs).
#[derive(Debug, Clone)]
pub struct Levels {
    sources: Vec<SourceLevels>,
}

impl Levels {
    /// Levels for `n_sources` sources, all starting at sample 0.
    pub fn new(n_sources: usize) -> Levels {
        Levels {
            sources: vec![SourceLevels::default(); n_sources],
        }
    }

    /// Adds the next samples of `source`.
    pub fn push(&mut self, source: usize, samples: &[f32]) {
        let Some(s) = self.sources.get_mut(source) else {
            return;
        };
        for &x in samples {
            s.sum += x as f64 * x as f64;
            s.n += 1;
            if s.n == FRAME {
                s.frames.push_back((s.sum / FRAME as f64) as f32);
                (s.sum, s.n) = (0.0, 0);
                if s.frames.len() > KEEP_FRAMES {
                    s.frames.pop_front();
                    s.first += 1;
                }
            }
        }
    }

    /// How many sources there are.
    pub fn n_sources(&self) -> usize {
        self.sources.len()
    }

    /// Whole frames heard from `source` so far.
    pub fn frames(&self, source: usize) -> u64 {
        self.sources
            .get(source)
            .map_or(0, |s| s.first + s.frames.len() as u64)
    }

    /// The share (0 to 1) of the energy of `source` between these samples
    /// that sits in frames where another source is louder.
    pub fn echo_share(&self, source: usize, start_sample: u64, end_sample: u64) -> f32 {
        let Some(own) = self.sources.get(source) else {
            return 0.0;
        };
        let (first, last) = (start_sample / FRAME as u64, end_sample / FRAME as u64);
        let (mut total, mut echo) = (0f64, 0f64);
        for f in first..last {
            let level = own.level(f);
            let louder_elsewhere = self.sources.iter().enumerate().any(|(i, other)| {
                i != source
                    && (f.saturating_sub(LEAK_FRAMES)..=f + LEAK_FRAMES)
                        .any(|g| other.level(g) > level)
            });
            total += level as f64;
            if louder_elsewhere {
                echo += level as f64;
            }
        }
        if total > 0.0 {
            (echo / total) as f32
        } else {
            0.0
        }
    }

    /// Whether that stretch of `source` is mostly another source's speech.
    pub fn is_echo(&self, source: usize, start_sample: u64, end_sample: u64) -> bool {
        self.echo_share(source, start_sample, end_sample) > 0.5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A burst of noise-like speech at `amplitude` from `start` for `len` samples.
    fn burst(len: usize, amplitude: f32) -> Vec<f32> {
        (0..len)
            .map(|i| amplitude * ((i as f32 * 0.37).sin() + (i as f32 * 0.113).cos()))
            .collect()
    }

    #[test]
    fn the_quieter_delayed_copy_is_the_echo() {
        // Source 0 speaks 1 s; source 1 hears it 40 ms later at a quarter.
        let speech = burst(16_000, 0.3);
        let mut ch0 = vec![0.0; 4_000];
        ch0.extend(&speech);
        ch0.extend(vec![0.0; 4_000]);
        let mut ch1 = vec![0.0; 4_640];
        ch1.extend(speech.iter().map(|x| x * 0.25));
        ch1.resize(ch0.len(), 0.0);
        let mut levels = Levels::new(2);
        levels.push(0, &ch0);
        levels.push(1, &ch1);
        assert!(levels.is_echo(1, 4_000, 21_000));
        assert!(!levels.is_echo(0, 4_000, 21_000));
        assert!(levels.echo_share(0, 4_000, 21_000) < 0.05);
    }

    #[test]
    fn both_speaking_at_once_is_no_echo() {
        let a = burst(16_000, 0.3);
        let b: Vec<f32> = burst(16_000, 0.3).iter().rev().copied().collect();
        let mut levels = Levels::new(2);
        // Each hears itself loud and the other at a quarter, and each is
        // loud half of the time.
        let mix = |own: &[f32], other: &[f32], first_half: bool| -> Vec<f32> {
            own.iter()
                .zip(other)
                .enumerate()
                .map(|(i, (x, y))| {
                    let on = (i < 8_000) == first_half;
                    if on {
                        x + 0.25 * y * 0.1
                    } else {
                        0.1 * x + 0.25 * y
                    }
                })
                .collect()
        };
        levels.push(0, &mix(&a, &b, true));
        levels.push(1, &mix(&b, &a, false));
        assert!(!levels.is_echo(0, 0, 16_000));
        assert!(!levels.is_echo(1, 0, 16_000));
    }

    #[test]
    fn one_source_never_echoes_and_old_frames_are_dropped() {
        let mut levels = Levels::new(1);
        levels.push(0, &burst(8_000, 0.3));
        assert!(!levels.is_echo(0, 0, 8_000));
        let mut levels = Levels::new(2);
        levels.push(0, &vec![0.1; FRAME * (KEEP_FRAMES + 10)]);
        assert_eq!(levels.frames(0), (KEEP_FRAMES + 10) as u64);
        assert_eq!(levels.sources[0].frames.len(), KEEP_FRAMES);
        assert_eq!(levels.frames(1), 0);
    }
}
