//! Stories of the Telegram adapter, end to end: the real adapter, with
//! teloxide pointed at a fake Bot API on 127.0.0.1 ([`fake`]) and the club
//! on a real SQLite file. Outcomes are checked where they land: the calls
//! the fake recorded, and balances in the store.
//!
//! Every wait is bounded ([`WAIT`]); the adapter's poll timeout, backoffs and
//! flood waits are shrunk ([`fast_tuning`]) so the stories take well under a
//! second each, except where a story says otherwise.

pub(crate) mod fake;
pub(crate) mod fixtures;

mod answers;
mod buttons;
mod delivery;
mod joins;
mod lanes;
mod linking;
mod naming;
mod outbox;
mod points;
mod privacy;
mod shipping;
mod startup;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fanclub::club::ClubConfig;
use fanclub::club::model::Platform;
use fanclub::config::{Settings, TelegramSettings};
use fanclub::telegram::{Telegram, TelegramError, Tuning};
use secrecy::SecretString;
use tokio::task::JoinHandle;

use self::fake::{Call, FakeTelegram};
use self::fixtures::MODERATORS_CHAT;
use crate::support::TestClub;

/// A token shaped like a real one (teloxide hides such tokens in its errors).
pub const TOKEN: &str = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678";
/// The secret half of [`TOKEN`], which must never show in a log.
pub const TOKEN_SECRET: &str = "ABCdefGHIjklMNOpqrSTUvwxYZ012345678";

/// The longest any story waits for something to happen.
pub const WAIT: Duration = Duration::from_secs(10);

/// Telegram's patience, shrunk for tests: a second of `retry_after` lasts
/// 40 ms, backoffs start at 20 ms.
pub fn fast_tuning(settings: &TelegramSettings) -> Tuning {
    Tuning {
        backoff_start: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(200),
        group_interval: Duration::from_millis(5),
        private_interval: Duration::from_millis(5),
        poll_interval: Duration::from_millis(20),
        global_interval: Duration::from_millis(1),
        max_attempts: 5,
        retry_after_unit: Duration::from_millis(40),
        attempt_timeout: Duration::from_secs(1),
        ..Tuning::from_settings(settings)
    }
}

/// The adapter, the fake Telegram and the club, wired together.
pub struct Bench {
    pub fake: FakeTelegram,
    pub club: TestClub,
    pub settings: TelegramSettings,
    adapter: Option<JoinHandle<Result<(), TelegramError>>>,
}

impl Drop for Bench {
    fn drop(&mut self) {
        if let Some(adapter) = self.adapter.take() {
            adapter.abort();
        }
    }
}

impl Bench {
    /// The adapter running against a fresh fake, on a club where new members
    /// may vote at once (`points.min_voter_days = 0`).
    pub async fn start() -> Bench {
        Bench::configured(|_| {}).await
    }

    /// Like [`Bench::start`], with Telegram settings changed by `change`.
    pub async fn configured(change: impl FnOnce(&mut TelegramSettings)) -> Bench {
        let mut bench = Bench::idle(change).await;
        bench.launch();
        bench
    }

    /// Everything but the running adapter.
    pub async fn idle(change: impl FnOnce(&mut TelegramSettings)) -> Bench {
        let fake = FakeTelegram::start(TOKEN).await;
        let club = TestClub::configured(|config: &mut ClubConfig| {
            config.points.min_voter_days = 0;
        })
        .await;
        let mut settings = Settings::defaults().telegram;
        settings.api_url = fake.url.clone();
        settings.moderators_chat = MODERATORS_CHAT;
        settings.poll_timeout_seconds = 1;
        change(&mut settings);
        Bench {
            fake,
            club,
            settings,
            adapter: None,
        }
    }

    /// Starts an adapter on the bench's club.
    pub fn launch(&mut self) {
        self.launch_with(fast_tuning(&self.settings));
    }

