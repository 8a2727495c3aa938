//! Reads of a large club: `/balance` (standing and rank), `/profile` (its
//! help record too), each `/leaderboard` period, a vote and `doctor`, on a
//! database built with SQL that matches the migrations. Run with
//! `cargo bench --bench scale`; the size comes from
//! `FANCLUB_SCALE_MEMBERS` (default 1,000,000) and `FANCLUB_SCALE_LEDGER`
//! (default 2,000,000 ledger rows; the 10,000,000 takes long to
//! build on a small machine). The file lives in the temp directory and is
//! deleted at the end.
//!
//! Not a test: it prints what it measured and checks that the doctor
//! finds the built books in order.

use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use fanclub::club::model::{MemberId, MessageId, Platform};
use fanclub::store::votes::{NewVote, Verdict, VoteKind};
use fanclub::store::{NewMessage, Store, StoreOptions};
use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

#[tokio::main]
async fn main() {
    let members = size("FANCLUB_SCALE_MEMBERS", 1_000_000);
    let ledger = size("FANCLUB_SCALE_LEDGER", 2_000_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/scale.db", dir.path().display());
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
        })
        .await;
        println!("/balance ({who}): standing and rank {}", show(&took));
        let took = timed(200, || async {
            store.standing(member).await.expect("a standing");
            store.help_record(member).await.expect("a record");
            store.leaderboard_hidden().await.expect("the hidden");
        })
        .await;
        println!("/profile ({who}): {}", show(&took));
    }
    let now = Utc::now();
    let week = now - chrono::Duration::days(i64::from(now.weekday().num_days_from_monday()));
    let week = week
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let month = now
        .date_naive()
        .with_day(1)
        .expect("the first")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let season = month - chrono::Duration::days(60);
    for (period, since) in [
        ("week", Some(week)),
        ("month", Some(month)),
        ("season", Some(season)),
        ("all", None),
    ] {
        let took = timed(5, || async {
            store.earned_ranking(since).await.expect("a ranking");
        })
        .await;
        let listed = store.earned_ranking(since).await.expect("a ranking").len();
        println!("/leaderboard {period} ({listed} earners): {}", show(&took));
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
            reason: "bench".to_owned(),
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

fn size(variable: &str, default: i64) -> i64 {
    std::env::var(variable)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Members with an identity and a balance, ledger rows spread over half a
/// year and unevenly over the members (a few earn a lot), and balances
/// that sum them, as the store would have written them.
async fn build(url: &str, members: i64, ledger: i64) {
    let mut connection = SqliteConnectOptions::from_str(url)
        .expect("a URL")
        .connect()
        .await
        .expect("a connection");
    let statements = [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = OFF",
        "BEGIN",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
         INSERT INTO members (id, display_name, language, is_bot, fan_since, created_at) \
         SELECT i, 'member' || i, 'de', 0, '2026-01-01', '2026-01-01T00:00:00+00:00' FROM n",
        "INSERT INTO identities (platform, external_id, member_id, username, created_at) \
         SELECT 'telegram', CAST(id AS TEXT), id, 'member' || id, created_at FROM members",
        "INSERT INTO balances (member_id, updated_at) SELECT id, created_at FROM members",
        // Low ids get most rows (x squared over the member count, for x
        // spread evenly), the last member none.
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) \
         INSERT INTO ledger (member_id, amount, kind, reason, actor_id, source, idempotency_key, earning, created_at) \
         SELECT 1 + ((i * i) % (?1 - 1)) * ((i * i) % (?1 - 1)) / ?1, 2, 'upvote', 'upvote by someone', NULL, NULL, \
                'bench:' || i, 1, \
                strftime('%Y-%m-%dT%H:%M:%S+00:00', CAST(strftime('%s', 'now') AS INTEGER) - (i * 7919) % 15552000, 'unixepoch') \
         FROM n",
        "UPDATE balances SET balance = s.total, lifetime_earned = s.total \
         FROM (SELECT member_id, SUM(amount) AS total FROM ledger GROUP BY member_id) s \
         WHERE balances.member_id = s.member_id",
        "COMMIT",
        "PRAGMA wal_checkpoint(TRUNCATE)",
        "ANALYZE",
    ];
    for statement in statements {
        let mut query = sqlx::query(statement);
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
