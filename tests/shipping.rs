//! Stories of the shop that ships (issue 13): options such as a size,
//! postal addresses asked and answered privately, shown only to
//! moderators and erased after fulfilment, "did you mean" for unknown
//! items, claim numbers written as the bot writes them, and the export a
//! spreadsheet can open safely.

use fanclub::club::model::{Actor, Event, Incoming, MemberId, MessageId, Place, Platform};
use fanclub::club::reply::{Audience, Reply};

use crate::support::{TestClub, actor, group, said};

const ADDRESS: &str = "Alice Example, Hauptstraße 5, 50667 Köln, Germany";

/// A club where alice has 1000 points and mia moderates.
async fn club() -> (TestClub, Actor, Actor) {
    club_with(|_| {}).await
}

async fn club_with(
    change: impl FnOnce(&mut fanclub::club::ClubConfig),
) -> (TestClub, Actor, Actor) {
    let test = TestClub::configured(|config| {
        config.support_channels.clear();
        change(config);
    })
    .await;
    let (alice, mia) = (actor("alice", false), actor("mia", true));
    test.post(&alice, "Hallo!", "hello").await;
    test.send(said(&mia, "/grant @alice 1000 Beta-Test", "grant"))
        .await;
    (test, alice, mia)
}

/// `text` written by `who` to the bot in their private chat.
fn privately(who: &Actor, text: &str, key: &str) -> Incoming {
    Incoming {
        place: Place {
            platform: Platform::Telegram,
            id: who.external_id.clone(),
            private: true,
        },
        ..said(who, text, key)
    }
}

async fn member(test: &TestClub, who: &Actor) -> MemberId {
    test.temp
        .store
        .identity_member(who.platform, &who.external_id)
        .await
        .unwrap()
        .expect("a known member")
        .id
}

fn in_public(reply: &Reply) -> bool {
    matches!(&reply.audience, Audience::Place(place) if !place.private)
}

/// Every text of `replies`, translations included.
fn all_texts(replies: &[Reply]) -> Vec<&str> {
    replies
        .iter()
        .flat_map(|reply| {
            std::iter::once(reply.text.as_str())
                .chain(reply.translations.iter().map(|(_, text)| text.as_str()))
        })
        .collect()
}

/// Records `reply` as sent in the group, as the deliverer does.
async fn sent(test: &TestClub, reply: &Reply) -> MessageId {
    test.club
        .record_sent(Platform::Telegram, &group(), Some("sent-1"), reply)
        .await
        .unwrap()
}

/// Presses the button labelled `label` on `reply`, sent as `message`.
async fn press(
    test: &TestClub,
    who: &Actor,
    (message, reply): (MessageId, &Reply),
    label: &str,
    key: &str,
) -> Vec<Reply> {
    let action = reply
        .buttons
        .iter()
        .find(|button| button.label == label)
        .unwrap_or_else(|| panic!("no button {label} on {reply:?}"))
        .action
        .clone();
    test.send(Incoming {
        actor: who.clone(),
        place: group(),
        event_key: Some(key.to_owned()),
        event: Event::Button { message, action },
    })
    .await
    .replies
}

#[tokio::test]
async fn a_tshirt_claimed_in_size_l_shows_l_to_the_moderators() {
    let (test, alice, mia) = club().await;
    let redeemed = test
        .send(said(&alice, "/redeem tshirt-2026 l", "r1"))
        .await
        .replies;
    assert!(
        redeemed[0]
            .text
            .starts_with("Claim #1: Fan club T-shirt 2026 (size: L) for 300 points is reserved."),
        "{:?}",
        redeemed[0]
    );
    let for_moderators = redeemed
        .iter()
        .find(|reply| reply.audience == Audience::Moderators)
        .expect("the claim for the moderators");
    assert!(
        for_moderators
            .text
            .contains("Fanclub-T-Shirt 2026 (tshirt-2026, Größe: L)"),
        "{}",
        for_moderators.text
    );
    let pending = test.send(said(&mia, "/pending", "p1")).await.replies;
    assert!(
        pending[0]
            .text
            .contains("#1 alice: Fan club T-shirt 2026 (size: L) · 300 points · reserved"),
        "{}",
        pending[0].text
    );
    let claim = test.temp.store.claim(1).await.unwrap().unwrap();
    assert_eq!(claim.options.get("size").map(String::as_str), Some("L"));
    assert_eq!(test.balance(&alice).await, 700);
}

