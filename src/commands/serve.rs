//! `blameless serve`: the local web dashboard, until Ctrl-C or SIGTERM.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use blameless::cli::ServeArgs;
use blameless::config::Paths;
use blameless::store::Store;
use blameless::ui::web::{self, ServeConfig};

/// Binds, prints the URL to open (with the token), serves until stopped.
pub fn run(paths: &Paths, args: ServeArgs) -> Result<ExitCode> {
    // Fails early, and creates the data home, when it is not writable.
    Store::open(&paths.home)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let token = args.token.filter(|t| !t.is_empty());
        let listener = web::bind(args.addr, token.as_deref()).await?;
        let addr = listener.local_addr()?;
        let url = web::url(addr, token.as_deref());
        // One line on stdout, so a script can read the port it got.
        let mut out = std::io::stdout().lock();
        writeln!(out, "serving {url}")?;
        out.flush()?;
        drop(out);
        eprintln!("blameless: open {url} in a browser; Ctrl-C stops");
        let mut signals = super::StopSignals::new().context("cannot handle Ctrl-C")?;
        let config = ServeConfig {
            home: paths.home.clone(),
            token,
        };
        web::serve(listener, config, async move { signals.next().await }).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
