//! [`Segmenter`]: speech probabilities in, utterance boundaries out.

use std::collections::VecDeque;

use super::model::FRAME_SAMPLES;
use crate::audio::SAMPLE_RATE;

/// How probabilities become utterances. All durations are rounded to whole
/// 32 ms frames.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmenterConfig {
    /// A frame at or above this probability starts (or resumes) speech.
    pub onset_threshold: f32,
    /// Once speaking, only a frame below this probability counts as silence.
    /// Frames between the two thresholds keep the current state
    /// (hysteresis), so a voice hovering around one threshold does not
    /// flicker.
    pub offset_threshold: f32,
    /// Speech frames (at or above the thresholds above) needed before an
    /// utterance is reported; shorter blips (a cough, a door) are dropped.
    pub min_speech_ms: u32,
    /// Silence that ends an utterance. This is the end-of-speech latency:
    /// an utterance is reported finished this long after its last speech
    /// frame. Shorter pauses stay inside the utterance.
    pub min_silence_ms: u32,
    /// Audio kept before the first and after the last speech frame, so
    /// soft onsets and word endings reach Whisper. Capped at
    /// `min_silence_ms`, and a start never reaches back into the previous
    /// utterance.
    pub speech_pad_ms: u32,
    /// Longest utterance. A longer one is cut at its quietest frame within
    /// the last `cut_search_ms` and continues as a new utterance.
    pub max_utterance_ms: u32,
    /// How far back from the maximum length to look for the quietest frame
    /// to cut at. Capped at half of `max_utterance_ms`.
    pub cut_search_ms: u32,
    /// Within `cut_search_ms` of the maximum length, a pause this long
    /// already ends the utterance (there, as a `min_silence_ms` pause
    /// would): a long monologue is cut at a breath as soon as one comes,
    /// instead of at its quietest frame once the limit is reached, up to
    /// `cut_search_ms` later. Capped at `min_silence_ms`.
    pub cut_pause_ms: u32,
}

impl Default for SegmenterConfig {
    fn default() -> Self {
        SegmenterConfig {
            onset_threshold: 0.5,
            offset_threshold: 0.35,
            min_speech_ms: 250,
            min_silence_ms: 500,
            speech_pad_ms: 150,
            max_utterance_ms: 60_000,
            cut_search_ms: 2_000,
            cut_pause_ms: 160,
        }
    }
}

/// A pause inside the utterance in progress ([`Segmenter::pause`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    /// Sample where the silence began.
    pub at: u64,
    /// Samples of silence heard since.
    pub heard: u64,
    /// Where the utterance will end (its padding included) if this pause
    /// grows to `min_silence_ms`.
    pub end_sample: u64,
}

/// A boundary found by the [`Segmenter`]. Sample positions count 16 kHz
/// samples since the segmenter started or was reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentEvent {
    /// Confirmed speech began at `at_sample` (padding included). The event
    /// arrives once `min_speech_ms` of speech was heard, so `at_sample` lies
    /// in the past: keep audio from [`Segmenter::retain_from`] on.
    SpeechStart {
        /// First sample of the utterance.
        at_sample: u64,
    },
    /// The utterance that started at `start_sample` is complete.
    SpeechEnd {
        /// First sample of the utterance (as in its `SpeechStart`).
        start_sample: u64,
        /// One past its last sample (padding included).
        end_sample: u64,
    },
}

/// Turns per-frame speech probabilities (from [`super::Vad::push`]) into
/// [`SegmentEvent`]s. A pure state machine: no model, no clock, no IO.
///
/// Every `SpeechStart` is followed by exactly one `SpeechEnd` with the same
/// start, utterances never overlap, and they come in order.
#[derive(Debug, Clone)]
pub struct Segmenter {
    /// Thresholds as given.
    onset_threshold: f32,
    offset_threshold: f32,
    /// Durations converted to frames or samples.
    min_speech_frames: u64,
    min_silence_frames: u64,
    pad_samples: u64,
    max_utterance_samples: u64,
    cut_search_frames: usize,
    cut_pause_frames: u64,
    /// Frames seen so far.
    n_frames: u64,
    /// Hysteresis state: true after a frame at or above the onset until a
    /// frame below the offset.
    voiced: bool,
    /// Where the current run of unvoiced frames started, if in one.
    silence_start_frame: Option<u64>,
    /// The utterance being heard, if any.
    current: Option<Current>,
    /// End of the last reported utterance: the next one may not start
    /// before it.
    last_end_sample: u64,
    /// Probabilities of the most recent frames, for choosing where to cut
    /// an overlong utterance. At most `cut_search_frames` long.
    recent: VecDeque<f32>,
}

