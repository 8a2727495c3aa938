//! Translated texts, with Fluent.
//!
//! Every text a member reads lives in `src/locales/<lang>.ftl`, compiled in.
//! Fluent handles plurals and placeables, so handlers pass values, never
//! pre-built sentences. Unicode isolation marks are switched off: they would
//! show up as stray characters in terminals and in the console contract.

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::lang::Lang;

const DE_FTL: &str = include_str!("../locales/de.ftl");
const EN_FTL: &str = include_str!("../locales/en.ftl");

/// The loaded message bundles for every language.
pub struct Texts {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Texts").finish_non_exhaustive()
    }
}

/// Arguments for a message, built with [`args`].
pub type Args<'a> = FluentArgs<'a>;

/// A text value for a message argument.
pub fn text(value: &str) -> FluentValue<'static> {
    FluentValue::from(value.to_owned())
}

/// Builds Fluent arguments from `(name, value)` pairs.
pub fn args<'a, const N: usize>(pairs: [(&'a str, FluentValue<'a>); N]) -> Args<'a> {
    let mut args = FluentArgs::new();
    for (name, value) in pairs {
        args.set(name, value);
    }
    args
}

impl Texts {
    /// Loads the compiled-in message files.
    ///
    /// # Panics
    /// When a compiled-in file has a syntax error; a unit test guards that.
    pub fn load() -> Texts {
        let bundles = Lang::ALL
            .into_iter()
            .map(|lang| (lang, bundle(lang, source(lang))))
            .collect();
        Texts { bundles }
    }

    /// The message `id` in `lang` with `args`. A missing message shows its id,
    /// which the completeness test makes impossible for shipped ids.
    pub fn get(&self, lang: Lang, id: &str, args: Option<&Args<'_>>) -> String {
        let bundle = &self.bundles[&lang];
        let Some(pattern) = bundle.get_message(id).and_then(|message| message.value()) else {
            tracing::error!(id, %lang, "missing translation");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::error!(id, %lang, ?errors, "translation failed to format");
        }
        text.into_owned()
    }

    /// A message without arguments.
    pub fn plain(&self, lang: Lang, id: &str) -> String {
        self.get(lang, id, None)
    }

    /// Whether `id` exists in `lang`.
    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.bundles[&lang].has_message(id)
    }
}

fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::De => DE_FTL,
        Lang::En => EN_FTL,
    }
}

