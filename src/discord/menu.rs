//! Slash commands and message context-menu commands, built from the core's
//! one command table and registered with one bulk overwrite per configured
//! guild (or globally when none is configured). Once per process, before
//! the gateway connects: Discord sends READY again after every reconnect.
//!
//! What the table says becomes Discord's own vocabulary: summaries are the
//! descriptions (the club's default language, with German and English
//! localizations), argument kinds become typed options (a member option, an
//! integer with its bounds, text), moderators' commands are hidden from
//! members with `default_member_permissions` (Manage Server; the core still
//! checks), and the commands that need a message (`/upvote`, `/solved`)
//! are message context-menu entries instead.

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::http::Http;
use serenity::model::application::{CommandOptionType, CommandType};
use serenity::model::id::GuildId;
use serenity::model::permissions::Permissions;

use super::convert::{MAX_SAFE_INTEGER, MESSAGE_COMMANDS, NEEDS_A_MESSAGE};
use crate::club::commands::{Access, ArgKind, ArgSpec, COMMANDS, CommandSpec};
use crate::club::error_chain;
use crate::club::i18n::Texts;
use crate::lang::Lang;

/// Discord's locales for the club's languages.
const LOCALES: [(Lang, &[&str]); 2] = [(Lang::De, &["de"]), (Lang::En, &["en-US", "en-GB"])];

/// Every command the club registers on Discord.
pub(super) fn commands(texts: &Texts, default: Lang) -> Vec<CreateCommand> {
    let slash = COMMANDS
        .iter()
        .filter(|spec| !NEEDS_A_MESSAGE.contains(&spec.name))
        .map(|spec| slash_command(texts, default, spec));
    let context = MESSAGE_COMMANDS.iter().map(|(english, german, name)| {
        let command = CreateCommand::new(*english)
            .kind(CommandType::Message)
            .name_localized("de", *german);
        let moderators =
            crate::club::commands::spec(name).is_some_and(|spec| spec.access == Access::Moderator);
        if moderators {
            return command.default_member_permissions(Permissions::MANAGE_GUILD);
        }
        command
    });
    slash.chain(context).collect()
}

fn slash_command(texts: &Texts, default: Lang, spec: &CommandSpec) -> CreateCommand {
    let summary = |lang| description(texts.plain(lang, &spec.summary_id()));
    let mut command = CreateCommand::new(spec.name).description(summary(default));
    let name_id = name_id(spec);
    for (lang, locales) in LOCALES {
        if texts.has(lang, &name_id) {
            for locale in locales {
                command = command.name_localized(*locale, texts.plain(lang, &name_id));
            }
        }
    }
    for (lang, locales) in LOCALES {
        for locale in locales {
            command = command.description_localized(*locale, summary(lang));
        }
    }
    if spec.access == Access::Moderator {
        command = command.default_member_permissions(Permissions::MANAGE_GUILD);
    }
    for arg in spec.args {
        command = command.add_option(option(texts, default, arg));
    }
    command
}

/// The Fluent id of a command's name on Discord in a language
/// (`cmdname-balance = punkte`): members type commands in their language.
fn name_id(spec: &CommandSpec) -> String {
    format!("cmdname-{}", spec.name)
}

fn option(texts: &Texts, default: Lang, arg: &ArgSpec) -> CreateCommandOption {
    let name_of = |lang| description(texts.plain(lang, &format!("arg-{}", arg.name)));
    let kind = match arg.kind {
        ArgKind::Member => CommandOptionType::User,
        ArgKind::Integer { .. } => CommandOptionType::Integer,
        ArgKind::Amount { .. } | ArgKind::Word | ArgKind::Text => CommandOptionType::String,
    };
    let mut option =
        CreateCommandOption::new(kind, arg.name, name_of(default)).required(arg.required);
    for (lang, locales) in LOCALES {
        for locale in locales {
            option = option.description_localized(*locale, name_of(lang));
        }
    }
    if super::choices::AUTOCOMPLETED.contains(&arg.name) {
        option = option.set_autocomplete(true);
    }
    if let ArgKind::Integer { min, max } = arg.kind {
        let bound = |value: i64| value.clamp(0, MAX_SAFE_INTEGER).unsigned_abs();
        option = option.min_int_value(bound(min)).max_int_value(bound(max));
    }
    option
}

