//! The outbox: notices waiting for their platform's deliverer.
//!
//! Why a table and not a channel: a notice must outlive the process that
//! decided it. [`Store::commit_event`] writes an event's handled mark and its
//! notices in one `BEGIN IMMEDIATE` transaction, so after a crash either
//! both are there (the deliverer sends the notices after the restart) or
//! neither (the platform delivers the event again and it is handled then).
//!
//! Addressing happens here, in the same transaction: a member's notice goes
//! to the platform they chose or used last, among the platforms that deliver
//! (`delivery_platforms`, which every adapter registers itself in at start);
//! a notice for the moderators is written once per platform with a
//! moderators' place; a member nothing can reach keeps the notice (platform
//! NULL) until they next use the bot, when it is routed to that platform.
//!
//! Deliverers take due rows of their platform with a guarded update (there
//! is no `SKIP LOCKED` in SQLite; the lease is `next_attempt_at`), and a
//! chat's notices go out in order: a row is due only when no earlier row of
//! its chat is still waiting. A deliverer of this process can also be
//! handed an event's notices as it writes them ([`HandOver`]): a notice
//! first in its chat is then written leased, and the deliverer reads it by
//! id instead of taking it with a turn of its own.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqliteConnection};

use super::{Context, Query, Store, StoreError};
use crate::club::model::{MemberId, MessageId, Platform};
use crate::club::reply::{Attachment, Audience, Button, Kind, Reply};
use crate::lang::Lang;

/// The texts of a notice as stored: the handler's text and its translations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredTexts {
    text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    translations: Vec<(Lang, String)>,
}

/// What an event leaves behind, written in one transaction.
#[derive(Debug, Clone)]
pub struct EventCommit<'a> {
    /// The event's idempotency key; `None` for notices no event owns (an
    /// error shown before anything was recorded, a timer's notices).
    pub event_key: Option<&'a str>,
    /// The member who acted and the platform they used, remembered as
    /// where their private notices go.
    pub actor: Option<(MemberId, Platform)>,
    /// Where the event happened and the member's message there.
    pub origin: Option<(&'a str, Option<MessageId>)>,
    pub notices: &'a [Reply],
    /// Platforms whose deliverer in this process takes notices straight
    /// from the event (see [`HandOver`]); empty: all wait in the outbox.
    pub hand_over: &'a [HandOver],
}

/// A platform whose deliverer runs in this process and takes an event's
/// notices straight from it: the notices are leased to it in the event's
/// transaction, so the deliverer sends them without a turn of the group
/// commit of its own (a reply's last wait). Only a notice that is first
/// in its chat is handed over (its chat's order stays the outbox's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandOver {
    pub platform: Platform,
    /// The lease the notices get, as `lease_notices` would give them.
    pub until: DateTime<Utc>,
}

/// What [`Store::commit_event`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventCommitted {
    /// The event was marked handled and its notices written.
    Written(WrittenNotices),
    /// The event was handled before: nothing was written again.
    HandledBefore,
}

/// The outbox rows an event's notices became: those handed over to a
/// deliverer of this process (see [`HandOver`]), and how many wait for a
/// deliverer to look at the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WrittenNotices {
    pub handed: Vec<HandedNotice>,
    pub waiting: usize,
}

impl WrittenNotices {
    /// `rows` rows that wait in the outbox, none handed over.
    pub fn waiting(rows: usize) -> WrittenNotices {
        WrittenNotices {
            handed: Vec::new(),
            waiting: rows,
        }
    }

    fn extend(&mut self, more: WrittenNotices) {
        self.handed.extend(more.handed);
        self.waiting += more.waiting;
    }
}

/// A notice leased in the transaction that wrote it, for its platform's
/// deliverer in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandedNotice {
    pub platform: Platform,
    pub id: i64,
}

/// A notice due for delivery, with what the deliverer needs to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueNotice {
    pub id: i64,
    pub platform: Platform,
    /// The chat: a place id, or the member's account id for a private notice.
    pub place: String,
    pub private: bool,
    pub member: Option<MemberId>,
    /// The addressee's language, when it is a member.
    pub lang: Option<Lang>,
    pub text: String,
    pub buttons: Vec<Button>,
    pub reply_to: Option<MessageId>,
    /// The bot message to edit instead of sending.
    pub replaces: Option<MessageId>,
    /// The replaced notice was given up: send this one as a new message.
    pub replaced_lost: bool,
    pub origin_place: Option<String>,
    pub origin_message: Option<MessageId>,
    /// The key of the platform event whose handling wrote this notice, if
    /// one did: a platform that answers an event through the event itself
    /// (a Discord interaction) recognises its answers by it.
    pub event_key: Option<String>,
    /// An answer, or an error for the acting member alone.
    pub kind: Kind,
    /// A file sent with the text (a member's data export).
    pub attachment: Option<Attachment>,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// Where one notice goes, as [`Store::notice_routes`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRoute {
    /// `None` while nothing can reach its member (held).
    pub platform: Option<Platform>,
    pub place: Option<String>,
    pub private: bool,
    /// It edits an earlier bot message instead of saying something new.
    pub edits: bool,
}

