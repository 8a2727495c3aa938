//! The message log: every message the bot saw or sent.
//!
//! Later events point back at messages (a reply, a reaction, a button press),
//! possibly after a restart, so each message gets a stable id here with its
//! author and place. Platform message ids are unique per place; recording the
//! same platform message twice returns the first id and says it was seen.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row};

use super::members::{
    IdentitySeen, LastSeen, last_seen_from_rows, last_seen_sql, member_columns, member_from_row,
};
use super::{Context, Store, StoreError};
use crate::club::model::{Member, MemberId, MessageId, Platform};
use crate::club::reply::Button;

/// Finds a platform message by `?1` platform, `?2` place and `?3` its
/// platform id. Platforms that report some events per chat (Telegram
/// reactions carry no forum topic) also find messages of the chat's topics,
/// recorded as `chat/topic`; an exact place wins.
macro_rules! by_external {
    () => {
        "platform = ?1 AND external_id = ?3 \
         AND (place = ?2 OR substr(place, 1, length(?2) + 1) = ?2 || '/') \
         ORDER BY place = ?2 DESC LIMIT 1"
    };
}

/// The columns [`message_from_row`] decodes.
macro_rules! message_columns {
    () => {
        "id, platform, place, author_id, from_bot, private, reply_to, body, buttons, created_at"
    };
}

/// A message to record.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub platform: Platform,
    pub place: &'a str,
    /// The platform's id for the message; `None` on the console, where the
    /// store's id is the only one.
    pub external_id: Option<&'a str>,
    /// The member who wrote it; `None` for the bot's own messages.
    pub author: Option<MemberId>,
    pub private: bool,
    pub reply_to: Option<MessageId>,
    pub body: &'a str,
    pub buttons: &'a [Button],
}

/// A recorded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: MessageId,
    pub platform: String,
    pub place: String,
    pub author: Option<MemberId>,
    pub from_bot: bool,
    pub private: bool,
    pub reply_to: Option<MessageId>,
    pub body: String,
    pub buttons: Vec<Button>,
    pub created_at: DateTime<Utc>,
}

/// A message someone votes on, read with what the vote's rules need.
#[derive(Debug, Clone)]
pub struct VotedMessage {
    pub message: StoredMessage,
    /// Its author's member (the one they became, if joined by `/link`);
    /// `None` for the bot's own messages.
    pub author: Option<Member>,
    /// Who wrote the message it replies to (the member they became, if
    /// joined), if anyone did.
    pub question_author: Option<MemberId>,
}

/// Whether a recorded message was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New(MessageId),
    /// The platform delivered this message before.
    Seen(MessageId),
}

impl Recorded {
    pub fn id(self) -> MessageId {
        match self {
            Recorded::New(id) | Recorded::Seen(id) => id,
        }
    }
}

