//! Votes: upvotes and solutions, what each paid and why.
//!
//! A vote is decided and booked in one write transaction: the facts the
//! rules need (today's totals for the author, the voter and the pair, an
//! earlier vote on the same message) are read inside it, the core's rule
//! function decides, and the vote row and its ledger entry are written
//! before the lock is released. So two votes racing for the last points of
//! a daily cap cannot both get them.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row};

use super::digests::{EarnedKind, vote_source_key};
use super::ledger::{AuditNote, LedgerKind, balance_in, ledger_time, record_audit};
use super::writer::MAX_BATCH;
use super::{Context, First, Query, Store, StoreError};
use crate::club::model::{MemberId, MessageId};

/// Upvote or solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// The platform delivered this withdrawal before: nothing changed.
    Replayed,
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
        let votes = [vote];
        let first = First {
            sql: facts_sql(1).into(),
            bind: Box::new(move |query| bind_facts(query, votes.into_iter())),
        };
        let (mut tx, rows) = self.begin_write_reading(first).await?;
        let read = read_facts(&rows, 1)?.remove(0);
        let mut earlier = Earlier::default();
        let Some((decided, recorded)) = earlier.rule(vote, &read, read.next_vote, now, decide)
        else {
            // Nothing was written: ending the write costs nothing in the
            // event's transaction, where undoing it would cost a round trip.
            tx.commit().await.context("ending a replayed vote")?;
            return Ok(VoteRecorded::Replayed);
        };
        let decided = [decided];
        let sql = written_sql(&decided, &earlier);
        let written = bind_written(sqlx::query(AssertSqlSafe(sql)), &decided, &earlier)
            .fetch_all(&mut *tx)
            .await
            .context("recording a vote")?;
        check_written(&written, &decided)?;
        tx.commit().await.context("committing a vote")?;
        Ok(recorded)
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
    /// solutions: a row kept with every vote (migrations 0017 and 0020),
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
pub(crate) struct Read {
    facts: VoteFacts,
    /// The platform delivered this event before.
    replayed: bool,
    /// The id the batch's first vote will have: each is written with its
    /// id, so its booking (whose idempotency key names it) can travel in
    /// the same round trip. Safe: the transaction holds the write lock.
    next_vote: i64,
    /// The author's help record and the answer's paying upvotes before
    /// the vote: what its milestones are judged on.
    record: HelpRecord,
    answer_upvotes: i64,
}

impl Read {
    /// The id the batch's first vote gets.
    pub(crate) fn next_vote(&self) -> i64 {
        self.next_vote
    }
}

/// The facts of `votes` votes (one row each, in their order), whether each
/// one's event was seen before, the author's help record as it stands and
/// the next vote id, in one statement. Today's totals come from the
/// per-day totals kept with every vote (migrations 0016 and 0020), so
/// a vote costs the same at the end of a busy day as at its start. It is
/// a write's first statement, sent with its start ([`First`]).
pub(crate) fn facts_sql(votes: usize) -> &'static str {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| (1..=MAX_BATCH).map(facts_text).collect());
    &texts[votes.clamp(1, MAX_BATCH) - 1]
}

fn facts_text(votes: usize) -> String {
    let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; votes].join(", ");
    format!(
        "WITH b (i, message, voter, kind, question, author, day, event_key) AS (VALUES {values}) \
         SELECT b.i AS vote_facts, \
         EXISTS (SELECT 1 FROM votes WHERE b.event_key IS NOT NULL AND event_key = b.event_key) AS replayed, \
         (SELECT COALESCE(MAX(id), 0) + 1 FROM votes) AS next_vote, \
         EXISTS (SELECT 1 FROM votes WHERE message_id = b.message AND voter_id = b.voter AND kind = b.kind AND active = 1) AS already, \
         EXISTS (SELECT 1 FROM votes v JOIN messages m ON m.id = v.message_id \
                 WHERE b.question IS NOT NULL AND m.reply_to = b.question AND v.kind = 'solution' AND v.active = 1 AND v.points > 0) AS solved, \
         COALESCE((SELECT earned FROM vote_days_author WHERE author_id = b.author AND day = b.day), 0) AS earned, \
         COALESCE((SELECT paid FROM vote_days_voter WHERE voter_id = b.voter AND day = b.day), 0) AS cast, \
         COALESCE((SELECT paid FROM vote_days_pair WHERE voter_id = b.voter AND author_id = b.author AND day = b.day), 0) AS pair, \
         COALESCE((SELECT answers FROM help_records WHERE member_id = b.author), 0) AS help_answers, \
         COALESCE((SELECT solutions FROM help_records WHERE member_id = b.author), 0) AS help_solutions, \
         COALESCE((SELECT upvotes FROM help_answers WHERE author_id = b.author AND message_id = b.message), 0) AS answer_upvotes \
         FROM b ORDER BY b.i"
    )
}

