//! The vote writer: reaction votes handed to the store as data and written
//! many to a statement.
//!
//! Why: a reaction vote is the busiest write there is, and as calls on a
//! transaction (its facts, its row, its booking, its event's marks) it
//! costs several round trips to the connection's worker thread while it
//! holds the write lock, far more than SQLite's own work
//! (docs/performance.md). Handed over whole, with the core's rules as a
//! function, the votes waiting at one moment are ruled on and written
//! together: one statement reads the facts of all of them, and one query
//! writes every vote row, ledger row, balance, digest row and handled mark
//! with one multi-row statement each.
//!
//! How: [`Store::cast_vote_event`] sends the event to one task per store.
//! The task takes what is waiting (up to [`MAX_BATCH`]) as one turn of the
//! group commit ([`super::writer`]), reads the facts, and rules on each
//! vote in arrival order with the facts as the votes before it in the
//! batch left them ([`Earlier`]), so a cap or a duplicate is decided as if
//! each vote had a transaction of its own. A refusal is decided before
//! anything is written, so it never touches its batch-mates. The rare
//! writes a vote may bring (a milestone's digest row and notice, a member
//! whose notices must be re-routed) follow in the same transaction. Every
//! caller is answered after the commit; if the batch fails, each of them
//! gets the error and nothing of it is written.
//!
//! A reaction taken back ([`Store::withdraw_reaction_event`]) comes the
//! same way: alone, its read, its reversal and its event's marks took a
//! turn of the group commit and several round trips, and then a second
//! turn for the marks, so a club whose members change their minds fell
//! behind (docs/performance.md). The batch's withdrawals are read with its
//! votes' facts and written with its votes' rows.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;
use tokio::sync::{mpsc, oneshot};

use super::digests::{Earned, EarnedKind, insert_earned};
use super::outbox::{self, EventCommit, PlatformUse, write_notices};
use super::votes::{
    self, Earlier, NewVote, Verdict, VoteFacts, VoteKind, VoteRecorded, Withdrawal, Withdrawals,
    WithdrawnReaction,
};
use super::writer::{First, Group, MAX_BATCH};
use super::{Context, Store, StoreError};
use crate::club::model::{MemberId, MessageId, Platform};
use crate::club::reply::Reply;

/// A reaction vote and its event, as data.
pub struct VoteEvent {
    pub vote: VoteData,
    /// The event: who acted where.
    pub marks: EventMarks,
    /// The core's rules on today's totals.
    pub decide: Box<dyn FnOnce(&VoteFacts) -> Verdict + Send>,
    /// What the vote's outcome brings besides (a milestone).
    pub celebrate: Box<dyn FnOnce(&VoteRecorded) -> Celebration + Send>,
}

/// A vote's values ([`NewVote`], owned).
#[derive(Debug, Clone)]
pub struct VoteData {
    pub message: MessageId,
    pub question: Option<MessageId>,
    pub voter: MemberId,
    pub author: MemberId,
    pub kind: VoteKind,
    pub via: &'static str,
    pub emoji: Option<String>,
    pub day: NaiveDate,
    pub told_as: EarnedKind,
    pub voter_name: String,
    pub now: DateTime<Utc>,
}

/// A reaction taken back, and its event.
#[derive(Debug, Clone)]
pub struct WithdrawalEvent {
    pub message: MessageId,
    pub voter: MemberId,
    /// The reaction's emoji, as its vote recorded it.
    pub emoji: String,
    pub now: DateTime<Utc>,
    pub marks: EventMarks,
}

impl WithdrawalEvent {
    fn reaction(&self) -> WithdrawnReaction<'_> {
        WithdrawnReaction {
            message: self.message,
            voter: self.voter,
            emoji: &self.emoji,
            event_key: self.marks.event_key.as_deref(),
            now: self.now,
        }
    }
}

/// The event a vote came with: what its commit marks.
#[derive(Debug, Clone)]
pub struct EventMarks {
    pub event_key: Option<String>,
    pub actor: MemberId,
    pub platform: Platform,
    /// Where it happened, unless in private.
    pub origin: Option<String>,
}

/// What a vote's outcome brings besides: a milestone's digest row and its
/// notices.
#[derive(Debug, Clone, Default)]
pub struct Celebration {
    pub earned: Option<Earned>,
    pub notices: Vec<Reply>,
}

/// What became of a vote event, once committed.
#[derive(Debug, Clone)]
pub struct VoteWritten {
    pub recorded: VoteRecorded,
    /// The notices committed with it.
    pub notices: Vec<Reply>,
}

