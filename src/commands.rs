//! Command implementations: the edge where library results meet the
//! terminal, with `anyhow` for context and indicatif for progress.

mod analysis;
mod feedback;
mod report;
mod serve;
mod speakers;
mod tagging;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use blameless::asr::{self, AudioCtx};
use blameless::cli::{self, Cli, Command, EvalCommand, ListFormat, ModelsCommand, QuantArg};
use blameless::config::Paths;
use blameless::events::Event;
use blameless::models::{self, Package, WeightType};
use blameless::pipeline::{self, Pace, SourceSpec};
use blameless::store::Store;
use blameless::transcript::{self, Transcript};
use blameless::{audio, encoder, eval, import, search, vad};
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
            names,
            context,
        }) => tagging::eval_tags(&paths, &file, format, errors, names, context),
        Command::Train(cli::TrainCommand::Features {
            data,
            mpnet,
            mpnet_adapters,
        }) => tagging::train_features(&paths, &ui, &data, mpnet, mpnet_adapters.as_deref()),
        Command::Eval(EvalCommand::Actions {
            file,
            format,
            errors,
            items,
            against,
        }) => analysis::eval_actions(&file, format, errors, items, against.as_deref()),
        Command::Eval(EvalCommand::Speakers {
            hypothesis,
            reference,
            collar,
            format,
        }) => speakers::eval(&paths, &hypothesis, &reference, collar, format),
        Command::Eval(EvalCommand::Feedback { format }) => feedback::eval(&paths, format),
        Command::Speakers(command) => speakers::run(&paths, command),
        Command::Analyze(args) => analysis::analyze(&paths, args),
        Command::Actions {
            meeting,
            format,
            facilitator,
        } => analysis::actions(&paths, &meeting, format, facilitator.as_deref()),
        Command::Record(args) => {
            let (sources, live_args) = record_sources(&args.device, &args.live)?;
            live(&paths, &ui, sources, args.title, &live_args)
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
            // With a speaker map, each channel of a multi-channel file is
            // a source of its own (a microphone per person).
            let n_channels = match &args.live.speaker_map {
                Some(_) => audio::probe(&args.file)?.n_channels,
                None => 1,
            };
            let sources = if n_channels > 1 {
                (0..n_channels)
                    .map(|channel| SourceSpec::Channel {
                        path: args.file.clone(),
                        channel,
                        pace,
                    })
                    .collect()
            } else {
                vec![SourceSpec::File {
                    path: args.file,
                    pace,
                }]
            };
            live(&paths, &ui, sources, title, &args.live)
        }
        Command::Devices { format } => devices(format),
        Command::Meetings(cli::MeetingsCommand::List { format }) => meetings_list(&paths, format),
        Command::Meetings(cli::MeetingsCommand::Show { id, format }) => {
            meetings_show(&paths, &id, format)
        }
        Command::Meetings(cli::MeetingsCommand::Delete { id, yes }) => {
            meetings_delete(&paths, &id, yes)
        }
        Command::Recover { format } => recover(&paths, format),
        Command::Search(args) => search(&paths, &ui, &args),
        Command::Reindex { format } => reindex(&paths, format),
        Command::Import(args) => import(&paths, &ui, &args),
        Command::Export(args) => export(&paths, &ui, &args),
        Command::Report(args) => report::report(&paths, &ui, &args),
        Command::Serve(args) => serve::run(&paths, args),
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