/// Binds the votes' values to [`facts_sql`]'s parameters.
pub(crate) fn bind_facts<'q>(
    mut query: Query<'q>,
    votes: impl Iterator<Item = &'q NewVote<'q>>,
) -> Query<'q> {
    for (i, vote) in votes.enumerate() {
        query = query
            .bind(i as i64)
            .bind(vote.message.0)
            .bind(vote.voter.0)
            .bind(vote.kind.as_str())
            .bind(vote.question.map(|question| question.0))
            .bind(vote.author.0)
            .bind(vote.day)
            .bind(vote.event_key);
    }
    query
}

/// The facts of `votes` votes from [`facts_sql`]'s rows, in their order.
pub(crate) fn read_facts(rows: &[SqliteRow], votes: usize) -> Result<Vec<Read>, StoreError> {
    let decode = |row: &SqliteRow| -> Result<Read, sqlx::Error> {
        Ok(Read {
            facts: VoteFacts {
                already_voted: row.try_get("already")?,
                question_solved: row.try_get("solved")?,
                author_earned_today: row.try_get("earned")?,
                voter_paid_today: row.try_get("cast")?,
                pair_paid_today: row.try_get("pair")?,
            },
            replayed: row.try_get("replayed")?,
            next_vote: row.try_get("next_vote")?,
            record: HelpRecord {
                answers_upvoted: row.try_get("help_answers")?,
                solutions: row.try_get("help_solutions")?,
            },
            answer_upvotes: row.try_get("answer_upvotes")?,
        })
    };
    decode_facts(rows, "vote_facts", votes, "votes", decode)
}

