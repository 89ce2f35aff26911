//! `blameless eval feedback`: how facilitators received the nudges, per
//! label, over every stored meeting.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use blameless::cli::ListFormat;
use blameless::config::Paths;
use blameless::store::{self, Store};

/// Reads every meeting's feedback and prints the dismissal rate per label.
pub fn eval(paths: &Paths, format: ListFormat) -> Result<ExitCode> {
    let store = Store::open(&paths.home)?;
    let mut ids = store.meeting_ids()?;
    ids.sort();
    let mut meetings = Vec::new();
    let mut skipped = Vec::new();
    for id in ids {
        match store.load(id.as_str()) {
            Ok(meeting) => meetings.push(meeting),
            // One unreadable meeting does not hide what the others say.
            Err(error) => skipped.push((id.as_str().to_owned(), error.to_string())),
        }
    }
    let summary = store::summarize_nudge_feedback(&meetings);
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let labels: Vec<serde_json::Value> = summary
                .labels
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "label": l.label, "shown": l.shown, "dismissed": l.dismissed,
                        "used": l.used, "dismiss_rate": l.dismiss_rate(), "meetings": l.n_meetings,
                    })
                })
                .collect();
            let value = serde_json::json!({
                "meetings": summary.n_meetings,
                "watched_meetings": summary.n_watched,
                "unwatched_nudges": summary.unwatched_nudges,
                "labels": labels,
                "skipped": skipped.iter().map(|(id, why)| serde_json::json!({"id": id, "problem": why})).collect::<Vec<_>>(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ListFormat::Text => {
            writeln!(
                out,
                "{} meetings, {} with facilitator feedback ({} nudges in the others not counted)",
                summary.n_meetings, summary.n_watched, summary.unwatched_nudges
            )?;
            if summary.labels.is_empty() {
                writeln!(
                    out,
                    "no feedback yet: press d (not helpful) or u (used) on a nudge in the terminal UI of `blameless record`"
                )?;
            } else {
                writeln!(
                    out,
                    "{:<16} {:>6} {:>10} {:>6} {:>10} {:>9}",
                    "label", "shown", "dismissed", "used", "dismissed%", "meetings"
                )?;
                for l in &summary.labels {
                    writeln!(
                        out,
                        "{:<16} {:>6} {:>10} {:>6} {:>10} {:>9}",
                        l.label,
                        l.shown,
                        l.dismissed,
                        l.used,
                        l.dismiss_rate()
                            .map_or("-".to_string(), |r| format!("{:.0}%", 100.0 * r)),
                        l.n_meetings
                    )?;
                }
            }
            for (id, problem) in &skipped {
                writeln!(out, "skipped {id}: {problem}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
