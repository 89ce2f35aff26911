//! The `blameless` binary: parses flags, runs a command, maps the outcome to
//! an exit code. Exit codes: 0 success, 1 error, 2 bad usage; `record` and
//! `replay` also 3 (the meeting is stored but interrupted: a device was
//! lost, or a second Ctrl-C stopped transcription) and 4 (recorded to its
//! end, but some turns could not be transcribed). A closed stdout is not an
//! error: commands stop printing, and `record`/`replay` keep recording.

mod commands;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Recordings and transcripts are private: nothing created is readable
    // by other users, whatever the caller's umask.
    blameless::store::private::owner_only_from_now_on();
    let cli = blameless::cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            // A closed pipe (`blameless ... | head`) is not a failure.
            if error
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "blameless: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
