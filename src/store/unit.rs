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

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::writer::{Group, Turn};
use super::{Context, Store, StoreError};

tokio::task_local! {
    static UNIT: Arc<Mutex<Unit>>;
}

/// The event's transaction, once something wrote.
pub(crate) struct Unit {
    tx: Option<Turn>,
    /// A savepoint was dropped unfinished: roll it back before the next use.
    undo_savepoint: bool,
}

impl Unit {
    /// Rolls back a savepoint left unfinished by a failed write.
    async fn settle(&mut self) -> Result<(), StoreError> {
        if std::mem::take(&mut self.undo_savepoint)
            && let Some(tx) = self.tx.as_mut()
        {
            sqlx::query("ROLLBACK TO store_write")
                .execute(tx.connection())
                .await
                .context("undoing a failed write")?;
            sqlx::query("RELEASE store_write")
                .execute(tx.connection())
                .await
                .context("undoing a failed write")?;
        }
        Ok(())
    }

    /// The transaction, begun now if nothing wrote yet.
    async fn begun(&mut self, pool: &SqlitePool, group: &Group) -> Result<(), StoreError> {
        if self.tx.is_none() {
            self.tx = Some(group.join(pool).await?);
        }
        self.settle().await
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
            undo_savepoint: false,
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

/// The unit of this task, if it runs inside [`Store::atomically`].
async fn current() -> Option<OwnedMutexGuard<Unit>> {
    let unit = UNIT.try_with(Arc::clone).ok()?;
    Some(unit.lock_owned().await)
}

pub(super) async fn begin_write(pool: &SqlitePool, group: &Group) -> Result<Write, StoreError> {
    let Some(mut unit) = current().await else {
        return Ok(Write::Own(group.join(pool).await?));
    };
    unit.begun(pool, group).await?;
    sqlx::query("SAVEPOINT store_write")
        .execute(connection(&mut unit))
        .await
        .context("starting a write in the event's transaction")?;
    Ok(Write::Unit(Savepoint {
        unit,
        finished: false,
    }))
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

pub(super) async fn writer(pool: &SqlitePool, group: &Group) -> Result<Conn, StoreError> {
    let Some(mut unit) = current().await else {
        return pooled(pool).await;
    };
    unit.begun(pool, group).await?;
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
            self.unit.undo_savepoint = true;
        }
    }
}

impl Write {
    /// Commits the transaction (returning once its batch committed), or
    /// releases the savepoint into the event's transaction (which commits
    /// later, with the event).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Write::Own(turn) => turn.finish(true).await,
            Write::Unit(mut savepoint) => {
                sqlx::query("RELEASE store_write")
                    .execute(connection(&mut savepoint.unit))
                    .await?;
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
