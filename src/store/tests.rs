//! Unit tests of the store, each in its own temporary data home.

use std::fs::{self, OpenOptions};
use std::io::Write;

use time::macros::datetime;

use super::*;

fn new_meeting(title: &str, sources: &[&str]) -> NewMeeting {
    NewMeeting {
        title: title.into(),
        model: "tiny.en".into(),
        sources: sources.iter().map(|s| s.to_string()).collect(),
        started_at: datetime!(2026-11-26 16:30:12.25 +01:00),
        facilitator: None,
    }
}

fn turn(id: u64, text: &str) -> TurnRecord {
    TurnRecord {
        id,
        source: "mic".into(),
        speaker: None,
        start: id as f64,
        end: id as f64 + 0.5,
        text: text.into(),
        latency_ms: Some(120),
        untranscribed: None,
        extra: serde_json::Map::new(),
    }
}

/// `seconds` of a 440 Hz tone at 16 kHz.
fn tone(seconds: f64) -> Vec<f32> {
    let n = (seconds * f64::from(SAMPLE_RATE)) as usize;
    (0..n)
        .map(|i| 0.3 * (i as f32 * 440.0 * std::f32::consts::TAU / SAMPLE_RATE as f32).sin())
        .collect()
}

fn read_wav(path: &Path) -> Vec<i16> {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, 16_000, 16)
    );
    reader.samples::<i16>().map(|s| s.unwrap()).collect()
}

/// Appends in 100 ms chunks, as live capture would.
fn append_in_chunks(writer: &mut MeetingWriter, source: usize, samples: &[f32]) {
    for chunk in samples.chunks(1600) {
        writer.append_audio(source, chunk).unwrap();
    }
}

#[test]
fn ids_are_utc_start_and_slug() {
    assert_eq!(
        id_base(datetime!(2026-11-26 15:30:12 UTC), "Checkout outage!"),
        "20261126-153012-checkout-outage"
    );
    assert_eq!(slug("  Café -- DB  failover (p1) "), "caf-db-failover-p1");
    assert_eq!(slug("¿?"), "meeting");
    assert_eq!(slug(""), "meeting");
    let long = slug("the payment service fell over because the connection pool was exhausted");
    assert!(long.len() <= MAX_SLUG_LEN, "{long}");
    assert_eq!(long, "the-payment-service-fell-over-because");
    assert_eq!(slug(&"x".repeat(100)).len(), MAX_SLUG_LEN);
}

#[test]
fn create_append_finish_load_round_trip() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let mut writer = store
        .create_meeting(&new_meeting("Checkout outage", &["mic", "USB Mic"]))
        .unwrap();
    assert_eq!(writer.id().as_str(), "20261126-153012-checkout-outage");
    assert_eq!(
        writer.dir(),
        store.meetings_dir().join(writer.id().as_str())
    );

    let audio = tone(2.0);
    append_in_chunks(&mut writer, 0, &audio);
    append_in_chunks(&mut writer, 1, &audio[..16_000]);
    let mut tagged = turn(1, "the deploy went out at 14:05");
    tagged.speaker = Some("alice".into());
    tagged
        .extra
        .insert("tags".into(), serde_json::json!(["timeline"]));
    writer.append_turn(&turn(0, "let's start")).unwrap();
    writer.append_turn(&tagged).unwrap();
    let dir = writer.dir().to_owned();
    let info = writer.finish().unwrap();

    assert_eq!(info.status, MeetingStatus::Complete);
    assert_eq!(info.started_at, datetime!(2026-11-26 15:30:12.25 UTC));
    assert_eq!(info.ended_at, Some(datetime!(2026-11-26 15:30:14.25 UTC)));
    let samples = read_wav(&dir.join("source-0.wav"));
    assert_eq!(samples.len(), 32_000);
    assert_eq!(samples[4], (audio[4] * 32767.0).round() as i16);
    assert_eq!(read_wav(&dir.join("source-1.wav")).len(), 16_000);

    let meeting = store.load("20261126").unwrap();
    assert_eq!(meeting.info, info);
    assert_eq!(meeting.turns, vec![turn(0, "let's start"), tagged]);

    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("meeting.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["started_at"], "2026-11-26T15:30:12.25Z");
    assert_eq!(json["sources"][1]["name"], "USB Mic");
    assert_eq!(json["sources"][1]["file"], "source-1.wav");
    assert_eq!(json["status"], "complete");
    let lines = fs::read_to_string(dir.join("turns.jsonl")).unwrap();
    assert!(
        lines
            .lines()
            .nth(1)
            .unwrap()
            .contains(r#""tags":["timeline"]"#),
        "{lines}"
    );
    assert!(!lines.lines().next().unwrap().contains("tags"), "{lines}");

    let list = store.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].title, "Checkout outage");
    assert_eq!(list[0].duration_s, 2.0);
    assert_eq!(list[0].n_turns, 2);
    assert_eq!(list[0].status, Some(MeetingStatus::Complete));
    assert_eq!(list[0].problem, None);
}

