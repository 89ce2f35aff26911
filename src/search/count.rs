//! Counting matching turns per meeting and per tag or speaker, without
//! loading a document.
//!
//! `search --count-by` with words or filters visits every matching turn,
//! often most of the archive, so what matters is the cost per turn. Turns arrive from the query in blocks of 64;
//! the meeting (and speaker) of a whole block is read from the fast-field
//! columns in one call each. Tags come from the other side: each segment's
//! tagged turns (about one in ten) are read once per query from the tags'
//! posting lists, and only those that fall inside a block are looked up in
//! it. Counts go into dense tables indexed by ordinal, and ids are looked
//! up at the end only for the meetings listed (each segment's `limit`
//! newest that matched): the others are counted by ordinal, and when
//! several segments matched, a meeting they share is counted once by one
//! merged pass over their sorted id dictionaries. Deleted turns are skipped
//! before a block is counted, so every count is exact, with or without
//! filters.
//!
//! Counting the whole archive (no words, no filters: the question a
//! dashboard asks most) reads no turn but those of the meetings it lists
//! ([`count_archive`]): a tag's or speaker's total is its term's document
//! frequency, the number of turns is the segments', and only the `limit`
//! newest meetings' turns are read, through their ids' posting lists, with
//! their tags or speakers from the columns. The one pass over every meeting
//! counts the meetings: a merge of the segments' sorted id columns (and
//! with one segment, not even that). Walking the meeting ids' term
//! dictionary instead, for each meeting's number of turns, was the largest
//! cost of the count. Deleted turns, which document frequencies still
//! count, are read one by one and taken back out, so these counts are
//! exact too.
//!
//! A long list (`limit` over [`MAX_ARCHIVE_LIMIT`]) or speaker names that
//! differ only in case go through the collector, which for the whole
//! archive also visits almost no turn: each meeting's number of turns is
//! its id's document frequency, and only tagged turns (or, by speaker, the
//! listed meetings' turns) and deleted turns are read one by one.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::postings::TermInfo;
use tantivy::query::Weight;
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, Term, TERMINATED};

use super::query::CountBy;
use super::schema::{names, Fields};

/// Largest dense (meeting × value) table per segment, in entries (4 bytes
/// each); past it counts go into a hash map.
const MAX_DENSE: usize = 1 << 22;

/// Counts matching turns per (meeting, tag or speaker).
pub(super) struct CountCollector {
    /// What to count.
    pub by: CountBy,
    /// How many of the newest meetings need their counts per value (the
    /// others only their number of turns).
    pub limit: usize,
    /// Field handles.
    pub fields: Fields,
    /// The query matches every turn (no words, no filters): counts come
    /// from the segments' term dictionaries instead of a visit to each turn.
    pub every_turn: bool,
}

/// What [`CountCollector`] found over all segments.
#[derive(Debug, Default)]
pub(super) struct Counted {
    /// Tag or speaker → matching turns, over all meetings.
    pub totals: BTreeMap<String, u64>,
    /// Meeting id → matching turns, for the `limit` newest meetings with
    /// any (the meetings listed).
    pub turns: HashMap<String, u64>,
    /// Meeting id → (tag or speaker → matching turns), for the same
    /// meetings as `turns`.
    pub newest: HashMap<String, BTreeMap<String, u64>>,
    /// Meetings with matching turns (more than `turns` holds when only the
    /// newest are listed there).
    pub n_meetings: usize,
    /// Matching turns over all meetings.
    pub total: u64,
}

/// What one segment's [`SegmentCounts`] found: its counts, with meetings
/// listed only for its `limit` newest, and its matching meetings by
/// ordinal, for the number of distinct meetings over all segments.
pub(super) struct SegmentCounted {
    /// The segment's counts; `n_meetings` is its own.
    counted: Counted,
    /// Its meeting id column (the dictionary names the ordinals of
    /// `turns`); `None`: an empty segment.
    meetings: Option<StrColumn>,
    /// Meeting ordinal → matching turns.
    turns: Vec<u32>,
}

/// The turns of one term's posting list, in increasing order, leaving out
/// those `alive` marks deleted.
fn live_docs(
    inverted: &tantivy::InvertedIndexReader,
    info: &TermInfo,
    alive: Option<&tantivy::fastfield::AliveBitSet>,
) -> tantivy::Result<Vec<DocId>> {
    let mut postings = inverted.read_postings_from_terminfo(info, IndexRecordOption::Basic)?;
    let mut docs = Vec::with_capacity(info.doc_freq as usize);
    while postings.doc() != TERMINATED {
        if alive.is_none_or(|bits| bits.is_alive(postings.doc())) {
            docs.push(postings.doc());
        }
        postings.advance();
    }
    Ok(docs)
}

