//! Generated bad input for every parser that reads a file a user hands over
//! or the store holds: no input may panic, hang or allocate without bound.
//!
//! Each parser gets a seeded generator (fastrand, stable Rust): real
//! examples of its format, then mutated (bytes flipped, inserted, deleted,
//! repeated and spliced; the format's own tokens and boundary numbers
//! dropped in; header fields set to 0, 2^31, 2^32 - 1; JSON values replaced
//! by values of other types). Every case runs
//! - under `catch_unwind` and a panic hook that counts panics, also those a
//!   library catches itself and turns into an error (reported as "caught");
//! - with a watchdog that aborts with the input saved when one case runs
//!   longer than [`HANG`];
//! - with an allocator that records the largest single allocation: inputs
//!   are at most tens of kilobytes, so anything over [`MAX_ALLOCATION`] is a
//!   header being believed (a WAV claiming 4 GB of samples must be an error).
//!
//! `BLAMELESS_FUZZ_CASES` sets the cases per parser (2,000 by default, a
//! few seconds each); `BLAMELESS_FUZZ_SEED` another run; case `i` of a run
//! is reproducible on its own with `BLAMELESS_FUZZ_CASE=i`. Findings are
//! saved under `$CARGO_TARGET_TMPDIR/fuzz-findings/`. `scripts/fuzz.sh N`
//! runs N cases per parser and prints one line per parser.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use blameless::import::{self, ImportFormat, ImportOptions};
use blameless::models::ct2::Ct2Model;
use blameless::models::ggml;
use blameless::nudges::{Coach, NudgeConfig, TurnLine};
use blameless::search::{self, Filters, SearchIndex};
use blameless::store::{NewMeeting, Store};
use fastrand::Rng;
use serde_json::{json, Value};

/// A case taking longer than this is reported (a slow path worth a look).
const SLOW: Duration = Duration::from_secs(2);
/// A case taking longer than this is a hang: the input is saved and the run aborted.
const HANG: Duration = Duration::from_secs(30);
/// Largest single allocation a case may make (inputs are under 64 KiB).
const MAX_ALLOCATION: usize = 64 << 20;

// ---------------------------------------------------------------------------
// The allocator and panic hook that watch each case.

thread_local! {
    /// Largest allocation on this thread since the last reset.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    /// Panics on this thread (caught or not).
    static PANICS: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, recording the largest request per thread.
struct Watching;

// SAFETY: every call is forwarded unchanged to the system allocator; the
// only extra work is a const-initialised thread-local (no allocation).
unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_size(layout.size());
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_size(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_size(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

fn note_size(size: usize) {
    let _ = LARGEST.try_with(|l| {
        if size > l.get() {
            l.set(size)
        }
    });
}

#[global_allocator]
static ALLOCATOR: Watching = Watching;

/// Counts panics per thread and keeps them quiet while a case runs.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.set(p.get() + 1));
            if !QUIET.with(Cell::get) {
                default(info);
            }
        }));
    });
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

// ---------------------------------------------------------------------------
// The driver.

/// What one parser's run found.
#[derive(Default)]
struct Tally {
    cases: u64,
    escaped: u64,
    caught: u64,
    slow: u64,
    slowest: Duration,
    largest: usize,
    too_large: u64,
    saved: Vec<PathBuf>,
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn findings_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-findings")
}

fn save(parser: &str, case: u64, what: &str, input: &[u8]) -> PathBuf {
    let dir = findings_dir();
    let _ = fs::create_dir_all(&dir);
    let path = dir.join(format!("{parser}-{case}-{what}.bin"));
    let _ = fs::write(&path, input);
    path
}

