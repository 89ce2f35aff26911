//! The sentence encoder (all-MiniLM-L6-v2 in plain Rust) against reference
//! numbers computed once with the Hugging Face tokenizers library and an
//! independent float64 numpy forward pass of the same weights (a
//! development tool, not shipped), and, with the tagger's adapters merged,
//! against the torch forward pass of scripts/finetune_encoder.py with the
//! same adapters. The model must be installed
//! (`blameless models fetch minilm`; scripts/test.sh does).

mod common;

use blameless::encoder::{self, Encoder, Tokenizer};
use common::models_dir;

/// (text, the reference tokenizer's ids, the first 8 dimensions of the
/// reference embedding).
const REFERENCE: [(&str, &[u32], [f32; 8]); 3] = [
    (
        "who the heck merged this without a review",
        &[101, 2040, 1996, 17752, 5314, 2023, 2302, 1037, 3319, 102],
        [
            -0.060141, -0.001149, -0.079787, 0.019181, 0.052351, 0.021143, 0.025048, 0.034347,
        ],
    ),
    (
        "The deploy caused the outage at two fourteen.",
        &[
            101, 1996, 21296, 3303, 1996, 2041, 4270, 2012, 2048, 7426, 1012, 102,
        ],
        [
            0.005845, 0.041063, 0.056224, -0.031857, 0.038201, -0.01438, -0.047342, 0.052234,
        ],
    ),
    (
        "Café résumé, it's \u{2014} unbelievable!",
        &[
            101, 7668, 13746, 1010, 2009, 1005, 1055, 1517, 23653, 999, 102,
        ],
        [
            -0.055163, 0.005648, 0.057904, 0.041897, 0.03865, 0.078839, -0.007754, -0.015024,
        ],
    ),
];

/// Reference cosines between the three embeddings: (0,1), (0,2), (1,2).
const REFERENCE_COSINES: [f32; 3] = [0.095414, 0.124047, 0.001657];

/// The first 8 dimensions of the reference embeddings of [`REFERENCE`]'s
/// texts with the tagger's adapters (src/encoder/adapters.safetensors), and
/// their cosines: (0,1), (0,2), (1,2). Fine-tuned for stance, the adapted
/// encoder puts unrelated turns closer together than the base model does.
const REFERENCE_ADAPTED: [[f32; 8]; 3] = [
    [
        -0.106171, 0.004885, -0.099492, -0.013165, 0.054098, 0.011894, 0.053786, -0.0047,
    ],
    [
        -0.118196, 0.060601, -0.042225, -0.06741, 0.078761, -0.02013, -0.034624, -0.016705,
    ],
    [
        -0.063914, -0.061368, -0.042882, -0.062355, 0.069037, 0.034869, 0.053866, -0.029069,
    ],
];
const REFERENCE_ADAPTED_COSINES: [f32; 3] = [0.397693, 0.374792, 0.489256];

fn encoder() -> Encoder {
    Encoder::load(&models_dir())
        .expect("the sentence encoder must be installed: run `blameless models fetch minilm`")
}

/// Checks the embeddings of [`REFERENCE`]'s texts against reference heads
/// and cosines, within `bound` per dimension and `cosine_bound` per cosine.
fn assert_matches_reference(
    encoder: &Encoder,
    heads: &[[f32; 8]; 3],
    cosines: [f32; 3],
    bound: f32,
    cosine_bound: f32,
) {
    let embeddings: Vec<Vec<f32>> = REFERENCE.iter().map(|(t, _, _)| encoder.embed(t)).collect();
    for (((text, _, _), head), e) in REFERENCE.iter().zip(heads).zip(&embeddings) {
        assert_eq!(e.len(), encoder::DIMENSIONS);
        let norm: f32 = e.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{text}: norm {norm}");
        for (i, (got, want)) in e.iter().zip(head).enumerate() {
            assert!(
                (got - want).abs() < bound,
                "{text}: dim {i}: {got} vs {want}"
            );
        }
    }
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let pairs = [(0, 1), (0, 2), (1, 2)];
    for ((i, j), want) in pairs.into_iter().zip(cosines) {
        let got = dot(&embeddings[i], &embeddings[j]);
        assert!(
            (got - want).abs() < cosine_bound,
            "cosine {i},{j}: {got} vs {want}"
        );
    }
}

#[test]
fn tokenizer_matches_the_reference_ids() {
    let vocab = std::fs::read_to_string(encoder::model_dir(&models_dir()).join("vocab.txt"))
        .expect("vocab.txt of the installed encoder");
    let tokenizer = Tokenizer::from_vocab(&vocab).unwrap();
    for (text, ids, _) in REFERENCE {
        assert_eq!(tokenizer.encode(text, encoder::MAX_TOKENS), ids, "{text}");
    }
}

#[test]
fn embeddings_match_the_reference_forward_pass() {
    let base = Encoder::load_base(&models_dir()).expect("the sentence encoder must be installed");
    let heads = REFERENCE.map(|(_, _, head)| head);
    // Measured: within 1e-6 (f32 against float64 numpy).
    assert_matches_reference(&base, &heads, REFERENCE_COSINES, 2e-5, 2e-5);
}

#[test]
fn adapted_embeddings_match_the_reference_forward_pass() {
    // The tagger's encoder runs its dense layers and keeps its word table
    // in int8 (against float32 torch, which matched to 1e-6 all in f32).
    // Measured: within 0.0089 per dimension (they are about 0.05) and 0.034
    // in cosine; 0.0014 and 0.0072 with f32 dense layers.
    assert_matches_reference(
        &encoder(),
        &REFERENCE_ADAPTED,
        REFERENCE_ADAPTED_COSINES,
        0.015,
        0.05,
    );
}

