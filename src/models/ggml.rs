//! Writer (and header reader) for whisper.cpp's ggml model files.
//!
//! A ggml Whisper file is: magic `ggml`, eleven `i32` hyper-parameters, the
//! mel filterbank, the byte-level vocabulary, then tensors one after another
//! (`i32` rank, `i32` name length, `i32` type, `i32` dims innermost first, the
//! name, the data). [`convert_ct2`] produces one from a CTranslate2 directory.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use super::ct2::{Ct2Model, Variable};
use super::ModelError;

const MAGIC: u32 = 0x6767_6d6c;
/// whisper.cpp's `GGML_QNT_VERSION_FACTOR` and `GGML_QNT_VERSION`.
const QNT_VERSION_FACTOR: i32 = 1000;
const QNT_VERSION: i32 = 2;

/// How the large weight matrices are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightType {
    /// IEEE half floats, as the CTranslate2 packages ship them.
    F16,
    /// 8-bit blocks of 32 with an f16 scale (ggml `q8_0`).
    Q8_0,
    /// 5-bit blocks of 32 with an f16 scale (ggml `q5_0`).
    Q5_0,
}

impl WeightType {
    /// The name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            WeightType::F16 => "f16",
            WeightType::Q8_0 => "q8_0",
            WeightType::Q5_0 => "q5_0",
        }
    }

    /// Parses a name given by [`WeightType::name`].
    pub fn from_name(name: &str) -> Option<WeightType> {
        [WeightType::F16, WeightType::Q8_0, WeightType::Q5_0]
            .into_iter()
            .find(|w| w.name() == name)
    }

    /// ggml's `ggml_ftype` value, stored in the header.
    fn ftype(self) -> i32 {
        match self {
            WeightType::F16 => 1,
            WeightType::Q8_0 => 7 + QNT_VERSION * QNT_VERSION_FACTOR,
            WeightType::Q5_0 => 8 + QNT_VERSION * QNT_VERSION_FACTOR,
        }
    }

    /// ggml's `ggml_type` of tensors stored with this weight type.
    fn ggml_type(self) -> i32 {
        match self {
            WeightType::F16 => GGML_F16,
            WeightType::Q8_0 => 8,
            WeightType::Q5_0 => 6,
        }
    }

    fn from_ftype(ftype: i32) -> Option<WeightType> {
        match ftype % QNT_VERSION_FACTOR {
            1 => Some(WeightType::F16),
            7 => Some(WeightType::Q8_0),
            8 => Some(WeightType::Q5_0),
            _ => None,
        }
    }
}

const GGML_F32: i32 = 0;
const GGML_F16: i32 = 1;

/// Whisper's hyper-parameters, in the order the header stores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HParams {
    /// Vocabulary size including special tokens.
    pub n_vocab: i32,
    /// Encoder positions (1500 for 30 s).
    pub n_audio_ctx: i32,
    /// Encoder width.
    pub n_audio_state: i32,
    /// Encoder attention heads.
    pub n_audio_head: i32,
    /// Encoder blocks.
    pub n_audio_layer: i32,
    /// Decoder positions.
    pub n_text_ctx: i32,
    /// Decoder width.
    pub n_text_state: i32,
    /// Decoder attention heads.
    pub n_text_head: i32,
    /// Decoder blocks.
    pub n_text_layer: i32,
    /// Mel bands.
    pub n_mels: i32,
    /// ggml file type (weight type plus quantization version).
    pub ftype: i32,
}

impl HParams {
    fn to_array(self) -> [i32; 11] {
        [
            self.n_vocab,
            self.n_audio_ctx,
            self.n_audio_state,
            self.n_audio_head,
            self.n_audio_layer,
            self.n_text_ctx,
            self.n_text_state,
            self.n_text_head,
            self.n_text_layer,
            self.n_mels,
            self.ftype,
        ]
    }

    /// The conventional model name (`tiny.en`, `base`, ...), from the sizes.
    pub fn model_name(&self) -> String {
        let size = match (self.n_audio_layer, self.n_audio_state) {
            (4, 384) => "tiny",
            (6, 512) => "base",
            (12, 768) => "small",
            (24, 1024) => "medium",
            (32, 1280) => "large",
            _ => "custom",
        };
        if self.n_vocab == 51864 {
            format!("{size}.en")
        } else {
            size.to_string()
        }
    }

    /// True when the model knows languages other than English (whisper.cpp
    /// decides it the same way, from the vocabulary size).
    pub fn is_multilingual(&self) -> bool {
        self.n_vocab >= 51865
    }

