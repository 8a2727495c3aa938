//! Issue 12: a member links their Discord and Telegram accounts (both
//! adapters in one process on one store, each against its fake) and sees
//! one balance on both: what they earned on each side, summed.

use std::time::{Duration, Instant};

use fanclub::club::ClubConfig;
use fanclub::club::model::Platform;

use super::Bench;
use super::both::telegram_beside;
use super::fixtures::{CHANNEL, slash, user};
use crate::linking::code_in;
use crate::support::TestClub;
use crate::telegram::fake::{Call as TelegramCall, FakeTelegram};
use crate::telegram::fixtures::{self as telegram, GROUP};

/// What both platforms say about Anna's points once she is one member:
/// 50 granted on Discord and 2 for an upvote on Telegram.
const ONE_BALANCE: &str = "52 Punkte · insgesamt verdient: 52 Punkte";

#[tokio::test]
async fn a_member_links_discord_and_telegram_and_sees_one_balance_on_both() {
    let club = TestClub::configured(|config: &mut ClubConfig| {
        config.points.min_voter_days = 0;
    })
    .await;
    let shared_club = club.club.clone();
    let bench = Bench::on(club).await;
    let (telegram_fake, telegram_task) = telegram_beside(shared_club).await;

    // On Discord a moderator grants Anna 50 points.
    let anna = user(1001, "Anna");
    let moderator = user(2009, "Dora");
    bench.post(70, &anna, "Hallo zusammen", None).await;
    bench
        .grant(8101, &moderator, &anna, "50", "Beta-Test")
        .await;
    bench.until_balance(1001, 50).await;

    // On Telegram (another account, id 5001) her answer earns an upvote.
    let anna_on_telegram = telegram::user(5001, "Anna", "de");
    let carla = telegram::user(5003, "Carla", "de");
    let ben = telegram::user(5002, "Ben", "de");
    let question = telegram::message_object(30, GROUP, &carla, "Wie verdiene ich Punkte?");
    telegram_fake.push(&telegram::message(
        1,
        30,
        GROUP,
        &carla,
        "Wie verdiene ich Punkte?",
        None,
    ));
    telegram_fake.push(&telegram::message(
        2,
        31,
        GROUP,
        &anna_on_telegram,
        "Hilf anderen im Support-Kanal.",
        Some(question),
    ));
    telegram_fake.push(&telegram::reaction(3, GROUP, 31, &ben, &[], &["👍"]));
    until_telegram_balance(&bench, "5001", 2).await;

    // `/link` on Discord: the code is answered only to Anna.
    bench
        .interact(&slash(8102, "link", &[], &anna, &[], CHANNEL))
        .await;
    assert!(
        deferred_ephemerally(&bench, "token-8102"),
        "the code is for Anna alone"
    );
    let asked = bench.answer_to("token-8102").await;
    assert_eq!(asked.route, "original", "{asked:?}");
    let code = code_in(asked.text());

    // She sends it to the bot privately on Telegram.
    telegram_fake.push(&telegram::message(
        4,
        40,
        5001,
        &anna_on_telegram,
        &format!("/link {code}"),
        None,
    ));
    let linked = reply_on_telegram(&telegram_fake, 5001, 40).await;
    assert!(
        linked.text().contains("discord") && linked.text().contains("telegram"),
        "{}",
        linked.text()
    );
    bench.until_balance(1001, 52).await;

    // `/balance` on both platforms: one balance, the sum.
    bench
        .interact(&slash(8103, "balance", &[], &anna, &[], CHANNEL))
        .await;
    let on_discord = bench.answer_to("token-8103").await;
    assert!(deferred_ephemerally(&bench, "token-8103"));
    assert_eq!(on_discord.route, "original", "{on_discord:?}");
    telegram_fake.push(&telegram::message(
        5,
        41,
        5001,
        &anna_on_telegram,
        "/balance",
        None,
    ));
    let on_telegram = reply_on_telegram(&telegram_fake, 5001, 41).await;
    assert!(
        on_discord.text().contains(ONE_BALANCE),
        "{}",
        on_discord.text()
    );
    assert!(
        on_telegram.text().contains(ONE_BALANCE),
        "{}",
        on_telegram.text()
    );
    // The code was never said where others read.
    bench.until_delivered().await;
    assert!(
        !bench
            .fake
            .calls_to("message")
            .iter()
            .any(|call| call.text().contains(&code)),
        "the code in a channel"
    );
    assert!(bench.club.temp.store.doctor().await.unwrap().is_healthy());

    // She wants her private messages on Telegram: `/balance` on Discord is
    // answered there, and the Discord command says where instead of
    // "thinking…" for fifteen minutes.
    telegram_fake.push(&telegram::message(
        6,
        42,
        5001,
        &anna_on_telegram,
        "/notify here",
        None,
    ));
    reply_on_telegram(&telegram_fake, 5001, 42).await;
    let private_on_telegram = |calls: &[TelegramCall]| {
        calls
            .iter()
            .filter(|call| call.method == "sendmessage" && call.chat() == Some(5001))
            .count()
    };
    let before = private_on_telegram(&telegram_fake.calls());
    bench
        .interact(&slash(8104, "balance", &[], &anna, &[], CHANNEL))
        .await;
    let pointer = bench.answer_to("token-8104").await;
    assert_eq!(pointer.route, "original", "{pointer:?}");
    assert!(
        pointer.text().contains("private Nachricht auf Telegram"),
        "{}",
        pointer.text()
    );
    telegram_fake
        .wait_for("the balance on Telegram", super::WAIT, |calls| {
            calls.iter().any(|call| {
                call.method == "sendmessage"
                    && call.chat() == Some(5001)
                    && call.text().contains(ONE_BALANCE)
            }) && private_on_telegram(calls) > before
        })
        .await;
    telegram_task.abort();
}

/// Whether the interaction with `token` was deferred ephemerally, so that
/// its edited response is seen by the member who asked alone.
fn deferred_ephemerally(bench: &Bench, token: &str) -> bool {
    bench
        .fake
        .calls_to("callback")
        .iter()
        .find(|call| call.token() == Some(token))
        .is_some_and(|call| call.ephemeral())
}

/// Waits for the bot's reply to Telegram message `message_id` in `chat`.
async fn reply_on_telegram(fake: &FakeTelegram, chat: i64, message_id: i64) -> TelegramCall {
    let answers = |call: &TelegramCall| {
        call.method == "sendmessage"
            && call.ok()
            && call.chat() == Some(chat)
            && call.reply_to() == Some(message_id)
    };
    fake.wait_for(
        &format!("a reply to {message_id} on Telegram"),
        super::WAIT,
        |calls| calls.iter().any(answers),
    )
    .await;
    fake.calls().into_iter().find(answers).expect("the reply")
}

/// Waits (bounded) until the Telegram account `user` has `expected` points.
async fn until_telegram_balance(bench: &Bench, user: &str, expected: i64) {
    let store = &bench.club.temp.store;
    let deadline = Instant::now() + super::WAIT;
    loop {
        let member = store
            .identity_member(Platform::Telegram, user)
            .await
            .unwrap();
        let balance = match member {
            Some(member) => store.balance(member.id).await.unwrap(),
            None => 0,
        };
        if balance == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{user} stayed at {balance}, expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
