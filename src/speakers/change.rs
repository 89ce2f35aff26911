//! [`ChangeModel`]: where does the speaker change inside an utterance?
//!
//! The 2022 pyannote speaker segmentation model (PyanNet), run in Rust. It
//! reads a raw 16 kHz waveform and says, for every 16.9 ms frame, how likely
//! each of three *local* speakers is to be talking: local, because the labels
//! are only consistent within one input (permutation-invariant training), not
//! across inputs and not with the meeting's speakers.
//!
//! Model, as pyannote.audio's `PyanNet` and `SincNet` and
//! asteroid-filterbanks' `ParamSincFB` define it:
//! - instance normalisation of the waveform;
//! - 80 parametrised sinc band-pass filters of 251 taps (40 cosine, 40 sine),
//!   stride 10, absolute value; max-pool 3, instance normalisation, leaky ReLU;
//! - two convolutions (80→60, 60→60, kernel 5), each followed by max-pool 3,
//!   instance normalisation and leaky ReLU (slope 0.01);
//! - a 4-layer bidirectional LSTM (hidden 128 each way);
//! - two linear layers of 128 with leaky ReLU, a linear classifier to 3,
//!   sigmoid.
//!
//! Every stage is a matrix product through `matrixmultiply` (the
//! convolutions read their input windows in place through strides). A frame
//! sees 991 samples and frames are 270 samples apart, so 5 s give 293 frames.
//!
//! [`ChangeModel::speaker_changes`] runs the model over an utterance in 5 s
//! chunks (the length it was trained on) that overlap by half, lines the
//! local speakers of each chunk up with the previous one on their overlap,
//! and cuts where one local speaker's stretch of at least
//! [`ChangeConfig::min_turn_s`] gives way to another's. No chunk but the
//! last depends on later audio, so the live pipeline runs them while the
//! utterance is spoken ([`EarlyChunks`], [`ChangeModel::speaker_changes_after`]).
//!
//! Checked against an independent float64 numpy forward pass
//! (`scripts/segmentation_reference.py`, `tests/speakers.rs`).

use std::path::Path;
use std::sync::Arc;

use super::SpeakerError;

/// Samples in one chunk (5 s), the length the model was trained on.
pub const CHUNK_SAMPLES: usize = 80_000;
/// Samples between the starts of two output frames.
pub const FRAME_STEP: usize = 270;
/// Samples one output frame sees (its receptive field).
pub const FRAME_SPAN: usize = 991;
/// Local speakers per chunk.
pub const LOCAL_SPEAKERS: usize = 3;
/// Chunk starts are this many frames apart (half a chunk, on the frame grid).
const CHUNK_STEP_FRAMES: usize = 148;

const SINC_FILTERS: usize = 80;
const SINC_TAPS: usize = 251;
const SINC_HALF: usize = 125;
const SINC_STRIDE: usize = 10;
const CONV_TAPS: usize = 5;
const CONV_CHANNELS: usize = 60;
const HIDDEN: usize = 128;
const GATES: usize = 4 * HIDDEN;
const LAYERS: usize = 4;
const LINEAR: usize = 128;
const SAMPLE_RATE: f64 = 16_000.0;

/// Magic at the start of an installed weights file (see [`convert`]).
const MAGIC: &[u8; 8] = b"BLSEGM01";

