//! One event, one transaction.
//!
//! Why: the outbox promises that an event's state change (points booked,
//! a vote, a claim), its handled mark and its notices are committed
//! together. Committed apart, a crash in between leaves a booking without
//! its reply, and a platform that does not deliver the event again (the
//! console) never sends it.
//!
//! How: [`Store::atomically`] runs a future with a unit of work in a
//! task-local. The unit begins lazily: reads before the first write use
//! the pool, so slow work done before writing (a FAQ search) holds no
//! lock. The first write starts one `BEGIN IMMEDIATE` transaction; from
//! then on every write and read of the task uses it, so a handler sees
//! what it wrote. Each of the store's write transactions becomes a
//! savepoint, rolled back when it is dropped unfinished, exactly as an own
//! transaction would be. The unit commits when the future succeeds and
//! rolls back when it fails, so a failure after the state change leaves
//! nothing behind.
//!
//! Every write transaction, the event's and the store's own (deliverers,
//! timers), is a turn of the store's group commit ([`super::writer`]):
//! writers queue for one shared transaction, and those that arrive while
//! another writes are committed with it.
//!
//! Savepoints cost round trips, not SQLite work, so the unit sends as few
//! as it can: the first write's savepoint travels with the turn's start, a
//! committed write's savepoint is not released on its own but with the
//! next write's savepoint (or with the whole turn), and an abandoned one is
//! rolled back in the same round trip that starts the next write. At most
//! one of the unit's savepoints is open at a time, so `ROLLBACK TO` always
//! names the write that was abandoned.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteRow;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::writer::{First, Group, Turn, with_first};
use super::{Context, Store, StoreError};

tokio::task_local! {
    static UNIT: Arc<Mutex<Unit>>;
}

/// The event's transaction, once something wrote.
pub(crate) struct Unit {
    tx: Option<Turn>,
    /// The state of the write savepoint (`store_write`).
    mark: Mark,
}

/// The unit's write savepoint: at most one is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// None is open.
    None,
    /// One is open and its write committed: it is released with the next
    /// write's savepoint, or with the turn.
    Kept,
    /// One is open and its write was dropped unfinished: it is rolled back
    /// before the transaction is used again.
    Abandoned,
}

/// Sets the write savepoint.
const MARK: &str = "SAVEPOINT store_write";

impl Mark {
    /// What sets the next write savepoint from this state: the open one is
    /// released (or undone) in the same round trip.
    fn next(self) -> &'static str {
        match self {
            Mark::None => MARK,
            Mark::Kept => "RELEASE store_write; SAVEPOINT store_write",
            Mark::Abandoned => {
                "ROLLBACK TO store_write; RELEASE store_write; SAVEPOINT store_write"
            }
        }
    }
}

impl Unit {
    /// Rolls back a savepoint left unfinished by a failed write.
    async fn settle(&mut self) -> Result<(), StoreError> {
        if self.mark == Mark::Abandoned
            && let Some(tx) = self.tx.as_mut()
        {
            sqlx::query("ROLLBACK TO store_write; RELEASE store_write")
                .execute(tx.connection())
                .await
                .context("undoing a failed write")?;
            self.mark = Mark::None;
        }
        Ok(())
    }

    /// The transaction, begun now if nothing wrote yet.
    async fn begun(&mut self, group: &Group) -> Result<(), StoreError> {
        if self.tx.is_none() {
            self.tx = Some(group.join(None).await?);
            self.mark = Mark::None;
        }
        self.settle().await
    }

    /// Begins the transaction if nothing wrote yet, and sets the write
    /// savepoint, each in as few round trips as it takes: one, which also
    /// carries the write's `first` statement (whose rows it returns).
    async fn mark<'q>(
        &mut self,
        group: &Group,
        first: Option<First<'q>>,
    ) -> Result<Vec<SqliteRow>, StoreError> {
        let Some(tx) = self.tx.as_mut() else {
            let (turn, rows) = group.join_reading(Some(MARK), first).await?;
            self.tx = Some(turn);
            self.mark = Mark::Kept;
            return Ok(rows);
        };
        let query = with_first(self.mark.next().to_owned(), first);
        // Whatever part of it failed, the savepoint is undone before the
        // transaction is used again.
        self.mark = Mark::Abandoned;
        let rows = query
            .fetch_all(tx.connection())
            .await
            .context("starting a write in the event's transaction")?;
        self.mark = Mark::Kept;
        Ok(rows)
    }
}

