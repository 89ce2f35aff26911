//! The vad thread: runs Silero VAD over each source, cuts utterances and
//! sends decode jobs to the asr thread.
//!
//! Segmenter time is stored-audio time: frame `k` of a source is always its
//! samples `k * 512 .. (k + 1) * 512`, also after the model fails (then the
//! frames it could not judge count as speech, so nothing is lost, and the
//! user is warned).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use super::finals::{ChangeOutlet, Finals, Utterance, PIECES};
use super::speakers_stage::{SpeakerFeed, SpeechSoFar};
use super::{AsrOutput, AudioChunk, Counters};
use crate::audio::SAMPLE_RATE;
use crate::speakers::change::{chunk_start, CHUNK_SAMPLES};
use crate::speakers::embed::{windows_heard, REACH, WINDOW_STEP};
use crate::vad::{SegmentEvent, Segmenter, SegmenterConfig, Vad, FRAME_SAMPLES};

/// Silence after which the turn so far is decoded as if it had ended (a
/// speculative decode of the audio the final would have), while the VAD
/// waits to be sure it has: when the pause does end the utterance, its
/// final text is ready early. At least the speech padding after the last
/// voiced frame, so that audio has been heard.
const SPECULATE_AFTER_MS: u64 = 200;

/// What the vad thread needs besides its channels.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub segmenter: SegmenterConfig,
    pub partial_interval_s: f64,
}

/// Work for the asr thread.
#[derive(Debug)]
pub(crate) struct Job {
    pub source: usize,
    /// Utterance number within its source: the VAD's count times
    /// [`PIECES`], plus the piece for an utterance cut where the speaker
    /// changes.
    pub utterance: u64,
    /// First sample of the utterance, counted from the source's start.
    pub start_sample: u64,
    /// Where this job's audio starts within the VAD's utterance, in samples
    /// (0 unless the utterance was cut where the speaker changes).
    pub offset: usize,
    /// The utterance's audio so far (partial) or in full (final).
    pub samples: Vec<f32>,
    /// When the last of `samples` entered the pipeline.
    pub arrived: Instant,
    /// When this job was made (for a final: when the end of speech was
    /// detected).
    pub created: Instant,
    /// True for a finished utterance.
    pub is_final: bool,
    /// A partial sent at the start of a pause: decoded as a final would be,
    /// in case the pause ends the utterance.
    pub speculative: bool,
    /// A final whose audio a speculative decode sent earlier covers.
    pub covered: bool,
    /// For a speculative decode: set to 1 when the speaker goes on after
    /// its pause (the decode is then of no use unless it commits).
    pub resumed: Option<Arc<AtomicU64>>,
}

/// One source's running state.
struct SourceState {
    vad: Vad,
    segmenter: Segmenter,
    /// Audio from sample `base` on; trimmed to what the segmenter may still need.
    history: Vec<f32>,
    base: u64,
    /// (end sample, arrival) of recent chunks, to time-stamp utterance ends.
    arrivals: VecDeque<(u64, Instant)>,
    /// The utterance in progress: its start sample.
    current: Option<u64>,
    /// Sample position of the last partial job.
    last_partial: u64,
    /// The last speculative decode sent: the utterance number, the start
    /// of the pause it was sent in, and the sample its audio ends at.
    speculated: Option<(u64, u64, u64)>,
    /// Its `resumed` flag, until its pause ends one way or the other.
    speculation_pending: Option<Arc<AtomicU64>>,
    /// The next chunk of the utterance in progress to offer to the changes
    /// thread.
    next_chunk: usize,
    /// The next speaker embedding window of the utterance in progress the
    /// speakers thread has not been offered.
    next_window: usize,
    n_utterances: u64,
    /// Frames given to the segmenter: always `end() / FRAME_SAMPLES`.
    frames: u64,
    /// The model failed on the last chunk (warned once per failure streak).
    vad_failing: bool,
}

impl SourceState {
    fn new(vad: Vad, segmenter: &SegmenterConfig) -> SourceState {
        SourceState {
            vad,
            segmenter: Segmenter::new(segmenter),
            history: Vec::new(),
            base: 0,
            arrivals: VecDeque::new(),
            current: None,
            last_partial: 0,
            speculated: None,
            speculation_pending: None,
            next_chunk: 0,
            next_window: 0,
            n_utterances: 0,
            frames: 0,
            vad_failing: false,
        }
    }

    fn end(&self) -> u64 {
        self.base + self.history.len() as u64
    }

    fn slice(&self, start: u64, end: u64) -> Vec<f32> {
        let from = start.saturating_sub(self.base) as usize;
        let to = (end.saturating_sub(self.base) as usize).min(self.history.len());
        self.history
            .get(from..to)
            .map_or_else(Vec::new, <[f32]>::to_vec)
    }

    fn arrival_of(&self, sample: u64) -> Instant {
        self.arrivals
            .iter()
            .find(|(end, _)| *end >= sample)
            .or(self.arrivals.back())
            .map_or_else(Instant::now, |(_, at)| *at)
    }

