//! Stories of the Discord adapter, end to end: the real adapter and the
//! real serenity client, pointed at a fake Discord on 127.0.0.1 ([`fake`]:
//! REST and the WebSocket gateway), and the club on a real SQLite file.
//! Outcomes are checked where they land: the calls the fake recorded, and
//! balances in the store.
//!
//! Every wait is bounded ([`WAIT`]); the adapter's backoffs and paces are
//! shrunk ([`fast_tuning`]).

pub mod fake;
pub mod fixtures;

mod both;
mod buttons;
mod commands;
mod delivery;
mod gateway;
mod joins;
mod linking;
mod order;
mod points;
mod privacy;
mod readable;
mod startup;

use std::time::{Duration, Instant};

use fanclub::club::ClubConfig;
use fanclub::club::model::{Member, Platform};
use fanclub::config::{DiscordSettings, Settings};
use fanclub::discord::{Discord, DiscordError, Tuning};
use secrecy::SecretString;
use serde_json::Value;
use tokio::task::JoinHandle;

use self::fake::{Call, FakeDiscord};
use self::fixtures::{CHANNEL, GUILD, MODERATOR_ROLE, MODERATORS_CHANNEL, Opt, slash};
use crate::support::TestClub;

/// A token shaped like a real one.
pub const TOKEN: &str = "MTA1OTk5OTk5OTk5OTk5OTk5.GabcDE.very-secret-discord-token-part";

/// The longest any story waits for something to happen.
pub const WAIT: Duration = Duration::from_secs(10);

/// Discord's patience, shrunk for tests.
pub fn fast_tuning() -> Tuning {
    Tuning {
        backoff_start: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(200),
        chat_interval: Duration::from_millis(5),
        global_interval: Duration::from_millis(1),
        max_attempts: 5,
        retry_after_unit: Duration::from_millis(100),
        attempt_timeout: Duration::from_secs(2),
        poll_interval: Duration::from_millis(20),
        ..Tuning::default()
    }
}

/// The adapter, the fake Discord and the club, wired together.
pub struct Bench {
    pub fake: FakeDiscord,
    pub club: TestClub,
    adapter: Option<JoinHandle<Result<(), DiscordError>>>,
}

impl Drop for Bench {
    fn drop(&mut self) {
        if let Some(adapter) = self.adapter.take() {
            adapter.abort();
        }
    }
}

impl Bench {
    /// The adapter running and connected, on a club where new members may
    /// vote at once (`points.min_voter_days = 0`).
    pub async fn start() -> Bench {
        let club = TestClub::configured(|config: &mut ClubConfig| {
            config.points.min_voter_days = 0;
        })
        .await;
        Bench::on(club).await
    }

    /// The adapter running and connected on `club`.
    pub async fn on(club: TestClub) -> Bench {
        Bench::on_with(club, |_| {}).await
    }

    /// The adapter running and connected on `club`, with the operator's
    /// Discord settings changed by `configure`.
    pub async fn on_with(club: TestClub, configure: impl FnOnce(&mut DiscordSettings)) -> Bench {
        let fake = FakeDiscord::start().await;
        let mut settings = Settings::defaults().discord;
        settings.api_url = fake.url.clone();
        settings.guilds = vec![GUILD];
        settings.moderators_channel = MODERATORS_CHANNEL;
        settings.moderator_roles = vec![MODERATOR_ROLE];
        configure(&mut settings);
        let adapter = Discord::new(
            club.club.clone(),
            settings.clone(),
            &SecretString::from(TOKEN),
            fast_tuning(),
        );
        let adapter = tokio::spawn(adapter.run());
        fake.until_connected(WAIT).await;
        Bench {
            fake,
            club,
            adapter: Some(adapter),
        }
    }

    /// Waits (bounded) until the recorded calls satisfy `done`.
    pub async fn until(&self, what: &str, done: impl Fn(&[Call]) -> bool) {
        self.fake.wait_for(what, WAIT, done).await;
    }

