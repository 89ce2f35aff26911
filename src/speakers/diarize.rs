//! [`diarize`]: who spoke when in a recording, without transcribing it.
//!
//! The same steps the live pipeline takes per turn, over a whole file:
//! Silero VAD and the segmenter cut utterances, each is embedded and given a
//! speaker online, with the periodic re-clustering, and a last re-clustering
//! settles every label at the end.

use std::time::Instant;

use super::{Assignment, Clusterer, Embedder};
use crate::vad::{SegmentEvent, Segmenter, SegmenterConfig, Vad};

/// One utterance and its speaker.
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
    /// The utterances in order.
    pub turns: Vec<DiarizedTurn>,
    /// The utterances cut where the speaker changes inside them, in
    /// seconds from the start of the audio.
    pub stretches: Vec<super::cluster::Stretch>,
    /// Seconds spent computing embeddings.
    pub embed_s: f64,
    /// Seconds spent clustering (online and re-clustering).
    pub cluster_s: f64,
}

/// Cuts `samples` (16 kHz mono) into utterances and attributes each.
pub fn diarize(
    samples: &[f32],
    vad: &mut Vad,
    segmenter: &SegmenterConfig,
    embedder: &Embedder,
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
    let (mut embed_s, mut cluster_s) = (0.0, 0.0);
    let mut online = Vec::new();
    for (key, &(a, b)) in spans.iter().enumerate() {
        let clip = &samples[a.min(samples.len())..b.min(samples.len())];
        let t = Instant::now();
        let embedding = embedder.embed(clip);
        embed_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        online.push(clusterer.assign(key as u64, &embedding));
        clusterer.recluster_if_due();
        cluster_s += t.elapsed().as_secs_f64();
    }
    let t = Instant::now();
    clusterer.recluster();
    cluster_s += t.elapsed().as_secs_f64();
    let rate = crate::audio::SAMPLE_RATE as f64;
    let stretches = clusterer
        .stretches()
        .into_iter()
        .map(|mut s| {
            let offset = spans[s.key as usize].0 as f64 / rate;
            s.start += offset;
            s.end += offset;
            s
        })
        .collect();
    let turns = clusterer
        .assignments()
        .into_iter()
        .zip(online)
        .zip(&spans)
        .map(|(((_, assignment), online), &(a, b))| DiarizedTurn {
            start: a as f64 / rate,
            end: b as f64 / rate,
            assignment,
            online,
        })
        .collect();
    Ok(Diarization {
        turns,
        stretches,
        embed_s,
        cluster_s,
    })
}
