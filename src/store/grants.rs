//! Grants from a file: which rows were booked before, and booking a whole
//! file in one transaction.
//!
//! Each row of a grant file is its own ledger entry under its own key, so
//! a corrected or longer file books only what is new. A file is booked all
//! or nothing: when one row cannot be booked (a balance changed since the
//! file was checked), the whole transaction rolls back.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::ledger::{PostingOutcome, book, record_audit};
use super::{Context, Posting, Store, StoreError};
use crate::club::model::MemberId;

/// What booking a file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileBooking {
    /// Committed: for each posting, `true` when booked now, `false` when
    /// its key was booked meanwhile (by another import of the same rows).
    Booked(Vec<bool>),
    /// Posting `index` would take a balance below zero (it is `balance`
    /// now): nothing was written.
    RolledBack { index: usize, balance: i64 },
}

impl Store {
    /// Which of `keys` the ledger has booked.
    #[tracing::instrument(skip_all, fields(keys = keys.len()))]
    pub async fn booked_keys(&self, keys: &[String]) -> Result<HashSet<String>, StoreError> {
        let mut booked = HashSet::new();
        for chunk in keys.chunks(500) {
            let list = serde_json::to_string(chunk)
                .map_err(|error| StoreError::Inconsistent(error.to_string()))?;
            let found: Vec<String> = sqlx::query_scalar(
                "SELECT idempotency_key FROM ledger \
                 WHERE idempotency_key IN (SELECT value FROM json_each(?))",
            )
            .bind(list)
            .fetch_all(&mut *self.reader().await?)
            .await
            .context("looking up booked keys")?;
            booked.extend(found);
        }
        Ok(booked)
    }

    /// How many grants of `amount` with `reason` to `member` were booked
    /// from files under the old whole-file keys (`csv:<file>:<line>`),
    /// before each row had a key of its own.
    #[tracing::instrument(skip_all)]
    pub async fn old_file_grants(
        &self,
        member: MemberId,
        amount: i64,
        reason: &str,
    ) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM ledger WHERE kind = 'grant' AND member_id = ? AND amount = ? \
             AND reason = ? AND idempotency_key LIKE 'csv:%'",
        )
        .bind(member.0)
        .bind(amount)
        .bind(reason)
        .fetch_one(&mut *self.reader().await?)
        .await
        .context("counting grants booked from older files")
    }

    /// Books every posting (with its audit entry) in one transaction, or
    /// none of them.
    #[tracing::instrument(skip_all, fields(postings = postings.len()))]
    pub async fn book_file(
        &self,
        postings: &[Posting],
        now: DateTime<Utc>,
    ) -> Result<FileBooking, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut booked = Vec::with_capacity(postings.len());
        for (index, posting) in postings.iter().enumerate() {
            match book(&mut tx, posting, now).await? {
                PostingOutcome::Applied { .. } => {
                    if let Some(audit) = &posting.audit {
                        record_audit(&mut tx, audit, Some(posting.member), now).await?;
                    }
                    booked.push(true);
                }
                PostingOutcome::AlreadyApplied { .. } => booked.push(false),
                // Dropping the transaction rolls every row back.
                PostingOutcome::Insufficient { balance } => {
                    return Ok(FileBooking::RolledBack { index, balance });
                }
            }
        }
        tx.commit().await.context("committing a grant file")?;
        Ok(FileBooking::Booked(booked))
    }
}
