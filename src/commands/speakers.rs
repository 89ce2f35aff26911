//! `blameless speakers ...` and `blameless eval speakers`: voice profiles,
//! attribution of a file, renames and the diarization error rate.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use blameless::cli::{DiarizeFormat, ListFormat, SpeakerArgs, SpeakersCommand};
use blameless::config::Paths;
use blameless::speakers::{self, der, profiles, Clusterer, ClustererConfig, Embedder};
use blameless::store::Store;
use blameless::{audio, vad};

/// Shortest enrollment audio that makes a usable profile, in seconds.
const MIN_ENROLL_S: f64 = 2.0;

/// Runs one `speakers` subcommand.
pub fn run(paths: &Paths, command: SpeakersCommand) -> Result<ExitCode> {
    match command {
        SpeakersCommand::Enroll { name, files } => enroll(paths, &name, &files),
        SpeakersCommand::List { format } => list(paths, format),
        SpeakersCommand::Forget { name } => {
            profiles::forget(&paths.home, &name)?;
            println!("forgot {name}");
            Ok(ExitCode::SUCCESS)
        }
        SpeakersCommand::Rename {
            meeting,
            from,
            to,
            facilitator,
            rules_only,
        } => {
            let store = Store::open(&paths.home)?;
            let id = store.resolve(&meeting)?;
            let encoder = super::analysis::coach_encoder(paths, rules_only)?;
            let n = store.rename_speaker(&id, &from, &to)?;
            if n == 0 {
                anyhow::bail!(
                    "no turn of meeting {} is by {from}; run `blameless meetings show {}` to see the speakers",
                    id.as_str(),
                    id.as_str()
                );
            }
            super::analysis::retag_speaker(&store, &id, &to, facilitator.as_deref(), encoder)?;
            super::analysis::refresh_actions(&store, &id)?;
            println!("{n} turns of {} are now by {to}", id.as_str());
            Ok(ExitCode::SUCCESS)
        }
        SpeakersCommand::Diarize {
            file,
            format,
            per_utterance,
            speakers,
        } => diarize(paths, &file, format, per_utterance, &speakers),
    }
}

