//! The rule tables: which phrases signal which label, and which contexts
//! cancel them.
//!
//! A rule is a [`Pattern`] with a label and a confidence. A match counts
//! unless its context says otherwise: the words are quoted or reported
//! speech, a negation governs them, the sentence is talk *about* blame
//! ("this isn't about fault"), or (for blame) the speaker is talking about
//! themselves. Patterns are deliberately specific: a tool that cries wolf is
//! switched off after one meeting.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::pattern::{expand, in_class, Class, Context, Match, Pattern};
use super::text::{Boundary, Token};
use super::Label;

/// The match may be preceded by a negation ("not my fault" carries its own).
pub const NEG_OK: u8 = 1;
/// The match may be about the speaker themselves.
pub const SELF_OK: u8 = 2;
/// The match counts even inside talk about blame.
pub const META_OK: u8 = 4;
/// The match needs a person (or "it"/"this", for hindsight in the passive)
/// right before it: "the alert should have fired" is about a system.
pub const PERSON_SUBJECT: u8 = 8;

/// One rule as written in the tables.
struct RuleSource {
    label: Label,
    confidence: f32,
    flags: u8,
    patterns: &'static [&'static str],
}

/// A compiled rule (one per written-out pattern).
#[derive(Debug)]
pub struct Rule {
    /// What it signals.
    pub label: Label,
    /// How sure a match alone makes us.
    pub confidence: f32,
    /// Context exemptions ([`NEG_OK`], [`SELF_OK`], [`META_OK`]).
    pub flags: u8,
    /// The phrase.
    pub pattern: Pattern,
    /// The pattern as written out, for explanations.
    pub source: String,
}

use Label::{Blame, Counterfactual, Defensive, Dismissive, ExecPressure};