    /// After the model failed on the chunk that ends at `end()`: restarts
    /// it on the frame grid of the stored audio and returns a speech
    /// probability of 1 for every frame not yet judged, so the segmenter
    /// stays at `end() / FRAME_SAMPLES` frames and no speech is lost.
    fn frames_after_failure(&mut self) -> Vec<f32> {
        let end = self.end();
        let due = (end / FRAME_SAMPLES as u64).saturating_sub(self.frames);
        self.vad.reset();
        // The samples past the last whole frame go back in; shorter than a
        // frame, they are only buffered, so this push cannot fail.
        let tail = self.slice(end - end % FRAME_SAMPLES as u64, end);
        let _ = self.vad.push(&tail);
        vec![1.0; due as usize]
    }

    fn trim(&mut self) {
        let keep_from = self
            .segmenter
            .retain_from()
            .min(self.current.unwrap_or(u64::MAX));
        // Trim in steps of a second to avoid shifting the buffer for every chunk.
        if keep_from > self.base + SAMPLE_RATE as u64 {
            let n = (keep_from - self.base) as usize;
            self.history.drain(..n.min(self.history.len()));
            self.base += n as u64;
        }
        while self.arrivals.len() > 1 && self.arrivals[1].0 < self.base {
            self.arrivals.pop_front();
        }
    }
}