/// An utterance in progress.
#[derive(Debug, Clone, Copy)]
struct Current {
    /// First sample, padding included.
    start_sample: u64,
    /// Voiced frames so far (used to confirm it).
    n_voiced_frames: u64,
    /// Whether `SpeechStart` was emitted.
    confirmed: bool,
}

fn ms_to_frames(ms: u32) -> u64 {
    (u64::from(ms) * u64::from(SAMPLE_RATE) / 1000).div_ceil(FRAME_SAMPLES as u64)
}

fn ms_to_samples(ms: u32) -> u64 {
    u64::from(ms) * u64::from(SAMPLE_RATE) / 1000
}

impl Segmenter {
    /// A segmenter at sample 0.
    pub fn new(config: &SegmenterConfig) -> Segmenter {
        let min_silence_frames = ms_to_frames(config.min_silence_ms).max(1);
        let max_utterance_samples =
            ms_to_samples(config.max_utterance_ms).max(4 * FRAME_SAMPLES as u64);
        let cut_search_frames = ms_to_frames(config.cut_search_ms)
            .clamp(1, max_utterance_samples / 2 / FRAME_SAMPLES as u64);
        Segmenter {
            onset_threshold: config.onset_threshold,
            offset_threshold: config.offset_threshold.min(config.onset_threshold),
            min_speech_frames: ms_to_frames(config.min_speech_ms).max(1),
            min_silence_frames,
            pad_samples: ms_to_samples(config.speech_pad_ms)
                .min(min_silence_frames * FRAME_SAMPLES as u64),
            max_utterance_samples,
            cut_search_frames: cut_search_frames as usize,
            cut_pause_frames: ms_to_frames(config.cut_pause_ms).clamp(1, min_silence_frames),
            n_frames: 0,
            voiced: false,
            silence_start_frame: None,
            current: None,
            last_end_sample: 0,
            recent: VecDeque::with_capacity(cut_search_frames as usize + 1),
        }
    }

    /// Forgets everything and starts again at sample 0.
    pub fn reset(&mut self) {
        self.n_frames = 0;
        self.voiced = false;
        self.silence_start_frame = None;
        self.current = None;
        self.last_end_sample = 0;
        self.recent.clear();
    }

    /// Feeds the probabilities of the next frames, in order, and returns the
    /// events they complete.
    pub fn push(&mut self, speech_probs: &[f32]) -> Vec<SegmentEvent> {
        let mut events = Vec::new();
        for &prob in speech_probs {
            self.push_frame(prob, &mut events);
        }
        events
    }

    /// Ends the stream: closes a confirmed utterance at the last sample seen
    /// (or after its trailing silence and padding), drops an unconfirmed one.
    /// The segmenter can go on afterwards as if the stream had been cut here.
    pub fn finish(&mut self) -> Option<SegmentEvent> {
        let now = self.n_frames * FRAME_SAMPLES as u64;
        let current = self.current.take()?;
        let silence_start = self.silence_start_frame.take();
        self.voiced = false;
        if !current.confirmed {
            return None;
        }
        let end = match silence_start {
            Some(frame) => (frame * FRAME_SAMPLES as u64 + self.pad_samples).min(now),
            None => now,
        };
        Some(self.end(current, end))
    }

    /// The pause the confirmed utterance in progress is in, if any.
    pub fn pause(&self) -> Option<Pause> {
        let current = self.current?;
        let silence_start = self.silence_start_frame?;
        current.confirmed.then(|| {
            let at = silence_start * FRAME_SAMPLES as u64;
            let now = self.position();
            Pause {
                at,
                heard: now - at,
                end_sample: (at + self.pad_samples)
                    .min(now)
                    .min(current.start_sample + self.max_utterance_samples),
            }
        })
    }

    /// Sample position the segmenter has reached (frames seen × 512).
    pub fn position(&self) -> u64 {
        self.n_frames * FRAME_SAMPLES as u64
    }

    /// Earliest sample a future event can refer to. Audio before it will
    /// never be part of an utterance and can be dropped by the caller.
    pub fn retain_from(&self) -> u64 {
        match self.current {
            Some(current) => current.start_sample,
            None => self
                .position()
                .saturating_sub(self.pad_samples)
                .max(self.last_end_sample),
        }
    }

