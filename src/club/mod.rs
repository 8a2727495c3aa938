//! The platform-independent core of the fan club.
//!
//! Adapters turn platform events into an [`Incoming`] and hand it to
//! [`Club::handle`]; the club records what happened, applies the rules and
//! answers with [`Reply`]s for the adapter to deliver. The club never sees a
//! Discord or Telegram type, and adapters hold no rules and no SQL.
//!
//! Permission checks happen here, once: adapters only report what the
//! platform says about an account (`Actor::is_moderator`).

mod answers;
pub mod clock;
pub mod commands;
mod digest;
pub mod error;
pub mod grants;
mod handlers;
pub mod i18n;
mod linking;
pub mod model;
pub mod points;
mod privacy;
mod recognition;
pub mod reply;
pub mod roster;
mod shop;
mod voting;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use self::clock::Clock;
use self::commands::{Access, Command};
use self::error::{ClubError, Mistake};
use self::i18n::Texts;
use self::model::{
    Actor, Event, Incoming, Member, Mention, MessageId, MessageRef, Place, Platform,
};
use self::points::Reacted;
use self::reply::{Button, Reply};
use crate::config::{
    FaqSettings, Limits, PointsSettings, RecognitionSettings, Settings, ShopSettings,
};
use crate::lang::Lang;
use crate::shop::{Catalog, CatalogError};
use crate::store::claims::Decision;
use crate::store::messages::{MessageKey, Recorded, VotedMessage};
use crate::store::votes::VoteKind;
use crate::store::{
    EventCommit, EventCommitted, HandOver, HandedNotice, IdentitySeen, Joined, NewMessage,
    Sighting, Store, StoreError, StoredMessage, WrittenNotices,
};

pub use self::answers::{FaqDesk, FaqDeskError};

/// What the core needs to know from the settings.
#[derive(Debug, Clone)]
pub struct ClubConfig {
    pub name: String,
    pub default_language: Lang,
    /// The language of notices in the moderators' places (claims,
    /// reminders): `club.moderators_language`, else the club's.
    pub moderators_language: Lang,
    /// `platform:place` ids of support channels; empty means every group.
    pub support_channels: Vec<String>,
    pub faq: FaqSettings,
    pub points: PointsSettings,
    /// Activity categories for grants and their default points.
    pub grant_categories: std::collections::BTreeMap<String, i64>,
    pub recognition: RecognitionSettings,
    pub shop: ShopSettings,
    pub limits: Limits,
}

impl ClubConfig {
    pub fn from_settings(settings: &Settings) -> ClubConfig {
        ClubConfig {
            name: settings.club.name.clone(),
            default_language: settings.club.default_language,
            moderators_language: settings
                .club
                .moderators_language
                .unwrap_or(settings.club.default_language),
            support_channels: settings.club.support_channels.clone(),
            faq: settings.faq.clone(),
            points: settings.points.clone(),
            grant_categories: settings.grants.categories.clone(),
            recognition: settings.recognition.clone(),
            shop: settings.shop.clone(),
            limits: settings.limits.clone(),
        }
    }

    /// Whether new members are welcomed when they first speak in `place`:
    /// in the listed welcome places, or in every support channel when none
    /// is listed; never when `recognition.welcome_new_members` is off.
    pub fn welcomes_in(&self, place: &Place) -> bool {
        let recognition = &self.recognition;
        if !recognition.welcome_new_members || place.private {
            return false;
        }
        if recognition.welcome_channels.is_empty() {
            return self.is_support_channel(place);
        }
        listed(&recognition.welcome_channels, place)
    }

    /// Whether members' questions in `place` may be answered unprompted
    /// (and, later, their upvotes count there).
    pub fn is_support_channel(&self, place: &Place) -> bool {
        if place.private {
            return false;
        }
        self.support_channels.is_empty() || listed(&self.support_channels, place)
    }
}

/// The club: its store, texts, settings and clock.
#[derive(Debug, Clone)]
pub struct Club {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    texts: Texts,
    config: ClubConfig,
    clock: Arc<dyn Clock>,
    faq: FaqDesk,
    catalog: RwLock<Arc<Catalog>>,
    /// Counts up whenever this process wrote notices.
    written: tokio::sync::watch::Sender<u64>,
    /// This process's deliverers that take notices straight from events.
    hand_offs: std::sync::Mutex<HashMap<Platform, HandOff>>,
}

/// A deliverer that takes its platform's notices straight from the events
/// that wrote them ([`Club::hand_notices_to`]).
#[derive(Debug)]
struct HandOff {
    to: tokio::sync::mpsc::UnboundedSender<Vec<i64>>,
    lease: std::time::Duration,
}

/// Why the club could not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("loading the FAQ")]
    Faq(#[from] FaqDeskError),
    #[error("loading the shop catalog")]
    Catalog(#[from] CatalogError),
}

/// The outcome of handling one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// The id the event's message got in the store, if it was a message.
    pub message: Option<MessageId>,
    /// The notices the event left (already in the outbox).
    pub replies: Vec<Reply>,
}

