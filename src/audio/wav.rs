//! RIFF/WAVE files through hound.
//!
//! Before hound sees the file, its chunk headers are checked against the file
//! size. hound trusts the `data` chunk's length, so on its own it cannot tell
//! a truncated file (the header promises more than is there: an error) from a
//! streamed one (the writer could not go back to fill in the length, and left
//! 0 or 0xFFFFFFFF: we read to the end of the file). hound is then handed a
//! cleaned-up header (RIFF, `fmt `, `data` with a length that matches what is
//! there), followed by the data itself.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use super::{AudioError, Collector, Sink};

/// What [`decode`] made of a RIFF/WAVE file.
pub(super) enum Decoded {
    /// hound decoded it into the sink.
    Done,
    /// hound does not handle this WAV encoding (say ADPCM or 64-bit float);
    /// carries hound's reason.
    NotForHound(String),
}

/// Samples per block handed to the resampler.
const BLOCK_SAMPLES: usize = 16 * 1024;

/// Longest `fmt ` chunk accepted; real ones are 16 to 40 bytes.
const MAX_FMT_BYTES: u32 = 1 << 16;
/// Most channels a WAV file may have (the positions of a channel mask).
const MAX_CHANNELS: u16 = 32;
/// Format tag of WAVE_FORMAT_EXTENSIBLE.
const EXTENSIBLE: u16 = 0xfffe;
/// Format tag of integer PCM.
const PCM: u16 = 1;
/// Format tag of IEEE float samples.
const IEEE_FLOAT: u16 = 3;
/// Bytes per block of a compressed WAV encoding above which the header is
/// taken as broken (ADPCM blocks are a few KiB).
const MAX_BLOCK_ALIGN: u16 = 32 * 1024;

/// Decodes the RIFF/WAVE file `file` of `file_len` bytes at `path` into
/// `sink` (which sees nothing when hound cannot read the file).
pub(super) fn decode(
    path: &Path,
    file: File,
    file_len: u64,
    sink: &mut dyn Sink,
) -> Result<Decoded, AudioError> {
    let mut data = BufReader::new(file);
    let (header, fmt) = clean_header(&mut data, path, file_len)?;
    let reader = match hound::WavReader::new(io::Cursor::new(header).chain(data)) {
        Ok(reader) => reader,
        Err(error @ (hound::Error::Unsupported | hound::Error::FormatError(_))) => {
            // symphonia reads what hound does not, but panics on some
            // impossible headers: those are refused here.
            if let Some(problem) = fmt.impossible() {
                return Err(AudioError::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!("its fmt chunk is impossible ({problem})"),
                });
            }
            return Ok(Decoded::NotForHound(error.to_string()));
        }
        Err(error) => return Err(hound_error(path, error)),
    };
    let spec = reader.spec();
    let mut collector = Collector::new(path, spec.sample_rate, usize::from(spec.channels), sink)?;
    match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => {
            stream(
                reader.into_samples::<f32>(),
                |sample| sample,
                &mut collector,
                path,
            )?;
        }
        (hound::SampleFormat::Int, bits @ 1..=32) => {
            // Full scale is 2^(bits - 1); hound already turns 8-bit's
            // unsigned samples into signed ones.
            let scale = (0.5_f64).powi(i32::from(bits) - 1) as f32;
            stream(
                reader.into_samples::<i32>(),
                |sample| sample as f32 * scale,
                &mut collector,
                path,
            )?;
        }
        (format, bits) => {
            return Err(AudioError::Unsupported {
                path: path.to_path_buf(),
                detail: format!("sample format ({bits}-bit {format:?})"),
            });
        }
    }
    collector.finish(path).map(|()| Decoded::Done)
}

/// Feeds hound's interleaved samples to `collector` in blocks.
fn stream<S>(
    samples: impl Iterator<Item = hound::Result<S>>,
    to_f32: impl Fn(S) -> f32,
    collector: &mut Collector<'_>,
    path: &Path,
) -> Result<(), AudioError> {
    let mut block = Vec::with_capacity(BLOCK_SAMPLES);
    for sample in samples {
        block.push(to_f32(sample.map_err(|error| hound_error(path, error))?));
        if block.len() == BLOCK_SAMPLES {
            collector.push(&block)?;
            block.clear();
        }
    }
    collector.push(&block)
}

