//! The encoder's own Viterbi tokenizer against the `tokenizers` crate's
//! Unigram model built from the same pieces and scores, with the crate's
//! metaspace pre-tokeniser: the same ids for every evaluation question,
//! every FAQ phrasing and arbitrary text. (The crate is the reference, not
//! the runtime: its trie of the 250,002 pieces takes 249 MB.)

use std::path::Path;
use std::sync::OnceLock;

use fanclub::faq::FaqBook;
use fanclub::faq::eval::load_eval_set;
use fanclub::faq::semantic::encoder::Role;
use proptest::prelude::*;
use tokenizers::models::unigram::Unigram;
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::{Model, OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer};

use crate::e5_parity::encoder;

fn unigram() -> &'static Unigram {
    static UNIGRAM: OnceLock<Unigram> = OnceLock::new();
    UNIGRAM.get_or_init(|| {
        let tokenizer = encoder().tokenizer();
        let pieces: Vec<(String, f64)> = tokenizer
            .pieces()
            .map(|(piece, score)| (piece.to_owned(), f64::from(score)))
            .collect();
        let mut unigram = Unigram::from(pieces, Some(tokenizer.unk as usize), false).unwrap();
        unigram.resize_cache(0);
        unigram
    })
}

/// The ids by the `tokenizers` crate: our normalisation, then its
/// metaspace pre-tokeniser and Unigram model; a fused run of unknown
/// characters counts one `<unk>` each, as the C engine did.
fn reference_ids(text: &str) -> Vec<u32> {
    let tokenizer = encoder().tokenizer();
    let normalised = tokenizer.normalise(&format!("{}{text}", Role::Query.prefix()));
    let mut pretokenized = PreTokenizedString::from(normalised);
    Metaspace::new('\u{2581}', PrependScheme::Always, true)
        .pre_tokenize(&mut pretokenized)
        .unwrap();
    let mut ids = Vec::new();
    for (word, _, _) in pretokenized.get_splits(OffsetReferential::Normalized, OffsetType::None) {
        for piece in unigram().encode(word).unwrap() {
            match unigram().token_to_id(&piece) {
                Some(id) => ids.push(id),
                None => ids.extend(piece.chars().map(|_| tokenizer.unk)),
            }
        }
    }
    ids
}

#[test]
fn every_evaluation_question_and_faq_phrasing_gets_the_crates_ids() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let eval = load_eval_set(&root.join("tests/data/faq_eval.toml")).unwrap();
    let book = FaqBook::load(&root.join("config/faq.toml")).unwrap();
    let mut texts: Vec<String> = eval.cases.into_iter().map(|case| case.question).collect();
    for entry in book.entries() {
        for text in entry.texts() {
            texts.extend(text.phrasings().map(str::to_owned));
            texts.push(text.answer.clone());
        }
    }
    assert!(texts.len() > 1_500, "{} texts", texts.len());
    for text in &texts {
        let ours = encoder().token_ids(text, Role::Query).unwrap();
        assert_eq!(ours, reference_ids(text), "{text:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_gets_the_crates_ids(text in "[a-zA-ZäöüßÄÖÜ0-9 ,.?!'€🎉👍ﬁ①\\t-]{0,80}") {
        let ours = encoder().token_ids(&text, Role::Query).unwrap();
        prop_assert_eq!(ours, reference_ids(&text), "{:?}", text);
    }
}

/// "üüüüü" splits as ü+üü+üü or üü+ü+üü at equal score; which one wins
/// depends on how the sums round. Found by the property test below.
#[test]
fn equal_scoring_segmentations_break_ties_as_the_crate_does() {
    let text = "€ä?0ÖOüüüüüÜ";
    assert_eq!(
        encoder().token_ids(text, Role::Query).unwrap(),
        reference_ids(text)
    );
}
