//! `blameless analyze` and `blameless actions`: the JSONL contract on a file
//! of turns, and tags written into a stored meeting.

mod common;

use std::io::Write;
use std::process::Stdio;

use blameless::store::{NewMeeting, Store, TurnRecord};
use common::{ok, stderr, Blameless};

const TURNS: &str = r#"{"id": "t1", "speaker": "Maya", "role": "facilitator", "text": "Thanks for joining. We are here to understand what happened and why, not who."}
{"id": 2, "speaker": "Priya", "text": "Honestly, Dan pushed the config without review. That's on him."}
{"id": "t3", "speaker": "Maya", "role": "facilitator", "text": "Let's not ask whose fault it was. What should the alert have shown?"}
{"id": "t4", "speaker": "Dan", "text": "That's not fair, I followed the runbook."}
{"id": "t5", "speaker": "Lena", "text": "lena will add a canary check by next friday"}
"#;

fn lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn one_output_line_per_turn_with_tags_evidence_and_nudges() {
    let b = Blameless::new();
    let file = b.path("turns.jsonl");
    std::fs::write(&file, TURNS).unwrap();
    let out = lines(&ok(b.run(&["analyze", "--turns", file.to_str().unwrap()])));
    assert_eq!(out.len(), 5);
    let ids: Vec<serde_json::Value> = out.iter().map(|l| l["id"].clone()).collect();
    assert_eq!(
        ids,
        serde_json::json!(["t1", 2, "t3", "t4", "t5"])
            .as_array()
            .unwrap()
            .clone()
    );

    // The blame turn: label, confidence, evidence as character spans.
    let tags = out[1]["tags"].as_array().unwrap();
    assert_eq!(tags.len(), 1, "{tags:?}");
    assert_eq!(tags[0]["label"], "blame");
    let confidence = tags[0]["confidence"].as_f64().unwrap();
    assert!(confidence > 0.5 && confidence <= 1.0);
    let text: Vec<char> = "Honestly, Dan pushed the config without review. That's on him."
        .chars()
        .collect();
    let evidence: Vec<String> = tags[0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            text[s[0].as_u64().unwrap() as usize..s[1].as_u64().unwrap() as usize]
                .iter()
                .collect()
        })
        .collect();
    assert!(
        evidence.contains(&"That's on him".to_string()),
        "{evidence:?}"
    );
    assert_eq!(out[1]["nudge"]["label"], "blame");
    assert!(
        out[1]["nudge"]["text"].as_str().unwrap().contains("Dan"),
        "{}",
        out[1]["nudge"]
    );

    // The facilitator's redirect is full of trigger words and never tagged.
    assert_eq!(out[2]["tags"], serde_json::json!([]));
    assert!(out[2]["nudge"].is_null());
    // Within a minute of the last nudge: tagged, but no new nudge.
    assert_eq!(out[3]["tags"][0]["label"], "defensive");
    assert!(out[3]["nudge"].is_null(), "rate limit: {}", out[3]);
    // The action item is found; the closing prompt rides on the last line.
    assert_eq!(out[4]["actions"][0]["owner"], "Lena");
    assert_eq!(out[4]["nudge"]["label"], "closing");

    // --nudge-every 0 lifts the rate limit; --facilitator works like the role.
    let no_roles: String = TURNS.replace(r#", "role": "facilitator""#, "");
    std::fs::write(&file, no_roles).unwrap();
    let out = lines(&ok(b.run(&[
        "analyze",
        "--turns",
        file.to_str().unwrap(),
        "--facilitator",
        "maya",
        "--nudge-every",
        "0",
    ])));
    assert_eq!(out[2]["tags"], serde_json::json!([]));
    assert_eq!(out[3]["nudge"]["label"], "defensive");
    let quiet = lines(&ok(b.run(&[
        "analyze",
        "--turns",
        file.to_str().unwrap(),
        "--no-nudges",
    ])));
    assert!(quiet.iter().all(|l| l["nudge"].is_null()));
}

