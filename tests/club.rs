//! Stories of the core, as a platform adapter drives it.

use fanclub::club::model::{Event, Incoming, MessageId};

use crate::support::{TestClub, actor, group, said};

#[tokio::test]
async fn the_same_platform_event_delivered_twice_grants_once() {
    let test = TestClub::new().await;
    let moderator = actor("mia", true);
    let alice = actor("alice", false);
    test.send(said(&alice, "hi all", "update-1")).await;

    let grant = said(&moderator, "/grant @alice 30 survey", "update-2");
    let first = test.send(grant.clone()).await;
    let replayed = test.send(grant).await;

    assert!(
        first.replies[0].text.contains("New balance: 30 points"),
        "{:?}",
        first.replies
    );
    assert!(
        replayed.replies.is_empty(),
        "a replay is not answered again"
    );
    assert_eq!(
        first.message, replayed.message,
        "the replay is the same message"
    );
    let member = test
        .temp
        .store
        .identity_member(alice.platform, &alice.external_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(test.temp.store.balance(member.id).await.unwrap(), 30);
    assert_eq!(test.temp.store.audit_count("grant").await.unwrap(), 1);
}

#[tokio::test]
async fn a_member_is_answered_in_their_platform_language() {
    let test = TestClub::new().await;
    let mut jonas = actor("jonas", false);
    jonas.locale = Some("de-AT".to_owned());
    let handled = test.send(said(&jonas, "/balance", "u1")).await;
    assert!(
        handled.replies[0].text.contains("Punktestand")
            || handled.replies[0].text.contains("Punkte")
    );

    let mut unknown_locale = actor("pierre", false);
    unknown_locale.locale = Some("fr".to_owned());
    let handled = test.send(said(&unknown_locale, "/frobnicate", "u2")).await;
    assert!(
        handled.replies[0].text.contains("kenne ich nicht"),
        "other locales get the default language (de): {:?}",
        handled.replies
    );
}

#[tokio::test]
async fn a_reaction_on_a_message_that_does_not_exist_is_explained() {
    let test = TestClub::new().await;
    let carol = actor("carol", false);
    let reaction = Incoming {
        actor: carol,
        place: group(),
        event_key: Some("r1".to_owned()),
        event: Event::Reaction {
            message: MessageId(404).into(),
            emoji: "👍".to_owned(),
            added: true,
        },
    };
    let handled = test.send(reaction).await;
    assert_eq!(handled.replies[0].text, "There is no message #404.");
}

#[tokio::test]
async fn an_oversized_message_is_refused_and_nothing_is_written() {
    let test = TestClub::new().await;
    let alice = actor("alice", false);
    let huge = format!("/grant @bob 5 {}", "ä".repeat(10_000));
    let handled = test.send(said(&alice, &huge, "u1")).await;
    assert_eq!(handled.message, None);
    assert!(
        handled.replies[0].text.contains("too long"),
        "{:?}",
        handled.replies
    );
    let seen = test
        .temp
        .store
        .identity_member(alice.platform, &alice.external_id)
        .await
        .unwrap();
    assert_eq!(seen, None, "not even the member was created");
}

#[tokio::test]
async fn a_debit_stops_at_zero_and_says_so() {
    let test = TestClub::new().await;
    let moderator = actor("mia", true);
    let ben = actor("ben", false);
    test.send(said(&ben, "hello", "u1")).await;
    test.send(said(&moderator, "/grant @ben 10 event", "u2"))
        .await;
    let handled = test
        .send(said(&moderator, "/grant @ben -11 correction", "u3"))
        .await;
    assert!(
        handled.replies[0].text.contains("has only 10 points"),
        "{:?}",
        handled.replies
    );
    let handled = test
        .send(said(&moderator, "/grant @ben -10 correction", "u4"))
        .await;
    assert!(
        handled.replies[0].text.contains("New balance: 0 points"),
        "{:?}",
        handled.replies
    );
    assert!(test.temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn fan_since_is_the_day_the_member_was_first_seen() {
    let test = TestClub::new().await;
    let alice = actor("alice", false);
    test.send(said(&alice, "hello, first time here", "u1"))
        .await;
    test.clock.advance(chrono::Duration::days(400));
    let handled = test.send(said(&alice, "/balance", "u2")).await;
    assert!(
        handled.replies[0].text.ends_with("fan since 2 Nov 2026"),
        "{:?}",
        handled.replies
    );
}

#[tokio::test]
async fn a_button_press_delivered_twice_is_answered_once() {
    let test = TestClub::new().await;
    let alice = actor("alice", false);
    let asked = test
        .send(said(&alice, "/faq How many points do I have?", "u1"))
        .await;
    let answer_id = test
        .club
        .record_sent(group().platform, &group(), Some("bot-1"), &asked.replies[0])
        .await
        .unwrap();
    let action = asked.replies[0].buttons[0].action.clone();
    let press = Incoming {
        actor: alice,
        place: group(),
        event_key: Some("telegram:update:77".to_owned()),
        event: Event::Button {
            message: answer_id,
            action,
        },
    };
    let first = test.send(press.clone()).await;
    let again = test.send(press).await;
    assert_eq!(first.replies.len(), 1);
    assert!(again.replies.is_empty(), "{:?}", again.replies);
}

#[tokio::test]
async fn a_support_channel_covers_its_forum_topics_and_a_reaction_finds_a_topic_message() {
    let test =
        TestClub::configured(|config| config.support_channels = vec!["telegram:-100123".into()])
            .await;
    let (alice, bob) = (actor("alice", false), actor("bob", false));
    let topic = fanclub::club::model::Place {
        platform: group().platform,
        id: "-100123/7".to_owned(),
        private: false,
    };
    let in_topic = |who: &fanclub::club::model::Actor, text: &str, key: &str| {
        let mut incoming = said(who, text, key);
        incoming.place = topic.clone();
        incoming
    };
    test.send(in_topic(&alice, "hi", "m1")).await;
    test.send(in_topic(&bob, "hi", "m2")).await;
    test.days_pass(2);
    let answer = test
        .send(in_topic(&bob, "Use /redeem with the sku.", "m3"))
        .await
        .message
        .unwrap();
    let found = test
        .club
        .message_by_external(group().platform, "-100123", "m3")
        .await
        .unwrap();
    assert_eq!(
        found,
        Some(answer),
        "a chat-level lookup finds the topic's message"
    );
    test.react(&alice, answer, "👍", true, "r1").await;
    assert_eq!(
        test.balance(&bob).await,
        2,
        "the topic counts as the support channel"
    );
}

#[tokio::test]
async fn fan_since_and_dates_follow_the_clubs_time_zone() {
    let test = TestClub::new().await;
    // 23:30 UTC on 31 December is already New Year in Berlin.
    let new_year =
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 31, 23, 30, 0).unwrap();
    test.clock.advance(new_year - test.club.now());
    let alice = actor("alice", false);
    let handled = test.send(said(&alice, "/profile", "u1")).await;
    assert!(
        handled.replies[0]
            .text
            .starts_with("alice – fan since 2027"),
        "{:?}",
        handled.replies
    );
}
