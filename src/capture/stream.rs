//! The capture stream: a real-time callback that only copies, and the
//! [`Capture`] handle that does everything else on the caller's thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use super::devices::{find_device, host, names};
use super::{CaptureError, CaptureOptions, StallDetector, StreamFormat, DEFAULT_RING_SECONDS};
use crate::audio::Resampler;

/// Backend errors the ring between the error callback and [`Capture::read`]
/// holds; more than this between two reads are counted, not kept.
const ERROR_RING_CAPACITY: usize = 32;

/// A device delivering more than this many times real time between two
/// reads (plus [`RUNAWAY_SLACK_S`] for bursts) is not a live device.
const RUNAWAY_FACTOR: f64 = 2.0;

/// Seconds of audio a live device may deliver in one burst beyond its rate
/// (after a scheduling hiccup, a whole ALSA buffer at once).
const RUNAWAY_SLACK_S: f64 = 0.5;

/// Smallest ring, in frames, whatever `ring_seconds` says: a few callbacks'
/// worth, so a tiny setting cannot make every callback drop.
const MIN_RING_FRAMES: usize = 4_096;

/// Largest ring, in samples (1 GiB of `f32`): a typo in `ring_seconds` must
/// not try to allocate the machine's memory.
const MAX_RING_SAMPLES: usize = 1 << 28;

/// Counters the callbacks advance and [`Capture`] reads. Plain atomics: the
/// callback never waits for the reader.
#[derive(Debug, Default)]
struct Counters {
    /// Samples (not frames) the device delivered, kept or dropped.
    delivered: AtomicU64,
    /// Samples dropped because the ring was full.
    dropped: AtomicU64,
    /// Errors the backend reported.
    errors: AtomicU64,
    /// Errors that did not fit into the error ring.
    errors_lost: AtomicU64,
}

/// Totals since [`open`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Device samples (all channels) that reached the ring buffer.
    pub samples_captured: u64,
    /// Device samples (all channels) dropped because the ring was full: the
    /// reader fell behind by more than [`CaptureOptions::ring_seconds`].
    pub samples_dropped: u64,
    /// Errors the audio backend reported (overruns, device errors).
    pub stream_errors: u64,
}

/// What one [`Capture::read`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadStatus {
    /// 16 kHz mono samples appended to the output.
    pub n_samples: usize,
    /// Device samples dropped since the previous read because the reader
    /// fell behind. Not zero means lost audio: read more often, or raise
    /// [`CaptureOptions::ring_seconds`].
    pub n_dropped: u64,
    /// Recoverable problems the backend reported since the previous read
    /// (e.g. an overrun it recovered from), one message each.
    pub warnings: Vec<String>,
}

/// A running capture from one input device.
///
/// `Capture` is `Send`: create it on one thread, read it on another. Call
/// [`Capture::read`] often (every few hundred milliseconds); between reads
/// the device's audio waits in a ring buffer of
/// [`CaptureOptions::ring_seconds`]. Dropping the handle stops the stream.
pub struct Capture {
    /// The device's name, for messages.
    device: String,
    /// The device's native format, which the stream uses.
    format: StreamFormat,
    /// The cpal stream; `None` once stopped.
    stream: Option<cpal::Stream>,
    /// Interleaved `f32` device frames from the callback.
    samples: rtrb::Consumer<f32>,
    /// Errors from the error callback.
    errors: rtrb::Consumer<cpal::Error>,
    /// Shared with the callbacks.
    counters: Arc<Counters>,
    /// Device rate and channels to 16 kHz, same channels.
    resampler: Resampler,
    /// Interleaved 16 kHz output of the resampler, reused across reads.
    resampled: Vec<f32>,
    /// Watches `counters.delivered`.
    stall: StallDetector,
    /// `counters.dropped` at the previous read.
    dropped_reported: u64,
    /// `counters.delivered` and the time at the previous read, to tell a
    /// live device from one that floods (see [`CaptureError::Runaway`]).
    last_read: (u64, Instant),
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("device", &self.device)
            .field("format", &self.format)
            .field("running", &self.stream.is_some())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

// The pipeline moves the handle to its capture task; keep that possible.
// cpal 0.18 streams are `Send` on every host, so no owner thread is needed.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Capture>();
};

