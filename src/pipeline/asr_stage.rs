//! The asr thread: owns the Whisper model and decodes utterances. Finals are
//! decoded in order and never dropped; partials are best effort: only the
//! newest per source is decoded, and none while transcription lags.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::vad_stage::Job;
use super::{AsrOutput, Counters};
use crate::asr::{self, AudioCtx};
use crate::audio::SAMPLE_RATE;

/// Partials are skipped while the newest decoded audio is older than this.
const MAX_PARTIAL_LAG: Duration = Duration::from_millis(1500);

/// Runs until `jobs` closes and everything queued is decoded.
pub(crate) fn run(
    mut model: asr::Model,
    options: asr::Options,
    jobs: Receiver<Job>,
    out: mpsc::Sender<AsrOutput>,
    counters: Arc<Counters>,
    status_interval_s: f64,
) {
    let partial_options = asr::Options {
        audio_ctx: AudioCtx::Fit,
        ..options.clone()
    };
    let status_every = Duration::from_secs_f64(status_interval_s.max(0.1));
    let mut finals: VecDeque<Job> = VecDeque::new();
    let mut partials: HashMap<usize, Job> = HashMap::new();
    let mut previous_partial: HashMap<usize, (u64, String)> = HashMap::new();
    let mut last_status = Instant::now();
    let mut busy = Duration::ZERO;
    let mut decoded_audio_s = 0.0;
    let mut lag_s = 0.0f64;
    let mut closed = false;

    loop {
        // Take everything waiting; block only when there is nothing to do.
        if finals.is_empty() && partials.is_empty() && !closed {
            match jobs.recv_timeout(status_every) {
                Ok(job) => queue(job, &mut finals, &mut partials, &counters),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => closed = true,
            }
        }
        loop {
            match jobs.try_recv() {
                Ok(job) => queue(job, &mut finals, &mut partials, &counters),
                Err(std::sync::mpsc::TryRecvError::Empty) => break,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    closed = true;
                    break;
                }
            }
        }

        if let Some(job) = finals.pop_front() {
            let started = Instant::now();
            let text = decode(&mut model, &job.samples, &options);
            busy += started.elapsed();
            decoded_audio_s += job.samples.len() as f64 / SAMPLE_RATE as f64;
            lag_s = job.arrived.elapsed().as_secs_f64();
            previous_partial.remove(&job.source);
            if !text.is_empty() {
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
            }
        } else if let Some(source) = partials.keys().next().copied() {
            let job = partials.remove(&source).expect("key just seen");
            if job.arrived.elapsed() > MAX_PARTIAL_LAG {
                counters.skipped_partials.fetch_add(1, Ordering::Relaxed);
            } else {
                let started = Instant::now();
                let text = decode(&mut model, &job.samples, &partial_options);
                busy += started.elapsed();
                decoded_audio_s += job.samples.len() as f64 / SAMPLE_RATE as f64;
                lag_s = job.arrived.elapsed().as_secs_f64();
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
            }
        } else if closed {
            return;
        }

        if last_status.elapsed() >= status_every {
            let rtf = if decoded_audio_s > 0.0 {
                busy.as_secs_f64() / decoded_audio_s
            } else {
                0.0
            };
            if finals.is_empty() && partials.is_empty() {
                // Idle: nothing waits, so transcription is caught up.
                lag_s = 0.0;
            }
            if out.blocking_send(AsrOutput::Status { rtf, lag_s }).is_err() {
                return;
            }
            last_status = Instant::now();
            busy = Duration::ZERO;
            decoded_audio_s = 0.0;
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

fn decode(model: &mut asr::Model, samples: &[f32], options: &asr::Options) -> String {
    match model.transcribe_clip(samples, options) {
        Ok(segments) => segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        Err(_) => String::new(),
    }
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

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
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
