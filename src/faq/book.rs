//! The curated FAQ file (`config/faq.toml`) and its validation.
//!
//! Operators and tools write this file, so mistakes must be reported in a
//! way a person can fix: every error names the file and the entry id (or,
//! for syntax errors and unknown keys, what the TOML parser says, which
//! names the key and the line). Validation happens once, at load; the rest
//! of the bot can rely on every entry having an id that fits Telegram
//! callback data, at least one language, and non-empty questions and
//! answers.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::lang::Lang;

/// Longest entry id: ids travel in Telegram's 64-byte callback data next
/// to a short action prefix.
pub const MAX_ID_LEN: usize = 48;

/// Why a FAQ file could not be loaded.
#[derive(thiserror::Error, Debug)]
pub enum FaqFileError {
    #[error("cannot read FAQ file {origin}")]
    Read {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    /// Bad TOML, a missing or mistyped field, or an unknown key (the
    /// parser's message names the key and its line).
    #[error("{origin}: {message}")]
    Syntax { origin: String, message: String },
    #[error(
        "{origin}: invalid entry id `{id}`: use 1-{MAX_ID_LEN} lowercase ascii letters, digits and `-`"
    )]
    InvalidId { origin: String, id: String },
    #[error("{origin}: duplicate entry id `{id}`")]
    DuplicateId { origin: String, id: String },
    #[error("{origin}: entry `{id}` has no language: add [entry.de] and/or [entry.en]")]
    NoLanguage { origin: String, id: String },
    #[error(
        "{origin}: entry `{id}` uses the unknown placeholder {{{name}}} in its answer; known: {known}"
    )]
    UnknownPlaceholder {
        origin: String,
        id: String,
        name: String,
        known: String,
    },
    #[error("{origin}: entry `{id}` has an empty {field} in [entry.{lang}]")]
    EmptyText {
        origin: String,
        id: String,
        lang: Lang,
        field: &'static str,
    },
}

/// One language's text of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqText {
    pub question: String,
    pub alternatives: Vec<String>,
    pub answer: String,
}

impl FaqText {
    /// The question followed by its alternative wordings.
    pub fn phrasings(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.question.as_str()).chain(self.alternatives.iter().map(String::as_str))
    }
}

/// The languages an entry is written in; never empty by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Texts {
    One(Lang, FaqText),
    Both { de: FaqText, en: FaqText },
}

/// One validated FAQ entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqEntry {
    pub id: String,
    pub tags: Vec<String>,
    texts: Texts,
}

impl FaqEntry {
    /// The entry's text in `lang`, or its other language when it has only
    /// that one.
    pub fn text(&self, lang: Lang) -> &FaqText {
        match &self.texts {
            Texts::One(_, text) => text,
            Texts::Both { de, .. } if lang == Lang::De => de,
            Texts::Both { en, .. } => en,
        }
    }

    /// The entry's text in exactly `lang`, if it has one.
    pub fn text_in(&self, lang: Lang) -> Option<&FaqText> {
        match &self.texts {
            Texts::One(only, text) => (*only == lang).then_some(text),
            Texts::Both { .. } => Some(self.text(lang)),
        }
    }

    /// The languages the entry is written in, German first.
    pub fn languages(&self) -> Vec<Lang> {
        Lang::ALL
            .into_iter()
            .filter(|lang| self.text_in(*lang).is_some())
            .collect()
    }

    /// Every text of the entry, in all its languages.
    pub fn texts(&self) -> impl Iterator<Item = &FaqText> {
        self.texts_by_lang().map(|(_, text)| text)
    }

    /// Every text of the entry with its language, German first.
    pub fn texts_by_lang(&self) -> impl Iterator<Item = (Lang, &FaqText)> {
        Lang::ALL
            .into_iter()
            .filter_map(|lang| Some((lang, self.text_in(lang)?)))
    }
}

/// A validated FAQ file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaqBook {
    entries: Vec<FaqEntry>,
}

