//! `ui/`: what does the facilitator see while the meeting runs?
//!
//! Views of a live meeting fed by the pipeline's [`crate::events::Event`]s,
//! writing the facilitator's marks to the [`crate::store`]. The dependency
//! goes one way: `ui` uses `events` and `store`; neither knows `ui`.
//!
//! # Layout
//! - `terminal/`: the terminal UI of `record` and `replay` (ratatui on
//!   crossterm): `view.rs` is the state built from events and keys (no IO),
//!   `render.rs` draws a view into any ratatui backend (tests use
//!   `TestBackend`), `mod.rs` owns the real terminal on its own thread.

pub mod terminal;
