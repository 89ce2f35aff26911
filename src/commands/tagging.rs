//! `blameless eval tags` and `blameless train features`: the tagger's layers
//! scored side by side, and the features the head's training script reads.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use blameless::analysis::evaluate::{self, KnownNames, LabelledTurn, ReliabilityBin, TagScores};
use blameless::analysis::learned::{self, Head};
use blameless::analysis::{Tag, TurnText};
use blameless::cli::{ContextArg, ListFormat, NamesArg};
use blameless::config::Paths;
use blameless::encoder::{self, Encoder, Encoders};
use serde::Serialize;
use serde_json::json;

use super::Ui;

/// One layer's scores on a set.
#[derive(Debug, Serialize)]
struct LayerReport {
    layer: &'static str,
    #[serde(flatten)]
    scores: TagScores,
    reliability: Vec<ReliabilityBin>,
}

/// Every turn's tags from each layer, and the learned layer's time per turn.
struct Layers {
    rules: Vec<Vec<Tag>>,
    model: Vec<Vec<Tag>>,
    combined: Vec<Vec<Tag>>,
    /// Milliseconds per turn: embedding, head and clause evidence.
    learned_ms: Vec<f64>,
}

fn read_set(file: &Path) -> Result<Vec<LabelledTurn>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let turns = evaluate::parse_labelled(&text)
        .with_context(|| format!("{} is not a labelled tag set", file.display()))?;
    if turns.is_empty() {
        bail!("{} has no labelled turns", file.display());
    }
    Ok(turns)
}

fn known_names(names: NamesArg) -> KnownNames {
    match names {
        NamesArg::None => KnownNames::None,
        NamesArg::File => KnownNames::File,
    }
}

/// Runs every layer over `turns`, timing the learned layer per turn.
fn run_layers(turns: &[LabelledTurn], names: KnownNames, encoder: &Encoders) -> Layers {
    let rules = evaluate::rule_tags(turns, names);
    let stacked = Head::shipped();
    let alone = Head::shipped_embedding_only();
    let mut model = Vec::with_capacity(turns.len());
    let mut combined = Vec::with_capacity(turns.len());
    let mut learned_ms = Vec::with_capacity(turns.len());
    for (turn, rule_tags) in turns.iter().zip(&rules) {
        let view = TurnText {
            text: &turn.text,
            facilitator: evaluate::is_facilitator(turn),
            names: &[],
        };
        // Live, the previous turn's embedding is already at hand (the coach
        // keeps it), so it is computed outside the timed part here.
        let prev = turn
            .prev
            .as_ref()
            .map(|prev| encoder.minilm.embed(&prev.text));
        let started = Instant::now();
        let embeddings = encoder.embed(&turn.text, stacked.reads_mpnet_of(&view));
        combined.push(stacked.tag(
            &view,
            rule_tags,
            &embeddings.minilm,
            embeddings.mpnet.as_deref(),
            prev.as_deref(),
        ));
        learned_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        model.push(alone.tag(&view, &[], &embeddings.minilm, None, prev.as_deref()));
    }
    Layers {
        rules,
        model,
        combined,
        learned_ms,
    }
}

