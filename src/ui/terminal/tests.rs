//! The terminal UI drawn into ratatui's `TestBackend`, from real events.

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;

use super::*;
use crate::analysis::{Label, Tag};

fn turn(id: u64, speaker: &str, text: &str, tags: Vec<Tag>) -> Event {
    Event::Turn {
        id,
        source: "postmortem".into(),
        speaker: Some(speaker.into()),
        speaker_id: None,
        speaker_confidence: None,
        start: 10.0 * id as f64,
        end: 10.0 * id as f64 + 8.0,
        text: text.into(),
        latency_ms: 300,
        timing: crate::events::TurnTiming::default(),
        tags,
        actions: Vec::new(),
        untranscribed: None,
    }
}

fn blame_turn() -> Event {
    turn(
        6,
        "Priya",
        "Honestly, Dan pushed the configuration without review.",
        vec![Tag {
            label: Label::Blame,
            confidence: 0.99,
            evidence: vec![[10, 53]],
        }],
    )
}

fn nudge() -> Event {
    Event::Nudge {
        turn_id: Some(6),
        label: "blame".into(),
        text: "Let's leave Dan aside for a moment: what was the system showing then?".into(),
        reason: "blame 0.99: \"Dan pushed the configuration without review\"".into(),
    }
}

fn render(view: &LiveView) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal.draw(|frame| draw(frame, view)).unwrap();
    terminal.backend().buffer().clone()
}

/// The screen's rows as text.
fn rows(buffer: &Buffer) -> Vec<String> {
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect()
        })
        .collect()
}

/// Where `needle` starts on screen.
fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    rows(buffer).iter().enumerate().find_map(|(y, row)| {
        let chars: Vec<char> = row.chars().collect();
        let n: Vec<char> = needle.chars().collect();
        (0..chars.len().saturating_sub(n.len()) + 1)
            .find(|&x| chars[x..x + n.len()] == n[..])
            .map(|x| (x as u16, y as u16))
    })
}

fn meeting_view() -> LiveView {
    let mut view = LiveView::new();
    view.apply(&Event::Meeting {
        schema: crate::events::SCHEMA,
        id: "20261202-052000-checkout".into(),
        title: "Checkout outage".into(),
        dir: "/tmp/x".into(),
        sources: vec!["postmortem".into()],
    });
    view.apply(&turn(5, "Maya", "Let's walk through the timeline.", vec![]));
    view.apply(&blame_turn());
    view.apply(&nudge());
    view
}

#[test]
fn the_nudge_is_boxed_with_its_reason_and_evidence_is_highlighted() {
    let view = meeting_view();
    let screen = render(&view);
    let text = rows(&screen).join("\n");
    // The box: its title, the line, the reason, a double border around it.
    let (x, y) = find(&screen, "NUDGE · blame").unwrap_or_else(|| panic!("{text}"));
    assert!(
        matches!(screen[(x - 2, y)].symbol(), "═" | "╔"),
        "no border left of the title:\n{text}"
    );
    assert!(
        text.contains("Let's leave Dan aside for a moment"),
        "{text}"
    );
    assert!(text.contains("why: blame 0.99"), "{text}");
    // The evidence, and only it, highlighted; the tag label beside the turn.
    let (x, y) = find(&screen, "Dan pushed").unwrap();
    for dx in 0.."Dan pushed".len() as u16 {
        assert_eq!(screen[(x + dx, y)].bg, Color::Yellow, "{text}");
    }
    let (hx, hy) = find(&screen, "Honestly").unwrap();
    assert_ne!(screen[(hx, hy)].bg, Color::Yellow);
    assert!(text.contains("[blame]"), "{text}");
    // Speakers in their own colours, with talk-time bars.
    let (mx, my) = find(&screen, "Maya:").unwrap();
    let (px, py) = find(&screen, "Priya:").unwrap();
    assert_ne!(screen[(mx, my)].fg, screen[(px, py)].fg);
    assert!(text.contains("talk time"), "{text}");
    assert!(text.contains("█"), "{text}");
}

#[test]
fn not_recording_is_red_and_goes_when_audio_flows_again() {
    let mut view = meeting_view();
    view.apply(&Event::Warning {
        source: Some("USB Mic".into()),
        message: "NOT RECORDING: \"USB Mic\" delivered no audio for 1.5 s".into(),
    });
    let screen = render(&view);
    let (x, y) = find(&screen, "NOT RECORDING: \"USB Mic\"").unwrap();
    assert_eq!(screen[(x, y)].bg, Color::Red);
    view.apply(&Event::Warning {
        source: Some("USB Mic".into()),
        message: "USB Mic: audio is flowing again".into(),
    });
    let screen = render(&view);
    assert!(find(&screen, "NOT RECORDING").is_none());
}

#[test]
fn keys_mark_dismiss_pause_and_stop() {
    let mut view = meeting_view();
    view.apply(&Event::Status {
        rtf: 0.3,
        lag_s: 0.4,
        audio_s: 70.0,
        dropped_samples: 0,
        skipped_partials: 0,
        speaker_ms_per_turn: 0.0,
        skipped_speakers: 0,
    });
    let Some(UiAction::Store(dismissed)) = view.on_key(Key::Char('d')) else {
        panic!("d stores nothing")
    };
    assert_eq!(dismissed.kind, FeedbackKind::Dismissed);
    assert_eq!(dismissed.turn_id, Some(6));
    assert_eq!(dismissed.label.as_deref(), Some("blame"));
    assert_eq!(dismissed.at, 70.0);
    assert!(view.nudge.is_none());
    assert!(find(&render(&view), "NUDGE").is_none());
    // Nothing left to dismiss.
    assert_eq!(view.on_key(Key::Char('u')), None);
    let Some(UiAction::Store(key)) = view.on_key(Key::Char('k')) else {
        panic!()
    };
    assert_eq!((key.kind, key.turn_id), (FeedbackKind::KeyMoment, Some(6)));
    assert!(rows(&render(&view)).join("\n").contains("★ key moment"));
    // Paused: a new nudge is not shown.
    assert!(
        matches!(view.on_key(Key::Char('p')), Some(UiAction::Store(f)) if f.kind == FeedbackKind::NudgesPaused)
    );
    view.apply(&nudge());
    assert!(view.nudge.is_none());
    assert!(find(&render(&view), "NUDGES PAUSED").is_some());
    view.on_key(Key::Char('p'));
    view.apply(&nudge());
    assert!(view.nudge.is_some());
    // Help, then quit once; Ctrl-C still reaches the pipeline after q.
    view.on_key(Key::Char('?'));
    assert!(find(&render(&view), "pause or resume nudges").is_some());
    assert_eq!(view.on_key(Key::Char('q')), Some(UiAction::Stop));
    assert_eq!(view.on_key(Key::Char('q')), None);
    assert_eq!(view.on_key(Key::Interrupt), Some(UiAction::Stop));
}

#[test]
fn partials_are_grey_and_replaced_by_the_turn() {
    let mut view = meeting_view();
    view.apply(&Event::Partial {
        source: "postmortem".into(),
        start: 70.0,
        text: "we rolled".into(),
        stable: String::new(),
    });
    let screen = render(&view);
    let (x, y) = find(&screen, "we rolled").unwrap();
    assert_eq!(screen[(x, y)].fg, Color::DarkGray);
    view.apply(&turn(7, "Dan", "We rolled back at two fifty.", vec![]));
    let screen = render(&view);
    assert!(find(&screen, "we rolled …").is_none());
    assert!(find(&screen, "We rolled back").is_some());
}