/// Starts capturing from an input device in its native format.
///
/// `device` is `None` for the system's default input, or a name from
/// [`super::list_devices`]: an exact name, id or description, else a
/// case-insensitive part of one that matches a single device.
pub fn open(device: Option<&str>, options: &CaptureOptions) -> Result<Capture, CaptureError> {
    let host = host()?;
    let device = find_device(&host, device)?;
    let (name, _) = names(&device);
    let supported = device
        .default_input_config()
        .map_err(|error| CaptureError::Config {
            device: name.clone(),
            detail: error.to_string(),
        })?;
    let format = StreamFormat {
        sample_format: supported.sample_format(),
        sample_rate: supported.sample_rate(),
        n_channels: supported.channels(),
    };
    let n_channels = usize::from(format.n_channels);
    let unsupported = || CaptureError::Unsupported {
        device: name.clone(),
        detail: format.to_string(),
    };
    let resampler = Resampler::new(format.sample_rate, n_channels).map_err(|_| unsupported())?;

    let (sample_tx, samples) = rtrb::RingBuffer::new(ring_samples(&format, options.ring_seconds));
    let (error_tx, errors) = rtrb::RingBuffer::new(ERROR_RING_CAPACITY);
    let counters = Arc::new(Counters::default());
    let config = supported.config();
    let sink = Sink {
        ring: sample_tx,
        n_channels,
        counters: Arc::clone(&counters),
    };
    let on_error = error_callback(error_tx, Arc::clone(&counters));
    let built = match format.sample_format {
        SampleFormat::I8 => build::<i8>(&device, &config, sink, on_error),
        SampleFormat::I16 => build::<i16>(&device, &config, sink, on_error),
        SampleFormat::I24 => build::<cpal::I24>(&device, &config, sink, on_error),
        SampleFormat::I32 => build::<i32>(&device, &config, sink, on_error),
        SampleFormat::I64 => build::<i64>(&device, &config, sink, on_error),
        SampleFormat::U8 => build::<u8>(&device, &config, sink, on_error),
        SampleFormat::U16 => build::<u16>(&device, &config, sink, on_error),
        SampleFormat::U24 => build::<cpal::U24>(&device, &config, sink, on_error),
        SampleFormat::U32 => build::<u32>(&device, &config, sink, on_error),
        SampleFormat::U64 => build::<u64>(&device, &config, sink, on_error),
        SampleFormat::F32 => build::<f32>(&device, &config, sink, on_error),
        SampleFormat::F64 => build::<f64>(&device, &config, sink, on_error),
        _ => return Err(unsupported()),
    };
    let start_error = |error: cpal::Error| CaptureError::Start {
        device: name.clone(),
        detail: error.to_string(),
    };
    let stream = built.map_err(start_error)?;
    stream.play().map_err(start_error)?;

    Ok(Capture {
        device: name,
        format,
        stream: Some(stream),
        samples,
        errors,
        counters,
        resampler,
        resampled: Vec::new(),
        stall: StallDetector::new(options.stall_after, 0, Instant::now()),
        dropped_reported: 0,
        last_read: (0, Instant::now()),
    })
}

impl Capture {
    /// The device's name, as [`super::DeviceInfo::name`] lists it.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The native format the device captures in.
    pub fn format(&self) -> StreamFormat {
        self.format
    }

    /// Totals since [`open`].
    pub fn stats(&self) -> CaptureStats {
        let delivered = self.counters.delivered.load(Ordering::Relaxed);
        let dropped = self.counters.dropped.load(Ordering::Relaxed);
        CaptureStats {
            samples_captured: delivered.saturating_sub(dropped),
            samples_dropped: dropped,
            stream_errors: self.counters.errors.load(Ordering::Relaxed),
        }
    }

