//! `pipeline/`: how do the stages connect while a meeting runs?
//!
//! ```text
//!  source thread(s) ──chunks──► vad thread ──jobs──► asr thread ──outputs──► run() (async)
//!  (mic or file,       [bounded]  (Silero VAD,  [bounded]  (Whisper,  [bounded]   ├─► stdout events
//!   16 kHz mono)                  segmenter)              partials)              └─► store thread
//!        └──────────── audio first, [bounded, ~0.5 s] ──────────────────────────────► (WAVs,
//!                                                                                      turns.jsonl)
//! ```
//!
//! Edge policies (every channel is bounded):
//! - source → vad: a live device never waits (its ring buffer drops and
//!   counts when full); a file waits (backpressure), so replay loses nothing.
//! - vad → asr: final utterances wait (no speech is ever lost); partial
//!   decodes are offered with `try_send` and skipped when the queue is full,
//!   and the asr thread keeps only the newest partial per source.
//! - asr → run → store: backpressure, so no transcript is lost.
//! - source → store: audio goes to the store before the VAD sees it, through
//!   a queue of about half a second, so a crash loses at most about a second.
//!
//! Shutdown: the `shutdown` future (Ctrl-C) sets a flag the sources check;
//! each stage ends when its input channel closes, after flushing what it
//! holds (an utterance in progress becomes a final turn), so the store is
//! finalised last.

mod asr_stage;
mod source;
mod vad_stage;

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::asr;
use crate::events::{Event, SCHEMA};
use crate::nudges::Coach;
use crate::store::{MeetingInfo, NewMeeting, Store, TurnRecord};
use crate::vad::SegmenterConfig;

use self::vad_stage::Job;

pub use source::{Pace, SourceSpec};

/// Why the pipeline stopped early.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A stage failed to start or died.
    #[error("{stage}: {message}")]
    Stage {
        /// Which stage.
        stage: &'static str,
        /// What happened.
        message: String,
    },
    /// The meeting store failed: stop rather than lose data silently.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Everything the live pipeline needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where audio comes from: one entry per source.
    pub sources: Vec<SourceSpec>,
    /// Meeting title.
    pub title: String,
    /// The ggml Whisper model file.
    pub model_path: PathBuf,
    /// Name of the model for the meeting record.
    pub model_name: String,
    /// Silero VAD model file.
    pub vad_model_path: PathBuf,
    /// Whisper settings.
    pub asr: asr::Options,
    /// Utterance segmentation.
    pub segmenter: SegmenterConfig,
    /// Seconds of new speech between partial decodes (0 disables partials).
    pub partial_interval_s: f64,
    /// Seconds between status events.
    pub status_interval_s: f64,
    /// Nudge policy; `None` tags turns without nudging.
    pub nudges: Option<crate::nudges::NudgeConfig>,
    /// The facilitator's speaker or source name: never tagged or nudged.
    pub facilitator: Option<String>,
    /// The sentence encoder for the learned tagging layer; `None` tags with
    /// the rules alone.
    pub encoder: Option<std::sync::Arc<crate::encoder::Encoder>>,
}

/// Counters shared by the stages, read for status events.
#[derive(Debug, Default)]
pub struct Counters {
    /// 16 kHz samples received, all sources.
    pub samples_in: AtomicU64,
    /// Samples dropped before the pipeline (device ring buffers).
    pub dropped_samples: AtomicU64,
    /// Partial decodes skipped to keep up.
    pub skipped_partials: AtomicU64,
    /// Nanoseconds Whisper spent decoding, all jobs.
    pub asr_busy_ns: AtomicU64,
    /// 16 kHz samples Whisper decoded, all jobs.
    pub asr_samples: AtomicU64,
    /// Milliseconds between the newest decoded audio arriving and its text
    /// being ready; 0 while the asr thread is idle.
    pub asr_lag_ms: AtomicU64,
}

/// What a finished run leaves behind.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The stored meeting.
    pub meeting: MeetingInfo,
    /// Turns written.
    pub n_turns: u64,
}

