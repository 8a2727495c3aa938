//! From Telegram's types to the core's nouns. Pure functions, so the
//! translation is tested without a network.

use chrono::{DateTime, Utc};
use teloxide::types::{
    Chat, ChatMemberUpdated, Message, MessageEntityKind, ReactionType, ThreadId, User,
};

use crate::club::model::{Actor, Mention, Place, Platform};

/// What a message's text means for this bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Addressed {
    /// A command for this bot, with `@botname` removed.
    Command(String),
    /// Anything that is not a command.
    Chat(String),
    /// A command addressed to another bot (`/help@otherbot`): not ours.
    OtherBot,
}

/// The text of a message, or the caption of a photo or file.
pub(super) fn text_of(message: &Message) -> Option<&str> {
    message.text().or_else(|| message.caption())
}

/// Where a message was posted: its chat, or its forum topic.
pub(super) fn message_place(message: &Message) -> Place {
    let thread = message.thread_id.filter(|_| message.is_topic_message);
    chat_place(&message.chat, thread)
}

/// A chat (`-100123`) or one of its forum topics (`-100123/7`).
pub(super) fn chat_place(chat: &Chat, thread: Option<ThreadId>) -> Place {
    let id = match thread {
        Some(thread) => format!("{}/{}", chat.id.0, thread.0.0),
        None => chat.id.0.to_string(),
    };
    Place {
        platform: Platform::Telegram,
        id,
        private: chat.is_private(),
    }
}

/// Who a Telegram user is to the club. `is_moderator` is what the adapter
/// found out (configured ids, administrators of the moderators' chat).
pub(super) fn actor(user: &User, is_moderator: bool) -> Actor {
    Actor {
        platform: Platform::Telegram,
        external_id: user.id.0.to_string(),
        username: user.username.clone(),
        display_name: user.full_name(),
        locale: user.language_code.clone(),
        is_bot: user.is_bot,
        is_moderator,
        joined_at: None,
    }
}

/// The accounts a message or chat-member update says joined its chat, and
/// when: the members of a `new_chat_members` service message, or the one
/// member a `chat_member` update shows going from absent (left, banned,
/// never there) to present. Each comes as an actor whose `joined_at` is
/// the event's date, so the club knows these members joined just then.
pub(super) fn joins_in_message(message: &Message) -> Vec<Actor> {
    message
        .new_chat_members()
        .unwrap_or_default()
        .iter()
        .map(|user| joined(user, message.date))
        .collect()
}

/// See [`joins_in_message`].
pub(super) fn join_in_update(update: &ChatMemberUpdated) -> Option<Actor> {
    let arrived = !update.old_chat_member.is_present() && update.new_chat_member.is_present();
    arrived.then(|| joined(&update.new_chat_member.user, update.date))
}

fn joined(user: &User, at: DateTime<Utc>) -> Actor {
    Actor {
        joined_at: Some(at),
        ..actor(user, false)
    }
}

/// Reads a message's text the way the core's grammar expects it: `/cmd@bot`
/// becomes `/cmd` when `bot` is this bot (Telegram adds the suffix in groups
/// with several bots), and the deep-link payload of a private `/start` (the
/// `hello` of `t.me/bot?start=hello`) is dropped.
pub(super) fn addressed(text: &str, bot_username: &str, private: bool) -> Addressed {
    let Some(command_line) = text.strip_prefix('/') else {
        return Addressed::Chat(text.to_owned());
    };
    let word_end = command_line
        .find(char::is_whitespace)
        .unwrap_or(command_line.len());
    let (word, rest) = command_line.split_at(word_end);
    let name = match word.split_once('@') {
        Some((name, bot)) if bot.eq_ignore_ascii_case(bot_username) => name,
        Some(_) => return Addressed::OtherBot,
        None => word,
    };
    if private && name == "start" {
        return Addressed::Command("/start".to_owned());
    }
    Addressed::Command(format!("/{name}{rest}"))
}

