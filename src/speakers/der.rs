//! Diarization error rate: how much speech got the wrong speaker?
//!
//! DER = (missed speech + false alarm + speaker confusion) / reference speech,
//! as NIST md-eval computes it: time is scored in 10 ms steps; a collar around
//! every reference segment boundary is not scored; overlapping speech counts
//! once per speaker; hypothesis speakers are mapped one-to-one to reference
//! speakers so that the matched time is largest, whatever the labels are
//! called.

use std::collections::HashMap;
use std::path::Path;

use super::SpeakerError;

/// Scoring resolution in seconds.
const STEP: f64 = 0.01;

/// Default collar (seconds each side of a reference boundary).
pub const COLLAR: f64 = 0.25;

/// A speaker's stretch of speech.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Who speaks.
    pub speaker: String,
    /// Start in seconds.
    pub start: f64,
    /// End in seconds.
    pub end: f64,
}

/// The parts of the error, in seconds of scored speech.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Der {
    /// Reference speaker-time scored.
    pub reference: f64,
    /// Reference speech with no hypothesis speaker.
    pub missed: f64,
    /// Hypothesis speech with no reference speaker.
    pub false_alarm: f64,
    /// Speech given to the wrong speaker.
    pub confusion: f64,
}

impl Der {
    /// The error rate (0 when nothing was scored).
    pub fn rate(&self) -> f64 {
        if self.reference == 0.0 {
            return 0.0;
        }
        (self.missed + self.false_alarm + self.confusion) / self.reference
    }
}

/// Scores `hypothesis` against `reference` with a `collar` in seconds.
pub fn score(reference: &[Segment], hypothesis: &[Segment], collar: f64) -> Der {
    let end = reference
        .iter()
        .chain(hypothesis)
        .map(|s| s.end)
        .fold(0.0, f64::max);
    let n_steps = (end / STEP).ceil() as usize + 1;
    let frame = |t: f64| ((t / STEP).round().max(0.0) as usize).min(n_steps);
    let ids = |segs: &[Segment]| {
        let mut names: Vec<String> = Vec::new();
        for s in segs {
            if !names.contains(&s.speaker) {
                names.push(s.speaker.clone());
            }
        }
        names
    };
    let ref_names = ids(reference);
    let hyp_names = ids(hypothesis);
    // Per step, the set of speakers as bit masks (at most 64 speakers a side).
    let mask = |segs: &[Segment], names: &[String]| {
        let mut m = vec![0u64; n_steps];
        for s in segs {
            let bit = names
                .iter()
                .position(|n| *n == s.speaker)
                .unwrap_or(63)
                .min(63);
            for v in &mut m[frame(s.start)..frame(s.end)] {
                *v |= 1 << bit;
            }
        }
        m
    };
    let ref_mask = mask(reference, &ref_names);
    let hyp_mask = mask(hypothesis, &hyp_names);
    let mut scored = vec![true; n_steps];
    let collar_steps = (collar / STEP).round() as usize;
    for s in reference {
        for b in [frame(s.start), frame(s.end)] {
            let lo = b.saturating_sub(collar_steps);
            let hi = (b + collar_steps).min(n_steps);
            scored[lo..hi].iter_mut().for_each(|x| *x = false);
        }
    }
    // Co-occurrence of reference and hypothesis speakers, for the mapping.
    let mut together = vec![vec![0usize; hyp_names.len()]; ref_names.len()];
    for i in 0..n_steps {
        if !scored[i] {
            continue;
        }
        for (r, row) in together.iter_mut().enumerate() {
            if ref_mask[i] & (1 << r) == 0 {
                continue;
            }
            for (h, cell) in row.iter_mut().enumerate() {
                if hyp_mask[i] & (1 << h) != 0 {
                    *cell += 1;
                }
            }
        }
    }
    let mapping = best_mapping(&together);
    let mut der = Der::default();
    for i in 0..n_steps {
        if !scored[i] {
            continue;
        }
        let n_ref = ref_mask[i].count_ones() as f64;
        let n_hyp = hyp_mask[i].count_ones() as f64;
        let correct = mapping
            .iter()
            .filter(|(r, h)| ref_mask[i] & (1 << r) != 0 && hyp_mask[i] & (1 << h) != 0)
            .count() as f64;
        der.reference += n_ref * STEP;
        der.missed += (n_ref - n_hyp).max(0.0) * STEP;
        der.false_alarm += (n_hyp - n_ref).max(0.0) * STEP;
        der.confusion += (n_ref.min(n_hyp) - correct) * STEP;
    }
    der
}

