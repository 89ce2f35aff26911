//! `analyze`, `actions`, `eval tags` and `eval actions`.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use blameless::analysis::evaluate::{self, ActionScores};
use blameless::analysis::{
    meeting_actions, span_text, ActionItem, ActionLog, ConversationTurn, Label, Tag,
};
use blameless::cli::{ActionsFormat, AnalyzeArgs, AnalyzeFormat, ListFormat, NudgeArgs};
use blameless::config::Paths;
use blameless::encoder::{EncoderError, Encoders};
use blameless::nudges::{Coach, Nudge, NudgeConfig, TurnInput, TurnLine, TurnReview};
use blameless::store::{Meeting, Store, TurnRecord};
use serde_json::{json, Value};

/// The nudge policy the flags ask for, or `None` for `--no-nudges`.
pub fn nudge_config(args: &NudgeArgs) -> Result<Option<NudgeConfig>> {
    if !(args.nudge_every.is_finite() && args.nudge_every >= 0.0) {
        bail!("--nudge-every must be a number of seconds, 0 or more");
    }
    Ok((!args.no_nudges).then(|| NudgeConfig {
        min_interval_s: args.nudge_every,
        threshold: f64::from(args.nudge_threshold),
        ..NudgeConfig::default()
    }))
}

/// The sentence encoders for the learned tagging layer: `None` with
/// `--rules-only`, or (with a note) when one is not installed.
pub fn coach_encoder(paths: &Paths, rules_only: bool) -> Result<Option<Arc<Encoders>>> {
    if rules_only {
        return Ok(None);
    }
    match Encoders::load(&paths.models) {
        Ok(encoder) => Ok(Some(Arc::new(encoder))),
        Err(EncoderError::NotInstalled { name, .. }) => {
            eprintln!(
                "note: tagging with the rules alone; `blameless models fetch {name}` adds the learned layer"
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// A coach for one meeting, with the learned layer when there is an encoder.
pub fn new_coach(
    config: Option<NudgeConfig>,
    facilitator: Option<&str>,
    encoder: Option<Arc<Encoders>>,
) -> Coach {
    let coach = Coach::new(config, facilitator, &[]);
    match encoder {
        Some(encoder) => coach.with_encoder(encoder),
        None => coach,
    }
}

pub fn analyze(paths: &Paths, args: AnalyzeArgs) -> Result<ExitCode> {
    let config = nudge_config(&args.nudges)?;
    let encoder = coach_encoder(paths, args.nudges.rules_only)?;
    let coach = |facilitator: Option<&str>| {
        let coach = new_coach(config.clone(), facilitator, encoder.clone());
        match args.date {
            Some(date) => coach.with_meeting_date(date),
            None => coach,
        }
    };
    let facilitator = args.nudges.facilitator.as_deref();
    let mut out = std::io::stdout().lock();
    match (&args.meeting, &args.turns) {
        (_, Some(file)) => analyze_file(file, coach(facilitator), args.format, &mut out),
        (Some(meeting), None) => {
            let store = Store::open(&paths.home)?;
            let meeting = store.load(meeting)?;
            // Given now, else as the meeting was recorded or imported.
            let facilitator = facilitator.or(meeting.info.facilitator.as_deref());
            let coach = coach(facilitator);
            analyze_meeting(&store, meeting, coach, args.format, &mut out)
        }
        (None, None) => bail!("give a meeting id or --turns FILE"),
    }
}

fn analyze_file(
    file: &Path,
    mut coach: Coach,
    format: AnalyzeFormat,
    out: &mut impl Write,
) -> Result<ExitCode> {
    let reader: Box<dyn BufRead> = if file == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
        ))
    };
    let mut clock = 0.0;
    // Output lags input by one line, so the closing prompt can ride on the
    // last turn's line and the output stays one line per input line.
    let mut pending: Option<(Value, TurnReview, String)> = None;
    for (index, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", file.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let turn = TurnLine::parse(&line).with_context(|| {
            format!(
                "{} line {}: expected {{\"id\", \"speaker\"?, \"role\"?, \"text\"}}",
                file.display(),
                index + 1
            )
        })?;
        let input = turn.input(index as u64 + 1, clock);
        let start = input.start;
        clock = input.end;
        let review = coach.review(&input);
        let id = if turn.id.is_null() {
            json!(index + 1)
        } else {
            turn.id
        };
        if let Some((id, review, text)) = pending.take() {
            write_review(out, format, &id, None, (&review, &text))?;
        }
        if format == AnalyzeFormat::Text {
            write_turn_text(out, turn.speaker.as_deref(), start, &turn.text)?;
        }
        pending = Some((id, review, turn.text));
    }
    let closing = coach.finish_all();
    finish(out, format, pending, &closing)?;
    write_agreed(out, format, &coach.actions())?;
    Ok(ExitCode::SUCCESS)
}

