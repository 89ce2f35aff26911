//! The speakers thread: embeds each final utterance (GE2E) and gives it a
//! speaker, while Whisper decodes the same utterance on the asr thread.
//! Every few utterances the clusterer re-clusters the past; the utterances
//! whose speaker changed are reported with the result, for `speaker_update`
//! events and the append-only corrections beside the turns.
//!
//! The embedding's 1.6 s windows are computed while the person is still
//! speaking: the vad thread offers the audio of each voice-attributed
//! utterance in progress whenever another window of it has been heard in
//! full ([`SpeakerFeed`]), the speakers thread keeps those windows
//! ([`WindowCache`], the two newest utterances of each source), and when the final (or a
//! piece of it, cut where the speaker changes) arrives, only the windows
//! not yet computed are left: usually the last one or two.
//!
//! Edge policy: the asr thread offers each final with `try_send` into a
//! small queue; when the queue is full (embedding fell behind), that turn
//! goes without a speaker rather than waiting, and the event loop knows not
//! to wait for it. When no source is live (files replayed at `--speed
//! max`), nobody waits in real time, so the asr thread waits for room and
//! every turn gets its speaker. Speech in progress is offered with
//! `try_send` too, and only while none is waiting, so it never takes a
//! final's place in the queue nor holds up the vad thread; the speakers
//! thread takes finals first. Speech that finds no room is offered again,
//! longer, with the next window; what is never offered is computed when the
//! utterance ends.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use super::finals::PIECES;
use super::Counters;
use crate::speakers::embed::WindowCache;
use crate::speakers::{Assignment, Clusterer, Embedder};

/// Windows computed per offer of speech in progress at most (about 25 ms
/// each in a release build), so a final arriving meanwhile waits little.
const MAX_NEW_WINDOWS: usize = 2;

/// Windows kept per utterance in progress at most (about 150 s of speech;
/// the VAD cuts utterances long before).
const MAX_CACHED_WINDOWS: usize = 200;

/// A final utterance (or a piece of one) to attribute.
#[derive(Debug)]
pub(crate) struct SpeakerJob {
    /// Source index.
    pub source: usize,
    /// Utterance number within its source (the VAD's count times
    /// [`PIECES`], plus the piece).
    pub utterance: u64,
    /// Where its audio starts within the VAD's utterance, in samples (0
    /// unless the utterance was cut where the speaker changes).
    pub offset: usize,
    /// Its audio.
    pub samples: Vec<f32>,
}

/// Audio of an utterance still being spoken.
#[derive(Debug)]
pub(crate) struct SpeechSoFar {
    /// Source index.
    pub source: usize,
    /// The VAD's utterance number within its source.
    pub utterance: u64,
    /// Where `samples` start within the utterance, in samples.
    pub offset: usize,
    /// The utterance's audio from `offset` to what has been heard.
    pub samples: Vec<f32>,
}

/// Work for the speakers thread.
#[derive(Debug)]
pub(crate) enum SpeakerWork {
    /// A final to attribute (from the asr thread).
    Final(SpeakerJob),
    /// Speech in progress whose windows can be computed now (from the vad
    /// thread).
    Heard(SpeechSoFar),
}

/// The vad thread's way to the speakers thread (see the module docs).
#[derive(Debug)]
pub(crate) struct SpeakerFeed {
    /// The speakers thread's queue.
    pub jobs: SyncSender<SpeakerWork>,
    /// Per source index, whether its turns are attributed by voice.
    pub voiced: Vec<bool>,
    /// Offers of speech not yet worked on: at most one at a time.
    pub heard_waiting: Arc<AtomicUsize>,
}

impl SpeakerFeed {
    /// True when `source`'s turns are attributed by voice.
    pub(crate) fn voices(&self, source: usize) -> bool {
        self.voiced.get(source).copied().unwrap_or(false)
    }

    /// Offers speech in progress; never waits. True when it was taken.
    pub(crate) fn offer(&self, speech: SpeechSoFar) -> bool {
        if self.heard_waiting.load(Ordering::SeqCst) > 0 {
            return false;
        }
        self.heard_waiting.fetch_add(1, Ordering::SeqCst);
        if self.jobs.try_send(SpeakerWork::Heard(speech)).is_ok() {
            return true;
        }
        self.heard_waiting.fetch_sub(1, Ordering::SeqCst);
        false
    }
}

/// Utterances of one source whose windows are kept: the newest, and the one
/// before (its final may still be on its way through the asr thread while
/// the next utterance is spoken).
const UTTERANCES_KEPT: usize = 2;