    /// Appends the audio captured since the last call to `mono`, as 16 kHz
    /// mono (the mean of the channels), and says how the stream is doing.
    ///
    /// Never waits for audio: with nothing new it returns at once with
    /// `n_samples == 0`. The resampler holds back up to a few milliseconds
    /// of audio until the next read.
    ///
    /// Fails with [`CaptureError::Stalled`] while the device has delivered
    /// nothing for longer than [`CaptureOptions::stall_after`] (call again:
    /// it clears when audio resumes), and with
    /// [`CaptureError::Disconnected`] when the backend reports the device
    /// gone. Samples appended before an error are valid.
    pub fn read(&mut self, mono: &mut Vec<f32>) -> Result<ReadStatus, CaptureError> {
        self.read_inner(mono, None)
    }

    /// Like [`Capture::read`], and also appends each channel at 16 kHz to
    /// `channels` (resized to the device's channel count), for telling
    /// speakers apart by channel (e.g. a headset left, a call's far side
    /// right).
    pub fn read_channels(
        &mut self,
        mono: &mut Vec<f32>,
        channels: &mut Vec<Vec<f32>>,
    ) -> Result<ReadStatus, CaptureError> {
        channels.resize_with(usize::from(self.format.n_channels), Vec::new);
        self.read_inner(mono, Some(channels))
    }

    /// Stops the stream. Audio already captured stays readable with
    /// [`Capture::read`]; stall detection ends. Stopping twice is harmless.
    pub fn stop(&mut self) {
        if let Some(stream) = self.stream.take() {
            // Dropping the stream stops it and joins cpal's worker thread;
            // pausing first keeps the device from delivering meanwhile.
            let _ = stream.pause();
            drop(stream);
        }
    }

    /// Stops the stream and appends everything still buffered, including
    /// the resampler's tail, to `mono`. The capture is finished afterwards.
    pub fn finish(&mut self, mono: &mut Vec<f32>) -> Result<ReadStatus, CaptureError> {
        self.finish_inner(mono, None)
    }

    /// Like [`Capture::finish`], and also appends each channel's rest to
    /// `channels`, as [`Capture::read_channels`] does.
    pub fn finish_channels(
        &mut self,
        mono: &mut Vec<f32>,
        channels: &mut Vec<Vec<f32>>,
    ) -> Result<ReadStatus, CaptureError> {
        channels.resize_with(usize::from(self.format.n_channels), Vec::new);
        self.finish_inner(mono, Some(channels))
    }

    fn finish_inner(
        &mut self,
        mono: &mut Vec<f32>,
        mut channels: Option<&mut Vec<Vec<f32>>>,
    ) -> Result<ReadStatus, CaptureError> {
        self.stop();
        let mut status = self.read_inner(mono, channels.as_deref_mut())?;
        self.resampled.clear();
        self.resampler.flush(&mut self.resampled)?;
        status.n_samples += mix(
            &self.resampled,
            usize::from(self.format.n_channels),
            mono,
            channels,
        );
        Ok(status)
    }

