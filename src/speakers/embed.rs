//! [`Embedder`]: Resemblyzer's GE2E speaker encoder, run in Rust.
//!
//! Features: each 1.6 s window is raised (never lowered) to -30 dBFS by its
//! own level (Resemblyzer measures the whole utterance; a window's own level
//! lets it be embedded while the utterance is still spoken), cut into
//! 25 ms frames every 10 ms (periodic Hann window, centred with 200 zeros on
//! each side, 400-point FFT), and the *power* spectrum goes through 40
//! Slaney-style mel filters (0-8 kHz, area-normalised). No logarithm: the model
//! was trained that way. Model: partials of 160 frames (1.6 s) every 77 frames,
//! each through a 3-layer LSTM (hidden 256) from zero state; the last hidden
//! state of the top layer goes through a linear layer, ReLU and L2
//! normalisation. The utterance embedding is the L2-normalised mean of the
//! partials. This matches `resemblyzer==0.1.4`'s `embed_utterance` where no
//! window is quieter than -30 dBFS (checked against numbers computed once with
//! librosa; see `tests/speakers.rs`).
//!
//! Windows follow the utterance's grid (window `k` starts at `k *`
//! [`WINDOW_STEP`]), also in a piece of it cut where the speaker changes
//! ([`window_starts`]), and each depends only on the audio its frames read,
//! so the live pipeline computes them while the utterance is spoken
//! ([`Embedder::extend_cache`]) and reuses them when it ends
//! ([`Embedder::embed_piece`]).

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
/// Partials run through the LSTM together at most: a batch holds 0.6 MB of
/// gate inputs per partial, so a minute's utterance (about 78 partials) in
/// one batch would take 50 MB at once.
const MAX_BATCH: usize = 16;
/// A last partial covering less than this share of real audio is dropped.
const MIN_COVERAGE: f64 = 0.75;
/// Target level: quieter audio is raised to it, louder audio is left alone.
const TARGET_DBFS: f64 = -30.0;
/// Samples between window starts on an utterance's grid (0.77 s).
pub const WINDOW_STEP: usize = PARTIAL_STEP * HOP;
/// Samples a window covers (1.6 s).
pub const WINDOW_LEN: usize = PARTIAL_FRAMES * HOP;
/// Samples a centred frame reads on each side of its centre.
pub const REACH: usize = N_FFT / 2;
/// Samples from a window's start to the end of what its last frame reads.
pub const WINDOW_REACH: usize = (PARTIAL_FRAMES - 1) * HOP + REACH;

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

/// The windows of one utterance computed so far, by their place on the
/// utterance's grid (window `k` starts at sample `k * WINDOW_STEP`). Filled
/// by [`Embedder::extend_cache`] while the utterance is spoken, read by
/// [`Embedder::embed_piece`] when it (or a piece of it) is done.
#[derive(Debug, Clone, Default)]
pub struct WindowCache {
    /// Grid index to the window's embedding.
    windows: std::collections::BTreeMap<usize, Vec<f32>>,
}

impl WindowCache {
    /// Windows held.
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    /// True when no window is held.
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }
}

