//! Whisper's log-mel spectrogram, computed here instead of in whisper.cpp.
//!
//! whisper.cpp's own is the same computation with a plain recursive FFT
//! (400 points: halved three times, then a 25-point DFT): 7 % of a
//! one-thread transcription of samples/bench-60s.wav went to it. This one
//! gives whisper.cpp the same numbers, to float rounding, from realfft.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

use crate::audio::SAMPLE_RATE;

/// Samples per analysis frame.
const N_FFT: usize = 400;
/// Samples between frames (10 ms).
const HOP: usize = 160;
/// Frequency bins of one frame.
const N_BINS: usize = N_FFT / 2 + 1;
/// whisper.cpp appends 30 s of silence to every clip; the encoder reads up
/// to twice its window (at most 3,000 frames) from where it seeks.
const PAD_FRAMES: usize = 30 * SAMPLE_RATE as usize / HOP;
/// The floor of a frame's power, as in Whisper: log10 of it is -10.
const FLOOR: f64 = 1e-10;

/// A log-mel spectrogram as whisper.cpp's `whisper_set_mel` takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mel {
    /// Row-major `n_mels` x `n_len`: band `j` of frame `i` is
    /// `data[j * n_len + i]`.
    pub data: Vec<f32>,
    /// Frames in `data`: the audio's and 30 s of silence after it.
    pub n_len: usize,
    /// Frames that hold audio: where decoding stops.
    pub n_audio: usize,
}

/// What a spectrogram is computed with: the model's filterbank, the FFT
/// plan and the window, made once per model.
pub struct MelBank {
    n_mels: usize,
    /// `n_mels` x [`N_BINS`] triangular filters, as in the model file.
    filters: Vec<f32>,
    /// Per band, the bins its filter is nonzero on.
    spans: Vec<std::ops::Range<usize>>,
    fft: Arc<dyn RealToComplex<f32>>,
    hann: Vec<f32>,
}

impl std::fmt::Debug for MelBank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MelBank")
            .field("n_mels", &self.n_mels)
            .finish_non_exhaustive()
    }
}

impl MelBank {
    /// The bank for a model with `n_mels` bands (80, or 128 for large-v3):
    /// the filters are the ones the converter writes into ggml files.
    pub fn new(n_mels: usize) -> MelBank {
        let filters = crate::models::ggml::mel_filters(n_mels, N_FFT, SAMPLE_RATE);
        let spans = filters
            .chunks(N_BINS)
            .map(|row| {
                let first = row.iter().position(|&w| w != 0.0).unwrap_or(0);
                let last = row.iter().rposition(|&w| w != 0.0).map_or(0, |i| i + 1);
                first..last.max(first)
            })
            .collect();
        // Periodic Hann window, as torch.hann_window and whisper.cpp.
        let hann = (0..N_FFT)
            .map(|i| {
                0.5 * (1.0 - (2.0 * std::f64::consts::PI * i as f64 / N_FFT as f64).cos()) as f32
            })
            .collect();
        MelBank {
            n_mels,
            filters,
            spans,
            fft: RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT),
            hann,
        }
    }

    /// The spectrogram of 16 kHz mono `samples`, as whisper.cpp's
    /// `log_mel_spectrogram` computes it: frames centred on every 10 ms
    /// (the first 200 samples reflected before the start), 30 s of silence
    /// after the end, log10 of each band's power, floored at 8 below the
    /// loudest and scaled to (x + 4) / 4.
    pub fn compute(&self, samples: &[f32]) -> Mel {
        let n = samples.len();
        let half = N_FFT / 2;
        // The clip with its reflected start and enough silence after it for
        // every frame that touches audio.
        let mut padded = vec![0f32; half + n + N_FFT];
        for (i, slot) in padded[..half].iter_mut().enumerate() {
            *slot = samples.get(half - i).copied().unwrap_or(0.0);
        }
        padded[half..half + n].copy_from_slice(samples);

        let n_len = (n + PAD_FRAMES * HOP) / HOP;
        let n_audio = (1 + (n + half).saturating_sub(N_FFT) / HOP).min(n_len);
        // Frames that hold any audio; the rest are silence.
        let n_computed = ((n + half) / HOP + 1).min(n_len);
        let silence = FLOOR.log10() as f32;
        let mut data = vec![silence; self.n_mels * n_len];

        let mut input = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0f32; N_BINS];
        for frame in 0..n_computed {
            let offset = frame * HOP;
            for ((x, &s), &w) in input
                .iter_mut()
                .zip(&padded[offset..offset + N_FFT])
                .zip(&self.hann)
            {
                *x = s * w;
            }
            self.fft
                .process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .expect("buffers sized by the plan");
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.re * c.re + c.im * c.im;
            }
            for (band, span) in self.spans.iter().enumerate() {
                let row = &self.filters[band * N_BINS..(band + 1) * N_BINS];
                let sum: f64 = span.clone().map(|k| (power[k] * row[k]) as f64).sum();
                data[band * n_len + frame] = sum.max(FLOOR).log10() as f32;
            }
        }

        let max = data.iter().copied().fold(f32::MIN, f32::max) as f64;
        let floor = max - 8.0;
        for x in &mut data {
            *x = ((*x as f64).max(floor) as f32 + 4.0) / 4.0;
        }
        Mel {
            data,
            n_len,
            n_audio,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_match_whisper_cpp_sizes() {
        let bank = MelBank::new(80);
        // 1 s: whisper.cpp's n_len = (16000 + 480000) / 160 = 3100 and
        // n_len_org = 1 + (16000 + 200 - 400) / 160 = 99.
        let mel = bank.compute(&vec![0.0; SAMPLE_RATE as usize]);
        assert_eq!((mel.n_len, mel.n_audio), (3100, 99));
        assert_eq!(mel.data.len(), 80 * 3100);
        // Silence everywhere: every value is the floor, (-10 + 4) / 4.
        assert!(mel.data.iter().all(|&x| x == -1.5), "{:?}", &mel.data[..4]);
    }

    #[test]
    fn a_tone_lands_in_the_band_of_its_frequency() {
        let bank = MelBank::new(80);
        let tone: Vec<f32> = (0..SAMPLE_RATE as usize)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 16_000.0).sin())
            .collect();
        let mel = bank.compute(&tone);
        let frame = 50;
        let bands: Vec<f32> = (0..80).map(|j| mel.data[j * mel.n_len + frame]).collect();
        let loudest = (0..80)
            .max_by(|&a, &b| bands[a].total_cmp(&bands[b]))
            .unwrap();
        // 440 Hz is in band 10 of Whisper's 80 (librosa's Slaney scale:
        // band centres 397 and 448 Hz around it).
        assert!((9..=11).contains(&loudest), "{loudest}: {bands:?}");
        // The loudest value is (max + 4) / 4, the floor 2 below it.
        let top = bands[loudest];
        assert!(mel.data.iter().all(|&x| x >= top - 2.0 - 1e-5));
        // After the tone, silence: at the floor.
        let after = mel.n_audio + 10;
        assert!((top - 2.0 - mel.data[after]).abs() < 1e-5);
    }
}
