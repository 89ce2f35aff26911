//! Action items agreed over several turns: the finder against the
//! multi-writer conversations in data/actions/ (writer-disjoint test split),
//! the bundled meeting's items exactly as scripted, and `eval actions`.

mod common;

use std::path::PathBuf;

use blameless::analysis::evaluate::{parse_conversations, score_conversations, ItemScores};
use blameless::analysis::{agreed_items, ConversationTurn};
use common::{ok, scripted_turns, Blameless};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn split(name: &str) -> ItemScores {
    let splits: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("data/actions/splits.json")).unwrap(),
    )
    .unwrap();
    let mut all = Vec::new();
    for file in splits[name].as_array().unwrap() {
        let text =
            std::fs::read_to_string(root().join("data/actions").join(file.as_str().unwrap()))
                .unwrap();
        all.extend(parse_conversations(&text).unwrap());
    }
    let s = score_conversations(&all);
    eprintln!(
        "{name}: {} conversations, {} expected, {} found, {} matched: P {:.3} R {:.3}; of {} paired: owner {:.3} due {:.3} task {:.3}",
        s.n_conversations, s.expected, s.found, s.matched, s.precision, s.recall, s.paired,
        s.owner_accuracy, s.due_accuracy, s.task_accuracy
    );
    s
}

/// The writers a4, a5, a8, a11, a13, a17, a18 and a19-a21, never read to write rules. Bounds sit a little
/// below the measured figures (see each), far above a finder that reads
/// one sentence at a time.
#[test]
fn agreed_items_on_unseen_writers() {
    let s = split("test");
    assert!(s.n_conversations >= 140 && s.expected >= 248, "{s:?}");
    // Measured (December, rules widened from a6, a7, a9 and a10): precision
    // 0.50, recall 0.56, owner 0.83 and due date 0.81 of the paired items
    // (a4 and a5 alone: 0.45, 0.48, 0.74, 0.76; before the widening, from
    // a1-a3 only: 0.53, 0.57, 0.85, 0.78). With a11 (written with a9 and
    // a10, never read; 0.65 / 0.80 alone): precision 0.54, recall 0.62,
    // owner 0.86, due 0.87. With a13 (written later, scored once: 0.36 /
    // 0.36 alone): precision 0.50, recall 0.57, owner 0.85, due 0.81. With
    // a17 and a18 (written with a14-a16, kept out of the repository until
    // the rules widened from those were frozen): precision 0.505, recall
    // 0.586, owner 0.86, due 0.80. With a19-a21 (written last, scored once
    // with the finder unchanged: 0.53 / 0.59 alone): precision 0.514, recall
    // 0.589, owner 0.87, due 0.81. With tasks restated from their exchange
    // (rules from develop only, test scored once afterwards): precision
    // 0.532, recall 0.609, owner 0.87, due 0.81. With the closing read-back
    // as evidence (items it leaves out dropped, items only it names added):
    // precision 0.580, recall 0.629, owner 0.92, due 0.81; with teams named
    // in the read-back and "ahead of" deadlines: 0.581, 0.637, 0.92, 0.81;
    // with the read-back's deadlines: 0.603, 0.661, 0.92, 0.83; with
    // amendments going to the item they name and work pointed back to:
    // 0.605, 0.661, 0.92, 0.83; with third-person requests, reminders,
    // "action on", any read-back that reads back: 0.621, 0.673, 0.93, 0.84;
    // with read-backs that go on in the reader's next turn: 0.631, 0.690,
    // 0.93, 0.85 (unchanged by second-language days and "read the actions");
    // with the facilitator's opening taking no item: 0.638, 0.690, 0.93,
    // 0.85; with "minuted NAME ..." and "close of play friday": 0.644,
    // 0.694, 0.93, 0.85; with "can to" and "i think we can": 0.647,
    // 0.694, 0.94, 0.85. With the rules widened from a28-a33 (event
    // deadlines, "NAME you VERB", groups without "team", summaries of
    // several items): 0.658, 0.706, 0.94, 0.86. With the rules widened
    // from a34-a37 (closing "send the notes", jokes laughed off, promises
    // on an event, departments, items logged without a name): 0.667, 0.710,
    // 0.94, 0.86. With "in april" deadlines and the closing turn's day kept
    // off the last item: 0.670, 0.714, 0.94, 0.87. With read-backs naming
    // two items of one owner, later sentences dating each commitment,
    // second requests in one breath, asides as tasks, ground rules about
    // items, "into the next release", "put it in the runbook", "have a
    // draft by" and "get the platform team on it": 0.681, 0.722, 0.95, 0.88.
    // With each owner keeping no more items than the read-back gives them:
    // 0.705, 0.722, 0.95, 0.89. With a fragment folded into its owner's
    // item (seven false items fewer, one item missed and one deadline wrong
    // more) and day-less hand-outs: 0.720, 0.714, 0.95, 0.88 (unchanged by
    // "so jun owns the load test" and a day said in its event's sentence).
    // With the rules widened from a50-a54 (the minute-taker's line, a sentence
    // restating one owner's item, "owner kwame, due ...", hyphenated and
    // short days, the name that opens a long request, closing the meeting
    // and laughed-off offers): 0.722, 0.722, 0.95, 0.90. With the rules
    // widened from the develop writers and a55-a59 (an event's day, "next
    // week wednesday", "calendar week", work put in a place, "the second
    // thing", "X moves to NAME", a list's first hand-out, trouble with the
    // day asked, "that's yours", an offer turned down): 0.726, 0.738, 0.95,
    // 0.90. With read-backs that say "no date", open with a vendor doing the
    // work, list work with no owner or match an item by a word's other form,
    // seasons and numbered releases as deadlines: 0.730, 0.762, 0.95, 0.90.
    // With the facilitator leaving a need without an owner in words of their
    // own: 0.729, 0.758, 0.95, 0.90 (one deadline wrong more).
    // Far from the goal of 0.90, and held here so it can only get better.
    assert!(
        s.precision >= TEST_PRECISION,
        "precision {:.3}",
        s.precision
    );
    assert!(s.recall >= TEST_RECALL, "recall {:.3}", s.recall);
    assert!(
        s.owner_accuracy >= TEST_OWNER,
        "owner {:.3}",
        s.owner_accuracy
    );
    assert!(s.due_accuracy >= TEST_DUE, "due {:.3}", s.due_accuracy);
}

