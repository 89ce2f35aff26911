//! Faults a real meeting meets, for real: an input device that goes away
//! mid-meeting and comes back, two devices where one dies, and a data home
//! on a file system that fills up; and, on the same devices, a meeting
//! recorded from two devices, a person each, attributed by `--speaker-map`.
//!
//! Devices are ALSA `file` plugins reading named pipes (as in
//! tests/record_alsa.rs) that this test feeds at real-time pace; a device
//! "goes away" when its pipe's writer closes, and "comes back" when a writer
//! opens it again. The full disk is a small tmpfs this test mounts (it runs
//! as root, as CI does).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{ok, sample, Blameless};

/// What a fed device does, in order.
#[derive(Clone)]
enum Step {
    /// Speech (16 kHz mono), at real-time pace.
    Speech(Arc<Vec<f32>>),
    /// Silence for this many seconds.
    Silence(f64),
    /// The pipe's writer closes, and opens again after this many seconds
    /// (`None`: never).
    Close(Option<f64>),
}

/// ALSA devices named `names`, each reading its own pipe, in a home of
/// their own (ALSA reads `$HOME/.asoundrc`).
struct Devices {
    alsa_home: PathBuf,
    fifos: Vec<PathBuf>,
    rate: usize,
    channels: usize,
    f32_samples: bool,
}

fn devices(b: &Blameless, names: &[&str]) -> Devices {
    let alsa_home = b.path("alsa-home");
    std::fs::create_dir_all(&alsa_home).unwrap();
    let asoundrc = |infiles: &[PathBuf]| {
        names
            .iter()
            .zip(infiles)
            .map(|(name, infile)| {
                format!(
                    "pcm.{name} {{\n  type file\n  slave.pcm \"null\"\n  file \"/dev/null\"\n  infile \"{}\"\n  format \"raw\"\n  hint {{ show on; description \"blameless fault test {name}\" }}\n}}\n",
                    infile.display()
                )
            })
            .collect::<String>()
    };
    // Listing opens the devices; a pipe would block it, so list with plain files.
    let silent = alsa_home.join("silence.raw");
    std::fs::write(&silent, vec![0u8; 1 << 16]).unwrap();
    std::fs::write(
        alsa_home.join(".asoundrc"),
        asoundrc(&vec![silent; names.len()]),
    )
    .unwrap();
    let listed = ok(b
        .cmd()
        .env("HOME", &alsa_home)
        .args(["devices", "--format", "json"])
        .output()
        .unwrap());
    let all: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let device = all
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == names[0])
        .unwrap_or_else(|| panic!("{} not listed: {listed}", names[0]));
    let format = &device["format"];
    let fifos: Vec<PathBuf> = names
        .iter()
        .map(|n| alsa_home.join(format!("{n}.fifo")))
        .collect();
    for fifo in &fifos {
        assert!(Command::new("mkfifo").arg(fifo).status().unwrap().success());
    }
    std::fs::write(alsa_home.join(".asoundrc"), asoundrc(&fifos)).unwrap();
    Devices {
        alsa_home,
        fifos,
        rate: format["sample_rate"].as_u64().unwrap() as usize,
        channels: format["channels"].as_u64().unwrap() as usize,
        f32_samples: format["sample_format"] == "f32",
    }
}