    /// Weight type, when it is one this crate knows.
    pub fn weight_type(&self) -> Option<WeightType> {
        WeightType::from_ftype(self.ftype)
    }
}

/// Reads the magic and hyper-parameters of a ggml Whisper file, to check a
/// file before handing it to whisper.cpp (which aborts on some bad input).
pub fn read_header(path: &Path) -> Result<HParams, ModelError> {
    let bad = |message: &str| ModelError::BadGgml {
        path: path.to_owned(),
        message: message.to_string(),
    };
    let mut file = File::open(path).map_err(|source| ModelError::Io {
        path: path.to_owned(),
        error: source,
    })?;
    let mut head = [0u8; 48];
    file.read_exact(&mut head)
        .map_err(|_| bad("not a ggml Whisper model (too short)"))?;
    let word = |i: usize| {
        i32::from_le_bytes([
            head[i * 4],
            head[i * 4 + 1],
            head[i * 4 + 2],
            head[i * 4 + 3],
        ])
    };
    if word(0) as u32 != MAGIC {
        return Err(bad("not a ggml Whisper model (bad magic); pass a ggml .bin file or a model name from `blameless models list`"));
    }
    let h = HParams {
        n_vocab: word(1),
        n_audio_ctx: word(2),
        n_audio_state: word(3),
        n_audio_head: word(4),
        n_audio_layer: word(5),
        n_text_ctx: word(6),
        n_text_state: word(7),
        n_text_head: word(8),
        n_text_layer: word(9),
        n_mels: word(10),
        ftype: word(11),
    };
    let sane = |v: i32, max: i32| v > 0 && v <= max;
    if !(sane(h.n_vocab, 1 << 20)
        && sane(h.n_audio_ctx, 1 << 16)
        && sane(h.n_audio_state, 1 << 16)
        && sane(h.n_audio_head, 1024)
        && sane(h.n_audio_layer, 1024)
        && sane(h.n_text_ctx, 1 << 16)
        && sane(h.n_text_state, 1 << 16)
        && sane(h.n_text_head, 1024)
        && sane(h.n_text_layer, 1024)
        && (h.n_mels == 80 || h.n_mels == 128))
    {
        return Err(bad("implausible hyper-parameters (corrupt file?)"));
    }
    Ok(h)
}

/// What [`convert_ct2`] wrote.
#[derive(Debug, Clone)]
pub struct ConvertSummary {
    /// The header written.
    pub hparams: HParams,
    /// Number of tensors written.
    pub n_tensors: usize,
    /// Size of the output file in bytes.
    pub n_bytes: u64,
}

/// Converts a CTranslate2 Whisper directory (`model.bin`, `vocabulary.txt`)
/// into a ggml file at `out`, written to a temporary file first and renamed
/// into place so a crash never leaves half a model under the final name.
pub fn convert_ct2(
    dir: &Path,
    out: &Path,
    weight_type: WeightType,
) -> Result<ConvertSummary, ModelError> {
    let model = Ct2Model::read(&dir.join("model.bin"))?;
    let bad = |message: String| ModelError::BadCt2 {
        path: dir.join("model.bin"),
        message,
    };
    if model.spec != "WhisperSpec" {
        return Err(bad(format!("spec is {}, not a Whisper model", model.spec)));
    }
    let vocab_path = dir.join("vocabulary.txt");
    let vocab_text = std::fs::read_to_string(&vocab_path).map_err(|source| ModelError::Io {
        path: vocab_path.clone(),
        error: source,
    })?;
    let vocab = byte_vocabulary(&vocab_text).map_err(|message| ModelError::BadCt2 {
        path: vocab_path,
        message,
    })?;

    let tensors = map_tensors(&model).map_err(bad)?;
    let hparams = hparams(&model, weight_type).map_err(bad)?;
    let filters = mel_filters(hparams.n_mels as usize, 400, 16_000);

    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|source| ModelError::Io {
        path: parent.to_owned(),
        error: source,
    })?;
    let io = |source| ModelError::Io {
        path: out.to_owned(),
        error: source,
    };
    let tmp = tempfile::NamedTempFile::new_in(parent).map_err(io)?;
    let mut w = BufWriter::new(tmp.as_file());
    w.write_all(&MAGIC.to_le_bytes()).map_err(io)?;
    for v in hparams.to_array() {
        w.write_all(&v.to_le_bytes()).map_err(io)?;
    }
    w.write_all(&(hparams.n_mels).to_le_bytes()).map_err(io)?;
    w.write_all(&201i32.to_le_bytes()).map_err(io)?;
    for f in &filters {
        w.write_all(&f.to_le_bytes()).map_err(io)?;
    }
    w.write_all(&(vocab.len() as i32).to_le_bytes())
        .map_err(io)?;
    for token in &vocab {
        w.write_all(&(token.len() as u32).to_le_bytes())
            .map_err(io)?;
        w.write_all(token).map_err(io)?;
    }
    for tensor in &tensors {
        write_tensor(&mut w, tensor, weight_type).map_err(io)?;
    }
    w.flush().map_err(io)?;
    drop(w);
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(out).map_err(|e| io(e.error))?;
    let n_bytes = std::fs::metadata(out).map_err(io)?.len();
    Ok(ConvertSummary {
        hparams,
        n_tensors: tensors.len(),
        n_bytes,
    })
}

