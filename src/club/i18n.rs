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
