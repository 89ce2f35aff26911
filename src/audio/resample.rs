//! Sample-rate conversion to [`SAMPLE_RATE`], one chunk at a time.
//!
//! Files and the live microphone both go through [`Resampler`], so there is one
//! resampling path. It wraps a rubato resampler and adds what rubato leaves to
//! the caller: buffering input until a whole chunk is there, dropping the
//! filter's start-up delay so output sample `n` lines up with input time
//! `n / 16000` s, and flushing the tail so a stream of `len` frames at `rate`
//! comes out as `round(len * 16000 / rate)` frames.

use rubato::{
    calculate_cutoff, FftFixedInOut, SincFixedIn, SincInterpolationParameters,
    SincInterpolationType, VecResampler, WindowFunction,
};

use super::{AudioError, SAMPLE_RATE};

/// Lowest source rate accepted; below it the conversion factor and buffers explode.
pub const MIN_SOURCE_RATE: u32 = 1_000;
/// Highest source rate accepted (4x 192 kHz).
pub const MAX_SOURCE_RATE: u32 = 768_000;
/// Most channels accepted; more is a broken header, not a recording.
pub const MAX_CHANNELS: usize = 64;

/// Input frames per rubato call, roughly (the FFT resampler rounds it up to a
/// whole number of its base chunks: 1536 frames, 32 ms, at 48 kHz). Small
/// enough for live capture, large enough that the FFT work per call
/// dominates the overhead.
const CHUNK_FRAMES: usize = 1024;

/// The FFT resampler needs chunks of `rate / gcd(rate, 16000)` input frames.
/// That is 441 for 44.1 kHz and 3 for 48 kHz; an odd rate such as 44 101 Hz
/// would need 44 101, so above this limit the sinc resampler is used instead.
const MAX_FFT_BASE_CHUNK: u32 = 4_096;

/// Converts interleaved audio at any supported rate to [`SAMPLE_RATE`],
/// keeping every channel.
///
/// Feed it with [`Resampler::process`] as audio arrives and call
/// [`Resampler::flush`] at the end of the stream. Output is interleaved like
/// the input, starts at the same instant (the filter delay is removed), and
/// after `flush` holds `round(n_frames * 16000 / from_rate)` frames in total.
/// After `flush` the resampler is ready for a new stream.
///
/// Rates that divide nicely into 16 kHz (8, 11.025, 22.05, 32, 44.1, 48,
/// 96 kHz, ...) use rubato's synchronous FFT resampler; other rates use its
/// windowed-sinc resampler. At 16 kHz the input is passed through unchanged.
pub struct Resampler {
    /// Sample rate of the input, in Hz.
    from_rate: u32,
    /// Samples per interleaved frame, in the input and the output.
    n_channels: usize,
    /// `None` when the input is already at [`SAMPLE_RATE`].
    inner: Option<Box<dyn VecResampler<f32>>>,
    /// Planar input not yet handed to `inner`, fewer frames than one chunk
    /// between calls.
    pending: Vec<Vec<f32>>,
    /// Samples of an incomplete interleaved frame left over from the last
    /// `process` call; completed by the next one.
    partial_frame: Vec<f32>,
    /// Planar chunk handed to `inner`, reused across calls.
    chunk_in: Vec<Vec<f32>>,
    /// Planar output of `inner`, reused across calls.
    chunk_out: Vec<Vec<f32>>,
    /// Whole input frames received since the stream started.
    frames_in: u64,
    /// Output frames emitted since the stream started.
    frames_out: u64,
    /// Output frames the resampler lags its input by.
    delay: usize,
    /// Output frames still to drop at the start of the stream, so output
    /// time zero is input time zero.
    delay_left: usize,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler")
            .field("from_rate", &self.from_rate)
            .field("n_channels", &self.n_channels)
            .field("frames_in", &self.frames_in)
            .field("frames_out", &self.frames_out)
            .finish_non_exhaustive()
    }
}