/// Whisper settings from the command line; without `--threads`, the cores
/// other processes leave idle (see [`asr::threads`]).
fn asr_options(args: &cli::AsrArgs) -> asr::Options {
    asr::Options {
        threads: args.threads.unwrap_or_else(asr::threads::idle_threads),
        language: (args.language != "auto").then(|| args.language.clone()),
        audio_ctx: match args.audio_ctx {
            Some(cli::AudioCtxArg::Full) => AudioCtx::Full,
            Some(cli::AudioCtxArg::Fit) | None => AudioCtx::Fit,
        },
        vocabulary: args.vocabulary.clone().unwrap_or_default(),
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
        ModelsCommand::Fetch { name, .. }
            if name == encoder::MINILM.name || name == encoder::MPNET.name =>
        {
            let model = if name == encoder::MPNET.name {
                &encoder::MPNET
            } else {
                &encoder::MINILM
            };
            let mut step = |message: &str| ui.note(message);
            let path = encoder::fetch_model(&paths.models, model, &mut step)
                .with_context(|| format!("cannot fetch the sentence encoder {name}"))?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Fetch { name, .. } if name == blameless::speakers::MODEL_NAME => {
            let mut step = |message: &str| ui.note(message);
            let path = blameless::speakers::fetch_model(&paths.models, &mut step)
                .context("cannot fetch the speaker model")?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Fetch { name, .. } if name == blameless::speakers::CHANGE_MODEL_NAME => {
            let mut step = |message: &str| ui.note(message);
            let path = blameless::speakers::fetch_change_model(&paths.models, &mut step)
                .context("cannot fetch the speaker change model")?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Fetch { name, quant } => {
            let (base, suffix) = models::split_weight_suffix(&name);
            let quant = quant.map(weight_type);
            if let Some(asked) = quant.filter(|q| base != name && *q != suffix) {
                anyhow::bail!(
                    "{name} names the {} weights but --quant asks for {}; give one of them",
                    suffix.name(),
                    asked.name()
                );
            }
            let mut step = |message: &str| ui.note(message);
            let path = models::fetch(base, quant.unwrap_or(suffix), &paths.models, &mut step)
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
    let catalog = models::catalog::catalog();
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let value = serde_json::json!({
                "models_dir": paths.models,
                "installed": installed.iter().map(|m| serde_json::json!({
                    "name": m.name, "path": m.path, "bytes": m.n_bytes,
                    "model": m.model, "weights": m.weight_type,
                })).collect::<Vec<_>>(),
                "available": catalog.whisper.iter().map(|e| serde_json::json!({
                    "name": e.name, "description": e.description, "licence": e.licence,
                    "packages": e.packages.iter().map(Package::spec).collect::<Vec<_>>(),
                    "weights": e.outputs.iter().map(|o| o.weight_type.name()).collect::<Vec<_>>(),
                })).chain(catalog.model.iter().map(|e| serde_json::json!({
                    "name": e.name, "description": e.description, "licence": e.licence,
                    "packages": [e.package.spec()],
                }))).chain(catalog.split_zip.iter().map(|e| serde_json::json!({
                    "name": e.name, "description": e.description, "licence": e.licence,
                    "packages": e.packages().map(Package::spec).collect::<Vec<_>>(),
                }))).collect::<Vec<_>>(),
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
            let whisper = catalog.whisper.iter().map(|e| {
                let packages: Vec<String> = e.packages.iter().map(Package::spec).collect();
                (&e.name, &e.description, &e.licence, packages.join(" + "))
            });
            let single = catalog
                .model
                .iter()
                .map(|e| (&e.name, &e.description, &e.licence, e.package.spec()));
            let split = catalog.split_zip.iter().map(|e| {
                let packages: Vec<String> = e.packages().map(Package::spec).collect();
                (&e.name, &e.description, &e.licence, packages.join(" + "))
            });
            for (name, description, licence, packages) in whisper.chain(single).chain(split) {
                writeln!(out, "  {name:<16} {description} ({licence}) [{packages}]")?;
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

/// The sources of `record`: one per device, or, for a single device and a
/// `--speaker-map` naming its channels (more than one, or one other than
/// 0), one per named channel (a microphone per person on one recorder or
/// interface; opening the device adds the channels the map leaves out). The
/// map is then rewritten to name those sources.
fn record_sources(
    devices: &[String],
    args: &cli::LiveArgs,
) -> Result<(Vec<SourceSpec>, cli::LiveArgs)> {
    let pairs = args
        .speaker_map
        .as_ref()
        .map_or(&[][..], |m| m.0.as_slice());
    let channels: Vec<usize> = pairs
        .iter()
        .filter_map(|(key, _)| key.parse().ok())
        .collect();
    let names_channels = channels.iter().any(|c| *c > 0);
    if devices.len() > 1 {
        if let Some(key) = channels.iter().find(|c| **c >= devices.len()) {
            anyhow::bail!(
                "--speaker-map: no source {key}; with several --device the map's numbers are the devices (0 to {}); a source per channel is supported for a single multi-channel --device only",
                devices.len() - 1
            );
        }
        let sources = devices
            .iter()
            .map(|d| SourceSpec::Device {
                name: Some(d.clone()),
            })
            .collect();
        return Ok((sources, args.clone()));
    }
    let name = devices.first().cloned();
    if !names_channels {
        return Ok((vec![SourceSpec::Device { name }], args.clone()));
    }
    let mut split: Vec<usize> = channels.clone();
    split.sort_unstable();
    split.dedup();
    let sources: Vec<SourceSpec> = split
        .iter()
        .map(|&channel| SourceSpec::DeviceChannel {
            name: name.clone(),
            channel,
        })
        .collect();
    // Keys become the channels' source names, so "1=Marcus" stays with
    // channel 1 whatever its source index.
    let mut live_args = args.clone();
    live_args.speaker_map = Some(cli::SpeakerMap(
        pairs
            .iter()
            .map(|(key, person)| {
                let key = match key.parse::<usize>() {
                    Ok(channel) => SourceSpec::DeviceChannel {
                        name: name.clone(),
                        channel,
                    }
                    .name(),
                    Err(_) => key.clone(),
                };
                (key, person.clone())
            })
            .collect(),
    ));
    Ok((sources, live_args))
}

/// Exit code of `record`/`replay` when the meeting is stored but was
/// interrupted (a device was lost, a second Ctrl-C abandoned transcription).
const EXIT_INTERRUPTED: u8 = 3;
/// Exit code when the meeting was recorded to its end but some turns could
/// not be transcribed (they are stored with their audio, marked untranscribed).
const EXIT_UNTRANSCRIBED: u8 = 4;

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
    // Without --threads, `asr_options` gives the cores other processes
    // leave idle, and the pipeline chooses again between decodes
    // (`threads_follow_load` below): ggml's spinning thread pool slows down
    // badly when it has to share a core with another process. The
    // pipeline's own stages take little and in bursts; the decodes are what
    // the turn waits for.
    let options = asr_options(&args.asr);
    // A language the model cannot decode would fail every turn of the
    // meeting: refuse it before anything is recorded.
    let multilingual = models::ggml::read_header(&model_path)?.is_multilingual();
    asr::decode_language(options.language.as_deref(), multilingual).with_context(|| {
        format!(
            "--model {} --language {}",
            args.asr.model, args.asr.language
        )
    })?;
    let sources_names: Vec<String> = sources.iter().map(SourceSpec::name).collect();
    let config = pipeline::Config {
        sources,
        title,
        model_path,
        model_name: args.asr.model.clone(),
        vad_model_path,
        asr: options,
        threads_follow_load: args.asr.threads.is_none(),
        segmenter,
        partial_interval_s: args.partial_every,
        status_interval_s: args.status_every,
        nudges: analysis::nudge_config(&args.nudges)?,
        facilitator: args.nudges.facilitator.clone(),
        store_audio: !args.no_audio,
        speaker_map: speakers::speaker_map(
            &sources_names,
            args.speaker_map.as_ref().map(|m| m.0.as_slice()),
        )?,
        speakers: if args.no_speakers {
            None
        } else {
            match speakers::load_embedder(paths) {
                Ok(embedder) => Some(pipeline::Speakers {
                    embedder,
                    clusterer: speakers::clusterer(paths, &args.speakers),
                    change: speakers::load_change_model(paths, &args.speakers, &mut |m| ui.note(m)),
                    change_config: blameless::speakers::ChangeConfig::default(),
                }),
                Err(e) => {
                    ui.note(&format!(
                        "blameless: warning: speaker attribution is off: {e:#}"
                    ));
                    None
                }
            }
        },
        encoder: analysis::coach_encoder(paths, args.nudges.rules_only)?,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // The terminal UI unless a format was asked for or stdout is not a terminal.
    let terminal_ui = args.format.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(cli::EventFormat::Text);
    let quiet = ui.quiet;
    let summary = runtime.block_on(async {
        let (stops, stop_requests) = tokio::sync::mpsc::channel(4);
        // Nothing may print over the terminal UI.
        tokio::spawn(forward_stop_signals(stops.clone(), quiet || terminal_ui));
        if terminal_ui {
            let screen = blameless::ui::terminal::TerminalUi::start(store.clone(), stops)
                .context("cannot start the terminal UI; use --format text")?;
            let result = pipeline::run(config, &store, stop_requests, |event| screen.emit(event)).await;
            // The terminal is given back before any message is printed.
            let closed = screen.finish();
            let summary = result?;
            if let Err(error) = closed {
                eprintln!("blameless: warning: the terminal UI failed ({error}); the meeting was still recorded");
            }
            return anyhow::Ok(summary);
        }
        let mut out = std::io::stdout().lock();
        Ok(pipeline::run(config, &store, stop_requests, |event| {
            write_event(&mut out, event, format, quiet)
        })
        .await?)
    })?;
    if let Some(error) = &summary.output_error {
        // A reader that went away (`| head`, a closed UI) is not a problem.
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!(
                "blameless: warning: printing stopped ({error}); the meeting was still recorded"
            );
        }
    }
    let dir = store.meetings_dir().join(summary.meeting.id.as_str());
    ui.note(&format!(
        "meeting {} stored: {} turns in {} ({} cut where the speaker changes, {} echoes of another source dropped, {} trimmed to the words said under them)",
        summary.meeting.id.as_str(),
        summary.n_turns,
        dir.display(),
        summary.n_speaker_changes,
        summary.n_echoes,
        summary.n_echoes_trimmed,
    ));
    if let Some(reason) = &summary.meeting.interruption {
        eprintln!(
            "blameless: meeting {} is interrupted: {reason}",
            summary.meeting.id.as_str()
        );
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    if summary.n_untranscribed > 0 {
        eprintln!(
            "blameless: {} turns of meeting {} could not be transcribed; their audio is stored",
            summary.n_untranscribed,
            summary.meeting.id.as_str()
        );
        return Ok(ExitCode::from(EXIT_UNTRANSCRIBED));
    }
    Ok(ExitCode::SUCCESS)
}

/// Sends one stop request per Ctrl-C or SIGTERM: the first stops the
/// meeting and lets what was heard be transcribed, the second stops now.
async fn forward_stop_signals(stops: tokio::sync::mpsc::Sender<()>, quiet: bool) {
    let mut signals = match StopSignals::new() {
        Ok(signals) => signals,
        Err(error) => {
            // The default handlers stay: Ctrl-C ends the process, and
            // `blameless recover` repairs the meeting.
            eprintln!("blameless: warning: cannot handle Ctrl-C ({error}); stop with `kill -INT` and run `blameless recover`");
            return;
        }
    };
    for n in 1.. {
        signals.next().await;
        if n == 1 && !quiet {
            eprintln!("blameless: stopping after what was heard is transcribed; press Ctrl-C again to stop now");
        }
        if stops.send(()).await.is_err() {
            return;
        }
    }
}

/// Ctrl-C and SIGTERM, registered once so none is missed between two.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn new() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
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
            Event::SpeakerUpdate {
                turn_id, speaker, ..
            } => {
                writeln!(out, "   (turn {turn_id} was {speaker})")?;
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
                        "status": m.status.map(|s| s.to_string()), "interruption": m.interruption,
                        "problem": m.problem,
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
                        .or(m.interruption.as_ref())
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
            let value = serde_json::json!({
                "meeting": meeting.info,
                "turns": meeting.turns,
                "feedback": meeting.feedback,
            });
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
                "started {started}, model {}, status {}{}",
                info.model,
                info.status,
                info.interruption
                    .as_ref()
                    .map_or(String::new(), |r| format!(" ({r})"))
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
                let text = match &turn.untranscribed {
                    Some(reason) => format!("[untranscribed: {reason}]"),
                    None => turn.text.clone(),
                };
                writeln!(
                    out,
                    "[{}] {}: {text}",
                    mm_ss(turn.start),
                    turn.speaker.as_deref().unwrap_or(&turn.source),
                )?;
                for f in meeting
                    .feedback
                    .iter()
                    .filter(|f| f.turn_id == Some(turn.id))
                {
                    writeln!(out, "        ^ marked: {}", f.describe())?;
                }
            }
            let unattached: Vec<_> = meeting
                .feedback
                .iter()
                .filter(|f| f.turn_id.is_none() && f.kind != blameless::store::FeedbackKind::Opened)
                .collect();
            if !unattached.is_empty() {
                writeln!(out)?;
                for f in unattached {
                    writeln!(out, "[{}] facilitator: {}", mm_ss(f.at), f.describe())?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How long `reindex` and `meetings delete` wait for another process's
/// hold on the index (a `search` catching up) before saying it is busy.
const INDEX_LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

fn meetings_delete(paths: &Paths, id: &str, yes: bool) -> Result<ExitCode> {
    let store = Store::open(&paths.home)?;
    let id = store.resolve(id)?;
    let meeting = store.load(id.as_str()).ok();
    if !yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "not deleting {}: there is no terminal to ask on; pass --yes to delete it",
                id.as_str()
            );
        }
        let what = meeting.as_ref().map_or(String::new(), |m| {
            format!(" ({:?}, {} turns)", m.info.title, m.turns.len())
        });
        eprint!(
            "Delete meeting {}{what} with its recordings, for good? [y/N] ",
            id.as_str()
        );
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            eprintln!("nothing deleted");
            return Ok(ExitCode::FAILURE);
        }
    }
    // The index lock first: if a live meeting or a reindex holds it, nothing
    // is deleted (the turns would stay searchable until the next rebuild).
    let lock = search::lock_waiting(&paths.home, INDEX_LOCK_PATIENCE).with_context(|| {
        format!(
            "not deleting {}: the search index is being written; try again when that ends",
            id.as_str()
        )
    })?;
    store.delete(&id)?;
    // Rebuilt rather than the turns marked deleted: tantivy keeps deleted
    // documents' text in its files until segments merge.
    search::rebuild(&store, &lock).with_context(|| {
        format!(
            "{} was deleted, but the search index could not be rebuilt; run `blameless reindex`",
            id.as_str()
        )
    })?;
    println!("deleted {}", id.as_str());
    Ok(ExitCode::SUCCESS)
}

fn recover(paths: &Paths, format: ListFormat) -> Result<ExitCode> {
    use blameless::store::RecoveryOutcome;
    let store = Store::open(&paths.home)?;
    let reports = store.recover()?;
    // Data from before blameless made everything owner-only. A failure
    // here is reported with the meetings' outcome, not instead of it.
    let mut n_tightened = 0;
    let mut failed = false;
    for root in [&paths.home, &paths.models] {
        match blameless::store::private::tighten(root) {
            Ok(n) => n_tightened += n,
            Err(error) => {
                failed = true;
                eprintln!(
                    "blameless: error: cannot make {} owner-only: {error}; check its permissions (chmod -R go-rwx)",
                    root.display()
                );
            }
        }
    }
    if n_tightened > 0 {
        eprintln!("recover: {n_tightened} files and directories made owner-only (0600/0700)");
    }
    failed |= reports
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
                            RecoveryOutcome::Removed { .. } => "removed".to_string(),
                        },
                        "problem": match &r.outcome {
                            RecoveryOutcome::Failed { problem } | RecoveryOutcome::Removed { reason: problem } => Some(problem.clone()),
                            _ => None,
                        },
                        "sources": r.sources.iter().map(|s| serde_json::json!({
                            "name": s.name, "file": s.file, "audio_bytes": s.audio_bytes, "seconds": s.seconds,
                            "header_fixed": s.header_fixed, "trimmed_bytes": s.trimmed_bytes, "recreated": s.recreated,
                        })).collect::<Vec<_>>(),
                        "turns_kept": r.turns_kept,
                        "torn_line_bytes": r.torn_line_bytes,
                        "torn_feedback_bytes": r.torn_feedback_bytes,
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
                    RecoveryOutcome::Removed { reason } => format!("removed: {reason}"),
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

/// The store's feedback kinds a `--marked` list means (any: every mark).
fn marked_kinds(marked: &[cli::MarkArg]) -> Vec<blameless::store::FeedbackKind> {
    use blameless::store::FeedbackKind;
    let mut kinds = Vec::new();
    for mark in marked {
        let more: &[FeedbackKind] = match mark {
            cli::MarkArg::Any => &FeedbackKind::MARKS,
            cli::MarkArg::Dismissed => &[FeedbackKind::Dismissed],
            cli::MarkArg::Used => &[FeedbackKind::Used],
            cli::MarkArg::ActionItem => &[FeedbackKind::ActionItem],
            cli::MarkArg::KeyMoment => &[FeedbackKind::KeyMoment],
        };
        for kind in more {
            if !kinds.contains(kind) {
                kinds.push(*kind);
            }
        }
    }
    kinds
}

/// Brings the index up to date where this process may, saying so on stderr.
///
/// An index that cannot be brought up to date (the disk is full, the
/// directory is read-only) is searched as it is, and stderr says it is
/// stale, even with `--quiet`: results must not look complete when they
/// may not be. An index of another version cannot be read, so that stays
/// an error.
fn ensure_index(store: &Store, ui: &Ui) -> Result<()> {
    let ensured = match search::ensure_current(store) {
        Ok(ensured) => ensured,
        Err(error @ search::SearchError::Outdated { .. }) => return Err(error.into()),
        Err(error) => {
            eprintln!(
                "blameless: warning: the search index is stale (it could not be brought up to date: {error}); results may miss recent turns"
            );
            return Ok(());
        }
    };
    match ensured {
        search::Ensured::AsIs => {}
        search::Ensured::CaughtUp { n_meetings } => ui.note(&format!(
            "search index: indexed {n_meetings} changed meetings"
        )),
        search::Ensured::Rebuilt { was, summary } => ui.note(&format!(
            "search index: {}; built {} turns of {} meetings",
            match was {
                search::Freshness::Missing => "none yet".to_string(),
                search::Freshness::Outdated { found } => format!("version {found} replaced"),
                search::Freshness::Current => "rebuilt".to_string(),
            },
            summary.n_turns,
            summary.n_meetings
        )),
    }
    Ok(())
}

fn search(paths: &Paths, ui: &Ui, args: &cli::SearchArgs) -> Result<ExitCode> {
    let store = Store::open(&paths.home)?;
    ensure_index(&store, ui)?;
    let meetings = args
        .meeting
        .iter()
        .map(|m| store.resolve(m))
        .collect::<Result<Vec<_>, _>>()?;
    let filters = search::Filters {
        speakers: args.speaker.clone(),
        tags: args.tag.clone(),
        meetings,
        since: args.since.map(cli::DateArg::start),
        until: args.until.map(cli::DateArg::end_exclusive),
        action_items: args.action_items,
        marked: marked_kinds(&args.marked),
    };
    let index = search::SearchIndex::open(&paths.home)?;
    let mut out = std::io::stdout().lock();
    if let Some(by) = args.count_by {
        let by = match by {
            cli::CountByArg::Tag => search::CountBy::Tag,
            cli::CountByArg::Speaker => search::CountBy::Speaker,
        };
        let counts = match &index {
            Some(index) => index.count(&args.query, &filters, by, args.limit)?,
            None => search::CountResults {
                by,
                meetings: Vec::new(),
                n_meetings: 0,
                totals: Default::default(),
                total: 0,
            },
        };
        write_counts(&mut out, &counts, args.format)?;
        return Ok(ExitCode::SUCCESS);
    }
    let results = match &index {
        Some(index) => index.search(&args.query, &filters, args.limit)?,
        None => search::SearchResults::default(),
    };
    match args.format {
        ListFormat::Json => {
            let hits: Vec<serde_json::Value> = results
                .hits
                .iter()
                .map(|h| {
                    serde_json::json!({
                        "meeting_id": h.meeting_id, "title": h.title, "date": rfc3339(h.date),
                        "speaker": h.speaker, "start": h.start, "end": h.end, "text": h.text,
                        "snippet": h.snippet.render("**", "**"), "tags": h.tags, "marks": h.marks,
                        "score": h.score,
                    })
                })
                .collect();
            let value = serde_json::json!({ "hits": hits, "total": results.total });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ListFormat::Text => {
            let (open, close) = if std::io::stdout().is_terminal() {
                ("\x1b[1m", "\x1b[0m")
            } else {
                ("**", "**")
            };
            if results.total == 0 {
                writeln!(out, "no matches")?;
            }
            for hit in &results.hits {
                writeln!(
                    out,
                    "  [{}] {} — {} ({})",
                    mm_ss(hit.start),
                    hit.speaker,
                    hit.title,
                    day(hit.date)
                )?;
                let mut tags = if hit.tags.is_empty() {
                    String::new()
                } else {
                    format!("   [{}]", hit.tags.join(", "))
                };
                if !hit.marks.is_empty() {
                    tags.push_str(&format!("   [marked: {}]", hit.marks.join(", ")));
                }
                writeln!(out, "    {}{tags}", hit.snippet.render(open, close))?;
            }
            if results.total > results.hits.len() {
                writeln!(
                    out,
                    "{} of {} matching turns; --limit shows more",
                    results.hits.len(),
                    results.total
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn write_counts(
    out: &mut impl Write,
    counts: &search::CountResults,
    format: ListFormat,
) -> Result<()> {
    let by = match counts.by {
        search::CountBy::Tag => "tag",
        search::CountBy::Speaker => "speaker",
    };
    match format {
        ListFormat::Json => {
            let meetings: Vec<serde_json::Value> = counts
                .meetings
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "meeting_id": m.meeting_id, "title": m.title, "date": rfc3339(m.date),
                        "turns": m.n_turns, "counts": m.counts,
                    })
                })
                .collect();
            let value = serde_json::json!({
                "count_by": by, "meetings": meetings, "n_meetings": counts.n_meetings,
                "totals": counts.totals, "total": counts.total,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ListFormat::Text => {
            if counts.total == 0 {
                writeln!(out, "no matches")?;
                return Ok(());
            }
            for m in &counts.meetings {
                let per: Vec<String> = m.counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
                writeln!(
                    out,
                    "{}  {} ({})  {} turns{}{}",
                    m.meeting_id,
                    m.title,
                    day(m.date),
                    m.n_turns,
                    if per.is_empty() { "" } else { ": " },
                    per.join(", ")
                )?;
            }
            let totals: Vec<String> = counts
                .totals
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            writeln!(
                out,
                "total: {} turns in {} meetings{}{}",
                counts.total,
                counts.n_meetings,
                if totals.is_empty() {
                    format!(", no {by}s")
                } else {
                    ": ".to_string()
                },
                totals.join(", ")
            )?;
        }
    }
    Ok(())
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn day(t: time::OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn reindex(paths: &Paths, format: ListFormat) -> Result<ExitCode> {
    let store = Store::open(&paths.home)?;
    let lock = search::lock_waiting(&paths.home, INDEX_LOCK_PATIENCE)
        .context("cannot rebuild the search index")?;
    let summary = search::rebuild(&store, &lock)?;
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let value = serde_json::json!({
                "meetings": summary.n_meetings, "turns": summary.n_turns,
                "index_s": summary.index_s, "merge_s": summary.merge_s, "bytes": summary.n_bytes,
                "skipped": summary.skipped.iter().map(|(id, why)| serde_json::json!({"id": id, "problem": why})).collect::<Vec<_>>(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ListFormat::Text => {
            for (id, why) in &summary.skipped {
                writeln!(out, "skipped {id}: {why}")?;
            }
            writeln!(
                out,
                "indexed {} turns of {} meetings in {:.2} s ({:.1} MB) into {}",
                summary.n_turns,
                summary.n_meetings,
                summary.index_s + summary.merge_s,
                summary.n_bytes as f64 / 1e6,
                search::index_dir(&paths.home).display()
            )?;
        }
    }
    Ok(if summary.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn import(paths: &Paths, ui: &Ui, args: &cli::ImportArgs) -> Result<ExitCode> {
    let store = Store::open(&paths.home)?;
    let options = import::ImportOptions {
        format: args.format.map(|f| match f {
            cli::ImportFormatArg::Vtt => import::ImportFormat::Vtt,
            cli::ImportFormatArg::Srt => import::ImportFormat::Srt,
            cli::ImportFormatArg::Jsonl => import::ImportFormat::Jsonl,
            cli::ImportFormatArg::Audio => import::ImportFormat::Audio,
        }),
        title: args.title.clone(),
        started_at: args.date.map(cli::DateArg::start),
        facilitator: args.facilitator.clone(),
        model: args.asr.model.clone(),
    };
    let label = args.file.display().to_string();
    // The model loads only for audio, after the file decoded.
    let mut transcribe = |audio: &audio::Audio| -> blameless::Result<Vec<transcript::Segment>> {
        let mut model = asr::Model::load(&models::resolve(&args.asr.model, &paths.models)?)?;
        transcribe_audio(&mut model, audio, &asr_options(&args.asr), ui, &label).map_err(|e| {
            blameless::Error::Io {
                path: args.file.clone(),
                error: std::io::Error::other(format!("{e:#}")),
            }
        })
    };
    // Imported turns are tagged, with action items and nudges, exactly as a
    // recorded meeting's are; tags a JSONL file already carries are kept.
    let encoder = analysis::coach_encoder(paths, args.rules_only)?;
    let annotate = |turns: &mut [blameless::store::TurnRecord]| {
        let mut coach = analysis::new_coach(
            Some(blameless::nudges::NudgeConfig::default()),
            args.facilitator.as_deref(),
            encoder.clone(),
        );
        for turn in turns {
            let given = turn.extra.get("tags").cloned();
            coach.annotate(turn);
            if let Some(tags) = given {
                turn.extra.insert("tags".into(), tags);
            }
        }
    };
    let info = import::import_file(&store, &args.file, &options, &mut transcribe, &annotate)
        .with_context(|| format!("cannot import {label}"))?;
    let meeting = store.load(info.id.as_str())?;
    ensure_index(&store, ui)?;
    println!(
        "imported {} as meeting {}: {} turns, {} speakers",
        label,
        info.id.as_str(),
        meeting.turns.len(),
        {
            let mut speakers: Vec<&str> = meeting
                .turns
                .iter()
                .filter_map(|t| t.speaker.as_deref())
                .collect();
            speakers.sort_unstable();
            speakers.dedup();
            speakers.len()
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn export(paths: &Paths, ui: &Ui, args: &cli::ExportArgs) -> Result<ExitCode> {
    let cli::ExportFormat::Ndjson = args.format;
    let store = Store::open(&paths.home)?;
    let summary = match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            search::export_ndjson(&store, &mut out, path)?
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match search::export_ndjson(&store, &mut out, Path::new("stdout")) {
                Ok(summary) => summary,
                // `blameless export | head` is not a failure.
                Err(search::SearchError::Io { error, .. })
                    if error.kind() == std::io::ErrorKind::BrokenPipe =>
                {
                    return Ok(ExitCode::SUCCESS)
                }
                Err(other) => return Err(other.into()),
            }
        }
    };
    for (id, why) in &summary.skipped {
        eprintln!("blameless: warning: skipped {id}: {why}");
    }
    ui.note(&format!(
        "exported {} turns of {} meetings",
        summary.n_turns, summary.n_meetings
    ));
    Ok(if summary.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