/// Reads the first value of `column` (a dictionary ordinal) for each of
/// `docs` into `out`, reusing its allocation.
fn first_ords(column: &StrColumn, docs: &[DocId], out: &mut Vec<Option<u64>>) {
    out.clear();
    out.resize(docs.len(), None);
    column.ords().first_vals(docs, out);
}

/// Where a segment's tag or speaker of a turn comes from.
enum Values {
    /// The speaker column (one name per turn); `None`: no turn has one.
    Speaker(Option<StrColumn>),
    /// The segment's tagged turns, per tag ordinal: doc ids in increasing
    /// order, and how far the query's blocks have got in each list.
    Tags {
        /// Per tag ordinal: its turns.
        docs: Vec<Vec<DocId>>,
        /// Per tag ordinal: index of the first turn not before the current block.
        next: Vec<usize>,
    },
}

/// Matching turns of one segment, by ordinal.
struct Tally {
    /// Row length of `pairs`: the number of value ordinals.
    n_values: usize,
    /// (meeting ord × n_values + value ord) → matching turns; empty when too
    /// large, then `sparse` holds the counts.
    pairs: Vec<u32>,
    /// (meeting ord, value ord) → matching turns, when `pairs` is empty.
    sparse: HashMap<(u32, u32), u32>,
    /// Meeting ord → matching turns.
    turns: Vec<u32>,
    /// Value ord → matching turns.
    totals: Vec<u64>,
}

impl Tally {
    fn new(n_meetings: usize, n_values: usize) -> Tally {
        let dense = n_meetings.saturating_mul(n_values);
        Tally {
            n_values,
            pairs: vec![0; if dense <= MAX_DENSE { dense } else { 0 }],
            sparse: HashMap::new(),
            turns: vec![0; n_meetings],
            totals: vec![0; n_values],
        }
    }

    /// Adds one matching turn with value `value` in meeting `meeting`.
    fn count_pair(&mut self, meeting: u64, value: u64) {
        self.totals[value as usize] += 1;
        self.add_pair(meeting, value);
    }

    /// Adds one turn with value `value` in meeting `meeting`, leaving the
    /// value's total alone (it was counted from the term dictionary).
    fn add_pair(&mut self, meeting: u64, value: u64) {
        if self.pairs.is_empty() {
            *self
                .sparse
                .entry((meeting as u32, value as u32))
                .or_default() += 1;
        } else {
            self.pairs[meeting as usize * self.n_values + value as usize] += 1;
        }
    }

    /// Matching turns with value `value` in meeting `meeting`.
    fn pair(&self, meeting: u64, value: usize) -> u32 {
        if self.pairs.is_empty() {
            self.sparse
                .get(&(meeting as u32, value as u32))
                .copied()
                .unwrap_or(0)
        } else {
            self.pairs[meeting as usize * self.n_values + value]
        }
    }
}

/// Counts of one segment, by ordinal.
pub(super) struct SegmentCounts {
    /// See [`CountCollector::limit`].
    limit: usize,
    /// Meeting id of each turn; `None`: an empty segment.
    meetings: Option<StrColumn>,
    /// Tag or speaker of each turn.
    values: Values,
    /// Names of the value ordinals.
    value_names: Vec<String>,
    /// The counts.
    tally: Tally,
    /// Scratch: the meeting ord of each turn of the current block.
    block_meetings: Vec<Option<u64>>,
    /// Scratch: the speaker ord of each turn of the current block.
    block_values: Vec<Option<u64>>,
    /// Scratch: the live turns of a block of a segment with deletions.
    alive: Vec<DocId>,
}