impl Resampler {
    /// Creates a resampler from `from_rate` Hz with `n_channels` interleaved
    /// channels to [`SAMPLE_RATE`].
    ///
    /// Fails for rates outside [`MIN_SOURCE_RATE`]..=[`MAX_SOURCE_RATE`] and
    /// channel counts outside 1..=[`MAX_CHANNELS`].
    pub fn new(from_rate: u32, n_channels: usize) -> Result<Self, AudioError> {
        let invalid = |detail: &str| AudioError::InvalidResampler {
            rate: from_rate,
            n_channels,
            detail: detail.to_string(),
        };
        if !(MIN_SOURCE_RATE..=MAX_SOURCE_RATE).contains(&from_rate) {
            return Err(invalid("the sample rate is out of range"));
        }
        if !(1..=MAX_CHANNELS).contains(&n_channels) {
            return Err(invalid("the channel count is out of range"));
        }
        let (inner, delay) = if from_rate == SAMPLE_RATE {
            (None, 0)
        } else {
            let (inner, delay) =
                make_inner(from_rate, n_channels).map_err(|error| invalid(&error))?;
            (Some(inner), delay)
        };
        let (chunk_in, chunk_out) = match &inner {
            Some(inner) => (
                inner.input_buffer_allocate(false),
                inner.output_buffer_allocate(true),
            ),
            None => (Vec::new(), Vec::new()),
        };
        Ok(Resampler {
            from_rate,
            n_channels,
            inner,
            pending: vec![Vec::new(); n_channels],
            partial_frame: Vec::with_capacity(n_channels),
            chunk_in,
            chunk_out,
            frames_in: 0,
            frames_out: 0,
            delay,
            delay_left: delay,
        })
    }

    /// Sample rate of the input, in Hz.
    pub fn from_rate(&self) -> u32 {
        self.from_rate
    }

    /// Number of interleaved channels in the input and the output.
    pub fn n_channels(&self) -> usize {
        self.n_channels
    }

    /// Resamples interleaved `input` and appends the interleaved result to
    /// `output`.
    ///
    /// Output lags input by up to one chunk plus the filter length; the rest
    /// comes out of [`Resampler::flush`]. `input` need not hold whole frames:
    /// a trailing partial frame is kept for the next call.
    pub fn process(&mut self, input: &[f32], output: &mut Vec<f32>) -> Result<(), AudioError> {
        let mut rest = input;
        if !self.partial_frame.is_empty() {
            let missing = self.n_channels.saturating_sub(self.partial_frame.len());
            let (head, tail) = rest.split_at(missing.min(rest.len()));
            self.partial_frame.extend_from_slice(head);
            rest = tail;
            if self.partial_frame.len() < self.n_channels {
                return Ok(());
            }
            let frame = std::mem::take(&mut self.partial_frame);
            self.push_frame(&frame, output);
        }
        let mut frames = rest.chunks_exact(self.n_channels);
        for frame in frames.by_ref() {
            self.push_frame(frame, output);
        }
        self.partial_frame.extend_from_slice(frames.remainder());
        self.run_full_chunks(output)
    }

    /// Ends the stream: appends the remaining output, so the stream's total
    /// is `round(n_frames * 16000 / from_rate)` frames, and resets the
    /// resampler for a new stream. A trailing partial frame is dropped.
    pub fn flush(&mut self, output: &mut Vec<f32>) -> Result<(), AudioError> {
        let flushed = self.flush_inner(output);
        let reset = self.reset();
        flushed.and(reset)
    }

    /// Queues one whole frame, or passes it straight through at 16 kHz.
    fn push_frame(&mut self, frame: &[f32], output: &mut Vec<f32>) {
        if self.inner.is_none() {
            output.extend(frame.iter().copied().map(finite));
            return;
        }
        for (channel, sample) in self.pending.iter_mut().zip(frame) {
            channel.push(finite(*sample));
        }
        self.frames_in += 1;
    }

