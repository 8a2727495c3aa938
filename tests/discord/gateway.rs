//! The gateway drops and the bot resumes: events sent while it was away
//! arrive on RESUME, events it had already handled and the gateway sends
//! again change nothing, and start-up work is not repeated.

use std::time::Duration;

use super::fixtures::{reaction, user};
use super::{Bench, WAIT};

#[tokio::test]
async fn the_gateway_drops_and_resumes_without_losing_or_repeating_a_credit() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna");
    let ben = user(1002, "Ben");
    let carla = user(1003, "Carla");
    let dora = user(1004, "Dora");
    bench
        .post(30, &carla, "Wo finde ich meine Sendungsnummer?", None)
        .await;
    bench
        .post(31, &anna, "Unter Mein Konto, Bestellungen.", Some(30))
        .await;
    bench
        .fake
        .dispatch("MESSAGE_REACTION_ADD", &reaction(31, &ben, "👍", true));
    bench.until_balance(1001, 2).await;

    // The connection drops; Dora reacts while the bot is away.
    bench.fake.drop_connection();
    bench
        .fake
        .dispatch("MESSAGE_REACTION_ADD", &reaction(31, &dora, "👍", true));
    // The gateway also sends again what the bot had already handled (Ben's
    // reaction and the two messages).
    bench.fake.replay_seen_on_resume(3);
    let deadline = std::time::Instant::now() + WAIT;
    while bench.fake.resumes() == 0 || !bench.fake.connected() {
        assert!(
            std::time::Instant::now() < deadline,
            "the bot never resumed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        bench.fake.replayed() >= 1,
        "the gateway sent seen events again"
    );
    // Dora's vote is not lost …
    bench.until_balance(1001, 4).await;
    // … and Ben's is not paid twice, however long we look.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(bench.balance(1001).await, 4);
    // A RESUME, not a new session, and no second registration.
    assert_eq!(bench.fake.identifies(), 1);
    assert_eq!(bench.fake.calls_to("commands").len(), 1);
    let report = bench
        .club
        .temp
        .store
        .doctor()
        .await
        .expect("the doctor runs");
    assert!(report.is_healthy(), "{report}");
}
