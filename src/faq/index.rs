//! The in-memory search index and the answer / suggest / none decision.
//!
//! Retrieval: every entry has one passage per language (its question,
//! alternatives, learned phrasings and answer in one text). A question is
//! compared with every passage twice, by meaning (multilingual-e5-small,
//! the question with e5's `query: ` prefix, passages with `passage: `) and
//! by spelling (character 3–5-gram TF-IDF, [`super::tfidf`]); an entry's
//! score in each is its best passage's, each is z-normalised over the
//! entries for this question, and the ranking is their weighted mean. The
//! weight of meaning against spelling is the one that ranks the FAQ's own
//! practice questions best ([`FUSION_STEPS`]), each asked against every
//! practised entry thinned alike, so no entry wins by a shorter passage.
//!
//! Decision: a small logistic model over relative features of the ranking
//! ([`features`]), fitted at build from the operator's file alone (see
//! [`Calibration`]): practice questions are the FAQ's own phrasings asked
//! against passages without them (answerable), with their entry left out
//! and with their entry's answer swapped for its nearest neighbour's
//! (near-misses, [`swapped_answer`]), plus generic chatter of both languages
//! (`chatter.toml`) and the questions moderators marked as not covered. The
//! answer threshold keeps wrong answers on the practice questions at
//! [`SearchSettings::max_wrong_rate`]; a second model decides whether the
//! best entries are worth suggesting. Both models also learn from hurried
//! copies of the phrasings ([`hurried`]), because members type less tidily
//! than operators; the answer threshold is still read off the tidy
//! practice.
//! A question closer by meaning to the shipped chatter than to any
//! phrasing is small talk and gets no suggestions. A question equal to a
//! phrasing word for word (after folding) is answered by that entry
//! outright.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::book::{FaqBook, FaqText};
use super::gate::{self, FEATURES, Logistic, Sample};
use super::semantic::{Embedder, SemanticError, Vector, cosine};
use super::text::{content_words, normalized_words};
use super::tfidf::{Sparse, TfIdf};
use crate::lang::Lang;

/// What an operator may set about the decision (`faq.max_wrong_rate`).
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SearchSettings {
    /// The share of questions the bot may answer with a wrong entry, as
    /// measured on the FAQ's practice questions at load. Lower answers
    /// less and suggests more.
    pub max_wrong_rate: f32,
    /// At most this many suggestions.
    pub max_suggestions: usize,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            max_wrong_rate: 0.03,
            max_suggestions: 3,
        }
    }
}

/// Practice passages keep at most this many of an entry's phrasings (the
/// question and one alternative, after one is left out): a FAQ with thirty
/// alternatives per entry makes every left-out phrasing easy to find, and
/// a threshold read off such easy practice answers too much on real
/// questions. Practising as if the FAQ were thin keeps the setting honest
/// for thin and thick FAQs alike.
const PRACTICE_PHRASINGS: usize = 2;

/// An entry's phrasings of one language are left out in at most this many
/// folds (one passage embedding each), so practice costs three passage
/// embeddings per entry and language however many alternatives it has.
const PRACTICE_FOLDS: usize = 3;

/// Practice uses at most this many entries (evenly spread) of a large
/// FAQ, so a first start of a 1,000-entry FAQ stays in bounds.
const MAX_PRACTICE_ENTRIES: usize = 150;

/// How the practice questions are weighed: members mostly ask what the FAQ
/// answers; the rest are about equally near-misses in the FAQ's own
/// vocabulary and chatter. A prior about support chats, not fitted to any
/// evaluation set.
const ANSWERABLE_SHARE: f32 = 0.7;
const NEAR_MISS_SHARE: f32 = 0.15;
const OFF_TOPIC_SHARE: f32 = 0.15;

/// Below this many answerable practice questions (a FAQ of a handful of
/// entries with no alternatives) the decision is not fitted: the search
/// suggests its best entries and answers only word-for-word phrasings.
const MIN_PRACTICE: usize = 20;

/// Generic chatter of both languages, nothing about any club's subject.
const CHATTER: &str = include_str!("chatter.toml");

/// A member's wording that a moderator taught the bot for an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnedPhrase {
    pub entry_id: String,
    pub text: String,
}

/// What the bot should do with a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Answer with this entry.
    Answer(String),
    /// Offer these entries, best first ("did you mean").
    Suggest(Vec<String>),
    /// The FAQ has no answer yet.
    None,
}

/// The decision plus the evidence behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    pub outcome: Outcome,
    /// The best entry's score (0 when nothing matched).
    pub score: f32,
    /// The best entries with their scores, best first (at most
    /// [`RANKED_LEN`]).
    pub ranked: Vec<(String, f32)>,
}

/// How many ranked entries a result keeps.
pub const RANKED_LEN: usize = 10;

/// A JSON string literal (quotes and escapes) for an id.
fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

impl SearchResult {
    /// One JSON line in the documented contract spacing:
    /// `{"answer": "entry-id", "suggestions": ["a", "b"], "score": 0.543}`
    /// (a space after every colon and comma, keys in this order, `null`
    /// when there is no answer, the score rounded to three decimals).
    /// Suggestions are empty unless the outcome is a suggestion.
    pub fn to_json_line(&self) -> String {
        let (answer, suggestions): (Option<&str>, &[String]) = match &self.outcome {
            Outcome::Answer(id) => (Some(id.as_str()), &[]),
            Outcome::Suggest(ids) => (None, ids.as_slice()),
            Outcome::None => (None, &[]),
        };
        let answer = answer.map_or_else(|| "null".to_owned(), json_string);
        let suggestions: Vec<String> = suggestions.iter().map(|id| json_string(id)).collect();
        let score = if self.score.is_finite() {
            (self.score * 1000.0).round() / 1000.0
        } else {
            0.0
        };
        let score = serde_json::to_string(&score).unwrap_or_else(|_| "0.0".to_owned());
        format!(
            r#"{{"answer": {answer}, "suggestions": [{}], "score": {score}}}"#,
            suggestions.join(", ")
        )
    }

    /// The answered entry id, if the outcome is an answer.
    pub fn answer(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Answer(id) => Some(id),
            _ => None,
        }
    }

    /// The suggested entry ids (empty unless the outcome is a suggestion).
    pub fn suggestions(&self) -> &[String] {
        match &self.outcome {
            Outcome::Suggest(ids) => ids,
            _ => &[],
        }
    }
}

