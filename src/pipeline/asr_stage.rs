//! The asr thread: owns the Whisper model and decodes utterances. Finals are
//! decoded in order and never dropped; partials are best effort: only the
//! newest per source is decoded, and none while transcription lags. A final
//! that cannot be decoded (Whisper failed, or the user stopped the meeting
//! before its turn came) still becomes a turn, marked untranscribed.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::vad_stage::Job;
use super::{round3, AsrOutput, Counters, Untranscribed};
use crate::asr::{self, AudioCtx};
use crate::audio::SAMPLE_RATE;

/// Partials are skipped while the newest decoded audio is older than this.
const MAX_PARTIAL_LAG: Duration = Duration::from_millis(1500);

/// Runs until `jobs` closes and everything queued is decoded. Once
/// `abandon` is set, nothing more is decoded: finals are handed on
/// untranscribed (their audio is stored) and partials are dropped.
pub(crate) fn run(
    mut model: asr::Model,
    options: asr::Options,
    jobs: Receiver<Job>,
    out: mpsc::Sender<AsrOutput>,
    counters: Arc<Counters>,
    abandon: Arc<AtomicBool>,
) {
    let partial_options = asr::Options {
        audio_ctx: AudioCtx::Fit,
        temperature_fallback: false,
        ..options.clone()
    };
    model.warm_up(&partial_options);
    let mut finals: VecDeque<Job> = VecDeque::new();
    let mut partials: HashMap<usize, Job> = HashMap::new();
    let mut previous_partial: HashMap<usize, (u64, String)> = HashMap::new();
    let mut closed = false;

    loop {
        // Take everything waiting; block only when there is nothing to do.
        if finals.is_empty() && partials.is_empty() && !closed {
            // Idle: nothing waits, so transcription is caught up.
            counters.asr_lag_ms.store(0, Ordering::Relaxed);
            match jobs.recv() {
                Ok(job) => queue(job, &mut finals, &mut partials, &counters),
                Err(_) => closed = true,
            }
        }
        loop {
            match jobs.try_recv() {
                Ok(job) => queue(job, &mut finals, &mut partials, &counters),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    closed = true;
                    break;
                }
            }
        }

        if let Some(job) = finals.pop_front() {
            previous_partial.remove(&job.source);
            let text = if abandon.load(Ordering::Relaxed) {
                Err(Untranscribed::Stopped)
            } else {
                decode(&mut model, &job, &options, &counters).map_err(Untranscribed::Failed)
            };
            // Empty text is Whisper hearing no words (the guards' verdict),
            // not a failure: no turn.
            if text.as_ref().is_ok_and(String::is_empty) {
                continue;
            }
            let start = job.start_sample as f64 / SAMPLE_RATE as f64;
            let output = AsrOutput::Turn {
                source: job.source,
                start: round3(start),
                end: round3(start + job.samples.len() as f64 / SAMPLE_RATE as f64),
                text,
                end_arrived: job.arrived,
            };
            if out.blocking_send(output).is_err() {
                return;
            }
        } else if let Some(source) = partials.keys().next().copied() {
            let job = partials.remove(&source).expect("key just seen");
            if job.arrived.elapsed() > MAX_PARTIAL_LAG || abandon.load(Ordering::Relaxed) {
                counters.skipped_partials.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            // A failed partial is not reported: its final will be, as an
            // untranscribed turn with a warning.
            let Ok(text) = decode(&mut model, &job, &partial_options, &counters) else {
                continue;
            };
            let stable = match previous_partial.get(&job.source) {
                Some((utterance, before)) if *utterance == job.utterance => {
                    common_words(before, &text)
                }
                _ => String::new(),
            };
            previous_partial.insert(job.source, (job.utterance, text.clone()));
            if !text.is_empty() {
                let output = AsrOutput::Partial {
                    source: job.source,
                    start: round3(job.start_sample as f64 / SAMPLE_RATE as f64),
                    text,
                    stable,
                };
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
) {
    if job.is_final {
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

/// Decodes a job's audio and accounts for the time it took.
fn decode(
    model: &mut asr::Model,
    job: &Job,
    options: &asr::Options,
    counters: &Counters,
) -> Result<String, asr::AsrError> {
    let started = Instant::now();
    let result = model.transcribe_clip(&job.samples, options);
    counters
        .asr_busy_ns
        .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    counters
        .asr_samples
        .fetch_add(job.samples.len() as u64, Ordering::Relaxed);
    counters
        .asr_lag_ms
        .store(job.arrived.elapsed().as_millis() as u64, Ordering::Relaxed);
    Ok(result?
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" "))
}

/// The words two successive hypotheses agree on, from the start.
fn common_words(a: &str, b: &str) -> String {
    a.split_whitespace()
        .zip(b.split_whitespace())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_prefix_is_the_agreed_words() {
        assert_eq!(
            common_words("we rolled back at", "we rolled back at two"),
            "we rolled back at"
        );
        assert_eq!(common_words("we rolled", "he rolled"), "");
    }
}
