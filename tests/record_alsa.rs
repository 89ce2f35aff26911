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

#[test]
fn record_captures_a_device_through_cpal_and_stores_the_meeting() {
    let b = Blameless::new();
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
    // The device's native format decides how the pipe's bytes are read.
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
    let rate = format["sample_rate"].as_u64().unwrap() as usize;
    let channels = format["channels"].as_u64().unwrap() as usize;
    let sample_format = format["sample_format"].as_str().unwrap().to_string();
    assert!(["f32", "i16"].contains(&sample_format.as_str()), "{format}");

    std::fs::write(alsa_home.join(".asoundrc"), asoundrc(&fifo)).unwrap();
    let mut child = b
        .cmd()
        .env("HOME", &alsa_home)
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
    let writer = {
        let done = done.clone();
        let fifo = fifo.clone();
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
                    let v = match (speech.get(i), speech.get(i + 1)) {
                        (Some(a), Some(b)) => a + (b - a) * (x - i as f64) as f32,
                        _ => 0.0,
                    };
                    for _ in 0..channels {
                        if sample_format == "f32" {
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
    };

    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
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
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
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
