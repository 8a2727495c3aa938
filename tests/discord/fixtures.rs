//! Discord's JSON as the fake sends it: gateway dispatches and the objects
//! in them. Every one is also parsed with serenity's own types
//! (`readable.rs`).

use serde_json::{Value, json};

/// The bot's user id, its application and the guild the stories play in.
pub const BOT_ID: u64 = 700;
pub const APPLICATION_ID: u64 = 800;
pub const GUILD: u64 = 900;
/// The support channel.
pub const CHANNEL: u64 = 901;
/// `discord.moderators_channel`.
pub const MODERATORS_CHANNEL: u64 = 902;
/// The role `discord.moderator_roles` names.
pub const MODERATOR_ROLE: u64 = 950;

/// A Discord user.
pub fn user(id: u64, name: &str) -> Value {
    json!({
        "id": id.to_string(),
        "username": name.to_lowercase(),
        "global_name": name,
        "discriminator": "0",
        "avatar": null,
        "bot": id == BOT_ID,
    })
}

/// `user` as a member of the guild, with `roles`.
pub fn member(user: &Value, roles: &[u64]) -> Value {
    json!({
        "user": user,
        "nick": null,
        "avatar": null,
        "roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "joined_at": "2025-06-01T10:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        // Resolved permissions in the channel (interactions only): View
        // Channel, Send Messages, and Manage Server for moderators.
        "permissions": if roles.contains(&MODERATOR_ROLE) { "3104" } else { "3072" },
    })
}

/// A message object as Discord sends it.
pub fn message_object(id: u64, channel: u64, author: &Value, content: &str, guild: bool) -> Value {
    let mut message = json!({
        "id": id.to_string(),
        "channel_id": channel.to_string(),
        "author": author,
        "content": content,
        "timestamp": "2026-11-02T10:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
        "components": [],
    });
    if guild {
        message["guild_id"] = json!(GUILD.to_string());
    }
    message
}

/// MESSAGE_CREATE: `author` writes `content` in the support channel,
/// maybe as a reply.
pub fn message_create(id: u64, author: &Value, content: &str, reply_to: Option<u64>) -> Value {
    let mut message = message_object(id, CHANNEL, author, content, true);
    message["member"] = json!({
        "roles": [], "joined_at": "2025-06-01T10:00:00.000000+00:00",
        "deaf": false, "mute": false, "flags": 0,
    });
    if let Some(replied) = reply_to {
        message["message_reference"] = json!({
            "type": 0,
            "message_id": replied.to_string(),
            "channel_id": CHANNEL.to_string(),
            "guild_id": GUILD.to_string(),
        });
        message["type"] = json!(19);
    }
    message
}

/// MESSAGE_CREATE: `author` writes `content` to the bot directly (in
/// their direct-message channel `channel`).
pub fn direct_message(id: u64, channel: u64, author: &Value, content: &str) -> Value {
    message_object(id, channel, author, content, false)
}

/// MESSAGE_REACTION_ADD (`added`) or MESSAGE_REACTION_REMOVE.
pub fn reaction(message: u64, reactor: &Value, emoji: &str, added: bool) -> Value {
    let mut reaction = json!({
        "user_id": reactor["id"],
        "channel_id": CHANNEL.to_string(),
        "message_id": message.to_string(),
        "guild_id": GUILD.to_string(),
        "emoji": { "id": null, "name": emoji },
        "burst": false,
        "type": 0,
    });
    if added {
        reaction["member"] = member(reactor, &[]);
    }
    reaction
}

/// The common part of an interaction by `who` in `channel`.
fn interaction(id: u64, kind: u8, who: &Value, roles: &[u64], channel: u64, locale: &str) -> Value {
    json!({
        "id": id.to_string(),
        "application_id": APPLICATION_ID.to_string(),
        "type": kind,
        "guild_id": GUILD.to_string(),
        "channel_id": channel.to_string(),
        "channel": { "id": channel.to_string(), "type": 0 },
        "member": member(who, roles),
        "token": format!("token-{id}"),
        "version": 1,
        "app_permissions": "2048",
        "locale": locale,
        "guild_locale": "de",
        "entitlements": [],
        "authorizing_integration_owners": { "0": GUILD.to_string() },
        "context": 0,
        "attachment_size_limit": 8_388_608,
    })
}

/// An option of a slash command: a string, an integer or a user.
pub enum Opt<'a> {
    Text(&'a str, &'a str),
    Number(&'a str, i64),
    Member(&'a str, &'a Value),
}

