//! Unit tests of the index on a real tantivy index in a temporary data home,
//! filled through the store API as recordings and imports fill it.

use std::collections::BTreeMap;

use time::macros::datetime;
use time::OffsetDateTime;

use super::*;
use crate::store::{NewMeeting, Store, TurnRecord};

/// One turn: (speaker, text, tags).
type Line<'a> = (&'a str, &'a str, &'a [&'a str]);

fn turn(id: u64, speaker: &str, text: &str, tags: &[&str]) -> TurnRecord {
    let mut extra = serde_json::Map::new();
    if !tags.is_empty() {
        let tags: Vec<serde_json::Value> = tags
            .iter()
            .map(|t| serde_json::json!({"label": t, "confidence": 0.9, "evidence": [[0, 3]]}))
            .collect();
        extra.insert("tags".into(), tags.into());
    }
    TurnRecord {
        id,
        source: "mic".into(),
        speaker: Some(speaker.into()),
        start: 10.0 * id as f64,
        end: 10.0 * id as f64 + 5.0,
        text: text.into(),
        latency_ms: None,
        untranscribed: None,
        extra,
    }
}

/// Stores a finished meeting and returns its id.
fn meeting(store: &Store, title: &str, started_at: OffsetDateTime, lines: &[Line]) -> String {
    let mut writer = store
        .create_meeting(&NewMeeting {
            title: title.into(),
            model: "tiny.en".into(),
            sources: vec![],
            started_at,
            facilitator: None,
        })
        .unwrap();
    for (i, (speaker, text, tags)) in lines.iter().enumerate() {
        writer
            .append_turn(&turn(i as u64 + 1, speaker, text, tags))
            .unwrap();
    }
    writer.finish().unwrap().id.as_str().to_owned()
}

/// A store with two meetings, indexed.
fn archive() -> (tempfile::TempDir, Store, String, String) {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let checkout = meeting(
        &store,
        "Checkout outage review",
        datetime!(2026-11-20 14:00 UTC),
        &[
            ("Priya", "The DNS TTL was set to one day.", &[]),
            ("Lena", "Who deployed this without a review?", &["blame"]),
            ("Priya", "We rolled back at two fifty two.", &[]),
            (
                "Marco",
                "It was not my change, the config was fine.",
                &["defensive", "blame"],
            ),
        ],
    );
    let billing = meeting(
        &store,
        "Billing delay",
        datetime!(2026-12-02 09:30 UTC),
        &[
            ("lena", "Two deploys went out in ten minutes.", &[]),
            (
                "Sam",
                "Leadership wants this fixed by Friday.",
                &["exec_pressure"],
            ),
            ("Sam", "The rollback back was slow.", &["blame"]),
        ],
    );
    let lock = lock(home.path()).unwrap();
    rebuild(&store, &lock).unwrap();
    (home, store, checkout, billing)
}

fn texts(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|h| h.text.as_str()).collect()
}

fn search(home: &Path, query: &str, filters: &Filters) -> SearchResults {
    SearchIndex::open(home)
        .unwrap()
        .expect("an index")
        .search(query, filters, 20)
        .unwrap()
}

#[test]
fn words_are_stemmed() {
    let (home, ..) = archive();
    let hits = search(home.path(), "deploy", &Filters::default());
    let mut found = texts(&hits);
    found.sort_unstable();
    assert_eq!(
        found,
        [
            "Two deploys went out in ten minutes.",
            "Who deployed this without a review?"
        ]
    );
    assert_eq!(hits.total, 2);
    let hits = search(home.path(), "rolling back", &Filters::default());
    assert_eq!(texts(&hits), ["We rolled back at two fifty two."]);
}

#[test]
fn quoted_phrases_are_exact() {
    let (home, ..) = archive();
    let hits = search(home.path(), "\"rolled back\"", &Filters::default());
    assert_eq!(texts(&hits), ["We rolled back at two fifty two."]);
    // Unquoted, the stemmer lets the phrase match other forms; quoted, not.
    assert_eq!(
        search(home.path(), "\"rolling back\"", &Filters::default()).total,
        0
    );
    assert_eq!(
        search(home.path(), "\"back at\" dns", &Filters::default()).total,
        0
    );
    // Words in the wrong order are not the phrase.
    assert_eq!(
        search(home.path(), "\"back rolled\"", &Filters::default()).total,
        0
    );
    let hit = &search(home.path(), "\"DNS TTL\"", &Filters::default()).hits[0];
    assert_eq!(
        hit.snippet.render("[", "]"),
        "The [DNS] [TTL] was set to one day."
    );
}