impl FaqBook {
    /// Reads and validates a FAQ file.
    pub fn load(path: &Path) -> Result<FaqBook, FaqFileError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| FaqFileError::Read {
            origin: origin.clone(),
            source,
        })?;
        FaqBook::parse(&text, &origin)
    }

    /// Parses and validates FAQ text; `origin` (usually the file name)
    /// appears in every error message.
    pub fn parse(text: &str, origin: &str) -> Result<FaqBook, FaqFileError> {
        let raw: RawFile = toml::from_str(text).map_err(|error| FaqFileError::Syntax {
            origin: origin.to_owned(),
            message: error.to_string().trim_end().to_owned(),
        })?;
        let mut seen = HashSet::new();
        let mut entries = Vec::with_capacity(raw.entry.len());
        for raw_entry in raw.entry {
            let entry = raw_entry.validate(origin)?;
            if !seen.insert(entry.id.clone()) {
                return Err(FaqFileError::DuplicateId {
                    origin: origin.to_owned(),
                    id: entry.id,
                });
            }
            entries.push(entry);
        }
        Ok(FaqBook { entries })
    }

    /// Builds a book from entries made in code (tests, generated FAQs),
    /// with the same checks as a file.
    pub fn from_entries(entries: Vec<FaqEntry>, origin: &str) -> Result<FaqBook, FaqFileError> {
        let mut seen = HashSet::new();
        for entry in &entries {
            if !seen.insert(entry.id.as_str()) {
                return Err(FaqFileError::DuplicateId {
                    origin: origin.to_owned(),
                    id: entry.id.clone(),
                });
            }
        }
        Ok(FaqBook { entries })
    }

    pub fn entries(&self) -> &[FaqEntry] {
        &self.entries
    }

    pub fn get(&self, id: &str) -> Option<&FaqEntry> {
        self.entries.iter().find(|entry| entry.id == id)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The same FAQ with every `{name}` placeholder in its answers replaced
    /// by `values[name]` (the club's live settings: `{points.upvote}`,
    /// `{points.daily_points_cap}`, `{shop.SKU.cost}`, …), so an answer
    /// stays true when the operator changes a rule. An unknown name is an
    /// error naming `origin`, the entry and the known names.
    pub fn render(
        &self,
        values: &std::collections::BTreeMap<String, String>,
        origin: &str,
    ) -> Result<FaqBook, FaqFileError> {
        let render_text = |id: &str, text: &FaqText| -> Result<FaqText, FaqFileError> {
            let answer = render_placeholders(&text.answer, |name| {
                values
                    .get(name)
                    .cloned()
                    .ok_or_else(|| FaqFileError::UnknownPlaceholder {
                        origin: origin.to_owned(),
                        id: id.to_owned(),
                        name: name.to_owned(),
                        known: values.keys().cloned().collect::<Vec<_>>().join(", "),
                    })
            })?;
            Ok(FaqText {
                answer,
                ..text.clone()
            })
        };
        let entries = self
            .entries
            .iter()
            .map(|entry| {
                let texts = match &entry.texts {
                    Texts::One(lang, text) => Texts::One(*lang, render_text(&entry.id, text)?),
                    Texts::Both { de, en } => Texts::Both {
                        de: render_text(&entry.id, de)?,
                        en: render_text(&entry.id, en)?,
                    },
                };
                Ok(FaqEntry {
                    texts,
                    ..entry.clone()
                })
            })
            .collect::<Result<_, FaqFileError>>()?;
        Ok(FaqBook { entries })
    }

    /// The same FAQ with at most `alternatives` alternatives per entry and
    /// language (the first ones): what a typical operator writes, for
    /// measuring the search on a thin FAQ (`fanclub faq eval --thin 2`).
    pub fn thinned(&self, alternatives: usize) -> FaqBook {
        let thin = |text: &FaqText| FaqText {
            alternatives: text
                .alternatives
                .iter()
                .take(alternatives)
                .cloned()
                .collect(),
            ..text.clone()
        };
        let entries = self
            .entries
            .iter()
            .map(|entry| FaqEntry {
                texts: match &entry.texts {
                    Texts::One(lang, text) => Texts::One(*lang, thin(text)),
                    Texts::Both { de, en } => Texts::Both {
                        de: thin(de),
                        en: thin(en),
                    },
                },
                ..entry.clone()
            })
            .collect();
        FaqBook { entries }
    }
}

impl FaqEntry {
    /// Makes an entry in code, validated like one read from a file.
    pub fn new(
        id: &str,
        tags: Vec<String>,
        de: Option<FaqText>,
        en: Option<FaqText>,
        origin: &str,
    ) -> Result<FaqEntry, FaqFileError> {
        RawEntry {
            id: id.to_owned(),
            tags,
            de: de.map(RawText::from),
            en: en.map(RawText::from),
        }
        .validate(origin)
    }
}

/// `text` with every `{name}` (lowercase ascii letters, digits, `.`, `_`
/// and `-`) replaced by `value(name)`; other braces stay as they are.
fn render_placeholders<E>(
    text: &str,
    mut value: impl FnMut(&str) -> Result<String, E>,
) -> Result<String, E> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let name_len = after
            .find(|c: char| {
                !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
            })
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            out.push_str(&value(&after[..name_len])?);
            rest = &after[name_len + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Is `id` 1–48 lowercase ascii letters, digits and `-`?
pub fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    entry: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    #[serde(default)]
    tags: Vec<String>,
    de: Option<RawText>,
    en: Option<RawText>,
}

