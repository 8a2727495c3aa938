//! The append-only points ledger, cached balances and the audit log.
//!
//! Every change of points is one ledger row with a unique idempotency key;
//! the cached balance moves in the same transaction, guarded so it can never
//! go below zero (and a CHECK constraint stands behind the guard). A posting
//! applied twice finds its key taken and changes nothing. Moderator actions
//! write their audit entry in that same transaction, so the audit log cannot
//! miss a booking or record one that did not happen.

use chrono::{DateTime, Utc};
use sqlx::{Column, Row};

use super::{Context, Store, StoreError};
use crate::club::model::MemberId;

/// One change of a member's points, as the core asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub member: MemberId,
    /// Positive credits, negative debits; never zero.
    pub amount: i64,
    /// What kind of booking this is.
    pub kind: LedgerKind,
    pub reason: String,
    /// Who caused it (the moderator, the voter), if anyone.
    pub actor: Option<MemberId>,
    /// What it refers to (a message, a claim), as free text.
    pub source: Option<String>,
    /// Unique per real-world event: the same key twice books once.
    pub idempotency_key: String,
    /// A moderator action to record in the audit log with the booking.
    pub audit: Option<AuditNote>,
}

/// The kinds of ledger entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    /// A moderator's credit or debit.
    Grant,
    /// An upvote on a helpful answer, and its withdrawal or revocation.
    Upvote,
    UpvoteReversal,
    /// An answer marked as the solution, and its withdrawal or revocation.
    Solution,
    SolutionReversal,
    /// Points held for a shop claim, and their refund when it does not go
    /// through. Spending, not earning.
    Hold,
    Refund,
}

impl LedgerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Grant => "grant",
            LedgerKind::Upvote => "upvote",
            LedgerKind::UpvoteReversal => "upvote_reversal",
            LedgerKind::Solution => "solution",
            LedgerKind::SolutionReversal => "solution_reversal",
            LedgerKind::Hold => "hold",
            LedgerKind::Refund => "refund",
        }
    }

    /// Earned points (and their corrections) count for "lifetime earned"
    /// and leaderboards; spending does not.
    pub fn is_earning(self) -> bool {
        match self {
            LedgerKind::Grant
            | LedgerKind::Upvote
            | LedgerKind::UpvoteReversal
            | LedgerKind::Solution
            | LedgerKind::SolutionReversal => true,
            LedgerKind::Hold | LedgerKind::Refund => false,
        }
    }
}

/// An audit log entry written together with a posting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditNote {
    pub actor: MemberId,
    pub action: &'static str,
    pub detail: String,
}

/// What became of a posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostingOutcome {
    /// Booked; the member's balance is now `balance`.
    Applied { entry: i64, balance: i64 },
    /// The idempotency key was booked before; nothing changed.
    AlreadyApplied { balance: i64 },
    /// A debit larger than the balance; nothing changed.
    Insufficient { balance: i64 },
}

/// A member's points and place in the club.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub balance: i64,
    pub lifetime_earned: i64,
    /// 1 for the member who earned most; ties share a rank. `None` for a
    /// member who has earned nothing yet: last among equals is no rank.
    pub rank: Option<i64>,
    /// How many (non-bot) members are ranked: those who earned points.
    pub members: i64,
}

/// A member and the points they earned in some period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earner {
    pub member: MemberId,
    pub name: String,
    pub earned: i64,
}