/// The rows of a batch's facts statement named `name`, one per job of the
/// `expected` ones (`what` names them in an error).
fn decode_facts<T>(
    rows: &[SqliteRow],
    name: &'static str,
    expected: usize,
    what: &str,
    decode: impl Fn(&SqliteRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, StoreError> {
    let read: Vec<T> = super::rows_named(rows, name)
        .map(decode)
        .collect::<Result<_, _>>()
        .context("decoding the facts of a batch")?;
    if read.len() != expected {
        return Err(StoreError::Inconsistent(format!(
            "the facts of {expected} {what} came back as {} rows",
            read.len()
        )));
    }
    Ok(read)
}

/// What the votes before this one in its batch changed, which the facts
/// read at the batch's start cannot show: each vote is ruled on as if the
/// ones before it had committed, as it would have been in a transaction
/// of its own. The same sums are what the batch adds to the kept totals
/// ([`written_sql`]): per day, and the help records as migration 0017
/// defined them.
#[derive(Debug, Default)]
pub(crate) struct Earlier {
    /// Events whose vote this batch recorded.
    events: HashSet<String>,
    /// Standing votes: (message, voter, kind).
    standing: HashSet<(i64, i64, VoteKind)>,
    /// Questions this batch marked solved (paying solutions).
    solved: HashSet<i64>,
    /// Paid per (author, day), paying upvotes per (voter, day) and per
    /// (voter, author, day), as the per-day totals count them.
    author_days: BTreeMap<(i64, NaiveDate), i64>,
    voter_days: BTreeMap<(i64, NaiveDate), i64>,
    pair_days: BTreeMap<(i64, i64, NaiveDate), i64>,
    /// Help records per author and answers' paying upvotes per (author,
    /// message): as read before the batch, and as it left them.
    records: BTreeMap<i64, (HelpRecord, HelpRecord)>,
    upvotes: BTreeMap<(i64, i64), (i64, i64)>,
}

impl Earlier {
    /// The facts `vote` is ruled on: as read, plus what the batch did
    /// before it; `None` when its event was recorded already.
    fn facts(&self, vote: &NewVote<'_>, read: &Read) -> Option<VoteFacts> {
        let replayed = read.replayed || vote.event_key.is_some_and(|key| self.events.contains(key));
        if replayed {
            return None;
        }
        let (voter, author, day) = (vote.voter.0, vote.author.0, vote.day);
        let facts = read.facts;
        Some(VoteFacts {
            already_voted: facts.already_voted
                || self.standing.contains(&(vote.message.0, voter, vote.kind)),
            question_solved: facts.question_solved
                || vote
                    .question
                    .is_some_and(|question| self.solved.contains(&question.0)),
            author_earned_today: facts.author_earned_today
                + self.author_days.get(&(author, day)).copied().unwrap_or(0),
            voter_paid_today: facts.voter_paid_today
                + self.voter_days.get(&(voter, day)).copied().unwrap_or(0),
            pair_paid_today: facts.pair_paid_today
                + self
                    .pair_days
                    .get(&(voter, author, day))
                    .copied()
                    .unwrap_or(0),
        })
    }

    /// Rules on `vote` (as vote `id`, cast at `now`) with `decide`, on the
    /// facts as read and as the batch left them, and counts it in: the
    /// vote to write and what became of it; `None` when its event was
    /// recorded already.
    pub(crate) fn rule<'a>(
        &mut self,
        vote: &'a NewVote<'a>,
        read: &Read,
        id: i64,
        now: DateTime<Utc>,
        decide: impl FnOnce(&VoteFacts) -> Verdict,
    ) -> Option<(Decided<'a>, VoteRecorded)> {
        let facts = self.facts(vote, read)?;
        let decided = Decided {
            id,
            vote,
            verdict: decide(&facts),
            now,
        };
        let recorded = self.add(&decided, read);
        Some((decided, recorded))
    }

    /// Counts a decided vote in, and says what became of it.
    fn add(&mut self, decided: &Decided<'_>, read: &Read) -> VoteRecorded {
        let vote = decided.vote;
        let (voter, author, day) = (vote.voter.0, vote.author.0, vote.day);
        if let Some(key) = vote.event_key {
            self.events.insert(key.to_owned());
        }
        self.standing.insert((vote.message.0, voter, vote.kind));
        let verdict = decided.verdict;
        let paid = (verdict.points > 0).then(|| {
            *self.author_days.entry((author, day)).or_default() += verdict.points;
            let (_, record) = self
                .records
                .entry(author)
                .or_insert((read.record, read.record));
            let first_upvote = match vote.kind {
                VoteKind::Upvote => {
                    *self.voter_days.entry((voter, day)).or_default() += 1;
                    *self.pair_days.entry((voter, author, day)).or_default() += 1;
                    let (_, upvotes) = self
                        .upvotes
                        .entry((author, vote.message.0))
                        .or_insert((read.answer_upvotes, read.answer_upvotes));
                    *upvotes += 1;
                    if *upvotes == 1 {
                        record.answers_upvoted += 1;
                    }
                    *upvotes == 1
                }
                VoteKind::Solution => {
                    if let Some(question) = vote.question {
                        self.solved.insert(question.0);
                    }
                    record.solutions += 1;
                    false
                }
            };
            AuthorAfter {
                record: *record,
                first_upvote,
            }
        });
        VoteRecorded::Recorded {
            vote: decided.id,
            verdict,
            paid,
        }
    }
}

/// A vote the rules decided, about to be written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decided<'a> {
    pub id: i64,
    pub vote: &'a NewVote<'a>,
    pub verdict: Verdict,
    pub now: DateTime<Utc>,
}

impl Decided<'_> {
    fn pays(&self) -> bool {
        self.verdict.points > 0
    }

    fn ledger_key(&self) -> String {
        format!("vote:{}", self.id)
    }
}

