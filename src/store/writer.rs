//! Group commit: writers that arrive while another writes share its
//! transaction, and one commit acknowledges them all.
//!
//! Why: SQLite has one writer. Each event committing its own `BEGIN
//! IMMEDIATE` transaction pays a commit per event, and events that find the
//! lock taken sleep in SQLite's busy handler (whose backoff made the slowest
//! vote under load take over a second). Here the writers queue on a tokio
//! mutex instead, in arrival order, and take turns in one open transaction
//! on one connection.
//!
//! How: a writer's turn ([`Group::join`]) begins the batch's transaction if
//! none is open; a later turn in the same batch sets a savepoint of its own
//! (the first needs none: undoing it undoes the whole transaction). Its rules run as before
//! (the core's `decide` closure, guarded updates), seeing everything its
//! batch-mates wrote. When it ends ([`Turn::finish`]) its savepoint is
//! released, or rolled back if it failed: one writer's failure or refusal
//! never touches its batch-mates' work. If others are waiting for a turn
//! and the batch is neither full ([`MAX_BATCH`]) nor old ([`MAX_BATCH_AGE`]),
//! it leaves the transaction open
//! for them and waits for the batch's commit; the last of a batch commits
//! and tells every member the outcome. Acknowledged means committed: no
//! writer returns before the commit that holds its work.
//!
//! A writer whose waiter vanished (a cancelled task) cannot leave a batch
//! open forever: a waiting member commits the batch itself when nothing
//! happened for [`STALL`].
//!
//! Where the time goes (docs/performance.md): a statement costs a round
//! trip to the connection's worker thread, far more than SQLite's own work,
//! so the group has a connection of its own (it never queues behind readers
//! for the pool), and the statements that only frame a turn travel
//! together: a turn's start carries the caller's first savepoint with it
//! and the release of the turn before it (a kept turn sends nothing when it
//! ends; the commit releases the last), and a failed turn's undo is one
//! round trip.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{AssertSqlSafe, Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use super::checkpoint::Commits;
use super::{Context, StoreError};

/// The most writers one transaction holds.
pub(crate) const MAX_BATCH: usize = 64;

/// The longest a batch stays open for writers still coming. Its members
/// wait for its commit, so under steady load every write's latency is
/// about one batch's age: bounded by time as well as by members, a write
/// waits milliseconds, not the time 64 turns take. A commit in WAL mode
/// costs tens of microseconds, so the shorter batches cost little.
const MAX_BATCH_AGE: Duration = Duration::from_millis(2);

/// How long a member of an open batch waits for the batch's commit before
/// committing it itself.
const STALL: Duration = Duration::from_millis(25);

/// What a batch's commit came to: `None` until it happened.
type Outcome = Option<Result<(), String>>;

/// The shared writer of one database.
pub(crate) struct Group {
    /// The writers' own connection (for an in-memory database, the one
    /// connection there is).
    pool: SqlitePool,
    batch: Arc<Mutex<Batch>>,
    /// Writers waiting for their turn.
    waiting: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Batch {
    tx: Option<Transaction<'static, Sqlite>>,
    /// Counts batches, so a waiter knows whether its batch is still open.
    generation: u64,
    /// Writers that finished their turn in the open batch.
    members: usize,
    /// When the open batch began.
    opened: Option<Instant>,
    /// Tells the open batch's members how its commit went.
    done: Option<watch::Sender<Outcome>>,
    /// A turn ended without finishing: its savepoint is still open.
    abandoned: bool,
    /// Counted at each commit, for the checkpointer.
    commits: Arc<Commits>,
    /// The last turn kept its work and its savepoint is still open: it is
    /// released with the next turn's start (or by the commit), which saves
    /// every kept turn a round trip of its own.
    kept: bool,
}

/// One writer's turn in the open batch: the transaction is its own until
/// it finishes.
pub(crate) struct Turn {
    batch: Option<OwnedMutexGuard<Batch>>,
    group: Arc<Mutex<Batch>>,
    waiting: Arc<AtomicUsize>,
    /// Whether the turn set a savepoint (it joined an open batch).
    savepoint: bool,
}

impl Group {
    /// The writer of the database `pool` writes to (a pool of one).
    pub(crate) fn new(pool: SqlitePool, commits: Arc<Commits>) -> Group {
        let batch = Batch {
            commits,
            ..Batch::default()
        };
        Group {
            pool,
            batch: Arc::new(Mutex::new(batch)),
            waiting: Default::default(),
        }
    }

    /// Closes the writers' connection (once no batch holds it).
    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    /// Waits for the turn, opening the batch's transaction if none is open.
    /// `then` (a savepoint of the caller's) runs in the same round trip as
    /// the turn's start.
    pub(crate) async fn join(&self, then: Option<&'static str>) -> Result<Turn, StoreError> {
        let (turn, _) = self.join_reading(then, None).await?;
        Ok(turn)
    }

