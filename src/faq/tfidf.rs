//! Character 3–5-gram TF-IDF over the FAQ's passages.
//!
//! The sentence model compares meaning; this compares spelling: names,
//! numbers, product words and compounds the model splits into pieces, and
//! typos the model has never seen. Documents are the passages (one per
//! entry and language); n-grams are hashed, weighted by sublinear term
//! frequency times smoothed IDF, and each vector is L2-normalised, so a
//! dot product is the cosine.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::text::{char_ngrams, content_words};

/// A sparse, L2-normalised vector: (feature, weight), sorted by feature.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sparse(Vec<(u64, f32)>);

impl Sparse {
    /// The cosine of two normalised vectors (a merge of sorted lists).
    pub fn dot(&self, other: &Sparse) -> f32 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0);
        let (a, b) = (&self.0, &other.0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }
}

/// The IDF of every n-gram of a document collection, and the documents'
/// vectors.
#[derive(Debug, Clone, Default)]
pub struct TfIdf {
    idf: HashMap<u64, f32>,
    /// IDF of an n-gram no document has.
    unseen: f32,
    docs: usize,
    /// For every n-gram, the documents that have it with its weight there.
    postings: HashMap<u64, Vec<(u32, f32)>>,
}

impl TfIdf {
    /// Indexes `documents`.
    pub fn build(documents: &[&str]) -> TfIdf {
        let counted: Vec<HashMap<u64, f32>> = documents.iter().map(|doc| counts(doc)).collect();
        let mut df: HashMap<u64, u32> = HashMap::new();
        for doc in &counted {
            for feature in doc.keys() {
                *df.entry(*feature).or_default() += 1;
            }
        }
        let n = documents.len() as f32;
        let idf = df
            .into_iter()
            .map(|(feature, df)| (feature, ((n + 1.0) / (df as f32 + 1.0)).ln() + 1.0))
            .collect();
        let mut index = TfIdf {
            idf,
            unseen: (n + 1.0).ln() + 1.0,
            docs: documents.len(),
            postings: HashMap::new(),
        };
        let mut postings: HashMap<u64, Vec<(u32, f32)>> = HashMap::new();
        for (doc, counts) in counted.iter().enumerate() {
            for (feature, weight) in index.weigh(counts).0 {
                postings
                    .entry(feature)
                    .or_default()
                    .push((doc as u32, weight));
            }
        }
        index.postings = postings;
        index
    }

    /// The vector of any text (a question, a passage left out of the
    /// index) with this collection's IDF.
    pub fn vector(&self, text: &str) -> Sparse {
        self.weigh(&counts(text))
    }

    /// Every document's cosine to `query`, in document order; only the
    /// documents sharing an n-gram with it are touched.
    pub fn cosines(&self, query: &Sparse) -> Vec<f32> {
        let mut scores = vec![0.0; self.docs];
        for (feature, weight) in &query.0 {
            for (doc, doc_weight) in self.postings.get(feature).into_iter().flatten() {
                scores[*doc as usize] += weight * doc_weight;
            }
        }
        scores
    }

    fn weigh(&self, counts: &HashMap<u64, f32>) -> Sparse {
        let mut weights: Vec<(u64, f32)> = counts
            .iter()
            .map(|(feature, count)| {
                let idf = self.idf.get(feature).copied().unwrap_or(self.unseen);
                (*feature, (1.0 + count.ln()) * idf)
            })
            .collect();
        let norm = weights.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, weight) in &mut weights {
                *weight /= norm;
            }
        }
        weights.sort_unstable_by_key(|(feature, _)| *feature);
        Sparse(weights)
    }
}

/// How often each hashed n-gram of the text's content words occurs.
fn counts(text: &str) -> HashMap<u64, f32> {
    let mut counts = HashMap::new();
    for word in content_words(text) {
        char_ngrams(&word, |gram| {
            let mut hasher = DefaultHasher::new();
            gram.hash(&mut hasher);
            *counts.entry(hasher.finish()).or_insert(0.0) += 1.0;
        });
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_question_is_closest_to_its_document() {
        let index = TfIdf::build(&["Wie lade ich den Akku?", "Where is the shop?"]);
        let scores = index.cosines(&index.vector("akku ladn"));
        assert!(scores[0] > 0.3 && scores[1] == 0.0, "{scores:?}");
    }

    #[test]
    fn a_text_is_its_own_nearest_neighbour_with_cosine_one() {
        let index = TfIdf::build(&["redeem points", "daily limit"]);
        let own = index.vector("daily limit");
        assert!((index.cosines(&own)[1] - 1.0).abs() < 1e-5);
        assert_eq!(index.vector("").dot(&own), 0.0);
    }
}