/// Writes decided votes: every vote's row, and for the paying ones their
/// ledger rows, the authors' balances and digest rows and what they add
/// to the kept totals (`earlier`: the per-day totals and the help
/// records), each kind in one multi-row statement, all in one query. Lean
/// ledger rows: neither a reason nor a source (the row's key names its
/// vote, whose row names the message; the history reads it from there,
/// `Store::history`), so the busiest kind of row repeats no text (issue
/// 14). The totals are summed here, once per batch, rather than by a
/// trigger per vote (migration 0020): this is the one place that inserts
/// votes.
pub(crate) fn written_sql(decided: &[Decided<'_>], earlier: &Earlier) -> String {
    let paying = decided.iter().filter(|vote| vote.pays()).count();
    let rows = |count: usize, row: &str| vec![row; count].join(", ");
    let mut sql = format!(
        "INSERT INTO votes (id, message_id, voter_id, author_id, kind, via, emoji, points, outcome, day, event_key, created_at) \
         VALUES {}",
        rows(decided.len(), "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    );
    if paying == 0 {
        return sql;
    }
    let authors = paying_authors(decided).len();
    sql.push_str(&format!(
        "; INSERT INTO ledger (member_id, amount, kind, reason, actor_id, source, idempotency_key, earning, created_at) \
         VALUES {} ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key AS booked; \
         WITH d (member, amount, earned, at) AS (VALUES {}) \
         UPDATE balances SET balance = balance + d.amount, lifetime_earned = lifetime_earned + d.earned, \
             updated_at = d.at FROM d WHERE balances.member_id = d.member RETURNING member_id AS balanced; \
         INSERT INTO earned_points (member_id, kind, points, from_name, reason, source_key, created_at) \
         VALUES {} ON CONFLICT DO NOTHING; \
         INSERT INTO vote_days_author (author_id, day, earned) VALUES {} \
         ON CONFLICT (author_id, day) DO UPDATE SET earned = earned + excluded.earned; \
         INSERT INTO help_records (member_id, answers, solutions) VALUES {} \
         ON CONFLICT (member_id) DO UPDATE SET answers = answers + excluded.answers, \
             solutions = solutions + excluded.solutions",
        rows(paying, "(?, ?, ?, '', ?, NULL, ?, ?, ?)"),
        rows(authors, "(?, ?, ?, ?)"),
        rows(paying, "(?, ?, ?, ?, NULL, ?, ?)"),
        rows(earlier.author_days.len(), "(?, ?, ?)"),
        rows(earlier.records.len(), "(?, ?, ?)"),
    ));
    if !earlier.upvotes.is_empty() {
        sql.push_str(&format!(
            "; INSERT INTO vote_days_voter (voter_id, day, paid) VALUES {} \
             ON CONFLICT (voter_id, day) DO UPDATE SET paid = paid + excluded.paid; \
             INSERT INTO vote_days_pair (voter_id, author_id, day, paid) VALUES {} \
             ON CONFLICT (voter_id, author_id, day) DO UPDATE SET paid = paid + excluded.paid; \
             INSERT INTO help_answers (author_id, message_id, upvotes) VALUES {} \
             ON CONFLICT (author_id, message_id) DO UPDATE SET upvotes = upvotes + excluded.upvotes",
            rows(earlier.voter_days.len(), "(?, ?, ?)"),
            rows(earlier.pair_days.len(), "(?, ?, ?, ?)"),
            rows(earlier.upvotes.len(), "(?, ?, ?)"),
        ));
    }
    sql
}

/// Binds the decided votes' values and the totals they add to
/// [`written_sql`]'s parameters.
pub(crate) fn bind_written<'q>(
    mut query: Query<'q>,
    decided: &'q [Decided<'q>],
    earlier: &'q Earlier,
) -> Query<'q> {
    for vote in decided {
        let (new, verdict) = (vote.vote, vote.verdict);
        query = query
            .bind(vote.id)
            .bind(new.message.0)
            .bind(new.voter.0)
            .bind(new.author.0)
            .bind(new.kind.as_str())
            .bind(new.via)
            .bind(new.emoji)
            .bind(verdict.points)
            .bind(verdict.outcome)
            .bind(new.day)
            .bind(new.event_key)
            .bind(vote.now);
    }
    let paying = || decided.iter().filter(|vote| vote.pays());
    if paying().next().is_none() {
        return query;
    }
    for vote in paying() {
        let credit = vote.vote.kind.credit();
        query = query
            .bind(vote.vote.author.0)
            .bind(vote.verdict.points)
            .bind(credit.as_str())
            .bind(vote.vote.voter.0)
            .bind(vote.ledger_key())
            .bind(credit.is_earning())
            .bind(ledger_time(vote.now));
    }
    for (author, (amount, earned, at)) in paying_authors(decided) {
        query = query.bind(author).bind(amount).bind(earned).bind(at);
    }
    for vote in paying() {
        query = query
            .bind(vote.vote.author.0)
            .bind(vote.vote.told_as.as_str())
            .bind(vote.verdict.points)
            .bind(vote.vote.voter_name)
            .bind(vote_source_key(vote.id))
            .bind(vote.now);
    }
    for (&(author, day), &earned) in &earlier.author_days {
        query = query.bind(author).bind(day).bind(earned);
    }
    for (&author, (before, after)) in &earlier.records {
        query = query
            .bind(author)
            .bind(after.answers_upvoted - before.answers_upvoted)
            .bind(after.solutions - before.solutions);
    }
    if earlier.upvotes.is_empty() {
        return query;
    }
    for (&(voter, day), &paid) in &earlier.voter_days {
        query = query.bind(voter).bind(day).bind(paid);
    }
    for (&(voter, author, day), &paid) in &earlier.pair_days {
        query = query.bind(voter).bind(author).bind(day).bind(paid);
    }
    for (&(author, message), (before, after)) in &earlier.upvotes {
        query = query.bind(author).bind(message).bind(after - before);
    }
    query
}

