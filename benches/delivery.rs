//! Delivery figures: notices per second from the outbox through the real
//! Telegram adapter (teloxide) to a local fake Bot API, and the time from a
//! notice's commit to its `sendMessage` arriving. Run with
//! `cargo bench --bench delivery`.
//!
//! Three runs on a real SQLite file:
//! 1. a burst with Telegram's pace (about 30 messages/s overall): the rate
//!    the production tuning allows;
//! 2. a burst with no pace at all: what the outbox, the store and the
//!    HTTP client can do;
//! 3. a steady 20 notices/s for 10 s with Telegram's pace: commit-to-send
//!    latency, p50 and p99.
//!
//! Not a test: it prints what it measured and checks only that every notice
//! arrived exactly once.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fanclub::club::Club;
use fanclub::club::model::MemberId;
use fanclub::club::reply::Reply;
use fanclub::config::Settings;
use fanclub::telegram::{Telegram, Tuning};
use secrecy::SecretString;

use self::common::fake_telegram::FakeTelegram;
use self::common::percentile;

const TOKEN: &str = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678";

#[tokio::main]
async fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "machine: {cores} cores; SQLite file on the temp directory; fake Bot API on 127.0.0.1"
    );
    let paced = Tuning::from_settings(&Settings::defaults().telegram);
    let mut unpaced = paced.clone();
    unpaced.global_interval = Duration::ZERO;
    unpaced.group_interval = Duration::ZERO;
    unpaced.private_interval = Duration::ZERO;

    let (rate, _) = burst("burst, Telegram's pace", paced.clone(), 300).await;
    println!(
        "  -> {rate:.0} notices/s (the pace allows {:.0}/s)",
        1.0 / paced.global_interval.as_secs_f64()
    );
    let (rate, latencies) = burst("burst, no pace", unpaced, 2_000).await;
    println!(
        "  -> {rate:.0} notices/s; commit to send p99 {:?} (queueing included)",
        percentile(&latencies, 99)
    );
    steady(
        "steady 20/s for 10 s, Telegram's pace",
        paced,
        20,
        Duration::from_secs(10),
    )
    .await;
}

/// A club on a fresh database with `count` members known on Telegram.
async fn club(count: usize) -> (Club, Vec<MemberId>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let club = common::club::open(dir.path(), "bench.db", common::club::config(dir.path())).await;
    let store = club.store().clone();
    let mut members = Vec::new();
    for i in 0..count {
        let external = (10_000 + i).to_string();
        members
            .push(common::club::known_on_telegram(&store, &external, &format!("member{i}")).await);
    }
    (club, members, dir)
}

/// Starts the adapter against a fresh fake; returns the fake and a
/// stopper.
async fn adapter(
    club: &Club,
    tuning: Tuning,
) -> (
    FakeTelegram,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let fake = FakeTelegram::start().await;
    let mut settings = Settings::defaults().telegram;
    settings.api_url = fake.url.clone();
    settings.poll_timeout_seconds = 1;
    let telegram = Telegram::new(club.clone(), settings, &SecretString::from(TOKEN), tuning)
        .expect("the adapter");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        let _ = telegram
            .run_until(async move {
                let _ = stopped.await;
            })
            .await;
    });
    (fake, stop, running)
}

/// Writes `count` private notices as fast as the store takes them and waits
/// until all arrived: notices per second from the first commit to the last
/// arrival, and each notice's commit-to-arrival time.
async fn burst(what: &str, tuning: Tuning, count: usize) -> (f64, Vec<Duration>) {
    let (club, members, _dir) = club(200).await;
    let (fake, stop, running) = adapter(&club, tuning).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let mut committed = Vec::with_capacity(count);
    for i in 0..count {
        let text = format!("notice {i}");
        club.tell(&[Reply::to_member(members[i % members.len()], text.clone())])
            .await
            .expect("the notice is written");
        committed.push((text, Instant::now()));
    }
    let write = started.elapsed();
    let latencies = wait_for_all(&fake, &committed).await;
    let elapsed = started.elapsed();
    let _ = stop.send(());
    let _ = running.await;
    let rate = count as f64 / elapsed.as_secs_f64();
    println!(
        "{what}: {count} notices to {} members, written in {write:?}, all sent after {elapsed:?}",
        members.len()
    );
    (rate, latencies)
}

/// Writes `per_second` notices a second for `span`, spread over members;
/// prints the commit-to-send latency.
async fn steady(what: &str, tuning: Tuning, per_second: u32, span: Duration) {
    let (club, members, _dir) = club(200).await;
    let (fake, stop, running) = adapter(&club, tuning).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let every = Duration::from_secs(1) / per_second;
    let count = (span.as_secs_f64() * f64::from(per_second)) as usize;
    let mut ticks = tokio::time::interval(every);
    let mut committed = Vec::with_capacity(count);
    for i in 0..count {
        ticks.tick().await;
        let text = format!("steady {i}");
        club.tell(&[Reply::to_member(members[i % members.len()], text.clone())])
            .await
            .expect("the notice is written");
        committed.push((text, Instant::now()));
    }
    let latencies = wait_for_all(&fake, &committed).await;
    let _ = stop.send(());
    let _ = running.await;
    println!(
        "{what}: {count} notices; commit to send p50 {:?}, p99 {:?}, max {:?}",
        percentile(&latencies, 50),
        percentile(&latencies, 99),
        percentile(&latencies, 100),
    );
}

/// Waits until every committed text arrived (once); their latencies.
async fn wait_for_all(fake: &FakeTelegram, committed: &[(String, Instant)]) -> Vec<Duration> {
    let deadline = Instant::now() + Duration::from_secs(300);
    let arrivals = loop {
        let arrivals: HashMap<String, Vec<Instant>> = fake.with_sent(|sent| {
            let mut arrivals: HashMap<String, Vec<Instant>> = HashMap::new();
            for message in sent {
                arrivals
                    .entry(message.text.clone())
                    .or_default()
                    .push(message.at);
            }
            arrivals
        });
        if committed
            .iter()
            .all(|(text, _)| arrivals.contains_key(text))
        {
            break arrivals;
        }
        assert!(Instant::now() < deadline, "notices did not all arrive");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let mut latencies: Vec<Duration> = committed
        .iter()
        .map(|(text, at)| {
            let times = &arrivals[text];
            assert_eq!(times.len(), 1, "{text} arrived {} times", times.len());
            times[0].saturating_duration_since(*at)
        })
        .collect();
    latencies.sort();
    latencies
}
