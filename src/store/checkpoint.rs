//! Checkpoints off the writers' path.
//!
//! Why: in WAL mode SQLite copies the log back into the database file (a
//! checkpoint) from inside the commit that pushes the log past
//! `wal_autocheckpoint` pages, two `fsync`s and megabytes of writes. Under
//! load that was every few dozen commits, and each such commit took 5–9 ms
//! instead of tens of microseconds, while every writer of its batch and
//! every writer queued behind it waited (docs/performance.md). Here the
//! writers' connection never checkpoints; a task of its own does, on a
//! pooled connection, a moment after writes happened.
//!
//! How: a `PASSIVE` checkpoint copies what it can without taking the write
//! lock, so the group commit goes on while it runs. The task looks every
//! [`INTERVAL`] and checkpoints only when something was committed since its
//! last look; it ends when the store is dropped or closed. When the last
//! connection closes, SQLite checkpoints what is left.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::mpsc;

/// How often the task looks for committed writes.
const INTERVAL: Duration = Duration::from_millis(100);

/// Counts commits of the writers' connection, for the checkpointer.
#[derive(Debug, Default)]
pub(crate) struct Commits(AtomicU64);

impl Commits {
    pub(crate) fn committed(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Keeps the checkpointer running while a clone of the store lives.
#[derive(Debug, Clone)]
pub(crate) struct Checkpointer {
    _alive: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database of `pool` after `commits`.
    pub(crate) fn start(pool: SqlitePool, commits: Arc<Commits>) -> Checkpointer {
        let (alive, mut ended) = mpsc::channel::<()>(1);
        tokio::spawn(async move {
            let mut looked_at = commits.count();
            loop {
                tokio::select! {
                    _ = ended.recv() => return,
                    () = tokio::time::sleep(INTERVAL) => {}
                }
                if pool.is_closed() {
                    return;
                }
                let now = commits.count();
                if now == looked_at {
                    continue;
                }
                looked_at = now;
                checkpoint(&pool).await;
            }
        });
        Checkpointer { _alive: alive }
    }
}

/// One passive checkpoint; a failure is logged and tried again next time.
async fn checkpoint(pool: &SqlitePool) {
    match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await
    {
        Ok((_, log, copied)) => tracing::trace!(log, copied, "checkpoint"),
        Err(error) => tracing::warn!(%error, "a checkpoint failed; trying again later"),
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{Context, Store, StoreOptions};

    /// The writers' connection never checkpoints, so the database file
    /// grows only when the checkpointer copies the log back.
    #[tokio::test]
    async fn a_running_clubs_log_is_copied_back_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("club.db");
        let url = format!("sqlite://{}", file.display());
        let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
        // What migrations and the opening checks wrote settles first.
        tokio::time::sleep(super::INTERVAL * 3).await;
        let before = std::fs::metadata(&file).unwrap().len();
        store
            .atomically(async {
                sqlx::query(
                    "CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL); \
                     INSERT INTO filler (body) SELECT printf('%.2000c', 'x') \
                     FROM json_each(json_array(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20))",
                )
                .execute(&mut *store.writer().await?)
                .await
                .context("filling the database")
            })
            .await
            .unwrap();
        let mut grown = false;
        for _ in 0..50 {
            tokio::time::sleep(super::INTERVAL).await;
            if std::fs::metadata(&file).unwrap().len() >= before + 20 * 2_000 {
                grown = true;
                break;
            }
        }
        assert!(grown, "the database file stayed at {before} bytes");
        store.close().await;
    }
}
