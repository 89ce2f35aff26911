use super::*;
use crate::analysis::{find_actions, tag_turn, TurnText};

/// Runs `turns` (speaker, start, end, text) through a policy and returns
/// (turn id, label, text) of every nudge, plus the closing prompt.
fn run(
    config: NudgeConfig,
    facilitator: &str,
    turns: &[(&str, f64, f64, &str)],
) -> Vec<(u64, String, String)> {
    let names: Vec<String> = turns.iter().map(|t| t.0.to_lowercase()).collect();
    let mut policy = NudgePolicy::new(config);
    let mut out = Vec::new();
    for (index, (speaker, start, end, text)) in turns.iter().enumerate() {
        let is_facilitator = *speaker == facilitator;
        let tags = tag_turn(&TurnText {
            text,
            facilitator: is_facilitator,
            names: &names,
        });
        let actions = find_actions(text, Some(speaker), &names);
        let facts = TurnFacts {
            id: index as u64 + 1,
            speaker: Some(speaker),
            facilitator: is_facilitator,
            start: *start,
            end: *end,
            text,
            tags: &tags,
            actions: &actions,
            names: &names,
        };
        if let Some(nudge) = policy.on_turn(&facts) {
            out.push((nudge.turn_id.unwrap(), nudge.label, nudge.text));
        }
    }
    if let Some(nudge) = policy.on_end() {
        out.push((0, nudge.label, nudge.text));
    }
    out
}

const OPENING: &str =
    "Thanks for joining. We are here to understand what happened and why, not who.";

#[test]
fn blame_gets_a_redirect_that_names_the_person() {
    let nudges = run(
        NudgeConfig::default(),
        "Maya",
        &[
            ("Maya", 0.0, 5.0, OPENING),
            (
                "Priya",
                6.0,
                12.0,
                "Honestly, Dan pushed it without review. That's on him.",
            ),
        ],
    );
    assert_eq!(nudges[0].0, 2);
    assert_eq!(nudges[0].1, "blame");
    assert!(nudges[0].2.contains("Dan"), "{:?}", nudges[0]);
    assert_eq!(nudges.last().unwrap().1, "closing");
}

#[test]
fn rate_limited_and_never_the_same_line_twice() {
    let turns = [
        ("Maya", 0.0, 5.0, OPENING),
        ("Priya", 6.0, 10.0, "that's on the database team"),
        ("Priya", 11.0, 15.0, "that's on the database team"),
        ("Priya", 70.0, 75.0, "that's on the database team"),
        ("Priya", 140.0, 145.0, "that's on the database team"),
    ];
    let nudges = run(NudgeConfig::default(), "Maya", &turns);
    let ids: Vec<u64> = nudges
        .iter()
        .filter(|n| n.1 == "blame")
        .map(|n| n.0)
        .collect();
    assert_eq!(ids, [2, 4, 5], "one a minute: {nudges:?}");
    for pair in nudges.windows(2) {
        assert_ne!(pair[0].2, pair[1].2);
    }
    let quick = run(
        NudgeConfig {
            min_interval_s: 0.0,
            ..NudgeConfig::default()
        },
        "Maya",
        &turns,
    );
    assert_eq!(quick.iter().filter(|n| n.1 == "blame").count(), 4);
}

#[test]
fn never_for_the_facilitator_and_not_below_threshold() {
    let nudges = run(
        NudgeConfig::default(),
        "Maya",
        &[
            ("Maya", 0.0, 5.0, OPENING),
            ("Maya", 6.0, 10.0, "whose fault it was doesn't matter here"),
        ],
    );
    assert_eq!(nudges.len(), 1, "{nudges:?}");
    let strict = run(
        NudgeConfig {
            threshold: 0.999,
            ..NudgeConfig::default()
        },
        "Maya",
        &[
            ("Maya", 0.0, 5.0, OPENING),
            ("Priya", 6.0, 10.0, "that's on him"),
        ],
    );
    assert_eq!(strict.len(), 1, "only the closing prompt: {strict:?}");
}

