//! Chats side by side: updates of different chats are handled at the same
//! time, each chat's in the order Telegram sent them; updates taken from
//! Telegram but not handled when the process died are handled at the next
//! start (the inbox), once.

use std::time::{Duration, Instant};

use fanclub::club::model::Platform;
use fanclub::store::inbox::InboxUpdate;
use serde_json::Value;

use super::fixtures::{GROUP, message, message_object, reaction, user};
use super::{Bench, WAIT};

const OTHER_GROUP: i64 = -100_777;

/// In `chat`: `asker` asks, `helper` answers as a reply, `asker` thanks the
/// answer. Each later update needs the earlier ones handled first.
fn thanked_answer(first_update: i64, chat: i64, asker: &Value, helper: &Value) -> Vec<Value> {
    let question_id = first_update * 10;
    let answer_id = question_id + 1;
    let question_text = "Wo finde ich die Sendungsnummer?";
    let answer_text = "Unter Mein Konto, Bestellungen.";
    let question = message_object(question_id, chat, asker, question_text);
    let answer = message_object(answer_id, chat, helper, answer_text);
    vec![
        message(first_update, question_id, chat, asker, question_text, None),
        message(
            first_update + 1,
            answer_id,
            chat,
            helper,
            answer_text,
            Some(question),
        ),
        message(
            first_update + 2,
            answer_id + 1,
            chat,
            asker,
            "danke!",
            Some(answer),
        ),
    ]
}

#[tokio::test]
async fn two_chats_interleaved_in_one_batch_each_keep_their_order() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna", "de");
    let carla = user(1003, "Carla", "de");
    let eric = user(1005, "Eric", "en");
    let fiona = user(1006, "Fiona", "en");
    let here = thanked_answer(201, GROUP, &carla, &anna);
    let there = thanked_answer(211, OTHER_GROUP, &fiona, &eric);
    // One getUpdates hands out both chats' stories, interleaved.
    for (mine, theirs) in here.iter().zip(&there) {
        bench.fake.push(mine);
        bench.fake.push(theirs);
    }
    // A thanks counts only when the answer it thanks was seen first.
    bench.until_balance(1001, 2).await;
    bench.until_balance(1005, 2).await;
}

#[tokio::test]
async fn updates_taken_but_not_handled_when_the_process_died_are_handled_at_the_next_start() {
    let mut bench = Bench::idle(|_| {}).await;
    let anna = user(1001, "Anna", "de");
    let ben = user(1002, "Ben", "en");
    let carla = user(1003, "Carla", "de");
    let mut taken = thanked_answer(301, GROUP, &carla, &anna);
    taken.push(reaction(304, GROUP, 3011, &ben, &[], &["👍"]));
    // The last run wrote them to its inbox, confirmed them to Telegram by
    // its next getUpdates, and died before handling them.
    let store = bench.club.temp.store.clone();
    let kept: Vec<InboxUpdate> = taken
        .iter()
        .map(|update| InboxUpdate {
            update_id: update["update_id"].as_i64().unwrap(),
            body: update.to_string(),
        })
        .collect();
    store
        .inbox_exchange(Platform::Telegram, &kept, &[], chrono::Utc::now())
        .await
        .unwrap();

    bench.launch();
    // The thanks and Ben's reaction: two upvotes.
    bench.until_balance(1001, 4).await;
    let handed_out: usize = bench
        .fake
        .calls_of("getUpdates")
        .iter()
        .map(|call| call.updates)
        .sum();
    assert_eq!(handed_out, 0, "Telegram had nothing to hand out again");

    // Handled updates leave the inbox with the next poll.
    let deadline = Instant::now() + WAIT;
    while !store
        .inbox_waiting(Platform::Telegram)
        .await
        .unwrap()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "the inbox kept handled updates");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn updates_kept_in_the_inbox_come_back_exactly_as_telegram_sent_them_until_handled() {
    let temp = crate::support::TempStore::new().await;
    let store = &temp.store;
    let now = chrono::Utc::now();
    // Whatever a member can type ends up in an update's JSON: quotes,
    // backslashes, line breaks, emoji, right-to-left text; and update ids
    // beyond what a double holds exactly.
    let odd_text = "\"quoted\" \\ back\\slash\nnew line 👍🏽 שלום \u{202e}reversed";
    let first = InboxUpdate {
        update_id: 9_007_199_254_740_993,
        body: serde_json::json!({"update_id": 9_007_199_254_740_993_i64, "message": {"text": odd_text}})
            .to_string(),
    };
    let second = InboxUpdate {
        update_id: 9_007_199_254_740_994,
        body: "{\"update_id\":9007199254740994}".to_owned(),
    };
    let batch = vec![first.clone(), second.clone()];
    store
        .inbox_exchange(Platform::Telegram, &batch, &[], now)
        .await
        .unwrap();
    // The same batch fetched again (an unconfirmed getUpdates) keeps one
    // copy of each.
    store
        .inbox_exchange(Platform::Telegram, &batch, &[], now)
        .await
        .unwrap();
    assert_eq!(
        store.inbox_waiting(Platform::Telegram).await.unwrap(),
        batch,
        "each update once, byte for byte, oldest first"
    );

    // The first handled: it leaves with the next batch, which is kept.
    let third = InboxUpdate {
        update_id: 9_007_199_254_740_995,
        body: "{}".to_owned(),
    };
    store
        .inbox_exchange(
            Platform::Telegram,
            std::slice::from_ref(&third),
            &[first.update_id],
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        store.inbox_waiting(Platform::Telegram).await.unwrap(),
        vec![second, third],
    );
    assert!(
        store
            .inbox_waiting(Platform::Discord)
            .await
            .unwrap()
            .is_empty(),
        "another platform's inbox is its own"
    );
}