/// How the windows of an [`Embedder::embed_piece`] call were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowCount {
    /// Taken from the cache.
    pub reused: usize,
    /// Computed in the call.
    pub computed: usize,
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
        self.embed_piece(samples, 0, None).0
    }

    /// Embeds a piece of an utterance: `samples` are the utterance's
    /// samples `offset..offset + samples.len()` (the piece between two cuts
    /// where the speaker changes, or the whole utterance with `offset` 0).
    /// Its windows follow the utterance's grid ([`window_starts`]), so the
    /// windows computed while the utterance was spoken (`cache`, filled by
    /// [`Embedder::extend_cache`]) that lie inside the piece are taken as
    /// they are and only the rest are computed. The result is the same
    /// with or without a cache. Partial spans are in seconds from the
    /// piece's start.
    pub fn embed_piece(
        &self,
        samples: &[f32],
        offset: usize,
        cache: Option<&WindowCache>,
    ) -> (UtteranceEmbedding, WindowCount) {
        let (from, to) = (offset, offset + samples.len());
        let starts = window_starts(from, to);
        let mut embeddings: Vec<Option<Vec<f32>>> = starts
            .iter()
            .map(|&start| {
                let k = grid_index(start)?;
                // The cached window read the utterance's samples around it;
                // the piece's own window reads zeros outside the piece.
                let inside = (start >= from + REACH || from == 0) && start + WINDOW_REACH <= to;
                cache?.windows.get(&k).filter(|_| inside).cloned()
            })
            .collect();
        let missing: Vec<usize> = (0..starts.len())
            .filter(|&i| embeddings[i].is_none())
            .collect();
        let mel: Vec<[f32; N_MELS]> = missing
            .iter()
            .flat_map(|&i| self.window_frames(samples, offset, from, to, starts[i]))
            .collect();
        if !missing.is_empty() {
            let frame_starts: Vec<usize> = (0..missing.len()).map(|j| j * PARTIAL_FRAMES).collect();
            let computed = self.run_partials(&mel, &frame_starts);
            for (&i, e) in missing.iter().zip(computed) {
                embeddings[i] = Some(e);
            }
        }
        let embeddings: Vec<Vec<f32>> = embeddings.into_iter().flatten().collect();
        let mut mean = vec![0.0f32; EMBEDDING_DIM];
        for e in &embeddings {
            for (m, x) in mean.iter_mut().zip(e) {
                *m += x;
            }
        }
        normalise(&mut mean);
        let rate = SAMPLE_RATE as f64;
        let count = WindowCount {
            reused: starts.len() - missing.len(),
            computed: missing.len(),
        };
        let embedding = UtteranceEmbedding {
            duration: samples.len() as f64 / rate,
            embedding: mean,
            partials: starts
                .iter()
                .zip(embeddings)
                .map(|(&s, embedding)| Partial {
                    start: (s - from) as f64 / rate,
                    end: (s - from + WINDOW_LEN) as f64 / rate,
                    embedding,
                })
                .collect(),
        };
        (embedding, count)
    }

    /// Computes the windows of an utterance still being spoken that the
    /// audio heard so far holds in full, and keeps them in `cache`:
    /// `samples` are the utterance's samples `offset..offset +
    /// samples.len()`. At most `max_new` windows are computed (the rest wait
    /// for a later call, or for [`Embedder::embed_piece`]). Returns how many
    /// were computed.
    pub fn extend_cache(
        &self,
        cache: &mut WindowCache,
        samples: &[f32],
        offset: usize,
        max_new: usize,
    ) -> usize {
        let to = offset + samples.len();
        let ks: Vec<usize> = (0..)
            .take_while(|&k| k * WINDOW_STEP + WINDOW_REACH <= to)
            .filter(|&k| k * WINDOW_STEP >= offset + REACH || (k == 0 && offset == 0))
            .filter(|k| !cache.windows.contains_key(k))
            .take(max_new)
            .collect();
        if ks.is_empty() {
            return 0;
        }
        let mel: Vec<[f32; N_MELS]> = ks
            .iter()
            .flat_map(|&k| self.window_frames(samples, offset, offset, to, k * WINDOW_STEP))
            .collect();
        let frame_starts: Vec<usize> = (0..ks.len()).map(|j| j * PARTIAL_FRAMES).collect();
        for (&k, e) in ks.iter().zip(self.run_partials(&mel, &frame_starts)) {
            cache.windows.insert(k, e);
        }
        ks.len()
    }

    /// The 160 mel frames of the window starting at utterance sample
    /// `start`, over the piece `from..to` of the utterance (zeros outside
    /// it), raised to [`TARGET_DBFS`] by the window's own level
    /// ([`window_gain`]). `samples` are the utterance's samples from
    /// `offset` on, covering the piece.
    fn window_frames(
        &self,
        samples: &[f32],
        offset: usize,
        from: usize,
        to: usize,
        start: usize,
    ) -> Vec<[f32; N_MELS]> {
        let at = |i: isize| -> f32 {
            if i < from as isize || i >= to as isize {
                return 0.0;
            }
            samples[i as usize - offset]
        };
        let real_end = (start + WINDOW_LEN).min(to);
        let real: Vec<f32> = (start..real_end).map(|i| at(i as isize)).collect();
        let gain = window_gain(&real);
        let first = start as isize - REACH as isize;
        let buffer: Vec<f32> = (0..WINDOW_LEN + N_FFT)
            .map(|t| at(first + t as isize) * gain)
            .collect();
        self.frames_of(&buffer, PARTIAL_FRAMES)
    }

    /// Mel power frames [n_frames][40] of a (padded) utterance, centred frames.
    pub fn mel_frames(&self, wav: &[f32]) -> Vec<[f32; N_MELS]> {
        let n_frames = 1 + wav.len() / HOP;
        let pad = N_FFT / 2;
        let mut buffer = vec![0f32; pad + (n_frames - 1) * HOP + N_FFT];
        buffer[pad..pad + wav.len()].copy_from_slice(wav);
        self.frames_of(&buffer, n_frames)
    }

    /// Mel power frames: frame `f` is the windowed FFT of `buffer[f * HOP..
    /// f * HOP + N_FFT]`.
    fn frames_of(&self, buffer: &[f32], n_frames: usize) -> Vec<[f32; N_MELS]> {
        let w = &self.weights;
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(N_FFT);
        let mut input = fft.make_input_vec();
        let mut spectrum = fft.make_output_vec();
        let mut scratch = fft.make_scratch_vec();
        let mut power = [0f32; N_BINS];
        let mut out = Vec::with_capacity(n_frames);
        for f in 0..n_frames {
            let frame = &buffer[f * HOP..f * HOP + N_FFT];
            for ((x, s), h) in input.iter_mut().zip(frame).zip(&w.window) {
                *x = s * h;
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

    /// Runs the LSTM over the partials starting at `starts` (frame indices
    /// into `mel`), [`MAX_BATCH`] at a time, and returns their embeddings.
    fn run_partials(&self, mel: &[[f32; N_MELS]], starts: &[usize]) -> Vec<Vec<f32>> {
        starts
            .chunks(MAX_BATCH)
            .flat_map(|batch| self.run_batch(mel, batch))
            .collect()
    }

    /// Runs the LSTM over a batch of partials at once.
    fn run_batch(&self, mel: &[[f32; N_MELS]], starts: &[usize]) -> Vec<Vec<f32>> {
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
                if batch <= SMALL_BATCH {
                    // matrixmultiply packs the recurrent weights (1 MB) on
                    // every call: worth it for a batch, not for the window
                    // or two computed while an utterance is spoken.
                    for b in 0..batch {
                        matvec_add(
                            &layer.w_hh,
                            &h[b * HIDDEN..(b + 1) * HIDDEN],
                            &mut g[b * gates..(b + 1) * gates],
                        );
                    }
                } else {
                    sgemm(&h, batch, HIDDEN, &layer.w_hh, gates, &mut g, 1.0);
                }
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

/// Batches up to this size run the LSTM's recurrent step as matrix-vector
/// products.
const SMALL_BATCH: usize = 4;

/// `out += w x` (row-major `w`, `out.len()` rows of `x.len()`), eight
/// accumulators per row so it vectorises.
fn matvec_add(w: &[f32], x: &[f32], out: &mut [f32]) {
    let n = x.len();
    for (o, row) in out.iter_mut().zip(w.chunks_exact(n)) {
        let mut acc = [0f32; 8];
        for (r, v) in row.chunks_exact(8).zip(x.chunks_exact(8)) {
            for i in 0..8 {
                acc[i] += r[i] * v[i];
            }
        }
        let tail: f32 = row
            .chunks_exact(8)
            .remainder()
            .iter()
            .zip(x.chunks_exact(8).remainder())
            .map(|(a, b)| a * b)
            .sum();
        *o += acc.iter().sum::<f32>() + tail;
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

/// The gain that raises quiet audio to [`TARGET_DBFS`] (RMS of the
/// int16-scaled signal, as Resemblyzer measures it); never below 1.
/// Resemblyzer measures the whole utterance; here each window is measured
/// on its own (its real samples, not the padding), so a window's embedding
/// depends only on its own audio and can be computed before the utterance
/// ends, live and offline alike.
fn window_gain(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 1.0;
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
        return 1.0;
    }
    let change = TARGET_DBFS - 20.0 * (rms / 32767.0).log10();
    if change <= 0.0 {
        return 1.0;
    }
    10f64.powf(change / 20.0) as f32
}

/// How many windows of an utterance's grid the first `n_samples` of it
/// hold in full (everything their frames read).
pub fn windows_heard(n_samples: usize) -> usize {
    n_samples
        .checked_sub(WINDOW_REACH)
        .map_or(0, |rest| rest / WINDOW_STEP + 1)
}

/// The grid index of a window starting at utterance sample `start`, if it
/// sits on the grid.
fn grid_index(start: usize) -> Option<usize> {
    start
        .is_multiple_of(WINDOW_STEP)
        .then_some(start / WINDOW_STEP)
}

/// Where the windows of the piece `from..to` of an utterance start, in
/// samples from the utterance's start. The whole utterance (`from` 0)
/// gets Resemblyzer's partials ([`partial_slices`]). A later piece takes
/// the windows of the utterance's grid that start inside it: those that
/// end inside it, then one that runs past its end (zero-padded) if at least
/// [`MIN_COVERAGE`] of it is audio; a piece too short for any starts its
/// own grid at its start. So the windows computed while the utterance was
/// spoken serve its pieces too.
pub fn window_starts(from: usize, to: usize) -> Vec<usize> {
    let own_grid = || -> Vec<usize> {
        partial_slices(to.saturating_sub(from))
            .into_iter()
            .map(|s| from + s * HOP)
            .collect()
    };
    if from == 0 {
        return own_grid();
    }
    let mut starts = Vec::new();
    let mut start = from.div_ceil(WINDOW_STEP) * WINDOW_STEP;
    while start < to {
        if start + WINDOW_LEN <= to {
            starts.push(start);
        } else {
            if (to - start) as f64 / WINDOW_LEN as f64 >= MIN_COVERAGE {
                starts.push(start);
            }
            break;
        }
        start += WINDOW_STEP;
    }
    if starts.is_empty() {
        return own_grid();
    }
    starts
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
        let dbfs = 20.0 * (0.001 * window_gain(&quiet) as f64).log10();
        assert!((dbfs - -30.0).abs() < 0.01, "{dbfs}");
        assert_eq!(window_gain(&[0.5f32; 100]), 1.0);
        assert_eq!(window_gain(&[0.0f32; 100]), 1.0);
    }

    #[test]
    fn pieces_follow_the_utterance_grid() {
        // The whole utterance: Resemblyzer's partials.
        assert_eq!(window_starts(0, 48_000), vec![0, 12_320, 24_640]);
        // A piece from 1 s to 5 s: the grid windows at 1.54, 2.31 and
        // 3.08 s end inside it; the one at 3.85 s would cover 72 %, dropped.
        assert_eq!(window_starts(16_000, 80_000), vec![24_640, 36_960, 49_280]);
        // Too short for a grid window: its own, padded.
        assert_eq!(window_starts(13_000, 30_000), vec![13_000]);
        // Every window starts inside the piece.
        for from in [1, 5_000, 12_320, 12_321, 30_000] {
            for len in [8_000, 20_000, 40_000, 100_000] {
                let starts = window_starts(from, from + len);
                assert!(!starts.is_empty());
                assert!(starts.iter().all(|&s| s >= from && s < from + len));
            }
        }
    }

    fn embedder() -> Embedder {
        let models = crate::config::Paths::resolve(None, None).models;
        Embedder::load(&crate::speakers::model_path(&models).expect("run scripts/setup.sh"))
            .unwrap()
    }

    fn jfk() -> Vec<f32> {
        crate::audio::read_file(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/jfk.wav"
        )))
        .unwrap()
        .mono
    }

    fn largest_difference(a: &UtteranceEmbedding, b: &UtteranceEmbedding) -> f32 {
        assert_eq!(a.partials.len(), b.partials.len());
        a.partials
            .iter()
            .zip(&b.partials)
            .flat_map(|(x, y)| {
                assert_eq!((x.start, x.end), (y.start, y.end));
                x.embedding
                    .iter()
                    .zip(&y.embedding)
                    .map(|(p, q)| (p - q).abs())
            })
            .fold(0f32, f32::max)
    }

    /// The windows computed while an utterance is spoken, offered as the vad
    /// thread offers them, are the ones the whole utterance and its pieces
    /// would compute: reused, only the rest computed, the same embedding.
    #[test]
    fn windows_computed_while_spoken_are_reused() {
        let e = embedder();
        // jfk.wav quietened to -40 dBFS and below, so the gain matters.
        let speech: Vec<f32> = jfk().iter().map(|s| s * 0.05).collect();
        let mut cache = WindowCache::default();
        let mut next = 0;
        for heard in (4_000..=speech.len()).step_by(4_000) {
            let complete = windows_heard(heard);
            if complete > next {
                let offset = (next * WINDOW_STEP).saturating_sub(REACH);
                e.extend_cache(&mut cache, &speech[offset..heard], offset, 8);
                next = complete;
            }
        }
        assert_eq!(cache.len(), windows_heard(speech.len() / 4_000 * 4_000));
        assert!(cache.len() >= 10, "{} windows", cache.len());

        let (fresh, count) = e.embed_piece(&speech, 0, None);
        assert_eq!(count.reused, 0);
        let (cached, count) = e.embed_piece(&speech, 0, Some(&cache));
        assert!(count.computed <= 2, "{count:?}");
        assert_eq!(count.reused + count.computed, fresh.partials.len());
        assert!(largest_difference(&fresh, &cached) < 1e-5);
        assert!(cosine(&fresh.embedding, &cached.embedding) > 0.99999);

        // Cut at 4.3 s: the first piece reuses the windows before the cut
        // and computes the one that runs past it (zeros, not the next
        // speaker); the second takes the grid windows inside it.
        let cut = 68_800;
        for (piece, offset) in [(&speech[..cut], 0), (&speech[cut..], cut)] {
            let (fresh, _) = e.embed_piece(piece, offset, None);
            let (cached, count) = e.embed_piece(piece, offset, Some(&cache));
            assert!(count.reused >= 3, "{offset}: {count:?}");
            assert!(count.computed <= 2, "{offset}: {count:?}");
            assert!(largest_difference(&fresh, &cached) < 1e-5);
            // Spans are the piece's own: inside it (the last may be padded).
            let first = &cached.partials[0];
            assert!(first.start >= 0.0 && first.start < WINDOW_STEP as f64 / 16_000.0);
        }
        // A cached window the piece does not hold in full is not taken.
        let (_, count) = e.embed_piece(&speech[..cut], 0, Some(&cache));
        let inside = windows_heard(cut);
        assert_eq!(count.reused, inside);
    }

    /// A long utterance's windows go through the LSTM in batches, and each
    /// comes out as if it had been run alone, in its place.
    #[test]
    fn long_utterances_are_run_in_batches_window_by_window() {
        let e = embedder();
        let speech: Vec<f32> = jfk().repeat(3);
        let starts = window_starts(0, speech.len());
        assert!(starts.len() > 2 * MAX_BATCH, "{} windows", starts.len());
        let mel: Vec<[f32; N_MELS]> = starts
            .iter()
            .flat_map(|&s| e.window_frames(&speech, 0, 0, speech.len(), s))
            .collect();
        let frame_starts: Vec<usize> = (0..starts.len()).map(|j| j * PARTIAL_FRAMES).collect();
        let batched = e.run_partials(&mel, &frame_starts);
        assert_eq!(batched.len(), starts.len());
        for (j, got) in batched.iter().enumerate() {
            let alone = &e.run_batch(&mel, &frame_starts[j..=j])[0];
            let diff = got
                .iter()
                .zip(alone)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            assert!(diff < 1e-5, "window {j}: {diff}");
        }
        // Windows differ from one another, so the order is checked too.
        assert!(cosine(&batched[0], &batched[starts.len() / 2]) < 0.999);
    }

    /// Each window is raised by its own level, so a window does not depend
    /// on audio outside it.
    #[test]
    fn a_window_depends_on_its_own_audio_only() {
        let e = embedder();
        let speech = jfk();
        let quiet: Vec<f32> = speech.iter().map(|s| s * 0.02).collect();
        let mut mixed = speech[..WINDOW_STEP * 2].to_vec();
        mixed.extend_from_slice(&quiet[WINDOW_STEP * 2..]);
        let (a, _) = e.embed_piece(&mixed, 0, None);
        let (b, _) = e.embed_piece(&quiet, 0, None);
        // Window 3 (2.31 s on) lies wholly in the quiet part of both.
        let diff = a.partials[3]
            .embedding
            .iter()
            .zip(&b.partials[3].embedding)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        assert!(diff < 1e-5, "{diff}");
    }

    #[test]
    fn weights_file_is_checked() {
        assert!(Embedder::from_bytes(b"junk").is_err());
        let err = Embedder::from_bytes(b"BLGE2E01\0\0\0\0").expect_err("too short");
        assert!(err.contains("expected"), "{err}");
    }
}
