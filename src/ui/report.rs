//! `ui/report.rs`: what does the meeting leave behind?
//!
//! The summary a facilitator sends after the review (the founding guide
//! promises one "within 24 hours"): title, date, duration and participants;
//! the agreed action items, with those still missing an owner or a deadline
//! listed apart; the flagged moments with the words that triggered each tag
//! and a line to reframe it; what the facilitator marked; talk time per
//! speaker; the tagged patterns per speaker, framed as a learning aid and
//! never as a score of people; and the timeline of every turn.
//!
//! [`Report::from_meeting`] gathers it from a loaded [`Meeting`] without IO,
//! through the same code paths as `meetings show` and `actions` (the stored
//! tags and nudges, [`Meeting::marks_of`], [`meeting_actions`]).
//! [`Report::markdown`] and [`Report::html`] render it; the HTML is one
//! self-contained page (inline CSS and SVG, no script, no link to anything)
//! that prints cleanly, and every transcript string in it is escaped.

use std::fmt::{self, Write};

use time::OffsetDateTime;

use crate::analysis::{meeting_actions, span_text, ActionItem, Label, Tag};
use crate::nudges::lines;
use crate::store::{FeedbackKind, Meeting, MeetingStatus, TurnRecord};
use crate::ui::escape_html as esc;

/// What the report says about the patterns per speaker, in both formats.
const PATTERNS_NOTE: &str = "A learning aid for the facilitator, not a score of people. \
These counts show where the conversation drifted toward blame, defensiveness, hindsight, \
pressure or dismissal, so the next review can steer back earlier. Anyone says these things \
under pressure; the review is about the system around people. Do not rank, grade or \
compare anyone by these numbers.";

/// What the flagged moments are, in both formats.
const FLAGGED_NOTE: &str = "Turns the tagger flagged, with the words that triggered each \
tag and a line that brings the discussion back to what the system showed. \"Nudged\" means \
blameless suggested the line during the meeting; \"suggested\" lines are offered now.";

/// Longest speaker name drawn in the talk-time chart, in characters.
const CHART_NAME_CHARS: usize = 18;
/// Width of the longest talk-time bar in Markdown, in characters.
const TEXT_BAR_WIDTH: usize = 30;

/// Everything the report says about one meeting, built by
/// [`Report::from_meeting`] and rendered by [`Report::markdown`] or
/// [`Report::html`].
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The meeting's id.
    pub meeting_id: String,
    /// The title the meeting was given.
    pub title: String,
    /// When it started (UTC).
    pub started_at: OffsetDateTime,
    /// How long it lasted, in seconds: the longest recording (or the end of
    /// the last turn, if later), or the end of the last turn for a meeting
    /// without audio (an import).
    pub duration_s: f64,
    /// Where the meeting is in its life.
    pub status: MeetingStatus,
    /// Why the meeting was interrupted, if it was.
    pub interruption: Option<String>,
    /// Who spoke (or, for turns without a speaker, the audio source), in
    /// the order they first spoke.
    pub participants: Vec<String>,
    /// Agreed action items with both an owner and a deadline.
    pub actions: Vec<ReportAction>,
    /// Agreed action items missing an owner, a deadline or both.
    pub incomplete_actions: Vec<ReportAction>,
    /// The turns the tagger flagged, in meeting order.
    pub flagged: Vec<FlaggedMoment>,
    /// What the facilitator marked, in the order it was marked.
    pub marks: Vec<Mark>,
    /// Talk time per participant, in [`Report::participants`] order.
    pub talk_time: Vec<TalkTime>,
    /// Tag counts per participant, in [`Report::participants`] order.
    pub patterns: Vec<SpeakerPatterns>,
    /// Every turn, in meeting order.
    pub timeline: Vec<TimelineTurn>,
}

/// One agreed action item and where it was agreed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportAction {
    /// The item, as `blameless actions` finds it.
    pub item: ActionItem,
    /// When the first turn of its agreement started, in meeting seconds.
    pub start: Option<f64>,
    /// Who said that turn.
    pub said_by: Option<String>,
}

/// One turn of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineTurn {
    /// The turn's id.
    pub id: u64,
    /// Start, in seconds from the meeting start.
    pub start: f64,
    /// End, in seconds from the meeting start.
    pub end: f64,
    /// The speaker, or the audio source when nobody was attributed.
    pub who: String,
    /// What was said.
    pub text: String,
    /// Why the turn has no text, when it has none.
    pub untranscribed: Option<String>,
    /// The tagger's tags, with their evidence spans in `text`.
    pub tags: Vec<Tag>,
    /// The nudge blameless gave on this turn, if any.
    pub nudge: Option<GivenNudge>,
    /// The facilitator's marks on this turn.
    pub marks: Vec<FeedbackKind>,
}