/// The writers a38-a45, written after every rule and scored only as a
/// figure (data/actions/README.md): a second unseen check beside the test
/// writers. Measured when they came, with the finder unchanged: precision
/// 0.650, recall 0.678, owner 0.93, due 0.88 of the paired items; with
/// "in april" deadlines: 0.654, 0.683, 0.93, 0.89; with the changes of
/// the next stop (see the test writers): 0.651, 0.683, 0.92, 0.89; with
/// each owner keeping no more items than the read-back gives them: 0.673,
/// 0.683, 0.92, 0.89; with a fragment folded into its owner's item:
/// 0.693, 0.683, 0.93, 0.90; with "so jun owns the load test" and a day
/// said in its event's sentence: 0.697, 0.683, 0.93, 0.90; with the rules
/// widened from a50-a54 (see the test writers): 0.703, 0.693, 0.93, 0.90;
/// with those of the next stop: 0.706, 0.693, 0.93, 0.90.
#[test]
fn agreed_items_on_the_holdout_writers() {
    let s = split("holdout");
    assert!(s.n_conversations >= 112 && s.expected >= 205, "{s:?}");
    assert!(s.precision >= 0.66, "precision {:.3}", s.precision);
    assert!(s.recall >= 0.64, "recall {:.3}", s.recall);
    assert!(s.owner_accuracy >= 0.90, "owner {:.3}", s.owner_accuracy);
    assert!(s.due_accuracy >= 0.84, "due {:.3}", s.due_accuracy);
}

const TEST_PRECISION: f64 = 0.70;
const TEST_RECALL: f64 = 0.70;
const TEST_OWNER: f64 = 0.90;
const TEST_DUE: f64 = 0.80;

