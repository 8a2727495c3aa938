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
mod menu;
mod outbox;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serenity::all::{
    ActionRowComponent, CommandInteraction, CommandType, ComponentInteraction, Context,
    CreateActionRow, CreateAutocompleteResponse, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateModal, EventHandler, GatewayIntents, InputTextStyle,
    Interaction, Message, ModalInteraction, Reaction, Ready, User, UserId,
};
use serenity::http::{Http, HttpBuilder};

use self::outbox::DiscordSender;
use crate::club::model::{Event, Incoming, Mention, MessageId, Place, Platform};
use crate::club::reply::Reply;
use crate::club::{Club, Handled, error_chain};
use crate::config::{DeliverySettings, DiscordSettings};
use crate::delivery::{Deliverer, Pace};
use crate::store::StoreError;

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
            }),
            token: token.clone(),
        }
    }

    /// The gateway intents the club needs: messages (to know who wrote what
    /// members react to; direct messages are FAQ questions) and reactions,
    /// and the privileged message content only when the club reads what
    /// members write in channels (unprompted FAQ answers, thanks replies).
    pub fn intents(club: &Club) -> GatewayIntents {
        let config = club.config();
        let mut intents = GatewayIntents::GUILD_MESSAGES
            | GatewayIntents::DIRECT_MESSAGES
            | GatewayIntents::GUILD_MESSAGE_REACTIONS
            | GatewayIntents::DIRECT_MESSAGE_REACTIONS;
        if config.faq.unprompted || !config.points.thanks_words.is_empty() {
            intents |= GatewayIntents::MESSAGE_CONTENT;
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
            let intents = Discord::intents(&shared.club);
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

/// What every interaction that runs a command says about itself.
struct Asked<'a> {
    id: serenity::model::id::InteractionId,
    token: &'a str,
    user: &'a User,
    member: Option<&'a serenity::all::Member>,
    place: Place,
    locale: &'a str,
}

/// serenity's event handler: gateway events in, core events out.
struct Handler {
    shared: Arc<Shared>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _: Context, ready: Ready) {
        // Again after every reconnect that could not resume: nothing to do.
        tracing::info!(guilds = ready.guilds.len(), "the Discord gateway is ready");
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let outcome = match interaction {
            Interaction::Command(command) => self.on_command(&ctx.http, command).await,
            Interaction::Component(component) => self.on_component(&ctx.http, component).await,
            Interaction::Modal(form) => self.on_form(&ctx.http, form).await,
            Interaction::Autocomplete(command) => {
                self.on_autocomplete(&ctx.http, command).await;
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(error) = outcome {
            tracing::error!(error = %error_chain(&error), "handling an interaction failed");
        }
    }

    async fn message(&self, _: Context, message: Message) {
        if let Err(error) = self.on_message(message).await {
            tracing::error!(error = %error_chain(&error), "handling a message failed");
        }
    }

    async fn reaction_add(&self, ctx: Context, reaction: Reaction) {
        if let Err(error) = self.on_reaction(&ctx.http, reaction, true).await {
            tracing::error!(error = %error_chain(&error), "handling a reaction failed");
        }
    }

    async fn reaction_remove(&self, ctx: Context, reaction: Reaction) {
        if let Err(error) = self.on_reaction(&ctx.http, reaction, false).await {
            tracing::error!(error = %error_chain(&error), "handling a removed reaction failed");
        }
    }
}

impl Handler {
    fn moderator_roles(&self) -> &[u64] {
        &self.shared.settings.moderator_roles
    }

    /// A slash command or a message context-menu command.
    async fn on_command(&self, http: &Http, command: CommandInteraction) -> Result<(), StoreError> {
        self.shared.seen(&command.user);
        let asked = Asked {
            id: command.id,
            token: &command.token,
            user: &command.user,
            member: command.member.as_deref(),
            place: convert::place(command.guild_id, command.channel_id, command.user.id),
            locale: &command.locale,
        };
        let (text, mentions, reply_to) = match command.data.kind {
            CommandType::Message => {
                let Some(name) = convert::message_command(&command.data.name) else {
                    return Ok(());
                };
                let Some(target) = command.data.target_id.map(|target| target.get()) else {
                    return Ok(());
                };
                let spec = crate::club::commands::spec(name);
                if let Some(spec) = spec.filter(|spec| !spec.args.is_empty()) {
                    // The command's arguments are asked for in a form.
                    self.ask_arguments(http, &asked, spec, target).await;
                    return Ok(());
                }
                let reply_to = self.message(&asked.place, &target.to_string()).await?;
                (format!("/{name}"), Vec::new(), reply_to)
            }
            _ => match convert::command_line(&command.data) {
                Some((line, mentions)) => (line, mentions, None),
                None => return Ok(()),
            },
        };
        self.run_line(http, asked, text, mentions, reply_to).await
    }

    /// The form (a modal) for the arguments of a context-menu command, one
    /// text field per argument of the command table.
    async fn ask_arguments(
        &self,
        http: &Http,
        asked: &Asked<'_>,
        spec: &crate::club::commands::CommandSpec,
        target: u64,
    ) {
        let club = &self.shared.club;
        let lang =
            crate::lang::Lang::from_locale(asked.locale).unwrap_or(club.config().default_language);
        let fields = spec
            .args
            .iter()
            .take(5)
            .map(|arg| {
                let label = club.texts().plain(lang, &format!("arg-{}", arg.name));
                let label = crate::club::commands::shorten(&label, 45);
                CreateActionRow::InputText(
                    CreateInputText::new(InputTextStyle::Short, label, arg.name)
                        .required(arg.required),
                )
            })
            .collect();
        let form = CreateModal::new(
            convert::form_id(spec.name, target),
            format!("/{}", spec.name),
        )
        .components(fields);
        let response = CreateInteractionResponse::Modal(form);
        if let Err(error) = http
            .create_interaction_response(asked.id, asked.token, &response, Vec::new())
            .await
        {
            tracing::warn!(error = %error_chain(&error), "showing a form failed");
        }
    }

    /// A submitted form: the context-menu command with its arguments, about
    /// the message the menu was opened on.
    async fn on_form(&self, http: &Http, form: ModalInteraction) -> Result<(), StoreError> {
        self.shared.seen(&form.user);
        let Some((name, target)) = convert::parse_form_id(&form.data.custom_id) else {
            return Ok(());
        };
        let values: Vec<(String, String)> = form
            .data
            .components
            .iter()
            .flat_map(|row| row.components.iter())
            .filter_map(|field| match field {
                ActionRowComponent::InputText(input) => Some((
                    input.custom_id.clone(),
                    input.value.clone().unwrap_or_default(),
                )),
                _ => None,
            })
            .collect();
        let Some(text) = convert::form_line(name, &values) else {
            return Ok(());
        };
        let asked = Asked {
            id: form.id,
            token: &form.token,
            user: &form.user,
            member: form.member.as_ref(),
            place: convert::place(form.guild_id, form.channel_id, form.user.id),
            locale: &form.locale,
        };
        let reply_to = self.message(&asked.place, &target.to_string()).await?;
        self.run_line(http, asked, text, Vec::new(), reply_to).await
    }

    /// Defers the interaction (ephemeral for the table's private commands)
    /// and hands the command line to the club.
    async fn run_line(
        &self,
        http: &Http,
        asked: Asked<'_>,
        text: String,
        mentions: Vec<Mention>,
        reply_to: Option<MessageId>,
    ) -> Result<(), StoreError> {
        let place = asked.place;
        let private = crate::club::commands::spec_of(&text).is_some_and(|spec| spec.private);
        let ephemeral = private && !place.private;
        let defer = CreateInteractionResponse::Defer(
            CreateInteractionResponseMessage::new().ephemeral(ephemeral),
        );
        let pending = Pending {
            id: asked.id.get(),
            token: asked.token.to_owned(),
            user: asked.user.id.get().to_string(),
            place: place.id.clone(),
            ephemeral,
            component: false,
            answered: false,
            since: Instant::now(),
        };
        if !self
            .acknowledge(http, &asked.id, asked.token, &defer, pending)
            .await
        {
            return Ok(());
        }
        let is_moderator = self.moderates(asked.member);
        let nick = asked.member.and_then(|member| member.nick.as_deref());
        let incoming = Incoming {
            actor: convert::actor(asked.user, nick, Some(asked.locale), is_moderator),
            place,
            event_key: Some(convert::interaction_key(asked.id.get())),
            event: Event::Message {
                text,
                reply_to,
                external_id: Some(convert::interaction_message(asked.id.get())),
                mentions,
            },
        };
        let handled = self.handle(incoming).await?;
        if handled.is_none_or(|handled| handled.replies.is_empty()) {
            // Nothing to say (a command handled before), or the club failed
            // and apologised in the channel: no "thinking…" left.
            self.shared.forget_interaction(asked.id.get());
            if let Err(error) = http.delete_original_interaction_response(asked.token).await {
                tracing::debug!(error = %error_chain(&error), "removing an unused deferred response failed");
            }
        }
        Ok(())
    }

    /// Whether an interaction's guild member moderates.
    fn moderates(&self, member: Option<&serenity::all::Member>) -> bool {
        let (roles, permissions) = match member {
            Some(member) => (member.roles.as_slice(), member.permissions),
            None => (&[][..], None),
        };
        convert::is_moderator(roles, permissions, self.moderator_roles())
    }

    /// A member typing into an autocompleted option: the choices.
    async fn on_autocomplete(&self, http: &Http, command: CommandInteraction) {
        let Some(focused) = command.data.autocomplete() else {
            return;
        };
        let club = &self.shared.club;
        let lang = crate::lang::Lang::from_locale(&command.locale)
            .unwrap_or(club.config().default_language);
        let found = choices::choices(club, lang, focused.name, focused.value);
        let response = found.into_iter().fold(
            CreateAutocompleteResponse::new(),
            |response, (shown, value)| response.add_string_choice(shown, value),
        );
        let response = CreateInteractionResponse::Autocomplete(response);
        if let Err(error) = http
            .create_interaction_response(command.id, &command.token, &response, Vec::new())
            .await
        {
            tracing::debug!(error = %error_chain(&error), "answering an autocomplete failed");
        }
    }

    /// A button pressed under a bot message.
    async fn on_component(
        &self,
        http: &Http,
        component: ComponentInteraction,
    ) -> Result<(), StoreError> {
        self.shared.seen(&component.user);
        let place = convert::place(component.guild_id, component.channel_id, component.user.id);
        let pending = Pending {
            id: component.id.get(),
            token: component.token.clone(),
            user: component.user.id.get().to_string(),
            place: place.id.clone(),
            ephemeral: true,
            component: true,
            answered: true,
            since: Instant::now(),
        };
        let acknowledge = CreateInteractionResponse::Acknowledge;
        if !self
            .acknowledge(http, &component.id, &component.token, &acknowledge, pending)
            .await
        {
            return Ok(());
        }
        let external = component.message.id.get().to_string();
        let mut message = self.bot_message(&place, &external).await?;
        if message.is_none() && !place.private {
            // An ephemeral answer lives in the channel but was recorded as
            // the member's private message.
            let private = convert::place(None, component.channel_id, component.user.id);
            message = self
                .shared
                .club
                .message_by_external(Platform::Discord, &private.id, &external)
                .await?;
        }
        let Some(message) = message else {
            tracing::debug!("a button on a message the club does not know");
            return Ok(());
        };
        let is_moderator = self.moderates(component.member.as_ref());
        let nick = component
            .member
            .as_ref()
            .and_then(|member| member.nick.as_deref());
        let incoming = Incoming {
            actor: convert::actor(&component.user, nick, Some(&component.locale), is_moderator),
            place,
            event_key: Some(convert::interaction_key(component.id.get())),
            event: Event::Button {
                message,
                action: component.data.custom_id.clone(),
            },
        };
        self.handle(incoming).await.map(|_| ())
    }

    /// Answers an interaction within Discord's three seconds and remembers
    /// it for the sender; `false` when Discord refused (an interaction
    /// acknowledged before, replayed by the gateway: already handled).
    async fn acknowledge(
        &self,
        http: &Http,
        id: &serenity::model::id::InteractionId,
        token: &str,
        response: &CreateInteractionResponse,
        pending: Pending,
    ) -> bool {
        self.shared.remember(pending);
        match http
            .create_interaction_response(*id, token, response, Vec::new())
            .await
        {
            Ok(()) => true,
            Err(error) => {
                self.shared.forget_interaction(id.get());
                tracing::warn!(error = %error_chain(&error), "acknowledging an interaction failed");
                false
            }
        }
    }

    /// A member's message: a FAQ question in a direct message, chat (maybe
    /// thanks, maybe a question to answer unprompted) in a channel, and in
    /// any case the record that lets reactions find its author.
    async fn on_message(&self, message: Message) -> Result<(), StoreError> {
        let me = self.shared.me.get().copied();
        if Some(message.author.id) == me {
            return Ok(());
        }
        self.shared.seen(&message.author);
        let place = convert::place(message.guild_id, message.channel_id, message.author.id);
        let reply_to = match message
            .message_reference
            .as_ref()
            .and_then(|reference| reference.message_id)
        {
            Some(replied) => self.message(&place, &replied.get().to_string()).await?,
            None => None,
        };
        let roles = message
            .member
            .as_ref()
            .map_or(&[][..], |member| member.roles.as_slice());
        let nick = message
            .member
            .as_ref()
            .and_then(|member| member.nick.as_deref());
        let is_moderator = convert::is_moderator(roles, None, self.moderator_roles());
        let text = message.content.clone();
        let incoming = Incoming {
            actor: convert::actor(&message.author, nick, None, is_moderator),
            place,
            event_key: Some(convert::message_key(message.id.get())),
            event: Event::Message {
                mentions: convert::mentions(&text),
                text,
                reply_to,
                external_id: Some(message.id.get().to_string()),
            },
        };
        self.handle(incoming).await.map(|_| ())
    }

    /// A reaction added or removed: a vote or its withdrawal when the core
    /// says its emoji counts.
    async fn on_reaction(
        &self,
        http: &Http,
        reaction: Reaction,
        added: bool,
    ) -> Result<(), StoreError> {
        let (Some(user_id), Some(emoji)) =
            (reaction.user_id, convert::reaction_emoji(&reaction.emoji))
        else {
            return Ok(());
        };
        if Some(user_id) == self.shared.me.get().copied() {
            return Ok(());
        }
        let place = convert::place(reaction.guild_id, reaction.channel_id, user_id);
        let external = reaction.message_id.get().to_string();
        let Some(message) = self.message(&place, &external).await? else {
            return Ok(());
        };
        let member = reaction.member.as_ref();
        let user = match member.map(|member| member.user.clone()) {
            Some(user) => user,
            None => match self.user(http, user_id).await {
                Some(user) => user,
                None => return Ok(()),
            },
        };
        self.shared.seen(&user);
        let roles = member.map_or(&[][..], |member| member.roles.as_slice());
        let nick = member.and_then(|member| member.nick.as_deref());
        let incoming = Incoming {
            actor: convert::actor(
                &user,
                nick,
                None,
                convert::is_moderator(roles, None, self.moderator_roles()),
            ),
            place,
            event_key: Some(convert::reaction_key(
                reaction.message_id.get(),
                user_id.get(),
                emoji,
                added,
            )),
            event: Event::Reaction {
                message,
                emoji: emoji.to_owned(),
                added,
            },
        };
        self.handle(incoming).await.map(|_| ())
    }

    /// A user the adapter saw lately, else as Discord describes them.
    async fn user(&self, http: &Http, id: UserId) -> Option<User> {
        if let Some(user) = self.shared.known_user(id) {
            return Some(user);
        }
        match http.get_user(id).await {
            Ok(user) => Some(user),
            Err(error) => {
                tracing::warn!(error = %error_chain(&error), "reading a user failed; their reaction is skipped");
                None
            }
        }
    }

    /// The store's id of a message in `place`, a member's or the bot's.
    async fn message(
        &self,
        place: &Place,
        external: &str,
    ) -> Result<Option<MessageId>, StoreError> {
        self.shared
            .club
            .message_by_external(Platform::Discord, &place.id, external)
            .await
    }

    /// Like [`Handler::message`], waiting a moment for the deliverer to
    /// record a bot message a member was quick to press a button on.
    async fn bot_message(
        &self,
        place: &Place,
        external: &str,
    ) -> Result<Option<MessageId>, StoreError> {
        let step = self.shared.tuning.record_wait / 10;
        for attempt in 0..=10 {
            let found = self.message(place, external).await?;
            if found.is_some() || attempt == 10 || step.is_zero() {
                return Ok(found);
            }
            tokio::time::sleep(step).await;
        }
        Ok(None)
    }

    /// Hands an event to the club, which writes its replies to the outbox.
    /// When the club fails, the member gets an apology where they acted.
    async fn handle(&self, incoming: Incoming) -> Result<Option<Handled>, StoreError> {
        let club = &self.shared.club;
        match club.handle(incoming.clone()).await {
            Ok(handled) => Ok(Some(handled)),
            Err(error) => {
                tracing::error!(error = %error_chain(&error), "the club failed to handle an event");
                let lang = club.language_for(&incoming.actor, None);
                let apology = Reply::in_place(&incoming.place, club.apology(lang), None);
                club.tell(&[apology]).await?;
                Ok(None)
            }
        }
    }
}