/// The accounts a message mentions by `text_mention` entities (a member
/// without a username, picked from Telegram's mention list: the text shows
/// their name, the entity carries their id), as byte ranges in `addressed`,
/// the text as [`addressed`] hands it to the core. A `@username` mention is
/// plain text to the core and needs no entity. Mentions in a part of the
/// text that `addressed` dropped (a deep-link payload) are left out.
pub(super) fn mentions(message: &Message, addressed: &str) -> Vec<Mention> {
    let entities = message
        .parse_entities()
        .or_else(|| message.parse_caption_entities())
        .unwrap_or_default();
    entities
        .iter()
        .filter_map(|entity| {
            let MessageEntityKind::TextMention { user } = entity.kind() else {
                return None;
            };
            // `addressed` keeps the original text after the command word.
            let tail = &entity.message_text()[entity.start()..];
            let start = addressed.len().checked_sub(tail.len())?;
            addressed.ends_with(tail).then(|| Mention {
                range: start..start + entity.len(),
                external_id: user.id.0.to_string(),
            })
        })
        .collect()
}

/// The emoji reactions an update adds and withdraws: new minus old are
/// added, old minus new withdrawn (withdrawals first). Custom emoji and paid
/// reactions are not votes and are left out.
pub(super) fn reaction_changes(old: &[ReactionType], new: &[ReactionType]) -> Vec<(String, bool)> {
    let emoji = |reactions: &[ReactionType]| -> Vec<String> {
        reactions
            .iter()
            .filter_map(|reaction| reaction.emoji().cloned())
            .collect()
    };
    let (old, new) = (emoji(old), emoji(new));
    let withdrawn = old
        .iter()
        .filter(|emoji| !new.contains(emoji))
        .map(|emoji| (emoji.clone(), false));
    let added = new
        .iter()
        .filter(|emoji| !old.contains(emoji))
        .map(|emoji| (emoji.clone(), true));
    withdrawn.chain(added).collect()
}

#[cfg(test)]
mod tests {
    use teloxide::types::{Update, UpdateKind};

    use super::*;

    /// Parses a fixture as teloxide parses Telegram's answers. (`from_str`:
    /// `from_value` can quietly turn a good update into `UpdateKind::Error`.)
    fn update(json: &str) -> Update {
        let update: Update = serde_json::from_str(json).expect("a valid update");
        assert!(
            !matches!(update.kind, UpdateKind::Error(_)),
            "teloxide could not read the fixture: {json}"
        );
        update
    }

