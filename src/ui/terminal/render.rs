//! Drawing a [`LiveView`] into a ratatui frame: any backend, so tests draw
//! into `TestBackend` and read the cells.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::view::LiveView;
use crate::store::FeedbackKind;

/// Speaker colours, by order of first speech.
const PALETTE: [Color; 6] = [
    Color::Cyan,
    Color::Green,
    Color::Magenta,
    Color::Blue,
    Color::LightRed,
    Color::LightCyan,
];
/// The words a tag's evidence points at.
pub const HIGHLIGHT: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::Yellow)
    .add_modifier(Modifier::BOLD);
/// Partial text, replaced by the turn.
const PARTIAL: Style = Style::new().fg(Color::DarkGray);
/// Width of the talk-time panel.
const TALK_WIDTH: u16 = 30;
/// Height of the nudge box.
const NUDGE_HEIGHT: u16 = 7;

/// The key help, one line per key.
pub const KEYS: [(&str, &str); 7] = [
    ("d", "dismiss the nudge: not helpful"),
    ("u", "mark the nudge as used"),
    ("a", "mark the newest turn as an action item"),
    ("k", "mark the newest turn as a key moment"),
    ("p", "pause or resume nudges"),
    ("q", "stop and store the meeting (as Ctrl-C)"),
    ("?", "show or hide this help"),
];

/// Draws the whole view.
pub fn draw(frame: &mut Frame, view: &LiveView) {
    let area = frame.area();
    let alarm_height = if view.not_recording.is_empty() {
        0
    } else {
        view.not_recording.len() as u16 + 2
    };
    let nudge_height = if view.nudge.is_some() || view.nudges_paused {
        NUDGE_HEIGHT
    } else {
        0
    };
    let [header, alarm, body, nudge, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(alarm_height),
        Constraint::Min(3),
        Constraint::Length(nudge_height),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, view);
    if alarm_height > 0 {
        draw_not_recording(frame, alarm, view);
    }
    let [transcript, talk] =
        Layout::horizontal([Constraint::Min(20), Constraint::Length(TALK_WIDTH)]).areas(body);
    draw_transcript(frame, transcript, view);
    draw_talk_time(frame, talk, view);
    if nudge_height > 0 {
        draw_nudge(frame, nudge, view);
    }
    draw_footer(frame, footer, view);
    if view.show_help {
        draw_help(frame, area);
    }
}

fn mm_ss(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{:02}:{:02}", s / 60, s % 60)
}

fn draw_header(frame: &mut Frame, area: Rect, view: &LiveView) {
    let mut spans = vec![
        Span::styled(" blameless ", Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(format!("{}  ", view.title)),
        Span::styled(
            mm_ss(view.audio_s),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ];
    match view.health {
        Some(h) => {
            let rtf_style = if h.rtf > 1.0 {
                Style::new().fg(Color::Red)
            } else {
                Style::new()
            };
            spans.push(Span::raw("  RTF "));
            spans.push(Span::styled(format!("{:.2}", h.rtf), rtf_style));
            spans.push(Span::raw(format!("  lag {:.1} s", h.lag_s)));
            let drop_style = if h.dropped_samples > 0 {
                Style::new().fg(Color::Red)
            } else {
                Style::new()
            };
            spans.push(Span::raw("  dropped "));
            spans.push(Span::styled(h.dropped_samples.to_string(), drop_style));
        }
        None => spans.push(Span::raw("  starting")),
    }
    if view.nudges_paused {
        spans.push(Span::styled(
            "  nudges paused",
            Style::new().fg(Color::Yellow),
        ));
    }
    if let Some(status) = &view.ended {
        spans.push(Span::raw(format!("  meeting {status}")));
    } else if view.stopping {
        spans.push(Span::styled("  stopping", Style::new().fg(Color::Yellow)));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::new().bg(Color::Black).fg(Color::White)),
        area,
    );
}

fn draw_not_recording(frame: &mut Frame, area: Rect, view: &LiveView) {
    let alarm = Style::new()
        .fg(Color::White)
        .bg(Color::Red)
        .add_modifier(Modifier::BOLD);
    let lines: Vec<Line> = view
        .not_recording
        .iter()
        .map(|(_, message)| Line::styled(message.clone(), alarm))
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .style(alarm)
            .wrap(Wrap { trim: true })
            .block(
                Block::new()
                    .borders(Borders::ALL)
                    .border_type(BorderType::Thick)
                    .title(" NOT RECORDING ")
                    .style(alarm),
            ),
        area,
    );
}

/// Words of styled text packed into lines of `width` characters.
fn wrap(pieces: Vec<(String, Style)>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    // Split each piece into words with their trailing spaces, keeping styles.
    for (text, style) in pieces {
        let mut word = String::new();
        let flush_word = |word: &mut String,
                          current: &mut Vec<Span<'static>>,
                          used: &mut usize,
                          lines: &mut Vec<Line<'static>>| {
            if word.is_empty() {
                return;
            }
            let n = word.chars().count();
            if *used + n > width && *used > 0 {
                lines.push(Line::from(std::mem::take(current)));
                *used = 0;
            }
            *used += n;
            current.push(Span::styled(std::mem::take(word), style));
        };
        for c in text.chars() {
            word.push(c);
            if c == ' ' {
                flush_word(&mut word, &mut current, &mut used, &mut lines);
            }
        }
        flush_word(&mut word, &mut current, &mut used, &mut lines);
    }
    if !current.is_empty() {
        lines.push(Line::from(current));
    }
    lines
}