fn hound_error(path: &Path, error: hound::Error) -> AudioError {
    let path = path.to_path_buf();
    match error {
        // hound reports a short read as `Other`, "Failed to read enough bytes".
        hound::Error::IoError(source)
            if matches!(
                source.kind(),
                io::ErrorKind::UnexpectedEof | io::ErrorKind::Other
            ) =>
        {
            AudioError::Truncated {
                path,
                detail: format!("the audio data ends early ({source})"),
            }
        }
        hound::Error::IoError(source) => AudioError::Read {
            path,
            error: source,
        },
        hound::Error::UnfinishedSample => AudioError::Truncated {
            path,
            detail: "the audio data ends in the middle of a sample".to_string(),
        },
        hound::Error::FormatError(detail) => AudioError::Corrupt {
            path,
            detail: detail.to_string(),
        },
        error @ (hound::Error::TooWide
        | hound::Error::InvalidSampleFormat
        | hound::Error::Unsupported) => AudioError::Unsupported {
            path,
            detail: format!("WAV sample format ({error})"),
        },
    }
}

/// Reads the chunk headers up to the start of the audio data and returns
/// the header to give hound in their place: RIFF, `fmt ` and `data`, with the
/// data length fixed for streamed files. Leaves `reader` at the first byte of
/// audio data.
fn clean_header(
    reader: &mut impl Read,
    path: &Path,
    file_len: u64,
) -> Result<(Vec<u8>, Fmt), AudioError> {
    let truncated = |detail: String| AudioError::Truncated {
        path: path.to_path_buf(),
        detail,
    };
    let ends_early = || truncated("the file ends before its audio data starts".to_string());

    let mut riff = [0_u8; 12];
    read_exact(reader, &mut riff, path)?.ok_or_else(ends_early)?;
    let [_, _, _, _, r0, r1, r2, r3, ..] = riff;
    let riff_size = u32::from_le_bytes([r0, r1, r2, r3]);
    let mut header = riff.to_vec();
    let mut offset = riff.len() as u64;
    let mut fmt = Fmt::default();

    loop {
        let mut chunk = [0_u8; 8];
        read_exact(reader, &mut chunk, path)?.ok_or_else(ends_early)?;
        offset += chunk.len() as u64;
        let [i0, i1, i2, i3, s0, s1, s2, s3] = chunk;
        let size = u32::from_le_bytes([s0, s1, s2, s3]);
        // RIFF chunks are word-aligned: an odd-sized chunk is followed by a
        // pad byte that its size does not count.
        let padded_size = u64::from(size) + u64::from(size % 2);
        match &[i0, i1, i2, i3] {
            b"data" => {
                let available = file_len.saturating_sub(offset);
                // A writer that cannot seek back leaves 0xFFFFFFFF, or 0 with
                // a RIFF size that does not match the file either.
                let streamed =
                    size == u32::MAX || (size == 0 && u64::from(riff_size) + 8 != file_len);
                let mut len = if streamed {
                    available.min(u64::from(u32::MAX))
                } else {
                    u64::from(size)
                };
                if len > available {
                    return Err(truncated(format!(
                        "its header promises {} of audio but only {} is there \
                         (`sox --ignore-length IN.wav OUT.wav` keeps that much)",
                        fmt.describe(len),
                        fmt.describe(available)
                    )));
                }
                if fmt.block_align > 0 {
                    len -= len % u64::from(fmt.block_align);
                }
                header.extend_from_slice(b"data");
                header.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
                return Ok((header, fmt));
            }
            b"fmt " => {
                if size > MAX_FMT_BYTES {
                    return Err(AudioError::Corrupt {
                        path: path.to_path_buf(),
                        detail: format!("its fmt chunk claims to be {size} bytes long"),
                    });
                }
                let mut body = vec![0_u8; size as usize];
                read_exact(reader, &mut body, path)?.ok_or_else(ends_early)?;
                skip(reader, padded_size - u64::from(size), path)?;
                fmt = Fmt::parse(&body);
                // A WAV channel mask has 32 positions; more channels (or none)
                // is a corrupt header, and symphonia's fallback overflows on it.
                if !(1..=MAX_CHANNELS).contains(&fmt.channels) {
                    return Err(AudioError::Unsupported {
                        path: path.to_path_buf(),
                        detail: format!(
                            "channel count ({}; at most {MAX_CHANNELS} are read)",
                            fmt.channels
                        ),
                    });
                }
                header.extend_from_slice(&chunk);
                header.extend_from_slice(&body);
            }
            // LIST, fact, JUNK, bext, ...: hound has no use for them.
            _ => {
                if skip(reader, padded_size, path)? < u64::from(size) {
                    return Err(ends_early());
                }
            }
        }
        offset += padded_size;
    }
}

