//! `/link` codes, and joining two members into one.
//!
//! Why: a fan with an account on Telegram and one on Discord should have
//! one balance, one history and one rank. `/link` on one account gives a
//! one-time code; the code sent from the other account joins the two
//! members.
//!
//! How:
//! - A code is stored only as its SHA-256, with its member, the platform
//!   that asked for it and its deadline. It is used once: the first
//!   attempt by another member uses it up, whether the link goes through
//!   or is refused (someone who should not have had the code then cannot
//!   try again), and so does a code sent where others could read it.
//! - Wrong codes are counted per member, so guessing is rate-limited.
//! - Joining is one write transaction: each table group moves the absorbed
//!   member's rows itself (`members`, `ledger`, `votes`, `claims`,
//!   `messages`, `faq`, `outbox`, `digests` and this file's own tables),
//!   and one audit entry records it. The member who sent the code
//!   survives, because the event that sent it is committed for that
//!   member; the other's row stays, marked merged into it, so its number
//!   still finds the member and is never given to anyone else.
//! - Splitting an account off (`/unlink`) gives it a new member of its own
//!   with an empty balance: the points stay with the member.

use chrono::{DateTime, NaiveDate, Utc};

use super::ledger::{AuditNote, reassign_points, record_audit};
use super::votes::{Collapsed, reassign_votes};
use super::{Context, Store, StoreError};
use crate::club::model::{MemberId, Platform};

/// A code to issue, and the limit on how many a member may ask for.
#[derive(Debug, Clone)]
pub struct CodeRequest<'a> {
    pub member: MemberId,
    pub platform: Platform,
    /// The SHA-256 of the code, in hex.
    pub code_hash: &'a str,
    pub expires_at: DateTime<Utc>,
    /// At most `max_recent` codes since `recent_since` per member.
    pub recent_since: DateTime<Utc>,
    pub max_recent: i64,
}

/// What became of a request for a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeIssued {
    Issued,
    /// The member asked for too many codes lately; none was issued.
    TooMany,
}

/// A code sent by a member, and the limit on wrong ones.
#[derive(Debug, Clone)]
pub struct Redeem<'a> {
    pub code_hash: &'a str,
    /// The member who sent the code: the one who stays.
    pub member: MemberId,
    /// At most `max_wrong` wrong codes since `wrong_since` per member.
    pub wrong_since: DateTime<Utc>,
    pub max_wrong: i64,
}

/// What became of a code sent to be redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// The two members are one now.
    Linked(Joined),
    /// No such code (the attempt was counted).
    Wrong,
    /// Too many wrong codes lately: the code was not even looked up.
    TooManyWrong,
    Expired,
    /// Used before (or sent where others could read it).
    Used,
    /// The member's own code: it is still good for their other account.
    Own,
    /// Both members have an account on this platform; a member has at most
    /// one per platform. The code is used up.
    SharedPlatform {
        platform: String,
    },
}

/// Two members joined into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Joined {
    /// The member the code belonged to, now merged.
    pub absorbed: MemberId,
    /// The member who sent the code, who has both accounts now.
    pub survivor: MemberId,
    /// The balance that moved over.
    pub points_moved: i64,
    /// Votes that no longer stand because one person cast them twice or
    /// for themselves, and what taking them back cost.
    pub collapsed: Collapsed,
}

