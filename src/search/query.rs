//! Reading the index: queries with filters, ranked hits with snippets, and
//! counts per meeting.

use std::collections::BTreeMap;
use std::ops::{Bound, Range};
use std::path::{Path, PathBuf};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, TermQuery,
};
use tantivy::query_grammar::{self, Delimiter, UserInputAst, UserInputLeaf};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, ReloadPolicy, Score, Searcher, TantivyDocument, Term,
};
use time::OffsetDateTime;

use super::count::{count_archive, CountCollector};
use super::schema::{names, Fields};
use super::write::{self, Freshness};
use super::{index_dir, Result, SearchError, SCHEMA_VERSION};
use crate::store::{FeedbackKind, MeetingId};

/// Longest snippet, in bytes of text around the matches.
const SNIPPET_CHARS: usize = 200;

/// What to keep besides matching the query; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Any of these speakers (compared without case); empty: anyone.
    pub speakers: Vec<String>,
    /// All of these tag labels; empty: any or none.
    pub tags: Vec<String>,
    /// Any of these meetings; empty: all.
    pub meetings: Vec<MeetingId>,
    /// Meetings that started at or after this instant.
    pub since: Option<OffsetDateTime>,
    /// Meetings that started before this instant.
    pub until: Option<OffsetDateTime>,
    /// Only turns with an action item.
    pub action_items: bool,
    /// Turns the facilitator marked with any of these ([`FeedbackKind::MARKS`]);
    /// empty: marked or not.
    pub marked: Vec<FeedbackKind>,
}

impl Filters {
    /// No filter at all: every turn passes.
    pub fn is_empty(&self) -> bool {
        self.speakers.is_empty()
            && self.tags.is_empty()
            && self.meetings.is_empty()
            && self.since.is_none()
            && self.until.is_none()
            && !self.action_items
            && self.marked.is_empty()
    }
}

/// A turn's text cut around what matched, with the matches marked.
#[derive(Debug, Clone, PartialEq)]
pub struct Snippet {
    /// The cut text.
    pub text: String,
    /// Byte ranges of `text` that matched the query, in order, disjoint.
    pub highlighted: Vec<Range<usize>>,
    /// Text was cut off before `text`.
    pub cut_before: bool,
    /// Text was cut off after `text`.
    pub cut_after: bool,
}

impl Snippet {
    /// The snippet with each match between `open` and `close`, and `...`
    /// where text was cut.
    pub fn render(&self, open: &str, close: &str) -> String {
        let mut out = String::new();
        if self.cut_before {
            out.push_str("...");
        }
        let mut at = 0;
        for range in &self.highlighted {
            out.push_str(&self.text[at..range.start]);
            out.push_str(open);
            out.push_str(&self.text[range.clone()]);
            out.push_str(close);
            at = range.end;
        }
        out.push_str(&self.text[at..]);
        if self.cut_after {
            out.push_str("...");
        }
        out
    }
}

/// One matching turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The meeting's id.
    pub meeting_id: String,
    /// The meeting's title.
    pub title: String,
    /// When the meeting started.
    pub date: OffsetDateTime,
    /// The turn's number in its meeting.
    pub turn: u64,
    /// Who spoke (or the audio source).
    pub speaker: String,
    /// Start, seconds from the meeting start.
    pub start: f64,
    /// End, seconds from the meeting start.
    pub end: f64,
    /// The whole turn.
    pub text: String,
    /// The part that matched.
    pub snippet: Snippet,
    /// Tag labels.
    pub tags: Vec<String>,
    /// Whether it holds an action item.
    pub action: bool,
    /// The facilitator's marks (`dismissed`, `used`, `action_item`, `key_moment`).
    pub marks: Vec<String>,
    /// BM25 relevance; higher is better.
    pub score: f32,
}

/// The best hits of a search and how many turns matched in all.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResults {
    /// Best first, at most the limit asked for.
    pub hits: Vec<Hit>,
    /// Every matching turn.
    pub total: usize,
}

/// What [`SearchIndex::count`] counts within each meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountBy {
    /// Matching turns per tag label.
    Tag,
    /// Matching turns per speaker.
    Speaker,
}

/// Counts of one meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingCounts {
    /// The meeting's id.
    pub meeting_id: String,
    /// Its title.
    pub title: String,
    /// When it started.
    pub date: OffsetDateTime,
    /// Turns of it that match.
    pub n_turns: u64,
    /// Matching turns per tag or speaker (a turn with two tags counts for both).
    pub counts: BTreeMap<String, u64>,
}

