//! The inbox: platform updates taken but not yet handled.
//!
//! Why: Telegram forgets an update once `getUpdates` is called past it. An
//! adapter that waits for every update to be handled before fetching more
//! lets one slow chat hold up all the others; one that fetches ahead loses
//! what was running when the process dies. The inbox keeps both: a fetched
//! batch is written here (one transaction) before the platform is told it
//! was received, each update is deleted once handled, and what is left at
//! start is handled again (idempotently, by its event key).

use chrono::{DateTime, Utc};

use super::{Context, Store, StoreError};
use crate::club::model::Platform;

/// One update as the adapter serialised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxUpdate {
    pub update_id: i64,
    pub body: String,
}

impl Store {
    /// Writes `received` (already known ids are kept as they are) and
    /// deletes `handled`, in one transaction.
    #[tracing::instrument(skip_all, fields(%platform, received = received.len(), handled = handled.len()))]
    pub async fn inbox_exchange(
        &self,
        platform: Platform,
        received: &[InboxUpdate],
        handled: &[i64],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if received.is_empty() && handled.is_empty() {
            // Nothing to write: no turn in the group commit.
            return Ok(());
        }
        // A whole batch in one statement each, one round trip: written
        // one row at a time, a batch of a hundred updates held the write
        // lock for two hundred round trips.
        let received = serde_json::to_string(
            &received
                .iter()
                .map(|update| (update.update_id, update.body.as_str()))
                .collect::<Vec<_>>(),
        )
        .map_err(|error| StoreError::Inconsistent(format!("updates cannot be JSON: {error}")))?;
        let handled = serde_json::to_string(handled).map_err(|error| {
            StoreError::Inconsistent(format!("update ids cannot be JSON: {error}"))
        })?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT OR IGNORE INTO inbox (platform, update_id, body, received_at) \
             SELECT ?1, value ->> 0, value ->> 1, ?2 FROM json_each(?3); \
             DELETE FROM inbox WHERE platform = ?1 \
               AND update_id IN (SELECT value FROM json_each(?4))",
        )
        .bind(platform.as_str())
        .bind(now)
        .bind(received)
        .bind(handled)
        .execute(&mut *tx)
        .await
        .context("writing updates to the inbox and deleting handled ones")?;
        tx.commit().await.context("committing the inbox")?;
        Ok(())
    }

    /// The updates of `platform` still waiting to be handled, oldest first.
    #[tracing::instrument(skip_all, fields(%platform))]
    pub async fn inbox_waiting(&self, platform: Platform) -> Result<Vec<InboxUpdate>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT update_id, body FROM inbox WHERE platform = ? ORDER BY update_id",
        )
        .bind(platform.as_str())
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("reading the inbox")?;
        Ok(rows
            .into_iter()
            .map(|(update_id, body)| InboxUpdate { update_id, body })
            .collect())
    }
}
