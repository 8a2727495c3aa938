//! The Telegram path measured against SQLite's own limit, in one run:
//! the real adapter (teloxide) polling a fake Bot API on 127.0.0.1, the club
//! on a SQLite file. Run with `cargo bench --bench telegram`.
//!
//! 1. The limit: single-row commits per second (see `common`).
//! 2. Throughput: reactions on answers in 64 group chats, all queued at
//!    once; updates per second from the first `getUpdates` to the last
//!    chat's end marker answered, as a ratio to the limit.
//! 3. Latency under load: reactions from the 64 chats at a steady quarter
//!    of the limit, and every 20 ms a member asks `/balance` in their
//!    private chat; the time from the update's queueing at the fake to the
//!    answer's arrival, p50 and p99.
//! 4. At rest: the resident memory of the `fanclub` binary running the
//!    console with no FAQ model, after start-up (Linux `/proc`).
//!
//! Not a test: it prints what it measured and checks only that every
//! marker and probe was answered once.

mod common;

use std::time::{Duration, Instant};

use fanclub::club::Club;
use fanclub::config::Settings;
use fanclub::store::Store;
use fanclub::telegram::{Telegram, Tuning};
use secrecy::SecretString;
use serde_json::{Value, json};

use self::common::fake_telegram::FakeTelegram;
use self::common::{LIMIT_ROUNDS, ms, percentile, raw_commit_rate};

const TOKEN: &str = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678";
const CHATS: i64 = 64;
/// Voters per chat: each reacts once to the chat's answer.
const VOTERS: i64 = 100;

#[tokio::main]
async fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "machine: {cores} cores; SQLite file in the temp directory; fake Bot API on 127.0.0.1"
    );
    let limit = raw_commit_rate(5_000).await;
    println!(
        "raw single-row commits (sqlx, WAL, synchronous=NORMAL): {limit:.0}/s, median of {LIMIT_ROUNDS} rounds (the limit)"
    );

    let bench = Bench::start().await;
    let rate = bench.throughput().await;
    println!(
        "reactions from {CHATS} chats, all queued: {rate:.0} updates/s = {:.2}x the limit",
        rate / limit
    );
    let bench = Bench::start().await;
    let (load, probes, behind) = bench
        .balance_under_load(limit / 4.0, Duration::from_secs(4))
        .await;
    println!(
        "/balance while reactions arrive at {load:.0}/s (0.25x the limit): {} probes, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; the load's last update handled {:.0} ms after it was queued",
        probes.len(),
        ms(percentile(&probes, 50)),
        ms(percentile(&probes, 99)),
        ms(probes.last().copied().unwrap_or_default()),
        ms(behind),
    );
    at_rest();
}

/// A club, the fake and a running adapter.
struct Bench {
    fake: FakeTelegram,
    /// The next update id.
    next_update: std::sync::atomic::AtomicI64,
    _club: Club,
    _dir: tempfile::TempDir,
}

impl Bench {
    /// A club whose voters are known and old enough to vote, each chat's
    /// answer posted and handled, and the adapter polling.
    async fn start() -> Bench {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let club = club(&dir).await;
        seed_voters(club.store()).await;
        let fake = FakeTelegram::start().await;
        let mut settings = Settings::defaults().telegram;
        settings.api_url = fake.url.clone();
        settings.poll_timeout_seconds = 1;
        let mut tuning = Tuning::from_settings(&settings);
        // The bench measures handling, not Telegram's flood limits.
        tuning.global_interval = Duration::ZERO;
        tuning.group_interval = Duration::ZERO;
        tuning.private_interval = Duration::ZERO;
        let telegram = Telegram::new(club.clone(), settings, &SecretString::from(TOKEN), tuning)
            .expect("the adapter");
        tokio::spawn(telegram.run());
        let bench = Bench {
            fake,
            next_update: 1.into(),
            _club: club,
            _dir: dir,
        };
        let answers: Vec<Value> = (0..CHATS)
            .map(|chat| {
                let helper = user(helper_id(chat));
                bench.update(
                    "message",
                    message(1, group(chat), &helper, "Unter Mein Konto."),
                )
            })
            .collect();
        bench.fake.push(answers);
        bench.markers(0).await;
        bench
    }

    fn update(&self, kind: &str, body: Value) -> Value {
        let id = self
            .next_update
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        json!({"update_id": id, kind: body})
    }

    /// Every chat's voters react to its answer, all queued at once: updates
    /// handled per second.
    async fn throughput(&self) -> f64 {
        let mut updates = Vec::new();
        for voter in 0..VOTERS {
            for chat in 0..CHATS {
                updates.push(self.reaction(chat, voter));
            }
        }
        let count = updates.len() + CHATS as usize;
        let started = Instant::now();
        self.fake.push(updates);
        self.markers(1).await;
        count as f64 / started.elapsed().as_secs_f64()
    }

