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
//! - vad → changes → asr (voice-attributed sources, with the speaker change
//!   model): the 5 s chunks of an utterance in progress are offered with
//!   `try_send` (one that does not fit runs when the utterance ends);
//!   finished utterances and their pieces wait, like every final.
//! - asr → run → store: backpressure, so no transcript is lost.
//! - source → store: audio goes to the store before the VAD sees it, through
//!   a queue of about half a second, so a crash loses at most about a second.
//!
//! Shutdown: the first request on `stops` (Ctrl-C, SIGTERM) sets a flag the
//! sources check; each stage ends when its input channel closes, after
//! flushing what it holds (an utterance in progress becomes a final turn),
//! so the store is finalised last. A second request abandons transcription:
//! what is still queued is stored as untranscribed turns (its audio is
//! already on disk) and the meeting is marked interrupted. The event loop
//! drains the stages' output until every sender is gone, whatever happened,
//! so no stage can block on it; every thread is joined before the store is
//! closed, and a failed stage never leaves the store open.
//!
//! Output: an `emit` error (stdout closed, a pager quit) stops printing,
//! never recording; [`Summary::output_error`] tells the caller.

mod asr_stage;
mod changes_stage;
mod finals;
mod memory;
mod source;
mod speakers_stage;
mod vad_stage;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::asr;
use crate::events::{Event, TurnTiming, SCHEMA};
use crate::nudges::Coach;
use crate::store::{EventLog, MeetingInfo, NewMeeting, Store, TurnRecord, EVENTS_FILE};
use crate::vad::SegmenterConfig;

use self::source::SourceEnd;
use self::vad_stage::Job;

pub use source::{Pace, SourceSpec};

