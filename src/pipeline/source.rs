//! Sources: where the pipeline's audio comes from. A file (replay) and a
//! live device (capture) feed the same channel, so everything downstream is
//! exercised the same way by tests, benchmarks and real meetings.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{AsrOutput, AudioChunk, Counters, PipelineError, StoreMessage};
use crate::audio::{self, SAMPLE_RATE};

/// Samples per chunk from a file: 64 ms, two VAD frames.
const FILE_CHUNK: usize = 1024;

/// How fast a file is replayed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// `speed` times real time (1.0 is like a live meeting).
    Speed(f64),
    /// As fast as the pipeline takes it.
    Max,
}

/// Where one source's audio comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    /// An audio file, paced like a live meeting.
    File {
        /// The file.
        path: PathBuf,
        /// Replay speed.
        pace: Pace,
    },
    /// One channel of a multi-channel audio file (a recorder with a
    /// microphone per person, a call recorded as one channel per side),
    /// paced like a live meeting.
    Channel {
        /// The file.
        path: PathBuf,
        /// The channel, from 0.
        channel: usize,
        /// Replay speed.
        pace: Pace,
    },
    /// A capture device (`None`: the default input).
    Device {
        /// Device name as `blameless devices` lists it.
        name: Option<String>,
    },
}

impl SourceSpec {
    /// The name used for this source in events and the store.
    pub fn name(&self) -> String {
        match self {
            SourceSpec::File { path, .. } => path
                .file_stem()
                .map_or_else(|| "file".to_string(), |s| s.to_string_lossy().into_owned()),
            SourceSpec::Channel { path, channel, .. } => format!(
                "{}:{channel}",
                path.file_stem()
                    .map_or_else(|| "file".into(), |s| s.to_string_lossy())
            ),
            SourceSpec::Device { name: None } => "default".to_string(),
            SourceSpec::Device { name: Some(name) } => name.clone(),
        }
    }
}

/// A source ready to pump.
pub(crate) enum Opened {
    File { samples: Vec<f32>, pace: Pace },
    Device(Box<crate::capture::Capture>),
}

/// Opens every source, so a missing file or device fails before a meeting
/// is created.
pub(crate) fn open_all(specs: &[SourceSpec]) -> Result<Vec<Opened>, PipelineError> {
    // Channels of one file share one decode.
    let mut decoded: Vec<(PathBuf, audio::Audio)> = Vec::new();
    specs
        .iter()
        .map(|spec| match spec {
            SourceSpec::File { path, pace } => {
                let decoded = audio::read_file(path).map_err(PipelineError::File)?;
                Ok(Opened::File {
                    samples: decoded.mono,
                    pace: *pace,
                })
            }
            SourceSpec::Channel {
                path,
                channel,
                pace,
            } => {
                if !decoded.iter().any(|(p, _)| p == path) {
                    let audio = audio::read_file(path).map_err(PipelineError::File)?;
                    decoded.push((path.clone(), audio));
                }
                let (_, audio) = decoded
                    .iter()
                    .find(|(p, _)| p == path)
                    .expect("just decoded");
                let samples = audio.channels.get(*channel).cloned().ok_or_else(|| {
                    PipelineError::NoChannel {
                        path: path.clone(),
                        channel: *channel,
                        n_channels: audio.channels.len(),
                    }
                })?;
                Ok(Opened::File {
                    samples,
                    pace: *pace,
                })
            }
            SourceSpec::Device { name } => {
                crate::capture::open(name.as_deref(), &Default::default())
                    .map(|c| Opened::Device(Box::new(c)))
                    .map_err(PipelineError::Capture)
            }
        })
        .collect()
}

/// Where a source's audio goes.
pub(crate) struct Outlets {
    /// To the VAD.
    pub vad: SyncSender<AudioChunk>,
    /// To the store, first, so audio is on disk before anything else happens.
    pub store: mpsc::Sender<StoreMessage>,
    /// Warnings for the user.
    pub warnings: mpsc::Sender<AsrOutput>,
}

