//! Deadlines as people say them, and the dates they mean.
//!
//! "by friday", "wednesday next week", "the twenty third", "end of the
//! month", "give me two weeks", "tomorrow end of day": found in a turn's
//! words and turned into a calendar date from the meeting's date. A phrase
//! that names no calendar day ("end of the sprint", "after the holidays",
//! "first week of january") keeps its words and gets no date.

use time::{Date, Duration, Month, Weekday};

use super::text::{Boundary, Token};

/// A deadline found in a turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    /// The words as said ("wednesday next week"), without "by" or "until".
    pub phrase: String,
    /// The day it means, when the meeting date allows one.
    pub date: Option<Date>,
    /// Token range `[start, end)` of the phrase, "by" included.
    pub tokens: (usize, usize),
}

/// Every deadline in `tokens`, in order. `today` is the meeting's date;
/// without it phrases are kept and no dates computed.
pub fn find_dues(tokens: &[Token], chars: &[char], today: Option<Date>) -> Vec<Due> {
    let mut found = Vec::new();
    let mut k = 0;
    while k < tokens.len() {
        match due_at(tokens, k, today) {
            Some((lead, end, date)) => {
                let phrase = text_of(tokens, lead, end, chars);
                found.push(Due {
                    phrase,
                    date,
                    tokens: (k, end),
                });
                k = end;
            }
            None => k += 1,
        }
    }
    found
}

fn w(tokens: &[Token], k: usize) -> &str {
    match tokens.get(k).map_or("", |t| t.norm.as_str()) {
        // Typed or transcribed short: "eod tmrw".
        "tmrw" | "tmr" | "tmw" | "tomoz" => "tomorrow",
        word => word,
    }
}

/// Joined within a clause: no sentence break between `k - 1` and `k`.
fn joined(tokens: &[Token], k: usize) -> bool {
    tokens
        .get(k)
        .is_some_and(|t| t.boundary != Boundary::Sentence)
}

/// A deadline at `k`: the first token of the phrase proper (after "by"),
/// one past its end, and its date.
fn due_at(tokens: &[Token], k: usize, today: Option<Date>) -> Option<(usize, usize, Option<Date>)> {
    let word = w(tokens, k);
    // Lead words that only introduce a deadline.
    if matches!(
        word,
        "by" | "until" | "till" | "til" | "before" | "due" | "latest"
    ) {
        let mut inner = k + 1;
        if w(tokens, inner) == "on" {
            inner += 1;
        }
        if let Some(found) = phrase_at(tokens, inner, today) {
            return Some(found);
        }
        // "before the patch", "before the next go-live": a deadline tied to
        // an event, kept as said with no day.
        if word == "before" {
            return event_at(tokens, k + 1).map(|end| event_day(tokens, k, end, today));
        }
        // "by the next patch release", "until the upcoming audit": "by"
        // before an agent ("fixed by the storage team") names no event,
        // so only an event still to come.
        let to_come = |j: usize| still_to_come(w(tokens, j));
        if word != "due" && (to_come(k + 1) || (w(tokens, k + 1) == "the" && to_come(k + 2))) {
            return event_at(tokens, k + 1).map(|end| event_day(tokens, k, end, today));
        }
        return None;
    }
    // "for the next clinical safety board", "for the next big night": an
    // event still to come that the work is for; not "for the next two
    // weeks", a duration.
    if word == "for"
        && w(tokens, k + 1) == "the"
        && w(tokens, k + 2) == "next"
        && span_of_time(tokens, k + 3).is_none()
        && !matches!(
            w(tokens, k + 3),
            "few"
                | "couple"
                | "hour"
                | "day"
                | "week"
                | "month"
                | "year"
                | "minute"
                | "shift"
                | "time"
                | "one"
                | "step"
                | "bit"
        )
    {
        if let Some(end) = event_at(tokens, k + 1) {
            return Some(event_day(tokens, k, end, today));
        }
    }
    // "ahead of the autumn resilience review", "ahead of friday": as
    // "before".
    if word == "ahead" && w(tokens, k + 1) == "of" {
        if let Some(found) = phrase_at(tokens, k + 2, today) {
            return Some(found);
        }
        return event_at(tokens, k + 2).map(|end| event_day(tokens, k, end, today));
    }
    if word == "no" && w(tokens, k + 1) == "later" && w(tokens, k + 2) == "than" {
        let (start, end, date) = phrase_at(tokens, k + 3, today)?;
        return Some((start, end, date));
    }
    // "they never pick up on a tuesday", "every friday", "the black friday
    // peak": any such day or a day's name, not a deadline.
    if weekday(word).is_some()
        && k > 0
        && matches!(w(tokens, k - 1), "a" | "every" | "black" | "cyber")
    {
        return None;
    }
    // "ship it with patch three point two": the release it goes out in.
    if matches!(word, "with" | "in") {
        if let Some(end) = version_end(tokens, k + 1) {
            return Some((k, end, None));
        }
    }
    // "over the summer", "over the holidays": a season to come, no day.
    if word == "over" && w(tokens, k + 1) == "the" && season(w(tokens, k + 2)) {
        return Some((k, k + 3, None));
    }
    if let Some(found) = phrase_at(tokens, k, today).filter(|_| !past_context(tokens, k)) {
        return Some(found);
    }
    // "we'll get it into the next patch release", "in the upcoming
    // sprint": a release still to come.
    if matches!(word, "into" | "in") && w(tokens, k + 1) == "the" && still_to_come(w(tokens, k + 2))
    {
        let end = event_at(tokens, k + 1)?;
        return matches!(
            w(tokens, end - 1),
            "release" | "sprint" | "version" | "patch" | "build" | "train" | "cycle"
        )
        .then_some((k, end, None));
    }
    None
}

/// A deadline tied to an event that ends at `end`, with the event's day
/// when it is said right after it: "before the audit on the twenty
/// seventh", "before the patch drops thursday". Without one the event is
/// kept as said, with no day.
fn event_day(
    tokens: &[Token],
    k: usize,
    end: usize,
    today: Option<Date>,
) -> (usize, usize, Option<Date>) {
    let mut day = end;
    // "on the twenty seventh", "which is the fifth".
    if w(tokens, day) == "on" {
        day += 1;
    } else if w(tokens, day) == "which" && w(tokens, day + 1) == "is" {
        day += 2;
    }
    let said_with = (end..=day).all(|x| joined(tokens, x));
    match phrase_at(tokens, day, today).filter(|found| said_with && found.2.is_some()) {
        Some((_, day_end, date)) => (k, day_end, date),
        None => (k, end, None),
    }
}

/// "the next patch release", "the upcoming audit": an event still to come.
fn still_to_come(word: &str) -> bool {
    matches!(word, "next" | "upcoming")
}