/// One-to-one (reference, hypothesis) pairs with the largest total overlap:
/// exact (dynamic programming over subsets of reference speakers) for up to
/// 16 reference speakers, greedy beyond.
fn best_mapping(together: &[Vec<usize>]) -> Vec<(usize, usize)> {
    let n_ref = together.len();
    let n_hyp = together.first().map_or(0, Vec::len);
    if n_ref > 16 {
        let mut cells: Vec<(usize, usize, usize)> = (0..n_ref)
            .flat_map(|r| (0..n_hyp).map(move |h| (r, h, together[r][h])))
            .collect();
        cells.sort_by_key(|c| std::cmp::Reverse(c.2));
        let mut out: Vec<(usize, usize)> = Vec::new();
        for (r, h, v) in cells {
            if v > 0 && !out.iter().any(|&(a, b)| a == r || b == h) {
                out.push((r, h));
            }
        }
        return out;
    }
    // best[h][used] = best total using hypothesis speakers h.. with `used` refs taken.
    let full = 1usize << n_ref;
    let mut best = vec![vec![0usize; full]; n_hyp + 1];
    let mut choice = vec![vec![usize::MAX; full]; n_hyp + 1];
    for h in (0..n_hyp).rev() {
        for used in 0..full {
            let mut b = best[h + 1][used];
            let mut c = usize::MAX;
            for (r, row) in together.iter().enumerate() {
                if used & (1 << r) == 0 {
                    let v = row[h] + best[h + 1][used | (1 << r)];
                    if v > b {
                        b = v;
                        c = r;
                    }
                }
            }
            best[h][used] = b;
            choice[h][used] = c;
        }
    }
    let mut out = Vec::new();
    let mut used = 0;
    for (h, row) in choice.iter().enumerate().take(n_hyp) {
        let r = row[used];
        if r != usize::MAX {
            out.push((r, h));
            used |= 1 << r;
        }
    }
    out
}

/// Reads speaker segments from an RTTM file (`SPEAKER file chan start dur ...
/// name ...`), a JSONL file of `{"speaker", "start", "end"}` lines (the truth
/// file of scripts/make-samples.sh, or a stored meeting's `turns.jsonl`;
/// lines without a speaker count as one unknown speaker).
pub fn read_segments(path: &Path) -> Result<Vec<Segment>, SpeakerError> {
    let text = std::fs::read_to_string(path).map_err(|e| SpeakerError::File {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    parse_segments(&text).map_err(|message| SpeakerError::File {
        path: path.to_owned(),
        message,
    })
}

/// Parses RTTM or JSONL segments (see [`read_segments`]).
pub fn parse_segments(text: &str) -> Result<Vec<Segment>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |what: &str| format!("line {}: {what}", i + 1);
        if line.starts_with('{') {
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| bad(&e.to_string()))?;
            let num = |k: &str| v.get(k).and_then(serde_json::Value::as_f64);
            let (Some(start), Some(end)) = (num("start"), num("end")) else {
                return Err(bad("expected \"start\" and \"end\" in seconds"));
            };
            let speaker = v
                .get("speaker")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("(none)")
                .to_string();
            out.push(Segment {
                speaker,
                start,
                end,
            });
        } else {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.first() != Some(&"SPEAKER") {
                continue;
            }
            let (Some(start), Some(dur), Some(name)) = (
                fields.get(3).and_then(|s| s.parse::<f64>().ok()),
                fields.get(4).and_then(|s| s.parse::<f64>().ok()),
                fields.get(7),
            ) else {
                return Err(bad(
                    "expected SPEAKER <file> <chan> <start> <dur> <NA> <NA> <name>",
                ));
            };
            out.push(Segment {
                speaker: name.to_string(),
                start,
                end: start + dur,
            });
        }
    }
    if out.is_empty() {
        return Err("no speaker segments (expected RTTM or JSONL with start, end, speaker)".into());
    }
    Ok(out)
}

/// Per-speaker time in the hypothesis that the mapping gave to each reference
/// speaker, for reports: (reference, hypothesis) pairs.
pub fn mapping(reference: &[Segment], hypothesis: &[Segment]) -> Vec<(String, String)> {
    let mut together: HashMap<(String, String), f64> = HashMap::new();
    for r in reference {
        for h in hypothesis {
            let overlap = r.end.min(h.end) - r.start.max(h.start);
            if overlap > 0.0 {
                *together
                    .entry((r.speaker.clone(), h.speaker.clone()))
                    .or_default() += overlap;
            }
        }
    }
    let mut cells: Vec<((String, String), f64)> = together.into_iter().collect();
    cells.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out: Vec<(String, String)> = Vec::new();
    for ((r, h), _) in cells {
        if !out.iter().any(|(a, b)| *a == r || *b == h) {
            out.push((r, h));
        }
    }
    out.sort();
    out
}

