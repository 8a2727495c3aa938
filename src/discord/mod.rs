//! The Discord adapter: the club on Discord, through serenity.
//!
//! Like the console and Telegram it only translates. A gateway event
//! becomes an [`Incoming`] for [`Club::handle`]; the club's notices reach
//! Discord through the outbox and [`outbox::DiscordSender`]. Rules,
//! permissions and SQL stay in the core: the adapter only reports what
//! Discord says about an account (its locale, its roles and permissions).
//!
//! Why it is built the way it is:
//!
//! - **serenity as gateway and HTTP client, no framework.** Slash commands
//!   come from the core's one command table (`menu`), not from poise's
//!   function signatures; a slash command's options are written back as the
//!   command line the core's grammar reads (`convert::command_line`).
//! - **Start-up work runs once per process**, before the gateway connects:
//!   `GET /users/@me` (retried with backoff while Discord refuses or cannot
//!   be reached), the application id, and one bulk overwrite of the
//!   commands per guild. Discord sends READY again after every reconnect;
//!   nothing happens then.
//! - **Every interaction is acknowledged at once** (deferred: Discord wants
//!   an answer within three seconds, and a FAQ search may take longer), then
//!   handled; the club's answers are notices like any other, and the sender
//!   delivers those written for the interaction through it: the first edits
//!   the deferred response, later ones are follow-ups. Private answers
//!   (the table's private commands, whatever answers a button press) are
//!   ephemeral: only the member sees them.
//! - **Idempotency comes from Discord's ids.** Interactions carry
//!   `discord:interaction:<id>`, messages `discord:message:<id>` and their
//!   id, reactions (which have no id) what they say; an event the gateway
//!   replays after a RESUME changes nothing.
//! - **serenity's rate limiter and a proxy exclude each other** (serenity
//!   issue 1739: the limiter sends to discord.com whatever the proxy says).
//!   With `discord.api_url` set elsewhere the limiter is off and the proxy
//!   (or the tests' fake) owns the rate limits; the deliverer still waits
//!   out a 429's `retry_after`.
//! - **The token is a secret**: it is handed to serenity (whose `Http`
//!   redacts it) and never logged; nothing here prints it.

mod choices;
mod convert;
mod events;
mod menu;
mod order;
mod outbox;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serenity::all::{ChannelId, GatewayIntents, GuildId, User, UserId};
use serenity::http::{Http, HttpBuilder};

use self::events::Handler;
use self::outbox::DiscordSender;
use crate::club::model::Platform;
use crate::club::{Club, ClubConfig, error_chain};
use crate::config::{DeliverySettings, DiscordSettings};
use crate::delivery::{Deliverer, Pace};

/// How patient the adapter is with Discord. The defaults suit Discord;
/// tests shrink them.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// First wait after a failed start-up call; doubles up to `backoff_cap`.
    pub backoff_start: Duration,
    pub backoff_cap: Duration,
    /// Least time between two messages to one channel or member
    /// (answers through an interaction are not paced).
    pub chat_interval: Duration,
    /// Least time between any two sends. Zero by default: serenity's rate
    /// limiter (or the proxy at `discord.api_url`) owns Discord's global
    /// limit, and interaction answers are not bound by it.
    pub global_interval: Duration,
    /// Attempts before a notice is given up (`delivery.max_attempts`).
    pub max_attempts: u32,
    /// How long one second of a 429's `retry_after` lasts here.
    pub retry_after_unit: Duration,
    /// Longest one attempt to send may take.
    pub attempt_timeout: Duration,
    pub poll_interval: Duration,
    /// How long a button press on a bot message the store does not know
    /// yet waits for the deliverer to record it.
    pub record_wait: Duration,
    pub shutdown_grace: Duration,
    pub keep: Duration,
    /// Whether this adapter runs the club's timers (claim expiry, digests,
    /// reminders): once per process, so not when Telegram runs them.
    pub timers: bool,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            backoff_start: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(60),
            // Discord: five messages per five seconds per channel.
            chat_interval: Duration::from_millis(1_000),
            global_interval: Duration::ZERO,
            max_attempts: 8,
            retry_after_unit: Duration::from_secs(1),
            attempt_timeout: Duration::from_secs(40),
            poll_interval: Duration::from_millis(500),
            record_wait: Duration::from_millis(500),
            shutdown_grace: Duration::from_secs(10),
            keep: Duration::from_secs(14 * 86_400),
            timers: true,
        }
    }
}