/// A nudge as stored with its turn.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenNudge {
    /// A tag label, or `balance`, `action_item`, `opening`, `closing`.
    pub label: String,
    /// The line the facilitator was offered.
    pub text: String,
    /// Why it was offered.
    pub reason: String,
}

/// A flagged turn with its evidence and a reframe.
#[derive(Debug, Clone, PartialEq)]
pub struct FlaggedMoment {
    /// The turn's id.
    pub turn_id: u64,
    /// Start, in seconds from the meeting start.
    pub start: f64,
    /// The speaker, or the audio source.
    pub who: String,
    /// What was said.
    pub text: String,
    /// The tags, each with the spans of `text` that triggered it.
    pub tags: Vec<Tag>,
    /// A line that brings the discussion back to the system.
    pub reframe: Reframe,
    /// The facilitator's marks on this turn.
    pub marks: Vec<FeedbackKind>,
}

/// The line offered for a flagged turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Reframe {
    /// The tag it answers.
    pub label: Label,
    /// What the facilitator can say.
    pub text: String,
    /// The nudge blameless gave during the meeting (true), or a line of the
    /// label's family chosen for the report (false).
    pub nudged: bool,
}

/// One thing the facilitator marked.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// When, in seconds of meeting time.
    pub at: f64,
    /// What kind of mark.
    pub kind: FeedbackKind,
    /// Words for people, with the nudge it was about.
    pub description: String,
    /// The turn it marks, if it marks one.
    pub turn: Option<MarkedTurn>,
}

/// The turn a mark is about.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkedTurn {
    /// The turn's id.
    pub id: u64,
    /// Start, in seconds from the meeting start.
    pub start: f64,
    /// The speaker, or the audio source.
    pub who: String,
    /// What was said.
    pub text: String,
}

/// How long one participant spoke.
#[derive(Debug, Clone, PartialEq)]
pub struct TalkTime {
    /// The speaker, or the audio source.
    pub who: String,
    /// Seconds of their turns, summed.
    pub seconds: f64,
    /// How many turns.
    pub n_turns: usize,
}

/// How often one participant's turns carried each tag.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeakerPatterns {
    /// The speaker, or the audio source.
    pub who: String,
    /// Turns tagged with each label, in [`Label::ALL`] order.
    pub counts: [usize; Label::ALL.len()],
}

