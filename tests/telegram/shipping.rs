//! The shop ships, on Telegram (issue 13): a claim on a T-shirt in size L
//! asks for the address in a private chat, the member's private answer is
//! stored with the claim, the moderators' chat hears that it is in, a
//! moderator's private `/pending` shows it, and no group ever does.

use super::Bench;
use super::fake::Call;
use super::fixtures::{GROUP, MODERATORS_CHAT, message, user};

const ADDRESS: &str = "Anna Berg, Hauptstraße 5, 50667 Köln";

fn sent_to(calls: &[Call], chat: i64, needle: &str) -> bool {
    calls.iter().any(|call| {
        call.method == "sendmessage"
            && call.ok()
            && call.chat() == Some(chat)
            && call.text().contains(needle)
    })
}

#[tokio::test]
async fn a_shirt_in_size_l_asks_for_the_address_privately_and_the_group_never_sees_it() {
    let bench = Bench::start().await;
    let moderator = user(1009, "Mod", "de");
    bench.fake.set_administrators(vec![moderator.clone()]);
    let anna = user(1001, "Anna", "de");
    bench
        .fake
        .push(&message(1, 70, GROUP, &anna, "Hallo zusammen", None));
    bench.fake.push(&message(
        2,
        71,
        GROUP,
        &moderator,
        "/grant @anna 500 Beta-Test",
        None,
    ));
    bench.until_balance(1001, 500).await;

    bench
        .fake
        .push(&message(3, 72, GROUP, &anna, "/redeem tshirt-2026 L", None));
    bench
        .until("the claim with its size in the moderators' chat", |calls| {
            sent_to(calls, MODERATORS_CHAT, "(tshirt-2026, Größe: L)")
        })
        .await;
    bench
        .until("the question for the address, privately", |calls| {
            sent_to(calls, 1001, "Postanschrift")
        })
        .await;

    // Anna answers in her private chat with the bot.
    bench.fake.push(&message(4, 80, 1001, &anna, ADDRESS, None));
    bench
        .until("the moderators' chat told the address is in", |calls| {
            sent_to(calls, MODERATORS_CHAT, "liegt vor")
        })
        .await;
    bench
        .until("Anna told it is saved", |calls| {
            sent_to(calls, 1001, "ist gespeichert")
        })
        .await;
    let claim = bench.club.temp.store.claim(1).await.unwrap().unwrap();
    assert_eq!(claim.address.as_deref(), Some(ADDRESS));
    assert_eq!(claim.options.get("size").map(String::as_str), Some("L"));

    // A moderator sees it privately; asked in the group, /pending keeps it out.
    bench
        .fake
        .push(&message(5, 90, 1009, &moderator, "/pending", None));
    bench
        .until("the address in the moderator's private chat", |calls| {
            sent_to(calls, 1009, ADDRESS)
        })
        .await;
    bench
        .fake
        .push(&message(6, 91, GROUP, &moderator, "/pending", None));
    bench
        .until("/pending answered in the group", |calls| {
            sent_to(calls, GROUP, "Anschrift liegt vor")
        })
        .await;
    bench.until_delivered().await;
    let in_group: Vec<String> = bench
        .fake
        .calls()
        .iter()
        .filter(|call| call.chat().is_some_and(|chat| chat < 0))
        .map(|call| call.text().to_owned())
        .collect();
    assert!(!in_group.is_empty());
    assert!(
        in_group.iter().all(|text| !text.contains("Hauptstraße")),
        "a group saw the address: {in_group:#?}"
    );
}
