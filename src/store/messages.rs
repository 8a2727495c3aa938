//! The message log: every message the bot saw or sent.
//!
//! Later events point back at messages (a reply, a reaction, a button press),
//! possibly after a restart, so each message gets a stable id here with its
//! author and place. Platform message ids are unique per place; recording the
//! same platform message twice returns the first id and says it was seen.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Context, Store, StoreError};
use crate::club::model::{MemberId, MessageId, Platform};
use crate::club::reply::Button;

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
    }

    /// Replaces the text and buttons of a bot message that was edited.
    #[tracing::instrument(skip_all)]
    pub async fn edit_bot_message(
        &self,
        id: MessageId,
        body: &str,
        buttons: &[Button],
    ) -> Result<(), StoreError> {
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
    }

    /// Records a handled platform event; `false` when it was handled before.
    #[tracing::instrument(skip_all)]
    pub async fn first_time(
        &self,
        event_key: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let inserted = sqlx::query("INSERT INTO handled_events (event_key, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(event_key)
            .bind(now)
            .execute(&mut *self.writer().await?)
            .await
            .context("recording a handled event")?;
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
        // Platforms that report some events per chat (Telegram reactions
        // carry no forum topic) also find messages of the chat's topics,
        // recorded as `chat/topic`; an exact place wins.
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM messages WHERE platform = ?1 AND external_id = ?3 \
             AND (place = ?2 OR substr(place, 1, length(?2) + 1) = ?2 || '/') \
             ORDER BY place = ?2 DESC LIMIT 1",
        )
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
        let row = sqlx::query(
            "SELECT id, platform, place, author_id, from_bot, private, reply_to, body, buttons, created_at \
             FROM messages WHERE id = ?",
        )
        .bind(id.0)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .context("reading a message")?;
        let Some(row) = row else {
            return Ok(None);
        };
        let decode = |row: &sqlx::sqlite::SqliteRow| -> Result<StoredMessage, sqlx::Error> {
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
        };
        decode(&row).map(Some).context("decoding a message")
    }
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