/// A part of the year that work is put off to: "before winter", "over the
/// summer", "before term".
fn season(word: &str) -> bool {
    matches!(
        word,
        "winter" | "summer" | "spring" | "autumn" | "holidays" | "term" | "semester" | "peak"
    )
}

/// A release named by its number at `k` ("patch three point two", "release
/// 42", "version two"): the token after it.
fn version_end(tokens: &[Token], k: usize) -> Option<usize> {
    if !matches!(w(tokens, k), "patch" | "release" | "version" | "build") {
        return None;
    }
    let number = |x: usize| {
        let word = w(tokens, x);
        if !word.is_empty() && word.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Some(x + 1);
        }
        cardinal(tokens, x).map(|(_, end)| end)
    };
    let mut end = number(k + 1)?;
    while matches!(w(tokens, end), "point" | "dot") {
        end = number(end + 1)?;
    }
    Some(end)
}

/// "last friday", "on monday it got to": said of the past.
fn past_context(tokens: &[Token], k: usize) -> bool {
    let before = if k > 0 { w(tokens, k - 1) } else { "" };
    // "the logs from the seventeenth": "the" between.
    let before_the = if k > 1 && before == "the" {
        w(tokens, k - 2)
    } else {
        ""
    };
    matches!(before, "last" | "since" | "from" | "yesterday" | "ago")
        || matches!(before_the, "since" | "from")
        || (k > 0
            && before == "on"
            && k >= 2
            && (matches!(w(tokens, k - 2), "happened" | "was" | "started" | "were")
                // "the ones we dropped on saturday".
                || (w(tokens, k - 2).ends_with("ed") && w(tokens, k - 2).len() > 4)))
}

