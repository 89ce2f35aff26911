//! `blameless serve`, the web dashboard, through the real binary over real
//! HTTP: who may connect (loopback by default, a token otherwise), escaping
//! of what people said, no asset from the internet, search answered from
//! the real tantivy index, and the live stream following a meeting that
//! another process writes. No Whisper model is needed: meetings come from
//! `import` (tagged by the rules) and from the store's own writer.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::web::{read_events, Server};
use common::{ok, stderr, Blameless};
use serde_json::Value;

/// A post-mortem in which someone says `<script>` and is named like markup.
const HOSTILE_JSONL: &str = r#"{"speaker": "Lena", "start": 1.0, "end": 4.0, "text": "Dan pushed the config without review. That's on him."}
{"speaker": "<img src=x onerror=alert(1)>", "start": 5.0, "end": 9.0, "text": "The page said <script>alert(\"x\")</script> & then we rolled back."}
{"speaker": "Maya", "start": 10.0, "end": 14.0, "text": "Dan will add a check to the deploy script by Friday."}
"#;

/// A second meeting, for filters.
const OTHER_JSONL: &str = r#"{"speaker": "Priya", "start": 1.0, "end": 4.0, "text": "We rolled back at two fifty two."}
{"speaker": "Sam", "start": 5.0, "end": 8.0, "text": "The DNS TTL was one day."}
"#;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn import(b: &Blameless, name: &str, contents: &str, title: &str, date: &str) -> String {
    let path = b.path(name);
    std::fs::write(&path, contents).unwrap();
    ok(b.run(&[
        "import",
        path.to_str().unwrap(),
        "--title",
        title,
        "--date",
        date,
        "--rules-only",
    ]));
    let list: Value =
        serde_json::from_str(&ok(b.run(&["meetings", "list", "--format", "json"]))).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"] == title)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Two imported meetings; returns the home and the hostile meeting's id.
fn archive() -> (Blameless, String) {
    let b = Blameless::new();
    let id = import(
        &b,
        "hostile.jsonl",
        HOSTILE_JSONL,
        "Checkout outage",
        "2026-11-20",
    );
    import(&b, "other.jsonl", OTHER_JSONL, "DNS review", "2026-12-02");
    (b, id)
}

#[test]
fn binds_loopback_by_default() {
    let b = Blameless::new();
    let server = Server::start(&b, &[]);
    assert_eq!(server.url, "http://127.0.0.1:8642/");
    // The listening socket is 127.0.0.1:8642 (0100007F:21C2), not 0.0.0.0.
    let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let listening: Vec<&str> = tcp
        .lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            (fields.get(3) == Some(&"0A")).then(|| fields[1])
        })
        .filter(|local| local.ends_with(":21C2"))
        .collect();
    assert_eq!(listening, ["0100007F:21C2"], "{tcp}");
    assert_eq!(server.get("/", &[]).status, 200);
    // Without a token, only requests that name this machine are answered
    // (a page elsewhere cannot reach it through DNS rebinding).
    let rebound = server.get("/", &["Host: attacker.example:8642"]);
    assert_eq!(rebound.status, 403, "{}", rebound.body);
}

#[test]
fn a_non_loopback_address_is_refused_without_a_token() {
    let b = Blameless::new();
    let refused = b.run(&["serve", "--addr", "0.0.0.0:0"]);
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains("reachable from other machines") && message.contains("--token"),
        "{message}"
    );
    let short = b.run(&["serve", "--addr", "0.0.0.0:0", "--token", "secret"]);
    assert_eq!(short.status.code(), Some(1));
    assert!(stderr(&short).contains("16 or more"), "{}", stderr(&short));
}

#[test]
fn requests_without_the_token_get_401() {
    let (b, id) = archive();
    let server = Server::start(&b, &["--addr", "0.0.0.0:0", "--token", TOKEN]);
    assert!(
        server.url.ends_with(&format!("/?token={TOKEN}")),
        "{}",
        server.url
    );
    let meeting = format!("/meetings/{id}");
    for path in [
        "/",
        "/live",
        &meeting,
        "/api/search?q=rolled",
        "/assets/app.css",
        "/live/events",
        "/nowhere",
    ] {
        let response = server.get(path, &[]);
        assert_eq!(response.status, 401, "{path}: {}", response.body);
        assert!(!response.body.contains("rolled"), "{path}");
    }
    let wrong = server.get("/?token=0123456789abcdef0123456789abcdee", &[]);
    assert_eq!(wrong.status, 401);
    let wrong = server.get("/", &["Authorization: Bearer nope"]);
    assert_eq!(wrong.status, 401);

    // The token in the URL once; the cookie it sets afterwards; or a header.
    let first = server.get(&format!("/?token={TOKEN}"), &[]);
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.body.contains("Checkout outage"));
    let cookie = first.header("set-cookie").expect("a cookie with the token");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap();
    let later = server.get(&meeting, &[&format!("Cookie: {cookie}")]);
    assert_eq!(later.status, 200, "{}", later.body);
    let script = server.get(
        "/api/search?q=rolled",
        &[&format!("Authorization: Bearer {TOKEN}")],
    );
    assert_eq!(script.status, 200, "{}", script.body);
    // With a token the Host does not matter: it is served to the network.
    let remote = server.get(&format!("/?token={TOKEN}"), &["Host: 192.0.2.7:8642"]);
    assert_eq!(remote.status, 200);
}

