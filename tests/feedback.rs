//! Facilitator feedback through the real binary: marks stored beside a
//! meeting (as the terminal UI stores them, through the store's API) show
//! up in `meetings show`, in `search --marked` (after the index catches up
//! with them) and in `eval feedback`, while `--tag` keeps meaning the
//! tagger's labels.

mod common;

use blameless::store::{Feedback, FeedbackKind, NewMeeting, Store, TurnRecord};
use common::{ok, Blameless};
use serde_json::Value;

/// Turns with tags and a nudge in the stored format.
const MEETING_JSONL: &str = r#"{"speaker": "Lena", "start": 1.0, "end": 4.0, "text": "You broke checkout again with that deploy.", "tags": [{"label": "blame", "confidence": 0.93, "evidence": [[4, 9]]}], "nudge": {"label": "blame", "text": "What was the system showing then?", "reason": "blame 0.93"}}
{"speaker": "Dan", "start": 5.0, "end": 9.0, "text": "The runbook told me to raise the timeout.", "tags": [{"label": "defensive", "confidence": 0.81, "evidence": [[0, 11]]}]}
{"speaker": "Lena", "start": 75.0, "end": 78.0, "text": "Someone should have caught the deploy in review.", "tags": [{"label": "blame", "confidence": 0.71, "evidence": [[0, 7]]}], "nudge": {"label": "blame", "text": "Which check could have caught it?", "reason": "blame 0.71"}}
{"speaker": "Maya", "start": 79.0, "end": 82.0, "text": "Dan will add a unit check to the timeout field by Friday."}
"#;