#[test]
fn a_meeting_is_never_overwritten() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let new = new_meeting("Checkout outage", &["mic"]);
    let first = store.create_meeting(&new).unwrap();
    let second = store.create_meeting(&new).unwrap();
    // Someone's directory that merely has the next name is not reused either.
    let squatter = store
        .meetings_dir()
        .join("20261126-153012-checkout-outage-3");
    fs::create_dir(&squatter).unwrap();
    fs::write(squatter.join("notes.txt"), "mine").unwrap();
    let fourth = store.create_meeting(&new).unwrap();
    assert_eq!(first.id().as_str(), "20261126-153012-checkout-outage");
    assert_eq!(second.id().as_str(), "20261126-153012-checkout-outage-2");
    assert_eq!(fourth.id().as_str(), "20261126-153012-checkout-outage-4");
    assert_eq!(fs::read_dir(&squatter).unwrap().count(), 1);
    first.finish().unwrap();
    second.finish().unwrap();
    fourth.finish().unwrap();
}

#[test]
fn load_accepts_a_unique_prefix_and_says_how_to_list() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let mut a = new_meeting("db failover", &[]);
    a.started_at = datetime!(2026-01-02 03:04:05 UTC);
    let mut b = new_meeting("dns", &[]);
    b.started_at = datetime!(2026-01-02 03:04:06 UTC);
    store.create_meeting(&a).unwrap().finish().unwrap();
    store.create_meeting(&b).unwrap().finish().unwrap();

    let loaded = store.load("20260102-030406").unwrap();
    assert_eq!(loaded.info.title, "dns");
    let error = store.load("2026").unwrap_err().to_string();
    assert!(error.contains("matches 2 meetings"), "{error}");
    let error = store.load("2027").unwrap_err().to_string();
    assert!(error.contains("run `blameless meetings list`"), "{error}");
    assert!(store.load("").is_err());

    let ids: Vec<String> = store.list().unwrap().into_iter().map(|m| m.id.0).collect();
    assert_eq!(ids, ["20260102-030406-dns", "20260102-030405-db-failover"]);
}

#[test]
fn list_reports_unreadable_meetings_instead_of_failing() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    store
        .create_meeting(&new_meeting("fine", &["mic"]))
        .unwrap()
        .finish()
        .unwrap();
    let broken = store.meetings_dir().join("20250101-000000-broken");
    fs::create_dir(&broken).unwrap();
    fs::write(broken.join("meeting.json"), "{ not json").unwrap();
    fs::create_dir(store.meetings_dir().join("20240101-000000-empty")).unwrap();

    let list = store.list().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].problem, None);
    let problem = list[1].problem.as_deref().unwrap();
    assert!(problem.contains("not a meeting description"), "{problem}");
    let problem = list[2].problem.as_deref().unwrap();
    assert!(problem.contains("remove the directory"), "{problem}");
    let error = store.load("20250101").unwrap_err().to_string();
    assert!(error.contains("meeting.json"), "{error}");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let mut writer = store.create_meeting(&new_meeting("x", &["mic"])).unwrap();
    let error = writer.append_audio(1, &[0.0]).unwrap_err().to_string();
    assert!(error.contains("no audio source 1"), "{error}");
    let mut bad = turn(3, "nan");
    bad.end = f64::NAN;
    assert!(writer.append_turn(&bad).is_err());
    writer.append_turn(&turn(4, "fine")).unwrap();
    writer.finish().unwrap();
    let mut far = new_meeting("x", &[]);
    far.started_at = datetime!(-0001-01-01 0:00 UTC);
    assert!(store.create_meeting(&far).is_err());
}

