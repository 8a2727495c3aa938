//! Interaction figures: slash commands answered per second through the
//! real Discord adapter (serenity's gateway and HTTP client) and a fake
//! Discord on 127.0.0.1 (the tests' fake: REST and WebSocket gateway), and
//! the time from an interaction's dispatch to its callback (the deferred
//! response) and to its answer (the edited response). Run with
//! `cargo bench --bench discord`.
//!
//! Two runs of `/balance` by 200 members on a real SQLite file, with the
//! production tuning:
//! 1. a burst of 1,000 interactions dispatched at once: the rate;
//! 2. a steady 20 interactions/s for 10 s: latencies, p50 and p99.
//!
//! Not a test: it prints what it measured and checks only that every
//! interaction was acknowledged and answered exactly once.

#[path = "../tests/discord/fake.rs"]
#[allow(dead_code)]
mod fake;
#[path = "../tests/discord/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;
#[path = "../tests/multipart.rs"]
mod multipart;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fanclub::club::clock::SystemClock;
use fanclub::club::{Club, ClubConfig};
use fanclub::config::Settings;
use fanclub::discord::{Discord, Tuning};
use fanclub::store::{Store, StoreOptions};
use secrecy::SecretString;

use self::fake::FakeDiscord;
use self::fixtures::{CHANNEL, GUILD, MODERATORS_CHANNEL, slash, user};

const TOKEN: &str = "MTA1OTk5OTk5OTk5OTk5OTk5.GabcDE.bench-token";
const MEMBERS: u64 = 200;

#[tokio::main]
async fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "machine: {cores} cores; SQLite file on the temp directory; fake Discord on 127.0.0.1"
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fake = FakeDiscord::start().await;
    let club = club(&dir).await;
    let mut settings = Settings::defaults().discord;
    settings.api_url = fake.url.clone();
    settings.guilds = vec![GUILD];
    settings.moderators_channel = MODERATORS_CHANNEL;
    let adapter = Discord::new(
        club,
        settings,
        &SecretString::from(TOKEN),
        Tuning::default(),
    );
    let running = tokio::spawn(adapter.run());
    fake.until_connected(Duration::from_secs(30)).await;

    // Every member once, so the runs measure answers, not first sightings.
    let warm: Vec<u64> = (0..MEMBERS).collect();
    run(&fake, 1, &warm, Duration::ZERO).await;

    let ids: Vec<u64> = (0..1_000).map(|n| n % MEMBERS).collect();
    let started = Instant::now();
    let timings = run(&fake, 10_000, &ids, Duration::ZERO).await;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "burst of {} /balance: {:.0} interactions answered/s",
        ids.len(),
        ids.len() as f64 / elapsed
    );
    report(&timings);

    let steady: Vec<u64> = (0..200).map(|n| n % MEMBERS).collect();
    let timings = run(&fake, 20_000, &steady, Duration::from_millis(50)).await;
    println!("steady 20 /balance per second for 10 s:");
    report(&timings);
    running.abort();
}

async fn club(dir: &tempfile::TempDir) -> Club {
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let store = Store::open(&url, &StoreOptions::default())
        .await
        .expect("the store opens");
    let mut config = ClubConfig::from_settings(&Settings::defaults());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    config.faq.path = root.join("config/faq.toml");
    config.faq.model = std::path::PathBuf::new();
    config.faq.cache_dir = dir.path().join("cache");
    config.shop.catalog = root.join("config/catalog.toml");
    Club::open(store, config, Arc::new(SystemClock))
        .await
        .expect("the club opens")
}

/// Dispatch and callback/answer times of one interaction.
struct Timing {
    callback: Duration,
    answer: Duration,
}

/// Dispatches `/balance` by each member in `members` (interaction ids from
/// `first`), `every` apart, and waits until all were answered.
async fn run(fake: &FakeDiscord, first: u64, members: &[u64], every: Duration) -> Vec<Timing> {
    let mut sent = HashMap::new();
    for (n, member) in members.iter().enumerate() {
        let id = first + n as u64;
        let who = user(10_000 + member, &format!("Fan{member}"));
        let interaction = slash(id, "balance", &[], &who, &[], CHANNEL);
        sent.insert(format!("token-{id}"), Instant::now());
        fake.dispatch("INTERACTION_CREATE", &interaction);
        if !every.is_zero() {
            tokio::time::sleep(every).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let calls = fake.calls();
        let answered = calls
            .iter()
            .filter(|call| {
                call.route == "original" && call.token().is_some_and(|t| sent.contains_key(t))
            })
            .count();
        if answered >= sent.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {answered} of {} answered",
            sent.len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let calls = fake.calls();
    let at = |route: &str, token: &str| -> Vec<Instant> {
        calls
            .iter()
            .filter(|call| call.route == route && call.token() == Some(token) && call.ok())
            .map(|call| call.at)
            .collect()
    };
    sent.iter()
        .map(|(token, dispatched)| {
            let callbacks = at("callback", token);
            let answers = at("original", token);
            assert_eq!(callbacks.len(), 1, "{token} acknowledged once");
            assert_eq!(answers.len(), 1, "{token} answered once");
            Timing {
                callback: callbacks[0] - *dispatched,
                answer: answers[0] - *dispatched,
            }
        })
        .collect()
}

fn report(timings: &[Timing]) {
    let percentile = |mut values: Vec<Duration>, p: f64| {
        values.sort();
        let index = ((values.len() as f64 - 1.0) * p).round() as usize;
        values[index].as_secs_f64() * 1000.0
    };
    let callbacks: Vec<Duration> = timings.iter().map(|t| t.callback).collect();
    let answers: Vec<Duration> = timings.iter().map(|t| t.answer).collect();
    println!(
        "  interaction -> callback: p50 {:.1} ms, p99 {:.1} ms; interaction -> answer: p50 {:.1} ms, p99 {:.1} ms",
        percentile(callbacks.clone(), 0.5),
        percentile(callbacks, 0.99),
        percentile(answers.clone(), 0.5),
        percentile(answers, 0.99),
    );
}
