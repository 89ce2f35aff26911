//! "Make sure all voices are heard", from turn timing and speakers alone.

use std::collections::{HashMap, VecDeque};
use std::fmt;

/// Thresholds of the timing signals.
#[derive(Debug, Clone)]
pub struct BalanceConfig {
    /// Talk-time shares are measured over this many seconds.
    pub window_s: f64,
    /// A speaker holding more than this many fair shares dominates.
    pub dominance_factor: f64,
    /// No share judgement before this much talk in the window.
    pub min_window_talk_s: f64,
    /// One speaker for longer than this is a monologue.
    pub monologue_s: f64,
    /// A participant quiet for this long is asked in.
    pub silence_s: f64,
    /// Overlap (seconds) for a turn to count as an interruption.
    pub interruption_overlap_s: f64,
    /// Interruptions of one person by another within the window before a nudge.
    pub interruptions_to_nudge: usize,
}

impl Default for BalanceConfig {
    fn default() -> Self {
        BalanceConfig {
            window_s: 300.0,
            dominance_factor: 2.0,
            min_window_talk_s: 90.0,
            monologue_s: 90.0,
            silence_s: 600.0,
            interruption_overlap_s: 0.3,
            interruptions_to_nudge: 2,
        }
    }
}

/// Something about who talks that the facilitator may want to correct.
#[derive(Debug, Clone, PartialEq)]
pub enum BalanceSignal {
    /// One participant holds far more than a fair share of talk time.
    Dominant {
        /// Who.
        speaker: String,
        /// Their share of the window's talk time.
        share: f64,
        /// The participant who spoke least in the window.
        quietest: Option<String>,
    },
    /// A participant has not spoken for a long time.
    Silent {
        /// Who.
        name: Option<String>,
        /// For how long.
        silent_s: f64,
    },
    /// One speaker has held the floor for a long time.
    Monologue {
        /// Who.
        speaker: String,
        /// For how long.
        seconds: f64,
        /// Someone else to bring in.
        other: Option<String>,
    },
    /// Someone keeps starting before another has finished.
    Interruptions {
        /// Who starts early.
        interrupter: String,
        /// Who gets cut off.
        interrupted: String,
        /// How often, within the window.
        count: usize,
    },
}

impl fmt::Display for BalanceSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BalanceSignal::Dominant { speaker, share, .. } => write!(
                f,
                "{speaker} holds {:.0} % of talk time in the last five minutes",
                share * 100.0
            ),
            BalanceSignal::Silent { name, silent_s } => write!(
                f,
                "{} has not spoken for {:.0} min",
                name.as_deref().unwrap_or("someone"),
                silent_s / 60.0
            ),
            BalanceSignal::Monologue {
                speaker, seconds, ..
            } => {
                write!(f, "{speaker} has spoken for {seconds:.0} s without a break")
            }
            BalanceSignal::Interruptions {
                interrupter,
                interrupted,
                count,
            } => write!(
                f,
                "{interrupter} started before {interrupted} finished {count} times in five minutes"
            ),
        }
    }
}

/// Talk-time bookkeeping for one meeting.
#[derive(Debug)]
pub struct Balance {
    config: BalanceConfig,
    /// Recent turns: speaker, start, end, facilitator.
    recent: VecDeque<(String, f64, f64, bool)>,
    /// Non-facilitator participants in order of first speech, with the end
    /// of their last turn.
    last_spoke: Vec<(String, f64)>,
    /// Who holds the floor and since when.
    run: Option<(String, f64)>,
    monologue_flagged: bool,
    dominance_flagged_at: HashMap<String, f64>,
    silence_flagged: HashMap<String, bool>,
    /// (time, interrupter, interrupted).
    interruptions: VecDeque<(f64, String, String)>,
    previous: Option<(String, f64)>,
}

impl Balance {
    /// Empty bookkeeping.
    pub fn new(config: BalanceConfig) -> Balance {
        Balance {
            config,
            recent: VecDeque::new(),
            last_spoke: Vec::new(),
            run: None,
            monologue_flagged: false,
            dominance_flagged_at: HashMap::new(),
            silence_flagged: HashMap::new(),
            interruptions: VecDeque::new(),
            previous: None,
        }
    }

