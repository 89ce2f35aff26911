//! The live pipeline as a library: what a caller of `pipeline::run` sees
//! when a stage fails, with the real models on real speech.

mod common;

use blameless::events::Event;
use blameless::pipeline::{self, Pace, SourceSpec};
use blameless::store::{MeetingStatus, Store};
use common::{model_path, models_dir, sample};

fn config(language: &str) -> pipeline::Config {
    pipeline::Config {
        sources: vec![SourceSpec::File {
            path: sample("jfk.wav"),
            pace: Pace::Max,
        }],
        title: "decode errors".into(),
        model_path: model_path("tiny.en"),
        model_name: "tiny.en".into(),
        vad_model_path: blameless::vad::model_path(&models_dir()).unwrap(),
        asr: blameless::asr::Options {
            language: Some(language.into()),
            threads: 1,
            ..Default::default()
        },
        threads_follow_load: false,
        segmenter: Default::default(),
        partial_interval_s: 1.0,
        status_interval_s: 1.0,
        nudges: None,
        facilitator: None,
        speakers: None,
        speaker_map: Vec::new(),
        encoder: None,
        store_audio: true,
    }
}

/// Issue 14: a decode error used to become empty text, and the turn
/// vanished. Now it is a warning and a stored turn marked untranscribed,
/// with its times, so it can be found and transcribed later.
#[test]
fn a_turn_whisper_cannot_decode_is_stored_untranscribed_with_a_warning() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut events = Vec::new();
    // An English-only model asked for German: every decode fails for real.
    // (The CLI refuses this pair up front; the library must still be loud.)
    let (_keep, stops) = tokio::sync::mpsc::channel(1);
    let summary = runtime
        .block_on(pipeline::run(config("de"), &store, stops, |event| {
            events.push(event.clone());
            Ok(())
        }))
        .unwrap();
    // jfk.wav's four phrases: every one is a turn, none has text.
    assert_eq!(summary.n_turns, 4, "{events:?}");
    assert_eq!(summary.n_untranscribed, 4);
    assert_eq!(summary.meeting.status, MeetingStatus::Complete);

    let turns: Vec<(u64, f64, f64, String)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Turn {
                id,
                text,
                untranscribed,
                start,
                end,
                ..
            } => {
                assert_eq!(text, "");
                Some((*id, *start, *end, untranscribed.clone().expect("marked")))
            }
            _ => None,
        })
        .collect();
    assert_eq!(turns.len(), 4);
    assert!(
        turns[0].1 < 1.0 && turns[3].2 > 10.0,
        "the speech's times: {turns:?}"
    );
    for (id, _, _, reason) in &turns {
        assert!(reason.contains("English-only"), "{reason}");
        assert!(
            events.iter().any(|e| matches!(e, Event::Warning { message, .. }
                if message.contains(&format!("turn {id} ")) && message.contains("could not be transcribed"))),
            "no warning for turn {id}: {events:?}"
        );
    }

    let stored = store.load(summary.meeting.id.as_str()).unwrap();
    assert_eq!(stored.turns.len(), 4);
    for (turn, (_, start, end, reason)) in stored.turns.iter().zip(&turns) {
        assert_eq!(turn.untranscribed.as_ref(), Some(reason));
        assert_eq!((turn.start, turn.end), (*start, *end));
    }
}

/// Issue 14: stage errors used to be flattened into strings. The cause is
/// now the error's source, for callers to inspect and print as a chain.
#[test]
fn a_stage_error_keeps_its_cause() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let notes = home.path().join("notes.wav");
    std::fs::write(&notes, "not audio at all\n".repeat(10)).unwrap();
    let mut config = config("en");
    config.sources = vec![SourceSpec::File {
        path: notes,
        pace: Pace::Max,
    }];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_keep, stops) = tokio::sync::mpsc::channel(1);
    let error = runtime
        .block_on(pipeline::run(config, &store, stops, |_| Ok(())))
        .unwrap_err();
    let cause = std::error::Error::source(&error).expect("a source");
    assert!(
        cause
            .downcast_ref::<blameless::audio::AudioError>()
            .is_some(),
        "{cause:?}"
    );
    assert!(store.list().unwrap().is_empty(), "no meeting is created");
}

