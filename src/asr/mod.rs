//! `asr/`: what words were spoken?
//!
//! Runs Whisper through whisper-rs (whisper.cpp) over 16 kHz mono samples and
//! returns timestamped [`Segment`]s. Whisper invents text on silence and noise
//! ("Thank you.", "[Music]", a phrase repeated twenty times), so every result
//! passes through [`guard`]s: an energy gate before decoding, whisper.cpp's
//! no-speech and log-probability thresholds during it, and filters for
//! non-speech annotations and repetition loops after it.

pub mod agreement;
pub mod chunk;
pub mod guard;
mod mel;
pub mod threads;
mod whisper;

use std::ffi::CString;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use whisper_rs::whisper_rs_sys as sys;

use crate::audio::SAMPLE_RATE;
use crate::transcript::Segment;

/// Why Whisper failed.
#[derive(Debug, thiserror::Error)]
pub enum AsrError {
    /// whisper.cpp refused the model file.
    #[error("cannot load Whisper model {path}: {message}")]
    Load {
        /// The model file.
        path: String,
        /// whisper-rs's error.
        message: String,
    },
    /// Inference failed.
    #[error("transcription failed: {0}")]
    Inference(String),
    /// The decode was abandoned because its [`Clip::cancel`] counter became
    /// nonzero: other work mattered more.
    #[error("transcription cancelled")]
    Cancelled,
    /// A language the model does not know.
    #[error("language {language:?} is not available with this model{hint}")]
    Language {
        /// What was asked for.
        language: String,
        /// What to do instead.
        hint: &'static str,
    },
}

/// How the encoder's context is sized for audio shorter than 30 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCtx {
    /// Always the full 30 s window (1500 positions), Whisper's training setup.
    Full,
    /// Shrink the window to the audio's length plus a margin, at most
    /// [`FITTED_CTX_MAX`] positions: the default, faster on every clip
    /// (see `fitted_audio_ctx`) and within a word or two of `Full` on the
    /// project's samples.
    Fit,
}

/// The largest fitted encoder window: 1488 positions (29.76 s), the largest
/// multiple of 16 under Whisper's 1500. whisper.cpp's tiled matrix product
/// (llamafile's sgemm) needs the inner dimension to be a multiple of 16; the
/// attention-times-values product has the window there, so at 1500 it falls
/// back to one dot product per row, which made a 30 s window's encoder about
/// 1.4 times slower. The 0.24 s left out is padding: files and live turns
/// are decoded in clips of at most 28 s (`Options::max_window_s`).
pub const FITTED_CTX_MAX: i32 = 1488;

/// Positions a fitted window has beyond its audio, so Whisper sees where
/// the speech ends: 2.56 s for clips under [`FITTED_CTX_LONG`], 1.28 s for
/// longer ones. The window used to be the audio plus 128 positions rounded
/// up to a multiple of 256; for a 60 s file, cut into clips of 26, 25 and
/// 9 s, that is 3,744 positions against 3,280 now. With the smaller margin
/// on short clips too, one word of the bundled meeting's read-back changed
/// ("Dan will fix" heard as "Dan, we'll fix") and Dan's action item was lost.
pub const FITTED_CTX_MARGIN: (i32, i32) = (128, 64);

/// Clips of at least this many positions (15 s) get the smaller margin.
pub const FITTED_CTX_LONG: i32 = 750;

/// The smallest fitted window: 512 positions (10.24 s), what turns of 3 to
/// 8 s had before. With 256 (and a margin of 64), two short live turns of
/// the bundled meeting came back empty when the vocabulary was given as a
/// prompt.
pub const FITTED_CTX_MIN: i32 = 512;

/// Settings for one transcription.
#[derive(Debug, Clone)]
pub struct Options {
    /// CPU threads for whisper.cpp.
    pub threads: usize,
    /// Spoken language (`en`, `de`, ...) or `None` to detect it.
    pub language: Option<String>,
    /// Encoder context sizing.
    pub audio_ctx: AudioCtx,
    /// Thresholds that keep invented text out.
    pub guards: guard::Guards,
    /// Longest window decoded at once, in seconds (Whisper's limit is 30).
    pub max_window_s: f64,
    /// Shortest pause at which long audio may be cut, in seconds.
    pub min_pause_s: f64,
    /// Decode again at higher temperatures when a result looks unreliable
    /// (Whisper's fallback). Better text, occasionally several decodes'
    /// worth of time; partial transcripts go without.
    pub temperature_fallback: bool,
    /// Names and words said in the meeting ("Priya, Greg, Kafka"), given to
    /// Whisper before every clip as text said earlier, so it spells them
    /// that way. Empty by default: it helps where the words are said and can
    /// cost words elsewhere (docs/speakers.md, "Names in the transcript").
    pub vocabulary: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            threads: default_threads(),
            language: Some("en".into()),
            audio_ctx: AudioCtx::Fit,
            guards: guard::Guards::default(),
            max_window_s: 28.0,
            min_pause_s: 0.3,
            temperature_fallback: true,
            vocabulary: String::new(),
        }
    }
}

