//! The vote path measured against SQLite's own limit, in one run. Run with
//! `cargo bench --bench votes`.
//!
//! 1. The limit: single-row `INSERT` commits per second through sqlx on a
//!    fresh SQLite file with the store's settings (WAL, `synchronous =
//!    NORMAL`), one connection, one row per transaction.
//! 2. The bot's vote path: reactions handled by [`Club::handle`] (the
//!    sighting, the message's lookup, the rules, the vote and its ledger
//!    row, the author's digest, the handled mark, all in the event's
//!    transaction) from 1, 16 and 128 concurrent producers, each as a
//!    ratio to the limit, with p50/p99 per event and the errors.
//! 3. Flatness: one author receiving 10,000 votes in one day; the cost of
//!    the first votes against the last.
//!
//! The caps are raised so that every vote pays (the longer path: a ledger
//! row, a balance and a digest entry besides the vote). Not a test: it
//! prints what it measured and checks only that nothing was lost and the
//! doctor finds the books in order.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use fanclub::club::clock::SystemClock;
use fanclub::club::model::{Actor, Event, Incoming, MessageId, Place, Platform};
use fanclub::club::{Club, ClubConfig};
use fanclub::config::Settings;
use fanclub::store::{NewMessage, Store, StoreOptions};
use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

const GROUP: &str = "-100123";

#[tokio::main]
async fn main() {
    if std::env::var_os("FANCLUB_BENCH_PROFILE").is_some() {
        profile().await;
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} cores; SQLite files in the temp directory");
    let limit = raw_commits(5_000).await;
    println!("raw single-row commits (sqlx, WAL, synchronous=NORMAL): {limit:.0}/s (the limit)");

    for (producers, per_producer) in [(1, 2_000), (16, 250), (128, 32)] {
        let votes = producers * per_producer;
        let bench = VoteBench::new(producers, per_producer).await;
        let run = bench.run().await;
        println!(
            "votes, {producers:>3} producers: {votes} in {:.2} s, {:.0}/s = {:.2}x the limit; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} errors",
            run.took.as_secs_f64(),
            run.rate(),
            run.rate() / limit,
            ms(percentile(&run.latencies, 50)),
            ms(percentile(&run.latencies, 99)),
            ms(run.latencies.last().copied().unwrap_or_default()),
            run.errors,
        );
        bench.check(votes - run.errors).await;
    }

    flatness().await;
}

/// `FANCLUB_BENCH_PROFILE=1`: every statement of three votes of one
/// producer (after the set-up), with SQLite's own time for each, on
/// stderr: where a vote's time goes.
async fn profile() {
    let bench = VoteBench::new(1, 4).await;
    let club = &bench.club;
    let voter = &bench.voters[0];
    // The first vote warms the statement cache.
    club.handle(reaction(voter, bench.answers[0], "warm"))
        .await
        .expect("a vote");
    tracing_subscriber::fmt()
        .with_env_filter("sqlx::query=debug")
        .with_writer(std::io::stderr)
        .init();
    for (i, answer) in bench.answers[1..].iter().enumerate() {
        eprintln!("--- vote {i}");
        let asked = Instant::now();
        club.handle(reaction(voter, *answer, &format!("profile:{i}")))
            .await
            .expect("a vote");
        eprintln!("--- vote {i} took {:.0} µs", micros(asked.elapsed()));
    }
}