#[test]
fn snippets_mark_stemmed_matches() {
    let (home, ..) = archive();
    let hit = &search(home.path(), "deploying", &Filters::default()).hits[0];
    let rendered = hit.snippet.render("**", "**");
    assert!(rendered.contains("**deploy"), "{rendered}");
}

#[test]
fn filters_narrow_the_hits() {
    let (home, store, checkout, _) = archive();
    let all = Filters::default();
    let speaker = Filters {
        speakers: vec!["LENA".into()],
        ..all.clone()
    };
    // Speaker names match without case; both Lenas.
    assert_eq!(search(home.path(), "*", &speaker).total, 2);
    let tag = Filters {
        tags: vec!["blame".into()],
        ..all.clone()
    };
    assert_eq!(search(home.path(), "", &tag).total, 3);
    let two_tags = Filters {
        tags: vec!["blame".into(), "defensive".into()],
        ..all.clone()
    };
    assert_eq!(
        texts(&search(home.path(), "", &two_tags)),
        ["It was not my change, the config was fine."]
    );
    let one_meeting = Filters {
        meetings: vec![store.resolve(&checkout).unwrap()],
        ..all.clone()
    };
    assert_eq!(search(home.path(), "", &one_meeting).total, 4);
    let december = Filters {
        since: Some(datetime!(2026-12-01 00:00 UTC)),
        ..all.clone()
    };
    assert_eq!(search(home.path(), "", &december).total, 3);
    let november = Filters {
        until: Some(datetime!(2026-12-01 00:00 UTC)),
        ..all.clone()
    };
    assert_eq!(search(home.path(), "", &november).total, 4);
    // Filters do not change scores.
    let plain = search(home.path(), "deploy", &all);
    let filtered = search(home.path(), "deploy", &speaker);
    assert_eq!(plain.hits[0].score, filtered.hits[0].score);
}

#[test]
fn hits_carry_the_turn_and_its_meeting() {
    let (home, _, checkout, _) = archive();
    let hit = &search(home.path(), "config", &Filters::default()).hits[0];
    assert_eq!(hit.meeting_id, checkout);
    assert_eq!(hit.title, "Checkout outage review");
    assert_eq!(hit.date, datetime!(2026-11-20 14:00 UTC));
    assert_eq!(hit.speaker, "Marco");
    assert_eq!((hit.start, hit.end), (40.0, 45.0));
    assert_eq!(hit.tags, ["defensive", "blame"]);
    assert!(hit.score > 0.0);
}

#[test]
fn counts_per_meeting() {
    let (home, _, checkout, billing) = archive();
    let index = SearchIndex::open(home.path()).unwrap().unwrap();
    let counts = index
        .count("", &Filters::default(), CountBy::Tag, 10)
        .unwrap();
    assert_eq!(counts.total, 7);
    assert_eq!(counts.totals["blame"], 3);
    assert_eq!(counts.meetings[0].meeting_id, billing, "newest first");
    assert_eq!(counts.meetings[1].meeting_id, checkout);
    assert_eq!(counts.meetings[1].counts["blame"], 2);
    assert_eq!(counts.meetings[1].counts["defensive"], 1);
    assert_eq!(counts.meetings[1].n_turns, 4);
    assert_eq!(counts.meetings[1].title, "Checkout outage review");
    let speakers = index
        .count("", &Filters::default(), CountBy::Speaker, 10)
        .unwrap();
    assert_eq!(speakers.meetings[1].counts["Priya"], 2);
    assert_eq!(speakers.totals["Sam"], 2);
    let limited = index
        .count("", &Filters::default(), CountBy::Tag, 1)
        .unwrap();
    assert_eq!(limited.meetings.len(), 1);
    assert_eq!(limited.n_meetings, 2);
    assert_eq!(limited.totals["blame"], 3);
}