/// Counts per meeting and overall.
#[derive(Debug, Clone, PartialEq)]
pub struct CountResults {
    /// What was counted.
    pub by: CountBy,
    /// Meetings with matching turns, newest first, at most the limit.
    pub meetings: Vec<MeetingCounts>,
    /// Meetings with matching turns, including those past the limit.
    pub n_meetings: usize,
    /// Over all meetings (not only those listed).
    pub totals: BTreeMap<String, u64>,
    /// Matching turns over all meetings.
    pub total: u64,
}

/// A read-only view of the index; takes no lock, so it works while another
/// process records a meeting into the index.
pub struct SearchIndex {
    /// The index.
    index: Index,
    /// Its reader (no automatic reloads: one search per view).
    reader: IndexReader,
    /// Field handles.
    fields: Fields,
    /// The index directory, for messages.
    dir: PathBuf,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index of the data home `home`; `None` if there is none yet.
    /// An index of another layout version is an error, never read.
    pub fn open(home: &Path) -> Result<Option<SearchIndex>> {
        // A rebuild that swaps the directory in between reading the index's
        // list of segments and opening them makes the first try fail; the
        // second finds the new index whole.
        let mut tries = 0;
        loop {
            match SearchIndex::open_once(home) {
                Err(SearchError::Index { .. }) if tries < 3 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    fn open_once(home: &Path) -> Result<Option<SearchIndex>> {
        let dir = index_dir(home);
        match write::freshness(&dir) {
            Freshness::Missing => return Ok(None),
            Freshness::Outdated { found } => {
                return Err(SearchError::Outdated {
                    path: dir,
                    found,
                    expected: SCHEMA_VERSION,
                    reason: "it was not rebuilt".into(),
                })
            }
            Freshness::Current => {}
        }
        let (index, fields) = write::open(&dir)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(SearchError::index(&dir, "read"))?;
        Ok(Some(SearchIndex {
            index,
            reader,
            fields,
            dir,
        }))
    }

    /// Turns in the index.
    pub fn n_turns(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The best `limit` turns matching `query` and `filters`, best first;
    /// ties (equal scores) by meeting id, then time, so that equal indexes
    /// give equal answers.
    ///
    /// The query language is tantivy's: words (all must match, stemmed),
    /// `"exact phrases"`, `OR`, `NOT`/`-`, parentheses, and `field:value`
    /// for `speaker`, `title`, `tags` (`tags:/blame`) and `action`. Empty or
    /// `*` matches every turn.
    pub fn search(&self, query: &str, filters: &Filters, limit: usize) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let user_query = self.parse(query)?;
        let full = self.with_filters(user_query, filters);
        let (top, total) = searcher
            .search(
                &*full,
                &(TopDocs::with_limit(limit.max(1)).order_by_score(), Count),
            )
            .map_err(SearchError::index(&self.dir, "search"))?;
        let stemmed = SnippetGenerator::create(&searcher, &*full, self.fields.text)
            .map_err(SearchError::index(&self.dir, "search"))?;
        let exact = SnippetGenerator::create(&searcher, &*full, self.fields.text_exact)
            .map_err(SearchError::index(&self.dir, "search"))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top.into_iter().take(limit) {
            let mut hit = self.hit(&searcher, address, score)?;
            hit.snippet = snippet(&hit.text, &stemmed, &exact);
            hits.push(hit);
        }
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.meeting_id.cmp(&b.meeting_id))
                .then_with(|| a.start.total_cmp(&b.start))
                .then_with(|| a.turn.cmp(&b.turn))
        });
        Ok(SearchResults { hits, total })
    }

    /// Turns matching `query` and `filters`, counted per meeting and per tag
    /// or speaker. `limit` caps the meetings listed (newest first), not the
    /// totals.
    pub fn count(
        &self,
        query: &str,
        filters: &Filters,
        by: CountBy,
        limit: usize,
    ) -> Result<CountResults> {
        let searcher = self.reader.searcher();
        let trimmed = query.trim();
        let every_turn = (trimmed.is_empty() || trimmed == "*") && filters.is_empty();
        let full = self.with_filters(self.parse(query)?, filters);
        let archive = if every_turn {
            count_archive(&searcher, by, limit, self.fields)
                .map_err(SearchError::index(&self.dir, "count in"))?
        } else {
            None
        };
        let mut counted = match archive {
            Some(counted) => counted,
            None => {
                let collector = CountCollector {
                    by,
                    limit,
                    fields: self.fields,
                    every_turn,
                };
                searcher
                    .search(&*full, &collector)
                    .map_err(SearchError::index(&self.dir, "count in"))?
            }
        };
        let mut ids: Vec<&String> = counted.turns.keys().collect();
        ids.sort_by(|a, b| b.cmp(a));
        let mut meetings = Vec::new();
        for id in ids.into_iter().take(limit) {
            let (title, date) = self.meeting_details(&searcher, id)?;
            meetings.push(MeetingCounts {
                meeting_id: id.clone(),
                title,
                date,
                n_turns: counted.turns[id],
                counts: counted.newest.remove(id).unwrap_or_default(),
            });
        }
        Ok(CountResults {
            by,
            meetings,
            n_meetings: counted.n_meetings,
            totals: counted.totals,
            total: counted.total,
        })
    }

