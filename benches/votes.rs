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

mod common;

use std::time::{Duration, Instant};

use fanclub::club::Club;
use fanclub::club::model::{Actor, MessageId};

use self::common::club::{self as bench_club, actor, reaction, say};
use self::common::{ms, percentile, raw_commit_rate};

#[tokio::main]
async fn main() {
    if std::env::var_os("FANCLUB_BENCH_PROFILE").is_some() {
        profile().await;
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} cores; SQLite files in the temp directory");
    let limit = raw_commit_rate(5_000).await;
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
    let mut config = bench_club::config(dir.path());
    bench_club::every_vote_pays(&mut config);
    config.recognition.announce_milestones = false;
    let club = bench_club::open(dir.path(), "bench.db", config).await;
    (club, dir)
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}