/// What the asr thread relies on to keep turn latency flat: a decode is
/// cancelled when a final waits, and the tail of a turn decoded with the
/// committed start as its prompt continues it.
#[test]
fn a_clip_decode_is_cancelled_by_its_counter_and_continues_its_context() {
    use blameless::asr::{AsrError, Clip, Model, Options};
    use std::sync::atomic::{AtomicU64, Ordering};
    let mut model = Model::load(&model_path("tiny.en")).unwrap();
    let speech = blameless::audio::read_file(&sample("jfk.wav"))
        .unwrap()
        .mono;
    let options = Options {
        threads: 1,
        ..Default::default()
    };
    let idle = AtomicU64::new(0);
    let clip = |cancel| Clip {
        samples: &speech,
        context: "",
        cancel: Some(cancel),
    };
    let started = std::time::Instant::now();
    let whole = model.decode_clip(&clip(&idle), &options).unwrap();
    let decode_time = started.elapsed();
    let text: Vec<&str> = whole.iter().map(|s| s.text.as_str()).collect();
    let errors = blameless::eval::word_errors(common::JFK_REFERENCE, &text.join(" "));
    assert!(errors.edits <= 1, "{text:?}");

    // A final already waiting: nothing is decoded.
    let waiting = AtomicU64::new(1);
    let started = std::time::Instant::now();
    let cancelled = model.decode_clip(&clip(&waiting), &options);
    assert!(
        matches!(cancelled, Err(AsrError::Cancelled)),
        "{cancelled:?}"
    );
    assert!(started.elapsed() * 10 < decode_time);
    // A final arriving a quarter into the decode: whisper.cpp gives up at
    // its next check (after the encoder or a decoder step).
    let arriving = AtomicU64::new(0);
    let cancelled = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(decode_time / 4);
            arriving.store(1, Ordering::Relaxed);
        });
        model.decode_clip(&clip(&arriving), &options)
    });
    assert!(
        matches!(cancelled, Err(AsrError::Cancelled)),
        "{cancelled:?}"
    );

    // "...ask not what your country can do for you" is committed; the
    // tail ("ask what you can do for your country") continues it.
    let tail_from = whole
        .iter()
        .find(|s| s.start >= 6.0)
        .map(|s| (s.start * 16_000.0) as usize)
        .unwrap_or(speech.len() * 2 / 3);
    let tail = model
        .decode_clip(
            &Clip {
                samples: &speech[tail_from..],
                context: "And so my fellow Americans, ask not what your country can do for you,",
                cancel: None,
            },
            &options,
        )
        .unwrap();
    let tail_text: Vec<&str> = tail.iter().map(|s| s.text.as_str()).collect();
    let tail_text = tail_text.join(" ").to_lowercase();
    assert!(
        tail_text.contains("your country") && !tail_text.contains("fellow americans"),
        "{tail_text}"
    );
}

/// The first 26 s window of samples/bench-60s.wav is one whose text, in
/// whisper.cpp's first pass, ends at about 18 s: the rest is decoded as a
/// clip of its own, and nothing of it is lost.
#[test]
fn a_clip_whose_first_pass_ends_early_is_decoded_to_its_end() {
    use blameless::asr::{chunk, Clip, Model, Options};
    let mut model = Model::load(&model_path("tiny.en-q8_0")).unwrap();
    let audio = blameless::audio::read_file(&sample("bench-60s.wav"))
        .unwrap()
        .mono;
    let options = Options {
        threads: 1,
        ..Default::default()
    };
    let first = chunk::windows(
        &audio,
        options.max_window_s,
        options.min_pause_s,
        options.guards.min_rms,
    )[0];
    let clip_end = first.end as f64 / 16_000.0;
    assert!(clip_end > 24.0, "the first window ends at {clip_end} s");
    let segments = model
        .decode_clip(
            &Clip {
                samples: &audio[first.start..first.end],
                ..Clip::default()
            },
            &options,
        )
        .unwrap();
    let text: Vec<&str> = segments.iter().map(|s| s.text.as_str()).collect();
    // The two turns of the script that end inside the window.
    let reference: Vec<String> =
        std::fs::read_to_string(common::root().join("samples/postmortem.truth.jsonl"))
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
            .filter(|turn| turn["end"].as_f64().unwrap() <= clip_end)
            .map(|turn| turn["text"].as_str().unwrap().to_string())
            .collect();
    assert_eq!(reference.len(), 2);
    let errors = blameless::eval::word_errors(&reference.join(" "), &text.join(" "));
    // Measured: 3 edits of 50 words ("Tuesday's" heard as "two skates",
    // "Dan" as "then"); the 8 s after the first pass's text hold 17 words.
    assert!(errors.edits <= 8, "{} edits: {text:?}", errors.edits);
    let last_end = segments.last().map_or(0.0, |s| s.end);
    assert!(last_end > clip_end - 2.0, "{last_end} of {clip_end} s");
    for pair in segments.windows(2) {
        assert!(pair[0].end <= pair[1].start + 0.01, "{pair:?}");
    }
}