/// A deadline phrase proper at `k` (no lead word).
fn phrase_at(
    tokens: &[Token],
    k: usize,
    today: Option<Date>,
) -> Option<(usize, usize, Option<Date>)> {
    let word = w(tokens, k);
    let next = w(tokens, k + 1);
    let compute = |f: &dyn Fn(Date) -> Option<Date>| today.and_then(f);
    // "in kw forty two", "calendar week fifty": a week with no one day,
    // unless one is named with it ("kw fifteen the friday", "thursday in kw
    // forty two").
    if let Some((week, end)) = calendar_week(tokens, k) {
        let at = if w(tokens, end) == "the" {
            end + 1
        } else {
            end
        };
        if let Some(day) = weekday(w(tokens, at)) {
            return Some((k, at + 1, compute(&|d| week_day(d, week, day))));
        }
        return Some((k, end, None));
    }
    if let Some(day) = weekday(word).filter(|_| next == "in") {
        if let Some((week, end)) = calendar_week(tokens, k + 2) {
            return Some((k, end, compute(&|d| week_day(d, week, day))));
        }
    }
    // "close of play", "end of business": the end of a working day.
    let of_play = next == "of" && matches!(w(tokens, k + 2), "play" | "business");
    // "the end of the month", "end of next week", "end of day" (but "end
    // of play thursday" is as "close of play", below).
    if (word == "end" && !of_play) || (word == "the" && next == "end") {
        let mut j = if word == "the" { k + 2 } else { k + 1 };
        if w(tokens, j) != "of" {
            // "end of day" without "of" is rare; "week end" not handled.
            return None;
        }
        j += 1;
        if w(tokens, j) == "the" {
            j += 1;
        }
        // "end of kw seventeen": the Friday of that calendar week.
        if let Some((week, end)) = calendar_week(tokens, j) {
            return Some((k, end, compute(&|d| week_day(d, week, Weekday::Friday))));
        }
        let (span_end, date) = period_end(tokens, j, today)?;
        return Some((k, span_end, date));
    }
    // "before month end", "ahead of month-end": the month's last day.
    if (word == "month" && next == "end") || word == "month-end" {
        let end = if word == "month" { k + 2 } else { k + 1 };
        return Some((
            k,
            end,
            compute(&|d| Some(last_of_month(d.year(), d.month()))),
        ));
    }
    // "close of play friday", "cob thursday", "close of business
    // tomorrow": the end of that day (today's when none is said).
    let close = if matches!(word, "close" | "end") && of_play {
        Some(k + 3)
    } else if matches!(word, "cob" | "eod") {
        Some(k + 1)
    } else {
        None
    };
    if let Some(after) = close {
        let then = if w(tokens, after) == "on" {
            after + 1
        } else {
            after
        };
        if let Some(day) = weekday(w(tokens, then)) {
            return Some((k, then + 1, compute(&|d| Some(coming_or_today(d, day)))));
        }
        if w(tokens, then) == "tomorrow" {
            return Some((k, then + 1, compute(&|d| d.next_day())));
        }
        if w(tokens, then) == "today" {
            return Some((k, then + 1, today));
        }
    }
    // "eow": the end of this week, its Friday.
    if word == "eow" {
        return Some((
            k,
            k + 1,
            compute(&|d| Some(coming_or_today(d, Weekday::Friday))),
        ));
    }
    // "the day after tomorrow".
    if word == "day" && next == "after" && w(tokens, k + 2) == "tomorrow" {
        let start = if k > 0 && w(tokens, k - 1) == "the" {
            k - 1
        } else {
            k
        };
        return Some((start, k + 3, compute(&|d| d.checked_add(Duration::days(2)))));
    }
    if word == "eod" || word == "tonight" || word == "today" {
        let end = if word == "today" && w(tokens, k + 1) == "eod" {
            k + 2
        } else {
            k + 1
        };
        return Some((k, end, today));
    }
    if word == "tomorrow" {
        let mut end = k + 1;
        if matches!(
            w(tokens, end),
            "morning" | "afternoon" | "evening" | "night" | "eod"
        ) {
            end += 1;
        } else if w(tokens, end) == "end"
            && w(tokens, end + 1) == "of"
            && w(tokens, end + 2) == "day"
        {
            end += 3;
        }
        return Some((k, end, compute(&|d| d.next_day())));
    }
    if word == "this" && matches!(next, "afternoon" | "evening") {
        return Some((k, k + 2, today));
    }
    if matches!(word, "this" | "next") {
        let that_week = |day: Weekday| {
            if word == "this" {
                compute(&|d| Some(coming(d, day)))
            } else {
                compute(&|d| Some(in_next_week(d, day)))
            }
        };
        if let Some(day) = weekday(next) {
            let end = day_of_month_after(tokens, k + 2).map_or(k + 2, |(e, _)| e);
            return Some((k, end, that_week(day)));
        }
        if next == "week" {
            // "next week wednesday": that day of the week.
            if let Some(day) = weekday(w(tokens, k + 2)).filter(|_| joined(tokens, k + 2)) {
                return Some((k, k + 3, that_week(day)));
            }
            // "this week": its Friday; "next week" names no day.
            let date = if word == "this" {
                compute(&|d| Some(coming_or_today(d, Weekday::Friday)))
            } else {
                None
            };
            return Some((k, k + 2, date));
        }
        if matches!(next, "sprint" | "release" | "month" | "quarter") {
            return Some((k, k + 2, None));
        }
        return None;
    }
    if let Some(day) = weekday(word) {
        // "friday next week", "wednesday the twenty fifth", "friday the thirteenth".
        if w(tokens, k + 1) == "next" && w(tokens, k + 2) == "week" {
            return Some((k, k + 3, compute(&|d| Some(in_next_week(d, day)))));
        }
        if w(tokens, k + 1) == "this" && w(tokens, k + 2) == "week" {
            return Some((k, k + 3, compute(&|d| Some(coming_or_today(d, day)))));
        }
        if let Some((end, (dom, month))) = day_of_month_after(tokens, k + 1) {
            return Some((k, end, compute(&|d| day_in_month(d, dom, month))));
        }
        // "friday october second", "thursday june 4th": the date said
        // after the weekday.
        if month(w(tokens, k + 1)).is_some() {
            if let Some((_, end, Some(date))) = phrase_at(tokens, k + 1, today) {
                return Some((k, end, Some(date)));
            }
        }
        // "wednesday seventeen", "tuesday nineteenth": a number right after
        // the weekday is its day when that day falls on that weekday.
        // A bare number only within two weeks: in "two priya reverses the
        // credits by friday three niamh raises ..." it counts items.
        let spoken = |n: u32, end: usize| Some((u8::try_from(n).ok()?, end, 14));
        let number = cardinal(tokens, k + 1)
            .and_then(|(n, end)| spoken(n, end))
            .or_else(|| ordinal(tokens, k + 1).map(|(dom, end)| (dom, end, 366)));
        if let Some((dom, end, within)) = number.filter(|(dom, _, _)| (1..=31).contains(dom)) {
            let date = compute(&|d| {
                day_in_month(d, dom, None)
                    .filter(|x| x.weekday() == day && (*x - d).whole_days() <= within)
            });
            if date.is_some() {
                return Some((k, end, date));
            }
        }
        return Some((k, k + 1, compute(&|d| Some(coming(d, day)))));
    }
    // "in calendar week twelve", "calendar week 39", "kw twelve": a week
    // by its number, no one day.
    let numbered_week = |j: usize| {
        let n = if w(tokens, j) == "calendar" && w(tokens, j + 1) == "week" {
            j + 2
        } else if matches!(w(tokens, j), "kw" | "cw") {
            j + 1
        } else {
            return None;
        };
        cardinal(tokens, n).map(|(_, end)| end).or_else(|| {
            w(tokens, n)
                .parse::<u8>()
                .ok()
                .filter(|week| (1..=53).contains(week))
                .map(|_| n + 1)
        })
    };
    if let Some(end) = numbered_week(k).or_else(|| {
        if word == "in" {
            numbered_week(k + 1)
        } else {
            None
        }
    }) {
        return Some((k, end, None));
    }
    // "in q three", "q3": a quarter named, no one day.
    let quarter = |j: usize| {
        (w(tokens, j) == "q" && matches!(w(tokens, j + 1), "one" | "two" | "three" | "four"))
            .then_some(j + 2)
            .or_else(|| matches!(w(tokens, j), "q1" | "q2" | "q3" | "q4").then_some(j + 1))
    };
    if let Some(end) = quarter(k).or_else(|| if word == "in" { quarter(k + 1) } else { None }) {
        return Some((k, end, None));
    }
    // "in april", "sometime in october": a month, no one day. Not one of
    // the three months just gone: "in april" said in May is the April
    // before.
    if word == "in" {
        if let Some(named) = month(next) {
            let not_just_gone = today.is_none_or(|d| {
                let ahead = (named as i32 - d.month() as i32).rem_euclid(12);
                ahead <= 8
            });
            if not_just_gone {
                return Some((k, k + 2, None));
            }
        }
    }
    // "in two weeks", "two weeks", "within twenty four hours", "a week".
    if word == "in" || word == "within" {
        let (end, span) = span_of_time(tokens, k + 1)?;
        return Some((k, end, compute(&|d| span.after(d))));
    }
    if let Some((end, span)) = span_of_time(tokens, k) {
        // Bare "two weeks" only after "give me", "take", "need", or as the
        // whole answer; otherwise it is a duration ("for two weeks").
        let before = if k > 0 { w(tokens, k - 1) } else { "" };
        let bare_ok = k == 0
            || tokens[k].boundary != Boundary::None
            || matches!(before, "me" | "need" | "say" | "about" | "roughly" | "so");
        if bare_ok && !matches!(before, "for" | "last" | "past") {
            return Some((k, end, compute(&|d| span.after(d))));
        }
        return None;
    }
    // "fifth of next month", "the fifteenth of this month".
    let start = if word == "the" { k + 1 } else { k };
    if let Some((dom, end)) = ordinal(tokens, start) {
        if w(tokens, end) == "of"
            && matches!(w(tokens, end + 1), "this" | "next")
            && w(tokens, end + 2) == "month"
        {
            let ahead = w(tokens, end + 1) == "next";
            let date = compute(&|d| {
                let (y, m) = if ahead {
                    next_month(d.year(), d.month())
                } else {
                    (d.year(), d.month())
                };
                Date::from_calendar_date(y, m, dom).ok()
            });
            return Some((k, end + 3, date));
        }
    }
    // "the twenty third", "the third of march", "march third", "the 23rd".
    if let Some((end, (dom, month))) = day_of_month(tokens, k) {
        return Some((k, end, compute(&|d| day_in_month(d, dom, month))));
    }
    if let Some(month) = month(word) {
        if let Some((end, (dom, _))) = day_of_month(tokens, k + 1) {
            return Some((k, end, compute(&|d| day_in_month(d, dom, Some(month)))));
        }
    }
    // "after the holidays", "first week of january", "end of quarter" are
    // handled above or left alone; "after" phrases name no day.
    if word == "after" {
        return event_at(tokens, k + 1).map(|end| (k, end, None));
    }
    // "the weekend", "this weekend": no one day.
    if matches!(word, "the" | "this") && next == "weekend" {
        return Some((k, k + 2, None));
    }
    if word == "first"
        && next == "week"
        && w(tokens, k + 2) == "of"
        && month(w(tokens, k + 3)).is_some()
    {
        return Some((k, k + 4, None));
    }
    None
}