/// How many notices are waiting or were given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoticeCounts {
    /// Not delivered yet and not given up (held ones included).
    pub undelivered: i64,
    /// Waiting for a member nothing can reach yet.
    pub held: i64,
    /// Given up after the last attempt.
    pub failed: i64,
}

/// What was sent for a notice, recorded as a bot message.
#[derive(Debug, Clone)]
pub struct SentNotice<'a> {
    /// The platform's id of the message; `None` where the platform has none.
    pub external_id: Option<&'a str>,
    /// The text as sent, in the addressee's language.
    pub body: &'a str,
}

/// Marks an event handled; a row `newly_handled` when it was not before.
/// Numbered parameters shared with [`used_platform_sql`]: `?1` the event's
/// key, `?2` now.
macro_rules! handled_sql {
    () => {
        "INSERT INTO handled_events (event_key, created_at) VALUES (?1, ?2) \
         ON CONFLICT DO NOTHING RETURNING 1 AS newly_handled"
    };
}

/// Remembers the platform a member last used (`?3` the member, `?4` the
/// platform, `?2` now), and sends the private notices kept for want of a
/// platform there. Failed ones (`last_error`) only when the member acted in
/// private (`?5`), where the platform lets the bot write to them.
macro_rules! used_platform_sql {
    () => {
        concat!(
            "INSERT INTO member_delivery (member_id, last_platform, updated_at) VALUES (?3, ?4, ?2) ",
            last_platform_upsert!(),
            "; ",
            kept_notices_sql!()
        )
    };
}

/// What makes an insert into `member_delivery` remember a member's last
/// platform.
macro_rules! last_platform_upsert {
    () => {
        "ON CONFLICT (member_id) DO UPDATE SET last_platform = excluded.last_platform, \
         updated_at = excluded.updated_at WHERE last_platform IS NOT excluded.last_platform"
    };
}

/// The second half of [`used_platform_sql`]: the kept notices sent there.
macro_rules! kept_notices_sql {
    () => {
        "UPDATE outbox SET platform = ?4, next_attempt_at = ?2, \
           place = (SELECT external_id FROM identities WHERE member_id = ?3 AND platform = ?4 \
                    ORDER BY created_at LIMIT 1) \
         WHERE member_id = ?3 AND addressee = 'member' AND platform IS NULL \
           AND delivered_at IS NULL AND failed_at IS NULL AND (?5 OR last_error IS NULL) \
           AND EXISTS (SELECT 1 FROM identities WHERE member_id = ?3 AND platform = ?4) \
           AND EXISTS (SELECT 1 FROM delivery_platforms WHERE platform = ?4)"
    };
}

/// What a deliverer reads of a notice (`o`), for [`due_from_row`].
macro_rules! due_notice_select {
    () => {
        "SELECT o.id, o.platform, o.place, o.private, o.member_id, m.language, o.texts, o.buttons, \
                o.reply_to, COALESCE(o.replaces, r.message_id) AS replaces, \
                (o.replaces_notice IS NOT NULL AND r.message_id IS NULL) AS replaced_lost, \
                o.origin_place, o.origin_message, o.attempts, o.event_key, o.kind, o.attachment \
         FROM outbox o \
         LEFT JOIN members m ON m.id = o.member_id \
         LEFT JOIN outbox r ON r.id = o.replaces_notice"
    };
}

impl Store {
    /// Registers `platform` as delivering notices, with the place where its
    /// moderators read (none: moderators' notices skip this platform).
    #[tracing::instrument(skip_all, fields(%platform))]
    pub async fn register_platform(
        &self,
        platform: Platform,
        moderators_place: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.atomically(async {
            sqlx::query(
                "INSERT INTO delivery_platforms (platform, moderators_place, registered_at) VALUES (?, ?, ?) \
                 ON CONFLICT (platform) DO UPDATE SET moderators_place = excluded.moderators_place, \
                 registered_at = excluded.registered_at",
            )
            .bind(platform.as_str())
            .bind(moderators_place)
            .bind(now)
            .execute(&mut *self.writer().await?)
            .await
            .context("registering a delivering platform")?;
            // Notices for the moderators written while no platform had a
            // moderators' place were kept: this one takes them.
            if let Some(place) = moderators_place {
                sqlx::query(
                    "UPDATE outbox SET platform = ?, place = ?, next_attempt_at = ? \
                     WHERE addressee = 'moderators' AND platform IS NULL \
                     AND delivered_at IS NULL AND failed_at IS NULL",
                )
                .bind(platform.as_str())
                .bind(place)
                .bind(Utc::now())
                .execute(&mut *self.writer().await?)
                .await
                .context("routing kept notices for the moderators")?;
            }
            Ok(())
        })
        .await
    }