    /// Sends an interaction and waits until the bot acknowledged it.
    pub async fn interact(&self, interaction: &Value) {
        let token = interaction["token"].as_str().unwrap().to_owned();
        self.fake.dispatch("INTERACTION_CREATE", interaction);
        self.until("the interaction to be acknowledged", |calls| {
            calls
                .iter()
                .any(|call| call.route == "callback" && call.token() == Some(&token))
        })
        .await;
    }

    /// A moderator (with the moderators' role) grants `member` `amount`
    /// points with `reason` through slash `/grant`, as interaction `id`.
    pub async fn grant(
        &self,
        id: u64,
        moderator: &Value,
        member: &Value,
        amount: &str,
        reason: &str,
    ) {
        let options = [
            Opt::Member("member", member),
            Opt::Text("amount", amount),
            Opt::Text("reason", reason),
        ];
        self.interact(&slash(
            id,
            "grant",
            &options,
            moderator,
            &[MODERATOR_ROLE],
            CHANNEL,
        ))
        .await;
    }

    /// Waits for the first answer through interaction `token` (the edited
    /// deferred response or a follow-up) and returns it.
    pub async fn answer_to(&self, token: &str) -> Call {
        let answers = |calls: &[Call]| -> Option<Call> {
            calls
                .iter()
                .find(|call| {
                    matches!(call.route, "original" | "followup")
                        && call.ok()
                        && call.token() == Some(token)
                })
                .cloned()
        };
        self.until(&format!("an answer through {token}"), |calls| {
            answers(calls).is_some()
        })
        .await;
        answers(&self.fake.calls()).unwrap()
    }

    /// Waits for a message posted to `channel` whose text satisfies `fits`.
    pub async fn message_in(&self, channel: u64, fits: impl Fn(&str) -> bool) -> Call {
        let found = |calls: &[Call]| -> Option<Call> {
            calls
                .iter()
                .find(|call| {
                    call.route == "message"
                        && call.ok()
                        && call.channel() == Some(channel)
                        && fits(call.text())
                })
                .cloned()
        };
        self.until(&format!("a message in {channel}"), |calls| {
            found(calls).is_some()
        })
        .await;
        found(&self.fake.calls()).unwrap()
    }

    /// The balance of the Discord user `user`, 0 before they are known.
    pub async fn balance(&self, user: u64) -> i64 {
        let store = &self.club.temp.store;
        let member = store
            .identity_member(Platform::Discord, &user.to_string())
            .await
            .expect("the store works");
        match member {
            Some(member) => store.balance(member.id).await.expect("a balance"),
            None => 0,
        }
    }

    /// Waits (bounded) until the Discord user `user` is a member of the
    /// club, and returns the member.
    pub async fn until_member(&self, user: u64) -> Member {
        let deadline = Instant::now() + WAIT;
        loop {
            let member = self
                .club
                .temp
                .store
                .identity_member(Platform::Discord, &user.to_string())
                .await
                .expect("the store works");
            if let Some(member) = member {
                return member;
            }
            assert!(
                Instant::now() < deadline,
                "user {user} never became a member"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits (bounded) until `user`'s balance is `expected`.
    pub async fn until_balance(&self, user: u64, expected: i64) {
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

    /// Waits (bounded) until every notice in the outbox was delivered.
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

    /// A member's message in the support channel, recorded by the club
    /// once the bot saw it.
    pub async fn post(&self, id: u64, author: &Value, text: &str, reply_to: Option<u64>) {
        self.fake.dispatch(
            "MESSAGE_CREATE",
            &fixtures::message_create(id, author, text, reply_to),
        );
        let deadline = Instant::now() + WAIT;
        loop {
            let found = self
                .club
                .club
                .message_by_external(Platform::Discord, &CHANNEL.to_string(), &id.to_string())
                .await
                .expect("the store works");
            if found.is_some() {
                return;
            }
            assert!(Instant::now() < deadline, "message {id} was never recorded");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}
