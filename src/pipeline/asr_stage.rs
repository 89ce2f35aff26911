//! The asr thread: owns the Whisper model and decodes utterances. Finals are
//! decoded in order and never dropped; partials are best effort: only the
//! newest per source is decoded, none while transcription lags, and one in
//! progress is cancelled (whisper.cpp's abort callback) as soon as a final
//! waits. A final that cannot be decoded (Whisper failed, or the user
//! stopped the meeting before its turn came) still becomes a turn, marked
//! untranscribed.
//!
//! Partials also commit the start of a long utterance as it is spoken
//! (local agreement, [`crate::asr::agreement`]): later partials and the
//! final decode only the uncommitted tail, so the time from the end of
//! speech to the turn does not grow with the turn's length.
//!
//! When a pause starts that may end the turn, the vad thread sends a
//! speculative partial: the turn so far, decoded as its final would be. If
//! the pause does end the utterance, its final is *covered*: it does not
//! cancel that decode, and takes its text, so the decode overlaps the VAD's
//! wait for the end-of-speech silence. If the speaker goes on, a decode of
//! a long stretch ending a sentence is committed (the cut is in the pause,
//! so no word is split), so a long monologue is committed a sentence or a
//! few at a time; a shorter one is skipped, or cancelled if it runs.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::speakers_stage::{SpeakerJob, SpeakerWork};
use super::vad_stage::Job;
use super::{round3, AsrOutput, Counters, Untranscribed};
use crate::asr::agreement::TurnSoFar;
use crate::asr::{self, AudioCtx, Clip};
use crate::audio::SAMPLE_RATE;
use crate::events::TurnTiming;

/// Partials are skipped while the newest decoded audio is older than this.
const MAX_PARTIAL_LAG: Duration = Duration::from_millis(1500);

/// A speculative decode commits the turn so far only when its uncommitted
/// audio is at least this long, in seconds, and its text ends a sentence:
/// a long monologue is committed every sentence or few, so what is left
/// when it ends stays short, while an ordinary turn is decoded whole (short
/// clips after a prompt decode worse, and sometimes loop).
const COMMIT_AFTER_S: usize = 10;

/// The newest speculative decode of a source's utterance in progress.
struct Ahead {
    utterance: u64,
    /// Samples of the utterance it decoded, from its start.
    n_samples: usize,
    /// The whole turn's text, committed part included.
    text: String,
}

/// Whether Whisper ended `text` with a sentence.
fn ends_sentence(text: &str) -> bool {
    text.trim_end().ends_with(['.', '?', '!'])
}

/// Where final utterances go for voice attribution.
pub(crate) struct SpeakerOutlet {
    /// The speakers thread's queue, when voice attribution runs.
    pub jobs: Option<SyncSender<SpeakerWork>>,
    /// Per source index, whether its turns are attributed by voice.
    pub voiced: Vec<bool>,
    /// No source is live (files replayed as fast as they decode): nobody
    /// waits for a turn in real time, so the asr thread waits for room in
    /// the speakers queue instead of leaving a turn without a speaker, and
    /// leaves finals in the job queue while it decodes one.
    pub no_live_source: bool,
}

impl SpeakerOutlet {
    /// Offers a final's audio to the speakers thread as soon as it arrives,
    /// so embedding runs while Whisper decodes. Live, never waits: when the
    /// queue is full the turn goes without a speaker. True when it was taken.
    fn offer(&self, job: &Job, counters: &Counters) -> bool {
        let Some(jobs) = &self.jobs else {
            return false;
        };
        if !self.voiced.get(job.source).copied().unwrap_or(false) {
            return false;
        }
        let speaker_job = SpeakerWork::Final(SpeakerJob {
            source: job.source,
            utterance: job.utterance,
            offset: job.offset,
            samples: job.samples.clone(),
        });
        if self.no_live_source {
            return jobs.send(speaker_job).is_ok();
        }
        match jobs.try_send(speaker_job) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                counters.skipped_speakers.fetch_add(1, Ordering::Relaxed);
                false
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }
}

