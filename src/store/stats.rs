//! Figures about the stored state, read when `/metrics` or `/healthz` is
//! asked: claims by state, the outbox's depth and failures, points booked.
//! Computing them from the store at scrape time keeps counters out of the
//! code that writes, and they are right after a restart.

use chrono::{DateTime, Utc};

use super::{Context as _, Store, StoreError};

/// What the store holds, for the metrics endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Claims per state (`pending`, `approved`, …).
    pub claims_by_state: Vec<(String, i64)>,
    /// Notices waiting for delivery, per platform (`none` while no platform
    /// reaches the addressee).
    pub outbox_waiting: Vec<(String, i64)>,
    /// Notices given up after their last attempt.
    pub outbox_failed: i64,
    /// When the longest-waiting due notice should have gone out.
    pub oldest_due: Option<DateTime<Utc>>,
    /// The sum of every member's balance.
    pub points_balance: i64,
    /// Points ever earned, summed over members.
    pub points_earned: i64,
    /// Rows in the ledger (its highest id: rows are never deleted).
    pub ledger_rows: i64,
    /// Members, merged ones not counted.
    pub members: i64,
}

impl Store {
    /// Reads [`StoreStats`]; every query is an index or a small table.
    #[tracing::instrument(skip_all)]
    pub async fn stats(&self) -> Result<StoreStats, StoreError> {
        let mut conn = self.reader().await?;
        let claims_by_state: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM claims GROUP BY state ORDER BY state")
                .fetch_all(&mut *conn)
                .await
                .context("counting claims by state")?;
        let outbox_waiting: Vec<(String, i64)> = sqlx::query_as(
            "SELECT COALESCE(platform, 'none'), COUNT(*) FROM outbox \
             WHERE delivered_at IS NULL AND failed_at IS NULL \
             GROUP BY 1 ORDER BY 1",
        )
        .fetch_all(&mut *conn)
        .await
        .context("counting waiting notices")?;
        let outbox_failed: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL")
                .fetch_one(&mut *conn)
                .await
                .context("counting failed notices")?;
        let oldest_due: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM outbox \
             WHERE delivered_at IS NULL AND failed_at IS NULL AND platform IS NOT NULL",
        )
        .fetch_one(&mut *conn)
        .await
        .context("reading the oldest due notice")?;
        let (points_balance, points_earned): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(balance), 0), COALESCE(SUM(lifetime_earned), 0) FROM balances",
        )
        .fetch_one(&mut *conn)
        .await
        .context("summing balances")?;
        let ledger_rows: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM ledger")
            .fetch_one(&mut *conn)
            .await
            .context("counting ledger rows")?;
        let members: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE merged_into IS NULL")
                .fetch_one(&mut *conn)
                .await
                .context("counting members")?;
        Ok(StoreStats {
            claims_by_state,
            outbox_waiting,
            outbox_failed,
            oldest_due,
            points_balance,
            points_earned,
            ledger_rows,
            members,
        })
    }
}
