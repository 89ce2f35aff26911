//! The tagger and the action-item finder against the labelled sets in
//! data/tags/ (see its README for the labelling rules and what each set is
//! for). Bounds are set from measurement; the closing note of the tagging
//! issue gives the figures. Each test's comment gives the shipped tagger's
//! figures ("shipped:", both encoders in int8, read as each test reads
//! them) and, after them, those of earlier heads, for the history.

mod common;

use blameless::analysis::evaluate::{
    is_facilitator, parse_actions, parse_labelled, reliability, rule_tags, score_actions,
    score_given, score_tags, with_preceding_context, KnownNames, LabelledTurn, PrevTurn, TagScores,
};
use blameless::analysis::learned::Head;
use blameless::analysis::{Tag, TurnText};
use blameless::encoder::Encoders;
use common::{models_dir, ok, root, scripted_turns, Blameless};

fn scores(file: &str) -> TagScores {
    let text = std::fs::read_to_string(root().join("data/tags").join(file)).unwrap();
    score_tags(&parse_labelled(&text).unwrap(), KnownNames::File)
}

fn report(name: &str, s: &TagScores) {
    for l in &s.labels {
        eprintln!(
            "{name} {:<15} P {:.3} R {:.3} F1 {:.3}",
            l.label, l.precision, l.recall, l.f1
        );
    }
    eprintln!(
        "{name} false-positive rate on none: {:.3}",
        s.false_positive_rate
    );
}

/// The project's target: precision >= 0.90 and recall >= 0.85 on every
/// label, at most 3 % of none-turns tagged.
fn assert_project_target(name: &str, s: &TagScores) {
    report(name, s);
    for l in &s.labels {
        assert!(
            l.precision >= 0.90,
            "{name} {} precision {:.3}",
            l.label,
            l.precision
        );
        assert!(
            l.recall >= 0.85,
            "{name} {} recall {:.3}",
            l.label,
            l.recall
        );
    }
    assert!(
        s.false_positive_rate <= 0.03,
        "{name} false-positive rate {:.3}",
        s.false_positive_rate
    );
}

#[test]
fn development_set_meets_the_project_target() {
    let s = scores("dev.jsonl");
    assert!(s.n_turns >= 300);
    assert_project_target("dev", &s);
    // No kind of hard negative is a weak spot: at most one wrong per kind.
    for (kind, (n, wrong)) in &s.by_kind {
        if kind.starts_with("hard_negative") {
            assert!(*wrong <= 1, "{kind}: {wrong} of {n} tagged");
        }
    }
}

#[test]
fn validation_set_meets_the_project_target() {
    assert_project_target("heldout", &scores("heldout.jsonl"));
}

/// Written by someone who never saw the rules or the other sets, with new
/// incidents and deliberately unusual phrasing: how far the markers
/// generalise. Far below the target; these floors only stop it getting
/// worse (measured: precision 0.67-1.00 per label, recall 0.21-0.78,
/// 3.8 % of none-turns tagged).
#[test]
fn unseen_test_set_stays_above_its_measured_floor() {
    let s = scores("test.jsonl");
    report("test", &s);
    for l in &s.labels {
        assert!(
            l.precision >= 0.6,
            "test {} precision {:.3}",
            l.label,
            l.precision
        );
        assert!(l.recall >= 0.2, "test {} recall {:.3}", l.label, l.recall);
    }
    let micro_recall = s.labels.iter().map(|l| l.true_positives).sum::<usize>() as f64
        / s.labels
            .iter()
            .map(|l| l.true_positives + l.false_negatives)
            .sum::<usize>() as f64;
    assert!(micro_recall >= 0.45, "micro recall {micro_recall:.3}");
    assert!(
        s.false_positive_rate <= 0.05,
        "false-positive rate {:.3}",
        s.false_positive_rate
    );
}

