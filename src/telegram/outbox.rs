//! The Telegram sender: how a notice from the outbox becomes a Bot API call.
//!
//! The delivery loop (`crate::delivery`) decides when a notice goes, keeps
//! each chat's notices in order and retries; this module only knows
//! Telegram: chat ids and forum topics, inline keyboards, which errors are
//! flood limits (HTTP 429 with `retry_after`), which are worth another try
//! (5xx, network, a proxy's error page) and which mean the member never
//! started the bot. For those the member's notice is kept for their next
//! visit and, when they asked in a group, the group gets a hint with the
//! deep link that opens the chat.
//!
//! Telegram's limits: about thirty messages a second overall, one a second
//! per private chat, twenty a minute per group ([`super::Tuning`]).
//!
//! A sent message is recorded with its Telegram id, so replies, reactions,
//! button presses and later edits find their way back to it. A notice that
//! carries a file (a member's data export) goes as `sendDocument`, its
//! text as the caption.

use std::time::Duration;

use teloxide::payloads::setters::*;
use teloxide::requests::{Request, Requester};
use teloxide::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageId as TelegramMessageId,
    ReplyParameters, ThreadId,
};
use teloxide::{ApiError, Bot, RequestError};

use super::{Tuning, start_hint};
use crate::club::error_chain;
use crate::club::model::{MessageId, Place, Platform};
use crate::club::reply::{Button, Reply};
use crate::delivery::{SendFailure, Sender};
use crate::lang::Lang;
use crate::store::{DueNotice, Store, StoreError};

/// The longest caption Telegram takes under a document.
const CAPTION_CHARS: usize = 1024;

/// A Telegram chat, and the forum topic in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Target {
    chat: ChatId,
    thread: Option<ThreadId>,
}

impl Target {
    /// The chat of a place id: `-100123` or the topic `-100123/7`.
    pub(super) fn of(place: &Place) -> Option<Target> {
        let (chat, thread) = match place.id.split_once('/') {
            Some((chat, thread)) => (chat, Some(thread.parse().ok()?)),
            None => (place.id.as_str(), None),
        };
        Some(Target {
            chat: ChatId(chat.parse().ok()?),
            thread: thread.map(|thread| ThreadId(TelegramMessageId(thread))),
        })
    }

    /// Groups get Telegram's per-chat pace; private chats only the overall one.
    fn is_group(self) -> bool {
        self.chat.0 < 0
    }
}

/// Why an attempt failed, as far as retrying goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Failure {
    /// HTTP 429: wait this many seconds, then try again.
    Flood(u32),
    /// Worth another try: 5xx, network, no answer in time.
    Transient(String),
    /// The member never started the bot, blocked it, or is gone.
    Forbidden(String),
    /// Trying again will not help.
    Permanent(String),
}

/// Sorts a teloxide error into what to do about it. teloxide hides the HTTP
/// status, so server errors are recognised by their description, and an
/// answer that is not JSON (a proxy's error page) counts as transient.
pub(super) fn classify(error: &RequestError) -> Failure {
    let reason = error_chain(error);
    match error {
        RequestError::RetryAfter(seconds) => Failure::Flood(seconds.seconds()),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Failure::Transient(reason)
        }
        RequestError::Api(
            ApiError::CantInitiateConversation | ApiError::BotBlocked | ApiError::UserDeactivated,
        ) => Failure::Forbidden(reason),
        RequestError::Api(ApiError::Unknown(text)) if text.starts_with("Forbidden") => {
            Failure::Forbidden(reason)
        }
        RequestError::Api(ApiError::Unknown(text)) if is_server_error(text) => {
            Failure::Transient(reason)
        }
        RequestError::Api(_) | RequestError::MigrateToChatId(_) => Failure::Permanent(reason),
    }
}

fn is_server_error(description: &str) -> bool {
    [
        "Internal Server Error",
        "Bad Gateway",
        "Service Unavailable",
        "Gateway Timeout",
    ]
    .iter()
    .any(|prefix| description.starts_with(prefix))
}

