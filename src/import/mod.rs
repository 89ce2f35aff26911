//! `import/`: meetings recorded elsewhere.
//!
//! Transcripts people already have (Zoom and Teams WebVTT with speaker
//! names, SRT, JSONL turns) and audio files (transcribed by the caller's
//! Whisper run) become stored meetings like recorded ones, so they are
//! tagged and searchable the same way.
//!
//! All or nothing: the whole file is parsed and checked before the meeting
//! is created, and if writing fails midway the new meeting directory is
//! removed again.
//!
//! # Layout
//! - `mod.rs`: [`import_file`], [`ImportOptions`], [`ImportError`], storing.
//! - `cues.rs`: WebVTT and SRT cues (timestamps, voice spans, `Name: text`).
//! - `jsonl.rs`: JSONL turns.

mod cues;
mod jsonl;

use std::fs;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::audio::{self, Audio};
use crate::store::{MeetingInfo, NewMeeting, Store, StoreError, TurnRecord};
use crate::transcript::Segment;

/// Why a file could not be imported; nothing was stored in any case.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not what its format requires.
    #[error("{path}:{line}: {message}; nothing was imported")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line where the problem is.
        line: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The file parsed but holds no text.
    #[error("{path}: no turns with text found; nothing was imported")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file could not be read.
    #[error("cannot read {path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
    /// A transcript file that is not UTF-8 text.
    #[error("{path} is not UTF-8 text; convert it (for example with iconv) and import again; nothing was imported")]
    NotText {
        /// The file.
        path: PathBuf,
    },
    /// Decoding the audio failed.
    #[error(transparent)]
    Audio(#[from] audio::AudioError),
    /// Transcribing the audio failed.
    #[error("cannot transcribe {path}: {message}; nothing was imported")]
    Transcribe {
        /// The file.
        path: PathBuf,
        /// What the transcriber said.
        message: String,
    },
    /// Storing the meeting failed (and what was written was removed).
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T, E = ImportError> = std::result::Result<T, E>;

/// What kind of file an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// WebVTT (Zoom `Name: text`, Teams `<v Name>text</v>`).
    Vtt,
    /// SubRip, optionally with `Name: text`.
    Srt,
    /// One JSON object per line: `{"speaker"?, "start"?, "end"?, "text", ...}`.
    Jsonl,
    /// Any audio file `audio::read_file` decodes.
    Audio,
}

impl ImportFormat {
    /// The format a file name suggests: `.vtt`, `.srt`, `.jsonl`/`.ndjson`,
    /// anything else is taken for audio (decoded by content).
    pub fn from_path(path: &Path) -> ImportFormat {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "vtt" | "webvtt" => ImportFormat::Vtt,
            "srt" => ImportFormat::Srt,
            "jsonl" | "ndjson" => ImportFormat::Jsonl,
            _ => ImportFormat::Audio,
        }
    }
}

/// How to store an imported meeting.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The file's format; `None` guesses from the name.
    pub format: Option<ImportFormat>,
    /// Meeting title; `None` uses the file's stem.
    pub title: Option<String>,
    /// When the meeting started; `None` uses the file's modification time.
    pub started_at: Option<OffsetDateTime>,
    /// The model name for the meeting record of an audio import (transcripts
    /// record `import:vtt` and the like instead).
    pub model: String,
    /// The facilitator's name, kept in the meeting record.
    pub facilitator: Option<String>,
}

/// One turn read from a file, before it is numbered and stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedTurn {
    /// Who spoke, if the file says.
    pub speaker: Option<String>,
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// What was said.
    pub text: String,
    /// Other fields carried over (tags, actions) from JSONL.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Imports `path` as a new meeting in `store` and returns it.
///
/// `transcribe` is called only for audio files and turns decoded audio into
/// segments (the caller owns the Whisper model and its progress display).
/// `annotate` sees every turn before it is stored, to add tags.
pub fn import_file(
    store: &Store,
    path: &Path,
    options: &ImportOptions,
    transcribe: &mut dyn FnMut(&Audio) -> crate::Result<Vec<Segment>>,
    annotate: &dyn Fn(&mut [TurnRecord]),
) -> Result<MeetingInfo> {
    let format = options
        .format
        .unwrap_or_else(|| ImportFormat::from_path(path));
    let file_name = path
        .file_name()
        .map_or_else(|| "import".into(), |n| n.to_string_lossy().into_owned());
    let (parsed, audio, model) = match format {
        ImportFormat::Audio => {
            let audio = audio::read_file(path)?;
            let segments = transcribe(&audio).map_err(|e| ImportError::Transcribe {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
            let turns = segments
                .into_iter()
                .map(|s| ParsedTurn {
                    speaker: None,
                    start: s.start,
                    end: s.end,
                    text: s.text,
                    extra: serde_json::Map::new(),
                })
                .collect();
            (turns, Some(audio), options.model.clone())
        }
        text_format => {
            let turns = read_transcript(path, text_format)?;
            let name = match text_format {
                ImportFormat::Vtt => "vtt",
                ImportFormat::Srt => "srt",
                _ => "jsonl",
            };
            (turns, None, format!("import:{name}"))
        }
    };
    let mut turns = number_turns(parsed, &file_name);
    if turns.is_empty() {
        return Err(ImportError::Empty {
            path: path.to_owned(),
        });
    }
    annotate(&mut turns);
    let started_at = match options.started_at {
        Some(t) => t,
        None => fs::metadata(path)
            .and_then(|m| m.modified())
            .map(OffsetDateTime::from)
            .map_err(|error| ImportError::Io {
                path: path.to_owned(),
                error,
            })?,
    };
    let title = options.title.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or_else(|| "import".into(), |s| s.to_string_lossy().into_owned())
    });
    let new = NewMeeting {
        title,
        model,
        sources: if audio.is_some() {
            vec![file_name]
        } else {
            vec![]
        },
        started_at,
        facilitator: options.facilitator.clone(),
    };
    Ok(store_meeting(store, &new, audio.as_ref(), &turns)?)
}