    /// Whether the event with `key` was handled (its notices written).
    #[tracing::instrument(skip_all)]
    pub async fn was_handled(&self, key: &str) -> Result<bool, StoreError> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM handled_events WHERE event_key = ?")
                .bind(key)
                .fetch_optional(&mut *self.reader().await?)
                .await
                .context("checking a handled event")?;
        Ok(found.is_some())
    }

    /// Where the notices the event with `key` left are going: a platform
    /// that answers through the event itself (a Discord interaction) closes
    /// it when none of them is its own.
    #[tracing::instrument(skip_all)]
    pub async fn notice_routes(&self, key: &str) -> Result<Vec<NoticeRoute>, StoreError> {
        let rows = sqlx::query(
            "SELECT platform, place, private, \
                    (replaces IS NOT NULL OR replaces_notice IS NOT NULL) AS edits \
             FROM outbox WHERE event_key = ? ORDER BY id",
        )
        .bind(key)
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("reading where an event's notices go")?;
        rows.iter()
            .map(|row| {
                Ok(NoticeRoute {
                    platform: row
                        .try_get::<Option<String>, _>("platform")?
                        .as_deref()
                        .and_then(Platform::parse),
                    place: row.try_get("place")?,
                    private: row.try_get("private")?,
                    edits: row.try_get("edits")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .context("decoding where a notice goes")
    }

    /// Marks the event handled and writes its notices, in one transaction
    /// (the event's, when it runs in one). When the event was handled
    /// before its notices are not written again (the member's platform is
    /// remembered all the same: they did use it).
    ///
    /// No savepoint of its own, which would cost a round trip: the only
    /// early return leaves nothing that must be undone, and a failure
    /// undoes the whole event.
    #[tracing::instrument(skip_all, fields(notices = commit.notices.len()))]
    pub async fn commit_event(
        &self,
        commit: &EventCommit<'_>,
        now: DateTime<Utc>,
    ) -> Result<EventCommitted, StoreError> {
        self.atomically(async {
            let mut tx = self.writer().await?;
            // The handled mark and the acting member's platform in one
            // round trip.
            let marks = match (commit.event_key, commit.actor) {
                (Some(_), Some(_)) => Some(concat!(handled_sql!(), "; ", used_platform_sql!())),
                (Some(_), None) => Some(handled_sql!()),
                (None, Some(_)) => Some(used_platform_sql!()),
                (None, None) => None,
            };
            if let Some(marks) = marks {
                let rows = sqlx::query(marks)
                    .bind(commit.event_key)
                    .bind(now)
                    .bind(commit.actor.map(|(member, _)| member.0))
                    .bind(commit.actor.map(|(_, platform)| platform.as_str()))
                    .bind(commit.origin.is_none())
                    .fetch_all(&mut *tx)
                    .await
                    .context("marking an event handled")?;
                let marked = super::row_named(&rows, "newly_handled").is_some();
                if commit.event_key.is_some() && !marked {
                    return Ok(EventCommitted::HandledBefore);
                }
            }
            let actor = commit.actor.map(|(member, _)| member);
            let written = write_notices(&mut tx, commit, actor, now).await?;
            Ok(EventCommitted::Written(written))
        })
        .await
    }

    /// Due notices of `platform`, oldest first, at most `limit`: each the
    /// first waiting one of its chat, skipping the chats in `busy`.
    #[tracing::instrument(skip_all, fields(%platform))]
    pub async fn due_notices(
        &self,
        platform: Platform,
        now: DateTime<Utc>,
        busy: &[String],
        limit: usize,
    ) -> Result<Vec<DueNotice>, StoreError> {
        let busy = json_list(busy, "chat ids")?;
        let rows = sqlx::query(concat!(
            due_notice_select!(),
            " WHERE o.platform = ?1 AND o.delivered_at IS NULL AND o.failed_at IS NULL \
               AND o.next_attempt_at <= ?2 AND (o.leased_until IS NULL OR o.leased_until <= ?2) \
               AND o.place NOT IN (SELECT value FROM json_each(?3)) \
               AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.platform = o.platform \
                   AND e.place = o.place AND e.id < o.id \
                   AND e.delivered_at IS NULL AND e.failed_at IS NULL) \
             ORDER BY o.id LIMIT ?4",
        ))
        .bind(platform.as_str())
        .bind(now)
        .bind(busy)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("reading due notices")?;
        dues_from_rows(&rows, platform)
    }

    /// Takes the notices `ids` for one attempt each until `until`, in one
    /// statement (a deliverer leases all it is about to send at once: one
    /// turn of the group commit, not one per notice). Returns the ids it
    /// took; one that another deliverer took or that is no longer due is
    /// left out.
    #[tracing::instrument(skip_all, fields(notices = ids.len()))]
    pub async fn lease_notices(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<HashSet<i64>, StoreError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let ids = json_list(ids, "notice ids")?;
        self.atomically(async {
            let taken = sqlx::query_scalar::<_, i64>(
                "UPDATE outbox SET leased_until = ?1 \
                 WHERE id IN (SELECT value FROM json_each(?2)) AND next_attempt_at <= ?3 \
                 AND (leased_until IS NULL OR leased_until <= ?3) \
                 AND delivered_at IS NULL AND failed_at IS NULL \
                 RETURNING id",
            )
            .bind(until)
            .bind(ids)
            .bind(now)
            .fetch_all(&mut *self.writer().await?)
            .await
            .context("leasing notices")?;
            Ok(taken.into_iter().collect())
        })
        .await
    }

    /// The notices `ids` of `platform` that an event handed over to this
    /// process's deliverer (see [`HandOver`]), as long as they are still
    /// waiting. A read: their lease was taken when they were written.
    #[tracing::instrument(skip_all, fields(%platform, notices = ids.len()))]
    pub async fn handed_notices(
        &self,
        platform: Platform,
        ids: &[i64],
    ) -> Result<Vec<DueNotice>, StoreError> {
        let ids = json_list(ids, "notice ids")?;
        let rows = sqlx::query(concat!(
            due_notice_select!(),
            " WHERE o.id IN (SELECT value FROM json_each(?1)) AND o.platform = ?2 \
               AND o.delivered_at IS NULL AND o.failed_at IS NULL \
             ORDER BY o.id",
        ))
        .bind(ids)
        .bind(platform.as_str())
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("reading handed notices")?;
        dues_from_rows(&rows, platform)
    }

    /// Gives the leases of notices `ids` back: a deliverer that cannot
    /// send what was handed to it at once leaves them to the outbox's
    /// order (they are due again at once).
    #[tracing::instrument(skip_all, fields(notices = ids.len()))]
    pub async fn release_notices(&self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids = json_list(ids, "notice ids")?;
        self.write_alone(
            sqlx::query(
                "UPDATE outbox SET leased_until = NULL \
                 WHERE id IN (SELECT value FROM json_each(?)) AND delivered_at IS NULL",
            )
            .bind(ids),
            "releasing handed notices",
        )
        .await?;
        Ok(())
    }

    /// Frees the notices of `platform` a deliverer was sending when its
    /// process ended: there is one deliverer per platform, and it calls this
    /// when it starts. Those notices go again (at least once).
    #[tracing::instrument(skip_all, fields(%platform))]
    pub async fn release_leases(&self, platform: Platform) -> Result<u64, StoreError> {
        let freed = self.write_alone(
            sqlx::query(
                "UPDATE outbox SET leased_until = NULL WHERE platform = ? AND leased_until IS NOT NULL \
                 AND delivered_at IS NULL AND failed_at IS NULL",
            )
            .bind(platform.as_str()),
            "releasing notice leases",
        )
        .await?;
        Ok(freed.rows_affected())
    }

    /// Records that notice `id` was sent (or, for an edit, applied): the bot
    /// message is recorded (or updated) and the notice marked delivered, in
    /// one transaction; its attachment (a member's data export) is not kept
    /// once it was sent. Returns the bot message's id.
    #[tracing::instrument(skip_all)]
    pub async fn notice_sent(
        &self,
        notice: &DueNotice,
        sent: &SentNotice<'_>,
        now: DateTime<Utc>,
    ) -> Result<MessageId, StoreError> {
        let buttons = serde_json::to_string(&notice.buttons).map_err(|error| {
            StoreError::Inconsistent(format!("buttons cannot be stored as JSON: {error}"))
        })?;
        let mut tx = self.begin_write().await?;
        let message = match notice.replaces.filter(|_| !notice.replaced_lost) {
            Some(message) => {
                sqlx::query(
                    "UPDATE messages SET body = ?, buttons = ? WHERE id = ? AND from_bot = 1",
                )
                .bind(sent.body)
                .bind(&buttons)
                .bind(message.0)
                .execute(&mut *tx)
                .await
                .context("recording an edited bot message")?;
                message
            }
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO messages (platform, place, external_id, author_id, from_bot, private, reply_to, body, buttons, created_at) \
                     VALUES (?, ?, ?, NULL, 1, ?, ?, ?, ?, ?) \
                     ON CONFLICT (platform, place, external_id) WHERE external_id IS NOT NULL \
                     DO UPDATE SET body = excluded.body RETURNING id",
                )
                .bind(notice.platform.as_str())
                .bind(&notice.place)
                .bind(sent.external_id)
                .bind(notice.private)
                .bind(notice.reply_to.map(|id| id.0))
                .bind(sent.body)
                .bind(&buttons)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .context("recording a sent bot message")?;
                MessageId(id)
            }
        };
        sqlx::query(
            "UPDATE outbox SET delivered_at = ?, external_id = ?, message_id = ?, last_error = NULL, \
             leased_until = NULL, attachment = NULL WHERE id = ?",
        )
        .bind(now)
        .bind(sent.external_id)
        .bind(message.0)
        .bind(notice.id)
        .execute(&mut *tx)
        .await
        .context("marking a notice delivered")?;
        tx.commit().await.context("committing a sent notice")?;
        Ok(message)
    }

    /// An attempt failed: try again at `at`, or give up (`failed`).
    #[tracing::instrument(skip_all)]
    pub async fn notice_attempt_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.atomically(async {
            let query = match retry_at {
                Some(at) => sqlx::query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, \
                     leased_until = NULL WHERE id = ?",
                )
                .bind(error)
                .bind(at),
                None => sqlx::query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed_at = ?, \
                     leased_until = NULL, attachment = NULL WHERE id = ?",
                )
                .bind(error)
                .bind(now),
            };
            query
                .bind(id)
                .execute(&mut *self.writer().await?)
                .await
                .context("recording a failed delivery")?;
            Ok(())
        })
        .await
    }

    /// The platform cannot reach the member (they never started the bot,
    /// blocked it, left): keep the notice until they next write to the bot
    /// privately. Its origin is forgotten, so the hint is given once.
    #[tracing::instrument(skip_all)]
    pub async fn hold_notice(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.write_alone(
            sqlx::query(
                "UPDATE outbox SET platform = NULL, place = NULL, origin_place = NULL, \
                 origin_message = NULL, last_error = ?, leased_until = NULL WHERE id = ?",
            )
            .bind(error)
            .bind(id),
            "holding a notice",
        )
        .await?;
        Ok(())
    }

    /// Deletes notices delivered before `before`; how many.
    #[tracing::instrument(skip_all)]
    pub async fn prune_notices(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        // Notices that replace a pruned one keep working: they were
        // delivered already, or the reference is cleared first.
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE outbox SET replaces_notice = NULL WHERE replaces_notice IN \
             (SELECT id FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await
        .context("unlinking notices to prune")?;
        let done =
            sqlx::query("DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?")
                .bind(before)
                .execute(&mut *tx)
                .await
                .context("pruning delivered notices")?;
        tx.commit().await.context("committing a prune")?;
        Ok(done.rows_affected())
    }

    /// Undelivered, held and failed notices.
    #[tracing::instrument(skip_all)]
    pub async fn notice_counts(&self) -> Result<NoticeCounts, StoreError> {
        let row = sqlx::query(
            "SELECT \
               COALESCE(SUM(delivered_at IS NULL AND failed_at IS NULL), 0) AS undelivered, \
               COALESCE(SUM(delivered_at IS NULL AND failed_at IS NULL AND platform IS NULL), 0) AS held, \
               COALESCE(SUM(failed_at IS NOT NULL), 0) AS failed \
             FROM outbox",
        )
        .fetch_one(&mut *self.reader().await?)
        .await
        .context("counting notices")?;
        Ok(NoticeCounts {
            undelivered: row.try_get("undelivered").context("reading counts")?,
            held: row.try_get("held").context("reading counts")?,
            failed: row.try_get("failed").context("reading counts")?,
        })
    }

    /// The earliest time a notice of `platform` becomes due, if any waits.
    #[tracing::instrument(skip_all)]
    pub async fn next_notice_at(
        &self,
        platform: Platform,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        sqlx::query_scalar(
            "SELECT MIN(MAX(next_attempt_at, COALESCE(leased_until, next_attempt_at))) FROM outbox \
             WHERE platform = ? AND delivered_at IS NULL AND failed_at IS NULL",
        )
        .bind(platform.as_str())
        .fetch_one(&mut *self.reader().await?)
        .await
        .context("finding the next due notice")
    }
}

