//! The one sender: every message and edit the bot makes goes through here.
//!
//! Telegram lets a bot post about once a second into one group and about
//! thirty messages a second overall; faster, it answers HTTP 429 with a
//! `retry_after`. Its servers also fail now and then (5xx, dropped
//! connections). So replies wait in a queue, and one task sends them:
//!
//! - per chat in order, each chat at its own pace, so one busy group does
//!   not hold up a private answer elsewhere;
//! - a 429 pauses that chat for `retry_after`, then the same message goes
//!   again;
//! - transient failures are retried with exponential backoff, up to
//!   `max_attempts`;
//! - nothing is dropped silently: a message finally given up is logged as an
//!   error with the reason.
//!
//! A private message Telegram refuses because the member never started the
//! bot becomes a hint in the group where they asked, with the deep link that
//! opens the chat.
//!
//! Once sent, a message is recorded with its Telegram id, so replies,
//! reactions and button presses on it find their way back to the club.

use std::collections::{HashMap, HashSet, VecDeque};

use teloxide::payloads::setters::*;
use teloxide::requests::{Request, Requester};
use teloxide::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId as TelegramMessageId,
    ReplyParameters, ThreadId,
};
use teloxide::{ApiError, Bot, RequestError};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{Tuning, start_hint};
use crate::club::model::{MessageId, Place, Platform};
use crate::club::reply::{Button, Reply};
use crate::club::{Club, error_chain};
use crate::lang::Lang;

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

/// Where to say so when a private message cannot be delivered because the
/// member never started the bot.
#[derive(Debug, Clone)]
pub(super) struct Fallback {
    pub place: Place,
    /// The member's message that asked, to answer it.
    pub reply_to: Option<TelegramMessageId>,
    pub lang: Lang,
}

/// One message (or edit) to deliver.
#[derive(Debug)]
pub(super) struct Job {
    target: Target,
    place: Place,
    reply: Reply,
    reply_to: Option<TelegramMessageId>,
    /// Edit this Telegram message (our id for it second) instead of sending.
    edit: Option<(TelegramMessageId, MessageId)>,
    fallback: Option<Fallback>,
    failures: u32,
    flood_waits: u32,
}