/// The bundled meeting's script carries the labels a good tagger gives each
/// turn; `redirect` marks the facilitator.
#[test]
fn bundled_meeting_is_tagged_as_scripted() {
    let lines: Vec<String> = scripted_turns()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::json!({
                "id": i, "speaker": t.speaker, "text": t.text, "labels": t.labels,
                "role": if t.redirect { "facilitator" } else { "participant" },
            })
            .to_string()
        })
        .collect();
    let turns = parse_labelled(&lines.join("\n")).unwrap();
    let rules = score_tags(&turns, KnownNames::File);
    assert!(rules.misses.is_empty(), "rules: {:#?}", rules.misses);
    let combined = score_given(&turns, &combined_tags(&turns));
    assert!(
        combined.misses.is_empty(),
        "combined: {:#?}",
        combined.misses
    );
}

fn load(files: &[&str]) -> Vec<LabelledTurn> {
    files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(root().join("data/tags").join(f)).unwrap();
            parse_labelled(&text).unwrap()
        })
        .collect()
}

/// The combined layer's scores on one labelled file, printed.
fn combined_scores(file: &str) -> TagScores {
    let turns = load(&[file]);
    let combined = score_given(&turns, &combined_tags(&turns));
    report(&format!("{file}, combined"), &combined);
    combined
}

/// Tags from the rules and the shipped head together, as live (no names;
/// the previous turn as context where the line has one).
fn combined_tags(turns: &[LabelledTurn]) -> Vec<Vec<Tag>> {
    combined_tags_with(turns, true)
}

/// As [`combined_tags`]; `context` false hides the previous turn.
fn combined_tags_with(turns: &[LabelledTurn], context: bool) -> Vec<Vec<Tag>> {
    let encoder = Encoders::load(&models_dir()).expect(
        "the sentence encoders must be installed: run `blameless models fetch minilm` and `mpnet`",
    );
    let head = Head::shipped();
    assert!(
        head.reads_prev(),
        "the shipped head reads the previous turn"
    );
    turns
        .iter()
        .zip(rule_tags(turns, KnownNames::None))
        .map(|(turn, rules)| {
            let view = TurnText {
                text: &turn.text,
                facilitator: is_facilitator(turn),
                names: &[],
            };
            let prev = turn
                .prev
                .as_ref()
                .filter(|_| context)
                .map(|prev| encoder.minilm.embed(&prev.text));
            let embeddings = encoder.embed(&turn.text, head.reads_mpnet_of(&view));
            head.tag(
                &view,
                &rules,
                &embeddings.minilm,
                embeddings.mpnet.as_deref(),
                prev.as_deref(),
            )
        })
        .collect()
}

/// Every label of `scores` (of the set `name`) reaches both bounds.
#[track_caller]
fn assert_every_label(name: &str, scores: &TagScores, min_precision: f64, min_recall: f64) {
    for l in &scores.labels {
        assert!(
            l.precision >= min_precision,
            "{name}: {} precision {:.3}",
            l.label,
            l.precision
        );
        assert!(
            l.recall >= min_recall,
            "{name}: {} recall {:.3}",
            l.label,
            l.recall
        );
    }
}

fn macro_f1(s: &TagScores) -> f64 {
    s.labels.iter().map(|l| l.f1).sum::<f64>() / s.labels.len() as f64
}