/// Threads used when the user does not say: all cores, at most 8 (whisper.cpp
/// gains little beyond that for the small models).
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8)
}

/// One clip for [`Model::decode_clip`], with what the live pipeline knows
/// about it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clip<'a> {
    /// 16 kHz mono audio, at most 30 s.
    pub samples: &'a [f32],
    /// Text said just before the clip, in the same turn: Whisper's prompt,
    /// so a clip that starts in the middle of a sentence continues it.
    pub context: &'a str,
    /// The decode is abandoned with [`AsrError::Cancelled`] when this
    /// counter is nonzero: before it starts, or at whisper.cpp's next check
    /// (after the encoder, after each decoder step).
    pub cancel: Option<&'a AtomicU64>,
}

/// Whisper's prompt is at most half its 448-token context; a few sentences
/// of the turn so far are enough to continue it.
const MAX_CONTEXT_CHARS: usize = 200;

/// whisper.cpp's abort callback: true when the counter behind `data` is
/// nonzero.
unsafe extern "C" fn counter_is_nonzero(data: *mut std::ffi::c_void) -> bool {
    // SAFETY: `data` is the `&AtomicU64` of a `Clip`, which outlives the
    // `full` call that polls it (see `decode_clip`).
    unsafe { (*(data as *const AtomicU64)).load(Ordering::Relaxed) != 0 }
}

/// What [`stop_before_tail`] reads and writes: the clip being decoded, and
/// where the rest of it starts when the decode stops early.
struct TailCheck<'a> {
    samples: &'a [f32],
    guards: &'a guard::Guards,
    rest: std::cell::Cell<Option<usize>>,
}

/// whisper.cpp's encoder-begin callback. When a window's text ends before
/// the clip does, whisper.cpp encodes again from where the text ended, in a
/// window as large as the first one: for the first 26 s clip of
/// samples/bench-60s.wav, whose text ended at 18 s, a second pass of 1,364
/// positions for 8 s of audio. This callback stops whisper.cpp there
/// instead. If the rest has speech energy, `rest` tells `decode_clip` where
/// it starts, and it is decoded as a clip of its own with a window fitted to
/// it; if not, the rest could only give silence and is dropped.
unsafe extern "C" fn stop_before_tail(
    _context: *mut sys::whisper_context,
    state: *mut sys::whisper_state,
    data: *mut std::ffi::c_void,
) -> bool {
    // SAFETY: `data` is the `TailCheck` of `decode_pass`, which outlives the
    // `full` call that runs this callback (on the thread that made the
    // call); `state` is that call's state, and only its segment count and
    // times are read.
    let (check, n_segments) = unsafe {
        (
            &*(data as *const TailCheck),
            sys::whisper_full_n_segments_from_state(state),
        )
    };
    if n_segments == 0 {
        return true;
    }
    // Segment times are in hundredths of a second from the clip's start.
    let end = unsafe { sys::whisper_full_get_segment_t1_from_state(state, n_segments - 1) };
    let from = (end.max(0) as usize * (SAMPLE_RATE as usize / 100)).min(check.samples.len());
    if from == 0 {
        // No progress to resume from: let whisper.cpp go on its own way.
        return true;
    }
    if guard::has_speech_energy(&check.samples[from..], check.guards) {
        check.rest.set(Some(from));
    }
    false
}

/// A loaded Whisper model with one reusable decoding state.
pub struct Model {
    whisper: whisper::Whisper,
    mel: mel::MelBank,
    multilingual: bool,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("multilingual", &self.multilingual)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// Loads a ggml model file. Check it with [`crate::models::resolve`]
    /// first: whisper.cpp aborts the process on some malformed files.
    pub fn load(path: &Path) -> Result<Model, AsrError> {
        whisper_rs::install_logging_hooks();
        let whisper = whisper::Whisper::load(path).map_err(|message| AsrError::Load {
            path: path.display().to_string(),
            message,
        })?;
        Ok(Model {
            mel: mel::MelBank::new(whisper.n_mels()),
            multilingual: whisper.is_multilingual(),
            whisper,
        })
    }

