//! The report's structure on the bundled post-mortem (its script's turns,
//! tagged by the rules as `analyze` tags a stored meeting), with a few turns
//! added for what the script does not have: action items missing an owner
//! or a deadline, and a speaker who says `<script>`.

use super::*;
use crate::analysis::Label;
use crate::nudges::{Coach, NudgeConfig};
use crate::store::{Feedback, FeedbackKind, Meeting, MeetingInfo, TurnRecord};

/// The bundled meeting's script.
const SCRIPT: &str = include_str!("../../../samples/postmortem.truth.jsonl");

/// Turns after the script's end: an item with an owner but no deadline, one
/// the facilitator logs without an owner, and markup in a name and a turn.
const EXTRA: &str = r#"{"speaker": "Maya", "start": 290.0, "end": 293.0, "text": "Dan, can you add paging for the checkout errors?"}
{"speaker": "Dan", "start": 293.5, "end": 296.0, "text": "Yes, I will add paging for the checkout errors."}
{"speaker": "Maya", "role": "facilitator", "start": 296.5, "end": 300.0, "text": "Action item, no owner yet: audit which config fields have units."}
{"speaker": "<b>Ops</b>", "start": 300.5, "end": 305.0, "text": "Honestly, Dan pushed <script>alert(1)</script> without review. That's on him."}
"#;

/// The meeting as `Store::load` returns it after `blameless analyze
/// --rules-only`: every turn tagged and nudged by the coach, with marks.
fn meeting() -> Meeting {
    let info: MeetingInfo = serde_json::from_value(serde_json::json!({
        "schema": 1,
        "id": "20261124-100000-checkout-outage",
        "title": "Checkout outage",
        "started_at": "2026-11-24T10:00:00Z",
        "ended_at": "2026-11-24T10:05:10Z",
        "model": "tiny.en",
        "sources": [],
        "status": "complete",
    }))
    .unwrap();
    let mut turns: Vec<TurnRecord> = SCRIPT
        .lines()
        .chain(EXTRA.lines())
        .enumerate()
        .map(|(i, line)| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            TurnRecord {
                id: i as u64 + 1,
                source: "mic".into(),
                speaker: v["speaker"].as_str().map(str::to_owned),
                start: v["start"].as_f64().unwrap(),
                end: v["end"].as_f64().unwrap(),
                text: v["text"].as_str().unwrap().to_owned(),
                latency_ms: None,
                untranscribed: None,
                // An import keeps a turn's other fields, such as its role.
                extra: v
                    .get("role")
                    .map(|role| serde_json::Map::from_iter([("role".to_string(), role.clone())]))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let mut coach = Coach::new(Some(NudgeConfig::default()), None, &[])
        .with_meeting_date(info.started_at.date());
    for speaker in turns.iter().filter_map(|t| t.speaker.clone()) {
        coach.know(&speaker);
    }
    for turn in &mut turns {
        coach.annotate(turn);
    }
    let feedback = vec![
        Feedback::now(FeedbackKind::Opened, 0.0, None, "tui"),
        Feedback {
            label: Some("blame".into()),
            nudge: Some("Let's leave Dan aside for a moment".into()),
            ..Feedback::now(FeedbackKind::Dismissed, 67.0, Some(6), "tui")
        },
        Feedback::now(FeedbackKind::KeyMoment, 180.0, Some(18), "tui"),
    ];
    Meeting {
        info,
        turns,
        feedback,
    }
}

fn turn_id(meeting: &Meeting, starts_with: &str) -> u64 {
    meeting
        .turns
        .iter()
        .find(|t| t.text.starts_with(starts_with))
        .unwrap_or_else(|| panic!("no turn {starts_with:?}"))
        .id
}

/// The lines of `text` starting with one of `prefixes`, in order.
fn lines_starting<'a>(text: &'a str, prefixes: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|l| prefixes.iter().any(|p| l.starts_with(p)))
        .collect()
}