/// Writers the head was neither trained nor calibrated on (data/tags/
/// splits.json): w08 before the head was frozen, w09 and w10 written after.
/// Bounds sit below the measured values with room for a retrained head,
/// far above the rules alone. Measured (pooled w08+w09+w10, 1020 turns):
/// see each bound.
#[test]
fn learned_layer_generalises_to_unseen_writers() {
    let turns = load(&["corpus/w08.jsonl", "corpus/w09.jsonl", "corpus/w10.jsonl"]);
    let combined = score_given(&turns, &combined_tags(&turns));
    let rules = score_tags(&turns, KnownNames::None);
    report("unseen writers, rules", &rules);
    report("unseen writers, combined", &combined);
    // Shipped: rules 0.305, combined 0.806. Earlier: combined 0.783 with
    // the fine-tuned encoder calibrated on seven writers (0.782 on five;
    // 0.742 with the base encoder and the same data, 0.740 before w35-w37,
    // 0.732 with every label's rules stacked, 0.709 before stacking, 0.692
    // before w19-w22, 0.687 before w12-w18).
    assert!(macro_f1(&rules) < 0.45, "rules {:.3}", macro_f1(&rules));
    assert!(
        macro_f1(&combined) >= 0.72,
        "combined {:.3}",
        macro_f1(&combined)
    );
    assert!(macro_f1(&combined) >= macro_f1(&rules) + 0.25);
    // Shipped: 2.9 % of label-free turns tagged. Earlier: 3.6 % (4.2 % with
    // the base encoder, 4.4 % and 7.3 % before; rules 5.5 %).
    assert!(
        combined.false_positive_rate <= 0.06,
        "{:.3}",
        combined.false_positive_rate
    );
    // Shipped, per label (P / R): blame 0.76/0.60, defensive 0.93/0.71,
    // counterfactual 0.91/0.73, exec_pressure 0.95/0.94, dismissive
    // 0.92/0.70. Earlier: blame 0.77/0.58, defensive 0.89/0.75,
    // counterfactual 0.90/0.67, exec_pressure 0.90/0.94, dismissive 0.87/0.66
    // (base encoder: blame 0.80/0.46, defensive 0.87/0.62, counterfactual
    // 0.91/0.61, exec_pressure 0.95/0.88, dismissive 0.93/0.62).
    assert_every_label("w08-w10", &combined, 0.7, 0.45);
    // Calibrated: tags given 0.9 or more are right at least 85 % of the time
    // (measured 98 %; 91 % with the head before facilitator turns were
    // negatives).
    let bins = reliability(&turns, &combined_tags(&turns));
    let top = bins.iter().find(|b| b.low >= 0.9).expect("confident tags");
    assert!(top.correct as f64 / top.tags as f64 >= 0.85, "{top:?}");
}

/// Live, every turn is read after the one before it. The head is trained
/// and calibrated that way (`TRAIN_CONTEXT=preceding`): trained only with
/// the previous turns the writers gave (15 % of the corpus, mostly replies
/// that carry a label), it had learnt that having a previous turn at all
/// is a sign of a tag, and tagged answers to any question. Scored as live
/// on w08-w10 (each line without a `prev` read after the line before it),
/// measured: macro F1 0.812 / 0.712 / 0.765, none-turns tagged 20 of 550
/// (3.6 %); the head before, 0.818 / 0.745 / 0.788 and 27 (4.9 %). Shipped,
/// pooled: macro F1 0.811, label-free turns tagged 3.1 %.
#[test]
fn read_as_live_every_turn_after_the_one_before() {
    let mut turns = load(&["corpus/w08.jsonl", "corpus/w09.jsonl", "corpus/w10.jsonl"]);
    with_preceding_context(&mut turns);
    let combined = score_given(&turns, &combined_tags(&turns));
    report(
        "unseen writers w08-w10, every turn after the one before",
        &combined,
    );
    assert!(macro_f1(&combined) >= 0.72, "{:.3}", macro_f1(&combined));
    assert!(
        combined.false_positive_rate <= 0.045,
        "{:.3}",
        combined.false_positive_rate
    );
    // A neutral question before a label-free turn adds no tag: the bundled
    // meeting's "twice this year ... so it is not really a one-off" after
    // "have we seen unit mix-ups in config before?" was tagged defensive by
    // the head before. Measured on w08-w10's 465 label-free participant
    // turns: 20 tagged after "What happened next?", 19 with no previous turn
    // (the head before: 25 and 20; shipped: 18 and 16).
    let quiet: Vec<LabelledTurn> = turns
        .iter()
        .filter(|t| t.labels.is_empty() && t.role.as_deref() != Some("facilitator"))
        .cloned()
        .collect();
    let after = |prev: Option<PrevTurn>| -> usize {
        let turns: Vec<LabelledTurn> = quiet
            .iter()
            .map(|t| LabelledTurn {
                prev: prev.clone(),
                ..t.clone()
            })
            .collect();
        combined_tags(&turns)
            .iter()
            .filter(|t| !t.is_empty())
            .count()
    };
    let question = after(Some(PrevTurn {
        speaker: Some("Facilitator".into()),
        text: "What happened next?".into(),
    }));
    let alone = after(None);
    eprintln!(
        "{question} of {} label-free turns tagged after a question, {alone} alone",
        quiet.len()
    );
    assert!(
        question <= alone + 3,
        "{question} after a question, {alone} alone"
    );
}

