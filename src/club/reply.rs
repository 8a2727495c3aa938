//! What the core asks adapters to say.

use serde::{Deserialize, Serialize};

use super::model::{MemberId, MessageId, Place};

/// One message the bot should send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub audience: Audience,
    pub text: String,
    pub buttons: Vec<Button>,
    /// The message this one answers, where the platform can show that.
    pub reply_to: Option<MessageId>,
    /// An earlier bot message this one replaces (edits in place), such as a
    /// claim whose buttons give way to who decided what.
    pub replaces: Option<MessageId>,
}

/// Where a reply goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The place the event happened in.
    Place(Place),
    /// A private message to a member, on the platform the adapter serves.
    Member(MemberId),
    /// The moderators' place on the platform the adapter serves (where
    /// claims wait for a decision).
    Moderators,
}

/// A button under a bot message. The label is what people see; the action is
/// a compact code the core understands, short enough for Telegram's 64-byte
/// `callback_data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub label: String,
    pub action: String,
}

impl Reply {
    /// A plain text reply in `place`, answering `reply_to`.
    pub fn in_place(place: &Place, text: impl Into<String>, reply_to: Option<MessageId>) -> Reply {
        Reply {
            audience: Audience::Place(place.clone()),
            text: text.into(),
            buttons: Vec::new(),
            reply_to,
            replaces: None,
        }
    }
}
