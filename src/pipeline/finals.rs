//! The boundary where finished utterances become Whisper jobs, on the vad
//! thread: who said this, before it is transcribed.
//!
//! - **Crosstalk** (more than one source): an utterance is held until every
//!   other source has been heard up to its end (at most [`MAX_HOLD`]), then
//!   dropped if it is mostly another source's speech leaking in (see
//!   [`crate::speakers::crosstalk`]): the words become a turn of the source
//!   where they are loudest, once. Its own speech inside such an utterance
//!   (a "yes" into the tail of a leak) is kept, trimmed.
//! - **Speaker changes** (voice-attributed sources, when the change model
//!   runs): a finished utterance goes to the changes thread
//!   ([`super::changes_stage`]), which has run the change model on its
//!   chunks while it was spoken, cuts it into one final per speaker and
//!   sends those on, so each is transcribed, tagged and attributed on its
//!   own. Other finals go straight to the asr thread.
//!
//! With one source nothing is held.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use super::changes_stage::ChangeJob;
use super::vad_stage::Job;
use super::Counters;
use crate::speakers::crosstalk::{Levels, FRAME, LEAK_FRAMES};

/// Jobs of one utterance are numbered `utterance * PIECES + piece`, so the
/// pieces of an utterance cut where the speaker changes are utterances of
/// their own, and a partial (numbered `utterance * PIECES`) is superseded by
/// the first piece.
pub(crate) const PIECES: u64 = 64;

/// Longest wait for the other sources before the crosstalk check uses what
/// it has (a source that stalled or ended counts as silent).
const MAX_HOLD: Duration = Duration::from_secs(1);

/// Where the utterances of voice-attributed sources go to be cut where the
/// speaker changes.
#[derive(Debug)]
pub(crate) struct ChangeOutlet {
    /// The changes thread's queue.
    pub jobs: SyncSender<ChangeJob>,
    /// Per source index, whether its turns are attributed by voice (a
    /// source `--speaker-map` names is one person: never cut).
    pub voiced: Vec<bool>,
}

/// A finished utterance, whole.
#[derive(Debug)]
pub(crate) struct Utterance {
    /// Source index.
    pub source: usize,
    /// The VAD's utterance number within its source.
    pub number: u64,
    /// Its first sample, counted from the source's start.
    pub start_sample: u64,
    /// Where its audio starts within what the VAD heard as the utterance,
    /// in samples: 0 unless an echo was trimmed off its start. What was
    /// computed while it was spoken (change model chunks, speaker
    /// embedding windows) is placed by this.
    pub offset: usize,
    /// Its audio.
    pub samples: Vec<f32>,
    /// When its last sample entered the pipeline.
    pub arrived: Instant,
    /// A speculative decode the vad thread sent at the start of the pause
    /// that ended it covers all of its audio: the asr thread may use that
    /// decode's text, so the utterance must not cancel it.
    pub covered: bool,
}

/// A finished utterance waiting for the checks.
#[derive(Debug)]
struct Held {
    utterance: Utterance,
    /// When it was held.
    since: Instant,
}

/// Finished utterances on their way to Whisper (see the module docs).
pub(crate) struct Finals {
    changes: Option<ChangeOutlet>,
    /// Levels of every source, with more than one source.
    levels: Option<Levels>,
    held: VecDeque<Held>,
}