/// Runs `cases` generated inputs through `run` and checks each one.
fn fuzz(parser: &str, generate: impl Fn(&mut Rng) -> Vec<u8>, mut run: impl FnMut(&[u8])) {
    install_panic_hook();
    let cases = env_u64("BLAMELESS_FUZZ_CASES").unwrap_or(2000);
    let seed = env_u64("BLAMELESS_FUZZ_SEED").unwrap_or(20261202);
    let only = env_u64("BLAMELESS_FUZZ_CASE");
    let salt = parser.bytes().fold(0xcbf29ce484222325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    });

    // The watchdog: a case that runs past HANG is saved and ends the run.
    let current: Arc<Mutex<(u64, Vec<u8>)>> = Arc::default();
    let started_ms = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let clock = Instant::now();
    let watchdog = {
        let (current, started_ms, done) = (current.clone(), started_ms.clone(), done.clone());
        let parser = parser.to_owned();
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let started = started_ms.load(Ordering::Relaxed);
                let now = clock.elapsed().as_millis() as u64;
                if started > 0 && now.saturating_sub(started) > HANG.as_millis() as u64 {
                    let (case, input) = current.lock().map(|c| c.clone()).unwrap_or_default();
                    let path = save(&parser, case, "hang", &input);
                    eprintln!(
                        "fuzz {parser}: case {case} still running after {HANG:?}; input saved to {}",
                        path.display()
                    );
                    std::process::abort();
                }
            }
        })
    };

    let mut tally = Tally::default();
    let run_started = Instant::now();
    let range = match only {
        Some(case) => case..case + 1,
        None => 0..cases,
    };
    for case in range {
        let mut rng = Rng::with_seed(seed ^ salt ^ case.wrapping_mul(0x9e3779b97f4a7c15));
        let input = generate(&mut rng);
        if let Ok(mut c) = current.lock() {
            c.0 = case;
            c.1.clone_from(&input);
        }
        LARGEST.with(|l| l.set(0));
        let panics_before = PANICS.with(Cell::get);
        QUIET.with(|q| q.set(only.is_none()));
        started_ms.store(clock.elapsed().as_millis().max(1) as u64, Ordering::Relaxed);
        let t0 = Instant::now();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| run(&input)));
        let took = t0.elapsed();
        started_ms.store(0, Ordering::Relaxed);
        QUIET.with(|q| q.set(false));
        let largest = LARGEST.with(Cell::get);
        let panics = PANICS.with(Cell::get) - panics_before;

        tally.cases += 1;
        tally.slowest = tally.slowest.max(took);
        tally.largest = tally.largest.max(largest);
        if outcome.is_err() {
            tally.escaped += 1;
            tally.saved.push(save(parser, case, "panic", &input));
        } else if panics > 0 {
            tally.caught += 1;
            tally.saved.push(save(parser, case, "caught-panic", &input));
        }
        if took > SLOW {
            tally.slow += 1;
            tally.saved.push(save(parser, case, "slow", &input));
        }
        if largest > MAX_ALLOCATION {
            tally.too_large += 1;
            tally.saved.push(save(parser, case, "allocation", &input));
        }
    }
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();

    println!(
        "fuzz {parser}: {} cases, {} panics, {} panics caught inside, {} over {} s, slowest {:.1} ms, \
         largest allocation {:.1} MiB ({} over {} MiB), {:.1} s, seed {seed}",
        tally.cases,
        tally.escaped,
        tally.caught,
        tally.slow,
        SLOW.as_secs(),
        tally.slowest.as_secs_f64() * 1e3,
        tally.largest as f64 / (1 << 20) as f64,
        tally.too_large,
        MAX_ALLOCATION >> 20,
        run_started.elapsed().as_secs_f64(),
    );
    assert!(
        tally.escaped == 0 && tally.caught == 0 && tally.slow == 0 && tally.too_large == 0,
        "fuzz {parser}: findings saved as {:?}",
        tally.saved.iter().take(10).collect::<Vec<_>>()
    );
}

// ---------------------------------------------------------------------------
// Generators.

/// Boundary numbers, as text.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "255",
    "65535",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "1e308",
    "-1e308",
    "1e309",
    "5e-324",
    "0.0000001",
    "NaN",
    "Infinity",
    "-Infinity",
    "1.5",
    "3600.001",
];

/// Boundary 32-bit values for binary headers.
const WORDS: &[u32] = &[
    0,
    1,
    2,
    3,
    8,
    16,
    44,
    255,
    0x7fff,
    0xffff,
    0x10000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fff0,
    0xffff_fffe,
    0xffff_ffff,
];

/// Odd text: multi-byte characters, controls, a BOM, RTL, combining marks.
const ODD_TEXT: &[&str] = &[
    "\u{feff}",
    "\u{0}",
    "\r",
    "\r\n",
    "\t",
    "é",
    "\u{301}",
    "\u{202e}",
    "日本語",
    "🙂",
    "\u{fffd}",
    " ",
    "\u{a0}",
    "\u{2028}",
];