/// The tensors of the weights file, in file order, with their element counts.
fn tensor_table() -> Vec<(String, usize)> {
    let mut t: Vec<(String, usize)> = vec![
        ("sincnet.wav_norm1d.weight".into(), 1),
        ("sincnet.wav_norm1d.bias".into(), 1),
        (
            "sincnet.conv1d.0.filterbank.low_hz_".into(),
            SINC_FILTERS / 2,
        ),
        (
            "sincnet.conv1d.0.filterbank.band_hz_".into(),
            SINC_FILTERS / 2,
        ),
        ("sincnet.conv1d.0.filterbank.window_".into(), SINC_HALF),
        ("sincnet.conv1d.0.filterbank.n_".into(), SINC_HALF),
        ("sincnet.norm1d.0.weight".into(), SINC_FILTERS),
        ("sincnet.norm1d.0.bias".into(), SINC_FILTERS),
        (
            "sincnet.conv1d.1.weight".into(),
            CONV_CHANNELS * SINC_FILTERS * CONV_TAPS,
        ),
        ("sincnet.conv1d.1.bias".into(), CONV_CHANNELS),
        ("sincnet.norm1d.1.weight".into(), CONV_CHANNELS),
        ("sincnet.norm1d.1.bias".into(), CONV_CHANNELS),
        (
            "sincnet.conv1d.2.weight".into(),
            CONV_CHANNELS * CONV_CHANNELS * CONV_TAPS,
        ),
        ("sincnet.conv1d.2.bias".into(), CONV_CHANNELS),
        ("sincnet.norm1d.2.weight".into(), CONV_CHANNELS),
        ("sincnet.norm1d.2.bias".into(), CONV_CHANNELS),
    ];
    for layer in 0..LAYERS {
        let n_in = if layer == 0 {
            CONV_CHANNELS
        } else {
            2 * HIDDEN
        };
        for direction in ["", "_reverse"] {
            t.push((format!("lstm.weight_ih_l{layer}{direction}"), GATES * n_in));
            t.push((
                format!("lstm.weight_hh_l{layer}{direction}"),
                GATES * HIDDEN,
            ));
            t.push((format!("lstm.bias_ih_l{layer}{direction}"), GATES));
            t.push((format!("lstm.bias_hh_l{layer}{direction}"), GATES));
        }
    }
    t.extend([
        ("linear.0.weight".into(), LINEAR * 2 * HIDDEN),
        ("linear.0.bias".into(), LINEAR),
        ("linear.1.weight".into(), LINEAR * LINEAR),
        ("linear.1.bias".into(), LINEAR),
        ("classifier.weight".into(), LOCAL_SPEAKERS * LINEAR),
        ("classifier.bias".into(), LOCAL_SPEAKERS),
    ]);
    t
}

/// Converts the zip-format torch checkpoint (`pytorch_model.bin`) into the
/// weights file [`ChangeModel::load`] reads: [`MAGIC`], then each tensor of
/// the table as little-endian f32, in that order.
pub fn convert(checkpoint: &[u8]) -> Result<Vec<u8>, String> {
    let state = super::torch_pickle::read_zip_state_dict(checkpoint, "state_dict")?;
    let mut out = MAGIC.to_vec();
    for (name, n) in tensor_table() {
        let t = state
            .get(&name)
            .ok_or_else(|| format!("no tensor {name} in the checkpoint"))?;
        if t.data.len() != n {
            return Err(format!(
                "{name} has shape {:?}, expected {n} elements",
                t.shape
            ));
        }
        for x in &t.data {
            out.extend(x.to_le_bytes());
        }
    }
    Ok(out)
}

/// One direction of one LSTM layer.
struct Direction {
    /// Input weights [4H, in], gates (input, forget, cell, output).
    w_ih: Vec<f32>,
    /// Recurrent weights [4H, H].
    w_hh: Vec<f32>,
    /// Both biases summed [4H].
    bias: Vec<f32>,
    /// Input width.
    n_in: usize,
}

/// Instance normalisation's scale and shift per channel.
struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
}

/// A convolution over [time][channel] input, weights as [out][tap][in] so
/// each output row reads one contiguous input window.
struct Conv {
    weight: Vec<f32>,
    bias: Vec<f32>,
    n_in: usize,
    n_out: usize,
}

struct Weights {
    wav_norm: (f32, f32),
    /// The 80 sinc filters [80][251], computed from their parameters.
    sinc: Vec<f32>,
    norms: [Norm; 3],
    convs: [Conv; 2],
    /// Per layer: forward, reverse.
    lstm: Vec<[Direction; 2]>,
    /// (weight [out][in], bias, in) of linear.0, linear.1 and the classifier.
    linear: Vec<(Vec<f32>, Vec<f32>, usize)>,
}

/// The speaker segmentation model. Cheap to clone; blocking CPU work (tens
/// of milliseconds per 5 s chunk), so run it off the async runtime.
#[derive(Clone)]
pub struct ChangeModel {
    weights: Arc<Weights>,
}

impl std::fmt::Debug for ChangeModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeModel").finish_non_exhaustive()
    }
}

/// When a speaker change inside an utterance counts.
#[derive(Debug, Clone)]
pub struct ChangeConfig {
    /// A local speaker is talking in a frame when the model says so with at
    /// least this probability.
    pub onset: f32,
    /// Each side of a change must hold its speaker for at least this long
    /// (seconds): shorter stretches are too short to transcribe or to
    /// attribute by voice, and are where the model's false changes are.
    pub min_turn_s: f64,
}