#[tokio::test]
async fn a_claim_without_a_size_is_answered_with_the_choices_and_a_button_claims_it() {
    let (test, alice, _mia) = club().await;
    let asked = test
        .send(said(&alice, "/redeem tshirt-2026", "r1"))
        .await
        .replies;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].text.contains("• size: S · M · L · XL · XXL")
            && asked[0].text.contains("/redeem tshirt-2026 S"),
        "{}",
        asked[0].text
    );
    let labels: Vec<&str> = asked[0]
        .buttons
        .iter()
        .map(|button| button.label.as_str())
        .collect();
    assert_eq!(labels, ["S", "M", "L", "XL", "XXL"]);
    assert_eq!(test.balance(&alice).await, 1000, "nothing is held yet");

    let choices = (sent(&test, &asked[0]).await, &asked[0]);
    // Someone else's press claims nothing.
    let ben = actor("ben", false);
    let refused = press(&test, &ben, choices, "M", "b0").await;
    assert!(
        refused[0].text.contains("belong to the member who asked"),
        "{refused:?}"
    );
    assert!(test.temp.store.claim(1).await.unwrap().is_none());

    let claimed = press(&test, &alice, choices, "L", "b1").await;
    assert!(
        claimed[0]
            .text
            .starts_with("Claim #1: Fan club T-shirt 2026 (size: L)"),
        "{claimed:?}"
    );
    assert_eq!(test.balance(&alice).await, 700);
    // Pressing the same message again makes no second claim.
    let again = press(&test, &alice, choices, "XL", "b2").await;
    assert!(again.is_empty(), "{again:?}");
    assert!(test.temp.store.claim(2).await.unwrap().is_none());
}

#[tokio::test]
async fn an_unknown_size_is_named_and_the_choices_are_listed_in_german_too() {
    let (test, alice, _mia) = club().await;
    let wrong = test
        .send(said(&alice, "/redeem tshirt-2026 XXXL", "r1"))
        .await
        .replies;
    assert!(
        wrong[0]
            .text
            .starts_with("\"XXXL\" is not an option of Fan club T-shirt 2026."),
        "{}",
        wrong[0].text
    );
    let mut german = actor("jana", false);
    german.locale = Some("de".into());
    let twice = test
        .send(said(&german, "/redeem tshirt-2026 S M", "r2"))
        .await
        .replies;
    assert!(
        twice[0]
            .text
            .starts_with("Du hast für Größe zwei Werte angegeben; wähle einen."),
        "{}",
        twice[0].text
    );
    assert!(twice[0].text.contains("• Größe: S · M · L · XL · XXL"));
    let mug = test
        .send(said(&alice, "/redeem mug blue", "r3"))
        .await
        .replies;
    assert_eq!(
        mug[0].text,
        "Fan club mug comes in one kind only: /redeem mug"
    );
    assert!(test.temp.store.claim(1).await.unwrap().is_none());
}

