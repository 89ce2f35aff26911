//! [`diarize`]: who spoke when in a recording, without transcribing it.
//!
//! The same steps the live pipeline takes per turn, over a whole file:
//! Silero VAD and the segmenter cut utterances, the speaker change model (if
//! given) cuts each where the speaker changes, each piece is embedded and
//! given a speaker online, with the periodic re-clustering, and a last
//! re-clustering settles every label at the end.

use std::time::Instant;

use super::{Assignment, ChangeConfig, ChangeModel, Clusterer, Embedder};
use crate::vad::{SegmentEvent, Segmenter, SegmenterConfig, Vad};

/// One utterance (or piece of one, cut where the speaker changes) and its
/// speaker.
#[derive(Debug, Clone)]
pub struct DiarizedTurn {
    /// Start in seconds.
    pub start: f64,
    /// End in seconds.
    pub end: f64,
    /// The speaker, as the final re-clustering left it.
    pub assignment: Assignment,
    /// The speaker given online, when the utterance ended.
    pub online: Assignment,
}

/// The result of [`diarize`].
#[derive(Debug, Clone)]
pub struct Diarization {
    /// The utterances (pieces where the speaker changes) in order.
    pub turns: Vec<DiarizedTurn>,
    /// The utterances the VAD cut, (start, end) in seconds.
    pub utterances: Vec<(f64, f64)>,
    /// Where the change model cut utterances, in seconds.
    pub cuts: Vec<f64>,
    /// Milliseconds of speaker work per VAD utterance: change detection,
    /// embedding and clustering of its pieces (what the live pipeline
    /// spends on it; there, all but the last 5 s chunk of change detection
    /// runs while the utterance is spoken).
    pub utterance_ms: Vec<f64>,
    /// The utterances cut where the speaker changes inside them, in
    /// seconds from the start of the audio.
    pub stretches: Vec<super::cluster::Stretch>,
    /// Seconds spent finding speaker changes.
    pub change_s: f64,
    /// Seconds spent computing embeddings.
    pub embed_s: f64,
    /// Seconds spent clustering (online and re-clustering).
    pub cluster_s: f64,
}

/// Cuts `samples` (16 kHz mono) into utterances, and those where `change`
/// finds the speaker changing, and attributes each.
pub fn diarize(
    samples: &[f32],
    vad: &mut Vad,
    segmenter: &SegmenterConfig,
    embedder: &Embedder,
    change: Option<(&ChangeModel, &ChangeConfig)>,
    clusterer: &mut Clusterer,
) -> crate::Result<Diarization> {
    let mut segmenter = Segmenter::new(segmenter);
    let mut spans = Vec::new();
    for chunk in samples.chunks(1_600) {
        for event in segmenter.push(&vad.push(chunk)?) {
            if let SegmentEvent::SpeechEnd {
                start_sample,
                end_sample,
            } = event
            {
                spans.push((start_sample as usize, end_sample as usize));
            }
        }
    }
    if let Some(SegmentEvent::SpeechEnd {
        start_sample,
        end_sample,
    }) = segmenter.finish()
    {
        spans.push((start_sample as usize, end_sample as usize));
    }
    let (mut change_s, mut embed_s, mut cluster_s) = (0.0, 0.0, 0.0);
    let mut online = Vec::new();
    let mut pieces = Vec::new();
    let mut cuts = Vec::new();
    let mut utterance_ms = Vec::new();
    for &(a, b) in &spans {
        let (a, b) = (a.min(samples.len()), b.min(samples.len()));
        let clip = &samples[a..b];
        let started = Instant::now();
        let at = match change {
            Some((model, config)) => model.speaker_changes(clip, config),
            None => Vec::new(),
        };
        change_s += started.elapsed().as_secs_f64();
        let mut from = 0;
        for to in at.iter().copied().chain([clip.len()]) {
            if from > 0 {
                cuts.push((a + from) as f64 / crate::audio::SAMPLE_RATE as f64);
            }
            let t = Instant::now();
            // On the utterance's window grid, as the live pipeline embeds
            // the pieces (with the windows it computed while they were
            // spoken): the same windows, so the same speakers.
            let (embedding, _) = embedder.embed_piece(&clip[from..to], from, None);
            embed_s += t.elapsed().as_secs_f64();
            let t = Instant::now();
            online.push(clusterer.assign(pieces.len() as u64, &embedding));
            clusterer.recluster_if_due();
            cluster_s += t.elapsed().as_secs_f64();
            pieces.push((a + from, a + to));
            from = to;
        }
        utterance_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let t = Instant::now();
    clusterer.recluster();
    cluster_s += t.elapsed().as_secs_f64();
    let rate = crate::audio::SAMPLE_RATE as f64;
    let stretches = clusterer
        .stretches()
        .into_iter()
        .map(|mut s| {
            let offset = pieces[s.key as usize].0 as f64 / rate;
            s.start += offset;
            s.end += offset;
            s
        })
        .collect();
    let turns = clusterer
        .assignments()
        .into_iter()
        .zip(online)
        .zip(&pieces)
        .map(|(((_, assignment), online), &(a, b))| DiarizedTurn {
            start: a as f64 / rate,
            end: b as f64 / rate,
            assignment,
            online,
        })
        .collect();
    Ok(Diarization {
        turns,
        utterances: spans
            .iter()
            .map(|&(a, b)| (a as f64 / rate, b.min(samples.len()) as f64 / rate))
            .collect(),
        cuts,
        utterance_ms,
        stretches,
        change_s,
        embed_s,
        cluster_s,
    })
}
