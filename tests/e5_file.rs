//! A damaged model file is refused with a reason, never a panic: the
//! reader checks every length and offset (copies of the real file,
//! truncated or with a field overwritten).

use std::sync::OnceLock;

use fanclub::faq::semantic::encoder::file::{ModelFile, ModelFileError};
use fanclub::faq::semantic::encoder::{Encoder, EncoderError, Weights};

use crate::support::faq_model;

fn model_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        std::fs::read(faq_model()).expect("scripts/fetch-model installed the model")
    })
}

fn with_i32(at: usize, value: i32) -> Vec<u8> {
    let mut bytes = model_bytes().to_vec();
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    bytes
}

/// Where the tensor directory starts: after the header, the vocabulary
/// and the normalisation map.
fn directory_offset(bytes: &[u8]) -> usize {
    let i32_at = |at: usize| i32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let pieces = i32_at(44);
    let blob = u64::from_le_bytes(bytes[64..72].try_into().unwrap()) as usize;
    let map_at = 72 + (pieces + 1) * 4 + pieces * 4 + blob;
    map_at + 8 + i32_at(map_at + 4)
}

fn load(bytes: &[u8]) -> Result<Encoder, EncoderError> {
    Encoder::from_bytes(bytes, Weights::Q4)
}

#[test]
fn the_real_file_is_read_with_its_dimensions() {
    let file = ModelFile::parse(model_bytes()).unwrap();
    assert_eq!(file.dims.hidden, 384);
    assert_eq!(file.dims.layers, 12);
    assert_eq!(file.vocabulary.pieces.len(), 250_002);
    assert!(file.vocabulary.normalisation.len() > 4_000);
}

#[test]
fn a_file_cut_anywhere_is_refused_as_truncated() {
    let bytes = model_bytes();
    let directory = directory_offset(bytes);
    for cut in [
        0,
        3,
        10,
        60,
        1_000,
        1_100_000,
        directory - 100,
        directory + 10,
        bytes.len() - 1_000_000,
        bytes.len() - 1,
    ] {
        let error = load(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(
                error,
                EncoderError::File(ModelFileError::Truncated { .. } | ModelFileError::Magic)
            ),
            "cut at {cut}: {error}"
        );
    }
}

#[test]
fn impossible_header_fields_are_named() {
    for (at, value, what) in [
        (8, 0, "hidden size"),
        (8, 383, "hidden size"),
        (8, -1, "hidden size"),
        (16, 7, "hidden size"),
        (20, 33, "feed-forward"),
        (40, 16, "block size"),
        (44, -5, "piece count"),
        (44, 1 << 30, "piece count"),
        (60, 9_999_999, "<unk> id"),
    ] {
        let error = load(&with_i32(at, value)).unwrap_err();
        assert!(
            error.to_string().contains(what),
            "{what} = {value}: {error}"
        );
    }
}

#[test]
fn a_bad_magic_is_not_an_e5_file() {
    let mut bytes = model_bytes()[..100].to_vec();
    bytes[0] = b'X';
    assert!(matches!(
        load(&bytes).unwrap_err(),
        EncoderError::File(ModelFileError::Magic)
    ));
}

#[test]
fn damaged_tensor_entries_are_refused() {
    let bytes = model_bytes();
    let directory = directory_offset(bytes);
    // The first entry: name length (u16), name, type (u8), elements (u32),
    // offset (u64), length (u64).
    let name_len = u16::from_le_bytes([bytes[directory + 4], bytes[directory + 5]]) as usize;
    let entry = directory + 6 + name_len;
    let mut damaged = bytes.to_vec();
    damaged[entry] = 7;
    assert!(
        load(&damaged)
            .unwrap_err()
            .to_string()
            .contains("tensor type")
    );

    let mut damaged = bytes.to_vec();
    damaged[entry + 5..entry + 13].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        load(&damaged).unwrap_err(),
        EncoderError::File(ModelFileError::Truncated { .. })
    ));

    let mut damaged = bytes.to_vec();
    damaged[entry + 1..entry + 5].copy_from_slice(&12u32.to_le_bytes());
    assert!(matches!(
        load(&damaged).unwrap_err(),
        EncoderError::File(ModelFileError::TensorShape { .. })
    ));

    let mut damaged = bytes.to_vec();
    damaged[directory + 6] = b'x';
    assert!(matches!(
        load(&damaged).unwrap_err(),
        EncoderError::File(ModelFileError::MissingTensor { .. })
    ));
}

#[test]
fn a_damaged_vocabulary_or_normalisation_map_is_refused() {
    let bytes = model_bytes();
    // A piece offset pointing backwards.
    let mut damaged = bytes.to_vec();
    damaged[72 + 4 * 10..72 + 4 * 11].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(load(&damaged).unwrap_err().to_string().contains("piece"));

    // A surrogate in the normalisation map.
    let i32_at = |at: usize| i32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let pieces = i32_at(44);
    let blob = u64::from_le_bytes(bytes[64..72].try_into().unwrap()) as usize;
    let map_at = 72 + (pieces + 1) * 4 + pieces * 4 + blob + 8;
    let mut damaged = bytes.to_vec();
    damaged[map_at..map_at + 4].copy_from_slice(&0xD800u32.to_le_bytes());
    assert!(
        load(&damaged)
            .unwrap_err()
            .to_string()
            .contains("code point")
    );
}
