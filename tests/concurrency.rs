//! Concurrent use of one data home: two meetings replayed at once, a search
//! while the index is rebuilt, an import while a meeting is recorded. Each
//! command either works or fails with a clear message; none corrupts the
//! store or the index.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};

use common::{ok, sample, stderr, stdout, Blameless};
use serde_json::Value;

/// Turns of a `--format jsonl` event stream, and its meeting id.
fn turns_of(events: &str) -> (String, Vec<Value>) {
    let events: Vec<Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let id = events[0]["id"].as_str().unwrap().to_owned();
    let turns = events.into_iter().filter(|e| e["type"] == "turn").collect();
    (id, turns)
}

/// A failure must be a message, not a crash.
fn assert_clear_failure(output: &Output, what: &str) {
    let message = stderr(output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{what}: exit {:?}\n{message}",
        output.status.code()
    );
    assert!(
        message.starts_with("blameless: error:") && !message.contains("panicked"),
        "{what}: {message}"
    );
}

/// The stored meeting holds exactly the printed turns, and is complete.
fn assert_stored(b: &Blameless, id: &str, printed: &[Value]) {
    let shown: Value =
        serde_json::from_str(&ok(b.run(&["meetings", "show", id, "--format", "json"]))).unwrap();
    assert_eq!(shown["meeting"]["status"], "complete", "{shown}");
    let stored: Vec<&str> = shown["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["text"].as_str().unwrap())
        .collect();
    let printed: Vec<&str> = printed
        .iter()
        .map(|t| t["text"].as_str().unwrap())
        .collect();
    assert_eq!(stored, printed);
}

fn search_total(b: &Blameless, query: &str) -> u64 {
    let found: Value =
        serde_json::from_str(&ok(b.run(&["search", query, "--format", "json"]))).unwrap();
    found["total"].as_u64().unwrap()
}

#[test]
fn two_replays_at_once_each_store_their_meeting() {
    let b = Blameless::new();
    let jfk = sample("jfk.wav");
    let replay = || {
        b.cmd()
            .args(["replay", jfk.to_str().unwrap(), "--speed", "max"])
            .args(["--format", "jsonl", "--no-speakers", "--threads", "1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (replay(), replay());
    let outputs = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    let mut ids = Vec::new();
    for output in &outputs {
        assert!(output.status.success(), "{}", stderr(output));
        let (id, turns) = turns_of(&stdout(output));
        assert!(!turns.is_empty());
        assert_stored(&b, &id, &turns);
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1], "two meetings, never one shared directory");
    // Only one could write the index live; the other is caught up with.
    let found: Value =
        serde_json::from_str(&ok(b.run(&["search", "country", "--format", "json"]))).unwrap();
    let mut meetings: Vec<&str> = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["meeting_id"].as_str().unwrap())
        .collect();
    meetings.sort();
    meetings.dedup();
    assert_eq!(meetings.len(), 2, "{found}");
    assert!(ok(b.run(&["recover"])).contains("nothing to recover"));
}

#[test]
fn search_during_reindex_answers_in_full_or_says_why() {
    let b = Blameless::new();
    const N_MEETINGS: usize = 12;
    for i in 0..N_MEETINGS {
        let vtt = b.path(&format!("call-{i}.vtt"));
        fs::write(
            &vtt,
            format!(
                "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nLena: The checkout queue backed up in region {i}.\n\n\
                 00:00:03.000 --> 00:00:05.000\nDan: We drained the checkout queue.\n"
            ),
        )
        .unwrap();
        ok(b.run(&["import", vtt.to_str().unwrap()]));
    }
    ok(b.run(&["reindex"]));
    let expected = search_total(&b, "checkout");
    assert_eq!(expected, 2 * N_MEETINGS as u64);

    let mut reindex = b
        .cmd()
        .args(["reindex"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (mut answered, mut refused) = (0, 0);
    // Searches while rebuilds run, back to back.
    for _ in 0..40 {
        if let Ok(Some(status)) = reindex.try_wait() {
            assert!(status.success());
            reindex = b
                .cmd()
                .args(["reindex"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
        }
        let output = b.run(&["search", "checkout", "--format", "json"]);
        if output.status.success() {
            let found: Value = serde_json::from_str(&stdout(&output)).unwrap();
            assert_eq!(
                found["total"].as_u64(),
                Some(expected),
                "a search during a rebuild saw part of the index"
            );
            answered += 1;
        } else {
            assert_clear_failure(&output, "search during reindex");
            refused += 1;
        }
    }
    assert!(reindex.wait().unwrap().success());
    assert!(answered > 0, "every search failed ({refused})");
    assert_eq!(search_total(&b, "checkout"), expected);
}

#[test]
fn import_during_a_live_meeting_stores_both() {
    let b = Blameless::new();
    let jfk = sample("jfk.wav");
    let mut live = b
        .cmd()
        .args(["replay", jfk.to_str().unwrap(), "--speed", "1"])
        .args(["--format", "jsonl", "--no-speakers", "--threads", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut events = BufReader::new(live.stdout.take().unwrap()).lines();
    let first = events.next().unwrap().unwrap();
    assert!(first.contains("\"type\":\"meeting\""), "{first}");

    // The live meeting holds the index; the import is stored all the same.
    let vtt = b.path("earlier.vtt");
    fs::write(
        &vtt,
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nPriya: The quokkaleaf cache was cold after the failover.\n",
    )
    .unwrap();
    let imported = b.run(&["import", vtt.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    // Deleting the meeting being recorded is refused, and changes nothing.
    let live_event: Value = serde_json::from_str(&first).unwrap();
    let live_id = live_event["id"].as_str().unwrap();
    let refused = b.run(&["meetings", "delete", live_id, "--yes"]);
    assert_clear_failure(&refused, "delete during the meeting");
    assert!(
        stderr(&refused).contains("not deleting"),
        "{}",
        stderr(&refused)
    );
    assert!(b.home.path().join("meetings").join(live_id).is_dir());

    let rest: Vec<String> = events.map_while(Result::ok).collect();
    let status = live.wait().unwrap();
    assert!(status.success(), "the live meeting ended with {status:?}");
    let all = std::iter::once(first)
        .chain(rest)
        .collect::<Vec<_>>()
        .join("\n");
    let (id, turns) = turns_of(&all);
    assert_stored(&b, &id, &turns);
    assert_eq!(search_total(&b, "quokkaleaf"), 1);
    assert!(search_total(&b, "country") >= 1);
    assert!(ok(b.run(&["recover"])).contains("nothing to recover"));
}