impl Store {
    /// Records a message, or finds it when the platform delivered it before.
    #[tracing::instrument(skip_all, fields(platform = %message.platform))]
    pub async fn record_message(
        &self,
        message: &NewMessage<'_>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        self.atomically(async {
            let buttons = serde_json::to_string(message.buttons).map_err(|error| {
                StoreError::Inconsistent(format!("buttons cannot be stored as JSON: {error}"))
            })?;
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO messages (platform, place, external_id, author_id, from_bot, private, reply_to, body, buttons, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(message.platform.as_str())
            .bind(message.place)
            .bind(message.external_id)
            .bind(message.author.map(|member| member.0))
            .bind(message.author.is_none())
            .bind(message.private)
            .bind(message.reply_to.map(|id| id.0))
            .bind(message.body)
            .bind(buttons)
            .bind(now)
            .fetch_optional(&mut *self.writer().await?)
            .await
            .context("recording a message")?;
            if let Some(id) = inserted {
                return Ok(Recorded::New(MessageId(id)));
            }
            let existing: i64 = sqlx::query_scalar(
                "SELECT id FROM messages WHERE platform = ? AND place = ? AND external_id = ?",
            )
            .bind(message.platform.as_str())
            .bind(message.place)
            .bind(message.external_id)
            .fetch_one(&mut *self.reader().await?)
            .await
            .context("finding a message seen before")?;
            Ok(Recorded::Seen(MessageId(existing)))
        })
        .await
    }

    /// Replaces the text and buttons of a bot message that was edited.
    #[tracing::instrument(skip_all)]
    pub async fn edit_bot_message(
        &self,
        id: MessageId,
        body: &str,
        buttons: &[Button],
    ) -> Result<(), StoreError> {
        self.atomically(async {
            let buttons = serde_json::to_string(buttons).map_err(|error| {
                StoreError::Inconsistent(format!("buttons cannot be stored as JSON: {error}"))
            })?;
            sqlx::query("UPDATE messages SET body = ?, buttons = ? WHERE id = ? AND from_bot = 1")
                .bind(body)
                .bind(buttons)
                .bind(id.0)
                .execute(&mut *self.writer().await?)
                .await
                .context("editing a bot message")?;
            Ok(())
        })
        .await
    }

    /// Records a handled platform event; `false` when it was handled before.
    #[tracing::instrument(skip_all)]
    pub async fn first_time(
        &self,
        event_key: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let inserted = self.write_alone(
            sqlx::query("INSERT INTO handled_events (event_key, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(event_key)
                .bind(now),
            "recording a handled event",
        )
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// The id of a platform message recorded before.
    #[tracing::instrument(skip_all)]
    pub async fn message_by_external(
        &self,
        platform: Platform,
        place: &str,
        external_id: &str,
    ) -> Result<Option<MessageId>, StoreError> {
        let id: Option<i64> =
            sqlx::query_scalar(concat!("SELECT id FROM messages WHERE ", by_external!()))
                .bind(platform.as_str())
                .bind(place)
                .bind(external_id)
                .fetch_optional(&mut *self.reader().await?)
                .await
                .context("finding a platform message")?;
        Ok(id.map(MessageId))
    }

    /// Where a recorded message lives on its platform: its place and the
    /// platform's own id for it, when it has one. Adapters need this to reply
    /// to, or edit, a message they saw or sent before (also after a restart).
    #[tracing::instrument(skip_all)]
    pub async fn message_external(
        &self,
        id: MessageId,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT place, external_id FROM messages WHERE id = ?")
                .bind(id.0)
                .fetch_optional(&mut *self.reader().await?)
                .await
                .context("finding a message's platform id")?;
        Ok(row.and_then(|(place, external)| external.map(|external| (place, external))))
    }

    /// A recorded message by id.
    #[tracing::instrument(skip_all)]
    pub async fn message(&self, id: MessageId) -> Result<Option<StoredMessage>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .context("reading a message")?;
        row.map(|row| message_from_row(&row))
            .transpose()
            .context("decoding a message")
    }

    /// A message someone votes on, with its author and the author of the
    /// question it answers, in one round trip.
    #[tracing::instrument(skip_all)]
    pub async fn voted_message(&self, id: MessageId) -> Result<Option<VotedMessage>, StoreError> {
        let key = MessageKey::Id(id);
        let rows = bind_key(sqlx::query(AssertSqlSafe(voted_sql(&key, false))), &key)
            .fetch_all(&mut *self.reader().await?)
            .await
            .context("reading a voted message")?;
        voted_from_rows(&rows)
    }

    /// What a reaction needs read, in one round trip, the busiest read
    /// there is: the account that reacted as last seen (for
    /// [`Store::sighting_after`]) and the message, with its author and
    /// the author of the question it answers.
    #[tracing::instrument(skip_all)]
    pub async fn reaction_reads(
        &self,
        seen: &IdentitySeen<'_>,
        message: &MessageKey<'_>,
    ) -> Result<(LastSeen, Option<VotedMessage>), StoreError> {
        let rows = bind_key(
            sqlx::query(AssertSqlSafe(voted_sql(message, true))),
            message,
        )
        .bind(seen.platform.as_str())
        .bind(seen.external_id)
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("reading what a reaction needs")?;
        Ok((last_seen_from_rows(&rows)?, voted_from_rows(&rows)?))
    }
}

/// Which message an event means.
#[derive(Debug, Clone, Copy)]
pub enum MessageKey<'a> {
    Id(MessageId),
    /// A platform's own id within a place.
    External {
        platform: Platform,
        place: &'a str,
        external_id: &'a str,
    },
}

/// Binds `key` to the first parameters of [`voted_sql`].
fn bind_key<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    key: &MessageKey<'q>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    match *key {
        MessageKey::Id(id) => query.bind(id.0),
        MessageKey::External {
            platform,
            place,
            external_id,
        } => query.bind(platform.as_str()).bind(place).bind(external_id),
    }
}