/// The develop writers: a1-a3, whom the rules were first written from
/// (precision 0.94, recall 0.91 on them alone), and a6, a7, a9 and a10,
/// added later and read to widen the rules by class of phrasing (0.93,
/// 0.97). Measured over all seven: precision 0.936, recall 0.941, owner
/// 1.00, due date 0.99. a12, added since and not yet read (0.62 / 0.64
/// alone), brings the eight to 0.893, 0.903, 0.99 and 0.99. a14-a16, added
/// after it and scored once before any rule read them, bring the eleven to
/// 0.756, 0.765, 0.96 and 0.95; the rules widened from them (and from a12),
/// 0.783, 0.794, 0.98 and 0.95; tasks restated from their exchange,
/// 0.817, 0.820, 0.98 and 0.95; with the closing read-back as evidence,
/// 0.853, 0.857, 0.98 and 0.95; with teams named in the read-back and
/// "ahead of" deadlines, 0.865, 0.875, 0.98 and 0.95; with the
/// read-back's deadlines, 0.880, 0.890, 0.98 and 0.97. a22-a24, written
/// next and scored once before any rule read them (0.55 / 0.59 alone),
/// bring the fourteen to 0.814, 0.836, 0.97 and 0.95; with amendments
/// going to the item they name and work pointed back to, 0.817, 0.839,
/// 0.97 and 0.95; with third-person requests ("can mei grab it"),
/// reminders ("you were going to ..."), "put me down for", "action on"
/// and any "read ... back", 0.840, 0.859, 0.97 and 0.96; with read-backs
/// that go on in the reader's next turn, 0.853, 0.868, 0.98 and 0.96.
/// a25-a27, written after that and scored once before any rule read them
/// (0.56 / 0.46 alone), bring the seventeen to 0.810, 0.797, 0.96 and 0.93;
/// with second-language days ("wednesday the seventeen") and "let me read
/// the actions" as a read-back, 0.821, 0.821, 0.96 and 0.94; with "then
/// paulo, the retry, monday the six" and the facilitator's opening taking
/// no item, 0.829, 0.823, 0.96 and 0.94; with "minuted NAME ..." and
/// "close of play friday", 0.830, 0.828, 0.96 and 0.94; with "can you to
/// take it" read as "can you take it" and "i think we can" as a
/// suggestion, 0.837, 0.833, 0.97 and 0.94; with one rule for "read ...
/// back", 0.837, 0.835, 0.97 and 0.94; with "before four two ships" as an
/// event, 0.844, 0.840, 0.97 and 0.95; with several items handed out in
/// one turn, 0.845, 0.845, 0.97 and 0.95. a28-a33, written after that and
/// scored once before any rule read them (0.63 / 0.61 alone), bring the
/// twenty-three to 0.789, 0.783, 0.96 and 0.92; the rules widened from
/// them, 0.826, 0.826, 0.98 and 0.94. a34-a37, written next and scored
/// once before any rule read them (0.62 / 0.67 alone), and the rules
/// widened from them: the twenty-seven at 0.831, 0.830, 0.98 and 0.94;
/// with the changes of the next two stops, 0.873, 0.867, 0.98 and 0.96.
/// a46-a49, written after the holdout and scored once before any rule read
/// them (0.69 / 0.70 alone), bring the thirty-one to 0.847, 0.843, 0.98
/// and 0.95; with a fragment folded into its owner's item, 0.861, 0.846,
/// 0.98 and 0.95; with day-less hand-outs, 0.861, 0.849, 0.98 and 0.95;
/// with "so jun owns the load test" and a day said in its event's
/// sentence, 0.864, 0.851, 0.98 and 0.96. a50-a54, written next and scored
/// once before any rule read them (0.60 / 0.54 alone), bring the
/// thirty-six to 0.827, 0.805, 0.98 and 0.94; the rules widened from them
/// (0.72 / 0.69 on them alone; the thirty-one 0.865 / 0.854),
/// 0.843, 0.829, 0.98 and 0.95; with the changes of the next stop
/// (ae95fee), 0.846, 0.834, 0.98 and 0.95. a55-a59, written next and scored
/// once before any rule read them (0.60 / 0.56 alone), bring the forty-one
/// to 0.815, 0.797, 0.97 and 0.93; the rules widened from them (0.64 /
/// 0.60 on them alone; the thirty-six 0.846 / 0.834), 0.819, 0.802, 0.97
/// and 0.94. a60-a64, written next and scored once before any rule read
/// them (0.66 / 0.65 alone), bring the forty-six to 0.801, 0.784, 0.97 and
/// 0.93; the rules widened from them (0.70 / 0.69 on them alone; the
/// forty-one unchanged), 0.805, 0.789, 0.97 and 0.93. a65-a69, written
/// next and scored once before any rule read them (0.70 / 0.70 alone),
/// bring the fifty-one to 0.794, 0.780, 0.97 and 0.93; the rules widened
/// from them (0.73 / 0.75 on them alone; the forty-six one false item
/// fewer), 0.798, 0.785, 0.97 and 0.93. a70-a74, written next and scored
/// once before any rule read them (0.69 / 0.66 alone), bring the
/// fifty-six to 0.788, 0.773, 0.96 and 0.92; the rules widened from them
/// and from the read-backs of the develop meetings (0.73 / 0.71 on them
/// alone), 0.801, 0.790, 0.96 and 0.93. a75-a79, written next and scored
/// once before any rule read them (0.61 / 0.62 alone), bring the
/// sixty-one to 0.784, 0.776, 0.96 and 0.92; the rules widened from them
/// (0.63 / 0.66 on them alone), 0.788, 0.780, 0.96 and 0.93. a80-a84,
/// written after those rules and scored once (0.68 / 0.65 alone, the same
/// with the rules before them), bring the sixty-six to 0.779, 0.770, 0.96
/// and 0.92; with a need left without an owner in other words, 0.779,
/// 0.771. a85-a89, written before that rule and scored once (0.75 / 0.72
/// alone; 0.76 / 0.73 with it), bring the seventy-one to 0.778, 0.768,
/// 0.96 and 0.92. a90-a94, written next and scored once before any rule
/// read them (0.60 / 0.59 alone), bring the seventy-six to 0.766 and
/// 0.756; the rules written after reading them and the rest of develop
/// (0.62 / 0.61 on them alone), 0.772, 0.760, 0.96 and 0.92. a95-a99,
/// written next and scored once before any rule read them (0.74 / 0.74
/// alone), bring the eighty-one to 0.769 and 0.758; the rules written after
/// reading them and the rest of develop (0.76 / 0.77 on them alone), 0.773,
/// 0.765, 0.96 and 0.92. a100-a104, written next and scored once before
/// any rule read them (0.74 / 0.67 alone), bring the eighty-six to 0.771
/// and 0.759; the rules written after reading them and the rest of develop
/// (0.78 / 0.72 on them alone), 0.777, 0.766, 0.96 and 0.92.
#[test]
fn agreed_items_on_the_develop_writers() {
    let s = split("develop");
    assert!(
        s.precision >= DEVELOP_PRECISION,
        "precision {:.3}",
        s.precision
    );
    assert!(s.recall >= DEVELOP_RECALL, "recall {:.3}", s.recall);
    assert!(
        s.owner_accuracy >= DEVELOP_OWNER,
        "owner {:.3}",
        s.owner_accuracy
    );
    assert!(s.due_accuracy >= DEVELOP_DUE, "due {:.3}", s.due_accuracy);
}

