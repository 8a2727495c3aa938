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
//! member's data export, forgetting a member, leaving the leaderboards),
//! [`doctor`] (invariant checks), [`backup`] (a consistent copy while the
//! bot runs) and [`stats`] (the figures `/metrics` reads at scrape time).
//!
//! Opening is where a bad setup is caught, before anything is answered:
//! [`Store::open`] refuses a URL that is not SQLite, a database written by a
//! newer fanclub (a migration this binary does not know), a file it cannot
//! write and one whose pages fail `PRAGMA quick_check`;
//! [`Store::open_read_only`] (for commands that only read) refuses a missing
//! file instead of creating an empty one.
//!
//! Why it is built the way it is:
//! - WAL mode, so readers never wait for the writer; the log is copied back
//!   by a task of its own, not by whichever commit pushed it past its limit
//!   ([`checkpoint`]).
//! - Every write transaction starts with `BEGIN IMMEDIATE`: a deferred
//!   transaction that later upgrades to a write fails with `SQLITE_BUSY` at
//!   once, whatever `busy_timeout` says; an immediate one queues politely.
//! - Idempotency through unique keys and `INSERT … ON CONFLICT DO NOTHING`,
//!   checking `rows_affected`; state changes are guarded updates.
//! - The write API is event-shaped (post this, record that, get the outcome),
//!   so batching sits behind it without touching callers ([`writer`]: group commit).
//!   The busiest event, a reaction's vote, is handed over whole as data and
//!   written with the other votes waiting, many to a statement
//!   ([`vote_writer`]).
//! - One event, one transaction: inside [`Store::atomically`] every write
//!   (and every read after the first write) of the task goes through one
//!   transaction, committed at the end (see [`unit`]). A handler's state
//!   change, the event's handled mark and its notices therefore commit
//!   together or not at all, without every call taking a connection.