fn hparams(model: &Ct2Model, weight_type: WeightType) -> Result<HParams, String> {
    let int = |name: &str| -> Result<i32, String> {
        model
            .get(name)?
            .scalar_int()
            .map(|v| v as i32)
            .ok_or_else(|| format!("{name} is not an integer scalar"))
    };
    let dims = |name: &str| -> Result<Vec<usize>, String> { Ok(model.get(name)?.dims.clone()) };
    let enc_pos = dims("encoder/position_encodings/encodings")?;
    let dec_pos = dims("decoder/position_encodings/encodings")?;
    let emb = dims("decoder/embeddings/weight")?;
    let conv1 = dims("encoder/conv1/weight")?;
    let (
        Some(&[a_ctx, a_state]),
        Some(&[t_ctx, t_state]),
        Some(&[n_vocab, _]),
        Some(&[_, n_mels, _]),
    ) = (
        enc_pos.get(..2).filter(|_| enc_pos.len() == 2),
        dec_pos.get(..2).filter(|_| dec_pos.len() == 2),
        emb.get(..2).filter(|_| emb.len() == 2),
        conv1.get(..3).filter(|_| conv1.len() == 3),
    )
    else {
        return Err("unexpected shapes for embeddings or conv1".into());
    };
    Ok(HParams {
        n_vocab: n_vocab as i32,
        n_audio_ctx: a_ctx as i32,
        n_audio_state: a_state as i32,
        n_audio_head: int("encoder/num_heads")?,
        n_audio_layer: model.n_layers("encoder") as i32,
        n_text_ctx: t_ctx as i32,
        n_text_state: t_state as i32,
        n_text_head: int("decoder/num_heads")?,
        n_text_layer: model.n_layers("decoder") as i32,
        n_mels: n_mels as i32,
        ftype: weight_type.ftype(),
    })
}

/// A tensor ready to write: whisper.cpp name, PyTorch-order dims, values.
struct Tensor {
    name: String,
    dims: Vec<usize>,
    values: Vec<f32>,
    /// Stored as f32 whatever the weight type (positional embeddings, biases, norms).
    keep_f32: bool,
    /// Stored as f16 even in quantized files (convolutions).
    keep_f16: bool,
}