    /// Runs one short decode so the first real one is not slowed by
    /// whisper.cpp setting up its buffers (live turns would pay for it).
    pub fn warm_up(&mut self, options: &Options) {
        let tone: Vec<f32> = (0..SAMPLE_RATE as usize)
            .map(|i| 0.1 * (i as f32 * 0.05).sin())
            .collect();
        let _ = self.transcribe_clip(&tone, options);
    }

    /// True when the model knows languages other than English.
    pub fn is_multilingual(&self) -> bool {
        self.multilingual
    }

    /// Transcribes 16 kHz mono `samples` of any length: cuts them into
    /// windows at pauses ([`chunk::windows`]) and decodes each. `progress`
    /// receives the fraction of audio done after each window.
    pub fn transcribe(
        &mut self,
        samples: &[f32],
        options: &Options,
        progress: &mut dyn FnMut(f64),
    ) -> Result<Vec<Segment>, AsrError> {
        let windows = chunk::windows(
            samples,
            options.max_window_s,
            options.min_pause_s,
            options.guards.min_rms,
        );
        let mut segments = Vec::new();
        for window in windows {
            let offset = window.start as f64 / SAMPLE_RATE as f64;
            for mut segment in self.transcribe_clip(&samples[window.start..window.end], options)? {
                segment.start += offset;
                segment.end += offset;
                segments.push(segment);
            }
            progress(window.end as f64 / samples.len().max(1) as f64);
        }
        Ok(segments)
    }

    /// Decodes one clip of at most 30 s (an utterance) in one pass.
    pub fn transcribe_clip(
        &mut self,
        samples: &[f32],
        options: &Options,
    ) -> Result<Vec<Segment>, AsrError> {
        self.decode_clip(
            &Clip {
                samples,
                ..Clip::default()
            },
            options,
        )
    }

    /// Decodes one clip of at most 30 s, continuing its `context` and
    /// giving up when its `cancel` counter becomes nonzero. One pass, unless
    /// the text ends before the audio does: then the rest is decoded as a
    /// clip of its own (see [`stop_before_tail`]).
    pub fn decode_clip(
        &mut self,
        clip: &Clip<'_>,
        options: &Options,
    ) -> Result<Vec<Segment>, AsrError> {
        let samples = clip.samples;
        let cancelled = || clip.cancel.is_some_and(|c| c.load(Ordering::Relaxed) != 0);
        if cancelled() {
            return Err(AsrError::Cancelled);
        }
        if !guard::has_speech_energy(samples, &options.guards) {
            return Ok(Vec::new());
        }
        let language = decode_language(options.language.as_deref(), self.multilingual)?;
        let mut segments = Vec::new();
        let mut context = clip.context.to_string();
        let mut start = 0;
        // A pass leaves a rest only when it has speech energy (so it is not
        // empty) and starts at least a hundredth of a second further on.
        loop {
            let pass = Pass {
                samples: &samples[start..],
                context: &context,
                cancel: clip.cancel,
                language,
            };
            let (found, rest) = self.decode_pass(&pass, options).map_err(|error| {
                if cancelled() {
                    AsrError::Cancelled
                } else {
                    error
                }
            })?;
            let offset = start as f64 / SAMPLE_RATE as f64;
            for mut segment in found {
                segment.start += offset;
                segment.end += offset;
                if !context.is_empty() {
                    context.push(' ');
                }
                context.push_str(&segment.text);
                segments.push(segment);
            }
            match rest {
                Some(from) => start += from,
                None => break,
            }
        }
        Ok(segments)
    }

