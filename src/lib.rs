//! blameless: a live, local facilitation aid for blameless incident post-mortems.
//!
//! # Layout
//!
//! - [`audio`]: decode audio files and resample to 16 kHz mono.
//! - [`capture`]: live audio from an input device (cpal), as 16 kHz mono, with
//!   drop counts and stall detection.
//! - [`models`]: obtain Whisper weights from registry packages, convert them to ggml.
//! - [`vad`]: voice activity detection (Silero VAD through tract) and the
//!   segmenter that turns it into utterances, so silence and noise never
//!   reach Whisper as speech.
//! - [`encoder`]: sentence embeddings (MiniLM in plain Rust) for the learned
//!   tagger.
//! - [`analysis`]: tag turns (blame, defensiveness, hindsight, executive
//!   pressure, dismissal) with evidence, and find action items.
//! - [`asr`]: run Whisper (whisper.cpp through whisper-rs) over audio, with guards
//!   against text invented on silence and noise.
//! - [`speakers`]: who said each turn: GE2E voice embeddings, online
//!   clustering with re-clustering, enrolled profiles, diarization error rate.
//! - [`transcript`]: the timestamped text Whisper produced, and its renderings
//!   (text, JSON, SRT, WebVTT).
//! - [`eval`]: word error rate against reference transcripts.
//! - [`nudges`]: what the facilitator could say now: redirection lines,
//!   talk-time balance, action items without owners, rate-limited.
//! - [`pipeline`]: the live pipeline's wiring: sources, VAD, streaming Whisper,
//!   store, events, with bounded channels and graceful shutdown.
//! - [`events`]: the closed set of events the live pipeline reports.
//! - [`store`]: crash-safe meeting directories (recordings, turns, recovery).
//! - [`import`]: meetings recorded elsewhere (WebVTT, SRT, JSONL, audio) as
//!   stored meetings.
//! - [`search`]: the tantivy index of past meetings' turns: live indexing,
//!   rebuilds from the store, queries with filters, counts, NDJSON export.
//! - [`ui`]: what the facilitator sees: the terminal UI of `record` and
//!   `replay`, fed by events, storing marks through the store; the web
//!   dashboard of `serve` (live view, past meetings, search).
//! - [`cli`]: the command line as typed.
//! - [`config`]: typed settings built from the command line.
//!
//! ARCHITECTURE.md explains how they fit together.
//!
//! # Example
//!
//! Scoring a transcript against what was said, with numbers written either way:
//!
//! ```
//! use blameless::eval::word_errors;
//!
//! let errors = word_errors("We rolled back at two fifty two.", "we rolled back at 2:52");
//! assert_eq!(errors.edits, 0);
//! assert_eq!(errors.reference_words, 7);
//! ```

#![warn(missing_docs)]

pub mod analysis;
pub mod asr;
pub mod audio;
pub mod capture;
pub mod cli;
pub mod config;
pub mod encoder;
pub mod error;
pub mod eval;
pub mod events;
pub mod import;
pub mod models;
pub mod nudges;
pub mod pipeline;
pub mod search;
pub mod speakers;
pub mod store;
pub mod transcript;
pub mod ui;
pub mod vad;

pub use error::{Error, Result};
