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
    /// One channel of a multi-channel capture device (a USB recorder or
    /// interface with a microphone per person). The channels of one device
    /// are captured once and its faults handled once for all of them.
    DeviceChannel {
        /// Device name as `blameless devices` lists it (`None`: the
        /// default input).
        name: Option<String>,
        /// The channel, from 0.
        channel: usize,
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
            SourceSpec::DeviceChannel { name, channel } => {
                format!("{}:{channel}", name.as_deref().unwrap_or("default"))
            }
        }
    }
}

/// A source ready to pump.
pub(crate) enum Opened {
    /// A file (or one channel of it), decoded as it is pumped.
    File { feed: audio::Tap, pace: Pace },
    /// A device, and the sources it feeds: (source index, `None` for the
    /// mono mix or the channel).
    Device {
        /// The opened device.
        capture: Box<crate::capture::Capture>,
        /// The sources it feeds, in source order.
        outputs: Vec<(usize, Option<usize>)>,
    },
    /// A channel of a device that another source's pump captures.
    Shared,
}

/// Opens every source, so a missing file or device fails before a meeting
/// is created.
///
/// A file is decoded on its own thread as its sources consume it (held
/// audio stays a few seconds, however long the meeting); the channels of
/// one file share one decode.
///
/// A device split into channels ([`SourceSpec::DeviceChannel`]) is recorded
/// whole: every channel no spec names is added to `specs` as a source of
/// its own (attributed by voice), so nobody's microphone goes unrecorded.
pub(crate) fn open_all(specs: &mut Vec<SourceSpec>) -> Result<Vec<Opened>, PipelineError> {
    // Each file once, with the signal each of its sources takes.
    let mut files: Vec<(&PathBuf, Vec<(usize, audio::Signal)>)> = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        let (path, signal) = match spec {
            SourceSpec::File { path, .. } => (path, audio::Signal::Mono),
            SourceSpec::Channel { path, channel, .. } => (path, audio::Signal::Channel(*channel)),
            SourceSpec::Device { .. } | SourceSpec::DeviceChannel { .. } => continue,
        };
        match files.iter_mut().find(|(p, _)| *p == path) {
            Some((_, signals)) => signals.push((index, signal)),
            None => files.push((path, vec![(index, signal)])),
        }
    }
    let mut feeds: Vec<Option<audio::Tap>> = specs.iter().map(|_| None).collect();
    for (path, signals) in files {
        let wanted: Vec<audio::Signal> = signals.iter().map(|(_, s)| *s).collect();
        let (format, taps) = audio::stream_file(path, &wanted).map_err(PipelineError::File)?;
        for ((index, signal), tap) in signals.into_iter().zip(taps) {
            if let audio::Signal::Channel(channel) = signal {
                if channel >= format.n_channels {
                    return Err(PipelineError::NoChannel {
                        path: path.clone(),
                        channel,
                        n_channels: format.n_channels,
                    });
                }
            }
            feeds[index] = Some(tap);
        }
    }
    let mut opened = Vec::with_capacity(specs.len());
    for (index, (spec, feed)) in specs.iter().zip(feeds).enumerate() {
        let source = match (spec, feed) {
            (SourceSpec::File { pace, .. } | SourceSpec::Channel { pace, .. }, Some(feed)) => {
                Opened::File { feed, pace: *pace }
            }
            (SourceSpec::Device { name }, _) => Opened::Device {
                capture: Box::new(open_device(name.as_deref())?),
                outputs: vec![(index, None)],
            },
            (SourceSpec::DeviceChannel { name, channel }, _) => {
                // The device once, for all its channels: the first of them
                // pumps it.
                let first = specs[..index].iter().position(|earlier| {
                    matches!(earlier, SourceSpec::DeviceChannel { name: n, .. } if n == name)
                });
                match first.map(|first| &mut opened[first]) {
                    Some(Opened::Device { capture, outputs }) => {
                        check_channel(capture, *channel)?;
                        outputs.push((index, Some(*channel)));
                        Opened::Shared
                    }
                    _ => {
                        let capture = open_device(name.as_deref())?;
                        check_channel(&capture, *channel)?;
                        Opened::Device {
                            capture: Box::new(capture),
                            outputs: vec![(index, Some(*channel))],
                        }
                    }
                }
            }
            (SourceSpec::File { .. } | SourceSpec::Channel { .. }, None) => {
                unreachable!("every file source was given a feed above")
            }
        };
        opened.push(source);
    }
    add_unnamed_channels(specs, &mut opened);
    Ok(opened)
}

