//! Live capture through cpal and ALSA for real, without a sound card.
//!
//! ALSA's `file` plugin reads "captured" audio from a file: a test-only
//! `.asoundrc` defines such devices, and `HOME` points ALSA at it. ALSA
//! reads its configuration once per process and `HOME` is process-wide, so
//! these tests live in their own binary, set everything up once before the
//! first ALSA call, and take turns through one lock.
//!
//! The `null` slave has no clock: the callback gets data as fast as it is
//! read. From a plain file that is a flood (which capture reports as a
//! runaway device); from a FIFO it is whatever pace the test writes at, so
//! `testpaced` is fed at real time like a microphone.

mod common;

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use blameless::audio::Resampler;
use blameless::capture::{self, CaptureError, CaptureOptions, StreamFormat};
use cpal::{Sample, SampleFormat};

/// The devices and files behind them, shared by every test.
struct Alsa {
    /// Write end of the FIFO behind `testpaced`, held open like the next.
    paced_writer: File,
    /// Write end of the FIFO behind `teststall`. Held open for the whole
    /// process (read-write, so opening never blocks): without a writer,
    /// ALSA opening the FIFO to probe the device would block forever.
    stall_writer: File,
}

/// Sets up ALSA once, then hands out the lock every test holds.
fn alsa() -> MutexGuard<'static, Alsa> {
    static ALSA: OnceLock<Mutex<Alsa>> = OnceLock::new();
    ALSA.get_or_init(|| Mutex::new(set_up()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn set_up() -> Alsa {
    // Under target/tmp, not /tmp: the directory outlives the process (statics
    // are never dropped) and `cargo clean` removes it.
    let dir = tempfile::Builder::new()
        .prefix("capture_alsa")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("temp dir")
        .keep();
    let raw = dir.join("speech.raw");
    // A placeholder until the device's format is known; ALSA opens the file
    // whenever it opens the device, so it must exist from the start.
    fs::write(&raw, [0_u8; 4096]).expect("write placeholder raw file");
    let fifo = |name: &str| {
        let fifo = dir.join(name);
        let status = Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("run mkfifo");
        assert!(status.success(), "mkfifo failed");
        let writer = File::options()
            .read(true)
            .write(true)
            .open(&fifo)
            .expect("open the FIFO read-write");
        (fifo, writer)
    };
    let (stall_fifo, stall_writer) = fifo("stall.fifo");
    let (paced_fifo, paced_writer) = fifo("paced.fifo");
    let device = |name: &str, infile: &Path, description: &str| {
        format!(
            "pcm.{name} {{\n  type file\n  slave.pcm \"null\"\n  file \"/dev/null\"\n  infile \"{}\"\n  format \"raw\"\n  hint {{ show on; description \"{description}\" }}\n}}\n",
            infile.display()
        )
    };
    let asoundrc = [
        device("testcap", &raw, "blameless test capture"),
        device("testcap_monitor", &raw, "Monitor of blameless test output"),
        device("teststall", &stall_fifo, "blameless test stall"),
        device("testpaced", &paced_fifo, "blameless test paced capture"),
    ]
    .concat();
    fs::write(dir.join(".asoundrc"), asoundrc).expect("write .asoundrc");
    // Before any ALSA call in this process; nothing else reads HOME here.
    std::env::set_var("HOME", &dir);
    Alsa {
        paced_writer,
        stall_writer,
    }
}

/// The listed device called `name`.
fn listed(name: &str) -> capture::DeviceInfo {
    let devices = capture::list_devices().expect("list input devices");
    devices
        .iter()
        .find(|device| device.name == name)
        .cloned()
        .unwrap_or_else(|| {
            let names: Vec<&str> = devices.iter().map(|device| device.name.as_str()).collect();
            panic!("{name} is not listed; the input devices are {names:?}")
        })
}

#[test]
fn the_test_devices_are_listed_with_their_formats() {
    let _alsa = alsa();
    let testcap = listed("testcap");
    assert_eq!(testcap.id, "alsa:testcap");
    assert!(
        testcap.description.contains("blameless test capture"),
        "{testcap:?}"
    );
    assert!(testcap.default_format.is_some(), "{testcap:?}");
    assert!(!testcap.is_monitor, "{testcap:?}");
    assert!(!testcap.is_default, "{testcap:?}");
    let monitor = listed("testcap_monitor");
    assert!(monitor.is_monitor, "{monitor:?}");
}

/// Encodes `value` in `format` (little-endian, as ALSA picks first) and
/// returns what cpal hands the callback for it.
fn encode(format: SampleFormat, value: f32, bytes: &mut Vec<u8>) -> f32 {
    match format {
        SampleFormat::F32 => {
            bytes.extend_from_slice(&value.to_le_bytes());
            value
        }
        SampleFormat::F64 => {
            bytes.extend_from_slice(&f64::from(value).to_le_bytes());
            value
        }
        SampleFormat::I16 => {
            let sample = value.to_sample::<i16>();
            bytes.extend_from_slice(&sample.to_le_bytes());
            sample.to_sample::<f32>()
        }
        SampleFormat::I32 => {
            let sample = value.to_sample::<i32>();
            bytes.extend_from_slice(&sample.to_le_bytes());
            sample.to_sample::<f32>()
        }
        SampleFormat::U8 => {
            let sample = value.to_sample::<u8>();
            bytes.push(sample);
            sample.to_sample::<f32>()
        }
        SampleFormat::U16 => {
            let sample = value.to_sample::<u16>();
            bytes.extend_from_slice(&sample.to_le_bytes());
            sample.to_sample::<f32>()
        }
        other => panic!("the test cannot encode {other} yet: extend encode()"),
    }
}

/// jfk.wav's samples as the device's raw frames (channel 0 the speech,
/// every other channel half as loud), and the frames as cpal will deliver
/// them, interleaved `f32`.
fn encode_speech(format: &StreamFormat) -> (Vec<u8>, Vec<f32>) {
    let speech = blameless::audio::read_file(&common::sample("jfk.wav"))
        .expect("decode jfk.wav")
        .mono;
    let n_channels = usize::from(format.n_channels);
    let mut bytes = Vec::new();
    let mut frames = Vec::with_capacity(speech.len() * n_channels);
    for sample in &speech {
        for channel in 0..n_channels {
            let gain = if channel == 0 { 1.0 } else { 0.5 };
            frames.push(encode(format.sample_format, sample * gain, &mut bytes));
        }
    }
    (bytes, frames)
}

/// Writes `bytes` into `pipe` at the pace of `format` (in blocks of 20 ms),
/// then silence at the same pace until `done`, as a microphone would.
fn feed_at_real_time(
    mut pipe: File,
    bytes: Vec<u8>,
    format: &StreamFormat,
    done: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let frame_bytes = format.sample_format.sample_size() * usize::from(format.n_channels);
    let block = (format.sample_rate as usize / 50) * frame_bytes;
    let block_s = 0.02;
    std::thread::spawn(move || {
        let started = Instant::now();
        let silence = vec![0_u8; block];
        let mut blocks = bytes.chunks(block).chain(std::iter::repeat(&silence[..]));
        let mut written_s = 0.0;
        while !done.load(Ordering::SeqCst) {
            let chunk = blocks.next().expect("endless");
            pipe.write_all(chunk).expect("feed the FIFO");
            written_s += block_s;
            let due = started + Duration::from_secs_f64(written_s);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    })
}

/// What the capture path must produce for `frames`: the same resampler and
/// the same mono mix, offline.
fn expected_mono(frames: &[f32], format: &StreamFormat) -> Vec<f32> {
    let n_channels = usize::from(format.n_channels);
    let mut resampler = Resampler::new(format.sample_rate, n_channels).expect("resampler");
    let mut interleaved = Vec::new();
    resampler
        .process(frames, &mut interleaved)
        .expect("resample");
    resampler.flush(&mut interleaved).expect("flush");
    interleaved
        .chunks_exact(n_channels)
        .map(|frame| frame.iter().sum::<f32>() / n_channels as f32)
        .collect()
}

#[test]
fn capture_delivers_the_audio_resampled_and_counts_drops() {
    let alsa = alsa();
    let format = listed("testpaced")
        .default_format
        .expect("testpaced has a default format");
    let (bytes, frames) = encode_speech(&format);
    let expected = expected_mono(&frames, &format);
    assert!(expected.len() > 3 * 16_000, "jfk.wav is 11 s long");

    // A ring of 2 s, read every 5 ms: nothing is dropped while the test
    // keeps reading.
    let options = CaptureOptions {
        ring_seconds: 2.0,
        ..CaptureOptions::default()
    };
    let mut capture = capture::open(Some("testpaced"), &options).expect("open testpaced");
    assert_eq!(capture.device(), "testpaced");
    assert_eq!(capture.format(), format);
    let done = Arc::new(AtomicBool::new(false));
    let pipe = alsa.paced_writer.try_clone().expect("clone the FIFO");
    let feeder = feed_at_real_time(pipe, bytes, &format, done.clone());

    let mut mono = Vec::new();
    let mut channels = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while mono.len() < expected.len() {
        assert!(
            Instant::now() < deadline,
            "only {} of {} samples in 30 s",
            mono.len(),
            expected.len()
        );
        capture
            .read_channels(&mut mono, &mut channels)
            .expect("read testpaced");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(capture.stats().samples_dropped, 0);

    // The last few milliseconds of output depend on what ALSA's file plugin
    // delivers around the end of the file, which is not exactly the zero
    // padding `flush` uses offline, so compare up to 10 ms before the end.
    let compared = expected.len() - 160;
    let captured = &mono[..compared];
    let (worst, at) = captured
        .iter()
        .zip(&expected[..compared])
        .map(|(got, want)| (got - want).abs())
        .enumerate()
        .fold((0.0_f32, 0), |(worst, at), (index, diff)| {
            if diff > worst {
                (diff, index)
            } else {
                (worst, at)
            }
        });
    assert!(
        worst <= 1e-6,
        "captured audio differs from the file by {worst} at sample {at} ({format})"
    );
    assert!(
        captured.iter().any(|sample| sample.abs() > 0.1),
        "the speech is not silent"
    );
    if format.n_channels > 1 {
        // Channel 1 was written at half the level of channel 0.
        let n = expected.len().min(channels[1].len());
        for (left, right) in channels[0][..n].iter().zip(&channels[1][..n]) {
            assert!((left * 0.5 - right).abs() <= 1e-5, "{left} vs {right}");
        }
    }

    // The device goes on at its pace; stop reading for longer than the
    // ring holds and it must overflow: dropped, counted, no panic, and not
    // mistaken for a runaway device.
    std::thread::sleep(Duration::from_secs(3));
    let status = capture.read(&mut mono).expect("read after a pause");
    let stats = capture.stats();
    assert!(stats.samples_dropped > 0, "{stats:?}");
    assert!(status.n_dropped > 0, "{status:?}");
    assert!(stats.samples_captured as usize >= frames.len(), "{stats:?}");

    // Stopping joins cpal's worker, which may sit in ALSA's read of the
    // FIFO: feed it until the stop completes.
    done.store(true, Ordering::SeqCst);
    feeder.join().expect("feeder");
    let stopper = std::thread::spawn(move || {
        capture.stop();
        capture
    });
    let mut pipe = &alsa.paced_writer;
    while !stopper.is_finished() {
        pipe.write_all(&[0_u8; 4096]).expect("feed the FIFO");
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut capture = stopper.join().expect("stop without panicking");
    capture
        .read(&mut mono)
        .expect("reading after stop is not a stall");
}

#[test]
fn unknown_and_ambiguous_names_say_what_to_do() {
    let _alsa = alsa();
    let error =
        capture::open(Some("USB Mic"), &CaptureOptions::default()).expect_err("no such device");
    assert!(
        matches!(error, CaptureError::NoSuchDevice { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "no input device \"USB Mic\"; run `blameless devices`"
    );

    let error = capture::open(Some("TESTCAP"), &CaptureOptions::default())
        .expect_err("two devices contain testcap");
    assert!(matches!(error, CaptureError::Ambiguous { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("\"testcap\""), "{message}");
    assert!(message.contains("\"testcap_monitor\""), "{message}");
}

#[test]
fn a_device_that_stops_delivering_is_reported_stalled() {
    let mut alsa = alsa();
    // A little audio, then nothing: ALSA's read of the FIFO blocks, so the
    // callback stops coming, as with a hung or unplugged device.
    alsa.stall_writer
        .write_all(&[0_u8; 16_384])
        .expect("write to the FIFO");
    let options = CaptureOptions {
        stall_after: Duration::from_millis(500),
        ..CaptureOptions::default()
    };
    // A unique substring picks the device.
    let mut capture = capture::open(Some("STALL"), &options).expect("open teststall");
    assert_eq!(capture.device(), "teststall");

    let mut mono = Vec::new();
    let started = Instant::now();
    let error = loop {
        match capture.read(&mut mono) {
            Ok(_) => {}
            Err(error) => break error,
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no stall reported in 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(matches!(error, CaptureError::Stalled { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("\"teststall\" delivered no audio"),
        "{message}"
    );
    assert!(message.contains("run `blameless devices`"), "{message}");
    assert!(
        capture.stats().samples_captured > 0,
        "it did deliver at first"
    );

    // Stopping joins cpal's worker, which sits in ALSA's read of the FIFO:
    // feed it until the stop completes.
    let stopper = std::thread::spawn(move || capture.stop());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !stopper.is_finished() {
        assert!(Instant::now() < deadline, "stopping did not finish in 10 s");
        alsa.stall_writer
            .write_all(&[0_u8; 4096])
            .expect("feed the FIFO");
        std::thread::sleep(Duration::from_millis(10));
    }
    stopper.join().expect("stop without panicking");
}