    /// Parses the user's query; quoted phrases search the unstemmed field,
    /// so `"rolled back"` means those words exactly.
    fn parse(&self, query: &str) -> Result<Box<dyn Query>> {
        let trimmed = query.trim();
        if trimmed.is_empty() || trimmed == "*" {
            return Ok(Box::new(AllQuery));
        }
        let error = |message: String| SearchError::Query {
            query: query.to_owned(),
            message,
        };
        // The query grammar recurses once per bracket: nesting thousands deep
        // (a pasted or generated query) would overflow the stack and abort the
        // process, `serve` included, instead of failing.
        let depth = nesting_depth(trimmed);
        if depth > MAX_NESTING {
            return Err(error(format!(
                "it nests brackets {depth} deep (at most {MAX_NESTING})"
            )));
        }
        let ast = query_grammar::parse_query(trimmed)
            .map_err(|_| error("it is not valid query syntax".into()))?;
        let mut parser = QueryParser::for_index(&self.index, vec![self.fields.text]);
        // "dns ttl" should mean turns with both words, as in web search.
        parser.set_conjunction_by_default();
        parser
            .build_query_from_user_input_ast(quoted_to_exact(ast))
            .map_err(|e| error(e.to_string()))
    }

    /// `query` restricted by `filters`; filters do not change scores.
    fn with_filters(&self, query: Box<dyn Query>, filters: &Filters) -> Box<dyn Query> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
        let any_of = |terms: Vec<Term>| -> Box<dyn Query> {
            let options: Vec<(Occur, Box<dyn Query>)> = terms
                .into_iter()
                .map(|t| {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect();
            Box::new(ConstScoreQuery::new(
                Box::new(BooleanQuery::new(options)),
                0.0,
            ))
        };
        if !filters.speakers.is_empty() {
            let terms = filters
                .speakers
                .iter()
                .map(|s| Term::from_field_text(f.speaker_keys, &s.to_lowercase()))
                .collect();
            clauses.push((Occur::Must, any_of(terms)));
        }
        for tag in &filters.tags {
            let term = Term::from_facet(f.tags, &Facet::from_path([tag.as_str()]));
            clauses.push((Occur::Must, any_of(vec![term])));
        }
        if !filters.meetings.is_empty() {
            let terms = filters
                .meetings
                .iter()
                .map(|m| Term::from_field_text(f.meeting_id, m.as_str()))
                .collect();
            clauses.push((Occur::Must, any_of(terms)));
        }
        if !filters.marked.is_empty() {
            let terms = filters
                .marked
                .iter()
                .map(|k| Term::from_facet(f.marks, &Facet::from_path([k.as_str()])))
                .collect();
            clauses.push((Occur::Must, any_of(terms)));
        }
        if filters.action_items {
            clauses.push((
                Occur::Must,
                any_of(vec![Term::from_field_bool(f.action, true)]),
            ));
        }
        if filters.since.is_some() || filters.until.is_some() {
            let bound = |t: Option<OffsetDateTime>, inclusive: bool| match t {
                None => Bound::Unbounded,
                Some(t) => {
                    let term = Term::from_field_date_for_search(f.date, DateTime::from_utc(t));
                    if inclusive {
                        Bound::Included(term)
                    } else {
                        Bound::Excluded(term)
                    }
                }
            };
            // From the date's terms, not its column: a meeting's turns share
            // one date, so a month is a few hundred posting lists, where the
            // column would be read for every turn of the archive.
            let range = tantivy::query::InvertedIndexRangeQuery::new(
                bound(filters.since, true),
                bound(filters.until, false),
            );
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(range), 0.0)),
            ));
        }
        if clauses.len() == 1 {
            return clauses.remove(0).1;
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// Reads a hit's stored fields.
    fn hit(&self, searcher: &Searcher, address: DocAddress, score: Score) -> Result<Hit> {
        let doc: TantivyDocument = searcher
            .doc(address)
            .map_err(SearchError::index(&self.dir, "read"))?;
        let f = &self.fields;
        let text_of = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let number = |field| doc.get_first(field).and_then(|v| v.as_f64()).unwrap_or(0.0);
        Ok(Hit {
            meeting_id: text_of(f.meeting_id),
            title: text_of(f.title),
            date: stored_date(&doc, f),
            turn: doc.get_first(f.turn).and_then(|v| v.as_u64()).unwrap_or(0),
            speaker: text_of(f.speaker),
            start: number(f.start),
            end: number(f.end),
            text: text_of(f.text),
            snippet: Snippet {
                text: String::new(),
                highlighted: Vec::new(),
                cut_before: false,
                cut_after: false,
            },
            tags: facet_names(&doc, f.tags),
            marks: facet_names(&doc, f.marks),
            action: doc
                .get_first(f.action)
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            score,
        })
    }

    /// Title and date of a meeting, from any of its documents.
    fn meeting_details(&self, searcher: &Searcher, id: &str) -> Result<(String, OffsetDateTime)> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.meeting_id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .map_err(SearchError::index(&self.dir, "search"))?;
        let Some((_, address)) = top.first() else {
            return Ok((String::new(), OffsetDateTime::UNIX_EPOCH));
        };
        let doc: TantivyDocument = searcher
            .doc(*address)
            .map_err(SearchError::index(&self.dir, "read"))?;
        let title = doc
            .get_first(self.fields.title)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        Ok((title, stored_date(&doc, &self.fields)))
    }
}

