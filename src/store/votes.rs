//! Votes: upvotes and solutions, what each paid and why.
//!
//! A vote is decided and booked in one write transaction: the facts the
//! rules need (today's totals for the author, the voter and the pair, an
//! earlier vote on the same message) are read inside it, the core's rule
//! function decides, and the vote row and its ledger entry are written
//! before the lock is released. So two votes racing for the last points of
//! a daily cap cannot both get them.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::digests::{Earned, EarnedKind, bind_earned, earned_sql, vote_source_key};
use super::ledger::{
    AuditNote, LedgerKind, Posting, PostingOutcome, balance_in, bind_booking, book, booked,
    booking_sql, record_audit,
};
use super::{Context, First, Query, Store, StoreError};
use crate::club::model::{MemberId, MessageId};

/// Writes a vote's row with its id; anonymous parameters, bound by
/// [`bind_vote`].
macro_rules! insert_vote_sql {
    () => {
        "INSERT INTO votes (id, message_id, voter_id, author_id, kind, via, emoji, points, outcome, day, event_key, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
}

/// The author's help record and the answer's paying upvotes, read after
/// the vote's row in its round trip; the row is told apart by its first
/// column (`help_answers`). Parameters: the author, the message.
macro_rules! author_after_sql {
    () => {
        "SELECT COALESCE(r.answers, 0) AS help_answers, COALESCE(r.solutions, 0) AS help_solutions, \
                COALESCE(a.upvotes, 0) AS answer_upvotes \
         FROM (SELECT ? AS author, ? AS message) v \
         LEFT JOIN help_records r ON r.member_id = v.author \
         LEFT JOIN help_answers a ON a.author_id = v.author AND a.message_id = v.message"
    };
}

/// Upvote or solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteKind {
    Upvote,
    Solution,
}

impl VoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VoteKind::Upvote => "upvote",
            VoteKind::Solution => "solution",
        }
    }

    fn credit(self) -> LedgerKind {
        match self {
            VoteKind::Upvote => LedgerKind::Upvote,
            VoteKind::Solution => LedgerKind::Solution,
        }
    }

    fn reversal(self) -> LedgerKind {
        match self {
            VoteKind::Upvote => LedgerKind::UpvoteReversal,
            VoteKind::Solution => LedgerKind::SolutionReversal,
        }
    }

    fn parse(text: &str) -> VoteKind {
        if text == "solution" {
            VoteKind::Solution
        } else {
            VoteKind::Upvote
        }
    }
}

/// A vote as it arrives.
#[derive(Debug, Clone)]
pub struct NewVote<'a> {
    pub message: MessageId,
    /// For solutions: the question the answer replies to.
    pub question: Option<MessageId>,
    pub voter: MemberId,
    pub author: MemberId,
    pub kind: VoteKind,
    /// `reaction`, `thanks` or `command`.
    pub via: &'static str,
    pub emoji: Option<&'a str>,
    /// The voter's local day, for the caps.
    pub day: NaiveDate,
    pub event_key: Option<&'a str>,
    /// How the author's digest tells of the points, if the vote pays.
    pub told_as: EarnedKind,
    /// The voter's name, as the author's digest gives it.
    pub voter_name: &'a str,
}

/// What the rules need to know, read inside the vote's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VoteFacts {
    /// The voter already has a standing vote of this kind on this message.
    pub already_voted: bool,
    /// The question already has a standing solution.
    pub question_solved: bool,
    /// Points the author got today from standing votes.
    pub author_earned_today: i64,
    /// Paying standing votes the voter cast today.
    pub voter_paid_today: i64,
    /// Paying standing votes from this voter to this author today.
    pub pair_paid_today: i64,
}

/// The rules' verdict: what to pay and which rule decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub points: i64,
    pub outcome: &'static str,
}

/// What became of a vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteRecorded {
    Recorded {
        vote: i64,
        verdict: Verdict,
        /// What a paying vote left its author with; `None` when it paid
        /// nothing.
        paid: Option<AuthorAfter>,
    },
    /// The platform delivered this event before; nothing changed.
    Replayed,
}