/// What the paying votes add to each author's balance: (amount, earned
/// amount, the last vote's time), by author.
fn paying_authors(decided: &[Decided<'_>]) -> BTreeMap<i64, (i64, i64, DateTime<Utc>)> {
    let mut authors = BTreeMap::new();
    for vote in decided.iter().filter(|vote| vote.pays()) {
        let entry = authors
            .entry(vote.vote.author.0)
            .or_insert((0, 0, vote.now));
        entry.0 += vote.verdict.points;
        if vote.vote.kind.credit().is_earning() {
            entry.1 += vote.verdict.points;
        }
        entry.2 = vote.now;
    }
    authors
}

/// Checks that every paying vote was booked and every author's balance
/// moved: a vote's booking has a key no other row can have (votes are
/// never deleted, so their ids are never reused) and every member has a
/// balance, so anything else means the books are not what the store
/// assumes, and the write is given up.
pub(crate) fn check_written(rows: &[SqliteRow], decided: &[Decided<'_>]) -> Result<(), StoreError> {
    let booked = super::rows_named(rows, "booked").count();
    let balanced = super::rows_named(rows, "balanced").count();
    let paying = decided.iter().filter(|vote| vote.pays()).count();
    let authors = paying_authors(decided).len();
    if booked != paying || balanced != authors {
        return Err(StoreError::Inconsistent(format!(
            "{paying} paying votes booked {booked} ledger rows and moved {balanced} of {authors} balances"
        )));
    }
    Ok(())
}

/// A standing vote about to be reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StandingVote {
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

/// A standing vote's end, and what it takes back.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reversal {
    vote: StandingVote,
    /// What is taken back: what the vote paid, at most the author's
    /// balance (a balance never goes below zero; what was already spent
    /// stays spent, and the vote row records what was actually taken back).
    reversed: i64,
    why: &'static str,
    now: DateTime<Utc>,
}

impl Reversal {
    /// Ends `vote`, taking back what it paid as far as `available` (its
    /// author's balance) allows.
    fn of(vote: StandingVote, available: i64, why: &'static str, now: DateTime<Utc>) -> Reversal {
        let reversed = vote.points.min(available);
        if reversed < vote.points {
            tracing::warn!(
                vote = vote.id,
                paid = vote.points,
                reversed,
                "reversal limited by a spent balance"
            );
        }
        Reversal {
            vote,
            reversed,
            why,
            now,
        }
    }

    fn books(&self) -> bool {
        self.reversed > 0
    }
}

/// Writes reversals, each kind of row in one multi-row statement: the
/// votes' end, the ledger rows and balances of what they take back, and
/// their rows out of the authors' waiting digests. Bound by
/// [`bind_reversals`]; [`check_reversed`] checks what it did.
pub(crate) fn reversals_sql(reversals: &[Reversal]) -> String {
    let rows = |count: usize, row: &str| vec![row; count].join(", ");
    let mut sql = format!(
        "WITH e (vote, at, reversed) AS (VALUES {}) \
         UPDATE votes SET active = 0, withdrawn_at = e.at, reversed = e.reversed FROM e \
         WHERE votes.id = e.vote AND votes.active = 1 RETURNING id AS ended",
        rows(reversals.len(), "(?, ?, ?)")
    );
    let booked = reversals.iter().filter(|reversal| reversal.books()).count();
    if booked > 0 {
        sql.push_str(&format!(
            "; INSERT INTO ledger (member_id, amount, kind, reason, actor_id, source, idempotency_key, earning, created_at) \
             VALUES {} ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key AS unbooked; \
             WITH d (member, amount, earned, at) AS (VALUES {}) \
             UPDATE balances SET balance = balance + d.amount, lifetime_earned = lifetime_earned + d.earned, \
                 updated_at = d.at FROM d \
             WHERE balances.member_id = d.member AND balances.balance + d.amount >= 0 \
             RETURNING member_id AS unbalanced",
            rows(booked, "(?, ?, ?, ?, NULL, ?, ?, ?, ?)"),
            rows(reversed_authors(reversals).len(), "(?, ?, ?, ?)"),
        ));
    }
    sql.push_str("; ");
    sql.push_str(&super::digests::untell_sql(reversals.len()));
    sql
}

/// Binds the reversals' values to [`reversals_sql`]'s parameters.
pub(crate) fn bind_reversals<'q>(mut query: Query<'q>, reversals: &'q [Reversal]) -> Query<'q> {
    for reversal in reversals {
        query = query
            .bind(reversal.vote.id)
            .bind(reversal.now)
            .bind(reversal.reversed);
    }
    let booking = || reversals.iter().filter(|reversal| reversal.books());
    if booking().next().is_some() {
        for reversal in booking() {
            let (vote, kind) = (reversal.vote.id, reversal.vote.kind.reversal());
            query = query
                .bind(reversal.vote.author.0)
                .bind(-reversal.reversed)
                .bind(kind.as_str())
                .bind(format!("vote {vote} {}", reversal.why))
                .bind(format!("vote {vote}"))
                .bind(format!("vote:{vote}:reversal"))
                .bind(kind.is_earning())
                .bind(ledger_time(reversal.now));
        }
        for (author, (amount, earned, at)) in reversed_authors(reversals) {
            query = query.bind(author).bind(amount).bind(earned).bind(at);
        }
    }
    super::digests::bind_untell(
        query,
        reversals
            .iter()
            .map(|reversal| (reversal.vote.id, reversal.reversed)),
    )
}

/// What the reversals take from each author's balance: (amount, earned
/// amount, the last reversal's time), by author.
fn reversed_authors(reversals: &[Reversal]) -> BTreeMap<i64, (i64, i64, DateTime<Utc>)> {
    let mut authors = BTreeMap::new();
    for reversal in reversals.iter().filter(|reversal| reversal.books()) {
        let entry = authors
            .entry(reversal.vote.author.0)
            .or_insert((0, 0, reversal.now));
        entry.0 -= reversal.reversed;
        if reversal.vote.kind.reversal().is_earning() {
            entry.1 -= reversal.reversed;
        }
        entry.2 = reversal.now;
    }
    authors
}

/// Checks that every reversed vote ended, every reversal was booked and
/// every author's balance moved: the votes were standing, a reversal's
/// key names its vote (which ends once) and the amounts were read within
/// the transaction, so anything else means the books are not what the
/// store assumes, and the write is given up.
pub(crate) fn check_reversed(rows: &[SqliteRow], reversals: &[Reversal]) -> Result<(), StoreError> {
    let ended = super::rows_named(rows, "ended").count();
    let booked = super::rows_named(rows, "unbooked").count();
    let balanced = super::rows_named(rows, "unbalanced").count();
    let booking = reversals.iter().filter(|reversal| reversal.books()).count();
    let authors = reversed_authors(reversals).len();
    if ended != reversals.len() || booked != booking || balanced != authors {
        return Err(StoreError::Inconsistent(format!(
            "{} reversals ended {ended} votes, booked {booked} of {booking} ledger rows and moved {balanced} of {authors} balances",
            reversals.len()
        )));
    }
    Ok(())
}

/// Ends a standing vote and takes back what it paid, as far as its
/// author's balance allows ([`Reversal`]); what the author was not told
/// yet leaves their waiting digest with it. Returns the points taken back.
async fn reverse(
    tx: &mut sqlx::SqliteConnection,
    vote: &StandingVote,
    why: &'static str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let available = balance_in(tx, vote.author).await?;
    let reversals = [Reversal::of(*vote, available, why, now)];
    let rows = bind_reversals(
        sqlx::query(AssertSqlSafe(reversals_sql(&reversals))),
        &reversals,
    )
    .fetch_all(&mut *tx)
    .await
    .context("reversing a vote")?;
    check_reversed(&rows, &reversals)?;
    Ok(reversals[0].reversed)
}

/// A reaction's withdrawal, as the vote writer rules on it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WithdrawnReaction<'a> {
    pub message: MessageId,
    pub voter: MemberId,
    pub emoji: &'a str,
    pub event_key: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// What a withdrawal reads before it is ruled on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WithdrawalRead {
    /// The platform delivered this event before.
    replayed: bool,
    /// The voter's standing reaction vote with the emoji (the latest).
    standing: Option<StandingVote>,
    /// Its author's balance.
    balance: i64,
}

