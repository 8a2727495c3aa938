//! Text analysis shared by indexing and searching.
//!
//! Members type in German, English or both, on phones, with typos and
//! without umlauts ("loesung", "losung", "Lösung"). Everything that is
//! compared therefore goes through one normalisation: NFKC, lowercase,
//! umlauts and ß folded to their two-letter spellings (ä→ae, ß→ss), other
//! accents dropped, and anything that is not a letter or digit treated as a
//! word boundary. Only the first [`MAX_ANALYSED_CHARS`] characters are
//! looked at, so a 100 KB paste costs as much as a long sentence.
//!
//! On top of the words sit character 3–5-grams (within word boundaries),
//! which survive typos, inflection and German compounds without knowing
//! either language, and a generic stop list of both languages. Nothing
//! here knows any club's subject: that comes from the FAQ file.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// How much of a message is analysed. Questions are short; anything past
/// this is pasted logs or spam and must not cost time.
pub const MAX_ANALYSED_CHARS: usize = 1_000;

/// The smallest and largest character n-gram taken from a word.
pub const NGRAM_MIN: usize = 3;
pub const NGRAM_MAX: usize = 5;

/// Function words and greetings of both languages, folded: they say
/// nothing about what a question asks.
const STOPWORDS: &[&str] = &[
    // German
    "ich",
    "du",
    "er",
    "sie",
    "es",
    "wir",
    "ihr",
    "man",
    "mich",
    "mir",
    "dich",
    "dir",
    "uns",
    "euch",
    "mein",
    "meine",
    "meinen",
    "meinem",
    "meiner",
    "meines",
    "dein",
    "deine",
    "deinen",
    "sein",
    "seine",
    "der",
    "die",
    "das",
    "den",
    "dem",
    "des",
    "ein",
    "eine",
    "einen",
    "einem",
    "einer",
    "eines",
    "und",
    "oder",
    "aber",
    "wie",
    "was",
    "ist",
    "sind",
    "bin",
    "bist",
    "war",
    "hab",
    "habe",
    "hat",
    "haben",
    "hast",
    "kann",
    "kannst",
    "koennen",
    "konnte",
    "mit",
    "von",
    "vom",
    "zu",
    "zum",
    "zur",
    "fuer",
    "auf",
    "in",
    "im",
    "an",
    "am",
    "als",
    "auch",
    "hier",
    "da",
    "dann",
    "mal",
    "ne",
    "nen",
    "wenn",
    "dass",
    "so",
    "noch",
    "schon",
    "gleich",
    "denn",
    "doch",
    "ja",
    "eigentlich",
    "irgendwie",
    "bitte",
    "hallo",
    "hey",
    "hi",
    "moin",
    "servus",
    "leute",
    "kurze",
    "kurz",
    "frage",
    "gibt",
    "gibts",
    "geht",
    "gerade",
    "grad",
    "jetzt",
    "wird",
    "werden",
    "werd",
    "wurde",
    "muss",
    "musst",
    "darf",
    "soll",
    "sollte",
    "um",
    "bei",
    "nach",
    "ob",
    "s",
    "nur",
    "sich",
    "diese",
    "dieser",
    "diesen",
    "dieses",
    "alle",
    "alles",
    "welche",
    "welcher",
    "welches",
    "etwas",
    "was",
    "ueber",
    "aus",
    "bis",
    "zusammen",
    "sowas",
    // English
    "i",
    "me",
    "my",
    "mine",
    "you",
    "your",
    "we",
    "our",
    "he",
    "she",
    "it",
    "its",
    "they",
    "them",
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "how",
    "what",
    "is",
    "are",
    "am",
    "was",
    "were",
    "be",
    "been",
    "do",
    "does",
    "did",
    "can",
    "could",
    "would",
    "should",
    "will",
    "to",
    "of",
    "for",
    "on",
    "at",
    "with",
    "from",
    "by",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "have",
    "has",
    "had",
    "if",
    "so",
    "just",
    "please",
    "pls",
    "plz",
    "hello",
    "hey",
    "hi",
    "guys",
    "folks",
    "quick",
    "question",
    "any",
    "anyone",
    "some",
    "which",
    "about",
    "into",
    "up",
    "out",
    "as",
    "then",
    "than",
    "all",
    "really",
    "still",
    "s",
    "t",
    "m",
    "d",
    "ll",
    "re",
    "ve",
    "im",
    "dont",
    "didnt",
    "doesnt",
    "isnt",
    "cant",
    "whats",
    "way",
    "thing",
    "something",
];