impl Report {
    /// Gathers the report of a loaded meeting. No IO: the tags, nudges and
    /// speaker corrections are those [`crate::store::Store::load`] merged in.
    pub fn from_meeting(meeting: &Meeting) -> Report {
        let timeline: Vec<TimelineTurn> = meeting
            .turns
            .iter()
            .map(|turn| TimelineTurn {
                id: turn.id,
                start: turn.start,
                end: turn.end,
                who: who(turn),
                text: turn.text.clone(),
                untranscribed: turn.untranscribed.clone(),
                tags: stored_tags(turn),
                nudge: stored_nudge(turn),
                marks: meeting.marks_of(turn.id),
            })
            .collect();
        let mut participants: Vec<String> = Vec::new();
        for turn in &timeline {
            if !participants.contains(&turn.who) {
                participants.push(turn.who.clone());
            }
        }
        // A meeting without audio (an import) ends when it was stored, not
        // when the people stopped talking.
        let recorded_s = match meeting.info.ended_at {
            Some(end) if !meeting.info.sources.is_empty() => {
                (end - meeting.info.started_at).as_seconds_f64()
            }
            _ => 0.0,
        };
        let spoken_s = timeline.iter().map(|t| t.end).fold(0.0, f64::max);

        let (actions, incomplete_actions) = meeting_actions(meeting, None)
            .into_iter()
            .map(|item| {
                let first = item
                    .turns
                    .first()
                    .and_then(|id| timeline.iter().find(|t| t.id == *id));
                ReportAction {
                    start: first.map(|t| t.start),
                    said_by: first.map(|t| t.who.clone()),
                    item,
                }
            })
            .partition(|a| a.item.missing().is_none());

        let flagged = meeting
            .turns
            .iter()
            .zip(&timeline)
            .filter(|(_, t)| !t.tags.is_empty())
            .filter_map(|(record, t)| {
                Some(FlaggedMoment {
                    turn_id: t.id,
                    start: t.start,
                    who: t.who.clone(),
                    text: t.text.clone(),
                    tags: t.tags.clone(),
                    reframe: reframe(record, &t.tags, t.nudge.as_ref())?,
                    marks: t.marks.clone(),
                })
            })
            .collect();

        let marks = meeting
            .feedback
            .iter()
            .filter(|f| f.kind != FeedbackKind::Opened)
            .map(|f| Mark {
                at: f.at,
                kind: f.kind,
                description: f.describe(),
                turn: f
                    .turn_id
                    .and_then(|id| timeline.iter().find(|t| t.id == id))
                    .map(|t| MarkedTurn {
                        id: t.id,
                        start: t.start,
                        who: t.who.clone(),
                        text: t.text.clone(),
                    }),
            })
            .collect();

        let talk_time = participants
            .iter()
            .map(|p| {
                let theirs = timeline.iter().filter(|t| &t.who == p);
                TalkTime {
                    who: p.clone(),
                    seconds: theirs.clone().map(|t| (t.end - t.start).max(0.0)).sum(),
                    n_turns: theirs.count(),
                }
            })
            .collect();

        let patterns = participants
            .iter()
            .map(|p| {
                let mut counts = [0; Label::ALL.len()];
                for turn in timeline.iter().filter(|t| &t.who == p) {
                    for (i, label) in Label::ALL.iter().enumerate() {
                        if turn.tags.iter().any(|tag| tag.label == *label) {
                            counts[i] += 1;
                        }
                    }
                }
                SpeakerPatterns {
                    who: p.clone(),
                    counts,
                }
            })
            .collect();

        Report {
            meeting_id: meeting.info.id.as_str().to_owned(),
            title: meeting.info.title.clone(),
            started_at: meeting.info.started_at,
            duration_s: recorded_s.max(spoken_s),
            status: meeting.info.status,
            interruption: meeting.info.interruption.clone(),
            participants,
            actions,
            incomplete_actions,
            flagged,
            marks,
            talk_time,
            patterns,
            timeline,
        }
    }

    /// Seconds of speech in all turns: the sum of [`Report::talk_time`].
    pub fn total_talk_s(&self) -> f64 {
        self.talk_time.iter().map(|t| t.seconds).sum()
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = self.write_markdown(&mut out);
        out
    }

    /// The report as one self-contained HTML page: inline CSS and SVG, no
    /// script and no reference to anything outside the page, readable when
    /// printed. Every transcript string is escaped.
    pub fn html(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = self.write_html(&mut out);
        out
    }

