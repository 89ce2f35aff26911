//! `blameless record` through cpal for real: an ALSA `file` PCM plugin,
//! defined in a test-only asoundrc, reads a named pipe that this test fills
//! with speech at real-time pace, so the recorder captures it like a
//! microphone with no sound card involved.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{ok, sample, Blameless};

/// An ALSA `file`-plugin capture device, `testmic`, reading a named pipe,
/// defined in an asoundrc under the test's directory (point `HOME` at
/// `alsa_home`).
struct TestMic {
    alsa_home: std::path::PathBuf,
    fifo: std::path::PathBuf,
    /// The device's native rate, channels and sample format ("f32", "i16"):
    /// they decide how the pipe's bytes are read.
    rate: usize,
    channels: usize,
    sample_format: String,
}

impl TestMic {
    fn set_up(b: &Blameless) -> TestMic {
        let alsa_home = b.path("alsa-home");
        std::fs::create_dir_all(&alsa_home).unwrap();
        let fifo = alsa_home.join("speech.fifo");
        assert!(Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let asoundrc = |infile: &std::path::Path| {
            format!(
                "pcm.testmic {{\n  type file\n  slave.pcm \"null\"\n  file \"/dev/null\"\n  infile \"{}\"\n  format \"raw\"\n  hint {{ show on; description \"blameless test microphone\" }}\n}}\n",
                infile.display()
            )
        };
        // Listing opens the device, and opening a pipe blocks until someone
        // writes: list with a plain (silent) file first, record from the pipe.
        let silent = alsa_home.join("silence.raw");
        std::fs::write(&silent, vec![0u8; 1 << 16]).unwrap();
        std::fs::write(alsa_home.join(".asoundrc"), asoundrc(&silent)).unwrap();
        let listed = ok(b
            .cmd()
            .env("HOME", &alsa_home)
            .args(["devices", "--format", "json"])
            .output()
            .unwrap());
        let devices: serde_json::Value = serde_json::from_str(&listed).unwrap();
        let device = devices
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "testmic")
            .unwrap_or_else(|| panic!("testmic not listed: {listed}"));
        let format = &device["format"];
        let sample_format = format["sample_format"].as_str().unwrap().to_string();
        assert!(["f32", "i16"].contains(&sample_format.as_str()), "{format}");
        std::fs::write(alsa_home.join(".asoundrc"), asoundrc(&fifo)).unwrap();
        TestMic {
            rate: format["sample_rate"].as_u64().unwrap() as usize,
            channels: format["channels"].as_u64().unwrap() as usize,
            sample_format,
            alsa_home,
            fifo,
        }
    }