impl Tuning {
    /// This tuning with the `delivery.*` settings.
    pub fn with_delivery(mut self, delivery: &DeliverySettings) -> Tuning {
        self.max_attempts = delivery.max_attempts.max(1);
        self.shutdown_grace = Duration::from_secs(delivery.shutdown_grace_seconds);
        self.keep = Duration::from_secs(u64::from(delivery.keep_days) * 86_400);
        self.poll_interval = Duration::from_millis(delivery.poll_interval_ms.max(1));
        self
    }

    fn pace(&self) -> Pace {
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

    fn backoff(&self, failures: u32) -> Duration {
        self.pace().backoff(failures)
    }
}

/// Why the adapter could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    #[error("the outbox cannot be used: {0}")]
    Outbox(String),
    #[error("the Discord client cannot be set up: {0}")]
    Client(String),
    #[error("the Discord gateway stopped: {0}")]
    Gateway(String),
}

/// The Discord adapter.
pub struct Discord {
    shared: Arc<Shared>,
    token: SecretString,
}

/// By hand: the token must never show.
impl fmt::Debug for Discord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Discord")
            .field("api_url", &self.shared.settings.api_url)
            .field("token", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// An interaction the adapter acknowledged and may still answer through
/// (Discord keeps its token valid for fifteen minutes).
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    id: u64,
    token: String,
    /// The member who acted, as the place their private notices go to.
    user: String,
    /// Where the interaction happened.
    place: String,
    /// A slash command's deferred response is ephemeral.
    ephemeral: bool,
    /// A button press: answers are ephemeral follow-ups (its deferred
    /// response is the pressed message itself).
    component: bool,
    /// The deferred response was edited with a first answer.
    answered: bool,
    since: Instant,
}

impl Pending {
    /// Whether a notice for `place` answers through this interaction: it is
    /// for the member who acted (privately) or for the place they acted in,
    /// and says something new rather than editing an earlier message.
    fn answered_by(&self, place: &str, private: bool, edits: bool) -> bool {
        let for_them = if private {
            place == self.user
        } else {
            place == self.place
        };
        for_them && !edits
    }
}

/// How long an interaction's token is used: Discord's fifteen minutes,
/// with a margin.
const INTERACTION_LIFETIME: Duration = Duration::from_secs(14 * 60);

/// What the event handler and the sender share.
pub(crate) struct Shared {
    club: Club,
    settings: DiscordSettings,
    tuning: Tuning,
    application: OnceLock<serenity::model::id::ApplicationId>,
    me: OnceLock<UserId>,
    interactions: Mutex<HashMap<u64, Pending>>,
    /// Users seen lately, for events that carry only an id (a reaction
    /// removed).
    users: Mutex<HashMap<UserId, User>>,
    /// Each server's system channel (where Discord itself greets members),
    /// read once per server: where a newcomer is welcomed.
    system_channels: Mutex<HashMap<GuildId, Option<ChannelId>>>,
    /// Messages and reactions in their channel's order.
    order: order::Order,
}

impl Shared {
    fn remember(&self, pending: Pending) {
        let mut interactions = self.interactions.lock().unwrap_or_else(|p| p.into_inner());
        interactions.retain(|_, old| old.since.elapsed() < INTERACTION_LIFETIME);
        interactions.insert(pending.id, pending);
    }

    /// The interaction `key` names, while its token is good.
    fn interaction(&self, key: Option<&str>) -> Option<Pending> {
        let id = convert::interaction_of(key?)?;
        let interactions = self.interactions.lock().unwrap_or_else(|p| p.into_inner());
        interactions
            .get(&id)
            .filter(|pending| pending.since.elapsed() < INTERACTION_LIFETIME)
            .cloned()
    }

    /// Marks the interaction's deferred response as used; `false` when it
    /// was used already.
    fn take_original(&self, id: u64) -> bool {
        let mut interactions = self.interactions.lock().unwrap_or_else(|p| p.into_inner());
        match interactions.get_mut(&id) {
            Some(pending) if !pending.answered => {
                pending.answered = true;
                true
            }
            _ => false,
        }
    }

    fn forget_interaction(&self, id: u64) {
        let mut interactions = self.interactions.lock().unwrap_or_else(|p| p.into_inner());
        interactions.remove(&id);
    }

    fn seen(&self, user: &User) {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if users.len() > 10_000 {
            users.clear();
        }
        users.insert(user.id, user.clone());
    }

    fn known_user(&self, id: UserId) -> Option<User> {
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        users.get(&id).cloned()
    }

