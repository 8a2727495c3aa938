//! Reads of a large club. Run with `cargo bench --bench scale`:
//! `/balance` (standing and rank), `/profile` (its help record
//!   and the hidden members too), each `/leaderboard` period, a vote and
//!   `doctor`, on a database built with SQL that matches the migrations;
//!   the size comes from `FANCLUB_SCALE_MEMBERS` (default 100,000) and
//!   `FANCLUB_SCALE_LEDGER` (default 1,000,000 ledger rows; the issue's
//!   1,000,000 / 10,000,000 builds in minutes). The bytes per ledger row
//!   (table and indexes, from `dbstat`) are printed after the build. The
//!   cost of a busy author's day is in the votes bench.
//!
//! Files live in the temp directory and are deleted at the end, unless
//! `FANCLUB_SCALE_DB` names a file: a missing one is built there and kept,
//! an existing one is used as it is (so the doctor can be timed again
//! without the build's minutes; the bench's own votes go into it). Not a
//! test: it prints what it measured and checks that the doctor finds the
//! books in order.

use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Months, Utc};
use fanclub::club::model::{MemberId, MessageId, Platform};
use fanclub::store::digests::EarnedKind;
use fanclub::store::ledger::PeriodBounds;
use fanclub::store::votes::{NewVote, Verdict, VoteKind};
use fanclub::store::{NewMessage, Store, StoreOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};

#[tokio::main]
async fn main() {
    reads().await;
}