/// Byte-level mutations: 1 to 8 of them, with the format's own tokens.
fn mutate(rng: &mut Rng, mut data: Vec<u8>, tokens: &[&str]) -> Vec<u8> {
    for _ in 0..rng.usize(1..=8) {
        let len = data.len();
        match rng.u8(0..12) {
            0 if len > 0 => {
                let i = rng.usize(0..len);
                data[i] ^= 1 << rng.u8(0..8);
            }
            1 if len > 0 => {
                let i = rng.usize(0..len);
                data[i] = rng.u8(..);
            }
            2 => {
                let i = rng.usize(0..=len);
                data.insert(i, rng.u8(..));
            }
            3 if len > 0 => {
                let a = rng.usize(0..len);
                let b = (a + rng.usize(0..=16.min(len - a))).min(len);
                data.drain(a..b);
            }
            4 if len > 0 => {
                // Repeat a stretch (long lines, many cues, deep nesting).
                let a = rng.usize(0..len);
                let b = (a + rng.usize(1..=32)).min(len);
                let piece = data[a..b].to_vec();
                let times = if rng.u8(0..8) == 0 {
                    rng.usize(100..3000)
                } else {
                    rng.usize(1..8)
                };
                let at = rng.usize(0..=len);
                let repeated: Vec<u8> = piece
                    .iter()
                    .copied()
                    .cycle()
                    .take(piece.len() * times)
                    .collect();
                data.splice(at..at, repeated);
            }
            5 | 6 if !tokens.is_empty() => {
                let token = tokens[rng.usize(0..tokens.len())];
                let at = rng.usize(0..=len);
                data.splice(at..at, token.bytes());
            }
            7 => {
                let at = rng.usize(0..=len);
                data.splice(at..at, NUMBERS[rng.usize(0..NUMBERS.len())].bytes());
            }
            8 => {
                let at = rng.usize(0..=len);
                data.splice(at..at, ODD_TEXT[rng.usize(0..ODD_TEXT.len())].bytes());
            }
            9 if len > 0 => data.truncate(rng.usize(0..len)),
            10 if len >= 4 => {
                let at = rng.usize(0..=len - 4);
                let word = WORDS[rng.usize(0..WORDS.len())];
                data[at..at + 4].copy_from_slice(&word.to_le_bytes());
            }
            _ => {
                // Replace a number in the text by a boundary one.
                if let Some(at) = (0..len)
                    .map(|_| rng.usize(0..len))
                    .take(4)
                    .find(|&i| data[i].is_ascii_digit())
                {
                    let end = (at..len)
                        .find(|&i| !data[i].is_ascii_digit())
                        .unwrap_or(len);
                    data.splice(at..end, NUMBERS[rng.usize(0..NUMBERS.len())].bytes());
                }
            }
        }
    }
    data.truncate(64 << 10);
    data
}

/// One of the seeds, mutated (or two spliced together, or kept as it is).
fn from_seeds(rng: &mut Rng, seeds: &[&str], tokens: &[&str]) -> Vec<u8> {
    let seed = seeds[rng.usize(0..seeds.len())].as_bytes().to_vec();
    match rng.u8(0..10) {
        0 => seed,
        1 => {
            let other = seeds[rng.usize(0..seeds.len())].as_bytes();
            let mut spliced = seed[..rng.usize(0..=seed.len())].to_vec();
            spliced.extend_from_slice(&other[rng.usize(0..=other.len())..]);
            mutate(rng, spliced, tokens)
        }
        2 => {
            // Token soup: the format's pieces in random order.
            let mut soup = Vec::new();
            for _ in 0..rng.usize(1..60) {
                let pool = [tokens, NUMBERS, ODD_TEXT][rng.usize(0..3)];
                soup.extend_from_slice(pool[rng.usize(0..pool.len())].as_bytes());
            }
            soup
        }
        _ => mutate(rng, seed, tokens),
    }
}

/// A JSON value of a random type, biased to the awkward ones.
fn random_value(rng: &mut Rng, depth: u32) -> Value {
    match rng.u8(0..10) {
        0 => Value::Null,
        1 => Value::Bool(rng.bool()),
        2 => json!(rng.i64(..)),
        3 => json!([0.0, -1.0, 1e308, -1e308, 5e-324, 1e15, 0.5][rng.usize(0..7)]),
        4 => json!(u64::MAX - rng.u64(0..3)),
        5 | 6 => {
            let s: String = (0..rng.usize(0..12))
                .map(|_| ODD_TEXT[rng.usize(0..ODD_TEXT.len())].to_string() + "word ")
                .collect();
            Value::String(s)
        }
        7 if depth < 3 => Value::Array(
            (0..rng.usize(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        8 if depth < 3 => {
            let keys = [
                "label",
                "confidence",
                "start",
                "end",
                "owner",
                "task",
                "due",
                "text",
                "kind",
                "x",
            ];
            Value::Object(
                (0..rng.usize(0..4))
                    .map(|_| {
                        (
                            keys[rng.usize(0..keys.len())].to_string(),
                            random_value(rng, depth + 1),
                        )
                    })
                    .collect(),
            )
        }
        _ => Value::String("it was Dan's change that broke checkout".into()),
    }
}

/// A JSON value with some of its parts replaced, removed or added.
fn mutate_json(rng: &mut Rng, value: &mut Value, depth: u32) {
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                match rng.u8(0..8) {
                    0 => {
                        map.remove(&key);
                    }
                    1 => {
                        map.insert(key, random_value(rng, depth));
                    }
                    2 | 3 => {
                        if let Some(v) = map.get_mut(&key) {
                            mutate_json(rng, v, depth + 1);
                        }
                    }
                    _ => {}
                }
            }
            if rng.u8(0..4) == 0 {
                map.insert(format!("k{}", rng.u8(0..4)), random_value(rng, depth));
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                if rng.bool() {
                    mutate_json(rng, item, depth + 1);
                }
            }
            if rng.u8(0..3) == 0 {
                items.push(random_value(rng, depth));
            }
        }
        other => {
            if rng.u8(0..3) == 0 {
                *other = random_value(rng, depth);
            }
        }
    }
}