/// The facts of `withdrawals` withdrawals (one row each, in their order):
/// whether each one's event was handled before, the vote it ends and its
/// author's balance. A write's first statement, like [`facts_sql`].
pub(crate) fn withdrawal_facts_sql(withdrawals: usize) -> String {
    let values = vec!["(?, ?, ?, ?, ?)"; withdrawals.max(1)].join(", ");
    format!(
        "WITH w (i, message, voter, emoji, event_key) AS (VALUES {values}) \
         SELECT w.i AS withdrawal_facts, \
         EXISTS (SELECT 1 FROM handled_events WHERE w.event_key IS NOT NULL AND event_key = w.event_key) AS replayed, \
         v.id, v.author_id, v.kind, v.points, \
         COALESCE((SELECT balance FROM balances WHERE member_id = v.author_id), 0) AS balance \
         FROM w LEFT JOIN votes v ON v.id = (SELECT id FROM votes \
             WHERE message_id = w.message AND voter_id = w.voter AND via = 'reaction' AND emoji = w.emoji \
               AND active = 1 ORDER BY id DESC LIMIT 1) \
         ORDER BY w.i"
    )
}

/// Binds the withdrawals' values to [`withdrawal_facts_sql`]'s parameters.
pub(crate) fn bind_withdrawal_facts<'q>(
    mut query: Query<'q>,
    withdrawals: impl Iterator<Item = WithdrawnReaction<'q>>,
) -> Query<'q> {
    for (i, withdrawal) in withdrawals.enumerate() {
        query = query
            .bind(i as i64)
            .bind(withdrawal.message.0)
            .bind(withdrawal.voter.0)
            .bind(withdrawal.emoji)
            .bind(withdrawal.event_key);
    }
    query
}