/// Runs until `chunks` closes, then flushes utterances in progress.
/// Utterances of voice-attributed sources go through `changes` when the
/// speaker change model runs, and their audio reaches `speakers` while
/// they are spoken.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run(
    vads: Vec<Vad>,
    settings: Settings,
    changes: Option<ChangeOutlet>,
    speakers: Option<SpeakerFeed>,
    chunks: Receiver<AudioChunk>,
    jobs: SyncSender<Job>,
    warnings: mpsc::Sender<AsrOutput>,
    counters: Arc<Counters>,
) {
    let mut sources: Vec<SourceState> = vads
        .into_iter()
        .map(|vad| SourceState::new(vad, &settings.segmenter))
        .collect();
    let partial_every = (settings.partial_interval_s * SAMPLE_RATE as f64) as u64;
    let mut finals = Finals::new(sources.len(), changes);

    while let Ok(chunk) = chunks.recv() {
        let Some(state) = sources.get_mut(chunk.source) else {
            continue;
        };
        state.history.extend_from_slice(&chunk.samples);
        finals.hear(chunk.source, &chunk.samples);
        let end = state.end();
        state.arrivals.push_back((end, chunk.arrived));
        let probs = match state.vad.push(&chunk.samples) {
            Ok(probs) => {
                if std::mem::take(&mut state.vad_failing) {
                    warn(
                        &warnings,
                        chunk.source,
                        "voice activity detection works again",
                    );
                }
                probs
            }
            Err(error) => {
                if !std::mem::replace(&mut state.vad_failing, true) {
                    warn(
                        &warnings,
                        chunk.source,
                        &format!("voice activity detection failed ({error}); all audio counts as speech until it recovers, so turns may run long"),
                    );
                }
                // A VAD failure must not lose speech: treat the chunk as speech.
                state.frames_after_failure()
            }
        };
        state.frames += probs.len() as u64;
        for event in state.segmenter.push(&probs) {
            handle(chunk.source, state, event, &mut finals);
        }
        offer_chunks(chunk.source, state, &finals);
        if let Some(speakers) = &speakers {
            offer_windows(chunk.source, state, speakers);
        }
        if !finals.release(&jobs, &counters, false) {
            return;
        }
        if let (Some(start), true) = (state.current, partial_every > 0) {
            let position = state.segmenter.position().min(state.end());
            // A pause long enough to be the end of the turn, not yet
            // decoded: decode the turn so far as its final. Inside a pause
            // no other partial is sent (there is nothing new to hear).
            let in_pause = state.segmenter.pause();
            // Speech after the pause of the last speculative decode: tell it.
            if let Some((n, at, _)) = state.speculated {
                let same_pause = in_pause.is_some_and(|p| p.at == at) && n == state.n_utterances;
                if !same_pause {
                    if let Some(flag) = state.speculation_pending.take() {
                        flag.store(1, Ordering::Relaxed);
                    }
                }
            }
            let pause = in_pause.filter(|pause| {
                pause.heard >= SPECULATE_AFTER_MS * u64::from(SAMPLE_RATE) / 1000
                    && state
                        .speculated
                        .is_none_or(|(n, at, _)| (n, at) != (state.n_utterances, pause.at))
            });
            let due = in_pause.is_none() && position >= state.last_partial + partial_every;
            if pause.is_some() || due {
                state.last_partial = position;
                // A speculative decode hears exactly what the final will,
                // if this pause ends the utterance.
                let end = pause.map_or(position, |p| p.end_sample);
                let job = Job {
                    source: chunk.source,
                    utterance: state.n_utterances * PIECES,
                    start_sample: start,
                    offset: 0,
                    samples: state.slice(start, end),
                    arrived: chunk.arrived,
                    created: Instant::now(),
                    is_final: false,
                    speculative: pause.is_some(),
                    covered: false,
                    resumed: pause.map(|_| Arc::new(AtomicU64::new(0))),
                };
                let resumed = job.resumed.clone();
                // A speculative decode pre-empts a partial in progress, as a
                // final does.
                if job.speculative {
                    counters.finals_waiting.fetch_add(1, Ordering::SeqCst);
                }
                match jobs.try_send(job) {
                    Ok(()) => {
                        if let Some(pause) = pause {
                            state.speculated = Some((state.n_utterances, pause.at, end));
                            state.speculation_pending = resumed;
                        }
                    }
                    Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) => {
                        if job.speculative {
                            counters.finals_waiting.fetch_sub(1, Ordering::SeqCst);
                        }
                        counters.skipped_partials.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
        state.trim();
    }
    for (index, state) in sources.iter_mut().enumerate() {
        if let Some(event) = state.segmenter.finish() {
            handle(index, state, event, &mut finals);
        }
    }
    finals.release(&jobs, &counters, true);
}

/// Hands a warning to the event loop. Rare, so it may wait for room.
fn warn(warnings: &mpsc::Sender<AsrOutput>, source: usize, message: &str) {
    let _ = warnings.blocking_send(AsrOutput::Warning {
        source: Some(source),
        message: message.to_string(),
    });
}

/// Offers the change model every 5 s chunk of the utterance in progress
/// that has been heard in full, so little is left to run when it ends.
fn offer_chunks(source: usize, state: &mut SourceState, finals: &Finals) {
    let Some(start) = state.current else { return };
    if !finals.runs_early(source) {
        return;
    }
    loop {
        let from = start + chunk_start(state.next_chunk) as u64;
        let to = from + CHUNK_SAMPLES as u64;
        if to > state.end() {
            return;
        }
        finals.offer_chunk(
            source,
            state.n_utterances,
            state.next_chunk,
            state.slice(from, to),
        );
        state.next_chunk += 1;
    }
}

/// Offers the speakers thread the audio of the utterance in progress each
/// time another embedding window of it has been heard in full, from the
/// first window not yet offered, so little is left to embed when it ends.
/// Never waits: speech that finds no room is offered with the next window.
fn offer_windows(source: usize, state: &mut SourceState, speakers: &SpeakerFeed) {
    let Some(start) = state.current else { return };
    if !speakers.voices(source) {
        return;
    }
    let heard = windows_heard((state.end() - start) as usize);
    if heard <= state.next_window {
        return;
    }
    // A window's first frame reads a little before its start.
    let offset = (state.next_window * WINDOW_STEP).saturating_sub(REACH);
    let speech = SpeechSoFar {
        source,
        utterance: state.n_utterances,
        offset,
        samples: state.slice(start + offset as u64, state.end()),
    };
    if speakers.offer(speech) {
        state.next_window = heard;
    }
}

/// Acts on one segmenter event: a finished utterance goes to `finals`.
fn handle(source: usize, state: &mut SourceState, event: SegmentEvent, finals: &mut Finals) {
    match event {
        SegmentEvent::SpeechStart { at_sample } => {
            state.current = Some(at_sample);
            state.last_partial = at_sample;
            state.next_chunk = 0;
            state.next_window = 0;
        }
        SegmentEvent::SpeechEnd {
            start_sample,
            end_sample,
        } => {
            state.current = None;
            // The pause ended the utterance: the speculative decode stands.
            state.speculation_pending = None;
            let covered = state
                .speculated
                .is_some_and(|(n, _, to)| n == state.n_utterances && to >= end_sample);
            finals.finish(Utterance {
                source,
                number: state.n_utterances,
                start_sample,
                offset: 0,
                samples: state.slice(start_sample, end_sample),
                arrived: state.arrival_of(end_sample),
                covered,
            });
            state.n_utterances += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14: after a model failure the frame count used to be guessed
    /// from the chunk alone, and VAD time drifted from the stored audio.
    #[test]
    fn vad_time_stays_on_the_stored_audio_after_a_model_failure() {
        let models = crate::config::Paths::resolve(None, None).models;
        let path = crate::vad::model_path(&models).expect("run scripts/setup.sh");
        let mut state = SourceState::new(Vad::load(&path).unwrap(), &SegmenterConfig::default());
        let speech = crate::audio::read_file(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/jfk.wav"
        )))
        .unwrap()
        .mono;
        // Odd chunk sizes, as a device delivers them; the model "fails" on
        // the third and fifth chunk (its result is thrown away, as on error).
        let mut at = 0;
        for (i, n) in [700, 300, 1000, 45, 2000, 4096, 333]
            .into_iter()
            .enumerate()
        {
            let chunk = &speech[at..at + n];
            at += n;
            state.history.extend_from_slice(chunk);
            let probs = if i == 2 || i == 4 {
                let _ = state.vad.push(chunk);
                state.frames_after_failure()
            } else {
                state.vad.push(chunk).unwrap()
            };
            state.frames += probs.len() as u64;
            assert_eq!(state.frames, at as u64 / FRAME_SAMPLES as u64, "chunk {i}");
        }
    }
}