const DEVELOP_PRECISION: f64 = 0.77;
const DEVELOP_RECALL: f64 = 0.75;
const DEVELOP_OWNER: f64 = 0.95;
const DEVELOP_DUE: f64 = 0.91;

/// The bundled meeting (samples/postmortem.script), held on a Tuesday:
/// every item as the script agrees it, once, with its turns.
#[test]
fn bundled_meeting_items_as_scripted() {
    let lines = scripted_turns();
    let turns: Vec<ConversationTurn> = lines
        .iter()
        .enumerate()
        .map(|(i, t)| ConversationTurn {
            id: i as u64 + 1,
            speaker: Some(&t.speaker),
            facilitator: t.speaker == "Maya",
            text: &t.text,
        })
        .collect();
    let names: Vec<String> = ["maya", "dan", "priya", "greg"].map(String::from).to_vec();
    let today = time::macros::date!(2026 - 12 - 01);
    let items = agreed_items(&turns, Some(today), &names);
    let got: Vec<Item> = items
        .iter()
        .map(|i| {
            (
                i.owner.as_deref(),
                i.task.as_str(),
                i.due.as_deref(),
                i.due_date.as_deref(),
            )
        })
        .collect();
    assert_eq!(got, scripted_items(), "{items:#?}");
    // Without speaker names, owners come from the names said.
    let anonymous: Vec<ConversationTurn> = turns
        .iter()
        .map(|t| ConversationTurn {
            speaker: None,
            facilitator: false,
            ..*t
        })
        .collect();
    let items = agreed_items(&anonymous, Some(today), &names);
    let owners: Vec<Option<&str>> = items.iter().map(|i| i.owner.as_deref()).collect();
    let tasks: Vec<&str> = items.iter().map(|i| i.task.as_str()).collect();
    assert_eq!(
        tasks,
        scripted_items().iter().map(|i| i.1).collect::<Vec<_>>(),
        "{items:#?}"
    );
    assert_eq!(&owners[..1], &[Some("Priya")]);
    assert_eq!(&owners[2..4], &[Some("Dan"), Some("Greg")]);
}

