//! serenity's event handler: gateway events in, core events out.
//!
//! Interactions (slash commands, context-menu entries, forms, buttons,
//! autocomplete) are acknowledged at once and remembered for the sender;
//! messages and reactions become the same core events Telegram's do. What
//! the platform says about an account (its locale, roles, permissions) is
//! reported; what it allows is the core's decision.

use std::sync::Arc;
use std::time::Instant;

use serenity::all::{
    ActionRowComponent, ChannelId, CommandInteraction, CommandType, ComponentInteraction, Context,
    CreateActionRow, CreateAutocompleteResponse, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateModal, EditInteractionResponse, EventHandler, GuildId,
    InputTextStyle, Interaction, Message, ModalInteraction, Reaction, Ready, User, UserId,
};
use serenity::http::Http;

use super::order::Ordered;
use super::{Pending, Shared, choices, convert};
use crate::club::i18n;
use crate::club::model::{Event, Incoming, Mention, MessageId, Place, Platform};
use crate::club::reply::Reply;
use crate::club::{Handled, error_chain};
use crate::store::StoreError;

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
pub(super) struct Handler {
    pub(super) shared: Arc<Shared>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        // Again after every reconnect that could not resume (a new
        // collector then replaces the shard's old one).
        tracing::info!(guilds = ready.guilds.len(), "the Discord gateway is ready");
        self.shared
            .order
            .collect(&ctx.shard, ctx.shard_id, Arc::clone(&ctx.http));
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

    async fn message(&self, ctx: Context, message: Message) {
        self.unless_queued(Ordered::Message(Box::new(message)), &ctx.http)
            .await;
    }

    async fn reaction_add(&self, ctx: Context, reaction: Reaction) {
        let event = Ordered::Reaction {
            reaction: Box::new(reaction),
            added: true,
        };
        self.unless_queued(event, &ctx.http).await;
    }

    async fn reaction_remove(&self, ctx: Context, reaction: Reaction) {
        let event = Ordered::Reaction {
            reaction: Box::new(reaction),
            added: false,
        };
        self.unless_queued(event, &ctx.http).await;
    }

    /// Only with `discord.member_events` (the privileged intent).
    async fn guild_member_addition(&self, ctx: Context, member: serenity::all::Member) {
        if let Err(error) = self.on_join(&ctx.http, member).await {
            tracing::error!(error = %error_chain(&error), "handling a member who joined failed");
        }
    }
}

impl Handler {
    /// A message or reaction as serenity hands it over: left to its
    /// channel's lane when the collector queued it, else handled now.
    async fn unless_queued(&self, event: Ordered, http: &Http) {
        if !self.shared.order.queued(&event.key()) {
            self.in_order(event, http).await;
        }
    }

