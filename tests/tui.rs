//! The terminal UI end to end: `blameless replay` of the bundled meeting in
//! a real pseudo-terminal (tmux), read back with `capture-pane`. Checks the
//! nudge box and a highlighted evidence word appear, that keys store marks,
//! and that the terminal is given back (normal mode, main screen, cursor)
//! after `q`, after Ctrl-C and after a store failure (shown as NOT RECORDING). tmux comes from
//! scripts/setup.sh.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{models_dir, sample, Blameless};

/// One tmux server of this test, on its own socket, killed when dropped.
struct Pane {
    socket: String,
}

impl Pane {
    /// Runs `command` through `sh` in a 120x40 pane; after it ends the pane
    /// prints its exit status and whether the terminal is in canonical mode.
    fn start(name: &str, command: &str) -> Pane {
        let socket = format!("blameless-test-{}-{name}", std::process::id());
        let script = format!(
            "{command}; echo EXIT=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon'; sleep 600"
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "40",
            ])
            .args(["sh", "-c", &script])
            .status()
            .expect("tmux is installed by scripts/setup.sh");
        assert!(status.success());
        Pane { socket }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen as text (`escapes`: with colour escape sequences).
    fn screen(&self, escapes: bool) -> String {
        if escapes {
            self.tmux(&["capture-pane", "-p", "-e"])
        } else {
            self.tmux(&["capture-pane", "-p"])
        }
    }

    fn keys(&self, keys: &str) {
        self.tmux(&["send-keys", keys]);
    }

    /// Waits until `done` holds for the screen, or fails with the screen.
    fn wait_for(&self, what: &str, seconds: u64, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let screen = self.screen(true);
            if done(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!(
                    "no {what} after {seconds} s; screen:\n{}",
                    self.screen(false)
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Waits for the command to end and checks the terminal was restored;
    /// returns the exit status and the screen.
    fn ended(&self) -> (i32, String) {
        // The terminal mode is printed just after EXIT=: wait for both, or
        // a loaded machine shows the first without the second.
        let screen = self.wait_for("exit", 120, |s| {
            s.split_once("EXIT=")
                .is_some_and(|(_, after)| after.contains("icanon"))
        });
        let plain = self.screen(false);
        let code: i32 = plain
            .lines()
            .find_map(|l| l.strip_prefix("EXIT="))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(
            plain.lines().any(|l| l.trim() == "icanon"),
            "the terminal was left in raw mode:\n{plain}"
        );
        assert_eq!(
            self.tmux(&["display", "-p", "#{alternate_on} #{cursor_flag}"])
                .trim(),
            "0 1",
            "alternate screen still on or cursor hidden:\n{plain}"
        );
        drop(screen);
        (code, plain)
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// The replay command line for the bundled meeting, in `home`.
fn replay(home: &Path, prefix: &str) -> String {
    format!(
        "{prefix} env BLAMELESS_HOME='{}' BLAMELESS_MODELS='{}' '{}' replay '{}' --speed 4 --title tui --rules-only",
        home.display(),
        models_dir().display(),
        env!("CARGO_BIN_EXE_blameless"),
        sample("postmortem.wav").display()
    )
}

/// Whether the screen (with escapes) shows `word` right after a yellow
/// background, as the UI highlights evidence.
fn highlighted(screen: &str, word: &str) -> bool {
    screen.split('\x1b').any(|part| {
        part.strip_prefix('[').is_some_and(|rest| {
            let (codes, text) = rest.split_once('m').unwrap_or(("", ""));
            (codes.contains("48;5;3") || codes.split(';').any(|c| c == "43"))
                && text.starts_with(word)
        })
    })
}

fn nudge_shown(screen: &str) -> bool {
    screen.contains("NUDGE · blame") && highlighted(screen, "Dan pushed")
}

#[test]
fn replay_in_the_terminal_ui_keys_and_quit() {
    let b = Blameless::new();
    let pane = Pane::start("quit", &replay(b.home.path(), ""));
    let screen = pane.wait_for("nudge box with highlighted evidence", 120, nudge_shown);
    assert!(screen.contains("talk time"));
    pane.keys("d");
    pane.wait_for("dismissal", 10, |s| {
        s.contains("nudge dismissed as not helpful (blame)")
    });
    assert!(!pane.screen(false).contains("NUDGE · blame"));
    pane.keys("k");
    pane.wait_for("key moment", 10, |s| s.contains("key moment"));
    pane.keys("q");
    let (code, screen) = pane.ended();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("stored:"), "{screen}");
    let meetings = std::fs::read_dir(b.path("meetings")).unwrap();
    let dir = meetings.map(|e| e.unwrap().path()).next().unwrap();
    let feedback = std::fs::read_to_string(dir.join("feedback.jsonl")).unwrap();
    let kinds: Vec<String> = feedback
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(kinds, ["opened", "dismissed", "key_moment"], "{feedback}");
    let status: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meeting.json")).unwrap()).unwrap();
    assert_eq!(status["status"], "complete");
}

#[test]
fn ctrl_c_in_the_terminal_ui_stops_cleanly() {
    let b = Blameless::new();
    let pane = Pane::start("ctrlc", &replay(b.home.path(), ""));
    pane.wait_for("nudge box", 120, nudge_shown);
    pane.keys("C-c");
    let (code, screen) = pane.ended();
    assert_eq!(code, 0, "{screen}");
}

#[test]
fn a_store_failure_while_the_terminal_ui_runs_shows_not_recording_and_restores_the_terminal() {
    let b = Blameless::new();
    // Store writes fail once the files pass 100 kB: a real failure
    // mid-meeting. The audio stops being stored (NOT RECORDING, in red),
    // the meeting ends interrupted (exit 3) and says so after the terminal
    // is given back.
    let pane = Pane::start(
        "error",
        &replay(b.home.path(), "trap '' XFSZ; prlimit --fsize=100000"),
    );
    let screen = pane.wait_for("NOT RECORDING banner", 120, |s| s.contains("NOT RECORDING"));
    assert!(
        screen.split('\x1b').any(|p| p.starts_with('[')
            && p.split_once('m').is_some_and(|(codes, text)| {
                (codes.contains("48;5;1") || codes.split(';').any(|c| c == "41"))
                    && text.contains("NOT RECORDING")
            })),
        "NOT RECORDING is not on red:\n{screen}"
    );
    let (code, screen) = pane.ended();
    assert_eq!(code, 3, "{screen}");
    assert!(screen.contains("interrupted"), "{screen}");
}
