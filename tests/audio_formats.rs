//! Compressed formats through `audio::read_file`, on files sox makes.
//!
//! These tests need `sox` (installed by `scripts/make-samples.sh`, or
//! `apt-get install sox`) and fail, rather than skip, without it. Debian's
//! sox writes FLAC and OGG Vorbis out of the box; MP3 would need
//! libsox-fmt-mp3 and M4A an AAC encoder, so those formats are not covered
//! here.

use std::path::{Path, PathBuf};
use std::process::Command;

use blameless::audio::{read_file, Audio, AudioError, SAMPLE_RATE};

/// Runs sox with `args`, failing the test with a clear message if sox is
/// missing or fails.
fn sox(args: &[&str]) {
    let output = match Command::new("sox").args(args).output() {
        Ok(output) => output,
        Err(error) => panic!(
            "cannot run sox ({error}); these tests need it: run `apt-get install sox` \
             (scripts/make-samples.sh installs it too)"
        ),
    };
    assert!(
        output.status.success(),
        "sox {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Makes `name` in `dir` with sox: `seconds` of a 440 Hz sine at half scale,
/// `rate` Hz, `channels` channels (only the first carries the sine).
fn make_sine(
    dir: &Path,
    name: &str,
    rate: u32,
    channels: u32,
    seconds: u32,
    bits: Option<u32>,
) -> PathBuf {
    let path = dir.join(name);
    let rate = rate.to_string();
    let channels_arg = channels.to_string();
    let seconds = seconds.to_string();
    let path_arg = path.to_str().expect("temp path is UTF-8");
    let mut args = vec!["-D", "-R", "-n", "-r", &rate, "-c", &channels_arg];
    let bits = bits.map(|bits| bits.to_string());
    if let Some(bits) = &bits {
        args.extend(["-b", bits]);
    }
    args.extend([path_arg, "synth", &seconds, "sine", "440", "vol", "0.5"]);
    // Keep the sine in channel 1 and silence the others.
    let mut remix = vec!["remix".to_string(), "1".to_string()];
    remix.extend((1..channels).map(|_| "0".to_string()));
    if channels > 1 {
        args.extend(remix.iter().map(String::as_str));
    }
    sox(&args);
    path
}

fn zero_crossings(samples: &[f32]) -> usize {
    samples
        .windows(2)
        .filter(|pair| (pair[0] >= 0.0) != (pair[1] >= 0.0))
        .count()
}

/// Peak amplitude of a sine, from the RMS of the middle half.
fn sine_amplitude(samples: &[f32]) -> f32 {
    let middle = &samples[samples.len() / 4..samples.len() * 3 / 4];
    let sum: f64 = middle.iter().map(|s| f64::from(*s).powi(2)).sum();
    ((sum / middle.len() as f64).sqrt() * std::f64::consts::SQRT_2) as f32
}

/// Delay in 16 kHz samples of a 440 Hz sine against one starting at phase 0.
fn delay_of_440_hz(samples: &[f32]) -> f64 {
    let omega = 2.0 * std::f64::consts::PI * 440.0 / f64::from(SAMPLE_RATE);
    let (mut in_phase, mut quadrature) = (0.0, 0.0);
    for (n, sample) in samples
        .iter()
        .enumerate()
        .take(samples.len() * 3 / 4)
        .skip(samples.len() / 4)
    {
        in_phase += f64::from(*sample) * (omega * n as f64).sin();
        quadrature += f64::from(*sample) * (omega * n as f64).cos();
    }
    (-quadrature).atan2(in_phase) / omega
}

/// Checks `audio` holds `seconds` of the 440 Hz half-scale sine in channel 0,
/// within `tolerance` of amplitude (lossy codecs need more).
fn assert_sine(audio: &Audio, seconds: usize, tolerance: f32) {
    let expected_len = seconds * SAMPLE_RATE as usize;
    assert!(
        audio.mono.len().abs_diff(expected_len) <= 2,
        "{} samples, expected {expected_len}",
        audio.mono.len()
    );
    let left = &audio.channels[0];
    let crossings = zero_crossings(left);
    assert!(
        crossings.abs_diff(880 * seconds) <= 2,
        "{crossings} zero crossings, expected {}",
        880 * seconds
    );
    let amplitude = sine_amplitude(left);
    assert!((amplitude - 0.5).abs() < tolerance, "amplitude {amplitude}");
    let delay = delay_of_440_hz(left);
    assert!(delay.abs() < 1.0, "delay of {delay} samples");
}

#[test]
fn flac_stereo_at_44_1_khz() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = make_sine(dir.path(), "sine.flac", 44_100, 2, 1, Some(16));
    let audio = read_file(&path).expect("decode FLAC");
    assert_eq!(audio.source_rate, 44_100);
    assert_eq!(audio.channels.len(), 2);
    assert_sine(&audio, 1, 0.005);
    let right_peak = audio.channels[1]
        .iter()
        .fold(0.0_f32, |peak, s| peak.max(s.abs()));
    assert!(right_peak < 1e-3, "right channel peak {right_peak}");
}

#[test]
fn flac_24_bit_at_96_khz() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = make_sine(dir.path(), "sine.flac", 96_000, 1, 1, Some(24));
    let audio = read_file(&path).expect("decode FLAC");
    assert_eq!(audio.source_rate, 96_000);
    assert_sine(&audio, 1, 0.005);
}