    /// A message or reaction: from its channel's lane, or from serenity's
    /// own task when the collector did not queue it ([`super::order`]).
    pub(super) async fn in_order(&self, event: Ordered, http: &Http) {
        let (outcome, what) = match event {
            Ordered::Message(message) => (self.on_message(*message).await, "a message"),
            Ordered::Reaction { reaction, added } => (
                self.on_reaction(http, *reaction, added).await,
                if added {
                    "a reaction"
                } else {
                    "a removed reaction"
                },
            ),
        };
        if let Err(error) = outcome {
            tracing::error!(error = %error_chain(&error), "handling {what} failed");
        }
    }

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
            .acknowledge(http, &asked.id, asked.token, &defer, pending.clone())
            .await
        {
            return Ok(());
        }
        let is_moderator = self.moderates(asked.member);
        let nick = asked.member.and_then(|member| member.nick.as_deref());
        let incoming = Incoming {
            actor: convert::actor(
                asked.user,
                nick,
                Some(asked.locale),
                is_moderator,
                asked.member.and_then(|member| member.joined_at),
            ),
            place,
            event_key: Some(convert::interaction_key(asked.id.get())),
            event: Event::Message {
                text,
                reply_to,
                external_id: Some(convert::interaction_message(asked.id.get())),
                mentions,
            },
        };
        let lang = self.shared.club.language_for(&incoming.actor, None);
        let key = incoming.event_key.clone().unwrap_or_default();
        self.handle(incoming).await?;
        self.close_unanswered(http, &pending, &key, lang).await
    }

    /// Leaves no "thinking…" behind: when none of the notices the command
    /// left answers through its interaction (nothing to say, the club failed
    /// and apologised in the channel, or the answer went to the member's
    /// private chat on another platform), the deferred response says where
    /// the answer went, or goes.
    async fn close_unanswered(
        &self,
        http: &Http,
        pending: &Pending,
        key: &str,
        lang: crate::lang::Lang,
    ) -> Result<(), StoreError> {
        let routes = self.shared.club.store().notice_routes(key).await?;
        let answered_here = routes.iter().any(|route| {
            route.platform == Some(Platform::Discord)
                && route
                    .place
                    .as_deref()
                    .is_some_and(|place| pending.answered_by(place, route.private, route.edits))
        });
        if answered_here {
            return Ok(());
        }
        self.shared.forget_interaction(pending.id);
        let elsewhere = routes
            .iter()
            .filter(|route| route.private)
            .find_map(|route| {
                route
                    .platform
                    .filter(|platform| *platform != Platform::Discord)
            });
        let outcome = match elsewhere {
            Some(platform) => {
                let args = i18n::args([("platform", i18n::text(platform.as_str()))]);
                let note =
                    self.shared
                        .club
                        .texts()
                        .get(lang, "discord-answered-elsewhere", Some(&args));
                let edit = EditInteractionResponse::new().content(note);
                http.edit_original_interaction_response(&pending.token, &edit, Vec::new())
                    .await
                    .map(|_| ())
            }
            None => {
                http.delete_original_interaction_response(&pending.token)
                    .await
            }
        };
        if let Err(error) = outcome {
            tracing::debug!(error = %error_chain(&error), "closing an unanswered deferred response failed");
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
            actor: convert::actor(
                &component.user,
                nick,
                Some(&component.locale),
                is_moderator,
                component
                    .member
                    .as_ref()
                    .and_then(|member| member.joined_at),
            ),
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
            actor: convert::actor(
                &message.author,
                nick,
                None,
                is_moderator,
                message.member.as_ref().and_then(|member| member.joined_at),
            ),
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
                member.and_then(|member| member.joined_at),
            ),
            place,
            event_key: Some(convert::reaction_key(
                reaction.message_id.get(),
                user_id.get(),
                emoji,
                added,
            )),
            event: Event::Reaction {
                message: message.into(),
                emoji: emoji.to_owned(),
                added,
            },
        };
        self.handle(incoming).await.map(|_| ())
    }

    /// A member joined a server: the club learns when, and welcomes them in
    /// the server's system channel when that is a welcome place. Without a
    /// system channel the join is recorded in their private place, where
    /// nobody is welcomed.
    async fn on_join(&self, http: &Http, member: serenity::all::Member) -> Result<(), StoreError> {
        self.shared.seen(&member.user);
        let place = match self.system_channel(http, member.guild_id).await {
            Some(channel) => convert::place(Some(member.guild_id), channel, member.user.id),
            None => convert::private_place(member.user.id),
        };
        let incoming = Incoming {
            actor: convert::actor(
                &member.user,
                member.nick.as_deref(),
                None,
                convert::is_moderator(&member.roles, None, self.moderator_roles()),
                member.joined_at,
            ),
            place,
            event_key: Some(convert::join_key(
                member.guild_id.get(),
                member.user.id.get(),
                member.joined_at,
            )),
            event: Event::Joined,
        };
        self.handle(incoming).await.map(|_| ())
    }

    /// The server's system channel, read once per server. A failed read is
    /// not remembered: the next join asks again.
    async fn system_channel(&self, http: &Http, guild: GuildId) -> Option<ChannelId> {
        if let Some(known) = self.shared.known_system_channel(guild) {
            return known;
        }
        match http.get_guild(guild).await {
            Ok(server) => {
                self.shared
                    .remember_system_channel(guild, server.system_channel_id);
                server.system_channel_id
            }
            Err(error) => {
                tracing::warn!(error = %error_chain(&error), "reading a server failed; a newcomer is not welcomed");
                None
            }
        }
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
                let apology = Reply::error_in(&incoming.place, club.apology(lang), None);
                club.tell(&[apology]).await?;
                Ok(None)
            }
        }
    }
}