/// The search index over a FAQ book. Immutable after [`FaqIndex::build`];
/// share it behind an `Arc` and rebuild to change it.
pub struct FaqIndex {
    book: FaqBook,
    settings: SearchSettings,
    /// The entry (book position) of every passage.
    doc_entry: Vec<u32>,
    /// The language of every passage.
    doc_lang: Vec<Lang>,
    tfidf: TfIdf,
    /// The passages in the sentence model's space, when it is loaded.
    meaning: Option<Meaning>,
    /// Every phrasing's normalized form (see [`exact_key`]) and the
    /// entries (book positions, ascending) that have it.
    exact: HashMap<String, Vec<u32>>,
    /// The normalized forms of the questions marked as not covered: never
    /// answered again word for word (unless also learned as a phrasing).
    not_covered: std::collections::HashSet<String>,
    calibration: Calibration,
}

/// The passages' vectors.
struct Meaning {
    embedder: Arc<Embedder>,
    /// One vector per passage, in `doc_entry` order.
    passages: Vec<Vector>,
    /// Every phrasing's vector (with the query prefix) and its entry.
    phrasings: Vec<Vector>,
    phrasing_entry: Vec<u32>,
    /// The shipped chatter's vectors (query prefix): a question closer to
    /// one of them than to any phrasing is small talk.
    chatter: Vec<Vector>,
}

/// How much the closest phrasing (question compared with question) counts
/// beside the closest passage in an entry's closeness by meaning: half.
/// The passage carries the answer's facts, the phrasings how members ask;
/// on the thinned shipped FAQ the blend put the right entry in the first
/// three for 92.7% of its questions against 90.6% for passages alone.
const PHRASING_WEIGHT: f32 = 0.5;

/// The fusion weight of meaning against spelling is chosen among
/// 0, 1/10, …, 1 (the steps of this many tenths): the one with the best
/// mean reciprocal rank of the answerable practice questions, ties going
/// to the even mix. Why chosen per FAQ: how much spelling helps depends on
/// how an operator writes (the shipped FAQ's practice peaks at 0.7, a FAQ
/// of one alternative per language at 0.6); why against entries thinned
/// alike: compared with full passages the practice question's own,
/// shorter passage wins by spelling (TF-IDF cosines favour short texts),
/// and the full shipped FAQ then chose spelling alone (0.0), which lost
/// 0.9 points of "within" on its eval. Figures: `docs/faq-search.md`,
/// round eleven.
const FUSION_STEPS: usize = 10;

/// The position of the question's length among the [`analyse_scores`]
/// features. The answer model leaves it out: answerable and near-miss
/// practice questions are the same phrasings (the near-miss is one asked
/// with its entry left out), so their lengths are equal by construction,
/// and all the model could learn about length comes from how long the
/// shipped chatter lines and the [`hurried`] copies happen to be, which
/// says nothing about how a club's members write (their questions run
/// longer than the operator's phrasings: greetings, context). Measured on
/// the practice itself (five folds by entry), length adds nothing to
/// telling right answers from near-misses on any FAQ measured; left in,
/// it made members' longer questions look less answerable. The
/// suggestion model keeps it: a one-word "lol" is chatter. Figures:
/// `docs/faq-search.md`, round twelve.
const LENGTH_FEATURE: usize = 6;

/// The suggestion gate only keeps chatter out: it lets through this share
/// of the answerable practice questions (tidy and [`hurried`]) whose entry
/// ranked in the first three. Suggestions are not answers, so a near-miss
/// that gets them costs the member a look, not a wrong answer.
const OFFER_RECALL: f32 = 0.995;

/// A phrasing of the FAQ asked as a question against the FAQ without it.
struct PracticeQuestion {
    /// The entry (book position) it belongs to.
    entry: usize,
    text: String,
    /// The reduced passage that stands for its entry meanwhile.
    passage: usize,
    /// The same passage with a neighbour's answer (see
    /// [`FaqIndex::swapped_answer`]), if the FAQ has a neighbour in the
    /// language.
    swapped: Option<usize>,
    /// A [`hurried`] copy: the models learn from it, the answer threshold
    /// is read without it.
    hurried: bool,
    /// The language of the text it was taken from.
    lang: Lang,
}

/// The fitted decision.
#[derive(Debug, Clone)]
pub struct Calibration {
    answer: Logistic,
    /// Answer when the answer model says at least this.
    answer_threshold: f32,
    offer: Logistic,
    /// Otherwise suggest when the offer model says at least this.
    offer_threshold: f32,
    /// Practice questions it was fitted on: answerable, near-miss,
    /// off-topic.
    pub practice: [usize; 3],
    /// How much meaning counts against spelling in the fused score (the
    /// rest is spelling's), chosen on the practice questions.
    pub meaning_weight: f32,
    /// How long making the practice questions and fitting took (embedding
    /// the practice passages and questions included): part of every
    /// start's cost.
    pub fitted_in: std::time::Duration,
}

impl Default for Calibration {
    /// Before any practice (an empty FAQ): never answer, always suggest.
    fn default() -> Self {
        Calibration {
            answer: Logistic::default(),
            answer_threshold: 1.01,
            offer: Logistic::default(),
            offer_threshold: 0.0,
            practice: [0; 3],
            meaning_weight: 0.5,
            fitted_in: std::time::Duration::ZERO,
        }
    }
}

/// A ranking of the entries with the features the decision reads.
#[derive(Debug, Clone, Default)]
struct Analysis {
    /// Entries (book positions) with their fused scores, best first.
    ranked: Vec<(usize, f32)>,
    features: [f32; FEATURES],
}

impl Analysis {
    /// The same with only the first `head` entries of the ranking.
    fn keeping(mut self, head: usize) -> Analysis {
        self.ranked.truncate(head);
        self.ranked.shrink_to_fit();
        self
    }
}

/// One passage text: phrasings, then the answer.
fn passage_text<'a>(phrasings: impl IntoIterator<Item = &'a str>, answer: &str) -> String {
    let mut text: Vec<&str> = phrasings.into_iter().collect();
    text.push(answer);
    text.join("\n")
}

impl FaqIndex {
    /// Indexes `book` plus `learned` phrasings (joined to their entry's
    /// passages; ids the book does not have are ignored), without negatives.
    pub fn build(
        book: FaqBook,
        learned: &[LearnedPhrase],
        settings: SearchSettings,
        embedder: Option<Arc<Embedder>>,
    ) -> FaqIndex {
        FaqIndex::build_with_negatives(book, learned, &[], settings, embedder)
    }

