//! [`Clusterer`]: a stable speaker id for each utterance as the meeting goes.
//!
//! Why not a fixed cosine threshold: two similar voices on one channel (the
//! real call in the pyannote-audio package has a centroid cosine of 0.855)
//! sit closer than one voice's own spread, and a threshold merges them for
//! good. Ward linkage instead asks how much the within-cluster variance grows
//! when two groups of windows merge; it grows with the evidence on both sides,
//! so a few windows of a new voice do not open a speaker, and two large groups
//! with close centroids still stay apart.
//!
//! Online, each utterance's windows (the embedder's 1.6 s partials) are
//! compared with every current speaker by that same Ward cost: the cheapest
//! speaker wins unless even it costs more than the threshold and the utterance
//! has enough windows to be trusted, which opens a new speaker. Every
//! [`ClustererConfig::recluster_every`] utterances, all windows so far are
//! clustered again from scratch (Ward linkage, nearest-neighbour chain,
//! O(n²)), each utterance takes the label most of its windows got, and the new
//! clusters keep the ids of the old ones they overlap most: the ids shown to
//! people stay stable, and each utterance whose speaker changed is reported as
//! a [`Relabel`].
//!
//! Names: enrolled voice profiles name the cluster whose centroid is nearest
//! (one-to-one, above [`ClustererConfig::profile_min_cosine`]); `--participants`
//! names the remaining clusters in order of first speech.

use std::collections::HashMap;

use super::embed::{cosine, normalise, UtteranceEmbedding, EMBEDDING_DIM};
use super::SpeakerId;

/// Tuning of [`Clusterer`] (values measured on the recordings in docs/speakers.md).
#[derive(Debug, Clone)]
pub struct ClustererConfig {
    /// Ward merge height (the root of scipy's Ward distance on L2-normalised
    /// windows) above which two groups are different speakers, per square
    /// root of the number of windows clustered: Ward heights between two
    /// speakers grow with the evidence (about the square root of the
    /// windows), so a fixed height that separates four voices in five
    /// minutes merges two voices in thirty seconds. Measured (docs/speakers.md):
    /// 0.22 to 0.30 is right on both the synthetic meeting (313 windows) and
    /// the real call (27 windows).
    pub threshold: f32,
    /// The threshold never goes below this height: with few windows (the
    /// first utterances) one voice splits below 1.2 (jfk.wav), two voices of
    /// the real call merge above 1.6.
    pub min_threshold: f32,
    /// Re-cluster everything after this many utterances.
    pub recluster_every: usize,
    /// An utterance needs at least this many windows to open a new speaker
    /// online (shorter ones join the nearest speaker with low confidence).
    pub min_new_windows: usize,
    /// At most this many windows take part in re-clustering (the most recent
    /// ones; older utterances keep their labels), to bound its cost.
    pub max_windows: usize,
    /// Cosine between a cluster centroid and an enrolled profile needed to
    /// give the cluster the profile's name.
    pub profile_min_cosine: f32,
}

impl Default for ClustererConfig {
    fn default() -> ClustererConfig {
        ClustererConfig {
            threshold: 0.25,
            min_threshold: 1.3,
            recluster_every: 4,
            min_new_windows: 2,
            max_windows: 1500,
            profile_min_cosine: 0.75,
        }
    }
}

/// The speaker given to an utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The stable id.
    pub speaker: SpeakerId,
    /// The name, when a profile or `--participants` gave one.
    pub name: Option<String>,
    /// How sure the assignment is, 0 to 1.
    pub confidence: f32,
}

impl Assignment {
    /// What to show: the name, else the id.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.speaker.to_string())
    }
}

/// An earlier utterance whose speaker changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Relabel {
    /// The caller's key for the utterance (the turn id).
    pub key: u64,
    /// The new assignment.
    pub assignment: Assignment,
}

/// One utterance the clusterer has seen.
#[derive(Debug, Clone)]
struct Item {
    key: u64,
    windows: Vec<Vec<f32>>,
    /// (start, end) of each window in seconds from the utterance start.
    spans: Vec<(f64, f64)>,
    /// Length of the utterance in seconds.
    duration: f64,
    /// The speaker of each window (all the same until a re-clustering
    /// finds otherwise).
    window_speakers: Vec<SpeakerId>,
    assignment: Assignment,
}