/// The model and how to decode with it.
pub(crate) struct Whisper {
    pub model: asr::Model,
    pub options: asr::Options,
    /// Chooses `options.threads` again between decodes; `None` keeps them.
    pub idle_cores: Option<asr::threads::IdleCores>,
}

/// Runs until `jobs` closes and everything queued is decoded. Once
/// `abandon` is set, nothing more is decoded: finals are handed on
/// untranscribed (their audio is stored) and partials are dropped.
pub(crate) fn run(
    whisper: Whisper,
    jobs: Receiver<Job>,
    out: mpsc::Sender<AsrOutput>,
    counters: Arc<Counters>,
    abandon: Arc<AtomicBool>,
    speakers: SpeakerOutlet,
) {
    let Whisper {
        mut model,
        mut options,
        mut idle_cores,
    } = whisper;
    // Finals whose audio the speakers thread took: (source, utterance).
    let mut attributed: HashSet<(usize, u64)> = HashSet::new();
    let mut partial_options = asr::Options {
        audio_ctx: AudioCtx::Fit,
        temperature_fallback: false,
        ..options.clone()
    };
    model.warm_up(&partial_options);
    let mut finals: VecDeque<Job> = VecDeque::new();
    let mut partials: HashMap<usize, Job> = HashMap::new();
    // Per source, the utterance in progress: its number and what is committed.
    let mut in_progress: HashMap<usize, (u64, TurnSoFar)> = HashMap::new();
    // Per source, the newest speculative decode.
    let mut ahead: HashMap<usize, Ahead> = HashMap::new();
    let mut closed = false;

    loop {
        // Take everything waiting; block only when there is nothing to do.
        if finals.is_empty() && partials.is_empty() && !closed {
            // Idle: nothing waits, so transcription is caught up.
            counters.asr_lag_ms.store(0, Ordering::Relaxed);
            match jobs.recv() {
                Ok(job) => queue(
                    job,
                    &mut finals,
                    &mut partials,
                    &counters,
                    &speakers,
                    &mut attributed,
                ),
                Err(_) => closed = true,
            }
        }
        loop {
            // With no live source, what the decoder cannot take yet stays in
            // the bounded queue, so files are read no faster than they are
            // transcribed: the backlog, the audio it holds and the lag stay
            // bounded however long the file (a two-hour replay at --speed
            // max fell a minute behind and grew by 30 MB an hour before).
            if speakers.no_live_source && !finals.is_empty() {
                break;
            }
            match jobs.try_recv() {
                Ok(job) => queue(
                    job,
                    &mut finals,
                    &mut partials,
                    &counters,
                    &speakers,
                    &mut attributed,
                ),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    closed = true;
                    break;
                }
            }
        }

        if let Some(idle_cores) = idle_cores.as_mut() {
            let threads = idle_cores.threads();
            options.threads = threads;
            partial_options.threads = threads;
        }

        if let Some(job) = finals.pop_front() {
            let turn_so_far = match in_progress.remove(&job.source) {
                Some((utterance, turn)) if utterance == job.utterance => turn,
                _ => TurnSoFar::default(),
            };
            // Decoded by the speculative decode at the pause that ended it.
            let ahead_text = ahead
                .remove(&job.source)
                .filter(|a| {
                    job.covered && a.utterance == job.utterance && a.n_samples >= job.samples.len()
                })
                .map(|a| a.text);
            let decoded_ahead = ahead_text.is_some();
            let turn_so_far = if turn_so_far.committed_samples > job.samples.len() {
                // Committed past this final's end: a piece of an utterance
                // cut where the speaker changes, or trimmed to its own
                // speech. Decoded on its own.
                TurnSoFar::default()
            } else {
                turn_so_far
            };
            let speaker_pending = attributed.remove(&(job.source, job.utterance));
            let decoding = Instant::now();
            let text = if abandon.load(Ordering::Relaxed) {
                Err(Untranscribed::Stopped)
            } else if let Some(text) = ahead_text {
                Ok(text)
            } else {
                decode_final(&mut model, &job, &turn_so_far, &options, &counters, None)
                    .map_err(Untranscribed::Failed)
            };
            let timing = TurnTiming {
                vad_ms: ms_between(job.arrived, job.created),
                queue_ms: ms_between(job.created, decoding),
                decode_ms: decoding.elapsed().as_millis() as u64,
                decoded_ahead,
                ..TurnTiming::default()
            };
            // Empty text is Whisper hearing no words (the guards' verdict),
            // not a failure: no turn.
            if text.as_ref().is_ok_and(String::is_empty) {
                continue;
            }
            let start = job.start_sample as f64 / SAMPLE_RATE as f64;
            let output = AsrOutput::Turn {
                source: job.source,
                utterance: job.utterance,
                speaker_pending,
                start: round3(start),
                end: round3(start + job.samples.len() as f64 / SAMPLE_RATE as f64),
                text,
                end_arrived: job.arrived,
                timing,
            };
            if out.blocking_send(output).is_err() {
                return;
            }
        } else if let Some(source) = partials.keys().next().copied() {
            let job = partials.remove(&source).expect("key just seen");
            // A speculative decode is not skipped for lag: it is the final's
            // decode, or commits the turn so far (or stops once the speaker
            // goes on, below).
            let late = !job.speculative && job.arrived.elapsed() > MAX_PARTIAL_LAG;
            if late || abandon.load(Ordering::Relaxed) {
                counters.skipped_partials.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let (_, turn) = in_progress
                .entry(job.source)
                .and_modify(|(utterance, turn)| {
                    if *utterance != job.utterance {
                        (*utterance, *turn) = (job.utterance, TurnSoFar::default());
                    }
                })
                .or_insert_with(|| (job.utterance, TurnSoFar::default()));
            if job.speculative {
                // Decoded as the final would be: the final takes its text if
                // this pause ends the utterance, and a long tail ending a
                // sentence is committed. A short one is of no use once the
                // speaker goes on: then it is skipped, or cancelled.
                let tail = job.samples.len().saturating_sub(turn.committed_samples);
                let long = tail >= COMMIT_AFTER_S * SAMPLE_RATE as usize;
                let resumed = job.resumed.as_deref().filter(|_| !long);
                if resumed.is_some_and(|r| r.load(Ordering::Relaxed) != 0) {
                    counters.skipped_partials.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                match decode_final(&mut model, &job, turn, &options, &counters, resumed) {
                    Ok(text) => {
                        if long && ends_sentence(&text) {
                            turn.commit_all(text.clone(), job.samples.len());
                        }
                        ahead.insert(
                            job.source,
                            Ahead {
                                utterance: job.utterance,
                                n_samples: job.samples.len(),
                                text: text.clone(),
                            },
                        );
                        if let Some(output) = partial_output(&job, text, turn.committed.clone()) {
                            if out.blocking_send(output).is_err() {
                                return;
                            }
                        }
                    }
                    Err(_) => {
                        counters.skipped_partials.fetch_add(1, Ordering::Relaxed);
                    }
                }
                continue;
            }
            // At most one window: with nothing committed yet, the start of
            // a very long utterance.
            let tail = turn.tail(&job.samples);
            let tail = &tail[..tail.len().min(max_window(&partial_options))];
            let clip = Clip {
                samples: tail,
                context: &turn.committed,
                cancel: Some(&counters.finals_waiting),
            };
            // A failed or cancelled partial is not reported: its final will
            // be (as an untranscribed turn with a warning, if it fails too).
            let Ok(segments) = decode(&mut model, &clip, &job, &partial_options, &counters) else {
                counters.skipped_partials.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            let partial = turn.update(segments, tail);
            if let Some(output) = partial_output(&job, partial.text, partial.stable) {
                if out.blocking_send(output).is_err() {
                    return;
                }
            }
        } else if closed {
            return;
        }
    }
}

fn queue(
    job: Job,
    finals: &mut VecDeque<Job>,
    partials: &mut HashMap<usize, Job>,
    counters: &Counters,
    speakers: &SpeakerOutlet,
    attributed: &mut HashSet<(usize, u64)>,
) {
    if job.speculative || (job.is_final && !job.covered) {
        // What the vad thread counted as waiting (see `Counters`).
        counters.finals_waiting.fetch_sub(1, Ordering::SeqCst);
    }
    if job.is_final {
        if speakers.offer(&job, counters) {
            attributed.insert((job.source, job.utterance));
        }
        // The final supersedes any partial of the same utterance.
        if partials
            .get(&job.source)
            .is_some_and(|p| p.utterance == job.utterance)
        {
            partials.remove(&job.source);
            counters.skipped_partials.fetch_add(1, Ordering::Relaxed);
        }
        finals.push_back(job);
    } else if partials.insert(job.source, job).is_some() {
        counters.skipped_partials.fetch_add(1, Ordering::Relaxed);
    }
}

/// The partial transcript `text` (of which `stable` will not change) of
/// `job`'s utterance, for the event loop; none when Whisper heard no words.
fn partial_output(job: &Job, text: String, stable: String) -> Option<AsrOutput> {
    (!text.is_empty()).then(|| AsrOutput::Partial {
        source: job.source,
        start: round3(job.start_sample as f64 / SAMPLE_RATE as f64),
        text,
        stable,
    })
}

/// Milliseconds from `a` to `b` (0 if `b` is earlier).
fn ms_between(a: Instant, b: Instant) -> u64 {
    b.saturating_duration_since(a).as_millis() as u64
}

/// The longest clip decoded in one pass, in samples.
fn max_window(options: &asr::Options) -> usize {
    (options.max_window_s.clamp(1.0, 30.0) * SAMPLE_RATE as f64) as usize
}

/// The text of a final utterance: what its partials committed, and a
/// decode of the rest (cut into windows at pauses if longer than one).
fn decode_final(
    model: &mut asr::Model,
    job: &Job,
    turn: &TurnSoFar,
    options: &asr::Options,
    counters: &Counters,
    cancel: Option<&AtomicU64>,
) -> Result<String, asr::AsrError> {
    let tail = turn.tail(&job.samples);
    let tail_text = if tail.len() <= max_window(options) {
        let clip = Clip {
            samples: tail,
            context: &turn.committed,
            cancel,
        };
        text_of(&decode(model, &clip, job, options, counters)?)
    } else {
        let started = Instant::now();
        let segments = model.transcribe(tail, options, &mut |_| {})?;
        account(counters, started, tail.len(), job);
        text_of(&segments)
    };
    Ok(turn.finish(&tail_text))
}

/// Decodes a clip of a job's audio and accounts for the time it took.
fn decode(
    model: &mut asr::Model,
    clip: &Clip<'_>,
    job: &Job,
    options: &asr::Options,
    counters: &Counters,
) -> Result<Vec<crate::transcript::Segment>, asr::AsrError> {
    let started = Instant::now();
    let result = model.decode_clip(clip, options);
    account(counters, started, clip.samples.len(), job);
    result
}

fn account(counters: &Counters, started: Instant, n_samples: usize, job: &Job) {
    counters
        .asr_busy_ns
        .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    counters
        .asr_samples
        .fetch_add(n_samples as u64, Ordering::Relaxed);
    counters
        .asr_lag_ms
        .store(job.arrived.elapsed().as_millis() as u64, Ordering::Relaxed);
}

fn text_of(segments: &[crate::transcript::Segment]) -> String {
    segments
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
