//! What the benches share: the limit every figure is a ratio of (SQLite's
//! raw single-row commit rate on this machine), percentiles, and a fake
//! Telegram Bot API.
#![allow(dead_code)] // each bench uses its part

pub mod club;
pub mod fake_telegram;

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

/// How many times the limit is measured; the median is taken, as one
/// measurement swung from 10,000 to 29,000 commits/s within an hour on the
/// same machine (the disk's and the page cache's moods).
pub const LIMIT_ROUNDS: usize = 5;

/// Single-row commits per second on one connection, with the store's
/// journal settings (WAL, `synchronous = NORMAL`): the limit a write path
/// is measured against. The median of [`LIMIT_ROUNDS`] rounds of `count`
/// commits each.
pub async fn raw_commit_rate(count: usize) -> f64 {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/raw.db", dir.path().display());
    let mut connection = SqliteConnectOptions::from_str(&url)
        .expect("a URL")
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .connect()
        .await
        .expect("a connection");
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
        .execute(&mut connection)
        .await
        .expect("a table");
    let mut rates = Vec::with_capacity(LIMIT_ROUNDS);
    for _ in 0..LIMIT_ROUNDS {
        let started = Instant::now();
        for i in 0..count {
            sqlx::query("INSERT INTO t (v) VALUES (?)")
                .bind(i as i64)
                .execute(&mut connection)
                .await
                .expect("an insert");
        }
        rates.push(count as f64 / started.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// The `p`th percentile of `sorted`.
pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) * p).div_ceil(100);
    sorted[index.min(sorted.len() - 1)]
}

/// `duration` in milliseconds, for printing.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}
