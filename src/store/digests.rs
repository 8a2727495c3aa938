//! Points earned, gathered for the members' private digests.
//!
//! Each booking that earns (or, for a revocation, takes) points leaves a row
//! here, keyed by what booked it so a replayed event leaves one. The club
//! turns a member's waiting rows into one digest notice; the notice and the
//! rows' `digested_at` are written in one transaction, so a digest is
//! neither lost nor sent twice.
//!
//! A vote withdrawn or revoked before its digest went out takes its row
//! (and the badge it brought) out of the waiting digest in the reversal's
//! transaction, so the digest tells only points the member still has. Once
//! told, a row stays: the member's balance shows the reversal.

use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteConnection};

use super::{Context, Query, Store, StoreError};
use crate::club::model::MemberId;
use crate::club::reply::Reply;

/// What earned points, for the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarnedKind {
    Upvote,
    Solution,
    Thanks,
    /// A moderator's grant (negative: a revocation).
    Grant,
    /// A milestone badge (no points; `reason` is its message id).
    Badge,
}

impl EarnedKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EarnedKind::Upvote => "upvote",
            EarnedKind::Solution => "solution",
            EarnedKind::Thanks => "thanks",
            EarnedKind::Grant => "grant",
            EarnedKind::Badge => "badge",
        }
    }

    fn parse(kind: &str) -> EarnedKind {
        match kind {
            "upvote" => EarnedKind::Upvote,
            "solution" => EarnedKind::Solution,
            "thanks" => EarnedKind::Thanks,
            "badge" => EarnedKind::Badge,
            _ => EarnedKind::Grant,
        }
    }
}

/// Points booked for a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earned {
    pub member: MemberId,
    pub kind: EarnedKind,
    pub points: i64,
    pub from: Option<String>,
    pub reason: Option<String>,
    /// Unique per booking (the ledger's idempotency key will do).
    pub source_key: String,
}

/// One member's waiting rows, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingDigest {
    pub member: MemberId,
    /// Whether the member wants digests (`/notify`).
    pub wanted: bool,
    pub items: Vec<(i64, Earned)>,
}

/// Writes an earned row (a replayed booking's is already there); anonymous
/// parameters, bound by [`bind_earned`]. The caller ends it with a `WHERE`
/// clause (a condition of its own, or `true`) and the conflict clause, so
/// a statement that books points can write its row only when the booking
/// did.
macro_rules! earned_sql {
    () => {
        "INSERT INTO earned_points (member_id, kind, points, from_name, reason, source_key, created_at) \
         SELECT ?, ?, ?, ?, ?, ?, ?"
    };
}

/// Binds an earned row's values to [`earned_sql`]'s parameters.
pub(crate) fn bind_earned<'q>(
    query: Query<'q>,
    earned: &'q Earned,
    now: DateTime<Utc>,
) -> Query<'q> {
    query
        .bind(earned.member.0)
        .bind(earned.kind.as_str())
        .bind(earned.points)
        .bind(&earned.from)
        .bind(&earned.reason)
        .bind(&earned.source_key)
        .bind(now)
}

/// Writes an earned row inside the caller's transaction.
pub(crate) async fn insert_earned(
    tx: &mut sqlx::SqliteConnection,
    earned: &Earned,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    bind_earned(
        sqlx::query(concat!(earned_sql!(), " WHERE true ON CONFLICT DO NOTHING")),
        earned,
        now,
    )
    .execute(&mut *tx)
    .await
    .context("recording earned points")?;
    Ok(())
}

/// The row of what vote `vote` paid its author.
pub fn vote_source_key(vote: i64) -> String {
    format!("vote:{vote}")
}

/// The row of the milestone badge vote `vote` took its author to.
pub fn badge_source_key(vote: i64) -> String {
    format!("badge:{vote}")
}

/// Takes reversed votes' points, and the badges they brought, out of their
/// authors' waiting digests; rows already told stay. For `votes` votes,
/// each bound by [`bind_untell`] as (vote, points taken back); the rows'
/// keys are [`vote_source_key`] and [`badge_source_key`].
pub(super) fn untell_sql(votes: usize) -> String {
    let values = vec!["(?, ?, ?)"; votes].join(", ");
    format!(
        "WITH u (paid, badge, reversed) AS (VALUES {values}) \
         DELETE FROM earned_points WHERE id IN (SELECT e.id FROM u JOIN earned_points e \
             ON e.source_key IN (u.paid, u.badge) \
             WHERE e.digested_at IS NULL AND (e.kind = 'badge' OR e.points <= u.reversed)); \
         WITH u (paid, badge, reversed) AS (VALUES {values}) \
         UPDATE earned_points SET points = points - u.reversed FROM u \
         WHERE earned_points.source_key = u.paid AND earned_points.digested_at IS NULL",
    )
}

/// Binds (vote id, points taken back) pairs to [`untell_sql`]'s
/// parameters (its values come twice: once per statement).
pub(super) fn bind_untell<'q>(
    mut query: Query<'q>,
    reversed: impl Iterator<Item = (i64, i64)> + Clone,
) -> Query<'q> {
    for _statement in 0..2 {
        for (vote, points) in reversed.clone() {
            query = query
                .bind(vote_source_key(vote))
                .bind(badge_source_key(vote))
                .bind(points);
        }
    }
    query
}