/// Adds the channels of split devices that no spec names, as sources at the
/// end of `specs` that the device's pump feeds too.
fn add_unnamed_channels(specs: &mut Vec<SourceSpec>, opened: &mut Vec<Opened>) {
    for at in 0..opened.len() {
        let Opened::Device { capture, outputs } = &mut opened[at] else {
            continue;
        };
        let SourceSpec::DeviceChannel { name, .. } = &specs[at] else {
            continue;
        };
        let name = name.clone();
        for channel in 0..usize::from(capture.format().n_channels) {
            if outputs.iter().all(|(_, c)| *c != Some(channel)) {
                outputs.push((specs.len(), Some(channel)));
                specs.push(SourceSpec::DeviceChannel {
                    name: name.clone(),
                    channel,
                });
            }
        }
        let added = specs.len() - opened.len();
        opened.extend((0..added).map(|_| Opened::Shared));
    }
}

fn open_device(name: Option<&str>) -> Result<crate::capture::Capture, PipelineError> {
    crate::capture::open(name, &Default::default()).map_err(PipelineError::Capture)
}

/// A channel the device does not have fails before the meeting exists.
fn check_channel(capture: &crate::capture::Capture, channel: usize) -> Result<(), PipelineError> {
    let n_channels = usize::from(capture.format().n_channels);
    if channel < n_channels {
        Ok(())
    } else {
        Err(PipelineError::NoDeviceChannel {
            device: capture.device().to_string(),
            channel,
            n_channels,
        })
    }
}

/// Where a source's audio goes.
pub(crate) struct Outlets {
    /// To the VAD.
    pub vad: SyncSender<AudioChunk>,
    /// To the store, first, so audio is on disk before anything else happens;
    /// `None` when the meeting keeps no audio (`--no-audio`).
    pub store: Option<mpsc::Sender<StoreMessage>>,
    /// Warnings for the user.
    pub warnings: mpsc::Sender<AsrOutput>,
}

impl Outlets {
    /// Sends one chunk to the store, then to the VAD; false once either is gone.
    fn send(&self, source: usize, samples: Vec<f32>, samples_in: &AtomicU64) -> bool {
        let arrived = Instant::now();
        samples_in.fetch_add(samples.len() as u64, Ordering::Relaxed);
        let stored = self.store.as_ref().is_none_or(|store| {
            store
                .blocking_send(StoreMessage::Audio {
                    source,
                    samples: samples.clone(),
                })
                .is_ok()
        });
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
    /// The file turned out unreadable part way (a fault its decoder finds
    /// only late): the meeting holds the audio before it, and is
    /// interrupted.
    Unreadable(std::sync::Arc<audio::AudioError>),
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
        Opened::File { feed, pace } => {
            pump_file(index, &feed, pace, &outlets, &stop, &counters.samples_in)
        }
        Opened::Device { capture, outputs } => {
            pump_device(&outputs, *capture, &outlets, &stop, &counters)
        }
        Opened::Shared => SourceEnd::Finished,
    }
}