/// JSON lines from seed objects: structure mutated, then sometimes bytes too.
fn json_lines(rng: &mut Rng, seeds: &[Value], tokens: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.usize(1..6) {
        let mut value = seeds[rng.usize(0..seeds.len())].clone();
        if rng.u8(0..5) != 0 {
            mutate_json(rng, &mut value, 0);
        }
        out.extend_from_slice(value.to_string().as_bytes());
        out.push(b'\n');
    }
    if rng.u8(0..3) == 0 {
        out = mutate(rng, out, tokens);
    }
    out
}

/// A scratch directory in memory when the machine has one (many small writes).
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(shm) {
            return dir;
        }
    }
    tempfile::tempdir().expect("temp dir")
}

// ---------------------------------------------------------------------------
// Transcripts a user imports.

const VTT_SEEDS: &[&str] = &[
    "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nLena Park: We rolled back at 14:05.\n\n2\n00:00:04.500 --> 00:00:07.250\nDan: It was not my change.\n",
    "WEBVTT - Teams\n\nNOTE exported\n\nSTYLE\n::cue { color: red }\n\na1b2/3-0\n00:01:02.500 --> 00:01:04.000 align:start position:10%\n<v Lena Park>Who approved the deploy?</v>\n\n00:01:05.000 --> 01:02:03.004\n<v.loud Dan>I &amp; Priya did &lt;it&gt;</v> <b>then</b> <c.x>left</c>\n",
    "\u{feff}WEBVTT\r\n\r\n00:00.000 --> 00:02.000\r\nPriya: Checkout was down for 40 minutes.\r\n\r\n00:02.000 --> 00:03.000\r\n\r\n",
];
const VTT_TOKENS: &[&str] = &[
    "WEBVTT",
    "\n\n",
    "\n",
    "-->",
    " --> ",
    "00:00:01.000",
    "99:59:59.999",
    "00:61:00.000",
    "1:2:3.4",
    "NOTE",
    "STYLE",
    "REGION",
    "<v ",
    "<v>",
    "</v>",
    "<v Lena>",
    "<",
    ">",
    "&amp;",
    "&lt;",
    "&#x41;",
    "&#99999999;",
    "&",
    ";",
    ": ",
    "Name:",
    ".",
    ",",
    "align:start",
    "<b>",
    "</b>",
    "<c.a.b>",
];

#[test]
fn webvtt() {
    let dir = scratch();
    let path = dir.path().join("call.vtt");
    fuzz(
        "webvtt",
        |rng| from_seeds(rng, VTT_SEEDS, VTT_TOKENS),
        |input| {
            fs::write(&path, input).expect("write input");
            let _ = import::parse_transcript(&path, ImportFormat::Vtt);
        },
    );
}

const SRT_SEEDS: &[&str] = &[
    "1\n00:00:01,000 --> 00:00:04,000\nLena: We rolled back at 14:05.\n\n2\n00:00:04,500 --> 00:00:07,250\n<i>It was not my change.</i>\n",
    "1\r\n00:00:00,000 --> 00:00:02,000 X1:0 X2:10 Y1:0 Y2:10\r\nDan Smith: Checkout &amp; payments\r\nwere down.\r\n\r\n2\r\n00:00:02,000 --> 00:00:03,000\r\n- Who approved it?\r\n",
    "00:00:01,000 --> 00:00:02,000\nno number\n",
];
const SRT_TOKENS: &[&str] = &[
    "\n\n",
    "\n",
    "-->",
    " --> ",
    "00:00:01,000",
    "99:59:59,999",
    "00:00:60,000",
    "1",
    "4294967296",
    "<i>",
    "</i>",
    "<font color=\"red\">",
    "</font>",
    "&amp;",
    "&#x1F600;",
    "&#;",
    ": ",
    "{\\an8}",
];