    /// One `full` call of whisper.cpp over `pass.samples`: the segments it
    /// kept, and where the audio it left undecoded starts, if any.
    fn decode_pass(
        &mut self,
        pass: &Pass<'_>,
        options: &Options,
    ) -> Result<(Vec<Segment>, Option<usize>), AsrError> {
        let samples = pass.samples;
        let language = pass
            .language
            .map(CString::new)
            .transpose()
            .map_err(|_| AsrError::Inference("the language has a NUL byte".into()))?;
        let prompt = prompt_with(&options.vocabulary, prompt_of(pass.context));
        let prompt = CString::new(prompt.replace('\0', "")).expect("NUL bytes removed");
        let mel = self.mel.compute(samples);

        // SAFETY: plain value returned by whisper.cpp.
        let mut params = unsafe {
            sys::whisper_full_default_params(sys::whisper_sampling_strategy_WHISPER_SAMPLING_GREEDY)
        };
        params.greedy.best_of = 1;
        params.n_threads = options.threads.max(1) as i32;
        params.language = language.as_ref().map_or(std::ptr::null(), |l| l.as_ptr());
        params.detect_language = false;
        params.print_progress = false;
        params.print_realtime = false;
        params.print_special = false;
        params.print_timestamps = false;
        params.suppress_blank = true;
        params.suppress_nst = true;
        params.no_speech_thold = options.guards.no_speech_prob;
        params.logprob_thold = options.guards.avg_logprob;
        params.entropy_thold = options.guards.entropy;
        if !options.temperature_fallback {
            params.temperature_inc = 0.0;
        }
        if options.audio_ctx == AudioCtx::Fit {
            params.audio_ctx = fitted_audio_ctx(samples.len());
        }
        if !prompt.is_empty() {
            params.initial_prompt = prompt.as_ptr();
        }
        // Decoding stops where the audio does, not in the silence after it.
        params.duration_ms = (mel.n_audio * 10) as i32;
        if let Some(cancel) = pass.cancel {
            // whisper.cpp polls it after the encoder and after each decoder
            // step (not inside the encoder's graph).
            params.abort_callback = Some(counter_is_nonzero);
            params.abort_callback_user_data = cancel as *const AtomicU64 as *mut std::ffi::c_void;
        }
        let tail = TailCheck {
            samples,
            guards: &options.guards,
            rest: std::cell::Cell::new(None),
        };
        params.encoder_begin_callback = Some(stop_before_tail);
        params.encoder_begin_callback_user_data =
            &tail as *const TailCheck as *mut std::ffi::c_void;

        // SAFETY: `language`, `prompt`, `cancel` and `tail`, which `params`
        // points to, outlive the call.
        unsafe { self.whisper.full(params, &mel) }.map_err(AsrError::Inference)?;

        let duration = samples.len() as f64 / SAMPLE_RATE as f64;
        let eot = self.whisper.token_eot();
        let mut segments = Vec::new();
        for segment in self.whisper.segments() {
            let text = segment.text.trim().to_string();
            let mut logprob_sum = 0.0;
            let mut n_text_tokens = 0;
            for &(id, plog) in &segment.tokens {
                if id < eot {
                    logprob_sum += plog;
                    n_text_tokens += 1;
                }
            }
            let candidate = guard::Candidate {
                text: &text,
                no_speech_prob: segment.no_speech_prob,
                avg_logprob: if n_text_tokens == 0 {
                    0.0
                } else {
                    logprob_sum / n_text_tokens as f32
                },
            };
            if guard::keep(&candidate, &options.guards) {
                // whisper.cpp reports centiseconds, and with a fitted
                // window it may place the last end in the padding after
                // the audio: a segment ends with the clip at the latest.
                let end = (segment.t1 as f64 / 100.0).min(duration);
                segments.push(Segment {
                    start: (segment.t0 as f64 / 100.0).min(end),
                    end,
                    text,
                });
            }
        }
        Ok((segments, tail.rest.get()))
    }
}

/// One whisper.cpp decode within [`Model::decode_clip`].
struct Pass<'a> {
    samples: &'a [f32],
    context: &'a str,
    cancel: Option<&'a AtomicU64>,
    language: Option<&'a str>,
}

/// The language to decode in, for a model that is `multilingual` or not,
/// or why `language` (`None`: detect it) cannot be used with it. Call it
/// before a long run: every decode with such a language fails.
pub fn decode_language(
    language: Option<&str>,
    multilingual: bool,
) -> Result<Option<&str>, AsrError> {
    match (language, multilingual) {
        (Some(lang), false) if lang != "en" => Err(AsrError::Language {
            language: lang.to_string(),
            hint: "; English-only (.en) models transcribe only `en`: use a multilingual model such as `base`",
        }),
        (None, false) => Ok(Some("en")),
        (Some(lang), _) if whisper_rs::get_lang_id(lang).is_none() => Err(AsrError::Language {
            language: lang.to_string(),
            hint: "; use an ISO 639-1 code such as en, de, fr",
        }),
        (Some(lang), _) => Ok(Some(lang)),
        (None, true) => Ok(None),
    }
}