/// The statements that read a voted message found by `key` (rows named
/// `voted`) and its author (`author`), and with `last_seen` the account
/// that acted (`seen`, its parameters after the key's). The key's
/// statements use its numbers without gaps; the last one's gap is safe
/// (see `create_member` on how sqlx binds numbered parameters).
fn voted_sql(key: &MessageKey<'_>, last_seen: bool) -> &'static str {
    static TEXTS: OnceLock<[String; 4]> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        let text = |by_id: bool, last_seen: bool| {
            let (found, params) = if by_id {
                ("id = ?1", 1)
            } else {
                (by_external!(), 3)
            };
            let mut sql = format!(
                "SELECT id AS voted, {message}, \
                 (SELECT COALESCE(a.merged_into, a.id) FROM messages q \
                  JOIN members a ON a.id = q.author_id WHERE q.id = messages.reply_to) \
                 AS question_author FROM messages WHERE {found}; \
                 SELECT m.id AS author, {member} FROM members m \
                 WHERE m.id = (SELECT COALESCE(merged_into, id) FROM members \
                 WHERE id = (SELECT author_id FROM messages WHERE {found}))",
                message = message_columns!(),
                member = member_columns!(),
            );
            if last_seen {
                sql.push_str("; ");
                sql.push_str(&last_seen_sql(params + 1));
            }
            sql
        };
        [
            text(true, false),
            text(true, true),
            text(false, false),
            text(false, true),
        ]
    });
    let by_id = matches!(key, MessageKey::Id(_));
    &texts[usize::from(!by_id) * 2 + usize::from(last_seen)]
}

/// The voted message among a query's rows (see [`voted_sql`]).
fn voted_from_rows(rows: &[SqliteRow]) -> Result<Option<VotedMessage>, StoreError> {
    let Some(row) = super::row_named(rows, "voted") else {
        return Ok(None);
    };
    let message = message_from_row(row).context("decoding a voted message")?;
    let question_author = row
        .try_get::<Option<i64>, _>("question_author")
        .context("decoding a voted message")?
        .map(MemberId);
    let author = super::row_named(rows, "author")
        .map(member_from_row)
        .transpose()?;
    Ok(Some(VotedMessage {
        message,
        author,
        question_author,
    }))
}

/// Makes `to` the author of `from`'s messages, inside the caller's write
/// transaction (members being joined).
pub(crate) async fn reassign_messages(
    tx: &mut sqlx::SqliteConnection,
    from: MemberId,
    to: MemberId,
) -> Result<(), StoreError> {
    super::reassign(
        tx,
        from,
        to,
        &["UPDATE messages SET author_id = ?1 WHERE author_id = ?2"],
        "moving messages",
    )
    .await
}

/// How long the store keeps rows that serve only for a while: the message
/// log (replies, reactions and buttons refer to it), the FAQ's questions
/// (`/faq_unanswered` reads them), handled platform events (a replayed
/// event is recognised by them) and delivered notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub messages: chrono::Duration,
    pub faq_queries: chrono::Duration,
    pub handled_events: chrono::Duration,
    pub delivered_notices: chrono::Duration,
}

/// What one pruning run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub messages: u64,
    pub faq_queries: u64,
    pub handled_events: u64,
    pub notices: u64,
    /// Leaderboard periods that ended, with their totals.
    pub periods: u64,
}

impl Pruned {
    pub fn total(&self) -> u64 {
        self.messages + self.faq_queries + self.handled_events + self.notices + self.periods
    }
}

/// Rows deleted per write transaction, so writers queued behind a pruning
/// run wait for one small batch at most.
const PRUNE_BATCH: i64 = 500;

impl Store {
    /// Deletes what is older than `keep` says, in small batches. Notices
    /// and FAQ questions go first, so the messages they pointed at can go
    /// in the same run. A message stays while anything still points at it:
    /// a vote (`/why` and the ledger name it), FAQ feedback, a kept FAQ
    /// question, a notice still kept, or a kept reply (so a thread goes
    /// from its newest old message back, one level per run).
    #[tracing::instrument(skip_all)]
    pub async fn prune(&self, keep: &Retention, now: DateTime<Utc>) -> Result<Pruned, StoreError> {
        let notices = self.prune_notices(now - keep.delivered_notices).await?;
        let faq_queries = self.prune_faq_queries(now - keep.faq_queries).await?;
        let messages = self.prune_messages(now - keep.messages).await?;
        let handled_events = self.prune_handled_events(now - keep.handled_events).await?;
        // A leaderboard period a day after its end: late votes are in.
        let periods = self.prune_periods(now - chrono::Duration::days(1)).await?;
        Ok(Pruned {
            messages,
            faq_queries,
            handled_events,
            notices,
            periods,
        })
    }