/// A stretch of one utterance that one speaker holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Stretch {
    /// The caller's key for the utterance.
    pub key: u64,
    /// Start in seconds from the utterance start.
    pub start: f64,
    /// End in seconds from the utterance start.
    pub end: f64,
    /// The speaker's id.
    pub speaker: SpeakerId,
    /// The speaker's name, if any.
    pub name: Option<String>,
}

/// Running sum of a speaker's windows.
#[derive(Debug, Clone)]
struct Stats {
    sum: Vec<f32>,
    n: usize,
}

impl Stats {
    fn centroid(&self) -> Vec<f32> {
        self.sum.iter().map(|x| x / self.n as f32).collect()
    }
}

/// Online speaker clustering for one meeting (see the module docs).
#[derive(Debug)]
pub struct Clusterer {
    config: ClustererConfig,
    items: Vec<Item>,
    stats: HashMap<SpeakerId, Stats>,
    /// Ids in order of first speech.
    order: Vec<SpeakerId>,
    next_id: u32,
    profiles: Vec<(String, Vec<f32>)>,
    participants: Vec<String>,
    /// Names given to ids by profiles and participants.
    names: HashMap<SpeakerId, String>,
    since_recluster: usize,
}

impl Clusterer {
    /// A clusterer with enrolled `profiles` (name, embedding) and
    /// `participants` names for unnamed speakers in order of first speech.
    pub fn new(
        config: ClustererConfig,
        profiles: Vec<(String, Vec<f32>)>,
        participants: Vec<String>,
    ) -> Clusterer {
        Clusterer {
            config,
            items: Vec::new(),
            stats: HashMap::new(),
            order: Vec::new(),
            next_id: 1,
            profiles,
            participants,
            names: HashMap::new(),
            since_recluster: 0,
        }
    }

    /// Assigns a speaker to a new utterance, identified by `key`.
    pub fn assign(&mut self, key: u64, embedding: &UtteranceEmbedding) -> Assignment {
        let windows: Vec<Vec<f32>> = embedding
            .partials
            .iter()
            .map(|p| p.embedding.clone())
            .collect();
        let mut mean = vec![0f32; EMBEDDING_DIM];
        for w in &windows {
            add(&mut mean, w);
        }
        let n = windows.len().max(1);
        let centroid: Vec<f32> = mean.iter().map(|x| x / n as f32).collect();
        let mut costs: Vec<(SpeakerId, f32)> = self
            .stats
            .iter()
            .map(|(id, s)| (*id, ward_height(&s.centroid(), s.n, &centroid, n)))
            .collect();
        costs.sort_by(|a, b| a.1.total_cmp(&b.1));
        let n_windows: usize = self.stats.values().map(|s| s.n).sum::<usize>() + windows.len();
        let t = self.threshold(n_windows);
        let (speaker, confidence) = match costs.first() {
            Some(&(best, cost)) if cost <= t || windows.len() < self.config.min_new_windows => {
                let confidence = match costs.get(1) {
                    Some(&(_, second)) => second / (cost + second).max(1e-6),
                    None => 1.0 - cost / (2.0 * t),
                };
                (best, confidence.clamp(0.0, 1.0))
            }
            Some(&(_, cost)) => (self.new_id(), (0.5 + (cost - t) / t).clamp(0.5, 1.0)),
            None => (self.new_id(), 1.0),
        };
        let stats = self.stats.entry(speaker).or_insert(Stats {
            sum: vec![0f32; EMBEDDING_DIM],
            n: 0,
        });
        for w in &windows {
            add(&mut stats.sum, w);
        }
        stats.n += windows.len();
        if !self.order.contains(&speaker) {
            self.order.push(speaker);
        }
        let assignment = Assignment {
            speaker,
            name: None,
            confidence,
        };
        let duration = embedding.duration;
        self.items.push(Item {
            key,
            spans: embedding
                .partials
                .iter()
                .map(|p| (p.start, p.end.min(duration)))
                .collect(),
            duration,
            window_speakers: vec![speaker; windows.len()],
            windows,
            assignment,
        });
        self.since_recluster += 1;
        self.name_clusters();
        self.items.last().expect("just pushed").assignment.clone()
    }

