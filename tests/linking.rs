//! Stories of one member across platforms (issue 12): `/link` gives a
//! one-time code on one platform, `/link <code>` on another joins both
//! accounts into one member; `/unlink` splits an account off again. The
//! console is a platform of its own here, like Telegram: a console name
//! and a Telegram account can be one member, two console names cannot.

use chrono::Duration;
use fanclub::club::Handled;
use fanclub::club::model::{Actor, Event, Incoming, MemberId, MessageId, Place, Platform};
use fanclub::club::reply::Audience;
use proptest::prelude::*;

use crate::support::{TestClub, actor as telegram_actor, group};

/// A console member, speaking English.
pub fn console_actor(name: &str, moderator: bool) -> Actor {
    Actor {
        platform: Platform::Console,
        external_id: name.to_owned(),
        username: Some(name.to_owned()),
        display_name: name.to_owned(),
        locale: Some("en".to_owned()),
        is_bot: false,
        is_moderator: moderator,
        joined_at: None,
    }
}

/// Where `who` speaks in public: the console channel or the Telegram group.
fn public(who: &Actor) -> Place {
    match who.platform {
        Platform::Console => Place {
            platform: Platform::Console,
            id: "general".to_owned(),
            private: false,
        },
        _ => group(),
    }
}

/// `who`'s private chat with the bot.
fn private(who: &Actor) -> Place {
    Place {
        platform: who.platform,
        id: who.external_id.clone(),
        private: true,
    }
}

/// `text` said by `who` in `place`, as platform event `key`.
fn say_in(
    who: &Actor,
    place: Place,
    text: &str,
    key: &str,
    reply_to: Option<MessageId>,
) -> Incoming {
    Incoming {
        actor: who.clone(),
        place,
        event_key: Some(key.to_owned()),
        event: Event::Message {
            text: text.to_owned(),
            reply_to,
            external_id: Some(key.to_owned()),
            mentions: Vec::new(),
        },
    }
}

/// The only reply's text.
fn answer(handled: &Handled) -> &str {
    assert_eq!(handled.replies.len(), 1, "{:?}", handled.replies);
    &handled.replies[0].text
}

/// The code in a `/link` answer: `Your link code: 7KQ2M-X9RTA`.
pub fn code_in(text: &str) -> String {
    let start = text
        .find("code: ")
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        + 6;
    text[start..start + 11].to_owned()
}

/// A club where new members may vote at once.
async fn club() -> TestClub {
    TestClub::configured(|config| config.points.min_voter_days = 0).await
}

/// Asks for a code on `who`'s account (in public: it comes privately).
async fn ask_code(test: &TestClub, who: &Actor, key: &str) -> String {
    let handled = test
        .send(say_in(who, public(who), "/link", key, None))
        .await;
    let text = answer(&handled);
    assert!(
        matches!(handled.replies[0].audience, Audience::Member(_)),
        "a code is never said in public: {handled:?}"
    );
    code_in(text).to_owned()
}

/// `who` sends `/link <code>` to the bot privately; the answer.
async fn send_code(test: &TestClub, who: &Actor, code: &str, key: &str) -> String {
    let line = format!("/link {code}");
    let handled = test.send(say_in(who, private(who), &line, key, None)).await;
    answer(&handled).to_owned()
}

async fn member_of(test: &TestClub, who: &Actor) -> MemberId {
    test.temp
        .store
        .identity_member(who.platform, &who.external_id)
        .await
        .unwrap()
        .expect("a known member")
        .id
}

async fn grant(test: &TestClub, moderator: &Actor, line: &str, key: &str) {
    let handled = test
        .send(say_in(moderator, public(moderator), line, key, None))
        .await;
    assert!(answer(&handled).contains("points"), "{handled:?}");
}