impl Collector for CountCollector {
    type Fruit = Counted;
    type Child = SegmentCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentCounts> {
        let fast = segment.fast_fields();
        let meetings = fast.str(names::MEETING_ID)?;
        let n_meetings = meetings.as_ref().map_or(0, |c| c.num_terms());
        let (values, value_names) = match self.by {
            CountBy::Speaker => {
                let column = fast.str(names::SPEAKER)?;
                let mut names = Vec::new();
                if let Some(column) = &column {
                    let ords: Vec<u64> = (0..column.num_terms() as u64).collect();
                    column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                        names.push(String::from_utf8_lossy(bytes).into_owned())
                    })?;
                }
                (Values::Speaker(column), names)
            }
            CountBy::Tag => {
                let (docs, names) = tagged_turns(segment, self.fields)?;
                let next = vec![0; docs.len()];
                (Values::Tags { docs, next }, names)
            }
        };
        Ok(SegmentCounts {
            limit: self.limit,
            meetings,
            values,
            tally: Tally::new(n_meetings, value_names.len()),
            value_names,
            block_meetings: Vec::with_capacity(tantivy::COLLECT_BLOCK_BUFFER_LEN),
            block_values: Vec::with_capacity(tantivy::COLLECT_BLOCK_BUFFER_LEN),
            alive: Vec::with_capacity(tantivy::COLLECT_BLOCK_BUFFER_LEN),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    /// Feeds whole blocks to the segment's counts, deleted turns left out
    /// (tantivy's default goes one turn at a time when a segment has
    /// deletions).
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCounted> {
        let mut counts = self.for_segment(segment_ord, reader)?;
        if self.every_turn && counts.count_every_turn(reader, self.fields)? {
            return Ok(counts.harvest());
        }
        match reader.alive_bitset() {
            None => weight.for_each_no_score(reader, &mut |docs| counts.collect_block(docs))?,
            Some(alive_bitset) => weight.for_each_no_score(reader, &mut |docs| {
                let mut alive = std::mem::take(&mut counts.alive);
                alive.clear();
                alive.extend(docs.iter().filter(|&&d| alive_bitset.is_alive(d)));
                counts.collect_block(&alive);
                counts.alive = alive;
            })?,
        }
        Ok(counts.harvest())
    }

    /// Adds the segments' counts up. Each segment lists its `limit` newest
    /// matching meetings; the newest overall are among them (in any segment
    /// that holds one, fewer than `limit` meetings are newer), and only those
    /// are kept, whole. Meetings are counted once however many segments
    /// hold them, from the segments' ordinals, without reading every id.
    fn merge_fruits(&self, fruits: Vec<SegmentCounted>) -> tantivy::Result<Counted> {
        let matched: Vec<(&StrColumn, &[u32])> = fruits
            .iter()
            .filter(|f| f.counted.n_meetings > 0)
            .filter_map(|f| Some((f.meetings.as_ref()?, f.turns.as_slice())))
            .collect();
        let n_meetings = match &matched[..] {
            [] => 0,
            [(_, turns)] => turns.iter().filter(|&&n| n > 0).count(),
            _ => {
                let segments: Vec<(&StrColumn, Counts)> = matched
                    .iter()
                    .map(|&(column, turns)| {
                        let has_turns: Counts = Box::new(move |m| turns[m as usize] > 0);
                        (column, has_turns)
                    })
                    .collect();
                n_distinct_meetings(&segments)?
            }
        };
        let mut all = Counted::default();
        for fruit in fruits {
            let fruit = fruit.counted;
            for (value, n) in fruit.totals {
                *all.totals.entry(value).or_default() += n;
            }
            for (meeting, n) in fruit.turns {
                *all.turns.entry(meeting).or_default() += n;
            }
            for (meeting, counts) in fruit.newest {
                let entry = all.newest.entry(meeting).or_default();
                for (value, n) in counts {
                    *entry.entry(value).or_default() += n;
                }
            }
            all.total += fruit.total;
        }
        // A meeting past the `limit` newest may be missing the segments
        // where it is not among the newest: leave it out.
        let mut ids: Vec<String> = all.turns.keys().cloned().collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        for id in ids.iter().skip(self.limit) {
            all.turns.remove(id);
            all.newest.remove(id);
        }
        all.n_meetings = n_meetings;
        Ok(all)
    }
}

/// The turns of `segment` that carry each tag (doc ids in increasing order),
/// and the tags' names, from the tags' posting lists. Deleted turns are
/// included: only turns the query matched are looked up in them.
fn tagged_turns(
    segment: &SegmentReader,
    fields: Fields,
) -> tantivy::Result<(Vec<Vec<DocId>>, Vec<String>)> {
    let inverted = segment.inverted_index(fields.tags)?;
    let (infos, tag_names) = tag_terms(segment, fields)?;
    let mut docs = Vec::with_capacity(infos.len());
    for info in &infos {
        docs.push(live_docs(&inverted, info, None)?);
    }
    Ok((docs, tag_names))
}

/// The tags of `segment`, from its dictionary of tag facets: where each
/// one's posting list is (with its number of turns, deleted ones included),
/// and its name.
fn tag_terms(
    segment: &SegmentReader,
    fields: Fields,
) -> tantivy::Result<(Vec<TermInfo>, Vec<String>)> {
    let inverted = segment.inverted_index(fields.tags)?;
    let mut terms = inverted.terms().stream()?;
    let mut infos = Vec::new();
    let mut tag_names = Vec::new();
    while terms.advance() {
        if let Some(label) = tag_label(terms.key())? {
            tag_names.push(label);
            infos.push(terms.value().clone());
        }
    }
    Ok((infos, tag_names))
}

/// The tag an encoded facet stands for: its one path segment. Tags are one
/// level deep; the index also holds every facet's ancestors, the root
/// (every tagged turn) and, for a deeper facet, its parents, which would
/// count twice: `None` for those.
fn tag_label(encoded: &[u8]) -> tantivy::Result<Option<String>> {
    let facet = Facet::from_encoded(encoded.to_vec())
        .map_err(|e| tantivy::TantivyError::InvalidArgument(e.to_string()))?;
    if facet.is_root() {
        return Ok(None);
    }
    Ok(match &facet.to_path()[..] {
        [label] => Some((*label).to_owned()),
        _ => None,
    })
}

/// The tags' column of `segment` (a turn's tags, by column ordinal) and, per
/// column ordinal, which of `tag_names` it stands for (`None`: a facet that
/// is not a tag). `None` when no turn of the segment has a tag.
fn tag_column(
    segment: &SegmentReader,
    tag_names: &[String],
) -> tantivy::Result<Option<(StrColumn, Vec<Option<usize>>)>> {
    let Some(column) = segment.fast_fields().str(names::TAGS)? else {
        return Ok(None);
    };
    let ords: Vec<u64> = (0..column.num_terms() as u64).collect();
    let mut encoded = Vec::with_capacity(ords.len());
    column
        .dictionary()
        .sorted_ords_to_term_cb(&ords, |bytes| encoded.push(bytes.to_vec()))?;
    let mut to_tag = Vec::with_capacity(encoded.len());
    for bytes in &encoded {
        let label = tag_label(bytes)?;
        to_tag.push(label.and_then(|l| tag_names.iter().position(|n| *n == l)));
    }
    Ok(Some((column, to_tag)))
}

impl SegmentCounts {
    /// Counts every turn of `segment` from what the index already keeps per
    /// term, without visiting each turn: a meeting's turns are its id's
    /// document frequency, a tag's or speaker's total is its term's, and
    /// only the tagged turns (about one in ten) and the turns of the
    /// `limit` newest meetings are looked at one by one. Deleted turns are
    /// then taken back out, so the counts are exact. Returns false, with
    /// nothing counted, when the dictionaries do not line up with the
    /// columns (then the turns are visited as for any query).
    fn count_every_turn(
        &mut self,
        segment: &SegmentReader,
        fields: Fields,
    ) -> tantivy::Result<bool> {
        let Some(meetings) = &self.meetings else {
            return Ok(true);
        };
        let ids = segment.inverted_index(fields.meeting_id)?;
        let mut terms = ids.terms().stream()?;
        let mut turns = Vec::with_capacity(self.tally.turns.len());
        let mut infos = Vec::with_capacity(self.tally.turns.len());
        while terms.advance() {
            turns.push(terms.value().doc_freq);
            infos.push(terms.value().clone());
        }
        // Every turn has one meeting id, so the column's dictionary and the
        // inverted index's hold the same ids in the same order.
        if turns.len() != self.tally.turns.len() {
            return Ok(false);
        }
        let speakers = match &self.values {
            Values::Speaker(Some(column)) => {
                let Some(totals) = speaker_totals(segment, fields, &self.value_names)? else {
                    // Visit the turns instead.
                    return Ok(false);
                };
                Some((column.clone(), totals))
            }
            _ => None,
        };
        self.tally.turns = turns;
        let speakers = speakers.map(|(column, totals)| {
            self.tally.totals = totals;
            column
        });
        let alive = segment.alive_bitset();
        let is_alive = |doc: DocId| alive.is_none_or(|bits| bits.is_alive(doc));
        let mut block = Vec::with_capacity(tantivy::COLLECT_BLOCK_BUFFER_LEN);
        let mut ords = Vec::with_capacity(tantivy::COLLECT_BLOCK_BUFFER_LEN);
        // Deleted turns are still in the term dictionaries: take them out.
        if let Some(bits) = alive {
            let dead: Vec<DocId> = (0..segment.max_doc())
                .filter(|&d| !bits.is_alive(d))
                .collect();
            for chunk in dead.chunks(tantivy::COLLECT_BLOCK_BUFFER_LEN) {
                first_ords(meetings, chunk, &mut ords);
                for meeting in ords.iter().flatten() {
                    let n = &mut self.tally.turns[*meeting as usize];
                    *n = n.saturating_sub(1);
                }
                if let Some(column) = &speakers {
                    let mut values = vec![None; chunk.len()];
                    column.ords().first_vals(chunk, &mut values);
                    for value in values.iter().flatten() {
                        let n = &mut self.tally.totals[*value as usize];
                        *n = n.saturating_sub(1);
                    }
                }
            }
        }
        match &self.values {
            Values::Tags { docs, .. } => {
                for (tag, list) in docs.iter().enumerate() {
                    for chunk in list.chunks(tantivy::COLLECT_BLOCK_BUFFER_LEN) {
                        block.clear();
                        block.extend(chunk.iter().copied().filter(|&d| is_alive(d)));
                        first_ords(meetings, &block, &mut ords);
                        for meeting in ords.iter().flatten() {
                            self.tally.count_pair(*meeting, tag as u64);
                        }
                    }
                }
            }
            Values::Speaker(_) => {
                // Per speaker only for the newest meetings (the others need
                // their number of turns alone): their turns, from their
                // ids' posting lists.
                if let Some(column) = &speakers {
                    // The newest meetings with a turn left, as `harvest` takes them.
                    let newest: Vec<usize> = (0..infos.len())
                        .rev()
                        .filter(|&m| self.tally.turns[m] > 0)
                        .take(self.limit)
                        .collect();
                    let mut values = Vec::with_capacity(tantivy::COLLECT_BLOCK_BUFFER_LEN);
                    for m in newest {
                        let docs = live_docs(&ids, &infos[m], alive)?;
                        for chunk in docs.chunks(tantivy::COLLECT_BLOCK_BUFFER_LEN) {
                            first_ords(column, chunk, &mut values);
                            for value in values.iter().flatten() {
                                self.tally.add_pair(m as u64, *value);
                            }
                        }
                    }
                }
            }
        }
        Ok(true)
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = SegmentCounted;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        let (Some(meetings), Some(&last)) = (&self.meetings, docs.last()) else {
            return;
        };
        first_ords(meetings, docs, &mut self.block_meetings);
        let tally = &mut self.tally;
        for meeting in self.block_meetings.iter().flatten() {
            tally.turns[*meeting as usize] += 1;
        }
        match &mut self.values {
            Values::Speaker(None) => {}
            Values::Speaker(Some(column)) => {
                first_ords(column, docs, &mut self.block_values);
                for (meeting, value) in self.block_meetings.iter().zip(&self.block_values) {
                    if let (Some(meeting), Some(value)) = (meeting, value) {
                        tally.count_pair(*meeting, *value);
                    }
                }
            }
            Values::Tags { docs: tagged, next } => {
                // Blocks come in increasing doc order: each list is walked
                // once over the whole query.
                for (tag, (list, at)) in tagged.iter().zip(next.iter_mut()).enumerate() {
                    while *at < list.len() && list[*at] < docs[0] {
                        *at += 1;
                    }
                    while *at < list.len() && list[*at] <= last {
                        if let Ok(i) = docs.binary_search(&list[*at]) {
                            if let Some(meeting) = self.block_meetings[i] {
                                tally.count_pair(meeting, tag as u64);
                            }
                        }
                        *at += 1;
                    }
                }
            }
        }
    }

    /// The segment's counts. Only the `limit` newest matching meetings'
    /// ids are read from the dictionary: for the others, their ordinals
    /// are enough to count them.
    fn harvest(self) -> SegmentCounted {
        let mut counted = Counted::default();
        let Some(meetings) = &self.meetings else {
            return SegmentCounted {
                counted,
                meetings: None,
                turns: Vec::new(),
            };
        };
        let tally = &self.tally;
        for (name, &n) in self.value_names.iter().zip(&tally.totals) {
            if n > 0 {
                *counted.totals.entry(name.clone()).or_default() += n;
            }
        }
        counted.n_meetings = tally.turns.iter().filter(|&&n| n > 0).count();
        counted.total = tally.turns.iter().map(|&n| u64::from(n)).sum();
        // Ordinals follow the ids' order, and ids begin with the meeting's
        // start time: the last ones are the newest.
        let mut newest: Vec<u64> = (0..tally.turns.len() as u64)
            .rev()
            .filter(|&m| tally.turns[m as usize] > 0)
            .take(self.limit)
            .collect();
        newest.reverse();
        let mut ids = Vec::with_capacity(newest.len());
        // A dictionary that cannot be read leaves those meetings out; the
        // ordinals come from the same segment, so this does not happen.
        let _ = meetings
            .dictionary()
            .sorted_ords_to_term_cb(&newest, |bytes| {
                ids.push(String::from_utf8_lossy(bytes).into_owned())
            });
        for (&m, id) in newest.iter().zip(ids) {
            let mut counts = BTreeMap::new();
            for (v, name) in self.value_names.iter().enumerate() {
                let n = tally.pair(m, v);
                if n > 0 {
                    counts.insert(name.clone(), u64::from(n));
                }
            }
            counted
                .turns
                .insert(id.clone(), u64::from(tally.turns[m as usize]));
            counted.newest.insert(id, counts);
        }
        SegmentCounted {
            counted,
            meetings: self.meetings,
            turns: self.tally.turns,
        }
    }
}

/// Most meetings listed (`limit`) for which [`count_archive`] answers: it
/// looks each listed meeting up in every segment, which outgrows the
/// collector's one pass over the dictionaries for long lists.
const MAX_ARCHIVE_LIMIT: usize = 256;

/// Counts every turn of the index (no words, no filters) from what the
/// index keeps per term and per segment, without a pass over every meeting
/// id: totals per tag or speaker from their terms' document frequencies,
/// the number of turns from the segments', and only the `limit` newest
/// meetings' turns read one by one. Deleted turns, which the dictionaries
/// still count, are taken back out, so the counts are exact. `None` when it
/// cannot answer exactly this way (a long `limit`, speaker names that differ
/// only in case): then the collector counts.
pub(super) fn count_archive(
    searcher: &Searcher,
    by: CountBy,
    limit: usize,
    fields: Fields,
) -> tantivy::Result<Option<Counted>> {
    if limit > MAX_ARCHIVE_LIMIT {
        return Ok(None);
    }
    let mut segments = Vec::new();
    for reader in searcher.segment_readers() {
        if reader.num_docs() == 0 {
            continue;
        }
        match ArchiveSegment::open(reader, by, fields)? {
            Some(segment) => segments.push(segment),
            None => return Ok(None),
        }
    }
    let mut counted = Counted {
        n_meetings: n_live_meetings(&segments)?,
        total: segments
            .iter()
            .map(|s| u64::from(s.reader.num_docs()))
            .sum(),
        ..Counted::default()
    };
    for segment in &segments {
        for (name, &n) in segment.value_names.iter().zip(&segment.totals) {
            if n > 0 {
                *counted.totals.entry(name.clone()).or_default() += n;
            }
        }
    }
    // The newest meetings overall are among each segment's newest: in any
    // segment that holds one, fewer than `limit` meetings are newer.
    let mut candidates = BTreeSet::new();
    for segment in &segments {
        candidates.extend(segment.newest_ids(limit)?);
    }
    for id in candidates.into_iter().rev().take(limit) {
        let term = Term::from_field_text(fields.meeting_id, &id);
        let mut n_turns = 0;
        let mut counts = BTreeMap::new();
        for segment in &segments {
            n_turns += segment.count_meeting(&term, &mut counts)?;
        }
        counted.turns.insert(id.clone(), n_turns);
        counted.newest.insert(id, counts);
    }
    Ok(Some(counted))
}

/// Where a segment's tag or speaker of a turn comes from, for
/// [`count_archive`].
enum ArchiveValues {
    /// The speaker column (one name per turn).
    Speaker(StrColumn),
    /// The tags' column (any number per turn) and, per column ordinal, the
    /// tag it stands for (`None`: a facet that is not a tag); `None` when no
    /// turn of the segment has a tag.
    Tags(Option<(StrColumn, Vec<Option<usize>>)>),
}

/// One segment, as [`count_archive`] reads it.
struct ArchiveSegment<'a> {
    /// The segment.
    reader: &'a SegmentReader,
    /// Its meeting id column.
    meetings: StrColumn,
    /// Its meeting ids' postings.
    ids: std::sync::Arc<tantivy::InvertedIndexReader>,
    /// Meeting ordinals (increasing) whose every turn is deleted.
    emptied: Vec<u64>,
    /// Tag or speaker of each turn.
    values: ArchiveValues,
    /// Names of the value ordinals.
    value_names: Vec<String>,
    /// Value ordinal → live turns.
    totals: Vec<u64>,
}