impl Devices {
    /// Feeds pipe `i` with `steps` at real-time pace on a thread; returns
    /// when each pipe close and reopen happened.
    fn feed(&self, i: usize, steps: Vec<Step>) -> Arc<Mutex<Vec<(&'static str, Instant)>>> {
        let marks = Arc::new(Mutex::new(Vec::new()));
        let (fifo, rate, channels, f32_samples) = (
            self.fifos[i].clone(),
            self.rate,
            self.channels,
            self.f32_samples,
        );
        let log = marks.clone();
        std::thread::spawn(move || {
            let mut pipe = open_writer(&fifo);
            for step in steps {
                let (samples, seconds): (Option<Arc<Vec<f32>>>, f64) = match step {
                    Step::Speech(s) => {
                        let seconds = s.len() as f64 / 16_000.0;
                        (Some(s), seconds)
                    }
                    Step::Silence(seconds) => (None, seconds),
                    Step::Close(reopen) => {
                        // The mark first: the recorder may see the pipe
                        // close and warn before this thread runs again.
                        log.lock().unwrap().push(("closed", Instant::now()));
                        drop(pipe.take());
                        let Some(after) = reopen else { return };
                        std::thread::sleep(Duration::from_secs_f64(after));
                        pipe = open_writer(&fifo);
                        log.lock().unwrap().push(("reopened", Instant::now()));
                        continue;
                    }
                };
                if pipe.is_none() {
                    return;
                }
                let started = Instant::now();
                let block_s = 0.05;
                let mut written_s = 0.0;
                let mut t = 0.0f64; // seconds into this step
                while written_s < seconds {
                    let mut bytes = Vec::new();
                    for _ in 0..(rate as f64 * block_s) as usize {
                        let x = t * 16_000.0;
                        let v = samples
                            .as_ref()
                            .and_then(|s| s.get(x as usize).copied())
                            .unwrap_or(0.0);
                        for _ in 0..channels {
                            if f32_samples {
                                bytes.extend_from_slice(&v.to_le_bytes());
                            } else {
                                bytes.extend_from_slice(&((v * 32767.0) as i16).to_le_bytes());
                            }
                        }
                        t += 1.0 / rate as f64;
                    }
                    // Opening the device to probe it (when listing, and
                    // before capture) opens and closes the pipe: the first
                    // writer open may meet the probe, not the capture. A
                    // write to a pipe the probe closed fails; wait for the
                    // capture's open and write again.
                    let written = pipe.as_mut().is_some_and(|w| w.write_all(&bytes).is_ok()) || {
                        pipe = open_writer(&fifo);
                        pipe.as_mut().is_some_and(|w| w.write_all(&bytes).is_ok())
                    };
                    if !written {
                        return;
                    }
                    written_s += block_s;
                    let due = started + Duration::from_secs_f64(written_s);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                }
            }
            // Keep the pipe open (silence, at pace) until the recorder is gone.
            if let Some(writer) = pipe.as_mut() {
                let silence = vec![0u8; rate * channels * if f32_samples { 4 } else { 2 } / 20];
                let started = Instant::now();
                for block in 1u32.. {
                    if writer.write_all(&silence).is_err() {
                        break;
                    }
                    let due = started + Duration::from_millis(50) * block;
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                }
            }
        });
        marks
    }
}

/// Opens a pipe for writing once the recorder has it open for reading.
/// The open blocks until then, so it runs on a thread of its own with a
/// deadline: a recorder that died must fail the test, not hang it.
fn open_writer(fifo: &Path) -> Option<std::fs::File> {
    let (tx, rx) = std::sync::mpsc::channel();
    let fifo = fifo.to_owned();
    std::thread::spawn(move || {
        let _ = tx.send(std::fs::OpenOptions::new().write(true).open(&fifo));
    });
    rx.recv_timeout(Duration::from_secs(60)).ok()?.ok()
}

/// Starts `record` from `devices` with JSON events; lines arrive with the
/// time they were read.
fn record(b: &Blameless, d: &Devices, names: &[&str]) -> (Child, Receiver<(Instant, String)>) {
    record_with(b, d, names, &[])
}

/// [`record`] with more flags.
fn record_with(
    b: &Blameless,
    d: &Devices,
    names: &[&str],
    extra: &[&str],
) -> (Child, Receiver<(Instant, String)>) {
    let mut cmd = b.cmd();
    cmd.env("HOME", &d.alsa_home)
        .args(["record", "--title", "Fault test", "--format", "jsonl"])
        .args(["--partial-every", "0", "--no-speakers"])
        .args(extra);
    for name in names {
        cmd.args(["--device", name]);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send((Instant::now(), line));
        }
    });
    (child, rx)
}

/// Collects events until `until` is true of what arrived, or `limit` passes.
fn collect(
    rx: &Receiver<(Instant, String)>,
    events: &mut Vec<(Instant, serde_json::Value)>,
    limit: Duration,
    until: impl Fn(&[(Instant, serde_json::Value)]) -> bool,
) {
    let started = Instant::now();
    while started.elapsed() < limit && !until(events) {
        if let Ok((at, line)) = rx.recv_timeout(Duration::from_millis(50)) {
            events.push((at, serde_json::from_str(&line).unwrap()));
        }
    }
}