#[test]
fn srt() {
    let dir = scratch();
    let path = dir.path().join("call.srt");
    fuzz(
        "srt",
        |rng| from_seeds(rng, SRT_SEEDS, SRT_TOKENS),
        |input| {
            fs::write(&path, input).expect("write input");
            let _ = import::parse_transcript(&path, ImportFormat::Srt);
        },
    );
}

fn turn_seeds() -> Vec<Value> {
    vec![
        json!({"speaker": "Lena", "start": 1.0, "end": 4.0, "text": "We rolled back at 14:05."}),
        json!({"speaker": "Dan", "text": "It was not my change, Priya approved it."}),
        json!({"text": "I'll write the runbook by Friday.", "tags": [{"label": "blame", "confidence": 0.9,
            "evidence": [{"start": 0, "end": 4}]}], "actions": [{"owner": "Dan", "task": "runbook", "due": "Friday"}],
            "nudge": {"kind": "redirect", "text": "What made it easy?"}}),
        json!({"id": 7, "source": "mic", "latency_ms": 120, "speaker": null, "start": 0, "end": 0, "text": ""}),
    ]
}
const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    ":",
    ",",
    "null",
    "true",
    "\n",
    "\"text\"",
    "\"start\"",
    "\"end\"",
    "\"speaker\"",
    "\"id\"",
    "\"tags\"",
    "\"turn\"",
    "\"rename\"",
];

#[test]
fn jsonl_turns() {
    let dir = scratch();
    let path = dir.path().join("turns.jsonl");
    let seeds = turn_seeds();
    fuzz(
        "jsonl-turns",
        |rng| json_lines(rng, &seeds, JSON_TOKENS),
        |input| {
            fs::write(&path, input).expect("write input");
            let _ = import::parse_transcript(&path, ImportFormat::Jsonl);
        },
    );
}

#[test]
fn analyze_turn_lines() {
    let mut seeds = turn_seeds();
    seeds.push(json!({"id": "t1", "role": "facilitator", "speaker": "Maya", "text": "Let's look at the timeline."}));
    seeds.push(json!({"id": 3, "speaker": "Dan", "start": 1e9, "text": "Priya should have caught that, it's on her."}));
    fuzz(
        "analyze-turns",
        |rng| json_lines(rng, &seeds, JSON_TOKENS),
        |input| {
            // What `analyze --turns` does per line, with the rules (the
            // learned layer reads the same turn text).
            let text = String::from_utf8_lossy(input);
            let mut coach = Coach::new(Some(NudgeConfig::default()), Some("Maya"), &[]);
            let mut clock = 0.0;
            for (i, line) in text.lines().enumerate() {
                let Ok(turn) = TurnLine::parse(line) else {
                    continue;
                };
                let input = turn.input(i as u64 + 1, clock);
                clock = input.end;
                let _ = coach.review(&input);
            }
            let _ = coach.finish();
        },
    );
}

// ---------------------------------------------------------------------------
// Audio a user imports or transcribes: WAV headers (and the other formats'
// magic numbers, which go to symphonia).