#[tokio::test]
async fn a_member_links_the_console_and_telegram_and_sees_one_balance_on_both() {
    let test = club().await;
    let alice = console_actor("alice", false);
    let anna = telegram_actor("anna", false);
    let (console_mod, telegram_mod) = (console_actor("mod", true), telegram_actor("mia", true));
    test.send(say_in(&alice, public(&alice), "Hallo!", "a0", None))
        .await;
    test.days_pass(30);
    test.send(say_in(&anna, public(&anna), "Servus!", "n0", None))
        .await;
    grant(&test, &console_mod, "/grant @alice 120 Beta-Test", "g1").await;
    grant(&test, &telegram_mod, "/grant @anna 30 Umfrage", "g2").await;
    let alice_since = test
        .temp
        .store
        .member(member_of(&test, &alice).await)
        .await
        .unwrap()
        .unwrap()
        .fan_since;

    let code = ask_code(&test, &alice, "a1").await;
    let linked = send_code(&test, &anna, &code, "n1").await;

    assert!(
        linked.starts_with("Linked: console + telegram belong to one member now"),
        "{linked}"
    );
    assert!(linked.contains("Balance: 150 points"), "{linked}");
    let member = member_of(&test, &anna).await;
    assert_eq!(member_of(&test, &alice).await, member, "one member");
    assert_eq!(test.balance(&alice).await, 150);
    assert_eq!(test.balance(&anna).await, 150);
    let on_console = test
        .send(say_in(&alice, private(&alice), "/balance", "a2", None))
        .await;
    let on_telegram = test
        .send(say_in(&anna, private(&anna), "/balance", "n2", None))
        .await;
    // The name is the one seen last; the points are the same on both.
    let figures = "150 points · earned in total: 150 points · rank 1 of 1";
    assert!(answer(&on_console).contains(figures), "{on_console:?}");
    assert!(answer(&on_telegram).contains(figures), "{on_telegram:?}");
    let joined = test.temp.store.member(member).await.unwrap().unwrap();
    assert_eq!(joined.fan_since, alice_since, "fan since the earlier date");
    assert_eq!(test.temp.store.history(member, 10).await.unwrap().len(), 2);
    assert_eq!(test.temp.store.audit_count("link").await.unwrap(), 1);
    assert!(test.temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn a_fan_who_upvoted_one_answer_from_both_accounts_keeps_one_vote() {
    let test = club().await;
    let bob = telegram_actor("bob", false);
    let carol_tg = telegram_actor("carol", false);
    let carol_console = console_actor("carol", false);
    let question = test
        .send(say_in(
            &carol_tg,
            group(),
            "Wie lange dauert der Versand?",
            "q",
            None,
        ))
        .await
        .message
        .unwrap();
    let answer_id = test
        .send(say_in(
            &bob,
            group(),
            "Meist zwei Tage.",
            "a",
            Some(question),
        ))
        .await
        .message
        .unwrap();
    test.react(&carol_tg, answer_id, "👍", true, "r1").await;
    let upvote = say_in(
        &carol_console,
        public(&carol_console),
        "/upvote",
        "r2",
        Some(answer_id),
    );
    test.send(upvote).await;
    assert_eq!(test.balance(&bob).await, 4, "two members, two votes");

    let code = ask_code(&test, &carol_console, "c1").await;
    let linked = send_code(&test, &carol_tg, &code, "c2").await;

    assert!(
        linked.contains("One vote you had cast from both accounts"),
        "{linked}"
    );
    assert_eq!(test.balance(&bob).await, 2, "one person, one vote");
    let why = test
        .send(say_in(
            &telegram_actor("mia", true),
            group(),
            "/why @bob",
            "w",
            None,
        ))
        .await;
    let why = answer(&why);
    assert_eq!(why.matches("(paid)").count(), 1, "{why}");
    assert!(test.temp.store.doctor().await.unwrap().is_healthy());
    // Withdrawing the reaction that still stands takes back the rest.
    test.react(&carol_tg, answer_id, "👍", false, "r3").await;
    assert_eq!(test.balance(&bob).await, 0);
}

#[tokio::test]
async fn votes_one_account_gave_the_other_stop_paying_when_they_are_linked() {
    let test = club().await;
    let bob_tg = telegram_actor("bob", false);
    let bob_console = console_actor("bob", false);
    let answer_id = test
        .send(say_in(
            &bob_tg,
            group(),
            "Schau unter Mein Konto.",
            "a",
            None,
        ))
        .await
        .message
        .unwrap();
    let upvote = say_in(
        &bob_console,
        public(&bob_console),
        "/upvote",
        "u",
        Some(answer_id),
    );
    test.send(upvote).await;
    assert_eq!(test.balance(&bob_tg).await, 2);

    let code = ask_code(&test, &bob_tg, "c1").await;
    let linked = send_code(&test, &bob_console, &code, "c2").await;

    assert!(linked.contains("or for yourself"), "{linked}");
    assert_eq!(test.balance(&bob_console).await, 0, "no points for oneself");
    assert!(test.temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn unlinking_keeps_the_points_with_the_member_and_the_account_starts_at_zero() {
    let test = club().await;
    let alice = console_actor("alice", false);
    let anna = telegram_actor("anna", false);
    test.send(say_in(&anna, public(&anna), "Hi", "n0", None))
        .await;
    test.send(say_in(&alice, public(&alice), "Hallo", "a0", None))
        .await;
    grant(
        &test,
        &console_actor("mod", true),
        "/grant @alice 80 Event",
        "g",
    )
    .await;
    let code = ask_code(&test, &alice, "a1").await;
    send_code(&test, &anna, &code, "n1").await;
    let member = member_of(&test, &alice).await;

    let unlinked = test
        .send(say_in(
            &alice,
            public(&alice),
            "/unlink telegram",
            "a2",
            None,
        ))
        .await;

    let text = answer(&unlinked);
    assert!(
        text.starts_with("Your Telegram account is split off"),
        "{text}"
    );
    assert_eq!(member_of(&test, &alice).await, member, "alice stays");
    assert_ne!(member_of(&test, &anna).await, member);
    assert_eq!(test.balance(&alice).await, 80, "the points stay");
    assert_eq!(test.balance(&anna).await, 0, "the account starts again");
    assert_eq!(test.temp.store.audit_count("unlink").await.unwrap(), 1);
    // Future activity on Telegram is anna's own.
    grant(
        &test,
        &telegram_actor("mia", true),
        "/grant @anna 5 Umfrage",
        "g2",
    )
    .await;
    assert_eq!(test.balance(&anna).await, 5);
    assert_eq!(test.balance(&alice).await, 80);
    let again = test
        .send(say_in(
            &alice,
            public(&alice),
            "/unlink telegram",
            "a3",
            None,
        ))
        .await;
    assert_eq!(answer(&again), "You have no Telegram account.");
    let last = test
        .send(say_in(
            &alice,
            public(&alice),
            "/unlink console",
            "a4",
            None,
        ))
        .await;
    assert_eq!(
        answer(&last),
        "Your console account is your only one; there is nothing to split off."
    );
    let unknown = test
        .send(say_in(
            &alice,
            public(&alice),
            "/unlink myspace",
            "a5",
            None,
        ))
        .await;
    assert_eq!(
        answer(&unknown),
        "\"myspace\" is not a platform. These are: console, telegram, discord."
    );
    assert!(test.temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn expired_used_wrong_own_and_public_codes_get_clear_answers_and_link_nothing() {
    let test = club().await;
    let alice = console_actor("alice", false);
    let anna = telegram_actor("anna", false);
    let ben = telegram_actor("ben", false);

    let wrong = send_code(&test, &anna, "7KQ2M-X9RTA", "w").await;
    assert_eq!(
        wrong,
        "I do not know this code. Check it, or ask for a new one with /link on your other account."
    );
    let bad = send_code(&test, &anna, "hello", "b").await;
    assert!(bad.starts_with("\"hello\" is not a link code."), "{bad}");

    let code = ask_code(&test, &alice, "a1").await;
    let own = send_code(&test, &alice, &code, "a2").await;
    assert!(own.starts_with("This is your own code"), "{own}");
    test.days_pass(0);
    test.clock.advance(Duration::minutes(11));
    let expired = send_code(&test, &anna, &code, "n1").await;
    assert!(expired.starts_with("This code has expired"), "{expired}");

    let code = ask_code(&test, &alice, "a3").await;
    // Said in the group, everyone could read it: it is void at once.
    let in_group = test
        .send(say_in(&anna, group(), &format!("/link {code}"), "n2", None))
        .await;
    assert!(
        matches!(in_group.replies[0].audience, Audience::Member(_)),
        "answered privately: {in_group:?}"
    );
    assert!(answer(&in_group).starts_with("Send codes to me privately only"));
    let used = send_code(&test, &ben, &code, "b1").await;
    assert!(used.starts_with("This code was used already"), "{used}");

    let code = ask_code(&test, &alice, "a4").await;
    send_code(&test, &anna, &code, "n3").await;
    let again = send_code(&test, &ben, &code, "b2").await;
    assert!(again.starts_with("This code was used already"), "{again}");
    assert_ne!(member_of(&test, &ben).await, member_of(&test, &alice).await);
    assert_eq!(test.temp.store.audit_count("link").await.unwrap(), 1);
    assert!(test.temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn two_accounts_on_one_platform_are_never_one_member() {
    let test = club().await;
    let alice = console_actor("alice", false);
    let anna = telegram_actor("anna", false);
    let alice2 = console_actor("alice2", false);
    let code = ask_code(&test, &alice, "a1").await;
    send_code(&test, &anna, &code, "n1").await;

    // alice2's member has a console account, and so has alice's.
    let code = ask_code(&test, &anna, "n2").await;
    let refused = send_code(&test, &alice2, &code, "x1").await;

    assert!(
        refused.starts_with("Both members already have an account on console"),
        "{refused}"
    );
    assert_ne!(
        member_of(&test, &alice2).await,
        member_of(&test, &anna).await
    );
    let retry = send_code(&test, &alice2, &code, "x2").await;
    assert!(retry.starts_with("This code was used already"), "{retry}");
}

#[tokio::test]
async fn codes_and_guesses_are_rate_limited_per_member() {
    let test = club().await;
    let alice = console_actor("alice", false);
    let anna = telegram_actor("anna", false);
    for round in 0..5 {
        ask_code(&test, &alice, &format!("a{round}")).await;
    }
    let sixth = test
        .send(say_in(&alice, private(&alice), "/link", "a5", None))
        .await;
    assert!(answer(&sixth).starts_with("You already asked for 5 codes"));
    let code = {
        test.clock.advance(Duration::minutes(61));
        ask_code(&test, &alice, "a6").await
    };
    for round in 0..5 {
        send_code(&test, &anna, "00000-00000", &format!("w{round}")).await;
    }
    // Even the right code is not looked at after five wrong ones.
    let blocked = send_code(&test, &anna, &code, "n1").await;
    assert_eq!(
        blocked,
        "Too many wrong codes. Please try again in an hour."
    );
    test.clock.advance(Duration::minutes(5));
    assert_ne!(
        member_of(&test, &anna).await,
        member_of(&test, &alice).await
    );
}

#[tokio::test]
async fn pending_claims_and_their_held_points_move_with_a_link() {
    let test = club().await;
    let alice = console_actor("alice", false);
    let anna = telegram_actor("anna", false);
    test.send(say_in(&anna, public(&anna), "Hi", "n0", None))
        .await;
    grant(
        &test,
        &telegram_actor("mia", true),
        "/grant @anna 200 Event",
        "g",
    )
    .await;
    test.send(say_in(&anna, public(&anna), "/redeem mug", "r", None))
        .await;
    let anna_member = member_of(&test, &anna).await;
    assert_eq!(test.temp.store.held(anna_member).await.unwrap(), 120);

    let code = ask_code(&test, &anna, "n1").await;
    send_code(&test, &alice, &code, "a1").await;

    let member = member_of(&test, &alice).await;
    assert_eq!(test.temp.store.held(member).await.unwrap(), 120);
    assert_eq!(test.balance(&alice).await, 80);
    let claims = test
        .send(say_in(&alice, private(&alice), "/claims", "a2", None))
        .await;
    assert!(answer(&claims).contains("mug"), "{claims:?}");
    // `#number` of the member that was joined finds the member it became.
    let whois = test
        .send(say_in(
            &console_actor("mod", true),
            public(&alice),
            &format!("/whois #{}", anna_member.0),
            "m",
            None,
        ))
        .await;
    assert!(
        answer(&whois).contains(&format!("#{}", member.0)),
        "{whois:?}"
    );
    assert!(test.temp.store.doctor().await.unwrap().is_healthy());
}

/// One step of a random history.
#[derive(Debug, Clone)]
enum Step {
    /// Person `who` on platform `on` posts a message.
    Post {
        who: usize,
        on: usize,
    },
    /// Upvotes message `message` (modulo those posted).
    Vote {
        who: usize,
        on: usize,
        message: usize,
    },
    /// Withdraws that reaction.
    Unvote {
        who: usize,
        on: usize,
        message: usize,
    },
    Grant {
        who: usize,
        on: usize,
        points: i64,
    },
    /// Claims the sticker pack (no approval) or the mug (pending).
    Redeem {
        who: usize,
        on: usize,
        mug: bool,
    },
    /// Asks for a code on one account and sends it from another.
    Link {
        who: usize,
        on: usize,
        with: usize,
        with_on: usize,
    },
    Unlink {
        who: usize,
        on: usize,
        platform: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let person = 0..3usize;
    let platform = 0..2usize;
    prop_oneof![
        2 => (person.clone(), platform.clone()).prop_map(|(who, on)| Step::Post { who, on }),
        2 => (person.clone(), platform.clone(), 0..8usize)
            .prop_map(|(who, on, message)| Step::Vote { who, on, message }),
        2 => (person.clone(), platform.clone(), 0..8usize)
            .prop_map(|(who, on, message)| Step::Unvote { who, on, message }),
        2 => (person.clone(), platform.clone(), 1..200i64)
            .prop_map(|(who, on, points)| Step::Grant { who, on, points }),
        2 => (person.clone(), platform.clone(), any::<bool>())
            .prop_map(|(who, on, mug)| Step::Redeem { who, on, mug }),
        3 => (person.clone(), platform.clone(), person.clone(), platform.clone())
            .prop_map(|(who, on, with, with_on)| Step::Link { who, on, with, with_on }),
        2 => (person, platform.clone(), platform)
            .prop_map(|(who, on, platform)| Step::Unlink { who, on, platform }),
    ]
}

const PEOPLE: [&str; 3] = ["ada", "bea", "cem"];

/// Person `who`'s account on platform `on` (0: the console, 1: Telegram).
fn account(who: usize, on: usize) -> Actor {
    if on == 0 {
        console_actor(PEOPLE[who], false)
    } else {
        telegram_actor(PEOPLE[who], false)
    }
}

/// Distinct members behind the six accounts, counted once each.
async fn points_by_member(test: &TestClub) -> std::collections::BTreeMap<MemberId, i64> {
    let mut members = std::collections::BTreeMap::new();
    for who in 0..PEOPLE.len() {
        for on in 0..2 {
            let who = account(who, on);
            if let Some(member) = test
                .temp
                .store
                .identity_member(who.platform, &who.external_id)
                .await
                .unwrap()
            {
                let points = test.temp.store.balance(member.id).await.unwrap()
                    + test.temp.store.held(member.id).await.unwrap();
                members.insert(member.id, points);
            }
        }
    }
    members
}

async fn run(steps: Vec<Step>) {
    let test = TestClub::configured(|config| {
        config.points.min_voter_days = 0;
        config.faq.model = std::path::PathBuf::new();
    })
    .await;
    let moderator = console_actor("mod", true);
    let mut messages: Vec<MessageId> = Vec::new();
    for (n, step) in steps.iter().cloned().enumerate() {
        let key = |part: &str| format!("s{n}-{part}");
        let before: i64 = points_by_member(&test).await.values().sum();
        let mut taken_back_by_link = 0;
        match step {
            Step::Post { who, on } => {
                let who = account(who, on);
                let posted = test
                    .send(say_in(
                        &who,
                        public(&who),
                        "Tipp: Neustart hilft.",
                        &key("p"),
                        None,
                    ))
                    .await;
                messages.extend(posted.message);
            }
            Step::Vote { who, on, message } | Step::Unvote { who, on, message }
                if !messages.is_empty() =>
            {
                let added = matches!(step, Step::Vote { .. });
                let target = messages[message % messages.len()];
                test.send(Incoming {
                    actor: account(who, on),
                    place: public(&account(who, on)),
                    event_key: Some(key("r")),
                    event: Event::Reaction {
                        message: target.into(),
                        emoji: "👍".to_owned(),
                        added,
                    },
                })
                .await;
            }
            Step::Vote { .. } | Step::Unvote { .. } => {}
            Step::Grant { who, on, points } => {
                let target = account(who, on);
                let Some(member) = test
                    .temp
                    .store
                    .identity_member(target.platform, &target.external_id)
                    .await
                    .unwrap()
                else {
                    continue;
                };
                let line = format!("/grant #{} {points} Test", member.id.0);
                test.send(say_in(
                    &moderator,
                    public(&moderator),
                    &line,
                    &key("g"),
                    None,
                ))
                .await;
            }
            Step::Redeem { who, on, mug } => {
                let who = account(who, on);
                let line = if mug {
                    "/redeem mug"
                } else {
                    "/redeem stickers"
                };
                test.send(say_in(&who, private(&who), line, &key("c"), None))
                    .await;
            }
            Step::Link {
                who,
                on,
                with,
                with_on,
            } => {
                let (first, second) = (account(who, on), account(with, with_on));
                let asked = test
                    .send(say_in(&first, private(&first), "/link", &key("l1"), None))
                    .await;
                let Some(code) = asked.replies[0]
                    .text
                    .contains("code: ")
                    .then(|| code_in(&asked.replies[0].text))
                else {
                    continue;
                };
                let answer = send_code(&test, &second, &code, &key("l2")).await;
                taken_back_by_link = taken_back(&answer);
                if answer.starts_with("Linked") {
                    assert_eq!(
                        member_of(&test, &first).await,
                        member_of(&test, &second).await,
                        "{answer}"
                    );
                }
            }
            Step::Unlink { who, on, platform } => {
                let who = account(who, on);
                let name = ["console", "telegram"][platform];
                let line = format!("/unlink {name}");
                test.send(say_in(&who, public(&who), &line, &key("u"), None))
                    .await;
            }
        }
        let report = test.temp.store.doctor().await.unwrap();
        assert!(report.is_healthy(), "after step {n} ({step:?}):\n{report}");
        if matches!(step, Step::Link { .. } | Step::Unlink { .. }) {
            // Links and unlinks move points; they make or lose none, but for
            // the doubled votes a link takes back (and tells the member).
            let after: i64 = points_by_member(&test).await.values().sum();
            assert_eq!(after, before - taken_back_by_link, "step {n}: {step:?}");
        }
    }
}

/// The points a link's answer says it took back: `(2 points taken back)`.
fn taken_back(answer: &str) -> i64 {
    let Some(end) = answer.find(" taken back)") else {
        return 0;
    };
    let start = answer[..end].rfind('(').expect("an opening parenthesis") + 1;
    let number: String = answer[start..end]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    number.parse().expect("a number of points")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn doctor_stays_healthy_and_points_are_conserved_through_random_links_and_unlinks(
        steps in proptest::collection::vec(step(), 10..40)
    ) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run(steps));
    }
}