#[tokio::test]
async fn redeem_t_shirt_suggests_tshirt_2026_and_writes_nothing() {
    let (test, alice, _mia) = club().await;
    let replies = test
        .send(said(&alice, "/redeem T-Shirt", "r1"))
        .await
        .replies;
    assert_eq!(
        replies[0].text,
        "There is no item \"t-shirt\" in the shop. Did you mean tshirt-2026 (Fan club T-shirt 2026)? \
         For example: /redeem tshirt-2026"
    );
    let mut german = actor("jana", false);
    german.locale = Some("de".into());
    let tasse = test
        .send(said(&german, "/redeem Tasse", "r2"))
        .await
        .replies;
    assert!(
        tasse[0].text.contains("Meintest du mug (Fanclub-Tasse)?"),
        "{}",
        tasse[0].text
    );
    let nothing = test
        .send(said(&alice, "/redeem laptop", "r3"))
        .await
        .replies;
    assert!(
        nothing[0].text.starts_with("There is no item \"laptop\""),
        "{}",
        nothing[0].text
    );
    assert!(!nothing[0].text.contains("Did you mean"));
    assert_eq!(test.balance(&alice).await, 1000);
}

#[tokio::test]
async fn cancel_accepts_the_claim_number_as_the_bot_writes_it() {
    let (test, alice, _mia) = club().await;
    test.send(said(&alice, "/redeem mug", "r1")).await;
    let cancelled = test.send(said(&alice, "/cancel #1", "c1")).await.replies;
    assert_eq!(
        cancelled[0].text,
        "Claim #1 is cancelled; 120 points are back in your account."
    );
    assert_eq!(test.balance(&alice).await, 1000);
}

#[tokio::test]
async fn a_shipping_claim_asks_privately_and_the_private_answer_reaches_only_the_moderators() {
    let (test, alice, mia) = club().await;
    let alice_id = member(&test, &alice).await;
    let redeemed = test
        .send(said(&alice, "/redeem tshirt-2026 L", "r1"))
        .await
        .replies;
    let asked = redeemed
        .iter()
        .find(|reply| reply.audience == Audience::Member(alice_id))
        .expect("the question for the address, privately");
    assert!(asked.text.contains("postal address"), "{}", asked.text);
    assert!(
        redeemed[0]
            .text
            .contains("I will ask you for your address in a private message")
    );

    // Said in the group, an address is refused and not stored.
    let in_group = test
        .send(said(&alice, &format!("/address {ADDRESS}"), "a0"))
        .await
        .replies;
    assert_eq!(in_group[0].audience, Audience::Member(alice_id));
    assert!(
        in_group[0].text.contains("I did not save it"),
        "{}",
        in_group[0].text
    );
    assert_eq!(
        test.temp.store.claim(1).await.unwrap().unwrap().address,
        None
    );

    // Too short or too long: said why, nothing stored.
    let short = test.send(privately(&alice, "Köln", "a1")).await.replies;
    assert!(short[0].text.contains("too short"), "{}", short[0].text);
    let huge = "x".repeat(301);
    let long = test.send(privately(&alice, &huge, "a2")).await.replies;
    assert!(long[0].text.contains("too long"), "{}", long[0].text);
    assert_eq!(
        test.temp.store.claim(1).await.unwrap().unwrap().address,
        None
    );

    // The plain private answer is the address.
    let answered = test.send(privately(&alice, ADDRESS, "a3")).await;
    let claim = test.temp.store.claim(1).await.unwrap().unwrap();
    assert_eq!(claim.address.as_deref(), Some(ADDRESS));
    let replies = &answered.replies;
    assert!(
        replies[0]
            .text
            .starts_with("Thank you! Your address for claim #1 is saved")
    );
    assert_eq!(replies[0].audience, Audience::Member(alice_id));
    let for_moderators = replies
        .iter()
        .find(|reply| reply.audience == Audience::Moderators)
        .expect("the moderators are told");
    assert!(
        for_moderators
            .text
            .starts_with("📦 Die Postanschrift für Bestellung #1 liegt vor."),
        "{}",
        for_moderators.text
    );
    // Only ever said privately: not in a group, not in the moderators' place.
    assert!(replies.iter().all(|reply| !in_public(reply)));
    assert!(
        replies
            .iter()
            .filter(|reply| reply.audience != Audience::Member(alice_id))
            .flat_map(|reply| all_texts(std::slice::from_ref(reply)))
            .all(|text| !text.contains("Hauptstraße"))
    );
    // The message that carried it does not keep it.
    let stored = test
        .temp
        .store
        .message(answered.message.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.body.contains("Hauptstraße"), "{}", stored.body);

    // A moderator sees it privately, never in the group.
    let in_public_group = test.send(said(&mia, "/pending", "p1")).await.replies;
    assert!(
        all_texts(&in_public_group)
            .iter()
            .all(|text| !text.contains("Hauptstraße"))
    );
    assert!(in_public_group[0].text.contains("address received"));
    let private = test.send(privately(&mia, "/pending", "p2")).await.replies;
    assert!(private[0].text.contains(ADDRESS), "{}", private[0].text);

    // A later question is a question, not a new address.
    let question = test
        .send(privately(
            &alice,
            "Wie viele Punkte bekomme ich für eine Lösung?",
            "q1",
        ))
        .await
        .replies;
    assert!(
        all_texts(&question)
            .iter()
            .all(|text| !text.contains("Your address")),
        "{question:?}"
    );
    assert_eq!(
        test.temp
            .store
            .claim(1)
            .await
            .unwrap()
            .unwrap()
            .address
            .as_deref(),
        Some(ADDRESS)
    );
    // /address changes it and shows it, privately.
    let changed = test
        .send(privately(
            &alice,
            "/address Alice Example, Ringstraße 9, 10115 Berlin",
            "a4",
        ))
        .await
        .replies;
    assert!(
        changed[0].text.contains("Ringstraße 9"),
        "{}",
        changed[0].text
    );
    let shown = test.send(said(&alice, "/address", "a5")).await.replies;
    assert_eq!(shown[0].audience, Audience::Member(alice_id));
    assert_eq!(
        shown[0].text,
        "Claim #1: Alice Example, Ringstraße 9, 10115 Berlin"
    );
}

