//! blameless: a live, local facilitation aid for blameless incident post-mortems.
//!
//! # Layout
//!
//! - [`audio`]: decode audio files and resample to 16 kHz mono.
//! - [`models`]: obtain Whisper weights from registry packages, convert them to ggml.
//! - [`asr`]: run Whisper (whisper.cpp through whisper-rs) over audio, with guards
//!   against text invented on silence and noise.
//! - [`transcript`]: the timestamped text Whisper produced, and its renderings
//!   (text, JSON, SRT, WebVTT).
//! - [`eval`]: word error rate against reference transcripts.
//! - [`cli`]: the command line as typed.
//! - [`config`]: typed settings built from the command line.
//!
//! ARCHITECTURE.md explains how they fit together.

#![warn(missing_docs)]

pub mod asr;
pub mod audio;
pub mod cli;
pub mod config;
pub mod error;
pub mod eval;
pub mod models;
pub mod transcript;

pub use error::{Error, Result};
