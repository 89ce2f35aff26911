//! Command implementations: the edge where library results meet the
//! terminal, with `anyhow` for context and indicatif for progress.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use blameless::asr::{self, AudioCtx};
use blameless::cli::{self, Cli, Command, EvalCommand, ListFormat, ModelsCommand, QuantArg};
use blameless::config::Paths;
use blameless::models::{self, WeightType};
use blameless::transcript::{self, Transcript};
use blameless::{audio, eval};
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
            cli::AudioCtxArg::Full => AudioCtx::Full,
            cli::AudioCtxArg::Fit => AudioCtx::Fit,
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
