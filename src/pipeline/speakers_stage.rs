//! The speakers thread: embeds each final utterance (GE2E) and gives it a
//! speaker, while Whisper decodes the same utterance on the asr thread.
//! Every few utterances the clusterer re-clusters the past; the utterances
//! whose speaker changed are reported with the result, for `speaker_update`
//! events and the append-only corrections beside the turns.
//!
//! Edge policy: the asr thread offers each final with `try_send` into a
//! small queue; when the queue is full (embedding fell behind), that turn
//! goes without a speaker rather than waiting, and the event loop knows not
//! to wait for it. When no source is live (files replayed at `--speed
//! max`), nobody waits in real time, so the asr thread waits for room and
//! every turn gets its speaker.

use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use super::Counters;
use crate::speakers::{Assignment, Clusterer, Embedder};

/// A final utterance to attribute.
#[derive(Debug)]
pub(crate) struct SpeakerJob {
    /// Source index.
    pub source: usize,
    /// Utterance number within its source.
    pub utterance: u64,
    /// Its audio.
    pub samples: Vec<f32>,
}

/// The speaker of one utterance, and earlier utterances that changed.
#[derive(Debug)]
pub(crate) struct SpeakerResult {
    /// (source, utterance) of the job.
    pub key: (usize, u64),
    /// Its speaker.
    pub assignment: Assignment,
    /// Earlier utterances whose speaker the re-clustering changed.
    pub relabels: Vec<((usize, u64), Assignment)>,
}

/// The clusterer's key for an utterance: source in the high bits.
fn key(source: usize, utterance: u64) -> u64 {
    ((source as u64) << 48) | (utterance & ((1 << 48) - 1))
}

fn unkey(k: u64) -> (usize, u64) {
    ((k >> 48) as usize, k & ((1 << 48) - 1))
}

/// Runs until `jobs` closes.
pub(crate) fn run(
    embedder: Embedder,
    mut clusterer: Clusterer,
    jobs: Receiver<SpeakerJob>,
    out: mpsc::Sender<SpeakerResult>,
    counters: Arc<Counters>,
) {
    while let Ok(job) = jobs.recv() {
        let started = Instant::now();
        let embedding = embedder.embed(&job.samples);
        let assignment = clusterer.assign(key(job.source, job.utterance), &embedding);
        let relabels = clusterer
            .recluster_if_due()
            .into_iter()
            .map(|r| (unkey(r.key), r.assignment))
            .collect();
        counters
            .speaker_busy_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        counters.speaker_jobs.fetch_add(1, Ordering::Relaxed);
        let result = SpeakerResult {
            key: (job.source, job.utterance),
            assignment,
            relabels,
        };
        if out.blocking_send(result).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        assert_eq!(unkey(key(3, 12345)), (3, 12345));
        assert_ne!(key(1, 0), key(0, 0));
    }
}