#[test]
fn reminds_to_state_the_blameless_intent() {
    let nudges = run(
        NudgeConfig::default(),
        "Maya",
        &[
            (
                "Maya",
                0.0,
                20.0,
                "Okay, let's get started with the checkout outage.",
            ),
            ("Dan", 21.0, 50.0, "So the gateway was slow all week."),
        ],
    );
    assert_eq!(
        nudges[0],
        (2, "opening".to_string(), lines::OPENING[0].text.to_string())
    );
}

#[test]
fn action_items_without_owner_or_deadline() {
    let nudges = run(
        NudgeConfig::default(),
        "Maya",
        &[
            ("Maya", 0.0, 5.0, OPENING),
            (
                "Lena",
                6.0,
                10.0,
                "Lena will add a canary check by next Friday.",
            ),
            ("Sam", 80.0, 85.0, "we need to update the runbook"),
            ("Maya", 86.0, 90.0, "Let's wrap up."),
        ],
    );
    assert_eq!(
        nudges[0],
        (
            3,
            "action_item".into(),
            "Who owns this, and by when?".into()
        )
    );
    assert_eq!(nudges[1].1, "closing");
    assert_eq!(nudges.len(), 2, "closing only once: {nudges:?}");
}

#[test]
fn balance_monologue_dominance_silence_interruptions() {
    let cfg = NudgeConfig {
        min_interval_s: 0.0,
        ..NudgeConfig::default()
    };
    // Greg talks for two minutes straight.
    let nudges = run(
        cfg.clone(),
        "Maya",
        &[
            ("Maya", 0.0, 5.0, OPENING),
            (
                "Aisha",
                6.0,
                10.0,
                "the queue started backing up around two",
            ),
            (
                "Greg",
                11.0,
                60.0,
                "so here is the background on the migration plan",
            ),
            (
                "Greg",
                60.5,
                110.0,
                "and then the second phase was the replica move",
            ),
        ],
    );
    assert_eq!(nudges[0].1, "balance");
    assert!(nudges[0].2.contains("Aisha"), "{nudges:?}");
    // Sam cuts Aisha off twice.
    let nudges = run(
        cfg.clone(),
        "Maya",
        &[
            ("Maya", 0.0, 5.0, OPENING),
            ("Aisha", 6.0, 12.0, "the queue started backing up around"),
            ("Sam", 11.0, 15.0, "right the consumer lag"),
            ("Aisha", 16.0, 22.0, "and then the replica"),
            ("Sam", 21.0, 25.0, "yes the replica lag"),
        ],
    );
    assert_eq!(
        nudges[0],
        (
            5,
            "balance".into(),
            "Let's let Aisha finish that thought.".into()
        )
    );
    // Lena spoke once, then nothing for eleven minutes.
    let mut turns = vec![
        ("Maya", 0.0, 5.0, OPENING),
        ("Lena", 6.0, 10.0, "I was on call that night"),
    ];
    let later: Vec<(f64, f64)> = (0..14)
        .map(|k| (20.0 + 50.0 * k as f64, 30.0 + 50.0 * k as f64))
        .collect();
    for (k, (s, e)) in later.iter().enumerate() {
        turns.push((
            if k % 2 == 0 { "Dan" } else { "Priya" },
            *s,
            *e,
            "the graph shows the latency went up",
        ));
    }
    let nudges = run(cfg, "Maya", &turns);
    assert!(
        nudges
            .iter()
            .any(|n| n.1 == "balance" && n.2.contains("Lena")),
        "{nudges:?}"
    );
}

