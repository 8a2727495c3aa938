//! The in-memory search index and the answer/suggest/none decision.
//!
//! Every phrasing of every entry (questions and alternatives of both
//! languages, plus learned phrasings) is one document. Two TF-IDF vector
//! spaces are kept over these documents, each as an inverted index so a
//! query only touches documents that share a feature with it:
//! - character 3–5-grams of the content words (typos, inflection,
//!   compounds, no language knowledge needed);
//! - word tokens after stop words, stemming, the bilingual lexicon and
//!   compound splitting (synonyms and the other language).
//!
//! A third, weaker space holds each entry's answers, so a question that
//! names something only the answer mentions ("gibt es Tassen?") still finds
//! its entry. An entry's score is the best fused cosine of its phrasings
//! blended with its answer similarity; see [`SearchSettings`] for the
//! weights and the decision thresholds.
//!
//! With the sentence model ([`super::semantic`]) every phrasing also has a
//! vector. The model's ranking is then the one offered, and the decision
//! weighs its closeness together with the words' own decision (see
//! `decide_with_meaning`); without it the words decide alone.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::book::FaqBook;
use super::classifier::{Classifier, Input, TrainSettings, push_block};
use super::lexicon;
use super::semantic::{Embedder, SemanticError, Vector, cosine};
use super::text::{
    char_ngrams, content_words, exchange_tokens, normalized_words, split_compound, word_tokens,
};

/// Tunable weights and thresholds. `Default` holds the values tuned on the
/// development half of the evaluation set.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SearchSettings {
    /// Answer directly only when the best entry scores at least this …
    pub answer_threshold: f32,
    /// … leads the runner-up by at least this share of its own score …
    pub min_margin: f32,
    /// … covers at least this IDF share of the question's word tokens …
    pub min_coverage: f32,
    /// … and at least this share of the question's content words occur
    /// somewhere in the FAQ.
    pub min_known: f32,
    /// Below this the FAQ has no answer; between this and an answer, the
    /// bot suggests entries ("did you mean") …
    pub suggest_threshold: f32,
    /// … provided the best entry covers this much of the question …
    pub suggest_min_coverage: f32,
    /// … and this share of the question's words occur in the FAQ.
    pub suggest_min_known: f32,
    /// At most this many suggestions.
    pub max_suggestions: usize,
    /// Suggestions must score within this distance of the best entry.
    pub suggest_window: f32,
    /// Share of the character n-gram similarity in a phrasing's score; the
    /// rest is the word-token similarity.
    pub char_weight: f32,
    /// Share of the answer-text similarity in an entry's score.
    pub answer_weight: f32,
    /// Share of the similarity to all phrasings of an entry taken together
    /// (one document per entry) in its score.
    pub entry_weight: f32,
    /// Exponent of the query coverage (the IDF share of the question's
    /// word tokens that the entry contains anywhere) that multiplies the
    /// score; 0 turns coverage off.
    pub coverage_exponent: f32,
    /// With the sentence model (see [`super::semantic`]), an entry's
    /// closeness to a question is the mean cosine of its two closest
    /// phrasings. Below this closeness of the best entry the FAQ has no
    /// answer, whatever the words say …
    pub meaning_floor: f32,
    /// … and below this one neither when the words find nothing at all.
    pub meaning_rescue: f32,
    /// Answer when the lexical search's first choice is also the model's
    /// and at least this close …
    pub meaning_agree: f32,
    /// … or on meaning alone from this closeness on, when the best entry
    /// leads the runner-up by at least `meaning_margin`.
    pub meaning_answer: f32,
    pub meaning_margin: f32,
}

impl Default for SearchSettings {
    /// Tuned on the dev split of `tests/data/faq_eval.toml` only: weights
    /// by top-1 ranking, then a grid over the decision floors keeping wrong
    /// confident answers at or below 1.5% of dev (held-out splits ran about
    /// two points worse than dev before), then maximising correct answers
    /// and, for suggestions, correct-within plus refusals.
    fn default() -> Self {
        SearchSettings {
            answer_threshold: 0.25,
            min_margin: 0.1,
            min_coverage: 0.5,
            min_known: 0.6,
            suggest_threshold: 0.12,
            suggest_min_coverage: 0.4,
            suggest_min_known: 0.7,
            max_suggestions: 3,
            suggest_window: 0.2,
            char_weight: 0.5,
            answer_weight: 0.2,
            entry_weight: 0.4,
            coverage_exponent: 0.5,
            meaning_floor: 0.88,
            meaning_rescue: 0.91,
            meaning_agree: 0.88,
            meaning_answer: 0.92,
            meaning_margin: 0.02,
        }
    }
}

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

/// What the answer/suggest/none decision looks at besides the ranking.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evidence {
    /// The best entry's score.
    pub top: f32,
    /// The second-best entry's score.
    pub runner_up: f32,
    /// The IDF share of the question's word tokens the best entry covers.
    pub coverage: f32,
    /// The share of the question's content words the FAQ knows at all.
    pub known: f32,
    /// How many of the two single-space rankings (character n-grams
    /// alone, words alone) put the best entry first: 0, 1 or 2.
    pub agreement: u8,
    /// How many content words the question has.
    pub words: u8,
}