/// `blameless eval tags FILE`.
pub fn eval_tags(
    paths: &Paths,
    file: &Path,
    format: ListFormat,
    errors: bool,
    names: NamesArg,
    context: ContextArg,
) -> Result<ExitCode> {
    let mut turns = read_set(file)?;
    if context == ContextArg::Preceding {
        evaluate::with_preceding_context(&mut turns);
    }
    let names = known_names(names);
    // Compile the rule tables first, so the rate below is the steady one.
    blameless::analysis::tag_turn(&TurnText::default());
    let encoder = match Encoders::load(&paths.models) {
        Ok(encoder) => Some(encoder),
        Err(encoder::EncoderError::NotInstalled { name, .. }) => {
            eprintln!(
                "note: the sentence encoder {name} is not installed (`blameless models fetch {name}`): scoring the rules alone"
            );
            None
        }
        Err(e) => return Err(e.into()),
    };
    let started = Instant::now();
    let rules_only = evaluate::rule_tags(&turns, names);
    let rules_per_s = turns.len() as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let (reports, learned_ms) = match &encoder {
        None => (vec![report("rules", &turns, &rules_only)], Vec::new()),
        Some(encoder) => {
            let layers = run_layers(&turns, names, encoder);
            (
                vec![
                    report("rules", &turns, &layers.rules),
                    report("model", &turns, &layers.model),
                    report("combined", &turns, &layers.combined),
                ],
                layers.learned_ms,
            )
        }
    };
    let mut out = std::io::stdout().lock();
    let timing = latency_summary(&learned_ms);
    match format {
        ListFormat::Json => {
            let mut value = json!({
                "file": file,
                "turns": turns.len(),
                "names": if names == KnownNames::None { "none" } else { "file" },
                "context": if context == ContextArg::Given { "given" } else { "preceding" },
                "rules_turns_per_s": rules_per_s.round(),
                "learned_ms_per_turn": timing,
                "layers": reports,
            });
            if !errors {
                for layer in value["layers"].as_array_mut().into_iter().flatten() {
                    layer.as_object_mut().map(|o| o.remove("misses"));
                }
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        ListFormat::Text => {
            for r in &reports {
                write_layer(&mut out, r)?;
            }
            writeln!(out, "rules: {rules_per_s:.0} turns/s, one thread")?;
            if let Some(t) = timing {
                writeln!(
                    out,
                    "learned layer: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms per turn, one thread (embedding, head, clause evidence)",
                    t["p50"], t["p95"], t["max"]
                )?;
            }
            if errors {
                let last = reports.last().expect("at least the rules");
                write_misses(&mut out, &last.scores)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report(layer: &'static str, turns: &[LabelledTurn], tags: &[Vec<Tag>]) -> LayerReport {
    LayerReport {
        layer,
        scores: evaluate::score_given(turns, tags),
        reliability: evaluate::reliability(turns, tags),
    }
}

fn latency_summary(ms: &[f64]) -> Option<serde_json::Value> {
    if ms.is_empty() {
        return None;
    }
    let mut sorted = ms.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let round = |v: f64| (v * 10.0).round() / 10.0;
    Some(json!({"p50": round(at(0.5)), "p95": round(at(0.95)), "max": round(at(1.0))}))
}

fn write_layer(out: &mut impl Write, r: &LayerReport) -> Result<()> {
    let s = &r.scores;
    writeln!(out, "== {} ({} turns)", r.layer, s.n_turns)?;
    writeln!(
        out,
        "{:<16} {:>9} {:>7} {:>6} {:>4} {:>4} {:>4}",
        "label", "precision", "recall", "F1", "TP", "FP", "FN"
    )?;
    for l in &s.labels {
        writeln!(
            out,
            "{:<16} {:>9.3} {:>7.3} {:>6.3} {:>4} {:>4} {:>4}",
            l.label,
            l.precision,
            l.recall,
            l.f1,
            l.true_positives,
            l.false_positives,
            l.false_negatives
        )?;
    }
    let macro_f1 = s.labels.iter().map(|l| l.f1).sum::<f64>() / s.labels.len() as f64;
    writeln!(
        out,
        "macro F1 {macro_f1:.3}; turns labelled none: {}, tagged anyway: {} ({:.1} %)",
        s.none_turns,
        s.none_tagged,
        s.false_positive_rate * 100.0
    )?;
    let bins: Vec<String> = r
        .reliability
        .iter()
        .map(|b| {
            format!(
                "[{:.1},{:.1}) {}/{} right ({:.0} %)",
                b.low,
                b.high,
                b.correct,
                b.tags,
                100.0 * b.correct as f64 / b.tags as f64
            )
        })
        .collect();
    writeln!(out, "reliability: {}\n", bins.join(", "))?;
    Ok(())
}

fn write_misses(out: &mut impl Write, scores: &TagScores) -> Result<()> {
    writeln!(out, "\nwrong turns:")?;
    for miss in &scores.misses {
        writeln!(
            out,
            "  {} [{}] expected [{}] got [{}]\n      {}",
            miss.id,
            miss.kind.as_deref().unwrap_or(""),
            miss.expected.join(","),
            miss.got
                .iter()
                .map(|(l, c, e)| format!("{l} {c:.2} {e:?}"))
                .collect::<Vec<_>>()
                .join("; "),
            miss.text
        )?;
    }
    Ok(())
}

/// The files of each split, relative to the data directory.
#[derive(Debug, serde::Deserialize)]
struct Splits {
    train: Vec<PathBuf>,
    calibrate: Vec<PathBuf>,
    #[serde(default)]
    test: Vec<PathBuf>,
}

/// `blameless train features`.
pub fn train_features(
    paths: &Paths,
    ui: &Ui,
    data: &Path,
    mpnet: bool,
    mpnet_adapters: Option<&Path>,
) -> Result<ExitCode> {
    let splits_path = data.join("splits.json");
    let splits: Splits = serde_json::from_str(
        &std::fs::read_to_string(&splits_path)
            .with_context(|| format!("cannot read {}", splits_path.display()))?,
    )
    .with_context(|| format!("{} is not a splits file", splits_path.display()))?;
    let encoder = Encoder::load(&paths.models)?;
    let mpnet = match (mpnet, mpnet_adapters) {
        (false, _) => None,
        (true, None) => Some(Encoder::load_model(&paths.models, &encoder::MPNET, true)?),
        (true, Some(path)) => {
            let adapters =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            Some(Encoder::load_with_adapters(
                &paths.models,
                &encoder::MPNET,
                Some(&adapters),
            )?)
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let files = splits
        .train
        .iter()
        .chain(&splits.calibrate)
        .chain(&splits.test);
    for file in files {
        let turns = read_set(&data.join(file))?;
        let started = Instant::now();
        let rules = evaluate::rule_tags(&turns, KnownNames::None);
        for (turn, rule_tags) in turns.iter().zip(&rules) {
            let cancelled = blameless::analysis::cancelled_rules(&TurnText {
                text: &turn.text,
                facilitator: evaluate::is_facilitator(turn),
                names: &[],
            });
            let mut line = json!({
                "file": file,
                "id": turn.id,
                "writer": turn.writer,
                "role": turn.role,
                "text": turn.text,
                "labels": turn.labels,
                "embedding": encoder.embed(&turn.text),
                "prev_embedding": turn.prev.as_ref().map(|prev| encoder.embed(&prev.text)),
                "prev_text": turn.prev.as_ref().map(|prev| prev.text.as_str()),
                "rules": learned::rule_confidences(rule_tags),
                "cancelled": cancelled,
            });
            if let Some(mpnet) = &mpnet {
                line["mpnet_embedding"] = json!(mpnet.embed(&turn.text));
            }
            writeln!(out, "{line}")?;
        }
        ui.note(&format!(
            "{}: {} turns in {:.1} s",
            file.display(),
            turns.len(),
            started.elapsed().as_secs_f64()
        ));
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