    /// Writes `voices` (16 kHz) into the pipe at real-time pace on a thread,
    /// then silence until `done`: one voice goes to every channel, several
    /// to a channel each (silence on the device's other channels).
    fn feed(&self, voices: Vec<Vec<f32>>, done: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
        let (fifo, rate, channels) = (self.fifo.clone(), self.rate, self.channels);
        let f32_samples = self.sample_format == "f32";
        std::thread::spawn(move || {
            let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            let block_s = 0.05;
            let started = Instant::now();
            let mut written_s = 0.0;
            let mut t = 0.0f64;
            while !done.load(Ordering::SeqCst) {
                let mut bytes = Vec::new();
                for _ in 0..(rate as f64 * block_s) as usize {
                    // Linear interpolation from 16 kHz to the device rate.
                    let x = t * 16_000.0;
                    let i = x as usize;
                    for channel in 0..channels {
                        let voice = match voices.len() {
                            1 => voices.first(),
                            _ => voices.get(channel),
                        };
                        let v = match voice.map(|v| (v.get(i), v.get(i + 1))) {
                            Some((Some(a), Some(b))) => a + (b - a) * (x - i as f64) as f32,
                            _ => 0.0,
                        };
                        if f32_samples {
                            bytes.extend_from_slice(&v.to_le_bytes());
                        } else {
                            bytes.extend_from_slice(&((v * 32767.0) as i16).to_le_bytes());
                        }
                    }
                    t += 1.0 / rate as f64;
                }
                if pipe.write_all(&bytes).is_err() {
                    break;
                }
                written_s += block_s;
                let due = started + Duration::from_secs_f64(written_s);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
        })
    }
}

#[test]
fn record_captures_a_device_through_cpal_and_stores_the_meeting() {
    let b = Blameless::new();
    let mic = TestMic::set_up(&b);
    let mut child = b
        .cmd()
        .env("HOME", &mic.alsa_home)
        .args([
            "record",
            "--device",
            "testmic",
            "--title",
            "Capture test",
            "--format",
            "jsonl",
            "--partial-every",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Speech at real-time pace, then silence until the recorder has exited
    // (a blocked pipe would stall the device and its shutdown).
    let speech = blameless::audio::read_file(&sample("jfk.wav"))
        .unwrap()
        .mono;
    let done = Arc::new(AtomicBool::new(false));
    let writer = mic.feed(vec![speech], done.clone());

    let rx = lines_of(&mut child);
    // Wait for the speech (11 s) and its final turn, then stop with Ctrl-C.
    let mut lines = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(40) {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(50)) {
            lines.push(line);
        }
        let text = lines
            .iter()
            .filter(|l| l.contains("\"type\":\"turn\""))
            .cloned()
            .collect::<String>();
        if started.elapsed() > Duration::from_secs(12)
            && text.to_lowercase().contains("your country.")
            && text.matches("country").count() >= 2
        {
            break;
        }
    }
    stop(&mut child, &rx, &mut lines, &done, writer);

    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events[0]["type"], "meeting");
    assert_eq!(events[0]["sources"][0], "testmic");
    assert_eq!(
        events.last().unwrap()["type"],
        "end",
        "graceful stop ends with an end event"
    );
    let text: String = events
        .iter()
        .filter(|e| e["type"] == "turn")
        .map(|e| e["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    let errors = blameless::eval::word_errors(common::JFK_REFERENCE, &text);
    assert!(errors.rate() <= 0.1, "captured text: {text}");

    // The stored meeting is complete and `meetings show` displays it.
    let id = events[0]["id"].as_str().unwrap();
    let shown = ok(b.run(&["meetings", "show", id]));
    assert!(shown.starts_with("Capture test ("), "{shown}");
    assert!(shown.contains("status complete"), "{shown}");
    assert!(shown.to_lowercase().contains("fellow americans"), "{shown}");
    let wav = hound::WavReader::open(
        std::path::Path::new(events[0]["dir"].as_str().unwrap()).join("source-0.wav"),
    )
    .unwrap();
    assert!(
        wav.duration() as f64 / 16_000.0 >= 11.0,
        "recorded {} samples",
        wav.duration()
    );
}

/// Reads `record`'s stdout lines on a thread of their own.
fn lines_of(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// Stops `record` with Ctrl-C and waits for it to exit successfully, then
/// stops the feeder and collects the last lines; returns when it exited,
/// and what it wrote to stderr.
fn stop(
    child: &mut std::process::Child,
    rx: &std::sync::mpsc::Receiver<String>,
    lines: &mut Vec<String>,
    done: &AtomicBool,
    writer: std::thread::JoinHandle<()>,
) -> (Instant, String) {
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    let exited = Instant::now();
    done.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
        lines.push(line);
    }
    let mut stderr_text = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr_text).unwrap();
    assert!(
        status.success(),
        "record exited with {status:?}: {stderr_text}"
    );
    (exited, stderr_text)
}

/// One device with a microphone per person (a USB recorder, an audio
/// interface): the test device's first two channels carry two real voices,
/// each leaking into the other's microphone (`common::two_mics`, the
/// signal of the two-channel replay test in tests/speakers.rs), captured
/// live through cpal. With a map naming channels, each channel is a source
/// of its own: every turn is its channel's person, no leak becomes a turn,
/// and the meeting keeps a recording per channel, as long as the meeting.
#[test]
fn record_splits_a_multi_channel_device_into_a_source_per_channel() {
    record_two_mics("0=Priya,1=Marcus", [Some("Priya"), Some("Marcus")]);
}

/// A channel the map leaves out is still recorded, as a source after the
/// named ones, and its turns are attributed by voice.
#[test]
fn record_keeps_the_channels_a_map_leaves_out() {
    record_two_mics("1=Marcus", [None, Some("Marcus")]);
}

/// Records the two-microphone meeting from both channels of `testmic` with
/// `--speaker-map MAP` and checks each channel's turns and recording:
/// `names[channel]` is the person the map gives it, `None` for a channel
/// attributed by voice.
fn record_two_mics(map: &str, names: [Option<&str>; 2]) {
    let b = Blameless::new();
    let mic = TestMic::set_up(&b);
    assert!(mic.channels >= 2, "testmic has {} channel(s)", mic.channels);
    let common::TwoMics { channels, spans } = common::two_mics();
    let speech_s = channels[0].len() as f64 / 16_000.0;

    let mut child = b
        .cmd()
        .env("HOME", &mic.alsa_home)
        .args([
            "record",
            "--device",
            "testmic",
            "--speaker-map",
            map,
            "--format",
            "jsonl",
            "--partial-every",
            "0",
            "--no-nudges",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let writer = mic.feed(channels, done.clone());
    let rx = lines_of(&mut child);
    // The whole meeting and the end of its last turn, then Ctrl-C: what is
    // still queued is transcribed before the recorder exits. The speech
    // starts when the recorder opens the device (the feeder's pipe blocks
    // until then), after its models are loaded, which takes longer on a
    // busy machine: the wait counts from the meeting's first event.
    let spawned = Instant::now();
    let mut lines = vec![rx
        .recv_timeout(Duration::from_secs(120))
        .expect("no event from record within 120 s")];
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs_f64(speech_s + 2.0) {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(50)) {
            lines.push(line);
        }
    }
    let (exited, stderr_text) = stop(&mut child, &rx, &mut lines, &done, writer);
    let recorded_s = (exited - spawned).as_secs_f64();
    let out = lines.join("\n");
    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The named channels first, in channel order, then the others.
    let mut order: Vec<usize> = (0..2).filter(|c| names[*c].is_some()).collect();
    order.extend((0..2).filter(|c| names[*c].is_none()));
    let sources: Vec<String> = order.iter().map(|c| format!("testmic:{c}")).collect();
    assert_eq!(events[0]["sources"], serde_json::json!(sources), "{out}");
    assert_eq!(events.last().unwrap()["type"], "end", "{out}");

    // Every turn is its channel's person, and each channel has turns.
    let turns: Vec<&serde_json::Value> = events.iter().filter(|e| e["type"] == "turn").collect();
    let turns_of = |channel: usize| -> Vec<&serde_json::Value> {
        let source = format!("testmic:{channel}");
        turns
            .iter()
            .copied()
            .filter(|t| t["source"] == source.as_str())
            .collect()
    };
    assert_eq!(
        turns.len(),
        turns_of(0).len() + turns_of(1).len(),
        "a turn from no channel source: {out}"
    );
    for (channel, name) in names.iter().enumerate() {
        assert!(
            !turns_of(channel).is_empty(),
            "no turn from channel {channel}: {out}\n{stderr_text}"
        );
        for t in turns_of(channel) {
            match name {
                Some(name) => {
                    assert_eq!(t["speaker"], *name, "{t}");
                    assert_eq!(t["speaker_confidence"], 1.0, "{t}");
                }
                // Attributed by voice: an id of its own, never the other
                // channel's person.
                None => assert!(
                    t["speaker"].as_str().is_some_and(|s| s.starts_with('S')),
                    "{t}"
                ),
            }
        }
    }
    // Each voice is one channel's turns, never both: no leak became a turn.
    let span = |t: &serde_json::Value| (t["start"].as_f64().unwrap(), t["end"].as_f64().unwrap());
    for a in turns_of(0) {
        for b in turns_of(1) {
            let ((a0, a1), (b0, b1)) = (span(a), span(b));
            assert!(a1.min(b1) - a0.max(b0) < 0.3, "{a} and {b} overlap: {out}");
        }
    }
    // The turns lie where their person spoke (the device starts at most a
    // moment before the pipe is written).
    for (channel, audio_spans) in spans {
        for t in turns_of(channel) {
            let (start, end) = span(t);
            assert!(
                audio_spans
                    .iter()
                    .any(|(a, b)| start > a - 0.5 && end < b + 1.5),
                "channel {channel} turn {start}-{end} outside its speech: {out}"
            );
        }
    }
    let text: String = turns_of(0)
        .iter()
        .map(|t| t["text"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(text.contains("country"), "{text}");

    // A recording per channel, each as long as the meeting, each holding
    // its own person: channel 0 loud while Priya speaks, channel 1 while
    // Marcus does.
    let dir = std::path::Path::new(events[0]["dir"].as_str().unwrap());
    let read_wav = |name: &str| -> Vec<f32> {
        hound::WavReader::open(dir.join(name))
            .unwrap()
            .into_samples::<i16>()
            .map(|s| f32::from(s.unwrap()) / 32768.0)
            .collect()
    };
    let wav_of = |channel: usize| {
        let index = order.iter().position(|c| *c == channel).unwrap();
        read_wav(&format!("source-{index}.wav"))
    };
    let wavs = [wav_of(0), wav_of(1)];
    assert!(!dir.join("source-2.wav").exists());
    for wav in &wavs {
        let seconds = wav.len() as f64 / 16_000.0;
        assert!(
            seconds >= speech_s && seconds <= recorded_s + 0.5,
            "recorded {seconds:.2} s of a {speech_s} s speech in {recorded_s:.2} s"
        );
    }
    let energy = |wav: &[f32], (from, to): (f64, f64)| -> f64 {
        wav[(from * 16_000.0) as usize..(to * 16_000.0) as usize]
            .iter()
            .map(|x| f64::from(*x).powi(2))
            .sum()
    };
    for (channel, audio_spans) in spans {
        for (from, to) in audio_spans {
            let (mine, other) = (
                energy(&wavs[channel], (from + 0.5, to - 0.5)),
                energy(&wavs[1 - channel], (from + 0.5, to - 0.5)),
            );
            assert!(
                mine > 4.0 * other,
                "channel {channel} {from}-{to}: energy {mine:.1} against {other:.1} on the other"
            );
        }
    }
}

/// A map naming a channel the device does not have, or naming channels
/// while several devices are given, fails before a meeting exists and says
/// what is supported.
#[test]
fn record_refuses_channels_a_device_does_not_have() {
    let b = Blameless::new();
    let alsa_home = b.path("alsa-home");
    std::fs::create_dir_all(&alsa_home).unwrap();
    let silent = alsa_home.join("silence.raw");
    std::fs::write(&silent, vec![0u8; 1 << 20]).unwrap();
    std::fs::write(
        alsa_home.join(".asoundrc"),
        format!(
            "pcm.testmic {{\n  type file\n  slave.pcm \"null\"\n  file \"/dev/null\"\n  infile \"{}\"\n  format \"raw\"\n}}\n",
            silent.display()
        ),
    )
    .unwrap();
    let record = |args: &[&str]| {
        let output = b
            .cmd()
            .env("HOME", &alsa_home)
            .arg("record")
            .args(args)
            .args(["--format", "jsonl"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        assert!(common::stdout(&output).is_empty(), "{output:?}");
        common::stderr(&output)
    };
    let missing = record(&["-d", "testmic", "--speaker-map", "0=Priya,64=Marcus"]);
    assert!(
        missing.contains("testmic: no channel 64 (the device has")
            && missing.contains("blameless devices"),
        "{missing}"
    );
    let several = record(&[
        "-d",
        "testmic",
        "-d",
        "testmic",
        "--speaker-map",
        "0=Priya,3=Marcus",
    ]);
    assert!(
        several.contains("no source 3")
            && several.contains(
                "a source per channel is supported for a single multi-channel --device only"
            ),
        "{several}"
    );
    // Nothing was recorded.
    let meetings = ok(b.run(&["meetings", "list", "--format", "json"]));
    assert_eq!(meetings.trim(), "[]", "{meetings}");
}