/// One line of a member's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub amount: i64,
    pub kind: String,
    /// As written when it was booked: a moderator's words for a grant, a
    /// record such as `claim 5: mug` for the rest (shown in the reader's
    /// language from `source` and `actor` instead).
    pub reason: String,
    /// What the posting belongs to: `message 52`, `vote 7`, `claim 5`.
    pub source: Option<String>,
    /// The member who caused it (a voter, a moderator), by today's name.
    pub actor: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Books a posting: the ledger row, the cached balance and the audit
    /// entry, all or nothing.
    #[tracing::instrument(skip_all, fields(kind = posting.kind.as_str(), amount = posting.amount))]
    pub async fn post(
        &self,
        posting: &Posting,
        now: DateTime<Utc>,
    ) -> Result<PostingOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        let outcome = book(&mut tx, posting, now).await?;
        if let PostingOutcome::Applied { .. } = outcome {
            if let Some(audit) = &posting.audit {
                record_audit(&mut tx, audit, Some(posting.member), now).await?;
            }
            tx.commit().await.context("committing a posting")?;
        }
        Ok(outcome)
    }

    /// A member's spendable points.
    #[tracing::instrument(skip_all)]
    pub async fn balance(&self, member: MemberId) -> Result<i64, StoreError> {
        let balance: Option<i64> =
            sqlx::query_scalar("SELECT balance FROM balances WHERE member_id = ?")
                .bind(member.0)
                .fetch_optional(&mut *self.reader().await?)
                .await
                .context("reading a balance")?;
        Ok(balance.unwrap_or(0))
    }

    /// A member's balance, lifetime earnings and rank among members. The
    /// rank sums the table of how many members reached each lifetime total
    /// (kept by a trigger, migration 0016): a sum over distinct totals, not
    /// a count over every member.
    #[tracing::instrument(skip_all)]
    pub async fn standing(&self, member: MemberId) -> Result<Standing, StoreError> {
        let row = sqlx::query(
            "SELECT b.balance, b.lifetime_earned, \
                 COALESCE((SELECT SUM(members) FROM earned_ranks \
                  WHERE lifetime_earned > b.lifetime_earned), 0) + 1 AS rank, \
                 COALESCE((SELECT SUM(members) FROM earned_ranks WHERE lifetime_earned > 0), 0) AS members \
             FROM balances b WHERE b.member_id = ?",
        )
        .bind(member.0)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .context("reading a standing")?
        .ok_or_else(|| {
            StoreError::Inconsistent(format!("member {} has no balance row", member.0))
        })?;
        let read = |source| StoreError::Query {
            context: "decoding a standing",
            source,
        };
        let lifetime_earned: i64 = row.try_get("lifetime_earned").map_err(read)?;
        let rank: i64 = row.try_get("rank").map_err(read)?;
        Ok(Standing {
            balance: row.try_get("balance").map_err(read)?,
            lifetime_earned,
            rank: (lifetime_earned > 0).then_some(rank),
            members: row.try_get("members").map_err(read)?,
        })
    }

    /// Every member who earned points since `since` (all time without it),
    /// most first. Earned, not balance: spending does not move anyone down.
    #[tracing::instrument(skip_all)]
    pub async fn earned_ranking(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<Earner>, StoreError> {
        let rows = sqlx::query(
            "SELECT l.member_id, m.display_name, SUM(l.amount) AS earned \
             FROM ledger l JOIN members m ON m.id = l.member_id \
             WHERE l.earning = 1 AND m.is_bot = 0 AND (?1 IS NULL OR l.created_at >= ?1) \
             GROUP BY l.member_id HAVING earned > 0 ORDER BY earned DESC, m.display_name",
        )
        .bind(since)
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("ranking earners")?;
        rows.iter()
            .map(|row| {
                Ok(Earner {
                    member: MemberId(row.try_get("member_id")?),
                    name: row.try_get("display_name")?,
                    earned: row.try_get("earned")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context("decoding earners")
    }

    /// A member's latest ledger entries, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn history(
        &self,
        member: MemberId,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT l.amount, l.kind, l.reason, l.source, a.display_name AS actor, l.created_at \
             FROM ledger l LEFT JOIN members a ON a.id = l.actor_id \
             WHERE l.member_id = ? ORDER BY l.id DESC LIMIT ?",
        )
        .bind(member.0)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("reading a history")?;
        rows.iter()
            .map(|row| {
                Ok(HistoryEntry {
                    amount: row.try_get("amount")?,
                    kind: row.try_get("kind")?,
                    reason: row.try_get("reason")?,
                    source: row.try_get("source")?,
                    actor: row.try_get("actor")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context("decoding a history")
    }

    /// Records a moderator action that moves no points.
    #[tracing::instrument(skip_all, fields(action = audit.action))]
    pub async fn audit(
        &self,
        audit: &AuditNote,
        subject: Option<MemberId>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut connection = self.writer().await?;
        record_audit(&mut connection, audit, subject, now).await
    }

    /// How many audit entries an action has, for tests and reports.
    #[tracing::instrument(skip_all)]
    pub async fn audit_count(&self, action: &str) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = ?")
            .bind(action)
            .fetch_one(&mut *self.reader().await?)
            .await
            .context("counting audit entries")
    }
}

/// The statements that book a posting: the ledger row (nothing when its
/// idempotency key was booked before), then the cached balance, guarded so
/// it never goes below zero and moved only when the row was written
/// (`changes()`). One round trip; anonymous parameters only (bound by
/// [`bind_booking`]), so a caller may send statements of its own before
/// them in the same query (a vote's row: [`super::votes`]). The rows it
/// returns are read by [`booked`].
macro_rules! booking_sql {
    () => {
        "INSERT INTO ledger (member_id, amount, kind, reason, actor_id, source, idempotency_key, earning, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id AS entry; \
         UPDATE balances SET balance = balance + ?, \
             lifetime_earned = lifetime_earned + CASE WHEN ? THEN ? ELSE 0 END, updated_at = ? \
         WHERE member_id = ? AND balance + ? >= 0 AND changes() = 1 RETURNING balance"
    };
}
pub(crate) use booking_sql;

/// Binds a posting's values to [`booking_sql`]'s parameters.
pub(crate) fn bind_booking<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    posting: &'q Posting,
    now: DateTime<Utc>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    query
        .bind(posting.member.0)
        .bind(posting.amount)
        .bind(posting.kind.as_str())
        .bind(&posting.reason)
        .bind(posting.actor.map(|actor| actor.0))
        .bind(&posting.source)
        .bind(&posting.idempotency_key)
        .bind(posting.kind.is_earning())
        .bind(now)
        .bind(posting.amount)
        .bind(posting.kind.is_earning())
        .bind(posting.amount)
        .bind(now)
        .bind(posting.member.0)
        .bind(posting.amount)
}

/// What [`booking_sql`] did, from the rows it returned.
pub(crate) async fn booked(
    tx: &mut sqlx::SqliteConnection,
    posting: &Posting,
    rows: &[sqlx::sqlite::SqliteRow],
) -> Result<PostingOutcome, StoreError> {
    let read = |name: &str| -> Result<Option<i64>, StoreError> {
        rows.iter()
            .find(|row| row.columns().first().is_some_and(|c| c.name() == name))
            .map(|row| row.try_get::<i64, _>(0))
            .transpose()
            .context("decoding a booking")
    };
    let Some(entry) = read("entry")? else {
        let balance = balance_in(tx, posting.member).await?;
        return Ok(PostingOutcome::AlreadyApplied { balance });
    };
    match read("balance")? {
        Some(balance) => Ok(PostingOutcome::Applied { entry, balance }),
        None => {
            let balance = balance_in(tx, posting.member).await?;
            Ok(PostingOutcome::Insufficient { balance })
        }
    }
}

/// Books a posting inside the caller's write transaction: the ledger row
/// and the cached balance. On `AlreadyApplied` nothing was written; on
/// `Insufficient` the ledger row was, and the caller should roll back
/// (dropping the transaction does).
pub(crate) async fn book(
    tx: &mut sqlx::SqliteConnection,
    posting: &Posting,
    now: DateTime<Utc>,
) -> Result<PostingOutcome, StoreError> {
    let rows = bind_booking(sqlx::query(booking_sql!()), posting, now)
        .fetch_all(&mut *tx)
        .await
        .context("writing a ledger entry")?;
    booked(tx, posting, &rows).await
}

/// A member's balance as the transaction sees it.
pub(crate) async fn balance_in(
    tx: &mut sqlx::SqliteConnection,
    member: MemberId,
) -> Result<i64, StoreError> {
    let balance: Option<i64> =
        sqlx::query_scalar("SELECT balance FROM balances WHERE member_id = ?")
            .bind(member.0)
            .fetch_optional(&mut *tx)
            .await
            .context("reading a balance")?;
    Ok(balance.unwrap_or(0))
}

pub(crate) async fn record_audit(
    tx: &mut sqlx::SqliteConnection,
    audit: &AuditNote,
    subject: Option<MemberId>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_log (actor_id, action, subject_id, detail, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(audit.actor.0)
        .bind(audit.action)
        .bind(subject.map(|subject| subject.0))
        .bind(&audit.detail)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("writing the audit log")?;
    Ok(())
}

/// Moves everything `from` owns in points to `to`, inside the caller's
/// write transaction (members being joined; `from` is already marked
/// merged into `to`, which the ledger's trigger insists on): its ledger
/// rows as owner and as actor, its balance, lifetime earnings and held
/// points, and its audit entries. `from`'s balance row stays, at zero.
/// Returns the points moved.
pub(crate) async fn reassign_points(
    tx: &mut sqlx::SqliteConnection,
    from: MemberId,
    to: MemberId,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    super::reassign(
        tx,
        from,
        to,
        &[
            "UPDATE ledger SET member_id = ?1 WHERE member_id = ?2",
            "UPDATE ledger SET actor_id = ?1 WHERE actor_id = ?2",
            "UPDATE audit_log SET actor_id = ?1 WHERE actor_id = ?2",
            "UPDATE audit_log SET subject_id = ?1 WHERE subject_id = ?2",
        ],
        "moving ledger and audit entries",
    )
    .await?;
    let moved = balance_in(tx, from).await?;
    sqlx::query(
        "UPDATE balances SET \
             balance = balance + (SELECT balance FROM balances WHERE member_id = ?2), \
             lifetime_earned = lifetime_earned + (SELECT lifetime_earned FROM balances WHERE member_id = ?2), \
             held = held + (SELECT held FROM balances WHERE member_id = ?2), \
             updated_at = ?3 \
         WHERE member_id = ?1",
    )
    .bind(to.0)
    .bind(from.0)
    .bind(now)
    .execute(&mut *tx)
    .await
    .context("adding up two balances")?;
    sqlx::query(
        "UPDATE balances SET balance = 0, lifetime_earned = 0, held = 0, updated_at = ? WHERE member_id = ?",
    )
    .bind(now)
    .bind(from.0)
    .execute(&mut *tx)
    .await
    .context("emptying a merged balance")?;
    Ok(moved)
}