/// The inline keyboard for a reply's buttons: one row when they are few and
/// short ("Hilfreich" / "Nicht hilfreich"), else one button per row (long
/// labels such as numbered suggestions stay readable on a phone).
pub(super) fn keyboard(buttons: &[Button]) -> InlineKeyboardMarkup {
    let button = |b: &Button| InlineKeyboardButton::callback(b.label.clone(), b.action.clone());
    let width: usize = buttons.iter().map(|b| b.label.chars().count()).sum();
    if buttons.len() <= 3 && width <= 32 {
        InlineKeyboardMarkup::new([buttons.iter().map(button).collect::<Vec<_>>()])
    } else {
        InlineKeyboardMarkup::new(buttons.iter().map(|b| [button(b)]))
    }
}

/// Sends notices to Telegram for the delivery loop.
pub(super) struct TelegramSender {
    pub(super) bot: Bot,
    pub(super) store: Store,
    pub(super) tuning: Tuning,
    /// The bot's username, for the deep link in the start hint.
    pub(super) username: String,
    /// The hint's language when the member's is unknown.
    pub(super) default_language: Lang,
}

impl Sender for TelegramSender {
    fn platform(&self) -> Platform {
        Platform::Telegram
    }

    fn chat_interval(&self, notice: &DueNotice) -> Duration {
        match target_of(&notice.place) {
            Some(target) if target.is_group() => self.tuning.group_interval,
            _ => self.tuning.private_interval,
        }
    }

    async fn send(&self, notice: &DueNotice) -> Result<Option<String>, SendFailure> {
        let Some(target) = target_of(&notice.place) else {
            return Err(SendFailure::Permanent(format!(
                "{} is not a Telegram chat id",
                notice.place
            )));
        };
        let found = |error: StoreError| SendFailure::Transient(error_chain(&error));
        let reply_to = match notice.reply_to {
            Some(id) => self.external_in(id, &notice.place).await.map_err(found)?,
            None => None,
        };
        let edit = match notice.replaces.filter(|_| !notice.replaced_lost) {
            Some(id) => self.external_in(id, &notice.place).await.map_err(found)?,
            None => None,
        };
        match self.deliver(target, notice, reply_to, edit).await {
            Ok(sent) => Ok(sent.map(|id| id.0.to_string())),
            Err(error) => Err(match classify(&error) {
                Failure::Flood(seconds) => {
                    SendFailure::RetryAfter(self.tuning.retry_after_unit * seconds)
                }
                Failure::Transient(reason) => SendFailure::Transient(reason),
                Failure::Forbidden(reason) if notice.private && notice.member.is_some() => {
                    SendFailure::Unreachable(reason)
                }
                Failure::Forbidden(reason) | Failure::Permanent(reason) => {
                    SendFailure::Permanent(reason)
                }
            }),
        }
    }

    /// A member who asked in a group but never started the bot gets a hint
    /// there, answering their message, in their language.
    fn unreachable(&self, notice: &DueNotice) -> Vec<Reply> {
        let Some(origin) = &notice.origin_place else {
            return Vec::new();
        };
        let place = Place {
            platform: Platform::Telegram,
            id: origin.clone(),
            private: false,
        };
        let lang = notice.lang.unwrap_or(self.default_language);
        vec![Reply::in_place(
            &place,
            start_hint(lang, &self.username),
            notice.origin_message,
        )]
    }
}

