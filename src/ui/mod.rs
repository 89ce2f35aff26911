//! `ui/`: what does the facilitator see, during the meeting and after it?
//!
//! Views of a live meeting fed by the pipeline's [`crate::events::Event`]s
//! (in this process, or read back from the store by another), writing the
//! facilitator's marks to the [`crate::store`], and the report of a stored
//! meeting. The dependency goes one way: `ui` uses `events`, `store`,
//! `search`, `analysis` and `nudges`; none of them knows `ui`.
//!
//! # Layout
//! - `terminal/`: the terminal UI of `record` and `replay` (ratatui on
//!   crossterm): `view.rs` is the state built from events and keys (no IO),
//!   `render.rs` draws a view into any ratatui backend (tests use
//!   `TestBackend`), `mod.rs` owns the real terminal on its own thread.
//! - `report.rs`: the report of a stored meeting ([`report::Report`]),
//!   built without IO and rendered as Markdown or self-contained HTML.
//! - `web/`: `blameless serve`, the local web dashboard (axum): the live
//!   view of a meeting another process records (following the store's
//!   files), past meetings, search over [`crate::search`].

pub mod report;
pub mod terminal;
pub mod web;

/// `text` with `& < > " '` replaced by character references: safe as HTML
/// element content and as a quoted attribute value. The report and the web
/// pages escape every string from a meeting with it.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