fn wav_file(rng: &mut Rng) -> Vec<u8> {
    let pick = |rng: &mut Rng, usual: &[u32]| -> u32 {
        if rng.u8(0..4) == 0 {
            WORDS[rng.usize(0..WORDS.len())]
        } else {
            usual[rng.usize(0..usual.len())]
        }
    };
    let format = pick(rng, &[1, 1, 3, 0xfffe, 2, 17, 6]) as u16;
    let channels = pick(rng, &[1, 2, 6]) as u16;
    let rate = pick(rng, &[8000, 16000, 44100, 48000]);
    let bits = pick(rng, &[8, 16, 24, 32, 64]) as u16;
    let align = if rng.u8(0..4) == 0 {
        rng.u16(..)
    } else {
        channels.wrapping_mul(bits / 8)
    };
    let n_data = rng.usize(0..2048);
    let data: Vec<u8> = (0..n_data).map(|_| rng.u8(..)).collect();
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&format.to_le_bytes());
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&rate.wrapping_mul(u32::from(align)).to_le_bytes());
    fmt.extend_from_slice(&align.to_le_bytes());
    fmt.extend_from_slice(&bits.to_le_bytes());
    if format == 0xfffe || rng.u8(0..6) == 0 {
        // WAVE_FORMAT_EXTENSIBLE: cbSize, valid bits, channel mask, sub-format GUID.
        fmt.extend_from_slice(&22u16.to_le_bytes());
        fmt.extend_from_slice(&bits.to_le_bytes());
        fmt.extend_from_slice(&pick(rng, &[3, 4]).to_le_bytes());
        fmt.extend_from_slice(&(pick(rng, &[1, 3]) as u16).to_le_bytes());
        fmt.extend_from_slice(b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71");
    }
    let mut chunks: Vec<(&[u8; 4], Vec<u8>, Option<u32>)> = vec![(b"fmt ", fmt, None)];
    if rng.u8(0..3) == 0 {
        chunks.push((b"LIST", b"INFOISFT\x05\x00\x00\x00Lavf\x00".to_vec(), None));
    }
    // The data size: the truth, or a claim (4 GB, streamed 0 / 0xFFFFFFFF).
    let claim = (rng.u8(0..3) == 0).then(|| WORDS[rng.usize(0..WORDS.len())]);
    chunks.push((b"data", data, claim));
    if rng.u8(0..4) == 0 {
        let other = rng.usize(0..chunks.len());
        chunks.swap(0, other);
    }
    let mut body = b"WAVE".to_vec();
    for (id, content, claim) in &chunks {
        body.extend_from_slice(*id);
        body.extend_from_slice(&claim.unwrap_or(content.len() as u32).to_le_bytes());
        body.extend_from_slice(content);
        if content.len() % 2 == 1 && rng.bool() {
            body.push(0);
        }
    }
    let riff = if rng.u8(0..4) == 0 {
        WORDS[rng.usize(0..WORDS.len())]
    } else {
        body.len() as u32
    };
    let mut file = b"RIFF".to_vec();
    file.extend_from_slice(&riff.to_le_bytes());
    file.extend_from_slice(&body);
    if rng.u8(0..3) == 0 {
        file = mutate(
            rng,
            file,
            &[
                "RIFF", "WAVE", "fmt ", "data", "LIST", "fact", "JUNK", "RF64", "ds64",
            ],
        );
    }
    file
}

/// Other containers' beginnings, for symphonia's probe.
const OTHER_AUDIO: &[&[u8]] = &[
    b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64\x00",
    b"\xff\xfb\x90\x64\x00\x00\x00\x00",
    b"fLaC\x00\x00\x00\x22\x10\x00\x10\x00\x00\x00\x00\x00\x00\x00\x0a\xc4\x40\xf0\x00\x00\x00\x00",
    b"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e\x01vorbis",
    b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom\x00\x00\x00\x08free",
];

#[test]
fn wav_and_audio_headers() {
    let dir = scratch();
    let path = dir.path().join("meeting.wav");
    fuzz(
        "wav",
        |rng| {
            if rng.u8(0..5) == 0 {
                let mut data = OTHER_AUDIO[rng.usize(0..OTHER_AUDIO.len())].to_vec();
                data.extend((0..rng.usize(0..512)).map(|_| rng.u8(..)));
                mutate(
                    rng,
                    data,
                    &["ID3", "fLaC", "OggS", "ftyp", "moov", "mdat", "trak"],
                )
            } else {
                wav_file(rng)
            }
        },
        |input| {
            fs::write(&path, input).expect("write input");
            let _ = blameless::audio::read_file(&path);
        },
    );
}

// ---------------------------------------------------------------------------
// Model files a user points `--model` or `models import-ct2` at.

/// A CTranslate2 `model.bin` with a few variables.
fn ct2_file(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    let word = |rng: &mut Rng, usual: u32| {
        if rng.u8(0..6) == 0 {
            WORDS[rng.usize(0..WORDS.len())]
        } else {
            usual
        }
    };
    let string = |out: &mut Vec<u8>, rng: &mut Rng, s: &str| {
        let len = if rng.u8(0..8) == 0 {
            WORDS[rng.usize(0..WORDS.len())] as u16
        } else {
            s.len() as u16 + 1
        };
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    };
    let version = [5, 6][rng.usize(0..2)];
    out.extend_from_slice(&word(rng, version).to_le_bytes());
    string(&mut out, rng, "WhisperSpec");
    out.extend_from_slice(&word(rng, 3).to_le_bytes());
    let n = rng.u32(0..5);
    out.extend_from_slice(&word(rng, n).to_le_bytes());
    let names = [
        "encoder/conv1/weight",
        "decoder/embeddings/weight",
        "encoder/layer_0/ffn/layer_norm/gamma",
        "x",
    ];
    for _ in 0..n {
        let name = names[rng.usize(0..names.len())];
        string(&mut out, rng, name);
        let rank = if rng.u8(0..8) == 0 {
            rng.u8(..)
        } else {
            rng.u8(0..4)
        };
        out.push(rank);
        let mut elements: u64 = 1;
        for _ in 0..rank.min(8) {
            let usual = rng.u32(1..5);
            let dim = word(rng, usual);
            elements = elements.saturating_mul(u64::from(dim));
            out.extend_from_slice(&dim.to_le_bytes());
        }
        let dtype = if rng.u8(0..6) == 0 {
            rng.u8(..)
        } else {
            rng.u8(0..5)
        };
        out.push(dtype);
        let size = [4u64, 1, 2, 2, 4][usize::from(dtype % 5)];
        let n_bytes = elements.saturating_mul(size).min(4096) as u32;
        out.extend_from_slice(&word(rng, n_bytes).to_le_bytes());
        out.extend((0..n_bytes.min(4096)).map(|_| rng.u8(..)));
    }
    out.extend_from_slice(&word(rng, 1).to_le_bytes());
    string(&mut out, rng, "decoder/projection/weight");
    string(&mut out, rng, "decoder/embeddings/weight");
    if rng.u8(0..3) == 0 {
        out = mutate(rng, out, &[]);
    }
    out
}

