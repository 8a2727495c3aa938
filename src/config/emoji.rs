//! Reaction emoji per platform (`points.upvote_emoji`, `points.solution_emoji`).
//!
//! Why per platform: a bot sees only the reactions a platform lets members
//! give. Telegram offers a fixed list without ✅ and ⭐, so the emoji that
//! count on Discord or the console can never arrive from Telegram. Each
//! platform may therefore have its own list, and `default` serves every
//! platform without one.
//!
//! Both shapes load, so files written before the lists were per platform
//! keep working:
//!
//! ```toml
//! upvote_emoji = ["👍", "⭐"]                            # every platform
//! upvote_emoji = { default = ["👍"], telegram = ["🔥"] } # per platform
//! ```
//!
//! A plain list replaces the whole table of the layer below it (the
//! committed defaults), so it counts on every platform; a table only
//! changes the platforms it names.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::club::model::Platform;

/// The emoji that count for one kind of vote, per platform.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReactionEmoji {
    /// For platforms without a list of their own.
    pub default: Vec<String>,
    /// The platforms' own lists.
    pub platforms: Vec<(Platform, Vec<String>)>,
}

impl ReactionEmoji {
    /// The same list on every platform.
    pub fn everywhere(emoji: &[&str]) -> ReactionEmoji {
        ReactionEmoji {
            default: emoji.iter().map(|emoji| (*emoji).to_owned()).collect(),
            platforms: Vec::new(),
        }
    }

    /// The emoji that count on `platform`.
    pub fn on(&self, platform: Platform) -> &[String] {
        self.platforms
            .iter()
            .find(|(listed, _)| *listed == platform)
            .map_or(&self.default, |(_, emoji)| emoji)
    }

    /// The emoji of `platform` as members read them: `👍 ❤ 🔥`.
    pub fn shown_on(&self, platform: Platform) -> String {
        self.on(platform).join(" ")
    }

    /// The values of the FAQ placeholders for these emoji: `{name}` shows
    /// the default list, `{name.telegram}` (and every other platform) the
    /// list that counts there.
    pub fn placeholders(&self, name: &str) -> Vec<(String, String)> {
        let mut values = vec![(name.to_owned(), self.default.join(" "))];
        for platform in [Platform::Console, Platform::Telegram, Platform::Discord] {
            values.push((format!("{name}.{platform}"), self.shown_on(platform)));
        }
        values
    }

    /// Sets the list of `platform`.
    pub fn set(&mut self, platform: Platform, emoji: &[&str]) {
        let emoji: Vec<String> = emoji.iter().map(|emoji| (*emoji).to_owned()).collect();
        match self
            .platforms
            .iter_mut()
            .find(|(listed, _)| *listed == platform)
        {
            Some((_, list)) => *list = emoji,
            None => self.platforms.push((platform, emoji)),
        }
    }
}

impl<'de> Deserialize<'de> for ReactionEmoji {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ReactionEmoji, D::Error> {
        deserializer.deserialize_any(EmojiVisitor)
    }
}

/// Reads a list (every platform) or a table of lists by platform.
struct EmojiVisitor;

/// The keys a per-platform table may have.
const KEYS: &[&str] = &["default", "console", "telegram", "discord"];

impl<'de> Visitor<'de> for EmojiVisitor {
    type Value = ReactionEmoji;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of emoji, or a table of lists by platform (default, console, telegram, discord)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ReactionEmoji, A::Error> {
        let mut default = Vec::new();
        while let Some(emoji) = seq.next_element::<String>()? {
            default.push(emoji);
        }
        Ok(ReactionEmoji {
            default,
            platforms: Vec::new(),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ReactionEmoji, A::Error> {
        let mut emoji = ReactionEmoji::default();
        while let Some(key) = map.next_key::<String>()? {
            let list: Vec<String> = map.next_value()?;
            match Platform::parse(&key) {
                _ if key == "default" => emoji.default = list,
                Some(platform) if platform != Platform::Cli => {
                    emoji.platforms.push((platform, list));
                }
                _ => return Err(de::Error::unknown_field(&key, KEYS)),
            }
        }
        Ok(emoji)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Holder {
        emoji: ReactionEmoji,
    }

    fn read(text: &str) -> Result<ReactionEmoji, toml::de::Error> {
        toml::from_str::<Holder>(text).map(|holder| holder.emoji)
    }

    #[test]
    fn a_plain_list_counts_on_every_platform() {
        let emoji = read(r#"emoji = ["👍", "⭐"]"#).unwrap();
        assert_eq!(emoji.on(Platform::Telegram), ["👍", "⭐"]);
        assert_eq!(emoji.on(Platform::Console), ["👍", "⭐"]);
    }

    #[test]
    fn a_platform_with_its_own_list_uses_it_and_the_others_the_default() {
        let emoji = read(r#"emoji = { default = ["✅"], telegram = ["🏆"] }"#).unwrap();
        assert_eq!(emoji.on(Platform::Telegram), ["🏆"]);
        assert_eq!(emoji.on(Platform::Discord), ["✅"]);
        assert_eq!(emoji.shown_on(Platform::Telegram), "🏆");
    }

    #[test]
    fn an_unknown_platform_is_rejected_naming_it() {
        let error = read(r#"emoji = { default = ["✅"], telegam = ["🏆"] }"#).unwrap_err();
        assert!(error.to_string().contains("telegam"), "{error}");
    }
}