impl Finals {
    pub(crate) fn new(n_sources: usize, changes: Option<ChangeOutlet>) -> Finals {
        Finals {
            changes,
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
    pub(crate) fn finish(&mut self, utterance: Utterance) {
        self.held.push_back(Held {
            utterance,
            since: Instant::now(),
        });
    }

    /// True when the utterances of `source` are cut where the speaker
    /// changes, so their chunks are worth running while they are spoken.
    pub(crate) fn runs_early(&self, source: usize) -> bool {
        self.changes
            .as_ref()
            .is_some_and(|c| c.voiced.get(source).copied().unwrap_or(false))
    }

    /// Offers chunk `index` of an utterance in progress to the changes
    /// thread. Never waits: when its queue is full the chunk runs after
    /// the utterance ends instead.
    pub(crate) fn offer_chunk(
        &self,
        source: usize,
        utterance: u64,
        index: usize,
        samples: Vec<f32>,
    ) {
        if let Some(changes) = &self.changes {
            let _ = changes.jobs.try_send(ChangeJob::Chunk {
                source,
                utterance,
                index,
                samples,
            });
        }
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
            let first = &held.utterance;
            let end = first.start_sample + first.samples.len() as u64;
            if let Some(levels) = &self.levels {
                let heard_to = (end / FRAME as u64) + LEAK_FRAMES + 1;
                let others_caught_up = (0..levels.n_sources())
                    .filter(|&s| s != first.source)
                    .all(|s| levels.frames(s) >= heard_to);
                if !flush && !others_caught_up && held.since.elapsed() < MAX_HOLD {
                    return true;
                }
            }
            let mut utterance = self.held.pop_front().expect("front seen").utterance;
            if let Some(levels) = &self.levels {
                let (source, start) = (utterance.source, utterance.start_sample);
                if levels.is_echo(source, start, end) {
                    // Mostly someone else's speech: keep only what this
                    // source said itself, if anything.
                    let Some((from, to)) = levels.own_speech(source, start, end) else {
                        counters.crosstalk_dropped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    utterance.samples =
                        utterance.samples[(from - start) as usize..(to - start) as usize].to_vec();
                    utterance.start_sample = from;
                    utterance.offset += (from - start) as usize;
                    // No longer the audio a speculative decode covered.
                    utterance.covered = false;
                    counters.crosstalk_trimmed.fetch_add(1, Ordering::Relaxed);
                }
            }
            if !self.send(utterance, jobs, counters) {
                return false;
            }
        }
        true
    }

    /// Sends one utterance on: to the changes thread when it is cut where
    /// the speaker changes, else to the asr thread as it is.
    fn send(&self, utterance: Utterance, jobs: &SyncSender<Job>, counters: &Counters) -> bool {
        match &self.changes {
            Some(changes) if self.runs_early(utterance.source) => {
                // Counted from now: a partial decode in progress is
                // cancelled, and stays so until the pieces reach the asr
                // thread (the changes thread counts each piece it sends,
                // then takes this one back). Not when a speculative
                // decode of it may be running: that must not be cancelled.
                if !utterance.covered {
                    counters.finals_waiting.fetch_add(1, Ordering::SeqCst);
                }
                // Finals wait for room: no utterance is ever dropped.
                changes.jobs.send(ChangeJob::Finish(utterance)).is_ok()
            }
            _ => send_pieces(utterance, &[], jobs, counters),
        }
    }
}

/// Sends a finished utterance to the asr thread as one final per piece
/// between `cuts` (sample offsets), in order; false when the asr thread is
/// gone.
pub(crate) fn send_pieces(
    utterance: Utterance,
    cuts: &[usize],
    jobs: &SyncSender<Job>,
    counters: &Counters,
) -> bool {
    let mut from = 0;
    for (piece, to) in cuts
        .iter()
        .copied()
        .take(PIECES as usize - 1)
        .chain([utterance.samples.len()])
        .enumerate()
    {
        let job = Job {
            source: utterance.source,
            utterance: utterance.number * PIECES + piece as u64,
            start_sample: utterance.start_sample + from as u64,
            offset: utterance.offset + from,
            samples: utterance.samples[from..to].to_vec(),
            arrived: utterance.arrived,
            created: Instant::now(),
            is_final: true,
            speculative: false,
            covered: utterance.covered && cuts.is_empty(),
            resumed: None,
        };
        from = to;
        // Counted before it waits: a partial decode in progress is
        // cancelled so the asr thread takes the final at once (unless it
        // is the speculative decode of this very audio).
        if !job.covered {
            counters.finals_waiting.fetch_add(1, Ordering::SeqCst);
        }
        // Finals wait for room: no utterance is ever dropped.
        if jobs.send(job).is_err() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_utterance_trimmed_to_its_own_speech_says_where_it_starts() {
        // Source 0 speaks 6 s; source 1 hears it 40 ms later at half the
        // amplitude and, 2.5 s in, says 0.45 s of its own: source 1's
        // utterance is mostly echo and is trimmed to its own words, whose
        // place in the utterance the final carries for the work done while
        // it was spoken.
        let speech: Vec<f32> = (0..96_000)
            .map(|i| 0.3 * ((i as f32 * 0.37).sin() + (i as f32 * 0.113).cos()))
            .collect();
        let mut ch0 = speech.clone();
        let mut ch1 = vec![0.0; 640];
        ch1.extend(speech.iter().map(|x| x * 0.5));
        ch1.truncate(ch0.len());
        for i in 40_000..47_200 {
            ch0[i] *= 0.1;
            ch1[i] = 0.6 * (i as f32 * 0.21).sin();
        }
        let mut finals = Finals::new(2, None);
        finals.hear(0, &ch0);
        finals.hear(1, &ch1);
        // The utterance starts 1 s into the source.
        finals.finish(Utterance {
            source: 1,
            number: 7,
            start_sample: 16_000,
            offset: 0,
            samples: ch1[16_000..].to_vec(),
            arrived: Instant::now(),
            covered: false,
        });
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        let counters = Counters::default();
        assert!(finals.release(&tx, &counters, true));
        let job = rx.try_recv().expect("own speech sent");
        assert_eq!(counters.crosstalk_trimmed.load(Ordering::Relaxed), 1);
        assert!(
            (39_000..=40_500).contains(&job.start_sample),
            "{}",
            job.start_sample
        );
        assert_eq!(job.offset as u64, job.start_sample - 16_000);
        assert_eq!(job.utterance, 7 * PIECES);
    }
}
