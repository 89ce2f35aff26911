//! The transformer forward pass of the sentence encoders, on one core:
//! BERT (MiniLM-L6: 6 layers, hidden 384, 12 heads, feed-forward 1536) and
//! MPNet (hidden 768, 12 heads, feed-forward 3072), which differs from BERT
//! only in its tensor names, its position numbering and a relative
//! position bias added to every attention score. Weights come from a
//! safetensors file.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::gemm::Dense;

/// Which transformer the weights are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Hugging Face's `BertModel`.
    Bert,
    /// Hugging Face's `MPNetModel`: positions numbered from 2 (after the
    /// padding id), no token types, and a learned bias per head and bucket
    /// of relative position added to the attention scores.
    MpNet,
}

/// Shape of the model, from its config.
#[derive(Debug, Clone, Copy)]
pub struct BertConfig {
    /// Which transformer.
    pub family: Family,
    /// Width of every hidden state.
    pub hidden: usize,
    /// Attention heads per layer.
    pub heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate: usize,
    /// Encoder layers.
    pub layers: usize,
    /// Longest input, in tokens.
    pub max_positions: usize,
    /// Epsilon of every layer norm.
    pub layer_norm_eps: f32,
    /// Dense layers in int8 ([`super::gemm::QuantizedLinear`]) instead of f32.
    pub int8: bool,
    /// The word embedding table in int8, a scale per row ([`WordTable`]).
    pub int8_words: bool,
}

/// MiniLM-L6-H384, as all-MiniLM-L6-v2 ships it.
pub const MINILM_L6: BertConfig = BertConfig {
    family: Family::Bert,
    hidden: 384,
    heads: 12,
    intermediate: 1536,
    layers: 6,
    max_positions: 512,
    layer_norm_eps: 1e-12,
    int8: true,
    int8_words: true,
};

/// The first six of all-mpnet-base-v2's twelve layers.
pub const MPNET_L6: BertConfig = BertConfig {
    family: Family::MpNet,
    hidden: 768,
    heads: 12,
    intermediate: 3072,
    layers: 6,
    max_positions: 512,
    layer_norm_eps: 1e-5,
    int8: true,
    int8_words: true,
};

/// MPNet numbers positions from the padding id + 1.
const MPNET_FIRST_POSITION: usize = 2;
/// MPNet's buckets of relative position (half for each direction; the
/// last of each half starts 128 tokens away).
const MPNET_BUCKETS: usize = 32;

#[derive(Debug, Clone)]
struct LayerNorm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

#[derive(Debug, Clone)]
struct Layer {
    /// Query, key and value fused into one (3·hidden, hidden) matrix.
    qkv: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

/// The loaded model.
#[derive(Debug, Clone)]
pub struct Bert {
    config: BertConfig,
    word_embeddings: WordTable,
    position_embeddings: Vec<f32>,
    token_type_embedding: Vec<f32>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    /// MPNet's relative position bias, (buckets, heads) row-major.
    relative_bias: Option<Vec<f32>>,
}

/// The word embedding table: f32, or int8 rows with a scale each (MPNet's
/// table is 94 MB in f32 and 24 MB so, MiniLM's 47 and 12 MB; a turn reads
/// only a few dozen rows, and MPNet's first dense layer quantizes each
/// token's row to int8 anyway).
#[derive(Debug, Clone)]
enum WordTable {
    F32(Vec<f32>),
    Int8 { values: Vec<i8>, scales: Vec<f32> },
}

impl WordTable {
    /// Quantizes each row of `width` values as the int8 dense layers
    /// quantize their weights.
    fn int8(table: &[f32], width: usize) -> WordTable {
        let mut values = Vec::with_capacity(table.len());
        let mut scales = Vec::with_capacity(table.len() / width);
        for row in table.chunks_exact(width) {
            let scale = super::gemm::weight_scale(row);
            values.extend(row.iter().map(|&v| super::gemm::quantize_weight(v, scale)));
            scales.push(scale);
        }
        WordTable::Int8 { values, scales }
    }

    /// Number of rows of `width` values.
    fn rows(&self, width: usize) -> usize {
        match self {
            WordTable::F32(v) => v.len() / width,
            WordTable::Int8 { scales, .. } => scales.len(),
        }
    }

