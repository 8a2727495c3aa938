//! The append-only points ledger, cached balances and the audit log.
//!
//! Every change of points is one ledger row with a unique idempotency key;
//! the cached balance moves in the same transaction, guarded so it can never
//! go below zero (and a CHECK constraint stands behind the guard). A posting
//! applied twice finds its key taken and changes nothing. Moderator actions
//! write their audit entry in that same transaction, so the audit log cannot
//! miss a booking or record one that did not happen.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::Row;

use super::{Context, Query, Store, StoreError};
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

/// A leaderboard period as the club works it out in its time zone, and
/// the end of the period after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodBounds {
    /// `week`, `month`, `season`.
    pub kind: &'static str,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub next_ends: DateTime<Utc>,
}

/// The top of a leaderboard and the viewer's place on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaderboard {
    /// Most first, equals by name; hidden members and bots left out.
    pub top: Vec<Earner>,
    /// `None` when the viewer earned nothing in the period.
    pub viewer: Option<Place>,
}

/// A member's place in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// One more than the listed members who earned more: hidden members
    /// take no place.
    pub rank: i64,
    pub earned: i64,
    /// The member left the leaderboards (or was forgotten).
    pub hidden: bool,
}

/// Where a leaderboard's totals come from.
#[derive(Debug, Clone, Copy)]
enum Totals {
    Period(i64),
    Lifetime,
}

impl Totals {
    /// Bound as `?1` of every query (the lifetime queries ignore it).
    fn key(self) -> i64 {
        match self {
            Totals::Period(id) => id,
            Totals::Lifetime => 0,
        }
    }