#[test]
fn markdown_sections_come_in_order() {
    let markdown = Report::from_meeting(&meeting()).markdown();
    assert_eq!(
        lines_starting(&markdown, &["# ", "## ", "### Missing"]),
        [
            "# Checkout outage",
            "## Action items",
            "### Missing an owner or a deadline",
            "## Flagged moments",
            "## Facilitator marks",
            "## Talk time",
            "## Patterns to learn from",
            "## Timeline",
        ]
    );
    assert_eq!(
        lines_starting(&markdown, &["- Date", "- Duration", "- Participants"]),
        [
            "- Date: 2026-11-24 10:00 UTC",
            "- Duration: 5 min 05 s",
            "- Participants: Maya, Dan, Priya, Greg, \\<b\\>Ops\\</b\\>",
        ]
    );
}

#[test]
fn html_sections_come_in_the_same_order() {
    let html = Report::from_meeting(&meeting()).html();
    let headings: Vec<&str> = html
        .lines()
        .filter(|l| {
            l.starts_with("<h1>")
                || l.starts_with("<h2>")
                || l == &"<h3>Missing an owner or a deadline</h3>"
        })
        .collect();
    assert_eq!(
        headings,
        [
            "<h1>Checkout outage</h1>",
            "<h2>Action items</h2>",
            "<h3>Missing an owner or a deadline</h3>",
            "<h2>Flagged moments</h2>",
            "<h2>Facilitator marks</h2>",
            "<h2>Talk time</h2>",
            "<h2>Patterns to learn from</h2>",
            "<h2>Timeline</h2>",
        ]
    );
}

#[test]
fn a_flagged_turn_shows_its_evidence_and_reframe() {
    let meeting = meeting();
    let report = Report::from_meeting(&meeting);
    let blame = turn_id(&meeting, "Honestly, Dan pushed the configuration");
    let moment = report
        .flagged
        .iter()
        .find(|m| m.turn_id == blame)
        .expect("Priya's blame is flagged");
    assert_eq!(moment.who, "Priya");
    assert!(moment.tags.iter().any(|t| t.label == Label::Blame));
    // The coach nudged this turn: the report repeats that line.
    assert_eq!(
        moment.reframe,
        Reframe {
            label: Label::Blame,
            text: "Let's leave Dan aside for a moment: what was the system showing then?".into(),
            nudged: true,
        }
    );
    assert_eq!(moment.marks, [FeedbackKind::Dismissed]);

    // Dan's answer is tagged but the rate limit held its nudge back: the
    // report offers the label's line that fits his words.
    let defensive = turn_id(&meeting, "That's not fair.");
    let moment = report
        .flagged
        .iter()
        .find(|m| m.turn_id == defensive)
        .expect("Dan's defensiveness is flagged");
    assert!(meeting.turns[defensive as usize - 1]
        .extra
        .get("nudge")
        .is_none());
    assert_eq!(moment.reframe.label, Label::Defensive);
    assert!(!moment.reframe.nudged);
    assert_eq!(
        moment.reframe.text,
        "Dan, you followed the runbook, and that helps us. Where did it stop matching what was happening?"
    );

    let markdown = report.markdown();
    let section = between(&markdown, "### 00:58 Priya: blame", "\n### ");
    assert!(
        section.contains("> Honestly, Dan pushed the configuration without review."),
        "{section}"
    );
    assert!(
        section.contains(
            "- Evidence of blame (0.99): \"Dan pushed the configuration without review\""
        ),
        "{section}"
    );
    assert!(
        section.contains("- Reframe (blame, nudged): Let's leave Dan aside for a moment"),
        "{section}"
    );
    assert!(
        section.contains("- Facilitator marked: nudge dismissed as not helpful"),
        "{section}"
    );
    assert!(
        markdown.contains("- Reframe (defensiveness, suggested): Dan, you followed the runbook")
    );

    let html = report.html();
    assert!(
        html.contains("<mark class=\"blame\">Dan pushed the configuration without review</mark>")
    );
    assert!(html.contains("<strong>Reframe (blame, nudged):</strong> Let&#39;s leave Dan aside"));
}

