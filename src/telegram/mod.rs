//! The Telegram adapter: the club on the Telegram Bot API.
//!
//! Like the console it only translates. A Telegram update becomes an
//! [`Incoming`] for [`Club::handle`]; the club's [`Reply`]s become Telegram
//! messages, inline keyboards and edits. Rules, permissions and SQL stay in
//! the core: the adapter only reports what Telegram says about an account
//! (its language, whether it moderates).
//!
//! Why it is built the way it is:
//!
//! - **teloxide as a typed Bot API client, not its dispatcher.**
//!   `Dispatcher::dispatch` panics when its first `getMe` fails, and its
//!   polling derives `allowed_updates` from the handler tree, so a reaction or
//!   callback update that no handler names is never even requested. The
//!   adapter calls `getMe` itself, retrying with exponential backoff (a
//!   Telegram outage or a wrong token is logged, never a panic), and runs its
//!   own `getUpdates` loop that names `message`, `callback_query`,
//!   `message_reaction` and `chat_member` explicitly.
//! - **Startup work runs once.** The command menu (`setMyCommands`, from the
//!   core's one command table; no `BotCommands` derive) is registered once per
//!   start, after `getMe` succeeded, never again when polling reconnects.
//! - **Notices go through the outbox.** The club writes every reply to the
//!   outbox with the update's handled mark; the adapter's deliverer
//!   (`crate::delivery` with the Telegram sender in `outbox`) sends
//!   them with Telegram's pace (twenty a minute per group, one a second per
//!   private chat, thirty a second overall), one chat never waiting for
//!   another, honouring `retry_after` and retrying transient failures with
//!   backoff. Handling an update never waits for Telegram's flood limits,
//!   and a restart loses nothing.
//! - **Idempotency comes from Telegram's ids.** Every event carries the key
//!   `telegram:update:<update_id>`; messages also carry their `message_id`,
//!   which the store recognises when the same message arrives twice. A
//!   fetched batch is written to the store's inbox before the next
//!   `getUpdates` confirms it, so after a crash what was not handled yet is
//!   handled at start, and what was changes nothing the second time.
//! - **Chats run side by side** (`polling`): each chat's updates in order,
//!   different chats at once, up to `max_waiting_updates` in flight.
//! - **Places.** A chat is its chat id as text; a forum topic is
//!   `"<chat_id>/<message_thread_id>"`. A private chat's id is the member's
//!   user id, which is how replies for a member find them.
//! - **The token is a secret.** teloxide's `Bot` prints its token in `Debug`,
//!   so nothing here derives `Debug` over a `Bot`, and no URL is ever logged
//!   (teloxide strips the token from its network errors).

mod convert;
mod menu;
mod moderators;
mod outbox;
mod polling;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use self::convert::Addressed;
use self::moderators::Moderators;
use self::outbox::TelegramSender;
use crate::club::model::{Event, Incoming, MessageRef, Platform};
use crate::club::reply::Reply;
use crate::club::{Club, error_chain};
use crate::config::{DeliverySettings, TelegramSettings};
use crate::delivery::{Deliverer, Pace};
use crate::lang::Lang;
use crate::store::StoreError;
use secrecy::{ExposeSecret, SecretString};
use teloxide::requests::{Request, Requester};
use teloxide::types::{
    AllowedUpdate, CallbackQuery, Me, Message, MessageReactionUpdated, Update, UpdateKind,
};
use teloxide::{ApiError, Bot, RequestError};

/// The updates the adapter asks Telegram for. Named explicitly: Telegram
/// sends reactions only to bots that ask for them.
/// `chat_member` tells who joined a group (sent to administrators), so the
/// club knows a newcomer from a member who was there before the bot.
pub const ALLOWED_UPDATES: [AllowedUpdate; 4] = [
    AllowedUpdate::Message,
    AllowedUpdate::CallbackQuery,
    AllowedUpdate::MessageReaction,
    AllowedUpdate::ChatMember,
];