    /// [`Group::join`], and then the caller's `first` statement, whose
    /// rows it returns: in the round trip that starts the turn when it
    /// joins an open batch (under load, the common case), else in one of
    /// its own after the batch's `BEGIN`. A failure of that shared round
    /// trip cannot tell the turn's start from its statement, so it gives
    /// the batch up: its members are told their work was not committed.
    pub(crate) async fn join_reading<'q>(
        &self,
        then: Option<&'static str>,
        first: Option<First<'q>>,
    ) -> Result<(Turn, Vec<SqliteRow>), StoreError> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let waited = WaitGuard(Arc::clone(&self.waiting));
        let mut batch = Arc::clone(&self.batch).lock_owned().await;
        drop(waited);
        if std::mem::take(&mut batch.abandoned)
            && let Some(tx) = batch.tx.as_mut()
        {
            let undone = undo(tx).await;
            if let Err(source) = undone {
                fail(&mut batch, "undoing an abandoned write");
                return Err(StoreError::Query {
                    context: "undoing an abandoned write",
                    source,
                });
            }
        }
        let savepoint = batch.tx.is_some();
        let mut rows = Vec::new();
        let mut first = first;
        if savepoint {
            let release = if batch.kept {
                "RELEASE writer_turn; "
            } else {
                ""
            };
            let then = then.map(|then| format!("; {then}")).unwrap_or_default();
            let query = with_first(
                format!("{release}SAVEPOINT writer_turn{then}"),
                first.take(),
            );
            let tx = batch.tx.as_mut().expect("the batch is open");
            match query.fetch_all(&mut **tx).await {
                Ok(read) => rows = read,
                Err(source) => {
                    fail(&mut batch, "starting a turn");
                    return Err(StoreError::Query {
                        context: "starting a turn in the shared transaction",
                        source,
                    });
                }
            }
            batch.kept = false;
        } else {
            let begin = match then {
                Some(then) => AssertSqlSafe(format!("BEGIN IMMEDIATE; {then}")),
                None => AssertSqlSafe("BEGIN IMMEDIATE".to_owned()),
            };
            let tx = self
                .pool
                .begin_with(begin)
                .await
                .context("starting a write transaction")?;
            batch.tx = Some(tx);
            batch.generation += 1;
            batch.members = 0;
            batch.opened = Some(Instant::now());
            batch.kept = false;
            batch.done = Some(watch::Sender::new(None));
        }
        let mut turn = Turn {
            batch: Some(batch),
            group: Arc::clone(&self.batch),
            waiting: Arc::clone(&self.waiting),
            savepoint,
        };
        if let Some(first) = first {
            // A new batch: dropping the turn on failure rolls it back.
            rows = first
                .query()
                .fetch_all(turn.connection())
                .await
                .context("the first statement of a write")?;
        }
        Ok((turn, rows))
    }
}

/// A statement a writer sends first, with the start of its turn when it
/// can: its text, and what binds its parameters.
pub(crate) struct First<'q> {
    pub sql: Cow<'static, str>,
    pub bind: Box<dyn FnOnce(Query<'q>) -> Query<'q> + Send + 'q>,
}

/// A query of the writers' connection, before its parameters are bound.
pub(crate) type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments>;

impl<'q> First<'q> {
    /// The statement alone, its parameters bound.
    fn query(self) -> Query<'q> {
        let query = match self.sql {
            Cow::Borrowed(sql) => sqlx::query(AssertSqlSafe(sql)),
            Cow::Owned(sql) => sqlx::query(AssertSqlSafe(sql)),
        };
        (self.bind)(query)
    }
}

/// `statements` (without parameters) and then `first`, if any, as one
/// query: one round trip.
pub(crate) fn with_first<'q>(statements: String, first: Option<First<'q>>) -> Query<'q> {
    match first {
        Some(first) => (first.bind)(sqlx::query(AssertSqlSafe(format!(
            "{statements}; {}",
            first.sql
        )))),
        None => sqlx::query(AssertSqlSafe(statements)),
    }
}

/// Counts a waiter out when it gets its turn or is cancelled.
struct WaitGuard(Arc<AtomicUsize>);

impl Drop for WaitGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Turn {
    /// The shared transaction's connection.
    pub(crate) fn connection(&mut self) -> &mut SqliteConnection {
        self.batch
            .as_mut()
            .and_then(|batch| batch.tx.as_mut())
            .expect("a turn holds the open batch")
    }

    /// The shared transaction's connection, for reading.
    pub(crate) fn connection_ref(&self) -> &SqliteConnection {
        self.batch
            .as_ref()
            .and_then(|batch| batch.tx.as_ref())
            .expect("a turn holds the open batch")
    }