    /// Writes the row `id` (of width `out.len()`) into `out`.
    fn row(&self, id: usize, out: &mut [f32]) {
        let h = out.len();
        match self {
            WordTable::F32(v) => out.copy_from_slice(&v[id * h..(id + 1) * h]),
            WordTable::Int8 { values, scales } => {
                for (o, &q) in out.iter_mut().zip(&values[id * h..(id + 1) * h]) {
                    *o = f32::from(q) * scales[id];
                }
            }
        }
    }
}

/// The tensors of a safetensors file, as f32: in memory, or (from
/// [`Tensors::read`]) read from the file when they are taken, so a model
/// being packed never holds more than one layer's f32 weights at a time.
pub struct Tensors {
    loaded: HashMap<String, (Vec<usize>, Vec<f32>)>,
    file: Option<Lazy>,
}

/// Where tensors not read yet are.
struct Lazy {
    file: File,
    /// Offset of the data after the header.
    data_start: u64,
    entries: HashMap<String, Entry>,
}

/// One tensor as a safetensors header lists it.
struct Entry {
    name: String,
    shape: Vec<usize>,
    /// Byte range in the data after the header.
    start: usize,
    end: usize,
}

/// Headers longer than this are refused rather than allocated.
const MAX_HEADER: usize = 100 << 20;

impl Tensors {
    /// Parses a safetensors file held in memory (F32 tensors only; others
    /// are skipped).
    pub fn parse(bytes: &[u8]) -> Result<Tensors, String> {
        let header_len = bytes
            .get(..8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
            .ok_or("file shorter than its header length")?;
        let header = bytes
            .get(8..8_usize.saturating_add(header_len))
            .ok_or("header longer than the file")?;
        let data = &bytes[8 + header_len..];
        let mut loaded = HashMap::new();
        for entry in entries(header)? {
            let raw = data
                .get(entry.start..entry.end)
                .ok_or_else(|| format!("{}: data out of range", entry.name))?;
            check_f32_size(&entry, raw.len())?;
            let mut values = Vec::with_capacity(raw.len() / 4);
            extend_f32(&mut values, raw);
            loaded.insert(entry.name, (entry.shape, values));
        }
        Ok(Tensors { loaded, file: None })
    }

    /// Opens a safetensors file for the F32 tensors that `keep` accepts,
    /// read when they are taken: the rest of the file is never read
    /// (MPNet's file holds twelve layers and blameless runs six).
    pub fn read(path: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Tensors, String> {
        let mut file = File::open(path).map_err(|e| e.to_string())?;
        let mut len = [0u8; 8];
        file.read_exact(&mut len)
            .map_err(|_| "file shorter than its header length")?;
        let header_len = u64::from_le_bytes(len) as usize;
        if header_len > MAX_HEADER {
            return Err(format!("header of {header_len} bytes"));
        }
        let mut header = vec![0u8; header_len];
        file.read_exact(&mut header)
            .map_err(|_| "header longer than the file")?;
        let entries = entries(&header)?
            .into_iter()
            .filter(|e| keep(&e.name))
            .map(|e| (e.name.clone(), e))
            .collect();
        Ok(Tensors {
            loaded: HashMap::new(),
            file: Some(Lazy {
                file,
                data_start: 8 + header_len as u64,
                entries,
            }),
        })
    }

    /// Moves the tensor `name` from the file into memory, if it is there.
    fn load(&mut self, name: &str) -> Result<(), String> {
        let Some(lazy) = self.file.as_mut() else {
            return Ok(());
        };
        let Some(entry) = lazy.entries.remove(name) else {
            return Ok(());
        };
        let bytes = entry.end - entry.start;
        check_f32_size(&entry, bytes)?;
        // In slices, so a tensor is never held twice (as bytes and as f32).
        let mut values = Vec::with_capacity(bytes / 4);
        let mut chunk = vec![0u8; bytes.min(1 << 16)];
        let out_of_range = |_| format!("{}: data out of range", entry.name);
        lazy.file
            .seek(SeekFrom::Start(lazy.data_start + entry.start as u64))
            .map_err(out_of_range)?;
        let mut left = bytes;
        while left > 0 {
            let part = &mut chunk[..left.min(1 << 16)];
            lazy.file.read_exact(part).map_err(out_of_range)?;
            extend_f32(&mut values, part);
            left -= part.len();
        }
        self.loaded.insert(entry.name, (entry.shape, values));
        Ok(())
    }

    /// The shape of the tensor `name`, if there is one.
    fn shape(&self, name: &str) -> Option<&[usize]> {
        self.loaded
            .get(name)
            .map(|(shape, _)| shape.as_slice())
            .or_else(|| {
                let entry = self.file.as_ref()?.entries.get(name)?;
                Some(entry.shape.as_slice())
            })
    }

    /// Merges low-rank adapters into the weights they adapt: for every
    /// `NAME.lora_a` (rank × inputs) and `NAME.lora_b` (outputs × rank) in
    /// `adapters`, the weight `NAME` (outputs × inputs) becomes W + B·A, so
    /// the adapted model costs nothing more per turn.
    pub fn merge_low_rank(&mut self, adapters: &Tensors) -> Result<(), String> {
        for (name, (a_shape, a)) in &adapters.loaded {
            let Some(base) = name.strip_suffix(".lora_a") else {
                continue;
            };
            let b_name = format!("{base}.lora_b");
            let (b_shape, b) = adapters
                .loaded
                .get(&b_name)
                .ok_or_else(|| format!("adapter {name} has no {b_name}"))?;
            self.load(base)?;
            let (w_shape, w) = self
                .loaded
                .get_mut(base)
                .ok_or_else(|| format!("adapter {name} adapts no tensor of the model"))?;
            let (&[rank, inputs], &[outputs, b_rank], &[w_out, w_in]) =
                (&a_shape[..], &b_shape[..], &w_shape[..])
            else {
                return Err(format!("adapter {name}: not a matrix"));
            };
            if rank != b_rank || inputs != w_in || outputs != w_out {
                return Err(format!(
                    "adapter {name}: shapes {a_shape:?} and {b_shape:?} do not fit {w_shape:?}"
                ));
            }
            for o in 0..outputs {
                let row = &mut w[o * inputs..(o + 1) * inputs];
                for (r, &coefficient) in b[o * rank..(o + 1) * rank].iter().enumerate() {
                    for (x, &y) in row.iter_mut().zip(&a[r * inputs..(r + 1) * inputs]) {
                        *x += coefficient * y;
                    }
                }
            }
        }
        Ok(())
    }

    fn take(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        self.load(name)?;
        let (found, values) = self
            .loaded
            .remove(name)
            .ok_or_else(|| format!("missing tensor {name}"))?;
        if found != shape {
            return Err(format!("{name}: shape {found:?}, expected {shape:?}"));
        }
        Ok(values)
    }

    fn linear(
        &mut self,
        prefix: &str,
        inputs: usize,
        outputs: usize,
        int8: bool,
    ) -> Result<Dense, String> {
        let (weight, bias) = self.weight_and_bias(prefix, inputs, outputs)?;
        Ok(Dense::new(&weight, bias, inputs, outputs, int8))
    }

    fn weight_and_bias(
        &mut self,
        prefix: &str,
        inputs: usize,
        outputs: usize,
    ) -> Result<(Vec<f32>, Vec<f32>), String> {
        Ok((
            self.take(&format!("{prefix}.weight"), &[outputs, inputs])?,
            self.take(&format!("{prefix}.bias"), &[outputs])?,
        ))
    }

    fn norm(&mut self, prefix: &str, width: usize) -> Result<LayerNorm, String> {
        Ok(LayerNorm {
            gamma: self.take(&format!("{prefix}.weight"), &[width])?,
            beta: self.take(&format!("{prefix}.bias"), &[width])?,
        })
    }
}

/// Whether the forward pass of a model of `layers` layers reads the tensor
/// `name` (not the pooler, and no layer past the last).
pub fn used(name: &str, layers: usize) -> bool {
    if name.starts_with("pooler.") {
        return false;
    }
    match name.strip_prefix("encoder.layer.") {
        Some(rest) => rest
            .split('.')
            .next()
            .and_then(|i| i.parse::<usize>().ok())
            .is_some_and(|i| i < layers),
        None => true,
    }
}

/// The F32 tensors a safetensors header lists (others are skipped).
fn entries(header: &[u8]) -> Result<Vec<Entry>, String> {
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(header).map_err(|e| format!("bad header: {e}"))?;
    let mut out = Vec::new();
    for (name, info) in header {
        if name == "__metadata__" || info["dtype"] != "F32" {
            continue;
        }
        let shape: Vec<usize> = info["shape"]
            .as_array()
            .ok_or_else(|| format!("{name}: no shape"))?
            .iter()
            .map(|d| d.as_u64().unwrap_or(0) as usize)
            .collect();
        let offsets: Vec<usize> = info["data_offsets"]
            .as_array()
            .ok_or_else(|| format!("{name}: no offsets"))?
            .iter()
            .map(|d| d.as_u64().unwrap_or(0) as usize)
            .collect();
        let [start, end] = offsets[..] else {
            return Err(format!("{name}: bad offsets"));
        };
        if end < start {
            return Err(format!("{name}: bad offsets"));
        }
        out.push(Entry {
            name,
            shape,
            start,
            end,
        });
    }
    Ok(out)
}

/// Whether `bytes` of data hold `entry`'s shape of f32 values.
fn check_f32_size(entry: &Entry, bytes: usize) -> Result<(), String> {
    if bytes != 4 * entry.shape.iter().product::<usize>() {
        return Err(format!("{}: size does not match its shape", entry.name));
    }
    Ok(())
}

/// Appends the little-endian f32 values of `raw` (a multiple of 4 bytes).
fn extend_f32(values: &mut Vec<f32>, raw: &[u8]) {
    values.extend(
        raw.chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))),
    );
}

