//! `audio/`: what did the microphone or file hear, as 16 kHz mono samples?
//!
//! Decodes audio files (WAV through hound, MP3/FLAC/OGG/M4A through symphonia)
//! and resamples them to the 16 kHz mono signal Whisper expects, keeping the
//! per-channel signals for speaker attribution.
//!
//! # Layout
//! - `mod.rs`: [`read_file`], which picks a decoder from the file's first
//!   bytes, and the [`Audio`] and [`AudioError`] types.
//! - `wav.rs`: RIFF/WAVE files through hound, with a header check that tells
//!   a truncated file from a streamed one.
//! - `compressed.rs`: everything else through symphonia.
//! - `resample.rs`: [`Resampler`], the one path from any rate to 16 kHz,
//!   shared with live capture.
//! - `stream.rs`: [`stream_file`], the same decoding on a thread of its own,
//!   handing 16 kHz blocks over a bounded channel as they are consumed
//!   (`replay` of a meeting of any length in constant memory).

mod compressed;
mod resample;
mod stream;
#[cfg(test)]
mod test_signals;
mod wav;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

pub use resample::{Resampler, MAX_CHANNELS, MAX_SOURCE_RATE, MIN_SOURCE_RATE};
pub use stream::{probe, stream_file, Signal, Tap};

/// Sample rate of everything downstream of this module.
pub const SAMPLE_RATE: u32 = 16_000;

/// The formats [`read_file`] decodes, for messages.
pub const SUPPORTED_FORMATS: &str = "WAV, MP3, FLAC, OGG Vorbis and M4A (AAC)";

/// Decoded audio, resampled to [`SAMPLE_RATE`].
#[derive(Debug, Clone)]
pub struct Audio {
    /// Mono mix at 16 kHz: the mean of `channels`, in [-1, 1].
    pub mono: Vec<f32>,
    /// Each source channel at 16 kHz (one entry for mono files), all as long
    /// as `mono`.
    pub channels: Vec<Vec<f32>>,
    /// Sample rate of the file before resampling.
    pub source_rate: u32,
}

impl Audio {
    /// Length in seconds.
    pub fn duration_s(&self) -> f64 {
        self.mono.len() as f64 / SAMPLE_RATE as f64
    }
}

/// The layout of a file's audio, known once its first audio is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// Channels in the file.
    pub n_channels: usize,
    /// Sample rate of the file before resampling.
    pub source_rate: u32,
}

/// Why a file could not be turned into samples.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// There is no file at the path.
    #[error("{path} does not exist; check the path")]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// The file could not be opened or read.
    #[error("cannot read {path}: {error}; check that it is a readable file")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error (kept out of the error chain: the message shows it).
        error: io::Error,
    },
    /// The file is zero bytes long.
    #[error("{path} is empty (0 bytes); record or export it again")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is not in any format we decode, e.g. a text file named `.wav`.
    #[error("{path} is not a recognised audio format; convert it to one of {formats}", formats = SUPPORTED_FORMATS)]
    NotAudio {
        /// The file.
        path: PathBuf,
    },
    /// The file ends before the audio its header promises.
    #[error("{path} is truncated: {detail}; copy or export it again")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// How much is missing.
        detail: String,
    },
    /// The decoder found malformed data.
    #[error("{path} is corrupt: {detail}; export it again or convert it to WAV")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the decoder reported.
        detail: String,
    },
    /// The container holds no audio track (e.g. a video-only file).
    #[error("{path} has no audio track; export the audio on its own")]
    NoAudioTrack {
        /// The file.
        path: PathBuf,
    },
    /// The audio decodes to nothing.
    #[error("{path} contains no audio samples; check that the recording captured sound")]
    NoSamples {
        /// The file.
        path: PathBuf,
    },
    /// The audio is in a sample format, codec, rate or layout we cannot use.
    #[error("{path} uses an unsupported {detail}; convert it to 16-bit PCM WAV, e.g. with `sox IN -b 16 OUT.wav`")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What is unsupported.
        detail: String,
    },
    /// A [`Resampler`] was asked for a rate or channel count it cannot handle.
    #[error("cannot resample {rate} Hz audio with {n_channels} channels: {detail}; use {min} to {max} Hz and 1 to {max_channels} channels", min = MIN_SOURCE_RATE, max = MAX_SOURCE_RATE, max_channels = MAX_CHANNELS)]
    InvalidResampler {
        /// The requested input rate, in Hz.
        rate: u32,
        /// The requested channel count.
        n_channels: usize,
        /// Which of the two is wrong.
        detail: String,
    },
    /// The resampler failed on valid input.
    #[error("resampling failed: {detail}; this is a bug in blameless, please report it")]
    Resample {
        /// What rubato reported.
        detail: String,
    },
}

