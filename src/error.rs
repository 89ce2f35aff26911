//! The library's error type.
//!
//! Each pipeline stage has its own error enum; this one wraps them so callers
//! can use `crate::Result` everywhere and the binary can print the whole chain.

use std::path::PathBuf;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or decoding an audio file failed.
    #[error(transparent)]
    Audio(#[from] crate::audio::AudioError),
    /// Live capture from an input device failed or stalled.
    #[error(transparent)]
    Capture(#[from] crate::capture::CaptureError),
    /// Finding, fetching or converting a model failed.
    #[error(transparent)]
    Model(#[from] crate::models::ModelError),
    /// Voice activity detection could not be set up or run.
    #[error(transparent)]
    Vad(#[from] crate::vad::VadError),
    /// The sentence encoder could not be set up.
    #[error(transparent)]
    Encoder(#[from] crate::encoder::EncoderError),
    /// Whisper itself failed.
    #[error(transparent)]
    Asr(#[from] crate::asr::AsrError),
    /// Importing a meeting failed.
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    /// The search index failed.
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
    /// Speaker attribution could not be set up or run.
    #[error(transparent)]
    Speakers(#[from] crate::speakers::SpeakerError),
    /// An evaluation manifest could not be used.
    #[error("manifest {path}: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Plain I/O with the path it concerned.
    #[error("{path}: {error}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error (kept out of the error chain: the message shows it).
        error: std::io::Error,
    },
}

/// Shorthand used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches a path to an `io::Error`.
pub(crate) fn io_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io {
        path,
        error: source,
    }
}