pub mod backup;
mod checkpoint;
pub mod claims;
pub mod digests;
pub mod doctor;
pub mod faq;
pub mod grants;
pub mod inbox;
pub mod ledger;
pub mod links;
pub mod members;
pub mod messages;
pub mod outbox;
pub mod privacy;
pub mod stats;
mod unit;
pub mod vote_writer;
pub mod votes;
mod writer;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use doctor::{DoctorReport, FileCheck};
pub use ledger::{HistoryEntry, Posting, PostingOutcome, Standing};
pub use members::{
    IdentityRecord, IdentitySeen, Joined, LastSeen, MemberByName, NamedMember, Sighting,
};
pub use messages::{NewMessage, StoredMessage};
pub use outbox::{
    DueNotice, EventCommit, EventCommitted, HandOver, HandedNotice, NoticeCounts, NoticeRoute,
    SentNotice, WrittenNotices,
};
pub(crate) use unit::{Conn, Write};
pub(crate) use writer::{First, Query};

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
    #[error(
        "database URL `{url}` is not SQLite: fanclub keeps its data in SQLite (sqlite://path/to/fanclub.db)"
    )]
    NotSqlite { url: String },
    #[error(
        "no database at {path} (nothing was created; check --database, DATABASE_URL or database.url)"
    )]
    Missing { path: String },
    #[error(
        "the database {url} was written by a newer fanclub (migration {version}; this one knows up to {known}): upgrade fanclub or restore a backup"
    )]
    Newer {
        url: String,
        version: i64,
        known: i64,
    },
    #[error("the database {url} is not writable: {reason}")]
    NotWritable { url: String, reason: String },
    #[error("the database {url} is damaged (PRAGMA quick_check: {report}); restore a backup")]
    Damaged { url: String, report: String },
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
    /// Reaction votes, written together ([`vote_writer`]).
    votes: vote_writer::VoteWriter,
    /// Checkpoints the log while the store lives (a file database).
    _checkpointer: Option<checkpoint::Checkpointer>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies migrations.
    /// `sqlite::memory:` gives a throwaway database on one connection.
    ///
    /// Before answering anything it makes sure the store can do its work:
    /// the URL is SQLite, no migration is newer than this binary, the file
    /// and its directory are writable and a write goes through. The page
    /// check ([`Store::quick_check`]) reads the whole file, so only the
    /// long-running services ask for it at start, not every CLI command.
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
        check_scheme(url)?;
        let open_error = |source| StoreError::Open {
            url: url.to_owned(),
            source,
        };
        let in_memory = is_in_memory(url);
        if !in_memory {
            create_parent_dir(url)?;
            check_writable(url)?;
        }
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(open_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout);
        // An in-memory database lives and dies with its one connection.
        // A pooled connection is not pinged before each use (a round trip
        // per read, docs/performance.md): a local file does not drop its
        // connections.
        let pool_options = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(options.max_connections)
        }
        .test_before_acquire(false);
        let pool = pool_options
            .connect_with(connect.clone())
            .await
            .map_err(open_error)?;
        // The group commit's own connection: writers never queue behind
        // readers for a pooled one. Every write statement of the program
        // runs on it, so its prepared statements are kept generously.
        // It never checkpoints either: that is the checkpointer's work, off
        // the writers' path ([`checkpoint`]).
        let writers = if in_memory {
            pool.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_with(
                    connect
                        .statement_cache_capacity(512)
                        .pragma("wal_autocheckpoint", "0"),
                )
                .await
                .map_err(open_error)?
        };
        let commits = std::sync::Arc::new(checkpoint::Commits::default());
        let checkpointer = (!in_memory).then(|| {
            checkpoint::Checkpointer::start(pool.clone(), std::sync::Arc::clone(&commits))
        });
        let group = std::sync::Arc::new(writer::Group::new(writers, commits));
        let store = Store {
            pool,
            votes: vote_writer::VoteWriter::start(std::sync::Arc::clone(&group)),
            group,
            _checkpointer: checkpointer,
        };
        store.refuse_newer(url).await?;
        sqlx::migrate!("./migrations").run(&store.pool).await?;
        store.write_check(url).await?;
        tracing::debug!(in_memory, "store opened and migrated");
        Ok(store)
    }

    /// Opens an existing database for reading only: for commands that only
    /// read (`doctor`, `claims export`, `backup`). A missing file is an
    /// error, never a new empty database; nothing is migrated.
    pub async fn open_read_only(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
        check_scheme(url)?;
        if is_in_memory(url) {
            // A fresh in-memory database holds nothing to read.
            return Err(StoreError::Missing {
                path: url.to_owned(),
            });
        }
        let path = file_path(url);
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.display().to_string(),
            });
        }
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|source| StoreError::Open {
                url: url.to_owned(),
                source,
            })?
            .create_if_missing(false)
            .read_only(true)
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.min(2))
            .connect_with(connect)
            .await
            .map_err(|source| StoreError::Open {
                url: url.to_owned(),
                source,
            })?;
        let group = std::sync::Arc::new(writer::Group::new(pool.clone(), Default::default()));
        let store = Store {
            votes: vote_writer::VoteWriter::start(std::sync::Arc::clone(&group)),
            group,
            pool,
            _checkpointer: None,
        };
        store.refuse_newer(url).await?;
        Ok(store)
    }

    /// The newest migration this binary knows.
    pub fn known_migration() -> i64 {
        sqlx::migrate!("./migrations")
            .iter()
            .map(|migration| migration.version)
            .max()
            .unwrap_or(0)
    }

    /// Refuses a database on which a migration newer than this binary's
    /// newest was applied: running on it would misread its tables.
    async fn refuse_newer(&self, url: &str) -> Result<(), StoreError> {
        let has_table: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        )
        .fetch_one(&self.pool)
        .await
        .context("reading the applied migrations")?;
        if !has_table {
            return Ok(());
        }
        let newest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await
                .context("reading the applied migrations")?;
        let known = Store::known_migration();
        match newest {
            Some(version) if version > known => Err(StoreError::Newer {
                url: url.to_owned(),
                version,
                known,
            }),
            _ => Ok(()),
        }
    }

    /// `PRAGMA quick_check`: a damaged page is found at start, not by the
    /// member whose question touches it.
    pub async fn quick_check(&self, url: &str) -> Result<(), StoreError> {
        let report: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_all(&self.pool)
            .await
            .context("running PRAGMA quick_check")?;
        if report.len() == 1 && report[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Damaged {
                url: url.to_owned(),
                report: report.join("; "),
            })
        }
    }

    /// Whether the store takes a write now (for `/healthz`).
    pub async fn writable(&self) -> Result<(), StoreError> {
        self.write_check("the store").await
    }

    /// One write that is rolled back: a read-only file, directory or file
    /// system fails here rather than at a member's first message. The probe
    /// takes its turn in the group commit like any writer, so a busy club
    /// answers it between batches instead of in SQLite's busy handler.
    async fn write_check(&self, url: &str) -> Result<(), StoreError> {
        let not_writable = |reason: String| StoreError::NotWritable {
            url: url.to_owned(),
            reason,
        };
        let mut probe = self.begin_write().await.map_err(|error| {
            let causes = std::iter::successors(Some(&error as &dyn std::error::Error), |error| {
                error.source()
            });
            not_writable(
                causes
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(": "),
            )
        })?;
        sqlx::query("CREATE TABLE fanclub_write_check (x INTEGER)")
            .execute(&mut *probe)
            .await
            .map_err(|error| not_writable(error.to_string()))?;
        // Dropped without commit: rolled back.
        drop(probe);
        Ok(())
    }

    /// Starts a write transaction that holds the write lock from its start;
    /// inside [`Store::atomically`] a savepoint of the event's transaction.
    pub(crate) async fn begin_write(&self) -> Result<Write, StoreError> {
        let (write, _) = unit::begin_write(&self.group, None).await?;
        Ok(write)
    }

    /// [`Store::begin_write`], and its `first` statement in the round trip
    /// that starts it (under load, the turn's start); returns that
    /// statement's rows.
    pub(crate) async fn begin_write_reading<'q>(
        &self,
        first: First<'q>,
    ) -> Result<(Write, Vec<sqlx::sqlite::SqliteRow>), StoreError> {
        unit::begin_write(&self.group, Some(first)).await
    }

    /// A connection for one read: the event's transaction once it wrote,
    /// else any pooled connection.
    pub(crate) async fn reader(&self) -> Result<Conn, StoreError> {
        unit::reader(&self.pool).await
    }

    /// A connection for one single-statement write: the event's
    /// transaction. Only inside [`Store::atomically`], which a method that
    /// writes this way runs its work in (a turn of the group commit when
    /// no event's transaction is open).
    pub(crate) async fn writer(&self) -> Result<Conn, StoreError> {
        unit::writer(&self.group).await
    }

    /// Runs one writing statement as a unit of work: a turn of the group
    /// commit of its own, or part of the unit already open. `what` names
    /// the write in its error.
    pub(crate) async fn write_alone(
        &self,
        statement: Query<'_>,
        what: &'static str,
    ) -> Result<sqlx::sqlite::SqliteQueryResult, StoreError> {
        self.atomically(async {
            statement
                .execute(&mut *self.writer().await?)
                .await
                .context(what)
        })
        .await
    }

    #[cfg(test)]
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection, flushing the WAL.
    pub async fn close(&self) {
        self.group.close().await;
        self.pool.close().await;
    }
}