/// Single-row commits per second on a fresh file: the limit of any write
/// path that commits once per event.
async fn raw_commits(count: usize) -> f64 {
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
    let started = Instant::now();
    for i in 0..count {
        sqlx::query("INSERT INTO t (v) VALUES (?)")
            .bind(i as i64)
            .execute(&mut connection)
            .await
            .expect("an insert");
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// A club with voters, authors and answers to vote on.
struct VoteBench {
    club: Club,
    producers: usize,
    per_producer: usize,
    voters: Vec<Actor>,
    answers: Vec<MessageId>,
    _dir: tempfile::TempDir,
}

struct Run {
    took: Duration,
    latencies: Vec<Duration>,
    errors: usize,
}

impl Run {
    fn rate(&self) -> f64 {
        (self.latencies.len() + self.errors) as f64 / self.took.as_secs_f64()
    }
}

impl VoteBench {
    /// `producers` voters each vote `per_producer` times, each on another
    /// answer (one answer per vote of a producer, 16 authors).
    async fn new(producers: usize, per_producer: usize) -> VoteBench {
        let (club, dir) = club().await;
        let voters: Vec<Actor> = (0..producers)
            .map(|i| actor(&format!("voter{i}")))
            .collect();
        for voter in &voters {
            say(&club, voter, "hello").await;
        }
        let authors: Vec<Actor> = (0..16).map(|i| actor(&format!("author{i}"))).collect();
        let mut answers = Vec::with_capacity(per_producer);
        for i in 0..per_producer {
            let author = &authors[i % authors.len()];
            answers.push(say(&club, author, &format!("answer {i}")).await);
        }
        VoteBench {
            club,
            producers,
            per_producer,
            voters,
            answers,
            _dir: dir,
        }
    }

    async fn run(&self) -> Run {
        let started = Instant::now();
        let tasks: Vec<_> = (0..self.producers)
            .map(|p| {
                let club = self.club.clone();
                let voter = self.voters[p].clone();
                let answers = self.answers.clone();
                let per_producer = self.per_producer;
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(per_producer);
                    let mut errors = 0;
                    for (i, answer) in answers.iter().enumerate() {
                        let asked = Instant::now();
                        match club
                            .handle(reaction(&voter, *answer, &format!("{p}:{i}")))
                            .await
                        {
                            Ok(_) => latencies.push(asked.elapsed()),
                            Err(error) => {
                                errors += 1;
                                eprintln!("vote failed: {error}");
                            }
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        let mut latencies = Vec::new();
        let mut errors = 0;
        for task in tasks {
            let (mine, failed) = task.await.expect("a producer");
            latencies.extend(mine);
            errors += failed;
        }
        let took = started.elapsed();
        latencies.sort();
        Run {
            took,
            latencies,
            errors,
        }
    }

    /// Every acknowledged vote is there and paid, and the books balance.
    async fn check(&self, acknowledged: usize) {
        let store = self.club.store();
        let paid = store
            .count_paying_votes()
            .await
            .expect("the votes are counted");
        assert_eq!(paid as usize, acknowledged, "every acknowledged vote paid");
        let report = store.doctor().await.expect("the doctor runs");
        assert!(report.is_healthy(), "{report}");
    }
}

/// One author, 10,000 votes in one day from 100 voters on 100 answers: the
/// cost of a vote at the start of the day against its end.
async fn flatness() {
    let (club, _dir) = club().await;
    let author = actor("busy-author");
    let voters: Vec<Actor> = (0..100).map(|i| actor(&format!("fan{i}"))).collect();
    for voter in &voters {
        say(&club, voter, "hello").await;
    }
    let mut answers = Vec::new();
    for i in 0..100 {
        answers.push(say(&club, &author, &format!("answer {i}")).await);
    }
    let window = 500;
    let mut times = Vec::with_capacity(10_000);
    for (a, answer) in answers.iter().enumerate() {
        for (v, voter) in voters.iter().enumerate() {
            let asked = Instant::now();
            club.handle(reaction(voter, *answer, &format!("flat:{a}:{v}")))
                .await
                .expect("a vote");
            times.push(asked.elapsed());
        }
    }
    let mean = |slice: &[Duration]| slice.iter().sum::<Duration>() / slice.len() as u32;
    let first = mean(&times[..window]);
    let last = mean(&times[times.len() - window..]);
    println!(
        "one author, 10,000 votes in a day: votes 1-{window} {:.0} µs each ({:.0}/s), votes {}-10,000 {:.0} µs each ({:.0}/s): last/first {:.2}",
        micros(first),
        1e6 / micros(first),
        10_000 - window + 1,
        micros(last),
        1e6 / micros(last),
        last.as_secs_f64() / first.as_secs_f64(),
    );
    let report = club.store().doctor().await.expect("the doctor runs");
    assert!(report.is_healthy(), "{report}");
}

/// A club on a fresh file where every vote pays: the caps are out of reach.
async fn club() -> (Club, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let store = Store::open(&url, &StoreOptions::default())
        .await
        .expect("the store");
    let mut config = ClubConfig::from_settings(&Settings::defaults());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    config.faq.path = root.join("config/faq.toml");
    // Words only: the bench measures votes, not the FAQ.
    config.faq.model = std::path::PathBuf::new();
    config.faq.cache_dir = dir.path().join("cache");
    config.shop.catalog = root.join("config/catalog.toml");
    config.recognition.welcome_new_members = false;
    config.recognition.announce_milestones = false;
    config.points.min_voter_days = 0;
    config.points.daily_points_cap = i64::MAX / 4;
    config.points.daily_votes_per_voter = i64::MAX / 4;
    config.points.daily_votes_per_pair = i64::MAX / 4;
    let club = Club::open(store, config, Arc::new(SystemClock))
        .await
        .expect("the club");
    (club, dir)
}

fn actor(name: &str) -> Actor {
    Actor {
        platform: Platform::Telegram,
        external_id: format!("id-{name}"),
        username: Some(name.to_owned()),
        display_name: name.to_owned(),
        locale: Some("en".to_owned()),
        is_bot: false,
        is_moderator: false,
        joined_at: None,
    }
}

fn group() -> Place {
    Place {
        platform: Platform::Telegram,
        id: GROUP.to_owned(),
        private: false,
    }
}

/// Records a message of `who` in the group (the member is seen first).
async fn say(club: &Club, who: &Actor, body: &str) -> MessageId {
    let incoming = Incoming {
        actor: who.clone(),
        place: group(),
        event_key: None,
        event: Event::Joined,
    };
    club.handle(incoming).await.expect("a sighting");
    let member = club
        .store()
        .identity_member(who.platform, &who.external_id)
        .await
        .expect("a lookup")
        .expect("a member");
    let message = NewMessage {
        platform: Platform::Telegram,
        place: GROUP,
        external_id: None,
        author: Some(member.id),
        private: false,
        reply_to: None,
        body,
        buttons: &[],
    };
    club.store()
        .record_message(&message, Utc::now())
        .await
        .expect("a message")
        .id()
}

fn reaction(who: &Actor, to: MessageId, key: &str) -> Incoming {
    Incoming {
        actor: who.clone(),
        place: group(),
        event_key: Some(format!("reaction:{key}")),
        event: Event::Reaction {
            message: to,
            emoji: "👍".to_owned(),
            added: true,
        },
    }
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) * p).div_ceil(100);
    sorted[index.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}