/// The styled pieces of one turn: time, speaker, text with the evidence
/// highlighted, tags and marks.
fn turn_pieces(view: &LiveView, turn: &super::view::TurnLine) -> Vec<(String, Style)> {
    let colour = PALETTE[view.colour_of(&turn.who) % PALETTE.len()];
    let mut pieces = vec![
        (
            format!("[{}] ", mm_ss(turn.start)),
            Style::new().fg(Color::Gray),
        ),
        (
            format!("{}: ", turn.who),
            Style::new().fg(colour).add_modifier(Modifier::BOLD),
        ),
    ];
    if let Some(reason) = &turn.untranscribed {
        pieces.push((format!("[untranscribed: {reason}] "), PARTIAL));
    } else {
        let mut run = String::new();
        let mut run_highlighted = false;
        for (i, c) in turn.text.chars().enumerate() {
            let highlighted = turn.evidence.iter().any(|[s, e]| (*s..*e).contains(&i));
            if highlighted != run_highlighted && !run.is_empty() {
                let style = if run_highlighted {
                    HIGHLIGHT
                } else {
                    Style::new()
                };
                pieces.push((std::mem::take(&mut run), style));
            }
            run_highlighted = highlighted;
            run.push(c);
        }
        if !run.is_empty() {
            let style = if run_highlighted {
                HIGHLIGHT
            } else {
                Style::new()
            };
            pieces.push((run, style));
        }
    }
    for tag in &turn.tags {
        pieces.push((
            format!(" [{tag}]"),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    }
    for mark in &turn.marks {
        let label = match mark {
            FeedbackKind::ActionItem => " ✔ action item",
            FeedbackKind::KeyMoment => " ★ key moment",
            _ => continue,
        };
        pieces.push((label.to_string(), Style::new().fg(Color::LightGreen)));
    }
    pieces
}

fn draw_transcript(frame: &mut Frame, area: Rect, view: &LiveView) {
    let block = Block::new()
        .borders(Borders::ALL)
        .title(format!(" transcript {} ", view.meeting_id));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let height = inner.height as usize;
    // Newest at the bottom: wrap from the newest turn back until full.
    let mut lines: Vec<Line<'static>> = Vec::new();
    for partial in view.partials.iter().rev() {
        let pieces = vec![(
            format!(
                "[{}] {}: {} …",
                mm_ss(partial.start),
                partial.source,
                partial.text
            ),
            PARTIAL,
        )];
        let mut wrapped = wrap(pieces, width);
        wrapped.extend(std::mem::take(&mut lines));
        lines = wrapped;
    }
    for turn in view.turns.iter().rev() {
        if lines.len() >= height {
            break;
        }
        let mut wrapped = wrap(turn_pieces(view, turn), width);
        wrapped.extend(std::mem::take(&mut lines));
        lines = wrapped;
    }
    let skip = lines.len().saturating_sub(height);
    let shown: Vec<Line> = lines.into_iter().skip(skip).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

fn draw_talk_time(frame: &mut Frame, area: Rect, view: &LiveView) {
    let block = Block::new().borders(Borders::ALL).title(" talk time ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let talk = view.talk_time();
    let total: f64 = talk.iter().map(|(_, s)| s).sum();
    let bar_width = inner.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    for (who, seconds) in &talk {
        let colour = PALETTE[view.colour_of(who) % PALETTE.len()];
        let share = if total > 0.0 { seconds / total } else { 0.0 };
        lines.push(Line::from(vec![
            Span::styled(
                who.clone(),
                Style::new().fg(colour).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!("  {}  {:.0}%", mm_ss(*seconds), 100.0 * share)),
        ]));
        let filled = (share * bar_width as f64).round() as usize;
        lines.push(Line::from(Span::styled(
            "█".repeat(filled),
            Style::new().fg(colour),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_nudge(frame: &mut Frame, area: Rect, view: &LiveView) {
    let (title, lines) = match (&view.nudge, view.nudges_paused) {
        (_, true) => (
            " NUDGES PAUSED ".to_string(),
            vec![Line::raw("p shows nudges again")],
        ),
        (Some(nudge), false) => (
            format!(" NUDGE · {} ", nudge.label),
            vec![
                Line::styled(
                    nudge.text.clone(),
                    Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
                ),
                Line::raw(""),
                Line::styled(
                    format!("why: {}", nudge.reason),
                    Style::new().fg(Color::Gray),
                ),
            ],
        ),
        (None, false) => return,
    };
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::new()
                .borders(Borders::ALL)
                .border_type(BorderType::Double)
                .border_style(Style::new().fg(Color::Yellow))
                .title(Span::styled(
                    title,
                    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
                ))
                .title_bottom(" d not helpful · u used "),
        ),
        area,
    );
}

fn draw_footer(frame: &mut Frame, area: Rect, view: &LiveView) {
    let line = match (&view.notice, &view.warning) {
        (Some(notice), _) => Line::styled(format!(" {notice}"), Style::new().fg(Color::LightGreen)),
        (None, Some(warning)) => {
            Line::styled(format!(" {warning}"), Style::new().fg(Color::Yellow))
        }
        (None, None) => Line::raw(
            " d dismiss · u used · a action item · k key moment · p pause · q quit · ? help",
        ),
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_help(frame: &mut Frame, area: Rect) {
    let width = 52.min(area.width);
    let height = (KEYS.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(key, what)| {
            Line::from(vec![
                Span::styled(
                    format!(" {key}  "),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::new().borders(Borders::ALL).title(" keys ")),
        popup,
    );
}