/// An event a deadline is tied to, at `k` after "before" or "after": "the
/// patch", "the next go-live", "the council meets", "launch". One past its
/// end, or `None` when the words name no coming event ("before the
/// incident", "after that").
fn event_at(tokens: &[Token], k: usize) -> Option<usize> {
    let mut j = k;
    if w(tokens, j) == "the" {
        j += 1;
    }
    if matches!(w(tokens, j), "next" | "big" | "new" | "upcoming") {
        j += 1;
    }
    let start = j;
    // "before patch three point two": a release named by its number.
    if let Some(end) = version_end(tokens, start) {
        return Some(end);
    }
    // Past events and events of the incident itself are not deadlines.
    const NOT_EVENTS: &[&str] = &[
        "incident",
        "outage",
        "page",
        "pages",
        "alert",
        "alerts",
        "failover",
        "fix",
        "crash",
        "spike",
        "rollback",
        "restart",
        "deploy",
        "migration",
        "one",
        "other",
        "time",
        "end",
        "start",
        "first",
        "last",
        "same",
        "call",
        "meeting",
        "review",
        "thing",
        "issue",
    ];
    // "the april roster goes out": a month naming an event, not a day.
    let month_first = month(w(tokens, start)).is_some();
    while j < tokens.len()
        && j < start + 3
        && joined(tokens, j)
        && tokens[j].boundary == Boundary::None
        // "the review" is this meeting; "the resilience review" is not.
        && !(NOT_EVENTS.contains(&w(tokens, j)) && (j == start || w(tokens, j) != "review"))
        && !matches!(
            w(tokens, j),
            "the"
                | "a"
                | "and"
                | "or"
                | "so"
                | "but"
                | "if"
                | "i"
                | "we"
                | "you"
                | "it"
                | "that"
                | "this"
                | "is"
                | "are"
                | "was"
                | "were"
                | "to"
                | "of"
                | "on"
                | "in"
                | "at"
                | "for"
                | "with"
                | "then"
                | "which"
                | "because"
                | "um"
                | "just"
                | "not"
                | "anyone"
                | "anything"
                | "everyone"
                | "they"
                | "he"
                | "she"
                | "there"
                | "owner"
                | "due"
                | "by"
        )
    {
        j += 1;
        // "the council meets": the verb ends the event.
        if w(tokens, j - 1).ends_with('s') && j > start + 1 {
            break;
        }
    }
    // "before progress reports go out", "before the roster goes live".
    let said_on =
        |x: usize| x < tokens.len() && joined(tokens, x) && tokens[x].boundary == Boundary::None;
    if j > start
        && matches!(w(tokens, j), "go" | "goes")
        && matches!(w(tokens, j + 1), "out" | "live")
        && said_on(j)
        && said_on(j + 1)
    {
        j += 2;
    } else if j > start
        && matches!(w(tokens, j - 1), "go" | "goes")
        && matches!(w(tokens, j), "out" | "live")
        && said_on(j)
    {
        j += 1;
    }
    // "before the patch went out": said of the past; "before the planned
    // shutdown" names one.
    let past = (start..=j).any(|x| {
        let word = w(tokens, x);
        (word.ends_with("ed") && word.len() > 4 && !(x == start && x + 1 < j))
            || matches!(word, "went" | "was" | "were" | "came" | "hit" | "broke")
    });
    let first = w(tokens, start);
    if past || j == start || weekday(first).is_some() {
        return None;
    }
    let named = |end: usize| {
        w(tokens, k) == "the"
            || matches!(first, "launch" | "release" | "go" | "christmas")
            // "after eid", "before diwali": a holiday by its name.
            || (matches!(
                first,
                "easter"
                    | "eid"
                    | "diwali"
                    | "ramadan"
                    | "thanksgiving"
                    | "hanukkah"
                    | "passover"
                    | "carnival"
                    | "hogmanay"
                    | "navratri"
                    | "pongal"
                    | "onam"
            ))
            // "before winter", "before term".
            || (season(first) && end == start + 1)
            // "before four two ships": a version that ships.
            || matches!(w(tokens, end - 1), "ships" | "lands" | "launches" | "releases")
            // "before grades close", "before progress reports go out",
            // "before winter break", "before code freeze".
            || (end > start + 1
                && matches!(
                    w(tokens, end - 1),
                    "out"
                        | "live"
                        | "close"
                        | "closes"
                        | "opens"
                        | "starts"
                        | "begins"
                        | "break"
                        | "freeze"
                        | "night"
                ))
            // "before michaelmas term", "before trinity term", "before
            // sprint review", "before quarterly planning".
            || (end > start + 1
                && matches!(
                    w(tokens, end - 1),
                    "term" | "semester" | "review" | "planning" | "demo" | "audit" | "inspection"
                ))
    };
    // The longest span that names an event: "before winter break like i
    // always do" ends at "break".
    let end = (start + 1..=j).rev().find(|&end| named(end))?;
    let month_day = month_first && end <= start + 1;
    (!month_day).then_some(end)
}

/// After "end of [the]": the period and the token after it.
fn period_end(tokens: &[Token], j: usize, today: Option<Date>) -> Option<(usize, Option<Date>)> {
    let word = w(tokens, j);
    let next = w(tokens, j + 1);
    let compute = |f: &dyn Fn(Date) -> Option<Date>| today.and_then(f);
    match word {
        // "end of day tomorrow".
        "day" if next == "tomorrow" => Some((j + 2, today.and_then(|d| d.next_day()))),
        "day" | "today" => Some((j + 1, today)),
        "week" => Some((
            j + 1,
            compute(&|d| Some(coming_or_today(d, Weekday::Friday))),
        )),
        "month" => Some((
            j + 1,
            compute(&|d| Some(last_of_month(d.year(), d.month()))),
        )),
        "quarter" => Some((j + 1, compute(&|d| Some(quarter_end(d))))),
        "sprint" | "release" | "year" => Some((
            j + 1,
            if word == "year" {
                compute(&|d| Date::from_calendar_date(d.year(), Month::December, 31).ok())
            } else {
                None
            },
        )),
        "this" | "next" => {
            let later = word == "next";
            match next {
                "week" => Some((
                    j + 2,
                    compute(&|d| {
                        Some(if later {
                            in_next_week(d, Weekday::Friday)
                        } else {
                            coming_or_today(d, Weekday::Friday)
                        })
                    }),
                )),
                "month" => Some((
                    j + 2,
                    compute(&|d| {
                        let (y, m) = if later {
                            next_month(d.year(), d.month())
                        } else {
                            (d.year(), d.month())
                        };
                        Some(last_of_month(y, m))
                    }),
                )),
                "quarter" => Some((
                    j + 2,
                    compute(&|d| {
                        let end = quarter_end(d);
                        if later {
                            end.next_day().map(quarter_end)
                        } else {
                            Some(end)
                        }
                    }),
                )),
                "sprint" => Some((j + 2, None)),
                _ => None,
            }
        }
        _ => {
            let m = month(word)?;
            Some((
                j + 1,
                compute(&|d| {
                    let year = if (m as u8) < (d.month() as u8) {
                        d.year() + 1
                    } else {
                        d.year()
                    };
                    Some(last_of_month(year, m))
                }),
            ))
        }
    }
}

