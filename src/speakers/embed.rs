//! [`Embedder`]: Resemblyzer's GE2E speaker encoder, run in Rust.
//!
//! Features: the utterance is raised (never lowered) to -30 dBFS, cut into
//! 25 ms frames every 10 ms (periodic Hann window, centred with 200 zeros on
//! each side, 400-point FFT), and the *power* spectrum goes through 40
//! Slaney-style mel filters (0-8 kHz, area-normalised). No logarithm: the model
//! was trained that way. Model: partials of 160 frames (1.6 s) every 77 frames,
//! each through a 3-layer LSTM (hidden 256) from zero state; the last hidden
//! state of the top layer goes through a linear layer, ReLU and L2
//! normalisation. The utterance embedding is the L2-normalised mean of the
//! partials. This matches `resemblyzer==0.1.4`'s `embed_utterance` (checked
//! against numbers computed once with librosa; see `tests/speakers_embed.rs`).

use std::path::Path;
use std::sync::Arc;

use realfft::RealFftPlanner;

use super::SpeakerError;
use crate::audio::SAMPLE_RATE;

/// Width of an embedding.
pub const EMBEDDING_DIM: usize = 256;
/// Mel bands.
const N_MELS: usize = 40;
/// FFT size and window length (25 ms).
const N_FFT: usize = 400;
/// Frequency bins of the one-sided spectrum.
const N_BINS: usize = N_FFT / 2 + 1;
/// Hop between frames (10 ms).
const HOP: usize = 160;
/// LSTM width.
const HIDDEN: usize = 256;
/// Stacked LSTM layers.
const LAYERS: usize = 3;
/// Frames in one partial (1.6 s).
pub const PARTIAL_FRAMES: usize = 160;
/// Frames between partial starts (round(16000 / 1.3 / 160)).
pub const PARTIAL_STEP: usize = 77;
/// A last partial covering less than this share of real audio is dropped.
const MIN_COVERAGE: f64 = 0.75;
/// Target level: quieter audio is raised to it, louder audio is left alone.
const TARGET_DBFS: f64 = -30.0;

/// Magic at the start of an installed weights file (see [`convert`]).
pub(crate) const MAGIC: &[u8; 8] = b"BLGE2E01";

/// The tensors of the weights file, in file order, with their shapes.
pub(crate) const TENSORS: &[(&str, [usize; 2])] = &[
    ("lstm.weight_ih_l0", [4 * HIDDEN, N_MELS]),
    ("lstm.weight_hh_l0", [4 * HIDDEN, HIDDEN]),
    ("lstm.bias_ih_l0", [4 * HIDDEN, 1]),
    ("lstm.bias_hh_l0", [4 * HIDDEN, 1]),
    ("lstm.weight_ih_l1", [4 * HIDDEN, HIDDEN]),
    ("lstm.weight_hh_l1", [4 * HIDDEN, HIDDEN]),
    ("lstm.bias_ih_l1", [4 * HIDDEN, 1]),
    ("lstm.bias_hh_l1", [4 * HIDDEN, 1]),
    ("lstm.weight_ih_l2", [4 * HIDDEN, HIDDEN]),
    ("lstm.weight_hh_l2", [4 * HIDDEN, HIDDEN]),
    ("lstm.bias_ih_l2", [4 * HIDDEN, 1]),
    ("lstm.bias_hh_l2", [4 * HIDDEN, 1]),
    ("linear.weight", [EMBEDDING_DIM, HIDDEN]),
    ("linear.bias", [EMBEDDING_DIM, 1]),
];

/// Converts Resemblyzer's `pretrained.pt` (legacy torch pickle) into the
/// weights file [`Embedder::load`] reads: [`MAGIC`], then each tensor of
/// [`TENSORS`] as little-endian f32, in that order.
pub fn convert(checkpoint: &[u8]) -> Result<Vec<u8>, String> {
    let state = super::torch_pickle::read_state_dict(checkpoint, "model_state")?;
    let mut out = MAGIC.to_vec();
    for (name, [rows, cols]) in TENSORS {
        let t = state
            .get(*name)
            .ok_or_else(|| format!("no tensor {name} in the checkpoint"))?;
        if t.data.len() != rows * cols {
            return Err(format!(
                "{name} has shape {:?}, expected [{rows}, {cols}]",
                t.shape
            ));
        }
        for x in &t.data {
            out.extend(x.to_le_bytes());
        }
    }
    Ok(out)
}

/// One LSTM layer's weights.
struct Layer {
    /// Input weights [4H, in], gates (input, forget, cell, output).
    w_ih: Vec<f32>,
    /// Recurrent weights [4H, H].
    w_hh: Vec<f32>,
    /// Sum of both biases [4H].
    bias: Vec<f32>,
    /// Input width.
    n_in: usize,
}

