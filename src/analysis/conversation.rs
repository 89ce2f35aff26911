//! Action items as the meeting agrees them, over several turns.
//!
//! An item is rarely said in one sentence. The facilitator asks ("Lena, can
//! you own the retry budget?"), the owner accepts, maybe with another date
//! ("Friday's tough, could we say the nineteenth"), someone amends it later
//! ("actually make that Thursday", "give it to me"), and at the end the
//! facilitator reads the list back. [`ActionLog`] follows that exchange turn
//! by turn, so live and after the meeting the same turns give the same
//! items: one per agreed piece of work, with its owner (a person or team,
//! never a pronoun: the speaker who accepted when speakers are known, else
//! the name said in the request), a task phrase, the deadline as said and
//! as a date from the meeting's date, and the turns it came from.
//!
//! Not items: proposals that were rejected or withdrawn, talk about action
//! items ("let's turn those into action items"), facts about ownership
//! ("the storage team owns those nodes"), past work, hedged wishes nobody
//! took, and the closing read-back, which restates items already agreed.
//! The read-back is the meeting's own list, so the consolidated list is
//! checked against it: what it leaves out is dropped, what only it names
//! is added. Live, items still appear as they are agreed.
//!
//! The log holds state between turns but does no IO and never fails: a
//! pure fold over the meeting's turns.

use std::cmp::Reverse;
use std::sync::LazyLock;

use time::Date;

use super::actions::{capitalise, ActionItem};
use super::due::{find_dues, Due};
use super::text::{tokenize, Boundary, Token};

/// A turn as the action log sees it.
#[derive(Debug, Clone, Copy)]
pub struct ConversationTurn<'a> {
    /// Turn id, kept in the items it contributes to.
    pub id: u64,
    /// Who spoke: a person's name, or `None` (or a speaker id such as
    /// "S2") when speakers are not known by name.
    pub speaker: Option<&'a str>,
    /// Said by the facilitator.
    pub facilitator: bool,
    /// What was said.
    pub text: &'a str,
}

/// What one turn did to the meeting's action items.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TurnActions {
    /// Items agreed or changed by this turn, as they stand now.
    pub agreed: Vec<ActionItem>,
    /// Items whose exchange has ended while they still miss an owner or a
    /// deadline nobody said they could do without: worth a nudge now.
    pub incomplete: Vec<ActionItem>,
}

/// How far along an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Asked or proposed; nobody has taken it yet.
    Proposed,
    /// Someone took it, or the facilitator recorded it.
    Agreed,
    /// Rejected, withdrawn, or never taken by the one asked.
    Dropped,
}

/// A draft's stage, owner, due date and task before a turn, to see what
/// the turn changed.
type DraftState = (
    Stage,
    Option<String>,
    Option<(String, Option<Date>)>,
    String,
);

/// One item as the exchange builds it.
#[derive(Debug, Clone)]
struct Draft {
    owner: Option<String>,
    /// The person or team the request named, before anyone accepted.
    asked: Option<String>,
    /// Words before a request asked of no known name, in its sentence: one
    /// may be the name of someone not heard yet ("mireille can you ..."),
    /// whose answer then counts as the one asked.
    unheard: Vec<String>,
    task: String,
    due: Option<(String, Option<Date>)>,
    turns: Vec<u64>,
    stage: Stage,
    /// The task came from the request's own verb phrase, not from the
    /// words around it: an acceptance keeps it.
    rich: bool,
    /// Asked of someone by name without a verb of work ("Teodor, the
    /// circuit breaker"): dropped unless that person answers at once.
    weak: bool,
    /// An unowned need ("someone needs to audit them") that stays on the
    /// list without an owner unless it is rejected.
    need: bool,
    /// Only offered ("i could send over the exporter config"): someone
    /// turning it down right after ends it.
    offered: bool,
    /// The facilitator said it goes without a date / an owner for now.
    no_date_ok: bool,
    no_owner_ok: bool,
    /// Turn index of the last change.
    touched: usize,
    /// The nudge for a missing owner or date was already given.
    nudged: bool,
}

impl Draft {
    /// An item agreed in turns `turns` (the last change at turn index
    /// `touched`), with nobody named and no deadline yet: the fields a
    /// new draft does not say otherwise.
    fn agreed(task: String, turns: Vec<u64>, touched: usize) -> Draft {
        Draft {
            owner: None,
            asked: None,
            unheard: Vec::new(),
            task,
            due: None,
            turns,
            stage: Stage::Agreed,
            rich: true,
            weak: false,
            need: false,
            offered: false,
            no_date_ok: false,
            no_owner_ok: false,
            touched,
            nudged: false,
        }
    }

    fn item(&self) -> ActionItem {
        ActionItem {
            owner: self.owner.clone(),
            task: self.task.clone(),
            due: self.due.as_ref().map(|(p, _)| p.clone()),
            due_date: self
                .due
                .as_ref()
                .and_then(|(_, d)| d.map(|d| d.to_string())),
            turns: self.turns.clone(),
            evidence: [0, 0],
        }
    }

    fn touch(&mut self, id: u64, index: usize) {
        self.join_turns(&[id]);
        self.touched = index;
    }

    /// Adds the turns it does not hold yet.
    fn join_turns(&mut self, turns: &[u64]) {
        for &t in turns {
            if !self.turns.contains(&t) {
                self.turns.push(t);
            }
        }
    }

    /// Both have the same owner, or neither has one.
    fn same_owner(&self, other: &Draft) -> bool {
        self.owner.as_deref().map(owner_key) == other.owner.as_deref().map(owner_key)
    }

    fn listed(&self) -> bool {
        (self.stage == Stage::Agreed || (self.stage == Stage::Proposed && self.need))
            && !only_item_talk(&self.task)
    }
}

/// One item as the closing read-back says it: an owner's words up to a
/// deadline.
struct ReadBackPart {
    /// Which owner's stretch of the read-back it is in.
    stretch: usize,
    /// The owner's key and the owner as said.
    owner: String,
    shown: String,
    /// The words for the work, and their content words.
    task: String,
    words: Vec<String>,
    due: Option<Due>,
    /// The owner's stretch says "no date", or the part says several
    /// deadlines: it dates no item.
    undated: bool,
    /// The part itself says its item has no deadline ("sipho the b shift
    /// drill, no date yet"): the item it speaks of loses any day a later
    /// turn lent it.
    no_date: bool,
    /// "sean nothing with your name on it this time".
    nothing: bool,
}

impl ReadBackPart {
    /// Content words of `d`'s task that this part says too.
    fn shared(&self, d: &Draft) -> usize {
        content_words(&d.task)
            .iter()
            .filter(|t| self.words.contains(t))
            .count()
    }

    /// How many items the part says: "the tls handshake alert and the
    /// manual failover section in the runbook" is two, "raise the pool"
    /// one. Each side of an "and" needs two words of its own.
    fn items_said(&self) -> usize {
        let words: Vec<&str> = self.task.split(' ').collect();
        let mut n = 1;
        let mut from = 0;
        for (i, word) in words.iter().enumerate() {
            if *word == "and"
                && content_words(&words[from..i].join(" ")).len() >= 2
                && content_words(&words[i + 1..].join(" ")).len() >= 2
            {
                n += 1;
                from = i + 1;
            }
        }
        n
    }

    /// `d` is due when this part says.
    fn same_due(&self, d: &Draft) -> bool {
        match (&self.due, &d.due) {
            (Some(due), Some((phrase, date))) => match (due.date, date) {
                (Some(a), Some(b)) => a == *b,
                (None, None) => due.phrase == *phrase,
                _ => false,
            },
            _ => false,
        }
    }
}

/// Which of the read-back's parts speaks of `d`: of its owner's parts
/// that share a word with its task, the one giving its date, or else the
/// one sharing most words (the first on a tie).
fn read_back_part_of(parts: &[ReadBackPart], d: &Draft) -> Option<usize> {
    let owner = d.owner.as_deref().map(owner_key)?;
    let candidates: Vec<(usize, usize)> = parts
        .iter()
        .enumerate()
        .filter(|(_, p)| p.owner == owner)
        .map(|(i, p)| (i, p.shared(d)))
        .filter(|&(_, n)| n > 0)
        .collect();
    candidates
        .iter()
        .find(|&&(i, _)| parts[i].same_due(d))
        .or_else(|| candidates.iter().rev().max_by_key(|&&(_, n)| n))
        .map(|&(i, _)| i)
}

/// Words between an owner's name and the work in a read-back ("will",
/// "is going to", "and").
const READ_BACK_LEAD: &[&str] = &[
    "will", "to", "is", "going", "has", "owns", "takes", "on", "with", "and",
];

/// Turns after its last change at which an exchange counts as over.
const EXCHANGE_TURNS: usize = 3;

/// The meeting's action items, followed turn by turn.
#[derive(Debug, Clone)]
pub struct ActionLog {
    today: Option<Date>,
    names: Vec<String>,
    /// The speakers heard so far, as they are labelled.
    voices: Vec<String>,
    drafts: Vec<Draft>,
    focus: Option<usize>,
    /// The facilitator announced the read-back; their next turn is it.
    readback_next: bool,
    /// The read-back was given: later facilitator turns restate.
    readback_done: bool,
    index: usize,
    last_speaker: Option<String>,
    /// The last speaker who was not the facilitator: "you" in a request.
    last_participant: Option<String>,
    /// The draft changed last, for the facilitator's confirmations.
    last_touched: Option<usize>,
    /// The subject of the previous turn, for "is that also you".
    last_gist: Option<String>,
    /// Every turn's id and text, to state an item's work in the words of
    /// its exchange when its own task phrase does not read as work.
    said: Vec<(u64, String)>,
    /// What the facilitator's closing read-back said.
    read_back: String,
    /// The index and the id of the turn the read-back began at.
    read_back_at: Option<usize>,
    read_back_turn: Option<u64>,
    /// The index of the latest turn read as part of the read-back.
    read_back_last: Option<usize>,
    /// Who read it back (an owner key), for "the write up from me".
    reader: Option<String>,
}

impl ActionLog {
    /// A log for a meeting held on `today` (deadlines become dates from
    /// it), with `names` the lower-case names known to be people.
    pub fn new(today: Option<Date>, names: &[String]) -> ActionLog {
        ActionLog {
            today,
            names: names.to_vec(),
            voices: Vec::new(),
            drafts: Vec::new(),
            focus: None,
            readback_next: false,
            readback_done: false,
            index: 0,
            last_speaker: None,
            last_participant: None,
            last_touched: None,
            last_gist: None,
            said: Vec::new(),
            read_back: String::new(),
            read_back_at: None,
            read_back_turn: None,
            read_back_last: None,
            reader: None,
        }
    }

    /// Adds a name known to be a person (a speaker, a participant).
    pub fn learn(&mut self, name: &str) {
        let name = name.trim().to_lowercase();
        if !name.is_empty() && name.chars().all(char::is_alphabetic) && !self.names.contains(&name)
        {
            self.names.push(name);
        }
    }

    /// Follows one more turn.
    pub fn on_turn(&mut self, turn: &ConversationTurn) -> TurnActions {
        // A voice nobody has named yet ("S2") is still a person: "I'll do
        // it" is theirs, and `speakers rename` later names the owner.
        let speaker = turn
            .speaker
            .filter(|s| is_name(s) || is_voice_id(s))
            .map(str::to_string);
        if let Some(s) = &speaker {
            self.learn(s);
            if !self.voices.contains(s) {
                self.voices.push(s.clone());
            }
        }
        let before: Vec<DraftState> = self
            .drafts
            .iter()
            .map(|d| (d.stage, d.owner.clone(), d.due.clone(), d.task.clone()))
            .collect();
        let focus_before = self.focus;
        self.said.push((turn.id, turn.text.to_string()));
        self.apply(turn, speaker.as_deref());
        let tokens = tokenize(turn.text);
        let chars: Vec<char> = turn.text.chars().collect();
        self.last_gist = topic(
            &tokens,
            &chars,
            &[],
            &find_dues(&tokens, &chars, None),
            tokens.len(),
        );
        self.index += 1;
        if !turn.facilitator {
            self.last_participant = speaker.clone();
        }
        self.last_speaker = speaker;

        if let Some((k, _)) = self
            .drafts
            .iter()
            .enumerate()
            .rfind(|(_, d)| d.stage != Stage::Dropped && d.touched + 1 == self.index)
        {
            self.last_touched = Some(k);
        }
        let mut out = TurnActions::default();
        for (k, d) in self.drafts.iter().enumerate() {
            let changed = match before.get(k) {
                Some((stage, owner, due, task)) => {
                    *stage != d.stage || *owner != d.owner || *due != d.due || *task != d.task
                }
                None => true,
            };
            if changed && d.stage == Stage::Agreed && d.listed() {
                out.agreed.push(self.shown(d));
            }
        }
        // Exchanges that just ended: the focus moved on, or nothing was
        // added for a few turns.
        let index = self.index;
        let mut ended_incomplete = Vec::new();
        for (k, d) in self.drafts.iter_mut().enumerate() {
            let ended = (focus_before == Some(k) && self.focus != Some(k))
                || index.saturating_sub(d.touched) == EXCHANGE_TURNS
                || (self.focus != Some(k) && index.saturating_sub(d.touched) > EXCHANGE_TURNS);
            if ended && !d.nudged && d.listed() && incomplete(d) {
                d.nudged = true;
                ended_incomplete.push(k);
            }
        }
        out.incomplete = ended_incomplete
            .into_iter()
            .map(|k| self.shown(&self.drafts[k]))
            .collect();
        out
    }

    /// The meeting is over: items still missing an owner or a date that
    /// were not nudged yet.
    pub fn finish(&mut self) -> Vec<ActionItem> {
        let mut out = Vec::new();
        for k in 0..self.drafts.len() {
            let d = &mut self.drafts[k];
            if !d.nudged && d.listed() && incomplete(d) {
                d.nudged = true;
                out.push(self.shown(&self.drafts[k]));
            }
        }
        out
    }

    /// The consolidated list: agreed items (and needs left without an
    /// owner), duplicates merged with the later words winning, in the order
    /// they were first raised.
    pub fn items(&self) -> Vec<ActionItem> {
        let mut merged: Vec<Draft> = Vec::new();
        for d in self.drafts.iter().filter(|d| d.listed()) {
            let d = &self.restated(d);
            let same = merged
                .iter_mut()
                .find(|m| m.same_owner(d) && task_similarity(&m.task, &d.task) >= 0.5);
            match same {
                Some(m) => {
                    if d.due.is_some() {
                        m.due = d.due.clone();
                    }
                    m.join_turns(&d.turns);
                }
                None => merged.push(d.clone()),
            }
        }
        // "down as an action item with no owner for now audit the inactive
        // accounts": the work is what follows; "convert all these points
        // into action items" is talk about them.
        merged.retain_mut(|d| match after_item_talk(&d.task) {
            None => true,
            Some(Some(task)) => {
                d.task = task;
                true
            }
            // Logged on purpose without an owner ("i'll put it down as an
            // action item anyway, owner tbd"): the work is what its
            // exchange raised first.
            Some(None) if d.no_owner_ok => {
                if let Some(topic) = self.first_topic(&d.turns) {
                    if after_item_talk(&topic).is_none() {
                        d.task = topic;
                    }
                }
                true
            }
            Some(None) => d.owner.is_some(),
        });
        merged.retain(|d| !closes_the_meeting(&d.task));
        self.keep_read_back(&mut merged);
        fold_fragments(&mut merged);
        merged
            .iter()
            .map(|d| {
                let mut item = d.item();
                item.turns.sort_unstable();
                item.owner = item.owner.map(|o| self.heard_as(o));
                item
            })
            .collect()
    }

    /// The speaker an owner's name was misheard for ("tomas" asked,
    /// Tomasz answering), when exactly one speaker is that close.
    fn heard_as(&self, owner: String) -> String {
        let key = owner_key(&owner);
        if self.voices.iter().any(|v| owner_key(v) == key) {
            return owner;
        }
        let mut close = self.voices.iter().filter(|v| misheard(&owner_key(v), &key));
        match (close.next(), close.next()) {
            (Some(v), None) => v.clone(),
            _ => owner,
        }
    }

    /// When the facilitator read the items back and the read-back names
    /// most of them, the ones it leaves out were not agreed (a proposal
    /// taken for an acceptance, a joke, talk about an item), and what it
    /// names that no item holds is one.
    fn keep_read_back(&self, items: &mut Vec<Draft>) {
        if self.read_back.is_empty() {
            return;
        }
        let tokens = tokenize(&self.read_back);
        let at = self.read_back_at.unwrap_or(0);
        let reader = self.reader.as_deref();
        // Agreed after the read-back began (the facilitator's "i'll send
        // the notes round") or read back: kept.
        let mut kept: Vec<bool> = items
            .iter()
            .map(|d| d.touched >= at || read_back_names(&tokens, d, items, reader))
            .collect();
        let n_read = kept.iter().filter(|r| **r).count();
        if n_read < 2 || 2 * n_read < items.len() {
            return;
        }
        let chars: Vec<char> = self.read_back.chars().collect();
        let dues = find_dues(&tokens, &chars, self.today);
        let parts = self.read_back_parts(&tokens, &dues, items);
        self.no_more_than_read(&tokens, &dues, &parts, items, &mut kept);
        let mut k = 0;
        items.retain(|_| {
            k += 1;
            kept[k - 1]
        });
        let parts = self.read_back_parts(&tokens, &dues, items);
        self.read_back_items(&parts, items);
        self.read_back_dues(&parts, items);
        self.read_back_unowned(&tokens, &chars, &dues, items);
    }

    /// Work the read-back lists without an owner, in a sentence of its own
    /// that names nobody ("and the audit of home and project snapshots, no
    /// owner yet"): an item with no owner, unless one already holds it.
    fn read_back_unowned(
        &self,
        tokens: &[Token],
        chars: &[char],
        dues: &[Due],
        items: &mut Vec<Draft>,
    ) {
        let mentions = self.owners_read_back(tokens, items);
        let mut start = 0;
        while start < tokens.len() {
            let (_, end) = sentence_of(tokens, start);
            let sentence = start..end;
            start = end;
            let Some(k) = sentence.clone().find(|&x| {
                (w(tokens, x) == "no" && w(tokens, x + 1) == "owner") || w(tokens, x) == "unowned"
            }) else {
                continue;
            };
            if mentions.iter().any(|m| sentence.contains(&m.0)) {
                continue;
            }
            let mut from = sentence.start;
            while from < k && matches!(w(tokens, from), "and" | "also" | "plus" | "then") {
                from += 1;
            }
            let due = dues
                .iter()
                .find(|d| sentence.contains(&d.tokens.0) && d.tokens.0 > from);
            let stop = due.map_or(k, |d| d.tokens.0.min(k));
            if stop <= from {
                continue;
            }
            let task = clean_topic(&words_text(tokens, chars, from, stop));
            if content_words(&task).len() < 2
                || items.iter().any(|d| task_similarity(&d.task, &task) >= 0.5)
            {
                continue;
            }
            items.push(Draft {
                due: due.map(|d| (d.phrase.clone(), d.date)),
                no_owner_ok: true,
                nudged: true,
                ..Draft::agreed(task, self.read_back_turn.into_iter().collect(), self.index)
            });
        }
    }

    /// An owner keeps no more of the items agreed before the read-back
    /// than the read-back gives them: a fragment of talk taken for a
    /// second item ("don't wanna commit their time without asking let me
    /// take") goes, and so does a remark taken for one ("i know the
    /// upgrades team has something like that") when the reader's own item
    /// is read back with its day. The items kept are first those whose
    /// deadline the read-back says or that have none yet, then those it
    /// names in more words, then the latest.
    fn no_more_than_read(
        &self,
        tokens: &[Token],
        dues: &[Due],
        parts: &[ReadBackPart],
        items: &[Draft],
        kept: &mut [bool],
    ) {
        let at = self.read_back_at.unwrap_or(0);
        let reader = self.reader.as_deref();
        let mut owners: Vec<String> = items
            .iter()
            .filter_map(|d| d.owner.as_deref().map(owner_key))
            .collect();
        owners.sort_unstable();
        owners.dedup();
        for owner in owners {
            let mut read: usize = parts
                .iter()
                .filter(|p| p.owner == owner && !p.nothing)
                .map(ReadBackPart::items_said)
                .sum();
            // The reader's own items are read back as "me" or "i", not in
            // a part of their own.
            if read == 0 && !owner_mentions(tokens, &owner, reader).is_empty() {
                read = 1;
            }
            let mut held: Vec<usize> = (0..items.len())
                .filter(|&k| {
                    kept[k]
                        && items[k].touched < at
                        && items[k].owner.as_deref().map(owner_key).as_ref() == Some(&owner)
                })
                .collect();
            if held.len() <= read {
                continue;
            }
            // Its deadline read back, or none yet (the read-back may give
            // it one): not contradicted.
            let dated = |d: &Draft| match d.due.as_ref() {
                None => true,
                Some((_, date)) => date.is_some() && dues.iter().any(|due| due.date == *date),
            };
            held.sort_by_cached_key(|&k| {
                let d = &items[k];
                Reverse((dated(d), read_back_overlap(tokens, d, reader), d.touched))
            });
            for &k in &held[read..] {
                kept[k] = false;
            }
        }
    }

    /// The read-back cut into the items it names: each owner's words to
    /// the next owner or the sentence's end, cut again after each deadline
    /// ("sofia the gateway cert tomorrow and the rest of the migration
    /// certs by the twenty second" is two of Sofia's items).
    fn read_back_parts(
        &self,
        tokens: &[Token],
        dues: &[Due],
        items: &[Draft],
    ) -> Vec<ReadBackPart> {
        let mut parts = Vec::new();
        let stretches = self.owner_stretches(tokens, items);
        for (stretch, (after, mut end, owner, shown)) in stretches.into_iter().enumerate() {
            if let Some(b) = (after + 1..end).find(|&x| tokens[x].boundary == Boundary::Sentence) {
                end = b;
            }
            // "priya the failover runbook, no date".
            let says_no_date = |x: usize| {
                matches!(w(tokens, x), "no" | "without")
                    && matches!(w(tokens, x + 1), "date" | "deadline" | "a")
            };
            let undated = (after..end).any(says_no_date);
            let here: Vec<&Due> = dues
                .iter()
                .filter(|d| d.tokens.0 >= after && d.tokens.0 < end)
                .collect();
            // Cut after a deadline only where another item follows: "and"
            // and two words of work ("pool bump by thursday and the
            // saturation alert friday"), not "the tuesday peak by end of
            // the month" or "end of day tomorrow".
            let mut cuts = vec![after];
            let mut part_dues: Vec<Vec<&Due>> = vec![Vec::new()];
            for (k, due) in here.iter().enumerate() {
                part_dues.last_mut().expect("one part at least").push(due);
                let next = here.get(k + 1).map_or(end, |d| d.tokens.0);
                let rest: Vec<&str> = (due.tokens.1..next).map(|x| w(tokens, x)).collect();
                if matches!(rest.first(), Some(&("and" | "also" | "plus")))
                    && content_words(&rest.join(" ")).len() >= 2
                {
                    cuts.push(due.tokens.1);
                    part_dues.push(Vec::new());
                }
            }
            for (k, &from) in cuts.iter().enumerate() {
                // Several deadlines in one part: the first one's words, and
                // the deadline too unsure to date items by.
                let due = part_dues[k].first().copied();
                let part_end = cuts.get(k + 1).copied().unwrap_or(end);
                let no_date = due.is_none() && (from..part_end).any(says_no_date);
                let stop = due.map_or(end, |d| d.tokens.0);
                let mut start = from;
                while start < stop && READ_BACK_LEAD.contains(&w(tokens, start)) {
                    start += 1;
                }
                // "sean nothing with your name on it", "and the real time
                // alert is parked with no owner".
                let nothing = matches!(w(tokens, start), "nothing" | "none" | "no")
                    || (start..stop).any(|x| {
                        matches!(w(tokens, x), "nobody" | "unowned" | "parked")
                            || (w(tokens, x) == "no" && w(tokens, x + 1) == "owner")
                    });
                let mut words: Vec<String> =
                    (start..stop).map(|x| w(tokens, x).to_string()).collect();
                while matches!(
                    words.last().map(String::as_str),
                    Some("and" | "by" | "the" | "for" | "before" | "until")
                ) {
                    words.pop();
                }
                if let Some(base) = words.first().and_then(|v| present_base(v)) {
                    words[0] = base.to_string();
                }
                let task = words.join(" ");
                parts.push(ReadBackPart {
                    stretch,
                    owner: owner.clone(),
                    shown: shown.clone(),
                    words: content_words(&task),
                    task,
                    due: due.cloned(),
                    undated: undated || part_dues[k].len() > 1,
                    no_date,
                    nothing,
                });
            }
        }
        parts
    }

    /// The deadline the read-back gives an owner's items agreed before it:
    /// "nkechi adds the tls handshake alert and the failover section in
    /// the runbook by friday" dates both of Nkechi's items it names: each
    /// item takes the date of the part that speaks of it, when that part
    /// says one deadline and its stretch no "no date". An event ("before
    /// the july roster") only dates an item without a deadline.
    fn read_back_dues(&self, parts: &[ReadBackPart], items: &mut [Draft]) {
        let at = self.read_back_at.unwrap_or(0);
        for (i, part) in parts.iter().enumerate() {
            let due = part.due.as_ref().filter(|_| !part.undated);
            if !part.no_date && due.is_none() {
                continue;
            }
            for d in items
                .iter_mut()
                .filter(|d| d.touched < at && read_back_part_of(parts, d) == Some(i))
            {
                if part.no_date {
                    d.due = None;
                    d.no_date_ok = true;
                } else if let Some(due) = due {
                    let dated = d.due.as_ref().and_then(|(_, x)| *x);
                    if (due.date.is_some() || d.due.is_none())
                        && (dated != due.date || d.due.is_none())
                    {
                        d.due = Some((due.phrase.clone(), due.date));
                    }
                }
            }
        }
    }

    /// What the read-back says of items no exchange gave, or gave with a
    /// task cut badly: "priya the failover runbook by the ninth" with no
    /// item for Priya's runbook becomes one; Priya's item due the ninth
    /// whose task was "prepare everything" takes the read-back's words.
    fn read_back_items(&self, parts: &[ReadBackPart], items: &mut Vec<Draft>) {
        for (i, part) in parts.iter().enumerate() {
            if part.nothing || part.words.len() < 2 {
                continue;
            }
            let mine = |d: &Draft| d.owner.as_deref().map(owner_key) == Some(part.owner.clone());
            let date = part.due.as_ref().and_then(|d| d.date);
            // Said of an item already held: another owner's with two of its
            // words, or the owner's with one, unless the item is the one
            // another part of the same stretch names or dates.
            let elsewhere = |d: &Draft| {
                read_back_part_of(parts, d)
                    .is_some_and(|j| j != i && parts[j].stretch == part.stretch)
            };
            if items.iter().any(|d| {
                let shared = part.shared(d);
                (!mine(d) && shared >= 2)
                    || (mine(d) && shared >= 1 && (part.same_due(d) || !elsewhere(d)))
            }) {
                continue;
            }
            // The owner's item with this date, its task cut badly: the
            // read-back says what it is.
            if let Some(d) = items.iter_mut().find(|d| {
                mine(d)
                    && date.is_some()
                    && d.due.as_ref().and_then(|(_, x)| *x) == date
                    && !reads_as_work(&d.task)
            }) {
                d.task = part.task.clone();
                continue;
            }
            // One item held two of the owner's ("raise the pool and add the
            // saturation alert", read back as "pool bump by thursday and the
            // saturation alert friday"): it keeps the half its part names.
            for d in items.iter_mut().filter(|d| mine(d)) {
                let Some(j) = read_back_part_of(parts, d) else {
                    continue;
                };
                if let Some((first, second)) = d.task.rsplit_once(" and ") {
                    let said = |p: &ReadBackPart, t: &str| {
                        content_words(t).iter().any(|c| p.words.contains(c))
                    };
                    if said(&parts[j], first)
                        && !said(&parts[j], second)
                        && said(part, second)
                        && !said(part, first)
                    {
                        d.task = first.to_string();
                    }
                }
            }
            items.push(Draft {
                owner: Some(part.shown.clone()),
                due: part.due.as_ref().map(|d| (d.phrase.clone(), d.date)),
                nudged: true,
                ..Draft::agreed(
                    part.task.clone(),
                    self.read_back_turn.into_iter().collect(),
                    self.index,
                )
            });
        }
    }

    /// The read-back's words for each owner it names: from the token after
    /// the name to the next owner's name, at most 30 words on. Each as
    /// (first token, end, owner key, owner as shown).
    fn owner_stretches(
        &self,
        tokens: &[Token],
        items: &[Draft],
    ) -> Vec<(usize, usize, String, String)> {
        let mentions = self.owners_read_back(tokens, items);
        let starts: Vec<usize> = mentions.iter().map(|m| m.0).collect();
        mentions
            .into_iter()
            .enumerate()
            .map(|(j, (k, after, owner, shown))| {
                let end = starts.get(j + 1).map_or(tokens.len(), |&s| s).min(k + 30);
                (after, end, owner, shown)
            })
            .collect()
    }

    /// Where the read-back names an owner, in order: a person known to
    /// the meeting, a team an item already has ("inventory team", "the
    /// payments squad"), or another "<word> team". Each as (first token,
    /// token after the name, owner key, owner as shown).
    fn owners_read_back(
        &self,
        tokens: &[Token],
        items: &[Draft],
    ) -> Vec<(usize, usize, String, String)> {
        let teams: Vec<(String, String)> = items
            .iter()
            .filter_map(|d| d.owner.as_ref())
            .filter(|o| !self.is_person(o))
            .map(|o| (owner_key(o), o.clone()))
            .collect();
        let mut out = Vec::new();
        let mut k = 0;
        while k < tokens.len() {
            let word = w(tokens, k);
            let group = |x: usize| matches!(w(tokens, x), "team" | "squad" | "group");
            if word.len() > 1 && self.names.iter().any(|n| n == word) {
                out.push((k, k + 1, word.to_string(), capitalise(word)));
            } else if let Some((key, shown)) = teams.iter().find(|(key, _)| {
                // "inventory team builds", "payments squad": not "the
                // payments on call".
                let n = key.split(' ').count();
                !key.is_empty()
                    && (k..k + n)
                        .map(|x| strip_accents(w(tokens, x)))
                        .collect::<Vec<_>>()
                        .join(" ")
                        == *key
                    && (group(k + n) || present_base(w(tokens, k + n)).is_some())
            }) {
                let mut end = k + key.split(' ').count();
                if group(end) {
                    end += 1;
                }
                out.push((k, end, key.clone(), shown.clone()));
                k = end;
                continue;
            } else if group(k + 1)
                && is_work_verb_word(word)
                && !STOP.contains(&word)
                && !object_of_verb(tokens, k)
            {
                // "the IP core team": one more word when it is part of the
                // name.
                let from = if k > 0
                    && tokens[k].boundary == Boundary::None
                    && out.last().is_none_or(|m| m.1 < k)
                    && is_work_verb_word(w(tokens, k - 1))
                    && !STOP.contains(&w(tokens, k - 1))
                    && !WORK_VERBS.contains(&w(tokens, k - 1))
                {
                    k - 1
                } else {
                    k
                };
                let shown = (from..k + 2)
                    .map(|x| w(tokens, x))
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push((from, k + 2, owner_key(&shown), shown));
                k += 2;
                continue;
            } else if (k == 0
                || tokens[k].boundary == Boundary::Sentence
                || matches!(w(tokens, k - 1), "and" | "then"))
                && word.len() > 2
                && !STOP.contains(&word)
                && !self.names.iter().any(|n| n == word)
                && tokens
                    .get(k + 1)
                    .is_some_and(|t| t.boundary == Boundary::None)
                && present_base(w(tokens, k + 1)).is_some()
            {
                // "veldkamp sends the root cause report by the twentieth": a
                // vendor or team nobody named before, doing the work.
                out.push((k, k + 1, word.to_string(), capitalise(word)));
                k += 1;
                continue;
            }
            k += 1;
        }
        out
    }

    /// A draft as the meeting sees it: see [`ActionLog::restated`].
    fn shown(&self, d: &Draft) -> ActionItem {
        self.restated(d).item()
    }

    /// The draft with its task said again in the words of its exchange,
    /// when its phrase does not read as work: a phrase of its turns that
    /// starts with a verb of work and says the same thing ("the circuit
    /// breaker" -> "add a circuit breaker to the acquirer client"), or,
    /// when the phrase says nothing of the work ("keys vanish", "email
    /// them", "but like early"), the one of them that says most.
    fn restated(&self, d: &Draft) -> Draft {
        let mut d = d.clone();
        if reads_as_work(&d.task) {
            return d;
        }
        let own = content_words(&d.task);
        let phrases: Vec<String> = self
            .said
            .iter()
            .filter(|(id, _)| d.turns.contains(id))
            .flat_map(|(_, text)| work_phrases(text))
            .collect();
        let shared = |p: &String| content_words(p).iter().filter(|w| own.contains(w)).count();
        let best = phrases
            .iter()
            .filter(|p| shared(p) > 0)
            .max_by_key(|p| (shared(p), content_words(p).len()))
            .cloned()
            .or_else(|| {
                if !says_nothing(&d.task) {
                    return None;
                }
                phrases
                    .iter()
                    .max_by_key(|p| content_words(p).len())
                    .cloned()
                    .or_else(|| {
                        // "email them" still says which work; "anything
                        // else from" does not.
                        let verb = d.task.split(' ').next().unwrap_or("").to_lowercase();
                        (!task_verb(&verb))
                            .then(|| self.first_topic(&d.turns))
                            .flatten()
                    })
            });
        if let Some(task) = best {
            d.task = task;
        }
        d
    }

    /// The work said in the last few turns before this one, for the
    /// facilitator logging it without an owner ("someone really should
    /// write a drill for a total scada loss" .. "it goes on the list with
    /// no owner for now"): in the latest turn that says some work has to
    /// be done, the longest such phrase, with that turn's id.
    fn need_before(&self) -> Option<(u64, String)> {
        let earlier = &self.said[..self.said.len().saturating_sub(1)];
        earlier
            .iter()
            .rev()
            .take(EXCHANGE_TURNS + 2)
            .find_map(|(id, text)| {
                let tokens = tokenize(text);
                let chars: Vec<char> = text.chars().collect();
                let dues = find_dues(&tokens, &chars, None);
                let passive =
                    (0..tokens.len()).filter_map(|k| work_needing(&tokens, &chars, k, &dues));
                (0..tokens.len())
                    .filter(|&k| task_verb(w(&tokens, k)) && obliged(&tokens, k))
                    .map(|k| task_from(&tokens, &chars, k, &dues).0)
                    .chain(passive)
                    .filter(|p| reads_as_work(p))
                    .max_by_key(|p| content_words(p).len())
                    .map(|p| (*id, p))
            })
    }

    /// The subject of the first of these turns that has one.
    fn first_topic(&self, turns: &[u64]) -> Option<String> {
        self.said
            .iter()
            .filter(|(id, _)| turns.contains(id))
            .find_map(|(_, text)| {
                let tokens = tokenize(text);
                let chars: Vec<char> = text.chars().collect();
                let dues = find_dues(&tokens, &chars, None);
                topic(&tokens, &chars, &[], &dues, tokens.len())
            })
    }

    fn focus_mut(&mut self) -> Option<&mut Draft> {
        self.focus.and_then(|k| self.drafts.get_mut(k))
    }

    /// The draft this speaker is most likely talking about: the focus, or
    /// failing that their own latest item.
    fn own_latest(&self, speaker: &str) -> Option<usize> {
        let key = owner_key(speaker);
        self.drafts.iter().rposition(|d| {
            d.stage != Stage::Dropped && d.owner.as_deref().map(owner_key) == Some(key.clone())
        })
    }

    fn apply(&mut self, turn: &ConversationTurn, speaker: Option<&str>) {
        let tokens = without_modal_to(tokenize(turn.text));
        if tokens.is_empty() {
            return;
        }
        let chars: Vec<char> = turn.text.chars().collect();
        let said = Said::read(
            &tokens,
            &chars,
            speaker,
            turn.facilitator,
            &self.names,
            self.today,
        );
        let index = self.index;
        let id = turn.id;

        // Weak invitations last one answer only.
        if let Some(k) = self.focus {
            let d = &self.drafts[k];
            if d.weak && d.stage == Stage::Proposed && d.touched + 1 < index {
                self.drafts[k].stage = Stage::Dropped;
                self.focus = None;
            }
        }

        // The read-back restates items: only corrections in it count.
        // The reader going on in a turn of their own ("... pellucid side:
        // your platform team adds ...") is still reading back.
        let reading_on = self.read_back_last.is_some_and(|last| last + 1 == index)
            && self.reader.is_some()
            && self.reader == speaker.map(owner_key);
        // Nothing agreed yet, nothing to read back: "i'll read each one back
        // right away" in the opening says how the meeting will go.
        if turn.facilitator
            && ((said.readback && self.drafts.iter().any(Draft::listed))
                || self.readback_next
                || reading_on)
        {
            self.read_back_last = Some(index);
            let announce_only = said.readback && said.n_words_after_readback < 12;
            self.readback_next = announce_only;
            self.readback_done |= !announce_only;
            self.read_back.push_str(turn.text);
            self.read_back.push_str(". ");
            self.read_back_at.get_or_insert(index);
            self.read_back_turn.get_or_insert(id);
            if self.reader.is_none() {
                self.reader = speaker.map(owner_key);
            }
            // What came before "let me read back" still counts ("Tuesday is
            // no problem, ok then let me read back").
            if said.readback && said.due_before_readback.is_some() {
                if let Some(d) = self.last_touched.and_then(|k| self.drafts.get_mut(k)) {
                    if d.stage != Stage::Dropped {
                        d.due = said.due_before_readback.clone();
                        d.touch(id, index);
                    }
                }
            }
            return;
        }

        // The facilitator sums up several items in one turn: each updates
        // its owner's item on the same work, or is one.
        if said.summary.len() >= 2 {
            for (owner, task, due) in &said.summary {
                let key = owner_key(owner);
                let same = self.drafts.iter().rposition(|d| {
                    d.stage != Stage::Dropped
                        && (d.owner.as_deref().map(owner_key) == Some(key.clone())
                            || (d.owner.is_none()
                                && d.asked.as_deref().map(owner_key) == Some(key.clone())))
                        && task_similarity(&d.task, task) > 0.0
                });
                // Their one item, its task cut to nothing ("send"): the
                // summary says what it is.
                let same = same.or_else(|| {
                    self.own_latest(owner)
                        .filter(|&k| content_words(&self.drafts[k].task).len() < 2)
                });
                match same {
                    Some(k) => {
                        let d = &mut self.drafts[k];
                        d.owner = Some(owner.clone());
                        d.stage = Stage::Agreed;
                        d.due = Some(due.clone());
                        if !reads_as_work(&d.task) || task_similarity(&d.task, task) < 0.3 {
                            d.task = task.clone();
                        }
                        d.touch(id, index);
                    }
                    None => {
                        self.push(Draft {
                            owner: Some(owner.clone()),
                            due: Some(due.clone()),
                            ..Draft::agreed(task.clone(), vec![id], index)
                        });
                    }
                }
            }
            self.focus = None;
            return;
        }

        // Several items handed out in one turn: each waits for its
        // person's answer.
        if said.assignments.len() >= 2 {
            for a in &said.assignments {
                let k = self.push(Draft {
                    asked: a.asked.clone(),
                    due: a.due.clone(),
                    stage: Stage::Proposed,
                    ..Draft::agreed(a.task.clone().unwrap_or_default(), vec![id], index)
                });
                self.focus = Some(k);
            }
            return;
        }

        // "i'll just rewrite the whole thing in rust over the weekend" /
        // "ha please don't": the offer just made was a joke.
        if said.laughed_off && speaker != self.last_speaker.as_deref() {
            if let Some(k) = self.focus {
                let d = &mut self.drafts[k];
                if index.saturating_sub(d.touched) <= 1
                    && d.owner.is_some()
                    && d.owner.as_deref().map(owner_key)
                        == self.last_speaker.as_deref().map(owner_key)
                {
                    d.stage = Stage::Dropped;
                    self.focus = None;
                }
            }
        }
        // Rejections and withdrawals end a proposal without an owner.
        if said.reject && said.commits.is_empty() && said.due.is_none() {
            if let Some(k) = self.focus {
                let d = &mut self.drafts[k];
                // An offer turned down by another at once ("ah thanks but
                // we already run the exporter").
                let turned_down = d.offered
                    && d.stage == Stage::Agreed
                    && d.touched + 1 == index
                    && said.reject_at < 4
                    && !same_key(speaker, d.owner.as_deref().unwrap_or(""));
                // The one who offered it takes it back ("yeah no that's
                // fair, let's drop that").
                let own_offer = d.stage == Stage::Agreed
                    && speaker.is_some()
                    && d.owner.as_deref().map(owner_key) == speaker.map(owner_key)
                    && index.saturating_sub(d.touched) <= EXCHANGE_TURNS;
                // The facilitator dropping it by name ("yeah ok let's drop
                // the waiting room"), however it was offered.
                let named = turn.facilitator
                    && d.stage == Stage::Agreed
                    && index.saturating_sub(d.touched) <= EXCHANGE_TURNS
                    && task_similarity(
                        &words_text(&tokens, &chars, said.reject_at, tokens.len()),
                        &d.task,
                    ) > 0.0;
                if d.stage == Stage::Proposed
                    || (d.stage == Stage::Agreed && d.owner.is_none() && !d.no_owner_ok)
                    || own_offer
                    || named
                    || turned_down
                {
                    d.stage = Stage::Dropped;
                    self.focus = None;
                }
            }
            // "okay not doing that, so theo the idempotency thing can you
            // own it": the next request still counts.
            if said.request.as_ref().is_none_or(|r| r.at < said.reject_at) {
                return;
            }
        }

        // The facilitator logs an item without an owner.
        if turn.facilitator && said.logs_without_owner {
            let task = said.logged_task.clone();
            match self.focus.filter(|&k| {
                self.drafts[k].stage != Stage::Dropped && self.drafts[k].owner.is_none()
            }) {
                Some(k) => {
                    let d = &mut self.drafts[k];
                    d.stage = Stage::Agreed;
                    d.no_owner_ok = true;
                    if let Some(t) = task.filter(|t| content_words(t).len() >= 2) {
                        if content_words(&d.task).len() < 2 {
                            d.task = t;
                        }
                    }
                    if said.due.is_some() {
                        d.due = said.due.clone();
                    }
                    d.touch(id, index);
                }
                None => {
                    // Left without an owner in words of its own ("it goes on
                    // the board with nobody's name on it"): the item is the
                    // need said just before, if one was.
                    let said_task = task
                        .or_else(|| said.topic.clone())
                        .filter(|t| !logging_only(t));
                    let (t, mut turns) = match said_task {
                        Some(t) if !said.owner_deferred => (Some(t), vec![]),
                        _ => self
                            .need_before()
                            .map_or((None, vec![]), |(at, need)| (Some(need), vec![at])),
                    };
                    turns.push(id);
                    if let Some(t) = t {
                        let k = self.push(Draft {
                            due: said.due.clone(),
                            no_date_ok: said.no_date,
                            no_owner_ok: true,
                            ..Draft::agreed(t, turns, index)
                        });
                        self.focus = Some(k);
                    }
                }
            }
            if said.no_date {
                if let Some(d) = self.focus_mut() {
                    d.no_date_ok = true;
                }
            }
            return;
        }

        // Reassigning: "oskar then", "reassigning that to carla's team",
        // "give it to me", "let Sam take it instead".
        if let Some(new_owner) = &said.reassign {
            let new_owner = if new_owner == "me" {
                speaker.map(str::to_string)
            } else {
                Some(new_owner.clone())
            };
            // "so the out of hours status page protocol moves to Tessa":
            // the item named, which need not be the one in focus.
            let named = said.reassigned.clone();
            let focus = match &named {
                Some(t) => {
                    let on =
                        |d: &Draft| d.stage != Stage::Dropped && task_similarity(t, &d.task) > 0.0;
                    let same_work = self
                        .focus
                        .filter(|&k| on(&self.drafts[k]))
                        .or_else(|| self.drafts.iter().rposition(on));
                    // Said of its owner's item in other words: "the
                    // capacity assessment sits with declan".
                    let restated = self.focus.filter(|&k| {
                        let d = &self.drafts[k];
                        d.stage != Stage::Dropped
                            && new_owner
                                .as_deref()
                                .is_some_and(|o| same_key(d.owner.as_deref(), o))
                    });
                    if let (None, Some(k)) = (same_work, restated) {
                        self.drafts[k].task = t.clone();
                    }
                    same_work.or(restated)
                }
                None => self.focus,
            };
            if let (Some(owner), Some(t), None) = (&new_owner, &named, focus) {
                let k = self.push(Draft {
                    owner: Some(owner.clone()),
                    due: said.due.clone(),
                    ..Draft::agreed(t.clone(), vec![id], index)
                });
                self.focus = Some(k);
                if said.record.is_none() {
                    return;
                }
            }
            if let (Some(owner), Some(k)) = (new_owner, focus) {
                let d = &mut self.drafts[k];
                if d.stage != Stage::Dropped {
                    d.owner = Some(owner);
                    d.stage = Stage::Agreed;
                    if said.due.is_some() {
                        d.due = said.due.clone();
                    }
                    d.touch(id, index);
                    // "reassigning that to carla's team, and marco
                    // adds ...": a record may follow in the same turn.
                    if said.record.is_none() {
                        return;
                    }
                }
            }
        }

        // The facilitator records an item for someone ("action item Aisha
        // updates the runbook due the twenty fourth", "First, Priya will add
        // a canary check by Friday", "noted Hannah duplicate run check").
        if let Some(record) = &said.record {
            let owner = record.owner.clone();
            // "so jun owns the load test", said after kwame took it: the
            // item named goes to the one recorded as owning it.
            let owned = record
                .task
                .split_once(' ')
                .filter(|(verb, _)| {
                    matches!(
                        *verb,
                        "owns" | "takes" | "has" | "keeps" | "leads" | "drives"
                    )
                })
                .and_then(|(_, work)| {
                    self.drafts.iter().rposition(|d| {
                        d.stage == Stage::Agreed
                            && index.saturating_sub(d.touched) <= 2 * EXCHANGE_TURNS
                            && task_similarity(&d.task, work) >= 0.34
                    })
                });
            let same = owned.or_else(|| {
                self.focus
                    .filter(|&k| {
                        let d = &self.drafts[k];
                        d.stage != Stage::Dropped
                            && (same_key(d.owner.as_deref(), &owner)
                                || same_key(d.asked.as_deref(), &owner)
                                || task_similarity(&d.task, &record.task) >= 0.34)
                    })
                    .or_else(|| {
                        self.drafts.iter().rposition(|d| {
                            d.stage == Stage::Agreed
                                && same_key(d.owner.as_deref(), &owner)
                                && task_similarity(&d.task, &record.task) >= 0.34
                        })
                    })
            });
            match same {
                Some(k) => {
                    let d = &mut self.drafts[k];
                    d.owner = Some(owner);
                    d.stage = Stage::Agreed;
                    // The facilitator's words for the work are the clean
                    // ones: "action item aisha adds a certificate expiry
                    // alert" after "i could take it tentatively".
                    let points_back =
                        record.task.split_whitespace().nth(1).is_some_and(|w| {
                            matches!(w, "it" | "that" | "this" | "them" | "those")
                        });
                    if content_words(&record.task).len() >= 2
                        && !points_back
                        && (content_words(&d.task).len() < 2
                            || task_similarity(&d.task, &record.task) < 0.3)
                    {
                        d.task = record.task.clone();
                    }
                    if said.due.is_some() {
                        d.due = said.due.clone();
                    }
                    d.touch(id, index);
                    self.focus = Some(k);
                }
                None if !record.task.is_empty() => {
                    let k = self.push(Draft {
                        owner: Some(owner),
                        due: said.due.clone(),
                        no_date_ok: said.no_date,
                        ..Draft::agreed(record.task.clone(), vec![id], index)
                    });
                    self.focus = Some(k);
                }
                None => {}
            }
            if said.no_date {
                if let Some(d) = self.focus_mut() {
                    d.no_date_ok = true;
                }
            }
            return;
        }

        // A request opens a new item (after the commitments said before it
        // in the same turn, handled below).
        let mut request_opened = false;
        let commits_before_request: Vec<&Commit> = match &said.request {
            Some(r) => said.commits.iter().filter(|c| c.at < r.at).collect(),
            None => said.commits.iter().collect(),
        };
        let commits_after_request: Vec<&Commit> = match &said.request {
            Some(r) => said.commits.iter().filter(|c| c.at > r.at).collect(),
            None => Vec::new(),
        };

        // A request that only points back ("when can you have it", "who
        // would own that", "Teodor, retry budget on the gateway client.
        // when?") continues the item in focus; "is that also you" opens a
        // new one about what was just said.
        let also_ask = said.request.as_ref().is_some_and(|r| r.also);
        if let (Some(request), Some(k)) = (&said.request, self.focus) {
            let d = &self.drafts[k];
            let recent =
                index.saturating_sub(d.touched) <= EXCHANGE_TURNS && d.stage != Stage::Dropped;
            let same_person = match (&request.asked, &d.owner, &d.asked) {
                (None, _, _) => true,
                (Some(a), Some(o), _) => owner_key(a) == owner_key(o),
                (Some(a), None, Some(b)) => owner_key(a) == owner_key(b),
                (Some(_), None, None) => d.stage == Stage::Proposed,
            };
            let same_work = match &request.task {
                None => true,
                Some(t) => task_similarity(t, &d.task) > 0.0,
            };
            // "i'm out end of next week. jia could you take it": the owner
            // hands their own item over.
            let hands_over = d.stage == Stage::Agreed
                && speaker.is_some()
                && d.owner.as_deref().map(owner_key) == speaker.map(owner_key);
            // "would the data platform team be able to pick it up instead":
            // the same item, asked of someone else.
            let instead = request.task.is_none()
                && request.asked.is_some()
                && !same_person
                && (hands_over
                    || tokens.iter().any(|t| t.norm == "instead")
                    // "okay joost can you take it then".
                    || tokens.last().is_some_and(|t| t.norm == "then"));
            if instead
                && d.stage != Stage::Dropped
                && index.saturating_sub(d.touched) <= 2 * EXCHANGE_TURNS
                && !also_ask
                && said.commits.is_empty()
            {
                let names: Vec<String> = tokens
                    .iter()
                    .map(|t| strip_accents(&t.norm))
                    .filter(|t| self.names.iter().any(|n| strip_accents(n) == *t))
                    .collect();
                let d = &mut self.drafts[k];
                d.asked = request.asked.clone();
                d.owner = None;
                d.stage = Stage::Proposed;
                d.unheard = names;
                if let Some(due) = said.due.clone() {
                    d.due = Some(due);
                }
                d.touch(id, index);
                return;
            }
            if recent && same_person && same_work && !also_ask && said.commits.is_empty() {
                let d = &mut self.drafts[k];
                if d.asked.is_none() && d.owner.is_none() {
                    d.asked = request.asked.clone();
                }
                if let Some(due) = said.due.clone() {
                    d.due = Some(due);
                }
                d.touch(id, index);
                return;
            }
        }

        // The answer of the one asked, or of anyone to an open request.
        let answering = self.focus.filter(|&k| {
            let d = &self.drafts[k];
            d.stage == Stage::Proposed
                && index.saturating_sub(d.touched) <= EXCHANGE_TURNS
                && !turn.facilitator
        });
        // Asked by name a little earlier, with others answering between:
        // "ravi the post-mortem doc, tomorrow" ... "i do it until friday".
        let answering = answering.or_else(|| {
            let s = speaker.map(owner_key)?;
            self.drafts.iter().rposition(|d| {
                d.stage == Stage::Proposed
                    && !turn.facilitator
                    && index.saturating_sub(d.touched) <= 2 * EXCHANGE_TURNS
                    && d.asked.as_deref().map(owner_key) == Some(s.clone())
            })
        });
        // Asked with others in one turn, each answers their own.
        let answering = match (answering, speaker) {
            (Some(k), Some(s))
                if self.drafts[k].asked.as_deref().map(owner_key) != Some(owner_key(s)) =>
            {
                self.drafts
                    .iter()
                    .rposition(|d| {
                        d.stage == Stage::Proposed
                            && d.touched == self.drafts[k].touched
                            && same_key(d.asked.as_deref(), s)
                    })
                    .or(Some(k))
            }
            (answering, _) => answering,
        };
        let mut handled = false;
        if let Some(k) = answering {
            let d = &self.drafts[k];
            let asked_me = match (&d.asked, speaker) {
                (Some(a), Some(s)) => {
                    owner_key(a) == owner_key(s)
                        // "tomas would you be able to" / Tomasz answers.
                        || misheard(&owner_key(a), &owner_key(s))
                }
                (Some(_), None) => self.last_speaker.is_none(),
                (None, _) => false,
            } || speaker
                .is_some_and(|s| d.unheard.contains(&strip_accents(&s.to_lowercase())));
            let commit = commits_before_request
                .iter()
                .find(|c| {
                    c.task.is_none()
                        || task_similarity(c.task.as_deref().unwrap_or(""), &self.drafts[k].task)
                            > 0.0
                        || c.takes
                })
                // Someone else's new work is not the answer to a request
                // put to another: "oscar, an alert ..." / "i'll write a
                // clawback script".
                .or(commits_before_request
                    .first()
                    .filter(|_| asked_me || self.drafts[k].asked.is_none()))
                .copied();
            // "thursday hmm. it is difficult, i cannot do it from the
            // phone": the day asked for said back is trouble with the day,
            // not a refusal of the work.
            let about_the_day = said.opens_with.is_some_and(|day| {
                self.drafts[k]
                    .due
                    .as_ref()
                    .is_some_and(|(_, due)| *due == Some(day))
            });
            if said.decline
                && !said.counter
                && !about_the_day
                && commit.is_none_or(|c| c.at > said.decline_at)
            {
                let d = &mut self.drafts[k];
                if asked_me || d.asked.is_none() {
                    d.asked = None;
                    if d.weak {
                        d.stage = Stage::Dropped;
                        self.focus = None;
                    } else {
                        d.touch(id, index);
                    }
                }
                handled = true;
            } else if commit.is_some()
                // "could i have until tuesday", "would next monday work":
                // the one asked naming a day takes it on that day.
                || (said.due.as_ref().is_some_and(|(_, date)| date.is_some())
                    && asked_me
                    && !self.drafts[k].weak
                    && !said.decline)
                || ((said.accept || said.counter)
                    && asked_me
                    && (!self.drafts[k].weak
                        // "kat the status page wording" / "yep tomorrow":
                        // a short yes at once takes a bare invitation.
                        || (self.drafts[k].touched + 1 == index && tokens.len() <= 6)))
            {
                // A team asked takes it when its person answers "yes" or
                // "we": "would it be possible for network edge to confirm
                // the intervals" / "yes we can confirm those".
                let team_asked = self.drafts[k]
                    .asked
                    .clone()
                    .filter(|a| !self.is_person(a))
                    .filter(|_| commit.is_none_or(|c| c.team_word));
                let d = &mut self.drafts[k];
                let owner = match (commit.and_then(|c| c.team.clone()), speaker) {
                    (Some(team), _) => Some(team),
                    (None, _) if team_asked.is_some() => team_asked,
                    (None, Some(s)) => Some(s.to_string()),
                    (None, None) => d.asked.clone(),
                };
                d.owner = owner.or_else(|| d.asked.clone());
                d.stage = Stage::Agreed;
                d.weak = false;
                if let Some(c) = commit {
                    if let Some(t) = &c.task {
                        if content_words(&d.task).len() < 2
                            || (!d.rich && content_words(t).len() >= 2 && !c.takes)
                        {
                            d.task = t.clone();
                        }
                    }
                }
                if said.due.is_some() {
                    d.due = said.due.clone();
                }
                if said.no_date {
                    d.no_date_ok = true;
                }
                d.touch(id, index);
                handled = true;
                // More commitments in the same turn are items of their own.
                for c in commits_before_request
                    .iter()
                    .filter(|c| Some(**c) != commit)
                {
                    if let Some(t) = &c.task {
                        if task_similarity(t, &self.drafts[k].task) == 0.0
                            && content_words(t).len() >= 2
                            && !c.also
                        {
                            let owner = c.team.clone().or_else(|| speaker.map(str::to_string));
                            if owner.is_some() {
                                let due = c.due.clone().or_else(|| said.due.clone());
                                let k2 = self.push(Draft {
                                    owner,
                                    due,
                                    ..Draft::agreed(t.clone(), vec![id], index)
                                });
                                self.focus = Some(k2);
                            }
                        }
                    }
                }
            }
        }

        if !handled {
            // "let me take that", "i can grab it", "i can take it instead":
            // someone else takes over the item just given or asked.
            // "i can take it, i'm the one who uses it. i do it by the
            // nineteenth": further commitments that point back are the same.
            let one_offer = match commits_before_request.as_slice() {
                [c, rest @ ..] if rest.iter().all(|r| r.task.is_none() && r.team.is_none()) => {
                    Some(*c)
                }
                _ => None,
            };
            let later_due = commits_before_request
                .iter()
                .find_map(|c| c.due.clone())
                .or_else(|| {
                    said.due
                        .clone()
                        .filter(|_| commits_before_request.len() > 1)
                });
            if let (Some(s), Some(c), Some(k)) = (speaker, one_offer, self.focus) {
                let d = &self.drafts[k];
                let other =
                    |o: &Option<String>| o.as_deref().is_some_and(|o| owner_key(o) != owner_key(s));
                // After the facilitator has just spoken, "i'll take that" is
                // the answer to them; after the owner ("yep", "yeah but i'm
                // out next week"), or with "instead", it takes over.
                let last = self.last_speaker.as_deref().map(owner_key);
                let spoke_last = |o: &Option<String>| o.as_deref().map(owner_key) == last;
                let after_owner = last.is_some()
                    && self.last_speaker == self.last_participant
                    && last != Some(owner_key(s))
                    && (d.owner.is_none() || spoke_last(&d.owner) || spoke_last(&d.asked));
                let instead =
                    (c.at..(c.at + 6).min(tokens.len())).any(|x| w(&tokens, x) == "instead");
                // "take it", not "take the checklist": the item in focus.
                let points_back = points_back(&tokens, c.at);
                // A subject of its own raised first is a new item ("the
                // clinical lead should check ..., i'm happy to do that").
                let same_subject = instead
                    // Nothing raised before it: "i can take it, i'm the one
                    // who uses it most anyway".
                    || c.at <= 2
                    || said
                        .topic
                        .as_ref()
                        .is_none_or(|t| task_similarity(t, &d.task) > 0.0);
                if !turn.facilitator
                    && (after_owner || instead)
                    && points_back
                    && same_subject
                    && c.task.is_none()
                    && c.team.is_none()
                    && d.stage != Stage::Dropped
                    && (index.saturating_sub(d.touched) <= EXCHANGE_TURNS
                        // The one asked has just answered, late ("sorry was
                        // on mute ... i'm off from tomorrow").
                        || (d.owner.is_none() && spoke_last(&d.asked)))
                    && (other(&d.owner) || (d.owner.is_none() && other(&d.asked)))
                {
                    let d = &mut self.drafts[k];
                    d.owner = Some(s.to_string());
                    d.stage = Stage::Agreed;
                    d.weak = false;
                    if let Some(due) = later_due {
                        d.due = Some(due);
                    }
                    d.touch(id, index);
                    return;
                }
            }
            // A volunteer, or the owner adding to their own item.
            let new_subject = new_subject(&tokens);
            for c in &commits_before_request {
                // The facilitator opening the meeting ("i'll chair and
                // minute", "i'll read the actions back at the end") speaks
                // of running it.
                if turn.facilitator && index == 0 && c.team.is_none() {
                    continue;
                }
                // Closing it ("thanks all, i'll send the notes round") is
                // the facilitator's routine, not work the meeting agreed.
                if turn.facilitator
                    && c.team.is_none()
                    && thanks_everyone(&tokens)
                    && c.task.as_deref().is_some_and(about_the_notes)
                {
                    continue;
                }
                let owner = c.team.clone().or_else(|| speaker.map(str::to_string));
                // "the second thing, the comms alarms ... i'll add them":
                // the subject turned to.
                let subject = new_subject
                    .filter(|&at| at < c.at)
                    .and_then(|at| subject_after(&tokens, &chars, at, c.at));
                // Whose item does "I'll do it" continue?
                let current = self.focus.filter(|&k| {
                    let d = &self.drafts[k];
                    d.stage == Stage::Agreed
                        && index.saturating_sub(d.touched) <= EXCHANGE_TURNS + 1
                        && match (&d.owner, &owner) {
                            (Some(a), Some(b)) => owner_key(a) == owner_key(b),
                            (None, _) => false,
                            (_, None) => true,
                        }
                });
                // "okay sre will own that" after taking it: the team named
                // now owns what its person took.
                // "we'll have it reviewed by the twentieth" on the item a
                // team just took: the team speaking again.
                let current = current.or_else(|| {
                    self.focus.filter(|&k| {
                        let d = &self.drafts[k];
                        c.team_word
                            && c.team.is_none()
                            && d.stage == Stage::Agreed
                            && index.saturating_sub(d.touched) <= EXCHANGE_TURNS
                            && d.owner.as_deref().is_some_and(|o| !self.is_person(o))
                            && c.task
                                .as_deref()
                                .is_none_or(|t| task_similarity(t, &d.task) > 0.0)
                    })
                });
                // "i can get the backoff in by the twenty fifth": more on
                // the speaker's own item a few turns back.
                let current = current.or_else(|| {
                    let t = c.task.as_deref()?;
                    let k = self.own_latest(owner.as_deref()?)?;
                    let d = &self.drafts[k];
                    (d.stage == Stage::Agreed
                        && index.saturating_sub(d.touched) <= 2 * EXCHANGE_TURNS
                        && task_similarity(t, &d.task) > 0.0)
                        .then_some(k)
                });
                // "payments platform team adds idempotency keys. who's
                // driving" / "i'll drive it": the person takes the team's
                // item.
                let person_takes = self.focus.filter(|&k| {
                    let d = &self.drafts[k];
                    c.takes
                        && c.task.is_none()
                        && c.team.is_none()
                        && !c.team_word
                        && d.stage == Stage::Agreed
                        && index.saturating_sub(d.touched) <= EXCHANGE_TURNS
                        && d.owner.as_deref().is_some_and(|o| !self.is_person(o))
                        && speaker.is_some_and(|s| self.is_person(s))
                        // Not after someone else has raised the next thing
                        // ("and then the downtime packs").
                        && (self.last_speaker != self.last_participant
                            || index.saturating_sub(d.touched) <= 1)
                });
                if let (Some(k), Some(s)) = (person_takes, speaker) {
                    let d = &mut self.drafts[k];
                    d.owner = Some(s.to_string());
                    if let Some(due) = c.due.clone().or_else(|| said.due.clone()) {
                        d.due = Some(due);
                    }
                    d.touch(id, index);
                    continue;
                }
                let current = current.or_else(|| {
                    self.focus.filter(|&k| {
                        let d = &self.drafts[k];
                        c.team.is_some()
                            && c.takes
                            && c.task.is_none()
                            && d.stage == Stage::Agreed
                            && index.saturating_sub(d.touched) <= EXCHANGE_TURNS + 1
                            && d.owner.as_deref().is_some_and(|o| {
                                // The same team again, not another one
                                // ("the actuarial team can do that" after
                                // claims ops took theirs).
                                (!self.is_person(o) && same_key(c.team.as_deref(), o))
                                    || speaker.is_some_and(|s| owner_key(s) == owner_key(o))
                            })
                    })
                });
                // "oh god yes i am off ... " / "i'll do them then": taken
                // over from the person who had it.
                if c.task.is_none()
                    && !c.also
                    && c.team.is_none()
                    && (c.at..(c.at + 5).min(tokens.len())).any(|x| w(&tokens, x) == "then")
                {
                    let taken = self.focus.filter(|&k| {
                        let d = &self.drafts[k];
                        d.stage == Stage::Agreed
                            && index.saturating_sub(d.touched) <= EXCHANGE_TURNS
                            && d.owner.as_deref().is_some_and(|o| {
                                self.is_person(o)
                                    && owner
                                        .as_deref()
                                        .is_some_and(|s| owner_key(s) != owner_key(o))
                            })
                            && self.owner_cannot(d, index)
                    });
                    if let Some(k) = taken {
                        let d = &mut self.drafts[k];
                        d.owner = owner.clone();
                        if let Some(due) = c.due.clone().or_else(|| said.due.clone()) {
                            d.due = Some(due);
                        }
                        d.touch(id, index);
                        continue;
                    }
                }
                // "I'll add it also" continues the item; "my team will also
                // fix the alert" is another one, and so is "the second
                // thing, the comms alarms ... i'll add them".
                let continues = match (current, &c.task) {
                    (Some(_), None) => subject.is_none(),
                    // "i'll cover the standby too. but then make it
                    // friday": the item widened as its day moves.
                    (Some(_), Some(_)) if c.chained => false,
                    (Some(k), Some(t)) => {
                        task_similarity(t, &self.drafts[k].task) > 0.0 || said.amend
                    }
                    (None, _) => false,
                };
                if continues {
                    if let Some(k) = current {
                        let d = &mut self.drafts[k];
                        if c.team.is_some() && c.takes {
                            d.owner = c.team.clone();
                        }
                        if let Some(due) = c.due.clone().or_else(|| said.due.clone()) {
                            d.due = Some(due);
                        }
                        d.touch(id, index);
                    }
                    continue;
                }
                let Some(task) = c.task.clone() else {
                    // "thanks for joining, i'll run it": in the meeting's
                    // first turn "it" is the meeting.
                    if index == 0 && points_back(&tokens, c.at) {
                        continue;
                    }
                    // "I'll take it" with nothing open: the topic just raised.
                    // "that's me" names the one meant by what came before
                    // ("someone's mic is open" / "sorry that's me"): it takes
                    // only an item already open.
                    let identifies = w(&tokens, c.at) == "that"
                        || seq(&tokens, c.at.saturating_sub(2), &["that", "is", "me"]);
                    // "and the tabletop drill" / "i could organise that": the
                    // subject just raised by someone else.
                    let just_raised = self
                        .last_gist
                        .clone()
                        .filter(|g| content_words(g).len() >= 2)
                        .filter(|_| self.last_speaker.as_deref() != speaker);
                    // "beatriz you said you'd add the heap dump flag, is
                    // that still" / "yeah i'll get that in by tuesday": the
                    // turn just before, put to the speaker, says the work.
                    let put_to_me = self.previous_turn_names(speaker);
                    // "okay. and the review of the patch notes" / "that one
                    // i take": a new subject raised after the item in focus
                    // was last touched, not that item.
                    let moved_on = just_raised.clone().filter(|g| {
                        (points_back(&tokens, c.at)
                            || (c.at.saturating_sub(2)..c.at)
                                .any(|a| anaphoric(&tokens, a).is_some()))
                            && self.focus.is_some_and(|f| {
                                self.drafts[f].touched + 1 < index
                                    && task_similarity(g, &self.drafts[f].task) == 0.0
                            })
                    });
                    // "i'll ring em": what getting in touch is for was said
                    // just before.
                    let contact = (c.at..(c.at + 4).min(tokens.len()))
                        .any(|x| GET_IN_TOUCH.contains(&w(&tokens, x)));
                    let topic = if subject.is_some() {
                        subject.clone()
                    } else if contact && just_raised.is_some() {
                        just_raised.as_deref().map(without_wisher)
                    } else if identifies {
                        self.recent_topic()
                    } else if c.takes && self.recent_topic().is_none() {
                        just_raised.or_else(|| said.topic.clone())
                    } else {
                        said.topic
                            .clone()
                            .or(moved_on)
                            .or_else(|| self.recent_topic())
                            .or_else(|| {
                                put_to_me.and(just_raised.filter(|_| points_back(&tokens, c.at)))
                            })
                    };
                    if let (Some(topic), Some(owner)) = (topic, owner.clone()) {
                        let turns = match put_to_me {
                            Some(before) => vec![before, id],
                            None => vec![id],
                        };
                        let k = self.push(Draft {
                            owner: Some(owner),
                            due: c.due.clone().or_else(|| said.due.clone()),
                            no_date_ok: said.no_date,
                            ..Draft::agreed(topic, turns, index)
                        });
                        self.focus = Some(k);
                    }
                    continue;
                };
                if owner.is_none() && !c.team_word {
                    // "I'll add the alert" by an unknown speaker: an item
                    // without an owner yet.
                }
                let due = c.due.clone().or_else(|| {
                    // The turn's deadline belongs to its last commitment.
                    (said.commits.len() == 1
                        || commits_before_request.last().map(|l| l.at) == Some(c.at))
                    .then(|| said.due.clone())
                    .flatten()
                });
                let k = self.push(Draft {
                    owner,
                    due,
                    no_date_ok: said.no_date,
                    offered: offered(&tokens, c.at),
                    ..Draft::agreed(task, vec![id], index)
                });
                self.focus = Some(k);
                handled = true;
            }
            if !commits_before_request.is_empty() {
                handled = true;
            }
        }

        if let Some(request) = &said.request {
            // "Derek, is that also you? same date": a new item for the one
            // asked, its task the topic just raised.
            let rich = request.task.is_some() && !request.weak;
            let task = if also_ask {
                self.last_gist.clone()
            } else {
                request.task.clone()
            };
            let task = task
                .or_else(|| said.topic.clone())
                .or_else(|| self.last_gist.clone())
                .unwrap_or_default();
            let asked = request
                .asked
                .clone()
                .or_else(|| request.you.then(|| self.last_participant.clone()).flatten());
            let unheard = if request.you {
                let (start, _) = sentence_of(&tokens, request.at);
                tokens[start..request.at]
                    .iter()
                    .map(|t| strip_accents(&t.norm))
                    .collect()
            } else if asked.as_deref().is_some_and(|a| !self.is_person(a)) {
                // Asked of a team: the people named with it may answer for it.
                tokens
                    .iter()
                    .map(|t| strip_accents(&t.norm))
                    .filter(|t| self.names.iter().any(|n| strip_accents(n) == *t))
                    .collect()
            } else {
                Vec::new()
            };
            if !task.is_empty() {
                let due = request.due.clone().or_else(|| said.due.clone());
                let k = self.push(Draft {
                    asked,
                    unheard,
                    rich,
                    due,
                    stage: Stage::Proposed,
                    weak: request.weak,
                    need: request.need,
                    ..Draft::agreed(task, vec![id], index)
                });
                self.focus = Some(k);
                request_opened = true;
                // "i'll write it myself by monday" after a request in the
                // same turn: the speaker takes it.
                if let Some(c) = commits_after_request.first() {
                    let d = &mut self.drafts[k];
                    d.owner = c.team.clone().or_else(|| speaker.map(str::to_string));
                    d.stage = Stage::Agreed;
                    if let Some(t) = &c.task {
                        if content_words(&d.task).len() < 2 {
                            d.task = t.clone();
                        }
                    }
                    if let Some(due) = c.due.clone() {
                        d.due = Some(due);
                    }
                }
            }
            handled = true;
        }

        if handled || request_opened {
            return;
        }

        // Deadlines, amendments and confirmations of the item in focus.
        let target = match (said.amend, speaker) {
            (true, Some(s)) => {
                // "can we say Tuesday for the alert": the speaker's own item
                // unless the focus is theirs.
                let focus_theirs = self.focus.is_some_and(|k| {
                    same_key(self.drafts[k].owner.as_deref(), s)
                        || same_key(self.drafts[k].asked.as_deref(), s)
                });
                let mine = if focus_theirs {
                    self.focus
                } else {
                    self.own_latest(s).or(self.focus)
                };
                // "actually for the idempotency keys let's make that end of
                // next week", said after another of theirs: the item the
                // amendment names.
                mine.map(|k| self.named_instead(k, s, turn.text))
            }
            // "ok tariq any rough date" after someone else spoke: Tariq's
            // latest item.
            _ if said.ask_due && turn.facilitator => (0..tokens.len())
                .filter(|&x| names_another(&tokens, x, &self.names, speaker))
                .find_map(|x| self.own_latest(&tokens[x].norm))
                .or(self.focus),
            _ => self.focus,
        };
        if said.ask_due && turn.facilitator && target.is_some() {
            self.focus = target;
        }
        if let Some(k) = target {
            let recent =
                index.saturating_sub(self.drafts[k].touched) <= EXCHANGE_TURNS || said.amend;
            if said.amend && self.drafts[k].stage != Stage::Dropped {
                // The exchange is about the amended item now: "tuesday's
                // fine" confirms it.
                self.focus = Some(k);
            }
            let d = &mut self.drafts[k];
            if d.stage == Stage::Dropped || !recent {
                return;
            }
            let involved = turn.facilitator
                || speaker.is_none()
                || d.owner.as_deref().map(owner_key) == speaker.map(owner_key)
                || d.asked.as_deref().map(owner_key) == speaker.map(owner_key)
                || said.amend;
            // "great, thanks all, notes going out tonight": the day the
            // meeting closes on is the notes', not the item's in focus.
            let closing = turn.facilitator && !said.amend && thanks_everyone(&tokens);
            if let Some(due) = &said.due {
                if involved
                    && !closing
                    && (d.due.is_none()
                        || said.amend
                        || due.1.is_some()
                        // The facilitator's vague words do not undo a day.
                        || (turn.facilitator
                            && d.due.as_ref().is_none_or(|(_, date)| date.is_none()))
                        || d.owner.as_deref().map(owner_key) == speaker.map(owner_key))
                {
                    // A confirmation that names the same day keeps the
                    // owner's words unless the day changed.
                    let keep = d
                        .due
                        .as_ref()
                        .is_some_and(|(_, date)| date.is_some() && *date == due.1)
                        // "okay yes, before the window" echoing "before the
                        // maintenance window on the fifteenth".
                        || d.due.as_ref().is_some_and(|(_, date)| {
                            date.is_some()
                                && due.1.is_none()
                                && self.said.iter().any(|(t, text)| {
                                    d.turns.contains(t) && echoes(&due.0, text)
                                })
                        });
                    if !keep {
                        d.due = Some(due.clone());
                    }
                    d.touch(id, index);
                }
            } else if said.no_date && involved {
                d.no_date_ok = true;
                // "no idea, after the retry stuff" / "okay no date then":
                // the vague words were not a deadline.
                if turn.facilitator && d.due.as_ref().is_some_and(|(_, date)| date.is_none()) {
                    d.due = None;
                }
                d.touch(id, index);
            } else if (said.ask_due && turn.facilitator)
                || (said.accept
                    && d.stage == Stage::Agreed
                    && involved
                    && index.saturating_sub(d.touched) <= 1)
            {
                d.touch(id, index);
            }
        }
    }

    /// The id of the turn before this one when someone else said it and
    /// named `speaker` in it.
    fn previous_turn_names(&self, speaker: Option<&str>) -> Option<u64> {
        let speaker = speaker?;
        let (id, text) = self.said.len().checked_sub(2).map(|i| &self.said[i])?;
        if self.last_speaker.as_deref() == Some(speaker) {
            return None;
        }
        let name = strip_accents(&owner_key(speaker));
        let first = name.split_whitespace().next()?;
        tokenize(text)
            .iter()
            .any(|t| strip_accents(&t.norm) == first)
            .then_some(*id)
    }

    /// The item an amendment by `speaker` is about: `k`, unless the turn
    /// shares no work word with it and does with exactly one other live item
    /// of the speaker's.
    fn named_instead(&self, k: usize, speaker: &str, text: &str) -> usize {
        if task_similarity(text, &self.drafts[k].task) > 0.0 {
            return k;
        }
        let key = owner_key(speaker);
        let mut named = self.drafts.iter().enumerate().filter(|(j, d)| {
            *j != k
                && d.stage != Stage::Dropped
                && (d.owner.as_deref().map(owner_key) == Some(key.clone())
                    || d.asked.as_deref().map(owner_key) == Some(key.clone()))
                && task_similarity(text, &d.task) > 0.0
        });
        match (named.next(), named.next()) {
            (Some((j, _)), None) => j,
            _ => k,
        }
    }

    /// A known person's name, not a team or a role ("the platform team",
    /// "release engineering", "the platform on-call").
    /// Someone said, since `d` last changed, why its owner cannot do it:
    /// "aren't you off from saturday", "i completely forgot", "you are on
    /// leave from monday".
    fn owner_cannot(&self, d: &Draft, index: usize) -> bool {
        self.said
            .get(d.touched + 1..index)
            .unwrap_or_default()
            .iter()
            .any(|(_, text)| {
                tokenize(text).iter().any(|t| {
                    matches!(
                        t.norm.as_str(),
                        "not"
                            | "forgot"
                            | "off"
                            | "leave"
                            | "holiday"
                            | "holidays"
                            | "vacation"
                            | "away"
                            | "sick"
                    )
                })
            })
    }

    fn is_person(&self, owner: &str) -> bool {
        let key = strip_accents(&owner_key(owner));
        self.names.iter().any(|n| strip_accents(n) == key)
    }

    fn push(&mut self, draft: Draft) -> usize {
        self.drafts.push(draft);
        self.drafts.len() - 1
    }

    /// The task of the latest open need or proposal, for "I'll take it".
    fn recent_topic(&self) -> Option<String> {
        self.focus
            .map(|k| &self.drafts[k])
            .filter(|d| {
                d.stage != Stage::Dropped && self.index.saturating_sub(d.touched) <= EXCHANGE_TURNS
            })
            .map(|d| d.task.clone())
    }
}

/// A meeting's agreed action items, consolidated: the one function every
/// view of a finished meeting uses (`analyze`, `actions`, the report, the
/// evaluation). `today` is the meeting's date; `names` the lower-case names
/// of its participants.
pub fn agreed_items(
    turns: &[ConversationTurn],
    today: Option<Date>,
    names: &[String],
) -> Vec<ActionItem> {
    let mut log = ActionLog::new(today, names);
    for turn in turns {
        log.on_turn(turn);
    }
    log.items()
}

/// The consolidated action items of a stored meeting, with its speakers as
/// they are now (after `speakers rename`) and its date: what `actions`, the
/// report and `analyze` show for it. `facilitator` names the facilitator;
/// turns stored with `"role": "facilitator"` count as theirs anyway.
pub fn meeting_actions(
    meeting: &crate::store::Meeting,
    facilitator: Option<&str>,
) -> Vec<ActionItem> {
    // Given now, else as the meeting was recorded or imported.
    let facilitator = facilitator.or(meeting.info.facilitator.as_deref());
    let speakers = meeting.turns.iter().map(|t| t.speaker.as_deref());
    let names: Vec<String> = speakers
        .flatten()
        .chain(facilitator)
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty() && s.chars().all(char::is_alphabetic))
        .collect();
    let facilitator = facilitator.map(|f| f.trim().to_lowercase());
    let turns: Vec<ConversationTurn> = meeting
        .turns
        .iter()
        .filter(|t| t.untranscribed.is_none())
        .map(|t| ConversationTurn {
            id: t.id,
            speaker: t.speaker.as_deref(),
            facilitator: t.extra.get("role").and_then(|r| r.as_str()) == Some("facilitator")
                || matches!((&facilitator, &t.speaker), (Some(f), Some(s)) if s.trim().to_lowercase() == *f),
            text: &t.text,
        })
        .collect();
    agreed_items(&turns, Some(meeting.info.started_at.date()), &names)
}

/// Verbs a task is said with, beyond [`WORK_VERBS`]: "produce a capacity
/// assessment", "find out whether", "deliver the final report".
const TASK_VERBS: &[&str] = &[
    "produce",
    "deliver",
    "find",
    "introduce",
    "propose",
    "post",
    "hand",
    "log",
    "restrict",
    "point",
    "repoint",
    "reroute",
    "activate",
    "correct",
    "grant",
    "show",
    "cap",
    "confirm",
    "ping",
    "switch",
    "bring",
    "replace",
    "retire",
    "consolidate",
    "circulate",
    "trace",
    "benchmark",
    "analyse",
    "analyze",
    "design",
    "refresh",
    "restore",
    "provision",
    "decommission",
    "escalate",
    "notify",
    "inform",
];

/// "thanks all", "thank you everyone": a turn that closes the meeting.
fn thanks_everyone(tokens: &[Token]) -> bool {
    (0..tokens.len()).any(|k| {
        matches!(w(tokens, k), "thanks" | "thank")
            && (k + 1..(k + 3).min(tokens.len()))
                .any(|x| matches!(w(tokens, x), "all" | "everyone" | "everybody" | "folks"))
    })
}

/// The meeting's own notes, sent round after it. A written summary is
/// the deliverable the guide asks for within a day, and stays an item.
fn about_the_notes(task: &str) -> bool {
    task.split_whitespace()
        .any(|t| matches!(t, "notes" | "minutes"))
}

/// A verb a task can start with.
fn task_verb(word: &str) -> bool {
    WORK_VERBS.contains(&word) || TASK_VERBS.contains(&word)
}

/// An object that names no work: "email them", "prepare everything".
fn vague_object(tokens: &[Token], k: usize) -> bool {
    anaphoric(tokens, k).is_some()
        || matches!(
            w(tokens, k),
            "everything" | "something" | "anything" | "stuff" | "things" | "them" | "him" | "her"
        )
}

/// The read-back names the item: its owner, then within the next words
/// one of its task's words (or, when the task was cut badly or the owner
/// has no other item, the owner alone); for an item without an owner, one
/// of its task's words anywhere.
fn read_back_names(tokens: &[Token], d: &Draft, items: &[Draft], reader: Option<&str>) -> bool {
    if read_back_overlap(tokens, d, reader) > 0 {
        return true;
    }
    let Some(owner) = d.owner.as_deref().map(owner_key) else {
        return false;
    };
    // A task cut badly can still be read back by its owner, when the owner
    // has no other item.
    let only = items
        .iter()
        .filter(|o| o.owner.as_deref().map(owner_key) == Some(owner.clone()))
        .count()
        == 1;
    !owner_mentions(tokens, &owner, reader).is_empty() && (only || says_nothing(&d.task))
}

/// How many of `d`'s task words the read-back says within the words
/// around its owner's name (most at any one mention), or anywhere when it
/// has no owner.
fn read_back_overlap(tokens: &[Token], d: &Draft, reader: Option<&str>) -> usize {
    let task = content_words(&d.task);
    let said = |from: usize, to: usize| -> usize {
        let words: Vec<String> = (from..to.min(tokens.len()))
            .flat_map(|x| content_words(w(tokens, x)))
            .collect();
        // "propose" and "proposal", "alarm" and "alarms".
        let alike = |a: &String, b: &String| {
            let n = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
            a == b || (n >= 5 && n + 3 >= a.len().max(b.len()))
        };
        task.iter()
            .filter(|t| words.iter().any(|x| alike(t, x)))
            .count()
    };
    match d.owner.as_deref().map(owner_key) {
        Some(owner) => owner_mentions(tokens, &owner, reader)
            .iter()
            .map(|&k| said(k.saturating_sub(3), k + 25))
            .max()
            .unwrap_or(0),
        None => said(0, tokens.len()),
    }
}

/// Where the read-back names `owner` (an owner key): by name, or as "me"
/// when the reader owns it ("and the write up from me tomorrow").
fn owner_mentions(tokens: &[Token], owner: &str, reader: Option<&str>) -> Vec<usize> {
    let first = owner.split(' ').next().unwrap_or("");
    let own = reader == Some(owner);
    (0..tokens.len())
        .filter(|&k| {
            strip_accents(w(tokens, k)) == first
                || (own && matches!(w(tokens, k), "me" | "my" | "mine" | "i" | "myself"))
        })
        .collect()
}

/// A task that speaks of action items: `None` when it does not, else the
/// work said after them ("... as an action item with no owner for now
/// audit the inactive accounts" -> "audit the inactive accounts"), if any.
fn after_item_talk(task: &str) -> Option<Option<String>> {
    let tokens = tokenize(task);
    let at = (0..tokens.len())
        .rev()
        .find(|&k| w(&tokens, k) == "action" && matches!(w(&tokens, k + 1), "item" | "items"))?;
    let mut k = at + 2;
    loop {
        if seq(&tokens, k, &["with", "no", "owner"]) {
            k += 3;
        } else if seq(&tokens, k, &["without", "owner"])
            || seq(&tokens, k, &["without", "an", "owner"])
        {
            k += if w(&tokens, k + 1) == "an" { 3 } else { 2 };
        } else if seq(&tokens, k, &["no", "owner"])
            || seq(&tokens, k, &["owner", "tbd"])
            || seq(&tokens, k, &["for", "now"])
        {
            k += 2;
        } else if matches!(w(&tokens, k), "anyway" | "then" | "and" | "so" | "to") {
            k += 1;
        } else {
            break;
        }
    }
    let chars: Vec<char> = task.chars().collect();
    let rest = words_text(&tokens, &chars, k, tokens.len());
    Some(reads_as_work(&rest).then_some(rest))
}

/// A task whose every word is about action items themselves: their
/// owners, dates and list ("no owner no action item").
/// "close the meeting", "we close here", "wrap up the call": running the
/// meeting, not work after it.
fn closes_the_meeting(task: &str) -> bool {
    let mut words = task.split_whitespace();
    matches!(
        words.next(),
        Some("close" | "end" | "wrap" | "adjourn" | "finish")
    ) && words.all(|t| {
        matches!(
            t,
            "the"
                | "this"
                | "meeting"
                | "call"
                | "session"
                | "here"
                | "there"
                | "up"
                | "now"
                | "it"
                | "today"
        )
    })
}

/// A task phrase that is only the words of logging an item without an
/// owner ("down as an action item anyway owner tbd", "on the list without
/// a name for now"): nothing of the work.
fn logging_only(task: &str) -> bool {
    static LOGGING: LazyLock<Vec<String>> = LazyLock::new(|| {
        content_words(
            "owner owners name names action actions item items list open down anyway tbd tbc \
             now yet decided confirmed determined due against board agreed record",
        )
    });
    content_words(task).iter().all(|w| LOGGING.contains(w))
}

fn only_item_talk(task: &str) -> bool {
    // Stemmed once: every draft is asked on every turn.
    static ABOUT: LazyLock<Vec<String>> = LazyLock::new(|| {
        content_words(
            "owner owners date dates deadline deadlines list action actions item items nothing \
             goes without rule",
        )
    });
    let words = content_words(task);
    words.len() >= 2 && words.iter().all(|w| ABOUT.contains(w))
}

/// A task phrase that reads as work: it starts with a verb of work and
/// names more than a pronoun ("add the disk alert", not "email them",
/// "prepare everything" or "keys vanish").
fn reads_as_work(task: &str) -> bool {
    let tokens = tokenize(task);
    let verb = w(&tokens, 0);
    task_verb(verb)
        && !TAKING_VERBS.contains(&verb)
        && !vague_object(&tokens, 1)
        && task
            .split_once(' ')
            .is_some_and(|(_, object)| !content_words(object).is_empty())
}

/// A task phrase that says nothing of the work: it starts with a word
/// that cannot start one ("but like early", "i've got the pagerduty
/// thing", "should be fixed"), its object is a pronoun ("email them"), or
/// it has fewer than two content words.
fn says_nothing(task: &str) -> bool {
    let tokens = tokenize(task);
    content_words(task).len() < 2
        || vague_object(&tokens, 1)
        || matches!(
            w(&tokens, 0),
            "" | "i"
                | "we"
                | "you"
                | "he"
                | "she"
                | "they"
                | "it"
                | "its"
                | "that"
                | "those"
                | "these"
                | "this"
                | "there"
                | "but"
                | "and"
                | "or"
                | "so"
                | "if"
                | "should"
                | "would"
                | "could"
                | "can"
                | "will"
                | "must"
                | "is"
                | "was"
                | "anything"
                | "something"
                | "everything"
                | "commit"
                | "action"
                // "like evenings only for me right now", "nobody's
                // fighting", "not tied to any return", "depends on the
                // vendor", "someone needs to".
                | "like"
                | "nobody"
                | "not"
                | "depends"
                | "someone"
                | "somebody"
                | "anyway"
        )
        || w(&tokens, 0).ends_with("ly")
}

/// A task that is a piece of work said elsewhere, not work of its own: it
/// says nothing ("prepare everything", "i'll pencil"), or it is short and
/// stops mid-phrase ("work through", "do both while", "list of sixty to").
fn fragment(task: &str) -> bool {
    says_nothing(task)
        || (content_words(task).len() < 3
            && tokenize(task).last().is_some_and(|t| {
                matches!(
                    t.norm.as_str(),
                    "to" | "through"
                        | "while"
                        | "of"
                        | "the"
                        | "a"
                        | "an"
                        | "and"
                        | "with"
                        | "for"
                        | "on"
                        | "in"
                        | "at"
                        | "by"
                        | "from"
                        | "as"
                        | "or"
                        | "but"
                        | "so"
                        | "that"
                        | "if"
                        | "when"
                        | "into"
                        | "onto"
                        | "up"
                        | "off"
                )
            }))
}

/// An owner's fragment said within an exchange of another of their items
/// is part of that item ("i'll just work through it ... have it up by end
/// of next week" beside "put the contractor's number on it"): its turns
/// join the nearest such item, and its deadline too when said later or
/// when that item has none.
fn fold_fragments(items: &mut Vec<Draft>) {
    let distance = |a: &Draft, b: &Draft| {
        a.turns
            .iter()
            .flat_map(|x| b.turns.iter().map(move |y| x.abs_diff(*y)))
            .min()
            .unwrap_or(u64::MAX)
    };
    // Asked once per item, not per pair: this runs after every turn live,
    // and folding changes no task.
    let mut pieces: Vec<bool> = items.iter().map(|d| fragment(&d.task)).collect();
    let mut k = 0;
    while k < items.len() {
        let d = &items[k];
        let whole = (d.owner.is_some() && pieces[k])
            .then(|| {
                items
                    .iter()
                    .enumerate()
                    .filter(|&(j, m)| j != k && !pieces[j] && m.same_owner(d))
                    .map(|(j, m)| (distance(m, d), j))
                    .filter(|&(near, _)| near <= EXCHANGE_TURNS as u64)
                    .min()
            })
            .flatten();
        let Some((_, j)) = whole else {
            k += 1;
            continue;
        };
        pieces.remove(k);
        let d = items.remove(k);
        let m = &mut items[if j > k { j - 1 } else { j }];
        if d.due.is_some() && (m.due.is_none() || d.turns.iter().max() > m.turns.iter().max()) {
            m.due = d.due;
        }
        m.join_turns(&d.turns);
    }
}

/// The phrases in a text that start with a verb of work said as work to
/// do ("can you add the alert", "I'll write it up, the runbook", "to move
/// the strings"), not as a noun ("the page took forty minutes", "a
/// review") or as done ("already added").
fn work_phrases(text: &str) -> Vec<String> {
    let tokens = without_modal_to(tokenize(text));
    let chars: Vec<char> = text.chars().collect();
    let dues = find_dues(&tokens, &chars, None);
    (0..tokens.len())
        .filter(|&k| {
            let verb = w(&tokens, k);
            let before = if k == 0 || tokens[k].boundary != Boundary::None {
                "."
            } else {
                w(&tokens, k - 1)
            };
            task_verb(verb)
                && matches!(
                    before,
                    "." | "to"
                        | "will"
                        | "can"
                        | "could"
                        | "would"
                        | "should"
                        | "must"
                        | "please"
                        | "me"
                        | "us"
                        | "and"
                        | "or"
                        | "then"
                        | "also"
                        | "just"
                        | "i"
                        | "we"
                        | "you"
                        | "they"
                        | "yeah"
                        | "ok"
                        | "okay"
                        | "first"
                        | "quickly"
                )
                && verb != "do"
                && !matches!(
                    w(&tokens, k + 1),
                    "not" | "was" | "is" | "are" | "were" | "took" | "had" | "has"
                )
                && !w(&tokens, k + 1).ends_with("ed")
                && !matches!(w(&tokens, k + 1), "us" | "me" | "you")
        })
        .filter_map(|k| {
            // "own the retry budget change", "take the runbook": the work
            // is the object.
            if TAKING_VERBS.contains(&w(&tokens, k)) {
                let object = task_from(&tokens, &chars, k + 1, &dues).0;
                let named =
                    anaphoric(&tokens, k + 1).is_none() && !content_words(&object).is_empty();
                return named.then_some(object);
            }
            Some(task_from(&tokens, &chars, k, &dues).0).filter(|p| reads_as_work(p))
        })
        .collect()
}

/// A commitment said in jest: "sure" before it and a whole world after
/// it ("sure, i'll fix the whole internet", "sure, i'll drive to every
/// house").
fn sarcastic(tokens: &[Token], c: &Commit) -> bool {
    let (start, end) = sentence_of(tokens, c.at);
    let sure = (start..c.at).any(|x| w(tokens, x) == "sure");
    let world = (c.at..end).any(|x| {
        matches!(
            (w(tokens, x), w(tokens, x + 1)),
            (
                "whole" | "entire",
                "internet" | "world" | "planet" | "company" | "universe"
            ) | ("every", "house" | "customer" | "single" | "person" | "home")
        )
    });
    // "i could just rewrite the whole deploy pipeline this weekend lol".
    let laughing =
        (start..end).any(|x| matches!(w(tokens, x), "lol" | "lmao" | "jk" | "haha" | "kidding"));
    sure && world || laughing
}

/// Verbs that take work on rather than say what it is: "own the retry
/// budget change", "take the runbook", "handle the vendor".
const TAKING_VERBS: &[&str] = &["own", "take", "handle", "drive", "lead"];

/// One name heard for another by a letter ("tomas" for Tomasz, "yousuf"
/// for Yusuf): single words of five letters or more (not "data" for Dana),
/// the same first letter, one letter added, dropped or changed.
fn misheard(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().min(b.len()) < 5
        || a.contains(&' ')
        || b.contains(&' ')
        || a.first() != b.first()
        || a.len().abs_diff(b.len()) > 1
    {
        return false;
    }
    crate::eval::edit_distance(&a, &b) <= 1
}

fn incomplete(d: &Draft) -> bool {
    (d.owner.is_none() && !d.no_owner_ok) || (d.due.is_none() && !d.no_date_ok)
}

/// A speaker label that is a person's name, not an id such as "S2",
/// "speaker 1" or an audio source.
fn is_name(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '-' || c == '\'')
        && !s.to_lowercase().starts_with("speaker")
        && !matches!(s.to_lowercase().as_str(), "mic" | "default" | "unknown")
}

/// A voice's id within its meeting (`S2`), before anyone names it.
fn is_voice_id(s: &str) -> bool {
    s.strip_prefix('S')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `name` is the same person or team as `owner`, however written ("the
/// Web Team", "web team").
fn same_key(name: Option<&str>, owner: &str) -> bool {
    name.is_some_and(|n| owner_key(n) == owner_key(owner))
}

/// An owner as compared: "the Platform team", "platform" and "Gareth's
/// team" / "Gareth" are the same owner.
pub fn owner_key(owner: &str) -> String {
    let lower = strip_accents(&owner.to_lowercase());
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty() && !matches!(*w, "the" | "team" | "folks" | "group" | "squad"))
        .collect();
    words
        .iter()
        .map(|w| w.trim_end_matches("'s").trim_end_matches('\''))
        .collect::<Vec<_>>()
        .join(" ")
}

fn strip_accents(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            'ß' => 's',
            'ł' => 'l',
            'ś' | 'š' => 's',
            'ź' | 'ż' | 'ž' => 'z',
            'ć' | 'č' => 'c',
            other => other,
        })
        .collect()
}

/// Words that carry no content in a task.
const STOP: &[&str] = &[
    "the",
    "a",
    "an",
    "and",
    "or",
    "of",
    "to",
    "for",
    "on",
    "in",
    "at",
    "by",
    "with",
    "from",
    "into",
    "onto",
    "it",
    "its",
    "that",
    "this",
    "these",
    "those",
    "them",
    "they",
    "we",
    "our",
    "us",
    "i",
    "me",
    "my",
    "you",
    "your",
    "is",
    "are",
    "be",
    "was",
    "so",
    "um",
    "uh",
    "also",
    "too",
    "as",
    "well",
    "all",
    "any",
    "some",
    "up",
    "out",
    "off",
    "there",
    "their",
    "then",
    "just",
    "really",
    "actually",
    "basically",
    "like",
    "one",
    "thing",
    "stuff",
    "get",
    "got",
    "do",
    "make",
    "have",
    "take",
    "own",
    "put",
    "will",
    "can",
    "could",
    "would",
    "should",
    "not",
    "no",
    "yes",
    "yeah",
    "ok",
    "okay",
    "maybe",
    "sure",
    "new",
    "old",
    "whole",
    "every",
    "each",
    "both",
    "other",
    "more",
    "what",
    "which",
    "who",
    "when",
    "where",
    "how",
    "if",
    "but",
    "because",
    "about",
    "again",
    "still",
    "very",
    "first",
    "version",
    "part",
    "bit",
    "look",
    "sort",
    "piece",
];

/// The content words of a task, crudely stemmed.
pub fn content_words(task: &str) -> Vec<String> {
    let lower = strip_accents(&task.to_lowercase());
    let mut out: Vec<String> = Vec::new();
    for w in lower.split(|c: char| !c.is_alphanumeric()) {
        if w.len() < 2 || STOP.contains(&w) {
            continue;
        }
        let stem = stem(w);
        if !out.contains(&stem) {
            out.push(stem);
        }
    }
    out
}

fn stem(w: &str) -> String {
    let mut s = w.to_string();
    for suffix in ["ing", "ed", "es", "s"] {
        if s.len() > suffix.len() + 3 && s.ends_with(suffix) {
            s.truncate(s.len() - suffix.len());
            break;
        }
    }
    // "grievance" as "grievances" ("grievanc"), "update" as "updated".
    if s.len() > 4 && s.ends_with('e') {
        s.pop();
    }
    s
}

/// Dice overlap of two tasks' content words, 0 to 1.
pub fn task_similarity(a: &str, b: &str) -> f64 {
    let a = content_words(a);
    let b = content_words(b);
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.iter().filter(|w| b.contains(w)).count();
    2.0 * shared as f64 / (a.len() + b.len()) as f64
}

/// A "like" said as a filler before a verb of work: "could you like own
/// the rollback script", "i'll like take it".
fn filler_like(tokens: &[Token], k: usize) -> bool {
    k >= 1
        && w(tokens, k) == "like"
        && tokens[k].boundary == Boundary::None
        && tokens
            .get(k + 1)
            .is_some_and(|t| t.boundary == Boundary::None)
        && matches!(
            w(tokens, k - 1),
            "you" | "i" | "we" | "will" | "can" | "could" | "would" | "just"
        )
        && (is_work_verb_word(w(tokens, k + 1)) || TAKING_VERBS.contains(&w(tokens, k + 1)))
}

/// "i can to do it", "can you to take it", "we must to fix": a
/// second-language "to" after a modal, dropped so the verb follows it; and
/// a filler "like" before the verb ("could you like own it").
fn without_modal_to(mut tokens: Vec<Token>) -> Vec<Token> {
    let mut k = 1;
    while k + 1 < tokens.len() {
        let before = if w(&tokens, k - 1) == "you" && k >= 2 {
            w(&tokens, k - 2)
        } else {
            w(&tokens, k - 1)
        };
        let modal_to = w(&tokens, k) == "to"
            && matches!(before, "can" | "could" | "must" | "will" | "should")
            && tokens[k + 1].boundary == Boundary::None
            && is_work_verb_word(w(&tokens, k + 1));
        if modal_to || filler_like(&tokens, k) {
            tokens.remove(k);
        } else {
            k += 1;
        }
    }
    tokens
}

/// The words at `k` follow a verb as its object ("grace takes your finance
/// team through the credit"), so they do not name who does the work.
fn object_of_verb(tokens: &[Token], k: usize) -> bool {
    let mut j = k;
    while j > 0
        && matches!(
            w(tokens, j - 1),
            "the" | "your" | "our" | "their" | "his" | "her"
        )
    {
        j -= 1;
    }
    j > 0 && tokens[j].boundary == Boundary::None && present_base(w(tokens, j - 1)).is_some()
}

/// The token at `k` is a known person's name other than the speaker's.
fn names_another(tokens: &[Token], k: usize, names: &[String], speaker: Option<&str>) -> bool {
    tokens.get(k).is_some_and(|t| {
        let n = strip_accents(&t.norm);
        names.iter().any(|name| {
            strip_accents(name) == n
                // A recogniser's "tomas" for Tomasz.
                || misheard(&strip_accents(name), &n)
        }) && speaker.is_none_or(|s| strip_accents(&s.to_lowercase()) != n)
    })
}

/// The work and the day in "[paulo,] the retry, monday the six" from
/// `at` (the noun phrase): the day must follow the work at once.
fn handed_work(
    tokens: &[Token],
    chars: &[char],
    dues: &[Due],
    at: usize,
) -> Option<(String, (String, Option<Date>))> {
    let (task, end) = task_from(tokens, chars, at, dues);
    let due = due_after(dues, end).map(|d| (d.phrase.clone(), d.date))?;
    (!content_words(&task).is_empty()).then_some((task, due))
}

/// The deadline said right after work that ends at `end`, "by" or the like
/// between them: "the retry budget, thursday", "fallback for ups by monday".
fn due_after(dues: &[Due], end: usize) -> Option<&Due> {
    dues.iter()
        .find(|d| d.tokens.0 >= end && d.tokens.0 <= end + 1)
}

/// "paulo the retry budget, thursday. kasia the load test with surge on,
/// next wednesday": a known name, the work as a noun phrase and a day if
/// one follows it, at the start of a sentence or clause, more than once in
/// a turn.
fn assignments_in(
    tokens: &[Token],
    chars: &[char],
    names: &[String],
    speaker: Option<&str>,
    dues: &[Due],
) -> Vec<Request> {
    let is_name = |k: usize| names_another(tokens, k, names, speaker);
    let hand_out = |k: usize, task: String, due: Option<(String, Option<Date>)>| Request {
        at: k,
        asked: Some(capitalise(&words_text(tokens, chars, k, k + 1))),
        task: Some(task),
        due,
        weak: false,
        need: false,
        you: false,
        also: false,
    };
    let mut out = Vec::new();
    for k in 0..tokens.len() {
        let starts = tokens[k].boundary != Boundary::None
            || (k > 0 && matches!(w(tokens, k - 1), "so" | "then" | "and" | "ok" | "okay"));
        let work_at = if w(tokens, k + 1) == "then" {
            k + 2
        } else {
            k + 1
        };
        if !starts || !is_name(k) {
            continue;
        }
        // "jonah the exam day runbook, keisha the refund macro": the day
        // may come in each one's answer. Without "the" ("kwame, fallback
        // for ups and fedex by monday"), the day must follow the work.
        let the = matches!(w(tokens, work_at), "the" | "your");
        let handed = handed_work(tokens, chars, dues, work_at)
            .filter(|(task, _)| the || content_words(task).len() >= 2)
            .map(|(task, due)| (task, Some(due)))
            .or_else(|| {
                if !the {
                    return None;
                }
                let (task, _) = task_from(tokens, chars, work_at, dues);
                (content_words(&task).len() >= 2).then_some((task, None))
            });
        if let Some((task, due)) = handed {
            out.push(hand_out(k, task, due));
        }
    }
    // "mei rate limit on answer submit, jonah the exam day runbook":
    // without "the" or a day, a hand-out that opens a list of them.
    if let Some(first) = out.first().map(|r| r.at) {
        let sentence = sentence_of(tokens, first);
        let opener = (sentence.0..first)
            .find(|&k| (k == 0 || tokens[k].boundary != Boundary::None) && is_name(k));
        if let Some(k) = opener {
            let (task, _) = task_from(tokens, chars, k + 1, dues);
            if content_words(&task).len() >= 2 {
                out.insert(0, hand_out(k, task, None));
            }
        }
    }
    if out.len() < 2 {
        out.clear();
    }
    out
}

/// "so raj fixes the retry storm end of next week keisha updates the
/// status page tomorrow and claims ops updates the call center script by
/// the fifteenth": each owner (a known name or a group) at a clause's
/// start, a verb of work in the present, its work and a day; only when the
/// turn names two or more.
fn summary_in(
    tokens: &[Token],
    chars: &[char],
    names: &[String],
    dues: &[Due],
) -> Vec<(String, String, (String, Option<Date>))> {
    let mut out = Vec::new();
    for k in 0..tokens.len() {
        let starts = k == 0
            || tokens[k].boundary != Boundary::None
            || matches!(
                w(tokens, k - 1),
                "so" | "then" | "and" | "ok" | "okay" | "next" | "plus" | "that"
            )
            || dues.iter().any(|d| d.tokens.1 == k);
        if !starts {
            continue;
        }
        let owner_end = if names_another(tokens, k, names, None) {
            Some(k)
        } else {
            group_subject(tokens, k)
        };
        let Some(e) = owner_end else { continue };
        let Some(base) = present_base(w(tokens, e + 1)).filter(|&v| {
            task_verb(v) && !matches!(v, "own" | "run" | "be" | "have" | "do" | "look")
        }) else {
            continue;
        };
        let Some((task, due)) = handed_work(tokens, chars, dues, e + 1) else {
            continue;
        };
        let Some(task) = with_base(base, &task) else {
            continue;
        };
        let from = if w(tokens, k) == "the" { k + 1 } else { k };
        let owner = words_text(tokens, chars, from, e + 1);
        let owner = if e == k { capitalise(&owner) } else { owner };
        out.push((owner, task, due));
    }
    if out.len() < 2 {
        out.clear();
    }
    out
}

/// A task said in the third person put in the imperative: "adds
/// idempotency keys" -> "add idempotency keys", with `base` the first
/// word's base form. `None` when the task is its verb alone.
fn with_base(base: &str, task: &str) -> Option<String> {
    task.split_once(' ')
        .map(|(_, rest)| format!("{base} {rest}"))
}

/// Where a speaker turns to another subject ("the second thing", "one
/// more thing", "and separately"): the token after those words.
fn new_subject(tokens: &[Token]) -> Option<usize> {
    const TURNS: &[&[&str]] = &[
        &["second", "thing"],
        &["other", "thing"],
        &["another", "thing"],
        &["more", "thing"],
        &["next", "thing"],
        &["separately"],
        &["secondly"],
    ];
    (0..tokens.len()).find_map(|k| {
        TURNS
            .iter()
            .find(|words| seq(tokens, k, words))
            .map(|words| k + words.len())
    })
}

/// "i could send over the config", "maybe i can look": an offer, not yet
/// a promise.
fn offered(tokens: &[Token], at: usize) -> bool {
    matches!(w(tokens, at + 1), "could" | "might")
        || (at > 0 && matches!(w(tokens, at - 1), "maybe" | "perhaps"))
}

/// "take it", "get that in": the words after a commitment at `at` point
/// back to something said before.
fn points_back(tokens: &[Token], at: usize) -> bool {
    (at..(at + 5).min(tokens.len())).any(|x| matches!(w(tokens, x), "it" | "that" | "this"))
}

/// A first-person commitment in a turn.
#[derive(Debug, Clone, PartialEq)]
struct Commit {
    /// Token index where it starts.
    at: usize,
    /// The work, or `None` for "I'll take it", "that's mine".
    task: Option<String>,
    /// "take it", "own that", "mine": taking something offered.
    takes: bool,
    /// "I'll add it also": more of the same item.
    also: bool,
    /// A team said as the owner: "we in the notifications team".
    team: Option<String>,
    /// Said as "we".
    team_word: bool,
    /// A deadline said within the commitment's sentence.
    due: Option<(String, Option<Date>)>,
    /// More work with its own day after another commitment's day: "... by
    /// thursday then the per pool rate limit by next monday".
    chained: bool,
}

/// A request or proposal in a turn.
#[derive(Debug, Clone)]
struct Request {
    at: usize,
    /// Who was asked, when named.
    asked: Option<String>,
    task: Option<String>,
    due: Option<(String, Option<Date>)>,
    weak: bool,
    need: bool,
    /// Asked of "you" without a name: of the one who spoke last.
    you: bool,
    /// "is that also you": a further item for the same person.
    also: bool,
}

/// The facilitator records an item for someone.
#[derive(Debug, Clone)]
struct Record {
    owner: String,
    task: String,
}

/// What one turn says about action items.
#[derive(Debug, Default)]
struct Said {
    commits: Vec<Commit>,
    request: Option<Request>,
    record: Option<Record>,
    reassign: Option<String>,
    /// The item the reassignment names: "the out of hours status page
    /// protocol moves to tessa".
    reassigned: Option<String>,
    accept: bool,
    decline: bool,
    decline_at: usize,
    /// The day a turn opens with ("thursday hmm", "monday's a stretch").
    opens_with: Option<Date>,
    reject: bool,
    reject_at: usize,
    /// "ha please don't", "haha tempting, no": the offer before was a joke.
    laughed_off: bool,
    counter: bool,
    amend: bool,
    due: Option<(String, Option<Date>)>,
    ask_due: bool,
    no_date: bool,
    logs_without_owner: bool,
    /// Logged without an owner in words the list above does not know:
    /// only the need said before it is the item.
    owner_deferred: bool,
    logged_task: Option<String>,
    readback: bool,
    n_words_after_readback: usize,
    due_before_readback: Option<(String, Option<Date>)>,
    /// The subject raised in the turn ("the load test for the Tuesday
    /// peak"), for "can you take that one".
    topic: Option<String>,
    /// The facilitator handing out several items at once: "paulo the
    /// retry budget, thursday. kasia the load test, next wednesday".
    assignments: Vec<Request>,
    /// The facilitator summing up several items in one turn: "so raj
    /// fixes the retry storm end of next week, keisha updates the status
    /// page tomorrow and claims ops updates the script by the fifteenth".
    summary: Vec<(String, String, (String, Option<Date>))>,
}

/// Verbs of getting in touch: "i'll ring em" is about the work just asked.
const GET_IN_TOUCH: &[&str] = &[
    "ring", "call", "phone", "email", "ping", "contact", "message", "text",
];

/// Verbs that run the meeting rather than do work: "can you walk us
/// through it", "I'll be honest", "let me read back".
const NOT_WORK: &[&str] = &[
    "be",
    // "we'll punt on it": put off, not taken.
    "punt",
    "say",
    "see",
    "admit",
    "tell",
    "note",
    "mention",
    "bet",
    "guess",
    "just",
    "never",
    "probably",
    "not",
    "happen",
    "ever",
    "always",
    "need",
    "want",
    "wait",
    "go",
    "keep",
    "start",
    "let",
    "give",
    "know",
    "remember",
    "hear",
    "stop",
    "come",
    "leave",
    "point",
    "ask",
    "answer",
    "explain",
    "repeat",
    "walk",
    "talk",
    "carry",
    "continue",
    "describe",
    "mostly",
    "only",
    "listen",
    "think",
    "try",
    "agree",
    "push",
    "argue",
    "read",
    "like",
    "love",
    "hate",
    "also",
    "really",
    "still",
    "even",
    "definitely",
    "honestly",
    "need",
    "would",
    "mean",
    "prefer",
    "hand",
    "jump",
    "drop",
    "circle",
    "stay",
    "move",
    "lose",
    "get",
    "lead",
    "pause",
    "ping",
    "remind",
    // "i will revert on the group": write back, not work.
    "revert",
    "bring",
    "summarise",
    "summarize",
    "recap",
    "check",
    "confirm",
    "write",
    "mute",
    "unmute",
    "facilitate",
    "withdraw",
    "amend",
    "mind",
    "zoom",
    "hop",
];

/// Verbs of work said in the present tense ("Zofia adds the alert", "I send
/// the summary by tomorrow"): a closed list, since a bare present tense is
/// far more often a statement of fact than a commitment.
const WORK_VERBS: &[&str] = &[
    "add",
    "update",
    "document",
    "compare",
    "run",
    "write",
    "send",
    "check",
    "own",
    "fix",
    "take",
    "do",
    "draft",
    "move",
    "set",
    "build",
    "list",
    "audit",
    "review",
    "test",
    "chase",
    "handle",
    "organise",
    "organize",
    "prepare",
    "remove",
    "migrate",
    "create",
    "rotate",
    "automate",
    "investigate",
    "look",
    "share",
    "clean",
    "change",
    "lower",
    "raise",
    "increase",
    "reduce",
    "make",
    "put",
    "schedule",
    "file",
    "open",
    "close",
    "finish",
    "implement",
    "deploy",
    "ship",
    "rewrite",
    "resize",
    "bump",
    "load",
    "get",
    "contact",
    "ask",
    "email",
    "align",
    "extend",
    "verify",
    "validate",
    "configure",
    "enable",
    "disable",
    "rename",
    "split",
    "merge",
    "publish",
    "book",
    "sync",
    "drive",
    "lead",
    "coordinate",
    "pair",
    "train",
    "track",
    "tune",
    "upgrade",
    "patch",
    "route",
    "collect",
    "gather",
    "measure",
    "monitor",
    "alert",
    "page",
];

/// The base form of a present-tense verb ("adds", "fixes", "does").
fn present_base(word: &str) -> Option<&'static str> {
    let candidates = [
        word.strip_suffix("ies").map(|s| format!("{s}y")),
        word.strip_suffix("es").map(str::to_string),
        word.strip_suffix('s').map(str::to_string),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(|c| WORK_VERBS.iter().find(|v| **v == c).copied())
}

/// Verbs of work that are fine even though NOT_WORK lists them in other
/// senses, when followed by a real object: "write the runbook",
/// "check the restore", "get the terms in writing".
fn work_despite(verb: &str, next: &str) -> bool {
    matches!(
        verb,
        "write"
            | "check"
            | "get"
            | "bring"
            | "push"
            | "confirm"
            | "move"
            | "drop"
            | "ping"
            | "remind"
            | "hand"
    ) && !matches!(
        next,
        "it" | "that" | "this" | "down" | "back" | "you" | "us" | "in" | "on" | "to" | ""
    )
}

/// Work said as a need of the thing it is done to, at `k`: "the rate
/// limiter config needs tuning" is "tune the rate limiter config", "the
/// alert routing needs pointing at the on call rota" is "point the alert
/// routing at the on call rota". Not when the thing is a pronoun.
fn work_needing(tokens: &[Token], chars: &[char], k: usize, dues: &[Due]) -> Option<String> {
    if !matches!(w(tokens, k), "needs" | "need") {
        return None;
    }
    // "tuning" is "tune", "setting" "set", "pointing" "point".
    let verb = w(tokens, k + 1).strip_suffix("ing")?;
    let undoubled = verb
        .char_indices()
        .last()
        .filter(|&(i, c)| i > 0 && verb[..i].ends_with(c))
        .map(|(i, _)| verb[..i].to_string());
    let base = [Some(verb.to_string()), Some(format!("{verb}e")), undoubled]
        .into_iter()
        .flatten()
        .find(|b| task_verb(b))?;
    let (start, _) = sentence_of(tokens, k);
    // The thing: from the sentence's start, after a word that joins it on.
    let mut from = start;
    while from < k
        && matches!(
            w(tokens, from),
            "so" | "and" | "but" | "also" | "then" | "um" | "uh" | "okay" | "ok"
        )
    {
        from += 1;
    }
    if from >= k || k - from > 8 || (from + 1..=k).any(|j| tokens[j].boundary != Boundary::None) {
        return None;
    }
    if anaphoric(tokens, from).is_some()
        || matches!(
            w(tokens, from),
            "it" | "that"
                | "this"
                | "they"
                | "we"
                | "i"
                | "you"
                | "he"
                | "she"
                | "someone"
                | "somebody"
                | "everyone"
        )
    {
        return None;
    }
    let thing: String = chars[tokens[from].start..tokens[k - 1].end]
        .iter()
        .collect();
    if content_words(&thing).is_empty() {
        return None;
    }
    // What follows the verb in its clause: "at the on call rota".
    let (_, end) = task_from(tokens, chars, k + 1, dues);
    let end = (k + 2..end)
        .find(|&j| tokens[j].boundary != Boundary::None)
        .unwrap_or(end);
    let tail = if end > k + 2 {
        words_text(tokens, chars, k + 2, end)
    } else {
        String::new()
    };
    Some(format!("{base} {thing} {tail}").trim_end().to_string())
}

/// The verb at `k` is said as something that has to be done: "should",
/// "must", "gotta" or "ought to" before it, or "needs to", "has to",
/// "have to", "got to", in the same sentence ("someone really should
/// write a drill", "somebody has to go through it").
fn obliged(tokens: &[Token], k: usize) -> bool {
    let (start, _) = sentence_of(tokens, k);
    let from = k.saturating_sub(3).max(start);
    (from..k).any(|j| {
        matches!(w(tokens, j), "should" | "must" | "gotta" | "ought")
            || (w(tokens, j) == "to"
                && j > 0
                && matches!(
                    w(tokens, j - 1),
                    "need" | "needs" | "has" | "have" | "got" | "ought"
                ))
    })
}

/// The facilitator leaves the work without an owner for now, however
/// it is put: a word for the owner ("owner", "name", "anyone") with a
/// negation just before it ("no owner", "without a name", "nobody's name",
/// "not got anyone") and a word that defers it ("for now", "yet", "later",
/// "blank", "we find someone at the next review"), or "unowned",
/// "unassigned". Not when the turn is about blame ("not here to find
/// someone to blame").
fn defers_owner(tokens: &[Token]) -> bool {
    const OWNER: &[&str] = &[
        "owner", "name", "names", "anyone", "anybody", "assignee", "someone", "somebody", "who",
    ];
    const NEGATION: &[&str] = &[
        "no", "without", "nobody", "nobody's", "not", "none", "blank",
    ];
    const DEFERRED: &[&str] = &[
        "later", "yet", "now", "find", "decide", "pending", "tbd", "tbc", "confirm", "blank",
        "open", "next",
    ];
    let n = tokens.len();
    if (0..n).any(|k| matches!(w(tokens, k), "blame" | "blaming" | "fault")) {
        return false;
    }
    (0..n).any(|k| {
        let word = w(tokens, k);
        if matches!(word, "unowned" | "unassigned") {
            return true;
        }
        OWNER.contains(&word)
            && (k.saturating_sub(3)..k).any(|j| NEGATION.contains(&w(tokens, j)))
            && (k.saturating_sub(4)..(k + 6).min(n)).any(|j| DEFERRED.contains(&w(tokens, j)))
    })
}

fn w(tokens: &[Token], k: usize) -> &str {
    tokens.get(k).map_or("", |t| t.norm.as_str())
}

fn seq(tokens: &[Token], k: usize, words: &[&str]) -> bool {
    words
        .iter()
        .enumerate()
        .all(|(j, x)| w(tokens, k + j) == *x)
}

fn find_seq(tokens: &[Token], words: &[&str]) -> Option<usize> {
    (0..tokens.len()).find(|&k| seq(tokens, k, words))
}

fn any_seq(tokens: &[Token], phrases: &[&[&str]]) -> Option<usize> {
    phrases.iter().filter_map(|p| find_seq(tokens, p)).min()
}

/// Anaphoric objects: "take it", "own that one", "do this part".
fn anaphoric(tokens: &[Token], k: usize) -> Option<usize> {
    match (w(tokens, k), w(tokens, k + 1)) {
        (
            "it" | "that" | "this" | "those" | "these" | "them" | "one",
            "one" | "part" | "piece" | "bit",
        ) => Some(k + 2),
        ("it" | "that" | "this" | "those" | "these" | "them", _) => Some(k + 1),
        ("the", "task") if w(tokens, k + 2) != "to" => Some(k + 2),
        _ => None,
    }
}

/// "take a stab at", "a crack at", "have a go at" at `k`: how many words
/// of trying come before the work.
fn attempt_at(tokens: &[Token], k: usize) -> Option<usize> {
    let verb = matches!(w(tokens, k), "take" | "have" | "give" | "make") as usize;
    (w(tokens, k + verb) == "a"
        && matches!(
            w(tokens, k + verb + 1),
            "stab" | "crack" | "go" | "shot" | "swing" | "pass"
        )
        && matches!(w(tokens, k + verb + 2), "at" | "on"))
    .then_some(verb + 3)
}

/// Words that end a task phrase.
fn task_stop(tokens: &[Token], k: usize, start: usize) -> bool {
    let t = &tokens[k];
    if k > start && t.boundary == Boundary::Sentence {
        return true;
    }
    let word = t.norm.as_str();
    if k > start + 1 && t.boundary == Boundary::Clause && !matches!(word, "and") {
        return true;
    }
    matches!(
        word,
        "because"
            | "since"
            | "but"
            | "though"
            | "although"
            | "unless"
            | "if"
            | "whenever"
            | "which"
            | "ok"
            | "okay"
            | "thanks"
            | "thank"
            | "great"
            | "perfect"
            | "honestly"
            | "realistically"
            | "hopefully"
            | "probably"
            | "maybe"
            | "ideally"
            | "anyway"
            | "anyways"
            | "should"
            | "i"
            | "we"
            | "you"
            | "it"
            | "its"
    ) && k > start
        && !(matches!(word, "it") && k == start + 1)
        || (word == "so" && k > start + 1)
        || (word == "and"
            && matches!(
                w(tokens, k + 1),
                "then" | "i" | "we" | "you" | "it" | "that" | "so" | "um"
            ))
        // A second request: "enable it in test and kwame can someone check
        // the screens".
        || (word == "and"
            && matches!(w(tokens, k + 2), "can" | "could" | "would" | "will")
            && matches!(
                w(tokens, k + 3),
                "you" | "someone" | "somebody" | "one" | "your" | "they"
            ))
        || (word == "is"
            && k > start + 1
            && matches!(w(tokens, k + 1), "that" | "this" | "possible" | "fine"))
}

/// The task phrase from `start`: up to a deadline, a sentence or clause
/// break, or a word that starts something else. Returns the text and the
/// end token.
fn task_from(tokens: &[Token], chars: &[char], start: usize, dues: &[Due]) -> (String, usize) {
    // "take a stab at adding jitter": the work is what the attempt is at.
    let start = start + attempt_at(tokens, start).unwrap_or(0);
    let mut end = start;
    while end < tokens.len() && end < start + 18 {
        if end > start && task_stop(tokens, end, start) {
            break;
        }
        if dues.iter().any(|d| d.tokens.0 == end) {
            break;
        }
        end += 1;
    }
    // Trailing words that add nothing.
    while end > start
        && matches!(
            w(tokens, end - 1),
            "too"
                | "also"
                | "as"
                | "well"
                | "then"
                | "now"
                | "first"
                | "again"
                | "the"
                | "a"
                | "and"
                | "to"
                | "for"
                | "on"
                | "in"
                | "of"
                | "with"
                | "please"
                | "done"
                | "ready"
                | "out"
                | "up"
                | "like"
                | "just"
                | "today"
                | "asap"
                | "soon"
                | "quickly"
                | "properly"
                | "anyway"
                | "right"
                | "yes"
                | "sure"
                | "um"
                | "that"
                | "this"
                | "it"
                | "is"
                | "possible"
                | "mine"
                | "myself"
                | "there"
        )
        && end != start + 1
    {
        end -= 1;
    }
    (words_text(tokens, chars, start, end), end)
}

/// The words from token `start` to `end` as said, without fillers.
fn words_text(tokens: &[Token], chars: &[char], start: usize, end: usize) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut last_span = None;
    for t in tokens.iter().take(end.min(tokens.len())).skip(start) {
        if last_span == Some(t.start) {
            continue;
        }
        last_span = Some(t.start);
        let mut word: String = chars[t.start..t.end].iter().collect();
        // "the network team'll do it": the words end inside "team'll", whose
        // "will" is not among them.
        if end < tokens.len() && tokens[end].start == t.start {
            if let Some(cut) = word.rfind(['\'', '\u{2019}']) {
                word.truncate(cut);
            }
        }
        out.push(word);
    }
    out.join(" ")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

impl Said {
    fn read(
        tokens: &[Token],
        chars: &[char],
        speaker: Option<&str>,
        facilitator: bool,
        names: &[String],
        today: Option<Date>,
    ) -> Said {
        let mut said = Said::default();
        let mut dues: Vec<Due> = find_dues(tokens, chars, today)
            .into_iter()
            .filter(|d| today.is_none_or(|t| d.date.is_none_or(|date| date >= t)))
            .collect();
        // "give me till thursday i've got the matrons' meeting on
        // wednesday": a day the speaker is busy is no deadline, beside one
        // said as a deadline.
        let deadline = |d: &Due| {
            matches!(
                w(tokens, d.tokens.0),
                "by" | "until" | "till" | "til" | "latest"
            )
        };
        if dues.iter().any(deadline) {
            dues.retain(|d| !engaged_on(tokens, d.tokens.0));
        }
        // "give me till thursday": the time the speaker asks for, whatever
        // reason follows ("... i've got the matrons' meeting").
        let asked_for = |d: &Due| {
            matches!(w(tokens, d.tokens.0), "until" | "till" | "til")
                && d.tokens.0 > 0
                && w(tokens, d.tokens.0 - 1) == "me"
        };
        let is_name = |k: usize| names_another(tokens, k, names, speaker);
        let name_text = |k: usize| -> String { capitalise(&words_text(tokens, chars, k, k + 1)) };
        let n = tokens.len();

        // Read-back.
        if facilitator {
            // "reading it back quick", "let me read all of those back".
            // Not a promise to do it later: "i'll read the actions back at
            // the end".
            let later = |b: usize| {
                (b + 1..(b + 6).min(n)).any(|x| matches!(w(tokens, x), "end" | "later" | "after"))
            };
            // "let me read the actions", "reading the action items".
            let read_back = (0..n).find(|&j| {
                // "let me play it back", "playing them back".
                (matches!(w(tokens, j), "read" | "reading")
                    || (matches!(w(tokens, j), "play" | "playing")
                        && anaphoric(tokens, j + 1).is_some()))
                    && (j + 1..(j + 5).min(n)).any(|b| {
                        (w(tokens, b) == "back"
                            || (matches!(w(tokens, b), "actions" | "items" | "list") && b <= j + 3))
                            && !later(b)
                    })
            });
            if let Some(k) = read_back.or_else(|| {
                any_seq(
                    tokens,
                    &[
                        &["to", "recap"],
                        &["let", "us", "recap"],
                        &["to", "summarise"],
                        &["to", "summarize"],
                        &["to", "sum", "up"],
                        &["final", "list"],
                        &["to", "wrap", "up"],
                        &["the", "action", "items", "are"],
                        &["so", "the", "actions", "are"],
                        &["go", "over", "the", "actions"],
                        &["run", "through", "the", "actions"],
                        &["running", "through", "the", "actions"],
                        &["go", "over", "the", "action", "items"],
                        &["quick", "recap"],
                    ],
                )
            }) {
                said.readback = true;
                said.n_words_after_readback = n.saturating_sub(k + 2);
                said.due_before_readback = dues
                    .iter()
                    .rfind(|d| d.tokens.1 <= k)
                    .map(|d| (d.phrase.clone(), d.date));
                return said;
            }
        }

        // Deadlines: the last one not turned down ("tomorrow's not
        // happening ... wednesday?").
        let refused = |d: &Due| -> bool {
            let after = d.tokens.1;
            // "tomorrow's tough", "friday's probably a bit too tight".
            if w(tokens, after) == "'s" {
                let next = w(tokens, after + 1);
                return matches!(
                    next,
                    "tough"
                        | "not"
                        | "too"
                        | "out"
                        | "difficult"
                        | "hard"
                        | "tight"
                        | "bad"
                        | "rough"
                        | "no"
                ) || (matches!(next, "probably" | "really" | "just" | "a")
                    && !matches!(w(tokens, after + 2), "fine" | "ok" | "okay" | "good"));
            }
            seq(tokens, after, &["is", "not"])
                || seq(tokens, after, &["is", "tough"])
                || seq(tokens, after, &["is", "tight"])
                || seq(tokens, after, &["is", "a", "stretch"])
                || seq(tokens, after, &["will", "not", "work"])
                || seq(tokens, after, &["does", "not", "work"])
                || seq(tokens, after, &["is", "hard"])
                || seq(tokens, after, &["is", "a", "bit", "difficult"])
                || seq(tokens, after, &["is", "difficult"])
                || seq(tokens, after, &["is", "honestly", "not"])
                || seq(tokens, after, &["is", "too"])
                || seq(tokens, after, &["is", "the"])
                || seq(tokens, after, &["we", "have"])
                || (seq(tokens, after, &["i", "have"]) && !asked_for(d))
                || seq(tokens, after, &["i", "am", "in"])
                || seq(tokens, after, &["is", "out"])
                // "friday not tomorrow": the first is the one meant.
                || (seq(tokens, after, &["not"]) && !dues.iter().any(|e| e.tokens.0 == after + 1))
                || (seq(tokens, after, &["no"])
                    && !matches!(w(tokens, after + 1), "problem" | "worries" | "later"))
                || (d.tokens.0 > 0 && w(tokens, d.tokens.0 - 1) == "not")
                // "not fixing org charts beyond that today": what will not
                // be done then, not a deadline.
                || {
                    let (s, _) = sentence_of(tokens, d.tokens.0);
                    w(tokens, s) == "not" && w(tokens, s + 1).ends_with("ing")
                }
                // "which is zara this month", "that's me this week", "on
                // leave next week": who is on duty when, not a deadline.
                || (d.tokens.0 > 0
                    && !matches!(
                        w(tokens, d.tokens.0),
                        "by" | "until" | "till" | "til" | "before" | "due" | "latest" | "after"
                    )
                    && (matches!(
                        w(tokens, d.tokens.0 - 1),
                        "me" | "leave" | "holiday" | "vacation" | "nights" | "call" | "rotation"
                    ) || names.iter().any(|n| {
                        strip_accents(n) == strip_accents(w(tokens, d.tokens.0 - 1))
                    })))
        };
        let usable: Vec<&Due> = dues.iter().filter(|d| !refused(d)).collect();
        said.due = usable.last().map(|d| (d.phrase.clone(), d.date));
        // "by the fifteenth before the regulator return", "done by the
        // fifteenth, the day before release": the day, with the event it
        // is for, said next to it or in its sentence.
        if let [.., day, event] = usable.as_slice() {
            if event.date.is_none()
                && day.date.is_some()
                && (day.tokens.1 == event.tokens.0
                    || sentence_of(tokens, day.tokens.0).0 == sentence_of(tokens, event.tokens.0).0)
            {
                said.due = Some((day.phrase.clone(), day.date));
            }
        }
        // "the twentieth is fine, i'll get it on our board this afternoon":
        // the day agreed to, not the one that follows.
        if let Some(d) = usable.iter().find(|d| {
            let after = d.tokens.1;
            seq(tokens, after, &["is", "fine"])
                || seq(tokens, after, &["works"])
                || seq(tokens, after, &["is", "ok"])
                || seq(tokens, after, &["is", "okay"])
                || seq(tokens, after, &["is", "good"])
        }) {
            said.due = Some((d.phrase.clone(), d.date));
        }
        said.counter = dues.len() > usable.len() && !usable.is_empty();
        said.opens_with = dues
            .first()
            .filter(|d| d.tokens.0 <= 1)
            .and_then(|d| d.date);

        let has = |phrases: &[&[&str]]| any_seq(tokens, phrases);

        said.ask_due = has(&[
            &["when", "can", "you"],
            &["by", "when"],
            &["what", "date"],
            &["date"],
            &["when"],
        ])
        .is_some()
            && said.due.is_none()
            && n <= 8;
        said.no_date = has(&[
            &["no", "date"],
            &["without", "date"],
            &["without", "a", "date"],
            &["date", "to", "be", "set"],
            &["not", "putting", "a", "date"],
            &["not", "promise", "a", "date"],
            &["promise", "a", "date"],
            &["not", "sure", "yet"],
            &["whenever", "i"],
            &["do", "not", "know", "exactly", "when"],
        ])
        .is_some();
        let amend_at = has(&[
            &["actually", "make", "that"],
            &["make", "that"],
            &["make", "it"],
            &["make", "mine"],
            &["push", "it", "to"],
            &["can", "we", "push"],
            &["can", "we", "say"],
            &["could", "we", "say"],
            &["can", "we", "make"],
            &["correction"],
            &["instead"],
            &["would", "be", "more", "realistic"],
            &["would", "also", "be", "ok"],
            &["would", "be", "ok"],
            &["is", "that", "ok"],
            &["better", "it", "goes"],
            &["not", "february"],
        ]);
        said.amend = amend_at.is_some() && said.due.is_some();
        if let Some(at) = amend_at {
            if let Some(d) = usable.iter().find(|d| d.tokens.0 >= at) {
                said.due = Some((d.phrase.clone(), d.date));
            }
        }

        // Rejection of a proposal, a withdrawal, "not an action item".
        let reject_at = has(&[
            &["not", "an", "action", "item"],
            &["not", "an", "item"],
            &["no", "action", "item"],
            &["not", "on", "the", "list"],
            &["goes", "on", "the", "list"],
            &["off", "the", "table"],
            &["i", "withdraw"],
            &["withdraw", "it"],
            &["withdraw", "that"],
            &["we", "drop"],
            &["drop", "the"],
            &["let", "us", "drop"],
            &["so", "we", "drop"],
            &["that", "is", "a", "no"],
            &["absolutely", "not"],
            &["also", "no"],
            &["no", "not", "this"],
            &["not", "approving"],
            &["i", "take", "it", "back"],
            &["let", "us", "leave", "it"],
            &["take", "it", "offline"],
            &["take", "that", "offline"],
            &["is", "too", "much"],
            &["does", "not", "really", "help"],
            &["would", "not", "have", "touched"],
            &["not", "happening"],
            &["we", "already", "have"],
            &["not", "a", "step"],
            &["no", "freeze"],
            &["not", "doing", "that"],
            &["park", "it"],
            &["park", "that"],
            &["parking", "lot"],
            &["non", "starter"],
            &["scratch", "that"],
            &["thanks", "but"],
            &["no", "need"],
            &["would", "not", "need"],
            &["dropping", "that"],
            &["dropping", "it"],
            &["not", "go", "forward"],
            &["not", "going", "forward"],
            // "forget i said it", "yeah okay fair, forget it, i take that
            // back": a proposal withdrawn by its speaker.
            &["forget", "i", "said", "it"],
            &["forget", "i", "said", "that"],
            &["i", "take", "that", "back"],
            &["fair", "forget", "it"],
        ]);
        said.reject = reject_at.is_some();
        said.reject_at = reject_at.unwrap_or(usize::MAX);
        said.laughed_off = matches!(w(tokens, 0), "ha" | "haha" | "hah" | "lol" | "hehe")
            && (1..n.min(6)).any(|x| {
                matches!(w(tokens, x), "no" | "tempting" | "nice" | "dont")
                    || seq(tokens, x, &["do", "not"])
            });

        // Declining something asked of the speaker.
        let decline_at = has(&[
            &["not", "me"],
            &["not", "us"],
            &["can", "not", "be", "us"],
            &["it", "is", "not", "us"],
            &["not", "on", "us"],
            &["not", "from", "my", "side"],
            &["i", "would", "prefer", "not"],
            &["prefer", "not"],
            &["would", "like", "to", "but"],
            &["i", "can", "but"],
            &["i", "mean", "i", "can", "but"],
            &["i", "will", "be", "underwater"],
            &["underwater"],
            &["not", "sure", "i", "can"],
            &["someone", "else"],
            &["somebody", "else"],
            &["better", "someone"],
            &["i", "really", "can", "not"],
            &["i", "can", "not", "do"],
            &["can", "not", "own"],
            &["can", "not", "take"],
            &["no", "contact"],
            &["already", "busy"],
            &["i", "do", "not", "think", "it", "is", "on", "us"],
            &["is", "not", "really"],
            &["is", "too", "big"],
            &["too", "big"],
            &["not", "our"],
            &["not", "ours"],
            &["belongs", "to"],
            &["i", "am", "on", "vacation"],
            &["i", "am", "out"],
            &["are", "not", "you", "out"],
        ]);
        said.decline = decline_at.is_some();
        said.decline_at = decline_at.unwrap_or(usize::MAX);

        // Past work answers nothing: "I already did that yesterday".
        let past = has(&[
            &["already"],
            &["did", "that"],
            &["done", "that"],
            &["did", "it"],
            &["i", "added"],
            &["i", "shipped"],
        ])
        .is_some();
        // Short acceptances.
        let first = w(tokens, 0);
        said.accept = matches!(
            first,
            "yes"
                | "yeah"
                | "yep"
                | "yup"
                | "sure"
                | "ok"
                | "okay"
                | "fine"
                | "understood"
                | "absolutely"
                | "definitely"
                | "agreed"
                | "done"
                | "deal"
                | "noted"
                | "copy"
                | "roger"
                | "aye"
                | "alright"
                | "certainly"
                | "gladly"
        ) || has(&[
            &["got", "it"],
            &["will", "do"],
            &["on", "it"],
            &["that", "works"],
            &["sounds", "good"],
            &["can", "do"],
            &["no", "problem"],
            &["is", "fine"],
            &["should", "be", "ok"],
            &["should", "be", "fine"],
            &["is", "feasible"],
            &["is", "doable"],
            &["should", "be", "achievable"],
            &["should", "be", "doable"],
            &["works", "for", "me"],
            &["leave", "it", "with", "me"],
            &["put", "me", "down"],
            &["count", "me", "in"],
            &["sign", "me", "up"],
            &["happy", "to"],
            &["of", "course"],
            &["you", "got", "it"],
            &["consider", "it", "done"],
            &["for", "sure"],
        ])
        .is_some();
        said.accept &= !past;

        // Talk about action items is not an item; nothing else in such a
        // sentence counts.
        let meta = has(&[
            &["turn", "those", "into"],
            &["turn", "them", "into"],
            &["turn", "it", "into"],
            &["turn", "this", "into"],
            &["turning", "this", "into"],
            &["each", "with", "an", "owner"],
            &["each", "needs", "an", "owner"],
            &["each", "one", "needs"],
            &["needs", "an", "owner"],
            &["needs", "a", "name"],
            &["close", "with", "action", "items"],
            &["become", "action", "items"],
            &["go", "through", "the", "list"],
            &["with", "an", "owner", "and"],
            &["no", "owner", "no", "item"],
            &["items", "with", "no", "owner"],
            &["actions", "with", "no", "owner"],
            &["without", "a", "name", "and"],
        ]);
        let meta_sentence = meta.map(|k| (k.saturating_sub(6), (k + 8).min(n)));

        // The facilitator logs an item with no owner.
        let listed = has(&[
            &["no", "owner"],
            &["without", "owner"],
            &["without", "an", "owner"],
            // "determined", "confirmed", "figured out", "sorted".
            &["owner", "to", "be"],
            &["owner", "i", "will", "confirm"],
            &["owner", "pending"],
            &["owner", "tbc"],
            &["owner", "tbd"],
            &["open", "action", "item"],
            &["as", "an", "item", "anyway"],
            &["putting", "it", "down"],
            &["owner", "question", "offline"],
            // "i'll write it down without a name for now".
            &["without", "a", "name", "for"],
            &["no", "name", "on", "it"],
            &["do", "not", "have", "a", "name"],
            &["do", "not", "have", "an", "owner"],
        ])
        .is_some();
        if facilitator && (listed || defers_owner(tokens)) && meta.is_none() {
            said.logs_without_owner = true;
            said.owner_deferred = !listed;
            // "logging it load test the search cluster by end of quarter",
            // "audit the acquirer vpn firewall rules. no owner yet",
            // "I write it as open item check online schema change support".
            let anchor = has(&[
                &["logging", "it"],
                &["open", "item"],
                &["as", "open", "item"],
                &["open", "action", "item"],
                &["action", "item"],
            ]);
            let start = match anchor {
                Some(k) if seq(tokens, k, &["logging", "it"]) => Some(k + 2),
                Some(k) if seq(tokens, k, &["as", "open", "item"]) => Some(k + 3),
                Some(k) if seq(tokens, k, &["open", "action", "item"]) => Some(k + 3),
                Some(k) => Some(k + 2),
                None => None,
            };
            let start = start.or_else(|| {
                // A sentence of its own that is a task.
                (0..n).find(|&k| {
                    tokens[k].boundary == Boundary::Sentence && k > 0 && is_work_verb(tokens, k)
                })
            });
            if let Some(s) = start {
                let s = if matches!(w(tokens, s), "to" | "for" | "without") {
                    s + 1
                } else {
                    s
                };
                if is_work_verb(tokens, s) {
                    let (t, _) = task_from(tokens, chars, s, &dues);
                    let t = strip_tail(
                        &t,
                        &[
                            "without owner",
                            "no owner yet",
                            "no owner",
                            "owner to be determined",
                            "owner to be confirmed",
                            "owner to be decided",
                        ],
                    );
                    if content_words(&t).len() >= 2 {
                        said.logged_task = Some(t);
                    }
                }
            }
            said.topic = topic(tokens, chars, names, &dues, n);
            return said;
        }

        // Reassignment.
        for k in 0..n {
            if seq(tokens, k, &["give", "it", "to", "me"])
                || seq(tokens, k, &["i", "can", "take", "it", "from"])
            {
                said.reassign = Some("me".into());
            }
            // "let's give it to nia", "hand that over to sam", "moving it to
            // omar".
            if matches!(
                w(tokens, k),
                "give" | "hand" | "pass" | "move" | "moving" | "giving"
            ) && matches!(w(tokens, k + 1), "it" | "that" | "this")
            {
                let j = if w(tokens, k + 2) == "over" {
                    k + 3
                } else {
                    k + 2
                };
                if w(tokens, j) == "to" && is_name(j + 1) {
                    said.reassign = Some(name_text(j + 1));
                }
            }
            if facilitator && is_name(k) && seq(tokens, k + 1, &["then"]) {
                said.reassign = Some(name_text(k));
            }
            if facilitator
                && (seq(tokens, k, &["reassigning", "that", "to"])
                    || seq(tokens, k, &["moves", "to"]))
            {
                let j = if w(tokens, k) == "moves" {
                    k + 2
                } else {
                    k + 3
                };
                if is_name(j) {
                    let team = w(tokens, j + 1) == "team" || w(tokens, j + 2) == "team";
                    let name = name_text(j)
                        .trim_end_matches("'s")
                        .trim_end_matches("’s")
                        .to_string();
                    said.reassign = Some(if team { format!("{name}'s team") } else { name });
                    if w(tokens, k) == "moves" {
                        said.reassigned = named_before(tokens, chars, k);
                    }
                }
            }
            if seq(tokens, k, &["let"])
                && is_name(k + 1)
                && matches!(w(tokens, k + 2), "take" | "do" | "own")
            {
                said.reassign = Some(name_text(k + 1));
            }
            // The minute-taker's words: "recorded against farah", "action
            // on tobias", "the action transfers to farah", "that sits with
            // declan".
            if facilitator
                && (seq(tokens, k, &["recorded", "against"])
                    || seq(tokens, k, &["action", "on"])
                    || seq(tokens, k, &["sits", "with"])
                    || seq(tokens, k, &["transfers", "to"])
                    || seq(tokens, k, &["transferred", "to"]))
                && is_name(k + 2)
            {
                said.reassign = Some(name_text(k + 2));
                if matches!(w(tokens, k), "transfers" | "transferred" | "sits") {
                    said.reassigned = named_before(tokens, chars, k);
                }
            }
        }

        if facilitator {
            said.summary = summary_in(tokens, chars, names, &dues);
            if !said.summary.is_empty() {
                return said;
            }
        }

        // Facilitator records: "action item NAME VERBs X", "NAME will X",
        // "NAME owns X", "so NAME VERBs X by DATE", "noted NAME X"; anyone
        // may say "NAME will X" (their own name included).
        let any_name = |k: usize| -> bool {
            tokens.get(k).is_some_and(|t| {
                let nn = strip_accents(&t.norm);
                names.iter().any(|name| strip_accents(name) == nn)
            })
        };
        // The minute-taker's line: "so for the minutes gordon inventory of
        // the portal certificates the twentieth", "recorded. communications
        // office template outage notice draft by next wednesday", "action
        // for the permits desk contact each applicant": a marker, then an
        // owner (a name or a group), then the work. Or a sentence that
        // restates one owner's item and nothing else.
        if facilitator {
            // An owner at `k`, a name or a group: the index of its last word.
            let owner_end = |k: usize| -> Option<usize> {
                if any_name(k) {
                    Some(k)
                } else {
                    group_subject(tokens, k)
                }
            };
            // Its words: "Gordon", "records office" (without "the").
            let owner_text = |k: usize, e: usize| -> String {
                if e == k {
                    name_text(k)
                } else {
                    let from = if w(tokens, k) == "the" { k + 1 } else { k };
                    words_text(tokens, chars, from, e + 1)
                }
            };
            // One owner restated, not a read-back of several.
            let owner_starts = (1..n)
                .filter(|&k| tokens[k].boundary == Boundary::Sentence && owner_end(k).is_some())
                .count();
            // "so carrier fallback for all carriers, owner kwame, due
            // friday the seventeenth": the work, then its owner labelled.
            for k in 1..n {
                if w(tokens, k) != "owner" || tokens[k].boundary == Boundary::None {
                    continue;
                }
                let Some(e) = owner_end(k + 1) else { continue };
                let (mut start, _) = sentence_of(tokens, k - 1);
                while start < k
                    && matches!(
                        w(tokens, start),
                        "so" | "okay" | "ok" | "right" | "then" | "and"
                    )
                {
                    start += 1;
                }
                let t = words_text(tokens, chars, start, k);
                if content_words(&t).len() >= 2 && !says_nothing(&t) {
                    said.record = Some(Record {
                        owner: owner_text(k + 1, e),
                        task: t,
                    });
                    return said;
                }
            }
            for k in 1..n {
                let restated = owner_starts == 1 && tokens[k].boundary == Boundary::Sentence;
                let marker = restated
                    || match w(tokens, k - 1) {
                        "minutes" => k >= 2 && w(tokens, k - 2) == "the",
                        "recorded" | "amended" | "noted" | "minuted" => true,
                        "for" | "on" => {
                            k >= 2 && matches!(w(tokens, k - 2), "action" | "actions" | "item")
                        }
                        _ => false,
                    };
                if !marker || meta_sentence.is_some_and(|(s, e)| k >= s && k < e) {
                    continue;
                }
                let Some(e) = owner_end(k) else { continue };
                let from = if w(tokens, e + 1) == "then" {
                    e + 2
                } else {
                    e + 1
                };
                let (t, end) = task_from(tokens, chars, from, &dues);
                // Without a marker, the owner's work and its day make the
                // whole sentence: "thank you. procurement office written
                // confirmation of the disabled jobs monday".
                let whole = !restated
                    || !says_nothing(&t)
                        && due_after(&dues, end).is_some_and(|d| {
                            d.tokens.1 >= n || tokens[d.tokens.1].boundary == Boundary::Sentence
                        });
                if whole && content_words(&t).len() >= 2 {
                    said.record = Some(Record {
                        owner: owner_text(k, e),
                        task: t,
                    });
                    return said;
                }
            }
        }
        // "okay so payments squad adds idempotency keys to the webhook
        // handler by friday", "so cdn vendor enables the bot score header":
        // the facilitator records an item for a team.
        if facilitator {
            for k in 1..n {
                if !(matches!(w(tokens, k), "vendor" | "group")
                    || GROUP_WORDS.contains(&w(tokens, k)))
                    || meta_sentence.is_some_and(|(s, e)| k >= s && k < e)
                {
                    continue;
                }
                // "the storage team owns those nodes", "the sre team runs
                // the cluster": who does what every day, not an item.
                let base = present_base(w(tokens, k + 1)).filter(|&v| {
                    !matches!(
                        v,
                        "own"
                            | "run"
                            | "handle"
                            | "take"
                            | "do"
                            | "get"
                            | "make"
                            | "put"
                            | "look"
                            | "monitor"
                            | "page"
                            | "alert"
                            | "lead"
                            | "track"
                            | "drive"
                            | "check"
                            | "test"
                    )
                });
                let Some(base) = base else { continue };
                let (s, _) = sentence_of(tokens, k);
                let mut start = k;
                while start > s
                    && k - start < 3
                    && tokens[start].boundary == Boundary::None
                    && !matches!(
                        w(tokens, start - 1),
                        "so" | "okay"
                            | "ok"
                            | "then"
                            | "and"
                            | "right"
                            | "yes"
                            | "alright"
                            | "good"
                            | "great"
                            | "the"
                            | "fine"
                            | "um"
                            | "uh"
                            | "item"
                            | "items"
                            | "action"
                            | "actions"
                            | "first"
                            | "next"
                            | "now"
                    )
                {
                    start -= 1;
                }
                if start == k {
                    continue;
                }
                let (t, _) = task_from(tokens, chars, k + 1, &dues);
                if content_words(&t).len() >= 2 {
                    let task = with_base(base, &t).unwrap_or(t);
                    said.record = Some(Record {
                        owner: words_text(tokens, chars, start, k + 1),
                        task,
                    });
                    return said;
                }
            }
        }
        {
            for k in 0..n {
                if meta_sentence.is_some_and(|(s, e)| k >= s && k < e) {
                    continue;
                }
                if !any_name(k)
                    || (k > 0 && matches!(w(tokens, k - 1), "if" | "unless" | "when" | "maybe"))
                {
                    continue;
                }
                let next = w(tokens, k + 1);
                let verb_at = if next == "will" && w(tokens, k + 2) != "not"
                    || next == "to"
                        && tokens
                            .get(k + 1)
                            .is_some_and(|t| t.boundary == Boundary::None)
                        && k + 2 < n
                        && is_work_verb(tokens, k + 2)
                {
                    Some(k + 2)
                } else if facilitator && present_base(next).is_some() {
                    Some(k + 1)
                } else {
                    None
                };
                // "action item for dan: ...", "that's an action for hugo
                // then, the restore test".
                let labelled_for = facilitator
                    && k >= 2
                    && matches!(w(tokens, k - 1), "for" | "on")
                    && matches!(w(tokens, k - 2), "action" | "item" | "actions" | "items");
                let labelled = facilitator
                    && k >= 1
                    && (k >= 2 && seq(tokens, k - 2, &["action", "item"])
                        || matches!(w(tokens, k - 1), "noted" | "minuted" | "minuting")
                        || labelled_for);
                // "let's assign the canary check to priya".
                if facilitator && k >= 3 && w(tokens, k - 1) == "to" {
                    if let Some(a) = (k.saturating_sub(10)..k - 1)
                        .rfind(|&a| matches!(w(tokens, a), "assign" | "assigning" | "assigned"))
                    {
                        let t = words_text(tokens, chars, a + 1, k - 1);
                        if content_words(&t).len() >= 2 {
                            said.record = Some(Record {
                                owner: name_text(k),
                                task: t,
                            });
                            return said;
                        }
                    }
                }
                let Some(v) = verb_at else {
                    if labelled {
                        let from = if w(tokens, k + 1) == "then" {
                            k + 2
                        } else {
                            k + 1
                        };
                        let (t, _) = task_from(tokens, chars, from, &dues);
                        if content_words(&t).len() >= 2 {
                            said.record = Some(Record {
                                owner: name_text(k),
                                task: t,
                            });
                            return said;
                        }
                    }
                    continue;
                };
                // "dan will be fine", "kenji will tell us".
                let vw = w(tokens, v);
                // "aisha does that work for protection": a question.
                if vw == "be"
                    || (vw == "does" && anaphoric(tokens, v + 1).is_some())
                    || (NOT_WORK.contains(&vw)
                        && !work_despite(vw, w(tokens, v + 1))
                        && vw != "does")
                {
                    continue;
                }
                let (t, _) = task_from(tokens, chars, v, &dues);
                if content_words(&t).len() >= 2 {
                    said.record = Some(Record {
                        owner: name_text(k),
                        task: t,
                    });
                    return said;
                }
            }
        }

        // First-person commitments.
        let mut k = 0;
        while k < n {
            if meta_sentence.is_some_and(|(s, e)| k >= s && k < e) {
                k += 1;
                continue;
            }
            if let Some(c) = commit_at(tokens, chars, k, &dues, names, facilitator) {
                let next = c.at + 2;
                said.commits.push(c);
                k = next;
            } else {
                k += 1;
            }
        }
        said.commits = chain_dated(tokens, chars, &dues, std::mem::take(&mut said.commits));
        // "i will do the needful", "yes sir i will share": taking on what
        // was asked, the work said elsewhere.
        for c in said.commits.iter_mut() {
            let (_, end) = sentence_of(tokens, c.at);
            // "i'll take three things then": counting what follows.
            let counted = |t: &str| {
                let words: Vec<&str> = t.split_whitespace().collect();
                words.len() <= 4
                    && words.iter().any(|w| {
                        matches!(*w, "two" | "three" | "four" | "five" | "few" | "several")
                    })
                    && matches!(
                        words.last(),
                        Some(&("things" | "these" | "those" | "items"))
                    )
            };
            let bare = c.task.as_deref().is_some_and(|t| {
                let t = t.to_lowercase();
                t == "do the needful"
                    || (task_verb(&t) && c.team.is_none() && end <= c.at + 4)
                    || counted(&t)
            });
            if bare {
                c.task = None;
                c.takes = true;
            }
        }
        // "i'll get the platform team on it": the team takes it.
        for c in said.commits.iter_mut() {
            let Some(task) = c.task.as_deref() else {
                continue;
            };
            let words: Vec<&str> = task.split_whitespace().collect();
            if let ["get", "the", name @ .., "team" | "squad"] = words.as_slice() {
                let (_, end) = sentence_of(tokens, c.at);
                let said_on = (c.at..end.min(c.at + 10))
                    .any(|x| w(tokens, x) == "on" && anaphoric(tokens, x + 1).is_some());
                if said_on && (1..=2).contains(&name.len()) {
                    c.team = Some(words[2..].join(" "));
                    c.task = None;
                    c.takes = true;
                }
            }
        }
        // "i'll accept that", "i'll agree to that": agreeing, not work.
        said.commits.retain(|c| {
            let Some(task) = c.task.as_deref() else {
                return true;
            };
            let words: Vec<&str> = task.split_whitespace().collect();
            !(matches!(words.first(), Some(&("accept" | "agree")))
                && words[1..]
                    .iter()
                    .all(|w| matches!(*w, "that" | "this" | "it" | "with" | "to")))
        });
        // "i'll find somebody for it", "i will confirm after checking with
        // the team", "i will figure out": finding an owner, not the work.
        said.commits.retain(|c| {
            let Some(task) = c.task.as_deref() else {
                return true;
            };
            let words: Vec<&str> = task.split_whitespace().collect();
            let owner_words = |w: &&str| {
                matches!(
                    *w,
                    "somebody" | "someone" | "owner" | "who" | "whom" | "name" | "after"
                )
            };
            !(matches!(words.first(), Some(&("find" | "figure" | "confirm")))
                && (words.len() == 1 || words.iter().skip(1).take(2).any(owner_words)))
        });
        // "I'm happy to take that on, I could put together a dashboard":
        // the commitment after a bare "take it" says what was taken.
        let mut merged: Vec<Commit> = Vec::new();
        for c in std::mem::take(&mut said.commits) {
            match merged.last_mut() {
                Some(last)
                    if last.task.is_none()
                        && last.takes
                        && c.task.is_some()
                        && !c.also
                        && last.team == c.team
                        && last.team_word == c.team_word =>
                {
                    last.task = c.task;
                    last.due = last.due.take().or(c.due);
                }
                // "i can draft the letter uh i'll have a draft by next
                // thursday": the work just said, and its day.
                Some(last)
                    if c.task.is_none()
                        && !c.takes
                        && !c.also
                        && last.task.is_some()
                        && last.team == c.team
                        && last.team_word == c.team_word =>
                {
                    last.due = last.due.take().or(c.due);
                }
                _ => merged.push(c),
            }
        }
        said.commits = merged;
        // An offer too big to mean: "sure, i'll fix the whole internet
        // too", "sure, i'll drive to every house".
        said.commits.retain(|c| !sarcastic(tokens, c));
        // "i can look at whether the no actually never mind": taken back
        // before it was finished.
        if let Some(back) = any_seq(
            tokens,
            &[&["never", "mind"], &["nevermind"], &["scratch", "that"]],
        ) {
            let (from, _) = sentence_of(tokens, back);
            said.commits.retain(|c| c.at > back || c.at < from);
        }
        // A commitment turned down in the same breath ("I'll be underwater")
        // is not one, nor an offer taken back ("I could advise on it but I
        // can't own it").
        if said.decline && said.commits.iter().all(|c| c.at > said.decline_at) {
            said.commits.clear();
        }
        if said.decline {
            let decline_at = said.decline_at;
            said.commits.retain(|c| {
                !(c.at < decline_at && (c.at..decline_at).any(|x| w(tokens, x) == "but"))
            });
        }

        date_each(tokens, chars, &dues, &mut said.commits);

        if facilitator {
            said.assignments = assignments_in(tokens, chars, names, speaker, &dues);
        }
        // Requests.
        said.request = request_in(
            tokens,
            chars,
            names,
            speaker,
            facilitator,
            &dues,
            meta_sentence,
        );
        // "priya can you take us through the timeline": speaking in the
        // meeting, not work after it.
        if said.request.as_ref().is_some_and(|r| {
            r.task.as_deref().is_some_and(|t| {
                let mut words = t.split_whitespace();
                matches!(
                    words.next(),
                    Some("us" | "everyone" | "everybody" | "people")
                ) && words.next() == Some("through")
            })
        }) {
            said.request = None;
        }
        // "ok tariq any rough date": asking the owner for a day, not for
        // new work.
        if said.ask_due
            && said
                .request
                .as_ref()
                .is_some_and(|r| r.task.as_deref().is_some_and(only_asks_a_date))
        {
            said.request = None;
        }
        if said.request.as_ref().is_some_and(|r| r.task.is_none())
            || said.commits.iter().any(|c| c.task.is_none())
        {
            said.topic = topic(
                tokens,
                chars,
                names,
                &dues,
                said.request.as_ref().map_or(n, |r| r.at),
            );
        }
        said
    }
}

/// Every word of `short` is in `long`, in order: a deadline said again
/// in fewer words.
fn echoes(short: &str, long: &str) -> bool {
    let long = tokenize(long);
    let mut rest = long.iter();
    tokenize(short)
        .iter()
        .all(|word| rest.any(|other| other.norm == word.norm))
}

/// "if the vendor sends the patch i'll load it on the rig": a promise on
/// an event, not a hedge ("if we need it i can add", "if you want i'll
/// look"): "will", and an if-clause that is not about wanting or needing.
fn firm_on_condition(tokens: &[Token], s: usize, k: usize, body: usize) -> bool {
    (k..body).any(|x| w(tokens, x) == "will")
        && !(s..k).any(|x| {
            matches!(
                w(tokens, x),
                "need"
                    | "needed"
                    | "needs"
                    | "want"
                    | "wants"
                    | "like"
                    | "think"
                    | "prefer"
                    | "helps"
                    | "help"
                    | "useful"
                    | "time"
                    | "could"
                    | "maybe"
                    | "someday"
                    | "unless"
                    | "you"
                    | "we"
            )
        })
}

/// A request's "task" that only asks when: "any rough date", "a date for
/// that", "when roughly".
fn only_asks_a_date(task: &str) -> bool {
    content_words(task).iter().all(|w| {
        matches!(
            w.as_str(),
            "rough"
                | "roughly"
                | "date"
                | "dates"
                | "deadline"
                | "eta"
                | "when"
                | "timeline"
                | "timeframe"
                | "estimate"
                | "day"
                | "ballpark"
        )
    })
}

/// "i'll add the dry run mode by thursday then the per pool rate limit by
/// next monday": after a commitment's day, another thing with a day of its
/// own is more of the same work, a commitment of its own ("add the per pool
/// rate limit").
fn chain_dated(
    tokens: &[Token],
    chars: &[char],
    dues: &[Due],
    commits: Vec<Commit>,
) -> Vec<Commit> {
    let mut out: Vec<Commit> = Vec::new();
    for (i, c) in commits.iter().enumerate() {
        out.push(c.clone());
        let (Some(task), Some((phrase, _))) = (c.task.as_deref(), c.due.as_ref()) else {
            continue;
        };
        let Some(verb) = task.split_whitespace().next() else {
            continue;
        };
        let Some(d) = dues
            .iter()
            .find(|d| d.tokens.0 > c.at && &d.phrase == phrase)
        else {
            continue;
        };
        let mut j = d.tokens.1;
        while matches!(w(tokens, j), "then" | "and" | "uh" | "um" | "also" | "plus") {
            j += 1;
        }
        if j == d.tokens.1 || !matches!(w(tokens, j), "the" | "a" | "an") {
            continue;
        }
        let next_at = commits.get(i + 1).map_or(tokens.len(), |n| n.at);
        let Some(d2) = dues
            .iter()
            .find(|d2| d2.tokens.0 > j + 1 && d2.tokens.0 <= j + 10 && d2.tokens.0 < next_at)
        else {
            continue;
        };
        let mut end = d2.tokens.0;
        while end > j
            && matches!(
                w(tokens, end - 1),
                "by" | "until" | "till" | "before" | "on" | "for"
            )
        {
            end -= 1;
        }
        let plain = (j..end).all(|x| tokens[x].boundary == Boundary::None || x == j)
            && !(j..end).any(|x| {
                matches!(
                    w(tokens, x),
                    "i" | "we"
                        | "you"
                        | "will"
                        | "is"
                        | "are"
                        | "was"
                        | "it"
                        | "that"
                        | "can"
                        | "could"
                )
            });
        let thing = words_text(tokens, chars, j, end);
        if !plain || content_words(&thing).len() < 2 {
            continue;
        }
        out.push(Commit {
            at: j,
            task: Some(format!("{verb} {thing}")),
            takes: false,
            also: false,
            team: c.team.clone(),
            team_word: c.team_word,
            due: Some((d2.phrase.clone(), d2.date)),
            chained: true,
        });
    }
    out
}

/// Several commitments said without dates, then a sentence that dates
/// each by name: "i'll pin the build backend, i'll add a wheel check to the
/// release workflow and i'll write up four one oh. the pin tomorrow the
/// workflow check by friday and the known issues page end of next week".
/// Each deadline goes to the commitment whose words come before it.
fn date_each(tokens: &[Token], chars: &[char], dues: &[Due], commits: &mut [Commit]) {
    let undated = commits
        .iter()
        .filter(|c| c.task.is_some() && c.due.is_none())
        .count();
    let Some(last) = commits.iter().map(|c| c.at).max() else {
        return;
    };
    let (_, after) = sentence_of(tokens, last);
    let later: Vec<&Due> = dues.iter().filter(|d| d.tokens.0 >= after).collect();
    if undated < 2 || later.len() < 2 {
        return;
    }
    let mut from = sentence_of(tokens, later[0].tokens.0).0;
    let mut dated = vec![false; commits.len()];
    for due in later {
        let said = content_words(&words_text(tokens, chars, from, due.tokens.0));
        from = due.tokens.1;
        let best = commits
            .iter()
            .enumerate()
            .filter(|(i, c)| c.due.is_none() && !dated[*i])
            .filter_map(|(i, c)| {
                let task = content_words(c.task.as_deref()?);
                let n = task.iter().filter(|t| said.contains(t)).count();
                (n > 0).then_some((i, n))
            })
            .rev()
            .max_by_key(|&(_, n)| n);
        if let Some((i, _)) = best {
            dated[i] = true;
            commits[i].due = Some((due.phrase.clone(), due.date));
        }
    }
}

/// Only an answer word ("ok", "yes") comes before `k` in its turn.
fn opens_turn(tokens: &[Token], k: usize) -> bool {
    (0..k).all(|x| {
        matches!(
            w(tokens, x),
            "ok" | "okay" | "yes" | "yeah" | "sure" | "and" | "so"
        )
    })
}

/// Nothing of the clause follows `k`: the turn ends there or a break does.
fn clause_ends(tokens: &[Token], k: usize) -> bool {
    tokens.get(k).is_none_or(|t| t.boundary != Boundary::None)
}

/// The sentence containing token `k`: first token and one past the last.
fn sentence_of(tokens: &[Token], k: usize) -> (usize, usize) {
    let start = (0..=k)
        .rev()
        .find(|&j| tokens[j].boundary == Boundary::Sentence)
        .unwrap_or(0);
    let end = (k + 1..tokens.len())
        .find(|&j| tokens[j].boundary == Boundary::Sentence)
        .unwrap_or(tokens.len());
    (start, end)
}

fn strip_tail(task: &str, tails: &[&str]) -> String {
    let mut t = task.to_string();
    for tail in tails {
        if let Some(pos) = t.to_lowercase().find(tail) {
            t.truncate(pos);
        }
    }
    t.trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

// One condition per kind of word that is not work, kept apart for reading.
#[allow(clippy::nonminimal_bool)]
fn is_work_verb_word(word: &str) -> bool {
    !word.is_empty()
        && !NOT_WORK.contains(&word)
        && !matches!(
            word,
            "the"
                | "a"
                | "an"
                | "to"
                | "and"
                | "is"
                | "are"
                | "was"
                | "were"
                | "it"
                | "that"
                | "this"
                | "so"
                | "um"
                | "i"
                | "we"
                | "you"
                | "he"
                | "she"
                | "they"
                | "there"
                | "what"
                | "which"
                | "who"
                | "maybe"
                | "also"
                | "already"
                | "did"
                | "had"
                | "has"
                | "been"
                | "being"
                | "of"
                | "for"
                | "on"
                | "in"
                | "at"
                | "by"
                | "with"
                | "from"
                | "about"
                | "yes"
                | "no"
                | "not"
                | "ok"
                | "okay"
                | "sure"
                | "yeah"
                | "then"
                | "need"
                | "needs"
                | "mine"
                | "me"
                | "my"
                | "our"
                | "your"
                | "their"
                | "his"
                | "her"
                | "some"
                | "one"
                | "two"
                | "three"
                | "happy"
                | "able"
                | "around"
                | "here"
                | "today"
                | "tomorrow"
                | "going"
                | "gonna"
                | "just"
                | "probably"
                | "totally"
                | "only"
                | "sorry"
                | "all"
                | "out"
        )
        && !(word.ends_with("ed") && !matches!(word, "need" | "feed" | "seed" | "speed" | "embed"))
        && !word.ends_with("ly")
}

fn is_work_verb(tokens: &[Token], k: usize) -> bool {
    let word = w(tokens, k);
    is_work_verb_word(word)
        || work_despite(word, w(tokens, k + 1))
        // "give the bus company a ring and find out ...".
        || (word == "give"
            && (k + 2..k + 6).any(|x| {
                w(tokens, x) == "a" && matches!(w(tokens, x + 1), "ring" | "call" | "bell" | "shout")
            }))
        // "write down my notes for fernanda", not "write it down".
        || (word == "write"
            && w(tokens, k + 1) == "down"
            && work_despite(word, w(tokens, k + 2)))
        // "go through the suppression list", not "go through it with us".
        || (word == "go" && {
            // "go back through the change sheets".
            let k = if w(tokens, k + 1) == "back" {
                k + 1
            } else {
                k
            };
            matches!(w(tokens, k + 1), "through" | "over")
                && anaphoric(tokens, k + 2).is_none()
                && !w(tokens, k + 2).is_empty()
        })
}

/// An "if" that only softens an offer: "if it's helpful", "if that
/// works for everyone", "if nobody else wants it".
fn polite_if(tokens: &[Token], k: usize) -> bool {
    matches!(
        w(tokens, k + 1),
        "it" | "that" | "this" | "nobody" | "no" | "you"
    ) && matches!(
        w(tokens, k + 2),
        "is" | "would" | "helps" | "works" | "else" | "one" | "like" | "want" | "suits"
    )
}

/// "I'll X", "I can take it", "that's mine", "we'll X", "let me X",
/// "I would like to add X", "I add it also" at `k`.
fn commit_at(
    tokens: &[Token],
    chars: &[char],
    k: usize,
    dues: &[Due],
    names: &[String],
    facilitator: bool,
) -> Option<Commit> {
    let word = w(tokens, k);
    let sentence_due = |from: usize| -> Option<(String, Option<Date>)> {
        let (_, end) = sentence_of(tokens, from);
        // A day said beats an event ("a check before the run sends, by the
        // twenty ninth"): the event may be part of the work.
        let in_sentence = || {
            dues.iter()
                .filter(move |d| d.tokens.0 >= from && d.tokens.0 < end)
        };
        in_sentence()
            .find(|d| d.date.is_some())
            .or_else(|| in_sentence().next())
            .map(|d| (d.phrase.clone(), d.date))
    };
    // "i think we can do a full rewrite", "maybe we could": a suggestion to
    // the room, not a commitment.
    if word == "we" && k > 0 && matches!(w(tokens, k - 1), "think" | "maybe" | "perhaps" | "guess")
    {
        return None;
    }
    // "depends when i can get each line down", "once i can get in": a
    // condition on the work, not a promise of its own.
    if matches!(word, "i" | "we")
        && k > 0
        && matches!(w(tokens, k - 1), "when" | "whenever" | "whether" | "once")
    {
        return None;
    }
    // "put me down for the banner crash": a volunteer, whatever the work
    // is called.
    if seq(tokens, k, &["put", "me", "down", "for"]) {
        let (task, _) = task_from(tokens, chars, k + 4, dues);
        return (!content_words(&task).is_empty()).then(|| Commit {
            at: k,
            task: Some(task),
            takes: true,
            also: false,
            team: None,
            team_word: false,
            due: sentence_due(k),
            chained: false,
        });
    }
    let make = |at: usize, body: usize, team: Option<String>, team_word: bool| -> Option<Commit> {
        // A commitment to work said before: "i'll take it", "i'll get that
        // in", "i can take a stab at that".
        let pointing_back = |takes: bool, also: bool| {
            Some(Commit {
                at,
                task: None,
                takes,
                also,
                team: team.clone(),
                team_word,
                due: sentence_due(at),
                chained: false,
            })
        };
        // "I'll take it", "I can own that one", "I can do this part".
        let verb = w(tokens, body);
        // "who can make the banner work" / "i can. end of next week".
        if clause_ends(tokens, body)
            && body == at + 2
            && matches!(w(tokens, at), "i" | "we")
            && matches!(w(tokens, at + 1), "can" | "will")
        {
            return pointing_back(false, false);
        }
        // "i'll the replay script for the ones we dropped": the recogniser
        // lost the verb; the work is the noun phrase after "will".
        let verb_dropped = verb == "the"
            && body > 0
            && w(tokens, body - 1) == "will"
            && !team_word
            && tokens[body].boundary == Boundary::None
            && content_words(&task_from(tokens, chars, body, dues).0).len() >= 2;
        // "i can take a stab at that": an attempt at the work just named.
        if attempt_at(tokens, body).is_some_and(|n| anaphoric(tokens, body + n).is_some()) {
            return pointing_back(false, false);
        }
        let mut takes = false;
        let mut task_start = body;
        if matches!(
            verb,
            "take"
                | "own"
                | "do"
                | "handle"
                | "pick"
                | "grab"
                | "cover"
                | "organise"
                | "organize"
                | "absorb"
                | "drive"
        ) {
            let obj = if verb == "pick" && w(tokens, body + 1) == "up" {
                body + 2
            } else {
                body + 1
            };
            if let Some(after) = anaphoric(tokens, obj) {
                takes = true;
                let also = matches!(w(tokens, after), "also" | "too")
                    || seq(tokens, after, &["as", "well"]);
                // "take that one i'll put a duplicate run check ...": the
                // next commitment carries the task.
                return pointing_back(takes, also);
            }
            if matches!(verb, "own" | "take" | "handle") {
                takes = true;
                task_start = obj;
            }
        }
        // "i'll knock that out", "i'll get that in by tuesday": whatever
        // the verb, a particle after "that" makes it the work just named.
        if anaphoric(tokens, body + 1).is_some_and(|after| {
            matches!(
                w(tokens, after),
                "out" | "in" | "up" | "off" | "over" | "through" | "done" | "together"
            )
        }) && !NOT_WORK.contains(&verb)
        {
            return pointing_back(false, false);
        }
        // "i can live with that": the day agreed to, not work.
        if verb == "live" && w(tokens, body + 1) == "with" {
            return None;
        }
        // "let me prepone": the day brought forward, not work.
        if matches!(verb, "prepone" | "pre-pone") {
            return None;
        }
        // "i can pull it forward", "i'll push that back a week": moving
        // the day, not new work.
        if matches!(verb, "pull" | "bring" | "push" | "move")
            && anaphoric(tokens, body + 1).is_some_and(|after| {
                matches!(
                    w(tokens, after),
                    "forward" | "back" | "out" | "earlier" | "later"
                )
            })
        {
            return None;
        }
        // "i'll ring em", "i'll email them": getting in touch, about the
        // work just asked ("somebody's gotta tell the line station").
        if GET_IN_TOUCH.contains(&verb)
            && (clause_ends(tokens, body + 1)
                || (matches!(w(tokens, body + 1), "them" | "em" | "him" | "her")
                    && clause_ends(tokens, body + 2)))
        {
            return pointing_back(false, false);
        }
        // "yeah okay. fair. i'll pull it": the proposal withdrawn.
        // Not "ok i'll pull it" (the logs): "pull" only after giving way.
        if (matches!(verb, "withdraw" | "drop")
            || (verb == "pull"
                && (0..at).any(|x| matches!(w(tokens, x), "fair" | "true" | "right"))))
            && anaphoric(tokens, body + 1).is_some_and(|a| clause_ends(tokens, a))
        {
            return None;
        }
        // "I will write it myself", "I can look at it", "I'll send it".
        let obj = if matches!(verb, "look") && matches!(w(tokens, body + 1), "at" | "into") {
            body + 2
        } else {
            body + 1
        };
        if matches!(
            verb,
            "write"
                | "send"
                | "fix"
                | "check"
                | "look"
                | "update"
                | "add"
                | "prepare"
                | "get"
                | "make"
                | "draft"
                | "run"
                | "schedule"
                | "set"
                | "chase"
                | "sort"
        ) && anaphoric(tokens, obj).is_some()
            && !matches!(w(tokens, obj + 1), "down")
        {
            let after = anaphoric(tokens, obj).unwrap_or(obj);
            let also = matches!(w(tokens, after), "also" | "too")
                || (body..(body + 4).min(tokens.len())).any(|j| w(tokens, j) == "also");
            return pointing_back(false, also);
        }
        if verb == "have" {
            // "i can have a design by thursday", "i'll have a fix up by the
            // twenty fourth": something delivered by a day, for the work in
            // hand; "i'll have a look", "i have a question" are not, nor the
            // facilitator's "i'll have a summary out by friday".
            let delivers = w(tokens, body + 1) == "a"
                && !facilitator
                && sentence_due(at).is_some()
                && !matches!(
                    w(tokens, body + 2),
                    "look"
                        | "go"
                        | "think"
                        | "chat"
                        | "word"
                        | "call"
                        | "meeting"
                        | "question"
                        | "quick"
                        | "bit"
                        | "day"
                        | "try"
                        | "feeling"
                );
            // "I'll have that done by Wednesday", "have it up by monday".
            if anaphoric(tokens, body + 1).is_some() || delivers {
                return pointing_back(false, false);
            }
            if matches!(w(tokens, body + 1), "to" | "been" | "no" | "a" | "") {
                return None;
            }
        } else if !is_work_verb(tokens, body) && !verb_dropped {
            return None;
        }
        // "I add it also", "I will do it also for the autocomplete endpoint".
        let also_here =
            (body..(body + 4).min(tokens.len())).any(|j| matches!(w(tokens, j), "also" | "too"));
        if anaphoric(tokens, body + 1).is_some() && also_here {
            return pointing_back(false, true);
        }
        let (task, _) = task_from(tokens, chars, task_start, dues);
        let content = content_words(&task);
        // One word of work is enough from a participant ("i'll fix it
        // tomorrow"), not from the facilitator running the meeting ("three
        // follow ups i'd like to land today").
        let task =
            (content.len() >= 2 || (content.len() == 1 && !takes && !facilitator)).then_some(task);
        let task = task.filter(|t| !matches!(t.as_str(), "it" | "that" | "this"));
        if task.is_none() && !takes {
            return None;
        }
        Some(Commit {
            at,
            task,
            takes,
            also: also_here,
            team,
            team_word,
            due: sentence_due(at),
            chained: false,
        })
    };
    // Facilitator bookkeeping is not work: "I write it down", "I'll note it",
    // "I put it in the list".
    let bookkeeping = |body: usize| {
        let (v, o, p) = (w(tokens, body), w(tokens, body + 1), w(tokens, body + 2));
        // "i'll put it in the runbook": documenting, which is work.
        let documents = (body + 3..body + 6).any(|x| {
            matches!(
                w(tokens, x),
                "runbook" | "runbooks" | "wiki" | "docs" | "playbook" | "readme" | "faq"
            )
        });
        // "i add it for the twentieth of february": work with its day.
        let dated = p == "for"
            && dues
                .iter()
                .any(|d| (body + 2..=body + 3).contains(&d.tokens.0));
        (!documents && !dated && matches!(
            v,
            "write" | "put" | "log" | "note" | "add" | "mark" | "record" | "capture" | "take" | "type"
        ) && matches!(o, "it" | "that" | "this" | "them" | "these")
            && matches!(
                p,
                "down" | "in" | "on" | "as" | "" | "into" | "with" | "for" | "to" | "offline" | "that"
            ))
            || (v == "write" && o == "down" && matches!(p, "" | "it" | "that"))
            || matches!(v, "note" | "log") && o != "the"
            // "I'll share my screen", "I'll share the timeline doc".
            || (v == "share" && matches!(p, "screen" | "timeline"))
            // "I'll turn my camera on": the call, not the work.
            || (body + 1..body + 4).any(|x| {
                matches!(w(tokens, x), "camera" | "mic" | "microphone" | "video" | "screen")
            })
            // "I can confirm the queue drained": a fact, not a promise.
            || (v == "confirm"
                && (body + 1..body + 7).any(|x| {
                    let word = w(tokens, x);
                    (word.ends_with("ed") && word.len() > 4)
                        || matches!(word, "was" | "were" | "did" | "went")
                }))
    };
    // "we can take that on" from a participant accepts work, and so does
    // "i'll add them to the backup panel" or "i'll take it to the change
    // board": only the notes are bookkeeping there.
    let bookkeeping = |body: usize| {
        bookkeeping(body)
            && !(!facilitator
                && w(tokens, body) == "take"
                && w(tokens, body + 2) == "on"
                && w(tokens, body + 3) != "board")
            && (facilitator
                || !matches!(w(tokens, body + 2), "to" | "into" | "on" | "in")
                // "i'll add that in too": no place named.
                || matches!(w(tokens, body + 3), "" | "too" | "also" | "as")
                // "if i have it then i'll take it to the next one".
                || (sentence_of(tokens, body).0..body).any(|x| w(tokens, x) == "if")
                || (body + 3..body + 6).any(|x| {
                    matches!(
                        w(tokens, x),
                        "list" | "notes" | "minutes" | "actions" | "doc" | "tracker" | "record"
                    )
                }))
    };
    // "platform team can take the timeout bump", "yes storage can take
    // that", "data platform can absorb that": a team answering through
    // its person.
    if !facilitator
        && (k == 0
            || tokens[k].boundary != Boundary::None
            || matches!(
                w(tokens, k - 1),
                "yes" | "yeah" | "yep" | "so" | "and" | "ok" | "okay" | "sure"
            ))
    {
        if let Some(m) =
            (k + 1..(k + 4).min(tokens.len())).find(|&m| matches!(w(tokens, m), "can" | "will"))
        {
            let subject_ok = (k..m).all(|x| {
                let word = w(tokens, x);
                (x == k && word == "the")
                    || (is_work_verb_word(word)
                        && !matches!(
                            word,
                            "someone"
                                | "somebody"
                                | "anyone"
                                | "everyone"
                                | "nobody"
                                | "who"
                                | "how"
                                | "why"
                                | "where"
                                | "when"
                                | "whoever"
                                | "let"
                        )
                        && !names
                            .iter()
                            .any(|n| strip_accents(n) == strip_accents(word)))
            });
            let verb = w(tokens, m + 1);
            if subject_ok
                && matches!(
                    verb,
                    "take" | "own" | "absorb" | "handle" | "pick" | "cover"
                )
                && tokens[m].boundary == Boundary::None
            {
                let team = words_text(tokens, chars, k, m);
                return make(k, m + 1, Some(team), true);
            }
        }
    }
    // "our platform team will add pdbs to the workers": the team named.
    if matches!(word, "our" | "my") {
        let group = (k + 2..(k + 4).min(tokens.len())).find(|&e| {
            matches!(w(tokens, e), "team" | "squad") && tokens[e].boundary == Boundary::None
        });
        if let Some(e) = group
            .filter(|&e| matches!(w(tokens, e + 1), "will" | "can") && is_work_verb(tokens, e + 2))
        {
            let team = words_text(tokens, chars, k + 1, e + 1);
            return make(k, e + 2, Some(team), true);
        }
    }
    // "my team will fix the alert": the speaker's commitment.
    let (word, k) =
        if word == "my" && w(tokens, k + 1) == "team" && matches!(w(tokens, k + 2), "will" | "can")
        {
            ("we", k + 1)
        } else {
            (word, k)
        };
    // "claims ops will have that ready by the thirtieth", "the storage
    // oncall will do it": a group said as who does it, at a clause's start.
    let group = group_subject(tokens, k).filter(|&e| {
        matches!(w(tokens, e + 1), "will" | "can")
            && tokens[e + 1].boundary == Boundary::None
            && (k == 0
                || tokens[k].boundary != Boundary::None
                || w(tokens, k) == "the"
                || matches!(
                    w(tokens, k - 1),
                    "yeah" | "yes" | "and" | "so" | "ok" | "okay"
                ))
    });
    let (word, k, named_team) = match group {
        Some(e) => {
            let from = if w(tokens, k) == "the" { k + 1 } else { k };
            ("we", e, Some(words_text(tokens, chars, from, e + 1)))
        }
        None => (word, k, None),
    };
    // "let me just do a proper capacity plan ..., you'll have something end
    // of next week": an offer with a day.
    if word == "let"
        && w(tokens, k + 1) == "me"
        && !facilitator
        && dues.iter().any(|d| d.tokens.0 > k + 2)
    {
        let mut body = k + 2;
        while matches!(w(tokens, body), "just" | "quickly" | "also") {
            body += 1;
        }
        // "let me check", "let me look", "let me share my screen": the
        // meeting, now ("see", "ask" and the like are no work already).
        if is_work_verb(tokens, body)
            && !matches!(w(tokens, body), "check" | "look" | "share" | "get")
            && !bookkeeping(body)
        {
            return make(k, body, None, false);
        }
    }
    match word {
        "i" | "we" => {
            let team_word = word == "we";
            // Who is "we"? Only "we in the X team" names a team.
            let mut j = k + 1;
            let mut team = named_team;
            if team_word && w(tokens, j) == "in" && w(tokens, j + 1) == "the" {
                if let Some(end) =
                    (j + 2..(j + 6).min(tokens.len())).find(|&e| w(tokens, e) == "team")
                {
                    team = Some(words_text(tokens, chars, j + 1, end + 1));
                    j = end + 1;
                }
            }
            // Hedges before the modal change nothing: "i probably can".
            while matches!(
                w(tokens, j),
                "probably" | "definitely" | "certainly" | "also"
            ) {
                j += 1;
            }
            // Modal.
            let body = match (w(tokens, j), w(tokens, j + 1), w(tokens, j + 2)) {
                // A cautious offer is still an offer: "i think i could
                // probably write it up", "i would be happy to update it".
                // Not hindsight: "i could have caught it".
                ("could", "have", next)
                    if !team_word
                        && !matches!(next, "it" | "that" | "this" | "them" | "a" | "the") =>
                {
                    return None
                }
                // An offer, unless told of the past: "when it paged i could
                // restart the pods".
                ("could", _, _)
                    if !team_word && {
                        let (s, _) = sentence_of(tokens, k);
                        !(s..k).any(|x| {
                            let word = w(tokens, x);
                            matches!(word, "when" | "because" | "since" | "while" | "until")
                                || (word.ends_with("ed") && word.len() > 4)
                        })
                    } =>
                {
                    j + 1
                }
                ("might" | "may", "be", "able") if !team_word && w(tokens, j + 3) == "to" => j + 4,
                ("would", "be", "happy" | "glad" | "content" | "willing")
                    if w(tokens, j + 3) == "to" =>
                {
                    j + 4
                }
                ("am", "glad", "to") => j + 3,
                ("will" | "would", "aim", "to") => j + 3,
                ("will" | "shall", "just", _) => j + 2,
                ("will" | "shall", _, _) => j + 1,
                ("can", "also", _) => j + 2,
                ("can", "try", "to") => j + 3,
                ("can", "not", _) => return None,
                // "i should post an update": not "i should have".
                ("should", next, _)
                    if !team_word && !matches!(next, "have" | "be" | "not" | "probably") =>
                {
                    j + 1
                }
                ("should", "own" | "take", _) if team_word => j + 1,
                ("can", _, _) => j + 1,
                ("am", "going", "to") | ("are", "going", "to") => j + 3,
                ("would", "like", "to") if w(tokens, j + 3) != "but" => j + 3,
                ("would", "love", "to") if w(tokens, j + 3) != "but" => j + 3,
                ("am", "happy" | "content" | "willing" | "keen", "to") => j + 3,
                // "ok i take it", "i handle this one": taking what was just
                // offered, in the present tense of a second language.
                ("take" | "handle", _, after)
                    if !team_word
                        && anaphoric(tokens, j + 1).is_some()
                        && !matches!(
                            after,
                            "that" | "you" | "as" | "from" | "back" | "off" | "easy" | "seriously"
                        ) =>
                {
                    j
                }
                // "i take the part of updating the timeline", "i take care
                // of the vendor call".
                ("take", "the", "part") if !team_word && w(tokens, j + 3) == "of" => j,
                ("take", "care", "of") if !team_word => j,
                // "i do it until friday the twenty three": taking what was
                // asked, with a day, in a second language's present tense.
                // So is "i do it" said on its own, the answer to "who can
                // do it".
                ("do", _, _)
                    if !team_word && anaphoric(tokens, j + 1).is_some() && {
                        let (_, end) = sentence_of(tokens, k);
                        dues.iter().any(|d| d.tokens.0 > j && d.tokens.0 < end)
                            || (anaphoric(tokens, j + 1).is_some_and(|a| clause_ends(tokens, a))
                                && opens_turn(tokens, k))
                    } =>
                {
                    j
                }
                // "that one i take": the work named before, put first.
                ("take" | "do" | "handle", _, _)
                    if !team_word
                        && clause_ends(tokens, j + 1)
                        && (k.saturating_sub(2)..k)
                            .any(|a| anaphoric(tokens, a) == Some(k) && opens_turn(tokens, a)) =>
                {
                    j
                }
                // Present tense in a second language: "I add it also",
                // "I send the summary by tomorrow".
                (v, _, _)
                    if !team_word
                        && WORK_VERBS.contains(&v)
                        && !matches!(v, "do" | "get" | "make" | "take" | "own") =>
                {
                    let (_, end) = sentence_of(tokens, k);
                    let dated = dues.iter().any(|d| d.tokens.0 > j && d.tokens.0 < end);
                    let also = (j..end.min(j + 5)).any(|x| matches!(w(tokens, x), "also" | "too"));
                    // "i add warsaw people to the rota template, i do it".
                    let confirmed = anaphoric(tokens, j + 1).is_none()
                        && (j + 2..tokens.len().min(j + 16)).any(|x| {
                            seq(tokens, x, &["i", "do"])
                                && anaphoric(tokens, x + 2).is_some_and(|a| clause_ends(tokens, a))
                        });
                    if !(dated || also || confirmed) {
                        return None;
                    }
                    j
                }
                _ => return None,
            };
            let mut body = body;
            while matches!(
                w(tokens, body),
                "probably"
                    | "definitely"
                    | "certainly"
                    | "also"
                    | "just"
                    | "easily"
                    | "tentatively"
            ) || seq(tokens, body, &["try", "to"])
                || seq(tokens, body, &["at", "least"])
            {
                body += if matches!(w(tokens, body), "try" | "at") {
                    2
                } else {
                    1
                };
            }
            if bookkeeping(body) {
                return None;
            }
            // "so I can check the wording": a purpose, not a promise.
            if k > 0
                && matches!(w(tokens, k - 1), "so" | "then")
                && w(tokens, j) == "can"
                && !facilitator
            {
                return None;
            }
            if (j..body).any(|x| w(tokens, x) == "already") {
                return None;
            }
            let (s, _) = sentence_of(tokens, k);
            // "if it slips i'll shout in the channel": what is done if
            // the work goes wrong is not the work.
            if (s..k).any(|x| w(tokens, x) == "if")
                && (s..k).any(|x| {
                    matches!(
                        w(tokens, x),
                        "slips" | "slip" | "sideways" | "late" | "blocked" | "stuck"
                    )
                })
            {
                return None;
            }
            // Hedged or conditional: "if we need it I can add", not "if the
            // vendor sends the patch i'll load it".
            if (s..k).any(|x| {
                matches!(
                    w(tokens, x),
                    "if" | "unless" | "could" | "maybe" | "someday"
                )
            }) && !facilitator
                && (s..k).any(|x| w(tokens, x) == "if" && !polite_if(tokens, x))
                && !firm_on_condition(tokens, s, k, body)
            {
                return None;
            }
            // "we will come to the alert gap": meeting talk; "pharmacy will
            // sort the override list" is work.
            if team_word
                && !(team.is_some() && w(tokens, body + 1) == "the")
                && matches!(
                    w(tokens, body),
                    "come" | "get" | "go" | "see" | "talk" | "sort" | "find" | "circle" | "figure"
                )
            {
                return None;
            }
            if team_word && facilitator {
                return None;
            }
            make(k, body, team, team_word)
        }
        "let" if w(tokens, k + 1) == "me" => {
            if bookkeeping(k + 2)
                || matches!(
                    w(tokens, k + 2),
                    "read"
                        | "pause"
                        | "check"
                        | "ask"
                        | "see"
                        | "think"
                        | "just"
                        | "try"
                        | "be"
                        | "say"
                        | "go"
                        | "push"
                )
            {
                return None;
            }
            make(k, k + 2, None, false)
        }
        "mine" | "me"
            if k == 0
                || tokens[k].boundary == Boundary::Sentence
                || w(tokens, k.saturating_sub(1)) == "is"
                    && w(tokens, k.saturating_sub(2)) == "that" =>
        {
            if word == "me"
                && !(k == 0
                    || seq(tokens, k.saturating_sub(2), &["that", "is", "me"])
                    || tokens[k].boundary != Boundary::None)
            {
                return None;
            }
            // "me neither", "me either", "me too" after "i can't": not
            // taking it.
            if word == "me"
                && matches!(w(tokens, k + 1), "neither" | "either" | "too" | "as")
                && tokens
                    .get(k + 1)
                    .is_some_and(|t| t.boundary == Boundary::None)
            {
                return None;
            }
            let _ = names;
            Some(Commit {
                at: k,
                task: None,
                takes: true,
                also: false,
                team: None,
                team_word: false,
                due: sentence_due(k),
                chained: false,
            })
        }
        // "crash dumps mine by friday", "checklist me tomorrow": the piece
        // of a list the speaker takes, named first.
        "mine" | "me"
            if !facilitator
                && k > 0
                && k <= 3
                && tokens[k].boundary == Boundary::None
                && (0..k).all(|x| {
                    let word = w(tokens, x);
                    is_work_verb_word(word)
                        && !present_base(word).is_some_and(|_| x == 0 && k == 1)
                        && !matches!(
                            word,
                            "like"
                                | "give"
                                | "tell"
                                | "for"
                                | "with"
                                | "ask"
                                | "send"
                                | "let"
                                | "call"
                                | "ping"
                                | "page"
                                | "email"
                                | "yep"
                                | "yup"
                                | "fine"
                                | "right"
                                | "alright"
                                | "cool"
                                | "great"
                                | "good"
                                | "oh"
                                | "well"
                                | "and"
                                | "also"
                                | "sorry"
                        )
                })
                && !content_words(&words_text(tokens, chars, 0, k)).is_empty() =>
        {
            let task = words_text(tokens, chars, 0, k);
            Some(Commit {
                at: k,
                task: Some(task),
                takes: true,
                also: false,
                team: None,
                team_word: false,
                due: sentence_due(k),
                chained: false,
            })
        }
        "that"
            if seq(tokens, k, &["that", "is", "mine"]) || seq(tokens, k, &["that", "is", "me"]) =>
        {
            Some(Commit {
                at: k,
                task: None,
                takes: true,
                also: false,
                team: None,
                team_word: false,
                due: sentence_due(k),
                chained: false,
            })
        }
        _ => None,
    }
}

/// Words that end the name of a group that can own work: "claims ops",
/// "the storage oncall", "the crew control desk", "pharmacy".
const GROUP_WORDS: &[&str] = &[
    "team",
    "squad",
    "ops",
    "oncall",
    "desk",
    "shift",
    "department",
    "rotation",
    // Departments named alone: "pharmacy will sort the override list".
    "pharmacy",
    "biomed",
    "estates",
    "facilities",
    "procurement",
    "compliance",
    "legal",
    "finance",
    "informatics",
    "helpdesk",
    // "the records office", "building services".
    "office",
    "services",
];

/// A day said as when the speaker is busy: "i've got the matrons' meeting
/// on wednesday", "i'm at the vendor thing on thursday".
fn engaged_on(tokens: &[Token], k: usize) -> bool {
    if k < 2 || w(tokens, k - 1) != "on" {
        return false;
    }
    let (start, _) = sentence_of(tokens, k);
    let busy: [&[&str]; 6] = [
        &["i", "have", "got"],
        &["i", "have", "the"],
        &["i", "am", "at"],
        &["i", "am", "in"],
        &["i", "am", "off"],
        &["i", "am", "out"],
    ];
    (start.max(k.saturating_sub(9))..k - 1).any(|x| busy.iter().any(|p| seq(tokens, x, p)))
}

/// A group's name of one to three words (after an optional "the") starting
/// at `k`: the index of its last word ("the finance office" ends on
/// "office", not "finance").
fn group_subject(tokens: &[Token], k: usize) -> Option<usize> {
    let from = if w(tokens, k) == "the" { k + 1 } else { k };
    let e = (from..from + 3).find(|&e| {
        GROUP_WORDS.contains(&w(tokens, e))
            && (from..=e).all(|x| {
                // "IT services", "the it team".
                let it = x == from && e == from + 1 && w(tokens, x) == "it";
                it || !STOP.contains(&w(tokens, x))
                    && (x == from || tokens[x].boundary == Boundary::None)
                    && !matches!(
                        w(tokens, x),
                        "i" | "we" | "you" | "they" | "our" | "my" | "your"
                    )
            })
    })?;
    let two = e + 1 < from + 3
        && GROUP_WORDS.contains(&w(tokens, e + 1))
        && tokens
            .get(e + 1)
            .is_some_and(|t| t.boundary == Boundary::None);
    Some(if two { e + 1 } else { e })
}

/// A request or proposal in the turn.
fn request_in(
    tokens: &[Token],
    chars: &[char],
    names: &[String],
    speaker: Option<&str>,
    facilitator: bool,
    dues: &[Due],
    meta_sentence: Option<(usize, usize)>,
) -> Option<Request> {
    let n = tokens.len();
    let is_name = |k: usize| names_another(tokens, k, names, speaker);
    let name_text = |k: usize| -> String { capitalise(&words_text(tokens, chars, k, k + 1)) };
    // The named person nearest before `k` in the turn (vocative), or right
    // after the request.
    let vocative = |k: usize| -> Option<usize> {
        let (s, _) = sentence_of(tokens, k);
        let from = s.saturating_sub(12);
        (from..k)
            .rev()
            .find(|&j| {
                is_name(j)
                    && !matches!(
                        w(tokens, j.saturating_sub(1)),
                        "thanks" | "thank" | "with" | "from" | "to" | "and" | "for"
                    )
                    || (is_name(j) && j == 0)
            })
            // "rafi the login queue dashboard, the one that ... could you get
            // that built by wednesday": the name that opens the turn.
            .or_else(|| is_name(0).then_some(0))
    };
    let due_in = |from: usize| -> Option<(String, Option<Date>)> {
        dues.iter()
            .find(|d| d.tokens.0 >= from)
            .map(|d| (d.phrase.clone(), d.date))
    };
    let skip_verb = |k: usize| -> usize {
        let mut j = k;
        loop {
            if matches!(
                w(tokens, j),
                "please"
                    | "maybe"
                    | "also"
                    | "just"
                    | "actually"
                    | "perhaps"
                    | "quickly"
                    // "somebody should really go through the alerts".
                    | "really"
                    | "probably"
                    | "definitely"
                    | "honestly"
            ) {
                j += 1;
            } else if seq(tokens, j, &["at", "least"]) {
                j += 2;
            } else if matches!(w(tokens, j), "can" | "could" | "would") && w(tokens, j + 1) == "you"
            {
                // A restart: "could you could you take it".
                j += 2;
            } else {
                break;
            }
        }
        j
    };
    // Task of a request whose verb is at `v`.
    let task_at = |v: usize| -> (Option<String>, bool) {
        // "would you mind doing that", "would you mind taking it on".
        let verb = match w(tokens, v) {
            "doing" => "do",
            "taking" => "take",
            "owning" => "own",
            "handling" => "handle",
            "picking" => "pick",
            "chasing" => "chase",
            "looking" => "look",
            verb => verb,
        };
        let mut start = v;
        if matches!(
            verb,
            "own" | "take" | "handle" | "do" | "pick" | "chase" | "look"
        ) {
            let obj = match (verb, w(tokens, v + 1)) {
                ("pick", "up") => v + 2,
                ("look", "at" | "into") => v + 2,
                _ => v + 1,
            };
            if anaphoric(tokens, obj).is_some() {
                let after = anaphoric(tokens, obj).unwrap_or(obj);
                // "take the task to add an alert when ..."
                if seq(tokens, obj, &["the", "task"]) && w(tokens, obj + 2) == "to" {
                    start = obj + 3;
                } else if w(tokens, after) == "to" && is_work_verb(tokens, after + 1) {
                    start = after + 1;
                } else {
                    return (None, true);
                }
            } else if seq(tokens, obj, &["the", "task", "to"]) {
                start = obj + 3;
            } else if matches!(verb, "own" | "take" | "handle" | "chase") {
                start = obj;
            }
        }
        let (t, _) = task_from(tokens, chars, start, dues);
        if content_words(&t).len() >= 2 {
            (Some(t), false)
        } else {
            (None, true)
        }
    };
    let in_meta = |k: usize| meta_sentence.is_some_and(|(s, e)| k >= s && k < e);

    for k in 0..n {
        if in_meta(k) {
            continue;
        }
        let word = w(tokens, k);
        let next = w(tokens, k + 1);
        // "[NAME] can you X", "could your team X", "can we get X by friday".
        // "priya you prepare the rca document", "anil you take the slow
        // query analysis": asked by name, "you" and the verb.
        // "karthik you can take the load test" from the facilitator.
        let v = if facilitator && w(tokens, k + 2) == "can" {
            k + 3
        } else {
            k + 2
        };
        if is_name(k)
            && next == "you"
            && tokens[k + 1].boundary == Boundary::None
            && (WORK_VERBS.contains(&w(tokens, v)) || TAKING_VERBS.contains(&w(tokens, v)))
            && !seq(tokens, v + 1, &["a", "look"])
        {
            if let (Some(task), _) = task_at(v) {
                return Some(Request {
                    at: k,
                    asked: Some(name_text(k)),
                    task: Some(task),
                    due: due_in(k),
                    weak: false,
                    need: false,
                    you: false,
                    also: false,
                });
            }
        }
        // "lukas the thresholds for the message queue, please change them
        // from sixty to twenty minutes": the facilitator names the person
        // and the thing, then asks for the work on it.
        if facilitator && is_name(k) && (k == 0 || tokens[k].boundary != Boundary::None) {
            let please =
                (k + 2..sentence_of(tokens, k).1.min(k + 14)).find(|&p| w(tokens, p) == "please");
            if let Some(p) = please {
                let v = p + 1;
                if is_work_verb(tokens, v) && !matches!(w(tokens, v), "do" | "take" | "own") {
                    if let Some(after) = anaphoric(tokens, v + 1) {
                        let thing = words_text(tokens, chars, k + 1, p);
                        let (rest, _) = task_from(tokens, chars, after, dues);
                        let verb = words_text(tokens, chars, v, v + 1);
                        if content_words(&thing).len() >= 2 {
                            let task = [verb, thing, rest]
                                .into_iter()
                                .filter(|t| !t.is_empty())
                                .collect::<Vec<_>>()
                                .join(" ");
                            return Some(Request {
                                at: k,
                                asked: Some(name_text(k)),
                                task: Some(task),
                                due: due_in(k),
                                weak: false,
                                need: false,
                                you: false,
                                also: false,
                            });
                        }
                    }
                }
            }
        }
        // "ivy please update the handbook", "dan fix the alert by friday":
        // the facilitator asks by name, in the imperative; anyone else
        // with a deadline in the same sentence ("femi write up the
        // rollback steps by monday").
        let (_, sentence_end) = sentence_of(tokens, k);
        let dated = dues
            .iter()
            .any(|d| d.tokens.0 > k && d.tokens.0 < sentence_end && d.date.is_some());
        if (facilitator || dated) && is_name(k) {
            let v = if next == "please" { k + 2 } else { k + 1 };
            let verb = w(tokens, v);
            if (next == "please" && is_work_verb(tokens, v) || WORK_VERBS.contains(&verb))
                && !matches!(
                    verb,
                    "look" | "take" | "own" | "do" | "get" | "make" | "put"
                )
                && anaphoric(tokens, v + 1).is_none()
            {
                let (task, _) = task_from(tokens, chars, v, dues);
                if content_words(&task).len() >= 2 {
                    return Some(Request {
                        at: k,
                        asked: Some(name_text(k)),
                        task: Some(task),
                        due: due_in(k),
                        weak: false,
                        need: false,
                        you: false,
                        also: false,
                    });
                }
            }
        }
        // "kwame you were going to redo the handover checklist", "you said
        // you'd add the heap dump flag": work promised before, asked after.
        let promised = [
            &["you", "were", "going", "to"][..],
            &["you", "said", "you", "would"][..],
            &["you", "said", "you", "will"][..],
            &["you", "were", "gonna"][..],
        ]
        .iter()
        .find(|p| seq(tokens, k, p))
        .map(|p| k + p.len());
        if let Some(v) = promised.filter(|&v| is_work_verb(tokens, v)) {
            let (task, _) = task_from(tokens, chars, v, dues);
            if content_words(&task).len() >= 2 {
                let asked = vocative(k).map(&name_text);
                return Some(Request {
                    at: k,
                    you: asked.is_none(),
                    asked,
                    task: Some(task),
                    due: due_in(k),
                    weak: false,
                    need: false,
                    also: false,
                });
            }
        }
        // "then paulo, the retry, monday the six": the facilitator hands a
        // named person work and a day, without a verb.
        if facilitator
            && is_name(k)
            && matches!(next, "the" | "your")
            && tokens[k + 1].boundary != Boundary::None
        {
            if let Some((task, due)) = handed_work(tokens, chars, dues, k + 1) {
                return Some(Request {
                    at: k,
                    asked: Some(name_text(k)),
                    task: Some(task),
                    due: Some(due),
                    weak: false,
                    need: false,
                    you: false,
                    also: false,
                });
            }
        }
        // "are you able to X", "can i put you down for X".
        let able = seq(tokens, k, &["are", "you", "able", "to"]);
        if seq(tokens, k, &["put", "you", "down", "for"]) {
            let (task, _) = task_from(tokens, chars, k + 4, dues);
            if content_words(&task).len() >= 2 {
                let asked = vocative(k).map(&name_text);
                return Some(Request {
                    at: k,
                    you: asked.is_none(),
                    asked,
                    task: Some(task),
                    due: due_in(k),
                    weak: false,
                    need: false,
                    also: false,
                });
            }
        }
        // "can mei grab it", "can veldkamp get the patch on": asked of the
        // one named.
        let named = matches!(word, "can" | "could") && is_name(k + 1);
        // "do you mind X", and "any chance you could X": asked as politely.
        let mind = word == "do" && next == "you" && w(tokens, k + 2) == "mind";
        let chance = word == "any"
            && next == "chance"
            && w(tokens, k + 2) == "you"
            && matches!(w(tokens, k + 3), "could" | "can");
        // "i'd suggest you pick that up", "i suggest that you ...".
        let suggest =
            word == "suggest" && (next == "you" || (next == "that" && w(tokens, k + 2) == "you"));
        // "dev could we get that done by friday": asked of the one named.
        let we_named = facilitator
            && matches!(word, "can" | "could")
            && next == "we"
            && k > 0
            && is_name(k - 1);
        if (matches!(word, "can" | "could" | "would" | "will") && matches!(next, "you" | "your"))
            || we_named
            || able
            || named
            || mind
            || chance
            || suggest
        {
            let mut v = k + 2;
            // "your team", "suggest that you".
            if next == "your" || (suggest && next == "that") {
                v = k + 3;
            }
            if able || chance {
                v = k + 4;
            }
            if seq(tokens, v, &["be", "able", "to"])
                // "would you be willing to look at ...".
                || (w(tokens, v) == "be"
                    && matches!(w(tokens, v + 1), "willing" | "happy" | "prepared")
                    && w(tokens, v + 2) == "to")
            {
                v += 3;
            }
            let v = skip_verb(v);
            // "would you mind doing that".
            let v = if w(tokens, v) == "mind" { v + 1 } else { v };
            let verb = w(tokens, v);
            if !is_work_verb(tokens, v)
                && !matches!(
                    verb,
                    "own"
                        | "take"
                        | "have"
                        | "get"
                        | "do"
                        | "check"
                        | "write"
                        | "bring"
                        | "confirm"
                        | "push"
                        | "move"
                )
            {
                continue;
            }
            if matches!(
                verb,
                "tell" | "walk" | "say" | "explain" | "share" | "describe"
            ) && !matches!(w(tokens, v + 1), "a" | "the" | "an")
            {
                continue;
            }
            // "would you be ok if", "can you hear me".
            if matches!(verb, "be" | "hear" | "see") {
                continue;
            }
            let asked = named.then(|| name_text(k + 1));
            let asked = asked.or_else(|| vocative(k).map(&name_text)).or_else(|| {
                // "... can you own it, Sam"
                (k + 2..n.min(k + 20))
                    .find(|&j| is_name(j) && tokens[j].boundary != Boundary::None)
                    .map(&name_text)
            });
            let (task, _) = task_at(v);
            // "owen can you do the token thing by friday": a named person
            // asked for work said vaguely; the item's turns say it better.
            let task = task.or_else(|| {
                let (t, _) = task_from(tokens, chars, v, dues);
                let (object, _) = task_from(tokens, chars, v + 1, dues);
                (asked.is_some()
                    && anaphoric(tokens, v + 1).is_none()
                    && !content_words(&object).is_empty())
                .then_some(t)
            });
            let _ = facilitator;
            let you = asked.is_none();
            return Some(Request {
                at: k,
                asked,
                task,
                due: due_in(k),
                weak: false,
                need: false,
                you,
                also: false,
            });
        }
        // "treasury team i want a staleness check on that cache", "i'd
        // also really like a runbook page for the dedupe job": a wish put
        // to the room (or to the team named first), open until taken.
        if word == "i" {
            let hedged = |mut j: usize| {
                while matches!(w(tokens, j), "also" | "really" | "just") {
                    j += 1;
                }
                j
            };
            let j = hedged(k + 1);
            let wants = match w(tokens, j) {
                "want" => Some(j + 1),
                "would" => {
                    let l = hedged(j + 1);
                    matches!(w(tokens, l), "like" | "love").then_some(l + 1)
                }
                _ => None,
            };
            // "i want a day for the rollout": time asked for, not work.
            if let Some(a) = wants.filter(|&a| {
                matches!(w(tokens, a), "a" | "an")
                    && !matches!(
                        w(tokens, a + 1),
                        "day" | "week" | "bit" | "couple" | "minute" | "second" | "word" | "few"
                    )
            }) {
                let (task, _) = task_from(tokens, chars, a, dues);
                if content_words(&task).len() >= 2 {
                    let (start, _) = sentence_of(tokens, k);
                    let team = (start..k)
                        .find(|&e| w(tokens, e) == "team")
                        .map(|e| words_text(tokens, chars, start, e + 1));
                    let asked = team.or_else(|| vocative(k).map(&name_text));
                    return Some(Request {
                        at: k,
                        asked,
                        task: Some(format!("add {task}")),
                        due: due_in(k),
                        weak: false,
                        need: false,
                        you: false,
                        also: false,
                    });
                }
            }
        }
        // "would it be possible for the platform team to X", "is it
        // possible for you to X", "i'd like the identity team to X": asked
        // of a team, a person or "you" by name or not.
        let who_from = if seq(tokens, k, &["possible", "for"]) {
            Some(k + 2)
        } else if matches!(word, "i" | "we")
            && matches!(next, "would" | "want")
            && matches!(w(tokens, k + 2), "like" | "love" | "ask")
            && !matches!(w(tokens, k + 3), "to" | "that" | "it" | "a" | "an")
        {
            Some(k + 3)
        } else {
            None
        };
        if let Some(from) = who_from {
            let to = (from + 1..(from + 6).min(n))
                .find(|&e| w(tokens, e) == "to" && tokens[e].boundary == Boundary::None);
            if let Some(to) = to {
                let v = skip_verb(to + 1);
                if is_work_verb(tokens, v) || matches!(w(tokens, v), "own" | "take" | "get") {
                    let (task, _) = task_at(v);
                    let you = to == from + 1 && w(tokens, from) == "you";
                    let asked = if you {
                        vocative(k).map(&name_text)
                    } else if w(tokens, from) == "your" {
                        // "ahmed, would it be possible for your group to":
                        // the group of the one asked.
                        vocative(k)
                            .map(|v| format!("{}'s team", name_text(v)))
                            .or_else(|| Some(words_text(tokens, chars, from, to)))
                    } else if to == from + 1 && is_name(from) {
                        Some(name_text(from))
                    } else {
                        Some(words_text(tokens, chars, from, to))
                    };
                    return Some(Request {
                        at: k,
                        you: asked.is_none(),
                        asked,
                        task,
                        due: due_in(k),
                        weak: false,
                        need: false,
                        also: false,
                    });
                }
            }
        }
        // "can payments squad make tls errors count": a group by its name.
        let group_named = (k + 2..(k + 4).min(n)).any(|e| {
            GROUP_WORDS.contains(&w(tokens, e))
                && (k + 1..e).all(|x| {
                    !STOP.contains(&w(tokens, x))
                        && !matches!(w(tokens, x), "i" | "we" | "you" | "they" | "your" | "our")
                })
        });
        if matches!(word, "can" | "could" | "would")
            && (is_name(k + 1) || next == "the" || group_named)
        {
            // "can platform pick this up", "can the gateway team own
            // backoff", "could the platform on-call pick up an alert",
            // "would the data platform team be able to pick it up".
            let (who_end, who) = if is_name(k + 1) {
                (k + 2, Some(name_text(k + 1)))
            } else {
                match (k + 2..(k + 6).min(n)).find(|&e| {
                    matches!(w(tokens, e), "team" | "call" | "side" | "folks" | "group")
                        || w(tokens, e).ends_with("-call")
                        || (group_named && GROUP_WORDS.contains(&w(tokens, e)))
                }) {
                    Some(e) => (e + 1, Some(words_text(tokens, chars, k + 1, e + 1))),
                    None => (k + 1, None),
                }
            };
            if let Some(who) = who {
                let who_end = if seq(tokens, who_end, &["be", "able", "to"]) {
                    who_end + 3
                } else {
                    who_end
                };
                let v = skip_verb(who_end);
                if matches!(
                    w(tokens, v),
                    "own"
                        | "take"
                        | "do"
                        | "handle"
                        | "pick"
                        | "add"
                        | "fix"
                        | "write"
                        | "look"
                        | "update"
                        | "get"
                ) || (group_named
                    && matches!(
                        w(tokens, v),
                        "make" | "build" | "set" | "change" | "move" | "write"
                    ))
                {
                    let (task, _) = task_at(v);
                    return Some(Request {
                        at: k,
                        asked: Some(who),
                        task,
                        due: due_in(k),
                        weak: false,
                        need: false,
                        you: false,
                        also: false,
                    });
                }
            }
        }
        if matches!(word, "can" | "could")
            && next == "we"
            && matches!(w(tokens, k + 2), "get" | "have")
        {
            if let Some(v) = vocative(k) {
                let (task, _) = task_at(k + 3);
                if task.is_some() {
                    return Some(Request {
                        at: k,
                        asked: Some(name_text(v)),
                        task,
                        due: due_in(k),
                        weak: false,
                        need: false,
                        you: false,
                        also: false,
                    });
                }
            }
        }
        // "who can own X", "who's got that", "who would own that".
        if word == "who" {
            let mut v = k + 1;
            if matches!(
                w(tokens, v),
                "can" | "could" | "would" | "will" | "wants" | "is"
            ) {
                v += 1;
            }
            if matches!(w(tokens, v), "got" | "has") || seq(tokens, v, &["going", "to"]) {
                v += if w(tokens, v) == "going" { 2 } else { 1 };
            }
            // "who's looking at that", "who is taking it".
            if matches!(
                w(tokens, v),
                "looking" | "taking" | "owning" | "handling" | "doing" | "picking"
            ) {
                let task = {
                    let (s, _) = sentence_of(tokens, k);
                    let t = clean_topic(&words_text(tokens, chars, s, k));
                    (content_words(&t).len() >= 2).then_some(t)
                };
                if task.is_some() {
                    return Some(Request {
                        at: k,
                        asked: None,
                        task,
                        due: due_in(k),
                        weak: false,
                        need: false,
                        you: false,
                        also: false,
                    });
                }
            }
            let verb = w(tokens, v);
            // "who will prepare the capacity report": any work, after a modal.
            let modal_work = v == k + 2
                && matches!(w(tokens, k + 1), "can" | "could" | "will" | "would")
                && WORK_VERBS.contains(&verb);
            if matches!(
                verb,
                "own" | "take" | "do" | "handle" | "got" | "pick" | "look" | "drive" | "lead"
            ) || v > k + 1 && w(tokens, v - 1) == "got"
                || modal_work
            {
                let (task, _) = task_at(v);
                let task = task.or_else(|| {
                    // "connection pool sizing on the expense service who's got that"
                    let (s, _) = sentence_of(tokens, k);
                    let (t, _) = task_from(tokens, chars, s, dues);
                    (content_words(&t).len() >= 2 && s < k).then(|| words_text(tokens, chars, s, k))
                });
                return Some(Request {
                    at: k,
                    asked: None,
                    task,
                    due: due_in(k),
                    weak: false,
                    need: false,
                    you: false,
                    also: false,
                });
            }
        }
        if seq(tokens, k, &["is", "there", "an", "owner"]) {
            return Some(Request {
                at: k,
                asked: None,
                task: None,
                due: None,
                weak: false,
                need: false,
                you: false,
                also: false,
            });
        }
        // "can someone X", "somebody needs to X", "we need someone to own X",
        // "we need to X", "X needs doing".
        if matches!(word, "someone" | "somebody" | "anyone")
            && !matches!(w(tokens, k.saturating_sub(1)), "but" | "if")
        {
            let v = match (next, w(tokens, k + 2)) {
                ("needs", "to") | ("has", "to") => Some(k + 3),
                ("should", _) if w(tokens, k + 2) != "have" => Some(k + 2),
                ("to", _) => Some(k + 2),
                _ => None,
            };
            let v = v.or_else(|| {
                (k > 0 && matches!(w(tokens, k - 1), "can" | "could")).then_some(k + 1)
            });
            if let Some(v) = v {
                let v = skip_verb(v);
                if is_work_verb(tokens, v)
                    || matches!(w(tokens, v), "own" | "take" | "check" | "write")
                {
                    let (task, _) = task_at(v);
                    // "the dns runbook is outdated can somebody update it":
                    // the verb with the subject said before.
                    let task = task.or_else(|| {
                        let (s, _) = sentence_of(tokens, k);
                        let before = k.saturating_sub(1).max(s);
                        let subject = clean_topic(&words_text(tokens, chars, s, before));
                        let verb = words_text(tokens, chars, v, v + 1);
                        (anaphoric(tokens, v + 1).is_some() && content_words(&subject).len() >= 2)
                            .then(|| format!("{verb} {subject}"))
                    });
                    if task.is_some() {
                        return Some(Request {
                            at: k,
                            asked: None,
                            task,
                            due: due_in(k),
                            weak: false,
                            need: true,
                            you: false,
                            also: false,
                        });
                    }
                }
            }
        }
        if word == "we"
            && (next == "need" || (next == "really" && w(tokens, k + 2) == "need"))
            && !matches!(w(tokens, k.saturating_sub(1)), "if" | "what")
        {
            let j = if next == "really" { k + 3 } else { k + 2 };
            if matches!(w(tokens, j), "a" | "an") {
                let (task, end) = task_from(tokens, chars, j, dues);
                // "we need a config review first": a reason for another
                // date, not a new piece of work.
                if content_words(&task).len() >= 2 && w(tokens, end) != "first" {
                    return Some(Request {
                        at: k,
                        asked: None,
                        task: Some(format!("add {task}")),
                        due: due_in(k),
                        weak: false,
                        need: true,
                        you: false,
                        also: false,
                    });
                }
            }
        }
        if word == "we"
            && next == "need"
            && w(tokens, k + 2) == "to"
            && !matches!(w(tokens, k.saturating_sub(1)), "if" | "what")
        {
            let v = skip_verb(k + 3);
            if is_work_verb(tokens, v)
                && !matches!(
                    w(tokens, v),
                    "know" | "understand" | "talk" | "figure" | "decide"
                )
            {
                let (task, _) = task_at(v);
                if task.is_some() {
                    return Some(Request {
                        at: k,
                        asked: None,
                        task,
                        due: due_in(k),
                        weak: false,
                        need: true,
                        you: false,
                        also: false,
                    });
                }
            }
        }
        // "NAME is this something for you", "NAME do you want to take this",
        // "NAME you wanted to do it right", "is that a fix you can own",
        // "NAME is that also you".
        let anaphoric_ask = seq(tokens, k, &["something", "for", "you"])
            || seq(tokens, k, &["do", "you", "want", "to", "take"])
            || seq(tokens, k, &["you", "wanted", "to", "do"])
            || seq(tokens, k, &["you", "can", "own"])
            || seq(tokens, k, &["is", "that", "also", "you"])
            || seq(tokens, k, &["sounds", "like", "yours"])
            || seq(tokens, k, &["is", "that", "yours"])
            || seq(tokens, k, &["that", "be", "yours"])
            || seq(tokens, k, &["that", "is", "yours"])
            || seq(tokens, k, &["you", "had", "that"])
            || seq(tokens, k, &["you", "want", "it"])
            || seq(tokens, k, &["you", "want", "that"])
            || seq(tokens, k, &["you", "have", "got", "the"])
            || seq(tokens, k, &["you", "said", "you", "want"]);
        if anaphoric_ask {
            let asked = vocative(k + 1).or_else(|| (k..n.min(k + 8)).find(|&j| is_name(j)));
            if let Some(a) = asked {
                let task = if seq(tokens, k, &["you", "have", "got", "the"]) {
                    let (t, _) = task_from(tokens, chars, k + 3, dues);
                    Some(t)
                } else {
                    None
                };
                // "could that be yours could you have a delivery latency
                // alert for critical pages": the work said right after.
                let task = task.or_else(|| {
                    (k + 2..n.min(k + 8))
                        .find(|&j| {
                            matches!(w(tokens, j), "can" | "could" | "would")
                                && w(tokens, j + 1) == "you"
                        })
                        .and_then(|j| {
                            let v = skip_verb(j + 2);
                            let v = if w(tokens, v) == "have" { v + 1 } else { v };
                            let (t, _) = task_from(tokens, chars, v, dues);
                            let t = if w(tokens, j + 2) == "have" && !is_work_verb(tokens, v) {
                                format!("add {t}")
                            } else {
                                t
                            };
                            (content_words(&t).len() >= 2).then_some(t)
                        })
                });
                let task = task.or_else(|| {
                    // The subject said before the name: "the fencing piece".
                    let (s, _) = sentence_of(tokens, a);
                    (a > s)
                        .then(|| clean_topic(&words_text(tokens, chars, s, a)))
                        .filter(|t| content_words(t).len() >= 2)
                });
                let also = seq(tokens, k, &["is", "that", "also", "you"]);
                return Some(Request {
                    at: k,
                    asked: Some(name_text(a)),
                    task: if also { None } else { task },
                    due: due_in(k),
                    weak: false,
                    need: false,
                    you: false,
                    also,
                });
            }
        }
    }
    // "teodor circuit breaker on the acquirer client", "and lucia the
    // dashboard that still points at the old cluster", "wes?": asked by
    // name only; it holds if that person answers at once.
    if facilitator {
        for k in (0..n).rev() {
            if in_meta(k) || !is_name(k) {
                continue;
            }
            let polite = (k.saturating_sub(4)..k).any(|j| {
                matches!(
                    w(tokens, j),
                    "thanks"
                        | "thank"
                        | "perfect"
                        | "great"
                        | "little"
                        | "joining"
                        | "welcome"
                        | "appreciated"
                        | "helpful"
                        | "wonderful"
                        | "hi"
                        | "hello"
                )
            });
            if polite
                || (k > 0
                    && matches!(
                        w(tokens, k - 1),
                        "with"
                            | "from"
                            | "to"
                            | "for"
                            | "like"
                            | "about"
                            | "asked"
                            | "told"
                            | "page"
                            | "paged"
                            | "ask"
                            | "tell"
                            | "if"
                    ))
                || matches!(
                    w(tokens, k + 1),
                    "said"
                        | "was"
                        | "were"
                        | "is"
                        | "had"
                        | "did"
                        | "you"
                        | "what"
                        | "why"
                        | "how"
                        | "when"
                        | "can"
                        | "could"
                        | "at"
                        | "carry"
                        | "please"
                        | "i"
                        | "we"
                        | "thanks"
                        | "thank"
                        | "for"
                        | "do"
                        | "does"
                        | "would"
                        | "will"
                        | "has"
                        | "and"
                        | "or"
                        | "who"
                        | "where"
                        | "are"
                        | "just"
                        | "on"
                        | "in"
                        | "go"
                        | "walk"
                        | "tell"
                )
            {
                continue;
            }
            let after = k + 1;
            let ends_turn = after >= n;
            let (t, _) = if ends_turn {
                (String::new(), after)
            } else {
                task_from(tokens, chars, after, dues)
            };
            let t = if t.to_lowercase().split_whitespace().any(|x| {
                matches!(
                    x,
                    "thanks" | "thank" | "perfect" | "great" | "good" | "joining"
                )
            }) {
                String::new()
            } else {
                t
            };
            let task = if content_words(&t).len() >= 2 {
                Some(clean_topic(&t))
            } else if ends_turn
                || tokens
                    .get(after)
                    .is_some_and(|t| t.boundary == Boundary::Sentence)
            {
                // "... including that window. wes?"
                let (s, _) = sentence_of(tokens, k.saturating_sub(1));
                (s < k)
                    .then(|| clean_topic(&words_text(tokens, chars, s, k)))
                    .filter(|t| content_words(t).len() >= 2)
            } else {
                None
            };
            if let Some(task) = task {
                return Some(Request {
                    at: k,
                    asked: Some(name_text(k)),
                    task: Some(task),
                    due: due_in(k),
                    weak: true,
                    need: false,
                    you: false,
                    also: false,
                });
            }
            break;
        }
    }
    None
}

/// Leading discourse words off a topic: "so the", "and then", "first",
/// "the other thing is".
fn clean_topic(text: &str) -> String {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    while let Some(first) = words.first().map(|w| w.to_lowercase()) {
        let first = first
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_string();
        if matches!(
            first.as_str(),
            "so" | "and"
                | "then"
                | "ok"
                | "okay"
                | "first"
                | "second"
                | "third"
                | "next"
                | "finally"
                | "also"
                | "um"
                | "uh"
                | "great"
                | "thanks"
                | "thank"
                | "you"
                | "alright"
                | "right"
                | "last"
                | "one"
                | "more"
                | "is"
                | "the"
                | "other"
                | "thing"
                | "that"
                | "well"
                | "now"
        ) && words.len() > 2
        {
            words.remove(0);
        } else {
            break;
        }
    }
    words
        .join(" ")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

/// The work of "somebody has to tell the night desk": "tell the night desk".
fn without_wisher(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let is = |k: usize, w: &str| lower.get(k).is_some_and(|x| x == w);
    if !matches!(
        lower.first().map(String::as_str),
        Some("somebody" | "someone" | "somebody's" | "someone's")
    ) {
        return text.to_string();
    }
    // "somebody has to", "someone needs to", "somebody has gotta";
    // "somebody should", "somebody's gotta".
    let skip = if (is(1, "has") || is(1, "needs")) && (is(2, "to") || is(2, "gotta")) {
        3
    } else if is(1, "should") || is(1, "must") || is(1, "gotta") {
        2
    } else {
        return text.to_string();
    };
    if words.len() <= skip + 1 {
        return text.to_string();
    }
    words[skip..].join(" ")
}

/// The subject raised in the turn before token `before`: of the stretches
/// between clause breaks and function words ("i", "so", "because"), the one
/// with the most content words.
fn topic(
    tokens: &[Token],
    chars: &[char],
    _names: &[String],
    dues: &[Due],
    before: usize,
) -> Option<String> {
    stretches(tokens, dues, 0, before.min(tokens.len()))
        // "the jitter alert i haven't touched": what was not done says
        // nothing of the subject.
        .filter(|&(s, _)| {
            !(matches!(
                w(tokens, s),
                "have" | "has" | "had" | "did" | "do" | "does" | "is" | "was" | "are" | "were"
            ) && w(tokens, s + 1) == "not")
        })
        // "it grew to eighty thousand messages", "i forgot completely":
        // what happened is no subject.
        .filter(|&(s, _)| !told_of_the_past(w(tokens, s)))
        .filter_map(|(s, e)| {
            let text = clean_topic(&words_text(tokens, chars, s, e.min(s + 16)));
            let n = content_words(&text).len();
            (n >= 2).then_some((n, text))
        })
        // The most content words; the later stretch on a tie.
        .max_by_key(|(n, _)| *n)
        .map(|(_, t)| t)
}

/// A verb in the past tense, which starts a story rather than a subject:
/// "grew", "forgot", "crashed" (not "need", "feed" or "red").
fn told_of_the_past(word: &str) -> bool {
    (word.ends_with("ed") && word.len() > 4 && !word.ends_with("eed"))
        || matches!(
            word,
            "grew"
                | "forgot"
                | "went"
                | "came"
                | "broke"
                | "fell"
                | "saw"
                | "ran"
                | "knew"
                | "lost"
        )
}

/// The subject a speaker turns to at `from` ("the second thing, the relay
/// comms fail alarms don't come up"): the first stretch after it with two
/// content words.
fn subject_after(tokens: &[Token], chars: &[char], from: usize, before: usize) -> Option<String> {
    stretches(tokens, &[], from, before).find_map(|(s, e)| {
        let text = clean_topic(&words_text(tokens, chars, s, e.min(s + 16)));
        (content_words(&text).len() >= 2).then_some(text)
    })
}

/// The subject that ends right before `k` ("so the out of hours status
/// page protocol | moves to tessa"), when it names something: two content
/// words, not "the action" or "that".
fn named_before(tokens: &[Token], chars: &[char], k: usize) -> Option<String> {
    let (s, _) = stretches(tokens, &[], 0, k)
        .last()
        .filter(|&(_, e)| e == k)?;
    let text = clean_topic(&words_text(tokens, chars, s, k));
    (content_words(&text).len() >= 2).then_some(text)
}

/// The stretches `[start, end)` of `[from, before)` between topic breaks,
/// each without the breaks and a deadline's own words at its start ("before
/// quarter close").
fn stretches<'a>(
    tokens: &'a [Token],
    dues: &'a [Due],
    from: usize,
    before: usize,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let breaks = move |k: usize| topic_break(tokens, dues, k);
    let in_due = move |x: usize| dues.iter().any(|d| x >= d.tokens.0 && x < d.tokens.1);
    let mut start = from;
    let mut k = from;
    std::iter::from_fn(move || {
        while k <= before {
            let at = k;
            k += 1;
            if at == before || (at > start && breaks(at)) {
                let mut s = start;
                while s < at && (breaks(s) || in_due(s)) {
                    s += 1;
                }
                start = at;
                if at > s {
                    return Some((s, at));
                }
            }
        }
        None
    })
}

/// Where one stretch of a topic ends: a clause break, a deadline, or a
/// function word.
fn topic_break(tokens: &[Token], dues: &[Due], k: usize) -> bool {
    let t = &tokens[k];
    t.boundary != Boundary::None
        || dues.iter().any(|d| d.tokens.0 == k)
        || matches!(
            t.norm.as_str(),
            "i" | "we"
                | "you"
                | "so"
                | "because"
                | "but"
                | "if"
                | "ok"
                | "okay"
                | "thanks"
                | "thank"
                | "great"
                | "honestly"
                | "yeah"
                | "yes"
                | "who"
                | "can"
                | "could"
                | "would"
                | "is"
                | "are"
                | "was"
                | "were"
                | "it"
                | "they"
                | "he"
                | "she"
                | "that"
                | "this"
                | "do"
                | "does"
                | "did"
                // "i'll do it myself same date": no subject.
                | "myself"
                | "ourselves"
                | "same"
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn run(turns: &[(&str, bool, &str)], today: Date) -> Vec<ActionItem> {
        let mut log = ActionLog::new(Some(today), &[]);
        for (i, (speaker, facilitator, text)) in turns.iter().enumerate() {
            log.on_turn(&ConversationTurn {
                id: i as u64,
                speaker: Some(speaker),
                facilitator: *facilitator,
                text,
            });
        }
        log.items()
    }

    #[test]
    fn a_request_accepted_with_a_date_is_one_item() {
        let items = run(
            &[
                ("Maya", true, "lena can you own the retry budget change"),
                ("Lena", false, "yes i'll have that done by wednesday"),
            ],
            date!(2026 - 11 - 16),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Lena"));
        assert_eq!(items[0].task, "the retry budget change");
        assert_eq!(items[0].due.as_deref(), Some("wednesday"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-11-18"));
        assert_eq!(items[0].turns, vec![0, 1]);
    }

    #[test]
    fn offers_and_requests_in_other_words() {
        let today = date!(2026 - 06 - 02);
        // "let me just do X, you'll have something DAY": an offer.
        let items = run_named(
            &[
                ("Theo", true, "so who's gonna look at the relay capacity thing"),
                (
                    "Devon",
                    false,
                    "ninety four at peak. let me just do a proper capacity plan for the turn relays, you'll have something end of next week",
                ),
                ("Theo", true, "ok uh, writing that"),
            ],
            today,
        );
        assert_eq!(
            owner_due(&items),
            [(Some("Devon"), Some("2026-06-12"))],
            "{items:?}"
        );
        assert!(items[0].task.contains("capacity"), "{items:?}");
        // "go back through X": work.
        let items = run_named(
            &[
                ("Shona", true, "nobody in this room knows who changed the divert confirm timeout"),
                (
                    "Kirsty",
                    false,
                    "look I'll go back through the change sheets for the last three months and find who touched it, you'll have a name by friday",
                ),
            ],
            today,
        );
        assert_eq!(
            owner_due(&items),
            [(Some("Kirsty"), Some("2026-06-05"))],
            "{items:?}"
        );
        // "would you be willing to X".
        let items = run_named(
            &[
                (
                    "Harriet",
                    true,
                    "Priya would you be willing to look at what limits the scheme actually applied while we were down",
                ),
                (
                    "Priya",
                    false,
                    "yes if I might take that away I think I can get it from the scheme advice files",
                ),
            ],
            today,
        );
        assert_eq!(owner_due(&items), [(Some("Priya"), None)], "{items:?}");
        // "who can X" / "i can.": the one who answers takes it.
        let items = run_named(
            &[
                (
                    "Hannah",
                    true,
                    "who can make the breaking news banner work when the cms is down",
                ),
                ("Pete", false, "i can. end of next week"),
            ],
            today,
        );
        assert_eq!(
            owner_due(&items),
            [(Some("Pete"), Some("2026-06-12"))],
            "{items:?}"
        );
        // "NAME could we get that done by DAY": asked of the one named.
        let items = run_named(
            &[
                (
                    "Claire",
                    true,
                    "so the load test against the results feed. Dev could we get that done by friday",
                ),
                ("Dev", false, "friday's tight. i could do wednesday the tenth"),
                ("Claire", true, "okay wednesday the tenth it is then"),
            ],
            today,
        );
        assert_eq!(
            owner_due(&items),
            [(Some("Dev"), Some("2026-06-10"))],
            "{items:?}"
        );
    }

    #[test]
    fn living_with_a_day_is_no_work_of_its_own() {
        let items = run_named(
            &[
                (
                    "Ruth",
                    true,
                    "tomasz the antenna cables you said three of them were chafed",
                ),
                (
                    "Tomasz",
                    false,
                    "i can replace all three by end of the month no bother",
                ),
                (
                    "Helen",
                    false,
                    "can we sorry the committee's on the twenty-first",
                ),
                (
                    "Tomasz",
                    false,
                    "um all three for the twenty-first no. i can do fenwick for the twenty-first",
                ),
                (
                    "Helen",
                    false,
                    "fenwick for the twenty-first i can live with that",
                ),
            ],
            date!(2026 - 05 - 06),
        );
        assert!(
            items.iter().all(|d| d.owner.as_deref() == Some("Tomasz")),
            "{items:?}"
        );
    }

    #[test]
    fn a_suggestion_to_a_named_person_is_a_request_and_living_with_a_day_accepts_it() {
        let items = run_named(
            &[
                (
                    "Marcus",
                    true,
                    "so the failover runbook for the auth switch needs um properly rewriting. Deborah I'd suggest you pick that up for operational resilience and could we say friday",
                ),
                (
                    "Deborah",
                    false,
                    "friday is uh it's ambitious to be honest we've got the self assessment going out this week. shall we say end of the month",
                ),
                (
                    "Graham",
                    false,
                    "I'd rather it landed before the operational resilience committee if at all possible, that sits on the twenty eighth",
                ),
                (
                    "Deborah",
                    false,
                    "hmm. okay the twenty seventh then, the day before the committee. I can live with that",
                ),
                ("Marcus", true, "twenty seventh it is"),
            ],
            date!(2026 - 04 - 16),
        );
        assert_eq!(
            owner_due(&items),
            [(Some("Deborah"), Some("2026-04-27"))],
            "{items:?}"
        );
        assert!(items[0].task.contains("runbook"), "{items:?}");
    }

    #[test]
    fn what_was_not_done_is_not_the_subject() {
        let items = run(
            &[
                (
                    "Marcus",
                    false,
                    "what's not done is an alert on jitter, we found out from patients",
                ),
                (
                    "Devon",
                    false,
                    "yeah the jitter alert I haven't touched, I'll, friday, I'll have it by friday",
                ),
            ],
            date!(2026 - 08 - 19),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].task, "jitter alert");
    }

    #[test]
    fn a_day_in_what_will_not_be_done_is_no_deadline() {
        let items = run(
            &[
                ("Nadia", true, "who actually owns the replication slots"),
                (
                    "Ravi",
                    false,
                    "i can write a one pager. like who owns what on that cluster. next friday",
                ),
                (
                    "Nadia",
                    true,
                    "yes. do it. not fixing org charts beyond that today. next",
                ),
            ],
            date!(2026 - 08 - 05),
        );
        assert_eq!(
            owner_due(&items),
            [(Some("Ravi"), Some("2026-08-14"))],
            "{items:?}"
        );
    }

    #[test]
    fn the_name_that_opens_a_long_request_is_the_one_asked() {
        let items = run_named(
            &[
                (
                    "Nadia",
                    true,
                    "rafi the queue depth dashboard, we had nothing that showed the backlog growing for an hour and a half that night. could you get that built by wednesday",
                ),
                ("Rafi", false, "wednesday's too soon, i'm still on the hotfix"),
                ("Rafi", false, "i can do friday though"),
                ("Nadia", true, "ok friday it is"),
            ],
            date!(2026 - 04 - 14),
        );
        assert_eq!(
            owner_due(&items),
            [(Some("Rafi"), Some("2026-04-17"))],
            "{items:?}"
        );
    }

    #[test]
    fn talk_about_items_rejections_and_ownership_are_not_items() {
        let today = date!(2026 - 11 - 16);
        assert!(run(
            &[(
                "Maya",
                true,
                "ok let's turn those into action items each with an owner"
            )],
            today
        )
        .is_empty());
        assert!(run(
            &[("Femi", false, "the storage team owns those nodes")],
            today
        )
        .is_empty());
        let rejected = run(
            &[
                (
                    "Owen",
                    false,
                    "i'd propose we just turn off automated deprovisioning",
                ),
                (
                    "Carol",
                    false,
                    "no absolutely not we'd fail the access review",
                ),
                ("Maya", true, "wes can you freeze deploys for two weeks"),
                ("Wes", false, "not me sorry i'm out next week"),
            ],
            today,
        );
        assert!(rejected.is_empty(), "{rejected:?}");
    }

    #[test]
    fn a_wish_is_open_until_someone_takes_it() {
        let items = run(
            &[
                (
                    "Hana",
                    false,
                    "i'd also really like a runbook page for the dedupe job",
                ),
                ("Mei", false, "yeah i'll write that up too"),
            ],
            date!(2026 - 04 - 14),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Mei"));
        assert!(items[0].task.contains("runbook page"), "{items:?}");
        // Nobody takes it: not an item.
        let items = run(
            &[(
                "Hana",
                false,
                "i'd also really like a runbook page for the dedupe job",
            )],
            date!(2026 - 04 - 14),
        );
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn an_owner_hands_their_item_over() {
        let items = run(
            &[
                ("Jia", false, "the batch waits forever for a connection"),
                (
                    "Alex",
                    false,
                    "i'll add a connection acquire timeout to the batch. end of next week",
                ),
                ("Marta", true, "alex timeout end of next week"),
                (
                    "Alex",
                    false,
                    "and on the timeout i'm actually out end of next week. jia could you take it",
                ),
                ("Jia", false, "sure same date end of next week"),
            ],
            date!(2026 - 06 - 11),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Jia"));
        assert!(items[0].task.contains("acquire timeout"), "{items:?}");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-06-19"));
    }

    #[test]
    fn more_work_with_its_own_day_after_a_commitment_is_an_item_of_its_own() {
        let items = run(
            &[
                ("Maren", true, "lena you had a few things on the rebalancer"),
                (
                    "Lena",
                    false,
                    "yeah so um i'll add the dry run mode by thursday then the per pool rate limit by next monday and uh i'll write the design note on the new placement logic end of the month",
                ),
                ("Maren", true, "perfect got all three"),
            ],
            date!(2026 - 05 - 19),
        );
        assert_eq!(items.len(), 3, "{items:?}");
        let limit = items
            .iter()
            .find(|i| i.task.contains("rate limit"))
            .unwrap_or_else(|| panic!("{items:?}"));
        assert_eq!(limit.owner.as_deref(), Some("Lena"));
        assert_eq!(limit.due_date.as_deref(), Some("2026-05-25"));
        assert!(
            items
                .iter()
                .any(|i| i.task.contains("dry run") && i.due_date.as_deref() == Some("2026-05-21")),
            "{items:?}"
        );
    }

    #[test]
    fn an_item_taken_over_then_changes_hands() {
        // Asked of another "then", after the owner was found unable.
        let items = run(
            &[
                (
                    "Priya",
                    true,
                    "rhys can you get the sorter jam alarm rerouted to the duty manager phone",
                ),
                (
                    "Rhys",
                    false,
                    "yeah should be fine i can do that by thursday",
                ),
                (
                    "Joost",
                    false,
                    "uh hold on the alarm routing lives in the hlc config rhys can't get at it",
                ),
                ("Priya", true, "okay joost can you take it then"),
                ("Joost", false, "roger that and thursday's still fine"),
            ],
            date!(2026 - 08 - 04),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Joost"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-08-06"));
        // Taken "then" by another, once the owner is away.
        let items = run(
            &[
                (
                    "Marge",
                    true,
                    "the labels on all the cables in the rack dev is that one for you",
                ),
                ("Dev", false, "yeah i can do that by next wednesday"),
                (
                    "Jojo",
                    false,
                    "hang on aren't you off for two weeks from saturday",
                ),
                ("Dev", false, "oh god yes i completely forgot"),
                ("Jojo", false, "i'll do them then"),
            ],
            date!(2026 - 11 - 05),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Jojo"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-11-11"));
    }

    #[test]
    fn the_thing_named_before_please_is_what_the_work_is_done_to() {
        // Every participant is known, as when they are listed beforehand.
        let items = run_named(
            &[
                (
                    "Dagmar",
                    true,
                    "so three things. lukas the thresholds for the message queue, please change them from sixty to twenty minutes",
                ),
                ("Lukas", false, "mhm until wednesday it is done"),
            ],
            date!(2026 - 10 - 06),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Lukas"));
        assert_eq!(
            items[0].task,
            "change the thresholds for the message queue from sixty to twenty minutes"
        );
        assert_eq!(items[0].due_date.as_deref(), Some("2026-10-07"));
    }

    #[test]
    fn a_group_asked_by_its_name_owns_what_its_member_takes() {
        let items = run(
            &[
                (
                    "Aurelie",
                    true,
                    "so first the breaker. tomasz can payments squad make tls errors count as failures so the failover actually kicks in",
                ),
                ("Tomasz", false, "yeah we'll take that, payments squad. we can do it by monday"),
                ("Aurelie", true, "monday the twenty third, good"),
            ],
            date!(2026 - 11 - 17),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("payments squad"));
        assert!(
            items[0].task.starts_with("make tls errors count"),
            "{items:?}"
        );
        assert_eq!(items[0].due_date.as_deref(), Some("2026-11-23"));
    }

    #[test]
    fn a_team_that_will_do_it_is_named_without_its_will() {
        let items = run(
            &[
                (
                    "Nadia",
                    true,
                    "who can put the sorter status on the handover template",
                ),
                (
                    "Rhys",
                    false,
                    "the nights team'll add a sorter status line to the handover template",
                ),
                ("Nadia", true, "great thanks"),
            ],
            date!(2026 - 08 - 05),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("nights team"));
    }

    #[test]
    fn the_facilitator_records_an_item_for_a_team() {
        let items = run(
            &[
                (
                    "Hollis",
                    true,
                    "okay so payments squad adds idempotency keys to the webhook handler by friday the thirteenth",
                ),
            ],
            date!(2026 - 03 - 02),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("payments squad"));
        assert!(
            items[0].task.starts_with("add idempotency keys"),
            "{items:?}"
        );
        assert_eq!(items[0].due_date.as_deref(), Some("2026-03-13"));
        // Who owns what is not an item.
        let items = run(
            &[(
                "Hollis",
                true,
                "right the storage team owns those nodes and the sre team runs the cluster",
            )],
            date!(2026 - 03 - 02),
        );
        assert!(items.is_empty(), "{items:?}");
        // One of the team says they will drive it: theirs.
        let items = run(
            &[
                (
                    "Grace",
                    true,
                    "action item payments platform team adds idempotency keys to the refund endpoint. who's driving",
                ),
                ("Tomas", false, "i'll drive it um by the thirty first"),
            ],
            date!(2026 - 03 - 24),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Tomas"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-03-31"));
    }

    #[test]
    fn the_minute_taker_moves_an_item() {
        let items = run(
            &[
                (
                    "Geraldine",
                    true,
                    "ian can you review the hosting provider escalation contacts",
                ),
                ("Ian", false, "yes by the twentieth"),
                (
                    "Farah",
                    false,
                    "those contacts go through supplier management anyway",
                ),
                ("Geraldine", true, "so the action transfers to Farah"),
            ],
            date!(2026 - 05 - 06),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Farah"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-05-20"));
    }

    #[test]
    fn the_minute_takers_line_records_an_item() {
        let cases = [
            (
                [
                    ("Elif", false, "the renewals were never on anyone's calendar"),
                    (
                        "Harriet",
                        true,
                        "then for the minutes Elif renewal calendar for every portal certificate by the twelfth of march",
                    ),
                ],
                ("Elif", "2026-03-12"),
            ),
            (
                [
                    (
                        "Bernard",
                        false,
                        "finance would be content to reconcile the refunds chair",
                    ),
                    (
                        "Harriet",
                        true,
                        "recorded. finance office refund reconciliation for the affected applicants by next wednesday",
                    ),
                ],
                ("finance office", "2026-03-11"),
            ),
            (
                [
                    ("Rosa", false, "nobody phoned the applicants back"),
                    (
                        "Harriet",
                        true,
                        "action for the permits desk call back every affected applicant by the end of next week",
                    ),
                ],
                ("permits desk", "2026-03-13"),
            ),
            (
                [
                    ("Victor", false, "the alert fired four minutes before the disk filled"),
                    (
                        "Margaret",
                        true,
                        "action for IT services storage alerts at eighty percent by friday",
                    ),
                ],
                ("IT services", "2026-03-06"),
            ),
            (
                [
                    ("Ifeoma", false, "by monday should be fine chair"),
                    (
                        "Margaret",
                        true,
                        "thank you. procurement office written confirmation of the disabled jobs monday",
                    ),
                ],
                ("procurement office", "2026-03-09"),
            ),
            (
                [
                    ("Kwame", false, "friday week, for every carrier, not half of them"),
                    (
                        "Aisling",
                        true,
                        "so carrier fallback for every carrier, owner kwame, due friday the thirteenth",
                    ),
                ],
                ("Kwame", "2026-03-13"),
            ),
        ];
        for (turns, (owner, due)) in cases {
            let items = run_named(&turns, date!(2026 - 03 - 03));
            assert_eq!(owner_due(&items), [(Some(owner), Some(due))], "{items:?}");
        }
    }

    #[test]
    fn a_participant_putting_work_in_a_place_commits_to_it() {
        let items = run_named(
            &[
                ("Margaret", true, "aisha you said feeder seven"),
                (
                    "Aisha",
                    false,
                    "i want to review the relay records for the feeder seven trip. i'll do that by next tuesday",
                ),
                ("Margaret", true, "next tuesday okay. anything else"),
                (
                    "Aisha",
                    false,
                    "um yes the second thing, the relay comms fail alarms don't come up on the backup alarm panel, only on scada. so i'll add them to the backup panel before the audit on the twenty seventh",
                ),
            ],
            date!(2026 - 03 - 12),
        );
        assert_eq!(
            owner_due(&items),
            [
                (Some("Aisha"), Some("2026-03-17")),
                (Some("Aisha"), Some("2026-03-27"))
            ],
            "{items:?}"
        );
        assert_eq!(items[1].task, "relay comms fail alarms");
        // The facilitator's "i'll add it to the list", a participant's
        // "i'll add that in too" and a condition are not new work.
        for (facilitator, text) in [
            (true, "i'll add it to the list"),
            (false, "yeah i'll add that in too"),
            (false, "if it slips i'll take it to the next one"),
        ] {
            let items = run_named(
                &[
                    (
                        "Margaret",
                        true,
                        "gus can you fix the backup alarm panel by friday",
                    ),
                    ("Gus", false, "yes"),
                    (
                        if facilitator { "Margaret" } else { "Gus" },
                        facilitator,
                        text,
                    ),
                ],
                date!(2026 - 03 - 12),
            );
            assert_eq!(
                owner_due(&items),
                [(Some("Gus"), Some("2026-03-13"))],
                "{text}: {items:?}"
            );
        }
    }

    #[test]
    fn the_minute_taker_moves_the_item_they_name() {
        let items = run_named(
            &[
                (
                    "Beatrice",
                    true,
                    "sunita can you add a reconnection check to the failover runbook by friday",
                ),
                ("Sunita", false, "yes"),
                (
                    "Philippa",
                    false,
                    "i had assumed that i'd own the status page process",
                ),
                (
                    "Tessa",
                    false,
                    "i think it sits more naturally with digital comms. i'd be glad to take it",
                ),
                (
                    "Beatrice",
                    true,
                    "so the out of hours status page protocol moves to Tessa. by when",
                ),
                ("Tessa", false, "by the end of the month"),
            ],
            date!(2026 - 06 - 10),
        );
        assert_eq!(
            owner_due(&items),
            [
                (Some("Sunita"), Some("2026-06-12")),
                (Some("Tessa"), Some("2026-06-30"))
            ],
            "{items:?}"
        );
        assert_eq!(items[1].task, "out of hours status page protocol");
    }

    #[test]
    fn trouble_with_the_day_asked_is_a_counter_not_a_refusal() {
        let items = run_named(
            &[
                (
                    "Noor",
                    true,
                    "Tariq can you fix the backup job and do a restore test. by thursday",
                ),
                (
                    "Tariq",
                    false,
                    "thursday hmm. it is difficult. i am away until wednesday evening and the restore i cannot do it from the phone",
                ),
                ("Noor", true, "so when then"),
                ("Tariq", false, "give me until next monday"),
            ],
            date!(2026 - 06 - 09),
        );
        assert_eq!(
            owner_due(&items),
            [(Some("Tariq"), Some("2026-06-15"))],
            "{items:?}"
        );
        // "NAME that's yours" hands the subject just named to NAME.
        let items = run_named(
            &[
                (
                    "Dana",
                    true,
                    "right the runbook for failing over to the backup acquirer. sanjay that's yours, can we have it monday",
                ),
                ("Sanjay", false, "monday's a stretch honestly. wednesday?"),
                ("Dana", true, "ok wednesday"),
            ],
            date!(2026 - 04 - 16),
        );
        assert_eq!(
            owner_due(&items),
            [(Some("Sanjay"), Some("2026-04-22"))],
            "{items:?}"
        );
    }

    #[test]
    fn an_offer_turned_down_at_once_is_not_an_item() {
        let turns = [
            ("Maureen", true, "so the lustre metrics, we never had them"),
            (
                "Rick",
                false,
                "i could send over the exporter config we use at another site if that's useful",
            ),
            (
                "Priya",
                false,
                "ah thanks but we already run the prometheus lustre exporter",
            ),
        ];
        let items = run_named(&turns, date!(2026 - 02 - 05));
        assert!(items.is_empty(), "{items:?}");
        // Said as a promise, it stands whatever the reply.
        let mut promised = turns;
        promised[1].2 = "i'll send over the exporter config we use at another site";
        let items = run_named(&promised, date!(2026 - 02 - 05));
        assert_eq!(owner_due(&items), [(Some("Rick"), None)], "{items:?}");
    }

    #[test]
    fn a_later_amendment_wins() {
        let items = run(
            &[
                (
                    "Sable",
                    true,
                    "mireille can you add the pool saturation alert on the tokenization proxy",
                ),
                ("Mireille", false, "yeah wednesday"),
                (
                    "Oskar",
                    false,
                    "heads up the alertmanager config repo is locked wednesday",
                ),
                (
                    "Mireille",
                    false,
                    "oh right. actually make that thursday then",
                ),
            ],
            date!(2026 - 07 - 07),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-07-09"));
        assert_eq!(items[0].owner.as_deref(), Some("Mireille"));
    }

    #[test]
    fn an_item_widened_as_its_day_moves_stays_one_item() {
        let items = run(
            &[
                (
                    "Odile",
                    true,
                    "piet could you put a certificate expiry alert on the ingest gateway",
                ),
                ("Piet", false, "sure, i'll have it in by wednesday"),
                (
                    "Marta",
                    false,
                    "the fallback gateway in the other site runs the same certificate",
                ),
                (
                    "Piet",
                    false,
                    "okay i'll cover the fallback one as well. but then make it thursday",
                ),
            ],
            date!(2026 - 03 - 02),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Piet"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-03-05"));
        assert!(items[0].task.contains("expiry alert"), "{items:?}");
    }

    #[test]
    fn a_filler_like_before_the_verb_still_asks() {
        let items = run(
            &[
                (
                    "Rhea",
                    true,
                    "bram could you like own the retry limit on the export worker",
                ),
                ("Bram", false, "yeah yeah got it, friday"),
            ],
            date!(2026 - 03 - 02),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Bram"));
        assert!(items[0].task.contains("retry limit"), "{items:?}");
    }

    #[test]
    fn what_is_done_if_the_work_slips_is_not_the_work() {
        let items = run(
            &[
                (
                    "Rhea",
                    true,
                    "ok the signature thing on the mirror sync. bram could you take that, checking the signatures before we publish",
                ),
                (
                    "Bram",
                    false,
                    "yes, friday, and if it slips i'll shout in the channel",
                ),
            ],
            date!(2026 - 03 - 02),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert!(items[0].task.contains("signature"), "{items:?}");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-03-06"));
    }

    #[test]
    fn bringing_the_day_forward_is_not_work() {
        let items = run(
            &[
                (
                    "Rajesh",
                    true,
                    "amol can you raise the gateway timeout on line two",
                ),
                ("Amol", false, "yes i will do it on wednesday"),
                ("Vikram", false, "wednesday line two has the customer run"),
                (
                    "Amol",
                    false,
                    "then let me prepone, i'll do it tomorrow morning",
                ),
            ],
            date!(2026 - 06 - 08),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert!(items[0].task.contains("timeout"), "{items:?}");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-06-09"));
    }

    #[test]
    fn a_need_said_with_an_adverb_is_logged_without_an_owner() {
        let items = run(
            &[
                (
                    "Jonah",
                    false,
                    "somebody should really go through all the exam day alerts, half are noise",
                ),
                (
                    "Ade",
                    true,
                    "agreed, needs doing before the january sitting",
                ),
                ("Ade", true, "ok i'll put it on the list, no name on it yet"),
            ],
            date!(2026 - 12 - 02),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner, None);
        assert!(items[0].task.contains("exam day alerts"), "{items:?}");
    }

    #[test]
    fn a_name_misheard_by_a_letter_is_the_speaker_it_was_meant_for() {
        let items = run_named(
            &[
                (
                    "Raj",
                    true,
                    "tomas would you be able to write up a runbook for the launch failures by thursday",
                ),
                ("Tomasz", false, "thursday is tough i'm out wednesday"),
                ("Tomasz", false, "could we say next tuesday"),
                ("Raj", true, "next tuesday works"),
            ],
            date!(2026 - 03 - 03),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Tomasz"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-03-10"));
        assert!(misheard("yusuf", "yousuf"));
        assert!(!misheard("dana", "data"));
        assert!(!misheard("tomasz", "thomas"));
    }

    #[test]
    fn an_unnamed_voice_owns_what_it_takes() {
        let items = run(
            &[
                ("S1", false, "who can update the gateway runbook"),
                ("S2", false, "i'll update the gateway runbook by friday"),
            ],
            date!(2026 - 07 - 07),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("S2"));
    }

    #[test]
    fn a_task_that_does_not_read_as_work_is_said_in_the_words_of_its_exchange() {
        assert!(reads_as_work("add the disk alert on the replicas"));
        assert!(!reads_as_work("email them"));
        assert!(!reads_as_work("keys vanish"));
        assert!(!reads_as_work("own the retry budget"));
        assert!(says_nothing("but like early"));
        assert!(says_nothing("prepare everything"));
        assert!(!says_nothing("the retry budget change"));
        assert_eq!(
            work_phrases("the page took forty minutes. can you add a disk alert on the replicas"),
            vec!["add a disk alert on the replicas"]
        );
        assert_eq!(
            work_phrases("i'll take the runbook, i know the steps"),
            vec!["the runbook"]
        );
        let items = run(
            &[
                (
                    "Maya",
                    true,
                    "and the runbook for the manual rerun including the late window. wes?",
                ),
                (
                    "Wes",
                    false,
                    "i mean i could but i've got the paging thing and the batch migration",
                ),
                (
                    "Priya",
                    false,
                    "i'll take the runbook. i sat with wes on the rerun",
                ),
                ("Maya", true, "priya then. date"),
                ("Priya", false, "the seventh"),
            ],
            date!(2026 - 11 - 16),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Priya"));
        assert!(items[0].task.contains("runbook"), "{items:?}");
    }

    #[test]
    fn the_read_back_leaves_out_what_was_not_agreed() {
        let meeting = [
            (
                "Maya",
                true,
                "dan can you add a disk alert on the replicas by friday",
            ),
            ("Dan", false, "yes friday works"),
            (
                "Priya",
                false,
                "i'll rewrite the failover runbook by the ninth",
            ),
            (
                "Greg",
                false,
                "honestly i'll rebuild the whole deploy pipeline over the weekend",
            ),
            ("Priya", false, "sure you will greg"),
            (
                "Lena",
                false,
                "the status page template still shows the old hotline number",
            ),
            (
                "Maya",
                true,
                "ok let me read back. dan the disk alert on the replicas by friday. priya the failover runbook by the ninth. lena updates the status page template by monday. the storage team moves the backups to the new bucket by friday. and the summary from me tomorrow",
            ),
            ("Dan", false, "that matches my notes"),
        ];
        let items = run(&meeting, date!(2026 - 11 - 16));
        let owners: Vec<_> = items.iter().map(|i| i.owner.as_deref()).collect();
        assert_eq!(
            owners,
            vec![
                Some("Dan"),
                Some("Priya"),
                Some("Lena"),
                Some("storage team")
            ],
            "{items:?}"
        );
        assert_eq!(items[3].task, "move the backups to the new bucket");
        // What only the read-back said is an item of its own.
        assert_eq!(items[2].task, "update the status page template");
        assert_eq!(items[2].due_date.as_deref(), Some("2026-11-23"));
        assert_eq!(items[2].turns, vec![6]);
        // Without the read-back, Greg's offer stands.
        let items = run(&meeting[..6], date!(2026 - 11 - 16));
        assert!(
            items.iter().any(|i| i.owner.as_deref() == Some("Greg")),
            "{items:?}"
        );
    }

    #[test]
    fn the_read_back_dates_what_it_names() {
        let items = run(
            &[
                (
                    "Maya",
                    true,
                    "dan can you add a disk alert on the replicas by friday",
                ),
                ("Dan", false, "yes friday works"),
                (
                    "Priya",
                    false,
                    "i'll rewrite the failover runbook, no date yet",
                ),
                (
                    "Maya",
                    true,
                    "let me read back. dan the disk alert on the replicas by thursday. priya the failover runbook, no date",
                ),
            ],
            date!(2026 - 11 - 16),
        );
        let dates: Vec<_> = items.iter().map(|i| i.due_date.as_deref()).collect();
        assert_eq!(dates, vec![Some("2026-11-19"), None], "{items:?}");
    }

    /// Dan's disk alert and Priya's runbook agreed, between `before` and the
    /// facilitator's `read_back`.
    fn two_items_read_back(
        before: &[(&str, bool, &str)],
        read_back: &str,
        today: Date,
    ) -> Vec<ActionItem> {
        let agreed = [
            (
                "Maya",
                true,
                "dan can you add a disk alert on the replicas by friday",
            ),
            ("Dan", false, "yes friday works"),
            (
                "Maya",
                true,
                "priya can you rewrite the failover runbook by monday",
            ),
            ("Priya", false, "sure"),
            ("Maya", true, read_back),
        ];
        let turns: Vec<_> = before.iter().chain(&agreed).copied().collect();
        run(&turns, today)
    }

    fn owned_by<'a>(items: &'a [ActionItem], owner: &str) -> &'a ActionItem {
        items
            .iter()
            .find(|i| i.owner.as_deref() == Some(owner))
            .unwrap_or_else(|| panic!("no item of {owner}: {items:?}"))
    }

    #[test]
    fn the_read_back_names_a_vendor_by_what_it_does() {
        let items = two_items_read_back(
            &[],
            "okay reading it all back. dan, disk alert on the replicas, friday. priya, failover runbook, monday. veldkamp sends the root cause report for the memory leak by friday the twentieth",
            date!(2026 - 03 - 11),
        );
        let vendor = owned_by(&items, "Veldkamp");
        assert_eq!(vendor.due_date.as_deref(), Some("2026-03-20"), "{items:?}");
    }

    #[test]
    fn the_read_back_lists_work_nobody_took() {
        let items = two_items_read_back(
            &[],
            "okay reading it all back. dan, disk alert on the replicas, friday. priya, failover runbook, monday. and the low pressure comms plan with customer services, no owner yet",
            date!(2026 - 03 - 11),
        );
        let unowned: Vec<_> = items.iter().filter(|i| i.owner.is_none()).collect();
        assert_eq!(unowned.len(), 1, "{items:?}");
        assert_eq!(
            unowned[0].task,
            "low pressure comms plan with customer services"
        );
    }

    #[test]
    fn a_word_and_its_plural_or_past_are_one_content_word() {
        assert_eq!(
            content_words("the grievances updated"),
            content_words("grievance update")
        );
    }

    #[test]
    fn reading_back_as_we_go_said_in_the_opening_is_not_the_read_back() {
        let items = two_items_read_back(
            &[(
                "Maya",
                true,
                "okay let's start. i'm going to write action items down as we go and read each one back right away so correct me on the spot",
            )],
            "okay reading it all back. dan, disk alert on the replicas, the twenty second. priya, failover runbook, monday",
            date!(2026 - 04 - 15),
        );
        let dan = owned_by(&items, "Dan");
        assert_eq!(dan.due_date.as_deref(), Some("2026-04-22"), "{items:?}");
    }

    #[test]
    fn the_read_back_takes_back_a_day_lent_by_a_later_turn() {
        let items = run(
            &[
                (
                    "Helen",
                    true,
                    "dan can you add a disk alert on the replicas by friday",
                ),
                ("Dan", false, "yes friday works"),
                (
                    "Sipho",
                    false,
                    "when i'm back i'll run a drill with b shift on what to do when the time is wrong. i can't give a date for that yet",
                ),
                ("Helen", true, "that's fine i'll write it down without a date"),
                (
                    "Grace",
                    false,
                    "it would be good if the transmission operator told us sooner",
                ),
                (
                    "Helen",
                    true,
                    "hmm yeah. okay i'll ask the transmission operator about their thresholds, by end of next week",
                ),
                (
                    "Helen",
                    true,
                    "okay let me read it all back. dan the disk alert on the replicas by friday. sipho runs the b shift drill on wrong time, no date yet. and i ask the transmission operator about their thresholds by friday the first of may",
                ),
            ],
            date!(2026 - 04 - 22),
        );
        assert_eq!(owned_by(&items, "Sipho").due, None, "{items:?}");
    }

    #[test]
    fn getting_a_team_on_it_makes_the_team_the_owner() {
        let items = run_named(
            &[
                (
                    "Priya",
                    true,
                    "marcus your health check hits the root path could your platform team add a lightweight healthz endpoint",
                ),
                (
                    "Marcus",
                    false,
                    "yeah that's fair um i'll get the platform team on it we'll have it up by friday",
                ),
            ],
            date!(2026 - 02 - 03),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("platform team"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-02-06"));
    }

    #[test]
    fn having_a_draft_by_a_day_delivers_the_work_in_hand() {
        let items = run_named(
            &[
                (
                    "Tomasz",
                    true,
                    "ines the error page, the one people get when a booking fails, something friendly",
                ),
                ("Ines", false, "i can have a design by thursday"),
                (
                    "Gareth",
                    true,
                    "so the members who got the double refund are going to see a debit come back and nobody's told them yet",
                ),
                (
                    "Tom",
                    false,
                    "i can draft the letter to the affected members uh i'll have a draft by next thursday",
                ),
                ("Gareth", true, "good. i'll have a look at the wording myself"),
            ],
            date!(2026 - 09 - 15),
        );
        let got = owner_due(&items);
        assert_eq!(
            got,
            vec![
                (Some("Ines"), Some("2026-09-17")),
                (Some("Tom"), Some("2026-09-24")),
            ],
            "{items:?}"
        );
    }

    #[test]
    fn putting_it_in_the_runbook_is_work() {
        let items = run_named(
            &[
                (
                    "Priya",
                    true,
                    "is any of that written down anywhere though like if gus is out next time does anyone know to bump the pool",
                ),
                (
                    "Gus",
                    false,
                    "no it's just in my head honestly um i'll put it in the runbook by next thursday",
                ),
                ("Priya", true, "next thursday perfect. i'll put it in the list"),
            ],
            date!(2026 - 09 - 14),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Gus"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-09-24"));
    }

    #[test]
    fn accepting_a_referral_is_not_taking_work() {
        let items = run_named(
            &[
                (
                    "Yasmin",
                    false,
                    "that's a workforce question tom and it can't be agreed here. i'd ask that it's referred to the workforce planning board",
                ),
                ("Tom", false, "i'll accept that"),
            ],
            date!(2026 - 07 - 09),
        );
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn asides_and_conditions_say_no_work() {
        for aside in [
            "like evenings only for me right now",
            "nobody's fighting",
            "not tied to any return",
            "depends on the vendor sending their engineer out",
            "someone needs to",
        ] {
            assert!(says_nothing(aside), "{aside}");
        }
        assert!(!says_nothing("purge the availability cache"));
    }

    #[test]
    fn writing_back_is_not_work() {
        let items = run(
            &[
                ("Priya", true, "did the vendor confirm the interface fix"),
                (
                    "Chidi",
                    false,
                    "not yet. i will revert on the group by friday",
                ),
            ],
            date!(2026 - 02 - 10),
        );
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn ground_rules_about_items_are_not_items() {
        assert!(only_item_talk("no owner no action item"));
        assert!(only_item_talk(
            "nothing goes on the list without an owner and a date"
        ));
        assert!(!only_item_talk("add an owner field to the alert list"));
        assert!(!only_item_talk("owner"));
    }

    #[test]
    fn a_later_sentence_can_date_each_commitment() {
        let items = run_named(
            &[
                ("Hanne", true, "so what do we change before four two"),
                (
                    "Tomasz",
                    false,
                    "okay so um i'll take three things then. i'll pin the build backend to a minor range in pyproject i'll add a check wheel contents step to the release workflow and i'll write up four one oh on the known issues page. the pin tomorrow the workflow check by friday and the known issues page end of next week",
                ),
            ],
            date!(2026 - 03 - 17),
        );
        let got: Vec<_> = items
            .iter()
            .map(|i| (i.task.split(' ').next(), i.due_date.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some("pin"), Some("2026-03-18")),
                (Some("add"), Some("2026-03-20")),
                (Some("write"), Some("2026-03-27")),
            ],
            "{items:?}"
        );
    }

    #[test]
    fn a_second_request_in_the_same_breath_is_not_part_of_the_task() {
        let items = run_named(
            &[
                (
                    "Nadia",
                    true,
                    "okay oskar can you enable it in the test tenant and kwame can someone from crew control check the screens with him",
                ),
                ("Oskar", false, "i can have it on in test by thursday"),
            ],
            date!(2026 - 05 - 11),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Oskar"));
        assert!(!items[0].task.contains("kwame"), "{items:?}");
        assert!(items[0].task.contains("test tenant"), "{items:?}");
    }

    #[test]
    fn an_owner_keeps_no_more_items_than_the_read_back_gives_them() {
        // Nkechi's offer "but like early december" was taken for a second
        // item of hers; the read-back gives her one, and its deadline.
        let items = run(
            &[
                (
                    "Maya",
                    true,
                    "nkechi can you add the tls handshake alert by friday",
                ),
                ("Nkechi", false, "yes friday works"),
                ("Maya", true, "tom can you run the failover drill next week"),
                (
                    "Nkechi",
                    false,
                    "i can help but like early december, the fourth maybe",
                ),
                ("Tom", false, "yes i'll run the drill on the fourth"),
                (
                    "Maya",
                    true,
                    "great. let me read it back. nkechi adds the tls handshake alert by friday. tom runs the failover drill on the fourth",
                ),
            ],
            date!(2026 - 11 - 16),
        );
        let owners: Vec<_> = items.iter().map(|i| i.owner.as_deref()).collect();
        assert_eq!(owners, vec![Some("Nkechi"), Some("Tom")], "{items:?}");
        assert!(items[0].task.contains("tls handshake"), "{items:?}");

        // "the tls handshake alert and the failover section in the runbook"
        // gives her two.
        let items = run(
            &[
                ("Maya", true, "nkechi can you add the tls handshake alert"),
                ("Nkechi", false, "yes i can do that"),
                (
                    "Maya",
                    true,
                    "and nkechi could you also write the failover section in the runbook",
                ),
                ("Nkechi", false, "sure i'll write it"),
                ("Maya", true, "tom can you fix the dashboards by monday"),
                ("Tom", false, "yep monday"),
                (
                    "Maya",
                    true,
                    "let me read back. nkechi adds the tls handshake alert and the failover section in the runbook by friday. tom the dashboards by monday",
                ),
            ],
            date!(2026 - 11 - 16),
        );
        assert_eq!(items.len(), 3, "{items:?}");

        // Her item has no deadline yet (the read-back gives it one): it
        // still outranks the fragment, whose day the read-back says for
        // Tom's drill.
        let items = run(
            &[
                ("Maya", true, "nkechi can you add the tls handshake alert"),
                ("Nkechi", false, "yes i can do that"),
                ("Maya", true, "tom can you run the failover drill next week"),
                (
                    "Nkechi",
                    false,
                    "i can help but like early december, the fourth maybe",
                ),
                ("Tom", false, "yes i'll run the drill on the fourth"),
                (
                    "Maya",
                    true,
                    "great. let me read it back. nkechi adds the tls handshake alert by friday. tom runs the failover drill on the fourth",
                ),
            ],
            date!(2026 - 11 - 16),
        );
        let got = owner_due(&items);
        assert_eq!(
            got,
            vec![
                (Some("Nkechi"), Some("2026-11-20")),
                (Some("Tom"), Some("2026-12-04"))
            ],
            "{items:?}"
        );
    }

    #[test]
    fn a_read_back_can_name_two_items_of_one_owner() {
        // One acceptance took on two pieces of work with a date each; the
        // exchange gave one item, the read-back says both.
        let items = run_named(
            &[
                (
                    "Nadia",
                    true,
                    "sofia can you get the gateway cert and anything else from that migration into the inventory with expiry alerts",
                ),
                (
                    "Sofia",
                    false,
                    "yeah i'll action that. i can do the gateway one by tomorrow and the full sweep of the migration certs by the twenty second",
                ),
                ("Dev", false, "and the publish job needs a hold flag"),
                ("Nadia", true, "dev can you turn the hold flag on in test"),
                ("Dev", false, "sure by thursday"),
                (
                    "Nadia",
                    true,
                    "okay let me read these back. sofia gateway cert into the inventory tomorrow and the rest of the migration certs by the twenty second. dev the hold flag in test by thursday and the tuesday checklist by end of month",
                ),
            ],
            date!(2026 - 05 - 11),
        );
        let got = owner_due(&items);
        assert_eq!(
            got,
            vec![
                (Some("Sofia"), Some("2026-05-22")),
                (Some("Dev"), Some("2026-05-14")),
                (Some("Sofia"), Some("2026-05-12")),
            ],
            "{items:?}"
        );
        assert!(items[2].task.contains("gateway cert"), "{items:?}");
    }

    /// As `run`, with every speaker's name known from the start (as
    /// `eval actions` and a stored meeting give them).
    fn run_named(turns: &[(&str, bool, &str)], today: Date) -> Vec<ActionItem> {
        let names: Vec<String> = turns.iter().map(|(s, _, _)| s.to_lowercase()).collect();
        let turns: Vec<ConversationTurn> = turns
            .iter()
            .enumerate()
            .map(|(i, (speaker, facilitator, text))| ConversationTurn {
                id: i as u64,
                speaker: Some(speaker),
                facilitator: *facilitator,
                text,
            })
            .collect();
        agreed_items(&turns, Some(today), &names)
    }

    #[test]
    fn an_amendment_goes_to_the_item_it_names() {
        let items = run_named(
            &[
                (
                    "Grace",
                    true,
                    "action item payments platform team adds idempotency keys to the refund endpoint. who's driving",
                ),
                ("Tomas", false, "i'll drive it um by the thirty first"),
                ("Grace", true, "tomas by the thirty first"),
                (
                    "Hana",
                    false,
                    "also the refund retry dashboard still shows the wrong region can someone",
                ),
                (
                    "Tomas",
                    false,
                    "oh i'll fix the dashboard too that's like a ten minute thing. tomorrow",
                ),
                ("Grace", true, "great"),
                (
                    "Tomas",
                    false,
                    "actually for the idempotency keys let's make that end of next week the schema migration needs a review first",
                ),
            ],
            date!(2026 - 03 - 24),
        );
        let dates = owner_due(&items);
        assert_eq!(
            dates,
            vec![
                (Some("Tomas"), Some("2026-04-03")),
                (Some("Tomas"), Some("2026-03-25"))
            ],
            "{items:?}"
        );
        assert!(items[0].task.contains("idempotency"), "{items:?}");
    }

    #[test]
    fn work_said_vaguely_or_pointed_back_to_is_still_one_item() {
        // A named request for "the token thing", then "i'll knock that out".
        let items = run_named(
            &[
                (
                    "Rhea",
                    true,
                    "owen can you do the token thing by friday the cdn token refresh so videos stop dying after an hour",
                ),
                (
                    "Owen",
                    false,
                    "friday's tight i've got the release train stuff can we say next wednesday",
                ),
                ("Rhea", true, "next wednesday works"),
                ("Owen", false, "ok yeah i'll knock that out"),
            ],
            date!(2026 - 04 - 08),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Owen"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-04-15"));
        // Work put to someone in the turn before, taken with "that".
        let items = run_named(
            &[
                (
                    "Yusuf",
                    true,
                    "uh beatriz earlier you said you'd add the heap dump on out of memory flag to the cart service, is that still",
                ),
                ("Beatriz", false, "yeah yeah i'll get that in by tuesday"),
            ],
            date!(2026 - 04 - 15),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Beatriz"));
        assert!(items[0].task.contains("heap dump"), "{items:?}");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-04-21"));
    }

    #[test]
    fn work_handed_to_someone_named_in_the_third_person() {
        let items = run_named(
            &[
                (
                    "Priya",
                    true,
                    "let's put owners on stuff, the banner crash first",
                ),
                ("Jordan", false, "put me down for the banner crash"),
                (
                    "Jordan",
                    false,
                    "oh wait actually can mei grab it i'm out next week",
                ),
                ("Mei", false, "yeah i can grab that"),
                ("Priya", true, "next thursday for mei then"),
                (
                    "Priya",
                    true,
                    "ok reading it back quick mei owns the banner crash fix due next thursday",
                ),
            ],
            date!(2026 - 03 - 24),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Mei"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-04-02"));
        // Work someone was going to do, taken by another.
        let items = run_named(
            &[
                (
                    "Margaret",
                    true,
                    "kwame you were going to redo the shift handover checklist so it includes the scada health check",
                ),
                (
                    "Kwame",
                    false,
                    "yes but i'm moving to the eastern control room from next week",
                ),
                (
                    "Dmitri",
                    false,
                    "i can take it, i am the one who uses it most anyway",
                ),
                ("Margaret", true, "okay dmitri by the nineteenth"),
            ],
            date!(2026 - 05 - 05),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Dmitri"));
        assert!(items[0].task.contains("handover checklist"), "{items:?}");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-05-19"));
        // Minuted.
        let items = run_named(
            &[
                (
                    "Philip",
                    true,
                    "so the restart point. i wonder if the batch scheduling team might look at it",
                ),
                ("Anjali", false, "that'd be me, happy to take that one away"),
                (
                    "Philip",
                    true,
                    "fine. minuted anjali batch scheduling to make the overnight job restartable from the failed step end of the month",
                ),
            ],
            date!(2026 - 03 - 18),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Anjali"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-03-31"));
        // Minuted as "action on" someone.
        let items = run_named(
            &[
                (
                    "Joost",
                    false,
                    "once the patch is certified it can go in the next outage window",
                ),
                (
                    "Margaret",
                    true,
                    "right so action on joost, roll out the patched firmware in the april eighth outage window",
                ),
            ],
            date!(2026 - 03 - 24),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Joost"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-04-08"));
    }

    #[test]
    fn a_read_back_goes_on_in_the_readers_next_turn() {
        let items = run_named(
            &[
                ("Kenji", true, "thanks for joining, i'll run it"),
                (
                    "Kenji",
                    true,
                    "sofia can you fix the max unavailable bug in the upgrade orchestrator",
                ),
                ("Sofia", false, "yes by next friday"),
                (
                    "Liam",
                    false,
                    "our platform team will add pdbs to the dispatch api and the workers by the twenty eighth",
                ),
                (
                    "Kenji",
                    true,
                    "okay let me read it all back by company. halyard side sofia fixes the max unavailable bug by next friday",
                ),
                (
                    "Kenji",
                    true,
                    "pellucid side your platform team adds pdbs to the dispatch api and the workers by the twenty eighth",
                ),
            ],
            date!(2026 - 04 - 21),
        );
        let owners: Vec<_> = items.iter().map(|i| i.owner.as_deref()).collect();
        assert_eq!(
            owners,
            vec![Some("Sofia"), Some("platform team")],
            "{items:?}"
        );
    }

    #[test]
    fn reading_the_actions_is_a_read_back() {
        // Only the read-back says what paulo and kasia took.
        let items = run_named(
            &[
                (
                    "Marta",
                    true,
                    "javier can you fix the cache key by thursday",
                ),
                ("Javier", false, "yes i'll fix it thursday"),
                (
                    "Arjun",
                    false,
                    "i'll add the fallback per city in the model, end of the month",
                ),
                ("Marta", true, "then paulo, the retry, monday the six"),
                ("Paulo", false, "ok"),
                ("Kasia", false, "the rollback runbook i know it"),
                (
                    "Marta",
                    true,
                    "let me read the actions. javier fixes the cache key thursday. arjun the fallback per city, end of the month. paulo does the backoff and jitter in the retry, monday the six. kasia writes the rollback runbook, monday the thirteen. correct",
                ),
            ],
            date!(2026 - 04 - 01),
        );
        let got = owner_due(&items);
        assert_eq!(
            got,
            vec![
                (Some("Javier"), Some("2026-04-02")),
                (Some("Arjun"), Some("2026-04-30")),
                (Some("Paulo"), Some("2026-04-06")),
                (Some("Kasia"), Some("2026-04-13"))
            ],
            "{items:?}"
        );
    }

    #[test]
    fn a_name_work_and_a_day_is_a_request() {
        let items = run_named(
            &[
                (
                    "Arjun",
                    false,
                    "i'll add the fallback per city in the model, end of the month",
                ),
                ("Marta", true, "then paulo, the retry, monday the six"),
                ("Paulo", false, "ok"),
            ],
            date!(2026 - 04 - 01),
        );
        let got = owner_due(&items);
        assert_eq!(
            got,
            vec![
                (Some("Arjun"), Some("2026-04-30")),
                (Some("Paulo"), Some("2026-04-06"))
            ],
            "{items:?}"
        );
    }

    #[test]
    fn top_down_assignments_by_name() {
        let owned =
            |turns: &[(&str, bool, &str)]| -> Vec<(Option<String>, String, Option<String>)> {
                run_named(turns, date!(2026 - 03 - 19))
                    .into_iter()
                    .map(|i| (i.owner, i.task, i.due_date))
                    .collect()
            };
        // "NAME you VERB": asked by name and "you".
        let items = owned(&[
            (
                "Ramesh",
                true,
                "priya you prepare the rca document and share with the client by the twentieth",
            ),
            ("Priya", false, "sure sir"),
        ]);
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].0.as_deref(), Some("Priya"));
        assert_eq!(items[0].2.as_deref(), Some("2026-03-20"));
        // A manager who is not the facilitator, with a deadline.
        let items = owned(&[
            (
                "Femi",
                false,
                "and i rolled back the release at twenty one oh five",
            ),
            (
                "Gloria",
                false,
                "good femi write up the rollback steps so it's not just in your head by monday",
            ),
            ("Femi", false, "yeah okay monday"),
        ]);
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].0.as_deref(), Some("Femi"));
        assert!(items[0].1.contains("rollback steps"), "{items:?}");
        assert_eq!(items[0].2.as_deref(), Some("2026-03-23"));
        // "i will do the needful" and a bare "i will share" take on the
        // work said around them; they are not items of their own.
        let items = owned(&[
            (
                "Karthik",
                false,
                "sir i will do the needful i will add one alert on the active connections by thursday",
            ),
            ("Michael", false, "please send us the thresholds first"),
            ("Karthik", false, "yes sir i will share"),
        ]);
        assert_eq!(items.len(), 1, "{items:?}");
        assert!(items[0].1.contains("alert"), "{items:?}");
    }

    #[test]
    fn a_group_named_without_team_owns_what_it_takes() {
        let items = run_named(
            &[
                (
                    "Lorraine",
                    false,
                    "so claims ops will write a manual intake procedure by the end of the month",
                ),
                ("Priya", true, "great thanks lorraine"),
                (
                    "Ines",
                    false,
                    "and the actuarial team can do the reserve recheck before quarter close",
                ),
                (
                    "Elena",
                    true,
                    "so the storage oncall audits the pool settings across the other storage services by friday",
                ),
            ],
            date!(2026 - 04 - 01),
        );
        let owners: Vec<_> = items.iter().map(|i| i.owner.as_deref()).collect();
        assert_eq!(
            owners,
            vec![
                Some("claims ops"),
                Some("actuarial team"),
                Some("storage oncall")
            ],
            "{items:?}"
        );
        // A group of three words, not at a clause's start.
        let items = run_named(
            &[
                (
                    "Nadia",
                    true,
                    "can the crew control desk own the internal comms template for when it's down",
                ),
                (
                    "Aisha",
                    false,
                    "we can pick that up the crew control desk will do it",
                ),
            ],
            date!(2026 - 07 - 10),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(
            items[0].owner.as_deref(),
            Some("crew control desk"),
            "{items:?}"
        );
    }

    #[test]
    fn a_verb_the_recogniser_lost_still_commits() {
        let items = run_named(
            &[
                (
                    "Jonas",
                    false,
                    "and i'll the replay script for the ones we dropped on saturday have it end of next week",
                ),
                ("Dana", true, "great"),
            ],
            date!(2026 - 06 - 08),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Jonas"));
        assert!(items[0].task.contains("replay script"), "{items:?}");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-06-19"));
    }

    #[test]
    fn the_work_after_action_item_is_the_task_and_talk_about_them_is_none() {
        let items = run_named(
            &[
                (
                    "Ramesh",
                    true,
                    "ok so before we close we need to convert all these points into action items properly",
                ),
                ("Priya", false, "yes sir last time we missed that"),
            ],
            date!(2026 - 04 - 06),
        );
        assert!(items.is_empty(), "{items:?}");
        let items = run_named(
            &[
                ("Gus", false, "i can't take it this month i'm on the chromebook refresh"),
                (
                    "Priya",
                    true,
                    "yeah okay so i'm writing it down as an action item with no owner for now audit the inactive gradebook accounts by march thirty first",
                ),
            ],
            date!(2026 - 02 - 27),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].task, "audit the inactive gradebook accounts");
    }

    #[test]
    fn me_neither_takes_nothing_and_the_owner_can_be_figured_out_later() {
        let items = run_named(
            &[
                (
                    "Priya",
                    true,
                    "the carrier api keys that leaked in the log line those need rotating",
                ),
                (
                    "Diego",
                    false,
                    "yeah definitely someone should rotate them i don't have access to the vault though",
                ),
                ("Tomas", false, "me neither it's the security folks who have that"),
                (
                    "Priya",
                    true,
                    "ok action item rotate the carrier api keys by friday owner to be figured out",
                ),
            ],
            date!(2026 - 09 - 30),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner, None, "{items:?}");
        assert!(items[0].task.contains("carrier api keys"), "{items:?}");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-10-02"));
    }

    #[test]
    fn one_asked_among_several_answers_after_the_others() {
        let items = run_named(
            &[
                (
                    "Tomasz",
                    true,
                    "ok so. paulo the retry budget, thursday. kasia the load test with surge on, next wednesday. ravi the post-mortem doc, tomorrow",
                ),
                ("Paulo", false, "ok"),
                ("Kasia", false, "fine. wednesday the twenty eight yes?"),
                ("Tomasz", true, "yes twenty eight"),
                (
                    "Ravi",
                    false,
                    "tomorrow is difficult i have on call. i do it until friday the twenty three",
                ),
                ("Tomasz", true, "deal"),
            ],
            date!(2026 - 10 - 20),
        );
        let ravi: Vec<_> = items
            .iter()
            .filter(|i| i.owner.as_deref() == Some("Ravi"))
            .collect();
        assert_eq!(ravi.len(), 1, "{items:?}");
        assert!(ravi[0].task.contains("post-mortem"), "{items:?}");
        assert_eq!(ravi[0].due_date.as_deref(), Some("2026-10-23"));
        // "i do it until ...": the present tense of a second language.
        let items = run_named(
            &[
                (
                    "Marta",
                    true,
                    "nice. and the test for the config validation?",
                ),
                (
                    "Piotr",
                    false,
                    "this is still missing. i do it until friday the first",
                ),
            ],
            date!(2026 - 04 - 28),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Piotr"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-05-01"));
    }

    #[test]
    fn the_facilitator_sums_up_several_items_in_one_turn() {
        let items = run_named(
            &[
                (
                    "Gloria",
                    false,
                    "okay three things raj you take the retry storm fix keisha the status page and claims ops needs to update the call center script",
                ),
                ("Raj", false, "the retry fix i can do end of next week not before"),
                ("Keisha", false, "status page wording i can update tomorrow"),
                ("Gloria", false, "fine"),
                (
                    "Priya",
                    true,
                    "okay so raj fixes the retry storm on claim submission end of next week keisha updates the status page template tomorrow and claims ops updates the call center script by the fifteenth",
                ),
            ],
            date!(2026 - 04 - 08),
        );
        let got = owner_due(&items);
        assert_eq!(
            got,
            vec![
                (Some("Raj"), Some("2026-04-17")),
                (Some("Keisha"), Some("2026-04-09")),
                (Some("claims ops"), Some("2026-04-15"))
            ],
            "{items:?}"
        );
    }

    #[test]
    fn leave_it_with_me_takes_over_after_the_owner_turns_out_away() {
        let items = run_named(
            &[
                (
                    "Priya",
                    true,
                    "we need someone to check the crew legality report after each publish can the night shift take that",
                ),
                (
                    "Lewis",
                    false,
                    "the night shift can yeah um i'll put kwame on it we can have the check in the handover sheet by the twentieth",
                ),
                ("Kwame", false, "okay yeah i can do that"),
                ("Aisha", false, "kwame's on leave from the fifteenth though isn't he"),
                ("Kwame", false, "oh yeah i am two weeks"),
                (
                    "Lewis",
                    false,
                    "okay then leave it with me i'll do it myself same date",
                ),
            ],
            date!(2026 - 04 - 07),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Lewis"), "{items:?}");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-04-20"));
    }

    #[test]
    fn work_left_without_an_owner_in_other_words_is_the_need_said_before() {
        let items = run_named(
            &[
                (
                    "Ola",
                    false,
                    "honestly somebody really ought to update the failover checklist for the billing cluster, it still names the old hosts",
                ),
                ("Bea", true, "agreed that has to happen"),
                ("Kai", false, "not me this sprint"),
                (
                    "Bea",
                    true,
                    "okay it stays on the board with nobody's name against it for now",
                ),
            ],
            date!(2026 - 11 - 16),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner, None);
        assert_eq!(
            items[0].task,
            "update the failover checklist for the billing cluster"
        );
        assert_eq!(items[0].turns, vec![0, 3]);
        // The same words after talk with no need in it give no item, and a
        // turn about not finding someone to blame is not one either.
        let items = run_named(
            &[
                (
                    "Ola",
                    false,
                    "the checklist was fine the hosts were just slow",
                ),
                (
                    "Bea",
                    true,
                    "okay it stays on the board with nobody's name against it for now",
                ),
            ],
            date!(2026 - 11 - 16),
        );
        assert!(items.is_empty(), "{items:?}");
        assert!(defers_owner(&tokenize(
            "no name on it yet, we decide at standup"
        )));
        assert!(!defers_owner(&tokenize(
            "we're not here to find someone to blame, we want to learn"
        )));
    }

    #[test]
    fn work_logged_in_words_of_logging_only_is_the_need_said_before() {
        // The need said as what the thing needs ("needs rewriting"); the
        // facilitator's words name only the logging.
        let items = run_named(
            &[
                (
                    "Ola",
                    false,
                    "the cert renewal script needs rewriting, it still calls the old api",
                ),
                ("Kai", false, "not me this sprint"),
                (
                    "Bea",
                    true,
                    "okay i'm putting it down with no owner for now",
                ),
            ],
            date!(2026 - 11 - 16),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner, None);
        assert_eq!(items[0].task, "rewrite the cert renewal script");
        assert_eq!(items[0].turns, vec![0, 2]);
        // With no need before, such words alone are no item.
        let items = run_named(
            &[
                ("Ola", false, "the script was fine on the night"),
                (
                    "Bea",
                    true,
                    "okay i'm putting it down with no owner for now",
                ),
            ],
            date!(2026 - 11 - 16),
        );
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn a_present_tense_promise_of_it_with_its_day_is_work() {
        // "i add it for friday" is not the facilitator's "i add it for the
        // minutes".
        let items = run_named(
            &[
                ("Antoine", true, "and the stripe webhooks?"),
                (
                    "Youssef",
                    false,
                    "the retry on the webhook endpoint, i add it for the 20 of february",
                ),
                ("Antoine", true, "ok noted"),
            ],
            date!(2026 - 02 - 04),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Youssef"));
        assert_eq!(items[0].task, "retry on the webhook endpoint");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-02-20"));
    }

    #[test]
    fn a_story_is_not_the_subject() {
        // "it grew to eighty thousand messages" has more words than "the
        // invoice worker queue" but names what happened, not the work.
        let items = run_named(
            &[
                (
                    "Bea",
                    true,
                    "so the invoice worker queue, there is no alert on it at all. it grew to like eighty thousand messages and nobody noticed",
                ),
                ("Sophie", false, "i can do it if you want"),
                ("Bea", true, "thanks sophie"),
            ],
            date!(2026 - 11 - 16),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].task, "invoice worker queue");
    }

    #[test]
    fn finding_an_owner_later_is_not_the_work() {
        let items = run_named(
            &[
                (
                    "Gloria",
                    false,
                    "somebody needs to audit the session timeout config on all the portals by the end of the month",
                ),
                ("Keisha", false, "um not it my team doesn't even touch the agent portal"),
                (
                    "Priya",
                    true,
                    "okay i'll record it as an action item audit session timeouts across all the portals end of the month owner to be decided",
                ),
                ("Gloria", false, "yeah i'll find somebody for it"),
            ],
            date!(2026 - 07 - 13),
        );
        assert_eq!(
            owner_due(&items),
            vec![(None, Some("2026-07-31"))],
            "{items:?}"
        );
        let items = run_named(
            &[
                (
                    "Ramesh",
                    true,
                    "ok let us put it as action item build the certificate inventory target end of the month owner i will confirm after checking with the team",
                ),
                ("Michael", false, "fine put it down"),
            ],
            date!(2026 - 06 - 17),
        );
        assert_eq!(
            owner_due(&items),
            vec![(None, Some("2026-06-30"))],
            "{items:?}"
        );
    }

    #[test]
    fn the_facilitator_opening_the_meeting_takes_no_item() {
        let items = run_named(
            &[
                (
                    "Margaret",
                    true,
                    "morning all, i'll chair and write the minutes, and i'll send the summary to the board by the nineteenth",
                ),
                (
                    "Aisha",
                    false,
                    "i'll review the relay records for the feeder seven trip by next tuesday",
                ),
            ],
            date!(2026 - 03 - 10),
        );
        let owners: Vec<_> = items.iter().map(|i| i.owner.as_deref()).collect();
        assert_eq!(owners, vec![Some("Aisha")], "{items:?}");
    }

    #[test]
    fn the_facilitator_closing_the_meeting_takes_no_item() {
        let turns = [
            (
                "Aisha",
                false,
                "i'll review the relay records for the feeder seven trip by next tuesday",
            ),
            (
                "Margaret",
                true,
                "great, thanks all, i'll send the notes round this afternoon",
            ),
        ];
        let items = run_named(&turns, date!(2026 - 03 - 10));
        let owners: Vec<_> = items.iter().map(|i| i.owner.as_deref()).collect();
        assert_eq!(owners, vec![Some("Aisha")], "{items:?}");
        // The written summary the guide asks for is work, even in goodbye.
        let items = run_named(
            &[
                (
                    "Aisha",
                    false,
                    "the relay tripped twice before anyone looked",
                ),
                (
                    "Margaret",
                    true,
                    "thanks all, i'll send the written summary by tomorrow",
                ),
            ],
            date!(2026 - 03 - 10),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        // Nor does the day the notes go out move the last item's.
        let items = run_named(
            &[
                turns[0],
                ("Margaret", true, "great thanks all notes going out tonight"),
            ],
            date!(2026 - 03 - 10),
        );
        assert_eq!(owner_due(&items), vec![(Some("Aisha"), Some("2026-03-17"))]);
    }

    #[test]
    fn asking_the_owner_for_a_date_after_someone_else_spoke() {
        let items = run_named(
            &[
                ("Mei", true, "so the invoices went out twice on monday"),
                ("Tariq", false, "i'll add a dedupe check on the mailer"),
                (
                    "Ines",
                    false,
                    "and i can look at whether the no never mind that's the same thing",
                ),
                ("Mei", true, "ok tariq any rough date"),
                ("Tariq", false, "friday for sure"),
            ],
            date!(2026 - 03 - 17),
        );
        assert_eq!(
            owner_due(&items),
            vec![(Some("Tariq"), Some("2026-03-20"))],
            "{items:?}"
        );
        // "never mind" takes back only what its own sentence offered.
        let items = run_named(
            &[
                ("Mei", true, "so the invoices went out twice on monday"),
                (
                    "Tariq",
                    false,
                    "i'll add a dedupe check on the mailer by friday. and i can look at the retries no never mind",
                ),
            ],
            date!(2026 - 03 - 17),
        );
        assert_eq!(
            owner_due(&items),
            vec![(Some("Tariq"), Some("2026-03-20"))],
            "{items:?}"
        );
        // Someone else took work in between: the day is still Tariq's.
        let items = run_named(
            &[
                ("Mei", true, "so the invoices went out twice on monday"),
                ("Tariq", false, "i'll add a dedupe check on the mailer"),
                ("Ines", false, "and i'll reword the status page template"),
                ("Mei", true, "ok tariq any rough date"),
                ("Tariq", false, "friday for sure"),
            ],
            date!(2026 - 03 - 17),
        );
        assert_eq!(
            owner_due(&items),
            vec![(Some("Tariq"), Some("2026-03-20")), (Some("Ines"), None)],
            "{items:?}"
        );
    }

    #[test]
    fn the_owner_echoing_a_dated_deadline_keeps_the_day() {
        let turns = [
            ("Gustavo", true, "first, the backup link was never switched on"),
            (
                "Amara",
                false,
                "that's my team. wei will switch on the backup link. wei, before the change freeze on the twentieth, okay?",
            ),
            ("Wei", false, "okay yes, before the freeze"),
        ];
        let items = run_named(&turns, date!(2026 - 04 - 07));
        assert_eq!(
            owner_due(&items),
            vec![(Some("Wei"), Some("2026-04-20"))],
            "{items:?}"
        );
    }

    #[test]
    fn writing_down_notes_for_someone_is_work_and_writing_it_down_is_not() {
        let items = run_named(
            &[
                ("Yuki", true, "ok so fernanda runs the restore test"),
                (
                    "Tomasz",
                    false,
                    "and i will write down my notes for fernanda by friday",
                ),
                ("Yuki", true, "good, i'll write that down"),
            ],
            date!(2026 - 08 - 25),
        );
        assert_eq!(
            owner_due(&items),
            vec![(Some("Tomasz"), Some("2026-08-28"))],
            "{items:?}"
        );
    }

    #[test]
    fn talk_in_the_meeting_conditions_and_empty_read_backs_take_nothing() {
        let date = date!(2026 - 03 - 17);
        // Presenting in the meeting is not work after it.
        let items = run_named(
            &[
                (
                    "Gareth",
                    true,
                    "ok priya can you take us through the timeline",
                ),
                (
                    "Priya",
                    false,
                    "yeah so the refund file landed at nineteen oh four",
                ),
            ],
            date,
        );
        assert!(items.is_empty(), "{items:?}");
        // A condition on the work is not a promise of its own.
        let items = run_named(
            &[
                (
                    "Jonas",
                    false,
                    "okay i'll turn the update banner on on all the panels",
                ),
                ("Marta", true, "when do you think"),
                (
                    "Jonas",
                    false,
                    "honestly not sure, depends when i can get each line down",
                ),
            ],
            date,
        );
        assert_eq!(owner_due(&items), vec![(Some("Jonas"), None)], "{items:?}");
        // "let me play it back" reads the items back: what it leaves out
        // was not agreed, and "nothing" for someone is no item.
        let items = run_named(
            &[
                ("Kwame", false, "i'll move the health check to a light endpoint by wednesday"),
                ("Bea", false, "and then there was the hold mess until like two pm"),
                ("Leon", false, "i'll fix the pay button by monday"),
                ("Sunita", true, "ok let me play it back"),
                (
                    "Sunita",
                    true,
                    "so kwame, health check light endpoint wednesday. leon, pay button monday. bea nothing with your name on it this time",
                ),
            ],
            date,
        );
        assert_eq!(
            owner_due(&items),
            vec![
                (Some("Kwame"), Some("2026-03-18")),
                (Some("Leon"), Some("2026-03-23"))
            ],
            "{items:?}"
        );
    }

    #[test]
    fn an_offer_laughed_off_was_a_joke() {
        let turns = [
            ("Marta", true, "ok the stale availability thing"),
            (
                "Diego",
                false,
                "i'll purge the availability cache on cancel by monday",
            ),
            (
                "Kwame",
                false,
                "sure and i'll just rewrite the whole booking engine over the weekend",
            ),
            ("Marta", true, "ha please don't. thanks diego"),
        ];
        let items = run_named(&turns, date!(2026 - 03 - 04));
        assert_eq!(
            owner_due(&items),
            vec![(Some("Diego"), Some("2026-03-09"))],
            "{items:?}"
        );
        // Laughing along is not turning it down.
        let turns = [
            ("Marta", true, "ok the stale availability thing"),
            (
                "Diego",
                false,
                "i'll purge the availability cache on cancel by monday",
            ),
            ("Marta", true, "ha okay, thanks diego"),
        ];
        let items = run_named(&turns, date!(2026 - 03 - 04));
        assert_eq!(items.len(), 1, "{items:?}");
    }

    #[test]
    fn a_department_owns_what_it_takes_and_keeps_it_when_the_next_thing_comes_up() {
        let date = date!(2026 - 03 - 17);
        let items = run_named(
            &[
                ("Priya", true, "so the override list"),
                (
                    "Tomasz",
                    false,
                    "pharmacy will sort the override list by the thirty first",
                ),
                ("Priya", true, "thank you"),
                ("Maureen", false, "and then the downtime packs"),
                (
                    "Gemma",
                    false,
                    "yeah leave that with me i'll pick that up with the ward managers on the twenty sixth",
                ),
            ],
            date,
        );
        assert_eq!(
            owner_due(&items),
            vec![
                (Some("pharmacy"), Some("2026-03-31")),
                (Some("Gemma"), Some("2026-03-26"))
            ],
            "{items:?}"
        );
        // After someone else has answered, "i can have it on in test by
        // thursday" is the asked one's own part, not a takeover.
        let items = run_named(
            &[
                (
                    "Nadia",
                    true,
                    "okay oskar can you enable the flag in the test tenant and kwame can someone from crew control check the screens with him",
                ),
                (
                    "Kwame",
                    false,
                    "yeah the crew control desk can pick that up probably ruth",
                ),
                ("Ruth", false, "fine by me as long as it's day shift hours"),
                ("Oskar", false, "i can have it on in test by thursday"),
            ],
            date,
        );
        assert_eq!(
            owner_due(&items),
            vec![
                (Some("crew control desk"), None),
                (Some("Oskar"), Some("2026-03-19"))
            ],
            "{items:?}"
        );
    }

    #[test]
    fn a_promise_on_an_event_is_an_item_and_a_hedge_is_not() {
        let date = date!(2026 - 08 - 11);
        let items = run_named(
            &[
                ("Marta", true, "okay so what comes out of this bit"),
                (
                    "Jonas",
                    false,
                    "if the vendor sends the patch i'll load it on the test rig by friday",
                ),
                (
                    "Priya",
                    false,
                    "and if we need it i can add a sign off step to the checklist",
                ),
            ],
            date,
        );
        assert_eq!(
            owner_due(&items),
            vec![(Some("Jonas"), Some("2026-08-14"))],
            "{items:?}"
        );
    }

    #[test]
    fn pulling_a_date_forward_moves_the_day_and_a_day_said_with_its_event_keeps_it() {
        let items = run_named(
            &[
                (
                    "Ruth",
                    false,
                    "niamh could you build a daily report that flags duplicate file references",
                ),
                ("Niamh", false, "yep i can do that by end of next week"),
                ("Darius", false, "that misses the regulator return on the fifteenth"),
                (
                    "Niamh",
                    false,
                    "ok um i can pull it forward actually make it the fifteenth then",
                ),
                (
                    "Gareth",
                    true,
                    "minute that niamh delivers the duplicate report by the fifteenth before the regulator return",
                ),
            ],
            date!(2026 - 06 - 09),
        );
        assert_eq!(
            owner_due(&items),
            vec![(Some("Niamh"), Some("2026-06-15"))],
            "{items:?}"
        );
    }

    #[test]
    fn a_late_answer_from_the_one_asked_and_an_offer_dropped_by_name() {
        let date = date!(2026 - 10 - 06);
        let items = run_named(
            &[
                (
                    "Marta",
                    true,
                    "diego can you review the cdn config for the booking pages. eod tomorrow?",
                ),
                ("Rachel", false, "the client also said the images were slow"),
                ("Yuki", false, "probably the same config yeah"),
                (
                    "Diego",
                    false,
                    "sorry was on mute. um i could but i'm off from tomorrow for a week",
                ),
                ("Yuki", false, "i can take it then, same deadline is fine"),
            ],
            date,
        );
        assert_eq!(
            owner_due(&items),
            vec![(Some("Yuki"), Some("2026-10-07"))],
            "{items:?}"
        );
        assert!(items[0].task.contains("cdn"), "{items:?}");
        let items = run_named(
            &[
                (
                    "Ines",
                    false,
                    "i was thinking i could design a waiting room page so people don't just get an error",
                ),
                ("Graham", false, "um i'd rather we didn't honestly"),
                (
                    "Sunita",
                    true,
                    "yeah ok let's drop the waiting room. thanks for offering though",
                ),
            ],
            date,
        );
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn an_item_logged_without_a_name() {
        let items = run_named(
            &[
                ("Sean", false, "the changeover sop still says you can do firmware with the line running"),
                (
                    "Gloria",
                    true,
                    "agreed so action item, rewrite the firmware section of the changeover sop. i don't have an owner for it yet",
                ),
                ("Lukas", false, "don't look at me"),
            ],
            date!(2026 - 10 - 27),
        );
        assert_eq!(owner_due(&items), vec![(None, None)], "{items:?}");
        assert!(items[0].task.contains("firmware"), "{items:?}");
    }

    #[test]
    fn a_summary_dictated_to_the_minutes() {
        let items = run_named(
            &[
                ("Gareth", true, "first the resubmission logs, can card link send those"),
                ("Marco", false, "yeah i'll send you the resubmission logs myself"),
                ("Gareth", true, "second the refund runbook still says rerun the whole file"),
                (
                    "Tom",
                    false,
                    "that's that's mine i'll rewrite that section by end of the month",
                ),
                (
                    "Gareth",
                    true,
                    "minute that marco sends the resubmission logs thursday and tom updates the refund runbook by end of month",
                ),
            ],
            date!(2026 - 09 - 08),
        );
        assert_eq!(
            owner_due(&items),
            vec![
                (Some("Marco"), Some("2026-09-10")),
                (Some("Tom"), Some("2026-09-30"))
            ],
            "{items:?}"
        );
        assert!(items[1].task.contains("runbook"), "{items:?}");
    }

    #[test]
    fn second_language_modals_and_suggestions() {
        // "can you to take it": the "to" does not hide the request.
        let items = run_named(
            &[
                (
                    "Deepa",
                    true,
                    "javier, the circuit breaker for the demand model call, until friday the fifteen",
                ),
                ("Javier", false, "ok"),
                ("Lucia", false, "javier is on vacation from thursday no? two weeks"),
                (
                    "Javier",
                    false,
                    "ah yes true i forget. lucia can you to take it",
                ),
                (
                    "Lucia",
                    false,
                    "ok i take it. but friday is short for me, i do it until tuesday the nineteen",
                ),
            ],
            date!(2026 - 05 - 12),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Lucia"));
        assert_eq!(items[0].due_date.as_deref(), Some("2026-05-19"));
        // "i think we can to do X" puts an idea to the room.
        let items = run_named(
            &[
                (
                    "Fernanda",
                    false,
                    "i think we can to do a full rewrite of the pricing engine in rust",
                ),
                (
                    "Marta",
                    true,
                    "no no this is too big, not from this post-mortem",
                ),
            ],
            date!(2026 - 05 - 18),
        );
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn several_items_handed_out_in_one_turn_are_answered_each() {
        let cases = [
            (
                [
                    (
                        "Tomasz",
                        true,
                        "ok so. paulo the retry budget, thursday. kasia the load test with surge on, next wednesday",
                    ),
                    ("Paulo", false, "ok"),
                    ("Kasia", false, "fine"),
                ],
                date!(2026 - 10 - 20),
                [
                    (Some("Paulo"), Some("2026-10-22")),
                    (Some("Kasia"), Some("2026-10-28")),
                ],
            ),
            // No day in the hand-out: each answer gives its own.
            (
                [
                    (
                        "Tomasz",
                        true,
                        "ok quick ones. jonah the exam day runbook, keisha the refund macro. yeah?",
                    ),
                    ("Jonah", false, "sure, runbook by thursday"),
                    ("Keisha", false, "macro i can do tomorrow"),
                ],
                date!(2026 - 10 - 06),
                [
                    (Some("Jonah"), Some("2026-10-08")),
                    (Some("Keisha"), Some("2026-10-07")),
                ],
            ),
            // No "the" before the work: the day must follow it.
            (
                [
                    (
                        "Tomasz",
                        true,
                        "right two things. jonah, restore drill for the exam database by friday. keisha, refund macro for the helpdesk tomorrow",
                    ),
                    ("Jonah", false, "yep"),
                    ("Keisha", false, "sure"),
                ],
                date!(2026 - 10 - 06),
                [
                    (Some("Jonah"), Some("2026-10-09")),
                    (Some("Keisha"), Some("2026-10-07")),
                ],
            ),
        ];
        for (turns, today, want) in cases {
            let items = run_named(&turns, today);
            assert_eq!(owner_due(&items), want, "{items:?}");
        }
        // The list's first hand-out without "the" or a day is one too.
        let items = run_named(
            &[
                (
                    "Tomas",
                    true,
                    "ok quick ones. mei rate limit on answer submit, jonah the exam day runbook, keisha the refund macro. yeah?",
                ),
                ("Mei", false, "yep"),
                ("Jonah", false, "sure, runbook by thursday"),
                ("Keisha", false, "macro i can do tomorrow"),
                ("Tomas", true, "mei date?"),
                ("Mei", false, "end of the week"),
            ],
            date!(2026 - 10 - 06),
        );
        assert_eq!(
            owner_due(&items),
            [
                (Some("Mei"), Some("2026-10-09")),
                (Some("Jonah"), Some("2026-10-08")),
                (Some("Keisha"), Some("2026-10-07")),
            ],
            "{items:?}"
        );
    }

    #[test]
    fn closing_the_meeting_and_a_laughed_offer_are_not_items() {
        let cases: [&[(&str, bool, &str)]; 2] = [
            &[
                (
                    "Ngozi",
                    false,
                    "please don't leave these open till next month",
                ),
                (
                    "Anjali",
                    true,
                    "noted. thank you all, i'll close the meeting here",
                ),
            ],
            &[
                ("Sam", true, "so no freeze then"),
                (
                    "Kai",
                    false,
                    "i mean i could just rewrite the whole deploy pipeline this weekend lol",
                ),
                ("Sam", true, "please don't. moving on"),
            ],
        ];
        for turns in cases {
            let items = run(turns, date!(2026 - 05 - 21));
            assert!(items.is_empty(), "{items:?}");
        }
    }

    #[test]
    fn an_offer_too_big_to_mean_is_not_an_item() {
        let items = run(
            &[
                ("Greg", false, "and fix the dns while you're at it"),
                ("Dan", false, "sure, i'll fix the whole internet too"),
            ],
            date!(2026 - 11 - 16),
        );
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn owners_are_never_pronouns() {
        assert_eq!(owner_key("Gareth's team"), "gareth");
        assert_eq!(owner_key("the Platform team"), "platform");
    }

    #[test]
    fn a_fragment_beside_an_owners_item_is_part_of_it() {
        // "work through it" is how the volunteer will do the list, not a
        // second item; its deadline is the list's.
        let items = run_named(
            &[
                ("Hector", true, "the call out list by the door still has people who left a year ago"),
                (
                    "Shauna",
                    false,
                    "i'm on nights next week anyway so i'll just work through it, ring every number and have a fresh one up by end of next week",
                ),
                ("Hector", true, "thanks shauna"),
                ("Dale", false, "can you put the contractor's after hours number on it as well"),
                ("Shauna", false, "yep i'll get that off priya"),
            ],
            date!(2026 - 03 - 04),
        );
        assert_eq!(
            owner_due(&items),
            vec![(Some("Shauna"), Some("2026-03-13"))],
            "{items:?}"
        );
        // Amended in a fragment: "do both while i'm out there, monday".
        let items = run_named(
            &[
                (
                    "Ines",
                    true,
                    "lyle can you recalibrate the level transmitter at pine hollow by thursday",
                ),
                ("Lyle", false, "yeah thursday"),
                ("Marta", false, "redgate reads high too"),
                (
                    "Lyle",
                    false,
                    "ok then i'll do both while i'm out there but that pushes it to monday",
                ),
            ],
            date!(2026 - 06 - 08),
        );
        assert_eq!(
            owner_due(&items),
            vec![(Some("Lyle"), Some("2026-06-15"))],
            "{items:?}"
        );
    }

    #[test]
    fn recording_who_owns_an_item_moves_it_and_its_day_beats_the_event() {
        // Taken with a hedge, then by someone else on a condition, then
        // recorded as the other's: the soak test is Jun's, due the day said
        // with the event.
        let items = run_named(
            &[
                (
                    "Owen",
                    true,
                    "the soak test on the checkout service before the next release. kwame could you take that one",
                ),
                ("Kwame", false, "i could although i'm away from the ninth for a fortnight"),
                ("Owen", true, "hm. when is the release laura"),
                ("Laura", false, "the sixteenth"),
                (
                    "Jun",
                    false,
                    "i can take it if kwame passes me his scripts, i wrote half of them anyway",
                ),
                ("Kwame", false, "fine by me. i'll send them over to you today"),
                (
                    "Owen",
                    true,
                    "so jun owns the soak test, done by the fifteenth, the day before release",
                ),
            ],
            date!(2026 - 07 - 06),
        );
        let soak_test: Vec<ActionItem> = items
            .iter()
            .filter(|i| i.task.contains("soak test"))
            .cloned()
            .collect();
        assert_eq!(
            owner_due(&soak_test),
            vec![(Some("Jun"), Some("2026-07-15"))],
            "{items:?}"
        );
    }

    /// Owner and due date of every item.
    fn owner_due(items: &[ActionItem]) -> Vec<(Option<&str>, Option<&str>)> {
        items
            .iter()
            .map(|i| (i.owner.as_deref(), i.due_date.as_deref()))
            .collect()
    }

    fn owners_and_dates(turns: &[(&str, bool, &str)]) -> Vec<(Option<String>, Option<String>)> {
        run(turns, date!(2026 - 03 - 10))
            .into_iter()
            .map(|i| (i.owner, i.due_date.or(i.due)))
            .collect()
    }

    fn one(owner: &str, due: &str) -> Vec<(Option<String>, Option<String>)> {
        vec![(Some(owner.to_string()), Some(due.to_string()))]
    }

    #[test]
    fn phrasings_of_the_same_agreement() {
        // Meeting on Tuesday 2026-03-10.
        for (turns, want) in [
            // A cautious offer, confirmed later.
            (
                vec![
                    ("Ana", true, "the thresholds for the payment api need a review"),
                    ("Zed", false, "i think i could probably look at the thresholds"),
                    ("Ana", true, "is there a date you'd feel comfortable with"),
                    ("Zed", false, "let's say friday"),
                ],
                one("Zed", "2026-03-13"),
            ),
            // A one-word acceptance.
            (
                vec![
                    ("Ana", true, "carl could you add a disk alert on the log hosts until monday"),
                    ("Carl", false, "copy"),
                ],
                one("Carl", "2026-03-16"),
            ),
            // A team asked; its person answers for it.
            (
                vec![
                    (
                        "Ana",
                        true,
                        "fay would it be possible for the database team to review the backup retention",
                    ),
                    ("Fay", false, "yes we can do that by the twentieth"),
                ],
                one("the database team", "2026-03-20"),
            ),
            // A counter-proposal, then someone else takes it over.
            (
                vec![
                    ("Ana", true, "rae can you update the status page template by friday"),
                    ("Rae", false, "friday's tough monday"),
                    ("Sal", false, "i can take it instead i wrote the old one"),
                ],
                one("Sal", "2026-03-16"),
            ),
            // A deadline tied to an event names no day.
            (
                vec![
                    ("Ana", true, "dee can you rotate the api keys before the patch"),
                    ("Dee", false, "yep"),
                ],
                vec![(Some("Dee".to_string()), Some("before the patch".to_string()))],
            ),
            // A list, each piece taken in a word or two.
            (
                vec![
                    (
                        "Ana",
                        true,
                        "we need the crash dump upload fixed and the hotfix checklist updated",
                    ),
                    ("Ivo", false, "crash dumps mine by friday"),
                    ("Cleo", false, "checklist me tomorrow"),
                ],
                vec![
                    (Some("Ivo".to_string()), Some("2026-03-13".to_string())),
                    (Some("Cleo".to_string()), Some("2026-03-11".to_string())),
                ],
            ),
            // Hindsight and a proposal dropped are not items.
            (
                vec![
                    ("Cal", false, "honestly i could have caught it earlier"),
                    ("Ravi", false, "i could add a hard block on bulk reschedules"),
                    ("Grace", false, "that could really hurt us in an emergency"),
                    ("Ravi", false, "yeah no that's fair let's drop that"),
                ],
                vec![],
            ),
        ] {
            assert_eq!(owners_and_dates(&turns), want, "{turns:?}");
        }
    }

    #[test]
    fn a_bare_present_tense_answer_takes_the_work() {
        // "i do it" answering "who can", and "that one i take" after the
        // facilitator turns to the next subject.
        let items = run_named(
            &[
                (
                    "Ines",
                    true,
                    "the write up of the failback steps, who can do it",
                ),
                ("Tomas", false, "i do it"),
                ("Ines", true, "when"),
                ("Tomas", false, "not sure, it depends on the migration"),
                (
                    "Ines",
                    true,
                    "okay. and the audit of the firewall exceptions",
                ),
                ("Bruno", false, "that one i take"),
            ],
            date!(2026 - 12 - 02),
        );
        let got: Vec<_> = items
            .iter()
            .map(|i| (i.owner.as_deref(), i.task.as_str()))
            .collect();
        assert_eq!(got.len(), 2, "{items:?}");
        assert_eq!(got[0].0, Some("Tomas"));
        assert!(got[0].1.contains("failback"), "{items:?}");
        assert_eq!(got[1].0, Some("Bruno"));
        assert!(got[1].1.contains("firewall"), "{items:?}");
    }

    #[test]
    fn an_attempt_at_the_work_is_the_work() {
        let items = run(
            &[
                (
                    "Kim",
                    true,
                    "jonas could you take a stab at adding a timeout to the ledger client",
                ),
                ("Jonas", false, "yeah i can take a stab at that"),
                ("Jonas", false, "say eod friday"),
            ],
            date!(2026 - 12 - 02),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Jonas"));
        assert_eq!(items[0].task, "adding a timeout to the ledger client");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-12-04"));
    }

    #[test]
    fn withdrawing_or_putting_off_a_proposal_is_not_an_item() {
        let today = date!(2026 - 12 - 02);
        for turns in [
            vec![
                (
                    "Ola",
                    false,
                    "we could let the crews log on a shared sheet and import it later",
                ),
                (
                    "Vera",
                    false,
                    "no. a shared sheet has no sign off per person",
                ),
                ("Ola", false, "okay. fair. i'll pull it"),
            ],
            vec![
                (
                    "Ola",
                    false,
                    "i'd rip the fallback out by the end of the week",
                ),
                ("Vera", false, "that's a no from me, it kept us up in june"),
                ("Ola", false, "ok fair we'll punt on it"),
            ],
            vec![
                (
                    "Owen",
                    false,
                    "could someone maybe look into what the academy down the road uses, i suppose i could ask around",
                ),
                (
                    "Raj",
                    false,
                    "we're on a five year contract though, there's no money to move",
                ),
                (
                    "Owen",
                    false,
                    "oh. right, well there's not much point me asking then is there, forget i said it",
                ),
            ],
        ] {
            let items = run(&turns, today);
            assert!(items.is_empty(), "{turns:?} -> {items:?}");
        }
    }

    #[test]
    fn getting_in_touch_is_about_the_work_just_asked() {
        let items = run(
            &[
                (
                    "Hana",
                    true,
                    "and somebody has to tell the night desk to bin the old ones",
                ),
                (
                    "Piet",
                    false,
                    "i'll ring em. um and i'll put the form version on the handover sheet",
                ),
            ],
            date!(2026 - 12 - 02),
        );
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(items[0].task.contains("night desk"), "{items:?}");
        assert!(items[1].task.contains("handover sheet"), "{items:?}");
    }

    #[test]
    fn asked_as_politely_as_would_you_mind_or_any_chance() {
        let today = date!(2026 - 09 - 11);
        for (ask, answer, task) in [
            (
                "would you mind doing that",
                "yeah go on i'll get it written up for monday",
                "writing up the test results for the board",
            ),
            (
                "rhys any chance you could write up the test results for the board",
                "yep by monday",
                "write up the test results for the board",
            ),
        ] {
            let items = run(
                &[
                    (
                        "Rhys",
                        false,
                        "both done yeah. the only bit outstanding is writing up the test results for the board",
                    ),
                    ("Anita", true, ask),
                    ("Rhys", false, answer),
                ],
                today,
            );
            assert_eq!(items.len(), 1, "{ask} -> {items:?}");
            assert_eq!(items[0].owner.as_deref(), Some("Rhys"));
            assert_eq!(items[0].task, task);
            assert_eq!(items[0].due_date.as_deref(), Some("2026-09-14"));
        }
    }

    #[test]
    fn giving_someone_a_ring_is_asked_for() {
        let items = run(
            &[
                (
                    "Linda",
                    true,
                    "Pat, um, while i've got you, could you maybe give the bus company a ring and find out whether they'd take a paper list off us",
                ),
                ("Pat", false, "the bus company, yeah go on"),
                (
                    "Pat",
                    false,
                    "i'll ring them thursday, they never pick up on a tuesday anyway",
                ),
            ],
            date!(2026 - 09 - 08),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Pat"));
        assert!(items[0].task.contains("paper list"), "{items:?}");
        assert_eq!(items[0].due_date.as_deref(), Some("2026-09-10"));
    }

    #[test]
    fn a_present_tense_confirmed_by_i_do_it_takes_the_work() {
        let items = run(
            &[
                (
                    "Sabine",
                    true,
                    "the on-call rota for the sale weekend was a mess",
                ),
                (
                    "Agnieszka",
                    false,
                    "i add warsaw people to the rota template, i do it",
                ),
                ("Sabine", true, "good"),
            ],
            date!(2026 - 11 - 30),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].owner.as_deref(), Some("Agnieszka"));
        assert!(items[0].task.contains("rota template"), "{items:?}");
    }

    #[test]
    fn the_time_asked_for_beats_the_day_the_speaker_is_busy() {
        let items = run(
            &[
                (
                    "Gareth",
                    true,
                    "siobhan could you pull together the paper forms from the wards",
                ),
                (
                    "Siobhan",
                    false,
                    "uh give me till end of play thursday i've got the matrons' meeting on wednesday so not before then",
                ),
            ],
            date!(2026 - 02 - 09),
        );
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(
            items[0].due_date.as_deref(),
            Some("2026-02-12"),
            "{items:?}"
        );
    }

    #[test]
    fn taking_the_part_of_some_work_takes_that_work() {
        for (said, work) in [
            (
                "and i take the part of updating the timeline in the wiki",
                "updating the timeline in the wiki",
            ),
            (
                "i take care of the vendor escalation",
                "the vendor escalation",
            ),
        ] {
            let items = run(
                &[
                    ("Rosa", true, "okay so the graphs come from transmission"),
                    ("Dario", false, said),
                ],
                date!(2026 - 10 - 06),
            );
            assert_eq!(items.len(), 1, "{said}: {items:?}");
            assert_eq!(items[0].owner.as_deref(), Some("Dario"));
            assert!(items[0].task.contains(work), "{items:?}");
        }
    }
}