    /// Deletes messages written before `before` that nothing points at.
    async fn prune_messages(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut deleted = 0;
        // Walks the old messages once, oldest first, by (created_at, id).
        let mut cursor: (String, i64) = (String::new(), 0);
        loop {
            let batch: Vec<(String, i64)> = sqlx::query_as(
                "SELECT created_at, id FROM messages \
                 WHERE created_at < ?1 AND (created_at, id) > (?2, ?3) \
                 ORDER BY created_at, id LIMIT ?4",
            )
            .bind(before)
            .bind(&cursor.0)
            .bind(cursor.1)
            .bind(PRUNE_BATCH)
            .fetch_all(&mut *self.reader().await?)
            .await
            .context("finding old messages")?;
            let Some(last) = batch.last().cloned() else {
                return Ok(deleted);
            };
            let ids = serde_json::to_string(&batch.iter().map(|(_, id)| *id).collect::<Vec<_>>())
                .map_err(|error| StoreError::Inconsistent(error.to_string()))?;
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?1)) \
                   AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.message_id = messages.id) \
                   AND NOT EXISTS (SELECT 1 FROM faq_feedback f WHERE f.answer_message_id = messages.id) \
                   AND NOT EXISTS (SELECT 1 FROM faq_queries q WHERE q.message_id = messages.id) \
                   AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.reply_to = messages.id) \
                   AND id NOT IN (SELECT reply_to FROM outbox WHERE reply_to IS NOT NULL \
                       UNION ALL SELECT replaces FROM outbox WHERE replaces IS NOT NULL \
                       UNION ALL SELECT origin_message FROM outbox WHERE origin_message IS NOT NULL \
                       UNION ALL SELECT message_id FROM outbox WHERE message_id IS NOT NULL)",
            )
            .bind(ids)
            .execute(&mut *tx)
            .await
            .context("pruning old messages")?;
            tx.commit().await.context("committing pruned messages")?;
            deleted += done.rows_affected();
            cursor = last;
        }
    }

    /// Deletes the marks of platform events handled before `before`.
    async fn prune_handled_events(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.delete_in_batches(
            "DELETE FROM handled_events WHERE event_key IN \
             (SELECT event_key FROM handled_events WHERE created_at < ? LIMIT ?)",
            before,
            "pruning handled events",
        )
        .await
    }

    /// Runs `delete` (whose parameters are a cut-off time and a batch size)
    /// in transactions of [`PRUNE_BATCH`] rows until a batch comes short, so
    /// pruning never holds the write lock for long; how many rows went.
    pub(super) async fn delete_in_batches(
        &self,
        delete: &'static str,
        before: DateTime<Utc>,
        what: &'static str,
    ) -> Result<u64, StoreError> {
        let mut deleted = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(delete)
                .bind(before)
                .bind(PRUNE_BATCH)
                .execute(&mut *tx)
                .await
                .context(what)?;
            tx.commit().await.context(what)?;
            deleted += done.rows_affected();
            if done.rows_affected() < PRUNE_BATCH as u64 {
                return Ok(deleted);
            }
        }
    }
}

fn message_from_row(row: &SqliteRow) -> Result<StoredMessage, sqlx::Error> {
    let buttons: String = row.try_get("buttons")?;
    Ok(StoredMessage {
        id: MessageId(row.try_get("id")?),
        platform: row.try_get("platform")?,
        place: row.try_get("place")?,
        author: row.try_get::<Option<i64>, _>("author_id")?.map(MemberId),
        from_bot: row.try_get("from_bot")?,
        private: row.try_get("private")?,
        reply_to: row.try_get::<Option<i64>, _>("reply_to")?.map(MessageId),
        body: row.try_get("body")?,
        buttons: serde_json::from_str(&buttons).unwrap_or_default(),
        created_at: row.try_get("created_at")?,
    })
}
