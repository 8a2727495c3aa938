//! The phrasing vectors kept on disk between runs.
//!
//! Embedding a phrasing costs about 13 ms on two cores, so the starter
//! FAQ's 1,100 phrasings take some 15 s: too long for every start of the
//! bot, every `fanclub faq ask` and every test. The embedder keeps the
//! vectors it computed in a file beside the model (`e5-small-q4.bin` →
//! `e5-small-q4.vectors`) and reads them back on the next start, so only
//! new or edited phrasings are embedded.
//!
//! The file is a cache: a missing, foreign or damaged file is ignored (and
//! rewritten), a file that cannot be written is logged and skipped. It is
//! replaced whole through a temporary file and a rename, so processes that
//! share it (the bot, the CLI, tests) never read a half-written one.
//!
//! Format (little endian): `FCV1`, the model's SHA-256 (32 bytes), the
//! dimension (u32), then per phrasing its UTF-8 length (u32), its bytes and
//! `dimension` f32s.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::semantic::Vector;

const MAGIC: &[u8; 4] = b"FCV1";

/// The cache file for the model at `model`.
pub fn path_for(model: &Path) -> PathBuf {
    model.with_extension("vectors")
}

/// The vectors in `path` when it was written for this model and dimension;
/// empty otherwise.
pub fn read(path: &Path, model_sha: &[u8; 32], dim: usize) -> HashMap<String, Vector> {
    let Ok(bytes) = fs::read(path) else {
        return HashMap::new();
    };
    parse(&bytes, model_sha, dim).unwrap_or_else(|| {
        tracing::debug!(path = %path.display(), "ignoring a vector cache of another model or a damaged one");
        HashMap::new()
    })
}

fn parse(bytes: &[u8], model_sha: &[u8; 32], dim: usize) -> Option<HashMap<String, Vector>> {
    let mut reader = Reader { bytes };
    if reader.take(4)? != MAGIC || reader.take(32)? != model_sha {
        return None;
    }
    if reader.u32()? as usize != dim {
        return None;
    }
    let mut vectors = HashMap::new();
    while !reader.bytes.is_empty() {
        let len = reader.u32()? as usize;
        let text = std::str::from_utf8(reader.take(len)?).ok()?.to_owned();
        let floats = reader.take(dim * 4)?;
        let vector: Vector = floats
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect();
        vectors.insert(text, vector);
    }
    Some(vectors)
}

/// Replaces `path` with `vectors`.
pub fn write(
    path: &Path,
    model_sha: &[u8; 32],
    dim: usize,
    vectors: &HashMap<String, Vector>,
) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(40 + vectors.len() * (dim * 4 + 64));
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(model_sha);
    bytes.extend_from_slice(&u32::try_from(dim).map_err(io::Error::other)?.to_le_bytes());
    let mut texts: Vec<&String> = vectors.keys().collect();
    texts.sort();
    for text in texts {
        let vector = &vectors[text];
        if vector.len() != dim {
            continue;
        }
        let len = u32::try_from(text.len()).map_err(io::Error::other)?;
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes.extend_from_slice(text.as_bytes());
        for value in vector.iter() {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
    }
    let partial = path.with_extension(format!("vectors.{}.partial", std::process::id()));
    let mut file = fs::File::create(&partial)?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    fs::rename(&partial, path).inspect_err(|_| {
        let _ = fs::remove_file(&partial);
    })
}

/// Reads little-endian fields off the front of a byte slice.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < len {
            return None;
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        let bytes = self.take(4)?;
        Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> HashMap<String, Vector> {
        HashMap::from([
            (
                "Wie viele Punkte?".to_owned(),
                Vector::from(vec![0.5, -0.25]),
            ),
            ("how many points".to_owned(), Vector::from(vec![1.0, 0.0])),
        ])
    }

    #[test]
    fn vectors_survive_a_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.vectors");
        write(&path, &[7; 32], 2, &sample()).unwrap();
        assert_eq!(read(&path, &[7; 32], 2), sample());
    }

    #[test]
    fn a_cache_of_another_model_or_a_damaged_one_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.vectors");
        write(&path, &[7; 32], 2, &sample()).unwrap();
        assert!(read(&path, &[8; 32], 2).is_empty(), "another model");
        assert!(read(&path, &[7; 32], 3).is_empty(), "another dimension");
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(read(&path, &[7; 32], 2).is_empty(), "truncated");
        assert!(read(&dir.path().join("missing"), &[7; 32], 2).is_empty());
    }
}