/// A paying vote's author as the vote left them: what milestones are
/// judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthorAfter {
    pub record: HelpRecord,
    /// The vote is the answer's only standing paying upvote.
    pub first_upvote: bool,
}

/// What became of a withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// No standing vote matched.
    NothingToWithdraw,
    /// The vote stands no more; `reversed` points were taken back.
    Withdrawn { vote: i64, paid: i64, reversed: i64 },
}

/// A vote as moderators see it in `/why`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteRow {
    pub id: i64,
    pub message: MessageId,
    pub voter: String,
    pub kind: VoteKind,
    pub points: i64,
    pub outcome: String,
    pub active: bool,
    pub reversed: i64,
}

/// How often one member voted for another, for abuse detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteEdge {
    pub voter: MemberId,
    pub voter_name: String,
    pub author: MemberId,
    pub author_name: String,
    pub votes: i64,
}

/// What `/revoke_votes` undid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Revoked {
    pub votes: i64,
    pub points: i64,
    /// The points each author lost, in the order of their first revoked
    /// vote, so each can be told; an author whose points were already spent
    /// lost nothing and is not listed.
    pub losses: Vec<(MemberId, i64)>,
}

impl Revoked {
    /// Counts one revoked vote that took `points` from `author`.
    fn lost(&mut self, author: MemberId, points: i64) {
        self.votes += 1;
        self.points += points;
        if points == 0 {
            return;
        }
        match self.losses.iter_mut().find(|(who, _)| *who == author) {
            Some((_, lost)) => *lost += points,
            None => self.losses.push((author, points)),
        }
    }
}

/// A member's helping record, for `/profile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HelpRecord {
    /// Answers with at least one paying upvote that still stands.
    pub answers_upvoted: i64,
    pub solutions: i64,
}

impl Store {
    /// Records a vote, letting `decide` rule on it with facts read inside the
    /// same transaction, and books what it pays.
    #[tracing::instrument(skip_all, fields(kind = vote.kind.as_str()))]
    pub async fn cast_vote(
        &self,
        vote: &NewVote<'_>,
        now: DateTime<Utc>,
        decide: impl FnOnce(&VoteFacts) -> Verdict,
    ) -> Result<VoteRecorded, StoreError> {
        let (mut tx, rows) = self.begin_write_reading(facts(vote)).await?;
        let read = read_facts(&rows)?;
        if read.replayed {
            // Nothing was written: ending the write costs nothing in the
            // event's transaction, where undoing it would cost a round trip.
            tx.commit().await.context("ending a replayed vote")?;
            return Ok(VoteRecorded::Replayed);
        }
        let id = read.next_vote;
        let mut verdict = decide(&read.facts);
        let paid = if verdict.points <= 0 {
            insert_vote(&mut tx, id, vote, verdict, now).await?;
            None
        } else {
            let paid = insert_paying_vote(&mut tx, id, vote, verdict, now).await?;
            if paid.is_none() {
                verdict = Verdict {
                    points: 0,
                    outcome: "not_booked",
                };
                set_paid(&mut tx, id, verdict).await?;
            }
            paid
        };
        tx.commit().await.context("committing a vote")?;
        Ok(VoteRecorded::Recorded {
            vote: id,
            verdict,
            paid,
        })
    }

