//! # Benchmark of search over a synthetic archive
//!
//! `scripts/bench-search.sh` runs this in release mode. It
//!
//! 1. writes a synthetic meeting archive into a data home, in the store's
//!    own on-disk format (`meeting.json`, `turns.jsonl`), from a seeded
//!    generator, so every run sees the same archive;
//! 2. builds the index with [`blameless::search::rebuild`], the code path of
//!    `blameless reindex`, and reports throughput and index size;
//! 3. runs a fixed set of queries many times against one open index, as a
//!    long-running process would, and reports median and p95 latency per
//!    query class.
//!
//! Usage: `bench_search [--meetings N] [--turns N] [--runs N] --home DIR`

use std::fs;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use blameless::search::{self, CountBy, Filters, SearchIndex};
use blameless::store::{MeetingInfo, MeetingStatus, Store, TurnRecord};
use time::macros::datetime;

/// Words of post-mortem speech, most frequent first (drawn with Zipf-like
/// weights, so posting lists have realistic lengths).
const WORDS: &[&str] = &[
    "the",
    "we",
    "and",
    "to",
    "it",
    "that",
    "was",
    "a",
    "of",
    "in",
    "so",
    "then",
    "at",
    "on",
    "deploy",
    "alert",
    "rollback",
    "timeout",
    "customers",
    "checkout",
    "config",
    "change",
    "pager",
    "database",
    "latency",
    "errors",
    "rolled",
    "back",
    "minutes",
    "region",
    "traffic",
    "gateway",
    "payment",
    "canary",
    "runbook",
    "dashboard",
    "incident",
    "review",
    "cache",
    "queue",
    "replica",
    "failover",
    "certificate",
    "expired",
    "dns",
    "ttl",
    "load",
    "balancer",
    "retry",
    "storm",
    "saturation",
    "memory",
    "leak",
    "cpu",
    "throttling",
    "feature",
    "flag",
    "migration",
    "schema",
    "index",
    "lock",
    "contention",
    "monitoring",
    "threshold",
    "noisy",
    "escalated",
    "on-call",
    "handoff",
    "timeline",
    "mitigation",
    "root",
    "cause",
    "contributing",
    "factor",
    "detection",
    "response",
    "recovery",
    "impact",
    "percent",
    "requests",
    "failed",
    "succeeded",
    "merged",
    "approved",
    "tested",
    "staging",
    "production",
    "cluster",
    "node",
    "kubernetes",
    "pod",
    "restart",
    "crash",
    "loop",
    "oom",
    "killed",
    "disk",
    "full",
    "logs",
    "metrics",
    "tracing",
    "span",
    "sampling",
    "vendor",
    "api",
    "limit",
    "quota",
    "backoff",
    "jitter",
    "circuit",
    "breaker",
    "fallback",
    "degraded",
    "outage",
    "status",
    "page",
    "communication",
    "leadership",
    "friday",
    "deadline",
    "priority",
    "backlog",
    "ticket",
    "action",
    "owner",
    "follow",
    "up",
    "unit",
    "check",
    "guardrail",
    "automation",
    "manual",
    "step",
    "checklist",
    "documentation",
    "wiki",
    "postmortem",
    "blameless",
    "learning",
];

/// Speakers per meeting are drawn from these.
const NAMES: &[&str] = &[
    "Maya", "Dan", "Priya", "Lena", "Marco", "Sam", "Ana", "Jonas", "Aiko", "Omar", "Zoe", "Ravi",
    "Ines", "Tom", "Keiko", "Luis",
];

const TAGS: &[&str] = &[
    "blame",
    "defensive",
    "counterfactual",
    "exec_pressure",
    "dismissive",
];

/// A small deterministic generator (64-bit LCG, high bits).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Index with probability ~ 1/(rank+1): frequent words first.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() as f64 + 1.0) / (1u64 << 31) as f64;
        (((n as f64 + 1.0).powf(u) - 1.0) as usize).min(n - 1)
    }
}

struct Args {
    meetings: usize,
    turns: usize,
    runs: usize,
    home: PathBuf,
}