/// The loaded weights (shared between clones of an [`Embedder`]).
struct Weights {
    layers: Vec<Layer>,
    /// [256, 256].
    linear_w: Vec<f32>,
    /// [256].
    linear_b: Vec<f32>,
    /// Mel filters [40, 201].
    mel_filters: Vec<f32>,
    /// Periodic Hann window, 400 samples.
    window: Vec<f32>,
}

/// The GE2E speaker encoder. Cheap to clone; blocking CPU work (about 20 ms
/// per 1.6 s partial on one core), so run it off the async runtime.
#[derive(Clone)]
pub struct Embedder {
    weights: Arc<Weights>,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder").finish_non_exhaustive()
    }
}

/// One partial's embedding and where it sits in the utterance.
#[derive(Debug, Clone)]
pub struct Partial {
    /// Start in seconds from the start of the utterance.
    pub start: f64,
    /// End in seconds (may pass the end of the audio: the last partial is padded).
    pub end: f64,
    /// L2-normalised embedding.
    pub embedding: Vec<f32>,
}

/// The embedding of an utterance and of its partials.
#[derive(Debug, Clone)]
pub struct UtteranceEmbedding {
    /// L2-normalised mean of the partials.
    pub embedding: Vec<f32>,
    /// The 1.6 s windows it was averaged from.
    pub partials: Vec<Partial>,
    /// Length of the utterance in seconds.
    pub duration: f64,
}