/// A JSON string literal (quotes and escapes) for an id.
fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A ranking with its evidence.
#[derive(Default)]
struct Analysis {
    /// Entries (book positions) with their scores, best first.
    ranked: Vec<(usize, f32)>,
    evidence: Evidence,
    /// Entries (book positions) that do not speak of an operation the
    /// question asks for ("transfer", "löschen"; see
    /// [`lexicon::is_action`]): never answered, only suggested.
    foreign_action: HashSet<usize>,
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
    /// The entry (index into the book) of every phrasing document.
    doc_entry: Vec<u32>,
    chars: VectorSpace,
    words: VectorSpace,
    /// One document per entry: its answers.
    answers: VectorSpace,
    /// One document per entry: all its phrasings together.
    entry_chars: VectorSpace,
    entry_words: VectorSpace,
    /// Every word token of an entry: phrasings and answers.
    entry_tokens: Vec<HashSet<u64>>,
    /// Every phrasing's normalized form (see [`exact_key`]) and the
    /// entries (book positions, ascending) that have it.
    exact: HashMap<String, Vec<u32>>,
    speller: Speller,
    /// Softmax over the entries, trained on the phrasings at build time.
    classifier: Classifier,
    /// The phrasings in the sentence model's space, when it is loaded.
    meaning: Option<Meaning>,
}

/// Every phrasing document's vector in the sentence model's space.
struct Meaning {
    embedder: Arc<Embedder>,
    /// One vector per phrasing document, in `doc_entry` order.
    vectors: Vec<Vector>,
}

impl Meaning {
    /// Embeds the phrasings; without vectors the index is lexical only.
    fn embed(embedder: Arc<Embedder>, phrasings: &[&str]) -> Option<Meaning> {
        match embedder.phrasings(phrasings) {
            Ok(vectors) => Some(Meaning { embedder, vectors }),
            Err(error) => {
                tracing::warn!(%error, "the FAQ answers by words only");
                None
            }
        }
    }

    /// Each entry's closeness to the question: the mean cosine of its two
    /// closest phrasings (its only one's when it has one). With many
    /// alternatives per entry one stray phrasing close to a question ranks
    /// an entry too high; two agreeing ones rarely do (on the evaluation
    /// set this ranked the right entry first for 4–7% more questions than
    /// the single best phrasing).
    fn closeness(
        &self,
        question: &str,
        doc_entry: &[u32],
        entries: usize,
    ) -> Result<Vec<f32>, SemanticError> {
        let question = self.embedder.question(question)?;
        let mut best_two = vec![[f32::NEG_INFINITY; 2]; entries];
        for (vector, &entry) in self.vectors.iter().zip(doc_entry) {
            let similarity = cosine(&question, vector);
            let [first, second] = &mut best_two[entry as usize];
            if similarity > *first {
                *second = *first;
                *first = similarity;
            } else if similarity > *second {
                *second = similarity;
            }
        }
        Ok(best_two
            .into_iter()
            .map(
                |[first, second]| match (first.is_finite(), second.is_finite()) {
                    (true, true) => (first + second) / 2.0,
                    (true, false) => first,
                    _ => -1.0,
                },
            )
            .collect())
    }
}

