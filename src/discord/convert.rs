//! From Discord's types to the core's nouns. Pure functions, so the
//! translation is tested without a network.

use serenity::model::Timestamp;
use serenity::model::application::{CommandData, CommandDataOptionValue};
use serenity::model::channel::ReactionType;
use serenity::model::id::{ChannelId, GuildId, RoleId, UserId};
use serenity::model::permissions::Permissions;
use serenity::model::user::User;

use crate::club::commands::{self, ArgKind};
use crate::club::model::{Actor, Mention, Place, Platform};

/// The message context-menu commands: Discord's way to say which message
/// `/upvote` and `/solved` are about. (Label, German label, the command.)
pub(super) const MESSAGE_COMMANDS: [(&str, &str, &str); 3] = [
    ("Upvote", "Hilfreich", "upvote"),
    ("Mark as solution", "Als Lösung markieren", "solved"),
    (
        "Link to FAQ entry",
        "Mit FAQ-Eintrag verknüpfen",
        "faq_link",
    ),
];

/// Commands of the table that only make sense as a reply to a message,
/// which a slash command cannot be: they are message context-menu entries
/// instead (one that takes arguments asks for them in a form).
pub(super) const NEEDS_A_MESSAGE: [&str; 3] = ["upvote", "solved", "faq_link"];

/// The largest integer Discord accepts as an option bound (2^53 - 1).
pub(super) const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// Who a Discord user is to the club. The display name is the guild
/// nickname where there is one, else the global display name, else the
/// username. `locale` comes with interactions only; `joined_at` (when the
/// member joined the guild) with guild events that carry the member.
pub(super) fn actor(
    user: &User,
    nick: Option<&str>,
    locale: Option<&str>,
    is_moderator: bool,
    joined_at: Option<Timestamp>,
) -> Actor {
    let display_name = nick
        .or(user.global_name.as_deref())
        .unwrap_or(&user.name)
        .to_owned();
    Actor {
        platform: Platform::Discord,
        external_id: user.id.get().to_string(),
        username: Some(user.name.clone()),
        display_name,
        locale: locale
            .filter(|locale| !locale.is_empty())
            .map(str::to_owned),
        is_bot: user.bot,
        is_moderator,
        joined_at: joined_at
            .and_then(|joined| chrono::DateTime::from_timestamp(joined.unix_timestamp(), 0)),
    }
}

/// Where something happened: a guild channel (or thread) by its id; a
/// direct message by the member's user id, so private notices for a member
/// and their own messages to the bot share one place, as on Telegram.
pub(super) fn place(guild: Option<GuildId>, channel: ChannelId, user: UserId) -> Place {
    match guild {
        Some(_) => Place {
            platform: Platform::Discord,
            id: channel.get().to_string(),
            private: false,
        },
        None => private_place(user),
    }
}

/// A member's own place: direct messages with the bot.
pub(super) fn private_place(user: UserId) -> Place {
    Place {
        platform: Platform::Discord,
        id: user.get().to_string(),
        private: true,
    }
}

/// Whether a guild member moderates: one of `moderator_roles`, or the
/// Manage Server (or Administrator) permission where Discord says it.
pub(super) fn is_moderator(
    roles: &[RoleId],
    permissions: Option<Permissions>,
    moderator_roles: &[u64],
) -> bool {
    let by_role = roles
        .iter()
        .any(|role| moderator_roles.contains(&role.get()));
    let by_permission = permissions.is_some_and(|permissions| {
        permissions.intersects(Permissions::MANAGE_GUILD | Permissions::ADMINISTRATOR)
    });
    by_role || by_permission
}

/// The idempotency key of an interaction (slash command, context menu,
/// button).
pub(super) fn interaction_key(id: u64) -> String {
    format!("discord:interaction:{id}")
}

/// The interaction an event key names, if it names one.
pub(super) fn interaction_of(key: &str) -> Option<u64> {
    key.strip_prefix("discord:interaction:")?.parse().ok()
}

/// The idempotency key of a member's message.
pub(super) fn message_key(id: u64) -> String {
    format!("discord:message:{id}")
}

/// The idempotency key of a member joining a server: a member who leaves
/// and joins again joins anew.
pub(super) fn join_key(guild: u64, user: u64, joined_at: Option<Timestamp>) -> String {
    let at = joined_at.map_or(0, |joined| joined.unix_timestamp());
    format!("discord:join:{guild}:{user}:{at}")
}

/// The external id a slash command is recorded with: it has no message of
/// its own, and interaction ids never collide with message ids.
pub(super) fn interaction_message(id: u64) -> String {
    format!("interaction:{id}")
}

/// Discord's reaction events carry no id of their own: the key is what
/// the event says. A reaction removed and added again is therefore not a
/// second vote, and an event the gateway replays after a RESUME is one
/// the store already knows.
pub(super) fn reaction_key(message: u64, user: u64, emoji: &str, added: bool) -> String {
    let sign = if added { '+' } else { '-' };
    format!("discord:reaction:{message}:{user}:{emoji}:{sign}")
}

/// The emoji of a reaction; custom guild emoji are not votes.
pub(super) fn reaction_emoji(reaction: &ReactionType) -> Option<&str> {
    match reaction {
        ReactionType::Unicode(emoji) => Some(emoji),
        _ => None,
    }
}