#[test]
fn ctranslate2_headers() {
    fuzz("ctranslate2", ct2_file, |input| {
        let _ = Ct2Model::parse(input);
    });
}

#[test]
fn ggml_headers() {
    let dir = scratch();
    let path = dir.path().join("model.bin");
    fuzz(
        "ggml",
        |rng| {
            // tiny.en's header, then fields changed.
            let mut words: Vec<u32> =
                vec![0x6767_6d6c, 51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1];
            for _ in 0..rng.usize(0..4) {
                let i = rng.usize(0..words.len());
                words[i] = if rng.bool() {
                    WORDS[rng.usize(0..WORDS.len())]
                } else {
                    rng.u32(..)
                };
            }
            let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            bytes.extend((0..rng.usize(0..256)).map(|_| rng.u8(..)));
            if rng.u8(0..3) == 0 {
                bytes = mutate(rng, bytes, &[]);
            }
            bytes
        },
        |input| {
            fs::write(&path, input).expect("write input");
            let _ = ggml::read_header(&path);
        },
    );
}

// ---------------------------------------------------------------------------
// What the store holds: meeting.json, turns.jsonl, analysis.jsonl,
// speakers.jsonl and the recordings' headers, read by `meetings list/show`,
// `analyze`, `reindex` and `recover`.

#[test]
fn stored_meeting_files() {
    let home = scratch();
    let store = Store::open(home.path()).expect("store");
    // A real meeting as the store writes it, as the seed.
    let mut writer = store
        .create_meeting(&NewMeeting {
            title: "Checkout outage".into(),
            model: "tiny.en".into(),
            sources: vec!["default".into()],
            started_at: time::macros::datetime!(2026-11-20 14:00 UTC),
            facilitator: None,
        })
        .expect("create");
    writer.append_audio(0, &[0.1; 1600]).expect("audio");
    let dir = writer.dir().to_owned();
    let id = writer.id().as_str().to_owned();
    drop(writer);
    let meeting_json: Value =
        serde_json::from_slice(&fs::read(dir.join("meeting.json")).expect("read")).expect("json");
    let wav = fs::read(dir.join("source-0.wav")).expect("read");
    // Something recover must never touch: a file next to the meetings.
    // (A recording whose header lags its data, as recover would repair it.)
    let outside = home.path().join("outside.wav");
    let mut outside_bytes = wav.clone();
    outside_bytes.extend_from_slice(&[1, 2, 3]);
    fs::write(&outside, &outside_bytes).expect("write");
    let analysis = vec![
        json!({"id": 1, "tags": [{"label": "blame", "confidence": 0.8}], "actions": [], "nudge": null}),
    ];
    let speakers = vec![
        json!({"turn": 1, "speaker": "Dan", "speaker_id": "S2", "speaker_confidence": 0.7}),
        json!({"rename": "S2", "to": "Dan Smith"}),
    ];
    let turns = turn_seeds();
    let outside_abs = outside.to_string_lossy().into_owned();
    let file_names = [
        "source-0.wav",
        "../../outside.wav",
        outside_abs.as_str(),
        "",
        ".",
        "..",
        "a/../../../outside.wav",
        "lock",
        "meeting.json",
    ];

    fuzz(
        "store",
        |rng| {
            // Each file mutated or kept; the case is the five files, framed.
            let mut info = meeting_json.clone();
            if rng.bool() {
                mutate_json(rng, &mut info, 0);
            }
            if let Some(source) = info
                .pointer_mut("/sources/0")
                .and_then(Value::as_object_mut)
            {
                if rng.u8(0..6) == 0 {
                    source.insert(
                        "file".into(),
                        json!(file_names[rng.usize(0..file_names.len())]),
                    );
                }
                if rng.u8(0..6) == 0 {
                    source.insert(
                        "sample_rate".into(),
                        json!(WORDS[rng.usize(0..WORDS.len())]),
                    );
                }
            }
            if let Some(info) = info.as_object_mut() {
                if rng.u8(0..4) == 0 {
                    let status =
                        ["recording", "complete", "interrupted", "recovered"][rng.usize(0..4)];
                    info.insert("status".into(), json!(status));
                }
            }
            let mut info = info.to_string().into_bytes();
            if rng.u8(0..5) == 0 {
                info = mutate(rng, info, JSON_TOKENS);
            }
            let mut wav = wav.clone();
            if rng.bool() {
                wav = mutate(rng, wav, &[]);
            }
            let parts = [
                info,
                json_lines(rng, &turns, JSON_TOKENS),
                json_lines(rng, &analysis, JSON_TOKENS),
                json_lines(rng, &speakers, JSON_TOKENS),
                wav,
            ];
            let mut framed = Vec::new();
            for part in parts {
                framed.extend_from_slice(&(part.len() as u32).to_le_bytes());
                framed.extend_from_slice(&part);
            }
            framed
        },
        |input| {
            let mut parts = Vec::new();
            let mut rest = input;
            while rest.len() >= 4 {
                let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                let len = len.min(rest.len() - 4);
                parts.push(&rest[4..4 + len]);
                rest = &rest[4 + len..];
            }
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir(&dir).expect("meeting dir");
            for (name, part) in [
                "meeting.json",
                "turns.jsonl",
                "analysis.jsonl",
                "speakers.jsonl",
                "source-0.wav",
            ]
            .iter()
            .zip(parts)
            {
                fs::write(dir.join(name), part).expect("write");
            }
            let _ = store.list();
            let _ = store.load(&id);
            let _ = store.recover();
            let _ = store.load(&id);
            let untouched = fs::read(&outside).expect("outside") == outside_bytes;
            fs::write(&outside, &outside_bytes).expect("write");
            assert!(untouched, "recover wrote outside the meeting");
        },
    );
}

