//! MP3, FLAC, OGG Vorbis, M4A (AAC) and WAV encodings hound lacks, through
//! symphonia.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::audio::{AudioBuffer, AudioBufferRef, Signal};
use symphonia::core::codecs::{
    DecoderOptions, CODEC_TYPE_MP1, CODEC_TYPE_MP2, CODEC_TYPE_MP3, CODEC_TYPE_NULL,
    CODEC_TYPE_VORBIS,
};
use symphonia::core::conv::IntoSample;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;
use symphonia::core::sample::Sample;

use super::{AudioError, Collector, Sink};

/// Share of packets that may fail to decode before the file counts as corrupt.
/// A few bad packets (a damaged MP3 frame) only cost a few milliseconds.
const MAX_BAD_PACKET_SHARE: f64 = 0.1;

/// Decodes `file` at `path` with whatever symphonia format its content
/// matches, into `sink`. `magic` is the start of the file, for telling a
/// cut-off audio file from one that is not audio at all.
///
/// Some faults are only known at the end (too many bad packets, a stream
/// shorter than its header says): the sink has had the audio before them.
pub(super) fn decode(
    path: &Path,
    mut file: File,
    magic: &[u8],
    sink: &mut dyn Sink,
) -> Result<(), AudioError> {
    let read_error = |error| AudioError::Read {
        path: path.to_path_buf(),
        error,
    };
    // symphonia's probe looks for a format's marker anywhere in the first
    // MiB, so a header after some junk would reach decoders that trust it
    // without the checks a header at the start gets (its ADTS reader even
    // panics on a stray sync word): a file must start like audio. A FLAC
    // stream may follow an ID3 tag.
    if !starts_like_audio(magic) {
        return Err(AudioError::NotAudio {
            path: path.to_path_buf(),
        });
    }
    let flac_at = if magic.starts_with(b"fLaC") {
        Some(0)
    } else if magic.starts_with(b"ID3") {
        first_flac(&mut file).map_err(read_error)?
    } else {
        None
    };
    if let Some(at) = flac_at {
        if let Some(problem) = flac_metadata_problem(&mut file, at).map_err(read_error)? {
            return Err(AudioError::Corrupt {
                path: path.to_path_buf(),
                detail: problem,
            });
        }
    }
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(extension) = path.extension().and_then(|extension| extension.to_str()) {
        hint.with_extension(extension);
    }
    // Gapless trimming drops encoder delay and padding, so times in the
    // decoded audio match times in the original recording.
    let format_options = FormatOptions {
        enable_gapless: true,
        ..Default::default()
    };
    let probed = symphonia::default::get_probe()
        .format(&hint, stream, &format_options, &MetadataOptions::default())
        .map_err(|error| probe_error(path, error, magic))?;
    let mut format = probed.format;

    let track = format
        .tracks()
        .iter()
        .find(|track| track.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| AudioError::NoAudioTrack {
            path: path.to_path_buf(),
        })?;
    let track_id = track.id;
    let codec = track.codec_params.codec;
    // The header's frame count is exact for FLAC, Vorbis, PCM and MP4, but for
    // an MP3 without a Xing header symphonia estimates it from the bitrate.
    let promised_frames = track
        .codec_params
        .n_frames
        .filter(|_| ![CODEC_TYPE_MP1, CODEC_TYPE_MP2, CODEC_TYPE_MP3].contains(&codec));
    // symphonia 0.5 leaves the end padding of (at least sox-made) Vorbis
    // streams untrimmed, although the header count is right: stop there.
    let last_frame = promised_frames.filter(|_| codec == CODEC_TYPE_VORBIS);
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|error| match error {
            SymphoniaError::Unsupported(what) => AudioError::Unsupported {
                path: path.to_path_buf(),
                detail: format!("codec ({what})"),
            },
            error => corrupt(path, &error),
        })?;

    // The rate and layout are only certain once a packet has been decoded.
    let mut sink = Some(sink);
    let mut collector: Option<(Collector<'_>, u32, usize)> = None;
    let mut interleaved = Vec::new();
    let mut n_frames: u64 = 0;
    let mut n_packets: u64 = 0;
    let mut n_bad_packets: u64 = 0;
    let mut first_bad_packet = None;
    loop {
        let packet = match format.next_packet() {
            Ok(packet) => packet,
            // symphonia signals the end of the stream this way.
            Err(SymphoniaError::IoError(error)) if error.kind() == io::ErrorKind::UnexpectedEof => {
                break
            }
            // A chained OGG stream with a new layout; we keep the first part.
            Err(SymphoniaError::ResetRequired) => break,
            Err(error) => return Err(stream_error(path, error)),
        };
        if packet.track_id() != track_id {
            continue;
        }
        n_packets += 1;
        let decoded = match decoder.decode(&packet) {
            Ok(decoded) => decoded,
            Err(SymphoniaError::DecodeError(what)) => {
                n_bad_packets += 1;
                first_bad_packet.get_or_insert(what);
                continue;
            }
            Err(SymphoniaError::IoError(error)) if error.kind() == io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(error) => return Err(stream_error(path, error)),
        };
        let rate = decoded.spec().rate;
        let n_channels = decoded.spec().channels.count();
        let (collector, expected_rate, expected_channels) = match &mut collector {
            Some(collector) => collector,
            None => {
                let sink = sink.take().expect("the sink goes to the first collector");
                collector.insert((
                    Collector::new(path, rate, n_channels, sink)?,
                    rate,
                    n_channels,
                ))
            }
        };
        if (rate, n_channels) != (*expected_rate, *expected_channels) {
            return Err(AudioError::Unsupported {
                path: path.to_path_buf(),
                detail: format!(
                    "change of format mid-stream ({expected_rate} Hz x {expected_channels} to {rate} Hz x {n_channels})"
                ),
            });
        }
        let frames_left = last_frame.map_or(u64::MAX, |last| last.saturating_sub(n_frames));
        let n_new_frames = (decoded.frames() as u64).min(frames_left) as usize;
        interleaved.clear();
        interleave(&decoded, n_new_frames, &mut interleaved);
        n_frames += n_new_frames as u64;
        collector.push(&interleaved)?;
    }

    if n_bad_packets > 0
        && (n_frames == 0 || n_bad_packets as f64 > MAX_BAD_PACKET_SHARE * n_packets as f64)
    {
        return Err(AudioError::Corrupt {
            path: path.to_path_buf(),
            detail: format!(
                "{n_bad_packets} of {n_packets} packets do not decode (first: {})",
                first_bad_packet.unwrap_or("unknown error")
            ),
        });
    }
    let Some((collector, rate, _)) = collector else {
        return Err(AudioError::NoSamples {
            path: path.to_path_buf(),
        });
    };
    if let Some(promised) = promised_frames {
        // Allow for frame-count rounding in headers: 1 % or 0.1 s.
        let tolerance = (promised / 100).max(u64::from(rate / 10));
        if n_frames + tolerance < promised {
            return Err(AudioError::Truncated {
                path: path.to_path_buf(),
                detail: format!(
                    "its header promises {:.2} s of audio but the stream ends after {:.2} s",
                    promised as f64 / f64::from(rate),
                    n_frames as f64 / f64::from(rate)
                ),
            });
        }
    }
    collector.finish(path)
}

