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
//! the leak): the speech belongs to the source where it is loudest. Its
//! longest stretch of own speech, if any ([`Levels::own_speech`]), is kept.

use std::collections::VecDeque;

/// Samples per level frame (the VAD's frame).
pub const FRAME: usize = 512;
/// How far (in frames, either side) a leak may lag or lead its source:
/// 96 ms covers the air between microphones in a room and the playback and
/// capture buffers between a call's audio and a microphone.
pub const LEAK_FRAMES: u64 = 3;
/// The shortest own speech kept from an utterance that is mostly echo
/// (10 frames, 0.32 s: a "yes").
pub const MIN_OWN_FRAMES: u64 = 10;
/// Frames of history kept per source (64 s): more than the longest
/// utterance (60 s) plus the time one is held for the check (1 s).
const KEEP_FRAMES: usize = 2_000;

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

    /// Whether another source than `source` is louder than `level` within
    /// [`LEAK_FRAMES`] of frame `f`.
    fn louder_elsewhere(&self, source: usize, f: u64, level: f32) -> bool {
        self.sources.iter().enumerate().any(|(i, other)| {
            i != source
                && (f.saturating_sub(LEAK_FRAMES)..=f + LEAK_FRAMES).any(|g| other.level(g) > level)
        })
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
            total += level as f64;
            if self.louder_elsewhere(source, f, level) {
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

    /// The longest stretch of `source`'s own speech between these samples,
    /// as (start, end) samples: frames where no other source is louder and
    /// the level is at least a tenth of the stretch's loudest, gaps of up to
    /// [`LEAK_FRAMES`] bridged, at least [`MIN_OWN_FRAMES`] long. An
    /// utterance that is mostly echo keeps this ("yes" said into the tail
    /// of someone else's leak) instead of being dropped whole.
    pub fn own_speech(
        &self,
        source: usize,
        start_sample: u64,
        end_sample: u64,
    ) -> Option<(u64, u64)> {
        let own = self.sources.get(source)?;
        let (first, last) = (start_sample / FRAME as u64, end_sample / FRAME as u64);
        let loudest = (first..last).map(|f| own.level(f)).fold(0f32, f32::max);
        let mut best: Option<(u64, u64)> = None;
        let mut run: Option<(u64, u64)> = None;
        for f in first..last {
            let level = own.level(f);
            if level <= 0.0 || level < 0.1 * loudest || self.louder_elsewhere(source, f, level) {
                continue;
            }
            run = match run {
                Some((a, b)) if f <= b + LEAK_FRAMES + 1 => Some((a, f + 1)),
                _ => Some((f, f + 1)),
            };
            let (a, b) = run.expect("just set");
            if best.is_none_or(|(x, y)| b - a > y - x) {
                best = Some((a, b));
            }
        }
        best.filter(|(a, b)| b - a >= MIN_OWN_FRAMES).map(|(a, b)| {
            (
                (a * FRAME as u64).max(start_sample),
                (b * FRAME as u64).min(end_sample),
            )
        })
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
    fn own_speech_inside_an_echo_is_kept() {
        // Source 0 speaks 6 s; source 1 hears it 40 ms later at half the
        // amplitude and, 2.5 s in, says 0.45 s of its own (louder than what
        // source 0 has then): one utterance of source 1, mostly echo, with
        // its own words at 2.5-2.95 s.
        let speech = burst(96_000, 0.3);
        let mut ch0 = speech.clone();
        let mut ch1 = vec![0.0; 640];
        ch1.extend(speech.iter().map(|x| x * 0.5));
        ch1.truncate(ch0.len());
        for i in 40_000..47_200 {
            ch0[i] *= 0.1;
            ch1[i] = 0.6 * ((i as f32 * 0.21).sin());
        }
        let mut levels = Levels::new(2);
        levels.push(0, &ch0);
        levels.push(1, &ch1);
        assert!(levels.is_echo(1, 0, 96_000));
        let (from, to) = levels.own_speech(1, 0, 96_000).expect("own speech found");
        assert!(
            (39_000..=40_500).contains(&from) && (47_000..=48_500).contains(&to),
            "{from}..{to}"
        );
        // A plain leak has none.
        let mut levels = Levels::new(2);
        levels.push(0, &speech);
        let mut leak = vec![0.0; 640];
        leak.extend(speech.iter().map(|x| x * 0.5));
        leak.truncate(speech.len());
        levels.push(1, &leak);
        assert!(levels.is_echo(1, 0, 96_000));
        assert_eq!(levels.own_speech(1, 0, 96_000), None);
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