const TABLE: &[RuleSource] = &[
    // ---- blame: fault pinned on a person or team ----
    RuleSource {
        label: Blame,
        confidence: 0.92,
        flags: 0,
        patterns: &[
            "{that|it|this|this one} is [all|just|totally|entirely|squarely|really|honestly|literally] on {@OTHER|the *2 @GROUP}",
            "whose fault",
            "who is to blame",
            "@OTHER is to blame",
            "'s fault",
            "{his|her|their|your} fault",
            "{@NAME 's|his|her|their|your} {mistake|screwup|screw-up|mess|doing}",
            "blame {@OTHER|the *2 @GROUP}",
            "dropped the ball",
            "should know better",
            "should have known better",
            "what {were|was} {you|he|she|they} thinking",
            "why would {you|he|she|they} [ever|even] @ANY",
            "how could {you|he|she|they} [ever|even] @ANY",
            "asleep at the wheel",
            "rookie mistake",
            "half a brain",
            "{that|it} is {literally|just|kind of|} {his|her|their|your} job",
        ],
    },
    RuleSource {
        label: Blame,
        confidence: 0.85,
        flags: 0,
        patterns: &[
            "careless|sloppy|reckless|incompetent|negligent|irresponsible|lazy|clueless|amateurish|idiot|idiots|idiotic",
            "did not bother",
            "could not be bothered",
            "{human|operator} error",
            "pebkac",
            "{~fat-finger|fat finger|fat fingered}",
            "@OTHER [just] {yolo|yoloed|yolo'd|cowboyed|cowboy'd}",
            "@OTHER [totally|completely|just] {screwed|messed|botched|borked|bungled|fumbled|wrecked|trashed|torched|nuked} up",
            "@OTHER [totally|completely|just] {screwed|messed|botched|borked|bungled|fumbled|wrecked|trashed|torched|nuked}",
            "{he|she|they|@NAME} {always|never} @ANY",
            "you {always|never} {do|ship|push|break|deploy|forget|ignore|skip|merge} *2",
            "who [the] [hell|heck|even|actually] {merged|pushed|approved|deployed|shipped} {this|that|it}",
            "@OTHER [just] {ignored|ignores} the *2 {alert|alerts|page|pages|warning|warnings|alarm|dashboard}",
            "@NAME 's *2 {took down|broke|killed|cost|wrecked|caused|nuked}",
            "thanks to @NAME",
            "@OTHER can not be trusted",
            "never trust @OTHER",
            "@OTHER [just|clearly] {does|did} not {test|check|read|listen|follow}",
            "@OTHER [clearly|obviously] did not know what",
            "{he|she|they|@NAME|the *2 @GROUP} *4 without {review|a review|asking|telling|testing|checking}",
            "unacceptable from {@OTHER|the *2 @TEAM}",
            "{payments|infra|networking|security|identity|billing|sre|ops|devops|qa} {just|basically|} {broke|killed|nuked|wrecked|botched|trashed|took down|brought down}",
            "@OTHER [just] skipped *3 {check|checks|review|reviews|test|tests|step|steps|approval}",
            "root cause is {@OTHER|the *2 @GROUP}",
            "whose *2 idea",
            "{what|this is what} happens when {you let|you give|people like}",
            "@NAME being @NAME",
            "{@NAME|he|she|they} *3 {configured|set|wrote|built|did|got|set up} *3 wrong",
            "{@OTHER|the *2 @TEAM} 's {team|folks} {configured|set|wrote|built|did|got} *3 wrong",
            "{@OTHER|the *2 @GROUP} has to own {this|it|that}",
            "your *3 {is|are|was|were} {garbage|trash|junk|useless|a joke}",
            "went dark",
            "{he|she|they|@NAME|the *2 @GROUP|@NAME 's *2} {just|basically|totally|completely|literally|kind of|} {broke|killed|nuked|wrecked|botched|trashed|took down|brought down|screwed|messed}",
            "typical {payments|platform|sre|ops|devs|@GROUP|@NAME}",
            "useless|hopeless|unprofessional|dumb|stupid|rogue",
            "seriously who",
            "who the {hell|heck|fuck}",
            "who {even|actually} {approved|merged|pushed|thought|signed}",
            "why would {anyone|somebody|someone} {even|ever|}",
            "responsible for this mess",
            "blame lies with",
            "@OTHER *2 {winged|half-assed|rushed}",
            "you {always|never} {check|test|read|look|listen|follow|update|answer|review|tell}",
            "{@OTHER|the *2 @TEAM} sat on",
            "{@OTHER|the *2 @TEAM} left *4 {untouched|unanswered|rotting|sitting|open}",
            "why on earth",
            "@OTHER {just|completely|} {ignored|ignores}",
            "{this|that|it} is [all|just|totally|entirely] on {@TEAM|the vendor}",
            "{classic|typical} {@TEAM|@NAME}",
            "no {clue|idea} what {they|he|she|you} {were|was} doing",
            "not *4 under the bus but",
            "@OTHER let *3 {lapse|expire|slip|rot|die}",
            "{@TEAM|@NAME} let *3 {lapse|expire|slip|rot|die}",
            "behind {our|my} {back|backs}",
            "the *2 @TEAM {botched|broke|wrecked|ignored|skipped}",
        ],
    },
    // ---- defensive: self-protection, justification, counter-blame ----
    RuleSource {
        label: Defensive,
        confidence: 0.9,
        flags: NEG_OK | SELF_OK | META_OK,
        patterns: &[
            "not my fault",
            "not our fault",
            "was not me",
            "it was not [even] me",
            "{is|was} not on {me|us}",
            "{how is|how was} {that|this|it} on {me|us}",
            "how {that|this|it} is on {me|us}",
            "not [even] {my|our} {service|team|code|system|change|problem|call|decision|area|component|alert|scope}",
            "not in my scope",
            "{is|was} not mine",
            "{nobody|no one} [ever] {told|warned|documented|mentioned}",
            "{was|were} never told",
            "no way {of|to} {know|knowing|tell|telling}",
            "how {was|were} {i|we} supposed to",
            "how {would|could} {i|we} [have] {know|known}",
            "what {was|were} {i|we} supposed to do",
            "what else *2 want from me",
            "that is [just] {not|un} fair",
            "that is unfair",
            "that is [just] not true",
            "in {my|our} {defense|defence}",
            "{i|we} did nothing wrong",
            "{i|we} did everything {right|correctly|by the book|}",
            "everything i did was",
            "do not look at me",
            "not the one who",
            "i did my job",
            "did exactly what the *2 {doc|docs|runbook|procedure|checklist|playbook|ticket|wiki} {said|says|told}",
            "take the fall",
            "scapegoat",
            "{me|us} under the bus",
            "the one who gets",
            "it is not like {i|we}",
            "not like {i|we} just",
            "not {my|our} {responsibility|thing}",
            "{i|we} did *4 {runbook|procedure|process|checklist|playbook|instructions|documentation|steps|protocol} {said|says|told}",
            "{nobody|no one} *2 {told|warned|informed|mentioned|documented|flagged} {me|us}",
            "how {am|are} {i|we} supposed to",
            "how {would|could|should} {i|we} have {known|guessed|seen}",
            "{blame|ask|talk to} {them|the *2 @GROUP|@NAME} not me",
            "not on me",
            "i {did|do} not {even|} touch",
            "{why|how come} {am i|is it me|is it always me|are we} {the one|always|getting|being}",
            "would have done the same",
            "{anyone|everyone|anybody} would have done",
        ],
    },
    RuleSource {
        label: Defensive,
        confidence: 0.82,
        flags: SELF_OK | META_OK,
        patterns: &[
            "{i|we} [just] followed *3 {runbook|procedure|process|checklist|playbook|instructions|docs|doc|documentation|steps|protocol}",
            "by the book",
            "{worked|works} [fine|perfectly] {in|on} {staging|dev|test|testing|qa|preprod}",
            "on my machine",
            "{tests|ci|pipeline|build|staging|everything} {passed|was green|were green|went green}",
            "passed {every|all} [the] {test|tests|check|checks}",
            "it {was|got} approved",
            "it was signed off",
            "{went|was} through *2 {review|change board|approval|approvals|cab}",
            "{had|got} two approvals",
            "my {change|pr|code|migration|config} *2 {reviewed|approved|approvals}",
            "changed *4 without {telling|asking|warning} {us|me|anyone|anybody}",
            "{i|we} {was|were} [literally|just|only] {told|asked} to",
            "{i|we} {was|were} [literally|just|only] doing what",
            "for the record",
            "{noted|on record|on the record}",
            "with all due respect",
            "i have been doing *3 for *3 years",
            "i have done *3 for *3 years",
            "above my pay grade",
            "not my job",
            "i was [just] following",
            "i want to be *2 clear",
            "{i|we} {raised|flagged|warned|said} *3 {this|it|that} *4 {before|back|ago|months|weeks|already}",
            "{i|we} asked *10 {no|zero} {answer|answers|response|responses|reply|replies}",
            "you can check the {logs|log|timeline|history}",
            "easy to say *2 now",
            "i was the only one",
            "inherited {it|this|that}",
            "so {that is|that was} what i did",
            "{checklist|runbook|doc|docs|procedure|playbook|documentation} {does|did} not {mention|say|cover}",
            "{had|got} *2 {sign off|sign-off|approval|approvals|go ahead|green light}",
            "passed {every|all}",
            "{was|were} not {around|here|there} when",
            "only joined",
            "put {this|that|it} on {me|us}",
            "not {even|} in {my|our} {queue|backlog|scope|area|lane}",
            "the way *3 {been done|always done|always been done}",
            "{i|we|it} {just|} followed *3 {runbook|procedure|process|checklist|playbook|instructions|docs|doc|documentation|steps|protocol}",
        ],
    },
    // ---- counterfactual: hindsight about what someone should have done ----
    // Modal hindsight needs a person (or a passive "it"/"this") as subject:
    // "the alert should have fired" is a design expectation.
    RuleSource {
        label: Counterfactual,
        confidence: 0.88,
        flags: SELF_OK | PERSON_SUBJECT,
        patterns: &["should [not] have", "should never have", "ought to have"],
    },
    RuleSource {
        label: Counterfactual,
        confidence: 0.78,
        flags: SELF_OK | PERSON_SUBJECT,
        patterns: &[
            "could [not] have {just|easily|simply|} @PP",
            "could [not] have {just|easily|simply|} double",
            "would [not] have {just|easily|simply|} @PP",
            "would [not] have been {fine|ok|okay}",
            "{was|were} supposed to have",
        ],
    },
    RuleSource {
        label: Counterfactual,
        confidence: 0.88,
        flags: SELF_OK,
        patterns: &[
            "if only",
            "all {@OTHER|@ME|anyone|somebody|someone} had to do was",
            "{anyone|anybody|everyone} *6 {would|could} have {seen|noticed|caught|known|spotted|checked|realised|realized}",
            "any {reasonable|competent|decent} {engineer|person|engineers|sre}",
            "the signs were [all] there",
            "the writing was on the wall",
            "red flags everywhere",
            "how {could|did} {nobody|no one|not one person|not a single person} *2 {notice|miss|see|catch|spot}",
            "how could {anyone|@OTHER|@ME} not {notice|see|catch|miss}",
            "would have taken *3 {look|glance|second|seconds|minute|check}",
            "{preventable|avoidable}",
        ],
    },
    RuleSource {
        label: Counterfactual,
        confidence: 0.78,
        flags: SELF_OK,
        patterns: &[
            "if {@OTHER|@ME|anyone|someone|somebody} {had|} {just|only|actually|} {had|looked|checked|read|tested|waited|asked|noticed|paged|called}",
            "if {@OTHER|@ME|anyone|someone|somebody} had not",
            "if {we|they|he|she|you|someone|somebody|anyone|i|@NAME} [just|only] had [just|only] @PP",
            "had {@OTHER|@ME|anyone|someone|somebody} [just|only] @ANY *8 would",
            "^ had {anyone|anybody|someone|somebody|@OTHER|we|i} {just|only|even|} @PP",
            "{@OTHER|@ME|anyone|nobody|someone|the on call|oncall|the reviewer} [just|completely] failed to {notice|catch|escalate|check|see|spot|follow|read|test|page|act}",
            "{@OTHER|nobody|everyone|the on call|oncall|the reviewer|the reviewers} *2 {missed|ignored|overlooked|slept through} the *3 {alert|alerts|page|pages|warning|warnings|signs|alarm|alarms|graph|spike|email|ticket|expiry|notification|notifications}",
            "{it was|it is|it should have been} obvious",
            "obviously *6 {should|ignored|missed|wrong}",
            "{obviously|clearly} *3 {should|could|would} have",
            "was staring {us|them|him|her|you} in the face",
            "in hindsight",
            "{someone|somebody|we|you|they|@NAME} {needed|had} to *5 {earlier|sooner|faster|first}",
            "not {that|exactly} hard to {see|notice|catch|spot|check}",
            "{easy|simple} to {catch|spot|notice|prevent|avoid}",
            "why {did not|didn't} {you|he|she|they|anyone|we|someone|somebody} just",
            "{waited|took} too long to",
            "in black and white",
            "was all there",
        ],
    },
    // ---- exec_pressure: a culprit or a quick fix before the analysis ----
    RuleSource {
        label: ExecPressure,
        confidence: 0.9,
        flags: NEG_OK | META_OK,
        patterns: &[
            "why {was not|was} {this|it} [not] caught",
            "why did {not anyone|not anybody|not we|not you|nobody|no one} catch",
            "why did {it|this} take",
            "{can|must|should|will} never *2 happen again",
            "never *2 happens again",
            "unacceptable $",
            "unacceptable {from|to|for|and|that|this}",
            "who is {accountable|responsible}",
            "who is going to be held",
            "held accountable",
            "hold *2 accountable",
            "{want|need} a name",
            "{want|need} names",
            "give me {a name|names}",
            "{single|one} root cause",
            "{skip|jump} *2 to [the] {action items|fixes|fix|solution}",
            "there will be consequences",
            "heads {will|are going to} roll",
            "{someone|somebody} {is going|has|needs} to answer for",
            "{the board|the ceo|the cto|leadership|the execs|the customers} {is|are|was|were} asking",
            "{the board|the ceo|the cto|leadership} {wants|want|needs|need}",
            "{i|we} need the {rca|report|postmortem|post-mortem|write-up|writeup|answer|answers|fix} *3 {by|before}",
            "breathing down",
            "whose team",
            "need someone to own",
            "not leaving *3 without",
            "{need|want|without|give me} *2 root cause",
            "how did this {get|make it} *4 {production|prod}",
            "how is this even possible",
            "{do|does} not care about {timelines|the timeline|details|the details|the why}",
            "{do|does} not need the details",
            "{pull|pulled|revoke|revoked} *3 {rights|access|permissions}",
            "{rights|access|permissions} {pulled|revoked}",
        ],
    },
    RuleSource {
        label: ExecPressure,
        confidence: 0.8,
        flags: META_OK,
        patterns: &[
            "just add *3 {tests|test|alerts|alert|monitoring|check|checks|retry|retries|validation|checklist|approver|approval}",
            "let us just {add|fix|ship|mandate|require|ban|freeze}",
            "we are done here",
            "{want|need} {it|this|that} {fixed|done|resolved|closed|shipped} {by|before|today|tonight|asap}",
            "just {mandate|require|ban}",
            "freeze [all] {deploys|deployments|releases|changes}",
            "{deploy|deployment|change|code} freeze",
            "i do not care {how|why|what}",
            "how {fast|quickly|soon} can we",
            "tell *2 {the board|the ceo|the cto|the customers|leadership}",
            "{call|meeting|meet} with the {ceo|board|cto|vp|execs|customer|customers}",
            "can we [just] agree *3 and move on",
            "just *8 and {be done|we are done|move on|call it|close it|close this|wrap this up|wrap up|stop}",
            "{promised|owe} the {board|ceo|customers|execs}",
            "{needs|need} to be {nailed down|fixed|done|closed} *2 {today|tonight|now}",
            "give me {something|the one line|a one line|one line}",
            "in the next {five|ten|fifteen|twenty|few} minutes",
            "what is the fix",
            "{stop|quit} {relitigating|discussing|debating}",
            "{land|settle|agree} on a {cause|root cause}",
            "who broke {it|this|that}",
            "i need to be able to say",
            "{board|ceo|execs} *4 {asking|wants|report|answer|update}",
            "{i|we} need *3 {answer|answers|name|names|owner|report|rca|cause|fix} *4 {by|before|today|tonight|now|asap|eod}",
            "{fixed|done|resolved|closed} {asap|immediately|by tonight|today}",
            "{the board|the ceo|the cto|the vp|leadership|the execs|exec team|my boss|legal|the regulators|the auditors} *2 {wants|want|needs|need|asking|asked|expects|expect|demanding|is on my back|will ask}",
            "i have to {report|explain|answer} to",
            "{zero|no} tolerance",
            "never again",
            "not acceptable",
            "{let us|can we} {just|} {skip|jump|move|get} to {the|} {fix|fixes|action items|solution|solutions}",
            "what {are we|is the team|is everyone} doing about {him|her|them}",
            "{how|why} did *3 {slip|get|make it|go} through",
            "and {let us be done|be done|call it a day|close the ticket}",
            "call it a day",
            "culprit",
            "{do|does} not want the {full story|details|whole story|backstory|history}",
            "{i|we} {want|need} *3 {fix|fixes|answer|report|rca|name|names|owner} *4 {by|before|today|tonight|now|asap|eod}",
            "{skip|jump|move|get} *2 to {remediation|the fix|fixes|action items|solutions|solution}",
            "spent enough time on",
            "no more *4 without",
            "without my {sign off|sign-off|approval|say so|okay}",
            "{someone|somebody} is going to own",
            "in front of the {board|ceo|execs|customers|analysts}",
            "no excuses",
            "has to be {final|done|ready|finished|fixed} by",
            "what is being done about",
            "the people involved",
            "slap *3 on it",
            "what is the one thing",
            "{we|i} can not have this",
            "{i|we} need an answer",
        ],
    },
    // ---- dismissive: shutting down a line of inquiry, minimising ----
    RuleSource {
        label: Dismissive,
        confidence: 0.86,
        flags: NEG_OK,
        patterns: &[
            "{no|not a} big deal",
            "not that big {a|of a} deal",
            "we [all] already know what happened",
            "we all know what happened",
            "let us not waste",
            "waste of time",
            "not worth",
            "that is just how {it|they|this} {works|work|is|goes}",
            "it is what it is",
            "let us not go down",
            "rabbit hole",
            "who cares",
            "does not matter",
            "do not think *4 {matters|matter}",
            "do not need to {dig|go into|discuss|look|talk|spend}",
            "bad luck",
            "just unlucky",
            "act of god",
            "will not happen again",
            "blown out of proportion",
            "making a mountain",
            "{~overthink|~over-think|~overanaly|~overanalyz|~overcomplicat}",
            "nothing to {see|talk about|discuss|learn|dig into}",
            "{would not|do not|did not} read *2 into",
            "read too much into",
            "red herring",
            "{would not|do not|would not even} bother",
            "probably {unrelated|nothing|noise|fine}",
            "just noise",
            "we will be here all day",
            "a whole {meeting|discussion|postmortem|post-mortem|review}",
            "no real {damage|harm|impact}",
            "{a|just a|call it a} blip",
            "grand scheme",
            "cosmic ray",
            "can not plan for {that|this|it}",
            "always been like that",
            "not news",
            "not [really] the interesting part",
            "no point {digging|looking|discussing|in|talking}",
            "just does that",
            "but whatever",
            "it is done",
        ],
    },
    RuleSource {
        label: Dismissive,
        confidence: 0.78,
        flags: 0,
        patterns: &[
            "{fluke|freak}",
            "{one-off|one off|one-time|one time thing} {$|let|and|so|thing|event|incident|we|it|not|but|that|no|nobody|right|okay|ok|really|anyway|honestly|whatever|move}",
            "{it is|that is|it was|that was|this was|just} {an|a|} {edge|corner} case",
            "only *2 {few|handful} *2 {users|customers|requests|people}",
            "{everyone|everybody} knows",
            "{yeah|yes} but *6 whatever",
            "let us [just] move on",
            "moving on $",
            "move on from {this|that}",
            "{it|stuff|things|shit} happens",
            "happens to everyone",
            "happens all the time",
            "park it",
            "{just|only} {a|one} {blip|glitch|hiccup|fluke|one-off|typo|minor thing|small thing}",
            "{was|is|were} {just|only} *4 {users|customers|requests|people|minutes|seconds}",
            "{not|no} {a|} {real|big|huge|major} {problem|issue|deal|impact}",
            "happens {sometimes|occasionally|once in a while|every so often|now and then}",
            "nothing {we|anyone|you} {could|can} {do|have done}",
            "{would not|do not|wouldn't} {worry|stress} about",
            "{we|everyone} {all|already|} know {what|why|the cause}",
            "{overreact|overreacting|overkill|paranoid}",
            "meh",
            "water under the bridge",
            "let us not {dwell|dig|go there|get into|rehash}",
            "ancient history",
            "{we|everyone} {all|already|} know about {it|this|that}",
            "{that is|it is} {life|the job|ops|how it goes|computers}",
            "too far in the weeds",
            "{let us|can we} {drop|skip|table} {it|that|this}",
            "{would not|do not} {chase|bother|worry}",
            "do not think we need to",
            "{a|one} rare {thing|event|case|occurrence}",
            "once in a blue moon",
            "{what|nothing} *3 to learn {here|from}",
            "hardly {anybody|anyone|any}",
        ],
    },
];

