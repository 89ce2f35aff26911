//! Real signals for the audio tests: sines written to WAV files with hound,
//! and the measurements the tests make on decoded output.

use std::path::Path;

/// `len` samples of a sine of `freq` Hz and peak `amplitude` at `rate` Hz,
/// starting at phase zero.
pub fn sine(rate: u32, freq: f64, amplitude: f32, len: usize) -> Vec<f32> {
    (0..len)
        .map(|n| {
            let t = n as f64 / f64::from(rate);
            amplitude * (2.0 * std::f64::consts::PI * freq * t).sin() as f32
        })
        .collect()
}

/// Number of sign changes; a sine of `f` Hz lasting `d` s has about `2 f d`.
pub fn count_zero_crossings(samples: &[f32]) -> usize {
    samples
        .windows(2)
        .filter(|pair| (pair[0] >= 0.0) != (pair[1] >= 0.0))
        .count()
}

/// Root mean square; `amplitude / sqrt(2)` for a sine.
pub fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|s| f64::from(*s).powi(2)).sum();
    (sum / samples.len() as f64).sqrt() as f32
}

/// Writes `channels` (planar, equal lengths, in [-1, 1]) as an integer PCM
/// WAV of `bits` bits per sample.
pub fn write_int_wav(path: &Path, rate: u32, bits: u16, channels: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create test WAV");
    let full_scale = (1_i64 << (bits - 1)) as f64;
    let max = full_scale - 1.0;
    for frame in 0..channels[0].len() {
        for channel in channels {
            let value = (f64::from(channel[frame]) * full_scale)
                .round()
                .clamp(-full_scale, max);
            writer
                .write_sample(value as i32)
                .expect("write test sample");
        }
    }
    writer.finalize().expect("finish test WAV");
}

/// Writes `channels` (planar, equal lengths) as a 32-bit float WAV.
pub fn write_float_wav(path: &Path, rate: u32, channels: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create test WAV");
    for frame in 0..channels[0].len() {
        for channel in channels {
            writer
                .write_sample(channel[frame])
                .expect("write test sample");
        }
    }
    writer.finalize().expect("finish test WAV");
}

/// Delay, in samples, of a sine of `freq` Hz in `samples` (at 16 kHz)
/// against one starting at phase zero, from its phase over the middle half.
/// Only meaningful for delays under half a period.
pub fn estimate_delay(samples: &[f32], freq: f64) -> f64 {
    let omega = 2.0 * std::f64::consts::PI * freq / f64::from(super::SAMPLE_RATE);
    let (mut in_phase, mut quadrature) = (0.0, 0.0);
    let middle = samples.len() / 4..samples.len() * 3 / 4;
    for (n, sample) in samples
        .iter()
        .enumerate()
        .take(middle.end)
        .skip(middle.start)
    {
        let phase = omega * n as f64;
        in_phase += f64::from(*sample) * phase.sin();
        quadrature += f64::from(*sample) * phase.cos();
    }
    // sin(w (n - d)) = sin(w n) cos(w d) - cos(w n) sin(w d)
    (-quadrature).atan2(in_phase) / omega
}