impl Job {
    pub(super) fn new(
        target: Target,
        place: Place,
        reply: Reply,
        reply_to: Option<TelegramMessageId>,
        edit: Option<(TelegramMessageId, MessageId)>,
        fallback: Option<Fallback>,
    ) -> Job {
        Job {
            target,
            place,
            reply,
            reply_to,
            edit,
            fallback,
            failures: 0,
            flood_waits: 0,
        }
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

/// The sender task's state.
pub(super) struct Outbox {
    bot: Bot,
    club: Club,
    tuning: Tuning,
    /// The bot's username, for the deep link in the start hint.
    username: String,
    pending: VecDeque<Job>,
    /// When each chat may get its next message.
    chat_ready: HashMap<ChatId, Instant>,
    /// When the next message of all may go.
    global_ready: Instant,
}

/// What the queue says to do next.
enum Next {
    Send(usize),
    WaitUntil(Instant),
}

impl Outbox {
    pub(super) fn new(bot: Bot, club: Club, tuning: Tuning, username: String) -> Outbox {
        Outbox {
            bot,
            club,
            tuning,
            username,
            pending: VecDeque::new(),
            chat_ready: HashMap::new(),
            global_ready: Instant::now(),
        }
    }

    /// Sends jobs until the queue is closed and empty.
    pub(super) async fn run(mut self, mut jobs: mpsc::Receiver<Job>) {
        let mut open = true;
        loop {
            if self.pending.is_empty() {
                match jobs.recv().await {
                    Some(job) if open => self.pending.push_back(job),
                    _ => return,
                }
            }
            while let Ok(job) = jobs.try_recv() {
                self.pending.push_back(job);
            }
            match self.next(Instant::now()) {
                Next::Send(index) => {
                    if let Some(job) = self.pending.remove(index) {
                        self.attempt(job, index).await;
                    }
                }
                Next::WaitUntil(until) if open => {
                    tokio::select! {
                        () = tokio::time::sleep_until(until) => {}
                        job = jobs.recv() => match job {
                            Some(job) => self.pending.push_back(job),
                            None => open = false,
                        },
                    }
                }
                Next::WaitUntil(until) => tokio::time::sleep_until(until).await,
            }
        }
    }

    /// The first job whose chat may be written to now, keeping each chat's
    /// messages in order; or when the earliest one may go.
    fn next(&self, now: Instant) -> Next {
        let mut seen = HashSet::new();
        let mut earliest: Option<Instant> = None;
        for (index, job) in self.pending.iter().enumerate() {
            if !seen.insert(job.target.chat) {
                continue;
            }
            let chat_ready = self.chat_ready.get(&job.target.chat).copied();
            let ready = chat_ready.map_or(self.global_ready, |chat| chat.max(self.global_ready));
            if ready <= now {
                return Next::Send(index);
            }
            earliest = Some(earliest.map_or(ready, |earliest| earliest.min(ready)));
        }
        Next::WaitUntil(earliest.unwrap_or(now))
    }

    /// One try at delivering `job`, which stood at `index` in the queue.
    async fn attempt(&mut self, mut job: Job, index: usize) {
        let outcome = tokio::time::timeout(self.tuning.attempt_timeout, self.deliver(&job)).await;
        let now = Instant::now();
        self.global_ready = now + self.tuning.global_interval;
        let failure = match outcome {
            Ok(Ok(sent)) => {
                if job.target.is_group() {
                    self.chat_ready
                        .insert(job.target.chat, now + self.tuning.group_interval);
                }
                self.record(&job, sent).await;
                return;
            }
            Ok(Err(error)) => classify(&error),
            Err(_) => Failure::Transient(format!(
                "no answer within {} ms",
                self.tuning.attempt_timeout.as_millis()
            )),
        };
        let chat = job.target.chat.0;
        match failure {
            Failure::Flood(seconds) => {
                job.flood_waits += 1;
                if job.flood_waits > self.tuning.max_flood_waits {
                    return give_up(&job, "flood limit: too many 429 answers in a row");
                }
                let wait = self.tuning.retry_after_unit * seconds;
                tracing::warn!(
                    chat,
                    wait_ms = wait.as_millis() as u64,
                    "Telegram flood limit (429)"
                );
                self.chat_ready.insert(job.target.chat, now + wait);
                self.pending.insert(index, job);
            }
            Failure::Transient(reason) => {
                job.failures += 1;
                if job.failures >= self.tuning.max_attempts {
                    return give_up(&job, &reason);
                }
                let wait = self.tuning.backoff(job.failures);
                tracing::warn!(chat, attempt = job.failures, %reason, "sending failed; retrying");
                self.chat_ready.insert(job.target.chat, now + wait);
                self.pending.insert(index, job);
            }
            Failure::Forbidden(reason) => match job.fallback.take() {
                Some(fallback) => {
                    tracing::info!(
                        chat,
                        "the member has not started the bot; hinting in the group"
                    );
                    self.hint(fallback);
                }
                None => give_up(&job, &reason),
            },
            Failure::Permanent(reason) => give_up(&job, &reason),
        }
    }

    /// Sends or edits; the Telegram id of a sent message.
    async fn deliver(&self, job: &Job) -> Result<Option<TelegramMessageId>, RequestError> {
        let Target { chat, thread } = job.target;
        let text = job.reply.text.clone();
        if let Some((message, _)) = job.edit {
            let mut request = self.bot.edit_message_text(chat, message, text);
            if !job.reply.buttons.is_empty() {
                request = request.reply_markup(keyboard(&job.reply.buttons));
            }
            return match request.send().await {
                Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(None),
                Err(error) => Err(error),
            };
        }
        let mut request = self.bot.send_message(chat, text);
        if let Some(thread) = thread {
            request = request.message_thread_id(thread);
        }
        if let Some(message) = job.reply_to {
            request = request
                .reply_parameters(ReplyParameters::new(message).allow_sending_without_reply());
        }
        if !job.reply.buttons.is_empty() {
            request = request.reply_markup(keyboard(&job.reply.buttons));
        }
        Ok(Some(request.send().await?.id))
    }

    /// Tells the club what was sent or edited, so later events find it.
    async fn record(&self, job: &Job, sent: Option<TelegramMessageId>) {
        let recorded = match (job.edit, sent) {
            (Some((_, ours)), _) => self.club.record_edit(ours, &job.reply).await,
            (None, sent) => {
                let external = sent.map(|id| id.0.to_string());
                self.club
                    .record_sent(
                        Platform::Telegram,
                        &job.place,
                        external.as_deref(),
                        &job.reply,
                    )
                    .await
                    .map(|_| ())
            }
        };
        if let Err(error) = recorded {
            tracing::error!(
                error = %error_chain(&error),
                "a message was sent but could not be recorded; replies to it will not be understood"
            );
        }
    }

    /// Queues the start hint where the member asked.
    fn hint(&mut self, fallback: Fallback) {
        let Some(target) = Target::of(&fallback.place) else {
            return;
        };
        let text = start_hint(fallback.lang, &self.username);
        let reply = Reply::in_place(&fallback.place, text, None);
        self.pending.push_back(Job::new(
            target,
            fallback.place,
            reply,
            fallback.reply_to,
            None,
            None,
        ));
    }
}

fn give_up(job: &Job, reason: &str) {
    tracing::error!(
        chat = job.target.chat.0,
        attempts = job.failures + job.flood_waits + 1,
        %reason,
        "a message could not be delivered to Telegram; given up"
    );
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