    /// Runs every whole chunk in `pending` through the resampler.
    fn run_full_chunks(&mut self, output: &mut Vec<f32>) -> Result<(), AudioError> {
        let Some(inner) = self.inner.as_mut() else {
            return Ok(());
        };
        let available = self.pending.first().map_or(0, Vec::len);
        let mut consumed = 0;
        loop {
            let needed = inner.input_frames_next();
            if needed == 0 || available.saturating_sub(consumed) < needed {
                break;
            }
            for (chunk, pending) in self.chunk_in.iter_mut().zip(&self.pending) {
                chunk.clear();
                chunk.extend(pending.iter().skip(consumed).take(needed));
            }
            let (used, written) = inner
                .process_into_buffer(&self.chunk_in, &mut self.chunk_out, None)
                .map_err(resample_error)?;
            consumed += used.min(needed);
            emit(
                &self.chunk_out,
                written,
                usize::MAX,
                &mut self.delay_left,
                &mut self.frames_out,
                output,
            );
        }
        for pending in &mut self.pending {
            pending.drain(..consumed.min(pending.len()));
        }
        Ok(())
    }

    /// Pads the stream with silence until the expected number of frames is out.
    fn flush_inner(&mut self, output: &mut Vec<f32>) -> Result<(), AudioError> {
        let Some(inner) = self.inner.as_mut() else {
            return Ok(());
        };
        let expected = expected_frames(self.frames_in, self.from_rate);
        // Each round emits at least a few frames once the delay is used up,
        // so this bound is never reached; it only guarantees termination.
        let mut rounds_left = 100_000_u32;
        while self.frames_out < expected {
            rounds_left = rounds_left
                .checked_sub(1)
                .ok_or_else(|| AudioError::Resample {
                    detail: "flushing the resampler produced no output".to_string(),
                })?;
            let needed = inner.input_frames_next();
            for (chunk, pending) in self.chunk_in.iter_mut().zip(&mut self.pending) {
                chunk.clear();
                chunk.extend(pending.drain(..needed.min(pending.len())));
                chunk.resize(needed, 0.0);
            }
            let (_, written) = inner
                .process_into_buffer(&self.chunk_in, &mut self.chunk_out, None)
                .map_err(resample_error)?;
            let wanted = usize::try_from(expected - self.frames_out).unwrap_or(usize::MAX);
            emit(
                &self.chunk_out,
                written,
                wanted,
                &mut self.delay_left,
                &mut self.frames_out,
                output,
            );
        }
        Ok(())
    }

    /// Forgets the current stream.
    fn reset(&mut self) -> Result<(), AudioError> {
        for pending in &mut self.pending {
            pending.clear();
        }
        self.partial_frame.clear();
        self.frames_in = 0;
        self.frames_out = 0;
        self.delay_left = self.delay;
        if self.inner.is_some() {
            // rubato's object-safe trait has no `reset`; a new resampler costs
            // an FFT plan, once per stream.
            let (inner, _) = make_inner(self.from_rate, self.n_channels)
                .map_err(|detail| AudioError::Resample { detail })?;
            self.inner = Some(inner);
        }
        Ok(())
    }
}

/// `round(frames_in * 16000 / from_rate)`, without overflow.
fn expected_frames(frames_in: u64, from_rate: u32) -> u64 {
    let rate = u128::from(from_rate.max(1));
    let frames = (u128::from(frames_in) * u128::from(SAMPLE_RATE) + rate / 2) / rate;
    u64::try_from(frames).unwrap_or(u64::MAX)
}

/// Interleaves up to `max_frames` of the first `written` frames of the planar
/// `chunk` onto `output`, after dropping what is left of the start-up delay.
fn emit(
    chunk: &[Vec<f32>],
    written: usize,
    max_frames: usize,
    delay_left: &mut usize,
    frames_out: &mut u64,
    output: &mut Vec<f32>,
) {
    let skip = (*delay_left).min(written);
    *delay_left -= skip;
    let n_frames = (written - skip).min(max_frames);
    output.reserve(n_frames * chunk.len());
    for frame in skip..skip + n_frames {
        for channel in chunk {
            output.push(channel.get(frame).copied().unwrap_or(0.0));
        }
    }
    *frames_out += n_frames as u64;
}