    /// Reactions at `per_second` for `span`, and a `/balance` every 20 ms
    /// from a member's private chat: the reactions' rate reached and each
    /// probe's time from queueing to answer, sorted; and how far behind the
    /// load the club was at its end (from the last reaction's queueing
    /// until every chat's updates were handled).
    async fn balance_under_load(
        &self,
        per_second: f64,
        span: Duration,
    ) -> (f64, Vec<Duration>, Duration) {
        let tick = Duration::from_millis(10);
        let per_tick = (per_second * tick.as_secs_f64()).max(1.0) as usize;
        let mut ticks = tokio::time::interval(tick);
        let mut probes: Vec<(i64, Instant)> = Vec::new();
        let mut sent = 0usize;
        let started = Instant::now();
        let mut voter = 0i64;
        let mut tick_number = 0u64;
        while started.elapsed() < span {
            ticks.tick().await;
            tick_number += 1;
            let mut updates = Vec::with_capacity(per_tick + 1);
            for _ in 0..per_tick {
                // Reactions on and off again: each one a vote or a withdrawal.
                let chat = voter % CHATS;
                let who = (voter / CHATS) % VOTERS;
                updates.push(self.reaction_change(chat, who, (voter / (CHATS * VOTERS)) % 2 == 1));
                voter += 1;
            }
            sent += per_tick;
            if tick_number.is_multiple_of(2) {
                let member = 800_000 + probes.len() as i64;
                updates.push(self.update("message", message(2, member, &user(member), "/balance")));
                probes.push((member, Instant::now()));
            }
            self.fake.push(updates);
        }
        let rate = sent as f64 / started.elapsed().as_secs_f64();
        let ended = Instant::now();
        self.markers(1).await;
        let behind = ended.elapsed();
        let mut latencies = Vec::with_capacity(probes.len());
        for (member, queued) in probes {
            let answered = self.answered_in(member).await;
            latencies.push(answered.saturating_duration_since(queued));
        }
        latencies.sort();
        (rate, latencies, behind)
    }

    fn reaction(&self, chat: i64, voter: i64) -> Value {
        self.reaction_change(chat, voter, false)
    }

    /// `voter` of `chat` adds 👍 to the chat's answer, or takes it back.
    fn reaction_change(&self, chat: i64, voter: i64, back: bool) -> Value {
        let (old, new) = if back {
            (json!([{"type": "emoji", "emoji": "👍"}]), json!([]))
        } else {
            (json!([]), json!([{"type": "emoji", "emoji": "👍"}]))
        };
        self.update(
            "message_reaction",
            json!({
                "chat": chat_object(group(chat)), "message_id": 1,
                "user": user(voter_id(chat, voter)), "date": 1_790_000_000,
                "old_reaction": old, "new_reaction": new
            }),
        )
    }

    /// A member of each chat asks `/balance` there (answered privately); waits
    /// until all are answered: each chat's updates before it were handled.
    async fn markers(&self, round: i64) {
        let askers: Vec<i64> = (0..CHATS)
            .map(|chat| 900_000 + round * CHATS + chat)
            .collect();
        let updates = (0..CHATS)
            .map(|chat| {
                let asker = askers[chat as usize];
                // Message ids are unique within a chat.
                self.update(
                    "message",
                    message(1_000 + round, group(chat), &user(asker), "/balance"),
                )
            })
            .collect::<Vec<_>>();
        self.fake.push(updates);
        for asker in askers {
            self.answered_in(asker).await;
        }
    }

    /// When the first message to private chat `member` arrived (waits).
    async fn answered_in(&self, member: i64) -> Instant {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let arrived = self.fake.with_sent(|sent| {
                sent.iter()
                    .find(|message| message.chat == member)
                    .map(|message| message.at)
            });
            if let Some(at) = arrived {
                return at;
            }
            assert!(Instant::now() < deadline, "{member} was never answered");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// Resident memory of `fanclub console` with no FAQ model, idle after start.
fn at_rest() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fanclub"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--database"])
        .arg(format!("sqlite://{}/rest.db", dir.path().display()))
        .arg("console")
        .env("FANCLUB__FAQ__MODEL", "")
        .env("FANCLUB__FAQ__CACHE_DIR", dir.path().join("cache"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("fanclub starts");
    std::thread::sleep(Duration::from_secs(3));
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map_or("?".to_owned(), |value| value.trim().to_owned())
    };
    println!(
        "fanclub console at rest, no FAQ model: RSS {}, peak {}",
        field("VmRSS:"),
        field("VmHWM:")
    );
    drop(child.stdin.take());
    let _ = child.wait();
}

async fn club(dir: &tempfile::TempDir) -> Club {
    let mut config = common::club::config(dir.path());
    config.recognition.welcome_new_members = false;
    config.points.min_voter_days = 0;
    common::club::open(dir.path(), "bench.db", config).await
}

/// Every voter known to the club already, as after their first message.
async fn seed_voters(store: &Store) {
    for chat in 0..CHATS {
        for voter in 0..VOTERS {
            let external = voter_id(chat, voter).to_string();
            common::club::known_on_telegram(store, &external, &name_of(voter_id(chat, voter)))
                .await;
        }
    }
}

fn group(chat: i64) -> i64 {
    -100_000 - chat
}

fn helper_id(chat: i64) -> i64 {
    10_000 + chat
}

fn voter_id(chat: i64, voter: i64) -> i64 {
    100_000 + chat * VOTERS + voter
}

/// An account's name and username, as seeded and as the fake reports it:
/// a known voter's reaction finds their member up to date, as in a club
/// whose members seldom rename themselves.
fn name_of(id: i64) -> String {
    format!("U{id}")
}

fn user(id: i64) -> Value {
    let name = name_of(id);
    json!({"id": id, "is_bot": false, "first_name": name, "username": name, "language_code": "de"})
}

fn chat_object(id: i64) -> Value {
    if id < 0 {
        json!({"id": id, "type": "supergroup", "title": "Fan club"})
    } else {
        json!({"id": id, "type": "private", "first_name": format!("U{id}")})
    }
}

fn message(message_id: i64, chat: i64, from: &Value, text: &str) -> Value {
    let mut message = json!({
        "message_id": message_id, "date": 1_790_000_000,
        "chat": chat_object(chat), "from": from, "text": text
    });
    if text.starts_with('/') {
        let length = text
            .split_whitespace()
            .next()
            .unwrap_or(text)
            .chars()
            .count();
        message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": length}]);
    }
    message
}