/// Stops `record` with Ctrl-C; returns its stderr and when it was stopped.
fn stop(
    child: &mut Child,
    rx: &Receiver<(Instant, String)>,
    events: &mut Vec<(Instant, serde_json::Value)>,
) -> (String, Instant) {
    let stopped = Instant::now();
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "record did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    while let Ok((at, line)) = rx.recv_timeout(Duration::from_millis(300)) {
        events.push((at, serde_json::from_str(&line).unwrap()));
    }
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (err, stopped)
}

fn wav_seconds(dir: &str, file: &str) -> f64 {
    let wav = hound::WavReader::open(Path::new(dir).join(file)).unwrap();
    wav.duration() as f64 / 16_000.0
}

fn warnings(events: &[(Instant, serde_json::Value)]) -> Vec<(Instant, &str)> {
    events
        .iter()
        .filter(|(_, e)| e["type"] == "warning")
        .map(|(at, e)| (*at, e["message"].as_str().unwrap()))
        .collect()
}

/// The device's pipe closes mid-meeting and opens again 3 s later: a
/// `NOT RECORDING` warning within 1.5 s, capture resumes in the same
/// meeting, and the 3 s are in the recording as silence, so the turn after
/// the gap sits at its real meeting time.
#[test]
fn a_device_that_goes_away_and_comes_back_keeps_the_meeting_and_its_clock() {
    let b = Blameless::new();
    let d = devices(&b, &["faultmic"]);
    let speech = Arc::new(
        blameless::audio::read_file(&sample("jfk.wav"))
            .unwrap()
            .mono,
    );
    let (mut child, rx) = record(&b, &d, &["faultmic"]);
    let marks = d.feed(
        0,
        vec![
            Step::Speech(speech.clone()),
            Step::Silence(1.0),
            Step::Close(Some(3.0)),
            Step::Speech(speech.clone()),
            Step::Silence(1.5),
        ],
    );
    let mut events = Vec::new();
    // Until the end of the second speech ("... for your country") is a turn.
    collect(&rx, &mut events, Duration::from_secs(90), |events| {
        events.iter().any(|(_, e)| {
            e["type"] == "turn"
                && e["start"].as_f64().unwrap() > 16.0
                && e["text"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("country")
        })
    });
    let (err, stopped) = stop(&mut child, &rx, &mut events);
    let marks = marks.lock().unwrap().clone();
    assert_eq!(
        marks.len(),
        2,
        "the feeder closed and reopened the pipe: {err}"
    );
    let (closed, reopened) = (marks[0].1, marks[1].1);

    let warned = warnings(&events);
    let lost = warned
        .iter()
        .find(|(at, m)| *at >= closed && m.starts_with("NOT RECORDING"))
        .unwrap_or_else(|| panic!("no NOT RECORDING warning after the pipe closed: {warned:?}"));
    assert!(
        lost.0 - closed <= Duration::from_millis(1_500),
        "warned {:?} after the device went away",
        lost.0 - closed
    );
    let back = warned
        .iter()
        .find(|(at, m)| *at >= reopened && m.contains("recording again"))
        .unwrap_or_else(|| panic!("no warning that recording resumed: {warned:?}"));
    assert!(back.1.contains("stored as silence"), "{}", back.1);
    eprintln!(
        "device gone: NOT RECORDING {} ms after the pipe closed; back: \"recording again\" {} ms after it reopened",
        (lost.0 - closed).as_millis(),
        back.0.saturating_duration_since(reopened).as_millis()
    );

    // One meeting throughout, closed normally.
    let meeting = &events[0].1;
    assert_eq!(meeting["type"], "meeting");
    assert_eq!(
        events
            .iter()
            .filter(|(_, e)| e["type"] == "meeting")
            .count(),
        1
    );
    let end = &events.last().unwrap().1;
    assert_eq!(end["type"], "end", "{err}");
    assert_eq!(end["status"], "complete", "{end}");

    // The second speech starts after the gap in meeting time: 11 s of
    // speech, 1 s of silence, 3 s without a device (the turn would start
    // near 12 s if the gap had been cut out).
    let turns: Vec<&serde_json::Value> = events
        .iter()
        .map(|(_, e)| e)
        .filter(|e| e["type"] == "turn")
        .collect();
    let second = turns
        .iter()
        .find(|t| t["start"].as_f64().unwrap() > 11.5)
        .unwrap_or_else(|| panic!("no turn after the gap: {turns:?}"));
    let start = second["start"].as_f64().unwrap();
    assert!(
        (14.0..=17.5).contains(&start),
        "the speech after the gap starts at {start} s of meeting time"
    );
    let text: String = turns
        .iter()
        .map(|t| t["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    assert!(text.matches("your country").count() >= 2, "{text}");

    // The recording holds the whole meeting, the gap included.
    let wall = (stopped - events[0].0).as_secs_f64();
    let stored = wav_seconds(meeting["dir"].as_str().unwrap(), "source-0.wav");
    assert!(
        stored >= wall - 1.5 && stored <= wall + 1.0,
        "{stored:.1} s stored for a {wall:.1} s meeting"
    );
    eprintln!("device gone and back: {stored:.1} s stored for a {wall:.1} s meeting, the speech after the gap at {start:.1} s");
}

/// A multi-channel device split into a source per channel goes away and
/// comes back: its fault is one warning, not one per channel, the meeting
/// goes on, and both channels' recordings keep meeting time, sample for
/// sample the same length.
#[test]
fn a_device_split_into_channels_comes_back_with_all_its_channels() {
    let b = Blameless::new();
    let d = devices(&b, &["faultmic"]);
    assert!(d.channels >= 2, "faultmic has {} channel(s)", d.channels);
    let speech = Arc::new(
        blameless::audio::read_file(&sample("jfk.wav"))
            .unwrap()
            .mono,
    );
    let (mut child, rx) = record_with(
        &b,
        &d,
        &["faultmic"],
        &["--speaker-map", "0=Priya,1=Marcus"],
    );
    let marks = d.feed(
        0,
        vec![
            Step::Speech(speech),
            Step::Silence(1.0),
            Step::Close(Some(3.0)),
            Step::Silence(4.0),
        ],
    );
    let mut events = Vec::new();
    // Until the device is back, and 2 s more of it.
    collect(&rx, &mut events, Duration::from_secs(60), |events| {
        warnings(events)
            .iter()
            .any(|(at, m)| m.contains("recording again") && at.elapsed() > Duration::from_secs(2))
    });
    let (err, stopped) = stop(&mut child, &rx, &mut events);
    assert_eq!(
        marks.lock().unwrap().len(),
        2,
        "the pipe closed and reopened: {err}"
    );
    let meeting = &events[0].1;
    assert_eq!(
        meeting["sources"],
        serde_json::json!(["faultmic:0", "faultmic:1"]),
        "{err}"
    );
    let warned = warnings(&events);
    let count = |what: &str| warned.iter().filter(|(_, m)| m.contains(what)).count();
    assert_eq!(count("NOT RECORDING"), 1, "{warned:?}");
    assert_eq!(count("recording again"), 1, "{warned:?}");
    let end = &events.last().unwrap().1;
    assert_eq!(end["type"], "end", "{err}");
    assert_eq!(end["status"], "complete", "{end}");

    let dir = meeting["dir"].as_str().unwrap();
    let wall = (stopped - events[0].0).as_secs_f64();
    let stored = [
        wav_seconds(dir, "source-0.wav"),
        wav_seconds(dir, "source-1.wav"),
    ];
    assert_eq!(stored[0], stored[1], "the channels' recordings differ");
    assert!(
        stored[0] >= wall - 1.5 && stored[0] <= wall + 1.0,
        "{:.1} s stored for a {wall:.1} s meeting",
        stored[0]
    );
}

/// Two devices, one of which dies for good: the other keeps recording and
/// transcribing, both recordings keep meeting time, and the meeting says
/// which source it lost.
#[test]
fn when_one_of_two_devices_dies_the_other_keeps_recording() {
    let b = Blameless::new();
    let d = devices(&b, &["faultmic", "faultcall"]);
    let speech = Arc::new(
        blameless::audio::read_file(&sample("jfk.wav"))
            .unwrap()
            .mono,
    );
    let (mut child, rx) = record(&b, &d, &["faultmic", "faultcall"]);
    let _dying = d.feed(1, vec![Step::Silence(2.0), Step::Close(None)]);
    let _living = d.feed(
        0,
        vec![Step::Silence(3.0), Step::Speech(speech), Step::Silence(1.5)],
    );
    let mut events = Vec::new();
    collect(&rx, &mut events, Duration::from_secs(90), |events| {
        events
            .iter()
            .filter(|(_, e)| e["type"] == "turn")
            .map(|(_, e)| e["text"].as_str().unwrap().to_lowercase())
            .collect::<String>()
            .matches("your country")
            .count()
            >= 2
    });
    let (err, stopped) = stop(&mut child, &rx, &mut events);
    let warned = warnings(&events);
    assert!(
        warned
            .iter()
            .any(|(_, m)| m.starts_with("NOT RECORDING") && m.contains("faultcall")),
        "{warned:?}"
    );
    let turns: Vec<&serde_json::Value> = events
        .iter()
        .map(|(_, e)| e)
        .filter(|e| e["type"] == "turn")
        .collect();
    let text: String = turns
        .iter()
        .filter(|t| t["source"] == "faultmic")
        .map(|t| t["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    let errors = blameless::eval::word_errors(common::JFK_REFERENCE, &text);
    assert!(errors.rate() <= 0.15, "the living device's text: {text}");

    let meeting = &events[0].1;
    let dir = meeting["dir"].as_str().unwrap();
    let end = &events.last().unwrap().1;
    assert_eq!(end["type"], "end", "{err}");
    assert_eq!(end["status"], "interrupted", "{end}");
    assert!(
        end["interruption"].as_str().unwrap().contains("faultcall"),
        "{end}"
    );
    let wall = (stopped - events[0].0).as_secs_f64();
    for file in ["source-0.wav", "source-1.wav"] {
        let stored = wav_seconds(dir, file);
        assert!(
            stored >= wall - 1.5 && stored <= wall + 1.0,
            "{file}: {stored:.1} s stored for a {wall:.1} s meeting"
        );
    }
}

/// Two devices, a person each, each hearing the other at -12 dB: with
/// `--speaker-map` every turn is its device's person, and the leaks are
/// dropped rather than becoming turns of the other device.
#[test]
fn two_devices_are_attributed_by_the_speaker_map() {
    let b = Blameless::new();
    let d = devices(&b, &["roommic", "callside"]);
    let common::TwoMics { channels, .. } = common::two_mics();
    let speech_s = channels[0].len() as f64 / 16_000.0;
    let (mut child, rx) = record_with(
        &b,
        &d,
        &["roommic", "callside"],
        &["--speaker-map", "0=Priya,1=Marcus"],
    );
    for (i, channel) in channels.into_iter().enumerate() {
        d.feed(i, vec![Step::Speech(Arc::new(channel)), Step::Silence(1.5)]);
    }
    let mut events = Vec::new();
    collect(
        &rx,
        &mut events,
        Duration::from_secs_f64(speech_s + 30.0),
        |events| {
            ["roommic", "callside"].iter().all(|source| {
                events
                    .iter()
                    .filter(|(_, e)| e["type"] == "turn" && e["source"] == *source)
                    .count()
                    >= 2
            })
        },
    );
    let (err, _) = stop(&mut child, &rx, &mut events);
    let turns: Vec<&serde_json::Value> = events
        .iter()
        .map(|(_, e)| e)
        .filter(|e| e["type"] == "turn")
        .collect();
    let of = |source: &str| -> Vec<&serde_json::Value> {
        turns
            .iter()
            .copied()
            .filter(|t| t["source"] == source)
            .collect()
    };
    for (source, person) in [("roommic", "Priya"), ("callside", "Marcus")] {
        assert!(of(source).len() >= 2, "{source}: {turns:?}\n{err}");
        for t in of(source) {
            assert_eq!(t["speaker"], person, "{t}");
        }
    }
    // Each voice is one device's turns: no leak became a turn.
    let span = |t: &serde_json::Value| (t["start"].as_f64().unwrap(), t["end"].as_f64().unwrap());
    for a in of("roommic") {
        for c in of("callside") {
            let ((a0, a1), (c0, c1)) = (span(a), span(c));
            assert!(a1.min(c1) - a0.max(c0) < 0.3, "{a} and {c} overlap");
        }
    }
    let text: String = of("roommic")
        .iter()
        .map(|t| t["text"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(text.contains("country"), "{text}");
}

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "cannot mount a tmpfs at {} (this test needs root, as CI has)",
            dir.display()
        );
        Tmpfs(dir.to_owned())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// The data home is a 1.5 MB file system: the recording fills it after
/// about 40 s of a 289 s meeting. A `NOT RECORDING` warning comes at once,
/// the transcript goes on to the end, the meeting is closed (interrupted,
/// saying why), `recover` finds it consistent, and search, whose index
/// cannot grow either, still finds what was stored (or says it is stale).
#[test]
fn a_full_disk_stops_the_audio_but_not_the_transcript() {
    let b = Blameless::new();
    let home = b.path("small-home");
    let _fs = Tmpfs::mount(&home, "1500k");
    let run = |args: &[&str]| {
        b.cmd()
            .env("BLAMELESS_HOME", &home)
            .args(args)
            .output()
            .unwrap()
    };
    let output = run(&[
        "replay",
        sample("postmortem.wav").to_str().unwrap(),
        "--speed",
        "max",
        "--format",
        "jsonl",
        "--no-speakers",
    ]);
    let err = common::stderr(&output);
    let events: Vec<serde_json::Value> = common::stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(output.status.code(), Some(3), "interrupted: {err}");
    let warning_at = events
        .iter()
        .position(|e| {
            e["type"] == "warning"
                && e["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("NOT RECORDING audio")
        })
        .unwrap_or_else(|| panic!("no NOT RECORDING warning: {events:?}"));
    let message = events[warning_at]["message"].as_str().unwrap();
    assert!(message.contains("No space left"), "{message}");
    let turns: Vec<&serde_json::Value> = events.iter().filter(|e| e["type"] == "turn").collect();
    let last_start = turns.last().unwrap()["start"].as_f64().unwrap();
    assert!(
        last_start > 250.0,
        "the transcript went on to the end of the meeting: last turn at {last_start} s"
    );
    let end = events.last().unwrap();
    assert_eq!(end["type"], "end");
    assert_eq!(end["status"], "interrupted");
    assert!(
        end["interruption"]
            .as_str()
            .unwrap()
            .contains("storing failed: audio of postmortem stopped at"),
        "{end}"
    );

    // Every shown turn is stored, and `recover` has nothing to repair.
    let id = events[0]["id"].as_str().unwrap();
    let shown = run(&["meetings", "show", id, "--format", "json"]);
    let stored: serde_json::Value = serde_json::from_str(&ok(shown)).unwrap();
    assert_eq!(
        stored["turns"].as_array().unwrap().len(),
        turns.len(),
        "{stored}"
    );
    let recovered = ok(run(&["recover"]));
    assert!(recovered.starts_with("nothing to recover"), "{recovered}");
    let wav =
        hound::WavReader::open(Path::new(events[0]["dir"].as_str().unwrap()).join("source-0.wav"))
            .expect("the recording is a valid WAV");
    assert!(
        wav.duration() > 16_000 * 10,
        "audio before the disk filled is kept"
    );

    // The index could not follow the meeting onto the full disk. Search
    // either finds the last turn or says the index is stale.
    let last_text = turns.last().unwrap()["text"].as_str().unwrap().to_string();
    let word = last_text
        .split(|c: char| !c.is_alphanumeric())
        .rfind(|w| w.len() >= 6)
        .unwrap_or_else(|| panic!("no long word in {last_text:?}"))
        .to_string();
    let searched = run(&["search", &word, "--format", "json"]);
    let found = common::stdout(&searched);
    let said_stale = common::stderr(&searched).contains("stale");
    assert!(
        found.contains(id) || said_stale,
        "search neither found {word:?} in {id} nor said the index is stale: {found} {}",
        common::stderr(&searched)
    );
    eprintln!(
        "full disk: audio stopped at {:.1} s of a 289 s meeting, {} turns shown and stored (the last at {last_start:.1} s), closed as interrupted, recover: nothing to repair, search {}",
        wav.duration() as f64 / 16_000.0,
        turns.len(),
        if found.contains(id) { "found the last turn" } else { "said the index is stale" }
    );
}
