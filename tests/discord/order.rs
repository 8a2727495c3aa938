//! A channel's messages and reactions are handled in the order Discord
//! sent them, even when they come faster than the bot handles them
//! (serenity runs every event on a task of its own).

use std::time::Duration;

use super::Bench;
use super::fixtures::{CHANNEL, message_create, reaction, user};
use fanclub::club::model::{MessageId, Platform};

#[tokio::test]
async fn a_burst_of_messages_in_one_channel_is_recorded_in_the_order_discord_sent_it() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna");
    // The adapter is ready and has seen a message before the burst.
    bench.post(99, &anna, "Hallo zusammen", None).await;
    let burst: Vec<u64> = (100..140).collect();
    for id in &burst {
        bench.fake.dispatch(
            "MESSAGE_CREATE",
            &message_create(*id, &anna, &format!("Nachricht {id}"), None),
        );
    }
    bench.post(140, &anna, "Das war's", None).await;
    let mut recorded = Vec::new();
    for id in &burst {
        let message: MessageId = bench
            .club
            .club
            .message_by_external(Platform::Discord, &CHANNEL.to_string(), &id.to_string())
            .await
            .expect("the store works")
            .unwrap_or_else(|| panic!("message {id} was recorded before the one after it"));
        recorded.push(message.0);
    }
    let mut sorted = recorded.clone();
    sorted.sort();
    assert_eq!(
        recorded, sorted,
        "the store recorded the burst out of order"
    );
}

#[tokio::test]
async fn a_reaction_taken_back_at_once_pays_nothing_however_fast_the_two_come() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna");
    let carla = user(1003, "Carla");
    bench
        .post(30, &carla, "Wo finde ich meine Rechnung?", None)
        .await;
    bench
        .post(31, &anna, "Unter Mein Konto, Bestellungen.", Some(30))
        .await;
    // Twenty fans upvote and take it back at once, one after another.
    for fan in 0..20 {
        let fan = user(2000 + fan, &format!("Fan {fan}"));
        bench
            .fake
            .dispatch("MESSAGE_REACTION_ADD", &reaction(31, &fan, "👍", true));
        bench
            .fake
            .dispatch("MESSAGE_REACTION_REMOVE", &reaction(31, &fan, "👍", false));
    }
    // One more upvote stays: the last event of the channel.
    let dora = user(1004, "Dora");
    bench
        .fake
        .dispatch("MESSAGE_REACTION_ADD", &reaction(31, &dora, "👍", true));
    bench.until_balance(1001, 2).await;
    // Everything before it was handled first: nothing else comes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bench.balance(1001).await, 2);
}