fn map_tensors(model: &Ct2Model) -> Result<Vec<Tensor>, String> {
    let mut out = Vec::new();
    let values = |v: &Variable, name: &str| {
        v.to_f32()
            .ok_or_else(|| format!("{name} is not a float tensor"))
    };
    let plain = |ct2: &str, ggml: &str, out: &mut Vec<Tensor>| -> Result<(), String> {
        let v = model.get(ct2)?;
        out.push(Tensor {
            name: ggml.to_string(),
            dims: v.dims.clone(),
            values: values(v, ct2)?,
            keep_f32: false,
            keep_f16: false,
        });
        Ok(())
    };
    // Fused projections are split by rows into equal parts; parts named `None`
    // are dropped (Whisper's key projections have no bias, CTranslate2 stores zeros).
    let split =
        |ct2: &str, names: &[Option<String>], out: &mut Vec<Tensor>| -> Result<(), String> {
            let v = model.get(ct2)?;
            let all = values(v, ct2)?;
            let rows = v.dims[0];
            if rows % names.len() != 0 {
                return Err(format!(
                    "{ct2}: {rows} rows do not split in {}",
                    names.len()
                ));
            }
            let part_rows = rows / names.len();
            let per_row: usize = v.dims[1..].iter().product();
            for (i, name) in names.iter().enumerate() {
                if let Some(name) = name {
                    let mut dims = v.dims.clone();
                    dims[0] = part_rows;
                    out.push(Tensor {
                        name: name.clone(),
                        dims,
                        values: all[i * part_rows * per_row..(i + 1) * part_rows * per_row]
                            .to_vec(),
                        keep_f32: false,
                        keep_f16: false,
                    });
                }
            }
            Ok(())
        };

    for conv in ["conv1", "conv2"] {
        plain(
            &format!("encoder/{conv}/weight"),
            &format!("encoder.{conv}.weight"),
            &mut out,
        )?;
        plain(
            &format!("encoder/{conv}/bias"),
            &format!("encoder.{conv}.bias"),
            &mut out,
        )?;
        let n = out.len();
        out[n - 2].keep_f16 = true;
        // whisper.cpp adds the conv bias as a (n_state, 1) tensor.
        out[n - 1].dims.push(1);
    }
    for (stack, n_layers) in [
        ("encoder", model.n_layers("encoder")),
        ("decoder", model.n_layers("decoder")),
    ] {
        plain(
            &format!("{stack}/position_encodings/encodings"),
            &format!("{stack}.positional_embedding"),
            &mut out,
        )?;
        if let Some(t) = out.last_mut() {
            t.keep_f32 = true;
        }
        for i in 0..n_layers {
            let c = format!("{stack}/layer_{i}");
            let g = format!("{stack}.blocks.{i}");
            let names = |parts: &[&str], suffix: &str| -> Vec<Option<String>> {
                parts
                    .iter()
                    .map(|p| (!p.is_empty()).then(|| format!("{g}.{p}.{suffix}")))
                    .collect()
            };
            split(
                &format!("{c}/self_attention/linear_0/weight"),
                &names(&["attn.query", "attn.key", "attn.value"], "weight"),
                &mut out,
            )?;
            split(
                &format!("{c}/self_attention/linear_0/bias"),
                &names(&["attn.query", "", "attn.value"], "bias"),
                &mut out,
            )?;
            let mut pairs: Vec<(String, String)> = vec![
                (
                    format!("{c}/self_attention/linear_1"),
                    format!("{g}.attn.out"),
                ),
                (format!("{c}/ffn/linear_0"), format!("{g}.mlp.0")),
                (format!("{c}/ffn/linear_1"), format!("{g}.mlp.2")),
            ];
            let mut norms: Vec<(String, String)> = vec![
                (
                    format!("{c}/self_attention/layer_norm"),
                    format!("{g}.attn_ln"),
                ),
                (format!("{c}/ffn/layer_norm"), format!("{g}.mlp_ln")),
            ];
            if stack == "decoder" {
                pairs.push((
                    format!("{c}/attention/linear_0"),
                    format!("{g}.cross_attn.query"),
                ));
                pairs.push((
                    format!("{c}/attention/linear_2"),
                    format!("{g}.cross_attn.out"),
                ));
                norms.push((
                    format!("{c}/attention/layer_norm"),
                    format!("{g}.cross_attn_ln"),
                ));
                split(
                    &format!("{c}/attention/linear_1/weight"),
                    &names(&["cross_attn.key", "cross_attn.value"], "weight"),
                    &mut out,
                )?;
                split(
                    &format!("{c}/attention/linear_1/bias"),
                    &names(&["", "cross_attn.value"], "bias"),
                    &mut out,
                )?;
            }
            for (ct2, ggml) in pairs {
                plain(
                    &format!("{ct2}/weight"),
                    &format!("{ggml}.weight"),
                    &mut out,
                )?;
                plain(&format!("{ct2}/bias"), &format!("{ggml}.bias"), &mut out)?;
            }
            for (ct2, ggml) in norms {
                plain(&format!("{ct2}/gamma"), &format!("{ggml}.weight"), &mut out)?;
                plain(&format!("{ct2}/beta"), &format!("{ggml}.bias"), &mut out)?;
            }
        }
    }
    plain(
        "encoder/layer_norm/gamma",
        "encoder.ln_post.weight",
        &mut out,
    )?;
    plain("encoder/layer_norm/beta", "encoder.ln_post.bias", &mut out)?;
    plain(
        "decoder/embeddings/weight",
        "decoder.token_embedding.weight",
        &mut out,
    )?;
    plain("decoder/layer_norm/gamma", "decoder.ln.weight", &mut out)?;
    plain("decoder/layer_norm/beta", "decoder.ln.bias", &mut out)?;
    Ok(out)
}