impl<'a> ArchiveSegment<'a> {
    /// Reads what the segment's dictionaries say, and takes its deleted
    /// turns back out; `None` when the speaker names do not line up with
    /// the dictionary (two names that differ only in case).
    fn open(
        reader: &'a SegmentReader,
        by: CountBy,
        fields: Fields,
    ) -> tantivy::Result<Option<ArchiveSegment<'a>>> {
        let fast = reader.fast_fields();
        let Some(meetings) = fast.str(names::MEETING_ID)? else {
            return Ok(None);
        };
        let (values, value_names, mut totals) = match by {
            CountBy::Speaker => {
                let Some(column) = fast.str(names::SPEAKER)? else {
                    return Ok(None);
                };
                let ords: Vec<u64> = (0..column.num_terms() as u64).collect();
                let mut spoken = Vec::with_capacity(ords.len());
                column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                    spoken.push(String::from_utf8_lossy(bytes).into_owned())
                })?;
                let Some(totals) = speaker_totals(reader, fields, &spoken)? else {
                    return Ok(None);
                };
                (ArchiveValues::Speaker(column), spoken, totals)
            }
            CountBy::Tag => {
                let (infos, tag_names) = tag_terms(reader, fields)?;
                let totals = infos.iter().map(|i| u64::from(i.doc_freq)).collect();
                let column = tag_column(reader, &tag_names)?;
                if column.is_none() && !infos.is_empty() {
                    return Ok(None);
                }
                (ArchiveValues::Tags(column), tag_names, totals)
            }
        };
        let ids = reader.inverted_index(fields.meeting_id)?;
        // Deleted turns are still in the term dictionaries: take them out.
        let mut dead_per_meeting: BTreeMap<u64, u32> = BTreeMap::new();
        if let Some(alive) = reader.alive_bitset() {
            let dead: Vec<DocId> = (0..reader.max_doc())
                .filter(|&d| !alive.is_alive(d))
                .collect();
            let mut ords = Vec::with_capacity(tantivy::COLLECT_BLOCK_BUFFER_LEN);
            for chunk in dead.chunks(tantivy::COLLECT_BLOCK_BUFFER_LEN) {
                first_ords(&meetings, chunk, &mut ords);
                for meeting in ords.iter().flatten() {
                    *dead_per_meeting.entry(*meeting).or_default() += 1;
                }
                match &values {
                    ArchiveValues::Speaker(column) => {
                        first_ords(column, chunk, &mut ords);
                        for value in ords.iter().flatten() {
                            let n = &mut totals[*value as usize];
                            *n = n.saturating_sub(1);
                        }
                    }
                    ArchiveValues::Tags(None) => {}
                    ArchiveValues::Tags(Some((column, to_tag))) => {
                        for &doc in chunk {
                            for ord in column.term_ords(doc) {
                                if let Some(tag) = to_tag[ord as usize] {
                                    let n = &mut totals[tag];
                                    *n = n.saturating_sub(1);
                                }
                            }
                        }
                    }
                }
            }
        }
        // A meeting whose deleted turns are all it has here has none left.
        let mut emptied = Vec::new();
        let touched: Vec<u64> = dead_per_meeting.keys().copied().collect();
        let mut id_bytes = Vec::with_capacity(touched.len());
        meetings
            .dictionary()
            .sorted_ords_to_term_cb(&touched, |bytes| id_bytes.push(bytes.to_vec()))?;
        for (m, bytes) in touched.iter().zip(&id_bytes) {
            let term = Term::from_field_text(fields.meeting_id, &String::from_utf8_lossy(bytes));
            let turns = ids.get_term_info(&term)?.map_or(0, |info| info.doc_freq);
            if dead_per_meeting[m] >= turns {
                emptied.push(*m);
            }
        }
        Ok(Some(ArchiveSegment {
            reader,
            meetings,
            ids,
            emptied,
            values,
            value_names,
            totals,
        }))
    }

    /// Whether the meeting of ordinal `m` has a live turn here.
    fn is_live(&self, m: u64) -> bool {
        self.emptied.binary_search(&m).is_err()
    }

    /// Ids of the `limit` newest meetings with a live turn here (ids begin
    /// with the meeting's start time, so the last ordinals are the newest).
    fn newest_ids(&self, limit: usize) -> tantivy::Result<Vec<String>> {
        let mut ords: Vec<u64> = (0..self.meetings.num_terms() as u64)
            .rev()
            .filter(|&m| self.is_live(m))
            .take(limit)
            .collect();
        ords.reverse();
        let mut ids = Vec::with_capacity(ords.len());
        self.meetings
            .dictionary()
            .sorted_ords_to_term_cb(&ords, |bytes| {
                ids.push(String::from_utf8_lossy(bytes).into_owned())
            })?;
        Ok(ids)
    }

    /// Adds the live turns of the meeting with id `term` here to `counts`
    /// per tag or speaker, and returns how many there are.
    fn count_meeting(
        &self,
        term: &Term,
        counts: &mut BTreeMap<String, u64>,
    ) -> tantivy::Result<u64> {
        let Some(info) = self.ids.get_term_info(term)? else {
            return Ok(0);
        };
        let docs = live_docs(&self.ids, &info, self.reader.alive_bitset())?;
        let mut per_value = vec![0u64; self.value_names.len()];
        match &self.values {
            ArchiveValues::Speaker(column) => {
                let mut values = Vec::with_capacity(tantivy::COLLECT_BLOCK_BUFFER_LEN);
                for chunk in docs.chunks(tantivy::COLLECT_BLOCK_BUFFER_LEN) {
                    first_ords(column, chunk, &mut values);
                    for value in values.iter().flatten() {
                        per_value[*value as usize] += 1;
                    }
                }
            }
            ArchiveValues::Tags(None) => {}
            ArchiveValues::Tags(Some((column, to_tag))) => {
                for &doc in &docs {
                    for ord in column.term_ords(doc) {
                        if let Some(tag) = to_tag[ord as usize] {
                            per_value[tag] += 1;
                        }
                    }
                }
            }
        }
        for (name, n) in self.value_names.iter().zip(per_value) {
            if n > 0 {
                *counts.entry(name.clone()).or_default() += n;
            }
        }
        Ok(docs.len() as u64)
    }
}