fn analyze_meeting(
    store: &Store,
    mut meeting: Meeting,
    coach: Coach,
    format: AnalyzeFormat,
    out: &mut impl Write,
) -> Result<ExitCode> {
    let mut coach = coach.with_meeting_date(meeting.info.started_at.date());
    for speaker in meeting.turns.iter().filter_map(|t| t.speaker.as_deref()) {
        coach.know(speaker);
    }
    let mut reviews = Vec::new();
    for record in &mut meeting.turns {
        let review = coach.annotate(record);
        reviews.push((json!(record.id), review));
    }
    let closing = coach.finish_all();
    if let (Some(nudge), Some(last)) = (closing.first(), meeting.turns.last_mut()) {
        if !last.extra.contains_key("nudge") {
            last.extra
                .insert("nudge".into(), serde_json::to_value(nudge)?);
        }
    }
    write_tags(store, &meeting)?;
    let mut pending: Option<(Value, TurnReview, String)> = None;
    for ((id, review), record) in reviews.into_iter().zip(&meeting.turns) {
        if let Some((id, review, text)) = pending.take() {
            write_review(out, format, &id, None, (&review, text.as_str()))?;
        }
        if format == AnalyzeFormat::Text {
            write_turn_text(
                out,
                record.speaker.as_deref().or(Some(&record.source)),
                record.start,
                &record.text,
            )?;
        }
        pending = Some((id, review, record.text.clone()));
    }
    finish(out, format, pending, &closing)?;
    write_agreed(out, format, &coach.actions())?;
    Ok(ExitCode::SUCCESS)
}

/// In text, the consolidated action items after the turns.
fn write_agreed(out: &mut impl Write, format: AnalyzeFormat, items: &[ActionItem]) -> Result<()> {
    if format != AnalyzeFormat::Text {
        return Ok(());
    }
    writeln!(out, "\naction items agreed: {}", items.len())?;
    for item in items {
        let turns: Vec<String> = item.turns.iter().map(u64::to_string).collect();
        writeln!(
            out,
            "  - {} (turns {})",
            describe_action(item),
            turns.join(", ")
        )?;
    }
    Ok(())
}

/// Writes the last turn (with the first end-of-meeting nudge if it has no
/// nudge of its own) and, in text, the end-of-meeting nudges.
fn finish(
    out: &mut impl Write,
    format: AnalyzeFormat,
    pending: Option<(Value, TurnReview, String)>,
    closing: &[Nudge],
) -> Result<()> {
    let mut rest: Vec<&Nudge> = closing.iter().collect();
    if let Some((id, review, text)) = pending {
        let extra = closing.first().filter(|_| review.nudge.is_none());
        write_review(out, format, &id, extra, (&review, &text))?;
        if extra.is_some() {
            rest.remove(0);
        }
    }
    if format == AnalyzeFormat::Text {
        for nudge in rest {
            write_nudge_text(out, nudge)?;
        }
    }
    Ok(())
}

fn write_review(
    out: &mut impl Write,
    format: AnalyzeFormat,
    id: &Value,
    closing: Option<&Nudge>,
    (review, text): (&TurnReview, &str),
) -> Result<()> {
    let nudge = review.nudge.as_ref().or(closing);
    match format {
        AnalyzeFormat::Jsonl => {
            let nudge =
                nudge.map(|n| json!({"label": n.label, "text": n.text, "reason": n.reason}));
            let line =
                json!({"id": id, "tags": review.tags, "actions": review.actions, "nudge": nudge});
            writeln!(out, "{line}")?;
        }
        AnalyzeFormat::Text => {
            for tag in &review.tags {
                writeln!(out, "        {}", describe_tag(tag, text))?;
            }
            for item in &review.actions {
                writeln!(out, "        action: {}", describe_action(item))?;
            }
            if let Some(nudge) = nudge {
                write_nudge_text(out, nudge)?;
            }
        }
    }
    Ok(())
}