impl Bert {
    /// Builds the model from its tensors (names as in Hugging Face's
    /// `BertModel` or `MPNetModel`, without a model prefix). Layers past
    /// `config.layers` are left out.
    pub fn from_tensors(mut t: Tensors, config: BertConfig) -> Result<Bert, String> {
        let h = config.hidden;
        let mpnet = config.family == Family::MpNet;
        let int8 = config.int8;
        let word_embeddings = t.take(
            "embeddings.word_embeddings.weight",
            &[
                t.shape("embeddings.word_embeddings.weight")
                    .map_or(0, |s| s[0]),
                h,
            ],
        )?;
        let word_embeddings = if config.int8_words {
            WordTable::int8(&word_embeddings, h)
        } else {
            WordTable::F32(word_embeddings)
        };

        let (position_embeddings, token_type_embedding, relative_bias) = if mpnet {
            let positions = config.max_positions + MPNET_FIRST_POSITION;
            let mut table = t.take("embeddings.position_embeddings.weight", &[positions, h])?;
            table.drain(..MPNET_FIRST_POSITION * h);
            let bias = t.take(
                "encoder.relative_attention_bias.weight",
                &[MPNET_BUCKETS, config.heads],
            )?;
            (table, vec![0.0; h], Some(bias))
        } else {
            let table = t.take(
                "embeddings.position_embeddings.weight",
                &[config.max_positions, h],
            )?;
            let mut token_type = t.take("embeddings.token_type_embeddings.weight", &[2, h])?;
            token_type.truncate(h);
            (table, token_type, None)
        };
        // Where each part of a layer lives in the two families' names.
        let [query, key, value, attention_out, attention_norm] = if mpnet {
            [
                "attention.attn.q",
                "attention.attn.k",
                "attention.attn.v",
                "attention.attn.o",
                "attention.LayerNorm",
            ]
        } else {
            [
                "attention.self.query",
                "attention.self.key",
                "attention.self.value",
                "attention.output.dense",
                "attention.output.LayerNorm",
            ]
        };
        let embedding_norm = t.norm("embeddings.LayerNorm", h)?;
        let mut layers = Vec::with_capacity(config.layers);
        for i in 0..config.layers {
            let p = format!("encoder.layer.{i}");
            let (q, q_bias) = t.weight_and_bias(&format!("{p}.{query}"), h, h)?;
            let (k, k_bias) = t.weight_and_bias(&format!("{p}.{key}"), h, h)?;
            let (v, v_bias) = t.weight_and_bias(&format!("{p}.{value}"), h, h)?;
            let qkv = Dense::new(
                &[q, k, v].concat(),
                [q_bias, k_bias, v_bias].concat(),
                h,
                3 * h,
                int8,
            );
            layers.push(Layer {
                qkv,
                attention_out: t.linear(&format!("{p}.{attention_out}"), h, h, int8)?,
                attention_norm: t.norm(&format!("{p}.{attention_norm}"), h)?,
                intermediate: t.linear(
                    &format!("{p}.intermediate.dense"),
                    h,
                    config.intermediate,
                    int8,
                )?,
                output: t.linear(&format!("{p}.output.dense"), config.intermediate, h, int8)?,
                output_norm: t.norm(&format!("{p}.output.LayerNorm"), h)?,
            });
        }
        Ok(Bert {
            config,
            word_embeddings,
            position_embeddings,
            token_type_embedding,
            embedding_norm,
            layers,
            relative_bias,
        })
    }