/// Reads and decodes `path`, resampled to 16 kHz.
///
/// The decoder is chosen by content, not by name: files starting with
/// `RIFF....WAVE` go to hound (falling back to symphonia for WAV encodings
/// hound lacks, such as ADPCM or 64-bit float), everything else to
/// symphonia's probe, with the extension as a hint. Decoding streams through
/// the [`Resampler`] so only the 16 kHz result is held in memory (all of it:
/// [`stream_file`] holds only what has not been consumed yet).
pub fn read_file(path: &Path) -> Result<Audio, AudioError> {
    let mut gathered = Gather::default();
    decode_into(path, &mut gathered)?;
    Ok(gathered.into_audio())
}

/// Decodes `path` into `sink`, block by block (see [`read_file`]).
fn decode_into(path: &Path, sink: &mut dyn Sink) -> Result<(), AudioError> {
    let mut file = File::open(path).map_err(|source| open_error(path, source))?;
    let read_error = |source| AudioError::Read {
        path: path.to_path_buf(),
        error: source,
    };
    let file_len = file.metadata().map_err(read_error)?.len();
    if file_len == 0 {
        return Err(AudioError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut magic = [0_u8; 12];
    let n_magic = read_up_to(&mut file, &mut magic).map_err(read_error)?;
    file.seek(SeekFrom::Start(0)).map_err(read_error)?;
    let is_wav = n_magic == magic.len() && &magic[..4] == b"RIFF" && &magic[8..] == b"WAVE";

    // hound and symphonia parse untrusted bytes; a panic in either on some
    // malformed file must become an error, not take the program down.
    let decoded = panic::catch_unwind(AssertUnwindSafe(|| {
        if is_wav {
            decode_wav(path, file, file_len, &magic, sink)
        } else {
            compressed::decode(path, file, &magic[..n_magic], sink)
        }
    }));
    decoded.unwrap_or_else(|_| {
        Err(AudioError::Corrupt {
            path: path.to_path_buf(),
            detail: "the decoder crashed on it".to_string(),
        })
    })
}

/// hound first; symphonia for the WAV encodings hound does not read.
fn decode_wav(
    path: &Path,
    file: File,
    file_len: u64,
    magic: &[u8],
    sink: &mut dyn Sink,
) -> Result<(), AudioError> {
    let hound_error = match wav::decode(path, file, file_len, sink)? {
        wav::Decoded::Done => return Ok(()),
        wav::Decoded::NotForHound(hound_error) => hound_error,
    };
    let file = File::open(path).map_err(|source| open_error(path, source))?;
    match compressed::decode(path, file, magic, sink) {
        Err(AudioError::NotAudio { .. } | AudioError::Unsupported { .. }) => {
            Err(AudioError::Unsupported {
                path: path.to_path_buf(),
                detail: format!("WAV encoding ({hound_error})"),
            })
        }
        other => other,
    }
}

fn open_error(path: &Path, source: io::Error) -> AudioError {
    let path = path.to_path_buf();
    match source.kind() {
        io::ErrorKind::NotFound => AudioError::NotFound { path },
        _ => AudioError::Read {
            path,
            error: source,
        },
    }
}

/// Fills as much of `buffer` as the reader has; returns how much that was.
fn read_up_to(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Where a decoder's 16 kHz audio goes, block by block.
trait Sink {
    /// The layout of the blocks to come; called once, before any block.
    fn begin(&mut self, format: Format);
    /// One block of 16 kHz frames, interleaved over the channels `begin`
    /// announced (never empty). An error stops decoding.
    fn take(&mut self, interleaved: &[f32]) -> Result<(), AudioError>;
}

/// Streams decoded, interleaved blocks through one [`Resampler`] into a
/// [`Sink`].
struct Collector<'s> {
    /// Converts the source rate to 16 kHz.
    resampler: Resampler,
    /// Interleaved 16 kHz output of the latest block, reused.
    scratch: Vec<f32>,
    /// 16 kHz samples (all channels) handed to the sink so far.
    n_out: u64,
    sink: &'s mut dyn Sink,
}

impl<'s> Collector<'s> {
    /// Fails with [`AudioError::Unsupported`] for a rate or channel count the
    /// resampler cannot handle.
    fn new(
        path: &Path,
        source_rate: u32,
        n_channels: usize,
        sink: &'s mut dyn Sink,
    ) -> Result<Self, AudioError> {
        let unsupported = |detail: String| AudioError::Unsupported {
            path: path.to_path_buf(),
            detail,
        };
        if !(MIN_SOURCE_RATE..=MAX_SOURCE_RATE).contains(&source_rate) {
            return Err(unsupported(format!(
                "sample rate of {source_rate} Hz (supported: {MIN_SOURCE_RATE} to {MAX_SOURCE_RATE} Hz)"
            )));
        }
        if !(1..=MAX_CHANNELS).contains(&n_channels) {
            return Err(unsupported(format!(
                "channel count of {n_channels} (supported: 1 to {MAX_CHANNELS})"
            )));
        }
        let resampler = Resampler::new(source_rate, n_channels)?;
        sink.begin(Format {
            n_channels,
            source_rate,
        });
        Ok(Collector {
            resampler,
            scratch: Vec::new(),
            n_out: 0,
            sink,
        })
    }

    /// Resamples one interleaved block.
    fn push(&mut self, interleaved: &[f32]) -> Result<(), AudioError> {
        self.scratch.clear();
        self.resampler.process(interleaved, &mut self.scratch)?;
        self.hand_over()
    }

    /// Flushes the resampler; fails if the file held no samples at all.
    fn finish(mut self, path: &Path) -> Result<(), AudioError> {
        self.scratch.clear();
        self.resampler.flush(&mut self.scratch)?;
        self.hand_over()?;
        if self.n_out == 0 {
            return Err(AudioError::NoSamples {
                path: path.to_path_buf(),
            });
        }
        Ok(())
    }

    fn hand_over(&mut self) -> Result<(), AudioError> {
        if self.scratch.is_empty() {
            return Ok(());
        }
        self.n_out += self.scratch.len() as u64;
        self.sink.take(&self.scratch)
    }
}

/// The mono mix of one interleaved block: the mean of its channels, frame by
/// frame (a mono block as it is).
fn mix_to_mono(interleaved: &[f32], n_channels: usize) -> Vec<f32> {
    if n_channels <= 1 {
        return interleaved.to_vec();
    }
    let scale = 1.0 / n_channels as f32;
    interleaved
        .chunks_exact(n_channels)
        .map(|frame| frame.iter().fold(0.0_f32, |mixed, sample| mixed + sample) * scale)
        .collect()
}

/// A [`Sink`] that keeps everything, per channel, for [`read_file`].
#[derive(Default)]
struct Gather {
    /// The 16 kHz result so far, one vector per channel.
    channels: Vec<Vec<f32>>,
    /// Sample rate of the source, in Hz.
    source_rate: u32,
}

impl Sink for Gather {
    fn begin(&mut self, format: Format) {
        self.channels = vec![Vec::new(); format.n_channels];
        self.source_rate = format.source_rate;
    }

    fn take(&mut self, interleaved: &[f32]) -> Result<(), AudioError> {
        let n_channels = self.channels.len();
        for frame in interleaved.chunks_exact(n_channels) {
            for (channel, sample) in self.channels.iter_mut().zip(frame) {
                channel.push(*sample);
            }
        }
        Ok(())
    }
}

impl Gather {
    /// The channels and their mono mix.
    fn into_audio(self) -> Audio {
        let mono = match self.channels.as_slice() {
            [only] => only.clone(),
            channels => {
                let n_frames = channels.first().map_or(0, Vec::len);
                let scale = 1.0 / channels.len() as f32;
                let mut mono = vec![0.0_f32; n_frames];
                for channel in channels {
                    for (mixed, sample) in mono.iter_mut().zip(channel) {
                        *mixed += sample;
                    }
                }
                mono.iter_mut().for_each(|sample| *sample *= scale);
                mono
            }
        };
        Audio {
            mono,
            channels: self.channels,
            source_rate: self.source_rate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_signals::{count_zero_crossings, rms, sine, write_float_wav, write_int_wav};
    use super::*;

    /// A 440 Hz sine at 16 kHz has 880 zero crossings a second, give or take
    /// the ends.
    fn assert_is_440_hz_sine(samples: &[f32], amplitude: f32) {
        let seconds = samples.len() as f64 / f64::from(SAMPLE_RATE);
        let expected = (880.0 * seconds).round() as i64;
        let crossings = count_zero_crossings(samples) as i64;
        assert!(
            (crossings - expected).abs() <= 2,
            "{crossings} zero crossings, expected about {expected}"
        );
        // Skip the edges, where the resampling filter sees the surrounding silence.
        let middle = &samples[samples.len() / 10..samples.len() * 9 / 10];
        let expected_rms = amplitude / std::f32::consts::SQRT_2;
        let measured = rms(middle);
        assert!(
            (measured - expected_rms).abs() < 0.01 * amplitude,
            "rms {measured}, expected {expected_rms}"
        );
    }

    /// Writes a one-second 440 Hz sine with `write` and reads it back.
    fn roundtrip(rate: u32, write: impl FnOnce(&Path, &[Vec<f32>])) -> Audio {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sine.wav");
        let signal = sine(rate, 440.0, 0.5, rate as usize);
        write(&path, &[signal]);
        read_file(&path).expect("decode test WAV")
    }

    #[test]
    fn stereo_i16_at_44_1_khz_keeps_each_channel() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("stereo.wav");
        let left = sine(44_100, 440.0, 0.5, 44_100);
        let right = vec![0.0; 44_100];
        write_int_wav(&path, 44_100, 16, &[left, right]);

        let audio = read_file(&path).expect("decode stereo WAV");

        assert_eq!(audio.source_rate, 44_100);
        assert_eq!(audio.channels.len(), 2);
        assert_eq!(audio.mono.len(), 16_000);
        assert_eq!(audio.channels[0].len(), 16_000);
        assert_eq!(audio.channels[1].len(), 16_000);
        assert!((audio.duration_s() - 1.0).abs() < 1e-9);
        assert_is_440_hz_sine(&audio.channels[0], 0.5);
        assert!(rms(&audio.channels[1]) < 1e-4);
        // The mono mix is the mean: half the left channel.
        assert_is_440_hz_sine(&audio.mono, 0.25);
    }

    #[test]
    fn f32_at_48_khz() {
        let audio = roundtrip(48_000, |path, channels| {
            write_float_wav(path, 48_000, channels)
        });
        assert_eq!(audio.source_rate, 48_000);
        assert_eq!(audio.mono.len(), 16_000);
        assert_is_440_hz_sine(&audio.mono, 0.5);
    }

    #[test]
    fn u8_at_8_khz() {
        let audio = roundtrip(8_000, |path, channels| {
            write_int_wav(path, 8_000, 8, channels)
        });
        assert_eq!(audio.source_rate, 8_000);
        assert_eq!(audio.mono.len(), 16_000);
        assert_is_440_hz_sine(&audio.mono, 0.5);
    }

    #[test]
    fn i24_at_22_05_khz() {
        let audio = roundtrip(22_050, |path, channels| {
            write_int_wav(path, 22_050, 24, channels)
        });
        assert_eq!(audio.mono.len(), 16_000);
        assert_is_440_hz_sine(&audio.mono, 0.5);
    }

    #[test]
    fn i32_at_96_khz() {
        let audio = roundtrip(96_000, |path, channels| {
            write_int_wav(path, 96_000, 32, channels)
        });
        assert_eq!(audio.mono.len(), 16_000);
        assert_is_440_hz_sine(&audio.mono, 0.5);
    }

    #[test]
    fn sixteen_khz_is_not_resampled() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("16k.wav");
        let signal = sine(SAMPLE_RATE, 440.0, 0.5, 1_234);
        write_float_wav(&path, SAMPLE_RATE, std::slice::from_ref(&signal));
        let audio = read_file(&path).expect("decode 16 kHz WAV");
        assert_eq!(audio.mono, signal);
    }

    #[test]
    fn odd_length_rounds_to_nearest_output_sample() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("odd.wav");
        // 12 345 frames at 44.1 kHz are 4478.91 frames at 16 kHz.
        write_int_wav(&path, 44_100, 16, &[sine(44_100, 440.0, 0.5, 12_345)]);
        let audio = read_file(&path).expect("decode WAV");
        assert_eq!(audio.mono.len(), 4_479);
    }

    #[test]
    fn the_symphonia_path_decodes_wav_too() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sine.wav");
        write_int_wav(&path, 44_100, 16, &[sine(44_100, 440.0, 0.5, 44_100)]);
        let file = File::open(&path).expect("open test WAV");
        let mut gathered = Gather::default();
        compressed::decode(&path, file, b"RIFF", &mut gathered).expect("decode through symphonia");
        let audio = gathered.into_audio();
        assert_eq!(audio.mono.len(), 16_000);
        assert_is_440_hz_sine(&audio.mono, 0.5);
    }

    fn error_for(name: &str, contents: &[u8]) -> (String, AudioError) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, contents).expect("write test file");
        let error = read_file(&path).expect_err("should not decode");
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(!message.ends_with('.'), "{message}");
        (message, error)
    }

    #[test]
    fn text_renamed_to_wav_is_not_audio() {
        let (message, error) = error_for("notes.wav", b"Timeline: 09:12 deploy, 09:14 alerts\n");
        assert!(matches!(error, AudioError::NotAudio { .. }), "{error:?}");
        assert!(
            message.contains("not a recognised audio format"),
            "{message}"
        );
        assert!(message.contains(SUPPORTED_FORMATS), "{message}");
    }

    /// symphonia's probe finds a format's marker anywhere in the first MiB:
    /// a WAV, FLAC or ADTS header behind junk must not reach the decoders
    /// that trust it, and a FLAC stream behind an ID3 tag gets the checks one
    /// at the start gets (found by scripts/fuzz.sh).
    #[test]
    fn headers_behind_junk_are_refused_or_checked() {
        let mut wav = b"JUNK".to_vec();
        wav.extend_from_slice(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00");
        wav.extend_from_slice(&[0; 64]);
        let (_, error) = error_for("junk.wav", &wav);
        assert!(matches!(error, AudioError::NotAudio { .. }), "{error:?}");
        let mut adts = b"fLa\x00".to_vec();
        adts.extend_from_slice(&[0x12; 40]);
        adts.extend_from_slice(&[0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc]);
        let (_, error) = error_for("junk.aac", &adts);
        assert!(matches!(error, AudioError::NotAudio { .. }), "{error:?}");
        // A FLAC picture block claiming more than the file holds.
        let mut flac = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
        flac.extend_from_slice(b"fLaC");
        flac.extend_from_slice(&[0x86, 0xff, 0xff, 0xff]);
        flac.extend_from_slice(&[0; 40]);
        let (message, error) = error_for("junk.flac", &flac);
        assert!(matches!(error, AudioError::Corrupt { .. }), "{error:?}");
        assert!(message.contains("FLAC metadata"), "{message}");
    }

    #[test]
    fn a_few_bytes_are_not_audio() {
        let (_, error) = error_for("tiny.mp3", b"RIF");
        assert!(matches!(error, AudioError::NotAudio { .. }), "{error:?}");
    }

    #[test]
    fn zero_length_file_is_empty() {
        let (message, error) = error_for("empty.wav", b"");
        assert!(matches!(error, AudioError::Empty { .. }), "{error:?}");
        assert!(message.contains("is empty"), "{message}");
    }

    #[test]
    fn missing_file_says_so() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nope.wav");
        let error = read_file(&path).expect_err("missing file");
        assert!(matches!(error, AudioError::NotFound { .. }), "{error:?}");
        assert!(error.to_string().contains("does not exist"), "{error}");
        assert!(error.to_string().contains("nope.wav"), "{error}");
    }

    #[test]
    fn directory_is_unreadable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = read_file(dir.path()).expect_err("a directory");
        assert!(matches!(error, AudioError::Read { .. }), "{error:?}");
    }

    #[test]
    fn wav_without_samples_says_so() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("silent.wav");
        write_int_wav(&path, 44_100, 16, &[Vec::new()]);
        let error = read_file(&path).expect_err("no samples");
        assert!(matches!(error, AudioError::NoSamples { .. }), "{error:?}");
    }
}