impl Handled {
    fn nothing(message: Option<MessageId>) -> Handled {
        Handled {
            message,
            replies: Vec::new(),
        }
    }
}

/// What an event's handler gets from before its transaction.
enum Before {
    /// A message, recorded.
    Recorded(Recorded),
    /// A reaction, with the message it is on (boxed: the message is large).
    Reaction(Box<ReactedOn>),
    Nothing,
}

/// The message a reaction is on: its id, and what a vote on it needs
/// (`None` when the club has no such message).
pub(super) struct ReactedOn {
    pub id: MessageId,
    pub voted: Option<VotedMessage>,
}

/// The parts of a message event `on_message` needs.
struct PostedMessage<'a> {
    text: &'a str,
    reply_to: Option<MessageId>,
    external_id: Option<&'a str>,
}

/// Everything a handler needs to know about the event it serves.
pub(crate) struct Context<'a> {
    pub club: &'a Club,
    pub actor: &'a Actor,
    pub member: &'a Member,
    pub place: &'a Place,
    pub lang: Lang,
    pub message: MessageId,
    /// The message the event's message replies to, if any.
    pub reply_to: Option<MessageId>,
    /// The accounts the platform marked as mentioned in the message.
    pub mentions: &'a [Mention],
    /// Unique per platform event; handlers derive idempotency keys from it.
    pub event_key: String,
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    /// Records a moderator action of this event's member that moves no points.
    pub async fn audit(&self, action: &'static str, detail: String) -> Result<(), StoreError> {
        let note = crate::store::ledger::AuditNote {
            actor: self.member.id,
            action,
            detail,
        };
        self.club.store().audit(&note, None, self.now).await
    }
}

impl<'a> Context<'a> {
    /// The context of `incoming` about `message`, not replying to anything,
    /// keyed by the platform's event key (callers add what differs).
    fn new(
        club: &'a Club,
        incoming: &'a Incoming,
        member: &'a Member,
        lang: Lang,
        message: MessageId,
        now: DateTime<Utc>,
    ) -> Context<'a> {
        Context {
            club,
            actor: &incoming.actor,
            member,
            place: &incoming.place,
            lang,
            message,
            reply_to: None,
            mentions: match &incoming.event {
                Event::Message { mentions, .. } => mentions,
                _ => &[],
            },
            event_key: incoming.event_key.clone().unwrap_or_default(),
            now,
        }
    }
}