/// The parts of the `fmt ` chunk needed before hound reads it.
#[derive(Debug, Default)]
struct Fmt {
    /// Format tag (1 PCM, 3 float, 0xFFFE extensible, ...).
    format_tag: u16,
    /// Channels; 0 if unknown.
    channels: u16,
    /// Frames per second.
    sample_rate: u32,
    /// Bits per sample (the container size for extensible files).
    bits: u16,
    /// Extensible files: the speaker positions present.
    channel_mask: u32,
    /// Extensible files: the format tag inside the sub-format GUID.
    sub_format: u16,
    /// Bytes per second of audio; 0 if unknown.
    byte_rate: u32,
    /// Bytes per frame; 0 if unknown.
    block_align: u16,
}

impl Fmt {
    fn parse(body: &[u8]) -> Self {
        let u32_at = |at: usize| {
            body.get(at..at + 4)
                .and_then(|bytes| bytes.try_into().ok())
                .map_or(0, u32::from_le_bytes)
        };
        let u16_at = |at: usize| {
            body.get(at..at + 2)
                .and_then(|bytes| bytes.try_into().ok())
                .map_or(0, u16::from_le_bytes)
        };
        Fmt {
            format_tag: u16_at(0),
            channels: u16_at(2),
            sample_rate: u32_at(4),
            bits: u16_at(14),
            channel_mask: u32_at(20),
            sub_format: u16_at(24),
            byte_rate: u32_at(8),
            block_align: u16_at(12),
        }
    }

    /// What makes this header impossible to decode, if anything.
    fn impossible(&self) -> Option<String> {
        if self.sample_rate == 0 {
            return Some("a sample rate of 0".into());
        }
        // symphonia reads up to 1,152 frames of `block_align` bytes at once,
        // whatever the file holds: a frame must be what the samples make
        // (PCM and float), or at least plausible (compressed blocks).
        let tag = if self.format_tag == EXTENSIBLE {
            self.sub_format
        } else {
            self.format_tag
        };
        let frame = u32::from(self.channels) * u32::from(self.bits).div_ceil(8);
        if (tag == PCM || tag == IEEE_FLOAT) && u32::from(self.block_align) != frame {
            return Some(format!(
                "frames of {} bytes for {} channels of {}-bit samples",
                self.block_align, self.channels, self.bits
            ));
        }
        if self.block_align == 0 || self.block_align > MAX_BLOCK_ALIGN {
            return Some(format!("blocks of {} bytes", self.block_align));
        }
        if self.format_tag == EXTENSIBLE {
            if self.sub_format == PCM && ![8, 16, 24, 32].contains(&self.bits) {
                return Some(format!("{}-bit integer samples", self.bits));
            }
            // Positions beyond the 32 of the mask for the unplaced channels.
            let n_placed = self.channel_mask.count_ones();
            let highest = 32 - self.channel_mask.leading_zeros();
            let unplaced = u32::from(self.channels).saturating_sub(n_placed);
            if unplaced > 0 && highest + unplaced > 31 {
                return Some(format!(
                    "channel mask {:#x} for {} channels",
                    self.channel_mask, self.channels
                ));
            }
        }
        None
    }

    /// `n_bytes` of audio as seconds, or as bytes if the rate is unknown.
    fn describe(&self, n_bytes: u64) -> String {
        match self.byte_rate {
            0 => format!("{n_bytes} bytes"),
            rate => format!("{:.2} s", n_bytes as f64 / f64::from(rate)),
        }
    }
}