    /// Width of the hidden states (and of the pooled embedding).
    pub fn hidden(&self) -> usize {
        self.config.hidden
    }

    /// Longest input the position table allows.
    pub fn max_positions(&self) -> usize {
        self.config.max_positions
    }

    /// The last hidden states of one sequence, (tokens, hidden) row-major.
    /// Ids out of the vocabulary are read as id 0 (padding).
    pub fn forward(&self, ids: &[u32]) -> Vec<f32> {
        let h = self.config.hidden;
        let n = ids.len().min(self.config.max_positions);
        let vocab = self.word_embeddings.rows(h);
        let mut x = vec![0f32; n * h];
        for (i, &id) in ids[..n].iter().enumerate() {
            let id = if (id as usize) < vocab {
                id as usize
            } else {
                0
            };
            let row = &mut x[i * h..(i + 1) * h];
            self.word_embeddings.row(id, row);
            let position = &self.position_embeddings[i * h..(i + 1) * h];
            for ((r, p), t) in row.iter_mut().zip(position).zip(&self.token_type_embedding) {
                // The same order as before the table could be int8:
                // word + position + token type.
                *r = *r + p + t;
            }
        }
        let eps = self.config.layer_norm_eps;
        layer_norm(&mut x, h, &self.embedding_norm, eps);
        let buckets = self.relative_bias.as_ref().map(|_| relative_buckets(n));

        let heads = self.config.heads;
        let head_dim = h / heads;
        let scale = 1.0 / (head_dim as f32).sqrt();
        let mut qkv = vec![0f32; n * 3 * h];
        let mut scores = vec![0f32; n * n];
        let mut context = vec![0f32; n * h];
        let mut attended = vec![0f32; n * h];
        let mut inner = vec![0f32; n * self.config.intermediate];
        let mut out = vec![0f32; n * h];
        for layer in &self.layers {
            layer.qkv.apply(&x, n, &mut qkv);
            for head in 0..heads {
                let q = head * head_dim;
                let k = h + head * head_dim;
                let v = 2 * h + head * head_dim;
                // scores = Q Kᵀ · scale
                // SAFETY: every pointer and stride below addresses element
                // (row, col) inside its buffer: qkv is (n, 3h), scores (n, n),
                // context (n, h), and head offsets + head_dim <= 3h or h.
                unsafe {
                    matrixmultiply::sgemm(
                        n,
                        head_dim,
                        n,
                        scale,
                        qkv.as_ptr().add(q),
                        (3 * h) as isize,
                        1,
                        qkv.as_ptr().add(k),
                        1,
                        (3 * h) as isize,
                        0.0,
                        scores.as_mut_ptr(),
                        n as isize,
                        1,
                    );
                }
                if let (Some(bias), Some(buckets)) = (&self.relative_bias, &buckets) {
                    for (score, &bucket) in scores.iter_mut().zip(buckets) {
                        *score += bias[bucket * heads + head];
                    }
                }
                for row in scores.chunks_exact_mut(n) {
                    softmax(row);
                }
                // context[:, head] = scores V
                // SAFETY: as above.
                unsafe {
                    matrixmultiply::sgemm(
                        n,
                        n,
                        head_dim,
                        1.0,
                        scores.as_ptr(),
                        n as isize,
                        1,
                        qkv.as_ptr().add(v),
                        (3 * h) as isize,
                        1,
                        0.0,
                        context.as_mut_ptr().add(head * head_dim),
                        h as isize,
                        1,
                    );
                }
            }
            layer.attention_out.apply(&context, n, &mut attended);
            for (a, xi) in attended.iter_mut().zip(&x) {
                *a += xi;
            }
            layer_norm(&mut attended, h, &layer.attention_norm, eps);
            layer.intermediate.apply(&attended, n, &mut inner);
            for value in inner.iter_mut() {
                *value = gelu(*value);
            }
            layer.output.apply(&inner, n, &mut out);
            for (o, a) in out.iter_mut().zip(&attended) {
                *o += a;
            }
            layer_norm(&mut out, h, &layer.output_norm, eps);
            std::mem::swap(&mut x, &mut out);
        }
        x
    }
}