/// The windows of the newest utterances of each source (older ones are
/// finished or were dropped, as echoes: their windows go), so what is held
/// stays bounded however long the meeting.
#[derive(Debug, Default)]
struct Caches {
    /// Per source, (utterance, windows), oldest first.
    by_source: HashMap<usize, VecDeque<(u64, WindowCache)>>,
}

impl Caches {
    /// The windows of `utterance` of `source`, dropping those of utterances
    /// [`UTTERANCES_KEPT`] or more before it; `None` for an utterance older
    /// than those held (it is over).
    fn of(&mut self, source: usize, utterance: u64) -> Option<&mut WindowCache> {
        let held = self.by_source.entry(source).or_default();
        if held.back().is_none_or(|(newest, _)| *newest < utterance) {
            held.push_back((utterance, WindowCache::default()));
            while held.len() > UTTERANCES_KEPT {
                held.pop_front();
            }
        }
        held.iter_mut()
            .find(|(number, _)| *number == utterance)
            .map(|(_, cache)| cache)
    }

    /// Windows held, all sources together.
    #[cfg(test)]
    fn n_windows(&self) -> usize {
        self.by_source
            .values()
            .flat_map(|held| held.iter().map(|(_, c)| c.len()))
            .sum()
    }
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
    jobs: Receiver<SpeakerWork>,
    heard_waiting: Arc<AtomicUsize>,
    out: mpsc::Sender<SpeakerResult>,
    counters: Arc<Counters>,
) {
    let mut caches = Caches::default();
    let mut waiting: VecDeque<SpeakerWork> = VecDeque::new();
    loop {
        if waiting.is_empty() {
            match jobs.recv() {
                Ok(work) => waiting.push_back(work),
                Err(_) => return,
            }
        }
        waiting.extend(jobs.try_iter());
        // Finals first: a turn waits for them, speech in progress can wait.
        let next = match waiting
            .iter()
            .position(|w| matches!(w, SpeakerWork::Final(_)))
        {
            Some(i) => waiting.remove(i),
            None => waiting.pop_front(),
        };
        let started = Instant::now();
        match next {
            Some(SpeakerWork::Heard(speech)) => {
                heard_waiting.fetch_sub(1, Ordering::SeqCst);
                if let Some(cache) = caches.of(speech.source, speech.utterance) {
                    let room = MAX_CACHED_WINDOWS.saturating_sub(cache.len());
                    embedder.extend_cache(
                        cache,
                        &speech.samples,
                        speech.offset,
                        MAX_NEW_WINDOWS.min(room),
                    );
                }
                counters
                    .speaker_busy_ns
                    .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
            }
            Some(SpeakerWork::Final(job)) => {
                let cache = caches.of(job.source, job.utterance / PIECES);
                let (embedding, _) =
                    embedder.embed_piece(&job.samples, job.offset, cache.as_deref());
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
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_utterance_of_each_source_keeps_its_windows() {
        let models = crate::config::Paths::resolve(None, None).models;
        let path = crate::speakers::model_path(&models).expect("run scripts/setup.sh");
        let embedder = Embedder::load(&path).unwrap();
        let speech = crate::audio::read_file(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/jfk.wav"
        )))
        .unwrap()
        .mono;
        let mut caches = Caches::default();
        // Two hours of 10 s utterances on two sources: what is held never
        // grows past two utterances per source.
        for utterance in 0..720u64 {
            for source in 0..2 {
                let cache = caches.of(source, utterance).expect("newest");
                if utterance % 240 == 0 {
                    embedder.extend_cache(cache, &speech[..40_000], 0, 8);
                    assert_eq!(cache.len(), 2);
                } else {
                    assert!(cache.is_empty(), "utterance {utterance} starts empty");
                }
            }
            assert!(caches.n_windows() <= 4);
            // The one before is still there, with its windows, for its
            // final; the one before that is over.
            if utterance % 240 == 1 {
                assert_eq!(caches.of(0, utterance - 1).map(|c| c.len()), Some(2));
            }
            if utterance > 1 {
                assert!(caches.of(0, utterance - 2).is_none());
            }
        }
        assert_eq!(caches.by_source.len(), 2);
        assert!(caches.by_source.values().all(|held| held.len() == 2));
        assert_eq!(caches.n_windows(), 0);
    }

    #[test]
    fn keys_round_trip() {
        assert_eq!(unkey(key(3, 12345)), (3, 12345));
        assert_ne!(key(1, 0), key(0, 0));
    }
}