fn write_tensor(w: &mut impl Write, t: &Tensor, weight_type: WeightType) -> std::io::Result<()> {
    // whisper.cpp's loader expects: 1-D tensors, positional embeddings and the
    // (n, 1) conv biases in f32; convolutions in f16; other matrices in the
    // weight type. Quantized blocks run along the innermost dimension.
    let is_matrix = t.dims.len() >= 2 && !t.keep_f32 && !(t.dims.len() == 2 && t.dims[1] == 1);
    let ttype = if !is_matrix {
        GGML_F32
    } else if t.keep_f16 || t.dims.len() != 2 || !t.dims[1].is_multiple_of(32) {
        GGML_F16
    } else {
        weight_type.ggml_type()
    };
    w.write_all(&(t.dims.len() as i32).to_le_bytes())?;
    w.write_all(&(t.name.len() as i32).to_le_bytes())?;
    w.write_all(&ttype.to_le_bytes())?;
    for d in t.dims.iter().rev() {
        w.write_all(&(*d as i32).to_le_bytes())?;
    }
    w.write_all(t.name.as_bytes())?;
    let mut bytes = Vec::new();
    match ttype {
        GGML_F32 => t
            .values
            .iter()
            .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes())),
        GGML_F16 => t
            .values
            .iter()
            .for_each(|v| bytes.extend_from_slice(&half::f16::from_f32(*v).to_le_bytes())),
        _ => match weight_type {
            WeightType::Q8_0 => t
                .values
                .chunks(32)
                .for_each(|b| quantize_q8_0(b, &mut bytes)),
            WeightType::Q5_0 => t
                .values
                .chunks(32)
                .for_each(|b| quantize_q5_0(b, &mut bytes)),
            WeightType::F16 => unreachable!("f16 handled above"),
        },
    }
    w.write_all(&bytes)
}

/// ggml `block_q8_0`: f16 scale then 32 signed bytes, as `quantize_row_q8_0_ref`.
fn quantize_q8_0(block: &[f32], out: &mut Vec<u8>) {
    let amax = block.iter().fold(0f32, |m, v| m.max(v.abs()));
    let d = amax / 127.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    out.extend_from_slice(&half::f16::from_f32(d).to_le_bytes());
    out.extend(block.iter().map(|v| (v * id).round() as i8 as u8));
}

/// ggml `block_q5_0`: f16 scale, 32 high bits, 16 bytes of low nibbles, as
/// `quantize_row_q5_0_ref`.
fn quantize_q5_0(block: &[f32], out: &mut Vec<u8>) {
    let max = block
        .iter()
        .fold(0f32, |m, &v| if v.abs() > m.abs() { v } else { m });
    let d = max / -16.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    let mut qh = 0u32;
    let mut qs = [0u8; 16];
    for j in 0..16 {
        let q = |x: f32| ((x * id + 16.5) as i8).min(31) as u8;
        let (q0, q1) = (q(block[j]), q(block[j + 16]));
        qs[j] = (q0 & 0x0f) | ((q1 & 0x0f) << 4);
        qh |= (((q0 & 0x10) >> 4) as u32) << j;
        qh |= (((q1 & 0x10) >> 4) as u32) << (j + 16);
    }
    out.extend_from_slice(&half::f16::from_f32(d).to_le_bytes());
    out.extend_from_slice(&qh.to_le_bytes());
    out.extend_from_slice(&qs);
}

/// The vocabulary lines before `<|endoftext|>`, each turned back from GPT-2's
/// printable byte-to-unicode form into raw bytes (whisper.cpp adds the special
/// tokens itself).
fn byte_vocabulary(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut unicode_to_byte = std::collections::HashMap::new();
    let printable =
        |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
    let mut n = 0;
    for b in 0u32..256 {
        let c = if printable(b) {
            b
        } else {
            n += 1;
            255 + n
        };
        unicode_to_byte.insert(char::from_u32(c).expect("valid code point"), b as u8);
    }
    let mut out = Vec::new();
    for line in text.lines() {
        if line == "<|endoftext|>" {
            return Ok(out);
        }
        let bytes = line
            .chars()
            .map(|c| unicode_to_byte.get(&c).copied())
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| format!("token {line:?} is not byte-level BPE"))?;
        out.push(bytes);
    }
    Err("no <|endoftext|> token".into())
}

