//! Shared helpers for the integration tests: run the real binary with the
//! real model on real audio, in a temporary data home.

#![allow(dead_code)]

pub mod web;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under samples/, which must have been fetched.
pub fn sample(name: &str) -> PathBuf {
    let path = root().join("samples").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-samples.sh and scripts/make-samples.sh (scripts/test.sh does)",
        path.display()
    );
    path
}

/// One turn of the bundled meeting, samples/postmortem.script.
pub struct ScriptedTurn {
    pub speaker: String,
    pub text: String,
    /// The labels a good tagger gives it, without `none` and `redirect`.
    pub labels: Vec<String>,
    /// Marked `redirect`: the facilitator's own line.
    pub redirect: bool,
}

/// The bundled meeting's turns as scripted, in order (the order of
/// samples/postmortem.truth.jsonl).
pub fn scripted_turns() -> Vec<ScriptedTurn> {
    std::fs::read_to_string(root().join("samples/postmortem.script"))
        .unwrap()
        .lines()
        .filter(|l| !(l.starts_with('#') || l.starts_with('@') || l.trim().is_empty()))
        .map(|l| {
            let (speaker, rest) = l.split_once(':').unwrap();
            let (text, labels) = rest.split_once('#').unwrap_or((rest, ""));
            let labels: Vec<&str> = labels.trim().split(',').collect();
            ScriptedTurn {
                speaker: speaker.trim().to_string(),
                text: text.trim().to_string(),
                labels: labels
                    .iter()
                    .filter(|l| !matches!(**l, "" | "none" | "redirect"))
                    .map(|l| l.to_string())
                    .collect(),
                redirect: labels.contains(&"redirect"),
            }
        })
        .collect()
}

/// Where the installed models are (the same rules as the binary).
pub fn models_dir() -> PathBuf {
    let home = std::env::var_os("BLAMELESS_HOME").map(PathBuf::from);
    let models = std::env::var_os("BLAMELESS_MODELS").map(PathBuf::from);
    blameless::config::Paths::resolve(home.as_deref(), models.as_deref()).models
}

/// The default model file, which must be installed.
pub fn model_path(name: &str) -> PathBuf {
    let (base, weights) = blameless::models::split_weight_suffix(name);
    let path = models_dir().join(blameless::models::file_name(base, weights));
    assert!(
        path.is_file(),
        "{} is missing: run `blameless models fetch {base} --quant {}` (scripts/test.sh does)",
        path.display(),
        weights.name()
    );
    path
}

/// The binary under test, with a fresh temporary home and the shared models.
pub struct Blameless {
    /// Keeps the temporary home alive.
    pub home: tempfile::TempDir,
}

impl Blameless {
    /// A new isolated environment.
    pub fn new() -> Blameless {
        Blameless {
            home: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A command for the binary.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_blameless"));
        cmd.env("BLAMELESS_HOME", self.home.path())
            .env("BLAMELESS_MODELS", models_dir())
            .env_remove("RUST_LOG");
        cmd
    }

    /// Runs the binary with `args` and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run blameless")
    }

    /// A path inside the temporary home.
    pub fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }
}

/// Stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Writes 16 kHz mono f32 samples as a 16-bit WAV.
pub fn write_wav(path: &Path, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for s in samples {
        w.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)
            .expect("write sample");
    }
    w.finalize().expect("finalize wav");
}

/// What jfk.wav says, as a reference for word error rate.
pub const JFK_REFERENCE: &str =
    "and so my fellow americans ask not what your country can do for you ask what you can do for your country";

/// Deterministic white noise in [-0.2, 0.2) from a linear congruential
/// generator: well above the energy gate, so Whisper itself must reject it.
pub fn white_noise(seed: u32, n_samples: usize) -> Vec<f32> {
    let mut state = seed;
    (0..n_samples)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 * 0.4 - 0.2
        })
        .collect()
}

/// A meeting with a microphone per person, made from two real voices:
/// jfk.wav (channel 0) and two LibriVox readings (channel 1) in alternating
/// turns 1 s apart, each voice also leaking into the other's microphone a
/// quarter as loud (-12 dB) and 25 ms late. 28 s at 16 kHz.
pub struct TwoMics {
    /// The two channels, 16 kHz.
    pub channels: Vec<Vec<f32>>,
    /// Where each channel's person speaks, in seconds.
    pub spans: [(usize, [(f64, f64); 2]); 2],
}

/// Builds [`TwoMics`].
pub fn two_mics() -> TwoMics {
    let read = |name: &str| blameless::audio::read_file(&sample(name)).unwrap().mono;
    let jfk = read("jfk.wav");
    let reader = read("librivox-0870.wav");
    let reader2 = read("librivox-0890.wav");
    let rate = 16_000;
    // (channel, audio, start in seconds): alternating turns, 1 s apart.
    let turns: [(usize, &[f32], f64); 4] = [
        (0, &jfk[..5 * rate + rate / 2], 0.5),
        (1, &reader, 7.0),
        (0, &jfk[5 * rate + rate / 2..], 15.1),
        (1, &reader2, 21.6),
    ];
    let len = 28 * rate;
    let mut channels = vec![vec![0f32; len]; 2];
    for (channel, audio, start) in turns {
        let at = (start * rate as f64) as usize;
        for (i, x) in audio.iter().enumerate() {
            channels[channel][at + i] += x;
        }
    }
    let delay = rate / 40;
    let clean = channels.clone();
    for (to, from) in [(0, 1), (1, 0)] {
        for i in delay..len {
            channels[to][i] += 0.25 * clean[from][i - delay];
        }
    }
    TwoMics {
        channels,
        spans: [
            (0, [(0.5, 6.0), (15.1, 20.6)]),
            (1, [(7.0, 14.1), (21.6, 26.9)]),
        ],
    }
}