    /// The server's system channel as read before; `None` when not read yet.
    fn known_system_channel(&self, guild: GuildId) -> Option<Option<ChannelId>> {
        let channels = self
            .system_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        channels.get(&guild).copied()
    }

    fn remember_system_channel(&self, guild: GuildId, channel: Option<ChannelId>) {
        let mut channels = self
            .system_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        channels.insert(guild, channel);
    }
}

impl Discord {
    /// An adapter for the bot with `token`, talking to `settings.api_url`.
    pub fn new(
        club: Club,
        settings: DiscordSettings,
        token: &SecretString,
        tuning: Tuning,
    ) -> Discord {
        Discord {
            shared: Arc::new(Shared {
                club,
                settings,
                tuning,
                application: OnceLock::new(),
                me: OnceLock::new(),
                interactions: Mutex::new(HashMap::new()),
                users: Mutex::new(HashMap::new()),
                system_channels: Mutex::new(HashMap::new()),
                order: order::Order::new(),
            }),
            token: token.clone(),
        }
    }

    /// The gateway intents the club needs: messages (to know who wrote what
    /// members react to; direct messages are FAQ questions) and reactions,
    /// and the privileged message content only when the club reads what
    /// members write in channels (unprompted FAQ answers, thanks replies),
    /// and the privileged server members only when the operator switched
    /// `discord.member_events` on (it must be on in the Developer Portal).
    pub fn intents(config: &ClubConfig, settings: &DiscordSettings) -> GatewayIntents {
        let mut intents = GatewayIntents::GUILD_MESSAGES
            | GatewayIntents::DIRECT_MESSAGES
            | GatewayIntents::GUILD_MESSAGE_REACTIONS
            | GatewayIntents::DIRECT_MESSAGE_REACTIONS;
        if config.faq.unprompted || !config.points.thanks_words.is_empty() {
            intents |= GatewayIntents::MESSAGE_CONTENT;
        }
        if settings.member_events {
            intents |= GatewayIntents::GUILD_MEMBERS;
        }
        intents
    }

    /// Serenity's HTTP client: towards `api_url`, with serenity's own rate
    /// limiter only when that is Discord itself.
    fn http(&self, client: reqwest::Client) -> Http {
        let api_url = self.shared.settings.api_url.trim_end_matches('/');
        let builder = HttpBuilder::new(self.token.expose_secret()).client(client);
        if api_url == DiscordSettings::DISCORD_API {
            return builder.build();
        }
        builder.proxy(api_url).ratelimiter_disabled(true).build()
    }

    /// Connects (retrying until Discord accepts the token), registers the
    /// commands once, then handles events until the task is dropped.
    pub async fn run(self) -> Result<(), DiscordError> {
        self.run_until(std::future::pending()).await
    }