#[tokio::test]
async fn a_shipping_claim_cannot_be_marked_shipped_before_the_member_gave_an_address() {
    let (test, alice, mia) = club().await;
    test.send(said(&alice, "/redeem tshirt-2026 M", "r1")).await;
    let approved = test.send(said(&mia, "/approve #1", "d1")).await.replies;
    assert_eq!(approved[0].text, "Claim #1 is approved.");
    let refused = test
        .send(said(&mia, "/fulfil 1 DHL 0034", "f1"))
        .await
        .replies;
    assert!(
        refused[0]
            .text
            .starts_with("Claim #1 cannot be marked as shipped yet"),
        "{}",
        refused[0].text
    );
    test.send(privately(&alice, ADDRESS, "a1")).await;
    let shipped = test
        .send(said(&mia, "/fulfil 1 DHL 0034", "f2"))
        .await
        .replies;
    assert_eq!(shipped[0].text, "Claim #1 is marked as shipped.");
    let claims = test.send(said(&alice, "/claims", "c1")).await.replies;
    assert!(
        claims[0].text.contains(
            "Fan club T-shirt 2026 (size: M) · 300 points · shipped 2 Nov 2026 (tracking: DHL 0034)"
        ),
        "{}",
        claims[0].text
    );
    let history = test.send(said(&alice, "/history", "h1")).await.replies;
    assert!(
        history[0]
            .text
            .contains("claim #1: Fan club T-shirt 2026 (size: M) (shipped)"),
        "the ledger text follows the state: {}",
        history[0].text
    );
}