    /// Starts an adapter on the bench's club with `tuning`.
    pub fn launch_with(&mut self, tuning: Tuning) {
        let adapter = Telegram::new(
            self.club.club.clone(),
            self.settings.clone(),
            &SecretString::from(TOKEN),
            tuning,
        )
        .expect("the adapter is set up");
        self.adapter = Some(tokio::spawn(adapter.run()));
    }

    /// Whether the adapter's task is still running.
    pub fn adapter_running(&self) -> bool {
        self.adapter
            .as_ref()
            .is_some_and(|adapter| !adapter.is_finished())
    }

    /// Stops the adapter as a crash would, and starts a new process's worth:
    /// a new store pool and club on the same database file, a new adapter.
    pub async fn restart(&mut self) {
        if let Some(adapter) = self.adapter.take() {
            adapter.abort();
            let _ = adapter.await;
        }
        // The dead adapter's last long poll may still be open at the fake;
        // let it run out so it cannot take updates meant for the new one.
        tokio::time::sleep(fake::LONG_POLL + Duration::from_millis(50)).await;
        let store = fanclub::store::Store::open(
            &self.club.temp.url(),
            &fanclub::store::StoreOptions::default(),
        )
        .await
        .expect("the store reopens");
        self.club.club = fanclub::club::Club::open(
            store,
            self.club.club.config().clone(),
            self.club.clock.clone(),
        )
        .await
        .expect("the club reopens");
        self.launch();
    }

    /// Waits (bounded) until the recorded calls satisfy `done`.
    pub async fn until(&self, what: &str, done: impl Fn(&[Call]) -> bool) {
        self.fake.wait_for(what, WAIT, done).await;
    }

    /// Waits until the adapter polls, so it has started up.
    pub async fn polling(&self) {
        self.until("the adapter to poll", |calls| {
            calls.iter().any(|call| call.method == "getupdates")
        })
        .await;
    }

    /// Waits (bounded) until every notice in the outbox was delivered and
    /// recorded as such.
    pub async fn until_delivered(&self) {
        let deadline = Instant::now() + WAIT;
        loop {
            let counts = self.club.temp.store.notice_counts().await.expect("counts");
            if counts.undelivered == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "notices still undelivered: {counts:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until a message answering Telegram message `message_id` was
    /// delivered to `chat`, and returns it.
    pub async fn reply_to(&self, chat: i64, message_id: i64) -> Call {
        self.until(&format!("a reply to {message_id} in {chat}"), |calls| {
            calls.iter().any(|call| answers(call, chat, message_id))
        })
        .await;
        self.fake
            .calls()
            .into_iter()
            .find(|call| answers(call, chat, message_id))
            .expect("the reply")
    }

    /// The balance of the Telegram user `user`, 0 before they are known.
    pub async fn balance(&self, user: i64) -> i64 {
        let store = &self.club.temp.store;
        let member = store
            .identity_member(Platform::Telegram, &user.to_string())
            .await
            .expect("the store works");
        match member {
            Some(member) => store.balance(member.id).await.expect("a balance"),
            None => 0,
        }
    }

    /// Waits (bounded) until `user`'s balance is `expected`.
    pub async fn until_balance(&self, user: i64, expected: i64) {
        let deadline = Instant::now() + WAIT;
        loop {
            let balance = self.balance(user).await;
            if balance == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the balance of {user} stayed {balance}, expected {expected}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Log output captured from the test's thread. The default test runtime
/// has one thread, so the adapter's tasks log into the subscriber set here.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Captures everything at INFO and above until the guard is dropped.
    pub fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Prints the captured logs when the test fails.
pub struct ShowLogsOnPanic(pub Logs);

impl Drop for ShowLogsOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("logs:\n{}", self.0.text());
        }
    }
}

/// Whether `call` delivered a message to `chat` answering `message_id`.
fn answers(call: &Call, chat: i64, message_id: i64) -> bool {
    call.method == "sendmessage"
        && call.ok()
        && call.chat() == Some(chat)
        && call.reply_to() == Some(message_id)
}