    fn read_inner(
        &mut self,
        mono: &mut Vec<f32>,
        channels: Option<&mut Vec<Vec<f32>>>,
    ) -> Result<ReadStatus, CaptureError> {
        let n_channels = usize::from(self.format.n_channels);
        let mut status = ReadStatus::default();
        let mut fatal = None;
        while let Ok(error) = self.errors.pop() {
            match error.kind() {
                cpal::ErrorKind::DeviceNotAvailable | cpal::ErrorKind::StreamInvalidated => {
                    fatal.get_or_insert_with(|| error.to_string());
                }
                _ => status.warnings.push(error.to_string()),
            }
        }
        let lost = self.counters.errors_lost.swap(0, Ordering::Relaxed);
        if lost > 0 {
            status
                .warnings
                .push(format!("{lost} more stream errors were not kept"));
        }

        // A live device delivers at its rate. One that delivers far faster
        // has lost its source (ALSA's file plugin reads silence at full
        // speed once its pipe closes): what it delivers is not the room,
        // and storing it would stretch meeting time. Dropped, and reported.
        let delivered = self.counters.delivered.load(Ordering::Relaxed);
        let now = Instant::now();
        let (last_delivered, last_at) = std::mem::replace(&mut self.last_read, (delivered, now));
        let frames = delivered.saturating_sub(last_delivered) / n_channels.max(1) as u64;
        let allowed = (now.saturating_duration_since(last_at).as_secs_f64() * RUNAWAY_FACTOR
            + RUNAWAY_SLACK_S)
            * f64::from(self.format.sample_rate);
        if self.stream.is_some() && frames as f64 > allowed {
            let available = self.samples.slots();
            if let Ok(chunk) = self.samples.read_chunk(available) {
                chunk.commit_all();
            }
            // Its flood overflowed the ring; that is not audio lost.
            self.dropped_reported = self.counters.dropped.load(Ordering::Relaxed);
            return Err(CaptureError::Runaway {
                device: self.device.clone(),
            });
        }

        self.resampled.clear();
        let available = self.samples.slots();
        let whole_frames = available - available % n_channels.max(1);
        if whole_frames > 0 {
            if let Ok(chunk) = self.samples.read_chunk(whole_frames) {
                let (first, second) = chunk.as_slices();
                let resampled = self
                    .resampler
                    .process(first, &mut self.resampled)
                    .and_then(|()| self.resampler.process(second, &mut self.resampled));
                chunk.commit_all();
                resampled?;
            }
        }
        status.n_samples = mix(&self.resampled, n_channels, mono, channels);

        let dropped = self.counters.dropped.load(Ordering::Relaxed);
        status.n_dropped = dropped.saturating_sub(self.dropped_reported);
        self.dropped_reported = dropped;

        if let Some(detail) = fatal {
            return Err(CaptureError::Disconnected {
                device: self.device.clone(),
                detail,
            });
        }
        if self.stream.is_some() {
            let delivered = self.counters.delivered.load(Ordering::Relaxed);
            if let Some(idle) = self.stall.observe(delivered, Instant::now()) {
                return Err(CaptureError::Stalled {
                    device: self.device.clone(),
                    seconds: idle.as_secs_f64(),
                });
            }
        }
        Ok(status)
    }
}

/// Ring size in samples: `seconds` of the device's frames, whole frames only.
fn ring_samples(format: &StreamFormat, seconds: f64) -> usize {
    let seconds = if seconds.is_finite() && seconds > 0.0 {
        seconds
    } else {
        DEFAULT_RING_SECONDS
    };
    let n_channels = usize::from(format.n_channels).max(1);
    let frames = (seconds * f64::from(format.sample_rate)).ceil();
    // Saturating float-to-int cast; the clamp below bounds it anyway.
    let frames = (frames as usize).max(MIN_RING_FRAMES);
    let max_frames = MAX_RING_SAMPLES / n_channels;
    frames.min(max_frames) * n_channels
}

/// Splits interleaved 16 kHz frames into `mono` (the channel mean) and,
/// when asked, one vector per channel. Returns the number of frames.
fn mix(
    interleaved: &[f32],
    n_channels: usize,
    mono: &mut Vec<f32>,
    mut channels: Option<&mut Vec<Vec<f32>>>,
) -> usize {
    let n_channels = n_channels.max(1);
    let frames = interleaved.chunks_exact(n_channels);
    let n_frames = frames.len();
    mono.reserve(n_frames);
    let scale = 1.0 / n_channels as f32;
    for frame in frames {
        mono.push(if n_channels == 1 {
            frame[0]
        } else {
            frame.iter().sum::<f32>() * scale
        });
        if let Some(channels) = channels.as_deref_mut() {
            for (channel, sample) in channels.iter_mut().zip(frame) {
                channel.push(*sample);
            }
        }
    }
    n_frames
}

/// The producer side, owned by the data callback.
struct Sink {
    /// Interleaved `f32` frames for [`Capture`].
    ring: rtrb::Producer<f32>,
    /// Samples per frame: pushes are whole frames so channels never shift.
    n_channels: usize,
    /// Delivered and dropped counts.
    counters: Arc<Counters>,
}

impl Sink {
    /// The real-time part: convert and copy what fits, count the rest.
    /// No locks, no allocation, no panics (ARCHITECTURE.md, `capture/`).
    fn push<T>(&mut self, data: &[T])
    where
        T: SizedSample,
        f32: FromSample<T>,
    {
        let fits = self.ring.slots().min(data.len());
        let fits = fits - fits % self.n_channels.max(1);
        let written = match self.ring.write_chunk_uninit(fits) {
            Ok(chunk) => chunk.fill_from_iter(data.iter().map(|sample| sample.to_sample::<f32>())),
            Err(_) => 0,
        };
        let delivered = data.len() as u64;
        self.counters
            .delivered
            .fetch_add(delivered, Ordering::Relaxed);
        let dropped = delivered.saturating_sub(written as u64);
        if dropped > 0 {
            self.counters.dropped.fetch_add(dropped, Ordering::Relaxed);
        }
    }
}