#[test]
fn what_people_said_is_escaped_everywhere() {
    let (b, id) = archive();
    let server = Server::start(&b, &["--addr", "127.0.0.1:0"]);
    let page = server.get(&format!("/meetings/{id}"), &[]);
    assert_eq!(page.status, 200, "{}", page.body);
    let report = server.get(&format!("/meetings/{id}/report"), &[]);
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(report.body.contains("Checkout outage"), "{}", report.body);
    for body in [
        &page.body,
        &report.body,
        &server.get("/search?q=rolled", &[]).body,
    ] {
        assert!(!body.contains("<script>alert"), "{body}");
        assert!(!body.contains("<img src=x"), "{body}");
        assert!(
            body.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"),
            "{body}"
        );
    }
    assert!(
        page.body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        page.body
    );
    assert_eq!(server.get("/meetings/nope/report", &[]).status, 404);
    // The tagger's evidence is marked, with the label beside the turn, and
    // the nudge the turn drew is shown under it.
    assert!(
        page.body
            .contains("<mark class=\"tag blame\" title=\"blame\">"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<span class=\"label blame\">blame"),
        "{}",
        page.body
    );
    assert!(page.body.contains("nudge · blame"), "{}", page.body);
    // The action item, with its owner and deadline.
    assert!(
        page.body.contains("add a check to the deploy script") && page.body.contains("Friday"),
        "{}",
        page.body
    );
    // The live stream carries the text as JSON data, for textContent.
    let events = read_events(
        server.port,
        &format!("/live/events?meeting={id}"),
        30,
        |m| m.iter().any(|m| m["type"] == "end"),
    );
    let turn = events
        .iter()
        .find(|m| m["type"] == "turn" && m["id"] == 2)
        .expect("turn 2 on the stream");
    assert_eq!(
        turn["text"],
        "The page said <script>alert(\"x\")</script> & then we rolled back."
    );
}

/// Every `src`, `href` and `action` value in `html`.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attribute in ["src=\"", "href=\"", "action=\""] {
        for piece in html.split(attribute).skip(1) {
            out.push(piece.split('"').next().unwrap().to_owned());
        }
    }
    out
}

#[test]
fn nothing_comes_from_the_internet() {
    let (b, id) = archive();
    let server = Server::start(&b, &["--addr", "127.0.0.1:0"]);
    let pages = [
        "/".to_string(),
        "/live".into(),
        format!("/meetings/{id}"),
        format!("/meetings/{id}/report"),
        "/search".into(),
        "/search?q=rolled&tag=blame".into(),
        "/nowhere".into(),
    ];
    let mut assets = Vec::new();
    for path in &pages {
        let response = server.get(path, &[]);
        let csp = response.header("content-security-policy").unwrap_or("");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        if path.ends_with("/report") {
            // One self-contained file: its own inline style, no script.
            assert!(!csp.contains("script-src"), "{path}: {csp}");
            assert!(!response.body.contains("<script"), "{path}");
        } else {
            assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
            assert!(!response.body.contains("<style"), "{path}: inline style");
        }
        for link in links(&response.body) {
            assert!(
                link.starts_with('/') && !link.starts_with("//") || link.starts_with('#'),
                "{path} links outside this server: {link:?}"
            );
            if link.starts_with("/assets/") {
                assets.push(link);
            }
        }
        // No inline script: every <script> has a src on this server.
        for script in response.body.split("<script").skip(1) {
            assert!(
                script.trim_start().starts_with("src=\"/assets/"),
                "{path}: <script{script}"
            );
        }
    }
    assets.sort();
    assets.dedup();
    assert_eq!(assets, ["/assets/app.css", "/assets/live.js"]);
    // Every embedded asset is served, and names no other host.
    for (name, _) in blameless::ui::web::ASSETS {
        let response = server.get(&format!("/assets/{name}"), &[]);
        assert_eq!(response.status, 200, "{name}");
        for needle in ["http:", "https:", "//cdn", "@import", "url("] {
            assert!(!response.body.contains(needle), "{name} contains {needle}");
        }
    }
    assert_eq!(server.get("/assets/other.js", &[]).status, 404);
}