/// All rules, compiled once.
pub fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        TABLE
            .iter()
            .flat_map(|source| {
                source
                    .patterns
                    .iter()
                    .flat_map(|pattern| expand(pattern))
                    .map(|pattern| Rule {
                        label: source.label,
                        confidence: source.confidence,
                        flags: source.flags,
                        pattern: Pattern::new(&pattern),
                        source: pattern,
                    })
            })
            .collect()
    })
}

/// Sentences that talk *about* blame, hindsight or fault rather than
/// assigning it: they cancel the matches in their sentence.
fn meta_patterns() -> &'static [Pattern] {
    static META: OnceLock<Vec<Pattern>> = OnceLock::new();
    META.get_or_init(|| {
        [
            "blameless",
            "git blame",
            "@NEG *3 about *3 fault|blame|blaming|who|names|anyone|person|people",
            "is not about",
            "not here to *2 blame|point",
            "not going to *2 blame|point|name",
            "let us not *3 blame|point|stop|name|say|use|assign",
            "not *2 looking for *2 blame|culprit|someone|who",
            "instead of *4 blame|blaming|fault|saying|should|who",
            "rather than *4 blame|blaming|fault|who|should",
            "no blame",
            "no one is *2 blame|blaming|in trouble|being graded|getting fired",
            "nobody is *2 blame|blaming|in trouble|being graded|getting fired",
            "not *2 blaming",
            "want to blame",
            "the {phrase|term|word|words}",
            "their words",
            "@NEG *4 {one-off|one off|fluke|edge case|bad luck}",
            "point|pointing fingers",
            "the word *2 should|blame|fault",
            "hindsight bias",
            "counterfactual|counterfactuals",
            "avoid *3 blame|should|names",
            "not *2 a name *2 but|we",
            "not *3 single root cause",
            "there is no single root cause",
        ]
        .into_iter()
        .flat_map(expand)
        .map(|p| Pattern::new(&p))
        .collect()
    })
}

