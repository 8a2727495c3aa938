//! What the core tells whom: notices.
//!
//! A handler decides what to say to whom and returns [`Reply`] values (a
//! notice: addressed to a member, the moderators or a place, never to an
//! adapter). The club writes them into the outbox in the transaction that
//! marks the event handled (`store::outbox`); each platform's deliverer
//! sends them from there (`crate::delivery`). Texts are rendered by the
//! handler in its language, with translations where the addressee may read
//! another one (moderators, a member told on another platform); the
//! deliverer picks the addressee's language when it sends.

use serde::{Deserialize, Serialize};

use super::model::{MemberId, MessageId, Place};
use crate::lang::Lang;

/// One notice the bot should deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub audience: Audience,
    /// The text in the language the handler spoke.
    pub text: String,
    /// The same text in other languages, for an addressee who reads one of
    /// them. Empty when the handler knows who reads it.
    pub translations: Vec<(Lang, String)>,
    pub buttons: Vec<Button>,
    /// The message this one answers, where the platform can show that.
    pub reply_to: Option<MessageId>,
    /// An earlier bot message this one replaces (edits in place), such as a
    /// claim whose buttons give way to who decided what.
    pub replaces: Option<MessageId>,
    /// Replaces the message that the earlier notice with this dedupe key
    /// became on each platform (a claim's message for the moderators).
    pub replaces_notice: Option<String>,
    /// Written once: a second notice with the same key is dropped.
    pub dedupe: Option<String>,
    /// What the notice is: an answer, or an error the member who acted is
    /// told.
    pub kind: Kind,
    /// A file that goes with the text (a member's data export): Telegram
    /// sends it as a document, Discord as an attachment, the console
    /// writes it to a file and prints its path.
    pub attachment: Option<Attachment>,
}

/// A file a notice carries: its name and its text (UTF-8, such as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file name the member sees, such as `fanclub-data-12.json`:
    /// letters, digits, `.`, `-` and `_` only (adapters use it as a path
    /// component).
    pub name: String,
    pub text: String,
}

impl Attachment {
    /// An attachment named `name` (anything but letters, digits, `.`, `-`
    /// and `_` becomes `_`, so no name can leave a directory).
    pub fn new(name: &str, text: String) -> Attachment {
        let mut name: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if name.trim_matches('.').is_empty() {
            name = "attachment.txt".to_owned();
        }
        Attachment { name, text }
    }
}

/// What a notice is, for platforms that show the two differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// What the event asked for, or news.
    #[default]
    Answer,
    /// The acting member's mistake (not allowed, unknown item …) or our
    /// apology: meant for them alone, wherever it is addressed. A platform
    /// that can show a message in a place to one member only (Discord's
    /// ephemeral answers) does; elsewhere it is an ordinary reply there.
    Error,
}

impl Kind {
    /// How the outbox stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Answer => "answer",
            Kind::Error => "error",
        }
    }

    /// As the outbox stores it; anything unknown is an answer.
    pub fn parse(stored: &str) -> Kind {
        match stored {
            "error" => Kind::Error,
            _ => Kind::Answer,
        }
    }
}

/// Where a reply goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The place the event happened in.
    Place(Place),
    /// A private message to a member, on the platform they used last (or
    /// chose); kept until they next use the bot when none can reach them.
    Member(MemberId),
    /// The moderators' place of every platform that has one (where claims
    /// wait for a decision).
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
            translations: Vec::new(),
            buttons: Vec::new(),
            reply_to,
            replaces: None,
            replaces_notice: None,
            dedupe: None,
            kind: Kind::Answer,
            attachment: None,
        }
    }

    /// A private notice for `member`.
    pub fn to_member(member: MemberId, text: impl Into<String>) -> Reply {
        Reply {
            audience: Audience::Member(member),
            text: text.into(),
            translations: Vec::new(),
            buttons: Vec::new(),
            reply_to: None,
            replaces: None,
            replaces_notice: None,
            dedupe: None,
            kind: Kind::Answer,
            attachment: None,
        }
    }

    /// A notice for the moderators' places, written in `lang` (the
    /// moderators' language) with the other language as its translation.
    pub fn to_moderators(lang: Lang, render: impl Fn(Lang) -> String) -> Reply {
        Reply {
            audience: Audience::Moderators,
            text: render(lang),
            translations: vec![(lang.other(), render(lang.other()))],
            buttons: Vec::new(),
            reply_to: None,
            replaces: None,
            replaces_notice: None,
            dedupe: None,
            kind: Kind::Answer,
            attachment: None,
        }
    }

    /// An error told to the member who acted, in `place` (see [`Kind::Error`]).
    pub fn error_in(place: &Place, text: impl Into<String>, reply_to: Option<MessageId>) -> Reply {
        Reply {
            kind: Kind::Error,
            ..Reply::in_place(place, text, reply_to)
        }
    }

    /// An error told to `member` privately: for a quiet gesture (a
    /// reaction) that no one in the place should see refused.
    pub fn error_to_member(member: MemberId, text: impl Into<String>) -> Reply {
        Reply {
            kind: Kind::Error,
            ..Reply::to_member(member, text)
        }
    }

    /// The same notice with `attachment`.
    pub fn with_attachment(self, attachment: Attachment) -> Reply {
        Reply {
            attachment: Some(attachment),
            ..self
        }
    }

    /// The text for a reader of `lang`.
    pub fn text_in(&self, lang: Option<Lang>) -> &str {
        lang.and_then(|lang| {
            self.translations
                .iter()
                .find(|(candidate, _)| *candidate == lang)
                .map(|(_, text)| text.as_str())
        })
        .unwrap_or(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attachment_name_cannot_leave_its_directory() {
        assert_eq!(
            Attachment::new("../../etc/passwd", String::new()).name,
            ".._.._etc_passwd"
        );
        assert_eq!(Attachment::new("..", String::new()).name, "attachment.txt");
        assert_eq!(
            Attachment::new("fanclub-data-12.json", String::new()).name,
            "fanclub-data-12.json"
        );
    }
}
