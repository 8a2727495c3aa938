//! FAQ: the curated question/answer file and the search that answers
//! members from it.
//!
//! Every club writes its own FAQ, usually a question, an answer and a
//! couple of alternative wordings per entry, so nothing here may know one
//! club's subject or rely on thresholds one FAQ happens to reach: the
//! search ranks by meaning (multilingual-e5-small) and spelling (character
//! n-grams) over passages the operator wrote, and fits its answer / suggest
//! / none decision on practice questions made from the operator's own file
//! at every load. `docs/faq-search.md` records the research behind it.
//!
//! # Layout
//! - [`FaqBook`] loads and validates `config/faq.toml` (errors name the
//!   file and the entry id or key).
//! - [`FaqIndex`] ranks the entries and decides [`Outcome::Answer`],
//!   [`Outcome::Suggest`] ("did you mean", up to three) or
//!   [`Outcome::None`]; `gate` is its per-FAQ logistic decision, `tfidf`
//!   the spelling score, `text` the normalisation of both languages.
//! - [`eval`] measures the decision on any evaluation set.
//! - [`semantic`] embeds questions and passages with multilingual-e5-small;
//!   `vectors` keeps the vectors between runs.

mod book;
pub mod eval;
mod gate;
mod index;
pub mod semantic;
mod text;
mod tfidf;
mod vectors;

pub use book::{FaqBook, FaqEntry, FaqFileError, FaqText, MAX_ID_LEN, is_valid_id};
pub use index::{
    Calibration, FaqIndex, LearnedPhrase, Outcome, RANKED_LEN, SearchResult, SearchSettings,
};
pub use text::MAX_ANALYSED_CHARS;

/// The values FAQ answers may name as placeholders, from the live
/// settings: `{points.upvote}`, `{points.solution}`,
/// `{points.daily_points_cap}`, `{points.daily_votes_per_voter}`,
/// `{points.daily_votes_per_pair}`, `{points.min_voter_days}`,
/// `{points.max_message_age_days}`, the reaction emoji of every
/// platform (`{points.upvote_emoji.telegram}`,
/// `{points.solution_emoji.discord}`, `.console`; without a platform the
/// default list) and, per shop item, `{shop.SKU.cost}`.
pub fn setting_values(
    points: &crate::config::PointsSettings,
    catalog: Option<&crate::shop::Catalog>,
) -> std::collections::BTreeMap<String, String> {
    let mut values: std::collections::BTreeMap<String, String> = [
        ("points.upvote", points.upvote_points),
        ("points.solution", points.solution_points),
        ("points.daily_points_cap", points.daily_points_cap),
        ("points.daily_votes_per_voter", points.daily_votes_per_voter),
        ("points.daily_votes_per_pair", points.daily_votes_per_pair),
        ("points.min_voter_days", points.min_voter_days),
        ("points.max_message_age_days", points.max_message_age_days),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_string()))
    .collect();
    for item in catalog.map(crate::shop::Catalog::items).unwrap_or_default() {
        values.insert(format!("shop.{}.cost", item.sku), item.cost.to_string());
    }
    values.extend(points.upvote_emoji.placeholders("points.upvote_emoji"));
    values.extend(points.solution_emoji.placeholders("points.solution_emoji"));
    values
}

/// Words that open a question in German or English, folded (ä→ae …).
const QUESTION_OPENERS: &[&str] = &[
    "wie", "was", "wo", "woher", "wohin", "wozu", "womit", "warum", "wieso", "weshalb", "wann",
    "wer", "wen", "wem", "welche", "welcher", "welches", "wieviel", "wieviele", "kann", "kannst",
    "koennen", "koennt", "darf", "duerfen", "muss", "muessen", "soll", "sollte", "gibt", "gibts",
    "ist", "sind", "hat", "habt", "weiss", "how", "what", "why", "where", "when", "who", "which",
    "can", "could", "does", "do", "did", "is", "are", "should", "would", "will", "may", "anyone",
    "jemand",
];

/// Greetings and filler that may come before the question proper.
const LEAD_IN: &[&str] = &[
    "hey", "hi", "hallo", "moin", "servus", "hello", "leute", "guys", "folks", "all", "zusammen",
    "kurze", "quick", "frage", "question", "sorry", "ok", "okay", "also", "so", "and", "und",
    "aber", "but", "du", "ihr", "bot",
];

/// Cheap heuristic: does this chat message look like a question?
///
/// True for a question mark, a German or English question word at the
/// start (after greetings such as "hey leute, kurze frage"), or the word
/// help/hilfe anywhere. Used to decide whether to search the FAQ for a
/// message nobody addressed to the bot.
pub fn looks_like_question(message: &str) -> bool {
    let capped: String = message.chars().take(MAX_ANALYSED_CHARS).collect();
    if capped.contains('?') || capped.contains('？') {
        return true;
    }
    let words = text::normalized_words(&capped);
    if words.iter().any(|w| w == "help" || w == "hilfe") {
        return true;
    }
    words
        .iter()
        .find(|word| !LEAD_IN.contains(&word.as_str()))
        .is_some_and(|first| QUESTION_OPENERS.contains(&first.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_recognised_in_both_languages() {
        assert!(looks_like_question("wie viele punkte hab ich"));
        assert!(looks_like_question(
            "Hey Leute, kurze Frage: wo ist der Shop"
        ));
        assert!(looks_like_question("how do I redeem"));
        assert!(looks_like_question("points?"));
        assert!(looks_like_question("brauche hilfe beim einlösen"));
        assert!(looks_like_question("Warum zählt mein Upvote nicht"));
    }

    #[test]
    fn statements_are_not_questions() {
        assert!(!looks_like_question("danke dir, hat geklappt"));
        assert!(!looks_like_question("great stream yesterday"));
        assert!(!looks_like_question(""));
        assert!(!looks_like_question("🎉🎉🎉"));
        assert!(!looks_like_question("ich weiß wie das geht"));
    }
}