/// Verbs that introduce reported speech.
const SAY_VERBS: &[&str] = &[
    "said",
    "says",
    "wrote",
    "writes",
    "claimed",
    "claims",
    "complained",
    "complains",
    "tweeted",
    "posted",
    "emailed",
    "quote",
    "accused",
    "accuses",
    "yelled",
    "shouted",
    "screamed",
    "reported",
    "put",
    "called",
    "asked",
    "asks",
    "insisted",
    "insists",
];

/// Why a match was set aside, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    /// Inside quotation marks.
    Quoted,
    /// After a verb of saying: someone else's words.
    Reported,
    /// A negation governs it.
    Negated,
    /// The sentence is talk about blame, not blame.
    Meta,
    /// The speaker is talking about themselves.
    SelfDirected,
    /// The subject is a system, not a person.
    SystemSubject,
}

/// Talk about blame in the sentence, before the match and not undone by a
/// "but" between them ("I'm not blaming anyone, but Dan was careless").
fn meta(scope: &mut Scope, found: Match) -> bool {
    let (start, end) = scope.sentence(found);
    let talk = scope.meta.entry(start).or_insert_with(|| {
        let sentence = &scope.tokens[start..end];
        meta_patterns()
            .iter()
            .flat_map(|p| p.find_all(sentence, scope.context))
            .map(|m| Match {
                start: start + m.start,
                end: start + m.end,
            })
            .collect()
    });
    let buts = &scope.buts_before;
    talk.iter()
        .any(|m| m.start < found.end && buts[found.start] == buts[m.end.min(found.start)])
}

