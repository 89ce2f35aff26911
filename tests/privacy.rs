//! Privacy of stored data: everything blameless creates is owner-only
//! whatever the umask, `recover` tightens data from before, and the main
//! commands work with no network at all.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::{ok, sample, stderr, stdout, Blameless};

const CALL_VTT: &str = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nLena Park: We rolled back the checkout deploy at 14:05.\n\n\
00:00:04.500 --> 00:00:07.000\nDan: I'll write the runbook by Friday.\n";

/// Every entry under `root` as (path, mode), links left out.
fn modes(root: &Path) -> Vec<(String, u32, bool)> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = fs::symlink_metadata(&path).unwrap();
        if meta.file_type().is_symlink() {
            continue;
        }
        found.push((
            path.display().to_string(),
            meta.permissions().mode() & 0o7777,
            meta.is_dir(),
        ));
        if meta.is_dir() {
            for entry in fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
        }
    }
    found
}

/// Runs the binary through `sh` with umask 000 (everything world-writable
/// unless blameless says otherwise), with `home` as its data home.
fn run_with_open_umask(b: &Blameless, home: &Path, args: &[&str]) -> String {
    let cmd = b.cmd();
    let bin = env!("CARGO_BIN_EXE_blameless");
    let output = Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg(bin)
        .args(args)
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env("BLAMELESS_HOME", home)
        .output()
        .expect("run sh");
    ok(output)
}

fn assert_owner_only(root: &Path) {
    let entries = modes(root);
    assert!(
        entries.len() > 5,
        "expected a populated data home: {entries:?}"
    );
    let loose: Vec<_> = entries
        .iter()
        .filter(|(_, mode, is_dir)| *mode != if *is_dir { 0o700 } else { 0o600 })
        .collect();
    assert!(loose.is_empty(), "not owner-only: {loose:#?}");
}

#[test]
fn everything_stored_is_owner_only_whatever_the_umask() {
    let b = Blameless::new();
    // A data home blameless creates itself, under a umask that would make
    // everything readable (and writable) by anyone.
    let home = b.path("data");
    let vtt = b.path("call.vtt");
    fs::write(&vtt, CALL_VTT).unwrap();
    run_with_open_umask(
        &b,
        &home,
        &["import", vtt.to_str().unwrap(), "--title", "Checkout"],
    );
    // A live meeting: recordings, turns, the live index.
    let jfk = sample("jfk.wav");
    let events = run_with_open_umask(
        &b,
        &home,
        &[
            "replay",
            jfk.to_str().unwrap(),
            "--speed",
            "max",
            "--format",
            "jsonl",
            "--no-speakers",
        ],
    );
    assert!(events.contains("\"type\":\"turn\""), "{events}");
    run_with_open_umask(&b, &home, &["reindex"]);
    let meeting = run_with_open_umask(&b, &home, &["meetings", "list", "--format", "json"]);
    for m in serde_json::from_str::<serde_json::Value>(&meeting)
        .unwrap()
        .as_array()
        .unwrap()
    {
        let id = m["id"].as_str().unwrap();
        run_with_open_umask(
            &b,
            &home,
            &["analyze", id, "--rules-only", "--format", "jsonl"],
        );
    }
    let search = run_with_open_umask(&b, &home, &["search", "runbook"]);
    assert!(search.contains("runbook"), "{search}");
    let names: Vec<String> = modes(&home).into_iter().map(|(p, _, _)| p).collect();
    assert!(
        names.iter().any(|n| n.ends_with(".wav")) && names.iter().any(|n| n.contains("index")),
        "recordings and the index are among what is checked: {names:?}"
    );
    assert_owner_only(&home);
}