/// Fills `buffer`; `None` if the file ends first.
fn read_exact(
    reader: &mut impl Read,
    buffer: &mut [u8],
    path: &Path,
) -> Result<Option<()>, AudioError> {
    match reader.read_exact(buffer) {
        Ok(()) => Ok(Some(())),
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(source) => Err(AudioError::Read {
            path: path.to_path_buf(),
            error: source,
        }),
    }
}

/// Skips up to `n_bytes`; returns how many there were.
fn skip(reader: &mut impl Read, n_bytes: u64, path: &Path) -> Result<u64, AudioError> {
    io::copy(&mut reader.take(n_bytes), &mut io::sink()).map_err(|source| AudioError::Read {
        path: path.to_path_buf(),
        error: source,
    })
}

#[cfg(test)]
mod tests {
    use super::super::read_file;
    use super::super::test_signals::{count_zero_crossings, sine, write_int_wav};
    use super::*;

    /// A hand-built 16-bit mono WAV: RIFF header, `fmt `, the `extra` chunks,
    /// then a `data` chunk claiming `data_len` bytes and holding `samples`.
    fn handmade_wav(
        rate: u32,
        extra: &[u8],
        data_len: u32,
        riff_len: u32,
        samples: &[i16],
    ) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"RIFF");
        bytes.extend_from_slice(&riff_len.to_le_bytes());
        bytes.extend_from_slice(b"WAVEfmt ");
        bytes.extend_from_slice(&16_u32.to_le_bytes());
        bytes.extend_from_slice(&1_u16.to_le_bytes()); // PCM
        bytes.extend_from_slice(&1_u16.to_le_bytes()); // mono
        bytes.extend_from_slice(&rate.to_le_bytes());
        bytes.extend_from_slice(&(rate * 2).to_le_bytes());
        bytes.extend_from_slice(&2_u16.to_le_bytes()); // block align
        bytes.extend_from_slice(&16_u16.to_le_bytes()); // bits
        bytes.extend_from_slice(extra);
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&data_len.to_le_bytes());
        for sample in samples {
            bytes.extend_from_slice(&sample.to_le_bytes());
        }
        bytes
    }

    fn sine_i16(rate: u32, len: usize) -> Vec<i16> {
        sine(rate, 440.0, 0.5, len)
            .into_iter()
            .map(|sample| (sample * 32_767.0) as i16)
            .collect()
    }

    fn read_bytes(name: &str, bytes: &[u8]) -> Result<super::super::Audio, AudioError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write test file");
        read_file(&path)
    }

    /// A PCM header whose frame size is not what its samples make reaches
    /// symphonia (hound refuses it), which would read 1,152 such frames at
    /// once: 72 MB from a 2 KB file (found by scripts/fuzz.sh).
    #[test]
    fn pcm_frames_of_the_wrong_size_are_refused() {
        let mut bytes = handmade_wav(44_100, &[], u32::MAX, u32::MAX, &sine_i16(44_100, 900));
        bytes[32..34].copy_from_slice(&62_776_u16.to_le_bytes()); // block align
        let error = read_bytes("wide.wav", &bytes).expect_err("refused");
        assert!(
            error.to_string().contains("frames of 62776 bytes"),
            "{error}"
        );
    }

    #[test]
    fn wav_cut_in_half_is_truncated() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cut.wav");
        write_int_wav(&path, 44_100, 16, &[sine(44_100, 440.0, 0.5, 44_100)]);
        let bytes = std::fs::read(&path).expect("read test WAV");
        std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("cut test WAV");

        let error = read_file(&path).expect_err("truncated WAV");
        assert!(matches!(error, AudioError::Truncated { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains("is truncated"), "{message}");
        assert!(
            message.contains("promises 1.00 s of audio but only 0.50 s"),
            "{message}"
        );
        assert!(message.contains("cut.wav"), "{message}");
    }

    #[test]
    fn wav_cut_inside_its_header_is_truncated() {
        let samples = sine_i16(16_000, 100);
        let bytes = handmade_wav(16_000, &[], 200, 236, &samples);
        for cut in [12, 20, 30, 40] {
            let error = read_bytes("header.wav", &bytes[..cut]).expect_err("truncated header");
            assert!(
                matches!(error, AudioError::Truncated { .. }),
                "cut at {cut}: {error:?}"
            );
        }
    }

    #[test]
    fn streamed_wav_is_read_to_the_end() {
        let samples = sine_i16(16_000, 16_000);
        for (data_len, riff_len) in [(u32::MAX, u32::MAX), (0, 0), (0, 36)] {
            let bytes = handmade_wav(16_000, &[], data_len, riff_len, &samples);
            let audio = read_bytes("streamed.wav", &bytes).expect("decode streamed WAV");
            assert_eq!(audio.mono.len(), 16_000, "data length {data_len:#x}");
            assert!(count_zero_crossings(&audio.mono).abs_diff(880) <= 2);
        }
    }

    #[test]
    fn streamed_wav_ending_mid_frame_drops_the_partial_frame() {
        let samples = sine_i16(16_000, 1_000);
        let mut bytes = handmade_wav(16_000, &[], u32::MAX, u32::MAX, &samples);
        bytes.push(0x7f);
        let audio = read_bytes("odd.wav", &bytes).expect("decode streamed WAV");
        assert_eq!(audio.mono.len(), 1_000);
    }

    #[test]
    fn chunks_before_the_data_are_skipped_with_padding() {
        let samples = sine_i16(16_000, 1_600);
        // An odd-sized LIST chunk followed by its pad byte, then a fact chunk.
        let mut extra = Vec::new();
        extra.extend_from_slice(b"LIST");
        extra.extend_from_slice(&3_u32.to_le_bytes());
        extra.extend_from_slice(b"abc\0");
        extra.extend_from_slice(b"fact");
        extra.extend_from_slice(&4_u32.to_le_bytes());
        extra.extend_from_slice(&1_600_u32.to_le_bytes());
        let riff_len = (4 + 24 + extra.len() + 8 + 3_200) as u32;
        let bytes = handmade_wav(16_000, &extra, 3_200, riff_len, &samples);
        let audio = read_bytes("chunks.wav", &bytes).expect("decode WAV with extra chunks");
        assert_eq!(audio.mono.len(), 1_600);
    }

    #[test]
    fn zero_sample_rate_is_unsupported() {
        let bytes = handmade_wav(0, &[], 200, 236, &sine_i16(16_000, 100));
        let error = read_bytes("zero-rate.wav", &bytes).expect_err("rate 0");
        assert!(matches!(error, AudioError::Unsupported { .. }), "{error:?}");
        assert!(error.to_string().contains("sample rate of 0 Hz"), "{error}");
    }

    #[test]
    fn float64_wav_falls_back_to_symphonia() {
        let signal = sine(16_000, 440.0, 0.5, 16_000);
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"RIFF");
        bytes.extend_from_slice(&((36 + signal.len() * 8) as u32).to_le_bytes());
        bytes.extend_from_slice(b"WAVEfmt ");
        bytes.extend_from_slice(&16_u32.to_le_bytes());
        bytes.extend_from_slice(&3_u16.to_le_bytes()); // IEEE float
        bytes.extend_from_slice(&1_u16.to_le_bytes());
        bytes.extend_from_slice(&16_000_u32.to_le_bytes());
        bytes.extend_from_slice(&(16_000_u32 * 8).to_le_bytes());
        bytes.extend_from_slice(&8_u16.to_le_bytes());
        bytes.extend_from_slice(&64_u16.to_le_bytes());
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&((signal.len() * 8) as u32).to_le_bytes());
        for sample in &signal {
            bytes.extend_from_slice(&f64::from(*sample).to_le_bytes());
        }
        let audio = read_bytes("f64.wav", &bytes).expect("decode 64-bit float WAV");
        assert_eq!(audio.mono.len(), 16_000);
        let error = audio
            .mono
            .iter()
            .zip(&signal)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(error < 1e-6, "max error {error}");
    }

    #[test]
    fn garbage_after_a_riff_header_is_an_error_not_a_panic() {
        let mut bytes = b"RIFF\x24\x00\x00\x00WAVE".to_vec();
        bytes.extend((0..4_000_u32).map(|n| (n.wrapping_mul(2_654_435_761) >> 24) as u8));
        assert!(read_bytes("garbage.wav", &bytes).is_err());
    }
}