/// Writes an event's notices; says which were handed over to a deliverer
/// (see [`HandOver`]) and how many wait. Only the acting member's own
/// private notices fall back to a hint where they acted (the commit's
/// origin).
pub(super) async fn write_notices(
    tx: &mut SqliteConnection,
    commit: &EventCommit<'_>,
    actor: Option<MemberId>,
    now: DateTime<Utc>,
) -> Result<WrittenNotices, StoreError> {
    let mut all = WrittenNotices::default();
    for notice in commit.notices {
        let own = matches!(notice.audience, Audience::Member(member) if actor == Some(member));
        let origin = commit.origin.filter(|_| own);
        let written = NoticeWrite {
            origin,
            event_key: commit.event_key,
            hand_over: commit.hand_over,
        };
        all.extend(insert_notice(tx, notice, &written, now).await?);
    }
    Ok(all)
}

/// Where a notice comes from and who may take it at once, as
/// [`insert_notice`] writes it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct NoticeWrite<'a> {
    /// Where the acting member acted, for a private notice's fallback hint.
    pub origin: Option<(&'a str, Option<MessageId>)>,
    pub event_key: Option<&'a str>,
    pub hand_over: &'a [HandOver],
}

/// Where each of `members` members' private notices went last, and whether
/// notices are kept for want of a platform: what decides whether an event
/// of theirs has to re-route them ([`used_platform`]). One row per member
/// (first column `delivery`), for a write's first round trip.
pub(super) fn delivery_facts_sql(members: usize) -> String {
    let values = vec!["(?)"; members.max(1)].join(", ");
    format!(
        "WITH a (member) AS (VALUES {values}) \
         SELECT a.member AS delivery, d.last_platform, \
                EXISTS (SELECT 1 FROM outbox o WHERE o.member_id = a.member AND o.addressee = 'member' \
                        AND o.platform IS NULL AND o.delivered_at IS NULL AND o.failed_at IS NULL) AS kept \
         FROM a LEFT JOIN member_delivery d ON d.member_id = a.member"
    )
}

