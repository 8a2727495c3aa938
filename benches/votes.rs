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
//! `FANCLUB_BENCH_PROFILE=1` prints instead where a vote's time goes (see
//! [`profile`]).
//!
//! The caps are raised so that every vote pays (the longer path: a ledger
//! row, a balance and a digest entry besides the vote). Not a test: it
//! prints what it measured and checks only that nothing was lost and the
//! doctor finds the books in order.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use fanclub::club::Club;
use fanclub::club::model::{Actor, MessageId};

use self::common::club::{self as bench_club, actor, reaction, say};
use self::common::{LIMIT_ROUNDS, ms, percentile, raw_commit_rate};

#[tokio::main]
async fn main() {
    if std::env::var_os("FANCLUB_BENCH_PROFILE").is_some() {
        profile().await;
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} cores; SQLite files in the temp directory");
    let limit = raw_commit_rate(5_000).await;
    println!(
        "raw single-row commits (sqlx, WAL, synchronous=NORMAL): {limit:.0}/s, median of {LIMIT_ROUNDS} rounds (the limit)"
    );

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

/// `FANCLUB_BENCH_PROFILE=1`: where one producer's votes spend SQLite's
/// own time, per statement, averaged over 500 votes after a warm-up, on
/// stdout. sqlx measures each statement on the connection's worker thread
/// and does not log `BEGIN` and `COMMIT`. What a vote costs beyond the sum
/// is round trips and the runtime.
async fn profile() {
    const VOTES: usize = 500;
    let bench = VoteBench::new(1, VOTES + 1).await;
    let club = &bench.club;
    let voter = &bench.voters[0];
    // The first vote warms the statement cache.
    club.handle(reaction(voter, bench.answers[0], "warm"))
        .await
        .expect("a vote");
    let times = StatementTimes::default();
    tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new("sqlx::query=debug"))
        .with(times.clone())
        .init();
    let started = Instant::now();
    for (i, answer) in bench.answers[1..].iter().enumerate() {
        club.handle(reaction(voter, *answer, &format!("profile:{i}")))
            .await
            .expect("a vote");
    }
    let per_vote = micros(started.elapsed()) / VOTES as f64;
    println!("statement (first words)                       per vote   SQLite µs each");
    let mut sqlite = 0.0;
    for (summary, (count, seconds)) in times.0.lock().expect("the times").iter() {
        let each = seconds * 1e6 / *count as f64;
        sqlite += seconds * 1e6 / VOTES as f64;
        println!(
            "{summary:<45} {:>8.2} {each:>16.1}",
            *count as f64 / VOTES as f64
        );
    }
    println!(
        "one vote: {per_vote:.0} µs wall, {sqlite:.0} µs of it SQLite's own work in the statements above"
    );
}

/// SQLite's own time per statement, from sqlx's `sqlx::query` events:
/// count and seconds by the statement's first words.
#[derive(Clone, Default)]
struct StatementTimes(Arc<Mutex<BTreeMap<String, (usize, f64)>>>);

impl<S: tracing::Subscriber> Layer<S> for StatementTimes {
    fn on_event(&self, event: &tracing::Event<'_>, _: LayerContext<'_, S>) {
        let mut fields = StatementFields::default();
        event.record(&mut fields);
        if let (Some(summary), Some(seconds)) = (fields.summary, fields.seconds) {
            let summary: String = summary.trim_matches('"').chars().take(44).collect();
            let mut times = self.0.lock().expect("the times");
            let entry = times.entry(summary).or_default();
            entry.0 += 1;
            entry.1 += seconds;
        }
    }
}

#[derive(Default)]
struct StatementFields {
    summary: Option<String>,
    seconds: Option<f64>,
}

impl Visit for StatementFields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.seconds = Some(value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "summary" {
            self.summary = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.summary = Some(format!("{value:?}"));
        }
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
    // The median as well: a checkpoint or the page cache's writeback landing
    // in one window moves its mean by a fifth or more from run to run, not
    // the vote's own cost.
    let median = |slice: &[Duration]| {
        let mut sorted = slice.to_vec();
        sorted.sort();
        percentile(&sorted, 50)
    };
    let (head, tail) = (&times[..window], &times[times.len() - window..]);
    let (first, last) = (mean(head), mean(tail));
    println!(
        "one author, 10,000 votes in a day: votes 1-{window} {:.0} µs each ({:.0}/s), votes {}-10,000 {:.0} µs each ({:.0}/s): last/first {:.2} (medians {:.0} and {:.0} µs: {:.2})",
        micros(first),
        1e6 / micros(first),
        10_000 - window + 1,
        micros(last),
        1e6 / micros(last),
        last.as_secs_f64() / first.as_secs_f64(),
        micros(median(head)),
        micros(median(tail)),
        median(tail).as_secs_f64() / median(head).as_secs_f64(),
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