impl Store {
    /// Runs `work` so that all it writes through this store commits in one
    /// transaction when it returns `Ok`, and none of it when it returns
    /// `Err`. Inside another `atomically`, `work` joins that one.
    pub async fn atomically<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
        E: From<StoreError>,
    {
        if UNIT.try_with(|_| ()).is_ok() {
            return work.await;
        }
        let unit = Arc::new(Mutex::new(Unit {
            tx: None,
            mark: Mark::None,
        }));
        let outcome = UNIT.scope(Arc::clone(&unit), work).await;
        let mut unit = unit.lock().await;
        let value = match outcome {
            Ok(value) => value,
            Err(error) => {
                if let Some(turn) = unit.tx.take() {
                    // Undone: its batch-mates keep their work.
                    let _ = turn.finish(false).await;
                }
                return Err(error);
            }
        };
        unit.settle().await?;
        if let Some(turn) = unit.tx.take() {
            turn.finish(true).await.context("committing the event")?;
        }
        Ok(value)
    }
}

/// Whether this task runs inside [`Store::atomically`] and its event
/// already wrote.
pub(super) async fn wrote() -> bool {
    current().await.is_some_and(|unit| unit.tx.is_some())
}

/// The unit of this task, if it runs inside [`Store::atomically`].
async fn current() -> Option<OwnedMutexGuard<Unit>> {
    let unit = UNIT.try_with(Arc::clone).ok()?;
    Some(unit.lock_owned().await)
}

/// A write of the store: its own turn, or a savepoint of the event's.
/// Its `first` statement, if any, travels with its start (the turn's or
/// the savepoint's); its rows are returned.
pub(super) async fn begin_write<'q>(
    group: &Group,
    first: Option<First<'q>>,
) -> Result<(Write, Vec<SqliteRow>), StoreError> {
    let Some(mut unit) = current().await else {
        let (turn, rows) = group.join_reading(None, first).await?;
        return Ok((Write::Own(turn), rows));
    };
    let rows = unit.mark(group, first).await?;
    let write = Write::Unit(Savepoint {
        unit,
        finished: false,
    });
    Ok((write, rows))
}

pub(super) async fn reader(pool: &SqlitePool) -> Result<Conn, StoreError> {
    if let Some(mut unit) = current().await
        && unit.tx.is_some()
    {
        unit.settle().await?;
        return Ok(Conn::Unit(unit));
    }
    pooled(pool).await
}

/// The event's transaction for a write, begun now if nothing wrote yet.
/// Only inside [`Store::atomically`]: a statement written beside the group
/// commit on a connection of its own finds the write lock held by the
/// group under load, and waits in SQLite's busy handler, whose backoff
/// grows to 100 ms a try (docs/performance.md).
pub(super) async fn writer(group: &Group) -> Result<Conn, StoreError> {
    let Some(mut unit) = current().await else {
        return Err(StoreError::Inconsistent(
            "a write outside the store's units of work".into(),
        ));
    };
    unit.begun(group).await?;
    Ok(Conn::Unit(unit))
}

async fn pooled(pool: &SqlitePool) -> Result<Conn, StoreError> {
    let connection = pool.acquire().await.context("taking a connection")?;
    Ok(Conn::Pool(connection))
}

fn connection(unit: &mut OwnedMutexGuard<Unit>) -> &mut SqliteConnection {
    unit.tx
        .as_mut()
        .expect("the event's transaction was begun before use")
        .connection()
}

/// A connection for one statement: pooled, or the event's transaction.
pub(crate) enum Conn {
    Pool(PoolConnection<Sqlite>),
    Unit(OwnedMutexGuard<Unit>),
}

impl Deref for Conn {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match self {
            Conn::Pool(connection) => connection,
            Conn::Unit(unit) => unit
                .tx
                .as_ref()
                .expect("the event's transaction was begun before use")
                .connection_ref(),
        }
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            Conn::Pool(connection) => connection,
            Conn::Unit(unit) => connection(unit),
        }
    }
}

/// A write transaction of the store: its own turn in the group commit, or
/// a savepoint of the event's. Dropped without [`Write::commit`], it is
/// rolled back.
pub(crate) enum Write {
    Own(Turn),
    Unit(Savepoint),
}

/// A savepoint in the event's transaction.
pub(crate) struct Savepoint {
    unit: OwnedMutexGuard<Unit>,
    finished: bool,
}

impl Drop for Savepoint {
    fn drop(&mut self) {
        if !self.finished {
            self.unit.mark = Mark::Abandoned;
        }
    }
}

impl Write {
    /// Commits the transaction (returning once its batch committed), or
    /// keeps the savepoint's work in the event's transaction (which commits
    /// later, with the event; the savepoint itself is released with the
    /// next write's, or with the turn, saving a round trip).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Write::Own(turn) => turn.finish(true).await,
            Write::Unit(mut savepoint) => {
                savepoint.finished = true;
                Ok(())
            }
        }
    }
}

impl Deref for Write {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match self {
            Write::Own(turn) => turn.connection_ref(),
            Write::Unit(savepoint) => savepoint
                .unit
                .tx
                .as_ref()
                .expect("the event's transaction was begun before use")
                .connection_ref(),
        }
    }
}

impl DerefMut for Write {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            Write::Own(turn) => turn.connection(),
            Write::Unit(savepoint) => connection(&mut savepoint.unit),
        }
    }
}
