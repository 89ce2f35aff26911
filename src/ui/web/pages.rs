//! The pages rendered on the server: the meetings list, one meeting
//! (transcript with tags, nudges and marks, action items), the live view's
//! frame, and search (a page and `/api/search` as JSON).

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::html::{clock, escape, highlight, page, url_encode, Evidence};
use super::App;
use crate::analysis::{meeting_actions, Label};
use crate::search::{self, Filters, SearchIndex, SearchResults};
use crate::store::{FeedbackKind, Meeting, MeetingStatus, MeetingSummary, Store, TurnRecord};

/// Most hits a search shows.
const SEARCH_LIMIT: usize = 50;

/// A request that could not be answered, as a page or as JSON.
#[derive(Debug)]
pub(super) struct PageError {
    /// 400, 404, 500 ...
    status: StatusCode,
    /// What went wrong and what to do, for people.
    message: String,
}

impl PageError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> PageError {
        PageError {
            status,
            message: message.into(),
        }
    }

    /// A store error: an unknown meeting is 404, anything else 500.
    fn store(error: crate::store::StoreError) -> PageError {
        let status = match error {
            crate::store::StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
            crate::store::StoreError::Ambiguous { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        PageError::new(status, error.to_string())
    }

    fn json(self) -> Response {
        json_response(self.status, &json!({ "error": self.message }))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = format!(
            "<h1>{}</h1>\n<p class=\"error\">{}</p>\n<p><a href=\"/\">All meetings</a></p>",
            self.status.as_u16(),
            escape(&self.message)
        );
        (self.status, Html(page("Error", &body, &[]))).into_response()
    }
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// Runs store or index work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PageError> + Send + 'static,
) -> Result<T, PageError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the request failed: {e}"),
        )
    })?
}

fn open_store(app: &App) -> Result<Store, PageError> {
    Store::open(&app.home).map_err(PageError::store)
}

/// Any path the dashboard does not have.
pub(super) async fn not_found() -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        "no such page; the meetings are listed on the front page",
    )
}

/// `GET /`: the meetings, newest first, and the one being recorded.
pub(super) async fn index(State(app): State<Arc<App>>) -> Result<Html<String>, PageError> {
    let (meetings, live) = blocking(move || {
        let store = open_store(&app)?;
        let meetings = store.list().map_err(PageError::store)?;
        let live = store.recording_now().map_err(PageError::store)?;
        Ok((meetings, live))
    })
    .await?;
    let mut body = String::from("<h1>Meetings</h1>\n");
    for meeting in &live {
        let _ = writeln!(
            body,
            "<p class=\"live-banner\">Recording now: <a href=\"/live?meeting={}\">{}</a></p>",
            url_encode(meeting.id.as_str()),
            escape(&meeting.title)
        );
    }
    if meetings.is_empty() {
        body.push_str(
            "<p>No meetings yet. Record one with <code>blameless record</code> or bring one in with <code>blameless import</code>.</p>\n",
        );
    } else {
        body.push_str(
            "<table class=\"meetings\">\n<thead><tr><th>Date (UTC)</th><th>Title</th><th>Length</th><th>Turns</th><th>Status</th></tr></thead>\n<tbody>\n",
        );
        for meeting in &meetings {
            body.push_str(&meeting_row(meeting));
        }
        body.push_str("</tbody>\n</table>\n");
    }
    Ok(Html(page("Meetings", &body, &[])))
}

fn meeting_row(meeting: &MeetingSummary) -> String {
    let status = match (&meeting.problem, meeting.status) {
        (Some(problem), _) => format!("<span class=\"problem\">{}</span>", escape(problem)),
        (None, Some(MeetingStatus::Recording)) => format!(
            "recording · <a href=\"/live?meeting={}\">live view</a>",
            url_encode(meeting.id.as_str())
        ),
        (None, Some(status)) => match &meeting.interruption {
            Some(why) => format!("{status}: {}", escape(why)),
            None => status.to_string(),
        },
        (None, None) => String::new(),
    };
    format!(
        "<tr><td>{}</td><td><a href=\"/meetings/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        meeting.started_at.map(day_and_time).unwrap_or_default(),
        url_encode(meeting.id.as_str()),
        escape(if meeting.title.is_empty() {
            meeting.id.as_str()
        } else {
            &meeting.title
        }),
        clock(meeting.duration_s),
        meeting.n_turns,
        status
    )
}

