//! Stories 2 and 4: reactions and thanks on Telegram earn the helper points
//! by the club's rules; a withdrawn reaction takes them back; updates that
//! Telegram delivers again after a restart change nothing.

use serde_json::Value;

use super::Bench;
use super::fixtures::{GROUP, message, message_object, reaction, user};

/// Carla asks, Anna answers (as a reply), Ben and Dora react with 👍 and
/// ❤ (Telegram's heart has no variation selector), Carla says "danke".
fn helpful_answer_updates() -> Vec<Value> {
    let anna = user(1001, "Anna", "de");
    let ben = user(1002, "Ben", "en");
    let carla = user(1003, "Carla", "de");
    let dora = user(1004, "Dora", "de");
    let question_text = "Weiß jemand, warum mein Paket noch nicht da ist";
    let answer_text = "Schau unter Mein Konto nach der Sendungsnummer.";
    let question = message_object(30, GROUP, &carla, question_text);
    let answer = message_object(31, GROUP, &anna, answer_text);
    vec![
        message(101, 30, GROUP, &carla, question_text, None),
        message(102, 31, GROUP, &anna, answer_text, Some(question)),
        reaction(103, GROUP, 31, &ben, &[], &["👍"]),
        reaction(104, GROUP, 31, &dora, &[], &["❤"]),
        message(105, 32, GROUP, &carla, "danke!", Some(answer)),
    ]
}

#[tokio::test]
async fn an_answer_earns_points_from_two_reactions_and_a_thanks_and_a_withdrawn_reaction_reverses()
{
    let bench = Bench::start().await;
    for update in helpful_answer_updates() {
        bench.fake.push(&update);
    }
    // Three upvotes at points.upvote_points (2) each.
    bench.until_balance(1001, 6).await;
    let ben = user(1002, "Ben", "en");
    bench
        .fake
        .push(&reaction(106, GROUP, 31, &ben, &["👍"], &[]));
    bench.until_balance(1001, 4).await;
    // Voters earn nothing for voting.
    assert_eq!(bench.balance(1002).await, 0);
    assert_eq!(bench.balance(1003).await, 0);
}

#[tokio::test]
async fn updates_delivered_again_after_a_restart_credit_nothing_twice() {
    let mut bench = Bench::start().await;
    let updates = helpful_answer_updates();
    for update in &updates {
        bench.fake.push(update);
    }
    bench.until_balance(1001, 6).await;
    // Once this question is answered, every reply before it has gone out.
    let anna = user(1001, "Anna", "de");
    let marker = "/faq Wie viele Punkte habe ich?";
    bench
        .fake
        .push(&message(106, 34, GROUP, &anna, marker, None));
    bench.reply_to(GROUP, 34).await;
    // …and once the outbox knows it went out: a process killed between
    // Telegram's answer and that record sends the reply again (at least once).
    bench.until_delivered().await;
    let replies_before = bench.fake.calls_of("sendMessage").len();

    // The process dies before Telegram learnt that the updates were handled:
    // the next one gets them all again.
    bench.restart().await;
    let polls_before = bench.fake.calls_of("getUpdates").len();
    for update in &updates {
        bench.fake.push(update);
    }
    // A fresh question after the replays: once it is answered, every replay
    // before it has been handled (updates are handled in order).
    bench
        .fake
        .push(&message(107, 33, GROUP, &anna, marker, None));
    bench.reply_to(GROUP, 33).await;
    let handed_out: usize = bench.fake.calls_of("getUpdates")[polls_before..]
        .iter()
        .map(|call| call.updates)
        .sum();
    assert_eq!(
        handed_out,
        updates.len() + 1,
        "the new adapter got every replay"
    );

    assert_eq!(bench.balance(1001).await, 6, "a replay paid again");
    let replies_after = bench.fake.calls_of("sendMessage").len();
    assert_eq!(
        replies_after,
        replies_before + 1,
        "replayed updates were answered again"
    );
    let report = bench
        .club
        .temp
        .store
        .doctor()
        .await
        .expect("the doctor runs");
    assert!(report.is_healthy(), "{report}");
}

#[tokio::test]
async fn a_helper_earns_by_reactions_and_a_thanks_and_gets_one_private_digest_naming_who_upvoted() {
    let bench = Bench::start().await;
    for update in helpful_answer_updates() {
        bench.fake.push(&update);
    }
    bench.until_balance(1001, 6).await;
    let club = &bench.club.club;
    // Nothing is told before the digest window has passed…
    assert_eq!(club.send_digests().await.unwrap(), 0);
    let minutes = club.config().recognition.digest_minutes;
    bench
        .club
        .clock
        .advance(chrono::Duration::minutes(i64::from(minutes)));
    // …then one digest, once.
    assert_eq!(club.send_digests().await.unwrap(), 1);
    assert_eq!(club.send_digests().await.unwrap(), 0);
    bench
        .until("Anna's digest in her private chat", |calls| {
            calls
                .iter()
                .any(|call| call.method == "sendmessage" && call.ok() && call.chat() == Some(1001))
        })
        .await;
    // Time for a second one to show, were there one.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let told = bench.fake.delivered_to(1001);
    assert_eq!(told.len(), 1, "{told:#?}");
    let text = told[0].text();
    assert!(
        text.starts_with("+6 Punkte: 👍 von Ben und Dora, 🙏 Dank von Carla"),
        "in Anna's language, naming who upvoted: {text}"
    );
    assert!(
        bench.fake.delivered_to(GROUP).is_empty(),
        "the group is not told"
    );
}

#[tokio::test]
async fn a_member_who_switched_notices_off_hears_nothing_of_points_earned() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna", "de");
    bench
        .fake
        .push(&message(100, 29, 1001, &anna, "/notify off", None));
    let answer = bench.reply_to(1001, 29).await;
    assert!(answer.text().contains("nicht mehr"), "{}", answer.text());
    for update in helpful_answer_updates() {
        bench.fake.push(&update);
    }
    bench.until_balance(1001, 6).await;
    let club = &bench.club.club;
    bench.club.clock.advance(chrono::Duration::days(1));
    assert_eq!(club.send_digests().await.unwrap(), 0);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        bench.fake.delivered_to(1001).len(),
        1,
        "only the /notify answer"
    );
}

/// Ben reacts to a message from before the bot joined the group: it is
/// nobody's vote, and nobody is told anything about it. His next reaction,
/// on an answer the bot saw, pays as usual.
#[tokio::test]
async fn a_reaction_on_a_message_from_before_the_bot_joined_counts_for_nobody_and_says_nothing() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna", "de");
    let ben = user(1002, "Ben", "en");
    bench
        .fake
        .push(&reaction(201, GROUP, 7, &ben, &[], &["👍"]));
    let answer = "Schau unter Mein Konto nach der Sendungsnummer.";
    bench
        .fake
        .push(&message(202, 40, GROUP, &anna, answer, None));
    bench
        .fake
        .push(&reaction(203, GROUP, 40, &ben, &[], &["👍"]));
    // Updates of one chat are handled in order: the first reaction is done.
    bench.until_balance(1001, 2).await;
    let to_ben: Vec<_> = bench
        .fake
        .calls_of("sendMessage")
        .into_iter()
        .filter(|call| call.chat() == Some(1002))
        .collect();
    assert!(to_ben.is_empty(), "Ben was told: {to_ben:?}");
    assert_eq!(bench.balance(1002).await, 0);
}