/// A stretch of time from the meeting: days, or working days ("within two
/// working days" skips the weekend).
#[derive(Debug, Clone, Copy)]
struct Span {
    days: i64,
    working: bool,
}

impl Span {
    /// The day the stretch ends, counted from `today`.
    fn after(self, today: Date) -> Option<Date> {
        if !self.working {
            return today.checked_add(Duration::days(self.days));
        }
        let mut day = today;
        let mut left = self.days;
        while left > 0 {
            day = day.next_day()?;
            if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
                left -= 1;
            }
        }
        Some(day)
    }
}

/// "two weeks", "a week", "three days", "twenty four hours", "a couple of days".
fn span_of_time(tokens: &[Token], k: usize) -> Option<(usize, Span)> {
    let mut j = k;
    let mut n = if w(tokens, j) == "a" && w(tokens, j + 1) == "couple" {
        j += 2;
        if w(tokens, j) == "of" {
            j += 1;
        }
        2
    } else if matches!(w(tokens, j), "a" | "one") {
        j += 1;
        1
    } else {
        let (value, end) = cardinal(tokens, j)?;
        j = end;
        value
    };
    let working = matches!(w(tokens, j), "business" | "working");
    if working {
        j += 1;
    }
    let days = match w(tokens, j) {
        "day" | "days" => n,
        "week" | "weeks" => {
            n *= 7;
            n
        }
        "hours" | "hour" => n.div_ceil(24),
        _ => return None,
    };
    let working = working && matches!(w(tokens, j), "day" | "days");
    Some((
        j + 1,
        Span {
            days: i64::from(days),
            working,
        },
    ))
}

/// A cardinal number in words or digits at `k`: its value and end.
fn cardinal(tokens: &[Token], k: usize) -> Option<(u32, usize)> {
    let word = w(tokens, k);
    if let Ok(n) = word.parse::<u32>() {
        return Some((n, k + 1));
    }
    let units = |s: &str| -> Option<u32> {
        Some(match s {
            "one" => 1,
            "two" => 2,
            "three" => 3,
            "four" => 4,
            "five" => 5,
            "six" => 6,
            "seven" => 7,
            "eight" => 8,
            "nine" => 9,
            _ => return None,
        })
    };
    let tens_of = |s: &str| -> Option<u32> {
        Some(match s {
            "twenty" => 20,
            "thirty" => 30,
            "forty" => 40,
            "fifty" => 50,
            "seventy" => 70,
            _ => return None,
        })
    };
    // "forty-eight", as a recogniser may write it.
    if let Some((t, u)) = word.split_once('-') {
        return Some((tens_of(t)? + units(u)?, k + 1));
    }
    let tens = match word {
        "ten" => return Some((10, k + 1)),
        "eleven" => return Some((11, k + 1)),
        "twelve" => return Some((12, k + 1)),
        "thirteen" => return Some((13, k + 1)),
        "fourteen" => return Some((14, k + 1)),
        "fifteen" => return Some((15, k + 1)),
        "sixteen" => return Some((16, k + 1)),
        "seventeen" => return Some((17, k + 1)),
        "eighteen" => return Some((18, k + 1)),
        "nineteen" => return Some((19, k + 1)),
        _ => match tens_of(word) {
            Some(t) => t,
            None => return units(word).map(|u| (u, k + 1)),
        },
    };
    match units(w(tokens, k + 1)) {
        Some(u) => Some((tens + u, k + 2)),
        None => Some((tens, k + 1)),
    }
}

/// An ordinal (day of month) in words or digits at `k`: its value and end.
fn ordinal(tokens: &[Token], k: usize) -> Option<(u8, usize)> {
    let word = w(tokens, k);
    let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        let rest = &word[digits.len()..];
        if matches!(rest, "st" | "nd" | "rd" | "th") {
            return digits
                .parse()
                .ok()
                .filter(|d| (1..=31).contains(d))
                .map(|d| (d, k + 1));
        }
        return None;
    }
    let simple = |s: &str| -> Option<u8> {
        Some(match s {
            "first" => 1,
            "second" => 2,
            "third" => 3,
            "fourth" => 4,
            "fifth" => 5,
            "sixth" => 6,
            "seventh" => 7,
            "eighth" => 8,
            "ninth" => 9,
            "tenth" => 10,
            "eleventh" => 11,
            "twelfth" => 12,
            "thirteenth" => 13,
            "fourteenth" => 14,
            "fifteenth" => 15,
            "sixteenth" => 16,
            "seventeenth" => 17,
            "eighteenth" => 18,
            "nineteenth" => 19,
            "twentieth" => 20,
            "thirtieth" => 30,
            _ => return None,
        })
    };
    if let Some(n) = simple(word) {
        return Some((n, k + 1));
    }
    let tens = |s: &str| match s {
        "twenty" => Some(20),
        "thirty" => Some(30),
        _ => None,
    };
    // "twenty-fifth", as a recogniser may write it.
    if let Some((t, u)) = word.split_once('-') {
        let unit = simple(u).filter(|u| *u < 10)?;
        return Some((tens(t)? + unit, k + 1));
    }
    let unit = simple(w(tokens, k + 1)).filter(|u| *u < 10)?;
    Some((tens(word)? + unit, k + 2))
}

/// "the twenty third", "the third of march", "3rd", "twelfth of june".
fn day_of_month(tokens: &[Token], k: usize) -> Option<(usize, (u8, Option<Month>))> {
    let start = if w(tokens, k) == "the" { k + 1 } else { k };
    let (dom, mut end) = ordinal(tokens, start).or_else(|| plain_day(tokens, start))?;
    // A bare ordinal without "the" is too ambiguous ("first", "second").
    if start == k
        && !tokens[k]
            .norm
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    {
        // "june twelfth" reaches here through the month branch; "twenty
        // seventh" and "eighteenth" are days on their own, "second" is not.
        let compound = end > start + 1;
        // "first of july", "second march": its month makes it a day.
        let month_after = month_at(tokens, end).is_some();
        if !(compound || month_after || k > 0 && month(w(tokens, k - 1)).is_some()) && dom < 10 {
            return None;
        }
    }
    // "the first week of january" is not a day.
    if matches!(
        w(tokens, end),
        "week" | "time" | "thing" | "one" | "step" | "version" | "page" | "item" | "run"
    ) {
        return None;
    }
    let mut m = None;
    if let Some((found, after)) = month_at(tokens, end) {
        m = Some(found);
        end = after;
    }
    let _ = joined;
    Some((end, (dom, m)))
}