/// Appends the first `n_frames` of `decoded` to `out`, interleaved and
/// converted to f32.
fn interleave(decoded: &AudioBufferRef<'_>, n_frames: usize, out: &mut Vec<f32>) {
    match decoded {
        AudioBufferRef::U8(buffer) => interleave_planes(buffer, n_frames, out),
        AudioBufferRef::U16(buffer) => interleave_planes(buffer, n_frames, out),
        AudioBufferRef::U24(buffer) => interleave_planes(buffer, n_frames, out),
        AudioBufferRef::U32(buffer) => interleave_planes(buffer, n_frames, out),
        AudioBufferRef::S8(buffer) => interleave_planes(buffer, n_frames, out),
        AudioBufferRef::S16(buffer) => interleave_planes(buffer, n_frames, out),
        AudioBufferRef::S24(buffer) => interleave_planes(buffer, n_frames, out),
        AudioBufferRef::S32(buffer) => interleave_planes(buffer, n_frames, out),
        AudioBufferRef::F32(buffer) => interleave_planes(buffer, n_frames, out),
        AudioBufferRef::F64(buffer) => interleave_planes(buffer, n_frames, out),
    }
}

fn interleave_planes<S: Sample + IntoSample<f32>>(
    buffer: &AudioBuffer<S>,
    n_frames: usize,
    out: &mut Vec<f32>,
) {
    let planes = buffer.planes();
    let planes = planes.planes();
    let n_frames = n_frames.min(buffer.frames());
    out.reserve(n_frames * planes.len());
    for frame in 0..n_frames {
        for plane in planes {
            out.push(
                plane
                    .get(frame)
                    .map_or(0.0, |sample| (*sample).into_sample()),
            );
        }
    }
}

/// The probe finds no format: not audio, nothing we decode, or a known
/// format cut off before its first audio.
/// Checks the lengths inside a FLAC file's picture and comment blocks
/// against the block that holds them, and leaves `file` at its start.
///
/// symphonia allocates whatever such a length says before it reads, so a
/// 200-byte file claiming a 4 GB picture description would cost 4 GB (or
/// abort where memory is tight).
fn flac_metadata_problem(file: &mut File, at: u64) -> io::Result<Option<String>> {
    let file_len = file.metadata()?.len();
    file.seek(SeekFrom::Start(at + 4))?;
    let mut offset = at + 4;
    let result = loop {
        let mut header = [0_u8; 4];
        if file.read_exact(&mut header).is_err() {
            break None; // Cut short: symphonia reports that.
        }
        let [flags, l0, l1, l2] = header;
        let block_len = u64::from(u32::from_be_bytes([0, l0, l1, l2]));
        offset += 4 + block_len;
        if offset > file_len {
            break Some("a FLAC metadata block runs past the end of the file".to_string());
        }
        let kind = flags & 0x7f;
        if kind == VORBIS_COMMENT || kind == PICTURE {
            let mut block = vec![0_u8; block_len as usize];
            file.read_exact(&mut block)?;
            let fits = if kind == PICTURE {
                picture_fits(&block)
            } else {
                comments_fit(&block)
            };
            if !fits {
                break Some(format!(
                    "a FLAC {} block holds lengths longer than itself",
                    if kind == PICTURE {
                        "picture"
                    } else {
                        "comment"
                    }
                ));
            }
        } else {
            file.seek(SeekFrom::Start(offset))?;
        }
        if flags & 0x80 != 0 {
            break None;
        }
    };
    file.seek(SeekFrom::Start(0))?;
    Ok(result)
}

