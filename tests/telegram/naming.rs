//! Who a moderator means on Telegram: a member without a username picked
//! from Telegram's mention list (a `text_mention` entity), a command sent as
//! a reply to the member's message, and a member who changed their username.

use serde_json::{Value, json};

use super::Bench;
use super::fake::Call;
use super::fixtures::{GROUP, assert_readable, message, message_object, user};

/// The adapter with Mod (1009) among the moderators' chat's administrators.
async fn bench_with_moderator() -> (Bench, Value) {
    let bench = Bench::start().await;
    let moderator = user(1009, "Mod", "de");
    bench.fake.set_administrators(vec![moderator.clone()]);
    (bench, moderator)
}

/// `update` is delivered; returns the bot's answer to its message in the group.
async fn answer_to(bench: &Bench, update: Value) -> Call {
    let message_id = update["message"]["message_id"].as_i64().expect("a message");
    bench.fake.push(&update);
    bench.reply_to(GROUP, message_id).await
}

/// Zoë has no username: Telegram can only mention her by a `text_mention`.
fn zoe() -> Value {
    json!({"id": 4242, "is_bot": false, "first_name": "Zoë", "last_name": "Berg", "language_code": "de"})
}

/// A moderator's grant to Zoë, picked from the mention list after `/grant`.
fn grant_by_mention(update_id: i64, message_id: i64, moderator: &Value) -> Value {
    let mut update = message(
        update_id,
        message_id,
        GROUP,
        moderator,
        "/grant Zoë Berg 5 Beta-Test",
        None,
    );
    update["message"]["entities"] = json!([
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "text_mention", "offset": 7, "length": 8, "user": zoe()}
    ]);
    assert_readable(&update);
    update
}

#[tokio::test]
async fn a_moderator_grants_to_a_member_without_a_username_picked_from_the_mention_list() {
    let (bench, moderator) = bench_with_moderator().await;
    bench
        .fake
        .push(&message(1, 80, GROUP, &zoe(), "Hallo!", None));
    let answer = answer_to(&bench, grant_by_mention(2, 81, &moderator)).await;
    assert!(
        answer.text().contains("Zoë Berg erhält 5 Punkte"),
        "{}",
        answer.text()
    );
    assert_eq!(bench.balance(4242).await, 5);
}

#[tokio::test]
async fn a_grant_sent_as_a_reply_goes_to_the_author_of_the_message_replied_to() {
    let (bench, moderator) = bench_with_moderator().await;
    let anna = user(1001, "Anna", "de");
    let tip = "Neustart der App hilft fast immer.";
    bench.fake.push(&message(1, 90, GROUP, &anna, tip, None));
    let replied = message_object(90, GROUP, &anna, tip);
    let grant = message(
        2,
        91,
        GROUP,
        &moderator,
        "/grant 10 guter Tipp",
        Some(replied),
    );
    answer_to(&bench, grant).await;
    assert_eq!(bench.balance(1001).await, 10);
    assert_eq!(bench.balance(1009).await, 0);
}

#[tokio::test]
async fn a_renamed_user_is_found_by_the_new_username_and_not_the_old() {
    let (bench, moderator) = bench_with_moderator().await;
    let anna = user(1001, "Anna", "de");
    let mut renamed = anna.clone();
    renamed["username"] = json!("anna_neu");
    bench
        .fake
        .push(&message(1, 100, GROUP, &anna, "Hallo", None));
    bench
        .fake
        .push(&message(2, 101, GROUP, &renamed, "Neuer Name!", None));
    let old_name = message(3, 102, GROUP, &moderator, "/grant @anna 5 Umfrage", None);
    let old = answer_to(&bench, old_name).await;
    assert_eq!(
        old.text(),
        "Ein Mitglied namens @anna kenne ich noch nicht."
    );
    let new_name = message(
        4,
        103,
        GROUP,
        &moderator,
        "/grant @anna_neu 5 Umfrage",
        None,
    );
    answer_to(&bench, new_name).await;
    assert_eq!(bench.balance(1001).await, 5);
}