/// The month said at `j`, bare or after "of" ("march", "of march"), and
/// one past it.
fn month_at(tokens: &[Token], j: usize) -> Option<(Month, usize)> {
    if w(tokens, j) == "of" {
        month(w(tokens, j + 1)).map(|m| (m, j + 2))
    } else {
        month(w(tokens, j)).map(|m| (m, j + 1))
    }
}

/// A day of the month in plain digits, as a recogniser writes it: only
/// with its month beside it ("the 25 of march", "25 march", "march 25"),
/// since a bare number is as likely a time or a count.
fn plain_day(tokens: &[Token], k: usize) -> Option<(u8, usize)> {
    let word = w(tokens, k);
    if word.is_empty() || !word.chars().all(|c| c.is_ascii_digit()) || word.len() > 2 {
        return None;
    }
    let dom: u8 = word.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month_after = month_at(tokens, k + 1).is_some();
    let month_before = k > 0 && month(w(tokens, k - 1)).is_some();
    (month_after || month_before).then_some((dom, k + 1))
}

/// "the twenty fifth" right after a weekday; there a second-language
/// speaker's "the twenty three" or "the two" is a day as well.
fn day_of_month_after(tokens: &[Token], k: usize) -> Option<(usize, (u8, Option<Month>))> {
    if w(tokens, k) != "the" {
        return None;
    }
    day_of_month(tokens, k).or_else(|| {
        let (n, mut end) = cardinal(tokens, k + 1)?;
        let dom = u8::try_from(n).ok().filter(|d| (1..=31).contains(d))?;
        let mut m = None;
        if w(tokens, end) == "of" {
            if let Some(found) = month(w(tokens, end + 1)) {
                m = Some(found);
                end += 2;
            }
        }
        Some((end, (dom, m)))
    })
}

/// A week by its number, as said in much of Europe: "kw 14", "cw
/// fifteen", "calendar week thirty nine". The number and one past its end.
fn calendar_week(tokens: &[Token], k: usize) -> Option<(u8, usize)> {
    let from = match w(tokens, k) {
        "kw" | "cw" | "kalenderwoche" => k + 1,
        "calendar" if w(tokens, k + 1) == "week" => k + 2,
        _ => return None,
    };
    let (n, end) = cardinal(tokens, from)?;
    let week = u8::try_from(n).ok().filter(|n| (1..=53).contains(n))?;
    Some((week, end))
}