impl Store {
    /// Stores a code for `request.member`, unless they asked for too many
    /// lately.
    #[tracing::instrument(skip_all)]
    pub async fn issue_link_code(
        &self,
        request: &CodeRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<CodeIssued, StoreError> {
        let mut tx = self.begin_write().await?;
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM link_codes WHERE member_id = ? AND created_at >= ?",
        )
        .bind(request.member.0)
        .bind(request.recent_since)
        .fetch_one(&mut *tx)
        .await
        .context("counting a member's link codes")?;
        if recent >= request.max_recent {
            return Ok(CodeIssued::TooMany);
        }
        sqlx::query(
            "INSERT INTO link_codes (code_hash, member_id, platform, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(request.code_hash)
        .bind(request.member.0)
        .bind(request.platform.as_str())
        .bind(now)
        .bind(request.expires_at)
        .execute(&mut *tx)
        .await
        .context("storing a link code")?;
        tx.commit().await.context("committing a link code")?;
        Ok(CodeIssued::Issued)
    }

    /// Redeems a code: joins its member into the sender's, all in one
    /// transaction with one audit entry, or says why not.
    #[tracing::instrument(skip_all)]
    pub async fn redeem_link_code(
        &self,
        redeem: &Redeem<'_>,
        now: DateTime<Utc>,
    ) -> Result<Redemption, StoreError> {
        let mut tx = self.begin_write().await?;
        let wrong: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM link_attempts WHERE member_id = ? AND created_at >= ?",
        )
        .bind(redeem.member.0)
        .bind(redeem.wrong_since)
        .fetch_one(&mut *tx)
        .await
        .context("counting wrong link codes")?;
        if wrong >= redeem.max_wrong {
            return Ok(Redemption::TooManyWrong);
        }
        let code: Option<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT member_id, expires_at, used_at FROM link_codes WHERE code_hash = ?",
        )
        .bind(redeem.code_hash)
        .fetch_optional(&mut *tx)
        .await
        .context("looking up a link code")?;
        let Some((owner, expires_at, used_at)) = code else {
            sqlx::query("INSERT INTO link_attempts (member_id, created_at) VALUES (?, ?)")
                .bind(redeem.member.0)
                .bind(now)
                .execute(&mut *tx)
                .await
                .context("counting a wrong link code")?;
            tx.commit().await.context("committing a wrong link code")?;
            return Ok(Redemption::Wrong);
        };
        let owner = MemberId(owner);
        if used_at.is_some() {
            return Ok(Redemption::Used);
        }
        if expires_at <= now {
            return Ok(Redemption::Expired);
        }
        if owner == redeem.member {
            return Ok(Redemption::Own);
        }
        let shared = super::members::shared_platforms(&mut tx, owner, redeem.member).await?;
        let outcome = if shared.is_empty() {
            "linked"
        } else {
            "refused"
        };
        if !use_code(&mut tx, redeem.code_hash, redeem.member, outcome, now).await? {
            return Ok(Redemption::Used);
        }
        if let Some(platform) = shared.into_iter().next() {
            tx.commit().await.context("committing a refused link")?;
            return Ok(Redemption::SharedPlatform { platform });
        }
        let Some(joined) = join(&mut tx, owner, redeem.member, now).await? else {
            return Ok(Redemption::Used);
        };
        tx.commit().await.context("committing a link")?;
        tracing::info!(
            absorbed = joined.absorbed.0,
            survivor = joined.survivor.0,
            "members linked"
        );
        Ok(Redemption::Linked(joined))
    }

    /// Uses up an unused code because it was sent where others could read
    /// it. Whether there was such a code.
    #[tracing::instrument(skip_all)]
    pub async fn expose_link_code(
        &self,
        code_hash: &str,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let exposed = use_code(&mut tx, code_hash, member, "exposed", now).await?;
        tx.commit()
            .await
            .context("committing an exposed link code")?;
        Ok(exposed)
    }

    /// Splits `member`'s account on `platform` off into a new member with
    /// an empty balance, with one audit entry. The new member, or `None`
    /// when `member` has no account there or no other account.
    #[tracing::instrument(skip_all, fields(%platform))]
    pub async fn unlink(
        &self,
        member: MemberId,
        platform: Platform,
        fan_since: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Option<MemberId>, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(split) =
            super::members::split_identity(&mut tx, member, platform, fan_since, now).await?
        else {
            return Ok(None);
        };
        let note = AuditNote {
            actor: member,
            action: "unlink",
            detail: format!("{platform} account split off as member #{}", split.0),
        };
        record_audit(&mut tx, &note, Some(member), now).await?;
        tx.commit().await.context("committing an unlink")?;
        tracing::info!(member = member.0, split = split.0, "account unlinked");
        Ok(Some(split))
    }
}

/// Marks a code used by `member`; `false` when it was used already.
async fn use_code(
    tx: &mut sqlx::SqliteConnection,
    code_hash: &str,
    member: MemberId,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let used = sqlx::query(
        "UPDATE link_codes SET used_at = ?, used_by = ?, outcome = ? \
         WHERE code_hash = ? AND used_at IS NULL",
    )
    .bind(now)
    .bind(member.0)
    .bind(outcome)
    .bind(code_hash)
    .execute(&mut *tx)
    .await
    .context("using up a link code")?;
    Ok(used.rows_affected() == 1)
}

/// Joins `absorbed` into `survivor`: every table group moves its rows,
/// then one audit entry. `None` when `absorbed` was merged meanwhile.
async fn join(
    tx: &mut sqlx::SqliteConnection,
    absorbed: MemberId,
    survivor: MemberId,
    now: DateTime<Utc>,
) -> Result<Option<Joined>, StoreError> {
    if !super::members::merge_member(tx, absorbed, survivor).await? {
        return Ok(None);
    }
    let points_moved = reassign_points(tx, absorbed, survivor, now).await?;
    super::claims::reassign_claims(tx, absorbed, survivor).await?;
    super::messages::reassign_messages(tx, absorbed, survivor).await?;
    super::faq::reassign_faq(tx, absorbed, survivor).await?;
    super::outbox::reassign_delivery(tx, absorbed, survivor).await?;
    super::digests::reassign_earned(tx, absorbed, survivor).await?;
    super::reassign(
        tx,
        absorbed,
        survivor,
        &[
            "UPDATE link_codes SET member_id = ?1 WHERE member_id = ?2",
            "UPDATE link_codes SET used_by = ?1 WHERE used_by = ?2",
            "UPDATE link_attempts SET member_id = ?1 WHERE member_id = ?2",
        ],
        "moving link codes",
    )
    .await?;
    // Last: taking back a doubled vote needs the merged balance.
    let collapsed = reassign_votes(tx, absorbed, survivor, now).await?;
    let note = AuditNote {
        actor: survivor,
        action: "link",
        detail: format!(
            "member #{} joined into #{}: {} points moved, {} doubled votes withdrawn ({} points taken back)",
            absorbed.0, survivor.0, points_moved, collapsed.votes, collapsed.points
        ),
    };
    record_audit(tx, &note, Some(survivor), now).await?;
    Ok(Some(Joined {
        absorbed,
        survivor,
        points_moved,
        collapsed,
    }))
}