#[test]
fn ogg_vorbis_mono_at_48_khz() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = make_sine(dir.path(), "sine.ogg", 48_000, 1, 2, None);
    let audio = read_file(&path).expect("decode OGG Vorbis");
    assert_eq!(audio.source_rate, 48_000);
    assert_eq!(audio.channels.len(), 1);
    assert_sine(&audio, 2, 0.02);
}

#[test]
fn the_decoder_is_chosen_by_content_not_extension() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flac = make_sine(dir.path(), "sine.flac", 44_100, 1, 1, Some(16));
    let flac_named_wav = dir.path().join("really-flac.wav");
    std::fs::rename(&flac, &flac_named_wav).expect("rename");
    assert_sine(
        &read_file(&flac_named_wav).expect("decode FLAC named .wav"),
        1,
        0.005,
    );

    let wav = make_sine(dir.path(), "sine.wav", 22_050, 1, 1, Some(16));
    let wav_named_ogg = dir.path().join("really-wav.ogg");
    std::fs::rename(&wav, &wav_named_ogg).expect("rename");
    assert_sine(
        &read_file(&wav_named_ogg).expect("decode WAV named .ogg"),
        1,
        0.005,
    );
}

#[test]
fn flac_cut_in_half_is_truncated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = make_sine(dir.path(), "cut.flac", 44_100, 1, 2, Some(16));
    let bytes = std::fs::read(&path).expect("read FLAC");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("cut FLAC");
    let error = read_file(&path).expect_err("truncated FLAC");
    assert!(matches!(error, AudioError::Truncated { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("cut.flac is truncated"), "{message}");
}

/// Cut and damaged files give errors or partial audio, and never crash a
/// decoder (a crash would show up as "the decoder crashed").
#[test]
fn damaged_files_never_crash_the_decoders() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["sine.flac", "sine.ogg"] {
        let path = make_sine(dir.path(), name, 44_100, 2, 1, None);
        let bytes = std::fs::read(&path).expect("read test file");
        let damaged = dir.path().join(format!("damaged-{name}"));
        for step in 1..20 {
            let at = bytes.len() * step / 20;
            // The file cut at `at`.
            std::fs::write(&damaged, &bytes[..at]).expect("write damaged file");
            check_no_crash(&damaged);
            // The file with 64 bytes of garbage at `at`.
            let mut garbled = bytes.clone();
            for (offset, byte) in garbled.iter_mut().skip(at).take(64).enumerate() {
                *byte ^= 0x5a_u8.wrapping_add(offset as u8);
            }
            std::fs::write(&damaged, &garbled).expect("write damaged file");
            check_no_crash(&damaged);
        }
    }
}

fn check_no_crash(path: &Path) {
    if let Err(error) = read_file(path) {
        let message = error.to_string();
        assert!(!message.contains("decoder crashed"), "{message}");
        assert!(!message.ends_with('.'), "{message}");
    }
}

#[test]
fn ogg_cut_in_half_is_an_error_not_unrecognised() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = make_sine(dir.path(), "cut.ogg", 44_100, 1, 2, None);
    let bytes = std::fs::read(&path).expect("read OGG");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("cut OGG");
    let error = read_file(&path).expect_err("truncated OGG");
    assert!(matches!(error, AudioError::Truncated { .. }), "{error:?}");
}

/// `replay` decodes as it goes: a fault found only at the end of a file
/// comes after the audio before it, as the last item of the stream.
#[test]
fn a_stream_of_a_cut_flac_delivers_its_audio_then_the_fault() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = make_sine(dir.path(), "cut.flac", 44_100, 1, 4, Some(16));
    let bytes = std::fs::read(&path).expect("read FLAC");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("cut FLAC");
    let (format, taps) =
        blameless::audio::stream_file(&path, &[blameless::audio::Signal::Mono]).expect("starts");
    assert_eq!(format.source_rate, 44_100);
    let mut n_samples = 0;
    let mut fault = None;
    while let Some(block) = taps[0].next_block() {
        assert!(fault.is_none(), "nothing comes after the fault");
        match block {
            Ok(block) => n_samples += block.len(),
            Err(error) => fault = Some(error),
        }
    }
    let seconds = n_samples as f64 / f64::from(SAMPLE_RATE);
    assert!((1.5..2.5).contains(&seconds), "{seconds} s before the cut");
    let fault = fault.expect("the cut is reported");
    assert!(matches!(*fault, AudioError::Truncated { .. }), "{fault:?}");
}