/// Appends 3.5 s of audio and two turns, "crashes" (no Drop, no finish) and
/// tears a third turn in half by hand, as `kill -9` in mid-write would.
fn crash_a_meeting(store: &Store) -> PathBuf {
    let mut writer = store
        .create_meeting(&new_meeting("crash", &["mic"]))
        .unwrap();
    append_in_chunks(&mut writer, 0, &tone(3.5));
    writer.append_turn(&turn(0, "first")).unwrap();
    writer.append_turn(&turn(1, "second")).unwrap();
    let dir = writer.dir().to_owned();
    std::mem::forget(writer);
    let mut turns = OpenOptions::new()
        .append(true)
        .open(dir.join("turns.jsonl"))
        .unwrap();
    turns.write_all(br#"{"id":2,"source":"mic","spe"#).unwrap();
    dir
}

#[test]
fn a_crashed_meeting_is_playable_before_recovery() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let dir = crash_a_meeting(&store);
    // The header lags the data by less than a second of audio.
    let n = read_wav(&dir.join("source-0.wav")).len();
    assert!((40_000..=56_000).contains(&n), "{n} samples");
    // The torn line is not a turn, the two whole ones load.
    assert_eq!(store.load("2026").unwrap().turns.len(), 2);
    let listed = &store.list().unwrap()[0];
    assert_eq!((listed.n_turns, listed.duration_s), (2, 3.5));
}

#[test]
fn a_live_meeting_is_not_recovered() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    // The leaked writer still holds its lock: to the store, this is a
    // recording in progress in a live process (this one).
    let dir = crash_a_meeting(&store);
    let before = fs::read(dir.join("turns.jsonl")).unwrap();
    let reports = store.recover().unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(
        reports[0].outcome,
        RecoveryOutcome::SkippedLive {
            pid: Some(std::process::id())
        }
    );
    assert!(
        reports[0].to_string().contains("being recorded"),
        "{}",
        reports[0]
    );
    assert_eq!(fs::read(dir.join("turns.jsonl")).unwrap(), before);
    assert!(!dir.join(TORN_FILE).exists());
}

#[test]
fn recover_repairs_a_crash_and_is_idempotent() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let dir = crash_a_meeting(&store);
    // The process is gone, and the kernel released its lock with it; here
    // the leaked writer still holds it, so take the lock file away instead.
    fs::remove_file(dir.join("lock")).unwrap();
    // A half-written sample, as a write cut mid-way could leave.
    OpenOptions::new()
        .append(true)
        .open(dir.join("source-0.wav"))
        .unwrap()
        .write_all(&[0x7f])
        .unwrap();

    let reports = store.recover().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let report = &reports[0];
    assert_eq!(report.outcome, RecoveryOutcome::Recovered, "{report}");
    assert_eq!(report.turns_kept, 2);
    assert_eq!(report.torn_line_bytes, Some(27));
    assert_eq!(report.sources.len(), 1);
    let source = &report.sources[0];
    assert!(source.header_fixed);
    assert_eq!(source.trimmed_bytes, 1);
    assert_eq!(source.audio_bytes, 112_000);
    assert_eq!(source.seconds, 3.5);
    let text = report.to_string();
    assert!(text.contains("torn last line (27 bytes)"), "{text}");

    // Nothing of the audio was lost, and the file is valid.
    assert_eq!(read_wav(&dir.join("source-0.wav")).len(), 56_000);
    let meeting = store.load(report.id.as_str()).unwrap();
    assert_eq!(meeting.turns, vec![turn(0, "first"), turn(1, "second")]);
    assert_eq!(meeting.info.status, MeetingStatus::Recovered);
    assert_eq!(
        meeting.info.ended_at,
        Some(datetime!(2026-11-26 15:30:15.75 UTC))
    );
    assert_eq!(
        fs::read(dir.join(TORN_FILE)).unwrap(),
        b"{\"id\":2,\"source\":\"mic\",\"spe\n"
    );

    // A second run finds nothing to do and changes nothing.
    let snapshot = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().into_string().unwrap(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let before = snapshot(&dir);
    assert_eq!(store.recover().unwrap(), vec![]);
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn recover_completes_a_last_turn_missing_only_its_newline() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let mut writer = store.create_meeting(&new_meeting("x", &["mic"])).unwrap();
    writer.append_turn(&turn(0, "first")).unwrap();
    let dir = writer.dir().to_owned();
    drop(writer);
    let mut turns = OpenOptions::new()
        .append(true)
        .open(dir.join("turns.jsonl"))
        .unwrap();
    turns
        .write_all(&serde_json::to_vec(&turn(1, "second")).unwrap())
        .unwrap();

    let reports = store.recover().unwrap();
    assert_eq!(reports[0].torn_line_bytes, None);
    assert_eq!(reports[0].turns_kept, 2);
    assert_eq!(store.load("2026").unwrap().turns.len(), 2);
    assert!(!dir.join(TORN_FILE).exists());
}