/// Binds the members to [`delivery_facts_sql`]'s parameters.
pub(super) fn bind_delivery_facts<'q>(
    mut query: Query<'q>,
    members: impl Iterator<Item = MemberId>,
) -> Query<'q> {
    for member in members {
        query = query.bind(member.0);
    }
    query
}

/// A member's delivery as an event found it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Delivery {
    last_platform: Option<String>,
    /// Private notices wait for a platform.
    kept: bool,
}

impl Delivery {
    /// What an event on `platform` has to write for the member (what
    /// [`used_platform`] would change), and the delivery as it leaves it.
    pub(super) fn use_platform(&mut self, platform: Platform) -> PlatformUse {
        if self.kept {
            // The kept notices may not all find a way: look again each time.
            self.last_platform = Some(platform.as_str().to_owned());
            return PlatformUse::Reroute;
        }
        if self.last_platform.as_deref() == Some(platform.as_str()) {
            return PlatformUse::Known;
        }
        self.last_platform = Some(platform.as_str().to_owned());
        PlatformUse::Remember
    }
}

/// What an event has to write about the platform its member used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PlatformUse {
    /// Nothing: the member last used it.
    Known,
    /// The platform, as the member's last ([`platforms_used_sql`]).
    Remember,
    /// The platform, and the notices kept for want of one sent there
    /// ([`used_platform`]).
    Reroute,
}