impl Store {
    /// Records points booked for a member's next digest.
    #[tracing::instrument(skip_all)]
    pub async fn record_earned(
        &self,
        earned: &Earned,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.atomically(async { insert_earned(&mut *self.writer().await?, earned, now).await })
            .await
    }

    /// The members whose oldest waiting row is from before `due_before`,
    /// with all their waiting rows.
    #[tracing::instrument(skip_all)]
    pub async fn waiting_digests(
        &self,
        due_before: DateTime<Utc>,
    ) -> Result<Vec<WaitingDigest>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.id, e.member_id, e.kind, e.points, e.from_name, e.reason, e.source_key, \
                    COALESCE(d.recognition, 1) AS wanted \
             FROM earned_points e LEFT JOIN member_delivery d ON d.member_id = e.member_id \
             WHERE e.digested_at IS NULL AND e.member_id IN \
               (SELECT member_id FROM earned_points WHERE digested_at IS NULL \
                GROUP BY member_id HAVING MIN(created_at) <= ?) \
             ORDER BY e.member_id, e.id",
        )
        .bind(due_before)
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("reading waiting digests")?;
        let mut digests: Vec<WaitingDigest> = Vec::new();
        for row in rows {
            let decode = || -> Result<(bool, i64, Earned), sqlx::Error> {
                let earned = Earned {
                    member: MemberId(row.try_get("member_id")?),
                    kind: EarnedKind::parse(&row.try_get::<String, _>("kind")?),
                    points: row.try_get("points")?,
                    from: row.try_get("from_name")?,
                    reason: row.try_get("reason")?,
                    source_key: row.try_get("source_key")?,
                };
                Ok((row.try_get("wanted")?, row.try_get("id")?, earned))
            };
            let (wanted, id, earned) = decode().context("decoding earned points")?;
            match digests.last_mut() {
                Some(digest) if digest.member == earned.member => digest.items.push((id, earned)),
                _ => digests.push(WaitingDigest {
                    member: earned.member,
                    wanted,
                    items: vec![(id, earned)],
                }),
            }
        }
        Ok(digests)
    }

    /// Marks rows up to `last_id` of `member` digested and writes the
    /// digest notice (none when the member opted out), in one transaction.
    #[tracing::instrument(skip_all)]
    pub async fn commit_digest(
        &self,
        member: MemberId,
        last_id: i64,
        notice: Option<&Reply>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let marked = sqlx::query(
            "UPDATE earned_points SET digested_at = ? WHERE member_id = ? AND id <= ? AND digested_at IS NULL",
        )
        .bind(now)
        .bind(member.0)
        .bind(last_id)
        .execute(&mut *tx)
        .await
        .context("marking earned points told")?;
        if marked.rows_affected() == 0 {
            // Another process sent this digest.
            return Ok(false);
        }
        if let Some(notice) = notice {
            // The outbox schedules by the wall clock, the digest by the club's.
            let written = super::outbox::NoticeWrite::default();
            super::outbox::insert_notice(&mut tx, notice, &written, Utc::now()).await?;
        }
        tx.commit().await.context("committing a digest")?;
        Ok(true)
    }

    /// Sends `member`'s private notices to `platform` while it can reach
    /// them, whichever platform they used last (`/notify here`).
    #[tracing::instrument(skip_all)]
    pub async fn prefer_platform(
        &self,
        member: MemberId,
        platform: crate::club::model::Platform,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write_alone(
            sqlx::query(
                "INSERT INTO member_delivery (member_id, preferred_platform, updated_at) VALUES (?, ?, ?) \
                 ON CONFLICT (member_id) DO UPDATE SET preferred_platform = excluded.preferred_platform, \
                 updated_at = excluded.updated_at",
            )
            .bind(member.0)
            .bind(platform.as_str())
            .bind(now),
            "choosing where a member is reached",
        )
        .await?;
        Ok(())
    }

    /// Switches a member's digests of points earned on or off (`/notify`).
    #[tracing::instrument(skip_all)]
    pub async fn set_recognition(
        &self,
        member: MemberId,
        on: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write_alone(
            sqlx::query(
                "INSERT INTO member_delivery (member_id, recognition, updated_at) VALUES (?, ?, ?) \
                 ON CONFLICT (member_id) DO UPDATE SET recognition = excluded.recognition, \
                 updated_at = excluded.updated_at",
            )
            .bind(member.0)
            .bind(on)
            .bind(now),
            "switching a member's digests",
        )
        .await?;
        Ok(())
    }
}

/// Moves `from`'s points waiting for a digest to `to`, inside the caller's
/// write transaction (members being joined).
pub(crate) async fn reassign_earned(
    tx: &mut SqliteConnection,
    from: MemberId,
    to: MemberId,
) -> Result<(), StoreError> {
    super::reassign(
        tx,
        from,
        to,
        &["UPDATE earned_points SET member_id = ?1 WHERE member_id = ?2"],
        "moving points waiting for a digest",
    )
    .await
}