#[test]
fn recover_finishes_a_meeting_cut_off_while_being_created() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let writer = store
        .create_meeting(&new_meeting("x", &["mic", "line"]))
        .unwrap();
    let dir = writer.dir().to_owned();
    drop(writer);
    // As if the crash came after meeting.json but before the other files.
    fs::remove_file(dir.join("source-1.wav")).unwrap();
    fs::write(dir.join("source-0.wav"), b"RIFF\0\0").unwrap();
    fs::remove_file(dir.join("turns.jsonl")).unwrap();

    let reports = store.recover().unwrap();
    assert_eq!(
        reports[0].outcome,
        RecoveryOutcome::Recovered,
        "{}",
        reports[0]
    );
    assert!(reports[0].sources.iter().all(|s| s.recreated));
    assert_eq!(read_wav(&dir.join("source-0.wav")).len(), 0);
    assert_eq!(read_wav(&dir.join("source-1.wav")).len(), 0);
    let meeting = store.load("2026").unwrap();
    assert_eq!(
        (meeting.info.status, meeting.turns.len()),
        (MeetingStatus::Recovered, 0)
    );
    assert_eq!(store.recover().unwrap(), vec![]);
}

#[test]
fn recover_reports_a_directory_that_is_not_a_meeting_and_leaves_it() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let dir = store.meetings_dir().join("20240101-000000-empty");
    fs::create_dir(&dir).unwrap();
    // Something that is not ours (an empty directory is a creation that
    // never started, and recover removes it).
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    let reports = store.recover().unwrap();
    assert!(matches!(reports[0].outcome, RecoveryOutcome::Failed { .. }));
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
}

/// Live corrections and renames are appended to speakers.jsonl and applied
/// on load, in order; turns.jsonl stays as it was written; a torn last line
/// is ignored.
#[test]
fn speaker_corrections_apply_on_load_without_rewriting_turns() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let mut writer = store
        .create_meeting(&new_meeting("call", &["mic"]))
        .unwrap();
    for id in 1..=3 {
        let mut t = turn(id, "we rolled back");
        t.speaker = Some("S1".into());
        t.extra.insert("speaker_id".into(), "S1".into());
        writer.append_turn(&t).unwrap();
    }
    let mut fields = serde_json::Map::new();
    fields.insert("speaker".into(), "S2".into());
    fields.insert("speaker_id".into(), "S2".into());
    fields.insert("speaker_confidence".into(), 0.75.into());
    writer.append_speaker_update(2, fields).unwrap();
    let id = writer.id().clone();
    let dir = writer.dir().to_owned();
    writer.finish().unwrap();
    let turns_before = fs::read(dir.join("turns.jsonl")).unwrap();
    assert_eq!(store.rename_speaker(&id, "s2", "Dan").unwrap(), 1);
    assert_eq!(store.rename_speaker(&id, "S7", "Nobody").unwrap(), 0);
    OpenOptions::new()
        .append(true)
        .open(dir.join("speakers.jsonl"))
        .unwrap()
        .write_all(br#"{"rename": "S1", "to": "Ha"#)
        .unwrap();
    let meeting = store.load(id.as_str()).unwrap();
    let speakers: Vec<_> = meeting.turns.iter().map(|t| t.speaker.as_deref()).collect();
    assert_eq!(speakers, [Some("S1"), Some("Dan"), Some("S1")]);
    assert_eq!(meeting.turns[1].extra["speaker_confidence"], 0.75);
    assert_eq!(fs::read(dir.join("turns.jsonl")).unwrap(), turns_before);
}

fn dismissed(turn_id: u64, label: &str) -> Feedback {
    Feedback {
        label: Some(label.into()),
        nudge: Some("What was the system showing then?".into()),
        ..Feedback::now(
            FeedbackKind::Dismissed,
            turn_id as f64 + 1.0,
            Some(turn_id),
            "tui",
        )
    }
}