/// The accounts a message mentions as `<@id>` or `<@!id>`, by byte range.
pub(super) fn mentions(text: &str) -> Vec<Mention> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find("<@") {
        let start = from + offset;
        let rest = &text[start + 2..];
        let digits_at = usize::from(rest.starts_with('!'));
        let digits: &str = rest[digits_at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap_or_default();
        let end = start + 2 + digits_at + digits.len();
        if !digits.is_empty() && text[end..].starts_with('>') {
            found.push(Mention {
                range: start..end + 1,
                external_id: digits.to_owned(),
            });
            from = end + 1;
        } else {
            from = start + 2;
        }
    }
    found
}

/// A slash command as the command line the core's grammar reads, in the
/// order of the command table's arguments, with a member option written as
/// the mention `<@id>` (and marked as one, so it names exactly that account).
pub(super) fn command_line(data: &CommandData) -> Option<(String, Vec<Mention>)> {
    let spec = commands::spec(&data.name)?;
    let mut line = format!("/{}", spec.name);
    let mut mentions = Vec::new();
    for arg in spec.args {
        let Some(option) = data.options.iter().find(|option| option.name == arg.name) else {
            continue;
        };
        line.push(' ');
        match (&option.value, arg.kind) {
            (CommandDataOptionValue::User(user), ArgKind::Member) => {
                let start = line.len();
                line.push_str(&format!("<@{}>", user.get()));
                mentions.push(Mention {
                    range: start..line.len(),
                    external_id: user.get().to_string(),
                });
            }
            (CommandDataOptionValue::Integer(number), _) => line.push_str(&number.to_string()),
            (CommandDataOptionValue::String(text), _) => line.push_str(text.trim()),
            (other, _) => {
                tracing::debug!(option = %option.name, kind = ?other.kind(), "an option of an unexpected type");
                return None;
            }
        }
    }
    Some((line, mentions))
}

/// The command a message context-menu entry stands for.
pub(super) fn message_command(label: &str) -> Option<&'static str> {
    MESSAGE_COMMANDS
        .iter()
        .find(|(english, _, _)| *english == label)
        .map(|(_, _, command)| *command)
}

/// The custom id of the form asking for `command`'s arguments about
/// message `target`.
pub(super) fn form_id(command: &str, target: u64) -> String {
    format!("form:{command}:{target}")
}

/// The command and the message a form is about.
pub(super) fn parse_form_id(id: &str) -> Option<(&'static str, u64)> {
    let (command, target) = id.strip_prefix("form:")?.split_once(':')?;
    let spec = commands::spec(command)?;
    Some((spec.name, target.parse().ok()?))
}

/// A submitted form as a command line: the fields (by argument name) in
/// the order of the table's arguments; an empty field is left out.
pub(super) fn form_line(command: &str, fields: &[(String, String)]) -> Option<String> {
    let spec = commands::spec(command)?;
    let mut line = format!("/{}", spec.name);
    for arg in spec.args {
        let value = fields
            .iter()
            .find(|(name, _)| name == arg.name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty());
        if let Some(value) = value {
            line.push(' ');
            line.push_str(value);
        }
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_with_and_without_the_nickname_mark() {
        let text = "/grant <@42> 5 and <@!7> but not <@x> or <@>";
        let found = mentions(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(&text[found[0].range.clone()], "<@42>");
        assert_eq!(found[0].external_id, "42");
        assert_eq!(&text[found[1].range.clone()], "<@!7>");
        assert_eq!(found[1].external_id, "7");
    }

    #[test]
    fn interaction_keys_name_their_interaction_and_nothing_else_does() {
        assert_eq!(interaction_of(&interaction_key(123)), Some(123));
        assert_eq!(interaction_of(&message_key(123)), None);
        assert_eq!(interaction_of("telegram:update:5"), None);
    }

    #[test]
    fn reaction_keys_differ_for_adding_and_removing() {
        assert_ne!(
            reaction_key(1, 2, "👍", true),
            reaction_key(1, 2, "👍", false)
        );
        assert_ne!(
            reaction_key(1, 2, "👍", true),
            reaction_key(1, 3, "👍", true)
        );
    }

    #[test]
    fn moderators_have_a_listed_role_or_manage_server() {
        let roles = [RoleId::new(5)];
        assert!(is_moderator(&roles, None, &[5]));
        assert!(!is_moderator(&roles, None, &[6]));
        assert!(is_moderator(&[], Some(Permissions::MANAGE_GUILD), &[]));
        assert!(!is_moderator(&[], Some(Permissions::SEND_MESSAGES), &[]));
    }

    #[test]
    fn a_form_names_its_command_and_message_and_reads_back_as_a_command_line() {
        let id = form_id("faq_link", 42);
        assert_eq!(parse_form_id(&id), Some(("faq_link", 42)));
        assert_eq!(parse_form_id("form:nonsense:42"), None);
        let fields = [("entry".to_owned(), " check-balance ".to_owned())];
        assert_eq!(
            form_line("faq_link", &fields).as_deref(),
            Some("/faq_link check-balance")
        );
        assert_eq!(form_line("faq_link", &[]).as_deref(), Some("/faq_link"));
    }

    #[test]
    fn context_menu_labels_stand_for_commands_that_need_a_message() {
        for (label, _, command) in MESSAGE_COMMANDS {
            assert_eq!(message_command(label), Some(command));
            assert!(NEEDS_A_MESSAGE.contains(&command));
            assert!(commands::spec(command).is_some());
        }
        assert_eq!(message_command("Delete"), None);
    }
}