    /// Indexes `book` with `learned` phrasings and `negatives`, questions a
    /// moderator marked as not covered by the FAQ (practice questions the
    /// decision must refuse). With an `embedder` the passages are placed in
    /// the sentence model's space; if embedding fails the index compares
    /// spelling only (and says so in the log).
    pub fn build_with_negatives(
        book: FaqBook,
        learned: &[LearnedPhrase],
        negatives: &[String],
        settings: SearchSettings,
        embedder: Option<Arc<Embedder>>,
    ) -> FaqIndex {
        let entry_of: HashMap<&str, usize> = book
            .entries()
            .iter()
            .enumerate()
            .map(|(i, entry)| (entry.id.as_str(), i))
            .collect();
        let mut learned_of: Vec<Vec<&str>> = vec![Vec::new(); book.len()];
        for phrase in learned {
            if let Some(&entry) = entry_of.get(phrase.entry_id.as_str()) {
                learned_of[entry].push(phrase.text.as_str());
            }
        }
        let mut doc_entry = Vec::new();
        let mut doc_lang = Vec::new();
        let mut passages = Vec::new();
        let mut exact: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, entry) in book.entries().iter().enumerate() {
            for (lang, text) in entry.texts_by_lang() {
                let phrasings = text.phrasings().chain(learned_of[i].iter().copied());
                passages.push(passage_text(phrasings, &text.answer));
                doc_entry.push(i as u32);
                doc_lang.push(lang);
            }
            let all = entry.texts().flat_map(FaqText::phrasings);
            for phrasing in all.chain(learned_of[i].iter().copied()) {
                let key = exact_key(phrasing);
                if key.is_empty() {
                    continue;
                }
                let entries = exact.entry(key).or_default();
                if !entries.contains(&(i as u32)) {
                    entries.push(i as u32);
                }
            }
        }
        let texts: Vec<&str> = passages.iter().map(String::as_str).collect();
        let tfidf = TfIdf::build(&texts);
        let mut phrasing_texts: Vec<&str> = Vec::new();
        let mut phrasing_entry: Vec<u32> = Vec::new();
        for (i, entry) in book.entries().iter().enumerate() {
            let all = entry.texts().flat_map(FaqText::phrasings);
            for phrasing in all.chain(learned_of[i].iter().copied()) {
                phrasing_texts.push(phrasing);
                phrasing_entry.push(i as u32);
            }
        }
        let meaning = embedder.and_then(|embedder| {
            let chatter = chatter();
            let chatter: Vec<&str> = chatter.iter().map(String::as_str).collect();
            let embedded = embedder.passages(&texts).and_then(|passages| {
                Ok((
                    passages,
                    embedder.phrasings(&phrasing_texts)?,
                    embedder.phrasings(&chatter)?,
                ))
            });
            match embedded {
                Ok((passages, phrasings, chatter)) => Some(Meaning {
                    embedder,
                    passages,
                    phrasings,
                    phrasing_entry,
                    chatter,
                }),
                Err(error) => {
                    tracing::warn!(%error, "the FAQ compares spelling only");
                    None
                }
            }
        });
        drop(entry_of);
        let mut index = FaqIndex {
            book,
            settings,
            doc_entry,
            doc_lang,
            tfidf,
            meaning,
            exact,
            not_covered: negatives.iter().map(|q| exact_key(q)).collect(),
            calibration: Calibration::default(),
        };
        let started = std::time::Instant::now();
        match index.calibrate(negatives) {
            Ok(calibration) => index.calibration = calibration,
            Err(error) => {
                tracing::warn!(%error, "the FAQ's decision could not be fitted; it only suggests");
            }
        }
        index.calibration.fitted_in = started.elapsed();
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            practice = ?index.calibration.practice,
            answer_threshold = index.calibration.answer_threshold,
            offer_threshold = index.calibration.offer_threshold,
            "FAQ decision fitted"
        );
        index
    }

    pub fn book(&self) -> &FaqBook {
        &self.book
    }

    pub fn settings(&self) -> &SearchSettings {
        &self.settings
    }

    /// The fitted decision (practice counts, for diagnostics).
    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// Whether the sentence model takes part.
    pub fn has_meaning(&self) -> bool {
        self.meaning.is_some()
    }

    /// Matches a member's question against every entry, whatever language
    /// either is written in, and decides answer / suggest / none.
    pub fn search(&self, question: &str) -> SearchResult {
        if normalized_words(question).is_empty() {
            return self.search_with(question, Ok(None));
        }
        self.search_with(question, self.question_vector(question))
    }

    /// [`FaqIndex::search`] with the question's vector at hand.
    fn search_with(
        &self,
        question: &str,
        vector: Result<Option<Vector>, SemanticError>,
    ) -> SearchResult {
        if normalized_words(question).is_empty() {
            return SearchResult {
                outcome: Outcome::None,
                score: 0.0,
                ranked: Vec::new(),
            };
        }
        let ((analysis, nearest_phrasing), meaning_failed) = match &vector {
            Ok(vector) => (self.analyse_nearest(question, vector.as_deref()), false),
            Err(error) => {
                tracing::warn!(%error, "comparing this question by spelling only");
                (self.analyse_nearest(question, None), true)
            }
        };
        let small_talk = match &vector {
            Ok(Some(vector)) => self.is_small_talk(vector, nearest_phrasing),
            _ => false,
        };
        let calibration = &self.calibration;
        let p_answer = calibration.answer.probability(&analysis.features);
        let top: Vec<usize> = analysis
            .ranked
            .iter()
            .take(self.settings.max_suggestions.max(1))
            .map(|(entry, _)| *entry)
            .collect();
        tracing::trace!(
            target: "fanclub::faq::decision",
            question,
            features = ?analysis.features,
            p_answer,
            p_offer = calibration.offer.probability(&analysis.features),
            top = ?top.iter().map(|&e| &self.book.entries()[e].id).collect::<Vec<_>>(),
            small_talk,
            offered = calibration.offer.probability(&analysis.features)
                >= calibration.offer_threshold,
            exact = ?self.exact.get(&exact_key(question)).map(|entries| {
                entries
                    .iter()
                    .map(|&e| &self.book.entries()[e as usize].id)
                    .collect::<Vec<_>>()
            }),
            "decided"
        );
        let outcome = match self.exact.get(&exact_key(question)) {
            Some(entries) => decide_exact(entries, &analysis.ranked),
            None if top.is_empty() => Decision::None,
            None if self.not_covered.contains(&exact_key(question)) => Decision::None,
            None if !meaning_failed && p_answer >= calibration.answer_threshold => {
                Decision::Answer(top[0])
            }
            None if small_talk => Decision::None,
            None if meaning_failed
                || calibration.offer.probability(&analysis.features)
                    >= calibration.offer_threshold =>
            {
                Decision::Suggest(top)
            }
            None => Decision::None,
        };
        let ranked = analysis
            .ranked
            .into_iter()
            .take(RANKED_LEN)
            .map(|(entry, score)| (self.book.entries()[entry].id.clone(), score))
            .collect();
        SearchResult {
            outcome: outcome_ids(outcome, &self.book),
            score: p_answer,
            ranked,
        }
    }

    /// Searches many questions at once: their vectors are embedded in one
    /// batch and kept in the model's cache, so measuring a set again (the
    /// eval command) costs no embedding.
    pub fn search_all(&self, questions: &[&str]) -> Vec<SearchResult> {
        let vectors = self.meaning.as_ref().map(|meaning| {
            meaning.embedder.phrasings(questions).inspect_err(
                |error| tracing::warn!(%error, "the questions could not be embedded in one batch"),
            )
        });
        match vectors {
            Some(Ok(vectors)) => questions
                .iter()
                .zip(vectors)
                .map(|(question, vector)| self.search_with(question, Ok(Some(vector))))
                .collect(),
            _ => questions
                .iter()
                .map(|question| self.search(question))
                .collect(),
        }
    }

    /// Is the question closer by meaning to the shipped chatter than to
    /// every phrasing of the FAQ (the nearest of which is
    /// `nearest_phrasing` away)?
    fn is_small_talk(&self, vector: &[f32], nearest_phrasing: f32) -> bool {
        let Some(meaning) = &self.meaning else {
            return false;
        };
        let nearest_chatter = meaning
            .chatter
            .iter()
            .map(|chatter| cosine(vector, chatter))
            .fold(f32::NEG_INFINITY, f32::max);
        nearest_chatter > nearest_phrasing
    }

    /// The question's vector, or `None` without the model.
    fn question_vector(&self, question: &str) -> Result<Option<Vector>, SemanticError> {
        self.meaning
            .as_ref()
            .map(|meaning| meaning.embedder.question(question))
            .transpose()
    }

    /// Ranks the entries for a question (with its vector when the model is
    /// loaded), meaning weighing `meaning_weight` against spelling, and
    /// computes the decision's features.
    fn analyse_weighted(
        &self,
        question: &str,
        vector: Option<&[f32]>,
        meaning_weight: f32,
    ) -> Analysis {
        self.analyse_nearest_with(question, vector, meaning_weight)
            .0
    }

    /// [`FaqIndex::analyse_weighted`] with the fitted weight, plus the
    /// closeness by meaning of the phrasing nearest to the question (−∞
    /// without a vector).
    fn analyse_nearest(&self, question: &str, vector: Option<&[f32]>) -> (Analysis, f32) {
        self.analyse_nearest_with(question, vector, self.calibration.meaning_weight)
    }

    /// [`FaqIndex::analyse_nearest`] with a weight of its own.
    fn analyse_nearest_with(
        &self,
        question: &str,
        vector: Option<&[f32]>,
        meaning_weight: f32,
    ) -> (Analysis, f32) {
        let (e5, tf) = self.doc_scores(question, vector);
        let entries = self.book.len();
        let closest = self.closest_phrasings(vector);
        let e5 = e5.map(|scores| self.entry_meaning(&scores, closest.as_deref(), None));
        let tf = self.entry_best(&tf, entries, None);
        let nearest = closest
            .iter()
            .flatten()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        let analysis = analyse_scores(
            e5.as_deref(),
            &tf,
            content_words(question).len(),
            meaning_weight,
        );
        (analysis, nearest)
    }

    /// Each entry's closest phrasing to the question by meaning (−∞ for an
    /// entry without phrasings); `None` without the model or a vector.
    fn closest_phrasings(&self, vector: Option<&[f32]>) -> Option<Vec<f32>> {
        let (Some(meaning), Some(vector)) = (&self.meaning, vector) else {
            return None;
        };
        let mut closest = vec![f32::NEG_INFINITY; self.book.len()];
        for (phrasing, &entry) in meaning.phrasings.iter().zip(&meaning.phrasing_entry) {
            let entry = entry as usize;
            closest[entry] = closest[entry].max(cosine(vector, phrasing));
        }
        Some(closest)
    }

    /// Every passage's closeness to the question by meaning (when there is
    /// a vector) and by spelling.
    fn doc_scores(&self, question: &str, vector: Option<&[f32]>) -> (Option<Vec<f32>>, Vec<f32>) {
        let tf = self.tfidf.cosines(&self.tfidf.vector(question));
        let e5 = vector.zip(self.meaning.as_ref()).map(|(vector, meaning)| {
            meaning
                .passages
                .iter()
                .map(|passage| cosine(vector, passage))
                .collect()
        });
        (e5, tf)
    }

    /// Each entry's closeness by meaning: its best passage, blended with
    /// its closest phrasing (from [`FaqIndex::closest_phrasings`]);
    /// `leave_out`'s is NaN.
    fn entry_meaning(
        &self,
        doc_scores: &[f32],
        closest: Option<&[f32]>,
        leave_out: Option<usize>,
    ) -> Vec<f32> {
        let entries = self.book.len();
        let mut best = self.entry_best(doc_scores, entries, leave_out);
        let weight = PHRASING_WEIGHT;
        let Some(closest) = closest else {
            return best;
        };
        for (score, &phrasing) in best.iter_mut().zip(closest) {
            if score.is_finite() && phrasing.is_finite() {
                *score = (1.0 - weight) * *score + weight * phrasing;
            }
        }
        best
    }

    /// The answer of the passage nearest to `entry`'s passage in `lang`
    /// (by meaning, or by spelling without the model) among the other
    /// entries' passages in that language: what a practice near-miss
    /// reads in place of the entry's own answer.
    ///
    /// Why: the near-misses that members ask (and that got answered
    /// wrongly) use an entry's own words about something its answer does
    /// not say. A phrasing asked with its entry left out is not like that
    /// (its best remaining entry is about something else, so it is easy to
    /// refuse: 9% of such practice passed the threshold on velora's file,
    /// against 29% of velora's real near-misses). The entry's phrasings
    /// with a neighbour's answer are: they pass as often as real ones, so
    /// the threshold read with them holds the wrong rate closer to
    /// `max_wrong_rate` on FAQs written by others. Figures:
    /// `docs/faq-search.md`, round fourteen.
    fn swapped_answer(&self, entry: usize, lang: Lang) -> Option<&str> {
        let own = (0..self.doc_entry.len())
            .find(|&d| self.doc_entry[d] as usize == entry && self.doc_lang[d] == lang)?;
        let closeness: Vec<f32> = match &self.meaning {
            Some(meaning) => (meaning.passages.iter())
                .map(|passage| cosine(&meaning.passages[own], passage))
                .collect(),
            None => {
                let text = self.book.entries()[entry].text_in(lang)?;
                let own_text = passage_text(text.phrasings(), &text.answer);
                self.tfidf.cosines(&self.tfidf.vector(&own_text))
            }
        };
        let nearest = (0..self.doc_entry.len())
            .filter(|&d| self.doc_entry[d] as usize != entry && self.doc_lang[d] == lang)
            .max_by(|&a, &b| closeness[a].total_cmp(&closeness[b]))?;
        let neighbour = &self.book.entries()[self.doc_entry[nearest] as usize];
        neighbour.text_in(lang).map(|text| text.answer.as_str())
    }

    /// Each entry's best passage score; `leave_out`'s is NaN (not ranked).
    fn entry_best(&self, doc_scores: &[f32], entries: usize, leave_out: Option<usize>) -> Vec<f32> {
        let mut best = vec![f32::NEG_INFINITY; entries];
        for (score, &entry) in doc_scores.iter().zip(&self.doc_entry) {
            let entry = entry as usize;
            best[entry] = best[entry].max(*score);
        }
        for score in &mut best {
            if *score == f32::NEG_INFINITY {
                *score = f32::NAN;
            }
        }
        if let Some(entry) = leave_out {
            best[entry] = f32::NAN;
        }
        best
    }

    /// Fits the decision on practice questions from the FAQ itself.
    fn calibrate(&self, negatives: &[String]) -> Result<Calibration, SemanticError> {
        let entries = self.book.len();
        if entries < 2 {
            return Ok(Calibration::default());
        }
        let step = entries.div_ceil(MAX_PRACTICE_ENTRIES);
        // Practice questions: (entry, phrasing, reduced passage).
        let mut practice: Vec<PracticeQuestion> = Vec::new();
        let mut reduced: Vec<String> = Vec::new();
        let mut reduced_kept: Vec<Vec<&str>> = Vec::new();
        let mut swapped: Vec<String> = Vec::new();
        // Each practised entry's first reduced passage per language: what
        // competes with a practice question's own reduced passage when the
        // fusion weight is chosen (see below).
        let mut thin_passages: Vec<Vec<usize>> = vec![Vec::new(); entries];
        for (i, entry) in self.book.entries().iter().enumerate().step_by(step) {
            for (lang, text) in entry.texts_by_lang() {
                let neighbour_answer = self.swapped_answer(i, lang);
                let phrasings: Vec<&str> = text.phrasings().collect();
                let folds = phrasings.len().min(PRACTICE_FOLDS);
                for fold in 0..folds {
                    let kept: Vec<&str> = phrasings
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| j % folds != fold)
                        .map(|(_, p)| *p)
                        .take(PRACTICE_PHRASINGS)
                        .collect();
                    reduced.push(passage_text(kept.iter().copied(), &text.answer));
                    let swapped_passage = neighbour_answer.map(|answer| {
                        swapped.push(passage_text(kept.iter().copied(), answer));
                        swapped.len() - 1
                    });
                    reduced_kept.push(kept);
                    let passage = reduced.len() - 1;
                    if fold == 0 {
                        thin_passages[i].push(passage);
                    }
                    for (_, phrasing) in phrasings
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| j % folds == fold)
                    {
                        practice.push(PracticeQuestion {
                            entry: i,
                            text: (*phrasing).to_owned(),
                            passage,
                            swapped: swapped_passage,
                            hurried: false,
                            lang,
                        });
                        if let Some(text) = hurried(phrasing) {
                            practice.push(PracticeQuestion {
                                entry: i,
                                text,
                                passage,
                                swapped: swapped_passage,
                                hurried: true,
                                lang,
                            });
                        }
                    }
                }
            }
        }
        let chatter = chatter();
        let off_topic: Vec<&str> = chatter
            .iter()
            .map(String::as_str)
            .chain(negatives.iter().map(String::as_str))
            .collect();

        let reduced_refs: Vec<&str> = reduced.iter().map(String::as_str).collect();
        let swapped_refs: Vec<&str> = swapped.iter().map(String::as_str).collect();
        let questions: Vec<&str> = practice.iter().map(|q| q.text.as_str()).collect();
        let (reduced_vectors, swapped_vectors, question_vectors, off_topic_vectors) =
            match &self.meaning {
                Some(meaning) => (
                    Some(meaning.embedder.passages(&reduced_refs)?),
                    Some(meaning.embedder.passages(&swapped_refs)?),
                    Some(meaning.embedder.phrasings(&questions)?),
                    Some(meaning.embedder.phrasings(&off_topic)?),
                ),
                None => (None, None, None, None),
            };
        let kept_vectors: Option<Vec<Vec<Vector>>> = match &self.meaning {
            Some(meaning) => Some(
                reduced_kept
                    .iter()
                    .map(|kept| meaning.embedder.phrasings(kept))
                    .collect::<Result<_, _>>()?,
            ),
            None => None,
        };
        let weight = PHRASING_WEIGHT;
        let reduced_tf: Vec<Sparse> = reduced.iter().map(|text| self.tfidf.vector(text)).collect();
        let swapped_tf: Vec<Sparse> = swapped.iter().map(|text| self.tfidf.vector(text)).collect();

        type Raw = (Option<Vec<f32>>, Vec<f32>, usize);
        let mut raw_answerable: Vec<(Raw, usize, bool)> = Vec::new();
        // Reciprocal ranks of the practice questions' entries summed per
        // candidate fusion weight (see [`FUSION_STEPS`]).
        let mut reciprocal_ranks = [0f32; FUSION_STEPS + 1];
        let mut raw_near_miss: Vec<(Raw, bool)> = Vec::new();
        let mut raw_swapped: Vec<(Raw, bool)> = Vec::new();
        for (n, practiced) in practice.iter().enumerate() {
            let PracticeQuestion {
                entry,
                text: question,
                passage,
                swapped,
                hurried,
                ..
            } = practiced;
            let vector = question_vectors.as_ref().map(|v| &*v[n]);
            let query_tf = self.tfidf.vector(question);
            let (e5, tf) = self.doc_scores(question, vector);
            let words = content_words(question).len();
            let e5_left = e5.as_ref().map(|s| {
                let closest = self.closest_phrasings(vector);
                self.entry_meaning(s, closest.as_deref(), Some(*entry))
            });
            let tf_left = self.entry_best(&tf, entries, Some(*entry));
            raw_near_miss.push(((e5_left.clone(), tf_left.clone(), words), *hurried));
            // The question against the FAQ with its entry standing as one
            // passage (by meaning: its vector, and the kept phrasings of
            // reduced passage `kept_of`) and that passage's spelling.
            let standing = |passage_vector: Option<&Vector>, kept_of: usize, spelling: &Sparse| {
                let mut e5 = e5_left.clone();
                if let (Some(scores), Some(vector), Some(passage_vector), Some(kept)) =
                    (&mut e5, vector, passage_vector, &kept_vectors)
                {
                    let passage_score = cosine(vector, passage_vector);
                    let phrasing_score = kept[kept_of]
                        .iter()
                        .map(|kept| cosine(vector, kept))
                        .fold(f32::NEG_INFINITY, f32::max);
                    scores[*entry] = if phrasing_score.is_finite() {
                        (1.0 - weight) * passage_score + weight * phrasing_score
                    } else {
                        passage_score
                    };
                }
                let mut tf = tf_left.clone();
                tf[*entry] = query_tf.dot(spelling);
                (e5, tf)
            };
            if let Some(swapped) = swapped {
                let vector = swapped_vectors.as_ref().map(|v| &v[*swapped]);
                let (e5, tf) = standing(vector, *passage, &swapped_tf[*swapped]);
                raw_swapped.push(((e5, tf, words), *hurried));
            }
            let reduced_vector = reduced_vectors.as_ref().map(|v| &v[*passage]);
            let (e5_reduced, tf_reduced) =
                standing(reduced_vector, *passage, &reduced_tf[*passage]);
            // The same question against every practised entry thinned as
            // its own entry is, so that no entry wins by a shorter passage.
            let mut fair_e5 = e5_reduced.clone();
            let mut fair_tf = tf_reduced.clone();
            for (other, passages) in thin_passages.iter().enumerate() {
                if other == *entry || passages.is_empty() {
                    continue;
                }
                fair_tf[other] = passages
                    .iter()
                    .map(|&p| query_tf.dot(&reduced_tf[p]))
                    .fold(f32::NEG_INFINITY, f32::max);
                if let (Some(scores), Some(vector), Some(reduced), Some(kept)) =
                    (&mut fair_e5, vector, &reduced_vectors, &kept_vectors)
                {
                    scores[other] = passages
                        .iter()
                        .map(|&p| {
                            let passage_score = cosine(vector, &reduced[p]);
                            let phrasing_score = kept[p]
                                .iter()
                                .map(|kept| cosine(vector, kept))
                                .fold(f32::NEG_INFINITY, f32::max);
                            if phrasing_score.is_finite() {
                                (1.0 - weight) * passage_score + weight * phrasing_score
                            } else {
                                passage_score
                            }
                        })
                        .fold(f32::NEG_INFINITY, f32::max);
                }
            }
            if fair_e5.is_some() {
                for (step, sum) in reciprocal_ranks.iter_mut().enumerate() {
                    let w = step as f32 / FUSION_STEPS as f32;
                    let ranked = analyse_scores(fair_e5.as_deref(), &fair_tf, words, w).ranked;
                    if let Some(rank) = ranked.iter().position(|(e, _)| e == entry) {
                        *sum += 1.0 / (rank as f32 + 1.0);
                    }
                }
            }
            raw_answerable.push(((e5_reduced, tf_reduced, words), *entry, *hurried));
        }
        // The weight of meaning against spelling: the one that ranks the
        // FAQ's own practice questions best (see [`FUSION_STEPS`]).
        let meaning_weight = if self.meaning.is_some() {
            let mut best = (f32::NEG_INFINITY, 0.5f32);
            for (step, &sum) in reciprocal_ranks.iter().enumerate() {
                let w = step as f32 / FUSION_STEPS as f32;
                let better = sum > best.0 + 1e-3
                    || ((sum - best.0).abs() <= 1e-3 && (w - 0.5).abs() < (best.1 - 0.5).abs());
                if better {
                    best = (sum, w);
                }
            }
            let curve: Vec<f32> = reciprocal_ranks
                .iter()
                .map(|sum| sum / practice.len().max(1) as f32)
                .collect();
            tracing::debug!(
                meaning_weight = best.1,
                ?curve,
                "fusion weight from practice"
            );
            best.1
        } else {
            0.5
        };
        // Each practice question keeps only the head of its ranking that the
        // fit reads (the first entry, the suggestions): whole rankings of
        // thousands of practice questions were most of a start's memory,
        // and what the allocator keeps of that peak stays resident.
        let suggested = self.settings.max_suggestions.max(1);
        let answerable: Vec<(Analysis, usize, bool, Option<usize>)> = raw_answerable
            .into_iter()
            .map(|((e5, tf, words), entry, hurried)| {
                let analysis = analyse_scores(e5.as_deref(), &tf, words, meaning_weight);
                let rank = analysis.ranked.iter().position(|(e, _)| *e == entry);
                (analysis.keeping(suggested), entry, hurried, rank)
            })
            .collect();
        let near_miss_analysis = |((e5, tf, words), hurried): (Raw, bool)| {
            let analysis = analyse_scores(e5.as_deref(), &tf, words, meaning_weight);
            (analysis.keeping(1), hurried)
        };
        let left_out: Vec<(Analysis, bool)> =
            raw_near_miss.into_iter().map(near_miss_analysis).collect();
        let swapped: Vec<(Analysis, bool)> =
            raw_swapped.into_iter().map(near_miss_analysis).collect();
        let off: Vec<Analysis> = off_topic
            .iter()
            .enumerate()
            .map(|(n, question)| {
                let vector = off_topic_vectors.as_ref().map(|v| &*v[n]);
                self.analyse_weighted(question, vector, meaning_weight)
                    .keeping(1)
            })
            .collect();

        for ((analysis, _, hurried, rank), practiced) in answerable.iter().zip(&practice) {
            tracing::trace!(
                target: "fanclub::faq::practice",
                kind = "answerable",
                hurried,
                lang = practiced.lang.code(),
                entry = practiced.entry,
                rank,
                features = ?analysis.features,
                "practice"
            );
        }
        let with_neighbour = practice.iter().filter(|q| q.swapped.is_some());
        let near_misses = (left_out.iter().zip(practice.iter()))
            .map(|(analysis, practiced)| ("near_miss", analysis, practiced))
            .chain(
                (swapped.iter().zip(with_neighbour))
                    .map(|(analysis, practiced)| ("answer_swapped", analysis, practiced)),
            );
        for (kind, (analysis, hurried), practiced) in near_misses {
            tracing::trace!(
                target: "fanclub::faq::practice",
                kind,
                hurried,
                lang = practiced.lang.code(),
                entry = practiced.entry,
                top = analysis.ranked.first().map(|(e, _)| *e),
                features = ?analysis.features,
                "practice"
            );
        }
        for analysis in &off {
            tracing::trace!(
                target: "fanclub::faq::practice",
                kind = "off_topic",
                features = ?analysis.features,
                "practice"
            );
        }
        // Each kind of practice weighs its share, spread over its samples:
        // over all of them where a model learns, over the tidy ones where
        // the answer threshold is read.
        let share = |share: f32, count: usize| share / count.max(1) as f32;
        let tidy = answerable
            .iter()
            .filter(|(_, _, hurried, _)| !hurried)
            .count();
        let all = answerable.len();
        let w_off = share(OFF_TOPIC_SHARE, off.len());
        let sample = |analysis: &Analysis, label: bool, weight: f32| Sample {
            features: analysis.features,
            label,
            weight,
        };
        // The answer model learns from tidy and hurried practice alike (it
        // then leans less on how tidy a question is); its threshold is read
        // off the tidy practice, so `max_wrong_rate` keeps its meaning.
        let mut learn_samples = Vec::new();
        let mut threshold_samples = Vec::new();
        let mut offer_samples = Vec::new();
        for (analysis, entry, hurried, _) in &answerable {
            let first = analysis.ranked.first().map(|(e, _)| *e);
            let right = first == Some(*entry);
            learn_samples.push(sample(analysis, right, share(ANSWERABLE_SHARE, all)));
            if !hurried {
                threshold_samples.push(sample(analysis, right, share(ANSWERABLE_SHARE, tidy)));
            }
            let within = analysis
                .ranked
                .iter()
                .take(self.settings.max_suggestions.max(1))
                .any(|(e, _)| e == entry);
            if within {
                offer_samples.push(sample(analysis, true, share(ANSWERABLE_SHARE, all)));
            }
        }
        // Near-misses are left out of the suggestion gate: they speak the
        // FAQ's language, and suggesting for them is no wrong answer. Both
        // kinds (entry left out, answer swapped) share the near-misses'
        // weight alike.
        let near_miss: Vec<&(Analysis, bool)> = left_out.iter().chain(&swapped).collect();
        let near_miss_tidy = near_miss.iter().filter(|(_, hurried)| !hurried).count();
        for (analysis, hurried) in &near_miss {
            learn_samples.push(sample(
                analysis,
                false,
                share(NEAR_MISS_SHARE, near_miss.len()),
            ));
            if !hurried {
                threshold_samples.push(sample(
                    analysis,
                    false,
                    share(NEAR_MISS_SHARE, near_miss_tidy),
                ));
            }
        }
        for analysis in &off {
            learn_samples.push(sample(analysis, false, w_off));
            threshold_samples.push(sample(analysis, false, w_off));
            offer_samples.push(sample(analysis, false, w_off));
        }
        if tidy < MIN_PRACTICE {
            // Too little to learn from: suggest, never answer outright.
            return Ok(Calibration {
                practice: [tidy, near_miss_tidy, off.len()],
                meaning_weight,
                ..Calibration::default()
            });
        }
        let answer = Logistic::fit_ignoring(&learn_samples, &[LENGTH_FEATURE]);
        let scored: Vec<(f32, Sample)> = threshold_samples
            .iter()
            .map(|s| (answer.probability(&s.features), *s))
            .collect();
        let answer_threshold =
            gate::threshold_for_wrong_rate(&scored, self.settings.max_wrong_rate);
        let offer = Logistic::fit(&offer_samples);
        let scored: Vec<(f32, Sample)> = offer_samples
            .iter()
            .map(|s| (offer.probability(&s.features), *s))
            .collect();
        let offer_threshold = gate::threshold_for_recall(&scored, OFFER_RECALL);
        Ok(Calibration {
            answer,
            answer_threshold,
            offer,
            offer_threshold,
            practice: [tidy, near_miss_tidy, off.len()],
            meaning_weight,
            fitted_in: std::time::Duration::ZERO,
        })
    }
}