    /// Ends the turn: keeps its work (`keep`) or undoes it, and returns once
    /// the work is committed (at once when it was undone).
    pub(crate) async fn finish(mut self, keep: bool) -> Result<(), sqlx::Error> {
        let mut batch = self.batch.take().expect("a turn finishes once");
        if !self.savepoint && !keep {
            // The first turn of its batch: nothing else to keep.
            batch.done = None;
            let tx = batch.tx.take().expect("a turn holds the open batch");
            return tx.rollback().await;
        }
        if self.savepoint && keep {
            // Released with the next turn's start, or by the commit.
            batch.kept = true;
        } else if self.savepoint {
            let tx = batch.tx.as_mut().expect("a turn holds the open batch");
            if let Err(error) = undo(tx).await {
                fail(&mut batch, "ending a turn");
                return Err(error);
            }
        }
        batch.members += 1;
        let others = self.waiting.load(Ordering::SeqCst) > 0;
        let young = batch
            .opened
            .is_some_and(|opened| opened.elapsed() < MAX_BATCH_AGE);
        if others && young && batch.members < MAX_BATCH {
            if !keep {
                return Ok(());
            }
            let generation = batch.generation;
            let done = batch
                .done
                .as_ref()
                .expect("an open batch has its outcome")
                .subscribe();
            drop(batch);
            return wait_for_commit(&self.group, generation, done).await;
        }
        commit(&mut batch).await
    }
}

impl Drop for Turn {
    /// A turn dropped unfinished (an error in between, a refused posting, a
    /// cancelled task) is undone: the first of its batch rolls the
    /// transaction back; a later one's savepoint is rolled back by a task
    /// of its own (or, without a runtime, by the next turn).
    fn drop(&mut self) {
        if let Some(mut batch) = self.batch.take() {
            if self.savepoint {
                match tokio::runtime::Handle::try_current() {
                    Ok(runtime) => {
                        // Undone at once, and committed for the batch-mates
                        // if nobody else comes.
                        let turn = Turn {
                            batch: Some(batch),
                            group: Arc::clone(&self.group),
                            waiting: Arc::clone(&self.waiting),
                            savepoint: true,
                        };
                        runtime.spawn(async move {
                            if let Err(error) = turn.finish(false).await {
                                tracing::error!(%error, "undoing an abandoned write failed");
                            }
                        });
                    }
                    Err(_) => batch.abandoned = true,
                }
            } else {
                // The first turn of its batch: nobody else's work is in
                // it, and SQLite's write lock is not held until the next
                // writer comes.
                batch.tx = None;
                batch.done = None;
            }
        }
    }
}

/// Waits until the batch of `generation` committed; commits it itself if
/// nobody did for a while.
async fn wait_for_commit(
    group: &Arc<Mutex<Batch>>,
    generation: u64,
    mut done: watch::Receiver<Outcome>,
) -> Result<(), sqlx::Error> {
    loop {
        let waited = tokio::time::timeout(STALL, done.wait_for(Option::is_some))
            .await
            .map(|outcome| outcome.map(|outcome| outcome.clone()));
        match waited {
            Ok(Ok(outcome)) => return outcome_of(outcome),
            Ok(Err(_)) => {
                // The sender went away without a word: the batch was
                // dropped, so nothing of it was committed.
                return outcome_of(None);
            }
            Err(_) => {
                let mut batch = Arc::clone(group).lock_owned().await;
                if batch.generation == generation && batch.tx.is_some() {
                    return commit(&mut batch).await;
                }
            }
        }
    }
}

/// A batch-mate's commit outcome as the error sqlx would have given.
fn outcome_of(outcome: Outcome) -> Result<(), sqlx::Error> {
    let failed = |why: String| Err(sqlx::Error::Io(std::io::Error::other(why)));
    match outcome {
        Some(Ok(())) => Ok(()),
        Some(Err(error)) => failed(format!("the write batch failed to commit: {error}")),
        None => failed("the write batch ended without committing".to_owned()),
    }
}

/// Commits the open batch and tells its members.
async fn commit(batch: &mut Batch) -> Result<(), sqlx::Error> {
    if std::mem::take(&mut batch.abandoned)
        && let Some(tx) = batch.tx.as_mut()
        && let Err(error) = undo(tx).await
    {
        fail(batch, "undoing an abandoned write");
        return Err(error);
    }
    let tx = batch.tx.take().expect("the batch is open");
    let done = batch.done.take();
    let committed = tx.commit().await;
    if committed.is_ok() {
        batch.commits.committed();
    }
    let outcome = committed.as_ref().map(|_| ()).map_err(|e| e.to_string());
    if let Some(done) = done {
        done.send_replace(Some(outcome));
    }
    committed
}

/// Gives up the open batch (its transaction rolls back) and tells its
/// members their work is lost.
fn fail(batch: &mut Batch, what: &str) {
    batch.tx = None;
    if let Some(done) = batch.done.take() {
        done.send_replace(Some(Err(format!("{what} failed"))));
    }
}

/// Rolls back the current turn's savepoint (and every savepoint its
/// writer set inside it), in one round trip.
async fn undo(tx: &mut Transaction<'static, Sqlite>) -> Result<(), sqlx::Error> {
    sqlx::query("ROLLBACK TO writer_turn; RELEASE writer_turn")
        .execute(&mut **tx)
        .await?;
    Ok(())
}