impl Default for ChangeConfig {
    fn default() -> ChangeConfig {
        ChangeConfig {
            onset: 0.5,
            min_turn_s: 0.5,
        }
    }
}

impl ChangeModel {
    /// Loads a weights file written by [`convert`].
    pub fn load(path: &Path) -> Result<ChangeModel, SpeakerError> {
        let bytes = std::fs::read(path).map_err(|e| SpeakerError::Load {
            model: super::CHANGE_MODEL_NAME,
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        ChangeModel::from_bytes(&bytes).map_err(|message| SpeakerError::Load {
            model: super::CHANGE_MODEL_NAME,
            path: path.to_owned(),
            message,
        })
    }

    fn from_bytes(bytes: &[u8]) -> Result<ChangeModel, String> {
        let body = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or("not a blameless segmentation weights file")?;
        let table = tensor_table();
        let expected: usize = table.iter().map(|(_, n)| n * 4).sum();
        if body.len() != expected {
            return Err(format!(
                "{} bytes of weights, expected {expected}",
                body.len()
            ));
        }
        let mut floats = body
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")));
        let mut tensors = std::collections::HashMap::new();
        for (name, n) in table {
            tensors.insert(name, floats.by_ref().take(n).collect::<Vec<f32>>());
        }
        let mut take = |name: &str| tensors.remove(name).expect("name from the table");
        let wav_norm = (
            take("sincnet.wav_norm1d.weight")[0],
            take("sincnet.wav_norm1d.bias")[0],
        );
        let sinc = sinc_filters(
            &take("sincnet.conv1d.0.filterbank.low_hz_"),
            &take("sincnet.conv1d.0.filterbank.band_hz_"),
            &take("sincnet.conv1d.0.filterbank.window_"),
            &take("sincnet.conv1d.0.filterbank.n_"),
        );
        let mut norm = |i: usize| Norm {
            weight: take(&format!("sincnet.norm1d.{i}.weight")),
            bias: take(&format!("sincnet.norm1d.{i}.bias")),
        };
        let norms = [norm(0), norm(1), norm(2)];
        let mut conv = |i: usize, n_in: usize| {
            // Torch stores [out][in][tap]; windows are read as [tap][in].
            let w = take(&format!("sincnet.conv1d.{i}.weight"));
            let mut weight = vec![0f32; w.len()];
            for o in 0..CONV_CHANNELS {
                for c in 0..n_in {
                    for k in 0..CONV_TAPS {
                        weight[(o * CONV_TAPS + k) * n_in + c] = w[(o * n_in + c) * CONV_TAPS + k];
                    }
                }
            }
            Conv {
                weight,
                bias: take(&format!("sincnet.conv1d.{i}.bias")),
                n_in,
                n_out: CONV_CHANNELS,
            }
        };
        let convs = [conv(1, SINC_FILTERS), conv(2, CONV_CHANNELS)];
        let mut lstm = Vec::new();
        for layer in 0..LAYERS {
            let n_in = if layer == 0 {
                CONV_CHANNELS
            } else {
                2 * HIDDEN
            };
            let mut direction = |suffix: &str| {
                let b_ih = take(&format!("lstm.bias_ih_l{layer}{suffix}"));
                let b_hh = take(&format!("lstm.bias_hh_l{layer}{suffix}"));
                Direction {
                    w_ih: take(&format!("lstm.weight_ih_l{layer}{suffix}")),
                    w_hh: take(&format!("lstm.weight_hh_l{layer}{suffix}")),
                    bias: b_ih.iter().zip(&b_hh).map(|(a, b)| a + b).collect(),
                    n_in,
                }
            };
            lstm.push([direction(""), direction("_reverse")]);
        }
        let linear = vec![
            (take("linear.0.weight"), take("linear.0.bias"), 2 * HIDDEN),
            (take("linear.1.weight"), take("linear.1.bias"), LINEAR),
            (take("classifier.weight"), take("classifier.bias"), LINEAR),
        ];
        Ok(ChangeModel {
            weights: Arc::new(Weights {
                wav_norm,
                sinc,
                norms,
                convs,
                lstm,
                linear,
            }),
        })
    }

    /// Output frames for an input of `n_samples`.
    pub fn n_frames(n_samples: usize) -> usize {
        if n_samples < SINC_TAPS {
            return 0;
        }
        let mut n = (n_samples - SINC_TAPS) / SINC_STRIDE + 1;
        n /= 3;
        n = n.saturating_sub(CONV_TAPS - 1) / 3;
        n.saturating_sub(CONV_TAPS - 1) / 3
    }

    /// The three local speakers' activities (0 to 1) in each frame of one
    /// input (frame `f` sees samples `270 f .. 270 f + 991`). Empty when the
    /// input is shorter than a frame needs.
    pub fn activities(&self, samples: &[f32]) -> Vec<[f32; LOCAL_SPEAKERS]> {
        let w = &self.weights;
        let n_frames = ChangeModel::n_frames(samples.len());
        if n_frames == 0 {
            return Vec::new();
        }
        // Waveform instance normalisation.
        let n = samples.len() as f64;
        let mean = samples.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = samples
            .iter()
            .map(|&x| (x as f64 - mean) * (x as f64 - mean))
            .sum::<f64>()
            / n;
        let scale = w.wav_norm.0 as f64 / (var + 1e-5).sqrt();
        let wav: Vec<f32> = samples
            .iter()
            .map(|&x| ((x as f64 - mean) * scale + w.wav_norm.1 as f64) as f32)
            .collect();
        // Sinc filters: output row t reads wav[10 t .. 10 t + 251] in place.
        let n0 = (wav.len() - SINC_TAPS) / SINC_STRIDE + 1;
        let mut x = vec![0f32; n0 * SINC_FILTERS];
        gemm(
            (n0, SINC_TAPS, SINC_FILTERS),
            (&wav, SINC_STRIDE, 1),
            (&w.sinc, 1, SINC_TAPS),
            &mut x,
        );
        x.iter_mut().for_each(|v| *v = v.abs());
        let mut x = pool_norm_relu(&x, SINC_FILTERS, &w.norms[0]);
        for (conv, norm) in w.convs.iter().zip(&w.norms[1..]) {
            let y = convolve(&x, conv);
            x = pool_norm_relu(&y, conv.n_out, norm);
        }
        debug_assert_eq!(x.len(), n_frames * CONV_CHANNELS);
        for layers in &w.lstm {
            x = bidirectional(&x, n_frames, layers);
        }
        for (i, (weight, bias, n_in)) in w.linear.iter().enumerate() {
            let n_out = bias.len();
            let mut y = vec![0f32; n_frames * n_out];
            gemm(
                (n_frames, *n_in, n_out),
                (&x, *n_in, 1),
                (weight, 1, *n_in),
                &mut y,
            );
            let last = i + 1 == w.linear.len();
            for row in y.chunks_exact_mut(n_out) {
                for (v, b) in row.iter_mut().zip(bias) {
                    let z = *v + b;
                    *v = if last { sigmoid(z) } else { leaky_relu(z) };
                }
            }
            x = y;
        }
        x.chunks_exact(LOCAL_SPEAKERS)
            .map(|f| [f[0], f[1], f[2]])
            .collect()
    }

    /// Where the speaker changes inside one utterance: sample offsets at
    /// which to cut it, in order, each piece holding one speaker for at
    /// least `config.min_turn_s`. Empty when it is one speaker (or too
    /// short for two turns).
    pub fn speaker_changes(&self, samples: &[f32], config: &ChangeConfig) -> Vec<usize> {
        self.speaker_changes_after(samples, config, &EarlyChunks::default())
            .0
    }

    /// [`ChangeModel::speaker_changes`] for an utterance whose chunks were
    /// partly run while it was spoken ([`EarlyChunks`]): the same cuts,
    /// and how many chunks still had to run now.
    pub fn speaker_changes_after(
        &self,
        samples: &[f32],
        config: &ChangeConfig,
        early: &EarlyChunks,
    ) -> (Vec<usize>, usize) {
        let min_turn = (config.min_turn_s * SAMPLE_RATE) as usize;
        if samples.len() < 2 * min_turn || samples.len() < FRAME_SPAN {
            return (Vec::new(), 0);
        }
        let (track, ran) = self.stitched_activities_after(samples, early);
        (changes_in(&track, config), ran)
    }

    /// Local speaker activities over a whole utterance on one frame grid
    /// (frame `g` centred on sample `270 g + 495`): 5 s chunks half a chunk
    /// apart, each chunk's speakers permuted to agree best with what the
    /// chunks before it said on their overlap, averaged with weights that
    /// trust a chunk's middle more than its edges.
    pub fn stitched_activities(&self, samples: &[f32]) -> Vec<[f32; LOCAL_SPEAKERS]> {
        self.stitched_activities_after(samples, &EarlyChunks::default())
            .0
    }

    /// [`ChangeModel::stitched_activities`], taking each chunk but the last
    /// from `early` when it is there; also the number of chunks run here.
    /// Chunk `c` but the last starts at [`chunk_start`]`(c)` whatever the
    /// utterance's length, and each chunk is permuted against the chunks
    /// before it only, so what a chunk gives never depends on later audio:
    /// a chunk run early is the chunk run now.
    pub fn stitched_activities_after(
        &self,
        samples: &[f32],
        early: &EarlyChunks,
    ) -> (Vec<[f32; LOCAL_SPEAKERS]>, usize) {
        if samples.len() <= CHUNK_SAMPLES {
            return (self.activities(samples), 1);
        }
        let n_global = (samples.len() - FRAME_SPAN) / FRAME_STEP + 1;
        let n_chunks = n_chunks(samples.len());
        let mut sum = vec![[0f32; LOCAL_SPEAKERS]; n_global];
        let mut weight = vec![0f32; n_global];
        let mut ran = 0;
        for c in 0..n_chunks {
            let last = c + 1 == n_chunks;
            let start = if last {
                samples.len() - CHUNK_SAMPLES
            } else {
                chunk_start(c)
            };
            let computed;
            let acts: &[[f32; LOCAL_SPEAKERS]] = match early.get(c) {
                Some(acts) if !last => acts,
                _ => {
                    ran += 1;
                    computed = self.activities(&samples[start..start + CHUNK_SAMPLES]);
                    &computed
                }
            };
            let first = (start as f64 / FRAME_STEP as f64).round() as usize;
            let frames = acts.len();
            // The permutation of local speakers that best matches the
            // average so far where they overlap.
            let mut best = (f32::INFINITY, [0, 1, 2]);
            for perm in PERMUTATIONS {
                let mut cost = 0.0;
                for (f, a) in acts.iter().enumerate() {
                    let g = first + f;
                    if g >= n_global || weight[g] == 0.0 {
                        continue;
                    }
                    for s in 0..LOCAL_SPEAKERS {
                        cost += (a[perm[s]] - sum[g][s] / weight[g]).abs();
                    }
                }
                if cost < best.0 {
                    best = (cost, perm);
                }
            }
            let perm = best.1;
            for (f, a) in acts.iter().enumerate() {
                let g = first + f;
                if g >= n_global {
                    break;
                }
                // Hamming window over the chunk: its edges see less context.
                let phase = std::f32::consts::TAU * f as f32 / (frames.max(2) - 1) as f32;
                let h = 0.54 - 0.46 * phase.cos();
                for s in 0..LOCAL_SPEAKERS {
                    sum[g][s] += h * a[perm[s]];
                }
                weight[g] += h;
            }
        }
        let track = sum
            .iter()
            .zip(&weight)
            .map(|(s, &w)| {
                if w > 0.0 {
                    [s[0] / w, s[1] / w, s[2] / w]
                } else {
                    [0.0; LOCAL_SPEAKERS]
                }
            })
            .collect();
        (track, ran)
    }
}

/// Where chunk `index` of an utterance starts, unless it is the
/// utterance's last chunk (which ends where the utterance ends).
pub fn chunk_start(index: usize) -> usize {
    index * CHUNK_STEP_FRAMES * FRAME_STEP
}

/// Chunks of an utterance of `n_samples` longer than a chunk: starts half
/// a chunk apart, as many as make the last one's start (at the end) fall
/// nearest the grid.
fn n_chunks(n_samples: usize) -> usize {
    let rest = (n_samples - CHUNK_SAMPLES) as f64 / chunk_start(1) as f64;
    rest.round() as usize + 1
}

/// Chunks of one utterance run while it is still spoken: chunk `c` is
/// [`ChangeModel::activities`] of its samples [`chunk_start`]`(c)` to
/// `chunk_start(c) + CHUNK_SAMPLES`, which can run as soon as that much of
/// the utterance was heard. [`ChangeModel::speaker_changes_after`] then
/// runs only what is missing (at least the last chunk, aligned to the end).
#[derive(Debug, Clone, Default)]
pub struct EarlyChunks {
    chunks: Vec<Option<Vec<[f32; LOCAL_SPEAKERS]>>>,
}

impl EarlyChunks {
    /// Keeps the activities of chunk `index`.
    pub fn insert(&mut self, index: usize, activities: Vec<[f32; LOCAL_SPEAKERS]>) {
        if self.chunks.len() <= index {
            self.chunks.resize(index + 1, None);
        }
        self.chunks[index] = Some(activities);
    }

    /// The activities of chunk `index`, if it ran.
    pub fn get(&self, index: usize) -> Option<&Vec<[f32; LOCAL_SPEAKERS]>> {
        self.chunks.get(index).and_then(Option::as_ref)
    }

    /// Chunks kept.
    pub fn len(&self) -> usize {
        self.chunks.iter().filter(|c| c.is_some()).count()
    }

    /// True when no chunk ran early.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The six orders of three local speakers.
const PERMUTATIONS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

/// Cut points (samples) in an activity track (see
/// [`ChangeModel::speaker_changes`]).
fn changes_in(track: &[[f32; LOCAL_SPEAKERS]], config: &ChangeConfig) -> Vec<usize> {
    // The loudest local speaker in each frame, if any is talking.
    let dominant: Vec<Option<usize>> = track
        .iter()
        .map(|a| {
            let (s, p) = a
                .iter()
                .enumerate()
                .max_by(|x, y| x.1.total_cmp(y.1))
                .expect("three speakers");
            (*p >= config.onset).then_some(s)
        })
        .collect();
    // Stretches of one dominant speaker: (speaker, first frame, last frame).
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    for (g, d) in dominant.iter().enumerate() {
        let Some(s) = *d else { continue };
        match runs.last_mut() {
            Some(run) if run.0 == s && run.2 + 1 == g => run.2 = g,
            _ => runs.push((s, g, g)),
        }
    }
    let min_frames = (config.min_turn_s * SAMPLE_RATE / FRAME_STEP as f64).ceil() as usize;
    // Stretches too short for a turn do not count; the same speaker on
    // both sides of a pause (or of such a short stretch) is one stretch.
    let mut kept: Vec<(usize, usize, usize)> = Vec::new();
    for run in runs {
        if run.2 + 1 - run.1 < min_frames {
            continue;
        }
        match kept.last_mut() {
            Some(last) if last.0 == run.0 => last.2 = run.2,
            _ => kept.push(run),
        }
    }
    let centre = |g: usize| g * FRAME_STEP + FRAME_SPAN / 2;
    kept.windows(2)
        .map(|pair| (centre(pair[0].2) + centre(pair[1].1)) / 2)
        .collect()
}

/// `out[m][n] = a[m][k] * b[k][n]`, with `a` and `b` read through their
/// (row, column) strides and `out` row-major. Every index is checked
/// against the slices first.
fn gemm(
    (m, k, n): (usize, usize, usize),
    (a, rsa, csa): (&[f32], usize, usize),
    (b, rsb, csb): (&[f32], usize, usize),
    out: &mut [f32],
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(k > 0);
    assert!((m - 1) * rsa + (k - 1) * csa < a.len(), "a too short");
    assert!((k - 1) * rsb + (n - 1) * csb < b.len(), "b too short");
    assert!(m * n <= out.len(), "out too short");
    // SAFETY: the asserts above keep every index matrixmultiply computes
    // from these dimensions and strides inside the three slices.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            0.0,
            out.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// `out = w x` for `w` [out.len()][x.len()] row-major: the LSTM's
/// recurrent step, one row at a time (a matrix product with one row would
/// pack the whole matrix on every step). Eight running sums per row keep
/// the floating-point units busy even where the compiler does not
/// vectorise.
fn matvec(w: &[f32], x: &[f32], out: &mut [f32]) {
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
        *o = acc.iter().sum::<f32>() + tail;
    }
}

/// Max-pool 3 over time, instance normalisation per channel, leaky ReLU;
/// `x` is [time][channels].
fn pool_norm_relu(x: &[f32], channels: usize, norm: &Norm) -> Vec<f32> {
    let n_in = x.len() / channels;
    let n = n_in / 3;
    let mut y = vec![0f32; n * channels];
    for t in 0..n {
        for c in 0..channels {
            let a = x[3 * t * channels + c];
            let b = x[(3 * t + 1) * channels + c];
            let d = x[(3 * t + 2) * channels + c];
            y[t * channels + c] = a.max(b).max(d);
        }
    }
    for c in 0..channels {
        let mut mean = 0f64;
        for t in 0..n {
            mean += y[t * channels + c] as f64;
        }
        mean /= n.max(1) as f64;
        let mut var = 0f64;
        for t in 0..n {
            let d = y[t * channels + c] as f64 - mean;
            var += d * d;
        }
        var /= n.max(1) as f64;
        let scale = norm.weight[c] as f64 / (var + 1e-5).sqrt();
        for t in 0..n {
            let v = &mut y[t * channels + c];
            *v = leaky_relu(((*v as f64 - mean) * scale + norm.bias[c] as f64) as f32);
        }
    }
    y
}

/// A convolution (stride 1, no padding) over [time][n_in]: output row t
/// reads the `CONV_TAPS * n_in` values from row t on, in place.
fn convolve(x: &[f32], conv: &Conv) -> Vec<f32> {
    let n_in_frames = x.len() / conv.n_in;
    let n = n_in_frames.saturating_sub(CONV_TAPS - 1);
    let mut y = vec![0f32; n * conv.n_out];
    let k = CONV_TAPS * conv.n_in;
    gemm(
        (n, k, conv.n_out),
        (x, conv.n_in, 1),
        (&conv.weight, 1, k),
        &mut y,
    );
    for row in y.chunks_exact_mut(conv.n_out) {
        row.iter_mut().zip(&conv.bias).for_each(|(v, b)| *v += b);
    }
    y
}

/// One bidirectional LSTM layer over [time][in] → [time][forward, reverse].
fn bidirectional(x: &[f32], n_frames: usize, layer: &[Direction; 2]) -> Vec<f32> {
    let mut out = vec![0f32; n_frames * 2 * HIDDEN];
    let mut gates_in = vec![0f32; n_frames * GATES];
    let mut g = vec![0f32; GATES];
    for (d, dir) in layer.iter().enumerate() {
        // Input projection for every step at once.
        gemm(
            (n_frames, dir.n_in, GATES),
            (x, dir.n_in, 1),
            (&dir.w_ih, 1, dir.n_in),
            &mut gates_in,
        );
        let mut h = [0f32; HIDDEN];
        let mut c = [0f32; HIDDEN];
        for step in 0..n_frames {
            let t = if d == 0 { step } else { n_frames - 1 - step };
            matvec(&dir.w_hh, &h, &mut g);
            let gin = &gates_in[t * GATES..(t + 1) * GATES];
            for k in 0..HIDDEN {
                let i = sigmoid(g[k] + gin[k] + dir.bias[k]);
                let f = sigmoid(g[HIDDEN + k] + gin[HIDDEN + k] + dir.bias[HIDDEN + k]);
                let cell =
                    (g[2 * HIDDEN + k] + gin[2 * HIDDEN + k] + dir.bias[2 * HIDDEN + k]).tanh();
                let o = sigmoid(g[3 * HIDDEN + k] + gin[3 * HIDDEN + k] + dir.bias[3 * HIDDEN + k]);
                c[k] = f * c[k] + i * cell;
                h[k] = o * c[k].tanh();
            }
            out[t * 2 * HIDDEN + d * HIDDEN..t * 2 * HIDDEN + (d + 1) * HIDDEN].copy_from_slice(&h);
        }
    }
    out
}

/// The 40 cosine then 40 sine band-pass filters of `ParamSincFB`, [80][251],
/// computed in float64 from the learned low and band frequencies.
fn sinc_filters(low_hz: &[f32], band_hz: &[f32], window: &[f32], n: &[f32]) -> Vec<f32> {
    let (min_low, min_band) = (50.0, 50.0);
    let mut cos_filters = Vec::new();
    let mut sin_filters = Vec::new();
    for (&low_p, &band_p) in low_hz.iter().zip(band_hz) {
        let low = min_low + (low_p as f64).abs();
        let high = (low + min_band + (band_p as f64).abs()).clamp(min_low, SAMPLE_RATE / 2.0);
        let band = high - low;
        let mut cos_left = [0f64; SINC_HALF];
        let mut sin_left = [0f64; SINC_HALF];
        for j in 0..SINC_HALF {
            let nj = n[j] as f64;
            let (ft_low, ft_high) = (low * nj, high * nj);
            cos_left[j] = (ft_high.sin() - ft_low.sin()) / (nj / 2.0) * window[j] as f64;
            sin_left[j] = (ft_low.cos() - ft_high.cos()) / (nj / 2.0) * window[j] as f64;
        }
        let scale = 1.0 / (2.0 * band);
        cos_filters.extend(cos_left.iter().map(|v| (v * scale) as f32));
        cos_filters.push((2.0 * band * scale) as f32);
        cos_filters.extend(cos_left.iter().rev().map(|v| (v * scale) as f32));
        sin_filters.extend(sin_left.iter().map(|v| (v * scale) as f32));
        sin_filters.push(0.0);
        sin_filters.extend(sin_left.iter().rev().map(|v| (-v * scale) as f32));
    }
    cos_filters.extend(sin_filters);
    cos_filters
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn leaky_relu(x: f32) -> f32 {
    if x >= 0.0 {
        x
    } else {
        0.01 * x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_follow_the_receptive_field() {
        assert_eq!(ChangeModel::n_frames(CHUNK_SAMPLES), 293);
        assert_eq!(ChangeModel::n_frames(FRAME_SPAN), 1);
        assert_eq!(ChangeModel::n_frames(FRAME_SPAN - 1), 0);
        assert_eq!(ChangeModel::n_frames(FRAME_SPAN + FRAME_STEP), 2);
    }

    #[test]
    fn matvec_is_a_matrix_product() {
        let w: Vec<f32> = (0..3 * 11).map(|i| i as f32 * 0.5 - 4.0).collect();
        let x: Vec<f32> = (0..11).map(|i| 1.0 - i as f32 * 0.25).collect();
        let mut out = [0f32; 3];
        matvec(&w, &x, &mut out);
        for (r, got) in out.iter().enumerate() {
            let want: f32 = (0..11).map(|c| w[r * 11 + c] * x[c]).sum();
            assert!((got - want).abs() < 1e-4, "row {r}: {got} vs {want}");
        }
    }

    #[test]
    fn weights_file_is_checked() {
        assert!(ChangeModel::from_bytes(b"junk").is_err());
        let err = ChangeModel::from_bytes(b"BLSEGM01\0\0\0\0").expect_err("too short");
        assert!(err.contains("expected"), "{err}");
    }

    fn track(spec: &[(Option<usize>, usize)]) -> Vec<[f32; 3]> {
        spec.iter()
            .flat_map(|&(s, n)| {
                std::iter::repeat_n(
                    {
                        let mut a = [0.05f32; 3];
                        if let Some(s) = s {
                            a[s] = 0.9;
                        }
                        a
                    },
                    n,
                )
            })
            .collect()
    }

    #[test]
    fn a_change_between_two_long_stretches_is_cut_in_the_gap() {
        // 0.5 s (the shortest turn) is 30 frames: A for 100 frames, 10
        // silent, B for 100.
        let t = track(&[(Some(0), 100), (None, 10), (Some(1), 100)]);
        let cuts = changes_in(&t, &ChangeConfig::default());
        assert_eq!(cuts.len(), 1);
        let (a_end, b_start) = (99 * FRAME_STEP + 495, 110 * FRAME_STEP + 495);
        assert_eq!(cuts[0], (a_end + b_start) / 2);
    }

    #[test]
    fn short_stretches_and_pauses_do_not_cut() {
        // A, a 20-frame (0.34 s) B, A again, a pause, A: one speaker.
        let t = track(&[
            (Some(0), 100),
            (Some(1), 20),
            (Some(0), 80),
            (None, 30),
            (Some(0), 70),
        ]);
        assert!(changes_in(&t, &ChangeConfig::default()).is_empty());
        // A too-short B at the end does not make a turn either.
        let t = track(&[(Some(0), 200), (Some(2), 20)]);
        assert!(changes_in(&t, &ChangeConfig::default()).is_empty());
        // Three long stretches: two cuts.
        let t = track(&[(Some(0), 80), (Some(2), 80), (Some(0), 80)]);
        assert_eq!(changes_in(&t, &ChangeConfig::default()).len(), 2);
    }
}