impl Embedder {
    /// Loads a weights file written by [`convert`] (see [`super::model_path`]).
    pub fn load(path: &Path) -> Result<Embedder, SpeakerError> {
        let bytes = std::fs::read(path).map_err(|e| SpeakerError::Load {
            model: super::MODEL_NAME,
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Embedder::from_bytes(&bytes).map_err(|message| SpeakerError::Load {
            model: super::MODEL_NAME,
            path: path.to_owned(),
            message,
        })
    }

    fn from_bytes(bytes: &[u8]) -> Result<Embedder, String> {
        let body = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or("not a blameless GE2E weights file")?;
        let expected: usize = TENSORS.iter().map(|(_, [r, c])| r * c * 4).sum();
        if body.len() != expected {
            return Err(format!(
                "{} bytes of weights, expected {expected}",
                body.len()
            ));
        }
        let mut floats = body
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")));
        let mut next = |n: usize| floats.by_ref().take(n).collect::<Vec<f32>>();
        let mut layers = Vec::new();
        for l in 0..LAYERS {
            let n_in = if l == 0 { N_MELS } else { HIDDEN };
            let w_ih = next(4 * HIDDEN * n_in);
            let w_hh = next(4 * HIDDEN * HIDDEN);
            let b_ih = next(4 * HIDDEN);
            let b_hh = next(4 * HIDDEN);
            let bias = b_ih.iter().zip(&b_hh).map(|(a, b)| a + b).collect();
            layers.push(Layer {
                w_ih,
                w_hh,
                bias,
                n_in,
            });
        }
        let linear_w = next(EMBEDDING_DIM * HIDDEN);
        let linear_b = next(EMBEDDING_DIM);
        Ok(Embedder {
            weights: Arc::new(Weights {
                layers,
                linear_w,
                linear_b,
                mel_filters: mel_filters(),
                window: (0..N_FFT)
                    .map(|i| {
                        let x = std::f64::consts::PI * 2.0 * i as f64 / N_FFT as f64;
                        (0.5 - 0.5 * x.cos()) as f32
                    })
                    .collect(),
            }),
        })
    }

    /// Embeds one utterance of 16 kHz mono samples. Audio shorter than a
    /// partial is zero-padded to one partial (the embedding is then weaker).
    pub fn embed(&self, samples: &[f32]) -> UtteranceEmbedding {
        let wav = raise_volume(samples);
        let slices = partial_slices(wav.len());
        let padded_len = slices.last().map_or(0, |&s| (s + PARTIAL_FRAMES) * HOP);
        let mut wav = wav;
        if padded_len >= wav.len() {
            wav.resize(padded_len, 0.0);
        }
        let mel = self.mel_frames(&wav);
        let embeddings = self.run_partials(&mel, &slices);
        let mut mean = vec![0.0f32; EMBEDDING_DIM];
        for e in &embeddings {
            for (m, x) in mean.iter_mut().zip(e) {
                *m += x;
            }
        }
        normalise(&mut mean);
        let rate = SAMPLE_RATE as f64;
        UtteranceEmbedding {
            duration: samples.len() as f64 / rate,
            embedding: mean,
            partials: slices
                .iter()
                .zip(embeddings)
                .map(|(&s, embedding)| Partial {
                    start: (s * HOP) as f64 / rate,
                    end: ((s + PARTIAL_FRAMES) * HOP) as f64 / rate,
                    embedding,
                })
                .collect(),
        }
    }

    /// Mel power frames [n_frames][40] of a (padded) utterance, centred frames.
    pub fn mel_frames(&self, wav: &[f32]) -> Vec<[f32; N_MELS]> {
        let w = &self.weights;
        let n_frames = 1 + wav.len() / HOP;
        let pad = N_FFT / 2;
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(N_FFT);
        let mut input = fft.make_input_vec();
        let mut spectrum = fft.make_output_vec();
        let mut scratch = fft.make_scratch_vec();
        let mut power = [0f32; N_BINS];
        let mut out = Vec::with_capacity(n_frames);
        for f in 0..n_frames {
            for (i, x) in input.iter_mut().enumerate() {
                // Sample index in the zero-padded signal.
                let j = (f * HOP + i).checked_sub(pad);
                let s = j.and_then(|j| wav.get(j)).copied().unwrap_or(0.0);
                *x = s * w.window[i];
            }
            fft.process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .expect("buffers sized by the planner");
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.re * c.re + c.im * c.im;
            }
            let mut frame = [0f32; N_MELS];
            for (m, value) in frame.iter_mut().enumerate() {
                let filter = &w.mel_filters[m * N_BINS..(m + 1) * N_BINS];
                *value = filter.iter().zip(&power).map(|(a, b)| a * b).sum();
            }
            out.push(frame);
        }
        out
    }

    /// Runs the LSTM over all partials at once (a batch) and returns their
    /// embeddings.
    fn run_partials(&self, mel: &[[f32; N_MELS]], starts: &[usize]) -> Vec<Vec<f32>> {
        let w = &self.weights;
        let batch = starts.len();
        let t_len = PARTIAL_FRAMES;
        let gates = 4 * HIDDEN;
        // Layer input, [t][b][n_in].
        let mut x: Vec<f32> = Vec::with_capacity(t_len * batch * N_MELS);
        for t in 0..t_len {
            for &s in starts {
                x.extend_from_slice(&mel[s + t]);
            }
        }
        let mut h = vec![0f32; batch * HIDDEN];
        let mut c = vec![0f32; batch * HIDDEN];
        let mut g_in = vec![0f32; t_len * batch * gates];
        let mut g = vec![0f32; batch * gates];
        for layer in &w.layers {
            // Input projection for every step at once: [t*b, n_in] x [n_in, 4H].
            sgemm(
                &x,
                t_len * batch,
                layer.n_in,
                &layer.w_ih,
                gates,
                &mut g_in,
                0.0,
            );
            h.fill(0.0);
            c.fill(0.0);
            let mut y = vec![0f32; t_len * batch * HIDDEN];
            for t in 0..t_len {
                g.copy_from_slice(&g_in[t * batch * gates..(t + 1) * batch * gates]);
                sgemm(&h, batch, HIDDEN, &layer.w_hh, gates, &mut g, 1.0);
                for b in 0..batch {
                    let gb = &g[b * gates..(b + 1) * gates];
                    let hb = &mut h[b * HIDDEN..(b + 1) * HIDDEN];
                    let cb = &mut c[b * HIDDEN..(b + 1) * HIDDEN];
                    for k in 0..HIDDEN {
                        let i = sigmoid(gb[k] + layer.bias[k]);
                        let f = sigmoid(gb[HIDDEN + k] + layer.bias[HIDDEN + k]);
                        let cell = (gb[2 * HIDDEN + k] + layer.bias[2 * HIDDEN + k]).tanh();
                        let o = sigmoid(gb[3 * HIDDEN + k] + layer.bias[3 * HIDDEN + k]);
                        cb[k] = f * cb[k] + i * cell;
                        hb[k] = o * cb[k].tanh();
                    }
                }
                y[t * batch * HIDDEN..(t + 1) * batch * HIDDEN].copy_from_slice(&h);
            }
            x = y;
        }
        // h is the last hidden state of the top layer.
        (0..batch)
            .map(|b| {
                let hb = &h[b * HIDDEN..(b + 1) * HIDDEN];
                let mut e: Vec<f32> = (0..EMBEDDING_DIM)
                    .map(|j| {
                        let row = &w.linear_w[j * HIDDEN..(j + 1) * HIDDEN];
                        let v: f32 = row.iter().zip(hb).map(|(a, b)| a * b).sum();
                        (v + w.linear_b[j]).max(0.0)
                    })
                    .collect();
                normalise(&mut e);
                e
            })
            .collect()
    }
}

/// `out[m, n] = beta * out + a[m, k] x w[n, k]^T` (row-major `a`, `w`, `out`).
fn sgemm(a: &[f32], m: usize, k: usize, w: &[f32], n: usize, out: &mut [f32], beta: f32) {
    assert!(a.len() >= m * k && w.len() >= n * k && out.len() >= m * n);
    // SAFETY: the assert above keeps every index matrixmultiply computes from
    // these dimensions and strides inside the three slices.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            w.as_ptr(),
            1,
            k as isize,
            beta,
            out.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Scales to unit length (leaves a zero vector alone).
pub fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Cosine similarity of two L2-normalised vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Raises quiet audio to [`TARGET_DBFS`] (RMS of the int16-scaled signal, as
/// Resemblyzer measures it); never lowers it.
fn raise_volume(samples: &[f32]) -> Vec<f32> {
    if samples.is_empty() {
        return Vec::new();
    }
    let mean_square = samples
        .iter()
        .map(|&s| {
            let v = s as f64 * 32767.0;
            v * v
        })
        .sum::<f64>()
        / samples.len() as f64;
    let rms = mean_square.sqrt();
    if rms == 0.0 {
        return samples.to_vec();
    }
    let change = TARGET_DBFS - 20.0 * (rms / 32767.0).log10();
    if change <= 0.0 {
        return samples.to_vec();
    }
    let gain = 10f64.powf(change / 20.0) as f32;
    samples.iter().map(|s| s * gain).collect()
}

/// First frames of the partials for an utterance of `n_samples` (at least one).
pub fn partial_slices(n_samples: usize) -> Vec<usize> {
    let n_frames = (n_samples + 1).div_ceil(HOP);
    let steps = (n_frames + PARTIAL_STEP + 1)
        .saturating_sub(PARTIAL_FRAMES)
        .max(1);
    let mut starts: Vec<usize> = (0..steps).step_by(PARTIAL_STEP).collect();
    if starts.len() > 1 {
        let last = *starts.last().expect("non-empty");
        let coverage = (n_samples as f64 - (last * HOP) as f64) / (PARTIAL_FRAMES * HOP) as f64;
        if coverage < MIN_COVERAGE {
            starts.pop();
        }
    }
    starts
}

/// Slaney-style mel filterbank, as librosa builds it (`htk=False`,
/// `norm="slaney"`), [40][201] flattened.
fn mel_filters() -> Vec<f32> {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    let hz_to_mel = |f: f64| {
        if f >= min_log_hz {
            min_log_mel + (f / min_log_hz).ln() / logstep
        } else {
            f / f_sp
        }
    };
    let mel_to_hz = |m: f64| {
        if m >= min_log_mel {
            min_log_hz * (logstep * (m - min_log_mel)).exp()
        } else {
            f_sp * m
        }
    };
    let sr = SAMPLE_RATE as f64;
    let fmax = sr / 2.0;
    let (mel_min, mel_max) = (hz_to_mel(0.0), hz_to_mel(fmax));
    let mel_f: Vec<f64> = (0..N_MELS + 2)
        .map(|i| mel_to_hz(mel_min + (mel_max - mel_min) * i as f64 / (N_MELS + 1) as f64))
        .collect();
    let fft_freqs: Vec<f64> = (0..N_BINS).map(|k| k as f64 * sr / N_FFT as f64).collect();
    let mut out = vec![0f32; N_MELS * N_BINS];
    for m in 0..N_MELS {
        let enorm = 2.0 / (mel_f[m + 2] - mel_f[m]);
        for (k, &f) in fft_freqs.iter().enumerate() {
            let lower = (f - mel_f[m]) / (mel_f[m + 1] - mel_f[m]);
            let upper = (mel_f[m + 2] - f) / (mel_f[m + 2] - mel_f[m + 1]);
            out[m * N_BINS + k] = (lower.min(upper).max(0.0) * enorm) as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partials_follow_resemblyzer() {
        // 3 s: frames 301, starts 0, 77, 154 (the last covers 96 % of its window).
        assert_eq!(partial_slices(48_000), vec![0, 77, 154]);
        // Shorter than a partial: one, padded.
        assert_eq!(partial_slices(8_000), vec![0]);
        // 2 s: 0 and 77; the second covers (32000 - 12320) / 25600 = 77 %.
        assert_eq!(partial_slices(32_000), vec![0, 77]);
        // 1.9 s: the second would cover 65 %, dropped.
        assert_eq!(partial_slices(30_400), vec![0]);
    }

    #[test]
    fn volume_is_raised_never_lowered() {
        let quiet = vec![0.001f32; 100];
        let raised = raise_volume(&quiet);
        let dbfs = 20.0 * (raised[0] as f64).log10();
        assert!((dbfs - -30.0).abs() < 0.01, "{dbfs}");
        let loud = vec![0.5f32; 100];
        assert_eq!(raise_volume(&loud), loud);
    }

    #[test]
    fn weights_file_is_checked() {
        assert!(Embedder::from_bytes(b"junk").is_err());
        let err = Embedder::from_bytes(b"BLGE2E01\0\0\0\0").expect_err("too short");
        assert!(err.contains("expected"), "{err}");
    }
}