impl Outlets {
    /// Sends one chunk to the store, then to the VAD; false once either is gone.
    fn send(&self, source: usize, samples: Vec<f32>, samples_in: &AtomicU64) -> bool {
        let arrived = Instant::now();
        samples_in.fetch_add(samples.len() as u64, Ordering::Relaxed);
        let stored = self
            .store
            .blocking_send(StoreMessage::Audio {
                source,
                samples: samples.clone(),
            })
            .is_ok();
        stored
            && self
                .vad
                .send(AudioChunk {
                    source,
                    samples,
                    arrived,
                })
                .is_ok()
    }
}

/// How a source's pump ended.
#[derive(Debug)]
pub(crate) enum SourceEnd {
    /// The file ended, `stop` was set, or a later stage went away.
    Finished,
    /// The device failed and delivers no more audio: the meeting is
    /// interrupted, whatever happens to the other sources.
    Lost(crate::capture::CaptureError),
}

/// Runs on the source's own thread until the source ends or `stop` is set.
pub(crate) fn pump(
    index: usize,
    opened: Opened,
    outlets: Outlets,
    stop: Arc<AtomicBool>,
    counters: Arc<Counters>,
) -> SourceEnd {
    match opened {
        Opened::File { samples, pace } => {
            pump_file(index, &samples, pace, &outlets, &stop, &counters.samples_in);
            SourceEnd::Finished
        }
        Opened::Device(capture) => pump_device(index, *capture, &outlets, &stop, &counters),
    }
}

fn pump_file(
    index: usize,
    samples: &[f32],
    pace: Pace,
    outlets: &Outlets,
    stop: &AtomicBool,
    samples_in: &AtomicU64,
) {
    let started = Instant::now();
    let mut sent = 0usize;
    for chunk in samples.chunks(FILE_CHUNK) {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        sent += chunk.len();
        if let Pace::Speed(speed) = pace {
            let due = started
                + Duration::from_secs_f64(sent as f64 / SAMPLE_RATE as f64 / speed.max(1e-3));
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        // A file waits for the pipeline: replay loses nothing.
        if !outlets.send(index, chunk.to_vec(), samples_in) {
            return;
        }
    }
}

fn pump_device(
    index: usize,
    mut capture: crate::capture::Capture,
    outlets: &Outlets,
    stop: &AtomicBool,
    counters: &Counters,
) -> SourceEnd {
    let warn = |message: String| {
        // Warnings are rare and must not be lost; the event loop drains them.
        let _ = outlets.warnings.blocking_send(AsrOutput::Warning {
            source: Some(index),
            message,
        });
    };
    let mut stalled = false;
    let mut end = SourceEnd::Finished;
    let mut last_drop_warning: Option<Instant> = None;
    let mut buffer = Vec::new();
    // The device's ring buffer absorbs a slow pipeline (and drops and counts
    // when full); a blocked send here only delays draining it.
    let send = |buffer: &mut Vec<f32>| {
        buffer.is_empty() || outlets.send(index, std::mem::take(buffer), &counters.samples_in)
    };
    while !stop.load(Ordering::Relaxed) {
        match capture.read(&mut buffer) {
            Ok(status) => {
                if stalled {
                    stalled = false;
                    warn(format!("{}: audio is flowing again", capture.device()));
                }
                if status.n_dropped > 0 {
                    counters
                        .dropped_samples
                        .fetch_add(status.n_dropped, Ordering::Relaxed);
                }
                // Drops are always counted, and reported at most every 5 s.
                if status.n_dropped > 0
                    && last_drop_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(5))
                {
                    last_drop_warning = Some(Instant::now());
                    warn(format!(
                        "{}: dropped {} samples because transcription fell behind; close other programs or use a smaller model",
                        capture.device(),
                        status.n_dropped
                    ));
                }
                for message in status.warnings {
                    warn(format!("{}: {message}", capture.device()));
                }
            }
            Err(crate::capture::CaptureError::Stalled { .. }) if stalled => {}
            Err(error @ crate::capture::CaptureError::Stalled { .. }) => {
                stalled = true;
                warn(format!("NOT RECORDING: {error}"));
            }
            Err(error) => {
                warn(format!(
                    "NOT RECORDING: {error}; this source has stopped, restart the recording"
                ));
                end = SourceEnd::Lost(error);
                break;
            }
        }
        if !send(&mut buffer) {
            return end;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = capture.finish(&mut buffer);
    send(&mut buffer);
    end
}