    fn push_frame(&mut self, prob: f32, events: &mut Vec<SegmentEvent>) {
        let frame = self.n_frames;
        self.n_frames += 1;
        let frame_start = frame * FRAME_SAMPLES as u64;
        let now = self.n_frames * FRAME_SAMPLES as u64;
        // NaN counts as silence.
        if prob >= self.onset_threshold {
            self.voiced = true;
        } else if prob < self.offset_threshold || prob.is_nan() {
            self.voiced = false;
        }
        if self.recent.len() == self.cut_search_frames {
            self.recent.pop_front();
        }
        self.recent.push_back(prob);

        if self.voiced {
            self.silence_start_frame = None;
            let pad_samples = self.pad_samples;
            let last_end_sample = self.last_end_sample;
            let current = self.current.get_or_insert_with(|| Current {
                start_sample: frame_start.saturating_sub(pad_samples).max(last_end_sample),
                n_voiced_frames: 0,
                confirmed: false,
            });
            current.n_voiced_frames += 1;
            if !current.confirmed && current.n_voiced_frames >= self.min_speech_frames {
                current.confirmed = true;
                events.push(SegmentEvent::SpeechStart {
                    at_sample: current.start_sample,
                });
            }
        } else if let Some(current) = self.current {
            let silence_start = *self.silence_start_frame.get_or_insert(frame);
            let silence = frame + 1 - silence_start;
            // Near the maximum length, a short pause is where to cut.
            let near_limit = silence_start * FRAME_SAMPLES as u64
                + self.cut_search_frames as u64 * FRAME_SAMPLES as u64
                >= current.start_sample + self.max_utterance_samples;
            if silence >= self.min_silence_frames
                || (current.confirmed && near_limit && silence >= self.cut_pause_frames)
            {
                self.current = None;
                self.silence_start_frame = None;
                if current.confirmed {
                    // Padding never takes it past the maximum length.
                    let end = (silence_start * FRAME_SAMPLES as u64 + self.pad_samples)
                        .min(now)
                        .min(current.start_sample + self.max_utterance_samples);
                    events.push(self.end(current, end));
                }
                return;
            }
        }

        if let Some(current) = self.current {
            if current.confirmed && now - current.start_sample >= self.max_utterance_samples {
                self.cut(current, now, events);
            }
        }
    }

    /// Cuts an utterance that reached the maximum length and goes on with a
    /// new one from the cut.
    fn cut(&mut self, current: Current, now: u64, events: &mut Vec<SegmentEvent>) {
        let frame_samples = FRAME_SAMPLES as u64;
        // Normally `now` is at most one frame past the limit; an utterance
        // confirmed late (sparse speech frames) can be past it already.
        let limit = current.start_sample + self.max_utterance_samples;
        if let Some(silence_start) = self.silence_start_frame {
            // Already in a pause: end the utterance there, as a long enough
            // pause would have, and let speech that follows start afresh.
            let end = (silence_start * frame_samples + self.pad_samples)
                .min(now)
                .min(limit);
            self.current = None;
            self.silence_start_frame = None;
            events.push(self.end(current, end));
            return;
        }
        // The quietest recent frame that starts inside the allowed length;
        // the latest one among equals, so the new utterance starts as late
        // as possible.
        let first_recent_frame = self.n_frames - self.recent.len() as u64;
        let mut quietest: Option<(u64, f32)> = None;
        for (ix, &p) in self.recent.iter().enumerate() {
            let frame = first_recent_frame + ix as u64;
            let frame_start = frame * frame_samples;
            if frame_start <= current.start_sample || frame_start > limit {
                continue;
            }
            if quietest.is_none_or(|(_, best)| p <= best) {
                quietest = Some((frame, p));
            }
        }
        let cut_sample = quietest.map_or(limit, |(frame, _)| frame * frame_samples);
        events.push(self.end(current, cut_sample));
        // Audio after the cut is part of the new utterance; it is speech
        // already, so it is confirmed at once.
        let n_frames_after_cut = (now - cut_sample).div_ceil(frame_samples);
        self.current = Some(Current {
            start_sample: cut_sample,
            n_voiced_frames: n_frames_after_cut,
            confirmed: true,
        });
        events.push(SegmentEvent::SpeechStart {
            at_sample: cut_sample,
        });
        // The next cut must look at frames after this one only.
        while self.recent.len() as u64 > n_frames_after_cut {
            self.recent.pop_front();
        }
    }

    fn end(&mut self, current: Current, end_sample: u64) -> SegmentEvent {
        self.last_end_sample = end_sample;
        SegmentEvent::SpeechEnd {
            start_sample: current.start_sample,
            end_sample,
        }
    }
}
