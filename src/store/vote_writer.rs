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

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;
use tokio::sync::{mpsc, oneshot};

use super::digests::{Earned, EarnedKind, insert_earned};
use super::outbox::{self, EventCommit, PlatformUse, write_notices};
use super::votes::{self, Earlier, NewVote, Verdict, VoteFacts, VoteKind, VoteRecorded};
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

/// A vote event waiting for the writer, and where its outcome goes.
struct Job {
    event: VoteEvent,
    answer: oneshot::Sender<Result<VoteWritten, StoreError>>,
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
        let stopped = || StoreError::Inconsistent("the vote writer stopped".into());
        self.votes
            .jobs
            .send(Job { event, answer })
            .await
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

/// The writer's loop: each batch is what waits when the last one is done.
async fn run(group: Arc<Group>, mut waiting: mpsc::Receiver<Job>) {
    while let Some(first) = waiting.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        tracing::debug!(votes = jobs.len(), "writing a batch of votes");
        let (events, answers): (Vec<VoteEvent>, Vec<_>) =
            jobs.into_iter().map(|job| (job.event, job.answer)).unzip();
        match write_batch(&group, events).await {
            Ok(written) => {
                for (answer, written) in answers.into_iter().zip(written) {
                    let _ = answer.send(Ok(written));
                }
            }
            Err(error) => {
                tracing::error!(%error, votes = answers.len(), "a batch of votes failed");
                let error = error.to_string();
                for answer in answers {
                    let _ = answer.send(Err(StoreError::Inconsistent(format!(
                        "the batch of votes failed: {error}"
                    ))));
                }
            }
        }
    }
}

/// The round trip's first statements for `votes` votes: their facts and
/// their voters' deliveries.
fn facts_sql(votes: usize) -> &'static str {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        (1..=MAX_BATCH)
            .map(|n| format!("{}; {}", votes::facts_sql(n), outbox::delivery_facts_sql(n)))
            .collect()
    });
    &texts[votes.clamp(1, MAX_BATCH) - 1]
}

/// Rules on, writes and commits one batch of vote events.
async fn write_batch(
    group: &Group,
    events: Vec<VoteEvent>,
) -> Result<Vec<VoteWritten>, StoreError> {
    let count = events.len();
    let (data, hooks): (Vec<(VoteData, EventMarks)>, Vec<_>) = events
        .into_iter()
        .map(|event| ((event.vote, event.marks), (event.decide, event.celebrate)))
        .unzip();
    let votes: Vec<NewVote<'_>> = data
        .iter()
        .map(|(vote, marks)| new_vote(vote, marks))
        .collect();
    let first = First {
        sql: facts_sql(count),
        bind: Box::new(|query| {
            let query = votes::bind_facts(query, votes.iter());
            outbox::bind_delivery_facts(query, data.iter().map(|(_, marks)| marks.actor))
        }),
    };
    let (mut turn, rows) = group.join_reading(None, Some(first)).await?;
    let reads = votes::read_facts(&rows, count)?;
    let mut deliveries = outbox::read_delivery_facts(&rows)?;

    // The rules, vote by vote, before anything is written.
    let mut earlier = Earlier::default();
    let mut next_id = reads[0].next_vote();
    let mut decided = Vec::with_capacity(count);
    let mut outcomes = Vec::with_capacity(count);
    // The recorded votes' events, with what each vote brings besides.
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

    // Where the voters' notices go: a platform that changed is remembered
    // with the votes; a voter whose notices wait for one has them re-routed
    // (`mark_event`).
    let mut remembered = Vec::new();
    let mut reroutes = Vec::with_capacity(recorded.len());
    for (_, marks, _) in &recorded {
        let delivery = deliveries.entry(marks.actor).or_default();
        let used = delivery.use_platform(marks.platform);
        if used == PlatformUse::Remember {
            remembered.push((marks.actor, marks.platform));
        }
        reroutes.push(used == PlatformUse::Reroute);
    }

    // Every vote and its event's marks in one round trip.
    let now = Utc::now();
    if !decided.is_empty() {
        let keys: Vec<&str> = recorded
            .iter()
            .filter_map(|(_, marks, _)| marks.event_key.as_deref())
            .collect();
        let mut sql = votes::written_sql(&decided, &earlier);
        if !keys.is_empty() {
            sql.push_str("; ");
            sql.push_str(&outbox::handled_marks_sql(keys.len()));
        }
        if !remembered.is_empty() {
            sql.push_str("; ");
            sql.push_str(&outbox::platforms_used_sql(remembered.len()));
        }
        let query = votes::bind_written(sqlx::query(AssertSqlSafe(sql)), &decided, &earlier);
        let query = outbox::bind_handled_marks(query, keys.iter().copied(), now);
        let rows = outbox::bind_platforms_used(query, remembered.iter().copied(), now)
            .persistent(count == 1)
            .fetch_all(turn.connection())
            .await
            .context("recording votes")?;
        votes::check_written(&rows, &decided)?;
    }

    // What few votes bring besides, in the same transaction.
    for ((vote, marks, celebration), reroute) in recorded.iter().zip(reroutes) {
        mark_event(turn.connection(), vote, marks, celebration, reroute, now).await?;
    }
    turn.finish(true).await.context("committing votes")?;
    Ok(outcomes
        .into_iter()
        .map(|(recorded, notices)| VoteWritten { recorded, notices })
        .collect())
}

/// The rest of a recorded vote's event: a milestone's digest row, the
/// member's kept notices re-routed (`reroute`), the notices.
async fn mark_event(
    tx: &mut sqlx::SqliteConnection,
    vote: &VoteData,
    marks: &EventMarks,
    celebration: &Celebration,
    reroute: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if let Some(earned) = &celebration.earned {
        insert_earned(tx, earned, vote.now).await?;
    }
    if reroute {
        outbox::used_platform(tx, marks.actor, marks.platform, marks.origin.is_none(), now).await?;
    }
    if !celebration.notices.is_empty() {
        let commit = EventCommit {
            event_key: marks.event_key.as_deref(),
            actor: Some((marks.actor, marks.platform)),
            origin: marks.origin.as_deref().map(|place| (place, None)),
            notices: &celebration.notices,
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