#[test]
fn reads_stdin_prints_text_and_rejects_bad_lines() {
    let b = Blameless::new();
    let mut child = b
        .cmd()
        .args(["analyze", "--turns", "-", "--format", "text"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(TURNS.as_bytes())
        .unwrap();
    let text = ok(child.wait_with_output().unwrap());
    assert!(text.contains("[00:"), "{text}");
    assert!(text.contains(">> nudge (blame)"), "{text}");
    assert!(text.contains("blame 0."), "{text}");

    let bad = b.path("bad.jsonl");
    std::fs::write(&bad, "{\"id\": 1, \"text\": \"fine\"}\nnot json\n").unwrap();
    let out = b.run(&["analyze", "--turns", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
    let out = b.run(&["analyze"]);
    assert!(!out.status.success(), "a meeting or --turns is required");
}

#[test]
fn tags_a_stored_meeting_and_lists_its_action_items() {
    let b = Blameless::new();
    let store = Store::open(b.home.path()).unwrap();
    let mut writer = store
        .create_meeting(&NewMeeting {
            title: "Checkout outage".into(),
            model: "tiny.en".into(),
            sources: vec!["mic".into()],
            started_at: time::OffsetDateTime::now_utc(),
            facilitator: None,
        })
        .unwrap();
    let texts = [
        ("Priya", "That's on him, he should know better."),
        ("Lena", "Lena will add a canary check by next Friday."),
        ("Sam", "we need to update the runbook"),
    ];
    for (i, (speaker, text)) in texts.iter().enumerate() {
        writer
            .append_turn(&TurnRecord {
                id: i as u64 + 1,
                source: "mic".into(),
                speaker: Some(speaker.to_string()),
                start: i as f64 * 100.0,
                end: i as f64 * 100.0 + 5.0,
                text: text.to_string(),
                latency_ms: None,
                untranscribed: None,
                extra: Default::default(),
            })
            .unwrap();
    }
    let id = writer.finish().unwrap().id;
    let blamed = |b: &Blameless| -> serde_json::Value {
        let out = ok(b.run(&["search", "--tag", "blame", "--format", "json"]));
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["total"].clone()
    };
    assert_eq!(blamed(&b), 0, "not analysed yet");
    let out = lines(&ok(b.run(&["analyze", id.as_str()])));
    assert_eq!(out.len(), 3);
    assert_eq!(out[2]["nudge"]["label"], "action_item");

    // The tags are in the stored meeting now, beside its turns, which stay
    // exactly as recorded; a second run changes nothing.
    let dir = b.home.path().join("meetings").join(id.as_str());
    let recorded = std::fs::read_to_string(dir.join("turns.jsonl")).unwrap();
    let first = std::fs::read_to_string(dir.join("analysis.jsonl")).unwrap();
    let shown: serde_json::Value = serde_json::from_str(&ok(b.run(&[
        "meetings",
        "show",
        id.as_str(),
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(shown["turns"][0]["tags"][0]["label"], "blame");
    assert_eq!(
        shown["turns"][0]["text"],
        "That's on him, he should know better."
    );
    ok(b.run(&["analyze", id.as_str()]));
    assert_eq!(
        std::fs::read_to_string(dir.join("analysis.jsonl")).unwrap(),
        first
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("turns.jsonl")).unwrap(),
        recorded
    );

    let json: serde_json::Value =
        serde_json::from_str(&ok(b.run(&["actions", id.as_str(), "--format", "json"]))).unwrap();
    let actions = json["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert_eq!(actions[0]["owner"], "Lena");
    assert_eq!(actions[0]["due"], "next Friday");
    assert!(actions[1]["owner"].is_null());
    assert_eq!(actions[1]["missing"], "owner and deadline");
    let markdown = ok(b.run(&["actions", id.as_str()]));
    assert!(
        markdown.contains("- [ ] add a canary check (owner: Lena, due: next Friday"),
        "{markdown}"
    );
    assert!(
        markdown.contains("1 item(s) still need an owner or a deadline"),
        "{markdown}"
    );
}

/// The facilitator named at import (or recording) is kept with the meeting:
/// a later `analyze` reads their turns as the facilitator's without being
/// told again, and `meetings show` says who it was.
#[test]
fn a_stored_meeting_remembers_its_facilitator() {
    let b = Blameless::new();
    let file = b.home.path().join("turns.jsonl");
    // The facilitator repeats what she heard, to move past it: from anyone
    // else, the same words are blame.
    std::fs::write(
        &file,
        r#"{"speaker": "Maya", "text": "Honestly, Dan pushed the config without review. That's on him, is what I heard. Let's talk about the review step."}
{"speaker": "Dan", "text": "The review step was skipped because the pipeline allowed it."}
"#,
    )
    .unwrap();
    // "imported FILE as meeting ID: ..."
    let import = |facilitator: Option<&str>| -> String {
        let mut args = vec!["import", file.to_str().unwrap()];
        args.extend(
            facilitator
                .map(|f| ["--facilitator", f])
                .into_iter()
                .flatten(),
        );
        let out = ok(b.run(&args));
        let (_, rest) = out.split_once(" as meeting ").expect("the meeting's id");
        rest.split(':').next().unwrap().to_string()
    };
    let first_turn_tags = |id: &str| -> serde_json::Value {
        let out = lines(&ok(b.run(&["analyze", id, "--format", "jsonl"])));
        out[0]["tags"].clone()
    };

    let named = import(Some("Maya"));
    let shown: serde_json::Value =
        serde_json::from_str(&ok(b.run(&["meetings", "show", &named, "--format", "json"])))
            .unwrap();
    assert_eq!(shown["meeting"]["facilitator"], "Maya", "{shown}");
    assert_eq!(first_turn_tags(&named), serde_json::json!([]));

    // The same turns without a facilitator: the words are read as a
    // participant's.
    let unnamed = import(None);
    assert_eq!(first_turn_tags(&unnamed)[0]["label"], "blame");
}
