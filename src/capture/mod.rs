//! `capture/`: what is the microphone hearing right now?
//!
//! Live audio from an input device through cpal, turned into the same 16 kHz
//! mono `f32` stream that [`crate::audio::read_file`] produces for files.
//!
//! The cpal callback only converts samples to `f32` and copies them into a
//! ring buffer allocated up front (the invariant of `capture/` in
//! ARCHITECTURE.md): it never blocks, allocates or panics. When the ring
//! is full it drops the newest samples and counts them (capture→vad edge:
//! drop and count). [`Capture::read`] drains the
//! ring on the caller's thread, resamples with the shared
//! [`crate::audio::Resampler`], mixes to mono and reports the stream's
//! health: dropped samples, backend errors, and a device that stopped
//! delivering audio ([`CaptureError::Stalled`]).
//!
//! # Layout
//! - `devices.rs`: [`list_devices`] and the name matching behind [`open`].
//! - `stream.rs`: [`open`], the real-time callback and the [`Capture`] handle.
//! - `stall.rs`: the clock-injected stall detector.

mod devices;
mod stall;
mod stream;

use std::time::Duration;

pub use devices::{list_devices, DeviceInfo, StreamFormat};
pub use stall::StallDetector;
pub use stream::{open, Capture, CaptureStats, ReadStatus};

/// How long a device may deliver nothing before it counts as stalled: short
/// enough that the `NOT RECORDING` warning comes within 1.5 s of the device
/// going quiet, long enough above any device's period (tens of ms).
pub const DEFAULT_STALL_AFTER: Duration = Duration::from_millis(1_000);

/// Seconds of device audio the ring buffer between the callback and
/// [`Capture::read`] holds by default.
pub const DEFAULT_RING_SECONDS: f64 = 3.0;

/// Tunables for [`open`].
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureOptions {
    /// Seconds of device audio the ring buffer holds. If the reader falls
    /// further behind than this, the newest samples are dropped and counted.
    pub ring_seconds: f64,
    /// A device that delivers no samples for longer than this is reported
    /// as stalled by [`Capture::read`].
    pub stall_after: Duration,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        CaptureOptions {
            ring_seconds: DEFAULT_RING_SECONDS,
            stall_after: DEFAULT_STALL_AFTER,
        }
    }
}

/// Why live capture could not start or continue.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The audio system itself is unavailable.
    #[error("the audio system is unavailable: {detail}; check that ALSA (or the platform's audio service) works, e.g. with `arecord -l`")]
    Host {
        /// What cpal reported.
        detail: String,
    },
    /// The devices could not be listed.
    #[error("cannot list input devices: {detail}; check that the audio system works, e.g. with `arecord -l`")]
    Enumerate {
        /// What cpal reported.
        detail: String,
    },
    /// No input device matches the requested name.
    #[error("no input device \"{name}\"; run `blameless devices`")]
    NoSuchDevice {
        /// The name as given.
        name: String,
    },
    /// The requested name is a substring of several devices' names.
    #[error("input device \"{name}\" is ambiguous, it matches {candidates}; give the full name (run `blameless devices`)")]
    Ambiguous {
        /// The name as given.
        name: String,
        /// The matching devices, quoted and comma-separated.
        candidates: String,
    },
    /// The system has no default input device.
    #[error("there is no default input device; name one (run `blameless devices`)")]
    NoDefaultDevice,
    /// The device's capture format could not be read.
    #[error("cannot read the capture format of input device \"{device}\": {detail}; check that no other program holds it, or pick another (run `blameless devices`)")]
    Config {
        /// The device.
        device: String,
        /// What cpal reported.
        detail: String,
    },
    /// The device captures in a format or layout blameless cannot use.
    #[error("input device \"{device}\" captures {detail}, which blameless cannot use; pick another device (run `blameless devices`)")]
    Unsupported {
        /// The device.
        device: String,
        /// The format, rate or channel count.
        detail: String,
    },
    /// The capture stream could not be opened or started.
    #[error("cannot start capturing from input device \"{device}\": {detail}; check that no other program holds it, or pick another (run `blameless devices`)")]
    Start {
        /// The device.
        device: String,
        /// What cpal reported.
        detail: String,
    },
    /// The device delivered no audio for too long: unplugged, suspended or
    /// hung.
    #[error("input device \"{device}\" delivered no audio for {seconds:.1} s; check that it is still connected, or pick another (run `blameless devices`)")]
    Stalled {
        /// The device.
        device: String,
        /// Seconds since the last samples arrived.
        seconds: f64,
    },
    /// The device delivers audio much faster than real time: its source is
    /// gone (a capture plugin reading a closed pipe) and what comes is not
    /// the room. Dropped until it delivers at its rate again.
    #[error("input device \"{device}\" delivers audio faster than real time, so its source is gone; check its connection (run `blameless devices`)")]
    Runaway {
        /// The device.
        device: String,
    },
    /// The backend reported that the device is gone.
    #[error("input device \"{device}\" stopped: {detail}; reconnect it, or pick another (run `blameless devices`)")]
    Disconnected {
        /// The device.
        device: String,
        /// What cpal reported.
        detail: String,
    },
    /// Resampling the captured audio failed.
    #[error(transparent)]
    Audio(#[from] crate::audio::AudioError),
}
