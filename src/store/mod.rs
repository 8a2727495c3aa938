//! The SQLite store: all SQL of the program lives below this module.
//!
//! One file per table group: [`claims`] (shop claims, holds and
//! decisions), [`members`] (members and their platform
//! identities), [`links`] (`/link` codes, and joining two members into
//! one: each table group moves its own rows), [`ledger`] (the append-only points ledger, cached balances
//! and the audit log written with it), [`grants`] (grant files booked row by
//! row, all or nothing), [`faq`] (questions asked, phrasings
//! learned, feedback), [`votes`] (upvotes and solutions, paying or not),
//! [`messages`] (what was said where, so
//! replies, reactions and buttons can refer to it), [`outbox`] (notices
//! waiting for delivery, and where members are reached), [`privacy`] (a
//! member's data export, forgetting a member, leaving the leaderboards)
//! and [`doctor`] (invariant checks).
//!
//! Why it is built the way it is:
//! - WAL mode, so readers never wait for the writer.
//! - Every write transaction starts with `BEGIN IMMEDIATE`: a deferred
//!   transaction that later upgrades to a write fails with `SQLITE_BUSY` at
//!   once, whatever `busy_timeout` says; an immediate one queues politely.
//! - Idempotency through unique keys and `INSERT … ON CONFLICT DO NOTHING`,
//!   checking `rows_affected`; state changes are guarded updates.
//! - The write API is event-shaped (post this, record that, get the outcome),
//!   so batching sits behind it without touching callers ([`writer`]: group commit).
//! - One event, one transaction: inside [`Store::atomically`] every write
//!   (and every read after the first write) of the task goes through one
//!   transaction, committed at the end (see [`unit`]). A handler's state
//!   change, the event's handled mark and its notices therefore commit
//!   together or not at all, without every call taking a connection.

pub mod claims;
pub mod digests;
pub mod doctor;
pub mod faq;
pub mod grants;
pub mod ledger;
pub mod links;
pub mod members;
pub mod messages;
pub mod outbox;
pub mod privacy;
mod unit;
pub mod votes;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use doctor::DoctorReport;
pub use ledger::{HistoryEntry, Posting, PostingOutcome, Standing};
pub use members::{IdentityRecord, IdentitySeen, Joined, MemberByName, NamedMember, Sighting};
pub use messages::{NewMessage, StoredMessage};
pub use outbox::{DueNotice, EventCommit, NoticeCounts, NoticeRoute, SentNotice};
pub(crate) use unit::{Conn, Write};

/// A failure of the store. None of these are the member's fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {url}")]
    Open {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot create the database directory {dir}")]
    CreateDir {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot apply database migrations")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error while {context}")]
    Query {
        context: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("stored data is inconsistent: {0}")]
    Inconsistent(String),
}

/// Adds what the store was doing to a sqlx error.
pub(crate) trait Context<T> {
    fn context(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, sqlx::Error> {
    fn context(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Query { context, source })
    }
}

/// Runs `statements` in the caller's transaction, each binding `?1` to `to`
/// and `?2` to `from`: how each table group moves a member's rows when two
/// members are joined ([`links`]).
pub(crate) async fn reassign(
    tx: &mut sqlx::SqliteConnection,
    from: crate::club::model::MemberId,
    to: crate::club::model::MemberId,
    statements: &[&'static str],
    context: &'static str,
) -> Result<(), StoreError> {
    for statement in statements {
        sqlx::query(*statement)
            .bind(to.0)
            .bind(from.0)
            .execute(&mut *tx)
            .await
            .context(context)?;
    }
    Ok(())
}

/// Options for opening the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub busy_timeout: Duration,
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(5),
            max_connections: 8,
        }
    }
}

/// The club's database. Cheap to clone: it is a connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    group: std::sync::Arc<writer::Group>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies migrations.
    /// `sqlite::memory:` gives a throwaway database on one connection.
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
        let open_error = |source| StoreError::Open {
            url: url.to_owned(),
            source,
        };
        let in_memory = is_in_memory(url);
        if !in_memory {
            create_parent_dir(url)?;
        }
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(open_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout);
        // An in-memory database lives and dies with its one connection.
        let pool_options = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(options.max_connections)
        };
        let pool = pool_options
            .connect_with(connect)
            .await
            .map_err(open_error)?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        tracing::debug!(in_memory, "store opened and migrated");
        Ok(Store {
            pool,
            group: Default::default(),
        })
    }

    /// Starts a write transaction that holds the write lock from its start;
    /// inside [`Store::atomically`] a savepoint of the event's transaction.
    pub(crate) async fn begin_write(&self) -> Result<Write, StoreError> {
        unit::begin_write(&self.pool, &self.group).await
    }

    /// A connection for one read: the event's transaction once it wrote,
    /// else any pooled connection.
    pub(crate) async fn reader(&self) -> Result<Conn, StoreError> {
        unit::reader(&self.pool).await
    }

    /// A connection for one single-statement write: the event's
    /// transaction inside [`Store::atomically`], else autocommit.
    pub(crate) async fn writer(&self) -> Result<Conn, StoreError> {
        unit::writer(&self.pool, &self.group).await
    }

    #[cfg(test)]
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection, flushing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Creates the directory a file URL such as `sqlite://data/fanclub.db` points into.
fn create_parent_dir(url: &str) -> Result<(), StoreError> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    let Some(dir) = Path::new(path)
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
    else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
        dir: dir.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_in_memory_store_keeps_its_data_for_its_lifetime() {
        let store = Store::open("sqlite::memory:", &StoreOptions::default())
            .await
            .unwrap();
        sqlx::query("INSERT INTO members (display_name, language, fan_since, created_at) VALUES ('a', 'de', '2026-01-01', '2026-01-01')")
            .execute(store.pool())
            .await
            .unwrap();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(count, 1);
    }

    #[tokio::test]
    async fn a_missing_database_directory_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/nested/deeper/club.db", dir.path().display());
        let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
        store.close().await;
        assert!(dir.path().join("nested/deeper/club.db").is_file());
    }
}