async fn reads() {
    let members = size("FANCLUB_SCALE_MEMBERS", 100_000);
    let ledger = size("FANCLUB_SCALE_LEDGER", 1_000_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = std::env::var_os("FANCLUB_SCALE_DB")
        .map_or_else(|| dir.path().join("scale.db"), std::path::PathBuf::from);
    let url = format!("sqlite://{}", file.display());
    if file.exists() {
        println!("using the database {} as it is", file.display());
    } else {
        let store = Store::open(&url, &StoreOptions::default())
            .await
            .expect("the store");
        store.close().await;
        let started = Instant::now();
        build(&url, members, ledger).await;
        println!(
            "built {members} members, {ledger} ledger rows in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    bytes_per_row(&url, &file).await;
    let store = Store::open(&url, &StoreOptions::default())
        .await
        .expect("the store");

    // The member with most, one from the middle, one who earned nothing.
    let top = MemberId(1);
    let middle = MemberId(members / 2);
    let nobody = MemberId(members);
    for (who, member) in [
        ("top earner", top),
        ("middle", middle),
        ("no points", nobody),
    ] {
        let took = timed(200, || async {
            store.standing(member).await.expect("a standing");
            store.leaderboard_hidden().await.expect("the hidden");
        })
        .await;
        println!(
            "/balance ({who}): standing, rank and hidden {}",
            show(&took)
        );
        let took = timed(200, || async {
            store.standing(member).await.expect("a standing");
            store.help_record(member).await.expect("a record");
            store.leaderboard_hidden().await.expect("the hidden");
        })
        .await;
        println!("/profile ({who}): {}", show(&took));
    }
    for (period, bounds) in periods(Utc::now()) {
        if let Some(bounds) = &bounds {
            let started = Instant::now();
            store
                .leaderboard(Some(bounds), 10, middle)
                .await
                .expect("a leaderboard");
            println!(
                "/leaderboard {period}: first ask (registers the period from the hourly totals) {:.0} ms",
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        for (who, member) in [("top earner", top), ("middle", middle)] {
            let took = timed(200, || async {
                store
                    .leaderboard(bounds.as_ref(), 10, member)
                    .await
                    .expect("a leaderboard");
            })
            .await;
            let board = store
                .leaderboard(bounds.as_ref(), 10, member)
                .await
                .expect("a leaderboard");
            let place = board
                .viewer
                .map_or("earned nothing in it".to_owned(), |place| {
                    format!("rank {}", place.rank)
                });
            println!(
                "/leaderboard {period} (asked by the {who}, {place}): {}",
                show(&took)
            );
        }
    }

    let message = NewMessage {
        platform: Platform::Console,
        place: "general",
        external_id: None,
        author: Some(top),
        private: false,
        reply_to: None,
        body: "an answer",
        buttons: &[],
    };
    let answer: MessageId = store
        .record_message(&message, Utc::now())
        .await
        .expect("a message")
        .id();
    let mut voter = 2;
    let took = timed(200, || {
        voter += 1;
        let vote = NewVote {
            message: answer,
            question: None,
            voter: MemberId(voter),
            author: top,
            kind: VoteKind::Upvote,
            via: "reaction",
            emoji: Some("👍"),
            day: Utc::now().date_naive(),
            event_key: None,
            told_as: EarnedKind::Upvote,
            voter_name: "a voter",
        };
        let store = store.clone();
        async move {
            store
                .cast_vote(&vote, Utc::now(), |_| Verdict {
                    points: 2,
                    outcome: "paid",
                })
                .await
                .expect("a vote");
        }
    })
    .await;
    println!("a vote: {}", show(&took));

    let started = Instant::now();
    let report = store.doctor().await.expect("the doctor runs");
    println!("doctor: {:.1} s", started.elapsed().as_secs_f64());
    assert!(report.is_healthy(), "{report}");
    store.close().await;
}

/// This week, month and quarter in UTC (the store's part does not depend
/// on the zone), and all time.
fn periods(now: DateTime<Utc>) -> [(&'static str, Option<PeriodBounds>); 4] {
    let midnight = |at: DateTime<Utc>| {
        at.date_naive()
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
    };
    let week =
        midnight(now - chrono::Duration::days(i64::from(now.weekday().num_days_from_monday())));
    let month = midnight(now.with_day(1).expect("the first"));
    let season = month - Months::new(month.month0() % 3);
    let bounds = |kind, starts: DateTime<Utc>, next: &dyn Fn(DateTime<Utc>) -> DateTime<Utc>| {
        Some(PeriodBounds {
            kind,
            starts,
            ends: next(starts),
            next_ends: next(next(starts)),
        })
    };
    [
        (
            "week",
            bounds("week", week, &|at| at + chrono::Duration::days(7)),
        ),
        ("month", bounds("month", month, &|at| at + Months::new(1))),
        (
            "season",
            bounds("season", season, &|at| at + Months::new(3)),
        ),
        ("all", None),
    ]
}

fn size(variable: &str, default: i64) -> i64 {
    std::env::var(variable)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Members with an identity and a balance, ledger rows spread over half a
/// year and unevenly over the members (a few earn a lot), each an upvote
/// with its answer and its vote row, and balances, hourly totals, rank
/// table, daily vote totals and help records that sum them, as the store
/// would have written them. The ledger's triggers are set aside while its rows go in
/// and their totals are added up once afterwards (the migrations' own
/// backfill statements), then put back as they were.
async fn build(url: &str, members: i64, ledger: i64) {
    let mut connection = SqliteConnectOptions::from_str(url)
        .expect("a URL")
        .connect()
        .await
        .expect("a connection");
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ledger'",
    )
    .fetch_all(&mut connection)
    .await
    .expect("the ledger's triggers");
    let mut statements: Vec<String> = [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = OFF",
        "PRAGMA cache_size = -2000000",
        "BEGIN",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
         INSERT INTO members (id, display_name, language, is_bot, fan_since, created_at) \
         SELECT i, 'member' || i, 'de', 0, '2026-01-01', '2026-01-01T00:00:00+00:00' FROM n",
        "INSERT INTO identities (platform, external_id, member_id, username, created_at) \
         SELECT 'telegram', CAST(id AS TEXT), id, 'member' || id, created_at FROM members",
        "INSERT INTO balances (member_id, updated_at) SELECT id, created_at FROM members",
    ]
    .map(str::to_owned)
    .to_vec();
    statements.extend(
        triggers
            .iter()
            .map(|(name, _)| format!("DROP TRIGGER {name}")),
    );
    statements.extend(
        [
            // Low ids get most rows (x squared over the member count, for x
            // spread evenly), the last member none; the rows' times run
            // evenly over the half year in the order they were booked. Each
            // row as the store books an upvote: no reason and no source
            // text, the voter as actor, the vote's key, a UTC time to the
            // second. The voter is anyone but the author.
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2), \
             upvote(i, author, voter) AS ( \
                 SELECT i, 1 + ((i * i) % (?1 - 1)) * ((i * i) % (?1 - 1)) / ?1, 1 + (i * 31) % ?1 FROM n) \
             INSERT INTO ledger (member_id, amount, kind, reason, actor_id, source, idempotency_key, earning, created_at) \
             SELECT author, 2, 'upvote', '', CASE WHEN voter = author THEN voter % ?1 + 1 ELSE voter END, \
                    NULL, 'vote:' || i, 1, \
                    strftime('%Y-%m-%dT%H:%M:%SZ', CAST(strftime('%s', 'now') AS INTEGER) - (?2 - i) * 15552000 / ?2, 'unixepoch') \
             FROM upvote",
            // Each upvote's answer (a message of the author; its text gone,
            // as retention leaves it) and the vote itself, whose triggers
            // keep the daily totals and help records as the store's do.
            "INSERT INTO messages (id, platform, place, author_id, from_bot, private, body, created_at) \
             SELECT id, 'telegram', '-1001', member_id, 0, 0, '', created_at FROM ledger",
            "INSERT INTO votes (id, message_id, voter_id, author_id, kind, via, emoji, points, outcome, day, active, created_at) \
             SELECT id, id, actor_id, member_id, 'upvote', 'reaction', '👍', amount, 'paid', substr(created_at, 1, 10), 1, created_at \
             FROM ledger",
            "INSERT INTO earned_hours (member_id, hour, earned) \
             SELECT member_id, substr(created_at, 1, 13), SUM(amount) FROM ledger \
             WHERE earning = 1 GROUP BY member_id, substr(created_at, 1, 13)",
            "UPDATE balances SET balance = s.total, lifetime_earned = s.total \
             FROM (SELECT member_id, SUM(amount) AS total FROM ledger GROUP BY member_id) s \
             WHERE balances.member_id = s.member_id",
        ]
        .map(str::to_owned),
    );
    statements.extend(triggers.into_iter().map(|(_, sql)| sql));
    statements.extend(["COMMIT", "PRAGMA wal_checkpoint(TRUNCATE)", "ANALYZE"].map(str::to_owned));
    for statement in &statements {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(statement.as_str()));
        if statement.contains("?1") {
            query = query.bind(members);
        }
        if statement.contains("?2") {
            query = query.bind(ledger);
        }
        query
            .execute(&mut connection)
            .await
            .unwrap_or_else(|error| panic!("{statement}: {error}"));
    }
}

/// Bytes per ledger row: its table and indexes as `dbstat` counts their
/// pages, and the whole file over the rows for comparison.
async fn bytes_per_row(url: &str, file: &std::path::Path) {
    let mut connection = SqliteConnectOptions::from_str(url)
        .expect("a URL")
        .connect()
        .await
        .expect("a connection");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger")
        .fetch_one(&mut connection)
        .await
        .expect("the rows");
    let parts = sqlx::query(
        "SELECT name, SUM(pgsize) AS bytes FROM dbstat \
         WHERE name = 'ledger' OR name IN (SELECT name FROM sqlite_master \
             WHERE type = 'index' AND tbl_name = 'ledger') \
         GROUP BY name ORDER BY name",
    )
    .fetch_all(&mut connection)
    .await;
    let file = std::fs::metadata(file).map_or(0, |meta| meta.len());
    match parts {
        Ok(parts) => {
            let mut total = 0;
            let mut shown = Vec::new();
            for part in parts {
                let name: String = part.get("name");
                let bytes: i64 = part.get("bytes");
                total += bytes;
                shown.push(format!("{name} {:.0}", bytes as f64 / rows.max(1) as f64));
            }
            println!(
                "ledger: {:.0} bytes per row with its indexes ({}); whole file {:.0} bytes per ledger row",
                total as f64 / rows.max(1) as f64,
                shown.join(", "),
                file as f64 / rows.max(1) as f64
            );
        }
        Err(error) => println!(
            "ledger: dbstat unavailable ({error}); whole file {:.0} bytes per ledger row",
            file as f64 / rows.max(1) as f64
        ),
    }
}

async fn timed<F, Fut>(times: usize, mut run: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut took = Vec::with_capacity(times);
    for _ in 0..times {
        let started = Instant::now();
        run().await;
        took.push(started.elapsed());
    }
    took.sort();
    took
}

fn show(sorted: &[Duration]) -> String {
    let at = |p: usize| sorted[((sorted.len() - 1) * p).div_ceil(100)].as_secs_f64() * 1000.0;
    format!("p50 {:.2} ms, p99 {:.2} ms", at(50), at(99))
}