/// One chunk of 16 kHz mono audio from one source.
#[derive(Debug)]
pub(crate) struct AudioChunk {
    /// Source index.
    pub source: usize,
    /// The samples.
    pub samples: Vec<f32>,
    /// When the chunk entered the pipeline (its last sample was available).
    pub arrived: Instant,
}

/// What the asr thread hands back.
#[derive(Debug)]
pub(crate) enum AsrOutput {
    /// A partial decode of an utterance in progress.
    Partial {
        source: usize,
        start: f64,
        text: String,
        stable: String,
    },
    /// A final turn; `end_arrived` is when its last sample entered.
    Turn {
        source: usize,
        start: f64,
        end: f64,
        text: String,
        end_arrived: Instant,
    },
    /// A warning for the user.
    Warning {
        source: Option<usize>,
        message: String,
    },
}

/// Messages to the store thread.
#[derive(Debug)]
pub(crate) enum StoreMessage {
    Audio { source: usize, samples: Vec<f32> },
    Turn(TurnRecord),
}

/// Bounded channel capacities (in messages).
const CHUNK_QUEUE: usize = 64;
const JOB_QUEUE: usize = 4;
const OUTPUT_QUEUE: usize = 64;
/// Small on purpose: audio waiting here is not on disk yet, and a crash may
/// lose at most about a second (8 chunks of 64 ms plus one being written).
const STORE_QUEUE: usize = 8;