/// A phrasing as a member in a hurry might type it: lower case, without
/// punctuation, every third word left out, and the longest word with two
/// letters swapped. `None` for phrasings of fewer than three words.
///
/// Members' messages sit further from the FAQ's wording (cosines
/// 0.82–0.85) than its own tidy phrasings do (0.88–0.91): a suggestion
/// gate fitted on tidy ones alone refused real questions whose entry
/// ranked first, and an answer model fitted on them leaned on tidiness.
/// Both models learn from these copies too; the answer threshold is read
/// off the tidy practice alone, so `max_wrong_rate` keeps its meaning.
/// Figures: `docs/faq-search.md`, round ten.
fn hurried(phrasing: &str) -> Option<String> {
    let words: Vec<String> = phrasing
        .split_whitespace()
        .map(|word| {
            word.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|word| !word.is_empty())
        .collect();
    if words.len() < 3 {
        return None;
    }
    let mut kept: Vec<String> = words
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 2)
        .map(|(_, word)| word)
        .collect();
    if let Some(longest) = kept.iter_mut().max_by_key(|word| word.chars().count()) {
        let mut letters: Vec<char> = longest.chars().collect();
        if letters.len() >= 4 {
            let middle = letters.len() / 2;
            letters.swap(middle - 1, middle);
            *longest = letters.into_iter().collect();
        }
    }
    Some(kept.join(" "))
}

