//! The FAQ's vectors kept on disk between runs.
//!
//! Embedding a phrasing costs some 10–20 ms on two cores, so the starter
//! FAQ's 1,100 phrasings take seconds: too long for every start of the
//! bot, every `fanclub faq ask` and every test. The embedder keeps the
//! vectors it computed in the cache directory (`faq.cache_dir`, default
//! `data/cache`), in a file named after the model's SHA-256
//! (`e5-<first 16 hex digits>.vectors`), and reads them back on the next
//! start, so only new or edited texts are embedded. Each vector is keyed
//! by the model (the file name and its header), its role (`query: ` or
//! `passage: `) and its text.
//!
//! The file is a cache: a missing, foreign or damaged file is ignored (and
//! rewritten), a file that cannot be written is logged and skipped. It is
//! replaced whole through a temporary file and a rename, so processes that
//! share it (the bot, the CLI, tests) never read a half-written one.
//!
//! Format (little endian): `FCV2`, the model's SHA-256 (32 bytes), the
//! dimension (u32), then per text its role (u8: 0 query, 1 passage), its
//! UTF-8 length (u32), its bytes and `dimension` f32s.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::semantic::Vector;
use super::semantic::encoder::Role;

const MAGIC: &[u8; 4] = b"FCV2";

/// The cached vectors, by role and text.
pub type Cached = HashMap<(Role, String), Vector>;

/// The cache file in `dir` for the model with SHA-256 `model_sha`.
pub fn path_in(dir: &Path, model_sha: &[u8; 32]) -> PathBuf {
    let short: String = model_sha[..8].iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("e5-{short}.vectors"))
}

/// The vectors in `path` when it was written for this model and dimension;
/// empty otherwise.
pub fn read(path: &Path, model_sha: &[u8; 32], dim: usize) -> Cached {
    let Ok(bytes) = fs::read(path) else {
        return HashMap::new();
    };
    parse(&bytes, model_sha, dim).unwrap_or_else(|| {
        tracing::debug!(path = %path.display(), "ignoring a vector cache of another model or a damaged one");
        HashMap::new()
    })
}

fn parse(bytes: &[u8], model_sha: &[u8; 32], dim: usize) -> Option<Cached> {
    let mut reader = Reader { bytes };
    if reader.take(4)? != MAGIC || reader.take(32)? != model_sha {
        return None;
    }
    if reader.u32()? as usize != dim {
        return None;
    }
    let mut vectors = HashMap::new();
    while !reader.bytes.is_empty() {
        let role = match reader.take(1)?[0] {
            0 => Role::Query,
            1 => Role::Passage,
            _ => return None,
        };
        let len = reader.u32()? as usize;
        let text = std::str::from_utf8(reader.take(len)?).ok()?.to_owned();
        let floats = reader.take(dim * 4)?;
        let vector: Vector = floats
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect();
        vectors.insert((role, text), vector);
    }
    Some(vectors)
}

/// Replaces `path` with `vectors`.
pub fn write(path: &Path, model_sha: &[u8; 32], dim: usize, vectors: &Cached) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(40 + vectors.len() * (dim * 4 + 64));
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(model_sha);
    bytes.extend_from_slice(&u32::try_from(dim).map_err(io::Error::other)?.to_le_bytes());
    let mut keys: Vec<&(Role, String)> = vectors.keys().collect();
    keys.sort_by_key(|(role, text)| (*role == Role::Passage, text.as_str()));
    for key in keys {
        let vector = &vectors[key];
        if vector.len() != dim {
            continue;
        }
        let (role, text) = key;
        bytes.push(u8::from(*role == Role::Passage));
        let len = u32::try_from(text.len()).map_err(io::Error::other)?;
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes.extend_from_slice(text.as_bytes());
        for value in vector.iter() {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
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

    fn sample() -> Cached {
        HashMap::from([
            (
                (Role::Query, "Wie viele Punkte?".to_owned()),
                Vector::from(vec![0.5, -0.25]),
            ),
            (
                (Role::Query, "how many points".to_owned()),
                Vector::from(vec![1.0, 0.0]),
            ),
            (
                (Role::Passage, "how many points".to_owned()),
                Vector::from(vec![0.0, 1.0]),
            ),
        ])
    }

    #[test]
    fn vectors_survive_a_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(&dir.path().join("cache"), &[7; 32]);
        write(&path, &[7; 32], 2, &sample()).unwrap();
        assert_eq!(read(&path, &[7; 32], 2), sample());
        assert_eq!(
            path.file_name().unwrap().to_str(),
            Some("e5-0707070707070707.vectors")
        );
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