/// An item as compared here: owner, task, deadline as said, date.
type Item<'a> = (Option<&'a str>, &'a str, Option<&'a str>, Option<&'a str>);

/// What the bundled meeting agrees, read from its script (meeting on
/// Tuesday 2026-12-01): owner, task, deadline as said, date.
fn scripted_items() -> Vec<Item<'static>> {
    vec![
        (
            Some("Priya"),
            "add a canary check to the config pipeline",
            Some("Friday"),
            Some("2026-12-04"),
        ),
        (
            Some("Priya"),
            "fix the alert",
            Some("the end of next week"),
            Some("2026-12-11"),
        ),
        (
            Some("Dan"),
            "fix the units in the gateway runbook and add a range check",
            Some("next Wednesday"),
            Some("2026-12-09"),
        ),
        (
            Some("Greg"),
            "sponsor a required review for payment config changes",
            Some("the thirtieth"),
            Some("2026-12-30"),
        ),
        (
            Some("Maya"),
            "send a written summary",
            Some("within twenty four hours"),
            Some("2026-12-02"),
        ),
    ]
}

#[test]
fn eval_actions_scores_every_split_and_the_sentence_set() {
    let b = Blameless::new();
    let dir = root().join("data/actions");
    let json: serde_json::Value = serde_json::from_str(&ok(b.run(&[
        "eval",
        "actions",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ])))
    .unwrap();
    for split in ["develop", "test"] {
        let p = json[split]["precision"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{json}");
        assert!(
            json[split]["files"].as_object().unwrap().len() >= 4,
            "{json}"
        );
    }
    // The text report sums each split over the files splits.json lists.
    let splits: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("splits.json")).unwrap()).unwrap();
    let n_test = splits["test"].as_array().unwrap().len();
    let text = ok(b.run(&["eval", "actions", dir.to_str().unwrap()]));
    assert!(
        text.contains(&format!("test (all {n_test} files)")),
        "{text}"
    );
    // One conversation file, with the differences listed.
    let one = dir.join("a1.exchanges.jsonl");
    let text = ok(b.run(&["eval", "actions", one.to_str().unwrap(), "--errors"]));
    assert!(text.contains("12 conversations"), "{text}");
    // The single-sentence set still works.
    let sentences = root().join("data/tags/actions.jsonl");
    let text = ok(b.run(&["eval", "actions", sentences.to_str().unwrap()]));
    assert!(text.contains("detection: precision"), "{text}");
}