    /// Withdraws the voter's standing reaction vote with `emoji` on `message`
    /// and takes back what it paid, as far as the author's balance allows.
    #[tracing::instrument(skip_all)]
    pub async fn withdraw_reaction(
        &self,
        message: MessageId,
        voter: MemberId,
        emoji: &str,
        now: DateTime<Utc>,
    ) -> Result<Withdrawal, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT id, author_id, kind, points FROM votes \
             WHERE message_id = ? AND voter_id = ? AND via = 'reaction' AND emoji = ? AND active = 1 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(message.0)
        .bind(voter.0)
        .bind(emoji)
        .fetch_optional(&mut *tx)
        .await
        .context("finding a vote to withdraw")?;
        let Some(row) = row else {
            return Ok(Withdrawal::NothingToWithdraw);
        };
        let standing = standing_vote(&row).context("decoding a vote")?;
        let reversed = reverse(&mut tx, &standing, "withdrawn", now).await?;
        tx.commit().await.context("committing a withdrawal")?;
        Ok(Withdrawal::Withdrawn {
            vote: standing.id,
            paid: standing.points,
            reversed,
        })
    }

    /// Reverses every standing paying vote `voter` cast since `since`, with
    /// one audit entry by `moderator`, and says what each author lost.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_votes(
        &self,
        voter: MemberId,
        since: Option<DateTime<Utc>>,
        moderator: MemberId,
        now: DateTime<Utc>,
    ) -> Result<Revoked, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT id, author_id, kind, points FROM votes \
             WHERE voter_id = ? AND active = 1 AND points > 0 AND (?2 IS NULL OR created_at >= ?2) ORDER BY id",
        )
        .bind(voter.0)
        .bind(since)
        .fetch_all(&mut *tx)
        .await
        .context("finding votes to revoke")?;
        let mut revoked = Revoked::default();
        for row in &rows {
            let standing = standing_vote(row).context("decoding a vote")?;
            let taken = reverse(&mut tx, &standing, "revoked", now).await?;
            revoked.lost(standing.author, taken);
        }
        let note = AuditNote {
            actor: moderator,
            action: "revoke_votes",
            detail: format!(
                "{} votes, {} points taken back",
                revoked.votes, revoked.points
            ),
        };
        record_audit(&mut tx, &note, Some(voter), now).await?;
        tx.commit().await.context("committing a revocation")?;
        Ok(revoked)
    }

    /// The votes `author` received on `day`, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn votes_received(
        &self,
        author: MemberId,
        day: NaiveDate,
    ) -> Result<Vec<VoteRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.id, v.message_id, m.display_name, v.kind, v.points, v.outcome, v.active, v.reversed \
             FROM votes v JOIN members m ON m.id = v.voter_id \
             WHERE v.author_id = ? AND v.day = ? ORDER BY v.id",
        )
        .bind(author.0)
        .bind(day)
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("listing votes received")?;
        rows.iter()
            .map(|row| {
                Ok(VoteRow {
                    id: row.try_get("id")?,
                    message: MessageId(row.try_get("message_id")?),
                    voter: row.try_get("display_name")?,
                    kind: VoteKind::parse(&row.try_get::<String, _>("kind")?),
                    points: row.try_get("points")?,
                    outcome: row.try_get("outcome")?,
                    active: row.try_get("active")?,
                    reversed: row.try_get("reversed")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context("decoding votes received")
    }

    /// Upvotes per (voter, author) pair since `since`, for `/suspicious`.
    #[tracing::instrument(skip_all)]
    pub async fn vote_edges(&self, since: DateTime<Utc>) -> Result<Vec<VoteEdge>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.voter_id, vm.display_name AS voter_name, v.author_id, am.display_name AS author_name, \
                    COUNT(*) AS votes \
             FROM votes v JOIN members vm ON vm.id = v.voter_id JOIN members am ON am.id = v.author_id \
             WHERE v.kind = 'upvote' AND v.created_at >= ? AND v.voter_id <> v.author_id \
             GROUP BY v.voter_id, v.author_id",
        )
        .bind(since)
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("counting votes between members")?;
        rows.iter()
            .map(|row| {
                Ok(VoteEdge {
                    voter: MemberId(row.try_get("voter_id")?),
                    voter_name: row.try_get("voter_name")?,
                    author: MemberId(row.try_get("author_id")?),
                    author_name: row.try_get("author_name")?,
                    votes: row.try_get("votes")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context("decoding vote counts")
    }

    /// How many answers of `member` were upvoted and how many were
    /// solutions: a row kept by triggers with every vote (migration 0017),
    /// not a count, so a vote's milestone check costs the same on an
    /// author's ten-thousandth vote as on their first.
    #[tracing::instrument(skip_all)]
    pub async fn help_record(&self, member: MemberId) -> Result<HelpRecord, StoreError> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT answers, solutions FROM help_records WHERE member_id = ?")
                .bind(member.0)
                .fetch_optional(&mut *self.reader().await?)
                .await
                .context("reading a help record")?;
        let (answers_upvoted, solutions) = row.unwrap_or_default();
        Ok(HelpRecord {
            answers_upvoted,
            solutions,
        })
    }

    /// How many votes stand and paid, for benchmarks and reports.
    #[tracing::instrument(skip_all)]
    pub async fn count_paying_votes(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM votes WHERE active = 1 AND points > 0")
            .fetch_one(&mut *self.reader().await?)
            .await
            .context("counting paying votes")
    }
}

/// What joining two members did to their votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Collapsed {
    /// Paying votes that no longer stand: the second of two votes one
    /// person cast from both accounts on the same message, and votes one
    /// account gave the other (now self-votes).
    pub votes: i64,
    /// What taking them back took from the authors.
    pub points: i64,
}

/// Moves `from`'s votes (cast and received) to `to`, inside the caller's
/// write transaction, after their points moved
/// ([`super::ledger::reassign_points`]). One person keeps one paying vote
/// per message and kind (the one that paid most, the earlier of equals),
/// and no paying vote for themselves: the others are withdrawn and what
/// they paid is taken back, as a withdrawal would.
pub(crate) async fn reassign_votes(
    tx: &mut sqlx::SqliteConnection,
    from: MemberId,
    to: MemberId,
    now: DateTime<Utc>,
) -> Result<Collapsed, StoreError> {
    super::reassign(
        tx,
        from,
        to,
        &[
            "UPDATE votes SET voter_id = ?1 WHERE voter_id = ?2",
            "UPDATE votes SET author_id = ?1 WHERE author_id = ?2",
        ],
        "moving votes",
    )
    .await?;
    let rows = sqlx::query(
        "SELECT v.id, v.author_id, v.kind, v.points FROM votes v \
         WHERE v.voter_id = ?1 AND v.active = 1 AND v.points > 0 \
           AND (v.author_id = ?1 OR EXISTS (SELECT 1 FROM votes k \
                WHERE k.voter_id = ?1 AND k.message_id = v.message_id AND k.kind = v.kind \
                  AND k.active = 1 AND k.points > 0 AND k.author_id <> ?1 \
                  AND (k.points > v.points OR (k.points = v.points AND k.id < v.id)))) \
         ORDER BY v.id",
    )
    .bind(to.0)
    .fetch_all(&mut *tx)
    .await
    .context("finding votes doubled by joining members")?;
    let mut collapsed = Collapsed::default();
    for row in &rows {
        let standing = standing_vote(row).context("decoding a vote")?;
        collapsed.points +=
            reverse(tx, &standing, "collapsed: the accounts were linked", now).await?;
        collapsed.votes += 1;
    }
    Ok(collapsed)
}

/// What a vote's transaction reads before the rules decide.
struct Read {
    facts: VoteFacts,
    /// The platform delivered this event before.
    replayed: bool,
    /// The id the vote will have: it is written with it, so its booking
    /// (whose idempotency key names it) can travel in the same round trip.
    /// Safe: the transaction holds the write lock.
    next_vote: i64,
}

/// The facts of a vote, whether its event was seen before and its id, in
/// one statement. Today's totals come from the per-day totals that
/// triggers keep with every vote (migration 0016), so a vote costs the same
/// at the end of a busy day as at its start. It is the vote's first
/// statement, sent with the start of its write ([`First`]).
const FACTS_SQL: &str = "SELECT \
     EXISTS (SELECT 1 FROM votes WHERE ?7 IS NOT NULL AND event_key = ?7) AS replayed, \
     (SELECT COALESCE(MAX(id), 0) + 1 FROM votes) AS next_vote, \
     EXISTS (SELECT 1 FROM votes WHERE message_id = ?1 AND voter_id = ?2 AND kind = ?3 AND active = 1) AS already, \
     EXISTS (SELECT 1 FROM votes v JOIN messages m ON m.id = v.message_id \
             WHERE ?4 IS NOT NULL AND m.reply_to = ?4 AND v.kind = 'solution' AND v.active = 1 AND v.points > 0) AS solved, \
     COALESCE((SELECT earned FROM vote_days_author WHERE author_id = ?5 AND day = ?6), 0) AS earned, \
     COALESCE((SELECT paid FROM vote_days_voter WHERE voter_id = ?2 AND day = ?6), 0) AS cast, \
     COALESCE((SELECT paid FROM vote_days_pair WHERE voter_id = ?2 AND author_id = ?5 AND day = ?6), 0) AS pair";

/// [`FACTS_SQL`] with `vote`'s values bound.
fn facts<'q>(vote: &'q NewVote<'q>) -> First<'q> {
    let (message, voter, kind) = (vote.message.0, vote.voter.0, vote.kind.as_str());
    let (question, author) = (vote.question.map(|question| question.0), vote.author.0);
    let (day, event_key) = (vote.day, vote.event_key);
    First {
        sql: FACTS_SQL,
        bind: Box::new(move |query| {
            query
                .bind(message)
                .bind(voter)
                .bind(kind)
                .bind(question)
                .bind(author)
                .bind(day)
                .bind(event_key)
        }),
    }
}

/// The facts of a vote from [`FACTS_SQL`]'s row.
fn read_facts(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Read, StoreError> {
    let row = super::row_named(rows, "replayed")
        .ok_or_else(|| StoreError::Inconsistent("a vote's facts were not read".into()))?;
    let read = |source| StoreError::Query {
        context: "decoding the facts of a vote",
        source,
    };
    Ok(Read {
        facts: VoteFacts {
            already_voted: row.try_get("already").map_err(read)?,
            question_solved: row.try_get("solved").map_err(read)?,
            author_earned_today: row.try_get("earned").map_err(read)?,
            voter_paid_today: row.try_get("cast").map_err(read)?,
            pair_paid_today: row.try_get("pair").map_err(read)?,
        },
        replayed: row.try_get("replayed").map_err(read)?,
        next_vote: row.try_get("next_vote").map_err(read)?,
    })
}

/// The author as a paying vote left them, from its round trip's rows.
fn author_after(rows: &[sqlx::sqlite::SqliteRow]) -> Result<AuthorAfter, StoreError> {
    let row = super::row_named(rows, "help_answers").ok_or_else(|| {
        StoreError::Inconsistent("a vote's round trip read no help record".into())
    })?;
    let decode = || -> Result<AuthorAfter, sqlx::Error> {
        Ok(AuthorAfter {
            record: HelpRecord {
                answers_upvoted: row.try_get("help_answers")?,
                solutions: row.try_get("help_solutions")?,
            },
            first_upvote: row.try_get::<i64, _>("answer_upvotes")? == 1,
        })
    };
    decode().context("decoding a vote's author")
}

fn bind_vote<'q>(
    query: Query<'q>,
    id: i64,
    vote: &'q NewVote<'_>,
    verdict: Verdict,
    now: DateTime<Utc>,
) -> Query<'q> {
    query
        .bind(id)
        .bind(vote.message.0)
        .bind(vote.voter.0)
        .bind(vote.author.0)
        .bind(vote.kind.as_str())
        .bind(vote.via)
        .bind(vote.emoji)
        .bind(verdict.points)
        .bind(verdict.outcome)
        .bind(vote.day)
        .bind(vote.event_key)
        .bind(now)
}

async fn insert_vote(
    tx: &mut sqlx::SqliteConnection,
    id: i64,
    vote: &NewVote<'_>,
    verdict: Verdict,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    bind_vote(sqlx::query(insert_vote_sql!()), id, vote, verdict, now)
        .execute(&mut *tx)
        .await
        .context("recording a vote")?;
    Ok(())
}

/// Writes a paying vote's row, its booking, the author's digest row and
/// reads the author's record as the vote left it, in one round trip: what
/// the vote left its author with, or `None` when the booking was not
/// applied (the caller then records the vote as paying nothing).
async fn insert_paying_vote(
    tx: &mut sqlx::SqliteConnection,
    id: i64,
    vote: &NewVote<'_>,
    verdict: Verdict,
    now: DateTime<Utc>,
) -> Result<Option<AuthorAfter>, StoreError> {
    let posting = Posting {
        member: vote.author,
        amount: verdict.points,
        kind: vote.kind.credit(),
        // Neither a reason nor a source: the row's key names its vote, whose
        // row names the message (the history reads it from there,
        // `Store::history`), and the history line is built from that and the
        // voter in the reader's language. Text here would only repeat them,
        // in every ledger row of the busiest kind (issue 14's lean rows).
        reason: String::new(),
        actor: Some(vote.voter),
        source: None,
        idempotency_key: format!("vote:{id}"),
        audit: None,
    };
    let told = Earned {
        member: vote.author,
        kind: vote.told_as,
        points: verdict.points,
        from: Some(vote.voter_name.to_owned()),
        reason: None,
        source_key: vote_source_key(id),
    };
    // The digest row is written only when the booking was (`changes()` is
    // the balance's).
    let query = sqlx::query(concat!(
        insert_vote_sql!(),
        "; ",
        booking_sql!(),
        "; ",
        earned_sql!(),
        " WHERE changes() = 1 ON CONFLICT DO NOTHING; ",
        author_after_sql!()
    ));
    let query = bind_booking(bind_vote(query, id, vote, verdict, now), &posting, now);
    let rows = bind_earned(query, &told, now)
        .bind(vote.author.0)
        .bind(vote.message.0)
        .fetch_all(&mut *tx)
        .await
        .context("recording a vote")?;
    match booked(&mut *tx, &posting, &rows).await? {
        PostingOutcome::Applied { .. } => Ok(Some(author_after(&rows)?)),
        PostingOutcome::AlreadyApplied { .. } | PostingOutcome::Insufficient { .. } => Ok(None),
    }
}

async fn set_paid(
    tx: &mut sqlx::SqliteConnection,
    vote: i64,
    verdict: Verdict,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE votes SET points = ?, outcome = ? WHERE id = ?")
        .bind(verdict.points)
        .bind(verdict.outcome)
        .bind(vote)
        .execute(&mut *tx)
        .await
        .context("correcting a vote")?;
    Ok(())
}

/// A standing vote about to be reversed.
struct StandingVote {
    id: i64,
    author: MemberId,
    kind: VoteKind,
    points: i64,
}

fn standing_vote(row: &sqlx::sqlite::SqliteRow) -> Result<StandingVote, sqlx::Error> {
    Ok(StandingVote {
        id: row.try_get("id")?,
        author: MemberId(row.try_get("author_id")?),
        kind: VoteKind::parse(&row.try_get::<String, _>("kind")?),
        points: row.try_get("points")?,
    })
}

/// Ends a standing vote and books the reversal of what it paid, at most the
/// author's balance (a balance never goes below zero; what was already spent
/// stays spent, and the vote row records what was actually taken back).
/// What the author was not told yet leaves their waiting digest with it.
async fn reverse(
    tx: &mut sqlx::SqliteConnection,
    vote: &StandingVote,
    why: &'static str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let available = balance_in(tx, vote.author).await?;
    let reversed = vote.points.min(available);
    if reversed > 0 {
        let posting = Posting {
            member: vote.author,
            amount: -reversed,
            kind: vote.kind.reversal(),
            reason: format!("vote {} {why}", vote.id),
            actor: None,
            source: Some(format!("vote {}", vote.id)),
            idempotency_key: format!("vote:{}:reversal", vote.id),
            audit: None,
        };
        book(tx, &posting, now).await?;
    }
    sqlx::query("UPDATE votes SET active = 0, withdrawn_at = ?, reversed = ? WHERE id = ?")
        .bind(now)
        .bind(reversed)
        .bind(vote.id)
        .execute(&mut *tx)
        .await
        .context("ending a vote")?;
    super::digests::untell_reversed_vote(tx, vote.id, reversed).await?;
    if reversed < vote.points {
        tracing::warn!(
            vote = vote.id,
            paid = vote.points,
            reversed,
            "reversal limited by a spent balance"
        );
    }
    Ok(reversed)
}