impl FaqIndex {
    /// Indexes every phrasing of `book` plus `learned` phrasings; learned
    /// phrasings for ids the book does not have are ignored. With an
    /// `embedder` the phrasings are also placed in the sentence model's
    /// space and the decision weighs meaning too; if embedding fails the
    /// index answers by words only (and says so in the log).
    pub fn build(
        book: FaqBook,
        learned: &[LearnedPhrase],
        settings: SearchSettings,
        embedder: Option<Arc<Embedder>>,
    ) -> FaqIndex {
        let entry_of: HashMap<&str, u32> = book
            .entries()
            .iter()
            .enumerate()
            .map(|(i, entry)| (entry.id.as_str(), i as u32))
            .collect();
        let mut phrasings: Vec<(u32, &str)> = Vec::new();
        for (i, entry) in book.entries().iter().enumerate() {
            for text in entry.texts() {
                phrasings.extend(text.phrasings().map(|p| (i as u32, p)));
            }
        }
        for phrase in learned {
            if let Some(&entry) = entry_of.get(phrase.entry_id.as_str()) {
                phrasings.push((entry, phrase.text.as_str()));
            }
        }

        let mut chars = SpaceBuilder::default();
        let mut words = SpaceBuilder::default();
        let mut vocabulary = HashSet::new();
        let mut doc_entry = Vec::with_capacity(phrasings.len());
        let mut doc_words = Vec::with_capacity(phrasings.len());
        let mut doc_exchange: Vec<Vec<u64>> = Vec::with_capacity(phrasings.len());
        let mut exact: HashMap<String, Vec<u32>> = HashMap::new();
        let texts: Vec<&str> = phrasings.iter().map(|(_, phrasing)| *phrasing).collect();
        let meaning = embedder.and_then(|embedder| Meaning::embed(embedder, &texts));
        for (entry, phrasing) in phrasings {
            let key = exact_key(phrasing);
            if !key.is_empty() {
                let entries = exact.entry(key).or_default();
                if !entries.contains(&entry) {
                    entries.push(entry);
                }
            }
            let content = content_words(phrasing);
            let exchange = exchange_features(phrasing);
            chars.add(char_features(&content));
            let mut features = word_features(&content);
            features.extend(&exchange);
            words.add(features);
            doc_exchange.push(exchange);
            vocabulary.extend(content.iter().cloned());
            doc_entry.push(entry);
            doc_words.push(content);
        }
        let mut entry_phrasings: Vec<Vec<String>> = vec![Vec::new(); book.len()];
        let mut entry_exchange: Vec<Vec<u64>> = vec![Vec::new(); book.len()];
        for ((entry, content), exchange) in doc_entry.iter().zip(&doc_words).zip(&doc_exchange) {
            entry_phrasings[*entry as usize].extend(content.iter().cloned());
            entry_exchange[*entry as usize].extend(exchange);
        }
        let mut entry_chars = SpaceBuilder::default();
        let mut entry_words = SpaceBuilder::default();
        for (content, exchange) in entry_phrasings.iter().zip(&entry_exchange) {
            entry_chars.add(char_features(content));
            let mut features = word_features(content);
            features.extend(exchange);
            entry_words.add(features);
        }
        let mut answers = SpaceBuilder::default();
        let mut entry_tokens = Vec::with_capacity(book.len());
        for (entry, phrasings) in book.entries().iter().zip(&entry_phrasings) {
            let content: Vec<String> = entry
                .texts()
                .flat_map(|text| content_words(&text.answer))
                .collect();
            let answer_features = word_features(&content);
            vocabulary.extend(content.iter().cloned());
            let mut tokens: HashSet<u64> = answer_features.iter().copied().collect();
            tokens.extend(word_features(phrasings));
            entry_tokens.push(tokens);
            answers.add(answer_features);
        }
        vocabulary.extend(lexicon::surface_words());
        drop(entry_of);
        let train = TrainSettings::default();
        let char_count = chars.features.len() as u32;
        let inputs: Vec<(u32, Input)> = doc_entry
            .iter()
            .zip(chars.doc_features.iter().zip(&words.doc_features))
            .map(|(entry, (char_block, word_block))| {
                let mut input = Vec::with_capacity(char_block.len() + word_block.len());
                push_block(&mut input, char_block, 0, train.char_share);
                push_block(&mut input, word_block, char_count, 1.0 - train.char_share);
                (*entry, input)
            })
            .collect();
        let feature_count = chars.features.len() + words.features.len();
        let classifier = Classifier::train(book.len(), feature_count, inputs, train);
        FaqIndex {
            classifier,
            meaning,
            book,
            settings,
            doc_entry,
            chars: chars.finish(),
            words: words.finish(),
            answers: answers.finish(),
            entry_chars: entry_chars.finish(),
            entry_words: entry_words.finish(),
            entry_tokens,
            exact,
            speller: Speller::new(vocabulary),
        }
    }

    pub fn book(&self) -> &FaqBook {
        &self.book
    }

    pub fn settings(&self) -> &SearchSettings {
        &self.settings
    }

    /// Matches a member's question against every entry, whatever language
    /// either is written in, and decides answer / suggest / none.
    pub fn search(&self, question: &str) -> SearchResult {
        let analysis = self.analyse(question);
        let outcome = match self.exact.get(&exact_key(question)) {
            Some(entries) => decide_exact(entries, &analysis),
            None => {
                let lexical = decide(&analysis, &self.settings);
                match self.meaning_of(question) {
                    Some(closeness) => {
                        decide_with_meaning(lexical, &closeness, &analysis, &self.settings)
                    }
                    None => lexical,
                }
            }
        };
        let score = analysis.ranked.first().map_or(0.0, |(_, score)| *score);
        let ranked = analysis
            .ranked
            .into_iter()
            .map(|(entry, score)| (self.book.entries()[entry].id.clone(), score))
            .collect();
        SearchResult {
            outcome: outcome_ids(outcome, &self.book),
            score,
            ranked,
        }
    }

    /// Whether the sentence model takes part in the decision.
    pub fn has_meaning(&self) -> bool {
        self.meaning.is_some()
    }

    /// Each entry's meaning similarity to the question, when the model is
    /// loaded and the question could be embedded.
    fn meaning_of(&self, question: &str) -> Option<Vec<f32>> {
        let meaning = self.meaning.as_ref()?;
        meaning
            .closeness(question, &self.doc_entry, self.book.len())
            .inspect_err(|error| tracing::warn!(%error, "answering this question by words only"))
            .ok()
    }