/// The members' deliveries from [`delivery_facts_sql`]'s rows.
pub(super) fn read_delivery_facts(
    rows: &[sqlx::sqlite::SqliteRow],
) -> Result<std::collections::HashMap<MemberId, Delivery>, StoreError> {
    super::rows_named(rows, "delivery")
        .map(|row| {
            Ok((
                MemberId(row.try_get("delivery")?),
                Delivery {
                    last_platform: row.try_get("last_platform")?,
                    kept: row.try_get("kept")?,
                },
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .context("decoding where members' notices go")
}

/// Marks events handled, `events` of them (none that was before changes).
pub(super) fn handled_marks_sql(events: usize) -> String {
    format!(
        "INSERT INTO handled_events (event_key, created_at) VALUES {} ON CONFLICT DO NOTHING",
        vec!["(?, ?)"; events].join(", ")
    )
}

/// Binds the events' keys to [`handled_marks_sql`]'s parameters.
pub(super) fn bind_handled_marks<'q>(
    mut query: Query<'q>,
    keys: impl Iterator<Item = &'q str>,
    now: DateTime<Utc>,
) -> Query<'q> {
    for key in keys {
        query = query.bind(key).bind(now);
    }
    query
}

/// Remembers the platform each of `members` members used, when none of
/// them has notices kept for want of one (else [`used_platform`]).
pub(super) fn platforms_used_sql(members: usize) -> String {
    format!(
        "INSERT INTO member_delivery (member_id, last_platform, updated_at) VALUES {} {}",
        vec!["(?, ?, ?)"; members].join(", "),
        last_platform_upsert!()
    )
}

/// Binds the members and platforms to [`platforms_used_sql`]'s parameters.
pub(super) fn bind_platforms_used<'q>(
    mut query: Query<'q>,
    used: impl Iterator<Item = (MemberId, Platform)>,
    now: DateTime<Utc>,
) -> Query<'q> {
    for (member, platform) in used {
        query = query.bind(member.0).bind(platform.as_str()).bind(now);
    }
    query
}

/// Remembers the platform `member` used and re-routes the private notices
/// kept for want of one (`private`: the member acted in private, where
/// failed ones may be sent again).
pub(super) async fn used_platform(
    tx: &mut SqliteConnection,
    member: MemberId,
    platform: Platform,
    private: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(used_platform_sql!())
        .bind(None::<&str>)
        .bind(now)
        .bind(member.0)
        .bind(platform.as_str())
        .bind(private)
        .execute(&mut *tx)
        .await
        .context("remembering where a member's notices go")?;
    Ok(())
}