/// `--items` lists every item found or expected, each once, with the
/// verdict the scores count.
#[test]
fn eval_actions_lists_every_item_with_its_verdict() {
    let b = Blameless::new();
    let lines = |args: &[&str]| -> Vec<serde_json::Value> {
        ok(b.run(args))
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let dir = root().join("data/actions");
    let one = dir.join("a10.meetings.jsonl");
    let scores: serde_json::Value = serde_json::from_str(&ok(b.run(&[
        "eval",
        "actions",
        one.to_str().unwrap(),
        "--format",
        "json",
    ])))
    .unwrap();
    let items = lines(&["eval", "actions", one.to_str().unwrap(), "--items"]);
    let count = |f: &dyn Fn(&serde_json::Value) -> bool| items.iter().filter(|i| f(i)).count();
    assert_eq!(
        count(&|i| i["verdict"] == "matched") as u64,
        scores["matched"].as_u64().unwrap()
    );
    assert_eq!(
        count(&|i| !i["got"].is_null()) as u64,
        scores["found"].as_u64().unwrap()
    );
    assert_eq!(
        count(&|i| !i["want"].is_null()) as u64,
        scores["expected"].as_u64().unwrap()
    );
    assert_eq!(
        count(&|i| i["verdict"] == "missed"),
        count(&|i| i["got"].is_null())
    );
    assert!(items.iter().all(
        |i| i["conversation"].as_str().unwrap().starts_with("a10m") && i.get("split").is_none()
    ));
    // A directory: each split's items, and nothing else.
    let all = lines(&["eval", "actions", dir.to_str().unwrap(), "--items"]);
    let want = |split: &str| {
        all.iter()
            .filter(|i| i["split"] == split && !i["want"].is_null())
            .count()
    };
    assert_eq!(want("test"), split("test").expected);
    assert_eq!(want("holdout"), split("holdout").expected);
    // Lines, not scores: --errors and --format say nothing here.
    let out = b.run(&[
        "eval",
        "actions",
        one.to_str().unwrap(),
        "--items",
        "--errors",
    ]);
    assert!(!out.status.success());
}

#[test]
fn eval_actions_against_a_second_labelling() {
    let b = Blameless::new();
    let file = root().join("data/actions/a1.exchanges.jsonl");
    let conversations = parse_conversations(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let lists = |edit: &dyn Fn(usize, &mut Vec<serde_json::Value>)| {
        let mut text = String::new();
        for (i, c) in conversations.iter().enumerate() {
            let mut items: Vec<serde_json::Value> = c
                .items
                .iter()
                .map(|item| serde_json::to_value(item).unwrap())
                .collect();
            edit(i, &mut items);
            text += &serde_json::json!({"id": c.id, "items": items}).to_string();
            text += "\n";
        }
        text
    };
    let n: usize = conversations.iter().map(|c| c.items.len()).sum();
    let with_items = conversations
        .iter()
        .position(|c| c.items.len() >= 2)
        .unwrap();
    let score = |text: String| -> serde_json::Value {
        let path = b.path("second.jsonl");
        std::fs::write(&path, text).unwrap();
        let args = [
            "eval",
            "actions",
            file.to_str().unwrap(),
            "--against",
            path.to_str().unwrap(),
            "--format",
            "json",
        ];
        serde_json::from_str(&ok(b.run(&args))).unwrap()
    };

    // The writer's own items agree with themselves.
    let same = score(lists(&|_, _| {}));
    assert_eq!(same["matched"], n, "{same}");
    assert_eq!(same["precision"], 1.0, "{same}");

    // One item left out and another given to someone else.
    let edited = score(lists(&|i, items| {
        if i == with_items {
            items.remove(0);
            items[0]["owner"] = "Somebody Else".into();
        }
    }));
    assert_eq!(edited["found"], n - 1, "{edited}");
    assert_eq!(edited["matched"], n - 2, "{edited}");
    assert!(edited["recall"].as_f64().unwrap() < 1.0, "{edited}");

    // A conversation without its line is an error, not a silent miss.
    let path = b.path("short.jsonl");
    std::fs::write(
        &path,
        lists(&|_, _| {})
            .lines()
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let out = b.run(&[
        "eval",
        "actions",
        file.to_str().unwrap(),
        "--against",
        path.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains(&conversations[0].id),
        "{}",
        common::stderr(&out)
    );
}