/// Number of meetings with a live turn in any of `segments`.
fn n_live_meetings(segments: &[ArchiveSegment]) -> tantivy::Result<usize> {
    if let [segment] = segments {
        return Ok(segment.meetings.num_terms() - segment.emptied.len());
    }
    let live: Vec<(&StrColumn, Counts)> = segments
        .iter()
        .map(|segment| {
            let is_live: Counts = Box::new(move |m| segment.is_live(m));
            (&segment.meetings, is_live)
        })
        .collect();
    n_distinct_meetings(&live)
}

/// Whether a segment's meeting of a given ordinal counts.
type Counts<'a> = Box<dyn Fn(u64) -> bool + 'a>;

/// Number of distinct meeting ids over `segments`, each a meeting id column
/// and which of its ordinals to count: one pass over each column's
/// dictionary, in order, merged.
fn n_distinct_meetings(segments: &[(&StrColumn, Counts)]) -> tantivy::Result<usize> {
    let mut streams = Vec::with_capacity(segments.len());
    for (meetings, _) in segments {
        let mut stream = meetings.dictionary().stream()?;
        let more = stream.advance();
        streams.push((stream, more));
    }
    let mut n = 0;
    let mut smallest = Vec::new();
    loop {
        let Some(first) = streams
            .iter()
            .filter(|(_, more)| *more)
            .map(|(stream, _)| stream.key())
            .min()
        else {
            return Ok(n);
        };
        smallest.clear();
        smallest.extend_from_slice(first);
        let mut counted = false;
        for ((stream, more), (_, counts)) in streams.iter_mut().zip(segments) {
            if *more && stream.key() == smallest.as_slice() {
                counted |= counts(stream.term_ord());
                *more = stream.advance();
            }
        }
        n += usize::from(counted);
    }
}

/// Per speaker name of `spoken` (the column's names, as spoken), its turns
/// in `segment`, deleted ones included: the document frequency of the
/// lower-cased name the index keeps. `None` when two names differ only in
/// case, or a name is not found as lower-cased here.
fn speaker_totals(
    segment: &SegmentReader,
    fields: Fields,
    spoken: &[String],
) -> tantivy::Result<Option<Vec<u64>>> {
    let inverted = segment.inverted_index(fields.speaker)?;
    let lower: Vec<String> = spoken.iter().map(|name| name.to_lowercase()).collect();
    let mut unique = lower.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != lower.len() {
        return Ok(None);
    }
    let mut totals = Vec::with_capacity(lower.len());
    for name in &lower {
        let term = Term::from_field_text(fields.speaker, name);
        let Some(info) = inverted.get_term_info(&term)? else {
            return Ok(None);
        };
        totals.push(u64::from(info.doc_freq));
    }
    Ok(Some(totals))
}