/// The generic chatter shipped with the search.
fn chatter() -> Vec<String> {
    #[derive(Deserialize)]
    struct File {
        de: Vec<String>,
        en: Vec<String>,
    }
    match toml::from_str::<File>(CHATTER) {
        Ok(file) => file.de.into_iter().chain(file.en).collect(),
        Err(error) => {
            tracing::error!(%error, "the shipped chatter list does not parse");
            Vec::new()
        }
    }
}

/// Mean and standard deviation of the finite scores.
fn moments(scores: &[f32]) -> (f32, f32) {
    let finite: Vec<f32> = scores.iter().copied().filter(|s| s.is_finite()).collect();
    if finite.is_empty() {
        return (0.0, 1.0);
    }
    let n = finite.len() as f32;
    let mean = finite.iter().sum::<f32>() / n;
    let var = finite.iter().map(|s| (s - mean).powi(2)).sum::<f32>() / n;
    (mean, if var > 1e-12 { var.sqrt() } else { 1.0 })
}

/// The scores z-normalised over the entries of this question.
fn z_scores(scores: &[f32]) -> Vec<f32> {
    let (mean, std) = moments(scores);
    scores.iter().map(|s| (s - mean) / std).collect()
}

/// The entry with the highest finite score.
fn argmax(scores: &[f32]) -> Option<usize> {
    scores
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_finite())
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
}