/// Issue 14: a turn without a speaker was reviewed as its source's, so
/// `--facilitator default` silenced a whole single-microphone meeting and
/// device names became participants' names. Only a speaker is a person.
#[test]
fn a_source_is_neither_the_facilitator_nor_a_participant() {
    let mut coach = Coach::new(None, Some("default"), &[]);
    let mut record = crate::store::TurnRecord {
        id: 1,
        source: "default".into(),
        speaker: None,
        start: 0.0,
        end: 5.0,
        text: "Honestly, Dan pushed it without review. That's on him.".into(),
        latency_ms: None,
        untranscribed: None,
        extra: Default::default(),
    };
    let review = coach.annotate(&mut record.clone());
    assert!(
        review
            .tags
            .iter()
            .any(|t| t.label == crate::analysis::Label::Blame),
        "{:?}",
        review.tags
    );
    // A speaker with the facilitator's name is the facilitator.
    record.id = 2;
    record.speaker = Some("Default".into());
    assert!(coach.annotate(&mut record).tags.is_empty());
}

/// A turn of Priya's ending at `end`.
fn priya<'a>(id: u64, end: f64, text: &'a str, tags: &'a [Tag]) -> TurnFacts<'a> {
    TurnFacts {
        id,
        speaker: Some("Priya"),
        facilitator: false,
        start: end - 5.0,
        end,
        text,
        tags,
        actions: &[],
        names: &[],
    }
}

#[test]
fn the_end_of_meeting_action_prompt_keeps_the_rate_limit() {
    let open = [ActionItem {
        owner: None,
        task: "fix the alert".into(),
        due: None,
        due_date: None,
        turns: vec![2],
        evidence: [0, 0],
    }];
    let blame = "Dan pushed it without review. That's on him.";
    let tags = tag_turn(&TurnText {
        text: blame,
        facilitator: false,
        names: &[],
    });

    // A blame nudge 20 s before the end: the open item waits for the
    // closing read-back.
    let mut policy = NudgePolicy::new(NudgeConfig::default());
    policy.on_turn(&priya(1, 10.0, OPENING, &[]));
    assert!(policy.on_turn(&priya(2, 100.0, blame, &tags)).is_some());
    policy.on_turn(&priya(3, 120.0, "Okay.", &[]));
    assert_eq!(policy.on_open_actions(&open), None);

    // The last nudge long before the end: the open item gets its prompt.
    policy.on_turn(&priya(4, 200.0, "Okay.", &[]));
    let nudge = policy
        .on_open_actions(&open)
        .expect("a prompt for the item");
    assert_eq!(nudge.label, "action_item");
    assert_eq!(nudge.turn_id, Some(2));
}

#[test]
fn reframe_picks_the_line_that_fits_and_fills_the_speaker() {
    use super::lines::reframe;
    use crate::analysis::Label;
    // Made for the turn's words and addressed to the speaker first.
    assert_eq!(
        reframe(Label::Defensive, "I followed the runbook.", Some("Dan")),
        "Dan, you followed the runbook, and that helps us. Where did it stop matching what was happening?"
    );
    assert_eq!(
        reframe(
            Label::Counterfactual,
            "I should have watched the dashboards.",
            Some("Dan")
        ),
        "Dan, that's hindsight talking: what did you know at that moment?"
    );
    // Never a line about a person the report cannot name.
    assert_eq!(
        reframe(Label::Blame, "That's on him.", Some("Priya")),
        "Can we say that as events: which change, which signal, what time?"
    );
    // Without a speaker: a line that needs none, or the line said without the name.
    assert_eq!(
        reframe(Label::Defensive, "That's not fair.", None),
        "Nobody is being graded here. What did you expect after that step, and what did you see?"
    );
    assert_eq!(
        reframe(Label::Defensive, "The runbook says so.", None),
        "You followed the runbook, and that helps us. Where did it stop matching what was happening?"
    );
    for label in Label::ALL {
        for speaker in [None, Some("Lena")] {
            let line = reframe(label, "whatever was said", speaker);
            assert!(!line.is_empty() && !line.contains('{'), "{label}: {line}");
        }
    }
}
