//! Buttons: a claim waits in the moderators' channel with Approve and
//! Reject; a member's press is refused to them alone, a moderator's press
//! decides, the message is edited without its buttons, and the claimant is
//! told by direct message.

use super::Bench;
use super::fake::Call;
use super::fixtures::{CHANNEL, MODERATOR_ROLE, MODERATORS_CHANNEL, Opt, button, slash, user};

/// The claim message in the moderators' channel: its id and its buttons.
fn claim_message(calls: &[Call]) -> Option<(u64, Vec<String>)> {
    calls
        .iter()
        .find(|call| {
            call.route == "message" && call.ok() && call.channel() == Some(MODERATORS_CHANNEL)
        })
        .map(|call| (call.message_id.unwrap_or_default(), call.buttons()))
}

#[tokio::test]
async fn a_claim_is_approved_by_a_moderators_button_and_refused_to_a_members_press() {
    let bench = Bench::start().await;
    let moderator = user(1009, "Mo");
    let anna = user(1001, "Anna");
    let ben = user(1002, "Ben");
    bench.post(70, &anna, "Hallo zusammen", None).await;
    bench
        .grant(7001, &moderator, &anna, "500", "Beta-Test Sommer")
        .await;
    bench.until_balance(1001, 500).await;

    // Anna redeems a mug; the claim appears for the moderators, with buttons.
    bench
        .interact(&slash(
            7002,
            "redeem",
            &[Opt::Text("item", "mug")],
            &anna,
            &[],
            CHANNEL,
        ))
        .await;
    bench.answer_to("token-7002").await;
    bench
        .until("the claim in the moderators' channel", |calls| {
            claim_message(calls).is_some()
        })
        .await;
    let (claim, actions) = claim_message(&bench.fake.calls()).unwrap();
    assert_eq!(actions.len(), 2, "{actions:?}");
    let approve = actions
        .iter()
        .find(|action| action.contains("approve"))
        .expect("an approve button")
        .clone();

    // Ben is no moderator: refused, to him alone.
    bench
        .interact(&button(
            7003,
            &approve,
            claim,
            MODERATORS_CHANNEL,
            &ben,
            &[],
        ))
        .await;
    let refusal = bench.answer_to("token-7003").await;
    assert_eq!(refusal.route, "followup");
    assert!(refusal.ephemeral(), "only Ben sees the refusal");
    assert!(refusal.text().contains("/approve"), "{}", refusal.text());
    bench.until_delivered().await;
    assert!(
        bench.fake.calls_to("edit").is_empty(),
        "nothing decided yet"
    );

    // The moderator approves: the claim message loses its buttons, Anna is
    // told by direct message.
    bench
        .interact(&button(
            7004,
            &approve,
            claim,
            MODERATORS_CHANNEL,
            &moderator,
            &[MODERATOR_ROLE],
        ))
        .await;
    bench
        .until("the claim message edited", |calls| {
            calls.iter().any(|call| {
                call.route == "edit"
                    && call.channel() == Some(MODERATORS_CHANNEL)
                    && call.message_id == Some(claim)
            })
        })
        .await;
    let edit = bench
        .fake
        .calls_to("edit")
        .into_iter()
        .find(|call| call.message_id == Some(claim))
        .unwrap();
    assert!(
        edit.buttons().is_empty(),
        "the decided claim still has buttons"
    );
    assert_eq!(edit.body["components"], serde_json::json!([]));
    bench
        .until("Anna told by direct message", |calls| {
            calls
                .iter()
                .any(|call| call.route == "dm" && call.body["recipient_id"] == "1001")
        })
        .await;
    bench.until_delivered().await;
    let told = bench
        .fake
        .calls_to("message")
        .into_iter()
        .filter(|call| {
            call.channel() != Some(MODERATORS_CHANNEL) && call.channel() != Some(CHANNEL)
        })
        .count();
    assert_eq!(told, 1, "one direct message to Anna");
    // The mug's cost (120 points) was held at the claim and is spent now.
    assert_eq!(bench.balance(1001).await, 380);
}
