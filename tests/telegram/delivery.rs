//! Stories 3 and 5: replies get through Telegram's flood limits and server
//! failures exactly once; private answers go to the private chat, or, when
//! the member never started the bot, a hint with the deep link goes to the
//! group.

use std::time::Duration;

use super::fake::Failure;
use super::fixtures::{GROUP, message, user};
use super::{Bench, Logs, fast_tuning};

#[tokio::test]
async fn every_reply_arrives_exactly_once_through_flood_limits_and_a_bad_gateway() {
    let bench = Bench::start().await;
    bench.polling().await;
    let flood_waits = [1u32, 2, 1];
    bench.fake.fail_next(
        "sendMessage",
        &[
            Failure::TooManyRequests(flood_waits[0]),
            Failure::TooManyRequests(flood_waits[1]),
            Failure::TooManyRequests(flood_waits[2]),
            Failure::Server(502),
        ],
    );
    let askers = [
        user(1001, "Anna", "de"),
        user(1002, "Ben", "en"),
        user(1003, "Carla", "de"),
    ];
    for (n, asker) in askers.iter().enumerate() {
        let n = n as i64;
        let question = "/faq Wie viele Punkte habe ich?";
        bench
            .fake
            .push(&message(1 + n, 40 + n, GROUP, asker, question, None));
    }
    for id in 40..43 {
        bench.reply_to(GROUP, id).await;
    }
    // A last question: once it is answered, no retry of the others is left.
    let anna = &askers[0];
    bench.fake.push(&message(
        9,
        43,
        GROUP,
        anna,
        "/faq Wie verdiene ich Punkte?",
        None,
    ));
    bench.reply_to(GROUP, 43).await;

    let delivered = bench.fake.delivered_to(GROUP);
    for id in 40..44 {
        let copies = delivered
            .iter()
            .filter(|call| call.reply_to() == Some(id))
            .count();
        assert_eq!(copies, 1, "the reply to {id} arrived {copies} times");
    }
    let attempts = bench.fake.calls_of("sendMessage");
    let statuses: Vec<u16> = attempts.iter().map(|call| call.status).collect();
    assert_eq!(&statuses[..5], [429, 429, 429, 502, 200], "{statuses:?}");
    // After each 429 the adapter waited `retry_after` (a second is 40 ms here).
    for (n, seconds) in flood_waits.iter().enumerate() {
        let waited = attempts[n + 1].at - attempts[n].at;
        let asked = Duration::from_millis(40) * *seconds;
        assert!(
            waited >= asked,
            "retried after {waited:?}, Telegram asked for {asked:?}"
        );
    }
}

#[tokio::test]
async fn a_balance_asked_in_the_group_is_answered_in_the_private_chat() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna", "de");
    bench
        .fake
        .push(&message(1, 50, GROUP, &anna, "/balance", None));
    bench
        .until("the balance in Anna's private chat", |calls| {
            calls
                .iter()
                .any(|call| call.method == "sendmessage" && call.ok() && call.chat() == Some(1001))
        })
        .await;
    let in_group = bench
        .fake
        .calls_of("sendMessage")
        .into_iter()
        .filter(|call| call.chat() == Some(GROUP))
        .count();
    assert_eq!(in_group, 0, "the balance was posted in the group");
}

#[tokio::test]
async fn a_member_who_never_started_the_bot_gets_the_deep_link_in_the_group_in_their_language() {
    let bench = Bench::start().await;
    bench.fake.forbid_chat(1002);
    bench.fake.forbid_chat(1003);
    let ben = user(1002, "Ben", "en");
    let carla = user(1003, "Carla", "de");
    bench
        .fake
        .push(&message(1, 51, GROUP, &ben, "/balance", None));
    bench
        .fake
        .push(&message(2, 52, GROUP, &carla, "/history", None));

    let link = "https://t.me/fanclub_bot?start=hello";
    let to_ben = bench.reply_to(GROUP, 51).await;
    assert!(to_ben.text().contains(link), "{}", to_ben.text());
    assert!(to_ben.text().contains("privately"), "{}", to_ben.text());
    let to_carla = bench.reply_to(GROUP, 52).await;
    assert!(to_carla.text().contains(link), "{}", to_carla.text());
    assert!(
        to_carla.text().contains("lieber privat"),
        "{}",
        to_carla.text()
    );

    let refused = bench
        .fake
        .calls_of("sendMessage")
        .into_iter()
        .filter(|call| call.status == 403)
        .count();
    assert_eq!(refused, 2, "each private answer was tried once");
}

#[tokio::test]
async fn one_group_gets_telegrams_pace_without_holding_up_a_private_chat() {
    let mut bench = Bench::idle(|_| {}).await;
    // Long enough that answering one more question (the model runs in
    // every handler, on a loaded CI machine too) fits between two turns.
    let pace = Duration::from_secs(1);
    let mut tuning = fast_tuning(&bench.settings);
    tuning.group_interval = pace;
    bench.launch_with(tuning);
    let question = "/faq Wie viele Punkte habe ich?";
    let askers = [
        user(1001, "Anna", "de"),
        user(1002, "Ben", "en"),
        user(1003, "Carla", "de"),
    ];
    for (n, asker) in askers.iter().enumerate() {
        let n = n as i64;
        bench
            .fake
            .push(&message(1 + n, 80 + n, GROUP, asker, question, None));
    }
    let dora = user(1004, "Dora", "de");
    bench.fake.push(&message(
        4,
        83,
        1004,
        &dora,
        "Wie viele Punkte habe ich?",
        None,
    ));
    bench.reply_to(GROUP, 82).await;
    let private = bench.reply_to(1004, 83).await;

    let group = bench.fake.delivered_to(GROUP);
    assert_eq!(group.len(), 3);
    for pair in group.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= pace, "two messages to the group {gap:?} apart");
    }
    // The private question came last, when the group's second and third
    // answers were already waiting for their turn; it did not wait behind them.
    assert!(
        private.at < group[2].at,
        "the private answer waited for the group's pace"
    );
}

#[tokio::test]
async fn a_message_telegram_refuses_for_good_is_given_up_once_and_logged_with_the_reason() {
    let (logs, _guard) = Logs::capture();
    let bench = Bench::start().await;
    bench.polling().await;
    bench.fake.fail_next(
        "sendMessage",
        &[Failure::BadRequest("Bad Request: message is too long")],
    );
    let anna = user(1001, "Anna", "de");
    let question = "/faq Wie viele Punkte habe ich?";
    bench
        .fake
        .push(&message(1, 90, GROUP, &anna, question, None));
    bench
        .fake
        .push(&message(2, 91, GROUP, &anna, question, None));
    bench.reply_to(GROUP, 91).await;

    let attempts = bench.fake.calls_of("sendMessage");
    let to_first: Vec<u16> = attempts
        .iter()
        .filter(|call| call.reply_to() == Some(90))
        .map(|call| call.status)
        .collect();
    assert_eq!(to_first, [400], "a hopeless message was retried");
    let logged = logs.text();
    assert!(logged.contains("given up"), "{logged}");
    assert!(logged.contains("message is too long"), "{logged}");
}