// ---------------------------------------------------------------------------
// The search query a user types.

const QUERY_TOKENS: &[&str] = &[
    "rolled",
    "back",
    "checkout",
    "dan",
    "\"",
    "\"rolled back\"",
    "(",
    ")",
    " OR ",
    " AND ",
    " NOT ",
    "-",
    "+",
    "*",
    "?",
    "~",
    "~2",
    "^",
    "^2.5",
    ":",
    "speaker:",
    "speaker:dan",
    "title:",
    "tags:",
    "tags:/blame",
    "action:true",
    "text:",
    "nosuchfield:",
    "[",
    "]",
    "{",
    "}",
    " TO ",
    "[a TO z]",
    "{* TO 5}",
    "\\",
    "/",
    " ",
    "IN [a b]",
    "'",
    "date:>2026",
    "start:>10",
    "turn:1",
];

#[test]
fn search_queries() {
    let home = scratch();
    let store = Store::open(home.path()).expect("store");
    let transcript = home.path().join("call.jsonl");
    let lines: Vec<String> = turn_seeds()
        .into_iter()
        .filter(|t| t["text"] != "")
        .map(|t| t.to_string())
        .collect();
    fs::write(&transcript, lines.join("\n")).expect("write");
    let options = ImportOptions {
        format: Some(ImportFormat::Jsonl),
        title: Some("Checkout outage".into()),
        started_at: Some(time::macros::datetime!(2026-11-20 14:00 UTC)),
        model: String::new(),
        facilitator: None,
    };
    import::import_file(&store, &transcript, &options, &mut |_| Ok(vec![]), &|_| {})
        .expect("import");
    let lock = search::lock(home.path()).expect("index lock");
    search::rebuild(&store, &lock).expect("index");
    drop(lock);
    let index = SearchIndex::open(home.path())
        .expect("open")
        .expect("an index");
    fuzz(
        "search-query",
        |rng| {
            let mut query = Vec::new();
            for _ in 0..rng.usize(1..12) {
                query.extend_from_slice(QUERY_TOKENS[rng.usize(0..QUERY_TOKENS.len())].as_bytes());
                if rng.bool() {
                    query.push(b' ');
                }
            }
            if rng.u8(0..3) == 0 {
                query = mutate(rng, query, QUERY_TOKENS);
            }
            query
        },
        |input| {
            let query = String::from_utf8_lossy(input);
            let _ = index.search(&query, &Filters::default(), 10);
            let _ = index.count(&query, &Filters::default(), search::CountBy::Tag, 10);
        },
    );
}