/// One turn's tokens with what the context checks read for every match,
/// worked out once per turn: a turn the recogniser wrote without a full stop
/// is one long sentence, and scanning it again for each match made long turns
/// (an imported transcript's hour-long cue) take minutes.
pub struct Scope<'t> {
    tokens: &'t [Token],
    context: &'t Context<'t>,
    /// Per token, where its sentence starts.
    sentence_start: Vec<usize>,
    /// Per token index (and the end), the first sentence boundary at or
    /// after it, or the end of the turn.
    boundary_from: Vec<usize>,
    /// Per token index, how many "but"s come before it.
    buts_before: Vec<u32>,
    /// Meta-talk matches per sentence (keyed by its start), found on first use.
    meta: HashMap<usize, Vec<Match>>,
}

impl<'t> Scope<'t> {
    /// Works out the sentences and "but"s of `tokens` once.
    pub fn new(tokens: &'t [Token], context: &'t Context<'t>) -> Self {
        let n = tokens.len();
        let mut sentence_start = Vec::with_capacity(n);
        let mut start = 0;
        for (i, token) in tokens.iter().enumerate() {
            if token.boundary == Boundary::Sentence {
                start = i;
            }
            sentence_start.push(start);
        }
        // A sentence ends at the next token that starts one (which belongs to
        // the next sentence) or at the end of the turn.
        let mut boundary_from = vec![n; n + 1];
        for i in (0..n).rev() {
            boundary_from[i] = if tokens[i].boundary == Boundary::Sentence {
                i
            } else {
                boundary_from[i + 1]
            };
        }
        let mut buts_before = Vec::with_capacity(n + 1);
        let mut count = 0;
        buts_before.push(0);
        for token in tokens {
            count += u32::from(token.norm == "but");
            buts_before.push(count);
        }
        Scope {
            tokens,
            context,
            sentence_start,
            boundary_from,
            buts_before,
            meta: HashMap::new(),
        }
    }

