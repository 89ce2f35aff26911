//! NDJSON export: the index's documents for search engines that scale past
//! one machine (Quickwit, OpenSearch). docs/search.md gives their mappings.

use std::io::Write;
use std::path::Path;

use time::format_description::well_known::Rfc3339;

use super::{Result, SearchError, TurnDoc};
use crate::store::Store;

/// What [`export_ndjson`] wrote.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportSummary {
    /// Meetings exported.
    pub n_meetings: usize,
    /// Documents (turns) written.
    pub n_turns: u64,
    /// Meetings that could not be read, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// The JSON object of one document: the index's fields, with `date` as
/// RFC 3339 and `tags` and `marks` as plain labels.
pub fn export_json(doc: &TurnDoc) -> serde_json::Value {
    serde_json::json!({
        "meeting_id": doc.meeting_id,
        "title": doc.title,
        "date": doc.date.format(&Rfc3339).unwrap_or_default(),
        "turn": doc.turn,
        "speaker": doc.speaker,
        "start": doc.start,
        "end": doc.end,
        "text": doc.text,
        "tags": doc.tags,
        "action": doc.action,
        "marks": doc.marks,
    })
}

/// Writes one JSON document per stored turn, meetings in id (time) order,
/// to `out`. Read from the store, the source of truth, through the same
/// [`TurnDoc`] the index is built from. `out_path` names `out` in errors.
pub fn export_ndjson(store: &Store, out: &mut dyn Write, out_path: &Path) -> Result<ExportSummary> {
    let mut summary = ExportSummary::default();
    let mut ids = store.meeting_ids()?;
    ids.sort();
    for id in ids {
        let meeting = match store.load(id.as_str()) {
            Ok(meeting) => meeting,
            Err(error) => {
                summary
                    .skipped
                    .push((id.as_str().to_owned(), error.to_string()));
                continue;
            }
        };
        for turn in &meeting.turns {
            let doc = TurnDoc::new(&meeting.info, turn).marked(&meeting.feedback);
            let mut line = serde_json::to_vec(&export_json(&doc)).expect("JSON values serialise");
            line.push(b'\n');
            out.write_all(&line)
                .map_err(SearchError::io(out_path, "write"))?;
            summary.n_turns += 1;
        }
        summary.n_meetings += 1;
    }
    out.flush().map_err(SearchError::io(out_path, "write"))?;
    Ok(summary)
}
