//! The changes thread: runs the speaker change model on voice-attributed
//! utterances while they are spoken, and cuts each finished one where the
//! speaker changes.
//!
//! The model reads an utterance as 5 s chunks half a chunk apart; every
//! chunk but the last starts at a fixed place and is lined up only with the
//! chunks before it ([`crate::speakers::change::EarlyChunks`]), so the vad
//! thread offers each chunk as soon as it has been heard, and when the
//! utterance ends only its last chunk (aligned to the end) is left to run.
//! The cuts are the same as a run over the whole utterance.
//!
//! Edge policies: chunks are offered with `try_send` (a full queue means
//! the chunk runs when the utterance ends instead; the vad thread never
//! waits for it); finished utterances wait for room, and their pieces wait
//! for the asr thread, like every final.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;
use std::time::Instant;

use super::finals::{send_pieces, Utterance};
use super::vad_stage::Job;
use super::Counters;
use crate::speakers::change::EarlyChunks;
use crate::speakers::{ChangeConfig, ChangeModel};

/// The change model and when a change counts.
#[derive(Debug, Clone)]
pub(crate) struct Split {
    /// The speaker segmentation model.
    pub model: ChangeModel,
    /// When a change counts.
    pub config: ChangeConfig,
}

/// Work for the changes thread.
#[derive(Debug)]
pub(crate) enum ChangeJob {
    /// Chunk `index` of an utterance still being spoken: its samples
    /// [`crate::speakers::change::chunk_start`]`(index)` on, 5 s.
    Chunk {
        /// Source index.
        source: usize,
        /// The VAD's utterance number within its source.
        utterance: u64,
        /// Which chunk of the utterance.
        index: usize,
        /// Its 5 s of audio.
        samples: Vec<f32>,
    },
    /// A finished utterance, to cut and send to the asr thread.
    Finish(Utterance),
}

/// Runs until `jobs` closes; returns early when the asr thread is gone.
pub(crate) fn run(
    split: Split,
    jobs: Receiver<ChangeJob>,
    asr: SyncSender<Job>,
    counters: Arc<Counters>,
) {
    // Chunks run so far, per (source, utterance) in progress.
    let mut early: HashMap<(usize, u64), EarlyChunks> = HashMap::new();
    while let Ok(job) = jobs.recv() {
        let started = Instant::now();
        match job {
            ChangeJob::Chunk {
                source,
                utterance,
                index,
                samples,
            } => {
                let activities = split.model.activities(&samples);
                early
                    .entry((source, utterance))
                    .or_default()
                    .insert(index, activities);
                account(&counters, started);
            }
            ChangeJob::Finish(utterance) => {
                let key = (utterance.source, utterance.number);
                let chunks = early.remove(&key).unwrap_or_default();
                // Chunks run early sit on the grid of the utterance as the
                // VAD heard it; one trimmed to its own speech starts later.
                let chunks = if utterance.offset == 0 {
                    chunks
                } else {
                    EarlyChunks::default()
                };
                // An utterance dropped as an echo never finishes here: its
                // chunks go with the next utterance of its source.
                early.retain(|&(source, number), _| source != key.0 || number > key.1);
                let (cuts, _) =
                    split
                        .model
                        .speaker_changes_after(&utterance.samples, &split.config, &chunks);
                account(&counters, started);
                counters
                    .speaker_changes
                    .fetch_add(cuts.len() as u64, Ordering::Relaxed);
                let covered = utterance.covered;
                let sent = send_pieces(utterance, &cuts, &asr, &counters);
                // The count the vad thread took when it handed the
                // utterance over: its pieces are counted on their own now.
                if !covered {
                    counters.finals_waiting.fetch_sub(1, Ordering::SeqCst);
                }
                if !sent {
                    return;
                }
            }
        }
    }
}

/// Change detection is part of voice attribution's cost, with the
/// embeddings.
fn account(counters: &Counters, started: Instant) {
    counters
        .speaker_busy_ns
        .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
}
