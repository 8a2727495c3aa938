//! Stories of retention (issue 14): old messages, FAQ questions and marks
//! of handled events go; recent ones, and old messages something still
//! points at, stay; a late reaction to a kept message still pays.

use fanclub::config::Settings;
use fanclub::store::faq::FaqQuery;

use crate::support::{TestClub, actor};

#[tokio::test]
async fn old_rows_go_recent_ones_stay_and_a_late_reaction_to_a_kept_message_still_counts() {
    let t = TestClub::configured(|config| config.faq.model = std::path::PathBuf::new()).await;
    let store = &t.temp.store;
    let (bob, carol, dave) = (
        actor("bob", false),
        actor("carol", false),
        actor("dave", false),
    );
    // Day 0: bob chats, and gives an answer carol upvotes.
    let chatter = t.post(&bob, "Good morning everyone", "old-chatter").await;
    let voted = t.post(&bob, "Restart the router first", "old-answer").await;
    t.react(&carol, voted, "👍", true, "old-vote").await;
    let bob_id = store
        .identity_member(bob.platform, &bob.external_id)
        .await
        .unwrap()
        .unwrap()
        .id;
    let asked = |text: &'static str| FaqQuery {
        message: None,
        member: bob_id,
        question: text,
        outcome: "none",
        entry: None,
        score: 0.1,
        unprompted: false,
    };
    store
        .log_faq_query(&asked("old question"), t.club.now())
        .await
        .unwrap();
    assert!(store.first_time("button:old", t.club.now()).await.unwrap());
    t.send(crate::support::said(
        &carol,
        "/leaderboard week",
        "old-board",
    ))
    .await;

    // Day 95: bob answers again, and asks again.
    t.days_pass(95);
    let recent = t.post(&bob, "Try the other cable", "recent-answer").await;
    store
        .log_faq_query(&asked("recent question"), t.club.now())
        .await
        .unwrap();
    assert!(
        store
            .first_time("button:recent", t.club.now())
            .await
            .unwrap()
    );

    // Day 98: the shipped retention runs.
    t.days_pass(3);
    let keep = fanclub::app::retention(&Settings::defaults());
    let pruned = store.prune(&keep, t.club.now()).await.unwrap();
    assert_eq!(pruned.messages, 1, "{pruned:?}");
    assert_eq!(pruned.faq_queries, 1, "{pruned:?}");
    assert!(pruned.handled_events >= 1, "{pruned:?}");
    assert_eq!(pruned.periods, 2, "this week and the next, both over");

    assert!(store.message(chatter).await.unwrap().is_none());
    assert!(
        store.message(voted).await.unwrap().is_some(),
        "a message a vote points at stays"
    );
    assert!(store.message(recent).await.unwrap().is_some());
    assert!(!store.was_handled("button:old").await.unwrap());
    assert!(
        store.was_handled("button:recent").await.unwrap(),
        "a replay of a recent event is still recognised"
    );
    let asked_since = store
        .unanswered_questions(t.club.now() - chrono::Duration::days(365), 10)
        .await
        .unwrap();
    let questions: Vec<_> = asked_since.iter().map(|q| q.question.as_str()).collect();
    assert_eq!(questions, ["recent question"]);

    // A reaction to the recent answer, three days later, still pays; one
    // to the pruned message is nothing to count.
    let before = t.balance(&bob).await;
    t.react(&dave, recent, "👍", true, "late-vote").await;
    assert_eq!(t.balance(&bob).await, before + 2);
    t.club
        .handle(fanclub::club::model::Incoming {
            actor: dave.clone(),
            place: crate::support::group(),
            event_key: Some("vote-on-pruned".to_owned()),
            event: fanclub::club::model::Event::Reaction {
                message: chatter.into(),
                emoji: "👍".to_owned(),
                added: true,
            },
        })
        .await
        .expect("a reaction to a pruned message is no error");
    assert_eq!(t.balance(&bob).await, before + 2);

    // Running again finds no more messages or questions, and the books
    // are in order.
    let again = store.prune(&keep, t.club.now()).await.unwrap();
    assert_eq!((again.messages, again.faq_queries), (0, 0), "{again:?}");
    let report = store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

#[test]
fn retention_shorter_than_a_vote_may_pay_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = crate::support::fanclub();
    command.env("FANCLUB__RETENTION__MESSAGES_DAYS", "3");
    let run = crate::support::run_command(command, dir.path(), &["check-config"], "");
    assert!(!run.success, "{}", run.stdout);
    assert!(
        run.stderr.contains("retention.messages_days")
            || run.stdout.contains("retention.messages_days"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}