/// The end of `context` that Whisper gets as its prompt: at most
/// [`MAX_CONTEXT_CHARS`], starting at a word.
fn prompt_of(context: &str) -> &str {
    let context = context.trim();
    let n_chars = context.chars().count();
    if n_chars <= MAX_CONTEXT_CHARS {
        return context;
    }
    let (cut, _) = context
        .char_indices()
        .nth(n_chars - MAX_CONTEXT_CHARS)
        .unwrap_or((0, ' '));
    let rest = &context[cut..];
    rest.find(' ').map_or(rest, |i| &rest[i + 1..])
}

/// Whisper's prompt: the vocabulary (at most [`MAX_CONTEXT_CHARS`], ended
/// as a sentence) before the turn's context.
fn prompt_with(vocabulary: &str, context: &str) -> String {
    let vocabulary = vocabulary.trim();
    if vocabulary.is_empty() {
        return context.to_string();
    }
    let mut prompt: String = vocabulary.chars().take(MAX_CONTEXT_CHARS).collect();
    if !prompt.ends_with(['.', '!', '?']) {
        prompt.push('.');
    }
    if !context.is_empty() {
        prompt.push(' ');
        prompt.push_str(context);
    }
    prompt
}

/// Encoder positions for `n_samples` of audio: 50 per second plus a margin
/// ([`FITTED_CTX_MARGIN`]), rounded up to a multiple of 16, at least
/// [`FITTED_CTX_MIN`] and at most [`FITTED_CTX_MAX`].
fn fitted_audio_ctx(n_samples: usize) -> i32 {
    let seconds = n_samples as f64 / SAMPLE_RATE as f64;
    let audio = (seconds * 50.0).ceil() as i32;
    let (short, long) = FITTED_CTX_MARGIN;
    let positions = audio + if audio < FITTED_CTX_LONG { short } else { long };
    // whisper.cpp's tiled matrix product needs an inner dimension that is a
    // multiple of 16 (see FITTED_CTX_MAX).
    ((positions + 15) / 16 * 16).clamp(FITTED_CTX_MIN, FITTED_CTX_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_checked_against_the_model() {
        assert_eq!(decode_language(Some("en"), false).unwrap(), Some("en"));
        assert_eq!(decode_language(None, false).unwrap(), Some("en"));
        assert_eq!(decode_language(None, true).unwrap(), None);
        assert_eq!(decode_language(Some("de"), true).unwrap(), Some("de"));
        let english_only = decode_language(Some("de"), false).unwrap_err().to_string();
        assert!(english_only.contains("English-only"), "{english_only}");
        let unknown = decode_language(Some("xx"), true).unwrap_err().to_string();
        assert!(unknown.contains("ISO 639-1"), "{unknown}");
    }

    #[test]
    fn the_prompt_is_the_end_of_the_context_from_a_word() {
        assert_eq!(prompt_of(" we rolled back "), "we rolled back");
        let long = "word ".repeat(100);
        let prompt = prompt_of(&long);
        assert!(prompt.len() <= MAX_CONTEXT_CHARS && prompt.starts_with("word"));
    }

    #[test]
    fn the_vocabulary_goes_before_the_context_as_a_sentence() {
        assert_eq!(prompt_with("", "we rolled back"), "we rolled back");
        assert_eq!(prompt_with(" Priya, Greg ", ""), "Priya, Greg.");
        assert_eq!(
            prompt_with("Priya, Greg.", "we rolled back"),
            "Priya, Greg. we rolled back"
        );
        let long = "Kafka ".repeat(100);
        assert!(prompt_with(&long, "").chars().count() <= MAX_CONTEXT_CHARS + 1);
    }

    #[test]
    fn fitted_audio_ctx_grows_with_length_and_caps() {
        assert_eq!(fitted_audio_ctx(16_000), FITTED_CTX_MIN);
        // 10 s: 500 positions and the short clips' margin, rounded up to 16;
        // 20 s: 1000 and the long clips' margin.
        assert_eq!(fitted_audio_ctx(16_000 * 10), 640);
        assert_eq!(fitted_audio_ctx(16_000 * 20), 1072);
        for tenths in 1..300 {
            let ctx = fitted_audio_ctx(1_600 * tenths);
            assert_eq!(ctx % 16, 0, "{tenths}");
            assert!(ctx >= (tenths as i32 * 5).min(FITTED_CTX_MAX), "{tenths}");
        }
        assert_eq!(fitted_audio_ctx(16_000 * 40), FITTED_CTX_MAX);
        assert_eq!(FITTED_CTX_MAX % 16, 0);
        // The longest clip decoded in one pass fits in the capped window.
        assert!((Options::default().max_window_s * 50.0).ceil() as i32 <= FITTED_CTX_MAX);
    }
}