/// One outbox row per addressee the notice reaches; says which rows were
/// handed over to a deliverer (leased in this transaction, see
/// [`HandOver`]) and how many wait.
pub(super) async fn insert_notice(
    tx: &mut SqliteConnection,
    notice: &Reply,
    written: &NoticeWrite<'_>,
    now: DateTime<Utc>,
) -> Result<WrittenNotices, StoreError> {
    let origin = written.origin;
    let texts = serde_json::to_string(&StoredTexts {
        text: notice.text.clone(),
        translations: notice.translations.clone(),
    })
    .map_err(|error| StoreError::Inconsistent(format!("a notice cannot be JSON: {error}")))?;
    let buttons = serde_json::to_string(&notice.buttons).map_err(|error| {
        StoreError::Inconsistent(format!("buttons cannot be stored as JSON: {error}"))
    })?;
    let attachment = notice
        .attachment
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|error| {
            StoreError::Inconsistent(format!("an attachment cannot be JSON: {error}"))
        })?;
    // (addressee, member, platform, place, private, dedupe key, replaced notice key)
    let mut rows: Vec<Route> = Vec::new();
    let mut outcome = WrittenNotices::default();
    match &notice.audience {
        Audience::Place(place) => rows.push(Route {
            addressee: "place",
            member: None,
            platform: Some(place.platform.as_str().to_owned()),
            place: Some(place.id.clone()),
            private: place.private,
            dedupe: notice.dedupe.clone(),
            replaces_key: notice.replaces_notice.clone(),
        }),
        Audience::Member(member) => {
            let route: Option<(String, String)> = sqlx::query_as(
                "SELECT i.platform, i.external_id FROM identities i \
                 JOIN delivery_platforms p ON p.platform = i.platform \
                 LEFT JOIN member_delivery d ON d.member_id = i.member_id \
                 WHERE i.member_id = ? \
                 ORDER BY COALESCE(i.platform = d.preferred_platform, 0) DESC, \
                          COALESCE(i.platform = d.last_platform, 0) DESC, i.created_at DESC \
                 LIMIT 1",
            )
            .bind(member.0)
            .fetch_optional(&mut *tx)
            .await
            .context("finding where a member is reached")?;
            let (platform, place) = route.unzip();
            rows.push(Route {
                addressee: "member",
                member: Some(*member),
                platform,
                place,
                private: true,
                dedupe: notice.dedupe.clone(),
                replaces_key: notice.replaces_notice.clone(),
            });
        }
        Audience::Moderators => {
            let places: Vec<(String, String)> = sqlx::query_as(
                "SELECT platform, moderators_place FROM delivery_platforms \
                 WHERE moderators_place IS NOT NULL ORDER BY platform",
            )
            .fetch_all(&mut *tx)
            .await
            .context("finding the moderators' places")?;
            if places.is_empty() {
                tracing::warn!(
                    "a notice for the moderators, but no platform has a moderators' place; kept"
                );
            }
            let per_platform = |key: &Option<String>, platform: &str| {
                key.as_ref().map(|key| format!("{key}@{platform}"))
            };
            for (platform, place) in &places {
                rows.push(Route {
                    addressee: "moderators",
                    member: None,
                    dedupe: per_platform(&notice.dedupe, platform),
                    replaces_key: per_platform(&notice.replaces_notice, platform),
                    platform: Some(platform.clone()),
                    place: Some(place.clone()),
                    private: false,
                });
            }
            if places.is_empty() {
                rows.push(Route {
                    addressee: "moderators",
                    member: None,
                    platform: None,
                    place: None,
                    private: false,
                    dedupe: notice.dedupe.clone(),
                    replaces_key: None,
                });
            }
        }
    }
    for route in rows {
        // A notice that replaces one never written (or already pruned)
        // stays an edit of nothing: skip it rather than post a stray text.
        let replaces_notice: Option<i64> = match &route.replaces_key {
            Some(key) => {
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM outbox WHERE dedupe_key = ?")
                        .bind(key)
                        .fetch_optional(&mut *tx)
                        .await
                        .context("finding the notice to replace")?;
                if found.is_none() && notice.replaces.is_none() {
                    continue;
                }
                found
            }
            None => None,
        };
        let hand_over = route
            .platform
            .as_deref()
            .and_then(Platform::parse)
            .and_then(|platform| {
                written
                    .hand_over
                    .iter()
                    .find(|hand_over| hand_over.platform == platform)
            });
        // Leased at once (`?19`) only when no earlier notice of its chat is
        // still waiting: the deliverer then sends it without a look at the
        // outbox, and the chat's order holds.
        let row = sqlx::query(
            "INSERT INTO outbox (addressee, member_id, platform, place, private, texts, buttons, \
                 reply_to, replaces, replaces_notice, origin_place, origin_message, dedupe_key, \
                 next_attempt_at, created_at, event_key, kind, attachment, leased_until) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
                 CASE WHEN ?19 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox e \
                     WHERE e.platform = ?3 AND e.place = ?4 \
                     AND e.delivered_at IS NULL AND e.failed_at IS NULL) THEN ?19 END) \
             ON CONFLICT DO NOTHING \
             RETURNING id, leased_until IS NOT NULL AS handed",
        )
        .bind(route.addressee)
        .bind(route.member.map(|member| member.0))
        .bind(route.platform)
        .bind(route.place)
        .bind(route.private)
        .bind(&texts)
        .bind(&buttons)
        .bind(notice.reply_to.map(|id| id.0))
        .bind(notice.replaces.map(|id| id.0))
        .bind(replaces_notice)
        .bind(origin.map(|(place, _)| place))
        .bind(origin.and_then(|(_, message)| message).map(|id| id.0))
        .bind(route.dedupe)
        .bind(now)
        .bind(now)
        .bind(written.event_key)
        .bind(notice.kind.as_str())
        .bind(&attachment)
        .bind(hand_over.map(|hand_over| hand_over.until))
        .fetch_optional(&mut *tx)
        .await
        .context("writing a notice")?;
        // No row: the notice was written before (its dedupe key).
        let Some(row) = row else { continue };
        match hand_over {
            Some(hand_over)
                if row
                    .try_get::<bool, _>("handed")
                    .context("reading a written notice")? =>
            {
                outcome.handed.push(HandedNotice {
                    platform: hand_over.platform,
                    id: row.try_get("id").context("reading a written notice")?,
                });
            }
            _ => outcome.waiting += 1,
        }
    }
    Ok(outcome)
}