    /// The evidence the decision weighs for `question`, for tuning and
    /// diagnostics: decision thresholds are fitted on these features.
    pub fn evidence(&self, question: &str) -> Evidence {
        self.analyse(question).evidence
    }

    /// Ranks the entries for a question and gathers the decision evidence.
    fn analyse(&self, question: &str) -> Analysis {
        let content = content_words(question);
        if content.is_empty() {
            return Analysis::default();
        }
        let corrected: Vec<String> = content
            .iter()
            .map(|word| self.speller.correct(word))
            .collect();
        let char_features = char_features(&content);
        let word_features = word_features(&corrected);
        let mut with_exchange = word_features.clone();
        with_exchange.extend(exchange_features(question));
        let char_scores = self.chars.cosines(&char_features);
        let word_scores = self.words.cosines(&with_exchange);
        let answer_scores = self.answers.cosines(&word_features);
        let entry_char_scores = self.entry_chars.cosines(&char_features);
        let entry_word_scores = self.entry_words.cosines(&with_exchange);

        let settings = &self.settings;
        let entries = self.book.len();
        let mut best = vec![0.0f32; entries];
        let mut char_best = (usize::MAX, 0.0f32);
        let mut word_best = (usize::MAX, 0.0f32);
        for (doc, &entry) in self.doc_entry.iter().enumerate() {
            let entry = entry as usize;
            let fused = settings.char_weight * char_scores[doc]
                + (1.0 - settings.char_weight) * word_scores[doc];
            best[entry] = best[entry].max(fused);
            if char_scores[doc] > char_best.1 {
                char_best = (entry, char_scores[doc]);
            }
            if word_scores[doc] > word_best.1 {
                word_best = (entry, word_scores[doc]);
            }
        }
        let mut ranked: Vec<(usize, f32)> = best
            .into_iter()
            .enumerate()
            .map(|(entry, phrasing)| {
                let whole = settings.char_weight * entry_char_scores[entry]
                    + (1.0 - settings.char_weight) * entry_word_scores[entry];
                let score = (1.0 - settings.answer_weight - settings.entry_weight) * phrasing
                    + settings.entry_weight * whole
                    + settings.answer_weight * answer_scores[entry];
                (entry, score)
            })
            .filter(|(_, score)| *score > 0.0)
            .collect();
        // The classifier's probability lifts the entries it believes in.
        let input = self.classifier_input(
            &char_features,
            &with_exchange,
            TrainSettings::default().char_share,
        );
        let probabilities = self.classifier.probabilities(&input);
        for (entry, score) in &mut ranked {
            *score *= 1.0 + CLASSIFIER_WEIGHT * probabilities[*entry];
        }
        keep_best(&mut ranked, RERANKED_LEN);
        let query_tokens = self.weighted_query_tokens(&word_features);
        let mut coverages = HashMap::new();
        for (entry, score) in &mut ranked {
            let coverage = coverage(&query_tokens, &self.entry_tokens[*entry]);
            *score *= coverage.powf(settings.coverage_exponent);
            coverages.insert(*entry, coverage);
        }
        keep_best(&mut ranked, RANKED_LEN);
        let top_entry = ranked.first().map(|(entry, _)| *entry);
        let evidence = Evidence {
            top: ranked.first().map_or(0.0, |(_, score)| *score),
            runner_up: ranked.get(1).map_or(0.0, |(_, score)| *score),
            coverage: top_entry.map_or(0.0, |entry| coverages[&entry]),
            known: self.known_share(&corrected),
            agreement: top_entry.map_or(0, |entry| {
                u8::from(char_best.0 == entry) + u8::from(word_best.0 == entry)
            }),
            words: u8::try_from(content.len()).unwrap_or(u8::MAX),
        };
        let actions: Vec<Vec<u64>> = corrected
            .iter()
            .filter(|word| lexicon::is_action(word))
            .map(|word| {
                lexicon::action_tokens(word)
                    .iter()
                    .map(|token| hash_str(token))
                    .collect()
            })
            .collect();
        let foreign_action = ranked
            .iter()
            .map(|(entry, _)| *entry)
            .filter(|entry| {
                let tokens = &self.entry_tokens[*entry];
                !actions
                    .iter()
                    .all(|action| action.iter().any(|token| tokens.contains(token)))
            })
            .collect();
        Analysis {
            ranked,
            evidence,
            foreign_action,
        }
    }

    /// The classifier's input for a question: its known character and
    /// word features with their counts, each block L2-normalised.
    fn classifier_input(&self, chars: &[u64], words: &[u64], char_share: f32) -> Input {
        let block = |space: &VectorSpace, features: &[u64]| {
            let mut ids: Vec<u32> = features
                .iter()
                .filter_map(|feature| space.features.get(feature).copied())
                .collect();
            ids.sort_unstable();
            let mut counts: Vec<(u32, f32)> = Vec::with_capacity(ids.len());
            for id in ids {
                match counts.last_mut() {
                    Some((last, count)) if *last == id => *count += 1.0,
                    _ => counts.push((id, 1.0)),
                }
            }
            counts
        };
        let mut input = Vec::new();
        push_block(&mut input, &block(&self.chars, chars), 0, char_share);
        let offset = self.chars.features.len() as u32;
        push_block(
            &mut input,
            &block(&self.words, words),
            offset,
            1.0 - char_share,
        );
        input
    }

