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
//! On top of the normalised words sit two views:
//! - character n-grams (3–5, within word boundaries), which survive typos,
//!   inflection and German compounds without knowing either language;
//! - word tokens: stop words dropped, a light suffix stemmer for both
//!   languages, a bilingual lexicon mapping synonyms of both languages to
//!   one concept, and compound splitting against that lexicon.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::lexicon;

/// How much of a message is analysed. Questions are short; anything past
/// this is pasted logs or spam and must not cost time.
pub const MAX_ANALYSED_CHARS: usize = 1_000;

/// The smallest and largest character n-gram taken from a word.
pub const NGRAM_MIN: usize = 3;
pub const NGRAM_MAX: usize = 5;

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

/// Light suffix stripping that works for German and English alike.
///
/// It is deliberately crude: both the index and the query go through it,
/// so "punkte/punkten/punkt" and "votes/voting/vote" meet, and the lexicon
/// catches the irregular rest.
pub fn stem(word: &str) -> String {
    let mut stem = word;
    if stem.chars().count() <= 4 || stem.chars().any(|c| c.is_ascii_digit()) {
        return stem.to_owned();
    }
    if let Some(base) = stem.strip_suffix("ungen") {
        return format!("{base}ung");
    }
    for suffix in ["ing", "ern", "en", "er", "es", "em", "ed", "e", "s", "n"] {
        if let Some(base) = stem.strip_suffix(suffix)
            && base.chars().count() >= 4
        {
            stem = base;
            break;
        }
    }
    stem.to_owned()
}

/// Candidate dictionary forms of an inflected German verb: person and
/// past-participle endings (-t, -st, -et, -est, -te, ge-…-t) replaced by
/// the infinitive or first-person endings (-en, -n, -e). "verdienst" →
/// "verdienen", "gezaehlt" → "zaehlen", "sammelt" → "sammeln". The bare
/// remainder is never a candidate ("start" is not "star").
pub fn verb_forms(word: &str) -> Vec<String> {
    let mut forms = Vec::new();
    if !word.is_ascii() || word.len() < 5 {
        return forms;
    }
    let mut bases = vec![word];
    if let Some(rest) = word.strip_prefix("ge")
        && rest.len() >= 4
    {
        bases.push(rest);
    }
    for base in bases {
        for suffix in ["test", "tet", "est", "et", "st", "te", "t"] {
            if let Some(root) = base.strip_suffix(suffix)
                && root.len() >= 3
            {
                for ending in ["en", "n", "e"] {
                    forms.push(format!("{root}{ending}"));
                }
            }
        }
    }
    forms
}

/// Joins a German separable verb whose particle closes the question
/// ("wie löse ich Punkte ein" → "einloese", "wie breche ich das ab" →
/// "abbreche") when the lexicon knows the joined verb; the particle alone
/// would be a stop word and the verb alone means something else ("lösen"
/// is solving, "einlösen" redeeming).
fn join_separable_verb(mut words: Vec<String>) -> Vec<String> {
    const PARTICLES: &[&str] = &[
        "ein", "ab", "an", "aus", "zurueck", "weg", "nach", "vor", "auf", "mit", "zu", "um",
    ];
    let Some(last) = words.last() else {
        return words;
    };
    if !PARTICLES.contains(&last.as_str()) || words.len() < 3 {
        return words;
    }
    let particle = last.clone();
    let verb = words[..words.len() - 1].iter().position(|word| {
        let joined = format!("{particle}{word}");
        lexicon::concepts(&joined).is_some()
            || verb_forms(&joined)
                .iter()
                .any(|form| lexicon::concepts(form).is_some())
    });
    if let Some(verb) = verb {
        words[verb] = format!("{particle}{}", words[verb]);
        words.pop();
    }
    words
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
    join_separable_verb(normalized_words(text))
        .into_iter()
        .filter(|word| !lexicon::is_stopword(word))
        .collect()
}

/// "In exchange for" tokens: a preposition of exchange ("for", "with",
/// "für", "mit", "gegen") joined to the first token of the content word
/// after it ("what do I get for my points" → "@#points"). The stop list
/// drops the preposition, yet it is what tells "what do I get for my
/// points" (spending) from "how do I get points" (earning).
pub fn exchange_tokens(text: &str) -> Vec<String> {
    const PREPOSITIONS: &[&str] = &["for", "fuer"];
    let words = join_separable_verb(normalized_words(text));
    let mut out = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if !PREPOSITIONS.contains(&word.as_str()) {
            continue;
        }
        let Some(next) = words[i + 1..]
            .iter()
            .take(3)
            .find(|word| !lexicon::is_stopword(word))
        else {
            continue;
        };
        let mut tokens = Vec::new();
        word_tokens(next, &mut tokens);
        if let Some(first) = tokens.first() {
            out.push(format!("@{first}"));
        }
    }
    out
}