    /// Like [`Discord::run`], until `stop` resolves: then the gateway is
    /// closed and the deliverer drains the outbox for up to `shutdown_grace`.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), DiscordError> {
        let shared = self.shared.clone();
        let channel = shared.settings.moderators_channel;
        let moderators_place = (channel != 0).then(|| channel.to_string());
        if moderators_place.is_none() {
            tracing::warn!(
                "discord.moderators_channel is not set: the moderators' notices go to the \
                 other platforms' moderators' places only"
            );
        }
        shared
            .club
            .store()
            .register_platform(
                Platform::Discord,
                moderators_place.as_deref(),
                chrono::Utc::now(),
            )
            .await
            .map_err(|error| DiscordError::Outbox(error_chain(&error)))?;
        let client = reqwest::Client::builder()
            .timeout(shared.tuning.attempt_timeout)
            .build()
            .map_err(|error| DiscordError::Client(error.to_string()))?;
        let http = self.http(client.clone());
        let (stopping, stopped) = tokio::sync::watch::channel(false);
        let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|stopped| *stopped).await;
        };
        let stop = async move {
            stop.await;
            let _ = stopping.send(true);
        };
        let serve = async {
            tokio::select! {
                () = self.start_up(&http) => {}
                () = until_stopped(stopped.clone()) => return Ok(()),
            }
            let intents = Discord::intents(shared.club.config(), &shared.settings);
            // The HTTP client with the proxy and the application id.
            let http = self.http(client.clone());
            if let Some(application) = shared.application.get() {
                http.set_application_id(*application);
            }
            let gateway =
                serenity::all::ClientBuilder::new_with_http(http, intents).event_handler(Handler {
                    shared: shared.clone(),
                });
            let mut gateway = gateway
                .await
                .map_err(|error| DiscordError::Client(error_chain(&error)))?;
            let sender = DiscordSender::new(shared.clone(), gateway.http.clone(), client.clone());
            let deliverer = Deliverer::new(shared.club.clone(), sender, shared.tuning.pace());
            let shards = gateway.shard_manager.clone();
            let deliver =
                deliverer.run(until_stopped(stopped.clone()), shared.tuning.shutdown_grace);
            let listen = async {
                tokio::select! {
                    result = gateway.start() => result.map_err(|error| DiscordError::Gateway(error_chain(&error))),
                    never = timers(&shared) => match never {},
                    never = in_channel_order(&shared) => match never {},
                    () = until_stopped(stopped.clone()) => {
                        shards.shutdown_all().await;
                        Ok(())
                    }
                }
            };
            let ((), listened) = tokio::join!(deliver, listen);
            listened
        };
        let ((), served) = tokio::join!(stop, serve);
        served
    }

    /// Who the bot is and which application it belongs to (retried with
    /// backoff: a wrong token or an outage is logged, never a crash), then
    /// the commands, once.
    async fn start_up(&self, http: &Http) {
        let shared = &self.shared;
        let mut failures = 0;
        let me = loop {
            match http.get_current_user().await {
                Ok(me) => break me,
                Err(error) => {
                    failures += 1;
                    let wait = shared.tuning.backoff(failures);
                    tracing::error!(
                        attempt = failures,
                        retry_in_ms = wait.as_millis() as u64,
                        error = %error_chain(&error),
                        "GET /users/@me failed, retrying: check DISCORD_TOKEN and discord.api_url"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        };
        tracing::info!(bot = %me.name, "connected to Discord");
        let _ = shared.me.set(me.id);
        let application = loop {
            match http.get_current_application_info().await {
                Ok(application) => break application.id,
                Err(error) => {
                    failures += 1;
                    let wait = shared.tuning.backoff(failures);
                    tracing::error!(error = %error_chain(&error), "reading the application failed, retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        };
        http.set_application_id(application);
        let _ = shared.application.set(application);
        let commands = menu::commands(shared.club.texts(), shared.club.config().default_language);
        menu::register(http, &commands, &shared.settings.guilds).await;
    }
}

/// The club's timers, when this adapter runs them; else it waits forever.
/// Handles the messages and reactions the collector queued, each channel's
/// in order ([`order`]).
async fn in_channel_order(shared: &Arc<Shared>) -> std::convert::Infallible {
    shared
        .order
        .run(|event, http| {
            let handler = events::Handler {
                shared: Arc::clone(shared),
            };
            async move { handler.in_order(event, &http).await }
        })
        .await
}

async fn timers(shared: &Shared) -> std::convert::Infallible {
    if !shared.tuning.timers {
        return std::future::pending().await;
    }
    let every = Duration::from_secs(shared.club.config().shop.expiry_check_seconds.max(1));
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        if let Err(error) = shared.club.tick().await {
            tracing::error!(error = %error_chain(&error), "the club's timers failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn message_content_is_asked_for_only_while_the_club_reads_what_members_write() {
        let settings = Settings::defaults();
        let mut config = ClubConfig::from_settings(&settings);
        let discord = &settings.discord;
        let always = GatewayIntents::GUILD_MESSAGES
            | GatewayIntents::DIRECT_MESSAGES
            | GatewayIntents::GUILD_MESSAGE_REACTIONS
            | GatewayIntents::DIRECT_MESSAGE_REACTIONS;
        assert_eq!(
            Discord::intents(&config, discord),
            always | GatewayIntents::MESSAGE_CONTENT
        );
        config.faq.unprompted = false;
        assert!(
            Discord::intents(&config, discord).contains(GatewayIntents::MESSAGE_CONTENT),
            "thanks"
        );
        config.points.thanks_words.clear();
        assert_eq!(Discord::intents(&config, discord), always);
    }

    #[test]
    fn joins_are_heard_only_when_the_operator_switched_member_events_on() {
        let mut settings = Settings::defaults();
        let config = ClubConfig::from_settings(&settings);
        assert!(
            !Discord::intents(&config, &settings.discord).contains(GatewayIntents::GUILD_MEMBERS)
        );
        settings.discord.member_events = true;
        assert!(
            Discord::intents(&config, &settings.discord).contains(GatewayIntents::GUILD_MEMBERS)
        );
    }
}