    /// The sentence around a match: from the last sentence boundary at or
    /// before its first token to the first one at or after its end.
    fn sentence(&self, found: Match) -> (usize, usize) {
        (
            self.sentence_start[found.start],
            self.boundary_from[found.end],
        )
    }
}

/// Words that may sit between a subject and its modal ("Dan really should have").
const ADVERBS: &[&str] = &[
    "really",
    "probably",
    "definitely",
    "just",
    "also",
    "obviously",
    "clearly",
    "honestly",
    "literally",
    "totally",
    "actually",
    "still",
    "maybe",
];

/// The word before the match (skipping adverbs) is a noun that names a
/// thing: "the alert should have fired", "the client could have a suffix".
fn system_subject(tokens: &[Token], found: Match, context: &Context) -> bool {
    let mut i = found.start;
    let subject = loop {
        if i == 0 || tokens[i].boundary == Boundary::Sentence {
            return false;
        }
        i -= 1;
        if !ADVERBS.contains(&tokens[i].norm.as_str()) {
            break &tokens[i];
        }
    };
    if in_class(Class::Other, subject, context) || in_class(Class::Me, subject, context) {
        return false;
    }
    !matches!(
        subject.norm.as_str(),
        "it" | "this"
            | "that"
            | "someone"
            | "somebody"
            | "anyone"
            | "anybody"
            | "everyone"
            | "nobody"
            | "one"
            | "call"
            | "oncall"
            | "reviewer"
            | "reviewers"
            | "who"
            | "and"
            | "but"
            | "so"
            | "like"
            | "yeah"
            | "okay"
            | "ok"
            | "guess"
            | "mean"
            | "think"
            | "know"
            | "if"
            | "then"
            | "because"
            | "there"
            | "all"
            | "which"
    )
}