/// Pumps a file's decoded audio in chunks of [`FILE_CHUNK`] samples (the
/// last one shorter), paced unless [`Pace::Max`].
fn pump_file(
    index: usize,
    feed: &audio::Tap,
    pace: Pace,
    outlets: &Outlets,
    stop: &AtomicBool,
    samples_in: &AtomicU64,
) -> SourceEnd {
    let started = Instant::now();
    let mut sent = 0usize;
    // Decoded audio not sent yet, from `next` on.
    let mut pending: Vec<f32> = Vec::new();
    let mut next = 0usize;
    let mut ended = false;
    let mut failed = None;
    loop {
        // A whole chunk, unless the file ends first.
        while !ended && pending.len() - next < FILE_CHUNK {
            match feed.next_block() {
                Some(Ok(block)) => {
                    pending.drain(..next);
                    next = 0;
                    pending.extend_from_slice(&block);
                }
                Some(Err(error)) => {
                    ended = true;
                    failed = Some(error);
                }
                None => ended = true,
            }
        }
        if next == pending.len() || stop.load(Ordering::Relaxed) {
            break;
        }
        let chunk = pending[next..pending.len().min(next + FILE_CHUNK)].to_vec();
        next += chunk.len();
        sent += chunk.len();
        if let Pace::Speed(speed) = pace {
            let due = started
                + Duration::from_secs_f64(sent as f64 / SAMPLE_RATE as f64 / speed.max(1e-3));
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        // A file waits for the pipeline: replay loses nothing.
        if !outlets.send(index, chunk, samples_in) {
            return SourceEnd::Finished;
        }
    }
    match failed {
        Some(error) if !stop.load(Ordering::Relaxed) => {
            let _ = outlets.warnings.blocking_send(AsrOutput::Warning {
                source: Some(index),
                message: format!(
                    "{error}; the replay stops at {:.1} s, what came before is kept",
                    sent as f64 / SAMPLE_RATE as f64
                ),
            });
            SourceEnd::Unreadable(error)
        }
        _ => SourceEnd::Finished,
    }
}

/// How often a lost device is looked for again.
const REOPEN_EVERY: Duration = Duration::from_secs(1);

/// A gap shorter than this is jitter (the ring buffer, read intervals), not
/// a gap: it is not padded.
const MIN_GAP_S: f64 = 0.25;

/// Pumps a capture device for the whole meeting, through faults.
///
/// A device that stops delivering (stalled: unplugged, suspended, a dead
/// pipe) or fails (the backend says it is gone) is reported at once with a
/// `NOT RECORDING` warning. A failed device is closed and opened again by
/// name every second, on a helper thread (opening can block, e.g. on a
/// pipe with no writer). When audio flows again the time without it is
/// stored as silence, so the recording keeps the meeting's clock (a turn at
/// 10:05 is at 10:05 in the WAV), and a warning says how long the gap was.
/// The meeting goes on throughout: other sources are not affected, and a
/// source still lost at the end makes the meeting interrupted.
///
/// `outputs` are the sources the device feeds: (source index, `None` for
/// its mono mix or the channel). A multi-channel device split into a source
/// per channel is read, reopened and gap-filled once for all of them, so
/// its channels stay sample-aligned (the echo check compares them) and a
/// fault is reported once.
fn pump_device(
    outputs: &[(usize, Option<usize>)],
    capture: crate::capture::Capture,
    outlets: &Outlets,
    stop: &AtomicBool,
    counters: &Counters,
) -> SourceEnd {
    // The device's warnings go with its first source.
    let index = outputs.first().map_or(0, |(index, _)| *index);
    let split = outputs.iter().any(|(_, channel)| channel.is_some());
    let warn = |message: String| {
        // Warnings are rare and must not be lost; the event loop drains them.
        let _ = outlets.warnings.blocking_send(AsrOutput::Warning {
            source: Some(index),
            message,
        });
    };
    let device = capture.device().to_string();
    let mut capture = Some(capture);
    let started = Instant::now();
    // 16 kHz samples sent for this source: its meeting time.
    let mut sent: u64 = 0;
    let mut stalled_since: Option<Instant> = None;
    // Why the device is quiet or flooding, while it is.
    let mut fault: Option<crate::capture::CaptureError> = None;
    // Lost: the error; and the reopen attempt under way.
    let mut lost: Option<crate::capture::CaptureError> = None;
    let mut reopening: Option<
        std::sync::mpsc::Receiver<Result<crate::capture::Capture, crate::capture::CaptureError>>,
    > = None;
    let mut last_attempt: Option<Instant> = None;
    let mut last_drop_warning: Option<Instant> = None;
    // The mono mix, and each channel when the device is split.
    let mut buffer = Vec::new();
    let mut channels: Vec<Vec<f32>> = Vec::new();
    // The device's ring buffer absorbs a slow pipeline (and drops and counts
    // when full); a blocked send here only delays draining it.
    let send = |buffer: &mut Vec<f32>, channels: &mut Vec<Vec<f32>>, sent: &mut u64| {
        *sent += buffer.len() as u64;
        if buffer.is_empty() {
            return true;
        }
        let mut ok = true;
        for (index, channel) in outputs {
            let samples = match channel {
                // A device reopened with fewer channels: silence for the
                // missing ones keeps every source's time.
                Some(channel) => channels
                    .get_mut(*channel)
                    .map_or_else(|| vec![0.0; buffer.len()], std::mem::take),
                None => buffer.clone(),
            };
            ok = ok && outlets.send(*index, samples, &counters.samples_in);
        }
        buffer.clear();
        channels.iter_mut().for_each(Vec::clear);
        ok
    };
    // Reads into the mono mix, and the channels when split.
    let read = |live: &mut crate::capture::Capture,
                buffer: &mut Vec<f32>,
                channels: &mut Vec<Vec<f32>>| {
        if split {
            live.read_channels(buffer, channels)
        } else {
            live.read(buffer)
        }
    };
    let finish = |live: &mut crate::capture::Capture,
                  buffer: &mut Vec<f32>,
                  channels: &mut Vec<Vec<f32>>| {
        if split {
            live.finish_channels(buffer, channels)
        } else {
            live.finish(buffer)
        }
    };
    // Silence for the time the device delivered nothing, so meeting time
    // is not shortened; `fresh` samples just read belong after the gap.
    let fill_gap = |sent: &mut u64, fresh: usize| -> (bool, f64) {
        let due = (started.elapsed().as_secs_f64() * SAMPLE_RATE as f64) as u64;
        let gap = due.saturating_sub(*sent + fresh as u64);
        if (gap as f64) < MIN_GAP_S * SAMPLE_RATE as f64 {
            return (true, 0.0);
        }
        let mut left = gap;
        while left > 0 {
            let n = left.min(SAMPLE_RATE as u64) as usize;
            let sent_all = outputs
                .iter()
                .all(|(index, _)| outlets.send(*index, vec![0.0; n], &counters.samples_in));
            if !sent_all {
                return (false, gap as f64 / SAMPLE_RATE as f64);
            }
            *sent += n as u64;
            left -= n as u64;
        }
        (true, gap as f64 / SAMPLE_RATE as f64)
    };
    while !stop.load(Ordering::Relaxed) {
        let Some(live) = capture.as_mut() else {
            // Lost: look for the device again, without ever blocking here.
            if let Some(rx) = &reopening {
                match rx.try_recv() {
                    Ok(Ok(reopened)) => {
                        reopening = None;
                        capture = Some(reopened);
                        continue;
                    }
                    Ok(Err(_)) | Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                        reopening = None
                    }
                    Err(std::sync::mpsc::TryRecvError::Empty) => {}
                }
            } else if last_attempt.is_none_or(|t| t.elapsed() >= REOPEN_EVERY) {
                last_attempt = Some(Instant::now());
                let (tx, rx) = std::sync::mpsc::sync_channel(1);
                let name = device.clone();
                let spawned = std::thread::Builder::new()
                    .name("reopen".into())
                    .spawn(move || {
                        let _ = tx.send(crate::capture::open(Some(&name), &Default::default()));
                    });
                if spawned.is_ok() {
                    reopening = Some(rx);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        match read(live, &mut buffer, &mut channels) {
            Ok(status) => {
                if !buffer.is_empty() && (stalled_since.is_some() || lost.is_some()) {
                    stalled_since = None;
                    fault = None;
                    lost = None;
                    let (ok, gap_s) = fill_gap(&mut sent, buffer.len());
                    if !ok {
                        return SourceEnd::Finished;
                    }
                    warn(format!(
                        "{device}: recording again; the {gap_s:.1} s without audio are stored as silence, so meeting time runs on"
                    ));
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
                        "{device}: dropped {} samples because transcription fell behind; close other programs or use a smaller model",
                        status.n_dropped
                    ));
                }
                for message in status.warnings {
                    warn(format!("{device}: {message}"));
                }
            }
            Err(
                crate::capture::CaptureError::Stalled { .. }
                | crate::capture::CaptureError::Runaway { .. },
            ) if stalled_since.is_some() => {}
            Err(
                error @ (crate::capture::CaptureError::Stalled { .. }
                | crate::capture::CaptureError::Runaway { .. }),
            ) => {
                stalled_since = Some(Instant::now());
                warn(format!("NOT RECORDING: {error}"));
                fault = Some(error);
            }
            Err(error) => {
                warn(format!(
                    "NOT RECORDING: {error}; blameless keeps looking for it and records again when it is back"
                ));
                // What was captured before the error is kept.
                let _ = finish(live, &mut buffer, &mut channels);
                capture = None;
                stalled_since = None;
                lost = Some(error);
                last_attempt = None;
            }
        }
        if !send(&mut buffer, &mut channels, &mut sent) {
            return SourceEnd::Finished;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    match capture.as_mut() {
        Some(live) if stalled_since.is_none() => {
            let _ = finish(live, &mut buffer, &mut channels);
            send(&mut buffer, &mut channels, &mut sent);
        }
        _ => {
            // Stopped while the device was gone: the meeting's time runs
            // on to the stop, as silence, and the meeting says it lost it.
            fill_gap(&mut sent, 0);
        }
    }
    // Still without audio at the end: the meeting says it lost this source.
    match lost.or(fault) {
        Some(error) => SourceEnd::Lost(error),
        None => SourceEnd::Finished,
    }
}