/// Why the pipeline could not start, or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The Whisper model could not be loaded.
    #[error("asr")]
    Asr(#[source] asr::AsrError),
    /// The voice activity model could not be loaded.
    #[error("vad")]
    Vad(#[source] crate::vad::VadError),
    /// An audio file could not be read.
    #[error("source")]
    File(#[source] crate::audio::AudioError),
    /// A file has fewer channels than a source asks for.
    #[error("{path}: no channel {channel} (the file has {n_channels})")]
    NoChannel {
        /// The file.
        path: PathBuf,
        /// The channel asked for, from 0.
        channel: usize,
        /// Channels the file has.
        n_channels: usize,
    },
    /// A capture device has fewer channels than a source asks for.
    #[error("{device}: no channel {channel} (the device has {n_channels}, numbered from 0); run `blameless devices` to see them")]
    NoDeviceChannel {
        /// The device.
        device: String,
        /// The channel asked for, from 0.
        channel: usize,
        /// Channels the device has.
        n_channels: usize,
    },
    /// A capture device could not be opened.
    #[error("capture")]
    Capture(#[source] crate::capture::CaptureError),
    /// A stage's thread could not be started.
    #[error("{stage}: cannot start thread")]
    Spawn {
        /// Which stage.
        stage: &'static str,
        /// What the OS said.
        #[source]
        error: std::io::Error,
    },
    /// A stage's thread panicked (the meeting is stored as interrupted).
    #[error("{stage}: thread panicked; this is a bug in blameless, please report it")]
    Panicked {
        /// Which stage.
        stage: &'static str,
    },
    /// The meeting store failed: stop rather than lose data silently (the
    /// meeting is marked interrupted if `meeting.json` can still be written).
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Everything the live pipeline needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where audio comes from: one entry per source. A device split into
    /// channels gains a source for each channel no entry names (attributed
    /// by voice), so every channel is recorded.
    pub sources: Vec<SourceSpec>,
    /// Meeting title.
    pub title: String,
    /// The ggml Whisper model file.
    pub model_path: PathBuf,
    /// Name of the model for the meeting record.
    pub model_name: String,
    /// Silero VAD model file.
    pub vad_model_path: PathBuf,
    /// Whisper settings. `language` must suit the model (check it with
    /// [`asr::decode_language`] first): every turn Whisper cannot decode is
    /// stored untranscribed, with a warning.
    pub asr: asr::Options,
    /// Choose Whisper's threads again between decodes from the machine's
    /// load ([`asr::threads::IdleCores`], starting from `asr.threads`), or
    /// keep `asr.threads` (the user's `--threads`).
    pub threads_follow_load: bool,
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
    /// Voice attribution; `None` leaves turns without a speaker unless
    /// `speaker_map` names their source.
    pub speakers: Option<Speakers>,
    /// Per source index, a fixed speaker (`--speaker-map`): its turns are
    /// attributed directly, without voice attribution.
    pub speaker_map: Vec<Option<String>>,
    /// The sentence encoders for the learned tagging layer; `None` tags
    /// with the rules alone.
    pub encoder: Option<std::sync::Arc<crate::encoder::Encoders>>,
    /// Store the recordings (`false`: the transcript only, `--no-audio`).
    pub store_audio: bool,
}

/// The voice attribution a meeting runs with.
#[derive(Debug, Clone)]
pub struct Speakers {
    /// The GE2E embedder.
    pub embedder: crate::speakers::Embedder,
    /// The clusterer, with enrolled profiles and participant names.
    pub clusterer: crate::speakers::Clusterer,
    /// The speaker segmentation model: when given, an utterance in which
    /// the speaker changes becomes one turn per speaker before Whisper
    /// decodes it.
    pub change: Option<crate::speakers::ChangeModel>,
    /// When a change inside an utterance counts.
    pub change_config: crate::speakers::ChangeConfig,
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
    /// Nanoseconds the speakers thread spent (embedding and clustering).
    pub speaker_busy_ns: AtomicU64,
    /// Utterances the speakers thread attributed.
    pub speaker_jobs: AtomicU64,
    /// Utterances that went without a speaker because attribution lagged.
    pub skipped_speakers: AtomicU64,
    /// Cuts made where the speaker changes inside an utterance.
    pub speaker_changes: AtomicU64,
    /// Utterances dropped as another source's speech leaking in.
    pub crosstalk_dropped: AtomicU64,
    /// Utterances mostly of another source's speech, trimmed to the
    /// source's own words inside them.
    pub crosstalk_trimmed: AtomicU64,
    /// Final utterances (and speculative decodes) the vad thread has sent
    /// (or is waiting to send) and the asr thread has not taken yet: while
    /// nonzero, a partial decode in progress is cancelled. A final a
    /// speculative decode covers is not counted: it must not cancel it.
    pub finals_waiting: AtomicU64,
}

/// What a finished run leaves behind.
#[derive(Debug)]
pub struct Summary {
    /// The stored meeting: status `complete`, or `interrupted` with the
    /// reason in `interruption`.
    pub meeting: MeetingInfo,
    /// Turns written, untranscribed ones included.
    pub n_turns: u64,
    /// Turns stored without text (Whisper failed, or stopped first).
    pub n_untranscribed: u64,
    /// Utterances cut in two (or more) where the speaker changes.
    pub n_speaker_changes: u64,
    /// Utterances dropped as another source's speech leaking in (echo).
    pub n_echoes: u64,
    /// Utterances mostly of an echo, trimmed to their own speech.
    pub n_echoes_trimmed: u64,
    /// Why printing events stopped (stdout closed); the recording went on.
    pub output_error: Option<std::io::Error>,
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
    /// `speaker_pending`: the speakers thread got its audio, so a speaker
    /// result for (source, utterance) will come.
    Turn {
        source: usize,
        utterance: u64,
        speaker_pending: bool,
        start: f64,
        end: f64,
        text: Result<String, Untranscribed>,
        end_arrived: Instant,
        /// VAD, queue and decode times (the event loop adds the rest).
        timing: TurnTiming,
    },
    /// A warning for the user.
    Warning {
        source: Option<usize>,
        message: String,
    },
}

/// Why a final utterance has no text.
#[derive(Debug)]
pub(crate) enum Untranscribed {
    /// Whisper failed on it.
    Failed(asr::AsrError),
    /// The meeting was stopped (a second Ctrl-C) before its turn came.
    Stopped,
}

/// Messages to the store thread.
#[derive(Debug)]
pub(crate) enum StoreMessage {
    Audio {
        source: usize,
        samples: Vec<f32>,
    },
    /// A turn, and where to say whether it is on disk: the event loop shows
    /// a turn only after that answer, so a shown turn is a stored turn.
    Turn(
        TurnRecord,
        tokio::sync::oneshot::Sender<Result<(), StoreFailure>>,
    ),
    /// Re-clustering moved a stored turn to another speaker.
    SpeakerUpdate {
        turn_id: u64,
        fields: serde_json::Map<String, serde_json::Value>,
    },
    /// The last message: close the meeting, interrupted for this reason
    /// if there is one.
    Finish {
        interruption: Option<String>,
    },
}

/// Why the store thread could not store a turn.
#[derive(Debug)]
pub(crate) struct StoreFailure {
    /// What the store said.
    message: String,
    /// No audio can be stored either: nothing more of the meeting would be
    /// kept, so it ends.
    nothing_left: bool,
}

/// Warnings from the store thread waiting for the event loop (a handful per
/// meeting: the first failure of each kind).
const STORE_WARNINGS: usize = 16;

/// Bounded channel capacities (in messages).
const CHUNK_QUEUE: usize = 64;
const JOB_QUEUE: usize = 4;
/// Utterances waiting for the speakers thread; beyond that a turn goes
/// without a speaker rather than delaying transcription. One more place
/// for speech in progress, of which at most one offer waits.
const SPEAKER_QUEUE: usize = 4 + 1;
/// Chunks and finished utterances waiting for the changes thread; a chunk
/// that finds it full runs when its utterance ends instead.
const CHANGE_QUEUE: usize = 4;
const SPEAKER_RESULTS: usize = 16;
const OUTPUT_QUEUE: usize = 64;
/// Small on purpose: audio waiting here is not on disk yet, and a crash may
/// lose at most about a second (8 chunks of 64 ms plus one being written).
const STORE_QUEUE: usize = 8;
/// How often the event loop has the allocator give freed memory back (see
/// `memory`).
const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs a meeting from `config.sources` until they end or a stop is
/// requested on `stops`, storing it in `store` and passing every event to
/// `emit`, which writes it out (after its first error nothing more is
/// printed, and the meeting goes on).
///
/// The first message on `stops` stops the sources and lets everything heard
/// be transcribed; a second one abandons transcription: what is left is
/// stored as untranscribed turns and the meeting as interrupted. A closed
/// `stops` requests nothing. Whatever ends the run, every stage is joined
/// and the store closed before this returns.
pub async fn run(
    mut config: Config,
    store: &Store,
    mut stops: mpsc::Receiver<()>,
    emit: impl FnMut(&Event) -> std::io::Result<()>,
) -> Result<Summary, PipelineError> {
    memory::bound_heap_growth();
    // Load models before creating the meeting, so a bad model leaves nothing behind.
    let model = asr::Model::load(&config.model_path).map_err(PipelineError::Asr)?;
    // Opening adds the channels of a split device that no source names.
    let opened = source::open_all(&mut config.sources)?;
    let source_names: Vec<String> = config.sources.iter().map(SourceSpec::name).collect();
    let vads = (0..source_names.len())
        .map(|_| crate::vad::Vad::load(&config.vad_model_path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(PipelineError::Vad)?;

    let writer = store.create_meeting(&NewMeeting {
        title: config.title.clone(),
        model: config.model_name.clone(),
        // Without audio the meeting has no recordings to list.
        sources: if config.store_audio {
            source_names.clone()
        } else {
            Vec::new()
        },
        started_at: OffsetDateTime::now_utc(),
        facilitator: config.facilitator.clone(),
    })?;
    let meeting_id = writer.id().as_str().to_string();
    // Viewers in other processes (`blameless serve`) follow the meeting
    // through its files; without the events file they still see the turns.
    let mut out = Output {
        emit,
        error: None,
        log: EventLog::open(writer.dir()).ok(),
    };
    out.emit(&Event::Meeting {
        schema: SCHEMA,
        id: meeting_id.clone(),
        title: config.title.clone(),
        dir: writer.dir().display().to_string(),
        sources: source_names.clone(),
    });

    // Searchable while it runs; without the index (held by another process,
    // or broken) the meeting is still recorded and `search` catches up later.
    let index = crate::search::LiveIndex::open(store)
        .map_err(|e| index_warning(&mut out, e))
        .ok();
    let control = Control::default();
    let counters = Arc::new(Counters::default());
    let (store_tx, store_rx) = mpsc::channel::<StoreMessage>(STORE_QUEUE);
    let (store_warning_tx, mut store_warnings) = mpsc::channel::<String>(STORE_WARNINGS);
    // If the store thread cannot start, the writer is dropped with the
    // meeting `recording`, for `recover`, exactly as after a crash.
    let store_thread = spawn("store", &control, move || {
        store_loop(writer, store_rx, index, store_warning_tx)
    })?;
    let (out_rx, speaker_rx, stages) =
        spawn_stages(&config, model, vads, opened, &control, &counters, &store_tx)?;

    let mut state = LoopState {
        names: &source_names,
        store_tx,
        // Tagging runs before the turn is stored, so the stored turn and
        // the event carry the same tags. With the learned layer it takes
        // tens of milliseconds, so it runs on a blocking thread, never on
        // the runtime.
        coach: Arc::new(Mutex::new({
            // Deadlines become dates from the day the meeting is held.
            let coach = Coach::new(config.nudges.clone(), config.facilitator.as_deref(), &[])
                .with_meeting_date(OffsetDateTime::now_utc().date());
            match &config.encoder {
                Some(encoder) => coach.with_encoder(encoder.clone()),
                None => coach,
            }
        })),
        n_turns: 0,
        n_failed: 0,
        n_stopped: 0,
        store_failed: false,
        speaker_rx,
        speaker_results: HashMap::new(),
        turn_of: HashMap::new(),
        speaker_map: config.speaker_map.clone(),
    };
    event_loop(
        &mut state,
        &mut out,
        out_rx,
        &mut stops,
        &mut store_warnings,
        &control,
        &counters,
        config.status_interval_s,
    )
    .await;

    let LoopState {
        store_tx,
        coach,
        n_turns,
        n_failed,
        n_stopped,
        ..
    } = state;
    // Every sender of the event loop's channel is gone, so every stage has
    // returned (or panicked): joining cannot block.
    let mut interruption = None;
    let mut stage_error = None;
    for (stage, thread) in stages {
        match thread.join() {
            Ok(SourceEnd::Finished) => {}
            Ok(SourceEnd::Lost(error)) => {
                interruption.get_or_insert(format!("a source was lost: {error}"));
            }
            Ok(SourceEnd::Unreadable(error)) => {
                interruption.get_or_insert(format!("a file could not be read to its end: {error}"));
            }
            Err(_) => {
                interruption.get_or_insert(format!("the {stage} thread failed"));
                stage_error.get_or_insert(PipelineError::Panicked { stage });
            }
        }
    }
    if n_stopped > 0 {
        out.emit(&Event::Warning {
            source: None,
            message: format!(
                "stopped before {} utterances were transcribed; they are stored as untranscribed turns with their audio",
                n_stopped
            ),
        });
        interruption.get_or_insert("stopped before everything was transcribed".to_string());
    }
    // The store thread may have ended already (it failed); then its own
    // error says what happened.
    let _ = store_tx
        .send(StoreMessage::Finish {
            interruption: interruption.clone(),
        })
        .await;
    drop(store_tx);
    let stored = match store_thread.join() {
        Ok(stored) => stored,
        Err(_) => Err(PipelineError::Panicked { stage: "store" }),
    };
    // Failures while the meeting was closed.
    while let Ok(message) = store_warnings.try_recv() {
        out.emit(&Event::Warning {
            source: None,
            message,
        });
    }
    let (meeting, index_result) = match (stored, stage_error) {
        (Err(error), _) | (Ok(_), Some(error)) => return Err(error),
        (Ok(stored), None) => stored,
    };
    if let Err(e) = index_result {
        index_warning(&mut out, e);
    }
    let (closing, items) = coach
        .lock()
        .map(|mut coach| (coach.finish_all(), coach.actions()))
        .unwrap_or_default();
    for nudge in closing {
        out.emit(&nudge_event(nudge));
    }
    out.emit(&Event::Actions { items });
    let audio_s = meeting_audio_seconds(&meeting, store);
    out.emit(&Event::End {
        id: meeting_id,
        n_turns,
        audio_s,
        status: meeting.status.to_string(),
        interruption: meeting.interruption.clone(),
    });
    Ok(Summary {
        meeting,
        n_turns,
        n_untranscribed: n_failed + n_stopped,
        n_speaker_changes: counters.speaker_changes.load(Ordering::Relaxed),
        n_echoes: counters.crosstalk_dropped.load(Ordering::Relaxed),
        n_echoes_trimmed: counters.crosstalk_trimmed.load(Ordering::Relaxed),
        output_error: out.error,
    })
}

/// Flags the event loop sets and the stages read.
#[derive(Debug, Default)]
struct Control {
    /// Sources stop reading (a stop was requested, or the store failed).
    stop: Arc<AtomicBool>,
    /// The asr thread decodes nothing more (a second stop request).
    abandon: Arc<AtomicBool>,
}

impl Control {
    fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    fn abandon(&self) {
        self.stop();
        self.abandon.store(true, Ordering::SeqCst);
    }
}

/// The caller's `emit`, until it first fails: then printing stops and the
/// error is kept for [`Summary::output_error`]; the meeting goes on (a user
/// whose pager or UI closed still expects the recording they started).
/// Every event also goes to the meeting's `events.jsonl` for viewers in
/// other processes, until that fails or the disk is in trouble.
struct Output<F> {
    /// The caller's sink (stdout, the terminal UI).
    emit: F,
    /// The sink's first error.
    error: Option<std::io::Error>,
    /// The meeting's events file; `None` once it failed or was closed.
    log: Option<EventLog>,
}

impl<F: FnMut(&Event) -> std::io::Result<()>> Output<F> {
    fn emit(&mut self, event: &Event) {
        if let Some(log) = &mut self.log {
            if let Err(error) = log.append(event) {
                self.log = None;
                self.emit(&Event::Warning {
                    source: None,
                    message: format!(
                        "the live view of `blameless serve` stops here (cannot write {EVENTS_FILE}: {error}); the meeting goes on being recorded"
                    ),
                });
            }
        }
        if self.error.is_none() {
            if let Err(error) = (self.emit)(event) {
                self.error = Some(error);
            }
        }
    }
}

/// Threads of the stages between the sources and the event loop, with
/// their names, in the order they finish: sources, vad, changes, asr.
type Stages = Vec<(&'static str, std::thread::JoinHandle<SourceEnd>)>;

/// What the speakers thread hands back.
type SpeakerResults = mpsc::Receiver<speakers_stage::SpeakerResult>;

/// Starts one thread per source, the vad thread, the speakers thread (when
/// voice attribution runs) and the asr thread, and returns the channels
/// their output comes through. Each stage holds
/// what it sends on, so a stage's end closes the next one's input.
fn spawn_stages(
    config: &Config,
    model: asr::Model,
    vads: Vec<crate::vad::Vad>,
    opened: Vec<source::Opened>,
    control: &Control,
    counters: &Arc<Counters>,
    store_tx: &mpsc::Sender<StoreMessage>,
) -> Result<(mpsc::Receiver<AsrOutput>, Option<SpeakerResults>, Stages), PipelineError> {
    let (chunk_tx, chunk_rx) = std::sync::mpsc::sync_channel::<AudioChunk>(CHUNK_QUEUE);
    let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<Job>(JOB_QUEUE);
    let (out_tx, out_rx) = mpsc::channel::<AsrOutput>(OUTPUT_QUEUE);
    let mut stages: Stages = Vec::new();
    for (index, opened) in opened.into_iter().enumerate() {
        // Pumped by the thread of its device's first channel.
        if matches!(opened, source::Opened::Shared) {
            continue;
        }
        let outlets = source::Outlets {
            vad: chunk_tx.clone(),
            store: config.store_audio.then(|| store_tx.clone()),
            warnings: out_tx.clone(),
        };
        let (stop, counters) = (control.stop.clone(), counters.clone());
        stages.push((
            "source",
            spawn("source", control, move || {
                source::pump(index, opened, outlets, stop, counters)
            })?,
        ));
    }
    drop(chunk_tx);
    // Voice attribution for the sources `--speaker-map` does not name.
    let voiced: Vec<bool> = (0..config.sources.len())
        .map(|i| config.speaker_map.get(i).is_none_or(Option::is_none))
        .collect();
    let settings = vad_stage::Settings {
        segmenter: config.segmenter.clone(),
        partial_interval_s: config.partial_interval_s,
    };
    // The speaker change model, on a thread of its own, for the sources
    // attributed by voice.
    let split = config.speakers.as_ref().and_then(|s| {
        s.change.clone().map(|model| changes_stage::Split {
            model,
            config: s.change_config.clone(),
        })
    });
    let (changes, changes_thread) = match split {
        Some(split) if voiced.iter().any(|v| *v) => {
            let (change_tx, change_rx) =
                std::sync::mpsc::sync_channel::<changes_stage::ChangeJob>(CHANGE_QUEUE);
            let (asr_jobs, change_counters) = (job_tx.clone(), counters.clone());
            let thread = spawn("changes", control, move || {
                changes_stage::run(split, change_rx, asr_jobs, change_counters);
                SourceEnd::Finished
            })?;
            let outlet = finals::ChangeOutlet {
                jobs: change_tx,
                voiced: voiced.clone(),
            };
            (Some(outlet), Some(thread))
        }
        _ => (None, None),
    };
    // The speakers thread takes finals from the asr thread and speech in
    // progress from the vad thread.
    let (speaker_jobs, speaker_feed, speaker_rx, speakers_thread) = match &config.speakers {
        Some(speakers) if voiced.iter().any(|v| *v) => {
            let (job_tx, job_rx) =
                std::sync::mpsc::sync_channel::<speakers_stage::SpeakerWork>(SPEAKER_QUEUE);
            let (result_tx, result_rx) = mpsc::channel(SPEAKER_RESULTS);
            let (embedder, clusterer) = (speakers.embedder.clone(), speakers.clusterer.clone());
            let speaker_counters = counters.clone();
            let heard_waiting = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let feed = speakers_stage::SpeakerFeed {
                jobs: job_tx.clone(),
                voiced: voiced.clone(),
                heard_waiting: heard_waiting.clone(),
            };
            let thread = spawn("speakers", control, move || {
                speakers_stage::run(
                    embedder,
                    clusterer,
                    job_rx,
                    heard_waiting,
                    result_tx,
                    speaker_counters,
                );
                SourceEnd::Finished
            })?;
            (Some(job_tx), Some(feed), Some(result_rx), Some(thread))
        }
        _ => (None, None, None, None),
    };
    let (warnings, vad_counters) = (out_tx.clone(), counters.clone());
    stages.push((
        "vad",
        spawn("vad", control, move || {
            vad_stage::run(
                vads,
                settings,
                changes,
                speaker_feed,
                chunk_rx,
                job_tx,
                warnings,
                vad_counters,
            );
            SourceEnd::Finished
        })?,
    ));
    if let Some(thread) = changes_thread {
        stages.push(("changes", thread));
    }
    if let Some(thread) = speakers_thread {
        stages.push(("speakers", thread));
    }
    let (options, asr_counters) = (config.asr.clone(), counters.clone());
    let idle_cores = config
        .threads_follow_load
        .then(|| asr::threads::IdleCores::new(options.threads));
    let abandon = control.abandon.clone();
    let speakers = asr_stage::SpeakerOutlet {
        jobs: speaker_jobs,
        voiced,
        no_live_source: config.sources.iter().all(|s| {
            matches!(
                s,
                SourceSpec::File {
                    pace: Pace::Max,
                    ..
                } | SourceSpec::Channel {
                    pace: Pace::Max,
                    ..
                }
            )
        }),
    };
    stages.push((
        "asr",
        spawn("asr", control, move || {
            asr_stage::run(
                asr_stage::Whisper {
                    model,
                    options,
                    idle_cores,
                },
                job_rx,
                out_tx,
                asr_counters,
                abandon,
                speakers,
            );
            SourceEnd::Finished
        })?,
    ));
    Ok((out_rx, speaker_rx, stages))
}

/// Starts a named thread; if it cannot start, stops the sources already
/// running so they do not outlive the error.
fn spawn<T: Send + 'static>(
    stage: &'static str,
    control: &Control,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<std::thread::JoinHandle<T>, PipelineError> {
    std::thread::Builder::new()
        .name(stage.into())
        .spawn(f)
        .map_err(|error| {
            control.stop();
            PipelineError::Spawn { stage, error }
        })
}

/// What the event loop carries from turn to turn.
struct LoopState<'a> {
    names: &'a [String],
    store_tx: mpsc::Sender<StoreMessage>,
    coach: Arc<Mutex<Coach>>,
    /// Turns stored, untranscribed ones included.
    n_turns: u64,
    /// Turns Whisper failed on.
    n_failed: u64,
    /// Turns abandoned by a second stop request.
    n_stopped: u64,
    /// The store thread is gone: nothing more can be stored or shown.
    store_failed: bool,
    /// Results of the speakers thread, when voice attribution runs.
    speaker_rx: Option<SpeakerResults>,
    /// Speakers of utterances whose turn has not come yet.
    speaker_results: HashMap<(usize, u64), crate::speakers::Assignment>,
    /// Turn id of each attributed utterance, for later corrections.
    turn_of: HashMap<(usize, u64), u64>,
    /// `--speaker-map`: a fixed speaker per source index.
    speaker_map: Vec<Option<String>>,
}

/// Forwards the stages' output to the store and `out` until every stage
/// has finished, answering stop requests and printing status meanwhile.
/// It never stops reading early, so no stage can block sending to it.
#[allow(clippy::too_many_arguments)]
async fn event_loop(
    state: &mut LoopState<'_>,
    out: &mut Output<impl FnMut(&Event) -> std::io::Result<()>>,
    mut outputs: mpsc::Receiver<AsrOutput>,
    stops: &mut mpsc::Receiver<()>,
    store_warnings: &mut mpsc::Receiver<String>,
    control: &Control,
    counters: &Counters,
    status_interval_s: f64,
) {
    let status_every = std::time::Duration::from_secs_f64(status_interval_s.max(0.1));
    let mut status_timer =
        tokio::time::interval_at(tokio::time::Instant::now() + status_every, status_every);
    let (mut last_busy, mut last_decoded) = (0u64, 0u64);
    let mut last_trim = std::time::Instant::now();
    let mut n_stop_requests = 0;
    let mut stops_open = true;
    loop {
        let output = tokio::select! {
            request = stops.recv(), if stops_open => {
                match request {
                    Some(()) => {
                        n_stop_requests += 1;
                        if n_stop_requests == 1 {
                            control.stop();
                        } else {
                            control.abandon();
                        }
                    }
                    None => stops_open = false,
                }
                continue;
            }
            _ = status_timer.tick() => {
                // Real-time factor over the interval: compute time / audio decoded.
                let busy = counters.asr_busy_ns.load(Ordering::Relaxed);
                let decoded = counters.asr_samples.load(Ordering::Relaxed);
                let audio_s = (decoded - last_decoded) as f64 / 16_000.0;
                let rtf = if audio_s > 0.0 { (busy - last_busy) as f64 / 1e9 / audio_s } else { 0.0 };
                (last_busy, last_decoded) = (busy, decoded);
                out.emit(&Event::Status {
                    rtf: round3(rtf),
                    lag_s: round3(counters.asr_lag_ms.load(Ordering::Relaxed) as f64 / 1000.0),
                    audio_s: round3(counters.samples_in.load(Ordering::Relaxed) as f64 / 16_000.0),
                    dropped_samples: counters.dropped_samples.load(Ordering::Relaxed),
                    skipped_partials: counters.skipped_partials.load(Ordering::Relaxed),
                    speaker_ms_per_turn: round3(
                        counters.speaker_busy_ns.load(Ordering::Relaxed) as f64
                            / 1e6
                            / counters.speaker_jobs.load(Ordering::Relaxed).max(1) as f64,
                    ),
                    skipped_speakers: counters.skipped_speakers.load(Ordering::Relaxed),
                });
                if last_trim.elapsed() >= TRIM_EVERY {
                    last_trim = std::time::Instant::now();
                    tokio::task::spawn_blocking(memory::give_back);
                }
                continue;
            }
            Some(message) = store_warnings.recv() => {
                out.emit(&Event::Warning { source: None, message });
                // The store is short of space or failing: the viewers'
                // convenience file must not compete with the turns.
                out.log = None;
                continue;
            }
            result = recv_speaker(&mut state.speaker_rx) => {
                match result {
                    Some(result) => {
                        if !state.on_speaker_result(out, result).await {
                            state.store_failed = true;
                            control.abandon();
                        }
                    }
                    None => state.speaker_rx = None,
                }
                continue;
            }
            output = outputs.recv() => output,
        };
        let Some(output) = output else { break };
        match output {
            AsrOutput::Partial {
                source,
                start,
                text,
                stable,
            } => out.emit(&Event::Partial {
                source: state.names[source].clone(),
                start,
                text,
                stable,
            }),
            AsrOutput::Turn {
                source,
                utterance,
                speaker_pending,
                start,
                end,
                text,
                end_arrived,
                timing,
            } => {
                let utterance = speaker_pending.then_some((source, utterance));
                if !state.store_failed
                    && !state
                        .on_turn(
                            out,
                            source,
                            utterance,
                            start,
                            end,
                            text,
                            end_arrived,
                            timing,
                        )
                        .await
                {
                    // The store thread ended with an error: stop everything
                    // and keep draining, so the stages can finish.
                    state.store_failed = true;
                    control.abandon();
                }
            }
            AsrOutput::Warning { source, message } => out.emit(&Event::Warning {
                source: source.map(|s| state.names[s].clone()),
                message,
            }),
        }
    }
}

/// The next speaker result, or never when voice attribution does not run.
async fn recv_speaker(rx: &mut Option<SpeakerResults>) -> Option<speakers_stage::SpeakerResult> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// The stored and printed fields of an attribution.
fn speaker_fields(a: &crate::speakers::Assignment) -> serde_json::Map<String, serde_json::Value> {
    let mut fields = serde_json::Map::new();
    fields.insert("speaker".into(), a.label().into());
    fields.insert("speaker_id".into(), a.speaker.to_string().into());
    fields.insert(
        "speaker_confidence".into(),
        (round2(a.confidence) as f64).into(),
    );
    fields
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

impl LoopState<'_> {
    /// Keeps a speaker result for its turn, and stores then shows the
    /// corrections it brings for earlier turns; false when the store is gone.
    async fn on_speaker_result(
        &mut self,
        out: &mut Output<impl FnMut(&Event) -> std::io::Result<()>>,
        result: speakers_stage::SpeakerResult,
    ) -> bool {
        self.speaker_results.insert(result.key, result.assignment);
        for (key, assignment) in result.relabels {
            let Some(&turn_id) = self.turn_of.get(&key) else {
                // Its turn has not come yet (or Whisper heard no words in it).
                if self.speaker_results.contains_key(&key) {
                    self.speaker_results.insert(key, assignment);
                }
                continue;
            };
            let message = StoreMessage::SpeakerUpdate {
                turn_id,
                fields: speaker_fields(&assignment),
            };
            if self.store_tx.send(message).await.is_err() {
                return false;
            }
            out.emit(&Event::SpeakerUpdate {
                turn_id,
                speaker: assignment.label(),
                speaker_id: assignment.speaker.to_string(),
                speaker_confidence: round2(assignment.confidence),
            });
        }
        true
    }

    /// The speaker of an utterance: waits for the speakers thread if its
    /// result has not come yet (it works while Whisper decodes, so it
    /// rarely has to).
    async fn speaker_of(
        &mut self,
        out: &mut Output<impl FnMut(&Event) -> std::io::Result<()>>,
        key: (usize, u64),
    ) -> Option<crate::speakers::Assignment> {
        loop {
            if let Some(a) = self.speaker_results.remove(&key) {
                return Some(a);
            }
            let result = self.speaker_rx.as_mut()?.recv().await;
            match result {
                Some(result) => {
                    if !self.on_speaker_result(out, result).await {
                        return None;
                    }
                }
                None => {
                    self.speaker_rx = None;
                    return None;
                }
            }
        }
    }

    /// Tags, stores and then shows one turn; false when the store is gone.
    #[allow(clippy::too_many_arguments)]
    async fn on_turn(
        &mut self,
        out: &mut Output<impl FnMut(&Event) -> std::io::Result<()>>,
        source: usize,
        utterance: Option<(usize, u64)>,
        start: f64,
        end: f64,
        text: Result<String, Untranscribed>,
        end_arrived: Instant,
        mut timing: TurnTiming,
    ) -> bool {
        let id = self.n_turns + 1;
        let (text, untranscribed, failure) = match text {
            Ok(text) => (text, None, None),
            Err(Untranscribed::Failed(error)) => {
                let warning = format!(
                    "turn {id} ({start:.1}-{end:.1} s) could not be transcribed: {error}; its audio is stored and it is marked untranscribed"
                );
                (
                    String::new(),
                    Some(format!("transcription failed: {error}")),
                    Some(warning),
                )
            }
            Err(Untranscribed::Stopped) => (
                String::new(),
                Some("stopped before it was transcribed".to_string()),
                None,
            ),
        };
        let waited = Instant::now();
        let attribution = match utterance {
            Some(key) => {
                let a = self.speaker_of(out, key).await;
                if a.is_some() {
                    self.turn_of.insert(key, id);
                }
                a
            }
            None => None,
        };
        let (speaker, speaker_id, speaker_confidence) = match (
            &attribution,
            self.speaker_map.get(source).cloned().flatten(),
        ) {
            (_, Some(name)) => (Some(name), None, Some(1.0)),
            (Some(a), None) => (
                Some(a.label()),
                Some(a.speaker.to_string()),
                Some(round2(a.confidence)),
            ),
            (None, None) => (None, None, None),
        };
        timing.speakers_ms = waited.elapsed().as_millis() as u64;
        let mut extra = serde_json::Map::new();
        if let Some(id) = &speaker_id {
            extra.insert("speaker_id".into(), id.clone().into());
        }
        if let Some(c) = speaker_confidence {
            extra.insert("speaker_confidence".into(), (c as f64).into());
        }
        let mut record = TurnRecord {
            id,
            source: self.names[source].clone(),
            speaker: speaker.clone(),
            start,
            end,
            text: text.clone(),
            // Set once tagged, below.
            latency_ms: None,
            untranscribed: untranscribed.clone(),
            extra,
        };
        // Without text there is nothing to tag.
        let tagging = Instant::now();
        let review = match untranscribed {
            None => {
                let coach = self.coach.clone();
                // Kept to store the turn untagged if tagging panics.
                let untagged = record.clone();
                let tagged = tokio::task::spawn_blocking(move || {
                    let review = coach
                        .lock()
                        .ok()
                        .map(|mut coach| coach.annotate(&mut record));
                    (review, record)
                })
                .await;
                match tagged {
                    Ok((Some(review), tagged_record)) => {
                        record = tagged_record;
                        review
                    }
                    _ => {
                        out.emit(&Event::Warning {
                            source: None,
                            message: format!(
                                "turn {id} could not be tagged; it is stored untagged"
                            ),
                        });
                        record = untagged;
                        crate::nudges::TurnReview::default()
                    }
                }
            }
            Some(_) => crate::nudges::TurnReview::default(),
        };
        timing.tagging_ms = tagging.elapsed().as_millis() as u64;
        // Tagged: what the facilitator waits for is this turn on screen.
        record.latency_ms = Some(end_arrived.elapsed().as_millis() as u64);
        // Stored before it is shown, so a shown turn is never lost: the
        // event waits for the store thread's word that the turn is on disk.
        let (ack_tx, ack_rx) = tokio::sync::oneshot::channel();
        if self
            .store_tx
            .send(StoreMessage::Turn(record, ack_tx))
            .await
            .is_err()
        {
            return false;
        }
        let mut meeting_over = false;
        match ack_rx.await {
            Ok(Ok(())) => {}
            Ok(Err(failure)) => {
                // Shown all the same (the facilitator still reads it), and
                // said loudly that it is not kept.
                out.emit(&Event::Warning {
                    source: Some(self.names[source].clone()),
                    message: format!(
                        "NOT RECORDING: turn {id} could not be stored ({}); it is shown but not kept",
                        failure.message
                    ),
                });
                meeting_over = failure.nothing_left;
            }
            // The store thread is gone.
            Err(_) => return false,
        }
        self.n_turns = id;
        match (&untranscribed, &failure) {
            (Some(_), Some(_)) => self.n_failed += 1,
            (Some(_), None) => self.n_stopped += 1,
            (None, _) => {}
        }
        let latency_ms = end_arrived.elapsed().as_millis() as u64;
        out.emit(&Event::Turn {
            id,
            source: self.names[source].clone(),
            speaker,
            speaker_id,
            speaker_confidence,
            start,
            end,
            text,
            latency_ms,
            timing,
            tags: review.tags,
            actions: review.actions,
            untranscribed,
        });
        if let Some(message) = failure {
            out.emit(&Event::Warning {
                source: Some(self.names[source].clone()),
                message,
            });
        }
        if let Some(nudge) = review.nudge {
            out.emit(&nudge_event(nudge));
        }
        !meeting_over
    }
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

/// The store thread: writes audio and turns as they come, then closes the
/// meeting.
///
/// A failed write is said at once, loudly (`NOT RECORDING`), and costs only
/// what cannot be written: when a recording fails (the disk is full, the
/// file too large) that source's audio is no longer stored, the disk space
/// the meeting set aside is released for turns, the live index stops
/// (`search` catches up later), and turns go on being stored; when a turn
/// fails it is reported to the event loop, and audio goes on. Only when
/// neither turns nor any audio can be stored does the meeting end. It is
/// closed in every case, as interrupted when something was lost, so
/// `meetings list` says what happened.
fn store_loop(
    mut writer: crate::store::MeetingWriter,
    mut rx: mpsc::Receiver<StoreMessage>,
    mut index: Option<crate::search::LiveIndex>,
    warnings: mpsc::Sender<String>,
) -> Result<(MeetingInfo, Result<(), crate::search::SearchError>), PipelineError> {
    let names: Vec<String> = writer
        .info()
        .sources
        .iter()
        .map(|s| s.name.clone())
        .collect();
    // Per source: when its audio stopped being stored, and why.
    let mut audio_lost: Vec<Option<String>> = vec![None; names.len()];
    let mut samples_stored = vec![0u64; names.len()];
    let mut turns_lost: Option<String> = None;
    let mut speakers_lost = false;
    let mut finish = None;
    let warn = |message: String| {
        // Never waits: the event loop may be waiting for this thread.
        let _ = warnings.try_send(message);
    };
    // Room for what can still be kept, and no index competing for it.
    let make_room = |writer: &mut crate::store::MeetingWriter,
                     index: &mut Option<crate::search::LiveIndex>| {
        writer.release_reserve();
        if let Some(index) = index.take() {
            drop(index);
            warn("the search index stopped following this meeting; `blameless search` catches up once there is room".into());
        }
    };
    while let Some(message) = rx.blocking_recv() {
        match message {
            StoreMessage::Audio { source, samples } => {
                if audio_lost.get(source).is_none_or(Option::is_some) {
                    continue;
                }
                match writer.append_audio(source, &samples) {
                    Ok(()) => samples_stored[source] += samples.len() as u64,
                    Err(error) => {
                        let at = samples_stored[source] as f64 / crate::store::SAMPLE_RATE as f64;
                        warn(format!(
                            "NOT RECORDING audio of {}: {error}; its recording stops at {at:.1} s, turns are still stored",
                            names[source]
                        ));
                        audio_lost[source] = Some(format!(
                            "audio of {} stopped at {at:.1} s: {error}",
                            names[source]
                        ));
                        make_room(&mut writer, &mut index);
                    }
                }
            }
            StoreMessage::Turn(turn, ack) => match writer.append_turn(&turn) {
                Ok(()) => {
                    // Never waits: the index is a copy, the store is the truth.
                    if let Some(index) = &mut index {
                        index.add(writer.info(), &turn);
                    }
                    let _ = ack.send(Ok(()));
                }
                Err(error) => {
                    turns_lost.get_or_insert_with(|| {
                        format!("turns from {:.1} s on were not stored: {error}", turn.start)
                    });
                    make_room(&mut writer, &mut index);
                    let _ = ack.send(Err(StoreFailure {
                        message: error.to_string(),
                        nothing_left: audio_lost.iter().all(Option::is_some),
                    }));
                }
            },
            StoreMessage::SpeakerUpdate { turn_id, fields } => {
                if let Err(error) = writer.append_speaker_update(turn_id, fields) {
                    if !speakers_lost {
                        speakers_lost = true;
                        warn(format!("speaker corrections are no longer stored: {error}"));
                    }
                }
            }
            StoreMessage::Finish { interruption } => {
                finish = Some(interruption);
                break;
            }
        }
    }
    // Senders see the channel close at once instead of waiting for room.
    drop(rx);
    let index_result = index.map_or(Ok(()), |i| i.finish());
    let lost: Vec<String> = audio_lost
        .into_iter()
        .flatten()
        .chain(turns_lost)
        .map(|l| format!("storing failed: {l}"))
        .collect();
    let reason = match finish {
        // Every sender went away without a word: the pipeline itself failed.
        None => Some("the pipeline ended unexpectedly".to_string()),
        Some(reason) => reason,
    };
    let reason = match (reason, lost.is_empty()) {
        (reason, true) => reason,
        (None, false) => Some(lost.join("; ")),
        (Some(reason), false) => Some(format!("{reason}; {}", lost.join("; "))),
    };
    let info = match reason {
        None => writer.finish(),
        Some(reason) => writer.finish_interrupted(reason),
    };
    match info {
        Ok(info) => Ok((info, index_result)),
        Err(error) => {
            warn(format!(
                "NOT RECORDING: the meeting could not be closed: {error}; run `blameless recover`"
            ));
            Err(error.into())
        }
    }
}

/// Reports an index problem; the meeting goes on without (or despite) it.
fn index_warning(
    out: &mut Output<impl FnMut(&Event) -> std::io::Result<()>>,
    error: crate::search::SearchError,
) {
    out.emit(&Event::Warning {
        source: None,
        message: format!("not searchable until the next `blameless search`: {error}"),
    });
}

/// Rounds to milliseconds for output.
pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