    /// The first `?3` listed earners, most first (`CROSS JOIN` keeps the
    /// totals' index as the outer loop).
    fn top_sql(self) -> &'static str {
        match self {
            Totals::Period(_) => {
                "SELECT pe.member_id, m.display_name, pe.earned FROM period_earned pe \
                 CROSS JOIN members m ON m.id = pe.member_id \
                 WHERE pe.period_id = ?1 AND pe.earned > 0 AND ?2 IS NULL AND m.is_bot = 0 \
                   AND m.leaderboard_hidden = 0 AND m.forgotten_at IS NULL \
                 ORDER BY pe.earned DESC LIMIT ?3"
            }
            Totals::Lifetime => {
                "SELECT b.member_id, m.display_name, b.lifetime_earned AS earned FROM balances b \
                 CROSS JOIN members m ON m.id = b.member_id \
                 WHERE ?1 = ?1 AND b.lifetime_earned > 0 AND ?2 IS NULL AND m.is_bot = 0 \
                   AND m.leaderboard_hidden = 0 AND m.forgotten_at IS NULL \
                 ORDER BY b.lifetime_earned DESC LIMIT ?3"
            }
        }
    }

    /// Listed earners with exactly `?2`, by name, the first `?3`.
    fn ties_sql(self) -> &'static str {
        match self {
            Totals::Period(_) => {
                "SELECT pe.member_id, m.display_name, pe.earned FROM period_earned pe \
                 CROSS JOIN members m ON m.id = pe.member_id \
                 WHERE pe.period_id = ?1 AND pe.earned = ?2 AND m.is_bot = 0 \
                   AND m.leaderboard_hidden = 0 AND m.forgotten_at IS NULL \
                 ORDER BY m.display_name LIMIT ?3"
            }
            Totals::Lifetime => {
                "SELECT b.member_id, m.display_name, b.lifetime_earned AS earned FROM balances b \
                 CROSS JOIN members m ON m.id = b.member_id \
                 WHERE ?1 = ?1 AND b.lifetime_earned = ?2 AND m.is_bot = 0 \
                   AND m.leaderboard_hidden = 0 AND m.forgotten_at IS NULL \
                 ORDER BY m.display_name LIMIT ?3"
            }
        }
    }

    /// `?2`'s total, whether they are hidden, and how many listed members
    /// earned more: every non-bot earner above (the rank table) less the
    /// hidden ones above (few, through their index).
    fn viewer_sql(self) -> &'static str {
        match self {
            Totals::Period(_) => {
                "SELECT pe.earned, \
                     (m.leaderboard_hidden = 1 OR m.forgotten_at IS NOT NULL) AS hidden, \
                     COALESCE((SELECT SUM(r.members) FROM period_ranks r \
                               WHERE r.period_id = ?1 AND r.earned > pe.earned), 0) \
                     - (SELECT COUNT(*) FROM members h \
                        WHERE (h.leaderboard_hidden = 1 OR h.forgotten_at IS NOT NULL) AND h.is_bot = 0 \
                          AND (SELECT he.earned FROM period_earned he \
                               WHERE he.period_id = ?1 AND he.member_id = h.id) > pe.earned) AS above \
                 FROM period_earned pe JOIN members m ON m.id = pe.member_id \
                 WHERE pe.period_id = ?1 AND pe.member_id = ?2 AND m.is_bot = 0"
            }
            Totals::Lifetime => {
                "SELECT b.lifetime_earned AS earned, \
                     (m.leaderboard_hidden = 1 OR m.forgotten_at IS NOT NULL) AS hidden, \
                     COALESCE((SELECT SUM(r.members) FROM earned_ranks r \
                               WHERE r.lifetime_earned > b.lifetime_earned), 0) \
                     - (SELECT COUNT(*) FROM members h \
                        WHERE (h.leaderboard_hidden = 1 OR h.forgotten_at IS NOT NULL) AND h.is_bot = 0 \
                          AND (SELECT hb.lifetime_earned FROM balances hb \
                               WHERE hb.member_id = h.id) > b.lifetime_earned) AS above \
                 FROM balances b JOIN members m ON m.id = b.member_id \
                 WHERE ?1 = ?1 AND b.member_id = ?2 AND m.is_bot = 0"
            }
        }
    }
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
    /// What the posting belongs to: `message 52`, `vote 7`, `claim 5`
    /// (a vote's booking: its vote's message).
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

    /// A leaderboard: the first `size` earners of a period (all time
    /// without one), hidden members and bots left out, and `viewer`'s
    /// place. Every query reads an index: the period's totals (registered
    /// with their past on first use, see [`PeriodBounds`]) or the lifetime
    /// totals, top down, and the rank tables for the viewer's place. The
    /// cost does not grow with the ledger or the number of members, only
    /// with how many members tie at the last place shown.
    #[tracing::instrument(skip_all, fields(period = period.map(|p| p.kind)))]
    pub async fn leaderboard(
        &self,
        period: Option<&PeriodBounds>,
        size: usize,
        viewer: MemberId,
    ) -> Result<Leaderboard, StoreError> {
        let source = match period {
            Some(bounds) => Totals::Period(self.period_id(bounds).await?),
            None => Totals::Lifetime,
        };
        let mut conn = self.reader().await?;
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let mut top = earners(&mut conn, source.top_sql(), source.key(), None, size).await?;
        if let Some(cut) = top.last().map(|earner| earner.earned)
            && top.len() as i64 == size
        {
            // Who of those tied at the last place shown is listed goes by
            // name, as the order among equals does.
            top.retain(|earner| earner.earned > cut);
            let room = size - top.len() as i64;
            top.extend(earners(&mut conn, source.ties_sql(), source.key(), Some(cut), room).await?);
        }
        top.sort_by(|a, b| b.earned.cmp(&a.earned).then_with(|| a.name.cmp(&b.name)));
        let mine = sqlx::query(source.viewer_sql())
            .bind(source.key())
            .bind(viewer.0)
            .fetch_optional(&mut *conn)
            .await
            .context("reading a leaderboard place")?;
        let viewer = match mine {
            Some(row) => {
                let read = |source| StoreError::Query {
                    context: "decoding a leaderboard place",
                    source,
                };
                let earned: i64 = row.try_get("earned").map_err(read)?;
                let above: i64 = row.try_get("above").map_err(read)?;
                let hidden: bool = row.try_get("hidden").map_err(read)?;
                (earned > 0).then_some(Place {
                    rank: above + 1,
                    earned,
                    hidden,
                })
            }
            None => None,
        };
        Ok(Leaderboard { top, viewer })
    }

    /// Deletes the leaderboard periods that ended before `before` with
    /// their totals (retention): only the current period of each kind is
    /// ever read, and `doctor` checks every kept one. How many went.
    #[tracing::instrument(skip_all)]
    pub(crate) async fn prune_periods(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        for sql in [
            "DELETE FROM period_ranks WHERE period_id IN \
             (SELECT id FROM leaderboard_periods WHERE ends_at < ?)",
            "DELETE FROM period_earned WHERE period_id IN \
             (SELECT id FROM leaderboard_periods WHERE ends_at < ?)",
        ] {
            sqlx::query(sql)
                .bind(before)
                .execute(&mut *tx)
                .await
                .context("pruning a past period's totals")?;
        }
        let done = sqlx::query("DELETE FROM leaderboard_periods WHERE ends_at < ?")
            .bind(before)
            .execute(&mut *tx)
            .await
            .context("pruning past periods")?;
        tx.commit().await.context("committing pruned periods")?;
        Ok(done.rows_affected())
    }

    /// The id of a leaderboard period, registering it (and the one after
    /// it, so that one starts empty and needs no catching up) when it is
    /// new.
    async fn period_id(&self, bounds: &PeriodBounds) -> Result<i64, StoreError> {
        let known: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM leaderboard_periods WHERE kind = ? AND starts_at = ?",
        )
        .bind(bounds.kind)
        .bind(bounds.starts)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .context("looking up a leaderboard period")?;
        if let Some(id) = known {
            return Ok(id);
        }
        let mut tx = self.begin_write().await?;
        let id = register_period(&mut tx, bounds.kind, bounds.starts, bounds.ends).await?;
        register_period(&mut tx, bounds.kind, bounds.ends, bounds.next_ends).await?;
        tx.commit()
            .await
            .context("committing a leaderboard period")?;
        Ok(id)
    }

    /// A member's latest ledger entries, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn history(
        &self,
        member: MemberId,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows = sqlx::query(
            // A vote's booking names its vote by key (`vote:<id>`), not its
            // message: the message comes from the vote's row.
            "SELECT l.amount, l.kind, l.reason, \
                 COALESCE(l.source, 'message ' || v.message_id) AS source, \
                 a.display_name AS actor, l.created_at \
             FROM ledger l \
             LEFT JOIN votes v ON l.source IS NULL AND l.idempotency_key GLOB 'vote:[0-9]*' \
                 AND v.id = CAST(substr(l.idempotency_key, 6) AS INTEGER) \
             LEFT JOIN members a ON a.id = l.actor_id \
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
        self.atomically(async {
            let mut connection = self.writer().await?;
            record_audit(&mut connection, audit, subject, now).await
        })
        .await
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
/// [`bind_booking`]). The rows it returns are read by [`booked`]. (Votes
/// book many rows in one statement: [`super::votes`].)
macro_rules! booking_sql {
    () => {
        "INSERT INTO ledger (member_id, amount, kind, reason, actor_id, source, idempotency_key, earning, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id AS entry; \
         UPDATE balances SET balance = balance + ?, \
             lifetime_earned = lifetime_earned + CASE WHEN ? THEN ? ELSE 0 END, updated_at = ? \
         WHERE member_id = ? AND balance + ? >= 0 AND changes() = 1 RETURNING balance"
    };
}

/// A ledger row's time: RFC 3339 in UTC to the whole second
/// (`2026-11-30T10:00:00Z`). Nothing reads the ledger finer (hours,
/// periods, the history's minutes), and the nine digits of a nanosecond
/// and a `+00:00` cost every row fifteen bytes (issue 14's lean rows). It
/// still compares as text with the `+00:00` bounds of a period: at the
/// same second `Z` sorts after `+`, so a row at a period's start is in it
/// and a row at its end is not.
pub(crate) fn ledger_time(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Binds a posting's values to [`booking_sql`]'s parameters.
fn bind_booking<'q>(query: Query<'q>, posting: &'q Posting, now: DateTime<Utc>) -> Query<'q> {
    query
        .bind(posting.member.0)
        .bind(posting.amount)
        .bind(posting.kind.as_str())
        .bind(&posting.reason)
        .bind(posting.actor.map(|actor| actor.0))
        .bind(&posting.source)
        .bind(&posting.idempotency_key)
        .bind(posting.kind.is_earning())
        .bind(ledger_time(now))
        .bind(posting.amount)
        .bind(posting.kind.is_earning())
        .bind(posting.amount)
        .bind(now)
        .bind(posting.member.0)
        .bind(posting.amount)
}

/// What [`booking_sql`] did, from the rows it returned.
async fn booked(
    tx: &mut sqlx::SqliteConnection,
    posting: &Posting,
    rows: &[sqlx::sqlite::SqliteRow],
) -> Result<PostingOutcome, StoreError> {
    let read = |name: &str| -> Result<Option<i64>, StoreError> {
        super::row_named(rows, name)
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

/// Earners read by a leaderboard query (`?1` the period, `?2` the tie
/// value, `?3` how many).
async fn earners(
    conn: &mut sqlx::SqliteConnection,
    sql: &'static str,
    key: i64,
    tie: Option<i64>,
    limit: i64,
) -> Result<Vec<Earner>, StoreError> {
    let rows = sqlx::query(sql)
        .bind(key)
        .bind(tie)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .context("reading a leaderboard")?;
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

/// Registers a leaderboard period inside the caller's write transaction,
/// with what was earned in it so far: from the hourly totals when its
/// bounds are whole hours (local midnight in every whole-hour time zone),
/// else from the ledger. Returns its id; one registered before is kept.
async fn register_period(
    tx: &mut sqlx::SqliteConnection,
    kind: &str,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO leaderboard_periods (kind, starts_at, ends_at) VALUES (?, ?, ?) \
         ON CONFLICT (kind, starts_at) DO NOTHING RETURNING id",
    )
    .bind(kind)
    .bind(starts)
    .bind(ends)
    .fetch_optional(&mut *tx)
    .await
    .context("registering a leaderboard period")?;
    let Some(id) = inserted else {
        return sqlx::query_scalar(
            "SELECT id FROM leaderboard_periods WHERE kind = ? AND starts_at = ?",
        )
        .bind(kind)
        .bind(starts)
        .fetch_one(&mut *tx)
        .await
        .context("looking up a leaderboard period");
    };
    let whole_hours = [starts, ends]
        .iter()
        .all(|at| at.timestamp().rem_euclid(3600) == 0 && at.timestamp_subsec_nanos() == 0);
    let query = if whole_hours {
        sqlx::query(
            "INSERT INTO period_earned (period_id, member_id, earned) \
             SELECT ?1, member_id, SUM(earned) FROM earned_hours \
             WHERE hour >= ?2 AND hour < ?3 GROUP BY member_id HAVING SUM(earned) <> 0",
        )
        .bind(id)
        .bind(starts.format("%Y-%m-%dT%H").to_string())
        .bind(ends.format("%Y-%m-%dT%H").to_string())
    } else {
        sqlx::query(
            "INSERT INTO period_earned (period_id, member_id, earned) \
             SELECT ?1, member_id, SUM(amount) FROM ledger \
             WHERE earning = 1 AND created_at >= ?2 AND created_at < ?3 \
             GROUP BY member_id HAVING SUM(amount) <> 0",
        )
        .bind(id)
        .bind(starts)
        .bind(ends)
    };
    query
        .execute(&mut *tx)
        .await
        .context("adding up a leaderboard period")?;
    Ok(id)
}