/// Returns why `found` (a match of `rule`) does not count, if it doesn't.
pub fn cancelled(rule: &Rule, found: Match, scope: &mut Scope) -> Option<Cancelled> {
    let (tokens, context) = (scope.tokens, scope.context);
    if tokens[found.start..found.end].iter().any(|t| t.quoted) {
        return Some(Cancelled::Quoted);
    }
    let (sentence_start, _) = scope.sentence(found);
    if reported(tokens, sentence_start, found.start, context) {
        return Some(Cancelled::Reported);
    }
    if rule.flags & NEG_OK == 0 && negated(tokens, found.start, context) {
        return Some(Cancelled::Negated);
    }
    if rule.flags & META_OK == 0 && meta(scope, found) {
        return Some(Cancelled::Meta);
    }
    if rule.flags & PERSON_SUBJECT != 0 && system_subject(tokens, found, context) {
        return Some(Cancelled::SystemSubject);
    }
    if rule.flags & SELF_OK == 0
        && rule.label == Label::Blame
        && self_directed(tokens, found, context)
    {
        return Some(Cancelled::SelfDirected);
    }
    None
}

/// A verb of saying earlier in the sentence whose subject is someone else.
fn reported(
    tokens: &[Token],
    sentence_start: usize,
    match_start: usize,
    context: &Context,
) -> bool {
    // "Nobody told me", "I asked": the speaker's own claim.
    let first = &tokens[match_start];
    if in_class(Class::Me, first, context) || in_class(Class::Neg, first, context) {
        return false;
    }
    // A conjunction after the verb of saying starts the speaker's own
    // clause: "the runbook says seconds so I put seconds". So only the words
    // after the last conjunction before the match can introduce a report
    // (found once: scanning from every word made long turns cubic).
    let after_conjunction = (sentence_start..match_start)
        .rev()
        .find(|&i| matches!(tokens[i].norm.as_str(), "and" | "so" | "but" | "because"))
        .map_or(sentence_start, |i| i + 1);
    (after_conjunction..match_start).any(|i| {
        let word = tokens[i].norm.as_str();
        if word == "according" && tokens.get(i + 1).is_some_and(|t| t.norm == "to") {
            return true;
        }
        if !SAY_VERBS.contains(&word) {
            return false;
        }
        // "put" rarely introduces someone's words; "called" only as
        // "called it ...".
        if word == "put"
            || (word == "called"
                && !tokens.get(i + 1).is_some_and(|t| {
                    matches!(
                        t.norm.as_str(),
                        "it" | "this" | "that" | "us" | "them" | "him" | "her"
                    )
                }))
        {
            return false;
        }
        // "like Priya said", "as Dan said": agreement, not a report.
        if i >= sentence_start + 2 && matches!(tokens[i - 2].norm.as_str(), "like" | "as") {
            return false;
        }
        // "Nobody said" / "no one asked" are not reports of words.
        let subject = tokens[sentence_start..i].iter().rev().find(|t| {
            !matches!(
                t.norm.as_str(),
                "also" | "just" | "even" | "literally" | "basically"
            )
        });
        !subject.is_some_and(|t| in_class(Class::Neg, t, context) || t.norm == "one")
    })
}