/// Runs a meeting from `config.sources` until they end or `shutdown`
/// resolves, storing it in `store` and passing every event to `emit`
/// (which writes it out; an error from it stops the run).
pub async fn run(
    config: Config,
    store: &Store,
    shutdown: impl Future<Output = ()>,
    mut emit: impl FnMut(&Event) -> std::io::Result<()>,
) -> Result<Summary, PipelineError> {
    let source_names: Vec<String> = config.sources.iter().map(SourceSpec::name).collect();
    // Load models before creating the meeting, so a bad model leaves nothing behind.
    let model = asr::Model::load(&config.model_path).map_err(|e| PipelineError::Stage {
        stage: "asr",
        message: e.to_string(),
    })?;
    let vads = (0..source_names.len())
        .map(|_| crate::vad::Vad::load(&config.vad_model_path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PipelineError::Stage {
            stage: "vad",
            message: e.to_string(),
        })?;
    let opened = source::open_all(&config.sources)?;

    let writer = store.create_meeting(&NewMeeting {
        title: config.title.clone(),
        model: config.model_name.clone(),
        sources: source_names.clone(),
        started_at: OffsetDateTime::now_utc(),
    })?;
    let meeting_id = writer.id().as_str().to_string();
    emit(&Event::Meeting {
        schema: SCHEMA,
        id: meeting_id.clone(),
        title: config.title.clone(),
        dir: writer.dir().display().to_string(),
        sources: source_names.clone(),
    })
    .map_err(io_stage)?;

    let stop = Arc::new(AtomicBool::new(false));
    let counters = Arc::new(Counters::default());
    let (chunk_tx, chunk_rx) = std::sync::mpsc::sync_channel::<AudioChunk>(CHUNK_QUEUE);
    let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<Job>(JOB_QUEUE);
    let (out_tx, mut out_rx) = mpsc::channel::<AsrOutput>(OUTPUT_QUEUE);
    let (store_tx, store_rx) = mpsc::channel::<StoreMessage>(STORE_QUEUE);

    // Searchable while it runs; without the index (held by another process,
    // or broken) the meeting is still recorded and `search` catches up later.
    let index = crate::search::LiveIndex::open(store)
        .map_err(|e| index_warning(&mut emit, e))
        .ok();
    let store_thread = std::thread::Builder::new()
        .name("store".into())
        .spawn(move || store_loop(writer, store_rx, index))
        .map_err(|e| spawn_error("store", e))?;
    let mut source_threads = Vec::new();
    for (index, opened) in opened.into_iter().enumerate() {
        let outlets = source::Outlets {
            vad: chunk_tx.clone(),
            store: store_tx.clone(),
            warnings: out_tx.clone(),
        };
        let (stop, counters) = (stop.clone(), counters.clone());
        source_threads.push(
            std::thread::Builder::new()
                .name(format!("source-{index}"))
                .spawn(move || source::pump(index, opened, outlets, stop, counters))
                .map_err(|e| spawn_error("source", e))?,
        );
    }
    drop(chunk_tx);
    let vad_thread = {
        let settings = vad_stage::Settings {
            segmenter: config.segmenter.clone(),
            partial_interval_s: config.partial_interval_s,
        };
        let counters = counters.clone();
        std::thread::Builder::new()
            .name("vad".into())
            .spawn(move || vad_stage::run(vads, settings, chunk_rx, job_tx, counters))
            .map_err(|e| spawn_error("vad", e))?
    };
    let asr_thread = {
        let (options, counters, out_tx) = (config.asr.clone(), counters.clone(), out_tx.clone());
        std::thread::Builder::new()
            .name("asr".into())
            .spawn(move || asr_stage::run(model, options, job_rx, out_tx, counters))
            .map_err(|e| spawn_error("asr", e))?
    };
    drop(out_tx);

    // The event loop: forward outputs to the store and the caller until the
    // asr thread (the last holder of `out_tx` once sources end) is done.
    tokio::pin!(shutdown);
    let status_every = std::time::Duration::from_secs_f64(config.status_interval_s.max(0.1));
    let mut status_timer =
        tokio::time::interval_at(tokio::time::Instant::now() + status_every, status_every);
    let mut last_busy = 0u64;
    let mut last_decoded = 0u64;
    let mut shutting_down = false;
    let mut n_turns = 0u64;
    let mut emit_error = None;
    // Tagging runs before the turn is stored, so the stored turn and the
    // event carry the same tags. With the learned layer it takes tens of
    // milliseconds, so it runs on a blocking thread, never on the runtime.
    let mut coach = Coach::new(config.nudges.clone(), config.facilitator.as_deref(), &[]);
    if let Some(encoder) = &config.encoder {
        coach = coach.with_encoder(encoder.clone());
    }
    loop {
        let output = tokio::select! {
            _ = &mut shutdown, if !shutting_down => {
                shutting_down = true;
                stop.store(true, Ordering::SeqCst);
                continue;
            }
            _ = status_timer.tick() => {
                // Real-time factor over the interval: compute time / audio decoded.
                let busy = counters.asr_busy_ns.load(Ordering::Relaxed);
                let decoded = counters.asr_samples.load(Ordering::Relaxed);
                let audio_s = (decoded - last_decoded) as f64 / 16_000.0;
                let rtf = if audio_s > 0.0 { (busy - last_busy) as f64 / 1e9 / audio_s } else { 0.0 };
                (last_busy, last_decoded) = (busy, decoded);
                let event = Event::Status {
                    rtf: round3(rtf),
                    lag_s: round3(counters.asr_lag_ms.load(Ordering::Relaxed) as f64 / 1000.0),
                    audio_s: round3(counters.samples_in.load(Ordering::Relaxed) as f64 / 16_000.0),
                    dropped_samples: counters.dropped_samples.load(Ordering::Relaxed),
                    skipped_partials: counters.skipped_partials.load(Ordering::Relaxed),
                };
                if let Err(e) = emit(&event) {
                    emit_error.get_or_insert(e);
                }
                continue;
            }
            output = out_rx.recv() => output,
        };
        let Some(output) = output else { break };
        let event = match output {
            AsrOutput::Partial {
                source,
                start,
                text,
                stable,
            } => Event::Partial {
                source: source_names[source].clone(),
                start,
                text,
                stable,
            },
            AsrOutput::Turn {
                source,
                start,
                end,
                text,
                end_arrived,
            } => {
                n_turns += 1;
                let latency_ms = end_arrived.elapsed().as_millis() as u64;
                let mut record = TurnRecord {
                    id: n_turns,
                    source: source_names[source].clone(),
                    speaker: None,
                    start,
                    end,
                    text: text.clone(),
                    latency_ms: Some(latency_ms),
                    extra: Default::default(),
                };
                let (returned, review, record) = tokio::task::spawn_blocking(move || {
                    let review = coach.annotate(&mut record);
                    (coach, review, record)
                })
                .await
                .map_err(|e| PipelineError::Stage {
                    stage: "tagging",
                    message: e.to_string(),
                })?;
                coach = returned;
                // Stored before it is shown, so a shown turn is never lost.
                if store_tx.send(StoreMessage::Turn(record)).await.is_err() {
                    break;
                }
                let turn = Event::Turn {
                    id: n_turns,
                    source: source_names[source].clone(),
                    speaker: None,
                    start,
                    end,
                    text,
                    latency_ms,
                    tags: review.tags,
                    actions: review.actions,
                };
                match review.nudge {
                    Some(nudge) => {
                        if let Err(e) = emit(&turn) {
                            stop.store(true, Ordering::SeqCst);
                            emit_error.get_or_insert(e);
                        }
                        nudge_event(nudge)
                    }
                    None => turn,
                }
            }
            AsrOutput::Warning { source, message } => Event::Warning {
                source: source.map(|s| source_names[s].clone()),
                message,
            },
        };
        if let Err(e) = emit(&event) {
            // Stdout is gone (a closed pipe): keep recording, stop printing.
            stop.store(true, Ordering::SeqCst);
            emit_error.get_or_insert(e);
        }
    }
    stop.store(true, Ordering::SeqCst);
    drop(store_tx);
    for thread in source_threads {
        join(thread, "source")?;
    }
    join(vad_thread, "vad")?;
    join(asr_thread, "asr")?;
    let (meeting, index_result) = join(store_thread, "store")??;
    if let Err(e) = index_result {
        index_warning(&mut emit, e);
    }
    if let Some(nudge) = coach.finish() {
        let _ = emit(&nudge_event(nudge));
    }
    let audio_s = meeting_audio_seconds(&meeting, store);
    let _ = emit(&Event::End {
        id: meeting_id,
        n_turns,
        audio_s,
    });
    Ok(Summary { meeting, n_turns })
}

fn nudge_event(nudge: crate::nudges::Nudge) -> Event {
    Event::Nudge {
        turn_id: nudge.turn_id,
        label: nudge.label,
        text: nudge.text,
        reason: nudge.reason,
    }
}

fn meeting_audio_seconds(meeting: &MeetingInfo, store: &Store) -> f64 {
    store
        .list()
        .ok()
        .and_then(|all| all.into_iter().find(|m| m.id == meeting.id))
        .map_or(0.0, |m| round3(m.duration_s))
}

fn store_loop(
    mut writer: crate::store::MeetingWriter,
    mut rx: mpsc::Receiver<StoreMessage>,
    mut index: Option<crate::search::LiveIndex>,
) -> Result<(MeetingInfo, Result<(), crate::search::SearchError>), PipelineError> {
    while let Some(message) = rx.blocking_recv() {
        match message {
            StoreMessage::Audio { source, samples } => writer.append_audio(source, &samples)?,
            StoreMessage::Turn(turn) => {
                writer.append_turn(&turn)?;
                // Never waits: the index is a copy, the store is the truth.
                if let Some(index) = &mut index {
                    index.add(writer.info(), &turn);
                }
            }
        }
    }
    let info = writer.finish()?;
    Ok((info, index.map_or(Ok(()), |i| i.finish())))
}

/// Reports an index problem; the meeting goes on without (or despite) it.
fn index_warning(
    emit: &mut impl FnMut(&Event) -> std::io::Result<()>,
    error: crate::search::SearchError,
) {
    let _ = emit(&Event::Warning {
        source: None,
        message: format!("not searchable until the next `blameless search`: {error}"),
    });
}

/// Rounds to milliseconds for output.
pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn io_stage(e: std::io::Error) -> PipelineError {
    PipelineError::Stage {
        stage: "output",
        message: e.to_string(),
    }
}

fn spawn_error(stage: &'static str, e: std::io::Error) -> PipelineError {
    PipelineError::Stage {
        stage,
        message: format!("cannot start thread: {e}"),
    }
}

fn join<T>(thread: std::thread::JoinHandle<T>, stage: &'static str) -> Result<T, PipelineError> {
    thread.join().map_err(|_| PipelineError::Stage {
        stage,
        message: "thread panicked".into(),
    })
}
