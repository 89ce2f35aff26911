//! Accuracy on real human speech, through `blameless eval asr`.

mod common;

use common::{ok, root, sample, Blameless};

/// Word error rate bound for the default settings (tiny.en with 8-bit
/// weights, fitted encoder window) on the six real recordings (LibriVox +
/// JFK). Measured: 5.4 % (5 edits in 93 words), as float16 tiny.en with the
/// full window; the bound leaves room for a word or two of drift across
/// whisper.cpp versions, not for a regression.
const MAX_REAL_WER: f64 = 0.08;

/// Per-file bound: not an accuracy bound (an 8-word file moves 12.5 % per
/// word, so a bound just above the measured worst, 25 % = 2 of 8 words with
/// "ill disposed" heard as "old-sposed", said nothing). It catches a file
/// that is lost or invented: at most half of its words wrong. Accuracy is
/// bounded on all 93 words above and on the synthetic meeting's 619 below.
const MAX_FILE_WER: f64 = 0.5;

#[test]
fn default_word_error_rate_on_real_speech_stays_bounded() {
    sample("jfk.wav");
    let b = Blameless::new();
    let manifest = root().join("samples/real.manifest.jsonl");
    let out = ok(b.run(&[
        "eval",
        "asr",
        manifest.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 6);
    for f in files {
        let wer = f["wer"].as_f64().unwrap();
        eprintln!("{:>6.2}%  {}", wer * 100.0, f["audio"]);
        assert!(wer <= MAX_FILE_WER, "{f}");
    }
    let overall = v["overall"]["wer"].as_f64().unwrap();
    eprintln!("overall WER {:.2}%", overall * 100.0);
    assert!(overall <= MAX_REAL_WER, "overall WER {overall}");
    assert_eq!(v["overall"]["words"], 93);
}

#[test]
fn text_output_prints_per_file_and_overall_lines() {
    let b = Blameless::new();
    let manifest = root().join("samples/real.manifest.jsonl");
    let out = ok(b.run(&[
        "eval",
        "asr",
        manifest.to_str().unwrap(),
        "--model",
        "tiny.en",
    ]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 7, "{out}");
    assert!(
        lines[6].contains("overall (6 files, model tiny.en)"),
        "{out}"
    );
    assert!(lines[0].contains("librivox-0870.wav"), "{out}");
}

#[test]
fn synthetic_meeting_is_transcribed_closely() {
    // The four synthetic voices are harder than real speech for tiny.en
    // (names like "Dan" and "Greg" are often misheard). Measured with the
    // default settings: 7.40 % of 622 words (46 edits; 45 with whisper.cpp's
    // own spectrogram, 42 with the earlier fitted window, which rounded up to
    // 256 positions; float16 with the full window: 6.27 %, 39); the bound,
    // 9 %, allows about 9 more.
    let b = Blameless::new();
    sample("postmortem.wav");
    let manifest = root().join("samples/postmortem.manifest.jsonl");
    let out = ok(b.run(&[
        "eval",
        "asr",
        manifest.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let wer = v["overall"]["wer"].as_f64().unwrap();
    eprintln!("synthetic meeting WER {:.2}%", wer * 100.0);
    assert!(wer <= 0.09, "WER {wer}");
}