/// Reads and parses a transcript file (`format` is not `Audio`) into the
/// turns an import would store, without storing anything: the whole check
/// that [`import_file`] makes before it creates a meeting.
pub fn parse_transcript(path: &Path, format: ImportFormat) -> Result<Vec<TurnRecord>> {
    let file_name = path
        .file_name()
        .map_or_else(|| "import".into(), |n| n.to_string_lossy().into_owned());
    let turns = number_turns(read_transcript(path, format)?, &file_name);
    if turns.is_empty() {
        return Err(ImportError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(turns)
}

/// The turns of a transcript file, as parsed.
fn read_transcript(path: &Path, format: ImportFormat) -> Result<Vec<ParsedTurn>> {
    let text = read_text(path)?;
    let malformed = |(line, message)| ImportError::Malformed {
        path: path.to_owned(),
        line,
        message,
    };
    match format {
        ImportFormat::Vtt => cues::parse_vtt(&text).map_err(malformed),
        ImportFormat::Srt => cues::parse_srt(&text).map_err(malformed),
        ImportFormat::Jsonl | ImportFormat::Audio => jsonl::parse(&text).map_err(malformed),
    }
}

/// Numbers the turns with text, from 1, as turns of `source`.
fn number_turns(parsed: Vec<ParsedTurn>, source: &str) -> Vec<TurnRecord> {
    parsed
        .into_iter()
        .filter(|t| !t.text.trim().is_empty())
        .enumerate()
        .map(|(i, t)| TurnRecord {
            id: i as u64 + 1,
            source: source.to_owned(),
            speaker: t.speaker,
            start: t.start,
            end: t.end,
            text: t.text.trim().to_owned(),
            latency_ms: None,
            untranscribed: None,
            extra: t.extra,
        })
        .collect()
}

/// Reads a transcript as UTF-8 (a byte-order mark is dropped).
fn read_text(path: &Path) -> Result<String> {
    let bytes = fs::read(path).map_err(|error| ImportError::Io {
        path: path.to_owned(),
        error,
    })?;
    let text = String::from_utf8(bytes).map_err(|_| ImportError::NotText {
        path: path.to_owned(),
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned())
}

/// Creates the meeting and writes everything; on failure removes it again.
fn store_meeting(
    store: &Store,
    new: &NewMeeting,
    audio: Option<&Audio>,
    turns: &[TurnRecord],
) -> Result<MeetingInfo, StoreError> {
    // Marked as an import until finished, so a crash leaves nothing that
    // `recover` would keep either.
    let mut writer = store.create_import(new)?;
    let dir = writer.dir().to_owned();
    let written = (|| {
        if let Some(audio) = audio {
            // In chunks of a second, as a recording appends it.
            for chunk in audio.mono.chunks(crate::store::SAMPLE_RATE as usize) {
                writer.append_audio(0, chunk)?;
            }
        }
        for turn in turns {
            writer.append_turn(turn)?;
        }
        Ok(())
    })();
    let finished = written.and_then(|()| writer.finish());
    if finished.is_err() {
        // The meeting was never complete: leave nothing half-imported. (The
        // writer is gone by now, and its lock with it.)
        let _ = fs::remove_dir_all(&dir);
    }
    finished
}

/// Seconds from a cue timestamp: `HH:MM:SS.mmm`, `MM:SS.mmm`, with `.` or
/// `,` before the milliseconds (SRT uses `,`).
pub(crate) fn parse_timestamp(text: &str) -> Option<f64> {
    let text = text.trim();
    let (clock, millis) = text.split_once(['.', ','])?;
    if millis.is_empty() || millis.len() > 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let millis: f64 = millis.parse::<f64>().ok()? / 10f64.powi(millis.len() as i32);
    let parts: Vec<&str> = clock.split(':').collect();
    let numbers: Option<Vec<u64>> = parts
        .iter()
        .map(|p| {
            (!p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        })
        .collect();
    let numbers = numbers?;
    let (h, m, s) = match numbers[..] {
        [h, m, s] => (h, m, s),
        [m, s] => (0, m, s),
        _ => return None,
    };
    if m >= 60 || s >= 60 {
        return None;
    }
    Some((h * 3600 + m * 60 + s) as f64 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_with_and_without_hours() {
        assert_eq!(parse_timestamp("00:01:02.500"), Some(62.5));
        assert_eq!(parse_timestamp("01:02.250"), Some(62.25));
        assert_eq!(parse_timestamp("1:00:00,001"), Some(3600.001));
        assert_eq!(parse_timestamp("00:61:00.000"), None);
        assert_eq!(parse_timestamp("00:00:0x.000"), None);
        assert_eq!(parse_timestamp("00:00:01"), None);
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(
            ImportFormat::from_path(Path::new("a.VTT")),
            ImportFormat::Vtt
        );
        assert_eq!(
            ImportFormat::from_path(Path::new("a.srt")),
            ImportFormat::Srt
        );
        assert_eq!(
            ImportFormat::from_path(Path::new("a.jsonl")),
            ImportFormat::Jsonl
        );
        assert_eq!(
            ImportFormat::from_path(Path::new("a.m4a")),
            ImportFormat::Audio
        );
    }
}
