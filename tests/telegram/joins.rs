//! Issue 13, "A fair start", on Telegram: the bot learns who joined a
//! group from the join service message (`new_chat_members`) and from
//! chat-member updates; members it first sees otherwise were there before
//! it and may vote on its first day.

use chrono::{TimeZone, Utc};
use fanclub::club::model::Platform;
use serde_json::json;

use super::Bench;
use super::fixtures::{GROUP, chat, message, message_object, reaction, user};
use crate::support::TestClub;

#[tokio::test]
async fn on_launch_day_an_old_members_reaction_pays_and_a_newcomer_seen_joining_yesterday_does_not()
{
    let mut bench = Bench::idle(|_| {}).await;
    // The shipped rule: a voter must be a member for a day.
    bench.club = TestClub::new().await;
    bench.launch();
    let anna = user(1001, "Anna", "de");
    let ben = user(1002, "Ben", "de");
    let carla = user(1003, "Carla", "de");
    let neo = user(1004, "Neo", "de");
    let zoe = user(1005, "Zoe", "de");
    // The club's clock says 2 November 2026, 10:00 UTC; they joined the
    // evening before.
    let yesterday = Utc
        .with_ymd_and_hms(2026, 11, 1, 20, 0, 0)
        .unwrap()
        .timestamp();
    let question = message_object(30, GROUP, &carla, "Wo finde ich meine Rechnung?");
    bench.fake.push(&message(
        101,
        30,
        GROUP,
        &carla,
        "Wo finde ich meine Rechnung?",
        None,
    ));
    bench.fake.push(&message(
        102,
        31,
        GROUP,
        &anna,
        "Unter Mein Konto, Bestellungen.",
        Some(question),
    ));
    bench.fake.push(&json!({"update_id": 103, "message": {
        "message_id": 32, "date": yesterday, "chat": chat(GROUP), "from": neo,
        "new_chat_members": [neo]}}));
    bench.fake.push(&json!({"update_id": 104, "chat_member": {
        "chat": chat(GROUP), "from": zoe, "date": yesterday,
        "old_chat_member": {"user": zoe, "status": "left"},
        "new_chat_member": {"user": zoe, "status": "member"}}}));
    bench
        .fake
        .push(&reaction(105, GROUP, 31, &neo, &[], &["👍"]));
    bench
        .fake
        .push(&reaction(106, GROUP, 31, &zoe, &[], &["❤"]));
    // Ben was in the group before the bot: his reaction pays.
    bench
        .fake
        .push(&reaction(107, GROUP, 31, &ben, &[], &["🔥"]));
    bench.until_balance(1001, 2).await;
    let store = &bench.club.temp.store;
    for newcomer in ["1004", "1005"] {
        let member = store
            .identity_member(Platform::Telegram, newcomer)
            .await
            .unwrap()
            .expect("seen joining");
        assert!(member.join_known, "{member:?}");
        assert!(member.is_new(bench.club.club.now(), 1), "{member:?}");
    }
    let ben = store
        .identity_member(Platform::Telegram, "1002")
        .await
        .unwrap()
        .unwrap();
    assert!(!ben.is_new(bench.club.club.now(), 1));
    assert_eq!(
        bench.balance(1001).await,
        2,
        "the newcomers' votes paid nothing"
    );
}