/// How patient the adapter is with Telegram. The defaults suit the real Bot
/// API; tests shrink them so their stories run in well under a second.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// Long-polling timeout of `getUpdates` (whole seconds are sent).
    pub poll_timeout: Duration,
    /// First wait after a failed `getMe` or `getUpdates`; it doubles per
    /// failure in a row, up to `backoff_cap`.
    pub backoff_start: Duration,
    pub backoff_cap: Duration,
    /// Least time between two messages to one group chat.
    pub group_interval: Duration,
    /// Least time between two messages to one private chat.
    pub private_interval: Duration,
    /// Least time between any two messages.
    pub global_interval: Duration,
    /// How often a message is tried when sending fails (429, 5xx, network,
    /// no answer in time) before it is marked failed (`delivery.max_attempts`).
    pub max_attempts: u32,
    /// How long one second of Telegram's `retry_after` lasts here: one second
    /// in production; tests shrink it to keep their flood stories short.
    pub retry_after_unit: Duration,
    /// Longest one attempt to send may take before it counts as a transient
    /// failure. (teloxide itself pauses ten seconds after any 5xx answer.)
    /// Every request also ends after `poll_timeout` plus 15 seconds.
    pub attempt_timeout: Duration,
    /// How often the outbox is looked at when nothing pokes the deliverer.
    pub poll_interval: Duration,
    /// How long a button press on a bot message the store does not know yet
    /// waits for the deliverer to record it.
    pub record_wait: Duration,
    /// On shutdown, how long the deliverer may still send.
    pub shutdown_grace: Duration,
    /// How long delivered notices are kept.
    pub keep: Duration,
    /// Updates running or waiting in their chats' lanes before polling
    /// pauses: a bound on memory when the club cannot keep up.
    pub max_waiting_updates: usize,
}

impl Tuning {
    /// The production tuning, with the configured long-polling timeout and
    /// the delivery defaults (see [`Tuning::with_delivery`]).
    pub fn from_settings(settings: &TelegramSettings) -> Tuning {
        Tuning {
            poll_timeout: Duration::from_secs(settings.poll_timeout_seconds.into()),
            backoff_start: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(60),
            // Telegram: twenty messages a minute per group, one a second per
            // private chat, about thirty a second overall.
            group_interval: Duration::from_millis(3_050),
            private_interval: Duration::from_millis(1_000),
            global_interval: Duration::from_millis(35),
            max_attempts: 8,
            retry_after_unit: Duration::from_secs(1),
            attempt_timeout: Duration::from_secs(40),
            poll_interval: Duration::from_millis(500),
            record_wait: Duration::from_millis(500),
            shutdown_grace: Duration::from_secs(10),
            keep: Duration::from_secs(14 * 86_400),
            max_waiting_updates: 1_000,
        }
    }

    /// This tuning with the `delivery.*` settings.
    pub fn with_delivery(mut self, delivery: &DeliverySettings) -> Tuning {
        self.max_attempts = delivery.max_attempts.max(1);
        self.shutdown_grace = Duration::from_secs(delivery.shutdown_grace_seconds);
        self.keep = Duration::from_secs(u64::from(delivery.keep_days) * 86_400);
        self.poll_interval = Duration::from_millis(delivery.poll_interval_ms.max(1));
        self
    }

    /// The delivery loop's pace.
    pub fn pace(&self) -> Pace {
        Pace {
            global_interval: self.global_interval,
            attempt_timeout: self.attempt_timeout,
            backoff_start: self.backoff_start,
            backoff_cap: self.backoff_cap,
            max_attempts: self.max_attempts,
            poll_interval: self.poll_interval,
            batch: 64,
            keep: self.keep,
        }
    }

    /// The wait after `failures` failures in a row: exponential, capped.
    pub fn backoff(&self, failures: u32) -> Duration {
        self.pace().backoff(failures)
    }
}

/// Why the adapter could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    #[error("telegram.api_url `{url}` is not a valid URL: {reason}")]
    ApiUrl { url: String, reason: String },
    #[error("the HTTP client for Telegram cannot be set up: {0}")]
    Client(String),
    #[error("the outbox cannot be used: {0}")]
    Outbox(String),
}

/// The Telegram adapter.
pub struct Telegram {
    club: Club,
    settings: TelegramSettings,
    tuning: Tuning,
    bot: Bot,
}

