//! One line per case: the text and the labels it must get. The larger
//! labelled sets in data/tags/ are scored by tests/tags.rs.

use super::*;

fn labels(text: &str) -> String {
    let names = vec!["dan".to_string(), "priya".to_string()];
    let tags = tag_turn(&TurnText {
        text,
        facilitator: false,
        names: &names,
    });
    tags.iter()
        .map(|t| t.label.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn check(text: &str, expected: &str) {
    assert_eq!(labels(text), expected, "{text:?}");
}

#[test]
fn taxonomy_markers() {
    check(
        "Honestly, Dan pushed the configuration without review. That's on him.",
        "blame",
    );
    check("whose fault was this", "blame");
    check("he dropped the ball on the handoff", "blame");
    check(
        "That's not fair. I followed the runbook. Nobody told me the units had changed.",
        "defensive",
    );
    check("it worked in staging", "defensive");
    check(
        "you should have checked the canary before rolling out",
        "counterfactual",
    );
    check(
        "if only someone had looked at the dashboard",
        "counterfactual",
    );
    check(
        "Why wasn't this caught earlier? This can never happen again.",
        "exec_pressure",
    );
    check("I want a name by five", "exec_pressure");
    check("that's a one-off, let's not waste time on it", "dismissive");
    check("no big deal, only a few users noticed", "dismissive");
}

#[test]
fn not_a_tag() {
    check("the deploy caused the outage", "");
    check("the health check failed to detect the node", "");
    check("Sam merged the change at nine forty", "");
    check("this isn't about anyone's fault", "");
    check("git blame shows the line changed in March", "");
    check("the customer wrote that it was our fault", "");
    check("the alert should fire at eighty percent", "");
    check("I misread the graph", "");
    check("we killed the pod and aborted the migration", "");
    check("I was careless with that flag, honestly", "");
}

#[test]
fn recogniser_artefacts() {
    check("he should of known better", "blame,counterfactual");
    check(
        "um so like it it wasnt me i did exactly what the runbook said",
        "defensive",
    );
}

#[test]
fn the_facilitator_is_never_tagged() {
    let tags = tag_turn(&TurnText {
        text: "Let's not ask whose fault it was: what should the alert have shown?",
        facilitator: true,
        names: &[],
    });
    assert!(tags.is_empty());
}

#[test]
fn evidence_points_at_the_trigger_words() {
    let text = "Honestly, Dan pushed it. That’s on him.";
    let tags = tag_turn(&TurnText {
        text,
        ..TurnText::default()
    });
    assert_eq!(tags.len(), 1);
    let evidence: Vec<String> = tags[0]
        .evidence
        .iter()
        .map(|s| span_text(text, *s))
        .collect();
    assert_eq!(evidence, ["That’s on him"]);
    assert!(tags[0].confidence > 0.5 && tags[0].confidence <= 1.0);
}