/// Writers kept out of the repository until a head was fitted, then
/// scored: w15 (after the head trained with w12-w18), w23 (after the one
/// trained with w19-w22) and w27 (after one trained with w24-w26, with the
/// rules stacked, was fitted). Measured with the shipped head (fine-tuned
/// encoder, calibrated on seven writers): w15 combined macro F1 0.869,
/// none-turns tagged 6.7 %; w23 0.850, 1.8 %; w27 0.833, 7.2 % (calibrated
/// on five: 0.864, 6.7 %; 0.846, 1.2 %; 0.837, 6.6 %; base encoder: 0.845, 4.7 %; 0.834, 3.0 %;
/// 0.825, 7.2 %; the head before stacking: 0.799, 0.795, 0.781). The lowest
/// recall is blame's on w23 (0.56). The head trained to read every turn
/// after the one before (as live) gives, scored as here: w15 0.863, 4.0 %;
/// w23 0.818, 1.8 %; w27 0.828, 7.2 %, and blame recall on w23 0.49.
/// Shipped: w15 0.886, 2.0 %; w23 0.853, 2.4 %; w27 0.862, 4.8 %; the
/// lowest recall is still blame's on w23 (0.62).
#[test]
fn learned_layer_on_writers_added_after_the_head() {
    for file in ["corpus/w15.jsonl", "corpus/w23.jsonl", "corpus/w27.jsonl"] {
        let combined = combined_scores(file);
        assert!(
            macro_f1(&combined) >= 0.76,
            "{file}: combined {:.3}",
            macro_f1(&combined)
        );
        assert!(combined.false_positive_rate <= 0.08, "{file}");
        // Precision is not bounded here.
        assert_every_label(file, &combined, 0.0, 0.45);
    }
}

/// w34, the least obvious phrasings in settings rarely written about, kept
/// out of the repository until the head trained with w31-w33 was fitted:
/// what the tagger cannot do yet. Measured with the fine-tuned encoder:
/// combined macro F1 0.663 (0.658 calibrated on five writers), none-turns
/// tagged 7.3 %; blame recall 0.18 (7
/// of 38: blame told as a story, a sigh or a question goes unseen),
/// defensive 0.42, counterfactual 0.92, exec_pressure 0.79, dismissive
/// 0.58 (base encoder: 0.583, 5.5 %, blame 0.03). Shipped: 0.676, 6.1 %;
/// recall blame 0.24, defensive 0.37, counterfactual 0.95, exec_pressure
/// 0.89, dismissive 0.55. The bounds keep what works from getting worse.
#[test]
fn learned_layer_on_the_subtlest_writer() {
    let combined = combined_scores("corpus/w34.jsonl");
    assert!(
        macro_f1(&combined) >= 0.58,
        "combined {:.3}",
        macro_f1(&combined)
    );
    assert!(combined.false_positive_rate <= 0.08);
    for l in &combined.labels {
        if matches!(l.label.as_str(), "counterfactual" | "exec_pressure") {
            assert!(l.recall >= 0.7, "{} recall {:.3}", l.label, l.recall);
        }
    }
}

/// w38, an airline's operations control (understatement, corporate speak,
/// indirect blame of a contractor and a night shift), kept out of the
/// repository until the fine-tuned encoder was chosen and the head fitted:
/// the one test writer that choice never saw. Measured: combined macro F1
/// 0.776 (0.771 calibrated on five writers), none-turns tagged 3.7 % (base encoder with the same data 0.734,
/// 3.1 %; the head before w35-w37 0.728, 4.3 %); precision 0.83-1.00 on
/// every label, recall blame 0.33, defensive 0.59, counterfactual 0.93,
/// exec_pressure 0.82, dismissive 0.79. Shipped: 0.769, 2.5 %; precision
/// 0.83-1.00, recall blame 0.42, defensive 0.51, counterfactual 0.93,
/// exec_pressure 0.80, dismissive 0.74.
#[test]
fn learned_layer_on_the_writer_after_the_fine_tuned_encoder() {
    let combined = combined_scores("corpus/w38.jsonl");
    assert!(
        macro_f1(&combined) >= 0.70,
        "combined {:.3}",
        macro_f1(&combined)
    );
    assert!(combined.false_positive_rate <= 0.06);
    // Recall is not bounded here: blame's is 0.42.
    assert_every_label("w38", &combined, 0.75, 0.0);
}