#[test]
fn every_flagged_turn_has_a_reframe_without_placeholders() {
    let report = Report::from_meeting(&meeting());
    let tagged = report
        .timeline
        .iter()
        .filter(|t| !t.tags.is_empty())
        .count();
    assert!(tagged >= 5, "{tagged} tagged turns");
    assert_eq!(report.flagged.len(), tagged);
    for moment in &report.flagged {
        assert!(!moment.reframe.text.is_empty());
        assert!(
            !moment.reframe.text.contains('{'),
            "{}",
            moment.reframe.text
        );
        assert!(moment.tags.iter().any(|t| t.label == moment.reframe.label));
    }
}

#[test]
fn action_items_with_and_without_owners_land_in_the_right_lists() {
    let report = Report::from_meeting(&meeting());
    let tasks = |actions: &[ReportAction]| -> Vec<String> {
        actions.iter().map(|a| a.item.task.clone()).collect()
    };
    assert!(report.actions.iter().all(|a| a.item.missing().is_none()));
    assert!(report
        .incomplete_actions
        .iter()
        .all(|a| a.item.missing().is_some()));
    assert!(tasks(&report.actions).contains(&"add a canary check to the config pipeline".into()));
    let incomplete = tasks(&report.incomplete_actions);
    assert!(
        incomplete.contains(&"add paging for the checkout errors".into()),
        "{incomplete:?}"
    );
    assert!(
        incomplete
            .iter()
            .any(|t| t.contains("config fields have units")),
        "{incomplete:?}"
    );

    let markdown = report.markdown();
    let complete = between(&markdown, "## Action items", "### Missing");
    let missing = between(
        &markdown,
        "### Missing an owner or a deadline",
        "## Flagged",
    );
    assert!(complete.contains("- [ ] **Priya**: add a canary check to the config pipeline, due Friday (2026-11-27). Agreed at 03:54 (Maya)"), "{complete}");
    assert!(!complete.contains("paging"), "{complete}");
    assert!(
        missing.contains(
            "- [ ] **Dan**: add paging for the checkout errors, no deadline. **Missing: deadline**"
        ),
        "{missing}"
    );
    assert!(missing.contains("- [ ] **no owner**: "), "{missing}");
    assert!(
        missing.contains("**Missing: owner and deadline**"),
        "{missing}"
    );
    assert!(!missing.contains("canary"), "{missing}");

    let html = report.html();
    let missing = between(
        &html,
        "<h3>Missing an owner or a deadline</h3>",
        "</section>",
    );
    assert!(
        missing.contains("<strong>Dan</strong>: add paging for the checkout errors, no deadline"),
        "{missing}"
    );
}

#[test]
fn transcript_strings_are_escaped_and_the_page_is_self_contained() {
    let report = Report::from_meeting(&meeting());
    let html = report.html();
    assert!(
        !html.contains("<script"),
        "a speaker's <script> became markup"
    );
    assert!(!html.contains("<b>"), "a speaker's name became markup");
    assert!(html.contains("Dan pushed &lt;script&gt;alert(1)&lt;/script&gt; without review"));
    assert!(html.contains("&lt;b&gt;Ops&lt;/b&gt;"));
    assert!(
        !html.to_lowercase().contains("http"),
        "the page refers to the web"
    );
    for external in [
        "src=", "href=", "url(", "@import", "<link", "<iframe", "<img",
    ] {
        assert!(!html.contains(external), "{external} in the page");
    }
    assert!(html.contains("<style>") && html.contains("@media print"));
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));

    let markdown = report.markdown();
    assert!(!markdown.contains("<script>"));
    assert!(markdown.contains("\\<script\\>alert(1)\\</script\\>"));
}