impl Club {
    /// Opens the club: loads the FAQ file and what the club learned.
    pub async fn open(
        store: Store,
        config: ClubConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Club, OpenError> {
        let embedder = crate::faq::semantic::configured(&config.faq.model, &config.faq.cache_dir);
        let catalog = Catalog::load(&config.shop.catalog)?;
        let faq = FaqDesk::open(
            config.faq.path.clone(),
            crate::faq::setting_values(&config.points, Some(&catalog)),
            config.faq.search_settings(),
            embedder,
            &store,
        )
        .await?;
        let inner = Inner {
            store,
            texts: Texts::load(),
            config,
            clock,
            faq,
            catalog: RwLock::new(Arc::new(catalog)),
            written: tokio::sync::watch::Sender::new(0),
            hand_offs: std::sync::Mutex::default(),
        };
        Ok(Club {
            inner: Arc::new(inner),
        })
    }

    /// The commands for a platform's command menu in `lang`: everyone's, plus
    /// the moderators' ones when `moderators`, with their summaries.
    pub fn command_menu(&self, lang: Lang, moderators: bool) -> Vec<(&'static str, String)> {
        commands::COMMANDS
            .iter()
            .filter(|spec| moderators || spec.access == Access::Everyone)
            .map(|spec| (spec.name, self.texts().plain(lang, &spec.summary_id())))
            .collect()
    }

    /// The store's id of a platform message, for replies and reactions that
    /// refer to it.
    pub async fn message_by_external(
        &self,
        platform: Platform,
        place: &str,
        external_id: &str,
    ) -> Result<Option<MessageId>, StoreError> {
        self.store()
            .message_by_external(platform, place, external_id)
            .await
    }

    /// The shop catalog in force.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.inner
            .catalog
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// An item's name in `lang`, or its sku once it left the catalog.
    pub fn item_name(&self, sku: &str, lang: Lang) -> String {
        self.catalog()
            .get(sku)
            .map_or_else(|| sku.to_owned(), |item| item.text(lang).name.clone())
    }

    /// The settings and prices the FAQ's placeholders show, as in force.
    pub fn setting_values(&self) -> std::collections::BTreeMap<String, String> {
        crate::faq::setting_values(&self.inner.config.points, Some(&self.catalog()))
    }

    /// Reads the catalog file again; a broken file keeps the old catalog.
    /// Claims already made stay valid whatever the new stock says.
    pub fn reload_catalog(&self) -> Result<usize, CatalogError> {
        let catalog = Catalog::load(&self.inner.config.shop.catalog)?;
        let items = catalog.items().len();
        *self
            .inner
            .catalog
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(catalog);
        tracing::info!(items, "catalog reloaded");
        Ok(items)
    }

    /// Expires pending claims whose time is up, with full refunds, and
    /// writes the notices for members and moderators to the outbox
    /// (returned too). Adapters call this periodically.
    pub async fn expire_claims(&self) -> Result<Vec<Reply>, StoreError> {
        let notices = self
            .store()
            .atomically(async {
                let notices = shop::expire(self).await?;
                self.write_notices(&notices).await?;
                Ok::<_, StoreError>(notices)
            })
            .await?;
        if !notices.is_empty() {
            self.poke_deliverers();
        }
        Ok(notices)
    }

    /// The FAQ and its search index.
    pub fn faq(&self) -> &FaqDesk {
        &self.inner.faq
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn texts(&self) -> &Texts {
        &self.inner.texts
    }

    pub fn config(&self) -> &ClubConfig {
        &self.inner.config
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// The calendar date of `at` in the club's time zone
    /// (`points.time_zone`), formatted for `lang`.
    pub fn format_time(&self, lang: Lang, at: DateTime<Utc>) -> String {
        handlers::format_date(lang, points::local_day(at, &self.inner.config.points))
    }

    /// The language to answer `actor` in: their platform locale when the club
    /// speaks it, else what we know of the member, else the default.
    pub fn language_for(&self, actor: &Actor, member: Option<&Member>) -> Lang {
        actor
            .locale
            .as_deref()
            .and_then(Lang::from_locale)
            .or(member.map(|member| member.language))
            .unwrap_or(self.inner.config.default_language)
    }

    /// Handles one platform event. Member mistakes become replies; only a
    /// failing store is an error, which the adapter reports as an apology
    /// (see [`Club::apology`]).
    ///
    /// The replies are notices: they are written to the outbox in the
    /// transaction that marks the event handled, and each platform's
    /// deliverer sends them from there. They are also returned, for callers
    /// that look at what was said (tests, the console's echo).
    #[tracing::instrument(skip_all, fields(platform = %incoming.actor.platform))]
    pub async fn handle(&self, incoming: Incoming) -> Result<Handled, StoreError> {
        let started = std::time::Instant::now();
        let lang_hint = self.language_for(&incoming.actor, None);
        if let Event::Message { text, .. } = &incoming.event
            && let Err(mistake) = self.check_text(text)
        {
            let reply = Reply::in_place(
                &incoming.place,
                mistake.render(self.texts(), lang_hint),
                None,
            );
            self.tell(std::slice::from_ref(&reply)).await?;
            return Ok(Handled {
                message: None,
                replies: vec![reply],
            });
        }
        let now = self.now();
        // Boxed, as the transaction's work below: in debug builds the
        // store's futures are large, and every platform's event future
        // would carry them on the stack.
        let Some((sighting, before)) = Box::pin(self.sight_and_record(&incoming, now)).await?
        else {
            tracing::debug!("a reaction on a message the club never saw");
            return Ok(Handled::nothing(None));
        };
        let lang = self.language_for(&incoming.actor, Some(&sighting.member));
        let hand_over = self.hand_over();
        // The handler's state change, the handled mark and the notices
        // commit together or not at all.
        let (handled, written) = answers::rebuilding_after(
            self,
            self.store().atomically(Box::pin(
                self.handle_recorded(&incoming, &sighting, lang, before, &hand_over, now),
            )),
        )
        .await?;
        // Notices handed over go to their deliverer at once; the others
        // wait in the outbox for a look.
        if written.waiting > 0 {
            self.poke_deliverers();
        }
        self.hand_off(written.handed).await;
        crate::ops::metrics::event_handled(&incoming, started);
        Ok(handled)
    }

    /// Who acted, and what the event brings before its transaction: a
    /// message's record, a reaction's message. A message's sighting and
    /// record are written in one unit of their own (one turn of the group
    /// commit where both write, as for a member seen for the first time),
    /// which ends before what the message says is worked on: a FAQ search
    /// holds no lock. The record is idempotent (by the message's platform
    /// id). `None` for a reaction on a message the club never saw.
    async fn sight_and_record(
        &self,
        incoming: &Incoming,
        now: DateTime<Utc>,
    ) -> Result<Option<(Sighting, Before)>, StoreError> {
        let Event::Message {
            text,
            reply_to,
            external_id,
            ..
        } = &incoming.event
        else {
            let Some((sighting, reacted_on)) = self.sight(incoming, now).await? else {
                return Ok(None);
            };
            let before = match (&incoming.event, reacted_on) {
                (Event::Reaction { .. }, Some(reacted_on)) => {
                    Before::Reaction(Box::new(reacted_on))
                }
                _ => Before::Nothing,
            };
            return Ok(Some((sighting, before)));
        };
        let posted = PostedMessage {
            text,
            reply_to: *reply_to,
            external_id: external_id.as_deref(),
        };
        self.store()
            .atomically(async {
                let Some((sighting, _)) = self.sight(incoming, now).await? else {
                    return Ok(None);
                };
                let recorded = self
                    .record_posted(incoming, &sighting.member, &posted, now)
                    .await?;
                Ok(Some((sighting, Before::Recorded(recorded))))
            })
            .await
    }

    /// Who acted, and for a reaction the message it is on, read together.
    /// `None` for a reaction on a platform message the club never saw:
    /// it is nobody's vote, and nothing is written for it.
    async fn sight(
        &self,
        incoming: &Incoming,
        now: DateTime<Utc>,
    ) -> Result<Option<(Sighting, Option<ReactedOn>)>, StoreError> {
        let seen = self.identity_seen(&incoming.actor, now);
        let Event::Reaction { message, .. } = &incoming.event else {
            return Ok(Some((self.store().sighting(&seen, now).await?, None)));
        };
        let key = match message {
            MessageRef::Stored(id) => MessageKey::Id(*id),
            MessageRef::Platform(external_id) => MessageKey::External {
                platform: incoming.place.platform,
                place: &incoming.place.id,
                external_id,
            },
        };
        let (last_seen, voted) = self.store().reaction_reads(&seen, &key).await?;
        let id = match (message, &voted) {
            (_, Some(voted)) => voted.message.id,
            (MessageRef::Stored(id), None) => *id,
            (MessageRef::Platform(_), None) => return Ok(None),
        };
        let sighting = self.store().sighting_after(last_seen, &seen, now).await?;
        Ok(Some((sighting, Some(ReactedOn { id, voted }))))
    }

    /// [`Club::handle`] after the sighting and what was read or recorded
    /// before, inside the event's transaction.
    async fn handle_recorded(
        &self,
        incoming: &Incoming,
        sighting: &Sighting,
        lang: Lang,
        before: Before,
        hand_over: &[HandOver],
        now: DateTime<Utc>,
    ) -> Result<(Handled, WrittenNotices), StoreError> {
        let Sighting { member, first } = sighting;
        let first = *first;
        let (handled, key) = match (&incoming.event, before) {
            (Event::Message { text, reply_to, .. }, Before::Recorded(recorded)) => {
                let (mut handled, key) = self
                    .on_message(incoming, member, lang, text, *reply_to, recorded, now)
                    .await?;
                let new = matches!(recorded, Recorded::New(_));
                // `/start` welcomes in its own words: one welcome is enough.
                let starts = commands::is_command(text)
                    && commands::spec_of(text).is_some_and(|spec| spec.name == "start");
                if first && new && !starts && self.inner.config.welcomes_in(&incoming.place) {
                    handled
                        .replies
                        .insert(0, self.welcome(&incoming.place, member, lang));
                }
                (handled, key)
            }
            (Event::Message { .. }, _) => {
                return Err(StoreError::Inconsistent(
                    "a message was handled without its record".into(),
                ));
            }
            (Event::Reaction { emoji, added, .. }, Before::Reaction(reacted_on)) => {
                // A vote or a withdrawal is checked for a replay where it
                // is written (the vote writer); a reaction that writes
                // neither is checked here, before its event is committed.
                let reacted = self
                    .on_reaction(incoming, member, lang, *reacted_on, emoji, *added, now)
                    .await?;
                let replayed = match &incoming.event_key {
                    Some(key) if !matches!(reacted, Reacted::Committed(_)) => {
                        self.store().was_handled(key).await?
                    }
                    _ => false,
                };
                let replies = match reacted {
                    // The vote writer committed the event with its vote.
                    Reacted::Committed(replies) => {
                        let written = WrittenNotices::waiting(replies.len());
                        return Ok((
                            Handled {
                                message: None,
                                replies,
                            },
                            written,
                        ));
                    }
                    _ if replayed => {
                        tracing::debug!("reaction delivered twice; handled the first time");
                        return Ok((Handled::nothing(None), WrittenNotices::default()));
                    }
                    Reacted::Uncounted => Vec::new(),
                    Reacted::Refused(reply) => vec![*reply],
                };
                let handled = Handled {
                    message: None,
                    replies,
                };
                (handled, incoming.event_key.clone())
            }
            (Event::Reaction { .. }, _) => {
                return Err(StoreError::Inconsistent(
                    "a reaction was handled without its message".into(),
                ));
            }
            (Event::Joined, _) => {
                // The sighting above learned the join date. A newcomer is
                // welcomed where they joined, once: when they first speak
                // they are no longer seen for the first time.
                if let Some(key) = &incoming.event_key
                    && self.store().was_handled(key).await?
                {
                    return Ok((Handled::nothing(None), WrittenNotices::default()));
                }
                let mut replies = Vec::new();
                if first && !member.is_bot && self.inner.config.welcomes_in(&incoming.place) {
                    replies.push(self.welcome(&incoming.place, member, lang));
                }
                let handled = Handled {
                    message: None,
                    replies,
                };
                (handled, incoming.event_key.clone())
            }
            (Event::Button { message, action }, _) => {
                if let Some(key) = &incoming.event_key
                    && self.store().was_handled(key).await?
                {
                    tracing::debug!("button press delivered twice; handled the first time");
                    return Ok((Handled::nothing(None), WrittenNotices::default()));
                }
                let replies = self
                    .on_button(incoming, member, lang, *message, action, now)
                    .await?;
                let handled = Handled {
                    message: None,
                    replies,
                };
                (handled, incoming.event_key.clone())
            }
        };
        let origin =
            (!incoming.place.private).then_some((incoming.place.id.as_str(), handled.message));
        let commit = EventCommit {
            event_key: key.as_deref(),
            actor: Some((member.id, incoming.actor.platform)),
            origin,
            notices: &handled.replies,
            hand_over,
        };
        match self.store().commit_event(&commit, Utc::now()).await? {
            EventCommitted::Written(written) => Ok((handled, written)),
            EventCommitted::HandledBefore => {
                tracing::debug!("event handled meanwhile; its notices were written then");
                Ok((Handled::nothing(handled.message), WrittenNotices::default()))
            }
        }
    }

    /// Writes notices that no platform event owns (a timer's, an error
    /// shown before anything was recorded) to the outbox.
    pub async fn tell(&self, notices: &[Reply]) -> Result<(), StoreError> {
        if notices.is_empty() {
            return Ok(());
        }
        self.write_notices(notices).await?;
        self.poke_deliverers();
        Ok(())
    }

    /// Writes notices no event owns, without waking the deliverers (the
    /// caller does, once its transaction committed).
    async fn write_notices(&self, notices: &[Reply]) -> Result<(), StoreError> {
        if notices.is_empty() {
            return Ok(());
        }
        let commit = EventCommit {
            event_key: None,
            actor: None,
            origin: None,
            notices,
            hand_over: &[],
        };
        self.store().commit_event(&commit, Utc::now()).await?;
        Ok(())
    }

    /// Tells this process's deliverers that notices were written.
    fn poke_deliverers(&self) {
        self.inner.written.send_modify(|count| *count += 1);
    }

    /// Registers this process's deliverer of `platform` for the notices
    /// events hand straight to it (see [`HandOver`]): written leased for
    /// `lease`, they arrive on the returned channel as outbox ids. Dropping
    /// the receiver ends it; notices then wait in the outbox again.
    pub fn hand_notices_to(
        &self,
        platform: Platform,
        lease: std::time::Duration,
    ) -> tokio::sync::mpsc::UnboundedReceiver<Vec<i64>> {
        let (to, from) = tokio::sync::mpsc::unbounded_channel();
        self.hand_offs().insert(platform, HandOff { to, lease });
        from
    }

    /// The platforms whose deliverer takes notices straight from events,
    /// with the leases they get if written now.
    fn hand_over(&self) -> Vec<HandOver> {
        let now = Utc::now();
        self.hand_offs()
            .iter()
            .filter(|(_, hand_off)| !hand_off.to.is_closed())
            .map(|(platform, hand_off)| HandOver {
                platform: *platform,
                until: now + chrono::Duration::from_std(hand_off.lease).unwrap_or_default(),
            })
            .collect()
    }

    /// Gives committed notices leased to this process's deliverers to
    /// them; those whose deliverer has gone meanwhile are released to the
    /// outbox.
    async fn hand_off(&self, handed: Vec<HandedNotice>) {
        if handed.is_empty() {
            return;
        }
        let mut per_platform: HashMap<Platform, Vec<i64>> = HashMap::new();
        for notice in handed {
            per_platform
                .entry(notice.platform)
                .or_default()
                .push(notice.id);
        }
        let mut orphans = Vec::new();
        {
            let hand_offs = self.hand_offs();
            for (platform, ids) in per_platform {
                // The channel gives back what it could not take.
                let sent = match hand_offs.get(&platform) {
                    Some(hand_off) => hand_off.to.send(ids).map_err(|unsent| unsent.0),
                    None => Err(ids),
                };
                if let Err(ids) = sent {
                    orphans.extend(ids);
                }
            }
        }
        if orphans.is_empty() {
            return;
        }
        match self.store().release_notices(&orphans).await {
            Ok(()) => self.poke_deliverers(),
            Err(error) => tracing::error!(
                error = %error_chain(&error),
                "notices whose deliverer stopped stay leased until it starts again"
            ),
        }
    }

    fn hand_offs(&self) -> std::sync::MutexGuard<'_, HashMap<Platform, HandOff>> {
        // A panic while the map was held leaves it whole: take it anyway.
        self.inner
            .hand_offs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Changes whenever this process wrote notices: deliverers wait on it
    /// instead of polling fast (other processes' notices are found by
    /// polling).
    pub fn notices_written(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.written.subscribe()
    }

    /// The public welcome for a member's first message in a welcome channel.
    fn welcome(&self, place: &Place, member: &Member, lang: Lang) -> Reply {
        let text = self.texts().get(
            lang,
            "welcome-new-member",
            Some(&i18n::args([
                ("club", i18n::text(&self.inner.config.name)),
                ("name", i18n::text(&member.display_name)),
            ])),
        );
        Reply::in_place(place, text, None)
    }

    /// Records that bot message `id` now reads `reply`'s text and buttons
    /// (the platform message was edited).
    pub async fn record_edit(&self, id: MessageId, reply: &Reply) -> Result<(), StoreError> {
        self.store()
            .edit_bot_message(id, &reply.text, &reply.buttons)
            .await
    }

    /// Records a message the bot sent, returning its id.
    pub async fn record_sent(
        &self,
        platform: Platform,
        place: &Place,
        external_id: Option<&str>,
        reply: &Reply,
    ) -> Result<MessageId, StoreError> {
        let message = NewMessage {
            platform,
            place: &place.id,
            external_id,
            author: None,
            private: place.private,
            reply_to: reply.reply_to,
            body: &reply.text,
            buttons: &reply.buttons,
        };
        Ok(self
            .store()
            .record_message(&message, self.now())
            .await?
            .id())
    }

    /// Finds the action of the button labelled `label` on bot message
    /// `message`, or of the one button whose label starts with `label`.
    pub async fn button_action(
        &self,
        message: MessageId,
        label: &str,
    ) -> Result<String, ClubError> {
        let stored = self
            .store()
            .message(message)
            .await?
            .ok_or(Mistake::UnknownMessage(message))?;
        pick_button(&stored.buttons, label).ok_or_else(|| {
            Mistake::NoSuchButton {
                message,
                label: label.to_owned(),
            }
            .into()
        })
    }

    /// The short apology shown when something failed on our side.
    pub fn apology(&self, lang: Lang) -> String {
        self.texts().plain(lang, "error-internal")
    }

    /// Turns a handler's error into what the member is told. Internal
    /// failures are logged here with their whole cause chain.
    pub fn explain(&self, error: &ClubError, lang: Lang) -> String {
        match error {
            ClubError::Mistake(mistake) => {
                let mut text = mistake.render(self.texts(), lang);
                if let Mistake::Parse(parse) = mistake
                    && let Some(spec) = parse.command().and_then(commands::spec)
                {
                    text.push('\n');
                    text.push_str(&handlers::usage_line(self.texts(), lang, spec));
                }
                text
            }
            ClubError::Store(store) => {
                tracing::error!(error = %error_chain(store), "handling an event failed");
                self.apology(lang)
            }
        }
    }

    fn check_text(&self, text: &str) -> Result<(), Mistake> {
        let max = self.inner.config.limits.max_message_chars;
        let length = text.chars().count();
        if length > max {
            return Err(Mistake::TooLong { length, max });
        }
        if commands::is_command(text) && text.chars().any(is_odd_character) {
            return Err(Mistake::OddCharacters);
        }
        Ok(())
    }

    /// The account as the platform shows it now, for the store's sighting.
    fn identity_seen<'a>(&self, actor: &'a Actor, now: DateTime<Utc>) -> IdentitySeen<'a> {
        IdentitySeen {
            platform: actor.platform,
            external_id: &actor.external_id,
            username: actor.username.as_deref(),
            display_name: &actor.display_name,
            language: actor.locale.as_deref().and_then(Lang::from_locale),
            default_language: self.inner.config.default_language,
            today: points::local_day(now, &self.inner.config.points),
            is_bot: actor.is_bot,
            joined: actor.joined_at.map(|at| Joined {
                at,
                day: points::local_day(at, &self.inner.config.points),
            }),
        }
    }

    /// Records a member's message (once per platform message).
    async fn record_posted(
        &self,
        incoming: &Incoming,
        member: &Member,
        posted: &PostedMessage<'_>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let place = &incoming.place;
        self.store()
            .record_message(
                &NewMessage {
                    platform: place.platform,
                    place: &place.id,
                    external_id: posted.external_id,
                    author: Some(member.id),
                    private: place.private,
                    reply_to: posted.reply_to,
                    body: posted.text,
                    buttons: &[],
                },
                now,
            )
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn on_message(
        &self,
        incoming: &Incoming,
        member: &Member,
        lang: Lang,
        text: &str,
        reply_to: Option<MessageId>,
        recorded: Recorded,
        now: DateTime<Utc>,
    ) -> Result<(Handled, Option<String>), StoreError> {
        let place = &incoming.place;
        let message = recorded.id();
        let key = incoming
            .event_key
            .clone()
            .unwrap_or_else(|| format!("{}:message:{}", place.platform, message.0));
        let new = matches!(recorded, Recorded::New(_));
        if !new && self.store().was_handled(&key).await? {
            tracing::debug!("message delivered twice; handled the first time");
            return Ok((Handled::nothing(Some(message)), None));
        }
        // Seen but not handled: the process stopped between recording the
        // message and committing the event's transaction, which took the
        // handler's writes with it. Handling it again writes them once.
        let mut context = Context::new(self, incoming, member, lang, message, now);
        context.reply_to = reply_to;
        context.event_key = key.clone();
        let outcome = if commands::is_command(text) {
            self.run_command(&context, text).await
        } else {
            self.on_chat(&context, text).await
        };
        let replies = match outcome {
            Ok(replies) => replies,
            Err(error) => vec![Reply::error_in(
                place,
                self.explain(&error, lang),
                Some(message),
            )],
        };
        let handled = Handled {
            message: Some(message),
            replies,
        };
        Ok((handled, Some(key)))
    }

    async fn run_command(
        &self,
        context: &Context<'_>,
        text: &str,
    ) -> Result<Vec<Reply>, ClubError> {
        if let Some(spec) = commands::spec_of(text)
            && spec.access == Access::Moderator
            && !context.actor.is_moderator
        {
            return Err(Mistake::NotAllowed { command: spec.name }.into());
        }
        let naming = commands::Naming {
            mentions: context.mentions,
            replying: context.reply_to.is_some(),
        };
        let command = commands::parse_in(text, &naming)?;
        let private = (command.spec().private && !context.place.private)
            || privacy::keep_out_of_place(context, command.spec().name).await?;
        let text = match command {
            Command::Faq { question } => return answers::ask(context, &question).await,
            Command::FaqLink { entry } => answers::link(context, &entry).await?,
            Command::FaqLearned { entry } => answers::learned(context, entry.as_deref()).await?,
            Command::FaqForget { number } => answers::forget(context, number).await?,
            Command::FaqUnanswered => answers::unanswered(context).await?,
            Command::FaqReload => answers::reload(context).await?,
            Command::FaqNotCovered { question } => {
                answers::not_covered(context, question.as_deref()).await?
            }
            Command::FaqEntries { tag } => answers::entries(context, tag.as_deref()),
            Command::Start => handlers::welcome(context),
            Command::Help { command } => handlers::help(context, command.as_deref()),
            Command::Balance { member } => handlers::balance(context, member).await?,
            Command::History { count } => handlers::history(context, count).await?,
            Command::Grant {
                member,
                amount,
                reason,
            } => grants::grant(context, member, amount, reason).await?,
            Command::Upvote => return voting::command(context, VoteKind::Upvote).await,
            Command::Solved => return voting::command(context, VoteKind::Solution).await,
            Command::Leaderboard { period } => {
                recognition::leaderboard(context, period.as_deref()).await?
            }
            Command::Profile { member } => recognition::profile(context, member).await?,
            Command::Why { member } => voting::why(context, &member).await?,
            Command::Whois { member } => handlers::whois(context, &member).await?,
            Command::Suspicious => voting::suspicious(context).await?,
            Command::RevokeVotes { member, since } => {
                return voting::revoke(context, &member, since.as_deref()).await;
            }
            Command::Shop => shop::shop(context).await?,
            Command::Redeem { sku, option } => {
                return shop::redeem(context, &sku, option.as_deref()).await;
            }
            Command::Claims => shop::claims(context).await?,
            Command::Cancel { claim } => return shop::cancel(context, claim).await,
            Command::Notify { switch } => digest::notify(context, &switch).await?,
            Command::Link { code } => return linking::link(context, code.as_deref()).await,
            Command::Unlink { platform } => linking::unlink(context, &platform).await?,
            Command::Pending => shop::pending(context).await?,
            Command::Approve { claim, note } => {
                return shop::decide(context, claim, Decision::Approve { note }).await;
            }
            Command::Reject { claim, reason } => {
                return shop::decide(context, claim, Decision::Reject { reason }).await;
            }
            Command::Fulfil { claim, tracking } => {
                return shop::fulfil(context, claim, tracking.as_deref()).await;
            }
            Command::ShopReload => shop::reload(context).await?,
            Command::Privacy => privacy::privacy(context),
            Command::MyData => return privacy::mydata(context).await,
            Command::ForgetMe { confirm } => {
                return privacy::forget_me(context, confirm.as_deref()).await;
            }
            Command::LeaderboardHide { switch } => {
                privacy::leaderboard_hide(context, &switch).await?
            }
            Command::Address { address } => {
                return shop::address(context, address.as_deref()).await;
            }
        };
        if private {
            return Ok(vec![Reply::to_member(context.member.id, text)]);
        }
        Ok(vec![Reply::in_place(
            context.place,
            text,
            Some(context.message),
        )])
    }

    /// A message that is not a command: in a private chat the member is
    /// talking to the bot, so it is a FAQ question; in a support channel the
    /// bot answers only when it is sure.
    async fn on_chat(&self, context: &Context<'_>, text: &str) -> Result<Vec<Reply>, ClubError> {
        if context.place.private {
            // The answer to the bot's question for a shipping address.
            if let Some(replies) = shop::address_answer(context, text).await? {
                return Ok(replies);
            }
            return answers::ask(context, text).await;
        }
        // The search first: it is slow, and the thanks' vote would start the
        // event's write transaction and hold it across the search.
        let answer = if self.inner.config.faq.unprompted
            && self.inner.config.is_support_channel(context.place)
        {
            answers::unprompted(context, text).await?
        } else {
            Vec::new()
        };
        let mut replies = voting::thanks(context, text).await?;
        replies.extend(answer);
        Ok(replies)
    }

    /// A button pressed on a bot message. The action must be one of that
    /// message's buttons: callback data from a modified client is not trusted.
    async fn on_button(
        &self,
        incoming: &Incoming,
        member: &Member,
        lang: Lang,
        message: MessageId,
        action: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Reply>, StoreError> {
        let place = &incoming.place;
        let Some(pressed) = self.store().message(message).await? else {
            let text = Mistake::UnknownMessage(message).render(self.texts(), lang);
            return Ok(vec![Reply::error_in(place, text, None)]);
        };
        let mut context = Context::new(self, incoming, member, lang, message, now);
        context.reply_to = pressed.reply_to;
        if incoming.event_key.is_none() {
            context.event_key = format!(
                "{}:button:{}:{}:{action}",
                place.platform, message.0, member.id.0
            );
        }
        match self.press(&context, &pressed, action).await {
            Ok(replies) => Ok(replies),
            Err(error) => Ok(vec![Reply::error_in(
                place,
                self.explain(&error, lang),
                Some(message),
            )]),
        }
    }

    async fn press(
        &self,
        context: &Context<'_>,
        pressed: &StoredMessage,
        action: &str,
    ) -> Result<Vec<Reply>, ClubError> {
        if !pressed.buttons.iter().any(|button| button.action == action) {
            return Err(Mistake::ForeignButton.into());
        }
        if action.starts_with("claim:") {
            return shop::press(context, action).await;
        }
        if privacy::is_privacy_action(action) {
            return privacy::press(context, action).await;
        }
        if action.starts_with("shop:") {
            return shop::press_choice(context, action).await;
        }
        answers::press(context, pressed, action).await
    }

    /// A reaction: an upvote or solution when its emoji is one of the
    /// configured ones, added or withdrawn.
    #[allow(clippy::too_many_arguments)]
    async fn on_reaction(
        &self,
        incoming: &Incoming,
        member: &Member,
        lang: Lang,
        reacted_on: ReactedOn,
        emoji: &str,
        added: bool,
        now: DateTime<Utc>,
    ) -> Result<Reacted, StoreError> {
        let context = Context::new(self, incoming, member, lang, reacted_on.id, now);
        let key = incoming.event_key.as_deref();
        match voting::reaction(&context, reacted_on, emoji, added, key).await {
            Ok(reacted) => Ok(reacted),
            Err(ClubError::Store(error)) => Err(error),
            // A reaction is quiet: its refusal is for the member alone.
            Err(error) => Ok(Reacted::Refused(Box::new(Reply::error_to_member(
                member.id,
                self.explain(&error, lang),
            )))),
        }
    }
}

/// Whether `place` is among `platform:place-id` entries. An entry for a
/// chat also covers its sub-places (`-100123` covers the forum topic
/// `-100123/7`).
fn listed(entries: &[String], place: &Place) -> bool {
    entries.iter().any(|entry| {
        let Some((platform, id)) = entry.split_once(':') else {
            return false;
        };
        platform == place.platform.as_str()
            && (place.id == id
                || place
                    .id
                    .strip_prefix(id)
                    .is_some_and(|rest| rest.starts_with('/')))
    })
}

/// The button whose label is `typed`, or else the one button whose label
/// starts with it (ignoring case), so `[1]` picks "1. Wie löse ich …".
fn pick_button(buttons: &[Button], typed: &str) -> Option<String> {
    if let Some(exact) = buttons.iter().find(|button| button.label == typed) {
        return Some(exact.action.clone());
    }
    let typed = typed.to_lowercase();
    let mut matching = buttons
        .iter()
        .filter(|button| !typed.is_empty() && button.label.to_lowercase().starts_with(&typed));
    match (matching.next(), matching.next()) {
        (Some(only), None) => Some(only.action.clone()),
        _ => None,
    }
}

/// Control characters (but newline and tab) and bidirectional overrides,
/// which can disguise what a command says.
fn is_odd_character(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// An error and its causes on one line, for logs.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