/// w44, settings rarely written about (a weather service, stadium ticketing,
/// a museum, fishing-fleet tracking, a court's e-filing, car sharing), kept
/// out of the repository until the head calibrated on seven writers was
/// chosen. Measured: rules macro F1 0.606, model alone 0.857, combined
/// 0.898, none-turns tagged 1.2 % (2 of 167); precision / recall blame
/// 0.79 / 0.67, defensive 0.95 / 0.95, counterfactual 0.97 / 0.95,
/// exec_pressure 1.00 / 1.00, dismissive 1.00 / 0.76. Shipped: combined
/// 0.914, 2.4 %; blame 0.82 / 0.80, defensive 0.94 / 0.92, counterfactual
/// 0.95 / 0.95, exec_pressure 1.00 / 0.97, dismissive 0.97 / 0.84.
#[test]
fn learned_layer_on_the_writer_after_seven_calibration_writers() {
    let combined = combined_scores("corpus/w44.jsonl");
    assert!(
        macro_f1(&combined) >= 0.82,
        "combined {:.3}",
        macro_f1(&combined)
    );
    assert!(
        combined.false_positive_rate <= 0.04,
        "{:.3}",
        combined.false_positive_rate
    );
    assert_every_label("w44", &combined, 0.75, 0.6);
}

/// test.jsonl: never trained on. Measured: rules macro F1 0.564, combined
/// 0.905 (calibrated on seven writers; 0.892 on five), none-turns tagged
/// 3.8 % (3 of 80) with the fine-tuned encoder
/// (base encoder 0.873, 6.2 %; 0.888 and 5.0 % before w35-w37; 0.866 and
/// 6.2 % before w31-w33; the head before stacking 0.846, 3.8 %; rules 3.8 %).
/// Shipped: rules 0.585, combined 0.881, 3.8 % (3 of 80).
#[test]
fn learned_layer_on_the_unseen_test_set() {
    let combined = combined_scores("test.jsonl");
    assert!(
        macro_f1(&combined) >= 0.80,
        "combined {:.3}",
        macro_f1(&combined)
    );
    assert!(combined.false_positive_rate <= 0.08);
}

#[test]
fn action_items_with_owner_task_and_due_date() {
    let text = std::fs::read_to_string(root().join("data/tags/actions.jsonl")).unwrap();
    let s = score_actions(&parse_actions(&text).unwrap());
    eprintln!(
        "actions: P {:.3} R {:.3} owner {:.3} task {:.3} due {:.3}",
        s.precision, s.recall, s.owner_accuracy, s.task_accuracy, s.due_accuracy
    );
    assert!(s.n_lines >= 70);
    assert!(s.precision >= 0.95 && s.recall >= 0.95, "{s:?}");
    assert!(
        s.owner_accuracy >= 0.95 && s.task_accuracy >= 0.9 && s.due_accuracy >= 0.9,
        "{s:?}"
    );
}

#[test]
fn eval_tags_command_prints_the_scores() {
    let b = Blameless::new();
    let dev = root().join("data/tags/dev.jsonl");
    let json = ok(b.run(&["eval", "tags", dev.to_str().unwrap(), "--format", "json"]));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let layers: Vec<&str> = value["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["layer"].as_str().unwrap())
        .collect();
    assert_eq!(layers, ["rules", "model", "combined"]);
    assert!(value["learned_ms_per_turn"]["p95"].as_f64().unwrap() > 0.0);
    let rules = &value["layers"][0];
    let labels: Vec<&str> = rules["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "blame",
            "defensive",
            "counterfactual",
            "exec_pressure",
            "dismissive"
        ]
    );
    assert!(rules["false_positive_rate"].as_f64().unwrap() <= 0.05);
    let text = ok(b.run(&["eval", "tags", dev.to_str().unwrap(), "--errors"]));
    assert!(
        text.contains("== combined") && text.contains("turns/s") && text.contains("reliability"),
        "{text}"
    );

    let bad = b.path("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"id\": 1, \"text\": \"x\", \"labels\": [\"rude\"]}\n",
    )
    .unwrap();
    let out = b.run(&["eval", "tags", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown label \"rude\""));
}
