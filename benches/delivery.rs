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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Json;
use axum::routing::any;
use chrono::Utc;
use fanclub::club::clock::SystemClock;
use fanclub::club::model::{MemberId, Platform};
use fanclub::club::reply::Reply;
use fanclub::club::{Club, ClubConfig};
use fanclub::config::Settings;
use fanclub::lang::Lang;
use fanclub::store::{IdentitySeen, Store, StoreOptions};
use fanclub::telegram::{Telegram, Tuning};
use secrecy::SecretString;
use serde_json::{Value, json};

const TOKEN: &str = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678";

/// When each notice text arrived at the fake.
type Arrivals = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

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
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let store = Store::open(&url, &StoreOptions::default())
        .await
        .expect("the store");
    let mut config = ClubConfig::from_settings(&Settings::defaults());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    config.faq.path = root.join("config/faq.toml");
    // Words only: the bench measures delivery, not the FAQ.
    config.faq.model = std::path::PathBuf::new();
    config.shop.catalog = root.join("config/catalog.toml");
    let club = Club::open(store.clone(), config, Arc::new(SystemClock))
        .await
        .expect("the club");
    let mut members = Vec::new();
    for i in 0..count {
        let external = (10_000 + i).to_string();
        let name = format!("member{i}");
        let seen = IdentitySeen {
            platform: Platform::Telegram,
            external_id: &external,
            username: Some(&name),
            display_name: &name,
            language: Some(Lang::De),
            default_language: Lang::De,
            today: Utc::now().date_naive(),
            is_bot: false,
            joined: None,
        };
        members.push(
            store
                .member_seen(&seen, Utc::now())
                .await
                .expect("a member")
                .id,
        );
    }
    (club, members, dir)
}

/// Starts the adapter against a fresh fake; returns the arrivals and a
/// stopper.
async fn adapter(
    club: &Club,
    tuning: Tuning,
) -> (
    Arrivals,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let arrivals: Arrivals = Arc::default();
    let app = Router::new()
        .route("/{*path}", any(answer))
        .with_state(arrivals.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("the fake serves") });
    let mut settings = Settings::defaults().telegram;
    settings.api_url = url;
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
    (arrivals, stop, running)
}

/// Writes `count` private notices as fast as the store takes them and waits
/// until all arrived: notices per second from the first commit to the last
/// arrival, and each notice's commit-to-arrival time.
async fn burst(what: &str, tuning: Tuning, count: usize) -> (f64, Vec<Duration>) {
    let (club, members, _dir) = club(200).await;
    let (arrivals, stop, running) = adapter(&club, tuning).await;
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
    let latencies = wait_for_all(&arrivals, &committed).await;
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
    let (arrivals, stop, running) = adapter(&club, tuning).await;
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
    let latencies = wait_for_all(&arrivals, &committed).await;
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
async fn wait_for_all(arrivals: &Arrivals, committed: &[(String, Instant)]) -> Vec<Duration> {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let done = {
            let arrivals = arrivals.lock().unwrap();
            committed
                .iter()
                .all(|(text, _)| arrivals.contains_key(text))
        };
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "notices did not all arrive");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let arrivals = arrivals.lock().unwrap();
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

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) * p).div_ceil(100);
    sorted[index.min(sorted.len() - 1)]
}

/// The fake Bot API: records sendMessage arrivals, answers what the adapter
/// asks at start, long-polls `getUpdates` with nothing.
async fn answer(
    State(arrivals): State<Arrivals>,
    Path(path): Path<String>,
    body: Bytes,
) -> Json<Value> {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let method = path
        .split_once('/')
        .map_or("", |(_, method)| method)
        .to_lowercase();
    let ok = |result: Value| Json(json!({"ok": true, "result": result}));
    match method.as_str() {
        "getme" => ok(json!({
            "id": 7000, "is_bot": true, "first_name": "Fanclub", "username": "fanclub_bot",
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0}))
        }
        "getupdates" => {
            tokio::time::sleep(Duration::from_millis(200)).await;
            ok(json!([]))
        }
        "sendmessage" => {
            let now = Instant::now();
            let text = body["text"].as_str().unwrap_or_default().to_owned();
            let chat = body["chat_id"].as_i64().unwrap_or_default();
            let id = {
                let mut arrivals = arrivals.lock().unwrap();
                let times = arrivals.entry(text.clone()).or_default();
                times.push(now);
                arrivals.len() as i64
            };
            ok(json!({
                "message_id": id, "date": 1_790_000_000,
                "chat": {"id": chat, "type": "private", "first_name": "Member"},
                "from": {"id": 7000, "is_bot": true, "first_name": "Fanclub"},
                "text": text
            }))
        }
        _ => ok(json!(true)),
    }
}