/// Of the rows a multi-statement query returned, the first whose first
/// column is named `name`: how its statements' answers are told apart.
pub(crate) fn row_named<'r>(
    rows: &'r [sqlx::sqlite::SqliteRow],
    name: &str,
) -> Option<&'r sqlx::sqlite::SqliteRow> {
    use sqlx::{Column, Row};
    rows.iter()
        .find(|row| row.columns().first().is_some_and(|c| c.name() == name))
}

/// Of the rows a multi-statement query returned, those whose first column
/// is named `name`, in order.
pub(crate) fn rows_named<'r>(
    rows: &'r [sqlx::sqlite::SqliteRow],
    name: &'r str,
) -> impl Iterator<Item = &'r sqlx::sqlite::SqliteRow> {
    use sqlx::{Column, Row};
    rows.iter()
        .filter(move |row| row.columns().first().is_some_and(|c| c.name() == name))
}

fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Refuses a URL whose scheme is not SQLite's: `postgres://x` once made a
/// SQLite file in a folder named `postgres:`. A bare path is a file.
pub fn check_scheme(url: &str) -> Result<(), StoreError> {
    if url.starts_with("sqlite:") {
        return Ok(());
    }
    let scheme = url.split(':').next().unwrap_or("");
    let looks_like_scheme = url.contains(':')
        && scheme.len() > 1
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if looks_like_scheme {
        Err(StoreError::NotSqlite {
            url: url.to_owned(),
        })
    } else {
        Ok(())
    }
}

/// The file a URL such as `sqlite://data/fanclub.db?mode=rwc` names.
pub fn file_path(url: &str) -> PathBuf {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    PathBuf::from(path.split('?').next().unwrap_or(path))
}

/// The database file and its directory (where SQLite keeps the `-wal` and
/// `-shm` files) must be writable; checked without changing either.
fn check_writable(url: &str) -> Result<(), StoreError> {
    let path = file_path(url);
    let not_writable = |reason: String| StoreError::NotWritable {
        url: url.to_owned(),
        reason,
    };
    if path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|error| not_writable(format!("{}: {error}", path.display())))?;
    }
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let probe = dir.join(format!(".fanclub-write-check-{}", std::process::id()));
    std::fs::File::create(&probe)
        .map_err(|error| not_writable(format!("directory {}: {error}", dir.display())))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Creates the directory a file URL such as `sqlite://data/fanclub.db` points into.
fn create_parent_dir(url: &str) -> Result<(), StoreError> {
    let path = file_path(url);
    let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) else {
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

    #[test]
    fn only_sqlite_urls_and_plain_paths_are_accepted() {
        for url in [
            "sqlite://data/fanclub.db",
            "sqlite::memory:",
            "sqlite:club.db?mode=ro",
            "data/fanclub.db",
        ] {
            assert!(check_scheme(url).is_ok(), "{url}");
        }
        for url in ["postgres://x", "mysql://db/fanclub", "file:club.db"] {
            let error = check_scheme(url).unwrap_err().to_string();
            assert!(error.contains("is not SQLite"), "{url}: {error}");
        }
    }

    #[tokio::test]
    async fn opening_to_read_refuses_a_missing_file_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/typo/club.db", dir.path().display());
        let error = Store::open_read_only(&url, &StoreOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Missing { .. }), "{error}");
        assert!(!dir.path().join("typo").exists());
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
