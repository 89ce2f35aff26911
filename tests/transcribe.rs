//! `blameless transcribe` on real speech, on inputs with no speech, and on
//! bad inputs.

mod common;

use common::{ok, sample, stderr, write_wav, Blameless};

const MODEL: &str = "tiny.en";

#[test]
fn json_output_has_the_documented_structure_and_correct_text() {
    let b = Blameless::new();
    let audio = sample("librivox-0930.wav");
    let out = ok(b.run(&[
        "transcribe",
        audio.to_str().unwrap(),
        "--model",
        MODEL,
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["audio"], audio.to_str().unwrap());
    assert_eq!(v["model"], MODEL);
    let duration = v["duration_s"].as_f64().unwrap();
    assert!((duration - 3.29).abs() < 0.01, "duration {duration}");
    let segments = v["segments"].as_array().unwrap();
    assert!(!segments.is_empty());
    for s in segments {
        let (start, end) = (s["start"].as_f64().unwrap(), s["end"].as_f64().unwrap());
        assert!(0.0 <= start && start <= end && end <= duration + 0.5, "{s}");
        assert!(s["text"].is_string());
    }
    let errors = blameless::eval::word_errors(
        "he might even have been made amiable himself",
        v["text"].as_str().unwrap(),
    );
    assert_eq!(errors.edits, 0, "{}", v["text"]);
}

#[test]
fn subtitle_formats_are_well_formed() {
    let b = Blameless::new();
    let audio = sample("jfk.wav");
    let srt = ok(b.run(&[
        "transcribe",
        audio.to_str().unwrap(),
        "--format",
        "srt",
        "--model",
        MODEL,
    ]));
    assert!(srt.starts_with("1\n00:00:00,000 --> 00:00:"), "{srt}");
    assert!(
        srt.to_lowercase()
            .contains("ask not what your country can do for you"),
        "{srt}"
    );
    let vtt = ok(b.run(&[
        "transcribe",
        audio.to_str().unwrap(),
        "--format",
        "vtt",
        "--model",
        MODEL,
    ]));
    assert!(vtt.starts_with("WEBVTT\n\n00:00:00.000 --> "), "{vtt}");
}

#[test]
fn silence_and_noise_produce_no_text() {
    let b = Blameless::new();
    let silence = b.path("silence.wav");
    write_wav(&silence, &vec![0.0; 16_000 * 10]);
    let noise = common::white_noise(0x2545_f491, 16_000 * 10);
    let noise_path = b.path("noise.wav");
    write_wav(&noise_path, &noise);
    for path in [&silence, &noise_path] {
        let out = ok(b.run(&[
            "transcribe",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--model",
            MODEL,
        ]));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["segments"].as_array().unwrap().len(),
            0,
            "{}: {out}",
            path.display()
        );
        assert_eq!(v["text"], "", "{}", path.display());
    }
}

fn assert_fails(args: &[&str], b: &Blameless, expected: &str) {
    let output = b.run(args);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{args:?}: {}",
        stderr(&output)
    );
    let err = stderr(&output);
    assert!(
        err.contains(expected),
        "{args:?}: expected {expected:?} in {err:?}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(output.stdout.is_empty(), "nothing on stdout on error");
}

#[test]
fn a_text_file_renamed_wav_is_rejected() {
    let b = Blameless::new();
    let path = b.path("notes.wav");
    std::fs::write(&path, "These are meeting notes, not audio.\n".repeat(20)).unwrap();
    assert_fails(
        &["transcribe", path.to_str().unwrap(), "--model", MODEL],
        &b,
        "not a recognised audio format",
    );
}

#[test]
fn a_truncated_wav_is_rejected() {
    let b = Blameless::new();
    let bytes = std::fs::read(sample("jfk.wav")).unwrap();
    let path = b.path("cut.wav");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert_fails(
        &["transcribe", path.to_str().unwrap(), "--model", MODEL],
        &b,
        "truncated",
    );
}

#[test]
fn a_zero_length_file_is_rejected() {
    let b = Blameless::new();
    let path = b.path("empty.wav");
    std::fs::write(&path, b"").unwrap();
    assert_fails(
        &["transcribe", path.to_str().unwrap(), "--model", MODEL],
        &b,
        "empty",
    );
}

#[test]
fn a_missing_audio_file_is_rejected() {
    let b = Blameless::new();
    assert_fails(
        &["transcribe", "/no/such/meeting.wav", "--model", MODEL],
        &b,
        "/no/such/meeting.wav",
    );
}

#[test]
fn a_missing_model_path_is_rejected() {
    let b = Blameless::new();
    let audio = sample("jfk.wav");
    assert_fails(
        &[
            "transcribe",
            audio.to_str().unwrap(),
            "--model",
            "/no/such/ggml-model.bin",
        ],
        &b,
        "model file /no/such/ggml-model.bin does not exist",
    );
}

#[test]
fn a_model_that_is_not_installed_names_the_fetch_command() {
    let b = Blameless::new();
    let audio = sample("jfk.wav");
    let output = b
        .cmd()
        .env("BLAMELESS_MODELS", b.path("empty-models"))
        .args(["transcribe", audio.to_str().unwrap(), "--model", "base"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("run `blameless models fetch base`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_corrupt_model_file_is_rejected_without_crashing() {
    let b = Blameless::new();
    let model = b.path("broken.bin");
    std::fs::write(&model, vec![7u8; 4096]).unwrap();
    let audio = sample("jfk.wav");
    assert_fails(
        &[
            "transcribe",
            audio.to_str().unwrap(),
            "--model",
            model.to_str().unwrap(),
        ],
        &b,
        "not a ggml Whisper model",
    );
}

#[test]
fn an_english_only_model_refuses_other_languages() {
    let b = Blameless::new();
    let audio = sample("jfk.wav");
    assert_fails(
        &[
            "transcribe",
            audio.to_str().unwrap(),
            "--model",
            MODEL,
            "--language",
            "de",
        ],
        &b,
        "English-only",
    );
}

#[test]
fn usage_errors_exit_with_two() {
    let b = Blameless::new();
    let output = b.run(&["transcribe", "a.wav", "--format", "docx"]);
    assert_eq!(output.status.code(), Some(2));
}
