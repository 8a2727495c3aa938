//! Bot API JSON as Telegram sends it: users, chats, updates. Every update a
//! test queues goes through [`assert_readable`], and the tests below read
//! each kind of fixture the way teloxide does (`serde_json::from_str`:
//! `from_value` can quietly turn a good update into `UpdateKind::Error`).

use serde_json::{Value, json};
use teloxide::types::{ChatMember, Me, Message, Update, UpdateKind};

pub const BOT_ID: i64 = 7_000;
pub const BOT_USERNAME: &str = "fanclub_bot";
/// 2026-09-21, a Monday; the club's clock decides what counts, not this.
pub const DATE: i64 = 1_790_000_000;

/// The support group of the stories.
pub const GROUP: i64 = -100_123;
/// The moderators' chat of the stories.
pub const MODERATORS_CHAT: i64 = -100_500;

pub fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Fanclub", "username": BOT_USERNAME})
}

/// A person with a username and an app language (`de`, `en`, …).
pub fn user(id: i64, name: &str, language: &str) -> Value {
    json!({
        "id": id, "is_bot": false, "first_name": name,
        "username": name.to_lowercase(), "language_code": language
    })
}

/// A supergroup for negative ids, a private chat for positive ones.
pub fn chat(id: i64) -> Value {
    if id < 0 {
        json!({"id": id, "type": "supergroup", "title": "Fan Club"})
    } else {
        json!({"id": id, "type": "private", "first_name": "Member"})
    }
}

/// A message object (not an update).
pub fn message_object(message_id: i64, chat_id: i64, from: &Value, text: &str) -> Value {
    json!({
        "message_id": message_id, "date": DATE, "chat": chat(chat_id),
        "from": from, "text": text
    })
}

/// An update with a message, optionally replying to `reply_to`.
pub fn message(
    update_id: i64,
    message_id: i64,
    chat_id: i64,
    from: &Value,
    text: &str,
    reply_to: Option<Value>,
) -> Value {
    let mut message = message_object(message_id, chat_id, from, text);
    if let Some(replied) = reply_to {
        message["reply_to_message"] = replied;
    }
    json!({"update_id": update_id, "message": message})
}

/// A change of `user`'s reactions on a message, from `old` to `new` emoji.
pub fn reaction(
    update_id: i64,
    chat_id: i64,
    message_id: i64,
    user: &Value,
    old: &[&str],
    new: &[&str],
) -> Value {
    let emoji = |list: &[&str]| -> Vec<Value> {
        list.iter()
            .map(|emoji| json!({"type": "emoji", "emoji": emoji}))
            .collect()
    };
    json!({"update_id": update_id, "message_reaction": {
        "chat": chat(chat_id), "message_id": message_id, "user": user, "date": DATE,
        "old_reaction": emoji(old), "new_reaction": emoji(new)
    }})
}

/// `from` pressing a button with `data` under the bot's message `message_id`.
pub fn callback(
    update_id: i64,
    query_id: &str,
    from: &Value,
    chat_id: i64,
    message_id: i64,
    data: Option<&str>,
) -> Value {
    let mut query = json!({
        "id": query_id, "from": from, "chat_instance": "42",
        "message": message_object(message_id, chat_id, &bot_user(), "…"),
    });
    if let Some(data) = data {
        query["data"] = json!(data);
    }
    json!({"update_id": update_id, "callback_query": query})
}

/// A chat administrator, as `getChatAdministrators` lists them.
pub fn administrator(user: Value) -> Value {
    json!({
        "status": "administrator", "user": user, "can_be_edited": false,
        "is_anonymous": false, "can_manage_chat": true, "can_change_info": true,
        "can_delete_messages": true, "can_manage_video_chats": true,
        "can_invite_users": true, "can_restrict_members": true,
        "can_promote_members": false
    })
}

/// Panics unless teloxide reads `update` as a known kind.
pub fn assert_readable(update: &Value) {
    let text = update.to_string();
    let parsed: Update = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("teloxide cannot read {text}: {error}"));
    assert!(
        !matches!(parsed.kind, UpdateKind::Error(_)),
        "teloxide reads this update as an error: {text}"
    );
}

fn kind(update: &Value) -> UpdateKind {
    serde_json::from_str::<Update>(&update.to_string())
        .expect("an update")
        .kind
}

#[test]
fn message_fixtures_read_as_messages_with_their_reply() {
    let anna = user(1001, "Anna", "de");
    let question = message_object(10, GROUP, &anna, "Wie geht das?");
    let update = message(
        2,
        11,
        GROUP,
        &user(1002, "Ben", "en"),
        "danke",
        Some(question),
    );
    let UpdateKind::Message(message) = kind(&update) else {
        panic!("a message: {update}");
    };
    assert_eq!(
        message.reply_to_message().map(|replied| replied.id.0),
        Some(10)
    );
    assert_eq!(message.text(), Some("danke"));
    assert_eq!(
        message
            .from
            .as_ref()
            .and_then(|from| from.language_code.as_deref()),
        Some("en")
    );
}

#[test]
fn reaction_fixtures_read_as_reactions() {
    let update = reaction(3, GROUP, 11, &user(1002, "Ben", "en"), &[], &["👍"]);
    let UpdateKind::MessageReaction(reaction) = kind(&update) else {
        panic!("a reaction: {update}");
    };
    assert_eq!(reaction.new_reaction.len(), 1);
    assert_eq!(reaction.user().map(|user| user.id.0), Some(1002));
}

#[test]
fn callback_fixtures_read_as_callback_queries_with_and_without_data() {
    for data in [Some("faq:yes:check-balance"), None] {
        let update = callback(4, "q-1", &user(1002, "Ben", "en"), GROUP, 5001, data);
        let UpdateKind::CallbackQuery(query) = kind(&update) else {
            panic!("a callback query: {update}");
        };
        assert_eq!(query.data.as_deref(), data);
        assert_eq!(
            query.message.as_ref().map(|message| message.id().0),
            Some(5001)
        );
    }
}

#[test]
fn the_fakes_answers_read_as_teloxide_expects() {
    let admins = json!([administrator(user(1009, "Mod", "de"))]).to_string();
    let admins: Vec<ChatMember> = serde_json::from_str(&admins).expect("administrators");
    assert!(admins[0].is_administrator());
    let me = json!({
        "id": BOT_ID, "is_bot": true, "first_name": "Fanclub", "username": BOT_USERNAME,
        "can_join_groups": true, "can_read_all_group_messages": false,
        "supports_inline_queries": false, "can_connect_to_business": false,
        "has_main_web_app": false
    });
    let me: Me = serde_json::from_str(&me.to_string()).expect("getMe");
    assert_eq!(me.username.as_deref(), Some(BOT_USERNAME));
    let mut sent = message_object(5001, GROUP, &bot_user(), "Hallo");
    sent["reply_markup"] =
        json!({"inline_keyboard": [[{"text": "Ja", "callback_data": "faq:yes:x"}]]});
    let sent: Message = serde_json::from_str(&sent.to_string()).expect("a sent message");
    assert!(sent.reply_markup().is_some());
    let private: Message =
        serde_json::from_str(&message_object(5002, 1001, &bot_user(), "privat").to_string())
            .expect("a private message");
    assert!(private.chat.is_private());
}