/// Stores the meeting through the store's API (as a recording would: the
/// turns with their tags and nudges) and returns the binary's environment
/// and the meeting's id.
fn imported(title: &str, date: &str) -> (Blameless, String) {
    let b = Blameless::new();
    let store = Store::open(b.home.path()).unwrap();
    let started_at = time::OffsetDateTime::parse(
        &format!("{date}T10:00:00Z"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let mut writer = store
        .create_meeting(&NewMeeting {
            title: title.into(),
            model: "tiny.en".into(),
            sources: vec![],
            started_at,
            facilitator: None,
        })
        .unwrap();
    for (i, line) in MEETING_JSONL.lines().enumerate() {
        let mut fields: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
        let turn = TurnRecord {
            id: i as u64 + 1,
            source: "mic".into(),
            speaker: fields
                .remove("speaker")
                .and_then(|s| s.as_str().map(str::to_owned)),
            start: fields.remove("start").unwrap().as_f64().unwrap(),
            end: fields.remove("end").unwrap().as_f64().unwrap(),
            text: fields.remove("text").unwrap().as_str().unwrap().to_owned(),
            latency_ms: None,
            untranscribed: None,
            extra: fields,
        };
        writer.append_turn(&turn).unwrap();
    }
    let id = writer.finish().unwrap().id.as_str().to_owned();
    (b, id)
}

/// The stored turn ids of a meeting, in order.
fn turn_ids(store: &Store, id: &str) -> Vec<u64> {
    store.load(id).unwrap().turns.iter().map(|t| t.id).collect()
}

fn nudge_feedback(kind: FeedbackKind, turn: u64, label: &str) -> Feedback {
    Feedback {
        label: Some(label.into()),
        nudge: Some("What was the system showing then?".into()),
        ..Feedback::now(kind, turn as f64, Some(turn), "tui")
    }
}

fn search_json(b: &Blameless, args: &[&str]) -> Value {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    serde_json::from_str(&ok(b.run(&all))).unwrap()
}

#[test]
fn marks_show_in_meetings_show_search_and_eval_feedback() {
    let (b, id) = imported("Checkout outage review", "2026-11-20");
    let store = Store::open(b.home.path()).unwrap();
    let turns = turn_ids(&store, &id);
    let meeting = store.resolve(&id).unwrap();
    // Indexed before any mark: the marks must reach the index by catching up.
    assert_eq!(search_json(&b, &["--marked"])["total"], 0);

    store
        .append_feedback(
            &meeting,
            &Feedback::now(FeedbackKind::Opened, 0.0, None, "tui"),
        )
        .unwrap();
    store
        .append_feedback(
            &meeting,
            &nudge_feedback(FeedbackKind::Dismissed, turns[0], "blame"),
        )
        .unwrap();
    store
        .append_feedback(
            &meeting,
            &nudge_feedback(FeedbackKind::Used, turns[2], "blame"),
        )
        .unwrap();
    store
        .append_feedback(
            &meeting,
            &Feedback::now(FeedbackKind::KeyMoment, 8.0, Some(turns[1]), "tui"),
        )
        .unwrap();
    store
        .append_feedback(
            &meeting,
            &Feedback::now(FeedbackKind::ActionItem, 81.0, Some(turns[3]), "tui"),
        )
        .unwrap();
    store
        .append_feedback(
            &meeting,
            &Feedback::now(FeedbackKind::NudgesPaused, 90.0, None, "tui"),
        )
        .unwrap();

    // meetings show: each mark under its turn, pauses at the end.
    let shown = ok(b.run(&["meetings", "show", &id]));
    let lines: Vec<&str> = shown.lines().collect();
    let broke = lines
        .iter()
        .position(|l| l.contains("You broke checkout"))
        .unwrap();
    assert!(
        lines[broke + 1].contains(
            "marked: nudge dismissed as not helpful (blame: \"What was the system showing then?\")"
        ),
        "{shown}"
    );
    let runbook = lines
        .iter()
        .position(|l| l.contains("The runbook"))
        .unwrap();
    assert!(lines[runbook + 1].contains("marked: key moment"), "{shown}");
    assert!(
        shown.contains("[01:30] facilitator: nudges paused"),
        "{shown}"
    );
    assert!(!shown.contains("facilitator view opened"), "{shown}");
    let json: Value =
        serde_json::from_str(&ok(b.run(&["meetings", "show", &id, "-f", "json"]))).unwrap();
    assert_eq!(json["feedback"].as_array().unwrap().len(), 6);
    assert_eq!(json["feedback"][1]["kind"], "dismissed");
    assert_eq!(json["feedback"][1]["turn_id"], turns[0]);

    // search: any mark, one kind, several kinds, with a query; --tag unchanged.
    let any = search_json(&b, &["--marked"]);
    assert_eq!(any["total"], 4, "{any}");
    let key = search_json(&b, &["--marked=key_moment"]);
    assert_eq!(key["total"], 1);
    assert_eq!(
        key["hits"][0]["text"],
        "The runbook told me to raise the timeout."
    );
    assert_eq!(key["hits"][0]["marks"], serde_json::json!(["key_moment"]));
    assert_eq!(
        search_json(&b, &["--marked=dismissed", "--marked=used"])["total"],
        2
    );
    assert_eq!(
        search_json(&b, &["deploy", "--marked=dismissed"])["total"],
        1
    );
    assert_eq!(search_json(&b, &["timeout", "--marked"])["total"], 2);
    assert_eq!(search_json(&b, &["--tag", "blame"])["total"], 2);
    assert_eq!(search_json(&b, &["--tag", "dismissed"])["total"], 0);
    let text = ok(b.run(&["search", "--marked=action_item"]));
    assert!(text.contains("[marked: action_item]"), "{text}");
    // A bare --marked does not swallow the query after it.
    assert_eq!(search_json(&b, &["--marked", "runbook"])["total"], 1);

    // eval feedback: per label over the watched meeting.
    let eval: Value =
        serde_json::from_str(&ok(b.run(&["eval", "feedback", "--format", "json"]))).unwrap();
    assert_eq!(eval["meetings"], 1);
    assert_eq!(eval["watched_meetings"], 1);
    let blame = eval["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["label"] == "blame")
        .unwrap();
    assert_eq!(blame["shown"], 2, "{eval}");
    assert_eq!(blame["dismissed"], 1);
    assert_eq!(blame["used"], 1);
    assert_eq!(blame["dismiss_rate"], 0.5);
    let text = ok(b.run(&["eval", "feedback"]));
    assert!(
        text.lines()
            .any(|l| l.starts_with("blame") && l.contains("50%")),
        "{text}"
    );
}

#[test]
fn eval_feedback_leaves_out_meetings_nobody_watched() {
    let (b, _) = imported("Unwatched", "2026-11-21");
    let eval: Value =
        serde_json::from_str(&ok(b.run(&["eval", "feedback", "--format", "json"]))).unwrap();
    assert_eq!(eval["meetings"], 1);
    assert_eq!(eval["watched_meetings"], 0);
    assert_eq!(eval["labels"], serde_json::json!([]));
    assert!(eval["unwatched_nudges"].as_u64().unwrap() >= 2, "{eval}");
    let text = ok(b.run(&["eval", "feedback"]));
    assert!(text.contains("no feedback yet"), "{text}");
}
