//! Silero VAD v6 through tract on real audio: speech is found, silence and
//! noise are not, and the result does not depend on how the stream is cut
//! into chunks.

mod common;

use blameless::vad::{self, SegmentEvent, Segmenter, SegmenterConfig, Vad, FRAME_SAMPLES};

/// The installed model, loaded; fails with what to run when it is missing.
fn load_vad() -> Vad {
    let path = vad::model_path(&common::models_dir()).unwrap_or_else(|e| {
        panic!("{e} (scripts/test.sh does; set BLAMELESS_MODELS to use another directory)")
    });
    Vad::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn read_sample(name: &str) -> Vec<f32> {
    blameless::audio::read_file(&common::sample(name))
        .unwrap_or_else(|e| panic!("{e}"))
        .mono
}

fn lcg(state: u64) -> u64 {
    state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
}

/// Deterministic white noise, uniform in [-amplitude, amplitude].
fn white_noise(n: usize, amplitude: f32, seed: u64) -> Vec<f32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = lcg(state);
            let unit = (state >> 40) as f32 / (1u64 << 24) as f32;
            (unit * 2.0 - 1.0) * amplitude
        })
        .collect()
}

fn segment(probs: &[f32]) -> Vec<SegmentEvent> {
    let mut segmenter = Segmenter::new(&SegmenterConfig::default());
    let mut events = segmenter.push(probs);
    events.extend(segmenter.finish());
    events
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn jfk_is_mostly_speech() {
    let samples = read_sample("jfk.wav");
    let mut vad = load_vad();
    let probs = vad.push(&samples).unwrap();
    assert_eq!(probs.len(), samples.len() / FRAME_SAMPLES);
    // Frames clearly above the recording's hiss (RMS about 0.009) are the
    // speech; nearly all of them must be recognised.
    let speech_frames: Vec<f32> = samples
        .chunks_exact(FRAME_SAMPLES)
        .zip(&probs)
        .filter(|(frame, _)| rms(frame) >= 0.02)
        .map(|(_, &p)| p)
        .collect();
    let n_recognised = speech_frames.iter().filter(|&&p| p > 0.5).count();
    eprintln!(
        "jfk: {n_recognised} of {} speech frames above 0.5",
        speech_frames.len()
    );
    assert!(speech_frames.len() > probs.len() / 2);
    assert!(
        n_recognised * 100 >= speech_frames.len() * 85,
        "only {n_recognised} of {} speech frames above 0.5",
        speech_frames.len()
    );
    let events = segment(&probs);
    assert!(
        matches!(events.first(), Some(SegmentEvent::SpeechStart { .. })),
        "{events:?}"
    );
}

fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|x| x * x).sum::<f32>() / samples.len() as f32).sqrt()
}

#[test]
fn digital_silence_and_white_noise_are_not_speech() {
    let mut vad = load_vad();
    let silence = vec![0.0; 10 * 16_000];
    let probs = vad.push(&silence).unwrap();
    let max = probs.iter().copied().fold(0.0, f32::max);
    eprintln!("silence: max probability {max:.4}");
    assert_eq!(segment(&probs), vec![], "speech found in silence");

    vad.reset();
    let noise = white_noise(10 * 16_000, 0.2, 42);
    let probs = vad.push(&noise).unwrap();
    let max = probs.iter().copied().fold(0.0, f32::max);
    eprintln!("white noise: max probability {max:.4}");
    assert_eq!(segment(&probs), vec![], "speech found in noise");
}

#[test]
fn chunked_pushes_match_one_push() {
    let samples = read_sample("librivox-0870.wav");
    let mut vad = load_vad();
    let whole = vad.push(&samples).unwrap();

    for seed in [1, 2, 3] {
        vad.reset();
        let mut chunked = Vec::new();
        let mut rest = &samples[..];
        let mut state = seed;
        while !rest.is_empty() {
            state = lcg(state);
            // Sizes from 0 to 3000 samples: below, around and above a frame.
            let n = ((state >> 33) as usize % 3001).min(rest.len());
            chunked.extend(vad.push(&rest[..n]).unwrap());
            rest = &rest[n..];
        }
        let diff = max_abs_diff(&whole, &chunked);
        eprintln!("seed {seed}: max difference {diff:e}");
        assert!(diff < 1e-5, "seed {seed}: max difference {diff}");
    }
}

#[test]
fn batched_frames_match_frame_by_frame() {
    // One push runs up to 64 frames per model call; pushing 512 samples at a
    // time runs one frame per call. The LSTM state carried through a batch
    // must give the same result as carrying it between calls.
    let samples = read_sample("jfk.wav");
    let mut vad = load_vad();
    let batched = vad.push(&samples).unwrap();
    vad.reset();
    let single: Vec<f32> = samples
        .chunks(FRAME_SAMPLES)
        .flat_map(|frame| vad.push(frame).unwrap())
        .collect();
    let diff = max_abs_diff(&batched, &single);
    eprintln!("batched vs frame by frame: max difference {diff:e}");
    assert!(diff < 1e-5, "max difference {diff}");
}

#[test]
fn reset_starts_afresh() {
    let samples = read_sample("jfk.wav");
    let mut vad = load_vad();
    let first = vad.push(&samples[..48_000]).unwrap();
    // Leave some state and leftover samples behind.
    vad.push(&samples[48_000..60_100]).unwrap();
    vad.reset();
    let again = vad.push(&samples[..48_000]).unwrap();
    assert_eq!(first, again);
}

/// Prints the speed for the record (`cargo test --release --test vad_model
/// speed -- --nocapture`) and checks it is far above real time.
#[test]
fn speed() {
    let samples = read_sample("postmortem.wav");
    let mut vad = load_vad();
    let t0 = std::time::Instant::now();
    let probs = vad.push(&samples).unwrap();
    let batched = t0.elapsed().as_secs_f64();
    vad.reset();
    let t0 = std::time::Instant::now();
    let mut n = 0;
    for frame in samples[..samples.len().min(16_000 * 60)].chunks(FRAME_SAMPLES) {
        n += vad.push(frame).unwrap().len();
    }
    let single = t0.elapsed().as_secs_f64();
    eprintln!(
        "speed: batched {:.0} frames/s ({} frames in {batched:.3} s), frame by frame {:.0} frames/s",
        probs.len() as f64 / batched,
        probs.len(),
        n as f64 / single
    );
    // Real time is 31.25 frames/s; the live pipeline needs a wide margin.
    let frames_per_s = probs.len() as f64 / batched;
    assert!(frames_per_s > 300.0, "{frames_per_s:.0} frames/s");
}
