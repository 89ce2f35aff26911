//! `report`: a stored meeting's report as Markdown or HTML.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use blameless::cli::{ReportArgs, ReportFormat};
use blameless::config::Paths;
use blameless::store::Store;
use blameless::ui::report::Report;

use super::Ui;

/// `blameless report MEETING [--format markdown|html] [-o FILE [--force]]`.
pub fn report(paths: &Paths, ui: &Ui, args: &ReportArgs) -> Result<ExitCode> {
    let store = Store::open(&paths.home)?;
    let meeting = store.load(&args.meeting)?;
    let report = Report::from_meeting(&meeting);
    let text = match args.format {
        ReportFormat::Markdown => report.markdown(),
        ReportFormat::Html => report.html(),
    };
    match &args.out {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Some(path) => {
            let mut options = std::fs::OpenOptions::new();
            options.write(true);
            if args.force {
                options.create(true).truncate(true);
            } else {
                // Never replace a file the user has, such as last week's report.
                options.create_new(true);
            }
            let mut file = match options.open(path) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
                    "{} already exists; choose another file, or add --force to replace it",
                    path.display()
                ),
                other => other.with_context(|| format!("cannot create {}", path.display()))?,
            };
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
            ui.note(&format!(
                "wrote the report of meeting {} to {}",
                meeting.info.id,
                path.display()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