/// Maps one content word onto word-level tokens: lexicon concepts when the
/// word (or its stem) is known, the parts of a known compound, else the
/// stem itself.
pub fn word_tokens(word: &str, out: &mut Vec<String>) {
    if let Some(concepts) = lexicon::concepts(word) {
        out.extend(concepts.iter().map(|c| (*c).to_owned()));
        return;
    }
    if let Some(parts) = split_compound(word) {
        for part in parts {
            match lexicon::concepts(part) {
                Some(concepts) => out.extend(concepts.iter().map(|c| (*c).to_owned())),
                None => out.push(stem(part)),
            }
        }
        return;
    }
    out.push(stem(word));
}

/// Splits a German-style compound into two lexicon words, allowing the
/// linking letters `s`, `n` and `e` ("passwortaenderung" → "passwort" +
/// "aenderung", "bonuspunkte" → "bonus" + "punkte"). Returns `None` unless
/// the head (right part) is a lexicon word; the modifier is kept even when
/// unknown if the head is long enough to be meaningful on its own.
pub fn split_compound(word: &str) -> Option<[&str; 2]> {
    const MIN_PART: usize = 3;
    if !word.is_ascii() || word.len() < 2 * MIN_PART + 1 {
        return None;
    }
    // Shortest modifier first, so the longest known head wins; a known
    // modifier beats an unknown one.
    let splits = || MIN_PART..=word.len() - MIN_PART;
    splits()
        .find_map(|split| known_compound_at(word, split))
        .or_else(|| splits().find_map(|split| headed_compound_at(word, split)))
}

/// The shortest known head that may follow an unknown modifier.
const MIN_KNOWN_HEAD: usize = 5;

/// Both parts known, the modifier possibly with a linking letter.
fn known_compound_at(word: &str, split: usize) -> Option<[&str; 2]> {
    let (left, right) = word.split_at(split);
    lexicon::direct_concepts(right)?;
    if lexicon::direct_concepts(left).is_some() {
        return Some([left, right]);
    }
    let unlinked = left.strip_suffix(['s', 'n', 'e'])?;
    (unlinked.len() >= 3 && lexicon::direct_concepts(unlinked).is_some())
        .then_some([unlinked, right])
}

/// An unknown modifier in front of a long known head ("weiterempfehle"):
/// the head carries the meaning.
fn headed_compound_at(word: &str, split: usize) -> Option<[&str; 2]> {
    let (left, right) = word.split_at(split);
    (right.len() >= MIN_KNOWN_HEAD && lexicon::direct_concepts(right).is_some())
        .then_some([left, right])
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
    fn stemming_meets_inflections_in_both_languages() {
        assert_eq!(stem("punkte"), stem("punkten"));
        assert_eq!(stem("points"), stem("point"));
        assert_eq!(stem("einstellungen"), "einstellung");
        assert_eq!(stem("tag"), "tag");
    }

    #[test]
    fn german_verb_endings_lead_to_the_infinitive() {
        assert!(verb_forms("verdienst").contains(&"verdienen".to_owned()));
        assert!(verb_forms("gezaehlt").contains(&"zaehlen".to_owned()));
        assert!(!verb_forms("start").contains(&"star".to_owned()));
    }

    #[test]
    fn separable_verbs_are_joined() {
        assert!(content_words("wie löse ich punkte ein").contains(&"einloese".to_owned()));
        assert!(content_words("wie breche ich das ab").contains(&"abbreche".to_owned()));
        assert!(!content_words("ich gebe ein upvote").contains(&"eingebe".to_owned()));
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
    fn german_compounds_split_into_known_words() {
        assert_eq!(
            split_compound("passwortaenderung"),
            Some(["passwort", "aenderung"])
        );
        assert_eq!(
            split_compound("weiterempfehle"),
            Some(["weiter", "empfehle"])
        );
        assert_eq!(split_compound("hausboot"), None);
    }

    #[test]
    fn synonyms_of_both_languages_meet_in_one_concept() {
        let mut de = Vec::new();
        word_tokens("rangliste", &mut de);
        let mut en = Vec::new();
        word_tokens("leaderboard", &mut en);
        assert_eq!(de, en);
    }
}