/// By hand: teloxide's `Bot` prints its token in `Debug`.
impl fmt::Debug for Telegram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Telegram")
            .field("api_url", &self.settings.api_url)
            .field("token", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl Telegram {
    /// An adapter for the bot with `token`, talking to `settings.api_url`.
    pub fn new(
        club: Club,
        settings: TelegramSettings,
        token: &SecretString,
        tuning: Tuning,
    ) -> Result<Telegram, TelegramError> {
        let url = settings
            .api_url
            .parse()
            .map_err(|error| TelegramError::ApiUrl {
                url: settings.api_url.clone(),
                reason: format!("{error}"),
            })?;
        // teloxide's client gives up on any request after 17 s and ignores
        // the long-polling timeout (its `timeout_hint` is commented out), so
        // a 30 s `getUpdates` would fail every time the chat is quiet.
        let client = teloxide::net::default_reqwest_settings()
            .timeout(tuning.poll_timeout + Duration::from_secs(15))
            .build()
            .map_err(|error| TelegramError::Client(format!("{error}")))?;
        let bot = Bot::with_client(token.expose_secret(), client).set_api_url(url);
        Ok(Telegram {
            club,
            settings,
            tuning,
            bot,
        })
    }

    /// Connects (retrying until Telegram answers), registers the command menu
    /// once, then handles updates until the task is dropped.
    pub async fn run(self) -> Result<(), TelegramError> {
        self.run_until(std::future::pending()).await
    }

    /// Like [`Telegram::run`], until `stop` resolves: then polling stops and
    /// the deliverer drains the outbox for up to `shutdown_grace`.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), TelegramError> {
        let moderators_chat = self.settings.moderators_chat;
        let moderators_place = (moderators_chat != 0).then(|| moderators_chat.to_string());
        if moderators_place.is_none() {
            tracing::warn!(
                "telegram.moderators_chat is not set: the moderators' notices go to the \
                 other platforms' moderators' places only"
            );
        }
        self.club
            .store()
            .register_platform(
                Platform::Telegram,
                moderators_place.as_deref(),
                chrono::Utc::now(),
            )
            .await
            .map_err(|error| TelegramError::Outbox(error_chain(&error)))?;
        let (stopping, stopped) = tokio::sync::watch::channel(false);
        let stop = async move {
            stop.await;
            let _ = stopping.send(true);
        };
        let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|stopped| *stopped).await;
        };
        let serve = async {
            let me = tokio::select! {
                me = self.connect() => me,
                () = until_stopped(stopped.clone()) => return,
            };
            let username = me.username.clone().unwrap_or_default();
            self.drop_webhook().await;
            menu::register(&self.bot, &self.club, &self.settings).await;
            let sender = TelegramSender {
                bot: self.bot.clone(),
                store: self.club.store().clone(),
                tuning: self.tuning.clone(),
                username: username.clone(),
                default_language: self.club.config().default_language,
            };
            let deliverer = Deliverer::new(self.club.clone(), sender, self.tuning.pace());
            let handler = Handler {
                club: self.club.clone(),
                bot: self.bot.clone(),
                tuning: self.tuning.clone(),
                moderators: Arc::new(Moderators::new(&self.settings)),
                username,
            };
            let deliver = deliverer.run(until_stopped(stopped.clone()), self.tuning.shutdown_grace);
            let listen = async {
                tokio::select! {
                    never = handler.poll() => match never {},
                    never = handler.timers() => match never {},
                    () = until_stopped(stopped.clone()) => {}
                }
            };
            tokio::join!(deliver, listen);
        };
        tokio::join!(stop, serve);
        Ok(())
    }

    /// Calls `getMe` until it succeeds: a wrong token or an unreachable
    /// Telegram is logged as an error each time and retried with backoff.
    async fn connect(&self) -> Me {
        let mut failures = 0;
        loop {
            match self.bot.get_me().send().await {
                Ok(me) => {
                    tracing::info!(
                        bot = me.username.as_deref().unwrap_or_default(),
                        "connected to Telegram"
                    );
                    return me;
                }
                Err(error) => {
                    failures += 1;
                    let wait = self.tuning.backoff(failures);
                    let hint = match &error {
                        RequestError::Api(ApiError::InvalidToken) => {
                            "Telegram rejects the token: check TELEGRAM_BOT_TOKEN"
                        }
                        RequestError::Network(_) => {
                            "Telegram cannot be reached: check the network and telegram.api_url"
                        }
                        _ => "Telegram answered getMe with an error",
                    };
                    tracing::error!(
                        attempt = failures,
                        retry_in_ms = wait.as_millis() as u64,
                        error = %error_chain(&error),
                        "getMe failed, retrying: {hint}"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Long polling does not work while a webhook is set: remove it.
    async fn drop_webhook(&self) {
        match self.bot.get_webhook_info().send().await {
            Ok(info) if info.url.is_some() => {
                if let Err(error) = self.bot.delete_webhook().send().await {
                    tracing::error!(error = %error_chain(&error), "deleting the webhook failed");
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %error_chain(&error), "getWebhookInfo failed");
            }
        }
    }
}

/// Turns updates into core events and replies into queued messages.
#[derive(Clone)]
struct Handler {
    club: Club,
    bot: Bot,
    tuning: Tuning,
    moderators: Arc<Moderators>,
    /// The bot's username, for `/command@username`.
    username: String,
}

impl Handler {
    async fn on_update(&self, update: Update) {
        let key = format!("telegram:update:{}", update.id.0);
        let outcome = match &update.kind {
            UpdateKind::Message(message) => self.on_message(message, key).await,
            UpdateKind::MessageReaction(reaction) => self.on_reaction(reaction, key).await,
            UpdateKind::CallbackQuery(query) => self.on_callback(query, key).await,
            UpdateKind::ChatMember(update) => match convert::join_in_update(update) {
                Some(actor) => {
                    let place = convert::chat_place(&update.chat, None);
                    self.on_join(actor, place, key).await
                }
                None => Ok(()),
            },
            UpdateKind::Error(_) => {
                tracing::warn!(
                    update = update.id.0,
                    "an update teloxide cannot read; skipped"
                );
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(error) = outcome {
            tracing::error!(update = update.id.0, error = %error_chain(&error), "handling an update failed");
        }
    }

    async fn on_message(&self, message: &Message, key: String) -> Result<(), StoreError> {
        let joins = convert::joins_in_message(message);
        if !joins.is_empty() {
            let several = joins.len() > 1;
            for actor in joins {
                // One service message can bring several members.
                let key = if several {
                    format!("{key}:{}", actor.external_id)
                } else {
                    key.clone()
                };
                self.on_join(actor, convert::message_place(message), key)
                    .await?;
            }
            return Ok(());
        }
        let (Some(user), Some(text)) = (message.from.as_ref(), convert::text_of(message)) else {
            return Ok(());
        };
        let place = convert::message_place(message);
        let text = match convert::addressed(text, &self.username, place.private) {
            Addressed::Command(text) | Addressed::Chat(text) => text,
            Addressed::OtherBot => return Ok(()),
        };
        let is_moderator = if text.starts_with('/') {
            self.moderators.check(&self.bot, user.id).await
        } else {
            false
        };
        let reply_to = match message.reply_to_message() {
            Some(replied) if replied.from.as_ref().is_some_and(|from| from.is_bot) => {
                self.bot_message(&place.id, &replied.id.0.to_string())
                    .await?
            }
            Some(replied) => {
                self.club
                    .message_by_external(Platform::Telegram, &place.id, &replied.id.0.to_string())
                    .await?
            }
            None => None,
        };
        let mentions = convert::mentions(message, &text);
        let incoming = Incoming {
            actor: convert::actor(user, is_moderator),
            place,
            event_key: Some(key),
            event: Event::Message {
                text,
                reply_to,
                external_id: Some(message.id.0.to_string()),
                mentions,
            },
        };
        self.handle(incoming).await
    }

    async fn on_reaction(
        &self,
        reaction: &MessageReactionUpdated,
        key: String,
    ) -> Result<(), StoreError> {
        // Anonymous reactions (from a chat, not a person) count for nobody.
        let Some(user) = reaction.user() else {
            return Ok(());
        };
        let place = convert::chat_place(&reaction.chat, None);
        // The club finds the message with the reactor (one read), and
        // ignores one it never saw.
        let message = MessageRef::Platform(reaction.message_id.0.to_string());
        let changes = convert::reaction_changes(&reaction.old_reaction, &reaction.new_reaction);
        let several = changes.len() > 1;
        for (emoji, added) in changes {
            // One update can change several reactions; each needs its own key.
            let event_key = if several {
                format!("{key}:{}{emoji}", if added { '+' } else { '-' })
            } else {
                key.clone()
            };
            let incoming = Incoming {
                actor: convert::actor(user, false),
                place: place.clone(),
                event_key: Some(event_key),
                event: Event::Reaction {
                    message: message.clone(),
                    emoji,
                    added,
                },
            };
            self.handle(incoming).await?;
        }
        Ok(())
    }

    /// A member joined a chat: the club learns when.
    async fn on_join(
        &self,
        actor: crate::club::model::Actor,
        place: crate::club::model::Place,
        key: String,
    ) -> Result<(), StoreError> {
        self.handle(Incoming {
            actor,
            place,
            event_key: Some(key),
            event: Event::Joined,
        })
        .await
    }

    /// A button press. Every callback query is answered, whatever happens,
    /// so the member's client stops showing its spinner.
    async fn on_callback(&self, query: &CallbackQuery, key: String) -> Result<(), StoreError> {
        if let Err(error) = self
            .bot
            .answer_callback_query(query.id.clone())
            .send()
            .await
        {
            tracing::warn!(error = %error_chain(&error), "answering a callback query failed");
        }
        let (Some(data), Some(pressed)) = (query.data.as_ref(), query.message.as_ref()) else {
            return Ok(());
        };
        let place = match pressed.regular_message() {
            Some(message) => convert::message_place(message),
            None => convert::chat_place(pressed.chat(), None),
        };
        let Some(message) = self
            .bot_message(&place.id, &pressed.id().0.to_string())
            .await?
        else {
            tracing::debug!("a button on a message the club does not know");
            return Ok(());
        };
        let incoming = Incoming {
            actor: convert::actor(
                &query.from,
                self.moderators.check(&self.bot, query.from.id).await,
            ),
            place,
            event_key: Some(key),
            event: Event::Button {
                message,
                action: data.clone(),
            },
        };
        self.handle(incoming).await
    }

    /// The store's id of a bot message. The deliverer records a message a
    /// moment after Telegram confirmed it; a member quick enough to press
    /// its button (or reply to it) in that moment gets it found after a
    /// short wait instead of being ignored.
    async fn bot_message(
        &self,
        place: &str,
        external: &str,
    ) -> Result<Option<crate::club::model::MessageId>, StoreError> {
        let step = self.tuning.record_wait / 10;
        for attempt in 0..=10 {
            let found = self
                .club
                .message_by_external(Platform::Telegram, place, external)
                .await?;
            if found.is_some() || attempt == 10 || step.is_zero() {
                return Ok(found);
            }
            tokio::time::sleep(step).await;
        }
        Ok(None)
    }

    /// Hands an event to the club, which writes its replies to the outbox.
    /// When the club fails, the member gets an apology where they acted.
    async fn handle(&self, incoming: Incoming) -> Result<(), StoreError> {
        if let Err(error) = self.club.handle(incoming.clone()).await {
            tracing::error!(error = %error_chain(&error), "the club failed to handle an event");
            let lang = self.club.language_for(&incoming.actor, None);
            let apology = Reply::in_place(&incoming.place, self.club.apology(lang), None);
            self.club.tell(&[apology]).await?;
        }
        Ok(())
    }

    /// The club's timers: claims whose time ran out expire (the deadline
    /// lives in the database, so a restart loses nothing), digests of points
    /// earned and the moderators' daily reminder are written to the outbox.
    /// Failures are logged and tried again at the next tick.
    async fn timers(&self) -> std::convert::Infallible {
        let every = Duration::from_secs(self.club.config().shop.expiry_check_seconds.max(1));
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            if let Err(error) = self.club.tick().await {
                tracing::error!(error = %error_chain(&error), "the club's timers failed");
            }
        }
    }
}

/// The hint for a member who asked in a group for something private but
/// never started a chat with the bot, so Telegram does not let it write to
/// them. The core's texts live in its Fluent files; these two belong to
/// Telegram alone.
pub fn start_hint(lang: Lang, bot_username: &str) -> String {
    let link = format!("https://t.me/{bot_username}?start=hello");
    match lang {
        Lang::De => format!(
            "Das schicke ich dir lieber privat, aber du hast noch keinen Chat mit mir \
             gestartet. Öffne {link}, tippe auf Starten und frag dann noch einmal."
        ),
        Lang::En => format!(
            "I'd rather send you that privately, but you haven't started a chat with me \
             yet. Open {link}, tap Start, then ask again."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let mut tuning = Tuning::from_settings(&crate::config::Settings::defaults().telegram);
        tuning.backoff_start = Duration::from_secs(1);
        tuning.backoff_cap = Duration::from_secs(60);
        let waits: Vec<u64> = (1..=9).map(|n| tuning.backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(tuning.backoff(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn the_start_hint_links_to_the_bot_in_both_languages() {
        for lang in Lang::ALL {
            let hint = start_hint(lang, "fanclub_bot");
            assert!(
                hint.contains("https://t.me/fanclub_bot?start=hello"),
                "{hint}"
            );
        }
        assert!(start_hint(Lang::De, "b").contains("privat"));
        assert!(start_hint(Lang::En, "b").contains("privately"));
    }
}