    /// Records a turn and returns the signals it raises (most pressing first).
    pub fn on_turn(
        &mut self,
        speaker: Option<&str>,
        facilitator: bool,
        start: f64,
        end: f64,
    ) -> Vec<BalanceSignal> {
        let Some(speaker) = speaker else {
            return Vec::new();
        };
        let speaker = speaker.to_string();
        let mut signals = Vec::new();
        let window_start = end - self.config.window_s;
        self.recent
            .push_back((speaker.clone(), start, end, facilitator));
        while self.recent.front().is_some_and(|t| t.2 < window_start) {
            self.recent.pop_front();
        }
        if !facilitator {
            match self
                .last_spoke
                .iter_mut()
                .find(|(name, _)| *name == speaker)
            {
                Some(entry) => entry.1 = end,
                None => self.last_spoke.push((speaker.clone(), end)),
            }
            self.silence_flagged.remove(&speaker);
        }

        // Interruptions: this turn began before the previous speaker's ended.
        while self
            .interruptions
            .front()
            .is_some_and(|i| i.0 < window_start)
        {
            self.interruptions.pop_front();
        }
        if let Some((previous, previous_end)) = &self.previous {
            if *previous != speaker && start < previous_end - self.config.interruption_overlap_s {
                self.interruptions
                    .push_back((start, speaker.clone(), previous.clone()));
                let count = self
                    .interruptions
                    .iter()
                    .filter(|(_, who, whom)| *who == speaker && whom == previous)
                    .count();
                if count >= self.config.interruptions_to_nudge {
                    signals.push(BalanceSignal::Interruptions {
                        interrupter: speaker.clone(),
                        interrupted: previous.clone(),
                        count,
                    });
                }
            }
        }
        self.previous = Some((speaker.clone(), end));

        // Monologue: the same speaker for consecutive turns.
        match &self.run {
            Some((holder, _)) if *holder == speaker => {}
            _ => {
                self.run = Some((speaker.clone(), start));
                self.monologue_flagged = false;
            }
        }
        if let Some((holder, since)) = &self.run {
            let seconds = end - since;
            if seconds > self.config.monologue_s && !self.monologue_flagged && !facilitator {
                self.monologue_flagged = true;
                signals.push(BalanceSignal::Monologue {
                    speaker: holder.clone(),
                    seconds,
                    other: self.quietest(end, Some(holder)),
                });
            }
        }

        // Dominance over the window, among participants (not the facilitator).
        let n = self.last_spoke.len();
        if n >= 2 && !facilitator {
            let mut talk: HashMap<&str, f64> = HashMap::new();
            for (who, s, e, f) in &self.recent {
                if !*f {
                    *talk.entry(who.as_str()).or_default() += e - s.max(window_start);
                }
            }
            let total: f64 = talk.values().sum();
            let mine = talk.get(speaker.as_str()).copied().unwrap_or(0.0);
            let limit = (self.config.dominance_factor / n as f64).min(0.75);
            let recently_flagged = self
                .dominance_flagged_at
                .get(&speaker)
                .is_some_and(|at| end - at < self.config.window_s);
            if total >= self.config.min_window_talk_s && mine / total > limit && !recently_flagged {
                self.dominance_flagged_at.insert(speaker.clone(), end);
                signals.push(BalanceSignal::Dominant {
                    speaker: speaker.clone(),
                    share: mine / total,
                    quietest: self.quietest(end, Some(&speaker)),
                });
            }
        }

        // Silence: a participant who spoke before and not for a long time.
        for (name, last) in &self.last_spoke {
            if end - last > self.config.silence_s
                && !self.silence_flagged.get(name).copied().unwrap_or(false)
            {
                self.silence_flagged.insert(name.clone(), true);
                signals.push(BalanceSignal::Silent {
                    name: Some(name.clone()),
                    silent_s: end - last,
                });
                break;
            }
        }
        signals
    }

    /// The participant (other than `except`) with the least talk in the window.
    fn quietest(&self, now: f64, except: Option<&String>) -> Option<String> {
        let window_start = now - self.config.window_s;
        self.last_spoke
            .iter()
            .filter(|(name, _)| Some(name) != except)
            .map(|(name, _)| {
                let talk: f64 = self
                    .recent
                    .iter()
                    .filter(|t| t.0 == *name)
                    .map(|t| t.2 - t.1.max(window_start))
                    .sum();
                (name, talk)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(name, _)| name.clone())
    }
}