#[test]
fn recover_makes_existing_data_owner_only() {
    let b = Blameless::new();
    let vtt = b.path("call.vtt");
    fs::write(&vtt, CALL_VTT).unwrap();
    ok(b.run(&["import", vtt.to_str().unwrap()]));
    ok(b.run(&["reindex"]));
    fs::remove_file(&vtt).unwrap();
    // As an older version (or a copy by hand) would have left it.
    let status = Command::new("chmod")
        .args(["-R", "go+rX"])
        .arg(b.home.path())
        .status()
        .unwrap();
    assert!(status.success());
    let output = b.run(&["recover"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("made owner-only"),
        "{}",
        stderr(&output)
    );
    assert_owner_only(b.home.path());
    let again = b.run(&["recover"]);
    assert!(
        !stderr(&again).contains("owner-only"),
        "a second recover changes nothing"
    );
}

/// The main commands inside a network namespace with no interfaces (not
/// even loopback): nothing they do needs a network.
#[test]
fn main_commands_work_without_a_network() {
    let unshare = Command::new("unshare").args(["-n", "true"]).status();
    assert!(
        matches!(unshare, Ok(s) if s.success()),
        "this test runs commands in a network namespace: run it as root with util-linux's unshare (scripts/test.sh does, as CI)"
    );
    let b = Blameless::new();
    let offline = |args: &[&str]| -> String {
        let cmd = b.cmd();
        let output = Command::new("unshare")
            .arg("-n")
            .arg(env!("CARGO_BIN_EXE_blameless"))
            .args(args)
            .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .output()
            .expect("unshare");
        assert!(
            output.status.success(),
            "blameless {args:?} failed without a network: exit {:?}\n{}\n{}",
            output.status.code(),
            stdout(&output),
            stderr(&output)
        );
        stdout(&output)
    };
    let jfk = sample("jfk.wav");
    let jfk = jfk.to_str().unwrap();
    let vtt = b.path("call.vtt");
    fs::write(&vtt, CALL_VTT).unwrap();
    let turns = b.path("turns.jsonl");
    fs::write(
        &turns,
        "{\"id\": 1, \"speaker\": \"Dan\", \"text\": \"that outage is on the payments team, they dropped the ball\"}\n",
    )
    .unwrap();

    let text = offline(&["transcribe", jfk]);
    assert!(text.to_lowercase().contains("country"), "{text}");
    let events = offline(&[
        "replay",
        jfk,
        "--speed",
        "max",
        "--format",
        "jsonl",
        "--no-speakers",
    ]);
    assert!(events.contains("\"type\":\"turn\""), "{events}");
    // --no-audio: the same meeting, transcript only.
    let events = offline(&[
        "replay",
        jfk,
        "--speed",
        "max",
        "--format",
        "jsonl",
        "--no-speakers",
        "--no-audio",
    ]);
    let meeting: serde_json::Value = serde_json::from_str(events.lines().next().unwrap()).unwrap();
    let dir = Path::new(meeting["dir"].as_str().unwrap()).to_owned();
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".wav")), "{names:?}");
    let stored = fs::read_to_string(dir.join("turns.jsonl")).unwrap();
    assert!(stored.to_lowercase().contains("country"), "{stored}");
    offline(&["import", vtt.to_str().unwrap(), "--title", "Checkout"]);
    let tagged = offline(&[
        "analyze",
        "--turns",
        turns.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    assert!(tagged.contains("blame"), "{tagged}");
    let list = offline(&["meetings", "list", "--format", "json"]);
    let meetings: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(meetings.as_array().unwrap().len(), 3, "{list}");
    for meeting in meetings.as_array().unwrap() {
        let id = meeting["id"].as_str().unwrap();
        offline(&["meetings", "show", id]);
        offline(&["analyze", id, "--format", "jsonl"]);
        offline(&["actions", id]);
    }
    offline(&["reindex"]);
    let found = offline(&["search", "country"]);
    assert!(found.to_lowercase().contains("country"), "{found}");
    let found = offline(&["search", "runbook", "--format", "json"]);
    assert!(found.contains("runbook"), "{found}");
    offline(&["export"]);
    offline(&["recover"]);
    offline(&["models", "list"]);
}

/// Every file of the search index, as one byte string.
fn index_bytes(home: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in fs::read_dir(home.join("index")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            bytes.extend(fs::read(path).unwrap());
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_deleted_meeting_leaves_no_trace_in_store_or_index() {
    let b = Blameless::new();
    let vtt = b.path("call.vtt");
    fs::write(
        &vtt,
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nLena: The zyxwvutsr cache went down.\n",
    )
    .unwrap();
    ok(b.run(&["import", vtt.to_str().unwrap(), "--title", "Secret"]));
    let other = b.path("other.vtt");
    fs::write(&other, CALL_VTT).unwrap();
    ok(b.run(&["import", other.to_str().unwrap(), "--title", "Checkout"]));
    ok(b.run(&["reindex"]));
    assert!(ok(b.run(&["search", "zyxwvutsr"])).contains("zyxwvutsr"));
    assert!(
        contains(&index_bytes(b.home.path()), b"zyxwvutsr"),
        "the index holds the word as a term, so its absence below means something"
    );
    let list: serde_json::Value =
        serde_json::from_str(&ok(b.run(&["meetings", "list", "--format", "json"]))).unwrap();
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"] == "Secret")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // No terminal to ask on (stdin is not one here): a clear refusal.
    let refused = b
        .cmd()
        .args(["meetings", "delete", &id])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("--yes"), "{}", stderr(&refused));
    assert!(
        b.home.path().join("meetings").join(&id).is_dir(),
        "nothing deleted"
    );

    let deleted = ok(b.run(&["meetings", "delete", &id, "--yes"]));
    assert!(deleted.contains(&id), "{deleted}");
    let left: Vec<String> = fs::read_dir(b.home.path().join("meetings"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 1, "only the other meeting is left: {left:?}");
    let found = ok(b.run(&["search", "zyxwvutsr", "--format", "json"]));
    assert!(!found.contains("zyxwvutsr"), "{found}");
    assert!(
        !contains(&index_bytes(b.home.path()), b"zyxwvutsr"),
        "the deleted meeting's words are gone from the index files"
    );
    assert!(
        ok(b.run(&["search", "runbook"])).contains("runbook"),
        "the other meeting is intact"
    );
    let again = b.run(&["meetings", "delete", &id, "--yes"]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "an unknown meeting is an error"
    );
}