/// Discord's descriptions: 1 to 100 characters.
fn description(text: String) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "…".to_owned();
    }
    crate::club::commands::shorten(text, 100)
}

/// Bulk-overwrites the commands in each of `guilds`, or globally when there
/// are none. A failure is logged and the bot runs on (members can still
/// press buttons and react).
pub(super) async fn register(http: &Http, commands: &[CreateCommand], guilds: &[u64]) {
    if guilds.is_empty() {
        if let Err(error) = http.create_global_commands(&commands).await {
            tracing::error!(error = %error_chain(&error), "registering the global commands failed");
        }
        return;
    }
    for guild in guilds {
        let Some(id) = std::num::NonZeroU64::new(*guild).map(GuildId::from) else {
            continue;
        };
        match http.create_guild_commands(id, &commands).await {
            Ok(registered) => {
                tracing::info!(
                    guild,
                    commands = registered.len(),
                    "slash commands registered"
                )
            }
            Err(error) => tracing::error!(
                guild,
                error = %error_chain(&error),
                "registering the guild's commands failed"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_command_and_the_two_context_menus_are_registered() {
        let texts = Texts::load();
        let built = commands(&texts, Lang::De);
        let json = serde_json::to_value(&built).unwrap();
        let names: Vec<&str> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|command| command["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"balance") && names.contains(&"grant"));
        assert!(names.contains(&"Upvote") && names.contains(&"Mark as solution"));
        assert!(!names.contains(&"upvote") && !names.contains(&"solved"));
        assert_eq!(
            names.len(),
            COMMANDS.len() - NEEDS_A_MESSAGE.len() + MESSAGE_COMMANDS.len()
        );
    }

    #[test]
    fn moderators_commands_are_hidden_and_options_are_typed() {
        let texts = Texts::load();
        let json = serde_json::to_value(commands(&texts, Lang::De)).unwrap();
        let find = |name: &str| {
            json.as_array()
                .unwrap()
                .iter()
                .find(|command| command["name"] == name)
                .unwrap()
                .clone()
        };
        let grant = find("grant");
        assert_eq!(grant["default_member_permissions"], "32");
        assert_eq!(grant["options"][0]["type"], 6, "a member option");
        assert_eq!(grant["options"][0]["required"], true);
        let history = find("history");
        assert!(history["default_member_permissions"].is_null());
        assert_eq!(history["options"][0]["type"], 4, "an integer option");
        assert_eq!(history["options"][0]["min_value"], 1);
        assert_eq!(history["options"][0]["max_value"], 1000);
        let redeem = find("redeem");
        assert_eq!(
            redeem["options"][0]["autocomplete"], true,
            "the shop's items"
        );
        let balance = find("balance");
        assert_eq!(balance["name_localizations"]["de"], "punkte");
        assert!(balance["description_localizations"]["de"].is_string());
        assert!(balance["description_localizations"]["en-US"].is_string());
        for command in json.as_array().unwrap() {
            if command["type"] == 1 {
                let description = command["description"].as_str().unwrap();
                assert!(
                    (1..=100).contains(&description.chars().count()),
                    "{command}"
                );
            }
        }
    }

    #[test]
    fn german_command_names_follow_discords_rules_and_name_one_command_each() {
        let texts = Texts::load();
        let mut seen: Vec<String> = COMMANDS.iter().map(|spec| spec.name.to_owned()).collect();
        let mut named = 0;
        for spec in COMMANDS {
            let id = name_id(spec);
            if !texts.has(Lang::De, &id) {
                continue;
            }
            named += 1;
            let german = texts.plain(Lang::De, &id);
            assert!(
                (1..=32).contains(&german.len())
                    && german
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "`{german}` for /{}",
                spec.name
            );
            assert!(!seen.contains(&german), "`{german}` names two commands");
            seen.push(german);
        }
        assert!(named >= 20, "only {named} commands have a German name");
    }
}