/// The best and second-best finite score.
fn top_two(scores: &[f32]) -> (f32, f32) {
    let mut best = (f32::NEG_INFINITY, f32::NEG_INFINITY);
    for &score in scores.iter().filter(|s| s.is_finite()) {
        if score > best.0 {
            best = (score, best.0);
        } else if score > best.1 {
            best.1 = score;
        }
    }
    let second = if best.1.is_finite() { best.1 } else { best.0 };
    (best.0, second)
}

/// Fuses per-entry scores (NaN: not ranked) into a ranking and the
/// decision's features:
/// 0. the best fused score (mean of the two z-scores);
/// 1. its lead over the runner-up;
/// 2. the best entry's cosine by meaning;
/// 3. the lead of the best cosine over the second;
/// 4. the best entry's TF-IDF cosine;
/// 5. whether meaning and spelling put the same entry first;
/// 6. the question's length (log of its content words);
/// 7. the best entry's z-score by meaning.
///
/// Without the model the spelling score stands in for meaning.
fn analyse_scores(e5: Option<&[f32]>, tf: &[f32], words: usize, meaning_weight: f32) -> Analysis {
    let z_tf = z_scores(tf);
    let z_e5 = e5.map(z_scores);
    let fused: Vec<f32> = match &z_e5 {
        Some(z_e5) => z_e5
            .iter()
            .zip(&z_tf)
            .map(|(a, b)| meaning_weight * a + (1.0 - meaning_weight) * b)
            .collect(),
        None => z_tf.clone(),
    };
    let mut ranked: Vec<(usize, f32)> = fused
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_finite())
        .map(|(i, s)| (i, *s))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let Some(&(top, top_score)) = ranked.first() else {
        return Analysis::default();
    };
    let runner_up = ranked.get(1).map_or(top_score, |(_, s)| *s);
    let meaning = e5.unwrap_or(tf);
    let z_meaning = z_e5.as_deref().unwrap_or(&z_tf);
    let (best_meaning, second_meaning) = top_two(meaning);
    let agree = e5.is_none_or(|e5| argmax(e5) == argmax(tf));
    let features = [
        top_score,
        top_score - runner_up,
        meaning[top],
        best_meaning - second_meaning,
        tf[top],
        f32::from(u8::from(agree)),
        (1.0 + words as f32).ln(),
        z_meaning[top],
    ];
    Analysis { ranked, features }
}

