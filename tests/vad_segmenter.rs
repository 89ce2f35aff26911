//! The segmenter alone, on synthetic probability sequences: hysteresis,
//! minimum speech, minimum silence, padding and the maximum-length cut.
//!
//! Each case is a list of runs `(probability, n_frames)` (a frame is 512
//! samples, 32 ms) and the rendered events, one per line, as
//! `@<frame the event came out at> start <sample>` or
//! `@<frame> end <start>..<end>`, with `finish` for what `finish()` returned.

use blameless::vad::{Pause, SegmentEvent, Segmenter, SegmenterConfig, FRAME_SAMPLES};

fn probs(runs: &[(f32, usize)]) -> Vec<f32> {
    runs.iter()
        .flat_map(|&(p, n)| std::iter::repeat_n(p, n))
        .collect()
}

fn render(event: &SegmentEvent) -> String {
    match event {
        SegmentEvent::SpeechStart { at_sample } => format!("start {at_sample}"),
        SegmentEvent::SpeechEnd {
            start_sample,
            end_sample,
        } => format!("end {start_sample}..{end_sample}"),
    }
}

fn run(config: &SegmenterConfig, runs: &[(f32, usize)]) -> String {
    let mut segmenter = Segmenter::new(config);
    let mut lines = Vec::new();
    for (frame, p) in probs(runs).into_iter().enumerate() {
        for event in segmenter.push(&[p]) {
            lines.push(format!("@{frame} {}", render(&event)));
        }
    }
    if let Some(event) = segmenter.finish() {
        lines.push(format!("finish {}", render(&event)));
    }
    lines.join("\n")
}

#[track_caller]
fn check(runs: &[(f32, usize)], expect: &str) {
    check_with(&SegmenterConfig::default(), runs, expect);
}

#[track_caller]
fn check_with(config: &SegmenterConfig, runs: &[(f32, usize)], expect: &str) {
    let actual = run(config, runs);
    let expect = expect
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(actual, expect, "\nruns: {runs:?}\nactual:\n{actual}\n");
}

// With the defaults: min speech 250 ms = 8 frames, min silence 500 ms = 16
// frames, padding 150 ms = 2400 samples, max 60 s = 960000 samples, cut
// search 2 s = 63 frames. The maximum-length cases set max 20 s = 320000
// samples = 625 frames, to keep them short.

/// The defaults with a 20 s maximum utterance.
fn max_20_s() -> SegmenterConfig {
    SegmenterConfig {
        max_utterance_ms: 20_000,
        ..SegmenterConfig::default()
    }
}

#[test]
fn the_default_maximum_keeps_a_minute_long_monologue_whole() {
    // 56 s of speech with a 320 ms breath every 10 s: one utterance,
    // ended 16 frames into the silence at frame 1765.
    let mut runs = Vec::new();
    for _ in 0..5 {
        runs.extend([(0.9, 303), (0.0, 10)]);
    }
    runs.extend([(0.9, 200), (0.0, 20)]);
    check(
        &runs,
        "@7 start 0
         @1780 end 0..906080",
    );
}

#[test]
fn the_pause_in_progress_is_reported_from_its_first_silent_frame() {
    let mut segmenter = Segmenter::new(&SegmenterConfig::default());
    // Before any confirmed speech: no pause.
    segmenter.push(&probs(&[(0.0, 5), (0.9, 4)]));
    assert_eq!(segmenter.pause(), None);
    segmenter.push(&probs(&[(0.9, 10)]));
    assert_eq!(segmenter.pause(), None, "speaking");
    segmenter.push(&probs(&[(0.0, 7)]));
    let at = 19 * FRAME_SAMPLES as u64;
    assert_eq!(
        segmenter.pause(),
        Some(Pause {
            at,
            heard: 7 * FRAME_SAMPLES as u64,
            // Padding: 150 ms.
            end_sample: at + 2400,
        })
    );
    // Speech again: the pause is over; a later one starts afresh. Its
    // padding is not all heard yet.
    segmenter.push(&probs(&[(0.9, 3), (0.0, 2)]));
    let at = 29 * FRAME_SAMPLES as u64;
    assert_eq!(
        segmenter.pause(),
        Some(Pause {
            at,
            heard: 2 * FRAME_SAMPLES as u64,
            end_sample: at + 2 * FRAME_SAMPLES as u64,
        })
    );
    // The pause ends the utterance where it said; then there is none.
    let events = segmenter.push(&probs(&[(0.0, 14)]));
    assert_eq!(
        events,
        vec![SegmentEvent::SpeechEnd {
            // Speech from frame 5, padded.
            start_sample: 5 * FRAME_SAMPLES as u64 - 2400,
            end_sample: at + 2400
        }]
    );
    assert_eq!(segmenter.pause(), None);
}

#[test]
fn silence_gives_nothing() {
    check(&[(0.0, 500)], "");
    check(&[(0.2, 500)], "");
}