    fn write_markdown(&self, out: &mut String) -> fmt::Result {
        writeln!(out, "# {}\n", md(&self.title))?;
        writeln!(out, "- Date: {}", date(self.started_at))?;
        writeln!(out, "- Duration: {}", duration_words(self.duration_s))?;
        writeln!(out, "- Participants: {}", md(&self.participants.join(", ")))?;
        writeln!(
            out,
            "- Meeting: `{}` ({})",
            self.meeting_id,
            self.status_words()
        )?;

        writeln!(out, "\n## Action items\n")?;
        if self.actions.is_empty() {
            writeln!(
                out,
                "No action item with an owner and a deadline was agreed."
            )?;
        }
        for action in &self.actions {
            writeln!(out, "- [ ] {}", md_action(action))?;
        }
        writeln!(out, "\n### Missing an owner or a deadline\n")?;
        if self.incomplete_actions.is_empty() {
            writeln!(
                out,
                "None: every agreed action item has an owner and a deadline."
            )?;
        }
        for action in &self.incomplete_actions {
            writeln!(out, "- [ ] {}", md_action(action))?;
        }

        writeln!(out, "\n## Flagged moments\n")?;
        writeln!(out, "{FLAGGED_NOTE}")?;
        if self.flagged.is_empty() {
            writeln!(out, "\nNo turn was flagged.")?;
        }
        for moment in &self.flagged {
            writeln!(
                out,
                "\n### {} {}: {}\n",
                clock(moment.start),
                md(&moment.who),
                labels_words(&moment.tags)
            )?;
            writeln!(out, "> {}\n", md(&one_line(&moment.text)))?;
            for tag in &moment.tags {
                writeln!(
                    out,
                    "- Evidence of {} ({:.2}): {}",
                    label_words(tag.label),
                    tag.confidence,
                    md(&evidence(&moment.text, tag))
                )?;
            }
            writeln!(
                out,
                "- Reframe ({}, {}): {}",
                label_words(moment.reframe.label),
                if moment.reframe.nudged {
                    "nudged"
                } else {
                    "suggested"
                },
                md(&moment.reframe.text)
            )?;
            if !moment.marks.is_empty() {
                writeln!(out, "- Facilitator marked: {}", marks_words(&moment.marks))?;
            }
        }

        writeln!(out, "\n## Facilitator marks\n")?;
        if self.marks.is_empty() {
            writeln!(out, "The facilitator marked nothing in this meeting.")?;
        }
        for mark in &self.marks {
            write!(out, "- {} {}", clock(mark.at), md(&mark.description))?;
            if let Some(turn) = &mark.turn {
                write!(
                    out,
                    ": {} at {}, \"{}\"",
                    md(&turn.who),
                    clock(turn.start),
                    md(&excerpt(&turn.text))
                )?;
            }
            writeln!(out)?;
        }

        writeln!(out, "\n## Talk time\n")?;
        let total = self.total_talk_s();
        let longest = self.talk_time.iter().map(|t| t.seconds).fold(0.0, f64::max);
        let name_width = self
            .talk_time
            .iter()
            .map(|t| t.who.chars().count())
            .max()
            .unwrap_or(0);
        writeln!(out, "```text")?;
        for talk in &self.talk_time {
            let n = bar_units(talk.seconds, longest, TEXT_BAR_WIDTH);
            writeln!(
                out,
                "{:<name_width$}  {}{}  {:>6}  {:>3.0}%  {:>3} turns",
                talk.who.replace('`', "'"),
                "█".repeat(n),
                " ".repeat(TEXT_BAR_WIDTH - n),
                clock(talk.seconds),
                share(talk.seconds, total),
                talk.n_turns
            )?;
        }
        writeln!(out, "```\n")?;
        writeln!(
            out,
            "{} of speech in {} turns.",
            clock(total),
            self.timeline.len()
        )?;

        writeln!(out, "\n## Patterns to learn from\n")?;
        writeln!(out, "{PATTERNS_NOTE}\n")?;
        write!(out, "| Speaker |")?;
        for label in Label::ALL {
            write!(out, " {} |", label_words(label))?;
        }
        write!(out, "\n| --- |")?;
        for _ in Label::ALL {
            write!(out, " ---: |")?;
        }
        writeln!(out)?;
        for row in &self.patterns {
            write!(out, "| {} |", md(&row.who))?;
            for count in row.counts {
                write!(out, " {count} |")?;
            }
            writeln!(out)?;
        }

        writeln!(out, "\n## Timeline\n")?;
        if self.timeline.is_empty() {
            writeln!(out, "No turns were stored.")?;
        }
        for turn in &self.timeline {
            let text = match &turn.untranscribed {
                Some(reason) => format!("_(untranscribed: {})_", md(reason)),
                None => highlighted(&turn.text, &turn.tags, md, |s, _| format!("**{s}**")),
            };
            write!(out, "- {} {}: {text}", clock(turn.start), md(&turn.who))?;
            if !turn.tags.is_empty() {
                write!(out, " _[{}]_", labels_words(&turn.tags))?;
            }
            writeln!(out)?;
            if let Some(nudge) = &turn.nudge {
                writeln!(
                    out,
                    "  - nudge ({}): {}",
                    md(&nudge_label_words(&nudge.label)),
                    md(&nudge.text)
                )?;
            }
            if !turn.marks.is_empty() {
                writeln!(out, "  - facilitator marked: {}", marks_words(&turn.marks))?;
            }
        }
        Ok(())
    }