    /// The share of the question's content words that the FAQ knows at
    /// all (its phrasings, answers or lexicon, or a compound of two known
    /// words), after typo correction. Near-misses reuse some FAQ words but
    /// bring their own ("router", "Versand", "PayPal"), which no FAQ text
    /// ever uses. Numbers and unknown everyday words ("benutzen", "last")
    /// are no such evidence and are left out.
    fn known_share(&self, corrected: &[String]) -> f32 {
        let mut known = 0usize;
        let mut counted = 0usize;
        for word in corrected {
            if self.is_known(word) {
                known += 1;
                counted += 1;
            } else if !lexicon::is_neutral(word) && !word.chars().all(|c| c.is_ascii_digit()) {
                counted += 1;
            }
        }
        if counted == 0 {
            return 0.0;
        }
        known as f32 / counted as f32
    }

    /// Does the FAQ know this word, or both parts of it as a compound?
    fn is_known(&self, word: &str) -> bool {
        let knows = |word: &str| self.speller.knows(word) || lexicon::concepts(word).is_some();
        knows(word) || split_compound(word).is_some_and(|[left, right]| knows(left) && knows(right))
    }

    /// The query's distinct word tokens with their IDF; tokens the index
    /// has never seen weigh the most.
    fn weighted_query_tokens(&self, features: &[u64]) -> Vec<(u64, f32)> {
        let mut seen = HashSet::new();
        features
            .iter()
            .filter(|feature| seen.insert(**feature))
            .map(|feature| (*feature, self.words.idf_of(*feature)))
            .collect()
    }
}

/// How much the classifier's probability p lifts an entry's score
/// (score × (1 + weight × p)); chosen on the dev split.
const CLASSIFIER_WEIGHT: f32 = 0.4;

/// How many top entries are re-scored by coverage.
const RERANKED_LEN: usize = 3 * RANKED_LEN;

/// Keeps the `len` best entries, sorted best first.
fn keep_best(ranked: &mut Vec<(usize, f32)>, len: usize) {
    let keep = len.min(ranked.len());
    if keep > 0 && ranked.len() > keep {
        ranked.select_nth_unstable_by(keep - 1, by_score_desc);
        ranked.truncate(keep);
    }
    ranked.sort_by(by_score_desc);
}

/// The IDF share of the query's tokens that the entry contains.
fn coverage(query: &[(u64, f32)], entry: &HashSet<u64>) -> f32 {
    let total: f32 = query.iter().map(|(_, idf)| idf).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let covered: f32 = query
        .iter()
        .filter(|(token, _)| entry.contains(token))
        .map(|(_, idf)| idf)
        .sum();
    covered / total
}