/// `items` as a JSON array, for `json_each` in a statement.
fn json_list<T: Serialize>(items: &[T], what: &str) -> Result<String, StoreError> {
    serde_json::to_string(items)
        .map_err(|error| StoreError::Inconsistent(format!("{what} cannot be JSON: {error}")))
}

/// Where one outbox row goes.
struct Route {
    addressee: &'static str,
    member: Option<MemberId>,
    platform: Option<String>,
    place: Option<String>,
    private: bool,
    dedupe: Option<String>,
    replaces_key: Option<String>,
}

/// The notices `due_notice_select!` read, for `platform`'s deliverer.
fn dues_from_rows(
    rows: &[sqlx::sqlite::SqliteRow],
    platform: Platform,
) -> Result<Vec<DueNotice>, StoreError> {
    rows.iter()
        .map(|row| due_from_row(row, platform))
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .context("decoding a notice for its deliverer")
}

fn due_from_row(
    row: &sqlx::sqlite::SqliteRow,
    platform: Platform,
) -> Result<DueNotice, sqlx::Error> {
    let texts: String = row.try_get("texts")?;
    let texts: StoredTexts =
        serde_json::from_str(&texts).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
    let lang = row
        .try_get::<Option<String>, _>("language")?
        .and_then(|code| Lang::from_locale(&code));
    let text = texts
        .translations
        .iter()
        .find(|(candidate, _)| Some(*candidate) == lang)
        .map_or(texts.text.clone(), |(_, text)| text.clone());
    let buttons: String = row.try_get("buttons")?;
    Ok(DueNotice {
        id: row.try_get("id")?,
        platform,
        place: row
            .try_get::<Option<String>, _>("place")?
            .unwrap_or_default(),
        private: row.try_get("private")?,
        member: row.try_get::<Option<i64>, _>("member_id")?.map(MemberId),
        lang,
        text,
        buttons: serde_json::from_str(&buttons).unwrap_or_default(),
        reply_to: row.try_get::<Option<i64>, _>("reply_to")?.map(MessageId),
        replaces: row.try_get::<Option<i64>, _>("replaces")?.map(MessageId),
        replaced_lost: row.try_get("replaced_lost")?,
        origin_place: row.try_get("origin_place")?,
        origin_message: row
            .try_get::<Option<i64>, _>("origin_message")?
            .map(MessageId),
        event_key: row.try_get("event_key")?,
        kind: Kind::parse(&row.try_get::<String, _>("kind")?),
        attachment: row
            .try_get::<Option<String>, _>("attachment")?
            .map(|stored| serde_json::from_str(&stored))
            .transpose()
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
    })
}

/// Moves `from`'s notices and delivery choices to `to`, inside the
/// caller's write transaction (members being joined). `to`'s own choices
/// win; `from`'s are kept when `to` had none.
pub(crate) async fn reassign_delivery(
    tx: &mut SqliteConnection,
    from: MemberId,
    to: MemberId,
) -> Result<(), StoreError> {
    super::reassign(
        tx,
        from,
        to,
        &[
            "UPDATE outbox SET member_id = ?1 WHERE member_id = ?2",
            "UPDATE OR IGNORE member_delivery SET member_id = ?1 WHERE member_id = ?2",
            "DELETE FROM member_delivery WHERE member_id = ?2",
        ],
        "moving notices",
    )
    .await
}