fn day_and_time(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    t.format(&format).unwrap_or_default()
}

/// `?meeting=ID` of the live view and its stream.
#[derive(Debug, serde::Deserialize)]
pub(super) struct LiveQuery {
    /// The meeting to follow; by default the newest being recorded.
    pub(super) meeting: Option<String>,
}

/// `GET /live`: the frame the live script fills from `/live/events`.
pub(super) async fn live() -> Html<String> {
    let body = r#"<header class="live-head">
<h1 id="live-title">Live</h1>
<p id="live-state" class="muted">Waiting for a meeting: start <code>blameless record</code> or <code>blameless replay</code>.</p>
<p id="live-health" class="health"></p>
<p id="live-warning" class="warning" hidden></p>
</header>
<section id="nudge" class="nudge-box" hidden aria-live="polite">
<div class="nudge-label"></div>
<div class="nudge-text"></div>
<div class="nudge-reason"></div>
</section>
<div class="live-body">
<section class="transcript">
<ol id="turns" class="turns"></ol>
<p id="partials" class="partial"></p>
</section>
<aside>
<h2>Talk time</h2>
<div id="talk-time"></div>
<h2>Action items</h2>
<ul id="actions" class="actions"></ul>
</aside>
</div>"#;
    Html(page("Live", body, &["live.js"]))
}

/// `GET /meetings/{id}`: one stored meeting.
pub(super) async fn meeting(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let meeting = blocking(move || open_store(&app)?.load(&id).map_err(PageError::store)).await?;
    Ok(Html(page(
        &meeting.info.title,
        &meeting_body(&meeting),
        &[],
    )))
}

/// The report's own policy: its stylesheet is inline (the HTML is one
/// self-contained file), and it has no script and fetches nothing.
const REPORT_CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /meetings/{id}/report`: the meeting's report, as `blameless report
/// --format html` writes it.
pub(super) async fn report(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let html = blocking(move || {
        let meeting = open_store(&app)?.load(&id).map_err(PageError::store)?;
        Ok(crate::ui::report::Report::from_meeting(&meeting).html())
    })
    .await?;
    Ok((
        [(
            header::CONTENT_SECURITY_POLICY,
            REPORT_CONTENT_SECURITY_POLICY,
        )],
        Html(html),
    )
        .into_response())
}

/// Who spoke a turn: the speaker, else the audio source.
fn who(turn: &TurnRecord) -> &str {
    turn.speaker.as_deref().unwrap_or(&turn.source)
}