    /// Re-clusters when [`ClustererConfig::recluster_every`] utterances have
    /// arrived since the last time; returns the utterances whose speaker or
    /// name changed.
    pub fn recluster_if_due(&mut self) -> Vec<Relabel> {
        if self.since_recluster < self.config.recluster_every {
            return Vec::new();
        }
        self.recluster()
    }

    /// Clusters all windows again (see the module docs) and returns the
    /// utterances whose speaker or name changed.
    pub fn recluster(&mut self) -> Vec<Relabel> {
        self.since_recluster = 0;
        let before: Vec<Assignment> = self.items.iter().map(|i| i.assignment.clone()).collect();
        // The most recent items whose windows fit in the budget.
        let mut first = self.items.len();
        let mut n_windows = 0;
        while first > 0
            && n_windows + self.items[first - 1].windows.len() <= self.config.max_windows
        {
            first -= 1;
            n_windows += self.items[first].windows.len();
        }
        let points: Vec<&[f32]> = self.items[first..]
            .iter()
            .flat_map(|i| i.windows.iter().map(Vec::as_slice))
            .collect();
        if points.len() >= 2 {
            let mut labels = ward_clusters(&points, self.threshold(points.len()));
            // A single window between two windows of one other speaker, in
            // the same utterance, is noise: 1.6 s is too short for a turn.
            let mut at = 0;
            for item in &self.items[first..] {
                let n = item.windows.len();
                for i in 1..n.saturating_sub(1) {
                    let (prev, next) = (labels[at + i - 1], labels[at + i + 1]);
                    if prev == next && labels[at + i] != prev {
                        labels[at + i] = prev;
                    }
                }
                at += n;
            }
            // Overlap between new labels and old ids, window by window.
            let mut overlap: HashMap<(usize, SpeakerId), usize> = HashMap::new();
            let mut at = 0;
            for item in &self.items[first..] {
                for old in &item.window_speakers {
                    *overlap.entry((labels[at], *old)).or_default() += 1;
                    at += 1;
                }
            }
            // Keep old ids for the new clusters they overlap most, greedily;
            // clusters left over get new ids in order of first appearance.
            let mut pairs: Vec<((usize, SpeakerId), usize)> = overlap.into_iter().collect();
            pairs.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then(a.0 .1.cmp(&b.0 .1))
                    .then(a.0 .0.cmp(&b.0 .0))
            });
            let mut new_to_id: HashMap<usize, SpeakerId> = HashMap::new();
            let mut used: Vec<SpeakerId> = Vec::new();
            for ((label, id), _) in pairs {
                if !new_to_id.contains_key(&label) && !used.contains(&id) {
                    new_to_id.insert(label, id);
                    used.push(id);
                }
            }
            for &label in &labels {
                if let std::collections::hash_map::Entry::Vacant(slot) = new_to_id.entry(label) {
                    slot.insert(SpeakerId(self.next_id));
                    self.next_id += 1;
                }
            }
            let mut at = 0;
            for item in &mut self.items[first..] {
                let n = item.windows.len();
                item.window_speakers = labels[at..at + n].iter().map(|l| new_to_id[l]).collect();
                at += n;
                let mut counts: HashMap<SpeakerId, usize> = HashMap::new();
                for id in &item.window_speakers {
                    *counts.entry(*id).or_default() += 1;
                }
                if let Some((id, c)) = counts
                    .into_iter()
                    .max_by_key(|(id, c)| (*c, u32::MAX - id.0))
                {
                    item.assignment.speaker = id;
                    item.assignment.confidence = c as f32 / n.max(1) as f32;
                }
            }
            self.rebuild_stats();
        }
        self.name_clusters();
        self.items
            .iter()
            .zip(before)
            .filter(|(item, old)| {
                item.assignment.speaker != old.speaker || item.assignment.name != old.name
            })
            .map(|(item, _)| Relabel {
                key: item.key,
                assignment: item.assignment.clone(),
            })
            .collect()
    }

    /// The current assignment of every utterance, in arrival order.
    pub fn assignments(&self) -> Vec<(u64, Assignment)> {
        self.items
            .iter()
            .map(|i| (i.key, i.assignment.clone()))
            .collect()
    }

    /// The Ward height that separates speakers among `n_windows` windows.
    fn threshold(&self, n_windows: usize) -> f32 {
        (self.config.threshold * (n_windows as f32).sqrt()).max(self.config.min_threshold)
    }

    fn new_id(&mut self) -> SpeakerId {
        let id = SpeakerId(self.next_id);
        self.next_id += 1;
        id
    }

    fn rebuild_stats(&mut self) {
        self.stats.clear();
        let mut order = Vec::new();
        for item in &self.items {
            for (w, id) in item.windows.iter().zip(&item.window_speakers) {
                let s = self.stats.entry(*id).or_insert(Stats {
                    sum: vec![0f32; EMBEDDING_DIM],
                    n: 0,
                });
                add(&mut s.sum, w);
                s.n += 1;
                if !order.contains(id) {
                    order.push(*id);
                }
            }
        }
        self.order = order;
    }

    /// Every utterance cut where its windows change speaker (boundaries
    /// halfway between the centres of the two windows), in arrival order.
    pub fn stretches(&self) -> Vec<Stretch> {
        let mut out: Vec<Stretch> = Vec::new();
        for item in &self.items {
            let centres: Vec<f64> = item.spans.iter().map(|(a, b)| (a + b) / 2.0).collect();
            let mut start = 0.0;
            for i in 0..item.window_speakers.len() {
                let last = i + 1 == item.window_speakers.len();
                if last || item.window_speakers[i + 1] != item.window_speakers[i] {
                    let end = if last {
                        item.duration
                    } else {
                        ((centres[i] + centres[i + 1]) / 2.0).min(item.duration)
                    };
                    let speaker = item.window_speakers[i];
                    out.push(Stretch {
                        key: item.key,
                        start,
                        end,
                        speaker,
                        name: self.names.get(&speaker).cloned(),
                    });
                    start = end;
                }
            }
        }
        out
    }

    /// Names clusters: profiles first (nearest centroid, one-to-one), then
    /// participants in order of first speech.
    fn name_clusters(&mut self) {
        let mut names: HashMap<SpeakerId, String> = HashMap::new();
        let mut pairs: Vec<(f32, SpeakerId, usize)> = Vec::new();
        for (id, s) in &self.stats {
            let mut c = s.centroid();
            normalise(&mut c);
            for (p, (_, profile)) in self.profiles.iter().enumerate() {
                let cos = cosine(&c, profile);
                if cos >= self.config.profile_min_cosine {
                    pairs.push((cos, *id, p));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut used_profiles = Vec::new();
        for (_, id, p) in pairs {
            if !names.contains_key(&id) && !used_profiles.contains(&p) {
                names.insert(id, self.profiles[p].0.clone());
                used_profiles.push(p);
            }
        }
        let mut free = self
            .participants
            .iter()
            .filter(|n| !names.values().any(|v| v.eq_ignore_ascii_case(n)))
            .cloned()
            .collect::<Vec<_>>()
            .into_iter();
        for id in &self.order {
            if !names.contains_key(id) {
                if let Some(n) = free.next() {
                    names.insert(*id, n);
                }
            }
        }
        for item in &mut self.items {
            item.assignment.name = names.get(&item.assignment.speaker).cloned();
        }
        self.names = names;
    }
}

fn add(sum: &mut [f32], x: &[f32]) {
    sum.iter_mut().zip(x).for_each(|(s, v)| *s += v);
}

fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Ward merge height of two groups (sizes `na`, `nb`) with these centroids,
/// on scipy's scale: the plain distance for two single points.
fn ward_height(ca: &[f32], na: usize, cb: &[f32], nb: usize) -> f32 {
    let (na, nb) = (na as f32, nb as f32);
    (2.0 * na * nb / (na + nb) * squared_distance(ca, cb)).sqrt()
}

/// Ward-linkage agglomerative clustering of `points`, cut at `threshold`:
/// one label per point (0, 1, ... in order of first appearance).
pub fn ward_clusters(points: &[&[f32]], threshold: f32) -> Vec<usize> {
    let n = points.len();
    if n == 0 {
        return Vec::new();
    }
    // Squared Ward distances, lower triangle, updated by Lance-Williams.
    let idx = |i: usize, j: usize| {
        let (a, b) = if i > j { (i, j) } else { (j, i) };
        a * (a - 1) / 2 + b
    };
    let mut d = vec![0f32; n * (n - 1) / 2];
    for i in 1..n {
        for j in 0..i {
            d[idx(i, j)] = squared_distance(points[i], points[j]);
        }
    }
    let mut size = vec![1usize; n];
    let mut active = vec![true; n];
    let mut merges: Vec<(usize, usize, f32)> = Vec::with_capacity(n - 1);
    let mut chain: Vec<usize> = Vec::new();
    let mut n_active = n;
    while n_active > 1 {
        if chain.is_empty() {
            chain.push(active.iter().position(|&a| a).expect("two active"));
        }
        let a = *chain.last().expect("non-empty");
        let prev = chain.len().checked_sub(2).map(|i| chain[i]);
        // Nearest active neighbour of a (prefer the previous link on ties).
        let mut best = prev.unwrap_or(usize::MAX);
        let mut best_d = prev.map_or(f32::INFINITY, |p| d[idx(a, p)]);
        for (k, &is_active) in active.iter().enumerate() {
            if !is_active || k == a {
                continue;
            }
            let dk = d[idx(a, k)];
            if dk < best_d {
                best_d = dk;
                best = k;
            }
        }
        if Some(best) == prev {
            chain.pop();
            chain.pop();
            let (i, j) = (a, best);
            merges.push((i, j, best_d.max(0.0).sqrt()));
            // Merge j into i.
            let (ni, nj) = (size[i] as f32, size[j] as f32);
            for k in 0..n {
                if !active[k] || k == i || k == j {
                    continue;
                }
                let nk = size[k] as f32;
                let v = ((ni + nk) * d[idx(k, i)] + (nj + nk) * d[idx(k, j)] - nk * d[idx(i, j)])
                    / (ni + nj + nk);
                d[idx(k, i)] = v;
            }
            size[i] += size[j];
            active[j] = false;
            n_active -= 1;
        } else {
            chain.push(best);
        }
    }
    // Apply the merges below the threshold (Ward is monotone, so this is the cut).
    merges.sort_by(|a, b| a.2.total_cmp(&b.2));
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (i, j, h) in merges {
        if h > threshold {
            break;
        }
        let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
        parent[rj] = ri;
    }
    let mut labels = Vec::with_capacity(n);
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for i in 0..n {
        let r = find(&mut parent, i);
        let next = seen.len();
        labels.push(*seen.entry(r).or_insert(next));
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(x: f32, y: f32) -> Vec<f32> {
        vec![x, y]
    }

    #[test]
    fn ward_matches_scipy_on_a_small_set() {
        // scipy.cluster.hierarchy.linkage(X, "ward") on these five points
        // gives merge heights 0.1, 0.1, 0.1291 and 10.9363: cutting at 0.05
        // leaves five clusters, at 1 two, at 100 one.
        let pts = [
            point(0.0, 0.0),
            point(0.1, 0.0),
            point(0.0, 0.1),
            point(5.0, 5.0),
            point(5.1, 5.0),
        ];
        let refs: Vec<&[f32]> = pts.iter().map(Vec::as_slice).collect();
        assert_eq!(ward_clusters(&refs, 0.05), vec![0, 1, 2, 3, 4]);
        assert_eq!(ward_clusters(&refs, 0.125), vec![0, 0, 1, 2, 2]);
        assert_eq!(ward_clusters(&refs, 0.13), vec![0, 0, 0, 1, 1]);
        assert_eq!(ward_clusters(&refs, 10.9), vec![0, 0, 0, 1, 1]);
        assert_eq!(ward_clusters(&refs, 10.95), vec![0, 0, 0, 0, 0]);
        assert_eq!(ward_clusters(&refs, 100.0), vec![0, 0, 0, 0, 0]);
    }
}