/// Mel filterbank as librosa computes it with `htk=False, norm="slaney"`
/// (Whisper's `mel_filters.npz`): `n_mels` x (n_fft/2 + 1), row-major.
pub fn mel_filters(n_mels: usize, n_fft: usize, sample_rate: u32) -> Vec<f32> {
    let hz_to_mel = |hz: f64| {
        let f_sp = 200.0 / 3.0;
        let min_log_hz = 1000.0;
        let logstep = 6.4f64.ln() / 27.0;
        if hz >= min_log_hz {
            min_log_hz / f_sp + (hz / min_log_hz).ln() / logstep
        } else {
            hz / f_sp
        }
    };
    let mel_to_hz = |mel: f64| {
        let f_sp = 200.0 / 3.0;
        let min_log_hz = 1000.0;
        let min_log_mel = min_log_hz / f_sp;
        let logstep = 6.4f64.ln() / 27.0;
        if mel >= min_log_mel {
            min_log_hz * (logstep * (mel - min_log_mel)).exp()
        } else {
            f_sp * mel
        }
    };
    let n_freqs = n_fft / 2 + 1;
    let fft_freqs: Vec<f64> = (0..n_freqs)
        .map(|i| i as f64 * sample_rate as f64 / n_fft as f64)
        .collect();
    let mel_max = hz_to_mel(sample_rate as f64 / 2.0);
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(mel_max * i as f64 / (n_mels + 1) as f64))
        .collect();
    let mut weights = vec![0f32; n_mels * n_freqs];
    for m in 0..n_mels {
        let enorm = 2.0 / (mel_f[m + 2] - mel_f[m]);
        for (k, &f) in fft_freqs.iter().enumerate() {
            let lower = (f - mel_f[m]) / (mel_f[m + 1] - mel_f[m]);
            let upper = (mel_f[m + 2] - f) / (mel_f[m + 2] - mel_f[m + 1]);
            weights[m * n_freqs + k] = (lower.min(upper).max(0.0) * enorm) as f32;
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q8_0_round_trips_within_one_step() {
        let block: Vec<f32> = (0..32).map(|i| (i as f32 - 15.5) / 7.0).collect();
        let mut out = Vec::new();
        quantize_q8_0(&block, &mut out);
        assert_eq!(out.len(), 34);
        let d = half::f16::from_le_bytes([out[0], out[1]]).to_f32();
        for (i, v) in block.iter().enumerate() {
            let back = out[2 + i] as i8 as f32 * d;
            assert!((back - v).abs() <= d * 0.51, "{v} -> {back}");
        }
    }

    #[test]
    fn q5_0_round_trips_within_one_step() {
        let block: Vec<f32> = (0..32)
            .map(|i| ((i * 7 % 32) as f32 - 12.0) / 3.0)
            .collect();
        let mut out = Vec::new();
        quantize_q5_0(&block, &mut out);
        assert_eq!(out.len(), 22);
        let d = half::f16::from_le_bytes([out[0], out[1]]).to_f32();
        let qh = u32::from_le_bytes([out[2], out[3], out[4], out[5]]);
        for j in 0..16 {
            for (half_idx, shift) in [(0usize, 0u32), (16, 4)] {
                let lo = (out[6 + j] >> shift) & 0x0f;
                let hi = ((qh >> (j + half_idx)) & 1) as u8;
                let back = ((lo | (hi << 4)) as i32 - 16) as f32 * d;
                let v = block[j + half_idx];
                assert!((back - v).abs() <= d.abs() * 0.51, "{v} -> {back}");
            }
        }
    }

    #[test]
    fn mel_filters_match_whisper_reference_points() {
        // Values from Whisper's mel_filters.npz (librosa 80 x 201, slaney).
        let f = mel_filters(80, 400, 16_000);
        assert_eq!(f.len(), 80 * 201);
        assert!((f[1] - 0.024_862_47).abs() < 1e-6, "{}", f[1]);
        assert!(f[0].abs() < 1e-9);
        // Every band has some weight and all weights are non-negative.
        for m in 0..80 {
            let row = &f[m * 201..(m + 1) * 201];
            assert!(row.iter().all(|&w| w >= 0.0));
            assert!(row.iter().any(|&w| w > 0.0), "band {m} empty");
        }
    }

    #[test]
    fn byte_vocabulary_decodes_gpt2_bytes() {
        let vocab = byte_vocabulary("!\n\u{120}the\n\u{10a}\n<|endoftext|>\n<|en|>\n").unwrap();
        assert_eq!(vocab, vec![b"!".to_vec(), b" the".to_vec(), b"\n".to_vec()]);
        assert!(byte_vocabulary("a\nb\n").is_err());
    }
}