#[test]
fn paraphrases_are_closer_than_unrelated_turns() {
    let encoder = encoder();
    let a = encoder.embed("that outage is on the payments team, they dropped the ball");
    let b = encoder.embed("honestly payments messed this one up, it's their fault");
    let c = encoder.embed("the cache hit rate went back to ninety percent after the restart");
    let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
    assert!(
        dot(&a, &b) > dot(&a, &c) + 0.2,
        "{} vs {}",
        dot(&a, &b),
        dot(&a, &c)
    );
}

#[test]
fn long_turns_are_cut_not_refused() {
    let encoder = encoder();
    let long = "and then we rolled back ".repeat(200);
    assert_eq!(encoder.token_count(&long), encoder::MAX_TOKENS);
    let e = encoder.embed(&long);
    assert!(e.iter().all(|v| v.is_finite()));
    assert!(encoder.embed("").iter().all(|v| v.is_finite()));
}

/// MPNet's first six layers: the ids of the Hugging Face tokenizer, and the
/// first 8 dimensions and cosines of the transformers forward pass in
/// float32, without and with the tagger's adapters
/// (src/encoder/mpnet-adapters.safetensors). blameless runs MPNet's dense
/// layers in int8, so the bounds are those of int8, not of float rounding.
const MPNET_IDS: [&[u32]; 3] = [
    &[0, 2044, 2000, 17756, 5318, 2027, 2306, 1041, 3323, 2],
    &[
        0, 2000, 21300, 3307, 2000, 2045, 4274, 2016, 2052, 7430, 1016, 2,
    ],
    &[0, 7672, 13750, 1014, 2013, 1009, 1059, 1521, 23657, 1003, 2],
];
const MPNET_BASE: [[f32; 8]; 3] = [
    [
        0.052375, -0.012178, 0.031761, 0.050385, 0.018733, -0.004903, 0.04799, -0.022069,
    ],
    [
        -0.00521, -0.000443, 0.002587, -0.04062, -0.000475, -0.03563, -0.02756, -0.003104,
    ],
    [
        0.012898, 0.061736, -0.013128, 0.004524, -0.012309, 0.031408, 0.030897, 0.023587,
    ],
];
const MPNET_BASE_COSINES: [f32; 3] = [0.377658, 0.318496, 0.351071];
const MPNET_ADAPTED: [[f32; 8]; 3] = [
    [
        -0.020503, -0.016266, 0.010842, 0.007123, -0.008227, -0.015631, -0.020017, -0.009806,
    ],
    [
        -0.061297, -0.04749, -0.011143, -0.026842, 0.022678, 0.013612, 0.028112, 0.071979,
    ],
    [
        -0.067989, 0.017061, -0.040895, 0.01249, -0.017375, 0.040511, 0.044935, 0.053241,
    ],
];
const MPNET_ADAPTED_COSINES: [f32; 3] = [0.1491, 0.255397, 0.468298];

fn assert_mpnet_matches(adapted: bool, heads: &[[f32; 8]; 3], cosines: [f32; 3]) {
    let mpnet = Encoder::load_model(&models_dir(), &encoder::MPNET, adapted)
        .expect("MPNet must be installed: run `blameless models fetch mpnet`");
    let embeddings: Vec<Vec<f32>> = REFERENCE.iter().map(|(t, _, _)| mpnet.embed(t)).collect();
    for ((text, _, _), (head, e)) in REFERENCE.iter().zip(heads.iter().zip(&embeddings)) {
        assert_eq!(e.len(), encoder::MPNET_DIMENSIONS);
        for (i, (got, want)) in e.iter().zip(head).enumerate() {
            // Measured: within 0.0098 without the adapters and 0.0069 with
            // them (the dimensions are about 0.036 each): int8 activations
            // are quantized per token, and a few large dimensions of MPNet's
            // hidden states coarsen the rest.
            assert!(
                (got - want).abs() < 0.015,
                "{text}: dim {i}: {got} vs {want}"
            );
        }
    }
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    for (((i, j), want), what) in [(0, 1), (0, 2), (1, 2)].into_iter().zip(cosines).zip(0..) {
        let got = dot(&embeddings[i], &embeddings[j]);
        // Measured: within 0.021 without the adapters, 0.008 with them.
        assert!((got - want).abs() < 0.03, "cosine {what}: {got} vs {want}");
    }
}

#[test]
fn mpnet_tokenizer_matches_the_reference_ids() {
    let mpnet = Encoder::load_model(&models_dir(), &encoder::MPNET, false)
        .expect("MPNet must be installed: run `blameless models fetch mpnet`");
    let vocab = std::fs::read_to_string(models_dir().join("mpnet").join("vocab.txt")).unwrap();
    let tokenizer = Tokenizer::with_specials(&vocab, "<s>", "</s>").unwrap();
    for ((text, _, _), ids) in REFERENCE.iter().zip(MPNET_IDS) {
        assert_eq!(
            tokenizer.encode(text, encoder::MPNET.max_tokens),
            ids,
            "{text}"
        );
        assert_eq!(mpnet.token_count(text), ids.len());
    }
}

#[test]
fn mpnet_in_int8_matches_the_reference_forward_pass() {
    assert_mpnet_matches(false, &MPNET_BASE, MPNET_BASE_COSINES);
    assert_mpnet_matches(true, &MPNET_ADAPTED, MPNET_ADAPTED_COSINES);
}
