//! The web dashboard in a real browser: Debian's chromium, headless, driven
//! over the Chrome DevTools Protocol on a pipe (`--remote-debugging-pipe`:
//! NUL-separated JSON on file descriptors 3 and 4, no port opened).
//!
//! `blameless serve` runs on a free loopback port; `blameless replay` of the
//! bundled meeting at speed 4 runs in another process; the live page must
//! show turns, a highlighted tag and a nudge while the replay still runs,
//! and every stored turn exactly once after it ended. Screenshots of the
//! live page, of the meeting page and of its report are saved under
//! `$CARGO_TARGET_DIR/screenshots/` (`live.png`, `meeting.png`, `report.png`).
//!
//! chromium comes from scripts/setup.sh; without it this test fails (it does
//! not skip).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine;
use common::web::Server;
use common::{ok, sample, Blameless};
use serde_json::{json, Value};

/// Where the screenshots go: `screenshots/` in the cargo target directory.
fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The chromium binary, or a failure that says how to install it.
fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|path| path.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "chromium is not installed: run scripts/setup.sh (it installs Debian's chromium for this test)"
        )
    })
}

/// A headless chromium and its DevTools pipe; killed when dropped.
struct Browser {
    child: Child,
    /// Commands to the browser (its fd 3).
    commands: ChildStdin,
    /// Messages from the browser (its fd 4), one JSON object each.
    messages: mpsc::Receiver<Value>,
    next_id: u64,
    /// A fresh profile, deleted with the test.
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Browser {
        let profile = tempfile::tempdir().unwrap();
        // The shell hands our pipes to chromium as fds 3 and 4.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null"#)
            .arg(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--hide-scrollbars",
                "--window-size=1280,900",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let commands = child.stdin.take().unwrap();
        let output = child.stdout.take().unwrap();
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(output);
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).is_ok_and(|n| n > 0) {
                message.pop_if(|b| *b == 0);
                if let Ok(value) = serde_json::from_slice(&message) {
                    if tx.send(value).is_err() {
                        return;
                    }
                }
                message.clear();
            }
        });
        Browser {
            child,
            commands,
            messages,
            next_id: 0,
            _profile: profile,
        }
    }

    /// Sends one DevTools command (to a page when `session` is given) and
    /// returns its result.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            command["sessionId"] = session.into();
        }
        let mut bytes = command.to_string().into_bytes();
        bytes.push(0);
        self.commands.write_all(&bytes).unwrap();
        self.commands.flush().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .messages
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("chromium did not answer {method}: {e}"));
            if message["id"] == id {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
        }
    }

    /// Opens `url` in a new page and returns the page's session.
    fn open(&mut self, url: &str) -> String {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        );
        let session = attached["sessionId"].as_str().unwrap().to_owned();
        self.call(
            Some(&session),
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
        );
        self.navigate(&session, url);
        session
    }

    fn navigate(&mut self, session: &str, url: &str) {
        let navigated = self.call(Some(session), "Page.navigate", json!({ "url": url }));
        assert!(navigated.get("errorText").is_none(), "{url}: {navigated}");
    }

    /// The value of a JavaScript expression in the page.
    fn eval(&mut self, session: &str, expression: &str) -> Value {
        let result = self.call(
            Some(session),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {result}"
        );
        result["result"]["value"].clone()
    }

    /// Waits until `expression` is true in the page.
    fn wait_for(&mut self, session: &str, what: &str, seconds: u64, expression: &str) {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        while self.eval(session, expression) != json!(true) {
            if Instant::now() > deadline {
                let dom = self.eval(session, "document.body ? document.body.innerText : ''");
                panic!(
                    "no {what} after {seconds} s; the page says:\n{}",
                    dom.as_str().unwrap_or("")
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Saves a PNG of the page's viewport; returns its size in bytes.
    fn screenshot(&mut self, session: &str, path: &Path) -> usize {
        let shot = self.call(
            Some(session),
            "Page.captureScreenshot",
            json!({ "format": "png" }),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, &png).unwrap();
        png.len()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the live page shows, read from its DOM.
const LIVE_STATE: &str = r##"JSON.stringify({
  turns: document.querySelectorAll("#turns li.turn").length,
  marks: Array.from(document.querySelectorAll("#turns mark.tag")).map(m => [m.className, m.textContent]),
  labels: Array.from(document.querySelectorAll("#turns .label")).map(l => l.textContent),
  nudge: document.getElementById("nudge").hidden ? null : document.querySelector("#nudge .nudge-text").textContent,
  nudge_label: document.querySelector("#nudge .nudge-label").textContent,
  state: document.getElementById("live-state").textContent,
  title: document.getElementById("live-title").textContent,
  health: document.getElementById("live-health").textContent,
})"##;

fn live_state(browser: &mut Browser, session: &str) -> Value {
    serde_json::from_str(browser.eval(session, LIVE_STATE).as_str().unwrap()).unwrap()
}

#[test]
fn the_live_page_follows_a_replay_in_chromium() {
    let b = Blameless::new();
    let server = Server::start(&b, &["--addr", "127.0.0.1:0"]);
    let base = format!("http://127.0.0.1:{}", server.port);
    let mut browser = Browser::start();
    let live = browser.open(&format!("{base}/live"));
    browser.wait_for(
        &live,
        "waiting live page",
        30,
        r#"document.readyState === "complete" && document.getElementById("live-state").textContent.includes("Waiting")"#,
    );

    let mut replay = b
        .cmd()
        .args(["replay"])
        .arg(sample("postmortem.wav"))
        .args([
            "--speed",
            "4",
            "--title",
            "Browser <test>",
            "--rules-only",
            "--format",
            "jsonl",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run blameless replay");

    // Turns, a highlighted tag and a nudge, while the replay still runs.
    let deadline = Instant::now() + Duration::from_secs(240);
    let state = loop {
        let state = live_state(&mut browser, &live);
        let shown = state["turns"].as_u64().unwrap() >= 3
            && !state["marks"].as_array().unwrap().is_empty()
            && state["nudge"].is_string();
        if shown {
            break state;
        }
        if let Some(status) = replay.try_wait().unwrap() {
            panic!("the replay ended ({status}) before the page showed turns, a tag and a nudge: {state}");
        }
        assert!(
            Instant::now() < deadline,
            "the page never showed turns, a tag and a nudge: {state}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    let dir = screenshots_dir();
    let live_png = dir.join("live.png");
    let size = browser.screenshot(&live, &live_png);
    assert!(
        replay.try_wait().unwrap().is_none(),
        "the replay must still run while the page shows its nudge: {state}"
    );
    assert_eq!(
        state["title"], "Browser <test>",
        "the title is text: {state}"
    );
    let marks = state["marks"].as_array().unwrap();
    assert!(
        marks.iter().all(|m| {
            let class = m[0].as_str().unwrap();
            class.starts_with("tag ")
                && class[4..].split(' ').all(|l| {
                    [
                        "blame",
                        "defensive",
                        "counterfactual",
                        "exec_pressure",
                        "dismissive",
                    ]
                    .contains(&l)
                })
                && !m[1].as_str().unwrap().is_empty()
        }),
        "{state}"
    );
    assert!(
        state["nudge_label"]
            .as_str()
            .unwrap()
            .starts_with("Nudge · "),
        "{state}"
    );
    assert!(
        size > 10_000,
        "a live page screenshot of {size} bytes is blank"
    );

    // After the replay every stored turn is on the page exactly once, and
    // the page says the meeting ended.
    let status = replay.wait().unwrap();
    assert!(status.success(), "replay: {status}");
    browser.wait_for(
        &live,
        "end of the meeting",
        60,
        r#"document.getElementById("live-state").textContent.startsWith("Meeting ended (complete)")"#,
    );
    let meetings: Value =
        serde_json::from_str(&ok(b.run(&["meetings", "list", "--format", "json"]))).unwrap();
    let meeting = &meetings[0];
    let state = live_state(&mut browser, &live);
    assert_eq!(state["turns"], meeting["turns"], "{state}");
    let ids = browser.eval(
        &live,
        r##"Array.from(document.querySelectorAll("#turns li.turn")).map(li => li.id).join(" ")"##,
    );
    let expected: Vec<String> = (1..=meeting["turns"].as_u64().unwrap())
        .map(|n| format!("turn-{n}"))
        .collect();
    assert_eq!(ids.as_str().unwrap(), expected.join(" "));

    // The stored meeting's page, with the same highlighted evidence.
    let id = meeting["id"].as_str().unwrap();
    browser.navigate(&live, &format!("{base}/meetings/{id}"));
    browser.wait_for(
        &live,
        "meeting page",
        30,
        r#"document.readyState === "complete" && document.querySelectorAll("li.turn mark.tag").length > 0"#,
    );
    let size = browser.screenshot(&live, &dir.join("meeting.png"));
    assert!(
        size > 10_000,
        "a meeting page screenshot of {size} bytes is blank"
    );

    // Its report, as `blameless report --format html` writes it.
    browser.navigate(&live, &format!("{base}/meetings/{id}/report"));
    browser.wait_for(
        &live,
        "report page",
        30,
        r#"document.readyState === "complete" && document.body.innerText.includes("Browser <test>")"#,
    );
    let size = browser.screenshot(&live, &dir.join("report.png"));
    assert!(
        size > 10_000,
        "a report screenshot of {size} bytes is blank"
    );
    eprintln!("screenshots: {}", dir.display());
}