/// Question and answer default to empty so that a missing one is reported
/// with the entry id rather than as a bare "missing field".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    #[serde(default)]
    question: String,
    #[serde(default)]
    alternatives: Vec<String>,
    #[serde(default)]
    answer: String,
}

impl From<FaqText> for RawText {
    fn from(text: FaqText) -> Self {
        RawText {
            question: text.question,
            alternatives: text.alternatives,
            answer: text.answer,
        }
    }
}

impl RawEntry {
    fn validate(self, origin: &str) -> Result<FaqEntry, FaqFileError> {
        if !is_valid_id(&self.id) {
            return Err(FaqFileError::InvalidId {
                origin: origin.to_owned(),
                id: self.id,
            });
        }
        let de = self
            .de
            .map(|raw| raw.validate(origin, &self.id, Lang::De))
            .transpose()?;
        let en = self
            .en
            .map(|raw| raw.validate(origin, &self.id, Lang::En))
            .transpose()?;
        let texts = match (de, en) {
            (Some(de), Some(en)) => Texts::Both { de, en },
            (Some(de), None) => Texts::One(Lang::De, de),
            (None, Some(en)) => Texts::One(Lang::En, en),
            (None, None) => {
                return Err(FaqFileError::NoLanguage {
                    origin: origin.to_owned(),
                    id: self.id,
                });
            }
        };
        Ok(FaqEntry {
            id: self.id,
            tags: self.tags,
            texts,
        })
    }
}

impl RawText {
    fn validate(self, origin: &str, id: &str, lang: Lang) -> Result<FaqText, FaqFileError> {
        let empty = |field| FaqFileError::EmptyText {
            origin: origin.to_owned(),
            id: id.to_owned(),
            lang,
            field,
        };
        if self.question.trim().is_empty() {
            return Err(empty("question"));
        }
        if self.answer.trim().is_empty() {
            return Err(empty("answer"));
        }
        if self.alternatives.iter().any(|alt| alt.trim().is_empty()) {
            return Err(empty("alternative"));
        }
        Ok(FaqText {
            question: self.question,
            alternatives: self.alternatives,
            answer: self.answer,
        })
    }
}

#[cfg(test)]
mod tests {

    fn one_entry(answer: &str) -> FaqBook {
        let text = FaqText {
            question: "Wie viele Punkte?".into(),
            alternatives: Vec::new(),
            answer: answer.into(),
        };
        let entry = FaqEntry::new("points", Vec::new(), Some(text), None, "faq.toml").unwrap();
        FaqBook::from_entries(vec![entry], "faq.toml").unwrap()
    }

    #[test]
    fn placeholders_in_answers_show_the_live_settings() {
        let values = [("points.upvote".to_owned(), "3".to_owned())].into();
        let book = one_entry("Ein Upvote bringt {points.upvote} Punkte. {nicht ersetzt} {}");
        let rendered = book.render(&values, "faq.toml").unwrap();
        assert_eq!(
            rendered.entries()[0].text(Lang::De).answer,
            "Ein Upvote bringt 3 Punkte. {nicht ersetzt} {}"
        );
    }

    #[test]
    fn an_unknown_placeholder_names_the_file_the_entry_and_the_known_names() {
        let values = [("points.upvote".to_owned(), "3".to_owned())].into();
        let error = one_entry("{points.upvotes} Punkte")
            .render(&values, "faq.toml")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("faq.toml: entry `points`"), "{error}");
        assert!(error.contains("{points.upvotes}"), "{error}");
        assert!(error.contains("known: points.upvote"), "{error}");
    }

    use super::*;

    #[test]
    fn ids_fit_callback_data() {
        assert!(is_valid_id("reset-password"));
        assert!(is_valid_id("a1"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("Reset"));
        assert!(!is_valid_id("reset_password"));
        assert!(!is_valid_id(&"a".repeat(49)));
    }

    #[test]
    fn an_entry_with_one_language_falls_back_to_it() {
        let book = FaqBook::parse(
            "[[entry]]\nid = \"x\"\n[entry.de]\nquestion = \"Frage?\"\nanswer = \"Antwort.\"\n",
            "t.toml",
        )
        .expect("valid");
        let entry = book.get("x").expect("entry");
        assert_eq!(entry.text(Lang::En).answer, "Antwort.");
        assert!(entry.text_in(Lang::En).is_none());
        assert_eq!(entry.languages(), vec![Lang::De]);
    }

    #[test]
    fn a_missing_answer_names_the_entry() {
        let error = FaqBook::parse(
            "[[entry]]\nid = \"x\"\n[entry.en]\nquestion = \"Q?\"\n",
            "t.toml",
        )
        .expect_err("invalid");
        let message = error.to_string();
        assert!(
            message.contains("`x`") && message.contains("t.toml") && message.contains("answer")
        );
    }
}
