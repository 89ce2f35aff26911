//! Search of past meetings through the real binary and a real tantivy index:
//! imports of the transcripts people have, queries with filters and counts,
//! rebuilds, and a meeting searchable while it is replayed.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use common::{ok, sample, stderr, stdout, Blameless};
use serde_json::Value;

const ZOOM_VTT: &str = "WEBVTT

1
00:00:01.020 --> 00:00:04.500
Priya Raman: The DNS TTL was set to one day,
so the rollback took hours.

2
00:00:05.000 --> 00:00:07.250
Lena Park: Who deployed this without a review?

3
00:01:10.000 --> 00:01:12.000
Priya Raman: We rolled back at two fifty two.
";

const TEAMS_VTT: &str = "WEBVTT

NOTE Exported from Teams

a1b2c3/15-0
00:00:03.000 --> 00:00:06.000
<v Marco Rossi>It was not my change,</v>

a1b2c3/15-1
00:00:06.000 --> 00:00:08.500
<v Marco Rossi>the config was fine &amp; reviewed.</v>

a1b2c3/16-0
00:00:09.000 --> 00:00:11.000
<v Sam Lee>Leadership wants a fix by Friday.</v>
";

/// Turns with tags in the tagger's format, as the store keeps them.
const TAGGED_JSONL: &str = r#"{"speaker": "Lena", "start": 1.0, "end": 4.0, "text": "You broke checkout again with that deploy.", "tags": [{"label": "blame", "confidence": 0.93, "evidence": [[4, 9]]}]}
{"speaker": "Dan", "start": 5.0, "end": 9.0, "text": "The runbook told me to raise the timeout.", "tags": [{"label": "defensive", "confidence": 0.81, "evidence": [[0, 11]]}]}
{"speaker": "Maya", "start": 10.0, "end": 14.0, "text": "If we had a canary, this would not have happened.", "tags": [{"label": "counterfactual", "confidence": 0.77, "evidence": [[0, 19]]}]}
{"speaker": "Lena", "start": 15.0, "end": 18.0, "text": "Someone should have caught the deploy in review.", "tags": [{"label": "blame", "confidence": 0.71, "evidence": [[0, 7]]}]}
{"speaker": "Maya", "start": 19.0, "end": 22.0, "text": "Dan will add a unit check to the timeout field by Friday.", "actions": [{"owner": "Dan", "task": "add a unit check to the timeout field", "due": "Friday"}]}
"#;

/// Writes `contents` to a file in the test's home and returns its path.
fn file(b: &Blameless, name: &str, contents: &str) -> PathBuf {
    let path = b.path(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// `blameless import PATH EXTRA`, tagging with the rules alone: these tests
/// are about what search does with tags, so the tags they expect must not
/// move when the learned layer is retrained (tests/tags.rs holds that).
fn import(b: &Blameless, path: &Path, extra: &[&str]) -> String {
    let mut args = vec!["import", path.to_str().unwrap(), "--rules-only"];
    args.extend_from_slice(extra);
    ok(b.run(&args))
}

/// `blameless search ARGS --format json`, parsed.
fn search_json(b: &Blameless, args: &[&str]) -> Value {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    serde_json::from_str(&ok(b.run(&all))).unwrap()
}

fn hit_texts(results: &Value) -> Vec<String> {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["text"].as_str().unwrap().to_owned())
        .collect()
}

/// An archive of three imported meetings: Zoom, Teams, tagged JSONL.
fn archive() -> Blameless {
    let b = Blameless::new();
    let zoom = file(&b, "zoom.vtt", ZOOM_VTT);
    import(
        &b,
        &zoom,
        &["--title", "Checkout outage review", "--date", "2026-11-20"],
    );
    let teams = file(&b, "teams.vtt", TEAMS_VTT);
    import(
        &b,
        &teams,
        &["--title", "Billing delay", "--date", "2026-12-02T09:30:00Z"],
    );
    let tagged = file(&b, "tagged.jsonl", TAGGED_JSONL);
    import(
        &b,
        &tagged,
        &["--title", "Payment timeout", "--date", "2026-12-10"],
    );
    b
}

#[test]
fn zoom_vtt_import_gives_named_searchable_turns() {
    let b = Blameless::new();
    let zoom = file(&b, "zoom.vtt", ZOOM_VTT);
    let said = import(&b, &zoom, &["--date", "2026-11-20"]);
    assert!(said.contains("3 turns, 2 speakers"), "{said}");
    let results = search_json(&b, &["who deployed"]);
    assert_eq!(results["total"], 1);
    let hit = &results["hits"][0];
    assert_eq!(hit["speaker"], "Lena Park");
    assert_eq!(hit["title"], "zoom", "the file stem by default");
    assert_eq!(hit["date"], "2026-11-20T00:00:00Z");
    assert_eq!(hit["start"], 5.0);
    assert_eq!(hit["end"], 7.25);
    assert_eq!(hit["text"], "Who deployed this without a review?");
    assert_eq!(
        hit["snippet"],
        "**Who** **deployed** this without a review?"
    );
    // Imported turns are tagged like recorded ones: an accusing question.
    assert_eq!(hit["tags"], serde_json::json!(["blame"]));
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    let blamed = search_json(&b, &["--tag", "blame", "review"]);
    assert_eq!(blamed["total"], 1, "{blamed}");
    let untagged = search_json(&b, &["TTL"]);
    assert_eq!(untagged["hits"][0]["tags"], serde_json::json!([]));
    let mut keys: Vec<&String> = hit.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "date",
            "end",
            "marks",
            "meeting_id",
            "score",
            "snippet",
            "speaker",
            "start",
            "tags",
            "text",
            "title"
        ]
    );
    // Text output: offset, speaker, title, date and the marked snippet.
    let text = ok(b.run(&["search", "TTL"]));
    assert!(
        text.contains("[00:01] Priya Raman — zoom (2026-11-20)"),
        "{text}"
    );
    assert!(text.contains("**TTL**"), "{text}");
}

