//! Arbitrary Unicode through the tokenizer and the encoder: no panic, and
//! bounded time, whatever a member sends (issue 10: a run of U+FDFA once
//! overflowed the C engine's buffer).

use std::time::{Duration, Instant};

use fanclub::faq::semantic::encoder::Role;
use fanclub::faq::semantic::{Embedder, MAX_TEXT_CHARS};
use proptest::prelude::*;

use crate::e5_parity::encoder;
use crate::support::faq_model;

/// Characters that stress normalisation and segmentation.
fn awkward_char() -> impl Strategy<Value = char> {
    prop_oneof![
        Just('\u{FDFA}'),
        Just('\0'),
        Just(' '),
        Just('\u{2581}'),
        Just('\u{0301}'),
        Just('\u{200F}'),
        Just('\u{202E}'),
        Just('\u{FEFF}'),
        Just('👍'),
        Just('\u{1F3F3}'),
        Just('\u{FE0F}'),
        Just('ß'),
        Just('ﬁ'),
        any::<char>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_text_tokenises_without_panic(chars in prop::collection::vec(awkward_char(), 0..300)) {
        let text: String = chars.into_iter().collect();
        let ids = encoder().token_ids(&text, Role::Query).unwrap();
        prop_assert!(ids.len() >= 3, "the prefix alone is three tokens");
    }

    #[test]
    fn any_short_text_embeds_to_a_unit_vector(chars in prop::collection::vec(awkward_char(), 0..40)) {
        let text: String = chars.into_iter().collect();
        let vector = encoder().embed(&[&text], Role::Query).unwrap();
        let norm: f32 = vector[0].iter().map(|v| v * v).sum::<f32>().sqrt();
        prop_assert!((norm - 1.0).abs() < 1e-3, "norm {norm}");
    }
}

#[test]
fn a_hundred_kilobytes_of_ligatures_tokenise_in_bounded_time() {
    for text in [
        "\u{FDFA}".repeat(34_000),
        "a".repeat(100_000),
        "\u{0301}".repeat(50_000),
        "👍🏽 ".repeat(12_000),
        "\0".repeat(100_000),
    ] {
        let started = Instant::now();
        let ids = encoder().token_ids(&text, Role::Passage).unwrap();
        assert!(!ids.is_empty());
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{} bytes took {:?}",
            text.len(),
            started.elapsed()
        );
    }
}

#[test]
fn a_question_of_a_hundred_kilobytes_is_cut_and_embedded() {
    let embedder = Embedder::load(&faq_model()).unwrap();
    let text = format!(
        "{}{}",
        "\u{FDFA}".repeat(20),
        "Wie viele Punkte? ".repeat(6_000)
    );
    assert!(text.chars().count() > MAX_TEXT_CHARS);
    let vector = embedder.question(&text).unwrap();
    let norm: f32 = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3);
}