/// A negator within three tokens before the match, in the same clause.
fn negated(tokens: &[Token], match_start: usize, context: &Context) -> bool {
    // A match that opens with its own subject ("Mei changed it without
    // telling anyone") starts a new clause: a negation before it belongs
    // to the previous one ("it's not my fault").
    if in_class(Class::Other, &tokens[match_start], context) {
        return false;
    }
    let mut i = match_start;
    let mut steps = 0;
    while i > 0 && steps < 3 {
        if tokens[i].boundary != Boundary::None {
            return false;
        }
        i -= 1;
        steps += 1;
        if in_class(Class::Neg, &tokens[i], context) {
            return true;
        }
    }
    false
}

/// The nearest person before the match in its clause is the speaker: "I was
/// careless" is self-reflection, not blame.
fn self_directed(tokens: &[Token], found: Match, context: &Context) -> bool {
    // A match that opens with someone else ("Dan just cowboyed it") is
    // about them; otherwise the nearest person in the four words before it
    // is its subject ("I was careless").
    if in_class(Class::Other, &tokens[found.start], context) {
        return false;
    }
    let mut i = found.start;
    let stop = found.start.saturating_sub(4);
    while i > stop {
        if tokens[i].boundary != Boundary::None {
            return false;
        }
        i -= 1;
        let token = &tokens[i];
        // "I mean you always...", "I think he was careless": a frame, not
        // the subject.
        let frame = tokens.get(i + 1).is_some_and(|t| {
            matches!(
                t.norm.as_str(),
                "mean" | "think" | "guess" | "feel" | "believe" | "swear" | "know" | "bet"
            )
        });
        if in_class(Class::Me, token, context) && !frame {
            return true;
        }
        if in_class(Class::Other, token, context) {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_compiles() {
        eprintln!("{} compiled rules", rules().len());
        assert!(rules().len() > 100);
        assert!(!meta_patterns().is_empty());
    }
}
