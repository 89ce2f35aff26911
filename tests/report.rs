//! `blameless report` through the real binary: the bundled meeting imported
//! from its script (tagged on import like any meeting) and replayed from its
//! audio through the live pipeline, then reported as Markdown and HTML,
//! to stdout and to a file that is never overwritten without `--force`.

mod common;

use common::{ok, sample, stderr, Blameless};

/// Imports the bundled meeting's script and returns its id.
fn imported(b: &Blameless) -> String {
    let script = sample("postmortem.truth.jsonl");
    ok(b.run(&[
        "import",
        script.to_str().unwrap(),
        "--title",
        "Checkout outage",
        "--date",
        "2026-11-24",
    ]));
    meeting_id(b)
}

/// The id of the only stored meeting.
fn meeting_id(b: &Blameless) -> String {
    let list: serde_json::Value =
        serde_json::from_str(&ok(b.run(&["meetings", "list", "--format", "json"]))).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    list[0]["id"].as_str().unwrap().to_owned()
}

/// The `## ` headings of a Markdown report, in order.
fn sections(markdown: &str) -> Vec<&str> {
    markdown.lines().filter(|l| l.starts_with("## ")).collect()
}

const SECTIONS: [&str; 6] = [
    "## Action items",
    "## Flagged moments",
    "## Facilitator marks",
    "## Talk time",
    "## Patterns to learn from",
    "## Timeline",
];

#[test]
fn report_of_an_imported_meeting_in_both_formats() {
    let b = Blameless::new();
    let id = imported(&b);
    // A unique prefix is enough, as for `meetings show`.
    let markdown = ok(b.run(&["report", "20261124"]));
    assert!(markdown.starts_with("# Checkout outage\n"), "{markdown}");
    assert!(markdown.contains(&format!("- Meeting: `{id}` (complete)")));
    assert!(markdown.contains("- Participants: Maya, Dan, Priya, Greg"));
    assert_eq!(sections(&markdown), SECTIONS);
    // Every scripted turn is in the timeline, with its time.
    let timeline = &markdown[markdown.find("## Timeline").unwrap()..];
    assert_eq!(timeline.lines().filter(|l| l.starts_with("- ")).count(), 32);
    assert!(timeline.contains("- 00:44 Dan: The gateway had been slow all week"));
    // Priya's blame is flagged with its evidence and the nudge given on import.
    assert!(markdown.contains("### 00:58 Priya: blame"), "{markdown}");
    assert!(markdown.contains("\"Dan pushed the configuration without review\""));
    assert!(markdown.contains("- Reframe (blame, nudged): Let's leave Dan aside"));
    assert!(markdown.contains(
        "- [ ] **Priya**: add a canary check to the config pipeline, due Friday (2026-11-27)"
    ));
    assert!(markdown.contains("not a score of people"));

    let html = ok(b.run(&["report", &id, "--format", "html"]));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<h2>Talk time</h2>") && html.contains("<svg class=\"talk\""));
    assert!(
        html.contains("<mark class=\"blame\">Dan pushed the configuration without review</mark>")
    );
    assert!(
        !html.to_lowercase().contains("http"),
        "the page refers to the web"
    );
    assert!(!html.contains("<script") && !html.contains("src="));
}

#[test]
fn report_to_a_file_never_overwrites_without_force() {
    let b = Blameless::new();
    let id = imported(&b);
    let path = b.path("review.html");
    let out = path.to_str().unwrap();

    let written = b.run(&["report", &id, "-f", "html", "-o", out]);
    assert!(written.status.success(), "{}", stderr(&written));
    assert!(written.stdout.is_empty(), "the report went to stdout too");
    let first = std::fs::read_to_string(&path).unwrap();
    assert!(first.starts_with("<!DOCTYPE html>"));

    // The user's file stays as it was.
    std::fs::write(&path, "last week's notes").unwrap();
    let refused = b.run(&["report", &id, "-o", out]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("already exists; choose another file, or add --force"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "last week's notes");

    let forced = b.run(&["report", &id, "-o", out, "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    let markdown = std::fs::read_to_string(&path).unwrap();
    assert!(markdown.starts_with("# Checkout outage\n"));
    assert_eq!(markdown, ok(b.run(&["report", &id])));

    // --force alone is a usage error; an unknown meeting says where to look.
    assert_eq!(b.run(&["report", &id, "--force"]).status.code(), Some(2));
    let missing = b.run(&["report", "19990101"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("blameless meetings list"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn report_of_a_replayed_meeting() {
    let b = Blameless::new();
    let audio = sample("postmortem.wav");
    let events = ok(b.run(&[
        "replay",
        audio.to_str().unwrap(),
        "--speed",
        "max",
        "--format",
        "jsonl",
    ]));
    let n_turns = events
        .lines()
        .filter(|l| l.contains("\"type\":\"turn\""))
        .count();
    assert!(n_turns >= 30, "{n_turns} turns");
    let id = meeting_id(&b);

    let markdown = ok(b.run(&["report", &id]));
    assert!(markdown.starts_with("# postmortem\n"), "{markdown}");
    assert_eq!(sections(&markdown), SECTIONS);
    // The recording's length, not the turns': the audio is 4 min 49 s.
    assert!(markdown.contains("- Duration: 4 min 4"), "{markdown}");
    let timeline = &markdown[markdown.find("## Timeline").unwrap()..];
    assert_eq!(
        timeline.lines().filter(|l| l.starts_with("- ")).count(),
        n_turns
    );
    // What Whisper heard of the blame and the pressure is flagged.
    assert!(markdown.contains("Evidence of blame"), "{markdown}");
    assert!(
        markdown.contains("Evidence of executive pressure"),
        "{markdown}"
    );
    assert!(
        markdown.to_lowercase().contains("canary check"),
        "{markdown}"
    );
    // Voice clusters are not addressed by their ids in a suggested line.
    assert!(
        !markdown.contains("Reframe (defensiveness, suggested): S"),
        "{markdown}"
    );

    let html = ok(b.run(&["report", &id, "--format", "html"]));
    assert!(html.contains("<h2>Flagged moments</h2>") && html.contains("<mark class=\"blame\">"));
    assert!(!html.to_lowercase().contains("http"));
}