#[test]
fn one_second_of_speech_is_one_padded_utterance() {
    // Speech frames 31..62: samples 15872..31744, padded by 2400 each side.
    // The start is confirmed after 8 speech frames (frame 38), the end after
    // 16 silent frames (frame 77).
    check(
        &[(0.0, 31), (0.9, 31), (0.0, 31)],
        "@38 start 13472
         @77 end 13472..34144",
    );
}

#[test]
fn padding_stops_at_the_start_of_the_stream() {
    check(
        &[(0.9, 20), (0.0, 20)],
        "@7 start 0
         @35 end 0..12640",
    );
}

#[test]
fn blips_shorter_than_min_speech_are_dropped() {
    check(&[(0.0, 10), (0.9, 7), (0.0, 40)], "");
    // Several blips whose pauses are long enough to end them each time.
    check(
        &[
            (0.9, 5),
            (0.0, 16),
            (0.9, 5),
            (0.0, 16),
            (0.9, 5),
            (0.0, 16),
        ],
        "",
    );
    check(
        &[(0.0, 10), (0.9, 8), (0.0, 40)],
        "@17 start 2720
         @33 end 2720..11616",
    );
}

#[test]
fn hysteresis_keeps_speech_between_the_thresholds() {
    // 0.4 is below the onset (0.5) but above the offset (0.35): it never
    // starts speech...
    check(&[(0.4, 100), (0.0, 20)], "");
    // ...but it continues speech that started above the onset: the
    // utterance ends where the probability falls below the offset.
    check(
        &[(0.9, 10), (0.4, 30), (0.0, 20)],
        "@7 start 0
         @55 end 0..22880",
    );
    // Hovering around the onset does not flicker.
    check(
        &[
            (0.9, 10),
            (0.45, 3),
            (0.55, 3),
            (0.45, 3),
            (0.55, 3),
            (0.0, 20),
        ],
        "@7 start 0
         @37 end 0..13664",
    );
}

#[test]
fn a_short_pause_stays_inside_the_utterance() {
    check(
        &[(0.9, 20), (0.0, 15), (0.9, 20), (0.0, 20)],
        "@7 start 0
         @70 end 0..30560",
    );
}

#[test]
fn a_long_pause_splits_without_overlap() {
    // Exactly min silence (16 frames): the first utterance ends at 10240 +
    // 2400 = 12640; the second one's padding may not reach back before it
    // (36 * 512 - 2400 = 16032 is after it here).
    check(
        &[(0.9, 20), (0.0, 16), (0.9, 20), (0.0, 20)],
        "@7 start 0
         @35 end 0..12640
         @43 start 16032
         @71 end 16032..31072",
    );
    // With a pause as short as allowed and padding as long as allowed
    // (500 ms each), padding is clamped to the previous end.
    let config = SegmenterConfig {
        speech_pad_ms: 500,
        ..SegmenterConfig::default()
    };
    check_with(
        &config,
        &[(0.9, 20), (0.0, 16), (0.9, 20), (0.0, 20)],
        "@7 start 0
         @35 end 0..18240
         @43 start 18240
         @71 end 18240..36672",
    );
}

#[test]
fn min_silence_sets_the_end_of_speech_latency() {
    let config = SegmenterConfig {
        min_silence_ms: 200,
        speech_pad_ms: 100,
        ..SegmenterConfig::default()
    };
    // 200 ms = 7 frames: the end comes out 7 frames after the last speech
    // frame instead of 16.
    check_with(
        &config,
        &[(0.9, 20), (0.0, 30)],
        "@7 start 0
         @26 end 0..11840",
    );
}

#[test]
fn nan_counts_as_silence() {
    check(
        &[(0.9, 20), (f32::NAN, 20)],
        "@7 start 0
         @35 end 0..12640",
    );
    check(&[(f32::NAN, 100)], "");
}

#[test]
fn overlong_speech_is_cut_at_its_quietest_recent_frame() {
    // 20 s = 625 frames. The dip at frame 600 lies within the last 2 s
    // before the limit, so the cut goes there: sample 600 * 512 = 307200.
    // The rest is a new utterance, confirmed at once.
    check_with(
        &max_20_s(),
        &[(0.9, 600), (0.6, 1), (0.9, 336), (0.0, 20)],
        "@7 start 0
         @624 end 0..307200
         @624 start 307200
         @952 end 307200..482144",
    );
}

#[test]
fn uniform_speech_is_cut_at_the_limit_repeatedly() {
    // Without a dip, the latest of the equally quiet frames is chosen: the
    // cut falls on the last frame before the limit, every 20 s.
    check_with(
        &max_20_s(),
        &[(0.9, 1400)],
        "@7 start 0
         @624 end 0..319488
         @624 start 319488
         @1248 end 319488..638976
         @1248 start 638976
         finish end 638976..716800",
    );
}

