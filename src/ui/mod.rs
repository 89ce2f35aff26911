//! `ui/`: what does the facilitator see while the meeting runs?
//!
//! Views of a live meeting fed by the pipeline's [`crate::events::Event`]s
//! (in this process, or read back from the store by another), writing the
//! facilitator's marks to the [`crate::store`]. The dependency goes one
//! way: `ui` uses `events`, `store` and `search`; none of them knows `ui`.
//!
//! # Layout
//! - `terminal/`: the terminal UI of `record` and `replay` (ratatui on
//!   crossterm): `view.rs` is the state built from events and keys (no IO),
//!   `render.rs` draws a view into any ratatui backend (tests use
//!   `TestBackend`), `mod.rs` owns the real terminal on its own thread.
//! - `web/`: `blameless serve`, the local web dashboard (axum): the live
//!   view of a meeting another process records (following the store's
//!   files), past meetings, search over [`crate::search`].

pub mod terminal;
pub mod web;