fn by_score_desc(a: &(usize, f32), b: &(usize, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// The decision on ranked entries, by book position.
enum Decision {
    Answer(usize),
    Suggest(Vec<usize>),
    None,
}

/// Answer only when the best entry is good, clearly ahead of the
/// runner-up, covers the question and the question speaks the FAQ's
/// vocabulary; a near-miss ("reset my router password") shares a word or
/// two with an entry but brings words no entry uses, so it fails the last
/// two even when its score is high; one that asks for an operation the
/// best entry never mentions ("transfer my points" against "see another
/// member's points") is not answered either, and only entries that do
/// mention it are suggested. Otherwise suggest the close runners
/// when the question is still plausibly about the FAQ, else say none.
fn decide(analysis: &Analysis, settings: &SearchSettings) -> Decision {
    let evidence = &analysis.evidence;
    let Some(&(best, top)) = analysis.ranked.first() else {
        return Decision::None;
    };
    let fits = |entry: &usize| !analysis.foreign_action.contains(entry);
    if is_confident(evidence, settings) && fits(&best) {
        return Decision::Answer(best);
    }
    if !is_plausible(evidence, settings) || settings.max_suggestions == 0 {
        return Decision::None;
    }
    let suggestions: Vec<usize> = analysis
        .ranked
        .iter()
        .take_while(|(_, score)| top - *score <= settings.suggest_window)
        .map(|(entry, _)| *entry)
        .filter(fits)
        .take(settings.max_suggestions)
        .collect();
    if suggestions.is_empty() {
        return Decision::None;
    }
    Decision::Suggest(suggestions)
}

/// The decision with the sentence model. The model ranks better than the
/// words, above all for questions in other words than the FAQ's (see
/// [`super::semantic`]), so its ranking is the one offered; the words
/// still help to decide:
/// - too far in meaning from every entry: none, whatever the words say;
/// - the words found nothing at all: none unless the meaning is closer
///   still;
/// - the words' first choice (answer or suggestion) is also the model's
///   and close in meaning: answer it;
/// - very close in meaning and ahead of the runner-up: answer;
/// - otherwise offer the model's best entries (an answer of the words that
///   the model does not share becomes a suggestion too: on questions
///   nobody tuned on, those answers were wrong more often than right).
///
/// Entries that do not speak of an operation the question asks for are
/// never answered (see [`decide`]).
fn decide_with_meaning(
    lexical: Decision,
    closeness: &[f32],
    analysis: &Analysis,
    settings: &SearchSettings,
) -> Decision {
    let mut ranking: Vec<(usize, f32)> = closeness.iter().copied().enumerate().collect();
    keep_best(&mut ranking, settings.max_suggestions.max(2));
    let Some(&(best, top)) = ranking.first() else {
        return lexical;
    };
    let runner_up = ranking.get(1).map_or(-1.0, |(_, closeness)| *closeness);
    let words_first = match &lexical {
        Decision::Answer(entry) => Some(*entry),
        Decision::Suggest(entries) => entries.first().copied(),
        Decision::None => None,
    };
    let words_found_nothing = matches!(lexical, Decision::None);
    if top < settings.meaning_floor || (words_found_nothing && top < settings.meaning_rescue) {
        return Decision::None;
    }
    let fits = !analysis.foreign_action.contains(&best);
    let agreed = words_first == Some(best) && top >= settings.meaning_agree;
    let clear = top >= settings.meaning_answer && top - runner_up >= settings.meaning_margin;
    if fits && (agreed || clear) {
        return Decision::Answer(best);
    }
    if settings.max_suggestions == 0 {
        return Decision::None;
    }
    let suggestions = ranking
        .iter()
        .map(|(entry, _)| *entry)
        .take(settings.max_suggestions)
        .collect();
    Decision::Suggest(suggestions)
}

/// A question that is word for word a phrasing (after normalization) is
/// answered by its entry, however short or ambiguous it would be on
/// scores alone: that is what a moderator's learned phrasing promises.
/// When several entries share the phrasing, all of them are offered, the
/// better-scoring first.
fn decide_exact(entries: &[u32], analysis: &Analysis) -> Decision {
    if let [entry] = entries {
        return Decision::Answer(*entry as usize);
    }
    let rank_of = |entry: usize| {
        analysis
            .ranked
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

/// Good enough to answer without asking back.
fn is_confident(evidence: &Evidence, settings: &SearchSettings) -> bool {
    let lead = evidence.top - evidence.runner_up;
    evidence.top >= settings.answer_threshold
        && lead >= settings.min_margin * evidence.top
        && evidence.coverage >= settings.min_coverage
        && evidence.known >= settings.min_known
}

/// Plausibly about something the FAQ covers: worth a "did you mean".
fn is_plausible(evidence: &Evidence, settings: &SearchSettings) -> bool {
    evidence.top >= settings.suggest_threshold
        && evidence.coverage >= settings.suggest_min_coverage
        && evidence.known >= settings.suggest_min_known
}

fn outcome_ids(decision: Decision, book: &FaqBook) -> Outcome {
    let id = |entry: usize| book.entries()[entry].id.clone();
    match decision {
        Decision::Answer(entry) => Outcome::Answer(id(entry)),
        Decision::Suggest(entries) => Outcome::Suggest(entries.into_iter().map(id).collect()),
        Decision::None => Outcome::None,
    }
}

/// Character n-gram features of content words, hashed.
fn char_features(words: &[String]) -> Vec<u64> {
    let mut features = Vec::new();
    for word in words {
        char_ngrams(word, |gram| features.push(hash_chars(gram)));
    }
    features
}

/// Word-token features of content words, hashed.
fn word_features(words: &[String]) -> Vec<u64> {
    let mut tokens = Vec::new();
    for word in words {
        word_tokens(word, &mut tokens);
    }
    tokens.iter().map(|token| hash_str(token)).collect()
}

/// "In exchange for" features of a text (see [`exchange_tokens`]), hashed.
fn exchange_features(text: &str) -> Vec<u64> {
    exchange_tokens(text)
        .iter()
        .map(|token| hash_str(token))
        .collect()
}

/// FNV-1a: features are hashed to 64 bits so the index stores no strings.
fn hash_chars(chars: &[char]) -> u64 {
    let mut hash = FNV_OFFSET;
    for &c in chars {
        hash = fnv_step(hash, c as u32);
    }
    hash
}

fn hash_str(text: &str) -> u64 {
    let mut hash = FNV_OFFSET ^ 0x5bd1_e995;
    for c in text.chars() {
        hash = fnv_step(hash, c as u32);
    }
    hash
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv_step(hash: u64, value: u32) -> u64 {
    (hash ^ u64::from(value)).wrapping_mul(0x0100_0000_01b3)
}

/// A hasher for keys that already are good hashes.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

type FeatureMap<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;

#[derive(Clone, Copy)]
struct Posting {
    doc: u32,
    weight: f32,
}

/// A TF-IDF vector space stored as an inverted index: feature → documents
/// with their L2-normalised weights.
struct VectorSpace {
    doc_count: usize,
    features: FeatureMap<u32>,
    idf: Vec<f32>,
    postings: Vec<Vec<Posting>>,
}

impl VectorSpace {
    /// Cosine similarity of the query with every document (0 for
    /// documents sharing no feature). Cost: the postings of the query's
    /// features only.
    fn cosines(&self, query: &[u64]) -> Vec<f32> {
        let mut scores = vec![0.0f32; self.doc_count];
        let mut counts: FeatureMap<f32> = FeatureMap::default();
        for feature in query {
            if self.features.contains_key(feature) {
                *counts.entry(*feature).or_default() += 1.0;
            }
        }
        // Features the index has never seen still count in the query's
        // length: a question made mostly of unknown words is a poor match.
        let unseen = query
            .iter()
            .filter(|feature| !self.features.contains_key(*feature))
            .collect::<HashSet<_>>()
            .len() as f32;
        let max_idf = self.max_idf();
        let mut norm = unseen * max_idf * max_idf;
        let mut weighted = Vec::with_capacity(counts.len());
        for (feature, count) in counts {
            let id = self.features[&feature] as usize;
            let weight = tf_weight(count) * self.idf[id];
            norm += weight * weight;
            weighted.push((id, weight));
        }
        if norm <= 0.0 {
            return scores;
        }
        let inv_norm = norm.sqrt().recip();
        for (id, weight) in weighted {
            let weight = weight * inv_norm;
            for posting in &self.postings[id] {
                scores[posting.doc as usize] += weight * posting.weight;
            }
        }
        scores
    }
}

impl VectorSpace {
    /// The IDF of a feature; unseen features get the highest possible.
    fn idf_of(&self, feature: u64) -> f32 {
        self.features
            .get(&feature)
            .map_or_else(|| self.max_idf(), |id| self.idf[*id as usize])
    }

    fn max_idf(&self) -> f32 {
        ((1 + self.doc_count) as f32).ln() + 1.0
    }
}

fn tf_weight(count: f32) -> f32 {
    1.0 + count.ln()
}

/// Collects documents' features, then weighs them once all are known.
#[derive(Default)]
struct SpaceBuilder {
    features: FeatureMap<u32>,
    doc_features: Vec<Vec<(u32, f32)>>,
    doc_freq: Vec<u32>,
}

impl SpaceBuilder {
    fn add(&mut self, features: Vec<u64>) {
        let mut counts: HashMap<u32, f32> = HashMap::new();
        for feature in features {
            let next = self.features.len() as u32;
            let id = *self.features.entry(feature).or_insert(next);
            if id as usize == self.doc_freq.len() {
                self.doc_freq.push(0);
            }
            *counts.entry(id).or_default() += 1.0;
        }
        for id in counts.keys() {
            self.doc_freq[*id as usize] += 1;
        }
        let mut counts: Vec<(u32, f32)> = counts.into_iter().collect();
        counts.sort_by_key(|(id, _)| *id);
        self.doc_features.push(counts);
    }

    fn finish(self) -> VectorSpace {
        let doc_count = self.doc_features.len();
        let idf: Vec<f32> = self
            .doc_freq
            .iter()
            .map(|&df| ((1 + doc_count) as f32 / (1 + df) as f32).ln() + 1.0)
            .collect();
        let mut postings: Vec<Vec<Posting>> = self
            .doc_freq
            .iter()
            .map(|&df| Vec::with_capacity(df as usize))
            .collect();
        for (doc, counts) in self.doc_features.into_iter().enumerate() {
            let weights: Vec<(u32, f32)> = counts
                .into_iter()
                .map(|(id, count)| (id, tf_weight(count) * idf[id as usize]))
                .collect();
            let norm = weights.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm <= 0.0 {
                continue;
            }
            for (id, weight) in weights {
                postings[id as usize].push(Posting {
                    doc: doc as u32,
                    weight: weight / norm,
                });
            }
        }
        VectorSpace {
            doc_count,
            features: self.features,
            idf,
            postings,
        }
    }
}

/// Corrects single typos in words the index has never seen, against the
/// words it has (symmetric-delete lookup: a word and a vocabulary word
/// meet when deleting at most one letter from each makes them equal).
struct Speller {
    words: Vec<String>,
    known: HashSet<String>,
    deletions: HashMap<String, Vec<u32>>,
}

/// Words shorter than this are not corrected: too many neighbours.
const MIN_CORRECTABLE_LEN: usize = 4;
/// Wrong letters (rather than missing or extra ones) are corrected only
/// in words at least this long.
const MIN_SUBSTITUTION_LEN: usize = 7;

impl Speller {
    fn new(vocabulary: HashSet<String>) -> Speller {
        let mut words: Vec<String> = vocabulary.into_iter().collect();
        words.sort();
        let mut deletions: HashMap<String, Vec<u32>> = HashMap::new();
        for (id, word) in words.iter().enumerate() {
            if word.chars().count() + 1 < MIN_CORRECTABLE_LEN {
                continue;
            }
            for variant in one_deletions(word) {
                deletions.entry(variant).or_default().push(id as u32);
            }
        }
        let known = words.iter().cloned().collect();
        Speller {
            words,
            known,
            deletions,
        }
    }

    /// Is this word in the vocabulary as it is?
    fn knows(&self, word: &str) -> bool {
        self.known.contains(word)
    }

    /// The word itself when known or too short, else the vocabulary word
    /// one edit away (the first in sorted order), else the word itself.
    fn correct(&self, word: &str) -> String {
        let len = word.chars().count();
        if self.known.contains(word) || len < MIN_CORRECTABLE_LEN || !word.is_ascii() {
            return word.to_owned();
        }
        // Two neighbouring letters swapped ("puntke", "reedem").
        let chars: Vec<char> = word.chars().collect();
        for i in 1..chars.len() {
            let mut swapped = chars.clone();
            swapped.swap(i - 1, i);
            let swapped: String = swapped.into_iter().collect();
            if self.known.contains(&swapped) {
                return swapped;
            }
        }
        // The member left a letter out ("redem" for "redeem").
        let mut candidates: Vec<u32> = self.deletions.get(word).cloned().unwrap_or_default();
        for variant in one_deletions(word) {
            // The member typed a letter too many ("punktee").
            if self.known.contains(&variant) {
                return variant;
            }
            // A wrong letter; only for long words, where it is unambiguous.
            if len >= MIN_SUBSTITUTION_LEN
                && let Some(ids) = self.deletions.get(&variant)
            {
                candidates.extend(ids);
            }
        }
        candidates
            .into_iter()
            .min()
            .map_or_else(|| word.to_owned(), |id| self.words[id as usize].clone())
    }
}

fn one_deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|skip| {
            chars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| *c)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speller(words: &[&str]) -> Speller {
        Speller::new(words.iter().map(|w| (*w).to_owned()).collect())
    }

    #[test]
    fn single_typos_are_corrected_against_the_vocabulary() {
        let speller = speller(&["redeem", "leaderboard", "punkte"]);
        assert_eq!(speller.correct("redem"), "redeem");
        assert_eq!(speller.correct("leaderbord"), "leaderboard");
        assert_eq!(speller.correct("punkten"), "punkte");
        assert_eq!(speller.correct("router"), "router");
        assert_eq!(speller.correct("puntke"), "punkte");
    }

    fn analysis(ranked: &[(usize, f32)], coverage: f32, known: f32) -> Analysis {
        Analysis {
            ranked: ranked.to_vec(),
            evidence: Evidence {
                top: ranked.first().map_or(0.0, |r| r.1),
                runner_up: ranked.get(1).map_or(0.0, |r| r.1),
                coverage,
                known,
                agreement: 2,
                words: 3,
            },
            foreign_action: HashSet::new(),
        }
    }

    #[test]
    fn a_close_race_is_suggested_not_answered() {
        let settings = SearchSettings::default();
        let close = analysis(&[(0, 0.8), (1, 0.79)], 1.0, 1.0);
        assert!(matches!(decide(&close, &settings), Decision::Suggest(ref s) if s == &[0, 1]));
        let clear = analysis(&[(0, 0.8), (1, 0.2)], 1.0, 1.0);
        assert!(matches!(decide(&clear, &settings), Decision::Answer(0)));
        let weak = analysis(&[(0, 0.05)], 1.0, 1.0);
        assert!(matches!(decide(&weak, &settings), Decision::None));
    }

    #[test]
    fn a_question_in_foreign_words_is_not_answered() {
        let settings = SearchSettings::default();
        let near_miss = analysis(&[(0, 0.8), (1, 0.2)], 1.0, 0.4);
        assert!(matches!(decide(&near_miss, &settings), Decision::None));
        let uncovered = analysis(&[(0, 0.8), (1, 0.2)], 0.3, 1.0);
        assert!(matches!(decide(&uncovered, &settings), Decision::None));
    }

    #[test]
    fn json_line_has_answer_suggestions_and_score() {
        let result = SearchResult {
            outcome: Outcome::Suggest(vec!["a".into(), "b".into()]),
            score: 0.5,
            ranked: vec![],
        };
        assert_eq!(
            result.to_json_line(),
            r#"{"answer": null, "suggestions": ["a", "b"], "score": 0.5}"#
        );
        let answered = SearchResult {
            outcome: Outcome::Answer("a".into()),
            score: 0.9,
            ranked: vec![],
        };
        assert_eq!(
            answered.to_json_line(),
            r#"{"answer": "a", "suggestions": [], "score": 0.9}"#
        );
        let rounded = SearchResult {
            outcome: Outcome::Answer("entry-id".into()),
            score: 0.543_21,
            ranked: vec![],
        };
        assert_eq!(
            rounded.to_json_line(),
            r#"{"answer": "entry-id", "suggestions": [], "score": 0.543}"#
        );
    }
}