/// The facts of `withdrawals` withdrawals from [`withdrawal_facts_sql`]'s
/// rows, in their order.
pub(crate) fn read_withdrawal_facts(
    rows: &[SqliteRow],
    withdrawals: usize,
) -> Result<Vec<WithdrawalRead>, StoreError> {
    let decode = |row: &SqliteRow| -> Result<WithdrawalRead, sqlx::Error> {
        let standing = match row.try_get::<Option<i64>, _>("id")? {
            Some(_) => Some(standing_vote(row)?),
            None => None,
        };
        Ok(WithdrawalRead {
            replayed: row.try_get("replayed")?,
            standing,
            balance: row.try_get("balance")?,
        })
    };
    decode_facts(rows, "withdrawal_facts", withdrawals, "withdrawals", decode)
}

/// The withdrawals of one batch, ruled on in their order after the batch's
/// votes (they were all waiting at once, so any order is one they could
/// have had; the writer never batches a withdrawal with a vote on the same
/// message by the same voter). What the votes paid and the withdrawals
/// before took back is counted in, as in [`Earlier`].
#[derive(Debug, Default)]
pub(crate) struct Withdrawals {
    /// What each author has to give back, by author: the balance as read
    /// plus what the batch's votes paid, less what was taken back.
    available: BTreeMap<i64, i64>,
    /// What the batch's votes paid each author.
    paid: BTreeMap<i64, i64>,
    /// Votes this batch ended, and the events it handled.
    ended: HashSet<i64>,
    events: HashSet<String>,
    reversals: Vec<Reversal>,
}