/// Picks the FFT resampler when the rate divides nicely into 16 kHz, the sinc
/// resampler otherwise. Returns it with its delay in output frames.
fn make_inner(
    from_rate: u32,
    n_channels: usize,
) -> Result<(Box<dyn VecResampler<f32>>, usize), String> {
    let base_chunk = from_rate / gcd(from_rate, SAMPLE_RATE);
    if base_chunk <= MAX_FFT_BASE_CHUNK {
        // The FFT filter is centred on the middle of its input chunk. With an
        // even number of base chunks, that middle falls exactly on an output
        // sample, so the delay rubato reports (half the output chunk) is
        // exact and dropping it leaves no fractional offset. A power of two
        // also keeps the FFT sizes easy to factor (3072/1024 at 48 kHz).
        let base_chunk = base_chunk as usize;
        let n_base_chunks = CHUNK_FRAMES.div_ceil(base_chunk).next_power_of_two().max(2);
        let resampler = FftFixedInOut::<f32>::new(
            from_rate as usize,
            SAMPLE_RATE as usize,
            n_base_chunks * base_chunk,
            n_channels,
        )
        .map_err(|error| error.to_string())?;
        let delay = resampler.output_delay();
        return Ok((Box::new(resampler), delay));
    }
    let ratio = f64::from(SAMPLE_RATE) / f64::from(from_rate);
    // When downsampling, rubato scales the cutoff by the ratio but not the
    // filter length; lengthen the filter to keep the transition band narrow.
    let sinc_len = ((256.0 / ratio.min(1.0)).ceil() as usize).min(2_048);
    let window = WindowFunction::BlackmanHarris2;
    let parameters = SincInterpolationParameters {
        sinc_len,
        f_cutoff: calculate_cutoff(sinc_len, window),
        oversampling_factor: 256,
        interpolation: SincInterpolationType::Cubic,
        window,
    };
    let resampler = SincFixedIn::<f32>::new(ratio, 1.0, parameters, CHUNK_FRAMES, n_channels)
        .map_err(|error| error.to_string())?;
    // rubato 0.16's sinc resampler already centres its filter, so its output
    // lags the input by only `ratio - 1` output frames, not the
    // `sinc_len * ratio / 2` that `output_delay` reports (measured; the
    // `odd_rates_use_sinc_and_stay_aligned` test checks it). Dropping the
    // whole frames of that leaves under one frame (62.5 us) of offset.
    let delay = (ratio - 1.0).round().max(0.0) as usize;
    Ok((Box::new(resampler), delay))
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn resample_error(error: rubato::ResampleError) -> AudioError {
    AudioError::Resample {
        detail: error.to_string(),
    }
}

/// A sample the resampler and the models can take: NaN and infinities (a
/// corrupt float WAV, a misbehaving device) become silence, and values are
/// bounded far outside any real signal, so the FFT cannot overflow to NaN
/// (which the resampler treats as a bug and panics on).
fn finite(sample: f32) -> f32 {
    if sample.is_finite() {
        sample.clamp(-MAX_SAMPLE, MAX_SAMPLE)
    } else {
        0.0
    }
}

/// Largest magnitude passed on (full scale is 1.0).
const MAX_SAMPLE: f32 = 1000.0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::test_signals::{count_zero_crossings, estimate_delay, rms, sine};

    /// Resamples `input` (mono) in pieces of `piece` samples.
    fn resample_mono(from_rate: u32, input: &[f32], piece: usize) -> Vec<f32> {
        let mut resampler = Resampler::new(from_rate, 1).expect("valid resampler");
        let mut output = Vec::new();
        for part in input.chunks(piece) {
            resampler.process(part, &mut output).expect("process");
        }
        resampler.flush(&mut output).expect("flush");
        output
    }

    /// Largest difference from an ideal 16 kHz sine, ignoring the edges where
    /// the filter sees the silence around the signal.
    fn max_error_vs_ideal(output: &[f32], freq: f64, amplitude: f32) -> f32 {
        let ideal = sine(SAMPLE_RATE, freq, amplitude, output.len());
        let edge = 400;
        output
            .iter()
            .zip(&ideal)
            .skip(edge)
            .take(output.len().saturating_sub(2 * edge))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn common_rates_give_exact_length_and_no_delay() {
        for from_rate in [8_000, 11_025, 22_050, 32_000, 44_100, 48_000, 96_000] {
            for len in [from_rate as usize, from_rate as usize + 7, 12_345] {
                let input = sine(from_rate, 440.0, 0.5, len);
                let output = resample_mono(from_rate, &input, 777);
                let expected = expected_frames(len as u64, from_rate) as usize;
                assert_eq!(output.len(), expected, "rate {from_rate}, len {len}");
                let error = max_error_vs_ideal(&output, 440.0, 0.5);
                assert!(error < 0.005, "rate {from_rate}: max error {error}");
                let delay = estimate_delay(&output, 440.0);
                assert!(delay.abs() < 0.01, "rate {from_rate}: delay {delay}");
            }
        }
    }

    #[test]
    fn odd_rates_use_sinc_and_stay_aligned() {
        for from_rate in [44_101, 22_051, 12_001, 7_919, 1_013] {
            let len = from_rate as usize * 2;
            let input = sine(from_rate, 440.0, 0.5, len);
            let output = resample_mono(from_rate, &input, 1_000);
            let expected = expected_frames(len as u64, from_rate) as usize;
            assert_eq!(output.len(), expected, "rate {from_rate}");
            let delay = estimate_delay(&output, 440.0);
            assert!(delay.abs() < 0.75, "rate {from_rate}: delay {delay}");
            let middle = &output[output.len() / 4..output.len() * 3 / 4];
            let level = rms(middle) * std::f32::consts::SQRT_2;
            assert!(
                (level - 0.5).abs() < 0.005,
                "rate {from_rate}: amplitude {level}"
            );
        }
    }

    #[test]
    fn piece_size_does_not_change_the_output() {
        let input = sine(44_100, 1_000.0, 0.8, 30_000);
        let whole = resample_mono(44_100, &input, input.len());
        let tiny = resample_mono(44_100, &input, 3);
        assert_eq!(whole.len(), tiny.len());
        let diff = whole
            .iter()
            .zip(&tiny)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(diff < 1e-6, "max difference {diff}");
    }

    #[test]
    fn interleaved_channels_stay_separate() {
        let left = sine(48_000, 440.0, 0.5, 48_000);
        let mut interleaved = Vec::new();
        for sample in &left {
            interleaved.extend([*sample, 0.0]);
        }
        let mut resampler = Resampler::new(48_000, 2).expect("valid resampler");
        let mut output = Vec::new();
        // An odd piece size splits frames across calls.
        for part in interleaved.chunks(1_001) {
            resampler.process(part, &mut output).expect("process");
        }
        resampler.flush(&mut output).expect("flush");
        assert_eq!(output.len(), 2 * 16_000);
        let out_left: Vec<f32> = output.iter().step_by(2).copied().collect();
        let out_right: Vec<f32> = output.iter().skip(1).step_by(2).copied().collect();
        assert!(max_error_vs_ideal(&out_left, 440.0, 0.5) < 0.01);
        assert!(rms(&out_right) < 1e-6);
        assert!(count_zero_crossings(&out_left).abs_diff(880) <= 2);
    }

    #[test]
    fn sixteen_khz_passes_through() {
        let input = sine(SAMPLE_RATE, 440.0, 0.5, 1_000);
        assert_eq!(resample_mono(SAMPLE_RATE, &input, 333), input);
    }

    #[test]
    fn flush_resets_for_a_new_stream() {
        let input = sine(44_100, 440.0, 0.5, 44_100);
        let mut resampler = Resampler::new(44_100, 1).expect("valid resampler");
        let mut first = Vec::new();
        resampler.process(&input, &mut first).expect("process");
        resampler.flush(&mut first).expect("flush");
        let mut second = Vec::new();
        resampler.process(&input, &mut second).expect("process");
        resampler.flush(&mut second).expect("flush");
        assert_eq!(first, second);
    }

    #[test]
    fn empty_stream_flushes_to_nothing() {
        assert!(resample_mono(44_100, &[], 10).is_empty());
    }

    #[test]
    fn rejects_unusable_rates_and_channel_counts() {
        for (rate, n_channels) in [(0, 1), (999, 1), (800_000, 1), (48_000, 0), (48_000, 65)] {
            let error = Resampler::new(rate, n_channels).expect_err("invalid resampler");
            assert!(
                matches!(error, AudioError::InvalidResampler { .. }),
                "{error}"
            );
        }
    }
}