/// INTERACTION_CREATE: `who` runs `/name` with `options` in `channel`.
pub fn slash(
    id: u64,
    name: &str,
    options: &[Opt<'_>],
    who: &Value,
    roles: &[u64],
    channel: u64,
) -> Value {
    let mut users = serde_json::Map::new();
    let options: Vec<Value> = options
        .iter()
        .map(|option| match option {
            Opt::Text(name, value) => json!({"name": name, "type": 3, "value": value}),
            Opt::Number(name, value) => json!({"name": name, "type": 4, "value": value}),
            Opt::Member(name, user) => {
                users.insert(user["id"].as_str().unwrap().to_owned(), (*user).clone());
                json!({"name": name, "type": 6, "value": user["id"]})
            }
        })
        .collect();
    let mut interaction = interaction(id, 2, who, roles, channel, "de");
    interaction["data"] = json!({
        "id": "1000",
        "name": name,
        "type": 1,
        "options": options,
        "resolved": { "users": users },
    });
    interaction
}

/// INTERACTION_CREATE: `who` has typed `typed` into option `option` of
/// `/name` (an autocomplete request).
pub fn autocomplete(id: u64, name: &str, option: &str, typed: &str, who: &Value) -> Value {
    let mut interaction = interaction(id, 4, who, &[], CHANNEL, "de");
    interaction["data"] = json!({
        "id": "1002",
        "name": name,
        "type": 1,
        "options": [{"name": option, "type": 3, "value": typed, "focused": true}],
    });
    interaction
}

/// INTERACTION_CREATE: `who` picks the message context-menu entry `label`
/// on message `target`.
pub fn context_menu(id: u64, label: &str, target: u64, who: &Value) -> Value {
    let mut interaction = interaction(id, 2, who, &[], CHANNEL, "de");
    interaction["data"] = json!({
        "id": "1001",
        "name": label,
        "type": 3,
        "target_id": target.to_string(),
    });
    interaction
}

/// INTERACTION_CREATE: `who` submits the form `custom_id` with `fields`
/// (name, value).
pub fn form(
    id: u64,
    custom_id: &str,
    fields: &[(&str, &str)],
    who: &Value,
    roles: &[u64],
) -> Value {
    let mut interaction = interaction(id, 5, who, roles, CHANNEL, "de");
    let rows: Vec<Value> = fields
        .iter()
        .map(|(name, value)| {
            json!({"type": 1, "components": [{"type": 4, "custom_id": name, "value": value}]})
        })
        .collect();
    interaction["data"] = json!({ "custom_id": custom_id, "components": rows });
    interaction
}

/// INTERACTION_CREATE: `who` presses the button `custom_id` under bot
/// message `message` in `channel`.
pub fn button(
    id: u64,
    custom_id: &str,
    message: u64,
    channel: u64,
    who: &Value,
    roles: &[u64],
) -> Value {
    let mut interaction = interaction(id, 3, who, roles, channel, "de");
    interaction["data"] = json!({ "custom_id": custom_id, "component_type": 2 });
    interaction["message"] = message_object(message, channel, &user(BOT_ID, "Fanclub"), "…", true);
    interaction
}

/// GUILD_MEMBER_ADD: `user` joined the guild at `joined_at` (RFC 3339).
pub fn member_add(user: &Value, joined_at: &str) -> Value {
    let mut joined = member(user, &[]);
    joined["joined_at"] = json!(joined_at);
    joined["guild_id"] = json!(GUILD.to_string());
    joined.as_object_mut().unwrap().remove("permissions");
    joined
}

/// `GET /guilds/{id}`: the guild, whose system channel (where Discord
/// greets newcomers) is the support channel.
pub fn guild(id: u64) -> Value {
    json!({
        "id": id.to_string(),
        "name": "Fanclub",
        "icon": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": "1",
        "afk_channel_id": null,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": CHANNEL.to_string(),
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "preferred_locale": "de",
        "public_updates_channel_id": null,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": false,
        "stickers": [],
    })
}

/// READY for a fresh session.
pub fn ready(session: &str, gateway_url: &str) -> Value {
    json!({
        "v": 10,
        "user": user(BOT_ID, "Fanclub"),
        "guilds": [{ "id": GUILD.to_string(), "unavailable": true }],
        "session_id": session,
        "resume_gateway_url": gateway_url,
        "application": { "id": APPLICATION_ID.to_string(), "flags": 0 },
    })
}

/// `GET /oauth2/applications/@me`.
pub fn application() -> Value {
    json!({
        "id": APPLICATION_ID.to_string(),
        "name": "Fanclub",
        "icon": null,
        "description": "",
        "bot_public": true,
        "bot_require_code_grant": false,
        "verify_key": "0000",
        "team": null,
        "flags": 0,
    })
}