fn meeting_body(meeting: &Meeting) -> String {
    let info = &meeting.info;
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", escape(&info.title));
    let duration = meeting.turns.iter().map(|t| t.end).fold(0.0, f64::max);
    let _ = write!(
        body,
        "<p class=\"muted\">{} UTC · {} · {} turns · {}",
        day_and_time(info.started_at),
        clock(duration),
        meeting.turns.len(),
        escape(&info.status.to_string())
    );
    if let Some(why) = &info.interruption {
        let _ = write!(body, ": {}", escape(why));
    }
    if info.status == MeetingStatus::Recording {
        let _ = write!(
            body,
            " · <a href=\"/live?meeting={}\">live view</a>",
            url_encode(info.id.as_str())
        );
    }
    let _ = write!(
        body,
        " · <a href=\"/meetings/{}/report\">report</a>",
        url_encode(info.id.as_str())
    );
    body.push_str("</p>\n");

    // Talk time per speaker, most first.
    let mut talk: Vec<(&str, f64)> = Vec::new();
    for turn in &meeting.turns {
        let seconds = (turn.end - turn.start).max(0.0);
        match talk.iter_mut().find(|(name, _)| *name == who(turn)) {
            Some(entry) => entry.1 += seconds,
            None => talk.push((who(turn), seconds)),
        }
    }
    talk.sort_by(|a, b| b.1.total_cmp(&a.1));
    if !talk.is_empty() {
        body.push_str("<h2>Participants</h2>\n<ul class=\"talk\">\n");
        for (name, seconds) in &talk {
            let _ = writeln!(
                body,
                "<li><span class=\"speaker\">{}</span> {}</li>",
                escape(name),
                clock(*seconds)
            );
        }
        body.push_str("</ul>\n");
    }

    body.push_str("<h2>Action items</h2>\n");
    let items = meeting_actions(meeting, None);
    if items.is_empty() {
        body.push_str("<p class=\"muted\">No action items were agreed.</p>\n");
    } else {
        body.push_str(
            "<table class=\"actions\">\n<thead><tr><th>Task</th><th>Owner</th><th>Due</th><th>Turns</th></tr></thead>\n<tbody>\n",
        );
        for item in &items {
            let missing = |value: &Option<String>| match value {
                Some(v) => escape(v),
                None => "<span class=\"missing\">none</span>".into(),
            };
            let due = match (&item.due, &item.due_date) {
                (Some(phrase), Some(day)) => format!("{} ({})", escape(phrase), escape(day)),
                _ => missing(&item.due),
            };
            let turns: Vec<String> = item
                .turns
                .iter()
                .map(|id| format!("<a href=\"#turn-{id}\">{id}</a>"))
                .collect();
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&item.task),
                missing(&item.owner),
                due,
                turns.join(", ")
            );
        }
        body.push_str("</tbody>\n</table>\n");
    }

    body.push_str("<h2>Transcript</h2>\n<ol class=\"turns\">\n");
    for turn in &meeting.turns {
        body.push_str(&turn_item(turn, &meeting.marks_of(turn.id)));
    }
    body.push_str("</ol>\n");
    body
}

/// A tag as stored: its label, confidence and evidence spans.
struct StoredTag {
    label: String,
    confidence: Option<f64>,
    evidence: Vec<(usize, usize)>,
}