#[test]
fn talk_time_adds_up() {
    let meeting = meeting();
    let report = Report::from_meeting(&meeting);
    let spoken: f64 = meeting.turns.iter().map(|t| t.end - t.start).sum();
    assert!((report.total_talk_s() - spoken).abs() < 1e-9);
    assert_eq!(
        report.talk_time.iter().map(|t| t.n_turns).sum::<usize>(),
        meeting.turns.len()
    );
    let who: Vec<&str> = report.talk_time.iter().map(|t| t.who.as_str()).collect();
    assert_eq!(who, report.participants);
    for talk in &report.talk_time {
        let theirs: f64 = meeting
            .turns
            .iter()
            .filter(|t| t.speaker.as_deref() == Some(&talk.who))
            .map(|t| t.end - t.start)
            .sum();
        assert!((talk.seconds - theirs).abs() < 1e-9, "{}", talk.who);
    }

    // The Markdown bars: one per participant, the longest full, shares
    // adding up to 100 % give or take rounding.
    let markdown = report.markdown();
    let chart = between(&markdown, "```text\n", "```");
    let rows: Vec<&str> = chart.lines().collect();
    assert_eq!(rows.len(), report.participants.len(), "{chart}");
    assert!(
        rows[0].starts_with("Maya") && rows[0].contains(&"█".repeat(TEXT_BAR_WIDTH)),
        "{chart}"
    );
    let shares: f64 = rows
        .iter()
        .map(|r| {
            let percent = r.split_whitespace().find(|w| w.ends_with('%')).unwrap();
            percent.trim_end_matches('%').parse::<f64>().unwrap()
        })
        .sum();
    assert!((shares - 100.0).abs() <= rows.len() as f64 * 0.5, "{chart}");
    assert!(markdown.contains(&format!(
        "{} of speech in {} turns.",
        clock(spoken),
        meeting.turns.len()
    )));

    // The SVG: a bar per participant.
    let html = report.html();
    let svg = between(&html, "<svg", "</svg>");
    assert_eq!(svg.matches("<rect").count(), report.participants.len());
}

#[test]
fn facilitator_marks_are_listed_without_the_view_opening() {
    let meeting = meeting();
    let report = Report::from_meeting(&meeting);
    assert_eq!(
        report.marks.iter().map(|m| m.kind).collect::<Vec<_>>(),
        [FeedbackKind::Dismissed, FeedbackKind::KeyMoment]
    );
    let markdown = report.markdown();
    let marks = between(&markdown, "## Facilitator marks", "## Talk time");
    assert!(marks.contains("- 01:07 nudge dismissed as not helpful (blame: \"Let's leave Dan aside for a moment\"): Priya at 00:58, \"Honestly, Dan pushed"), "{marks}");
    assert!(
        marks.contains(
            "- 03:00 key moment: Priya at 02:50, \"The error panel was on the second page."
        ),
        "{marks}"
    );
    assert!(!marks.contains("opened"), "{marks}");
    let timeline = between(&markdown, "## Timeline", "\u{0}");
    assert!(
        timeline.contains("  - facilitator marked: key moment"),
        "{timeline}"
    );
}

#[test]
fn tag_counts_are_framed_as_a_learning_aid() {
    let report = Report::from_meeting(&meeting());
    let greg = report.patterns.iter().find(|p| p.who == "Greg").unwrap();
    let exec = Label::ALL
        .iter()
        .position(|l| *l == Label::ExecPressure)
        .unwrap();
    assert!(greg.counts[exec] >= 2, "{greg:?}");
    // Everyone who spoke has a row, in speaking order, not ranked.
    let who: Vec<&str> = report.patterns.iter().map(|p| p.who.as_str()).collect();
    assert_eq!(who, report.participants);
    for text in [report.markdown(), report.html()] {
        assert!(text.contains("not a score of people"));
        assert!(text.contains("learning aid for the facilitator"));
    }
    let markdown = report.markdown();
    assert!(markdown.contains(
        "| Speaker | blame | defensiveness | hindsight | executive pressure | dismissal |"
    ));
}