enum Decision {
    Answer(usize),
    Suggest(Vec<usize>),
    None,
}

/// A question that is a phrasing word for word: its one entry answers;
/// a phrasing of several entries suggests them, best ranked first.
fn decide_exact(entries: &[u32], ranked: &[(usize, f32)]) -> Decision {
    if let [entry] = entries {
        return Decision::Answer(*entry as usize);
    }
    let rank_of = |entry: usize| {
        ranked
            .iter()
            .position(|(ranked, _)| *ranked == entry)
            .unwrap_or(usize::MAX)
    };
    let mut entries: Vec<usize> = entries.iter().map(|entry| *entry as usize).collect();
    entries.sort_by_key(|entry| (rank_of(*entry), *entry));
    entries.truncate(RANKED_LEN);
    Decision::Suggest(entries)
}

/// A text's normalized form for exact matching: folded, lowercased
/// words joined by single spaces, punctuation and whitespace collapsed
/// ("Points!" and " points " both become "points").
fn exact_key(text: &str) -> String {
    normalized_words(text).join(" ")
}

fn outcome_ids(decision: Decision, book: &FaqBook) -> Outcome {
    let id = |entry: usize| book.entries()[entry].id.clone();
    match decision {
        Decision::Answer(entry) => Outcome::Answer(id(entry)),
        Decision::Suggest(entries) => Outcome::Suggest(entries.into_iter().map(id).collect()),
        Decision::None => Outcome::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fusion_weight_decides_whether_meaning_or_spelling_ranks_first() {
        // Entry 0 is closest by meaning, entry 1 by spelling.
        let e5 = [0.9, 0.7, 0.6, 0.5];
        let tf = [0.1, 0.8, 0.2, 0.1];
        let first = |w| analyse_scores(Some(&e5), &tf, 3, w).ranked[0].0;
        assert_eq!(first(1.0), 0);
        assert_eq!(first(0.0), 1);
        assert_eq!(first(0.8), 0);
        assert_eq!(first(0.2), 1);
    }

    #[test]
    fn a_practice_near_miss_reads_the_nearest_entrys_answer_in_its_language() {
        let book = FaqBook::parse(
            r#"
[[entry]]
id = "descale"
[entry.en]
question = "How do I descale the machine?"
answer = "Run the descaling programme with the descaler tablet every two months."
[entry.de]
question = "Wie entkalke ich die Maschine?"
answer = "Starte das Entkalkungsprogramm mit der Entkalkertablette alle zwei Monate."

[[entry]]
id = "filter"
[entry.en]
question = "When do I change the water filter of the machine?"
answer = "Change the water filter every two months, after the descaling programme."
[entry.de]
question = "Wann wechsle ich den Wasserfilter der Maschine?"
answer = "Wechsle den Wasserfilter alle zwei Monate, nach dem Entkalkungsprogramm."

[[entry]]
id = "shipping"
[entry.en]
question = "Where is my parcel?"
answer = "Parcels leave the warehouse within three days."
"#,
            "test",
        )
        .expect("the FAQ parses");
        let index = FaqIndex::build(book, &[], SearchSettings::default(), None);
        let descale = 0;
        assert_eq!(
            index.swapped_answer(descale, Lang::En),
            Some("Change the water filter every two months, after the descaling programme.")
        );
        assert_eq!(
            index.swapped_answer(descale, Lang::De),
            Some("Wechsle den Wasserfilter alle zwei Monate, nach dem Entkalkungsprogramm.")
        );
        // An entry written in English only has no German passage to swap.
        let shipping = 2;
        assert_eq!(index.swapped_answer(shipping, Lang::De), None);
    }

    #[test]
    fn a_hurried_phrasing_drops_every_third_word_and_the_punctuation() {
        assert_eq!(
            hurried("How many points do I get per upvote?").as_deref(),
            Some("how many do i per upovte")
        );
        assert_eq!(
            hurried("Wie löse ich meine Punkte ein?").as_deref(),
            Some("wie löse meine puknte")
        );
        assert_eq!(hurried("Versand?"), None);
        assert_eq!(hurried("two words"), None);
    }
}