/// How far symphonia's probe looks for a format's marker.
const PROBE_WINDOW: u64 = 1 << 20;

/// Where the first FLAC marker in the probe window is, if any.
fn first_flac(file: &mut File) -> io::Result<Option<u64>> {
    let mut window = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.by_ref()
        .take(PROBE_WINDOW + 4)
        .read_to_end(&mut window)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(window
        .windows(4)
        .position(|bytes| bytes == b"fLaC")
        .map(|at| at as u64))
}

/// FLAC metadata block types whose inner lengths symphonia trusts.
const VORBIS_COMMENT: u8 = 4;
const PICTURE: u8 = 6;

/// A FLAC picture block: type, then length-prefixed MIME type and
/// description (big-endian), then four numbers and length-prefixed data.
fn picture_fits(block: &[u8]) -> bool {
    let be = |at: usize| {
        block
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let mut at = 4;
    for _ in 0..2 {
        let Some(len) = be(at) else { return false };
        at = at.saturating_add(4).saturating_add(len);
    }
    at = at.saturating_add(16);
    be(at).is_some_and(|len| at.saturating_add(4).saturating_add(len) <= block.len())
}

/// A Vorbis comment block: a length-prefixed vendor string, a count, then
/// length-prefixed comments (little-endian).
fn comments_fit(block: &[u8]) -> bool {
    let le = |at: usize| {
        block
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let Some(vendor) = le(0) else { return false };
    let mut at = 4_usize.saturating_add(vendor);
    let Some(n_comments) = le(at) else {
        return false;
    };
    at = at.saturating_add(4);
    for _ in 0..n_comments {
        let Some(len) = le(at) else { return false };
        at = at.saturating_add(4).saturating_add(len);
        if at > block.len() {
            return false;
        }
    }
    true
}

fn probe_error(path: &Path, error: SymphoniaError, magic: &[u8]) -> AudioError {
    match error {
        SymphoniaError::Unsupported(_) => AudioError::NotAudio {
            path: path.to_path_buf(),
        },
        // Either the probe scanned to the end without finding a format, or a
        // format reader started and ran out of file (symphonia's OGG reader
        // looks for the last page up front).
        SymphoniaError::IoError(error) if error.kind() == io::ErrorKind::UnexpectedEof => {
            if starts_like_audio(magic) {
                AudioError::Truncated {
                    path: path.to_path_buf(),
                    detail: "the file ends before the decoder could read its layout".to_string(),
                }
            } else {
                AudioError::NotAudio {
                    path: path.to_path_buf(),
                }
            }
        }
        error => stream_error(path, error),
    }
}

/// Whether `magic`, the first bytes of a file, start like a container or
/// stream symphonia reads.
fn starts_like_audio(magic: &[u8]) -> bool {
    let mpeg_sync = matches!(magic, [0xff, second, ..] if second & 0xe0 == 0xe0);
    let mp4 = magic.get(4..8) == Some(b"ftyp".as_slice());
    mpeg_sync
        || mp4
        || [
            b"OggS".as_slice(),
            b"fLaC",
            b"ID3",
            b"RIFF",
            b"FORM",
            b"caff",
            b"\x1a\x45\xdf\xa3",
        ]
        .iter()
        .any(|start| magic.starts_with(start))
}

/// An error while reading packets.
fn stream_error(path: &Path, error: SymphoniaError) -> AudioError {
    match error {
        SymphoniaError::IoError(error) if error.kind() == io::ErrorKind::UnexpectedEof => {
            AudioError::Truncated {
                path: path.to_path_buf(),
                detail: format!("the stream ends early ({error})"),
            }
        }
        SymphoniaError::IoError(source) => AudioError::Read {
            path: path.to_path_buf(),
            error: source,
        },
        SymphoniaError::Unsupported(what) => AudioError::Unsupported {
            path: path.to_path_buf(),
            detail: format!("feature ({what})"),
        },
        error => corrupt(path, &error),
    }
}

fn corrupt(path: &Path, error: &SymphoniaError) -> AudioError {
    AudioError::Corrupt {
        path: path.to_path_buf(),
        detail: error.to_string(),
    }
}