#[test]
fn words_are_stemmed_and_quotes_are_exact() {
    let b = archive();
    // "rollbacks" finds "rollback"; "deploys" finds "deployed" and "deploy".
    assert_eq!(
        hit_texts(&search_json(&b, &["rollbacks"])),
        ["The DNS TTL was set to one day, so the rollback took hours."]
    );
    assert_eq!(search_json(&b, &["deploys"])["total"], 3);
    // Unquoted words match other forms and any order; quoted, exactly that.
    assert_eq!(search_json(&b, &["rolling back"])["total"], 1);
    assert_eq!(search_json(&b, &["\"rolled back\""])["total"], 1);
    assert_eq!(search_json(&b, &["\"rolling back\""])["total"], 0);
    assert_eq!(search_json(&b, &["\"back rolled\""])["total"], 0);
}

#[test]
fn filters_by_speaker_tag_meeting_and_date() {
    let b = archive();
    // A first name, any case, matches the full name too: the two turns of
    // "Lena" and the one of "Lena Park".
    assert_eq!(search_json(&b, &["--speaker", "lena"])["total"], 3);
    assert_eq!(
        search_json(&b, &["deploy", "--speaker", "Lena Park"])["total"],
        1
    );
    // Two tagged in the JSONL file, one tagged on import (the accusing
    // question in the Zoom file).
    let blame = search_json(&b, &["--tag", "blame"]);
    assert_eq!(blame["total"], 3);
    assert_eq!(blame["hits"][0]["tags"], serde_json::json!(["blame"]));
    assert_eq!(search_json(&b, &["deploy", "--tag", "blame"])["total"], 3);
    assert_eq!(
        search_json(&b, &["--tag", "blame", "--tag", "defensive"])["total"],
        0
    );
    assert_eq!(search_json(&b, &["--action-items"])["total"], 1);
    assert_eq!(search_json(&b, &["--since", "2026-12-01"])["total"], 3 + 5);
    assert_eq!(search_json(&b, &["--until", "2026-11-20"])["total"], 3);
    assert_eq!(
        search_json(
            &b,
            &["--since", "2026-12-02T09:30:00Z", "--until", "2026-12-02"]
        )["total"],
        3
    );
    // A meeting by a unique prefix of its id.
    let listed: Value =
        serde_json::from_str(&ok(b.run(&["meetings", "list", "-f", "json"]))).unwrap();
    let billing = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"] == "Billing delay")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let only = search_json(&b, &["--meeting", &billing[..12]]);
    assert_eq!(only["total"], 3);
    assert!(only["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["meeting_id"] == billing.as_str()));
    // Teams voices and multi-line cues.
    let marco = search_json(&b, &["config", "--speaker", "marco rossi"]);
    assert_eq!(marco["hits"][0]["text"], "the config was fine & reviewed.");
    assert_eq!(
        search_json(&b, &["--limit", "2"])["hits"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn counts_per_meeting_by_tag_and_speaker() {
    let b = archive();
    let counts: Value = serde_json::from_str(&ok(b.run(&[
        "search",
        "--count-by",
        "tag",
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(counts["total"], 11);
    assert_eq!(counts["totals"]["blame"], 3);
    assert_eq!(counts["totals"]["exec_pressure"], 1, "{counts}");
    assert_eq!(counts["n_meetings"], 3);
    let payment = &counts["meetings"][0];
    assert_eq!(payment["title"], "Payment timeout");
    assert_eq!(payment["counts"]["blame"], 2);
    assert_eq!(payment["counts"]["defensive"], 1);
    assert_eq!(payment["turns"], 5);
    let text = ok(b.run(&["search", "--count-by", "speaker", "--since", "2026-12-01"]));
    assert!(text.contains("Marco Rossi 2"), "{text}");
    assert!(text.contains("total: 8 turns in 2 meetings"), "{text}");
}

#[test]
fn bad_query_syntax_is_a_clear_error() {
    let b = archive();
    for query in ["(deploy", "speaker:", "\"unclosed"] {
        let out = b.run(&["search", query]);
        assert_eq!(out.status.code(), Some(1), "{query}");
        let err = stderr(&out);
        assert!(err.contains("cannot understand the query"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn an_empty_home_finds_nothing_without_error() {
    let b = Blameless::new();
    let results = search_json(&b, &["anything"]);
    assert_eq!(results, serde_json::json!({"hits": [], "total": 0}));
    assert!(ok(b.run(&["search", "anything"])).contains("no matches"));
}

#[test]
fn reindex_gives_identical_results() {
    let b = archive();
    let queries: [&[&str]; 4] = [
        &["deploy"],
        &["\"rolled back\""],
        &["--tag", "blame"],
        &["*", "--limit", "50"],
    ];
    let before: Vec<Value> = queries.iter().map(|q| search_json(&b, q)).collect();
    let said = ok(b.run(&["reindex"]));
    assert!(said.contains("indexed 11 turns of 3 meetings"), "{said}");
    let after: Vec<Value> = queries.iter().map(|q| search_json(&b, q)).collect();
    assert_eq!(before, after);
    // Thrown away entirely, the index comes back the same.
    std::fs::remove_dir_all(b.path("index")).unwrap();
    let rebuilt: Vec<Value> = queries.iter().map(|q| search_json(&b, q)).collect();
    assert_eq!(before, rebuilt);
}

#[test]
fn an_index_of_another_version_is_rebuilt() {
    let b = archive();
    let version = b.path("index").join("blameless-index.json");
    std::fs::write(&version, r#"{"schema_version": 0}"#).unwrap();
    let out = b.run(&["search", "deploy", "--format", "json"]);
    assert!(
        stderr(&out).contains("version 0 replaced"),
        "{}",
        stderr(&out)
    );
    let results: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(results["total"], 3);
    let now: Value = serde_json::from_slice(&std::fs::read(&version).unwrap()).unwrap();
    assert_eq!(now["schema_version"], blameless::search::SCHEMA_VERSION);
}

#[test]
fn reindex_while_another_process_writes_is_a_clear_error() {
    let b = archive();
    let held = blameless::search::lock(b.home.path()).unwrap();
    let out = b.run(&["reindex"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("being written by another blameless process"),
        "{}",
        stderr(&out)
    );
    // Searching still works, on what was committed.
    assert_eq!(search_json(&b, &["deploy"])["total"], 3);
    drop(held);
    ok(b.run(&["reindex"]));
}

#[test]
fn srt_and_jsonl_import() {
    let b = Blameless::new();
    let srt = file(
        &b,
        "call.srt",
        "1\n00:00:01,000 --> 00:00:02,500\nLena: We paged <i>twice</i>.\n\n2\n00:00:03,000 --> 00:00:04,000\nNobody answered.\n",
    );
    import(&b, &srt, &[]);
    let paged = search_json(&b, &["page"]);
    assert_eq!(paged["hits"][0]["speaker"], "Lena");
    assert_eq!(paged["hits"][0]["text"], "We paged twice.");
    // Without a name, the speaker is the file the turn came from.
    assert_eq!(
        search_json(&b, &["answered"])["hits"][0]["speaker"],
        "call.srt"
    );
    let plain = file(
        &b,
        "notes.jsonl",
        "{\"text\": \"The alert was muted.\"}\n{\"speaker\": \"Ana\", \"text\": \"By whom?\"}\n",
    );
    import(&b, &plain, &[]);
    assert_eq!(search_json(&b, &["muted"])["total"], 1);
}

#[test]
fn malformed_files_import_nothing() {
    let b = Blameless::new();
    let cases = [
        ("bad-time.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n\n00:00:03.000 --> 00:00:0x.000\nbroken\n", "bad-time.vtt:6"),
        ("no-header.vtt", "00:00:01.000 --> 00:00:02.000\nhello\n", "WEBVTT"),
        ("bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": 3}\n", "bad.jsonl:2"),
        ("empty.srt", "\n\n", "no subtitles"),
    ];
    for (name, contents, expected) in cases {
        let path = file(&b, name, contents);
        let out = b.run(&["import", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{name}: {err}");
        assert!(err.contains("nothing was imported"), "{name}: {err}");
    }
    let meetings: Vec<_> = std::fs::read_dir(b.path("meetings")).unwrap().collect();
    assert!(meetings.is_empty(), "{meetings:?}");
}

#[test]
fn export_writes_one_document_per_turn() {
    let b = archive();
    let out = b.path("archive.ndjson");
    ok(b.run(&[
        "export",
        "--format",
        "ndjson",
        "--out",
        out.to_str().unwrap(),
    ]));
    let docs: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 11);
    let blame = docs
        .iter()
        .find(|d| d["text"] == "You broke checkout again with that deploy.")
        .unwrap();
    assert_eq!(blame["tags"], serde_json::json!(["blame"]));
    assert_eq!(blame["speaker"], "Lena");
    assert_eq!(blame["date"], "2026-12-10T00:00:00Z");
    assert_eq!(blame["action"], false);
    assert!(docs.iter().any(|d| d["action"] == true));
    // To stdout by default.
    assert_eq!(ok(b.run(&["export"])).lines().count(), 11);
}

#[test]
fn audio_import_is_transcribed_and_searchable() {
    let b = Blameless::new();
    let jfk = sample("jfk.wav");
    let said = ok(b.run(&["import", jfk.to_str().unwrap(), "--title", "Inaugural"]));
    assert!(said.contains("imported"), "{said}");
    let results = search_json(&b, &["countries"]);
    assert!(results["total"].as_u64().unwrap() >= 1, "{results}");
    assert_eq!(results["hits"][0]["title"], "Inaugural");
    // The audio is kept with the meeting, like a recording.
    let listed: Value =
        serde_json::from_str(&ok(b.run(&["meetings", "list", "-f", "json"]))).unwrap();
    assert!(listed[0]["duration_s"].as_f64().unwrap() > 10.0, "{listed}");
}

/// Runs `search QUERY --format json` and returns the total.
fn total(b: &Blameless, query: &str) -> u64 {
    let out: Output = b.run(&["search", query, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    v["total"].as_u64().unwrap()
}

#[test]
fn a_replayed_meeting_is_searchable_while_it_runs_and_after() {
    let b = Blameless::new();
    let audio = sample("postmortem.wav");
    let mut child = b
        .cmd()
        .args([
            "replay",
            audio.to_str().unwrap(),
            "--speed",
            "4",
            "--format",
            "jsonl",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let mut turns: Vec<Value> = Vec::new();
    // Wait for a few turns to be printed (each is stored before it is shown).
    for line in lines.by_ref() {
        let event: Value = serde_json::from_str(&line).unwrap();
        if event["type"] == "turn" {
            turns.push(event);
            if turns.len() == 3 {
                break;
            }
        }
    }
    assert_eq!(turns.len(), 3, "the replay ended early");
    // A word of an already printed turn: longest, to be distinctive.
    let word: String = turns[1]["text"]
        .as_str()
        .unwrap()
        .split(|c: char| !c.is_alphanumeric())
        .max_by_key(|w| w.len())
        .unwrap()
        .to_lowercase();
    // Commits come about every second; poll (bounded) rather than time it.
    let mut found = 0;
    for _ in 0..120 {
        found = total(&b, &word);
        if found > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let still_running = child.try_wait().unwrap().is_none();
    assert!(found > 0, "{word:?} not found while the replay ran");
    assert!(
        still_running,
        "the replay ended before the search; nothing was shown live"
    );
    // Drain to the end.
    for line in lines {
        let event: Value = serde_json::from_str(&line).unwrap();
        if event["type"] == "turn" {
            turns.push(event);
        }
    }
    assert!(child.wait().unwrap().success());
    assert_eq!(total(&b, "*"), turns.len() as u64);
    let last = turns.last().unwrap()["text"].as_str().unwrap().to_owned();
    let quoted = format!(
        "\"{}\"",
        last.trim_end_matches(['.', '?', '!']).replace('"', "")
    );
    assert!(total(&b, &quoted) >= 1, "{quoted}");
    // Nothing missed: a reindex gives the same answers.
    let before = ok(b.run(&["search", &word, "--format", "json"]));
    ok(b.run(&["reindex"]));
    assert_eq!(before, ok(b.run(&["search", &word, "--format", "json"])));
}