fn parse_args() -> Args {
    let mut args = Args {
        meetings: 10_000,
        turns: 100,
        runs: 200,
        home: PathBuf::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--meetings" => args.meetings = value.parse().expect("--meetings N"),
            "--turns" => args.turns = value.parse().expect("--turns N"),
            "--runs" => args.runs = value.parse().expect("--runs N"),
            "--home" => args.home = PathBuf::from(value),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(!args.home.as_os_str().is_empty(), "--home DIR is required");
    args
}

/// Writes the archive straight in the store's format. (Going through
/// `MeetingWriter` would fsync every turn: right for a live meeting, hours
/// for a million turns.)
fn generate(store: &Store, args: &Args) -> u64 {
    let mut rng = Rng(0x5eed_b1a3_e1e5);
    let mut n_turns = 0;
    let start = datetime!(2024-01-01 09:00 UTC);
    for m in 0..args.meetings {
        let started_at = start + time::Duration::hours(2 * m as i64);
        let id = format!(
            "{:04}{:02}{:02}-{:02}{:02}{:02}-incident-{m}",
            started_at.year(),
            u8::from(started_at.month()),
            started_at.day(),
            started_at.hour(),
            started_at.minute(),
            started_at.second()
        );
        let dir = store.meetings_dir().join(&id);
        fs::create_dir_all(&dir).unwrap();
        let info = MeetingInfo {
            schema: blameless::store::SCHEMA,
            id: serde_json::from_value(serde_json::Value::String(id.clone())).unwrap(),
            title: format!(
                "{} {} review",
                WORDS[14 + rng.below(60)],
                WORDS[14 + rng.below(60)]
            ),
            started_at,
            ended_at: None,
            model: "synthetic".into(),
            sources: vec![],
            status: MeetingStatus::Complete,
            interruption: None,
            facilitator: None,
        };
        fs::write(
            dir.join("meeting.json"),
            serde_json::to_vec_pretty(&info).unwrap(),
        )
        .unwrap();
        let speakers: Vec<&str> = (0..4).map(|_| NAMES[rng.below(NAMES.len())]).collect();
        let mut out = BufWriter::new(fs::File::create(dir.join("turns.jsonl")).unwrap());
        let mut t = 0.0;
        let n = args.turns / 2 + rng.below(args.turns + 1);
        for i in 0..n {
            let len = 6 + rng.below(20);
            let mut words: Vec<&str> = (0..len).map(|_| WORDS[rng.zipf(WORDS.len())]).collect();
            if rng.below(50) == 0 {
                let at = rng.below(words.len());
                words.insert(at, "rolled back");
            }
            let text = words.join(" ");
            let mut extra = serde_json::Map::new();
            if rng.below(10) == 0 {
                extra.insert(
                    "tags".into(),
                    serde_json::json!([{"label": TAGS[rng.below(TAGS.len())], "confidence": 0.8, "evidence": [[0, 5]]}]),
                );
            }
            if rng.below(40) == 0 {
                extra.insert(
                    "actions".into(),
                    serde_json::json!([{"owner": speakers[0], "task": "follow up", "due": null}]),
                );
            }
            let duration = 2.0 + rng.below(20) as f64;
            let turn = TurnRecord {
                id: i as u64 + 1,
                source: "mic".into(),
                speaker: Some(speakers[rng.below(speakers.len())].into()),
                start: t,
                end: t + duration,
                text,
                latency_ms: None,
                untranscribed: None,
                extra,
            };
            t += duration + 0.5;
            serde_json::to_writer(&mut out, &turn).unwrap();
            out.write_all(b"\n").unwrap();
            n_turns += 1;
        }
        out.flush().unwrap();
    }
    n_turns
}

/// One query class: a name and what to run.
enum Op {
    Search(&'static str, Filters),
    Count(&'static str, Filters, CountBy),
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    let i = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    sorted_ms[i]
}

fn main() {
    let args = parse_args();
    let store = Store::open(&args.home).unwrap();
    let generating = Instant::now();
    let n_turns = generate(&store, &args);
    println!(
        "archive: {} meetings, {} turns, generated in {:.1} s",
        args.meetings,
        n_turns,
        generating.elapsed().as_secs_f64()
    );

    let lock = search::lock(&args.home).unwrap();
    let summary = search::rebuild(&store, &lock).unwrap();
    drop(lock);
    let total_s = summary.index_s + summary.merge_s;
    println!(
        "indexing: {} turns in {:.2} s = {:.0} turns/s (adding+commit {:.2} s = {:.0} turns/s; merging {:.2} s)",
        summary.n_turns,
        total_s,
        summary.n_turns as f64 / total_s,
        summary.index_s,
        summary.n_turns as f64 / summary.index_s,
        summary.merge_s
    );
    println!(
        "index size: {:.1} MB ({:.0} bytes/turn); turns.jsonl total {:.1} MB",
        summary.n_bytes as f64 / 1e6,
        summary.n_bytes as f64 / summary.n_turns as f64,
        store
            .meeting_ids()
            .unwrap()
            .iter()
            .map(
                |id| fs::metadata(store.meetings_dir().join(id.as_str()).join("turns.jsonl"))
                    .map_or(0, |m| m.len())
            )
            .sum::<u64>() as f64
            / 1e6
    );

    let index = SearchIndex::open(&args.home).unwrap().unwrap();
    let none = Filters::default();
    let lena = Filters {
        speakers: vec!["lena".into()],
        ..Filters::default()
    };
    let blame = Filters {
        tags: vec!["blame".into()],
        ..Filters::default()
    };
    let month = Filters {
        since: Some(datetime!(2024-06-01 00:00 UTC)),
        until: Some(datetime!(2024-07-01 00:00 UTC)),
        ..Filters::default()
    };
    let classes: Vec<(&str, Vec<Op>)> = vec![
        (
            "term",
            vec![
                Op::Search("rollback", none.clone()),
                Op::Search("certificate", none.clone()),
                Op::Search("deploys", none.clone()),
            ],
        ),
        (
            "terms (AND)",
            vec![
                Op::Search("dns ttl", none.clone()),
                Op::Search("canary deploy failed", none.clone()),
                Op::Search("pager OR alert", none.clone()),
            ],
        ),
        (
            "phrase",
            vec![
                Op::Search("\"rolled back\"", none.clone()),
                Op::Search("\"load balancer\"", none.clone()),
                Op::Search("\"circuit breaker\"", none.clone()),
            ],
        ),
        (
            "filters",
            vec![
                Op::Search("timeout", lena.clone()),
                Op::Search("deploy", blame.clone()),
                Op::Search("outage", month.clone()),
            ],
        ),
        (
            "facet count",
            vec![
                Op::Count("*", none.clone(), CountBy::Tag),
                Op::Count("deploy", none.clone(), CountBy::Tag),
                Op::Count("*", month.clone(), CountBy::Speaker),
            ],
        ),
        (
            "count all",
            vec![
                Op::Count("*", none.clone(), CountBy::Tag),
                Op::Count("*", none.clone(), CountBy::Speaker),
            ],
        ),
        // The same two apart: they take different paths.
        (
            "count all tag",
            vec![Op::Count("*", none.clone(), CountBy::Tag)],
        ),
        (
            "count all spk",
            vec![Op::Count("*", none.clone(), CountBy::Speaker)],
        ),
    ];
    println!(
        "queries: {} runs per query, 1-3 queries per class, limit 10, one open index",
        args.runs
    );
    println!(
        "{:<14} {:>9} {:>9} {:>9} {:>12}",
        "class", "p50 ms", "p95 ms", "max ms", "hits (avg)"
    );
    for (name, ops) in &classes {
        let mut times = Vec::new();
        let mut hits = 0u64;
        // One warm-up pass each, as a long-running process would have had.
        for op in ops {
            run(&index, op);
        }
        for _ in 0..args.runs {
            for op in ops {
                let t = Instant::now();
                hits += run(&index, op);
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{:<14} {:>9.3} {:>9.3} {:>9.3} {:>12}",
            name,
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times.last().unwrap(),
            hits / (args.runs * ops.len()) as u64
        );
    }
}

/// Runs one query; returns the number of matching turns.
fn run(index: &SearchIndex, op: &Op) -> u64 {
    match op {
        Op::Search(query, filters) => index.search(query, filters, 10).unwrap().total as u64,
        Op::Count(query, filters, by) => index.count(query, filters, *by, 10).unwrap().total,
    }
}