/// The tags of a stored turn (objects from the tagger, or bare labels from
/// an import).
fn stored_tags(turn: &TurnRecord) -> Vec<StoredTag> {
    let Some(Value::Array(items)) = turn.extra.get("tags") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item {
            Value::String(label) => Some(StoredTag {
                label: label.clone(),
                confidence: None,
                evidence: Vec::new(),
            }),
            Value::Object(tag) => Some(StoredTag {
                label: tag.get("label")?.as_str()?.to_owned(),
                confidence: tag.get("confidence").and_then(Value::as_f64),
                evidence: tag
                    .get("evidence")
                    .and_then(Value::as_array)
                    .map(|spans| {
                        spans
                            .iter()
                            .filter_map(|span| {
                                let span = span.as_array()?;
                                Some((
                                    span.first()?.as_u64()? as usize,
                                    span.get(1)?.as_u64()? as usize,
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
            _ => None,
        })
        .collect()
}

/// One turn of the transcript: time, speaker, text with the evidence
/// marked, tag labels, the nudge it drew and the facilitator's marks.
fn turn_item(turn: &TurnRecord, marks: &[FeedbackKind]) -> String {
    let tags = stored_tags(turn);
    let evidence: Vec<Evidence> = tags
        .iter()
        .flat_map(|tag| {
            tag.evidence.iter().map(|&(start, end)| Evidence {
                start,
                end,
                label: &tag.label,
            })
        })
        .collect();
    let text = match &turn.untranscribed {
        Some(why) => format!(
            "<em class=\"muted\">(not transcribed: {})</em>",
            escape(why)
        ),
        None => highlight(&turn.text, &evidence),
    };
    let mut out = format!(
        "<li class=\"turn\" id=\"turn-{}\"><span class=\"time\">{}</span> <span class=\"speaker\">{}</span> <span class=\"text\">{}</span>",
        turn.id,
        clock(turn.start),
        escape(who(turn)),
        text
    );
    for tag in &tags {
        let class = if Label::parse(&tag.label).is_some() {
            tag.label.as_str()
        } else {
            "other"
        };
        let confidence = tag
            .confidence
            .map(|c| format!(" {c:.2}"))
            .unwrap_or_default();
        let _ = write!(
            out,
            " <span class=\"label {class}\">{}{confidence}</span>",
            escape(&tag.label)
        );
    }
    for mark in marks {
        let _ = write!(
            out,
            " <span class=\"mark\">{}</span>",
            escape(mark.describe())
        );
    }
    if let Some(Value::Object(nudge)) = turn.extra.get("nudge") {
        let field = |key: &str| nudge.get(key).and_then(Value::as_str).unwrap_or("");
        let _ = write!(
            out,
            "<div class=\"nudge\"><span class=\"nudge-label\">nudge · {}</span> {} <span class=\"muted\">({})</span></div>",
            escape(field("label")),
            escape(field("text")),
            escape(field("reason"))
        );
    }
    out.push_str("</li>\n");
    out
}

/// A search as the form (or a script) gives it: the query and the filters
/// of `blameless search`.
#[derive(Debug, Default)]
struct SearchForm {
    query: String,
    speakers: Vec<String>,
    tags: Vec<String>,
    meetings: Vec<String>,
    since: String,
    until: String,
    action_items: bool,
    marked: Vec<String>,
}

impl SearchForm {
    /// From the query string's pairs; a key may repeat (`tag=blame&tag=defensive`),
    /// and `speaker` may list several names separated by commas.
    fn parse(pairs: Vec<(String, String)>) -> SearchForm {
        let mut form = SearchForm::default();
        for (key, value) in pairs {
            let value = value.trim().to_owned();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "q" => form.query = value,
                "speaker" => form.speakers.extend(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                ),
                "tag" => form.tags.push(value),
                "meeting" => form.meetings.push(value),
                "since" => form.since = value,
                "until" => form.until = value,
                "action_items" => form.action_items = value != "0" && value != "false",
                "marked" => form.marked.push(value),
                _ => {}
            }
        }
        form
    }

    /// The index filters; a bad date, mark or meeting is a 400 that says why.
    fn filters(&self, store: &Store) -> Result<Filters, PageError> {
        let bad = |message: String| PageError::new(StatusCode::BAD_REQUEST, message);
        let date = |text: &str| -> Result<Option<crate::cli::DateArg>, PageError> {
            if text.is_empty() {
                return Ok(None);
            }
            crate::cli::parse_date(text).map(Some).map_err(bad)
        };
        let mut marked = Vec::new();
        for name in &self.marked {
            let kinds: Vec<FeedbackKind> = match name.as_str() {
                "any" => FeedbackKind::MARKS.to_vec(),
                name => match FeedbackKind::from_name(name).filter(|k| k.is_mark()) {
                    Some(kind) => vec![kind],
                    None => {
                        return Err(bad(format!(
                            "{name:?} is not a mark; use any, dismissed, used, action_item or key_moment"
                        )))
                    }
                },
            };
            for kind in kinds {
                if !marked.contains(&kind) {
                    marked.push(kind);
                }
            }
        }
        Ok(Filters {
            speakers: self.speakers.clone(),
            tags: self.tags.clone(),
            meetings: self
                .meetings
                .iter()
                .map(|m| store.resolve(m))
                .collect::<Result<_, _>>()
                .map_err(PageError::store)?,
            since: date(&self.since)?.map(crate::cli::DateArg::start),
            until: date(&self.until)?.map(crate::cli::DateArg::end_exclusive),
            action_items: self.action_items,
            marked,
        })
    }
}

/// What a search found, and whether the index may be behind the store.
struct Found {
    results: SearchResults,
    /// Why the index could not be brought up to date, when it could not.
    stale: Option<String>,
}

/// Runs a search as `blameless search` does: the index is brought up to
/// date first where this process may (a recording in another process
/// holds it; then the results say they may miss recent turns).
async fn run_search(app: Arc<App>, form: SearchForm) -> Result<(SearchForm, Found), PageError> {
    blocking(move || {
        let store = open_store(&app)?;
        let filters = form.filters(&store)?;
        let stale = match search::ensure_current(&store) {
            Ok(_) => None,
            Err(error @ search::SearchError::Outdated { .. }) => {
                return Err(PageError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))
            }
            Err(error) => Some(format!(
                "the search index could not be brought up to date ({error}); results may miss recent turns"
            )),
        };
        let index = SearchIndex::open(&app.home)
            .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        let results = match index {
            Some(index) => index
                .search(&form.query, &filters, SEARCH_LIMIT)
                .map_err(|e| match e {
                    search::SearchError::Query { .. } => {
                        PageError::new(StatusCode::BAD_REQUEST, e.to_string())
                    }
                    e => PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
                })?,
            None => SearchResults::default(),
        };
        Ok((form, Found { results, stale }))
    })
    .await
}

/// `GET /search`: the search form with every filter, and the hits.
pub(super) async fn search(
    State(app): State<Arc<App>>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let form = SearchForm::parse(pairs);
    let searched = !form.query.is_empty()
        || !form.speakers.is_empty()
        || !form.tags.is_empty()
        || !form.meetings.is_empty()
        || !form.since.is_empty()
        || !form.until.is_empty()
        || form.action_items
        || !form.marked.is_empty();
    let mut body = String::from("<h1>Search</h1>\n");
    if !searched {
        body.push_str(&search_form(&form));
        return Html(page("Search", &body, &[])).into_response();
    }
    let display = search_form(&form);
    let (status, results) = match run_search(app, form).await {
        Ok((_, found)) => (StatusCode::OK, search_hits(&found)),
        Err(error) => (
            error.status,
            format!("<p class=\"error\">{}</p>\n", escape(&error.message)),
        ),
    };
    body.push_str(&display);
    body.push_str(&results);
    (status, Html(page("Search", &body, &[]))).into_response()
}

fn search_form(form: &SearchForm) -> String {
    let mut out = String::from("<form class=\"search\" action=\"/search\" method=\"get\">\n");
    let _ = writeln!(
        out,
        "<label>Words <input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"rolled back, &quot;exact phrase&quot;\"></label>",
        escape(&form.query)
    );
    let _ = writeln!(
        out,
        "<label>Speaker <input name=\"speaker\" value=\"{}\" placeholder=\"dan, priya\"></label>",
        escape(&form.speakers.join(", "))
    );
    out.push_str("<fieldset><legend>Tags (all of)</legend>");
    for label in Label::ALL {
        let name = label.as_str();
        let checked = if form.tags.iter().any(|t| t == name) {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" name=\"tag\" value=\"{name}\"{checked}> {name}</label> "
        );
    }
    out.push_str("</fieldset>\n");
    let _ = writeln!(
        out,
        "<label>Meeting <input name=\"meeting\" value=\"{}\" placeholder=\"id or prefix\"></label>",
        escape(form.meetings.first().map_or("", String::as_str))
    );
    let _ = writeln!(
        out,
        "<label>Since <input type=\"date\" name=\"since\" value=\"{}\"></label> <label>Until <input type=\"date\" name=\"until\" value=\"{}\"></label>",
        escape(&form.since),
        escape(&form.until)
    );
    let _ = writeln!(
        out,
        "<label><input type=\"checkbox\" name=\"action_items\" value=\"1\"{}> with an action item</label>",
        if form.action_items { " checked" } else { "" }
    );
    out.push_str("<label>Marked <select name=\"marked\"><option value=\"\">(any or none)</option>");
    for (value, text) in [
        ("any", "any mark"),
        ("dismissed", "nudge dismissed"),
        ("used", "nudge used"),
        ("action_item", "action item"),
        ("key_moment", "key moment"),
    ] {
        let selected = if form.marked.iter().any(|m| m == value) {
            " selected"
        } else {
            ""
        };
        let _ = write!(out, "<option value=\"{value}\"{selected}>{text}</option>");
    }
    out.push_str("</select></label>\n<button type=\"submit\">Search</button>\n</form>\n");
    out
}

fn search_hits(found: &Found) -> String {
    let mut out = String::new();
    if let Some(stale) = &found.stale {
        let _ = writeln!(out, "<p class=\"warning\">{}</p>", escape(stale));
    }
    let results = &found.results;
    let _ = writeln!(
        out,
        "<p class=\"muted\" id=\"search-total\">{} matching turns{}</p>",
        results.total,
        if results.total > results.hits.len() {
            format!(", the best {} shown", results.hits.len())
        } else {
            String::new()
        }
    );
    out.push_str("<ol class=\"hits\">\n");
    for hit in &results.hits {
        // The snippet's matches are byte ranges of its text.
        let snippet = &hit.snippet;
        let mut text = String::new();
        if snippet.cut_before {
            text.push('…');
        }
        let mut at = 0;
        for range in &snippet.highlighted {
            text.push_str(&escape(&snippet.text[at..range.start]));
            let _ = write!(
                text,
                "<mark class=\"match\">{}</mark>",
                escape(&snippet.text[range.clone()])
            );
            at = range.end;
        }
        text.push_str(&escape(&snippet.text[at..]));
        if snippet.cut_after {
            text.push('…');
        }
        let labels: String = hit
            .tags
            .iter()
            .chain(&hit.marks)
            .map(|l| format!(" <span class=\"label\">{}</span>", escape(l)))
            .collect();
        let _ = writeln!(
            out,
            "<li class=\"hit\"><a href=\"/meetings/{}#turn-{}\">{} · {}</a> <span class=\"time\">{}</span> <span class=\"speaker\">{}</span><div class=\"text\">{text}</div>{labels}</li>",
            url_encode(&hit.meeting_id),
            hit.turn,
            escape(&hit.title),
            day_and_time(hit.date),
            clock(hit.start),
            escape(&hit.speaker),
        );
    }
    out.push_str("</ol>\n");
    out
}

/// `GET /api/search`: the same search as JSON, in the shape of `blameless
/// search --format json` (`{"hits": [...], "total"}`), plus `stale`.
pub(super) async fn search_json(
    State(app): State<Arc<App>>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    match run_search(app, SearchForm::parse(pairs)).await {
        Ok((_, found)) => {
            let hits: Vec<Value> = found
                .results
                .hits
                .iter()
                .map(|hit| {
                    json!({
                        "meeting_id": hit.meeting_id, "title": hit.title,
                        "date": hit.date.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                        "turn": hit.turn, "speaker": hit.speaker, "start": hit.start, "end": hit.end,
                        "text": hit.text, "snippet": hit.snippet.render("**", "**"),
                        "tags": hit.tags, "marks": hit.marks, "score": hit.score,
                    })
                })
                .collect();
            json_response(
                StatusCode::OK,
                &json!({ "hits": hits, "total": found.results.total, "stale": found.stale }),
            )
        }
        Err(error) => error.json(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_forms_repeat_keys_and_split_speakers() {
        let pairs = [
            ("q", "rolled back"),
            ("tag", "blame"),
            ("tag", "defensive"),
            ("speaker", "Dan, priya"),
            ("since", ""),
            ("action_items", "1"),
            ("marked", "key_moment"),
        ];
        let form = SearchForm::parse(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        assert_eq!(form.query, "rolled back");
        assert_eq!(form.tags, ["blame", "defensive"]);
        assert_eq!(form.speakers, ["Dan", "priya"]);
        assert!(form.since.is_empty() && form.action_items);
        let home = tempfile::tempdir().unwrap();
        let store = Store::open(home.path()).unwrap();
        let filters = form.filters(&store).unwrap();
        assert_eq!(filters.marked, [FeedbackKind::KeyMoment]);
        let bad = SearchForm {
            since: "yesterday".into(),
            ..SearchForm::default()
        };
        assert_eq!(
            bad.filters(&store).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn a_turn_is_escaped_and_its_evidence_marked() {
        let turn: TurnRecord = serde_json::from_str(
            r#"{"id":7,"source":"mic","speaker":"<b>Priya</b>","start":61.0,"end":64.0,"text":"<script>alert(1)</script> That's on him.","latency_ms":null,
                "tags":[{"label":"blame","confidence":0.97,"evidence":[[26,39]]}],
                "nudge":{"label":"blame","text":"What did the system show?","reason":"blame 0.97: \"<i>\""}}"#,
        )
        .unwrap();
        let html = turn_item(&turn, &[FeedbackKind::KeyMoment]);
        assert!(
            !html.contains("<script>") && !html.contains("<b>") && !html.contains("<i>"),
            "{html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("<mark class=\"tag blame\" title=\"blame\">That&#39;s on him</mark>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"label blame\">blame 0.97</span>"),
            "{html}"
        );
        assert!(
            html.contains("key moment") && html.contains("nudge · blame"),
            "{html}"
        );
        assert!(
            html.contains("id=\"turn-7\"") && html.contains("01:01"),
            "{html}"
        );
    }
}
