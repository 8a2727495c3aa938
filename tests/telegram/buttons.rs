//! Story 6: buttons and moderators. Every callback query is answered; a
//! button that does not belong to its message is refused politely; only
//! moderators (configured ids or administrators of the moderators' chat)
//! decide claims and run moderators' commands.

use super::Bench;
use super::fake::Call;
use super::fixtures::{GROUP, MODERATORS_CHAT, callback, message, user};

/// The Telegram id the fake gave the bot's reply to message `id` in `chat`.
async fn bot_reply_id(bench: &Bench, chat: i64, id: i64) -> i64 {
    bench
        .reply_to(chat, id)
        .await
        .message_id
        .expect("a sent message has an id")
}

fn answered_queries(calls: &[Call]) -> Vec<String> {
    calls
        .iter()
        .filter(|call| call.method == "answercallbackquery")
        .filter_map(|call| call.body["callback_query_id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn every_button_press_is_answered_and_a_forged_one_is_refused_politely() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna", "de");
    let ben = user(1002, "Ben", "en");
    bench.fake.push(&message(
        1,
        10,
        GROUP,
        &anna,
        "/faq Wie viele Punkte habe ich?",
        None,
    ));
    let answer = bot_reply_id(&bench, GROUP, 10).await;

    // A bystander finds the answer helpful: recorded, thanked.
    let helpful = "faq:yes:check-balance";
    bench.fake.push(&callback(
        2,
        "q-helpful",
        &ben,
        GROUP,
        answer,
        Some(helpful),
    ));
    // Data from a modified client, not among the message's buttons.
    let forged = "claim:approve:1";
    bench
        .fake
        .push(&callback(3, "q-forged", &ben, GROUP, answer, Some(forged)));
    // A button on a message the club never sent, and one without data.
    bench
        .fake
        .push(&callback(4, "q-unknown", &ben, GROUP, 999, Some(helpful)));
    bench
        .fake
        .push(&callback(5, "q-empty", &ben, GROUP, answer, None));

    bench
        .until("every callback query answered", |calls| {
            answered_queries(calls).len() == 4
        })
        .await;
    let mut answered = answered_queries(&bench.fake.calls());
    answered.sort();
    assert_eq!(answered, ["q-empty", "q-forged", "q-helpful", "q-unknown"]);

    bench
        .until("the thanks and the refusal", |calls| {
            calls
                .iter()
                .filter(|call| call.method == "sendmessage" && call.reply_to() == Some(answer))
                .count()
                == 2
        })
        .await;
    let texts: Vec<String> = bench
        .fake
        .delivered_to(GROUP)
        .iter()
        .filter(|call| call.reply_to() == Some(answer))
        .map(|call| call.text().to_owned())
        .collect();
    assert_eq!(
        texts,
        [
            "Thanks for your feedback, glad it helped!",
            "That button does not belong to that message."
        ]
    );
}

#[tokio::test]
async fn administrators_of_the_moderators_chat_may_grant_and_members_may_not() {
    let bench = Bench::start().await;
    let moderator = user(1009, "Mod", "de");
    bench.fake.set_administrators(vec![moderator.clone()]);
    let anna = user(1001, "Anna", "de");
    let ben = user(1002, "Ben", "en");
    bench
        .fake
        .push(&message(1, 60, GROUP, &anna, "Hallo zusammen", None));
    bench.fake.push(&message(
        2,
        61,
        GROUP,
        &ben,
        "/grant @anna 50 Beta-Test",
        None,
    ));
    let refused = bench.reply_to(GROUP, 61).await;
    assert_eq!(refused.text(), "Only moderators can use /grant.");
    bench.fake.push(&message(
        3,
        62,
        GROUP,
        &moderator,
        "/grant @anna 50 Beta-Test",
        None,
    ));
    bench.reply_to(GROUP, 62).await;
    assert_eq!(bench.balance(1001).await, 50);
    assert_eq!(bench.balance(1002).await, 0);
    // Read once for both commands: cached for admin_cache_seconds.
    assert_eq!(bench.fake.calls_of("getChatAdministrators").len(), 1);
}

/// The claim message in the moderators' chat: its id and its buttons.
fn claim_message(calls: &[Call]) -> Option<(i64, Vec<String>)> {
    calls
        .iter()
        .find(|call| {
            call.method == "sendmessage" && call.ok() && call.chat() == Some(MODERATORS_CHAT)
        })
        .map(|call| (call.message_id.unwrap_or_default(), call.button_actions()))
}

#[tokio::test]
async fn a_claim_waits_in_the_moderators_chat_and_only_a_moderator_approves_it() {
    let (logs, _guard) = super::Logs::capture();
    let _shown = super::ShowLogsOnPanic(logs);
    let bench = Bench::start().await;
    let moderator = user(1009, "Mod", "de");
    bench.fake.set_administrators(vec![moderator.clone()]);
    let anna = user(1001, "Anna", "de");
    let ben = user(1002, "Ben", "en");
    bench
        .fake
        .push(&message(1, 70, GROUP, &anna, "Hallo zusammen", None));
    let grant = "/grant @anna 500 Beta-Test Sommer";
    bench
        .fake
        .push(&message(2, 71, GROUP, &moderator, grant, None));
    bench.until_balance(1001, 500).await;

    // Anna redeems a mug; the claim appears for the moderators, with buttons.
    bench
        .fake
        .push(&message(3, 72, GROUP, &anna, "/redeem mug", None));
    bench.reply_to(GROUP, 72).await;
    bench
        .until("the claim in the moderators' chat", |calls| {
            claim_message(calls).is_some()
        })
        .await;
    let (claim, actions) = claim_message(&bench.fake.calls()).expect("the claim message");
    assert_eq!(actions.len(), 2, "{actions:?}");
    let approve = actions
        .iter()
        .find(|action| action.contains("approve"))
        .expect("an approve button")
        .clone();

    // Ben is no moderator: refused, politely, in the moderators' chat.
    bench.fake.push(&callback(
        4,
        "q-ben",
        &ben,
        MODERATORS_CHAT,
        claim,
        Some(&approve),
    ));
    let refusal = bench.reply_to(MODERATORS_CHAT, claim).await;
    assert!(refusal.text().contains("/approve"), "{}", refusal.text());

    // The moderator approves: the claim message loses its buttons, Anna is
    // told privately.
    bench.fake.push(&callback(
        5,
        "q-mod",
        &moderator,
        MODERATORS_CHAT,
        claim,
        Some(&approve),
    ));
    bench
        .until("Anna told privately", |calls| {
            calls
                .iter()
                .any(|call| call.method == "sendmessage" && call.ok() && call.chat() == Some(1001))
        })
        .await;
    bench
        .until("the claim message edited", |calls| {
            calls.iter().any(|call| {
                call.method == "editmessagetext"
                    && call.body["message_id"] == claim
                    && call.body["chat_id"] == MODERATORS_CHAT
            })
        })
        .await;
    let edit = bench
        .fake
        .calls_of("editMessageText")
        .into_iter()
        .find(|call| call.body["message_id"] == claim)
        .expect("the edit");
    assert!(
        !edit.button_actions().contains(&approve),
        "the decided claim still offers Approve"
    );
    assert_eq!(bench.balance(1001).await, 380);
    let answered = answered_queries(&bench.fake.calls());
    assert_eq!(answered.len(), 2, "{answered:?}");
}