/// Lowercases, folds umlauts/ß/accents and splits into words.
///
/// Words keep letters and digits only; `+1` becomes the word `plus1`
/// because it is a vote in this club.
pub fn normalized_words(text: &str) -> Vec<String> {
    let capped: String = text.chars().take(MAX_ANALYSED_CHARS).collect();
    let folded = fold(&capped);
    folded
        .split(|c: char| !c.is_alphanumeric() && c != '+')
        .flat_map(split_plus)
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Keeps `+1` as a word and treats any other `+` as a boundary.
fn split_plus(word: &str) -> Vec<&str> {
    if word == "+1" {
        return vec!["plus1"];
    }
    word.split('+').collect()
}

/// NFKC, lowercase, ä→ae ö→oe ü→ue ß→ss, other combining marks removed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkc().flat_map(char::to_lowercase) {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii() => out.push(c),
            c => out.extend(c.to_string().nfd().filter(|m| !is_combining_mark(*m))),
        }
    }
    out
}

/// Character n-grams of one word, padded with `<` and `>` so that word
/// starts and ends are features of their own. Very short words ("ab")
/// also yield the whole padded word.
pub fn char_ngrams(word: &str, mut emit: impl FnMut(&[char])) {
    let padded: Vec<char> = std::iter::once('<')
        .chain(word.chars())
        .chain(std::iter::once('>'))
        .collect();
    if padded.len() <= NGRAM_MIN {
        emit(&padded);
        return;
    }
    for n in NGRAM_MIN..=NGRAM_MAX {
        for window in padded.windows(n) {
            emit(window);
        }
    }
}

/// The content words of a text: normalised, stop words removed.
pub fn content_words(text: &str) -> Vec<String> {
    normalized_words(text)
        .into_iter()
        .filter(|word| !is_stopword(word))
        .collect()
}

/// Is `word` (folded) a stop word?
pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umlauts_and_sharp_s_are_folded() {
        assert_eq!(fold("Größe Übung Äpfel"), "groesse uebung aepfel");
        assert_eq!(fold("Café ﬁx"), "cafe fix");
    }

    #[test]
    fn words_split_on_punctuation_and_keep_plus_one() {
        assert_eq!(
            normalized_words("Hey, +1!! Wie geht's? 👍 T-Shirt"),
            vec!["hey", "plus1", "wie", "geht", "s", "t", "shirt"]
        );
    }

    #[test]
    fn huge_input_is_capped() {
        let text = "wort ".repeat(100_000);
        assert!(normalized_words(&text).len() <= MAX_ANALYSED_CHARS / 4);
    }

    #[test]
    fn odd_input_gives_no_words() {
        assert!(normalized_words("").is_empty());
        assert!(normalized_words("🎉🎉 ?!… \u{0007}\u{0000}").is_empty());
    }

    #[test]
    fn ngrams_are_padded_and_short_words_kept_whole() {
        let mut grams = Vec::new();
        char_ngrams("ab", |g| grams.push(g.iter().collect::<String>()));
        assert!(grams.contains(&"<ab>".to_owned()));
        grams.clear();
        char_ngrams("tag", |g| grams.push(g.iter().collect::<String>()));
        assert!(grams.contains(&"<ta".to_owned()));
        assert!(grams.contains(&"<tag>".to_owned()));
    }

    #[test]
    fn stop_words_are_dropped_from_content_words() {
        assert_eq!(
            content_words("Wie kann ich das Ding laden?"),
            ["ding", "laden"]
        );
        assert_eq!(content_words("how do I charge it"), ["charge"]);
    }
}