#[tokio::test]
async fn the_address_is_erased_the_configured_days_after_fulfilment_everywhere_it_was_written() {
    let (test, alice, mia) = club_with(|config| config.shop.erase_address_days = 30).await;
    test.send(said(&alice, "/redeem tshirt-2026 XL", "r1"))
        .await;
    let answered = test.send(privately(&alice, ADDRESS, "a1")).await;
    let confirmation = &answered.replies[0];
    assert!(confirmation.text.contains(ADDRESS), "{}", confirmation.text);
    // As the deliverer records it when sent to alice's private chat.
    let private_chat = Place {
        platform: Platform::Telegram,
        id: alice.external_id.clone(),
        private: true,
    };
    let sent = test
        .club
        .record_sent(
            Platform::Telegram,
            &private_chat,
            Some("told-1"),
            confirmation,
        )
        .await
        .unwrap();
    test.send(said(&mia, "/approve 1", "d1")).await;
    test.send(said(&mia, "/fulfil 1", "f1")).await;

    test.days_pass(29);
    test.club.expire_claims().await.unwrap();
    assert_eq!(
        test.temp
            .store
            .claim(1)
            .await
            .unwrap()
            .unwrap()
            .address
            .as_deref(),
        Some(ADDRESS),
        "kept while the parcel may still need it"
    );
    test.days_pass(2);
    test.club.expire_claims().await.unwrap();
    let claim = test.temp.store.claim(1).await.unwrap().unwrap();
    assert_eq!(claim.address, None);
    assert!(claim.address_erased);
    let message = test.temp.store.message(sent).await.unwrap().unwrap();
    assert!(!message.body.contains("Hauptstraße"), "{}", message.body);
    let claims = test.send(said(&alice, "/claims", "c1")).await.replies;
    assert!(
        claims[0].text.contains("address erased"),
        "{}",
        claims[0].text
    );
    let report = test.temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

#[tokio::test]
async fn the_export_defuses_formulas_and_names_a_telegram_member_without_a_username() {
    let (test, _alice, mia) = club().await;
    let nameless = Actor {
        username: None,
        display_name: "=cmd|' /C calc'!A0".to_owned(),
        external_id: "4711".to_owned(),
        ..actor("x", false)
    };
    test.send(said(&nameless, "hi", "n0")).await;
    test.send(said(&mia, "/grant #3 500 Beta-Test", "g1")).await;
    test.send(said(&nameless, "/redeem tshirt-2026 S", "r1"))
        .await;
    test.send(privately(&nameless, "+49 Street 1, 12345 Town", "a1"))
        .await;
    test.send(said(&mia, "/approve 1 -fast", "d1")).await;

    let dir = tempfile::tempdir().unwrap();
    let url = test.temp.url();
    let export = crate::support::run_in(
        dir.path(),
        &[
            "--database",
            &url,
            "claims",
            "export",
            "--state",
            "approved",
            "--csv",
        ],
        "",
    );
    assert!(export.success, "{}", export.stderr);
    let mut reader = csv::Reader::from_reader(export.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{}", export.stdout);
    let cell = |name: &str| {
        let at = header.iter().position(|column| column == name).unwrap();
        rows[0][at].to_owned()
    };
    assert_eq!(cell("member"), "'=cmd|' /C calc'!A0");
    assert_eq!(cell("contact"), "telegram:=cmd|' /C calc'!A0 (id 4711)");
    assert_eq!(cell("note"), "'-fast");
    assert_eq!(cell("options"), "size=S");
    assert_eq!(cell("address"), "'+49 Street 1, 12345 Town");
    assert_eq!(cell("state"), "approved");
    // 10:00 UTC on 2 November is 11:00 in Berlin.
    assert_eq!(cell("decided_at"), "2026-11-02 11:00");
    for row in &rows {
        for value in row {
            assert!(
                !value.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would run: {value}"
            );
        }
    }
    let list = crate::support::run_in(
        dir.path(),
        &[
            "--database",
            &url,
            "claims",
            "export",
            "--state",
            "approved",
        ],
        "",
    );
    assert!(
        list.stdout.starts_with("#1 tshirt-2026 (size=S) for =cmd"),
        "{}",
        list.stdout
    );
}