/// How many hypothesis turns carry the right speaker: the one the
/// `mapping` pairs with the reference speaker who talks most during the
/// turn. Returns (right, turns with reference speech).
pub fn turn_accuracy(
    reference: &[Segment],
    hypothesis: &[Segment],
    mapping: &[(String, String)],
) -> (usize, usize) {
    let (mut right, mut scored) = (0, 0);
    for h in hypothesis {
        let mut talk: HashMap<&str, f64> = HashMap::new();
        for r in reference {
            let overlap = r.end.min(h.end) - r.start.max(h.start);
            if overlap > 0.0 {
                *talk.entry(r.speaker.as_str()).or_default() += overlap;
            }
        }
        let Some((main, _)) = talk
            .into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)))
        else {
            continue;
        };
        scored += 1;
        if mapping
            .iter()
            .any(|(r, hyp)| r == main && *hyp == h.speaker)
        {
            right += 1;
        }
    }
    (right, scored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(speaker: &str, start: f64, end: f64) -> Segment {
        Segment {
            speaker: speaker.into(),
            start,
            end,
        }
    }

    #[test]
    fn perfect_hypothesis_with_other_labels_scores_zero() {
        let r = [seg("A", 0.0, 5.0), seg("B", 5.0, 9.0)];
        let h = [seg("x", 0.0, 5.0), seg("y", 5.0, 9.0)];
        let d = score(&r, &h, 0.25);
        assert!(d.rate() < 1e-9, "{d:?}");
        assert!((d.reference - 8.0).abs() < 0.02, "{d:?}");
    }

    #[test]
    fn the_three_errors_are_told_apart() {
        let r = [seg("A", 0.0, 10.0), seg("B", 10.0, 20.0)];
        // B's second half given to A's label, 2 s missed at the end of A,
        // 1 s of false alarm after the end.
        let h = [
            seg("a", 0.0, 8.0),
            seg("b", 10.0, 15.0),
            seg("a", 15.0, 21.0),
        ];
        let d = score(&r, &h, 0.0);
        assert!((d.missed - 2.0).abs() < 0.02, "{d:?}");
        assert!((d.false_alarm - 1.0).abs() < 0.02, "{d:?}");
        assert!((d.confusion - 5.0).abs() < 0.02, "{d:?}");
        assert!((d.rate() - 0.4).abs() < 0.002, "{d:?}");
    }

    #[test]
    fn collar_forgives_boundaries_and_overlap_counts_twice() {
        let r = [seg("A", 0.0, 5.0), seg("B", 4.0, 8.0)];
        let h = [seg("a", 0.2, 5.0), seg("b", 4.0, 8.0)];
        assert!(score(&r, &h, 0.25).rate() < 1e-9);
        let d = score(&r, &h, 0.0);
        assert!((d.reference - 9.0).abs() < 0.02, "{d:?}");
        assert!((d.missed - 0.2).abs() < 0.02, "{d:?}");
    }

    #[test]
    fn a_turn_is_right_when_its_main_speaker_maps_to_its_label() {
        let r = [seg("A", 0.0, 5.0), seg("B", 5.0, 9.0)];
        // The second turn runs over B's turn but is mostly A's: right for
        // A's label; the third is B's time with A's label: wrong; the last
        // holds no reference speech.
        let h = [
            seg("a", 0.0, 3.0),
            seg("a", 3.0, 6.0),
            seg("a", 6.0, 9.0),
            seg("b", 9.5, 10.0),
        ];
        let m = vec![("A".to_string(), "a".to_string())];
        assert_eq!(turn_accuracy(&r, &h, &m), (2, 3));
    }

    #[test]
    fn reads_rttm_and_truth_lines() {
        let rttm = "SPEAKER sample 1 6.690 0.430 <NA> <NA> speaker90 <NA> <NA>\n";
        assert_eq!(
            parse_segments(rttm).unwrap(),
            vec![seg("speaker90", 6.69, 6.69 + 0.43)]
        );
        let truth = r#"{"speaker": "Maya", "start": 0.5, "end": 12.306, "text": "Thanks"}"#;
        assert_eq!(
            parse_segments(truth).unwrap(),
            vec![seg("Maya", 0.5, 12.306)]
        );
        assert!(parse_segments("nothing here").is_err());
    }
}