#[test]
fn an_empty_meeting_still_reports() {
    let mut meeting = meeting();
    meeting.turns.clear();
    meeting.feedback.clear();
    let report = Report::from_meeting(&meeting);
    assert_eq!(report.duration_s, 0.0);
    let markdown = report.markdown();
    assert!(markdown.contains("No turns were stored."));
    assert!(markdown.contains("The facilitator marked nothing in this meeting."));
    assert!(markdown.contains("No turn was flagged."));
    assert!(report.html().contains("No turns were stored."));
}

#[test]
fn helpers() {
    assert_eq!(clock(59.6), "00:59");
    assert_eq!(clock(3725.0), "1:02:05");
    assert_eq!(duration_words(288.2), "4 min 48 s");
    assert_eq!(duration_words(3725.0), "1 h 02 min");
    assert_eq!(
        md("a *b* [c](d) <e> | f_g"),
        "a \\*b\\* \\[c\\](d) \\<e\\> \\| f\\_g"
    );
    assert_eq!(
        esc("<a href='x'>&</a>"),
        "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
    );
    assert_eq!(bar_units(0.0, 10.0, 30), 0);
    assert_eq!(bar_units(0.01, 10.0, 30), 1);
    assert_eq!(bar_units(10.0, 10.0, 30), 30);
    let tag = |label, evidence| Tag {
        label,
        confidence: 0.9,
        evidence,
    };
    // Overlapping spans of two tags become one highlight; spans past the end
    // are cut; characters, not bytes.
    let tags = [
        tag(Label::Blame, vec![[0, 4], [9, 99]]),
        tag(Label::Defensive, vec![[2, 6]]),
    ];
    assert_eq!(
        highlighted("héllo <x> wörld", &tags, esc, |s, l| format!(
            "[{}:{s}]",
            l.as_str()
        )),
        "[blame:héllo ]&lt;x&gt;[blame: wörld]"
    );
}

/// The part of `text` after `start` and before the next `end` (or the end).
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in:\n{text}"))
        + start.len();
    let rest = &text[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[test]
fn duration_is_the_recording_for_audio_and_the_last_turn_for_an_import() {
    let mut meeting = meeting();
    // An import is stored when it is imported: its end says nothing.
    assert_eq!(Report::from_meeting(&meeting).duration_s, 305.0);
    meeting.info.sources = serde_json::from_value(serde_json::json!([
        {"name": "mic", "file": "source-0.wav", "sample_rate": 16000}
    ]))
    .unwrap();
    assert_eq!(Report::from_meeting(&meeting).duration_s, 310.0);
}

#[test]
fn a_voice_cluster_is_not_addressed_by_its_id() {
    let mut meeting = meeting();
    let defensive = turn_id(&meeting, "That's not fair.") as usize - 1;
    let turn = &mut meeting.turns[defensive];
    turn.speaker = Some("S2".into());
    turn.extra.insert("speaker_id".into(), "S2".into());
    let report = Report::from_meeting(&meeting);
    let moment = report.flagged.iter().find(|m| m.who == "S2").unwrap();
    // A line that needs no name and fits "Nobody told me".
    assert_eq!(
        moment.reframe.text,
        "Missing information is a finding: where does it normally come from?"
    );
    // Once named (`speakers rename`), the name is used.
    meeting.turns[defensive].speaker = Some("Dan".into());
    let report = Report::from_meeting(&meeting);
    let moment = report
        .flagged
        .iter()
        .find(|m| m.turn_id == defensive as u64 + 1)
        .unwrap();
    assert!(moment
        .reframe
        .text
        .starts_with("Dan, you followed the runbook"));
}