fn write_turn_text(
    out: &mut impl Write,
    speaker: Option<&str>,
    start: f64,
    text: &str,
) -> Result<()> {
    writeln!(
        out,
        "[{}] {}: {}",
        super::mm_ss(start),
        speaker.unwrap_or("?"),
        text
    )?;
    Ok(())
}

fn write_nudge_text(out: &mut impl Write, nudge: &Nudge) -> Result<()> {
    writeln!(out, "   >> nudge ({}): {}", nudge.label, nudge.text)?;
    writeln!(out, "      because {}", nudge.reason)?;
    Ok(())
}

fn describe_tag(tag: &Tag, text: &str) -> String {
    let evidence: Vec<String> = tag
        .evidence
        .iter()
        .map(|s| format!("\"{}\"", span_text(text, *s)))
        .collect();
    format!(
        "{} {:.2}: {}",
        tag.label,
        tag.confidence,
        evidence.join(", ")
    )
}

fn describe_action(item: &ActionItem) -> String {
    format!(
        "{} (owner: {}, due: {})",
        item.task,
        item.owner.as_deref().unwrap_or("none"),
        item.due.as_deref().unwrap_or("none")
    )
}

/// `blameless actions MEETING`: the consolidated items with their turns.
pub fn actions(
    paths: &Paths,
    meeting: &str,
    format: ActionsFormat,
    facilitator: Option<&str>,
) -> Result<ExitCode> {
    let store = Store::open(&paths.home)?;
    let meeting = store.load(meeting)?;
    let items = meeting_actions(&meeting, facilitator);
    let turn = |id: u64| meeting.turns.iter().find(|t| t.id == id);
    let who = |record: &TurnRecord| -> String {
        record
            .speaker
            .clone()
            .unwrap_or_else(|| record.source.clone())
    };
    let mut out = std::io::stdout().lock();
    let date = meeting
        .info
        .started_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    match format {
        ActionsFormat::Json => {
            let list: Vec<Value> = items
                .iter()
                .map(|item| {
                    let sources: Vec<Value> = item
                        .turns
                        .iter()
                        .filter_map(|id| turn(*id))
                        .map(|t| json!({"id": t.id, "speaker": who(t), "start": t.start, "text": t.text}))
                        .collect();
                    let first = item.turns.first().and_then(|id| turn(*id));
                    json!({
                        "owner": item.owner,
                        "task": item.task,
                        "due": item.due,
                        "due_date": item.due_date,
                        "missing": item.missing(),
                        "turn_id": first.map(|t| t.id),
                        "speaker": first.map(&who),
                        "start": first.map(|t| t.start),
                        "turns": sources,
                    })
                })
                .collect();
            let value = json!({
                "meeting_id": meeting.info.id.as_str(),
                "title": meeting.info.title,
                "date": date,
                "actions": list,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ActionsFormat::Markdown => {
            writeln!(
                out,
                "# Action items: {} ({})\n",
                meeting.info.title,
                &date[..date.len().min(10)]
            )?;
            if items.is_empty() {
                writeln!(out, "No action items were agreed.")?;
            }
            for item in &items {
                let due = match (&item.due, &item.due_date) {
                    (Some(phrase), Some(day)) => format!("{phrase} = {day}"),
                    (Some(phrase), None) => phrase.clone(),
                    (None, _) => "**none**".into(),
                };
                let sources: Vec<String> = item
                    .turns
                    .iter()
                    .filter_map(|id| turn(*id))
                    .map(|t| format!("{} {} at {}", t.id, who(t), super::mm_ss(t.start)))
                    .collect();
                writeln!(
                    out,
                    "- [ ] {} (owner: {}, due: {}; turns {})",
                    item.task,
                    item.owner.as_deref().unwrap_or("**none**"),
                    due,
                    sources.join(", ")
                )?;
            }
            let incomplete = items.iter().filter(|i| i.missing().is_some()).count();
            if incomplete > 0 {
                writeln!(
                    out,
                    "\n{incomplete} item(s) still need an owner or a deadline."
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Tags the turns of `speaker` in a stored meeting again, with the
/// speakers as they are now (after `speakers rename`: "Dan pushed it
/// without review" said by Dan is self-reflection, not blame), and drops a
/// nudge given on one of them for a tag it no longer carries. The coach
/// reads every turn in order, as live (the learned layer reads the
/// previous turn), but only that speaker's turns change: the others keep
/// the tags they were given live (the facilitator's stay untagged).
pub fn retag_speaker(
    store: &Store,
    id: &blameless::store::MeetingId,
    speaker: &str,
    facilitator: Option<&str>,
    encoder: Option<Arc<Encoders>>,
) -> Result<()> {
    let mut meeting = store.load(id.as_str())?;
    let facilitator = facilitator
        .map(str::to_owned)
        .or_else(|| meeting.info.facilitator.clone());
    let mut coach = new_coach(None, facilitator.as_deref(), encoder)
        .with_meeting_date(meeting.info.started_at.date());
    for name in meeting.turns.iter().filter_map(|t| t.speaker.as_deref()) {
        coach.know(name);
    }
    for record in &mut meeting.turns {
        let review = coach.review(&TurnInput {
            id: record.id,
            speaker: record.speaker.as_deref(),
            facilitator: record.extra.get("role").and_then(|r| r.as_str()) == Some("facilitator"),
            start: record.start,
            end: record.end,
            text: &record.text,
        });
        if record.speaker.as_deref() != Some(speaker) || record.untranscribed.is_some() {
            continue;
        }
        let labels: Vec<Value> = review.tags.iter().map(|t| json!(t.label)).collect();
        record
            .extra
            .insert("tags".into(), serde_json::to_value(&review.tags)?);
        let stale = record.extra.get("nudge").is_some_and(|nudge| {
            let label = &nudge["label"];
            Label::ALL.iter().any(|l| json!(l) == *label) && !labels.contains(label)
        });
        if stale {
            record.extra.remove("nudge");
        }
    }
    write_tags(store, &meeting)?;
    Ok(())
}

/// Stores a meeting's tags, action items and nudges in `analysis.jsonl`
/// (beside its turns, which are never rewritten).
fn write_tags(store: &Store, meeting: &blameless::store::Meeting) -> Result<()> {
    store
        .write_annotations(
            &meeting.info.id,
            &meeting.turns,
            &["tags", "actions", "nudge"],
        )
        .context("cannot write the tags into the meeting")
}

/// Finds the action items of a stored meeting again with its speakers as
/// they are now (after `speakers rename`: "I will" belongs to the new name)
/// and stores them in `analysis.jsonl`, keeping the tags and nudges it has.
pub fn refresh_actions(store: &Store, id: &blameless::store::MeetingId) -> Result<()> {
    let mut meeting = store.load(id.as_str())?;
    let names = evaluate::participant_names(meeting.turns.iter().map(|t| t.speaker.as_deref()));
    let mut log = ActionLog::new(Some(meeting.info.started_at.date()), &names);
    for record in &mut meeting.turns {
        let found = log.on_turn(&ConversationTurn {
            id: record.id,
            speaker: record.speaker.as_deref(),
            facilitator: record.extra.get("role").and_then(|r| r.as_str()) == Some("facilitator"),
            text: &record.text,
        });
        record
            .extra
            .insert("actions".into(), serde_json::to_value(found.agreed)?);
    }
    store
        .write_annotations(
            &meeting.info.id,
            &meeting.turns,
            &["tags", "actions", "nudge"],
        )
        .context("cannot write the action items into the meeting")?;
    Ok(())
}

/// Scores as pretty JSON; the list of misses only with `--errors`.
fn write_scores_json(
    out: &mut impl Write,
    scores: &impl serde::Serialize,
    errors: bool,
) -> Result<()> {
    let mut value = serde_json::to_value(scores)?;
    if !errors {
        value.as_object_mut().map(|o| o.remove("misses"));
    }
    writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    Ok(())
}

/// `blameless eval actions FILE|DIR`; with `items`, every item and its
/// verdict instead of the scores.
pub fn eval_actions(
    file: &Path,
    format: ListFormat,
    errors: bool,
    items: bool,
    against: Option<&Path>,
) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if file.is_dir() {
        if against.is_some() {
            bail!("--against needs one conversation file, not a directory");
        }
        let listing = if items {
            Listing::Items
        } else {
            Listing::Scores(format)
        };
        return eval_action_splits(file, listing, errors, &mut out);
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    if is_conversation_set(&text) {
        let conversations = evaluate::parse_conversations(&text)
            .with_context(|| format!("{} is not a labelled conversation set", file.display()))?;
        let scores = match against {
            Some(other) => {
                evaluate::score_found(&conversations, &second_labelling(&conversations, other)?)
            }
            None => evaluate::score_conversations(&conversations),
        };
        if items {
            write_item_verdicts(&mut out, None, &file.display().to_string(), &scores)?;
            return Ok(ExitCode::SUCCESS);
        }
        match format {
            ListFormat::Json => write_scores_json(&mut out, &scores, errors)?,
            ListFormat::Text => {
                write_item_scores(&mut out, &file.display().to_string(), &scores, errors)?
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if against.is_some() || items {
        bail!(
            "--{} needs a conversation file; {} holds single sentences",
            if items { "items" } else { "against" },
            file.display()
        );
    }
    let lines = evaluate::parse_actions(&text)
        .with_context(|| format!("{} is not a labelled action-item set", file.display()))?;
    let scores = evaluate::score_actions(&lines);
    match format {
        ListFormat::Json => write_scores_json(&mut out, &scores, errors)?,
        ListFormat::Text => write_action_scores(&mut out, &scores, errors)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The items another labeller gave each conversation, in the conversations'
/// order; every conversation must have its line.
fn second_labelling(
    conversations: &[evaluate::LabelledConversation],
    path: &Path,
) -> Result<Vec<Vec<ActionItem>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let lists = evaluate::parse_item_lists(&text)
        .with_context(|| format!("{} is not a set of item lists", path.display()))?;
    let by_id: std::collections::HashMap<&str, &[evaluate::ExpectedItem]> = lists
        .iter()
        .map(|l| (l.id.as_str(), l.items.as_slice()))
        .collect();
    conversations
        .iter()
        .map(|c| match by_id.get(c.id.as_str()) {
            Some(items) => Ok(items.iter().map(ActionItem::from).collect()),
            None => bail!("{} has no line for conversation {}", path.display(), c.id),
        })
        .collect()
}

/// A conversation set has "turns" on its first line; a sentence set "text".
fn is_conversation_set(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| serde_json::from_str::<Value>(l).ok())
        .is_some_and(|v| v.get("turns").is_some())
}

/// What `eval actions DIR` prints.
#[derive(Clone, Copy, PartialEq)]
enum Listing {
    /// The scores, per file and per split.
    Scores(ListFormat),
    /// Every item with its verdict, one JSON object per line.
    Items,
}

/// Each item of `scores`, found or expected, with its verdict, as one JSON
/// line ([`evaluate::ItemScores::matches`] and the misses, in that order).
fn write_item_verdicts(
    out: &mut impl Write,
    split: Option<&str>,
    file: &str,
    scores: &evaluate::ItemScores,
) -> Result<()> {
    for item in scores.matches.iter().chain(&scores.misses) {
        let mut line = serde_json::Map::new();
        if let Some(split) = split {
            line.insert("split".into(), split.into());
        }
        line.insert("file".into(), file.into());
        line.insert("conversation".into(), item.conversation.clone().into());
        line.insert("verdict".into(), item.kind.clone().into());
        line.insert("want".into(), serde_json::to_value(&item.want)?);
        line.insert("got".into(), serde_json::to_value(&item.got)?);
        writeln!(out, "{}", Value::Object(line))?;
    }
    Ok(())
}

/// Every split of a directory with a splits.json, and every file in it.
fn eval_action_splits(
    dir: &Path,
    listing: Listing,
    errors: bool,
    out: &mut impl Write,
) -> Result<ExitCode> {
    let splits_path = dir.join("splits.json");
    let splits: std::collections::BTreeMap<String, Vec<String>> =
        serde_json::from_str(&std::fs::read_to_string(&splits_path).with_context(|| {
            format!(
                "cannot read {}; a labelled directory needs one",
                splits_path.display()
            )
        })?)
        .with_context(|| {
            format!(
                "{} must map split names to file lists",
                splits_path.display()
            )
        })?;
    let mut report = serde_json::Map::new();
    for (split, files) in &splits {
        let mut all = Vec::new();
        let mut per_file = serde_json::Map::new();
        for name in files {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let conversations = evaluate::parse_conversations(&text).with_context(|| {
                format!("{} is not a labelled conversation set", path.display())
            })?;
            let scores = evaluate::score_conversations(&conversations);
            match listing {
                Listing::Items => write_item_verdicts(out, Some(split), name, &scores)?,
                Listing::Scores(ListFormat::Text) => {
                    write_item_scores(out, &format!("{split}: {name}"), &scores, false)?
                }
                // Only the JSON report lists each file's scores.
                Listing::Scores(ListFormat::Json) => {
                    per_file.insert(name.clone(), summary_json(&scores, false)?);
                }
            }
            all.extend(conversations);
        }
        let format = match listing {
            Listing::Items => continue,
            Listing::Scores(format) => format,
        };
        let scores = evaluate::score_conversations(&all);
        match format {
            ListFormat::Text => {
                write_item_scores(
                    out,
                    &format!("{split} (all {} files)", files.len()),
                    &scores,
                    errors,
                )?;
                writeln!(out)?;
            }
            ListFormat::Json => {
                let mut value = summary_json(&scores, errors)?;
                value
                    .as_object_mut()
                    .map(|o| o.insert("files".into(), Value::Object(per_file)));
                report.insert(split.clone(), value);
            }
        }
    }
    if listing == Listing::Scores(ListFormat::Json) {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&Value::Object(report))?
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn summary_json(scores: &impl serde::Serialize, errors: bool) -> Result<Value> {
    let mut value = serde_json::to_value(scores)?;
    if !errors {
        value.as_object_mut().map(|o| o.remove("misses"));
    }
    Ok(value)
}

fn write_item_scores(
    out: &mut impl Write,
    title: &str,
    s: &evaluate::ItemScores,
    errors: bool,
) -> Result<()> {
    writeln!(
        out,
        "{title}: {} conversations, {} items expected, {} found, {} matched: precision {:.3}, recall {:.3}; of {} paired: owner {:.3}, due {:.3}, task {:.3}",
        s.n_conversations, s.expected, s.found, s.matched, s.precision, s.recall, s.paired,
        s.owner_accuracy, s.due_accuracy, s.task_accuracy
    )?;
    if errors {
        for miss in &s.misses {
            writeln!(out, "  {} {}", miss.conversation, miss.kind)?;
            if let Some(want) = &miss.want {
                writeln!(
                    out,
                    "      want {} | {} | {} {}",
                    want.owner.as_deref().unwrap_or("-"),
                    want.task,
                    want.due_phrase.as_deref().unwrap_or("-"),
                    want.due.as_deref().unwrap_or("-")
                )?;
            }
            if let Some(got) = &miss.got {
                writeln!(
                    out,
                    "      got  {} | {} | {} {} {:?}",
                    got.owner.as_deref().unwrap_or("-"),
                    got.task,
                    got.due.as_deref().unwrap_or("-"),
                    got.due_date.as_deref().unwrap_or("-"),
                    got.turns
                )?;
            }
        }
    }
    Ok(())
}

fn write_action_scores(out: &mut impl Write, s: &ActionScores, errors: bool) -> Result<()> {
    writeln!(out, "lines: {}", s.n_lines)?;
    writeln!(
        out,
        "detection: precision {:.3}, recall {:.3} (found {}, missed {}, false alarms {})",
        s.precision, s.recall, s.found, s.missed, s.false_alarms
    )?;
    writeln!(
        out,
        "of the found items: owner {:.3}, task {:.3}, due date {:.3} correct",
        s.owner_accuracy, s.task_accuracy, s.due_accuracy
    )?;
    if errors {
        writeln!(out, "\ndifferences:")?;
        for (id, want, got) in &s.misses {
            writeln!(out, "  {id}\n      want {want}\n      got  {got}")?;
        }
    }
    Ok(())
}