fn layer_norm(x: &mut [f32], width: usize, norm: &LayerNorm, eps: f32) {
    for row in x.chunks_exact_mut(width) {
        let mean = row.iter().sum::<f32>() / width as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / width as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, g), b) in row.iter_mut().zip(&norm.gamma).zip(&norm.beta) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}

/// MPNet's bucket of every (query, key) pair of an `n`-token input, (n, n)
/// row-major: 16 buckets per direction, one per distance below 8 tokens,
/// then logarithmic up to 128 (as Hugging Face's `relative_position_bucket`).
fn relative_buckets(n: usize) -> Vec<usize> {
    let half = MPNET_BUCKETS / 2;
    let exact = half / 2;
    let mut out = Vec::with_capacity(n * n);
    for query in 0..n {
        for key in 0..n {
            // Keys after the query use the upper half.
            let (base, distance) = if key > query {
                (half, key - query)
            } else {
                (0, query - key)
            };
            let bucket = if distance < exact {
                distance
            } else {
                // exact + ⌊ln(d / 8) / ln(128 / 8) · 8⌋ = 8 + ⌊log₂(d² / 64)⌋,
                // in integers so no rounding moves a distance to the next
                // bucket.
                let squared = distance * distance / (exact * exact);
                (exact + squared.ilog2() as usize).min(half - 1)
            };
            out.push(base + bucket);
        }
    }
    out
}

fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

/// GELU with the exact error function, as BERT uses.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// The error function (Abramowitz and Stegun 7.1.26, error below 1.5e-7),
/// computed in f64.
fn erf(x: f32) -> f32 {
    let x = f64::from(x);
    let sign = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    (sign * (1.0 - poly * (-x * x).exp())) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        for (x, want) in [
            (0.0, 0.0),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (-2.0, -0.995_322_3),
        ] {
            assert!((erf(x) - want).abs() < 2e-7, "erf({x})");
        }
    }

    #[test]
    fn relative_buckets_match_mpnet() {
        // Hugging Face's relative_position_bucket for a key `d` tokens
        // after (+) or before (-) the query: where each bucket starts.
        let starts = [
            (1, 17),
            (8, 24),
            (12, 25),
            (16, 26),
            (23, 27),
            (32, 28),
            (46, 29),
            (64, 30),
            (91, 31),
        ];
        let n = 300;
        let buckets = relative_buckets(n);
        let query = 150;
        let at = |d: isize| buckets[query * n + (query as isize + d) as usize];
        assert_eq!(at(0), 0);
        for (d, bucket) in starts {
            assert_eq!(at(d), bucket, "+{d}");
            assert_eq!(at(-d), bucket - 16, "-{d}");
            if d > 1 {
                assert_eq!(at(d - 1), bucket - 1, "+{}", d - 1);
                assert_eq!(at(1 - d), bucket - 17, "-{}", d - 1);
            }
        }
        assert_eq!(at(149), 31);
        assert_eq!(at(-150), 15);
    }

    /// A safetensors file of F32 tensors, as bytes.
    fn safetensors(entries: &[(&str, &[usize], &[f32])]) -> Vec<u8> {
        let mut header = serde_json::Map::new();
        let mut data = Vec::new();
        for (name, shape, values) in entries {
            let start = data.len();
            data.extend(values.iter().flat_map(|v| v.to_le_bytes()));
            header.insert(
                name.to_string(),
                serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]}),
            );
        }
        let header = serde_json::to_vec(&header).unwrap();
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend(header);
        bytes.extend(data);
        bytes
    }

    #[test]
    fn reading_a_file_keeps_only_the_tensors_asked_for() {
        let bytes = safetensors(&[
            ("embeddings.word_embeddings.weight", &[2], &[1., 2.]),
            ("encoder.layer.0.output.dense.bias", &[1], &[3.]),
            ("encoder.layer.6.output.dense.bias", &[1], &[4.]),
            ("encoder.layer.11.output.dense.bias", &[1], &[5.]),
            ("pooler.dense.bias", &[1], &[6.]),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        std::fs::write(&path, &bytes).unwrap();
        let mut read = Tensors::read(&path, &|name| used(name, 6)).unwrap();
        assert!(read.loaded.is_empty(), "nothing read before it is taken");
        let mut names: Vec<&String> = read.file.as_ref().unwrap().entries.keys().collect();
        names.sort();
        assert_eq!(
            names,
            [
                "embeddings.word_embeddings.weight",
                "encoder.layer.0.output.dense.bias"
            ]
        );
        assert_eq!(
            read.shape("embeddings.word_embeddings.weight"),
            Some(&[2][..])
        );
        assert_eq!(
            read.take("embeddings.word_embeddings.weight", &[2])
                .unwrap(),
            vec![1., 2.]
        );
        assert!(read
            .take("encoder.layer.6.output.dense.bias", &[1])
            .is_err());
        // The same values as parsing the whole file.
        let mut whole = Tensors::parse(&bytes).unwrap();
        assert_eq!(whole.loaded.len(), 5);
        let name = "encoder.layer.0.output.dense.bias";
        assert_eq!(
            whole.take(name, &[1]).unwrap(),
            read.take(name, &[1]).unwrap()
        );
        // A file cut short says which tensor is missing its data.
        std::fs::write(&path, &bytes[..bytes.len() - 4]).unwrap();
        let mut cut = Tensors::read(&path, &|_| true).unwrap();
        let err = cut.take("pooler.dense.bias", &[1]).unwrap_err();
        assert!(err.contains("pooler.dense.bias"), "{err}");
    }

    fn tensors(entries: &[(&str, &[usize], &[f32])]) -> Tensors {
        Tensors {
            loaded: entries
                .iter()
                .map(|(name, shape, values)| (name.to_string(), (shape.to_vec(), values.to_vec())))
                .collect(),
            file: None,
        }
    }

    #[test]
    fn low_rank_adapters_add_their_product_to_the_weight() {
        // W (3 × 2) + B (3 × 1) · A (1 × 2)
        let mut model = tensors(&[("w", &[3, 2], &[1., 2., 3., 4., 5., 6.])]);
        let adapters = tensors(&[
            ("w.lora_a", &[1, 2], &[1., -1.]),
            ("w.lora_b", &[3, 1], &[0., 1., 2.]),
        ]);
        model.merge_low_rank(&adapters).unwrap();
        assert_eq!(
            model.take("w", &[3, 2]).unwrap(),
            vec![1., 2., 4., 3., 7., 4.]
        );
    }

    #[test]
    fn adapters_that_do_not_fit_the_model_are_refused() {
        let mut model = tensors(&[("w", &[3, 2], &[0.; 6])]);
        let wrong_width = tensors(&[
            ("w.lora_a", &[1, 3], &[0.; 3]),
            ("w.lora_b", &[3, 1], &[0.; 3]),
        ]);
        assert!(model.merge_low_rank(&wrong_width).is_err());
        let unknown = tensors(&[
            ("v.lora_a", &[1, 2], &[0.; 2]),
            ("v.lora_b", &[3, 1], &[0.; 3]),
        ]);
        assert!(model.merge_low_rank(&unknown).is_err());
    }
}
