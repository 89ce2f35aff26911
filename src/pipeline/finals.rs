//! The boundary where finished utterances become Whisper jobs, on the vad
//! thread: who said this, before it is transcribed.
//!
//! - **Crosstalk** (more than one source): an utterance is held until every
//!   other source has been heard up to its end (at most [`MAX_HOLD`]), then
//!   dropped if it is mostly another source's speech leaking in (see
//!   [`crate::speakers::crosstalk`]): the words become a turn of the source
//!   where they are loudest, once.
//! - **Speaker changes** (voice-attributed sources, when the change model
//!   runs): an utterance in which the speaker changes is cut into one final
//!   per speaker, so each is transcribed, tagged and attributed on its own.
//!
//! With one source nothing is held; a final waits here only for the change
//! model.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use super::vad_stage::Job;
use super::Counters;
use crate::speakers::crosstalk::{Levels, FRAME, LEAK_FRAMES};
use crate::speakers::{ChangeConfig, ChangeModel};

/// Jobs of one utterance are numbered `utterance * PIECES + piece`, so the
/// pieces of an utterance cut where the speaker changes are utterances of
/// their own, and a partial (numbered `utterance * PIECES`) is superseded by
/// the first piece.
pub(crate) const PIECES: u64 = 64;

/// Longest wait for the other sources before the crosstalk check uses what
/// it has (a source that stalled or ended counts as silent).
const MAX_HOLD: Duration = Duration::from_secs(1);

/// Cuts a final utterance into one turn per speaker.
#[derive(Debug, Clone)]
pub(crate) struct Split {
    /// The speaker segmentation model.
    pub model: ChangeModel,
    /// When a change counts.
    pub config: ChangeConfig,
    /// Per source index, whether its turns are attributed by voice (a
    /// source `--speaker-map` names is one person: never cut).
    pub voiced: Vec<bool>,
}

/// A finished utterance waiting for the checks.
#[derive(Debug)]
struct Held {
    source: usize,
    /// The VAD's utterance number within its source.
    utterance: u64,
    start_sample: u64,
    samples: Vec<f32>,
    /// When its last sample entered the pipeline.
    arrived: Instant,
    /// When it was held.
    since: Instant,
}

/// Finished utterances on their way to Whisper (see the module docs).
pub(crate) struct Finals {
    split: Option<Split>,
    /// Levels of every source, with more than one source.
    levels: Option<Levels>,
    held: VecDeque<Held>,
}

impl Finals {
    pub(crate) fn new(n_sources: usize, split: Option<Split>) -> Finals {
        Finals {
            split,
            levels: (n_sources > 1).then(|| Levels::new(n_sources)),
            held: VecDeque::new(),
        }
    }

    /// Notes the next samples of `source` (for the crosstalk check).
    pub(crate) fn hear(&mut self, source: usize, samples: &[f32]) {
        if let Some(levels) = &mut self.levels {
            levels.push(source, samples);
        }
    }

    /// Takes a finished utterance.
    pub(crate) fn finish(
        &mut self,
        source: usize,
        utterance: u64,
        start_sample: u64,
        samples: Vec<f32>,
        arrived: Instant,
    ) {
        self.held.push_back(Held {
            source,
            utterance,
            start_sample,
            samples,
            arrived,
            since: Instant::now(),
        });
    }

    /// Sends every held utterance that is ready (all of them with `flush`,
    /// when no more audio will come), in order; false when the asr thread
    /// is gone.
    pub(crate) fn release(
        &mut self,
        jobs: &SyncSender<Job>,
        counters: &Counters,
        flush: bool,
    ) -> bool {
        while let Some(held) = self.held.front() {
            let end = held.start_sample + held.samples.len() as u64;
            if let Some(levels) = &self.levels {
                let heard_to = (end / FRAME as u64) + LEAK_FRAMES + 1;
                let others_caught_up = (0..levels.n_sources())
                    .filter(|&s| s != held.source)
                    .all(|s| levels.frames(s) >= heard_to);
                if !flush && !others_caught_up && held.since.elapsed() < MAX_HOLD {
                    return true;
                }
            }
            let held = self.held.pop_front().expect("front seen");
            if let Some(levels) = &self.levels {
                if levels.is_echo(held.source, held.start_sample, end) {
                    counters.crosstalk_dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            }
            if !self.send(held, jobs, counters) {
                return false;
            }
        }
        true
    }

    /// Cuts one utterance where the speaker changes and sends its pieces.
    fn send(&self, held: Held, jobs: &SyncSender<Job>, counters: &Counters) -> bool {
        let cuts = match &self.split {
            Some(split) if split.voiced.get(held.source).copied().unwrap_or(false) => {
                let started = Instant::now();
                let cuts = split.model.speaker_changes(&held.samples, &split.config);
                // Part of voice attribution's cost, with the embeddings.
                counters
                    .speaker_busy_ns
                    .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
                counters
                    .speaker_changes
                    .fetch_add(cuts.len() as u64, Ordering::Relaxed);
                cuts
            }
            _ => Vec::new(),
        };
        let mut from = 0;
        for (piece, to) in cuts
            .into_iter()
            .take(PIECES as usize - 1)
            .chain([held.samples.len()])
            .enumerate()
        {
            let job = Job {
                source: held.source,
                utterance: held.utterance * PIECES + piece as u64,
                start_sample: held.start_sample + from as u64,
                samples: held.samples[from..to].to_vec(),
                arrived: held.arrived,
                created: Instant::now(),
                is_final: true,
            };
            from = to;
            // Counted before it waits: a partial decode in progress is
            // cancelled so the asr thread takes the final at once.
            counters.finals_waiting.fetch_add(1, Ordering::SeqCst);
            // Finals wait for room: no utterance is ever dropped.
            if jobs.send(job).is_err() {
                return false;
            }
        }
        true
    }
}
