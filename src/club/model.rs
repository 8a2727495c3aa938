//! The nouns of the club: platforms, places, members and what happens to them.
//!
//! Adapters build these from platform events; the core never sees a serenity
//! or teloxide type.

use std::fmt;
use std::ops::Range;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// A chat platform the club is present on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Console,
    Telegram,
    Discord,
    /// The operator's command line (`fanclub grant --csv`), not a chat.
    Cli,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Console => "console",
            Platform::Telegram => "telegram",
            Platform::Discord => "discord",
            Platform::Cli => "cli",
        }
    }

    /// The platform named `name` (as [`Platform::as_str`] writes it).
    pub fn parse(name: &str) -> Option<Platform> {
        match name {
            "console" => Some(Platform::Console),
            "telegram" => Some(Platform::Telegram),
            "discord" => Some(Platform::Discord),
            "cli" => Some(Platform::Cli),
            _ => None,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A chat, channel or private conversation on some platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Place {
    pub platform: Platform,
    /// The platform's id for the chat (Telegram chat id, Discord channel id,
    /// console channel or member name).
    pub id: String,
    /// A one-to-one conversation between the bot and a member.
    pub private: bool,
}

/// The club's own id for a member, the same on every platform they linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MemberId(pub i64);

/// The store's id for a message, unique across platforms and restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MessageId(pub i64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Who did something, as the platform describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub platform: Platform,
    /// The platform's stable account id (kept as text: Telegram ids can be
    /// negative, Discord ids are u64).
    pub external_id: String,
    /// The handle members use to mention this account, if it has one.
    pub username: Option<String>,
    pub display_name: String,
    /// The platform's locale for this account (`de`, `en-GB`, …), if known.
    pub locale: Option<String>,
    pub is_bot: bool,
    /// Whether the platform side says this account moderates the club
    /// (configured ids, chat administrators). The core decides what that allows.
    pub is_moderator: bool,
    /// When the account joined the community, where the platform says so
    /// (a Discord guild member's `joined_at`, the date of a Telegram join
    /// the bot saw). An earlier date than the club's first sighting moves
    /// "fan since" and the member's tenure back; a member first seen with
    /// one counts as new until it is `points.min_voter_days` old.
    pub joined_at: Option<DateTime<Utc>>,
}

/// A member as the store knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub display_name: String,
    pub language: Lang,
    pub is_bot: bool,
    pub fan_since: NaiveDate,
    /// Since when the club counts the member as one: the first sighting,
    /// or an earlier join date from the platform or the operator's import.
    /// Tenure ([`Member::tenure_days`]) counts from it.
    pub created_at: DateTime<Utc>,
    /// Whether `created_at` is a join date the club was told (by the
    /// platform or the operator), not merely the day the bot first saw the
    /// member. Only then can the member be new ([`Member::is_new`]).
    pub join_known: bool,
}

impl Member {
    /// Whole days the member has belonged to the club: what tenure-gated
    /// shop items ask for.
    pub fn tenure_days(&self, now: DateTime<Utc>) -> i64 {
        (now - self.created_at).num_days()
    }

    /// The new-member rule, the only place it lives: a member is new (their
    /// votes pay nothing) while the club *knows* they joined less than
    /// `min_days` ago. A member first seen without a join date was there
    /// before the bot, as far as the club can tell, and is not new: on
    /// launch day the whole community can vote.
    pub fn is_new(&self, now: DateTime<Utc>, min_days: i64) -> bool {
        self.join_known && now - self.created_at < chrono::Duration::days(min_days)
    }
}

/// Something that happened on a platform, as the core sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub actor: Actor,
    pub place: Place,
    /// A key unique to this platform event (Telegram `update_id`, Discord
    /// interaction id, …) so that a replayed event changes nothing. `None`
    /// where the platform has no stable id (the console): the store then
    /// assigns a fresh message id that serves as the key.
    pub event_key: Option<String>,
    pub event: Event,
}

/// An account the platform itself marked in a message's text. Adapters
/// fill these in; the core reads a mention that stands where a command
/// expects a member as that member, never by the name it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Where the mention stands in the message text, in bytes.
    pub range: Range<usize>,
    /// The mentioned account's id on the message's platform.
    pub external_id: String,
}

/// The message an event refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageRef {
    /// The store's id for it.
    Stored(MessageId),
    /// The platform's id for it within the event's place: the club finds
    /// it with what else it reads for the event, and quietly ignores a
    /// message it never saw.
    Platform(String),
}

impl From<MessageId> for MessageRef {
    fn from(id: MessageId) -> MessageRef {
        MessageRef::Stored(id)
    }
}

/// The kinds of events the core understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A message, which may be a command, and may reply to an earlier message.
    Message {
        text: String,
        reply_to: Option<MessageId>,
        /// The platform's id of this message within its place (Telegram's
        /// `message_id`, a Discord snowflake); `None` on the console, where
        /// the store's id is the only one. The same platform message
        /// delivered twice is recognised by it and handled once.
        external_id: Option<String>,
        /// Accounts the platform marked as mentioned in `text`, such as a
        /// Telegram `text_mention` or a Discord `<@id>`: they name a member
        /// exactly, whatever the text shows.
        mentions: Vec<Mention>,
    },
    /// A reaction added to (or removed from) an earlier message.
    Reaction {
        message: MessageRef,
        emoji: String,
        added: bool,
    },
    /// A button pressed on an earlier bot message, by its action code.
    Button { message: MessageId, action: String },
    /// The actor joined the place, as the platform reported (a Telegram
    /// join service message or chat-member update); `Actor::joined_at`
    /// says when. The club learns the join date and welcomes a newcomer.
    Joined,
}