impl Withdrawals {
    /// Withdrawals after the batch's `decided` votes.
    pub(crate) fn after(decided: &[Decided<'_>]) -> Withdrawals {
        Withdrawals {
            paid: paying_authors(decided)
                .into_iter()
                .map(|(author, (amount, _, _))| (author, amount))
                .collect(),
            ..Withdrawals::default()
        }
    }

    /// Rules on `withdrawal` with what it read.
    pub(crate) fn rule(
        &mut self,
        withdrawal: &WithdrawnReaction<'_>,
        read: &WithdrawalRead,
    ) -> Withdrawal {
        if let Some(key) = withdrawal.event_key
            && (read.replayed || !self.events.insert(key.to_owned()))
        {
            return Withdrawal::Replayed;
        }
        let Some(vote) = read.standing.filter(|vote| !self.ended.contains(&vote.id)) else {
            return Withdrawal::NothingToWithdraw;
        };
        let paid = self.paid.get(&vote.author.0).copied().unwrap_or(0);
        let available = self
            .available
            .entry(vote.author.0)
            .or_insert(read.balance + paid);
        let reversal = Reversal::of(vote, *available, "withdrawn", withdrawal.now);
        *available -= reversal.reversed;
        self.ended.insert(vote.id);
        self.reversals.push(reversal);
        Withdrawal::Withdrawn {
            vote: vote.id,
            paid: vote.points,
            reversed: reversal.reversed,
        }
    }

    /// The reversals the withdrawals ruled on, to write.
    pub(crate) fn reversals(&self) -> &[Reversal] {
        &self.reversals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upvote<'a>(message: i64, voter: i64, author: i64, key: &'a str) -> NewVote<'a> {
        NewVote {
            message: MessageId(message),
            question: None,
            voter: MemberId(voter),
            author: MemberId(author),
            kind: VoteKind::Upvote,
            via: "reaction",
            emoji: Some("👍"),
            day: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            event_key: Some(key),
            told_as: EarnedKind::Upvote,
            voter_name: "ann",
        }
    }

    /// Facts as read at a batch's start: the author has one upvoted answer.
    fn read_at_start() -> Read {
        Read {
            facts: VoteFacts::default(),
            replayed: false,
            next_vote: 1,
            record: HelpRecord {
                answers_upvoted: 1,
                solutions: 0,
            },
            answer_upvotes: 0,
        }
    }

    fn paying(points: i64) -> Verdict {
        Verdict {
            points,
            outcome: "paid",
        }
    }

    #[test]
    fn a_vote_sees_what_its_batch_mates_before_it_paid() {
        let read = read_at_start();
        let mut earlier = Earlier::default();
        let first = upvote(10, 1, 2, "a");
        let facts = earlier.facts(&first, &read).expect("a new event");
        assert_eq!(facts, VoteFacts::default());
        let decided = Decided {
            id: 1,
            vote: &first,
            verdict: paying(2),
            now: Utc::now(),
        };
        let VoteRecorded::Recorded { paid, .. } = earlier.add(&decided, &read) else {
            panic!("recorded");
        };
        let after = paid.expect("it paid");
        assert!(after.first_upvote, "the answer's first paying upvote");
        assert_eq!(after.record.answers_upvoted, 2);

        let same_answer = upvote(10, 1, 2, "b");
        let facts = earlier.facts(&same_answer, &read).unwrap();
        assert!(facts.already_voted, "the same voter's second upvote");
        assert_eq!(
            (
                facts.author_earned_today,
                facts.voter_paid_today,
                facts.pair_paid_today
            ),
            (2, 1, 1)
        );

        let other_voter = upvote(10, 3, 2, "c");
        let facts = earlier.facts(&other_voter, &read).unwrap();
        assert!(!facts.already_voted);
        assert_eq!(
            (
                facts.author_earned_today,
                facts.voter_paid_today,
                facts.pair_paid_today
            ),
            (2, 0, 0)
        );
        let decided = Decided {
            id: 2,
            vote: &other_voter,
            verdict: paying(2),
            now: Utc::now(),
        };
        let VoteRecorded::Recorded { paid, .. } = earlier.add(&decided, &read) else {
            panic!("recorded");
        };
        let after = paid.expect("it paid");
        assert!(!after.first_upvote, "the answer had its first already");
        assert_eq!(after.record.answers_upvoted, 2);
    }

    #[test]
    fn an_event_delivered_twice_in_one_batch_is_recorded_once() {
        let read = read_at_start();
        let mut earlier = Earlier::default();
        let vote = upvote(10, 1, 2, "same");
        let decided = Decided {
            id: 1,
            vote: &vote,
            verdict: Verdict {
                points: 0,
                outcome: "voter_cap",
            },
            now: Utc::now(),
        };
        let VoteRecorded::Recorded { paid, .. } = earlier.add(&decided, &read) else {
            panic!("recorded");
        };
        assert_eq!(paid, None, "a vote that paid nothing moves no record");
        assert_eq!(earlier.facts(&upvote(11, 1, 2, "same"), &read), None);
    }
}