/// An event waiting for the writer, and where its outcome goes.
enum Job {
    Vote {
        event: VoteEvent,
        answer: oneshot::Sender<Result<VoteWritten, StoreError>>,
    },
    Withdrawal {
        event: WithdrawalEvent,
        answer: oneshot::Sender<Result<Withdrawal, StoreError>>,
    },
}

impl Job {
    /// The message and voter it is about.
    fn target(&self) -> (MessageId, MemberId) {
        match self {
            Job::Vote { event, .. } => (event.vote.message, event.vote.voter),
            Job::Withdrawal { event, .. } => (event.message, event.voter),
        }
    }

    /// Whether it has to wait for a batch of its own after `batch`: a
    /// withdrawal and a vote of the same voter on the same message are
    /// ruled on in their order, which one batch does not keep (its votes
    /// come first).
    fn follows(&self, batch: &[Job]) -> bool {
        let withdraws = |job: &Job| matches!(job, Job::Withdrawal { .. });
        batch
            .iter()
            .any(|job| job.target() == self.target() && (withdraws(job) || withdraws(self)))
    }
}

/// The way to the store's vote writer.
#[derive(Debug, Clone)]
pub(crate) struct VoteWriter {
    jobs: mpsc::Sender<Job>,
}

impl VoteWriter {
    /// Starts the writer of `group`'s database; it ends when the last
    /// handle to it is dropped.
    pub(crate) fn start(group: Arc<Group>) -> VoteWriter {
        let (jobs, waiting) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(group, waiting));
        VoteWriter { jobs }
    }
}

impl Store {
    /// Records a reaction vote and commits its event (the handled mark,
    /// the member's platform, the notices its outcome brings), together
    /// with the other vote events waiting at that moment. The vote has to
    /// be the event's only write: call it outside [`Store::atomically`] or
    /// before anything in it wrote.
    #[tracing::instrument(skip_all, fields(kind = event.vote.kind.as_str()))]
    pub async fn cast_vote_event(&self, event: VoteEvent) -> Result<VoteWritten, StoreError> {
        if super::unit::wrote().await {
            return Err(StoreError::Inconsistent(
                "a vote event came after its event wrote".into(),
            ));
        }
        let (answer, outcome) = oneshot::channel();
        self.send_vote_job(Job::Vote { event, answer }).await?;
        outcome.await.map_err(|_| writer_stopped())?
    }

    /// Withdraws the voter's standing reaction vote with the emoji on the
    /// message, takes back what it paid as far as the author's balance
    /// allows, and commits its event (the handled mark, the member's
    /// platform), with the vote events waiting at that moment. Like
    /// [`Store::cast_vote_event`], it has to be the event's only write.
    #[tracing::instrument(skip_all)]
    pub async fn withdraw_reaction_event(
        &self,
        event: WithdrawalEvent,
    ) -> Result<Withdrawal, StoreError> {
        if super::unit::wrote().await {
            return Err(StoreError::Inconsistent(
                "a withdrawal came after its event wrote".into(),
            ));
        }
        let (answer, outcome) = oneshot::channel();
        self.send_vote_job(Job::Withdrawal { event, answer })
            .await?;
        outcome.await.map_err(|_| writer_stopped())?
    }

    async fn send_vote_job(&self, job: Job) -> Result<(), StoreError> {
        self.votes
            .jobs
            .send(job)
            .await
            .map_err(|_| writer_stopped())
    }
}

fn writer_stopped() -> StoreError {
    StoreError::Inconsistent("the vote writer stopped".into())
}