#[test]
fn search_answers_from_the_index_with_the_cli_filters() {
    let (b, id) = archive();
    let server = Server::start(&b, &["--addr", "127.0.0.1:0"]);
    let search = |query: &str| -> Value {
        let response = server.get(&format!("/api/search?{query}"), &[]);
        assert_eq!(response.status, 200, "{query}: {}", response.body);
        serde_json::from_str(&response.body).unwrap()
    };
    let texts = |results: &Value| -> Vec<String> {
        results["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["text"].as_str().unwrap().to_owned())
            .collect()
    };
    // Stemmed words in both meetings, as `blameless search` finds them.
    let results = search("q=rolled+back");
    assert_eq!(results["total"], 2, "{results}");
    // The filters: speaker, meeting, date, tag, action items.
    assert_eq!(
        texts(&search("q=rolled+back&speaker=priya")),
        ["We rolled back at two fifty two."]
    );
    assert_eq!(
        search(&format!("q=rolled&meeting={}", &id[..12]))
            .as_object()
            .unwrap()["total"],
        1
    );
    assert_eq!(
        texts(&search("q=rolled&since=2026-12-01")),
        ["We rolled back at two fifty two."]
    );
    let blame = search("tag=blame");
    assert_eq!(
        texts(&blame),
        ["Dan pushed the config without review. That's on him."],
        "{blame}"
    );
    // The web form and the command line give the same hits.
    let cli = |args: &[&str]| -> Value {
        let mut all = vec!["search"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "json"]);
        serde_json::from_str(&ok(b.run(&all))).unwrap()
    };
    for (query, args) in [
        ("q=rolled+back", &["rolled back"][..]),
        ("tag=blame", &["--tag", "blame"]),
        (
            "q=dan&speaker=lena,maya",
            &["dan", "--speaker", "lena", "--speaker", "maya"],
        ),
        ("action_items=1", &["--action-items"]),
        (
            "q=rolled&until=2026-11-30",
            &["rolled", "--until", "2026-11-30"],
        ),
        ("marked=any", &["--marked"]),
    ] {
        assert_eq!(texts(&search(query)), texts(&cli(args)), "{query}");
    }
    // What the page shows for the same search, matches marked.
    let page = server.get("/search?q=rolled+back&speaker=priya", &[]);
    assert!(
        page.body.contains("<mark class=\"match\">rolled</mark>"),
        "{}",
        page.body
    );
    // Mistakes are 400s that say what to do.
    let bad = server.get("/api/search?q=x&since=yesterday", &[]);
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("YYYY-MM-DD"), "{}", bad.body);
    let bad = server.get("/api/search?q=%22unclosed", &[]);
    assert_eq!(bad.status, 400, "{}", bad.body);
}

/// Appends a line to a file, as the recording process does.
fn append(path: &Path, line: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    writeln!(file, "{line}").unwrap();
}

#[test]
fn the_live_stream_follows_a_meeting_written_by_another_process() {
    use blameless::events::Event;
    use blameless::store::{EventLog, NewMeeting, Store, TurnRecord};

    let b = Blameless::new();
    let server = Server::start(&b, &["--addr", "127.0.0.1:0"]);
    // Nothing is being recorded: the stream waits, and says nothing.
    let waiting = read_events(server.port, "/live/events", 2, |m| !m.is_empty());
    assert!(waiting.is_empty(), "{waiting:?}");

    // This test process records a meeting through the store's writer,
    // exactly as `record` does (it holds the meeting's lock).
    let store = Store::open(b.home.path()).unwrap();
    let mut writer = store
        .create_meeting(&NewMeeting {
            title: "Live <one>".into(),
            model: "tiny.en".into(),
            sources: vec!["mic".into()],
            started_at: time::OffsetDateTime::now_utc(),
            facilitator: None,
        })
        .unwrap();
    let dir: PathBuf = writer.dir().to_owned();
    let mut log = EventLog::open(&dir).unwrap();
    log.append(&Event::Partial {
        source: "mic".into(),
        start: 0.5,
        text: "Dan pushed".into(),
        stable: String::new(),
    })
    .unwrap();
    let port = server.port;
    let reader = std::thread::spawn(move || {
        read_events(port, "/live/events", 60, |m| {
            m.iter().any(|m| m["type"] == "end")
        })
    });
    std::thread::sleep(Duration::from_millis(1500));
    let turn: TurnRecord = serde_json::from_str(
        r#"{"id":1,"source":"mic","speaker":"Lena","start":0.5,"end":3.0,"text":"Dan pushed the config without review.","latency_ms":300,
            "tags":[{"label":"blame","confidence":0.95,"evidence":[[0,37]]}],
            "nudge":{"label":"blame","text":"Let's leave Dan aside: what did the system show?","reason":"blame 0.95"}}"#,
    )
    .unwrap();
    writer.append_turn(&turn).unwrap();
    log.append(&Event::Nudge {
        turn_id: Some(1),
        label: "blame".into(),
        text: "Let's leave Dan aside: what did the system show?".into(),
        reason: "blame 0.95".into(),
    })
    .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    writer.finish().unwrap();
    append(
        &dir.join("events.jsonl"),
        r#"{"type":"end","id":"x","n_turns":1,"audio_s":3.0,"status":"complete"}"#,
    );
    let messages = reader.join().unwrap();
    let types: Vec<&str> = messages
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["meeting", "partial", "turn", "nudge", "end"],
        "{messages:?}"
    );
    assert_eq!(messages[0]["title"], "Live <one>");
    assert_eq!(messages[2]["tags"][0]["evidence"][0][1], 37);
    assert_eq!(messages[3]["turn_id"], 1);
}