#[test]
fn near_the_limit_a_short_pause_ends_the_utterance_at_once() {
    // A 6-frame pause at 9.6 s stays inside the utterance (shorter than min
    // silence). One at frame 580 (18.6 s, within the last 2 s before the
    // 20 s limit) ends it as soon as it is 5 frames (160 ms) long: at frame
    // 584, at the pause plus padding (580 * 512 + 2400 = 299360), not at
    // the limit (frame 624). What follows starts afresh.
    check_with(
        &max_20_s(),
        &[
            (0.9, 300),
            (0.0, 6),
            (0.9, 274),
            (0.0, 6),
            (0.9, 100),
            (0.0, 20),
        ],
        "@7 start 0
         @584 end 0..299360
         @593 start 299360
         @701 end 299360..353632",
    );
}

#[test]
fn a_pause_at_the_limit_ends_the_utterance_there() {
    // The pause starts at frame 620 (5 frames before the limit) and is
    // shorter than min silence: at the limit the utterance ends at the
    // pause plus padding, and the speech after the pause starts afresh.
    check_with(
        &max_20_s(),
        &[(0.9, 620), (0.0, 10), (0.9, 20), (0.0, 20)],
        "@7 start 0
         @624 end 0..319840
         @637 start 320160
         @665 end 320160..335200",
    );
}

#[test]
fn finish_closes_confirmed_speech_and_drops_the_rest() {
    check(
        &[(0.0, 10), (0.9, 20)],
        "@17 start 2720
         finish end 2720..15360",
    );
    // In trailing silence shorter than min silence: end after the padding.
    check(
        &[(0.9, 20), (0.0, 10)],
        "@7 start 0
         finish end 0..12640",
    );
    check(&[(0.0, 10), (0.9, 5)], "");
}

#[test]
fn chunking_the_probabilities_does_not_change_the_events() {
    let all = noisy_probs(20_000, 7);
    let config = SegmenterConfig::default();
    let mut whole = Segmenter::new(&config);
    let mut expected = whole.push(&all);
    expected.extend(whole.finish());

    let mut chunked = Segmenter::new(&config);
    let mut actual = Vec::new();
    let mut rest = &all[..];
    let mut state = 12345_u64;
    while !rest.is_empty() {
        state = lcg(state);
        let n = ((state >> 33) as usize % 50).min(rest.len());
        actual.extend(chunked.push(&rest[..n]));
        rest = &rest[n..];
    }
    actual.extend(chunked.finish());
    assert!(!expected.is_empty());
    assert_eq!(actual, expected);
}

#[test]
fn invariants_hold_on_random_sequences() {
    for seed in 0..40 {
        let config = SegmenterConfig {
            min_silence_ms: 100 + 50 * (seed % 10),
            max_utterance_ms: 3_000 + 1_000 * (seed % 5),
            ..SegmenterConfig::default()
        };
        let all = noisy_probs(5_000, u64::from(seed));
        let mut segmenter = Segmenter::new(&config);
        let mut events = Vec::new();
        for (i, chunk) in all.chunks(37).enumerate() {
            events.extend(segmenter.push(chunk));
            // Everything still to be reported starts at or after
            // retain_from.
            let retain_from = segmenter.retain_from();
            assert!(retain_from <= segmenter.position(), "chunk {i}");
        }
        events.extend(segmenter.finish());
        let mut open: Option<u64> = None;
        let mut last_end = 0;
        for event in &events {
            match *event {
                SegmentEvent::SpeechStart { at_sample } => {
                    assert!(open.is_none(), "seed {seed}: start inside an utterance");
                    assert!(at_sample >= last_end, "seed {seed}: overlap");
                    open = Some(at_sample);
                }
                SegmentEvent::SpeechEnd {
                    start_sample,
                    end_sample,
                } => {
                    assert_eq!(open.take(), Some(start_sample), "seed {seed}");
                    assert!(end_sample > start_sample, "seed {seed}");
                    assert!(
                        end_sample - start_sample <= u64::from(config.max_utterance_ms) * 16,
                        "seed {seed}: {event:?} too long"
                    );
                    last_end = end_sample;
                }
            }
        }
        assert!(open.is_none(), "seed {seed}: unterminated");
        assert!(last_end <= (all.len() * FRAME_SAMPLES) as u64);
    }
}

fn lcg(state: u64) -> u64 {
    state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
}

/// Probabilities that switch between speech-like and silence-like stretches
/// of random length, with jitter.
fn noisy_probs(n: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_add(1);
    let mut out = Vec::with_capacity(n);
    let mut speaking = false;
    while out.len() < n {
        state = lcg(state);
        let run = 1 + (state >> 33) as usize % 60;
        for _ in 0..run {
            state = lcg(state);
            let jitter = (state >> 40) as f32 / (1u64 << 24) as f32;
            out.push(if speaking {
                0.3 + 0.7 * jitter
            } else {
                0.45 * jitter
            });
        }
        speaking = !speaking;
    }
    out.truncate(n);
    out
}
