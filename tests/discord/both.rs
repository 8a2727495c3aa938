//! Discord and Telegram in one process on one store: a claim made on
//! Discord waits in both moderators' places, a Telegram moderator decides
//! it, and the Discord-only claimant hears of it by direct message there.

use std::time::Duration;

use fanclub::club::{Club, ClubConfig};
use fanclub::config::Settings;
use fanclub::telegram::{Telegram, TelegramError};
use secrecy::SecretString;
use tokio::task::JoinHandle;

use super::Bench;
use super::fixtures::{CHANNEL, MODERATORS_CHANNEL, Opt, slash, user};
use crate::support::TestClub;
use crate::telegram::fake::FakeTelegram;
use crate::telegram::fixtures::{self as telegram, MODERATORS_CHAT};

#[tokio::test]
async fn a_claim_decided_on_telegram_reaches_its_discord_only_claimant_by_direct_message() {
    let club = TestClub::configured(|config: &mut ClubConfig| {
        config.points.min_voter_days = 0;
    })
    .await;
    let shared_club = club.club.clone();
    let bench = Bench::on(club).await;
    let (telegram_fake, telegram_task) = telegram_beside(shared_club).await;

    let anna = user(1001, "Anna");
    let discord_mod = user(2009, "Dora");
    bench.post(70, &anna, "Hallo zusammen", None).await;
    bench
        .grant(8001, &discord_mod, &anna, "500", "Beta-Test")
        .await;
    bench.until_balance(1001, 500).await;
    bench
        .interact(&slash(
            8002,
            "redeem",
            &[Opt::Text("item", "mug")],
            &anna,
            &[],
            CHANNEL,
        ))
        .await;

    // The claim waits in the Telegram moderators' chat …
    telegram_fake
        .wait_for("the claim on Telegram", super::WAIT, |calls| {
            calls.iter().any(|call| {
                call.method == "sendmessage" && call.ok() && call.chat() == Some(MODERATORS_CHAT)
            })
        })
        .await;
    let claim = telegram_fake
        .delivered_to(MODERATORS_CHAT)
        .into_iter()
        .find(|call| !call.button_actions().is_empty())
        .expect("the claim with buttons");
    let approve = claim
        .button_actions()
        .into_iter()
        .find(|action| action.contains("approve"))
        .unwrap();
    // … and in the Discord moderators' channel.
    let on_discord = bench.message_in(MODERATORS_CHANNEL, |_| true).await;
    assert_eq!(on_discord.buttons().len(), 2);

    // The Telegram moderator approves.
    let moderator = telegram::user(1009, "Mo", "de");
    telegram_fake.push(&telegram::callback(
        1,
        "q-mod",
        &moderator,
        MODERATORS_CHAT,
        claim.message_id.unwrap(),
        Some(&approve),
    ));
    // Anna, known only on Discord, is told there by direct message …
    bench
        .until("Anna's direct message on Discord", |calls| {
            calls
                .iter()
                .any(|call| call.route == "dm" && call.body["recipient_id"] == "1001")
        })
        .await;
    // … and the claim's message loses its buttons on Discord too.
    bench
        .until("the Discord claim message edited", |calls| {
            calls
                .iter()
                .any(|call| call.route == "edit" && call.message_id == on_discord.message_id)
        })
        .await;
    bench.until_delivered().await;
    let told: Vec<String> = bench
        .fake
        .calls_to("message")
        .into_iter()
        .filter(|call| ![CHANNEL, MODERATORS_CHANNEL].contains(&call.channel().unwrap_or(0)))
        .map(|call| call.text().to_owned())
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        !telegram_fake
            .calls_of("sendMessage")
            .iter()
            .any(|call| call.chat() == Some(1001) || call.chat() == Some(2009)),
        "nothing for Discord members on Telegram"
    );
    assert_eq!(bench.balance(1001).await, 380);
    telegram_task.abort();
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// The Telegram adapter on `club` (beside a Discord bench on the same
/// club), against a fake Bot API, polling: it delivers from the start.
pub(super) async fn telegram_beside(
    club: Club,
) -> (FakeTelegram, JoinHandle<Result<(), TelegramError>>) {
    let telegram_fake = FakeTelegram::start(crate::telegram::TOKEN).await;
    let mut settings = Settings::defaults().telegram;
    settings.api_url = telegram_fake.url.clone();
    settings.moderators_chat = MODERATORS_CHAT;
    settings.moderator_ids = vec![1009];
    settings.poll_timeout_seconds = 1;
    let tuning = crate::telegram::fast_tuning(&settings);
    let telegram_adapter = Telegram::new(
        club,
        settings,
        &SecretString::from(crate::telegram::TOKEN),
        tuning,
    )
    .expect("the Telegram adapter is set up");
    let telegram_task = tokio::spawn(telegram_adapter.run());
    telegram_fake
        .wait_for("Telegram polling", super::WAIT, |calls| {
            calls.iter().any(|call| call.method == "getupdates")
        })
        .await;
    (telegram_fake, telegram_task)
}