/// The writer's loop: each batch is what waits when the last one is done
/// (up to one that has to follow it, [`Job::follows`]).
async fn run(group: Arc<Group>, mut waiting: mpsc::Receiver<Job>) {
    let mut next = None;
    loop {
        let first = match next.take() {
            Some(job) => job,
            None => match waiting.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(job) if job.follows(&jobs) => {
                    next = Some(job);
                    break;
                }
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        tracing::debug!(events = jobs.len(), "writing a batch of votes");
        let mut votes = Vec::new();
        let mut withdrawals = Vec::new();
        let mut answers = Vec::with_capacity(jobs.len());
        for job in jobs {
            match job {
                Job::Vote { event, answer } => {
                    votes.push(event);
                    answers.push(Answer::Vote(answer));
                }
                Job::Withdrawal { event, answer } => {
                    withdrawals.push(event);
                    answers.push(Answer::Withdrawal(answer));
                }
            }
        }
        match write_batch(&group, votes, withdrawals).await {
            Ok((written, withdrawn)) => {
                let (mut written, mut withdrawn) = (written.into_iter(), withdrawn.into_iter());
                for answer in answers {
                    match answer {
                        Answer::Vote(answer) => {
                            let _ = answer.send(written.next().ok_or_else(lost_outcome));
                        }
                        Answer::Withdrawal(answer) => {
                            let _ = answer.send(withdrawn.next().ok_or_else(lost_outcome));
                        }
                    }
                }
            }
            Err(error) => {
                tracing::error!(%error, events = answers.len(), "a batch of votes failed");
                let error = format!("the batch of votes failed: {error}");
                for answer in answers {
                    answer.fail(&error);
                }
            }
        }
    }
}

/// Where a batch's outcomes go, in the order its events came.
enum Answer {
    Vote(oneshot::Sender<Result<VoteWritten, StoreError>>),
    Withdrawal(oneshot::Sender<Result<Withdrawal, StoreError>>),
}

impl Answer {
    fn fail(self, error: &str) {
        let error = || StoreError::Inconsistent(error.to_owned());
        match self {
            Answer::Vote(answer) => {
                let _ = answer.send(Err(error()));
            }
            Answer::Withdrawal(answer) => {
                let _ = answer.send(Err(error()));
            }
        }
    }
}

fn lost_outcome() -> StoreError {
    StoreError::Inconsistent("a batch of votes lost an event's outcome".into())
}

/// The round trip's first statements for `votes` votes and `withdrawals`
/// withdrawals: their facts and their members' deliveries.
fn facts_sql(votes: usize, withdrawals: usize) -> Cow<'static, str> {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    if withdrawals == 0 {
        let texts = TEXTS.get_or_init(|| {
            (1..=MAX_BATCH)
                .map(|n| format!("{}; {}", votes::facts_sql(n), outbox::delivery_facts_sql(n)))
                .collect()
        });
        return Cow::Borrowed(&texts[votes.clamp(1, MAX_BATCH) - 1]);
    }
    let mut statements = Vec::with_capacity(3);
    if votes > 0 {
        statements.push(votes::facts_sql(votes).to_owned());
    }
    statements.push(outbox::delivery_facts_sql(votes + withdrawals));
    statements.push(votes::withdrawal_facts_sql(withdrawals));
    Cow::Owned(statements.join("; "))
}