#[test]
fn feedback_is_appended_while_recording_and_after_without_touching_turns() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let mut writer = store
        .create_meeting(&new_meeting("call", &["mic"]))
        .unwrap();
    writer.append_turn(&turn(1, "that's on him")).unwrap();
    writer.append_turn(&turn(2, "we will add a check")).unwrap();
    let id = writer.id().clone();
    let dir = writer.dir().to_owned();
    // While the writer (this process) holds the meeting's lock.
    store
        .append_feedback(&id, &Feedback::now(FeedbackKind::Opened, 0.0, None, "tui"))
        .unwrap();
    store.append_feedback(&id, &dismissed(1, "blame")).unwrap();
    store
        .append_feedback(
            &id,
            &Feedback::now(FeedbackKind::ActionItem, 3.0, Some(2), "tui"),
        )
        .unwrap();
    writer.finish().unwrap();
    let turns_before = fs::read(dir.join("turns.jsonl")).unwrap();
    // After the meeting: a key moment marked from another view.
    store
        .append_feedback(
            &id,
            &Feedback::now(FeedbackKind::KeyMoment, 1.5, Some(1), "web"),
        )
        .unwrap();
    store
        .append_feedback(
            &id,
            &Feedback::now(FeedbackKind::KeyMoment, 1.6, Some(1), "web"),
        )
        .unwrap();
    assert_eq!(fs::read(dir.join("turns.jsonl")).unwrap(), turns_before);

    let meeting = store.load(id.as_str()).unwrap();
    let kinds: Vec<_> = meeting.feedback.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FeedbackKind::Opened,
            FeedbackKind::Dismissed,
            FeedbackKind::ActionItem,
            FeedbackKind::KeyMoment,
            FeedbackKind::KeyMoment
        ]
    );
    assert_eq!(
        meeting.feedback[1],
        dismissed(1, "blame").with_time(meeting.feedback[1].marked_at)
    );
    assert_eq!(
        meeting.marks_of(1),
        [FeedbackKind::Dismissed, FeedbackKind::KeyMoment]
    );
    assert_eq!(meeting.marks_of(2), [FeedbackKind::ActionItem]);
    assert_eq!(store.feedback(id.as_str()).unwrap(), meeting.feedback);
    // The file is JSON lines with the documented names.
    let text = fs::read_to_string(dir.join("feedback.jsonl")).unwrap();
    let second: serde_json::Value = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
    assert_eq!(second["kind"], "dismissed");
    assert_eq!(second["turn_id"], 1);
    assert_eq!(second["label"], "blame");
    assert_eq!(second["by"], "tui");
    assert!(second["marked_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn a_torn_feedback_line_is_skipped_then_set_aside_by_recover() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let mut writer = store
        .create_meeting(&new_meeting("call", &["mic"]))
        .unwrap();
    writer.append_turn(&turn(1, "that's on him")).unwrap();
    let id = writer.id().clone();
    let dir = writer.dir().to_owned();
    writer.finish().unwrap();
    store.append_feedback(&id, &dismissed(1, "blame")).unwrap();
    // A line of a kind from a later version, and a line cut by kill -9.
    let mut file = OpenOptions::new()
        .append(true)
        .open(dir.join("feedback.jsonl"))
        .unwrap();
    file.write_all(b"{\"kind\":\"pinned\",\"at\":1.0,\"by\":\"web\"}\n")
        .unwrap();
    file.write_all(br#"{"kind":"used","at":2.0,"turn_"#)
        .unwrap();
    assert_eq!(store.load(id.as_str()).unwrap().feedback.len(), 1);

    let reports = store.recover().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].torn_feedback_bytes, Some(30));
    assert_eq!(reports[0].torn_line_bytes, None);
    assert_eq!(
        fs::read(dir.join("feedback.jsonl.torn")).unwrap(),
        b"{\"kind\":\"used\",\"at\":2.0,\"turn_\n"
    );
    // The meeting itself was complete and stays so; a second run finds nothing.
    let meeting = store.load(id.as_str()).unwrap();
    assert_eq!(meeting.info.status, MeetingStatus::Complete);
    assert_eq!(meeting.feedback.len(), 1);
    assert!(store.recover().unwrap().is_empty());
    // A line that is not feedback at all is an error that says where.
    fs::write(dir.join("feedback.jsonl"), b"{\"kind\":\"used\"}\n").unwrap();
    let error = store.load(id.as_str()).unwrap_err().to_string();
    assert!(
        error.contains("line 1 is not facilitator feedback"),
        "{error}"
    );
}

#[test]
fn feedback_needs_a_meeting_and_a_finite_time() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let nowhere = MeetingId("20260101-000000-none".into());
    assert!(matches!(
        store.append_feedback(&nowhere, &dismissed(1, "blame")),
        Err(StoreError::NotFound { .. })
    ));
    let writer = store
        .create_meeting(&new_meeting("call", &["mic"]))
        .unwrap();
    let mut bad = dismissed(1, "blame");
    bad.at = f64::NAN;
    assert!(store.append_feedback(writer.id(), &bad).is_err());
    assert!(!writer.dir().join("feedback.jsonl").exists());
}