/// The error callback: hands errors to [`Capture`] without blocking.
fn error_callback(
    mut errors: rtrb::Producer<cpal::Error>,
    counters: Arc<Counters>,
) -> impl FnMut(cpal::Error) + Send + 'static {
    move |error| {
        counters.errors.fetch_add(1, Ordering::Relaxed);
        if errors.push(error).is_err() {
            counters.errors_lost.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Builds the input stream for sample type `T`.
fn build<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut sink: Sink,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    device.build_input_stream::<T, _, _>(
        *config,
        move |data: &[T], _: &cpal::InputCallbackInfo| sink.push(data),
        on_error,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(rate: u32, n_channels: u16) -> StreamFormat {
        StreamFormat {
            sample_format: SampleFormat::F32,
            sample_rate: rate,
            n_channels,
        }
    }

    #[test]
    fn ring_holds_whole_frames_of_the_asked_duration() {
        assert_eq!(ring_samples(&format(48_000, 2), 3.0), 288_000);
        assert_eq!(ring_samples(&format(44_100, 3), 0.5) % 3, 0);
        // Nonsense falls back to the default, tiny values to the minimum.
        assert_eq!(ring_samples(&format(16_000, 1), f64::NAN), 48_000);
        assert_eq!(ring_samples(&format(16_000, 1), 1e-9), MIN_RING_FRAMES);
        assert_eq!(ring_samples(&format(16_000, 1), 1e12), MAX_RING_SAMPLES);
    }

    fn sink(capacity: usize, n_channels: usize) -> (Sink, rtrb::Consumer<f32>, Arc<Counters>) {
        let (ring, consumer) = rtrb::RingBuffer::new(capacity);
        let counters = Arc::new(Counters::default());
        let sink = Sink {
            ring,
            n_channels,
            counters: Arc::clone(&counters),
        };
        (sink, consumer, counters)
    }

    #[test]
    fn the_callback_converts_and_counts() {
        let (mut sink, mut consumer, counters) = sink(8, 2);
        sink.push::<i16>(&[0, 16_384, -32_768, 8_192]);
        let mut out = [0.0_f32; 4];
        consumer.pop_entire_slice(&mut out).expect("four samples");
        assert_eq!(out, [0.0, 0.5, -1.0, 0.25]);
        assert_eq!(counters.delivered.load(Ordering::Relaxed), 4);
        assert_eq!(counters.dropped.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_full_ring_drops_whole_frames_and_counts_them() {
        let (mut sink, mut consumer, counters) = sink(5, 2);
        sink.push::<f32>(&[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
        // Five slots hold two whole frames; the third frame is dropped
        // whole, so left and right never swap.
        assert_eq!(consumer.slots(), 4);
        assert_eq!(counters.dropped.load(Ordering::Relaxed), 2);
        sink.push::<f32>(&[0.7, 0.8]);
        assert_eq!(counters.dropped.load(Ordering::Relaxed), 4);
        assert_eq!(counters.delivered.load(Ordering::Relaxed), 8);
        let mut out = [0.0_f32; 4];
        consumer.pop_entire_slice(&mut out).expect("two frames");
        assert_eq!(out, [0.1, 0.2, 0.3, 0.4]);
    }

    #[test]
    fn mix_averages_channels_and_keeps_them() {
        let mut mono = Vec::new();
        let mut channels = vec![Vec::new(), Vec::new()];
        let n = mix(&[1.0, 0.0, 0.5, 0.5], 2, &mut mono, Some(&mut channels));
        assert_eq!(n, 2);
        assert_eq!(mono, [0.5, 0.5]);
        assert_eq!(channels, [vec![1.0, 0.5], vec![0.0, 0.5]]);
    }
}