/// That day of the numbered week, in the meeting's year or, when that
/// day has passed, the next.
fn week_day(today: Date, week: u8, day: Weekday) -> Option<Date> {
    let this_year = Date::from_iso_week_date(today.year(), week, day).ok();
    match this_year {
        Some(d) if d >= today => Some(d),
        _ => Date::from_iso_week_date(today.year() + 1, week, day).ok(),
    }
}

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word.trim_end_matches("s") {
        "monday" | "mon" => Weekday::Monday,
        "tuesday" | "tue" => Weekday::Tuesday,
        "wednesday" | "wed" => Weekday::Wednesday,
        "thursday" | "thu" | "thur" => Weekday::Thursday,
        "friday" | "fri" => Weekday::Friday,
        "saturday" => Weekday::Saturday,
        "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

fn month(word: &str) -> Option<Month> {
    Some(match word {
        "january" => Month::January,
        "february" => Month::February,
        "march" => Month::March,
        "april" => Month::April,
        "may" => Month::May,
        "june" => Month::June,
        "july" => Month::July,
        "august" => Month::August,
        "september" => Month::September,
        "october" => Month::October,
        "november" => Month::November,
        "december" => Month::December,
        _ => return None,
    })
}

/// The next `day` after `today` (a week on if today is that day).
fn coming(today: Date, day: Weekday) -> Date {
    let mut d = today.next_day().unwrap_or(today);
    while d.weekday() != day {
        d = d.next_day().unwrap_or(d);
    }
    d
}

/// `day` of this week if still ahead or today, else of next week.
fn coming_or_today(today: Date, day: Weekday) -> Date {
    if today.weekday() == day {
        today
    } else {
        coming(today, day)
    }
}

/// `day` in the week (Monday to Sunday) after this one.
fn in_next_week(today: Date, day: Weekday) -> Date {
    let monday = coming(today, Weekday::Monday);
    let mut d = monday;
    while d.weekday() != day {
        d = d.next_day().unwrap_or(d);
    }
    d
}

/// Day `dom` of `month`, or of this month if still ahead, else next month.
fn day_in_month(today: Date, dom: u8, month: Option<Month>) -> Option<Date> {
    match month {
        Some(m) => {
            let year = if (m as u8) < (today.month() as u8) {
                today.year() + 1
            } else {
                today.year()
            };
            Date::from_calendar_date(year, m, dom).ok()
        }
        None => {
            if dom >= today.day() {
                Date::from_calendar_date(today.year(), today.month(), dom).ok()
            } else {
                let (y, m) = next_month(today.year(), today.month());
                Date::from_calendar_date(y, m, dom).ok()
            }
        }
    }
}

fn next_month(year: i32, month: Month) -> (i32, Month) {
    if month == Month::December {
        (year + 1, Month::January)
    } else {
        (year, month.next())
    }
}

fn last_of_month(year: i32, month: Month) -> Date {
    let (y, m) = next_month(year, month);
    Date::from_calendar_date(y, m, 1)
        .ok()
        .and_then(Date::previous_day)
        .unwrap_or(Date::MIN)
}

fn quarter_end(d: Date) -> Date {
    let q_last = match d.month() as u8 {
        1..=3 => Month::March,
        4..=6 => Month::June,
        7..=9 => Month::September,
        _ => Month::December,
    };
    last_of_month(d.year(), q_last)
}

fn text_of(tokens: &[Token], start: usize, end: usize, chars: &[char]) -> String {
    if start >= end || end > tokens.len() {
        return String::new();
    }
    chars[tokens[start].start..tokens[end - 1].end]
        .iter()
        .collect::<String>()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::tokenize;
    use time::macros::date;

    fn due(text: &str, today: Date) -> (String, Option<String>) {
        let tokens = tokenize(text);
        let chars: Vec<char> = text.chars().collect();
        let found = find_dues(&tokens, &chars, Some(today));
        let last = found.last().unwrap_or_else(|| panic!("no due in {text:?}"));
        (last.phrase.clone(), last.date.map(|d| d.to_string()))
    }

    /// Every deadline phrase found in `text`.
    fn phrases(text: &str, today: Date) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        find_dues(&tokenize(text), &chars, Some(today))
            .into_iter()
            .map(|d| d.phrase)
            .collect()
    }

    #[test]
    fn phrases_become_dates_from_the_meeting_date() {
        let tue = date!(2026 - 03 - 10);
        let thu = date!(2026 - 06 - 18);
        for (text, today, phrase, want) in [
            (
                "uh friday. it's a config change",
                tue,
                "friday",
                Some("2026-03-13"),
            ),
            (
                "by next Wednesday",
                thu,
                "next Wednesday",
                Some("2026-06-24"),
            ),
            (
                "until next Thursday I think",
                thu,
                "next Thursday",
                Some("2026-06-25"),
            ),
            (
                "wednesday next week",
                date!(2026 - 02 - 17),
                "wednesday next week",
                Some("2026-02-25"),
            ),
            (
                "end of next week",
                date!(2026 - 09 - 24),
                "end of next week",
                Some("2026-10-02"),
            ),
            (
                "by the end of the month",
                thu,
                "the end of the month",
                Some("2026-06-30"),
            ),
            (
                "the third of march",
                date!(2026 - 02 - 17),
                "the third of march",
                Some("2026-03-03"),
            ),
            (
                "by the twenty eighth so",
                date!(2026 - 10 - 21),
                "the twenty eighth",
                Some("2026-10-28"),
            ),
            // Numbers written with a hyphen, and the month said as "this".
            (
                "i'll run it, by the twenty-sixth",
                date!(2026 - 06 - 16),
                "the twenty-sixth",
                Some("2026-06-26"),
            ),
            (
                "i'll have it live by the twenty-fifth of this month",
                date!(2026 - 03 - 17),
                "the twenty-fifth of this month",
                Some("2026-03-25"),
            ),
            (
                "within forty-eight hours",
                date!(2026 - 05 - 20),
                "within forty-eight hours",
                Some("2026-05-22"),
            ),
            (
                "have it up eod tmrw",
                date!(2026 - 03 - 10),
                "eod tmrw",
                Some("2026-03-11"),
            ),
            (
                "reconcile the results, end of day tomorrow",
                date!(2026 - 03 - 17),
                "end of day tomorrow",
                Some("2026-03-18"),
            ),
            (
                "give me two weeks",
                date!(2026 - 05 - 20),
                "two weeks",
                Some("2026-06-03"),
            ),
            (
                "within twenty four hours",
                tue,
                "within twenty four hours",
                Some("2026-03-11"),
            ),
            (
                "tomorrow end of day",
                tue,
                "tomorrow end of day",
                Some("2026-03-11"),
            ),
            (
                "end of march",
                date!(2026 - 02 - 18),
                "end of march",
                Some("2026-03-31"),
            ),
            (
                "by end of quarter",
                date!(2026 - 06 - 23),
                "end of quarter",
                Some("2026-06-30"),
            ),
            (
                "after the holidays",
                date!(2026 - 12 - 17),
                "after the holidays",
                None,
            ),
            (
                "by the thirtieth of the month",
                date!(2026 - 11 - 03),
                "the thirtieth",
                Some("2026-11-30"),
            ),
            (
                "Tuesday",
                date!(2026 - 12 - 17),
                "Tuesday",
                Some("2026-12-22"),
            ),
            (
                "a draft ahead of the autumn resilience review",
                tue,
                "ahead of the autumn resilience review",
                None,
            ),
            ("ahead of friday", tue, "friday", Some("2026-03-13")),
            // Second-language days: a number after the weekday.
            (
                "i do it until wednesday the seventeen",
                date!(2026 - 06 - 09),
                "wednesday the seventeen",
                Some("2026-06-17"),
            ),
            (
                "wednesday seventeen fine",
                date!(2026 - 06 - 09),
                "wednesday seventeen",
                Some("2026-06-17"),
            ),
            (
                "would close of play friday be all right",
                date!(2026 - 02 - 10),
                "close of play friday",
                Some("2026-02-13"),
            ),
            (
                "uh give me till end of play thursday",
                date!(2026 - 02 - 09),
                "end of play thursday",
                Some("2026-02-12"),
            ),
            ("cob thursday", tue, "cob thursday", Some("2026-03-12")),
            (
                "i'll add the job before four two ships",
                tue,
                "before four two ships",
                None,
            ),
            (
                "i send it next week wednesday",
                date!(2026 - 06 - 17),
                "next week wednesday",
                Some("2026-06-24"),
            ),
            (
                "i change it in calendar week thirty nine",
                date!(2026 - 09 - 15),
                "in calendar week thirty nine",
                None,
            ),
            ("the walk through in kw 16", tue, "in kw 16", None),
            (
                "a full rehearsal before election night on the seventh",
                date!(2026 - 04 - 27),
                "before election night on the seventh",
                Some("2026-05-07"),
            ),
            // An event with its day said after it: the day is the date.
            (
                "i'll add them to the backup panel before the audit on the twenty seventh",
                date!(2026 - 03 - 12),
                "before the audit on the twenty seventh",
                Some("2026-03-27"),
            ),
            (
                "can it land before the patch drops thursday",
                date!(2026 - 01 - 06),
                "before the patch drops thursday",
                Some("2026-01-08"),
            ),
            (
                "before the april roster goes out",
                tue,
                "before the april roster goes out",
                None,
            ),
            (
                "before progress reports go out",
                tue,
                "before progress reports go out",
                None,
            ),
            ("before winter break", tue, "before winter break", None),
            ("sometime in october", tue, "in october", None),
            (
                "by the next patch release",
                tue,
                "by the next patch release",
                None,
            ),
            ("in april", tue, "in april", None),
            (
                "we'll get it into the next patch release",
                tue,
                "into the next patch release",
                None,
            ),
            ("in the upcoming sprint", tue, "in the upcoming sprint", None),
            (
                "before winter break like i always do",
                tue,
                "before winter break",
                None,
            ),
            ("before code freeze", tue, "before code freeze", None),
            ("before peak", tue, "before peak", None),
            (
                "before month end",
                date!(2026 - 11 - 12),
                "month end",
                Some("2026-11-30"),
            ),
            (
                "within two working days",
                date!(2026 - 02 - 27),
                "within two working days",
                Some("2026-03-03"),
            ),
            (
                "the canary friday october second",
                date!(2026 - 09 - 09),
                "friday october second",
                Some("2026-10-02"),
            ),
            ("check the batteries before winter", tue, "before winter", None),
            ("before term starts", tue, "before term starts", None),
            ("i'll fix it over the summer", tue, "over the summer", None),
            (
                "the scenario goes in with patch three point two",
                tue,
                "with patch three point two",
                None,
            ),
            ("before version two", tue, "before version two", None),
            ("let's say eow", tue, "eow", Some("2026-03-13")),
            (
                "give me till fifth of next month",
                tue,
                "fifth of next month",
                Some("2026-04-05"),
            ),
            (
                "by fifteenth of this month",
                tue,
                "fifteenth of this month",
                Some("2026-03-15"),
            ),
            (
                "revert back by day after tomorrow",
                tue,
                "day after tomorrow",
                Some("2026-03-12"),
            ),
            (
                "i'll the replay script for the ones we dropped on saturday have it end of next week",
                date!(2026 - 06 - 08),
                "end of next week",
                Some("2026-06-19"),
            ),
            // Not a day when it is not that weekday's.
            (
                "friday two of us are off",
                date!(2026 - 06 - 09),
                "friday",
                Some("2026-06-12"),
            ),
            (
                "rewrite the sop before the planned shutdown",
                tue,
                "before the planned shutdown",
                None,
            ),
            // Nor when it is weeks away: a numbered read-back's next item.
            (
                "two priya reverses the credits by friday three niamh raises the change",
                date!(2026 - 03 - 17),
                "friday",
                Some("2026-03-20"),
            ),
        ] {
            let (p, d) = due(text, today);
            assert_eq!((p.as_str(), d.as_deref()), (phrase, want), "{text:?}");
        }
    }

    #[test]
    fn past_days_are_not_deadlines() {
        for text in [
            "i added it last friday",
            "rajesh sends the api logs from the seventeenth",
        ] {
            let tokens = tokenize(text);
            let chars: Vec<char> = text.chars().collect();
            let found = find_dues(&tokens, &chars, None);
            assert!(found.is_empty(), "{text:?}: {:?}", found.len());
        }
        // Any such day is no deadline either.
        for text in [
            "they never pick up on a tuesday anyway",
            "the batch runs every friday",
            "a load test at three times the black friday peak",
        ] {
            let chars: Vec<char> = text.chars().collect();
            let found = find_dues(&tokenize(text), &chars, None);
            assert!(found.is_empty(), "{text:?}: {:?}", found.len());
        }
        // A month just gone is behind, not ahead.
        let text = "we had the same thing in april";
        let chars: Vec<char> = text.chars().collect();
        let may = date!(2026 - 05 - 14);
        assert!(find_dues(&tokenize(text), &chars, Some(may)).is_empty());
    }

    #[test]
    fn a_small_day_without_the_is_a_day_beside_its_month() {
        // "first of july" read back without "the": its month makes it a day.
        let mon = date!(2026 - 06 - 22);
        for (text, phrase, want) in [
            (
                "bram disk alarms in scada first of july",
                "first of july",
                "2026-07-01",
            ),
            (
                "kasia the test sms second july",
                "second july",
                "2026-07-02",
            ),
        ] {
            assert_eq!(
                due(text, mon),
                (phrase.to_string(), Some(want.to_string())),
                "{text:?}"
            );
        }
        // Alone, a small ordinal is an order, not a day.
        assert!(phrases("first we fix the alarms, second the backups", mon).is_empty());
    }

    #[test]
    fn a_named_review_or_planning_is_an_event_without_the() {
        let tue = date!(2026 - 10 - 06);
        for (text, phrase) in [
            (
                "yep i'll write it before sprint review",
                "before sprint review",
            ),
            (
                "we do it before quarterly planning",
                "before quarterly planning",
            ),
        ] {
            assert_eq!(due(text, tue), (phrase.to_string(), None), "{text:?}");
        }
        // "before review" alone is this meeting's.
        assert!(phrases("can we get this done before review", tue).is_empty());
    }

    #[test]
    fn the_next_event_the_work_is_for_is_its_deadline() {
        let tue = date!(2026 - 10 - 06);
        for (text, phrase) in [
            (
                "i'll knock up a diagram for the next clinical safety board",
                "for the next clinical safety board",
            ),
            (
                "a named person on the rota for the next big night",
                "for the next big night",
            ),
        ] {
            assert_eq!(due(text, tue), (phrase.to_string(), None), "{text:?}");
        }
        // A duration is no deadline.
        for text in [
            "i'm on call for the next two weeks",
            "for the next few days we watch it",
        ] {
            assert!(phrases(text, tue).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn a_holiday_by_its_name_is_an_event() {
        let tue = date!(2026 - 03 - 03);
        for (text, phrase) in [
            ("wanjiru the full training after eid", "after eid"),
            ("we patch it before diwali", "before diwali"),
        ] {
            assert_eq!(due(text, tue), (phrase.to_string(), None), "{text:?}");
        }
    }

    #[test]
    fn calendar_weeks_by_number() {
        // Said as in much of Europe; a week alone names no one day.
        let tue = date!(2026 - 10 - 06);
        for (text, phrase, want) in [
            (
                "to the end of kw seventeen it is ready",
                "the end of kw seventeen",
                Some("2027-04-30"),
            ),
            (
                "the test is thursday in kw forty two",
                "thursday in kw forty two",
                Some("2026-10-15"),
            ),
            (
                "kw fifty the friday, okay",
                "kw fifty the friday",
                Some("2026-12-11"),
            ),
            (
                "i write the templates in calendar week fifty",
                "in calendar week fifty",
                None,
            ),
        ] {
            assert_eq!(
                due(text, tue),
                (phrase.to_string(), want.map(str::to_string)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn days_in_digits_need_their_month() {
        // A recogniser writes "the 25 of march" and "march 25" in digits.
        let tue = date!(2026 - 03 - 10);
        for (text, phrase, want) in [
            (
                "i add it for the 25 of march",
                "the 25 of march",
                "2026-03-25",
            ),
            ("done by 3 april at the latest", "3 april", "2026-04-03"),
            ("we can ship it march 27", "march 27", "2026-03-27"),
        ] {
            assert_eq!(
                due(text, tue),
                (phrase.to_string(), Some(want.to_string())),
                "{text:?}"
            );
        }
        // Without one a number is a count or a time.
        for text in ["we lost 25 orders", "the call is at 10 tomorrow", "page 12"] {
            let chars: Vec<char> = text.chars().collect();
            let found = find_dues(&tokenize(text), &chars, Some(tue));
            assert!(
                found.iter().all(|d| !d.phrase.contains(char::is_numeric)),
                "{text:?}: {:?}",
                found.iter().map(|d| &d.phrase).collect::<Vec<_>>()
            );
        }
        // A term named before "term" is an event, with no day.
        assert_eq!(
            due("i'll have the note ready before michaelmas term", tue),
            ("before michaelmas term".to_string(), None)
        );
    }
}