impl TelegramSender {
    /// Sends or edits; the Telegram id of a sent message.
    async fn deliver(
        &self,
        target: Target,
        notice: &DueNotice,
        reply_to: Option<TelegramMessageId>,
        edit: Option<TelegramMessageId>,
    ) -> Result<Option<TelegramMessageId>, RequestError> {
        let Target { chat, thread } = target;
        let text = notice.text.clone();
        if let Some(message) = edit {
            let mut request = self.bot.edit_message_text(chat, message, text);
            if !notice.buttons.is_empty() {
                request = request.reply_markup(keyboard(&notice.buttons));
            }
            return match request.send().await {
                Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(None),
                Err(error) => Err(error),
            };
        }
        if let Some(attachment) = &notice.attachment {
            let file = InputFile::memory(attachment.text.clone().into_bytes())
                .file_name(attachment.name.clone());
            let mut request = self
                .bot
                .send_document(chat, file)
                .caption(crate::club::commands::shorten(&text, CAPTION_CHARS));
            if let Some(thread) = thread {
                request = request.message_thread_id(thread);
            }
            if let Some(message) = reply_to {
                request = request
                    .reply_parameters(ReplyParameters::new(message).allow_sending_without_reply());
            }
            if !notice.buttons.is_empty() {
                request = request.reply_markup(keyboard(&notice.buttons));
            }
            return Ok(Some(request.send().await?.id));
        }
        let mut request = self.bot.send_message(chat, text);
        if let Some(thread) = thread {
            request = request.message_thread_id(thread);
        }
        if let Some(message) = reply_to {
            request = request
                .reply_parameters(ReplyParameters::new(message).allow_sending_without_reply());
        }
        if !notice.buttons.is_empty() {
            request = request.reply_markup(keyboard(&notice.buttons));
        }
        Ok(Some(request.send().await?.id))
    }

    /// The Telegram id of recorded message `id`, when it lives in `place`.
    async fn external_in(
        &self,
        id: MessageId,
        place: &str,
    ) -> Result<Option<TelegramMessageId>, StoreError> {
        let found = self.store.message_external(id).await?;
        Ok(found
            .filter(|(where_, _)| where_ == place)
            .and_then(|(_, external)| external.parse().ok())
            .map(TelegramMessageId))
    }
}

/// The chat of a place id.
fn target_of(place: &str) -> Option<Target> {
    Target::of(&Place {
        platform: Platform::Telegram,
        id: place.to_owned(),
        private: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(id: &str) -> Place {
        Place {
            platform: Platform::Telegram,
            id: id.to_owned(),
            private: false,
        }
    }

    #[test]
    fn places_name_chats_and_forum_topics() {
        let topic = Target::of(&place("-100123/7")).unwrap();
        assert_eq!(topic.chat, ChatId(-100123));
        assert_eq!(topic.thread, Some(ThreadId(TelegramMessageId(7))));
        assert_eq!(Target::of(&place("42")).unwrap().thread, None);
        assert!(Target::of(&place("general")).is_none());
    }

    #[test]
    fn flood_server_and_refusal_errors_are_told_apart() {
        let retry = RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(3));
        assert_eq!(classify(&retry), Failure::Flood(3));
        let api = |text: &str| RequestError::Api(ApiError::Unknown(text.to_owned()));
        assert!(matches!(
            classify(&api("Bad Gateway")),
            Failure::Transient(_)
        ));
        assert!(matches!(
            classify(&api(
                "Forbidden: bot can't initiate conversation with a user"
            )),
            Failure::Forbidden(_)
        ));
        assert!(matches!(
            classify(&RequestError::Api(ApiError::BotBlocked)),
            Failure::Forbidden(_)
        ));
        assert!(matches!(
            classify(&RequestError::Api(ApiError::ChatNotFound)),
            Failure::Permanent(_)
        ));
    }

    #[test]
    fn few_short_buttons_share_a_row_and_long_ones_get_their_own() {
        let button = |label: &str| Button {
            label: label.to_owned(),
            action: "a".to_owned(),
        };
        let short = keyboard(&[button("Hilfreich"), button("Nicht hilfreich")]);
        assert_eq!(short.inline_keyboard.len(), 1);
        let long = keyboard(&[
            button("1. Wie sehe ich, wie viele Punkte ich habe?"),
            button("2. Wie verdiene ich Punkte?"),
        ]);
        assert_eq!(long.inline_keyboard.len(), 2);
    }
}
