//! The vad thread: runs Silero VAD over each source, cuts utterances and
//! sends decode jobs to the asr thread.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Instant;

use super::{AudioChunk, Counters};
use crate::audio::SAMPLE_RATE;
use crate::vad::{SegmentEvent, Segmenter, SegmenterConfig, Vad};

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
    /// Utterance number within its source.
    pub utterance: u64,
    /// First sample of the utterance, counted from the source's start.
    pub start_sample: u64,
    /// The utterance's audio so far (partial) or in full (final).
    pub samples: Vec<f32>,
    /// When the last of `samples` entered the pipeline.
    pub arrived: Instant,
    /// True for a finished utterance.
    pub is_final: bool,
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
    n_utterances: u64,
}

impl SourceState {
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
pub(crate) fn run(
    vads: Vec<Vad>,
    settings: Settings,
    chunks: Receiver<AudioChunk>,
    jobs: SyncSender<Job>,
    counters: Arc<Counters>,
) {
    let mut sources: Vec<SourceState> = vads
        .into_iter()
        .map(|vad| SourceState {
            vad,
            segmenter: Segmenter::new(&settings.segmenter),
            history: Vec::new(),
            base: 0,
            arrivals: VecDeque::new(),
            current: None,
            last_partial: 0,
            n_utterances: 0,
        })
        .collect();
    let partial_every = (settings.partial_interval_s * SAMPLE_RATE as f64) as u64;

    while let Ok(chunk) = chunks.recv() {
        let Some(state) = sources.get_mut(chunk.source) else {
            continue;
        };
        state.history.extend_from_slice(&chunk.samples);
        let end = state.end();
        state.arrivals.push_back((end, chunk.arrived));
        let probs = match state.vad.push(&chunk.samples) {
            Ok(p) => p,
            // A VAD failure must not lose speech: treat the chunk as speech.
            Err(_) => vec![1.0; chunk.samples.len() / crate::vad::FRAME_SAMPLES],
        };
        for event in state.segmenter.push(&probs) {
            if !handle(chunk.source, state, event, &jobs) {
                return;
            }
        }
        if let (Some(start), true) = (state.current, partial_every > 0) {
            let position = state.segmenter.position().min(state.end());
            if position >= state.last_partial + partial_every {
                state.last_partial = position;
                let job = Job {
                    source: chunk.source,
                    utterance: state.n_utterances,
                    start_sample: start,
                    samples: state.slice(start, position),
                    arrived: chunk.arrived,
                    is_final: false,
                };
                if let Err(TrySendError::Full(_)) = jobs.try_send(job) {
                    counters.skipped_partials.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        state.trim();
    }
    for (index, state) in sources.iter_mut().enumerate() {
        if let Some(event) = state.segmenter.finish() {
            handle(index, state, event, &jobs);
        }
    }
}

/// Acts on one segmenter event; false when the asr thread is gone.
fn handle(
    source: usize,
    state: &mut SourceState,
    event: SegmentEvent,
    jobs: &SyncSender<Job>,
) -> bool {
    match event {
        SegmentEvent::SpeechStart { at_sample } => {
            state.current = Some(at_sample);
            state.last_partial = at_sample;
            true
        }
        SegmentEvent::SpeechEnd {
            start_sample,
            end_sample,
        } => {
            state.current = None;
            let job = Job {
                source,
                utterance: state.n_utterances,
                start_sample,
                samples: state.slice(start_sample, end_sample),
                arrived: state.arrival_of(end_sample),
                is_final: true,
            };
            state.n_utterances += 1;
            // Finals wait for room: no utterance is ever dropped.
            jobs.send(job).is_ok()
        }
    }
}