/// The first path segment of each stored facet of `field` (`blame` for `/blame`).
/// How deep a query may nest parentheses and range brackets.
const MAX_NESTING: usize = 32;

/// The deepest nesting of `(`, `[` and `{` in a query, outside double
/// quotes and not escaped with a backslash.
pub(super) fn nesting_depth(query: &str) -> usize {
    let (mut depth, mut deepest, mut quoted, mut escaped) = (0usize, 0, false, false);
    for c in query.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '(' | '[' | '{' if !quoted => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn facet_names(doc: &TantivyDocument, field: tantivy::schema::Field) -> Vec<String> {
    doc.get_all(field)
        .filter_map(|v| v.as_facet())
        .filter_map(|encoded| {
            let facet = Facet::from_encoded(encoded.as_bytes().to_vec()).ok()?;
            facet.to_path().first().map(|s| s.to_string())
        })
        .collect()
}

fn stored_date(doc: &TantivyDocument, fields: &Fields) -> OffsetDateTime {
    doc.get_first(fields.date)
        .and_then(|v| v.as_datetime())
        .map_or(OffsetDateTime::UNIX_EPOCH, DateTime::into_utc)
}

/// Sends unfielded quoted literals to the unstemmed field.
fn quoted_to_exact(ast: UserInputAst) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, sub)| (occur, quoted_to_exact(sub)))
                .collect(),
        ),
        UserInputAst::Boost(sub, boost) => {
            UserInputAst::Boost(Box::new(quoted_to_exact(*sub)), boost)
        }
        UserInputAst::Leaf(leaf) => match *leaf {
            UserInputLeaf::Literal(mut literal)
                if literal.field_name.is_none() && literal.delimiter != Delimiter::None =>
            {
                literal.field_name = Some(names::TEXT_EXACT.to_owned());
                UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(literal)))
            }
            other => UserInputAst::Leaf(Box::new(other)),
        },
    }
}

/// The snippet of `text`: the stemmed field's matches, plus the exact
/// field's (quoted phrases) where they fall in the same window.
fn snippet(text: &str, stemmed: &SnippetGenerator, exact: &SnippetGenerator) -> Snippet {
    let mut window: Option<Range<usize>> = None;
    let mut highlighted: Vec<Range<usize>> = Vec::new();
    for generator in [stemmed, exact] {
        let s = generator.snippet(text);
        if s.highlighted().is_empty() {
            continue;
        }
        let offset = s.fragment_range().start;
        let range = window.get_or_insert_with(|| s.fragment_range()).clone();
        highlighted.extend(
            s.highlighted()
                .iter()
                .map(|r| r.start + offset..r.end + offset)
                .filter(|r| r.start >= range.start && r.end <= range.end),
        );
    }
    let mut window = window.unwrap_or_else(|| 0..prefix_end(text, SNIPPET_CHARS));
    // Short turns are shown whole; otherwise don't cut off mere punctuation.
    if text.len() <= SNIPPET_CHARS || !text[window.end..].chars().any(char::is_alphanumeric) {
        window.end = text.len();
    }
    if text.len() <= SNIPPET_CHARS || !text[..window.start].chars().any(char::is_alphanumeric) {
        window.start = 0;
    }
    highlighted.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    // Merge overlaps (a word matched by both fields).
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in highlighted {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    Snippet {
        text: text[window.clone()].to_owned(),
        highlighted: merged
            .into_iter()
            .map(|r| r.start - window.start..r.end - window.start)
            .collect(),
        cut_before: window.start > 0,
        cut_after: window.end < text.len(),
    }
}

/// The end of the first `max` bytes of `text`, moved back to a word break
/// (or at least a character boundary).
fn prefix_end(text: &str, max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end]
        .rfind(' ')
        .filter(|&i| i > max / 2)
        .unwrap_or(end)
}
