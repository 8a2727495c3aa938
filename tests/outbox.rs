//! Issue 11, in the core: notices are addressed to members, the moderators
//! or a place; a deliverer plugs in with a `Sender`; its step function
//! drains the outbox so these stories need no sleeping. A recording sender
//! stands in for a platform here; the Telegram stories use the real client.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use fanclub::club::model::Platform;
use fanclub::club::reply::Reply;
use fanclub::delivery::{Deliverer, Pace, SendFailure, Sender};
use fanclub::store::{DueNotice, EventCommit, EventCommitted, HandOver};

use crate::support::{TestClub, actor, group, said};

/// What the recording sender does with each notice.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Deliver,
    ServerError,
    Unreachable,
}

/// A platform that records what it was asked to send.
#[derive(Clone)]
struct Recording {
    platform: Platform,
    answer: Arc<Mutex<Answer>>,
    sent: Arc<Mutex<Vec<(String, String)>>>,
    /// The least time between two messages to one chat.
    chat_interval: Duration,
}

impl Recording {
    fn new(platform: Platform) -> Recording {
        Recording {
            platform,
            answer: Arc::new(Mutex::new(Answer::Deliver)),
            sent: Arc::default(),
            chat_interval: Duration::ZERO,
        }
    }

    /// A platform that lets a chat be written to once per `interval`.
    fn paced(platform: Platform, interval: Duration) -> Recording {
        Recording {
            chat_interval: interval,
            ..Recording::new(platform)
        }
    }

    /// Waits (up to ten seconds) until `count` notices were sent.
    async fn await_sent(&self, count: usize) -> Vec<(String, String)> {
        for _ in 0..1_000 {
            if self.sent().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.sent()
    }

    fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    /// `(chat, text)` of every notice sent.
    fn sent(&self) -> Vec<(String, String)> {
        self.sent.lock().unwrap().clone()
    }
}

impl Sender for Recording {
    fn platform(&self) -> Platform {
        self.platform
    }

    fn chat_interval(&self, _notice: &DueNotice) -> Duration {
        self.chat_interval
    }

    async fn send(&self, notice: &DueNotice) -> Result<Option<String>, SendFailure> {
        match *self.answer.lock().unwrap() {
            Answer::Deliver => {
                let mut sent = self.sent.lock().unwrap();
                sent.push((notice.place.clone(), notice.text.clone()));
                Ok(Some(format!("m{}", sent.len())))
            }
            Answer::ServerError => Err(SendFailure::Transient("502 Bad Gateway".to_owned())),
            Answer::Unreachable => Err(SendFailure::Unreachable("never started".to_owned())),
        }
    }
}

fn pace() -> Pace {
    Pace {
        global_interval: Duration::ZERO,
        attempt_timeout: Duration::from_secs(5),
        backoff_start: Duration::ZERO,
        backoff_cap: Duration::ZERO,
        max_attempts: 3,
        poll_interval: Duration::from_millis(10),
        batch: 64,
        keep: Duration::from_secs(86_400),
    }
}

/// Steps until nothing more is sent.
async fn drain(deliverer: &mut Deliverer<Recording>) {
    for _ in 0..20 {
        if deliverer.step().await.expect("the outbox is readable") == 0 {
            return;
        }
    }
    panic!("the outbox did not drain in 20 steps");
}

/// A club whose members are on Telegram, its moderators' chat `-100500`.
async fn on_telegram() -> TestClub {
    let test = TestClub::new().await;
    test.club
        .store()
        .register_platform(Platform::Telegram, Some("-100500"), Utc::now())
        .await
        .unwrap();
    test
}

#[tokio::test]
async fn a_reply_is_written_with_the_event_and_sent_once_by_the_platforms_deliverer() {
    let test = on_telegram().await;
    let store = test.club.store();
    let anna = actor("anna", false);
    let handled = test
        .send(said(&anna, "/faq Wie viele Punkte habe ich?", "u1"))
        .await;
    assert_eq!(handled.replies.len(), 1);
    assert_eq!(store.notice_counts().await.unwrap().undelivered, 1);
    // The same platform event again writes nothing more.
    test.send(said(&anna, "/faq Wie viele Punkte habe ich?", "u1"))
        .await;
    assert_eq!(store.notice_counts().await.unwrap().undelivered, 1);

    let telegram = Recording::new(Platform::Telegram);
    let mut deliverer = Deliverer::new(test.club.clone(), telegram.clone(), pace());
    drain(&mut deliverer).await;
    let sent = telegram.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "-100123");
    assert_eq!(sent[0].1, handled.replies[0].text);
    let counts = store.notice_counts().await.unwrap();
    assert_eq!((counts.undelivered, counts.failed), (0, 0));
}

