//! Whose act is blamed: "Dan pushed it without review" is blame when
//! someone else says it, and self-reflection when Dan says it.
//!
//! The rules already read "I pushed it without review" as the speaker
//! talking about themselves; a person speaking of themselves by name needs
//! the speaker's name, which only attribution knows. So this runs after
//! tagging (rules and learned layer alike), on the turn's blame evidence.

use super::text::{tokenize, Boundary, Token};
use super::{Label, Tag};

/// Removes a blame tag whose evidence is about the speaker: at least one
/// evidence span names the speaker (their first name) as the first person
/// it mentions, and no span names someone else first. Pronouns ("that's on
/// him") do not decide either way. `names` are the meeting's participants,
/// in lower case; `speaker` is the turn's speaker, if it is a name (a voice
/// id like `S2` names nobody).
pub fn drop_self_blame(tags: &mut Vec<Tag>, text: &str, speaker: Option<&str>, names: &[String]) {
    let Some(first_name) = speaker.and_then(first_name) else {
        return;
    };
    let Some(blame) = tags.iter().position(|t| t.label == Label::Blame) else {
        return;
    };
    let tokens = tokenize(text);
    let is_name = |t: &Token| t.norm == first_name || t.capitalised || names.contains(&t.norm);
    let (mut about_speaker, mut about_other) = (false, false);
    for &[start, end] in &tags[blame].evidence {
        // The first name in the span, else the nearest one in the four
        // words before it in its clause ("Priya was careless").
        let first = tokens.iter().position(|t| t.start >= start);
        let inside = first.and_then(|i| {
            tokens[i..]
                .iter()
                .take_while(|t| t.end <= end)
                .find(|t| is_name(t))
        });
        let before = || {
            let i = first.unwrap_or(tokens.len());
            // A token's boundary is the break before it: a clause or
            // sentence break ends the search.
            if tokens.get(i).is_some_and(|t| t.boundary != Boundary::None) {
                return None;
            }
            for j in (i.saturating_sub(4)..i).rev() {
                if is_name(&tokens[j]) {
                    return Some(&tokens[j]);
                }
                if tokens[j].boundary != Boundary::None {
                    break;
                }
            }
            None
        };
        match inside.or_else(before) {
            Some(t) if t.norm == first_name => about_speaker = true,
            Some(_) => about_other = true,
            None => {}
        }
    }
    if about_speaker && !about_other {
        tags.remove(blame);
    }
}

/// The lower-case first name of a speaker, if the speaker is a name.
fn first_name(speaker: &str) -> Option<String> {
    let first = speaker.split_whitespace().next()?.to_lowercase();
    (first.chars().all(char::is_alphabetic) && !first.is_empty()).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{tag_turn, TurnText};

    fn tags(text: &str, speaker: Option<&str>) -> Vec<Label> {
        let names = vec!["dan".to_string(), "priya".to_string()];
        let mut tags = tag_turn(&TurnText {
            text,
            facilitator: false,
            names: &names,
        });
        drop_self_blame(&mut tags, text, speaker, &names);
        tags.into_iter().map(|t| t.label).collect()
    }

    #[test]
    fn naming_yourself_is_not_blame() {
        let text = "Honestly, Dan pushed the configuration without review. That's on him.";
        assert!(tags(text, Some("Priya")).contains(&Label::Blame));
        assert!(tags(text, Some("S2")).contains(&Label::Blame));
        assert!(tags(text, None).contains(&Label::Blame));
        assert!(!tags(text, Some("Dan")).contains(&Label::Blame));
        assert!(!tags(text, Some("Dan Rivera")).contains(&Label::Blame));
    }

    #[test]
    fn blaming_someone_else_by_name_stays_blame() {
        let text = "Dan pushed it without review. Priya was careless, that is on her.";
        assert!(tags(text, Some("Priya")).contains(&Label::Blame));
        let with_dan = tags(text, Some("Dan"));
        assert!(with_dan.contains(&Label::Blame), "{with_dan:?}");
    }
}
