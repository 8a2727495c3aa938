//! The command menu Telegram shows when a member types `/`, registered with
//! `setMyCommands` from the core's one command table: everyone's commands
//! for everyone, and the moderators' ones too in the moderators' chat, in
//! German, in English and (for every other language) in the club's default.
//! Once per start: registering again on every reconnect only spends API calls.

use teloxide::Bot;
use teloxide::payloads::setters::*;
use teloxide::requests::{Request, Requester};
use teloxide::types::{BotCommand, BotCommandScope, ChatId, Recipient};

use crate::club::{Club, error_chain};
use crate::config::TelegramSettings;
use crate::lang::Lang;

/// Registers the menus; a failure is logged and the bot runs on without one.
pub(super) async fn register(bot: &Bot, club: &Club, settings: &TelegramSettings) {
    let mut scopes = vec![(BotCommandScope::Default, false)];
    if settings.moderators_chat != 0 {
        let chat_id = Recipient::Id(ChatId(settings.moderators_chat));
        scopes.push((BotCommandScope::Chat { chat_id }, true));
    }
    for (scope, moderators) in scopes {
        let languages = [None, Some(Lang::De), Some(Lang::En)];
        for language in languages {
            let lang = language.unwrap_or(club.config().default_language);
            let commands = club
                .command_menu(lang, moderators)
                .into_iter()
                .map(|(name, summary)| BotCommand::new(name, summary));
            let mut request = bot.set_my_commands(commands).scope(scope.clone());
            if let Some(language) = language {
                request = request.language_code(language.code());
            }
            if let Err(error) = request.send().await {
                tracing::warn!(
                    language = language.map_or("default", Lang::code),
                    moderators,
                    error = %error_chain(&error),
                    "registering the command menu failed"
                );
            }
        }
    }
}
