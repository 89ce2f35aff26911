//! Command implementations: the edge where library results meet the
//! terminal, with `anyhow` for context and indicatif for progress.

mod analysis;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use blameless::asr::{self, AudioCtx};
use blameless::cli::{self, Cli, Command, EvalCommand, ListFormat, ModelsCommand, QuantArg};
use blameless::config::Paths;
use blameless::events::Event;
use blameless::models::{self, WeightType};
use blameless::pipeline::{self, Pace, SourceSpec};
use blameless::store::Store;
use blameless::transcript::{self, Transcript};
use blameless::{audio, eval, vad};
use indicatif::{ProgressBar, ProgressStyle};

/// Audio longer than this gets a progress bar.
const PROGRESS_MIN_SECONDS: f64 = 5.0;

/// Runs one command.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let paths = Paths::resolve(cli.home.as_deref(), cli.models_dir.as_deref());
    let ui = Ui {
        progress: !cli.quiet && std::io::stderr().is_terminal(),
        quiet: cli.quiet,
    };
    match cli.command {
        Command::Transcribe(args) => transcribe(&paths, &ui, args),
        Command::Models(command) => models_command(&paths, &ui, command),
        Command::Eval(EvalCommand::Asr {
            manifest,
            asr,
            format,
        }) => eval_asr(&paths, &ui, &manifest, &asr, format),
        Command::Eval(EvalCommand::Tags {
            file,
            format,
            errors,
        }) => analysis::eval_tags(&file, format, errors),
        Command::Eval(EvalCommand::Actions {
            file,
            format,
            errors,
        }) => analysis::eval_actions(&file, format, errors),
        Command::Analyze(args) => analysis::analyze(&paths, args),
        Command::Actions { meeting, format } => analysis::actions(&paths, &meeting, format),
        Command::Record(args) => {
            let sources = if args.device.is_empty() {
                vec![SourceSpec::Device { name: None }]
            } else {
                args.device
                    .iter()
                    .map(|d| SourceSpec::Device {
                        name: Some(d.clone()),
                    })
                    .collect()
            };
            live(&paths, &ui, sources, args.title, &args.live)
        }
        Command::Replay(args) => {
            let pace = match args.speed {
                cli::SpeedArg::Factor(f) => Pace::Speed(f),
                cli::SpeedArg::Max => Pace::Max,
            };
            let title = args.title.clone().unwrap_or_else(|| {
                args.file
                    .file_stem()
                    .map_or_else(|| "replay".into(), |s| s.to_string_lossy().into_owned())
            });
            let sources = vec![SourceSpec::File {
                path: args.file,
                pace,
            }];
            live(&paths, &ui, sources, title, &args.live)
        }
        Command::Devices { format } => devices(format),
        Command::Meetings(cli::MeetingsCommand::List { format }) => meetings_list(&paths, format),
        Command::Meetings(cli::MeetingsCommand::Show { id, format }) => {
            meetings_show(&paths, &id, format)
        }
        Command::Recover { format } => recover(&paths, format),
    }
}

/// How chatty stderr may be.
struct Ui {
    /// Draw progress bars (stderr is a terminal and not `--quiet`).
    progress: bool,
    /// Say nothing but errors.
    quiet: bool,
}

impl Ui {
    fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }

    fn bar(&self, seconds: f64, message: String) -> Option<ProgressBar> {
        if !self.progress || seconds < PROGRESS_MIN_SECONDS {
            return None;
        }
        let bar = ProgressBar::new(100);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos:>3}% {elapsed}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(bar)
    }
}

fn asr_options(args: &cli::AsrArgs) -> asr::Options {
    asr::Options {
        threads: args.threads.unwrap_or_else(asr::default_threads),
        language: (args.language != "auto").then(|| args.language.clone()),
        audio_ctx: match args.audio_ctx {
            Some(cli::AudioCtxArg::Fit) => AudioCtx::Fit,
            Some(cli::AudioCtxArg::Full) | None => AudioCtx::Full,
        },
        ..asr::Options::default()
    }
}

fn load_model(paths: &Paths, spec: &str) -> Result<asr::Model> {
    let path = models::resolve(spec, &paths.models)?;
    Ok(asr::Model::load(&path)?)
}