/// Turns `--speaker-map` pairs into a fixed speaker per source index; a key
/// is a source index or a source name.
pub fn speaker_map(
    sources: &[String],
    pairs: Option<&[(String, String)]>,
) -> Result<Vec<Option<String>>> {
    let mut map = vec![None; sources.len()];
    for (key, name) in pairs.unwrap_or_default() {
        let index = key
            .parse::<usize>()
            .ok()
            .filter(|i| *i < sources.len())
            .or_else(|| sources.iter().position(|s| s == key))
            .with_context(|| {
                format!(
                    "--speaker-map: no source {key:?}; the sources are {}",
                    sources
                        .iter()
                        .enumerate()
                        .map(|(i, s)| format!("{i}={s}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        map[index] = Some(name.clone());
    }
    Ok(map)
}

/// Loads the embedder from the model directory.
pub fn load_embedder(paths: &Paths) -> Result<Embedder> {
    let path = speakers::model_path(&paths.models)?;
    Ok(Embedder::load(&path)?)
}

/// The speaker change model unless `--no-speaker-changes` turned it off;
/// when it is not installed, `warn` says so and utterances keep one speaker.
pub fn load_change_model(
    paths: &Paths,
    args: &SpeakerArgs,
    warn: &mut dyn FnMut(&str),
) -> Option<speakers::ChangeModel> {
    if args.no_speaker_changes {
        return None;
    }
    match speakers::change_model_path(&paths.models)
        .and_then(|path| speakers::ChangeModel::load(&path))
    {
        Ok(model) => Some(model),
        Err(e) => {
            warn(&format!(
                "blameless: warning: speaker changes inside an utterance are not found: {e}"
            ));
            None
        }
    }
}

/// A clusterer with the enrolled profiles and the flags' settings.
pub fn clusterer(paths: &Paths, args: &SpeakerArgs) -> Clusterer {
    let mut config = ClustererConfig::default();
    if let Some(t) = args.speaker_threshold {
        config.threshold = t;
    }
    let enrolled = profiles::list(&paths.home)
        .into_iter()
        .map(|p| (p.name, p.embedding))
        .collect();
    let participants = args
        .participants
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    Clusterer::new(config, enrolled, participants)
}

fn enroll(paths: &Paths, name: &str, files: &[std::path::PathBuf]) -> Result<ExitCode> {
    let embedder = load_embedder(paths)?;
    let mut sum = vec![0f32; speakers::EMBEDDING_DIM];
    let mut audio_s = 0.0;
    for file in files {
        let audio = audio::read_file(file)?;
        let seconds = audio.duration_s();
        if seconds < MIN_ENROLL_S {
            anyhow::bail!(
                "{} holds only {seconds:.1} s of audio; enroll with {MIN_ENROLL_S} s or more of {name} speaking alone",
                file.display()
            );
        }
        audio_s += seconds;
        let e = embedder.embed(&audio.mono);
        sum.iter_mut().zip(&e.embedding).for_each(|(s, x)| *s += x);
    }
    speakers::embed::normalise(&mut sum);
    let profile = profiles::Profile {
        name: name.trim().to_string(),
        embedding: sum,
        audio_s,
        files: files
            .iter()
            .map(|f| {
                f.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            })
            .collect(),
    };
    let path = profiles::save(&paths.home, &profile)?;
    println!(
        "enrolled {} from {audio_s:.1} s of audio ({})",
        profile.name,
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn list(paths: &Paths, format: ListFormat) -> Result<ExitCode> {
    let all = profiles::list(&paths.home);
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let items: Vec<_> = all
                .iter()
                .map(
                    |p| serde_json::json!({"name": p.name, "audio_s": p.audio_s, "files": p.files}),
                )
                .collect();
            writeln!(out, "{}", serde_json::Value::Array(items))?;
        }
        ListFormat::Text => {
            if all.is_empty() {
                writeln!(
                    out,
                    "no enrolled speakers; run `blameless speakers enroll NAME FILE`"
                )?;
            }
            for p in &all {
                writeln!(
                    out,
                    "{:<20} {:>6.1} s  {}",
                    p.name,
                    p.audio_s,
                    p.files.join(", ")
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn diarize(
    paths: &Paths,
    file: &Path,
    format: DiarizeFormat,
    per_utterance: bool,
    args: &SpeakerArgs,
) -> Result<ExitCode> {
    let embedder = load_embedder(paths)?;
    let change = load_change_model(paths, args, &mut |m| eprintln!("{m}"));
    let change_config = speakers::ChangeConfig::default();
    let mut vad = vad::Vad::load(&vad::model_path(&paths.models)?)?;
    let audio = audio::read_file(file)?;
    let mut clusterer = clusterer(paths, args);
    let result = speakers::diarize(
        &audio.mono,
        &mut vad,
        &vad::SegmenterConfig::default(),
        &embedder,
        change.as_ref().map(|m| (m, &change_config)),
        &mut clusterer,
    )?;
    let mut out = std::io::stdout().lock();
    let stem = file
        .file_stem()
        .map_or_else(|| "audio".into(), |s| s.to_string_lossy().into_owned());
    // (start, end, label, id, confidence) per output line.
    let lines: Vec<(f64, f64, String, String, f32)> = if per_utterance {
        result
            .turns
            .iter()
            .map(|t| {
                let a = &t.assignment;
                (
                    t.start,
                    t.end,
                    a.label(),
                    a.speaker.to_string(),
                    a.confidence,
                )
            })
            .collect()
    } else {
        result
            .stretches
            .iter()
            .map(|s| {
                let label = s.name.clone().unwrap_or_else(|| s.speaker.to_string());
                (s.start, s.end, label, s.speaker.to_string(), 1.0)
            })
            .collect()
    };
    for (start, end, label, id, confidence) in lines {
        match format {
            DiarizeFormat::Jsonl => {
                let mut v = serde_json::json!({
                    "speaker": label,
                    "speaker_id": id,
                    "start": (start * 1000.0).round() / 1000.0,
                    "end": (end * 1000.0).round() / 1000.0,
                });
                if per_utterance {
                    v["speaker_confidence"] = ((confidence * 100.0).round() / 100.0).into();
                }
                writeln!(out, "{v}")?
            }
            DiarizeFormat::Rttm => writeln!(
                out,
                "SPEAKER {stem} 1 {start:.3} {:.3} <NA> <NA> {} <NA> <NA>",
                end - start,
                label.replace(char::is_whitespace, "_")
            )?,
        }
    }
    let n = result.utterances.len().max(1) as f64;
    let mut costs = result.utterance_ms.clone();
    costs.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        costs
            .get(((costs.len().max(1) - 1) as f64 * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    eprintln!(
        "{} utterances ({} cut where the speaker changes) in {:.1} s of audio; per utterance: speaker changes {:.1} ms, embeddings {:.1} ms, clustering {:.2} ms; all speaker work p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        result.utterances.len(),
        result.cuts.len(),
        audio.duration_s(),
        result.change_s * 1000.0 / n,
        result.embed_s * 1000.0 / n,
        result.cluster_s * 1000.0 / n,
        pct(0.5),
        pct(0.95),
        pct(1.0),
    );
    Ok(ExitCode::SUCCESS)
}

/// `blameless eval speakers HYPOTHESIS REFERENCE`.
pub fn eval(
    paths: &Paths,
    hypothesis: &str,
    reference: &Path,
    collar: f64,
    format: ListFormat,
) -> Result<ExitCode> {
    let reference_segments = der::read_segments(reference)?;
    let hyp_path = Path::new(hypothesis);
    let hypothesis_segments = if hyp_path.is_file() {
        der::read_segments(hyp_path)?
    } else {
        let store = Store::open(&paths.home)?;
        let meeting = store
            .load(hypothesis)
            .with_context(|| format!("{hypothesis} is neither a file nor a stored meeting"))?;
        meeting
            .turns
            .iter()
            .map(|t| der::Segment {
                speaker: t.speaker.clone().unwrap_or_else(|| "(none)".into()),
                start: t.start,
                end: t.end,
            })
            .collect()
    };
    let score = der::score(&reference_segments, &hypothesis_segments, collar);
    let mapping = der::mapping(&reference_segments, &hypothesis_segments);
    let (turns_right, turns) =
        der::turn_accuracy(&reference_segments, &hypothesis_segments, &mapping);
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => writeln!(
            out,
            "{}",
            serde_json::json!({
                "der": score.rate(),
                "missed": score.missed / score.reference.max(1e-9),
                "false_alarm": score.false_alarm / score.reference.max(1e-9),
                "confusion": score.confusion / score.reference.max(1e-9),
                "reference_s": score.reference,
                "collar_s": collar,
                "turns": turns,
                "turns_right": turns_right,
                "mapping": mapping.iter().map(|(r, h)| serde_json::json!({"reference": r, "hypothesis": h})).collect::<Vec<_>>(),
            })
        )?,
        ListFormat::Text => {
            let pct = |x: f64| 100.0 * x / score.reference.max(1e-9);
            writeln!(
                out,
                "DER {:.1} %  (missed {:.1} %, false alarm {:.1} %, confusion {:.1} %; {:.1} s of reference speech, collar {collar} s)",
                100.0 * score.rate(),
                pct(score.missed),
                pct(score.false_alarm),
                pct(score.confusion),
                score.reference
            )?;
            writeln!(
                out,
                "turns with the right speaker: {turns_right} of {turns} ({:.1} %)",
                100.0 * turns_right as f64 / turns.max(1) as f64
            )?;
            for (r, h) in &mapping {
                writeln!(out, "  {r} -> {h}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