fn bundle(lang: Lang, source: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang
        .code()
        .parse()
        .expect("de and en are valid language ids");
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(_, errors)| {
        panic!("src/locales/{lang}.ftl has syntax errors: {errors:?}")
    });
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("src/locales/{lang}.ftl redefines messages: {errors:?}"));
    bundle
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use fluent_syntax::ast;

    use super::*;
    use crate::club::commands::COMMANDS;

    /// The message ids defined in a Fluent source, for completeness checks.
    fn message_ids(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|line| line.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect()
    }

    #[test]
    fn both_languages_define_the_same_messages() {
        let de = message_ids(DE_FTL);
        let en = message_ids(EN_FTL);
        let texts = Texts::load();
        for id in &de {
            assert!(texts.has(Lang::En, id), "en.ftl lacks {id}");
        }
        for id in &en {
            assert!(texts.has(Lang::De, id), "de.ftl lacks {id}");
        }
        assert!(de.len() > 20);
    }

    #[test]
    fn every_command_has_a_short_summary_in_both_languages() {
        let texts = Texts::load();
        for spec in COMMANDS {
            for lang in Lang::ALL {
                let summary = texts.plain(lang, &spec.summary_id());
                let length = summary.chars().count();
                assert!(
                    (3..=100).contains(&length),
                    "/{} {lang}: {summary:?}",
                    spec.name
                );
                for arg in spec.args {
                    assert!(
                        texts.has(lang, &format!("arg-{}", arg.name)),
                        "arg-{} {lang}",
                        arg.name
                    );
                }
            }
        }
    }

    /// The variables a pattern uses, in selectors and placeables alike. A
    /// referenced message reads the caller's variables: it is noted as
    /// `@id`, and [`messages_with_variables`] puts that message's own in.
    fn variables(pattern: &ast::Pattern<&str>, found: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, found);
            }
        }
    }

    fn expression_variables(expression: &ast::Expression<&str>, found: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, found);
                for variant in variants {
                    variables(&variant.value, found);
                }
            }
            ast::Expression::Inline(inline) => inline_variables(inline, found),
        }
    }

    fn inline_variables(inline: &ast::InlineExpression<&str>, found: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                found.insert(id.name.to_owned());
            }
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for argument in &arguments.positional {
                    inline_variables(argument, found);
                }
            }
            ast::InlineExpression::Placeable { expression } => {
                expression_variables(expression, found);
            }
            ast::InlineExpression::MessageReference { id, .. } => {
                found.insert(format!("@{}", id.name));
            }
            _ => {}
        }
    }

    /// Every message of `lang` with its variables, those of the messages
    /// it refers to included.
    fn messages_with_variables(lang: Lang) -> Vec<(String, BTreeSet<String>)> {
        let resource = FluentResource::try_new(source(lang).to_owned()).expect("parses");
        let own: Vec<(String, BTreeSet<String>)> = resource
            .entries()
            .filter_map(|entry| match entry {
                ast::Entry::Message(message) => {
                    let mut found = BTreeSet::new();
                    if let Some(value) = &message.value {
                        variables(value, &mut found);
                    }
                    Some((message.id.name.to_owned(), found))
                }
                _ => None,
            })
            .collect();
        let of = |id: &str| {
            own.iter()
                .find(|(name, _)| name == id)
                .map(|(_, found)| found.clone())
                .unwrap_or_default()
        };
        own.iter()
            .map(|(id, found)| {
                let mut all = BTreeSet::new();
                for name in found {
                    match name.strip_prefix('@') {
                        // One level: the shared messages refer to no others.
                        Some(referenced) => all.extend(
                            of(referenced)
                                .into_iter()
                                .filter(|name| !name.starts_with('@')),
                        ),
                        None => {
                            all.insert(name.clone());
                        }
                    }
                }
                (id.clone(), all)
            })
            .collect()
    }

    /// English words that have no place in a German sentence, shared with
    /// the German console story.
    const ENGLISH_WORDS: &str = include_str!("../../tests/data/english_words.txt");

    fn english_words_in(german: &str) -> Vec<String> {
        german
            .split_whitespace()
            .filter(|word| !word.starts_with('/'))
            .flat_map(|word| word.split(|c: char| !c.is_alphabetic()))
            .map(str::to_lowercase)
            .filter(|word| {
                ENGLISH_WORDS
                    .lines()
                    .filter(|line| !line.starts_with('#'))
                    .any(|english| english == word)
            })
            .collect()
    }

    #[test]
    fn every_message_renders_in_both_languages_and_german_reads_german() {
        let texts = Texts::load();
        for lang in Lang::ALL {
            for (id, names) in messages_with_variables(lang) {
                // 0, 1 and 5 reach every plural and "none" variant.
                for sample in [0, 1, 5] {
                    let mut values = FluentArgs::new();
                    for name in &names {
                        values.set(name.as_str(), FluentValue::from(sample));
                    }
                    let bundle = &texts.bundles[&lang];
                    let pattern = bundle.get_message(&id).and_then(|m| m.value()).unwrap();
                    let mut errors = Vec::new();
                    let rendered = bundle.format_pattern(pattern, Some(&values), &mut errors);
                    assert!(errors.is_empty(), "{lang} {id}: {errors:?}");
                    assert!(!rendered.trim().is_empty(), "{lang} {id} renders empty");
                    if lang == Lang::De && !id.starts_with("cmdname-") {
                        let english = english_words_in(&rendered);
                        assert!(english.is_empty(), "de {id}: {english:?} in {rendered:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_english_word_check_catches_english_in_german() {
        assert_eq!(
            english_words_in("upvote by dana on #52"),
            ["upvote", "by", "on"]
        );
        assert!(english_words_in("Schreib /notify aus, um das abzustellen.").is_empty());
    }

    /// Message ids the code asks for by name (`.get(lang, "id", …)`,
    /// `.plain(lang, "id")`) in `source`.
    fn requested_ids(source: &str) -> Vec<&str> {
        let mut ids = Vec::new();
        for call in [".get(", ".plain(", ".has("] {
            for (start, _) in source.match_indices(call) {
                let rest = &source[start + call.len()..];
                let end = rest.find(')').unwrap_or(rest.len());
                let Some((_, after)) = rest[..end].split_once('"') else {
                    continue;
                };
                let Some((id, _)) = after.split_once('"') else {
                    continue;
                };
                let shaped = id.contains('-')
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(c));
                if shaped && !id.ends_with('-') {
                    ids.push(id);
                }
            }
        }
        ids
    }

    #[test]
    fn every_message_the_core_asks_for_exists_in_both_languages() {
        let texts = Texts::load();
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/club");
        let mut checked = 0;
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            for id in requested_ids(&source) {
                for lang in Lang::ALL {
                    assert!(
                        texts.has(lang, id),
                        "{}: {id} missing in {lang}",
                        path.display()
                    );
                }
                checked += 1;
            }
        }
        assert!(
            checked > 100,
            "only {checked} ids found: the scan is broken"
        );
    }

    #[test]
    fn numbers_and_plurals_format_without_isolation_marks() {
        let texts = Texts::load();
        let text = texts.get(Lang::En, "history-empty", None);
        assert!(!text.contains('\u{2068}'));
        let one = texts.get(Lang::De, "points", Some(&args([("count", 1.into())])));
        let many = texts.get(Lang::De, "points", Some(&args([("count", 5.into())])));
        assert_eq!(one, "1 Punkt");
        assert_eq!(many, "5 Punkte");
    }
}
