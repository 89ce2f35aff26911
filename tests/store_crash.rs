//! The store under a real `kill -9`: a child process records into a meeting
//! and is killed at varying points; `recover` must then restore every turn
//! and every sample the child had finished appending.
//!
//! The child is this test binary running the same test again with
//! `STORE_CRASH_CHILD_HOME` set, so the whole crash path runs in a real,
//! separate process whose locks the kernel releases when it dies. The child
//! is not a test of its own: a test that returns early when it is not the
//! child would pass whatever the code did.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use blameless::store::{MeetingStatus, NewMeeting, RecoveryOutcome, Store, TurnRecord};

const CHILD_ENV: &str = "STORE_CRASH_CHILD_HOME";
const RATE: usize = 16_000;
const CHUNK: usize = 1_600;

/// The signal the child records: deterministic, so every sample can be checked.
fn sample(i: usize) -> f32 {
    ((i % 400) as f32 / 200.0) - 1.0
}

fn turn(id: u64) -> TurnRecord {
    TurnRecord {
        id,
        source: "mic".into(),
        speaker: Some("alice".into()),
        start: id as f64,
        end: id as f64 + 0.5,
        text: format!("turn number {id} ").repeat(20),
        latency_ms: None,
        untranscribed: None,
        extra: serde_json::Map::new(),
    }
}

/// The child: records until killed, printing what it has finished appending.
fn crash_child(home: &Path) -> ! {
    let store = Store::open(home).unwrap();
    let mut writer = store
        .create_meeting(&NewMeeting {
            title: "kill -9".into(),
            model: "tiny.en".into(),
            sources: vec!["mic".into()],
            started_at: time::OffsetDateTime::now_utc(),
            facilitator: None,
        })
        .unwrap();
    let stdout = std::io::stdout();
    let mut n_samples = 0;
    let mut n_turns = 0;
    // Up to a minute of audio, then wait to be killed.
    while n_samples < 60 * RATE {
        let chunk: Vec<f32> = (n_samples..n_samples + CHUNK).map(sample).collect();
        writer.append_audio(0, &chunk).unwrap();
        n_samples += CHUNK;
        writeln!(stdout.lock(), "audio {n_samples}").unwrap();
        if n_samples.is_multiple_of(4 * CHUNK) {
            writer.append_turn(&turn(n_turns)).unwrap();
            n_turns += 1;
            writeln!(stdout.lock(), "turns {n_turns}").unwrap();
        }
    }
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// Reads one line of the child's progress report.
fn read_progress(line: &str, n_samples: &mut usize, n_turns: &mut usize) {
    if let Some(n) = line.trim().strip_prefix("audio ") {
        *n_samples = n.parse().unwrap();
    } else if let Some(n) = line.trim().strip_prefix("turns ") {
        *n_turns = n.parse().unwrap();
    }
}

#[test]
fn recover_restores_everything_a_killed_writer_appended() {
    if let Some(home) = std::env::var_os(CHILD_ENV) {
        crash_child(Path::new(&home));
    }
    for kill_after_samples in [0, 1_600, 17_600, 56_000, 57_600, 120_000] {
        let home = tempfile::tempdir().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "recover_restores_everything_a_killed_writer_appended",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, home.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (mut n_samples, mut n_turns) = (0, 0);
        let mut line = String::new();
        while n_samples < kill_after_samples {
            line.clear();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "the child ended early"
            );
            read_progress(&line, &mut n_samples, &mut n_turns);
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // What the child reported before it died is what must survive.
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        for line in rest.lines() {
            read_progress(line, &mut n_samples, &mut n_turns);
        }

        let store = Store::open(home.path()).unwrap();
        let reports = store.recover().unwrap();
        if reports.is_empty() {
            // Killed before the meeting existed at all.
            assert_eq!(n_samples, 0);
            continue;
        }
        assert_eq!(reports.len(), 1, "{reports:?}");
        let report = &reports[0];
        if let RecoveryOutcome::Failed { problem } = &report.outcome {
            // Killed between making the directory and describing it: nothing
            // was appended yet, and recover says what to do with it.
            assert_eq!(n_samples, 0, "{report}");
            assert!(problem.contains("cut off while being created"), "{report}");
            continue;
        }
        assert_eq!(report.outcome, RecoveryOutcome::Recovered, "{report}");
        let meeting = store.load(report.id.as_str()).unwrap();
        assert_eq!(meeting.info.status, MeetingStatus::Recovered);
        assert!(meeting.turns.len() >= n_turns, "{report}");
        for (i, t) in meeting.turns.iter().enumerate() {
            assert_eq!(*t, turn(i as u64));
        }
        assert_eq!(report.turns_kept, meeting.turns.len());

        let wav = store
            .meetings_dir()
            .join(report.id.as_str())
            .join(&meeting.info.sources[0].file);
        let samples: Vec<i16> = hound::WavReader::open(&wav)
            .unwrap()
            .samples::<i16>()
            .map(Result::unwrap)
            .collect();
        assert!(
            samples.len() >= n_samples,
            "{} < {n_samples}: {report}",
            samples.len()
        );
        for (i, &s) in samples.iter().enumerate() {
            assert_eq!(s, (sample(i) * 32767.0).round() as i16, "sample {i}");
        }

        // A torn line on top (as a crash mid-line leaves) is set aside, once.
        let turns_path = wav.with_file_name("turns.jsonl");
        let mut turns = std::fs::OpenOptions::new()
            .append(true)
            .open(&turns_path)
            .unwrap();
        turns.write_all(br#"{"id":99,"text":"half a li"#).unwrap();
        let reports = store.recover().unwrap();
        assert_eq!(reports[0].torn_line_bytes, Some(26), "{}", reports[0]);
        assert_eq!(reports[0].turns_kept, meeting.turns.len());
        assert_eq!(store.recover().unwrap(), vec![]);
    }
}