    const TOPIC_MESSAGE: &str = r#"{"update_id": 7, "message": {
        "message_id": 55, "message_thread_id": 9, "is_topic_message": true, "date": 1790000000,
        "chat": {"id": -1001234, "type": "supergroup", "title": "Club", "is_forum": true},
        "from": {"id": 1001, "is_bot": false, "first_name": "Anna", "last_name": "Berg",
                 "username": "anna", "language_code": "de-AT"},
        "text": "/faq@fanclub_bot Wie viele Punkte habe ich?"}}"#;

    const REACTION: &str = r#"{"update_id": 8, "message_reaction": {
        "chat": {"id": -1001234, "type": "supergroup", "title": "Club"},
        "message_id": 55, "date": 1790000000,
        "user": {"id": 1002, "is_bot": false, "first_name": "Ben"},
        "old_reaction": [{"type": "emoji", "emoji": "👍"}, {"type": "custom_emoji", "custom_emoji_id": "77"}],
        "new_reaction": [{"type": "emoji", "emoji": "❤"}, {"type": "custom_emoji", "custom_emoji_id": "78"}]}}"#;

    #[test]
    fn a_topic_message_becomes_a_place_with_its_thread_and_an_actor_with_its_locale() {
        let UpdateKind::Message(message) = update(TOPIC_MESSAGE).kind else {
            panic!("a message");
        };
        let place = message_place(&message);
        assert_eq!(place.id, "-1001234/9");
        assert!(!place.private);
        let actor = actor(message.from.as_ref().unwrap(), false);
        assert_eq!(actor.external_id, "1001");
        assert_eq!(actor.display_name, "Anna Berg");
        assert_eq!(actor.username.as_deref(), Some("anna"));
        assert_eq!(actor.locale.as_deref(), Some("de-AT"));
        assert_eq!(
            addressed(text_of(&message).unwrap(), "fanclub_bot", place.private),
            Addressed::Command("/faq Wie viele Punkte habe ich?".to_owned())
        );
    }

    /// A moderator picks Zoë (no username) from the mention list after
    /// `/grant@fanclub_bot`; the entity's offsets count UTF-16 units.
    const TEXT_MENTION: &str = r#"{"update_id": 9, "message": {
        "message_id": 56, "date": 1790000000,
        "chat": {"id": -1001234, "type": "supergroup", "title": "Club"},
        "from": {"id": 1009, "is_bot": false, "first_name": "Mo", "username": "mo"},
        "text": "/grant@fanclub_bot Zoë 🎉 Berg 5 Beta-Test",
        "entities": [
            {"type": "bot_command", "offset": 0, "length": 18},
            {"type": "text_mention", "offset": 19, "length": 11,
             "user": {"id": 4242, "is_bot": false, "first_name": "Zoë", "last_name": "🎉 Berg"}}
        ]}}"#;

    #[test]
    fn a_text_mention_reaches_the_core_as_the_mentioned_account_where_the_command_shows_it() {
        let UpdateKind::Message(message) = update(TEXT_MENTION).kind else {
            panic!("a message");
        };
        let Addressed::Command(text) = addressed(text_of(&message).unwrap(), "fanclub_bot", false)
        else {
            panic!("a command");
        };
        assert_eq!(text, "/grant Zoë 🎉 Berg 5 Beta-Test");
        let mentions = mentions(&message, &text);
        assert_eq!(mentions.len(), 1, "{mentions:?}");
        assert_eq!(mentions[0].external_id, "4242");
        assert_eq!(&text[mentions[0].range.clone()], "Zoë 🎉 Berg");
    }

    #[test]
    fn a_mention_in_a_dropped_deep_link_payload_is_left_out() {
        let json = TEXT_MENTION
            .replace("/grant@fanclub_bot", "/start             ")
            .replace(
                "-1001234, \"type\": \"supergroup\", \"title\": \"Club\"",
                "1009, \"type\": \"private\", \"first_name\": \"Mo\"",
            );
        let UpdateKind::Message(message) = update(&json).kind else {
            panic!("a message");
        };
        let text = match addressed(text_of(&message).unwrap(), "fanclub_bot", true) {
            Addressed::Command(text) => text,
            other => panic!("{other:?}"),
        };
        assert_eq!(text, "/start");
        assert!(mentions(&message, &text).is_empty());
    }

    #[test]
    fn a_reaction_update_adds_and_withdraws_only_plain_emoji() {
        let UpdateKind::MessageReaction(reaction) = update(REACTION).kind else {
            panic!("a reaction");
        };
        assert_eq!(reaction.user().map(|user| user.id.0), Some(1002));
        assert_eq!(
            reaction_changes(&reaction.old_reaction, &reaction.new_reaction),
            vec![("👍".to_owned(), false), ("❤".to_owned(), true)]
        );
    }

    #[test]
    fn commands_for_this_bot_lose_the_suffix_and_others_are_not_ours() {
        assert_eq!(
            addressed("/balance@FanClub_Bot", "fanclub_bot", false),
            Addressed::Command("/balance".to_owned())
        );
        assert_eq!(
            addressed("/help@other_bot", "fanclub_bot", false),
            Addressed::OtherBot
        );
        assert_eq!(
            addressed("/history 5", "fanclub_bot", false),
            Addressed::Command("/history 5".to_owned())
        );
        assert_eq!(
            addressed("danke dir!", "fanclub_bot", false),
            Addressed::Chat("danke dir!".to_owned())
        );
    }

    #[test]
    fn a_deep_link_start_is_a_plain_start() {
        assert_eq!(
            addressed("/start hello", "fanclub_bot", true),
            Addressed::Command("/start".to_owned())
        );
    }
}
