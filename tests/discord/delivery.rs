//! Delivery to Discord through the outbox: a flood limit (429) waits its
//! `retry_after` and the message still goes out, once.

use std::time::Duration;

use super::Bench;
use super::fake::Failure;
use super::fixtures::{CHANNEL, user};

#[tokio::test]
async fn an_answer_refused_with_a_flood_limit_goes_out_after_its_retry_after() {
    let bench = Bench::start().await;
    // The first channel message gets a 429 asking for 0.5 s (50 ms here).
    bench.fake.fail("message", &[Failure::TooManyRequests(0.5)]);
    // Messages carry no locale on Discord: Ben is answered in the club's
    // language (German) until an interaction tells his.
    let ben = user(1002, "Ben");
    bench.post(11, &ben, "How do I earn points?", None).await;
    let answer = bench
        .message_in(CHANNEL, |text| text.starts_with("Wie verdiene ich Punkte?"))
        .await;
    let attempts: Vec<_> = bench
        .fake
        .calls_to("message")
        .into_iter()
        .filter(|call| call.channel() == Some(CHANNEL))
        .collect();
    assert_eq!(attempts.len(), 2, "one refused, one delivered");
    assert_eq!(attempts[0].status, 429);
    assert!(
        answer.at - attempts[0].at >= Duration::from_millis(50),
        "sent again before retry_after was over"
    );
    // It answers Ben's message.
    assert_eq!(answer.body["message_reference"]["message_id"], "11");
    bench.until_delivered().await;
    let _ = Failure::Server(500);
}