#[tokio::test]
async fn notices_leased_together_are_taken_once_and_go_again_only_when_their_lease_ran_out() {
    let test = on_telegram().await;
    let store = test.club.store();
    // Three members each told something privately: three chats, each with
    // a notice due (the support chat's replies go out one at a time).
    for name in ["anna", "ben", "cem"] {
        let who = actor(name, false);
        test.send(said(&who, "hi", name)).await;
        let member = test.member_id(&who).await;
        test.club
            .tell(&[Reply::to_member(member, "Danke!")])
            .await
            .unwrap();
    }
    let now = Utc::now();
    let due = store
        .due_notices(Platform::Telegram, now, &[], 64)
        .await
        .unwrap();
    let ids: Vec<i64> = due.iter().map(|notice| notice.id).collect();
    assert!(ids.len() >= 3, "{due:?}");
    let lease = chrono::Duration::seconds(30);

    let first = store.lease_notices(&ids, now, now + lease).await.unwrap();
    let second = store.lease_notices(&ids, now, now + lease).await.unwrap();
    assert_eq!(first.len(), ids.len(), "the first look takes them all");
    assert!(second.is_empty(), "a second look takes none: {second:?}");
    assert!(
        store
            .due_notices(Platform::Telegram, now, &[], 64)
            .await
            .unwrap()
            .is_empty(),
        "leased notices are not due"
    );

    let later = now + lease + chrono::Duration::seconds(1);
    let again = store
        .lease_notices(&ids, later, later + lease)
        .await
        .unwrap();
    assert_eq!(
        again.len(),
        ids.len(),
        "a lease that ran out frees its notice"
    );
    assert!(
        store
            .lease_notices(&[], later, later + lease)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_moderators_hear_of_a_claim_on_every_platform_and_each_copy_is_edited_with_the_decision()
 {
    let test = on_telegram().await;
    let store = test.club.store();
    store
        .register_platform(Platform::Console, Some("general"), Utc::now())
        .await
        .unwrap();
    let anna = actor("anna", false);
    let mia = actor("mia", true);
    test.send(said(&mia, "hi", "m0")).await;
    test.send(said(&anna, "hi", "a0")).await;
    test.send(said(&mia, "/grant @anna 500 event", "g2")).await;
    test.send(said(&anna, "/redeem tshirt-2026 L", "r1")).await;
    let telegram = Recording::new(Platform::Telegram);
    let console = Recording::new(Platform::Console);
    let mut on_telegram = Deliverer::new(test.club.clone(), telegram.clone(), pace());
    let mut on_console = Deliverer::new(test.club.clone(), console.clone(), pace());
    drain(&mut on_telegram).await;
    drain(&mut on_console).await;
    let claim_in = |sent: Vec<(String, String)>, place: &str| {
        sent.iter()
            .filter(|(chat, text)| chat == place && text.contains("#1"))
            .count()
    };
    assert_eq!(claim_in(telegram.sent(), "-100500"), 1);
    assert_eq!(claim_in(console.sent(), "general"), 1);

    test.send(said(&mia, "/approve 1", "d1")).await;
    drain(&mut on_telegram).await;
    drain(&mut on_console).await;
    // Each platform's copy is replaced: the deliverer is handed the bot
    // message the claim notice became there.
    for (recording, place) in [(&telegram, "-100500"), (&console, "general")] {
        let edits: Vec<_> = recording
            .sent()
            .into_iter()
            .filter(|(chat, text)| chat == place && text.contains("mia"))
            .collect();
        assert_eq!(edits.len(), 1, "{place}: {:?}", recording.sent());
    }
}

#[tokio::test]
async fn a_notice_that_keeps_failing_is_marked_failed_after_the_last_attempt_and_counted_by_the_doctor()
 {
    let test = TestClub::new().await;
    let store = test.club.store();
    store
        .register_platform(Platform::Telegram, None, Utc::now())
        .await
        .unwrap();
    let anna = actor("anna", false);
    test.send(said(&anna, "/faq Wie viele Punkte habe ich?", "u1"))
        .await;
    let telegram = Recording::new(Platform::Telegram);
    telegram.answer(Answer::ServerError);
    let mut deliverer = Deliverer::new(test.club.clone(), telegram.clone(), pace());
    drain(&mut deliverer).await;
    let counts = store.notice_counts().await.unwrap();
    assert_eq!((counts.undelivered, counts.failed), (0, 1));
    let report = store.doctor().await.unwrap();
    assert!(
        report.to_string().contains("0 undelivered") && report.to_string().contains("1 failed"),
        "{report}"
    );
    // Nothing is left to try.
    telegram.answer(Answer::Deliver);
    drain(&mut deliverer).await;
    assert!(telegram.sent().is_empty());
}

#[tokio::test]
async fn a_member_the_platform_cannot_reach_keeps_the_notice_until_they_next_use_the_bot() {
    let test = TestClub::new().await;
    let store = test.club.store();
    store
        .register_platform(Platform::Telegram, None, Utc::now())
        .await
        .unwrap();
    let anna = actor("anna", false);
    test.send(said(&anna, "/balance", "b1")).await;
    let telegram = Recording::new(Platform::Telegram);
    telegram.answer(Answer::Unreachable);
    let mut deliverer = Deliverer::new(test.club.clone(), telegram.clone(), pace());
    drain(&mut deliverer).await;
    let counts = store.notice_counts().await.unwrap();
    assert_eq!(
        (counts.undelivered, counts.held),
        (1, 1),
        "kept, not failed"
    );

    // Talking in the group again does not try her private chat again…
    test.send(said(&anna, "hallo", "h0")).await;
    assert_eq!(store.notice_counts().await.unwrap().held, 1);
    // …but once she starts the bot and writes to it, the kept notice goes.
    telegram.answer(Answer::Deliver);
    let mut private = said(&anna, "hallo", "h1");
    private.place = fanclub::club::model::Place {
        platform: Platform::Telegram,
        id: "id-anna".to_owned(),
        private: true,
    };
    test.send(private).await;
    drain(&mut deliverer).await;
    let sent = telegram.sent();
    let to_anna: Vec<&str> = sent
        .iter()
        .filter(|(chat, _)| chat == "id-anna")
        .map(|(_, text)| text.as_str())
        .collect();
    assert_eq!(to_anna.len(), 2, "{sent:?}");
    assert!(
        to_anna[0].starts_with("anna: 0 points"),
        "the kept balance first: {to_anna:?}"
    );
    assert_eq!(store.notice_counts().await.unwrap().undelivered, 0);
}

#[tokio::test]
async fn notices_written_outside_an_event_reach_the_member_where_they_were_last_seen() {
    let test = TestClub::new().await;
    let store = test.club.store();
    store
        .register_platform(Platform::Telegram, None, Utc::now())
        .await
        .unwrap();
    let anna = actor("anna", false);
    test.send(said(&anna, "hi", "h1")).await;
    let member = test.member_id(&anna).await;
    test.club
        .tell(&[Reply::to_member(member, "Hallo Anna")])
        .await
        .unwrap();
    let telegram = Recording::new(Platform::Telegram);
    let mut deliverer = Deliverer::new(test.club.clone(), telegram.clone(), pace());
    drain(&mut deliverer).await;
    assert_eq!(
        telegram.sent(),
        [("id-anna".to_owned(), "Hallo Anna".to_owned())]
    );
}

#[tokio::test]
async fn a_first_solution_reaches_the_helper_privately_with_its_badge() {
    let test = TestClub::configured(|config| config.points.min_voter_days = 0).await;
    let store = test.club.store();
    store
        .register_platform(Platform::Telegram, None, Utc::now())
        .await
        .unwrap();
    store
        .register_platform(Platform::Console, Some("general"), Utc::now())
        .await
        .unwrap();
    let carla = actor("carla", false);
    let anna = actor("anna", false);
    let question = test
        .post(&carla, "Weiß jemand, wo die Sendungsnummer steht?", "q")
        .await;
    let answer = test
        .reply(&anna, question, "Unter Mein Konto, Bestellungen.", "a")
        .await
        .message
        .unwrap();
    test.react(&carla, answer, "🏆", true, "r").await;
    test.clock.advance(chrono::Duration::minutes(i64::from(
        test.club.config().recognition.digest_minutes,
    )));
    assert_eq!(test.club.send_digests().await.unwrap(), 1);
    let telegram = Recording::new(Platform::Telegram);
    let mut deliverer = Deliverer::new(test.club.clone(), telegram.clone(), pace());
    drain(&mut deliverer).await;
    let sent = telegram.sent();
    let digest = sent
        .iter()
        .find(|(chat, _)| chat == "id-anna")
        .map(|(_, text)| text.clone())
        .unwrap_or_else(|| panic!("no digest for anna: {sent:?}"));
    assert!(
        digest.starts_with("+10 points: ✅ solution from carla, 🏅 new badge: First solution"),
        "in anna's language (en): {digest}"
    );
}

#[tokio::test]
async fn delivered_notices_are_pruned_after_the_days_kept_and_waiting_ones_never() {
    let test = TestClub::new().await;
    let store = test.club.store();
    store
        .register_platform(Platform::Telegram, None, Utc::now())
        .await
        .unwrap();
    let anna = actor("anna", false);
    test.send(said(&anna, "/balance", "b1")).await;
    let telegram = Recording::new(Platform::Telegram);
    let mut deliverer = Deliverer::new(test.club.clone(), telegram.clone(), pace());
    drain(&mut deliverer).await;
    telegram.answer(Answer::ServerError);
    test.send(said(&anna, "/balance", "b2")).await;
    assert_eq!(store.notice_counts().await.unwrap().undelivered, 1);
    let later = Utc::now() + chrono::Duration::days(1);
    assert_eq!(store.prune_notices(later).await.unwrap(), 1);
    assert_eq!(store.prune_notices(later).await.unwrap(), 0);
    assert_eq!(store.notice_counts().await.unwrap().undelivered, 1);
}

#[tokio::test]
async fn moderators_are_reminded_once_a_day_of_claims_waiting_longer_than_the_configured_hours() {
    let test = TestClub::new().await;
    let store = test.club.store();
    store
        .register_platform(Platform::Console, Some("general"), Utc::now())
        .await
        .unwrap();
    let anna = actor("anna", false);
    let mia = actor("mia", true);
    test.send(said(&anna, "hi", "a0")).await;
    test.send(said(&mia, "/grant @anna 500 event", "g1")).await;
    test.send(said(&anna, "/redeem tshirt-2026 L", "r1")).await;
    let console = Recording::new(Platform::Console);
    let mut deliverer = Deliverer::new(test.club.clone(), console.clone(), pace());
    drain(&mut deliverer).await;
    let reminders = |recording: &Recording| {
        recording
            .sent()
            .iter()
            .filter(|(chat, text)| chat == "general" && text.contains("seit mehr als 24 Stunden"))
            .count()
    };
    test.club.tick().await.unwrap();
    drain(&mut deliverer).await;
    assert_eq!(reminders(&console), 0, "the claim is fresh");

    test.clock.advance(chrono::Duration::hours(25));
    test.club.tick().await.unwrap();
    test.club.tick().await.unwrap();
    drain(&mut deliverer).await;
    assert_eq!(reminders(&console), 1, "{:?}", console.sent());
    test.clock.advance(chrono::Duration::days(1));
    test.club.tick().await.unwrap();
    drain(&mut deliverer).await;
    assert_eq!(reminders(&console), 2, "the next day, again");
}

#[tokio::test]
async fn a_message_recorded_before_a_crash_but_never_answered_is_answered_when_it_comes_again() {
    use fanclub::lang::Lang;
    use fanclub::store::{IdentitySeen, NewMessage};
    let test = TestClub::new().await;
    let store = test.club.store();
    store
        .register_platform(Platform::Telegram, None, Utc::now())
        .await
        .unwrap();
    // The last process recorded Anna's message, then died before its reply
    // and the handled mark were committed.
    let seen = IdentitySeen {
        platform: Platform::Telegram,
        external_id: "id-anna",
        username: Some("anna"),
        display_name: "anna",
        language: Some(Lang::En),
        default_language: Lang::De,
        today: Utc::now().date_naive(),
        is_bot: false,
        joined: None,
    };
    let member = store.member_seen(&seen, Utc::now()).await.unwrap().id;
    store
        .record_message(
            &NewMessage {
                platform: Platform::Telegram,
                place: "-100123",
                external_id: Some("u1"),
                author: Some(member),
                private: false,
                reply_to: None,
                body: "/balance",
                buttons: &[],
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let anna = actor("anna", false);
    let again = test.send(said(&anna, "/balance", "u1")).await;
    assert_eq!(again.replies.len(), 1, "the message was ignored as handled");
    assert_eq!(store.notice_counts().await.unwrap().undelivered, 1);
    // A third delivery is a duplicate.
    let third = test.send(said(&anna, "/balance", "u1")).await;
    assert!(third.replies.is_empty());
    assert_eq!(store.notice_counts().await.unwrap().undelivered, 1);
}

#[tokio::test]
async fn a_grant_that_fails_before_its_event_commits_books_nothing_and_handled_again_books_once_and_replies_once()
 {
    let test = TestClub::new().await;
    let store = test.club.store();
    store
        .register_platform(Platform::Telegram, None, Utc::now())
        .await
        .unwrap();
    let (mia, anna) = (actor("mia", true), actor("anna", false));
    test.post(&anna, "hallo", "a1").await;
    let before = store.notice_counts().await.unwrap().undelivered;
    // The outbox refuses every notice: the grant is booked, then writing
    // its notices fails, as a crash before the commit would.
    let mut raw = test.temp.raw_connection().await;
    sqlx::query(
        "CREATE TRIGGER refuse_notices BEFORE INSERT ON outbox \
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    )
    .execute(&mut raw)
    .await
    .unwrap();
    let grant = said(&mia, "/grant @anna 5 event", "g1");
    assert!(test.club.handle(grant.clone()).await.is_err());
    assert_eq!(
        test.balance(&anna).await,
        0,
        "the booking outlived its event"
    );
    assert!(!store.was_handled("g1").await.unwrap());
    assert_eq!(store.notice_counts().await.unwrap().undelivered, before);

    sqlx::query("DROP TRIGGER refuse_notices")
        .execute(&mut raw)
        .await
        .unwrap();
    // Telegram delivers the update again.
    let again = test.send(grant.clone()).await;
    assert!(!again.replies.is_empty(), "the grant was not answered");
    assert_eq!(test.balance(&anna).await, 5);
    assert!(store.was_handled("g1").await.unwrap());
    let written = store.notice_counts().await.unwrap().undelivered;
    assert_eq!(written - before, again.replies.len() as i64);
    // And once more: a duplicate books and says nothing.
    let third = test.send(grant).await;
    assert!(third.replies.is_empty());
    assert_eq!(test.balance(&anna).await, 5);
    assert_eq!(store.notice_counts().await.unwrap().undelivered, written);
}

/// A support thread on a club where new members' votes pay: carla asks,
/// alice answers twice. Private notices go out on Telegram.
async fn answered_twice() -> (
    TestClub,
    fanclub::club::model::MessageId,
    fanclub::club::model::MessageId,
) {
    let test = TestClub::configured(|config| config.points.min_voter_days = 0).await;
    test.club
        .store()
        .register_platform(Platform::Telegram, None, Utc::now())
        .await
        .unwrap();
    let (carla, alice) = (actor("carla", false), actor("alice", false));
    let question = test
        .post(&carla, "Wo finde ich die Sendungsnummer?", "q")
        .await;
    let mut answers = Vec::new();
    for (text, key) in [("Unter Mein Konto.", "a1"), ("Oder in der Mail.", "a2")] {
        answers.push(
            test.reply(&alice, question, text, key)
                .await
                .message
                .unwrap(),
        );
    }
    (test, answers[0], answers[1])
}

/// Lets the digest window pass and delivers what is due: what alice was
/// told privately meanwhile.
async fn told_alice(test: &TestClub) -> Vec<String> {
    test.clock.advance(chrono::Duration::minutes(i64::from(
        test.club.config().recognition.digest_minutes,
    )));
    test.club.send_digests().await.unwrap();
    let telegram = Recording::new(Platform::Telegram);
    let mut deliverer = Deliverer::new(test.club.clone(), telegram.clone(), pace());
    drain(&mut deliverer).await;
    telegram
        .sent()
        .into_iter()
        .filter(|(chat, _)| chat == "id-alice")
        .map(|(_, text)| text)
        .collect()
}

#[tokio::test]
async fn revoked_votes_are_told_privately_to_each_author_who_lost_points_once() {
    let (test, first, second) = answered_twice().await;
    let (ben, dora) = (actor("ben", false), actor("dora", false));
    test.react(&ben, first, "👍", true, "b1").await;
    test.react(&ben, second, "👍", true, "b2").await;
    test.react(&dora, second, "👍", true, "d1").await;
    assert_eq!(
        told_alice(&test).await,
        ["+6 points: 👍 from ben and dora. (/notify off stops these messages.)"]
    );

    // The moderator speaks German; alice reads English.
    let mut mia = actor("mia", true);
    mia.locale = Some("de".to_owned());
    let revoke = said(&mia, "/revoke_votes @ben", "revoke");
    let handled = test.send(revoke.clone()).await;
    assert_eq!(
        handled.replies[0].text,
        "Stimmen von ben zurückgenommen: 2 Stimmen, 4 Punkte abgezogen."
    );
    let notice = "−4 points: the votes of ben on your answers were revoked by the moderators.";
    assert_eq!(handled.replies.len(), 2, "{:?}", handled.replies);
    assert_eq!(handled.replies[1].text, notice);
    // The platform delivers the command again; a later revocation finds
    // nothing left to take.
    assert!(test.send(revoke).await.replies.is_empty());
    let again = test
        .send(said(&mia, "/revoke_votes @ben", "revoke-2"))
        .await;
    assert_eq!(again.replies.len(), 1, "{:?}", again.replies);

    assert_eq!(
        test.balance(&actor("alice", false)).await,
        2,
        "dora's vote stands"
    );
    assert_eq!(
        told_alice(&test).await,
        [notice],
        "told once, and no digest after it"
    );
    let report = test.club.store().doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

#[tokio::test]
async fn a_vote_withdrawn_before_the_digest_is_not_in_it() {
    let (test, first, second) = answered_twice().await;
    let (ben, dora) = (actor("ben", false), actor("dora", false));
    test.react(&ben, first, "👍", true, "b1").await;
    test.react(&dora, second, "👍", true, "d1").await;
    test.react(&ben, first, "👍", false, "b1-off").await;
    assert_eq!(
        told_alice(&test).await,
        ["+2 points: 👍 from dora. (/notify off stops these messages.)"]
    );

    // Nothing left: no digest at all.
    test.react(&ben, second, "👍", true, "b2").await;
    test.react(&ben, second, "👍", false, "b2-off").await;
    assert!(told_alice(&test).await.is_empty());

    // Withdrawn after its digest went out: the digest stays told, the
    // balance shows the withdrawal, and no later digest repeats it.
    test.react(&ben, first, "🔥", true, "b3").await;
    assert_eq!(told_alice(&test).await.len(), 1);
    test.react(&ben, first, "🔥", false, "b3-off").await;
    assert!(told_alice(&test).await.is_empty());
    assert_eq!(test.balance(&actor("alice", false)).await, 2);
}

#[tokio::test]
async fn a_revoked_vote_still_waiting_leaves_the_digest_and_a_spent_part_stays_in_it() {
    let (test, first, second) = answered_twice().await;
    let (ben, dora, mia) = (
        actor("ben", false),
        actor("dora", false),
        actor("mia", true),
    );
    test.react(&ben, first, "👍", true, "b1").await;
    test.react(&dora, second, "👍", true, "d1").await;
    test.send(said(&mia, "/revoke_votes @ben", "revoke")).await;
    let mut told = told_alice(&test).await;
    told.sort();
    assert_eq!(
        told,
        [
            "+2 points: 👍 from dora. (/notify off stops these messages.)",
            "−2 points: the votes of ben on your answers were revoked by the moderators.",
        ]
    );

    // Alice's points go to a debit before ben withdraws his next vote: of
    // its 2 points only 1 is left to take back, and the digest keeps the 1
    // that was spent.
    test.react(&ben, second, "🔥", true, "b2").await;
    test.send(said(&mia, "/grant @alice -3 Korrektur", "debit"))
        .await;
    test.react(&ben, second, "🔥", false, "b2-off").await;
    assert_eq!(test.balance(&actor("alice", false)).await, 0);
    assert_eq!(
        told_alice(&test).await,
        [
            "-2 points: 👍 from ben, 🎁 -3 points from a moderator: Korrektur. (/notify off stops these messages.)"
        ]
    );
}

/// A running deliverer of `sender`'s platform that looks at the outbox only
/// once an hour (and when poked): what it sends sooner was handed to it.
/// Returns once it sent a first notice (it is registered with the club by
/// then); stop it with the sender it returns.
async fn running(
    test: &TestClub,
    sender: Recording,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let pace = Pace {
        poll_interval: Duration::from_secs(3_600),
        ..pace()
    };
    test.club
        .tell(&[Reply::in_place(&group(), "Der Club ist offen.", None)])
        .await
        .unwrap();
    let deliverer = Deliverer::new(test.club.clone(), sender.clone(), pace);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(deliverer.run(
        async {
            let _ = stopped.await;
        },
        Duration::from_secs(1),
    ));
    assert_eq!(sender.await_sent(1).await.len(), 1, "the deliverer started");
    (stop, running)
}

/// The texts sent after the deliverer's first one.
fn texts_after_start(sent: &[(String, String)]) -> Vec<&str> {
    sent.iter().skip(1).map(|(_, text)| text.as_str()).collect()
}

#[tokio::test]
async fn a_members_reply_goes_to_the_running_deliverer_straight_from_its_event() {
    let test = on_telegram().await;
    let store = test.club.store();
    let telegram = Recording::new(Platform::Telegram);
    let (stop, running) = running(&test, telegram.clone()).await;

    let anna = actor("anna", false);
    let written = test.club.notices_written();
    let looks = *written.borrow();
    let handled = test.send(said(&anna, "/balance", "u1")).await;
    assert_eq!(handled.replies.len(), 1);
    // Written leased to the deliverer in the event's transaction: nobody
    // else finds it due, and no deliverer was asked to look for it.
    assert_eq!(
        *written.borrow(),
        looks,
        "a reply handed over needs no look at the outbox"
    );
    assert!(
        store
            .due_notices(Platform::Telegram, Utc::now(), &[], 64)
            .await
            .unwrap()
            .is_empty(),
        "a handed reply is not due for another taker"
    );
    let sent = telegram.await_sent(2).await;
    assert_eq!(
        texts_after_start(&sent),
        vec![handled.replies[0].text.as_str()]
    );

    stop.send(()).unwrap();
    running.await.unwrap();
    let counts = store.notice_counts().await.unwrap();
    assert_eq!(counts.undelivered, 0, "{counts:?}");

    // With no deliverer running nothing is handed over: the next reply
    // waits in the outbox for whoever delivers next.
    let looks = *written.borrow();
    test.send(said(&anna, "/balance", "u2")).await;
    assert_ne!(*written.borrow(), looks, "the deliverers are told to look");
    let due = store
        .due_notices(Platform::Telegram, Utc::now(), &[], 64)
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
}

#[tokio::test]
async fn a_handed_reply_whose_chat_must_wait_goes_after_the_one_before_it() {
    let test = on_telegram().await;
    let telegram = Recording::paced(Platform::Telegram, Duration::from_secs(1));
    let (stop, running) = running(&test, telegram.clone()).await;

    // The group was just written to: the deliverer gives the first answer
    // back to the outbox, and the second waits behind it there; both go,
    // in order, when the group may be written to again.
    let anna = actor("anna", false);
    let first = test.send(said(&anna, "/help", "u1")).await;
    let second = test.send(said(&anna, "/help balance", "u2")).await;
    let sent = telegram.await_sent(3).await;
    assert_eq!(
        texts_after_start(&sent),
        vec![
            first.replies[0].text.as_str(),
            second.replies[0].text.as_str()
        ]
    );
    assert!(
        sent.iter().all(|(chat, _)| chat == &group().id),
        "all in the group: {sent:?}"
    );
    stop.send(()).unwrap();
    running.await.unwrap();
    let counts = test.club.store().notice_counts().await.unwrap();
    assert_eq!(counts.undelivered, 0, "{counts:?}");
}

#[tokio::test]
async fn a_notice_behind_a_waiting_one_in_its_chat_is_not_handed_over_but_waits_its_turn() {
    let test = on_telegram().await;
    let store = test.club.store();
    let hand_over = [HandOver {
        platform: Platform::Telegram,
        until: Utc::now() + chrono::Duration::seconds(30),
    }];
    let write = |notices: Vec<Reply>| async move {
        let commit = EventCommit {
            event_key: None,
            actor: None,
            origin: None,
            notices: &notices,
            hand_over: &hand_over,
        };
        match store.commit_event(&commit, Utc::now()).await.unwrap() {
            EventCommitted::Written(written) => written,
            EventCommitted::HandledBefore => panic!("no event key, so never handled before"),
        }
    };

    let first = write(vec![Reply::in_place(&group(), "Erste Antwort", None)]).await;
    assert_eq!((first.handed.len(), first.waiting), (1, 0), "{first:?}");
    let second = write(vec![Reply::in_place(&group(), "Zweite Antwort", None)]).await;
    assert_eq!((second.handed.len(), second.waiting), (0, 1), "{second:?}");
    // The first is leased to its deliverer; the second is due only once
    // the first has gone.
    assert!(
        store
            .due_notices(Platform::Telegram, Utc::now(), &[], 64)
            .await
            .unwrap()
            .is_empty()
    );
}