/// Rules on, writes and commits one batch: its votes, then its
/// withdrawals.
async fn write_batch(
    group: &Group,
    events: Vec<VoteEvent>,
    withdrawals: Vec<WithdrawalEvent>,
) -> Result<(Vec<VoteWritten>, Vec<Withdrawal>), StoreError> {
    let count = events.len();
    let (data, hooks): (Vec<(VoteData, EventMarks)>, Vec<_>) = events
        .into_iter()
        .map(|event| ((event.vote, event.marks), (event.decide, event.celebrate)))
        .unzip();
    let votes: Vec<NewVote<'_>> = data
        .iter()
        .map(|(vote, marks)| new_vote(vote, marks))
        .collect();
    let reactions: Vec<WithdrawnReaction<'_>> =
        withdrawals.iter().map(WithdrawalEvent::reaction).collect();
    let first = First {
        sql: facts_sql(count, withdrawals.len()),
        bind: Box::new(|query| {
            let query = votes::bind_facts(query, votes.iter());
            let actors = data.iter().map(|(_, marks)| marks.actor);
            let actors = actors.chain(withdrawals.iter().map(|event| event.marks.actor));
            let query = outbox::bind_delivery_facts(query, actors);
            votes::bind_withdrawal_facts(query, reactions.iter().copied())
        }),
    };
    let (mut turn, rows) = group.join_reading(None, Some(first)).await?;
    let reads = match count {
        0 => Vec::new(),
        _ => votes::read_facts(&rows, count)?,
    };
    let withdrawal_reads = votes::read_withdrawal_facts(&rows, withdrawals.len())?;
    let mut deliveries = outbox::read_delivery_facts(&rows)?;

    // The rules, vote by vote, before anything is written.
    let mut earlier = Earlier::default();
    let mut next_id = reads.first().map_or(0, |read| read.next_vote());
    let mut decided = Vec::with_capacity(count);
    let mut outcomes = Vec::with_capacity(count);
    // The recorded votes, with what each brings besides.
    let mut recorded = Vec::with_capacity(count);
    for (((vote, (data, marks)), read), (decide, celebrate)) in
        votes.iter().zip(&data).zip(&reads).zip(hooks)
    {
        let Some((vote, outcome)) = earlier.rule(vote, read, next_id, data.now, decide) else {
            outcomes.push((VoteRecorded::Replayed, Vec::new()));
            continue;
        };
        next_id += 1;
        let celebration = celebrate(&outcome);
        outcomes.push((outcome, celebration.notices.clone()));
        recorded.push((data, marks, celebration));
        decided.push(vote);
    }

    // Then the withdrawals, with what the votes paid.
    let mut taking = Withdrawals::after(&decided);
    let withdrawn: Vec<Withdrawal> = reactions
        .iter()
        .zip(&withdrawal_reads)
        .map(|(reaction, read)| taking.rule(reaction, read))
        .collect();

    // The events committed: every one but a replay.
    let committed: Vec<&EventMarks> = recorded
        .iter()
        .map(|(_, marks, _)| *marks)
        .chain(
            withdrawals
                .iter()
                .zip(&withdrawn)
                .filter(|(_, withdrawn)| **withdrawn != Withdrawal::Replayed)
                .map(|(event, _)| &event.marks),
        )
        .collect();

    // Where the members' notices go: a platform that changed is remembered
    // with the votes; a member whose notices wait for one has them
    // re-routed (`reroute`).
    let mut remembered = Vec::new();
    let mut reroutes = Vec::with_capacity(committed.len());
    for marks in &committed {
        let delivery = deliveries.entry(marks.actor).or_default();
        let used = delivery.use_platform(marks.platform);
        if used == PlatformUse::Remember {
            remembered.push((marks.actor, marks.platform));
        }
        reroutes.push(used == PlatformUse::Reroute);
    }

    // Every vote, every reversal and the events' marks in one round trip.
    let now = Utc::now();
    let keys: Vec<&str> = committed
        .iter()
        .filter_map(|marks| marks.event_key.as_deref())
        .collect();
    let reversals = taking.reversals();
    let mut statements = Vec::with_capacity(4);
    if !decided.is_empty() {
        statements.push(votes::written_sql(&decided, &earlier));
    }
    if !keys.is_empty() {
        statements.push(outbox::handled_marks_sql(keys.len()));
    }
    if !remembered.is_empty() {
        statements.push(outbox::platforms_used_sql(remembered.len()));
    }
    if !reversals.is_empty() {
        statements.push(votes::reversals_sql(reversals));
    }
    if !statements.is_empty() {
        let mut query = sqlx::query(AssertSqlSafe(statements.join("; ")));
        if !decided.is_empty() {
            query = votes::bind_written(query, &decided, &earlier);
        }
        let query = outbox::bind_handled_marks(query, keys.iter().copied(), now);
        let query = outbox::bind_platforms_used(query, remembered.iter().copied(), now);
        let rows = votes::bind_reversals(query, reversals)
            .persistent(count + withdrawals.len() == 1)
            .fetch_all(turn.connection())
            .await
            .context("recording votes")?;
        votes::check_written(&rows, &decided)?;
        if !reversals.is_empty() {
            votes::check_reversed(&rows, reversals)?;
        }
    }

    // What few events bring besides, in the same transaction.
    for (marks, reroute) in committed.iter().zip(reroutes) {
        if reroute {
            outbox::used_platform(
                turn.connection(),
                marks.actor,
                marks.platform,
                marks.origin.is_none(),
                now,
            )
            .await?;
        }
    }
    for (vote, marks, celebration) in &recorded {
        celebrate(turn.connection(), vote, marks, celebration, now).await?;
    }
    turn.finish(true).await.context("committing votes")?;
    let written = outcomes
        .into_iter()
        .map(|(recorded, notices)| VoteWritten { recorded, notices })
        .collect();
    Ok((written, withdrawn))
}

/// A recorded vote's milestone, if it reached one: its digest row and its
/// notices.
async fn celebrate(
    tx: &mut sqlx::SqliteConnection,
    vote: &VoteData,
    marks: &EventMarks,
    celebration: &Celebration,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if let Some(earned) = &celebration.earned {
        insert_earned(tx, earned, vote.now).await?;
    }
    if !celebration.notices.is_empty() {
        let commit = EventCommit {
            event_key: marks.event_key.as_deref(),
            actor: Some((marks.actor, marks.platform)),
            origin: marks.origin.as_deref().map(|place| (place, None)),
            notices: &celebration.notices,
            hand_over: &[],
        };
        write_notices(tx, &commit, Some(marks.actor), now).await?;
    }
    Ok(())
}

/// The vote as the store's vote functions take it.
fn new_vote<'a>(vote: &'a VoteData, marks: &'a EventMarks) -> NewVote<'a> {
    NewVote {
        message: vote.message,
        question: vote.question,
        voter: vote.voter,
        author: vote.author,
        kind: vote.kind,
        via: vote.via,
        emoji: vote.emoji.as_deref(),
        day: vote.day,
        event_key: marks.event_key.as_deref(),
        told_as: vote.told_as,
        voter_name: &vote.voter_name,
    }
}