#[test]
fn bad_query_syntax_is_an_error_not_a_panic() {
    let (home, ..) = archive();
    let index = SearchIndex::open(home.path()).unwrap().unwrap();
    for query in ["(deploy", "speaker:", "nosuchfield:x", "\"unclosed"] {
        match index.search(query, &Filters::default(), 10) {
            Err(SearchError::Query { message, .. }) => assert!(!message.is_empty()),
            other => panic!("{query:?}: {other:?}"),
        }
    }
}

#[test]
fn deeply_nested_queries_are_an_error_not_a_stack_overflow() {
    let (home, ..) = archive();
    let index = SearchIndex::open(home.path()).unwrap().unwrap();
    // Thousands of brackets overflowed the query grammar's recursion (found
    // by scripts/fuzz.sh); this test's thread has the small default stack.
    for query in [
        "(".repeat(5000),
        format!("{}deploy{}", "(".repeat(40), ")".repeat(40)),
    ] {
        match index.search(&query, &Filters::default(), 10) {
            Err(SearchError::Query { message, .. }) => assert!(message.contains("deep")),
            other => panic!("{other:?}"),
        }
    }
    // Moderate nesting, and brackets inside quotes or escaped, still search.
    let nested = format!("{}deploy{}", "(".repeat(8), ")".repeat(8));
    assert!(index.search(&nested, &Filters::default(), 10).is_ok());
    assert_eq!(query::nesting_depth(r#""((((" \( (a)"#), 1);
}

#[test]
fn an_index_of_another_version_is_rebuilt_not_read() {
    let (home, store, ..) = archive();
    let dir = index_dir(home.path());
    std::fs::write(dir.join(VERSION_FILE), r#"{"schema_version": 0}"#).unwrap();
    assert!(matches!(
        SearchIndex::open(home.path()),
        Err(SearchError::Outdated { .. })
    ));
    match ensure_current(&store).unwrap() {
        Ensured::Rebuilt { was, summary } => {
            assert_eq!(was, Freshness::Outdated { found: "0".into() });
            assert_eq!(summary.n_turns, 7);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(search(home.path(), "", &Filters::default()).total, 7);
}

#[test]
fn catching_up_indexes_meetings_the_index_missed() {
    let (home, store, ..) = archive();
    meeting(
        &store,
        "Late one",
        datetime!(2026-12-05 09:00 UTC),
        &[("Ana", "The pager never fired.", &[])],
    );
    assert_eq!(search(home.path(), "pager", &Filters::default()).total, 0);
    assert_eq!(
        ensure_current(&store).unwrap(),
        Ensured::CaughtUp { n_meetings: 1 }
    );
    assert_eq!(search(home.path(), "pager", &Filters::default()).total, 1);
    assert_eq!(ensure_current(&store).unwrap(), Ensured::AsIs);
    assert_eq!(search(home.path(), "", &Filters::default()).total, 8);
}

#[test]
fn a_held_lock_is_busy_and_searching_still_works() {
    let (home, store, ..) = archive();
    let held = lock(home.path()).unwrap();
    assert!(matches!(lock(home.path()), Err(SearchError::Busy { .. })));
    assert_eq!(ensure_current(&store).unwrap(), Ensured::AsIs);
    assert_eq!(search(home.path(), "", &Filters::default()).total, 7);
    drop(held);
    assert!(lock(home.path()).is_ok());
}

#[test]
fn live_index_makes_turns_searchable_while_the_meeting_runs() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let mut live = LiveIndex::open(&store).unwrap();
    let mut writer = store
        .create_meeting(&NewMeeting {
            title: "Live".into(),
            model: "tiny.en".into(),
            sources: vec![],
            started_at: datetime!(2026-12-10 10:00 UTC),
            facilitator: None,
        })
        .unwrap();
    let first = turn(1, "Priya", "The canary deploy failed.", &["blame"]);
    writer.append_turn(&first).unwrap();
    live.add(writer.info(), &first);
    // Committed within about a second; poll rather than time it.
    let mut found = 0;
    for _ in 0..200 {
        if let Ok(Some(index)) = SearchIndex::open(home.path()) {
            found = index
                .search("canary", &Filters::default(), 5)
                .unwrap()
                .total;
            if found == 1 {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(found, 1);
    let second = turn(2, "Lena", "Then we paged the on-call.", &[]);
    writer.append_turn(&second).unwrap();
    live.add(writer.info(), &second);
    writer.finish().unwrap();
    live.finish().unwrap();
    assert_eq!(search(home.path(), "paged", &Filters::default()).total, 1);
    // Everything was committed with its state: nothing to catch up.
    assert_eq!(ensure_current(&store).unwrap(), Ensured::AsIs);
}

#[test]
fn turn_docs_read_tags_and_actions_from_extra() {
    let info = crate::store::MeetingInfo {
        schema: 1,
        id: serde_json::from_str("\"20261126-153012-x\"").unwrap(),
        title: "x".into(),
        started_at: datetime!(2026-11-26 15:30:12 UTC),
        ended_at: None,
        model: "m".into(),
        sources: vec![],
        status: crate::store::MeetingStatus::Complete,
        interruption: None,
        facilitator: None,
    };
    let mut t = turn(1, "Priya", "I will fix it", &[]);
    t.speaker = None;
    t.extra.insert(
        "tags".into(),
        serde_json::json!([{"label": "blame"}, "dismissive", {"label": "blame"}, {"label": ""}, 3]),
    );
    t.extra.insert(
        "actions".into(),
        serde_json::json!([{"owner": "Lena", "task": "fix it", "due": null}]),
    );
    let doc = TurnDoc::new(&info, &t);
    assert_eq!(doc.speaker, "mic", "falls back to the source");
    assert_eq!(doc.tags, ["blame", "dismissive"]);
    assert!(doc.action);
    t.extra.insert("actions".into(), serde_json::json!([]));
    assert!(!TurnDoc::new(&info, &t).action);
}

/// Counts computed the slow way, from every hit of a search with the same
/// query and filters.
fn counts_from_hits(
    index: &SearchIndex,
    query: &str,
    filters: &Filters,
    by: CountBy,
) -> CountResults {
    let hits = index.search(query, filters, 100_000).unwrap().hits;
    let mut per_meeting: BTreeMap<String, MeetingCounts> = BTreeMap::new();
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    for hit in &hits {
        let meeting = per_meeting
            .entry(hit.meeting_id.clone())
            .or_insert_with(|| MeetingCounts {
                meeting_id: hit.meeting_id.clone(),
                title: hit.title.clone(),
                date: hit.date,
                n_turns: 0,
                counts: BTreeMap::new(),
            });
        meeting.n_turns += 1;
        let values = match by {
            CountBy::Tag => hit.tags.clone(),
            CountBy::Speaker => vec![hit.speaker.clone()],
        };
        for value in values {
            *meeting.counts.entry(value.clone()).or_default() += 1;
            *totals.entry(value).or_default() += 1;
        }
    }
    CountResults {
        by,
        n_meetings: per_meeting.len(),
        total: hits.len() as u64,
        meetings: per_meeting.into_values().rev().collect(),
        totals,
    }
}

/// Checks [`SearchIndex::count`] by tag and by speaker, at each of
/// `limits`, against [`counts_from_hits`]; returns the number of matching
/// turns.
fn assert_counts_match_hits(
    index: &SearchIndex,
    query: &str,
    filters: &Filters,
    limits: &[usize],
) -> u64 {
    let mut matched = 0;
    for by in [CountBy::Tag, CountBy::Speaker] {
        let expected = counts_from_hits(index, query, filters, by);
        matched = expected.total;
        for &limit in limits {
            let counted = index.count(query, filters, by, limit).unwrap();
            let mut want = expected.clone();
            want.meetings.truncate(limit);
            assert_eq!(counted, want, "{query:?} {filters:?} {by:?} limit {limit}");
        }
    }
    matched
}

/// Asserts the index in `home` has more than `min` segments, some with
/// deleted turns: the case the counts must stay exact in.
fn assert_segments_with_deletions(home: &Path, min: usize) {
    let segments = tantivy::Index::open_in_dir(index_dir(home))
        .unwrap()
        .searchable_segment_metas()
        .unwrap();
    assert!(segments.len() > min, "several segments");
    assert!(
        segments.iter().any(|s| s.num_deleted_docs() > 0),
        "some deletions"
    );
}

#[test]
fn counts_are_exact_across_segments_and_deletions() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let speakers = ["Priya", "Lena Park", "Marco", "Sam"];
    let labels = ["blame", "defensive", "counterfactual", "exec_pressure"];
    let words = [
        "deploy", "rollback", "pager", "config", "dns", "canary", "review",
    ];
    let mut seed = 7u64;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) as usize % n
    };
    let mut ids = Vec::new();
    let lock = lock(home.path()).unwrap();
    for m in 0..12 {
        let n_turns = 1 + next(150);
        let texts: Vec<String> = (0..n_turns)
            .map(|_| format!("{} {} went wrong", words[next(7)], words[next(7)]))
            .collect();
        let tags: Vec<Vec<&str>> = (0..n_turns)
            .map(|_| match next(6) {
                0 => vec![labels[next(4)]],
                1 => vec![labels[next(2)], labels[2 + next(2)]],
                _ => vec![],
            })
            .collect();
        let lines: Vec<Line> = (0..n_turns)
            .map(|i| (speakers[next(4)], texts[i].as_str(), tags[i].as_slice()))
            .collect();
        let started = datetime!(2026-11-01 09:00 UTC) + time::Duration::days(m);
        ids.push(meeting(&store, &format!("Review {m}"), started, &lines));
        // The first half in one rebuild; then one commit (one segment) per meeting.
        if m == 5 {
            rebuild(&store, &lock).unwrap();
        } else if m > 5 {
            catch_up(&store, &lock).unwrap();
        }
    }
    // Indexing a meeting again deletes its documents from older segments.
    for id in [&ids[2], &ids[7]] {
        index_turns(&store, &lock, &store.resolve(id).unwrap()).unwrap();
    }
    drop(lock);
    assert_segments_with_deletions(home.path(), 2);
    let index = SearchIndex::open(home.path()).unwrap().unwrap();
    let all = Filters::default();
    let cases = [
        ("", all.clone()),
        ("*", all.clone()),
        ("deploy", all.clone()),
        ("\"went wrong\" -pager", all.clone()),
        (
            "",
            Filters {
                tags: vec!["blame".into()],
                ..all.clone()
            },
        ),
        (
            "canary",
            Filters {
                speakers: vec!["lena".into(), "sam".into()],
                since: Some(datetime!(2026-11-04 00:00 UTC)),
                until: Some(datetime!(2026-11-10 00:00 UTC)),
                ..all.clone()
            },
        ),
        ("nosuchword", all.clone()),
    ];
    for (query, filters) in &cases {
        assert_counts_match_hits(&index, query, filters, &[1, 3, 100]);
    }
}

/// Indexes the stored meeting `id` again in two commits (two segments), as
/// a meeting indexed while it was recorded ends up, keeping the committed
/// state.
fn index_in_two_commits(store: &Store, _lock: &IndexLock, id: &str) {
    let dir = index_dir(store.home());
    let (index, fields) = write::open(&dir).unwrap();
    let state = write::IndexState::load(&index);
    let meeting = store.load(id).unwrap();
    let mut writer = write::small_writer(&index, &dir).unwrap();
    writer.delete_term(tantivy::Term::from_field_text(fields.meeting_id, id));
    let half = meeting.turns.len() / 2;
    for (i, turn) in meeting.turns.iter().enumerate() {
        if i == half {
            state.commit(&mut writer, &dir).unwrap();
        }
        writer
            .add_document(write::document(&fields, &TurnDoc::new(&meeting.info, turn)))
            .unwrap();
    }
    state.commit(&mut writer, &dir).unwrap();
}

/// Checks every whole-archive count against [`counts_from_hits`], for lists
/// short enough to be answered from the dictionaries and for lists long
/// enough to be counted by the collector.
fn assert_archive_counts_exact(index: &SearchIndex) {
    assert_counts_match_hits(index, "", &Filters::default(), &[1, 2, 3, 5, 100, 1000]);
}

#[test]
fn whole_archive_counts_stay_exact_after_reindexing_and_deletions() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let day = |d: i64| datetime!(2026-11-01 09:00 UTC) + time::Duration::days(d);
    let review = |m: usize| -> Vec<Line<'static>> {
        let speakers = ["Priya", "Lena Park", "Marco"];
        let tags: [&[&str]; 4] = [&["blame"], &[], &["defensive", "blame"], &[]];
        (0..6 + m)
            .map(|i| (speakers[(i + m) % 3], "the deploy went wrong", tags[i % 4]))
            .collect()
    };
    let mut ids = Vec::new();
    for m in 0..6 {
        ids.push(meeting(
            &store,
            &format!("Review {m}"),
            day(m as i64),
            &review(m),
        ));
    }
    // Its only tagged turns carry a tag no other meeting has, until they are
    // tagged again without it.
    let retagged = meeting(
        &store,
        "Retagged",
        day(6),
        &[
            ("Sam", "It was the vendor.", &["scapegoat"]),
            ("Sam", "Again the vendor.", &["scapegoat", "blame"]),
            ("Priya", "Let us look at the timeline.", &[]),
        ],
    );
    // Newer than every meeting with a tag: listed first, with no counts.
    let untagged = meeting(
        &store,
        "Untagged",
        day(8),
        &[
            ("Ana", "The pager fired twice.", &[]),
            ("Ana", "Nobody was on call.", &[]),
        ],
    );
    // The newest meeting, deleted from the store below.
    let deleted = meeting(
        &store,
        "Deleted",
        day(9),
        &[("Omar", "Only here.", &["exec_pressure"])],
    );
    let held = lock(home.path()).unwrap();
    rebuild(&store, &held).unwrap();

    // Tagged again: the old turns, deleted from the index, keep the old tags.
    let mut turns = store.load(&retagged).unwrap().turns;
    for turn in &mut turns {
        turn.extra.insert("tags".into(), serde_json::json!([]));
    }
    turns[0]
        .extra
        .insert("tags".into(), serde_json::json!([{"label": "defensive"}]));
    store
        .write_annotations(&store.resolve(&retagged).unwrap(), &turns, &["tags"])
        .unwrap();
    // Renamed: the old turns keep the old name.
    store
        .rename_speaker(&store.resolve(&ids[4]).unwrap(), "Marco", "Marco Rossi")
        .unwrap();
    store.delete(&store.resolve(&deleted).unwrap()).unwrap();
    assert_eq!(catch_up(&store, &held).unwrap(), 3);
    // One meeting's live turns in two segments.
    index_in_two_commits(&store, &held, &ids[5]);
    drop(held);

    assert_segments_with_deletions(home.path(), 2);
    let index = SearchIndex::open(home.path()).unwrap().unwrap();
    assert_archive_counts_exact(&index);

    let tags = index
        .count("", &Filters::default(), CountBy::Tag, 3)
        .unwrap();
    assert_eq!(tags.n_meetings, 8, "the deleted meeting is not counted");
    assert!(!tags.totals.contains_key("scapegoat"), "{:?}", tags.totals);
    assert!(
        !tags.totals.contains_key("exec_pressure"),
        "{:?}",
        tags.totals
    );
    assert_eq!(tags.meetings[0].meeting_id, untagged);
    assert_eq!(tags.meetings[0].n_turns, 2);
    assert!(tags.meetings[0].counts.is_empty());
    assert_eq!(tags.meetings[1].meeting_id, retagged);
    assert_eq!(
        tags.meetings[1].counts,
        BTreeMap::from([("defensive".to_owned(), 1)])
    );
    assert_eq!(tags.total, store_turns(&store));
    let speakers = index
        .count("", &Filters::default(), CountBy::Speaker, 10)
        .unwrap();
    assert!(!speakers.totals.contains_key("Omar"));
    let renamed = speakers
        .meetings
        .iter()
        .find(|m| m.meeting_id == ids[4])
        .unwrap();
    assert!(
        !renamed.counts.contains_key("Marco"),
        "{:?}",
        renamed.counts
    );
    assert!(renamed.counts["Marco Rossi"] > 0);

    // Two names that differ only in case, in one segment: still exact.
    meeting(
        &store,
        "Lower case",
        day(10),
        &[
            ("priya", "the deploy again", &["blame"]),
            ("Priya", "yes", &[]),
        ],
    );
    let held = lock(home.path()).unwrap();
    catch_up(&store, &held).unwrap();
    drop(held);
    assert_archive_counts_exact(&SearchIndex::open(home.path()).unwrap().unwrap());
}

#[test]
fn whole_archive_counts_of_a_fresh_index() {
    // One rebuild, no deletions; and an index with no tag at all.
    let (home, ..) = archive();
    let index = SearchIndex::open(home.path()).unwrap().unwrap();
    assert_archive_counts_exact(&index);
    let plain = tempfile::tempdir().unwrap();
    let plain_store = Store::open(plain.path()).unwrap();
    for d in 0..3 {
        meeting(
            &plain_store,
            "Plain",
            datetime!(2026-11-01 09:00 UTC) + time::Duration::days(d),
            &[
                ("Priya", "nothing tagged", &[]),
                ("Sam", "still nothing", &[]),
            ],
        );
    }
    rebuild(&plain_store, &lock(plain.path()).unwrap()).unwrap();
    let index = SearchIndex::open(plain.path()).unwrap().unwrap();
    assert_archive_counts_exact(&index);
    let counts = index
        .count("", &Filters::default(), CountBy::Tag, 2)
        .unwrap();
    assert_eq!((counts.n_meetings, counts.total), (3, 6));
    assert!(counts.totals.is_empty());
    assert_eq!(counts.meetings.len(), 2);
}

/// Turns in the store, over every meeting.
fn store_turns(store: &Store) -> u64 {
    store
        .meeting_ids()
        .unwrap()
        .iter()
        .map(|id| store.load(id.as_str()).unwrap().turns.len() as u64)
        .sum()
}

#[test]
fn filtered_counts_stay_exact_with_meetings_split_across_segments() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let day = |d: i64| datetime!(2026-11-01 09:00 UTC) + time::Duration::days(d);
    let speakers = ["Priya", "Lena Park", "Marco"];
    let words = ["deploy", "rollback", "pager"];
    let tags: [&[&str]; 5] = [
        &["blame"],
        &[],
        &["defensive", "blame"],
        &[],
        &["defensive"],
    ];
    let mut ids = Vec::new();
    for m in 0..8 {
        let texts: Vec<String> = (0..5 + 2 * m)
            .map(|i| format!("the {} went wrong", words[(i / 3 + m) % 3]))
            .collect();
        let lines: Vec<Line> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| (speakers[(i + m) % 3], text.as_str(), tags[(i + m) % 5]))
            .collect();
        ids.push(meeting(
            &store,
            &format!("Review {m}"),
            day(m as i64),
            &lines,
        ));
    }
    let held = lock(home.path()).unwrap();
    rebuild(&store, &held).unwrap();
    // The newest meeting, one in the middle and an old one each end up in
    // two new segments; their first indexing stays behind, deleted.
    for m in [7, 3, 1] {
        index_in_two_commits(&store, &held, &ids[m]);
    }
    drop(held);
    assert_segments_with_deletions(home.path(), 4);

    let index = SearchIndex::open(home.path()).unwrap().unwrap();
    let all = Filters::default();
    let between = |since: Option<i64>, until: Option<i64>| Filters {
        since: since.map(day),
        until: until.map(day),
        ..all.clone()
    };
    let cases = [
        ("deploy", all.clone()),
        ("rollback OR pager", all.clone()),
        (
            "deploy",
            Filters {
                speakers: vec!["lena".into()],
                ..all.clone()
            },
        ),
        ("", between(Some(1), Some(5))),
        ("deploy", between(Some(3), None)),
        ("", between(None, Some(2))),
        (
            "pager",
            Filters {
                speakers: vec!["priya".into(), "marco".into()],
                ..between(Some(1), Some(8))
            },
        ),
        (
            "",
            Filters {
                tags: vec!["defensive".into()],
                ..between(Some(2), None)
            },
        ),
    ];
    for (query, filters) in &cases {
        let matched = assert_counts_match_hits(&index, query, filters, &[1, 2, 3, 100]);
        assert!(matched > 0, "{query:?} {filters:?} matches");
    }
    // A meeting starting at `--since` is in, one starting at `--until` out.
    let days = index
        .count("", &between(Some(1), Some(5)), CountBy::Tag, 10)
        .unwrap();
    let listed: Vec<&str> = days
        .meetings
        .iter()
        .map(|m| m.meeting_id.as_str())
        .collect();
    assert_eq!(listed, [&ids[4], &ids[3], &ids[2], &ids[1]]);
    assert_eq!(days.n_meetings, 4);
    // Split meetings count once, with all their turns.
    let split = index
        .count("", &between(Some(7), None), CountBy::Tag, 10)
        .unwrap();
    assert_eq!((split.n_meetings, split.total), (1, 19));
    assert_eq!(split.meetings[0].n_turns, 19);
}