    fn write_html(&self, out: &mut String) -> fmt::Result {
        writeln!(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>")?;
        writeln!(out, "<meta charset=\"utf-8\">")?;
        writeln!(
            out,
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        )?;
        writeln!(
            out,
            "<title>{}: post-incident review</title>",
            esc(&self.title)
        )?;
        writeln!(out, "<style>{CSS}</style>\n</head>\n<body>")?;

        writeln!(
            out,
            "<header>\n<h1>{}</h1>\n<dl class=\"facts\">",
            esc(&self.title)
        )?;
        for (term, value) in [
            ("Date", date(self.started_at)),
            ("Duration", duration_words(self.duration_s)),
            ("Participants", self.participants.join(", ")),
            (
                "Meeting",
                format!("{} ({})", self.meeting_id, self.status_words()),
            ),
        ] {
            writeln!(out, "<dt>{term}</dt><dd>{}</dd>", esc(&value))?;
        }
        writeln!(out, "</dl>\n</header>")?;

        writeln!(out, "<section id=\"action-items\">\n<h2>Action items</h2>")?;
        html_actions(
            out,
            &self.actions,
            "No action item with an owner and a deadline was agreed.",
        )?;
        writeln!(out, "<h3>Missing an owner or a deadline</h3>")?;
        html_actions(
            out,
            &self.incomplete_actions,
            "None: every agreed action item has an owner and a deadline.",
        )?;
        writeln!(out, "</section>")?;

        writeln!(
            out,
            "<section id=\"flagged-moments\">\n<h2>Flagged moments</h2>"
        )?;
        writeln!(out, "<p class=\"note\">{}</p>", esc(FLAGGED_NOTE))?;
        if self.flagged.is_empty() {
            writeln!(out, "<p>No turn was flagged.</p>")?;
        }
        for moment in &self.flagged {
            writeln!(out, "<article class=\"moment\">")?;
            writeln!(
                out,
                "<h3><span class=\"time\">{}</span> {}: {}</h3>",
                clock(moment.start),
                esc(&moment.who),
                esc(&labels_words(&moment.tags))
            )?;
            writeln!(
                out,
                "<blockquote>{}</blockquote>\n<ul>",
                highlighted(&moment.text, &moment.tags, esc, mark_html)
            )?;
            for tag in &moment.tags {
                writeln!(
                    out,
                    "<li><strong>Evidence of {} ({:.2}):</strong> {}</li>",
                    label_words(tag.label),
                    tag.confidence,
                    esc(&evidence(&moment.text, tag))
                )?;
            }
            writeln!(
                out,
                "<li class=\"reframe\"><strong>Reframe ({}, {}):</strong> {}</li>",
                label_words(moment.reframe.label),
                if moment.reframe.nudged {
                    "nudged"
                } else {
                    "suggested"
                },
                esc(&moment.reframe.text)
            )?;
            if !moment.marks.is_empty() {
                writeln!(
                    out,
                    "<li><strong>Facilitator marked:</strong> {}</li>",
                    esc(&marks_words(&moment.marks))
                )?;
            }
            writeln!(out, "</ul>\n</article>")?;
        }
        writeln!(out, "</section>")?;

        writeln!(
            out,
            "<section id=\"facilitator-marks\">\n<h2>Facilitator marks</h2>"
        )?;
        if self.marks.is_empty() {
            writeln!(
                out,
                "<p>The facilitator marked nothing in this meeting.</p>"
            )?;
        } else {
            writeln!(out, "<ul>")?;
            for mark in &self.marks {
                write!(
                    out,
                    "<li><span class=\"time\">{}</span> {}",
                    clock(mark.at),
                    esc(&mark.description)
                )?;
                if let Some(turn) = &mark.turn {
                    write!(
                        out,
                        ": {} at {}, &ldquo;{}&rdquo;",
                        esc(&turn.who),
                        clock(turn.start),
                        esc(&excerpt(&turn.text))
                    )?;
                }
                writeln!(out, "</li>")?;
            }
            writeln!(out, "</ul>")?;
        }
        writeln!(out, "</section>")?;

        writeln!(out, "<section id=\"talk-time\">\n<h2>Talk time</h2>")?;
        self.write_talk_svg(out)?;
        writeln!(
            out,
            "<p>{} of speech in {} turns.</p>\n</section>",
            clock(self.total_talk_s()),
            self.timeline.len()
        )?;

        writeln!(
            out,
            "<section id=\"patterns\">\n<h2>Patterns to learn from</h2>"
        )?;
        writeln!(out, "<p class=\"note\">{}</p>", esc(PATTERNS_NOTE))?;
        write!(out, "<table>\n<thead><tr><th scope=\"col\">Speaker</th>")?;
        for label in Label::ALL {
            write!(out, "<th scope=\"col\">{}</th>", label_words(label))?;
        }
        writeln!(out, "</tr></thead>\n<tbody>")?;
        for row in &self.patterns {
            write!(out, "<tr><th scope=\"row\">{}</th>", esc(&row.who))?;
            for count in row.counts {
                write!(out, "<td>{count}</td>")?;
            }
            writeln!(out, "</tr>")?;
        }
        writeln!(out, "</tbody>\n</table>\n</section>")?;

        writeln!(out, "<section id=\"timeline\">\n<h2>Timeline</h2>")?;
        if self.timeline.is_empty() {
            writeln!(out, "<p>No turns were stored.</p>")?;
        } else {
            writeln!(out, "<ol class=\"timeline\">")?;
            for turn in &self.timeline {
                let text = match &turn.untranscribed {
                    Some(reason) => format!("<em>(untranscribed: {})</em>", esc(reason)),
                    None => highlighted(&turn.text, &turn.tags, esc, mark_html),
                };
                write!(
                    out,
                    "<li><span class=\"time\">{}</span> <span class=\"who\">{}</span> {text}",
                    clock(turn.start),
                    esc(&turn.who)
                )?;
                if !turn.tags.is_empty() {
                    write!(
                        out,
                        " <span class=\"labels\">[{}]</span>",
                        esc(&labels_words(&turn.tags))
                    )?;
                }
                if let Some(nudge) = &turn.nudge {
                    write!(
                        out,
                        "<div class=\"nudge\">nudge ({}): {}</div>",
                        esc(&nudge_label_words(&nudge.label)),
                        esc(&nudge.text)
                    )?;
                }
                if !turn.marks.is_empty() {
                    write!(
                        out,
                        "<div class=\"marked\">facilitator marked: {}</div>",
                        esc(&marks_words(&turn.marks))
                    )?;
                }
                writeln!(out, "</li>")?;
            }
            writeln!(out, "</ol>")?;
        }
        writeln!(out, "</section>")?;
        writeln!(
            out,
            "<footer>Written by blameless from meeting {}.</footer>\n</body>\n</html>",
            esc(&self.meeting_id)
        )
    }

    /// Talk time as horizontal bars in inline SVG (no external reference:
    /// inline SVG in HTML needs no namespace declaration).
    fn write_talk_svg(&self, out: &mut String) -> fmt::Result {
        const ROW: usize = 26;
        const LABEL_W: usize = 150;
        const BAR_W: f64 = 360.0;
        let total = self.total_talk_s();
        let longest = self.talk_time.iter().map(|t| t.seconds).fold(0.0, f64::max);
        let height = ROW * self.talk_time.len().max(1);
        writeln!(
            out,
            "<svg class=\"talk\" width=\"640\" height=\"{height}\" viewBox=\"0 0 640 {height}\" \
             role=\"img\" aria-label=\"Talk time per speaker\">"
        )?;
        for (i, talk) in self.talk_time.iter().enumerate() {
            let y = i * ROW;
            let width = if longest > 0.0 {
                talk.seconds / longest * BAR_W
            } else {
                0.0
            };
            let name: String = talk.who.chars().take(CHART_NAME_CHARS).collect();
            let name = if talk.who.chars().count() > CHART_NAME_CHARS {
                format!("{name}…")
            } else {
                name
            };
            writeln!(
                out,
                "<g><title>{}: {} ({:.0}%, {} turns)</title>\
                 <text x=\"0\" y=\"{}\">{}</text>\
                 <rect x=\"{LABEL_W}\" y=\"{}\" width=\"{width:.1}\" height=\"16\" rx=\"2\"></rect>\
                 <text x=\"{:.1}\" y=\"{}\">{} · {:.0}%</text></g>",
                esc(&talk.who),
                clock(talk.seconds),
                share(talk.seconds, total),
                talk.n_turns,
                y + 17,
                esc(&name),
                y + 4,
                LABEL_W as f64 + width + 6.0,
                y + 17,
                clock(talk.seconds),
                share(talk.seconds, total)
            )?;
        }
        writeln!(out, "</svg>")
    }

    fn status_words(&self) -> String {
        match &self.interruption {
            Some(reason) => format!("{}: {reason}", self.status),
            None => self.status.to_string(),
        }
    }
}

/// The inline style sheet: screen and print.
const CSS: &str = "
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;max-width:54rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.7rem;margin-bottom:.3rem}
h2{font-size:1.3rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
.note{color:#57606a;font-size:.92rem}
.time{font-variant-numeric:tabular-nums;color:#57606a}
.who{font-weight:600}
.labels{color:#8250df;font-size:.9rem}
blockquote{margin:.3rem 0;padding:.2rem .8rem;border-left:4px solid #d0d7de;color:#24292f}
article.moment{break-inside:avoid}
.reframe{color:#0a3069}
mark{background:#fff1a8;color:inherit;padding:0 .1rem}
mark.blame{background:#ffd8d3}
mark.defensive{background:#fff1a8}
mark.counterfactual{background:#d3e7ff}
mark.exec_pressure{background:#eddcff}
mark.dismissive{background:#e4e7eb}
.nudge{color:#0a3069;font-size:.92rem;margin-left:1.5rem}
.marked{color:#9a6700;font-size:.92rem;margin-left:1.5rem}
ol.timeline{list-style:none;padding-left:0}
ol.timeline li{margin:.25rem 0}
ul.actions{list-style:none;padding-left:0}
ul.actions li::before{content:'\\2610  '}
table{border-collapse:collapse}
th,td{border:1px solid #d0d7de;padding:.2rem .6rem}
td{text-align:right;font-variant-numeric:tabular-nums}
thead th{background:#f6f8fa}
svg.talk{max-width:100%;height:auto}
svg.talk text{font:13px system-ui,sans-serif;fill:#1f2328}
svg.talk rect{fill:#0969da}
footer{margin-top:2rem;color:#57606a;font-size:.85rem}
@media print{
body{font-size:10.5pt;max-width:none;margin:0;padding:0;color:#000}
h2{break-after:avoid}
h3{break-after:avoid}
li,tr,blockquote,svg{break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
";

/// Writes a list of action items, or `empty` when there are none.
fn html_actions(out: &mut String, actions: &[ReportAction], empty: &str) -> fmt::Result {
    if actions.is_empty() {
        return writeln!(out, "<p>{}</p>", esc(empty));
    }
    writeln!(out, "<ul class=\"actions\">")?;
    for action in actions {
        let item = &action.item;
        write!(
            out,
            "<li><strong>{}</strong>: {}, {}",
            esc(item.owner.as_deref().unwrap_or("no owner")),
            esc(&item.task),
            esc(&due_words(item))
        )?;
        if let Some(missing) = item.missing() {
            write!(out, ". <strong>Missing: {missing}</strong>")?;
        }
        if let (Some(start), Some(by)) = (action.start, &action.said_by) {
            write!(
                out,
                ". <span class=\"time\">Agreed at {} ({})</span>",
                clock(start),
                esc(by)
            )?;
        }
        writeln!(out, "</li>")?;
    }
    writeln!(out, "</ul>")
}

/// One action item as a Markdown line (without the checkbox).
fn md_action(action: &ReportAction) -> String {
    let item = &action.item;
    let mut line = format!(
        "**{}**: {}, {}",
        md(item.owner.as_deref().unwrap_or("no owner")),
        md(&item.task),
        md(&due_words(item))
    );
    if let Some(missing) = item.missing() {
        line.push_str(&format!(". **Missing: {missing}**"));
    }
    if let (Some(start), Some(by)) = (action.start, &action.said_by) {
        line.push_str(&format!(". Agreed at {} ({})", clock(start), md(by)));
    }
    line
}

/// "due Friday (2026-11-27)", "due next week", "no deadline".
fn due_words(item: &ActionItem) -> String {
    match (&item.due, &item.due_date) {
        (Some(phrase), Some(day)) => format!("due {phrase} ({day})"),
        (Some(phrase), None) => format!("due {phrase}"),
        (None, _) => "no deadline".into(),
    }
}

/// The speaker, or the audio source when nobody was attributed.
fn who(turn: &TurnRecord) -> String {
    turn.speaker.clone().unwrap_or_else(|| turn.source.clone())
}

/// The tags stored with a turn (by the live pipeline, `import` or
/// `analyze`); none when it has none.
fn stored_tags(turn: &TurnRecord) -> Vec<Tag> {
    turn.extra
        .get("tags")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// The nudge stored with a turn, if any.
fn stored_nudge(turn: &TurnRecord) -> Option<GivenNudge> {
    let nudge = turn.extra.get("nudge")?;
    let field = |key: &str| nudge.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    Some(GivenNudge {
        label: field("label")?,
        text: field("text")?,
        reason: field("reason").unwrap_or_default(),
    })
}

/// The nudge given for one of the turn's tags, or else the redirection line
/// for its most confident tag.
fn reframe(turn: &TurnRecord, tags: &[Tag], nudge: Option<&GivenNudge>) -> Option<Reframe> {
    if let Some(nudge) = nudge {
        if let Some(label) =
            Label::parse(&nudge.label).filter(|l| tags.iter().any(|t| t.label == *l))
        {
            return Some(Reframe {
                label,
                text: nudge.text.clone(),
                nudged: true,
            });
        }
    }
    let top = tags.iter().reduce(|best, tag| {
        if tag.confidence > best.confidence {
            tag
        } else {
            best
        }
    })?;
    Some(Reframe {
        label: top.label,
        text: lines::reframe(top.label, &turn.text, person(turn)),
        nudged: false,
    })
}

/// The speaker's name, to address them in a line: not an audio source, nor
/// a voice cluster's id ("S2") while nobody has named it.
fn person(turn: &TurnRecord) -> Option<&str> {
    let speaker = turn.speaker.as_deref()?;
    let cluster = turn.extra.get("speaker_id").and_then(|v| v.as_str());
    (cluster != Some(speaker)).then_some(speaker)
}

/// A label in words for people.
fn label_words(label: Label) -> &'static str {
    match label {
        Label::Blame => "blame",
        Label::Defensive => "defensiveness",
        Label::Counterfactual => "hindsight",
        Label::ExecPressure => "executive pressure",
        Label::Dismissive => "dismissal",
    }
}

/// A nudge's label in words: a tag's as [`label_words`], `action_item`
/// as "action item".
fn nudge_label_words(label: &str) -> String {
    match Label::parse(label) {
        Some(label) => label_words(label).to_owned(),
        None => label.replace('_', " "),
    }
}

/// "blame, dismissal".
fn labels_words(tags: &[Tag]) -> String {
    tags.iter()
        .map(|t| label_words(t.label))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "key moment, action item".
fn marks_words(marks: &[FeedbackKind]) -> String {
    marks
        .iter()
        .map(|m| m.describe())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The words that triggered a tag: `"on him", "should know better"`.
fn evidence(text: &str, tag: &Tag) -> String {
    tag.evidence
        .iter()
        .map(|span| format!("\"{}\"", span_text(text, *span)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text with every tag's evidence wrapped by `mark`, each piece
/// escaped by `escape`. Overlapping spans are merged; the first tag whose
/// evidence starts a merged span names it.
fn highlighted(
    text: &str,
    tags: &[Tag],
    escape: impl Fn(&str) -> String,
    mark: impl Fn(&str, Label) -> String,
) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut spans: Vec<(usize, usize, Label)> = tags
        .iter()
        .flat_map(|t| {
            t.evidence
                .iter()
                .map(|s| (s[0].min(chars.len()), s[1].min(chars.len()), t.label))
        })
        .filter(|(start, end, _)| start < end)
        .collect();
    spans.sort_by_key(|(start, end, _)| (*start, std::cmp::Reverse(*end)));
    let mut merged: Vec<(usize, usize, Label)> = Vec::new();
    for (start, end, label) in spans {
        match merged.last_mut() {
            Some(last) if start < last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end, label)),
        }
    }
    let piece = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    let mut out = String::new();
    let mut at = 0;
    for (start, end, label) in merged {
        out.push_str(&escape(&piece(at, start)));
        out.push_str(&mark(&escape(&piece(start, end)), label));
        at = end;
    }
    out.push_str(&escape(&piece(at, chars.len())));
    out
}

fn mark_html(escaped: &str, label: Label) -> String {
    format!("<mark class=\"{}\">{escaped}</mark>", label.as_str())
}

/// Escapes what Markdown would read as markup (emphasis, links, HTML,
/// table cells), so a transcript renders as the words that were said.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Line breaks inside a turn as spaces, so each turn stays one list item.
fn one_line(text: &str) -> String {
    text.split(['\n', '\r']).collect::<Vec<_>>().join(" ")
}

/// At most about 80 characters of a turn, cut at a word.
fn excerpt(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        return one_line(text);
    }
    let cut: String = text.chars().take(MAX).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > MAX / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", one_line(cut))
}

/// Meeting time as `mm:ss`, or `h:mm:ss` from an hour on; whole seconds
/// cut, as `meetings show` and `actions` print them.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// "4 min 48 s", "1 h 02 min".
fn duration_words(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    if s >= 3600 {
        format!("{} h {:02} min", s / 3600, s / 60 % 60)
    } else {
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

/// "2026-11-24 14:05 UTC".
fn date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// Percent of `total`, 0 for no speech at all.
fn share(seconds: f64, total: f64) -> f64 {
    if total > 0.0 {
        seconds / total * 100.0
    } else {
        0.0
    }
}

/// Bar length in characters: the longest is `width`, any speech at least 1.
fn bar_units(seconds: f64, longest: f64, width: usize) -> usize {
    if longest <= 0.0 || seconds <= 0.0 {
        return 0;
    }
    ((seconds / longest * width as f64).round() as usize).clamp(1, width)
}

#[cfg(test)]
mod tests;
