//! Story 1: members ask, in German and in English, and get the FAQ's answer
//! in their own language with the "helpful" / "not helpful" keyboard.

use super::Bench;
use super::fixtures::{GROUP, message, user};

#[tokio::test]
async fn a_member_asking_with_faq_in_german_gets_the_german_answer_with_feedback_buttons() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna", "de");
    bench.fake.push(&message(
        1,
        10,
        GROUP,
        &anna,
        "/faq Wie viele Punkte habe ich?",
        None,
    ));
    let reply = bench.reply_to(GROUP, 10).await;
    assert!(
        reply
            .text()
            .starts_with("Wie sehe ich, wie viele Punkte ich habe?\nSchreib /balance."),
        "not the German answer: {}",
        reply.text()
    );
    assert_eq!(
        reply.button_actions(),
        ["faq:yes:check-balance", "faq:no:check-balance"]
    );
}

#[tokio::test]
async fn an_unprompted_english_question_in_the_group_gets_the_english_answer() {
    let bench = Bench::start().await;
    let ben = user(1002, "Ben", "en-GB");
    bench
        .fake
        .push(&message(1, 11, GROUP, &ben, "How do I earn points?", None));
    let reply = bench.reply_to(GROUP, 11).await;
    assert!(
        reply
            .text()
            .starts_with("How do I earn points?\nHelp other members."),
        "not the English answer: {}",
        reply.text()
    );
    assert_eq!(
        reply.button_actions(),
        ["faq:yes:earn-points", "faq:no:earn-points"]
    );
}

#[tokio::test]
async fn commands_for_this_bot_by_name_are_answered_and_those_for_another_bot_are_not() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna", "de");
    bench.fake.push(&message(
        1,
        20,
        GROUP,
        &anna,
        "/faq@other_bot Wie viele Punkte habe ich?",
        None,
    ));
    bench.fake.push(&message(
        2,
        21,
        GROUP,
        &anna,
        "/faq@Fanclub_Bot Wie viele Punkte habe ich?",
        None,
    ));
    let reply = bench.reply_to(GROUP, 21).await;
    assert!(
        reply.text().contains("Schreib /balance."),
        "{}",
        reply.text()
    );
    // Updates are handled in order: by now the first one was passed over.
    let to_first = bench
        .fake
        .delivered_to(GROUP)
        .into_iter()
        .filter(|call| call.reply_to() == Some(20))
        .count();
    assert_eq!(to_first, 0, "a command for another bot was answered");
}