/// Transcribes one decoded file, with a progress bar for long audio.
fn transcribe_audio(
    model: &mut asr::Model,
    audio: &audio::Audio,
    options: &asr::Options,
    ui: &Ui,
    label: &str,
) -> Result<Vec<transcript::Segment>> {
    let bar = ui.bar(audio.duration_s(), label.to_string());
    let mut report = |fraction: f64| {
        if let Some(bar) = &bar {
            bar.set_position((fraction * 100.0).round() as u64);
        }
    };
    let segments = model.transcribe(&audio.mono, options, &mut report);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(segments?)
}

fn transcribe(paths: &Paths, ui: &Ui, args: cli::TranscribeArgs) -> Result<ExitCode> {
    // Check the cheap things first so a bad file or model fails fast.
    let audio = audio::read_file(&args.file)?;
    let mut model = load_model(paths, &args.asr.model)?;
    let options = asr_options(&args.asr);
    let label = args.file.display().to_string();
    let segments = transcribe_audio(&mut model, &audio, &options, ui, &label)?;
    let transcript = Transcript::new(
        label,
        round_ms(audio.duration_s()),
        args.asr.model.clone(),
        segments,
    );
    let format = match args.format {
        cli::TranscriptFormat::Text => transcript::Format::Text,
        cli::TranscriptFormat::Json => transcript::Format::Json,
        cli::TranscriptFormat::Srt => transcript::Format::Srt,
        cli::TranscriptFormat::Vtt => transcript::Format::Vtt,
    };
    let mut out = std::io::stdout().lock();
    out.write_all(transcript::render(&transcript, format).as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

fn weight_type(quant: QuantArg) -> WeightType {
    match quant {
        QuantArg::F16 => WeightType::F16,
        QuantArg::Q8_0 => WeightType::Q8_0,
        QuantArg::Q5_0 => WeightType::Q5_0,
    }
}

fn models_command(paths: &Paths, ui: &Ui, command: ModelsCommand) -> Result<ExitCode> {
    match command {
        ModelsCommand::List { format } => models_list(paths, format),
        ModelsCommand::Fetch { name, .. } if name == vad::MODEL_NAME => {
            let mut step = |message: &str| ui.note(message);
            let path =
                vad::fetch_model(&paths.models, &mut step).context("cannot fetch the VAD model")?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Fetch { name, quant } => {
            let mut step = |message: &str| ui.note(message);
            let path = models::fetch(&name, weight_type(quant), &paths.models, &mut step)
                .with_context(|| format!("cannot fetch model {name}"))?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::ImportCt2 { dir, out, quant } => {
            if out.exists() {
                anyhow::bail!(
                    "{} already exists; remove it or choose another output path",
                    out.display()
                );
            }
            let summary = models::ggml::convert_ct2(&dir, &out, weight_type(quant))?;
            let actual = models::sha256_file(&out)?;
            ui.note(&format!(
                "wrote {} ({}, {}, {} tensors, {:.1} MB)\nsha256 {actual}",
                out.display(),
                summary.hparams.model_name(),
                weight_type(quant).name(),
                summary.n_tensors,
                summary.n_bytes as f64 / 1e6
            ));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn models_list(paths: &Paths, format: ListFormat) -> Result<ExitCode> {
    let installed = models::installed(&paths.models);
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let value = serde_json::json!({
                "models_dir": paths.models,
                "installed": installed.iter().map(|m| serde_json::json!({
                    "name": m.name, "path": m.path, "bytes": m.n_bytes,
                    "model": m.model, "weights": m.weight_type,
                })).collect::<Vec<_>>(),
                "available": models::CATALOGUE.iter().map(|e| serde_json::json!({
                    "name": e.name, "description": e.description,
                    "packages": e.packages.iter().map(|p| format!("{}=={}", p.name, p.version)).collect::<Vec<_>>(),
                    "weights": e.outputs.iter().map(|(w, _)| w.name()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ListFormat::Text => {
            writeln!(out, "Installed in {}:", paths.models.display())?;
            if installed.is_empty() {
                writeln!(out, "  (none)")?;
            }
            for m in &installed {
                writeln!(
                    out,
                    "  {:<16} {:<9} {:<6} {:>7.1} MB  {}",
                    m.name,
                    m.model,
                    m.weight_type,
                    m.n_bytes as f64 / 1e6,
                    m.path.display()
                )?;
            }
            writeln!(
                out,
                "Available with `blameless models fetch NAME [--quant f16|q8_0|q5_0]`:"
            )?;
            for e in models::CATALOGUE {
                let packages: Vec<String> = e
                    .packages
                    .iter()
                    .map(|p| format!("{}=={}", p.name, p.version))
                    .collect();
                writeln!(
                    out,
                    "  {:<16} {} [{}]",
                    e.name,
                    e.description,
                    packages.join(" + ")
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn eval_asr(
    paths: &Paths,
    ui: &Ui,
    manifest: &Path,
    args: &cli::AsrArgs,
    format: ListFormat,
) -> Result<ExitCode> {
    let entries = eval::read_manifest(manifest)?;
    let mut model = load_model(paths, &args.model)?;
    let options = asr_options(args);
    let mut total = eval::WordErrors::default();
    let mut rows = Vec::new();
    for entry in &entries {
        let audio = audio::read_file(&entry.audio)?;
        let label = entry.audio.display().to_string();
        let segments = transcribe_audio(&mut model, &audio, &options, ui, &label)?;
        let hypothesis = Transcript::new(label.clone(), 0.0, String::new(), segments).text;
        let errors = eval::word_errors(&entry.reference, &hypothesis);
        total = total + errors;
        if format == ListFormat::Text {
            println!(
                "{:>6.2}%  {:>3}/{:<3}  {}",
                errors.rate() * 100.0,
                errors.edits,
                errors.reference_words,
                label
            );
        }
        rows.push(serde_json::json!({
            "audio": label, "reference": entry.reference, "hypothesis": hypothesis,
            "wer": errors.rate(), "edits": errors.edits, "words": errors.reference_words,
        }));
    }
    match format {
        ListFormat::Text => println!(
            "{:>6.2}%  {:>3}/{:<3}  overall ({} files, model {})",
            total.rate() * 100.0,
            total.edits,
            total.reference_words,
            entries.len(),
            args.model
        ),
        ListFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "model": args.model,
                "files": rows,
                "overall": {"wer": total.rate(), "edits": total.edits, "words": total.reference_words},
            }))?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the live pipeline on `sources` until they end or Ctrl-C.
fn live(
    paths: &Paths,
    ui: &Ui,
    sources: Vec<SourceSpec>,
    title: String,
    args: &cli::LiveArgs,
) -> Result<ExitCode> {
    let model_path = models::resolve(&args.asr.model, &paths.models)?;
    let vad_model_path = vad::model_path(&paths.models)?;
    let store = Store::open(&paths.home)?;
    let segmenter = vad::SegmenterConfig {
        min_silence_ms: args.min_silence_ms,
        ..Default::default()
    };
    let config = pipeline::Config {
        sources,
        title,
        model_path,
        model_name: args.asr.model.clone(),
        vad_model_path,
        asr: asr::Options {
            // Leave a core to capture, VAD and storage: ggml's spinning
            // thread pool slows down badly when it has to share cores.
            threads: args
                .asr
                .threads
                .unwrap_or_else(|| asr::default_threads().saturating_sub(1).max(1)),
            // Turns are short: an encoder window fitted to each is several
            // times faster than the full 30 s one.
            audio_ctx: match args.asr.audio_ctx {
                Some(cli::AudioCtxArg::Full) => AudioCtx::Full,
                Some(cli::AudioCtxArg::Fit) | None => AudioCtx::Fit,
            },
            ..asr_options(&args.asr)
        },
        segmenter,
        partial_interval_s: args.partial_every.max(0.0),
        status_interval_s: args.status_every.max(0.1),
        nudges: analysis::nudge_config(&args.nudges)?,
        facilitator: args.nudges.facilitator.clone(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let format = args.format;
    let quiet = ui.quiet;
    let summary = runtime.block_on(async {
        let mut out = std::io::stdout().lock();
        pipeline::run(config, &store, shutdown_signal(), |event| {
            write_event(&mut out, event, format, quiet)
        })
        .await
    })?;
    ui.note(&format!(
        "meeting {} stored: {} turns in {}",
        summary.meeting.id.as_str(),
        summary.n_turns,
        store
            .meetings_dir()
            .join(summary.meeting.id.as_str())
            .display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn write_event(
    out: &mut impl Write,
    event: &Event,
    format: cli::EventFormat,
    quiet: bool,
) -> std::io::Result<()> {
    match format {
        cli::EventFormat::Jsonl => {
            writeln!(out, "{}", event.to_json_line())?;
            out.flush()
        }
        cli::EventFormat::Text => match event {
            Event::Turn {
                start,
                source,
                speaker,
                text,
                tags,
                ..
            } => {
                let who = speaker.as_deref().unwrap_or(source);
                let labels: Vec<&str> = tags.iter().map(|t| t.label.as_str()).collect();
                if labels.is_empty() {
                    writeln!(out, "[{}] {who}: {text}", mm_ss(*start))?;
                } else {
                    writeln!(
                        out,
                        "[{}] {who}: {text}  [{}]",
                        mm_ss(*start),
                        labels.join(", ")
                    )?;
                }
                out.flush()
            }
            Event::Nudge { label, text, .. } => {
                writeln!(out, "   >> {label}: {text}")?;
                out.flush()
            }
            Event::Warning { source, message } => {
                eprintln!(
                    "blameless: warning: {}{message}",
                    source.as_ref().map_or(String::new(), |s| format!("{s}: "))
                );
                Ok(())
            }
            Event::Meeting { id, dir, .. } if !quiet => {
                eprintln!("recording meeting {id} into {dir}; Ctrl-C stops");
                Ok(())
            }
            _ => Ok(()),
        },
    }
}

fn mm_ss(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{:02}:{:02}", s / 60, s % 60)
}

fn devices(format: ListFormat) -> Result<ExitCode> {
    let devices = blameless::capture::list_devices()?;
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let rows: Vec<serde_json::Value> = devices
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "name": d.name, "id": d.id, "description": d.description,
                        "default": d.is_default, "monitor": d.is_monitor,
                        "format": d.default_format.map(|f| serde_json::json!({
                            "sample_format": f.sample_format.to_string(),
                            "sample_rate": f.sample_rate, "channels": f.n_channels,
                        })),
                        "problem": d.problem,
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        }
        ListFormat::Text => {
            if devices.is_empty() {
                writeln!(out, "no input devices found; check `arecord -l`")?;
            }
            for d in &devices {
                let format = d.default_format.map_or_else(
                    || d.problem.clone().unwrap_or_default(),
                    |f| {
                        format!(
                            "{} Hz, {} ch, {}",
                            f.sample_rate, f.n_channels, f.sample_format
                        )
                    },
                );
                let marks = [
                    (d.is_default, "default"),
                    (d.is_monitor, "monitor: system audio"),
                ]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, m)| *m)
                .collect::<Vec<_>>()
                .join(", ");
                writeln!(
                    out,
                    "{:<24} {:<28} {}{}",
                    d.name,
                    format,
                    d.description,
                    if marks.is_empty() {
                        String::new()
                    } else {
                        format!(" [{marks}]")
                    }
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn meetings_list(paths: &Paths, format: ListFormat) -> Result<ExitCode> {
    let store = Store::open(&paths.home)?;
    let meetings = store.list()?;
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let rows: Vec<serde_json::Value> = meetings
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "id": m.id.as_str(), "title": m.title,
                        "started_at": m.started_at.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
                        "duration_s": m.duration_s, "turns": m.n_turns,
                        "status": m.status.map(|s| s.to_string()), "problem": m.problem,
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        }
        ListFormat::Text => {
            if meetings.is_empty() {
                writeln!(out, "no meetings in {}", store.meetings_dir().display())?;
            }
            for m in &meetings {
                writeln!(
                    out,
                    "{:<44} {:>6}  {:>4} turns  {:<10} {}{}",
                    m.id.as_str(),
                    mm_ss(m.duration_s),
                    m.n_turns,
                    m.status.map_or("?".to_string(), |s| s.to_string()),
                    m.title,
                    m.problem
                        .as_ref()
                        .map_or(String::new(), |p| format!("  ({p})"))
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn meetings_show(paths: &Paths, id: &str, format: ListFormat) -> Result<ExitCode> {
    let store = Store::open(&paths.home)?;
    let meeting = store.load(id)?;
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let value = serde_json::json!({ "meeting": meeting.info, "turns": meeting.turns });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ListFormat::Text => {
            let info = &meeting.info;
            writeln!(out, "{} ({})", info.title, info.id.as_str())?;
            let started = info
                .started_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            writeln!(
                out,
                "started {started}, model {}, status {}",
                info.model, info.status
            )?;
            for source in &info.sources {
                writeln!(
                    out,
                    "source {}: {}",
                    source.name,
                    store
                        .meetings_dir()
                        .join(info.id.as_str())
                        .join(&source.file)
                        .display()
                )?;
            }
            writeln!(out)?;
            for turn in &meeting.turns {
                writeln!(
                    out,
                    "[{}] {}: {}",
                    mm_ss(turn.start),
                    turn.speaker.as_deref().unwrap_or(&turn.source),
                    turn.text
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn recover(paths: &Paths, format: ListFormat) -> Result<ExitCode> {
    use blameless::store::RecoveryOutcome;
    let store = Store::open(&paths.home)?;
    let reports = store.recover()?;
    let failed = reports
        .iter()
        .any(|r| matches!(r.outcome, RecoveryOutcome::Failed { .. }));
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let rows: Vec<serde_json::Value> = reports
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id.as_str(),
                        "outcome": match &r.outcome {
                            RecoveryOutcome::Recovered => "recovered".to_string(),
                            RecoveryOutcome::SkippedLive { .. } => "skipped_live".to_string(),
                            RecoveryOutcome::Failed { .. } => "failed".to_string(),
                        },
                        "problem": match &r.outcome { RecoveryOutcome::Failed { problem } => Some(problem.clone()), _ => None },
                        "sources": r.sources.iter().map(|s| serde_json::json!({
                            "name": s.name, "file": s.file, "audio_bytes": s.audio_bytes, "seconds": s.seconds,
                            "header_fixed": s.header_fixed, "trimmed_bytes": s.trimmed_bytes, "recreated": s.recreated,
                        })).collect::<Vec<_>>(),
                        "turns_kept": r.turns_kept,
                        "torn_line_bytes": r.torn_line_bytes,
                        "notes": r.notes,
                    })
                })
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "meetings": rows }))?
            )?;
        }
        ListFormat::Text => {
            if reports.is_empty() {
                writeln!(
                    out,
                    "nothing to recover in {}",
                    store.meetings_dir().display()
                )?;
            }
            for r in &reports {
                let verdict = match &r.outcome {
                    RecoveryOutcome::Recovered => "recovered".to_string(),
                    RecoveryOutcome::SkippedLive { pid } => {
                        format!(
                            "skipped: still being recorded{}",
                            pid.map_or(String::new(), |p| format!(" by process {p}"))
                        )
                    }
                    RecoveryOutcome::Failed { problem } => format!("failed: {problem}"),
                };
                writeln!(out, "{}: {verdict}", r.id.as_str())?;
                for s in &r.sources {
                    writeln!(
                        out,
                        "  {}: {:.1} s of audio{}{}",
                        s.file,
                        s.seconds,
                        if s.header_fixed {
                            ", header repaired"
                        } else {
                            ""
                        },
                        if s.trimmed_bytes > 0 {
                            format!(", {} stray bytes trimmed", s.trimmed_bytes)
                        } else {
                            String::new()
                        }
                    )?;
                }
                writeln!(
                    out,
                    "  {} turns kept{}",
                    r.turns_kept,
                    r.torn_line_bytes.map_or(String::new(), |b| format!(
                        ", torn last line ({b} bytes) moved to turns.jsonl.torn"
                    ))
                )?;
                for note in &r.notes {
                    writeln!(out, "  {note}")?;
                }
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
